//! The survey use cases over in-memory ports: who may start what, a
//! retried start, the ad-hoc policy, the close's batches, retries and
//! races, what each reader sees, photos.

use serde_json::{Value, json};

use super::memory::Memory;
use super::*;
use crate::access::{Principal, Role};
use crate::api::SubmittedRow;
use crate::ledger::{OrgUnit, RecordTypes};
use crate::service::{Now, ready};
use crate::survey::StartSurveyRequest;
use crate::tasks::TaskStatus;
use crate::test_support::principal;
use crate::{Catalog, CompiledTemplate, compile};

const DEPT: &str = "区应急管理局";
const VILLAGE: &str = "500118100001";

pub(crate) struct Shipped {
    catalog: Catalog,
    types: RecordTypes,
}

impl Shipped {
    pub(crate) fn new() -> Shipped {
        Shipped { catalog: Catalog::builtin().expect("catalog"), types: RecordTypes::builtin().expect("types") }
    }
    pub(crate) fn schemas(&self) -> Schemas<'_> {
        Schemas { catalog: &self.catalog, record_types: &self.types }
    }
}

fn document(file: &str) -> Value {
    let text = crate::schemas::BUILTIN_TEMPLATES.iter().find(|(f, _)| f.starts_with(file)).expect("shipped").1;
    serde_json::from_str(text).expect("json")
}

fn compiled(file: &str) -> CompiledTemplate {
    compile(&document(file), &Catalog::builtin().expect("catalog")).expect("compiles")
}

fn unit(code: &str, name: &str) -> OrgUnit {
    OrgUnit { code: code.into(), name: name.into(), level: OrgLevel::of_code(code).expect("code"), parent_code: None }
}

pub(crate) fn memory() -> Memory {
    let units = vec![
        unit("500118", "永川区"),
        unit("500118100", "青峰镇"),
        unit("500118101", "白鹤镇"),
        unit(VILLAGE, "青峰村"),
        unit("500118100002", "石桥村"),
        unit("500118101001", "白鹤村"),
    ];
    Memory::new(units, vec![compiled("typhoon"), compiled("dibao")])
}

pub(crate) fn analyst(department: &str) -> Principal {
    Principal { department: Some(department.into()), ..principal(Role::DepartmentAnalyst, "500118") }
}

fn now() -> Now {
    Now::new("2026-07-01T08:00:00.000Z")
}

fn request(body: Value) -> StartSurveyRequest {
    let mut base = json!({"dispatch_id": "flood-1", "template_id": "typhoon-damage-survey", "scope": "500118"});
    for (k, v) in body.as_object().expect("object") {
        base[k] = v.clone();
    }
    serde_json::from_value(base).expect("request")
}

/// What a use case answered, in one line: `ok …`, or the error's kind and
/// its codes/pointers.
fn outcome<T>(result: Result<T, ServiceError>, ok: impl Fn(T) -> String) -> String {
    match result {
        Ok(value) => format!("ok {}", ok(value)),
        Err(ServiceError::Validation(errors)) => {
            format!("invalid {}", errors.iter().map(|e| format!("{} {}", e.pointer, e.code)).collect::<Vec<_>>().join(", "))
        }
        Err(ServiceError::Forbidden(reason)) => format!("forbidden {reason:?}"),
        Err(ServiceError::NotFound { what, .. }) => format!("not found {what}"),
        Err(ServiceError::Conflict { code, .. } | ServiceError::BadRequest { code, .. }) => code.to_owned(),
        Err(ServiceError::Stale { message, .. }) => format!("stale: {}", message.en),
        Err(other) => format!("{other}"),
    }
}

fn start(who: &Principal, body: Value, store: &Memory) -> String {
    let shipped = Shipped::new();
    let started = ready(start_survey(who, &request(body), &now(), shipped.schemas(), store));
    outcome(started, |s| format!("{} {} villages", if s.created { "created" } else { "as stored" }, s.survey.villages))
}

