//! The ledger's use cases over the in-memory ports: authorization, query
//! checks, masking and audit, and every write's retry, crash and
//! lost-race paths (ported from `tests/ledger.test.mjs`,
//! `import-diff.test.mjs`, `transfers.test.mjs` where they test rules).

use serde_json::{Value, json};

use super::Parsed;
use super::import::import;
use super::ingest::ingest;
use super::memory::MemoryLedger;
use super::records::{self, UnitQuery};
use super::search::{SearchQuery, search};
use super::transfers::{self, Decision};
use crate::access::{IngestKey, Principal, Role};
use crate::api::{ImportAnswer, PatchRecordRequest};
use crate::import::ImportFailure;
use crate::ledger::transfer::{NewTransfer, TransferStatus};
use crate::ledger::{LedgerRecord, LedgerStore, Source};
use crate::service::LookupBudget;
use crate::service::spreadsheets::{InProcess, Spreadsheets, unavailable};
use crate::service::{Now, ServiceError, ready};

pub(super) const VILLAGE: &str = "500118100001";
const NEIGHBOUR: &str = "500118100002";
pub(super) const OTHER_TOWN: &str = "500118101001";
pub(super) const ZHANG: &str = "11010519491231002X";
pub(super) const LI: &str = "500118199001011237";
const ROSTER: &str = "姓名,身份证号,联系电话\n张三,11010519491231002X,13812345678\n李四,500118199001011237,13700000000\n";

pub(super) fn now() -> Now {
    Now::new("2026-11-29T08:00:00.000Z")
}

pub(super) fn user(role: Role, unit: &str, name: &str) -> Principal {
    Principal { user_id: format!("id-{name}"), username: name.into(), ..crate::test_support::principal(role, unit) }
}

pub(super) fn staff() -> Principal {
    user(Role::VillageStaff, VILLAGE, "cun")
}

fn query(pairs: &[(&str, &str)]) -> UnitQuery {
    let map: serde_json::Map<String, Value> = pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    serde_json::from_value(Value::Object(map)).expect("a query")
}

/// The stable code a use case's error is answered with.
pub(super) fn code(error: &ServiceError) -> String {
    match error {
        ServiceError::NotFound { .. } => "not_found".into(),
        ServiceError::BadRequest { code, .. }
        | ServiceError::Conflict { code, .. }
        | ServiceError::Limited { code, .. }
        | ServiceError::Refused { code, .. } => (*code).into(),
        ServiceError::Validation(fields) => {
            format!("validation_failed:{}", fields.iter().map(|f| f.code.as_str()).collect::<Vec<_>>().join(","))
        }
        ServiceError::Invalid { .. } => "invalid".into(),
        ServiceError::Forbidden(reason) => format!("forbidden:{reason:?}"),
        ServiceError::Stale { .. } => "stale_version".into(),
        ServiceError::StaleDraft { .. } => "stale_draft".into(),
        ServiceError::Import(ImportFailure::File(_)) => "file".into(),
        ServiceError::Import(ImportFailure::Rows { .. }) | ServiceError::ImportChecked(..) => "invalid_rows".into(),
        ServiceError::Storage(_) => "storage".into(),
        other => format!("{other:?}"),
    }
}

/// The spreadsheet port as the `ybt-sheets` worker runs it.
fn sheets() -> InProcess {
    InProcess::new().expect("record types")
}

/// The `ybt-sheets` worker down or failing, as the main worker's client
/// reports it.
struct SheetsDown;

impl Spreadsheets for SheetsDown {
    async fn read(&self, _: &[u8], _: &crate::import::Limits) -> Result<Vec<crate::import::Sheet>, ServiceError> {
        Err(unavailable("connection refused"))
    }
    async fn xlsx(&self, _: &crate::export::XlsxJob<'_>) -> Result<Vec<u8>, ServiceError> {
        Err(unavailable("connection refused"))
    }
}

