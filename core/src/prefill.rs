//! Pre-filling: one form row per subject record, every bound field taken
//! from the ledger, new fields left for staff.

use serde_json::{Map, Value, json};

use crate::compile::{CompiledTemplate, FieldSource, compute_row};
use crate::expr::Date;
use crate::form::{Form, FormRow, RecordVersion};
use crate::ids::LedgerItem;
use crate::ledger::{LedgerRecord, OrgUnit};

/// Generates the form of `template` for `org_unit` from the ledger records
/// of that unit. Records of other entities, or that fail the subject filter,
/// are ignored, so a caller may pass a superset.
///
/// Computed fields are filled too, except `age()`, which needs a date: use
/// [`prefill_on`] to pass today's.
pub fn prefill(template: &CompiledTemplate, org_unit: &OrgUnit, records: &[LedgerRecord]) -> Form {
    prefill_at(template, org_unit, records, None)
}

/// [`prefill`] on a given day, so `age()` formulas are filled as well.
pub fn prefill_on(template: &CompiledTemplate, org_unit: &OrgUnit, records: &[LedgerRecord], today: Date) -> Form {
    prefill_at(template, org_unit, records, Some(today))
}

fn prefill_at(template: &CompiledTemplate, org_unit: &OrgUnit, records: &[LedgerRecord], today: Option<Date>) -> Form {
    let mut rows = if template.subject.is_pick() {
        // A pick form starts empty: staff add rows (`crate::survey::pick_row`).
        Vec::new()
    } else if template.subject.entity == "org_unit" {
        vec![row_for(template, &org_unit_record(org_unit), false)]
    } else {
        records
            .iter()
            .filter(|r| r.entity == template.subject.entity && r.org_unit == org_unit.code)
            .filter(|r| template.subject.matches(&r.data))
            .map(|r| row_for(template, r, true))
            .collect()
    };
    for row in &mut rows {
        compute_row(template, &mut row.values, today);
    }
    Form {
        template_id: template.meta.id.clone(),
        template_version: template.meta.version,
        title: template.title.clone(),
        org_unit: org_unit.clone(),
        schema: template.schema.clone(),
        columns: template.fields.clone(),
        rows,
        plan: None,
        item_titles: Default::default(),
    }
}

/// The org unit seen as a ledger record, for templates about the unit itself.
fn org_unit_record(unit: &OrgUnit) -> LedgerRecord {
    LedgerRecord {
        id: format!("org_unit:{}", unit.code),
        entity: "org_unit".to_owned(),
        org_unit: unit.code.clone(),
        version: 1,
        updated_at: String::new(),
        updated_by: String::new(),
        data: json!({
            "code": unit.code, "name": unit.name,
            "level": unit.level.as_str(), "parent_code": unit.parent_code
        }),
    }
}

fn row_for(template: &CompiledTemplate, record: &LedgerRecord, with_version: bool) -> FormRow {
    let mut values = Map::new();
    for field in &template.fields {
        let FieldSource::Ledger { item } = &field.source else { continue };
        let Some((_, ledger_field)) = LedgerItem::split(item) else { continue };
        match record.data.get(ledger_field) {
            None | Some(Value::Null) => {}
            Some(value) => {
                values.insert(field.key.clone(), value.clone());
            }
        }
    }
    let record_version = with_version.then(|| RecordVersion {
        version: record.version,
        updated_at: record.updated_at.clone(),
        updated_by: record.updated_by.clone(),
    });
    FormRow { subject_id: record.id.clone(), values, record: record_version }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgLevel;
    use crate::{Catalog, compile};

    fn village() -> OrgUnit {
        OrgUnit { code: "500118100001".into(), name: "青峰村".into(), level: OrgLevel::Village, parent_code: Some("500118100".into()) }
    }

    fn person(id: &str, org_unit: &str, tags: &[&str]) -> LedgerRecord {
        LedgerRecord {
            id: id.into(),
            entity: "person".into(),
            org_unit: org_unit.into(),
            version: 3,
            updated_at: "2026-01-01T00:00:00Z".into(),
            updated_by: "import".into(),
            data: json!({"name": format!("人{id}"), "id_number": "11010519491231002X", "tags": tags}),
        }
    }

    #[test]
    fn one_row_per_matching_subject_with_provenance() {
        let text = crate::schemas::BUILTIN_TEMPLATES[0].1;
        let template = compile(&serde_json::from_str(text).expect("json"), &Catalog::builtin().expect("catalog")).expect("compiles");
        let records =
            [person("p1", "500118100001", &["低保"]), person("p2", "500118100001", &["残疾"]), person("p3", "500118100002", &["低保"])];
        let form = prefill(&template, &village(), &records);
        assert_eq!(form.rows.len(), 1, "only p1 is a 低保 person of this village");
        let row = &form.rows[0];
        assert_eq!(row.subject_id, "p1");
        assert_eq!(row.values["name"], json!("人p1"));
        assert!(!row.values.contains_key("address"), "absent ledger values stay absent");
        assert!(!row.values.contains_key("monthly_income"), "new fields are not pre-filled");
        let column = |key: &str| template.fields.iter().find(|f| f.key == key).expect("column");
        let id = row.provenance(column("id_number")).expect("a pre-filled cell has provenance");
        assert_eq!((id.item.as_str(), id.record_id.as_str(), id.record_version), ("person.id_number", "p1", 3));
        assert_eq!(id.updated_by, "import");
        assert_eq!(row.provenance(column("address")), None, "no value, no provenance");
        assert_eq!(row.provenance(column("monthly_income")), None, "new fields have none");
    }

    #[test]
    fn template_without_subject_has_one_row_for_the_unit() {
        let template = compile(
            &json!({
                "x-template": {"id": "village-basics", "version": 1},
                "type": "object",
                "properties": {"village": {"type": "string", "x-ledger": "org_unit.name"}, "households": {"type": "integer"}}
            }),
            &Catalog::builtin().expect("catalog"),
        )
        .expect("compiles");
        let form = prefill(&template, &village(), &[]);
        assert_eq!(form.rows.len(), 1);
        assert_eq!(form.rows[0].values["village"], json!("青峰村"));
    }

    #[test]
    fn generated_rows_come_with_computed_values() {
        let template = compile(
            &json!({
                "x-template": {"id": "elderly", "version": 1},
                "x-subject": {"entity": "person"},
                "type": "object",
                "properties": {
                    "id_number": {"type": "string", "x-ledger": "person.id_number"},
                    "name": {"type": "string", "x-ledger": "person.name"},
                    "age": {"type": "integer", "x-compute": "age(id_number)"},
                    "name_len": {"type": "integer", "x-compute": "len(name)"}
                }
            }),
            &Catalog::builtin().expect("catalog"),
        )
        .expect("compiles");
        let records = [person("p1", "500118100001", &[])];
        let on = prefill_on(&template, &village(), &records, Date { year: 2026, month: 11, day: 2 });
        assert_eq!(on.rows[0].values["age"], json!(76));
        assert_eq!(on.rows[0].values["name_len"], json!(3));
        let undated = prefill(&template, &village(), &records);
        assert!(!undated.rows[0].values.contains_key("age"), "no date, no age");
        assert_eq!(undated.rows[0].values["name_len"], json!(3));
        let age = template.fields.iter().find(|f| f.key == "age").expect("age column");
        assert_eq!(on.rows[0].provenance(age), None, "computed values have no ledger provenance");
    }
}
