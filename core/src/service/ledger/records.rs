//! Reading and correcting a unit's records: the list, one record with its
//! history, a conditional correction, the export and the blank import
//! template. Every answer is masked for its reader; every unmasked read is
//! audited.

use crate::service::require;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::lookup::{check_lookup_quota, screen_refusals};
use super::{Body, LedgerPort, bindings, mask_history, mask_record, record_not_found, record_type, required};
use crate::access::{Action, Principal, lookup};
use crate::api::{LedgerColumn, LedgerList, PatchRecordRequest, RecordDetail};
use crate::export::{XlsxJob, mask_nothing, to_csv};
use crate::ledger::{ChangeMeta, LedgerRecord, RecordType, Source, UpdateError, UpdateFailure, UpdateOutcome, update};
use crate::messages::Text;
use crate::service::spreadsheets::{Spreadsheets, export_error};
use crate::service::{Now, ServiceError};

/// The query of the list, the export and the import
/// (`?org_unit=…&entity=…&format=…`, and the import's options).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitQuery {
    pub org_unit: Option<String>,
    pub entity: Option<String>,
    pub format: Option<String>,
    pub commit: Option<String>,
    /// The clerk's column mapping: one field name per column, comma
    /// separated, empty for a column not imported (`name,,id_number`).
    pub mapping: Option<String>,
    /// The worksheets to import: 0-based positions, comma separated
    /// (`0,2`); absent: every visible sheet with a header.
    pub sheets: Option<String>,
    /// The file's date (`YYYY-MM-DD`) as the clerk gives it; absent: the
    /// date its footer gives, if any.
    pub since: Option<String>,
    /// Fields to overwrite although the ledger changed them on or after
    /// the file's date: `record_id/field`, comma separated.
    pub overwrite: Option<String>,
    /// The previewed plan's id: a commit applies exactly that plan.
    pub plan: Option<String>,
}

impl UnitQuery {
    /// The answer to a query string that does not parse.
    pub fn bad() -> ServiceError {
        ServiceError::BadRequest {
            code: "bad_query",
            message: Text::new("查询参数有误（需要 org_unit 等）", "invalid query parameters (org_unit and others are required)"),
        }
    }
}

/// A list, with how long its records took to come out of storage.
#[derive(Debug, Clone)]
pub struct Timed<T> {
    pub value: T,
    pub storage_ms: f64,
}

fn columns(record_type: &RecordType) -> Vec<LedgerColumn> {
    record_type.fields.iter().map(|f| LedgerColumn { name: f.name.clone(), title: f.title.clone() }).collect()
}

/// `GET /api/ledger/{entity}?org_unit=CODE`: a village's, town's or
/// district's records of one type, masked; unmasked values audited
/// (`ledger`).
pub async fn list<P: LedgerPort>(
    port: &P,
    principal: &Principal,
    entity: &str,
    q: &UnitQuery,
    now: &Now,
) -> Result<Timed<LedgerList>, ServiceError> {
    let org_unit = required(&q.org_unit, "org_unit")?;
    require(principal, &Action::ReadLedger { org_unit })?;
    let record_type = record_type(&*port.record_types()?, entity)?;
    let started = port.stopwatch_ms();
    let mut records = port.list(org_unit, entity).await?;
    let storage_ms = port.stopwatch_ms() - started;
    let guards = bindings(&*port.catalog()?, &record_type);
    let mut unmasked = Vec::new();
    for record in &mut records {
        mask_record(principal, &guards, record, &mut unmasked);
    }
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    port.unmasked_read(principal, "ledger", &unmasked, &ids, now).await?;
    let org_unit_name = port.org_unit(org_unit).await?.map(|u| u.name).unwrap_or_default();
    let value =
        LedgerList { entity: entity.to_owned(), org_unit: org_unit.to_owned(), org_unit_name, columns: columns(&record_type), records };
    Ok(Timed { value, storage_ms })
}

