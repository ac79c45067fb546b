//! The one path by which many records enter the ledger at once, shared by
//! file import and the department ingest API: dedup on the natural key,
//! insert what is new, update what changed, skip what is equal, and plan
//! nothing at all unless every row is valid.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::RowError;
use crate::field_error::FieldError;
use crate::ledger::{
    ChangeMeta, HistoryEntry, LedgerRecord, OrgLevel, Patch, RecordType, Source, UpdateError, Write, apply_patch, diff_fields, in_unit,
    plan_insert, plan_update,
};
use crate::text::Text;

/// One incoming record: the fields it sets, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingRow {
    /// As the user sees it: the file's row number, or the 1-based position
    /// in an ingest request.
    pub row: usize,
    /// The worksheet of a workbook with several; `None` for CSV and ingest.
    pub sheet: Option<Arc<str>>,
    pub data: Patch,
}

/// Where the rows go and who sends them.
#[derive(Debug, Clone, Copy)]
pub struct UpsertTarget<'a> {
    /// The org unit imported into (a village, or a town when each row names
    /// its village).
    pub unit: &'a str,
    pub meta: &'a ChangeMeta,
    /// The other units the reader may learn about, with their names
    /// (`青峰村`): a key registered in one of them is refused naming the
    /// key and the unit; a key registered in any other unit is refused
    /// naming no one ([`crate::access::lookup::withheld`]).
    pub disclosed: &'a BTreeMap<String, String>,
}

/// The code of a row whose district-wide key is registered in another unit.
pub const KEY_IN_OTHER_UNIT: &str = "key_in_other_unit";

/// What a valid batch does to the ledger. Apply `writes` in one
/// [`crate::ledger::LedgerStore::apply`] call: all or nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsertPlan {
    pub new: usize,
    /// Records written (a record whose every change is held back is not).
    pub changed: usize,
    pub unchanged: usize,
    pub writes: Vec<Write>,
    /// The first [`MAX_LISTED`] new records, in row order.
    #[serde(default)]
    pub added: Vec<AddedRecord>,
    /// The first [`MAX_LISTED`] records the rows would change, each with
    /// every field that differs (held back or not), in row order.
    #[serde(default)]
    pub diff: Vec<RecordDiff>,
    /// Fields (over every record) not overwritten because the ledger
    /// changed them on or after the file's date.
    #[serde(default)]
    pub held: usize,
    /// `(id, version)` of every stored record a row matched: with the
    /// writes, what the plan read ([`UpsertPlan::fingerprint`]).
    #[serde(default)]
    pub matched: Vec<(String, u32)>,
}

/// New and changed records listed in a preview; beyond, only counted.
pub const MAX_LISTED: usize = 500;

/// A record the file adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedRecord {
    pub row: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The record's name (`name`), when its type has one.
    pub label: String,
}

/// A stored record the file changes: per field, stored value → file value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDiff {
    pub row: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub record_id: String,
    pub label: String,
    pub fields: Vec<FieldDiff>,
}

/// One field a row changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDiff {
    pub field: String,
    pub title: String,
    /// As stored (`null`: empty). Masked by the caller for its reader.
    pub stored: Value,
    /// As the file has it, after normalisation.
    pub file: Value,
    /// The newest change of this field in the ledger on or after the
    /// file's date: the ledger may know better than the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer: Option<LedgerChange>,
    /// Whether the commit writes the file's value. `false` only for a
    /// `newer` field the clerk did not tick: the stored value is kept.
    pub applied: bool,
}

/// Who changed a field in the ledger, when (UTC) and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerChange {
    pub changed_at: String,
    pub changed_by: String,
    pub source: Source,
}

/// What the ledger did after a file was made: a row's value is not written
/// over a field changed in the ledger on or after `since` unless the clerk
/// ticked that field (`overwrite`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Freshness<'a> {
    /// The file's date, `YYYY-MM-DD` (a Beijing calendar day, as people
    /// date their tables): changes made on that day or later are newer.
    pub since: Option<&'a str>,
    /// History of the stored records the rows match; entries before
    /// `since` may be left out.
    pub history: &'a [HistoryEntry],
    /// `(record id, field)` pairs to overwrite even though newer.
    pub overwrite: Option<&'a BTreeSet<(String, String)>>,
}

impl Freshness<'_> {
    /// The newest change of `field` of record `id` on or after `since`.
    fn newest<'h>(&self, by_record: &HashMap<&str, Vec<&'h HistoryEntry>>, id: &str, field: &str) -> Option<&'h HistoryEntry> {
        let since = self.since?;
        by_record
            .get(id)?
            .iter()
            .filter(|h| h.changes.contains_key(field) && crate::time::beijing_date(&h.changed_at).as_str() >= since)
            .max_by_key(|h| h.version)
            .copied()
    }

    fn ticked(&self, id: &str, field: &str) -> bool {
        self.overwrite.is_some_and(|set| set.contains(&(id.to_owned(), field.to_owned())))
    }
}

