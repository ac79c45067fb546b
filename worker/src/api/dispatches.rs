//! Dispatching an approved template to villages (`POST /api/dispatches`),
//! the completion board (`GET /api/dispatches[/{id}]`), returning a
//! submission for correction (`POST /api/tasks/{id}/return`), and moving
//! open tasks to a newly approved version.
//!
//! Retries and crashes: a dispatch is one batch of `INSERT OR IGNORE`s
//! keyed by the client's dispatch id and the village (all tasks or none);
//! retrying it creates only what is missing. A return is one conditional
//! update (`status = 'submitted'`); repeating it answers with the task as
//! returned.

use std::collections::BTreeSet;

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::FieldError;
use ybt_core::access::{Action, Role};
use ybt_core::api::{Board, DispatchReceipt, DispatchRequest, DispatchSummary, ReturnRequest, TaskSummary};
use ybt_core::messages::Text;
use ybt_core::review::ReviewStatus;
use ybt_core::tasks::{TaskError, TaskStatus, is_valid_due_date};
use ybt_core::versioning::{diff, migrate_row, migration_plan};

use crate::api::reviews::{bad_id, is_client_id};
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::{NewTask, Store, TaskMove};
use crate::template_cache;

/// Most org units one dispatch may name (towns and villages of a district).
const MAX_TARGETS: usize = 400;

fn field_error(pointer: impl Into<String>, code: &str, message: Text) -> AppError {
    AppError::Validation(vec![FieldError { pointer: pointer.into(), code: code.to_owned(), message }])
}

/// Why a template id has no approved version to dispatch.
async fn not_dispatchable(store: &Store, template_id: &str) -> Result<AppError, AppError> {
    let requests = store.requests_of_template(template_id).await?;
    Ok(match requests.first().map(|r| (r.status(), r.reason.clone())) {
        Some((Ok(ReviewStatus::Rejected), reason)) => AppError::Conflict {
            code: "template_rejected",
            message: Text::new(
                format!("该报表未通过准入审核，不能下发（驳回理由：{}）", reason.as_deref().unwrap_or("无")),
                format!("this template was rejected in review and cannot be dispatched (reason: {})", reason.as_deref().unwrap_or("none")),
            ),
        },
        Some((Ok(ReviewStatus::Pending), _)) => AppError::Conflict {
            code: "template_pending",
            message: Text::new(
                "该报表正在准入审核中，批准后才能下发",
                "this template is still under review: it can be dispatched once approved",
            ),
        },
        _ => AppError::NotFound { what: "approved template", zh: "已准入的该报表" },
    })
}

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<DispatchReceipt>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: DispatchRequest = read_json(&mut req).await?;
    require(&principal, &Action::BeginDispatch)?;
    if !is_client_id(&body.dispatch_id) {
        return Err(bad_id("/dispatch_id"));
    }
    if !is_valid_due_date(&body.due_date) {
        return Err(field_error(
            "/due_date",
            "invalid_due_date",
            Text::new("截止日期须为有效日期（YYYY-MM-DD）", "the due date must be a real date (YYYY-MM-DD)"),
        ));
    }
    if body.org_units.is_empty() || body.org_units.len() > MAX_TARGETS {
        return Err(field_error(
            "/org_units",
            "no_targets",
            Text::new(format!("请选择 1–{MAX_TARGETS} 个乡镇或村"), format!("choose 1–{MAX_TARGETS} towns or villages")),
        ));
    }
    let Some(row) = store.template(&body.template_id, body.template_version).await? else {
        return Err(not_dispatchable(&store, &body.template_id).await?);
    };
    let template = template_cache::compiled(&row)?;
    let department = template.meta.department.clone();
    let mut villages = BTreeSet::new();
    for (i, code) in body.org_units.iter().enumerate() {
        let inside = store.villages_in(code).await?;
        if inside.is_empty() || !matches!(code.len(), 6 | 9 | 12) {
            return Err(field_error(
                format!("/org_units/{i}"),
                "unknown_org_unit",
                Text::new(format!("“{code}”不是本区的乡镇或村"), format!("{code:?} is not a town or village of the district")),
            ));
        }
        for village in inside {
            require(&principal, &Action::Dispatch { org_unit: &village.code, department: &department })?;
            villages.insert(village.code);
        }
    }
    // A dispatch id names one dispatch: reusing it for another template or
    // due date is refused rather than silently ignored.
    let existing = store.dispatches(&principal.org_unit, None, None, Some(&body.dispatch_id)).await?;
    if existing.iter().any(|d| d.template_id != row.id || d.template_version != row.version || d.due_date != body.due_date) {
        return Err(AppError::Conflict {
            code: "dispatch_id_reused",
            message: Text::new("该下发编号已用于另一次下发", "this dispatch_id was already used for another dispatch"),
        });
    }
    let tasks: Vec<NewTask<'_>> =
        villages.iter().map(|code| NewTask { id: format!("{}-{code}", body.dispatch_id), org_unit: code }).collect();
    let created = store
        .insert_tasks(&body.dispatch_id, &row.id, row.version, &body.due_date, &principal.display_name, &now_rfc3339(), &tasks)
        .await?;
    let receipt = DispatchReceipt {
        dispatch_id: body.dispatch_id,
        template_id: row.id.clone(),
        template_version: row.version,
        due_date: body.due_date,
        villages: villages.len(),
        created,
    };
    Ok(Json(if created > 0 { 201 } else { 200 }, receipt))
}

