//! 报表准入 run natively against an in-memory port: filing and its retry,
//! the version and pending rules, decisions with their retry, a lost race
//! and a second decision, and the open tasks an approval moves.

use std::cell::{Cell, RefCell};

use serde_json::{Value, json};

use super::*;
use crate::access::DenyReason;
use crate::api::SubmittedRow;
use crate::ledger::OrgLevel;
use crate::service::ready;
use crate::service::tasks::{OpenTask, OpenTasks, TaskMove};
use crate::test_support::principal;

/// The port in memory: requests, published versions, one village, open tasks.
#[derive(Default)]
pub(crate) struct Memory {
    pub(crate) reviews: RefCell<Vec<StoredReview>>,
    published: RefCell<Vec<PublishedTemplate>>,
    tasks: RefCell<Vec<OpenTask>>,
    moves: RefCell<Vec<TaskMove>>,
    /// Another reviewer decides this way just before our decision lands.
    race: Cell<Option<ReviewStatus>>,
}

fn without_document(mut s: StoredReview) -> StoredReview {
    s.request.document = None;
    s
}

impl OpenTasks for Memory {
    async fn open_tasks_before(&self, template_id: &str, version: u32) -> Result<Vec<OpenTask>, ServiceError> {
        let _ = template_id;
        Ok(self.tasks.borrow().iter().filter(|t| t.template_version < version).cloned().collect())
    }

    async fn move_tasks(&self, version: u32, moves: &[TaskMove], _at: &str) -> Result<(), ServiceError> {
        for m in moves {
            if let Some(task) = self.tasks.borrow_mut().iter_mut().find(|t| t.id == m.task_id && t.template_version == m.from_version) {
                task.template_version = version;
                task.rows.clone_from(&m.draft_rows);
            }
        }
        self.moves.borrow_mut().extend(moves.iter().cloned());
        Ok(())
    }
}

