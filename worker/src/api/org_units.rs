//! `GET /api/org-units[?parent=CODE]`: browse the org hierarchy;
//! `GET /api/org-units/search?q=NAME[&level=village]`: find units by name.
//! Use cases: `ybt_core::service::org_units`.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::{OrgUnitHit, OrgUnitList};
use ybt_core::messages::Text;
use ybt_core::service::org_units;

use crate::auth;
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;

#[derive(Deserialize)]
struct Query {
    parent: Option<String>,
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<OrgUnitList>, AppError> {
    let query: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, org_units::browse(&principal, query.parent.as_deref(), &store).await?))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    level: Option<String>,
}

/// Units whose name contains `q` (1–20 characters), at most 20.
pub async fn search(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<OrgUnitHit>>, AppError> {
    let query: SearchQuery =
        req.query().map_err(|_| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", "invalid query") })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, org_units::search(&principal, query.q.as_deref(), query.level.as_deref(), &store).await?))
}
