//! Dispatching an approved template to villages (`POST /api/dispatches`),
//! the completion board (`GET /api/dispatches[/{id}]`) and returning a
//! submission for correction (`POST /api/tasks/{id}/return`): each parses,
//! authenticates and calls its use case in `ybt_core::service`.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::{Board, DispatchReceipt, DispatchRequest, DispatchSummary, ReturnRequest, TaskSummary};
use ybt_core::messages::Text;
use ybt_core::service::{Now, dispatch, tasks};

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;

/// 201 when tasks were created, 200 for a retry that found them all.
pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<DispatchReceipt>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: DispatchRequest = read_json(&mut req).await?;
    let receipt = dispatch::dispatch(&principal, &body, &Now::new(now_rfc3339()), &store).await?;
    Ok(Json(if receipt.created > 0 { 201 } else { 200 }, receipt))
}

#[derive(Deserialize)]
struct ListQuery {
    template_id: Option<String>,
}

/// `GET /api/dispatches[?template_id=…]`: dispatches reaching the reader's
/// area, with counts per status.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<DispatchSummary>>, AppError> {
    let query: ListQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, dispatch::list_dispatches(&principal, query.template_id.as_deref(), &store).await?))
}

/// `GET /api/dispatches/{id}`: the completion board of a dispatch.
pub async fn board(req: Request, ctx: RouteContext<()>) -> Result<Json<Board>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, dispatch::board(&principal, &id, &store).await?))
}

/// `POST /api/tasks/{id}/return`.
pub async fn return_task(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TaskSummary>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: ReturnRequest = read_json(&mut req).await?;
    Ok(Json(200, tasks::return_submission(&principal, &id, &body.comment, &Now::new(now_rfc3339()), &store).await?))
}
