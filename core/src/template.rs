//! The extension keywords a report template carries beside JSON Schema.
//!
//! `x-template` names the template and its version, `x-subject` says which
//! ledger records the form has one row for, and each field may carry
//! `x-ledger` (pre-filled from a ledger item) or not (a new field to enter).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Identity of a template: `x-template` in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateMeta {
    pub id: String,
    pub version: u32,
    #[serde(default)]
    pub department: String,
}

/// Which ledger records a form has one row for: `x-subject`.
///
/// Absent in the template, the form has one row about the org unit itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub entity: String,
    /// Field → required value. A record matches when, for every entry, its
    /// field equals the value or, if the field is an array, contains it.
    #[serde(default)]
    pub filter: Map<String, Value>,
}

impl Subject {
    /// The implicit subject of a template without `x-subject`.
    pub fn org_unit() -> Subject {
        Subject { entity: "org_unit".to_owned(), filter: Map::new() }
    }

    /// Whether a record's data passes this subject's filter.
    pub fn matches(&self, data: &Value) -> bool {
        self.filter.iter().all(|(field, wanted)| match data.get(field) {
            Some(Value::Array(items)) => items.contains(wanted),
            Some(value) => value == wanted,
            None => false,
        })
    }
}

/// Whether `id` is an acceptable template id: lowercase ASCII letters,
/// digits and hyphens, 1–64 characters, starting with a letter or digit.
pub fn is_valid_template_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subject_filter_matches_tags_and_scalars() {
        let subject: Subject =
            serde_json::from_value(json!({"entity": "person", "filter": {"tags": "低保", "gender": "女"}}))
                .expect("valid subject");
        assert!(subject.matches(&json!({"tags": ["残疾", "低保"], "gender": "女"})));
        assert!(!subject.matches(&json!({"tags": ["残疾"], "gender": "女"})));
        assert!(!subject.matches(&json!({"tags": ["低保"], "gender": "男"})));
        assert!(!subject.matches(&json!({"gender": "女"})));
        assert!(Subject::org_unit().matches(&json!({})));
    }

    #[test]
    fn template_ids() {
        assert!(is_valid_template_id("dibao-monthly-visit"));
        assert!(is_valid_template_id("2026-typhoon"));
        assert!(!is_valid_template_id(""));
        assert!(!is_valid_template_id("-lead"));
        assert!(!is_valid_template_id("Upper"));
        assert!(!is_valid_template_id("低保"));
        assert!(!is_valid_template_id(&"a".repeat(65)));
    }
}
