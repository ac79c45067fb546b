//! The meta-schema check without a JSON Schema engine: every keyword of
//! JSON Schema 2020-12 (and the older ones its meta-schema still names:
//! `definitions`, `dependencies`, `$recursiveAnchor`, `$recursiveRef`) has
//! its value's shape checked here, as the 2020-12 meta-schema checks it,
//! with formats as annotations (as `jsonschema`'s meta-schema validator
//! reads them). One problem per pointer, at the pointer the meta-schema
//! reports: the keyword's value, or the item of a list or map that is wrong.
//!
//! The worker files templates with this instead of `jsonschema`'s
//! meta-schema validator (issue 14: `jsonschema` is no longer in the
//! worker). `core/tests/meta_schema.rs` proves the two agree on every pointer,
//! on hand-written and on seeded random documents.

use serde_json::{Map, Value};

use super::plan::escape_pointer;

/// What a keyword's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// An object or a boolean (a schema).
    Schema,
    /// A non-empty array of schemas (`allOf`, `anyOf`, `oneOf`, `prefixItems`).
    SchemaArray,
    /// An object whose values are schemas (`properties`, `$defs`…).
    SchemaMap,
    String,
    Number,
    /// A number greater than 0 (`multipleOf`).
    PositiveNumber,
    /// An integer ≥ 0 (`minLength`, `maxItems`…).
    NonNegativeInteger,
    Boolean,
    /// A simple type name, or a non-empty array of distinct ones.
    Type,
    /// An array of distinct strings (`required`, `dependentRequired`'s values).
    StringArray,
    /// A string, as an item of a string array.
    StringItem,
    Array,
    Object,
    /// `^[A-Za-z_][-A-Za-z0-9._]*$` (`$anchor`, `$dynamicAnchor`, `$recursiveAnchor`).
    Anchor,
    /// A string with no fragment but an empty one (`$id`).
    Id,
    /// A schema or an array of distinct strings (`dependencies`' values).
    Dependency,
}

/// One value the meta-schema refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaProblem {
    /// JSON pointer to the refused value.
    pub pointer: String,
    /// The keyword whose value (or one of whose items) is refused.
    pub keyword: String,
    pub shape: Shape,
}

/// Every value of `schema` (a template, or any schema) the 2020-12
/// meta-schema refuses, in document order, one per pointer.
pub fn check(schema: &Value) -> Vec<MetaProblem> {
    let mut out = Vec::new();
    schema_at(schema, "", "", &mut out);
    out
}

const SIMPLE_TYPES: [&str; 7] = ["array", "boolean", "integer", "null", "number", "object", "string"];

fn push(out: &mut Vec<MetaProblem>, pointer: String, keyword: &str, shape: Shape) {
    if !out.iter().any(|p| p.pointer == pointer) {
        out.push(MetaProblem { pointer, keyword: keyword.to_owned(), shape });
    }
}

/// A schema at `pointer`, the value of `keyword` (or an item of it).
fn schema_at(schema: &Value, pointer: &str, keyword: &str, out: &mut Vec<MetaProblem>) {
    match schema {
        Value::Bool(_) => {}
        Value::Object(map) => members(map, pointer, out),
        _ => push(out, pointer.to_owned(), keyword, Shape::Schema),
    }
}

