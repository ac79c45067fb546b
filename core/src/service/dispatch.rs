//! Dispatching an approved template to villages (one task per village per
//! dispatch), the dispatch list and a dispatch's completion board; with
//! [`DispatchStore`], their storage port.

use crate::service::require;
use std::collections::BTreeSet;

use crate::access::{Action, Principal};
use crate::api::{Board, DispatchReceipt, DispatchRequest, DispatchSummary, TaskSummary};
use crate::ids::ClientId;
use crate::ledger::OrgUnit;
use crate::messages::Text;
use crate::review::ReviewStatus;
use crate::tasks::is_valid_due_date;

use super::tasks::{TaskFilter, TaskStore, department_of};
use super::{Directory, Now, ServiceError};

/// Most org units one dispatch may name (towns and villages of a district).
pub const MAX_TARGETS: usize = 400;

/// Which dispatches to list: those reaching into `scope`, narrowed by the
/// optional filters.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DispatchFilter<'a> {
    pub scope: &'a str,
    pub template_id: Option<&'a str>,
    pub department: Option<&'a str>,
    pub dispatch_id: Option<&'a str>,
}

/// The tasks of one dispatch, to create all or none.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDispatch<'a> {
    pub dispatch_id: &'a str,
    pub template_id: &'a str,
    pub template_version: u32,
    pub due_date: &'a str,
    pub dispatched_by: &'a str,
    pub dispatched_at: &'a str,
    /// One task per village: (task id, village code).
    pub tasks: Vec<(String, &'a str)>,
}

/// The newest review request of a template: why it has no approved
/// version (a status that does not parse is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewState {
    pub status: Option<ReviewStatus>,
    pub reason: Option<String>,
}

