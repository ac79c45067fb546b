//! `POST /api/submissions` and reading submissions back.
//!
//! A submission is validated with the same core code the browser runs, then
//! stored in one D1 batch keyed by the client's submission id, with its
//! task's move to `submitted` and its `x-writeback` ledger updates: a retry
//! of the same POST returns the first result (200) and writes nothing again.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde::Deserialize;
use serde_json::Value;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal, authorize, mask_template_rows};
use ybt_core::api::{StoredSubmission, SubmissionReceipt, SubmissionRequest, TaskSummary};
use ybt_core::export::{Sheet, table_to_csv, table_to_xlsx};
use ybt_core::ledger::{ChangeMeta, Source};
use ybt_core::messages::Text;
use ybt_core::submission::{check_subjects, count_cells};
use ybt_core::tasks::{TaskError, TaskStatus};
use ybt_core::writeback::plan_writeback;
use ybt_core::{CompiledTemplate, FieldError};

use crate::api::audit;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Download, Json, now_rfc3339, read_json};
use crate::store::{NewSubmission, Store, Stored};
use crate::template_cache;

pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<SubmissionReceipt>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let mut body: Value = read_json(&mut req).await?;
    let org_unit = body.get("org_unit").and_then(Value::as_str).unwrap_or_default();
    require(&principal, &Action::Submit { org_unit })?;
    let template_id = body.get("template_id").and_then(Value::as_str).unwrap_or_default();
    let version = body.get("template_version").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok());
    let Some(row) = store.template(template_id, version).await? else {
        return Err(AppError::Validation(vec![FieldError {
            pointer: "/template_id".to_owned(),
            code: "unknown_template".to_owned(),
            message: Text::new("没有这个报表模板或版本", "no such template or template version"),
        }]));
    };
    let template = template_cache::compiled(&row)?;
    // Computed fields are the worker's to compute, whatever the client sent.
    if let Some(rows) = body.get_mut("rows").and_then(Value::as_array_mut) {
        let today = crate::http::today();
        for values in rows.iter_mut().filter_map(|r| r.get_mut("values")).filter_map(Value::as_object_mut) {
            ybt_core::compile::compute_row(&template, values, today);
        }
    }
    let request = ybt_core::validate_submission(&template, &body).map_err(AppError::Validation)?;
    let task = match &request.task_id {
        Some(id) => Some(task_of(&store, id, &request).await?),
        None => None,
    };
    let unit = store.org_unit(&request.org_unit).await?.ok_or_else(|| {
        AppError::Validation(vec![FieldError {
            pointer: "/org_unit".to_owned(),
            code: "unknown_org_unit".to_owned(),
            message: Text::new("没有这个行政区划", "no such org unit"),
        }])
    })?;
    let records = if template.subject.entity == "org_unit" || template.subject.is_pick() {
        Vec::new()
    } else {
        store.records(&unit.code, &template.subject.entity).await?
    };
    if template.subject.is_pick() {
        // Rows staff added: picked records of this village, or new ones.
        crate::api::surveys::check_submission(&store, &template, &request).await?;
    } else {
        let subjects: HashSet<String> = ybt_core::prefill(&template, &unit, &records).rows.into_iter().map(|r| r.subject_id).collect();
        let strangers = check_subjects(&request, &subjects);
        if !strangers.is_empty() {
            return Err(AppError::Validation(strangers));
        }
    }
    let now = now_rfc3339();
    let by_id: HashMap<&str, &ybt_core::LedgerRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.clone(), source: Source::Form };
    let record_types = template_cache::record_types()?;
    let writes = plan_writeback(&template, &record_types, &request, &by_id, &meta).map_err(AppError::Validation)?;
    let seconds_open = task.as_ref().and_then(|t| t.opened_at.as_deref()).and_then(|opened| seconds_between(opened, &now));
    let photos = if template.subject.is_pick() { crate::api::surveys::named_photos(&request) } else { Vec::new() };
    let photos: Vec<&str> = photos.iter().map(|(_, _, h)| *h).collect();
    let new = NewSubmission {
        photos: &photos,
        request: &request,
        submitted_at: &now,
        submitted_by: &principal.username,
        cells: count_cells(&template, &request),
        seconds_open,
        writes: &writes,
    };
    match store.store_submission(&new).await? {
        Stored::Created(receipt) => Ok(Json(201, receipt)),
        Stored::Replayed(receipt) => Ok(Json(200, receipt)),
    }
}