#[test]
fn with_the_spreadsheet_worker_down_import_and_xlsx_export_answer_unavailable_and_write_nothing() {
    let port = seeded();
    let before = (port.ledger.records(), port.ledger.all_history().len());
    let commit = query(&[("org_unit", VILLAGE), ("entity", "person"), ("commit", "true")]);
    let file = ROSTER.replace("13700000000", "13700009999");
    let got = ready(import(&port, &SheetsDown, &staff(), &commit, file.as_bytes().to_vec(), &now()));
    assert!(
        matches!(&got, Err(ServiceError::Unavailable { code: "sheets_unavailable", message, .. }) if message.zh.contains("表格服务暂时不可用")),
        "{got:?}"
    );
    assert_eq!((port.ledger.records(), port.ledger.all_history().len()), before, "nothing written");
    let export = query(&[("org_unit", VILLAGE), ("entity", "person"), ("format", "xlsx")]);
    let got = ready(records::export(&port, &SheetsDown, &staff(), &export, &now()));
    assert!(matches!(got, Err(ServiceError::Unavailable { .. })), "{got:?}");
    let csv = query(&[("org_unit", VILLAGE), ("entity", "person"), ("format", "csv")]);
    ready(records::export(&port, &SheetsDown, &staff(), &csv, &now())).expect("CSV is written without the spreadsheet worker");
    assert!(matches!(ready(records::template(&port, &SheetsDown, &staff(), "person", &now())), Err(ServiceError::Unavailable { .. })));
    // The file's own errors come back as core words them, across the port.
    let got = ready(import(&port, &sheets(), &staff(), &commit, vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], &now()));
    assert!(matches!(got, Err(ServiceError::Import(ImportFailure::File(_)))), "{got:?}");
}

pub(super) fn outcome<T>(result: Result<T, ServiceError>, ok: impl FnOnce(T) -> String) -> String {
    result.map_or_else(|e| code(&e), ok)
}

/// Imports `file` into `unit` as `who`, committing without a preview.
fn import_file(port: &MemoryLedger, who: &Principal, unit: &str, file: &str) -> Result<ImportAnswer, ServiceError> {
    let q = query(&[("org_unit", unit), ("entity", "person"), ("commit", "true")]);
    ready(import(port, &sheets(), who, &q, file.as_bytes().to_vec(), &now()))
}

/// The roster stored in the village.
pub(super) fn seeded() -> MemoryLedger {
    let port = MemoryLedger::new().with_name("cun", "村干部");
    import_file(&port, &staff(), VILLAGE, ROSTER).expect("seeded");
    port
}

pub(super) fn record(port: &MemoryLedger, id_number: &str) -> LedgerRecord {
    port.ledger.records().into_iter().find(|r| r.data["id_number"] == id_number).expect("stored")
}

#[test]
fn list_authorizes_checks_its_query_and_masks() {
    let port = seeded();
    let specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    type Case<'a> = (&'a Principal, &'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (&staff(), "person", &[("org_unit", VILLAGE)], "2 records, 张三 11010519491231002X"),
        (&staff(), "person", &[], "missing_parameter"),
        (&staff(), "person", &[("org_unit", NEIGHBOUR)], "forbidden:OutOfScope"),
        (&staff(), "spaceship", &[("org_unit", VILLAGE)], "not_found"),
        (&specialist, "person", &[("org_unit", "500118")], "2 records, 张三 110105********002X"),
    ];
    for (who, entity, pairs, expected) in cases {
        let got = outcome(ready(records::list(&port, who, entity, &query(pairs), &now())), |list| {
            let first = &list.value.records[0].data;
            format!(
                "{} records, {} {}",
                list.value.records.len(),
                first["name"].as_str().unwrap_or(""),
                first["id_number"].as_str().unwrap_or("")
            )
        });
        assert_eq!(&got, expected, "{entity} {pairs:?}");
    }
}

#[test]
fn unmasked_reads_are_audited_and_masked_ones_not() {
    let port = seeded();
    ready(records::list(&port, &staff(), "person", &query(&[("org_unit", VILLAGE)]), &now())).expect("listed");
    let specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    ready(records::list(&port, &specialist, "person", &query(&[("org_unit", "500118")]), &now())).expect("listed");
    let audit = port.audit.borrow();
    assert_eq!(audit.len(), 1, "only the unmasked read: {audit:?}");
    assert_eq!(audit[0].0, "ledger");
    assert!(audit[0].1.contains(&"person.id_number".to_owned()));
}

