//! The review queue of new records from surveys (新增对象审核) over D1:
//! the port `IntakeStore`. SQL only.

use wasm_bindgen::JsValue;
use ybt_core::LedgerRecord;
use ybt_core::ledger::Write;
use ybt_core::service::ServiceError;
use ybt_core::service::intake::{IntakeStore, QueuedRecord};
use ybt_core::survey::intake::IntakeStatus;

use super::{Store, prefix_end};
use crate::error::Storage;

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
            .db()?
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
            .db()?
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
            .db()?
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
            .db()?
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
        self.db()?.batch(vec![decide, insert, history]).await.storage()?;
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
        self.db()?
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
}
