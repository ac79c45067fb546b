//! `GET /api/health`: the worker runs and its database answers.

use worker::RouteContext;
use ybt_core::api::Health;

use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;

pub async fn get(ctx: RouteContext<()>) -> Result<Json<Health>, AppError> {
    Store::from_env(&ctx.env)?.ping().await?;
    Ok(Json(200, Health { status: "ok".to_owned(), database: "ok".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() }))
}
