//! City filings run natively: the directory in memory, each district a
//! `reviews` in-memory port. Filing once, a crash half-way and its retry,
//! a district that refuses, the same id for another document, and the
//! checks of a city dispatch before it fans out.

use std::cell::RefCell;

use serde_json::json;

use super::*;
use crate::access::{CITY_AUTHOR_GRANT, Role};
use crate::api::DecisionRequest;
use crate::review::Decision;
use crate::service::ready;
use crate::service::reviews::decide_review;
use crate::service::reviews::tests::Memory;
use crate::test_support::principal;

#[derive(Default)]
struct Dir {
    filings: RefCell<Vec<CityFiling>>,
    dispatches: RefCell<Vec<CityDispatch>>,
}

impl CityTemplates for Dir {
    async fn city_filing(&self, id: &str) -> Result<Option<CityFiling>, ServiceError> {
        Ok(self.filings.borrow().iter().find(|f| f.id == id).cloned())
    }
    async fn insert_city_filing(&self, filing: &CityFiling) -> Result<bool, ServiceError> {
        if self.filings.borrow().iter().any(|f| f.id == filing.id) {
            return Ok(false);
        }
        self.filings.borrow_mut().push(filing.clone());
        Ok(true)
    }
    async fn city_filings(&self, city: &str, department: &str) -> Result<Vec<CityFiling>, ServiceError> {
        Ok(self.filings.borrow().iter().rev().filter(|f| f.city == city && f.department == department).cloned().collect())
    }
    async fn city_dispatch(&self, id: &str) -> Result<Option<CityDispatch>, ServiceError> {
        Ok(self.dispatches.borrow().iter().find(|d| d.id == id).cloned())
    }
    async fn insert_city_dispatch(&self, dispatch: &CityDispatch) -> Result<bool, ServiceError> {
        if self.dispatches.borrow().iter().any(|d| d.id == dispatch.id) {
            return Ok(false);
        }
        self.dispatches.borrow_mut().push(dispatch.clone());
        Ok(true)
    }
}

const CITY_DEPT: &str = "重庆市民政局";

fn catalog() -> Catalog {
    Catalog::builtin().expect("catalog")
}

fn served() -> Vec<ServedDistrict> {
    [("350304", "荔城区"), ("500105", "江北区"), ("500118", "永川区")]
        .into_iter()
        .map(|(code, name)| ServedDistrict { code: code.to_owned(), name: name.to_owned() })
        .collect()
}

fn author() -> Principal {
    let mut p = principal(Role::DepartmentAnalyst, "500000");
    p.department = Some(CITY_DEPT.to_owned());
    p.grants = vec![CITY_AUTHOR_GRANT.to_owned()];
    p
}

fn document(id: &str, version: u32) -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "全市困难群众走访表",
        "x-template": { "id": id, "version": version },
        "x-subject": { "entity": "person" },
        "type": "object",
        "required": ["name", "visits"],
        "properties": {
            "name": { "title": "姓名", "type": "string", "x-ledger": "person.name" },
            "visits": { "title": "走访次数", "type": "integer", "minimum": 0, "maximum": 31 }
        }
    })
}

fn now() -> Now {
    Now::new("2026-11-30T02:00:00Z")
}

fn file(dir: &Dir, who: &Principal, id: &str, doc: Value) -> Result<(CityFiling, CompiledTemplate, bool), ServiceError> {
    ready(file_city_template(who, PublishRequest { request_id: id.into(), document: doc }, &catalog(), &served(), &now(), dir))
}

/// Files in each district whose store is given (`None`: the worker
/// crashed before reaching it) and reads every district's state.
fn fan_out(filing: &CityFiling, template: &CompiledTemplate, districts: &[Option<&Memory>]) -> CityFilingView {
    let parts = filing
        .districts
        .iter()
        .zip(districts)
        .map(|(code, store)| match store {
            Some(store) => ready(file_in_district(&author(), filing, template, &catalog(), code, *store)),
            None => Err(ServiceError::Storage("crashed".into())),
        })
        .map(|r| r.map(Some))
        .collect();
    filing_view(filing.clone(), &served(), parts)
}

fn states(view: &CityFilingView) -> Vec<(&str, DistrictState, Option<&str>)> {
    view.districts_state.iter().map(|d| (d.code.as_str(), d.state, d.error.as_ref().map(|e| e.code.as_str()))).collect()
}

