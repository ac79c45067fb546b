//! Submitting a filled form (`submit`), with [`SubmissionStore`], the
//! storage port of submissions and of what a submission reads: the
//! subjects' ledger records, the survey a task belongs to, uploaded photos.
//!
//! A submission is validated with the same core code the browser runs, then
//! stored in one transaction keyed by the client's submission id, with its
//! task's move to `submitted` and its `x-writeback` ledger updates.

use crate::service::require;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde_json::Value;

use crate::access::{Action, Principal};
use crate::api::{CellCounts, SubmissionReceipt, SubmissionRequest, TaskSummary};
use crate::ledger::{ChangeMeta, Conflict, RecordTypes, Source, Write};
use crate::messages::Text;
use crate::submission::{check_subjects, count_cells, validate_submission};
use crate::survey::{NEW_PREFIX, check_picked, check_rows, is_photo_hash};
use crate::tasks::{TaskError, TaskStatus};
use crate::writeback::plan_writeback;
use crate::{Catalog, CompiledTemplate, FieldError, LedgerRecord};

use super::tasks::TaskStore;
use super::{Directory, Now, ServiceError};

/// A validated submission and everything stored with it.
#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    pub request: &'a SubmissionRequest,
    pub submitted_at: &'a str,
    pub submitted_by: &'a str,
    pub cells: CellCounts,
    pub seconds_open: Option<u32>,
    /// Write-back updates of the subjects' ledger records.
    pub writes: &'a [Write],
    /// Photos the rows name (survey forms): recorded as referenced by this
    /// submission in the same transaction, which lets its readers see them.
    pub photos: &'a [&'a str],
}

/// What `submit` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// The submission is new and now stored (201).
    Created(SubmissionReceipt),
    /// A submission with this id was already stored: a retry (200).
    Replayed(SubmissionReceipt),
}

/// The storage of submissions, and what submitting one reads.
#[allow(async_fn_in_trait)]
pub trait SubmissionStore: TaskStore {
    /// The ledger record types (fields, natural keys), for write-back.
    fn record_types(&self) -> Result<Rc<RecordTypes>, ServiceError>;
    /// The catalog, for masking what a reader sees.
    fn catalog(&self) -> Result<Rc<Catalog>, ServiceError>;
    /// Every record of `entity` in the org unit `org_unit`, by id.
    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// The records of these ids that exist.
    async fn records_by_id(&self, ids: &[&str]) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// Of `hashes`, those `org_unit` has not uploaded.
    async fn photos_not_uploaded(&self, org_unit: &str, hashes: &[&str]) -> Result<Vec<String>, ServiceError>;
    /// Whether the dispatch is a survey that is closed.
    async fn survey_closed(&self, dispatch_id: &str) -> Result<bool, ServiceError>;
    /// The receipt of the stored submission `id`.
    async fn receipt(&self, id: &str) -> Result<Option<SubmissionReceipt>, ServiceError>;
    /// Stores the submission in one transaction: the row, for a task its
    /// move to `submitted` (only if not submitted and its survey, if any,
    /// not closed) and the removal of its draft, its photos' references and
    /// the write-back updates (each conditional on its record's version).
    /// Fails whole, storing nothing, when any condition fails.
    async fn insert_submission(&self, new: &NewSubmission<'_>) -> Result<(), ServiceError>;
    /// After a failed insert: the first write whose record is not where it
    /// expected it, with what is stored now.
    async fn stale_write(&self, writes: &[Write]) -> Result<Option<Conflict>, ServiceError>;
}

/// The 409 of a submission to a closed survey.
pub fn survey_closed() -> ServiceError {
    ServiceError::Conflict {
        code: "survey_closed",
        message: Text::new(
            "该应急摸排已结束，不再接收填报：如有新灾情，请直接联系镇街协同中心",
            "this survey is closed and takes no more reports: tell the town centre directly",
        ),
    }
}

/// Submits the form in `body` (a JSON `SubmissionRequest`).
///
/// In order: the principal may submit for the body's org unit; the template
/// version exists; computed fields are computed here, whatever the client
/// sent; the cells pass the template's rules; the task (if any) is this
/// form's and open; every row's subject belongs to the org unit (pick forms:
/// picked records of the village or new ones, photos uploaded by it, the
/// survey still open); the write-back plan holds.
///
/// Retries and crashes: a submission id already stored answers its first
/// receipt (`Replayed`) and writes nothing again, unless the id was used
/// for another form (409 `submission_id_reused`). A crash before the store's
/// transaction stores nothing, after it everything. A failed transaction
/// is explained: a concurrent retry of the same submission won (replayed),
/// a subject record moved on (409 stale, with the record), the task was
/// answered meanwhile (409) or its survey closed (409).
pub async fn submit<S: Directory + SubmissionStore>(
    principal: &Principal,
    mut body: Value,
    now: &Now,
    store: &S,
) -> Result<Submitted, ServiceError> {
    let org_unit = body.get("org_unit").and_then(Value::as_str).unwrap_or_default();
    require(principal, &Action::Submit { org_unit })?;
    let template_id = body.get("template_id").and_then(Value::as_str).unwrap_or_default();
    let version = body.get("template_version").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok());
    let Some(template) = store.template(template_id, version).await? else {
        return Err(ServiceError::field(
            "/template_id",
            "unknown_template",
            Text::new("没有这个报表模板或版本", "no such template or template version"),
        ));
    };
    if let Some(rows) = body.get_mut("rows").and_then(Value::as_array_mut) {
        let today = now.today();
        for values in rows.iter_mut().filter_map(|r| r.get_mut("values")).filter_map(Value::as_object_mut) {
            crate::compile::compute_row(&template, values, today);
        }
    }
    let request = validate_submission(&template, &body).map_err(ServiceError::Validation)?;
    let task = match &request.task_id {
        Some(id) => Some(task_of(store, id, &request).await?),
        None => None,
    };
    let unit = store
        .org_unit(&request.org_unit)
        .await?
        .ok_or_else(|| ServiceError::field("/org_unit", "unknown_org_unit", Text::new("没有这个行政区划", "no such org unit")))?;
    let records = if template.subject.entity == "org_unit" || template.subject.is_pick() {
        Vec::new()
    } else {
        store.records(&unit.code, &template.subject.entity).await?
    };
    if template.subject.is_pick() {
        check_picked_rows(store, &template, &request, task.as_ref()).await?;
    } else {
        let subjects: HashSet<String> = crate::prefill(&template, &unit, &records).rows.into_iter().map(|r| r.subject_id).collect();
        let strangers = check_subjects(&request, &subjects);
        if !strangers.is_empty() {
            return Err(ServiceError::Validation(strangers));
        }
    }
    let by_id: HashMap<&str, &LedgerRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.instant.clone(), source: Source::Form };
    let record_types = store.record_types()?;
    let writes = plan_writeback(&template, &record_types, &request, &by_id, &meta).map_err(ServiceError::Validation)?;
    let seconds_open = task.as_ref().and_then(|t| t.opened_at.as_deref()).and_then(|opened| seconds_between(opened, &now.instant));
    let named = if template.subject.is_pick() { named_photos(&request) } else { Vec::new() };
    let photos: Vec<&str> = named.iter().map(|(_, _, h)| *h).collect();
    let new = NewSubmission {
        photos: &photos,
        request: &request,
        submitted_at: &now.instant,
        submitted_by: &principal.username,
        cells: count_cells(&template, &request),
        seconds_open,
        writes: &writes,
    };
    store_once(store, &new).await
}

