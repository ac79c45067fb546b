//! D1 access: every SQL statement the worker runs, all with bound parameters.
//! Two kinds of database (issue 16): the directory (`DIRECTORY`: accounts,
//! sessions, throttling, account events, ingest keys, the district map),
//! read by `accounts.rs`, `ingest.rs` and the account events of `audit.rs`;
//! and the district database a request was routed to ([`Store::route`]),
//! read by everything else.
//! This file: routing, org units, templates, ledger records; `submissions.rs`:
//! submissions (the `SubmissionStore` port);
//! `accounts.rs`: users, grants, sessions, login throttling (the accounts
//! port); `audit.rs`: the audit log of unmasked reads and account events;
//! `ledger.rs`: the D1 `LedgerStore` (records, history, conditional writes);
//! `ingest.rs`: departments' ingest keys; `tasks.rs`: tasks and drafts;
//! `burden.rs`: the burden meter's figures; `reviews.rs`: template requests
//! (报表准入); `dispatch.rs`: dispatches, boards, returns, summary rows;
//! `transfers.rs`: transfer requests (迁移申请); `district_transfers.rs`:
//! cross-district transfers (跨区迁移: the directory's rows and each
//! district's end of a move); `city_templates.rs`: city filings and city
//! dispatches (directory, issue 16); `surveys.rs`, `photos.rs`,
//! `intake.rs`: emergency surveys, their photos, the review queue of new
//! records (the ports of `ybt_core::service::{surveys, intake}`).

mod accounts;
mod audit;
mod burden;
mod city;
mod city_templates;
mod directory;
mod dispatch;
mod district_transfers;
mod ingest;
mod intake;
mod ledger;
mod photos;
mod reviews;
mod submissions;
mod surveys;
mod tasks;
mod transfers;

pub use ledger::WRITES_PER_BATCH;
pub use photos::Photos;
pub use ybt_core::service::tasks::TaskFilter;

use std::cell::OnceCell;

use serde::Deserialize;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, Env};
use ybt_core::LedgerRecord;
use ybt_core::access::DenyReason;
use ybt_core::ledger::{OrgLevel, OrgUnit};
use ybt_core::service::ServiceError;

use crate::error::Storage;
pub use crate::template_cache::TemplateRow;

/// The storage of one request: the directory database (accounts, grants,
/// sessions, login throttling, account events, ingest keys, the district →
/// binding map) and, once the request is routed, its district's database
/// (everything else). Routing happens at the gate (`auth`), by the org unit
/// of the principal or ingest key: no handler names a binding, and a store
/// that was never routed refuses every district query.
pub struct Store {
    env: Env,
    directory: D1Database,
    district: OnceCell<District>,
}

/// The district database a request was routed to.
struct District {
    code: String,
    db: D1Database,
}

/// The binding of the directory database.
pub const DIRECTORY_BINDING: &str = "DIRECTORY";

thread_local! {
    /// District code → binding name, as read from the directory: bindings
    /// only change with a deployment (a new isolate), so a hit stays true.
    static BINDINGS: std::cell::RefCell<std::collections::HashMap<String, String>> = Default::default();
}

/// The district (6-digit GB/T 2260 code) an org unit code belongs to; a
/// district's towns and villages begin with its 6 digits.
pub fn district_of(org_unit: &str) -> Option<&str> {
    org_unit.get(..6).filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

/// A number as a bound parameter (D1 numbers are doubles).
fn num(n: impl Into<f64>) -> JsValue {
    JsValue::from_f64(n.into())
}

/// The exclusive upper bound of the codes starting with `prefix`: GB/T 2260
/// codes are digits, and `:` sorts right after `9`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}:")
}

#[derive(Deserialize)]
struct OrgUnitRow {
    code: String,
    name: String,
    level: String,
    parent_code: Option<String>,
}

