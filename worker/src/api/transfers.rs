//! Transfer requests (迁移申请, issue 13): village staff ask for a record
//! registered elsewhere in the district to move into their village; the
//! town centre (or, across towns, the district's 行政专员) decides. The
//! rules are `ybt_core::ledger::transfer`; this module loads, authorizes
//! and stores.

use std::collections::BTreeMap;

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::LedgerRecord;
use ybt_core::access::Principal;
use ybt_core::ledger::LedgerStore;
use ybt_core::ledger::transfer::{
    self, NewTransfer, Transfer, TransferStatus, TransferView, check_decision, check_request, may_decide, may_request, may_see, plan_move,
};
use ybt_core::messages::Text;

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::{Store, TransferRow};
use crate::template_cache;

fn not_found() -> AppError {
    AppError::NotFound { what: "transfer request", zh: "该迁移申请" }
}

/// The record holding the request's key now, in any unit (`None`: not
/// registered).
async fn holder(store: &Store, t: &Transfer) -> Result<Option<LedgerRecord>, AppError> {
    let types = template_cache::record_types()?;
    let Some(field) = types.get(&t.entity).and_then(|rt| rt.district_key_field().map(str::to_owned)) else { return Ok(None) };
    Ok(store.records_with_keys(&t.entity, &field, std::slice::from_ref(&t.key)).await?.into_iter().next())
}

/// What `principal` sees of each stored request it may see.
async fn views(store: &Store, principal: &Principal, rows: Vec<TransferRow>) -> Result<Vec<TransferView>, AppError> {
    let types = template_cache::record_types()?;
    let mut seen = Vec::new();
    for row in rows {
        let t = row.transfer()?;
        // Decided: the record as the decision found it; pending: as it is now.
        let record = match (t.status, &row.record_id, &row.from_org_unit) {
            (TransferStatus::Approved, Some(_), Some(from)) => holder(store, &t).await?.map(|mut r| {
                r.org_unit = from.clone();
                r
            }),
            (TransferStatus::Pending, _, _) => holder(store, &t).await?,
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
                let name = store.org_unit(code).await?.map_or_else(|| code.clone(), |u| u.name);
                units.insert(code.clone(), name);
            }
        }
        users.push(&t.requested_by);
        users.extend(t.decided_by.as_deref());
    }
    let names = store.display_names(&users).await?;
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

async fn view_of(store: &Store, principal: &Principal, id: &str) -> Result<TransferView, AppError> {
    let row = store.transfer(id).await?.ok_or_else(not_found)?;
    views(store, principal, vec![row]).await?.pop().ok_or_else(not_found)
}

/// `POST /api/ledger/transfers` `{request_id, entity, key, to_org_unit, reason?}`.
///
/// The answer is the same whether or not the key is registered anywhere
/// (201 with the request as the requester sees it and a message that names
/// no one), and each new request counts against the requester's daily
/// refused-lookup budget (429 once it is used up): asking is no way to
/// learn who lives where. Retry: the request id is the client's, so a
/// retried request finds its row (200); a pending request for the same
/// key and destination is answered instead of a second one.
pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<serde_json::Value>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let mut request: NewTransfer = read_json(&mut req).await?;
    let types = template_cache::record_types()?;
    check_request(types.get(&request.entity), &mut request).map_err(AppError::Validation)?;
    if !may_request(&principal, &request.to_org_unit) {
        return Err(AppError::Forbidden(ybt_core::access::DenyReason::OutOfScope));
    }
    let answer = |view: TransferView, status: u16| {
        let message = transfer::requested_message();
        Json(status, serde_json::json!({ "transfer": view, "message": message }))
    };
    if let Some(row) = store.transfer(&request.request_id).await? {
        let t = row.transfer()?;
        if t.requested_by != principal.username || t.key != request.key || t.to_org_unit != request.to_org_unit {
            return Err(AppError::Conflict {
                code: "request_id_taken",
                message: Text::new("申请编号已被另一份申请使用", "this request_id belongs to another request"),
            });
        }
        return Ok(answer(view_of(&store, &principal, &t.id).await?, 200));
    }
    if let Some(row) = store.pending_transfer(&request.entity, &request.key, &request.to_org_unit).await? {
        return Ok(answer(view_of(&store, &principal, &row.transfer()?.id).await?, 200));
    }
    let now = now_rfc3339();
    let total = store.count_refused_lookups(&principal.user_id, now.get(..10).unwrap_or_default(), 1).await?;
    if ybt_core::access::lookup::over_daily_limit(total) {
        return Err(AppError::Limited { code: "lookup_limit", message: ybt_core::access::lookup::limit_message() });
    }
    let t = Transfer {
        id: request.request_id.clone(),
        entity: request.entity,
        key: request.key,
        to_org_unit: request.to_org_unit,
        reason: request.reason,
        requested_by: principal.username.clone(),
        requested_at: now,
        status: TransferStatus::Pending,
        decided_by: None,
        decided_at: None,
        note: None,
    };
    let created = store.add_transfer(&t).await?;
    // Lost a race to an identical pending request: answer that one.
    let id = if created {
        t.id.clone()
    } else {
        store.pending_transfer(&t.entity, &t.key, &t.to_org_unit).await?.ok_or_else(not_found)?.transfer()?.id
    };
    Ok(answer(view_of(&store, &principal, &id).await?, if created { 201 } else { 200 }))
}

