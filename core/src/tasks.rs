//! Tasks: a template version dispatched to a village with a due date, and
//! the rules of its life: who may move it from which status to which.
//!
//! ```text
//! not_opened ──open──► draft ──submit──► submitted ──return──► returned
//!      └──────────submit───────────────────▲    ▲──────submit──────┘
//! ```
//!
//! The worker stores tasks; every status change it makes is decided here.

use serde::{Deserialize, Serialize};

use crate::text::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Dispatched; nobody in the village has opened the form yet.
    NotOpened,
    /// The form was generated or a draft saved; not yet submitted.
    Draft,
    Submitted,
    /// A submission was sent back for correction, with a comment.
    Returned,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [TaskStatus::NotOpened, TaskStatus::Draft, TaskStatus::Submitted, TaskStatus::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotOpened => "not_opened",
            TaskStatus::Draft => "draft",
            TaskStatus::Submitted => "submitted",
            TaskStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn title(self) -> Text {
        match self {
            TaskStatus::NotOpened => Text::new("未打开", "not opened"),
            TaskStatus::Draft => Text::new("填报中", "in progress"),
            TaskStatus::Submitted => Text::new("已提交", "submitted"),
            TaskStatus::Returned => Text::new("已退回", "returned"),
        }
    }

    /// Whether the village may still change the form (open, save drafts,
    /// submit): before submitting, or after a return.
    pub fn is_open_for_entry(self) -> bool {
        self != TaskStatus::Submitted
    }

    /// The status after the village opens the form or saves a draft.
    pub fn on_open(self) -> TaskStatus {
        match self {
            TaskStatus::NotOpened => TaskStatus::Draft,
            other => other,
        }
    }

    /// The status after a submission, or why there can be none.
    pub fn on_submit(self) -> Result<TaskStatus, TaskError> {
        match self {
            TaskStatus::Submitted => Err(TaskError::AlreadySubmitted),
            _ => Ok(TaskStatus::Submitted),
        }
    }

    /// The status after returning the submission for correction.
    pub fn on_return(self, comment: &str) -> Result<TaskStatus, TaskError> {
        if self != TaskStatus::Submitted {
            return Err(TaskError::NotSubmitted);
        }
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(TaskError::MissingComment);
        }
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(TaskError::CommentTooLong);
        }
        Ok(TaskStatus::Returned)
    }
}

/// Longest comment on a returned submission, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// Why a task cannot change as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskError {
    AlreadySubmitted,
    NotSubmitted,
    MissingComment,
    CommentTooLong,
}

impl TaskError {
    pub fn code(self) -> &'static str {
        match self {
            TaskError::AlreadySubmitted => "task_already_submitted",
            TaskError::NotSubmitted => "task_not_submitted",
            TaskError::MissingComment => "missing_return_comment",
            TaskError::CommentTooLong => "return_comment_too_long",
        }
    }

    pub fn message(self) -> Text {
        match self {
            TaskError::AlreadySubmitted => Text::new(
                "此任务已提交；如需修改，请联系镇协同中心退回",
                "this task is already submitted; ask the town centre to return it for changes",
            ),
            TaskError::NotSubmitted => Text::new("只有已提交的任务才能退回", "only a submitted task can be returned"),
            TaskError::MissingComment => Text::new("退回时请写明原因", "say why the submission is returned"),
            TaskError::CommentTooLong => Text::new(
                format!("退回原因不能超过 {MAX_COMMENT_CHARS} 字"),
                format!("the reason may have at most {MAX_COMMENT_CHARS} characters"),
            ),
        }
    }
}

/// Whether `due_date` (`YYYY-MM-DD`) is a real calendar date.
pub fn is_valid_due_date(due_date: &str) -> bool {
    crate::expr::Date::parse(due_date).is_some()
}

/// A task as the inbox and the completion board show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

crate::read_object!(TaskSummary {
    id, dispatch_id, template_id, template_version, title, department, org_unit, org_unit_name, due_date, status, dispatched_at
} default { opened_at, submission_id, submitted_at, return_comment });

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(TaskStatus::parse("done"), None);
    }

    #[test]
    fn opening_moves_only_a_new_task() {
        assert_eq!(NotOpened.on_open(), Draft);
        assert_eq!(Draft.on_open(), Draft);
        assert_eq!(Returned.on_open(), Returned);
        assert_eq!(Submitted.on_open(), Submitted);
    }

    #[test]
    fn a_task_is_submitted_once_until_returned() {
        assert_eq!(NotOpened.on_submit(), Ok(Submitted));
        assert_eq!(Draft.on_submit(), Ok(Submitted));
        assert_eq!(Returned.on_submit(), Ok(Submitted));
        assert_eq!(Submitted.on_submit(), Err(TaskError::AlreadySubmitted));
        assert!(!Submitted.is_open_for_entry());
        assert!(Returned.is_open_for_entry());
    }

    #[test]
    fn returning_needs_a_submission_and_a_reason() {
        assert_eq!(Submitted.on_return("身份证号有误"), Ok(Returned));
        assert_eq!(Draft.on_return("x"), Err(TaskError::NotSubmitted));
        assert_eq!(Submitted.on_return("  "), Err(TaskError::MissingComment));
        assert_eq!(Submitted.on_return(&"长".repeat(501)), Err(TaskError::CommentTooLong));
        assert_eq!(Submitted.on_return(&"长".repeat(500)), Ok(Returned));
    }

    #[test]
    fn due_dates_are_calendar_dates() {
        assert!(is_valid_due_date("2026-12-31"));
        assert!(!is_valid_due_date("2026-02-30"));
        assert!(!is_valid_due_date("明天"));
    }
}
