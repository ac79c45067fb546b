//! 报表准入 as use cases: a department files a template version for review
//! ([`file_template`]), the town coordination centre reads the requests
//! with their burden analysis ([`list_reviews`], [`get_review`]) and
//! approves or rejects them ([`decide_review`]). Approval publishes the
//! version and moves the template's open tasks onto it; nothing else makes
//! a published template. The storage is the [`Reviews`] port (with the
//! shared [`Directory`]).

use crate::service::require;
use std::rc::Rc;

use serde_json::Value;

use super::tasks::{OpenTasks, migrate_open_tasks};
use super::{Directory, Now, ServiceError};
use crate::access::{Action, Principal, Role};
use crate::api::{DecisionRequest, PublishRequest, TemplateRequest};
use crate::ids::{ClientId, OrgLevel};
use crate::ledger::{LedgerRecord, OrgUnit};
use crate::messages::Text;
use crate::review::changes::{self, Baseline, ReviewDetail, WorkCounts};
use crate::review::{self, Decision, ReviewError, ReviewStatus};
use crate::validate::FieldError;
use crate::{Catalog, CompiledTemplate, TemplateError};

/// Villages sampled to estimate the rows a form has per village.
const SAMPLE_VILLAGES: usize = 3;

/// A template request as stored: what readers see, and the district it was
/// filed in (who may review it).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReview {
    pub request: TemplateRequest,
    pub district: String,
}

/// A request to file: the compiled document's identity, the document and
/// its analysis as they are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    pub id: String,
    pub template_id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    pub district: String,
    pub document: Value,
    pub analysis: review::ReviewAnalysis,
    pub submitted_by: String,
    pub submitted_at: String,
}

/// A decision to record on a pending request.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewDecision<'a> {
    pub id: &'a str,
    pub status: ReviewStatus,
    pub decided_by: &'a str,
    pub decided_at: &'a str,
    pub reason: Option<&'a str>,
}

/// A published version with its publication time.
#[derive(Debug, Clone)]
pub struct PublishedTemplate {
    pub template: Rc<CompiledTemplate>,
    pub published_at: String,
}

/// The storage of template requests, and what their analysis and approval
/// read and move (published versions, villages, ledger records, open tasks).
#[allow(async_fn_in_trait)]
pub trait Reviews: OpenTasks {
    /// One request, with its document.
    async fn review(&self, id: &str) -> Result<Option<StoredReview>, ServiceError>;
    /// The pending request of a template, if any.
    async fn pending_review(&self, template_id: &str) -> Result<Option<StoredReview>, ServiceError>;
    /// Requests without documents, newest first: of one department or of
    /// every department of `district` (`None`), optionally of one status.
    async fn reviews(
        &self,
        department: Option<&str>,
        district: &str,
        status: Option<ReviewStatus>,
    ) -> Result<Vec<StoredReview>, ServiceError>;
    /// Every request of a template without documents, newest first.
    async fn reviews_of_template(&self, template_id: &str) -> Result<Vec<StoredReview>, ServiceError>;
    /// Files a request keyed by its id: `false` if the id is stored already
    /// (nothing changes). A second pending request of the same template is
    /// refused with [`pending_conflict`].
    async fn file(&self, new: &NewReview) -> Result<bool, ServiceError>;
    /// Records a decision on a pending request; an approval publishes the
    /// version in the same transaction. `false`: it was not pending any
    /// more, and nothing changed.
    async fn decide(&self, decision: &ReviewDecision<'_>) -> Result<bool, ServiceError>;
    /// Every published version of a template, oldest first.
    async fn published_versions(&self, template_id: &str) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError>;
    /// The newest version of every template, by id.
    async fn live_templates(&self) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError>;
    /// The newest version of every template, the most recently published first.
    async fn published_templates(&self) -> Result<Vec<PublishedTemplate>, ServiceError>;
    /// The villages inside the org unit `code`, by code.
    async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError>;
    /// The ledger records of `entity` in `org_unit`.
    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError>;
    /// Submissions stored under versions older than `version`.
    async fn submissions_before(&self, template_id: &str, version: u32) -> Result<usize, ServiceError>;
}

/// What [`file_template`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct Filed {
    pub request: TemplateRequest,
    /// `false`: the request id was filed before (a retry), answered as stored.
    pub created: bool,
}

