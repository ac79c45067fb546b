//! The village inbox: tasks, opening a task's form, and its draft.
//!
//! Opening a task generates its form from the ledger now (the same code as
//! `POST /api/forms`) and marks it opened; drafts are saved conditionally
//! on the revision the client last saw (`ybt_core::service::tasks`).

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::{Draft, SaveDraftRequest, TaskForm, TaskSummary};
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::forms::open_task_form;
use ybt_core::service::tasks::{self, TaskQuery};

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, Reply, clock_ms, now_rfc3339, read_json};
use crate::store::Store;

#[derive(Deserialize)]
struct ListQuery {
    org_unit: Option<String>,
    status: Option<String>,
    template_id: Option<String>,
    dispatch_id: Option<String>,
}

/// `GET /api/tasks`: the tasks of the reader's area (or of `org_unit`
/// inside it); a department analyst sees its department's only.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TaskSummary>>, AppError> {
    let query: ListQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let query =
        TaskQuery { org_unit: query.org_unit, status: query.status, template_id: query.template_id, dispatch_id: query.dispatch_id };
    Ok(Json(200, tasks::list_tasks(&principal, &query, &store).await?))
}

/// `POST /api/tasks/{id}/form`: the task's form, generated now, and its
/// draft. Marks the task opened (repeating that changes nothing).
pub async fn form(req: Request, ctx: RouteContext<()>) -> Result<Reply<TaskForm>, AppError> {
    let started = clock_ms();
    let gzip = crate::http::accepts_gzip(&req);
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (form, timing) = open_task_form(&principal, &id, &Now::new(now_rfc3339()), &store, &clock_ms).await?;
    let total = clock_ms() - started;
    Ok(Reply::from(Json(200, form)).header("Server-Timing", format!("{}, handler;dur={total:.1}", timing.spans())).gzip_if(gzip))
}

/// `GET /api/tasks/{id}/draft`: the saved draft, or `null`.
pub async fn get_draft(req: Request, ctx: RouteContext<()>) -> Result<Json<Option<Draft>>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, tasks::get_draft(&principal, &id, &store).await?))
}

/// `PUT /api/tasks/{id}/draft`: saves the rows over `base_revision`; a
/// stale save is refused (409) with the stored draft.
pub async fn put_draft(mut req: Request, ctx: RouteContext<()>) -> Result<Json<Draft>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: SaveDraftRequest = read_json(&mut req).await?;
    Ok(Json(200, tasks::save_draft(&principal, &id, &body, &Now::new(now_rfc3339()), &store).await?))
}
