//! Calls to the worker's JSON API. Bodies are the shared types of
//! `ybt_core::api`, so the browser and the worker cannot disagree on them.

use gloo_net::http::{Request, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ybt_core::access::Principal;
use ybt_core::api::{AccountEventPage, AuditPage, ChangePasswordRequest, OrgUnitHit, ResetPasswordRequest, UpdateUserRequest};
use ybt_core::api::{BurdenReport, Draft, PatchRecordRequest, SaveDraftRequest, TaskForm, TaskSummary};
use ybt_core::api::{
    CreateUserRequest, ErrorBody, Form, FormRequest, GrantsRequest, LoginRequest, Me, OrgUnitList, RecordDetail, SubmissionReceipt,
    SubmissionRequest, TemplateSummary,
};
use ybt_core::ledger::LedgerRecord;
use ybt_core::messages::Text;

mod city;
mod import;
mod surveys;

pub use city::{city_export_url, city_reports, city_summary};
pub use import::{ImportResult, import_file, import_template_url};
pub use surveys::*;

/// What went wrong with a call: the one error type of every call to the
/// worker, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The worker answered with an error status and its error body.
    Server { status: u16, body: ErrorBody },
    /// No usable answer: none at all (offline, dropped: `status` is `None`)
    /// or one that is not the JSON expected.
    Network { status: Option<u16>, detail: String },
}

impl ApiFailure {
    pub(super) fn network(detail: impl std::fmt::Display) -> ApiFailure {
        ApiFailure::Network { status: None, detail: detail.to_string() }
    }

    pub fn message(&self) -> Text {
        match self {
            ApiFailure::Server { body, .. } => body.error.message.clone(),
            ApiFailure::Network { detail, .. } => Text::new(format!("网络错误：{detail}"), format!("network error: {detail}")),
        }
    }

    /// The message in both languages on one line (`中文 / English`), as the
    /// survey pages show it; without an answer, what went wrong.
    pub fn both(&self) -> String {
        match self {
            ApiFailure::Server { body, .. } => format!("{} / {}", body.error.message.zh, body.error.message.en),
            ApiFailure::Network { detail, .. } => detail.clone(),
        }
    }

    /// Whether trying again later may succeed: no answer, or the worker
    /// failed (5xx) rather than refused.
    pub fn retryable(&self) -> bool {
        match self {
            ApiFailure::Server { status, .. } => *status >= 500,
            ApiFailure::Network { status, .. } => status.is_none_or(|s| s >= 500),
        }
    }

    /// What to tell a person: the per-field problems themselves when the
    /// worker named them (驳回时请写明理由), else the general message.
    pub fn specific(&self) -> Text {
        match self {
            ApiFailure::Server { body, .. } if !body.error.fields.is_empty() => {
                let join =
                    |pick: fn(&Text) -> &str| body.error.fields.iter().map(|f| pick(&f.message).to_owned()).collect::<Vec<_>>().join("；");
                Text::new(join(|t| &t.zh), join(|t| &t.en))
            }
            other => other.message(),
        }
    }
}

async fn decode<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, ApiFailure> {
    let status = response.status();
    if response.ok() {
        response.json::<T>().await.map_err(|e| ApiFailure::Network { status: Some(status), detail: e.to_string() })
    } else {
        Err(failure(response).await)
    }
}

/// The failure an error status stands for.
async fn failure(response: gloo_net::http::Response) -> ApiFailure {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiFailure::Server { status, body },
        Err(e) => ApiFailure::Network { status: Some(status), detail: format!("HTTP {status}: {e}") },
    }
}

/// [`decode`], with the answer's text as it came, for a page that keeps it
/// on the device: written back as it came, the type needs no serializer in
/// the wasm (issue 14).
async fn decode_kept<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<(T, String), ApiFailure> {
    let status = response.status();
    if !response.ok() {
        return Err(failure(response).await);
    }
    let unreadable = |e: &dyn std::fmt::Display| ApiFailure::Network { status: Some(status), detail: e.to_string() };
    let text = response.text().await.map_err(|e| unreadable(&e))?;
    let value = serde_json::from_str(&text).map_err(|e| unreadable(&e))?;
    Ok((value, text))
}

