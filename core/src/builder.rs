//! The template builder's edits: a department analyst picks ledger items
//! from the catalog and adds new fields with a type and constraints; each
//! edit here turns into JSON Schema the compiler then checks. The browser
//! only calls these and shows the document.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, CatalogItem};
use crate::field_error::FieldError;
use crate::text::Text;

pub mod meta;
pub mod presets;
pub mod source;
pub mod survey;
pub mod undo;

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

/// Catalog items of `entity` whose Chinese title, another name departments
/// give it (`x-aliases`: 地址 and 家庭住址 find 住址, 身份证号码 finds 身份证号)
/// or dotted name contains `query` (all of them for an empty query), in
/// catalog order.
pub fn search<'c>(catalog: &'c Catalog, entity: &str, query: &str) -> Vec<&'c CatalogItem> {
    search_hits(catalog, entity, query).into_iter().map(|h| h.item).collect()
}

/// A catalog item found by [`search_hits`], with the other name it was
/// found by when not its title (地址 for 住址).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit<'c> {
    pub item: &'c CatalogItem,
    pub alias: Option<&'c str>,
}

/// [`search`], saying which other name matched.
pub fn search_hits<'c>(catalog: &'c Catalog, entity: &str, query: &str) -> Vec<SearchHit<'c>> {
    let query = query.trim();
    catalog
        .items()
        .filter(|i| i.entity == entity)
        .filter_map(|item| {
            if query.is_empty() || item.title.contains(query) || item.name.contains(query) || query.contains(item.title.as_str()) {
                return Some(SearchHit { item, alias: None });
            }
            let alias = item.aliases.iter().find(|a| a.contains(query) || query == a.as_str())?;
            Some(SearchHit { item, alias: Some(alias.as_str()) })
        })
        .collect()
}

/// The record types rows can be about, with their Chinese names (人员 for
/// `person`), in catalog order; `org_unit` (one row per village) first.
pub fn entities(catalog: &Catalog) -> Vec<(String, String)> {
    let mut list: Vec<String> = catalog.items().map(|i| i.entity.clone()).collect();
    list.dedup();
    list.sort_by_key(|e| e != "org_unit");
    list.into_iter()
        .map(|e| {
            let title = if e == "org_unit" {
                "村（社区）本身（每村一行）".to_owned()
            } else {
                catalog.entity_title(&e).map_or_else(|| e.clone(), str::to_owned)
            };
            (e, title)
        })
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
    /// 是 / 否.
    Boolean,
    /// Computed from other fields by a formula (`x-compute`); not typed by staff.
    Computed,
}

impl NewFieldType {
    pub const ALL: [NewFieldType; 7] = [
        NewFieldType::Text,
        NewFieldType::Integer,
        NewFieldType::Number,
        NewFieldType::Date,
        NewFieldType::Choice,
        NewFieldType::Boolean,
        NewFieldType::Computed,
    ];

    pub fn title(self) -> Text {
        match self {
            NewFieldType::Text => Text::new("文本", "text"),
            NewFieldType::Integer => Text::new("整数", "integer"),
            NewFieldType::Number => Text::new("数字", "number"),
            NewFieldType::Date => Text::new("日期", "date"),
            NewFieldType::Choice => Text::new("单选", "choice"),
            NewFieldType::Boolean => Text::new("是/否", "yes/no"),
            NewFieldType::Computed => Text::new("自动计算（公式）", "computed (formula)"),
        }
    }

    /// The stable name the builder's form keeps (`text`, `computed` …).
    pub fn as_str(self) -> &'static str {
        match self {
            NewFieldType::Text => "text",
            NewFieldType::Integer => "integer",
            NewFieldType::Number => "number",
            NewFieldType::Date => "date",
            NewFieldType::Choice => "choice",
            NewFieldType::Boolean => "boolean",
            NewFieldType::Computed => "computed",
        }
    }

    pub fn parse(name: &str) -> Option<NewFieldType> {
        NewFieldType::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A field as the builder's form describes it; empty strings are
/// "not set". The same spec adds a field and edits one
/// ([`field_spec`] reads a property back into it).
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
    /// A text field's ready-made format ([`presets::PRESETS`] id), or
    /// [`presets::CUSTOM`] for the author's own `pattern`.
    #[serde(default)]
    pub preset: String,
    /// The author's own regex (with `preset` = `custom`).
    #[serde(default)]
    pub pattern: String,
    /// The formula of a computed field.
    #[serde(default)]
    pub formula: String,
    /// Help text shown beside the input (`x-ui.help`).
    #[serde(default)]
    pub help: String,
    /// Cell width in characters (`x-ui.width`).
    #[serde(default)]
    pub width: String,
    /// Column position (`x-ui.order`).
    #[serde(default)]
    pub order: String,
    /// Several lines of text (`x-ui.widget: textarea`).
    #[serde(default)]
    pub multiline: bool,
    /// The submitted value is written into the ledger (`x-writeback`).
    #[serde(default)]
    pub writeback: bool,
    /// Personal data to mask (`x-sensitive`), e.g. a bank card number.
    #[serde(default)]
    pub sensitive: bool,
    /// Set when the field is bound to a ledger item: only its title,
    /// required mark and display hints are the author's to edit.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ledger: String,
}

