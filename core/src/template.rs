//! The extension keywords a report template carries beside JSON Schema.
//!
//! `x-template` names the template and its version, `x-subject` says which
//! ledger records the form has one row for, and each field may carry
//! `x-ledger` (pre-filled from a ledger item) or not (a new field to enter).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Identity of a template: `x-template` in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateMeta {
    pub id: String,
    pub version: u32,
    #[serde(default)]
    pub department: String,
}

crate::read_object!(TemplateMeta { id, version } default { department });

/// Which ledger records a form has one row for: `x-subject`.
///
/// Absent in the template, the form has one row about the org unit itself.
/// In `pick` mode the form starts empty and staff add rows: each row is of
/// one of `kinds`, about a ledger record they picked (of the kind's entity)
/// or about something new (see `crate::survey`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject {
    /// The record type of every row (`each` mode); empty in `pick` mode,
    /// where each kind names its own.
    #[serde(default)]
    pub entity: String,
    /// Field → required value. A record matches when, for every entry, its
    /// field equals the value or, if the field is an array, contains it.
    #[serde(default)]
    pub filter: Map<String, Value>,
    #[serde(default, skip_serializing_if = "SubjectMode::is_each")]
    pub mode: SubjectMode,
    /// `pick` mode: the kinds of row staff may add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<RowKind>,
    /// `pick` mode: the property (a string `enum` of the kinds' names)
    /// that says which kind a row is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_field: Option<String>,
}

crate::read_object!(Subject {} default { entity, filter, mode, kinds, kind_field });

/// How a form gets its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectMode {
    /// One pre-filled row per matching ledger record (the default).
    #[default]
    Each,
    /// No rows at first: staff add them by picking ledger records or by
    /// describing something new.
    Pick,
}

impl SubjectMode {
    pub fn is_each(&self) -> bool {
        *self == SubjectMode::Each
    }
}

/// A kind of row of a `pick` form, e.g. 受损房屋 picked from `house`
/// records, or 易涝点 (no entity: always a new row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowKind {
    /// The value of the kind field, e.g. `受损房屋`.
    pub kind: String,
    /// The ledger record type rows of this kind are picked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
}

crate::read_object!(RowKind { kind } default { entity });

impl Subject {
    /// The implicit subject of a template without `x-subject`.
    pub fn org_unit() -> Subject {
        Subject { entity: "org_unit".to_owned(), filter: Map::new(), mode: SubjectMode::Each, kinds: Vec::new(), kind_field: None }
    }

    pub fn is_pick(&self) -> bool {
        self.mode == SubjectMode::Pick
    }

    /// Whether a field of this form may bind an item of `entity`: the
    /// subject's entity, or in `pick` mode the entity of any kind.
    pub fn binds(&self, entity: &str) -> bool {
        match self.mode {
            SubjectMode::Each => self.entity == entity,
            SubjectMode::Pick => self.kinds.iter().any(|k| k.entity.as_deref() == Some(entity)),
        }
    }

    /// `pick` mode: the kind whose rows are picked from `entity`.
    pub fn kind_of(&self, entity: &str) -> Option<&RowKind> {
        self.kinds.iter().find(|k| k.entity.as_deref() == Some(entity))
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
            serde_json::from_value(json!({"entity": "person", "filter": {"tags": "低保", "gender": "女"}})).expect("valid subject");
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