fn network(e: gloo_net::Error) -> ApiFailure {
    ApiFailure::network(e)
}

pub(super) async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    decode(Request::get(url).send().await.map_err(network)?).await
}

/// A write with a JSON body (`method` is POST, PUT or PATCH) and the header
/// the worker requires on every write (a cross-site page cannot send it).
pub(super) async fn write<B: Serialize, T: DeserializeOwned>(builder: RequestBuilder, body: &B) -> Result<T, ApiFailure> {
    let request = builder.header("X-Yibiaotong", "1").json(body).map_err(network)?;
    decode(request.send().await.map_err(network)?).await
}

/// A POST with a JSON body.
pub(super) async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, ApiFailure> {
    write(Request::post(url), body).await
}

/// Who is signed in. The first call takes the answer `boot.js` asked for
/// while the wasm was downloading (issue 14: one round trip fewer before the
/// sign-in form or the inbox shows) — or, when the person signed in with the
/// page's own form meanwhile, that sign-in's answer, which is a `Me` too (or
/// the refusal); later calls (the connection is back) ask again.
pub async fn me() -> Result<Me, ApiFailure> {
    match boot_me().await {
        Some(response) => decode(response?).await,
        None => get("/api/auth/me").await,
    }
}

/// The answer to boot.js's `GET /api/auth/me` or `POST /api/auth/login`
/// (`window.ybtMe`, a promise of the response, or of `null` when the request
/// failed), taken once.
async fn boot_me() -> Option<Result<gloo_net::http::Response, ApiFailure>> {
    use wasm_bindgen::JsCast;
    let window = web_sys::window()?;
    let key = wasm_bindgen::JsValue::from_str("ybtMe");
    let promise = js_sys::Reflect::get(&window, &key).ok()?.dyn_into::<js_sys::Promise>().ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &key);
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.dyn_into::<web_sys::Response>().ok());
    Some(answer.map(gloo_net::http::Response::from).ok_or_else(|| ApiFailure::network("no answer")))
}

pub async fn login(request: &LoginRequest) -> Result<Me, ApiFailure> {
    post("/api/auth/login", request).await
}

pub async fn logout() -> Result<serde_json::Value, ApiFailure> {
    post("/api/auth/logout", &serde_json::json!({})).await
}

pub async fn templates() -> Result<Vec<TemplateSummary>, ApiFailure> {
    get("/api/templates").await
}

/// The live templates' new fields, for the authoring page's duplicate check.
pub async fn live_fields() -> Result<Vec<ybt_core::review::LiveTemplate>, ApiFailure> {
    get("/api/templates/fields").await
}

pub async fn org_units(parent: Option<&str>) -> Result<OrgUnitList, ApiFailure> {
    let url = match parent {
        Some(code) => format!("/api/org-units?parent={code}"),
        None => "/api/org-units".to_owned(),
    };
    get(&url).await
}

pub async fn generate_form(request: &FormRequest) -> Result<Form, ApiFailure> {
    post("/api/forms", request).await
}

pub async fn submit(request: &SubmissionRequest) -> Result<SubmissionReceipt, ApiFailure> {
    post("/api/submissions", request).await
}

/// An account as `GET /api/users` lists it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct UserView {
    #[serde(flatten)]
    pub user: Principal,
    /// The name of `user.org_unit`.
    #[serde(default)]
    pub org_unit_name: String,
    pub disabled: bool,
    /// A reset password not yet replaced by the user.
    #[serde(default)]
    pub must_change_password: bool,
}

pub async fn users() -> Result<Vec<UserView>, ApiFailure> {
    get("/api/users").await
}

pub async fn create_user(request: &CreateUserRequest) -> Result<UserView, ApiFailure> {
    post("/api/users", request).await
}

