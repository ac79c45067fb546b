//! Tasks (a template version dispatched to a village) and their drafts.
//! The status rules are `ybt_core::tasks`; this file only stores them.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::{Draft, SubmittedRow, TaskSummary};
use ybt_core::tasks::TaskStatus;

use super::{Store, prefix_end};
use crate::error::AppError;

/// Which tasks to list: those of `scope` and the units inside it, narrowed
/// by the optional filters.
#[derive(Debug, Default)]
pub struct TaskFilter<'a> {
    pub scope: &'a str,
    pub status: Option<TaskStatus>,
    pub template_id: Option<&'a str>,
    pub dispatch_id: Option<&'a str>,
    /// Only templates of this department (a department analyst's view).
    pub department: Option<&'a str>,
}

/// Most tasks one listing returns: a district has 267 villages, so a
/// dispatch to all of them fits with room to spare.
pub const MAX_TASKS: usize = 2_000;

const TASK_COLUMNS: &str = "t.id, t.dispatch_id, t.template_id, t.template_version, tp.title, tp.department, \
     t.org_unit, o.name AS org_unit_name, t.due_date, t.status, t.dispatched_at, t.opened_at, \
     t.submission_id, t.submitted_at, t.return_comment \
     FROM tasks t JOIN templates tp ON tp.id = t.template_id AND tp.version = t.template_version \
     JOIN org_units o ON o.code = t.org_unit";

#[derive(Deserialize)]
struct TaskRow {
    id: String,
    dispatch_id: String,
    template_id: String,
    template_version: u32,
    title: String,
    department: String,
    org_unit: String,
    org_unit_name: String,
    due_date: String,
    status: String,
    dispatched_at: String,
    opened_at: Option<String>,
    submission_id: Option<String>,
    submitted_at: Option<String>,
    return_comment: Option<String>,
}

impl TaskRow {
    fn into_summary(self) -> Result<TaskSummary, AppError> {
        let status =
            TaskStatus::parse(&self.status).ok_or_else(|| AppError::Internal(format!("task {} has status {}", self.id, self.status)))?;
        Ok(TaskSummary {
            id: self.id,
            dispatch_id: self.dispatch_id,
            template_id: self.template_id,
            template_version: self.template_version,
            title: self.title,
            department: self.department,
            org_unit: self.org_unit,
            org_unit_name: self.org_unit_name,
            due_date: self.due_date,
            status,
            dispatched_at: self.dispatched_at,
            opened_at: self.opened_at,
            submission_id: self.submission_id,
            submitted_at: self.submitted_at,
            return_comment: self.return_comment,
        })
    }
}

#[derive(Deserialize)]
struct DraftRow {
    task_id: String,
    revision: u32,
    rows: String,
    saved_at: String,
}

impl DraftRow {
    fn into_draft(self) -> Result<Draft, AppError> {
        Ok(Draft { rows: serde_json::from_str(&self.rows)?, task_id: self.task_id, revision: self.revision, saved_at: self.saved_at })
    }
}

impl Store {
    pub async fn tasks(&self, filter: &TaskFilter<'_>) -> Result<Vec<TaskSummary>, AppError> {
        let mut sql = format!("SELECT {TASK_COLUMNS} WHERE t.org_unit >= ?1 AND t.org_unit < ?2");
        let mut params: Vec<JsValue> = vec![filter.scope.into(), prefix_end(filter.scope).into()];
        let mut narrow = |column: &str, value: &str| {
            params.push(value.into());
            sql.push_str(&format!(" AND {column} = ?{}", params.len()));
        };
        if let Some(status) = filter.status {
            narrow("t.status", status.as_str());
        }
        if let Some(template) = filter.template_id {
            narrow("t.template_id", template);
        }
        if let Some(dispatch) = filter.dispatch_id {
            narrow("t.dispatch_id", dispatch);
        }
        if let Some(department) = filter.department {
            narrow("tp.department", department);
        }
        sql.push_str(&format!(" ORDER BY t.due_date, t.org_unit, t.id LIMIT {MAX_TASKS}"));
        let rows = self.db.prepare(sql).bind(&params)?.all().await?.results::<TaskRow>()?;
        rows.into_iter().map(TaskRow::into_summary).collect()
    }

