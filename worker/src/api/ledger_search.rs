//! `GET /api/ledger/search`: the ledger page's search, filters and pages
//! (`ybt_core::service::ledger::search`).

use worker::{Request, RouteContext};
use ybt_core::api::LedgerPage;
use ybt_core::service::Now;
use ybt_core::service::ledger::search::{SearchQuery, search as search_ledger};

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, Reply, now_rfc3339};
use crate::store::Store;

/// `GET /api/ledger/search?entity=person&org_unit=CODE[&q=][&tag=][&group=][&page=][&per_page=]`.
/// Read-only; every unmasked value on the page is audited (`ledger_search`).
/// Answers with `Server-Timing: d1;dur=…` like the list.
pub async fn search(req: Request, ctx: RouteContext<()>) -> Result<Reply<LedgerPage>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q: SearchQuery = req.query().map_err(|_| AppError::from(SearchQuery::bad()))?;
    let page = search_ledger(&store, &principal, &q, &Now::new(now_rfc3339())).await?;
    Ok(Reply::from(Json(200, page.value)).header("Server-Timing", format!("d1;dur={:.1}", page.storage_ms)))
}
