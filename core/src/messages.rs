//! Human messages for validation failures, in Simplified Chinese and English.
//!
//! Codes are stable (clients may switch on them); wording may change.

#[cfg(feature = "jsonschema")]
use jsonschema::error::{TypeKind, ValidationErrorKind};
use ybt_rules::program::types;
use ybt_rules::{Check, Lit, Program, RuleError};

use crate::field_error::FieldError;

pub use crate::text::Text;

/// Chinese name of a `format`, for messages.
fn format_name_zh(format: &str) -> &str {
    match format {
        "cn-id-number" => "身份证号",
        "cn-mobile" => "手机号码",
        "cn-credit-code" => "统一社会信用代码",
        "cn-division-code" => "行政区划代码",
        "date" => "日期（YYYY-MM-DD）",
        "date-time" => "日期时间",
        "email" => "电子邮箱",
        other => other,
    }
}

fn json_type_zh(name: &str) -> &str {
    match name {
        "string" => "文本",
        "number" => "数字",
        "integer" => "整数",
        "boolean" => "是/否",
        "array" => "列表",
        "object" => "对象",
        "null" => "空值",
        other => other,
    }
}

#[cfg(feature = "jsonschema")]
fn type_names(kind: &TypeKind) -> Vec<String> {
    match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    }
}

/// The stable code and the message for one validation failure of
/// `jsonschema` (the conformance and differential tests' validator).
#[cfg(feature = "jsonschema")]
pub fn describe(kind: &ValidationErrorKind) -> (String, Text) {
    use ValidationErrorKind as K;
    let text = match kind {
        K::Required { property } => {
            let p = property.as_str().unwrap_or_default();
            Text::new("必填项，请填写", format!("required: `{p}` must be filled in"))
        }
        K::Type { kind } => {
            let names = type_names(kind);
            let zh: Vec<&str> = names.iter().map(|n| json_type_zh(n)).collect();
            Text::new(format!("应为{}", zh.join("或")), format!("must be of type {}", names.join(" or ")))
        }
        K::Format { format } => Text::new(format!("不是有效的{}", format_name_zh(format)), format!("is not a valid {format}")),
        K::Minimum { limit } => Text::new(format!("不能小于 {limit}"), format!("must be at least {limit}")),
        K::Maximum { limit } => Text::new(format!("不能大于 {limit}"), format!("must be at most {limit}")),
        K::ExclusiveMinimum { limit } => Text::new(format!("必须大于 {limit}"), format!("must be greater than {limit}")),
        K::ExclusiveMaximum { limit } => Text::new(format!("必须小于 {limit}"), format!("must be less than {limit}")),
        K::MinLength { limit } => Text::new(format!("至少 {limit} 个字符"), format!("must be at least {limit} characters")),
        K::MaxLength { limit } => Text::new(format!("最多 {limit} 个字符"), format!("must be at most {limit} characters")),
        K::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect())
                .unwrap_or_default();
            Text::new(format!("只能选择：{}", list.join("、")), format!("must be one of: {}", list.join(", ")))
        }
        K::Constant { expected_value } => Text::new(format!("必须为 {expected_value}"), format!("must be {expected_value}")),
        K::Pattern { pattern } => pattern_text(pattern),
        K::MultipleOf { multiple_of } => {
            Text::new(format!("必须是 {multiple_of} 的整数倍"), format!("must be a multiple of {multiple_of}"))
        }
        K::MinItems { limit } => Text::new(format!("至少 {limit} 项"), format!("needs at least {limit} items")),
        K::MaxItems { limit } => Text::new(format!("最多 {limit} 项"), format!("allows at most {limit} items")),
        K::UniqueItems => Text::new("不能有重复项", "items must be unique"),
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            Text::new(format!("不允许的字段：{}", unexpected.join("、")), format!("fields not allowed here: {}", unexpected.join(", ")))
        }
        other => Text::new(format!("不符合规则（{}）", other.keyword()), format!("fails the `{}` rule", other.keyword())),
    };
    (kind.keyword().to_owned(), text)
}

