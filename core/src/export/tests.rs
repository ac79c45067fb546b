//! Export: the exact CSV, masking, and the round trip export → import →
//! nothing to change.

use serde_json::json;

use super::*;
use crate::import::{ImportFailure, ImportRequest, Limits, UpsertTarget, plan_import};
use crate::ledger::store_ready as ready;
use crate::ledger::{ChangeMeta, InMemoryLedger, LedgerStore, OrgLevel, OrgUnit, RecordTypes, Source, plan_insert};

const AT: &str = "2026-03-01T08:00:00Z";
static NO_NAMES: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();

fn types() -> RecordTypes {
    RecordTypes::builtin().expect("types")
}

fn meta() -> ChangeMeta {
    ChangeMeta { changed_by: "clerk".into(), changed_at: "2026-03-01T08:00:00Z".into(), source: Source::Import }
}

fn record(data: serde_json::Value) -> LedgerRecord {
    let types = types();
    plan_insert(types.get("person").expect("person"), "person:1", "500118100001", data, &meta()).expect("valid").record
}

/// Two villages of one town with demo people, stored.
fn town_ledger() -> InMemoryLedger {
    let villages: Vec<(OrgUnit, String)> = ["500118100001", "500118100002"]
        .iter()
        .map(|code| {
            let unit =
                OrgUnit { code: (*code).into(), name: "青峰村".into(), level: OrgLevel::Village, parent_code: Some("500118100".into()) };
            (unit, "青峰镇".into())
        })
        .collect();
    let store = InMemoryLedger::new();
    let types = types();
    let person = types.get("person").expect("person");
    // Every tenth person was recorded by an emergency survey (灾情记录, a
    // list of records the system writes).
    let writes: Vec<_> = crate::demo::people(&villages, 150, 3)
        .into_iter()
        .enumerate()
        .map(|(i, mut p)| {
            if i % 10 == 0 {
                p.data["disaster_records"] = json!([
                    {"event": "s-2026-07", "title": "7月台风受灾摸排", "date": "2026-07-20", "kind": "房屋受损"},
                    {"event": "s-2026-08"}
                ]);
            }
            plan_insert(person, &p.id, &p.org_unit, p.data, &meta()).expect("demo people are valid")
        })
        .collect();
    ready(store.apply(&writes)).expect("stored");
    store
}

#[test]
fn csv_has_bom_zh_headers_and_quotes_what_needs_it() {
    let types = types();
    let person = types.get("person").expect("person");
    let zhang = record(json!({
        "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678",
        "address": "青峰镇\"老街\",3号", "tags": ["低保", "残疾"], "household": "-1"
    }));
    let csv = String::from_utf8(to_csv(person, std::slice::from_ref(&zhang), &mask_nothing)).expect("utf-8");
    assert_eq!(
        csv,
        "\u{feff}姓名,性别,身份证号,出生日期,民族,联系电话,住址,户编号,所属村（社区）,人员标签,残疾等级,灾情记录\r\n\
         张三,,11010519491231002X,,,13812345678,\"青峰镇\"\"老街\"\",3号\",'-1,,低保、残疾,,\r\n"
    );
    let masked = String::from_utf8(to_csv(person, &[zhang], &mask_identifiers)).expect("utf-8");
    assert!(masked.contains(",110105********002X,") && masked.contains(",138****5678,"), "{masked}");
}

