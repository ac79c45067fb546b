//! Masking: the one decision of what a reader sees of each value.
//!
//! A value is protected by what it *carries*, not by where it is shown: a
//! ledger item it is bound to, the ledger item it is written back to, an
//! identifier format it is typed in, or the sensitive item a ledger field
//! reveals part of (a birth date is eight digits of the ID number, so it is
//! masked with it, to the year). [`field_guard`] says what protects a
//! template field, the catalog what protects a ledger item, and [`reveal`]
//! masks one value for one reader. Every answer path (ledger lists, records,
//! history, exports, forms, submissions, files, summaries, boards, pick
//! search) masks through [`reveal`]. Computed fields carry nothing: the
//! compiler refuses a formula that could copy a protected value
//! (`computed_reads_sensitive`).

use serde_json::{Map, Value};

use super::{Principal, Role};
use crate::catalog::{Catalog, Guard, MaskKind, Sensitivity};
use crate::compile::{CompiledTemplate, FieldPlan, FieldSource};

/// The masked text of a value under `kind`:
/// ID numbers keep their first 6 and last 4 characters
/// (`500118********1234`), phone numbers their first 3 and last 4
/// (`138****5678`), dates their year (`1975`).
pub fn mask_text(kind: MaskKind, value: &str) -> String {
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
    match kind {
        MaskKind::IdNumber => keep(6, 4),
        MaskKind::Phone => keep(3, 4),
        MaskKind::Year if chars.len() >= 4 && chars[..4].iter().all(char::is_ascii_digit) => chars[..4].iter().collect(),
        MaskKind::Year => "*".repeat(chars.len()),
        MaskKind::Secret if chars.len() >= 8 && chars.iter().all(|c| c.is_ascii_alphanumeric() || *c == '*') => keep(0, 4),
        MaskKind::Secret => SECRET_MASK.to_owned(),
    }
}

/// What a non-identifier value of an `x-sensitive` field shows: neither its
/// text nor its length.
const SECRET_MASK: &str = "******";

/// The grant that unlocks the values of new fields marked `x-sensitive`
/// (every template's). Administrators give it like a ledger item.
pub const SENSITIVE_FIELDS_GRANT: &str = "template.sensitive";

/// The masked form of a value of the given sensitivity (ID numbers and
/// phones; other classes are shown as they are).
pub fn mask(sensitivity: Sensitivity, value: &str) -> String {
    match sensitivity {
        Sensitivity::IdNumber => mask_text(MaskKind::IdNumber, value),
        Sensitivity::Phone => mask_text(MaskKind::Phone, value),
        Sensitivity::Public | Sensitivity::Personal => value.to_owned(),
    }
}

/// Whether `principal` reads values guarded by ledger item `item` unmasked.
/// Village staff and town coordinators keep their own area's ledger and see
/// it whole; every other role sees a sensitive item only if granted.
pub fn may_see_unmasked(principal: &Principal, item: &str) -> bool {
    unmasked_by_role(principal.role) || principal.grants.iter().any(|g| g == item)
}

/// Whether a role reads its own area's sensitive values whole without a
/// grant (the staff who keep the ledger).
pub fn unmasked_by_role(role: Role) -> bool {
    matches!(role, Role::VillageStaff | Role::TownCoordinator)
}

/// What a reader was shown of one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// Nothing to protect (null, empty).
    Nothing,
    Masked,
    /// Shown whole under a grant (or the reader's role): audited.
    Unmasked,
}

/// THE masking decision: masks `value` in place unless `principal` may see
/// what `guard` protects. Strings are masked by the guard's kind; numbers
/// as their text; lists element by element; anything else that is not
/// null is replaced by a mask (a protected value never leaves as it is).
pub fn reveal(principal: &Principal, guard: &Guard, value: &mut Value) -> Exposure {
    if matches!(value, Value::Null) || value.as_str().is_some_and(str::is_empty) {
        return Exposure::Nothing;
    }
    if may_see_unmasked(principal, &guard.item) {
        return Exposure::Unmasked;
    }
    mask_in_place(guard.kind, value);
    Exposure::Masked
}