#[test]
fn a_start_is_checked_in_order_ids_template_right_mode_scope() {
    let coordinator = principal(Role::TownCoordinator, "500118100");
    let cases: &[(&Principal, Value, &str)] = &[
        (&analyst(DEPT), json!({}), "ok created 3 villages"),
        (&coordinator, json!({"scope": "500118100"}), "ok created 2 villages"),
        (
            &analyst(DEPT),
            json!({"dispatch_id": "", "scope": VILLAGE, "due_date": "7月1日"}),
            "invalid /dispatch_id invalid_dispatch_id, /scope invalid_scope, /due_date invalid_due_date",
        ),
        (&analyst(DEPT), json!({"dispatch_id": "a".repeat(65)}), "invalid /dispatch_id invalid_dispatch_id"),
        (&analyst(DEPT), json!({"dispatch_id": "flood 1"}), "invalid /dispatch_id invalid_dispatch_id"),
        (&analyst(DEPT), json!({"template_id": "nope"}), "not found template"),
        (&analyst("区民政局"), json!({}), "forbidden OtherDepartment"),
        (&coordinator, json!({}), "forbidden OutOfScope"),
        (&coordinator, json!({"scope": "500118101"}), "forbidden OutOfScope"),
        (&principal(Role::VillageStaff, VILLAGE), json!({"scope": "500118100"}), "forbidden NotForRole"),
        (&coordinator, json!({"scope": "500118100", "template_id": "dibao-monthly-visit"}), "invalid /template_id not_a_survey"),
        (&analyst(DEPT), json!({"scope": "500118109"}), "not found org unit"),
    ];
    for (who, body, expect) in cases {
        assert_eq!(start(who, body.clone(), &memory()), *expect, "{body}");
    }
}

#[test]
fn a_retried_start_answers_the_survey_as_stored_and_an_id_reused_elsewhere_is_refused() {
    let store = memory();
    assert_eq!(start(&analyst(DEPT), json!({"reason": "暴雨"}), &store), "ok created 3 villages");
    assert_eq!(start(&analyst(DEPT), json!({"reason": "暴雨"}), &store), "ok as stored 3 villages");
    assert_eq!(store.tasks.borrow().len(), 3, "no task twice");
    let survey = store.surveys.borrow()["flood-1"].clone();
    assert_eq!(survey.fast_track, "应急快速通道：未经镇街协同中心审核，由 u 发起。暴雨");
    assert_eq!(survey.due_date, "2026-07-01", "the day it starts");
    assert_eq!(start(&analyst(DEPT), json!({"scope": "500118100"}), &store), "dispatch_id_reused");
}

#[test]
fn an_adhoc_template_is_published_with_its_survey_once_and_checked_like_any_template() {
    let adhoc = |id: &str, file: &str| {
        let mut doc = document(file);
        doc["x-template"]["id"] = json!(id);
        json!({"template_id": id, "scope": "500118100", "document": doc})
    };
    let coordinator = principal(Role::TownCoordinator, "500118100");
    let store = memory();
    assert_eq!(start(&coordinator, adhoc("adhoc-flood", "typhoon"), &store), "ok created 2 villages");
    let published = store.published.borrow()["adhoc-flood"].clone();
    assert!(published.contains("\"department\":\"青峰镇\""), "a town centre's town is the department: {published}");
    assert_eq!(start(&coordinator, adhoc("adhoc-flood", "typhoon"), &store), "ok as stored 2 villages", "a retry");
    let mut other = adhoc("adhoc-flood", "typhoon");
    other["dispatch_id"] = json!("flood-2");
    other["document"]["title"] = json!("另一张表");
    assert_eq!(start(&coordinator, other, &store), "template_id_taken");
    let cases = [
        (adhoc("flood", "typhoon"), "invalid /template_id invalid_adhoc_id"),
        (json!({"template_id": "adhoc-x", "scope": "500118100", "document": document("typhoon")}), "invalid /template_id invalid_adhoc_id"),
        (adhoc("adhoc-dibao", "dibao"), "invalid /document/x-subject/mode not_a_survey"),
    ];
    for (body, expect) in cases {
        assert_eq!(start(&coordinator, body.clone(), &memory()), expect, "{body}");
    }
    let mut broken = adhoc("adhoc-broken", "typhoon");
    broken["document"]["x-subject"]["kind_field"] = json!("nope");
    let answer = start(&coordinator, broken, &memory());
    assert!(answer.starts_with("invalid /document/x-subject"), "{answer}");
}

#[test]
fn a_preview_answers_what_a_start_would_do_and_stores_nothing() {
    let store = memory();
    let shipped = Shipped::new();
    let preview = ready(preview_survey(&analyst(DEPT), &request(json!({})), &now(), shipped.schemas(), &store)).expect("previews");
    assert_eq!((preview.scope_name.as_str(), preview.villages, preview.due_date.as_str()), ("永川区", 3, "2026-07-01"));
    assert!(store.surveys.borrow().is_empty());
    let refused =
        ready(preview_survey(&principal(Role::TownCoordinator, "500118100"), &request(json!({})), &now(), shipped.schemas(), &store));
    assert_eq!(outcome(refused, |_| String::new()), "forbidden OutOfScope");
}

