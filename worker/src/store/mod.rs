//! D1 access: every SQL statement the worker runs, all with bound parameters.
//! This file: org units, templates, ledger records, submissions;
//! `accounts.rs`: users, grants, sessions, login throttling (the accounts
//! port); `audit.rs`: the audit log of unmasked reads and account events;
//! `ledger.rs`: the D1 `LedgerStore` (records, history, conditional writes);
//! `ingest.rs`: departments' ingest keys; `tasks.rs`: tasks and drafts;
//! `burden.rs`: the burden meter's figures; `reviews.rs`: template requests
//! (报表准入); `dispatch.rs`: dispatches, boards, returns, summary rows;
//! `transfers.rs`: transfer requests (迁移申请).

mod accounts;
mod audit;
mod burden;
mod directory;
mod dispatch;
mod ingest;
mod ledger;
mod reviews;
mod surveys;
mod tasks;
mod transfers;

pub use dispatch::{NewTask, TaskMove};
pub use ledger::{PlanRow, WRITES_PER_BATCH};
pub use surveys::{IntakeRow, StartedSurvey};
pub use tasks::TaskFilter;
pub use transfers::TransferRow;

use serde::Deserialize;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Env};
use ybt_core::LedgerRecord;
use ybt_core::api::{CellCounts, StoredSubmission, SubmissionReceipt, SubmissionRequest, SubmittedRow};
use ybt_core::ledger::{OrgLevel, OrgUnit, Write};
use ybt_core::tasks::TaskError;

use crate::error::AppError;

pub struct Store {
    db: D1Database,
}

/// A number as a bound parameter (D1 numbers are doubles).
fn num(n: impl Into<f64>) -> JsValue {
    JsValue::from_f64(n.into())
}

/// The exclusive upper bound of the codes starting with `prefix`: GB/T 2260
/// codes are digits, and `:` sorts right after `9`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}:")
}

/// A validated submission and everything stored with it.
pub struct NewSubmission<'a> {
    pub request: &'a SubmissionRequest,
    pub submitted_at: &'a str,
    pub submitted_by: &'a str,
    pub cells: CellCounts,
    pub seconds_open: Option<u32>,
    /// Write-back updates of the subjects' ledger records.
    pub writes: &'a [Write],
    /// Photos the rows name (survey forms): recorded as referenced by this
    /// submission in the same batch, which is what lets its readers see them.
    pub photos: &'a [&'a str],
}

#[derive(Deserialize)]
struct OrgUnitRow {
    code: String,
    name: String,
    level: String,
    parent_code: Option<String>,
}

impl OrgUnitRow {
    fn into_unit(self) -> Result<OrgUnit, AppError> {
        let level = match self.level.as_str() {
            "district" => OrgLevel::District,
            "town" => OrgLevel::Town,
            "village" => OrgLevel::Village,
            other => return Err(AppError::Internal(format!("org unit {} has level {other}", self.code))),
        };
        Ok(OrgUnit { code: self.code, name: self.name, level, parent_code: self.parent_code })
    }
}

/// A published template version as stored.
#[derive(Deserialize)]
pub struct TemplateRow {
    pub id: String,
    pub version: u32,
    pub document: String,
}

#[derive(Deserialize)]
struct RecordRow {
    id: String,
    entity: String,
    org_unit: String,
    version: u32,
    updated_at: String,
    updated_by: String,
    data: String,
}

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

/// The answer to a submission whose id is already stored: the first
/// receipt, unless the id was used for another form.
fn replay(stored: SubmissionRow, request: &SubmissionRequest) -> Result<Stored, AppError> {
    let receipt = stored.receipt();
    if receipt.template_id != request.template_id || receipt.org_unit != request.org_unit {
        return Err(AppError::Conflict {
            code: "submission_id_reused",
            message: ybt_core::messages::Text::new(
                "该提交编号已用于另一份表格",
                "this submission_id was already used for a different form",
            ),
        });
    }
    Ok(Stored::Replayed(receipt))
}

/// What storing a submission did.
pub enum Stored {
    /// The submission is new and now stored.
    Created(SubmissionReceipt),
    /// A submission with this id was already stored: this is a retry.
    Replayed(SubmissionReceipt),
}

impl Store {
    pub fn from_env(env: &Env) -> Result<Store, AppError> {
        Ok(Store { db: env.d1("DB")? })
    }

    pub async fn ping(&self) -> Result<(), AppError> {
        self.db.prepare("SELECT 1 AS ok").first::<serde_json::Value>(None).await?;
        Ok(())
    }