/// `GET /api/ledger/records/{id}`: the record and its history, masked;
/// unmasked values audited (`ledger_record`).
pub async fn get<P: LedgerPort>(port: &P, principal: &Principal, id: &str, now: &Now) -> Result<RecordDetail, ServiceError> {
    let mut record = port.get(id).await?.ok_or_else(record_not_found)?;
    require(principal, &Action::ReadLedger { org_unit: &record.org_unit })?;
    let guards = bindings(&*port.catalog()?, &record_type(&*port.record_types()?, &record.entity)?);
    let mut history = port.history(&record.id).await?;
    let mut unmasked = Vec::new();
    mask_record(principal, &guards, &mut record, &mut unmasked);
    for entry in &mut history {
        mask_history(principal, &guards, entry, &mut unmasked);
    }
    port.unmasked_read(principal, "ledger_record", &unmasked, std::slice::from_ref(&record.id), now).await?;
    let mut usernames: Vec<&str> = history.iter().map(|h| h.changed_by.as_str()).collect();
    usernames.sort_unstable();
    usernames.dedup();
    let people = port.display_names(&usernames).await?;
    Ok(RecordDetail { record, history, people })
}

/// `PATCH /api/ledger/records/{id}`: a correction conditional on
/// `expected_version`. A stale version is [`ServiceError::Stale`] with the
/// record as it is now (masked). Retry: a retried correction that was
/// applied changes nothing and is answered with the record as it is; a
/// different change from the old version is stale.
pub async fn patch<P: LedgerPort>(
    port: &P,
    principal: &Principal,
    id: &str,
    body: impl Body<PatchRecordRequest>,
    now: &Now,
) -> Result<LedgerRecord, ServiceError> {
    let current = port.get(id).await?.ok_or_else(record_not_found)?;
    require(principal, &Action::WriteLedger { org_unit: &current.org_unit })?;
    let request = body.read().await?;
    let source = request.source.unwrap_or(Source::Visit);
    if !matches!(source, Source::Visit | Source::Form) {
        return Err(ServiceError::BadRequest {
            code: "bad_source",
            message: Text::new("修改来源只能是 visit（走访）或 form（报表）", "source must be visit or form"),
        });
    }
    let record_type = record_type(&*port.record_types()?, &current.entity)?;
    check_patched_key(port, principal, &record_type, &current, &request.patch, now).await?;
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.instant.clone(), source };
    let guards = bindings(&*port.catalog()?, &record_type);
    let mut unmasked = Vec::new();
    let outcome = update(port, &record_type, &current.id, request.expected_version, &request.patch, &meta).await;
    let mut record = match outcome {
        Ok(UpdateOutcome::Updated(record) | UpdateOutcome::Unchanged(record)) => record,
        Err(UpdateFailure::NotFound { .. }) => return Err(record_not_found()),
        Err(UpdateFailure::Store(e)) => return Err(e),
        Err(UpdateFailure::Refused(UpdateError::Invalid { errors })) => return Err(ServiceError::Validation(errors)),
        Err(UpdateFailure::Refused(UpdateError::Conflict(conflict))) => {
            let message = conflict.message();
            let mut current = conflict.current;
            if let Some(record) = current.as_deref_mut() {
                mask_record(principal, &guards, record, &mut unmasked);
            }
            port.unmasked_read(principal, "ledger_record", &unmasked, std::slice::from_ref(&conflict.id), now).await?;
            return Err(ServiceError::Stale { current, message });
        }
        Err(UpdateFailure::Refused(other @ UpdateError::WrongEntity { .. })) => return Err(ServiceError::Storage(other.to_string())),
    };
    mask_record(principal, &guards, &mut record, &mut unmasked);
    port.unmasked_read(principal, "ledger_record", &unmasked, std::slice::from_ref(&record.id), now).await?;
    Ok(record)
}

