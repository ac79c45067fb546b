//! Request and response bodies of the JSON API under `/api/`, shared by the
//! worker (which serves them) and the front-end (which sends them), so the
//! two cannot drift apart. The outer layer of core: no domain module imports
//! it. Bodies the domain works with live in their module (`form`,
//! `submission`, `tasks`, `burden`, `survey`, `access`) and are re-exported here.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::Burden;
use crate::field_error::FieldError;
use crate::ledger::OrgUnit;
use crate::text::Text;

pub use crate::access::CreateUserRequest;
pub use crate::access::audit::AuditEntry;
pub use crate::burden::{BurdenEntry, BurdenReport, BurdenRollup};
pub use crate::form::{Form, FormRow, Provenance, RecordVersion, SubjectLabel, subject_label};
pub use crate::submission::{CellCounts, SubmissionRequest, SubmittedRow};
pub use crate::survey::{CloseAnswer, PhotoReceipt, PickAnswer, StartSurveyRequest, SurveyPreview, SurveySummary};
pub use crate::tasks::TaskSummary;

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionReceipt {
    pub id: String,
    pub template_id: String,
    pub template_version: u32,
    pub org_unit: String,
    pub row_count: usize,
    pub submitted_at: String,
}

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ApiError,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable code, e.g. `validation_failed`, `not_found`.
    pub code: String,
    pub message: Text,
    /// Per-field problems, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// `POST /api/auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// `GET /api/auth/me` and the answer to a login: the signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub user: crate::access::Principal,
    pub role_title: String,
    /// The password was reset by an administrator: nothing but
    /// `POST /api/auth/password` (and sign-out) works until it is changed.
    #[serde(default)]
    pub must_change_password: bool,
}

/// `PUT /api/users/{id}/grants`: the complete list of granted ledger items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantsRequest {
    pub items: Vec<String>,
}

/// `GET /api/audit`: one page of the entries a query matched, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Entries the query matched, over all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// An entry of `GET /api/audit/accounts`: what an administrator (or the
/// user, for their own password) did to an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvent {
    pub at: String,
    pub actor_id: String,
    pub actor_name: String,
    pub target_id: String,
    pub target_name: String,
    pub kind: crate::access::AccountEventKind,
    /// Grants added and removed (`grants_changed`).
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEventPage {
    pub events: Vec<AccountEvent>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// `PATCH /api/users/{id}`: disable or re-enable an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateUserRequest {
    pub disabled: bool,
}

/// `POST /api/users/{id}/password`: an administrator sets a temporary
/// password; the user must change it at the next sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetPasswordRequest {
    pub password: String,
}

/// `POST /api/auth/password`: the signed-in user changes their password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// An org unit found by name (`GET /api/org-units/search?q=`), with the
/// name of the unit above it, so that two villages of one name are told apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgUnitHit {
    pub code: String,
    pub name: String,
    pub level: crate::ledger::OrgLevel,
    #[serde(default)]
    pub parent_name: Option<String>,
}

/// A column of a ledger listing: the field's name and Chinese title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerColumn {
    pub name: String,
    pub title: String,
}

/// `GET /api/ledger/{entity}?org_unit=…`: the records of a unit (and the
/// units inside it), sensitive values masked for the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerList {
    pub entity: String,
    pub org_unit: String,
    /// The unit's name (`卫星湖街道南华村`), for people; the code is for machines.
    #[serde(default)]
    pub org_unit_name: String,
    pub columns: Vec<LedgerColumn>,
    pub records: Vec<crate::ledger::LedgerRecord>,
}

/// `GET /api/ledger/search?entity=…&org_unit=…&q=…&tag=…&group=…&page=…`:
/// one page of the records of a unit (and the units inside it) that match,
/// searched and masked by `ledger::browse` for the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerPage {
    pub entity: String,
    pub org_unit: String,
    pub org_unit_name: String,
    pub columns: Vec<LedgerColumn>,
    pub records: Vec<crate::ledger::LedgerRecord>,
    /// Records matching (all pages).
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    /// The tag filter's options, with counts over the unit.
    pub tags: Vec<crate::ledger::browse::Facet>,
    /// The villagers' groups (3组…) of the unit's records.
    pub groups: Vec<crate::ledger::browse::Facet>,
    /// The names of the units the records belong to, by code.
    pub units: std::collections::BTreeMap<String, String>,
    /// Whether the reader may edit and import here (`WriteLedger`).
    pub may_write: bool,
}

/// `GET /api/ledger/records/{id}`: a record and its history, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDetail {
    pub record: crate::ledger::LedgerRecord,
    pub history: Vec<crate::ledger::HistoryEntry>,
    /// The display names of the accounts in `history[].changed_by`, by
    /// user name (a name not found, e.g. a department's key, is absent).
    #[serde(default)]
    pub people: std::collections::BTreeMap<String, String>,
}

/// `PATCH /api/ledger/records/{id}`: fields to set (a `null` removes one),
/// made by someone who read the record at `expected_version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRecordRequest {
    pub expected_version: u32,
    pub patch: crate::ledger::Patch,
    /// `visit` (the default) or `form`.
    #[serde(default)]
    pub source: Option<crate::ledger::Source>,
}

