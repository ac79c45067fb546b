//! Cross-district transfers (跨区迁移, issue 16) — core's
//! `DistrictTransferPort` over D1: the requests in the directory
//! (`district_transfers`, directory migration 0003), and each district's
//! end of a move in its own database (`ledger_records.moved_out`, district
//! migration 0020). The rules and the order of the steps are core's
//! (`ybt_core::ledger::district_transfer`, `service::ledger::district_transfers`);
//! every statement here is conditional or insert-or-ignore, so running a
//! step again changes nothing.

use std::collections::BTreeMap;

use serde::Deserialize;
use worker::wasm_bindgen::JsValue;
use ybt_core::ledger::Write;
use ybt_core::ledger::district_transfer::{DistrictTransfer, DistrictTransferStatus, MoveIn, MoveOut};
use ybt_core::service::ServiceError;
use ybt_core::service::ledger::district_transfers::{DistrictTransferPort, MoveEnd};

use super::{Store, num, prefix_end};
use crate::error::Storage;

const COLUMNS: &str = "id, entity, key, from_district, to_org_unit, reason, requested_by, requested_at, status, received_by, \
                       received_at, decided_by, decided_at, note, record_id, from_org_unit, record_version";

/// One row of the directory's `district_transfers`.
#[derive(Deserialize)]
struct Row {
    id: String,
    entity: String,
    key: String,
    from_district: String,
    to_org_unit: String,
    reason: String,
    requested_by: String,
    requested_at: String,
    status: String,
    received_by: Option<String>,
    received_at: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    note: Option<String>,
    record_id: Option<String>,
    from_org_unit: Option<String>,
    record_version: Option<u32>,
}

impl Row {
    fn into_transfer(self) -> Result<DistrictTransfer, ServiceError> {
        let status = DistrictTransferStatus::parse(&self.status)
            .ok_or_else(|| ServiceError::Storage(format!("district transfer status {}", self.status)))?;
        Ok(DistrictTransfer {
            id: self.id,
            entity: self.entity,
            key: self.key,
            from_district: self.from_district,
            to_org_unit: self.to_org_unit,
            reason: self.reason,
            requested_by: self.requested_by,
            requested_at: self.requested_at,
            status,
            received_by: self.received_by,
            received_at: self.received_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            note: self.note,
            record_id: self.record_id,
            from_org_unit: self.from_org_unit,
            record_version: self.record_version,
        })
    }
}

fn opt(value: &Option<String>) -> JsValue {
    value.as_deref().map_or(JsValue::NULL, JsValue::from)
}

/// The SQL expression of a district-wide key field: the text of migration
/// 0005's expression indexes for `id_number` and `credit_code`. Field names
/// come from the shipped record types; anything but `[a-z_]` is refused.
fn key_expression(field: &str) -> Result<String, ServiceError> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(ServiceError::Storage(format!("key field {field}")));
    }
    Ok(format!("json_extract(data, '$.{field}')"))
}

impl Store {
    async fn rows(&self, sql: String, params: &[JsValue]) -> Result<Vec<DistrictTransfer>, ServiceError> {
        self.directory
            .prepare(sql)
            .bind(params)
            .storage()?
            .all()
            .await
            .storage()?
            .results::<Row>()
            .storage()?
            .into_iter()
            .map(Row::into_transfer)
            .collect()
    }

    /// Whether the record `id` of this district moved to another district.
    pub(super) async fn moved_out(&self, id: &str) -> Result<bool, ServiceError> {
        #[derive(Deserialize)]
        struct Moved {
            moved: u32,
        }
        let row = self
            .db()?
            .prepare("SELECT count(*) AS moved FROM ledger_records WHERE id = ?1 AND moved_out IS NOT NULL")
            .bind(&[id.into()])
            .storage()?
            .first::<Moved>(None)
            .await
            .storage()?;
        Ok(row.is_some_and(|r| r.moved > 0))
    }
}

impl MoveEnd for Store {
    /// One batch: the record's next version marked moved out, if it is
    /// live at the version approved; its history row only if the record is
    /// (now) marked by this transfer, once (`INSERT OR IGNORE` on the
    /// history's key). Then reads which happened.
    async fn move_out(&self, write: &Write, transfer_id: &str) -> Result<MoveOut, ServiceError> {
        let (r, h) = (&write.record, &write.history);
        let expected = write.expected_version.ok_or_else(|| ServiceError::Storage("step out updates a record".into()))?;
        let mark = self
            .db()?
            .prepare(
                "UPDATE ledger_records SET version = ?1, updated_at = ?2, updated_by = ?3, moved_out = ?4 \
                 WHERE id = ?5 AND version = ?6 AND moved_out IS NULL",
            )
            .bind(&[
                num(r.version),
                r.updated_at.as_str().into(),
                r.updated_by.as_str().into(),
                transfer_id.into(),
                r.id.as_str().into(),
                num(expected),
            ])
            .storage()?;
        let history = self
            .db()?
            .prepare(
                "INSERT OR IGNORE INTO ledger_history (record_id, version, changed_at, changed_by, source, changes) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM ledger_records WHERE id = ?1 AND moved_out = ?7)",
            )
            .bind(&[
                h.record_id.as_str().into(),
                num(h.version),
                h.changed_at.as_str().into(),
                h.changed_by.as_str().into(),
                h.source.as_str().into(),
                serde_json::to_string(&h.changes).storage()?.into(),
                transfer_id.into(),
            ])
            .storage()?;
        self.db()?.batch(vec![mark, history]).await.storage()?;
        #[derive(Deserialize)]
        struct Marked {
            moved_out: Option<String>,
        }
        let row = self
            .db()?
            .prepare("SELECT moved_out FROM ledger_records WHERE id = ?1")
            .bind(&[r.id.as_str().into()])
            .storage()?
            .first::<Marked>(None)
            .await
            .storage()?;
        Ok(if row.and_then(|m| m.moved_out).as_deref() == Some(transfer_id) { MoveOut::Done } else { MoveOut::Changed })
    }

