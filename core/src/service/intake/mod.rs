//! Ledger intake (新增对象审核, issue 8) as use cases: a town coordinator
//! lists the new records its villages' surveys queued at close, and accepts
//! (the record joins the ledger, history source `survey`) or rejects each
//! with a reason. The rules are [`crate::survey::intake`]; the queue is
//! behind the [`IntakeStore`] port.

#[cfg(test)]
mod tests;

use crate::service::require;
use serde::Deserialize;
use serde_json::Value;

use crate::access::{Action, Principal, lookup, mask_template_rows};
use crate::ledger::{ChangeMeta, LedgerRecord, Source, Write};
use crate::messages::Text;
use crate::survey::intake::{
    IntakeDecision, IntakeDecisionRequest, IntakeEntry, IntakeStatus, accepted_data, check_decision, intake_id, parse_intake_id,
    plan_accept, problems, proposed_data,
};

use super::ledger::lookup::{check_lookup_quota, screen_refusals};
use super::surveys::Schemas;
use super::{AuditLog, Directory, LookupBudget, Now, ServiceError};

/// A queued new record as stored, with its survey's template and its
/// village's name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueuedRecord {
    pub submission_id: String,
    pub subject_id: String,
    pub dispatch_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub org_unit: String,
    pub org_unit_name: String,
    pub entity: String,
    /// The submitted row, JSON text.
    pub row_values: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    pub queued_at: String,
    pub record_id: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

/// The review queue of new records, and the ledger reads accepting needs.
#[allow(async_fn_in_trait)]
pub trait IntakeStore: LookupBudget {
    /// Queued records of villages inside `scope`, optionally of one
    /// status; oldest first, at most 500.
    async fn queued(&self, scope: &str, status: Option<IntakeStatus>) -> Result<Vec<QueuedRecord>, ServiceError>;
    async fn queued_record(&self, submission_id: &str, subject_id: &str) -> Result<Option<QueuedRecord>, ServiceError>;
    /// Marks a pending entry accepted and inserts its record (with history),
    /// all or nothing: an entry decided meanwhile, or an existing record
    /// id, fails the whole write.
    async fn accept(&self, submission_id: &str, subject_id: &str, write: &Write) -> Result<(), ServiceError>;
    /// Rejects a pending entry; a decided one is left as it is.
    async fn reject(&self, submission_id: &str, subject_id: &str, reason: &str, by: &str, now: &str) -> Result<(), ServiceError>;
    /// Records of `entity` in `org_unit` (or inside it).
    async fn unit_records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// Records of `entity` in any unit whose `field` is one of `keys`.
    async fn records_with_keys(&self, entity: &str, field: &str, keys: &[String]) -> Result<Vec<LedgerRecord>, ServiceError>;
}

fn not_found() -> ServiceError {
    ServiceError::NotFound { what: "queued record", zh: "该待审核对象" }
}

fn json_error(e: serde_json::Error) -> ServiceError {
    ServiceError::Storage(format!("json: {e}"))
}

/// An entry as the reader may see it: values masked as any form, the
/// proposed record derived from them, and (pending only) what accepting as
/// it stands would refuse, checked on the unmasked values.
async fn entry_for<S: Directory>(
    principal: &Principal,
    row: QueuedRecord,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<IntakeEntry, ServiceError> {
    let template = store
        .template(&row.template_id, Some(row.template_version))
        .await?
        .ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })?;
    let status = IntakeStatus::parse(&row.status).ok_or_else(|| ServiceError::Storage(format!("queue status {}", row.status)))?;
    let mut entry = IntakeEntry {
        id: intake_id(&row.submission_id, &row.subject_id).unwrap_or_default(),
        values: serde_json::from_str(&row.row_values).map_err(json_error)?,
        submission_id: row.submission_id,
        subject_id: row.subject_id,
        dispatch_id: row.dispatch_id,
        title: row.title,
        org_unit: row.org_unit,
        org_unit_name: row.org_unit_name,
        entity: row.entity,
        status,
        queued_at: row.queued_at,
        proposed: Default::default(),
        problems: vec![],
        record_id: row.record_id,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        reason: row.reason,
    };
    if status == IntakeStatus::Pending
        && let Some(record_type) = schemas.record_types.get(&entry.entity)
    {
        entry.problems = problems(record_type, &template, &entry);
    }
    mask_template_rows(principal, schemas.catalog, &template, std::iter::once(&mut entry.values));
    entry.proposed = proposed_data(&template, &entry.entity, &entry.values);
    Ok(entry)
}

