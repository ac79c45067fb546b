//! Cross-district transfer requests (跨区迁移, issue 16): a village of
//! district B asks for a person registered in district A; B's side agrees
//! to receive, A's side releases, and the move runs as idempotent steps
//! over the two districts' databases. The rules and the state machine are
//! `ledger::district_transfer`; these use cases load, authorize, store and
//! run the steps.
//!
//! Ports: [`DistrictTransferPort`] is the principal's own district (its
//! ledger, as [`LedgerPort`], and its end of a move, [`MoveEnd`]) plus the
//! directory's request rows and a way to open the destination district's
//! end. The worker implements it over D1 (`store/district_transfers.rs`),
//! [`super::memory`] in memory.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::LedgerPort;
use super::transfers::Decision;
use crate::access::{DenyReason, Principal, lookup};
use crate::ledger::district_transfer::{
    self, DistrictTransfer, DistrictTransferStatus as S, DistrictTransferView, MoveIn, MoveOut, Names, NewDistrictTransfer, check_request,
    district_of, may_receive, may_release, may_request, may_see, plan_move_in, plan_move_out, reached_origin,
};
use crate::ledger::transfer::check_decision;
use crate::ledger::{LedgerRecord, Write};
use crate::messages::Text;
use crate::service::{Now, ServiceError};

/// One district's end of a move (its own database).
#[allow(async_fn_in_trait)]
pub trait MoveEnd {
    /// Step out: applies `write` (the record's next version, fields
    /// unchanged) and marks the record moved out by `transfer_id`, if the
    /// record is at `write.expected_version` and live; `Done` too when an
    /// earlier try marked it.
    async fn move_out(&self, write: &Write, transfer_id: &str) -> Result<MoveOut, ServiceError>;
    /// Step in: inserts `write`'s record and history unless a record with
    /// its id exists (`Done`, an earlier try) or another live record holds
    /// `key` in `key_field` (`KeyTaken`).
    async fn move_in(&self, write: &Write, key_field: &str, key: &str) -> Result<MoveIn, ServiceError>;
}

impl<T: MoveEnd> MoveEnd for Rc<T> {
    async fn move_out(&self, write: &Write, transfer_id: &str) -> Result<MoveOut, ServiceError> {
        (**self).move_out(write, transfer_id).await
    }

    async fn move_in(&self, write: &Write, key_field: &str, key: &str) -> Result<MoveIn, ServiceError> {
        (**self).move_in(write, key_field, key).await
    }
}

/// The principal's district, the directory's cross-district requests, and
/// the other districts' ends of a move.
#[allow(async_fn_in_trait)]
pub trait DistrictTransferPort: LedgerPort + MoveEnd {
    type Destination: MoveEnd;
    async fn district_transfer(&self, id: &str) -> Result<Option<DistrictTransfer>, ServiceError>;
    /// The open (not moved, not rejected) request for `key` into `to_org_unit`.
    async fn open_district_transfer(&self, entity: &str, key: &str, to_org_unit: &str) -> Result<Option<DistrictTransfer>, ServiceError>;
    /// Stores a new request; `false` when its id, or an open request for
    /// the same key and destination, exists.
    async fn add_district_transfer(&self, t: &DistrictTransfer) -> Result<bool, ServiceError>;
    /// Requests into units inside `scope` (B's side), at most 200, newest first.
    async fn district_transfers_into(&self, scope: &str) -> Result<Vec<DistrictTransfer>, ServiceError>;
    /// Requests that reached `district` as the origin (A's side), at most 200.
    async fn district_transfers_from(&self, district: &str) -> Result<Vec<DistrictTransfer>, ServiceError>;
    /// Replaces the stored row by `t` if its status is still `expected`.
    async fn update_district_transfer(&self, t: &DistrictTransfer, expected: S) -> Result<bool, ServiceError>;
    /// The served districts' names by code.
    async fn district_names(&self) -> Result<BTreeMap<String, String>, ServiceError>;
    /// The move's end in another district.
    async fn destination(&self, district: &str) -> Result<Self::Destination, ServiceError>;
}

