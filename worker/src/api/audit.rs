//! The audit log, for system administrators: `GET /api/audit` (unmasked
//! reads, filtered and paged), `GET /api/audit/export` (the same as CSV)
//! and `GET /api/audit/accounts` (what was done to accounts). Use cases:
//! `ybt_core::service::accounts_admin`.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::audit::AuditQuery;
use ybt_core::api::{AccountEventPage, AuditPage};
use ybt_core::service::Now;
use ybt_core::service::accounts_admin as admin;

use crate::auth;
use crate::error::AppError;
use crate::http::{Download, Json, now_rfc3339};
use crate::store::Store;
use crate::template_cache;

fn query<T: for<'de> Deserialize<'de>>(req: &Request) -> Result<T, AppError> {
    req.query::<T>().map_err(|e| AppError::BadRequest {
        code: "bad_query",
        message: ybt_core::messages::Text::new("查询参数无效", format!("invalid query: {e}")),
    })
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<AuditPage>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_auditor(&principal)?;
    let q: AuditQuery = query(&req)?;
    Ok(Json(200, admin::audit_page(&principal, &q, &*template_cache::catalog()?, &store).await?))
}

/// Every entry the query matches (at most `MAX_EXPORT_ROWS`, newest first;
/// paging parameters are ignored), as CSV for Excel and WPS.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_auditor(&principal)?;
    let catalog = template_cache::catalog()?;
    let q: AuditQuery = query(&req)?;
    let export = admin::audit_export(&principal, &q, &catalog, &Now::new(now_rfc3339()), &store).await?;
    Ok(Download { content_type: "text/csv; charset=utf-8", filename: export.filename, bytes: export.bytes })
}

#[derive(Deserialize)]
struct EventsQuery {
    user: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub async fn accounts(req: Request, ctx: RouteContext<()>) -> Result<Json<AccountEventPage>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    admin::require_auditor(&principal)?;
    let q: EventsQuery = query(&req)?;
    Ok(Json(200, admin::account_events(&principal, q.user, q.page, q.per_page, &store).await?))
}