/// Stores `new` exactly once (see [`submit`]'s retry semantics).
async fn store_once(store: &impl SubmissionStore, new: &NewSubmission<'_>) -> Result<Submitted, ServiceError> {
    let request = new.request;
    if let Some(stored) = store.receipt(&request.submission_id).await? {
        return replay(stored, request);
    }
    let Err(error) = store.insert_submission(new).await else {
        return Ok(Submitted::Created(SubmissionReceipt {
            id: request.submission_id.clone(),
            template_id: request.template_id.clone(),
            template_version: request.template_version,
            org_unit: request.org_unit.clone(),
            row_count: request.rows.len(),
            submitted_at: new.submitted_at.to_owned(),
        }));
    };
    // Why did the transaction fail? A concurrent retry of the same
    // submission won; a subject record moved on; the task was answered
    // meanwhile; its survey closed.
    if let Some(stored) = store.receipt(&request.submission_id).await? {
        return replay(stored, request);
    }
    if let Some(conflict) = store.stale_write(new.writes).await? {
        return Err(ServiceError::Stale { message: conflict.message(), current: conflict.current });
    }
    if let Some(task) = &request.task_id
        && let Some(task) = store.task(task).await?
    {
        if task.status == TaskStatus::Submitted {
            return Err(TaskError::AlreadySubmitted.into());
        }
        if store.survey_closed(&task.dispatch_id).await? {
            return Err(survey_closed());
        }
    }
    Err(match error {
        ServiceError::Storage(detail) => ServiceError::Storage(format!("submission batch failed: {detail}")),
        other => other,
    })
}

/// The answer to a submission whose id is already stored: the first
/// receipt, unless the id was used for another form.
fn replay(stored: SubmissionReceipt, request: &SubmissionRequest) -> Result<Submitted, ServiceError> {
    if stored.template_id != request.template_id || stored.org_unit != request.org_unit {
        return Err(ServiceError::Conflict {
            code: "submission_id_reused",
            message: Text::new("该提交编号已用于另一份表格", "this submission_id was already used for a different form"),
        });
    }
    Ok(Submitted::Replayed(stored))
}

