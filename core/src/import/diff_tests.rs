//! An older file meets newer corrections: the preview's diff, fields held
//! back unless ticked, the file's own date, and the plan id. Also the one
//! rule check shared by every write path, proved over all four.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};

use super::*;
use crate::ledger::store_ready as ready;
use crate::ledger::{ChangeMeta, InMemoryLedger, LedgerRecord, LedgerStore, RecordTypes, Source, update};

const VILLAGE: &str = "500118100001";
static NO_NAMES: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
const ZHANG: &str = "11010519491231002X";
const LI: &str = "500118199001011237";

fn types() -> RecordTypes {
    RecordTypes::builtin().expect("types")
}

fn meta(at: &str, source: Source) -> ChangeMeta {
    ChangeMeta { changed_by: "cun".into(), changed_at: at.into(), source }
}

/// 张三 and 李四 imported in March; 张三's phone corrected on a visit on
/// 2026-11-20 (Beijing).
fn ledger() -> InMemoryLedger {
    let store = InMemoryLedger::new();
    let types = types();
    let first = "姓名,身份证号,联系电话\n张三,11010519491231002X,13812345678\n李四,500118199001011237,13700000000\n";
    let m = meta("2026-03-01T08:00:00Z", Source::Import);
    let plan = plan_import(&types, first.as_bytes(), &request(&m), &[], &mut |_, _| {}).expect("valid");
    ready(store.apply(&plan.upserts.writes)).expect("stored");
    correct(&store, ZHANG, json!({"phone": "13911112222"}), "2026-11-20T02:00:00Z");
    store
}

fn correct(store: &InMemoryLedger, id_number: &str, patch: Value, at: &str) {
    let types = types();
    let record = find(store, id_number);
    let m = meta(at, Source::Visit);
    ready(update(store, types.get("person").expect("person"), &record.id, record.version, patch.as_object().expect("object"), &m))
        .expect("corrected");
}

fn find(store: &InMemoryLedger, id_number: &str) -> LedgerRecord {
    store.records().into_iter().find(|r| r.data["id_number"] == id_number).expect("stored")
}

fn request(meta: &ChangeMeta) -> ImportRequest<'_> {
    ImportRequest {
        entity: "person",
        target: UpsertTarget { unit: VILLAGE, meta, disclosed: &NO_NAMES },
        limits: Limits::default(),
        mapping: None,
        sheets: None,
    }
}

/// The older roster: 张三's phone as it was before the correction, 李四
/// renamed, 王五 new, dated by its footer.
const OLDER: &str = "姓名,身份证号,联系电话\n\
                     张三,11010519491231002X,13812345678\n\
                     李肆,500118199001011237,13700000000\n\
                     王五,500118199001011253,\n\
                     制表日期：2026年11月1日,,\n";

/// Plans `file` against `store` as the worker does: the matched records'
/// history, the date given (else the file's), the fields ticked. Returns
/// the plan and its id.
fn preview(store: &InMemoryLedger, file: &str, since: Option<&str>, ticked: &[(&str, &str)]) -> (ImportPlan, String) {
    let types = types();
    let m = meta("2026-11-29T08:00:00Z", Source::Import);
    let request = request(&m);
    let parsed = parse_import(&types, file.as_bytes(), &request).expect("reads");
    let existing = ready(store.list(VILLAGE, "person")).expect("infallible");
    let ids = parsed.matched_ids(&existing);
    let history: Vec<_> = store.all_history().into_iter().filter(|h| ids.contains(&h.record_id)).collect();
    let file_date = parsed.reading().file_date.clone().map(|d| d.date);
    let overwrite: BTreeSet<(String, String)> = ticked.iter().map(|(n, f)| (find(store, n).id, (*f).to_owned())).collect();
    let freshness = Freshness { since: since.or(file_date.as_deref()), history: &history, overwrite: Some(&overwrite) };
    let plan = parsed.plan_fresh(&existing, request.target, &freshness, &mut |_, _| {}).expect("valid");
    let id = plan.id(file.as_bytes(), &request, &freshness);
    (plan, id)
}

#[test]
fn the_file_dates_itself_by_its_footer() {
    let store = ledger();
    let (plan, _) = preview(&store, OLDER, None, &[]);
    assert_eq!(plan.reading.file_date, Some(FileDate { sheet: None, row: 5, date: "2026-11-01".into() }));
    for (text, expect) in [
        ("制表日期：2026年11月1日", Some("2026-11-01")),
        ("填报时间 2026-3-5", Some("2026-03-05")),
        ("截至2026.03.05止", Some("2026-03-05")),
        ("日期：2026/12/31", Some("2026-12-31")),
        ("电话 13812345678", None),
        ("2026年13月1日", None),
        ("12026-01-01", None),
    ] {
        assert_eq!(date_in(text).as_deref(), expect, "{text}");
    }
}

