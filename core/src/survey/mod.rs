//! Emergency surveys (应急摸排): forms in `pick` mode, their live board and
//! what closing the event writes into the ledger.
//!
//! A `pick` form starts empty. Staff add rows of a kind (`x-subject.kinds`):
//! either by picking a ledger record of the village ([`search`], then
//! [`pick_row`] pre-fills the row) or as something new (`subject_id` =
//! `new:<client id>`, stored with the submission and queued for review when
//! the event closes). [`check_picked`] is the submission check: a picked
//! subject must be a record of the submitting village, of the row's kind.
//! The board ([`board`]) and the ledger records of the close ([`close_plan`])
//! are computed here from stored submissions; the worker only loads and stores.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::compile::{CompiledTemplate, FieldSource, compute_row};
use crate::expr::Date;
use crate::field_error::FieldError;
use crate::form::{FormRow, RecordVersion};
use crate::ids::{ClientId, LedgerItem};
use crate::ledger::{LedgerRecord, RecordType};
use crate::submission::SubmissionRequest;

/// Subject ids of rows about something not (yet) in the ledger start so.
pub const NEW_PREFIX: &str = "new:";
/// The ledger field closing an event appends its records to.
pub const DISASTER_FIELD: &str = "disaster_records";
/// Most candidates one search returns.
pub const MAX_CANDIDATES: usize = 20;
/// Shortest query matched against the tail of an ID number, credit code or
/// phone (the ledger page's rule, [`crate::ledger::browse::matches`]).
pub use crate::ledger::browse::MIN_SUFFIX_DIGITS;

mod board;
mod bodies;
mod close;
pub mod intake;
mod kinds;
pub mod photo;

pub use board::{BoardLine, BoardPoint, BoardSpec, Figure, SurveyBoard, board, villages_in};
pub use bodies::{CloseAnswer, PhotoReceipt, PickAnswer, StartSurveyRequest, SurveyPreview, SurveySummary};
pub use close::{ClosePlan, ReviewCandidate, close_plan, disaster_entry};
pub use kinds::{KindField, error_place, kind_fields, kind_requirements, typed_number};
pub use photo::{is_photo_hash, may_read_photo};

/// Whether `subject_id` names a new row: `new:` and 1–64 letters, digits or hyphens.
pub fn is_new_subject(subject_id: &str) -> bool {
    subject_id.strip_prefix(NEW_PREFIX).is_some_and(ClientId::is_valid)
}

/// The row a picked record starts: every field bound to an item of the
/// record's entity pre-filled, the kind field set to the entity's kind,
/// computed fields computed. `None` when no kind of the form is picked from
/// this record's entity.
pub fn pick_row(template: &CompiledTemplate, record: &LedgerRecord, today: Option<Date>) -> Option<FormRow> {
    let subject = &template.subject;
    let kind = subject.kind_of(&record.entity)?;
    let mut values = Map::new();
    if let Some(field) = &subject.kind_field {
        values.insert(field.clone(), Value::String(kind.kind.clone()));
    }
    for field in &template.fields {
        let FieldSource::Ledger { item } = &field.source else { continue };
        let Some((entity, ledger_field)) = LedgerItem::split(item) else { continue };
        if entity != record.entity {
            continue;
        }
        if let Some(value) = record.data.get(ledger_field).filter(|v| !v.is_null()) {
            values.insert(field.key.clone(), value.clone());
        }
    }
    compute_row(template, &mut values, today);
    Some(FormRow {
        subject_id: record.id.clone(),
        values,
        record: Some(RecordVersion {
            version: record.version,
            updated_at: record.updated_at.clone(),
            updated_by: record.updated_by.clone(),
        }),
    })
}

/// Records of `records` matching `query`, at most [`MAX_CANDIDATES`]:
/// by any text field containing it (name, address, location…), or by the
/// last digits of an identifying field (ID number, credit code, phone) —
/// never by digits in the middle, which masking hides from some readers.
/// An empty query lists the first records.
pub fn search<'a>(record_type: &RecordType, records: &'a [LedgerRecord], query: &str) -> Vec<&'a LedgerRecord> {
    records
        .iter()
        .filter(|r| r.entity == record_type.entity && crate::ledger::browse::matches(record_type, r, query))
        .take(MAX_CANDIDATES)
        .collect()
}

/// The submission check of a `pick` form, after the row validation: each
/// row is a new one (`new:…`) or about a record of the submitting village
/// (`records`: those the rows name, as found in the ledger) whose entity
/// backs the row's kind. Returns every problem.
pub fn check_picked(template: &CompiledTemplate, request: &SubmissionRequest, records: &HashMap<&str, &LedgerRecord>) -> Vec<FieldError> {
    let subject = &template.subject;
    let kind_field = subject.kind_field.as_deref().unwrap_or_default();
    let mut errors = Vec::new();
    for (i, row) in request.rows.iter().enumerate() {
        let id = row.subject_id.as_str();
        if id.starts_with(NEW_PREFIX) {
            if !is_new_subject(id) {
                errors.push(FieldError::zh_en(
                    format!("/rows/{i}/subject_id"),
                    "invalid_new_subject",
                    "新对象的编号应为 new: 加 1–64 个字母、数字或连字符",
                    "a new row's subject_id is new: followed by 1–64 letters, digits or hyphens",
                ));
            }
            continue;
        }
        let Some(record) = records.get(id).filter(|r| r.org_unit == request.org_unit) else {
            errors.push(FieldError::zh_en(
                format!("/rows/{i}/subject_id"),
                "unknown_subject",
                "该对象不在本村（社区）台账中：请重新选取，或按新对象填报",
                "this subject is not in the village's ledger: pick it again, or add it as a new record",
            ));
            continue;
        };
        let kind = row.values.get(kind_field).and_then(Value::as_str).unwrap_or_default();
        let expected = subject.kind_of(&record.entity).map(|k| k.kind.as_str());
        if expected != Some(kind) {
            errors.push(FieldError::zh_en(
                format!("/rows/{i}/values/{kind_field}"),
                "kind_mismatch",
                format!("所选台账记录是{}，类别应为“{}”", record.entity, expected.unwrap_or("（无）")),
                format!("the picked record is a {}; the kind must be \"{}\"", record.entity, expected.unwrap_or("(none)")),
            ));
        }
    }
    errors
}

/// The submission check of a survey's rows as a whole: at least one row,
/// or none with the explicit 本村无灾情 confirmation (never both), so that
/// no village reports "nothing happened" by accident.
pub fn check_rows(request: &SubmissionRequest) -> Vec<FieldError> {
    match (request.rows.is_empty(), request.nothing_to_report) {
        (true, false) => vec![FieldError::zh_en(
            "/rows",
            "no_rows",
            "请至少添加一行；如本村（社区）没有灾情，请勾选“本村无灾情”再提交",
            "add at least one row; if the village has no damage, tick \"nothing to report\" and submit",
        )],
        (false, true) => vec![FieldError::zh_en(
            "/nothing_to_report",
            "rows_with_nothing_to_report",
            format!("已勾选“本村无灾情”，但填了 {} 行：请删除这些行或取消勾选", request.rows.len()),
            format!("\"nothing to report\" is ticked but there are {} rows: remove them or untick it", request.rows.len()),
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
