//! `GET /api/ledger/search`: the ledger page's search, filters and pages.
//! The unit's records are read whole and handed to core's
//! `ledger::browse`, which masks them for the reader before it compares
//! anything: no statement here filters on a ledger value, so the answer
//! can reveal nothing the reader is not shown.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, may_write_ledger};
use ybt_core::api::{LedgerColumn, LedgerPage};
use ybt_core::ledger::LedgerStore;
use ybt_core::ledger::browse::{LedgerQuery, browse};
use ybt_core::messages::Text;

use crate::api::audit;
use crate::api::ledger::{bindings, record_type};
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, Reply, clock_ms};
use crate::store::Store;

#[derive(Deserialize)]
struct SearchQuery {
    entity: Option<String>,
    org_unit: Option<String>,
    #[serde(default)]
    q: String,
    tag: Option<String>,
    group: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// A page number as typed in an address: absent or empty is none; anything
/// but a positive integer is a 400 (core clamps it to the pages there are).
fn number(text: Option<&str>) -> Result<Option<usize>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<usize>().ok().filter(|n| *n > 0).map(Some).ok_or_else(bad_query),
    }
}

fn bad_query() -> AppError {
    AppError::BadRequest {
        code: "bad_query",
        message: Text::new(
            "查询参数有误：需要 entity 和 org_unit，page、per_page 应为正整数",
            "invalid query: entity and org_unit are required, page and per_page are positive integers",
        ),
    }
}

/// `GET /api/ledger/search?entity=person&org_unit=CODE[&q=][&tag=][&group=][&page=][&per_page=]`.
/// Read-only; every unmasked value on the page is audited (`ledger_search`).
pub async fn search(req: Request, ctx: RouteContext<()>) -> Result<Reply<LedgerPage>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let q: SearchQuery = req.query().map_err(|_| bad_query())?;
    let (Some(entity), Some(org_unit)) = (q.entity.as_deref().filter(|e| !e.is_empty()), q.org_unit.as_deref().filter(|u| !u.is_empty()))
    else {
        return Err(bad_query());
    };
    require(&principal, &Action::ReadLedger { org_unit })?;
    let record_type = record_type(entity)?;
    let unit = store.org_unit(org_unit).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?;
    let started = clock_ms();
    let records = store.list(&unit.code, entity).await?;
    let fetched = clock_ms() - started;
    let guards = bindings(&record_type)?;
    let query = LedgerQuery {
        q: q.q.clone(),
        tag: q.tag.clone(),
        group: q.group.clone(),
        page: number(q.page.as_deref())?,
        per_page: number(q.per_page.as_deref())?,
    };
    let page = browse(&principal, &guards, &record_type, records, &query);
    let ids: Vec<String> = page.records.iter().map(|r| r.id.clone()).collect();
    audit::record(&store, &principal, "ledger_search", &page.unmasked, &ids).await?;
    let mut codes: Vec<&str> = page.records.iter().map(|r| r.org_unit.as_str()).collect();
    codes.push(&unit.code);
    codes.sort_unstable();
    codes.dedup();
    let units = store.unit_names(&codes).await?;
    let columns = record_type.fields.iter().map(|f| LedgerColumn { name: f.name.clone(), title: f.title.clone() }).collect();
    let answer = LedgerPage {
        entity: entity.to_owned(),
        org_unit: unit.code.clone(),
        org_unit_name: unit.name,
        columns,
        records: page.records,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        pages: page.pages,
        tags: page.tags,
        groups: page.groups,
        units,
        may_write: may_write_ledger(&principal, &unit.code),
    };
    Ok(Reply::from(Json(200, answer)).header("Server-Timing", format!("d1;dur={fetched:.1}")))
}
