//! The template builder's edits: a department analyst picks ledger items
//! from the catalog and adds new fields with a type and constraints; each
//! edit here turns into JSON Schema the compiler then checks. The browser
//! only calls these and shows the document.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, CatalogItem};
use crate::messages::Text;
use crate::validate::FieldError;

pub mod survey;

/// A fresh template document for `entity` (optionally only the records
/// tagged `tag`), with no fields yet.
pub fn blank(id: &str, title: &str, department: &str, entity: &str, tag: &str) -> Value {
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "x-template": {"id": id, "version": 1, "department": department},
        "type": "object",
        "required": [],
        "properties": {}
    });
    if entity != "org_unit" {
        let mut subject = json!({"entity": entity});
        if !tag.trim().is_empty() {
            subject["filter"] = json!({"tags": tag.trim()});
        }
        doc["x-subject"] = subject;
    }
    doc
}

/// Catalog items of `entity` whose Chinese title or dotted name contains
/// `query` (all of them for an empty query), in catalog order.
pub fn search<'c>(catalog: &'c Catalog, entity: &str, query: &str) -> Vec<&'c CatalogItem> {
    let query = query.trim();
    catalog
        .items()
        .filter(|i| i.entity == entity)
        .filter(|i| query.is_empty() || i.title.contains(query) || i.name.contains(query))
        .collect()
}

/// The property that pre-fills `item`: its title, type and format, bound with `x-ledger`.
pub fn ledger_property(item: &CatalogItem) -> Value {
    let mut p = Map::new();
    p.insert("title".into(), Value::String(item.title.clone()));
    if let Some(t) = &item.json_type {
        p.insert("type".into(), Value::String(t.clone()));
    }
    if let Some(f) = &item.format {
        p.insert("format".into(), Value::String(f.clone()));
    }
    p.insert("x-ledger".into(), Value::String(item.name.clone()));
    Value::Object(p)
}

/// Binds new field `key` to ledger `item` (the one-click fix of a review
/// finding): the field keeps its key, title, place in `required` and
/// display hints, takes the item's type and format, and loses what only
/// typed values need (its own enum, pattern, bounds, write-back). Staff no
/// longer type it; it is pre-filled. `false` when there is no such field.
pub fn bind_to_ledger(doc: &mut Value, key: &str, item: &CatalogItem) -> bool {
    let Some(property) = doc.get_mut("properties").and_then(|p| p.get_mut(key)).and_then(Value::as_object_mut) else {
        return false;
    };
    let mut bound = match ledger_property(item) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for kept in ["title", "description", "x-ui"] {
        if let Some(value) = property.get(kept) {
            bound.insert(kept.to_owned(), value.clone());
        }
    }
    *property = bound;
    true
}

/// Types a new field may have in the builder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewFieldType {
    Text,
    Integer,
    Number,
    Date,
    Choice,
}

impl NewFieldType {
    pub const ALL: [NewFieldType; 5] =
        [NewFieldType::Text, NewFieldType::Integer, NewFieldType::Number, NewFieldType::Date, NewFieldType::Choice];

    pub fn title(self) -> Text {
        match self {
            NewFieldType::Text => Text::new("文本", "text"),
            NewFieldType::Integer => Text::new("整数", "integer"),
            NewFieldType::Number => Text::new("数字", "number"),
            NewFieldType::Date => Text::new("日期", "date"),
            NewFieldType::Choice => Text::new("单选", "choice"),
        }
    }
}

/// A new field as the builder's form describes it; empty strings are
/// "not set".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NewFieldSpec {
    pub key: String,
    pub title: String,
    pub kind: Option<NewFieldType>,
    pub required: bool,
    pub minimum: String,
    pub maximum: String,
    pub max_length: String,
    /// Choices separated by commas (，or ,) or 、.
    pub options: String,
}

fn problem(pointer: &str, code: &str, zh: String, en: String) -> FieldError {
    FieldError { pointer: pointer.to_owned(), code: code.to_owned(), message: Text::new(zh, en) }
}

