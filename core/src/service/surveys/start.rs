//! Starting a survey (快速通道: no review step, the reason logged) and its
//! preview: the id, scope and due-date checks, the ad-hoc template policy,
//! the right to start it.

use crate::service::require;
use std::rc::Rc;

use serde_json::Value;

use crate::access::{Action, Principal};
use crate::compile::{CompiledTemplate, TemplateError};
use crate::ids::ClientId;
use crate::ledger::OrgLevel;
use crate::messages::Text;
use crate::survey::{StartSurveyRequest, SurveyPreview, SurveySummary};
use crate::validate::FieldError;

use super::{Schemas, SurveyStore};
use crate::service::{Directory, Now, ServiceError};

/// A survey to store, as checked by [`start_survey`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewSurvey<'a> {
    pub dispatch_id: &'a str,
    pub template_id: &'a str,
    pub template_version: u32,
    pub scope: &'a str,
    pub due_date: &'a str,
    /// The logged fast-track note (who skipped the review, and why).
    pub fast_track: &'a str,
    pub started_by: &'a str,
    pub started_at: &'a str,
    /// An ad-hoc survey's template, published as version 1 with the survey.
    pub publish: Option<AdhocTemplate<'a>>,
}

/// An ad-hoc survey's template as published.
#[derive(Debug, Clone, PartialEq)]
pub struct AdhocTemplate<'a> {
    pub title: &'a str,
    pub department: &'a str,
    /// The document's JSON text.
    pub document: &'a str,
}

/// What [`start_survey`] did: the survey as stored, and whether this call
/// created it (`false`: a retry, answered as stored).
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub survey: SurveySummary,
    pub created: bool,
}

/// A start request, checked: the compiled template, an ad-hoc document to
/// publish, the due date.
struct Checked {
    template: Rc<CompiledTemplate>,
    publish: Option<String>,
    due_date: String,
}

fn invalid(pointer: &str, code: &str, zh: &str, en: &str) -> ServiceError {
    ServiceError::field(pointer, code, Text::new(zh, en))
}

fn org_unit_not_found() -> ServiceError {
    ServiceError::NotFound { what: "org unit", zh: "该行政区划" }
}

