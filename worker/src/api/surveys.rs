//! Emergency surveys (issue 8): start one in one click for every village of
//! a town or the district (fast track: no review step, the reason logged),
//! pick ledger records into rows, upload photos, follow the live board, and
//! close the event into the ledger's history.
//!
//! Kept apart from the general dispatch of issue 7 so that `start` can later
//! call the shared dispatch code; what is survey-specific (the fast track,
//! the board, the close) stays here.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use worker::{Request, RouteContext};
use ybt_core::access::{Action, mask_template_rows, mask_values, record_guards};
use ybt_core::ledger::{ChangeMeta, OrgLevel, Source};
use ybt_core::messages::Text;
use ybt_core::survey::{
    CloseAnswer, PhotoReceipt, PickAnswer, StartSurveyRequest, SurveyBoard, SurveyPreview, SurveySummary, board, check_rows, close_plan,
    is_photo_hash, may_read_photo, pick_row, search,
};
use ybt_core::{CompiledTemplate, FieldError};

use crate::api::audit;
use crate::auth::{self, require};
use crate::error::AppError;
use crate::http::{Download, Json, now_rfc3339, read_bytes, read_json};
use crate::store::{StartedSurvey, Store, TaskFilter, WRITES_PER_BATCH};
use crate::template_cache;

/// Largest photo accepted (core's rule): the browser sends ≤ 500 KB; this
/// leaves room for a phone that cannot resize.
use ybt_core::survey::photo::MAX_PHOTO_BYTES;

fn invalid(pointer: &str, code: &str, zh: &str, en: &str) -> AppError {
    AppError::Validation(vec![FieldError { pointer: pointer.to_owned(), code: code.to_owned(), message: Text::new(zh, en) }])
}

async fn pick_template(store: &Store, id: &str, version: Option<u32>) -> Result<std::rc::Rc<CompiledTemplate>, AppError> {
    let row = store.template(id, version).await?.ok_or(AppError::NotFound { what: "template", zh: "该报表模板" })?;
    template_cache::compiled(&row)
}

/// `POST /api/surveys/preview` with the body of a start: checks it as the
/// start would and answers what it would do (the scope's name, how many
/// villages, the due date) without storing anything, so that the starter
/// confirms a scope they have read.
pub async fn preview(mut req: Request, ctx: RouteContext<()>) -> Result<Json<SurveyPreview>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: StartSurveyRequest = read_json(&mut req).await?;
    let (template, _, due_date) = checked_start(&store, &principal, &request).await?;
    let scope = store.org_unit(&request.scope).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?;
    let villages = store.village_count(&request.scope).await?;
    Ok(Json(200, SurveyPreview { title: template.title.clone(), scope: scope.code, scope_name: scope.name, villages, due_date }))
}

