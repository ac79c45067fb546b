//! The quick builder of ad-hoc emergency surveys (issue 8): a title, the
//! kinds of rows (each picked from a ledger entity, or with none — a
//! flood-prone point), and a few new fields with a type. It writes a `pick`
//! template (see `docs/templates.md`) that the compiler then checks like any
//! other; each kind's identifying ledger items are bound so that a picked
//! row shows what was picked.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{NewFieldSpec, ledger_property, new_property, problem};
use crate::catalog::Catalog;
use crate::field_error::FieldError;

/// The field holding each row's kind.
pub const KIND_FIELD: &str = "category";
/// Ledger fields bound for a picked kind when its entity has them: enough
/// to recognise the record, never more (the survey is about the event).
pub const IDENTIFYING: [&str; 7] = ["name", "id_number", "address", "credit_code", "parcel_no", "location", "owner_name"];
/// Most kinds and new fields of a quick survey.
pub const MAX_KINDS: usize = 8;
pub const MAX_FIELDS: usize = 20;

/// One kind of row: its title (e.g. 受损房屋) and the ledger entity its
/// rows are picked from (`""`: rows are always new, e.g. 易涝点).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SurveyKindSpec {
    pub kind: String,
    #[serde(default)]
    pub entity: String,
}

/// What the quick builder's form holds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QuickSurveySpec {
    pub id: String,
    pub title: String,
    pub department: String,
    pub kinds: Vec<SurveyKindSpec>,
    pub fields: Vec<NewFieldSpec>,
}

