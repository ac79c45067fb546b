//! The one path by which many records enter the ledger at once, shared by
//! file import and the department ingest API: dedup on the natural key,
//! insert what is new, update what changed, skip what is equal, and plan
//! nothing at all unless every row is valid.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::RowError;
use crate::ledger::{ChangeMeta, LedgerRecord, OrgLevel, Patch, RecordType, UpdateError, Write, in_unit, plan_insert, plan_update};
use crate::messages::Text;
use crate::validate::FieldError;

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
    pub changed: usize,
    pub unchanged: usize,
    pub writes: Vec<Write>,
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
    progress: &mut dyn FnMut(usize, usize),
) -> Result<UpsertPlan, Vec<RowError>> {
    let by_key: HashMap<String, &LedgerRecord> = existing
        .iter()
        .filter(|r| r.entity == record_type.entity)
        .filter_map(|r| record_type.natural_key(&r.data).map(|k| (k, r)))
        .collect();
    let mut seen: HashMap<String, (usize, Option<Arc<str>>)> = HashMap::with_capacity(rows.len());
    let mut plan = UpsertPlan { new: 0, changed: 0, unchanged: 0, writes: Vec::new() };
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
            Some(current) => match plan_update(record_type, current, current.version, &data, target.meta) {
                Ok(None) => plan.unchanged += 1,
                Ok(Some(write)) => {
                    plan.changed += 1;
                    plan.writes.push(write);
                }
                Err(UpdateError::Invalid { errors: found }) => errors.extend(field_errors(incoming, found, header_of)),
                Err(other) => errors.push(row_error(incoming, None, "conflict", Text::new(other.to_string(), other.to_string()))),
            },
            None => {
                let id = new_record_id(&record_type.entity, &org_unit, &key);
                match plan_insert(record_type, &id, &org_unit, Value::Object(data), target.meta) {
                    Ok(write) => {
                        plan.new += 1;
                        plan.writes.push(write);
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
fn field_errors(incoming: &IncomingRow, errors: Vec<FieldError>, header_of: &dyn Fn(&str) -> Option<String>) -> Vec<RowError> {
    errors
        .into_iter()
        .map(|e| {
            let field = e.pointer.trim_start_matches('/').split('/').next().filter(|f| !f.is_empty()).map(str::to_owned);
            RowError {
                row: incoming.row,
                sheet: incoming.sheet.as_deref().map(str::to_owned),
                column: field.as_deref().and_then(header_of),
                field,
                code: e.code,
                message: e.message,
            }
        })
        .collect()
}
