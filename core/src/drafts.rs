//! Drafts of a form being filled in: which values a draft keeps, how a
//! draft is laid back over a freshly generated form, and how two drafts
//! of the same task (this browser's and a newer one on the server) merge.
//!
//! A draft keeps only what staff typed — the new fields. Pre-filled values
//! always come fresh from the ledger when the form is generated, and
//! computed values are computed again, so a draft never resurrects a stale
//! ledger value.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::compile::FieldPlan;
use crate::form::FormRow;
use crate::submission::SubmittedRow;

/// The typed values of each row: new fields only, empty rows left out.
pub fn typed_rows<'a>(columns: &[FieldPlan], rows: impl IntoIterator<Item = (&'a str, &'a Map<String, Value>)>) -> Vec<SubmittedRow> {
    rows.into_iter()
        .filter_map(|(subject_id, values)| {
            let typed: Map<String, Value> =
                columns.iter().filter(|c| c.is_new()).filter_map(|c| values.get(&c.key).map(|v| (c.key.clone(), v.clone()))).collect();
            (!typed.is_empty()).then(|| SubmittedRow { subject_id: subject_id.to_owned(), values: typed })
        })
        .collect()
}

/// The generated rows' values with a draft's typed values laid over them,
/// matched by subject. Rows of subjects no longer in the form are dropped;
/// only new fields are taken from the draft.
pub fn restore(columns: &[FieldPlan], generated: &[FormRow], draft: &[SubmittedRow]) -> Vec<Map<String, Value>> {
    let by_subject: HashMap<&str, &Map<String, Value>> = draft.iter().map(|r| (r.subject_id.as_str(), &r.values)).collect();
    generated
        .iter()
        .map(|row| {
            let mut values = row.values.clone();
            if let Some(typed) = by_subject.get(row.subject_id.as_str()) {
                for column in columns.iter().filter(|c| c.is_new()) {
                    if let Some(value) = typed.get(&column.key) {
                        values.insert(column.key.clone(), value.clone());
                    }
                }
            }
            values
        })
        .collect()
}

/// Three-way merge of typed values: `base` is the draft both sides started
/// from, `ours` this browser's, `theirs` the newer one stored meanwhile.
/// A cell we changed since `base` keeps our value; every other cell takes
/// theirs. Rows come out in `theirs`' order, then rows only we have.
pub fn merge(base: &[SubmittedRow], ours: &[SubmittedRow], theirs: &[SubmittedRow]) -> Vec<SubmittedRow> {
    let index = |rows: &[SubmittedRow]| -> HashMap<String, Map<String, Value>> {
        rows.iter().map(|r| (r.subject_id.clone(), r.values.clone())).collect()
    };
    let (base, ours_by) = (index(base), index(ours));
    let empty = Map::new();
    let mut subjects: Vec<&str> = theirs.iter().map(|r| r.subject_id.as_str()).collect();
    subjects.extend(ours.iter().map(|r| r.subject_id.as_str()).filter(|s| !theirs.iter().any(|t| t.subject_id == *s)));
    subjects
        .into_iter()
        .filter_map(|subject| {
            let b = base.get(subject).unwrap_or(&empty);
            let o = ours_by.get(subject).unwrap_or(&empty);
            let t = theirs.iter().find(|r| r.subject_id == subject).map_or(&empty, |r| &r.values);
            let mut keys: Vec<&String> = b.keys().chain(o.keys()).chain(t.keys()).collect();
            keys.sort();
            keys.dedup();
            let values: Map<String, Value> = keys
                .into_iter()
                .filter_map(|key| {
                    let changed_here = b.get(key) != o.get(key);
                    let chosen = if changed_here { o.get(key) } else { t.get(key) };
                    chosen.map(|v| (key.clone(), v.clone()))
                })
                .collect();
            (!values.is_empty()).then(|| SubmittedRow { subject_id: subject.to_owned(), values })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::compile::FieldSource;
    use crate::test_support::column;

    fn columns() -> Vec<FieldPlan> {
        vec![
            column("name", FieldSource::Ledger { item: "person.name".into() }),
            column("income", FieldSource::New),
            column("note", FieldSource::New),
            column("total", FieldSource::Computed { expr: "income".into() }),
        ]
    }

    fn row(subject: &str, values: Value) -> SubmittedRow {
        SubmittedRow { subject_id: subject.into(), values: values.as_object().cloned().unwrap_or_default() }
    }

    fn generated(subject: &str, name: &str) -> FormRow {
        FormRow { subject_id: subject.into(), values: json!({"name": name}).as_object().cloned().unwrap_or_default(), record: None }
    }

    #[test]
    fn typed_rows_keep_only_new_fields_and_skip_empty_rows() {
        let a = json!({"name": "张三", "income": 5, "total": 5}).as_object().cloned().unwrap_or_default();
        let b = json!({"name": "李四"}).as_object().cloned().unwrap_or_default();
        let got = typed_rows(&columns(), [("p1", &a), ("p2", &b)]);
        assert_eq!(got, [row("p1", json!({"income": 5}))]);
    }

    #[test]
    fn restore_matches_by_subject_and_never_overwrites_ledger_values() {
        let draft = [row("p2", json!({"income": 7, "name": "旧名"})), row("gone", json!({"income": 1}))];
        let got = restore(&columns(), &[generated("p1", "张三"), generated("p2", "李四")], &draft);
        assert_eq!(Value::Array(got.into_iter().map(Value::Object).collect()), json!([{"name": "张三"}, {"name": "李四", "income": 7}]));
    }

    #[test]
    fn merge_keeps_our_changes_and_takes_theirs_elsewhere() {
        let base = [row("p1", json!({"income": 1, "note": "a"}))];
        let ours = [row("p1", json!({"income": 2, "note": "a"})), row("p3", json!({"note": "mine"}))];
        let theirs = [row("p1", json!({"income": 1, "note": "b"})), row("p2", json!({"income": 9}))];
        let got = merge(&base, &ours, &theirs);
        assert_eq!(
            got,
            [row("p1", json!({"income": 2, "note": "b"})), row("p2", json!({"income": 9})), row("p3", json!({"note": "mine"}))]
        );
    }

    #[test]
    fn keys_typed_during_a_save_survive_the_merge_that_answers_it() {
        // The save sent `local`; the server had `theirs`; the answer is
        // merged. Meanwhile the person typed on: the form holds `now`.
        let base = [row("p1", json!({"income": 1}))];
        let local = [row("p1", json!({"income": 2}))];
        let theirs = [row("p1", json!({"income": 1, "note": "from the other tab"}))];
        let merged = merge(&base, &local, &theirs);
        let now = [row("p1", json!({"income": 23})), row("p2", json!({"note": "新"}))];
        // The form adopts the answer as one more merge with `local` as base.
        let shown = merge(&local, &now, &merged);
        assert_eq!(shown, [row("p1", json!({"income": 23, "note": "from the other tab"})), row("p2", json!({"note": "新"}))]);
    }

    #[test]
    fn merge_keeps_a_value_we_cleared() {
        let base = [row("p1", json!({"income": 1}))];
        let theirs = [row("p1", json!({"income": 1}))];
        assert_eq!(merge(&base, &[], &theirs), Vec::<SubmittedRow>::new());
    }
}
