//! Emergency surveys (issue 8) over D1, the port `SurveyStore`: the survey
//! rows, their tasks (created in one statement for every village of the
//! scope), the submitted rows the board and the close read, the close's
//! batches. Photos are in `photos.rs`, the review queue in `intake.rs`.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::LedgerRecord;
use ybt_core::api::TaskSummary;
use ybt_core::ledger::Write;
use ybt_core::service::ServiceError;
use ybt_core::service::surveys::{Closing, NewSurvey, SurveyStore, SurveySubmission};
use ybt_core::survey::{ReviewCandidate, SurveySummary};

use super::{RecordRow, Store, TaskFilter, WRITES_PER_BATCH, prefix_end};
use crate::error::Storage;

#[derive(Deserialize)]
struct SurveyRow {
    dispatch_id: String,
    template_id: String,
    template_version: u32,
    title: String,
    department: String,
    scope: String,
    scope_name: String,
    started_by: String,
    started_at: String,
    due_date: String,
    fast_track: String,
    closed_at: Option<String>,
    villages: u32,
}

impl From<SurveyRow> for SurveySummary {
    fn from(r: SurveyRow) -> SurveySummary {
        SurveySummary {
            dispatch_id: r.dispatch_id,
            template_id: r.template_id,
            template_version: r.template_version,
            title: r.title,
            department: r.department,
            scope: r.scope,
            scope_name: r.scope_name,
            started_by: r.started_by,
            started_at: r.started_at,
            due_date: r.due_date,
            fast_track: r.fast_track,
            closed_at: r.closed_at,
            villages: r.villages,
        }
    }
}

const SURVEY_COLUMNS: &str = "s.dispatch_id, s.template_id, s.template_version, t.title, t.department, s.scope, \
     o.name AS scope_name, s.started_by, s.started_at, s.due_date, s.fast_track, s.closed_at, \
     (SELECT COUNT(*) FROM tasks k WHERE k.dispatch_id = s.dispatch_id) AS villages \
     FROM surveys s JOIN templates t ON t.id = s.template_id AND t.version = s.template_version \
     JOIN org_units o ON o.code = s.scope";

