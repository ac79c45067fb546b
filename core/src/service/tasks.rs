//! The village inbox's use cases: listing tasks, reading and saving a
//! task's draft, returning a submitted task for correction, and moving open
//! tasks to a newly approved template version; with [`TaskStore`], their
//! storage port.

use crate::access::{Action, Principal, Role};
use crate::api::{Draft, SaveDraftRequest, SubmittedRow, TaskSummary};
use crate::messages::Text;
use crate::service::require;
use crate::tasks::{TaskError, TaskStatus};
use crate::versioning::{diff, migrate_row, migration_plan};

use super::{Directory, Now, ServiceError};

/// Which tasks to list: those of `scope` and the units inside it, narrowed
/// by the optional filters.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaskFilter<'a> {
    pub scope: &'a str,
    pub status: Option<TaskStatus>,
    pub template_id: Option<&'a str>,
    pub dispatch_id: Option<&'a str>,
    /// Only templates of this department (a department analyst's view).
    pub department: Option<&'a str>,
}

/// A draft save: the rows over the revision the client last saw.
#[derive(Debug, Clone, Copy)]
pub struct DraftWrite<'a> {
    pub task_id: &'a str,
    /// 0: the first save.
    pub base_revision: u32,
    pub rows: &'a [SubmittedRow],
    pub saved_at: &'a str,
    pub saved_by: &'a str,
}

/// What a conditional draft save did, and the draft as stored after it.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftSaved {
    /// Whether this save changed the draft (false: stale base revision, or
    /// the task is submitted).
    pub saved: bool,
    pub current: Option<Draft>,
}

/// A return of a submitted task, as stored.
#[derive(Debug, Clone, Copy)]
pub struct TaskReturn<'a> {
    pub task_id: &'a str,
    pub comment: &'a str,
    pub returned_by: &'a str,
    pub returned_at: &'a str,
}

/// An open task on an older template version, and its draft.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenTask {
    pub id: String,
    pub template_version: u32,
    pub revision: Option<u32>,
    pub rows: Option<Vec<SubmittedRow>>,
}

/// A task to move to a new version, with its migrated draft rows.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMove {
    pub task_id: String,
    pub from_version: u32,
    pub draft_revision: Option<u32>,
    pub draft_rows: Option<Vec<SubmittedRow>>,
}

/// The tasks of a template still open on older versions, and moving them
/// to a new one: what an approval (报表准入) moves, and what the review card
/// counts as its consequence.
#[allow(async_fn_in_trait)]
pub trait OpenTasks {
    /// Tasks of a template not yet submitted on a version older than
    /// `version`, with their drafts.
    async fn open_tasks_before(&self, template_id: &str, version: u32) -> Result<Vec<OpenTask>, ServiceError>;
    /// Moves tasks to `version` with their migrated drafts; every move is
    /// conditional on what was read, so a task submitted or a draft saved
    /// meanwhile is left alone.
    async fn move_tasks(&self, version: u32, moves: &[TaskMove], at: &str) -> Result<(), ServiceError>;
}