impl OrgUnitRow {
    fn into_unit(self) -> Result<OrgUnit, ServiceError> {
        let level = match self.level.as_str() {
            "district" => OrgLevel::District,
            "town" => OrgLevel::Town,
            "village" => OrgLevel::Village,
            other => return Err(ServiceError::Storage(format!("org unit {} has level {other}", self.code))),
        };
        Ok(OrgUnit { code: self.code, name: self.name, level, parent_code: self.parent_code })
    }
}

#[derive(Deserialize)]
struct RecordRow {
    id: String,
    entity: String,
    org_unit: String,
    version: u32,
    updated_at: String,
    updated_by: String,
    data: String,
}

impl Store {
    /// An unrouted store: the directory only, until [`Store::route`].
    pub fn from_env(env: &Env) -> Result<Store, ServiceError> {
        Ok(Store { env: env.clone(), directory: env.d1(DIRECTORY_BINDING).storage()?, district: OnceCell::new() })
    }

    /// Routes this request to the database of `org_unit`'s district. A
    /// district missing from the directory's map (or whose binding is not
    /// configured) is refused as out of scope (403), never a 500. Routing
    /// twice to the same district is a no-op; to another is refused.
    pub async fn route(&self, org_unit: &str) -> Result<(), ServiceError> {
        let refused = || ServiceError::Forbidden(DenyReason::OutOfScope);
        let code = district_of(org_unit).ok_or_else(refused)?;
        if let Some(current) = self.district.get() {
            return if current.code == code { Ok(()) } else { Err(refused()) };
        }
        let binding = match BINDINGS.with(|b| b.borrow().get(code).cloned()) {
            Some(binding) => binding,
            None => {
                #[derive(Deserialize)]
                struct BindingRow {
                    binding: String,
                }
                let row = self
                    .directory
                    .prepare("SELECT binding FROM districts WHERE code = ?1")
                    .bind(&[code.into()])
                    .storage()?
                    .first::<BindingRow>(None)
                    .await
                    .storage()?
                    .ok_or_else(refused)?;
                BINDINGS.with(|b| b.borrow_mut().insert(code.to_owned(), row.binding.clone()));
                row.binding
            }
        };
        let db = self.env.d1(&binding).map_err(|_| refused())?;
        let _ = self.district.set(District { code: code.to_owned(), db });
        Ok(())
    }

    /// The district this request was routed to, if any.
    pub fn district(&self) -> Option<&str> {
        self.district.get().map(|d| d.code.as_str())
    }

    /// The routed district's database.
    fn db(&self) -> Result<&D1Database, ServiceError> {
        self.district.get().map(|d| &d.db).ok_or_else(|| ServiceError::Storage("a district query on an unrouted store".to_owned()))
    }

    /// Every district this deployment serves, by code (the directory's
    /// map): what a city-level reader's districts are picked from.
    pub async fn served_districts(&self) -> Result<Vec<ybt_core::service::city::ServedDistrict>, ServiceError> {
        #[derive(Deserialize)]
        struct DistrictRow {
            code: String,
            name: String,
        }
        let rows = self
            .directory
            .prepare("SELECT code, name FROM districts ORDER BY code")
            .all()
            .await
            .storage()?
            .results::<DistrictRow>()
            .storage()?;
        Ok(rows.into_iter().map(|r| ybt_core::service::city::ServedDistrict { code: r.code, name: r.name }).collect())
    }

    /// Checks the directory and every district database it maps.
    pub async fn ping(&self) -> Result<(), ServiceError> {
        #[derive(Deserialize)]
        struct BindingRow {
            binding: String,
        }
        let bindings = self
            .directory
            .prepare("SELECT binding FROM districts ORDER BY code")
            .all()
            .await
            .storage()?
            .results::<BindingRow>()
            .storage()?;
        for row in bindings {
            self.env.d1(&row.binding).storage()?.prepare("SELECT 1 AS ok").first::<serde_json::Value>(None).await.storage()?;
        }
        Ok(())
    }

