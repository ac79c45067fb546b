//! Moving a record between districts (跨区迁移, issue 16).
//!
//! Each district keeps its ledger in its own database, so a person who
//! moves from district A to district B cannot be moved by one conditional
//! write as inside a district ([`super::transfer`]). The request lives in
//! the directory (it spans districts) and goes through these states:
//!
//! ```text
//! awaiting_receive ──B approves (准迁)──▶ awaiting_release ──A approves (迁出)──▶ moving ──steps──▶ moved
//!        └──B rejects──▶ rejected               └──A rejects──▶ rejected
//! ```
//!
//! The receiving side decides first, as with a household move in China
//! (the destination issues its 准迁证 before the origin signs the person
//! out): B's town centre of the destination village (or B's 行政专员)
//! agrees to receive, which needs no lookup in A. Only then does the request
//! reach A's deciders: the town centre of the town where the record lies,
//! or A's 行政专员 (who alone sees a request whose key A does not hold, and
//! closes it). The asker's answer never depends on A: nothing is looked
//! up when a request is made, so registered-in-A and registered-nowhere
//! give the same answer, shape and timing class.
//!
//! Approval by A fixes the record (id, unit, version) in the directory row
//! (`moving`); then two idempotent steps finish the move, each keyed by the
//! transfer id: **out** — A's record is marked moved out (kept, with a
//! history row naming the destination district), conditional on the version
//! A's decider approved; **in** — B's copy is inserted under an id made of
//! the transfer id (insert-or-ignore), with a history row linking the
//! transfer. Out comes before in, so at no moment are two live copies: a
//! crash between them leaves the person in neither live ledger until the
//! retry (the decision sent again) finishes the move from A's kept record.

use serde::{Deserialize, Serialize};

use super::{Changes, HistoryEntry, LedgerRecord, Source, Write};
use crate::access::{Action, Principal, Role, authorize};
use crate::field_error::FieldError;
use crate::ledger::transfer::{self, NewTransfer};
use crate::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictTransferStatus {
    /// Asked by a village of B; B's side decides whether to receive.
    AwaitingReceive,
    /// B agreed; A's side decides whether to release the record.
    AwaitingRelease,
    /// A approved: the move's steps run (again on a retry) until done.
    Moving,
    Moved,
    Rejected,
}

