//! The survey reads: the list, the live board, the pick of ledger records
//! into rows. Read-only, except the audit log of what was shown unmasked.

use crate::service::require;
use std::collections::{BTreeMap, HashMap};

use crate::access::{Action, Principal, authorize, mask_template_rows, mask_values, record_guards};
use crate::api::SubmittedRow;
use crate::ledger::LedgerRecord;
use crate::messages::Text;
use crate::survey::{PickAnswer, SurveyBoard, SurveySummary, board, pick_row, search};

use super::{Schemas, SurveyStore, seen_part, town_of};
use crate::service::{AuditLog, Directory, Now, ServiceError};

/// `GET /api/surveys/{id}/pick`'s query.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct PickQuery {
    pub org_unit: String,
    pub entity: String,
    #[serde(default)]
    pub q: String,
}

/// The fields a picked record's label is made of: its first two present.
const LABEL_FIELDS: [&str; 5] = ["name", "address", "location", "parcel_no", "owner_name"];

/// A short label for a picked record (name, address…): the first two of
/// [`LABEL_FIELDS`] it holds, joined by " · ".
pub fn pick_label(record: &LedgerRecord) -> String {
    LABEL_FIELDS.iter().filter_map(|f| record.data.get(*f).and_then(|v| v.as_str())).take(2).collect::<Vec<_>>().join(" · ")
}

fn survey_not_found() -> ServiceError {
    ServiceError::NotFound { what: "survey", zh: "该应急摸排" }
}

async fn survey_template<S: Directory>(store: &S, survey: &SurveySummary) -> Result<std::rc::Rc<crate::CompiledTemplate>, ServiceError> {
    store
        .template(&survey.template_id, Some(survey.template_version))
        .await?
        .ok_or(ServiceError::NotFound { what: "template", zh: "该报表模板" })
}

/// `GET /api/surveys[?org_unit=]`: the surveys touching `org_unit` (default:
/// the reader's unit) that the reader may read — a village reader the
/// surveys containing its village, others those of their area.
pub async fn list_surveys<S: SurveyStore>(
    principal: &Principal,
    org_unit: Option<&str>,
    store: &S,
) -> Result<Vec<SurveySummary>, ServiceError> {
    let scope = org_unit.unwrap_or(&principal.org_unit);
    let surveys = store.surveys(scope).await?;
    Ok(surveys
        .into_iter()
        .filter(|s| {
            let unit = seen_part(&s.scope, scope);
            authorize(principal, &Action::ReadTasks { org_unit: unit, department: &s.department }).is_allowed()
        })
        .collect())
}

/// `GET /api/surveys/{id}`: the live board of the part of the survey the
/// reader sees (a town coordinator: its town's villages), rows masked as
/// any submission.
pub async fn survey_board<S: SurveyStore + Directory>(
    principal: &Principal,
    dispatch_id: &str,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<SurveyBoard, ServiceError> {
    let survey = store.survey(dispatch_id).await?.ok_or_else(survey_not_found)?;
    let scope = seen_part(&survey.scope, &principal.org_unit).to_owned();
    require(principal, &Action::ReadTasks { org_unit: &scope, department: &survey.department })?;
    let template = survey_template(store, &survey).await?;
    let tasks = store.survey_tasks(dispatch_id, &scope).await?;
    let submissions: HashMap<String, Vec<SubmittedRow>> = store
        .survey_submissions(dispatch_id)
        .await?
        .into_iter()
        .filter(|s| crate::ledger::OrgLevel::contains(&scope, &s.org_unit))
        .map(|s| (s.org_unit, s.rows))
        .collect();
    let mut codes: Vec<String> = tasks.iter().filter_map(|t| town_of(&t.org_unit).map(str::to_owned)).collect();
    codes.sort();
    codes.dedup();
    codes.push(survey.scope.clone());
    let names: BTreeMap<String, String> = store.unit_names(&codes.iter().map(String::as_str).collect::<Vec<_>>()).await?;
    let mut answer = board(&template, survey, &tasks, &submissions, &names);
    mask_template_rows(principal, schemas.catalog, &template, answer.points.iter_mut().map(|p| &mut p.values));
    Ok(answer)
}

/// `GET /api/surveys/{id}/pick`: candidate rows from the village's ledger
/// matching `q`, pre-filled and masked as any form; the search compares
/// only what the reader may see. What was shown unmasked is audited.
pub async fn pick<S: SurveyStore + Directory + AuditLog>(
    principal: &Principal,
    dispatch_id: &str,
    query: PickQuery,
    now: &Now,
    schemas: Schemas<'_>,
    store: &S,
) -> Result<PickAnswer, ServiceError> {
    require(principal, &Action::GenerateForm { org_unit: &query.org_unit })?;
    let survey = store.survey(dispatch_id).await?.ok_or_else(survey_not_found)?;
    let template = survey_template(store, &survey).await?;
    let Some(kind) = template.subject.kind_of(&query.entity).cloned() else {
        return Err(ServiceError::BadRequest {
            code: "not_pickable",
            message: Text::new("此表不能从该类台账选取", "rows of this form are not picked from that record type"),
        });
    };
    let record_type =
        schemas.record_types.get(&query.entity).ok_or(ServiceError::NotFound { what: "record type", zh: "该台账类型" })?;
    let records = store.records(&query.org_unit, &query.entity).await?;
    let guards = record_guards(schemas.catalog, &record_type.entity, record_type.fields.iter().map(|f| f.name.as_str()));
    let mut visible = records.clone();
    for record in &mut visible {
        if let serde_json::Value::Object(values) = &mut record.data {
            mask_values(principal, &guards, values);
        }
    }
    let found_ids: Vec<&str> = search(record_type, &visible, &query.q).into_iter().map(|r| r.id.as_str()).collect();
    let found: Vec<&LedgerRecord> = records.iter().filter(|r| found_ids.contains(&r.id.as_str())).collect();
    let today = now.today();
    let mut rows: Vec<_> = found.iter().filter_map(|r| pick_row(&template, r, today)).collect();
    let labels = found.iter().map(|r| pick_label(r)).collect();
    let unmasked = mask_template_rows(principal, schemas.catalog, &template, rows.iter_mut().map(|r| &mut r.values));
    let subjects: Vec<String> = rows.iter().map(|r| r.subject_id.clone()).collect();
    store.unmasked_read(principal, "survey_pick", &unmasked, &subjects, now).await?;
    Ok(PickAnswer { entity: query.entity, kind: kind.kind, rows, labels })
}
