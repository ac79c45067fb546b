//! The survey rules: pick mode compiles, picked rows pre-fill, submissions
//! accept the village's own records only, the board sums, the close plans
//! each record's disaster entry once.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use super::*;
use crate::access::Principal;
use crate::ledger::{ChangeMeta, RecordTypes, Source};
use crate::submission::{SubmissionRequest, SubmittedRow};
use crate::tasks::{TaskStatus, TaskSummary};
use crate::{Catalog, compile};

const VILLAGE: &str = "500118100001";

fn survey() -> CompiledTemplate {
    let text = crate::schemas::BUILTIN_TEMPLATES.iter().find(|(f, _)| f.starts_with("typhoon")).expect("shipped").1;
    compile(&serde_json::from_str(text).expect("json"), &Catalog::builtin().expect("catalog")).expect("compiles")
}

fn record(id: &str, entity: &str, org_unit: &str, data: Value) -> LedgerRecord {
    LedgerRecord {
        id: id.into(),
        entity: entity.into(),
        org_unit: org_unit.into(),
        version: 2,
        updated_at: "2026-01-01T00:00:00Z".into(),
        updated_by: "import".into(),
        data,
    }
}

fn house() -> LedgerRecord {
    record("house:a", "house", VILLAGE, json!({"address": "青峰村3组12号", "structure": "砖混", "owner_name": "张三"}))
}

fn request(rows: Value) -> SubmissionRequest {
    serde_json::from_value(json!({
        "submission_id": "s1", "template_id": "typhoon-damage-survey", "template_version": 1,
        "org_unit": VILLAGE, "rows": rows
    }))
    .expect("request")
}

#[test]
fn the_survey_compiles_in_pick_mode_and_starts_empty() {
    let t = survey();
    assert!(t.subject.is_pick());
    assert_eq!(t.subject.kinds.len(), 5);
    let unit =
        crate::ledger::OrgUnit { code: VILLAGE.into(), name: "青峰村".into(), level: crate::ids::OrgLevel::Village, parent_code: None };
    assert!(crate::prefill(&t, &unit, &[house()]).rows.is_empty(), "a pick form has no rows until staff add them");
}

#[test]
fn pick_mode_mistakes_are_reported_with_pointers() {
    let check = |subject: Value, properties: Value| -> Vec<String> {
        let doc = json!({"x-template": {"id": "s", "version": 1}, "x-subject": subject, "type": "object",
                         "required": ["k"], "properties": properties});
        match compile(&doc, &Catalog::builtin().expect("catalog")) {
            Ok(_) => vec![],
            Err(e) => e.into_iter().map(|e| e.pointer).collect(),
        }
    };
    let kind = json!({"k": {"type": "string", "enum": ["屋", "点"]}});
    assert_eq!(
        check(json!({"mode": "pick", "kind_field": "k", "kinds": [{"kind": "屋", "entity": "house"}, {"kind": "点"}]}), kind.clone()),
        Vec::<String>::new()
    );
    assert_eq!(
        check(json!({"mode": "pick", "kind_field": "k", "kinds": [{"kind": "屋", "entity": "castle"}, {"kind": "点"}]}), kind.clone()),
        ["/x-subject/kinds/0/entity"]
    );
    assert_eq!(
        check(json!({"mode": "pick", "kind_field": "k", "kinds": [{"kind": "屋", "entity": "house"}]}), kind.clone()),
        ["/x-subject/kind_field"]
    );
    assert_eq!(check(json!({"mode": "pick", "kinds": [{"kind": "屋"}, {"kind": "点"}]}), kind.clone()), ["/x-subject/kind_field"]);
    // A binding must be of one of the kinds' entities.
    let mut bound = kind.clone();
    bound["n"] = json!({"type": "string", "x-ledger": "person.name"});
    assert_eq!(
        check(json!({"mode": "pick", "kind_field": "k", "kinds": [{"kind": "屋", "entity": "house"}, {"kind": "点"}]}), bound),
        ["/properties/n/x-ledger"]
    );
    assert_eq!(check(json!({"entity": "castle"}), kind), ["/x-subject/entity"]);
}

