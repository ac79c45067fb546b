//! The meta-schema check the compiler runs (`compile::meta_schema`, no
//! JSON Schema engine) against `jsonschema`'s own 2020-12 meta-schema
//! validator: on hand-written documents and on seeded random ones, both
//! refuse exactly the same values (the same set of pointers).

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use ybt_core::compile::meta_schema;

fn ours(doc: &Value) -> BTreeSet<String> {
    meta_schema::check(doc).into_iter().map(|p| p.pointer).collect()
}

fn theirs(doc: &Value) -> BTreeSet<String> {
    jsonschema::draft202012::meta::validator().iter_errors(doc).map(|e| e.instance_path().as_str().to_owned()).collect()
}

fn agree(doc: &Value) {
    assert_eq!(ours(doc), theirs(doc), "on {doc:#}");
}

#[test]
fn hand_written_documents() {
    for doc in [
        json!({}),
        json!(true),
        json!(3),
        json!({"type": "strin", "properties": {"a": 3, "b": {"minimum": "0"}}}),
        json!({"required": ["a", "a", 1], "dependentRequired": {"x": ["a", 2], "y": 3}}),
        json!({"allOf": [], "anyOf": [1, {}], "oneOf": {}, "prefixItems": [true, "x"]}),
        json!({"minLength": -1, "maxLength": 2.0, "minItems": 1.5, "maxContains": "3", "minProperties": 18446744073709551615u64}),
        json!({"multipleOf": 0, "maximum": "1", "exclusiveMinimum": null}),
        json!({"$id": "a#b", "$anchor": "1a", "$dynamicAnchor": "ok", "$recursiveAnchor": true, "$schema": "not a uri"}),
        json!({"$id": "urn:x#", "$ref": 1, "$dynamicRef": "#", "$recursiveRef": [], "$comment": {}}),
        json!({"dependencies": {"x": ["a"], "y": {"type": 1}, "z": ["a", "a"], "w": 3, "v": true}}),
        json!({"$vocabulary": {"a": 1, "b": true}, "$defs": {"x": 1, "y": {"enum": 1}}, "definitions": 3}),
        json!({"type": ["string", "string"], "items": {"type": []}, "contains": null, "not": {"type": ["null", 1]}}),
        json!({"enum": [], "const": {}, "examples": {}, "default": 1, "deprecated": 1, "readOnly": "yes", "uniqueItems": 0}),
        json!({"contentSchema": 1, "contentEncoding": 1, "contentMediaType": "text/plain", "format": 7}),
        json!({"properties": {"a/b~": 1, "": {"if": 1, "then": [], "else": "x"}}, "patternProperties": {"(": {}}}),
        json!({"unevaluatedItems": 1, "unevaluatedProperties": {"minimum": true}, "propertyNames": {"maxLength": -3}}),
        json!({"x-template": {"id": "t", "version": 1}, "x-ui": 3, "title": 1, "description": ["a"]}),
    ] {
        agree(&doc);
    }
}

/// A small seeded generator (xorshift): the same documents on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "items",
    "prefixItems",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minContains",
    "maxContains",
    "minProperties",
    "maxProperties",
    "pattern",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "uniqueItems",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "$defs",
    "definitions",
    "$ref",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$dynamicRef",
    "$recursiveAnchor",
    "$recursiveRef",
    "$schema",
    "$vocabulary",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "unevaluatedItems",
    "unevaluatedProperties",
    "x-ui",
    "x-ledger",
];

/// Any JSON value, leaning to the ones keywords care about.
fn value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth > 2 { 12 } else { 16 }) {
        0 => json!(null),
        1 => json!(rng.below(2) == 0),
        2 => json!(rng.below(5) as i64 - 2),
        3 => json!(*rng.pick(&[0.0, 2.0, 1.5, -1.0, 0.25, 1e300, -0.5])),
        4 => json!(*rng.pick(&["string", "strin", "integer", "null", "object", "array", "number", "boolean"])),
        5 => json!(*rng.pick(&["a", "", "a#", "a#b", "#", "_x-1.2", "1a", "urn:x", "not a uri", "^[0-9]+$", "("])),
        6 => {
            let n = rng.below(4);
            Value::Array((0..n).map(|_| json!(*rng.pick(&["string", "null", "integer", "a", "b"]))).collect())
        }
        7 => json!(18446744073709551615u64),
        8 => json!([]),
        9 => json!({}),
        10 => json!(["a", 1]),
        11 => json!([true, {"type": 1}]),
        _ => schema(rng, depth + 1),
    }
}

/// A schema: mostly objects of keywords, sometimes a boolean or not a schema.
fn schema(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(10) {
        0 => json!(rng.below(2) == 0),
        1 if depth > 0 => value(rng, 3),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(if depth > 2 { 2 } else { 5 }) + 1 {
                let keyword = *rng.pick(KEYWORDS);
                let v = match rng.below(3) {
                    // The shape the keyword takes, with schemas inside.
                    0 if depth < 3 => match keyword {
                        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" | "dependencies" => {
                            let mut m = Map::new();
                            for name in ["a", "b/c", "~"].iter().take(rng.below(3) + 1) {
                                m.insert(
                                    (*name).to_owned(),
                                    if rng.below(4) == 0 { value(rng, depth + 1) } else { schema(rng, depth + 1) },
                                );
                            }
                            Value::Object(m)
                        }
                        "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                            Value::Array((0..rng.below(3)).map(|_| schema(rng, depth + 1)).collect())
                        }
                        _ => schema(rng, depth + 1),
                    },
                    _ => value(rng, depth),
                };
                map.insert(keyword.to_owned(), v);
            }
            Value::Object(map)
        }
    }
}

#[test]
fn seeded_random_documents() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut refused = 0;
    for _ in 0..5000 {
        let doc = schema(&mut rng, 0);
        if !theirs(&doc).is_empty() {
            refused += 1;
        }
        agree(&doc);
    }
    // The generator makes both kinds.
    assert!((500..4500).contains(&refused), "{refused} of 5000 refused");
}
