//! Structural checks that run before anything else reads a template: size,
//! nesting, regexes and remote references. They keep a hostile or careless
//! template from costing the browser or the worker more than a template
//! reasonably needs.

use serde_json::Value;

use super::error::{TemplateError, TemplateErrorCode as C, problem};
use super::plan::escape_pointer;
use super::validator::MAX_PATTERN_LEN;
use crate::text::Text;

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
    // Regex syntax as `regex-syntax`'s parser reads it (its syntax tree
    // only: the automaton compiler works from that tree too). What the
    // program's engine cannot run (a `\p{…}` class…), or is over its size
    // limit, is refused by `compile_program`, naming the keyword. Nothing
    // here translates the tree (`regex_syntax::Parser`): that translator and
    // its Unicode tables would be linked into the worker and the office
    // bundles for a check the automaton compiler makes anyway (issue 14).
    if let Err(e) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
        let (zh, hint) = regex_problem(pattern);
        errors.push(problem(
            pointer,
            C::InvalidPattern,
            Text::new(format!("正则表达式无效：{zh}"), format!("invalid regex: {e}")),
            Text::new(
                format!("{hint}。常用写法：^[0-9]{{8}}$ 表示8位数字，^[A-Z0-9]{{18}}$ 表示18位数字或大写字母；也可以改选现成格式（身份证号、手机号码、银行卡号等）"),
                "fix the regex (e.g. ^[0-9]{8}$ for 8 digits), or pick a ready-made format; back-references and look-around are not supported",
            ),
        ));
    }
}

/// What is wrong with a regex and how to fix it, in Chinese, from the
/// regex parser's own diagnosis (its English reason names no position).
pub(crate) fn regex_problem(pattern: &str) -> (String, String) {
    use regex_syntax::ast::ErrorKind as A;
    let error = match regex_syntax::ast::parse::Parser::new().parse(pattern) {
        Err(e) => e,
        Ok(_) => return ("写法有误".into(), "检查括号、方括号和重复次数".into()),
    };
    let at = pattern[..error.span().start.offset.min(pattern.len())].chars().count() + 1;
    let (what, hint) = match error.kind() {
        A::GroupUnclosed => ("左括号 ( 没有对应的右括号 )", "补上 )，或在要匹配括号字符时写 \\("),
        A::GroupUnopened => ("右括号 ) 没有对应的左括号 (", "删去多余的 )，或写成 \\)"),
        A::ClassUnclosed => ("方括号 [ 没有对应的 ]", "补上 ]，如 [0-9]"),
        A::ClassRangeInvalid => ("方括号里的范围颠倒了", "范围从小到大写，如 [0-9]、[a-z]"),
        A::RepetitionCountInvalid => ("重复次数的范围颠倒了", "写成 {最少,最多}，如 {2,5}"),
        A::RepetitionCountUnclosed | A::RepetitionCountDecimalEmpty => ("重复次数的 { 没有写完", "写成 {8} 或 {2,5}"),
        A::RepetitionMissing => ("重复符号（* + ? {n}）前面没有内容", "在 * + ? 前写要重复的字符，或写成 \\* 匹配这个符号本身"),
        A::UnsupportedLookAround => ("不支持环视（(?= (?! (?<= (?<!）", "删去环视，改用更简单的写法或现成格式"),
        A::UnsupportedBackreference => ("不支持反向引用（\\1 等）", "删去反向引用"),
        A::EscapeUnexpectedEof => ("反斜杠 \\ 在末尾，后面缺少字符", "删去末尾的 \\，或写成 \\\\ 匹配反斜杠"),
        A::EscapeUnrecognized => ("无法识别的转义（反斜杠 \\ 后的字符）", "常用的有 \\d（数字）、\\s（空白）、\\.（点号）"),
        A::NestLimitExceeded(_) => ("嵌套太深", "减少括号嵌套"),
        _ => ("写法有误", "检查这一处的括号、方括号和重复次数"),
    };
    (format!("第 {at} 个字符处：{what}"), hint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::regex_problem;

    #[test]
    fn regex_problems_are_said_in_chinese_with_their_place() {
        let said = |p: &str| regex_problem(p).0;
        assert_eq!(said("(unclosed"), "第 1 个字符处：左括号 ( 没有对应的右括号 )");
        assert_eq!(said("^(?=a)"), "第 2 个字符处：不支持环视（(?= (?! (?<= (?<!）");
        assert_eq!(said("a{2,1}"), "第 2 个字符处：重复次数的范围颠倒了");
        assert_eq!(said("[a-"), "第 1 个字符处：方括号 [ 没有对应的 ]");
        assert!(said("(a)\\1").contains("反向引用"));
        assert!(said("abc)").contains("右括号"));
    }

    /// What the syntax tree accepts but the engine cannot run is the
    /// automaton compiler's to refuse (this module no longer translates the
    /// tree), in words as specific as before.
    #[test]
    fn what_parses_but_cannot_run_is_refused_by_the_automaton_compiler() {
        let refused = |p: &str| crate::compile::automaton::compile(p).expect_err(p).zh;
        assert!(refused("x{99999}{99999}").contains("状态"));
        assert!(refused("\\p{Foo}").contains("Unicode 类别"));
        assert!(refused("\\p{Han}").contains("Unicode 类别"));
    }
}
