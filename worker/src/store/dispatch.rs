//! Dispatches (one task per village per click), completion boards,
//! returning submissions, and the rows a summary is made of.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::{DispatchSummary, StatusCounts};
use ybt_core::ledger::OrgUnit;
use ybt_core::service::ServiceError;
use ybt_core::service::dispatch::{DispatchFilter, DispatchStore, NewDispatch, ReviewState};
use ybt_core::service::summary_view::{Published, SummaryStore, SummarySubmission};
use ybt_core::tasks::TaskStatus;

use super::{OrgUnitRow, Store, num, prefix_end};
use crate::error::Storage;

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

/// A submission a summary counts, as stored (see `SummarySubmission`).
#[derive(Deserialize)]
struct SummarySubmissionRow {
    id: String,
    template_version: u32,
    org_unit: String,
    village: String,
    town_code: String,
    town: String,
    rows: String,
}

impl Store {
    /// Every village inside `code` (a district, town or village), by code.
    pub async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError> {
        self.db()?
            .prepare(
                "SELECT code, name, level, parent_code FROM org_units WHERE level = 'village' AND code >= ?1 AND code < ?2 ORDER BY code",
            )
            .bind(&[code.into(), prefix_end(code).into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<OrgUnitRow>()
            .storage()?
            .into_iter()
            .map(OrgUnitRow::into_unit)
            .collect()
    }

    /// Dispatches with their tasks' counts, newest first: within `scope`
    /// (tasks of villages inside it), of one template and/or department.
    pub async fn dispatches(&self, filter: &DispatchFilter<'_>) -> Result<Vec<DispatchSummary>, ServiceError> {
        let DispatchFilter { scope, template_id, department, dispatch_id } = *filter;
        let rows = self
            .db()?
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
            ])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<DispatchCountRow>()
            .storage()?;
        let mut out: Vec<DispatchSummary> = Vec::new();
        for row in rows {
            let status = TaskStatus::parse(&row.status).ok_or_else(|| ServiceError::Storage(format!("task status {}", row.status)))?;
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

    /// Every published version of a template, oldest first.
    pub async fn template_versions(&self, template_id: &str) -> Result<Vec<PublishedRow>, ServiceError> {
        Ok(self
            .db()?
            .prepare("SELECT id, version, document, published_at FROM templates WHERE id = ?1 ORDER BY version")
            .bind(&[template_id.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<PublishedRow>()
            .storage()?)
    }

    /// Submissions stored under versions older than `version` (they stay
    /// under their version when it is published).
    pub async fn submissions_before(&self, template_id: &str, version: u32) -> Result<usize, ServiceError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        let row = self
            .db()?
            .prepare("SELECT COUNT(*) AS n FROM submissions WHERE template_id = ?1 AND template_version < ?2")
            .bind(&[template_id.into(), num(version)])
            .storage()?
            .first::<Count>(None)
            .await
            .storage()?;
        Ok(row.map_or(0, |c| c.n as usize))
    }
}

impl DispatchStore for Store {
    async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError> {
        Store::villages_in(self, code).await
    }

    async fn dispatches(&self, filter: &DispatchFilter<'_>) -> Result<Vec<DispatchSummary>, ServiceError> {
        Store::dispatches(self, filter).await
    }

    /// Creates the tasks of a dispatch in one batch (one transaction):
    /// all or none. Each is `INSERT OR IGNORE` under `UNIQUE (dispatch_id,
    /// org_unit)` and a task id derived from both, so a retried dispatch
    /// (same client-chosen id) creates only what is missing — after a crash
    /// nothing, after success nothing again. Returns how many were created.
    async fn insert_tasks(&self, dispatch: &NewDispatch<'_>) -> Result<usize, ServiceError> {
        if dispatch.tasks.is_empty() {
            return Ok(0);
        }
        let mut statements = Vec::with_capacity(dispatch.tasks.len());
        for (id, village) in &dispatch.tasks {
            statements.push(
                self.db()?
                    .prepare(
                        "INSERT OR IGNORE INTO tasks (id, dispatch_id, template_id, template_version, org_unit, due_date, \
                         dispatched_by, dispatched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )
                    .bind(&[
                        id.as_str().into(),
                        dispatch.dispatch_id.into(),
                        dispatch.template_id.into(),
                        num(dispatch.template_version),
                        (*village).into(),
                        dispatch.due_date.into(),
                        dispatch.dispatched_by.into(),
                        dispatch.dispatched_at.into(),
                    ])
                    .storage()?,
            );
        }
        let results = self.db()?.batch(statements).await.storage()?;
        Ok(results.iter().map(|r| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)).sum())
    }

    async fn latest_review(&self, template_id: &str) -> Result<Option<ReviewState>, ServiceError> {
        let requests = self.requests_of_template(template_id).await?;
        Ok(requests.first().map(|r| ReviewState { status: r.status().ok(), reason: r.reason.clone() }))
    }
}

impl SummaryStore for Store {
    async fn published_versions(&self, template_id: &str) -> Result<Vec<Published>, ServiceError> {
        let rows = self.template_versions(template_id).await?;
        let mut published = Vec::with_capacity(rows.len());
        for row in rows {
            let template = crate::template_cache::compiled(&row.template_row())?;
            published.push(Published { version: row.version, published_at: row.published_at, template });
        }
        Ok(published)
    }

    /// The newest submission of each village inside `scope` for a template
    /// version (`None`: whatever its version — a village's newest report
    /// replaces its older ones, as a resubmission does), with village and
    /// town names, by village code.
    async fn summary_submissions(
        &self,
        template_id: &str,
        version: Option<u32>,
        scope: &str,
    ) -> Result<Vec<SummarySubmission>, ServiceError> {
        let (version_clause, version_value) = match version {
            Some(v) => ("AND template_version = ?4", num(v)),
            None => ("AND ?4 IS NULL", JsValue::NULL),
        };
        let rows = self
            .db()?
            .prepare(format!(
                "SELECT s.id, s.template_version, s.org_unit, v.name AS village, COALESCE(t.code, '') AS town_code, COALESCE(t.name, '') AS town, s.rows \
                 FROM (SELECT id, template_version, org_unit, rows, ROW_NUMBER() OVER (PARTITION BY org_unit ORDER BY submitted_at DESC, id DESC) AS newest \
                       FROM submissions WHERE template_id = ?1 AND org_unit >= ?2 AND org_unit < ?3 {version_clause}) s \
                 JOIN org_units v ON v.code = s.org_unit LEFT JOIN org_units t ON t.code = v.parent_code \
                 WHERE s.newest = 1 ORDER BY s.org_unit"
            ))
            .bind(&[template_id.into(), scope.into(), prefix_end(scope).into(), version_value])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<SummarySubmissionRow>()
            .storage()?;
        rows.into_iter()
            .map(|r| {
                Ok(SummarySubmission {
                    rows: serde_json::from_str(&r.rows).storage()?,
                    id: r.id,
                    template_version: r.template_version,
                    org_unit: r.org_unit,
                    village: r.village,
                    town_code: r.town_code,
                    town: r.town,
                })
            })
            .collect()
    }
}