fn members(map: &Map<String, Value>, pointer: &str, out: &mut Vec<MetaProblem>) {
    for (keyword, value) in map {
        let at = format!("{pointer}/{}", escape_pointer(keyword));
        let shape = match keyword.as_str() {
            "items"
            | "contains"
            | "additionalProperties"
            | "propertyNames"
            | "if"
            | "then"
            | "else"
            | "not"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "contentSchema" => {
                schema_at(value, &at, keyword, out);
                continue;
            }
            "prefixItems" | "allOf" | "anyOf" | "oneOf" => {
                match value.as_array() {
                    Some(items) if !items.is_empty() => {
                        for (i, item) in items.iter().enumerate() {
                            schema_at(item, &format!("{at}/{i}"), keyword, out);
                        }
                    }
                    _ => push(out, at, keyword, Shape::SchemaArray),
                }
                continue;
            }
            "properties" | "patternProperties" | "dependentSchemas" | "$defs" | "definitions" => {
                match value.as_object() {
                    Some(map) => {
                        for (name, item) in map {
                            schema_at(item, &format!("{at}/{}", escape_pointer(name)), keyword, out);
                        }
                    }
                    None => push(out, at, keyword, Shape::SchemaMap),
                }
                continue;
            }
            "dependencies" => {
                match value.as_object() {
                    Some(map) => {
                        for (name, item) in map {
                            let ok = match item {
                                Value::Array(_) => string_array_ok(item),
                                Value::Object(_) | Value::Bool(_) => check(item).is_empty(),
                                _ => false,
                            };
                            if !ok {
                                push(out, format!("{at}/{}", escape_pointer(name)), keyword, Shape::Dependency);
                            }
                        }
                    }
                    None => push(out, at, keyword, Shape::Object),
                }
                continue;
            }
            "required" => {
                string_array(value, &at, keyword, out);
                continue;
            }
            "dependentRequired" => {
                match value.as_object() {
                    Some(map) => {
                        for (name, item) in map {
                            string_array(item, &format!("{at}/{}", escape_pointer(name)), keyword, out);
                        }
                    }
                    None => push(out, at, keyword, Shape::Object),
                }
                continue;
            }
            "$vocabulary" => {
                match value.as_object() {
                    Some(map) => {
                        for (name, item) in map {
                            if !item.is_boolean() {
                                push(out, format!("{at}/{}", escape_pointer(name)), keyword, Shape::Boolean);
                            }
                        }
                    }
                    None => push(out, at, keyword, Shape::Object),
                }
                continue;
            }
            "type" => (!type_ok(value)).then_some(Shape::Type),
            "enum" | "examples" => (!value.is_array()).then_some(Shape::Array),
            "multipleOf" => (!value.as_f64().is_some_and(|n| n > 0.0)).then_some(Shape::PositiveNumber),
            "maximum" | "exclusiveMaximum" | "minimum" | "exclusiveMinimum" => (!value.is_number()).then_some(Shape::Number),
            "maxLength" | "minLength" | "maxItems" | "minItems" | "maxContains" | "minContains" | "maxProperties" | "minProperties" => {
                (!non_negative_integer(value)).then_some(Shape::NonNegativeInteger)
            }
            "uniqueItems" | "deprecated" | "readOnly" | "writeOnly" => (!value.is_boolean()).then_some(Shape::Boolean),
            "pattern" | "title" | "description" | "format" | "$comment" | "contentEncoding" | "contentMediaType" | "$schema" | "$ref"
            | "$dynamicRef" | "$recursiveRef" => (!value.is_string()).then_some(Shape::String),
            "$anchor" | "$dynamicAnchor" | "$recursiveAnchor" => (!value.as_str().is_some_and(anchor_ok)).then_some(Shape::Anchor),
            "$id" => (!value.as_str().is_some_and(id_ok)).then_some(Shape::Id),
            // `const`, `default` and every other keyword take any value.
            _ => None,
        };
        if let Some(shape) = shape {
            push(out, at, keyword, shape);
        }
    }
}

/// A `stringArray`: the array itself is refused when it is no array or
/// repeats an item; each item that is no string is refused at its index.
fn string_array(value: &Value, at: &str, keyword: &str, out: &mut Vec<MetaProblem>) {
    let Some(items) = value.as_array() else {
        push(out, at.to_owned(), keyword, Shape::StringArray);
        return;
    };
    if !distinct(items) {
        push(out, at.to_owned(), keyword, Shape::StringArray);
    }
    for (i, item) in items.iter().enumerate() {
        if !item.is_string() {
            push(out, format!("{at}/{i}"), keyword, Shape::StringItem);
        }
    }
}

fn string_array_ok(value: &Value) -> bool {
    value.as_array().is_some_and(|items| items.iter().all(Value::is_string) && distinct(items))
}