fn house(id: &str, address: &str) -> crate::LedgerRecord {
    crate::LedgerRecord {
        id: id.into(),
        entity: "house".into(),
        org_unit: VILLAGE.into(),
        version: 2,
        updated_at: "2026-01-01T00:00:00Z".into(),
        updated_by: "import".into(),
        data: json!({"address": address, "structure": "砖混", "owner_name": "张三"}),
    }
}

fn row(subject_id: &str, values: Value) -> SubmittedRow {
    SubmittedRow { subject_id: subject_id.into(), values: values.as_object().cloned().expect("object") }
}

/// A started district survey: three picked houses and one new house
/// submitted by the village.
fn submitted() -> Memory {
    let store = memory();
    assert_eq!(start(&analyst(DEPT), json!({}), &store), "ok created 3 villages");
    let mut rows = Vec::new();
    for i in 1..=3 {
        store.records.borrow_mut().insert(format!("house:{i}"), house(&format!("house:{i}"), &format!("{i}组")));
        rows.push(row(&format!("house:{i}"), json!({"category": "受损房屋", "house_address": format!("{i}组"), "damage_level": "一般"})));
    }
    rows.push(row("new:h1", json!({"category": "受损房屋", "house_address": "新建房", "damage_level": "一般"})));
    store.submissions.borrow_mut().push(SurveySubmission { submission_id: "s1".into(), org_unit: VILLAGE.into(), rows });
    submit_task(&store, VILLAGE);
    store
}

fn submit_task(store: &Memory, village: &str) {
    store.tasks.borrow_mut().iter_mut().filter(|t| t.org_unit == village).for_each(|t| t.status = TaskStatus::Submitted);
}

fn close(who: &Principal, store: &Memory) -> String {
    let shipped = Shipped::new();
    let at = Now::new("2026-07-03T10:00:00.000Z");
    outcome(ready(close_survey(who, "flood-1", &at, shipped.schemas(), store)), |a| {
        format!("closed {} updated {} queued {}", a.closed_at, a.records_updated, a.queued_for_review)
    })
}

#[test]
fn closing_writes_in_batches_queues_new_records_and_a_retry_writes_nothing() {
    let store = submitted();
    assert_eq!(close(&principal(Role::VillageStaff, VILLAGE), &store), "forbidden NotForRole");
    assert_eq!(close(&analyst(DEPT), &store), "ok closed 2026-07-03T10:00:00.000Z updated 3 queued 1");
    assert_eq!(store.batches.get(), 2, "three writes in batches of two");
    assert!(store.records.borrow().values().all(|r| r.version == 3 && r.data["disaster_records"][0]["event"] == "flood-1"));
    assert_eq!(close(&analyst(DEPT), &store), "ok closed 2026-07-03T10:00:00.000Z updated 0 queued 0");
    assert_eq!(store.batches.get(), 2, "a closed survey writes nothing");
}

#[test]
fn a_close_failing_in_its_second_batch_keeps_the_first_and_the_retry_writes_only_what_is_missing() {
    let store = submitted();
    store.fail_batch.set(Some(2));
    assert_eq!(close(&analyst(DEPT), &store), "stale: a ledger record changed during batch 2; what was written stays: close again");
    assert_eq!(store.records.borrow().values().filter(|r| r.version == 3).count(), 2);
    assert!(store.surveys.borrow()["flood-1"].closed_at.is_none());
    assert_eq!(close(&analyst(DEPT), &store), "ok closed 2026-07-03T10:00:00.000Z updated 1 queued 1");
}

#[test]
fn a_village_submitting_during_the_close_leaves_the_survey_open_until_closed_again() {
    let store = submitted();
    submit_task(&store, "500118100002");
    assert_eq!(close(&analyst(DEPT), &store), "close_raced");
    assert_eq!(store.queue.borrow().len(), 1, "what was written stays");
    store.submissions.borrow_mut().push(SurveySubmission { submission_id: "s2".into(), org_unit: "500118100002".into(), rows: vec![] });
    assert_eq!(close(&analyst(DEPT), &store), "ok closed 2026-07-03T10:00:00.000Z updated 0 queued 0");
}

