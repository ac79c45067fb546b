//! Department ingest: records sent by a department's system, validated,
//! deduplicated and planned like an import.

use serde_json::Value;

use super::Limits;
use super::error::{FileError, RowError};
use super::plan::record_type;
use super::preview::ImportFailure;
use super::upsert::{Freshness, IncomingRow, UpsertPlan, UpsertTarget, plan_upserts};
use crate::ledger::{LedgerRecord, RecordTypes};
use crate::text::Text;

/// The natural keys of records pushed through the ingest API, each once:
/// what to look up before [`plan_ingest`].
pub fn ingest_keys(types: &RecordTypes, entity: &str, records: &[Value]) -> Vec<String> {
    let Some(record_type) = types.get(entity) else { return Vec::new() };
    let mut seen = std::collections::HashSet::with_capacity(records.len());
    records
        .iter()
        .filter_map(|r| r.as_object())
        .filter_map(|data| crate::ledger::natural_key_in(&record_type.natural_key, data))
        .filter(|key| seen.insert(key.clone()))
        .collect()
}

/// Plans records pushed by a department's system (the ingest API): the same
/// validation, dedup, versioning and history as a file import. Each record
/// is a JSON object of ledger fields; `null` fields are left as they are.
pub fn plan_ingest(
    types: &RecordTypes,
    entity: &str,
    records: &[Value],
    target: UpsertTarget<'_>,
    limits: &Limits,
    existing: &[LedgerRecord],
) -> Result<UpsertPlan, ImportFailure> {
    let record_type = record_type(types, entity)?;
    if records.len() > limits.max_rows {
        return Err(FileError::TooManyRows { max: limits.max_rows }.into());
    }
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        match record.as_object() {
            Some(object) => rows.push(IncomingRow {
                row: i + 1,
                sheet: None,
                data: object.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect(),
            }),
            None => errors.push(RowError {
                row: i + 1,
                sheet: None,
                column: None,
                field: None,
                code: "type".to_owned(),
                message: Text::new("每条记录应为 JSON 对象", "each record must be a JSON object"),
            }),
        }
    }
    let header_of = |field: &str| Some(field.to_owned());
    match plan_upserts(record_type, &rows, existing, target, &header_of, &Freshness::default(), &mut |_, _| {}) {
        Ok(plan) if errors.is_empty() => Ok(plan),
        Ok(_) => Err(ImportFailure::rows(errors)),
        Err(more) => {
            errors.extend(more);
            Err(ImportFailure::rows(errors))
        }
    }
}
