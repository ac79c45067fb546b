//! Importing a village's Excel/CSV ledger: a preview answers the plan and
//! its id; a commit with that id applies exactly that plan (409
//! `plan_changed` otherwise); a retried commit answers as stored.

use crate::service::require;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::lookup::{add_records_elsewhere, apply_batch, check_lookup_quota, import_conflict, screen_refusals};
use super::records::UnitQuery;
use super::{CommittedPlan, LedgerPort, WRITES_PER_BATCH, bindings, mask_map, record_type, required, unit_not_found};
use crate::access::{Action, Principal};
use crate::api::ImportAnswer;
use crate::import::{Freshness, ImportRequest, ImportSummary, Limits, UpsertTarget};
use crate::ledger::{ApplyError, ChangeMeta, RecordType, Source};
use crate::messages::Text;
use crate::service::spreadsheets::Spreadsheets;
use crate::service::{Now, ServiceError};

/// The body of an import: read only once the request has passed its
/// checks, and refused over `limit` bytes (a `FileError::TooLarge`).
#[allow(async_fn_in_trait)]
pub trait Upload {
    async fn bytes(self, limit: usize) -> Result<Vec<u8>, ServiceError>;
}

impl Upload for Vec<u8> {
    async fn bytes(self, limit: usize) -> Result<Vec<u8>, ServiceError> {
        use crate::import::{FileError, ImportFailure};
        if self.len() > limit {
            return Err(ServiceError::Import(ImportFailure::File(FileError::TooLarge { bytes: self.len(), max: limit })));
        }
        Ok(self)
    }
}