/// A patch that changes a district-wide key (an ID number) to one already
/// registered, in this unit or any other, is refused like an import row:
/// naming the other record only to a reader who may see its unit, and
/// otherwise audited and counted as a refused lookup.
async fn check_patched_key<P: LedgerPort>(
    port: &P,
    principal: &Principal,
    record_type: &RecordType,
    current: &LedgerRecord,
    patch: &Map<String, Value>,
    now: &Now,
) -> Result<(), ServiceError> {
    let Some(field) = record_type.district_key_field() else { return Ok(()) };
    let Some(new_value) = patch.get(field) else { return Ok(()) };
    if current.data.get(field) == Some(new_value) {
        return Ok(());
    }
    let mut data = current.data.clone();
    if let Value::Object(map) = &mut data {
        map.insert(field.to_owned(), new_value.clone());
    }
    let Some(key) = record_type.natural_key(&data) else { return Ok(()) };
    check_lookup_quota(port, principal, now).await?;
    let found = port.records_with_keys(&record_type.entity, field, &[key]).await?;
    let Some((error, hidden)) = lookup::key_refusal(principal, record_type, &current.id, &data, &found) else { return Ok(()) };
    if let Some(hidden) = hidden {
        screen_refusals(port, principal, record_type, 1, &[hidden], now).await?;
    }
    Err(ServiceError::Validation(vec![error]))
}

/// A file to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub content_type: &'static str,
    pub filename: String,
    pub bytes: Vec<u8>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The `created` stamp of a workbook written now.
fn created(now: &Now) -> String {
    format!("{}Z", now.instant.get(..19).unwrap_or("2026-01-01T00:00:00"))
}

/// `GET /api/ledger/{entity}/template.xlsx`: the blank import template of a
/// record type (下载导入模板). Reference data: no ledger value is in it;
/// `sheets` writes it from the record type's name.
pub async fn template<P: LedgerPort>(
    port: &P,
    sheets: &impl Spreadsheets,
    principal: &Principal,
    entity: &str,
    now: &Now,
) -> Result<File, ServiceError> {
    require(principal, &Action::ReadReferenceData)?;
    let record_type = record_type(&*port.record_types()?, entity)?;
    let bytes = sheets.xlsx(&XlsxJob::Template { entity: record_type.entity.as_str().into(), created_at: created(now) }).await?;
    Ok(File { content_type: XLSX, filename: format!("import-template-{entity}.xlsx"), bytes })
}

/// `GET /api/ledger/export?entity=person&org_unit=CODE&format=csv|xlsx`:
/// masked through the same decision as every other answer before the file
/// is written (the exporter masks nothing more); audited (`export`). An
/// XLSX file is written by `sheets` from the records so masked.
pub async fn export<P: LedgerPort>(
    port: &P,
    sheets: &impl Spreadsheets,
    principal: &Principal,
    q: &UnitQuery,
    now: &Now,
) -> Result<File, ServiceError> {
    let org_unit = required(&q.org_unit, "org_unit")?;
    require(principal, &Action::ReadLedger { org_unit })?;
    let entity = required(&q.entity, "entity")?;
    let format = q.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "xlsx") {
        return Err(ServiceError::BadRequest {
            code: "bad_format",
            message: Text::new("导出格式只能是 csv 或 xlsx", "format must be csv or xlsx"),
        });
    }
    let record_type = record_type(&*port.record_types()?, entity)?;
    let mut records = port.list(org_unit, entity).await?;
    let guards = bindings(&*port.catalog()?, &record_type);
    let mut unmasked = Vec::new();
    for record in &mut records {
        mask_record(principal, &guards, record, &mut unmasked);
    }
    let masked = mask_nothing;
    let (bytes, content_type) = if format == "csv" {
        (to_csv(&record_type, &records, &masked), "text/csv; charset=utf-8")
    } else {
        let job = XlsxJob::Ledger { entity: entity.into(), records: (&records[..]).into(), created_at: created(now) };
        job.check().map_err(export_error)?;
        (sheets.xlsx(&job).await?, XLSX)
    };
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    port.unmasked_read(principal, "export", &unmasked, &ids, now).await?;
    Ok(File { content_type, filename: format!("ledger-{entity}-{org_unit}.{format}"), bytes })
}
