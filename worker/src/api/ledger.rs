//! The shared ledger: list a unit's records, read one with its history,
//! change it conditionally on its version, import a village's Excel/CSV
//! ledger and export a unit's ledger. Sensitive values are masked for
//! readers whose grant lacks them; every unmasked read is audited.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{Map, Value};
use worker::{Request, RouteContext};
use ybt_core::LedgerRecord;
use ybt_core::access::{Action, Principal, lookup, mask_values, record_guards};
use ybt_core::api::{ImportAnswer, LedgerColumn, LedgerList, PatchRecordRequest, RecordDetail};
use ybt_core::catalog::Guard;
use ybt_core::export::{mask_nothing, to_csv, to_xlsx};
use ybt_core::import::template::import_template;
use ybt_core::import::{Freshness, ImportRequest, Limits, UpsertTarget, parse_import};
use ybt_core::ledger::{
    ApplyError, ChangeMeta, HistoryEntry, LedgerStore, RecordType, Source, UpdateError, UpdateFailure, UpdateOutcome, update,
};
use ybt_core::messages::Text;

use crate::api::audit;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Download, Json, Reply, clock_ms, now_rfc3339, read_bytes, read_json};
use crate::store::{PlanRow, Store, WRITES_PER_BATCH};
use crate::template_cache;

#[derive(Deserialize)]
struct UnitQuery {
    org_unit: Option<String>,
    entity: Option<String>,
    format: Option<String>,
    commit: Option<String>,
    /// The clerk's column mapping: one field name per column, comma
    /// separated, empty for a column not imported (`name,,id_number`).
    mapping: Option<String>,
    /// The worksheets to import: 0-based positions, comma separated
    /// (`0,2`); absent: every visible sheet with a header.
    sheets: Option<String>,
    /// The file's date (`YYYY-MM-DD`) as the clerk gives it; absent: the
    /// date its footer gives, if any.
    since: Option<String>,
    /// Fields to overwrite although the ledger changed them on or after
    /// the file's date: `record_id/field`, comma separated.
    overwrite: Option<String>,
    /// The previewed plan's id: a commit applies exactly that plan.
    plan: Option<String>,
}

fn query(req: &Request) -> Result<UnitQuery, AppError> {
    req.query::<UnitQuery>().map_err(|_| bad_query())
}

fn bad_query() -> AppError {
    AppError::BadRequest {
        code: "bad_query",
        message: Text::new("查询参数有误（需要 org_unit 等）", "invalid query parameters (org_unit and others are required)"),
    }
}

fn required<'q>(value: &'q Option<String>, name: &str) -> Result<&'q str, AppError> {
    value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| AppError::BadRequest {
        code: "missing_parameter",
        message: Text::new(format!("缺少查询参数 {name}"), format!("the query parameter {name} is required")),
    })
}

pub(crate) fn record_type(entity: &str) -> Result<RecordType, AppError> {
    template_cache::record_types()?.get(entity).cloned().ok_or(AppError::NotFound { what: "ledger record type", zh: "该台账类型" })
}

/// What protects each field of the record type (`id_number` by itself,
/// `birth_date` by the ID number it is part of…).
pub(crate) fn bindings(record_type: &RecordType) -> Result<Vec<(String, Guard)>, AppError> {
    let catalog = template_cache::catalog()?;
    Ok(record_guards(&catalog, &record_type.entity, record_type.fields.iter().map(|f| f.name.as_str())))
}

/// Masks `values` for the reader; adds the items read unmasked to `unmasked`.
fn mask_map(principal: &Principal, guards: &[(String, Guard)], values: &mut Map<String, Value>, unmasked: &mut Vec<String>) {
    for item in mask_values(principal, guards, values) {
        if !unmasked.contains(&item) {
            unmasked.push(item);
        }
    }
}

fn mask_record(principal: &Principal, guards: &[(String, Guard)], record: &mut LedgerRecord, unmasked: &mut Vec<String>) {
    if let Value::Object(values) = &mut record.data {
        mask_map(principal, guards, values, unmasked);
    }
}

