//! Differential test: for every template in `schemas/templates/`, generated
//! rows (valid-looking and not) get the same verdict from core's
//! `validate` as from the `jsonschema` crate used directly with the same
//! format checks. Core adds its own regex engine, limits and messages; this
//! shows none of that changes a verdict. The same rows as JSON text
//! (`validate_json`, read without a `Value`) get the same errors.

use std::cell::Cell;
use std::fs;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};
use ybt_core::formats::{id_check_char, is_cn_credit_code, is_cn_id_number, is_cn_mobile};
use ybt_core::{Catalog, compile, validate};

fn templates() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/templates");
    let mut out: Vec<(String, Value)> = fs::read_dir(dir)
        .expect("schemas/templates")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = fs::read_to_string(&p).expect("read");
            (p.file_name().expect("name").to_string_lossy().into_owned(), serde_json::from_str(&text).expect("JSON"))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The reference: `jsonschema` as a template author would call it.
fn reference(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("cn-id-number", is_cn_id_number)
        .with_format("cn-mobile", is_cn_mobile)
        .with_format("cn-credit-code", is_cn_credit_code)
        .build(schema)
        .expect("reference builds")
}

fn any_leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1_000_000i64..1_000_000).prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-z0-9张三低保]{0,12}".prop_map(Value::from),
    ]
    .boxed()
}

fn digits(n: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(0u8..10, n).prop_map(|d| d.iter().map(|x| char::from(b'0' + x)).collect()).boxed()
}

/// ID numbers: correct ones from real province prefixes, plus near misses.
fn id_number() -> BoxedStrategy<Value> {
    let first17 = (prop::sample::select(vec!["110105", "500118", "350304", "990101"]), 1900u32..2030, 1u32..13, 1u32..32, digits(3))
        .prop_map(|(region, y, m, d, seq)| format!("{region}{y:04}{m:02}{d:02}{seq}"));
    (first17, any::<bool>())
        .prop_map(|(f, right)| {
            let check = id_check_char(&f).unwrap_or('0');
            let check = if right {
                check
            } else if check == '1' {
                '2'
            } else {
                '1'
            };
            Value::from(format!("{f}{check}"))
        })
        .boxed()
}

/// A value that should pass the field's own rules.
fn careful_value(spec: &Value) -> BoxedStrategy<Value> {
    if let Some(options) = spec.get("enum").and_then(Value::as_array) {
        return prop::sample::select(options.clone()).boxed();
    }
    let bound = |k: &str, default: i64| spec.get(k).and_then(Value::as_f64).map_or(default, |f| f as i64);
    let (low, high) = (bound("minimum", 0).max(-1000), bound("maximum", 1000).min(100_000));
    match (spec.get("type").and_then(Value::as_str), spec.get("format").and_then(Value::as_str)) {
        (_, Some("cn-id-number")) => {
            (prop::sample::select(vec!["110105", "500118", "350304"]), 1900u32..2026, 1u32..13, 1u32..29, digits(3))
                .prop_map(|(region, y, m, d, seq)| {
                    let f = format!("{region}{y:04}{m:02}{d:02}{seq}");
                    Value::from(format!("{f}{}", id_check_char(&f).unwrap_or('0')))
                })
                .boxed()
        }
        (_, Some("cn-mobile")) => digits(9).prop_map(|d| Value::from(format!("13{d}"))).boxed(),
        (_, Some("date")) => (1990u32..2030, 1u32..13, 1u32..29).prop_map(|(y, m, d)| Value::from(format!("{y:04}-{m:02}-{d:02}"))).boxed(),
        (Some("integer" | "number"), _) => (low..=high).prop_map(Value::from).boxed(),
        (Some("array"), _) => prop::collection::vec(careful_value(&spec["items"]), 1..3).prop_map(Value::Array).boxed(),
        (Some("object"), _) => careful_row(spec),
        (Some("string"), _) if spec.get("pattern").and_then(Value::as_str) == Some("^[0-9a-f]{64}$") => {
            "[0-9a-f]{64}".prop_map(Value::from).boxed()
        }
        (Some("string"), _) if spec.get("pattern").is_some() => digits(12).prop_map(Value::from).boxed(),
        (Some("string"), _) => "[张三李四低保]{1,8}".prop_map(Value::from).boxed(),
        _ => any_leaf(),
    }
}

