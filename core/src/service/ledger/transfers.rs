//! Transfer requests (迁移申请, issue 13): village staff ask for a record
//! registered elsewhere in the district to move into their village; the
//! town centre (or, across towns, the district's 行政专员) decides. The
//! rules are `ledger::transfer`; these use cases load, authorize and store.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{StoredTransfer, TransferPort};
use crate::access::{DenyReason, Principal, lookup};
use crate::ledger::LedgerRecord;
use crate::ledger::transfer::{
    self, NewTransfer, Transfer, TransferStatus, TransferView, check_decision, check_request, may_decide, may_request, may_see, plan_move,
};
use crate::messages::Text;
use crate::service::{Now, ServiceError};

fn not_found() -> ServiceError {
    ServiceError::NotFound { what: "transfer request", zh: "该迁移申请" }
}

/// The record holding the request's key now, in any unit (`None`: not
/// registered).
async fn holder<P: TransferPort>(port: &P, t: &Transfer) -> Result<Option<LedgerRecord>, ServiceError> {
    let types = port.record_types()?;
    let Some(field) = types.get(&t.entity).and_then(|rt| rt.district_key_field().map(str::to_owned)) else { return Ok(None) };
    Ok(port.records_with_keys(&t.entity, &field, std::slice::from_ref(&t.key)).await?.into_iter().next())
}

/// What `principal` sees of each stored request it may see.
async fn views<P: TransferPort>(port: &P, principal: &Principal, rows: Vec<StoredTransfer>) -> Result<Vec<TransferView>, ServiceError> {
    let types = port.record_types()?;
    let mut seen = Vec::new();
    for row in rows {
        let t = row.transfer;
        // Decided: the record as the decision found it; pending: as it is now.
        let record = match (t.status, &row.record_id, &row.from_org_unit) {
            (TransferStatus::Approved, Some(_), Some(from)) => holder(port, &t).await?.map(|mut r| {
                r.org_unit = from.clone();
                r
            }),
            (TransferStatus::Pending, _, _) => holder(port, &t).await?,
            _ => None,
        };
        if !may_see(principal, &t, record.as_ref().map(|r| r.org_unit.as_str())) {
            continue;
        }
        seen.push((t, record));
    }
    let mut units = BTreeMap::new();
    let mut users: Vec<&str> = Vec::new();
    for (t, record) in &seen {
        for code in std::iter::once(&t.to_org_unit).chain(record.as_ref().map(|r| &r.org_unit)) {
            if !units.contains_key(code) {
                let name = port.org_unit(code).await?.map_or_else(|| code.clone(), |u| u.name);
                units.insert(code.clone(), name);
            }
        }
        users.push(&t.requested_by);
        users.extend(t.decided_by.as_deref());
    }
    let names = port.display_names(&users).await?;
    let unit_name = |c: &str| units.get(c).cloned().unwrap_or_else(|| c.to_owned());
    let person_name = |u: &str| names.get(u).cloned().unwrap_or_else(|| u.to_owned());
    Ok(seen
        .iter()
        .filter_map(|(t, record)| {
            let record_type = types.get(&t.entity)?;
            Some(transfer::view(principal, record_type, t, record.as_ref(), &unit_name, &person_name))
        })
        .collect())
}

async fn view_of<P: TransferPort>(port: &P, principal: &Principal, id: &str) -> Result<TransferView, ServiceError> {
    let row = port.transfer(id).await?.ok_or_else(not_found)?;
    views(port, principal, vec![row]).await?.pop().ok_or_else(not_found)
}

/// What a request is answered: the request as the requester sees it, a
/// message that names no one, and whether it was stored now (201) or
/// found (200).
#[derive(Debug, Clone, PartialEq)]
pub struct Requested {
    pub view: TransferView,
    pub message: Text,
    pub created: bool,
}