fn mask_in_place(kind: MaskKind, value: &mut Value) {
    match value {
        Value::Null => {}
        Value::String(text) => *text = mask_text(kind, text),
        Value::Number(n) => *value = Value::String(mask_text(kind, &n.to_string())),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_in_place(kind, v)),
        Value::Bool(_) | Value::Object(_) => *value = Value::String("***".to_owned()),
    }
}

/// What protects the values of a template field: the ledger item it is
/// bound to or written back to, or (a new field typed in an identifier
/// format) the ledger item of that kind, or (a new field marked
/// `x-sensitive`) [`SENSITIVE_FIELDS_GRANT`]. Computed fields carry nothing
/// the compiler let through.
pub fn field_guard(catalog: &Catalog, field: &FieldPlan) -> Option<Guard> {
    if field.sensitive && matches!(field.source, FieldSource::New) {
        if let Some(guard) = field.writeback.as_deref().and_then(|item| catalog.guard(item)) {
            return Some(guard.clone());
        }
        return Some(Guard { item: SENSITIVE_FIELDS_GRANT.to_owned(), kind: MaskKind::Secret });
    }
    let bound = match &field.source {
        FieldSource::Ledger { item } => catalog.guard(item).cloned(),
        FieldSource::New | FieldSource::Computed { .. } => None,
    };
    bound.or_else(|| field.writeback.as_deref().and_then(|item| catalog.guard(item)).cloned()).or_else(|| {
        match (&field.source, field.format.as_deref()) {
            (FieldSource::New, Some("cn-id-number")) => Some(Guard { item: "person.id_number".to_owned(), kind: MaskKind::IdNumber }),
            (FieldSource::New, Some("cn-mobile")) => Some(Guard { item: "person.phone".to_owned(), kind: MaskKind::Phone }),
            _ => None,
        }
    })
}

/// The guarded fields of a template, by row key.
pub fn template_guards(catalog: &Catalog, template: &CompiledTemplate) -> Vec<(String, Guard)> {
    template.fields.iter().filter_map(|f| field_guard(catalog, f).map(|g| (f.key.clone(), g))).collect()
}

/// The guarded fields of a ledger record type (`entity`), by field name.
pub fn record_guards<'a>(catalog: &Catalog, entity: &str, fields: impl IntoIterator<Item = &'a str>) -> Vec<(String, Guard)> {
    fields.into_iter().filter_map(|f| catalog.guard(&format!("{entity}.{f}")).map(|g| (f.to_owned(), g.clone()))).collect()
}

/// Masks every guarded value of `values` for `principal` through
/// [`reveal`]. Returns the guarding items read unmasked (for the audit
/// log), each once.
pub fn mask_values(principal: &Principal, guards: &[(String, Guard)], values: &mut Map<String, Value>) -> Vec<String> {
    let mut unmasked: Vec<String> = Vec::new();
    for (key, guard) in guards {
        let Some(value) = values.get_mut(key) else { continue };
        if reveal(principal, guard, value) == Exposure::Unmasked && !unmasked.contains(&guard.item) {
            unmasked.push(guard.item.clone());
        }
    }
    unmasked
}

/// Masks the guarded values of every row of a template for `principal`.
/// Returns the guarding items read unmasked (for the audit log); empty
/// when everything protected was masked.
pub fn mask_template_rows<'r>(
    principal: &Principal,
    catalog: &Catalog,
    template: &CompiledTemplate,
    rows: impl IntoIterator<Item = &'r mut Map<String, Value>>,
) -> Vec<String> {
    let guards = template_guards(catalog, template);
    let mut unmasked: Vec<String> = Vec::new();
    for values in rows {
        for item in mask_values(principal, &guards, values) {
            if !unmasked.contains(&item) {
                unmasked.push(item);
            }
        }
    }
    unmasked
}

/// Masking of sensitive values in exports: whoever may see a village's
/// list may still not need every full ID number.

/// `500118199001011234` → `500118********1234`: region and last four kept,
/// enough to tell people apart on paper.
pub fn mask_id_number(id: &str) -> String {
    mask_text(MaskKind::IdNumber, id)
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars = phone.chars().count();
    if chars < 8 {
        return "*".repeat(chars);
    }
    let head: String = phone.chars().take(3).collect();
    let tail: String = phone.chars().skip(chars - 4).collect();
    format!("{head}****{tail}")
}

