//! Bodies of the ledger endpoints: lists, records, corrections, imports.

use serde::{Deserialize, Serialize};

/// An org unit found by name (`GET /api/org-units/search?q=`), with the
/// name of the unit above it, so that two villages of one name are told apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgUnitHit {
    pub code: String,
    pub name: String,
    pub level: crate::ids::OrgLevel,
    #[serde(default)]
    pub parent_name: Option<String>,
}

/// A column of a ledger listing: the field's name and Chinese title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerColumn {
    pub name: String,
    pub title: String,
}

/// `GET /api/ledger/{entity}?org_unit=…`: the records of a unit (and the
/// units inside it), sensitive values masked for the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerList {
    pub entity: String,
    pub org_unit: String,
    /// The unit's name (`卫星湖街道南华村`), for people; the code is for machines.
    #[serde(default)]
    pub org_unit_name: String,
    pub columns: Vec<LedgerColumn>,
    pub records: Vec<crate::ledger::LedgerRecord>,
}

/// `GET /api/ledger/search?entity=…&org_unit=…&q=…&tag=…&group=…&page=…`:
/// one page of the records of a unit (and the units inside it) that match,
/// searched and masked by `ledger::browse` for the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerPage {
    pub entity: String,
    pub org_unit: String,
    pub org_unit_name: String,
    pub columns: Vec<LedgerColumn>,
    pub records: Vec<crate::ledger::LedgerRecord>,
    /// Records matching (all pages).
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    /// The tag filter's options, with counts over the unit.
    pub tags: Vec<crate::ledger::browse::Facet>,
    /// The villagers' groups (3组…) of the unit's records.
    pub groups: Vec<crate::ledger::browse::Facet>,
    /// The names of the units the records belong to, by code.
    pub units: std::collections::BTreeMap<String, String>,
    /// Whether the reader may edit and import here (`WriteLedger`).
    pub may_write: bool,
}

/// `GET /api/ledger/records/{id}`: a record and its history, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDetail {
    pub record: crate::ledger::LedgerRecord,
    pub history: Vec<crate::ledger::HistoryEntry>,
    /// The display names of the accounts in `history[].changed_by`, by
    /// user name (a name not found, e.g. a department's key, is absent).
    #[serde(default)]
    pub people: std::collections::BTreeMap<String, String>,
}

/// `PATCH /api/ledger/records/{id}`: fields to set (a `null` removes one),
/// made by someone who read the record at `expected_version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRecordRequest {
    pub expected_version: u32,
    pub patch: crate::ledger::Patch,
    /// `visit` (the default) or `form`.
    #[serde(default)]
    pub source: Option<crate::ledger::Source>,
}

/// `POST /api/ledger/import` and `POST /api/ingest/{entity}`: what the batch
/// does (preview) or did (commit).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportAnswer {
    pub committed: bool,
    #[serde(flatten)]
    pub summary: crate::import::ImportSummary,
    /// D1 batches the writes were applied in (0 for a preview or no change).
    pub batches: usize,
    /// The plan's id ([`crate::import::ImportPlan::id`]): commit with it to
    /// apply exactly this plan.
    #[serde(default)]
    pub plan_id: String,
    /// The file's date the plan compared the ledger's changes with: the
    /// clerk's, or the file's own (`reading.file_date`), or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Display names of the accounts named in `diff[].fields[].newer.changed_by`.
    #[serde(default)]
    pub people: std::collections::BTreeMap<String, String>,
    /// This commit of the plan was already stored: the answer is the first
    /// one's, nothing was written again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
}
