//! Template requests (报表准入) in D1: the [`Reviews`] port. Filing is one
//! insert; an approval publishes the version (a `templates` row) in the
//! batch that decides it. What an analysis and an approval read and move
//! (published versions, villages, open tasks) comes from the other store
//! files' statements.

use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::JsValue;
use ybt_core::api::TemplateRequest;
use ybt_core::ledger::OrgUnit;
use ybt_core::review::ReviewStatus;
use ybt_core::service::ServiceError;
use ybt_core::service::reviews::{self, NewReview, PublishedTemplate, ReviewDecision, Reviews, StoredReview};
use ybt_core::{CompiledTemplate, LedgerRecord};

use super::{Store, num};
use crate::error::Storage;
use crate::template_cache;

/// A request as stored.
#[derive(Deserialize)]
pub struct RequestRow {
    id: String,
    template_id: String,
    version: u32,
    title: String,
    department: String,
    district: String,
    analysis: String,
    status: String,
    submitted_by: String,
    submitted_at: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    pub reason: Option<String>,
    #[serde(default)]
    document: Option<String>,
}

impl RequestRow {
    pub fn status(&self) -> Result<ReviewStatus, ServiceError> {
        ReviewStatus::parse(&self.status).ok_or_else(|| ServiceError::Storage(format!("request {} has status {}", self.id, self.status)))
    }

    fn into_review(self) -> Result<StoredReview, ServiceError> {
        let status = self.status()?;
        let request = TemplateRequest {
            status,
            analysis: serde_json::from_str(&self.analysis).storage()?,
            document: self.document.as_deref().map(serde_json::from_str).transpose().storage()?,
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
        };
        Ok(StoredReview { request, district: self.district })
    }
}

fn reviews_of(rows: Vec<RequestRow>) -> Result<Vec<StoredReview>, ServiceError> {
    rows.into_iter().map(RequestRow::into_review).collect()
}

const COLUMNS: &str = "id, template_id, version, title, department, district, analysis, status, submitted_by, submitted_at, \
                       decided_by, decided_at, reason";

impl Store {
    /// Every request of a template as stored, newest first. Transitional:
    /// `api/dispatches.rs` reads it until it asks [`Reviews::reviews_of_template`].
    pub async fn requests_of_template(&self, template_id: &str) -> Result<Vec<RequestRow>, ServiceError> {
        self.db()?
            .prepare(format!("SELECT {COLUMNS} FROM template_requests WHERE template_id = ?1 ORDER BY submitted_at DESC"))
            .bind(&[template_id.into()])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<RequestRow>()
            .storage()
    }
}

impl Reviews for Store {
    async fn review(&self, id: &str) -> Result<Option<StoredReview>, ServiceError> {
        self.db()?
            .prepare(format!("SELECT {COLUMNS}, document FROM template_requests WHERE id = ?1"))
            .bind(&[id.into()])
            .storage()?
            .first::<RequestRow>(None)
            .await
            .storage()?
            .map(RequestRow::into_review)
            .transpose()
    }

    async fn pending_review(&self, template_id: &str) -> Result<Option<StoredReview>, ServiceError> {
        self.db()?
            .prepare(format!("SELECT {COLUMNS} FROM template_requests WHERE template_id = ?1 AND status = 'pending'"))
            .bind(&[template_id.into()])
            .storage()?
            .first::<RequestRow>(None)
            .await
            .storage()?
            .map(RequestRow::into_review)
            .transpose()
    }

    /// At most 500.
    async fn reviews(
        &self,
        department: Option<&str>,
        district: &str,
        status: Option<ReviewStatus>,
    ) -> Result<Vec<StoredReview>, ServiceError> {
        let rows = self
            .db()?
            .prepare(format!(
                "SELECT {COLUMNS} FROM template_requests WHERE (?1 IS NULL OR department = ?1) AND district = ?2 \
                 AND (?3 IS NULL OR status = ?3) ORDER BY submitted_at DESC LIMIT 500"
            ))
            .bind(&[
                department.map_or(JsValue::NULL, JsValue::from),
                district.into(),
                status.map_or(JsValue::NULL, |s| JsValue::from(s.as_str())),
            ])
            .storage()?
            .all()
            .await
            .storage()?
            .results::<RequestRow>()
            .storage()?;
        reviews_of(rows)
    }

