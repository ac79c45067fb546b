//! Template versions: what changed between two compiled versions, and how
//! stored submissions and drafts move to the new one.
//!
//! Renames are explicit: the new field says `"x-renamed-from": "<old key>"`.
//! Two fields that merely share a title are only *suggested* renames — a
//! 备注 column in v1 and another in v2 need not hold the same thing, and
//! guessing wrong would move data into the wrong column. Data of removed
//! fields is archived under `_archived`, never dropped.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::{CompiledTemplate, FieldPlan};

/// The key under which a migrated row keeps data the new version has no field for.
pub const ARCHIVE_KEY: &str = "_archived";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    pub from: String,
    pub to: String,
}

/// A field whose JSON type changed (after any rename).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retype {
    pub key: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What changed between two versions of a template, by field key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TemplateDiff {
    pub from_version: u32,
    pub to_version: u32,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub renamed: Vec<Rename>,
    pub retyped: Vec<Retype>,
    /// A removed and an added field with the same title: possibly a rename
    /// the author forgot to mark with `x-renamed-from`. Not applied.
    pub suggested_renames: Vec<Rename>,
}

impl TemplateDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.renamed.is_empty() && self.retyped.is_empty()
    }
}

/// Compares two versions of a template.
pub fn diff(old: &CompiledTemplate, new: &CompiledTemplate) -> TemplateDiff {
    let mut d = TemplateDiff { from_version: old.meta.version, to_version: new.meta.version, ..TemplateDiff::default() };
    for field in &new.fields {
        let renamed_from = renamed_from(new, &field.key).filter(|from| old.field(from).is_some() && new.field(from).is_none());
        let before = match renamed_from {
            Some(from) => {
                d.renamed.push(Rename { from: from.to_owned(), to: field.key.clone() });
                old.field(from)
            }
            None => old.field(&field.key),
        };
        match before {
            None => d.added.push(field.key.clone()),
            Some(before) if before.json_type != field.json_type => {
                d.retyped.push(Retype { key: field.key.clone(), from: before.json_type.clone(), to: field.json_type.clone() })
            }
            Some(_) => {}
        }
    }
    d.removed = old
        .fields
        .iter()
        .filter(|f| new.field(&f.key).is_none() && !d.renamed.iter().any(|r| r.from == f.key))
        .map(|f| f.key.clone())
        .collect();
    let title = |t: &CompiledTemplate, key: &str| t.field(key).map(|f: &FieldPlan| f.title.clone());
    for removed in &d.removed {
        for added in &d.added {
            if title(old, removed) == title(new, added) {
                d.suggested_renames.push(Rename { from: removed.clone(), to: added.clone() });
            }
        }
    }
    d
}

/// The `x-renamed-from` of a field, read from the published document.
fn renamed_from<'a>(template: &'a CompiledTemplate, key: &str) -> Option<&'a str> {
    template.schema.get("properties")?.get(key)?.get("x-renamed-from")?.as_str()
}

/// One thing to do to every stored row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MigrationStep {
    /// Move the value to the new key.
    Rename { from: String, to: String },
    /// Convert the value to the new type where that loses nothing
    /// (`"800"` ↔ `800`); otherwise archive it.
    Convert { key: String, to: Option<String> },
    /// Move the value under [`ARCHIVE_KEY`].
    Archive { key: String },
}

/// How stored submissions and drafts of one version become rows of the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationPlan {
    pub from_version: u32,
    pub to_version: u32,
    pub steps: Vec<MigrationStep>,
}

/// The plan for a diff: renames first (so a retyped renamed field is
/// converted under its new key), then conversions, then archiving.
pub fn migration_plan(diff: &TemplateDiff) -> MigrationPlan {
    let renames = diff.renamed.iter().map(|r| MigrationStep::Rename { from: r.from.clone(), to: r.to.clone() });
    let converts = diff.retyped.iter().map(|r| MigrationStep::Convert { key: r.key.clone(), to: r.to.clone() });
    let archives = diff.removed.iter().map(|k| MigrationStep::Archive { key: k.clone() });
    MigrationPlan { from_version: diff.from_version, to_version: diff.to_version, steps: renames.chain(converts).chain(archives).collect() }
}

