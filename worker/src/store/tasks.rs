//! Tasks (a template version dispatched to a village) and their drafts.
//! The status rules are `ybt_core::tasks`; this file only stores them.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::{Draft, TaskSummary};
use ybt_core::service::ServiceError;
use ybt_core::service::tasks::{DraftSaved, DraftWrite, OpenTask, OpenTasks, TaskFilter, TaskMove, TaskReturn, TaskStore};
use ybt_core::tasks::TaskStatus;

use super::{Store, num, prefix_end};
use crate::error::Storage;

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
    fn into_summary(self) -> Result<TaskSummary, ServiceError> {
        let status =
            TaskStatus::parse(&self.status).ok_or_else(|| ServiceError::Storage(format!("task {} has status {}", self.id, self.status)))?;
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
    fn into_draft(self) -> Result<Draft, ServiceError> {
        Ok(Draft {
            rows: serde_json::from_str(&self.rows).storage()?,
            task_id: self.task_id,
            revision: self.revision,
            saved_at: self.saved_at,
        })
    }
}

impl Store {
    pub async fn tasks(&self, filter: &TaskFilter<'_>) -> Result<Vec<TaskSummary>, ServiceError> {
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
        let rows = self.db()?.prepare(sql).bind(&params).storage()?.all().await.storage()?.results::<TaskRow>().storage()?;
        rows.into_iter().map(TaskRow::into_summary).collect()
    }

    pub async fn task(&self, id: &str) -> Result<Option<TaskSummary>, ServiceError> {
        self.db()?
            .prepare(format!("SELECT {TASK_COLUMNS} WHERE t.id = ?1"))
            .bind(&[id.into()])
            .storage()?
            .first::<TaskRow>(None)
            .await
            .storage()?
            .map(TaskRow::into_summary)
            .transpose()
    }

    pub async fn draft(&self, task_id: &str) -> Result<Option<Draft>, ServiceError> {
        self.db()?
            .prepare("SELECT task_id, revision, rows, saved_at FROM drafts WHERE task_id = ?1")
            .bind(&[task_id.into()])
            .storage()?
            .first::<DraftRow>(None)
            .await
            .storage()?
            .map(DraftRow::into_draft)
            .transpose()
    }

    /// Tasks of a template still open for entry (not submitted) on a
    /// version older than `version`, with their drafts.
    pub async fn open_tasks_before(&self, template_id: &str, version: u32) -> Result<Vec<OpenTask>, ServiceError> {
        #[derive(Deserialize)]
        struct OpenTaskRow {
            id: String,
            template_version: u32,
            revision: Option<u32>,
            rows: Option<String>,
        }
        let rows = self
            .db()?
            .prepare(
                "SELECT k.id, k.template_version, d.revision, d.rows FROM tasks k LEFT JOIN drafts d ON d.task_id = k.id \
                 WHERE k.template_id = ?1 AND k.template_version < ?2 AND k.status != 'submitted'",
            )
            .bind(&[template_id.into(), num(version)])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<OpenTaskRow>()
            .storage()?;
        rows.into_iter()
            .map(|r| {
                let rows = r.rows.as_deref().map(serde_json::from_str).transpose().storage()?;
                Ok(OpenTask { id: r.id, template_version: r.template_version, revision: r.revision, rows })
            })
            .collect()
    }
}

/// Tasks moved to a new template version per D1 batch.
const MIGRATE_PER_BATCH: usize = 500;

/// Marks the task opened: `not_opened` → `draft`, `opened_at` set the first
/// time only.
const MARK_OPENED: &str = "UPDATE tasks SET status = CASE status WHEN 'not_opened' THEN 'draft' ELSE status END, \
     opened_at = COALESCE(opened_at, ?2) WHERE id = ?1";

impl OpenTasks for Store {
    async fn open_tasks_before(&self, template_id: &str, version: u32) -> Result<Vec<OpenTask>, ServiceError> {
        Store::open_tasks_before(self, template_id, version).await
    }

