//! The cross-district transfer's use cases over two in-memory districts
//! (永川 A, 江北 B) sharing one directory: the no-reveal answer, who
//! decides on each side, the move's steps run twice, a crash between them
//! finished by the retry, and the person live in exactly one district.

use std::rc::Rc;

use super::super::memory::MemoryLedger;
use super::super::tests::{LI, VILLAGE, ZHANG, code, now, outcome, record, seeded, user};
use super::super::transfers::Decision;
use super::{DistrictTransferPort, decide, list, request};
use crate::access::{Principal, Role};
use crate::ledger::district_transfer::{DistrictTransferStatus as S, NewDistrictTransfer, copy_id};
use crate::ledger::{ChangeMeta, LedgerStore, Source};
use crate::service::ledger::LedgerPort;
use crate::service::ready;

const B_VILLAGE: &str = "500105001001";
const UNREGISTERED: &str = "500118199001011253";

fn districts() -> (Rc<MemoryLedger>, Rc<MemoryLedger>) {
    let a = Rc::new(seeded());
    let b = a.district(&[
        ("500105", "江北区"),
        ("500105001", "五里店街道"),
        ("500105001001", "五里店社区"),
        ("500105002", "江北城街道"),
        ("500105002001", "江北城社区"),
    ]);
    (a, b)
}

fn asker() -> Principal {
    user(Role::VillageStaff, B_VILLAGE, "jbcun")
}

fn ask(id: &str, key: &str) -> NewDistrictTransfer {
    NewDistrictTransfer {
        request_id: id.into(),
        entity: "person".into(),
        key: key.into(),
        from_district: "500118".into(),
        to_org_unit: B_VILLAGE.into(),
        reason: "婚嫁迁入".into(),
    }
}

fn run(port: &MemoryLedger, who: &Principal, id: &str, approve: bool, note: &str) -> String {
    outcome(ready(decide(port, who, id, &Decision { approve, note: note.into() }, &now())), |v| format!("{:?}", v.status))
}

fn live_in(port: &MemoryLedger, key: &str) -> usize {
    ready(port.records_with_keys("person", "id_number", &[key.to_owned()])).expect("looked up").len()
}

#[test]
fn the_asker_is_answered_alike_whether_or_not_the_origin_holds_the_key() {
    let (_a, b) = districts();
    let known = ready(request(&*b, &asker(), ask("req-1", ZHANG), &now())).expect("asked");
    let unknown = ready(request(&*b, &asker(), ask("req-2", UNREGISTERED), &now())).expect("asked");
    let shown = |r: &super::Requested| {
        let mut v = serde_json::to_value(&r.view).expect("json");
        v["id"] = "ID".into();
        v["key"] = "KEY".into();
        (v, r.message.clone(), r.created)
    };
    assert_eq!(shown(&known), shown(&unknown));
    assert_eq!((known.view.status, known.view.found.as_ref()), (S::AwaitingReceive, None));
    assert_eq!(known.view.from_district_name, "永川区");
    assert_eq!(b.refused("id-jbcun", "2026-11-29"), 2, "each new request counts against the budget");
    let again = ready(request(&*b, &asker(), ask("req-1", ZHANG), &now())).expect("retried");
    assert!(!again.created, "a retry finds its row");
    let refusals: Vec<String> = [
        (asker(), NewDistrictTransfer { from_district: "500105".into(), ..ask("r3", LI) }),
        (asker(), NewDistrictTransfer { from_district: "350304".into(), ..ask("r4", LI) }),
        (user(Role::VillageStaff, "500105002001", "other"), ask("r5", LI)),
        (user(Role::VillageStaff, B_VILLAGE, "thief"), ask("req-1", ZHANG)),
    ]
    .into_iter()
    .map(|(who, r)| outcome(ready(request(&*b, &who, r, &now())), |_| "ok".into()))
    .collect();
    assert_eq!(
        refusals,
        ["validation_failed:same_district", "validation_failed:unknown_district", "forbidden:OutOfScope", "request_id_taken"]
    );
}

