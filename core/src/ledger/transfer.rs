//! Moving a record between units of the district (迁移申请).
//!
//! A district-wide key (an ID number, a credit code) names one record in
//! the whole district. When a person moves from village A to village B,
//! B's staff meet a refusal that names no one ([`crate::access::lookup`]):
//! they cannot see A. They ask for a transfer instead: the request carries
//! the key and B, and is decided by someone who may read both units — the
//! town coordination centre when both villages lie in its town, the
//! district's 行政专员 when the move crosses towns. Only the decider learns
//! where the record lies; the requester's answer is the same whether or
//! not the key is registered anywhere (no lookup by the back door), and
//! each request counts against the requester's daily refused-lookup budget.
//!
//! Approval moves the record: a new version whose only change is its unit,
//! with source `transfer` in its history. The decision and the move are one
//! atomic batch conditional on the record's version, so a retried or
//! concurrent approval moves it once.

use serde::{Deserialize, Serialize};

use super::{HistoryEntry, LedgerRecord, RecordType, Source, Write};
use crate::access::{Action, Principal, authorize};
use crate::field_error::FieldError;
use crate::ids::ClientId;
use crate::text::Text;

/// Characters of a request's reason or a decision's note.
pub const MAX_NOTE_CHARS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Pending,
    Approved,
    Rejected,
}

impl TransferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Pending => "pending",
            TransferStatus::Approved => "approved",
            TransferStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<TransferStatus> {
        [TransferStatus::Pending, TransferStatus::Approved, TransferStatus::Rejected].into_iter().find(|t| t.as_str() == s)
    }
}

/// What a requester sends: `POST /api/ledger/transfers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTransfer {
    /// Chosen by the client once per request: a retry returns the first.
    pub request_id: String,
    pub entity: String,
    /// The district-wide key typed by the requester (an ID number).
    pub key: String,
    /// The unit the record should move to (the requester's village).
    pub to_org_unit: String,
    #[serde(default)]
    pub reason: String,
}

/// A stored request, with what its creation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub id: String,
    pub entity: String,
    pub key: String,
    pub to_org_unit: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub status: TransferStatus,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Checks a new request: a record type with a district-wide key, a key of