/// A builder input's problem; `zh`/`en` typed so callers may pass `.into()`.
fn problem(pointer: &str, code: &str, zh: String, en: String) -> FieldError {
    FieldError::zh_en(pointer, code, zh, en)
}

/// Keywords of a property the builder writes; [`update_field`] replaces
/// these and keeps every other keyword a hand-written template has.
const MANAGED: &[&str] = &[
    "title",
    "type",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "maxLength",
    "enum",
    "x-compute",
    "x-writeback",
    "x-writeback-item",
    "x-sensitive",
];
/// Hints of `x-ui` the builder writes.
const MANAGED_UI: &[&str] = &["help", "width", "order", "widget"];

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The type of a computed field's result, read from its formula:
/// `age()` and `len()` give whole numbers, a formula with a text literal
/// text, anything else a number.
pub fn computed_type(formula: &str) -> &'static str {
    let f = formula.trim();
    if (f.starts_with("age(") || f.starts_with("len(")) && f.ends_with(')') && f.matches('(').count() == 1 {
        "integer"
    } else if f.contains('\'') || f.contains('"') {
        "string"
    } else {
        "number"
    }
}

/// The property of a new field, or every problem with the spec (pointers
/// name the builder's inputs: `/key`, `/minimum`, …).
pub fn new_property(spec: &NewFieldSpec) -> Result<Value, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !is_key(spec.key.trim()) {
        errors.push(problem(
            "/key",
            "invalid_key",
            "字段名须以小写字母开头，只含小写字母、数字和下划线（如 aid_amount）".into(),
            "the key starts with a lowercase letter and has only lowercase letters, digits and _ (e.g. aid_amount)".into(),
        ));
    }
    if spec.title.trim().is_empty() {
        errors.push(problem("/title", "missing_title", "请填写中文名称（村里看到的列名）".into(), "enter the Chinese title".into()));
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
    let mut sensitive = spec.sensitive;
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
            match spec.preset.trim() {
                "" => {}
                presets::CUSTOM => {
                    let pattern = spec.pattern.trim();
                    if pattern.is_empty() {
                        errors.push(problem(
                            "/pattern",
                            "missing_pattern",
                            "请写出自定义格式（正则表达式），如 ^[0-9]{8}$ 表示8位数字".into(),
                            "write the custom format (a regex), e.g. ^[0-9]{8}$ for 8 digits".into(),
                        ));
                    } else {
                        p.insert("pattern".into(), pattern.into());
                        if spec.help.trim().is_empty() && presets::expected_for_pattern(pattern).is_none() {
                            errors.push(problem(
                                "/help",
                                "missing_help",
                                "自定义格式请写填写说明，村里填错时看到它，如：应为8位档案编号".into(),
                                "a custom format needs help text that villages read when a value does not fit".into(),
                            ));
                        }
                    }
                }
                id => match presets::by_id(id) {
                    Some(preset) => {
                        if let Some(format) = preset.format {
                            p.insert("format".into(), format.into());
                        }
                        if let Some(pattern) = preset.pattern {
                            p.insert("pattern".into(), pattern.into());
                        }
                        sensitive |= preset.sensitive;
                    }
                    None => errors.push(problem("/preset", "unknown_preset", format!("没有格式“{id}”"), format!("no preset {id:?}"))),
                },
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
                let number = match value {
                    Some(v) if kind == NewFieldType::Integer || v.fract() == 0.0 => {
                        (v.abs() < 9e15).then(|| serde_json::Number::from(v as i64))
                    }
                    Some(v) => serde_json::Number::from_f64(v),
                    None => None,
                };
                if let Some(v) = number {
                    p.insert(name.into(), Value::Number(v));
                }
            }
        }
        Some(NewFieldType::Date) => {
            p.insert("type".into(), "string".into());
            p.insert("format".into(), "date".into());
        }
        Some(NewFieldType::Boolean) => {
            p.insert("type".into(), "boolean".into());
        }
        Some(NewFieldType::Choice) => {
            let options: Vec<String> =
                spec.options.split([',', '，', '、']).map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
            if options.len() < 2 {
                errors.push(problem(
                    "/options",
                    "too_few_options",
                    "单选至少要两个选项，用逗号或顿号分隔，如：是、否".into(),
                    "a choice needs at least two options, separated by commas".into(),
                ));
            }
            let mut seen = Vec::new();
            for o in &options {
                if seen.contains(o) {
                    errors.push(problem("/options", "repeated_option", format!("选项“{o}”重复了"), format!("option {o:?} is repeated")));
                }
                seen.push(o.clone());
            }
            p.insert("type".into(), "string".into());
            p.insert("enum".into(), Value::Array(options.into_iter().map(Value::String).collect()));
        }
        Some(NewFieldType::Computed) => {
            let formula = spec.formula.trim();
            if formula.is_empty() {
                errors.push(problem(
                    "/formula",
                    "missing_formula",
                    "请写计算公式，如 round(income / members, 2)".into(),
                    "write the formula, e.g. round(income / members, 2)".into(),
                ));
            }
            p.insert("type".into(), computed_type(formula).into());
            p.insert("x-compute".into(), formula.into());
        }
    }
    if spec.writeback {
        if spec.kind == Some(NewFieldType::Computed) {
            errors.push(problem(
                "/writeback",
                "computed_writeback",
                "计算字段不能回写台账".into(),
                "a computed field cannot be written back".into(),
            ));
        } else {
            p.insert("x-writeback".into(), true.into());
        }
    }
    if sensitive {
        // The compiler accepts the keyword on new text fields only (dates and choices are text).
        if matches!(spec.kind, Some(NewFieldType::Text | NewFieldType::Date | NewFieldType::Choice)) {
            p.insert("x-sensitive".into(), true.into());
        } else {
            errors.push(problem(
                "/sensitive",
                "sensitive_not_text",
                "只有文字类字段可以标记为敏感：银行卡号等请选“文本”类型".into(),
                "only text fields can be marked sensitive: type a bank card number as text".into(),
            ));
        }
    }
    let ui = ui_of(spec, &mut errors);
    if !ui.is_empty() {
        p.insert("x-ui".into(), Value::Object(ui));
    }
    if errors.is_empty() { Ok(Value::Object(p)) } else { Err(errors) }
}