#[test]
fn filed_once_per_district_and_a_retry_after_a_crash_files_only_what_is_missing() {
    let (dir, jiangbei, yongchuan) = (Dir::default(), Memory::default(), Memory::default());
    let (filing, template, created) = file(&dir, &author(), "cf-1", document("city-visit", 1)).expect("filed");
    assert!(created);
    assert_eq!(filing.districts, ["500105", "500118"], "重庆's served districts, never 荔城");
    assert_eq!((filing.department.as_str(), filing.city.as_str()), (CITY_DEPT, "500000"));
    // The worker crashes after 江北's request, before 永川's.
    let view = fan_out(&filing, &template, &[Some(&jiangbei), None]);
    assert_eq!(states(&view), [("500105", DistrictState::Pending, None), ("500118", DistrictState::Failed, Some("unavailable"))]);
    assert!(!view.complete);
    // Read back later: 永川 has no request of it.
    let read = filing_view(
        filing.clone(),
        &served(),
        vec![ready(read_in_district(&filing, &jiangbei)), ready(read_in_district(&filing, &yongchuan))],
    );
    assert_eq!(read.districts_state[1].error.as_ref().expect("named").code, "not_filed");
    // The retry answers the stored filing and files 永川's only.
    let (again, template, created) = file(&dir, &author(), "cf-1", document("city-visit", 1)).expect("retried");
    assert!(!created);
    let view = fan_out(&again, &template, &[Some(&jiangbei), Some(&yongchuan)]);
    assert_eq!(states(&view), [("500105", DistrictState::Pending, None), ("500118", DistrictState::Pending, None)]);
    assert!(view.complete);
    // And once more: nothing doubled anywhere.
    let (again, template, _) = file(&dir, &author(), "cf-1", document("city-visit", 1)).expect("retried");
    fan_out(&again, &template, &[Some(&jiangbei), Some(&yongchuan)]);
    assert_eq!((dir.filings.borrow().len(), jiangbei.reviews.borrow().len(), yongchuan.reviews.borrow().len()), (1, 1, 1));
    let request = &jiangbei.reviews.borrow()[0];
    assert_eq!((request.request.id.as_str(), request.district.as_str()), ("city-cf-1", "500105"));
    assert_eq!(request.request.department, CITY_DEPT);
}

#[test]
fn each_district_decides_for_itself_and_the_first_decision_stands() {
    let (dir, jiangbei, yongchuan) = (Dir::default(), Memory::default(), Memory::default());
    let (filing, template, _) = file(&dir, &author(), "cf-2", document("city-visit", 1)).expect("filed");
    fan_out(&filing, &template, &[Some(&jiangbei), Some(&yongchuan)]);
    let decide = |store: &Memory, centre: &str, decision, reason: &str| {
        let body = DecisionRequest { decision, reason: reason.into() };
        ready(decide_review(&principal(Role::TownCoordinator, centre), "city-cf-2", &body, &catalog(), &now(), store))
    };
    decide(&yongchuan, "500118001", Decision::Approve, "").expect("永川 admits");
    decide(&jiangbei, "500105001", Decision::Reject, "本区已有同类台账").expect("江北 rejects");
    assert!(decide(&jiangbei, "500105002", Decision::Approve, "").is_err(), "the first decision stands");
    // A centre of the other district cannot decide this district's request.
    assert!(matches!(decide(&yongchuan, "500105001", Decision::Reject, "x"), Err(ServiceError::Forbidden(_))));
    let view = fan_out(&filing, &template, &[Some(&jiangbei), Some(&yongchuan)]);
    assert_eq!(states(&view), [("500105", DistrictState::Rejected, None), ("500118", DistrictState::Admitted, None)]);
    assert_eq!(view.districts_state[0].reason.as_deref(), Some("本区已有同类台账"));
}

#[test]
fn a_district_that_cannot_take_it_is_named_and_the_others_are_filed() {
    let (dir, jiangbei, yongchuan) = (Dir::default(), Memory::default(), Memory::default());
    // 永川's own 区民政局 already has a request of this template id pending.
    let district = Principal { department: Some("区民政局".into()), ..principal(Role::DepartmentAnalyst, "500118") };
    let mut own = document("shared-id", 1);
    own["x-template"]["department"] = json!("区民政局");
    let body = PublishRequest { request_id: "d-1".into(), document: own };
    ready(super::super::reviews::file_template(&district, body, &catalog(), &now(), &yongchuan)).expect("district filed");
    let (filing, template, _) = file(&dir, &author(), "cf-3", document("shared-id", 1)).expect("filed");
    let view = fan_out(&filing, &template, &[Some(&jiangbei), Some(&yongchuan)]);
    assert_eq!(states(&view), [("500105", DistrictState::Pending, None), ("500118", DistrictState::Failed, Some("review_pending"))]);
    assert_eq!(yongchuan.reviews.borrow().len(), 1, "nothing filed over the district's own request");
}

