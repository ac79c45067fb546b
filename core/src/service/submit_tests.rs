//! `submit` against in-memory ports: the checks in order, a retried submit,
//! a reused id, lost races (a concurrent retry, a record moved on, the task
//! answered meanwhile), a crash, and the pick (survey) rules.

use serde_json::{Value, json};

use super::dispatch::dispatch;
use super::submissions::{Submitted, seconds_between, submit};
use super::tasks_memory::Memory;
use super::tasks_tests::{OTHER_VILLAGE, VILLAGE, code, coordinator, dispatch_request, district, now, staff};
use super::{ServiceError, ready};
use crate::LedgerRecord;
use crate::tasks::TaskStatus;
use crate::{Catalog, CompiledTemplate, compile};

fn shipped(prefix: &str) -> CompiledTemplate {
    let text = crate::schemas::BUILTIN_TEMPLATES.iter().find(|(f, _)| f.starts_with(prefix)).expect("shipped").1;
    compile(&serde_json::from_str(text).expect("json"), &Catalog::builtin().expect("catalog")).expect("compiles")
}

fn elder() -> LedgerRecord {
    LedgerRecord {
        id: "person:1".into(),
        entity: "person".into(),
        org_unit: VILLAGE.into(),
        version: 4,
        updated_at: "2026-01-01T00:00:00Z".into(),
        updated_by: "import".into(),
        data: json!({"name": "李奶奶", "id_number": "11010519491231002X", "gender": "女", "tags": ["独居老人"]}),
    }
}

const TASK: &str = "g1-500118100001";

/// The district with the 高龄津贴 form dispatched (`g1`) to the village,
/// whose ledger has one elder living alone.
fn store() -> Memory {
    let store = district().with_template(shipped("gaoling")).with_record(elder());
    let mut request = dispatch_request("g1", &[VILLAGE], "2026-12-31");
    request.template_id = "gaoling-allowance".into();
    ready(dispatch(&coordinator(), &request, &now(), &store)).expect("dispatched");
    store
}

fn body(id: &str, phone: &str) -> Value {
    json!({
        "submission_id": id, "template_id": "gaoling-allowance", "template_version": 1, "org_unit": VILLAGE, "task_id": TASK,
        "rows": [{"subject_id": "person:1", "values": {
            "name": "李奶奶", "id_number": "11010519491231002X", "phone": phone, "monthly_amount": 100, "months": 3, "total": 1
        }}]
    })
}

fn send(store: &Memory, body: Value) -> Result<Submitted, String> {
    ready(submit(&staff(VILLAGE), body, &now(), store)).map_err(|e| code(&e))
}

#[test]
fn a_submission_answers_its_task_writes_back_and_a_retry_replays_it() {
    let store = store();
    store.tasks.borrow_mut().get_mut(TASK).expect("task").opened_at = Some("2026-11-29T07:58:59.600Z".into());
    let Ok(Submitted::Created(receipt)) = send(&store, body("s1", "13812345678")) else { panic!("not created") };
    assert_eq!((receipt.row_count, receipt.submitted_at.as_str()), (1, now().instant.as_str()));
    let task = store.task_of(TASK);
    assert_eq!((task.status, task.submission_id.as_deref()), (TaskStatus::Submitted, Some("s1")));
    let record = store.records.borrow()["person:1"].clone();
    assert_eq!((record.version, &record.data["phone"]), (5, &json!("13812345678")), "written back");
    let stored = store.submissions.borrow()["s1"].clone();
    assert_eq!(stored.rows[0].values["total"], json!(300), "computed here, whatever the client sent");
    assert_eq!(stored.submitted_by, "u");
    // The same POST again after a lost answer: the first receipt, nothing new.
    assert_eq!(send(&store, body("s1", "13812345678")), Ok(Submitted::Replayed(receipt)));
    assert_eq!(store.records.borrow()["person:1"].version, 5);
}

#[test]
fn submission_refusals() {
    let check = |body: Value, expect: &str| assert_eq!(send(&store(), body.clone()).map(|_| ()), Err(expect.to_owned()), "{body}");
    let with = |key: &str, value: Value| {
        let mut b = body("s1", "13812345678");
        b[key] = value;
        b
    };
    check(with("template_id", json!("nothing")), "unknown_template /template_id");
    check(with("template_version", json!(2)), "unknown_template /template_id");
    check(with("task_id", json!("g1-nothing")), "wrong_task /task_id");
    check(with("org_unit", json!(OTHER_VILLAGE)), "forbidden OutOfScope");
    check(body("s1", "12"), "format /rows/0/values/phone");
    let mut stranger = body("s1", "13812345678");
    stranger["rows"][0]["subject_id"] = json!("person:2");
    check(stranger, "unknown_subject /rows/0/subject_id");
}

#[test]
fn a_task_answered_by_another_submission_refuses_this_one() {
    let store = store();
    send(&store, body("s1", "13812345678")).expect("first");
    assert_eq!(send(&store, body("s2", "13812345678")), Err("task_already_submitted".into()));
    store.set_status(TASK, TaskStatus::Returned);
    assert!(matches!(send(&store, body("s2", "13812345678")), Ok(Submitted::Created(_))), "after a return, a new submission");
}

