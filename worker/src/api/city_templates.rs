//! A city department's templates (issue 16, the city level):
//! `POST /api/city/templates` files once for every district of the city,
//! `GET /api/city/templates[/{id}]` lists them / reads one with its state
//! per district, `POST /api/city/templates/{id}/dispatch` dispatches to the
//! chosen districts that admitted it. The rules, and what a retry or a
//! crash does, are `ybt_core::service::city_templates`; each handler does
//! the directory's part, then routes one store per district and runs the
//! district's part on each in parallel (`api::in_each_district`), then merges in core.

use worker::{Request, RouteContext};
use ybt_core::api::PublishRequest;
use ybt_core::service::Now;
use ybt_core::service::city_templates::{self as city, CityDispatchRequest, CityDispatchView, CityFiling, CityFilingView};

use super::in_each_district;
use crate::auth;
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::Store;
use crate::template_cache;

/// `POST /api/city/templates` (`{request_id, document}`): 201 when filed,
/// 200 for a retry (which files what a crash left missing).
pub async fn file(mut req: Request, ctx: RouteContext<()>) -> Result<Json<CityFilingView>, AppError> {
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    let body: PublishRequest = read_json(&mut req).await?;
    let catalog = template_cache::catalog()?;
    let served = directory.served_districts().await?;
    let now = Now::new(now_rfc3339());
    let (filing, template, created) = city::file_city_template(&principal, body, &catalog, &served, &now, &directory).await?;
    let (principal, filing_ref, template, catalog) = (&principal, &filing, &template, &*catalog);
    let outcomes = in_each_district(&ctx.env, "city filing", &filing.districts, String::as_str, |store, code| async move {
        city::file_in_district(principal, filing_ref, template, catalog, code, &store).await.map(Some)
    })
    .await;
    Ok(Json(if created { 201 } else { 200 }, city::filing_view(filing, &served, outcomes)))
}

/// `GET /api/city/templates`: the reader's department's filings in its city.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<CityFiling>>, AppError> {
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    Ok(Json(200, city::list_city_filings(&principal, &directory).await?))
}

/// `GET /api/city/templates/{id}`: the filing and each district's state.
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<CityFilingView>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    let filing = city::get_city_filing(&principal, &id, &directory).await?;
    let served = directory.served_districts().await?;
    let filing_ref = &filing;
    let outcomes = in_each_district(&ctx.env, "city filing read", &filing.districts, String::as_str, |store, _| async move {
        city::read_in_district(filing_ref, &store).await
    })
    .await;
    Ok(Json(200, city::filing_view(filing, &served, outcomes)))
}

/// `POST /api/city/templates/{id}/dispatch` (`{dispatch_id, due_date,
/// districts?}`): 201 when tasks were created, 200 when none were (a retry,
/// or no chosen district admitted it).
pub async fn dispatch(mut req: Request, ctx: RouteContext<()>) -> Result<Json<CityDispatchView>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    let body: CityDispatchRequest = read_json(&mut req).await?;
    let now = Now::new(now_rfc3339());
    let (filing, chosen) = city::begin_city_dispatch(&principal, &id, &body, &now, &directory).await?;
    let served = directory.served_districts().await?;
    let (principal, filing_ref, body_ref, now) = (&principal, &filing, &body, &now);
    let outcomes = in_each_district(&ctx.env, "city dispatch", &chosen, String::as_str, |store, code| async move {
        city::dispatch_in_district(principal, filing_ref, body_ref, code, now, &store).await
    })
    .await;
    let view = city::dispatch_view(&filing, &body, &served, &chosen, outcomes);
    Ok(Json(if view.created > 0 { 201 } else { 200 }, view))
}
