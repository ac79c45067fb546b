//! Template requests (报表准入): filing, listing and deciding. An approval
//! publishes the version (a `templates` row) in the same batch.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::TemplateRequest;
use ybt_core::review::ReviewStatus;

use super::Store;
use crate::error::AppError;

/// A request as stored.
#[derive(Deserialize)]
pub struct RequestRow {
    pub id: String,
    pub template_id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    pub district: String,
    pub analysis: String,
    pub status: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
    #[serde(default)]
    pub document: Option<String>,
}

impl RequestRow {
    pub fn status(&self) -> Result<ReviewStatus, AppError> {
        ReviewStatus::parse(&self.status).ok_or_else(|| AppError::Internal(format!("request {} has status {}", self.id, self.status)))
    }

    pub fn into_api(self) -> Result<TemplateRequest, AppError> {
        Ok(TemplateRequest {
            status: self.status()?,
            analysis: serde_json::from_str(&self.analysis)?,
            document: self.document.as_deref().map(serde_json::from_str).transpose()?,
            id: self.id,
            template_id: self.template_id,
            version: self.version,
            title: self.title,
            department: self.department,
            submitted_by: self.submitted_by,
            submitted_at: self.submitted_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            reason: self.reason,
            detail: None,
        })
    }
}

/// A request to file.
pub struct NewRequest<'a> {
    pub id: &'a str,
    pub template_id: &'a str,
    pub version: u32,
    pub title: &'a str,
    pub department: &'a str,
    pub district: &'a str,
    pub document: &'a str,
    pub analysis: &'a str,
    pub submitted_by: &'a str,
    pub submitted_at: &'a str,
}

const COLUMNS: &str = "id, template_id, version, title, department, district, analysis, status, submitted_by, submitted_at, \
                       decided_by, decided_at, reason";

fn num(n: u32) -> JsValue {
    JsValue::from_f64(f64::from(n))
}

impl Store {
    /// Files a request: one insert keyed by the client's request id. A
    /// crash before it files nothing; a retry finds the row (`false`).
    /// A second pending request of the same template fails on the partial
    /// unique index: 409 `review_pending`.
    pub async fn insert_request(&self, r: &NewRequest<'_>) -> Result<bool, AppError> {
        let result = self
            .db
            .prepare(
                "INSERT INTO template_requests (id, template_id, version, title, department, district, document, analysis, \
                 submitted_by, submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&[
                r.id.into(),
                r.template_id.into(),
                num(r.version),
                r.title.into(),
                r.department.into(),
                r.district.into(),
                r.document.into(),
                r.analysis.into(),
                r.submitted_by.into(),
                r.submitted_at.into(),
            ])?
            .run()
            .await;
        match result {
            Ok(result) => Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0) > 0),
            Err(e) if e.to_string().contains("UNIQUE") => Err(pending_conflict()),
            Err(e) => Err(e.into()),
        }
    }

    /// The pending request of a template, if any.
    pub async fn pending_request(&self, template_id: &str) -> Result<Option<RequestRow>, AppError> {
        Ok(self
            .db
            .prepare(format!("SELECT {COLUMNS} FROM template_requests WHERE template_id = ?1 AND status = 'pending'"))
            .bind(&[template_id.into()])?
            .first::<RequestRow>(None)
            .await?)
    }

    pub async fn request(&self, id: &str) -> Result<Option<RequestRow>, AppError> {
        Ok(self
            .db
            .prepare(format!("SELECT {COLUMNS}, document FROM template_requests WHERE id = ?1"))
            .bind(&[id.into()])?
            .first::<RequestRow>(None)
            .await?)
    }

    /// Requests, newest first: of one department, or of every department
    /// of a district (`None`), optionally of one status. At most 500.
    pub async fn requests(&self, department: Option<&str>, district: &str, status: Option<&str>) -> Result<Vec<RequestRow>, AppError> {
        Ok(self
            .db
            .prepare(format!(
                "SELECT {COLUMNS} FROM template_requests WHERE (?1 IS NULL OR department = ?1) AND district = ?2 \
                 AND (?3 IS NULL OR status = ?3) ORDER BY submitted_at DESC LIMIT 500"
            ))
            .bind(&[department.map_or(JsValue::NULL, JsValue::from), district.into(), status.map_or(JsValue::NULL, JsValue::from)])?
            .all()
            .await?
            .results::<RequestRow>()?)
    }

    /// Every request of a template, newest first.
    pub async fn requests_of_template(&self, template_id: &str) -> Result<Vec<RequestRow>, AppError> {
        Ok(self
            .db
            .prepare(format!("SELECT {COLUMNS} FROM template_requests WHERE template_id = ?1 ORDER BY submitted_at DESC"))
            .bind(&[template_id.into()])?
            .all()
            .await?
            .results::<RequestRow>()?)
    }

    /// Records a decision on a pending request; an approval also publishes
    /// the version, in the same batch (one transaction): either both happen
    /// or neither. Returns whether this call decided it (`false`: it was
    /// already decided, e.g. a retry, and nothing changed).
    pub async fn decide_request(
        &self,
        id: &str,
        status: ReviewStatus,
        decided_by: &str,
        decided_at: &str,
        reason: Option<&str>,
    ) -> Result<bool, AppError> {
        let update = self
            .db
            .prepare(
                "UPDATE template_requests SET status = ?2, decided_by = ?3, decided_at = ?4, reason = ?5 \
                 WHERE id = ?1 AND status = 'pending'",
            )
            .bind(&[
                id.into(),
                status.as_str().into(),
                decided_by.into(),
                decided_at.into(),
                reason.map_or(JsValue::NULL, JsValue::from),
            ])?;
        let mut statements = vec![update];
        if status == ReviewStatus::Approved {
            // Only a request approved by the statement above (this batch)
            // or earlier gets here; OR IGNORE makes a replay harmless.
            statements.push(
                self.db
                    .prepare(
                        "INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) \
                         SELECT template_id, version, title, department, document, ?2 FROM template_requests \
                         WHERE id = ?1 AND status = 'approved'",
                    )
                    .bind(&[id.into(), decided_at.into()])?,
            );
        }
        let results = self.db.batch(statements).await?;
        let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        Ok(changed > 0)
    }
}

pub fn pending_conflict() -> AppError {
    AppError::Conflict {
        code: "review_pending",
        message: ybt_core::messages::Text::new(
            "该报表已有一个待审核的申请，请等待协同中心处理",
            "this template already has a request waiting for review",
        ),
    }
}