#[test]
fn filing_checks_who_the_id_and_the_document() {
    let dir = Dir::default();
    let doc = || document("city-visit", 1);
    let mut analyst = author();
    analyst.grants.clear();
    assert!(
        matches!(file(&dir, &analyst, "cf-4", doc()), Err(ServiceError::Forbidden(DenyReason::NotForRole))),
        "the analyst stays read-only"
    );
    let mut district = principal(Role::DepartmentAnalyst, "500118");
    district.department = Some(CITY_DEPT.into());
    district.grants = author().grants;
    assert!(matches!(file(&dir, &district, "cf-4", doc()), Err(ServiceError::Forbidden(_))), "no district files a city template");
    let mut other = doc();
    other["x-template"]["department"] = json!("区民政局");
    assert!(matches!(file(&dir, &author(), "cf-4", other), Err(ServiceError::Forbidden(DenyReason::OtherDepartment))));
    for bad in ["", "not an id", &"x".repeat(MAX_FILING_ID + 1)] {
        assert!(matches!(file(&dir, &author(), bad, doc()), Err(ServiceError::Validation(_))), "{bad:?}");
    }
    assert!(matches!(file(&dir, &author(), "cf-4", json!({"x-template": {}})), Err(ServiceError::Validation(_))));
    assert!(matches!(file(&dir, &author(), "cf-4", json!([1, 2])), Err(ServiceError::Validation(_))));
    assert!(dir.filings.borrow().is_empty());
    file(&dir, &author(), "cf-4", doc()).expect("filed");
    let conflict = file(&dir, &author(), "cf-4", document("city-visit", 2));
    assert!(matches!(conflict, Err(ServiceError::Conflict { code: "filing_id_reused", .. })), "{conflict:?}");
    // 莆田's author (another city) neither reads nor reuses 重庆's filing.
    let mut putian = author();
    putian.org_unit = "350300".into();
    assert!(matches!(file(&dir, &putian, "cf-4", doc()), Err(ServiceError::NotFound { .. })));
    assert!(matches!(ready(get_city_filing(&putian, "cf-4", &dir)), Err(ServiceError::NotFound { .. })));
    assert_eq!(ready(list_city_filings(&analyst, &dir)).expect("the analyst reads").len(), 1);
    assert!(ready(list_city_filings(&putian, &dir)).expect("listed").is_empty());
}

#[test]
fn a_city_dispatch_checks_its_districts_and_its_id() {
    let dir = Dir::default();
    file(&dir, &author(), "cf-5", document("city-visit", 1)).expect("filed");
    file(&dir, &author(), "cf-6", document("city-other", 1)).expect("filed");
    let request = |id: &str, due: &str, districts: Option<&[&str]>| CityDispatchRequest {
        dispatch_id: id.into(),
        due_date: due.into(),
        districts: districts.map(|d| d.iter().map(|c| (*c).to_owned()).collect()),
    };
    let begin = |who: &Principal, filing: &str, r: &CityDispatchRequest| ready(begin_city_dispatch(who, filing, r, &now(), &dir));
    let (_, chosen) = begin(&author(), "cf-5", &request("cd-1", "2030-01-01", None)).expect("every district");
    assert_eq!(chosen, ["500105", "500118"]);
    let (_, chosen) = begin(&author(), "cf-5", &request("cd-1", "2030-01-01", Some(&["500118", "500118"]))).expect("a retry, one district");
    assert_eq!(chosen, ["500118"]);
    for bad in [&["350304"][..], &["500000"], &["500101"]] {
        assert!(matches!(begin(&author(), "cf-5", &request("cd-2", "2030-01-01", Some(bad))), Err(ServiceError::Forbidden(_))), "{bad:?}");
    }
    for bad in [&[][..], &["5001"], &["abcdef"]] {
        assert!(matches!(begin(&author(), "cf-5", &request("cd-2", "2030-01-01", Some(bad))), Err(ServiceError::Validation(_))), "{bad:?}");
    }
    assert!(matches!(begin(&author(), "cf-5", &request("cd 2", "2030-01-01", None)), Err(ServiceError::Validation(_))));
    assert!(matches!(begin(&author(), "cf-5", &request("cd-2", "2030-02-30", None)), Err(ServiceError::Validation(_))));
    assert!(matches!(begin(&author(), "nope", &request("cd-2", "2030-01-01", None)), Err(ServiceError::NotFound { .. })));
    for reused in
        [begin(&author(), "cf-5", &request("cd-1", "2030-01-02", None)), begin(&author(), "cf-6", &request("cd-1", "2030-01-01", None))]
    {
        assert!(matches!(reused, Err(ServiceError::Conflict { code: "dispatch_id_reused", .. })), "{reused:?}");
    }
    let mut analyst = author();
    analyst.grants.clear();
    assert!(matches!(begin(&analyst, "cf-5", &request("cd-3", "2030-01-01", None)), Err(ServiceError::Forbidden(DenyReason::NotForRole))));
    assert_eq!(dir.dispatches.borrow().len(), 1);
}