/// The property of a new field, or every problem with the spec (pointers
/// name the builder's inputs: `/key`, `/minimum`, …).
pub fn new_property(spec: &NewFieldSpec) -> Result<Value, Vec<FieldError>> {
    let mut errors = Vec::new();
    let key = spec.key.trim();
    let key_ok = !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        errors.push(problem(
            "/key",
            "invalid_key",
            "字段名须以小写字母开头，只含小写字母、数字和下划线（如 aid_amount）".into(),
            "the key starts with a lowercase letter and has only lowercase letters, digits and _ (e.g. aid_amount)".into(),
        ));
    }
    if spec.title.trim().is_empty() {
        errors.push(problem("/title", "missing_title", "请填写中文名称".into(), "enter the Chinese title".into()));
    }
    let number = |text: &str, pointer: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                errors.push(problem(pointer, "not_a_number", format!("“{text}”不是数字"), format!("{text:?} is not a number")));
                None
            }
        }
    };
    let mut p = Map::new();
    p.insert("title".into(), Value::String(spec.title.trim().to_owned()));
    match spec.kind {
        None => errors.push(problem("/kind", "missing_type", "请选择类型".into(), "choose a type".into())),
        Some(NewFieldType::Text) => {
            p.insert("type".into(), "string".into());
            let text = spec.max_length.trim();
            if !text.is_empty() {
                match text.parse::<u64>() {
                    Ok(n) if n > 0 => {
                        p.insert("maxLength".into(), n.into());
                    }
                    _ => errors.push(problem(
                        "/max_length",
                        "not_a_count",
                        "最大长度须为正整数".into(),
                        "the maximum length is a positive integer".into(),
                    )),
                }
            }
        }
        Some(kind @ (NewFieldType::Integer | NewFieldType::Number)) => {
            p.insert("type".into(), if kind == NewFieldType::Integer { "integer" } else { "number" }.into());
            let min = number(&spec.minimum, "/minimum", &mut errors);
            let max = number(&spec.maximum, "/maximum", &mut errors);
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                errors.push(problem(
                    "/maximum",
                    "max_below_min",
                    format!("最大值 {b} 小于最小值 {a}"),
                    format!("maximum {b} is below minimum {a}"),
                ));
            }
            for (name, value) in [("minimum", min), ("maximum", max)] {
                if let Some(v) = value.and_then(serde_json::Number::from_f64) {
                    p.insert(name.into(), Value::Number(v));
                }
            }
        }
        Some(NewFieldType::Date) => {
            p.insert("type".into(), "string".into());
            p.insert("format".into(), "date".into());
        }
        Some(NewFieldType::Choice) => {
            let options: Vec<String> =
                spec.options.split([',', '，', '、']).map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
            if options.len() < 2 {
                errors.push(problem(
                    "/options",
                    "too_few_options",
                    "单选至少要两个选项，用逗号分隔".into(),
                    "a choice needs at least two options, separated by commas".into(),
                ));
            }
            p.insert("type".into(), "string".into());
            p.insert("enum".into(), Value::Array(options.into_iter().map(Value::String).collect()));
        }
    }
    if errors.is_empty() { Ok(Value::Object(p)) } else { Err(errors) }
}

/// Adds (or replaces) property `key`; `required` puts it in `required`.
/// A document without `properties` gets one.
pub fn add_property(doc: &mut Value, key: &str, property: Value, required: bool) {
    let Some(object) = doc.as_object_mut() else { return };
    let properties = object.entry("properties").or_insert_with(|| json!({}));
    if let Some(map) = properties.as_object_mut() {
        map.insert(key.to_owned(), property);
    }
    let list = object.entry("required").or_insert_with(|| json!([]));
    if let Some(list) = list.as_array_mut() {
        list.retain(|k| k != key);
        if required {
            list.push(Value::String(key.to_owned()));
        }
    }
}

/// Removes property `key` (and from `required`).
pub fn remove_property(doc: &mut Value, key: &str) {
    if let Some(map) = doc.get_mut("properties").and_then(Value::as_object_mut) {
        map.remove(key);
    }
    if let Some(list) = doc.get_mut("required").and_then(Value::as_array_mut) {
        list.retain(|k| k != key);
    }
}