pub async fn set_grants(user_id: &str, request: &GrantsRequest) -> Result<GrantsRequest, ApiFailure> {
    write(Request::put(&format!("/api/users/{user_id}/grants")), request).await
}

/// Lifts every sign-in lockout of a user (administrators).
pub async fn unlock_user(user_id: &str) -> Result<serde_json::Value, ApiFailure> {
    post(&format!("/api/users/{user_id}/unlock"), &serde_json::json!({})).await
}

/// One page of the audit log; `query` is the query string (without `?`),
/// the same the CSV export link carries.
pub async fn audit(query: &str) -> Result<AuditPage, ApiFailure> {
    get(&format!("/api/audit?{query}")).await
}

pub async fn account_events(page: u32) -> Result<AccountEventPage, ApiFailure> {
    get(&format!("/api/audit/accounts?page={page}&per_page=20")).await
}

/// Disables or re-enables an account (administrators).
pub async fn update_user(user_id: &str, request: &UpdateUserRequest) -> Result<UserView, ApiFailure> {
    write(Request::patch(&format!("/api/users/{user_id}")), request).await
}

/// Sets a temporary password the user must change (administrators).
pub async fn reset_password(user_id: &str, request: &ResetPasswordRequest) -> Result<UserView, ApiFailure> {
    post(&format!("/api/users/{user_id}/password"), request).await
}

/// The signed-in user's own password change.
pub async fn change_password(request: &ChangePasswordRequest) -> Result<Me, ApiFailure> {
    post("/api/auth/password", request).await
}

/// Org units by name, for the account form's picker.
pub async fn search_org_units(text: &str, level: &str) -> Result<Vec<OrgUnitHit>, ApiFailure> {
    let q = String::from(js_sys::encode_uri_component(text));
    get(&format!("/api/org-units/search?q={q}&level={level}")).await
}

/// One page of the ledger page's search (`GET /api/ledger/search`).
pub async fn ledger_search(
    entity: &str,
    org_unit: &str,
    query: &ybt_core::ledger::browse::LedgerQuery,
) -> Result<ybt_core::api::LedgerPage, ApiFailure> {
    let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
    let mut url = format!("/api/ledger/search?entity={}&org_unit={}&q={}", enc(entity), enc(org_unit), enc(&query.q));
    for (name, value) in [("tag", &query.tag), ("group", &query.group)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            url.push_str(&format!("&{name}={}", enc(v)));
        }
    }
    if let Some(page) = query.page {
        url.push_str(&format!("&page={page}"));
    }
    get(&url).await
}

/// Where a unit's ledger is downloaded from (masked per the reader's grants).
pub fn ledger_export_url(entity: &str, org_unit: &str, format: &str) -> String {
    format!("/api/ledger/export?entity={entity}&org_unit={org_unit}&format={format}")
}

pub async fn ledger_record(id: &str) -> Result<RecordDetail, ApiFailure> {
    // Record ids (`person:500118100001-0001`) are URL-safe as they are;
    // the router matches the raw path, so `:` must not be percent-encoded.
    get(&format!("/api/ledger/records/{id}")).await
}

// --- Tasks: the village inbox (issue 6) ---

/// A write refused because the stored thing moved on: the worker's error
/// body plus what is stored now (`current`).
#[derive(Debug, Clone, PartialEq)]
pub enum Conflict<T> {
    Stale { current: T, message: Text },
    Other(ApiFailure),
}

/// Where a 409 carries what is stored now: `current` at the top or in `error`.
#[derive(serde::Deserialize)]
struct WithCurrent<C> {
    current: Option<C>,
    error: Option<ErrorCurrent<C>>,
}

#[derive(serde::Deserialize)]
struct ErrorCurrent<C> {
    current: Option<C>,
}

