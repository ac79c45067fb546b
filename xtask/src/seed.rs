//! The demo data as SQL: org units of 永川区, synthetic people, and the
//! shipped templates. Every statement is `INSERT OR IGNORE` with stable keys,
//! so loading it again changes nothing.

use std::fmt::Write;

use anyhow::{Context, Result};
use ybt_core::ledger::OrgLevel;

use crate::divisions::{DEMO_DISTRICT, district};

/// About 20,000 people across the district's 267 villages.
pub const DEFAULT_PEOPLE_PER_VILLAGE: usize = 75;
/// Enough for every test village to have 低保 subjects, small enough to load fast.
pub const TEST_PEOPLE_PER_VILLAGE: usize = 40;
const SEED: u64 = 2_026;
const SEEDED_AT: &str = "2026-01-01T00:00:00Z";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn quote_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_owned(), quote)
}

pub fn demo_sql(people_per_village: usize) -> Result<String> {
    let units = district(DEMO_DISTRICT)?;
    let mut sql = String::new();
    for u in &units {
        writeln!(
            sql,
            "INSERT OR IGNORE INTO org_units (code, name, level, parent_code) VALUES ({}, {}, {}, {});",
            quote(&u.code),
            quote(&u.name),
            quote(u.level.as_str()),
            quote_opt(u.parent_code.as_deref())
        )?;
    }

    let catalog = ybt_core::Catalog::builtin().context("ledger schemas")?;
    for (file, text) in ybt_core::schemas::BUILTIN_TEMPLATES {
        let document: serde_json::Value = serde_json::from_str(text).with_context(|| format!("{file}"))?;
        let compiled = ybt_core::compile(&document, &catalog)
            .map_err(|e| anyhow::anyhow!("{file} does not compile: {e:?}"))?;
        writeln!(
            sql,
            "INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) VALUES ({}, {}, {}, {}, {}, {});",
            quote(&compiled.meta.id),
            compiled.meta.version,
            quote(&compiled.title),
            quote(&compiled.meta.department),
            quote(&serde_json::to_string(&document)?),
            quote(SEEDED_AT)
        )?;
    }

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
    for person in ybt_core::demo::people(&villages, people_per_village, SEED) {
        let data = serde_json::to_string(&person.data)?;
        writeln!(
            sql,
            "INSERT OR IGNORE INTO ledger_records (id, entity, org_unit, version, updated_at, updated_by, data) VALUES ({}, {}, {}, {}, {}, {}, {});",
            quote(&person.id),
            quote(&person.entity),
            quote(&person.org_unit),
            person.version,
            quote(&person.updated_at),
            quote(&person.updated_by),
            quote(&data)
        )?;
        let changes: serde_json::Map<String, serde_json::Value> = person
            .data
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), serde_json::json!([null, v]))).collect())
            .unwrap_or_default();
        writeln!(
            sql,
            "INSERT OR IGNORE INTO ledger_history (record_id, version, changed_at, changed_by, source, changes) VALUES ({}, 1, {}, 'demo', 'demo', {});",
            quote(&person.id),
            quote(SEEDED_AT),
            quote(&serde_json::to_string(&changes)?)
        )?;
    }
    Ok(sql)
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
        let sql = demo_sql(2).expect("demo SQL");
        assert!(sql.lines().all(|l| l.starts_with("INSERT OR IGNORE INTO ")), "every line is idempotent");
        assert_eq!(sql.lines().filter(|l| l.contains("INTO org_units")).count(), 1 + 23 + 267);
        assert_eq!(sql.lines().filter(|l| l.contains("INTO ledger_records")).count(), 2 * 267);
        assert_eq!(sql, demo_sql(2).expect("again"), "deterministic");
    }
}