    pub async fn task(&self, id: &str) -> Result<Option<TaskSummary>, AppError> {
        self.db
            .prepare(format!("SELECT {TASK_COLUMNS} WHERE t.id = ?1"))
            .bind(&[id.into()])?
            .first::<TaskRow>(None)
            .await?
            .map(TaskRow::into_summary)
            .transpose()
    }

    /// Marks the task opened: `not_opened` → `draft`, `opened_at` set the
    /// first time only. Repeating it changes nothing.
    pub async fn mark_opened(&self, id: &str, now: &str) -> Result<(), AppError> {
        self.db
            .prepare(
                "UPDATE tasks SET status = CASE status WHEN 'not_opened' THEN 'draft' ELSE status END, \
                 opened_at = COALESCE(opened_at, ?2) WHERE id = ?1",
            )
            .bind(&[id.into(), now.into()])?
            .run()
            .await?;
        Ok(())
    }

    pub async fn draft(&self, task_id: &str) -> Result<Option<Draft>, AppError> {
        self.db
            .prepare("SELECT task_id, revision, rows, saved_at FROM drafts WHERE task_id = ?1")
            .bind(&[task_id.into()])?
            .first::<DraftRow>(None)
            .await?
            .map(DraftRow::into_draft)
            .transpose()
    }

    /// Saves a draft over `base_revision` (0: the first save), and marks the
    /// task opened, in one batch.
    ///
    /// The write is conditional: on a revision that is no longer current, or
    /// once the task is submitted, it changes nothing and the caller gets
    /// the stored draft (409). A retried save of the same rows after a lost
    /// answer is refused as stale too, and the draft it carries is the one
    /// the retry had saved: nothing is lost either way.
    pub async fn save_draft(
        &self,
        task_id: &str,
        base_revision: u32,
        rows: &[SubmittedRow],
        now: &str,
        by: &str,
    ) -> Result<Draft, AppError> {
        let rows_json = serde_json::to_string(rows)?;
        let open_for_entry = "EXISTS (SELECT 1 FROM tasks WHERE id = ?1 AND status != 'submitted')";
        let write = if base_revision == 0 {
            self.db
                .prepare(format!(
                    "INSERT INTO drafts (task_id, revision, rows, saved_at, saved_by) \
                     SELECT ?1, 1, ?2, ?3, ?4 WHERE {open_for_entry} ON CONFLICT (task_id) DO NOTHING"
                ))
                .bind(&[task_id.into(), rows_json.into(), now.into(), by.into()])?
        } else {
            self.db
                .prepare(format!(
                    "UPDATE drafts SET revision = revision + 1, rows = ?2, saved_at = ?3, saved_by = ?4 \
                     WHERE task_id = ?1 AND revision = ?5 AND {open_for_entry}"
                ))
                .bind(&[task_id.into(), rows_json.into(), now.into(), by.into(), JsValue::from_f64(f64::from(base_revision))])?
        };
        let opened = self
            .db
            .prepare(
                "UPDATE tasks SET status = CASE status WHEN 'not_opened' THEN 'draft' ELSE status END, \
                 opened_at = COALESCE(opened_at, ?2) WHERE id = ?1",
            )
            .bind(&[task_id.into(), now.into()])?;
        let results = self.db.batch(vec![write, opened]).await?;
        let saved = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) > 0;
        let current = self.draft(task_id).await?;
        match current {
            Some(draft) if saved => Ok(draft),
            current => Err(AppError::StaleDraft { current: current.map(Box::new) }),
        }
    }
}