/// The `x-ui` hints of a spec: help, width, order, a text area.
fn ui_of(spec: &NewFieldSpec, errors: &mut Vec<FieldError>) -> Map<String, Value> {
    let mut ui = Map::new();
    if !spec.help.trim().is_empty() {
        ui.insert("help".into(), spec.help.trim().into());
    }
    let width = spec.width.trim();
    if !width.is_empty() {
        match width.parse::<u64>() {
            Ok(w) if (1..=crate::compile::MAX_WIDTH).contains(&w) => {
                ui.insert("width".into(), w.into());
            }
            _ => errors.push(problem(
                "/width",
                "bad_width",
                format!("宽度须为 1–{} 的整数（字符数）", crate::compile::MAX_WIDTH),
                format!("the width is a whole number of characters, 1–{}", crate::compile::MAX_WIDTH),
            )),
        }
    }
    let order = spec.order.trim();
    if !order.is_empty() {
        match order.parse::<i32>() {
            Ok(o) => {
                ui.insert("order".into(), o.into());
            }
            _ => errors.push(problem("/order", "bad_order", "顺序须为整数，如 1".into(), "the order is a whole number, e.g. 1".into())),
        }
    }
    if spec.multiline && matches!(spec.kind, Some(NewFieldType::Text) | None) {
        ui.insert("widget".into(), "textarea".into());
    }
    ui
}

/// Reads property `key` back into the builder's form, to edit it.
pub fn field_spec(doc: &Value, key: &str) -> Option<NewFieldSpec> {
    let p = doc.get("properties")?.get(key)?;
    let text = |name: &str| p.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let number = |name: &str| p.get(name).map(|v| if v.is_number() { v.to_string() } else { String::new() }).unwrap_or_default();
    let ui = |name: &str| p.get("x-ui").and_then(|u| u.get(name));
    let format = p.get("format").and_then(Value::as_str);
    let pattern = p.get("pattern").and_then(Value::as_str);
    let options: Vec<&str> =
        p.get("enum").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let kind = if p.get("x-compute").is_some() {
        Some(NewFieldType::Computed)
    } else if !options.is_empty() {
        Some(NewFieldType::Choice)
    } else {
        match (p.get("type").and_then(Value::as_str), format) {
            (Some("integer"), _) => Some(NewFieldType::Integer),
            (Some("number"), _) => Some(NewFieldType::Number),
            (Some("boolean"), _) => Some(NewFieldType::Boolean),
            (_, Some("date")) => Some(NewFieldType::Date),
            _ => Some(NewFieldType::Text),
        }
    };
    let preset = match presets::of_field(format, pattern) {
        Some(preset) => preset.id.to_owned(),
        None if pattern.is_some() => presets::CUSTOM.to_owned(),
        None => String::new(),
    };
    let required = doc.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|k| k == key));
    Some(NewFieldSpec {
        key: key.to_owned(),
        title: text("title"),
        kind: if p.get("x-ledger").is_some() { None } else { kind },
        required,
        minimum: number("minimum"),
        maximum: number("maximum"),
        max_length: number("maxLength"),
        options: options.join("、"),
        pattern: if preset == presets::CUSTOM { pattern.unwrap_or_default().to_owned() } else { String::new() },
        preset,
        formula: text("x-compute"),
        help: ui("help").and_then(Value::as_str).unwrap_or_default().to_owned(),
        width: ui("width").map(Value::to_string).unwrap_or_default(),
        order: ui("order").map(Value::to_string).unwrap_or_default(),
        multiline: ui("widget").and_then(Value::as_str) == Some("textarea"),
        writeback: p.get("x-writeback") == Some(&Value::Bool(true)),
        sensitive: p.get("x-sensitive") == Some(&Value::Bool(true)),
        ledger: text("x-ledger"),
    })
}

