//! Emergency surveys (issue 8) over D1: the survey rows, their tasks
//! (created in one statement for every village of the scope), the submitted
//! rows the board and the close read, photos (R2 bytes, D1 metadata) and
//! the review queue of new records. The ports `SurveyStore`, `PhotoStore`
//! and `IntakeStore` of `ybt_core::service`; SQL only.

use std::collections::BTreeMap;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{Bucket, Env};
use ybt_core::LedgerRecord;
use ybt_core::api::TaskSummary;
use ybt_core::ledger::Write;
use ybt_core::service::ServiceError;
use ybt_core::service::intake::{IntakeStore, QueuedRecord};
use ybt_core::service::surveys::{Closing, NewSurvey, PhotoStore, PhotoUpload, StoredPhoto, SurveyStore, SurveySubmission};
use ybt_core::survey::intake::IntakeStatus;
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
            .db
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
            .db
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
                self.db
                    .prepare(
                        "INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) \
                         VALUES (?1, 1, ?2, ?3, ?4, ?5)",
                    )
                    .bind(&[s.template_id.into(), adhoc.title.into(), adhoc.department.into(), adhoc.document.into(), s.started_at.into()])
                    .storage()?,
            );
        }
        statements.extend([survey, tasks]);
        self.db.batch(statements).await.storage()?;
        Ok(())
    }

    /// How many villages a survey of `scope` goes to.
    pub async fn village_count(&self, scope: &str) -> Result<u32, ServiceError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        Ok(self
            .db
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
            .db
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
            .db
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
            .db
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
                .db
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
            self.db.batch(statements).await.storage()?;
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
                self.db
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
            self.db
                .prepare(
                    "UPDATE surveys SET closed_at = COALESCE(closed_at, ?2), closed_by = COALESCE(closed_by, ?3) WHERE dispatch_id = ?1 \
                     AND (SELECT COUNT(*) FROM tasks WHERE dispatch_id = ?1 AND status = 'submitted') = ?4",
                )
                .bind(&[dispatch_id.into(), closing.now.into(), closing.by.into(), JsValue::from_f64(closing.submitted as f64)])
                .storage()?,
        );
        let results = self.db.batch(statements).await.storage()?;
        let changed = |r: &worker::D1Result| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0);
        Ok(results.iter().take(candidates.len()).map(changed).sum())
    }

    /// Records a photo's metadata once and the village it was uploaded
    /// for (both `INSERT OR IGNORE`, one batch); true when the photo is new.
    pub async fn add_photo(&self, p: &PhotoUpload<'_>) -> Result<bool, ServiceError> {
        let (hash, content_type, org_unit, by, now) = (p.hash, p.content_type, p.org_unit, p.by, p.now);
        let photo = self
            .db
            .prepare(
                "INSERT OR IGNORE INTO photos (hash, bytes, content_type, org_unit, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&[hash.into(), JsValue::from_f64(p.bytes as f64), content_type.into(), org_unit.into(), by.into(), now.into()]).storage()?;
        let upload = self
            .db
            .prepare("INSERT OR IGNORE INTO photo_uploads (hash, org_unit, uploaded_by, uploaded_at) VALUES (?1, ?2, ?3, ?4)")
            .bind(&[hash.into(), org_unit.into(), by.into(), now.into()])
            .storage()?;
        let results = self.db.batch(vec![photo, upload]).await.storage()?;
        Ok(results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    /// A stored photo's content type and what its reading is decided by:
    /// (org unit, department of the form) of every submission naming it,
    /// and (village, "") of every village it was uploaded for.
    pub async fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>, ServiceError> {
        #[derive(Deserialize)]
        struct Photo {
            content_type: String,
        }
        #[derive(Deserialize)]
        struct Ground {
            org_unit: String,
            department: String,
        }
        let Some(photo) = self
            .db
            .prepare("SELECT content_type FROM photos WHERE hash = ?1")
            .bind(&[hash.into()])
            .storage()?
            .first::<Photo>(None)
            .await
            .storage()?
        else {
            return Ok(None);
        };
        let grounds = self
            .db
            .prepare(
                "SELECT s.org_unit, t.department FROM photo_refs r JOIN submissions s ON s.id = r.submission_id \
                 JOIN templates t ON t.id = s.template_id AND t.version = s.template_version WHERE r.hash = ?1 \
                 UNION SELECT org_unit, '' FROM photo_uploads WHERE hash = ?1",
            )
            .bind(&[hash.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<Ground>()
            .storage()?
            .into_iter()
            .map(|g| (g.org_unit, g.department))
            .collect();
        Ok(Some(StoredPhoto { content_type: photo.content_type, grounds }))
    }

    /// Which of `hashes` were not uploaded for `org_unit` (a village names
    /// only photos it sent itself: the same bytes sent by another village
    /// do not count).
    pub async fn photos_not_uploaded(&self, org_unit: &str, hashes: &[&str]) -> Result<Vec<String>, ServiceError> {
        if hashes.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(Deserialize)]
        struct Row {
            hash: String,
        }
        let found: std::collections::HashSet<String> = self
            .db
            .prepare("SELECT hash FROM photo_uploads WHERE org_unit = ?1 AND hash IN (SELECT value FROM json_each(?2))")
            .bind(&[org_unit.into(), serde_json::to_string(hashes).storage()?.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<Row>()
            .storage()?
            .into_iter()
            .map(|r| r.hash)
            .collect();
        Ok(hashes.iter().filter(|h| !found.contains(**h)).map(|h| (*h).to_owned()).collect())
    }
}

const INTAKE_COLUMNS: &str = "q.submission_id, q.subject_id, q.dispatch_id, s.template_id, s.template_version, t.title, \
     q.org_unit, o.name AS org_unit_name, q.entity, q.row_values, q.status, q.queued_at, q.record_id, q.decided_by, \
     q.decided_at, q.reason \
     FROM ledger_review_queue q JOIN surveys s ON s.dispatch_id = q.dispatch_id \
     JOIN templates t ON t.id = s.template_id AND t.version = s.template_version \
     JOIN org_units o ON o.code = q.org_unit";

impl Store {
    /// Queued new records of villages inside `scope`, optionally of one
    /// status; oldest first (the order they were queued), at most 500.
    pub async fn intake(&self, scope: &str, status: Option<IntakeStatus>) -> Result<Vec<QueuedRecord>, ServiceError> {
        Ok(self
            .db
            .prepare(format!(
                "SELECT {INTAKE_COLUMNS} WHERE q.org_unit >= ?1 AND q.org_unit < ?2 AND (?3 = '' OR q.status = ?3) \
                 ORDER BY q.queued_at, q.submission_id, q.subject_id LIMIT 500"
            ))
            .bind(&[scope.into(), prefix_end(scope).into(), status.map_or("", IntakeStatus::as_str).into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<QueuedRecord>()
            .storage()?)
    }

    pub async fn intake_entry(&self, submission_id: &str, subject_id: &str) -> Result<Option<QueuedRecord>, ServiceError> {
        Ok(self
            .db
            .prepare(format!("SELECT {INTAKE_COLUMNS} WHERE q.submission_id = ?1 AND q.subject_id = ?2"))
            .bind(&[submission_id.into(), subject_id.into()])
            .storage()?
            .first::<QueuedRecord>(None)
            .await
            .storage()?)
    }

    /// Accepts a queued record in one batch: the queue row pending →
    /// accepted, then the record inserted only if that update happened,
    /// then its history row (which fails, rolling the whole batch back,
    /// when the insert did not happen: `changed_at` is NOT NULL). So a
    /// concurrent reject, or a second accept (the derived record id already
    /// exists), leaves everything as the first decision made it; the caller
    /// re-reads the entry to answer.
    pub async fn accept_intake(&self, submission_id: &str, subject_id: &str, write: &Write) -> Result<(), ServiceError> {
        let r = &write.record;
        let decide = self
            .db
            .prepare(
                "UPDATE ledger_review_queue SET status = 'accepted', record_id = ?3, decided_by = ?4, decided_at = ?5 \
                 WHERE submission_id = ?1 AND subject_id = ?2 AND status = 'pending'",
            )
            .bind(&[
                submission_id.into(),
                subject_id.into(),
                r.id.as_str().into(),
                r.updated_by.as_str().into(),
                r.updated_at.as_str().into(),
            ])
            .storage()?;
        let insert = self
            .db
            .prepare(
                "INSERT INTO ledger_records (id, entity, org_unit, version, updated_at, updated_by, data) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE changes() = 1",
            )
            .bind(&[
                r.id.as_str().into(),
                r.entity.as_str().into(),
                r.org_unit.as_str().into(),
                JsValue::from_f64(f64::from(r.version)),
                r.updated_at.as_str().into(),
                r.updated_by.as_str().into(),
                serde_json::to_string(&r.data).storage()?.into(),
            ])
            .storage()?;
        let [_, history] = self.write_statements(write)?;
        self.db.batch(vec![decide, insert, history]).await.storage()?;
        Ok(())
    }

    /// Rejects a pending queued record; a decided one is left as it is (the
    /// caller re-reads it to answer).
    pub async fn reject_intake(
        &self,
        submission_id: &str,
        subject_id: &str,
        reason: &str,
        by: &str,
        now: &str,
    ) -> Result<(), ServiceError> {
        self.db
            .prepare(
                "UPDATE ledger_review_queue SET status = 'rejected', reason = ?3, decided_by = ?4, decided_at = ?5 \
                 WHERE submission_id = ?1 AND subject_id = ?2 AND status = 'pending'",
            )
            .bind(&[submission_id.into(), subject_id.into(), reason.into(), by.into(), now.into()])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(())
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

impl IntakeStore for Store {
    async fn queued(&self, scope: &str, status: Option<IntakeStatus>) -> Result<Vec<QueuedRecord>, ServiceError> {
        self.intake(scope, status).await
    }

    async fn queued_record(&self, submission_id: &str, subject_id: &str) -> Result<Option<QueuedRecord>, ServiceError> {
        self.intake_entry(submission_id, subject_id).await
    }

    async fn accept(&self, submission_id: &str, subject_id: &str, write: &Write) -> Result<(), ServiceError> {
        self.accept_intake(submission_id, subject_id, write).await
    }

    async fn reject(&self, submission_id: &str, subject_id: &str, reason: &str, by: &str, now: &str) -> Result<(), ServiceError> {
        self.reject_intake(submission_id, subject_id, reason, by, now).await
    }

    async fn unit_records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(Store::records(self, org_unit, entity).await?)
    }

    async fn records_with_keys(&self, entity: &str, field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(Store::records_with_keys(self, entity, field, keys).await?)
    }

    async fn refused_lookups(&self, user_id: &str, day: &str, refused: u32) -> Result<u32, ServiceError> {
        Ok(self.count_refused_lookups(user_id, day, refused).await?)
    }
}

/// Photos: the bytes in the R2 bucket `PHOTOS` under `photos/<hash>`, their
/// metadata in D1.
pub struct Photos<'a> {
    store: &'a Store,
    bucket: Bucket,
}

impl<'a> Photos<'a> {
    pub fn new(store: &'a Store, env: &Env) -> Result<Photos<'a>, ServiceError> {
        Ok(Photos { store, bucket: env.bucket("PHOTOS").storage()? })
    }
}

fn photo_key(hash: &str) -> String {
    format!("photos/{hash}")
}

impl PhotoStore for Photos<'_> {
    async fn has_object(&self, hash: &str) -> Result<bool, ServiceError> {
        Ok(self.bucket.head(photo_key(hash)).await.storage()?.is_some())
    }

    async fn put_object(&self, hash: &str, bytes: &[u8], content_type: &str) -> Result<(), ServiceError> {
        self.bucket
            .put(photo_key(hash), bytes.to_vec())
            .http_metadata(worker::HttpMetadata { content_type: Some(content_type.to_owned()), ..Default::default() })
            .execute()
            .await
            .storage()?;
        Ok(())
    }

    async fn object(&self, hash: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        let object = self.bucket.get(photo_key(hash)).execute().await.storage()?;
        match object.as_ref().and_then(|o| o.body()) {
            Some(body) => Ok(Some(body.bytes().await.storage()?)),
            None => Ok(None),
        }
    }

    async fn add_photo(&self, upload: &PhotoUpload<'_>) -> Result<bool, ServiceError> {
        self.store.add_photo(upload).await
    }

    async fn photo(&self, hash: &str) -> Result<Option<StoredPhoto>, ServiceError> {
        self.store.photo(hash).await
    }
}
