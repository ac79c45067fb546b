//! The ledger page's reading rules: search, filters and pages over what a
//! reader may see, and values written as people read them.
//!
//! A search must not become an oracle. [`browse`] therefore masks every
//! record for the reader first (through `access::mask_values`, the one
//! masking decision) and matches the query, the tag and the group against
//! the masked values only: the last digits of an ID number or phone find a
//! record only if the reader is shown those digits anyway, and digits in the
//! middle of an identifier are never matched (masking hides them from some
//! readers, and the same rule for everyone keeps answers comparable).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{LedgerRecord, RecordType};
use crate::access::{Principal, mask_values};
use crate::catalog::{Guard, Sensitivity};

/// Records per page unless the reader asks for another size.
pub const PER_PAGE: usize = 20;
/// The largest page a reader may ask for.
pub const MAX_PER_PAGE: usize = 100;
/// Shortest query matched against the tail of an ID number, credit code or
/// phone: fewer digits would find half the village.
pub const MIN_SUFFIX_DIGITS: usize = 4;
/// Longest query kept; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 50;

/// What the reader asks for: `q` (a name, an address, or the last digits of
/// an ID number or phone), a tag (人员标签), a villagers' group (3组), a
/// page (1-based) and its size.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub page: Option<usize>,
    #[serde(default)]
    pub per_page: Option<usize>,
}

/// One value of a filter with the number of records carrying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    pub value: String,
    pub count: usize,
}

/// One page of a search, masked for its reader.
#[derive(Debug, Clone, PartialEq)]
pub struct Browsed {
    /// Records matching the query and filters (all pages).
    pub total: usize,
    /// The page shown (1-based, within `1..=pages`).
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    /// The page's records, masked.
    pub records: Vec<LedgerRecord>,
    /// The tags of the unit's records, with counts (the tag filter's options).
    pub tags: Vec<Facet>,
    /// The villagers' groups of the unit's records, in number order.
    pub groups: Vec<Facet>,
    /// The guarded items the page shows unmasked (for the audit log).
    pub unmasked: Vec<String>,
}

/// The villagers' group (村民小组) an address names: the number before the
/// first 组 (`南华村3组12号` → `3组`, `青峰村三组` → `三组`).
pub fn group_of(address: &str) -> Option<String> {
    let chars: Vec<char> = address.chars().collect();
    let at = chars.iter().position(|c| *c == '组')?;
    let numeral = |c: &char| c.is_ascii_digit() || "一二三四五六七八九十百零〇两".contains(*c);
    let start = chars[..at].iter().rposition(|c| !numeral(c)).map_or(0, |p| p + 1);
    (start < at).then(|| chars[start..=at].iter().collect())
}

/// A group's number for ordering (`12组` after `3组`; Chinese numerals
/// after digits, by their text).
fn group_order(group: &str) -> (u32, String) {
    let digits: String = group.chars().take_while(char::is_ascii_digit).collect();
    (digits.parse().unwrap_or(u32::MAX), group.to_owned())
}

/// Whether an (already masked) record matches `query`: any text field (or
/// list of texts) containing it, or an identifying field (ID number, credit
/// code, phone) ending with it, given at least [`MIN_SUFFIX_DIGITS`]
/// characters. An empty query matches everything.
pub fn matches(record_type: &RecordType, record: &LedgerRecord, query: &str) -> bool {
    let query = query.trim().to_uppercase();
    if query.is_empty() {
        return true;
    }
    let suffix_ok = query.chars().count() >= MIN_SUFFIX_DIGITS;
    record_type.fields.iter().any(|field| {
        let identifying =
            matches!(field.sensitivity, Sensitivity::IdNumber | Sensitivity::Phone) || field.format.as_deref() == Some("cn-credit-code");
        let texts: Vec<&str> = match record.data.get(&field.name) {
            Some(Value::String(text)) => vec![text.as_str()],
            Some(Value::Array(items)) if !identifying => items.iter().filter_map(Value::as_str).collect(),
            _ => return false,
        };
        texts
            .into_iter()
            .any(|text| if identifying { suffix_ok && text.to_uppercase().ends_with(&query) } else { text.to_uppercase().contains(&query) })
    })
}