    pub async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        let row = self
            .db()?
            .prepare("SELECT code, name, level, parent_code FROM org_units WHERE code = ?1")
            .bind(&[code.into()])
            .storage()?
            .first::<OrgUnitRow>(None)
            .await
            .storage()?;
        row.map(OrgUnitRow::into_unit).transpose()
    }

    /// The names of the org units `codes`, by code (unknown codes left out).
    pub async fn unit_names(&self, codes: &[&str]) -> Result<std::collections::BTreeMap<String, String>, ServiceError> {
        if codes.is_empty() {
            return Ok(std::collections::BTreeMap::new());
        }
        #[derive(Deserialize)]
        struct NameRow {
            code: String,
            name: String,
        }
        let rows = self
            .db()?
            .prepare("SELECT code, name FROM org_units WHERE code IN (SELECT value FROM json_each(?1))")
            .bind(&[serde_json::to_string(codes).storage()?.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<NameRow>()
            .storage()?;
        Ok(rows.into_iter().map(|r| (r.code, r.name)).collect())
    }

    /// Children of `parent`, or the top-level units when `parent` is `None`.
    pub async fn org_unit_children(&self, parent: Option<&str>) -> Result<Vec<OrgUnit>, ServiceError> {
        let statement = match parent {
            Some(code) => self
                .db()?
                .prepare("SELECT code, name, level, parent_code FROM org_units WHERE parent_code = ?1 ORDER BY code")
                .bind(&[code.into()])
                .storage()?,
            None => self.db()?.prepare("SELECT code, name, level, parent_code FROM org_units WHERE parent_code IS NULL ORDER BY code"),
        };
        statement.all().await.storage()?.results::<OrgUnitRow>().storage()?.into_iter().map(OrgUnitRow::into_unit).collect()
    }

    /// The newest version of every template.
    pub async fn latest_templates(&self) -> Result<Vec<TemplateRow>, ServiceError> {
        Ok(self
            .db()?
            .prepare(
                "SELECT id, version, document FROM templates t \
                 WHERE version = (SELECT MAX(version) FROM templates WHERE id = t.id) ORDER BY id",
            )
            .all()
            .await
            .storage()?
            .results::<TemplateRow>()
            .storage()?)
    }

    /// The newest version of every template with its publication time,
    /// the most recently published first (the one just approved leads the
    /// dispatch page's list).
    pub async fn latest_published(&self) -> Result<Vec<dispatch::PublishedRow>, ServiceError> {
        Ok(self
            .db()?
            .prepare(
                "SELECT id, version, document, published_at FROM templates t \
                 WHERE version = (SELECT MAX(version) FROM templates WHERE id = t.id) ORDER BY published_at DESC, id",
            )
            .all()
            .await
            .storage()?
            .results::<dispatch::PublishedRow>()
            .storage()?)
    }

    /// A template version, or its newest version when `version` is `None`.
    pub async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<TemplateRow>, ServiceError> {
        let statement = match version {
            Some(v) => self
                .db()?
                .prepare("SELECT id, version, document FROM templates WHERE id = ?1 AND version = ?2")
                .bind(&[id.into(), num(v)])
                .storage()?,
            None => self
                .db()?
                .prepare("SELECT id, version, document FROM templates WHERE id = ?1 ORDER BY version DESC LIMIT 1")
                .bind(&[id.into()])
                .storage()?,
        };
        statement.first::<TemplateRow>(None).await.storage()
    }

    /// Every record of `entity` in the org unit `org_unit`.
    pub async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        // Same decoding as `LedgerStore::list` (raw rows); the index
        // `(entity, org_unit, id)` serves the order.
        self.db()?
            .prepare(
                "SELECT id, org_unit, version, updated_at, updated_by, data \
                 FROM ledger_records WHERE entity = ?2 AND org_unit = ?1 AND moved_out IS NULL ORDER BY id",
            )
            .bind(&[org_unit.into(), entity.into()])
            .storage()?
            .raw_js_value()
            .await
            .storage()?
            .iter()
            .map(|row| ledger::raw_record(entity, row))
            .collect()
    }
}
