//! The ledger field catalog: every item a template may bind with `x-ledger`.
//!
//! Items are named `<entity>.<field>` (e.g. `person.id_number`) and come from
//! the ledger record schemas, which mark each field with an `x-sensitivity`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How sensitive a ledger field is; decides masking (see issue on access).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    Public,
    Personal,
    IdNumber,
    Phone,
}

/// How a protected value is shown to a reader without the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaskKind {
    /// `500118********1234`: region and last four kept.
    IdNumber,
    /// `138****5678`.
    Phone,
    /// `1975-01-16` → `1975`: what a birth date may show without revealing
    /// the ID number it is part of.
    Year,
    /// A new field marked `x-sensitive` (a bank card number, a diagnosis):
    /// an identifier-like value (8 or more ASCII letters and digits) keeps
    /// its last four (`***************1234`), anything else is `******`.
    Secret,
}

/// What protects a value: the ledger item whose grant unlocks it, and how
/// it is masked otherwise. A birth date is guarded by `person.id_number`
/// (it is eight digits of it), so one grant decides the whole group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guard {
    pub item: String,
    pub kind: MaskKind,
}

/// One bindable ledger item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    /// Stable dotted name, e.g. `person.name`.
    pub name: String,
    pub entity: String,
    pub field: String,
    pub title: String,
    /// The JSON Schema `type` of the field, if it declares exactly one.
    pub json_type: Option<String>,
    /// The field's `format`, e.g. `cn-id-number`.
    #[serde(default)]
    pub format: Option<String>,
    /// The field's `pattern`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Allowed values, when the field is an `enum` of strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Other names departments give this item on their forms (`x-aliases`):
    /// 家庭住址 and 居住地址 for 住址. The review reads a new field under any
    /// of them as this item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub sensitivity: Sensitivity,
    /// What masks this item for readers without a grant: its own
    /// sensitivity (ID number, phone), or the item it reveals part of
    /// (`"x-masked-with"`); `None` for items shown to every reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guard: Option<Guard>,
}

/// Why a ledger schema could not be read into the catalog.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: not valid JSON: {reason}")]
    Json { file: String, reason: String },
    #[error("{file}: missing string `x-entity`")]
    MissingEntity { file: String },
    #[error("{file}: missing object `properties`")]
    MissingProperties { file: String },
    #[error("{file}: field `{field}` has no valid `x-sensitivity`")]
    MissingSensitivity { file: String, field: String },
    #[error("{file}: field `{field}`: `x-aliases` must be an array of non-empty strings")]
    InvalidAliases { file: String, field: String },
    #[error("{file}: field `{field}`: `x-masked-with` must name a sensitive field of the same schema, with `x-mask`")]
    BadMaskedWith { file: String, field: String },
}

/// All bindable ledger items, by dotted name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    items: BTreeMap<String, CatalogItem>,
    /// Each record type's Chinese name (the schema's `title`): 人员, 房屋.
    entity_titles: BTreeMap<String, String>,
}

