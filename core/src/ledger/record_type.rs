//! Ledger record types as the importer, exporter and store see them: the
//! fields of each `schemas/ledger/*.json` in document order, the natural key,
//! and a compiled validator.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::Sensitivity;
use crate::field_error::FieldError;

/// One field of a record type.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    /// Chinese title: the column header of exports and the first guess for
    /// imports.
    pub title: String,
    pub json_type: Option<String>,
    pub format: Option<String>,
    /// Allowed values of an `enum` field, or of the items of an array field.
    pub options: Vec<String>,
    pub sensitivity: Sensitivity,
    pub required: bool,
    /// A list of objects or an object (灾情记录): written by the system,
    /// exported as readable text, never read back from a file's cell.
    pub structured: bool,
    /// The part of the record's ID number this field repeats
    /// (`x-id-number-part`), checked by [`RecordType::check_write`].
    pub id_number_part: Option<IdPart>,
}

/// What part of an ID number a field repeats (GB 11643-1999).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdPart {
    /// Digits 7–14.
    BirthDate,
    /// Digit 17: odd for 男, even for 女.
    Gender,
}

/// One ledger record type (`person`, `house`, …).
#[derive(Debug, Clone)]
pub struct RecordType {
    pub entity: String,
    pub title: String,
    /// In the order the schema lists them, which is the order people expect
    /// columns in.
    pub fields: Vec<FieldSpec>,
    /// Fields that together identify a record in the real world (ID number,
    /// credit code, address): import and ingest dedup on them.
    pub natural_key: Vec<String>,
    /// `x-natural-key-scope: "district"`: the key identifies one record in
    /// the whole district (a person's ID number, an enterprise's credit
    /// code), so a record may be registered in one unit only and imports
    /// look for it in every unit. Otherwise (`"unit"`, the default: house
    /// addresses, household numbers) the same key may recur elsewhere.
    pub key_is_district_wide: bool,
    /// The record schema compiled to a validation program, run on the
    /// same engine as templates' rows (issue 14: no `jsonschema` in the worker).
    rules: ybt_rules::Rules,
}

/// Why a ledger schema cannot be used as a record type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordTypeError {
    #[error("{file}: not valid JSON: {reason}")]
    Json { file: String, reason: String },
    #[error("{file}: missing `{keyword}`")]
    Missing { file: String, keyword: &'static str },
    #[error("{file}: field `{field}` has no valid `x-sensitivity`")]
    Sensitivity { file: String, field: String },
    #[error("{file}: natural key field `{field}` is not a property")]
    UnknownKeyField { file: String, field: String },
    #[error("{file}: `x-natural-key-scope` must be \"unit\" or \"district\"")]
    KeyScope { file: String },
    #[error("{file}: field `{field}`: `x-id-number-part` must be \"birth_date\" or \"gender\"")]
    IdNumberPart { file: String, field: String },
    #[error("{file}: does not compile: {reason}")]
    Compile { file: String, reason: String },
}