/// Masks the old and new values of a history entry like the record's.
fn mask_history(principal: &Principal, guards: &[(String, Guard)], entry: &mut HistoryEntry, unmasked: &mut Vec<String>) {
    let mut old: Map<String, Value> = entry.changes.iter().map(|(k, (o, _))| (k.clone(), o.clone())).collect();
    let mut new: Map<String, Value> = entry.changes.iter().map(|(k, (_, n))| (k.clone(), n.clone())).collect();
    mask_map(principal, guards, &mut old, unmasked);
    mask_map(principal, guards, &mut new, unmasked);
    for (field, (o, n)) in entry.changes.iter_mut() {
        *o = old.remove(field).unwrap_or(Value::Null);
        *n = new.remove(field).unwrap_or(Value::Null);
    }
}

/// `GET /api/ledger/{entity}?org_unit=CODE`: a village's, town's or
/// district's records of one type.
/// Answers with `Server-Timing: d1;dur=…` — the time the records took to
/// come out of D1 inside the worker (the pre-fill fetch of issue 5's target).
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Reply<LedgerList>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q = query(&req)?;
    let org_unit = required(&q.org_unit, "org_unit")?;
    require(&principal, &Action::ReadLedger { org_unit })?;
    let entity = ctx.param("entity").map(String::as_str).unwrap_or_default();
    let record_type = record_type(entity)?;
    let started = clock_ms();
    let mut records = store.list(org_unit, entity).await?;
    let fetched = clock_ms() - started;
    let bindings = bindings(&record_type)?;
    let mut unmasked = Vec::new();
    for record in &mut records {
        mask_record(&principal, &bindings, record, &mut unmasked);
    }
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    audit::record(&store, &principal, "ledger", &unmasked, &ids).await?;
    let columns = record_type.fields.iter().map(|f| LedgerColumn { name: f.name.clone(), title: f.title.clone() }).collect();
    let org_unit_name = store.org_unit(org_unit).await?.map(|u| u.name).unwrap_or_default();
    let list = LedgerList { entity: entity.to_owned(), org_unit: org_unit.to_owned(), org_unit_name, columns, records };
    Ok(Reply::from(Json(200, list)).header("Server-Timing", format!("d1;dur={fetched:.1}")))
}

async fn stored_record(store: &Store, ctx: &RouteContext<()>) -> Result<LedgerRecord, AppError> {
    let id = ctx.param("id").map(String::as_str).unwrap_or_default();
    store.get(id).await?.ok_or(AppError::NotFound { what: "ledger record", zh: "该台账记录" })
}

/// `GET /api/ledger/records/{id}`: the record and its history.
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<RecordDetail>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let mut record = stored_record(&store, &ctx).await?;
    require(&principal, &Action::ReadLedger { org_unit: &record.org_unit })?;
    let bindings = bindings(&record_type(&record.entity)?)?;
    let mut history = store.history(&record.id).await?;
    let mut unmasked = Vec::new();
    mask_record(&principal, &bindings, &mut record, &mut unmasked);
    for entry in &mut history {
        mask_history(&principal, &bindings, entry, &mut unmasked);
    }
    audit::record(&store, &principal, "ledger_record", &unmasked, std::slice::from_ref(&record.id)).await?;
    let mut usernames: Vec<&str> = history.iter().map(|h| h.changed_by.as_str()).collect();
    usernames.sort_unstable();
    usernames.dedup();
    let people = store.display_names(&usernames).await?;
    Ok(Json(200, RecordDetail { record, history, people }))
}

/// `PATCH /api/ledger/records/{id}`: a conditional update. 409 with the
/// current record when `expected_version` is stale.
pub async fn patch(mut req: Request, ctx: RouteContext<()>) -> Result<Json<LedgerRecord>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let current = stored_record(&store, &ctx).await?;
    require(&principal, &Action::WriteLedger { org_unit: &current.org_unit })?;
    let request: PatchRecordRequest = read_json(&mut req).await?;
    let source = request.source.unwrap_or(Source::Visit);
    if !matches!(source, Source::Visit | Source::Form) {
        return Err(AppError::BadRequest {
            code: "bad_source",
            message: Text::new("修改来源只能是 visit（走访）或 form（报表）", "source must be visit or form"),
        });
    }
    let record_type = record_type(&current.entity)?;
    check_patched_key(&store, &principal, &record_type, &current, &request.patch).await?;
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now_rfc3339(), source };
    let bindings = bindings(&record_type)?;
    let mut unmasked = Vec::new();
    let outcome = update(&store, &record_type, &current.id, request.expected_version, &request.patch, &meta).await;
    let mut record = match outcome {
        Ok(UpdateOutcome::Updated(record) | UpdateOutcome::Unchanged(record)) => record,
        Err(UpdateFailure::NotFound { .. }) => return Err(AppError::NotFound { what: "ledger record", zh: "该台账记录" }),
        Err(UpdateFailure::Store(e)) => return Err(e),
        Err(UpdateFailure::Refused(UpdateError::Invalid { errors })) => return Err(AppError::Validation(errors)),
        Err(UpdateFailure::Refused(UpdateError::Conflict(conflict))) => {
            let message = conflict.message();
            let mut current = conflict.current;
            if let Some(record) = current.as_deref_mut() {
                mask_record(&principal, &bindings, record, &mut unmasked);
            }
            audit::record(&store, &principal, "ledger_record", &unmasked, std::slice::from_ref(&conflict.id)).await?;
            return Err(AppError::Stale { current, message });
        }
        Err(UpdateFailure::Refused(other @ UpdateError::WrongEntity { .. })) => return Err(AppError::Internal(other.to_string())),
    };
    mask_record(&principal, &bindings, &mut record, &mut unmasked);
    audit::record(&store, &principal, "ledger_record", &unmasked, std::slice::from_ref(&record.id)).await?;
    Ok(Json(200, record))
}

