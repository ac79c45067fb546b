//! `POST /api/forms`: generate a template's form for an org unit, pre-filled
//! from the ledger. Read-only: generating twice is harmless.

use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal, mask_template_rows};
use ybt_core::api::{Form, FormRequest};
use ybt_core::ledger::{OrgLevel, OrgUnit};
use ybt_core::messages::Text;

use crate::api::audit;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, Reply, clock_ms, read_json};
use crate::store::{Store, TemplateRow};
use crate::template_cache;

/// Answers with `Server-Timing: d1;dur=…`: the time the subjects' ledger
/// records took to come out of D1 inside the worker.
pub async fn generate(mut req: Request, ctx: RouteContext<()>) -> Result<Reply<Form>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let gzip = crate::http::accepts_gzip(&req);
    let request: FormRequest = read_json(&mut req).await?;
    require(&principal, &Action::GenerateForm { org_unit: &request.org_unit })?;
    let row = store.template(&request.template_id, None).await?.ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?;
    let unit = org_unit(&store, &request.org_unit).await?;
    let (form, timing) = form_for(&store, &principal, &row, &unit).await?;
    Ok(Reply::from(Json(200, form)).header("Server-Timing", timing).gzip_if(gzip))
}

pub async fn org_unit(store: &Store, code: &str) -> Result<OrgUnit, AppError> {
    store.org_unit(code).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })
}

/// The form of template `row` for `unit`, pre-filled from its ledger now,
/// masked for `principal` (unmasked reads audited), and its
/// `Server-Timing` value.
pub async fn form_for(store: &Store, principal: &Principal, row: &TemplateRow, unit: &OrgUnit) -> Result<(Form, String), AppError> {
    let template = template_cache::compiled(row)?;
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
    let started = clock_ms();
    let records = if entity == "org_unit" { Vec::new() } else { store.records(&unit.code, entity).await? };
    let fetched = clock_ms();
    let mut form = match crate::http::today() {
        Some(today) => ybt_core::prefill::prefill_on(&template, unit, &records, today),
        None => ybt_core::prefill(&template, unit, &records),
    };
    let filled = clock_ms();
    let catalog = template_cache::catalog()?;
    let unmasked = mask_template_rows(principal, &catalog, &template, form.rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = form.rows.iter().map(|r| r.subject_id.clone()).collect();
    audit::record(store, principal, "form", &unmasked, &subjects).await?;
    let audited = clock_ms();
    // Under `wrangler dev` the clock also moves while the worker computes;
    // on Cloudflare only across I/O (then `prefill` reads 0).
    let timing = format!("d1;dur={:.1}, prefill;dur={:.1}, mask-audit;dur={:.1}", fetched - started, filled - fetched, audited - filled);
    Ok((form, timing))
}