#[test]
fn search_checks_its_query() {
    let port = seeded();
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("entity", "person"), ("org_unit", VILLAGE), ("q", "张")], "1 of 1, may write"),
        (&[("entity", "person"), ("org_unit", VILLAGE), ("page", "0")], "bad_query"),
        (&[("entity", "person")], "bad_query"),
        (&[("entity", "person"), ("org_unit", OTHER_TOWN)], "forbidden:OutOfScope"),
    ];
    for (pairs, expected) in cases {
        let map: serde_json::Map<String, Value> = pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        let q: SearchQuery = serde_json::from_value(Value::Object(map)).expect("query");
        let got = outcome(ready(search(&port, &staff(), &q, &now())), |p| {
            format!("{} of {}{}", p.value.records.len(), p.value.total, if p.value.may_write { ", may write" } else { "" })
        });
        assert_eq!(&got, expected, "{pairs:?}");
    }
}

#[test]
fn a_correction_is_conditional_on_its_version() {
    let port = seeded();
    let zhang = record(&port, ZHANG);
    let patch = |version: u32, phone: &str, source: Option<Source>| PatchRecordRequest {
        expected_version: version,
        patch: json!({ "phone": phone }).as_object().cloned().expect("object"),
        source,
    };
    let run = |request: &PatchRecordRequest| {
        outcome(ready(records::patch(&port, &staff(), &zhang.id, Parsed(request.clone()), &now())), |r| format!("v{}", r.version))
    };
    assert_eq!(run(&patch(1, "13911112222", None)), "v2");
    // The retry of the applied correction changes nothing: answered as it is.
    assert_eq!(run(&patch(1, "13911112222", None)), "v2");
    // Another change from the old version: stale, with the record now.
    let retry = ready(records::patch(&port, &staff(), &zhang.id, Parsed(patch(1, "13911114444", None)), &now()));
    match retry {
        Err(ServiceError::Stale { current: Some(current), .. }) => assert_eq!(current.version, 2),
        other => panic!("expected stale, got {other:?}"),
    }
    assert_eq!(run(&patch(2, "13911113333", Some(Source::Import))), "bad_source");
    let stranger = user(Role::VillageStaff, NEIGHBOUR, "lin");
    assert_eq!(
        outcome(ready(records::patch(&port, &stranger, &zhang.id, Parsed(patch(2, "1", None)), &now())), |_| "ok".into()),
        "forbidden:OutOfScope"
    );
    assert_eq!(
        outcome(ready(records::patch(&port, &staff(), "person:none", Parsed(patch(1, "1", None)), &now())), |_| "ok".into()),
        "not_found"
    );
}

#[test]
fn a_correction_to_a_key_registered_elsewhere_is_refused_naming_no_one() {
    let port = seeded();
    let other = user(Role::VillageStaff, OTHER_TOWN, "wen");
    import_file(&port, &other, OTHER_TOWN, "姓名,身份证号\n王五,500118199001011253\n").expect("stored there");
    let zhang = record(&port, ZHANG);
    let request = PatchRecordRequest {
        expected_version: 1,
        patch: json!({ "id_number": "500118199001011253" }).as_object().cloned().expect("object"),
        source: None,
    };
    let got = outcome(ready(records::patch(&port, &staff(), &zhang.id, Parsed(request), &now())), |_| "ok".into());
    assert!(got.starts_with("validation_failed"), "{got}");
    assert_eq!(port.refused("id-cun", "2026-11-29"), 1, "counted as a refused lookup");
    assert!(port.audit.borrow().iter().any(|(action, ..)| action == "key_refused"));
}

