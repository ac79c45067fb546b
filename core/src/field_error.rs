//! One problem with submitted data: where (a JSON pointer), what (a stable
//! code) and why (a message in both languages). Every check of core —
//! validation, submission envelopes, builder inputs, ledger writes, account
//! rules — reports in it.

use serde::Serialize;

use crate::text::Text;

/// One problem with submitted data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON pointer to the offending value (for a missing field: where it
    /// should be).
    pub pointer: String,
    /// Stable machine code: the JSON Schema keyword that failed, or one of
    /// the submission codes of [`crate::submission`].
    pub code: String,
    pub message: Text,
}

crate::read_object!(FieldError { pointer, code, message } default {});

impl FieldError {
    /// The problem `code` at `pointer`, worded by `message`.
    pub fn new(pointer: impl Into<String>, code: impl Into<String>, message: Text) -> FieldError {
        FieldError { pointer: pointer.into(), code: code.into(), message }
    }

    /// [`FieldError::new`] with the message given in Chinese and English.
    pub fn zh_en(pointer: impl Into<String>, code: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
        FieldError::new(pointer, code, Text::new(zh, en))
    }

    /// The same problem with its pointer placed under `prefix` (a row's
    /// `/rows/3`, a builder input's `/fields/2`).
    pub fn under(mut self, prefix: &str) -> FieldError {
        self.pointer = format!("{prefix}{}", self.pointer);
        self
    }
}