/// `POST /api/ledger/import` and `POST /api/ingest/{entity}`: what the batch
/// does (preview) or did (commit).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportAnswer {
    pub committed: bool,
    #[serde(flatten)]
    pub summary: crate::import::ImportSummary,
    /// D1 batches the writes were applied in (0 for a preview or no change).
    pub batches: usize,
    /// The plan's id ([`crate::import::ImportPlan::id`]): commit with it to
    /// apply exactly this plan.
    #[serde(default)]
    pub plan_id: String,
    /// The file's date the plan compared the ledger's changes with: the
    /// clerk's, or the file's own (`reading.file_date`), or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Display names of the accounts named in `diff[].fields[].newer.changed_by`.
    #[serde(default)]
    pub people: std::collections::BTreeMap<String, String>,
    /// This commit of the plan was already stored: the answer is the first
    /// one's, nothing was written again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
}

/// `GET /api/tasks/{id}/draft` and the answer to saving one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub task_id: String,
    /// Starts at 1 and grows by one per save.
    pub revision: u32,
    pub rows: Vec<SubmittedRow>,
    pub saved_at: String,
}

/// `PUT /api/tasks/{id}/draft`: the rows typed so far, saved over the
/// revision the client last saw (0 when it has seen none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveDraftRequest {
    pub base_revision: u32,
    pub rows: Vec<SubmittedRow>,
}

/// `POST /api/template-requests`: file a template document for review
/// (报表准入). `request_id` is chosen by the client once per filing: a
/// retried POST returns the first request instead of filing twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRequest {
    pub request_id: String,
    pub document: Value,
}

/// A template request as the department and the centre see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRequest {
    pub id: String,
    pub template_id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    pub status: crate::review::ReviewStatus,
    pub analysis: crate::review::ReviewAnalysis,
    pub submitted_by: String,
    pub submitted_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// Why it was rejected (or a note on an approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The template document: in `GET /api/template-requests/{id}`, and
    /// for pending requests in the list (the review's form preview).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
    /// Every field in words, the comparison with the published version and
    /// the last rejected filing, and the consequences of approving it:
    /// for pending requests, and in `GET /api/template-requests/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<crate::review::changes::ReviewDetail>,
}

/// `POST /api/template-requests/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRequest {
    pub decision: crate::review::Decision,
    #[serde(default)]
    pub reason: String,
}

/// `POST /api/dispatches`: send an approved template version to villages.
/// `org_units` may name the district, towns or villages: each expands to
/// the villages inside it. `dispatch_id` is chosen by the client once per
/// click: a retry creates no task twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchRequest {
    pub dispatch_id: String,
    pub template_id: String,
    /// The newest approved version when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_version: Option<u32>,
    pub org_units: Vec<String>,
    /// `YYYY-MM-DD`.
    pub due_date: String,
}

/// The answer to a dispatch: 201 when tasks were created, 200 for a
/// retry that found them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchReceipt {
    pub dispatch_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub due_date: String,
    /// Villages the dispatch reaches.
    pub villages: usize,
    /// Tasks this call created (0 on a retry).
    pub created: usize,
}

/// Tasks per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub not_opened: usize,
    pub draft: usize,
    pub submitted: usize,
    pub returned: usize,
    pub total: usize,
}

impl StatusCounts {
    pub fn add(&mut self, status: crate::tasks::TaskStatus) {
        use crate::tasks::TaskStatus as S;
        match status {
            S::NotOpened => self.not_opened += 1,
            S::Draft => self.draft += 1,
            S::Submitted => self.submitted += 1,
            S::Returned => self.returned += 1,
        }
        self.total += 1;
    }
}

/// A dispatch (one click) with its tasks' counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DispatchSummary {
    pub dispatch_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub department: String,
    pub due_date: String,
    pub dispatched_at: String,
    pub dispatched_by: String,
    pub counts: StatusCounts,
}

/// `GET /api/dispatches/{id}`: the completion board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    pub dispatch: DispatchSummary,
    /// Every village's task the reader may see, by org unit.
    pub tasks: Vec<TaskSummary>,
}

/// `POST /api/tasks/{id}/return`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnRequest {
    pub comment: String,
}

/// A collected row in the summary, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    pub org_unit: String,
    pub village: String,
    pub town: String,
    pub submission_id: String,
    /// The template version the row was submitted under (its values are
    /// mapped onto the summary's version when all versions are shown).
    #[serde(default)]
    pub version: u32,
    pub values: Map<String, Value>,
}

/// A published version of a template, as the summary's picker offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedVersion {
    pub version: u32,
    pub published_at: String,
    /// Villages whose newest submission is under this version, in the scope read.
    pub villages: usize,
    pub rows: usize,
}

/// `GET /api/summary`: totals and a page of the collected rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryView {
    pub template_id: String,
    /// The version whose columns the summary shows: the picked one, or the
    /// newest when all versions are shown.
    pub template_version: u32,
    /// The version picked (`version=N`); `None`: all versions, each row
    /// mapped onto the newest where the migration says how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_version: Option<u32>,
    /// Every published version, oldest first, with what it holds.
    #[serde(default)]
    pub versions: Vec<PublishedVersion>,
    pub title: String,
    pub department: String,
    #[serde(flatten)]
    pub summary: crate::summary::Summary,
    /// Rows `offset .. offset + limit` of `total_rows`, masked for the reader.
    pub rows: Vec<SummaryRow>,
    pub total_rows: usize,
    pub offset: usize,
}

/// `POST /api/tasks/{id}/form`: the task, its generated form, and the
/// draft saved so far (for a returned task without one: the rows it was
/// returned with).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskForm {
    pub task: TaskSummary,
    pub form: Form,
    pub draft: Option<Draft>,
}
