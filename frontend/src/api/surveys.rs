//! Emergency surveys (issue 8): starting and closing them, their boards,
//! the pick search, photos and the town coordinator's intake of new records.

use gloo_net::http::Request;
use ybt_core::api::{OrgUnitList, TaskSummary};
use ybt_core::survey::intake::IntakeEntry;
use ybt_core::survey::{CloseAnswer, PickAnswer, SurveyBoard, SurveyPreview, SurveySummary};

use super::{ApiFailure, decode, get, network, post};

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// The reader's surveys.
pub async fn surveys() -> Result<Vec<SurveySummary>, ApiFailure> {
    get("/api/surveys").await
}

/// The tasks of one dispatch.
pub async fn dispatch_tasks(dispatch_id: &str) -> Result<Vec<TaskSummary>, ApiFailure> {
    get(&format!("/api/tasks?dispatch_id={dispatch_id}")).await
}

/// The children of an org unit (a district's towns).
pub async fn org_unit_children(parent: &str) -> Result<OrgUnitList, ApiFailure> {
    get(&format!("/api/org-units?parent={parent}")).await
}

/// What starting the survey `request` would do, to be confirmed.
pub async fn preview_survey(request: &serde_json::Value) -> Result<SurveyPreview, ApiFailure> {
    post("/api/surveys/preview", request).await
}

pub async fn start_survey(request: &serde_json::Value) -> Result<SurveySummary, ApiFailure> {
    post("/api/surveys", request).await
}

pub async fn survey_board(dispatch_id: &str) -> Result<SurveyBoard, ApiFailure> {
    get(&format!("/api/surveys/{dispatch_id}")).await
}

pub async fn close_survey(dispatch_id: &str) -> Result<CloseAnswer, ApiFailure> {
    post(&format!("/api/surveys/{dispatch_id}/close"), &serde_json::json!({})).await
}

/// A village's records of `entity` matching `query` (`q`), to pick a row from.
pub async fn pick(task: &TaskSummary, entity: &str, query: &str) -> Result<PickAnswer, ApiFailure> {
    let url = format!("/api/surveys/{}/pick?org_unit={}&entity={}&q={}", task.dispatch_id, task.org_unit, entity, encode(query));
    get(&url).await
}

/// Stores a photo (JPEG bytes) under its hash for `org_unit`.
pub async fn upload_photo(org_unit: &str, bytes: &[u8]) -> Result<(), ApiFailure> {
    let request = Request::put(&format!("/api/photos?org_unit={org_unit}"))
        .header("X-Yibiaotong", "1")
        .header("Content-Type", "image/jpeg")
        .body(js_sys::Uint8Array::from(bytes))
        .map_err(network)?;
    decode::<serde_json::Value>(request.send().await.map_err(network)?).await.map(drop).or_else(|failure| match failure {
        // Stored: the answer's body is not needed.
        ApiFailure::Network { status: Some(status), .. } if (200..300).contains(&status) => Ok(()),
        other => Err(other),
    })
}

/// The queued new records waiting for the town coordinator's review.
pub async fn pending_intake() -> Result<Vec<IntakeEntry>, ApiFailure> {
    get("/api/ledger-intake?status=pending").await
}

/// Accepts (with the completed values) or rejects (with a reason) a queued record.
pub async fn decide_intake(id: &str, decision: &serde_json::Value) -> Result<IntakeEntry, ApiFailure> {
    post(&format!("/api/ledger-intake/{}/decision", encode(id)), decision).await
}
