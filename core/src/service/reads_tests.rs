//! The read use cases against in-memory ports: a submission masked for its
//! reader (unmasked reads audited), as a file, the list a reader may see;
//! a form and a task's form (opening it, a returned task's rows).

use serde_json::json;

use super::dispatch::dispatch;
use super::forms::{generate_form, open_task_form};
use super::ready;
use super::submission_reads::{FileFormat, list_submissions, read_submission, submission_file};
use super::submissions::submit;
use super::tasks::return_submission;
use super::tasks_memory::Memory;
use super::tasks_tests::{DISTRICT, OTHER_VILLAGE, TOWN, VILLAGE, code, coordinator, dispatch_request, district, now, staff};
use crate::LedgerRecord;
use crate::access::{Principal, Role};
use crate::api::FormRequest;
use crate::tasks::TaskStatus;
use crate::test_support::principal;

const TASK: &str = "d1-500118100001";
const ID_NUMBER: &str = "11010519491231002X";

fn person() -> LedgerRecord {
    LedgerRecord {
        id: "person:1".into(),
        entity: "person".into(),
        org_unit: VILLAGE.into(),
        version: 1,
        updated_at: "2026-01-01T00:00:00Z".into(),
        updated_by: "import".into(),
        data: json!({"name": "李奶奶", "id_number": ID_NUMBER, "gender": "女", "tags": ["低保"]}),
    }
}

/// The 低保 form dispatched to the town and submitted by the village (`s1`).
fn submitted() -> Memory {
    let store = district().with_record(person());
    ready(dispatch(&coordinator(), &dispatch_request("d1", &[TOWN], "2026-12-31"), &now(), &store)).expect("dispatched");
    let body = json!({
        "submission_id": "s1", "template_id": "dibao-monthly-visit", "template_version": 1, "org_unit": VILLAGE, "task_id": TASK,
        "rows": [{"subject_id": "person:1", "values": {
            "name": "李奶奶", "id_number": ID_NUMBER, "visited_on": "2026-11-28", "monthly_income": 800, "living_condition": "一般"
        }}]
    });
    ready(submit(&staff(VILLAGE), body, &now(), &store)).expect("submitted");
    store
}

fn analyst(grants: &[&str]) -> Principal {
    let mut p = principal(Role::DepartmentAnalyst, DISTRICT);
    p.department = Some("区民政局".into());
    p.grants = grants.iter().map(|g| (*g).to_owned()).collect();
    p
}

#[test]
fn a_submission_is_read_masked_unless_granted_and_unmasked_reads_are_audited() {
    let store = submitted();
    let read = |who: &Principal| ready(read_submission(who, "s1", &now(), &store)).expect("read");
    let masked = read(&analyst(&[]));
    assert_ne!(masked.rows[0].values["id_number"], json!(ID_NUMBER));
    assert!(!masked.columns.is_empty(), "with its columns");
    assert!(store.audit.borrow().is_empty(), "nothing unmasked, nothing logged");
    let plain = read(&analyst(&["person.id_number"]));
    assert_eq!(plain.rows[0].values["id_number"], json!(ID_NUMBER));
    assert_eq!(*store.audit.borrow(), [("submission".to_owned(), vec!["person.id_number".to_owned()], vec!["person:1".to_owned()])]);
    let refused = |who: Principal| ready(read_submission(&who, "s1", &now(), &store)).map(|_| ()).map_err(|e| code(&e));
    assert_eq!(refused(staff(OTHER_VILLAGE)), Err("forbidden OutOfScope".into()));
    let mut other = analyst(&[]);
    other.department = Some("区水利局".into());
    assert_eq!(refused(other), Err("forbidden OtherDepartment".into()));
    assert_eq!(
        ready(read_submission(&staff(VILLAGE), "s9", &now(), &store)).map(|_| ()).map_err(|e| code(&e)),
        Err("not found submission".into())
    );
}