/// 409 `review_pending`: the template already has a request under review.
pub fn pending_conflict() -> ServiceError {
    ServiceError::Conflict {
        code: "review_pending",
        message: Text::new("该报表已有一个待审核的申请，请等待协同中心处理", "this template already has a request waiting for review"),
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound { what: "template request", zh: "该报表申请" }
}

fn review_error(e: ReviewError) -> ServiceError {
    match e {
        ReviewError::AlreadyDecided(_) => ServiceError::Conflict { code: e.code(), message: e.message() },
        _ => ServiceError::Invalid { message: e.message(), fields: vec![FieldError::new(e.pointer(), e.code(), e.message())] },
    }
}

/// The district (6 digits) a principal works in.
fn district_of(principal: &Principal) -> &str {
    OrgLevel::District.of(&principal.org_unit).unwrap_or(&principal.org_unit)
}

/// Whether the principal may read a request: its department, or a centre
/// of its district.
fn require_read(principal: &Principal, department: &str, district: &str) -> Result<(), ServiceError> {
    match principal.role {
        Role::DepartmentAnalyst => require(principal, &Action::PublishTemplate { department }),
        _ => require(principal, &Action::ReviewTemplate { district }),
    }
}

/// The `status` filter of a request list: one of pending, approved,
/// rejected (400 `bad_status` otherwise). Checked before authentication.
pub fn status_filter(status: Option<&str>) -> Result<Option<ReviewStatus>, ServiceError> {
    match status {
        None => Ok(None),
        Some(status) => ReviewStatus::parse(status).map(Some).ok_or_else(|| ServiceError::BadRequest {
            code: "bad_status",
            message: Text::new(
                format!("未知状态“{status}”：可用 pending、approved、rejected"),
                format!("unknown status {status:?}: use pending, approved or rejected"),
            ),
        }),
    }
}

/// Files a template version for review. A document without a department
/// is filed for the analyst's own; a template id belongs to the department
/// that first published it; the version must be newer than the published
/// one; one request per template is pending at a time.
///
/// Retry: the request id is the key — a retry answers the stored request
/// (`created: false`). Crash: filing is one insert, so either the request
/// is stored whole or not at all.
pub async fn file_template(
    principal: &Principal,
    mut body: PublishRequest,
    catalog: &Catalog,
    now: &Now,
    store: &(impl Reviews + Directory),
) -> Result<Filed, ServiceError> {
    // Only analysts file; refuse others before looking at the document.
    require(principal, &Action::PublishTemplate { department: principal.department.as_deref().unwrap_or_default() })?;
    if !ClientId::is_valid(&body.request_id) {
        return Err(ServiceError::field(
            "/request_id",
            "invalid_id",
            Text::new("编号须为 1–64 个字母、数字或连字符", "use 1–64 letters, digits or hyphens"),
        ));
    }
    if let Some(stored) = store.review(&body.request_id).await? {
        require(principal, &Action::PublishTemplate { department: &stored.request.department })?;
        return Ok(Filed { request: stored.request, created: false });
    }
    if let Some(meta) = body.document.get_mut("x-template").and_then(Value::as_object_mut) {
        let empty = meta.get("department").and_then(Value::as_str).is_none_or(str::is_empty);
        if let (true, Some(department)) = (empty, principal.department.as_deref()) {
            meta.insert("department".to_owned(), Value::String(department.to_owned()));
        }
    }
    let template = crate::compile(&body.document, catalog)
        .map_err(|errors| ServiceError::Validation(errors.into_iter().map(TemplateError::into_document_field_error).collect()))?;
    require(principal, &Action::PublishTemplate { department: &template.meta.department })?;
    let latest = store.template(&template.meta.id, None).await?;
    if let Some(published) = &latest {
        require(principal, &Action::PublishTemplate { department: &published.meta.department })?;
    }
    review::check_version(latest.as_ref().map(|t| t.meta.version), template.meta.version).map_err(review_error)?;
    if store.pending_review(&template.meta.id).await?.is_some() {
        return Err(pending_conflict());
    }
    let live = store.live_templates().await?;
    let district = district_of(principal).to_owned();
    let (villages, rows) = rows_per_village(store, &template, &district).await?;
    let analysis = review::analyse(&template, catalog, &live.iter().map(|t| &**t).collect::<Vec<_>>(), villages, rows);
    let created = store
        .file(&NewReview {
            id: body.request_id.clone(),
            template_id: template.meta.id.clone(),
            version: template.meta.version,
            title: template.title.clone(),
            department: template.meta.department.clone(),
            district,
            document: body.document,
            analysis,
            submitted_by: principal.display_name.clone(),
            submitted_at: now.instant.clone(),
        })
        .await?;
    let stored = store
        .review(&body.request_id)
        .await?
        .ok_or_else(|| ServiceError::Storage(format!("request {} vanished after insert", body.request_id)))?;
    Ok(Filed { request: stored.request, created })
}

/// Expected rows per village: the form's rows in a few villages spread
/// over the district, averaged (1 for a form about the village itself).
pub(crate) async fn rows_per_village(
    store: &impl Reviews,
    template: &CompiledTemplate,
    district: &str,
) -> Result<(usize, f64), ServiceError> {
    let villages = store.villages_in(district).await?;
    if template.subject.entity == "org_unit" || villages.is_empty() {
        return Ok((villages.len(), 1.0));
    }
    let step = (villages.len() / SAMPLE_VILLAGES).max(1);
    let mut rows = 0;
    let mut sampled = 0;
    for unit in villages.iter().step_by(step).take(SAMPLE_VILLAGES) {
        let records = store.records(&unit.code, &template.subject.entity).await?;
        rows += crate::prefill(template, unit, &records).rows.len();
        sampled += 1;
    }
    Ok((villages.len(), rows as f64 / sampled.max(1) as f64))
}

/// `GET /api/template-requests[?status=…]`: an analyst sees its
/// department's requests, a centre every request of its district. Pending
/// requests carry what their review needs; decided ones are read one by one.
pub async fn list_reviews(
    principal: &Principal,
    status: Option<ReviewStatus>,
    catalog: &Catalog,
    store: &impl Reviews,
) -> Result<Vec<TemplateRequest>, ServiceError> {
    let district = district_of(principal).to_owned();
    let department = principal.department.clone().unwrap_or_default();
    require_read(principal, &department, &district)?;
    let only = (principal.role == Role::DepartmentAnalyst).then_some(department.as_str());
    let stored = store.reviews(only, &district, status).await?;
    let mut requests = Vec::with_capacity(stored.len());
    for s in stored {
        let request = s.request;
        requests.push(if request.status == ReviewStatus::Pending { with_detail(store, request, catalog).await? } else { request });
    }
    for_reader(store, principal, requests).await
}

/// `GET /api/template-requests/{id}`: one request with its detail.
pub async fn get_review(principal: &Principal, id: &str, catalog: &Catalog, store: &impl Reviews) -> Result<TemplateRequest, ServiceError> {
    let stored = store.review(id).await?.ok_or_else(not_found)?;
    require_read(principal, &stored.request.department, &stored.district)?;
    one_for_reader(store, principal, stored.request, catalog).await
}

/// The centre's decision. An approval publishes the version and moves the
/// template's open tasks (with their drafts, migrated) onto it.
///
/// Retry: the same decision again answers the stored result. A different
/// decision on a decided request, or losing the race to another reviewer
/// who decided otherwise, is 409 `already_decided`. Crash: the decision
/// and the publication are one transaction; moving tasks runs after it
/// and moves only what is left when run again — but only the call that
/// decided moves them, so a crash between the two leaves tasks on the old
/// version (they still submit against it).
pub async fn decide_review(
    principal: &Principal,
    id: &str,
    body: &DecisionRequest,
    catalog: &Catalog,
    now: &Now,
    store: &(impl Reviews + Directory),
) -> Result<TemplateRequest, ServiceError> {
    let stored = store.review(id).await?.ok_or_else(not_found)?;
    require(principal, &Action::ReviewTemplate { district: &stored.district })?;
    let wanted = match body.decision {
        Decision::Approve => ReviewStatus::Approved,
        Decision::Reject => ReviewStatus::Rejected,
    };
    let reason = body.reason.trim();
    let current = stored.request.status;
    if current == wanted {
        return one_for_reader(store, principal, stored.request, catalog).await;
    }
    let next = current.decide(body.decision, reason).map_err(review_error)?;
    let decision = ReviewDecision {
        id,
        status: next,
        decided_by: &principal.display_name,
        decided_at: &now.instant,
        reason: (!reason.is_empty()).then_some(reason),
    };
    let decided = store.decide(&decision).await?;
    let stored = store.review(id).await?.ok_or_else(|| ServiceError::Storage(format!("request {id} vanished")))?;
    if !decided && stored.request.status != wanted {
        // Another reviewer decided otherwise meanwhile.
        return Err(review_error(ReviewError::AlreadyDecided(stored.request.status)));
    }
    if decided && next == ReviewStatus::Approved {
        migrate_open_tasks(store, &stored.request.template_id, stored.request.version, now).await?;
    }
    one_for_reader(store, principal, stored.request, catalog).await
}

/// The requests as `principal` reads them: a town centre sees the villages
/// and hours of its own town (what it dispatches to), a department its
/// district's.
async fn for_reader(
    store: &impl Reviews,
    principal: &Principal,
    requests: Vec<TemplateRequest>,
) -> Result<Vec<TemplateRequest>, ServiceError> {
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

async fn one_for_reader(
    store: &impl Reviews,
    principal: &Principal,
    request: TemplateRequest,
    catalog: &Catalog,
) -> Result<TemplateRequest, ServiceError> {
    let id = request.id.clone();
    let request = with_detail(store, request, catalog).await?;
    for_reader(store, principal, vec![request]).await?.pop().ok_or_else(|| ServiceError::Storage(format!("request {id} lost")))
}

/// Adds what the review card shows beyond the burden: every field in
/// words, the comparison with the published version (the newest older than
/// the request) and with the template's last rejected filing, and — while
/// the request is pending — the consequences of approving it.
async fn with_detail(store: &impl Reviews, mut request: TemplateRequest, catalog: &Catalog) -> Result<TemplateRequest, ServiceError> {
    let document = match request.document.take() {
        Some(d) => d,
        None => match store.review(&request.id).await?.and_then(|r| r.request.document) {
            Some(document) => document,
            None => return Ok(request),
        },
    };
    // Stored requests compiled when filed; one that no longer compiles
    // (the catalog changed) is shown without detail.
    let Ok(template) = crate::compile(&document, catalog) else {
        request.document = Some(document);
        return Ok(request);
    };
    let mut detail = ReviewDetail { fields: changes::field_details(&template, catalog), ..ReviewDetail::default() };
    let published = store.published_versions(&request.template_id).await?;
    if let Some(old) = published.iter().rev().find(|p| p.meta.version < request.version) {
        detail.comparisons.push(changes::compare(old, &template, Baseline::Published { version: old.meta.version }, catalog));
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
        .reviews_of_template(&request.template_id)
        .await?
        .into_iter()
        .map(|s| s.request)
        .find(|r| r.id != request.id && r.status == ReviewStatus::Rejected && r.submitted_at <= request.submitted_at);
    if let Some(rejected) = rejected {
        let document = store.review(&rejected.id).await?.and_then(|r| r.request.document);
        if let Some(Ok(old)) = document.map(|d| crate::compile(&d, catalog)) {
            let against =
                Baseline::Rejected { version: rejected.version, request_id: rejected.id.clone(), reason: rejected.reason.clone() };
            detail.comparisons.push(changes::compare(&old, &template, against, catalog));
        }
    }
    request.detail = Some(detail);
    request.document = Some(document);
    Ok(request)
}

#[cfg(test)]
#[path = "reviews_tests.rs"]
pub(crate) mod tests;