    /// One batch: the copy inserted unless its id exists or another live
    /// record holds the key; its history row if the copy exists, once.
    async fn move_in(&self, write: &Write, key_field: &str, key: &str) -> Result<MoveIn, ServiceError> {
        let (r, h) = (&write.record, &write.history);
        let insert = self
            .db()?
            .prepare(format!(
                "INSERT OR IGNORE INTO ledger_records (id, entity, org_unit, version, updated_at, updated_by, data) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM ledger_records \
                 WHERE entity = ?2 AND moved_out IS NULL AND id <> ?1 AND {} = ?8)",
                key_expression(key_field)?
            ))
            .bind(&[
                r.id.as_str().into(),
                r.entity.as_str().into(),
                r.org_unit.as_str().into(),
                num(r.version),
                r.updated_at.as_str().into(),
                r.updated_by.as_str().into(),
                serde_json::to_string(&r.data).storage()?.into(),
                key.into(),
            ])
            .storage()?;
        let history = self
            .db()?
            .prepare(
                "INSERT OR IGNORE INTO ledger_history (record_id, version, changed_at, changed_by, source, changes) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM ledger_records WHERE id = ?1)",
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
        self.db()?.batch(vec![insert, history]).await.storage()?;
        let copied = ybt_core::ledger::LedgerStore::get(self, &r.id).await?.is_some();
        Ok(if copied { MoveIn::Done } else { MoveIn::KeyTaken })
    }
}

impl DistrictTransferPort for Store {
    type Destination = Store;

    async fn district_transfer(&self, id: &str) -> Result<Option<DistrictTransfer>, ServiceError> {
        Ok(self.rows(format!("SELECT {COLUMNS} FROM district_transfers WHERE id = ?1"), &[id.into()]).await?.pop())
    }

    async fn open_district_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<DistrictTransfer>, ServiceError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM district_transfers WHERE entity = ?1 AND key = ?2 AND to_org_unit = ?3 \
             AND status IN ('awaiting_receive', 'awaiting_release', 'moving')"
        );
        Ok(self.rows(sql, &[entity.into(), key.into(), to_org_unit.into()]).await?.pop())
    }

    async fn add_district_transfer(&self, t: &DistrictTransfer) -> Result<bool, ServiceError> {
        let result = self
            .directory
            .prepare(
                "INSERT OR IGNORE INTO district_transfers (id, entity, key, from_district, to_org_unit, reason, requested_by, requested_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .bind(&[
                t.id.as_str().into(),
                t.entity.as_str().into(),
                t.key.as_str().into(),
                t.from_district.as_str().into(),
                t.to_org_unit.as_str().into(),
                t.reason.as_str().into(),
                t.requested_by.as_str().into(),
                t.requested_at.as_str().into(),
            ])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    async fn district_transfers_into(&self, scope: &str) -> Result<Vec<DistrictTransfer>, ServiceError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM district_transfers WHERE to_org_unit >= ?1 AND to_org_unit < ?2 ORDER BY requested_at DESC, id LIMIT 200"
        );
        self.rows(sql, &[scope.into(), prefix_end(scope).into()]).await
    }

    async fn district_transfers_from(&self, district: &str) -> Result<Vec<DistrictTransfer>, ServiceError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM district_transfers WHERE from_district = ?1 AND received_by IS NOT NULL \
             ORDER BY requested_at DESC, id LIMIT 200"
        );
        self.rows(sql, &[district.into()]).await
    }

    async fn update_district_transfer(&self, t: &DistrictTransfer, expected: DistrictTransferStatus) -> Result<bool, ServiceError> {
        let result = self
            .directory
            .prepare(
                "UPDATE district_transfers SET status = ?2, received_by = ?3, received_at = ?4, decided_by = ?5, decided_at = ?6, \
                 note = ?7, record_id = ?8, from_org_unit = ?9, record_version = ?10 WHERE id = ?1 AND status = ?11",
            )
            .bind(&[
                t.id.as_str().into(),
                t.status.as_str().into(),
                opt(&t.received_by),
                opt(&t.received_at),
                opt(&t.decided_by),
                opt(&t.decided_at),
                opt(&t.note),
                opt(&t.record_id),
                opt(&t.from_org_unit),
                t.record_version.map_or(JsValue::NULL, num),
                expected.as_str().into(),
            ])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    async fn district_names(&self) -> Result<BTreeMap<String, String>, ServiceError> {
        Ok(self.served_districts().await?.into_iter().map(|d| (d.code, d.name)).collect())
    }

    /// A second store, routed to `district`: the one place a request
    /// writes another district's database (step in).
    async fn destination(&self, district: &str) -> Result<Store, ServiceError> {
        let store = Store::from_env(&self.env)?;
        store.route(district).await?;
        Ok(store)
    }
}
