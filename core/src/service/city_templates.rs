//! A city department's templates (issue 16, the city level): filed once
//! for every district of its city, admitted by each district on its own
//! (报表准入 stays local), dispatched to the districts that admitted it.
//!
//! **Filing.** [`file_city_template`] authorizes (a city-level author,
//! `access::CITY_AUTHOR_GRANT`), compiles the document and stores the
//! filing in the directory ([`CityTemplates`]), keyed by the client's id,
//! with the districts it covers fixed at that moment. The worker then runs
//! [`file_in_district`] on each district's database, in parallel: it files
//! that district's own 报表准入 request, with the analysis of that district
//! (its villages, its live templates), under the id
//! [`district_request_id`] derived from the filing's. Each district's town
//! centres review it in their existing review page; the first decision per
//! district stands ([`super::reviews::decide_review`]). [`filing_view`]
//! names each district's state: `pending`, `admitted`, `rejected` or
//! `failed` (with why).
//!
//! **Not atomic, and what a retry or a crash does.** The directory and the
//! districts are separate databases: nothing makes the filing one
//! transaction. The order is the directory's row first, then each
//! district's request, each an insert-or-ignore keyed by the derived id.
//! A crash or a failed district after the directory's row leaves that
//! district without a request: it reads as `failed` / `not_filed`, and
//! filing again with the same id (the same document; another document is
//! 409 `filing_id_reused`) creates exactly the missing requests — never a
//! second one anywhere, since each district's insert is keyed by the
//! derived id. A crash before the directory's row leaves nothing at all.
//! A district where the request cannot be filed (a pending request of the
//! same template, a version not newer than the one it publishes, the id
//! owned by another department there) is `failed` with that reason; the
//! others are filed.
//!
//! **Dispatch.** [`begin_city_dispatch`] checks and records the city
//! dispatch (keyed by its client id; reused for another filing or due date:
//! 409), then the worker runs [`dispatch_in_district`] on each chosen
//! district: where the district admitted the template, the existing
//! [`super::dispatch::dispatch`] use case under the city principal (one
//! task per village of the district, keyed by the same dispatch id and the
//! village, so a retry creates only what is missing); where it has not, the
//! district is named (`not_admitted`, with its review state) and nothing is
//! created there.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::city::{DistrictFailure, MAX_DISTRICTS, ServedDistrict, districts_in_scope};
use super::dispatch::{DispatchStore, dispatch};
use super::reviews::{NewReview, Reviews, StoredReview, pending_conflict, rows_per_village};
use super::{Directory, Now, ServiceError, require};
use crate::access::{Action, DenyReason, Principal};
use crate::api::{DispatchRequest, PublishRequest};
use crate::ids::ClientId;
use crate::messages::Text;
use crate::review::{self, ReviewStatus};
use crate::tasks::is_valid_due_date;
use crate::{Catalog, CompiledTemplate, TemplateError};

/// The longest filing id: [`district_request_id`] must stay a `ClientId`
/// (at most 64 characters).
pub const MAX_FILING_ID: usize = 64 - DISTRICT_REQUEST_PREFIX.len();

const DISTRICT_REQUEST_PREFIX: &str = "city-";

/// The id of a city filing's request in each district's database. A
/// district department cannot hold it in the way: the request is checked
/// to be the filing's (template, version, department) when read.
pub fn district_request_id(filing_id: &str) -> String {
    format!("{DISTRICT_REQUEST_PREFIX}{filing_id}")
}

/// A city filing as the directory stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityFiling {
    pub id: String,
    /// The city it was filed for (the author's org unit, e.g. `500000`).
    pub city: String,
    pub template_id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    /// The districts it was filed for (codes), fixed by the first filing.
    pub districts: Vec<String>,
    pub submitted_by: String,
    pub submitted_at: String,
    /// The template document (not in list answers).
    #[serde(default, skip_serializing)]
    pub document: Value,
}

/// A city dispatch as the directory stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityDispatch {
    pub id: String,
    pub filing_id: String,
    pub due_date: String,
    pub dispatched_by: String,
    pub dispatched_at: String,
}

