//! `GET /api/audit`: who read which sensitive fields unmasked (admins only).

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal};
use ybt_core::api::AuditEntry;

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339};
use crate::store::Store;

#[derive(Deserialize)]
struct Query {
    limit: Option<u32>,
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::ReadAuditLog)?;
    let limit = req.query::<Query>().ok().and_then(|q| q.limit).unwrap_or(200).clamp(1, 1000);
    Ok(Json(200, store.audit_log(limit).await?))
}

/// Logs an unmasked read, if there was one. Called by every handler that
/// returns ledger values.
pub async fn record(store: &Store, principal: &Principal, action: &str, items: &[String], record_ids: &[String]) -> Result<(), AppError> {
    if items.is_empty() || record_ids.is_empty() {
        return Ok(());
    }
    store.log_unmasked_read(principal, action, items, record_ids, &now_rfc3339()).await
}
