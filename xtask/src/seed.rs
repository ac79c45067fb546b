//! The demo data as SQL: per district (永川区, 江北区, 荔城区) its org units,
//! the synthetic ledger (people,
//! households, houses, land, enterprises, venues), and the
//! shipped templates; for the directory the district map, the demo
//! accounts and ingest keys. Every statement is `INSERT OR IGNORE` with stable keys,
//! so loading it again changes nothing.

use std::fmt::Write;

use anyhow::{Context, Result};
use ybt_core::ledger::OrgLevel;

use crate::divisions::{DISTRICTS, binding, district};

/// About 20,000 people across the district's 267 villages.
pub const DEFAULT_PEOPLE_PER_VILLAGE: usize = 75;
/// Enough for every test village to have 低保 subjects, small enough to load fast.
pub const TEST_PEOPLE_PER_VILLAGE: usize = 20;
const SEED: u64 = 2_026;
const SEEDED_AT: &str = "2026-01-01T00:00:00Z";
/// Due date of the demo tasks.
const DEMO_DUE_DATE: &str = "2026-12-31";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn quote_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_owned(), quote)
}

/// One district's demo data, for its own database.
pub struct DistrictSeed {
    pub code: String,
    pub name: String,
    pub towns: usize,
    pub villages: usize,
    pub sql: String,
}

/// The demo data as SQL — the directory's (the district map, accounts,
/// ingest keys) and each district's — and the demo accounts it creates.
pub struct Demo {
    pub directory_sql: String,
    pub districts: Vec<DistrictSeed>,
    pub accounts: Vec<crate::accounts::DemoAccount>,
}

/// All of the demo data, each database's part headed by its binding.
pub fn demo_sql(people_per_village: usize) -> Result<String> {
    let demo = demo(people_per_village)?;
    let mut sql = format!("-- database: {}\n{}", crate::divisions::DIRECTORY, demo.directory_sql);
    for d in &demo.districts {
        let _ = write!(sql, "-- database: {} ({} {})\n{}", binding(&d.code), d.code, d.name, d.sql);
    }
    Ok(sql)
}

pub fn demo(people_per_village: usize) -> Result<Demo> {
    let mut districts = Vec::new();
    let mut accounts = Vec::new();
    for code in DISTRICTS {
        let (seed, village, other_village) = district_demo(code, people_per_village)?;
        accounts.extend(crate::accounts::demo_accounts_of(code, &village, &other_village));
        districts.push(seed);
    }
    accounts.extend(crate::accounts::demo_city_accounts());
    let mut sql = String::new();
    let mut map = Inserts::new("districts (code, name, binding)");
    for d in &districts {
        map.row(&mut sql, format!("({}, {}, {})", quote(&d.code), quote(&d.name), quote(&binding(&d.code))));
    }
    map.flush(&mut sql);

    let mut keys = Inserts::new("ingest_keys (id, department, org_unit, entities, key_hash, created_at)");
    for key in crate::accounts::demo_ingest_keys() {
        keys.row(
            &mut sql,
            format!(
                "({}, {}, {}, {}, {}, {})",
                quote(key.id),
                quote(key.department),
                quote(key.org_unit),
                quote(&serde_json::to_string(key.entities)?),
                quote(&crate::accounts::key_hash(key.key)),
                quote(SEEDED_AT)
            ),
        );
    }
    keys.flush(&mut sql);

    // Last: the password salts differ on every generation.
    let mut users = Inserts::new("users (id, username, display_name, role, org_unit, department, password_hash, created_at)");
    for account in &accounts {
        let role = serde_json::to_value(account.role)?.as_str().unwrap_or_default().to_owned();
        users.row(
            &mut sql,
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {})",
                quote(&format!("demo-{}", account.username)),
                quote(account.username),
                quote(account.display_name),
                quote(&role),
                quote(&account.org_unit),
                quote_opt(account.department),
                quote(&crate::accounts::demo_password_hash()?),
                quote(SEEDED_AT)
            ),
        );
    }
    users.flush(&mut sql);
    let mut grants = Inserts::new("grants (user_id, item, granted_by, granted_at)");
    for account in &accounts {
        for item in account.grants {
            let user = quote(&format!("demo-{}", account.username));
            grants.row(&mut sql, format!("({user}, {}, {}, {})", quote(item), quote("demo-seed"), quote(SEEDED_AT)));
        }
    }
    grants.flush(&mut sql);
    Ok(Demo { directory_sql: sql, districts, accounts })
}