    pub async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, AppError> {
        let row = self
            .db
            .prepare("SELECT code, name, level, parent_code FROM org_units WHERE code = ?1")
            .bind(&[code.into()])?
            .first::<OrgUnitRow>(None)
            .await?;
        row.map(OrgUnitRow::into_unit).transpose()
    }

    /// The names of the org units `codes`, by code (unknown codes left out).
    pub async fn unit_names(&self, codes: &[&str]) -> Result<std::collections::BTreeMap<String, String>, AppError> {
        if codes.is_empty() {
            return Ok(std::collections::BTreeMap::new());
        }
        #[derive(Deserialize)]
        struct NameRow {
            code: String,
            name: String,
        }
        let rows = self
            .db
            .prepare("SELECT code, name FROM org_units WHERE code IN (SELECT value FROM json_each(?1))")
            .bind(&[serde_json::to_string(codes)?.into()])?
            .all()
            .await?
            .results::<NameRow>()?;
        Ok(rows.into_iter().map(|r| (r.code, r.name)).collect())
    }

    /// Children of `parent`, or the top-level units when `parent` is `None`.
    pub async fn org_unit_children(&self, parent: Option<&str>) -> Result<Vec<OrgUnit>, AppError> {
        let statement = match parent {
            Some(code) => self
                .db
                .prepare("SELECT code, name, level, parent_code FROM org_units WHERE parent_code = ?1 ORDER BY code")
                .bind(&[code.into()])?,
            None => self.db.prepare("SELECT code, name, level, parent_code FROM org_units WHERE parent_code IS NULL ORDER BY code"),
        };
        statement.all().await?.results::<OrgUnitRow>()?.into_iter().map(OrgUnitRow::into_unit).collect()
    }

    /// The newest version of every template.
    pub async fn latest_templates(&self) -> Result<Vec<TemplateRow>, AppError> {
        Ok(self
            .db
            .prepare(
                "SELECT id, version, document FROM templates t \
                 WHERE version = (SELECT MAX(version) FROM templates WHERE id = t.id) ORDER BY id",
            )
            .all()
            .await?
            .results::<TemplateRow>()?)
    }

    /// The newest version of every template with its publication time,
    /// the most recently published first (the one just approved leads the
    /// dispatch page's list).
    pub async fn latest_published(&self) -> Result<Vec<dispatch::PublishedRow>, AppError> {
        Ok(self
            .db
            .prepare(
                "SELECT id, version, document, published_at FROM templates t \
                 WHERE version = (SELECT MAX(version) FROM templates WHERE id = t.id) ORDER BY published_at DESC, id",
            )
            .all()
            .await?
            .results::<dispatch::PublishedRow>()?)
    }

    /// A template version, or its newest version when `version` is `None`.
    pub async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<TemplateRow>, AppError> {
        let statement = match version {
            Some(v) => self
                .db
                .prepare("SELECT id, version, document FROM templates WHERE id = ?1 AND version = ?2")
                .bind(&[id.into(), JsValue::from_f64(f64::from(v))])?,
            None => self
                .db
                .prepare("SELECT id, version, document FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1")
                .bind(&[id.into()])?,
        };
        Ok(statement.first::<TemplateRow>(None).await?)
    }

    /// Every record of `entity` in the org unit `org_unit`.
    pub async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, AppError> {
        // Same decoding as `LedgerStore::list` (raw rows); the index
        // `(entity, org_unit, id)` serves the order.
        self.db
            .prepare(
                "SELECT id, org_unit, version, updated_at, updated_by, data \
                 FROM ledger_records WHERE entity = ?2 AND org_unit = ?1 ORDER BY id",
            )
            .bind(&[org_unit.into(), entity.into()])?
            .raw_js_value()
            .await?
            .iter()
            .map(|row| ledger::raw_record(entity, row))
            .collect()
    }