fn not_found() -> ServiceError {
    ServiceError::NotFound { what: "transfer request", zh: "该迁移申请" }
}

fn key_field<P: LedgerPort>(port: &P, entity: &str) -> Result<Option<String>, ServiceError> {
    Ok(port.record_types()?.get(entity).and_then(|rt| rt.district_key_field().map(str::to_owned)))
}

/// The live record of this district holding the request's key.
async fn live_holder<P: LedgerPort>(port: &P, t: &DistrictTransfer) -> Result<Option<LedgerRecord>, ServiceError> {
    let Some(field) = key_field(port, &t.entity)? else { return Ok(None) };
    Ok(port.records_with_keys(&t.entity, &field, std::slice::from_ref(&t.key)).await?.into_iter().next())
}

/// The record A holds (held) for `t`, read only on A's side: live while
/// awaiting release, the one fixed by the approval after (kept in A even
/// once marked moved out, at the unit it left).
async fn origin_record<P: DistrictTransferPort>(
    port: &P,
    principal: &Principal,
    t: &DistrictTransfer,
) -> Result<Option<LedgerRecord>, ServiceError> {
    if district_of(&principal.org_unit) != t.from_district || !reached_origin(t) {
        return Ok(None);
    }
    match (t.status, &t.record_id) {
        (S::AwaitingRelease, _) => live_holder(port, t).await,
        (S::Moving | S::Moved, Some(id)) => Ok(port.get(id).await?),
        _ => Ok(None),
    }
}

/// Why the reader cannot approve `t` now (`None`: it can, or does not decide).
async fn blocked<P: DistrictTransferPort>(
    port: &P,
    principal: &Principal,
    t: &DistrictTransfer,
    holder: Option<&LedgerRecord>,
) -> Result<Option<Text>, ServiceError> {
    Ok(match t.status {
        S::AwaitingReceive if may_receive(principal, t) => live_holder(port, t).await?.map(|_| district_transfer::already_here_message()),
        S::AwaitingRelease if holder.is_none() => Some(district_transfer::not_held_message()),
        _ => None,
    })
}

async fn views<P: DistrictTransferPort>(
    port: &P,
    principal: &Principal,
    rows: Vec<DistrictTransfer>,
) -> Result<Vec<DistrictTransferView>, ServiceError> {
    let types = port.record_types()?;
    let mut seen = Vec::new();
    for t in rows {
        let holder = origin_record(port, principal, &t).await?;
        let holder_unit = holder.as_ref().map(|r| r.org_unit.clone()).or_else(|| t.from_org_unit.clone());
        if !may_see(principal, &t, holder_unit.as_deref()) {
            continue;
        }
        let blocked = blocked(port, principal, &t, holder.as_ref()).await?;
        seen.push((t, holder, blocked));
    }
    let own = district_of(&principal.org_unit).to_owned();
    let mut codes: Vec<&str> = Vec::new();
    let mut users: Vec<&str> = Vec::new();
    for (t, holder, _) in &seen {
        // Only this district's units are named: the other's stay codes.
        codes.extend(
            std::iter::once(t.to_org_unit.as_str()).chain(holder.as_ref().map(|r| r.org_unit.as_str())).filter(|c| district_of(c) == own),
        );
        users.extend([Some(t.requested_by.as_str()), t.received_by.as_deref(), t.decided_by.as_deref()].into_iter().flatten());
    }
    let units = port.unit_names(&codes).await?;
    let people = port.display_names(&users).await?;
    let districts = port.district_names().await?;
    let unit = |c: &str| units.get(c).cloned().unwrap_or_else(|| c.to_owned());
    let person = |u: &str| people.get(u).cloned().unwrap_or_else(|| u.to_owned());
    let district = |c: &str| districts.get(c).cloned().unwrap_or_else(|| c.to_owned());
    let names = Names { unit: &unit, person: &person, district: &district };
    Ok(seen
        .into_iter()
        .filter_map(|(t, holder, blocked)| {
            let record_type = types.get(&t.entity)?;
            Some(district_transfer::view(principal, record_type, &t, holder.as_ref(), blocked, &names))
        })
        .collect())
}

