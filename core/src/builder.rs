//! The template builder's edits: a department analyst picks ledger items
//! from the catalog and adds new fields with a type and constraints; each
//! edit here turns into JSON Schema the compiler then checks. The browser
//! only calls these and shows the document.

use serde_json::{Map, Value, json};

use crate::catalog::{Catalog, CatalogItem};
use crate::field_error::FieldError;

mod describe;
mod edit;
pub mod meta;
pub mod presets;
pub mod source;
mod spec;
pub mod survey;
pub mod undo;

pub use describe::{field_problems, field_summary};
pub use edit::{add_field, add_ledger_item, add_property, display_order, free_key, move_field, remove_property, update_field};
pub use spec::{NewFieldSpec, NewFieldType, computed_type, field_spec, new_property};

/// A fresh template document for `entity` (optionally only the records
/// tagged `tag`), with no fields yet.
pub fn blank(id: &str, title: &str, department: &str, entity: &str, tag: &str) -> Value {
    let mut doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "x-template": {"id": id, "version": 1, "department": department},
        "type": "object",
        "required": [],
        "properties": {}
    });
    if entity != "org_unit" {
        let mut subject = json!({"entity": entity});
        if !tag.trim().is_empty() {
            subject["filter"] = json!({"tags": tag.trim()});
        }
        doc["x-subject"] = subject;
    }
    doc
}

/// Catalog items of `entity` whose Chinese title, another name departments
/// give it (`x-aliases`: 地址 and 家庭住址 find 住址, 身份证号码 finds 身份证号)
/// or dotted name contains `query` (all of them for an empty query), in
/// catalog order.
pub fn search<'c>(catalog: &'c Catalog, entity: &str, query: &str) -> Vec<&'c CatalogItem> {
    search_hits(catalog, entity, query).into_iter().map(|h| h.item).collect()
}

/// A catalog item found by [`search_hits`], with the other name it was
/// found by when not its title (地址 for 住址).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit<'c> {
    pub item: &'c CatalogItem,
    pub alias: Option<&'c str>,
}

/// [`search`], saying which other name matched.
pub fn search_hits<'c>(catalog: &'c Catalog, entity: &str, query: &str) -> Vec<SearchHit<'c>> {
    let query = query.trim();
    catalog
        .items()
        .filter(|i| i.entity == entity)
        .filter_map(|item| {
            if query.is_empty() || item.title.contains(query) || item.name.contains(query) || query.contains(item.title.as_str()) {
                return Some(SearchHit { item, alias: None });
            }
            let alias = item.aliases.iter().find(|a| a.contains(query) || query == a.as_str())?;
            Some(SearchHit { item, alias: Some(alias.as_str()) })
        })
        .collect()
}

/// The record types rows can be about, with their Chinese names (人员 for
/// `person`), in catalog order; `org_unit` (one row per village) first.
pub fn entities(catalog: &Catalog) -> Vec<(String, String)> {
    let mut list: Vec<String> = catalog.items().map(|i| i.entity.clone()).collect();
    list.dedup();
    list.sort_by_key(|e| e != "org_unit");
    list.into_iter()
        .map(|e| {
            let title = if e == "org_unit" {
                "村（社区）本身（每村一行）".to_owned()
            } else {
                catalog.entity_title(&e).map_or_else(|| e.clone(), str::to_owned)
            };
            (e, title)
        })
        .collect()
}

/// The property that pre-fills `item`: its title, type and format, bound with `x-ledger`.
pub fn ledger_property(item: &CatalogItem) -> Value {
    let mut p = Map::new();
    p.insert("title".into(), Value::String(item.title.clone()));
    if let Some(t) = &item.json_type {
        p.insert("type".into(), Value::String(t.clone()));
    }
    if let Some(f) = &item.format {
        p.insert("format".into(), Value::String(f.clone()));
    }
    p.insert("x-ledger".into(), Value::String(item.name.clone()));
    Value::Object(p)
}

