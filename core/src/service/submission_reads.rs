//! Reading submissions back: one (masked, unmasked reads audited), as a
//! file, or the list of a template's submissions the reader may see.

use crate::service::require;
use std::rc::Rc;

use crate::CompiledTemplate;
use crate::access::{Action, Principal, authorize, mask_template_rows};
use crate::api::{StoredSubmission, SubmissionReceipt};
use crate::export::job::TableSheet;
use crate::export::{TableColumn, XlsxJob, table_to_csv};
use crate::messages::Text;
use crate::service::spreadsheets::{Spreadsheets, export_error};

use super::submissions::SubmissionStore;
use super::{AuditLog, Directory, Now, ServiceError};

/// Reading submissions: one by id, and a template's list.
#[allow(async_fn_in_trait)]
pub trait SubmissionReads {
    async fn submission(&self, id: &str) -> Result<Option<StoredSubmission>, ServiceError>;
    /// The newest 500 submissions of a template (of one org unit).
    async fn submissions(&self, template_id: &str, org_unit: Option<&str>) -> Result<Vec<SubmissionReceipt>, ServiceError>;
}

/// The format of a submission's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// `csv` or `xlsx` (the default when absent).
    pub fn parse(format: Option<&str>) -> Result<FileFormat, ServiceError> {
        match format.unwrap_or("xlsx") {
            "csv" => Ok(FileFormat::Csv),
            "xlsx" => Ok(FileFormat::Xlsx),
            _ => Err(ServiceError::BadRequest {
                code: "bad_format",
                message: Text::new("下载格式只能是 csv 或 xlsx", "format must be csv or xlsx"),
            }),
        }
    }
}

/// A filled form as a file to download.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionFile {
    pub content_type: &'static str,
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// The submission `id` as `principal` may read it: sensitive ledger values
/// masked unless granted (unmasked reads logged), with the template
/// version it was submitted against.
async fn readable<S: Directory + SubmissionStore + SubmissionReads + AuditLog>(
    principal: &Principal,
    id: &str,
    now: &Now,
    store: &S,
) -> Result<(StoredSubmission, Rc<CompiledTemplate>), ServiceError> {
    let mut found = store.submission(id).await?.ok_or(ServiceError::NotFound { what: "submission", zh: "该提交" })?;
    let template = store
        .template(&found.receipt.template_id, Some(found.receipt.template_version))
        .await?
        .ok_or_else(|| ServiceError::Storage(format!("submission {id} names a missing template")))?;
    require(principal, &Action::ReadSubmission { org_unit: &found.receipt.org_unit, department: &template.meta.department })?;
    let catalog = store.catalog()?;
    let unmasked = mask_template_rows(principal, &catalog, &template, found.rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = found.rows.iter().map(|r| r.subject_id.clone()).collect();
    store.unmasked_read(principal, "submission", &unmasked, &subjects, now).await?;
    Ok((found, template))
}

/// A stored submission with its columns, as `principal` may read it.
pub async fn read_submission<S: Directory + SubmissionStore + SubmissionReads + AuditLog>(
    principal: &Principal,
    id: &str,
    now: &Now,
    store: &S,
) -> Result<StoredSubmission, ServiceError> {
    let (mut found, template) = readable(principal, id, now, store).await?;
    found.columns = crate::summary::columns(&template).0;
    Ok(found)
}

/// The filled form as a file, masked as [`read_submission`] masks it (an
/// XLSX file written by `sheets` from the rows so masked).
pub async fn submission_file<S: Directory + SubmissionStore + SubmissionReads + AuditLog>(
    principal: &Principal,
    id: &str,
    format: FileFormat,
    now: &Now,
    store: &S,
    sheets: &impl Spreadsheets,
) -> Result<SubmissionFile, ServiceError> {
    let (found, template) = readable(principal, id, now, store).await?;
    let rows: Vec<&serde_json::Map<String, serde_json::Value>> = found.rows.iter().map(|r| &r.values).collect();
    let receipt = &found.receipt;
    let (bytes, content_type, extension) = match format {
        FileFormat::Csv => (table_to_csv(&template.fields, &rows), "text/csv; charset=utf-8", "csv"),
        FileFormat::Xlsx => {
            let created = format!("{}Z", receipt.submitted_at.get(..19).unwrap_or("2026-01-01T00:00:00"));
            let job = XlsxJob::Table {
                columns: template.fields.iter().map(TableColumn::of).collect(),
                sheets: vec![TableSheet {
                    name: template.title.as_str().into(),
                    rows: rows.into_iter().map(std::borrow::Cow::Borrowed).collect(),
                }],
                created_at: created,
            };
            job.check().map_err(export_error)?;
            let bytes = sheets.xlsx(&job).await?;
            (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
        }
    };
    let date = receipt.submitted_at.get(..10).unwrap_or_default();
    let filename = format!("{}-{}-{date}.{extension}", receipt.template_id, receipt.org_unit);
    Ok(SubmissionFile { content_type, filename, bytes })
}

/// The submissions of `template_id` the reader may see. Asked about one
/// org unit: refused outright if out of reach. Asked about all: those the
/// reader may see.
pub async fn list_submissions<S: Directory + SubmissionReads>(
    principal: &Principal,
    template_id: &str,
    org_unit: Option<&str>,
    store: &S,
) -> Result<Vec<SubmissionReceipt>, ServiceError> {
    let template = store.template(template_id, None).await?.ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })?;
    let department = &template.meta.department;
    require(principal, &Action::ReadSubmission { org_unit: org_unit.unwrap_or(&principal.org_unit), department })?;
    let receipts = store.submissions(template_id, org_unit).await?;
    Ok(receipts
        .into_iter()
        .filter(|r| authorize(principal, &Action::ReadSubmission { org_unit: &r.org_unit, department }).is_allowed())
        .collect())
}