/// The key a catalog item gets in a template: its field name, or
/// `<field>_<n>` when taken.
pub fn free_key(doc: &Value, field: &str) -> String {
    let taken = |k: &str| doc.get("properties").and_then(|p| p.get(k)).is_some();
    if !taken(field) {
        return field.to_owned();
    }
    (2..).map(|n| format!("{field}_{n}")).find(|k| !taken(k)).unwrap_or_else(|| field.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile;

    fn catalog() -> Catalog {
        Catalog::builtin().expect("catalog")
    }

    #[test]
    fn a_built_template_compiles_with_the_expected_burden() {
        let catalog = catalog();
        let mut doc = blank("aid", "临时救助", "区民政局", "person", "低保");
        for item in search(&catalog, "person", "身份证").into_iter().chain(search(&catalog, "person", "姓名").into_iter().take(1)) {
            let key = free_key(&doc, &item.field);
            add_property(&mut doc, &key, ledger_property(item), true);
        }
        let spec = NewFieldSpec {
            key: "aid_amount".into(),
            title: "救助金额（元）".into(),
            kind: Some(NewFieldType::Number),
            required: true,
            minimum: "0".into(),
            maximum: "5000".into(),
            ..NewFieldSpec::default()
        };
        add_property(&mut doc, &spec.key, new_property(&spec).expect("valid"), spec.required);
        let compiled = compile(&doc, &catalog).expect("compiles");
        assert_eq!((compiled.burden.prefilled, compiled.burden.new), (2, 1));
        assert_eq!(doc["required"], json!(["id_number", "name", "aid_amount"]));
        assert_eq!(doc["x-subject"], json!({"entity": "person", "filter": {"tags": "低保"}}));
        remove_property(&mut doc, "name");
        assert_eq!(doc["required"], json!(["id_number", "aid_amount"]));
        assert!(doc["properties"].get("name").is_none());
    }

    #[test]
    fn search_matches_chinese_titles_within_the_entity() {
        let catalog = catalog();
        let found: Vec<_> = search(&catalog, "person", "电话").iter().map(|i| i.name.as_str()).collect();
        assert_eq!(found, ["person.phone"]);
        assert!(search(&catalog, "enterprise", "").iter().all(|i| i.entity == "enterprise"));
    }

    #[test]
    fn bad_specs_name_every_input() {
        let spec = NewFieldSpec {
            key: "Bad Key".into(),
            kind: Some(NewFieldType::Number),
            minimum: "10".into(),
            maximum: "x".into(),
            ..NewFieldSpec::default()
        };
        let errors = new_property(&spec).expect_err("invalid");
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/key", "/title", "/maximum"]);
        let choice = NewFieldSpec {
            key: "k".into(),
            title: "类别".into(),
            kind: Some(NewFieldType::Choice),
            options: "甲".into(),
            ..NewFieldSpec::default()
        };
        assert_eq!(new_property(&choice).expect_err("one option").iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["too_few_options"]);
        let choice = NewFieldSpec { options: "甲，乙、丙".into(), ..choice };
        assert_eq!(new_property(&choice).expect("valid")["enum"], json!(["甲", "乙", "丙"]));
        let min_max = NewFieldSpec {
            key: "k".into(),
            title: "t".into(),
            kind: Some(NewFieldType::Integer),
            minimum: "5".into(),
            maximum: "1".into(),
            ..NewFieldSpec::default()
        };
        assert_eq!(new_property(&min_max).expect_err("max < min")[0].code, "max_below_min");
    }

    #[test]
    fn binding_a_finding_pre_fills_the_field() {
        let catalog = catalog();
        let mut doc = blank("visit", "走访", "区民政局", "person", "");
        let spec = NewFieldSpec {
            key: "home".into(),
            title: "家庭住址".into(),
            kind: Some(NewFieldType::Text),
            required: true,
            max_length: "80".into(),
            ..NewFieldSpec::default()
        };
        add_property(&mut doc, "home", new_property(&spec).expect("valid"), true);
        doc["properties"]["home"]["x-ui"] = json!({"width": 30});
        doc["properties"]["home"]["pattern"] = json!("^.{2,}$");
        let before = compile(&doc, &catalog).expect("compiles");
        assert_eq!((before.burden.prefilled, before.burden.new), (0, 1));
        let item = catalog.get("person.address").expect("item");
        assert!(bind_to_ledger(&mut doc, "home", item));
        assert_eq!(
            doc["properties"]["home"],
            json!({"title": "家庭住址", "type": "string", "x-ledger": "person.address", "x-ui": {"width": 30}})
        );
        assert_eq!(doc["required"], json!(["home"]));
        let after = compile(&doc, &catalog).expect("compiles");
        assert_eq!((after.burden.prefilled, after.burden.new), (1, 0));
        assert!(crate::review::duplicates::find(&after, &catalog, &[]).is_empty());
        assert!(!bind_to_ledger(&mut doc, "missing", item));
    }

    #[test]
    fn free_keys_do_not_overwrite() {
        let mut doc = blank("t", "t", "d", "person", "");
        assert_eq!(free_key(&doc, "name"), "name");
        add_property(&mut doc, "name", json!({}), false);
        assert_eq!(free_key(&doc, "name"), "name_2");
    }
}