/// The directory's part: city filings and city dispatches.
#[allow(async_fn_in_trait)]
pub trait CityTemplates {
    async fn city_filing(&self, id: &str) -> Result<Option<CityFiling>, ServiceError>;
    /// Stores a filing keyed by its id: `false` if the id is stored
    /// already (nothing changes).
    async fn insert_city_filing(&self, filing: &CityFiling) -> Result<bool, ServiceError>;
    /// The filings of `department` in `city`, newest first (without documents).
    async fn city_filings(&self, city: &str, department: &str) -> Result<Vec<CityFiling>, ServiceError>;
    async fn city_dispatch(&self, id: &str) -> Result<Option<CityDispatch>, ServiceError>;
    /// Stores a dispatch keyed by its id: `false` if stored already.
    async fn insert_city_dispatch(&self, dispatch: &CityDispatch) -> Result<bool, ServiceError>;
}

/// A district's state of a city filing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictState {
    /// Filed, waiting for a town centre of the district.
    Pending,
    /// Approved by the district: published there, dispatchable.
    Admitted,
    Rejected,
    /// No request of this filing in the district: see `error`.
    Failed,
}

impl DistrictState {
    fn of(status: ReviewStatus) -> DistrictState {
        match status {
            ReviewStatus::Pending => DistrictState::Pending,
            ReviewStatus::Approved => DistrictState::Admitted,
            ReviewStatus::Rejected => DistrictState::Rejected,
        }
    }
}

/// One district's part of a filing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictFiling {
    pub code: String,
    pub name: String,
    pub state: DistrictState,
    /// The district's request (`city-<filing id>`), when it was filed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// A rejection's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DistrictFailure>,
}

/// `POST /api/city/templates`, `GET /api/city/templates/{id}`: the filing
/// and its state per district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityFilingView {
    #[serde(flatten)]
    pub filing: CityFiling,
    pub districts_state: Vec<DistrictFiling>,
    /// False while a district is `failed`: filing again with the same id
    /// files what is missing.
    pub complete: bool,
}

/// `POST /api/city/templates/{id}/dispatch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityDispatchRequest {
    pub dispatch_id: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// District codes; every district of the filing when absent (those
    /// that have not admitted it are named, nothing is created there).
    #[serde(default)]
    pub districts: Option<Vec<String>>,
}

/// What a city dispatch did in one district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistrictDispatchState {
    /// The district admitted the template: its villages have the task.
    Dispatched,
    /// The district has not admitted it (pending, rejected, or not filed
    /// there): nothing was created.
    NotAdmitted,
    /// The district's database failed: see `error`; dispatching again with
    /// the same id creates what is missing.
    Failed,
}

/// One district's part of a city dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistrictDispatch {
    pub code: String,
    pub name: String,
    pub state: DistrictDispatchState,
    /// The district's review of the template (none: not filed there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewStatus>,
    /// Villages reached, and tasks this call created (0 on a retry).
    pub villages: usize,
    pub created: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<DistrictFailure>,
}

/// What [`dispatch_in_district`] did in its district.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DispatchOutcome {
    pub state: DistrictDispatchState,
    pub review: Option<ReviewStatus>,
    pub villages: usize,
    pub created: usize,
}

/// The answer of a city dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CityDispatchView {
    pub dispatch_id: String,
    pub filing_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub due_date: String,
    pub districts: Vec<DistrictDispatch>,
    /// Tasks created by this call over all districts (0: a retry).
    pub created: usize,
}

fn bad_filing_id() -> ServiceError {
    ServiceError::field(
        "/request_id",
        "invalid_id",
        Text::new(format!("编号须为 1–{MAX_FILING_ID} 个字母、数字或连字符"), format!("use 1–{MAX_FILING_ID} letters, digits or hyphens")),
    )
}

fn not_found() -> ServiceError {
    ServiceError::NotFound { what: "city template filing", zh: "该市级报表申请" }
}

/// A stored filing as `principal` may read it: its own city and
/// department (another city's or department's: 404, as if absent).
fn readable(principal: &Principal, filing: CityFiling) -> Result<CityFiling, ServiceError> {
    require(principal, &Action::ReadCityTemplates { department: principal.department.as_deref().unwrap_or_default() })?;
    if filing.city != principal.org_unit || principal.department.as_deref() != Some(filing.department.as_str()) {
        return Err(not_found());
    }
    Ok(filing)
}

