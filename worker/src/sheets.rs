//! The spreadsheet port over the `SHEETS` service binding (issue 14): the
//! `ybt-sheets` worker reads import files and writes XLSX files, so this
//! worker links no calamine, zip, rust_xlsxwriter or encoding_rs. The
//! protocol is core's (`service::spreadsheets`). What crosses the binding
//! is a file's bytes one way and, for exports, values already masked by the
//! use case; no session, database or secret ever does.
//!
//! Failures: a file the import cannot read comes back as core's
//! `FileError` (the same answer as when one worker read it); the other
//! worker down, failing or answering nonsense is 503 `sheets_unavailable`
//! in both languages, its detail logged only. Sizes are bounded on both
//! sides of the binding: the file by the import's limit, a job by
//! `MAX_JOB_BYTES`.

use worker::{Env, Fetcher, Headers, Method, RequestInit};
use ybt_core::export::XlsxJob;
use ybt_core::import::{FileError, ImportFailure, Limits, Sheet};
use ybt_core::messages::Text;
use ybt_core::service::ServiceError;
use ybt_core::service::spreadsheets::{Failure, MAX_JOB_BYTES, READ_PATH, Spreadsheets, XLSX_PATH, unavailable};

/// The binding's name in `wrangler.toml`.
pub const BINDING: &str = "SHEETS";

/// The `ybt-sheets` worker, or why it cannot be reached.
pub struct Sheets(Result<Fetcher, String>);

impl Sheets {
    pub fn from_env(env: &Env) -> Sheets {
        Sheets(env.service(BINDING).map_err(|e| format!("no {BINDING} binding: {e}")))
    }

    async fn post(&self, path: &str, body: &[u8], content_type: &str) -> Result<Vec<u8>, ServiceError> {
        let fetcher = self.0.as_ref().map_err(|e| unavailable(e))?;
        let headers = Headers::new();
        headers.set("Content-Type", content_type).map_err(|e| unavailable(&e.to_string()))?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(js_sys::Uint8Array::from(body).into()));
        // The host is a placeholder: a service binding ignores it.
        let mut response =
            fetcher.fetch(format!("https://sheets.internal{path}"), Some(init)).await.map_err(|e| unavailable(&format!("{path}: {e}")))?;
        let status = response.status_code();
        match status {
            200 => response.bytes().await.map_err(|e| unavailable(&format!("{path}: reading the answer: {e}"))),
            422 => {
                let failure: Failure = response.json().await.map_err(|e| unavailable(&format!("{path}: 422 without a failure: {e}")))?;
                Err(failure.into_service_error())
            }
            _ => {
                let text = response.text().await.unwrap_or_default();
                Err(unavailable(&format!("{path}: status {status}: {}", text.chars().take(500).collect::<String>())))
            }
        }
    }
}

impl Spreadsheets for Sheets {
    async fn read(&self, bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, ServiceError> {
        // The other side reads within `Limits::default()`, which is what
        // every use case passes; a larger file never leaves this worker.
        if bytes.len() > limits.max_bytes {
            return Err(ServiceError::Import(ImportFailure::File(FileError::TooLarge { bytes: bytes.len(), max: limits.max_bytes })));
        }
        let json = self.post(READ_PATH, bytes, "application/octet-stream").await?;
        serde_json::from_slice(&json).map_err(|e| unavailable(&format!("{READ_PATH}: the sheets are not JSON: {e}")))
    }

    async fn xlsx(&self, job: &XlsxJob<'_>) -> Result<Vec<u8>, ServiceError> {
        let body = serde_json::to_vec(job).map_err(|e| ServiceError::Storage(format!("json: {e}")))?;
        if body.len() > MAX_JOB_BYTES {
            return Err(ServiceError::BadRequest {
                code: "export_too_large",
                message: Text::new(
                    "要导出的数据过多，无法生成一个 Excel 文件：请按乡镇或村分别导出，或导出 CSV",
                    "too much data for one Excel file: export each town or village separately, or export CSV",
                ),
            });
        }
        self.post(XLSX_PATH, &body, "application/json").await
    }
}
