//! Emergency surveys (应急摸排, issue 8) as use cases: start one (and its
//! preview), the reads (list, board, pick), the close into the ledger
//! (`close.rs`) and photos (`photos.rs`), all behind the [`SurveyStore`]
//! port. The survey rules themselves stay in [`crate::survey`].

mod close;
#[cfg(test)]
pub(crate) mod memory;
mod photos;
mod reads;
mod start;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeMap;

use crate::Catalog;
use crate::api::{SubmittedRow, TaskSummary};
use crate::ledger::{LedgerRecord, OrgLevel, RecordTypes, Write};
use crate::survey::{ReviewCandidate, SurveySummary};

use super::ServiceError;

pub use close::close_survey;
pub use photos::{PhotoFile, PhotoStore, PhotoUpload, StoredPhoto, authorize_upload, get_photo, photo_name, upload_photo};
pub use reads::{PickQuery, list_surveys, pick, pick_label, survey_board};
pub use start::{AdhocTemplate, NewSurvey, Started, preview_survey, start_survey};

/// The shipped schemas a use case reads: the data catalog (masking, the
/// compiler) and the ledger's record types. The worker reads them once per
/// isolate.
#[derive(Clone, Copy)]
pub struct Schemas<'a> {
    pub catalog: &'a Catalog,
    pub record_types: &'a RecordTypes,
}

/// A village's current submission to a survey (only tasks that stand
/// submitted).
#[derive(Debug, Clone, PartialEq)]
pub struct SurveySubmission {
    pub submission_id: String,
    pub org_unit: String,
    pub rows: Vec<SubmittedRow>,
}

/// The last step of a close: who closes, when, and how many villages had
/// submitted when the close read them.
#[derive(Debug, Clone, PartialEq)]
pub struct Closing<'a> {
    pub now: &'a str,
    pub by: &'a str,
    pub submitted: usize,
}

/// The storage of surveys: the survey rows, their tasks, the submissions
/// they collected, and the ledger reads and writes of pick and close.
#[allow(async_fn_in_trait)]
pub trait SurveyStore {
    /// How many ledger writes one atomic batch may hold (D1: 2 000).
    const WRITES_PER_BATCH: usize;

    async fn survey(&self, dispatch_id: &str) -> Result<Option<SurveySummary>, ServiceError>;
    /// Surveys whose scope overlaps `scope` (inside it, or containing it),
    /// newest first, at most 100.
    async fn surveys(&self, scope: &str) -> Result<Vec<SurveySummary>, ServiceError>;
    /// How many villages a survey of `scope` goes to.
    async fn village_count(&self, scope: &str) -> Result<u32, ServiceError>;
    /// Stores a survey: an ad-hoc survey's template (if any), the survey
    /// and one task per village of the scope, all or nothing. Rows that
    /// exist (same dispatch id) are left alone: a retry creates nothing new.
    async fn start_survey(&self, survey: &NewSurvey<'_>) -> Result<(), ServiceError>;
    /// The survey's tasks of villages inside `scope`.
    async fn survey_tasks(&self, dispatch_id: &str, scope: &str) -> Result<Vec<TaskSummary>, ServiceError>;
    /// Each village's current submission, by village code.
    async fn survey_submissions(&self, dispatch_id: &str) -> Result<Vec<SurveySubmission>, ServiceError>;
    /// The names of these org units, by code (unknown codes left out).
    async fn unit_names(&self, codes: &[&str]) -> Result<BTreeMap<String, String>, ServiceError>;
    /// Records of `entity` in `org_unit` (or inside it).
    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// The records with these ids; unknown ids are left out.
    async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// Executes at most [`Self::WRITES_PER_BATCH`] ledger writes (record and
    /// history), each conditional on the version read: all or none.
    async fn write_close_batch(&self, writes: &[Write]) -> Result<(), ServiceError>;
    /// Queues the review candidates (`INSERT OR IGNORE`: one already queued
    /// is left alone) and marks the survey closed — only if as many
    /// villages stand submitted as `closing.submitted` — all or nothing.
    /// Returns how many candidates this call queued.
    async fn finish_close(&self, dispatch_id: &str, candidates: &[ReviewCandidate], closing: &Closing<'_>) -> Result<usize, ServiceError>;
}

/// The part of a survey of `scope` a reader in `unit` sees: its own unit
/// when that lies inside the scope (a town's part of a district-wide
/// survey, a village's line), else the whole scope (which authorization
/// then allows or refuses).
pub(crate) fn seen_part<'a>(scope: &'a str, unit: &'a str) -> &'a str {
    if OrgLevel::contains(scope, unit) { unit } else { scope }
}

/// The town a village (or town) code lies in.
pub(crate) fn town_of(code: &str) -> Option<&str> {
    OrgLevel::Town.of(code)
}