#[test]
fn a_picked_record_prefills_its_own_entity_fields_and_kind() {
    let row = pick_row(&survey(), &house(), None).expect("houses back a kind");
    assert_eq!(row.subject_id, "house:a");
    assert_eq!(
        Value::Object(row.values.clone()),
        json!({"category": "受损房屋", "house_address": "青峰村3组12号", "house_structure": "砖混"})
    );
    assert_eq!(row.record.expect("version").version, 2);
    let venue = record("venue:x", "venue", VILLAGE, json!({"name": "小卖部"}));
    assert_eq!(pick_row(&survey(), &venue, None), None, "no kind is picked from venues");
}

#[test]
fn search_by_name_address_or_id_tail_only() {
    let types = RecordTypes::builtin().expect("types");
    let people = [
        record("person:1", "person", VILLAGE, json!({"name": "张三", "id_number": "500118199001011234", "address": "青峰村3组"})),
        record("person:2", "person", VILLAGE, json!({"name": "李四", "id_number": "500118198002025678", "address": "青峰村5组"})),
    ];
    let person = types.get("person").expect("person");
    let ids = |q: &str| search(person, &people, q).into_iter().map(|r| r.id.as_str()).collect::<Vec<_>>();
    assert_eq!(ids("张"), ["person:1"]);
    assert_eq!(ids("5组"), ["person:2"]);
    assert_eq!(ids("5678"), ["person:2"], "last digits of the ID number");
    assert!(ids("1990").is_empty(), "digits in the middle of an ID number are not searched");
    assert!(ids("34").is_empty(), "too few digits for an ID tail");
    assert_eq!(ids("").len(), 2);
}

#[test]
fn submissions_accept_picked_records_of_the_village_only() {
    let t = survey();
    let h = house();
    let other = record("house:b", "house", "500118100002", json!({"address": "别村1号", "structure": "砖木"}));
    let person = record("person:1", "person", VILLAGE, json!({"name": "张三", "id_number": "500118199001011234"}));
    let records: HashMap<&str, &LedgerRecord> = [("house:a", &h), ("house:b", &other), ("person:1", &person)].into_iter().collect();
    let req = request(json!([
        {"subject_id": "house:a", "values": {"category": "受损房屋", "damage_level": "严重"}},
        {"subject_id": "house:b", "values": {"category": "受损房屋", "damage_level": "严重"}},
        {"subject_id": "person:1", "values": {"category": "受损房屋", "damage_level": "轻微"}},
        {"subject_id": "house:zz", "values": {"category": "受损房屋", "damage_level": "轻微"}},
        {"subject_id": "new:pt-1", "values": {"category": "易涝点", "damage_level": "一般"}},
        {"subject_id": "new:", "values": {"category": "易涝点", "damage_level": "一般"}}
    ]));
    let got: Vec<(String, String)> = check_picked(&t, &req, &records).into_iter().map(|e| (e.pointer, e.code)).collect();
    let expect = [
        ("/rows/1/subject_id", "unknown_subject"),
        ("/rows/2/values/category", "kind_mismatch"),
        ("/rows/3/subject_id", "unknown_subject"),
        ("/rows/5/subject_id", "invalid_new_subject"),
    ];
    assert_eq!(got, expect.map(|(p, c)| (p.to_owned(), c.to_owned())));
}

#[test]
fn rows_are_validated_per_kind() {
    let t = survey();
    let errors = |values: Value| -> Vec<String> { crate::validate(&t, &values).into_iter().map(|e| e.pointer).collect() };
    assert!(errors(json!({"category": "受损房屋", "damage_level": "严重", "house_address": "3组12号"})).is_empty());
    assert_eq!(errors(json!({"category": "受损房屋", "damage_level": "严重"})), ["/house_address"]);
    let point = json!({"category": "易涝点", "damage_level": "一般", "point_name": "桥下涵洞", "location": {"lat": 29.35, "lng": 105.9}, "photos": ["a".repeat(64)]});
    assert!(errors(point.clone()).is_empty(), "{:?}", errors(point));
    let no_photo =
        json!({"category": "易涝点", "damage_level": "一般", "point_name": "桥下涵洞", "location": {"address": "3组桥下"}, "photos": []});
    assert_eq!(errors(no_photo), ["/photos"]);
    assert!(
        !errors(json!({"category": "易涝点", "damage_level": "一般", "point_name": "桥", "location": {}, "photos": ["b".repeat(64)]}))
            .is_empty()
    );
}

