//! `GET /api/org-units[?parent=CODE]`: browse the org hierarchy;
//! `GET /api/org-units/search?q=NAME[&level=village]`: find units by name.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::Action;
use ybt_core::api::OrgUnitList;

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;

#[derive(Deserialize)]
struct Query {
    parent: Option<String>,
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<OrgUnitList>, AppError> {
    let query: Query = req.query().map_err(|e| AppError::BadRequest {
        code: "bad_query",
        message: ybt_core::messages::Text::new("查询参数无效", format!("invalid query: {e}")),
    })?;
    let store = Store::from_env(&ctx.env)?;
    require(&auth::principal(&req, &ctx.env, &store).await?, &Action::ReadReferenceData)?;
    let parent = match &query.parent {
        Some(code) => Some(store.org_unit(code).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?),
        None => None,
    };
    let children = store.org_unit_children(query.parent.as_deref()).await?;
    Ok(Json(200, OrgUnitList { parent, children }))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    level: Option<String>,
}

/// Units whose name contains `q` (1–20 characters), at most 20.
pub async fn search(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<ybt_core::api::OrgUnitHit>>, AppError> {
    let bad = |zh: &str, en: &str| AppError::BadRequest { code: "bad_query", message: ybt_core::messages::Text::new(zh, en) };
    let query: SearchQuery = req.query().map_err(|_| bad("查询参数无效", "invalid query"))?;
    let store = Store::from_env(&ctx.env)?;
    require(&auth::principal(&req, &ctx.env, &store).await?, &Action::ReadReferenceData)?;
    let text = query.q.as_deref().map(str::trim).unwrap_or_default();
    if text.is_empty() || text.chars().count() > 20 {
        return Err(bad("请输入 1–20 个字的单位名称", "type 1–20 characters of a unit's name"));
    }
    let level = query.level.as_deref().filter(|l| !l.is_empty());
    if level.is_some_and(|l| !matches!(l, "district" | "town" | "village")) {
        return Err(bad("级别须为 district、town 或 village", "level: district, town or village"));
    }
    Ok(Json(200, store.search_org_units(text, level).await?))
}
