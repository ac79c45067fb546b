//! Closing a survey: each picked record gets its disaster record (history
//! source `survey`), new records are queued for review, the survey is
//! marked closed.

use crate::service::require;
use std::collections::HashMap;

use crate::access::{Action, Principal};
use crate::ledger::{ChangeMeta, LedgerRecord, Source};
use crate::messages::Text;
use crate::survey::{CloseAnswer, close_plan};

use super::{Closing, Schemas, SurveyStore};
use crate::service::{Directory, Now, ServiceError};

/// `POST /api/surveys/{id}/close`: writes the plan of [`close_plan`] in
/// batches of at most [`SurveyStore::WRITES_PER_BATCH`] writes, then queues
/// the review candidates and marks the survey closed in one last batch.
///
/// Retry/crash: every write is conditional on the version read, a record
/// already carrying this event's entry is not planned again and candidates
/// are queued once, so a retry after a crash between batches writes exactly
/// what is missing, then closes; a closed survey answers its `closed_at`
/// and zero counts. A record changed meanwhile fails its batch (409
/// `stale_version`: close again); a village submitting during the close
/// leaves the survey open (409 `close_raced`: close again).
pub async fn close_survey<S: SurveyStore + Directory>(
    principal: &Principal,
    dispatch_id: &str,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<CloseAnswer, ServiceError> {
    let survey = store.survey(dispatch_id).await?.ok_or(ServiceError::NotFound { what: "survey", zh: "该应急摸排" })?;
    require(principal, &Action::ManageSurvey { org_unit: &survey.scope, department: &survey.department })?;
    if let Some(closed_at) = survey.closed_at {
        return Ok(CloseAnswer { closed_at, records_updated: 0, queued_for_review: 0 });
    }
    let template = store
        .template(&survey.template_id, Some(survey.template_version))
        .await?
        .ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })?;
    let submissions: Vec<(String, String, Vec<crate::api::SubmittedRow>)> =
        store.survey_submissions(dispatch_id).await?.into_iter().map(|s| (s.submission_id, s.org_unit, s.rows)).collect();
    let ids: Vec<&str> = submissions.iter().flat_map(|(_, _, rows)| rows.iter().map(|r| r.subject_id.as_str())).collect();
    let records = store.records_by_id(&ids).await?;
    let by_id: HashMap<&str, &LedgerRecord> = records.iter().map(|r| (r.id.as_str(), r)).collect();
    let meta = ChangeMeta { changed_by: principal.username.clone(), changed_at: now.instant.clone(), source: Source::Survey };
    let plan = close_plan(&template, schemas.record_types, dispatch_id, &submissions, &by_id, &meta).map_err(ServiceError::Validation)?;
    for (i, chunk) in plan.writes.chunks(S::WRITES_PER_BATCH.max(1)).enumerate() {
        if store.write_close_batch(chunk).await.is_err() {
            return Err(ServiceError::Stale {
                current: None,
                message: Text::new(
                    format!("第 {} 批写入时台账记录已被修改，已写入的不会重复：请再次关闭", i + 1),
                    format!("a ledger record changed during batch {}; what was written stays: close again", i + 1),
                ),
            });
        }
    }
    let closing = Closing { now: &now.instant, by: &principal.username, submitted: submissions.len() };
    let queued = store.finish_close(dispatch_id, &plan.candidates, &closing).await?;
    let Some(closed_at) = store.survey(dispatch_id).await?.and_then(|s| s.closed_at) else {
        return Err(ServiceError::Conflict {
            code: "close_raced",
            message: Text::new(
                "结束时又有村（社区）提交了填报：已写入的不会重复，请再次结束",
                "a village submitted during the close; what was written stays: close again",
            ),
        });
    };
    Ok(CloseAnswer { closed_at, records_updated: plan.writes.len(), queued_for_review: queued })
}