impl Reviews for Memory {
    async fn review(&self, id: &str) -> Result<Option<StoredReview>, ServiceError> {
        Ok(self.reviews.borrow().iter().find(|s| s.request.id == id).cloned())
    }
    async fn pending_review(&self, template_id: &str) -> Result<Option<StoredReview>, ServiceError> {
        let reviews = self.reviews.borrow();
        Ok(reviews.iter().find(|s| s.request.template_id == template_id && s.request.status == ReviewStatus::Pending).cloned())
    }
    async fn reviews(
        &self,
        department: Option<&str>,
        district: &str,
        status: Option<ReviewStatus>,
    ) -> Result<Vec<StoredReview>, ServiceError> {
        let reviews = self.reviews.borrow();
        let matches = |s: &&StoredReview| {
            department.is_none_or(|d| s.request.department == d) && s.district == district && status.is_none_or(|st| s.request.status == st)
        };
        Ok(reviews.iter().rev().filter(matches).cloned().map(without_document).collect())
    }
    async fn reviews_of_template(&self, template_id: &str) -> Result<Vec<StoredReview>, ServiceError> {
        let reviews = self.reviews.borrow();
        Ok(reviews.iter().rev().filter(|s| s.request.template_id == template_id).cloned().map(without_document).collect())
    }
    async fn file(&self, new: &NewReview) -> Result<bool, ServiceError> {
        if self.reviews.borrow().iter().any(|s| s.request.id == new.id) {
            return Ok(false);
        }
        if ready(self.pending_review(&new.template_id))?.is_some() {
            return Err(pending_conflict());
        }
        let request = TemplateRequest {
            id: new.id.clone(),
            template_id: new.template_id.clone(),
            version: new.version,
            title: new.title.clone(),
            department: new.department.clone(),
            status: ReviewStatus::Pending,
            analysis: new.analysis.clone(),
            submitted_by: new.submitted_by.clone(),
            submitted_at: new.submitted_at.clone(),
            decided_by: None,
            decided_at: None,
            reason: None,
            document: Some(new.document.clone()),
            detail: None,
        };
        self.reviews.borrow_mut().push(StoredReview { request, district: new.district.clone() });
        Ok(true)
    }
    async fn decide(&self, d: &ReviewDecision<'_>) -> Result<bool, ServiceError> {
        let mut reviews = self.reviews.borrow_mut();
        let Some(stored) = reviews.iter_mut().find(|s| s.request.id == d.id) else { return Ok(false) };
        if let Some(other) = self.race.take() {
            stored.request.status = other;
        }
        if stored.request.status != ReviewStatus::Pending {
            return Ok(false);
        }
        let r = &mut stored.request;
        (r.status, r.decided_by, r.decided_at, r.reason) =
            (d.status, Some(d.decided_by.to_owned()), Some(d.decided_at.to_owned()), d.reason.map(str::to_owned));
        if d.status == ReviewStatus::Approved {
            let template = crate::compile(r.document.as_ref().expect("filed with a document"), &catalog()).expect("compiles");
            self.published.borrow_mut().push(PublishedTemplate { template: Rc::new(template), published_at: d.decided_at.to_owned() });
        }
        Ok(true)
    }
    async fn published_versions(&self, template_id: &str) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError> {
        let published = self.published.borrow();
        Ok(published.iter().filter(|p| p.template.meta.id == template_id).map(|p| p.template.clone()).collect())
    }
    async fn live_templates(&self) -> Result<Vec<Rc<CompiledTemplate>>, ServiceError> {
        Ok(ready(self.published_templates())?.into_iter().map(|p| p.template).collect())
    }
    async fn published_templates(&self) -> Result<Vec<PublishedTemplate>, ServiceError> {
        let published = self.published.borrow();
        let newest = |p: &&PublishedTemplate| {
            !published.iter().any(|q| q.template.meta.id == p.template.meta.id && q.template.meta.version > p.template.meta.version)
        };
        Ok(published.iter().rev().filter(newest).cloned().collect())
    }
    async fn villages_in(&self, code: &str) -> Result<Vec<OrgUnit>, ServiceError> {
        let village = OrgUnit { code: "500118001001".into(), name: "一村".into(), level: OrgLevel::Village, parent_code: None };
        Ok(if village.code.starts_with(code) { vec![village] } else { vec![] })
    }
    async fn records(&self, _org_unit: &str, _entity: &str) -> Result<Vec<LedgerRecord>, ServiceError> {
        Ok(vec![])
    }
    async fn submissions_before(&self, _template_id: &str, _version: u32) -> Result<usize, ServiceError> {
        Ok(0)
    }
}

impl Directory for Memory {
    async fn template(&self, id: &str, version: Option<u32>) -> Result<Option<Rc<CompiledTemplate>>, ServiceError> {
        let versions = ready(self.published_versions(id))?;
        Ok(match version {
            Some(v) => versions.into_iter().find(|t| t.meta.version == v),
            None => versions.into_iter().max_by_key(|t| t.meta.version),
        })
    }
    async fn org_unit(&self, _code: &str) -> Result<Option<OrgUnit>, ServiceError> {
        Ok(None)
    }
}

fn catalog() -> Catalog {
    Catalog::builtin().expect("catalog")
}

/// The shipped 低保 template at `version`.
fn document(version: u32) -> Value {
    let mut document: Value = serde_json::from_str(crate::schemas::BUILTIN_TEMPLATES[0].1).expect("JSON");
    document["x-template"]["version"] = json!(version);
    document
}

fn analyst() -> Principal {
    Principal { department: Some("区民政局".into()), ..principal(Role::DepartmentAnalyst, "500118") }
}

fn centre() -> Principal {
    principal(Role::TownCoordinator, "500118001")
}

fn file(store: &Memory, id: &str, version: u32) -> Result<Filed, ServiceError> {
    let body = PublishRequest { request_id: id.into(), document: document(version) };
    ready(file_template(&analyst(), body, &catalog(), &Now::new("2026-11-01T08:00:00Z"), store))
}