impl Catalog {
    /// The catalog of the ledger schemas shipped in `schemas/ledger/`.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::from_schemas(crate::schemas::LEDGER_SCHEMAS.iter().copied())
    }

    /// [`Catalog::builtin`] read once per process (per worker isolate, per
    /// page): compiling a template then costs no JSON parse of the ledger
    /// schemas.
    pub fn shared() -> Result<&'static Catalog, CatalogError> {
        static SHARED: std::sync::OnceLock<Result<Catalog, CatalogError>> = std::sync::OnceLock::new();
        SHARED.get_or_init(Catalog::builtin).as_ref().map_err(Clone::clone)
    }

    /// Builds a catalog from `(file name, schema text)` pairs.
    pub fn from_schemas<'a>(schemas: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Catalog, CatalogError> {
        let mut items = BTreeMap::new();
        let mut entity_titles = BTreeMap::new();
        for (file, text) in schemas {
            let schema: Value =
                serde_json::from_str(text).map_err(|e| CatalogError::Json { file: file.to_owned(), reason: e.to_string() })?;
            let entity =
                schema.get("x-entity").and_then(Value::as_str).ok_or_else(|| CatalogError::MissingEntity { file: file.to_owned() })?;
            let properties = schema
                .get("properties")
                .and_then(Value::as_object)
                .ok_or_else(|| CatalogError::MissingProperties { file: file.to_owned() })?;
            if let Some(title) = schema.get("title").and_then(Value::as_str) {
                entity_titles.insert(entity.to_owned(), title.to_owned());
            }
            for (field, spec) in properties {
                let sensitivity = spec
                    .get("x-sensitivity")
                    .cloned()
                    .and_then(|v| serde_json::from_value(v).ok())
                    .ok_or_else(|| CatalogError::MissingSensitivity { file: file.to_owned(), field: field.clone() })?;
                let aliases = match spec.get("x-aliases") {
                    None => Vec::new(),
                    Some(Value::Array(list)) => list
                        .iter()
                        .map(|a| a.as_str().map(str::trim).filter(|a| !a.is_empty()).map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| CatalogError::InvalidAliases { file: file.to_owned(), field: field.clone() })?,
                    Some(_) => return Err(CatalogError::InvalidAliases { file: file.to_owned(), field: field.clone() }),
                };
                let name = format!("{entity}.{field}");
                let guard = guard_of(file, entity, field, spec, sensitivity, properties)?;
                items.insert(
                    name.clone(),
                    CatalogItem {
                        name,
                        entity: entity.to_owned(),
                        field: field.clone(),
                        title: spec.get("title").and_then(Value::as_str).unwrap_or(field).to_owned(),
                        json_type: spec.get("type").and_then(Value::as_str).map(str::to_owned),
                        format: spec.get("format").and_then(Value::as_str).map(str::to_owned),
                        pattern: spec.get("pattern").and_then(Value::as_str).map(str::to_owned),
                        options: spec
                            .get("enum")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                            .unwrap_or_default(),
                        aliases,
                        sensitivity,
                        guard,
                    },
                );
            }
        }
        Ok(Catalog { items, entity_titles })
    }

    /// The Chinese name of a record type (人员 for `person`), if its schema has a title.
    pub fn entity_title(&self, entity: &str) -> Option<&str> {
        self.entity_titles.get(entity).map(String::as_str)
    }

    /// What protects the values of ledger item `name`, if anything.
    pub fn guard(&self, name: &str) -> Option<&Guard> {
        self.items.get(name).and_then(|i| i.guard.as_ref())
    }

    pub fn get(&self, name: &str) -> Option<&CatalogItem> {
        self.items.get(name)
    }

    pub fn items(&self) -> impl Iterator<Item = &CatalogItem> {
        self.items.values()
    }

    /// The item a template most likely meant by an unknown `name` on a
    /// field titled `title`, among items of `entity` (or of the entity
    /// `name` starts with): first by the field's title (an item's title or
    /// any of its `x-aliases`: 身份证号码 → `person.id_number`), then by the
    /// name's words and spelling (`person.id_no` → `person.id_number`).
    pub fn suggest(&self, name: &str, title: Option<&str>, entity: Option<&str>) -> Option<&CatalogItem> {
        let (prefix, field) = name.split_once('.').unwrap_or(("", name));
        let entity = entity.filter(|e| !e.is_empty()).or(Some(prefix).filter(|p| self.items().any(|i| i.entity == *p)));
        let candidates: Vec<&CatalogItem> = self.items().filter(|i| entity.is_none_or(|e| i.entity == e)).collect();
        let clean = |t: &str| t.chars().filter(|c| !c.is_whitespace() && !"（）()【】[]:：".contains(*c)).collect::<String>();
        if let Some(title) = title.map(clean).filter(|t| !t.is_empty()) {
            let names =
                |i: &&CatalogItem| std::iter::once(i.title.clone()).chain(i.aliases.iter().cloned()).map(|n| clean(&n)).collect::<Vec<_>>();
            if let Some(item) = candidates.iter().find(|i| names(i).contains(&title)) {
                return Some(item);
            }
            let contained = candidates
                .iter()
                .filter_map(|i| {
                    let best = names(i)
                        .into_iter()
                        .filter(|n| n.chars().count() >= 2 && (title.contains(n.as_str()) || n.contains(title.as_str())))
                        .map(|n| n.chars().count())
                        .max()?;
                    Some((best, *i))
                })
                .max_by_key(|(len, _)| *len);
            if let Some((_, item)) = contained {
                return Some(item);
            }
        }
        let words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
        candidates
            .into_iter()
            .map(|i| {
                let shared = i.field.split('_').filter(|w| words.contains(w)).count();
                let prefix = i.field.chars().zip(field.chars()).take_while(|(a, b)| a == b).count();
                let distance = edit_distance(&i.field, field);
                (i, shared, prefix, distance)
            })
            .filter(|(i, shared, prefix, distance)| *shared > 0 || *prefix >= 2 || *distance * 2 <= i.field.len().max(field.len()))
            .max_by_key(|(_, shared, prefix, distance)| (*shared, *prefix, std::cmp::Reverse(*distance)))
            .map(|(i, ..)| i)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Levenshtein distance in characters (names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb { previous } else { 1 + previous.min(row[j]).min(current) };
            previous = current;
        }
    }
    row[b.len()]
}

