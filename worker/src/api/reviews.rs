//! 报表准入: a department files a template version for review
//! (`POST /api/template-requests`), the town coordination centre reads the
//! requests with their burden analysis and approves or rejects them
//! (`POST /api/template-requests/{id}/decision`). Approval publishes the
//! version; nothing else can make a `templates` row.
//!
//! Retries and crashes: filing is one insert keyed by the client's
//! `request_id` (a retry answers 200 with the stored request); a decision
//! is one batch (status update + publication), and repeating the same
//! decision answers 200 with the stored result.

use serde::Deserialize;
use serde_json::Value;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, Principal, Role};
use ybt_core::api::{DecisionRequest, PublishRequest, TemplateRequest};
use ybt_core::messages::Text;
use ybt_core::review::changes::{self, Baseline, ReviewDetail, WorkCounts};
use ybt_core::review::{self, Decision, ReviewError, ReviewStatus};
use ybt_core::{CompiledTemplate, FieldError, TemplateError};

use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Json, now_rfc3339, read_json};
use crate::store::{NewRequest, Store, pending_conflict};
use crate::template_cache;

/// Villages sampled to estimate the rows a form has per village.
const SAMPLE_VILLAGES: usize = 3;

/// Whether `id` is a usable client-chosen id: 1–64 ASCII letters, digits or hyphens.
pub fn is_client_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub fn bad_id(pointer: &str) -> AppError {
    AppError::Validation(vec![FieldError {
        pointer: pointer.to_owned(),
        code: "invalid_id".to_owned(),
        message: Text::new("编号须为 1–64 个字母、数字或连字符", "use 1–64 letters, digits or hyphens"),
    }])
}

