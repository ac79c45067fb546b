//! New records from surveys joining the ledger after review (新增对象审核,
//! issue 8): the handlers of `ybt_core::service::intake`, which holds the
//! rules (who lists and decides, what accepting writes, a retry's answer).

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::service::Now;
use ybt_core::service::intake::{decide_intake, list_intake};
use ybt_core::service::surveys::Schemas;
use ybt_core::survey::intake::{IntakeDecisionRequest, IntakeEntry};

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;
use crate::template_cache;

#[derive(Deserialize)]
struct ListQuery {
    org_unit: Option<String>,
    status: Option<String>,
}

/// `GET /api/ledger-intake[?org_unit=CODE][&status=pending|accepted|rejected]`:
/// the queued new records of the villages in `org_unit` (default: the
/// reader's town). Read-only.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<IntakeEntry>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let query = req.query::<ListQuery>().unwrap_or(ListQuery { org_unit: None, status: None });
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    let entries = list_intake(&principal, query.org_unit.as_deref(), query.status.as_deref(), schemas, &store).await?;
    Ok(Json(200, entries))
}

/// `POST /api/ledger-intake/{id}/decision` `{"decision", "reason"?, "data"?}`:
/// the entry as decided (200); see `decide_intake` for a retry and a crash.
pub async fn decide(mut req: Request, ctx: RouteContext<()>) -> Result<Json<IntakeEntry>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: IntakeDecisionRequest = read_json(&mut req).await?;
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    let now = Now::new(now_rfc3339());
    Ok(Json(200, decide_intake(&principal, &id, &request, &now, schemas, &store).await?))
}
