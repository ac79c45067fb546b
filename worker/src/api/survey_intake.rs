//! New records from surveys joining the ledger after review (新增对象审核,
//! issue 8): a town coordinator lists the records its villages' surveys
//! queued at close, and accepts (the record is inserted, history source
//! `survey`) or rejects each with a reason. The rules are
//! `ybt_core::survey::intake`; this module loads, authorizes and stores.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal, mask_template_rows};
use ybt_core::ledger::{ChangeMeta, Source};
use ybt_core::messages::Text;
use ybt_core::survey::intake::{
    IntakeDecision, IntakeDecisionRequest, IntakeEntry, IntakeStatus, check_decision, intake_id, parse_intake_id, plan_accept, problems,
    proposed_data,
};

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::{IntakeRow, Store};
use crate::template_cache;

/// An entry as the reader may see it: values masked as any form, the
/// proposed record derived from them, and (pending only) what accepting as
/// it stands would refuse, checked on the unmasked values.
async fn entry_for(store: &Store, principal: &Principal, row: IntakeRow) -> Result<IntakeEntry, AppError> {
    let template_row = store
        .template(&row.template_id, Some(row.template_version))
        .await?
        .ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?;
    let template = template_cache::compiled(&template_row)?;
    let status = IntakeStatus::parse(&row.status).ok_or_else(|| AppError::Internal(format!("queue status {}", row.status)))?;
    let mut entry = IntakeEntry {
        id: intake_id(&row.submission_id, &row.subject_id).unwrap_or_default(),
        values: serde_json::from_str(&row.row_values)?,
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
    if status == IntakeStatus::Pending {
        let types = template_cache::record_types()?;
        if let Some(record_type) = types.get(&entry.entity) {
            entry.problems = problems(record_type, &template, &entry);
        }
    }
    let catalog = template_cache::catalog()?;
    mask_template_rows(principal, &catalog, &template, std::iter::once(&mut entry.values));
    entry.proposed = proposed_data(&template, &entry.entity, &entry.values);
    Ok(entry)
}

#[derive(Deserialize)]
struct ListQuery {
    org_unit: Option<String>,
    status: Option<String>,
}

/// `GET /api/ledger-intake[?org_unit=CODE][&status=pending|accepted|rejected]`:
/// the queued new records of the villages in `org_unit` (default: the
/// reader's town). Read-only.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<IntakeEntry>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let query = req.query::<ListQuery>().unwrap_or(ListQuery { org_unit: None, status: None });
    let scope = query.org_unit.unwrap_or_else(|| principal.org_unit.clone());
    require(&principal, &Action::ReviewNewRecord { org_unit: &scope })?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(IntakeStatus::parse(s).ok_or(AppError::BadRequest {
            code: "bad_status",
            message: Text::new("status 只能是 pending、accepted 或 rejected", "status is pending, accepted or rejected"),
        })?),
    };
    let mut entries = Vec::new();
    for row in store.intake(&scope, status.map(IntakeStatus::as_str)).await? {
        entries.push(entry_for(&store, &principal, row).await?);
    }
    Ok(Json(200, entries))
}