fn value_for(spec: &Value) -> BoxedStrategy<Value> {
    if let Some(options) = spec.get("enum").and_then(Value::as_array) {
        return prop_oneof![3 => prop::sample::select(options.clone()), 1 => any_leaf()].boxed();
    }
    let typed: BoxedStrategy<Value> = match (spec.get("type").and_then(Value::as_str), spec.get("format").and_then(Value::as_str)) {
        (_, Some("cn-id-number")) => id_number(),
        (_, Some("cn-mobile")) => {
            (prop::sample::select(vec!["13", "19", "12", "1"]), digits(9)).prop_map(|(p, d)| Value::from(format!("{p}{d}"))).boxed()
        }
        (_, Some("date")) => (1990u32..2030, 0u32..14, 0u32..32).prop_map(|(y, m, d)| Value::from(format!("{y:04}-{m:02}-{d:02}"))).boxed(),
        (Some("integer"), _) => (-5i64..200).prop_map(Value::from).boxed(),
        (Some("number"), _) => prop_oneof![
            (-10i64..20_000).prop_map(Value::from),
            (-10.0f64..20_000.0).prop_map(|f| json!(f)),
            (0i64..100_000).prop_map(|c| json!(c as f64 / 100.0))
        ]
        .boxed(),
        (Some("string"), _) if spec.get("pattern").is_some() => (10usize..14).prop_flat_map(digits).prop_map(Value::from).boxed(),
        (Some("string"), _) => {
            prop_oneof!["[张三李四低保]{0,8}".prop_map(Value::from), (190usize..210).prop_map(|n| Value::from("很".repeat(n)))].boxed()
        }
        _ => any_leaf(),
    };
    prop_oneof![4 => typed, 1 => any_leaf()].boxed()
}

/// Rows a careful clerk would type: every field present and well-formed.
fn careful_row(schema: &Value) -> BoxedStrategy<Value> {
    let properties: Vec<(String, Value)> = schema["properties"].as_object().map(|m| m.clone().into_iter().collect()).unwrap_or_default();
    let cells: Vec<BoxedStrategy<(String, Value)>> =
        properties.into_iter().map(|(key, spec)| careful_value(&spec).prop_map(move |v| (key.clone(), v)).boxed()).collect();
    cells.prop_map(|cells| Value::Object(cells.into_iter().collect())).boxed()
}

/// Careful rows, and careless ones: missing fields, wrong types, near misses.
fn row_strategy(schema: &Value) -> BoxedStrategy<Value> {
    prop_oneof![careful_row(schema), careless_row(schema)].boxed()
}

fn careless_row(schema: &Value) -> BoxedStrategy<Value> {
    let properties: Vec<(String, Value)> = schema["properties"].as_object().map(|m| m.clone().into_iter().collect()).unwrap_or_default();
    let cells: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .into_iter()
        .map(|(key, spec)| prop_oneof![1 => Just(None), 6 => value_for(&spec).prop_map(move |v| Some((key.clone(), v)))].boxed())
        .collect();
    let extra = prop_oneof![5 => Just(None), 1 => any_leaf().prop_map(|v| Some(("unexpected".to_owned(), v)))];
    (cells, extra).prop_map(|(cells, extra)| Value::Object(cells.into_iter().chain([extra]).flatten().collect::<Map<_, _>>())).boxed()
}

