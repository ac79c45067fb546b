//! The 20-column template of the form benchmarks (tests/bench/form.mjs,
//! BENCHMARKS.md) compiles, with the shape the benchmark claims.

use ybt_core::{Catalog, compile};

#[test]
fn the_wide_bench_template_has_twenty_columns() {
    let text = include_str!("../../tests/bench/wide-template.json");
    let template = compile(&serde_json::from_str(text).unwrap(), &Catalog::builtin().unwrap())
        .unwrap_or_else(|errors| panic!("does not compile: {errors:#?}"));
    assert_eq!(template.fields.len(), 20);
    assert_eq!((template.burden.prefilled, template.burden.new, template.burden.computed), (10, 8, 2));
    assert!(template.subject.matches(&serde_json::json!({"name": "任何人"})), "every person is a subject");
}