#[test]
fn each_reader_sees_the_surveys_and_the_part_of_the_board_of_its_area() {
    let store = memory();
    let coordinator = |town: &str| principal(Role::TownCoordinator, town);
    assert!(start(&analyst(DEPT), json!({}), &store).starts_with("ok"));
    assert!(start(&coordinator("500118101"), json!({"dispatch_id": "bh", "scope": "500118101"}), &store).starts_with("ok"));
    let listed = |who: &Principal, org_unit: Option<&str>| -> Vec<String> {
        ready(list_surveys(who, org_unit, &store)).expect("lists").into_iter().map(|s| s.dispatch_id).collect()
    };
    assert_eq!(listed(&principal(Role::VillageStaff, VILLAGE), None), ["flood-1"]);
    assert_eq!(listed(&principal(Role::VillageStaff, "500118101001"), None).len(), 2);
    assert_eq!(listed(&coordinator("500118100"), None), ["flood-1"]);
    assert_eq!(listed(&analyst(DEPT), None).len(), 2);
    assert!(listed(&analyst("区民政局"), None).is_empty());

    let shipped = Shipped::new();
    let board = |who: &Principal, id: &str| ready(survey_board(who, id, shipped.schemas(), &store));
    let villages = |b: crate::survey::SurveyBoard| b.villages.into_iter().map(|v| v.org_unit).collect::<Vec<_>>().join(" ");
    assert_eq!(outcome(board(&coordinator("500118100"), "flood-1"), villages), "ok 500118100001 500118100002");
    assert_eq!(outcome(board(&analyst(DEPT), "flood-1"), villages), "ok 500118100001 500118100002 500118101001");
    assert_eq!(outcome(board(&analyst("区民政局"), "flood-1"), villages), "forbidden OtherDepartment");
    assert_eq!(outcome(board(&coordinator("500118100"), "bh"), villages), "forbidden OutOfScope");
    assert_eq!(outcome(board(&analyst(DEPT), "nope"), villages), "not found survey");
}

#[test]
fn a_pick_searches_the_villages_ledger_and_labels_each_row() {
    let store = memory();
    assert!(start(&analyst(DEPT), json!({}), &store).starts_with("ok"));
    store.records.borrow_mut().insert("house:a".into(), house("house:a", "青峰村3组12号"));
    let shipped = Shipped::new();
    let pick_as = |who: &Principal, org_unit: &str, entity: &str, q: &str| {
        let query = PickQuery { org_unit: org_unit.into(), entity: entity.into(), q: q.into() };
        outcome(ready(pick(who, "flood-1", query, &now(), shipped.schemas(), &store)), |a| format!("{} {}", a.kind, a.labels.join(", ")))
    };
    let village = principal(Role::VillageStaff, VILLAGE);
    assert_eq!(pick_as(&village, VILLAGE, "house", "3组"), "ok 受损房屋 青峰村3组12号 · 张三");
    assert_eq!(pick_as(&village, VILLAGE, "house", "白鹤"), "ok 受损房屋 ");
    assert_eq!(pick_as(&village, VILLAGE, "vehicle", ""), "not_pickable");
    assert_eq!(pick_as(&village, "500118101001", "house", ""), "forbidden OutOfScope");
}

fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&64u32.to_be_bytes());
    b.extend_from_slice(&48u32.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

#[test]
fn a_photo_is_stored_once_and_readable_by_every_village_that_sent_it() {
    let store = memory();
    let upload = |who: &Principal, org_unit: &str, bytes: &[u8]| {
        outcome(ready(upload_photo(who, org_unit, bytes, &now(), &store)), |r| format!("{} {}", r.created, r.bytes))
    };
    let cun = principal(Role::VillageStaff, VILLAGE);
    let baihe = principal(Role::VillageStaff, "500118101001");
    assert_eq!(upload(&cun, VILLAGE, &png()), "ok true 33");
    assert_eq!(upload(&cun, VILLAGE, &png()), "ok false 33", "a retry stores nothing new");
    assert_eq!(upload(&cun, "500118101001", &png()), "forbidden OutOfScope");
    assert_eq!(upload(&cun, VILLAGE, b"not an image"), "not_an_image");
    let hash = store.photos.borrow().keys().next().cloned().expect("stored");
    let read =
        |who: &Principal, hash: &str| outcome(ready(get_photo(who, hash, &store)), |f| format!("{} {}", f.content_type, f.bytes.len()));
    assert_eq!(read(&cun, &hash), "ok image/png 33");
    assert_eq!(read(&baihe, &hash), "forbidden OutOfScope");
    assert_eq!(upload(&baihe, "500118101001", &png()), "ok false 33");
    assert_eq!(read(&baihe, &hash), "ok image/png 33", "the second village that sent it");
    assert_eq!(read(&principal(Role::TownCoordinator, "500118101"), &hash), "ok image/png 33");
    assert_eq!(read(&cun, &"0".repeat(64)), "not found photo");
    assert_eq!(read(&cun, "../etc"), "not found photo");
}
