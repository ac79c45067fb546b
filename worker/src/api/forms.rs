//! `POST /api/forms`: generate a template's form for an org unit, pre-filled
//! from the ledger. Read-only: generating twice is harmless.

use worker::{Request, RouteContext};
use ybt_core::api::{Form, FormRequest};
use ybt_core::ledger::OrgLevel;
use ybt_core::messages::Text;

use crate::error::AppError;
use crate::http::{Json, read_json};
use crate::store::Store;
use crate::template_cache;

pub async fn generate(mut req: Request, ctx: RouteContext<()>) -> Result<Json<Form>, AppError> {
    let request: FormRequest = read_json(&mut req).await?;
    let store = Store::from_env(&ctx.env)?;
    let row = store
        .template(&request.template_id, None)
        .await?
        .ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?;
    let template = template_cache::compiled(&row)?;
    let unit = store
        .org_unit(&request.org_unit)
        .await?
        .ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?;
    let entity = &template.subject.entity;
    if entity != "org_unit" && unit.level != OrgLevel::Village {
        return Err(AppError::BadRequest {
            code: "not_a_village",
            message: Text::new(
                "此报表按村（社区）台账生成，请选择一个村或社区",
                "this form is generated from a village's ledger: choose a village or community",
            ),
        });
    }
    let records = if entity == "org_unit" { Vec::new() } else { store.records(&unit.code, entity).await? };
    Ok(Json(200, ybt_core::prefill(&template, &unit, &records)))
}