/// Applies a plan to one row's values.
pub fn migrate_row(plan: &MigrationPlan, row: &mut Map<String, Value>) {
    for step in &plan.steps {
        match step {
            MigrationStep::Rename { from, to } => {
                let Some(value) = row.remove(from) else { continue };
                if row.contains_key(to) {
                    // Never overwrite: keep the old value aside instead.
                    archive(row, from, value, plan.from_version);
                } else {
                    row.insert(to.clone(), value);
                }
            }
            MigrationStep::Convert { key, to } => {
                let Some(value) = row.remove(key) else { continue };
                match convert(&value, to.as_deref()) {
                    Some(converted) => {
                        row.insert(key.clone(), converted);
                    }
                    None => archive(row, key, value, plan.from_version),
                }
            }
            MigrationStep::Archive { key } => {
                if let Some(value) = row.remove(key) {
                    archive(row, key, value, plan.from_version);
                }
            }
        }
    }
}

/// Every published version of a template, oldest first, and the plan from
/// each to the next: how a row stored under any version reads as a row of
/// the newest. The summary of all versions maps each row this way, so a
/// renamed field's old data lands in its new column and a removed field's
/// data stays under `_archived` (shown when that version is picked).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionChain {
    versions: Vec<u32>,
    plans: Vec<MigrationPlan>,
}

impl VersionChain {
    /// The chain of `versions` (in any order; the same version twice counts once).
    pub fn new(versions: &[&CompiledTemplate]) -> VersionChain {
        let mut sorted: Vec<&CompiledTemplate> = versions.to_vec();
        sorted.sort_by_key(|t| t.meta.version);
        sorted.dedup_by_key(|t| t.meta.version);
        let plans = sorted.windows(2).map(|pair| migration_plan(&diff(pair[0], pair[1]))).collect();
        VersionChain { versions: sorted.iter().map(|t| t.meta.version).collect(), plans }
    }

    /// The newest version, if any.
    pub fn newest(&self) -> Option<u32> {
        self.versions.last().copied()
    }

    pub fn versions(&self) -> &[u32] {
        &self.versions
    }

    /// Reads a row stored under `version` as a row of the newest version:
    /// every plan from `version` on, in order. A row of the newest version
    /// (or of a version the chain does not know) is left as it is.
    pub fn to_newest(&self, version: u32, row: &mut Map<String, Value>) {
        for plan in self.plans.iter().filter(|p| p.from_version >= version) {
            migrate_row(plan, row);
        }
    }
}

/// Stores `value` under `_archived.<key>`, or `<key>@v<version>` when an
/// earlier migration already archived that key.
fn archive(row: &mut Map<String, Value>, key: &str, value: Value, version: u32) {
    let slot = row.entry(ARCHIVE_KEY).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        // A row that had a field literally named `_archived`: keep it too.
        let previous = std::mem::replace(slot, Value::Object(Map::new()));
        if let Value::Object(map) = slot {
            map.insert(format!("{ARCHIVE_KEY}@v{version}"), previous);
        }
    }
    if let Value::Object(archived) = slot {
        let name = if archived.contains_key(key) { format!("{key}@v{version}") } else { key.to_owned() };
        archived.insert(name, value);
    }
}