fn has_tag(record: &LedgerRecord, tag: &str) -> bool {
    record.data.get("tags").and_then(Value::as_array).is_some_and(|tags| tags.iter().any(|t| t.as_str() == Some(tag)))
}

fn group_of_record(record: &LedgerRecord) -> Option<String> {
    record.data.get("address").and_then(Value::as_str).and_then(group_of)
}

/// Masks `records` for `principal` (`guards`: what protects each field, from
/// `access::record_guards`), then searches, filters and pages them. Only the
/// masked values are compared, so the answer reveals nothing the reader is
/// not shown. Records of another type are left out.
pub fn browse(
    principal: &Principal,
    guards: &[(String, Guard)],
    record_type: &RecordType,
    mut records: Vec<LedgerRecord>,
    query: &LedgerQuery,
) -> Browsed {
    records.retain(|r| r.entity == record_type.entity);
    let mut unmasked_of: Vec<Vec<String>> = Vec::with_capacity(records.len());
    for record in &mut records {
        let items = match &mut record.data {
            Value::Object(values) => mask_values(principal, guards, values),
            _ => Vec::new(),
        };
        unmasked_of.push(items);
    }
    let mut tags: BTreeMap<String, usize> = BTreeMap::new();
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for record in &records {
        for tag in record.data.get("tags").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            *tags.entry(tag.to_owned()).or_default() += 1;
        }
        if let Some(group) = group_of_record(record) {
            *groups.entry(group).or_default() += 1;
        }
    }
    let q: String = query.q.chars().take(MAX_QUERY_CHARS).collect();
    let tag = query.tag.as_deref().filter(|t| !t.is_empty());
    let group = query.group.as_deref().filter(|g| !g.is_empty());
    let hits: Vec<usize> = (0..records.len())
        .filter(|&i| {
            let r = &records[i];
            matches(record_type, r, &q)
                && tag.is_none_or(|t| has_tag(r, t))
                && group.is_none_or(|g| group_of_record(r).as_deref() == Some(g))
        })
        .collect();
    let per_page = query.per_page.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE);
    let total = hits.len();
    let pages = total.div_ceil(per_page).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<usize> = hits.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut unmasked: Vec<String> = Vec::new();
    for item in shown.iter().flat_map(|&i| unmasked_of[i].iter()) {
        if !unmasked.contains(item) {
            unmasked.push(item.clone());
        }
    }
    let mut slots: Vec<Option<LedgerRecord>> = records.into_iter().map(Some).collect();
    let records = shown.iter().filter_map(|&i| slots[i].take()).collect();
    let mut groups: Vec<Facet> = groups.into_iter().map(|(value, count)| Facet { value, count }).collect();
    groups.sort_by_key(|f| group_order(&f.value));
    Browsed {
        total,
        page,
        per_page,
        pages,
        records,
        tags: tags.into_iter().map(|(value, count)| Facet { value, count }).collect(),
        groups,
        unmasked,
    }
}

/// A stored value as people read it: nothing as —, lists joined with 、,
/// an org unit's code as its name (`units`), yes/no in words, and a list
/// of entries such as 灾情记录 one entry per line-part: its title (or event),
/// then its date and kind in brackets.
pub fn display(value: &Value, units: &BTreeMap<String, String>) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => units.get(s).cloned().unwrap_or_else(|| s.clone()),
        Value::Bool(true) => "是".to_owned(),
        Value::Bool(false) => "否".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) if items.iter().any(Value::is_object) => {
            items.iter().map(|item| display(item, units)).collect::<Vec<_>>().join("；")
        }
        Value::Array(items) => items.iter().map(|item| display(item, units)).collect::<Vec<_>>().join("、"),
        Value::Object(entry) => {
            let text = |key: &str| entry.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
            let head = text("title").or_else(|| text("event")).map(str::to_owned);
            let details: Vec<&str> = ["date", "kind"].into_iter().filter_map(text).collect();
            // Anything else the entry holds, as `key：value`, so nothing is hidden.
            let rest: Vec<String> = entry
                .iter()
                .filter(|(k, _)| !["title", "event", "date", "kind"].contains(&k.as_str()))
                .map(|(k, v)| format!("{k}：{}", display(v, units)))
                .collect();
            let mut out = head.unwrap_or_default();
            let extra: Vec<String> = details.into_iter().map(str::to_owned).chain(rest).collect();
            if !extra.is_empty() {
                out.push_str(&format!("（{}）", extra.join("，")));
            }
            if out.is_empty() { "—".to_owned() } else { out }
        }
    }
}