/// Like `decode`, but a 409 carrying `current` becomes `Conflict::Stale`.
async fn decode_conflict<T: DeserializeOwned, C: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, Conflict<C>> {
    let status = response.status();
    if response.ok() {
        return response
            .json::<T>()
            .await
            .map_err(|e| Conflict::Other(ApiFailure::Network { status: Some(status), detail: e.to_string() }));
    }
    let unreadable =
        |e: &dyn std::fmt::Display| Conflict::Other(ApiFailure::Network { status: Some(status), detail: format!("HTTP {status}: {e}") });
    // The text is read twice, as the error body and for what is stored now,
    // rather than once into a `Value`: each type then has one reader, the
    // one from text (issue 14: bytes of the village wasm).
    let text = response.text().await.map_err(|e| unreadable(&e))?;
    let current = serde_json::from_str::<WithCurrent<C>>(&text).ok().and_then(|w| w.current.or(w.error.and_then(|e| e.current)));
    let error: Result<ErrorBody, _> = serde_json::from_str(&text);
    match (status, current, error) {
        (409, Some(current), Ok(error)) => Err(Conflict::Stale { current, message: error.error.message }),
        (_, _, Ok(body)) => Err(Conflict::Other(ApiFailure::Server { status, body })),
        (_, _, Err(e)) => Err(unreadable(&e)),
    }
}

pub async fn tasks() -> Result<Vec<TaskSummary>, ApiFailure> {
    get("/api/tasks").await
}

pub async fn open_task(id: &str) -> Result<TaskForm, ApiFailure> {
    post(&format!("/api/tasks/{id}/form"), &serde_json::json!({})).await
}

/// [`open_task`] with the answer's text, which the survey page keeps for
/// use offline (read back as a [`TaskForm`]).
pub async fn open_task_kept(id: &str) -> Result<(TaskForm, String), ApiFailure> {
    let request =
        Request::post(&format!("/api/tasks/{id}/form")).header("X-Yibiaotong", "1").json(&serde_json::json!({})).map_err(network)?;
    decode_kept(request.send().await.map_err(network)?).await
}

pub async fn save_draft(id: &str, request: &SaveDraftRequest) -> Result<Draft, Conflict<Draft>> {
    let request = Request::put(&format!("/api/tasks/{id}/draft"))
        .header("X-Yibiaotong", "1")
        .json(request)
        .map_err(|e| Conflict::Other(network(e)))?;
    decode_conflict(request.send().await.map_err(|e| Conflict::Other(network(e)))?).await
}

pub async fn patch_record(id: &str, request: &PatchRecordRequest) -> Result<LedgerRecord, Conflict<LedgerRecord>> {
    let request = Request::patch(&format!("/api/ledger/records/{id}"))
        .header("X-Yibiaotong", "1")
        .json(request)
        .map_err(|e| Conflict::Other(network(e)))?;
    decode_conflict(request.send().await.map_err(|e| Conflict::Other(network(e)))?).await
}

pub async fn submission(id: &str) -> Result<SubmissionReceipt, ApiFailure> {
    get(&format!("/api/submissions/{id}")).await
}

/// A stored submission with its rows (masked for the reader) and columns.
pub async fn stored_submission(id: &str) -> Result<ybt_core::api::StoredSubmission, ApiFailure> {
    get(&format!("/api/submissions/{id}")).await
}

/// Where a submission's file is downloaded from.
pub fn submission_file_url(id: &str, format: &str) -> String {
    format!("/api/submissions/{id}/file?format={format}")
}

/// The burden meter of `org_unit`, for one month (`YYYY-MM`) or all (empty).
pub async fn burden(org_unit: &str, month: &str) -> Result<BurdenReport, ApiFailure> {
    let month = if month.is_empty() { String::new() } else { format!("&month={month}") };
    get(&format!("/api/burden?org_unit={org_unit}{month}")).await
}

// Issue 7: template requests (报表准入), dispatches, boards and summaries.

pub async fn file_template(request: &ybt_core::api::PublishRequest) -> Result<ybt_core::api::TemplateRequest, ApiFailure> {
    post("/api/template-requests", request).await
}

pub async fn template_requests() -> Result<Vec<ybt_core::api::TemplateRequest>, ApiFailure> {
    get("/api/template-requests").await
}