/// One district's org units, the shipped templates (every district
/// publishes them: a 荔城 village works like a 永川 one), its demo tasks and
/// synthetic ledger; and the two villages its demo staff work in.
fn district_demo(code: &str, people_per_village: usize) -> Result<(DistrictSeed, String, String)> {
    let units = district(code)?;
    let mut sql = String::new();
    let mut org_units = Inserts::new("org_units (code, name, level, parent_code)");
    for u in &units {
        org_units.row(
            &mut sql,
            format!("({}, {}, {}, {})", quote(&u.code), quote(&u.name), quote(u.level.as_str()), quote_opt(u.parent_code.as_deref())),
        );
    }
    org_units.flush(&mut sql);

    let catalog = ybt_core::Catalog::builtin().context("ledger schemas")?;
    for (file, text) in ybt_core::schemas::BUILTIN_TEMPLATES {
        let document: serde_json::Value = serde_json::from_str(text).with_context(|| file.to_string())?;
        let compiled = ybt_core::compile(&document, &catalog).map_err(|e| anyhow::anyhow!("{file} does not compile: {e:?}"))?;
        let mut templates = Inserts::new("templates (id, version, title, department, document, published_at)");
        templates.row(
            &mut sql,
            format!(
                "({}, {}, {}, {}, {}, {})",
                quote(&compiled.meta.id),
                compiled.meta.version,
                quote(&compiled.title),
                quote(&compiled.meta.department),
                quote(&serde_json::to_string(&document)?),
                quote(SEEDED_AT)
            ),
        );
        templates.flush(&mut sql);
    }

    demo_tasks(&mut sql, &units)?;

    let town_names: std::collections::HashMap<&str, &str> =
        units.iter().filter(|u| u.level == OrgLevel::Town).map(|u| (u.code.as_str(), u.name.as_str())).collect();
    let villages: Vec<_> = units
        .iter()
        .filter(|u| u.level == OrgLevel::Village)
        .map(|v| {
            let town = v.parent_code.as_deref().and_then(|t| town_names.get(t)).copied().unwrap_or_default();
            (v.clone(), town.to_owned())
        })
        .collect();
    let mut records = Inserts::new("ledger_records (id, entity, org_unit, version, updated_at, updated_by, data)");
    let mut history = Inserts::new("ledger_history (record_id, version, changed_at, changed_by, source, changes)");
    let mut history_sql = String::new();
    let records_of_ledger = ybt_core::demo::ledger(&villages, people_per_village, SEED);
    let people: Vec<_> = records_of_ledger.iter().filter(|r| r.entity == "person").collect();
    // Demo village staff work in villages that have 低保 people, so the
    // shipped 低保 template has rows for them: one in the first town, one in another.
    let has_dibao = |village: &str| {
        people.iter().any(|p| p.org_unit == village && p.data["tags"].as_array().is_some_and(|t| t.iter().any(|x| x == "低保")))
    };
    let first_town = villages.first().map(|(v, _)| v.code[..9].to_owned()).unwrap_or_default();
    let pick = |same_town: bool| {
        villages
            .iter()
            .map(|(v, _)| v.code.as_str())
            .find(|code| code.starts_with(&first_town) == same_town && has_dibao(code))
            .map(str::to_owned)
            .context("no village with 低保 people in the demo data")
    };
    let (village, other_village) = (pick(true)?, pick(false)?);
    for record in &records_of_ledger {
        let data = serde_json::to_string(&record.data)?;
        records.row(
            &mut sql,
            format!(
                "({}, {}, {}, {}, {}, {}, {})",
                quote(&record.id),
                quote(&record.entity),
                quote(&record.org_unit),
                record.version,
                quote(&record.updated_at),
                quote(&record.updated_by),
                quote(&data)
            ),
        );
        let changes: serde_json::Map<String, serde_json::Value> =
            record.data.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), serde_json::json!([null, v]))).collect()).unwrap_or_default();
        history.row(
            &mut history_sql,
            format!("({}, 1, {}, 'demo', 'demo', {})", quote(&record.id), quote(SEEDED_AT), quote(&serde_json::to_string(&changes)?)),
        );
    }
    records.flush(&mut sql);
    history.flush(&mut history_sql);
    sql.push_str(&history_sql);

    let seed = DistrictSeed {
        code: code.to_owned(),
        name: units[0].name.clone(),
        towns: units.iter().filter(|u| u.level == OrgLevel::Town).count(),
        villages: villages.len(),
        sql,
    };
    Ok((seed, village, other_village))
}