/// `POST /api/ledger/import?entity=person&org_unit=CODE[&mapping=…][&sheets=0,2][&since=…][&overwrite=…][&plan=…][&commit=true]`:
/// the body is the XLSX, XLS or CSV file. A preview without `commit`.
///
/// Retry and crash: nothing is written until every row has been checked
/// (against the unit's records and, for a district-wide key, every unit's);
/// a refused file writes nothing. A commit writes in batches of
/// [`WRITES_PER_BATCH`] records, each atomic; a crash between batches
/// leaves the earlier batches stored, and sending the same file again
/// re-plans exactly the missing writes (ids derive from the natural key,
/// updates are conditional on the version read), so a retry completes it.
/// A commit with a plan id marks the plan in its last batch: a retry of it
/// (or a second commit that lost the race) answers the first answer,
/// `replayed`, writing nothing again.
///
/// The file is read into its sheets by `sheets` (the `ybt-sheets` worker
/// in production): it sees the bytes only, never the ledger or the reader.
pub async fn import<P: LedgerPort>(
    port: &P,
    sheets_port: &impl Spreadsheets,
    principal: &Principal,
    q: &UnitQuery,
    body: impl Upload,
    now: &Now,
) -> Result<ImportAnswer, ServiceError> {
    let org_unit = required(&q.org_unit, "org_unit")?;
    require(principal, &Action::WriteLedger { org_unit })?;
    let entity = required(&q.entity, "entity")?;
    let commit = matches!(q.commit.as_deref(), Some("true" | "1"));
    let types = port.record_types()?;
    let record_type = record_type(&types, entity)?;
    let mapping = q.mapping.as_deref().map(parse_mapping);
    let sheets = q.sheets.as_deref().map(parse_sheets).transpose()?;
    let since = q.since.as_deref().filter(|s| !s.is_empty()).map(parse_since).transpose()?;
    let overwrite = parse_overwrite(q.overwrite.as_deref().unwrap_or_default())?;
    let plan_id = q.plan.as_deref().filter(|p| !p.is_empty()).map(parse_plan_id).transpose()?;
    // A retry of a committed plan: the first answer, nothing written again.
    if commit
        && let Some(id) = plan_id
        && let Some(answer) = replay(port, id, principal).await?
    {
        return Ok(answer);
    }
    let unit = port.org_unit(org_unit).await?.ok_or_else(unit_not_found)?;
    let limits = Limits::default();
    let bytes = body.bytes(limits.max_bytes).await?;
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.instant.clone(), source: Source::Import };
    let no_names = BTreeMap::new();
    let request = ImportRequest {
        entity,
        target: UpsertTarget { unit: &unit.code, meta: &meta, disclosed: &no_names },
        limits,
        mapping: mapping.as_deref(),
        sheets: sheets.as_deref(),
    };
    let read = sheets_port.read(&bytes, &request.limits).await?;
    let parsed = crate::import::parse_sheets(&types, read, &request).map_err(ServiceError::Import)?;
    let mut existing = port.list(&unit.code, entity).await?;
    let keys = parsed.natural_keys();
    if record_type.district_key_field().is_some() {
        check_lookup_quota(port, principal, now).await?;
    }
    let elsewhere = add_records_elsewhere(port, &record_type, &unit.code, &keys, &mut existing, Some(principal)).await?;
    screen_refusals(port, principal, &record_type, keys.len(), &elsewhere.hidden, now).await?;
    let target = UpsertTarget { disclosed: &elsewhere.disclosed, ..request.target };
    let mapping = parsed.mapping().to_vec();
    let sheets = parsed.reading().sheets.clone();
    // The file's date: the clerk's, else the one its footer gives. The
    // matched records' history says which fields the ledger changed since.
    let since = since.or_else(|| parsed.reading().file_date.as_ref().map(|d| d.date.clone()));
    let history = match since {
        Some(_) => port.histories(&parsed.matched_ids(&existing)).await?,
        None => Vec::new(),
    };
    let freshness = Freshness { since: since.as_deref(), history: &history, overwrite: Some(&overwrite) };
    let plan =
        parsed.plan_fresh(&existing, target, &freshness, &mut |_, _| {}).map_err(|f| ServiceError::ImportChecked(f, mapping, sheets))?;
    let id = plan.id(&bytes, &request, &freshness);
    let mut summary = plan.summary();
    let people = mask_diff(port, principal, &record_type, &mut summary, now).await?;
    let mut answer = ImportAnswer { committed: false, summary, batches: 0, plan_id: id.clone(), since, people, replayed: false };
    if !commit {
        answer.batches = plan.upserts.writes.len().div_ceil(WRITES_PER_BATCH);
        return Ok(answer);
    }
    let Some(expected) = plan_id else {
        // Scripts without a preview: the plan made now is applied.
        answer.batches = apply_batch(port, &plan.upserts.writes).await?;
        answer.committed = true;
        return Ok(answer);
    };
    if expected != id {
        return Err(ServiceError::Conflict {
            code: "plan_changed",
            message: Text::new(
                "预览之后台账已有变动（或文件、选项不同），本次未写入任何数据：请重新检查后再导入",
                "the ledger changed since the preview (or the file or options differ); nothing was written: check again, then import",
            ),
        });
    }
    answer.committed = true;
    answer.batches = plan.upserts.writes.len().div_ceil(WRITES_PER_BATCH);
    let stored = serde_json::to_string(&answer).map_err(|e| ServiceError::Storage(format!("json: {e}")))?;
    let row = CommittedPlan {
        plan_id: &id,
        created_by: &principal.user_id,
        org_unit: &unit.code,
        entity,
        committed_at: &now.instant,
        answer: &stored,
    };
    match port.apply_plan(&plan.upserts.writes, &row).await {
        Ok(_) => Ok(answer),
        // A second commit of the same plan that lost the race to the first.
        Err(failure) => match replay(port, &id, principal).await? {
            Some(first) => Ok(first),
            None => Err(match failure {
                ApplyError::Store(e) => e,
                ApplyError::Conflict(conflict) => import_conflict(&conflict.id),
            }),
        },
    }
}

/// The stored answer of `plan_id` committed by `principal`, marked replayed.
async fn replay<P: LedgerPort>(port: &P, plan_id: &str, principal: &Principal) -> Result<Option<ImportAnswer>, ServiceError> {
    let Some(text) = port.committed_plan(plan_id, &principal.user_id).await? else { return Ok(None) };
    let mut answer: ImportAnswer = serde_json::from_str(&text).map_err(|e| ServiceError::Storage(format!("json: {e}")))?;
    answer.replayed = true;
    Ok(Some(answer))
}