/// the right format, a client id, a short reason. The key is normalised
/// (trimmed, `x` → `X`) before it is checked and stored.
pub fn check_request(record_type: Option<&RecordType>, request: &mut NewTransfer) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let id = &request.request_id;
    if !ClientId::is_valid(id) {
        errors.push(FieldError::zh_en("/request_id", "invalid_id", "申请编号无效", "request_id must be 1–64 letters, digits or hyphens"));
    }
    request.key = request.key.trim().to_uppercase();
    match record_type.and_then(|t| Some((t, t.district_key_field()?))) {
        None => errors.push(FieldError::zh_en(
            "/entity",
            "no_district_key",
            "这类台账记录不能申请迁移",
            "this record type has no district-wide key",
        )),
        Some((t, field)) => {
            let spec = t.field(field);
            let title = spec.map_or(field, |f| f.title.as_str());
            let valid = match spec.and_then(|f| f.format.as_deref()) {
                Some("cn-id-number") => crate::formats::is_cn_id_number(&request.key),
                Some("cn-credit-code") => crate::formats::is_cn_credit_code(&request.key),
                _ => !request.key.is_empty() && request.key.chars().count() <= 64,
            };
            if !valid {
                errors.push(FieldError::zh_en(
                    "/key",
                    "invalid_key",
                    format!("{title}不正确：请核对后重新填写"),
                    format!("{field} is not valid: check it and type it again"),
                ));
            }
        }
    }
    request.reason = request.reason.trim().to_owned();
    if request.reason.chars().count() > MAX_NOTE_CHARS {
        errors.push(FieldError::zh_en(
            "/reason",
            "too_long",
            format!("原因最多 {MAX_NOTE_CHARS} 个字"),
            format!("the reason has at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// Whether `principal` may ask for records to move into `to_org_unit`:
/// whoever may write that unit's ledger.
pub fn may_request(principal: &Principal, to_org_unit: &str) -> bool {
    crate::ids::OrgLevel::of_code(to_org_unit) == Some(crate::ids::OrgLevel::Village)
        && authorize(principal, &Action::WriteLedger { org_unit: to_org_unit }).is_allowed()
}

/// Whether `principal` may decide a move from `from` (where the record lies
/// now, if anywhere) to `to`: a town coordination centre or the district's
/// 行政专员 who may read both units' ledgers.
pub fn may_decide(principal: &Principal, from: Option<&str>, to: &str) -> bool {
    use crate::access::Role;
    matches!(principal.role, Role::TownCoordinator | Role::AdminSpecialist)
        && authorize(principal, &Action::ReadLedger { org_unit: to }).is_allowed()
        && from.is_none_or(|from| authorize(principal, &Action::ReadLedger { org_unit: from }).is_allowed())
}

/// Whether `principal` sees the request at all: its requester's unit, or a
/// decider. (What it shows of the record is [`detail_visible`].)
pub fn may_see(principal: &Principal, transfer: &Transfer, from: Option<&str>) -> bool {
    may_decide(principal, from, &transfer.to_org_unit)
        || authorize(principal, &Action::WriteLedger { org_unit: &transfer.to_org_unit }).is_allowed()
}

/// Whether `principal` may learn where the record lies and whose it is:
/// exactly who may read the record's unit.
pub fn detail_visible(principal: &Principal, from: &str) -> bool {
    crate::access::lookup::may_name(principal, from)
}

/// The answer to every accepted request, found or not: it says nothing of
/// whether the key is registered anywhere.
pub fn requested_message() -> Text {
    Text::new(
        "迁移申请已提交，由乡镇协同中心核实办理；办理结果在「迁移申请」中查看",
        "transfer requested; the town coordination centre checks and decides it (see Transfers)",
    )
}

/// Why a pending request cannot be approved, as the decider reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// The key is registered nowhere: the village may simply enter it.
    NotRegistered,
    /// The record already lies in the destination.
    AlreadyThere,
}

impl Blocked {
    pub fn message(&self) -> Text {
        match self {
            Blocked::NotRegistered => Text::new(
                "台账中没有这个号码：不需要迁移，村（社区）可以直接录入",
                "no record has this key: nothing to move, the village may enter it",
            ),
            Blocked::AlreadyThere => Text::new("该记录已在申请的村（社区）", "the record is already in the requested unit"),
        }
    }
}

/// Whether the record found for a request (`None`: not registered) can move.
pub fn blocked(record: Option<&LedgerRecord>, to_org_unit: &str) -> Option<Blocked> {
    match record {
        None => Some(Blocked::NotRegistered),
        Some(r) if r.org_unit == to_org_unit => Some(Blocked::AlreadyThere),
        Some(_) => None,
    }
}

/// The write that moves `record` to `to_org_unit`: the next version, only
/// its unit changed, source `transfer`; conditional on the version read.
pub fn plan_move(record: &LedgerRecord, to_org_unit: &str, by: &str, at: &str) -> Write {
    let mut moved = record.clone();
    moved.org_unit = to_org_unit.to_owned();
    moved.version = record.version + 1;
    moved.updated_at = at.to_owned();
    moved.updated_by = by.to_owned();
    let mut changes = super::Changes::new();
    changes.insert("org_unit".to_owned(), (record.org_unit.clone().into(), to_org_unit.into()));
    Write {
        history: HistoryEntry {
            record_id: record.id.clone(),
            version: moved.version,
            changed_at: at.to_owned(),
            changed_by: by.to_owned(),
            source: Source::Transfer,
            changes,
        },
        record: moved,
        expected_version: Some(record.version),
    }
}

/// The record a request found, as a decider sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub record_id: String,
    /// The record's `name` (a person's, an enterprise's).
    pub name: String,
    pub from_org_unit: String,
    pub from_name: String,
}

/// A request as one reader sees it: names and Beijing time, the key masked
/// by the reader's grants, and where the record lies only for who may read
/// that unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferView {
    pub id: String,
    pub entity: String,
    pub key: String,
    pub to_org_unit: String,
    pub to_name: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    pub status: TransferStatus,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// Where the record lies (decided: where it lay); `None` to a reader
    /// who may not read that unit, or when nothing was found.
    pub found: Option<Found>,
    /// Pending, to a decider: why approving is not possible.
    pub blocked: Option<Text>,
    pub may_decide: bool,
}

/// Builds what `principal` sees of `transfer`. `record`: the record holding
/// the key now (pending) or the moved record (approved); `unit_name` and
/// `person_name` turn codes and user names into names.
pub fn view(
    principal: &Principal,
    record_type: &RecordType,
    transfer: &Transfer,
    record: Option<&LedgerRecord>,
    unit_name: &dyn Fn(&str) -> String,
    person_name: &dyn Fn(&str) -> String,
) -> TransferView {
    let pending = transfer.status == TransferStatus::Pending;
    // Approved: the record now lies in the destination; it came from the
    // unit its move recorded (the caller passes the record as found then).
    let from = record.map(|r| r.org_unit.as_str());
    let may_decide = pending && may_decide(principal, from, &transfer.to_org_unit);
    let found = record.filter(|r| detail_visible(principal, &r.org_unit)).map(|r| Found {
        record_id: r.id.clone(),
        name: r.data.get("name").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned(),
        from_org_unit: r.org_unit.clone(),
        from_name: unit_name(&r.org_unit),
    });
    let key = match record_type.district_key_field().and_then(|f| record_type.field(f)) {
        Some(spec) if !crate::access::may_see_unmasked(principal, &format!("{}.{}", record_type.entity, spec.name)) => {
            crate::access::mask(spec.sensitivity, &transfer.key)
        }
        _ => transfer.key.clone(),
    };
    TransferView {
        id: transfer.id.clone(),
        entity: transfer.entity.clone(),
        key,
        to_org_unit: transfer.to_org_unit.clone(),
        to_name: unit_name(&transfer.to_org_unit),
        reason: transfer.reason.clone(),
        requested_by: person_name(&transfer.requested_by),
        requested_at: crate::time::beijing(&transfer.requested_at),
        status: transfer.status,
        note: transfer.note.clone(),
        decided_by: transfer.decided_by.as_deref().map(person_name),
        decided_at: transfer.decided_at.as_deref().map(crate::time::beijing),
        blocked: if may_decide { blocked(record, &transfer.to_org_unit).map(|b| b.message()) } else { None },
        found,
        may_decide,
    }
}

/// Checks a decision's note: a rejection says why.
pub fn check_decision(approve: bool, note: &str) -> Result<(), Vec<FieldError>> {
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(vec![FieldError::zh_en(
            "/note",
            "required",
            "不同意时请写明原因，申请人会看到",
            "say why when rejecting; the requester sees it",
        )]);
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(vec![FieldError::zh_en(
            "/note",
            "too_long",
            format!("说明最多 {MAX_NOTE_CHARS} 个字"),
            format!("the note has at most {MAX_NOTE_CHARS} characters"),
        )]);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    const A: &str = "500118100001";
    const B: &str = "500118100002";
    const OTHER_TOWN: &str = "500118101001";

    use crate::test_support::principal;

    fn person_type() -> RecordType {
        crate::ledger::RecordTypes::builtin().expect("types").get("person").expect("person").clone()
    }

    fn request(key: &str) -> NewTransfer {
        NewTransfer {
            request_id: "req-1".into(),
            entity: "person".into(),
            key: key.into(),
            to_org_unit: B.into(),
            reason: " 嫁入本村 ".into(),
        }
    }

    #[test]
    fn a_request_needs_a_valid_key_of_a_district_keyed_type() {
        let person = person_type();
        let mut ok = request("11010519491231002x");
        assert_eq!(check_request(Some(&person), &mut ok), Ok(()));
        assert_eq!((ok.key.as_str(), ok.reason.as_str()), ("11010519491231002X", "嫁入本村"), "normalised");
        let mut bad = request("110105194912310021");
        let errors = check_request(Some(&person), &mut bad).unwrap_err();
        assert_eq!(errors[0].code, "invalid_key");
        assert!(errors[0].message.zh.starts_with("身份证号"), "{}", errors[0].message.zh);
        let mut long = NewTransfer { reason: "很".repeat(MAX_NOTE_CHARS + 1), request_id: "".into(), ..request("11010519491231002X") };
        let codes: Vec<String> = check_request(Some(&person), &mut long).unwrap_err().into_iter().map(|e| e.code).collect();
        assert_eq!(codes, ["invalid_id", "too_long"]);
        assert_eq!(check_request(None, &mut request("x")).unwrap_err()[0].code, "no_district_key");
    }

    #[test]
    fn village_staff_request_into_their_village_and_the_centre_or_specialist_decides() {
        let village_b = principal(Role::VillageStaff, B);
        assert!(may_request(&village_b, B));
        assert!(!may_request(&village_b, A), "not into another village");
        assert!(!may_request(&principal(Role::TownCoordinator, "500118100"), "500118100"), "into villages only");
        let centre = principal(Role::TownCoordinator, "500118100");
        assert!(may_decide(&centre, Some(A), B), "both villages in its town");
        assert!(may_decide(&centre, None, B), "nothing found: the destination's centre closes it");
        assert!(!may_decide(&centre, Some(OTHER_TOWN), B), "a move across towns is the district's");
        assert!(may_decide(&principal(Role::AdminSpecialist, "500118"), Some(OTHER_TOWN), B));
        assert!(!may_decide(&village_b, Some(A), B), "the requester never decides");
        assert!(!may_decide(&principal(Role::SystemAdmin, "500118"), Some(A), B), "accounts, not records");
    }

    #[test]
    fn only_who_may_read_the_source_learns_where_the_record_lies() {
        let t = Transfer {
            id: "t".into(),
            entity: "person".into(),
            key: "k".into(),
            to_org_unit: B.into(),
            reason: String::new(),
            requested_by: "cun".into(),
            requested_at: "2026-11-29T00:00:00Z".into(),
            status: TransferStatus::Pending,
            decided_by: None,
            decided_at: None,
            note: None,
        };
        let village_b = principal(Role::VillageStaff, B);
        assert!(may_see(&village_b, &t, Some(A)));
        assert!(!detail_visible(&village_b, A));
        assert!(!may_see(&principal(Role::VillageStaff, A), &t, Some(A)), "the source village is not told");
        assert!(detail_visible(&principal(Role::TownCoordinator, "500118100"), A));
        let msg = requested_message();
        assert!(!msg.zh.chars().any(|c| c.is_ascii_digit()), "names no number");
    }

    #[test]
    fn a_move_changes_only_the_unit_in_one_new_version() {
        let record = LedgerRecord {
            id: "person:500118100001-00001".into(),
            entity: "person".into(),
            org_unit: A.into(),
            version: 3,
            updated_at: "2026-01-01T00:00:00Z".into(),
            updated_by: "cun".into(),
            data: serde_json::json!({"name": "张三", "id_number": "11010519491231002X"}),
        };
        assert_eq!(blocked(Some(&record), B), None);
        assert_eq!(blocked(Some(&record), A), Some(Blocked::AlreadyThere));
        assert_eq!(blocked(None, B), Some(Blocked::NotRegistered));
        let write = plan_move(&record, B, "zhen", "2026-11-29T08:00:00Z");
        assert_eq!((write.record.org_unit.as_str(), write.record.version, write.expected_version), (B, 4, Some(3)));
        assert_eq!(write.record.data, record.data);
        assert_eq!(write.history.source, Source::Transfer);
        assert_eq!(serde_json::to_value(&write.history.changes).unwrap(), serde_json::json!({"org_unit": [A, B]}));
    }

    #[test]
    fn the_requester_sees_the_status_and_the_decider_sees_where_the_record_lies() {
        let person = person_type();
        let transfer = Transfer {
            id: "req-1".into(),
            entity: "person".into(),
            key: "11010519491231002X".into(),
            to_org_unit: B.into(),
            reason: "嫁入本村".into(),
            requested_by: "cun2".into(),
            requested_at: "2026-11-29T01:30:00Z".into(),
            status: TransferStatus::Pending,
            decided_by: None,
            decided_at: None,
            note: None,
        };
        let record = LedgerRecord {
            id: "person:a-1".into(),
            entity: "person".into(),
            org_unit: A.into(),
            version: 1,
            updated_at: String::new(),
            updated_by: String::new(),
            data: serde_json::json!({"name": "李四", "id_number": "11010519491231002X"}),
        };
        let unit = |c: &str| format!("村{}", &c[c.len() - 1..]);
        let person_name = |u: &str| format!("{u}的名字");
        let requester = view(&principal(Role::VillageStaff, B), &person, &transfer, Some(&record), &unit, &person_name);
        assert_eq!((requester.found.as_ref(), requester.may_decide, requester.blocked.as_ref()), (None, false, None));
        assert_eq!((requester.requested_at.as_str(), requester.to_name.as_str()), ("2026-11-29 09:30", "村2"));
        assert_eq!(requester.requested_by, "cun2的名字");
        let centre = view(&principal(Role::TownCoordinator, "500118100"), &person, &transfer, Some(&record), &unit, &person_name);
        assert!(centre.may_decide);
        let found = centre.found.expect("the centre reads both villages");
        assert_eq!((found.name.as_str(), found.from_name.as_str()), ("李四", "村1"));
        let specialist = view(&principal(Role::AdminSpecialist, "500118"), &person, &transfer, None, &unit, &person_name);
        assert_eq!(specialist.key, "110105********002X", "masked without the grant");
        assert_eq!(specialist.blocked.map(|t| t.zh), Some(Blocked::NotRegistered.message().zh));
    }

    #[test]
    fn a_rejection_says_why() {
        assert_eq!(check_decision(false, "  ").unwrap_err()[0].code, "required");
        assert_eq!(check_decision(true, ""), Ok(()));
        assert_eq!(check_decision(false, "查无此人"), Ok(()));
    }
}