fn task(org_unit: &str, name: &str, status: TaskStatus) -> TaskSummary {
    serde_json::from_value(json!({
        "id": format!("t-{org_unit}"), "dispatch_id": "d1", "template_id": "typhoon-damage-survey", "template_version": 1,
        "title": "台风受灾摸排表", "department": "区应急管理局", "org_unit": org_unit, "org_unit_name": name,
        "due_date": "2026-11-30", "status": status, "dispatched_at": "2026-11-20T00:00:00Z"
    }))
    .expect("task")
}

fn summary() -> SurveySummary {
    serde_json::from_value(json!({
        "dispatch_id": "d1", "template_id": "typhoon-damage-survey", "template_version": 1, "title": "台风受灾摸排表",
        "department": "区应急管理局", "scope": "500118", "scope_name": "永川区", "started_by": "yingji",
        "started_at": "2026-11-20T00:00:00Z", "due_date": "2026-11-20", "fast_track": "应急", "villages": 3
    }))
    .expect("summary")
}

#[test]
fn the_board_sums_per_village_town_and_total() {
    let photo = "c".repeat(64);
    let tasks = [
        task("500118100001", "甲村", TaskStatus::Submitted),
        task("500118100002", "乙村", TaskStatus::NotOpened),
        task("500118101001", "丙村", TaskStatus::Submitted),
    ];
    let row = |v: Value| SubmittedRow { subject_id: "x".into(), values: v.as_object().cloned().expect("object") };
    let submissions: HashMap<String, Vec<SubmittedRow>> = [
        (
            "500118100001".to_owned(),
            vec![
                row(json!({"category": "受灾人员", "affected_people": 1})),
                row(json!({"category": "受损房屋", "affected_people": 4, "loss_amount": 1.1})),
                row(json!({"category": "受灾农田", "farmland_area_mu": 2.5, "loss_amount": 0.2})),
            ],
        ),
        (
            "500118101001".to_owned(),
            vec![
                row(json!({"category": "受损企业", "loss_amount": 30})),
                row(json!({"category": "易涝点", "point_name": "桥下涵洞", "photos": [photo.clone()]})),
            ],
        ),
        // Rows of a village whose task is not submitted do not count.
        ("500118100002".to_owned(), vec![row(json!({"category": "受灾人员", "affected_people": 9}))]),
    ]
    .into_iter()
    .collect();
    let names: BTreeMap<String, String> = [("500118".to_owned(), "永川区".to_owned())].into_iter().collect();
    let b = board(&survey(), summary(), &tasks, &submissions, &names);
    assert_eq!(b.villages.len(), 3);
    assert_eq!(b.towns.len(), 2);
    let f = |line: &BoardLine, key: &str| line.figures[key];
    assert_eq!((b.total.villages, b.total.submitted), (3, 2));
    assert_eq!(f(&b.total, "people"), 5.0);
    assert_eq!(f(&b.total, "houses"), 1.0);
    assert_eq!(f(&b.total, "farmland"), 2.5);
    assert_eq!(f(&b.total, "enterprises"), 1.0);
    assert_eq!(f(&b.total, "loss"), 31.3);
    assert_eq!(f(&b.towns[0], "people"), 5.0);
    assert_eq!((b.towns[0].villages, b.towns[0].submitted), (2, 1));
    assert_eq!(b.total.name, "永川区");
    assert_eq!(b.points.len(), 1);
    assert_eq!((b.points[0].title.as_str(), b.points[0].photos.as_slice()), ("桥下涵洞", std::slice::from_ref(&photo)));
}

