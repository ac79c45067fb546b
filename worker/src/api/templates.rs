//! `GET /api/templates`: the newest version of every published template,
//! the most recently published first;
//! `GET /api/templates/fields`: their new fields, for the authoring page's
//! duplicate check (issue 17). Use cases: `ybt_core::service::templates`.

use worker::{Request, RouteContext};
use ybt_core::api::TemplateSummary;
use ybt_core::review::LiveTemplate;
use ybt_core::service::templates;

use crate::auth;
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TemplateSummary>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, templates::list_templates(&principal, &store).await?))
}

pub async fn live_fields(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<LiveTemplate>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, templates::live_fields(&principal, &store).await?))
}