impl Store {
    /// Starts a survey: an ad-hoc survey's template (if any), the survey
    /// row and one task per village of the scope, in one batch (a
    /// transaction). Both inserts ignore rows that
    /// exist, keyed by the dispatch id (and `UNIQUE (dispatch_id, org_unit)`
    /// for tasks): a retry after a lost answer, or a double click, creates
    /// nothing new. A crash before the batch leaves nothing; after it, all.
    pub async fn start_survey(&self, s: &NewSurvey<'_>) -> Result<(), ServiceError> {
        let survey = self
            .db()?
            .prepare(
                "INSERT OR IGNORE INTO surveys (dispatch_id, template_id, template_version, scope, due_date, started_by, started_at, fast_track) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .bind(&[
                s.dispatch_id.into(),
                s.template_id.into(),
                JsValue::from_f64(f64::from(s.template_version)),
                s.scope.into(),
                s.due_date.into(),
                s.started_by.into(),
                s.started_at.into(),
                s.fast_track.into(),
            ]).storage()?;
        // Task ids: `<dispatch id>-<village code>`, as the demo seed names them.
        let tasks = self
            .db()?
            .prepare(
                "INSERT OR IGNORE INTO tasks (id, dispatch_id, template_id, template_version, org_unit, due_date, dispatched_by, dispatched_at) \
                 SELECT ?1 || '-' || code, ?1, ?2, ?3, code, ?4, ?5, ?6 FROM org_units \
                 WHERE level = 'village' AND code >= ?7 AND code < ?8 \
                 AND EXISTS (SELECT 1 FROM surveys WHERE dispatch_id = ?1 AND template_id = ?2 AND scope = ?7)",
            )
            .bind(&[
                s.dispatch_id.into(),
                s.template_id.into(),
                JsValue::from_f64(f64::from(s.template_version)),
                s.due_date.into(),
                s.started_by.into(),
                s.started_at.into(),
                s.scope.into(),
                prefix_end(s.scope).into(),
            ]).storage()?;
        let mut statements = Vec::new();
        if let Some(adhoc) = &s.publish {
            statements.push(
                self.db()?
                    .prepare(
                        "INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) \
                         VALUES (?1, 1, ?2, ?3, ?4, ?5)",
                    )
                    .bind(&[s.template_id.into(), adhoc.title.into(), adhoc.department.into(), adhoc.document.into(), s.started_at.into()])
                    .storage()?,
            );
        }
        statements.extend([survey, tasks]);
        self.db()?.batch(statements).await.storage()?;
        Ok(())
    }

    /// How many villages a survey of `scope` goes to.
    pub async fn village_count(&self, scope: &str) -> Result<u32, ServiceError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        Ok(self
            .db()?
            .prepare("SELECT COUNT(*) AS n FROM org_units WHERE level = 'village' AND code >= ?1 AND code < ?2")
            .bind(&[scope.into(), prefix_end(scope).into()])
            .storage()?
            .first::<Count>(None)
            .await
            .storage()?
            .map_or(0, |c| c.n))
    }

    pub async fn survey(&self, dispatch_id: &str) -> Result<Option<SurveySummary>, ServiceError> {
        Ok(self
            .db()?
            .prepare(format!("SELECT {SURVEY_COLUMNS} WHERE s.dispatch_id = ?1"))
            .bind(&[dispatch_id.into()])
            .storage()?
            .first::<SurveyRow>(None)
            .await
            .storage()?
            .map(SurveySummary::from))
    }

    /// Surveys whose scope overlaps `scope` (inside it, or containing it),
    /// newest first.
    pub async fn surveys(&self, scope: &str) -> Result<Vec<SurveySummary>, ServiceError> {
        Ok(self
            .db()?
            .prepare(format!(
                "SELECT {SURVEY_COLUMNS} WHERE (s.scope >= ?1 AND s.scope < ?2) OR ?1 LIKE s.scope || '%' \
                 ORDER BY s.started_at DESC LIMIT 100"
            ))
            .bind(&[scope.into(), prefix_end(scope).into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<SurveyRow>()
            .storage()?
            .into_iter()
            .map(SurveySummary::from)
            .collect())
    }

    /// The rows of each village's current submission for the survey: only
    /// tasks that stand submitted.
    pub async fn survey_submissions(&self, dispatch_id: &str) -> Result<Vec<SurveySubmission>, ServiceError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            org_unit: String,
            rows: String,
        }
        let rows = self
            .db()?
            .prepare(
                "SELECT s.id, s.org_unit, s.rows FROM tasks t JOIN submissions s ON s.id = t.submission_id \
                 WHERE t.dispatch_id = ?1 AND t.status = 'submitted' ORDER BY t.org_unit",
            )
            .bind(&[dispatch_id.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<Row>()
            .storage()?;
        rows.into_iter()
            .map(|r| Ok(SurveySubmission { submission_id: r.id, org_unit: r.org_unit, rows: serde_json::from_str(&r.rows).storage()? }))
            .collect()
    }

    /// The ledger records with these ids (any unit, any entity); unknown
    /// ids are left out.
    pub async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(2_000) {
            let rows = self
                .db()?
                .prepare(
                    "SELECT id, entity, org_unit, version, updated_at, updated_by, data FROM ledger_records \
                     WHERE id IN (SELECT value FROM json_each(?1))",
                )
                .bind(&[serde_json::to_string(chunk).storage()?.into()])
                .storage()?
                .all()
                .await
                .storage()?
                .results::<RecordRow>()
                .storage()?;
            for row in rows {
                found.push(row.into_record()?);
            }
        }
        Ok(found)
    }

    /// Writes one batch of a survey's close: the ledger updates, each with
    /// its history row, conditional on the version read; all or none.
    pub async fn write_close_batch(&self, writes: &[Write]) -> Result<(), ServiceError> {
        let mut statements = Vec::new();
        for write in writes {
            statements.extend(self.write_statements(write)?);
        }
        if !statements.is_empty() {
            self.db()?.batch(statements).await.storage()?;
        }
        Ok(())
    }

    /// The last batch of a survey's close: the review candidates (`INSERT
    /// OR IGNORE`) and the survey marked closed, so it is closed only once
    /// everything is written, and only if no submission arrived meanwhile.
    /// Answers how many candidates this batch queued.
    pub async fn finish_close(
        &self,
        dispatch_id: &str,
        candidates: &[ReviewCandidate],
        closing: &Closing<'_>,
    ) -> Result<usize, ServiceError> {
        let mut statements = Vec::new();
        for c in candidates {
            statements.push(
                self.db()?
                    .prepare(
                        "INSERT OR IGNORE INTO ledger_review_queue (submission_id, subject_id, dispatch_id, org_unit, entity, row_values, queued_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )
                    .bind(&[
                        c.submission_id.as_str().into(),
                        c.subject_id.as_str().into(),
                        dispatch_id.into(),
                        c.org_unit.as_str().into(),
                        c.entity.as_str().into(),
                        serde_json::to_string(&c.values).storage()?.into(),
                        closing.now.into(),
                    ])
                    .storage()?,
            );
        }
        // Closed only if no village submitted since the close read the
        // submissions: else the caller closes again (what is written stays).
        statements.push(
            self.db()?
                .prepare(
                    "UPDATE surveys SET closed_at = COALESCE(closed_at, ?2), closed_by = COALESCE(closed_by, ?3) WHERE dispatch_id = ?1 \
                     AND (SELECT COUNT(*) FROM tasks WHERE dispatch_id = ?1 AND status = 'submitted') = ?4",
                )
                .bind(&[dispatch_id.into(), closing.now.into(), closing.by.into(), JsValue::from_f64(closing.submitted as f64)])
                .storage()?,
        );
        let results = self.db()?.batch(statements).await.storage()?;
        let changed = |r: &worker::D1Result| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0);
        Ok(results.iter().take(candidates.len()).map(changed).sum())
    }
}