/// The task a submission answers: it must be this form's (same template
/// version, same unit) and still open for entry, unless this very
/// submission is what answered it (a retry).
async fn task_of(store: &impl TaskStore, id: &str, request: &SubmissionRequest) -> Result<TaskSummary, ServiceError> {
    let invalid = |zh: &str, en: &str| ServiceError::field("/task_id", "wrong_task", Text::new(zh, en));
    let Some(task) = store.task(id).await? else {
        return Err(invalid("没有这个任务", "no such task"));
    };
    if task.org_unit != request.org_unit || task.template_id != request.template_id || task.template_version != request.template_version {
        return Err(invalid("该任务不是这份表格的任务", "this task is for another form or org unit"));
    }
    if task.status == TaskStatus::Submitted && task.submission_id.as_deref() != Some(request.submission_id.as_str()) {
        return Err(TaskError::AlreadySubmitted.into());
    }
    Ok(task)
}

/// The photos a submission's rows name: (row, field, hash), each hash once
/// in a run.
pub fn named_photos(request: &SubmissionRequest) -> Vec<(usize, &str, &str)> {
    let mut named: Vec<(usize, &str, &str)> = request
        .rows
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.values.iter().filter_map(move |(key, value)| value.as_array().map(|a| (i, key.as_str(), a))))
        .flat_map(|(i, key, items)| items.iter().filter_map(|v| v.as_str()).filter(|s| is_photo_hash(s)).map(move |h| (i, key, h)))
        .collect();
    named.dedup_by(|a, b| a.2 == b.2);
    named
}

/// The pick-mode check of a submission: the survey is still open (else 409
/// `survey_closed`, unless this very submission answered the task), there
/// is a row or the explicit 本村无灾情, every picked subject is a record of
/// the submitting village of the row's kind, and every photo named was
/// uploaded for this village.
async fn check_picked_rows(
    store: &impl SubmissionStore,
    template: &CompiledTemplate,
    request: &SubmissionRequest,
    task: Option<&TaskSummary>,
) -> Result<(), ServiceError> {
    if let Some(task) = task
        && store.survey_closed(&task.dispatch_id).await?
        && task.submission_id.as_deref() != Some(request.submission_id.as_str())
    {
        return Err(survey_closed());
    }
    let ids: Vec<&str> = request.rows.iter().map(|r| r.subject_id.as_str()).filter(|id| !id.starts_with(NEW_PREFIX)).collect();
    let records = store.records_by_id(&ids).await?;
    let by_id: HashMap<&str, &LedgerRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut errors = check_rows(request);
    errors.extend(check_picked(template, request, &by_id));
    let named = named_photos(request);
    let missing = store.photos_not_uploaded(&request.org_unit, &named.iter().map(|(_, _, h)| *h).collect::<Vec<_>>()).await?;
    for (i, key, hash) in named.iter().filter(|(_, _, h)| missing.iter().any(|m| m == h)) {
        errors.push(FieldError::new(
            format!("/rows/{i}/values/{key}"),
            "unknown_photo",
            Text::new(
                format!("照片 {} 尚未上传：请联网后重新提交，或删除该照片后重新拍摄", &hash[..8]),
                format!("photo {} was not uploaded: submit again online, or remove it and take it again", &hash[..8]),
            ),
        ));
    }
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Validation(errors)) }
}

/// Whole seconds from `from` to `to` (both RFC 3339 in UTC, as stored),
/// when both parse and `to` is not earlier.
pub fn seconds_between(from: &str, to: &str) -> Option<u32> {
    let ms = unix_millis(to)? - unix_millis(from)?;
    (ms >= 0).then(|| ((ms + 500) / 1000).min(i64::from(u32::MAX)) as u32)
}

/// Milliseconds since 1970 of `YYYY-MM-DDTHH:MM:SS[.fff]Z`.
fn unix_millis(instant: &str) -> Option<i64> {
    let date = crate::expr::Date::parse(instant.get(..10)?)?;
    let rest = instant.get(10..)?.strip_prefix('T')?.strip_suffix('Z')?;
    let (hms, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let mut parts = hms.split(':').map(|p| p.parse::<i64>().ok().filter(|_| p.len() == 2));
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ms = format!("{fraction:0<3}").get(..3)?.parse::<i64>().ok()?;
    Some(days_from_civil(&date) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + ms)
}

/// Days since 1970-01-01 of a calendar date (Howard Hinnant's algorithm).
fn days_from_civil(date: &crate::expr::Date) -> i64 {
    let (y, m, d) = (i64::from(date.year) - i64::from(date.month <= 2), i64::from(date.month), i64::from(date.day));
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