/// The guard of one field of a ledger schema: ID numbers and phones guard
/// themselves; a field marked `"x-masked-with": "id_number", "x-mask": "year"`
/// is guarded by that field of the same record (its grant, its group).
fn guard_of(
    file: &str,
    entity: &str,
    field: &str,
    spec: &Value,
    sensitivity: Sensitivity,
    properties: &serde_json::Map<String, Value>,
) -> Result<Option<Guard>, CatalogError> {
    let bad = || CatalogError::BadMaskedWith { file: file.to_owned(), field: field.to_owned() };
    if let Some(with) = spec.get("x-masked-with") {
        let with = with.as_str().ok_or_else(bad)?;
        let kind: MaskKind = spec.get("x-mask").cloned().and_then(|v| serde_json::from_value(v).ok()).ok_or_else(bad)?;
        let guarded_by_sensitive = properties
            .get(with)
            .and_then(|s| s.get("x-sensitivity"))
            .and_then(Value::as_str)
            .is_some_and(|s| matches!(s, "id_number" | "phone"));
        if !guarded_by_sensitive || with == field {
            return Err(bad());
        }
        return Ok(Some(Guard { item: format!("{entity}.{with}"), kind }));
    }
    Ok(match sensitivity {
        Sensitivity::IdNumber => Some(Guard { item: format!("{entity}.{field}"), kind: MaskKind::IdNumber }),
        Sensitivity::Phone => Some(Guard { item: format!("{entity}.{field}"), kind: MaskKind::Phone }),
        Sensitivity::Public | Sensitivity::Personal => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_item_suggests_the_closest_by_meaning() {
        let catalog = Catalog::builtin().expect("catalog");
        let suggest = |name: &str, title: Option<&str>| catalog.suggest(name, title, Some("person")).map(|i| i.name.clone());
        assert_eq!(suggest("person.idcard", Some("身份证号码")).as_deref(), Some("person.id_number"));
        assert_eq!(suggest("person.home", Some("家庭住址")).as_deref(), Some("person.address"));
        assert_eq!(suggest("person.id_no", None).as_deref(), Some("person.id_number"));
        assert_eq!(suggest("person.mobile_phone", None).as_deref(), Some("person.phone"));
        assert_eq!(suggest("person.nmae", None).as_deref(), Some("person.name"));
        assert_eq!(suggest("person.zzzzzzzz", None), None);
    }

    #[test]
    fn builtin_catalog_names_person_fields() {
        let catalog = Catalog::builtin().expect("shipped ledger schemas load");
        let id = catalog.get("person.id_number").expect("person.id_number is bindable");
        assert_eq!(id.sensitivity, Sensitivity::IdNumber);
        assert_eq!(id.title, "身份证号");
        assert_eq!(catalog.get("person.phone").map(|i| i.sensitivity), Some(Sensitivity::Phone));
        assert!(catalog.get("person.salary").is_none());
    }

    #[test]
    fn builtin_catalog_covers_every_record_type() {
        let catalog = Catalog::builtin().expect("shipped ledger schemas load");
        for (name, title, sensitivity) in [
            ("household.household_no", "户编号", Sensitivity::Public),
            ("household.head_id_number", "户主身份证号", Sensitivity::IdNumber),
            ("house.safety_rating", "安全鉴定等级", Sensitivity::Public),
            ("house.owner_id_number", "产权人身份证号", Sensitivity::IdNumber),
            ("land_parcel.area_mu", "面积（亩）", Sensitivity::Public),
            ("land_parcel.rent", "流转租金（元/亩/年）", Sensitivity::Personal),
            ("enterprise.credit_code", "统一社会信用代码", Sensitivity::Public),
            ("enterprise.phone", "联系电话", Sensitivity::Phone),
            ("venue.fire_inspection", "消防检查", Sensitivity::Public),
            ("org_unit.code", "区划代码", Sensitivity::Public),
        ] {
            let item = catalog.get(name).unwrap_or_else(|| panic!("{name} is bindable"));
            assert_eq!((item.title.as_str(), item.sensitivity), (title, sensitivity), "{name}");
        }
        assert_eq!(catalog.get("house.floors").and_then(|i| i.json_type.as_deref()), Some("integer"));
    }

    #[test]
    fn aliases_are_read_from_the_schemas() {
        let catalog = Catalog::builtin().expect("shipped ledger schemas load");
        let address = catalog.get("person.address").expect("person.address");
        for alias in ["家庭住址", "现住址", "居住地址", "户籍地址"] {
            assert!(address.aliases.iter().any(|a| a == alias), "{alias}");
        }
        let birth = catalog.get("person.birth_date").expect("person.birth_date");
        assert!(birth.aliases.iter().any(|a| a == "出生年月"));
        assert_eq!(catalog.get("person.gender").map(|i| i.options.clone()), Some(vec!["男".to_owned(), "女".to_owned()]));
        assert_eq!(catalog.entity_title("house"), Some("房屋"));
        let bad = r#"{"x-entity":"x","properties":{"a":{"type":"string","x-sensitivity":"public","x-aliases":["ok", 3]}}}"#;
        assert_eq!(
            Catalog::from_schemas([("x.json", bad)]).expect_err("a number is no alias"),
            CatalogError::InvalidAliases { file: "x.json".into(), field: "a".into() }
        );
    }

    #[test]
    fn a_birth_date_is_guarded_by_the_id_number_it_is_part_of() {
        let catalog = Catalog::builtin().expect("shipped ledger schemas load");
        let id = Guard { item: "person.id_number".into(), kind: MaskKind::IdNumber };
        assert_eq!(catalog.guard("person.id_number"), Some(&id));
        assert_eq!(catalog.guard("person.birth_date"), Some(&Guard { kind: MaskKind::Year, ..id }));
        assert_eq!(catalog.guard("person.phone").map(|g| g.kind), Some(MaskKind::Phone));
        assert_eq!(catalog.guard("person.name"), None);
    }

    #[test]
    fn masked_with_must_name_a_sensitive_field() {
        let schema = r#"{"x-entity":"x","properties":{"a":{"x-sensitivity":"public"},"b":{"x-sensitivity":"personal","x-masked-with":"a","x-mask":"year"}}}"#;
        let err = Catalog::from_schemas([("x.json", schema)]).expect_err("the call must fail");
        assert_eq!(err, CatalogError::BadMaskedWith { file: "x.json".into(), field: "b".into() });
    }

    #[test]
    fn field_without_sensitivity_is_rejected() {
        let schema = r#"{"x-entity":"x","properties":{"a":{"type":"string"}}}"#;
        let err = Catalog::from_schemas([("x.json", schema)]).expect_err("the call must fail");
        assert_eq!(err, CatalogError::MissingSensitivity { file: "x.json".into(), field: "a".into() });
    }
}