impl DistrictTransferStatus {
    pub const ALL: [DistrictTransferStatus; 5] = [
        DistrictTransferStatus::AwaitingReceive,
        DistrictTransferStatus::AwaitingRelease,
        DistrictTransferStatus::Moving,
        DistrictTransferStatus::Moved,
        DistrictTransferStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DistrictTransferStatus::AwaitingReceive => "awaiting_receive",
            DistrictTransferStatus::AwaitingRelease => "awaiting_release",
            DistrictTransferStatus::Moving => "moving",
            DistrictTransferStatus::Moved => "moved",
            DistrictTransferStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<DistrictTransferStatus> {
        DistrictTransferStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// What a requester sends: `POST /api/ledger/district-transfers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDistrictTransfer {
    /// Chosen by the client once per request: a retry returns the first.
    pub request_id: String,
    pub entity: String,
    /// The district-wide key typed by the requester (an ID number).
    pub key: String,
    /// The district the person says they come from (6 digits).
    pub from_district: String,
    /// The requester's village.
    pub to_org_unit: String,
    #[serde(default)]
    pub reason: String,
}

/// A stored request (a directory row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictTransfer {
    pub id: String,
    pub entity: String,
    pub key: String,
    pub from_district: String,
    pub to_org_unit: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub status: DistrictTransferStatus,
    /// B's decider who agreed to receive (the request reached A).
    pub received_by: Option<String>,
    pub received_at: Option<String>,
    /// Who rejected (either side) or released (A).
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// Fixed by A's approval: the record moved, where it lay and the
    /// version A's decider approved.
    pub record_id: Option<String>,
    pub from_org_unit: Option<String>,
    pub record_version: Option<u32>,
}

/// The 6-digit district of an org unit code.
pub fn district_of(org_unit: &str) -> &str {
    org_unit.get(..6).unwrap_or(org_unit)
}

/// Checks a new request as [`transfer::check_request`] does, and the
/// district it names: six digits, another district than the requester's.
pub fn check_request(record_type: Option<&super::RecordType>, request: &mut NewDistrictTransfer) -> Result<(), Vec<FieldError>> {
    let mut inner = NewTransfer {
        request_id: request.request_id.clone(),
        entity: request.entity.clone(),
        key: std::mem::take(&mut request.key),
        to_org_unit: request.to_org_unit.clone(),
        reason: std::mem::take(&mut request.reason),
    };
    let mut errors = transfer::check_request(record_type, &mut inner).err().unwrap_or_default();
    request.key = inner.key;
    request.reason = inner.reason;
    request.from_district = request.from_district.trim().to_owned();
    let from = &request.from_district;
    if from.len() != 6 || !from.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(FieldError::zh_en(
            "/from_district",
            "invalid_district",
            "迁出区县代码应为 6 位数字",
            "from_district is a 6-digit district code",
        ));
    } else if from == district_of(&request.to_org_unit) {
        errors.push(FieldError::zh_en(
            "/from_district",
            "same_district",
            "本区内的迁移请在「迁移申请」中办理",
            "a move inside the district is an ordinary transfer request",
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Whether `principal` may ask for records to move into `to_org_unit`: as
/// inside a district, whoever may write that village's ledger.
pub fn may_request(principal: &Principal, to_org_unit: &str) -> bool {
    transfer::may_request(principal, to_org_unit)
}

/// A town centre or a 行政专员: the roles that decide on either side.
pub fn is_decider(principal: &Principal) -> bool {
    matches!(principal.role, Role::TownCoordinator | Role::AdminSpecialist)
}

/// B's side: the town centre of the destination village's town, or B's
/// 行政专员 — who may read the destination's ledger.
pub fn may_receive(principal: &Principal, t: &DistrictTransfer) -> bool {
    is_decider(principal) && authorize(principal, &Action::ReadLedger { org_unit: &t.to_org_unit }).is_allowed()
}

/// A's side: a decider of A who may read the unit where the record lies
/// (`holder_unit`); a key A does not hold (`None`) is A's 行政专员's alone.
pub fn may_release(principal: &Principal, t: &DistrictTransfer, holder_unit: Option<&str>) -> bool {
    let unit = holder_unit.unwrap_or(&t.from_district);
    is_decider(principal)
        && district_of(&principal.org_unit) == t.from_district
        && district_of(unit) == t.from_district
        && authorize(principal, &Action::ReadLedger { org_unit: unit }).is_allowed()
}

/// Whether the request has reached A (B agreed to receive).
pub fn reached_origin(t: &DistrictTransfer) -> bool {
    t.received_by.is_some()
}

/// Who sees the request at all: B's asker's village and B's deciders;
/// A's deciders once it reached A, for a record they may read.
pub fn may_see(principal: &Principal, t: &DistrictTransfer, holder_unit: Option<&str>) -> bool {
    let b_side = district_of(&principal.org_unit) == district_of(&t.to_org_unit)
        && (may_receive(principal, t) || authorize(principal, &Action::WriteLedger { org_unit: &t.to_org_unit }).is_allowed());
    b_side || (reached_origin(t) && may_release(principal, t, holder_unit))
}

/// The answer to every accepted request, whatever A holds.
pub fn requested_message() -> Text {
    Text::new(
        "跨区迁移申请已提交：先由本镇（街道）协同中心同意接收，再由迁出区核实办理；结果在「迁移申请」中查看",
        "cross-district transfer requested: the town centre agrees to receive it, then the district of origin checks and decides (see Transfers)",
    )
}

/// Why B's side cannot agree to receive: the key is live in B already.
pub fn already_here_message() -> Text {
    Text::new(
        "本区台账中已有这个号码：不需要跨区迁移（如在本区其他村，请用本区「迁移申请」）",
        "this district's ledger holds the key already: no cross-district move (inside the district, use a transfer request)",
    )
}

/// Why A's side cannot release: A holds no live record with the key.
pub fn not_held_message() -> Text {
    Text::new("本区台账中没有这个号码：无可迁出，请不同意并说明", "no live record here has this key: nothing to release, reject it")
}

/// The id of B's copy: made of the transfer id, so inserting it again
/// (a retry) finds it instead of making a second one.
pub fn copy_id(t: &DistrictTransfer) -> String {
    format!("{}:{}-m-{}", t.entity, t.to_org_unit, t.id)
}

/// The history changes both sides record: the districts and the link.
fn move_changes(t: &DistrictTransfer) -> Changes {
    let mut changes = Changes::new();
    changes.insert("district".to_owned(), (t.from_district.clone().into(), district_of(&t.to_org_unit).into()));
    changes.insert("district_transfer".to_owned(), (serde_json::Value::Null, t.id.clone().into()));
    changes
}

/// Step out, in A: the record's next version, its fields and unit
/// unchanged, marked moved out by the store (`moved_out` = the transfer id)
/// — conditional on the version A's decider approved. A's history says
/// which district it went to and which transfer, nothing of B's village.
pub fn plan_move_out(record: &LedgerRecord, t: &DistrictTransfer, by: &str, at: &str) -> Write {
    let mut out = record.clone();
    out.version = record.version + 1;
    out.updated_at = at.to_owned();
    out.updated_by = by.to_owned();
    Write {
        history: HistoryEntry {
            record_id: record.id.clone(),
            version: out.version,
            changed_at: at.to_owned(),
            changed_by: by.to_owned(),
            source: Source::Transfer,
            changes: move_changes(t),
        },
        record: out,
        expected_version: Some(record.version),
    }
}

/// Step in, in B: a new record ([`copy_id`]) in the destination village
/// with the fields (tags included) A's record had when it moved out, at
/// version 1; its history links the transfer (A's history stays in A,
/// readable there: B's readers are not shown who changed what in A).
pub fn plan_move_in(source: &LedgerRecord, t: &DistrictTransfer, by: &str, at: &str) -> Write {
    let record = LedgerRecord {
        id: copy_id(t),
        entity: t.entity.clone(),
        org_unit: t.to_org_unit.clone(),
        version: 1,
        updated_at: at.to_owned(),
        updated_by: by.to_owned(),
        data: source.data.clone(),
    };
    Write {
        history: HistoryEntry {
            record_id: record.id.clone(),
            version: 1,
            changed_at: at.to_owned(),
            changed_by: by.to_owned(),
            source: Source::Transfer,
            changes: move_changes(t),
        },
        record,
        expected_version: None,
    }
}

/// What step out found in A.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveOut {
    /// Marked by this transfer (now, or by an earlier try).
    Done,
    /// The record changed (or left) since A's decider read it: nothing done.
    Changed,
}

/// What step in found in B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveIn {
    /// B's copy exists (inserted now, or by an earlier try).
    Done,
    /// Another live record of B holds the key (entered meanwhile): no copy
    /// is made, so B still has exactly one live record of the person.
    KeyTaken,
}

/// What a reader sees of the record A holds: A's deciders only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub record_id: String,
    pub name: String,
    pub from_org_unit: String,
    pub from_name: String,
}

/// A request as one reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictTransferView {
    pub id: String,
    pub entity: String,
    /// Masked by the reader's grants.
    pub key: String,
    pub from_district: String,
    pub from_district_name: String,
    pub to_org_unit: String,
    pub to_name: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub status: DistrictTransferStatus,
    pub received_by: Option<String>,
    pub received_at: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// Where the record lies (lay) in A: to A's deciders only.
    pub found: Option<Holder>,
    /// B's copy, once moved: to B's side only.
    pub record_id: Option<String>,
    /// Why approving is not possible now, to who decides.
    pub blocked: Option<Text>,
    /// Whether this reader decides the request in its current state.
    pub may_decide: bool,
}