#[test]
fn b_receives_then_a_releases_and_the_person_is_live_in_one_district() {
    let (a, b) = districts();
    ready(request(&*b, &asker(), ask("req-1", ZHANG), &now())).expect("asked");
    let a_centre = user(Role::TownCoordinator, "500118100", "zhen");
    let a_other_centre = user(Role::TownCoordinator, "500118101", "zhen2");
    let b_centre = user(Role::TownCoordinator, "500105001", "jbzhen");
    let b_other_centre = user(Role::TownCoordinator, "500105002", "jbzhen2");
    assert!(ready(list(&*a, &a_centre)).expect("listed").is_empty(), "A sees nothing before B agrees");
    assert_eq!(run(&a, &a_centre, "req-1", true, ""), "not_found");
    assert_eq!(run(&b, &asker(), "req-1", true, ""), "forbidden:NotForRole", "the asker never decides");
    assert_eq!(run(&b, &b_other_centre, "req-1", true, ""), "not_found");
    assert_eq!(run(&b, &b_centre, "req-1", true, "同意接收"), "AwaitingRelease");
    assert_eq!(run(&b, &b_centre, "req-1", true, ""), "AwaitingRelease", "a retry answers as stored");
    // A: the centre of the person's town sees where the record lies; the
    // centre of another town does not see the request at all.
    let seen = ready(list(&*a, &a_centre)).expect("listed");
    let found = seen[0].found.as_ref().expect("A's centre reads its village");
    assert_eq!((found.name.as_str(), found.from_name.as_str(), seen[0].may_decide), ("张三", "红旗社区", true));
    assert!(ready(list(&*a, &a_other_centre)).expect("listed").is_empty());
    let asked = ready(list(&*b, &asker())).expect("listed");
    assert_eq!((asked[0].found.as_ref(), asked[0].may_decide), (None, false), "B learns nothing of A");
    let before = record(&a, ZHANG);
    assert_eq!(run(&a, &a_centre, "req-1", true, ""), "Moved");
    // A keeps the record, marked out with a history row naming B's district.
    assert_eq!(live_in(&a, ZHANG), 0);
    assert!(ready(a.list(VILLAGE, "person")).expect("listed").iter().all(|r| r.id != before.id), "A's lists drop it");
    let kept = ready(a.get(&before.id)).expect("read").expect("kept");
    assert_eq!((kept.version, kept.org_unit.as_str(), &kept.data), (before.version + 1, VILLAGE, &before.data));
    let out = ready(a.history(&before.id)).expect("history").pop().expect("a row");
    assert_eq!(out.source, Source::Transfer);
    assert_eq!(
        serde_json::to_value(&out.changes).expect("json"),
        serde_json::json!({"district": ["500118", "500105"], "district_transfer": [null, "req-1"]})
    );
    // B holds one live copy with the same fields, in the asker's village.
    let t = ready(b.district_transfer("req-1")).expect("read").expect("stored");
    let copy = ready(b.get(&copy_id(&t))).expect("read").expect("copied");
    assert_eq!((copy.org_unit.as_str(), copy.version, &copy.data), (B_VILLAGE, 1, &before.data));
    assert_eq!(live_in(&b, ZHANG), 1);
    assert_eq!(ready(list(&*b, &asker())).expect("listed")[0].record_id.as_deref(), Some(copy.id.as_str()));
    // The move again: nothing more happens.
    assert_eq!(run(&a, &a_centre, "req-1", true, ""), "Moved");
    assert_eq!(run(&a, &a_centre, "req-1", false, "迟了"), "already_decided");
    assert_eq!((live_in(&a, ZHANG), live_in(&b, ZHANG), b.ledger.records().len()), (0, 1, 1));
}

#[test]
fn a_crash_between_the_steps_is_finished_by_the_retry() {
    let (a, b) = districts();
    ready(request(&*b, &asker(), ask("req-1", ZHANG), &now())).expect("asked");
    let b_centre = user(Role::TownCoordinator, "500105001", "jbzhen");
    let a_specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    assert_eq!(run(&b, &b_centre, "req-1", true, ""), "AwaitingRelease");
    b.fail_next_move_in.set(true);
    assert_eq!(run(&a, &a_specialist, "req-1", true, ""), "storage", "the step in fails");
    let t = ready(b.district_transfer("req-1")).expect("read").expect("stored");
    assert_eq!(t.status, S::Moving);
    assert_eq!((live_in(&a, ZHANG), live_in(&b, ZHANG)), (0, 0), "out before in: never two live copies");
    assert_eq!(run(&a, &a_specialist, "req-1", true, ""), "Moved", "the retry finishes the move");
    assert_eq!((live_in(&a, ZHANG), live_in(&b, ZHANG)), (0, 1));
    assert_eq!(ready(a.history(&record(&a, ZHANG).id)).expect("history").len(), 2, "one history row out, not two");
}

#[test]
fn a_record_corrected_after_the_approval_sends_the_request_back() {
    let (a, b) = districts();
    ready(request(&*b, &asker(), ask("req-1", ZHANG), &now())).expect("asked");
    assert_eq!(run(&b, &user(Role::TownCoordinator, "500105", "jbzhuan"), "req-1", true, ""), "AwaitingRelease");
    // A crash right after the approval fixed version 1, then a correction.
    let mut t = ready(a.district_transfer("req-1")).expect("read").expect("stored");
    let before = record(&a, ZHANG);
    t.status = S::Moving;
    (t.decided_by, t.decided_at, t.record_id, t.from_org_unit, t.record_version) =
        (Some("zhen".into()), Some("2026-11-29T08:00:00Z".into()), Some(before.id.clone()), Some(VILLAGE.into()), Some(before.version));
    assert!(ready(a.update_district_transfer(&t, S::AwaitingRelease)).expect("updated"));
    let person = a.record_types().expect("types").get("person").expect("person").clone();
    let patch: crate::ledger::Patch = [("phone".to_owned(), serde_json::json!("13900000000"))].into_iter().collect();
    let meta = ChangeMeta { changed_at: "2026-11-29T08:01:00Z".into(), changed_by: "cun".into(), source: Source::Visit };
    let write = crate::ledger::plan_update(&person, &before, before.version, &patch, &meta).expect("planned").expect("a change");
    ready(a.apply(&[write])).expect("corrected");
    let a_centre = user(Role::TownCoordinator, "500118100", "zhen");
    assert_eq!(run(&a, &a_centre, "req-1", true, ""), "record_changed");
    assert_eq!(ready(a.district_transfer("req-1")).expect("read").map(|t| t.status), Some(S::AwaitingRelease));
    assert_eq!((live_in(&a, ZHANG), live_in(&b, ZHANG)), (1, 0), "nothing moved");
    assert_eq!(run(&a, &a_centre, "req-1", true, ""), "Moved", "decided again on the corrected record");
    assert_eq!(record(&b, ZHANG).data["phone"], "13900000000", "B gets the corrected fields");
}