    /// In batches of [`MIGRATE_PER_BATCH`] tasks. Every statement is
    /// conditional on what was read (the task still open on its old
    /// version, the draft still at its revision), so running it again after
    /// a crash moves only what is left.
    async fn move_tasks(&self, version: u32, moves: &[TaskMove], at: &str) -> Result<(), ServiceError> {
        for chunk in moves.chunks(MIGRATE_PER_BATCH) {
            let mut statements = Vec::with_capacity(chunk.len() * 2);
            for m in chunk {
                if let (Some(revision), Some(rows)) = (m.draft_revision, &m.draft_rows) {
                    let rows = serde_json::to_string(rows).storage()?;
                    statements.push(
                        self.db()?
                            .prepare(
                                "UPDATE drafts SET rows = ?3, revision = revision + 1, saved_at = ?4, saved_by = 'migration' \
                                 WHERE task_id = ?1 AND revision = ?2 \
                                 AND EXISTS (SELECT 1 FROM tasks WHERE id = ?1 AND template_version = ?5 AND status != 'submitted')",
                            )
                            .bind(&[m.task_id.as_str().into(), num(revision), rows.into(), at.into(), num(m.from_version)])
                            .storage()?,
                    );
                }
                statements.push(
                    self.db()?
                        .prepare("UPDATE tasks SET template_version = ?2 WHERE id = ?1 AND template_version = ?3 AND status != 'submitted'")
                        .bind(&[m.task_id.as_str().into(), num(version), num(m.from_version)])
                        .storage()?,
                );
            }
            self.db()?.batch(statements).await.storage()?;
        }
        Ok(())
    }
}

impl TaskStore for Store {
    async fn task(&self, id: &str) -> Result<Option<TaskSummary>, ServiceError> {
        Store::task(self, id).await
    }

    async fn tasks(&self, filter: &TaskFilter<'_>) -> Result<Vec<TaskSummary>, ServiceError> {
        Store::tasks(self, filter).await
    }

    async fn draft(&self, task_id: &str) -> Result<Option<Draft>, ServiceError> {
        Store::draft(self, task_id).await
    }

    async fn mark_opened(&self, task_id: &str, at: &str) -> Result<(), ServiceError> {
        self.db()?.prepare(MARK_OPENED).bind(&[task_id.into(), at.into()]).storage()?.run().await.storage()?;
        Ok(())
    }

    /// One batch: the conditional draft write and the task marked opened.
    /// A stale revision or a submitted task changes nothing.
    async fn save_draft(&self, write: &DraftWrite<'_>) -> Result<DraftSaved, ServiceError> {
        let rows_json = serde_json::to_string(write.rows).storage()?;
        let open_for_entry = "EXISTS (SELECT 1 FROM tasks WHERE id = ?1 AND status != 'submitted')";
        let (task_id, now, by) = (write.task_id, write.saved_at, write.saved_by);
        let statement = if write.base_revision == 0 {
            self.db()?
                .prepare(format!(
                    "INSERT INTO drafts (task_id, revision, rows, saved_at, saved_by) \
                     SELECT ?1, 1, ?2, ?3, ?4 WHERE {open_for_entry} ON CONFLICT (task_id) DO NOTHING"
                ))
                .bind(&[task_id.into(), rows_json.into(), now.into(), by.into()])
        } else {
            self.db()?
                .prepare(format!(
                    "UPDATE drafts SET revision = revision + 1, rows = ?2, saved_at = ?3, saved_by = ?4 \
                     WHERE task_id = ?1 AND revision = ?5 AND {open_for_entry}"
                ))
                .bind(&[task_id.into(), rows_json.into(), now.into(), by.into(), num(write.base_revision)])
        };
        let opened = self.db()?.prepare(MARK_OPENED).bind(&[task_id.into(), now.into()]).storage()?;
        let results = self.db()?.batch(vec![statement.storage()?, opened]).await.storage()?;
        let saved = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) > 0;
        Ok(DraftSaved { saved, current: Store::draft(self, task_id).await? })
    }

    /// One conditional update (`status = 'submitted'`): of two concurrent
    /// returns, or a return racing a resubmission, exactly one applies.
    async fn return_task(&self, write: &TaskReturn<'_>) -> Result<bool, ServiceError> {
        let result = self
            .db()?
            .prepare(
                "UPDATE tasks SET status = 'returned', return_comment = ?2, returned_by = ?3, returned_at = ?4 \
                 WHERE id = ?1 AND status = 'submitted'",
            )
            .bind(&[write.task_id.into(), write.comment.into(), write.returned_by.into(), write.returned_at.into()])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }
}
