//! A new field as the builder's form describes it ([`NewFieldSpec`]: type,
//! bounds, options, a format or pattern, a formula, help, write-back…), the
//! JSON Schema property it becomes ([`new_property`]) and back
//! ([`field_spec`]), each problem at its input.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::problem;
use crate::field_error::FieldError;
use crate::text::Text;

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
    /// A text field's ready-made format ([`super::presets::PRESETS`] id), or
    /// [`super::presets::CUSTOM`] for the author's own `pattern`.
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

/// Keywords of a property the builder writes; [`update_field`] replaces
/// these and keeps every other keyword a hand-written template has.
pub(super) const MANAGED: &[&str] = &[
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
pub(super) const MANAGED_UI: &[&str] = &["help", "width", "order", "widget"];

pub(super) fn is_key(key: &str) -> bool {
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
                super::presets::CUSTOM => {
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
                        if spec.help.trim().is_empty() && super::presets::expected_for_pattern(pattern).is_none() {
                            errors.push(problem(
                                "/help",
                                "missing_help",
                                "自定义格式请写填写说明，村里填错时看到它，如：应为8位档案编号".into(),
                                "a custom format needs help text that villages read when a value does not fit".into(),
                            ));
                        }
                    }
                }
                id => match super::presets::by_id(id) {
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
pub(super) fn ui_of(spec: &NewFieldSpec, errors: &mut Vec<FieldError>) -> Map<String, Value> {
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
    let preset = match super::presets::of_field(format, pattern) {
        Some(preset) => preset.id.to_owned(),
        None if pattern.is_some() => super::presets::CUSTOM.to_owned(),
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
        pattern: if preset == super::presets::CUSTOM { pattern.unwrap_or_default().to_owned() } else { String::new() },
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
