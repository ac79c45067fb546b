//! Native timing of the engine alone, to iterate on it quickly:
//! `cargo run --release -p ybt-rules --example rows -- PROGRAM.json ROWS.jsonl`
//! prints ns per row for reading the row alone, the verdict, and every error
//! (built, and counted only).

use std::time::Instant;

use ybt_rules::{Program, Rules, Tape};

fn per_row(lines: &[&str], f: impl Fn(&str) -> bool) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..std::env::var("ROWS_PASSES").ok().and_then(|v| v.parse().ok()).unwrap_or(15) {
        let t = Instant::now();
        let n = lines.iter().filter(|l| f(std::hint::black_box(l))).count();
        std::hint::black_box(n);
        best = best.min(t.elapsed().as_secs_f64() * 1e9 / lines.len() as f64);
    }
    best
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let program: Program = serde_json::from_str(&std::fs::read_to_string(&args[0]).expect("program")).expect("program JSON");
    let rules = Rules::load(program, Default::default()).expect("loads");
    let text = std::fs::read_to_string(&args[1]).expect("rows");
    let lines: Vec<&str> = text.lines().collect();
    // A third argument times one side alone (for a profiler): parse, verdict, all or count.
    match args.get(2).map(String::as_str) {
        Some("parse") => return println!("parse {:.0}", per_row(&lines, |l| Tape::parse(l).is_ok())),
        Some("verdict") => return println!("verdict {:.0}", per_row(&lines, |l| rules.is_valid_json(l))),
        Some("all") => return println!("all {:.0}", per_row(&lines, |l| rules.validate_json(l).is_ok_and(|e| e.is_empty()))),
        Some("count") => return println!("count {:.0}", per_row(&lines, |l| rules.count_errors_json(l) == Ok(0))),
        _ => {}
    }
    let parse = per_row(&lines, |l| Tape::parse(l).is_ok());
    let verdict = per_row(&lines, |l| rules.is_valid_json(l));
    let all = per_row(&lines, |l| rules.validate_json(l).is_ok_and(|e| e.is_empty()));
    let count = per_row(&lines, |l| rules.count_errors_json(l) == Ok(0));
    println!("ns/row: parse {parse:.0}, verdict {verdict:.0}, all errors {all:.0} (counted only {count:.0})");
}
