//! Request and answer bodies of the survey endpoints, re-exported by
//! [`crate::api`] with the other HTTP bodies.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::form::FormRow;

/// A survey: one dispatch of a `pick` template to every village of a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveySummary {
    pub dispatch_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub department: String,
    /// The town or district it went to.
    pub scope: String,
    pub scope_name: String,
    pub started_by: String,
    pub started_at: String,
    pub due_date: String,
    /// Always logged: the survey skipped the town centre's review (快速通道).
    pub fast_track: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    pub villages: u32,
}

/// `POST /api/surveys`: start a survey. `dispatch_id` is chosen by the
/// client (the idempotency key): starting it again creates nothing new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartSurveyRequest {
    pub dispatch_id: String,
    pub template_id: String,
    /// A town (9 digits) or the district (6).
    pub scope: String,
    /// `YYYY-MM-DD`; the default is the day it starts.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Why the review was skipped; logged with the survey.
    #[serde(default)]
    pub reason: Option<String>,
    /// An ad-hoc survey's template (from the quick builder,
    /// `builder::survey`): compiled and published as version 1 of
    /// `template_id` together with the survey, on the same fast track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
}

/// `POST /api/surveys/preview`: what starting would do, for the starter to
/// confirm (nothing is stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyPreview {
    pub title: String,
    pub scope: String,
    pub scope_name: String,
    pub villages: u32,
    pub due_date: String,
}

/// `POST /api/surveys/{id}/close`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseAnswer {
    pub closed_at: String,
    /// Ledger records given a disaster record by this call (0 on a retry).
    pub records_updated: usize,
    /// New records queued for review by this call (0 on a retry).
    pub queued_for_review: usize,
}

/// `GET /api/surveys/{id}/pick?org_unit=&entity=&q=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickAnswer {
    pub entity: String,
    pub kind: String,
    /// Rows ready to add, pre-filled (masked as usual).
    pub rows: Vec<FormRow>,
    /// A short label per row (name, address…), same order.
    pub labels: Vec<String>,
}

/// `PUT /api/photos`: the stored photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoReceipt {
    /// SHA-256 of the bytes, hex: the photo's name everywhere.
    pub hash: String,
    pub bytes: u64,
    /// `false` when the same bytes were stored before.
    pub created: bool,
}
