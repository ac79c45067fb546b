//! Closing an event: each picked record's disaster record and the review
//! candidates of new rows.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{DISASTER_FIELD, is_new_subject};
use crate::compile::CompiledTemplate;
use crate::field_error::FieldError;
use crate::ledger::{ChangeMeta, LedgerRecord, RecordTypes, UpdateError, Write, plan_update};
use crate::submission::SubmittedRow;

/// A new row queued for review when the event closes: it joins the ledger
/// only once someone checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCandidate {
    pub submission_id: String,
    pub subject_id: String,
    pub org_unit: String,
    pub entity: String,
    pub values: Map<String, Value>,
}

/// What closing an event does to the ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClosePlan {
    /// One update per picked record not yet carrying this event's record.
    pub writes: Vec<Write>,
    pub candidates: Vec<ReviewCandidate>,
}

/// Plans the close of survey `dispatch_id`: every picked record gets a
/// disaster record (`disaster_records` += the row's values, tagged with the
/// event), each new row of a kind with an entity becomes a review candidate.
///
/// Idempotent: a record already carrying this event's entry is left alone,
/// so a retried close plans only what the first one did not write.
/// `submissions` are (submission id, org unit, rows); `records` the picked
/// records as stored now.
pub fn close_plan(
    template: &CompiledTemplate,
    record_types: &RecordTypes,
    dispatch_id: &str,
    submissions: &[(String, String, Vec<SubmittedRow>)],
    records: &HashMap<&str, &LedgerRecord>,
    meta: &ChangeMeta,
) -> Result<ClosePlan, Vec<FieldError>> {
    let subject = &template.subject;
    let kind_field = subject.kind_field.as_deref().unwrap_or_default();
    let mut plan = ClosePlan::default();
    let mut errors = Vec::new();
    for (submission_id, org_unit, rows) in submissions {
        for (i, row) in rows.iter().enumerate() {
            let kind = row.values.get(kind_field).and_then(Value::as_str).unwrap_or_default();
            let entity = subject.kinds.iter().find(|k| k.kind == kind).and_then(|k| k.entity.clone());
            if is_new_subject(&row.subject_id) {
                if let Some(entity) = entity {
                    plan.candidates.push(ReviewCandidate {
                        submission_id: submission_id.clone(),
                        subject_id: row.subject_id.clone(),
                        org_unit: org_unit.clone(),
                        entity,
                        values: row.values.clone(),
                    });
                }
                continue;
            }
            let Some(record) = records.get(row.subject_id.as_str()) else { continue };
            let Some(record_type) = record_types.get(&record.entity) else { continue };
            let mut list = record.data.get(DISASTER_FIELD).and_then(Value::as_array).cloned().unwrap_or_default();
            if list.iter().any(|e| e.get("event").and_then(Value::as_str) == Some(dispatch_id)) {
                continue;
            }
            list.push(Value::Object(disaster_entry(template, &row.values, dispatch_id, &meta.changed_at)));
            let patch: Map<String, Value> = [(DISASTER_FIELD.to_owned(), Value::Array(list))].into_iter().collect();
            match plan_update(record_type, record, record.version, &patch, meta) {
                Ok(Some(write)) => plan.writes.push(write),
                Ok(None) => {}
                Err(UpdateError::Invalid { errors: found }) => errors.extend(found.into_iter().map(|mut e| {
                    e.pointer = format!("/submissions/{submission_id}/rows/{i}{}", e.pointer);
                    e
                })),
                Err(other) => errors.push(FieldError::zh_en(
                    format!("/submissions/{submission_id}/rows/{i}"),
                    "close_failed",
                    "无法写入台账",
                    format!("cannot write to the ledger: {other}"),
                )),
            }
        }
    }
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// The disaster record a row leaves in its ledger record: the row's new
/// fields (damage, losses, photos…), tagged with the event, the form's
/// title, the kind and the day. Used by the close and by accepting a
/// queued new record, so both write the same shape.
pub fn disaster_entry(template: &CompiledTemplate, values: &Map<String, Value>, dispatch_id: &str, at: &str) -> Map<String, Value> {
    let kind_field = template.subject.kind_field.as_deref().unwrap_or_default();
    let kind = values.get(kind_field).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut entry = values.clone();
    entry.retain(|key, _| template.field(key).is_some_and(|f| f.is_new() && key != kind_field));
    entry.insert("event".into(), json!(dispatch_id));
    entry.insert("title".into(), json!(template.title));
    entry.insert("kind".into(), json!(kind));
    entry.insert("date".into(), json!(at.get(..10).unwrap_or_default()));
    entry
}
