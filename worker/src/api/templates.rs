//! `GET /api/templates`: the newest version of every published template,
//! the most recently published first;
//! `GET /api/templates/fields`: their new fields, for the authoring page's
//! duplicate check (issue 17).

use worker::{Request, RouteContext};
use ybt_core::access::Action;
use ybt_core::api::TemplateSummary;
use ybt_core::review::LiveTemplate;

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;
use crate::template_cache;

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TemplateSummary>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    require(&auth::principal(&req, &ctx.env, &store).await?, &Action::ReadReferenceData)?;
    let rows = store.latest_published().await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let t = template_cache::compiled(&row.template_row())?;
        out.push(TemplateSummary {
            id: t.meta.id.clone(),
            version: t.meta.version,
            title: t.title.clone(),
            department: t.meta.department.clone(),
            subject_entity: t.subject.entity.clone(),
            burden: t.burden,
            published_at: Some(row.published_at.clone()),
        });
    }
    Ok(Json(200, out))
}

/// The live templates' new fields: the authoring page checks a draft
/// against them on every edit with core's `review::duplicates::find`, the
/// same check the filing's analysis runs.
pub async fn live_fields(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<LiveTemplate>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    require(&auth::principal(&req, &ctx.env, &store).await?, &Action::ReadReferenceData)?;
    let rows = store.latest_templates().await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let template = template_cache::compiled(row)?;
        out.push(LiveTemplate::of(&template));
    }
    Ok(Json(200, out))
}
