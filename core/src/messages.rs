//! Human messages for validation failures, in Simplified Chinese and English.
//!
//! Codes are stable (clients may switch on them); wording may change.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::{Deserialize, Serialize};

/// A message in both languages the UI speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text { zh: zh.into(), en: en.into() }
    }
}

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

fn type_names(kind: &TypeKind) -> Vec<String> {
    match kind {
        TypeKind::Single(t) => vec![t.to_string()],
        TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
    }
}

/// The stable code and the message for one validation failure.
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
        K::Pattern { pattern } => match crate::builder::presets::expected_for_pattern(pattern) {
            Some(expected) => Text::new(format!("格式不正确：{}", expected.zh), format!("wrong format: expected {}", expected.en)),
            None => Text::new("格式不正确：请对照填写说明", format!("does not match the pattern {pattern}")),
        },
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
