//! The shared ledger: list a unit's records, read one with its history,
//! correct it conditionally on its version, import a village's Excel/CSV
//! ledger, export a unit's ledger and download the blank import template.
//! Each handler parses, authenticates and calls one use case of
//! `ybt_core::service::ledger`, which authorizes, masks and audits.

use std::cell::Cell;

use worker::{Request, RouteContext};
use ybt_core::LedgerRecord;
use ybt_core::api::{ImportAnswer, LedgerList, RecordDetail};
use ybt_core::service::ledger::import::{self, Upload};
use ybt_core::service::ledger::records::{self, File, UnitQuery};
use ybt_core::service::{Now, ServiceError};

use crate::auth;
use crate::error::AppError;
use crate::http::{Download, Json, JsonBody, Reply, now_rfc3339, read_bytes};
use crate::sheets::Sheets;
use crate::store::Store;

fn query(req: &Request) -> Result<UnitQuery, AppError> {
    req.query::<UnitQuery>().map_err(|_| UnitQuery::bad().into())
}

fn now() -> Now {
    Now::new(now_rfc3339())
}

fn param<'c>(ctx: &'c RouteContext<()>, name: &str) -> &'c str {
    ctx.param(name).map(String::as_str).unwrap_or_default()
}

fn download(file: File) -> Download {
    Download { content_type: file.content_type, filename: file.filename, bytes: file.bytes }
}

/// `GET /api/ledger/{entity}?org_unit=CODE`: a village's, town's or
/// district's records of one type.
/// Answers with `Server-Timing: d1;dur=…` — the time the records took to
/// come out of D1 inside the worker (the pre-fill fetch of issue 5's target).
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Reply<LedgerList>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q = query(&req)?;
    let list = records::list(&store, &principal, param(&ctx, "entity"), &q, &now()).await?;
    Ok(Reply::from(Json(200, list.value)).header("Server-Timing", format!("d1;dur={:.1}", list.storage_ms)))
}

/// `GET /api/ledger/records/{id}`: the record and its history.
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<RecordDetail>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, records::get(&store, &principal, param(&ctx, "id"), &now()).await?))
}

/// `PATCH /api/ledger/records/{id}`: a conditional update. 409 with the
/// current record when `expected_version` is stale.
pub async fn patch(mut req: Request, ctx: RouteContext<()>) -> Result<Json<LedgerRecord>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let refused = Cell::new(None);
    let body = JsonBody::new(&mut req, &refused);
    let record = records::patch(&store, &principal, param(&ctx, "id"), body, &now()).await;
    Ok(Json(200, record.map_err(|e| JsonBody::answer(&refused, e))?))
}

/// The import's body, read once the use case has checked the request.
struct Body<'r>(&'r mut Request);

impl Upload for Body<'_> {
    /// A file over `limit` is the import's own refusal (413 `too_large`);
    /// anything else failing to read the body is the runtime's.
    async fn bytes(self, limit: usize) -> Result<Vec<u8>, ServiceError> {
        read_bytes(self.0, limit).await.map_err(|e| match e {
            AppError::Import(failure) => ServiceError::Import(failure),
            other => ServiceError::Storage(other.to_string()),
        })
    }
}

/// `POST /api/ledger/import?entity=person&org_unit=CODE[&mapping=…][&sheets=0,2][&commit=true]`:
/// the body is the XLSX, XLS or CSV file. A preview without `commit`; see
/// `service::ledger::import` for plans, retries and crashes.
pub async fn import(mut req: Request, ctx: RouteContext<()>) -> Result<Json<ImportAnswer>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q = query(&req)?;
    Ok(Json(200, import::import(&store, &Sheets::from_env(&ctx.env), &principal, &q, Body(&mut req), &now()).await?))
}

/// `GET /api/ledger/{entity}/template.xlsx`: the blank import template of a
/// record type (下载导入模板).
pub async fn template(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(download(records::template(&store, &Sheets::from_env(&ctx.env), &principal, param(&ctx, "entity"), &now()).await?))
}

/// `GET /api/ledger/export?entity=person&org_unit=CODE&format=csv|xlsx`.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q = query(&req)?;
    Ok(download(records::export(&store, &Sheets::from_env(&ctx.env), &principal, &q, &now()).await?))
}