#[test]
fn a_reused_submission_id_is_refused() {
    let store = store();
    let mut elsewhere = body("s1", "13812345678");
    elsewhere["org_unit"] = json!(OTHER_VILLAGE);
    elsewhere.as_object_mut().expect("object").remove("task_id");
    let stored = ready(submit(&staff(OTHER_VILLAGE), elsewhere, &now(), &store)).map_err(|e| code(&e));
    assert_eq!(stored.map(|_| ()), Err("unknown_subject /rows/0/subject_id".into()), "checked before storing");
    let receipt = crate::api::SubmissionReceipt {
        id: "s1".into(),
        template_id: "gaoling-allowance".into(),
        template_version: 1,
        org_unit: OTHER_VILLAGE.into(),
        row_count: 0,
        submitted_at: now().instant,
    };
    let row = super::tasks_memory::StoredRow { receipt, rows: vec![], submitted_by: "v".into() };
    store.submissions.borrow_mut().insert("s1".into(), row);
    assert_eq!(send(&store, body("s1", "13812345678")), Err("submission_id_reused".into()));
    assert_eq!(store.task_of(TASK).status, TaskStatus::NotOpened);
}

#[test]
fn a_concurrent_retry_that_won_is_answered_as_a_replay() {
    let store = store();
    let first = body("s1", "13812345678");
    store.race(move |m| {
        ready(submit(&staff(VILLAGE), first, &now(), m)).expect("the other attempt");
    });
    assert!(matches!(send(&store, body("s1", "13812345678")), Ok(Submitted::Replayed(_))));
    assert_eq!(store.records.borrow()["person:1"].version, 5, "written once");
}

#[test]
fn a_record_moved_on_meanwhile_refuses_the_submission_with_the_record() {
    let store = store();
    store.race(|m| m.records.borrow_mut().get_mut("person:1").expect("record").version = 9);
    match ready(submit(&staff(VILLAGE), body("s1", "13812345678"), &now(), &store)) {
        Err(ServiceError::Stale { current: Some(current), .. }) => assert_eq!(current.version, 9),
        other => panic!("expected stale, got {other:?}"),
    }
    assert!(store.submissions.borrow().is_empty());
    assert_eq!(store.task_of(TASK).status, TaskStatus::NotOpened, "nothing of it stored");
}

#[test]
fn a_task_answered_meanwhile_or_a_crash_stores_nothing() {
    let store = store();
    store.race(|m| m.set_status(TASK, TaskStatus::Submitted));
    assert_eq!(send(&store, body("s1", "13812345678")), Err("task_already_submitted".into()));
    let store = self::store();
    store.crash.set(true);
    assert!(send(&store, body("s1", "13812345678")).expect_err("crashed").starts_with("storage: submission batch failed"));
    assert!(store.submissions.borrow().is_empty());
    assert!(matches!(send(&store, body("s1", "13812345678")), Ok(Submitted::Created(_))), "the retry stores it");
}

const PHOTO: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The district with the typhoon survey dispatched (`t1`) to the village.
fn survey() -> Memory {
    let mut store = district().with_template(shipped("typhoon"));
    store.uploads.push((VILLAGE.into(), PHOTO.into()));
    let mut request = dispatch_request("t1", &[VILLAGE], "2026-12-31");
    request.template_id = "typhoon-damage-survey".into();
    ready(dispatch(&coordinator(), &request, &now(), &store)).expect("dispatched");
    store
}

fn survey_body(id: &str, rows: Value, nothing: bool) -> Value {
    json!({
        "submission_id": id, "template_id": "typhoon-damage-survey", "template_version": 1, "org_unit": VILLAGE,
        "task_id": "t1-500118100001", "rows": rows, "nothing_to_report": nothing
    })
}

#[test]
fn survey_submissions_follow_the_pick_rules() {
    let store = survey();
    let new_row = |photo: &str| {
        json!([{"subject_id": "new:a1", "values": {
            "category": "易涝点", "damage_level": "一般", "point_name": "桥下", "location": {"lat": 29.5, "lng": 106.5}, "photos": [photo]
        }}])
    };
    assert_eq!(send(&store, survey_body("s1", json!([]), false)).map(|_| ()), Err("no_rows /rows".into()));
    let unknown = "f".repeat(64);
    assert_eq!(send(&store, survey_body("s1", new_row(&unknown), false)).map(|_| ()), Err("unknown_photo /rows/0/values/photos".into()));
    assert!(matches!(send(&store, survey_body("s1", new_row(PHOTO), false)), Ok(Submitted::Created(_))));
    assert_eq!(*store.photo_refs.borrow(), [(PHOTO.to_owned(), "s1".to_owned())], "the photo is referenced by it");
}

#[test]
fn a_closed_survey_takes_no_more_reports_but_replays_the_one_it_took() {
    let store = survey();
    send(&store, survey_body("s1", json!([]), true)).expect("nothing to report");
    store.closed_surveys.borrow_mut().insert("t1".into());
    assert!(matches!(send(&store, survey_body("s1", json!([]), true)), Ok(Submitted::Replayed(_))));
    store.set_status("t1-500118100001", TaskStatus::Returned);
    assert_eq!(send(&store, survey_body("s2", json!([]), true)), Err("survey_closed".into()));
}

#[test]
fn seconds_open_are_whole_seconds_between_two_instants() {
    let cases = [
        ("2026-11-29T07:58:59.600Z", "2026-11-29T08:00:00.000Z", Some(60)),
        ("2026-11-28T23:59:59Z", "2026-11-29T00:00:01.000Z", Some(2)),
        ("2024-02-28T00:00:00.000Z", "2024-03-01T00:00:00.000Z", Some(172_800)),
        ("2026-11-29T08:00:01.000Z", "2026-11-29T08:00:00.000Z", None),
        ("yesterday", "2026-11-29T08:00:00.000Z", None),
    ];
    for (from, to, expect) in cases {
        assert_eq!(seconds_between(from, to), expect, "{from} → {to}");
    }
}