/// The storage of tasks and their drafts.
#[allow(async_fn_in_trait)]
pub trait TaskStore: OpenTasks {
    async fn task(&self, id: &str) -> Result<Option<TaskSummary>, ServiceError>;
    /// At most `MAX_TASKS` tasks, by due date, org unit and id.
    async fn tasks(&self, filter: &TaskFilter<'_>) -> Result<Vec<TaskSummary>, ServiceError>;
    async fn draft(&self, task_id: &str) -> Result<Option<Draft>, ServiceError>;
    /// Marks the task opened: `not_opened` → `draft`, `opened_at` set the
    /// first time only. Repeating it changes nothing.
    async fn mark_opened(&self, task_id: &str, at: &str) -> Result<(), ServiceError>;
    /// Saves the draft over `base_revision` and marks the task opened, both
    /// or neither; conditional on the revision being current and the task
    /// open for entry. Answers the draft as stored afterwards.
    async fn save_draft(&self, write: &DraftWrite<'_>) -> Result<DraftSaved, ServiceError>;
    /// Returns the task if it is `submitted` (one conditional update);
    /// whether it did.
    async fn return_task(&self, write: &TaskReturn<'_>) -> Result<bool, ServiceError>;
}

/// The department whose templates' tasks (and dispatches) the reader is
/// limited to: a department analyst's own.
pub fn department_of(principal: &Principal) -> Option<&str> {
    (principal.role == Role::DepartmentAnalyst).then(|| principal.department.as_deref().unwrap_or_default())
}

/// The task `id`, or 404.
pub(crate) async fn task_or_404(store: &impl TaskStore, id: &str) -> Result<TaskSummary, ServiceError> {
    store.task(id).await?.ok_or(ServiceError::NotFound { what: "task", zh: "该任务" })
}

/// `GET /api/tasks`'s query.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaskQuery {
    pub org_unit: Option<String>,
    pub status: Option<String>,
    pub template_id: Option<String>,
    pub dispatch_id: Option<String>,
}

/// The tasks of the reader's area (or of `org_unit` inside it); a
/// department analyst sees its department's only.
pub async fn list_tasks(principal: &Principal, query: &TaskQuery, store: &impl TaskStore) -> Result<Vec<TaskSummary>, ServiceError> {
    let scope = query.org_unit.as_deref().unwrap_or(&principal.org_unit);
    let department = department_of(principal);
    require(principal, &Action::ReadTasks { org_unit: scope, department: department.unwrap_or_default() })?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(TaskStatus::parse(s).ok_or_else(|| ServiceError::BadRequest {
            code: "bad_status",
            message: Text::new(
                "status 只能是 not_opened、draft、submitted 或 returned",
                "status must be not_opened, draft, submitted or returned",
            ),
        })?),
    };
    let filter =
        TaskFilter { scope, status, template_id: query.template_id.as_deref(), dispatch_id: query.dispatch_id.as_deref(), department };
    store.tasks(&filter).await
}

/// The saved draft of task `id`, or `None`.
pub async fn get_draft(principal: &Principal, id: &str, store: &impl TaskStore) -> Result<Option<Draft>, ServiceError> {
    let task = task_or_404(store, id).await?;
    require(principal, &Action::GenerateForm { org_unit: &task.org_unit })?;
    store.draft(id).await
}

/// Saves the rows of task `id` over `base_revision`.
///
/// Refused when the task is submitted (409), over [`MAX_ROWS`] rows, or
/// stale: a save over a revision no longer current changes nothing and
/// answers [`ServiceError::StaleDraft`] with the stored draft. A retried
/// save after a lost answer is refused as stale too, carrying the draft the
/// first attempt saved: nothing is lost either way. A crash stores the save
/// whole or not at all (one batch).
///
/// [`MAX_ROWS`]: crate::submission::MAX_ROWS
pub async fn save_draft(
    principal: &Principal,
    id: &str,
    request: &SaveDraftRequest,
    now: &Now,
    store: &impl TaskStore,
) -> Result<Draft, ServiceError> {
    let task = task_or_404(store, id).await?;
    require(principal, &Action::Submit { org_unit: &task.org_unit })?;
    if !task.status.is_open_for_entry() {
        return Err(TaskError::AlreadySubmitted.into());
    }
    let max = crate::submission::MAX_ROWS;
    if request.rows.len() > max {
        return Err(ServiceError::BadRequest {
            code: "too_many_rows",
            message: Text::new(format!("行数超过上限 {max}"), format!("more than {max} rows")),
        });
    }
    let write = DraftWrite {
        task_id: id,
        base_revision: request.base_revision,
        rows: &request.rows,
        saved_at: &now.instant,
        saved_by: &principal.username,
    };
    match store.save_draft(&write).await? {
        DraftSaved { saved: true, current: Some(draft) } => Ok(draft),
        DraftSaved { current, .. } => Err(ServiceError::StaleDraft { current: current.map(Box::new) }),
    }
}

/// Returns the submitted task `id` for correction with `comment`.
///
/// The same return again (a retry after a lost answer) answers with the
/// task as returned. Of two concurrent returns, or a return racing a
/// resubmission, the store's conditional update lets exactly one apply: the
/// loser gets 409 `task_not_submitted`.
pub async fn return_submission(
    principal: &Principal,
    id: &str,
    comment: &str,
    now: &Now,
    store: &impl TaskStore,
) -> Result<TaskSummary, ServiceError> {
    let task = task_or_404(store, id).await?;
    require(principal, &Action::ReturnSubmission { org_unit: &task.org_unit, department: &task.department })?;
    let comment = comment.trim();
    if task.status == TaskStatus::Returned && task.return_comment.as_deref() == Some(comment) {
        return Ok(task);
    }
    task.status.on_return(comment).map_err(task_error)?;
    let write = TaskReturn { task_id: id, comment, returned_by: &principal.display_name, returned_at: &now.instant };
    if !store.return_task(&write).await? {
        // Resubmitted or returned by someone else meanwhile.
        return Err(task_error(TaskError::NotSubmitted));
    }
    store.task(id).await?.ok_or_else(|| ServiceError::Storage(format!("task {id} vanished")))
}

/// A task rule's refusal: a state conflict (409), or a field of the
/// request (422 on `/comment`).
fn task_error(e: TaskError) -> ServiceError {
    match e {
        TaskError::NotSubmitted | TaskError::AlreadySubmitted => e.into(),
        TaskError::MissingComment | TaskError::CommentTooLong => ServiceError::field("/comment", e.code(), e.message()),
    }
}

/// After a new version of `template_id` is approved: every task of it not
/// yet submitted moves to `version`, its draft migrated by core's
/// versioning (renames, lossless conversions, removed fields kept under
/// `_archived`). Submitted tasks keep their version, so their data stays
/// readable as it was submitted. If this fails half-way the approval stands
/// and the tasks left behind keep working on their old (still published)
/// version; running it again moves only what is left.
pub async fn migrate_open_tasks<S: Directory + OpenTasks>(
    store: &S,
    template_id: &str,
    version: u32,
    now: &Now,
) -> Result<(), ServiceError> {
    let open = store.open_tasks_before(template_id, version).await?;
    if open.is_empty() {
        return Ok(());
    }
    let new = store.template(template_id, Some(version)).await?.ok_or_else(|| ServiceError::Storage("approved version missing".into()))?;
    let mut moves = Vec::with_capacity(open.len());
    for task in open {
        let draft_rows = match task.rows {
            Some(mut rows) => {
                let old = store
                    .template(template_id, Some(task.template_version))
                    .await?
                    .ok_or_else(|| ServiceError::Storage("task names a missing version".into()))?;
                let plan = migration_plan(&diff(&old, &new));
                for row in &mut rows {
                    migrate_row(&plan, &mut row.values);
                }
                Some(rows)
            }
            None => None,
        };
        moves.push(TaskMove { task_id: task.id, from_version: task.template_version, draft_revision: task.revision, draft_rows });
    }
    store.move_tasks(version, &moves, &now.instant).await
}
