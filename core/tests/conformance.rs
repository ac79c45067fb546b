//! The official JSON-Schema-Test-Suite, draft 2020-12 required tests, run
//! through core's own validator entry point ([`SchemaValidator`]).
//!
//! The suite is vendored in `tests/json-schema-test-suite/` (MIT, commit in
//! its `VERSION`). Formats run as annotations here, as the required tests
//! expect; templates assert them (see docs/templates.md). The suite's
//! `remotes/` are handed over as in-memory documents: nothing is fetched.
//!
//! Every failing case must be listed in `conformance-expected-failures.txt`
//! with its reason, and every listed case must still fail, so the list can
//! neither hide a regression nor go stale.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use ybt_core::compile::{FormatMode, SchemaValidator, ValidatorOptions};

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/json-schema-test-suite")
}

/// Every file under `remotes/`, keyed by the URL the suite serves it at.
fn remotes() -> BTreeMap<String, Value> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Value>) {
        for entry in fs::read_dir(dir).expect("remotes dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
                let doc = serde_json::from_str(&fs::read_to_string(&path).expect("read remote")).expect("remote is JSON");
                out.insert(format!("http://localhost:1234/{rel}"), doc);
            }
        }
    }
    let root = suite_dir().join("remotes");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// `file :: group :: case` → reason, from the expected-failures file.
fn expected_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-expected-failures.txt");
    let text = fs::read_to_string(path).expect("expected-failures file");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (case, reason) = l.split_once(" — ").unwrap_or_else(|| panic!("line without ` — reason`: {l}"));
            (case.trim().to_owned(), reason.trim().to_owned())
        })
        .collect()
}

/// Outcome of one run over the required tests.
struct Run {
    total: usize,
    passed: usize,
    /// `file :: group :: case` of each failure, with whether its schema
    /// refers to the suite's remote documents.
    failed: BTreeMap<String, bool>,
}

fn run(options: &ValidatorOptions) -> Run {
    let dir = suite_dir().join("tests/draft2020-12");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("suite dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json")) // skips optional/
        .collect();
    files.sort();

    let mut run = Run { total: 0, passed: 0, failed: BTreeMap::new() };
    for path in &files {
        let file = path.file_name().expect("name").to_string_lossy().into_owned();
        let groups: Value = serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("JSON");
        for group in groups.as_array().expect("array of groups") {
            let group_name = group["description"].as_str().expect("description");
            let remote = group["schema"].to_string().contains("http://localhost:1234/");
            let validator = SchemaValidator::new(&group["schema"], options);
            for case in group["tests"].as_array().expect("tests") {
                run.total += 1;
                let name = format!("{file} :: {group_name} :: {}", case["description"].as_str().expect("description"));
                let expected = case["valid"].as_bool().expect("valid");
                // A schema that does not build fails every one of its cases.
                let ok = validator.as_ref().is_ok_and(|v| v.validate(&case["data"]).is_empty() == expected);
                if ok {
                    run.passed += 1;
                } else {
                    run.failed.insert(name, remote);
                }
            }
        }
    }
    run
}

fn rate(label: &str, run: &Run) {
    println!("{label}: {}/{} passed ({:.1}%)", run.passed, run.total, 100.0 * run.passed as f64 / run.total as f64);
}

/// The suite as its required tests are written: formats annotate, the
/// suite's remotes are available in memory.
#[test]
fn draft2020_12_required_tests() {
    let options = ValidatorOptions { formats: FormatMode::Annotate, resources: Arc::new(remotes()), ..Default::default() };
    let run = run(&options);
    rate("conformance", &run);
    let listed = expected_failures();
    println!("conformance: {} expected failures listed", listed.len());
    assert!(run.total > 1000, "the suite looks truncated: only {} cases", run.total);
    let unexpected: Vec<&String> = run.failed.keys().filter(|c| !listed.contains_key(*c)).collect();
    let now_passing: Vec<&String> = listed.keys().filter(|c| !run.failed.contains_key(*c)).collect();
    assert!(unexpected.is_empty(), "cases failing but not listed as expected failures:\n{}", lines(&unexpected));
    assert!(now_passing.is_empty(), "listed as expected failures but passing (or gone); remove them:\n{}", lines(&now_passing));
}

/// The suite with exactly the settings templates get (formats asserted, no
/// documents but the schema): the only differences from the suite's
/// expectations may be `format` cases and schemas that need a remote.
#[test]
fn template_settings_differ_only_on_formats_and_remotes() {
    let run = run(&ValidatorOptions::default());
    rate("conformance with template settings", &run);
    let other: Vec<&String> =
        run.failed.iter().filter(|(case, remote)| !**remote && !case.starts_with("format.json ::")).map(|(case, _)| case).collect();
    assert!(!run.failed.is_empty(), "asserting formats must break some annotation-only cases");
    assert!(other.is_empty(), "failing for another reason than formats or remotes:\n{}", lines(&other));
}