/// The task a submission answers: it must be this form's (same template
/// version, same unit) and still open for entry, unless this very
/// submission is what answered it (a retry).
async fn task_of(store: &Store, id: &str, request: &SubmissionRequest) -> Result<TaskSummary, AppError> {
    let invalid = |zh: &str, en: &str| {
        AppError::Validation(vec![FieldError { pointer: "/task_id".to_owned(), code: "wrong_task".to_owned(), message: Text::new(zh, en) }])
    };
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

/// Whole seconds from `from` to `to` (both RFC 3339), when both parse and
/// `to` is not earlier.
fn seconds_between(from: &str, to: &str) -> Option<u32> {
    let ms = worker::js_sys::Date::parse(to) - worker::js_sys::Date::parse(from);
    (ms.is_finite() && ms >= 0.0).then(|| (ms / 1000.0).round().min(f64::from(u32::MAX)) as u32)
}

#[derive(Deserialize)]
struct FileQuery {
    format: Option<String>,
}

/// `GET /api/submissions/{id}/file?format=xlsx|csv`: the filled form as a
/// file, masked as `get` masks it (unmasked reads audited).
pub async fn file(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let format = req.query::<FileQuery>().ok().and_then(|q| q.format).unwrap_or_else(|| "xlsx".to_owned());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(AppError::BadRequest {
            code: "bad_format",
            message: Text::new("下载格式只能是 csv 或 xlsx", "format must be csv or xlsx"),
        });
    }
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (found, template) = readable_submission(&store, &principal, &id).await?;
    let rows: Vec<&serde_json::Map<String, Value>> = found.rows.iter().map(|r| &r.values).collect();
    let (bytes, content_type) = if format == "csv" {
        (table_to_csv(&template.fields, &rows), "text/csv; charset=utf-8")
    } else {
        let created = format!("{}Z", found.receipt.submitted_at.get(..19).unwrap_or("2026-01-01T00:00:00"));
        let sheets = [Sheet { name: &template.title, rows }];
        let bytes = table_to_xlsx(&template.fields, &sheets, &created).map_err(|e| AppError::Internal(e.to_string()))?;
        (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    };
    let filename = format!(
        "{}-{}-{}.{format}",
        found.receipt.template_id,
        found.receipt.org_unit,
        found.receipt.submitted_at.get(..10).unwrap_or_default()
    );
    Ok(Download { content_type, filename, bytes })
}

/// A stored submission, with sensitive ledger values masked unless the
/// reader is granted them (and unmasked reads logged).
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<StoredSubmission>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (mut found, template) = readable_submission(&store, &principal, &id).await?;
    found.columns = ybt_core::summary::columns(&template).0;
    Ok(Json(200, found))
}

/// The submission `id` as `principal` may read it (masked, audited), with
/// the template version it was submitted against.
async fn readable_submission(store: &Store, principal: &Principal, id: &str) -> Result<(StoredSubmission, Rc<CompiledTemplate>), AppError> {
    let mut found = store.submission(id).await?.ok_or(AppError::NotFound { what: "submission", zh: "该提交" })?;
    let row = store
        .template(&found.receipt.template_id, Some(found.receipt.template_version))
        .await?
        .ok_or_else(|| AppError::Internal(format!("submission {id} names a missing template")))?;
    let template = template_cache::compiled(&row)?;
    require(principal, &Action::ReadSubmission { org_unit: &found.receipt.org_unit, department: &template.meta.department })?;
    let catalog = template_cache::catalog()?;
    let unmasked = mask_template_rows(principal, &catalog, &template, found.rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = found.rows.iter().map(|r| r.subject_id.clone()).collect();
    audit::record(store, principal, "submission", &unmasked, &subjects).await?;
    Ok((found, template))
}

#[derive(Deserialize)]
struct ListQuery {
    template_id: Option<String>,
    org_unit: Option<String>,
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<SubmissionReceipt>>, AppError> {
    let query: ListQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    let Some(template_id) = query.template_id else {
        return Err(AppError::BadRequest {
            code: "missing_template_id",
            message: Text::new("请指定 template_id", "template_id is required"),
        });
    };
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let Some(row) = store.template(&template_id, None).await? else {
        return Err(AppError::NotFound { what: "template", zh: "该报表模板" });
    };
    let department = template_cache::compiled(&row)?.meta.department.clone();
    // Asked about one org unit: refuse outright if out of reach. Asked about
    // all: answer with the ones the reader may see.
    if let Some(unit) = query.org_unit.as_deref() {
        require(&principal, &Action::ReadSubmission { org_unit: unit, department: &department })?;
    } else {
        require(&principal, &Action::ReadSubmission { org_unit: &principal.org_unit, department: &department })?;
    }
    let receipts = store.submissions(&template_id, query.org_unit.as_deref()).await?;
    let visible = receipts
        .into_iter()
        .filter(|r| authorize(&principal, &Action::ReadSubmission { org_unit: &r.org_unit, department: &department }).is_allowed())
        .collect();
    Ok(Json(200, visible))
}
