//! The published templates as every signed-in user reads them: the
//! newest version of each ([`list_templates`]) and their new fields, for
//! the authoring page's duplicate check ([`live_fields`]). Read through
//! the [`Reviews`] port, which knows what is published.

use super::ServiceError;
use super::reviews::Reviews;
use crate::access::{Action, Decision, Principal, authorize};
use crate::api::TemplateSummary;
use crate::review::LiveTemplate;

fn require_reference(principal: &Principal) -> Result<(), ServiceError> {
    match authorize(principal, &Action::ReadReferenceData) {
        Decision::Allow => Ok(()),
        Decision::Deny(reason) => Err(ServiceError::Forbidden(reason)),
    }
}

/// `GET /api/templates`: the newest version of every published template,
/// the most recently published first (the one just approved leads the
/// dispatch page's list).
pub async fn list_templates(principal: &Principal, store: &impl Reviews) -> Result<Vec<TemplateSummary>, ServiceError> {
    require_reference(principal)?;
    Ok(store
        .published_templates()
        .await?
        .into_iter()
        .map(|p| {
            let t = &p.template;
            TemplateSummary {
                id: t.meta.id.clone(),
                version: t.meta.version,
                title: t.title.clone(),
                department: t.meta.department.clone(),
                subject_entity: t.subject.entity.clone(),
                burden: t.burden,
                published_at: Some(p.published_at),
            }
        })
        .collect())
}

/// `GET /api/templates/fields`: the live templates' new fields; the
/// authoring page checks a draft against them on every edit with core's
/// `review::duplicates::find`, the same check the filing's analysis runs.
pub async fn live_fields(principal: &Principal, store: &impl Reviews) -> Result<Vec<LiveTemplate>, ServiceError> {
    require_reference(principal)?;
    Ok(store.live_templates().await?.iter().map(|t| LiveTemplate::of(t)).collect())
}