/// The masked form of a value of the given sensitivity in an export
/// (`export::mask`): unlike [`mask`], a personal value is hidden whole.
pub fn mask_for_export(sensitivity: Sensitivity, text: &str) -> String {
    match sensitivity {
        Sensitivity::IdNumber => mask_id_number(text),
        Sensitivity::Phone => mask_phone(text),
        Sensitivity::Personal | Sensitivity::Public => {
            if text.is_empty() {
                String::new()
            } else {
                "***".to_owned()
            }
        }
    }
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
        assert_eq!(mask_text(MaskKind::Year, "1975-01-16"), "1975");
        assert_eq!(mask_text(MaskKind::Year, "16/01/1975"), "**********", "not a date we can cut to its year");
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

    fn person_guards(catalog: &Catalog) -> Vec<(String, Guard)> {
        record_guards(catalog, "person", ["id_number", "phone", "name", "birth_date", "gender"])
    }

    #[test]
    fn only_ungranted_sensitive_fields_are_masked() {
        let catalog = Catalog::builtin().expect("catalog");
        let guards = person_guards(&catalog);
        let fresh = || {
            json!({"id_number": "500118199001011234", "phone": "13812345678", "name": "张三", "birth_date": "1990-01-01", "gender": "男"})
                .as_object()
                .cloned()
                .expect("object")
        };

        let mut values = fresh();
        let unmasked = mask_values(&analyst(&[]), &guards, &mut values);
        assert_eq!(
            Value::Object(values),
            json!({"id_number": "500118********1234", "phone": "138****5678", "name": "张三", "birth_date": "1990", "gender": "男"})
        );
        assert!(unmasked.is_empty());

        let mut values = fresh();
        let unmasked = mask_values(&analyst(&["person.id_number"]), &guards, &mut values);
        assert_eq!(values["id_number"], json!("500118199001011234"));
        assert_eq!(values["birth_date"], json!("1990-01-01"), "the grant of the ID number unlocks its group");
        assert_eq!(values["phone"], json!("138****5678"));
        assert_eq!(unmasked, ["person.id_number"]);
    }

    #[test]
    fn a_masked_id_number_cannot_be_rebuilt_from_what_is_shown_beside_it() {
        let catalog = Catalog::builtin().expect("catalog");
        let mut values = json!({"id_number": "500118197501168792", "birth_date": "1975-01-16"}).as_object().cloned().expect("object");
        mask_values(&analyst(&[]), &person_guards(&catalog), &mut values);
        let shown = format!("{}{}", values["id_number"], values["birth_date"]);
        assert!(!shown.contains("0116"), "month and day of birth stay hidden: {shown}");
    }

    #[test]
    fn a_value_is_guarded_by_what_it_carries() {
        let catalog = Catalog::builtin().expect("catalog");
        let doc = json!({
            "x-template": {"id": "t", "version": 1, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": {
                "id": {"type": "string", "x-ledger": "person.id_number"},
                "born": {"type": "string", "x-ledger": "person.birth_date"},
                "tel": {"type": "string", "format": "cn-mobile", "x-writeback": true, "x-writeback-item": "person.phone"},
                "other_id": {"type": "string", "format": "cn-id-number"},
                "age": {"type": "integer", "x-compute": "age(id)"},
                "note": {"type": "string"}
            }
        });
        let template = crate::compile(&doc, &catalog).expect("compiles");
        let guards = template_guards(&catalog, &template);
        let kinds: Vec<(&str, MaskKind)> = guards.iter().map(|(k, g)| (k.as_str(), g.kind)).collect();
        assert_eq!(
            kinds,
            [("id", MaskKind::IdNumber), ("born", MaskKind::Year), ("tel", MaskKind::Phone), ("other_id", MaskKind::IdNumber)]
        );
        let mut row = json!({"id": "500118197501168792", "born": "1975-01-16", "tel": 13812345678u64, "other_id": "11010519491231002X", "age": 51, "note": "x"})
            .as_object()
            .cloned()
            .expect("object");
        mask_template_rows(&analyst(&[]), &catalog, &template, std::iter::once(&mut row));
        assert_eq!(
            Value::Object(row),
            json!({"id": "500118********8792", "born": "1975", "tel": "138****5678", "other_id": "110105********002X", "age": 51, "note": "x"})
        );
    }

    fn bank_template(catalog: &Catalog) -> CompiledTemplate {
        let doc = json!({
            "x-template": {"id": "subsidy", "version": 1, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "card": {"type": "string", "title": "银行卡号", "pattern": "^[0-9]{16,19}$", "x-sensitive": true},
                "illness": {"type": "string", "title": "病史", "x-sensitive": true},
                "bank": {"type": "string", "title": "开户行"}
            }
        });
        crate::compile(&doc, catalog).expect("compiles")
    }

    #[test]
    fn a_field_marked_x_sensitive_is_masked_without_the_grant() {
        let catalog = Catalog::builtin().expect("catalog");
        let template = bank_template(&catalog);
        let fresh = || {
            vec![
                json!({"name": "张三", "card": "6222020200112233445", "illness": "高血压", "bank": "农业银行"})
                    .as_object()
                    .cloned()
                    .expect("object"),
            ]
        };
        let mut rows = fresh();
        let unmasked = mask_template_rows(&analyst(&[]), &catalog, &template, rows.iter_mut());
        assert_eq!(rows[0]["card"], json!("***************3445"), "a 19-digit card keeps its last four only");
        assert_eq!(rows[0]["illness"], json!("******"), "free text shows neither its words nor its length");
        assert_eq!((rows[0]["name"].clone(), rows[0]["bank"].clone()), (json!("张三"), json!("农业银行")));
        assert!(unmasked.is_empty());
        // Masking what was masked changes nothing (summaries mask under two versions).
        let again = rows.clone();
        mask_template_rows(&analyst(&[]), &catalog, &template, rows.iter_mut());
        assert_eq!(rows, again);

        let mut rows = fresh();
        let unmasked = mask_template_rows(&analyst(&[SENSITIVE_FIELDS_GRANT]), &catalog, &template, rows.iter_mut());
        assert_eq!(rows[0]["card"], json!("6222020200112233445"));
        assert_eq!(unmasked, [SENSITIVE_FIELDS_GRANT], "an unmasked read is audited under the grant");
        assert!(crate::access::validate_grants(&[SENSITIVE_FIELDS_GRANT.to_owned()], &catalog).is_empty(), "administrators can give it");

        // Village staff entered it: they see their own village's values whole.
        let mut staff = analyst(&[]);
        staff.role = Role::VillageStaff;
        let mut rows = fresh();
        mask_template_rows(&staff, &catalog, &template, rows.iter_mut());
        assert_eq!(rows[0]["card"], json!("6222020200112233445"));
    }

    #[test]
    fn a_formula_may_not_copy_a_field_marked_x_sensitive() {
        let catalog = Catalog::builtin().expect("catalog");
        let mut doc = bank_template(&catalog).schema;
        doc["properties"]["copy"] = json!({"type": "string", "x-compute": "card"});
        doc["properties"]["digits"] = json!({"type": "integer", "x-compute": "len(card)"});
        let errors = crate::compile(&doc, &catalog).err().unwrap_or_default();
        let found: Vec<_> = errors.iter().map(|e| (e.pointer.as_str(), e.code)).collect();
        assert_eq!(found, [("/properties/copy/x-compute", crate::compile::TemplateErrorCode::ComputedReadsSensitive)]);
    }

    #[test]
    fn exports_mask_identifiers_phones_and_personal_values() {
        for (sensitivity, input, expect) in [
            (Sensitivity::IdNumber, "500118199001011234", "500118********1234"),
            (Sensitivity::IdNumber, "11010519491231002X", "110105********002X"),
            (Sensitivity::IdNumber, "123", "***"),
            (Sensitivity::Phone, "13812345678", "138****5678"),
            (Sensitivity::Phone, "12345", "*****"),
            (Sensitivity::Personal, "青峰村1组", "***"),
            (Sensitivity::Personal, "", ""),
        ] {
            assert_eq!(mask_for_export(sensitivity, input), expect, "{sensitivity:?} {input}");
        }
    }
}