#[test]
fn import_refuses_bad_options_before_reading_the_file() {
    let port = seeded();
    let base = [("org_unit", VILLAGE), ("entity", "person")];
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("since", "2026-1-1")], "bad_since"),
        (&[("plan", "xyz")], "bad_plan"),
        (&[("sheets", "a")], "bad_sheets"),
        (&[("overwrite", "no-slash")], "bad_overwrite"),
        (&[("org_unit", NEIGHBOUR)], "forbidden:OutOfScope"),
        (&[("entity", "")], "missing_parameter"),
        (&[("entity", "spaceship")], "not_found"),
    ];
    for (extra, expected) in cases {
        let mut pairs: Vec<(&str, &str)> = base.iter().filter(|(k, _)| !extra.iter().any(|(e, _)| e == k)).copied().collect();
        pairs.extend(extra.iter().copied());
        let got = outcome(ready(import(&port, &sheets(), &staff(), &query(&pairs), ROSTER.as_bytes().to_vec(), &now())), |_| "ok".into());
        assert_eq!(&got, expected, "{extra:?}");
    }
}

#[test]
fn a_previewed_plan_commits_once_and_a_retry_answers_as_stored() {
    let port = MemoryLedger::new();
    let preview = ready(import(
        &port,
        &sheets(),
        &staff(),
        &query(&[("org_unit", VILLAGE), ("entity", "person")]),
        ROSTER.as_bytes().to_vec(),
        &now(),
    ))
    .expect("previewed");
    assert!(!preview.committed && port.ledger.records().is_empty(), "a preview writes nothing");
    let commit = query(&[("org_unit", VILLAGE), ("entity", "person"), ("commit", "true"), ("plan", &preview.plan_id)]);
    let first = ready(import(&port, &sheets(), &staff(), &commit, ROSTER.as_bytes().to_vec(), &now())).expect("committed");
    assert!(first.committed && !first.replayed);
    assert_eq!((first.summary.new, first.batches), (2, 1));
    let retry = ready(import(&port, &sheets(), &staff(), &commit, ROSTER.as_bytes().to_vec(), &now())).expect("replayed");
    assert!(retry.replayed && retry.committed);
    assert_eq!(retry.summary.new, 2, "the first answer");
    assert_eq!(port.ledger.records().len(), 2);
    assert_eq!(port.ledger.all_history().len(), 2, "nothing written again");
}

#[test]
fn a_plan_the_ledger_changed_since_is_refused_whole() {
    let port = seeded();
    let file = ROSTER.replace("13700000000", "13700009999");
    let preview =
        ready(import(&port, &sheets(), &staff(), &query(&[("org_unit", VILLAGE), ("entity", "person")]), file.as_bytes().to_vec(), &now()))
            .expect("previewed");
    let li = record(&port, LI);
    let patch =
        PatchRecordRequest {
            expected_version: li.version, patch: json!({"name": "李肆"}).as_object().cloned().expect("o"), source: None
        };
    ready(records::patch(&port, &staff(), &li.id, Parsed(patch), &now())).expect("corrected meanwhile");
    let commit = query(&[("org_unit", VILLAGE), ("entity", "person"), ("commit", "true"), ("plan", &preview.plan_id)]);
    let got = outcome(ready(import(&port, &sheets(), &staff(), &commit, file.as_bytes().to_vec(), &now())), |_| "ok".into());
    assert_eq!(got, "plan_changed");
    assert_eq!(record(&port, LI).data["phone"], "13700000000", "nothing written");
}

#[test]
fn a_commit_that_loses_the_race_answers_the_winners_answer() {
    let port = MemoryLedger::new();
    let preview = ready(import(
        &port,
        &sheets(),
        &staff(),
        &query(&[("org_unit", VILLAGE), ("entity", "person")]),
        ROSTER.as_bytes().to_vec(),
        &now(),
    ))
    .expect("previewed");
    port.lose_next_plan_race.set(true);
    let commit = query(&[("org_unit", VILLAGE), ("entity", "person"), ("commit", "true"), ("plan", &preview.plan_id)]);
    let answer = ready(import(&port, &sheets(), &staff(), &commit, ROSTER.as_bytes().to_vec(), &now())).expect("answered");
    assert!(answer.replayed && answer.committed);
    assert_eq!(port.ledger.records().len(), 2, "stored once");
}

