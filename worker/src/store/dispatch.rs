//! Dispatches (one task per village per click), completion boards,
//! returning submissions, and the rows a summary is made of.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::{DispatchSummary, StatusCounts, TaskSummary};
use ybt_core::ledger::OrgUnit;
use ybt_core::tasks::TaskStatus;

use super::{OrgUnitRow, Store, TaskFilter, prefix_end};
use crate::error::AppError;

fn num(n: u32) -> JsValue {
    JsValue::from_f64(f64::from(n))
}

/// The exclusive upper bound of the codes starting with `prefix`.
/// One task to create.
pub struct NewTask<'a> {
    pub id: String,
    pub org_unit: &'a str,
}

#[derive(Deserialize)]
struct DispatchCountRow {
    dispatch_id: String,
    template_id: String,
    template_version: u32,
    title: String,
    department: String,
    due_date: String,
    dispatched_at: String,
    dispatched_by: String,
    status: String,
    n: usize,
}

/// A published template version with its publication time.
#[derive(Deserialize)]
pub struct PublishedRow {
    pub id: String,
    pub version: u32,
    pub document: String,
    pub published_at: String,
}

impl PublishedRow {
    pub fn template_row(&self) -> super::TemplateRow {
        super::TemplateRow { id: self.id.clone(), version: self.version, document: self.document.clone() }
    }
}

/// A submission a summary counts: the newest of its village.
#[derive(Deserialize)]
pub struct SummarySubmission {
    pub id: String,
    pub template_version: u32,
    pub org_unit: String,
    pub village: String,
    pub town_code: String,
    pub town: String,
    pub rows: String,
}

impl Store {
    /// Every village inside `code` (a district, town or village), by code.
    pub async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, AppError> {
        self.db
            .prepare(
                "SELECT code, name, level, parent_code FROM org_units WHERE level = 'village' AND code >= ?1 AND code < ?2 ORDER BY code",
            )
            .bind(&[code.into(), prefix_end(code).into()])?
            .all()
            .await?
            .results::<OrgUnitRow>()?
            .into_iter()
            .map(OrgUnitRow::into_unit)
            .collect()
    }

    /// Creates the tasks of a dispatch in one batch (one transaction):
    /// all or none. Each is `INSERT OR IGNORE` under `UNIQUE (dispatch_id,
    /// org_unit)` and a task id derived from both, so a retried dispatch
    /// (same client-chosen id) creates only what is missing — after a crash
    /// nothing, after success nothing again. Returns how many were created.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_tasks(
        &self,
        dispatch_id: &str,
        template_id: &str,
        version: u32,
        due_date: &str,
        dispatched_by: &str,
        dispatched_at: &str,
        tasks: &[NewTask<'_>],
    ) -> Result<usize, AppError> {
        if tasks.is_empty() {
            return Ok(0);
        }
        let mut statements = Vec::with_capacity(tasks.len());
        for task in tasks {
            statements.push(
                self.db
                    .prepare(
                        "INSERT OR IGNORE INTO tasks (id, dispatch_id, template_id, template_version, org_unit, due_date, \
                         dispatched_by, dispatched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )
                    .bind(&[
                        task.id.as_str().into(),
                        dispatch_id.into(),
                        template_id.into(),
                        num(version),
                        task.org_unit.into(),
                        due_date.into(),
                        dispatched_by.into(),
                        dispatched_at.into(),
                    ])?,
            );
        }
        let results = self.db.batch(statements).await?;
        Ok(results.iter().map(|r| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)).sum())
    }

