//! The D1 implementation of core's `LedgerStore`: records, their history,
//! and conditional writes applied as one `batch()` (a transaction) each.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;
use ybt_core::ledger::{ApplyError, Conflict, HistoryEntry, LedgerStore, RecordTypes, Write};
use ybt_core::service::ServiceError;
pub use ybt_core::service::ledger::WRITES_PER_BATCH;
use ybt_core::service::ledger::{CommittedPlan, LedgerPort};
use ybt_core::{Catalog, LedgerRecord};

use super::{RecordRow, Store, num, prefix_end};
use crate::error::Storage;

#[derive(Deserialize)]
struct HistoryRow {
    record_id: String,
    version: u32,
    changed_at: String,
    changed_by: String,
    source: String,
    changes: String,
}

impl RecordRow {
    pub(super) fn into_record(self) -> Result<LedgerRecord, ServiceError> {
        Ok(LedgerRecord {
            data: serde_json::from_str(&self.data).storage()?,
            id: self.id,
            entity: self.entity,
            org_unit: self.org_unit,
            version: self.version,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        })
    }
}

impl HistoryRow {
    fn into_entry(self) -> Result<HistoryEntry, ServiceError> {
        Ok(HistoryEntry {
            source: serde_json::from_value(serde_json::Value::String(self.source)).storage()?,
            changes: serde_json::from_str(&self.changes).storage()?,
            record_id: self.record_id,
            version: self.version,
            changed_at: self.changed_at,
            changed_by: self.changed_by,
        })
    }
}

impl Store {
    /// The two statements of one write. The history insert stores
    /// `changed_at` only if the statement before it changed a row
    /// (`changes() = 1`); otherwise the NOT NULL constraint fails the whole
    /// batch. So an `UPDATE … WHERE version = ?` that lost a race aborts
    /// the batch even when no history row of that version exists, and the
    /// history primary key `(record_id, version)` catches the rest.
    pub(super) fn write_statements(&self, write: &Write) -> Result<[D1PreparedStatement; 2], ServiceError> {
        let r = &write.record;
        let data = serde_json::to_string(&r.data).storage()?;
        let record = match write.expected_version {
            None => self
                .db()?
                .prepare(
                    "INSERT INTO ledger_records (id, entity, org_unit, version, updated_at, updated_by, data) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .bind(&[
                    r.id.as_str().into(),
                    r.entity.as_str().into(),
                    r.org_unit.as_str().into(),
                    num(r.version),
                    r.updated_at.as_str().into(),
                    r.updated_by.as_str().into(),
                    data.into(),
                ])
                .storage()?,
            Some(expected) => self
                .db()?
                .prepare(
                    "UPDATE ledger_records SET version = ?1, updated_at = ?2, updated_by = ?3, data = ?4 \
                     WHERE id = ?5 AND version = ?6 AND moved_out IS NULL",
                )
                .bind(&[
                    num(r.version),
                    r.updated_at.as_str().into(),
                    r.updated_by.as_str().into(),
                    data.into(),
                    r.id.as_str().into(),
                    num(expected),
                ])
                .storage()?,
        };
        let h = &write.history;
        let history = self
            .db()?
            .prepare(
                "INSERT INTO ledger_history (record_id, version, changed_at, changed_by, source, changes) \
                 VALUES (?1, ?2, CASE WHEN changes() = 1 THEN ?3 END, ?4, ?5, ?6)",
            )
            .bind(&[
                h.record_id.as_str().into(),
                num(h.version),
                h.changed_at.as_str().into(),
                h.changed_by.as_str().into(),
                h.source.as_str().into(),
                serde_json::to_string(&h.changes).storage()?.into(),
            ])
            .storage()?;
        Ok([record, history])
    }

    /// After a failed batch: the first write whose record is not where the
    /// write expected it, as a conflict with what is stored now.
    pub(super) async fn find_conflict(&self, writes: &[Write]) -> Result<Option<Conflict>, ServiceError> {
        for write in writes {
            // A record moved to another district (`moved_out`) is gone for
            // a write: a conflict with nothing stored, not a storage error.
            let current = LedgerStore::get(self, &write.record.id).await?;
            let current = match current {
                Some(r) if self.moved_out(&r.id).await? => None,
                other => other,
            };
            let stale = match (write.expected_version, &current) {
                (None, None) => false,
                (Some(expected), Some(stored)) => stored.version != expected,
                _ => true,
            };
            if stale {
                return Ok(Some(Conflict { id: write.record.id.clone(), current: current.map(Box::new) }));
            }
        }
        Ok(None)
    }
}

/// Natural keys per lookup statement: one JSON array parameter, so no
/// bound-parameter limit applies; this bounds each statement's size.
const KEYS_PER_LOOKUP: usize = 2_000;