#[test]
fn an_older_file_does_not_overwrite_a_newer_correction_unless_ticked() {
    let store = ledger();
    let zhang = find(&store, ZHANG);
    let li = find(&store, LI);
    let (plan, _) = preview(&store, OLDER, None, &[]);
    let summary = plan.summary();
    assert_eq!((summary.new, summary.changed, summary.unchanged, summary.held), (1, 1, 1, 1));
    assert_eq!(summary.added.iter().map(|a| (a.row, a.label.as_str())).collect::<Vec<_>>(), [(4, "王五")]);
    // Each changed record, each field: stored → file, and whether it is written.
    let diff: Vec<(&str, &str, Value, Value, bool, Option<Source>)> = summary
        .diff
        .iter()
        .flat_map(|d| {
            d.fields.iter().map(|f| {
                (d.label.as_str(), f.title.as_str(), f.stored.clone(), f.file.clone(), f.applied, f.newer.as_ref().map(|n| n.source))
            })
        })
        .collect();
    assert_eq!(
        diff,
        [
            ("张三", "联系电话", json!("13911112222"), json!("13812345678"), false, Some(Source::Visit)),
            ("李四", "姓名", json!("李四"), json!("李肆"), true, None),
        ]
    );
    assert_eq!(summary.diff[0].record_id, zhang.id);
    let written: Vec<&str> = plan.upserts.writes.iter().map(|w| w.record.id.as_str()).collect();
    assert!(written.contains(&li.id.as_str()) && !written.contains(&zhang.id.as_str()), "{written:?}");

    // Ticked: the file's value is written after all.
    let (ticked, _) = preview(&store, OLDER, None, &[(ZHANG, "phone")]);
    let write = ticked.upserts.writes.iter().find(|w| w.record.id == zhang.id).expect("张三 is written");
    assert_eq!(write.record.data["phone"], "13812345678");
    assert_eq!((ticked.upserts.changed, ticked.upserts.held), (2, 0));
    assert!(ticked.upserts.diff[0].fields[0].applied && ticked.upserts.diff[0].fields[0].newer.is_some());
}

#[test]
fn changes_on_the_files_day_count_as_newer_and_earlier_ones_do_not() {
    let store = ledger();
    // The correction was on 2026-11-20 (Beijing).
    for (since, held) in [("2026-11-19", 1), ("2026-11-20", 1), ("2026-11-21", 0)] {
        let (plan, _) = preview(&store, OLDER, Some(since), &[]);
        assert_eq!(plan.upserts.held, held, "since {since}");
    }
    // 2026-11-20T17:00Z is already 2026-11-21 in Beijing.
    correct(&store, LI, json!({"phone": "13700000001"}), "2026-11-20T17:00:00Z");
    let (plan, _) = preview(&store, OLDER, Some("2026-11-21"), &[]);
    let li = plan.upserts.diff.iter().find(|d| d.label == "李四").expect("李四 differs");
    assert!(li.fields.iter().any(|f| f.field == "phone" && !f.applied), "{li:?}");
}

#[test]
fn without_a_date_nothing_is_held_back() {
    let store = ledger();
    let undated = OLDER.lines().take(4).collect::<Vec<_>>().join("\n");
    let (plan, _) = preview(&store, &undated, None, &[]);
    assert_eq!(plan.reading.file_date, None);
    assert_eq!((plan.upserts.changed, plan.upserts.held), (2, 0));
    assert!(plan.upserts.diff.iter().flat_map(|d| &d.fields).all(|f| f.applied && f.newer.is_none()));
}

#[test]
fn the_plan_id_changes_exactly_when_the_request_or_what_it_read_changes() {
    let store = ledger();
    let (_, first) = preview(&store, OLDER, None, &[]);
    let (_, again) = preview(&store, OLDER, None, &[]);
    assert_eq!(first, again, "the same request over the same ledger");
    assert_eq!(first.len(), 32);
    let (_, ticked) = preview(&store, OLDER, None, &[(ZHANG, "phone")]);
    assert_ne!(first, ticked, "a tick changes the plan");
    let (_, dated) = preview(&store, OLDER, Some("2026-11-21"), &[]);
    assert_ne!(first, dated, "another date");
    // A record the file matches moves on: even a change the file does
    // not touch makes the preview stale.
    correct(&store, LI, json!({"address": "一组3号"}), "2026-11-28T01:00:00Z");
    let (_, moved) = preview(&store, OLDER, None, &[]);
    assert_ne!(first, moved, "the ledger moved");
}

#[test]
fn a_rows_repeated_message_is_given_once() {
    let store = InMemoryLedger::new();
    let types = types();
    let m = meta("2026-11-29T08:00:00Z", Source::Import);
    let file = "姓名,身份证号,人员类别\n张三,11010519491231002X,甲、乙、丙\n";
    let Err(ImportFailure::Rows { errors, .. }) =
        plan_import(&types, file.as_bytes(), &request(&m), &ready(store.list(VILLAGE, "person")).expect("ok"), &mut |_, _| {})
    else {
        panic!("unknown tags are refused")
    };
    let tags: Vec<_> = errors.iter().filter(|e| e.field.as_deref() == Some("tags")).collect();
    assert_eq!(tags.len(), 1, "{errors:?}");
}

