//! A compiled template, and the formulas it evaluates over a row and over
//! all rows of a form.

use serde_json::{Map, Value};

use super::fields::ComputedField;
use super::plan::{Burden, FieldPlan};
use super::warnings::TemplateWarning;
use crate::expr::{self, Date, EvalContext};
use crate::template::{Subject, TemplateMeta};

/// A template ready to validate rows and to generate forms. Compile it once
/// per template version and keep it: compiling is the expensive part.
#[derive(Debug, Clone)]
pub struct CompiledTemplate {
    pub meta: TemplateMeta,
    pub title: String,
    pub subject: Subject,
    /// Columns in display order (`x-ui.order`, then document order).
    pub fields: Vec<FieldPlan>,
    pub burden: Burden,
    /// Avoidable burden: new fields that duplicate a ledger item.
    pub warnings: Vec<TemplateWarning>,
    /// The template document as published.
    pub schema: Value,
    /// The validation program every row is checked with (`ybt-rules`).
    pub(crate) rules: ybt_rules::Rules,
    /// Formulas in document order, the order they are evaluated in.
    pub(crate) computed: Vec<ComputedField>,
}

impl CompiledTemplate {
    /// The validation program rows are checked with: what the browser
    /// needs to validate this template without the compiler.
    pub fn program(&self) -> &ybt_rules::Program {
        self.rules.program()
    }

    pub fn field(&self, key: &str) -> Option<&FieldPlan> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Fills the computed fields of one row, in document order (a formula may
/// read an earlier one). A formula that yields nothing (missing input,
/// division by zero) removes its field, so a stale value never survives.
/// `today` is for `age()`: core has no clock; without it `age()` is empty.
pub fn compute_row(template: &CompiledTemplate, row: &mut Map<String, Value>, today: Option<Date>) {
    for field in template.computed.iter().filter(|c| !c.aggregate) {
        let value = expr::eval(&field.expr, &EvalContext { row, rows: &[], today }).to_json();
        if value.is_null() {
            row.remove(&field.key);
        } else {
            row.insert(field.key.clone(), value);
        }
    }
}

/// The summary fields (formulas with `sum`) over all rows of a form.
pub fn compute_summary(template: &CompiledTemplate, rows: &[Map<String, Value>], today: Option<Date>) -> Map<String, Value> {
    let empty = Map::new();
    let mut out = Map::new();
    for field in template.computed.iter().filter(|c| c.aggregate) {
        let value = expr::eval(&field.expr, &EvalContext { row: &empty, rows, today }).to_json();
        if !value.is_null() {
            out.insert(field.key.clone(), value);
        }
    }
    out
}