fn decide(store: &Memory, id: &str, decision: Decision, reason: &str) -> Result<TemplateRequest, ServiceError> {
    let body = DecisionRequest { decision, reason: reason.into() };
    ready(decide_review(&centre(), id, &body, &catalog(), &Now::new("2026-11-02T08:00:00Z"), store))
}

fn code(result: Result<impl std::fmt::Debug, ServiceError>) -> String {
    match result {
        Ok(ok) => format!("ok {ok:?}").chars().take(2).collect(),
        Err(ServiceError::Conflict { code, .. }) => code.into(),
        Err(ServiceError::Validation(fields) | ServiceError::Invalid { fields, .. }) => fields[0].code.clone(),
        Err(ServiceError::Forbidden(reason)) => format!("{reason:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn filing_answers_a_retry_as_stored_and_refuses_a_second_pending_request() {
    let store = Memory::default();
    let first = file(&store, "r-1", 1).expect("filed");
    assert!(first.created);
    assert_eq!((first.request.status, first.request.department.as_str()), (ReviewStatus::Pending, "区民政局"));
    let retry = file(&store, "r-1", 1).expect("answered");
    assert_eq!((retry.created, retry.request), (false, first.request));
    assert_eq!(code(file(&store, "r-2", 1)), "review_pending");
    assert_eq!(store.reviews.borrow().len(), 1);
}

#[test]
fn filing_checks_role_id_document_and_version() {
    let store = Memory::default();
    let body = || PublishRequest { request_id: "r-1".into(), document: document(1) };
    let now = Now::new("2026-11-01T08:00:00Z");
    assert_eq!(code(ready(file_template(&centre(), body(), &catalog(), &now, &store))), "NotForRole");
    let other = Principal { department: Some("区应急管理局".into()), ..analyst() };
    assert_eq!(code(ready(file_template(&other, body(), &catalog(), &now, &store))), "OtherDepartment");
    assert_eq!(code(file(&store, "not an id", 1)), "invalid_id");
    let broken = PublishRequest { request_id: "r-1".into(), document: json!({"x-template": {}}) };
    assert!(matches!(ready(file_template(&analyst(), broken, &catalog(), &now, &store)), Err(ServiceError::Validation(_))));
    file(&store, "r-1", 1).expect("filed");
    decide(&store, "r-1", Decision::Approve, "").expect("approved");
    assert_eq!(code(file(&store, "r-2", 1)), "version_not_newer");
    assert!(file(&store, "r-2", 2).expect("filed").created);
}

#[test]
fn a_decision_repeated_answers_as_stored_and_a_second_decision_conflicts() {
    let store = Memory::default();
    file(&store, "r-1", 1).expect("filed");
    assert_eq!(code(decide(&store, "r-1", Decision::Reject, "  ")), "missing_reason");
    let approved = decide(&store, "r-1", Decision::Approve, "").expect("approved");
    assert_eq!((approved.status, approved.decided_by.as_deref()), (ReviewStatus::Approved, Some("u")));
    assert_eq!(decide(&store, "r-1", Decision::Approve, "").expect("retry"), approved);
    assert_eq!(code(decide(&store, "r-1", Decision::Reject, "no")), "already_decided");
    assert_eq!(store.published.borrow().len(), 1);
    assert!(matches!(decide(&store, "r-9", Decision::Approve, ""), Err(ServiceError::NotFound { .. })));
    let elsewhere = principal(Role::TownCoordinator, "500101001");
    let body = DecisionRequest { decision: Decision::Approve, reason: String::new() };
    let now = Now::new("2026-11-02T08:00:00Z");
    assert_eq!(code(ready(decide_review(&elsewhere, "r-1", &body, &catalog(), &now, &store))), "OutOfScope");
}

#[test]
fn a_lost_race_answers_already_decided_unless_the_other_reviewer_agreed() {
    let store = Memory::default();
    file(&store, "r-1", 1).expect("filed");
    store.race.set(Some(ReviewStatus::Rejected));
    assert_eq!(code(decide(&store, "r-1", Decision::Approve, "")), "already_decided");
    assert!(store.published.borrow().is_empty());
    file(&store, "r-2", 1).expect("filed again after the rejection");
    store.race.set(Some(ReviewStatus::Approved));
    assert_eq!(decide(&store, "r-2", Decision::Approve, "").expect("agreed").status, ReviewStatus::Approved);
    // The other reviewer's call moved the tasks; this one moved nothing.
    assert!(store.moves.borrow().is_empty());
}

#[test]
fn an_approval_moves_open_tasks_with_their_drafts_once() {
    let store = Memory::default();
    file(&store, "r-1", 1).expect("filed");
    decide(&store, "r-1", Decision::Approve, "").expect("approved");
    let row = SubmittedRow { subject_id: "p-1".into(), values: json!({"name": "张三"}).as_object().cloned().expect("object") };
    store.tasks.borrow_mut().extend([
        OpenTask { id: "t-1".into(), template_version: 1, revision: Some(3), rows: Some(vec![row.clone()]) },
        OpenTask { id: "t-2".into(), template_version: 1, revision: None, rows: None },
    ]);
    file(&store, "r-2", 2).expect("filed");
    let pending = ready(get_review(&centre(), "r-2", &catalog(), &store)).expect("read");
    let consequences = pending.detail.expect("detail").consequences.expect("consequences");
    assert_eq!(serde_json::to_value(&consequences).expect("json")["open_tasks"], json!(2));
    decide(&store, "r-2", Decision::Approve, "").expect("approved");
    let moves = store.moves.borrow().clone();
    assert_eq!(
        moves.iter().map(|m| (m.task_id.as_str(), m.from_version, m.draft_revision)).collect::<Vec<_>>(),
        [("t-1", 1, Some(3)), ("t-2", 1, None)]
    );
    assert_eq!(moves[0].draft_rows, Some(vec![row]));
    decide(&store, "r-2", Decision::Approve, "").expect("retry");
    assert_eq!(store.moves.borrow().len(), 2, "a repeated approval moves nothing again");
}

#[test]
fn readers_see_their_department_or_district_and_a_bad_status_is_refused() {
    let store = Memory::default();
    file(&store, "r-1", 1).expect("filed");
    let list = |p: &Principal, status| ready(list_reviews(p, status, &catalog(), &store));
    assert_eq!(list(&analyst(), None).expect("analyst").len(), 1);
    let pending = list(&centre(), Some(ReviewStatus::Pending)).expect("centre");
    assert!(pending[0].detail.is_some() && pending[0].document.is_some());
    assert!(list(&centre(), Some(ReviewStatus::Approved)).expect("none").is_empty());
    let other = Principal { department: Some("区应急管理局".into()), ..analyst() };
    assert!(list(&other, None).expect("own only").is_empty());
    assert_eq!(code(list(&principal(Role::VillageStaff, "500118001001"), None)), "NotForRole");
    assert!(matches!(status_filter(Some("done")), Err(ServiceError::BadRequest { code: "bad_status", .. })));
    assert_eq!(status_filter(Some("rejected")).expect("known"), Some(ReviewStatus::Rejected));
    assert_eq!(code(ready(get_review(&other, "r-1", &catalog(), &store))), format!("{:?}", DenyReason::OtherDepartment));
}

#[test]
fn templates_lists_the_newest_published_versions() {
    let store = Memory::default();
    file(&store, "r-1", 1).expect("filed");
    decide(&store, "r-1", Decision::Approve, "").expect("approved");
    file(&store, "r-2", 2).expect("filed");
    decide(&store, "r-2", Decision::Approve, "").expect("approved");
    let village = principal(Role::VillageStaff, "500118001001");
    let list = ready(crate::service::templates::list_templates(&village, &store)).expect("list");
    assert_eq!(list.iter().map(|t| (t.id.as_str(), t.version)).collect::<Vec<_>>(), [("dibao-monthly-visit", 2)]);
    assert_eq!(list[0].published_at.as_deref(), Some("2026-11-02T08:00:00Z"));
    assert_eq!(ready(crate::service::templates::live_fields(&village, &store)).expect("fields").len(), 1);
}
