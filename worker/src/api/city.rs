//! A city department's reads across its districts (issue 16, the city
//! level): `GET /api/city/reports`, `GET /api/city/summary/:template` and
//! `GET /api/city/export/:template`. The caller must be a
//! city-level principal (`ybt_core::service::city`); the handler routes one
//! store per district in its scope, runs the district summary use case on
//! each in parallel, and merges them in core.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::city::{CitySummaryView, district_summary, districts_in_scope, merge_city_summary};
use ybt_core::service::city_export::{city_export, district_rows, export_format};
use ybt_core::service::city_reports::{CityReports, district_reports, merge_city_reports};
use ybt_core::service::summary_view::SummaryQuery;

use super::in_each_district;
use crate::auth;
use crate::error::AppError;
use crate::http::{Download, Json, Reply, clock_ms, now_rfc3339};
use crate::store::Store;

#[derive(Deserialize, Default)]
struct Query {
    districts: Option<String>,
    format: Option<String>,
    version: Option<String>,
    filter_key: Option<String>,
    filter_value: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

impl Query {
    /// The district summary's query for one district of the fan-out: the
    /// template, version and filter asked for, that district's code.
    fn for_district(&self, template_id: &str, district: &str) -> SummaryQuery {
        SummaryQuery {
            template_id: Some(template_id.to_owned()),
            version: self.version.clone(),
            org_unit: Some(district.to_owned()),
            filter_key: self.filter_key.clone(),
            filter_value: self.filter_value.clone(),
            ..SummaryQuery::default()
        }
    }
}

/// `GET /api/city/summary/:template[?districts=CODE,…][&version=N|all][&filter_key=K&filter_value=V][&offset=&limit=]`:
/// each district's summary (its totals, towns, villages and a page of
/// masked rows) and the grand total. A district outside the reader's city
/// is refused (403), as is a template every district refuses the reader
/// (another department's); a district whose summary fails is named in the answer.
/// Answers with `Server-Timing: fanout;dur=…` (all districts, wall time).
pub async fn summary_of(req: Request, ctx: RouteContext<()>) -> Result<Reply<CitySummaryView>, AppError> {
    let started = clock_ms();
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    let q: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let template_id = ctx.param("template").cloned().unwrap_or_default();
    let districts = districts_in_scope(&principal, &directory.served_districts().await?, q.districts.as_deref())?;
    let now = Now::new(now_rfc3339());
    let (template, q, principal, now) = (&template_id, &q, &principal, &now);
    let outcomes = in_each_district(
        &ctx.env,
        "city summary",
        &districts,
        |d| &d.code,
        |store, district| async move {
            let query = SummaryQuery { offset: q.offset, limit: q.limit, ..q.for_district(template, &district.code) };
            district_summary(principal, &query, now, &store, &clock_ms).await
        },
    )
    .await;
    let parts = districts.into_iter().zip(outcomes).collect();
    let view = merge_city_summary(&principal, &template_id, parts, &now)?;
    Ok(Reply::from(Json(200, view)).header("Server-Timing", format!("fanout;dur={:.1}", clock_ms() - started)))
}

#[derive(Deserialize, Default)]
struct ReportsQuery {
    districts: Option<String>,
}

/// `GET /api/city/reports[?districts=CODE,…]`: the reader's department's
/// templates across the districts of its scope, with each district's
/// version, villages and rows; a district whose list fails is named.
pub async fn reports(req: Request, ctx: RouteContext<()>) -> Result<Reply<CityReports>, AppError> {
    let started = clock_ms();
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    let q: ReportsQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let districts = districts_in_scope(&principal, &directory.served_districts().await?, q.districts.as_deref())?;
    let principal_ref = &principal;
    let outcomes = in_each_district(
        &ctx.env,
        "city reports",
        &districts,
        |d| &d.code,
        |store, district| async move { district_reports(principal_ref, district, &store).await },
    )
    .await;
    let parts = districts.into_iter().zip(outcomes).collect();
    let view = merge_city_reports(&principal, parts);
    Ok(Reply::from(Json(200, view)).header("Server-Timing", format!("fanout;dur={:.1}", clock_ms() - started)))
}

/// `GET /api/city/export/:template?format=csv|xlsx[&districts=CODE,…][&version=N|all][&filter_key=K&filter_value=V]`:
/// every district's rows, masked as the district summary export, with a
/// district column, per-district totals and the city's; a district that
/// failed is named in the file. Refused as the city summary is.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let directory = Store::from_env(&ctx.env)?;
    let principal = auth::city_principal(&req, &ctx.env, &directory).await?;
    let q: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let format = export_format(q.format.as_deref())?;
    let template_id = ctx.param("template").cloned().unwrap_or_default();
    let districts = districts_in_scope(&principal, &directory.served_districts().await?, q.districts.as_deref())?;
    let now = Now::new(now_rfc3339());
    let (template, q, principal_ref, now_ref) = (&template_id, &q, &principal, &now);
    let outcomes = in_each_district(
        &ctx.env,
        "city export",
        &districts,
        |d| &d.code,
        |store, district| async move {
            let query = q.for_district(template, &district.code);
            district_rows(principal_ref, &query, now_ref, &store).await
        },
    )
    .await;
    let parts = districts.into_iter().zip(outcomes).collect();
    let file = city_export(&principal, format, parts, &now, &crate::sheets::Sheets::from_env(&ctx.env)).await?;
    Ok(Download { content_type: file.content_type, filename: file.filename, bytes: file.bytes })
}
