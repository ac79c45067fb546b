//! Structural checks that run before anything else reads a template: size,
//! nesting, regexes and remote references. They keep a hostile or careless
//! template from costing the browser or the worker more than a template
//! reasonably needs.

use serde_json::Value;

use super::validator::{MAX_PATTERN_LEN, SchemaValidator, ValidatorOptions};
use super::{TemplateError, TemplateErrorCode as C, escape_pointer, problem};
use crate::messages::Text;

/// Largest template document, in bytes of its compact JSON.
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

/// Deepest nesting of objects and arrays a template may have.
pub const MAX_TEMPLATE_DEPTH: usize = 32;

/// Size and depth: when either is over its limit nothing else is checked,
/// so the rest of the compiler only ever walks bounded documents.
pub(super) fn check_size(template: &Value) -> Option<TemplateError> {
    let bytes = serde_json::to_string(template).map_or(usize::MAX, |s| s.len());
    if bytes > MAX_TEMPLATE_BYTES {
        return Some(problem(
            "",
            C::TooLarge,
            Text::new(
                format!("模板大小 {bytes} 字节，超过上限 {MAX_TEMPLATE_BYTES}"),
                format!("template is {bytes} bytes, over the limit of {MAX_TEMPLATE_BYTES}"),
            ),
            Text::new("拆分为几个模板，或删去不用的定义", "split it into several templates or remove unused definitions"),
        ));
    }
    let depth = nesting_depth(template, 0);
    (depth > MAX_TEMPLATE_DEPTH).then(|| {
        problem(
            "",
            C::TooDeep,
            Text::new(format!("嵌套层数超过上限 {MAX_TEMPLATE_DEPTH}"), format!("nesting depth exceeds {MAX_TEMPLATE_DEPTH}")),
            Text::new("减少嵌套层级", "flatten the template"),
        )
    })
}

/// Depth, but stops counting past the limit so a pathological document
/// costs no more than a deep-enough one.
fn nesting_depth(value: &Value, so_far: usize) -> usize {
    if so_far > MAX_TEMPLATE_DEPTH {
        return so_far;
    }
    let children: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Object(map) => Box::new(map.values()),
        Value::Array(items) => Box::new(items.iter()),
        _ => return so_far,
    };
    children.map(|c| nesting_depth(c, so_far + 1)).max().unwrap_or(so_far + 1)
}

/// Keywords whose values are data, not schemas: a `"$ref"` or `"pattern"`
/// key inside them means nothing.
const DATA_KEYWORDS: &[&str] = &["enum", "const", "default", "examples", "x-subject", "x-template", "x-ui"];

/// Walks the schema for remote references and bad or oversized regexes,
/// reporting each with its pointer.
pub(super) fn check_schema_walk(value: &Value, pointer: &str, errors: &mut Vec<TemplateError>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if DATA_KEYWORDS.contains(&key.as_str()) {
                    continue;
                }
                let here = format!("{pointer}/{}", escape_pointer(key));
                match (key.as_str(), child) {
                    ("$ref" | "$dynamicRef", Value::String(r)) if !r.starts_with('#') => errors.push(problem(
                        here.clone(),
                        C::RemoteRef,
                        Text::new(format!("不允许引用外部文档：{r}"), format!("remote reference not allowed: {r}")),
                        Text::new(
                            "把被引用的定义放进本模板的 $defs，用 #/$defs/… 引用",
                            "copy the definition into this template's $defs and use #/$defs/…",
                        ),
                    )),
                    ("pattern", Value::String(p)) => check_pattern(p, &here, errors),
                    ("patternProperties", Value::Object(patterns)) => {
                        for p in patterns.keys() {
                            check_pattern(p, &format!("{here}/{}", escape_pointer(p)), errors);
                        }
                    }
                    _ => {}
                }
                check_schema_walk(child, &here, errors);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_schema_walk(child, &format!("{pointer}/{i}"), errors);
            }
        }
        _ => {}
    }
}

/// A regex must be short and must compile with the engine templates use
/// (linear-time, size-limited); each is tried alone so all bad ones are found.
fn check_pattern(pattern: &str, pointer: &str, errors: &mut Vec<TemplateError>) {
    if pattern.len() > MAX_PATTERN_LEN {
        errors.push(problem(
            pointer,
            C::PatternTooLong,
            Text::new(format!("正则表达式超过 {MAX_PATTERN_LEN} 字节"), format!("regex longer than {MAX_PATTERN_LEN} bytes")),
            Text::new("简化正则表达式，或改用 format / enum", "simplify the regex, or use a format or an enum"),
        ));
        return;
    }
    if let Err(e) = SchemaValidator::new(&serde_json::json!({ "pattern": pattern }), &ValidatorOptions::default()) {
        errors.push(problem(
            pointer,
            C::InvalidPattern,
            Text::new(format!("正则表达式无效或过大：{}", e.reason), format!("invalid or oversized regex: {}", e.reason)),
            Text::new(
                "修正正则表达式；不支持反向引用和环视（lookaround）",
                "fix the regex; back-references and look-around are not supported",
            ),
        ));
    }
}
