//! `GET /api/org-units[?parent=CODE]`: browse the org hierarchy.

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
