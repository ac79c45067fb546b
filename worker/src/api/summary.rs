//! The department's summary of a template: `GET /api/summary` and
//! `GET /api/summary/export` (`ybt_core::service::summary_view`).

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::api::SummaryView;
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::summary_view::{SummaryQuery, summary, summary_export};

use crate::auth;
use crate::error::AppError;
use crate::http::{Download, Json, Reply, clock_ms, now_rfc3339};
use crate::sheets::Sheets;
use crate::store::Store;

#[derive(Deserialize, Default)]
struct Query {
    template_id: Option<String>,
    version: Option<String>,
    org_unit: Option<String>,
    filter_key: Option<String>,
    filter_value: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
    format: Option<String>,
    layout: Option<String>,
}

fn query(req: &Request) -> Result<SummaryQuery, AppError> {
    let q: Query = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    Ok(SummaryQuery {
        template_id: q.template_id,
        version: q.version,
        org_unit: q.org_unit,
        filter_key: q.filter_key,
        filter_value: q.filter_value,
        offset: q.offset,
        limit: q.limit,
        format: q.format,
        layout: q.layout,
    })
}

/// `GET /api/summary?template_id=…[&version=N|all][&org_unit=CODE][&filter_key=K&filter_value=V][&offset=&limit=]`.
/// Answers with `Server-Timing: d1;dur=…` (submissions out of D1).
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Reply<SummaryView>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let query = query(&req)?;
    let (view, d1_ms) = summary(&principal, &query, &Now::new(now_rfc3339()), &store, &clock_ms).await?;
    Ok(Reply::from(Json(200, view)).header("Server-Timing", format!("d1;dur={d1_ms:.1}")))
}

/// `GET /api/summary/export?template_id=…&format=csv|xlsx[&layout=flat|town]` and the summary's filters.
pub async fn export(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let query = query(&req)?;
    let file = summary_export(&principal, &query, &Now::new(now_rfc3339()), &store, &Sheets::from_env(&ctx.env)).await?;
    Ok(Download { content_type: file.content_type, filename: file.filename, bytes: file.bytes })
}
