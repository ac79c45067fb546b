//! The template's own settings in the builder: 报表名称, 模板编号, 版本,
//! what each row is about (a record type with a tag filter, or a pick-mode
//! survey with kinds of rows). Changing them keeps every field: only
//! `title`, `x-template` and `x-subject` (and a pick form's kind field)
//! are rewritten.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::problem;
use crate::catalog::Catalog;
use crate::field_error::FieldError;
use crate::template::is_valid_template_id;

/// The `entity` value of the builder's form that means a pick-mode survey.
pub const PICK: &str = "pick";
/// The field a pick form keeps each row's kind in.
pub const KIND_FIELD: &str = super::survey::KIND_FIELD;

/// The settings as the builder's form holds them (text, as typed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MetaSpec {
    pub id: String,
    pub title: String,
    pub version: String,
    /// A record type (`person`), `org_unit`, or [`PICK`].
    pub entity: String,
    /// Only records tagged so (e.g. 低保), `each` mode only.
    pub tag: String,
    /// Pick mode: the kinds of rows, separated by 、 or commas, each
    /// optionally with the record type it is picked from in brackets:
    /// 受灾人员（人员）、受损房屋（房屋）、易涝点.
    pub kinds: String,
}

/// Reads the settings back from a document (after an upload, a restored
/// draft or a reopened filing).
pub fn meta_of(doc: &Value, catalog: &Catalog) -> MetaSpec {
    let t = doc.get("x-template");
    let s = doc.get("x-subject");
    let pick = s.and_then(|s| s.get("mode")).and_then(Value::as_str) == Some("pick");
    let kinds = s
        .and_then(|s| s.get("kinds"))
        .and_then(Value::as_array)
        .map(|kinds| {
            kinds
                .iter()
                .map(|k| {
                    let name = k.get("kind").and_then(Value::as_str).unwrap_or_default();
                    match k.get("entity").and_then(Value::as_str) {
                        Some(e) => format!("{name}（{}）", catalog.entity_title(e).unwrap_or(e)),
                        None => name.to_owned(),
                    }
                })
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default();
    MetaSpec {
        id: t.and_then(|t| t.get("id")).and_then(Value::as_str).unwrap_or_default().to_owned(),
        title: doc.get("title").and_then(Value::as_str).unwrap_or_default().to_owned(),
        version: t.and_then(|t| t.get("version")).map(|v| v.to_string()).unwrap_or_default(),
        entity: if pick {
            PICK.to_owned()
        } else {
            s.and_then(|s| s.get("entity")).and_then(Value::as_str).unwrap_or("org_unit").to_owned()
        },
        tag: s.and_then(|s| s.get("filter")).and_then(|f| f.get("tags")).and_then(Value::as_str).unwrap_or_default().to_owned(),
        kinds,
    }
}

/// Parses the kinds text into `{kind, entity?}` objects, naming a record
/// type by its Chinese title or its code.
fn parse_kinds(text: &str, catalog: &Catalog, errors: &mut Vec<FieldError>) -> Vec<Value> {
    let mut kinds: Vec<Value> = Vec::new();
    for part in text.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (name, entity) = match part.split_once(['（', '(']) {
            Some((name, rest)) => (name.trim(), Some(rest.trim_end_matches([')', '）']).trim())),
            None => (part, None),
        };
        let mut kind = json!({ "kind": name });
        if let Some(entity) = entity {
            let found = super::entities(catalog).into_iter().find(|(code, title)| code == entity || title == entity);
            match found {
                Some((code, _)) if code != "org_unit" => kind["entity"] = json!(code),
                _ => errors.push(problem(
                    "/kinds",
                    "unknown_entity",
                    format!("“{entity}”不是台账的记录类型，可用：{}", entity_names(catalog)),
                    format!("{entity:?} is not a ledger record type"),
                )),
            }
        }
        if kinds.iter().any(|k| k["kind"] == name) {
            errors.push(problem("/kinds", "repeated_kind", format!("行的种类“{name}”重复了"), format!("kind {name:?} is repeated")));
        }
        kinds.push(kind);
    }
    if kinds.is_empty() {
        errors.push(problem(
            "/kinds",
            "missing_kinds",
            "选取模式至少要有一种行，如：受灾人员（人员）、易涝点".into(),
            "pick mode needs at least one kind of row".into(),
        ));
    }
    kinds
}

fn entity_names(catalog: &Catalog) -> String {
    super::entities(catalog).into_iter().filter(|(e, _)| e != "org_unit").map(|(_, t)| t).collect::<Vec<_>>().join("、")
}

/// Applies the settings to `doc`, keeping its fields; every problem with
/// the settings (pointers name the form's inputs) leaves `doc` unchanged.
pub fn apply_meta(doc: &mut Value, spec: &MetaSpec, department: &str, catalog: &Catalog) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let id = spec.id.trim();
    if !is_valid_template_id(id) {
        errors.push(problem(
            "/id",
            "invalid_id",
            "模板编号用小写字母、数字和连字符（-），最多64个，如 dibao-aid".into(),
            "the id has lowercase letters, digits and hyphens (≤ 64), e.g. dibao-aid".into(),
        ));
    }
    if spec.title.trim().is_empty() {
        errors.push(problem("/title", "missing_title", "请填写报表名称".into(), "enter the report's title".into()));
    }
    let version = match spec.version.trim() {
        "" => 1,
        v => match v.parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => {
                errors.push(problem(
                    "/version",
                    "bad_version",
                    "版本须为正整数，如 1".into(),
                    "the version is a positive whole number".into(),
                ));
                1
            }
        },
    };
    let subject = if spec.entity == PICK {
        let kinds = parse_kinds(&spec.kinds, catalog, &mut errors);
        Some(json!({"mode": "pick", "kind_field": KIND_FIELD, "kinds": kinds}))
    } else if spec.entity.is_empty() || spec.entity == "org_unit" {
        None
    } else if super::entities(catalog).iter().any(|(e, _)| *e == spec.entity) {
        let mut subject = json!({"entity": spec.entity});
        if !spec.tag.trim().is_empty() {
            subject["filter"] = json!({"tags": spec.tag.trim()});
        }
        Some(subject)
    } else {
        errors.push(problem(
            "/entity",
            "unknown_entity",
            format!("“{}”不是台账的记录类型，可用：{}", spec.entity, entity_names(catalog)),
            format!("{:?} is not a ledger record type", spec.entity),
        ));
        None
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(object) = doc.as_object_mut() else { return Ok(()) };
    object.insert("title".into(), spec.title.trim().into());
    let mut template = object.get("x-template").and_then(Value::as_object).cloned().unwrap_or_default();
    template.insert("id".into(), id.into());
    template.insert("version".into(), version.into());
    if !department.is_empty() || !template.contains_key("department") {
        template.insert("department".into(), department.into());
    }
    object.insert("x-template".into(), Value::Object(template));
    let was_pick = object.get("x-subject").and_then(|s| s.get("mode")).and_then(Value::as_str) == Some("pick");
    match subject {
        Some(subject) => {
            object.insert("x-subject".into(), subject);
        }
        None => {
            object.remove("x-subject");
        }
    }
    let properties = object.entry("properties").or_insert_with(|| json!({}));
    if spec.entity == PICK {
        // The kind field: required, first, its options the kinds' names.
        let names: Vec<Value> = object
            .get("x-subject")
            .and_then(|s| s.get("kinds"))
            .and_then(Value::as_array)
            .map(|k| k.iter().map(|k| k["kind"].clone()).collect())
            .unwrap_or_default();
        if let Some(map) = object.get_mut("properties").and_then(Value::as_object_mut) {
            let mut field = map.shift_remove(KIND_FIELD).and_then(|f| f.as_object().cloned()).unwrap_or_else(Map::new);
            field.entry("title").or_insert_with(|| "类别".into());
            field.insert("type".into(), "string".into());
            field.insert("enum".into(), Value::Array(names));
            let rest = std::mem::take(map);
            map.insert(KIND_FIELD.into(), Value::Object(field));
            map.extend(rest);
        }
        let required = object.entry("required").or_insert_with(|| json!([]));
        if let Some(list) = required.as_array_mut()
            && !list.iter().any(|k| k == KIND_FIELD)
        {
            list.insert(0, KIND_FIELD.into());
        }
    } else if was_pick {
        let _ = properties;
        if let Some(map) = object.get_mut("properties").and_then(Value::as_object_mut) {
            map.shift_remove(KIND_FIELD);
        }
        if let Some(list) = object.get_mut("required").and_then(Value::as_array_mut) {
            list.retain(|k| k != KIND_FIELD);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::{NewFieldSpec, NewFieldType, add_field, add_ledger_item, blank};
    use crate::compile;

    fn catalog() -> Catalog {
        Catalog::builtin().expect("catalog")
    }

    #[test]
    fn renaming_the_report_keeps_every_field() {
        let catalog = catalog();
        let mut doc = blank("new-report", "新报表", "区民政局", "person", "");
        add_ledger_item(&mut doc, catalog.get("person.name").expect("item")).expect("added");
        let spec = MetaSpec {
            id: "dibao-aid".into(),
            title: "低保救助".into(),
            version: "2".into(),
            entity: "person".into(),
            tag: "低保".into(),
            kinds: String::new(),
        };
        apply_meta(&mut doc, &spec, "区民政局", &catalog).expect("applies");
        assert_eq!(doc["title"], "低保救助");
        assert_eq!(doc["x-template"], json!({"id": "dibao-aid", "version": 2, "department": "区民政局"}));
        assert_eq!(doc["x-subject"], json!({"entity": "person", "filter": {"tags": "低保"}}));
        assert!(doc["properties"].get("name").is_some(), "the field stays");
        assert_eq!(meta_of(&doc, &catalog), spec);
        let bad = MetaSpec { id: "Bad Id".into(), title: " ".into(), version: "0".into(), entity: "people".into(), ..spec };
        let before = doc.clone();
        let errors = apply_meta(&mut doc, &bad, "区民政局", &catalog).expect_err("bad");
        assert_eq!(errors.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(), ["/id", "/title", "/version", "/entity"]);
        assert!(errors[3].message.zh.contains("人员"), "{:?}", errors[3].message);
        assert_eq!(doc, before);
    }

    #[test]
    fn a_pick_survey_is_authored_from_kinds_in_chinese() {
        let catalog = catalog();
        let mut doc = blank("new-report", "新报表", "区应急管理局", "person", "");
        let spec = MetaSpec {
            id: "flood-check".into(),
            title: "汛期隐患排查".into(),
            version: "1".into(),
            entity: PICK.into(),
            tag: String::new(),
            kinds: "受灾人员（人员）、受损房屋(house)、易涝点".into(),
        };
        apply_meta(&mut doc, &spec, "区应急管理局", &catalog).expect("applies");
        let field = NewFieldSpec {
            key: "damage".into(),
            title: "受灾程度".into(),
            kind: Some(NewFieldType::Choice),
            required: true,
            options: "轻微、严重".into(),
            ..NewFieldSpec::default()
        };
        add_field(&mut doc, &field).expect("added");
        let compiled = compile(&doc, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(compiled.subject.is_pick());
        assert_eq!(compiled.fields[0].options, ["受灾人员", "受损房屋", "易涝点"]);
        assert_eq!(meta_of(&doc, &catalog).kinds, "受灾人员（人员）、受损房屋（房屋）、易涝点");
        let back = MetaSpec { entity: "person".into(), ..spec };
        apply_meta(&mut doc, &back, "区应急管理局", &catalog).expect("applies");
        assert!(doc["properties"].get(KIND_FIELD).is_none());
        compile(&doc, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    }
}
