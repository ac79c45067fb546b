//! `POST /api/ingest/{entity}?org_unit=CODE`: a department's own system
//! pushes records with its API key (`ybt_core::service::ledger::ingest`).

use std::cell::Cell;

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::ImportAnswer;
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::ledger::ingest::ingest;

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, JsonBody, now_rfc3339};
use crate::store::Store;

#[derive(Deserialize)]
struct Query {
    org_unit: Option<String>,
}

pub async fn push(mut req: Request, ctx: RouteContext<()>) -> Result<Json<ImportAnswer>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let key = auth::ingest_key(&req, &store).await?;
    let entity = ctx.param("entity").map(String::as_str).unwrap_or_default();
    let org_unit = req.query::<Query>().ok().and_then(|q| q.org_unit).filter(|u| !u.is_empty()).ok_or_else(|| AppError::BadRequest {
        code: "missing_parameter",
        message: Text::new("缺少查询参数 org_unit", "the query parameter org_unit is required"),
    })?;
    let refused = Cell::new(None);
    let body = JsonBody::new(&mut req, &refused);
    let answer = ingest(&store, &key, entity, &org_unit, body, &Now::new(now_rfc3339())).await;
    Ok(Json(200, answer.map_err(|e| JsonBody::answer(&refused, e))?))
}
