//! Deterministic synthetic ledger data for demos and tests: people with
//! valid ID numbers in real villages, and their households, houses, land,
//! enterprises and venues. The same seed gives the same records, so loading
//! the demo twice changes nothing.

use serde_json::json;

use crate::formats::id_check_char;
use crate::ledger::{LedgerRecord, OrgUnit};

mod business;
mod credit_code;
mod holdings;

pub use credit_code::{check_char as credit_code_check_char, credit_code, is_valid as is_credit_code};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗", "梁", "宋",
    "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英",
    "建华", "玉兰", "志强", "德华", "春梅", "国庆", "红", "文",
];
const ETHNICITIES: &[(&str, u32)] = &[("汉族", 97), ("土家族", 2), ("苗族", 1)];
const MOBILE_PREFIXES: &[&str] = &["138", "139", "150", "151", "158", "177", "186", "189", "199"];

/// SplitMix64: tiny, fast and good enough for synthetic data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A generated ID number for a person born on the given date in the region
/// `region` (6 digits), with sequence `seq` (0..1000; odd means male).
pub fn id_number(region: &str, year: u32, month: u32, day: u32, seq: u32) -> String {
    let first17 = format!("{region}{year:04}{month:02}{day:02}{seq:03}");
    let check = id_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// `per_village` people for each village, as `person` ledger records.
///
/// Every village in `villages` must be a village-level unit whose `name` is
/// its own name; `town_name` gives its town's name for addresses.
pub fn people(villages: &[(OrgUnit, String)], per_village: usize, seed: u64) -> Vec<LedgerRecord> {
    let mut out = Vec::with_capacity(villages.len() * per_village);
    // Random birth date and sequence collide now and then (about six times
    // in 20,000 people): a real ID number is unique, so move on to the next
    // free sequence number of the same gender.
    let mut issued = std::collections::HashSet::new();
    for (village, town_name) in villages {
        let mut rng = Rng::new(seed ^ village.code.parse::<u64>().unwrap_or(0));
        let region = &village.code[..6.min(village.code.len())];
        let mut household = 0;
        let mut left_in_household = 0;
        for n in 0..per_village {
            if left_in_household == 0 {
                household += 1;
                left_in_household = 1 + rng.below(5);
            }
            left_in_household -= 1;
            let age = 1 + rng.below(95) as u32 + if rng.chance(1) { 5 } else { 0 };
            let year = 2026 - age;
            let month = 1 + rng.below(12) as u32;
            let day = 1 + rng.below(28) as u32;
            let male = rng.chance(50);
            let mut seq = (rng.below(500) as u32) * 2 + u32::from(male);
            let mut id = id_number(region, year, month, day, seq);
            // Bounded: 500 same-gender people born on one day in one district
            // exhaust the sequence; only absurd sizes get there.
            for _ in 0..500 {
                if issued.insert(id.clone()) {
                    break;
                }
                seq = (seq + 2) % 1000;
                id = id_number(region, year, month, day, seq);
            }
            let mut tags = Vec::new();
            for (tag, percent) in [("低保", 8), ("特困", 2), ("残疾", 5), ("退役军人", 3)] {
                if rng.chance(percent) {
                    tags.push(tag);
                }
            }
            if age >= 100 {
                tags.push("百岁老人");
            }
            if age >= 70 && rng.chance(10) {
                tags.push("独居老人");
            }
            let mut ethnicity_roll = rng.below(100) as u32;
            let ethnicity = ETHNICITIES
                .iter()
                .find(|(_, share)| {
                    let hit = ethnicity_roll < *share;
                    ethnicity_roll = ethnicity_roll.saturating_sub(*share);
                    hit
                })
                .map_or("汉族", |(name, _)| *name);
            let mut data = json!({
                "name": format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
                "gender": if male { "男" } else { "女" },
                "id_number": id,
                "birth_date": format!("{year:04}-{month:02}-{day:02}"),
                "ethnicity": ethnicity,
                "address": format!("{town_name}{}{}组{}号", village.name, 1 + household % 12, household),
                "household": format!("{}-{household:04}", village.code),
                "village": village.code,
                "tags": tags,
            });
            if age >= 16 {
                data["phone"] = json!(format!("{}{:08}", rng.pick(MOBILE_PREFIXES), rng.below(100_000_000)));
            }
            if tags.contains(&"残疾") {
                data["disability_level"] = json!(rng.pick(&["一级", "二级", "三级", "四级"]));
            }
            out.push(demo_record("person", &format!("person:{}-{:05}", village.code, n + 1), &village.code, data));
        }
    }
    out
}

/// A demo record at version 1.
fn demo_record(entity: &str, id: &str, org_unit: &str, data: serde_json::Value) -> LedgerRecord {
    LedgerRecord {
        id: id.to_owned(),
        entity: entity.to_owned(),
        org_unit: org_unit.to_owned(),
        version: 1,
        updated_at: "2026-01-01T00:00:00Z".to_owned(),
        updated_by: "demo".to_owned(),
        data,
    }
}

/// The whole demo ledger of `villages`: the [`people`] (`per_village` each),
/// then their households, houses and land parcels, then the villages'
/// enterprises and 九小场所. Sized by `per_village`.
pub fn ledger(villages: &[(OrgUnit, String)], per_village: usize, seed: u64) -> Vec<LedgerRecord> {
    let mut out = people(villages, per_village, seed);
    let holdings = holdings::holdings(&out, seed);
    out.extend(holdings);
    out.extend(business::businesses(villages, per_village, seed));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::is_cn_id_number;
    use crate::ids::OrgLevel;

    fn villages() -> Vec<(OrgUnit, String)> {
        // Real villages of one town have distinct names, so addresses differ.
        [("500118100001", "青峰村"), ("500118100002", "石坝村")]
            .iter()
            .map(|(code, name)| {
                let unit = OrgUnit {
                    code: (*code).to_owned(),
                    name: (*name).to_owned(),
                    level: OrgLevel::Village,
                    parent_code: Some("500118100".to_owned()),
                };
                (unit, "青峰镇".to_owned())
            })
            .collect()
    }

    #[test]
    fn generated_people_are_valid_ledger_records() {
        let schema: serde_json::Value = serde_json::from_str(crate::schemas::LEDGER_SCHEMAS[0].1).expect("person schema");
        let validator = crate::ledger::RecordType::from_schema("person.json", &schema).expect("schema compiles");
        let people = people(&villages(), 200, 7);
        assert_eq!(people.len(), 400);
        for p in &people {
            let errors: Vec<String> = validator.validate(&p.data).into_iter().map(|e| e.message.en).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", p.id);
            let id = p.data["id_number"].as_str().expect("id");
            assert!(is_cn_id_number(id), "{id}");
            assert!(id.starts_with("500118"));
        }
        let dibao = people.iter().filter(|p| p.data["tags"].as_array().is_some_and(|t| t.contains(&json!("低保")))).count();
        assert!((10..=60).contains(&dibao), "about 8% are 低保, got {dibao}");
    }

    #[test]
    fn every_generated_record_is_valid_and_unique_by_natural_key() {
        let types = crate::ledger::RecordTypes::builtin().expect("types");
        let records = ledger(&villages(), 300, 11);
        let mut keys = std::collections::HashSet::new();
        let mut ids = std::collections::HashSet::new();
        let mut counts = std::collections::BTreeMap::new();
        for r in &records {
            let rt = types.get(&r.entity).unwrap_or_else(|| panic!("{}: unknown entity", r.id));
            let errors = rt.validate(&r.data);
            assert!(errors.is_empty(), "{}: {errors:?} in {}", r.id, r.data);
            let key = rt.natural_key(&r.data).unwrap_or_else(|| panic!("{}: no natural key", r.id));
            assert!(keys.insert((r.entity.clone(), key)), "{}: natural key repeats", r.id);
            assert!(ids.insert(r.id.clone()), "{}: id repeats", r.id);
            assert!(r.org_unit.starts_with("500118100"), "{}", r.id);
            *counts.entry(r.entity.as_str()).or_insert(0) += 1;
            if r.entity == "enterprise" {
                let code = r.data["credit_code"].as_str().expect("code");
                assert!(is_credit_code(code) && code.starts_with("9") && code[2..8] == *"500118", "{code}");
            }
        }
        let count = |e: &str| counts.get(e).copied().unwrap_or(0);
        assert_eq!(count("person"), 600);
        assert!((100..=400).contains(&count("household")), "households: {}", count("household"));
        assert_eq!(count("house"), count("household"));
        assert!(count("land_parcel") > count("household"), "about 1.5 parcels a household");
        assert_eq!((count("enterprise"), count("venue")), (2 * 7, 2 * 8));
    }

    #[test]
    fn household_heads_are_members() {
        let records = ledger(&villages(), 50, 5);
        for h in records.iter().filter(|r| r.entity == "household") {
            let members: Vec<&LedgerRecord> =
                records.iter().filter(|p| p.entity == "person" && p.data["household"] == h.data["household_no"]).collect();
            assert_eq!(h.data["member_count"], json!(members.len()), "{}", h.id);
            assert!(members.iter().any(|p| p.data["id_number"] == h.data["head_id_number"]), "{}", h.id);
        }
    }

    #[test]
    fn id_numbers_never_repeat() {
        let people = people(&villages(), 20_000, 7);
        let ids: std::collections::HashSet<&str> = people.iter().filter_map(|p| p.data["id_number"].as_str()).collect();
        assert_eq!(ids.len(), people.len());
    }

    #[test]
    fn same_seed_same_ledger() {
        assert_eq!(ledger(&villages(), 30, 1), ledger(&villages(), 30, 1));
        assert_ne!(ledger(&villages(), 30, 1), ledger(&villages(), 30, 2));
    }

    #[test]
    fn same_seed_same_people() {
        assert_eq!(people(&villages(), 20, 1), people(&villages(), 20, 1));
        assert_ne!(people(&villages(), 20, 1), people(&villages(), 20, 2));
    }
}
