//! `POST /api/submissions` and reading submissions back.
//!
//! A submission is validated with the same core code the browser runs, then
//! stored in one statement keyed by the client's submission id: a retry of
//! the same POST returns the first result (200) instead of storing twice.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;
use worker::{Request, RouteContext};
use ybt_core::FieldError;
use ybt_core::access::{Action, authorize, mask_template_rows};
use ybt_core::api::{StoredSubmission, SubmissionReceipt};
use ybt_core::messages::Text;
use ybt_core::submission::check_subjects;

use crate::api::audit;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::{Store, Stored};
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
    let unit = store.org_unit(&request.org_unit).await?.ok_or_else(|| {
        AppError::Validation(vec![FieldError {
            pointer: "/org_unit".to_owned(),
            code: "unknown_org_unit".to_owned(),
            message: Text::new("没有这个行政区划", "no such org unit"),
        }])
    })?;
    let records = if template.subject.entity == "org_unit" {
        Vec::new()
    } else {
        store.records(&unit.code, &template.subject.entity).await?
    };
    let subjects: HashSet<String> =
        ybt_core::prefill(&template, &unit, &records).rows.into_iter().map(|r| r.subject_id).collect();
    let strangers = check_subjects(&request, &subjects);
    if !strangers.is_empty() {
        return Err(AppError::Validation(strangers));
    }
    match store.store_submission(&request, &now_rfc3339()).await? {
        Stored::Created(receipt) => {
            // Interim (issue 7) until the village side's one-batch submit
            // lands from main: mark the answered task submitted. A crash
            // between the two leaves the task open; submitting again
            // replays the receipt and does not redo this.
            if let Some(task_id) = request.task_id.as_deref() {
                store.mark_task_submitted(task_id, &request.org_unit, &receipt.id, &receipt.submitted_at).await?;
            }
            Ok(Json(201, receipt))
        }
        Stored::Replayed(receipt) => Ok(Json(200, receipt)),
    }
}

/// A stored submission, with sensitive ledger values masked unless the
/// reader is granted them (and unmasked reads logged).
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<StoredSubmission>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let mut found = store.submission(&id).await?.ok_or(AppError::NotFound { what: "submission", zh: "该提交" })?;
    let row = store
        .template(&found.receipt.template_id, Some(found.receipt.template_version))
        .await?
        .ok_or_else(|| AppError::Internal(format!("submission {id} names a missing template")))?;
    let template = template_cache::compiled(&row)?;
    require(&principal, &Action::ReadSubmission { org_unit: &found.receipt.org_unit, department: &template.meta.department })?;
    let catalog = template_cache::catalog()?;
    let unmasked = mask_template_rows(&principal, &catalog, &template, found.rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = found.rows.iter().map(|r| r.subject_id.clone()).collect();
    audit::record(&store, &principal, "submission", &unmasked, &subjects).await?;
    Ok(Json(200, found))
}

#[derive(Deserialize)]
struct ListQuery {
    template_id: Option<String>,
    org_unit: Option<String>,
}

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<SubmissionReceipt>>, AppError> {
    let query: ListQuery = req.query().map_err(|e| AppError::BadRequest {
        code: "bad_query",
        message: Text::new("查询参数无效", format!("invalid query: {e}")),
    })?;
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