/// Whether no two items are equal as JSON Schema compares them (numbers by value).
fn distinct(items: &[Value]) -> bool {
    items.iter().enumerate().all(|(i, a)| items[..i].iter().all(|b| !json_equal(a, b)))
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(x), Some(y), _, _) => x == y,
            (_, _, Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w))),
        _ => a == b,
    }
}

fn type_ok(value: &Value) -> bool {
    let simple = |v: &Value| v.as_str().is_some_and(|s| SIMPLE_TYPES.contains(&s));
    match value {
        Value::Array(items) => !items.is_empty() && items.iter().all(simple) && distinct(items),
        _ => simple(value),
    }
}

/// An integer ≥ 0; `2.0` counts as an integer, as JSON Schema says.
fn non_negative_integer(value: &Value) -> bool {
    match value {
        Value::Number(n) if n.is_u64() => true,
        Value::Number(n) if n.is_i64() => false,
        Value::Number(n) => n.as_f64().is_some_and(|f| f.fract() == 0.0 && f >= 0.0),
        _ => false,
    }
}

fn anchor_ok(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

/// `^[^#]*#?$`: at most one `#`, and only last.
fn id_ok(s: &str) -> bool {
    match s.find('#') {
        None => true,
        Some(i) => i == s.len() - 1,
    }
}

impl Shape {
    /// What the value must be, in Chinese and in English.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Shape::Schema => ("应为对象（字段的定义）或 true/false", "a schema: an object or a boolean"),
            Shape::SchemaArray => ("应为非空的列表，每项是一个定义", "a non-empty array of schemas"),
            Shape::SchemaMap => ("应为对象：名称对应定义", "an object of schemas"),
            Shape::String | Shape::StringItem => ("应为文本（加英文双引号）", "a string"),
            Shape::Number => ("应为数字", "a number"),
            Shape::PositiveNumber => ("应为大于 0 的数字", "a number greater than 0"),
            Shape::NonNegativeInteger => ("应为不小于 0 的整数", "an integer of 0 or more"),
            Shape::Boolean => ("应为 true 或 false", "true or false"),
            Shape::Type => (
                "只能是 string、number、integer、boolean、array、object、null 之一，或它们不重复的列表",
                "one of string, number, integer, boolean, array, object, null, or a non-empty array of distinct ones",
            ),
            Shape::StringArray => ("应为文本的列表，且不重复", "an array of distinct strings"),
            Shape::Array => ("应为列表", "an array"),
            Shape::Object => ("应为对象", "an object"),
            Shape::Anchor => {
                ("应为以字母或下划线开头、由字母、数字和 - . _ 组成的名称", "a name: a letter or _ first, then letters, digits, -, . or _")
            }
            Shape::Id => ("应为文本，# 只能出现在末尾", "a string with # at most once, and only at its end"),
            Shape::Dependency => ("应为一个定义，或不重复的文本列表", "a schema or an array of distinct strings"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pointers(schema: Value) -> Vec<String> {
        check(&schema).into_iter().map(|p| p.pointer).collect()
    }

    #[test]
    fn each_keyword_is_checked_where_the_meta_schema_checks_it() {
        assert!(pointers(json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}, "x-ui": 3})).is_empty());
        assert_eq!(
            pointers(json!({
                "type": "strin",
                "properties": {"a": 3, "b": {"minimum": "0"}},
                "required": ["a", "a", 1],
                "allOf": [],
                "minLength": -1,
                "maxLength": 2.0,
                "multipleOf": 0,
                "$id": "a#b",
                "$anchor": "1a",
                "dependencies": {"x": ["a"], "y": {"type": 1}}
            })),
            [
                "/type",
                "/properties/a",
                "/properties/b/minimum",
                "/required",
                "/required/2",
                "/allOf",
                "/minLength",
                "/multipleOf",
                "/$id",
                "/$anchor",
                "/dependencies/y"
            ]
        );
    }

    #[test]
    fn pointers_escape_names() {
        assert_eq!(pointers(json!({"properties": {"a/b~": 1}})), ["/properties/a~1b~0"]);
    }
}
