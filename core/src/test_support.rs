//! Fixtures shared by core's unit tests.

use crate::{Catalog, CompiledTemplate, compile};

/// The shipped 低保 template, compiled against the shipped catalog.
pub fn dibao() -> CompiledTemplate {
    let text = crate::schemas::BUILTIN_TEMPLATES[0].1;
    compile(&serde_json::from_str(text).expect("template is JSON"), &Catalog::builtin().expect("catalog"))
        .expect("the shipped template compiles")
}