async fn view_of<P: DistrictTransferPort>(port: &P, principal: &Principal, id: &str) -> Result<DistrictTransferView, ServiceError> {
    let t = port.district_transfer(id).await?.ok_or_else(not_found)?;
    views(port, principal, vec![t]).await?.pop().ok_or_else(not_found)
}

/// What a request is answered: the request as the requester sees it, a
/// message that names no one, and whether it was stored now (201).
#[derive(Debug, Clone, PartialEq)]
pub struct Requested {
    pub view: DistrictTransferView,
    pub message: Text,
    pub created: bool,
}

/// `POST /api/ledger/district-transfers` `{request_id, entity, key,
/// from_district, to_org_unit, reason?}`.
///
/// Reads nothing of district A: the answer is the same (body, shape and
/// work done) whether or not A holds the key, and each new request counts
/// against the requester's daily refused-lookup budget. Retry: the
/// client's request id finds its row (200); an open request for the same
/// key and destination is answered instead of a second one.
pub async fn request<P: DistrictTransferPort>(
    port: &P,
    principal: &Principal,
    mut request: NewDistrictTransfer,
    now: &Now,
) -> Result<Requested, ServiceError> {
    let types = port.record_types()?;
    check_request(types.get(&request.entity), &mut request).map_err(ServiceError::Validation)?;
    if !may_request(principal, &request.to_org_unit) {
        return Err(ServiceError::Forbidden(DenyReason::OutOfScope));
    }
    if !port.district_names().await?.contains_key(&request.from_district) {
        return Err(ServiceError::Validation(vec![crate::field_error::FieldError::zh_en(
            "/from_district",
            "unknown_district",
            "本系统不服务这个区县",
            "this deployment does not serve that district",
        )]));
    }
    let answer = |view, created| Requested { view, message: district_transfer::requested_message(), created };
    if let Some(t) = port.district_transfer(&request.request_id).await? {
        if t.requested_by != principal.username
            || t.key != request.key
            || t.to_org_unit != request.to_org_unit
            || t.from_district != request.from_district
        {
            return Err(ServiceError::Conflict {
                code: "request_id_taken",
                message: Text::new("申请编号已被另一份申请使用", "this request_id belongs to another request"),
            });
        }
        return Ok(answer(view_of(port, principal, &t.id).await?, false));
    }
    if let Some(t) = port.open_district_transfer(&request.entity, &request.key, &request.to_org_unit).await? {
        return Ok(answer(view_of(port, principal, &t.id).await?, false));
    }
    let total = port.count_refused_lookups(&principal.user_id, super::lookup::lookup_day(now), 1).await?;
    if lookup::over_daily_limit(total) {
        return Err(ServiceError::Limited { code: "lookup_limit", message: lookup::limit_message() });
    }
    let t = DistrictTransfer {
        id: request.request_id,
        entity: request.entity,
        key: request.key,
        from_district: request.from_district,
        to_org_unit: request.to_org_unit,
        reason: request.reason,
        requested_by: principal.username.clone(),
        requested_at: now.instant.clone(),
        status: S::AwaitingReceive,
        received_by: None,
        received_at: None,
        decided_by: None,
        decided_at: None,
        note: None,
        record_id: None,
        from_org_unit: None,
        record_version: None,
    };
    let created = port.add_district_transfer(&t).await?;
    let id = if created {
        t.id.clone()
    } else {
        port.open_district_transfer(&t.entity, &t.key, &t.to_org_unit).await?.ok_or_else(not_found)?.id
    };
    Ok(answer(view_of(port, principal, &id).await?, created))
}

