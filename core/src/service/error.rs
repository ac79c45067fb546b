//! The one error a use case (and a storage port) answers. The worker maps
//! each variant to an HTTP status and the stable JSON error body in one
//! place (`worker/src/error.rs`); nothing here knows HTTP.

use crate::access::DenyReason;
use crate::api::Draft;
use crate::import::{ColumnMapping, ImportFailure, SheetSummary};
use crate::ledger::LedgerRecord;
use crate::messages::Text;
use crate::validate::FieldError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ServiceError {
    /// The thing asked for does not exist (or is not visible as existing).
    #[error("{what} not found")]
    NotFound { what: &'static str, zh: &'static str },
    /// The request itself is malformed beyond a field (bad query, bad
    /// format name).
    #[error("invalid request: {}", .message.en)]
    BadRequest { code: &'static str, message: Text },
    /// Cells or request fields failed their rules; nothing was stored.
    #[error("validation failed ({} errors)", .0.len())]
    Validation(Vec<FieldError>),
    /// A request's own input is invalid, with a message saying what is
    /// missing (驳回时请写明理由) rather than a count of problems.
    #[error("invalid: {}", .message.en)]
    Invalid { message: Text, fields: Vec<FieldError> },
    /// The principal may not do this.
    #[error("forbidden: {0:?}")]
    Forbidden(DenyReason),
    /// The request contradicts the stored state (already submitted, already
    /// decided, plan changed).
    #[error("conflict: {}", .message.en)]
    Conflict { code: &'static str, message: Text },
    /// A daily or rate limit is reached.
    #[error("limit reached: {}", .message.en)]
    Limited { code: &'static str, message: Text },
    /// Refused as a whole, without per-row detail.
    #[error("refused: {}", .message.en)]
    Refused { code: &'static str, message: Text },
    /// A ledger write from a version that is no longer current, with the
    /// record as it is now.
    #[error("stale write to a ledger record")]
    Stale { current: Option<Box<LedgerRecord>>, message: Text },
    /// A draft saved over a revision that is no longer current, with the
    /// draft as it is now.
    #[error("stale draft save")]
    StaleDraft { current: Option<Box<Draft>> },
    /// An import or ingest refused whole: nothing was stored.
    #[error("import refused: {0}")]
    Import(ImportFailure),
    /// An import refused after its columns were mapped, with the mapping
    /// used and the workbook's sheets.
    #[error("{0}")]
    ImportChecked(ImportFailure, Vec<ColumnMapping>, Vec<SheetSummary>),
    /// No live session, or its token is not genuine.
    #[error("not signed in")]
    Unauthenticated,
    /// A sign-in (or a password change) named a wrong user name or password.
    #[error("wrong user name or password")]
    BadCredentials,
    /// An administrator reset the password: it must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Login throttling: the key is locked for a while.
    #[error("too many failed logins")]
    TooManyAttempts,
    /// A service the use case relies on (the spreadsheet worker) is down or
    /// failing: a 503 with a message in both languages, `detail` logged
    /// and never shown. Nothing was stored.
    #[error("unavailable: {detail}")]
    Unavailable { code: &'static str, message: Text, detail: String },
    /// The storage failed (or holds something it should not): a 500, its
    /// detail logged and never shown.
    #[error("storage: {0}")]
    Storage(String),
}

impl ServiceError {
    /// One field's validation error.
    pub fn field(pointer: impl Into<String>, code: impl Into<String>, message: Text) -> ServiceError {
        ServiceError::Validation(vec![FieldError::new(pointer, code, message)])
    }
}

impl From<crate::tasks::TaskError> for ServiceError {
    fn from(e: crate::tasks::TaskError) -> ServiceError {
        ServiceError::Conflict { code: e.code(), message: e.message() }
    }
}
