//! 报表准入 over HTTP: `POST /api/template-requests` (file),
//! `GET /api/template-requests[?status=…]`, `GET …/{id}` and
//! `POST …/{id}/decision`. The rules — who files and reviews, the version
//! and pending checks, retries, moving open tasks on approval — are the
//! use cases in `ybt_core::service::reviews`.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::{DecisionRequest, PublishRequest, TemplateRequest};
use ybt_core::messages::Text;
use ybt_core::service::{Now, reviews};

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;
use crate::template_cache;

/// `POST /api/template-requests`: 201 when filed, 200 for a retry.
pub async fn publish(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TemplateRequest>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: PublishRequest = read_json(&mut req).await?;
    let filed = reviews::file_template(&principal, body, &*template_cache::catalog()?, &Now::new(now_rfc3339()), &store).await?;
    Ok(Json(if filed.created { 201 } else { 200 }, filed.request))
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

/// `GET /api/template-requests[?status=pending]`: an analyst sees its
/// department's requests, a centre every request of its district.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TemplateRequest>>, AppError> {
    let query: ListQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let status = reviews::status_filter(query.status.as_deref())?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, reviews::list_reviews(&principal, status, &*template_cache::catalog()?, &store).await?))
}

pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<TemplateRequest>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, reviews::get_review(&principal, &id, &*template_cache::catalog()?, &store).await?))
}

/// `POST /api/template-requests/{id}/decision`.
pub async fn decide(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TemplateRequest>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: DecisionRequest = read_json(&mut req).await?;
    let now = Now::new(now_rfc3339());
    Ok(Json(200, reviews::decide_review(&principal, &id, &body, &*template_cache::catalog()?, &now, &store).await?))
}