#[test]
fn closing_writes_each_record_once_and_queues_new_rows() {
    let t = survey();
    let types = RecordTypes::builtin().expect("types");
    let h = house();
    let records: HashMap<&str, &LedgerRecord> = [("house:a", &h)].into_iter().collect();
    let rows = vec![
        SubmittedRow {
            subject_id: "house:a".into(),
            values: json!({"category": "受损房屋", "house_address": "青峰村3组12号", "damage_level": "严重", "loss_amount": 2})
                .as_object()
                .cloned()
                .expect("o"),
        },
        SubmittedRow {
            subject_id: "new:h1".into(),
            values: json!({"category": "受损房屋", "house_address": "新建房", "damage_level": "一般"}).as_object().cloned().expect("o"),
        },
        SubmittedRow {
            subject_id: "new:p1".into(),
            values: json!({"category": "易涝点", "point_name": "涵洞", "damage_level": "一般"}).as_object().cloned().expect("o"),
        },
    ];
    let submissions = [("s1".to_owned(), VILLAGE.to_owned(), rows)];
    let meta = ChangeMeta { changed_by: "yingji".into(), changed_at: "2026-11-21T08:00:00Z".into(), source: Source::Survey };
    let plan = close_plan(&t, &types, "d1", &submissions, &records, &meta).expect("plans");
    assert_eq!(plan.writes.len(), 1);
    let write = &plan.writes[0];
    assert_eq!(write.history.source, Source::Survey);
    assert_eq!(write.record.version, 3);
    assert_eq!(
        write.record.data[DISASTER_FIELD],
        json!([{"event": "d1", "title": "台风受灾摸排表", "kind": "受损房屋", "date": "2026-11-21", "damage_level": "严重", "loss_amount": 2}])
    );
    assert_eq!(plan.candidates.len(), 1, "a new house is queued for review; a flood point has no record type");
    assert_eq!(plan.candidates[0].entity, "house");
    // Retried after the write landed: nothing more to write.
    let written = write.record.clone();
    let again: HashMap<&str, &LedgerRecord> = [("house:a", &written)].into_iter().collect();
    assert!(close_plan(&t, &types, "d1", &submissions, &again, &meta).expect("plans").writes.is_empty());
}

#[test]
fn a_village_with_no_rows_on_the_board_is_one_that_confirmed_nothing_to_report() {
    let tasks = [task("500118100001", "甲村", TaskStatus::Submitted), task("500118100002", "乙村", TaskStatus::Draft)];
    let submissions: HashMap<String, Vec<SubmittedRow>> = [("500118100001".to_owned(), Vec::new())].into_iter().collect();
    let b = board(&survey(), summary(), &tasks, &submissions, &BTreeMap::new());
    assert_eq!(b.villages[0].nothing_to_report, 1);
    assert_eq!(b.villages[1].nothing_to_report, 0);
    assert_eq!((b.total.nothing_to_report, b.towns[0].nothing_to_report), (1, 1));
    let missing: Vec<&str> = b.not_reported().iter().map(|v| v.name.as_str()).collect();
    assert_eq!(missing, ["乙村"]);
}

#[test]
fn a_submission_needs_a_row_or_the_explicit_nothing_to_report() {
    let codes = |request: &SubmissionRequest| check_rows(request).into_iter().map(|e| (e.pointer, e.code)).collect::<Vec<_>>();
    let mut empty = request(json!([]));
    assert_eq!(codes(&empty), [("/rows".to_owned(), "no_rows".to_owned())]);
    empty.nothing_to_report = true;
    assert!(codes(&empty).is_empty());
    let mut both = request(json!([{"subject_id": "new:a", "values": {"category": "易涝点"}}]));
    assert!(codes(&both).is_empty());
    both.nothing_to_report = true;
    assert_eq!(codes(&both), [("/nothing_to_report".to_owned(), "rows_with_nothing_to_report".to_owned())]);
    // The confirmation travels in the body as `nothing_to_report`, absent when false.
    assert!(serde_json::to_value(request(json!([]))).expect("json").get("nothing_to_report").is_none());
}

#[test]
fn each_kind_shows_its_own_fields_with_a_star_where_it_requires_them() {
    let t = survey();
    let shown = |kind: &str| -> Vec<String> {
        kind_fields(&t, kind).iter().map(|f| format!("{}{}", f.field.key, if f.required { "*" } else { "" })).collect()
    };
    let house = shown("受损房屋");
    assert!(house.contains(&"house_address*".to_owned()), "{house:?}");
    assert!(house.contains(&"affected_people".to_owned()), "{house:?}");
    assert!(house.contains(&"damage_level*".to_owned()), "{house:?}");
    for other in ["point_name", "person_name", "farmland_area_mu", "enterprise_name", "category"] {
        assert!(!house.iter().any(|f| f.trim_end_matches('*') == other), "{other} on a house row: {house:?}");
    }
    let point = shown("易涝点");
    for required in ["point_name*", "location*", "photos*", "damage_level*"] {
        assert!(point.contains(&required.to_owned()), "{required}: {point:?}");
    }
    assert!(!point.iter().any(|f| f.starts_with("affected_people") || f.starts_with("house_")), "{point:?}");
    assert!(shown("受灾人员").contains(&"affected_people*".to_owned()));
    assert!(shown("受灾农田").contains(&"farmland_area_mu*".to_owned()));
    // Photos are on every row (a damaged house has photos too), required on points only.
    assert!(shown("受损企业").contains(&"photos".to_owned()));
}