/// The same filing again (a retry) or another one under a used id (409).
fn same_filing(stored: CityFiling, document: &Value, catalog: &Catalog) -> Result<(CityFiling, CompiledTemplate), ServiceError> {
    if stored.document != *document {
        return Err(ServiceError::Conflict {
            code: "filing_id_reused",
            message: Text::new("该申请编号已用于另一份报表", "this request_id was already used for another filing"),
        });
    }
    let template = crate::compile(&stored.document, catalog)
        .map_err(|_| ServiceError::Storage(format!("city filing {} no longer compiles", stored.id)))?;
    Ok((stored, template))
}

/// Files a template once for every served district of the author's city
/// (the directory's part; the worker then runs [`file_in_district`] on each
/// of `filing.districts`). Same checks of the document as a district's
/// filing: it must compile, and belong to the author's department (a
/// document without a department is filed for the author's).
///
/// Retry: a stored id with the same document answers the stored filing
/// (`created: false`), whose districts the caller files again (each keyed,
/// so only what is missing is created); another document under a stored id
/// is 409 `filing_id_reused`.
pub async fn file_city_template(
    principal: &Principal,
    mut body: PublishRequest,
    catalog: &Catalog,
    served: &[ServedDistrict],
    now: &Now,
    store: &impl CityTemplates,
) -> Result<(CityFiling, CompiledTemplate, bool), ServiceError> {
    require(principal, &Action::FileCityTemplate { department: principal.department.as_deref().unwrap_or_default() })?;
    if !ClientId::is_valid(&body.request_id) || body.request_id.len() > MAX_FILING_ID {
        return Err(bad_filing_id());
    }
    if let Some(meta) = body.document.get_mut("x-template").and_then(Value::as_object_mut) {
        let empty = meta.get("department").and_then(Value::as_str).is_none_or(str::is_empty);
        if let (true, Some(department)) = (empty, principal.department.as_deref()) {
            meta.insert("department".to_owned(), Value::String(department.to_owned()));
        }
    }
    if let Some(stored) = store.city_filing(&body.request_id).await? {
        let (filing, template) = same_filing(readable(principal, stored)?, &body.document, catalog)?;
        return Ok((filing, template, false));
    }
    let template = crate::compile(&body.document, catalog)
        .map_err(|errors| ServiceError::Validation(errors.into_iter().map(TemplateError::into_document_field_error).collect()))?;
    require(principal, &Action::FileCityTemplate { department: &template.meta.department })?;
    let districts: Vec<String> = districts_in_scope(principal, served, None)?.into_iter().map(|d| d.code).collect();
    if districts.is_empty() {
        return Err(ServiceError::Conflict {
            code: "no_districts",
            message: Text::new("本市没有由本系统服务的区县", "no district of this city is served by this deployment"),
        });
    }
    let filing = CityFiling {
        id: body.request_id.clone(),
        city: principal.org_unit.clone(),
        template_id: template.meta.id.clone(),
        version: template.meta.version,
        title: template.title.clone(),
        department: template.meta.department.clone(),
        districts,
        submitted_by: principal.display_name.clone(),
        submitted_at: now.instant.clone(),
        document: body.document,
    };
    if store.insert_city_filing(&filing).await? {
        return Ok((filing, template, true));
    }
    // Lost a race with the same id: answer as a retry would.
    let stored =
        store.city_filing(&filing.id).await?.ok_or_else(|| ServiceError::Storage(format!("city filing {} vanished", filing.id)))?;
    let (filing, template) = same_filing(readable(principal, stored)?, &filing.document, catalog)?;
    Ok((filing, template, false))
}