/// Checks a start request (ids, scope, due date, template, the right to
/// start it): the compiled template, an ad-hoc document to publish, the due date.
async fn checked_start(
    store: &Store,
    principal: &ybt_core::access::Principal,
    request: &StartSurveyRequest,
) -> Result<(std::rc::Rc<CompiledTemplate>, Option<String>, String), AppError> {
    let mut errors = Vec::new();
    let id_ok = !request.dispatch_id.is_empty()
        && request.dispatch_id.len() <= 64
        && request.dispatch_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !id_ok {
        errors.push(FieldError {
            pointer: "/dispatch_id".into(),
            code: "invalid_dispatch_id".into(),
            message: Text::new(
                "发起编号缺失或无效（1–64 个字母、数字或连字符）",
                "dispatch_id missing or invalid (1–64 letters, digits or hyphens)",
            ),
        });
    }
    if !matches!(OrgLevel::of_code(&request.scope), Some(OrgLevel::Town | OrgLevel::District)) {
        errors.push(FieldError {
            pointer: "/scope".into(),
            code: "invalid_scope".into(),
            message: Text::new(
                "范围应为一个镇街（9 位代码）或全区（6 位代码）",
                "scope must be a town (9-digit code) or the district (6 digits)",
            ),
        });
    }
    let due_date = request.due_date.clone().unwrap_or_else(|| now_rfc3339()[..10].to_owned());
    if ybt_core::expr::Date::parse(&due_date).is_none() {
        errors.push(FieldError {
            pointer: "/due_date".into(),
            code: "invalid_due_date".into(),
            message: Text::new("截止日期应为 YYYY-MM-DD", "due_date must be YYYY-MM-DD"),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (template, publish) = match &request.document {
        None => (pick_template(store, &request.template_id, None).await?, None),
        Some(document) => {
            let (template, document) = adhoc_template(store, principal, &request.template_id, document).await?;
            (template, Some(document))
        }
    };
    require(principal, &Action::ManageSurvey { org_unit: &request.scope, department: &template.meta.department })?;
    if !template.subject.is_pick() {
        return Err(invalid(
            "/template_id",
            "not_a_survey",
            "该模板不是应急摸排表（需要选取模式）",
            "this template is not a survey (it needs pick mode)",
        ));
    }
    store.org_unit(&request.scope).await?.ok_or(AppError::NotFound { what: "org unit", zh: "该行政区划" })?;
    Ok((template, publish, due_date))
}

/// `POST /api/surveys`. Retry: the same `dispatch_id` again creates nothing
/// new and answers the survey as stored (200); a crash leaves all or nothing.
pub async fn start(mut req: Request, ctx: RouteContext<()>) -> Result<Json<SurveySummary>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let request: StartSurveyRequest = read_json(&mut req).await?;
    let (template, publish, due_date) = checked_start(&store, &principal, &request).await?;
    if let Some(existing) = store.survey(&request.dispatch_id).await? {
        if existing.template_id != request.template_id || existing.scope != request.scope {
            return Err(AppError::Conflict {
                code: "dispatch_id_reused",
                message: Text::new("该发起编号已用于另一次摸排", "this dispatch_id was already used for another survey"),
            });
        }
        return Ok(Json(200, existing));
    }
    let fast_track =
        format!("应急快速通道：未经镇街协同中心审核，由 {} 发起。{}", principal.username, request.reason.as_deref().unwrap_or(""));
    let now = now_rfc3339();
    store
        .start_survey(&StartedSurvey {
            request: &request,
            template_version: template.meta.version,
            due_date: &due_date,
            fast_track: fast_track.trim(),
            by: &principal.username,
            now: &now,
            publish: publish.as_ref().map(|doc| (template.title.as_str(), template.meta.department.as_str(), doc.as_str())),
        })
        .await?;
    worker::console_log!("survey {} started on the fast track by {} for {}", request.dispatch_id, principal.username, request.scope);
    let survey = store.survey(&request.dispatch_id).await?.ok_or_else(|| AppError::Internal("survey vanished after insert".into()))?;
    Ok(Json(201, survey))
}

/// An ad-hoc survey's template (the quick builder's document), checked as
/// any template: its id must be the request's `template_id` and new (or
/// hold this very document: a retried start), the department is the
/// starter's (an analyst's department, a town centre's town), the version
/// 1, and it must compile in pick mode. Returns the compiled template and
/// the document text to publish with the survey. Nothing is stored here.
async fn adhoc_template(
    store: &Store,
    principal: &ybt_core::access::Principal,
    template_id: &str,
    document: &serde_json::Value,
) -> Result<(std::rc::Rc<CompiledTemplate>, String), AppError> {
    let id_ok =
        template_id.starts_with("adhoc-") && template_id.len() <= 64 && template_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !id_ok || document.pointer("/x-template/id").and_then(|v| v.as_str()) != Some(template_id) {
        return Err(invalid(
            "/template_id",
            "invalid_adhoc_id",
            "临时摸排表的编号须以 adhoc- 开头（≤ 64 个字母、数字或连字符），并与 document 的 x-template.id 相同",
            "an ad-hoc survey's template_id starts with adhoc- (≤ 64 letters, digits or hyphens) and equals the document's x-template.id",
        ));
    }
    let department = match &principal.department {
        Some(d) => d.clone(),
        None => store.org_unit(&principal.org_unit).await?.map(|u| u.name).unwrap_or_else(|| principal.org_unit.clone()),
    };
    let mut document = document.clone();
    if let Some(meta) = document.get_mut("x-template").and_then(|m| m.as_object_mut()) {
        meta.insert("department".into(), department.into());
        meta.insert("version".into(), 1.into());
    }
    let catalog = template_cache::catalog()?;
    let template = ybt_core::compile(&document, &catalog)
        .map_err(|errors| AppError::Validation(errors.into_iter().map(crate::api::reviews::template_error).collect()))?;
    if !template.subject.is_pick() {
        return Err(invalid(
            "/document/x-subject/mode",
            "not_a_survey",
            "临时摸排表须为选取模式（mode: pick）",
            "an ad-hoc survey must be in pick mode (mode: pick)",
        ));
    }
    let text = serde_json::to_string(&document)?;
    if let Some(stored) = store.template(template_id, Some(1)).await? {
        let same = serde_json::from_str::<serde_json::Value>(&stored.document).is_ok_and(|d| d == document);
        if !same {
            return Err(AppError::Conflict {
                code: "template_id_taken",
                message: Text::new("该模板编号已被另一份摸排表使用", "this template_id is already another template's"),
            });
        }
    }
    Ok((std::rc::Rc::new(template), text))
}

#[derive(Deserialize)]
struct ListQuery {
    org_unit: Option<String>,
}

/// `GET /api/surveys[?org_unit=]`: surveys touching the reader's area.
pub async fn list(req: Request, ctx: RouteContext<()>) -> Result<Json<Vec<SurveySummary>>, AppError> {
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let scope = req.query::<ListQuery>().ok().and_then(|q| q.org_unit).unwrap_or_else(|| principal.org_unit.clone());
    let surveys = store.surveys(&scope).await?;
    let visible = surveys
        .into_iter()
        .filter(|s| {
            // A village reader sees surveys containing its village; others, their area.
            let unit = if s.scope.len() <= scope.len() { scope.as_str() } else { s.scope.as_str() };
            ybt_core::access::authorize(&principal, &Action::ReadTasks { org_unit: unit, department: &s.department }).is_allowed()
        })
        .collect();
    Ok(Json(200, visible))
}

async fn readable_survey(store: &Store, principal: &ybt_core::access::Principal, id: &str) -> Result<SurveySummary, AppError> {
    let survey = store.survey(id).await?.ok_or(AppError::NotFound { what: "survey", zh: "该应急摸排" })?;
    let unit = if principal.org_unit.len() > survey.scope.len() { principal.org_unit.as_str() } else { survey.scope.as_str() };
    require(principal, &Action::ReadTasks { org_unit: unit, department: &survey.department })?;
    Ok(survey)
}

/// `GET /api/surveys/{id}`: the live board. Read-only.
pub async fn get_board(req: Request, ctx: RouteContext<()>) -> Result<Json<SurveyBoard>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let survey = readable_survey(&store, &principal, &id).await?;
    let template = pick_template(&store, &survey.template_id, Some(survey.template_version)).await?;
    // A coordinator's board is its town's part of a district-wide survey.
    let scope = if principal.org_unit.len() > survey.scope.len() { principal.org_unit.clone() } else { survey.scope.clone() };
    let tasks = store.tasks(&TaskFilter { scope: &scope, dispatch_id: Some(&id), ..TaskFilter::default() }).await?;
    let submissions: HashMap<String, Vec<ybt_core::api::SubmittedRow>> = store
        .survey_submissions(&id)
        .await?
        .into_iter()
        .filter(|(_, unit, _)| unit.starts_with(&scope))
        .map(|(_, unit, rows)| (unit, rows))
        .collect();
    let mut codes: Vec<String> = tasks.iter().filter_map(|t| t.org_unit.get(..9).map(str::to_owned)).collect();
    codes.sort();
    codes.dedup();
    codes.push(survey.scope.clone());
    let names: BTreeMap<String, String> = store.unit_names(&codes.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let mut answer = board(&template, survey, &tasks, &submissions, &names);
    // Rows are shown masked like any submission.
    let catalog = template_cache::catalog()?;
    mask_template_rows(&principal, &catalog, &template, answer.points.iter_mut().map(|p| &mut p.values));
    Ok(Json(200, answer))
}

#[derive(Deserialize)]
struct PickQuery {
    org_unit: String,
    entity: String,
    #[serde(default)]
    q: String,
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
    require(&principal, &Action::GenerateForm { org_unit: &query.org_unit })?;
    let survey = store.survey(&id).await?.ok_or(AppError::NotFound { what: "survey", zh: "该应急摸排" })?;
    let template = pick_template(&store, &survey.template_id, Some(survey.template_version)).await?;
    let Some(kind) = template.subject.kind_of(&query.entity).cloned() else {
        return Err(AppError::BadRequest {
            code: "not_pickable",
            message: Text::new("此表不能从该类台账选取", "rows of this form are not picked from that record type"),
        });
    };
    let types = template_cache::record_types()?;
    let record_type = types.get(&query.entity).ok_or(AppError::NotFound { what: "record type", zh: "该台账类型" })?;
    let records = store.records(&query.org_unit, &query.entity).await?;
    // The search compares only what this reader may see of each record.
    let catalog = template_cache::catalog()?;
    let guards = record_guards(&catalog, &record_type.entity, record_type.fields.iter().map(|f| f.name.as_str()));
    let mut visible = records.clone();
    for record in &mut visible {
        if let serde_json::Value::Object(values) = &mut record.data {
            mask_values(&principal, &guards, values);
        }
    }
    let found_ids: Vec<&str> = search(record_type, &visible, &query.q).into_iter().map(|r| r.id.as_str()).collect();
    let found: Vec<&ybt_core::LedgerRecord> = records.iter().filter(|r| found_ids.contains(&r.id.as_str())).collect();
    let today = crate::http::today();
    let mut rows: Vec<_> = found.iter().filter_map(|r| pick_row(&template, r, today)).collect();
    let labels = found
        .iter()
        .map(|r| {
            ["name", "address", "location", "parcel_no", "owner_name"]
                .iter()
                .filter_map(|f| r.data.get(*f).and_then(|v| v.as_str()))
                .take(2)
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .collect();
    let unmasked = mask_template_rows(&principal, &catalog, &template, rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = rows.iter().map(|r| r.subject_id.clone()).collect();
    audit::record(&store, &principal, "survey_pick", &unmasked, &subjects).await?;
    Ok(Json(200, PickAnswer { entity: query.entity, kind: kind.kind, rows, labels }))
}

/// `POST /api/surveys/{id}/close`. Writes each picked record's disaster
/// record (history source `survey`) and queues new records for review, in
/// batches of at most [`WRITES_PER_BATCH`] writes; the survey is marked
/// closed in the last batch. Retry/crash: every write is conditional on the
/// version read and a record already carrying this event's entry is not
/// planned again, candidates are `INSERT OR IGNORE`: a retry after a crash
/// between batches writes exactly what is missing, then closes. A record
/// changed meanwhile fails its batch (409 `stale_version`; close again).
pub async fn close(req: Request, ctx: RouteContext<()>) -> Result<Json<CloseAnswer>, AppError> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let survey = store.survey(&id).await?.ok_or(AppError::NotFound { what: "survey", zh: "该应急摸排" })?;
    require(&principal, &Action::ManageSurvey { org_unit: &survey.scope, department: &survey.department })?;
    if let Some(closed_at) = survey.closed_at {
        return Ok(Json(200, CloseAnswer { closed_at, records_updated: 0, queued_for_review: 0 }));
    }
    let template = pick_template(&store, &survey.template_id, Some(survey.template_version)).await?;
    let submissions = store.survey_submissions(&id).await?;
    let ids: Vec<&str> = submissions.iter().flat_map(|(_, _, rows)| rows.iter().map(|r| r.subject_id.as_str())).collect();
    let records = store.records_by_id(&ids).await?;
    let by_id: HashMap<&str, &ybt_core::LedgerRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let now = now_rfc3339();
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.clone(), source: Source::Survey };
    let types = template_cache::record_types()?;
    let plan = close_plan(&template, &types, &id, &submissions, &by_id, &meta).map_err(AppError::Validation)?;
    let before = store.queued_for_review(&id).await?;
    let chunks: Vec<&[ybt_core::ledger::Write]> = plan.writes.chunks(WRITES_PER_BATCH).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let result = store.close_survey_chunk(&id, chunk, &[], None).await;
        if result.is_err() {
            return Err(AppError::Stale {
                current: None,
                message: Text::new(
                    format!("第 {} 批写入时台账记录已被修改，已写入的不会重复：请再次关闭", i + 1),
                    format!("a ledger record changed during batch {}; what was written stays: close again", i + 1),
                ),
            });
        }
    }
    store.close_survey_chunk(&id, &[], &plan.candidates, Some((&now, &principal.username, submissions.len()))).await?;
    let after = store.queued_for_review(&id).await?;
    let Some(closed_at) = store.survey(&id).await?.and_then(|s| s.closed_at) else {
        return Err(AppError::Conflict {
            code: "close_raced",
            message: Text::new(
                "结束时又有村（社区）提交了填报：已写入的不会重复，请再次结束",
                "a village submitted during the close; what was written stays: close again",
            ),
        });
    };
    Ok(Json(200, CloseAnswer { closed_at, records_updated: plan.writes.len(), queued_for_review: after.saturating_sub(before) }))
}

#[derive(Deserialize)]
struct PhotoQuery {
    org_unit: String,
}

/// `PUT /api/photos?org_unit=CODE` with the image bytes (JPEG, PNG or
/// WebP). Stored in R2 under its SHA-256: uploading the same bytes again
/// (a retry, a second row) stores nothing new. Crash/retry: R2 first, then
/// the metadata row (`INSERT OR IGNORE`); a crash between them leaves an
/// object the retry finds and completes.
pub async fn upload_photo(mut req: Request, ctx: RouteContext<()>) -> Result<Json<PhotoReceipt>, AppError> {
    let query: PhotoQuery = req
        .query()
        .map_err(|_| AppError::BadRequest { code: "bad_query", message: Text::new("需要 org_unit 参数", "org_unit is required") })?;
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    require(&principal, &Action::Submit { org_unit: &query.org_unit })?;
    let bytes = read_bytes(&mut req, MAX_PHOTO_BYTES).await?;
    // Type and declared dimensions from the header, before anything is kept.
    let photo = ybt_core::survey::photo::inspect(&bytes).map_err(|e| AppError::BadRequest { code: e.code, message: e.message })?;
    let content_type = photo.kind.content_type();
    let hash = crate::crypto::sha256_hex(&bytes);
    let bucket = ctx.env.bucket("PHOTOS")?;
    let key = format!("photos/{hash}");
    if bucket.head(key.clone()).await?.is_none() {
        bucket
            .put(key, bytes.clone())
            .http_metadata(worker::HttpMetadata { content_type: Some(content_type.to_owned()), ..Default::default() })
            .execute()
            .await?;
    }
    let created = store.add_photo(&hash, bytes.len(), content_type, &query.org_unit, &principal.username, &now_rfc3339()).await?;
    Ok(Json(if created { 201 } else { 200 }, PhotoReceipt { hash, bytes: bytes.len() as u64, created }))
}

/// `GET /api/photos/{hash}`: for any reader of any submission naming the
/// photo, or of a village it was uploaded for (`survey::may_read_photo`,
/// through `access::authorize`): the same bytes sent by two villages stay
/// readable by both and by their town centre.
pub async fn get_photo(req: Request, ctx: RouteContext<()>) -> Result<Download, AppError> {
    let hash = ctx.param("hash").cloned().unwrap_or_default();
    if !is_photo_hash(&hash) {
        return Err(AppError::NotFound { what: "photo", zh: "该照片" });
    }
    let store = Store::from_env(&ctx.env)?;
    let principal = auth::principal(&req, &ctx.env, &store).await?;
    let (content_type, grounds) = store.photo(&hash).await?.ok_or(AppError::NotFound { what: "photo", zh: "该照片" })?;
    if !may_read_photo(&principal, &grounds) {
        // Refused with the reason the first ground gives (none: not found).
        let (org_unit, department) = grounds.first().ok_or(AppError::NotFound { what: "photo", zh: "该照片" })?;
        require(&principal, &Action::ReadSubmission { org_unit, department })?;
    }
    let object = ctx.env.bucket("PHOTOS")?.get(format!("photos/{hash}")).execute().await?;
    let body = object.as_ref().and_then(|o| o.body()).ok_or(AppError::NotFound { what: "photo", zh: "该照片" })?;
    let bytes = body.bytes().await?;
    let content_type = match content_type.as_str() {
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        _ => "image/jpeg",
    };
    Ok(Download { content_type, filename: format!("{hash}.jpg"), bytes })
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
