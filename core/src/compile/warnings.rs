//! Burden warnings: new fields that ask staff to re-type something the
//! ledger already holds. They are warnings, not errors — a template may
//! have a reason (e.g. the ID number of a relative, not of the subject).

use serde::{Deserialize, Serialize};

use super::FieldPlan;
use crate::catalog::Catalog;
use crate::review::DuplicateTarget;
use crate::template::Subject;
use crate::text::Text;

/// Stable codes of template warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateWarningCode {
    /// A new field looks like a ledger item it does not bind to.
    DuplicatesLedgerItem,
}

/// Something the author may want to change; the template still compiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateWarning {
    pub pointer: String,
    pub code: TemplateWarningCode,
    /// The ledger item the field seems to duplicate.
    pub item: String,
    pub message: Text,
    pub hint: Text,
}

/// Formats that identify a person or body: sharing one is a duplicate. A
/// shared `date` is not (a visit date is not a birth date).
pub(crate) const IDENTIFYING_FORMATS: &[&str] = &["cn-id-number", "cn-mobile", "cn-credit-code", "cn-division-code"];

/// One warning per new field that repeats an item of the subject's record
/// type it could have bound to, as the review reads it
/// ([`crate::review::duplicates::against_ledger`]).
pub(super) fn duplicates(fields: &[FieldPlan], catalog: &Catalog, subject: &Subject) -> Vec<TemplateWarning> {
    crate::review::duplicates::against_ledger(fields, catalog, subject)
        .into_iter()
        .map(|f| {
            let item = match &f.target {
                DuplicateTarget::Ledger { item, .. } => item.clone(),
                DuplicateTarget::Template { .. } => String::new(),
            };
            TemplateWarning {
                pointer: f.pointer,
                code: TemplateWarningCode::DuplicatesLedgerItem,
                hint: Text::new(
                    format!("加上 \"x-ledger\": \"{item}\" 以自动填入"),
                    format!("add \"x-ledger\": \"{item}\" to pre-fill it"),
                ),
                item,
                message: f.message,
            }
        })
        .collect()
}
