//! 一次排查、多方复用: what a submission writes back into the ledger.
//!
//! A new field marked `x-writeback` carries a value the ledger did not have
//! (e.g. a verified phone number). On submit, each row's write-back values
//! become a planned update of that row's subject record, so the next form
//! that binds the item is pre-filled with it. Planning is pure; the worker
//! applies the writes in the same D1 batch as the submission itself.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::compile::CompiledTemplate;
use crate::field_error::FieldError;
use crate::ids::LedgerItem;
use crate::ledger::{ChangeMeta, LedgerRecord, RecordTypes, UpdateError, Write, plan_update};
use crate::submission::SubmissionRequest;

/// Plans the ledger updates of `request`'s write-back fields.
///
/// `records` are the subjects' current records by id; a row whose subject
/// is not among them (e.g. a form about the org unit itself) writes nothing.
/// A value equal to the stored one writes nothing either, so resubmitting
/// the same values adds no history. Each write expects the record at the
/// version given here: if it moved on before the writes are applied, the
/// store refuses the whole batch.
///
/// A value the ledger's record type refuses (its schema may be stricter
/// than the template's) is an error at the row's cell.
pub fn plan_writeback(
    template: &CompiledTemplate,
    record_types: &RecordTypes,
    request: &SubmissionRequest,
    records: &HashMap<&str, &LedgerRecord>,
    meta: &ChangeMeta,
) -> Result<Vec<Write>, Vec<FieldError>> {
    // (field key, ledger field) for every write-back field of the subject's entity.
    let targets: Vec<(&str, &str)> = template
        .fields
        .iter()
        .filter_map(|f| {
            let item = f.writeback.as_deref()?;
            let (entity, field) = LedgerItem::split(item)?;
            (entity == template.subject.entity).then_some((f.key.as_str(), field))
        })
        .collect();
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let Some(record_type) = record_types.get(&template.subject.entity) else {
        return Ok(Vec::new());
    };
    let mut writes = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in request.rows.iter().enumerate() {
        let Some(current) = records.get(row.subject_id.as_str()) else { continue };
        let patch: Map<String, Value> = targets
            .iter()
            .filter_map(|(key, field)| match row.values.get(*key) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.trim().is_empty() => None,
                Some(value) => Some(((*field).to_owned(), value.clone())),
            })
            .collect();
        if patch.is_empty() {
            continue;
        }
        match plan_update(record_type, current, current.version, &patch, meta) {
            Ok(Some(write)) => writes.push(write),
            Ok(None) => {}
            Err(UpdateError::Invalid { errors: found }) => {
                errors.extend(found.into_iter().map(|e| at_cell(i, &targets, e)));
            }
            Err(other) => errors.push(FieldError::zh_en(
                format!("/rows/{i}/subject_id"),
                "writeback_failed",
                "无法写回台账",
                format!("cannot write back to the ledger: {other}"),
            )),
        }
    }
    if errors.is_empty() { Ok(writes) } else { Err(errors) }
}

/// A record-type error (pointer `/<ledger field>…`) moved to the form cell
/// whose value caused it (`/rows/{i}/values/<field key>`).
fn at_cell(row: usize, targets: &[(&str, &str)], error: FieldError) -> FieldError {
    let ledger_field = error.pointer.trim_start_matches('/').split('/').next().unwrap_or_default();
    let key = targets.iter().find(|(_, f)| *f == ledger_field).map_or(ledger_field, |(k, _)| *k);
    FieldError::zh_en(
        format!("/rows/{row}/values/{key}"),
        error.code,
        format!("写回台账失败：{}", error.message.zh),
        format!("cannot write back to the ledger: {}", error.message.en),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ledger::Source;
    use crate::submission::SubmittedRow;
    use crate::{Catalog, compile};

    fn gaoling() -> CompiledTemplate {
        let text = crate::schemas::BUILTIN_TEMPLATES[1].1;
        compile(&serde_json::from_str(text).unwrap(), &Catalog::builtin().unwrap()).unwrap()
    }

    fn elder(phone: Option<&str>) -> LedgerRecord {
        let mut data = json!({"name": "李奶奶", "id_number": "11010519491231002X", "gender": "女", "tags": []});
        if let Some(p) = phone {
            data["phone"] = json!(p);
        }
        LedgerRecord {
            id: "person:1".into(),
            entity: "person".into(),
            org_unit: "500118100001".into(),
            version: 4,
            updated_at: "2026-01-01T00:00:00Z".into(),
            updated_by: "import".into(),
            data,
        }
    }

    fn request(values: Value) -> SubmissionRequest {
        SubmissionRequest {
            submission_id: "s1".into(),
            template_id: "gaoling-allowance".into(),
            template_version: 1,
            org_unit: "500118100001".into(),
            rows: vec![SubmittedRow { subject_id: "person:1".into(), values: values.as_object().unwrap().clone() }],
            task_id: None,
            corrected_cells: 0,
            nothing_to_report: false,
        }
    }

    fn meta() -> ChangeMeta {
        ChangeMeta { changed_by: "cun".into(), changed_at: "2026-11-22T08:00:00Z".into(), source: Source::Form }
    }

    fn plan(record: &LedgerRecord, values: Value) -> Result<Vec<Write>, Vec<FieldError>> {
        let records = HashMap::from([(record.id.as_str(), record)]);
        plan_writeback(&gaoling(), &RecordTypes::builtin().unwrap(), &request(values), &records, &meta())
    }

    #[test]
    fn a_new_value_becomes_the_next_version_with_history() {
        let writes = plan(&elder(None), json!({"phone": "13812345678"})).unwrap();
        assert_eq!(writes.len(), 1);
        let w = &writes[0];
        assert_eq!(w.expected_version, Some(4));
        assert_eq!(w.record.version, 5);
        assert_eq!(w.record.data["phone"], "13812345678");
        assert_eq!(w.record.data["name"], "李奶奶", "fields not written back are kept");
        assert_eq!(w.history.source, Source::Form);
        assert_eq!(w.history.changes["phone"], (Value::Null, json!("13812345678")));
    }

    #[test]
    fn the_same_value_again_writes_nothing() {
        assert_eq!(plan(&elder(Some("13812345678")), json!({"phone": "13812345678"})).unwrap(), vec![]);
    }

    #[test]
    fn empty_values_never_erase_the_ledger() {
        assert_eq!(plan(&elder(Some("13812345678")), json!({"phone": ""})).unwrap(), vec![]);
        assert_eq!(plan(&elder(Some("13812345678")), json!({"phone": null})).unwrap(), vec![]);
        assert_eq!(plan(&elder(Some("13812345678")), json!({})).unwrap(), vec![]);
    }

    #[test]
    fn rows_about_unknown_records_write_nothing() {
        let other = LedgerRecord { id: "person:2".into(), ..elder(None) };
        assert_eq!(plan(&other, json!({"phone": "13812345678"})).unwrap(), vec![]);
    }

    #[test]
    fn a_value_the_ledger_refuses_is_an_error_at_its_cell() {
        let errors = plan(&elder(None), json!({"phone": "12345"})).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].pointer, "/rows/0/values/phone");
        assert!(errors[0].message.zh.starts_with("写回台账失败"));
    }
}