/// The title of the field holding `key`, for messages.
fn title_of<'d>(doc: &'d Value, key: &str) -> Option<&'d str> {
    doc.get("properties")?.get(key)?.get("title")?.as_str()
}

/// The refusal of a key already used by another field.
fn key_taken(doc: &Value, key: &str) -> FieldError {
    let title = title_of(doc, key).unwrap_or(key);
    problem(
        "/key",
        "key_taken",
        format!("字段名 {key} 已被「{title}」使用：请换一个字段名，或在字段列表中编辑「{title}」"),
        format!("the key {key} is already used by \"{title}\": choose another, or edit that field in the list"),
    )
}

/// Adds a new field. A key already in the template is refused (never a
/// silent replacement of, say, the ledger-bound 住址).
pub fn add_field(doc: &mut Value, spec: &NewFieldSpec) -> Result<(), Vec<FieldError>> {
    let mut property = new_property(spec);
    let key = spec.key.trim();
    if doc.get("properties").and_then(|p| p.get(key)).is_some() {
        let taken = key_taken(doc, key);
        match &mut property {
            Ok(_) => return Err(vec![taken]),
            Err(errors) => errors.insert(0, taken),
        }
    }
    let property = property?;
    add_property(doc, key, property, spec.required);
    Ok(())
}