/// A compile error as a field error of the request body: the pointer goes
/// into `/document`, the message carries the fix.
pub(crate) fn template_error(e: TemplateError) -> FieldError {
    let code = serde_json::to_value(e.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    FieldError {
        pointer: format!("/document{}", e.pointer),
        code,
        message: Text::new(format!("{}（{}）", e.message.zh, e.hint.zh), format!("{} ({})", e.message.en, e.hint.en)),
    }
}

fn review_error(e: ReviewError) -> AppError {
    match e {
        ReviewError::AlreadyDecided(_) => AppError::Conflict { code: e.code(), message: e.message() },
        _ => AppError::Invalid {
            message: e.message(),
            fields: vec![FieldError { pointer: e.pointer().to_owned(), code: e.code().to_owned(), message: e.message() }],
        },
    }
}

/// The district (6 digits) a principal works in.
fn district_of(principal: &Principal) -> &str {
    principal.org_unit.get(..6).unwrap_or(&principal.org_unit)
}

/// The requests as `principal` reads them: a town centre sees the villages
/// and hours of its own town (what it dispatches to), a department its
/// district's.
async fn for_reader(store: &Store, principal: &Principal, requests: Vec<TemplateRequest>) -> Result<Vec<TemplateRequest>, AppError> {
    if principal.role != Role::TownCoordinator || principal.org_unit == district_of(principal) {
        return Ok(requests);
    }
    let villages = store.villages_in(&principal.org_unit).await?.len();
    Ok(requests
        .into_iter()
        .map(|mut r| {
            r.analysis = r.analysis.for_area(villages);
            r
        })
        .collect())
}

async fn one_for_reader(store: &Store, principal: &Principal, request: TemplateRequest) -> Result<TemplateRequest, AppError> {
    let id = request.id.clone();
    let request = with_detail(store, request).await?;
    for_reader(store, principal, vec![request]).await?.pop().ok_or_else(|| AppError::Internal(format!("request {id} lost")))
}

/// Adds what the review card shows beyond the burden: every field in
/// words, the comparison with the published version (the newest older than
/// the request) and with the template's last rejected filing, and — while
/// the request is pending — the consequences of approving it. Core decides
/// all of it; this only reads the documents and counts.
async fn with_detail(store: &Store, mut request: TemplateRequest) -> Result<TemplateRequest, AppError> {
    let document = match request.document.take() {
        Some(d) => d,
        None => match store.request(&request.id).await?.and_then(|r| r.document) {
            Some(text) => serde_json::from_str(&text)?,
            None => return Ok(request),
        },
    };
    let catalog = template_cache::catalog()?;
    // Stored requests compiled when filed; one that no longer compiles
    // (the catalog changed) is shown without detail.
    let Ok(template) = ybt_core::compile(&document, &catalog) else {
        request.document = Some(document);
        return Ok(request);
    };
    let mut detail = ReviewDetail { fields: changes::field_details(&template, &catalog), ..ReviewDetail::default() };
    let published = store.template_versions(&request.template_id).await?;
    let previous = published.iter().rev().find(|p| p.version < request.version);
    let previous = match previous {
        Some(p) => Some(template_cache::compiled(&p.template_row())?),
        None => None,
    };
    if let Some(old) = &previous {
        detail.comparisons.push(changes::compare(old, &template, Baseline::Published { version: old.meta.version }, &catalog));
        if request.status == ReviewStatus::Pending {
            let open = store.open_tasks_before(&request.template_id, request.version).await?;
            let counts = WorkCounts {
                open_tasks: open.len(),
                drafts: open.iter().filter(|t| t.revision.is_some()).count(),
                submitted: store.submissions_before(&request.template_id, request.version).await?,
            };
            detail.consequences = Some(changes::consequences(old, &template, counts));
        }
    }
    let rejected = store
        .requests_of_template(&request.template_id)
        .await?
        .into_iter()
        .find(|r| r.id != request.id && r.status == "rejected" && r.submitted_at <= request.submitted_at);
    if let Some(rejected) = rejected {
        let document = store.request(&rejected.id).await?.and_then(|r| r.document);
        if let Some(Ok(old)) =
            document.map(|text| serde_json::from_str::<Value>(&text).map(|d| ybt_core::compile(&d, &catalog))).transpose()?
        {
            let against =
                Baseline::Rejected { version: rejected.version, request_id: rejected.id.clone(), reason: rejected.reason.clone() };
            detail.comparisons.push(changes::compare(&old, &template, against, &catalog));
        }
    }
    request.detail = Some(detail);
    request.document = Some(document);
    Ok(request)
}

/// Expected rows per village: the form's rows in a few villages spread
/// over the district, averaged (1 for a form about the village itself).
async fn rows_per_village(store: &Store, template: &CompiledTemplate, district: &str) -> Result<(usize, f64), AppError> {
    let villages = store.villages_in(district).await?;
    if template.subject.entity == "org_unit" || villages.is_empty() {
        return Ok((villages.len(), 1.0));
    }
    let step = (villages.len() / SAMPLE_VILLAGES).max(1);
    let mut rows = 0;
    let mut sampled = 0;
    for unit in villages.iter().step_by(step).take(SAMPLE_VILLAGES) {
        let records = store.records(&unit.code, &template.subject.entity).await?;
        rows += ybt_core::prefill(template, unit, &records).rows.len();
        sampled += 1;
    }
    Ok((villages.len(), rows as f64 / sampled.max(1) as f64))
}

pub async fn publish(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TemplateRequest>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let mut body: PublishRequest = read_json(&mut req).await?;
    // Only analysts file; refuse others before looking at the document.
    require(&principal, &Action::PublishTemplate { department: principal.department.as_deref().unwrap_or_default() })?;
    if !is_client_id(&body.request_id) {
        return Err(bad_id("/request_id"));
    }
    if let Some(stored) = store.request(&body.request_id).await? {
        require(&principal, &Action::PublishTemplate { department: &stored.department })?;
        return Ok(Json(200, stored.into_api()?));
    }
    // A document without a department is filed for the analyst's own.
    if let Some(meta) = body.document.get_mut("x-template").and_then(Value::as_object_mut) {
        let empty = meta.get("department").and_then(Value::as_str).is_none_or(str::is_empty);
        if let (true, Some(department)) = (empty, principal.department.as_deref()) {
            meta.insert("department".to_owned(), Value::String(department.to_owned()));
        }
    }
    let catalog = template_cache::catalog()?;
    let template = ybt_core::compile(&body.document, &catalog)
        .map_err(|errors| AppError::Validation(errors.into_iter().map(template_error).collect()))?;
    require(&principal, &Action::PublishTemplate { department: &template.meta.department })?;
    let latest = store.template(&template.meta.id, None).await?;
    if let Some(row) = &latest {
        // A template id belongs to the department that first published it.
        let published = template_cache::compiled(row)?;
        require(&principal, &Action::PublishTemplate { department: &published.meta.department })?;
    }
    review::check_version(latest.as_ref().map(|r| r.version), template.meta.version).map_err(review_error)?;
    if store.pending_request(&template.meta.id).await?.is_some() {
        return Err(pending_conflict());
    }
    let live_rows = store.latest_templates().await?;
    let mut live = Vec::with_capacity(live_rows.len());
    for row in &live_rows {
        live.push(template_cache::compiled(row)?);
    }
    let district = district_of(&principal).to_owned();
    let (villages, rows) = rows_per_village(&store, &template, &district).await?;
    let analysis = review::analyse(&template, &catalog, &live.iter().map(|t| &**t).collect::<Vec<_>>(), villages, rows);
    let now = now_rfc3339();
    let document = serde_json::to_string(&body.document)?;
    let analysis_text = serde_json::to_string(&analysis)?;
    let created = store
        .insert_request(&NewRequest {
            id: &body.request_id,
            template_id: &template.meta.id,
            version: template.meta.version,
            title: &template.title,
            department: &template.meta.department,
            district: &district,
            document: &document,
            analysis: &analysis_text,
            submitted_by: &principal.display_name,
            submitted_at: &now,
        })
        .await?;
    let stored = store
        .request(&body.request_id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("request {} vanished after insert", body.request_id)))?;
    Ok(Json(if created { 201 } else { 200 }, stored.into_api()?))
}