/// A patch that changes a district-wide key (an ID number) to one already
/// registered, in this unit or any other, is refused like an import row:
/// naming the other record only to a reader who may see its unit, and
/// otherwise audited and counted as a refused lookup.
async fn check_patched_key(
    store: &Store,
    principal: &Principal,
    record_type: &RecordType,
    current: &LedgerRecord,
    patch: &Map<String, Value>,
) -> Result<(), AppError> {
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
    check_lookup_quota(store, principal).await?;
    let found = store.records_with_keys(&record_type.entity, field, &[key]).await?;
    let Some((error, hidden)) = lookup::key_refusal(principal, record_type, &current.id, &data, &found) else { return Ok(()) };
    if let Some(hidden) = hidden {
        screen_refusals(store, principal, record_type, 1, &[hidden]).await?;
    }
    Err(AppError::Validation(vec![error]))
}

/// `POST /api/ledger/import?entity=person&org_unit=CODE[&mapping=…][&sheets=0,2][&commit=true]`:
/// the body is the XLSX, XLS or CSV file. A preview without `commit`.
///
/// Retry and crash: nothing is written until every row has been checked
/// (against the unit's records and, for a district-wide key, every unit's);
/// a refused file writes nothing. A commit writes in D1 batches of
/// [`WRITES_PER_BATCH`] records, each atomic; a crash between batches
/// leaves the earlier batches stored, and sending the same file again
/// re-plans exactly the missing writes (ids derive from the natural key,
/// updates are conditional on the version read), so a retry completes it.
pub async fn import(mut req: Request, ctx: RouteContext<()>) -> Result<Json<ImportAnswer>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q = query(&req)?;
    let org_unit = required(&q.org_unit, "org_unit")?;
    require(&principal, &Action::WriteLedger { org_unit })?;
    let entity = required(&q.entity, "entity")?;
    let commit = matches!(q.commit.as_deref(), Some("true" | "1"));
    let record_type = record_type(entity)?;
    let mapping = q.mapping.as_deref().map(parse_mapping);
    let sheets = q.sheets.as_deref().map(parse_sheets).transpose()?;
    let since = q.since.as_deref().filter(|s| !s.is_empty()).map(parse_since).transpose()?;
    let overwrite = parse_overwrite(q.overwrite.as_deref().unwrap_or_default())?;
    let plan_id = q.plan.as_deref().filter(|p| !p.is_empty()).map(parse_plan_id).transpose()?;
    // A retry of a committed plan: the first answer, nothing written again.
    if commit && let Some(id) = plan_id {
        if let Some(answer) = replay(&store, id, &principal).await? {
            return Ok(Json(200, answer));
        }
    }
    let unit = store.org_unit(org_unit).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?;
    let limits = Limits::default();
    let bytes = read_bytes(&mut req, limits.max_bytes).await?;
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now_rfc3339(), source: Source::Import };
    let types = template_cache::record_types()?;
    let no_names = BTreeMap::new();
    let request = ImportRequest {
        entity,
        target: UpsertTarget { unit: &unit.code, meta: &meta, disclosed: &no_names },
        limits,
        mapping: mapping.as_deref(),
        sheets: sheets.as_deref(),
    };
    let parsed = parse_import(&types, &bytes, &request).map_err(AppError::Import)?;
    let mut existing = store.list(&unit.code, entity).await?;
    let keys = parsed.natural_keys();
    if record_type.district_key_field().is_some() {
        check_lookup_quota(&store, &principal).await?;
    }
    let elsewhere = add_records_elsewhere(&store, &record_type, &unit.code, &keys, &mut existing, Some(&principal)).await?;
    screen_refusals(&store, &principal, &record_type, keys.len(), &elsewhere.hidden).await?;
    let target = UpsertTarget { disclosed: &elsewhere.disclosed, ..request.target };
    let mapping = parsed.mapping().to_vec();
    let sheets = parsed.reading().sheets.clone();
    // The file's date: the clerk's, else the one its footer gives. The
    // matched records' history says which fields the ledger changed since.
    let since = since.or_else(|| parsed.reading().file_date.as_ref().map(|d| d.date.clone()));
    let history = match since {
        Some(_) => store.histories(&parsed.matched_ids(&existing)).await?,
        None => Vec::new(),
    };
    let freshness = Freshness { since: since.as_deref(), history: &history, overwrite: Some(&overwrite) };
    let plan = parsed.plan_fresh(&existing, target, &freshness, &mut |_, _| {}).map_err(|f| AppError::ImportChecked(f, mapping, sheets))?;
    let id = plan.id(&bytes, &request, &freshness);
    let mut summary = plan.summary();
    let people = mask_diff(&store, &principal, &record_type, &mut summary).await?;
    let mut answer = ImportAnswer { committed: false, summary, batches: 0, plan_id: id.clone(), since, people, replayed: false };
    if !commit {
        answer.batches = plan.upserts.writes.len().div_ceil(WRITES_PER_BATCH);
        return Ok(Json(200, answer));
    }
    let Some(expected) = plan_id else {
        // Scripts without a preview: the plan made now is applied.
        answer.batches = apply_batch(&store, &plan.upserts.writes).await?;
        answer.committed = true;
        return Ok(Json(200, answer));
    };
    if expected != id {
        return Err(AppError::Conflict {
            code: "plan_changed",
            message: Text::new(
                "预览之后台账已有变动（或文件、选项不同），本次未写入任何数据：请重新检查后再导入",
                "the ledger changed since the preview (or the file or options differ); nothing was written: check again, then import",
            ),
        });
    }
    answer.committed = true;
    answer.batches = plan.upserts.writes.len().div_ceil(WRITES_PER_BATCH);
    let stored = serde_json::to_string(&answer)?;
    let committed_at = now_rfc3339();
    let row = PlanRow {
        plan_id: &id,
        created_by: &principal.user_id,
        org_unit: &unit.code,
        entity,
        committed_at: &committed_at,
        answer: &stored,
    };
    match store.apply_plan(&plan.upserts.writes, &row).await {
        Ok(_) => Ok(Json(200, answer)),
        // A second commit of the same plan that lost the race to the first.
        Err(failure) => match replay(&store, &id, &principal).await? {
            Some(first) => Ok(Json(200, first)),
            None => Err(match failure {
                ApplyError::Store(e) => e,
                ApplyError::Conflict(conflict) => import_conflict(&conflict.id),
            }),
        },
    }
}

