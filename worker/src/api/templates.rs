//! `GET /api/templates`: the newest version of every published template.

use worker::{Request, RouteContext};
use ybt_core::access::Action;
use ybt_core::api::TemplateSummary;

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::Json;
use crate::store::Store;
use crate::template_cache;

pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TemplateSummary>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    require(&auth::principal(&req, &ctx.env, &store).await?, &Action::ReadReferenceData)?;
    let rows = store.latest_templates().await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let t = template_cache::compiled(row)?;
        out.push(TemplateSummary {
            id: t.meta.id.clone(),
            version: t.meta.version,
            title: t.title.clone(),
            department: t.meta.department.clone(),
            subject_entity: t.subject.entity.clone(),
            burden: t.burden,
        });
    }
    Ok(Json(200, out))
}