/// Masks the preview's diff for the reader (stored and file values, field
/// by field, as any answer) and names the accounts that changed a field
/// after the file's date. Unmasked sensitive values shown are audited.
async fn mask_diff<P: LedgerPort>(
    port: &P,
    principal: &Principal,
    record_type: &RecordType,
    summary: &mut ImportSummary,
    now: &Now,
) -> Result<BTreeMap<String, String>, ServiceError> {
    let guards = bindings(&*port.catalog()?, record_type);
    let mut unmasked = Vec::new();
    let mut usernames: Vec<String> = Vec::new();
    for record in &mut summary.diff {
        for field in &mut record.fields {
            for value in [&mut field.stored, &mut field.file] {
                let mut one = Map::new();
                one.insert(field.field.clone(), std::mem::take(value));
                mask_map(principal, &guards, &mut one, &mut unmasked);
                *value = one.remove(&field.field).unwrap_or(Value::Null);
            }
            if let Some(newer) = &field.newer {
                usernames.push(newer.changed_by.clone());
            }
        }
    }
    if !unmasked.is_empty() {
        let ids: Vec<String> = summary.diff.iter().map(|d| d.record_id.clone()).collect();
        port.unmasked_read(principal, "import_preview", &unmasked, &ids, now).await?;
    }
    usernames.sort_unstable();
    usernames.dedup();
    let names: Vec<&str> = usernames.iter().map(String::as_str).collect();
    port.display_names(&names).await
}

/// `2026-11-01` (the clerk's date of the file).
fn parse_since(text: &str) -> Result<String, ServiceError> {
    match crate::import::date_in(text) {
        Some(date) if date == text => Ok(date),
        _ => Err(ServiceError::BadRequest {
            code: "bad_since",
            message: Text::new("文件日期应写成 年-月-日，如 2026-11-01", "since must be a date written YYYY-MM-DD"),
        }),
    }
}

/// `person:1/phone,person:2/name` → the (record, field) pairs ticked.
fn parse_overwrite(text: &str) -> Result<BTreeSet<(String, String)>, ServiceError> {
    let bad = || ServiceError::BadRequest {
        code: "bad_overwrite",
        message: Text::new("overwrite 参数应为逗号分隔的“记录/字段”", "overwrite must be comma-separated record/field pairs"),
    };
    let pairs: Vec<&str> = text.split(',').filter(|p| !p.trim().is_empty()).collect();
    if pairs.len() > crate::import::MAX_LISTED * 20 {
        return Err(bad());
    }
    pairs
        .into_iter()
        .map(|pair| match pair.trim().rsplit_once('/') {
            Some((id, field)) if !id.is_empty() && !field.is_empty() => Ok((id.to_owned(), field.to_owned())),
            _ => Err(bad()),
        })
        .collect()
}

/// A plan id: 32 lowercase hex digits.
fn parse_plan_id(text: &str) -> Result<&str, ServiceError> {
    if text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(text)
    } else {
        Err(ServiceError::BadRequest {
            code: "bad_plan", message: Text::new("plan 参数不是有效的预览编号", "plan is not a valid plan id")
        })
    }
}

/// `0,2` → `[0, 2]`.
fn parse_sheets(text: &str) -> Result<Vec<usize>, ServiceError> {
    let bad = || ServiceError::BadRequest {
        code: "bad_sheets",
        message: Text::new("sheets 参数应为逗号分隔的工作表序号（从 0 开始）", "sheets must be comma-separated sheet positions (from 0)"),
    };
    text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse::<usize>().map_err(|_| bad())).collect()
}

/// `name,,id_number` → `[Some("name"), None, Some("id_number")]`. Unknown
/// field names are refused by core with the column they name.
fn parse_mapping(text: &str) -> Vec<Option<String>> {
    text.split(',').map(|f| Some(f.trim().to_owned()).filter(|f| !f.is_empty())).collect()
}