/// `GET /api/ledger/district-transfers`: the requests into the reader's
/// area (B's side) and, to A's deciders, those that reached A for records
/// they may read; open ones first, then the newest.
pub async fn list<P: DistrictTransferPort>(port: &P, principal: &Principal) -> Result<Vec<DistrictTransferView>, ServiceError> {
    let mut rows = port.district_transfers_into(&principal.org_unit).await?;
    if district_transfer::is_decider(principal) {
        rows.extend(port.district_transfers_from(district_of(&principal.org_unit)).await?);
    }
    rows.sort_by(|a, b| {
        let open = |t: &DistrictTransfer| matches!(t.status, S::Moved | S::Rejected);
        open(a).cmp(&open(b)).then_with(|| b.requested_at.cmp(&a.requested_at)).then_with(|| a.id.cmp(&b.id))
    });
    rows.dedup_by(|a, b| a.id == b.id);
    views(port, principal, rows).await
}

fn already_decided(view: &DistrictTransferView) -> ServiceError {
    let by = view.decided_by.as_deref().or(view.received_by.as_deref()).unwrap_or("");
    ServiceError::Conflict {
        code: "already_decided",
        message: Text::new(format!("该申请已由 {by} 处理"), format!("already decided by {by}")),
    }
}

/// `POST /api/ledger/district-transfers/{id}/decision` `{approve, note?}`,
/// by B's side while it awaits receiving, by A's side after.
///
/// Retry/crash: every transition is a conditional update of the directory
/// row, so a second decider (or a retry) finds it decided and is answered
/// as stored (409 `already_decided` when it wanted the other outcome). A's
/// approval fixes the record and version in the row (`moving`) and then
/// runs the steps ([`finish`]); the same approval sent again while the row
/// is `moving` runs them again, and each is idempotent, so a crash at any
/// point is finished by the retry.
pub async fn decide<P: DistrictTransferPort>(
    port: &P,
    principal: &Principal,
    id: &str,
    decision: &Decision,
    now: &Now,
) -> Result<DistrictTransferView, ServiceError> {
    let t = port.district_transfer(id).await?.ok_or_else(not_found)?;
    let holder = origin_record(port, principal, &t).await?;
    let holder_unit = holder.as_ref().map(|r| r.org_unit.clone()).or_else(|| t.from_org_unit.clone());
    let deciding = match t.status {
        S::AwaitingReceive => may_receive(principal, &t),
        S::AwaitingRelease | S::Moving => reached_origin(&t) && may_release(principal, &t, holder_unit.as_deref()),
        S::Moved | S::Rejected => false,
    };
    if !deciding {
        if !may_see(principal, &t, holder_unit.as_deref()) {
            return Err(not_found());
        }
        let view = view_of(port, principal, id).await?;
        // Decided: the same outcome answers as stored; anything else is a
        // conflict, or not this reader's to decide.
        let a_side = district_of(&principal.org_unit) == t.from_district;
        let satisfied = match (decision.approve, t.status) {
            (false, S::Rejected) => true,
            (true, S::Moved) => true,
            (true, S::AwaitingRelease | S::Moving) => !a_side && may_receive(principal, &t),
            _ => false,
        };
        return match t.status {
            _ if satisfied => Ok(view),
            S::Moved | S::Rejected => Err(already_decided(&view)),
            _ if may_receive(principal, &t) => Err(already_decided(&view)),
            _ => Err(ServiceError::Forbidden(DenyReason::NotForRole)),
        };
    }
    if t.status == S::Moving {
        if !decision.approve {
            return Err(already_decided(&view_of(port, principal, id).await?));
        }
        return finish(port, principal, t, now).await;
    }
    check_decision(decision.approve, &decision.note).map_err(ServiceError::Validation)?;
    let note = decision.note.trim().to_owned();
    let mut next = t.clone();
    if !decision.approve {
        next.status = S::Rejected;
        next.decided_by = Some(principal.username.clone());
        next.decided_at = Some(now.instant.clone());
        next.note = Some(note);
        next.from_org_unit = holder_unit;
    } else if t.status == S::AwaitingReceive {
        if live_holder(port, &t).await?.is_some() {
            return Err(ServiceError::Conflict { code: "cannot_receive", message: district_transfer::already_here_message() });
        }
        next.status = S::AwaitingRelease;
        next.received_by = Some(principal.username.clone());
        next.received_at = Some(now.instant.clone());
        next.note = Some(note).filter(|n| !n.is_empty());
    } else {
        let record =
            holder.ok_or_else(|| ServiceError::Conflict { code: "cannot_move", message: district_transfer::not_held_message() })?;
        next.status = S::Moving;
        next.decided_by = Some(principal.username.clone());
        next.decided_at = Some(now.instant.clone());
        next.note = Some(note).filter(|n| !n.is_empty()).or(next.note);
        next.record_id = Some(record.id.clone());
        next.from_org_unit = Some(record.org_unit.clone());
        next.record_version = Some(record.version);
    }
    if !port.update_district_transfer(&next, t.status).await? {
        // Decided meanwhile: a move another approval started is finished
        // here too (its row, not ours); anything else answers as stored.
        let now_stored = port.district_transfer(id).await?.ok_or_else(not_found)?;
        if now_stored.status == S::Moving && decision.approve && t.status == S::AwaitingRelease {
            return finish(port, principal, now_stored, now).await;
        }
        let view = view_of(port, principal, id).await?;
        // An approval is answered as stored once the request moved past
        // where this decision found it (another decider's approval, or a
        // move already finished); a rejection once it is rejected.
        let same = match (decision.approve, view.status) {
            (false, status) => status == S::Rejected,
            (true, status) => status != S::Rejected && status != t.status,
        };
        return if same { Ok(view) } else { Err(already_decided(&view)) };
    }
    if next.status == S::Moving {
        return finish(port, principal, next, now).await;
    }
    view_of(port, principal, id).await
}