impl SurveyStore for Store {
    const WRITES_PER_BATCH: usize = WRITES_PER_BATCH;

    async fn survey(&self, dispatch_id: &str) -> Result<Option<SurveySummary>, ServiceError> {
        Store::survey(self, dispatch_id).await
    }

    async fn surveys(&self, scope: &str) -> Result<Vec<SurveySummary>, ServiceError> {
        Store::surveys(self, scope).await
    }

    async fn village_count(&self, scope: &str) -> Result<u32, ServiceError> {
        Store::village_count(self, scope).await
    }

    async fn start_survey(&self, survey: &NewSurvey<'_>) -> Result<(), ServiceError> {
        Store::start_survey(self, survey).await
    }

    async fn survey_tasks(&self, dispatch_id: &str, scope: &str) -> Result<Vec<TaskSummary>, ServiceError> {
        Ok(self.tasks(&TaskFilter { scope, dispatch_id: Some(dispatch_id), ..TaskFilter::default() }).await?)
    }

    async fn survey_submissions(&self, dispatch_id: &str) -> Result<Vec<SurveySubmission>, ServiceError> {
        Store::survey_submissions(self, dispatch_id).await
    }

    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(Store::unit_names(self, codes).await?)
    }

    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(Store::records(self, org_unit, entity).await?)
    }

    async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Store::records_by_id(self, ids).await
    }

    async fn write_close_batch(&self, writes: &[Write]) -> Result<(), ServiceError> {
        Store::write_close_batch(self, writes).await
    }

    async fn finish_close(&self, dispatch_id: &str, candidates: &[ReviewCandidate], closing: &Closing<'_>) -> Result<usize, ServiceError> {
        Store::finish_close(self, dispatch_id, candidates, closing).await
    }
}