impl UpsertPlan {
    /// A digest of what the plan read and will write: every matched
    /// record's id and version, and every write's record id, expected
    /// version and new data. Two plans of the same input agree exactly
    /// when the ledger they read did not move in between.
    pub fn fingerprint(&self, hasher: &mut sha2::Sha256) {
        use sha2::Digest;
        let mut feed = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        for (id, version) in &self.matched {
            feed(id.as_bytes());
            feed(&version.to_le_bytes());
        }
        feed(b"writes");
        for write in &self.writes {
            feed(write.record.id.as_bytes());
            feed(&write.expected_version.map_or(0, |v| v + 1).to_le_bytes());
            feed(serde_json::to_string(&write.record.data).unwrap_or_default().as_bytes());
        }
    }
}

/// Stable id of a record first seen through a batch: a hash of its natural
/// key, so two concurrent imports of one file collide on the primary key
/// instead of storing the same person twice.
pub fn new_record_id(entity: &str, org_unit: &str, natural_key: &str) -> String {
    // FNV-1a 64: tiny and fixed forever, unlike std's randomised hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in entity.bytes().chain([0]).chain(natural_key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{entity}:{org_unit}-{hash:016x}")
}

/// Plans a batch. `existing` holds the stored records of this entity that
/// incoming rows may match (at least those of `target.unit`; records of other
/// units are matched only to refuse moving them). `header_of` names the file
/// column of a field, for error reports.
pub fn plan_upserts(
    record_type: &RecordType,
    rows: &[IncomingRow],
    existing: &[LedgerRecord],
    target: UpsertTarget<'_>,
    header_of: &dyn Fn(&str) -> Option<String>,
    freshness: &Freshness<'_>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<UpsertPlan, Vec<RowError>> {
    let mut by_record: HashMap<&str, Vec<&HistoryEntry>> = HashMap::new();
    for entry in freshness.history {
        by_record.entry(entry.record_id.as_str()).or_default().push(entry);
    }
    let label_of = |data: &Value| data.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
    let by_key: HashMap<String, &LedgerRecord> = existing
        .iter()
        .filter(|r| r.entity == record_type.entity)
        .filter_map(|r| record_type.natural_key(&r.data).map(|k| (k, r)))
        .collect();
    let mut seen: HashMap<String, (usize, Option<Arc<str>>)> = HashMap::with_capacity(rows.len());
    let mut plan = UpsertPlan {
        new: 0,
        changed: 0,
        unchanged: 0,
        writes: Vec::new(),
        added: Vec::new(),
        diff: Vec::new(),
        held: 0,
        matched: Vec::new(),
    };
    let mut errors = Vec::new();
    let key_titles = key_titles(record_type);
    let row_error = |incoming: &IncomingRow, field: Option<&str>, code: &str, message: Text| RowError {
        row: incoming.row,
        sheet: incoming.sheet.as_deref().map(str::to_owned),
        column: field.and_then(header_of),
        field: field.map(str::to_owned),
        code: code.to_owned(),
        message,
    };
    for (done, incoming) in rows.iter().enumerate() {
        if done % 1000 == 0 {
            progress(done, rows.len());
        }
        let mut data = incoming.data.clone();
        let org_unit = match data.get("village").and_then(Value::as_str) {
            Some(village) if !OrgLevel::contains(target.unit, village) => {
                errors.push(row_error(
                    incoming,
                    Some("village"),
                    "unit_outside_target",
                    Text::new(
                        format!("村（社区）代码 {village} 不属于本次导入的单位 {}", target.unit),
                        format!("village {village} is not inside {}, the unit imported into", target.unit),
                    ),
                ));
                continue;
            }
            Some(village) => village.to_owned(),
            None => {
                if record_type.field("village").is_some() && OrgLevel::of_code(target.unit) == Some(OrgLevel::Village) {
                    data.insert("village".to_owned(), Value::String(target.unit.to_owned()));
                }
                target.unit.to_owned()
            }
        };
        let Some(key) = record_type.natural_key(&Value::Object(data.clone())) else {
            let mut found = field_errors(incoming, record_type.validate(&Value::Object(data)), header_of);
            if found.is_empty() {
                found.push(row_error(incoming, None, "missing_key", Text::new(format!("缺少{key_titles}"), "the natural key is missing")));
            }
            errors.extend(found);
            continue;
        };
        if let Some((first, first_sheet)) = seen.insert(key.clone(), (incoming.row, incoming.sheet.clone())) {
            let (zh_sheet, en_sheet) = match &first_sheet {
                Some(sheet) if first_sheet != incoming.sheet => (format!("工作表“{sheet}”"), format!(" of sheet {sheet}")),
                _ => (String::new(), String::new()),
            };
            errors.push(row_error(
                incoming,
                record_type.natural_key.first().map(String::as_str),
                "duplicate_key",
                Text::new(
                    format!("与{zh_sheet}第 {first} 行重复（{key_titles}相同）"),
                    format!("duplicates row {first}{en_sheet} (same {})", record_type.natural_key.join(" + ")),
                ),
            ));
            continue;
        }
        match by_key.get(&key) {
            Some(current) if !in_unit(target.unit, current) || current.org_unit != org_unit => {
                // The same real-world record (one person, one enterprise)
                // kept in another unit: importing it here would register it
                // twice, and an import never moves records between units.
                let unit = &current.org_unit;
                let key_en = record_type.natural_key.join(" + ");
                let message = match target.disclosed.get(unit) {
                    Some(name) => {
                        let shown_key = key.replace('\u{1f}', "、");
                        Text::new(
                            format!(
                                "{key_titles} {shown_key} 已登记在 {name}（{unit}），不能重复登记；导入不会迁移记录，如需迁入请先由原单位处理"
                            ),
                            format!(
                                "{key_en} {shown_key} is already registered in {name} ({unit}); it cannot be registered twice, and an import does not move records"
                            ),
                        )
                    }
                    None => crate::access::lookup::withheld(&key_titles, &key_en),
                };
                errors.push(row_error(incoming, record_type.natural_key.first().map(String::as_str), KEY_IN_OTHER_UNIT, message));
            }
            Some(current) => {
                plan.matched.push((current.id.clone(), current.version));
                // Each field the row changes; one changed in the ledger on
                // or after the file's date is held back unless ticked.
                let mut fields = Vec::new();
                for (field, (stored, file)) in diff_fields(&current.data, &apply_patch(&current.data, &data)) {
                    let newer = freshness.newest(&by_record, &current.id, &field).map(|h| LedgerChange {
                        changed_at: h.changed_at.clone(),
                        changed_by: h.changed_by.clone(),
                        source: h.source,
                    });
                    let applied = newer.is_none() || freshness.ticked(&current.id, &field);
                    if !applied {
                        data.remove(&field);
                        plan.held += 1;
                    }
                    let title = record_type.field(&field).map_or_else(|| field.clone(), |f| f.title.clone());
                    fields.push(FieldDiff { field, title, stored, file, newer, applied });
                }
                match plan_update(record_type, current, current.version, &data, target.meta) {
                    Ok(None) => plan.unchanged += 1,
                    Ok(Some(write)) => {
                        plan.changed += 1;
                        plan.writes.push(write);
                    }
                    Err(UpdateError::Invalid { errors: found }) => errors.extend(field_errors(incoming, found, header_of)),
                    Err(other) => errors.push(row_error(incoming, None, "conflict", Text::new(other.to_string(), other.to_string()))),
                }
                if !fields.is_empty() && plan.diff.len() < MAX_LISTED {
                    plan.diff.push(RecordDiff {
                        row: incoming.row,
                        sheet: incoming.sheet.as_deref().map(str::to_owned),
                        record_id: current.id.clone(),
                        label: label_of(&current.data),
                        fields,
                    });
                }
            }
            None => {
                let id = new_record_id(&record_type.entity, &org_unit, &key);
                let label = label_of(&Value::Object(data.clone()));
                match plan_insert(record_type, &id, &org_unit, Value::Object(data), target.meta) {
                    Ok(write) => {
                        plan.new += 1;
                        plan.writes.push(write);
                        if plan.added.len() < MAX_LISTED {
                            plan.added.push(AddedRecord { row: incoming.row, sheet: incoming.sheet.as_deref().map(str::to_owned), label });
                        }
                    }
                    Err(found) => errors.extend(field_errors(incoming, found, header_of)),
                }
            }
        }
    }
    progress(rows.len(), rows.len());
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// The natural key's field titles, for messages: `身份证号`, `场所名称、场所地址`.
fn key_titles(record_type: &RecordType) -> String {
    let titles: Vec<&str> = record_type.natural_key.iter().map(|k| record_type.field(k).map_or(k.as_str(), |f| f.title.as_str())).collect();
    titles.join("、")
}

/// Schema errors of one row as row errors: the pointer's first segment is
/// the field.
/// The same message for the same field of a row (one per item of a list)
/// is given once.
fn field_errors(incoming: &IncomingRow, errors: Vec<FieldError>, header_of: &dyn Fn(&str) -> Option<String>) -> Vec<RowError> {
    let mut out: Vec<RowError> = Vec::with_capacity(errors.len());
    for error in errors.into_iter().map(|e| {
        let field = e.pointer.trim_start_matches('/').split('/').next().filter(|f| !f.is_empty()).map(str::to_owned);
        RowError {
            row: incoming.row,
            sheet: incoming.sheet.as_deref().map(str::to_owned),
            column: field.as_deref().and_then(header_of),
            field,
            code: e.code,
            message: e.message,
        }
    }) {
        if !out.iter().any(|o| o.field == error.field && o.code == error.code && o.message == error.message) {
            out.push(error);
        }
    }
    out
}