/// The stored answer of `plan_id` committed by `principal`, marked replayed.
async fn replay(store: &Store, plan_id: &str, principal: &Principal) -> Result<Option<ImportAnswer>, AppError> {
    let Some(text) = store.committed_plan(plan_id, &principal.user_id).await? else { return Ok(None) };
    let mut answer: ImportAnswer = serde_json::from_str(&text)?;
    answer.replayed = true;
    Ok(Some(answer))
}

/// Masks the preview's diff for the reader (stored and file values, field
/// by field, as any answer) and names the accounts that changed a field
/// after the file's date. Unmasked sensitive values shown are audited.
async fn mask_diff(
    store: &Store,
    principal: &Principal,
    record_type: &RecordType,
    summary: &mut ybt_core::import::ImportSummary,
) -> Result<BTreeMap<String, String>, AppError> {
    let guards = bindings(record_type)?;
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
        audit::record(store, principal, "import_preview", &unmasked, &ids).await?;
    }
    usernames.sort_unstable();
    usernames.dedup();
    let names: Vec<&str> = usernames.iter().map(String::as_str).collect();
    Ok(store.display_names(&names).await?)
}

/// `2026-11-01` (the clerk's date of the file).
fn parse_since(text: &str) -> Result<String, AppError> {
    match ybt_core::import::date_in(text) {
        Some(date) if date == text => Ok(date),
        _ => Err(AppError::BadRequest {
            code: "bad_since",
            message: Text::new("文件日期应写成 年-月-日，如 2026-11-01", "since must be a date written YYYY-MM-DD"),
        }),
    }
}