/// `POST /api/ledger-intake/{id}/decision` `{"decision", "reason"?, "data"?}`.
///
/// Retry/crash: accepting writes the decision, the record and its history
/// in one batch, and the record id is derived from the entry, so a retry
/// (or a second coordinator) finds the entry decided and answers it as
/// stored (200) without writing; the same for a rejection. A decision
/// other than the stored one is 409 `already_decided`.
pub async fn decide(mut req: Request, ctx: RouteContext<()>) -> Result<Json<IntakeEntry>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let not_found = || AppError::NotFound { what: "queued record", zh: "该待审核对象" };
    let (submission_id, subject_id) = parse_intake_id(&id).ok_or_else(not_found)?;
    let request: IntakeDecisionRequest = read_json(&mut req).await?;
    let row = store.intake_entry(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
    require(&principal, &Action::ReviewNewRecord { org_unit: &row.org_unit })?;
    check_decision(&request).map_err(AppError::Validation)?;
    let wanted = match request.decision {
        IntakeDecision::Accept => IntakeStatus::Accepted,
        IntakeDecision::Reject => IntakeStatus::Rejected,
    };
    let decided = |entry: IntakeEntry| {
        if entry.status == wanted {
            Ok(Json(200, entry))
        } else {
            Err(AppError::Conflict {
                code: "already_decided",
                message: Text::new(
                    format!("该对象已由 {} 处理（{}）", entry.decided_by.as_deref().unwrap_or(""), entry.status.as_str()),
                    format!("already decided by {} ({})", entry.decided_by.as_deref().unwrap_or(""), entry.status.as_str()),
                ),
            })
        }
    };
    if row.status != "pending" {
        return decided(entry_for(&store, &principal, row).await?);
    }
    let now = now_rfc3339();
    match request.decision {
        IntakeDecision::Reject => {
            let reason = request.reason.as_deref().unwrap_or_default().trim();
            store.reject_intake(&submission_id, &subject_id, reason, &principal.username, &now).await?;
        }
        IntakeDecision::Accept => {
            let template_row = store
                .template(&row.template_id, Some(row.template_version))
                .await?
                .ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?;
            let template = template_cache::compiled(&template_row)?;
            let types = template_cache::record_types()?;
            let record_type = types.get(&row.entity).ok_or(AppError::NotFound { what: "record type", zh: "该台账类型" })?;
            // The unmasked entry: the record is made of what was submitted.
            let mut entry = entry_for(&store, &principal, row).await?;
            let stored = store.intake_entry(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
            entry.values = serde_json::from_str(&stored.row_values)?;
            let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.clone(), source: Source::Survey };
            let draft =
                ybt_core::survey::intake::accepted_data(record_type, &template, &entry, &request.data).map_err(AppError::Validation)?;
            let draft = serde_json::Value::Object(draft);
            // Records that may share the natural key: every unit's for a
            // district-wide key (ID number, credit code), else the village's.
            let same_key = match (record_type.district_key_field(), record_type.natural_key(&draft)) {
                (Some(field), Some(key)) => {
                    ybt_core::service::ledger::lookup::check_lookup_quota(&store, &principal, &ybt_core::service::Now::new(now.clone()))
                        .await?;
                    store.records_with_keys(&entry.entity, field, &[key]).await?
                }
                _ => store.records(&entry.org_unit, &entry.entity).await?,
            };
            // A record of a unit this coordinator may not see is refused
            // naming no one, and counted as a refused lookup.
            let may_name = |unit: &str| ybt_core::access::lookup::may_name(&principal, unit);
            let planned = plan_accept(record_type, &template, &entry, &request.data, &same_key, &may_name, &meta);
            let write = match planned {
                Ok(write) => write,
                Err(errors) => {
                    if errors.iter().any(|e| e.code == "key_in_other_unit") {
                        let hidden: Vec<String> = same_key.iter().filter(|r| !may_name(&r.org_unit)).map(|r| r.id.clone()).collect();
                        ybt_core::service::ledger::lookup::screen_refusals(
                            &store,
                            &principal,
                            record_type,
                            1,
                            &hidden,
                            &ybt_core::service::Now::new(now.clone()),
                        )
                        .await?;
                    }
                    return Err(AppError::Validation(errors));
                }
            };
            if let Err(e) = store.accept_intake(&submission_id, &subject_id, &write).await {
                // Lost a race (decided meanwhile): answer what stands. Still
                // pending: nothing was written; the error stands.
                let again = store.intake_entry(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
                if again.status == "pending" {
                    return Err(e);
                }
            } else {
                worker::console_log!("intake {id} accepted by {} as {}", principal.username, write.record.id);
            }
        }
    }
    let row = store.intake_entry(&submission_id, &subject_id).await?.ok_or_else(not_found)?;
    decided(entry_for(&store, &principal, row).await?)
}
