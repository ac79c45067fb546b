//! Demo accounts (one per role) and the local session secret.
//!
//! The secret lives in `worker/.dev.vars`, which wrangler reads and git
//! ignores; it is generated once, on the first run, from the OS's RNG.

use std::io::Read;

use anyhow::{Context, Result};
use ybt_core::access::{PBKDF2_ITERATIONS, Role, hash_password};

use crate::cmd::root;

/// The password of every demo account; printed by `cargo xtask run`.
pub const DEMO_PASSWORD: &str = "yibiaotong-demo";

pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub org_unit: String,
    pub department: Option<&'static str>,
    /// Granted items (seeded into `grants`): ledger items, or the city
    /// author's grant.
    pub grants: &'static [&'static str],
}

fn account(
    username: &'static str,
    display_name: &'static str,
    role: Role,
    org_unit: &str,
    department: Option<&'static str>,
) -> DemoAccount {
    DemoAccount { username, display_name, role, org_unit: org_unit.to_owned(), department, grants: &[] }
}

/// One account per role, plus a second department and a second village so
/// that "someone else's data" exists. `village` and `other_village` are
/// village codes chosen by the seed (villages that have 低保 people).
pub fn demo_accounts(village: &str, other_village: &str) -> Vec<DemoAccount> {
    let district = &village[..6];
    let town = &village[..9];
    vec![
        account("admin", "系统管理员", Role::SystemAdmin, district, None),
        account("zhuanyuan", "行政专员 李明", Role::AdminSpecialist, district, None),
        account("minzheng", "区民政局 王芳", Role::DepartmentAnalyst, district, Some("区民政局")),
        account("yingji", "区应急管理局 赵强", Role::DepartmentAnalyst, district, Some("区应急管理局")),
        account("zhen", "乡镇协同中心 陈静", Role::TownCoordinator, town, None),
        account("cun", "村（社区）工作人员 刘洋", Role::VillageStaff, village, None),
        account("cun2", "村（社区）工作人员 周敏", Role::VillageStaff, other_village, None),
    ]
}

/// The demo accounts of `district`: 永川's as [`demo_accounts`]; 荔城 and
/// 江北 have their own (`pt-…`, `jb-…`: user names are deployment-wide).
pub fn demo_accounts_of(district: &str, village: &str, other_village: &str) -> Vec<DemoAccount> {
    let town = &village[..9];
    match district {
        "350304" => vec![
            account("pt-admin", "荔城区 系统管理员", Role::SystemAdmin, district, None),
            account("pt-minzheng", "荔城区民政局 林华", Role::DepartmentAnalyst, district, Some("区民政局")),
            account("pt-yingji", "荔城区应急管理局 蔡强", Role::DepartmentAnalyst, district, Some("区应急管理局")),
            account("pt-zhen", "荔城区 乡镇协同中心 黄丽", Role::TownCoordinator, town, None),
            account("pt-cun", "荔城区 村（社区）工作人员 郑伟", Role::VillageStaff, village, None),
            account("pt-cun2", "荔城区 村（社区）工作人员 吴婷", Role::VillageStaff, other_village, None),
        ],
        "500105" => vec![
            account("jb-admin", "江北区 系统管理员", Role::SystemAdmin, district, None),
            account("jb-minzheng", "江北区民政局 冯雪", Role::DepartmentAnalyst, district, Some("区民政局")),
            account("jb-zhen", "江北区 乡镇协同中心 孙杰", Role::TownCoordinator, town, None),
            account("jb-cun", "江北区 村（社区）工作人员 何静", Role::VillageStaff, village, None),
        ],
        _ => demo_accounts(village, other_village),
    }
}