/// `person:1/phone,person:2/name` → the (record, field) pairs ticked.
fn parse_overwrite(text: &str) -> Result<BTreeSet<(String, String)>, AppError> {
    let bad = || AppError::BadRequest {
        code: "bad_overwrite",
        message: Text::new("overwrite 参数应为逗号分隔的“记录/字段”", "overwrite must be comma-separated record/field pairs"),
    };
    let pairs: Vec<&str> = text.split(',').filter(|p| !p.trim().is_empty()).collect();
    if pairs.len() > ybt_core::import::MAX_LISTED * 20 {
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
fn parse_plan_id(text: &str) -> Result<&str, AppError> {
    if text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(text)
    } else {
        Err(AppError::BadRequest {
            code: "bad_plan", message: Text::new("plan 参数不是有效的预览编号", "plan is not a valid plan id")
        })
    }
}

/// `0,2` → `[0, 2]`.
fn parse_sheets(text: &str) -> Result<Vec<usize>, AppError> {
    text.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse::<usize>().map_err(|_| bad_sheets())).collect()
}

fn bad_sheets() -> AppError {
    AppError::BadRequest {
        code: "bad_sheets",
        message: Text::new("sheets 参数应为逗号分隔的工作表序号（从 0 开始）", "sheets must be comma-separated sheet positions (from 0)"),
    }
}

/// `name,,id_number` → `[Some("name"), None, Some("id_number")]`. Unknown
/// field names are refused by core with the column they name.
fn parse_mapping(text: &str) -> Vec<Option<String>> {
    text.split(',').map(|f| Some(f.trim().to_owned()).filter(|f| !f.is_empty())).collect()
}

/// What a lookup of district-wide keys found in other units.
pub struct Elsewhere {
    /// The units the reader may learn about, with their names: refusals of
    /// keys registered there name the key and the unit.
    pub disclosed: BTreeMap<String, String>,
    /// Records found in units the reader may not see: refused naming no one.
    pub hidden: Vec<String>,
}

/// For a record type whose natural key is district-wide (a person's ID
/// number), adds to `existing` the records of other units that carry one of
/// `keys`, so that core refuses to register them a second time. `reader`
/// (none for a department's key) decides which of those units may be
/// named (`lookup::may_name`). Bounded: one indexed statement per 2,000
/// keys, at most one record per key.
pub async fn add_records_elsewhere(
    store: &Store,
    record_type: &RecordType,
    unit: &str,
    keys: &[String],
    existing: &mut Vec<LedgerRecord>,
    reader: Option<&Principal>,
) -> Result<Elsewhere, AppError> {
    let Some(key_field) = record_type.district_key_field() else { return Ok(Elsewhere { disclosed: BTreeMap::new(), hidden: vec![] }) };
    let found = store.records_with_keys(&record_type.entity, key_field, keys).await?;
    let elsewhere: Vec<LedgerRecord> = found.into_iter().filter(|r| !ybt_core::ledger::in_unit(unit, r)).collect();
    let mut codes: Vec<&str> =
        elsewhere.iter().map(|r| r.org_unit.as_str()).filter(|code| reader.is_some_and(|p| lookup::may_name(p, code))).collect();
    codes.sort_unstable();
    codes.dedup();
    let disclosed = store.unit_names(&codes).await?;
    let hidden = elsewhere.iter().filter(|r| !codes.contains(&r.org_unit.as_str())).map(|r| r.id.clone()).collect();
    existing.extend(elsewhere);
    Ok(Elsewhere { disclosed, hidden })
}

/// The day (UTC) refused lookups are counted in.
fn lookup_day() -> String {
    now_rfc3339().get(..10).unwrap_or_default().to_owned()
}

/// Before any lookup of district-wide keys by `principal`: refuses (429)
/// once the day's refused lookups are used up, whatever the request holds,
/// so that the refusal itself tells nothing about its keys.
pub async fn check_lookup_quota(store: &Store, principal: &Principal) -> Result<(), AppError> {
    let total = store.count_refused_lookups(&principal.user_id, &lookup_day(), 0).await?;
    if total >= lookup::REFUSED_KEYS_PER_DAY {
        return Err(AppError::Limited { code: "lookup_limit", message: lookup::limit_message() });
    }
    Ok(())
}

