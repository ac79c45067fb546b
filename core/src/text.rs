//! A message in both languages the UI speaks: the one type every rule of
//! core words its findings in.

use serde::Serialize;

/// A message in both languages the UI speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

crate::read_object!(Text { zh, en } default {});

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text { zh: zh.into(), en: en.into() }
    }
}
