//! A department's own system pushes records with its API key: the same
//! validation, dedup, versioning and history as a file import, with
//! `source = department`.

use serde_json::Value;

use super::lookup::{add_records_elsewhere, apply_batch};
use super::{Body, LedgerPort, unit_not_found};
use crate::access::{Decision, IngestKey, authorize_ingest};
use crate::api::ImportAnswer;
use crate::import::{ImportSummary, Limits, UpsertTarget, ingest_keys, plan_ingest};
use crate::ledger::{ChangeMeta, Source};
use crate::service::{Now, ServiceError};

/// `POST /api/ingest/{entity}?org_unit=CODE` by the department `key`.
///
/// Retry and crash: as for a file import — every record is checked before
/// anything is written, the writes go in atomic batches of 2,000, and
/// pushing the same records again completes an interrupted push without
/// repeating what was stored.
pub async fn ingest<P: LedgerPort>(
    port: &P,
    key: &IngestKey,
    entity: &str,
    org_unit: &str,
    body: impl Body<Vec<Value>>,
    now: &Now,
) -> Result<ImportAnswer, ServiceError> {
    if let Decision::Deny(reason) = authorize_ingest(key, org_unit, entity) {
        return Err(ServiceError::Forbidden(reason));
    }
    let records = &body.read().await?;
    let unit = port.org_unit(org_unit).await?.ok_or_else(unit_not_found)?;
    let mut existing = port.list(&unit.code, entity).await?;
    let types = port.record_types()?;
    let record_type = types.get(entity).ok_or(ServiceError::NotFound { what: "ledger record type", zh: "该台账类型" })?;
    let keys = ingest_keys(&types, entity, records);
    // A department's system learns no more than a village would: keys
    // registered elsewhere are refused naming no one.
    let elsewhere = add_records_elsewhere(port, record_type, &unit.code, &keys, &mut existing, None).await?;
    let meta =
        ChangeMeta { changed_by: format!("{} ({})", key.department, key.id), changed_at: now.instant.clone(), source: Source::Department };
    let plan = plan_ingest(
        &types,
        entity,
        records,
        UpsertTarget { unit: &unit.code, meta: &meta, disclosed: &elsewhere.disclosed },
        &Limits::default(),
        &existing,
    )
    .map_err(ServiceError::Import)?;
    let batches = apply_batch(port, &plan.writes).await?;
    let summary = ImportSummary {
        header_row: 0,
        mapping: Vec::new(),
        data_rows: records.len(),
        new: plan.new,
        changed: plan.changed,
        unchanged: plan.unchanged,
        // No diff: a department's system is not told what the ledger held.
        added: Vec::new(),
        diff: Vec::new(),
        held: 0,
        reading: Default::default(),
    };
    Ok(ImportAnswer { committed: true, summary, batches, ..ImportAnswer::default() })
}