    async fn reviews_of_template(&self, template_id: &str) -> Result<Vec<StoredReview>, ServiceError> {
        reviews_of(self.requests_of_template(template_id).await?)
    }

    /// One insert keyed by the client's request id; a second pending
    /// request of the same template fails on the partial unique index.
    async fn file(&self, r: &NewReview) -> Result<bool, ServiceError> {
        let document = serde_json::to_string(&r.document).storage()?;
        let analysis = serde_json::to_string(&r.analysis).storage()?;
        let result = self
            .db()?
            .prepare(
                "INSERT INTO template_requests (id, template_id, version, title, department, district, document, analysis, \
                 submitted_by, submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&[
                r.id.as_str().into(),
                r.template_id.as_str().into(),
                num(r.version),
                r.title.as_str().into(),
                r.department.as_str().into(),
                r.district.as_str().into(),
                document.into(),
                analysis.into(),
                r.submitted_by.as_str().into(),
                r.submitted_at.as_str().into(),
            ])
            .storage()?
            .run()
            .await;
        match result {
            Ok(result) => Ok(result.meta().storage()?.and_then(|m| m.changes).unwrap_or(0) > 0),
            Err(e) if e.to_string().contains("UNIQUE") => Err(reviews::pending_conflict()),
            Err(e) => Err(ServiceError::Storage(e.to_string())),
        }
    }

    /// One batch: the status update, and for an approval the `templates`
    /// row (OR IGNORE makes a replay harmless).
    async fn decide(&self, d: &ReviewDecision<'_>) -> Result<bool, ServiceError> {
        let update = self
            .db()?
            .prepare(
                "UPDATE template_requests SET status = ?2, decided_by = ?3, decided_at = ?4, reason = ?5 \
                 WHERE id = ?1 AND status = 'pending'",
            )
            .bind(&[
                d.id.into(),
                d.status.as_str().into(),
                d.decided_by.into(),
                d.decided_at.into(),
                d.reason.map_or(JsValue::NULL, JsValue::from),
            ])
            .storage()?;
        let mut statements = vec![update];
        if d.status == ReviewStatus::Approved {
            statements.push(
                self.db()?
                    .prepare(
                        "INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) \
                         SELECT template_id, version, title, department, document, ?2 FROM template_requests \
                         WHERE id = ?1 AND status = 'approved'",
                    )
                    .bind(&[d.id.into(), d.decided_at.into()])
                    .storage()?,
            );
        }
        let results = self.db()?.batch(statements).await.storage()?;
        let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        Ok(changed > 0)
    }

    async fn published_versions(&self, template_id: &str) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError> {
        let rows = self.template_versions(template_id).await?;
        Ok(rows.iter().map(|p| template_cache::compiled(&p.template_row())).collect::<Result<_, _>>()?)
    }

    async fn live_templates(&self) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError> {
        let rows = self.latest_templates().await?;
        Ok(rows.iter().map(template_cache::compiled).collect::<Result<_, _>>()?)
    }

    async fn published_templates(&self) -> Result<Vec<PublishedTemplate>, ServiceError> {
        let rows = self.latest_published().await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(PublishedTemplate { template: template_cache::compiled(&row.template_row())?, published_at: row.published_at });
        }
        Ok(out)
    }

    async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError> {
        Ok(Store::villages_in(self, code).await?)
    }

    async fn records(&self, org_unit: &str, entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(Store::records(self, org_unit, entity).await?)
    }

    async fn submissions_before(&self, template_id: &str, version: u32) -> Result<usize, ServiceError> {
        Ok(Store::submissions_before(self, template_id, version).await?)
    }
}
