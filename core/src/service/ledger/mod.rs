//! The ledger's use cases: list, read, correct, search and export a unit's
//! records ([`records`], [`search`]); import a clerk's file ([`import`]) and
//! a department's push ([`ingest`]) with the district-wide key lookups they
//! share ([`lookup`]); transfer requests ([`transfers`]).
//!
//! Their port is [`LedgerPort`]: core's [`LedgerStore`] answering
//! [`ServiceError`], plus what these use cases read besides records (key
//! lookups, histories, names, the refused-lookup budget, committed plans)
//! and the shared [`Directory`] and [`AuditLog`]. Transfers add
//! [`TransferPort`]. The worker implements both over D1
//! (`worker/src/store/ledger.rs`, `transfers.rs`); [`memory`] in memory.

pub mod district_transfers;
pub mod import;
pub mod ingest;
pub mod lookup;
#[cfg(test)]
pub(crate) mod memory;
pub mod records;
pub mod search;
#[cfg(test)]
mod tests;
pub mod transfers;

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::access::{Principal, mask_values, record_guards};
use crate::catalog::{Catalog, Guard};
use crate::ledger::transfer::Transfer;
use crate::ledger::{ApplyError, HistoryEntry, LedgerRecord, LedgerStore, RecordType, RecordTypes, Write};
use crate::messages::Text;

use super::{AuditLog, Directory, LookupBudget, ServiceError};

/// Writes per D1 batch for large change sets (two statements each). One
/// batch is one transaction; a change set spanning several is made to be
/// completed by a retry (see [`LedgerPort::apply_in_batches`]).
pub const WRITES_PER_BATCH: usize = 2_000;

/// The row that marks an import plan committed, with the answer a retry of
/// the same commit is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedPlan<'a> {
    pub plan_id: &'a str,
    pub created_by: &'a str,
    pub org_unit: &'a str,
    pub entity: &'a str,
    pub committed_at: &'a str,
    pub answer: &'a str,
}