/// Every case again as JSON text, through the path that reads text without
/// building a `Value` ([`SchemaValidator::validate_json`]): the same verdict
/// and the same errors as the `Value`, under both settings.
#[test]
fn json_text_gets_the_same_errors_as_its_value() {
    let suite = ValidatorOptions { formats: FormatMode::Annotate, resources: Arc::new(remotes()), ..Default::default() };
    let mut compared = 0;
    for options in [suite, ValidatorOptions::default()] {
        for (name, schema, data) in cases() {
            let Ok(validator) = SchemaValidator::new(&schema, &options) else { continue };
            let text = data.to_string();
            let errors = validator.validate(&data);
            assert_eq!(validator.validate_json(&text).expect("JSON"), errors, "{name}");
            assert_eq!(validator.is_valid_json(&text).expect("JSON"), errors.is_empty(), "{name}");
            compared += 1;
        }
    }
    assert!(compared > 2000, "only {compared} cases compared");
}

/// `(file :: group :: case, schema, data)` of every required test.
fn cases() -> Vec<(String, Value, Value)> {
    let dir = suite_dir().join("tests/draft2020-12");
    let mut out = Vec::new();
    for entry in fs::read_dir(&dir).expect("suite dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let file = path.file_name().expect("name").to_string_lossy().into_owned();
        let groups: Value = serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
        for group in groups.as_array().expect("array of groups") {
            for case in group["tests"].as_array().expect("tests") {
                let name = format!("{file} :: {} :: {}", group["description"], case["description"]);
                out.push((name, group["schema"].clone(), case["data"].clone()));
            }
        }
    }
    out
}

fn lines(cases: &[&String]) -> String {
    cases.iter().map(|c| format!("{c} — <reason>")).collect::<Vec<_>>().join("\n")
}

/// The suite through the validation program every template row is checked
/// with (`compile_program` + the `ybt-rules` engine), formats annotating as
/// the suite expects. A schema the compiler refuses (a keyword the engine
/// cannot run, a remote `$ref`) counts as refused, never as passed; every
/// schema it accepts must give every case the suite's verdict. The figures
/// are printed for BENCHMARKS.md.
#[test]
fn compiled_programs_agree_with_the_suite_where_they_compile() {
    use std::collections::BTreeMap as Counts;
    use ybt_core::compile::compile_program;
    use ybt_rules::Rules;
    let dir = suite_dir().join("tests/draft2020-12");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("suite dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut total, mut refused, mut passed) = (0usize, 0usize, 0usize);
    let mut refused_by: Counts<String, usize> = Counts::new();
    let mut wrong = Vec::new();
    for path in &files {
        let file = path.file_name().expect("name").to_string_lossy().into_owned();
        let groups: Value = serde_json::from_str(&fs::read_to_string(path).expect("read")).expect("JSON");
        for group in groups.as_array().expect("array of groups") {
            let cases = group["tests"].as_array().expect("tests");
            total += cases.len();
            let rules = match compile_program(&group["schema"], FormatMode::Annotate) {
                Ok(program) => Rules::load(program, Default::default()).map_err(|e| e.to_string()),
                Err(e) => Err(e.keyword),
            };
            let rules = match rules {
                Ok(rules) => rules,
                Err(keyword) => {
                    refused += cases.len();
                    *refused_by.entry(keyword).or_default() += cases.len();
                    continue;
                }
            };
            for case in cases {
                let text = case["data"].to_string();
                let expected = case["valid"].as_bool().expect("valid");
                let verdict = rules.is_valid_json(&text);
                let errors = rules.validate_json(&text).expect("JSON");
                if verdict == expected && errors.is_empty() == expected {
                    passed += 1;
                } else {
                    wrong.push(format!("{file} :: {} :: {}", group["description"], case["description"]));
                }
            }
        }
    }
    println!(
        "compiled programs: {total} cases, {refused} refused at compile time ({refused_by:?}), {passed}/{} of the accepted pass",
        total - refused
    );
    assert!(wrong.is_empty(), "the engine disagrees with the suite on an accepted schema:\n{}", wrong.join("\n"));
    // The engine must keep running what it runs today (issue 14: 969 of the
    // 1,299 cases), not refuse its way to agreement.
    assert!(passed >= 969, "only {passed} of {total} cases run (was 969)");
}