#[test]
fn a_failed_commit_writes_nothing_and_its_retry_completes_it() {
    let port = MemoryLedger::new();
    port.fail_next_batch.set(true);
    assert_eq!(outcome(import_file(&port, &staff(), VILLAGE, ROSTER), |_| "ok".into()), "storage");
    assert!(port.ledger.records().is_empty());
    let retry = import_file(&port, &staff(), VILLAGE, ROSTER).expect("completed");
    assert_eq!((retry.summary.new, retry.committed), (2, true));
    let again = import_file(&port, &staff(), VILLAGE, ROSTER).expect("nothing to do");
    assert_eq!((again.summary.new, again.summary.unchanged, again.batches), (0, 2, 0));
}

#[test]
fn a_key_registered_in_a_unit_the_reader_cannot_see_is_refused_and_counted() {
    let port = seeded();
    let other = user(Role::VillageStaff, OTHER_TOWN, "wen");
    let got = outcome(
        import_file(&port, &other, OTHER_TOWN, "姓名,身份证号\n张三,11010519491231002X\n王五,500118199001011253\n"),
        |_| "ok".into(),
    );
    assert_eq!(got, "invalid_rows");
    assert_eq!(port.refused("id-wen", "2026-11-29"), 1);
    assert!(port.audit.borrow().iter().any(|(action, _, ids)| action == "key_refused" && ids.len() == 1));
    assert_eq!(ready(port.list(OTHER_TOWN, "person")).expect("in memory").len(), 0, "the file refused whole");
}

#[test]
fn a_department_ingests_within_its_key() {
    let port = seeded();
    let key = IngestKey { id: "k1".into(), department: "民政局".into(), org_unit: "500118".into(), entities: vec!["person".into()] };
    let records = vec![json!({"name": "王五", "id_number": "500118199001011253"})];
    let push = |entity: &str, unit: &str| {
        outcome(ready(ingest(&port, &key, entity, unit, Parsed(records.clone()), &now())), |a| {
            format!("new {} unchanged {}", a.summary.new, a.summary.unchanged)
        })
    };
    assert_eq!(push("household", VILLAGE), "forbidden:OtherDepartment");
    assert_eq!(push("person", "500119100001"), "forbidden:OutOfScope");
    assert_eq!(push("person", VILLAGE), "new 1 unchanged 0");
    assert_eq!(push("person", VILLAGE), "new 0 unchanged 1", "a retried push repeats nothing");
    assert_eq!(record(&port, "500118199001011253").updated_by, "民政局 (k1)");
}

fn ask(id: &str, key: &str) -> NewTransfer {
    NewTransfer { request_id: id.into(), entity: "person".into(), key: key.into(), to_org_unit: OTHER_TOWN.into(), reason: "搬家".into() }
}

#[test]
fn a_transfer_request_is_stored_once_and_tells_nothing() {
    let port = seeded();
    let requester = user(Role::VillageStaff, OTHER_TOWN, "wen");
    let run = |who: &Principal, request: NewTransfer| {
        outcome(ready(transfers::request(&port, who, request, &now())), |r| format!("created {}", r.created))
    };
    assert_eq!(run(&requester, ask("req-1", ZHANG)), "created true");
    assert_eq!(run(&requester, ask("req-1", ZHANG)), "created false", "a retry finds its row");
    assert_eq!(run(&requester, ask("req-2", ZHANG)), "created false", "the pending request for the key is answered");
    let thief = user(Role::VillageStaff, OTHER_TOWN, "zei");
    assert_eq!(run(&thief, ask("req-1", ZHANG)), "request_id_taken");
    assert_eq!(run(&staff(), ask("req-3", LI)), "forbidden:OutOfScope", "into the requester's own village only");
    assert_eq!(port.refused("id-wen", "2026-11-29"), 1, "one new request, one lookup counted");
    // Unregistered or not, the answer names no one.
    let unknown = ready(transfers::request(&port, &requester, ask("req-4", "500118199001011253"), &now())).expect("asked");
    let known = ready(transfers::request(&port, &requester, ask("req-1", ZHANG), &now())).expect("asked");
    assert_eq!((unknown.view.found.is_none(), known.view.found.is_none()), (true, true));
    assert_eq!(unknown.message, known.message);
}

