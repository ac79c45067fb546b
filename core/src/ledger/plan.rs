//! Write plans: the pure half of every ledger change. A plan is the new
//! record plus its history entry; a store executes it atomically, only if
//! the record is still at the version the plan was made from.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::LedgerRecord;
use super::history::{ChangeMeta, HistoryEntry, diff_fields};
use super::record_type::RecordType;
use crate::field_error::FieldError;
use crate::text::Text;

/// Fields to set on a record; a `null` removes the field. Fields not named
/// are kept: a partial update can never erase what it did not mention.
pub type Patch = Map<String, Value>;

/// One planned write: store `record` and append `history`, atomically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Write {
    /// The record as it will be stored (`version` already incremented).
    pub record: LedgerRecord,
    /// `None`: insert, and fail if the id exists. `Some(v)`: update, and fail
    /// unless the stored record is still at version `v`.
    pub expected_version: Option<u32>,
    pub history: HistoryEntry,
}

impl Write {
    pub fn is_insert(&self) -> bool {
        self.expected_version.is_none()
    }
}

/// A write was refused because the record moved on (or appeared) since the
/// writer read it. Carries what is stored now, for the 409 answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("record `{id}` changed since it was read (now at version {})", current.as_ref().map_or(0, |c| c.version))]
pub struct Conflict {
    pub id: String,
    pub current: Option<Box<LedgerRecord>>,
}

impl Conflict {
    pub fn message(&self) -> Text {
        Text::new("该记录已被他人修改，请刷新后再改", "this record was changed by someone else; reload it and try again")
    }
}

/// Why an update cannot be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Conflict(#[from] Conflict),
    #[error("the updated record is invalid ({} problems)", errors.len())]
    Invalid { errors: Vec<FieldError> },
    #[error("record `{id}` is a {actual}, not a {expected}")]
    WrongEntity { id: String, expected: String, actual: String },
}

