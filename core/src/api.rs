//! Request and response bodies of the JSON API under `/api/`, shared by the
//! worker (which serves them) and the front-end (which sends them), so the
//! two cannot drift apart.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::{Burden, FieldPlan};
use crate::field_error::FieldError;
use crate::ledger::OrgUnit;
use crate::text::Text;

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

/// Where a pre-filled value came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The ledger item, e.g. `person.name`.
    pub item: String,
    pub record_id: String,
    pub record_version: u32,
    pub updated_at: String,
    pub updated_by: String,
}

/// The version of the subject record a row's pre-filled values came from.
/// One per row, not per cell: every pre-filled cell of a row comes from the
/// same record (the row's `subject_id`), so the per-cell provenance is this
/// plus the column's ledger item ([`FormRow::provenance`]). A 2,000-row form
/// stays a fifth of the size it would be with the record repeated per cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordVersion {
    pub version: u32,
    pub updated_at: String,
    pub updated_by: String,
}

/// One row of a generated form: one subject record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRow {
    /// The subject's ledger record id.
    pub subject_id: String,
    /// Pre-filled values, by field key. New fields are absent.
    pub values: Map<String, Value>,
    /// The subject record's version; `None` for a form about the org unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordVersion>,
}

impl FormRow {
    /// Whom this row is about: see [`subject_label`].
    pub fn subject_label(&self, columns: &[FieldPlan]) -> SubjectLabel {
        subject_label(columns, &self.values)
    }

    /// Where the value of `column` in this row came from: `None` unless the
    /// column is bound to the ledger and the row has a value for it.
    pub fn provenance(&self, column: &FieldPlan) -> Option<Provenance> {
        let crate::compile::FieldSource::Ledger { item } = &column.source else { return None };
        let record = self.record.as_ref()?;
        self.values.get(&column.key)?;
        Some(Provenance {
            item: item.clone(),
            record_id: self.subject_id.clone(),
            record_version: record.version,
            updated_at: record.updated_at.clone(),
            updated_by: record.updated_by.clone(),
        })
    }
}

/// A generated form: the template, its columns and one pre-filled row per subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub org_unit: OrgUnit,
    /// The template document, so the browser compiles the same validator.
    pub schema: Value,
    pub columns: Vec<FieldPlan>,
    pub rows: Vec<FormRow>,
}

/// Whom a form row is about, as a person reads it: the value of its first
/// `*.name` column (else its first pre-filled text), and its ID number or
/// credit code masked — for headers and accessible names.
pub fn subject_label<C: std::borrow::Borrow<FieldPlan>>(columns: &[C], values: &Map<String, Value>) -> SubjectLabel {
    use crate::compile::FieldSource;
    let columns = || columns.iter().map(std::borrow::Borrow::borrow);
    let bound = |column: &&FieldPlan| matches!(&column.source, FieldSource::Ledger { .. });
    let text = |column: &FieldPlan| values.get(&column.key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let is_name = |column: &&FieldPlan| matches!(&column.source, FieldSource::Ledger { item } if item.ends_with(".name"));
    let name = columns().filter(is_name).find_map(text).or_else(|| columns().filter(bound).find_map(text));
    let identifier = columns()
        .filter(bound)
        .filter(|c| {
            matches!(c.format.as_deref(), Some("cn-id-number" | "cn-credit-code"))
                || matches!(&c.source, FieldSource::Ledger { item } if item.ends_with("id_number") || item.ends_with("credit_code"))
        })
        .find_map(text)
        .map(|id| crate::access::mask(crate::catalog::Sensitivity::IdNumber, &id));
    SubjectLabel { name: name.unwrap_or_default(), identifier }
}

/// Whom a form row is about: see [`subject_label`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectLabel {
    pub name: String,
    /// The masked identifier (`500118********8792`), when the row has one.
    pub identifier: Option<String>,
}

/// One submitted row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmittedRow {
    pub subject_id: String,
    pub values: Map<String, Value>,
}