#[test]
fn the_daily_lookup_budget_bounds_transfer_requests() {
    let port = seeded();
    let requester = user(Role::VillageStaff, OTHER_TOWN, "wen");
    for _ in 0..crate::access::lookup::REFUSED_KEYS_PER_DAY {
        ready(port.count_refused_lookups("id-wen", "2026-11-29", 1)).expect("counted");
    }
    let got = outcome(ready(transfers::request(&port, &requester, ask("req-9", ZHANG), &now())), |_| "ok".into());
    assert_eq!(got, "lookup_limit");
}

#[test]
fn a_transfer_is_decided_once() {
    let port = seeded();
    let requester = user(Role::VillageStaff, OTHER_TOWN, "wen");
    ready(transfers::request(&port, &requester, ask("req-1", ZHANG), &now())).expect("asked");
    let specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    let centre = user(Role::TownCoordinator, "500118100", "zhen");
    let decide = |who: &Principal, approve: bool, note: &str| {
        outcome(ready(transfers::decide(&port, who, "req-1", &Decision { approve, note: note.into() }, &now())), |v| {
            format!("{:?}", v.status)
        })
    };
    assert_eq!(decide(&requester, true, ""), "forbidden:NotForRole", "the requester sees it, may not decide");
    assert_eq!(decide(&centre, true, ""), "not_found", "a centre of one town does not see a move across towns");
    assert!(decide(&specialist, false, "").starts_with("validation_failed"), "a rejection says why");
    assert_eq!(decide(&specialist, true, ""), "Approved");
    assert_eq!(record(&port, ZHANG).org_unit, OTHER_TOWN, "moved");
    assert_eq!(decide(&specialist, true, ""), "Approved", "a retry answers as stored");
    assert_eq!(decide(&specialist, false, "迟了"), "already_decided");
    assert_eq!(record(&port, ZHANG).version, 2, "moved once");
}

#[test]
fn a_decision_that_loses_a_race_says_why() {
    let port = seeded();
    let requester = user(Role::VillageStaff, OTHER_TOWN, "wen");
    ready(transfers::request(&port, &requester, ask("req-1", ZHANG), &now())).expect("asked");
    let specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    *port.decided_meanwhile.borrow_mut() = Some(("other".into(), "2026-11-29T07:59:00Z".into()));
    let got =
        outcome(ready(transfers::decide(&port, &specialist, "req-1", &Decision { approve: true, note: String::new() }, &now())), |_| {
            "ok".into()
        });
    assert_eq!(got, "already_decided");
    assert_eq!(port.stored_transfer("req-1").map(|t| t.transfer.status), Some(TransferStatus::Rejected));
    assert_eq!(record(&port, ZHANG).org_unit, VILLAGE, "not moved");
    let denied = ready(transfers::list(&port, &user(Role::VillageStaff, VILLAGE, "cun"))).expect("listed");
    assert!(denied.is_empty(), "the source village is not told");
}

#[test]
fn an_approval_of_a_record_corrected_meanwhile_leaves_the_request_pending() {
    let port = seeded();
    let requester = user(Role::VillageStaff, OTHER_TOWN, "wen");
    ready(transfers::request(&port, &requester, ask("req-1", ZHANG), &now())).expect("asked");
    let specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    port.record_changed_meanwhile.set(true);
    let approve = Decision { approve: true, note: String::new() };
    let got = outcome(ready(transfers::decide(&port, &specialist, "req-1", &approve, &now())), |_| "ok".into());
    assert_eq!(got, "record_changed");
    assert_eq!(port.stored_transfer("req-1").map(|t| t.transfer.status), Some(TransferStatus::Pending));
    let again = ready(transfers::decide(&port, &specialist, "req-1", &approve, &now())).expect("decided again");
    assert_eq!(again.status, TransferStatus::Approved);
    assert_eq!(record(&port, ZHANG).version, 3, "corrected, then moved");
}
