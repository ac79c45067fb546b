//! Fuzz target: `validate`, `compute_row` and expression parsing on
//! arbitrary rows of every shipped template must never panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ybt_core::{Catalog, CompiledTemplate};

fn templates() -> &'static [CompiledTemplate] {
    static TEMPLATES: OnceLock<Vec<CompiledTemplate>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let Ok(catalog) = Catalog::builtin() else { return Vec::new() };
        ybt_core::schemas::BUILTIN_TEMPLATES
            .iter()
            .filter_map(|(_, text)| serde_json::from_str(text).ok())
            .filter_map(|doc| ybt_core::compile(&doc, &catalog).ok())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ybt_core::expr::parse(text);
    }
    let Ok(row) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    for template in templates() {
        let _ = ybt_core::validate(template, &row);
        if let serde_json::Value::Object(mut map) = row.clone() {
            ybt_core::compute_row(template, &mut map, ybt_core::expr::Date::parse("2026-11-02"));
        }
    }
});
