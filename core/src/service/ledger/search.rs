//! The ledger page's search, filters and pages. The unit's records are
//! read whole and handed to `ledger::browse`, which masks them for the
//! reader before it compares anything: no storage query filters on a
//! ledger value, so the answer can reveal nothing the reader is not shown.

use crate::service::require;
use serde::Deserialize;

use super::records::Timed;
use super::{LedgerPort, bindings, record_type, unit_not_found};
use crate::access::{Action, Principal, may_write_ledger};
use crate::api::{LedgerColumn, LedgerPage};
use crate::ledger::browse::{LedgerQuery, browse};
use crate::messages::Text;
use crate::service::{Now, ServiceError};

/// `?entity=person&org_unit=CODE[&q=][&tag=][&group=][&page=][&per_page=]`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchQuery {
    pub entity: Option<String>,
    pub org_unit: Option<String>,
    #[serde(default)]
    pub q: String,
    pub tag: Option<String>,
    pub group: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

impl SearchQuery {
    /// The answer to a query that does not parse or lacks what it needs.
    pub fn bad() -> ServiceError {
        ServiceError::BadRequest {
            code: "bad_query",
            message: Text::new(
                "查询参数有误：需要 entity 和 org_unit，page、per_page 应为正整数",
                "invalid query: entity and org_unit are required, page and per_page are positive integers",
            ),
        }
    }
}

/// A page number as typed in an address: absent or empty is none; anything
/// but a positive integer is a 400 (browse clamps it to the pages there are).
fn number(text: Option<&str>) -> Result<Option<usize>, ServiceError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse::<usize>().ok().filter(|n| *n > 0).map(Some).ok_or_else(SearchQuery::bad),
    }
}

/// `GET /api/ledger/search`. Read-only; every unmasked value on the page
/// is audited (`ledger_search`).
pub async fn search<P: LedgerPort>(port: &P, principal: &Principal, q: &SearchQuery, now: &Now) -> Result<Timed<LedgerPage>, ServiceError> {
    let (Some(entity), Some(org_unit)) = (q.entity.as_deref().filter(|e| !e.is_empty()), q.org_unit.as_deref().filter(|u| !u.is_empty()))
    else {
        return Err(SearchQuery::bad());
    };
    require(principal, &Action::ReadLedger { org_unit })?;
    let record_type = record_type(&*port.record_types()?, entity)?;
    let unit = port.org_unit(org_unit).await?.ok_or_else(unit_not_found)?;
    let started = port.stopwatch_ms();
    let records = port.list(&unit.code, entity).await?;
    let storage_ms = port.stopwatch_ms() - started;
    let guards = bindings(&*port.catalog()?, &record_type);
    let query = LedgerQuery {
        q: q.q.clone(),
        tag: q.tag.clone(),
        group: q.group.clone(),
        page: number(q.page.as_deref())?,
        per_page: number(q.per_page.as_deref())?,
    };
    let page = browse(principal, &guards, &record_type, records, &query);
    let ids: Vec<String> = page.records.iter().map(|r| r.id.clone()).collect();
    port.unmasked_read(principal, "ledger_search", &page.unmasked, &ids, now).await?;
    let mut codes: Vec<&str> = page.records.iter().map(|r| r.org_unit.as_str()).collect();
    codes.push(&unit.code);
    codes.sort_unstable();
    codes.dedup();
    let units = port.unit_names(&codes).await?;
    let columns = record_type.fields.iter().map(|f| LedgerColumn { name: f.name.clone(), title: f.title.clone() }).collect();
    let value = LedgerPage {
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
        may_write: may_write_ledger(principal, &unit.code),
    };
    Ok(Timed { value, storage_ms })
}
