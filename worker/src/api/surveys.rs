//! Emergency surveys (issue 8): start one in one click for every village of
//! a town or the district (fast track: no review step, the reason logged),
//! pick ledger records into rows, upload photos, follow the live board, and
//! close the event into the ledger's history. Each handler parses,
//! authenticates and calls one use case of `ybt_core::service::surveys`.

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::surveys::{self as use_case, PickQuery, Schemas};
use ybt_core::survey::photo::MAX_PHOTO_BYTES;
use ybt_core::survey::{CloseAnswer, PhotoReceipt, PickAnswer, StartSurveyRequest, SurveyBoard, SurveyPreview, SurveySummary};

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