impl Store {
    /// The records of `entity` whose district-wide key field `key_field`
    /// holds one of `keys`, in any unit. Served by the expression indexes
    /// of migration 0005 for `id_number` and `credit_code` (the statement
    /// text must match the index expression); any other key field falls back
    /// to a scan of the entity's records.
    pub async fn records_with_keys(&self, entity: &str, key_field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError> {
        const COLUMNS: &str = "SELECT id, org_unit, version, updated_at, updated_by, data FROM ledger_records";
        let mut found = Vec::new();
        for chunk in keys.chunks(KEYS_PER_LOOKUP) {
            let keys = serde_json::to_string(chunk).storage()?;
            let statement = match key_field {
                "id_number" => self
                    .db()?
                    .prepare(format!(
                        "{COLUMNS} WHERE entity = ?1 AND moved_out IS NULL AND json_extract(data, '$.id_number') IN (SELECT value FROM json_each(?2))"
                    ))
                    .bind(&[entity.into(), keys.into()])
                    .storage()?,
                "credit_code" => self
                    .db()?
                    .prepare(format!(
                        "{COLUMNS} WHERE entity = ?1 AND moved_out IS NULL AND json_extract(data, '$.credit_code') IN (SELECT value FROM json_each(?2))"
                    ))
                    .bind(&[entity.into(), keys.into()])
                    .storage()?,
                other => self
                    .db()?
                    .prepare(format!("{COLUMNS} WHERE entity = ?1 AND moved_out IS NULL AND json_extract(data, ?3) IN (SELECT value FROM json_each(?2))"))
                    .bind(&[entity.into(), keys.into(), format!("$.{other}").into()])
                    .storage()?,
            };
            for row in statement.raw_js_value().await.storage()? {
                found.push(raw_record(entity, &row)?);
            }
        }
        Ok(found)
    }
}

/// One row of `SELECT id, org_unit, version, updated_at, updated_by, data`
/// as D1 returns it with `raw()`: an array, read cell by cell. This skips
/// building a JS object per row and converting it field by field through
/// serde-wasm-bindgen, and the entity (known to the caller) is not fetched.
pub(super) fn raw_record(entity: &str, row: &JsValue) -> Result<LedgerRecord, ServiceError> {
    let row = js_sys::Array::from(row);
    let text = |i: u32| row.get(i).as_string().ok_or_else(|| ServiceError::Storage(format!("ledger row column {i} is not text")));
    Ok(LedgerRecord {
        id: text(0)?,
        entity: entity.to_owned(),
        org_unit: text(1)?,
        version: row.get(2).as_f64().ok_or_else(|| ServiceError::Storage("ledger row version is not a number".into()))? as u32,
        updated_at: text(3)?,
        updated_by: text(4)?,
        data: serde_json::from_str(&text(5)?).storage()?,
    })
}

impl LedgerStore for Store {
    type Error = ServiceError;

    async fn get(&self, id: &str) -> Result<Option<LedgerRecord>, ServiceError> {
        self.db()?
            .prepare("SELECT id, entity, org_unit, version, updated_at, updated_by, data FROM ledger_records WHERE id = ?1")
            .bind(&[id.into()])
            .storage()?
            .first::<RecordRow>(None)
            .await
            .storage()?
            .map(RecordRow::into_record)
            .transpose()
    }

    async fn list(&self, unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        // `ledger_records_by_entity_unit (entity, org_unit, id)` yields the
        // rows in this order: no sort of ~1 MB of rows per village.
        self.db()?
            .prepare(
                "SELECT id, org_unit, version, updated_at, updated_by, data FROM ledger_records \
                 WHERE entity = ?3 AND org_unit >= ?1 AND org_unit < ?2 AND moved_out IS NULL ORDER BY org_unit, id",
            )
            .bind(&[unit.into(), prefix_end(unit).into(), entity.into()])
            .storage()?
            .raw_js_value()
            .await
            .storage()?
            .iter()
            .map(|row| raw_record(entity, row))
            .collect()
    }

