//! One error type for every handler, and the one place that maps it to a
//! status code and the stable JSON error body. Internal details are logged,
//! never returned.

use ybt_core::api::{ApiError, ErrorBody};
use ybt_core::import::{ColumnMapping, FileError, ImportFailure, RowError, SheetSummary};
use ybt_core::messages::Text;
use ybt_core::service::ServiceError;
use ybt_core::{FieldError, LedgerRecord};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("no such endpoint")]
    NoSuchEndpoint,
    #[error("{what} not found")]
    NotFound { what: &'static str, zh: &'static str },
    #[error("request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("request body over {limit} bytes")]
    BodyTooLarge { limit: usize },
    #[error("invalid request: {}", .message.en)]
    BadRequest { code: &'static str, message: Text },
    #[error("validation failed ({} errors)", .0.len())]
    Validation(Vec<FieldError>),
    /// A validation failure of a request's own input (not a form's cells)
    /// whose message says what is missing: 驳回时请写明理由, not 有 1 处填写有误.
    #[error("invalid: {}", .message.en)]
    Invalid { message: Text, fields: Vec<FieldError> },
    #[error("conflict: {}", .message.en)]
    Conflict { code: &'static str, message: Text },
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("forbidden: {0:?}")]
    Forbidden(ybt_core::access::DenyReason),
    #[error("cross-site request refused")]
    CrossSite,
    /// The password was reset by an administrator and must be changed
    /// before anything else.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("too many failed logins")]
    TooManyAttempts,
    /// Refused with 429 and a stable code: a daily limit (refused key
    /// lookups) is reached.
    #[error("limit reached: {}", .message.en)]
    Limited { code: &'static str, message: Text },
    /// Refused with 422 as a whole, without per-row detail.
    #[error("refused: {}", .message.en)]
    Refused { code: &'static str, message: Text },
    #[error("request body nests deeper than {limit}")]
    TooDeep { limit: usize },
    /// A ledger write from a version that is no longer current: 409 with
    /// the record as it is now.
    #[error("stale write to a ledger record")]
    Stale { current: Option<Box<LedgerRecord>>, message: Text },
    /// A draft saved over a revision that is no longer current: 409 with
    /// the draft as it is now.
    #[error("stale draft save")]
    StaleDraft { current: Option<Box<ybt_core::api::Draft>> },
    /// An import or ingest refused whole: nothing was stored.
    #[error("import refused: {0}")]
    Import(ImportFailure),
    /// An import refused after its columns were mapped: the answer also
    /// carries the mapping used and the workbook's sheets, so the clerk can
    /// correct the one or pick among the other.
    #[error("{0}")]
    ImportChecked(ImportFailure, Vec<ColumnMapping>, Vec<SheetSummary>),
    #[error("missing or unknown API key")]
    BadApiKey,
    /// A service the request needs (the spreadsheet worker) is down or
    /// failing: 503 with a message in both languages; the detail is logged.
    #[error("unavailable: {detail}")]
    Unavailable { code: &'static str, message: Text, detail: String },
    #[error("internal: {0}")]
    Internal(String),
}

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> AppError {
        AppError::Internal(e.to_string())
    }
}

/// The one mapping from a use case's error to the HTTP error: variant for
/// variant, a storage failure as `Internal` (logged, never shown).
impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> AppError {
        match e {
            ServiceError::NotFound { what, zh } => AppError::NotFound { what, zh },
            ServiceError::BadRequest { code, message } => AppError::BadRequest { code, message },
            ServiceError::Validation(fields) => AppError::Validation(fields),
            ServiceError::Invalid { message, fields } => AppError::Invalid { message, fields },
            ServiceError::Forbidden(reason) => AppError::Forbidden(reason),
            ServiceError::Conflict { code, message } => AppError::Conflict { code, message },
            ServiceError::Limited { code, message } => AppError::Limited { code, message },
            ServiceError::Refused { code, message } => AppError::Refused { code, message },
            ServiceError::Stale { current, message } => AppError::Stale { current, message },
            ServiceError::StaleDraft { current } => AppError::StaleDraft { current },
            ServiceError::Import(failure) => AppError::Import(failure),
            ServiceError::ImportChecked(failure, mapping, sheets) => AppError::ImportChecked(failure, mapping, sheets),
            ServiceError::Unauthenticated => AppError::Unauthenticated,
            ServiceError::BadCredentials => AppError::BadCredentials,
            ServiceError::PasswordChangeRequired => AppError::PasswordChangeRequired,
            ServiceError::TooManyAttempts => AppError::TooManyAttempts,
            ServiceError::Unavailable { code, message, detail } => AppError::Unavailable { code, message, detail },
            ServiceError::Storage(detail) => AppError::Internal(detail),
        }
    }
}

/// A D1 adapter's failures as the port error: `.storage()?` on any
/// `Result<_, worker::Error>` or serde error inside `worker/src/store/`.
pub trait Storage<T> {
    fn storage(self) -> Result<T, ServiceError>;
}

impl<T, E: std::fmt::Display> Storage<T> for Result<T, E> {
    fn storage(self) -> Result<T, ServiceError> {
        self.map_err(|e| ServiceError::Storage(e.to_string()))
    }
}

impl From<ybt_core::tasks::TaskError> for AppError {
    fn from(e: ybt_core::tasks::TaskError) -> AppError {
        AppError::Conflict { code: e.code(), message: e.message() }
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> AppError {
        AppError::Internal(format!("json: {e}"))
    }
}

impl AppError {
    pub fn status(&self) -> u16 {
        match self {
            AppError::ImportChecked(failure, ..) => AppError::Import(failure.clone()).status(),
            AppError::NoSuchEndpoint | AppError::NotFound { .. } => 404,
            AppError::MalformedJson(_) | AppError::BadRequest { .. } => 400,
            AppError::BodyTooLarge { .. } => 413,
            AppError::Validation(_) | AppError::Invalid { .. } => 422,
            AppError::Conflict { .. } => 409,
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden(_) | AppError::CrossSite | AppError::PasswordChangeRequired => 403,
            AppError::TooManyAttempts | AppError::Limited { .. } => 429,
            AppError::Refused { .. } => 422,
            AppError::TooDeep { .. } => 400,
            AppError::Stale { .. } | AppError::StaleDraft { .. } => 409,
            AppError::Import(ImportFailure::File(
                FileError::TooLarge { .. }
                | FileError::TooManyRows { .. }
                | FileError::TooManyEntries { .. }
                | FileError::PartTooLarge { .. }
                | FileError::Uncompressed { .. }
                | FileError::TooManySharedStrings { .. }
                | FileError::TooManyColumns { .. }
                | FileError::TooManyCells { .. },
            )) => 413,
            AppError::Import(ImportFailure::File(_)) => 400,
            AppError::Import(ImportFailure::Rows { .. }) => 422,
            AppError::BadApiKey => 401,
            AppError::Unavailable { .. } => 503,
            AppError::Internal(_) => 500,
        }
    }

    /// The JSON body of the error response: [`AppError::body`], plus the
    /// current record for a stale write.
    pub fn json_body(self) -> Result<serde_json::Value, serde_json::Error> {
        let extra = match &self {
            AppError::Stale { current, .. } => vec![("current", serde_json::to_value(current)?)],
            AppError::StaleDraft { current } => vec![("current", serde_json::to_value(current)?)],
            AppError::ImportChecked(_, mapping, sheets) => {
                vec![("mapping", serde_json::to_value(mapping)?), ("sheets", serde_json::to_value(sheets)?)]
            }
            _ => vec![],
        };
        let mut body = serde_json::to_value(self.body())?;
        if let Some(object) = body.as_object_mut() {
            for (key, value) in extra {
                object.insert(key.to_owned(), value);
            }
        }
        Ok(body)
    }

    pub fn body(self) -> ErrorBody {
        let (code, message, fields): (&str, Text, Vec<FieldError>) = match self {
            AppError::NoSuchEndpoint => ("not_found", Text::new("没有这个接口", "no such endpoint"), vec![]),
            AppError::NotFound { what, zh } => ("not_found", Text::new(format!("找不到{zh}"), format!("{what} not found")), vec![]),
            AppError::MalformedJson(reason) => (
                "malformed_json",
                Text::new(format!("请求内容不是有效的 JSON：{reason}"), format!("request body is not valid JSON: {reason}")),
                vec![],
            ),
            AppError::BodyTooLarge { limit } => (
                "body_too_large",
                Text::new(format!("请求内容超过 {limit} 字节上限"), format!("request body exceeds {limit} bytes")),
                vec![],
            ),
            AppError::BadRequest { code, message }
            | AppError::Conflict { code, message }
            | AppError::Limited { code, message }
            | AppError::Refused { code, message }
            | AppError::Unavailable { code, message, .. } => (code, message, vec![]),
            AppError::Validation(fields) => (
                "validation_failed",
                Text::new(
                    format!("有 {} 处填写有误，未保存", fields.len()),
                    format!("{} problems found; nothing was stored", fields.len()),
                ),
                fields,
            ),
            AppError::Invalid { message, fields } => ("validation_failed", message, fields),
            AppError::Unauthenticated => ("unauthenticated", Text::new("请先登录", "please sign in"), vec![]),
            AppError::BadCredentials => ("invalid_credentials", Text::new("用户名或密码错误", "wrong user name or password"), vec![]),
            AppError::Forbidden(reason) => {
                use ybt_core::access::DenyReason as R;
                let message = match reason {
                    R::NotForRole => Text::new("您的角色没有此权限", "your role does not allow this"),
                    R::OutOfScope => Text::new("这不在您负责的区域内", "this is outside your area"),
                    R::OtherDepartment => Text::new("这是其他部门的数据", "this data belongs to another department"),
                };
                ("forbidden", message, vec![])
            }
            AppError::CrossSite => ("cross_site", Text::new("请求来源不可信，已拒绝", "cross-site request refused"), vec![]),
            AppError::PasswordChangeRequired => (
                "password_change_required",
                Text::new("管理员已重置您的密码：请先设置新密码", "your password was reset by an administrator: set a new one first"),
                vec![],
            ),
            AppError::TooManyAttempts => (
                "too_many_attempts",
                Text::new(
                    "登录失败次数过多，已暂时锁定（再次锁定时间加倍）：请稍后再试，或请系统管理员解锁",
                    "too many failed logins; locked for a while (each further lockout lasts twice as long): try again later or ask an administrator to unlock",
                ),
                vec![],
            ),
            AppError::TooDeep { limit } => (
                "too_deep",
                Text::new(format!("请求内容嵌套超过 {limit} 层"), format!("request body nests deeper than {limit} levels")),
                vec![],
            ),
            AppError::Stale { message, .. } => ("stale_version", message, vec![]),
            AppError::StaleDraft { .. } => (
                "stale_draft",
                Text::new("草稿已在别处更新，已载入最新草稿", "the draft was saved elsewhere meanwhile; the newer draft is attached"),
                vec![],
            ),
            AppError::Import(failure) | AppError::ImportChecked(failure, ..) => {
                let message = failure.message();
                match failure {
                    ImportFailure::File(error) => {
                        let code = file_error_code(&error);
                        return ErrorBody { error: ApiError { code, message, fields: vec![] } };
                    }
                    ImportFailure::Rows { errors, .. } => ("invalid_rows", message, errors.into_iter().map(row_field_error).collect()),
                }
            }
            AppError::BadApiKey => (
                "invalid_api_key",
                Text::new("缺少或无效的接口密钥（Authorization: Bearer …）", "missing or unknown API key (Authorization: Bearer …)"),
                vec![],
            ),
            AppError::Internal(_) => ("internal", Text::new("服务器内部错误，请稍后重试", "internal error; please retry later"), vec![]),
        };
        ErrorBody { error: ApiError { code: code.to_owned(), message, fields } }
    }
}

/// The stable code of a file-level import error, e.g. `too_large`.
fn file_error_code(error: &FileError) -> String {
    serde_json::to_value(error)
        .ok()
        .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "unreadable".to_owned())
}

/// A row of an import as a field error: pointer `/rows/{row}/{field}`
/// (under `/sheets/{sheet}` in a workbook of several sheets), the sheet,
/// row number and column in the message.
fn row_field_error(error: RowError) -> FieldError {
    let sheet = error.sheet.as_deref().map(|s| format!("/sheets/{}", s.replace('~', "~0").replace('/', "~1"))).unwrap_or_default();
    let pointer = match &error.field {
        Some(field) => format!("{sheet}/rows/{}/{field}", error.row),
        None => format!("{sheet}/rows/{}", error.row),
    };
    let (zh_sheet, en_sheet) = match &error.sheet {
        Some(sheet) => (format!("工作表“{sheet}”"), format!("sheet {sheet}, ")),
        None => (String::new(), String::new()),
    };
    let (zh_column, en_column) = match &error.column {
        Some(column) => (format!("「{column}」"), format!(" ({column})")),
        None => (String::new(), String::new()),
    };
    FieldError::zh_en(
        pointer,
        error.code,
        format!("{zh_sheet}第 {} 行{zh_column}：{}", error.row, error.message.zh),
        format!("{en_sheet}row {}{en_column}: {}", error.row, error.message.en),
    )
}