/// The district's request of `filing`, if it is there and is the filing's
/// (an id of the same name holding anything else is an error, never read
/// as the filing's).
async fn request_of(filing: &CityFiling, store: &impl Reviews) -> Result<Option<StoredReview>, ServiceError> {
    let Some(stored) = store.review(&district_request_id(&filing.id)).await? else {
        return Ok(None);
    };
    let r = &stored.request;
    if r.template_id != filing.template_id || r.version != filing.version || r.department != filing.department {
        return Err(ServiceError::Conflict {
            code: "request_id_taken",
            message: Text::new("该区已有同编号的其他申请", "another request holds this id in the district"),
        });
    }
    Ok(Some(stored))
}

/// Files `filing` in the district `district` (the store routed to it): the
/// district's own 报表准入 request, with the district's analysis. Already
/// filed (a retry): answered as stored, nothing changes. Refused where the
/// district could not take it: the template id published there by another
/// department, a version not newer than the one published there, or a
/// request of the template pending there.
pub async fn file_in_district(
    principal: &Principal,
    filing: &CityFiling,
    template: &CompiledTemplate,
    catalog: &Catalog,
    district: &str,
    store: &(impl Reviews + Directory),
) -> Result<StoredReview, ServiceError> {
    require(principal, &Action::FileCityTemplate { department: &filing.department })?;
    if let Some(stored) = request_of(filing, store).await? {
        return Ok(stored);
    }
    if let Some(published) = store.template(&filing.template_id, None).await? {
        if published.meta.department != filing.department {
            return Err(ServiceError::Forbidden(DenyReason::OtherDepartment));
        }
        review::check_version(Some(published.meta.version), filing.version).map_err(|e| ServiceError::Invalid {
            message: e.message(),
            fields: vec![crate::validate::FieldError::new(e.pointer(), e.code(), e.message())],
        })?;
    }
    if store.pending_review(&filing.template_id).await?.is_some() {
        return Err(pending_conflict());
    }
    let live = store.live_templates().await?;
    let (villages, rows) = rows_per_village(store, template, district).await?;
    let analysis = review::analyse(template, catalog, &live.iter().map(|t| &**t).collect::<Vec<_>>(), villages, rows);
    let id = district_request_id(&filing.id);
    store
        .file(&NewReview {
            id: id.clone(),
            template_id: filing.template_id.clone(),
            version: filing.version,
            title: filing.title.clone(),
            department: filing.department.clone(),
            district: district.to_owned(),
            document: filing.document.clone(),
            analysis,
            submitted_by: filing.submitted_by.clone(),
            submitted_at: filing.submitted_at.clone(),
        })
        .await?;
    request_of(filing, store).await?.ok_or_else(|| ServiceError::Storage(format!("request {id} vanished after insert")))
}

/// Reads the district's request of `filing` (the store routed to it);
/// `None`: not filed there.
pub async fn read_in_district(filing: &CityFiling, store: &impl Reviews) -> Result<Option<StoredReview>, ServiceError> {
    request_of(filing, store).await
}

/// Why a district has no request or could not do something, as the
/// author may see it (a storage failure's detail stays in the log).
pub fn district_failure(error: &ServiceError) -> DistrictFailure {
    let (code, message) = match error {
        ServiceError::Conflict { code, message } => ((*code).to_owned(), message.clone()),
        ServiceError::Invalid { message, fields } => {
            (fields.first().map_or_else(|| "invalid".to_owned(), |f| f.code.clone()), message.clone())
        }
        ServiceError::Validation(fields) => (
            fields.first().map_or_else(|| "invalid".to_owned(), |f| f.code.clone()),
            fields.first().map_or_else(|| Text::new("该区拒绝了此申请", "the district refused the filing"), |f| f.message.clone()),
        ),
        ServiceError::Forbidden(DenyReason::OtherDepartment) => (
            "other_department".to_owned(),
            Text::new("该区已有同编号的报表，属于其他部门", "a template of this id belongs to another department in this district"),
        ),
        ServiceError::Forbidden(_) => ("forbidden".to_owned(), Text::new("无权在该区办理", "not allowed in this district")),
        ServiceError::NotFound { .. } => ("not_found".to_owned(), Text::new("该区没有此报表", "the template is not in this district")),
        _ => (
            "unavailable".to_owned(),
            Text::new("该区数据库暂时无法访问，请用同一编号重试", "this district's database failed: retry with the same id"),
        ),
    };
    DistrictFailure { code, message }
}

