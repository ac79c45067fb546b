//! One error type for every handler, and the one place that maps it to a
//! status code and the stable JSON error body. Internal details are logged,
//! never returned.

use ybt_core::FieldError;
use ybt_core::api::{ApiError, ErrorBody};
use ybt_core::messages::Text;

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
    #[error("conflict: {}", .message.en)]
    Conflict { code: &'static str, message: Text },
    #[error("internal: {0}")]
    Internal(String),
}

impl From<worker::Error> for AppError {
    fn from(e: worker::Error) -> AppError {
        AppError::Internal(e.to_string())
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
            AppError::NoSuchEndpoint | AppError::NotFound { .. } => 404,
            AppError::MalformedJson(_) | AppError::BadRequest { .. } => 400,
            AppError::BodyTooLarge { .. } => 413,
            AppError::Validation(_) => 422,
            AppError::Conflict { .. } => 409,
            AppError::Internal(_) => 500,
        }
    }

    pub fn body(self) -> ErrorBody {
        let (code, message, fields) = match self {
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
            AppError::BadRequest { code, message } | AppError::Conflict { code, message } => (code, message, vec![]),
            AppError::Validation(fields) => (
                "validation_failed",
                Text::new(format!("有 {} 处填写有误，未保存", fields.len()), format!("{} problems found; nothing was stored", fields.len())),
                fields,
            ),
            AppError::Internal(_) => ("internal", Text::new("服务器内部错误，请稍后重试", "internal error; please retry later"), vec![]),
        };
        ErrorBody { error: ApiError { code: code.to_owned(), message, fields } }
    }
}
