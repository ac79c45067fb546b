//! The spreadsheets of `tests/fixtures/spreadsheets/`, written the way
//! village offices write them (see `tests/fixtures/generate.py`), each
//! planned as an import into an empty village and described line by line:
//! sheets, skipped rows, every conversion, then the records or the errors.

use std::fmt::Write as _;

use serde_json::Value;

use super::*;
use crate::ledger::{ChangeMeta, RecordTypes, Source};

const VILLAGE: &str = "500118100001";

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/spreadsheets").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn text(value: Option<&Value>) -> String {
    match value {
        None => "-".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().map(|v| text(Some(v))).collect::<Vec<_>>().join("、"),
        Some(other) => other.to_string(),
    }
}

/// Plans `name` as an import of `entity` (only `sheets`, when given) and
/// describes the outcome.
fn describe(entity: &str, name: &str, sheets: Option<&[usize]>, fields: &[&str]) -> String {
    let types = RecordTypes::builtin().expect("types");
    let meta = ChangeMeta { changed_by: "clerk".into(), changed_at: "2026-03-01T08:00:00Z".into(), source: Source::Import };
    let names = std::collections::BTreeMap::new();
    let request = ImportRequest {
        entity,
        target: UpsertTarget { unit: VILLAGE, meta: &meta, unit_names: &names },
        limits: Limits::default(),
        mapping: None,
        sheets,
    };
    let mut out = String::new();
    let parsed = match parse_import(&types, &fixture(name), &request) {
        Ok(parsed) => parsed,
        Err(failure) => return format!("refused {failure}\n"),
    };
    let reading = parsed.reading().clone();
    for s in &reading.sheets {
        let status = match s.left_out {
            None => format!("header {} rows {}", s.header_row.unwrap_or(0), s.data_rows),
            Some(why) => format!("left out {why:?}"),
        };
        writeln!(out, "sheet {} {:?} {status}", s.index, s.name).ok();
    }
    let columns: Vec<String> = parsed
        .mapping()
        .iter()
        .filter(|m| m.field.is_some())
        .map(|m| format!("{}={}", m.label(), m.field.as_deref().unwrap_or("")))
        .collect();
    writeln!(out, "columns {}", columns.join(" ")).ok();
    let at = |sheet: &Option<String>, row: usize| match sheet {
        Some(s) => format!("{s}:{row}"),
        None => row.to_string(),
    };
    for s in &reading.skipped {
        writeln!(out, "skip {} {:?} {}", at(&s.sheet, s.row), s.reason, s.text).ok();
    }
    for c in &reading.conversions {
        let changes: Vec<String> = c.changes.iter().map(|k| format!("{k:?}")).collect();
        writeln!(
            out,
            "convert {} {} {} -> {} ({})",
            at(&c.sheet, c.row),
            c.column,
            normalize::show_invisible(&c.original),
            c.stored,
            changes.join(",")
        )
        .ok();
    }
    match parsed.plan(&[], request.target, &mut |_, _| {}) {
        Ok(plan) => {
            for write in &plan.upserts.writes {
                let values: Vec<String> = fields.iter().map(|f| text(write.record.data.get(*f))).collect();
                writeln!(out, "record {}", values.join(" ")).ok();
            }
        }
        Err(ImportFailure::Rows { errors, .. }) => {
            for e in errors {
                writeln!(out, "error {} {} {} {}", at(&e.sheet, e.row), e.column.as_deref().unwrap_or("-"), e.code, e.message.zh).ok();
            }
        }
        Err(other) => writeln!(out, "refused {other}").unwrap_or(()),
    }
    out
}

const PERSON: &[&str] = &["name", "id_number", "birth_date", "phone", "address", "household"];

fn check(entity: &str, name: &str, sheets: Option<&[usize]>, fields: &[&str], expect: &str) {
    let got = describe(entity, name, sheets, fields);
    assert_eq!(got.trim(), expect.trim(), "{name}:\n{got}");
}

#[test]
fn roster_with_a_two_row_header_footers_and_every_spelling() {
    check(
        "person",
        "roster-two-row-header.xlsx",
        None,
        PERSON,
        r#"
"#,
    );
}

#[test]
fn one_sheet_per_village_group() {
    check("person", "groups-several-sheets.xlsx", None, PERSON, "");
    check("person", "groups-several-sheets.xlsx", Some(&[0, 1]), PERSON, "");
    check("person", "groups-several-sheets.xlsx", Some(&[4]), PERSON, "");
    check("person", "groups-several-sheets.xlsx", Some(&[9]), PERSON, "");
}

#[test]
fn id_numbers_typed_as_numbers() {
    check("person", "number-ids.xlsx", None, PERSON, "");
}

#[test]
fn households_under_a_merged_head_of_household() {
    check(
        "household",
        "household-two-row-header.xlsx",
        None,
        &["household_no", "head_name", "head_id_number", "member_count", "address"],
        "",
    );
}

#[test]
fn excel_97_workbook() {
    check("person", "legacy-roster.xls", None, PERSON, "");
}

#[test]
fn gbk_csv_with_full_width_digits() {
    check("person", "gbk-fullwidth.csv", None, PERSON, "");
}