/// `POST /api/submissions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRequest {
    /// Chosen by the client once per form; a retried request with the same
    /// id returns the first result instead of storing the form twice.
    pub submission_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub org_unit: String,
    pub rows: Vec<SubmittedRow>,
    /// The task this submission answers, when it was dispatched as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Pre-filled cells staff corrected in the ledger while filling the
    /// form (each correction is its own ledger update); for the burden meter.
    #[serde(default)]
    pub corrected_cells: u32,
    /// A survey (pick form) sent with no rows must say so on purpose: staff
    /// confirmed 本村无灾情. Refused with rows, required without.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nothing_to_report: bool,
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

/// `POST /api/users` (system administrators only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: crate::access::Role,
    pub org_unit: String,
    #[serde(default)]
    pub department: Option<String>,
    pub password: String,
}

/// `PUT /api/users/{id}/grants`: the complete list of granted ledger items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantsRequest {
    pub items: Vec<String>,
}

/// An entry of `GET /api/audit`: one unmasked read of sensitive fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub user_id: String,
    pub username: String,
    /// The reader's name, as people know them.
    #[serde(default)]
    pub display_name: String,
    pub action: String,
    pub items: Vec<String>,
    pub record_ids: Vec<String>,
    pub record_count: usize,
    /// Routine, under a grant, or across areas (`access::classify_read`).
    #[serde(default)]
    pub class: crate::access::ReadClass,
    /// The org units of the records read, and their names.
    #[serde(default)]
    pub org_units: Vec<String>,
    #[serde(default)]
    pub org_unit_names: Vec<String>,
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

/// A task as the inbox and the completion board show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub id: String,
    pub dispatch_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub department: String,
    pub org_unit: String,
    pub org_unit_name: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub status: crate::tasks::TaskStatus,
    pub dispatched_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_comment: Option<String>,
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

/// Cells of one submission by where their value came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellCounts {
    /// Values taken from the ledger.
    pub prefilled: u32,
    /// Values staff typed (new fields).
    pub typed: u32,
    /// Values the form computed.
    pub computed: u32,
    /// Pre-filled values staff corrected in the ledger.
    pub corrected: u32,
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

/// One submission's figures on the burden meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenEntry {
    pub submission_id: String,
    pub template_id: String,
    pub title: String,
    pub org_unit: String,
    pub org_unit_name: String,
    pub submitted_at: String,
    pub rows: u32,
    pub cells: CellCounts,
    /// From opening the form to submitting it; unknown for forms submitted
    /// without a task.
    pub seconds_open: Option<u32>,
}

/// Figures summed over submissions: of one village in one month, or of all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenRollup {
    pub org_unit: String,
    pub org_unit_name: String,
    /// `YYYY-MM`; empty for the grand total.
    pub month: String,
    pub submissions: u32,
    pub cells: CellCounts,
    /// Pre-filled ÷ (pre-filled + typed), 0 when there are no cells.
    pub prefilled_share: f64,
    /// Mean minutes from opening to submitting, over submissions that know it.
    pub mean_minutes: Option<f64>,
}

/// `GET /api/burden?org_unit=…[&month=…]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenReport {
    pub entries: Vec<BurdenEntry>,
    pub by_village_month: Vec<BurdenRollup>,
    pub total: BurdenRollup,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::compile::FieldSource;
    use crate::test_support::column;

    #[test]
    fn a_row_is_named_by_its_subject_with_the_identifier_masked() {
        let ledger = |item: &str| FieldSource::Ledger { item: item.into() };
        let columns = [
            column("addr", ledger("person.address")),
            column("xm", ledger("person.name")),
            column("sfz", ledger("person.id_number")),
            column("note", FieldSource::New),
        ];
        let values = json!({"addr": "永川区1号", "xm": "张三", "sfz": "500118197501168792", "note": "x"});
        let label = subject_label(&columns, values.as_object().unwrap());
        assert_eq!(label, SubjectLabel { name: "张三".into(), identifier: Some("500118********8792".into()) });
        // No name column: the first pre-filled text; no identifier: none.
        let label = subject_label(&columns[..1], values.as_object().unwrap());
        assert_eq!(label, SubjectLabel { name: "永川区1号".into(), identifier: None });
        assert_eq!(subject_label(&columns, &Map::new()), SubjectLabel::default());
    }
}