fn district_name(served: &[ServedDistrict], code: &str) -> String {
    served.iter().find(|d| d.code == code).map(|d| d.name.clone()).unwrap_or_default()
}

/// The filing with each district's state, in the filing's order of
/// districts (`parts`: the outcome of filing in, or reading, each).
pub fn filing_view(
    filing: CityFiling,
    served: &[ServedDistrict],
    parts: Vec<Result<Option<StoredReview>, ServiceError>>,
) -> CityFilingView {
    let mut districts_state = Vec::with_capacity(filing.districts.len());
    for (code, outcome) in filing.districts.iter().zip(parts) {
        let name = district_name(served, code);
        let part = match outcome {
            Ok(Some(stored)) => {
                let r = stored.request;
                DistrictFiling {
                    code: code.clone(),
                    name,
                    state: DistrictState::of(r.status),
                    request_id: Some(r.id),
                    decided_by: r.decided_by,
                    decided_at: r.decided_at,
                    reason: r.reason,
                    error: None,
                }
            }
            outcome => {
                let error = match outcome {
                    Err(e) => district_failure(&e),
                    _ => DistrictFailure {
                        code: "not_filed".to_owned(),
                        message: Text::new(
                            "该区尚未收到此申请（提交中断），请用同一编号重新提交",
                            "the district has not received the filing (interrupted): file again with the same id",
                        ),
                    },
                };
                DistrictFiling {
                    code: code.clone(),
                    name,
                    state: DistrictState::Failed,
                    request_id: None,
                    decided_by: None,
                    decided_at: None,
                    reason: None,
                    error: Some(error),
                }
            }
        };
        districts_state.push(part);
    }
    let complete = districts_state.iter().all(|d| d.state != DistrictState::Failed);
    CityFilingView { filing, districts_state, complete }
}

/// `GET /api/city/templates/{id}`: the stored filing (the worker then reads
/// each district's state with [`read_in_district`]).
pub async fn get_city_filing(principal: &Principal, id: &str, store: &impl CityTemplates) -> Result<CityFiling, ServiceError> {
    let stored = store.city_filing(id).await?.ok_or_else(not_found)?;
    readable(principal, stored)
}

/// `GET /api/city/templates`: the reader's department's filings in its city.
pub async fn list_city_filings(principal: &Principal, store: &impl CityTemplates) -> Result<Vec<CityFiling>, ServiceError> {
    let department = principal.department.clone().unwrap_or_default();
    require(principal, &Action::ReadCityTemplates { department: &department })?;
    store.city_filings(&principal.org_unit, &department).await
}

/// Checks and records a city dispatch of `filing_id` (the directory's
/// part), answering the filing and the chosen districts, on each of which
/// the worker runs [`dispatch_in_district`]. Chosen districts must be the
/// filing's (another, 荔城 for 重庆: 403).
///
/// Retry: the dispatch id is the key; the same filing and due date again
/// proceeds (each district creates only what is missing), another filing
/// or due date is 409 `dispatch_id_reused`.
pub async fn begin_city_dispatch(
    principal: &Principal,
    filing_id: &str,
    request: &CityDispatchRequest,
    now: &Now,
    store: &impl CityTemplates,
) -> Result<(CityFiling, Vec<String>), ServiceError> {
    require(principal, &Action::BeginDispatch)?;
    if !ClientId::is_valid(&request.dispatch_id) {
        return Err(ServiceError::field(
            "/dispatch_id",
            "invalid_id",
            Text::new("编号须为 1–64 个字母、数字或连字符", "use 1–64 letters, digits or hyphens"),
        ));
    }
    if !is_valid_due_date(&request.due_date) {
        return Err(ServiceError::field(
            "/due_date",
            "invalid_due_date",
            Text::new("截止日期须为有效日期（YYYY-MM-DD）", "the due date must be a real date (YYYY-MM-DD)"),
        ));
    }
    let filing = get_city_filing(principal, filing_id, store).await?;
    let chosen = match &request.districts {
        None => filing.districts.clone(),
        Some(codes) => {
            if codes.is_empty()
                || codes.len() > MAX_DISTRICTS
                || codes.iter().any(|c| c.len() != 6 || !c.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(ServiceError::field(
                    "/districts",
                    "bad_districts",
                    Text::new(
                        format!("districts 须为 1–{MAX_DISTRICTS} 个 6 位区县代码"),
                        format!("districts: 1–{MAX_DISTRICTS} 6-digit district codes"),
                    ),
                ));
            }
            let mut chosen: Vec<String> = Vec::new();
            for code in codes {
                if !filing.districts.contains(code) {
                    return Err(ServiceError::Forbidden(DenyReason::OutOfScope));
                }
                if !chosen.contains(code) {
                    chosen.push(code.clone());
                }
            }
            chosen
        }
    };
    let new = CityDispatch {
        id: request.dispatch_id.clone(),
        filing_id: filing.id.clone(),
        due_date: request.due_date.clone(),
        dispatched_by: principal.display_name.clone(),
        dispatched_at: now.instant.clone(),
    };
    let stored = match store.city_dispatch(&new.id).await? {
        Some(stored) => stored,
        None if store.insert_city_dispatch(&new).await? => new,
        None => store.city_dispatch(&new.id).await?.ok_or_else(|| ServiceError::Storage(format!("city dispatch {} vanished", new.id)))?,
    };
    if stored.filing_id != filing.id || stored.due_date != request.due_date {
        return Err(ServiceError::Conflict {
            code: "dispatch_id_reused",
            message: Text::new("该下发编号已用于另一次下发", "this dispatch_id was already used for another dispatch"),
        });
    }
    Ok((filing, chosen))
}