/// Names for a view: org units, accounts and districts.
pub struct Names<'a> {
    pub unit: &'a dyn Fn(&str) -> String,
    pub person: &'a dyn Fn(&str) -> String,
    pub district: &'a dyn Fn(&str) -> String,
}

/// What `principal` sees of `t`. `holder`: the record in A (A's deciders'
/// reads only: live for `awaiting_release`, as fixed by the approval after);
/// `blocked`: why the reader cannot approve now (computed by the caller).
pub fn view(
    principal: &Principal,
    record_type: &super::RecordType,
    t: &DistrictTransfer,
    holder: Option<&LedgerRecord>,
    blocked: Option<Text>,
    names: &Names<'_>,
) -> DistrictTransferView {
    let holder_unit = holder.map(|r| r.org_unit.as_str()).or(t.from_org_unit.as_deref());
    let a_side = reached_origin(t) && may_release(principal, t, holder_unit);
    let may_decide = match t.status {
        DistrictTransferStatus::AwaitingReceive => may_receive(principal, t),
        DistrictTransferStatus::AwaitingRelease | DistrictTransferStatus::Moving => a_side,
        DistrictTransferStatus::Moved | DistrictTransferStatus::Rejected => false,
    };
    let found = holder.filter(|_| a_side).map(|r| Holder {
        record_id: r.id.clone(),
        name: r.data.get("name").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned(),
        from_org_unit: r.org_unit.clone(),
        from_name: (names.unit)(&r.org_unit),
    });
    let b_side = district_of(&principal.org_unit) == district_of(&t.to_org_unit);
    let key = match record_type.district_key_field().and_then(|f| record_type.field(f)) {
        Some(spec) if !crate::access::may_see_unmasked(principal, &format!("{}.{}", record_type.entity, spec.name)) => {
            crate::access::mask(spec.sensitivity, &t.key)
        }
        _ => t.key.clone(),
    };
    DistrictTransferView {
        id: t.id.clone(),
        entity: t.entity.clone(),
        key,
        from_district: t.from_district.clone(),
        from_district_name: (names.district)(&t.from_district),
        to_org_unit: t.to_org_unit.clone(),
        to_name: (names.unit)(&t.to_org_unit),
        reason: t.reason.clone(),
        requested_by: (names.person)(&t.requested_by),
        requested_at: crate::time::beijing(&t.requested_at),
        status: t.status,
        received_by: t.received_by.as_deref().map(names.person),
        received_at: t.received_at.as_deref().map(crate::time::beijing),
        decided_by: t.decided_by.as_deref().map(names.person),
        decided_at: t.decided_at.as_deref().map(crate::time::beijing),
        note: t.note.clone(),
        found,
        record_id: (b_side && t.status == DistrictTransferStatus::Moved).then(|| copy_id(t)),
        blocked: if may_decide { blocked } else { None },
        may_decide,
    }
}

#[cfg(test)]
#[path = "district_transfer_tests.rs"]
mod tests;
