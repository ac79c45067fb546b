//! Transfer requests (迁移申请, migration 0017): stored as asked, decided
//! once — core's `TransferPort` over D1. The rules are
//! `ybt_core::ledger::transfer` and `ybt_core::service::ledger::transfers`.

use serde::Deserialize;
use ybt_core::ledger::Write;
use ybt_core::ledger::transfer::{Transfer, TransferStatus};
use ybt_core::service::ServiceError;
use ybt_core::service::ledger::{StoredTransfer, TransferPort};

use super::{Store, num, prefix_end};
use crate::error::Storage;

const COLUMNS: &str = "id, entity, key, to_org_unit, reason, requested_by, requested_at, status, record_id, from_org_unit, \
                       decided_by, decided_at, note";

/// One row of `ledger_transfers`.
#[derive(Deserialize)]
struct TransferRow {
    id: String,
    entity: String,
    key: String,
    to_org_unit: String,
    reason: String,
    requested_by: String,
    requested_at: String,
    status: String,
    record_id: Option<String>,
    from_org_unit: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    note: Option<String>,
}

impl TransferRow {
    fn stored(self) -> Result<StoredTransfer, ServiceError> {
        let status =
            TransferStatus::parse(&self.status).ok_or_else(|| ServiceError::Storage(format!("transfer status {}", self.status)))?;
        Ok(StoredTransfer {
            transfer: Transfer {
                id: self.id,
                entity: self.entity,
                key: self.key,
                to_org_unit: self.to_org_unit,
                reason: self.reason,
                requested_by: self.requested_by,
                requested_at: self.requested_at,
                status,
                decided_by: self.decided_by,
                decided_at: self.decided_at,
                note: self.note,
            },
            record_id: self.record_id,
            from_org_unit: self.from_org_unit,
        })
    }
}

impl TransferPort for Store {
    async fn add_transfer(&self, t: &Transfer) -> Result<bool, ServiceError> {
        let result = self
            .db()?
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
            ])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    async fn transfer(&self, id: &str) -> Result<Option<StoredTransfer>, ServiceError> {
        self.db()?
            .prepare(format!("SELECT {COLUMNS} FROM ledger_transfers WHERE id = ?1"))
            .bind(&[id.into()])
            .storage()?
            .first::<TransferRow>(None)
            .await
            .storage()?
            .map(TransferRow::stored)
            .transpose()
    }

    async fn pending_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<StoredTransfer>, ServiceError> {
        self.db()?
            .prepare(format!(
                "SELECT {COLUMNS} FROM ledger_transfers WHERE entity = ?1 AND key = ?2 AND to_org_unit = ?3 AND status = 'pending'"
            ))
            .bind(&[entity.into(), key.into(), to_org_unit.into()])
            .storage()?
            .first::<TransferRow>(None)
            .await
            .storage()?
            .map(TransferRow::stored)
            .transpose()
    }

    async fn transfers(&self, scope: &str) -> Result<Vec<StoredTransfer>, ServiceError> {
        self.db()?
            .prepare(format!(
                "SELECT {COLUMNS} FROM ledger_transfers WHERE to_org_unit >= ?1 AND to_org_unit < ?2 \
                 ORDER BY status <> 'pending', requested_at DESC, id LIMIT 200"
            ))
            .bind(&[scope.into(), prefix_end(scope).into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<TransferRow>()
            .storage()?
            .into_iter()
            .map(TransferRow::stored)
            .collect()
    }

    /// One batch: the request pending → approved; the record's unit and
    /// version changed only if that happened (`changes() = 1`) and the
    /// record is still at the version read; its history row, which fails
    /// the whole batch (`changed_at` NOT NULL) when the move did not
    /// happen. So a second decision, or a record changed meanwhile, leaves
    /// everything as it was.
    async fn approve_transfer(&self, id: &str, write: &Write, from_org_unit: &str, note: &str) -> Result<(), ServiceError> {
        let r = &write.record;
        let decide = self
            .db()?
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
            ])
            .storage()?;
        let expected = write.expected_version.ok_or_else(|| ServiceError::Storage("a move updates a record".into()))?;
        let moved = self
            .db()?
            .prepare(
                "UPDATE ledger_records SET org_unit = ?1, version = ?2, updated_at = ?3, updated_by = ?4 \
                 WHERE id = ?5 AND version = ?6 AND changes() = 1",
            )
            .bind(&[
                r.org_unit.as_str().into(),
                num(r.version),
                r.updated_at.as_str().into(),
                r.updated_by.as_str().into(),
                r.id.as_str().into(),
                num(expected),
            ])
            .storage()?;
        let [_, history] = self.write_statements(write)?;
        self.db()?.batch(vec![decide, moved, history]).await.storage()?;
        Ok(())
    }

    async fn reject_transfer(&self, id: &str, by: &str, at: &str, note: &str) -> Result<(), ServiceError> {
        self.db()?
            .prepare(
                "UPDATE ledger_transfers SET status = 'rejected', decided_by = ?2, decided_at = ?3, note = ?4 \
                 WHERE id = ?1 AND status = 'pending'",
            )
            .bind(&[id.into(), by.into(), at.into(), note.into()])
            .storage()?
            .run()
            .await
            .storage()?;
        Ok(())
    }
}
