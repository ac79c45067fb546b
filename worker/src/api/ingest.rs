//! `POST /api/ingest/{entity}?org_unit=CODE`: a department's own system
//! pushes records with its API key; the same validation, dedup, versioning
//! and history as a file import, with `source = department`.

use serde::Deserialize;
use serde_json::Value;
use worker::{Request, RouteContext};
use ybt_core::api::ImportAnswer;
use ybt_core::import::{ImportSummary, Limits, UpsertTarget, ingest_keys, plan_ingest};
use ybt_core::ledger::{ChangeMeta, LedgerStore, Source};
use ybt_core::messages::Text;

use crate::api::ledger::{add_records_elsewhere, apply_batch};
use crate::auth::{self, require_ingest};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;
use crate::template_cache;

#[derive(Deserialize)]
struct Query {
    org_unit: Option<String>,
}

/// Retry and crash: as for a file import — every record is checked before
/// anything is written, the writes go in atomic D1 batches of 2,000, and
/// pushing the same records again completes an interrupted push without
/// repeating what was stored.
pub async fn push(mut req: Request, ctx: RouteContext<()>) -> Result<Json<ImportAnswer>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let key = auth::ingest_key(&req, &store).await?;
    let entity = ctx.param("entity").map(String::as_str).unwrap_or_default();
    let org_unit = req.query::<Query>().ok().and_then(|q| q.org_unit).filter(|u| !u.is_empty()).ok_or_else(|| AppError::BadRequest {
        code: "missing_parameter",
        message: Text::new("缺少查询参数 org_unit", "the query parameter org_unit is required"),
    })?;
    require_ingest(&key, &org_unit, entity)?;
    let records: Vec<Value> = read_json(&mut req).await?;
    let unit = store.org_unit(&org_unit).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?;
    let mut existing = store.list(&unit.code, entity).await?;
    let types = template_cache::record_types()?;
    let record_type = types.get(entity).ok_or(AppError::NotFound { what: "ledger record type", zh: "该台账类型" })?;
    let keys = ingest_keys(&types, entity, &records);
    // A department's system learns no more than a village would: keys
    // registered elsewhere are refused naming no one.
    let elsewhere = add_records_elsewhere(&store, record_type, &unit.code, &keys, &mut existing, None).await?;
    let meta = ChangeMeta { changed_by: format!("{} ({})", key.department, key.id), changed_at: now_rfc3339(), source: Source::Department };
    let plan = plan_ingest(
        &types,
        entity,
        &records,
        UpsertTarget { unit: &unit.code, meta: &meta, disclosed: &elsewhere.disclosed },
        &Limits::default(),
        &existing,
    )
    .map_err(AppError::Import)?;
    let batches = apply_batch(&store, &plan.writes).await?;
    let summary = ImportSummary {
        header_row: 0,
        mapping: Vec::new(),
        data_rows: records.len(),
        new: plan.new,
        changed: plan.changed,
        unchanged: plan.unchanged,
        // No diff: a department's system is not told what the ledger held.
        added: Vec::new(),
        diff: Vec::new(),
        held: 0,
        reading: Default::default(),
    };
    Ok(Json(200, ImportAnswer { committed: true, summary, batches, ..ImportAnswer::default() }))
}
