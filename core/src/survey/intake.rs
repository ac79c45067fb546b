//! New records from a survey joining the ledger after review (新增对象审核).
//!
//! Closing a survey queues each `new:` row of a kind backed by a ledger
//! entity (a house nobody registered, a migrant worker). A town coordinator
//! of the row's town then accepts it — the row's ledger-bound fields, plus
//! any the coordinator completes, become a new record at version 1 with its
//! history (source `survey`) and the event's disaster record — or rejects
//! it with a reason. The record id is derived from the queue entry
//! ([`record_id`]), so accepting twice can never create two records.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{NEW_PREFIX, disaster_entry, is_new_subject};
use crate::compile::{CompiledTemplate, FieldSource};
use crate::field_error::FieldError;
use crate::ids::ClientId;
use crate::ledger::{ChangeMeta, LedgerRecord, RecordType, Write, plan_insert};

/// Longest rejection reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Where a queued record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeStatus {
    Pending,
    Accepted,
    Rejected,
}

impl IntakeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IntakeStatus::Pending => "pending",
            IntakeStatus::Accepted => "accepted",
            IntakeStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<IntakeStatus> {
        [IntakeStatus::Pending, IntakeStatus::Accepted, IntakeStatus::Rejected].into_iter().find(|x| x.as_str() == s)
    }
}

/// One queued new record, as listed (`GET /api/ledger-intake`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeEntry {
    /// `<submission id>.<client id>`: see [`intake_id`].
    pub id: String,
    pub submission_id: String,
    pub subject_id: String,
    pub dispatch_id: String,
    /// The survey's form title.
    pub title: String,
    pub org_unit: String,
    pub org_unit_name: String,
    pub entity: String,
    /// The row as submitted (masked as any form for the reader).
    pub values: Map<String, Value>,
    pub status: IntakeStatus,
    pub queued_at: String,
    /// What the row would make of the ledger record's fields (masked).
    #[serde(default)]
    pub proposed: Map<String, Value>,
    /// Why accepting as it stands would fail (pointers `/data/<field>`):
    /// the fields the coordinator must complete in `data`.
    #[serde(default)]
    pub problems: Vec<FieldError>,
    /// The ledger record made on acceptance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeDecision {
    Accept,
    Reject,
}

/// `POST /api/ledger-intake/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeDecisionRequest {
    pub decision: IntakeDecision,
    /// Required to reject.
    #[serde(default)]
    pub reason: Option<String>,
    /// On accept: ledger fields completing or correcting the row's (e.g. the
    /// ID number a migrant worker's row lacks); `null` removes a field.
    #[serde(default)]
    pub data: Map<String, Value>,
}

/// The id of a queue entry: `<submission id>.<client id>` (the `new:`
/// prefix dropped). Both parts are letters, digits and hyphens, so the dot
/// separates them unambiguously. `None` for a subject that is not new.
pub fn intake_id(submission_id: &str, subject_id: &str) -> Option<String> {
    is_new_subject(subject_id).then(|| format!("{submission_id}.{}", &subject_id[NEW_PREFIX.len()..]))
}

/// `(submission id, subject id)` of an entry id, when well formed.
pub fn parse_intake_id(id: &str) -> Option<(String, String)> {
    let (submission, client) = id.split_once('.')?;
    (ClientId::is_valid(submission) && ClientId::is_valid(client)).then(|| (submission.to_owned(), format!("{NEW_PREFIX}{client}")))
}

/// The ledger record id an accepted entry gets: `<entity>:<entry id>`.
/// Derived, never random: a retried or concurrent accept names the same
/// record, and the second insert fails instead of making a duplicate.
pub fn record_id(entity: &str, intake_id: &str) -> String {
    format!("{entity}:{intake_id}")
}

