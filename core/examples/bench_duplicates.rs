//! Prints the recall and precision of the duplicate check (issue 17) on the
//! labelled set, with every field it got wrong:
//!
//! ```sh
//! cargo run -p ybt-core --example bench_duplicates [-- path/to/labelled.json …]
//! ```
//!
//! Without a path: the labelled set and the held-out set under `core/tests/data/`.

use std::process::ExitCode;

use ybt_core::Catalog;
use ybt_core::review::labelled::{Miss, score_text};

const DEFAULT: &[&str] = &[
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/duplicates_labelled.json"),
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/duplicates_heldout.json"),
];

fn show(miss: &Miss) -> String {
    let list = |l: &[String]| if l.is_empty() { "none".to_owned() } else { l.join(" | ") };
    format!("  {} · {} ({}): expected {}, found {}", miss.form, miss.title, miss.key, list(&miss.expected), list(&miss.found))
}

fn main() -> ExitCode {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        paths = DEFAULT.iter().map(|p| (*p).to_owned()).collect();
    }
    for path in &paths {
        if run(path) == ExitCode::FAILURE {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

fn run(path: &str) -> ExitCode {
    let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    println!("== {name}");
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("catalog: {e}");
            return ExitCode::FAILURE;
        }
    };
    let scores = match score_text(&text, &catalog) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "labelled set: {} forms, {} new fields ({} duplicates, {} not)",
        scores.forms, scores.fields, scores.duplicates, scores.negatives
    );
    println!("flagged right: {}", scores.true_positives);
    println!("recall    {:.1} %", scores.recall() * 100.0);
    println!("precision {:.1} % (fields flagged)", scores.precision() * 100.0);
    println!(
        "precision {:.1} % (findings: {} of {} name a right target)",
        scores.finding_precision() * 100.0,
        scores.right_findings,
        scores.findings
    );
    for (kind, (right, all)) in &scores.by_kind {
        println!("  {kind:<8} {right} / {all} right");
    }
    if !scores.false_negatives.is_empty() {
        println!("missed ({}):", scores.false_negatives.len());
        scores.false_negatives.iter().for_each(|m| println!("{}", show(m)));
    }
    if !scores.false_positives.is_empty() {
        println!("flagged wrongly ({}):", scores.false_positives.len());
        scores.false_positives.iter().for_each(|m| println!("{}", show(m)));
    }
    ExitCode::SUCCESS
}
