//! Masking sensitive ledger values for users whose grant lacks the field.

use serde_json::{Map, Value};

use super::{Principal, Role};
use crate::catalog::{Catalog, Sensitivity};
use crate::compile::{CompiledTemplate, FieldSource};

/// The masked form of a value of the given sensitivity:
/// ID numbers keep their first 6 and last 4 characters
/// (`500118********1234`), phone numbers their first 3 and last 4
/// (`138****5678`); other classes are not masked.
pub fn mask(sensitivity: Sensitivity, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = |head: usize, tail: usize| -> String {
        if chars.len() <= head + tail {
            return "*".repeat(chars.len());
        }
        let mut out: String = chars[..head].iter().collect();
        out.push_str(&"*".repeat(chars.len() - head - tail));
        out.extend(&chars[chars.len() - tail..]);
        out
    };
    match sensitivity {
        Sensitivity::IdNumber => keep(6, 4),
        Sensitivity::Phone => keep(3, 4),
        Sensitivity::Public | Sensitivity::Personal => value.to_owned(),
    }
}

/// Whether `principal` reads ledger item `item` unmasked. Village staff and
/// town coordinators keep their own area's ledger and see it whole; every
/// other role sees a sensitive item only if granted.
pub fn may_see_unmasked(principal: &Principal, item: &str) -> bool {
    matches!(principal.role, Role::VillageStaff | Role::TownCoordinator) || principal.grants.iter().any(|g| g == item)
}

/// Masks, in place, every value of `values` whose key is bound (by `bindings`:
/// key → ledger item) to a sensitive item the principal is not granted.
/// Returns the ledger items that were left unmasked and are sensitive: the
/// caller logs those reads.
pub fn mask_record_fields<'a>(
    principal: &Principal,
    catalog: &Catalog,
    bindings: impl IntoIterator<Item = (&'a str, &'a str)>,
    values: &mut Map<String, Value>,
) -> Vec<String> {
    let mut unmasked = Vec::new();
    for (key, item) in bindings {
        let Some(sensitivity) = catalog.get(item).map(|i| i.sensitivity) else { continue };
        if !matches!(sensitivity, Sensitivity::IdNumber | Sensitivity::Phone) {
            continue;
        }
        let Some(Value::String(text)) = values.get_mut(key) else { continue };
        if may_see_unmasked(principal, item) {
            if !unmasked.iter().any(|u| u == item) {
                unmasked.push(item.to_owned());
            }
        } else {
            *text = mask(sensitivity, text);
        }
    }
    unmasked
}

/// Masks the template-bound sensitive values of every row for `principal`.
/// Returns the sensitive ledger items that were read unmasked (for the
/// audit log); empty when everything sensitive was masked.
pub fn mask_template_rows<'r>(
    principal: &Principal,
    catalog: &Catalog,
    template: &CompiledTemplate,
    rows: impl IntoIterator<Item = &'r mut Map<String, Value>>,
) -> Vec<String> {
    let bindings: Vec<(&str, &str)> = template
        .fields
        .iter()
        .filter_map(|f| match &f.source {
            FieldSource::Ledger { item } => Some((f.key.as_str(), item.as_str())),
            FieldSource::New | FieldSource::Computed { .. } => None,
        })
        .collect();
    let mut unmasked: Vec<String> = Vec::new();
    for values in rows {
        for item in mask_record_fields(principal, catalog, bindings.iter().copied(), values) {
            if !unmasked.contains(&item) {
                unmasked.push(item);
            }
        }
    }
    unmasked
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_keep_the_documented_characters() {
        assert_eq!(mask(Sensitivity::IdNumber, "500118199001011234"), "500118********1234");
        assert_eq!(mask(Sensitivity::Phone, "13812345678"), "138****5678");
        assert_eq!(mask(Sensitivity::Phone, "1234"), "****", "too short to keep anything");
        assert_eq!(mask(Sensitivity::Personal, "永川区"), "永川区");
    }

    fn analyst(grants: &[&str]) -> Principal {
        Principal {
            user_id: "a".into(),
            username: "a".into(),
            display_name: "a".into(),
            role: Role::DepartmentAnalyst,
            org_unit: "500118".into(),
            department: Some("区民政局".into()),
            grants: grants.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    #[test]
    fn only_ungranted_sensitive_fields_are_masked() {
        let catalog = Catalog::builtin().expect("catalog");
        let bindings = [("id", "person.id_number"), ("tel", "person.phone"), ("name", "person.name")];
        let fresh = || json!({"id": "500118199001011234", "tel": "13812345678", "name": "张三"}).as_object().cloned().expect("object");

        let mut values = fresh();
        let unmasked = mask_record_fields(&analyst(&[]), &catalog, bindings, &mut values);
        assert_eq!(Value::Object(values), json!({"id": "500118********1234", "tel": "138****5678", "name": "张三"}));
        assert!(unmasked.is_empty());

        let mut values = fresh();
        let unmasked = mask_record_fields(&analyst(&["person.id_number"]), &catalog, bindings, &mut values);
        assert_eq!(values["id"], json!("500118199001011234"));
        assert_eq!(values["tel"], json!("138****5678"));
        assert_eq!(unmasked, ["person.id_number"]);
    }
}
