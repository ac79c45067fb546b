//! Bodies of template filing and review (报表准入).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/template-requests`: file a template document for review
/// (报表准入). `request_id` is chosen by the client once per filing: a
/// retried POST returns the first request instead of filing twice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRequest {
    pub request_id: String,
    pub document: Value,
}

/// A template request as the department and the centre see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateRequest {
    pub id: String,
    pub template_id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    pub status: crate::review::ReviewStatus,
    pub analysis: crate::review::ReviewAnalysis,
    pub submitted_by: String,
    pub submitted_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    /// Why it was rejected (or a note on an approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The template document: in `GET /api/template-requests/{id}`, and
    /// for pending requests in the list (the review's form preview).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
    /// Every field in words, the comparison with the published version and
    /// the last rejected filing, and the consequences of approving it:
    /// for pending requests, and in `GET /api/template-requests/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<crate::review::changes::ReviewDetail>,
}

/// `POST /api/template-requests/{id}/decision`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRequest {
    pub decision: crate::review::Decision,
    #[serde(default)]
    pub reason: String,
}