#[derive(Deserialize)]
struct ListQuery {
    template_id: Option<String>,
}

/// The department filter of a reader: an analyst sees its own department's
/// dispatches only.
fn department_filter(principal: &ybt_core::access::Principal) -> Option<&str> {
    (principal.role == Role::DepartmentAnalyst).then(|| principal.department.as_deref().unwrap_or_default())
}

/// `GET /api/dispatches[?template_id=…]`: dispatches reaching the reader's
/// area, with counts per status.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<DispatchSummary>>, AppError> {
    let query: ListQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let department = department_filter(&principal);
    require(&principal, &Action::ReadTasks { org_unit: &principal.org_unit, department: department.unwrap_or_default() })?;
    Ok(Json(200, store.dispatches(&principal.org_unit, query.template_id.as_deref(), department, None).await?))
}

/// `GET /api/dispatches/{id}`: the completion board of a dispatch.
pub async fn board(req: Request, ctx: RouteContext<()>) -> Result<Json<Board>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let dispatch = store
        .dispatches(&principal.org_unit, None, None, Some(&id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound { what: "dispatch", zh: "该下发任务" })?;
    require(&principal, &Action::ReadTasks { org_unit: &principal.org_unit, department: &dispatch.department })?;
    let tasks = store.dispatch_tasks(&id, &principal.org_unit).await?;
    Ok(Json(200, Board { dispatch, tasks }))
}

/// `POST /api/tasks/{id}/return`.
pub async fn return_task(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TaskSummary>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: ReturnRequest = read_json(&mut req).await?;
    let task = store.task(&id).await?.ok_or(AppError::NotFound { what: "task", zh: "该任务" })?;
    require(&principal, &Action::ReturnSubmission { org_unit: &task.org_unit, department: &task.department })?;
    let comment = body.comment.trim();
    // The same return again (a retry after a lost answer): the task as returned.
    if task.status == TaskStatus::Returned && task.return_comment.as_deref() == Some(comment) {
        return Ok(Json(200, task));
    }
    task.status.on_return(comment).map_err(task_error)?;
    if !store.return_task(&id, comment, &principal.display_name, &now_rfc3339()).await? {
        // Resubmitted or returned by someone else meanwhile.
        return Err(task_error(TaskError::NotSubmitted));
    }
    let task = store.task(&id).await?.ok_or_else(|| AppError::Internal(format!("task {id} vanished")))?;
    Ok(Json(200, task))
}

fn task_error(e: TaskError) -> AppError {
    match e {
        TaskError::NotSubmitted | TaskError::AlreadySubmitted => AppError::Conflict { code: e.code(), message: e.message() },
        TaskError::MissingComment | TaskError::CommentTooLong => field_error("/comment", e.code(), e.message()),
    }
}

/// After a new version is approved: every task of the template not yet
/// submitted moves to it, its draft migrated by core's versioning
/// (renames, lossless conversions, removed fields kept under `_archived`).
/// Submitted tasks keep their version, so their data stays readable as it
/// was submitted. If this fails half-way the approval stands and the tasks
/// left behind keep working on their old version (still a published one).
pub async fn migrate_open_tasks(store: &Store, template_id: &str, version: u32) -> Result<(), AppError> {
    let open = store.open_tasks_before(template_id, version).await?;
    if open.is_empty() {
        return Ok(());
    }
    let new_row = store.template(template_id, Some(version)).await?.ok_or_else(|| AppError::Internal("approved version missing".into()))?;
    let new = template_cache::compiled(&new_row)?;
    let mut moves = Vec::with_capacity(open.len());
    for task in open {
        let draft_rows = match &task.rows {
            Some(text) => {
                let old_row = store
                    .template(template_id, Some(task.template_version))
                    .await?
                    .ok_or_else(|| AppError::Internal("task names a missing version".into()))?;
                let old = template_cache::compiled(&old_row)?;
                let plan = migration_plan(&diff(&old, &new));
                let mut rows: Vec<ybt_core::api::SubmittedRow> = serde_json::from_str(text)?;
                for row in &mut rows {
                    migrate_row(&plan, &mut row.values);
                }
                Some(serde_json::to_string(&rows)?)
            }
            None => None,
        };
        moves.push(TaskMove { task_id: task.id, from_version: task.template_version, draft_revision: task.revision, draft_rows });
    }
    store.migrate_tasks(version, &moves, &now_rfc3339()).await
}
