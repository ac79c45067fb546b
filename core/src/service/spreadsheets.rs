//! The spreadsheet port (issue 14): a file's bytes into its sheets, and an
//! [`XlsxJob`] into XLSX bytes. The main worker implements it over the
//! `SHEETS` service binding (`worker/src/sheets.rs`), so that it links no
//! calamine, zip, rust_xlsxwriter or encoding_rs; the `ybt-sheets` worker
//! runs [`InProcess`] (core's `spreadsheets` feature) behind that binding,
//! as core's own tests do. The use cases that read or write a spreadsheet
//! take the port beside their storage ports; access, masking and every D1
//! write stay in them, before the port sees anything.
//!
//! The protocol between the two workers is here too, so both sides agree
//! by construction: `POST` [`READ_PATH`] with the file as the body (at most
//! [`Limits::max_bytes`]) answers the sheets as JSON; `POST` [`XLSX_PATH`]
//! with a JSON [`XlsxJob`] (at most [`MAX_JOB_BYTES`]) answers the file. A
//! refusal is 422 with a JSON [`Failure`]; anything else is the other
//! worker failing, which the use case answers as 503 `sheets_unavailable`.

use serde::{Deserialize, Serialize};

use super::ServiceError;
use crate::export::{ExportError, XlsxJob};
use crate::import::{FileError, ImportFailure, Limits, Sheet};
use crate::messages::Text;

/// Where the `ybt-sheets` worker reads a file.
pub const READ_PATH: &str = "/read";
/// Where the `ybt-sheets` worker writes an XLSX file.
pub const XLSX_PATH: &str = "/xlsx";
/// The largest job, as JSON, the `ybt-sheets` worker accepts: room for a
/// summary of 100,000 rows (their CSV is 9 MB; the JSON repeats each
/// field's key), well inside a worker's 128 MB.
pub const MAX_JOB_BYTES: usize = 96 << 20;

/// Reads and writes spreadsheets for the use cases.
#[allow(async_fn_in_trait)]
pub trait Spreadsheets {
    /// Every worksheet of an XLSX, XLS or CSV file
    /// ([`crate::import::read_workbook`]); a bad file is
    /// `ServiceError::Import` with its [`FileError`].
    async fn read(&self, bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, ServiceError>;
    /// The XLSX file of `job`; one Excel cannot hold is 400 `too_many_rows`.
    async fn xlsx(&self, job: &XlsxJob<'_>) -> Result<Vec<u8>, ServiceError>;
}

/// Why the `ybt-sheets` worker refused a request: the body of its 422.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum Failure {
    /// The file is not one the import reads (core's words, as when read in
    /// one worker).
    File { error: FileError },
    /// More rows than an Excel worksheet holds.
    TooManyRows { rows: usize },
    /// The request itself (not JSON, over the size limit, unknown path):
    /// the main worker sent something it should not have.
    BadRequest { reason: String },
    /// The writer failed.
    Writer { reason: String },
}

impl Failure {
    /// The use case's error for this refusal.
    pub fn into_service_error(self) -> ServiceError {
        match self {
            Failure::File { error } => ServiceError::Import(ImportFailure::File(error)),
            Failure::TooManyRows { rows } => export_error(ExportError::TooManyRows { rows }),
            Failure::BadRequest { reason } | Failure::Writer { reason } => unavailable(&reason),
        }
    }
}

/// An export that could not be written, as the use case answers it.
pub fn export_error(e: ExportError) -> ServiceError {
    match e {
        ExportError::TooManyRows { .. } => ServiceError::BadRequest { code: "too_many_rows", message: e.message() },
        other => ServiceError::Storage(other.to_string()),
    }
}

/// The spreadsheet worker is down, failing or answering nonsense: 503,
/// in the user's language, the detail logged only.
pub fn unavailable(detail: &str) -> ServiceError {
    ServiceError::Unavailable {
        code: "sheets_unavailable",
        message: Text::new(
            "表格服务暂时不可用，未读取或生成任何文件，也未写入任何数据：请稍后重试",
            "the spreadsheet service is unavailable right now; no file was read or written and nothing was stored: try again later",
        ),
        detail: detail.to_owned(),
    }
}

/// The spreadsheet readers and writers run in this process (core's
/// `spreadsheets` feature): what the `ybt-sheets` worker and the native
/// tests use.
#[cfg(feature = "spreadsheets")]
#[derive(Debug)]
pub struct InProcess {
    types: crate::ledger::RecordTypes,
}

#[cfg(feature = "spreadsheets")]
impl InProcess {
    pub fn new() -> Result<InProcess, ServiceError> {
        Ok(InProcess { types: crate::ledger::RecordTypes::builtin().map_err(|e| ServiceError::Storage(e.to_string()))? })
    }

    /// [`Spreadsheets::read`], answering the protocol's [`Failure`].
    pub fn read_now(&self, bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, Failure> {
        crate::import::read_workbook(bytes, limits).map_err(|error| Failure::File { error })
    }

    /// [`Spreadsheets::xlsx`], answering the protocol's [`Failure`].
    pub fn xlsx_now(&self, job: &XlsxJob<'_>) -> Result<Vec<u8>, Failure> {
        job.check().and_then(|()| job.write(&self.types)).map_err(|e| match e {
            ExportError::TooManyRows { rows } => Failure::TooManyRows { rows },
            ExportError::Xlsx(reason) => Failure::Writer { reason },
        })
    }
}

#[cfg(feature = "spreadsheets")]
impl Spreadsheets for InProcess {
    async fn read(&self, bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, ServiceError> {
        self.read_now(bytes, limits).map_err(Failure::into_service_error)
    }

    async fn xlsx(&self, job: &XlsxJob<'_>) -> Result<Vec<u8>, ServiceError> {
        self.xlsx_now(job).map_err(|f| match f {
            Failure::Writer { reason } => ServiceError::Storage(reason),
            other => other.into_service_error(),
        })
    }
}