/// Runs the move of a `moving` request, each step idempotent: out in A
/// (conditional on the approved version), in at B (insert-or-ignore by
/// the id made of the transfer id), then the row `moving` → `moved`. A
/// record changed in A between the approval and step out sends the row
/// back to `awaiting_release` (nothing moved): 409 `record_changed`.
async fn finish<P: DistrictTransferPort>(
    port: &P,
    principal: &Principal,
    t: DistrictTransfer,
    now: &Now,
) -> Result<DistrictTransferView, ServiceError> {
    let broken = || ServiceError::Storage(format!("district transfer {} is moving without its record", t.id));
    let (record_id, version) = (t.record_id.as_deref().ok_or_else(broken)?, t.record_version.ok_or_else(broken)?);
    let (by, at) = (t.decided_by.clone().unwrap_or_default(), t.decided_at.clone().unwrap_or_else(|| now.instant.clone()));
    let mut record = port.get(record_id).await?.ok_or_else(broken)?;
    record.version = version;
    if port.move_out(&plan_move_out(&record, &t, &by, &at), &t.id).await? == MoveOut::Changed {
        let mut back = t.clone();
        back.status = S::AwaitingRelease;
        (back.decided_by, back.decided_at, back.record_id, back.from_org_unit, back.record_version) = (None, None, None, None, None);
        port.update_district_transfer(&back, S::Moving).await?;
        return Err(ServiceError::Conflict {
            code: "record_changed",
            message: Text::new("该记录刚被修改，请刷新后再处理", "the record changed meanwhile; reload and decide again"),
        });
    }
    let field = key_field(port, &t.entity)?.ok_or_else(broken)?;
    let destination = port.destination(district_of(&t.to_org_unit)).await?;
    // KeyTaken: B entered the person meanwhile; B's record stands alone.
    destination.move_in(&plan_move_in(&record, &t, &by, &at), &field, &t.key).await?;
    let mut done = t.clone();
    done.status = S::Moved;
    port.update_district_transfer(&done, S::Moving).await?;
    view_of(port, principal, &t.id).await
}

#[cfg(test)]
#[path = "district_transfers_tests.rs"]
mod tests;