/// Every shipped template dispatched to every village, as the town centre
/// would: one dispatch per template, one task per village.
fn demo_tasks(sql: &mut String, units: &[ybt_core::ledger::OrgUnit]) -> Result<()> {
    let catalog = ybt_core::Catalog::builtin().context("ledger schemas")?;
    let mut tasks =
        Inserts::new("tasks (id, dispatch_id, template_id, template_version, org_unit, due_date, dispatched_by, dispatched_at)");
    for (file, text) in ybt_core::schemas::BUILTIN_TEMPLATES {
        let document: serde_json::Value = serde_json::from_str(text).with_context(|| file.to_string())?;
        let compiled = ybt_core::compile(&document, &catalog).map_err(|e| anyhow::anyhow!("{file}: {e:?}"))?;
        // Emergency surveys (pick forms) are started on demand, not seeded.
        if compiled.subject.is_pick() {
            continue;
        }
        let meta = compiled.meta;
        let dispatch = format!("demo-{}", meta.id);
        for village in units.iter().filter(|u| u.level == OrgLevel::Village) {
            tasks.row(
                sql,
                format!(
                    "({}, {}, {}, {}, {}, {}, 'demo', {})",
                    quote(&format!("{dispatch}-{}", village.code)),
                    quote(&dispatch),
                    quote(&meta.id),
                    meta.version,
                    quote(&village.code),
                    quote(DEMO_DUE_DATE),
                    quote(SEEDED_AT)
                ),
            );
        }
    }
    tasks.flush(sql);
    Ok(())
}

/// Writes an XLSX ledger of `people` synthetic people of `village` (a
/// 12-digit code), headed by the fields' Chinese titles: the import
/// benchmark's input. Generated, not committed.
/// Where the benchmark file's people were born (see [`bench_xlsx`]).
const BENCH_BIRTH_REGION: &str = "500119";

pub fn bench_xlsx(file: &std::path::Path, village: &str, people: usize) -> Result<()> {
    if OrgLevel::of_code(village) != Some(OrgLevel::Village) {
        anyhow::bail!("{village} is not a 12-digit village code");
    }
    let unit = ybt_core::ledger::OrgUnit {
        code: village.to_owned(),
        name: "基准村".to_owned(),
        level: OrgLevel::Village,
        parent_code: Some(village[..9].to_owned()),
    };
    let mut records = ybt_core::demo::people(&[(unit, "基准镇".to_owned())], people, 5_001_181);
    // The demo people of the other villages are generated the same way and
    // would share some ID numbers with these; an import now refuses a person
    // registered in another village. So the benchmark's people were born in
    // 南川区 (500119): their ID numbers cannot collide with the demo's.
    for record in &mut records {
        if let Some(id) = record.data.get("id_number").and_then(|v| v.as_str()).map(str::to_owned) {
            let part = |range: std::ops::Range<usize>| id.get(range).and_then(|p| p.parse::<u32>().ok()).unwrap_or(1);
            let moved = ybt_core::demo::id_number(BENCH_BIRTH_REGION, part(6..10), part(10..12), part(12..14), part(14..17));
            record.data["id_number"] = serde_json::Value::String(moved);
        }
    }
    let types = ybt_core::ledger::RecordTypes::builtin().context("ledger schemas")?;
    let person = types.get("person").context("the person record type")?;
    let bytes = ybt_core::export::to_xlsx(person, &records, &ybt_core::export::mask_nothing, SEEDED_AT)?;
    std::fs::write(file, bytes).with_context(|| format!("writing {}", file.display()))?;
    println!("wrote {} people of {village} to {} ", records.len(), file.display());
    Ok(())
}