/// Whether the principal may read a request: its department, or a centre
/// of its district.
fn require_read(principal: &Principal, department: &str, district: &str) -> Result<(), AppError> {
    match principal.role {
        Role::DepartmentAnalyst => require(principal, &Action::PublishTemplate { department }),
        _ => require(principal, &Action::ReviewTemplate { district }),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
}

/// `GET /api/template-requests[?status=pending]`: an analyst sees its
/// department's requests, a centre every request of its district.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<TemplateRequest>>, AppError> {
    let query: ListQuery = req
        .query()
        .map_err(|e| AppError::BadRequest { code: "bad_query", message: Text::new("查询参数无效", format!("invalid query: {e}")) })?;
    if let Some(status) = query.status.as_deref().filter(|s| ReviewStatus::parse(s).is_none()) {
        return Err(AppError::BadRequest {
            code: "bad_status",
            message: Text::new(
                format!("未知状态“{status}”：可用 pending、approved、rejected"),
                format!("unknown status {status:?}: use pending, approved or rejected"),
            ),
        });
    }
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let district = district_of(&principal).to_owned();
    let department = principal.department.clone().unwrap_or_default();
    require_read(&principal, &department, &district)?;
    let only = (principal.role == Role::DepartmentAnalyst).then_some(department.as_str());
    let rows = store.requests(only, &district, query.status.as_deref()).await?;
    let mut requests = Vec::with_capacity(rows.len());
    for row in rows {
        let request = row.into_api()?;
        // Pending requests carry what their review needs; decided ones
        // are read one by one (`GET …/{id}`).
        requests.push(if request.status == ReviewStatus::Pending { with_detail(&store, request).await? } else { request });
    }
    Ok(Json(200, for_reader(&store, &principal, requests).await?))
}

pub async fn get(req: Request, ctx: RouteContext<()>) -> Result<Json<TemplateRequest>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let row = store.request(&id).await?.ok_or(AppError::NotFound { what: "template request", zh: "该报表申请" })?;
    require_read(&principal, &row.department, &row.district)?;
    Ok(Json(200, one_for_reader(&store, &principal, row.into_api()?).await?))
}

/// `POST /api/template-requests/{id}/decision`.
pub async fn decide(mut req: Request, ctx: RouteContext<()>) -> Result<Json<TemplateRequest>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let body: DecisionRequest = read_json(&mut req).await?;
    let row = store.request(&id).await?.ok_or(AppError::NotFound { what: "template request", zh: "该报表申请" })?;
    require(&principal, &Action::ReviewTemplate { district: &row.district })?;
    let wanted = match body.decision {
        Decision::Approve => ReviewStatus::Approved,
        Decision::Reject => ReviewStatus::Rejected,
    };
    let reason = body.reason.trim();
    let current = row.status()?;
    // The same decision again (a retry after a lost answer): the stored result.
    if current == wanted {
        return Ok(Json(200, one_for_reader(&store, &principal, row.into_api()?).await?));
    }
    let next = current.decide(body.decision, reason).map_err(review_error)?;
    let decided = store.decide_request(&id, next, &principal.display_name, &now_rfc3339(), (!reason.is_empty()).then_some(reason)).await?;
    let row = store.request(&id).await?.ok_or_else(|| AppError::Internal(format!("request {id} vanished")))?;
    if !decided && row.status()? != wanted {
        // Another reviewer decided otherwise meanwhile.
        return Err(review_error(ReviewError::AlreadyDecided(row.status()?)));
    }
    if decided && next == ReviewStatus::Approved {
        crate::api::dispatches::migrate_open_tasks(&store, &row.template_id, row.version).await?;
    }
    Ok(Json(200, one_for_reader(&store, &principal, row.into_api()?).await?))
}