#[test]
fn a_submission_file_is_named_after_its_form_unit_and_day() {
    let store = submitted();
    let file = ready(submission_file(
        &staff(VILLAGE),
        "s1",
        FileFormat::Csv,
        &now(),
        &store,
        &crate::service::spreadsheets::InProcess::new().unwrap(),
    ))
    .expect("file");
    assert_eq!((file.filename.as_str(), file.content_type), ("dibao-monthly-visit-500118100001-2026-11-29.csv", "text/csv; charset=utf-8"));
    assert!(String::from_utf8(file.bytes).expect("utf-8").contains("李奶奶"));
    let xlsx = ready(submission_file(
        &staff(VILLAGE),
        "s1",
        FileFormat::Xlsx,
        &now(),
        &store,
        &crate::service::spreadsheets::InProcess::new().unwrap(),
    ))
    .expect("xlsx");
    assert!(xlsx.filename.ends_with(".xlsx") && xlsx.bytes.starts_with(b"PK"));
    let formats = [None, Some("csv"), Some("xlsx"), Some("pdf")].map(|f| FileFormat::parse(f).map_err(|e| code(&e)));
    assert_eq!(formats, [Ok(FileFormat::Xlsx), Ok(FileFormat::Csv), Ok(FileFormat::Xlsx), Err("bad_format".into())]);
}

#[test]
fn submission_lists_keep_what_the_reader_may_see() {
    let store = submitted();
    let list = |who: Principal, unit: Option<&str>| {
        ready(list_submissions(&who, "dibao-monthly-visit", unit, &store)).map(|l| l.len()).map_err(|e| code(&e))
    };
    assert_eq!(list(coordinator(), None), Ok(1));
    assert_eq!(list(staff(OTHER_VILLAGE), None), Ok(0), "all: those it may see");
    assert_eq!(list(staff(OTHER_VILLAGE), Some(VILLAGE)), Err("forbidden OutOfScope".into()), "one unit out of reach: refused");
    let unknown = ready(list_submissions(&coordinator(), "nothing", None, &store)).map_err(|e| code(&e));
    assert_eq!(unknown.map(|l| l.len()), Err("not found template".into()));
}

#[test]
fn a_task_form_opens_the_task_and_a_returned_task_starts_from_its_rows() {
    let store = district().with_record(person());
    ready(dispatch(&coordinator(), &dispatch_request("d1", &[TOWN], "2026-12-31"), &now(), &store)).expect("dispatched");
    let open = || ready(open_task_form(&staff(VILLAGE), TASK, &now(), &store, &|| 0.0)).map_err(|e| code(&e));
    let (form, _) = open().expect("form");
    assert_eq!((form.task.status, form.form.rows.len(), form.draft), (TaskStatus::Draft, 1, None));
    assert_eq!(store.task_of(TASK).opened_at.as_deref(), Some(now().instant.as_str()));
    let store = submitted();
    ready(return_submission(&coordinator(), TASK, "缺走访日期", &now(), &store)).expect("returned");
    let (form, _) = ready(open_task_form(&staff(VILLAGE), TASK, &now(), &store, &|| 0.0)).expect("form");
    let draft = form.draft.expect("the returned rows");
    assert_eq!((draft.revision, draft.rows[0].values["monthly_income"].clone()), (0, json!(800)));
    let refused = ready(open_task_form(&staff(OTHER_VILLAGE), TASK, &now(), &store, &|| 0.0)).map(|_| ()).map_err(|e| code(&e));
    assert_eq!(refused, Err("forbidden OutOfScope".into()));
}

#[test]
fn a_ledger_form_is_for_a_village() {
    let store = district().with_record(person());
    let form = |unit: &str| {
        let request = FormRequest { template_id: "dibao-monthly-visit".into(), org_unit: unit.into() };
        ready(generate_form(&coordinator(), &request, &now(), &store, &|| 0.0)).map(|(f, _)| f.rows.len()).map_err(|e| code(&e))
    };
    assert_eq!(form(VILLAGE), Ok(1));
    assert_eq!(form(TOWN), Err("not_a_village".into()));
    assert_eq!(form("500118100009"), Err("not found org unit".into()));
}

#[test]
fn a_served_form_names_the_ledger_items_it_is_filled_from() {
    let store = district().with_record(person());
    let request = FormRequest { template_id: "dibao-monthly-visit".into(), org_unit: VILLAGE.into() };
    let (form, _) = ready(generate_form(&coordinator(), &request, &now(), &store, &|| 0.0)).expect("form");
    let bound: Vec<&str> = form
        .columns
        .iter()
        .filter_map(|c| match &c.source {
            crate::compile::FieldSource::Ledger { item } => Some(item.as_str()),
            _ => None,
        })
        .collect();
    assert!(!bound.is_empty());
    assert_eq!(form.item_titles.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut items = bound.clone();
        items.sort_unstable();
        items.dedup();
        items
    });
    assert_eq!(form.item_titles.get("person.name").map(String::as_str), Some("姓名"));
}
