//! Compile time per shipped template (target: < 5 ms, issue 14), each part
//! of it alone (the catalog read, the meta-schema check, the program and its
//! engine), and validations per second, measured with criterion.
//!
//! Run: `cargo bench -p ybt-core --bench compile`. The same compile as wasm:
//! `bench/compile.mjs` (see BENCHMARKS.md).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use ybt_core::{Catalog, compile, validate};

fn templates() -> Vec<(&'static str, Value)> {
    ybt_core::schemas::BUILTIN_TEMPLATES.iter().map(|(file, text)| (*file, serde_json::from_str(text).expect("template is JSON"))).collect()
}

fn compile_each(c: &mut Criterion) {
    let catalog = Catalog::shared().expect("catalog");
    let mut group = c.benchmark_group("compile");
    for (file, template) in templates() {
        group.bench_function(file, |b| b.iter(|| compile(black_box(&template), catalog).expect("compiles")));
    }
    group.finish();
}

/// The parts of a compile, each alone: what `Catalog::shared` saves (the
/// catalog read from its JSON), the meta-schema check, the validation
/// program with its engine loaded (regexes built).
fn compile_parts(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile_parts");
    group.bench_function("catalog_builtin", |b| b.iter(|| Catalog::builtin().expect("catalog")));
    for (file, template) in templates() {
        group.bench_function(format!("meta_schema/{file}"), |b| b.iter(|| ybt_core::compile::meta_schema::check(black_box(&template))));
        group.bench_function(format!("program_and_engine/{file}"), |b| {
            b.iter(|| {
                let program =
                    ybt_core::compile::compile_program(black_box(&template), ybt_core::compile::FormatMode::Assert).expect("program");
                ybt_rules::Rules::load(program, Default::default()).expect("loads")
            })
        });
    }
    group.finish();
}

/// A valid and an invalid row of each template, validated in turn.
fn validate_rows(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("catalog");
    let rows = [
        json!({"name": "张三", "id_number": "11010519491231002X", "address": "永川区", "visited_on": "2026-11-02",
               "monthly_income": 800, "living_condition": "一般", "phone": "13812345678", "monthly_amount": 100,
               "months": 3, "age": 76, "total": 300}),
        json!({"name": 3, "id_number": "110105194912310021", "visited_on": "2026-02-30", "monthly_income": -1,
               "living_condition": "很好", "phone": "12812345678", "months": 13}),
    ];
    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Elements(rows.len() as u64));
    for (file, template) in templates() {
        let compiled = compile(&template, &catalog).expect("compiles");
        group.bench_function(file, |b| b.iter(|| rows.iter().map(|r| validate(&compiled, black_box(r)).len()).sum::<usize>()));
    }
    group.finish();
}

criterion_group!(benches, compile_each, compile_parts, validate_rows);
criterion_main!(benches);