#[test]
fn x_ui_kinds_must_name_kinds_of_a_pick_form() {
    let doc = |kinds: Value| {
        json!({"x-template": {"id": "s", "version": 1}, "type": "object", "required": ["k"],
            "x-subject": {"mode": "pick", "kind_field": "k", "kinds": [{"kind": "甲"}, {"kind": "乙"}]},
            "properties": {"k": {"type": "string", "enum": ["甲", "乙"]}, "a": {"type": "string", "x-ui": {"kinds": kinds}}}})
    };
    let catalog = Catalog::builtin().expect("catalog");
    let ok = compile(&doc(json!(["甲"])), &catalog);
    assert!(ok.is_ok(), "{:?}", ok.err());
    for bad in [json!(["丙"]), json!([]), json!("甲")] {
        let errors = compile(&doc(bad.clone()), &catalog).expect_err("refused");
        assert!(errors.iter().any(|e| e.pointer.starts_with("/properties/a/x-ui")), "{bad}: {errors:?}");
    }
}

#[test]
fn typed_numbers_keep_what_was_typed_and_parse_whole_text_only() {
    let check = |text: &str, integer: bool, expect: Option<Value>| assert_eq!(typed_number(text, integer), expect, "{text:?}");
    check("12.5", false, Some(json!(12.5)));
    check("0.5", false, Some(json!(0.5)));
    check("20", false, Some(json!(20)));
    check("100", true, Some(json!(100)));
    check(" 3 ", true, Some(json!(3)));
    check("１２．５", false, Some(json!(12.5)));
    check("1.", false, Some(json!(1.0)));
    check("2.5", true, Some(json!("2.5")));
    check("abc", false, Some(json!("abc")));
    check("NaN", false, Some(json!("NaN")));
    check("  ", false, None);
}

#[test]
fn errors_are_placed_at_their_row_and_field() {
    assert_eq!(error_place("/rows/1/values/photos"), Some((1, Some("photos"))));
    assert_eq!(error_place("/rows/0/values/location/address"), Some((0, Some("location"))));
    assert_eq!(error_place("/rows/3/subject_id"), Some((3, None)));
    assert_eq!(error_place("/rows"), None);
    assert_eq!(error_place("/nothing_to_report"), None);
}

#[test]
fn a_photo_is_readable_through_any_submission_naming_it() {
    use crate::access::Role;
    let who = |role: Role, org_unit: &str, department: Option<&str>| Principal {
        user_id: "u".into(),
        username: "u".into(),
        display_name: "u".into(),
        role,
        org_unit: org_unit.into(),
        department: department.map(str::to_owned),
        grants: Vec::new(),
    };
    let grounds = vec![("500118100001".to_owned(), "区应急管理局".to_owned()), ("500118101001".to_owned(), "区应急管理局".to_owned())];
    assert!(may_read_photo(&who(Role::VillageStaff, "500118100001", None), &grounds));
    assert!(may_read_photo(&who(Role::VillageStaff, "500118101001", None), &grounds), "the second village");
    assert!(may_read_photo(&who(Role::TownCoordinator, "500118101", None), &grounds), "the second village's town");
    assert!(may_read_photo(&who(Role::DepartmentAnalyst, "500118", Some("区应急管理局")), &grounds));
    assert!(!may_read_photo(&who(Role::DepartmentAnalyst, "500118", Some("区民政局")), &grounds));
    assert!(!may_read_photo(&who(Role::VillageStaff, "500118102001", None), &grounds));
    assert!(!may_read_photo(&who(Role::VillageStaff, "500118100001", None), &[]));
}
