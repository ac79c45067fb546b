//! Fuzz target: `compile` on arbitrary bytes parsed as JSON must return
//! (templates or errors), never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ybt_core::Catalog;

fuzz_target!(|data: &[u8]| {
    let Ok(template) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(catalog) = Catalog::builtin() else { return };
    let _ = ybt_core::compile(&template, &catalog);
});