/// Dispatches `filing` in the district `district` (the store routed to
/// it), if the district admitted it: the district-level dispatch use case,
/// one task per village of the district, under the same dispatch id.
/// Otherwise nothing is created and the district's review state is told.
pub async fn dispatch_in_district<S: Reviews + Directory + DispatchStore>(
    principal: &Principal,
    filing: &CityFiling,
    request: &CityDispatchRequest,
    district: &str,
    now: &Now,
    store: &S,
) -> Result<DispatchOutcome, ServiceError> {
    let review = request_of(filing, store).await?.map(|s| s.request.status);
    if review != Some(ReviewStatus::Approved) {
        return Ok(DispatchOutcome { state: DistrictDispatchState::NotAdmitted, review, villages: 0, created: 0 });
    }
    let receipt = dispatch(
        principal,
        &DispatchRequest {
            dispatch_id: request.dispatch_id.clone(),
            template_id: filing.template_id.clone(),
            template_version: Some(filing.version),
            org_units: vec![district.to_owned()],
            due_date: request.due_date.clone(),
        },
        now,
        store,
    )
    .await?;
    Ok(DispatchOutcome { state: DistrictDispatchState::Dispatched, review, villages: receipt.villages, created: receipt.created })
}

/// The answer of a city dispatch, in the order of `chosen`.
pub fn dispatch_view(
    filing: &CityFiling,
    request: &CityDispatchRequest,
    served: &[ServedDistrict],
    chosen: &[String],
    parts: Vec<Result<DispatchOutcome, ServiceError>>,
) -> CityDispatchView {
    let districts: Vec<DistrictDispatch> = chosen
        .iter()
        .zip(parts)
        .map(|(code, outcome)| {
            let name = district_name(served, code);
            match outcome {
                Ok(DispatchOutcome { state, review, villages, created }) => {
                    DistrictDispatch { code: code.clone(), name, state, review, villages, created, error: None }
                }
                Err(e) => DistrictDispatch {
                    code: code.clone(),
                    name,
                    state: DistrictDispatchState::Failed,
                    review: None,
                    villages: 0,
                    created: 0,
                    error: Some(district_failure(&e)),
                },
            }
        })
        .collect();
    CityDispatchView {
        dispatch_id: request.dispatch_id.clone(),
        filing_id: filing.id.clone(),
        template_id: filing.template_id.clone(),
        template_version: filing.version,
        due_date: request.due_date.clone(),
        created: districts.iter().map(|d| d.created).sum(),
        districts,
    }
}

#[cfg(test)]
#[path = "city_templates_tests.rs"]
mod tests;
