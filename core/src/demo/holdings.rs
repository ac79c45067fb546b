//! Demo households, houses and contracted land, derived from the demo
//! people so that heads, owners and contract holders are real ledger people.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Rng, demo_record};
use crate::ledger::LedgerRecord;

const STRUCTURES: &[(&str, u64)] = &[("砖混", 55), ("框架", 20), ("砖木", 12), ("土木", 8), ("石木", 3), ("其他", 2)];
const SAFETY: &[(&str, u64)] = &[("A", 55), ("B", 35), ("C", 8), ("D", 2)];
const LAND_USES: &[(&str, u64)] = &[("水田", 45), ("旱地", 35), ("园地", 10), ("林地", 10)];
const LESSEES: &[&str] =
    &["永川区绿源种植专业合作社", "重庆市永川区丰收家庭农场", "永川区茶山生态农业有限公司", "永川区秀芽茶叶专业合作社"];

/// Picks from `(value, weight)` pairs whose weights sum to 100.
pub(super) fn weighted<'a>(rng: &mut Rng, items: &[(&'a str, u64)]) -> &'a str {
    let mut roll = rng.below(100);
    for (item, weight) in items {
        if roll < *weight {
            return item;
        }
        roll -= weight;
    }
    items.last().map_or("", |(item, _)| item)
}

/// The people of each household, in id order, by household number.
fn households_of(people: &[LedgerRecord]) -> BTreeMap<String, Vec<&LedgerRecord>> {
    let mut households: BTreeMap<String, Vec<&LedgerRecord>> = BTreeMap::new();
    for person in people {
        if let Some(no) = person.data.get("household").and_then(Value::as_str) {
            households.entry(no.to_owned()).or_default().push(person);
        }
    }
    households
}

/// The head of a household: its oldest member (earliest birth date).
fn head<'a>(members: &[&'a LedgerRecord]) -> Option<&'a LedgerRecord> {
    members.iter().copied().min_by(|a, b| {
        let date = |p: &LedgerRecord| p.data["birth_date"].as_str().unwrap_or_default().to_owned();
        date(a).cmp(&date(b))
    })
}

/// One household, one house and a few land parcels per household.
pub(super) fn holdings(people: &[LedgerRecord], seed: u64) -> Vec<LedgerRecord> {
    let mut out = Vec::new();
    for (no, members) in households_of(people) {
        let Some(head) = head(&members) else { continue };
        let village = head.org_unit.clone();
        let mut rng = Rng::new(seed ^ 0x686f_7573 ^ village.parse::<u64>().unwrap_or(0) ^ members.len() as u64 ^ fnv(&no));
        let address = head.data["address"].clone();
        let mut household = json!({
            "household_no": no,
            "head_name": head.data["name"],
            "head_id_number": head.data["id_number"],
            "address": address,
            "member_count": members.len(),
            "household_type": if rng.chance(85) { "农业户口" } else { "居民户口" },
            "village": village,
        });
        if let Some(phone) = members.iter().find_map(|m| m.data.get("phone")) {
            household["phone"] = phone.clone();
        }
        out.push(demo_record("household", &format!("household:{no}"), &village, household));

        let floors = 1 + rng.below(3);
        let house = json!({
            "address": address,
            "owner_name": head.data["name"],
            "owner_id_number": head.data["id_number"],
            "household": no,
            "structure": weighted(&mut rng, STRUCTURES),
            "floors": floors,
            "area": (floors * (60 + rng.below(80))) as f64 + rng.below(10) as f64 / 10.0,
            "built_year": 1975 + rng.below(50),
            "safety_rating": weighted(&mut rng, SAFETY),
            "occupants": members.len(),
            "village": village,
        });
        out.push(demo_record("house", &format!("house:{no}"), &village, house));

        for n in 1..=rng.below(4) {
            let parcel_no = format!("{no}-{n}");
            let mut parcel = json!({
                "parcel_no": parcel_no,
                "location": format!("{}{}号地块", address.as_str().unwrap_or_default(), n),
                "area_mu": (30 + rng.below(470)) as f64 / 100.0,
                "land_use": weighted(&mut rng, LAND_USES),
                "contract_holder": head.data["name"],
                "contract_holder_id_number": head.data["id_number"],
                "transfer_status": "未流转",
                "village": village,
            });
            if rng.chance(30) {
                let start = 2016 + rng.below(9);
                parcel["transfer_status"] = json!("已流转");
                parcel["lessee"] = json!(rng.pick(LESSEES));
                parcel["rent"] = json!(300 + 50 * rng.below(13));
                parcel["term_start"] = json!(format!("{start}-01-01"));
                parcel["term_end"] = json!(format!("{}-12-31", start + 4 + rng.below(11)));
            }
            out.push(demo_record("land_parcel", &format!("land_parcel:{parcel_no}"), &village, parcel));
        }
    }
    out
}

/// FNV-1a 64 of a string: a stable per-household seed component.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