/// A program literal as JSON text (numbers as they read: `0`, `0.5`).
fn lit_json(lit: &Lit) -> String {
    match lit {
        Lit::Null => "null".into(),
        Lit::Bool(b) => b.to_string(),
        Lit::Num(n) => n.to_string(),
        Lit::Str(s) => serde_json::Value::from(s.as_str()).to_string(),
        Lit::Arr(xs) => format!("[{}]", xs.iter().map(lit_json).collect::<Vec<_>>().join(",")),
        Lit::Obj(m) => format!(
            "{{{}}}",
            m.iter().map(|(k, v)| format!("{}:{}", serde_json::Value::from(k.as_str()), lit_json(v))).collect::<Vec<_>>().join(",")
        ),
    }
}

/// The field error of an engine error: its pointer and code, and the
/// message of the check that failed, worded as [`describe`] words it.
/// What a village reads when a value does not match `pattern`: the
/// expected form in words when the pattern is a builder preset's.
fn pattern_text(pattern: &str) -> Text {
    match crate::builder::presets::expected_for_pattern(pattern) {
        Some(expected) => Text::new(format!("格式不正确：{}", expected.zh), format!("wrong format: expected {}", expected.en)),
        None => Text::new("格式不正确：请对照填写说明", format!("does not match the pattern {pattern}")),
    }
}

pub fn describe_rule(program: &Program, error: &RuleError) -> FieldError {
    let check = program.nodes.get(error.node as usize).and_then(|n| n.0.get(error.check as usize));
    let names = error.names.join("、");
    let text = match (error.code, check) {
        ("required", _) => Text::new("必填项，请填写", format!("required: `{}` must be filled in", error.names.join(", "))),
        ("type", Some(Check::Type(set))) => {
            let names: Vec<&str> = types::NAMES.iter().filter(|(b, _)| set & b != 0).map(|(_, n)| *n).collect();
            let zh: Vec<&str> = names.iter().map(|n| json_type_zh(n)).collect();
            Text::new(format!("应为{}", zh.join("或")), format!("must be of type {}", names.join(" or ")))
        }
        ("format", Some(Check::Format(f))) => {
            let f = f.name();
            Text::new(format!("不是有效的{}", format_name_zh(f)), format!("is not a valid {f}"))
        }
        (_, Some(Check::Minimum(x))) => Text::new(format!("不能小于 {x}"), format!("must be at least {x}")),
        (_, Some(Check::Maximum(x))) => Text::new(format!("不能大于 {x}"), format!("must be at most {x}")),
        (_, Some(Check::ExclusiveMinimum(x))) => Text::new(format!("必须大于 {x}"), format!("must be greater than {x}")),
        (_, Some(Check::ExclusiveMaximum(x))) => Text::new(format!("必须小于 {x}"), format!("must be less than {x}")),
        (_, Some(Check::MinLength(x))) => Text::new(format!("至少 {x} 个字符"), format!("must be at least {x} characters")),
        (_, Some(Check::MaxLength(x))) => Text::new(format!("最多 {x} 个字符"), format!("must be at most {x} characters")),
        (_, Some(Check::Enum(options))) => {
            let list: Vec<String> = options.iter().map(|o| if let Lit::Str(s) = o { s.clone() } else { lit_json(o) }).collect();
            Text::new(format!("只能选择：{}", list.join("、")), format!("must be one of: {}", list.join(", ")))
        }
        (_, Some(Check::Const(v))) => {
            let v = lit_json(v);
            Text::new(format!("必须为 {v}"), format!("must be {v}"))
        }
        (_, Some(Check::Pattern(p))) => pattern_text(program.patterns.get(*p as usize).map_or("", String::as_str)),
        (_, Some(Check::MultipleOf(x))) => Text::new(format!("必须是 {x} 的整数倍"), format!("must be a multiple of {x}")),
        ("minItems", Some(Check::Array(a))) => {
            let x = a.min_items.unwrap_or_default();
            Text::new(format!("至少 {x} 项"), format!("needs at least {x} items"))
        }
        ("maxItems", Some(Check::Array(a))) => {
            let x = a.max_items.unwrap_or_default();
            Text::new(format!("最多 {x} 项"), format!("allows at most {x} items"))
        }
        ("uniqueItems", _) => Text::new("不能有重复项", "items must be unique"),
        ("additionalProperties", _) => {
            Text::new(format!("不允许的字段：{names}"), format!("fields not allowed here: {}", error.names.join(", ")))
        }
        (code, _) => Text::new(format!("不符合规则（{code}）"), format!("fails the `{code}` rule")),
    };
    FieldError::new(error.pointer.clone(), error.code, text)
}