#[test]
fn rejections_and_keys_the_origin_does_not_hold() {
    let (a, b) = districts();
    let b_centre = user(Role::TownCoordinator, "500105001", "jbzhen");
    let a_centre = user(Role::TownCoordinator, "500118100", "zhen");
    let a_specialist = user(Role::AdminSpecialist, "500118", "zhuan");
    ready(request(&*b, &asker(), ask("req-1", UNREGISTERED), &now())).expect("asked");
    ready(request(&*b, &asker(), ask("req-2", LI), &now())).expect("asked");
    assert!(run(&b, &b_centre, "req-2", false, "").starts_with("validation_failed"), "a rejection says why");
    assert_eq!(run(&b, &b_centre, "req-2", false, "本村无此人户籍"), "Rejected");
    assert_eq!(run(&a, &a_centre, "req-2", true, ""), "not_found", "a request B rejected never reaches A");
    assert_eq!(run(&b, &b_centre, "req-1", true, ""), "AwaitingRelease");
    // Nobody in A holds it: only A's 行政专员 sees it, told why it cannot move.
    assert!(ready(list(&*a, &a_centre)).expect("listed").is_empty());
    let seen = ready(list(&*a, &a_specialist)).expect("listed");
    assert_eq!((seen.len(), seen[0].found.as_ref(), seen[0].blocked.is_some()), (1, None, true));
    assert_eq!(run(&a, &a_specialist, "req-1", true, ""), "cannot_move");
    assert_eq!(run(&a, &a_specialist, "req-1", false, "查无此人"), "Rejected");
    let asked = ready(list(&*b, &asker())).expect("listed");
    assert!(asked.iter().all(|v| v.status == S::Rejected && v.found.is_none()));
    // A key B already holds live cannot be received.
    let b_import = user(Role::VillageStaff, B_VILLAGE, "jbcun");
    ready(request(&*b, &b_import, ask("req-3", ZHANG), &now())).expect("asked");
    let copy = crate::ledger::plan_insert(
        &b.record_types().expect("types").get("person").expect("person").clone(),
        "person:b-1",
        B_VILLAGE,
        serde_json::json!({"name": "张三", "id_number": ZHANG}),
        &ChangeMeta { changed_at: "2026-11-29T08:00:00Z".into(), changed_by: "jbcun".into(), source: Source::Import },
    );
    ready(b.apply(&[copy.expect("planned")])).expect("entered in B");
    assert_eq!(
        code(&ready(decide(&*b, &b_centre, "req-3", &Decision { approve: true, note: String::new() }, &now())).expect_err("refused")),
        "cannot_receive"
    );
}

#[test]
fn a_release_that_loses_a_race_finishes_or_answers_the_winner_s_move() {
    let (a, b) = districts();
    let a_centre = user(Role::TownCoordinator, "500118100", "zhen");
    let b_centre = user(Role::TownCoordinator, "500105001", "jbzhen");
    for (id, winner_status) in [("req-1", S::Moving), ("req-2", S::Moved)] {
        let key = if id == "req-1" { ZHANG } else { LI };
        ready(request(&*b, &asker(), ask(id, key), &now())).expect("asked");
        assert_eq!(run(&b, &b_centre, id, true, ""), "AwaitingRelease");
        let holder = record(&a, key);
        let mut winner = ready(a.district_transfer(id)).expect("read").expect("stored");
        winner.status = winner_status;
        (winner.decided_by, winner.decided_at, winner.record_id, winner.from_org_unit, winner.record_version) = (
            Some("zhuan".into()),
            Some("2026-11-29T07:59:00Z".into()),
            Some(holder.id.clone()),
            Some(VILLAGE.into()),
            Some(holder.version),
        );
        *a.district_transfer_meanwhile.borrow_mut() = Some(winner);
        assert_eq!(run(&a, &a_centre, id, true, ""), "Moved", "{id}: the loser is answered with the move, not a conflict");
    }
    assert_eq!(live_in(&b, ZHANG), 1, "the move the winner started is finished by the loser");
    assert_eq!(live_in(&a, ZHANG), 0);
}