    async fn history(&self, record_id: &str) -> Result<Vec<HistoryEntry>, ServiceError> {
        let rows = self
            .db()?
            .prepare(
                "SELECT record_id, version, changed_at, changed_by, source, changes FROM ledger_history \
                 WHERE record_id = ?1 ORDER BY version",
            )
            .bind(&[record_id.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<HistoryRow>()
            .storage()?;
        rows.into_iter().map(HistoryRow::into_entry).collect()
    }

    async fn apply(&self, writes: &[Write]) -> Result<(), ApplyError<ServiceError>> {
        if writes.is_empty() {
            return Ok(());
        }
        let mut statements = Vec::with_capacity(writes.len() * 2);
        for write in writes {
            statements.extend(self.write_statements(write).map_err(ApplyError::Store)?);
        }
        match self.db().map_err(ApplyError::Store)?.batch(statements).await {
            Ok(_) => Ok(()),
            Err(error) => match self.find_conflict(writes).await.map_err(ApplyError::Store)? {
                Some(conflict) => Err(ApplyError::Conflict(conflict)),
                None => Err(ApplyError::Store(ServiceError::Storage(format!("ledger batch failed: {error}")))),
            },
        }
    }
}

/// Record ids per history lookup (one JSON array parameter).
const IDS_PER_LOOKUP: usize = 2_000;

impl Store {
    /// The history of the records `ids`, oldest first per record: what an
    /// import preview compares the file's date with.
    pub async fn histories(&self, ids: &[String]) -> Result<Vec<HistoryEntry>, ServiceError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(IDS_PER_LOOKUP) {
            let rows = self
                .db()?
                .prepare(
                    "SELECT record_id, version, changed_at, changed_by, source, changes FROM ledger_history \
                     WHERE record_id IN (SELECT value FROM json_each(?1)) ORDER BY record_id, version",
                )
                .bind(&[serde_json::to_string(chunk).storage()?.into()])
                .storage()?
                .all()
                .await
                .storage()?
                .results::<HistoryRow>()
                .storage()?;
            for row in rows {
                out.push(row.into_entry()?);
            }
        }
        Ok(out)
    }

    /// The answer stored by the commit of `plan_id` by `user_id`, if any.
    pub async fn committed_plan(&self, plan_id: &str, user_id: &str) -> Result<Option<String>, ServiceError> {
        #[derive(Deserialize)]
        struct Row {
            answer: String,
        }
        Ok(self
            .db()?
            .prepare("SELECT answer FROM import_plans WHERE plan_id = ?1 AND created_by = ?2")
            .bind(&[plan_id.into(), user_id.into()])
            .storage()?
            .first::<Row>(None)
            .await
            .storage()?
            .map(|r| r.answer))
    }

    /// Applies an import's writes as the plan `plan_id`, in batches of
    /// [`WRITES_PER_BATCH`] like `apply_in_batches`; the row that
    /// marks the plan committed (with the `answer` to give a retry) goes in
    /// the last batch, so it exists if and only if every write does.
    pub async fn apply_plan(&self, writes: &[Write], plan: &CommittedPlan<'_>) -> Result<usize, ApplyError<ServiceError>> {
        let mark = self
            .db()
            .map_err(ApplyError::Store)?
            .prepare(
                "INSERT INTO import_plans (plan_id, created_by, org_unit, entity, committed_at, answer) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .bind(&[
                plan.plan_id.into(),
                plan.created_by.into(),
                plan.org_unit.into(),
                plan.entity.into(),
                plan.committed_at.into(),
                plan.answer.into(),
            ])
            .storage()
            .map_err(ApplyError::Store)?;
        let chunks: Vec<&[Write]> = if writes.is_empty() { vec![&[]] } else { writes.chunks(WRITES_PER_BATCH).collect() };
        let last = chunks.len() - 1;
        let mut mark = Some(mark);
        for (i, chunk) in chunks.iter().enumerate() {
            let mut statements = Vec::with_capacity(chunk.len() * 2 + 1);
            for write in *chunk {
                statements.extend(self.write_statements(write).map_err(ApplyError::Store)?);
            }
            if i == last {
                statements.extend(mark.take());
            }
            if let Err(error) = self.db().map_err(ApplyError::Store)?.batch(statements).await {
                return Err(match self.find_conflict(chunk).await.map_err(ApplyError::Store)? {
                    Some(conflict) => ApplyError::Conflict(conflict),
                    None => ApplyError::Store(ServiceError::Storage(format!("import batch failed: {error}"))),
                });
            }
        }
        Ok(writes.len().div_ceil(WRITES_PER_BATCH))
    }
}

/// The ledger's port over D1: the statements above, the reference data of
/// `template_cache`, and the account and org-unit names of the other
/// store files.
impl LedgerPort for Store {
    fn record_types(&self) -> Result<Rc<RecordTypes>, ServiceError> {
        Ok(crate::template_cache::record_types()?)
    }

    fn catalog(&self) -> Result<Rc<Catalog>, ServiceError> {
        Ok(crate::template_cache::catalog()?)
    }

    fn stopwatch_ms(&self) -> f64 {
        crate::http::clock_ms()
    }

    async fn records_with_keys(&self, entity: &str, key_field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError> {
        Store::records_with_keys(self, entity, key_field, keys).await
    }

    async fn histories(&self, ids: &[String]) -> Result<Vec<HistoryEntry>, ServiceError> {
        Store::histories(self, ids).await
    }

    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(Store::unit_names(self, codes).await?)
    }

    async fn display_names(&self, usernames: &[&str]) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(Store::display_names(self, usernames).await?)
    }

    /// Each batch is atomic; the set as a whole is not. It is made to be
    /// *completed by a retry*: new records have ids derived from their
    /// natural key and every update is conditional on its version, so
    /// re-planning the same input after a failure finds the applied batches
    /// unchanged and writes only the rest.
    async fn apply_in_batches(&self, writes: &[Write]) -> Result<usize, ApplyError<ServiceError>> {
        let mut batches = 0;
        for chunk in writes.chunks(WRITES_PER_BATCH) {
            self.apply(chunk).await?;
            batches += 1;
        }
        Ok(batches)
    }

    async fn committed_plan(&self, plan_id: &str, user_id: &str) -> Result<Option<String>, ServiceError> {
        Store::committed_plan(self, plan_id, user_id).await
    }

    async fn apply_plan(&self, writes: &[Write], plan: &CommittedPlan<'_>) -> Result<usize, ApplyError<ServiceError>> {
        Store::apply_plan(self, writes, plan).await
    }
}
