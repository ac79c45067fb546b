//! Submissions: the D1 `SubmissionStore` (one batch per submission, with
//! its task's move, its photos' references and its write-back updates) and
//! reading submissions back.

use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::{StoredSubmission, SubmissionReceipt, SubmittedRow};
use ybt_core::ledger::{Conflict, RecordTypes, Write};
use ybt_core::service::ServiceError;
use ybt_core::service::submission_reads::SubmissionReads;
use ybt_core::service::submissions::{NewSubmission, SubmissionStore};
use ybt_core::{Catalog, LedgerRecord};

use super::{Store, num};
use crate::error::Storage;
use crate::template_cache;

#[derive(Deserialize)]
struct SubmissionRow {
    id: String,
    template_id: String,
    template_version: u32,
    org_unit: String,
    row_count: usize,
    submitted_at: String,
    rows: Option<String>,
}

impl SubmissionRow {
    fn receipt(&self) -> SubmissionReceipt {
        SubmissionReceipt {
            id: self.id.clone(),
            template_id: self.template_id.clone(),
            template_version: self.template_version,
            org_unit: self.org_unit.clone(),
            row_count: self.row_count,
            submitted_at: self.submitted_at.clone(),
        }
    }
}

impl Store {
    async fn submission_row(&self, id: &str, with_rows: bool) -> Result<Option<SubmissionRow>, ServiceError> {
        let columns = if with_rows { ", rows" } else { "" };
        self.db()?
            .prepare(format!(
                "SELECT id, template_id, template_version, org_unit, row_count, submitted_at{columns} FROM submissions WHERE id = ?1"
            ))
            .bind(&[id.into()])
            .storage()?
            .first::<SubmissionRow>(None)
            .await
            .storage()
    }

    pub async fn submission(&self, id: &str) -> Result<Option<StoredSubmission>, ServiceError> {
        let Some(row) = self.submission_row(id, true).await? else { return Ok(None) };
        let rows: Vec<SubmittedRow> = serde_json::from_str(row.rows.as_deref().unwrap_or("[]")).storage()?;
        Ok(Some(StoredSubmission { receipt: row.receipt(), rows, columns: Vec::new() }))
    }

    /// The newest 500 submissions of a template (of one org unit).
    pub async fn submissions(&self, template_id: &str, org_unit: Option<&str>) -> Result<Vec<SubmissionReceipt>, ServiceError> {
        let statement = match org_unit {
            Some(unit) => self
                .db()?
                .prepare(
                    "SELECT id, template_id, template_version, org_unit, row_count, submitted_at FROM submissions \
                     WHERE template_id = ?1 AND org_unit = ?2 ORDER BY submitted_at DESC LIMIT 500",
                )
                .bind(&[template_id.into(), unit.into()]),
            None => self
                .db()?
                .prepare(
                    "SELECT id, template_id, template_version, org_unit, row_count, submitted_at FROM submissions \
                     WHERE template_id = ?1 ORDER BY submitted_at DESC LIMIT 500",
                )
                .bind(&[template_id.into()]),
        };
        let rows = statement.storage()?.all().await.storage()?.results::<SubmissionRow>().storage()?;
        Ok(rows.iter().map(SubmissionRow::receipt).collect())
    }
}

impl SubmissionStore for Store {
    fn record_types(&self) -> Result<Rc<RecordTypes>, ServiceError> {
        Ok(template_cache::record_types()?)
    }

