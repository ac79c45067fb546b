//! Burden warnings: new fields that ask staff to re-type something the
//! ledger already holds. They are warnings, not errors — a template may
//! have a reason (e.g. the ID number of a relative, not of the subject).

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// Stable codes of template warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateWarningCode {
    /// A new field looks like a ledger item it does not bind to.
    DuplicatesLedgerItem,
}

/// Something the author may want to change; the template still compiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateWarning {
    pub pointer: String,
    pub code: TemplateWarningCode,
    /// The ledger item the field seems to duplicate.
    pub item: String,
    pub message: Text,
    pub hint: Text,
}

crate::read_object!(TemplateWarning { pointer, code, item, message, hint } default {});

/// Formats that identify a person or body: sharing one is a duplicate. A
/// shared `date` is not (a visit date is not a birth date).
pub(crate) const IDENTIFYING_FORMATS: &[&str] = &["cn-id-number", "cn-mobile", "cn-credit-code", "cn-division-code"];
