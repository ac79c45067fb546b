//! The inbox and dispatch use cases against in-memory ports: dispatching
//! (and retrying it), saving drafts over revisions, returning submissions
//! (a retry, a lost race), moving open tasks to a new version.

use serde_json::json;

use super::dispatch::{ReviewState, dispatch};
use super::tasks::{TaskQuery, list_tasks, migrate_open_tasks, return_submission, save_draft};
use super::tasks_memory::Memory;
use super::{Now, ServiceError, ready};
use crate::access::{Principal, Role};
use crate::api::{DispatchRequest, SaveDraftRequest, SubmittedRow};
use crate::review::ReviewStatus;
use crate::tasks::TaskStatus;
use crate::test_support::{dibao, principal};

pub const DISTRICT: &str = "500118";
pub const TOWN: &str = "500118100";
pub const VILLAGE: &str = "500118100001";
pub const OTHER_VILLAGE: &str = "500118100002";
pub const OTHER_TOWN_VILLAGE: &str = "500118200001";

pub fn now() -> Now {
    Now::new("2026-11-29T08:00:00.000Z")
}

/// The district with two towns, three villages and the 低保 template.
pub fn district() -> Memory {
    Memory::default()
        .with_template(dibao())
        .with_unit(DISTRICT, "区")
        .with_unit(TOWN, "镇")
        .with_unit(VILLAGE, "青峰村")
        .with_unit(OTHER_VILLAGE, "白岩村")
        .with_unit("500118200", "乡")
        .with_unit(OTHER_TOWN_VILLAGE, "石门村")
}

pub fn coordinator() -> Principal {
    principal(Role::TownCoordinator, TOWN)
}

pub fn staff(village: &str) -> Principal {
    principal(Role::VillageStaff, village)
}

pub fn dispatch_request(id: &str, org_units: &[&str], due_date: &str) -> DispatchRequest {
    DispatchRequest {
        dispatch_id: id.into(),
        template_id: "dibao-monthly-visit".into(),
        template_version: None,
        org_units: org_units.iter().map(|s| (*s).to_owned()).collect(),
        due_date: due_date.into(),
    }
}

/// The district with dispatch `d1` of the 低保 template to the town.
pub fn dispatched() -> Memory {
    let store = district();
    ready(dispatch(&coordinator(), &dispatch_request("d1", &[TOWN], "2026-12-31"), &now(), &store)).expect("dispatched");
    store
}

/// An error's stable code and, for a field error, its pointers.
pub fn code(e: &ServiceError) -> String {
    match e {
        ServiceError::Validation(fields) | ServiceError::Invalid { fields, .. } => {
            fields.iter().map(|f| format!("{} {}", f.code, f.pointer)).collect::<Vec<_>>().join(", ")
        }
        ServiceError::Conflict { code, .. } | ServiceError::BadRequest { code, .. } | ServiceError::Refused { code, .. } => {
            (*code).to_owned()
        }
        ServiceError::Forbidden(reason) => format!("forbidden {reason:?}"),
        ServiceError::NotFound { what, .. } => format!("not found {what}"),
        ServiceError::StaleDraft { .. } => "stale_draft".into(),
        ServiceError::Stale { .. } => "stale_version".into(),
        other => format!("{other}"),
    }
}

fn rows(name: &str) -> Vec<SubmittedRow> {
    vec![SubmittedRow { subject_id: "person:1".into(), values: json!({"name": name}).as_object().expect("object").clone() }]
}

#[test]
fn a_dispatch_creates_one_task_per_village_and_a_retry_creates_none() {
    let store = district();
    let request = dispatch_request("d1", &[TOWN], "2026-12-31");
    let first = ready(dispatch(&coordinator(), &request, &now(), &store)).expect("dispatched");
    assert_eq!((first.villages, first.created, first.template_version), (2, 2, 1));
    assert_eq!(store.tasks.borrow().keys().collect::<Vec<_>>(), [&format!("d1-{VILLAGE}"), &format!("d1-{OTHER_VILLAGE}")]);
    let retry = ready(dispatch(&coordinator(), &request, &now(), &store)).expect("retried");
    assert_eq!((retry.villages, retry.created), (2, 0), "a retry answers 200 and creates nothing");
}

#[test]
fn a_dispatch_that_crashed_is_completed_by_its_retry() {
    let store = district();
    let request = dispatch_request("d1", &[TOWN], "2026-12-31");
    store.crash.set(true);
    assert!(matches!(ready(dispatch(&coordinator(), &request, &now(), &store)), Err(ServiceError::Storage(_))));
    assert!(store.tasks.borrow().is_empty(), "all tasks or none");
    assert_eq!(ready(dispatch(&coordinator(), &request, &now(), &store)).expect("retried").created, 2);
}

