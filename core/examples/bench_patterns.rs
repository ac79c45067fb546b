//! Patterns as automata (issue 14), natively: for each regex of a
//! pattern-heavy template (`core/tests/data/pattern-heavy-template.json`),
//! its automaton's size, the time to compile it, and the time of one match
//! on the automaton, on `pattern.rs`'s one-pass fast path where it applies,
//! and on `regex_lite` (what the engine ran before); then the whole
//! template's compile and its program's size.
//!
//!   cargo run --release -p ybt-core --example bench_patterns
//!
//! Prints figures only (medians of repeated runs); nothing is asserted.

use std::hint::black_box;
use std::time::Instant;

use serde_json::Value;

/// Texts each pattern meets: valid and invalid, short and long.
const TEXTS: &[&str] = &[
    "11010519491231002X",
    "13812345678",
    "91350100M000100Y43",
    "023-12345678",
    "12345678",
    "石堰村",
    "张家居委会",
    "room 302 东",
    "user12@example.com",
    "AB-x1",
    "阿卜杜·热合曼",
    "东12号",
    "2024-05-01",
    "4422.77",
    "23:59",
    "AB1234",
    "",
    "a fairly long free-text answer a clerk typed into a field, with no Chinese at all",
];

fn median_ns(mut f: impl FnMut(), runs: usize, inner: usize) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            t.elapsed().as_nanos() as f64 / inner as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pattern-heavy-template.json");
    let template: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let catalog = ybt_core::Catalog::builtin()?;
    let compiled = ybt_core::compile::compile(&template, &catalog).map_err(|e| format!("{e:?}"))?;
    let program = compiled.program();

    println!(
        "{:<72} {:>6} {:>5} {:>6} {:>9} {:>9} {:>9} {:>9}",
        "pattern", "states", "cls", "bytes", "compile", "nfa", "fast", "regex-lite"
    );
    let (mut nfa_total, mut fast_total, mut lite_total, mut chosen_total) = (0.0, 0.0, 0.0, 0.0);
    for (source, automaton) in program.patterns.iter().zip(&program.automata) {
        let bytes = serde_json::to_string(automaton)?.len();
        let compile_ns = median_ns(
            || {
                black_box(ybt_core::compile::compile_program(
                    &serde_json::json!({"pattern": source}),
                    ybt_core::compile::FormatMode::Assert,
                ))
                .ok();
            },
            21,
            50,
        );
        let nfa = median_ns(
            || {
                for t in TEXTS {
                    black_box(automaton.is_match(black_box(t)));
                }
            },
            21,
            200,
        ) / TEXTS.len() as f64;
        let fast = ybt_rules::pattern::compile(source).map(|atoms| {
            median_ns(
                || {
                    for t in TEXTS {
                        black_box(ybt_rules::pattern::is_match(&atoms, black_box(t)));
                    }
                },
                21,
                200,
            ) / TEXTS.len() as f64
        });
        let regex = regex_lite::Regex::new(source)?;
        let lite = median_ns(
            || {
                for t in TEXTS {
                    black_box(regex.is_match(black_box(t)));
                }
            },
            21,
            200,
        ) / TEXTS.len() as f64;
        nfa_total += nfa;
        lite_total += lite;
        fast_total += fast.unwrap_or(nfa);
        chosen_total += fast.unwrap_or(nfa).min(nfa);
        let shown: String = source.chars().take(70).collect();
        println!(
            "{shown:<72} {:>6} {:>5} {bytes:>6} {:>7.1}µs {nfa:>7.0}ns {:>9} {lite:>7.0}ns",
            automaton.insts.len(),
            automaton.classes.len(),
            compile_ns / 1000.0,
            fast.map_or("—".to_owned(), |f| format!("{f:.0}ns")),
        );
    }
    let n = program.patterns.len() as f64;
    println!(
        "mean per match over {n} patterns × {} texts: automaton {:.0} ns, engine (fast path where it applies, else automaton) {:.0} ns, regex-lite {:.0} ns",
        TEXTS.len(),
        nfa_total / n,
        fast_total / n,
        lite_total / n
    );
    let _ = chosen_total;

    let whole = median_ns(
        || {
            black_box(ybt_core::compile::compile(&template, &catalog)).ok();
        },
        21,
        5,
    );
    let program_only = median_ns(
        || {
            black_box(ybt_core::compile::compile_program(&template, ybt_core::compile::FormatMode::Assert)).ok();
        },
        21,
        5,
    );
    let program_bytes = serde_json::to_string(program)?.len();
    let automata_bytes: usize = program.automata.iter().map(|a| serde_json::to_string(a).map_or(0, |s| s.len())).sum();
    println!(
        "template {} ({} patterns): compile {:.2} ms (program alone {:.2} ms); program {} bytes of JSON, of which automata {} bytes",
        path.rsplit('/').next().unwrap_or(path),
        program.patterns.len(),
        whole / 1e6,
        program_only / 1e6,
        program_bytes,
        automata_bytes
    );
    Ok(())
}
