//! Use cases: what the service does, each a function of the principal, the
//! request, the clock ([`Now`]) and **storage ports** — one trait per
//! aggregate (tasks, submissions, templates and reviews, surveys, ledger,
//! accounts). The worker implements the ports over D1 (`worker/src/store/`)
//! and its handlers only parse, authenticate, call one use case and map its
//! [`ServiceError`] to HTTP; the tests here run every use case — including
//! its retry, lost-race and second-decision paths — against in-memory ports.
//!
//! Conventions every use-case module follows:
//! - A port is an `async` trait (D1 is async; an in-memory port is ready at
//!   once, see [`crate::ledger::LedgerStore`] for the first of them). Futures
//!   need not be `Send`: a worker isolate runs one thread. Port methods
//!   answer `Result<_, ServiceError>`; a storage failure is
//!   [`ServiceError::Storage`], a lost race the domain error it means
//!   (e.g. [`ServiceError::Conflict`]).
//! - A use case authorizes its principal itself (`access::authorize`): the
//!   rules are core's, and so are their tests. Handlers only authenticate.
//! - A use case reads the time from its [`Now`] argument, never a clock.
//! - Every write path says in its doc what a retry and a crash do.

pub mod accounts;
pub mod accounts_admin;
pub mod burden_report;
pub mod city;
pub mod city_export;
pub mod city_reports;
pub mod city_templates;
pub mod dispatch;
mod error;
pub mod forms;
pub mod intake;
pub mod ledger;
pub mod org_units;
#[cfg(test)]
mod reads_tests;
pub mod reviews;
pub mod spreadsheets;
pub mod submission_reads;
pub mod submissions;
#[cfg(test)]
mod submit_tests;
pub mod summary_view;
pub mod surveys;
pub mod tasks;
#[cfg(test)]
mod tasks_memory;
#[cfg(test)]
mod tasks_tests;
pub mod templates;

use std::rc::Rc;

use crate::access::Principal;
use crate::compile::CompiledTemplate;
use crate::ledger::OrgUnit;

pub use error::ServiceError;

/// The clock, passed in: the instant a request is handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Now {
    /// RFC 3339 in UTC, as stored (`2026-11-29T11:43:12.049Z`).
    pub instant: String,
}

impl Now {
    pub fn new(instant: impl Into<String>) -> Now {
        Now { instant: instant.into() }
    }

    /// The calendar date of the instant (UTC), for computed fields.
    pub fn today(&self) -> Option<crate::expr::Date> {
        crate::expr::Date::parse(self.instant.get(..10)?)
    }
}

/// Runs a use case over in-memory ports, whose futures never wait.
#[cfg(test)]
pub(crate) use crate::ledger::store_ready as ready;

/// `access::authorize` as a use case's error: every use case asks through
/// this one place.
pub(crate) fn require(principal: &Principal, action: &crate::access::Action<'_>) -> Result<(), ServiceError> {
    match crate::access::authorize(principal, action) {
        crate::access::Decision::Allow => Ok(()),
        crate::access::Decision::Deny(reason) => Err(ServiceError::Forbidden(reason)),
    }
}

/// The read side every use case shares: published template versions,
/// compiled (the adapter compiles each version once and caches it —
/// versions are immutable), and the org units.
#[allow(async_fn_in_trait)]
pub trait Directory {
    /// The version `version` of template `id`, or its latest when `None`.
    async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError>;
    async fn org_unit(&self, code: &str) -> Result<Option<OrgUnit>, ServiceError>;
}

/// The audit log of reads that showed sensitive values unmasked.
#[allow(async_fn_in_trait)]
pub trait AuditLog {
    /// Logs that `principal` read `items` unmasked on `record_ids` through
    /// `action` (e.g. "submission"); nothing when either list is empty. The
    /// adapter classes the read (`access::classify_read`).
    async fn unmasked_read(
        &self,
        principal: &Principal,
        action: &str,
        items: &[String],
        record_ids: &[String],
        now: &Now,
    ) -> Result<(), ServiceError>;
}

/// The daily budget of refused key lookups per account (`access::lookup`):
/// shared by every use case that looks up district-wide keys.
#[allow(async_fn_in_trait)]
pub trait LookupBudget {
    /// Adds `refused` to the refused lookups of `user_id` on `day` and
    /// answers the day's total.
    async fn count_refused_lookups(&self, user_id: &str, day: &str, refused: u32) -> Result<u32, ServiceError>;
}
