//! `POST /api/forms`: generate a template's form for an org unit, pre-filled
//! from the ledger (`ybt_core::service::forms`). Read-only: generating twice
//! is harmless.

use worker::{Request, RouteContext};
use ybt_core::api::{Form, FormRequest};
use ybt_core::service::Now;
use ybt_core::service::forms::generate_form;

use crate::auth;
use crate::error::AppError;
use crate::http::{Json, Reply, clock_ms, now_rfc3339, read_json};
use crate::store::Store;

/// Answers with `Server-Timing: d1;dur=…`: the time the subjects' ledger
/// records took to come out of D1 inside the worker.
pub async fn generate(mut req: Request, ctx: RouteContext<()>) -> Result<Reply<Form>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let gzip = crate::http::accepts_gzip(&req);
    let request: FormRequest = read_json(&mut req).await?;
    let (form, timing) = generate_form(&principal, &request, &Now::new(now_rfc3339()), &store, &clock_ms).await?;
    Ok(Reply::from(Json(200, form)).header("Server-Timing", timing.spans()).gzip_if(gzip))
}