    fn catalog(&self) -> Result<Rc<Catalog>, ServiceError> {
        Ok(template_cache::catalog()?)
    }

    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Store::records(self, org_unit, entity).await
    }

    async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(Store::records_by_id(self, ids).await?)
    }

    async fn photos_not_uploaded(&self, org_unit: &str, hashes: &[&str]) -> Result<Vec<String>, ServiceError> {
        Ok(Store::photos_not_uploaded(self, org_unit, hashes).await?)
    }

    async fn survey_closed(&self, dispatch_id: &str) -> Result<bool, ServiceError> {
        Ok(self.survey(dispatch_id).await?.is_some_and(|s| s.closed_at.is_some()))
    }

    async fn receipt(&self, id: &str) -> Result<Option<SubmissionReceipt>, ServiceError> {
        Ok(self.submission_row(id, false).await?.map(|row| row.receipt()))
    }

    /// One D1 batch (a transaction): for a task its move to `submitted`
    /// and the removal of its draft, the submission row, its photos'
    /// references, and the write-back updates with their history. With a
    /// task, the insert stores `submitted_at` only if the task update before
    /// it changed a row (else NOT NULL fails the batch); the write-back
    /// updates are conditional on the records' versions.
    async fn insert_submission(&self, new: &NewSubmission<'_>) -> Result<(), ServiceError> {
        let request = new.request;
        let mut statements = Vec::with_capacity(3 + new.photos.len() + new.writes.len() * 2);
        let submitted_at = match &request.task_id {
            Some(task) => {
                statements.push(
                    self.db()?
                        .prepare(
                            "UPDATE tasks SET status = 'submitted', submission_id = ?2, submitted_at = ?3, return_comment = NULL \
                             WHERE id = ?1 AND org_unit = ?4 AND template_id = ?5 AND status != 'submitted' \
                             AND NOT EXISTS (SELECT 1 FROM surveys v WHERE v.dispatch_id = tasks.dispatch_id AND v.closed_at IS NOT NULL)",
                        )
                        .bind(&[
                            task.as_str().into(),
                            request.submission_id.as_str().into(),
                            new.submitted_at.into(),
                            request.org_unit.as_str().into(),
                            request.template_id.as_str().into(),
                        ])
                        .storage()?,
                );
                "CASE WHEN changes() = 1 THEN ?7 END"
            }
            None => "?7",
        };
        statements.push(
            self.db()?
                .prepare(format!(
                    "INSERT INTO submissions (id, template_id, template_version, org_unit, row_count, rows, submitted_at, \
                     task_id, submitted_by, prefilled_cells, typed_cells, computed_cells, corrected_cells, seconds_open) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, {submitted_at}, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ))
                .bind(&[
                    request.submission_id.as_str().into(),
                    request.template_id.as_str().into(),
                    num(request.template_version),
                    request.org_unit.as_str().into(),
                    JsValue::from_f64(request.rows.len() as f64),
                    serde_json::to_string(&request.rows).storage()?.into(),
                    new.submitted_at.into(),
                    request.task_id.as_deref().map_or(JsValue::NULL, JsValue::from),
                    new.submitted_by.into(),
                    num(new.cells.prefilled),
                    num(new.cells.typed),
                    num(new.cells.computed),
                    num(new.cells.corrected),
                    new.seconds_open.map_or(JsValue::NULL, num),
                ])
                .storage()?,
        );
        if let Some(task) = &request.task_id {
            statements.push(self.db()?.prepare("DELETE FROM drafts WHERE task_id = ?1").bind(&[task.as_str().into()]).storage()?);
        }
        for hash in new.photos {
            statements.push(
                self.db()?
                    .prepare("INSERT OR IGNORE INTO photo_refs (hash, submission_id) VALUES (?1, ?2)")
                    .bind(&[(*hash).into(), request.submission_id.as_str().into()])
                    .storage()?,
            );
        }
        for write in new.writes {
            statements.extend(self.write_statements(write)?);
        }
        self.db()?.batch(statements).await.storage()?;
        Ok(())
    }

    async fn stale_write(&self, writes: &[Write]) -> Result<Option<Conflict>, ServiceError> {
        Ok(self.find_conflict(writes).await?)
    }
}

impl SubmissionReads for Store {
    async fn submission(&self, id: &str) -> Result<Option<StoredSubmission>, ServiceError> {
        Store::submission(self, id).await
    }

    async fn submissions(&self, template_id: &str, org_unit: Option<&str>) -> Result<Vec<SubmissionReceipt>, ServiceError> {
        Store::submissions(self, template_id, org_unit).await
    }
}
