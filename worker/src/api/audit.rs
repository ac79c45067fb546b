//! The audit log, for system administrators: `GET /api/audit` (unmasked
//! reads, filtered and paged), `GET /api/audit/export` (the same as CSV)
//! and `GET /api/audit/accounts` (what was done to accounts).

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::audit::{AuditQuery, MAX_EXPORT_ROWS, audit_csv};
use ybt_core::access::{Action, Principal};
use ybt_core::api::{AccountEventPage, AuditPage};

use crate::auth::{self, require};
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
    require(&principal, &Action::ReadAuditLog)?;
    let filter = query::<AuditQuery>(&req)?.check(&*template_cache::catalog()?).map_err(AppError::Validation)?;
    let (entries, total) = store.audit_log(&filter, filter.per_page, filter.offset()).await?;
    Ok(Json(200, AuditPage { entries, total, page: filter.page, per_page: filter.per_page }))
}

/// Every entry the query matches (at most `MAX_EXPORT_ROWS`, newest first;
/// paging parameters are ignored), as CSV for Excel and WPS.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ReadAuditLog)?;
    let catalog = template_cache::catalog()?;
    let filter = query::<AuditQuery>(&req)?.check(&catalog).map_err(AppError::Validation)?;
    let (entries, _) = store.audit_log(&filter, MAX_EXPORT_ROWS, 0).await?;
    let day = ybt_core::time::beijing_date(&now_rfc3339());
    Ok(Download { content_type: "text/csv; charset=utf-8", filename: format!("audit-{day}.csv"), bytes: audit_csv(&entries, &catalog) })
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
    require(&principal, &Action::ReadAuditLog)?;
    let q: EventsQuery = query(&req)?;
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let per_page = q.per_page.unwrap_or(ybt_core::access::audit::DEFAULT_PER_PAGE).clamp(1, ybt_core::access::audit::MAX_PER_PAGE);
    let user = q.user.filter(|u| !u.trim().is_empty());
    let (events, total) = store.account_events(user.as_deref(), per_page, (page - 1) * per_page).await?;
    Ok(Json(200, AccountEventPage { events, total, page, per_page }))
}

/// Logs an unmasked read, if there was one. Called by every handler that
/// returns ledger values; the store classes it (`access::classify_read`).
pub async fn record(store: &Store, principal: &Principal, action: &str, items: &[String], record_ids: &[String]) -> Result<(), AppError> {
    if items.is_empty() || record_ids.is_empty() {
        return Ok(());
    }
    store.log_unmasked_read(principal, action, items, record_ids, &now_rfc3339()).await
}
