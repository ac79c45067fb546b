//! What changed, when, by whom and through which channel: one history entry
//! per new version of a record, with old → new per field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The channel a change came through (the `source` column of
/// `ledger_history`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Staff visiting the household.
    Visit,
    /// A submitted report form.
    Form,
    /// An Excel/CSV ledger import.
    Import,
    /// A department's own system through the ingest API.
    Department,
    /// Generated demo data.
    Demo,
    /// The close of an emergency survey (a disaster record).
    Survey,
    /// An approved move to another unit of the district (迁移).
    Transfer,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Visit => "visit",
            Source::Form => "form",
            Source::Import => "import",
            Source::Department => "department",
            Source::Demo => "demo",
            Source::Survey => "survey",
            Source::Transfer => "transfer",
        }
    }
}

/// Who makes a change, when (RFC 3339, supplied by the caller: core has no
/// clock) and through which channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeMeta {
    pub changed_by: String,
    pub changed_at: String,
    pub source: Source,
}

/// Field → (old, new). An absent field is `null` on its side; serialises as
/// `{"field": [old, new]}`, the shape of `ledger_history.changes`.
pub type Changes = BTreeMap<String, (Value, Value)>;

/// One row of `ledger_history`: the change that produced `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub record_id: String,
    pub version: u32,
    pub changed_at: String,
    pub changed_by: String,
    pub source: Source,
    pub changes: Changes,
}

/// The fields whose values differ between two record bodies. Objects are
/// compared field by field; anything else counts as one whole value under
/// the empty name.
pub fn diff_fields(old: &Value, new: &Value) -> Changes {
    let mut changes = Changes::new();
    match (old.as_object(), new.as_object()) {
        (Some(o), Some(n)) => {
            for key in o.keys().chain(n.keys()) {
                let before = o.get(key).unwrap_or(&Value::Null);
                let after = n.get(key).unwrap_or(&Value::Null);
                if before != after && !changes.contains_key(key) {
                    changes.insert(key.clone(), (before.clone(), after.clone()));
                }
            }
        }
        _ if old != new => {
            changes.insert(String::new(), (old.clone(), new.clone()));
        }
        _ => {}
    }
    changes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(old: Value, new: Value, expect: Value) {
        let got = serde_json::to_value(diff_fields(&old, &new)).expect("serialises");
        assert_eq!(got, expect, "{old} → {new}");
    }

    #[test]
    fn diffs() {
        check(json!({"a": 1}), json!({"a": 1}), json!({}));
        check(json!({"a": 1}), json!({"a": 2}), json!({"a": [1, 2]}));
        check(json!({}), json!({"a": "x"}), json!({"a": [null, "x"]}));
        check(json!({"a": "x", "b": 1}), json!({"b": 1}), json!({"a": ["x", null]}));
        check(json!({"t": ["低保"]}), json!({"t": ["低保", "残疾"]}), json!({"t": [["低保"], ["低保", "残疾"]]}));
        check(json!(1), json!(2), json!({"": [1, 2]}));
    }

    #[test]
    fn sources_name_the_history_column_values() {
        for (source, name) in [
            (Source::Visit, "visit"),
            (Source::Form, "form"),
            (Source::Import, "import"),
            (Source::Department, "department"),
            (Source::Demo, "demo"),
            (Source::Survey, "survey"),
        ] {
            assert_eq!(source.as_str(), name);
            assert_eq!(serde_json::to_value(source).expect("serialises"), json!(name));
        }
    }
}
