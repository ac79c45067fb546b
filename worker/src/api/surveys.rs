//! Emergency surveys (issue 8): start one in one click for every village of
//! a town or the district (fast track: no review step, the reason logged),
//! pick ledger records into rows, upload photos, follow the live board, and
//! close the event into the ledger's history. Each handler parses,
//! authenticates and calls one use case of `ybt_core::service::surveys`.

use std::collections::HashMap;

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::surveys::{self as use_case, PickQuery, Schemas};
use ybt_core::survey::photo::MAX_PHOTO_BYTES;
use ybt_core::survey::{
    CloseAnswer, PhotoReceipt, PickAnswer, StartSurveyRequest, SurveyBoard, SurveyPreview, SurveySummary, check_rows, is_photo_hash,
};
use ybt_core::{CompiledTemplate, FieldError};

use crate::auth;
use crate::error::AppError;
use crate::http::{Download, Json, now_rfc3339, read_bytes, read_json};
use crate::store::{Photos, Store};
use crate::template_cache;

fn now() -> Now {
    Now::new(now_rfc3339())
}

/// `POST /api/surveys/preview` with the body of a start: what the start
/// would do (the scope's name, how many villages, the due date), nothing
/// stored, so that the starter confirms a scope they have read.
pub async fn preview(mut req: Request, ctx: RouteContext<()>) -> Result<Json<SurveyPreview>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: StartSurveyRequest = read_json(&mut req).await?;
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    Ok(Json(200, use_case::preview_survey(&principal, &request, &now(), schemas, &store).await?))
}

/// `POST /api/surveys`: 201 with the survey, or 200 with it as stored for a
/// retry of the same `dispatch_id`.
pub async fn start(mut req: Request, ctx: RouteContext<()>) -> Result<Json<SurveySummary>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: StartSurveyRequest = read_json(&mut req).await?;
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    let started = use_case::start_survey(&principal, &request, &now(), schemas, &store).await?;
    if !started.created {
        return Ok(Json(200, started.survey));
    }
    worker::console_log!("survey {} started on the fast track by {} for {}", request.dispatch_id, principal.username, request.scope);
    Ok(Json(201, started.survey))
}

#[derive(Deserialize)]
struct ListQuery {
    org_unit: Option<String>,
}

/// `GET /api/surveys[?org_unit=]`: surveys touching the reader's area.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<SurveySummary>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let org_unit = req.query::<ListQuery>().ok().and_then(|q| q.org_unit);
    Ok(Json(200, use_case::list_surveys(&principal, org_unit.as_deref(), &store).await?))
}

/// `GET /api/surveys/{id}`: the live board. Read-only.
pub async fn get_board(req: Request, ctx: RouteContext<()>) -> Result<Json<SurveyBoard>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    Ok(Json(200, use_case::survey_board(&principal, &id, schemas, &store).await?))
}

/// `GET /api/surveys/{id}/pick?org_unit=&entity=&q=`: candidate rows from
/// the village's ledger, pre-filled and masked as any form. Read-only.
pub async fn pick(req: Request, ctx: RouteContext<()>) -> Result<Json<PickAnswer>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let query: PickQuery = req.query().map_err(|_| AppError::BadRequest {
        code: "bad_query",
        message: Text::new("需要 org_unit、entity 和 q 参数", "org_unit, entity and q are required"),
    })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    Ok(Json(200, use_case::pick(&principal, &id, query, &now(), schemas, &store).await?))
}

/// `POST /api/surveys/{id}/close`: see `ybt_core::service::surveys::close_survey`
/// for what a retry and a crash do.
pub async fn close(req: Request, ctx: RouteContext<()>) -> Result<Json<CloseAnswer>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (catalog, record_types) = (template_cache::catalog()?, template_cache::record_types()?);
    let schemas = Schemas { catalog: &catalog, record_types: &record_types };
    Ok(Json(200, use_case::close_survey(&principal, &id, &now(), schemas, &store).await?))
}