/// `GET /api/ledger/transfers`: the requests into the reader's area it may
/// see — a village its own, a town centre its town's, the district's
/// 行政专员 all — pending first.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TransferView>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let rows = store.transfers(&principal.org_unit).await?;
    Ok(Json(200, views(&store, &principal, rows).await?))
}

#[derive(Deserialize)]
struct DecisionRequest {
    approve: bool,
    #[serde(default)]
    note: String,
}

/// `POST /api/ledger/transfers/{id}/decision` `{approve, note?}`.
///
/// Retry/crash: approval writes the decision, the move and its history in
/// one batch conditional on the request being pending and the record at
/// the version read; a retry (or a second decider) finds it decided and
/// gets it as stored (200 when it asked for the same outcome, 409
/// `already_decided` otherwise). A record changed between the read and the
/// batch leaves the request pending: 409 `record_changed`, try again.
pub async fn decide(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TransferView>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let decision: DecisionRequest = read_json(&mut req).await?;
    let row = store.transfer(&id).await?.ok_or_else(not_found)?;
    let t = row.transfer()?;
    let record = if t.status == TransferStatus::Pending { holder(&store, &t).await? } else { None };
    let from = record.as_ref().map(|r| r.org_unit.as_str());
    if t.status == TransferStatus::Pending && !may_decide(&principal, from, &t.to_org_unit) {
        // A requester, or a centre of another town: not found to those who
        // may not even see it, forbidden to the rest.
        return Err(if may_see(&principal, &t, from) {
            AppError::Forbidden(ybt_core::access::DenyReason::NotForRole)
        } else {
            not_found()
        });
    }
    let wanted = if decision.approve { TransferStatus::Approved } else { TransferStatus::Rejected };
    let answer_decided = |view: TransferView| {
        if view.status == wanted {
            Ok(Json(200, view))
        } else {
            Err(AppError::Conflict {
                code: "already_decided",
                message: Text::new(
                    format!("该申请已由 {} 处理", view.decided_by.as_deref().unwrap_or("")),
                    format!("already decided by {}", view.decided_by.as_deref().unwrap_or("")),
                ),
            })
        }
    };
    if t.status != TransferStatus::Pending {
        return answer_decided(view_of(&store, &principal, &id).await?);
    }
    check_decision(decision.approve, &decision.note).map_err(AppError::Validation)?;
    let note = decision.note.trim();
    let now = now_rfc3339();
    if decision.approve {
        if let Some(blocked) = transfer::blocked(record.as_ref(), &t.to_org_unit) {
            return Err(AppError::Conflict { code: "cannot_move", message: blocked.message() });
        }
        let record = record.ok_or_else(not_found)?;
        let write = plan_move(&record, &t.to_org_unit, &principal.username, &now);
        if store.approve_transfer(&id, &write, &record.org_unit, note).await.is_err() {
            // Decided meanwhile, or the record moved on: say which.
            let view = view_of(&store, &principal, &id).await?;
            if view.status != TransferStatus::Pending {
                return answer_decided(view);
            }
            let current = store.get(&record.id).await?;
            if current.is_some_and(|c| c.version != record.version) {
                return Err(AppError::Conflict {
                    code: "record_changed",
                    message: Text::new("该记录刚被修改，请刷新后再处理", "the record changed meanwhile; reload and decide again"),
                });
            }
            return Err(AppError::Internal("transfer batch failed".into()));
        }
    } else {
        store.reject_transfer(&id, &principal.username, &now, note).await?;
    }
    answer_decided(view_of(&store, &principal, &id).await?)
}