/// Binds new field `key` to ledger `item` (the one-click fix of a review
/// finding): the field keeps its key, title, place in `required` and
/// display hints, takes the item's type and format, and loses what only
/// typed values need (its own enum, pattern, bounds, write-back). Staff no
/// longer type it; it is pre-filled. `false` when there is no such field.
pub fn bind_to_ledger(doc: &mut Value, key: &str, item: &CatalogItem) -> bool {
    let Some(property) = doc.get_mut("properties").and_then(|p| p.get_mut(key)).and_then(Value::as_object_mut) else {
        return false;
    };
    let mut bound = match ledger_property(item) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for kept in ["title", "description", "x-ui"] {
        if let Some(value) = property.get(kept) {
            bound.insert(kept.to_owned(), value.clone());
        }
    }
    *property = bound;
    true
}

/// A builder input's problem; `zh`/`en` typed so callers may pass `.into()`.
fn problem(pointer: &str, code: &str, zh: String, en: String) -> FieldError {
    FieldError::zh_en(pointer, code, zh, en)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile;

    fn catalog() -> Catalog {
        Catalog::builtin().expect("catalog")
    }

    #[test]
    fn a_built_template_compiles_with_the_expected_burden() {
        let catalog = catalog();
        let mut doc = blank("aid", "临时救助", "区民政局", "person", "低保");
        for item in search(&catalog, "person", "身份证").into_iter().chain(search(&catalog, "person", "姓名").into_iter().take(1)) {
            let key = free_key(&doc, &item.field);
            add_property(&mut doc, &key, ledger_property(item), true);
        }
        let spec = NewFieldSpec {
            key: "aid_amount".into(),
            title: "救助金额（元）".into(),
            kind: Some(NewFieldType::Number),
            required: true,
            minimum: "0".into(),
            maximum: "5000".into(),
            ..NewFieldSpec::default()
        };
        add_property(&mut doc, &spec.key, new_property(&spec).expect("valid"), spec.required);
        let compiled = compile(&doc, &catalog).expect("compiles");
        assert_eq!((compiled.burden.prefilled, compiled.burden.new), (2, 1));
        assert_eq!(doc["required"], json!(["id_number", "name", "aid_amount"]));
        assert_eq!(doc["x-subject"], json!({"entity": "person", "filter": {"tags": "低保"}}));
        remove_property(&mut doc, "name");
        assert_eq!(doc["required"], json!(["id_number", "aid_amount"]));
        assert!(doc["properties"].get("name").is_none());
    }

    #[test]
    fn search_matches_chinese_titles_within_the_entity() {
        let catalog = catalog();
        let found: Vec<_> = search(&catalog, "person", "电话").iter().map(|i| i.name.as_str()).collect();
        assert_eq!(found, ["person.phone"]);
        assert!(search(&catalog, "enterprise", "").iter().all(|i| i.entity == "enterprise"));
    }

    #[test]
    fn bad_specs_name_every_input() {
        let spec = NewFieldSpec {
            key: "Bad Key".into(),
            kind: Some(NewFieldType::Number),
            minimum: "10".into(),
            maximum: "x".into(),
            ..NewFieldSpec::default()
        };
        let errors = new_property(&spec).expect_err("invalid");
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/key", "/title", "/maximum"]);
        let choice = NewFieldSpec {
            key: "k".into(),
            title: "类别".into(),
            kind: Some(NewFieldType::Choice),
            options: "甲".into(),
            ..NewFieldSpec::default()
        };
        assert_eq!(new_property(&choice).expect_err("one option").iter().map(|e| e.code.as_str()).collect::<Vec<_>>(), ["too_few_options"]);
        let choice = NewFieldSpec { options: "甲，乙、丙".into(), ..choice };
        assert_eq!(new_property(&choice).expect("valid")["enum"], json!(["甲", "乙", "丙"]));
        let min_max = NewFieldSpec {
            key: "k".into(),
            title: "t".into(),
            kind: Some(NewFieldType::Integer),
            minimum: "5".into(),
            maximum: "1".into(),
            ..NewFieldSpec::default()
        };
        assert_eq!(new_property(&min_max).expect_err("max < min")[0].code, "max_below_min");
    }

    #[test]
    fn binding_a_finding_pre_fills_the_field() {
        let catalog = catalog();
        let mut doc = blank("visit", "走访", "区民政局", "person", "");
        let spec = NewFieldSpec {
            key: "home".into(),
            title: "家庭住址".into(),
            kind: Some(NewFieldType::Text),
            required: true,
            max_length: "80".into(),
            ..NewFieldSpec::default()
        };
        add_property(&mut doc, "home", new_property(&spec).expect("valid"), true);
        doc["properties"]["home"]["x-ui"] = json!({"width": 30});
        doc["properties"]["home"]["pattern"] = json!("^.{2,}$");
        let before = compile(&doc, &catalog).expect("compiles");
        assert_eq!((before.burden.prefilled, before.burden.new), (0, 1));
        let item = catalog.get("person.address").expect("item");
        assert!(bind_to_ledger(&mut doc, "home", item));
        assert_eq!(
            doc["properties"]["home"],
            json!({"title": "家庭住址", "type": "string", "x-ledger": "person.address", "x-ui": {"width": 30}})
        );
        assert_eq!(doc["required"], json!(["home"]));
        let after = compile(&doc, &catalog).expect("compiles");
        assert_eq!((after.burden.prefilled, after.burden.new), (1, 0));
        assert!(crate::review::duplicates::find(&after, &catalog, &[]).is_empty());
        assert!(!bind_to_ledger(&mut doc, "missing", item));
    }

    fn spec(key: &str, title: &str, kind: NewFieldType) -> NewFieldSpec {
        NewFieldSpec { key: key.into(), title: title.into(), kind: Some(kind), ..NewFieldSpec::default() }
    }

    fn keys(doc: &Value) -> Vec<String> {
        doc["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default()
    }

    fn template_with(catalog: &Catalog, items: &[&str]) -> Value {
        let mut doc = blank("aid", "临时救助", "区民政局", "person", "");
        for name in items {
            add_ledger_item(&mut doc, catalog.get(name).expect("item")).expect("added");
        }
        doc
    }

    #[test]
    fn a_key_in_use_is_refused_not_replaced() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.address"]);
        let before = doc.clone();
        let errors = add_field(&mut doc, &spec("address", "现住址", NewFieldType::Text)).expect_err("taken");
        assert_eq!(errors[0].code, "key_taken");
        assert!(errors[0].message.zh.contains("「住址」"), "{:?}", errors[0].message);
        assert_eq!(doc, before, "the ledger-bound 住址 is untouched");
        let twice = add_ledger_item(&mut doc, catalog.get("person.name").expect("item")).expect_err("twice");
        assert_eq!(twice.code, "item_already_added");
        assert_eq!(keys(&doc), ["name", "address"], "no name_2");
    }

    #[test]
    fn removing_a_field_keeps_the_others_in_place() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.id_number", "person.address", "person.phone"]);
        remove_property(&mut doc, "id_number");
        assert_eq!(keys(&doc), ["name", "address", "phone"]);
        assert_eq!(doc["required"], json!(["name", "address", "phone"]));
    }

    #[test]
    fn fields_move_up_and_down_and_orders_follow() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.id_number", "person.address"]);
        assert!(move_field(&mut doc, "address", true));
        assert_eq!(keys(&doc), ["name", "address", "id_number"]);
        assert!(!move_field(&mut doc, "name", true), "the first cannot go up");
        assert!(!move_field(&mut doc, "id_number", false), "the last cannot go down");
        // With an explicit order, every field gets one and the display follows.
        doc["properties"]["id_number"]["x-ui"] = json!({"order": 1});
        assert_eq!(display_order(&doc), ["id_number", "name", "address"]);
        assert!(move_field(&mut doc, "name", true));
        assert_eq!(display_order(&doc), ["name", "id_number", "address"]);
        let compiled = compile(&doc, &catalog).expect("compiles");
        assert_eq!(compiled.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["name", "id_number", "address"]);
    }

    #[test]
    fn every_feature_round_trips_through_the_form() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name"]);
        let card = NewFieldSpec {
            preset: "bank_card".into(),
            help: "本人社保卡银行账号".into(),
            width: "19".into(),
            order: "3".into(),
            required: true,
            ..spec("bank_card", "银行卡号", NewFieldType::Text)
        };
        add_field(&mut doc, &card).expect("added");
        assert_eq!(
            doc["properties"]["bank_card"],
            json!({"title": "银行卡号", "type": "string", "pattern": "^[0-9]{16,19}$", "x-sensitive": true,
                   "x-ui": {"help": "本人社保卡银行账号", "width": 19, "order": 3}})
        );
        let back = field_spec(&doc, "bank_card").expect("spec");
        assert_eq!(back, NewFieldSpec { sensitive: true, ..card });
        let income = NewFieldSpec { minimum: "0".into(), ..spec("income", "家庭月收入（元）", NewFieldType::Number) };
        let members = NewFieldSpec { minimum: "1".into(), maximum: "20".into(), ..spec("members", "家庭人口", NewFieldType::Integer) };
        let per =
            NewFieldSpec { formula: "round(income / members, 2)".into(), ..spec("per_capita", "人均月收入", NewFieldType::Computed) };
        let phone = NewFieldSpec { preset: "mobile".into(), writeback: true, ..spec("phone", "联系电话", NewFieldType::Text) };
        let note = NewFieldSpec { multiline: true, max_length: "200".into(), ..spec("remarks", "备注", NewFieldType::Text) };
        let visit = spec("visited", "走访日期", NewFieldType::Date);
        let ok = spec("confirmed", "本人已确认", NewFieldType::Boolean);
        for s in [&income, &members, &per, &phone, &note, &visit, &ok] {
            add_field(&mut doc, s).unwrap_or_else(|e| panic!("{}: {e:?}", s.key));
            assert_eq!(field_spec(&doc, &s.key).as_ref(), Some(s), "{}", s.key);
        }
        assert_eq!(doc["properties"]["per_capita"]["type"], "number");
        // Sensitive is for text, as the compiler requires.
        let number = NewFieldSpec { sensitive: true, ..spec("salary", "工资", NewFieldType::Number) };
        assert_eq!(new_property(&number).expect_err("number")[0].pointer, "/sensitive");
        let compiled = compile(&doc, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!((compiled.burden.prefilled, compiled.burden.new, compiled.burden.computed), (1, 7, 1));
        assert_eq!(compiled.field("phone").and_then(|f| f.writeback.as_deref()), Some("person.phone"));
        // The village reads what a bank card number looks like.
        let errors = crate::validate(&compiled, &json!({"bank_card": "6222 0212"}));
        let card_error = errors.iter().find(|e| e.pointer == "/bank_card").expect("refused");
        assert_eq!(card_error.message.zh, "格式不正确：应为16至19位数字的银行卡号");
    }

    #[test]
    fn editing_a_field_keeps_its_place_and_what_the_builder_does_not_write() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.name", "person.address"]);
        add_field(&mut doc, &spec("amount", "金额", NewFieldType::Number)).expect("added");
        add_field(&mut doc, &spec("remarks", "备注", NewFieldType::Text)).expect("added");
        doc["properties"]["amount"]["description"] = json!("按月");
        doc["properties"]["amount"]["x-renamed-from"] = json!("money");
        let edited =
            NewFieldSpec { maximum: "5000".into(), required: true, ..spec("aid_amount", "救助金额（元）", NewFieldType::Number) };
        update_field(&mut doc, "amount", &edited).expect("edited");
        assert_eq!(keys(&doc), ["name", "address", "aid_amount", "remarks"]);
        assert_eq!(
            doc["properties"]["aid_amount"],
            json!({"description": "按月", "x-renamed-from": "money", "title": "救助金额（元）", "type": "number", "maximum": 5000})
        );
        assert!(doc["required"].as_array().is_some_and(|r| r.contains(&json!("aid_amount"))));
        // A bound field: only its title, required mark and hints change.
        let mut address = field_spec(&doc, "address").expect("spec");
        assert_eq!(address.ledger, "person.address");
        address.title = "家庭住址".into();
        address.help = "以户籍为准".into();
        update_field(&mut doc, "address", &address).expect("edited");
        assert_eq!(doc["properties"]["address"]["x-ledger"], "person.address");
        assert_eq!(doc["properties"]["address"]["x-ui"], json!({"help": "以户籍为准"}));
        assert_eq!(doc["properties"]["address"]["title"], "家庭住址");
        // Renaming onto a key in use is refused.
        let clash = NewFieldSpec { key: "remarks".into(), ..edited };
        assert_eq!(update_field(&mut doc, "aid_amount", &clash).expect_err("taken")[0].code, "key_taken");
        compile(&doc, &catalog).unwrap_or_else(|e| panic!("{e:?}"));
    }

    #[test]
    fn formulas_and_patterns_are_checked_as_typed() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.id_number"]);
        add_field(&mut doc, &spec("income", "月收入", NewFieldType::Number)).expect("added");
        let typing = |formula: &str| {
            let s = NewFieldSpec { formula: formula.into(), ..spec("twice", "两倍", NewFieldType::Computed) };
            field_problems(&doc, None, &s, &catalog)
        };
        assert!(typing("income * 2").is_empty());
        let half = typing("income *");
        assert_eq!(half.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(), ["/formula"]);
        assert!(half[0].message.zh.contains("公式"), "{:?}", half[0].message);
        let unknown = typing("incom * 2");
        assert!(unknown[0].message.zh.contains("incom") && unknown[0].message.zh.contains("income"), "{:?}", unknown[0].message);
        assert_eq!(typing("id_number + ''")[0].code, "computed_reads_sensitive");
        let regex = NewFieldSpec {
            preset: presets::CUSTOM.into(),
            pattern: "[0-9".into(),
            help: "8位档案号".into(),
            ..spec("file_no", "档案号", NewFieldType::Text)
        };
        let found = field_problems(&doc, None, &regex, &catalog);
        assert_eq!(found.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(), ["/pattern"]);
        assert!(found[0].message.zh.contains("方括号"), "{:?}", found[0].message);
        let no_help = NewFieldSpec { pattern: "^[A-Z]{2}[0-9]{6}$".into(), help: String::new(), ..regex };
        assert_eq!(field_problems(&doc, None, &no_help, &catalog)[0].pointer, "/help");
    }

    #[test]
    fn catalog_search_knows_other_names_and_entities_are_chinese() {
        let catalog = catalog();
        let names = |q: &str| search(&catalog, "person", q).iter().map(|i| i.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("地址"), ["person.address"]);
        assert_eq!(names("身份证号码"), ["person.id_number"]);
        assert_eq!(names("家庭住址"), ["person.address"]);
        let hits = search_hits(&catalog, "person", "地址");
        assert_eq!(hits[0].alias, Some("地址"));
        let entities = entities(&catalog);
        assert!(entities.iter().any(|(e, t)| e == "person" && t == "人员"), "{entities:?}");
        assert!(entities.iter().any(|(e, t)| e == "household" && !t.is_ascii()), "{entities:?}");
        assert_eq!(entities[0].0, "org_unit");
    }

    #[test]
    fn a_field_is_summed_up_in_words() {
        let catalog = catalog();
        let mut doc = template_with(&catalog, &["person.id_number"]);
        let card = NewFieldSpec { preset: "bank_card".into(), required: true, ..spec("card", "银行卡号", NewFieldType::Text) };
        add_field(&mut doc, &card).expect("added");
        let per = NewFieldSpec { formula: "len(card)".into(), ..spec("digits", "位数", NewFieldType::Computed) };
        add_field(&mut doc, &per).expect("added");
        assert_eq!(field_summary(&doc, "id_number", &catalog).zh, "台账预填「身份证号」 · 必填");
        assert_eq!(field_summary(&doc, "card", &catalog).zh, "新增 · 文本 · 银行卡号 · 必填 · 敏感");
        assert_eq!(field_summary(&doc, "digits", &catalog).zh, "自动计算 · 公式 len(card)");
    }

    #[test]
    fn free_keys_do_not_overwrite() {
        let mut doc = blank("t", "t", "d", "person", "");
        assert_eq!(free_key(&doc, "name"), "name");
        add_property(&mut doc, "name", json!({}), false);
        assert_eq!(free_key(&doc, "name"), "name_2");
    }
}