/// `data` with `patch` applied (a `null` removes the field).
pub fn apply_patch(data: &Value, patch: &Patch) -> Value {
    let mut out = data.as_object().cloned().unwrap_or_default();
    for (key, value) in patch {
        if value.is_null() {
            out.remove(key);
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// Plans the insert of a new record at version 1. Returns every validation
/// problem instead when `data` does not fit the record type.
pub fn plan_insert(record_type: &RecordType, id: &str, org_unit: &str, data: Value, meta: &ChangeMeta) -> Result<Write, Vec<FieldError>> {
    let errors = record_type.check_write(None, &data);
    if !errors.is_empty() {
        return Err(errors);
    }
    let changes = diff_fields(&Value::Object(Map::new()), &data);
    Ok(Write {
        record: LedgerRecord {
            id: id.to_owned(),
            entity: record_type.entity.clone(),
            org_unit: org_unit.to_owned(),
            version: 1,
            updated_at: meta.changed_at.clone(),
            updated_by: meta.changed_by.clone(),
            data,
        },
        expected_version: None,
        history: history(id, 1, meta, changes),
    })
}

/// Plans an update of `current` by `patch`, made by someone who read the
/// record at `expected_version`.
///
/// `Ok(None)` when the patch changes nothing: no new version, no history,
/// whatever `expected_version` says, so a retried request is harmless. A
/// real change from a stale version is a [`Conflict`] carrying `current`:
/// never a silent overwrite.
pub fn plan_update(
    record_type: &RecordType,
    current: &LedgerRecord,
    expected_version: u32,
    patch: &Patch,
    meta: &ChangeMeta,
) -> Result<Option<Write>, UpdateError> {
    if current.entity != record_type.entity {
        return Err(UpdateError::WrongEntity {
            id: current.id.clone(),
            expected: record_type.entity.clone(),
            actual: current.entity.clone(),
        });
    }
    let data = apply_patch(&current.data, patch);
    let changes = diff_fields(&current.data, &data);
    if changes.is_empty() {
        return Ok(None);
    }
    if current.version != expected_version {
        return Err(Conflict { id: current.id.clone(), current: Some(Box::new(current.clone())) }.into());
    }
    let errors = record_type.check_write(Some(&current.data), &data);
    if !errors.is_empty() {
        return Err(UpdateError::Invalid { errors });
    }
    let version = current.version + 1;
    Ok(Some(Write {
        record: LedgerRecord { version, updated_at: meta.changed_at.clone(), updated_by: meta.changed_by.clone(), data, ..current.clone() },
        expected_version: Some(current.version),
        history: history(&current.id, version, meta, changes),
    }))
}

fn history(id: &str, version: u32, meta: &ChangeMeta, changes: super::Changes) -> HistoryEntry {
    HistoryEntry {
        record_id: id.to_owned(),
        version,
        changed_at: meta.changed_at.clone(),
        changed_by: meta.changed_by.clone(),
        source: meta.source,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ledger::{RecordTypes, Source};

    fn person() -> RecordType {
        RecordTypes::builtin().expect("types").get("person").expect("person").clone()
    }

    fn meta() -> ChangeMeta {
        ChangeMeta { changed_by: "staff-1".into(), changed_at: "2026-03-01T08:00:00Z".into(), source: Source::Visit }
    }

    fn patch(v: Value) -> Patch {
        v.as_object().cloned().expect("object")
    }

    fn zhang() -> LedgerRecord {
        plan_insert(&person(), "person:1", "500118100001", json!({"name": "张三", "id_number": "11010519491231002X"}), &meta())
            .expect("valid")
            .record
    }

    #[test]
    fn insert_starts_at_version_one_with_every_field_in_history() {
        let write = plan_insert(&person(), "person:1", "500118100001", json!({"name": "张三", "id_number": "11010519491231002X"}), &meta())
            .expect("valid");
        assert!(write.is_insert());
        assert_eq!(write.record.version, 1);
        assert_eq!(
            serde_json::to_value(&write.history.changes).expect("json"),
            json!({"id_number": [null, "11010519491231002X"], "name": [null, "张三"]})
        );
    }

    #[test]
    fn update_records_old_and_new_per_field() {
        let write = plan_update(&person(), &zhang(), 1, &patch(json!({"name": "张叁", "phone": "13812345678"})), &meta())
            .expect("plans")
            .expect("changes something");
        assert_eq!(write.expected_version, Some(1));
        assert_eq!(write.record.version, 2);
        assert_eq!(write.record.updated_by, "staff-1");
        assert_eq!(write.history.version, 2);
        assert_eq!(
            serde_json::to_value(&write.history.changes).expect("json"),
            json!({"name": ["张三", "张叁"], "phone": [null, "13812345678"]})
        );
    }

    #[test]
    fn stale_version_is_a_conflict_with_the_current_record() {
        let current = zhang();
        let err = plan_update(&person(), &current, 0, &patch(json!({"name": "李四"})), &meta()).expect_err("the call must fail");
        assert_eq!(err, UpdateError::Conflict(Conflict { id: "person:1".into(), current: Some(Box::new(current)) }));
    }

    #[test]
    fn same_data_twice_plans_nothing() {
        let unchanged = patch(json!({"name": "张三"}));
        assert_eq!(plan_update(&person(), &zhang(), 1, &unchanged, &meta()), Ok(None));
        // A retry from a stale version that would change nothing is no conflict.
        assert_eq!(plan_update(&person(), &zhang(), 0, &unchanged, &meta()), Ok(None));
    }

    #[test]
    fn invalid_result_is_refused_with_every_error() {
        let err = plan_update(&person(), &zhang(), 1, &patch(json!({"id_number": null, "gender": "M"})), &meta())
            .expect_err("the call must fail");
        let UpdateError::Invalid { errors } = err else { panic!("expected Invalid, got {err:?}") };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers.len(), 2, "{pointers:?}");
        assert!(pointers.contains(&"/id_number") && pointers.contains(&"/gender"));
    }

    #[test]
    fn null_removes_and_unmentioned_fields_stay() {
        let data = json!({"a": 1, "b": 2});
        assert_eq!(apply_patch(&data, &patch(json!({"a": null, "c": 3}))), json!({"b": 2, "c": 3}));
    }
}
