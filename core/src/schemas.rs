//! The ledger record schemas under `schemas/ledger/`, embedded at compile time.
//!
//! They are part of the product, not user data: every build of the worker and
//! the front-end must agree on the same catalog, so they travel inside the code.

/// Every ledger record schema, as `(file name, JSON text)`.
pub const LEDGER_SCHEMAS: &[(&str, &str)] = &[
    ("person.json", include_str!("../../schemas/ledger/person.json")),
    ("org_unit.json", include_str!("../../schemas/ledger/org_unit.json")),
];

/// The report templates shipped with the product, as `(file name, JSON text)`.
/// Departments publish more at run time; these seed the demo.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("dibao-monthly-visit.json", include_str!("../../schemas/templates/dibao-monthly-visit.json")),
    ("gaoling-allowance.json", include_str!("../../schemas/templates/gaoling-allowance.json")),
];
