//! What can be wrong with a template: a stable code, a pointer into the
//! template, and the fix in words.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::field_error::FieldError;
use crate::text::Text;

/// Stable codes for what can be wrong with a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateErrorCode {
    NotAnObject,
    MissingTemplateMeta,
    InvalidTemplateId,
    InvalidSubject,
    MetaSchema,
    UnknownLedgerItem,
    LedgerEntityMismatch,
    LedgerTypeMismatch,
    RemoteRef,
    TooDeep,
    TooLarge,
    PatternTooLong,
    InvalidPattern,
    InvalidSchema,
    ComputedAndBound,
    InvalidExpression,
    UnknownFieldReference,
    InvalidWriteback,
    InvalidUiHint,
    /// A formula copies a protected value (an ID number, a phone, a birth
    /// date) other than through `age()` or `len()`: its result would leave
    /// unmasked.
    ComputedReadsSensitive,
    /// `x-sensitive` that is not `true`/`false`, or on a field that is not
    /// a new string field.
    InvalidSensitive,
    /// A keyword the validation engine cannot run (`unevaluatedProperties`,
    /// `$dynamicRef`, a format it does not check …): refused, never ignored.
    UnsupportedKeyword,
}

/// One problem with a template: where (JSON pointer into the template),
/// what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateError {
    pub pointer: String,
    pub code: TemplateErrorCode,
    pub message: Text,
    pub hint: Text,
}

impl TemplateError {
    /// This error as a field error of a request that carries the template
    /// under `/document`: the message with its fix.
    pub fn into_document_field_error(self) -> FieldError {
        let code = serde_json::to_value(self.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        FieldError::new(
            format!("/document{}", self.pointer),
            code,
            Text::new(format!("{}（{}）", self.message.zh, self.hint.zh), format!("{} ({})", self.message.en, self.hint.en)),
        )
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}`: {}", self.message.en, self.pointer, self.hint.en)
    }
}

pub(crate) fn problem(pointer: impl Into<String>, code: TemplateErrorCode, message: Text, hint: Text) -> TemplateError {
    TemplateError { pointer: pointer.into(), code, message, hint }
}