/// Whether people edit `field` on the ledger page: not the unit a record
/// belongs to (a move is the town centre's business, through import), and
/// not lists of entries written by other processes (灾情记录, by a
/// survey's close).
pub fn editable(field: &super::FieldSpec) -> bool {
    field.name != "village" && !(field.json_type.as_deref() == Some("array") && field.options.is_empty())
}

/// A value typed into the ledger page's edit form: empty text removes the
/// field; numbers of a number field are read as numbers (anything else is
/// kept as typed, for the validator to name); every other text as it is.
pub fn typed_value(field: &super::FieldSpec, text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match field.json_type.as_deref() {
        Some("integer" | "number") => {
            serde_json::from_str::<serde_json::Number>(text).map_or_else(|_| Value::String(text.to_owned()), Value::Number)
        }
        _ => Value::String(text.to_owned()),
    }
}

/// The patch an edit of `data` makes: each field of `edits` whose value
/// differs from the stored one (a `null` or an empty list removes it),
/// checked as every correction is, on the record as it would be stored
/// ([`super::RecordType::validate`]): every problem, by field. An edit that
/// changes nothing is an empty patch.
pub fn edit_patch(
    record_type: &RecordType,
    data: &Value,
    edits: &serde_json::Map<String, Value>,
) -> Result<super::Patch, Vec<crate::field_error::FieldError>> {
    // An empty list and no value read the same (—): neither is a change.
    let blank = |value: Option<&Value>| match value {
        None => Value::Null,
        Some(Value::Array(items)) if items.is_empty() => Value::Null,
        Some(other) => other.clone(),
    };
    let mut patch = super::Patch::new();
    for (name, value) in edits {
        let value = blank(Some(value));
        if blank(data.get(name)) != value {
            patch.insert(name.clone(), value);
        }
    }
    let errors = record_type.validate(&super::apply_patch(data, &patch));
    if errors.is_empty() { Ok(patch) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Catalog;
    use crate::access::{Role, record_guards};
    use crate::ledger::RecordTypes;

    const VILLAGE: &str = "500118100001";

    fn person(n: u32, name: &str, id: &str, phone: &str, address: &str, tags: &[&str]) -> LedgerRecord {
        let birth_date = format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]);
        LedgerRecord {
            id: format!("person:{n}"),
            entity: "person".into(),
            org_unit: VILLAGE.into(),
            version: 1,
            updated_at: "2026-11-01T00:00:00Z".into(),
            updated_by: "demo".into(),
            data: json!({"name": name, "id_number": id, "phone": phone, "birth_date": birth_date, "address": address, "tags": tags}),
        }
    }

    fn people() -> Vec<LedgerRecord> {
        vec![
            person(1, "张三", "500118197501168792", "13812349999", "南华村3组12号", &["低保"]),
            person(2, "李四", "500118198002025678", "13987654321", "南华村12组1号", &["残疾", "低保"]),
            person(3, "王五", "500118199003031234", "13700001111", "南华村3组5号", &[]),
        ]
    }

    fn reader(role: Role, grants: &[&str]) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            display_name: "u".into(),
            role,
            org_unit: if role == Role::VillageStaff { VILLAGE.into() } else { "500118".into() },
            department: None,
            grants: grants.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    /// The ids a reader finds with `query`.
    fn check(principal: &Principal, query: LedgerQuery) -> Vec<String> {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let catalog = Catalog::builtin().expect("catalog");
        let guards = record_guards(&catalog, "person", person.fields.iter().map(|f| f.name.as_str()));
        browse(principal, &guards, person, people(), &query).records.into_iter().map(|r| r.id).collect()
    }

    fn q(text: &str) -> LedgerQuery {
        LedgerQuery { q: text.into(), ..LedgerQuery::default() }
    }

    #[test]
    fn finds_by_name_address_tag_and_the_tail_of_an_identifier() {
        let staff = reader(Role::VillageStaff, &[]);
        assert_eq!(check(&staff, q("张")), ["person:1"]);
        assert_eq!(check(&staff, q("12组")), ["person:2"]);
        assert_eq!(check(&staff, q("5678")), ["person:2"], "the ID number's last digits");
        assert_eq!(check(&staff, q("4321")), ["person:2"], "the phone's last digits");
        assert_eq!(check(&staff, q("1234")), ["person:3"]);
        assert_eq!(check(&staff, q("低保")), ["person:1", "person:2"], "a tag is text too");
        assert_eq!(check(&staff, q("")).len(), 3);
        assert_eq!(check(&staff, q("1975-01")), ["person:1"], "a birth date the reader is shown");
    }

    #[test]
    fn digits_in_the_middle_of_an_identifier_find_no_one() {
        let staff = reader(Role::VillageStaff, &[]);
        assert!(check(&staff, q("19750116")).is_empty(), "a birth date inside the ID number");
        assert!(check(&staff, q("1234567")).is_empty(), "the middle of a phone");
        assert!(check(&staff, q("92")).is_empty(), "too few digits for a tail");
    }

    #[test]
    fn a_search_reveals_nothing_beyond_what_the_reader_is_shown() {
        let specialist = reader(Role::AdminSpecialist, &[]);
        // Shown: 500118********8792, 138****5678, 1975. The last four match
        // (they are shown); anything longer reaches into the masked part.
        assert_eq!(check(&specialist, q("8792")), ["person:1"]);
        assert!(check(&specialist, q("68792")).is_empty(), "one masked digit more finds no one");
        assert_eq!(check(&specialist, q("4321")), ["person:2"], "a phone's shown tail");
        assert!(check(&specialist, q("54321")).is_empty(), "nor for a phone");
        assert!(check(&specialist, q("0116")).is_empty(), "nor the masked birth date's month and day");
        assert_eq!(check(&specialist, q("1975")), ["person:1"], "the year is shown");
        // Under a grant of the ID number, its group is shown and searched whole.
        let granted = reader(Role::AdminSpecialist, &["person.id_number"]);
        assert_eq!(check(&granted, q("68792")), ["person:1"]);
        assert!(check(&granted, q("54321")).is_empty(), "the phone is still masked");
    }

    #[test]
    fn answers_are_masked_and_audit_only_the_page_shown() {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let catalog = Catalog::builtin().expect("catalog");
        let guards = record_guards(&catalog, "person", person.fields.iter().map(|f| f.name.as_str()));
        let masked = browse(&reader(Role::AdminSpecialist, &[]), &guards, person, people(), &LedgerQuery::default());
        assert_eq!(masked.records[0].data["id_number"], json!("500118********8792"));
        assert_eq!(masked.records[0].data["phone"], json!("138****9999"));
        assert!(masked.unmasked.is_empty());
        let staff = browse(&reader(Role::VillageStaff, &[]), &guards, person, people(), &q("张"));
        assert_eq!(staff.records[0].data["id_number"], json!("500118197501168792"), "village staff see their own village whole");
        assert_eq!(staff.unmasked, ["person.id_number", "person.phone"]);
        let none = browse(&reader(Role::VillageStaff, &[]), &guards, person, people(), &q("没有这个人"));
        assert!(none.records.is_empty() && none.unmasked.is_empty(), "nothing shown, nothing audited");
    }

    #[test]
    fn filters_by_tag_and_group_and_pages() {
        let staff = reader(Role::VillageStaff, &[]);
        let tag = |t: &str| LedgerQuery { tag: Some(t.into()), ..LedgerQuery::default() };
        assert_eq!(check(&staff, tag("残疾")), ["person:2"]);
        assert_eq!(check(&staff, tag("低保")), ["person:1", "person:2"]);
        let group = LedgerQuery { group: Some("3组".into()), ..LedgerQuery::default() };
        assert_eq!(check(&staff, group), ["person:1", "person:3"]);
        let both = LedgerQuery { group: Some("3组".into()), tag: Some("低保".into()), ..LedgerQuery::default() };
        assert_eq!(check(&staff, both), ["person:1"]);
        let page = |n: usize| LedgerQuery { page: Some(n), per_page: Some(2), ..LedgerQuery::default() };
        assert_eq!(check(&staff, page(1)), ["person:1", "person:2"]);
        assert_eq!(check(&staff, page(2)), ["person:3"]);
        assert_eq!(check(&staff, page(9)), ["person:3"], "past the end: the last page");
        assert_eq!(check(&staff, page(0)), ["person:1", "person:2"], "before the start: the first");

        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let all = browse(&staff, &[], person, people(), &LedgerQuery { per_page: Some(1000), ..LedgerQuery::default() });
        assert_eq!((all.per_page, all.pages, all.total), (MAX_PER_PAGE, 1, 3));
        let facets = |f: &[Facet]| f.iter().map(|f| format!("{}:{}", f.value, f.count)).collect::<Vec<_>>();
        assert_eq!(facets(&all.groups), ["3组:2", "12组:1"], "groups in number order");
        assert_eq!(facets(&all.tags), ["低保:2", "残疾:1"]);
    }

    #[test]
    fn groups_are_read_from_addresses() {
        assert_eq!(group_of("卫星湖街道南华村3组12号").as_deref(), Some("3组"));
        assert_eq!(group_of("青峰村三组").as_deref(), Some("三组"));
        assert_eq!(group_of("青峰村十二组7号").as_deref(), Some("十二组"));
        assert_eq!(group_of("组织部宿舍"), None, "组 without a number");
        assert_eq!(group_of("南华村"), None);
    }

    #[test]
    fn values_read_as_words() {
        let units: BTreeMap<String, String> = [(VILLAGE.to_owned(), "南华村".to_owned())].into();
        let check = |value: Value, expect: &str| assert_eq!(display(&value, &units), expect, "{value}");
        check(json!(null), "—");
        check(json!(""), "—");
        check(json!(VILLAGE), "南华村");
        check(json!(["低保", "残疾"]), "低保、残疾");
        check(json!([]), "—");
        check(json!(true), "是");
        check(json!(3), "3");
        check(
            json!([{"event": "d-1", "title": "2026年7月暴雨灾情摸排", "date": "2026-07-12", "kind": "受灾人员"}, {"event": "d-2"}]),
            "2026年7月暴雨灾情摸排（2026-07-12，受灾人员）；d-2",
        );
        check(json!([{"event": "d-3", "damage": "严重"}]), "d-3（damage：严重）");
    }

    #[test]
    fn an_edit_patches_what_changed_and_is_checked_like_any_correction() {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let data = people()[0].data.clone();
        let edits = |v: Value| v.as_object().cloned().expect("object");
        let patch = edit_patch(person, &data, &edits(json!({"name": "张三", "phone": "13900001111", "tags": []}))).expect("valid");
        assert_eq!(Value::Object(patch), json!({"phone": "13900001111", "tags": null}), "only what changed; an empty list removes");
        let errors = edit_patch(person, &data, &edits(json!({"phone": "1390000", "name": null}))).expect_err("invalid");
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/phone"), "{pointers:?}");
        assert!(errors.iter().any(|e| e.message.zh.contains("姓名") || e.pointer == "/name"), "the required name: {errors:?}");
        assert!(edit_patch(person, &data, &edits(json!({"name": "张三"}))).expect("valid").is_empty());
        let mut untagged = people()[0].data.clone();
        untagged["tags"] = json!([]);
        let patch = edit_patch(person, &untagged, &edits(json!({"tags": [], "phone": "13812349999"}))).expect("valid");
        assert!(patch.is_empty(), "an empty list left empty is no change: {patch:?}");
        let phone = person.field("phone").expect("phone");
        assert_eq!(typed_value(phone, ""), Value::Null);
        assert_eq!(typed_value(phone, "139"), json!("139"));
    }

    #[test]
    fn people_edit_what_they_keep_not_what_processes_write() {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let editable: Vec<&str> = person.fields.iter().filter(|f| editable(f)).map(|f| f.name.as_str()).collect();
        assert!(editable.contains(&"phone") && editable.contains(&"tags") && editable.contains(&"name"));
        assert!(!editable.contains(&"village") && !editable.contains(&"disaster_records"), "{editable:?}");
    }
}