/// The `pick` template of `spec`, or every problem with pointers into the
/// spec (`/title`, `/kinds/1/entity`, `/fields/0/key`, …). The result still
/// goes through `compile`, which is the authority on the document.
pub fn survey_document(spec: &QuickSurveySpec, catalog: &Catalog) -> Result<Value, Vec<FieldError>> {
    let mut errors = Vec::new();
    if spec.title.trim().is_empty() {
        errors.push(problem("/title", "missing_title", "请填写摸排表名称".into(), "the survey needs a title".into()));
    }
    if spec.kinds.is_empty() || spec.kinds.len() > MAX_KINDS {
        errors.push(problem(
            "/kinds",
            "bad_kinds",
            format!("请选择 1–{MAX_KINDS} 类摸排对象"),
            format!("choose 1–{MAX_KINDS} kinds of rows"),
        ));
    }
    if spec.fields.is_empty() || spec.fields.len() > MAX_FIELDS {
        errors.push(problem(
            "/fields",
            "bad_fields",
            format!("请添加 1–{MAX_FIELDS} 个需填写的字段（如受灾程度）"),
            format!("add 1–{MAX_FIELDS} fields to fill in (e.g. damage level)"),
        ));
    }
    let mut properties = Map::new();
    properties.insert("category".into(), json!({"title": "类别", "type": "string", "enum": []}));
    let mut kinds = Vec::new();
    for (i, k) in spec.kinds.iter().enumerate() {
        let kind = k.kind.trim();
        if kind.is_empty() || kinds.iter().any(|x: &Value| x["kind"] == kind) {
            errors.push(problem(
                &format!("/kinds/{i}/kind"),
                "bad_kind",
                "每类对象须有名称，且不能重复".into(),
                "each kind needs a name, used once".into(),
            ));
            continue;
        }
        let entity = k.entity.trim();
        if entity.is_empty() {
            kinds.push(json!({"kind": kind}));
            continue;
        }
        let items: Vec<_> = catalog.items().filter(|c| c.entity == entity).collect();
        if items.is_empty() || kinds.iter().any(|x: &Value| x["entity"] == entity) {
            errors.push(problem(
                &format!("/kinds/{i}/entity"),
                "bad_entity",
                format!("“{entity}”不是台账类型，或已被另一类对象使用"),
                format!("\"{entity}\" is not a ledger type, or another kind uses it"),
            ));
            continue;
        }
        for item in items.iter().filter(|c| IDENTIFYING.contains(&c.field.as_str())) {
            properties.insert(format!("{entity}_{}", item.field), ledger_property(item));
        }
        kinds.push(json!({"kind": kind, "entity": entity}));
    }
    properties["category"]["enum"] = Value::Array(kinds.iter().map(|k| k["kind"].clone()).collect());
    let mut required = vec![json!(KIND_FIELD)];
    for (i, field) in spec.fields.iter().enumerate() {
        let prefix = format!("/fields/{i}");
        match new_property(field) {
            Ok(property) => {
                let key = field.key.trim();
                if properties.contains_key(key) {
                    errors.push(problem(
                        &format!("{prefix}/key"),
                        "duplicate_key",
                        format!("字段名 {key} 已被使用（台账字段或另一字段）"),
                        format!("the key {key} is already used (a ledger item or another field)"),
                    ));
                    continue;
                }
                if field.required {
                    required.push(json!(key));
                }
                properties.insert(key.to_owned(), property);
            }
            Err(found) => errors.extend(found.into_iter().map(|e| e.under(&prefix))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": spec.title.trim(),
        "x-template": {"id": spec.id, "version": 1, "department": spec.department},
        "x-subject": {"mode": "pick", "kind_field": KIND_FIELD, "kinds": kinds},
        "type": "object",
        "required": required,
        "properties": properties
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::NewFieldType;
    use crate::compile;

    fn field(key: &str, title: &str, kind: NewFieldType, required: bool) -> NewFieldSpec {
        NewFieldSpec { key: key.into(), title: title.into(), kind: Some(kind), required, ..NewFieldSpec::default() }
    }

    fn spec() -> QuickSurveySpec {
        QuickSurveySpec {
            id: "adhoc-1".into(),
            title: "山洪受灾快报".into(),
            department: "区应急管理局".into(),
            kinds: vec![
                SurveyKindSpec { kind: "受灾人员".into(), entity: "person".into() },
                SurveyKindSpec { kind: "受损房屋".into(), entity: "house".into() },
                SurveyKindSpec { kind: "塌方点".into(), entity: String::new() },
            ],
            fields: vec![
                field("damage", "受灾程度", NewFieldType::Choice, true),
                field("loss", "损失（万元）", NewFieldType::Number, false),
            ],
        }
    }

    #[test]
    fn a_quick_survey_compiles_in_pick_mode_with_identifying_items_bound() {
        let catalog = Catalog::builtin().expect("catalog");
        let mut s = spec();
        s.fields[0].options = "轻微、严重".into();
        let doc = survey_document(&s, &catalog).expect("valid spec");
        let t = compile(&doc, &catalog).expect("compiles");
        assert!(t.subject.is_pick());
        assert_eq!(t.subject.kinds.len(), 3);
        assert_eq!(t.subject.kind_of("house").map(|k| k.kind.as_str()), Some("受损房屋"));
        assert!(t.field("person_id_number").is_some());
        assert!(t.field("house_address").is_some());
        assert_eq!(doc["required"], json!(["category", "damage"]));
    }

    #[test]
    fn mistakes_point_at_the_builders_inputs() {
        let catalog = Catalog::builtin().expect("catalog");
        let mut s = spec();
        s.title = " ".into();
        s.kinds.push(SurveyKindSpec { kind: "受灾人员".into(), entity: String::new() });
        s.kinds.push(SurveyKindSpec { kind: "车辆".into(), entity: "car".into() });
        s.fields.push(field("person_name", "姓名", NewFieldType::Text, false));
        s.fields.push(field("Bad Key", "x", NewFieldType::Text, false));
        let errors = survey_document(&s, &catalog).expect_err("invalid");
        let got: Vec<String> = errors.iter().map(|e| format!("{} {}", e.pointer, e.code)).collect();
        assert_eq!(
            got,
            [
                "/title missing_title",
                "/kinds/3/kind bad_kind",
                "/kinds/4/entity bad_entity",
                "/fields/0/options too_few_options",
                "/fields/2/key duplicate_key",
                "/fields/3/key invalid_key"
            ]
        );
        assert!(errors.iter().all(|e| !e.message.zh.is_empty() && !e.message.en.is_empty()));
    }
}
