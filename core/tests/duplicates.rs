//! The duplicate check of 报表准入 (issue 17): data-driven cases, one line
//! each, and the labelled set held to its target.

use serde_json::{Value, json};
use ybt_core::review::duplicates::{self, LiveTemplate};
use ybt_core::review::labelled::score_text;
use ybt_core::{Catalog, compile};

fn catalog() -> Catalog {
    Catalog::builtin().expect("catalog")
}

fn template(id: &str, subject: Value, properties: Value) -> ybt_core::CompiledTemplate {
    let mut doc = json!({
        "title": format!("《{id}》"),
        "x-template": {"id": id, "version": 1, "department": "区民政局"},
        "type": "object",
        "properties": properties
    });
    if !subject.is_null() {
        doc["x-subject"] = subject;
    }
    compile(&doc, &catalog()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// A live template with the fields most cases compare against.
fn live() -> LiveTemplate {
    LiveTemplate::of(&template(
        "live",
        json!({"entity": "person"}),
        json!({
            "income": {"type": "number", "title": "家庭月收入（元）"},
            "visited_on": {"type": "string", "format": "date", "title": "走访日期"},
            "living": {"type": "string", "title": "生活状况", "enum": ["良好", "一般", "困难"]},
            "remarks": {"type": "string", "title": "备注"},
            "tel": {"type": "string", "title": "电话", "format": "cn-mobile", "x-writeback": true, "x-writeback-item": "person.phone"}
        }),
    ))
}

/// Checks one new field `field` of a form about `entity`: `expect` is
/// `none` or `<target> <kind> <confidence>`.
fn check(entity: &str, field: Value, expect: &str) {
    let subject = if entity == "org_unit" { Value::Null } else { json!({"entity": entity}) };
    let t = template("req", subject, json!({ "f": field }));
    let found = duplicates::find(&t, &catalog(), &[live()]);
    let got = match found.as_slice() {
        [] => "none".to_owned(),
        [one] => format!(
            "{} {} {}",
            one.target.label(),
            serde_json::to_value(one.kind).expect("kind").as_str().unwrap_or_default(),
            serde_json::to_value(one.confidence).expect("confidence").as_str().unwrap_or_default()
        ),
        many => format!("{} findings: {:?}", many.len(), many.iter().map(|f| f.target.label()).collect::<Vec<_>>()),
    };
    assert_eq!(got, expect, "{field}");
}

fn s(title: &str) -> Value {
    json!({"type": "string", "title": title})
}

#[test]
fn titles_as_people_read_them() {
    check("person", s("身份证号码"), "ledger:person.id_number exact high");
    check("person", s("身份证"), "ledger:person.id_number exact high");
    check("person", s("公民身份号码"), "ledger:person.id_number alias high");
    check("person", s("家庭住址"), "ledger:person.address alias high");
    check("person", s("出生年月"), "ledger:person.birth_date alias high");
    check("person", s("联系电话号码"), "ledger:person.phone exact high");
    check("person", s("Ｉ住址"), "none");
    check("person", json!({"type": "number", "title": "家庭月收入(元)"}), "template:live/income exact high");
    check("person", json!({"type": "number", "title": "家庭月收入元"}), "template:live/income exact high");
    check("person", json!({"type": "number", "title": "家庭月收入 （ 元 ）"}), "template:live/income exact high");
    check("person", json!({"type": "string", "title": "生活情况", "enum": ["良好", "一般", "困难"]}), "template:live/living exact high");
}

#[test]
fn prefixes_that_do_not_change_the_item() {
    check("person", s("服务对象姓名"), "ledger:person.name similar medium");
    check("person", s("受灾人员姓名"), "ledger:person.name similar low");
    check("person", s("单位电话"), "none");
    check("person", s("本人住址"), "ledger:person.address similar medium");
    check("venue", s("店铺地址"), "ledger:venue.address similar medium");
    check("person", s("单位地址"), "none");
}

#[test]
fn evidence_beyond_the_title() {
    check("person", json!({"type": "string", "title": "证照", "format": "cn-id-number"}), "ledger:person.id_number format medium");
    check("house", json!({"type": "string", "title": "身份证号", "format": "cn-id-number"}), "ledger:house.owner_id_number format medium");
    check("person", json!({"type": "string", "title": "号", "pattern": "^[0-9]{17}[0-9Xx]$"}), "ledger:person.id_number format medium");
    check("person", json!({"type": "string", "title": "所在地", "pattern": "^[0-9]{12}$"}), "ledger:person.village format medium");
    check("person", json!({"type": "string", "title": "编号", "pattern": "^[0-9]+$"}), "none");
    check(
        "house",
        json!({"type": "string", "title": "建筑类型", "enum": ["砖混", "砖木", "框架", "土木", "石木", "钢结构", "其他"]}),
        "ledger:house.structure similar low",
    );
    check(
        "enterprise",
        json!({"type": "string", "title": "信用号", "format": "cn-credit-code"}),
        "ledger:enterprise.credit_code format medium",
    );
    check(
        "land_parcel",
        json!({"type": "string", "title": "用途", "enum": ["水田", "旱地", "林地", "园地", "其他"]}),
        "ledger:land_parcel.land_use similar medium",
    );
}

#[test]
fn near_misses_are_not_flagged() {
    check("person", s("联系人"), "none");
    check("person", s("出生地"), "none");
    check("person", s("户主姓名"), "none");
    check("person", json!({"type": "string", "title": "丈夫联系电话", "format": "cn-mobile"}), "none");
    check("person", json!({"type": "string", "title": "巡查人电话", "format": "cn-mobile"}), "none");
    check("person", json!({"type": "number", "title": "月收入（元）"}), "none");
    check("person", json!({"type": "string", "title": "监护人身份证号", "format": "cn-id-number"}), "none");
    check("person", json!({"type": "string", "title": "紧急联系人电话", "format": "cn-mobile"}), "none");
    check("person", s("备注"), "none");
    check("person", json!({"type": "string", "title": "困难程度", "enum": ["良好", "一般", "困难"]}), "none");
    check("person", json!({"type": "string", "format": "date", "title": "出生日期核对日期"}), "none");
    check("person", json!({"type": "string", "format": "date", "title": "入户日期"}), "none");
}

#[test]
fn the_same_write_back_target_is_a_duplicate() {
    check(
        "person",
        json!({"type": "string", "title": "新号码", "format": "cn-mobile", "x-writeback": true, "x-writeback-item": "person.phone"}),
        "template:live/tel exact high",
    );
}

#[test]
fn findings_explain_themselves_in_both_languages() {
    let t = template("req", json!({"entity": "person"}), json!({"a": s("家庭住址")}));
    let found = duplicates::find(&t, &catalog(), &[]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].pointer, "/properties/a");
    assert!(found[0].message.zh.contains("家庭住址") && found[0].message.zh.contains("住址"), "{}", found[0].message.zh);
    assert!(found[0].message.en.contains("person.address"), "{}", found[0].message.en);
    let json = serde_json::to_value(&found[0]).expect("serializes");
    assert_eq!(json["target"], json!({"type": "ledger", "item": "person.address", "title": "住址"}));
    assert_eq!(json["kind"], "alias");
    assert_eq!(json["evidence"][0], json!({"kind": "alias", "alias": "家庭住址"}));
}

fn meets_the_target(text: &str, min_fields: usize) {
    let scores = score_text(text, &catalog()).expect("the labelled set scores");
    assert!(scores.fields >= min_fields, "at least {min_fields} labelled fields: {}", scores.fields);
    assert!(scores.negatives * 3 >= scores.fields, "near-misses and other fields that must not be flagged: {}", scores.negatives);
    let report = format!(
        "recall {:.3}, precision {:.3}\nmissed {:#?}\nwrong {:#?}",
        scores.recall(),
        scores.precision(),
        scores.false_negatives,
        scores.false_positives
    );
    assert!(scores.recall() >= 0.9, "{report}");
    assert!(scores.precision() >= 0.9, "{report}");
}

/// The target of issue 17: recall ≥ 90 % at precision ≥ 90 % on the
/// labelled set (figures in BENCHMARKS.md).
#[test]
fn labelled_set_meets_the_target() {
    meets_the_target(include_str!("data/duplicates_labelled.json"), 100);
}

/// The same on the set written after the rules were first frozen.
#[test]
fn held_out_set_meets_the_target() {
    meets_the_target(include_str!("data/duplicates_heldout.json"), 50);
}
