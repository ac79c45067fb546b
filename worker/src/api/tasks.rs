//! The village inbox: tasks, opening a task's form, and its draft.
//!
//! Opening a task generates its form from the ledger now (the same code as
//! `POST /api/forms`) and marks it opened; drafts are saved conditionally
//! on the revision the client last saw (`ybt_core::service::tasks`).

use futures_util::future::try_join;
use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::Action;
use ybt_core::api::{Draft, SaveDraftRequest, TaskForm, TaskSummary};
use ybt_core::messages::Text;
use ybt_core::service::tasks::{self, TaskQuery, TaskStore};
use ybt_core::service::{Now, ServiceError};
use ybt_core::tasks::TaskStatus;

use crate::api::forms;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, Reply, now_rfc3339, read_json};
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

async fn task(store: &Store, id: &str) -> Result<TaskSummary, AppError> {
    Ok(store.task(id).await?.ok_or(ServiceError::NotFound { what: "task", zh: "该任务" })?)
}

/// `POST /api/tasks/{id}/form`: the task's form, generated now, and its
/// draft. Marks the task opened (repeating that changes nothing).
pub async fn form(req: Request, ctx: RouteContext<()>) -> Result<Reply<TaskForm>, AppError> {
    let started = crate::http::clock_ms();
    let gzip = crate::http::accepts_gzip(&req);
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let mut task = task(&store, &id).await?;
    require(&principal, &Action::GenerateForm { org_unit: &task.org_unit })?;
    let (row, unit) = try_join(
        async { Ok::<_, AppError>(store.template(&task.template_id, Some(task.template_version)).await?) },
        forms::org_unit(&store, &task.org_unit),
    )
    .await?;
    let row = row.ok_or_else(|| AppError::Internal(format!("task {id} names a missing template")))?;
    // The form and the draft are independent reads: await them together.
    let ((form, timing), draft) =
        try_join(forms::form_for(&store, &principal, &row, &unit), async { Ok::<_, AppError>(store.draft(&task.id).await?) }).await?;
    if task.status == TaskStatus::NotOpened || task.opened_at.is_none() {
        let now = now_rfc3339();
        TaskStore::mark_opened(&store, &task.id, &now).await?;
        task.status = task.status.on_open();
        task.opened_at.get_or_insert(now);
    }
    let draft = match draft {
        Some(draft) => Some(draft),
        None if task.status == TaskStatus::Returned => returned_rows(&store, &task).await?,
        None => None,
    };
    let total = crate::http::clock_ms() - started;
    Ok(Reply::from(Json(200, TaskForm { task, form, draft }))
        .header("Server-Timing", format!("{timing}, handler;dur={total:.1}"))
        .gzip_if(gzip))
}

/// For a returned task: the rows it was returned with, as a draft to start
/// from (revision 0: nothing saved on the server yet).
async fn returned_rows(store: &Store, task: &TaskSummary) -> Result<Option<Draft>, AppError> {
    let Some(id) = &task.submission_id else { return Ok(None) };
    Ok(store.submission(id).await?.map(|s| Draft { task_id: task.id.clone(), revision: 0, rows: s.rows, saved_at: s.receipt.submitted_at }))
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