#[test]
fn xlsx_masks_through_the_policy() {
    let types = types();
    let person = types.get("person").expect("person");
    let zhang = record(json!({"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}));
    let bytes = to_xlsx(person, &[zhang], &mask_identifiers, AT).expect("xlsx");
    let sheet = crate::import::read_sheet(&bytes, &Limits::default()).expect("reads back");
    let texts: Vec<String> = sheet.rows[1].cells.iter().map(crate::import::Cell::text).collect();
    assert_eq!(texts[2], "110105********002X");
    assert_eq!(texts[5], "138****5678");
}

#[test]
fn exports_import_back_as_nothing_to_change() {
    let store = town_ledger();
    let types = types();
    let person = types.get("person").expect("person");
    let meta = meta();
    for unit in ["500118100001", "500118100"] {
        let records = ready(store.list(unit, "person")).expect("infallible");
        let csv = to_csv(person, &records, &mask_nothing);
        let xlsx = to_xlsx(person, &records, &mask_nothing, AT).expect("xlsx");
        for (kind, bytes) in [("csv", csv), ("xlsx", xlsx)] {
            let request = ImportRequest {
                entity: "person",
                target: UpsertTarget { unit, meta: &meta, disclosed: &NO_NAMES },
                limits: Limits::default(),
                mapping: None,
                sheets: None,
            };
            let plan = plan_import(&types, &bytes, &request, &records, &mut |_, _| {}).unwrap_or_else(|e| panic!("{unit} {kind}: {e:?}"));
            assert!(plan.upserts.writes.is_empty(), "{unit} {kind}: {:?}", plan.upserts.writes.first());
            assert_eq!(plan.upserts.unchanged, records.len(), "{unit} {kind}");
            // The 灾情记录 column is read, shown read-only and skipped.
            let disasters = plan.mapping.iter().find(|m| m.header == "灾情记录").expect("the column is exported");
            assert!(disasters.read_only && disasters.field.is_none(), "{disasters:?}");
        }
    }
}

#[test]
fn structured_values_are_written_as_words() {
    let types = types();
    let person = types.get("person").expect("person");
    let zhang = record(json!({
        "name": "张三", "id_number": "11010519491231002X",
        "disaster_records": [{"event": "s-1", "title": "7月台风受灾摸排", "date": "2026-07-20", "kind": "房屋受损"}, {"event": "s-2"}]
    }));
    let csv = String::from_utf8(to_csv(person, &[zhang], &mask_nothing)).expect("utf-8");
    assert!(csv.contains(",7月台风受灾摸排（2026-07-20，房屋受损）；s-2\r\n"), "{csv}");
}

#[test]
fn a_masked_export_cannot_be_imported_over_the_ledger() {
    let store = town_ledger();
    let types = types();
    let person = types.get("person").expect("person");
    let records = ready(store.list("500118100001", "person")).expect("infallible");
    let masked = to_csv(person, &records, &mask_identifiers);
    let meta = meta();
    let request = ImportRequest {
        entity: "person",
        target: UpsertTarget { unit: "500118100001", meta: &meta, disclosed: &NO_NAMES },
        limits: Limits::default(),
        mapping: None,
        sheets: None,
    };
    let result = plan_import(&types, &masked, &request, &records, &mut |_, _| {});
    let Err(ImportFailure::Rows { errors, .. }) = result else { panic!("masked data must be refused") };
    // Masked ID numbers fail their check digit, and masked twins collide.
    assert!(errors.iter().all(|e| e.code == "format" || e.code == "duplicate_key"), "{errors:?}");
    assert!(errors.iter().any(|e| e.code == "format"));
}

#[test]
fn other_record_types_export_with_their_titles() {
    let types = types();
    let house = types.get("house").expect("house");
    let data = json!({"address": "青峰村1组3号", "structure": "砖混", "floors": 2, "area": 120.5});
    let record = plan_insert(house, "house:1", "500118100001", data, &meta()).expect("valid").record;
    let csv = String::from_utf8(to_csv(house, &[record], &mask_nothing)).expect("utf-8");
    let mut lines = csv.lines();
    assert!(lines.next().is_some_and(|h| h.starts_with("\u{feff}房屋地址,产权人,产权人身份证号,户编号,结构类型,层数,建筑面积（平方米）")));
    assert_eq!(lines.next(), Some("青峰村1组3号,,,,砖混,2,120.5,,,,,"));
}

#[test]
fn the_same_export_gives_the_same_bytes() {
    let store = town_ledger();
    let types = types();
    let person = types.get("person").expect("person");
    let records = ready(store.list("500118100001", "person")).expect("infallible");
    let once = to_xlsx(person, &records, &mask_nothing, AT).expect("xlsx");
    assert_eq!(once, to_xlsx(person, &records, &mask_nothing, AT).expect("xlsx"));
    assert_ne!(once, to_xlsx(person, &records, &mask_nothing, "2026-03-02T08:00:00Z").expect("xlsx"));
    assert!(matches!(to_xlsx(person, &records, &mask_nothing, "yesterday"), Err(ExportError::Xlsx(_))));
}