impl RecordType {
    /// Reads one record schema. `file` names it in errors.
    pub fn from_schema(file: &str, schema: &Value) -> Result<RecordType, RecordTypeError> {
        let missing = |keyword| RecordTypeError::Missing { file: file.to_owned(), keyword };
        let entity = schema.get("x-entity").and_then(Value::as_str).ok_or_else(|| missing("x-entity"))?;
        let properties = schema.get("properties").and_then(Value::as_object).ok_or_else(|| missing("properties"))?;
        let required: Vec<&str> =
            schema.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let mut fields = Vec::with_capacity(properties.len());
        for (name, spec) in properties {
            let sensitivity = spec
                .get("x-sensitivity")
                .cloned()
                .and_then(|v| serde_json::from_value(v).ok())
                .ok_or_else(|| RecordTypeError::Sensitivity { file: file.to_owned(), field: name.clone() })?;
            let options_of = |v: Option<&Value>| -> Vec<String> {
                v.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
            };
            let mut options = options_of(spec.get("enum"));
            if options.is_empty() {
                options = options_of(spec.get("items").and_then(|i| i.get("enum")));
            }
            let id_number_part = match spec.get("x-id-number-part").map(|v| v.as_str()) {
                None => None,
                Some(Some("birth_date")) => Some(IdPart::BirthDate),
                Some(Some("gender")) => Some(IdPart::Gender),
                Some(_) => return Err(RecordTypeError::IdNumberPart { file: file.to_owned(), field: name.clone() }),
            };
            let json_type = spec.get("type").and_then(Value::as_str);
            let items_type = spec.get("items").and_then(|i| i.get("type")).and_then(Value::as_str);
            let structured = json_type == Some("object") || (json_type == Some("array") && items_type == Some("object"));
            fields.push(FieldSpec {
                name: name.clone(),
                title: spec.get("title").and_then(Value::as_str).unwrap_or(name).to_owned(),
                json_type: spec.get("type").and_then(Value::as_str).map(str::to_owned),
                format: spec.get("format").and_then(Value::as_str).map(str::to_owned),
                options,
                sensitivity,
                required: required.contains(&name.as_str()),
                structured,
                id_number_part,
            });
        }
        let natural_key: Vec<String> = schema
            .get("x-natural-key")
            .and_then(Value::as_array)
            .map(|k| k.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .filter(|k: &Vec<String>| !k.is_empty())
            .ok_or_else(|| missing("x-natural-key"))?;
        if let Some(field) = natural_key.iter().find(|k| !properties.contains_key(k.as_str())) {
            return Err(RecordTypeError::UnknownKeyField { file: file.to_owned(), field: field.clone() });
        }
        let key_is_district_wide = match schema.get("x-natural-key-scope") {
            None => false,
            Some(Value::String(scope)) if scope == "unit" => false,
            Some(Value::String(scope)) if scope == "district" => true,
            Some(_) => return Err(RecordTypeError::KeyScope { file: file.to_owned() }),
        };
        let rules = crate::compile::compile_program(schema, crate::compile::FormatMode::Assert)
            .map_err(|e| format!("at `{}`: `{}` {}", e.pointer, e.keyword, e.reason))
            .and_then(|program| ybt_rules::Rules::load(program, Default::default()).map_err(|e| e.to_string()))
            .map_err(|reason| RecordTypeError::Compile { file: file.to_owned(), reason })?;
        Ok(RecordType {
            entity: entity.to_owned(),
            title: schema.get("title").and_then(Value::as_str).unwrap_or(entity).to_owned(),
            fields,
            natural_key,
            key_is_district_wide,
            rules,
        })
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Every problem of `data` against this record type's schema.
    pub fn validate(&self, data: &Value) -> Vec<FieldError> {
        match self.rules.validate_json(&data.to_string()) {
            Ok(errors) => {
                let mut errors: Vec<FieldError> = errors.iter().map(|e| crate::messages::describe_rule(self.rules.program(), e)).collect();
                // In the schema's field order, as an import lists a row's cells.
                let rank = |e: &FieldError| {
                    let field = e.pointer.split('/').nth(1).unwrap_or_default();
                    self.fields.iter().position(|f| f.name == field).unwrap_or(usize::MAX)
                };
                errors.sort_by_key(rank);
                errors
            }
            // A `Value` always prints as JSON the engine reads.
            Err(e) => vec![FieldError::new("", "type", crate::text::Text::new("不是有效的 JSON", format!("not JSON: {e}")))],
        }
    }

    /// The natural key of `data`, or `None` when a key field is missing or
    /// empty (such a record cannot be deduplicated, and the schema requires
    /// key fields, so it also fails validation).
    pub fn natural_key(&self, data: &Value) -> Option<String> {
        natural_key_of(&self.natural_key, data)
    }

    /// The one field to look a record up by in every unit, when the key is
    /// district-wide and a single field (`id_number`, `credit_code`).
    pub fn district_key_field(&self) -> Option<&str> {
        match self.natural_key.as_slice() {
            [field] if self.key_is_district_wide => Some(field),
            _ => None,
        }
    }
}

/// The values of `key_fields` in `data`, joined with U+001F (which no
/// ledger value contains), e.g. `"11010519491231002X"` or `"小卖部\u{1f}1组3号"`.
pub fn natural_key_of(key_fields: &[String], data: &Value) -> Option<String> {
    natural_key_in(key_fields, data.as_object()?)
}

/// [`natural_key_of`] for the fields of a record as a map.
pub fn natural_key_in(key_fields: &[String], data: &serde_json::Map<String, Value>) -> Option<String> {
    let mut parts = Vec::with_capacity(key_fields.len());
    for field in key_fields {
        let part = match data.get(field)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        if part.is_empty() {
            return None;
        }
        parts.push(part);
    }
    Some(parts.join("\u{1f}"))
}

/// Every ledger record type, by entity name.
#[derive(Debug, Clone, Default)]
pub struct RecordTypes {
    types: BTreeMap<String, RecordType>,
}

impl RecordTypes {
    /// The record types shipped in `schemas/ledger/`.
    pub fn builtin() -> Result<RecordTypes, RecordTypeError> {
        RecordTypes::from_schemas(crate::schemas::LEDGER_SCHEMAS.iter().copied())
    }

    /// Builds the registry from `(file name, schema text)` pairs.
    pub fn from_schemas<'a>(schemas: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<RecordTypes, RecordTypeError> {
        let mut types = BTreeMap::new();
        for (file, text) in schemas {
            let schema: Value =
                serde_json::from_str(text).map_err(|e| RecordTypeError::Json { file: file.to_owned(), reason: e.to_string() })?;
            let record_type = RecordType::from_schema(file, &schema)?;
            types.insert(record_type.entity.clone(), record_type);
        }
        Ok(RecordTypes { types })
    }

    pub fn get(&self, entity: &str) -> Option<&RecordType> {
        self.types.get(entity)
    }

    pub fn iter(&self) -> impl Iterator<Item = &RecordType> {
        self.types.values()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn types() -> RecordTypes {
        RecordTypes::builtin().expect("shipped record types load")
    }

    #[test]
    fn builtin_types_keep_schema_order_and_keys() {
        let types = types();
        let entities: Vec<&str> = types.iter().map(|t| t.entity.as_str()).collect();
        assert_eq!(entities, ["enterprise", "house", "household", "land_parcel", "org_unit", "person", "venue"]);
        let person = types.get("person").expect("person");
        let names: Vec<&str> = person.fields.iter().take(3).map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["name", "gender", "id_number"]);
        assert_eq!(person.natural_key, ["id_number"]);
        assert!(person.field("tags").is_some_and(|f| f.options.contains(&"低保".to_owned())));
        assert_eq!(types.get("venue").map(|v| v.natural_key.clone()), Some(vec!["name".into(), "address".into()]));
    }

    #[test]
    fn natural_keys() {
        let types = types();
        let person = types.get("person").expect("person");
        let venue = types.get("venue").expect("venue");
        for (rt, data, expect) in [
            (person, json!({"id_number": " 11010519491231002X "}), Some("11010519491231002X")),
            (person, json!({"id_number": ""}), None),
            (person, json!({"name": "张三"}), None),
            (venue, json!({"name": "小卖部", "address": "1组3号"}), Some("小卖部\u{1f}1组3号")),
            (venue, json!({"name": "小卖部"}), None),
        ] {
            assert_eq!(rt.natural_key(&data).as_deref(), expect, "{data}");
        }
    }

    #[test]
    fn validation_reports_every_field() {
        let types = types();
        let person = types.get("person").expect("person");
        let errors = person.validate(&json!({"name": "", "id_number": "110105194912310021", "gender": "M"}));
        let mut got: Vec<(String, String)> = errors.into_iter().map(|e| (e.pointer, e.code)).collect();
        got.sort();
        assert_eq!(got, [("/gender".into(), "enum".into()), ("/id_number".into(), "format".into()), ("/name".into(), "minLength".into())]);
    }

    #[test]
    fn schema_without_natural_key_is_rejected() {
        let schema = r#"{"x-entity":"x","properties":{"a":{"type":"string","x-sensitivity":"public"}}}"#;
        let err = RecordTypes::from_schemas([("x.json", schema)]).expect_err("the call must fail");
        assert_eq!(err, RecordTypeError::Missing { file: "x.json".into(), keyword: "x-natural-key" });
        let schema = r#"{"x-entity":"x","x-natural-key":["b"],"properties":{"a":{"x-sensitivity":"public"}}}"#;
        let err = RecordTypes::from_schemas([("x.json", schema)]).expect_err("the call must fail");
        assert_eq!(err, RecordTypeError::UnknownKeyField { file: "x.json".into(), field: "b".into() });
    }
}
