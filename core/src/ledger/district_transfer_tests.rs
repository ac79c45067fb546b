//! The cross-district transfer's rules: the request's checks, who decides
//! on each side, what each reader sees, and the two steps' writes.

use super::*;
use crate::access::Role;
use crate::test_support::principal;

const A_VILLAGE: &str = "500118100001";
const B_VILLAGE: &str = "500105001001";

fn stored(status: DistrictTransferStatus, received: bool) -> DistrictTransfer {
    DistrictTransfer {
        id: "req-1".into(),
        entity: "person".into(),
        key: "11010519491231002X".into(),
        from_district: "500118".into(),
        to_org_unit: B_VILLAGE.into(),
        reason: "婚嫁".into(),
        requested_by: "jbcun".into(),
        requested_at: "2026-11-29T01:30:00Z".into(),
        status,
        received_by: received.then(|| "jbzhen".into()),
        received_at: received.then(|| "2026-11-29T02:00:00Z".into()),
        decided_by: None,
        decided_at: None,
        note: None,
        record_id: None,
        from_org_unit: None,
        record_version: None,
    }
}

fn person() -> super::super::RecordType {
    crate::ledger::RecordTypes::builtin().expect("types").get("person").expect("person").clone()
}

fn record() -> LedgerRecord {
    LedgerRecord {
        id: "person:a-1".into(),
        entity: "person".into(),
        org_unit: A_VILLAGE.into(),
        version: 3,
        updated_at: "2026-01-01T00:00:00Z".into(),
        updated_by: "cun".into(),
        data: serde_json::json!({"name": "李四", "id_number": "11010519491231002X", "tags": ["低保"]}),
    }
}

#[test]
fn a_request_names_another_district_by_its_code() {
    let types = crate::ledger::RecordTypes::builtin().expect("types");
    let ask = |from: &str| NewDistrictTransfer {
        request_id: "r".into(),
        entity: "person".into(),
        key: " 11010519491231002x ".into(),
        from_district: from.into(),
        to_org_unit: B_VILLAGE.into(),
        reason: String::new(),
    };
    let mut ok = ask("500118");
    assert_eq!(check_request(types.get("person"), &mut ok), Ok(()));
    assert_eq!(ok.key, "11010519491231002X", "normalised as inside a district");
    let codes = |from: &str| {
        check_request(types.get("person"), &mut ask(from)).expect_err("refused").into_iter().map(|e| e.code).collect::<Vec<_>>()
    };
    assert_eq!(codes("500105"), ["same_district"]);
    assert_eq!(codes("5001"), ["invalid_district"]);
    assert_eq!(codes("50011a"), ["invalid_district"]);
}

#[test]
fn b_receives_and_a_releases_each_by_its_own_deciders() {
    let t = stored(DistrictTransferStatus::AwaitingRelease, true);
    assert!(may_receive(&principal(Role::TownCoordinator, "500105001"), &t), "the destination's town centre");
    assert!(may_receive(&principal(Role::AdminSpecialist, "500105"), &t), "B's 行政专员");
    assert!(!may_receive(&principal(Role::TownCoordinator, "500105002"), &t), "another town of B");
    assert!(!may_receive(&principal(Role::VillageStaff, B_VILLAGE), &t), "the asker");
    assert!(!may_receive(&principal(Role::AdminSpecialist, "500118"), &t), "A's specialist is not B's side");
    let centre_a = principal(Role::TownCoordinator, "500118100");
    assert!(may_release(&centre_a, &t, Some(A_VILLAGE)), "the centre of the town holding the record");
    assert!(!may_release(&centre_a, &t, Some("500118101001")), "not a record of another town");
    assert!(!may_release(&centre_a, &t, None), "a key A does not hold is the district's");
    assert!(may_release(&principal(Role::AdminSpecialist, "500118"), &t, None));
    assert!(!may_release(&principal(Role::AdminSpecialist, "500105"), &t, None), "B's specialist never releases");
    assert!(!may_release(&principal(Role::SystemAdmin, "500118"), &t, Some(A_VILLAGE)), "accounts, not records");
    assert!(!may_release(&principal(Role::VillageStaff, A_VILLAGE), &t, Some(A_VILLAGE)), "the source village is not told");
    let waiting = stored(DistrictTransferStatus::AwaitingReceive, false);
    assert!(!may_see(&centre_a, &waiting, Some(A_VILLAGE)), "A sees nothing before B agreed");
    assert!(may_see(&centre_a, &t, Some(A_VILLAGE)));
    assert!(may_see(&principal(Role::VillageStaff, B_VILLAGE), &waiting, None));
    assert!(!may_see(&principal(Role::VillageStaff, "500105001002"), &waiting, None), "another village of B");
}

#[test]
fn only_a_s_deciders_see_the_record_and_b_sees_its_copy() {
    let t = stored(DistrictTransferStatus::AwaitingRelease, true);
    let units = |c: &str| format!("单位{c}");
    let people = |u: &str| format!("{u}的名字");
    let districts = |c: &str| if c == "500118" { "永川区".to_owned() } else { c.to_owned() };
    let names = Names { unit: &units, person: &people, district: &districts };
    let asker = view(&principal(Role::VillageStaff, B_VILLAGE), &person(), &t, Some(&record()), None, &names);
    assert_eq!((asker.found.as_ref(), asker.may_decide, asker.key.as_str()), (None, false, "11010519491231002X"), "the key they typed");
    assert_eq!((asker.from_district_name.as_str(), asker.requested_at.as_str()), ("永川区", "2026-11-29 09:30"));
    let centre = view(&principal(Role::TownCoordinator, "500118100"), &person(), &t, Some(&record()), None, &names);
    assert!(centre.may_decide);
    assert_eq!(centre.found.map(|f| f.name), Some("李四".to_owned()));
    let moved = DistrictTransfer { status: DistrictTransferStatus::Moved, ..t };
    let asker = view(&principal(Role::VillageStaff, B_VILLAGE), &person(), &moved, None, None, &names);
    assert_eq!(asker.record_id.as_deref(), Some("person:500105001001-m-req-1"));
    let centre = view(&principal(Role::TownCoordinator, "500118100"), &person(), &moved, Some(&record()), None, &names);
    assert_eq!((centre.record_id, centre.may_decide), (None, false), "A is not told B's copy");
}

#[test]
fn the_steps_keep_the_fields_and_link_the_transfer() {
    let t = stored(DistrictTransferStatus::Moving, true);
    let out = plan_move_out(&record(), &t, "zhen", "2026-11-29T08:00:00Z");
    assert_eq!((out.record.version, out.expected_version, out.record.org_unit.as_str()), (4, Some(3), A_VILLAGE));
    assert_eq!(out.record.data, record().data);
    let link = serde_json::json!({"district": ["500118", "500105"], "district_transfer": [null, "req-1"]});
    assert_eq!(serde_json::to_value(&out.history.changes).expect("json"), link);
    let into = plan_move_in(&record(), &t, "zhen", "2026-11-29T08:00:00Z");
    assert_eq!(
        (into.record.id, into.record.org_unit.as_str(), into.record.version, into.expected_version),
        (copy_id(&t), B_VILLAGE, 1, None)
    );
    assert_eq!(into.record.data, record().data, "fields and tags carried");
    assert_eq!(into.history.source, Source::Transfer);
    assert_eq!(serde_json::to_value(&into.history.changes).expect("json"), link, "A's history stays in A, linked");
}
