//! `POST /api/submissions` and reading submissions back: each handler
//! parses, authenticates and calls its use case
//! (`ybt_core::service::submissions` / `submission_reads`).
//!
//! A retry of the same POST returns the first result (200) and writes
//! nothing again.

use serde::Deserialize;
use serde_json::Value;
use worker::{Request, RouteContext};
use ybt_core::api::{StoredSubmission, SubmissionReceipt};
use ybt_core::messages::Text;
use ybt_core::service::Now;
use ybt_core::service::submission_reads::{self, FileFormat};
use ybt_core::service::submissions::{Submitted, submit};

use crate::auth;
use crate::error::AppError;
use crate::http::{Download, Json, now_rfc3339, read_json};
use crate::sheets::Sheets;
use crate::store::Store;

/// 201 with the receipt of a new submission, 200 for a retry.
pub async fn create(mut req: Request, ctx: RouteContext<()>) -> Result<Json<SubmissionReceipt>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: Value = read_json(&mut req).await?;
    match submit(&principal, body, &Now::new(now_rfc3339()), &store).await? {
        Submitted::Created(receipt) => Ok(Json(201, receipt)),
        Submitted::Replayed(receipt) => Ok(Json(200, receipt)),
    }
}

#[derive(Deserialize)]
struct FileQuery {
    format: Option<String>,
}

/// `GET /api/submissions/{id}/file?format=xlsx|csv`: the filled form as a
/// file, masked as `get` masks it (unmasked reads audited).
pub async fn file(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let format = req.query::<FileQuery>().ok().and_then(|q| q.format);
    let format = FileFormat::parse(format.as_deref())?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let file =
        submission_reads::submission_file(&principal, &id, format, &Now::new(now_rfc3339()), &store, &Sheets::from_env(&ctx.env)).await?;
    Ok(Download { content_type: file.content_type, filename: file.filename, bytes: file.bytes })
}

/// A stored submission, with sensitive ledger values masked unless the
/// reader is granted them (and unmasked reads logged).
pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<StoredSubmission>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    Ok(Json(200, submission_reads::read_submission(&principal, &id, &Now::new(now_rfc3339()), &store).await?))
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
    Ok(Json(200, submission_reads::list_submissions(&principal, &template_id, query.org_unit.as_deref(), &store).await?))
}