#[derive(Deserialize)]
struct PhotoQuery {
    org_unit: String,
}

/// `PUT /api/photos?org_unit=CODE` with the image bytes (JPEG, PNG or
/// WebP): 201 when new, 200 when the same bytes were stored before. The
/// uploader is checked before the body is read.
pub async fn upload_photo(mut req: Request, ctx: RouteContext<()>) -> Result<Json<PhotoReceipt>, AppError> {
    let query: PhotoQuery = req
        .query()
        .map_err(|_| AppError::BadRequest { code: "bad_query", message: Text::new("需要 org_unit 参数", "org_unit is required") })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    use_case::authorize_upload(&principal, &query.org_unit)?;
    let bytes = read_bytes(&mut req, MAX_PHOTO_BYTES).await?;
    let photos = Photos::new(&store, &ctx.env)?;
    let receipt = use_case::upload_photo(&principal, &query.org_unit, &bytes, &now(), &photos).await?;
    Ok(Json(if receipt.created { 201 } else { 200 }, receipt))
}

/// `GET /api/photos/{hash}`: the photo, for the readers
/// `ybt_core::service::surveys::get_photo` names.
pub async fn get_photo(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let hash = ctx.param("hash").cloned().unwrap_or_default();
    use_case::photo_name(&hash)?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let photos = Photos::new(&store, &ctx.env)?;
    let file = use_case::get_photo(&principal, &hash, &photos).await?;
    Ok(Download { content_type: file.content_type, filename: file.filename, bytes: file.bytes })
}

/// The 409 of a submission to a closed survey.
pub fn survey_closed() -> AppError {
    AppError::Conflict {
        code: "survey_closed",
        message: Text::new(
            "该应急摸排已结束，不再接收填报：如有新灾情，请直接联系镇街协同中心",
            "this survey is closed and takes no more reports: tell the town centre directly",
        ),
    }
}

/// The photos a submission's rows name: (row, field, hash).
pub fn named_photos(request: &ybt_core::api::SubmissionRequest) -> Vec<(usize, &str, &str)> {
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

/// The pick-mode check of `POST /api/submissions`: the survey is still
/// open (else 409 `survey_closed`), there is a row or the explicit 本村无灾情,
/// every picked subject is a record of the submitting village of the row's
/// kind, and every photo named was uploaded for this village.
pub async fn check_submission(
    store: &Store,
    template: &CompiledTemplate,
    request: &ybt_core::api::SubmissionRequest,
) -> Result<(), AppError> {
    if let Some(task) = &request.task_id
        && let Some(task) = store.task(task).await?
        && let Some(survey) = store.survey(&task.dispatch_id).await?
        && survey.closed_at.is_some()
        && task.submission_id.as_deref() != Some(request.submission_id.as_str())
    {
        return Err(survey_closed());
    }
    let ids: Vec<&str> = request.rows.iter().map(|r| r.subject_id.as_str()).filter(|id| !id.starts_with("new:")).collect();
    let records = store.records_by_id(&ids).await?;
    let by_id: HashMap<&str, &ybt_core::LedgerRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut errors = check_rows(request);
    errors.extend(ybt_core::survey::check_picked(template, request, &by_id));
    let named = named_photos(request);
    let missing = store.photos_not_uploaded(&request.org_unit, &named.iter().map(|(_, _, h)| *h).collect::<Vec<_>>()).await?;
    for (i, key, hash) in named.iter().filter(|(_, _, h)| missing.iter().any(|m| m == h)) {
        errors.push(FieldError {
            pointer: format!("/rows/{i}/values/{key}"),
            code: "unknown_photo".into(),
            message: Text::new(
                format!("照片 {} 尚未上传：请联网后重新提交，或删除该照片后重新拍摄", &hash[..8]),
                format!("photo {} was not uploaded: submit again online, or remove it and take it again", &hash[..8]),
            ),
        });
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}
