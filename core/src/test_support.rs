//! Fixtures shared by core's unit tests.

use crate::compile::{FieldPlan, FieldSource, UiHints};
use crate::{Catalog, CompiledTemplate, compile};

/// The shipped 低保 template, compiled against the shipped catalog.
pub fn dibao() -> CompiledTemplate {
    let text = crate::schemas::BUILTIN_TEMPLATES[0].1;
    compile(&serde_json::from_str(text).expect("template is JSON"), &Catalog::builtin().expect("catalog"))
        .expect("the shipped template compiles")
}

/// A bare column of a form: `key` as its title, no type, rules or hints.
pub fn column(key: &str, source: FieldSource) -> FieldPlan {
    FieldPlan {
        key: key.into(),
        title: key.into(),
        source,
        json_type: None,
        format: None,
        pattern: None,
        options: vec![],
        required: false,
        ui: UiHints::default(),
        writeback: None,
        max_length: None,
        sensitive: false,
    }
}

/// A signed-in user of `role` in `org_unit`, with no department or grants.
pub fn principal(role: crate::access::Role, org_unit: &str) -> crate::access::Principal {
    crate::access::Principal {
        user_id: "u".into(),
        username: "u".into(),
        display_name: "u".into(),
        role,
        org_unit: org_unit.into(),
        department: None,
        grants: vec![],
    }
}
