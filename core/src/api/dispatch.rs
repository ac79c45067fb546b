//! Bodies of dispatching, tasks, drafts, the completion board and summaries.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::form::Form;
use crate::submission::SubmittedRow;
use crate::tasks::TaskSummary;

/// `GET /api/tasks/{id}/draft` and the answer to saving one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub task_id: String,
    /// Starts at 1 and grows by one per save.
    pub revision: u32,
    pub rows: Vec<SubmittedRow>,
    pub saved_at: String,
}

crate::read_object!(Draft { task_id, revision, rows, saved_at } default {});

/// `PUT /api/tasks/{id}/draft`: the rows typed so far, saved over the
/// revision the client last saw (0 when it has seen none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveDraftRequest {
    pub base_revision: u32,
    pub rows: Vec<SubmittedRow>,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskForm {
    pub task: TaskSummary,
    pub form: Form,
    pub draft: Option<Draft>,
}

crate::read_object!(TaskForm { task, form } default { draft });
