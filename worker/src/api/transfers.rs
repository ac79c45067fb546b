//! Transfer requests (迁移申请, issue 13) and cross-district transfers
//! (跨区迁移, issue 16): each handler parses, authenticates and calls one
//! use case of `ybt_core::service::ledger::{transfers, district_transfers}`.

use worker::{Request, RouteContext};
use ybt_core::ledger::district_transfer::{DistrictTransferView, NewDistrictTransfer};
use ybt_core::ledger::transfer::{NewTransfer, TransferView};
use ybt_core::service::Now;
use ybt_core::service::ledger::district_transfers;
use ybt_core::service::ledger::transfers::{self, Decision};

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;

/// `POST /api/ledger/transfers` `{request_id, entity, key, to_org_unit, reason?}`:
/// 201 with the request and a message that names no one; 200 for a retry
/// or a pending request for the same key and destination.
pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<serde_json::Value>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: NewTransfer = read_json(&mut req).await?;
    let answer = transfers::request(&store, &principal, request, &Now::new(now_rfc3339())).await?;
    let status = if answer.created { 201 } else { 200 };
    Ok(Json(status, serde_json::json!({ "transfer": answer.view, "message": answer.message })))
}

/// `GET /api/ledger/transfers`: the requests into the reader's area it may
/// see, pending first.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TransferView>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, transfers::list(&store, &principal).await?))
}

/// `POST /api/ledger/transfers/{id}/decision` `{approve, note?}`: the
/// request as decided (200), or 409 `already_decided` / `record_changed`.
pub async fn decide(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TransferView>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let decision: Decision = read_json(&mut req).await?;
    Ok(Json(200, transfers::decide(&store, &principal, &id, &decision, &Now::new(now_rfc3339())).await?))
}

/// `POST /api/ledger/district-transfers` `{request_id, entity, key,
/// from_district, to_org_unit, reason?}` (跨区迁移, issue 16): 201 with the
/// request and a message that names no one — the same whether or not the
/// other district holds the key; 200 for a retry.
pub async fn create_across(mut req: Request, ctx: RouteContext<()>) -> Result<Json<serde_json::Value>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: NewDistrictTransfer = read_json(&mut req).await?;
    let answer = district_transfers::request(&store, &principal, request, &Now::new(now_rfc3339())).await?;
    let status = if answer.created { 201 } else { 200 };
    Ok(Json(status, serde_json::json!({ "transfer": answer.view, "message": answer.message })))
}

/// `GET /api/ledger/district-transfers/districts`: the districts this
/// deployment serves, `[{district, name}]` in code order — public
/// reference data (codes and names only), for the request form's picker.
pub async fn served_districts(req: Request, ctx: RouteContext<()>) -> Result<Json<serde_json::Value>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    auth::principal(&req, &ctx.env, &store).await?;
    let served = store.served_districts().await?;
    let list: Vec<serde_json::Value> = served.into_iter().map(|d| serde_json::json!({ "district": d.code, "name": d.name })).collect();
    Ok(Json(200, serde_json::Value::Array(list)))
}

/// `GET /api/ledger/district-transfers`: the requests into the reader's
/// area and, to the origin's deciders, those that reached them.
pub async fn list_across(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<DistrictTransferView>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, district_transfers::list(&store, &principal).await?))
}

/// `POST /api/ledger/district-transfers/{id}/decision` `{approve, note?}`:
/// the destination's side first (接收), the origin's after (迁出, which
/// runs the move); 409 `already_decided` / `record_changed` /
/// `cannot_receive` / `cannot_move`.
pub async fn decide_across(mut req: Request, ctx: RouteContext<()>) -> Result<Json<DistrictTransferView>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let decision: Decision = read_json(&mut req).await?;
    Ok(Json(200, district_transfers::decide(&store, &principal, &id, &decision, &Now::new(now_rfc3339())).await?))
}