    /// Stores a validated submission exactly once, with what it changes.
    ///
    /// One D1 batch (a transaction) holds the submission row, for a task
    /// its move to `submitted` and the removal of its draft, and the
    /// write-back updates of ledger records with their history. A crash
    /// before the batch stores nothing; after it, everything. A retry with
    /// the same submission id finds the stored row and writes nothing again
    /// (`Replayed`). The batch fails whole when the task was submitted by
    /// another submission meanwhile, or a subject record moved on since it
    /// was read (the write-back updates are conditional on its version).
    pub async fn store_submission(&self, new: &NewSubmission<'_>) -> Result<Stored, AppError> {
        let request = new.request;
        if let Some(stored) = self.submission_row(&request.submission_id, false).await? {
            return replay(stored, request);
        }
        let num = |n: u32| JsValue::from_f64(f64::from(n));
        let mut statements = Vec::with_capacity(3 + new.writes.len() * 2);
        // With a task, the insert stores `submitted_at` only if the task
        // update before it changed a row: else NOT NULL fails the batch.
        let submitted_at = match &request.task_id {
            Some(task) => {
                statements.push(
                    self.db
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
                        ])?,
                );
                "CASE WHEN changes() = 1 THEN ?7 END"
            }
            None => "?7",
        };
        statements.push(
            self.db
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
                    serde_json::to_string(&request.rows)?.into(),
                    new.submitted_at.into(),
                    request.task_id.as_deref().map_or(JsValue::NULL, JsValue::from),
                    new.submitted_by.into(),
                    num(new.cells.prefilled),
                    num(new.cells.typed),
                    num(new.cells.computed),
                    num(new.cells.corrected),
                    new.seconds_open.map_or(JsValue::NULL, num),
                ])?,
        );
        if let Some(task) = &request.task_id {
            statements.push(self.db.prepare("DELETE FROM drafts WHERE task_id = ?1").bind(&[task.as_str().into()])?);
        }
        for hash in new.photos {
            statements.push(
                self.db
                    .prepare("INSERT OR IGNORE INTO photo_refs (hash, submission_id) VALUES (?1, ?2)")
                    .bind(&[(*hash).into(), request.submission_id.as_str().into()])?,
            );
        }
        for write in new.writes {
            statements.extend(self.write_statements(write)?);
        }
        let Err(error) = self.db.batch(statements).await else {
            // The batch stored exactly this: no need to read it back.
            return Ok(Stored::Created(SubmissionReceipt {
                id: request.submission_id.clone(),
                template_id: request.template_id.clone(),
                template_version: request.template_version,
                org_unit: request.org_unit.clone(),
                row_count: request.rows.len(),
                submitted_at: new.submitted_at.to_owned(),
            }));
        };
        // Why did the batch fail? A concurrent retry of the same submission
        // won; a subject record moved on; the task was answered meanwhile.
        if let Some(stored) = self.submission_row(&request.submission_id, false).await? {
            return replay(stored, request);
        }
        if let Some(conflict) = self.find_conflict(new.writes).await? {
            return Err(AppError::Stale { message: conflict.message(), current: conflict.current });
        }
        if let Some(task) = &request.task_id
            && self.task(task).await?.is_some_and(|t| t.status == ybt_core::tasks::TaskStatus::Submitted)
        {
            return Err(TaskError::AlreadySubmitted.into());
        }
        if let Some(task) = &request.task_id
            && let Some(task) = self.task(task).await?
            && self.survey(&task.dispatch_id).await?.is_some_and(|s| s.closed_at.is_some())
        {
            return Err(crate::api::surveys::survey_closed());
        }
        Err(AppError::Internal(format!("submission batch failed: {error}")))
    }

    async fn submission_row(&self, id: &str, with_rows: bool) -> Result<Option<SubmissionRow>, AppError> {
        let columns = if with_rows { ", rows" } else { "" };
        Ok(self
            .db
            .prepare(format!(
                "SELECT id, template_id, template_version, org_unit, row_count, submitted_at{columns} FROM submissions WHERE id = ?1"
            ))
            .bind(&[id.into()])?
            .first::<SubmissionRow>(None)
            .await?)
    }

    pub async fn submission(&self, id: &str) -> Result<Option<StoredSubmission>, AppError> {
        let Some(row) = self.submission_row(id, true).await? else { return Ok(None) };
        let rows: Vec<SubmittedRow> = serde_json::from_str(row.rows.as_deref().unwrap_or("[]"))?;
        Ok(Some(StoredSubmission { receipt: row.receipt(), rows, columns: Vec::new() }))
    }

    pub async fn submissions(&self, template_id: &str, org_unit: Option<&str>) -> Result<Vec<SubmissionReceipt>, AppError> {
        let statement = match org_unit {
            Some(unit) => self
                .db
                .prepare(
                    "SELECT id, template_id, template_version, org_unit, row_count, submitted_at FROM submissions \
                     WHERE template_id = ?1 AND org_unit = ?2 ORDER BY submitted_at DESC LIMIT 500",
                )
                .bind(&[template_id.into(), unit.into()])?,
            None => self
                .db
                .prepare(
                    "SELECT id, template_id, template_version, org_unit, row_count, submitted_at FROM submissions \
                     WHERE template_id = ?1 ORDER BY submitted_at DESC LIMIT 500",
                )
                .bind(&[template_id.into()])?,
        };
        Ok(statement.all().await?.results::<SubmissionRow>()?.iter().map(SubmissionRow::receipt).collect())
    }
}
