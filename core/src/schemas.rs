//! The ledger record schemas under `schemas/ledger/`, embedded at compile time.
//!
//! They are part of the product, not user data: every build of the worker and
//! the front-end must agree on the same catalog, so they travel inside the code.

/// Every ledger record schema, as `(file name, JSON text)`. `person` stays
/// first: it is the record type most callers and tests reach for.
pub const LEDGER_SCHEMAS: &[(&str, &str)] = &[
    ("person.json", include_str!("../../schemas/ledger/person.json")),
    ("org_unit.json", include_str!("../../schemas/ledger/org_unit.json")),
    ("household.json", include_str!("../../schemas/ledger/household.json")),
    ("house.json", include_str!("../../schemas/ledger/house.json")),
    ("land_parcel.json", include_str!("../../schemas/ledger/land_parcel.json")),
    ("enterprise.json", include_str!("../../schemas/ledger/enterprise.json")),
    ("venue.json", include_str!("../../schemas/ledger/venue.json")),
];

/// The report templates shipped with the product, as `(file name, JSON text)`.
/// Departments publish more at run time; these seed the demo.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("dibao-monthly-visit.json", include_str!("../../schemas/templates/dibao-monthly-visit.json")),
    ("gaoling-allowance.json", include_str!("../../schemas/templates/gaoling-allowance.json")),
    ("typhoon-damage-survey.json", include_str!("../../schemas/templates/typhoon-damage-survey.json")),
];

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::LEDGER_SCHEMAS;

    /// Every shipped record schema compiles, names its entity after its file
    /// and keys records by required fields it declares: import dedups on them.
    #[test]
    fn ledger_schemas_compile_and_declare_natural_keys() {
        for (file, text) in LEDGER_SCHEMAS {
            let schema: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            crate::ledger::RecordType::from_schema(file, &schema).unwrap_or_else(|e| panic!("{file}: {e}"));
            let entity = schema["x-entity"].as_str().expect("x-entity");
            assert_eq!(format!("{entity}.json"), *file);
            let keys = schema["x-natural-key"].as_array().unwrap_or_else(|| panic!("{file}: x-natural-key"));
            assert!(!keys.is_empty(), "{file}: empty natural key");
            for key in keys {
                let key = key.as_str().expect("key name");
                assert!(schema["properties"].get(key).is_some(), "{file}: key {key} is not a property");
                assert!(schema["required"].as_array().is_some_and(|r| r.iter().any(|k| k == key)), "{file}: key {key} must be required");
            }
        }
    }
}
