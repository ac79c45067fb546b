//! JSON Schema 2020-12 → a validation [`Program`] for the `ybt-rules`
//! engine. What the engine cannot express is an error naming the keyword,
//! never a silent pass: `$dynamicRef`, `unevaluated*`, `$anchor`, `$id` below
//! the root, `$ref`s outside the document, formats the engine does not check,
//! patterns its automata cannot express (`automaton`), and `$ref` loops that never
//! descend into the row. Annotations (`title`, `x-…`, `default` …) and
//! keywords JSON Schema does not define are ignored, as the standard says.

use std::collections::HashMap;

use serde_json::{Map, Value};
use ybt_rules::program::types;
use ybt_rules::{ArrayCheck, Automaton, Check, Format, Lit, Node, ObjectCheck, PROGRAM_VERSION, Program};

use super::validator::FormatMode;

/// The dialect a template may declare.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Why a schema cannot become a program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{keyword}` at `{pointer}`: {reason}")]
pub struct ProgramError {
    /// JSON pointer into the schema, to the keyword.
    pub pointer: String,
    /// The keyword the engine cannot run.
    pub keyword: String,
    pub reason: String,
    /// The reason in Chinese, where the compiler words it (patterns).
    pub zh: Option<String>,
}

/// Keywords the engine refuses, with why.
const REFUSED: &[(&str, &str)] = &[
    ("$dynamicRef", "dynamic references are not supported"),
    ("$dynamicAnchor", "dynamic anchors are not supported"),
    ("$recursiveRef", "not a 2020-12 keyword the engine runs"),
    ("$recursiveAnchor", "not a 2020-12 keyword the engine runs"),
    ("$anchor", "anchors are not supported: refer with a JSON pointer such as #/$defs/name"),
    ("$vocabulary", "custom vocabularies are not supported"),
    ("unevaluatedProperties", "not supported: list the allowed fields with properties and additionalProperties"),
    ("unevaluatedItems", "not supported: use items and prefixItems"),
];

/// Compiles `schema` (the document root) into a program.
pub fn compile_program(schema: &Value, formats: FormatMode) -> Result<Program, ProgramError> {
    let mut c =
        Compiler { root: schema, formats, nodes: Vec::new(), by_pointer: HashMap::new(), patterns: Vec::new(), automata: Vec::new() };
    if let Some(dialect) = schema.get("$schema").and_then(Value::as_str)
        && dialect.trim_end_matches('#') != DIALECT
    {
        return Err(err("/$schema", "$schema", format!("only {DIALECT} is supported")));
    }
    c.node(schema, "", true)?;
    let program = Program { v: PROGRAM_VERSION, nodes: c.nodes, patterns: c.patterns, automata: c.automata };
    check_loops(&program)?;
    Ok(program)
}

fn err(pointer: &str, keyword: &str, reason: impl Into<String>) -> ProgramError {
    ProgramError { pointer: pointer.to_owned(), keyword: keyword.to_owned(), reason: reason.into(), zh: None }
}