/// The storage of dispatches (tasks grouped by their dispatch id).
#[allow(async_fn_in_trait)]
pub trait DispatchStore: TaskStore {
    /// Every village inside `code` (a district, town or village), by code.
    async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError>;
    /// Dispatches with their tasks' counts, newest first.
    async fn dispatches(&self, filter: &DispatchFilter<'_>) -> Result<Vec<DispatchSummary>, ServiceError>;
    /// Creates the missing tasks of a dispatch in one transaction (each
    /// keyed by dispatch and village); how many it created.
    async fn insert_tasks(&self, dispatch: &NewDispatch<'_>) -> Result<usize, ServiceError>;
    /// The newest review request of `template_id`, if any.
    async fn latest_review(&self, template_id: &str) -> Result<Option<ReviewState>, ServiceError>;
}

fn bad_id(pointer: &str) -> ServiceError {
    ServiceError::field(pointer, "invalid_id", Text::new("编号须为 1–64 个字母、数字或连字符", "use 1–64 letters, digits or hyphens"))
}

/// Why a template id has no approved version to dispatch.
async fn not_dispatchable(store: &impl DispatchStore, template_id: &str) -> Result<ServiceError, ServiceError> {
    let review = store.latest_review(template_id).await?;
    Ok(match review.map(|r| (r.status, r.reason)) {
        Some((Some(ReviewStatus::Rejected), reason)) => ServiceError::Conflict {
            code: "template_rejected",
            message: Text::new(
                format!("该报表未通过准入审核，不能下发（驳回理由：{}）", reason.as_deref().unwrap_or("无")),
                format!("this template was rejected in review and cannot be dispatched (reason: {})", reason.as_deref().unwrap_or("none")),
            ),
        },
        Some((Some(ReviewStatus::Pending), _)) => ServiceError::Conflict {
            code: "template_pending",
            message: Text::new(
                "该报表正在准入审核中，批准后才能下发",
                "this template is still under review: it can be dispatched once approved",
            ),
        },
        _ => ServiceError::NotFound { what: "approved template", zh: "已准入的该报表" },
    })
}

/// Dispatches a published template version to the villages inside the
/// request's org units: one task per village. Returns the receipt and
/// whether tasks were created (201) or a retry found them all (200).
///
/// Retries and crashes: the tasks are created in one transaction keyed by
/// the client's dispatch id and the village (all or none), so retrying
/// creates only what is missing. Reusing a dispatch id for another
/// template or due date is refused (409 `dispatch_id_reused`).
pub async fn dispatch<S: Directory + DispatchStore>(
    principal: &Principal,
    request: &DispatchRequest,
    now: &Now,
    store: &S,
) -> Result<DispatchReceipt, ServiceError> {
    require(principal, &Action::BeginDispatch)?;
    if !ClientId::is_valid(&request.dispatch_id) {
        return Err(bad_id("/dispatch_id"));
    }
    if !is_valid_due_date(&request.due_date) {
        return Err(ServiceError::field(
            "/due_date",
            "invalid_due_date",
            Text::new("截止日期须为有效日期（YYYY-MM-DD）", "the due date must be a real date (YYYY-MM-DD)"),
        ));
    }
    if request.org_units.is_empty() || request.org_units.len() > MAX_TARGETS {
        return Err(ServiceError::field(
            "/org_units",
            "no_targets",
            Text::new(format!("请选择 1–{MAX_TARGETS} 个乡镇或村"), format!("choose 1–{MAX_TARGETS} towns or villages")),
        ));
    }
    let Some(template) = store.template(&request.template_id, request.template_version).await? else {
        return Err(not_dispatchable(store, &request.template_id).await?);
    };
    let department = &template.meta.department;
    let mut villages = BTreeSet::new();
    for (i, code) in request.org_units.iter().enumerate() {
        let inside = store.villages_in(code).await?;
        if inside.is_empty() || !matches!(code.len(), 6 | 9 | 12) {
            return Err(ServiceError::field(
                format!("/org_units/{i}"),
                "unknown_org_unit",
                Text::new(format!("“{code}”不是本区的乡镇或村"), format!("{code:?} is not a town or village of the district")),
            ));
        }
        for village in inside {
            require(principal, &Action::Dispatch { org_unit: &village.code, department })?;
            villages.insert(village.code);
        }
    }
    let (template_id, version) = (template.meta.id.as_str(), template.meta.version);
    // A dispatch id names one dispatch: reusing it for another template or
    // due date is refused rather than silently ignored.
    // A city-level principal (issue 16) dispatches within one district at a
    // time: the reuse check looks there, not under the city's code.
    let scope = match villages.first() {
        Some(village) if crate::access::is_city_level(principal) => &village[..6],
        _ => principal.org_unit.as_str(),
    };
    let filter = DispatchFilter { scope, dispatch_id: Some(&request.dispatch_id), ..DispatchFilter::default() };
    let existing = store.dispatches(&filter).await?;
    if existing.iter().any(|d| d.template_id != template_id || d.template_version != version || d.due_date != request.due_date) {
        return Err(ServiceError::Conflict {
            code: "dispatch_id_reused",
            message: Text::new("该下发编号已用于另一次下发", "this dispatch_id was already used for another dispatch"),
        });
    }
    let new = NewDispatch {
        dispatch_id: &request.dispatch_id,
        template_id,
        template_version: version,
        due_date: &request.due_date,
        dispatched_by: &principal.display_name,
        dispatched_at: &now.instant,
        tasks: villages.iter().map(|code| (format!("{}-{code}", request.dispatch_id), code.as_str())).collect(),
    };
    let created = store.insert_tasks(&new).await?;
    Ok(DispatchReceipt {
        dispatch_id: request.dispatch_id.clone(),
        template_id: template_id.to_owned(),
        template_version: version,
        due_date: request.due_date.clone(),
        villages: villages.len(),
        created,
    })
}

/// Dispatches reaching the reader's area (of one template when asked),
/// with counts per status; an analyst sees its own department's only.
pub async fn list_dispatches(
    principal: &Principal,
    template_id: Option<&str>,
    store: &impl DispatchStore,
) -> Result<Vec<DispatchSummary>, ServiceError> {
    let department = department_of(principal);
    require(principal, &Action::ReadTasks { org_unit: &principal.org_unit, department: department.unwrap_or_default() })?;
    store.dispatches(&DispatchFilter { scope: &principal.org_unit, template_id, department, dispatch_id: None }).await
}

/// The completion board of dispatch `id`: its tasks inside the reader's
/// area.
pub async fn board(principal: &Principal, id: &str, store: &impl DispatchStore) -> Result<Board, ServiceError> {
    let filter = DispatchFilter { scope: &principal.org_unit, dispatch_id: Some(id), ..DispatchFilter::default() };
    let dispatch =
        store.dispatches(&filter).await?.into_iter().next().ok_or(ServiceError::NotFound { what: "dispatch", zh: "该下发任务" })?;
    require(principal, &Action::ReadTasks { org_unit: &principal.org_unit, department: &dispatch.department })?;
    let tasks: Vec<TaskSummary> =
        store.tasks(&TaskFilter { scope: &principal.org_unit, dispatch_id: Some(id), ..TaskFilter::default() }).await?;
    Ok(Board { dispatch, tasks })
}
