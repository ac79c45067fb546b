//! The native row of the validation benchmark: validates the same JSON lines
//! the wasm and ajv validate, the same ways (JSON text in, verdict out; JSON
//! text in, every error out), and prints one JSON line: rows per second of
//! each and the verdict of every row.
//!
//! Run by `bench/validate.mjs`: `native_rows TEMPLATE.json ROWS.jsonl`.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::{Value, json};
use ybt_core::{Catalog, CompiledTemplate};

/// Timed passes run until this much time has passed (at least `MIN_PASSES`).
const MEASURE_FOR: Duration = Duration::from_secs(1);
const MIN_PASSES: usize = 3;

/// As the wasm's `validate_json`: core's verdict-only path.
fn verdict(template: &CompiledTemplate, line: &str) -> bool {
    ybt_core::is_valid_json(template, line)
}

/// As the wasm's `count_errors(…) == 0`: every error built, as ajv's `allErrors`.
fn all_errors(template: &CompiledTemplate, line: &str) -> bool {
    ybt_core::validate_json(template, line).is_ok_and(|errors| errors.is_empty())
}

/// Median rows/s over timed passes of `check` on every line.
fn measure(lines: &[&str], check: impl Fn(&str) -> bool) -> f64 {
    let mut passes = Vec::new();
    let started = Instant::now();
    while passes.len() < MIN_PASSES || started.elapsed() < MEASURE_FOR {
        let pass = Instant::now();
        let valid = lines.iter().filter(|l| check(std::hint::black_box(l))).count();
        std::hint::black_box(valid);
        passes.push(pass.elapsed().as_secs_f64());
    }
    passes.sort_by(f64::total_cmp);
    lines.len() as f64 / passes[passes.len() / 2]
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [template_path, rows_path] = args.as_slice() else {
        anyhow::bail!("usage: native_rows TEMPLATE.json ROWS.jsonl");
    };
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(template_path).with_context(|| format!("reading {template_path}"))?)?;
    let catalog = Catalog::builtin()?;
    let template = ybt_core::compile(&document, &catalog)
        .map_err(|errors| anyhow::anyhow!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
    let text = std::fs::read_to_string(rows_path).with_context(|| format!("reading {rows_path}"))?;
    let lines: Vec<&str> = text.lines().collect();

    let verdicts: String = lines.iter().map(|l| if verdict(&template, l) { '1' } else { '0' }).collect();
    let all_errors_verdicts: String = lines.iter().map(|l| if all_errors(&template, l) { '1' } else { '0' }).collect();
    anyhow::ensure!(verdicts == all_errors_verdicts, "is_valid and validate disagree");
    let verdict_rate = measure(&lines, |l| verdict(&template, l));
    let all_errors_rate = measure(&lines, |l| all_errors(&template, l));
    println!("{}", json!({ "rows_per_sec": verdict_rate, "all_errors_rows_per_sec": all_errors_rate, "verdicts": verdicts }));
    Ok(())
}