/// The ledger fields a row gives a new record of `entity`: each field bound
/// to an item of that entity (the inverse of [`super::pick_row`]).
pub fn proposed_data(template: &CompiledTemplate, entity: &str, values: &Map<String, Value>) -> Map<String, Value> {
    let mut data = Map::new();
    for field in &template.fields {
        let FieldSource::Ledger { item } = &field.source else { continue };
        let Some((e, ledger_field)) = item.split_once('.') else { continue };
        if e == entity {
            if let Some(value) = values.get(&field.key).filter(|v| !v.is_null() && v.as_str() != Some("")) {
                data.insert(ledger_field.to_owned(), value.clone());
            }
        }
    }
    data
}

/// The rules of a decision's body: a rejection needs a reason of at most
/// [`MAX_REASON_CHARS`]; completion data only on acceptance.
pub fn check_decision(request: &IntakeDecisionRequest) -> Result<(), Vec<FieldError>> {
    let reason = request.reason.as_deref().map(str::trim).unwrap_or_default();
    let mut errors = Vec::new();
    if request.decision == IntakeDecision::Reject && reason.is_empty() {
        errors.push(FieldError::zh_en(
            "/reason",
            "missing_reason",
            "驳回须说明理由（例如：经核实已登记、信息不实）",
            "a rejection needs a reason (e.g. already registered, not confirmed on site)",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.push(FieldError::zh_en(
            "/reason",
            "reason_too_long",
            format!("理由最多 {MAX_REASON_CHARS} 个字"),
            format!("the reason is at most {MAX_REASON_CHARS} characters"),
        ));
    }
    if request.decision == IntakeDecision::Reject && !request.data.is_empty() {
        errors.push(FieldError::zh_en("/data", "data_on_reject", "驳回时不能补充台账字段", "data is only for accepting"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// The record an accepted entry would be, before it is planned: the row's
/// ledger fields, overridden by `data`, plus the event's disaster record
/// when the record type keeps them.
pub fn accepted_data(
    record_type: &RecordType,
    template: &CompiledTemplate,
    entry: &IntakeEntry,
    data: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut record = proposed_data(template, &entry.entity, &entry.values);
    let mut errors = Vec::new();
    for (key, value) in data {
        if record_type.field(key).is_none() || key == super::DISASTER_FIELD {
            errors.push(FieldError::zh_en(
                format!("/data/{key}"),
                "unknown_field",
                format!("台账“{}”没有可补充的字段 {key}", record_type.entity),
                format!("the {} ledger has no field {key} to complete", record_type.entity),
            ));
        } else if value.is_null() {
            record.remove(key);
        } else {
            record.insert(key.clone(), value.clone());
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if record_type.field(super::DISASTER_FIELD).is_some() {
        let entry = disaster_entry(template, &entry.values, &entry.dispatch_id, &entry.queued_at);
        record.insert(super::DISASTER_FIELD.into(), Value::Array(vec![Value::Object(entry)]));
    }
    Ok(record)
}

/// Why accepting `entry` with `data` would fail now, without `same_key`
/// (pointers `/data/<field>`): listed with each pending entry so the
/// coordinator sees what to complete before pressing accept.
pub fn problems(record_type: &RecordType, template: &CompiledTemplate, entry: &IntakeEntry) -> Vec<FieldError> {
    match accepted_data(record_type, template, entry, &Map::new()) {
        Ok(record) => prefixed(record_type.check_write(None, &Value::Object(record))),
        Err(errors) => errors,
    }
}

fn prefixed(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.pointer = format!("/data{}", e.pointer);
            e
        })
        .collect()
}

/// Plans accepting `entry`: the new record (id [`record_id`], in the row's
/// village) at version 1 with its history. `same_key` are ledger records
/// that may share the new record's natural key (the village's records of
/// the entity, or for a district-wide key those found by it); a match is a
/// `duplicate_record` error naming it, so a rejection (or a correction in
/// `data`) is the way on — named only when `may_name` says the reader may
/// see its unit; otherwise a `key_in_other_unit` error naming no one
/// ([`crate::access::lookup::withheld`]). Every problem is returned,
/// pointers `/data/…`.
pub fn plan_accept(
    record_type: &RecordType,
    template: &CompiledTemplate,
    entry: &IntakeEntry,
    data: &Map<String, Value>,
    same_key: &[LedgerRecord],
    may_name: &dyn Fn(&str) -> bool,
    meta: &ChangeMeta,
) -> Result<Write, Vec<FieldError>> {
    let record = Value::Object(accepted_data(record_type, template, entry, data)?);
    let id = record_id(&entry.entity, &entry.id);
    let mut errors = Vec::new();
    if let Some(key) = record_type.natural_key(&record) {
        if let Some(existing) = same_key
            .iter()
            .find(|r| r.id != id && r.entity == entry.entity && record_type.natural_key(&r.data).as_deref() == Some(key.as_str()))
        {
            let field = record_type.natural_key.first().cloned().unwrap_or_default();
            if !may_name(&existing.org_unit) {
                let title = record_type.field(&field).map_or(field.as_str(), |f| f.title.as_str());
                let message = crate::access::lookup::withheld(title, &field);
                errors.push(FieldError::new(format!("/data/{field}"), "key_in_other_unit", message));
            } else {
                errors.push(FieldError::zh_en(
                    format!("/data/{field}"),
                    "duplicate_record",
                    format!("台账中已有该对象（{}，{}）：请驳回并说明，或修改后再接受", existing.id, existing.org_unit),
                    format!(
                        "the ledger already has this record ({}, {}): reject it with a reason, or correct it",
                        existing.id, existing.org_unit
                    ),
                ));
            }
        }
    }
    match plan_insert(record_type, &id, &entry.org_unit, record, meta) {
        Ok(write) if errors.is_empty() => Ok(write),
        Ok(_) => Err(errors),
        Err(found) => {
            errors.extend(prefixed(found));
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ledger::{RecordTypes, Source};
    use crate::{Catalog, compile};

    fn survey() -> CompiledTemplate {
        let text = crate::schemas::BUILTIN_TEMPLATES.iter().find(|(f, _)| f.starts_with("typhoon")).expect("shipped").1;
        compile(&serde_json::from_str(text).expect("json"), &Catalog::builtin().expect("catalog")).expect("compiles")
    }

    fn entry(entity: &str, values: Value) -> IntakeEntry {
        IntakeEntry {
            id: intake_id("s1", "new:abc").expect("new"),
            submission_id: "s1".into(),
            subject_id: "new:abc".into(),
            dispatch_id: "typhoon-1".into(),
            title: "台风受灾摸排表".into(),
            org_unit: "500118100001".into(),
            org_unit_name: "青峰村".into(),
            entity: entity.into(),
            values: values.as_object().cloned().expect("object"),
            status: IntakeStatus::Pending,
            queued_at: "2026-07-01T08:00:00Z".into(),
            proposed: Map::new(),
            problems: vec![],
            record_id: None,
            decided_by: None,
            decided_at: None,
            reason: None,
        }
    }

    fn meta() -> ChangeMeta {
        ChangeMeta { changed_by: "zhen".into(), changed_at: "2026-07-02T09:00:00Z".into(), source: Source::Survey }
    }

    fn codes(errors: &[FieldError]) -> Vec<String> {
        errors.iter().map(|e| format!("{} {}", e.pointer, e.code)).collect()
    }

    #[test]
    fn ids_round_trip_and_derive_the_record_id() {
        assert_eq!(intake_id("s-1", "new:a-2").as_deref(), Some("s-1.a-2"));
        assert_eq!(intake_id("s-1", "house:9"), None);
        assert_eq!(parse_intake_id("s-1.a-2"), Some(("s-1".into(), "new:a-2".into())));
        for bad in ["s1", ".a", "s1.", "s 1.a", "s1.a.b"] {
            assert_eq!(parse_intake_id(bad), None, "{bad}");
        }
        assert_eq!(record_id("house", "s-1.a-2"), "house:s-1.a-2");
    }

    #[test]
    fn a_complete_row_becomes_a_record_with_its_disaster_entry_and_history() {
        let types = RecordTypes::builtin().expect("types");
        let house = types.get("house").expect("house");
        let e = entry(
            "house",
            json!({"category": "受损房屋", "house_address": "3组新建房", "house_structure": "砖混", "damage_level": "损毁", "loss_amount": 8}),
        );
        assert!(problems(house, &survey(), &e).is_empty());
        let write = plan_accept(house, &survey(), &e, &Map::new(), &[], &|_| true, &meta()).expect("valid");
        assert!(write.is_insert());
        assert_eq!(write.record.id, "house:s1.abc");
        assert_eq!(write.record.org_unit, "500118100001");
        assert_eq!(write.record.data["address"], "3组新建房");
        let disaster = &write.record.data["disaster_records"][0];
        assert_eq!(disaster["event"], "typhoon-1");
        assert_eq!(disaster["damage_level"], "损毁");
        assert_eq!(write.history.source, Source::Survey);
    }

    #[test]
    fn missing_fields_are_listed_and_can_be_completed() {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let e = entry("person", json!({"category": "受灾人员", "person_name": "外来务工人员", "damage_level": "轻微"}));
        assert_eq!(codes(&problems(person, &survey(), &e)), ["/data/id_number required"]);
        let err = plan_accept(person, &survey(), &e, &Map::new(), &[], &|_| true, &meta()).expect_err("no id number");
        assert_eq!(codes(&err), ["/data/id_number required"]);
        let data = json!({"id_number": "11010519491231002X"}).as_object().cloned().expect("object");
        let write = plan_accept(person, &survey(), &e, &data, &[], &|_| true, &meta()).expect("completed");
        assert_eq!(write.record.data["name"], "外来务工人员");
        let unknown = json!({"nickname": "x"}).as_object().cloned().expect("object");
        assert_eq!(
            codes(&plan_accept(person, &survey(), &e, &unknown, &[], &|_| true, &meta()).expect_err("unknown")),
            ["/data/nickname unknown_field"]
        );
    }

    #[test]
    fn a_record_already_in_the_ledger_is_a_duplicate() {
        let types = RecordTypes::builtin().expect("types");
        let house = types.get("house").expect("house");
        let e =
            entry("house", json!({"category": "受损房屋", "house_address": "3组12号", "house_structure": "砖混", "damage_level": "一般"}));
        let existing = LedgerRecord {
            id: "house:7".into(),
            entity: "house".into(),
            org_unit: "500118100001".into(),
            version: 1,
            updated_at: String::new(),
            updated_by: String::new(),
            data: json!({"address": "3组12号", "structure": "砖木"}),
        };
        let err =
            plan_accept(house, &survey(), &e, &Map::new(), std::slice::from_ref(&existing), &|_| true, &meta()).expect_err("duplicate");
        assert_eq!(codes(&err), ["/data/address duplicate_record"]);
        assert!(err[0].message.zh.contains("house:7"));
        // A coordinator who may not see the record's unit learns nothing of it.
        let hidden =
            plan_accept(house, &survey(), &e, &Map::new(), std::slice::from_ref(&existing), &|_| false, &meta()).expect_err("duplicate");
        assert_eq!(codes(&hidden), ["/data/address key_in_other_unit"]);
        assert!(!hidden[0].message.zh.contains("house:7") && !hidden[0].message.zh.contains("500118100001"), "{:?}", hidden[0].message);
    }

    #[test]
    fn decisions_need_a_reason_to_reject() {
        let req = |decision, reason: Option<&str>, data: Value| IntakeDecisionRequest {
            decision,
            reason: reason.map(str::to_owned),
            data: data.as_object().cloned().expect("object"),
        };
        assert!(check_decision(&req(IntakeDecision::Accept, None, json!({}))).is_ok());
        assert_eq!(
            codes(&check_decision(&req(IntakeDecision::Reject, Some("  "), json!({}))).expect_err("reason")),
            ["/reason missing_reason"]
        );
        let long = "字".repeat(MAX_REASON_CHARS + 1);
        assert_eq!(
            codes(&check_decision(&req(IntakeDecision::Reject, Some(&long), json!({"a": 1}))).expect_err("long")),
            ["/reason reason_too_long", "/data data_on_reject"]
        );
    }
}