/// `POST /api/surveys/preview`: checks the request as [`start_survey`]
/// would and answers what it would do (the scope's name, how many
/// villages, the due date). Stores nothing.
pub async fn preview_survey<S: SurveyStore + Directory>(
    principal: &Principal,
    request: &StartSurveyRequest,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<SurveyPreview, ServiceError> {
    let checked = checked_start(principal, request, now, schemas, store).await?;
    let scope = store.org_unit(&request.scope).await?.ok_or_else(org_unit_not_found)?;
    let villages = store.village_count(&request.scope).await?;
    Ok(SurveyPreview {
        title: checked.template.title.clone(),
        scope: scope.code,
        scope_name: scope.name,
        villages,
        due_date: checked.due_date,
    })
}

/// `POST /api/surveys`: starts a survey of a pick-mode template (or an
/// ad-hoc one, published with it) for every village of a town or the
/// district. Retry: the same `dispatch_id` again creates nothing new and
/// answers the survey as stored (`created: false`); the same id for
/// another template or scope is 409 `dispatch_id_reused`. Crash: the store
/// writes all or nothing.
pub async fn start_survey<S: SurveyStore + Directory>(
    principal: &Principal,
    request: &StartSurveyRequest,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<Started, ServiceError> {
    let checked = checked_start(principal, request, now, schemas, store).await?;
    if let Some(existing) = store.survey(&request.dispatch_id).await? {
        if existing.template_id != request.template_id || existing.scope != request.scope {
            return Err(ServiceError::Conflict {
                code: "dispatch_id_reused",
                message: Text::new("该发起编号已用于另一次摸排", "this dispatch_id was already used for another survey"),
            });
        }
        return Ok(Started { survey: existing, created: false });
    }
    let fast_track =
        format!("应急快速通道：未经镇街协同中心审核，由 {} 发起。{}", principal.username, request.reason.as_deref().unwrap_or(""));
    let template = &checked.template;
    store
        .start_survey(&NewSurvey {
            dispatch_id: &request.dispatch_id,
            template_id: &request.template_id,
            template_version: template.meta.version,
            scope: &request.scope,
            due_date: &checked.due_date,
            fast_track: fast_track.trim(),
            started_by: &principal.username,
            started_at: &now.instant,
            publish: checked.publish.as_deref().map(|document| AdhocTemplate {
                title: &template.title,
                department: &template.meta.department,
                document,
            }),
        })
        .await?;
    let survey = store.survey(&request.dispatch_id).await?.ok_or_else(|| ServiceError::Storage("survey vanished after insert".into()))?;
    Ok(Started { survey, created: true })
}

/// Checks a start request (ids, scope, due date, template, the right to
/// start it), in the order its answers have always come in.
async fn checked_start<S: SurveyStore + Directory>(
    principal: &Principal,
    request: &StartSurveyRequest,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<Checked, ServiceError> {
    let mut errors = Vec::new();
    if !ClientId::is_valid(&request.dispatch_id) {
        errors.push(FieldError::new(
            "/dispatch_id",
            "invalid_dispatch_id",
            Text::new(
                "发起编号缺失或无效（1–64 个字母、数字或连字符）",
                "dispatch_id missing or invalid (1–64 letters, digits or hyphens)",
            ),
        ));
    }
    if !matches!(OrgLevel::of_code(&request.scope), Some(OrgLevel::Town | OrgLevel::District)) {
        errors.push(FieldError::new(
            "/scope",
            "invalid_scope",
            Text::new("范围应为一个镇街（9 位代码）或全区（6 位代码）", "scope must be a town (9-digit code) or the district (6 digits)"),
        ));
    }
    let due_date = request.due_date.clone().unwrap_or_else(|| now.instant.get(..10).unwrap_or_default().to_owned());
    if crate::expr::Date::parse(&due_date).is_none() {
        errors.push(FieldError::new("/due_date", "invalid_due_date", Text::new("截止日期应为 YYYY-MM-DD", "due_date must be YYYY-MM-DD")));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let (template, publish) = match &request.document {
        None => {
            let template = store
                .template(&request.template_id, None)
                .await?
                .ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })?;
            (template, None)
        }
        Some(document) => {
            let (template, document) = adhoc_template(principal, &request.template_id, document, schemas, store).await?;
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
    store.org_unit(&request.scope).await?.ok_or_else(org_unit_not_found)?;
    Ok(Checked { template, publish, due_date })
}

/// An ad-hoc survey's template (the quick builder's document), checked as
/// any template: its id must be the request's `template_id`, start with
/// `adhoc-` and be new (or hold this very document: a retried start); the
/// department is the starter's (an analyst's department, a town centre's
/// town), the version 1, and it must compile in pick mode. Returns the
/// compiled template and the document text to publish. Stores nothing.
async fn adhoc_template<S: Directory>(
    principal: &Principal,
    template_id: &str,
    document: &Value,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<(Rc<CompiledTemplate>, String), ServiceError> {
    let id_ok = template_id.starts_with("adhoc-") && ClientId::is_valid(template_id);
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
    let template = crate::compile(&document, schemas.catalog)
        .map_err(|errors| ServiceError::Validation(errors.into_iter().map(TemplateError::into_document_field_error).collect()))?;
    if !template.subject.is_pick() {
        return Err(invalid(
            "/document/x-subject/mode",
            "not_a_survey",
            "临时摸排表须为选取模式（mode: pick）",
            "an ad-hoc survey must be in pick mode (mode: pick)",
        ));
    }
    let text = serde_json::to_string(&document).map_err(|e| ServiceError::Storage(format!("json: {e}")))?;
    if let Some(stored) = store.template(template_id, Some(1)).await?
        && stored.schema != document
    {
        return Err(ServiceError::Conflict {
            code: "template_id_taken",
            message: Text::new("该模板编号已被另一份摸排表使用", "this template_id is already another template's"),
        });
    }
    Ok((Rc::new(template), text))
}