    /// Dispatches with their tasks' counts, newest first: within `scope`
    /// (tasks of villages inside it), of one template and/or department.
    pub async fn dispatches(
        &self,
        scope: &str,
        template_id: Option<&str>,
        department: Option<&str>,
        dispatch_id: Option<&str>,
    ) -> Result<Vec<DispatchSummary>, AppError> {
        let rows = self
            .db
            .prepare(
                "SELECT k.dispatch_id, k.template_id, k.template_version, t.title, t.department, k.due_date, \
                 MIN(k.dispatched_at) AS dispatched_at, MIN(k.dispatched_by) AS dispatched_by, k.status, COUNT(*) AS n \
                 FROM tasks k JOIN templates t ON t.id = k.template_id AND t.version = k.template_version \
                 WHERE k.org_unit >= ?1 AND k.org_unit < ?2 AND (?3 IS NULL OR k.template_id = ?3) \
                 AND (?4 IS NULL OR t.department = ?4) AND (?5 IS NULL OR k.dispatch_id = ?5) \
                 GROUP BY k.dispatch_id, k.template_id, k.template_version, k.due_date, k.status \
                 ORDER BY dispatched_at DESC, k.dispatch_id LIMIT 2000",
            )
            .bind(&[
                scope.into(),
                prefix_end(scope).into(),
                template_id.map_or(JsValue::NULL, JsValue::from),
                department.map_or(JsValue::NULL, JsValue::from),
                dispatch_id.map_or(JsValue::NULL, JsValue::from),
            ])?
            .all()
            .await?
            .results::<DispatchCountRow>()?;
        let mut out: Vec<DispatchSummary> = Vec::new();
        for row in rows {
            let status = TaskStatus::parse(&row.status).ok_or_else(|| AppError::Internal(format!("task status {}", row.status)))?;
            let entry = match out.iter_mut().position(|d| d.dispatch_id == row.dispatch_id) {
                Some(i) => &mut out[i],
                None => {
                    out.push(DispatchSummary {
                        dispatch_id: row.dispatch_id.clone(),
                        template_id: row.template_id.clone(),
                        template_version: row.template_version,
                        title: row.title.clone(),
                        department: row.department.clone(),
                        due_date: row.due_date.clone(),
                        dispatched_at: row.dispatched_at.clone(),
                        dispatched_by: row.dispatched_by.clone(),
                        counts: StatusCounts::default(),
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            for _ in 0..row.n {
                entry.counts.add(status);
            }
            if row.dispatched_at < entry.dispatched_at {
                entry.dispatched_at = row.dispatched_at;
            }
        }
        Ok(out)
    }

    /// The tasks of a dispatch inside `scope` (one due date, so by org unit).
    pub async fn dispatch_tasks(&self, dispatch_id: &str, scope: &str) -> Result<Vec<TaskSummary>, AppError> {
        self.tasks(&TaskFilter { scope, dispatch_id: Some(dispatch_id), ..TaskFilter::default() }).await
    }

    /// Returns a submitted task for correction: one conditional update
    /// (`status = 'submitted'`), so of two concurrent returns, or a return
    /// racing a resubmission, exactly one applies. Returns whether it did.
    pub async fn return_task(&self, id: &str, comment: &str, by: &str, at: &str) -> Result<bool, AppError> {
        let result = self
            .db
            .prepare(
                "UPDATE tasks SET status = 'returned', return_comment = ?2, returned_by = ?3, returned_at = ?4 \
                 WHERE id = ?1 AND status = 'submitted'",
            )
            .bind(&[id.into(), comment.into(), by.into(), at.into()])?
            .run()
            .await?;
        Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    /// The newest submission of each village inside `scope` for a template
    /// version (`None`: whatever its version — a village's newest report
    /// replaces its older ones, as a resubmission does), with village and
    /// town names, by village code.
    pub async fn summary_submissions(
        &self,
        template_id: &str,
        version: Option<u32>,
        scope: &str,
    ) -> Result<Vec<SummarySubmission>, AppError> {
        let (version_clause, version_value) = match version {
            Some(v) => ("AND template_version = ?4", num(v)),
            None => ("AND ?4 IS NULL", JsValue::NULL),
        };
        Ok(self
            .db
            .prepare(format!(
                "SELECT s.id, s.template_version, s.org_unit, v.name AS village, COALESCE(t.code, '') AS town_code, COALESCE(t.name, '') AS town, s.rows \
                 FROM (SELECT id, template_version, org_unit, rows, ROW_NUMBER() OVER (PARTITION BY org_unit ORDER BY submitted_at DESC, id DESC) AS newest \
                       FROM submissions WHERE template_id = ?1 AND org_unit >= ?2 AND org_unit < ?3 {version_clause}) s \
                 JOIN org_units v ON v.code = s.org_unit LEFT JOIN org_units t ON t.code = v.parent_code \
                 WHERE s.newest = 1 ORDER BY s.org_unit"
            ))
            .bind(&[template_id.into(), scope.into(), prefix_end(scope).into(), version_value])?
            .all()
            .await?
            .results::<SummarySubmission>()?)
    }

    /// Every published version of a template, oldest first.
    pub async fn template_versions(&self, template_id: &str) -> Result<Vec<PublishedRow>, AppError> {
        Ok(self
            .db
            .prepare("SELECT id, version, document, published_at FROM templates WHERE id = ?1 ORDER BY version")
            .bind(&[template_id.into()])?
            .all()
            .await?
            .results::<PublishedRow>()?)
    }

    /// Submissions stored under versions older than `version` (they stay
    /// under their version when it is published).
    pub async fn submissions_before(&self, template_id: &str, version: u32) -> Result<usize, AppError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        let row = self
            .db
            .prepare("SELECT COUNT(*) AS n FROM submissions WHERE template_id = ?1 AND template_version < ?2")
            .bind(&[template_id.into(), num(version)])?
            .first::<Count>(None)
            .await?;
        Ok(row.map_or(0, |c| c.n as usize))
    }

    /// Tasks of a template still open for entry (not submitted) on a
    /// version older than `version`, with their drafts.
    pub async fn open_tasks_before(&self, template_id: &str, version: u32) -> Result<Vec<OpenTask>, AppError> {
        Ok(self
            .db
            .prepare(
                "SELECT k.id, k.template_version, d.revision, d.rows FROM tasks k LEFT JOIN drafts d ON d.task_id = k.id \
                 WHERE k.template_id = ?1 AND k.template_version < ?2 AND k.status != 'submitted'",
            )
            .bind(&[template_id.into(), num(version)])?
            .all()
            .await?
            .results::<OpenTask>()?)
    }

    /// Moves open tasks to a new version, with their migrated drafts, in
    /// batches of [`MIGRATE_PER_BATCH`] tasks. Every statement is
    /// conditional on what was read (the task still open on its old
    /// version, the draft still at its revision), so a task submitted or a
    /// draft saved meanwhile is left alone, and running it again after a
    /// crash moves only what is left.
    pub async fn migrate_tasks(&self, version: u32, moves: &[TaskMove], at: &str) -> Result<(), AppError> {
        for chunk in moves.chunks(MIGRATE_PER_BATCH) {
            let mut statements = Vec::with_capacity(chunk.len() * 2);
            for m in chunk {
                if let (Some(revision), Some(rows)) = (m.draft_revision, &m.draft_rows) {
                    statements.push(
                        self.db
                            .prepare(
                                "UPDATE drafts SET rows = ?3, revision = revision + 1, saved_at = ?4, saved_by = 'migration' \
                                 WHERE task_id = ?1 AND revision = ?2 \
                                 AND EXISTS (SELECT 1 FROM tasks WHERE id = ?1 AND template_version = ?5 AND status != 'submitted')",
                            )
                            .bind(&[m.task_id.as_str().into(), num(revision), rows.as_str().into(), at.into(), num(m.from_version)])?,
                    );
                }
                statements.push(
                    self.db
                        .prepare("UPDATE tasks SET template_version = ?2 WHERE id = ?1 AND template_version = ?3 AND status != 'submitted'")
                        .bind(&[m.task_id.as_str().into(), num(version), num(m.from_version)])?,
                );
            }
            self.db.batch(statements).await?;
        }
        Ok(())
    }
}

/// Tasks moved to a new template version per D1 batch.
const MIGRATE_PER_BATCH: usize = 500;

/// An open task on an older version, and its draft.
#[derive(Deserialize)]
pub struct OpenTask {
    pub id: String,
    pub template_version: u32,
    pub revision: Option<u32>,
    pub rows: Option<String>,
}

/// A task to move to a new version, with its migrated draft rows.
pub struct TaskMove {
    pub task_id: String,
    pub from_version: u32,
    pub draft_revision: Option<u32>,
    pub draft_rows: Option<String>,
}