/// Multi-row `INSERT OR IGNORE` statements: far fewer statements for D1 to
/// run than one per row, which is what makes loading 20,000 people quick.
struct Inserts {
    table: &'static str,
    rows: Vec<String>,
}

impl Inserts {
    // D1 caps one statement at 100 KB; 50 rows of ~700 bytes stay well under.
    const ROWS_PER_STATEMENT: usize = 50;

    fn new(table: &'static str) -> Inserts {
        Inserts { table, rows: Vec::new() }
    }

    fn row(&mut self, sql: &mut String, values: String) {
        self.rows.push(values);
        if self.rows.len() == Self::ROWS_PER_STATEMENT {
            self.flush(sql);
        }
    }

    fn flush(&mut self, sql: &mut String) {
        if !self.rows.is_empty() {
            let _ = writeln!(sql, "INSERT OR IGNORE INTO {} VALUES\n{};", self.table, self.rows.join(",\n"));
            self.rows.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_escaped() {
        assert_eq!(quote("O'Brien"), "'O''Brien'");
        assert_eq!(quote_opt(None), "NULL");
    }

    #[test]
    fn demo_sql_only_inserts_or_ignores() {
        let demo = demo(10).expect("demo SQL");
        let statements = |sql: &str| -> Vec<String> { sql.split(";\n").filter(|s| !s.trim().is_empty()).map(str::to_owned).collect() };
        let rows_of = |sql: &str, table: &str| -> usize {
            statements(sql).iter().filter(|s| s.contains(&format!("INTO {table} ("))).map(|s| s.lines().count() - 1).sum()
        };
        let all = std::iter::once(demo.directory_sql.as_str()).chain(demo.districts.iter().map(|d| d.sql.as_str()));
        for sql in all {
            assert!(statements(sql).iter().all(|s| s.starts_with("INSERT OR IGNORE INTO ")), "every statement is idempotent");
        }
        let yongchuan = &demo.districts[0];
        assert_eq!((yongchuan.code.as_str(), yongchuan.towns, yongchuan.villages), ("500118", 23, 267));
        assert_eq!(rows_of(&yongchuan.sql, "org_units"), 1 + 23 + 267);
        let people: usize = statements(&yongchuan.sql)
            .iter()
            .filter(|s| s.contains("INTO ledger_records ("))
            .map(|s| s.lines().filter(|l| l.starts_with("('person:")).count())
            .sum();
        assert_eq!(people, 10 * 267);
        // Plus households, houses, land, one enterprise and one venue per village.
        assert!(rows_of(&yongchuan.sql, "ledger_records") > people + 2 * 267, "{}", rows_of(&yongchuan.sql, "ledger_records"));
        assert_eq!(rows_of(&yongchuan.sql, "ledger_history"), rows_of(&yongchuan.sql, "ledger_records"));
        for d in &demo.districts {
            assert!(rows_of(&d.sql, "users") == 0 && rows_of(&d.sql, "templates") > 0, "{}: no accounts, every template", d.code);
            let units = statements(&d.sql)
                .iter()
                .filter(|s| s.contains("INTO org_units ("))
                .flat_map(|s| s.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
                .collect::<Vec<_>>();
            assert!(units.iter().all(|u| u.starts_with(&format!("('{}", d.code))), "{}'s database holds only its own units", d.code);
        }
        assert_eq!(rows_of(&demo.directory_sql, "districts"), 3);
        assert_eq!(rows_of(&demo.directory_sql, "users"), demo.accounts.len());
        assert!(demo.accounts.iter().any(|a| a.username == "pt-cun" && a.org_unit.starts_with("350304") && a.org_unit.len() == 12));
        assert!(demo.accounts.iter().any(|a| a.username == "pt-zhen" && a.org_unit.starts_with("350304") && a.org_unit.len() == 9));
        let again = super::demo(10).expect("again");
        let without_users = |s: &str| s.split("INSERT OR IGNORE INTO users").next().unwrap_or_default().to_owned();
        assert_eq!(without_users(&demo.directory_sql), without_users(&again.directory_sql), "deterministic but for password salts");
        assert!(demo.districts.iter().zip(&again.districts).all(|(a, b)| a.sql == b.sql));
    }
}
