//! Request and response bodies of the JSON API under `/api/`, shared by the
//! worker (which serves them) and the front-end (which sends them), so the
//! two cannot drift apart. The outer layer of core: no domain module imports
//! it. Bodies the domain works with live in their module (`form`,
//! `submission`, `tasks`, `burden`, `survey`, `access`) and are re-exported here.

use serde::{Deserialize, Serialize};

use crate::compile::Burden;
use crate::field_error::FieldError;
use crate::ledger::OrgUnit;
use crate::text::Text;

mod accounts;
mod dispatch;
mod ledger;
mod reviews;

pub use crate::access::CreateUserRequest;
pub use crate::access::audit::AuditEntry;
pub use crate::burden::{BurdenEntry, BurdenReport, BurdenRollup};
pub use crate::form::{Form, FormRow, Provenance, RecordVersion, SubjectLabel, subject_label};
pub use crate::submission::{CellCounts, SubmissionRequest, SubmittedRow};
pub use crate::survey::{CloseAnswer, PhotoReceipt, PickAnswer, StartSurveyRequest, SurveyPreview, SurveySummary};
pub use crate::tasks::TaskSummary;
pub use accounts::{
    AccountEvent, AccountEventPage, AuditPage, ChangePasswordRequest, GrantsRequest, LoginRequest, Me, ResetPasswordRequest,
    UpdateUserRequest,
};
pub use dispatch::{
    Board, DispatchReceipt, DispatchRequest, DispatchSummary, Draft, PublishedVersion, ReturnRequest, SaveDraftRequest, StatusCounts,
    SummaryRow, SummaryView, TaskForm,
};
pub use ledger::{ImportAnswer, LedgerColumn, LedgerList, LedgerPage, OrgUnitHit, PatchRecordRequest, RecordDetail};
pub use reviews::{DecisionRequest, PublishRequest, TemplateRequest};

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub database: String,
    pub version: String,
}

/// An entry of `GET /api/templates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateSummary {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    /// The ledger record type the form has one row for.
    pub subject_entity: String,
    pub burden: Burden,
    /// When this version was published (approved), UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
}

/// `GET /api/org-units?parent=CODE`: the children of an org unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgUnitList {
    pub parent: Option<OrgUnit>,
    pub children: Vec<OrgUnit>,
}

/// `POST /api/forms`: generate a pre-filled form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRequest {
    pub template_id: String,
    /// GB/T 2260 code of the org unit the form is for.
    pub org_unit: String,
}

/// What the worker answers for a stored submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubmissionReceipt {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub org_unit: String,
    pub row_count: usize,
    pub submitted_at: String,
}

crate::read_object!(SubmissionReceipt { id, template_id, template_version, org_unit, row_count, submitted_at } default {});

/// `GET /api/submissions/{id}`: a stored submission with its rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSubmission {
    #[serde(flatten)]
    pub receipt: SubmissionReceipt,
    pub rows: Vec<SubmittedRow>,
    /// The columns of its template version, in form order, for a reader
    /// (the town centre's board) to show the rows read-only by title.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<crate::summary::SummaryColumn>,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    pub error: ApiError,
}

crate::read_object!(ErrorBody { error } default {});

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiError {
    /// Stable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    pub message: Text,
    /// Per-field problems, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

crate::read_object!(ApiError { code, message } default { fields });
