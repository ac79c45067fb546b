//! Deciding queued new records over in-memory ports: who decides, what an
//! accept writes, a retry, a second decision, a lost race, a key held by
//! a unit the coordinator may not see.

use serde_json::{Value, json};

use super::*;
use crate::access::Role;
use crate::service::ready;
use crate::service::surveys::memory::Memory;
use crate::service::surveys::tests::{Shipped, analyst, memory};
use crate::test_support::principal;

const VILLAGE: &str = "500118100001";

fn queued(subject: &str, entity: &str, values: Value) -> QueuedRecord {
    QueuedRecord {
        submission_id: "s1".into(),
        subject_id: format!("new:{subject}"),
        dispatch_id: "flood-1".into(),
        template_id: "typhoon-damage-survey".into(),
        template_version: 1,
        title: "台风受灾摸排表".into(),
        org_unit: VILLAGE.into(),
        org_unit_name: "青峰村".into(),
        entity: entity.into(),
        row_values: values.to_string(),
        status: "pending".into(),
        queued_at: "2026-07-03T10:00:00.000Z".into(),
        record_id: None,
        decided_by: None,
        decided_at: None,
        reason: None,
    }
}

fn store() -> Memory {
    let store = memory();
    store.queue.borrow_mut().extend([
        queued(
            "h1",
            "house",
            json!({"category": "受损房屋", "house_address": "3组新建房", "house_structure": "砖混", "damage_level": "损毁"}),
        ),
        queued("p1", "person", json!({"category": "受灾人员", "person_name": "外来务工人员", "damage_level": "轻微"})),
    ]);
    store
}

fn coordinator() -> Principal {
    Principal { username: "zhen".into(), ..principal(Role::TownCoordinator, "500118100") }
}

fn decide(who: &Principal, id: &str, body: Value, store: &Memory) -> String {
    let shipped = Shipped::new();
    let request: IntakeDecisionRequest = serde_json::from_value(body).expect("request");
    let now = Now::new("2026-07-04T09:00:00.000Z");
    match ready(decide_intake(who, id, &request, &now, shipped.schemas(), store)) {
        Ok(entry) => format!("ok {} {}", entry.status.as_str(), entry.record_id.unwrap_or_default()),
        Err(ServiceError::Validation(errors) | ServiceError::Invalid { fields: errors, .. }) => {
            format!("invalid {}", errors.iter().map(|e| format!("{} {}", e.pointer, e.code)).collect::<Vec<_>>().join(", "))
        }
        Err(ServiceError::Forbidden(reason)) => format!("forbidden {reason:?}"),
        Err(ServiceError::NotFound { what, .. }) => format!("not found {what}"),
        Err(
            ServiceError::Conflict { code, message } | ServiceError::Limited { code, message } | ServiceError::Refused { code, message },
        ) => {
            format!("{code}: {}", message.en)
        }
        Err(other) => format!("{other}"),
    }
}

#[test]
fn a_coordinator_accepts_once_and_a_retry_answers_as_stored() {
    let store = store();
    let accept = json!({"decision": "accept"});
    assert_eq!(decide(&principal(Role::VillageStaff, VILLAGE), "s1.h1", accept.clone(), &store), "forbidden NotForRole");
    assert_eq!(decide(&principal(Role::TownCoordinator, "500118101"), "s1.h1", accept.clone(), &store), "forbidden OutOfScope");
    assert_eq!(decide(&coordinator(), "s1.nope", accept.clone(), &store), "not found queued record");
    assert_eq!(decide(&coordinator(), "bad id", accept.clone(), &store), "not found queued record");
    assert_eq!(decide(&coordinator(), "s1.h1", accept.clone(), &store), "ok accepted house:s1.h1");
    let record = store.records.borrow()["house:s1.h1"].clone();
    assert_eq!((record.data["address"].as_str(), record.updated_by.as_str()), (Some("3组新建房"), "zhen"));
    assert_eq!(decide(&coordinator(), "s1.h1", accept, &store), "ok accepted house:s1.h1", "a retry");
    assert_eq!(store.records.borrow().len(), 1);
    assert_eq!(
        decide(&coordinator(), "s1.h1", json!({"decision": "reject", "reason": "重复"}), &store),
        "already_decided: already decided by zhen (accepted)"
    );
}

