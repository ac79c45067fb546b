//! The ledger model: records of people, households, org units… as the
//! store keeps them, each with a version for conditional updates.
//!
//! Writes are planned here, purely ([`plan`]), and executed by a
//! [`LedgerStore`] ([`store`]): the in-memory one for tests, D1 in the worker.

pub mod browse;
pub mod district_transfer;
mod history;
mod plan;
mod record_type;
mod rules;
mod store;
pub mod transfer;

pub use crate::ids::OrgLevel;
pub use history::{ChangeMeta, Changes, HistoryEntry, Source, diff_fields};
pub use plan::{Conflict, Patch, UpdateError, Write, apply_patch, plan_insert, plan_update};
pub use record_type::{FieldSpec, IdPart, RecordType, RecordTypeError, RecordTypes, natural_key_in, natural_key_of};
pub use rules::{CONTRADICTS_ID_NUMBER, id_number_parts};
#[cfg(test)]
pub(crate) use store::ready as store_ready;
pub use store::{ApplyError, InMemoryLedger, LedgerStore, UpdateFailure, UpdateOutcome, in_unit, update};

use serde::Serialize;
use serde_json::Value;

/// One ledger record. `data` follows the record type's schema in
/// `schemas/ledger/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRecord {
    /// Stable id, e.g. `person:500118100001-0001`.
    pub id: String,
    /// Record type, e.g. `person`.
    pub entity: String,
    /// GB/T 2260 code of the village (or town, district) the record belongs to.
    pub org_unit: String,
    /// Incremented on every change; updates are conditional on it.
    pub version: u32,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// Who made the last change.
    pub updated_by: String,
    pub data: Value,
}

crate::read_object!(LedgerRecord { id, entity, org_unit, version, updated_at, updated_by, data } default {});

/// An administrative division: district, town/street or village/community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgUnit {
    /// GB/T 2260 code: 6 digits (district), 9 (town), 12 (village).
    pub code: String,
    pub name: String,
    pub level: OrgLevel,
    pub parent_code: Option<String>,
}

crate::read_object!(OrgUnit { code, name, level } default { parent_code });