/// The record-type check of every write path, as (field, code) pairs: a
/// file import, a department's ingest, a correction, and a form's
/// write-back.
fn four_paths(stored: &Value, change: &Value) -> [(&'static str, Vec<(String, String)>); 4] {
    let types = types();
    let person = types.get("person").expect("person");
    let m = meta("2026-11-29T08:00:00Z", Source::Import);
    let record = crate::ledger::plan_insert(person, "person:1", VILLAGE, stored.clone(), &m).expect("stored record is valid").record;
    let existing = [record.clone()];
    let field_of = |pointer: &str| pointer.rsplit('/').next().unwrap_or_default().to_owned();
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    let change_map = change.as_object().expect("object");

    // A file: a column per changed field, plus the ID number.
    let titles: Vec<&str> = change_map.keys().map(|k| person.field(k).expect("field").title.as_str()).collect();
    let cells: Vec<String> = change_map.values().map(|v| v.as_str().unwrap_or_default().to_owned()).collect();
    let file = format!("身份证号,{}\n{},{}\n", titles.join(","), stored["id_number"].as_str().unwrap_or_default(), cells.join(","));
    let import = match plan_import(&types, file.as_bytes(), &request(&m), &existing, &mut |_, _| {}) {
        Ok(_) => vec![],
        Err(ImportFailure::Rows { errors, .. }) => errors.into_iter().map(|e| (e.field.unwrap_or_default(), e.code)).collect(),
        Err(other) => panic!("{other:?}"),
    };

    let mut pushed = change_map.clone();
    pushed.insert("id_number".into(), stored["id_number"].clone());
    let target = UpsertTarget { unit: VILLAGE, meta: &m, disclosed: &NO_NAMES };
    let ingest = match plan_ingest(&types, "person", &[Value::Object(pushed)], target, &Limits::default(), &existing) {
        Ok(_) => vec![],
        Err(ImportFailure::Rows { errors, .. }) => errors.into_iter().map(|e| (e.field.unwrap_or_default(), e.code)).collect(),
        Err(other) => panic!("{other:?}"),
    };

    let correction = match crate::ledger::plan_update(person, &record, record.version, change_map, &m) {
        Ok(_) => vec![],
        Err(crate::ledger::UpdateError::Invalid { errors }) => errors.into_iter().map(|e| (field_of(&e.pointer), e.code)).collect(),
        Err(other) => panic!("{other:?}"),
    };

    let template = crate::compile(
        &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "人员信息核对",
            "x-template": {"id": "check", "version": 1, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": {
                "name": {"title": "姓名", "type": "string", "x-ledger": "person.name"},
                "birth_date": {"title": "出生日期", "type": "string", "format": "date", "x-writeback": true},
                "gender": {"title": "性别", "type": "string", "enum": ["男", "女"], "x-writeback": true}
            }
        }),
        &crate::Catalog::builtin().expect("catalog"),
    )
    .expect("compiles");
    let submission = crate::submission::SubmissionRequest {
        submission_id: "s1".into(),
        template_id: "check".into(),
        template_version: 1,
        org_unit: VILLAGE.into(),
        rows: vec![crate::submission::SubmittedRow { subject_id: record.id.clone(), values: change_map.clone() }],
        task_id: None,
        corrected_cells: 0,
        nothing_to_report: false,
    };
    let records = HashMap::from([(record.id.as_str(), &record)]);
    let form = match crate::writeback::plan_writeback(&template, &types, &submission, &records, &m) {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|e| (field_of(&e.pointer), e.code)).collect(),
    };
    [("import", sorted(import)), ("ingest", sorted(ingest)), ("correction", sorted(correction)), ("form", sorted(form))]
}

#[test]
fn every_write_path_applies_the_same_rules() {
    let stored = json!({"name": "张三", "id_number": ZHANG});
    let c = crate::ledger::CONTRADICTS_ID_NUMBER;
    for (change, expect) in [
        (json!({"birth_date": "1949-12-31", "gender": "女"}), vec![]),
        (json!({"birth_date": "1950-01-01"}), vec![("birth_date", c)]),
        (json!({"gender": "男"}), vec![("gender", c)]),
        (json!({"birth_date": "1950-01-01", "gender": "男"}), vec![("birth_date", c), ("gender", c)]),
        (json!({"gender": "未知"}), vec![("gender", "enum")]),
    ] {
        let expect: Vec<(String, String)> = expect.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect();
        for (path, got) in four_paths(&stored, &change) {
            assert_eq!(got, expect, "{path}: {change}");
        }
    }
}