#[test]
fn a_rejection_needs_a_reason_and_is_final() {
    let store = store();
    assert!(decide(&coordinator(), "s1.h1", json!({"decision": "reject", "reason": "  "}), &store).starts_with("invalid /reason"));
    assert_eq!(decide(&coordinator(), "s1.h1", json!({"decision": "reject", "reason": " 重复上报 "}), &store), "ok rejected ");
    assert_eq!(store.queue.borrow()[0].reason.as_deref(), Some("重复上报"));
    assert_eq!(
        decide(&coordinator(), "s1.h1", json!({"decision": "accept"}), &store),
        "already_decided: already decided by zhen (rejected)"
    );
    assert!(store.records.borrow().is_empty());
}

#[test]
fn an_accept_losing_a_race_answers_the_decision_that_stands() {
    let store = store();
    *store.decided_meanwhile.borrow_mut() = Some(("rejected", "other"));
    assert_eq!(
        decide(&coordinator(), "s1.h1", json!({"decision": "accept"}), &store),
        "already_decided: already decided by other (rejected)"
    );
    assert!(store.records.borrow().is_empty());
    let store = self::store();
    *store.decided_meanwhile.borrow_mut() = Some(("accepted", "other"));
    assert_eq!(decide(&coordinator(), "s1.h1", json!({"decision": "accept"}), &store), "ok accepted ");
}

#[test]
fn a_missing_field_is_completed_in_data_and_a_key_of_another_unit_is_refused_naming_no_one() {
    let store = store();
    assert_eq!(decide(&coordinator(), "s1.p1", json!({"decision": "accept"}), &store), "invalid /data/id_number required");
    let elsewhere = crate::LedgerRecord {
        id: "person:x".into(),
        entity: "person".into(),
        org_unit: "500118101001".into(),
        version: 1,
        updated_at: "2026-01-01T00:00:00Z".into(),
        updated_by: "import".into(),
        data: json!({"name": "某人", "id_number": "11010519491231002X"}),
    };
    store.records.borrow_mut().insert(elsewhere.id.clone(), elsewhere);
    let data = json!({"decision": "accept", "data": {"id_number": "11010519491231002X"}});
    let answer = decide(&coordinator(), "s1.p1", data.clone(), &store);
    assert!(answer.starts_with("invalid /data/id_number key_in_other_unit"), "{answer}");
    assert_eq!(store.refused_lookups.get(), 1);
    assert_eq!(
        store.audit.borrow().as_slice(),
        [("key_refused".to_owned(), vec!["person.id_number".to_owned()], vec!["person:x".to_owned()])]
    );
    store.refused_lookups.set(lookup::REFUSED_KEYS_PER_DAY);
    assert!(decide(&coordinator(), "s1.p1", data, &store).starts_with("lookup_limit"), "over the day's limit, refused before looking");
}

#[test]
fn the_queue_is_listed_for_its_town_masked_with_what_accepting_would_refuse() {
    let store = store();
    let shipped = Shipped::new();
    let list = |who: &Principal, org_unit: Option<&str>, status: Option<&str>| {
        ready(list_intake(who, org_unit, status, shipped.schemas(), &store))
            .map(|entries| entries.into_iter().map(|e| format!("{} {}", e.id, e.problems.len())).collect::<Vec<_>>())
    };
    assert_eq!(list(&coordinator(), None, None).expect("lists"), ["s1.h1 0", "s1.p1 1"]);
    assert_eq!(list(&coordinator(), None, Some("rejected")).expect("lists"), Vec::<String>::new());
    assert!(matches!(list(&coordinator(), None, Some("maybe")), Err(ServiceError::BadRequest { code: "bad_status", .. })));
    assert!(matches!(list(&analyst("区应急管理局"), None, None), Err(ServiceError::Forbidden(_))));
    assert!(matches!(list(&coordinator(), Some("500118101"), None), Err(ServiceError::Forbidden(_))));
}