/// The city-level demo accounts (issue 16): 重庆市民政局's, whose org unit
/// is the city `500000` and whose scope is therefore every served district
/// of 重庆 (江北 500105 and 永川 500118; never 荔城 350304). `cq-minzheng`
/// is its author and analyst (the `city.author` grant): it files templates
/// once for the city, dispatches them to the districts that admitted them
/// and reads its department's summaries — its own templates' and its
/// districts' 区民政局's. `cq-fenxi` is an analyst only: it reads, and files
/// or dispatches nothing.
pub fn demo_city_accounts() -> Vec<DemoAccount> {
    const CITY: &str = "500000";
    vec![
        DemoAccount {
            grants: &[ybt_core::access::CITY_AUTHOR_GRANT],
            ..account("cq-minzheng", "重庆市民政局 唐敏", Role::DepartmentAnalyst, CITY, Some("重庆市民政局"))
        },
        account("cq-fenxi", "重庆市民政局 分析员 易凡", Role::DepartmentAnalyst, CITY, Some("重庆市民政局")),
    ]
}

/// A department's ingest API key for the demo (public, like the demo
/// password): only its SHA-256 hash is loaded into D1.
pub struct DemoIngestKey {
    pub id: &'static str,
    pub department: &'static str,
    /// May write records in this unit and every unit inside it.
    pub org_unit: &'static str,
    pub entities: &'static [&'static str],
    pub key: &'static str,
}

/// One key per demo department: 区民政局 pushes people and households,
/// 区应急管理局 enterprises and venues, both across 永川; 荔城's 区民政局
/// people and households across 荔城 (its pushes go to 荔城's database).
pub fn demo_ingest_keys() -> Vec<DemoIngestKey> {
    vec![
        DemoIngestKey {
            id: "demo-key-minzheng",
            department: "区民政局",
            org_unit: crate::divisions::DEMO_DISTRICT,
            entities: &["person", "household"],
            key: "ybt-demo-ingest-minzheng-5f2c9a71",
        },
        DemoIngestKey {
            id: "demo-key-yingji",
            department: "区应急管理局",
            org_unit: crate::divisions::DEMO_DISTRICT,
            entities: &["enterprise", "venue"],
            key: "ybt-demo-ingest-yingji-0b83d4e6",
        },
        DemoIngestKey {
            id: "demo-key-pt-minzheng",
            department: "区民政局",
            org_unit: "350304",
            entities: &["person", "household"],
            key: "ybt-demo-ingest-pt-minzheng-7c1e08b2",
        },
    ]
}

/// Lowercase hex SHA-256 of an ingest key, as the worker looks it up.
pub fn key_hash(key: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// `department=key,…` for the tests' environment.
pub fn ingest_keys_env() -> String {
    demo_ingest_keys().iter().map(|k| format!("{}={}", k.id, k.key)).collect::<Vec<_>>().join(",")
}

fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).context("reading /dev/urandom")?;
    Ok(bytes)
}

/// A fresh PBKDF2 hash of the demo password (random salt each time; the seed
/// inserts accounts with `INSERT OR IGNORE`, so the first hash stays).
pub fn demo_password_hash() -> Result<String> {
    Ok(hash_password(DEMO_PASSWORD, &random_bytes(16)?, PBKDF2_ITERATIONS).encode())
}

/// Makes sure `worker/.dev.vars` holds a SESSION_SECRET; returns it.
pub fn ensure_session_secret() -> Result<String> {
    let path = root().join("worker/.dev.vars");
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    if let Some(secret) = existing.lines().find_map(|l| l.strip_prefix("SESSION_SECRET=")).filter(|s| s.len() >= 32) {
        return Ok(secret.to_owned());
    }
    let secret: String = random_bytes(32)?.iter().map(|b| format!("{b:02x}")).collect();
    let kept: String = existing.lines().filter(|l| !l.starts_with("SESSION_SECRET=")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, format!("{kept}SESSION_SECRET={secret}\n")).with_context(|| format!("writing {}", path.display()))?;
    println!("setup: generated a session secret in worker/.dev.vars (git-ignored)");
    Ok(secret)
}
