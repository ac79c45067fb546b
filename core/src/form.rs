//! A generated form: a template's columns and one row per subject record,
//! pre-filled from the ledger, with where each value came from.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::FieldPlan;
use crate::ledger::OrgUnit;

/// Where a pre-filled value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The ledger item, e.g. `person.name`.
    pub item: String,
    pub record_id: String,
    pub record_version: u32,
    pub updated_at: String,
    pub updated_by: String,
}

/// The version of the subject record a row's pre-filled values came from.
/// One per row, not per cell: every pre-filled cell of a row comes from the
/// same record (the row's `subject_id`), so the per-cell provenance is this
/// plus the column's ledger item ([`FormRow::provenance`]). A 2,000-row form
/// stays a fifth of the size it would be with the record repeated per cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordVersion {
    pub version: u32,
    pub updated_at: String,
    pub updated_by: String,
}

crate::read_object!(RecordVersion { version, updated_at, updated_by } default {});

/// One row of a generated form: one subject record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormRow {
    /// The subject's ledger record id.
    pub subject_id: String,
    /// Pre-filled values, by field key. New fields are absent.
    pub values: Map<String, Value>,
    /// The subject record's version; `None` for a form about the org unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordVersion>,
}

crate::read_object!(FormRow { subject_id, values } default { record });

impl FormRow {
    /// Whom this row is about: see [`subject_label`].
    pub fn subject_label(&self, columns: &[FieldPlan]) -> SubjectLabel {
        subject_label(columns, &self.values)
    }

    /// Where the value of `column` in this row came from: `None` unless the
    /// column is bound to the ledger and the row has a value for it.
    pub fn provenance(&self, column: &FieldPlan) -> Option<Provenance> {
        let crate::compile::FieldSource::Ledger { item } = &column.source else { return None };
        let record = self.record.as_ref()?;
        self.values.get(&column.key)?;
        Some(Provenance {
            item: item.clone(),
            record_id: self.subject_id.clone(),
            record_version: record.version,
            updated_at: record.updated_at.clone(),
            updated_by: record.updated_by.clone(),
        })
    }
}

/// A generated form: the template, its columns and one pre-filled row per subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub org_unit: OrgUnit,
    /// The template document, so the browser compiles the same validator.
    pub schema: Value,
    pub columns: Vec<FieldPlan>,
    pub rows: Vec<FormRow>,
    /// The compiled template as data, so the browser validates and computes
    /// without compiling (issue 14). Set where a form is served to a
    /// browser (`service::forms`); absent from forms made for other uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<crate::compile::TemplatePlan>,
    /// The catalog's title of each ledger item a column is filled from, for
    /// the provenance shown beside a pre-filled value: the village app does
    /// not carry the catalog (issue 14). Set where a form is served to a
    /// browser (`service::forms`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub item_titles: std::collections::BTreeMap<String, String>,
}

crate::read_object!(Form { template_id, template_version, title, org_unit, schema, columns, rows } default { plan, item_titles });

/// Whom a form row is about, as a person reads it: the value of its first
/// `*.name` column (else its first pre-filled text), and its ID number or
/// credit code masked — for headers and accessible names.
pub fn subject_label<C: std::borrow::Borrow<FieldPlan>>(columns: &[C], values: &Map<String, Value>) -> SubjectLabel {
    use crate::compile::FieldSource;
    let columns = || columns.iter().map(std::borrow::Borrow::borrow);
    let bound = |column: &&FieldPlan| matches!(&column.source, FieldSource::Ledger { .. });
    let text = |column: &FieldPlan| values.get(&column.key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let is_name = |column: &&FieldPlan| matches!(&column.source, FieldSource::Ledger { item } if item.ends_with(".name"));
    let name = columns().filter(is_name).find_map(text).or_else(|| columns().filter(bound).find_map(text));
    let identifier = columns()
        .filter(bound)
        .filter(|c| {
            matches!(c.format.as_deref(), Some("cn-id-number" | "cn-credit-code"))
                || matches!(&c.source, FieldSource::Ledger { item } if item.ends_with("id_number") || item.ends_with("credit_code"))
        })
        .find_map(text)
        .map(|id| crate::access::mask(crate::catalog::Sensitivity::IdNumber, &id));
    SubjectLabel { name: name.unwrap_or_default(), identifier }
}

/// Whom a form row is about: see [`subject_label`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectLabel {
    pub name: String,
    /// The masked identifier (`500118********8792`), when the row has one.
    pub identifier: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compile::FieldSource;
    use crate::test_support::column;

    #[test]
    fn a_row_is_named_by_its_subject_with_the_identifier_masked() {
        let ledger = |item: &str| FieldSource::Ledger { item: item.into() };
        let columns = [
            column("addr", ledger("person.address")),
            column("xm", ledger("person.name")),
            column("sfz", ledger("person.id_number")),
            column("note", FieldSource::New),
        ];
        let values = json!({"addr": "永川区1号", "xm": "张三", "sfz": "500118197501168792", "note": "x"});
        let label = subject_label(&columns, values.as_object().unwrap());
        assert_eq!(label, SubjectLabel { name: "张三".into(), identifier: Some("500118********8792".into()) });
        // No name column: the first pre-filled text; no identifier: none.
        let label = subject_label(&columns[..1], values.as_object().unwrap());
        assert_eq!(label, SubjectLabel { name: "永川区1号".into(), identifier: None });
        assert_eq!(subject_label(&columns, &Map::new()), SubjectLabel::default());
    }
}