/// `POST /api/ledger/transfers` `{request_id, entity, key, to_org_unit, reason?}`.
///
/// The answer is the same whether or not the key is registered anywhere,
/// and each new request counts against the requester's daily
/// refused-lookup budget (429 once it is used up): asking is no way to
/// learn who lives where. Retry: the request id is the client's, so a
/// retried request finds its row (200); a pending request for the same
/// key and destination is answered instead of a second one, also when it
/// won a race with this one.
pub async fn request<P: TransferPort>(
    port: &P,
    principal: &Principal,
    mut request: NewTransfer,
    now: &Now,
) -> Result<Requested, ServiceError> {
    let types = port.record_types()?;
    check_request(types.get(&request.entity), &mut request).map_err(ServiceError::Validation)?;
    if !may_request(principal, &request.to_org_unit) {
        return Err(ServiceError::Forbidden(DenyReason::OutOfScope));
    }
    let answer = |view: TransferView, created: bool| Requested { view, message: transfer::requested_message(), created };
    if let Some(row) = port.transfer(&request.request_id).await? {
        let t = row.transfer;
        if t.requested_by != principal.username || t.key != request.key || t.to_org_unit != request.to_org_unit {
            return Err(ServiceError::Conflict {
                code: "request_id_taken",
                message: Text::new("申请编号已被另一份申请使用", "this request_id belongs to another request"),
            });
        }
        return Ok(answer(view_of(port, principal, &t.id).await?, false));
    }
    if let Some(row) = port.pending_transfer(&request.entity, &request.key, &request.to_org_unit).await? {
        return Ok(answer(view_of(port, principal, &row.transfer.id).await?, false));
    }
    let total = port.count_refused_lookups(&principal.user_id, super::lookup::lookup_day(now), 1).await?;
    if lookup::over_daily_limit(total) {
        return Err(ServiceError::Limited { code: "lookup_limit", message: lookup::limit_message() });
    }
    let t = Transfer {
        id: request.request_id.clone(),
        entity: request.entity,
        key: request.key,
        to_org_unit: request.to_org_unit,
        reason: request.reason,
        requested_by: principal.username.clone(),
        requested_at: now.instant.clone(),
        status: TransferStatus::Pending,
        decided_by: None,
        decided_at: None,
        note: None,
    };
    let created = port.add_transfer(&t).await?;
    // Lost a race to an identical pending request: answer that one.
    let id = if created {
        t.id.clone()
    } else {
        port.pending_transfer(&t.entity, &t.key, &t.to_org_unit).await?.ok_or_else(not_found)?.transfer.id
    };
    Ok(answer(view_of(port, principal, &id).await?, created))
}

/// `GET /api/ledger/transfers`: the requests into the reader's area it may
/// see — a village its own, a town centre its town's, the district's
/// 行政专员 all — pending first.
pub async fn list<P: TransferPort>(port: &P, principal: &Principal) -> Result<Vec<TransferView>, ServiceError> {
    let rows = port.transfers(&principal.org_unit).await?;
    views(port, principal, rows).await
}

/// A decision on a request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Decision {
    pub approve: bool,
    #[serde(default)]
    pub note: String,
}

/// `POST /api/ledger/transfers/{id}/decision` `{approve, note?}`.
///
/// Retry/crash: approval writes the decision, the move and its history in
/// one batch conditional on the request being pending and the record at
/// the version read; a retry (or a second decider) finds it decided and
/// gets it as stored (when it asked for the same outcome; 409
/// `already_decided` otherwise). A record changed between the read and the
/// batch leaves the request pending: 409 `record_changed`, try again.
pub async fn decide<P: TransferPort>(
    port: &P,
    principal: &Principal,
    id: &str,
    decision: &Decision,
    now: &Now,
) -> Result<TransferView, ServiceError> {
    let t = port.transfer(id).await?.ok_or_else(not_found)?.transfer;
    let record = if t.status == TransferStatus::Pending { holder(port, &t).await? } else { None };
    let from = record.as_ref().map(|r| r.org_unit.as_str());
    if t.status == TransferStatus::Pending && !may_decide(principal, from, &t.to_org_unit) {
        // A requester, or a centre of another town: not found to those who
        // may not even see it, forbidden to the rest.
        return Err(if may_see(principal, &t, from) { ServiceError::Forbidden(DenyReason::NotForRole) } else { not_found() });
    }
    let wanted = if decision.approve { TransferStatus::Approved } else { TransferStatus::Rejected };
    let answer_decided = |view: TransferView| {
        if view.status == wanted {
            Ok(view)
        } else {
            Err(ServiceError::Conflict {
                code: "already_decided",
                message: Text::new(
                    format!("该申请已由 {} 处理", view.decided_by.as_deref().unwrap_or("")),
                    format!("already decided by {}", view.decided_by.as_deref().unwrap_or("")),
                ),
            })
        }
    };
    if t.status != TransferStatus::Pending {
        return answer_decided(view_of(port, principal, id).await?);
    }
    check_decision(decision.approve, &decision.note).map_err(ServiceError::Validation)?;
    let note = decision.note.trim();
    if decision.approve {
        if let Some(blocked) = transfer::blocked(record.as_ref(), &t.to_org_unit) {
            return Err(ServiceError::Conflict { code: "cannot_move", message: blocked.message() });
        }
        let record = record.ok_or_else(not_found)?;
        let write = plan_move(&record, &t.to_org_unit, &principal.username, &now.instant);
        if port.approve_transfer(id, &write, &record.org_unit, note).await.is_err() {
            // Decided meanwhile, or the record moved on: say which.
            let view = view_of(port, principal, id).await?;
            if view.status != TransferStatus::Pending {
                return answer_decided(view);
            }
            let current = port.get(&record.id).await?;
            if current.is_some_and(|c| c.version != record.version) {
                return Err(ServiceError::Conflict {
                    code: "record_changed",
                    message: Text::new("该记录刚被修改，请刷新后再处理", "the record changed meanwhile; reload and decide again"),
                });
            }
            return Err(ServiceError::Storage("transfer batch failed".into()));
        }
    } else {
        port.reject_transfer(id, &principal.username, &now.instant, note).await?;
    }
    answer_decided(view_of(port, principal, id).await?)
}
