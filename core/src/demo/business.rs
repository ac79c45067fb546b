//! Demo enterprises and 九小场所 of each village, with valid credit codes.

use serde_json::json;

use super::holdings::weighted;
use super::{Rng, SURNAMES, demo_record};
use crate::ledger::{LedgerRecord, OrgUnit};

/// (name pattern after the village name, credit code kind, industry).
const ENTERPRISES: &[(&str, char, &str)] = &[
    ("种植专业合作社", '3', "农、林、牧、渔业"),
    ("生猪养殖场", '1', "农、林、牧、渔业"),
    ("建材有限公司", '1', "制造业"),
    ("农机修理部", '2', "居民服务、修理和其他服务业"),
    ("百货超市", '2', "批发和零售业"),
    ("物流有限公司", '1', "交通运输、仓储和邮政业"),
    ("农家乐", '2', "住宿和餐饮业"),
    ("建筑劳务有限公司", '1', "建筑业"),
];

/// (九小 type, name suffix, share in percent).
const VENUES: &[(&str, &str, u64)] = &[
    ("小商店", "便利店", 30),
    ("小餐饮", "家饭店", 25),
    ("小美容洗浴", "理发店", 10),
    ("小生产加工", "加工坊", 10),
    ("小医院（诊所）", "诊所", 8),
    ("小旅馆", "旅馆", 7),
    ("小学校（幼儿园）", "幼儿园", 4),
    ("小网吧", "网吧", 3),
    ("小歌舞娱乐", "歌厅", 3),
];
const INSPECTION: &[(&str, u64)] = &[("合格", 80), ("整改中", 10), ("不合格", 3), ("未检查", 7)];
const MOBILE_PREFIXES: &[&str] = &["138", "139", "158", "177", "186", "199"];

/// About one enterprise per 50 people and one venue per 40, at least one of each.
pub(super) fn businesses(villages: &[(OrgUnit, String)], per_village: usize, seed: u64) -> Vec<LedgerRecord> {
    let mut out = Vec::new();
    for (village, town_name) in villages {
        let code = &village.code;
        let region = &code[..6.min(code.len())];
        let mut rng = Rng::new(seed ^ 0x0062_697a ^ code.parse::<u64>().unwrap_or(0));
        for n in 0..=per_village / 50 {
            let (suffix, kind, industry) = *rng.pick(ENTERPRISES);
            // Organisation-code body: town and village digits of the code,
            // then a counter, so no two demo enterprises of a district share one.
            let body = format!("{}{:02}", code.get(6..12).unwrap_or("000000"), n % 100);
            let Some(credit_code) = super::credit_code(kind, region, &body) else { continue };
            let name = format!("重庆市永川区{}{}{suffix}", village.name, if n == 0 { String::new() } else { n.to_string() });
            let data = json!({
                "credit_code": credit_code,
                "name": name,
                "legal_representative": format!("{}{}", rng.pick(SURNAMES), rng.pick(&["建国", "国平", "明", "春华", "德兵"])),
                "address": format!("{town_name}{}{}组", village.name, 1 + rng.below(12)),
                "industry": industry,
                "employees": 1 + rng.below(if kind == '2' { 8 } else { 60 }),
                "phone": format!("{}{:08}", rng.pick(MOBILE_PREFIXES), rng.below(100_000_000)),
                "village": code,
            });
            out.push(demo_record("enterprise", &format!("enterprise:{credit_code}"), code, data));
        }
        for n in 0..=per_village / 40 {
            let mut roll = rng.below(100);
            let (venue_type, suffix) = VENUES
                .iter()
                .find(|(_, _, share)| {
                    let hit = roll < *share;
                    roll = roll.saturating_sub(*share);
                    hit
                })
                .map_or(("小商店", "便利店"), |(t, s, _)| (*t, *s));
            let surname = rng.pick(SURNAMES);
            let food = if matches!(venue_type, "小餐饮" | "小商店" | "小学校（幼儿园）" | "小旅馆") {
                weighted(&mut rng, INSPECTION)
            } else {
                "不适用"
            };
            let data = json!({
                "name": format!("{surname}记{suffix}"),
                "address": format!("{town_name}{}{}组{}号", village.name, 1 + rng.below(12), 100 + n),
                "venue_type": venue_type,
                "operator": format!("{surname}{}", rng.pick(&["秀兰", "大勇", "小红", "志明", "桂芳"])),
                "phone": format!("{}{:08}", rng.pick(MOBILE_PREFIXES), rng.below(100_000_000)),
                "fire_inspection": weighted(&mut rng, INSPECTION),
                "food_inspection": food,
                "electrical_gas_inspection": weighted(&mut rng, INSPECTION),
                "last_inspected_on": format!("2026-{:02}-{:02}", 1 + rng.below(10), 1 + rng.below(28)),
                "village": code,
            });
            out.push(demo_record("venue", &format!("venue:{code}-{:03}", n + 1), code, data));
        }
    }
    out
}