#[test]
fn dispatch_refusals() {
    let check = |who: Principal, request: DispatchRequest, expect: &str| {
        let store = dispatched();
        let got = ready(dispatch(&who, &request, &now(), &store)).map(|r| r.created).map_err(|e| code(&e));
        assert_eq!(got, Err(expect.to_owned()), "{request:?}");
    };
    let c = coordinator;
    check(c(), dispatch_request("d1", &[TOWN], "2027-01-31"), "dispatch_id_reused");
    check(c(), dispatch_request("bad id", &[TOWN], "2026-12-31"), "invalid_id /dispatch_id");
    check(c(), dispatch_request("d2", &[TOWN], "2026-02-30"), "invalid_due_date /due_date");
    check(c(), dispatch_request("d2", &[], "2026-12-31"), "no_targets /org_units");
    check(c(), dispatch_request("d2", &[TOWN, "5001"], "2026-12-31"), "unknown_org_unit /org_units/1");
    check(c(), dispatch_request("d2", &["500118100009"], "2026-12-31"), "unknown_org_unit /org_units/0");
    check(c(), dispatch_request("d2", &["500118200"], "2026-12-31"), "forbidden OutOfScope");
    check(staff(VILLAGE), dispatch_request("d2", &[VILLAGE], "2026-12-31"), "forbidden NotForRole");
    let mut other = dispatch_request("d2", &[TOWN], "2026-12-31");
    other.template_id = "nothing".into();
    check(c(), other, "not found approved template");
}

#[test]
fn a_template_under_review_or_rejected_says_so() {
    let mut store = district();
    let mut request = dispatch_request("d1", &[TOWN], "2026-12-31");
    request.template_id = "new-form".into();
    for (status, expect) in [(ReviewStatus::Pending, "template_pending"), (ReviewStatus::Rejected, "template_rejected")] {
        store.reviews.insert("new-form".into(), ReviewState { status: Some(status), reason: Some("重复".into()) });
        let e = ready(dispatch(&coordinator(), &request, &now(), &store)).expect_err("refused");
        assert_eq!(code(&e), expect);
    }
}

#[test]
fn drafts_save_over_the_revision_last_seen() {
    let store = dispatched();
    let id = format!("d1-{VILLAGE}");
    let save = |base: u32, name: &str| {
        let request = SaveDraftRequest { base_revision: base, rows: rows(name) };
        ready(save_draft(&staff(VILLAGE), &id, &request, &now(), &store))
    };
    assert_eq!(save(0, "甲").expect("first").revision, 1);
    assert_eq!(store.task_of(&id).status, TaskStatus::Draft, "saving opens the task");
    assert_eq!(store.task_of(&id).opened_at.as_deref(), Some(now().instant.as_str()));
    // A retry of the first save after a lost answer: stale, and carries it.
    match save(0, "甲") {
        Err(ServiceError::StaleDraft { current: Some(current) }) => assert_eq!((current.revision, current.rows), (1, rows("甲"))),
        other => panic!("expected a stale draft, got {other:?}"),
    }
    assert_eq!(save(1, "乙").expect("second").revision, 2);
    store.set_status(&id, TaskStatus::Submitted);
    assert_eq!(save(2, "丙").map_err(|e| code(&e)).map(|d| d.revision), Err("task_already_submitted".into()));
}

#[test]
fn draft_refusals() {
    let check = |who: Principal, id: &str, rows: usize, expect: &str| {
        let store = dispatched();
        let request =
            SaveDraftRequest { base_revision: 0, rows: vec![SubmittedRow { subject_id: "x".into(), values: Default::default() }; rows] };
        let got = ready(save_draft(&who, id, &request, &now(), &store)).map(|d| d.revision).map_err(|e| code(&e));
        assert_eq!(got, Err(expect.to_owned()));
    };
    let mine = format!("d1-{VILLAGE}");
    check(staff(VILLAGE), "d1-nothing", 1, "not found task");
    check(staff(OTHER_VILLAGE), &mine, 1, "forbidden OutOfScope");
    check(staff(VILLAGE), &mine, crate::submission::MAX_ROWS + 1, "too_many_rows");
}