/// Replaces field `old_key` by what `spec` says, in the same place. A new
/// key renames it (and its place in `required`); keywords the builder does
/// not write (a `description`, `x-renamed-from`, …) are kept. A field
/// bound to a ledger item keeps its binding, type and format: only its
/// title, required mark and display hints change.
pub fn update_field(doc: &mut Value, old_key: &str, spec: &NewFieldSpec) -> Result<(), Vec<FieldError>> {
    let Some(old) = doc.get("properties").and_then(|p| p.get(old_key)).and_then(Value::as_object).cloned() else {
        return Err(vec![problem("/key", "no_field", format!("没有字段 {old_key}"), format!("no field {old_key}"))]);
    };
    let key = spec.key.trim().to_owned();
    let mut errors = Vec::new();
    if key != old_key && doc.get("properties").and_then(|p| p.get(&key)).is_some() {
        errors.push(key_taken(doc, &key));
    }
    let fresh = if old.contains_key("x-ledger") {
        let mut p = Map::new();
        if !is_key(&key) {
            errors.push(problem(
                "/key",
                "invalid_key",
                "字段名须以小写字母开头，只含小写字母、数字和下划线".into(),
                "the key starts with a lowercase letter and has only lowercase letters, digits and _".into(),
            ));
        }
        if spec.title.trim().is_empty() {
            errors.push(problem("/title", "missing_title", "请填写中文名称（村里看到的列名）".into(), "enter the Chinese title".into()));
        }
        p.insert("title".into(), spec.title.trim().into());
        let ui = ui_of(&NewFieldSpec { kind: None, ..spec.clone() }, &mut errors);
        if !ui.is_empty() {
            p.insert("x-ui".into(), Value::Object(ui));
        }
        let mut kept = old.clone();
        kept.remove("title");
        let mut merged = p;
        for (k, v) in kept {
            if k == "x-ui" {
                continue;
            }
            merged.insert(k, v);
        }
        merged
    } else {
        match new_property(&NewFieldSpec { key: key.clone(), ..spec.clone() }) {
            Ok(Value::Object(p)) => p,
            Ok(_) => Map::new(),
            Err(mut e) => {
                errors.append(&mut e);
                Map::new()
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut property = old.clone();
    for k in MANAGED {
        if !old.contains_key("x-ledger") || *k == "title" {
            property.remove(*k);
        }
    }
    let mut ui = property.remove("x-ui").and_then(|u| u.as_object().cloned()).unwrap_or_default();
    for k in MANAGED_UI {
        if !(old.contains_key("x-ledger") && *k == "widget") {
            ui.remove(*k);
        }
    }
    for (k, v) in fresh {
        if k == "x-ui" {
            if let Value::Object(fresh_ui) = v {
                ui.extend(fresh_ui);
            }
        } else {
            property.insert(k, v);
        }
    }
    if !ui.is_empty() {
        property.insert("x-ui".into(), Value::Object(ui));
    }
    // Rebuild `properties` in order, the field in its old place.
    if let Some(map) = doc.get_mut("properties").and_then(Value::as_object_mut) {
        let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
        for (k, v) in entries {
            if k == old_key {
                map.insert(key.clone(), Value::Object(property.clone()));
            } else {
                map.insert(k, v);
            }
        }
    }
    if let Some(list) = doc.get_mut("required").and_then(Value::as_array_mut) {
        let at = list.iter().position(|k| k == old_key);
        list.retain(|k| k != old_key && *k != key.as_str());
        if spec.required {
            list.insert(at.unwrap_or(list.len()).min(list.len()), Value::String(key.clone()));
        }
    } else if spec.required
        && let Some(object) = doc.as_object_mut()
    {
        object.insert("required".into(), json!([key.clone()]));
    }
    Ok(())
}

/// Adds ledger item `item` as a pre-filled field under a free key. An item
/// already in the template is refused, naming the field that has it.
pub fn add_ledger_item(doc: &mut Value, item: &CatalogItem) -> Result<String, FieldError> {
    let existing = doc
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|p| p.iter().find(|(_, v)| v.get("x-ledger").and_then(Value::as_str) == Some(item.name.as_str())));
    if let Some((key, v)) = existing {
        let title = v.get("title").and_then(Value::as_str).unwrap_or(key);
        return Err(problem(
            "/item",
            "item_already_added",
            format!("台账数据项「{}」已在表中（字段「{title}」），不必再加", item.title),
            format!("the ledger item \"{}\" is already in the form (field \"{title}\")", item.title),
        ));
    }
    let key = free_key(doc, &item.field);
    add_property(doc, &key, ledger_property(item), true);
    Ok(key)
}

/// Fields in the order the form shows them: those with `x-ui.order` first,
/// by it, then the others in document order (as the compiler plans them).
pub fn display_order(doc: &Value) -> Vec<String> {
    let Some(properties) = doc.get("properties").and_then(Value::as_object) else { return Vec::new() };
    let mut keys: Vec<(Option<i64>, usize, String)> = properties
        .iter()
        .enumerate()
        .map(|(i, (k, v))| (v.get("x-ui").and_then(|u| u.get("order")).and_then(Value::as_i64), i, k.clone()))
        .collect();
    keys.sort_by_key(|(order, i, _)| (order.is_none(), *order, *i));
    keys.into_iter().map(|(_, _, k)| k).collect()
}

/// Moves field `key` one place up (`up`) or down in the form's order.
/// The document's order becomes the display order; when some field had an
/// `x-ui.order`, every field gets one (1, 2, …) so both say the same.
/// `false` when it cannot move (first, last, or no such field).
pub fn move_field(doc: &mut Value, key: &str, up: bool) -> bool {
    let mut order = display_order(doc);
    let Some(at) = order.iter().position(|k| k == key) else { return false };
    let to = if up { at.checked_sub(1) } else { Some(at + 1).filter(|t| *t < order.len()) };
    let Some(to) = to else { return false };
    order.swap(at, to);
    let Some(map) = doc.get_mut("properties").and_then(Value::as_object_mut) else { return false };
    let numbered = map.values().any(|v| v.get("x-ui").and_then(|u| u.get("order")).is_some());
    let mut old = std::mem::take(map);
    for (i, k) in order.iter().enumerate() {
        if let Some(mut v) = old.shift_remove(k) {
            if numbered && let Some(object) = v.as_object_mut() {
                let ui = object.entry("x-ui").or_insert_with(|| json!({}));
                if let Some(ui) = ui.as_object_mut() {
                    ui.insert("order".into(), json!(i + 1));
                }
            }
            map.insert(k.clone(), v);
        }
    }
    true
}

/// What a field is, in a few words for the builder's list and the review:
/// where it comes from, its type and format, its rule, and its marks
/// (台账预填 · 身份证号 · 必填; 新增 · 文本 · 银行卡号 · 敏感; 计算 · round(…)).
pub fn field_summary(doc: &Value, key: &str, catalog: &Catalog) -> Text {
    let Some(spec) = field_spec(doc, key) else { return Text::new("", "") };
    let mut zh: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    if !spec.ledger.is_empty() {
        let item = catalog.get(&spec.ledger).map_or(spec.ledger.clone(), |i| i.title.clone());
        zh.push(format!("台账预填「{item}」"));
        en.push(format!("pre-filled from the ledger ({})", spec.ledger));
    } else if let Some(kind) = spec.kind {
        zh.push(if kind == NewFieldType::Computed { "自动计算".into() } else { format!("新增 · {}", kind.title().zh) });
        en.push(if kind == NewFieldType::Computed { "computed".into() } else { format!("new · {}", kind.title().en) });
        if let Some(preset) = presets::by_id(&spec.preset) {
            zh.push(preset.title_zh.into());
            en.push(preset.title_en.into());
        } else if !spec.pattern.is_empty() {
            zh.push(format!("格式 {}", spec.pattern));
            en.push(format!("pattern {}", spec.pattern));
        }
        let range = match (spec.minimum.as_str(), spec.maximum.as_str()) {
            ("", "") => None,
            (a, "") => Some(format!("≥ {a}")),
            ("", b) => Some(format!("≤ {b}")),
            (a, b) => Some(format!("{a}–{b}")),
        };
        if let Some(range) = range {
            zh.push(range.clone());
            en.push(range);
        }
        if !spec.max_length.is_empty() {
            zh.push(format!("最多 {} 字", spec.max_length));
            en.push(format!("≤ {} characters", spec.max_length));
        }
        if !spec.options.is_empty() {
            zh.push(format!("选项：{}", spec.options));
            en.push(format!("options: {}", spec.options));
        }
        if !spec.formula.is_empty() {
            zh.push(format!("公式 {}", spec.formula));
            en.push(format!("formula {}", spec.formula));
        }
    }
    for (on, z, e) in
        [(spec.required, "必填", "required"), (spec.writeback, "回写台账", "written back"), (spec.sensitive, "敏感", "sensitive")]
    {
        if on {
            zh.push(z.into());
            en.push(e.into());
        }
    }
    Text::new(zh.join(" · "), en.join(" · "))
}

/// Every problem with `spec` as a field of `doc` (in place of `editing`
/// when a field is being edited), at the builder's inputs (`/formula`,
/// `/pattern`, …): the spec's own, and what the compiler says of the field
/// once it is in the template — a formula reading a field that is not
/// there, a regex that does not compile — so the form checks as the author
/// types, with the compiler as the one judge.
pub fn field_problems(doc: &Value, editing: Option<&str>, spec: &NewFieldSpec, catalog: &Catalog) -> Vec<FieldError> {
    let mut candidate = doc.clone();
    let applied = match editing {
        Some(old) => update_field(&mut candidate, old, spec),
        None => add_field(&mut candidate, spec),
    };
    if let Err(errors) = applied {
        return errors;
    }
    let Err(errors) = crate::compile(&candidate, catalog) else { return Vec::new() };
    let field = format!("/properties/{}", crate::compile::escape_pointer(spec.key.trim()));
    errors
        .into_iter()
        .filter_map(|e| {
            let rest = e.pointer.strip_prefix(&field)?;
            let input = match rest.trim_start_matches('/') {
                "x-compute" => "/formula",
                "pattern" => "/pattern",
                "x-ui/width" => "/width",
                "x-ui/order" => "/order",
                "x-ui/help" => "/help",
                "x-writeback" | "x-writeback-item" => "/writeback",
                "x-sensitive" => "/sensitive",
                "minimum" => "/minimum",
                "maximum" => "/maximum",
                "maxLength" => "/max_length",
                "enum" => "/options",
                "type" => "/kind",
                _ => "/key",
            };
            Some(FieldError::zh_en(
                input,
                serde_json::to_value(e.code).ok().and_then(|c| c.as_str().map(str::to_owned)).unwrap_or_default(),
                format!("{}。{}", e.message.zh, e.hint.zh),
                format!("{}. {}", e.message.en, e.hint.en),
            ))
        })
        .collect()
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
        // `shift_remove`: the fields after it keep their order (a plain
        // `remove` would move the last field into the gap).
        map.shift_remove(key);
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

    fn spec(key: &str, title: &str, kind: NewFieldType) -> NewFieldSpec {
        NewFieldSpec { key: key.into(), title: title.into(), kind: Some(kind), ..NewFieldSpec::default() }
    }

    fn keys(doc: &Value) -> Vec<String> {
        doc["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
    }

    fn template_with(catalog: &Catalog, items: &[&str]) -> Value {
        let mut doc = blank("aid", "临时救助", "区民政局", "person", "");
        for name in items {
            add_ledger_item(&mut doc, catalog.get(name).expect("item")).expect("added");
        }
        doc
    }

    #[test]
    fn a_key_in_use_is_refused_not_replaced() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.address"]);
        let before = doc.clone();
        let errors = add_field(&mut doc, &spec("address", "现住址", NewFieldType::Text)).expect_err("taken");
        assert_eq!(errors[0].code, "key_taken");
        assert!(errors[0].message.zh.contains("「住址」"), "{:?}", errors[0].message);
        assert_eq!(doc, before, "the ledger-bound 住址 is untouched");
        let twice = add_ledger_item(&mut doc, catalog.get("person.name").expect("item")).expect_err("twice");
        assert_eq!(twice.code, "item_already_added");
        assert_eq!(keys(&doc), ["name", "address"], "no name_2");
    }

    #[test]
    fn removing_a_field_keeps_the_others_in_place() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.id_number", "person.address", "person.phone"]);
        remove_property(&mut doc, "id_number");
        assert_eq!(keys(&doc), ["name", "address", "phone"]);
        assert_eq!(doc["required"], json!(["name", "address", "phone"]));
    }

    #[test]
    fn fields_move_up_and_down_and_orders_follow() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.id_number", "person.address"]);
        assert!(move_field(&mut doc, "address", true));
        assert_eq!(keys(&doc), ["name", "address", "id_number"]);
        assert!(!move_field(&mut doc, "name", true), "the first cannot go up");
        assert!(!move_field(&mut doc, "id_number", false), "the last cannot go down");
        // With an explicit order, every field gets one and the display follows.
        doc["properties"]["id_number"]["x-ui"] = json!({"order": 1});
        assert_eq!(display_order(&doc), ["id_number", "name", "address"]);
        assert!(move_field(&mut doc, "name", true));
        assert_eq!(display_order(&doc), ["name", "id_number", "address"]);
        let compiled = compile(&doc, &catalog).expect("compiles");
        assert_eq!(compiled.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["name", "id_number", "address"]);
    }

    #[test]
    fn every_feature_round_trips_through_the_form() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name"]);
        let card = NewFieldSpec {
            preset: "bank_card".into(),
            help: "本人社保卡银行账号".into(),
            width: "19".into(),
            order: "3".into(),
            required: true,
            ..spec("bank_card", "银行卡号", NewFieldType::Text)
        };
        add_field(&mut doc, &card).expect("added");
        assert_eq!(
            doc["properties"]["bank_card"],
            json!({"title": "银行卡号", "type": "string", "pattern": "^[0-9]{16,19}$", "x-sensitive": true,
                   "x-ui": {"help": "本人社保卡银行账号", "width": 19, "order": 3}})
        );
        let back = field_spec(&doc, "bank_card").expect("spec");
        assert_eq!(back, NewFieldSpec { sensitive: true, ..card });
        let income = NewFieldSpec { minimum: "0".into(), ..spec("income", "家庭月收入（元）", NewFieldType::Number) };
        let members = NewFieldSpec { minimum: "1".into(), maximum: "20".into(), ..spec("members", "家庭人口", NewFieldType::Integer) };
        let per =
            NewFieldSpec { formula: "round(income / members, 2)".into(), ..spec("per_capita", "人均月收入", NewFieldType::Computed) };
        let phone = NewFieldSpec { preset: "mobile".into(), writeback: true, ..spec("phone", "联系电话", NewFieldType::Text) };
        let note = NewFieldSpec { multiline: true, max_length: "200".into(), ..spec("remarks", "备注", NewFieldType::Text) };
        let visit = spec("visited", "走访日期", NewFieldType::Date);
        let ok = spec("confirmed", "本人已确认", NewFieldType::Boolean);
        for s in [&income, &members, &per, &phone, &note, &visit, &ok] {
            add_field(&mut doc, s).unwrap_or_else(|e| panic!("{}: {e:?}", s.key));
            assert_eq!(field_spec(&doc, &s.key).as_ref(), Some(s), "{}", s.key);
        }
        assert_eq!(doc["properties"]["per_capita"]["type"], "number");
        // Sensitive is for text, as the compiler requires.
        let number = NewFieldSpec { sensitive: true, ..spec("salary", "工资", NewFieldType::Number) };
        assert_eq!(new_property(&number).expect_err("number")[0].pointer, "/sensitive");
        let compiled = compile(&doc, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((compiled.burden.prefilled, compiled.burden.new, compiled.burden.computed), (1, 7, 1));
        assert_eq!(compiled.field("phone").and_then(|f| f.writeback.as_deref()), Some("person.phone"));
        // The village reads what a bank card number looks like.
        let errors = crate::validate(&compiled, &json!({"bank_card": "6222 0212"}));
        let card_error = errors.iter().find(|e| e.pointer == "/bank_card").expect("refused");
        assert_eq!(card_error.message.zh, "格式不正确：应为16至19位数字的银行卡号");
    }

    #[test]
    fn editing_a_field_keeps_its_place_and_what_the_builder_does_not_write() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.address"]);
        add_field(&mut doc, &spec("amount", "金额", NewFieldType::Number)).expect("added");
        add_field(&mut doc, &spec("remarks", "备注", NewFieldType::Text)).expect("added");
        doc["properties"]["amount"]["description"] = json!("按月");
        doc["properties"]["amount"]["x-renamed-from"] = json!("money");
        let edited =
            NewFieldSpec { maximum: "5000".into(), required: true, ..spec("aid_amount", "救助金额（元）", NewFieldType::Number) };
        update_field(&mut doc, "amount", &edited).expect("edited");
        assert_eq!(keys(&doc), ["name", "address", "aid_amount", "remarks"]);
        assert_eq!(
            doc["properties"]["aid_amount"],
            json!({"description": "按月", "x-renamed-from": "money", "title": "救助金额（元）", "type": "number", "maximum": 5000})
        );
        assert!(doc["required"].as_array().is_some_and(|r| r.contains(&json!("aid_amount"))));
        // A bound field: only its title, required mark and hints change.
        let mut address = field_spec(&doc, "address").expect("spec");
        assert_eq!(address.ledger, "person.address");
        address.title = "家庭住址".into();
        address.help = "以户籍为准".into();
        update_field(&mut doc, "address", &address).expect("edited");
        assert_eq!(doc["properties"]["address"]["x-ledger"], "person.address");
        assert_eq!(doc["properties"]["address"]["x-ui"], json!({"help": "以户籍为准"}));
        assert_eq!(doc["properties"]["address"]["title"], "家庭住址");
        // Renaming onto a key in use is refused.
        let clash = NewFieldSpec { key: "remarks".into(), ..edited };
        assert_eq!(update_field(&mut doc, "aid_amount", &clash).expect_err("taken")[0].code, "key_taken");
        compile(&doc, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    }

    #[test]
    fn formulas_and_patterns_are_checked_as_typed() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.id_number"]);
        add_field(&mut doc, &spec("income", "月收入", NewFieldType::Number)).expect("added");
        let typing = |formula: &str| {
            let s = NewFieldSpec { formula: formula.into(), ..spec("twice", "两倍", NewFieldType::Computed) };
            field_problems(&doc, None, &s, &catalog)
        };
        assert!(typing("income * 2").is_empty());
        let half = typing("income *");
        assert_eq!(half.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(), ["/formula"]);
        assert!(half[0].message.zh.contains("公式"), "{:?}", half[0].message);
        let unknown = typing("incom * 2");
        assert!(unknown[0].message.zh.contains("incom") && unknown[0].message.zh.contains("income"), "{:?}", unknown[0].message);
        assert_eq!(typing("id_number + ''")[0].code, "computed_reads_sensitive");
        let regex = NewFieldSpec {
            preset: presets::CUSTOM.into(),
            pattern: "[0-9".into(),
            help: "8位档案号".into(),
            ..spec("file_no", "档案号", NewFieldType::Text)
        };
        let found = field_problems(&doc, None, &regex, &catalog);
        assert_eq!(found.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(), ["/pattern"]);
        assert!(found[0].message.zh.contains("方括号"), "{:?}", found[0].message);
        let no_help = NewFieldSpec { pattern: "^[A-Z]{2}[0-9]{6}$".into(), help: String::new(), ..regex };
        assert_eq!(field_problems(&doc, None, &no_help, &catalog)[0].pointer, "/help");
    }

    #[test]
    fn catalog_search_knows_other_names_and_entities_are_chinese() {
        let catalog = catalog();
        let names = |q: &str| search(&catalog, "person", q).iter().map(|i| i.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("地址"), ["person.address"]);
        assert_eq!(names("身份证号码"), ["person.id_number"]);
        assert_eq!(names("家庭住址"), ["person.address"]);
        let hits = search_hits(&catalog, "person", "地址");
        assert_eq!(hits[0].alias, Some("地址"));
        let entities = entities(&catalog);
        assert!(entities.iter().any(|(e, t)| e == "person" && t == "人员"), "{entities:?}");
        assert!(entities.iter().any(|(e, t)| e == "household" && !t.is_ascii()), "{entities:?}");
        assert_eq!(entities[0].0, "org_unit");
    }

    #[test]
    fn a_field_is_summed_up_in_words() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.id_number"]);
        let card = NewFieldSpec { preset: "bank_card".into(), required: true, ..spec("card", "银行卡号", NewFieldType::Text) };
        add_field(&mut doc, &card).expect("added");
        let per = NewFieldSpec { formula: "len(card)".into(), ..spec("digits", "位数", NewFieldType::Computed) };
        add_field(&mut doc, &per).expect("added");
        assert_eq!(field_summary(&doc, "id_number", &catalog).zh, "台账预填「身份证号」 · 必填");
        assert_eq!(field_summary(&doc, "card", &catalog).zh, "新增 · 文本 · 银行卡号 · 必填 · 敏感");
        assert_eq!(field_summary(&doc, "digits", &catalog).zh, "自动计算 · 公式 len(card)");
    }

    #[test]
    fn free_keys_do_not_overwrite() {
        let mut doc = blank("t", "t", "d", "person", "");
        assert_eq!(free_key(&doc, "name"), "name");
        add_property(&mut doc, "name", json!({}), false);
        assert_eq!(free_key(&doc, "name"), "name_2");
    }
}