struct Compiler<'a> {
    root: &'a Value,
    formats: FormatMode,
    nodes: Vec<Node>,
    by_pointer: HashMap<String, u32>,
    patterns: Vec<String>,
    automata: Vec<Automaton>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl<'a> Compiler<'a> {
    /// The node of the subschema at `pointer`, compiled once.
    fn node(&mut self, schema: &'a Value, pointer: &str, is_root: bool) -> Result<u32, ProgramError> {
        if let Some(&n) = self.by_pointer.get(pointer) {
            return Ok(n);
        }
        let n = self.nodes.len() as u32;
        self.nodes.push(Node::default());
        self.by_pointer.insert(pointer.to_owned(), n);
        let checks = match schema {
            Value::Bool(true) => Vec::new(),
            Value::Bool(false) => vec![Check::Never],
            Value::Object(map) => self.checks(map, pointer, is_root)?,
            _ => return Err(err(pointer, "", "a schema must be an object or a boolean")),
        };
        self.nodes[n as usize] = Node(checks);
        Ok(n)
    }

    fn sub(&mut self, map: &'a Map<String, Value>, key: &str, pointer: &str) -> Result<Option<u32>, ProgramError> {
        match map.get(key) {
            Some(s) => self.node(s, &format!("{pointer}/{}", escape(key)), false).map(Some),
            None => Ok(None),
        }
    }

    fn list(&mut self, map: &'a Map<String, Value>, key: &str, pointer: &str) -> Result<Option<Vec<u32>>, ProgramError> {
        let Some(value) = map.get(key) else { return Ok(None) };
        let Some(items) = value.as_array().filter(|a| !a.is_empty()) else {
            return Err(err(&format!("{pointer}/{key}"), key, "must be a non-empty array of schemas"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, s) in items.iter().enumerate() {
            out.push(self.node(s, &format!("{pointer}/{key}/{i}"), false)?);
        }
        Ok(Some(out))
    }

    fn pattern(&mut self, source: &str, pointer: &str, keyword: &str) -> Result<u32, ProgramError> {
        if let Some(i) = self.patterns.iter().position(|p| p == source) {
            return Ok(i as u32);
        }
        if source.len() > ybt_rules::MAX_PATTERN_LEN {
            return Err(err(pointer, keyword, format!("the pattern is longer than {} bytes", ybt_rules::MAX_PATTERN_LEN)));
        }
        let automaton = super::automaton::compile(source).map_err(|e| ProgramError {
            zh: Some(format!("{source}：{}", e.zh)),
            ..err(pointer, keyword, format!("the pattern {source:?} cannot run: {}", e.en))
        })?;
        self.patterns.push(source.to_owned());
        self.automata.push(automaton);
        Ok(self.patterns.len() as u32 - 1)
    }

    #[allow(clippy::too_many_lines)]
    fn checks(&mut self, map: &'a Map<String, Value>, pointer: &str, is_root: bool) -> Result<Vec<Check>, ProgramError> {
        let at = |key: &str| format!("{pointer}/{}", escape(key));
        for (keyword, why) in REFUSED {
            if map.contains_key(*keyword) {
                return Err(err(&at(keyword), keyword, *why));
            }
        }
        if !is_root && map.contains_key("$id") {
            return Err(err(&at("$id"), "$id", "an $id below the root is not supported"));
        }
        if !is_root && map.contains_key("$schema") {
            return Err(err(&at("$schema"), "$schema", "a $schema below the root is not supported"));
        }
        let number = |key: &str| -> Result<Option<f64>, ProgramError> {
            match map.get(key) {
                None => Ok(None),
                Some(v) => v.as_f64().map(Some).ok_or_else(|| err(&at(key), key, "must be a number")),
            }
        };
        let count = |key: &str| -> Result<Option<u32>, ProgramError> {
            match map.get(key) {
                None => Ok(None),
                Some(v) => match v.as_f64() {
                    Some(f) if f >= 0.0 && f.fract() == 0.0 => Ok(Some(if f > f64::from(u32::MAX) { u32::MAX } else { f as u32 })),
                    _ => Err(err(&at(key), key, "must be a non-negative integer")),
                },
            }
        };

        let mut checks = Vec::new();
        if let Some(t) = map.get("type") {
            let names: Vec<&Value> = match t {
                Value::Array(xs) => xs.iter().collect(),
                one => vec![one],
            };
            let mut set = 0u8;
            for name in names {
                set |= name.as_str().and_then(types::bit).ok_or_else(|| err(&at("type"), "type", "unknown type"))?;
            }
            checks.push(Check::Type(set));
        }
        if let Some(v) = map.get("const") {
            checks.push(Check::Const(lit(v)));
        }
        if let Some(v) = map.get("enum") {
            let options = v.as_array().ok_or_else(|| err(&at("enum"), "enum", "must be an array"))?;
            checks.push(Check::Enum(options.iter().map(lit).collect()));
        }
        if let Some(x) = number("minimum")? {
            checks.push(Check::Minimum(x));
        }
        if let Some(x) = number("maximum")? {
            checks.push(Check::Maximum(x));
        }
        if let Some(x) = number("exclusiveMinimum")? {
            checks.push(Check::ExclusiveMinimum(x));
        }
        if let Some(x) = number("exclusiveMaximum")? {
            checks.push(Check::ExclusiveMaximum(x));
        }
        if let Some(x) = number("multipleOf")? {
            if x <= 0.0 {
                return Err(err(&at("multipleOf"), "multipleOf", "must be greater than 0"));
            }
            checks.push(Check::MultipleOf(x));
        }
        if let Some(x) = count("minLength")? {
            checks.push(Check::MinLength(x));
        }
        if let Some(x) = count("maxLength")? {
            checks.push(Check::MaxLength(x));
        }
        if let Some(p) = map.get("pattern") {
            let source = p.as_str().ok_or_else(|| err(&at("pattern"), "pattern", "must be a string"))?;
            checks.push(Check::Pattern(self.pattern(source, &at("pattern"), "pattern")?));
        }
        if let Some(f) = map.get("format")
            && self.formats == FormatMode::Assert
        {
            let name = f.as_str().unwrap_or_default();
            let format = Format::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                err(&at("format"), "format", format!("format `{name}` is not checked by the engine (it checks {})", known.join(", ")))
            })?;
            checks.push(Check::Format(format));
        }

        // Objects.
        let mut o = ObjectCheck::default();
        if let Some(props) = map.get("properties") {
            let props = props.as_object().ok_or_else(|| err(&at("properties"), "properties", "must be an object"))?;
            for (name, s) in props {
                let n = self.node(s, &format!("{}/{}", at("properties"), escape(name)), false)?;
                o.props.push((name.clone(), n));
            }
            let mut sorted: Vec<u32> = (0..o.props.len() as u32).collect();
            sorted.sort_by(|a, b| o.props[*a as usize].0.cmp(&o.props[*b as usize].0));
            o.sorted = sorted;
        }
        if let Some(req) = map.get("required") {
            let names = req.as_array().ok_or_else(|| err(&at("required"), "required", "must be an array of names"))?;
            for name in names {
                let name = name.as_str().ok_or_else(|| err(&at("required"), "required", "must be an array of names"))?;
                let index = o.props.iter().position(|(p, _)| p == name).map(|i| i as u32);
                o.required.push((name.to_owned(), index));
            }
        }
        if let Some(pp) = map.get("patternProperties") {
            let pp = pp.as_object().ok_or_else(|| err(&at("patternProperties"), "patternProperties", "must be an object"))?;
            for (source, s) in pp {
                let p = self.pattern(source, &at("patternProperties"), "patternProperties")?;
                let n = self.node(s, &format!("{}/{}", at("patternProperties"), escape(source)), false)?;
                o.pattern_props.push((p, n));
            }
        }
        o.additional = self.sub(map, "additionalProperties", pointer)?;
        o.property_names = self.sub(map, "propertyNames", pointer)?;
        o.min_props = count("minProperties")?;
        o.max_props = count("maxProperties")?;
        if let Some(dr) = map.get("dependentRequired") {
            let dr = dr.as_object().ok_or_else(|| err(&at("dependentRequired"), "dependentRequired", "must be an object"))?;
            for (name, needs) in dr {
                let needs = needs
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .ok_or_else(|| err(&at("dependentRequired"), "dependentRequired", "must map names to arrays of names"))?;
                o.dependent_required.push((name.clone(), needs));
            }
        }
        if let Some(ds) = map.get("dependentSchemas") {
            let ds = ds.as_object().ok_or_else(|| err(&at("dependentSchemas"), "dependentSchemas", "must be an object"))?;
            for (name, s) in ds {
                let n = self.node(s, &format!("{}/{}", at("dependentSchemas"), escape(name)), false)?;
                o.dependent_schemas.push((name.clone(), n));
            }
        }
        if o != ObjectCheck::default() {
            checks.push(Check::Object(Box::new(o)));
        }

        // Arrays.
        let mut a = ArrayCheck::default();
        if let Some(list) = self.list(map, "prefixItems", pointer)? {
            a.prefix = list;
        }
        if let Some(items) = map.get("items") {
            if items.is_array() {
                return Err(err(&at("items"), "items", "an array of schemas is prefixItems in 2020-12"));
            }
            a.items = self.sub(map, "items", pointer)?;
        }
        a.min_items = count("minItems")?;
        a.max_items = count("maxItems")?;
        a.unique = map.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
        if let Some(n) = self.sub(map, "contains", pointer)? {
            a.contains = Some((n, count("minContains")?.unwrap_or(1), count("maxContains")?));
        }
        if a != ArrayCheck::default() {
            checks.push(Check::Array(Box::new(a)));
        }

        // Applicators.
        if let Some(list) = self.list(map, "allOf", pointer)? {
            checks.push(Check::AllOf(list));
        }
        if let Some(list) = self.list(map, "anyOf", pointer)? {
            checks.push(Check::AnyOf(list));
        }
        if let Some(list) = self.list(map, "oneOf", pointer)? {
            checks.push(Check::OneOf(list));
        }
        if let Some(n) = self.sub(map, "not", pointer)? {
            checks.push(Check::Not(n));
        }
        if let Some(cond) = self.sub(map, "if", pointer)? {
            let then = self.sub(map, "then", pointer)?;
            let other = self.sub(map, "else", pointer)?;
            if then.is_some() || other.is_some() {
                checks.push(Check::If { cond, then, other });
            }
        }
        if let Some(r) = map.get("$ref") {
            let target = r.as_str().ok_or_else(|| err(&at("$ref"), "$ref", "must be a string"))?;
            checks.push(Check::Ref(self.reference(target, &at("$ref"))?));
        }
        Ok(checks)
    }

    /// The node a `$ref` names: a JSON pointer into this document.
    fn reference(&mut self, target: &str, pointer: &str) -> Result<u32, ProgramError> {
        let root_id = self.root.get("$id").and_then(Value::as_str).unwrap_or_default();
        let fragment = match target.split_once('#') {
            Some((base, fragment)) if base.is_empty() || base == root_id.trim_end_matches('#') => fragment,
            _ => return Err(err(pointer, "$ref", format!("`{target}` is outside this template: templates never fetch anything"))),
        };
        let decoded = percent_decode(fragment).ok_or_else(|| err(pointer, "$ref", format!("`{target}` is not a JSON pointer")))?;
        if !decoded.is_empty() && !decoded.starts_with('/') {
            return Err(err(pointer, "$ref", format!("`{target}` names an anchor; refer with a JSON pointer such as #/$defs/name")));
        }
        let schema = self.root.pointer(&decoded).ok_or_else(|| err(pointer, "$ref", format!("`{target}` points at nothing")))?;
        self.node(schema, &decoded, decoded.is_empty())
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A JSON value as a program literal.
pub fn lit(v: &Value) -> Lit {
    match v {
        Value::Null => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Number(n) => Lit::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Lit::Str(s.clone()),
        Value::Array(xs) => Lit::Arr(xs.iter().map(lit).collect()),
        Value::Object(m) => Lit::Obj(m.iter().map(|(k, v)| (k.clone(), lit(v))).collect()),
    }
}

/// Refuses a loop of subschemas applied to the same value (`$ref`, `allOf`
/// …) that never reads deeper into the row: it would never end.
fn check_loops(program: &Program) -> Result<(), ProgramError> {
    fn in_place(node: &Node) -> Vec<u32> {
        let mut out = Vec::new();
        for check in &node.0 {
            match check {
                Check::AllOf(xs) | Check::AnyOf(xs) | Check::OneOf(xs) => out.extend(xs),
                Check::Not(n) | Check::Ref(n) => out.push(*n),
                Check::If { cond, then, other } => out.extend(std::iter::once(cond).chain(then).chain(other)),
                Check::Object(o) => out.extend(o.dependent_schemas.iter().map(|(_, n)| *n)),
                _ => {}
            }
        }
        out
    }
    // 0: unseen, 1: on the stack, 2: done.
    let mut state = vec![0u8; program.nodes.len()];
    for start in 0..program.nodes.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, in_place(&program.nodes[start]), 0usize)];
        state[start] = 1;
        while let Some((n, next, i)) = stack.last_mut() {
            if let Some(&m) = next.get(*i) {
                *i += 1;
                match state[m as usize] {
                    1 => return Err(err("", "$ref", "a $ref loops back without reading into the row: it would never end")),
                    0 => {
                        state[m as usize] = 1;
                        let children = in_place(&program.nodes[m as usize]);
                        stack.push((m as usize, children, 0));
                    }
                    _ => {}
                }
            } else {
                state[*n] = 2;
                stack.pop();
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use ybt_rules::Rules;

    fn rules(schema: Value) -> Rules {
        Rules::load(compile_program(&schema, FormatMode::Assert).expect("compiles"), Default::default()).expect("loads")
    }

    #[test]
    fn unsupported_keywords_are_errors_naming_them() {
        for (schema, keyword) in [
            (json!({"unevaluatedProperties": false}), "unevaluatedProperties"),
            (json!({"$defs": {"a": {"$anchor": "a"}}, "$ref": "#/$defs/a"}), "$anchor"),
            (json!({"properties": {"a": {"$dynamicRef": "#x"}}}), "$dynamicRef"),
            (json!({"$ref": "http://example.com/x.json"}), "$ref"),
            (json!({"$ref": "#a"}), "$ref"),
            (json!({"$ref": "#/$defs/missing"}), "$ref"),
            (json!({"type": "string", "format": "email"}), "format"),
            (json!({"type": "string", "pattern": "^(?=a)"}), "pattern"),
            (json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}), "$ref"),
            (json!({"properties": {"a": {"$id": "http://x/y"}}}), "$id"),
        ] {
            let e = compile_program(&schema, FormatMode::Assert).expect_err(&schema.to_string());
            assert_eq!(e.keyword, keyword, "{schema}: {e}");
        }
    }

    #[test]
    fn recursion_through_the_row_is_fine() {
        let r = rules(json!({"type": "object", "properties": {"child": {"$ref": "#"}}, "additionalProperties": false}));
        assert!(r.is_valid_json(r#"{"child": {"child": {}}}"#));
        let errors = r.validate_json(r#"{"child": {"child": {"x": 1}}}"#).expect("JSON");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].pointer.as_str(), errors[0].code), ("/child/child", "additionalProperties"));
    }

    #[test]
    fn pointers_escape_and_required_points_where_the_member_belongs() {
        let r = rules(json!({"type": "object", "required": ["a/b"], "properties": {"x~y": {"type": "integer"}}}));
        let errors = r.validate_json(r#"{"x~y": 1.5}"#).expect("JSON");
        let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer.as_str(), e.code)).collect();
        assert_eq!(got, [("/a~1b", "required"), ("/x~0y", "type")]);
    }

    #[test]
    fn multiple_of_reads_decimals() {
        let r = rules(json!({"multipleOf": 0.01}));
        assert!(r.is_valid_json("4422.77"));
        assert!(r.is_valid_json("0.07"));
        assert!(!r.is_valid_json("0.075"));
        assert!(rules(json!({"multipleOf": 3})).is_valid_json("9.0"));
    }
}