#[test]
fn a_return_needs_a_submitted_task_and_a_reason_and_applies_once() {
    let store = dispatched();
    let id = format!("d1-{VILLAGE}");
    let back = |comment: &str| ready(return_submission(&coordinator(), &id, comment, &now(), &store)).map_err(|e| code(&e));
    assert_eq!(back("缺签字").map(|t| t.status), Err("task_not_submitted".into()));
    store.set_status(&id, TaskStatus::Submitted);
    assert_eq!(back("  ").map(|t| t.status), Err("missing_return_comment /comment".into()));
    assert_eq!(back(&"长".repeat(501)).map(|t| t.status), Err("return_comment_too_long /comment".into()));
    let returned = back(" 缺签字 ").expect("returned");
    assert_eq!((returned.status, returned.return_comment.as_deref()), (TaskStatus::Returned, Some("缺签字")));
    assert_eq!(back("缺签字").map(|t| t.status), Ok(TaskStatus::Returned), "the same return again answers as returned");
    assert_eq!(back("另一理由").map(|t| t.status), Err("task_not_submitted".into()), "a second, different return");
    assert_eq!(
        ready(return_submission(&staff(VILLAGE), &id, "x", &now(), &store)).map_err(|e| code(&e)).map(|t| t.status),
        Err("forbidden NotForRole".into())
    );
}

#[test]
fn a_return_that_lost_the_race_to_another_is_refused() {
    let store = dispatched();
    let id = format!("d1-{VILLAGE}");
    store.set_status(&id, TaskStatus::Submitted);
    let other = id.clone();
    store.race(move |m| {
        let mut tasks = m.tasks.borrow_mut();
        let task = tasks.get_mut(&other).expect("task");
        task.status = TaskStatus::Returned;
        task.return_comment = Some("别人的理由".into());
    });
    let e = ready(return_submission(&coordinator(), &id, "缺签字", &now(), &store)).expect_err("lost");
    assert_eq!(code(&e), "task_not_submitted");
    assert_eq!(store.task_of(&id).return_comment.as_deref(), Some("别人的理由"));
}

#[test]
fn task_lists_are_scoped_and_filtered() {
    let store = dispatched();
    let ids = |who: Principal, query: TaskQuery| {
        ready(list_tasks(&who, &query, &store)).map(|t| t.into_iter().map(|t| t.org_unit).collect::<Vec<_>>()).map_err(|e| code(&e))
    };
    assert_eq!(ids(coordinator(), TaskQuery::default()), Ok(vec![VILLAGE.to_owned(), OTHER_VILLAGE.to_owned()]));
    assert_eq!(ids(staff(VILLAGE), TaskQuery::default()), Ok(vec![VILLAGE.to_owned()]));
    let other = TaskQuery { org_unit: Some(OTHER_VILLAGE.into()), ..TaskQuery::default() };
    assert_eq!(ids(staff(VILLAGE), other), Err("forbidden OutOfScope".into()));
    let bad = TaskQuery { status: Some("done".into()), ..TaskQuery::default() };
    assert_eq!(ids(coordinator(), bad), Err("bad_status".into()));
    let submitted = TaskQuery { status: Some("submitted".into()), ..TaskQuery::default() };
    assert_eq!(ids(coordinator(), submitted), Ok(vec![]));
    let mut analyst = principal(Role::DepartmentAnalyst, DISTRICT);
    analyst.department = Some("区民政局".into());
    assert_eq!(ids(analyst.clone(), TaskQuery::default()).map(|v| v.len()), Ok(2));
    analyst.department = Some("区水利局".into());
    assert_eq!(ids(analyst, TaskQuery::default()), Ok(vec![]), "another department's analyst sees none of them");
}

#[test]
fn open_tasks_move_to_a_new_version_with_their_drafts() {
    let mut v2 = dibao();
    v2.meta.version = 2;
    let store = dispatched().with_template(v2);
    let (mine, theirs) = (format!("d1-{VILLAGE}"), format!("d1-{OTHER_VILLAGE}"));
    ready(save_draft(&staff(VILLAGE), &mine, &SaveDraftRequest { base_revision: 0, rows: rows("甲") }, &now(), &store)).expect("saved");
    store.set_status(&theirs, TaskStatus::Submitted);
    ready(migrate_open_tasks(&store, "dibao-monthly-visit", 2, &now())).expect("moved");
    assert_eq!(store.task_of(&mine).template_version, 2);
    assert_eq!(store.drafts.borrow()[&mine].revision, 2, "the draft moved with its task");
    assert_eq!(store.task_of(&theirs).template_version, 1, "a submitted task keeps its version");
    ready(migrate_open_tasks(&store, "dibao-monthly-visit", 2, &now())).expect("again");
    assert_eq!(store.drafts.borrow()[&mine].revision, 2, "running it again moves nothing");
}