/// `GET /api/ledger-intake[?org_unit=][&status=]`: the queued new records of
/// the villages in `org_unit` (default: the reader's unit), for their town
/// coordinator. An unknown status is 400 `bad_status`.
pub async fn list_intake<S: IntakeStore + Directory>(
    principal: &Principal,
    org_unit: Option<&str>,
    status: Option<&str>,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<Vec<IntakeEntry>, ServiceError> {
    let scope = org_unit.unwrap_or(&principal.org_unit);
    require(principal, &Action::ReviewNewRecord { org_unit: scope })?;
    let status = match status {
        None | Some("") => None,
        Some(s) => Some(IntakeStatus::parse(s).ok_or(ServiceError::BadRequest {
            code: "bad_status",
            message: Text::new("status 只能是 pending、accepted 或 rejected", "status is pending, accepted or rejected"),
        })?),
    };
    let mut entries = Vec::new();
    for row in store.queued(scope, status).await? {
        entries.push(entry_for(principal, row, schemas, store).await?);
    }
    Ok(entries)
}

/// `POST /api/ledger-intake/{id}/decision`.
///
/// Retry/crash: accepting writes the decision, the record and its history
/// at once, and the record id is derived from the entry, so a retry (or a
/// second coordinator) finds the entry decided and gets it as stored
/// without writing; the same for a rejection. A decision other than the
/// stored one is 409 `already_decided`. Losing a race to another decision
/// answers what stands; a failed write of an entry still pending is the
/// store's error.
pub async fn decide_intake<S: IntakeStore + Directory + AuditLog>(
    principal: &Principal,
    id: &str,
    request: &IntakeDecisionRequest,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<IntakeEntry, ServiceError> {
    let (submission_id, subject_id) = parse_intake_id(id).ok_or_else(not_found)?;
    let row = store.queued_record(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
    require(principal, &Action::ReviewNewRecord { org_unit: &row.org_unit })?;
    check_decision(request).map_err(ServiceError::Validation)?;
    let wanted = match request.decision {
        IntakeDecision::Accept => IntakeStatus::Accepted,
        IntakeDecision::Reject => IntakeStatus::Rejected,
    };
    if row.status == IntakeStatus::Pending.as_str() {
        match request.decision {
            IntakeDecision::Reject => {
                let reason = request.reason.as_deref().unwrap_or_default().trim();
                store.reject(&submission_id, &subject_id, reason, &principal.username, &now.instant).await?;
            }
            IntakeDecision::Accept => accept(principal, row, request, now, schemas, store).await?,
        }
    } else {
        return decided(entry_for(principal, row, schemas, store).await?, wanted);
    }
    let row = store.queued_record(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
    decided(entry_for(principal, row, schemas, store).await?, wanted)
}

/// The entry as decided: itself when the decision is the one asked for,
/// else 409 `already_decided`.
fn decided(entry: IntakeEntry, wanted: IntakeStatus) -> Result<IntakeEntry, ServiceError> {
    if entry.status == wanted {
        return Ok(entry);
    }
    let by = entry.decided_by.as_deref().unwrap_or("");
    Err(ServiceError::Conflict {
        code: "already_decided",
        message: Text::new(
            format!("该对象已由 {by} 处理（{}）", entry.status.as_str()),
            format!("already decided by {by} ({})", entry.status.as_str()),
        ),
    })
}

/// Accepts a pending entry: the record is made of what was submitted
/// (unmasked) completed by the request's `data`, checked against the
/// records that may share its natural key.
async fn accept<S: IntakeStore + Directory + AuditLog>(
    principal: &Principal,
    row: QueuedRecord,
    request: &IntakeDecisionRequest,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<(), ServiceError> {
    let (submission_id, subject_id) = (row.submission_id.clone(), row.subject_id.clone());
    let template = store
        .template(&row.template_id, Some(row.template_version))
        .await?
        .ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })?;
    let record_type = schemas.record_types.get(&row.entity).ok_or(ServiceError::NotFound { what: "record type", zh: "该台账类型" })?;
    let mut entry = entry_for(principal, row, schemas, store).await?;
    let stored = store.queued_record(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
    entry.values = serde_json::from_str(&stored.row_values).map_err(json_error)?;
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.instant.clone(), source: Source::Survey };
    let draft = Value::Object(accepted_data(record_type, &template, &entry, &request.data).map_err(ServiceError::Validation)?);
    // Records that may share the natural key: every unit's for a
    // district-wide key (ID number, credit code), else the village's.
    let same_key = match (record_type.district_key_field(), record_type.natural_key(&draft)) {
        (Some(field), Some(key)) => {
            check_lookup_quota(store, principal, now).await?;
            store.records_with_keys(&entry.entity, field, &[key]).await?
        }
        _ => store.unit_records(&entry.org_unit, &entry.entity).await?,
    };
    // A record of a unit this coordinator may not see is refused naming no
    // one, and counted as a refused lookup.
    let may_name = |unit: &str| lookup::may_name(principal, unit);
    let write = match plan_accept(record_type, &template, &entry, &request.data, &same_key, &may_name, &meta) {
        Ok(write) => write,
        Err(errors) => {
            if errors.iter().any(|e| e.code == "key_in_other_unit") {
                let hidden: Vec<String> = same_key.iter().filter(|r| !may_name(&r.org_unit)).map(|r| r.id.clone()).collect();
                screen_refusals(store, principal, record_type, 1, &hidden, now).await?;
            }
            return Err(ServiceError::Validation(errors));
        }
    };
    if let Err(e) = store.accept(&submission_id, &subject_id, &write).await {
        // Lost a race (decided meanwhile): answer what stands. Still
        // pending: nothing was written; the error stands.
        let again = store.queued_record(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
        if again.status == IntakeStatus::Pending.as_str() {
            return Err(e);
        }
    }
    Ok(())
}