/// Everything the ledger's use cases read and write.
#[allow(async_fn_in_trait)]
pub trait LedgerPort: LedgerStore<Error = ServiceError> + Directory + AuditLog + LookupBudget {
    /// The ledger's record types (reference data, read once).
    fn record_types(&self) -> Result<Rc<RecordTypes>, ServiceError>;
    /// The item catalog: what protects each field (reference data).
    fn catalog(&self) -> Result<Rc<Catalog>, ServiceError>;
    /// A monotonic clock in milliseconds, only for the `Server-Timing` of
    /// a list (how long the records took to come out of storage); 0 when
    /// nothing is timed.
    fn stopwatch_ms(&self) -> f64 {
        0.0
    }
    /// The records of `entity` whose district-wide key field `key_field`
    /// holds one of `keys`, in any unit.
    async fn records_with_keys(&self, entity: &str, key_field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// The history of the records `ids`, oldest first per record.
    async fn histories(&self, ids: &[String]) -> Result<Vec<HistoryEntry>, ServiceError>;
    /// The names of the org units `codes` (unknown codes left out).
    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError>;
    /// The display names of the accounts `usernames` (unknown left out).
    async fn display_names(&self, usernames: &[&str]) -> Result<BTreeMap<String, String>, ServiceError>;
    /// Applies a large change set in atomic batches of [`WRITES_PER_BATCH`];
    /// the set as a whole is not atomic, but re-planning the same input
    /// after a failure writes only what is missing. Answers the batches.
    async fn apply_in_batches(&self, writes: &[Write]) -> Result<usize, ApplyError<ServiceError>>;
    /// The answer stored by the commit of `plan_id` by `user_id`, if any.
    async fn committed_plan(&self, plan_id: &str, user_id: &str) -> Result<Option<String>, ServiceError>;
    /// Applies an import's writes like [`LedgerPort::apply_in_batches`],
    /// with `plan` in the last batch: it exists if and only if every write
    /// does.
    async fn apply_plan(&self, writes: &[Write], plan: &CommittedPlan<'_>) -> Result<usize, ApplyError<ServiceError>>;
}

/// A transfer request as stored, with what its approval recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTransfer {
    pub transfer: Transfer,
    /// The record moved (approved only).
    pub record_id: Option<String>,
    /// Where it lay when the move was approved.
    pub from_org_unit: Option<String>,
}

/// Transfer requests (迁移申请): stored as asked, decided once.
#[allow(async_fn_in_trait)]
pub trait TransferPort: LedgerPort {
    async fn transfer(&self, id: &str) -> Result<Option<StoredTransfer>, ServiceError>;
    /// The pending request for `key` into `to_org_unit`, if any.
    async fn pending_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<StoredTransfer>, ServiceError>;
    /// Requests into units inside `scope`: pending first, then the newest
    /// decided; at most 200.
    async fn transfers(&self, scope: &str) -> Result<Vec<StoredTransfer>, ServiceError>;
    /// Stores a new pending request; `false` when the id exists or a
    /// pending request for the same key and destination does.
    async fn add_transfer(&self, transfer: &Transfer) -> Result<bool, ServiceError>;
    /// Approves a pending request and applies the move `write`, all or
    /// nothing: an error when the request is no longer pending or the
    /// record no longer at the version read (nothing changed then).
    async fn approve_transfer(&self, id: &str, write: &Write, from_org_unit: &str, note: &str) -> Result<(), ServiceError>;
    /// Rejects a pending request; a decided one is left as it is.
    async fn reject_transfer(&self, id: &str, by: &str, at: &str, note: &str) -> Result<(), ServiceError>;
}

/// A request body a use case reads only once the checks that need no body
/// have passed, so that a forbidden or misaddressed request is answered
/// as such whatever its body holds.
#[allow(async_fn_in_trait)]
pub trait Body<T> {
    async fn read(self) -> Result<T, ServiceError>;
}

/// A body already parsed (tests, callers without IO).
pub struct Parsed<T>(pub T);

impl<T> Body<T> for Parsed<T> {
    async fn read(self) -> Result<T, ServiceError> {
        Ok(self.0)
    }
}

/// The record type `entity`, or 404.
pub fn record_type(types: &RecordTypes, entity: &str) -> Result<RecordType, ServiceError> {
    types.get(entity).cloned().ok_or(ServiceError::NotFound { what: "ledger record type", zh: "该台账类型" })
}

/// What protects each field of the record type (`id_number` by itself,
/// `birth_date` by the ID number it is part of…).
pub fn bindings(catalog: &Catalog, record_type: &RecordType) -> Vec<(String, Guard)> {
    record_guards(catalog, &record_type.entity, record_type.fields.iter().map(|f| f.name.as_str()))
}

pub(crate) fn unit_not_found() -> ServiceError {
    ServiceError::NotFound { what: "org unit", zh: "该行政区划" }
}

pub(crate) fn record_not_found() -> ServiceError {
    ServiceError::NotFound { what: "ledger record", zh: "该台账记录" }
}

/// The value of a required query parameter, or 400 naming it.
pub fn required<'q>(value: &'q Option<String>, name: &str) -> Result<&'q str, ServiceError> {
    value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| ServiceError::BadRequest {
        code: "missing_parameter",
        message: Text::new(format!("缺少查询参数 {name}"), format!("the query parameter {name} is required")),
    })
}

/// Masks `values` for the reader; adds the items read unmasked to `unmasked`.
pub(crate) fn mask_map(principal: &Principal, guards: &[(String, Guard)], values: &mut Map<String, Value>, unmasked: &mut Vec<String>) {
    for item in mask_values(principal, guards, values) {
        if !unmasked.contains(&item) {
            unmasked.push(item);
        }
    }
}

pub(crate) fn mask_record(principal: &Principal, guards: &[(String, Guard)], record: &mut LedgerRecord, unmasked: &mut Vec<String>) {
    if let Value::Object(values) = &mut record.data {
        mask_map(principal, guards, values, unmasked);
    }
}

/// Masks the old and new values of a history entry like the record's.
pub(crate) fn mask_history(principal: &Principal, guards: &[(String, Guard)], entry: &mut HistoryEntry, unmasked: &mut Vec<String>) {
    let mut old: Map<String, Value> = entry.changes.iter().map(|(k, (o, _))| (k.clone(), o.clone())).collect();
    let mut new: Map<String, Value> = entry.changes.iter().map(|(k, (_, n))| (k.clone(), n.clone())).collect();
    mask_map(principal, guards, &mut old, unmasked);
    mask_map(principal, guards, &mut new, unmasked);
    for (field, (o, n)) in entry.changes.iter_mut() {
        *o = old.remove(field).unwrap_or(Value::Null);
        *n = new.remove(field).unwrap_or(Value::Null);
    }
}