/// The document of one filed request (to reopen or download it).
pub async fn template_request_document(id: &str) -> Result<serde_json::Value, ApiFailure> {
    let request: ybt_core::api::TemplateRequest = get(&format!("/api/template-requests/{id}")).await?;
    Ok(request.document.unwrap_or_default())
}

pub async fn decide(id: &str, request: &ybt_core::api::DecisionRequest) -> Result<ybt_core::api::TemplateRequest, ApiFailure> {
    post(&format!("/api/template-requests/{id}/decision"), request).await
}

pub async fn dispatch(request: &ybt_core::api::DispatchRequest) -> Result<ybt_core::api::DispatchReceipt, ApiFailure> {
    post("/api/dispatches", request).await
}

pub async fn dispatches() -> Result<Vec<ybt_core::api::DispatchSummary>, ApiFailure> {
    get("/api/dispatches").await
}

pub async fn board(dispatch_id: &str) -> Result<ybt_core::api::Board, ApiFailure> {
    get(&format!("/api/dispatches/{dispatch_id}")).await
}

pub async fn return_task(task_id: &str, comment: &str) -> Result<ybt_core::api::TaskSummary, ApiFailure> {
    post(&format!("/api/tasks/{task_id}/return"), &ybt_core::api::ReturnRequest { comment: comment.to_owned() }).await
}

/// The summary; `query` is the rest of the query string (already encoded).
pub async fn summary(query: &str) -> Result<ybt_core::api::SummaryView, ApiFailure> {
    get(&format!("/api/summary?{query}")).await
}

// Issue 13: transfer requests (迁移申请).

/// The answer to a transfer request: the request and a message that names
/// no one.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct TransferAnswer {
    pub transfer: ybt_core::ledger::transfer::TransferView,
    pub message: Text,
}

pub async fn transfers() -> Result<Vec<ybt_core::ledger::transfer::TransferView>, ApiFailure> {
    get("/api/ledger/transfers").await
}

pub async fn request_transfer(request: &ybt_core::ledger::transfer::NewTransfer) -> Result<TransferAnswer, ApiFailure> {
    post("/api/ledger/transfers", request).await
}

pub async fn decide_transfer(id: &str, approve: bool, note: &str) -> Result<ybt_core::ledger::transfer::TransferView, ApiFailure> {
    let url = format!("/api/ledger/transfers/{}/decision", js_sys::encode_uri_component(id));
    post(&url, &serde_json::json!({ "approve": approve, "note": note })).await
}

// Issue 16: cross-district transfers (跨区迁移).

/// The answer to a cross-district request: the request and a message that
/// names no one.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct DistrictTransferAnswer {
    pub transfer: ybt_core::ledger::district_transfer::DistrictTransferView,
    pub message: Text,
}

/// A district this deployment serves.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ServedDistrict {
    pub district: String,
    pub name: String,
}

pub async fn served_districts() -> Result<Vec<ServedDistrict>, ApiFailure> {
    get("/api/ledger/district-transfers/districts").await
}

pub async fn district_transfers() -> Result<Vec<ybt_core::ledger::district_transfer::DistrictTransferView>, ApiFailure> {
    get("/api/ledger/district-transfers").await
}

pub async fn request_district_transfer(
    request: &ybt_core::ledger::district_transfer::NewDistrictTransfer,
) -> Result<DistrictTransferAnswer, ApiFailure> {
    post("/api/ledger/district-transfers", request).await
}

pub async fn decide_district_transfer(
    id: &str,
    approve: bool,
    note: &str,
) -> Result<ybt_core::ledger::district_transfer::DistrictTransferView, ApiFailure> {
    let url = format!("/api/ledger/district-transfers/{}/decision", js_sys::encode_uri_component(id));
    post(&url, &serde_json::json!({ "approve": approve, "note": note })).await
}

/// A fresh client-chosen id (idempotency key) for a write.
pub fn new_id() -> String {
    web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid()).unwrap_or_else(|| format!("id-{}", js_sys::Date::now() as u64))
}

/// Waits `ms` milliseconds (for polling).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