#[test]
fn core_and_jsonschema_agree_on_every_template() {
    let catalog = Catalog::builtin().expect("catalog");
    let templates = templates();
    assert!(templates.len() >= 2, "expected the shipped templates, found {}", templates.len());
    for (file, schema) in templates {
        let compiled = compile(&schema, &catalog).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        let reference = reference(&schema);
        let (valid, invalid) = (Cell::new(0usize), Cell::new(0usize));
        let mut runner = TestRunner::new(Config { cases: 1500, failure_persistence: None, ..Config::default() });
        let result = runner.run(&row_strategy(&schema), |row| {
            let errors = validate(&compiled, &row);
            let ours = errors.is_empty();
            let theirs = reference.is_valid(&row);
            // The same row as JSON text (core's `RowText` path): the same errors.
            let text = row.to_string();
            prop_assert_eq!(ybt_core::validate_json(&compiled, &text).ok(), Some(errors), "{}: text {}", file, text);
            prop_assert_eq!(ybt_core::is_valid_json(&compiled, &text), ours, "{}: text {}", file, text);
            if ours {
                valid.set(valid.get() + 1)
            } else {
                invalid.set(invalid.get() + 1)
            }
            prop_assert_eq!(ours, theirs, "{}: row {}", file, row);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{file}: {e}");
        }
        println!("differential {file}: {} valid, {} invalid rows agreed", valid.get(), invalid.get());
        // Both verdicts must occur, or the comparison shows nothing.
        assert!(valid.get() > 0 && invalid.get() > 0, "{file}: {} valid, {} invalid", valid.get(), invalid.get());
    }
}

#[path = "support/gen_templates.rs"]
mod gen_templates;

/// `(pointer, keyword)` of each error `jsonschema` finds, sorted; a missing
/// member points where it belongs, as core reports it.
fn reference_errors(reference: &jsonschema::Validator, row: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = reference
        .iter_errors(row)
        .map(|e| {
            let mut pointer = e.instance_path().as_str().to_owned();
            if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                pointer.push('/');
                pointer.push_str(&property.as_str().unwrap_or_default().replace('~', "~0").replace('/', "~1"));
            }
            (pointer, e.kind().keyword().to_owned())
        })
        .collect();
    out.sort();
    out
}

/// Templates nobody wrote by hand (issue 14): seeded random templates with
/// every type, formats, enums, ranges, lengths, patterns, `required`,
/// `if`/`then`, `anyOf`, `$ref` and arrays of objects, each compiled to a
/// validation program; on valid and broken rows the engine gives
/// `jsonschema`'s verdict and the same errors (pointer and keyword).
#[test]
fn compiled_programs_agree_with_jsonschema_on_generated_templates() {
    let catalog = Catalog::builtin().expect("catalog");
    let division = ybt_core::formats::FormatContext::default();
    let (mut valid, mut invalid, mut errors_compared) = (0usize, 0usize, 0usize);
    for n in 0..300 {
        let schema = gen_templates::template(14, n);
        let compiled = compile(&schema, &catalog).unwrap_or_else(|e| panic!("template {n}: {e:?}\n{schema}"));
        let division = division.clone();
        let reference = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .with_format("cn-id-number", is_cn_id_number)
            .with_format("cn-mobile", is_cn_mobile)
            .with_format("cn-credit-code", is_cn_credit_code)
            .with_format("cn-division-code", move |s: &str| division.is_cn_division_code(s))
            .build(&schema)
            .expect("reference builds");
        for row in gen_templates::rows(&schema, n, 40) {
            let text = row.to_string();
            let ours = ybt_core::is_valid_json(&compiled, &text);
            assert_eq!(ours, reference.is_valid(&row), "template {n}: verdict on {text}\n{schema}");
            let mut got: Vec<(String, String)> =
                ybt_core::validate_json(&compiled, &text).expect("JSON").into_iter().map(|e| (e.pointer, e.code)).collect();
            got.sort();
            assert_eq!(got, reference_errors(&reference, &row), "template {n}: errors on {text}\n{schema}");
            errors_compared += got.len();
            if ours {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
    }
    println!("generated templates: 300 templates, {valid} valid and {invalid} invalid rows, {errors_compared} errors agreed");
    assert!(valid > 2000 && invalid > 2000, "{valid} valid, {invalid} invalid: the rows must exercise both verdicts");
}
