//! Transfer requests (迁移申请, migration 0017): stored as asked, decided
//! once. The rules are `ybt_core::ledger::transfer`.

use serde::Deserialize;
use worker::wasm_bindgen::JsValue;
use ybt_core::ledger::Write;
use ybt_core::ledger::transfer::{Transfer, TransferStatus};

use super::{Store, prefix_end};
use crate::error::AppError;

const COLUMNS: &str = "id, entity, key, to_org_unit, reason, requested_by, requested_at, status, record_id, from_org_unit, \
                       decided_by, decided_at, note";

#[derive(Deserialize)]
pub struct TransferRow {
    id: String,
    entity: String,
    key: String,
    to_org_unit: String,
    reason: String,
    requested_by: String,
    requested_at: String,
    status: String,
    /// The record moved (approved only).
    pub record_id: Option<String>,
    /// Where it lay when the move was approved.
    pub from_org_unit: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    note: Option<String>,
}

impl TransferRow {
    pub fn transfer(&self) -> Result<Transfer, AppError> {
        Ok(Transfer {
            id: self.id.clone(),
            entity: self.entity.clone(),
            key: self.key.clone(),
            to_org_unit: self.to_org_unit.clone(),
            reason: self.reason.clone(),
            requested_by: self.requested_by.clone(),
            requested_at: self.requested_at.clone(),
            status: TransferStatus::parse(&self.status).ok_or_else(|| AppError::Internal(format!("transfer status {}", self.status)))?,
            decided_by: self.decided_by.clone(),
            decided_at: self.decided_at.clone(),
            note: self.note.clone(),
        })
    }
}

impl Store {
    /// Stores a new pending request; `false` when the id exists or a
    /// pending request for the same key and destination does (the caller
    /// answers with that one).
    pub async fn add_transfer(&self, t: &Transfer) -> Result<bool, AppError> {
        let result = self
            .db
            .prepare(
                "INSERT OR IGNORE INTO ledger_transfers (id, entity, key, to_org_unit, reason, requested_by, requested_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .bind(&[
                t.id.as_str().into(),
                t.entity.as_str().into(),
                t.key.as_str().into(),
                t.to_org_unit.as_str().into(),
                t.reason.as_str().into(),
                t.requested_by.as_str().into(),
                t.requested_at.as_str().into(),
            ])?
            .run()
            .await?;
        Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    pub async fn transfer(&self, id: &str) -> Result<Option<TransferRow>, AppError> {
        Ok(self.db.prepare(format!("SELECT {COLUMNS} FROM ledger_transfers WHERE id = ?1")).bind(&[id.into()])?.first(None).await?)
    }

    /// The pending request for `key` into `to_org_unit`, if any.
    pub async fn pending_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<TransferRow>, AppError> {
        Ok(self
            .db
            .prepare(format!(
                "SELECT {COLUMNS} FROM ledger_transfers WHERE entity = ?1 AND key = ?2 AND to_org_unit = ?3 AND status = 'pending'"
            ))
            .bind(&[entity.into(), key.into(), to_org_unit.into()])?
            .first(None)
            .await?)
    }

    /// Requests into units inside `scope`: pending first, then the newest
    /// decided; at most 200.
    pub async fn transfers(&self, scope: &str) -> Result<Vec<TransferRow>, AppError> {
        Ok(self
            .db
            .prepare(format!(
                "SELECT {COLUMNS} FROM ledger_transfers WHERE to_org_unit >= ?1 AND to_org_unit < ?2 \
                 ORDER BY status <> 'pending', requested_at DESC, id LIMIT 200"
            ))
            .bind(&[scope.into(), prefix_end(scope).into()])?
            .all()
            .await?
            .results()?)
    }

    /// Approves a pending request and moves the record, in one batch: the
    /// request pending → approved; the record's unit and version changed
    /// only if that happened (`changes() = 1`) and the record is still at
    /// the version read; its history row, which fails the whole batch
    /// (`changed_at` NOT NULL) when the move did not happen. So a second
    /// decision, or a record changed meanwhile, leaves everything as it
    /// was; the caller re-reads the request to answer.
    pub async fn approve_transfer(&self, id: &str, write: &Write, from_org_unit: &str, note: &str) -> Result<(), AppError> {
        let r = &write.record;
        let decide = self
            .db
            .prepare(
                "UPDATE ledger_transfers SET status = 'approved', record_id = ?2, from_org_unit = ?3, decided_by = ?4, decided_at = ?5, \
                 note = ?6 WHERE id = ?1 AND status = 'pending'",
            )
            .bind(&[
                id.into(),
                r.id.as_str().into(),
                from_org_unit.into(),
                r.updated_by.as_str().into(),
                r.updated_at.as_str().into(),
                note.into(),
            ])?;
        let expected = write.expected_version.ok_or_else(|| AppError::Internal("a move updates a record".into()))?;
        let moved = self
            .db
            .prepare(
                "UPDATE ledger_records SET org_unit = ?1, version = ?2, updated_at = ?3, updated_by = ?4 \
                 WHERE id = ?5 AND version = ?6 AND changes() = 1",
            )
            .bind(&[
                r.org_unit.as_str().into(),
                JsValue::from_f64(f64::from(r.version)),
                r.updated_at.as_str().into(),
                r.updated_by.as_str().into(),
                r.id.as_str().into(),
                JsValue::from_f64(f64::from(expected)),
            ])?;
        let [_, history] = self.write_statements(write)?;
        self.db.batch(vec![decide, moved, history]).await?;
        Ok(())
    }

    /// Rejects a pending request; a decided one is left as it is.
    pub async fn reject_transfer(&self, id: &str, by: &str, at: &str, note: &str) -> Result<(), AppError> {
        self.db
            .prepare(
                "UPDATE ledger_transfers SET status = 'rejected', decided_by = ?2, decided_at = ?3, note = ?4 \
                 WHERE id = ?1 AND status = 'pending'",
            )
            .bind(&[id.into(), by.into(), at.into(), note.into()])?
            .run()
            .await?;
        Ok(())
    }
}