/// A lossless conversion to `to`, if there is one.
fn convert(value: &Value, to: Option<&str>) -> Option<Value> {
    match (to, value) {
        (None, v) => Some(v.clone()),
        (Some("string"), Value::String(_)) | (Some("number"), Value::Number(_)) | (Some("boolean"), Value::Bool(_)) => Some(value.clone()),
        (Some("integer"), Value::Number(n)) if n.is_i64() || n.is_u64() => Some(value.clone()),
        (Some("string"), Value::Number(n)) => Some(Value::String(n.to_string())),
        (Some("number"), Value::String(s)) => s.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
        (Some("integer"), Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, compile};
    use serde_json::json;

    fn version(v: u32, properties: Value) -> CompiledTemplate {
        let doc = json!({
            "x-template": {"id": "visit", "version": v},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": properties
        });
        compile(&doc, &Catalog::builtin().expect("catalog")).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn v1() -> CompiledTemplate {
        version(
            1,
            json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "income": {"type": "string", "title": "月收入"},
                "visit_date": {"type": "string", "title": "走访日期"},
                "remarks": {"type": "string", "title": "备注"},
                "score": {"type": "string", "title": "评分"}
            }),
        )
    }

    fn v2() -> CompiledTemplate {
        version(
            2,
            json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "income": {"type": "number", "title": "月收入"},
                "visited_on": {"type": "string", "title": "走访日期", "x-renamed-from": "visit_date"},
                "note": {"type": "string", "title": "备注"},
                "score": {"type": "integer", "title": "评分"},
                "household_size": {"type": "integer", "title": "家庭人口"}
            }),
        )
    }

    #[test]
    fn diff_lists_every_kind_of_change() {
        let d = diff(&v1(), &v2());
        assert_eq!(d.added, ["note", "household_size"]);
        assert_eq!(d.removed, ["remarks"]);
        assert_eq!(d.renamed, [Rename { from: "visit_date".into(), to: "visited_on".into() }]);
        let retyped: Vec<&str> = d.retyped.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(retyped, ["income", "score"]);
        assert_eq!(d.suggested_renames, [Rename { from: "remarks".into(), to: "note".into() }]);
        assert!(diff(&v1(), &v1()).is_empty());
    }

    fn migrate(row: Value) -> Value {
        let plan = migration_plan(&diff(&v1(), &v2()));
        let mut row = row.as_object().cloned().unwrap_or_default();
        migrate_row(&plan, &mut row);
        Value::Object(row)
    }

    #[test]
    fn migration_keeps_renamed_data_and_archives_the_rest() {
        let migrated = migrate(json!({
            "name": "张三", "income": "800", "visit_date": "2026-11-02", "remarks": "独居", "score": "良"
        }));
        assert_eq!(
            migrated,
            json!({
                "name": "张三", "income": 800.0, "visited_on": "2026-11-02",
                "_archived": {"score": "良", "remarks": "独居"}
            })
        );
    }

    #[test]
    fn archiving_twice_keeps_both_values() {
        let migrated = migrate(json!({"remarks": "新", "_archived": {"remarks": "旧"}}));
        assert_eq!(migrated, json!({"_archived": {"remarks": "旧", "remarks@v1": "新"}}));
    }

    #[test]
    fn a_rename_never_overwrites() {
        let migrated = migrate(json!({"visit_date": "2026-01-01", "visited_on": "2026-02-02"}));
        assert_eq!(migrated, json!({"visited_on": "2026-02-02", "_archived": {"visit_date": "2026-01-01"}}));
    }

    #[test]
    fn a_row_of_any_version_reads_as_a_row_of_the_newest() {
        let v3 = version(
            3,
            json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "income": {"type": "number", "title": "月收入"},
                "visit_day": {"type": "string", "title": "走访日期", "x-renamed-from": "visited_on"},
                "score": {"type": "integer", "title": "评分"}
            }),
        );
        let (one, two) = (v1(), v2());
        // Given out of order: the chain sorts them.
        let chain = VersionChain::new(&[&v3, &one, &two]);
        assert_eq!((chain.versions(), chain.newest()), (&[1, 2, 3][..], Some(3)));
        let mut old = json!({"name": "张三", "income": "800", "visit_date": "2026-11-02", "remarks": "独居", "score": "7"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        chain.to_newest(1, &mut old);
        assert_eq!(
            Value::Object(old),
            json!({"name": "张三", "income": 800.0, "visit_day": "2026-11-02", "score": 7, "_archived": {"remarks": "独居"}}),
            "renamed twice, retyped, the removed field archived"
        );
        let mut middle = json!({"visited_on": "2026-12-01", "note": "新", "household_size": 3}).as_object().cloned().unwrap_or_default();
        chain.to_newest(2, &mut middle);
        assert_eq!(Value::Object(middle), json!({"visit_day": "2026-12-01", "_archived": {"note": "新", "household_size": 3}}));
        let mut newest = json!({"visit_day": "2027-01-01"}).as_object().cloned().unwrap_or_default();
        chain.to_newest(3, &mut newest);
        assert_eq!(Value::Object(newest), json!({"visit_day": "2027-01-01"}));
        assert_eq!(VersionChain::new(&[]).newest(), None);
    }
}