/// After a lookup: audits the keys of `rows` refused without detail
/// (`hidden`), counts them against the day's limit (previews count too),
/// and refuses the request whole (429) over the limit, or (422) when the
/// share of such keys says the file is a lookup rather than a ledger.
pub async fn screen_refusals(
    store: &Store,
    principal: &Principal,
    record_type: &RecordType,
    rows: usize,
    hidden: &[String],
) -> Result<(), AppError> {
    if hidden.is_empty() {
        return Ok(());
    }
    let refused = u32::try_from(hidden.len()).unwrap_or(u32::MAX);
    let total = store.count_refused_lookups(&principal.user_id, &lookup_day(), refused).await?;
    let key = format!("{}.{}", record_type.entity, record_type.district_key_field().unwrap_or_default());
    store.log_unmasked_read(principal, "key_refused", &[key], hidden, &now_rfc3339()).await?;
    if lookup::over_daily_limit(total) {
        return Err(AppError::Limited { code: "lookup_limit", message: lookup::limit_message() });
    }
    if lookup::implausible_share(rows, hidden.len()) {
        return Err(AppError::Refused { code: "implausible_file", message: lookup::implausible_message() });
    }
    Ok(())
}

/// Applies an import's or ingest's writes; a concurrent change is a 409
/// asking for a retry (which completes the batch idempotently).
pub async fn apply_batch(store: &Store, writes: &[ybt_core::ledger::Write]) -> Result<usize, AppError> {
    match store.apply_in_batches(writes).await {
        Ok(batches) => Ok(batches),
        Err(ApplyError::Store(e)) => Err(e),
        Err(ApplyError::Conflict(conflict)) => Err(import_conflict(&conflict.id)),
    }
}

fn import_conflict(id: &str) -> AppError {
    AppError::Conflict {
        code: "import_conflict",
        message: Text::new(
            format!("记录 {id} 在导入期间被修改，请重新导入（已导入的部分不会重复）"),
            format!("record {id} changed during the import; import again (what was stored is not repeated)"),
        ),
    }
}

/// `GET /api/ledger/{entity}/template.xlsx`: the blank import template of a
/// record type (下载导入模板). Reference data: no ledger value is in it.
pub async fn template(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ReadReferenceData)?;
    let entity = ctx.param("entity").map(String::as_str).unwrap_or_default();
    let record_type = record_type(entity)?;
    let now = now_rfc3339();
    let created = format!("{}Z", now.get(..19).unwrap_or("2026-01-01T00:00:00"));
    let bytes = import_template(&record_type, &created).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Download {
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename: format!("import-template-{entity}.xlsx"),
        bytes,
    })
}

/// `GET /api/ledger/export?entity=person&org_unit=CODE&format=csv|xlsx`.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q = query(&req)?;
    let org_unit = required(&q.org_unit, "org_unit")?;
    require(&principal, &Action::ReadLedger { org_unit })?;
    let entity = required(&q.entity, "entity")?;
    let format = q.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "xlsx") {
        return Err(AppError::BadRequest {
            code: "bad_format",
            message: Text::new("导出格式只能是 csv 或 xlsx", "format must be csv or xlsx"),
        });
    }
    let record_type = record_type(entity)?;
    let mut records = store.list(org_unit, entity).await?;
    // Masked through the same decision as every other answer, before the
    // file is written: the exporter itself masks nothing more.
    let bindings = bindings(&record_type)?;
    let mut unmasked = Vec::new();
    for record in &mut records {
        mask_record(&principal, &bindings, record, &mut unmasked);
    }
    let masked = mask_nothing;
    let now = now_rfc3339();
    let (bytes, content_type) = if format == "csv" {
        (to_csv(&record_type, &records, &masked), "text/csv; charset=utf-8")
    } else {
        let created = format!("{}Z", now.get(..19).unwrap_or("2026-01-01T00:00:00"));
        let bytes = to_xlsx(&record_type, &records, &masked, &created).map_err(|e| match e {
            ybt_core::export::ExportError::TooManyRows { .. } => AppError::BadRequest { code: "too_many_rows", message: e.message() },
            other => AppError::Internal(other.to_string()),
        })?;
        (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    };
    let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
    audit::record(&store, &principal, "export", &unmasked, &ids).await?;
    Ok(Download { content_type, filename: format!("ledger-{entity}-{org_unit}.{format}"), bytes })
}
