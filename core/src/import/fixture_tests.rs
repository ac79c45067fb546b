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
        target: UpsertTarget { unit: VILLAGE, meta: &meta, disclosed: &names },
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
sheet 0 "人员台账" header 3 rows 5
columns 姓名=name 性别=gender 身份证号=id_number 出生日期=birth_date 联系方式/手机=phone 户籍信息/住址=address 户籍信息/户编号=household
skip 10 Footer 合 计 5人
skip 11 Footer 填表人：张三 审核人：李四
skip 12 Footer 制表日期：2026年3月1日
convert 4 姓名 陈⟨NBSP⟩建国␣ -> 陈建国 (Spaces)
convert 4 身份证号 ５００１０１１９７５０１１６０１１Ｘ -> 50010119750116011X (FullWidth)
convert 4 出生日期 1975.1.16 -> 1975-01-16 (DateSpelling)
convert 4 联系方式/手机 138-0000-1001 -> 13800001001 (Separators)
convert 5 姓名 王␣␣芳 -> 王芳 (Spaces)
convert 5 身份证号 50010119800203026x -> 50010119800203026X (Uppercase)
convert 5 出生日期 1980/02/03 -> 1980-02-03 (DateSpelling)
convert 5 户籍信息/住址 青峰村一组２号 -> 青峰村一组2号 (FullWidth)
convert 6 身份证号 ⟨U+200B⟩500101196211300335 -> 500101196211300335 (Invisible)
convert 6 出生日期 1962年11月30日 -> 1962-11-30 (DateSpelling)
convert 6 联系方式/手机 １３８００００１００３ -> 13800001003 (FullWidth)
convert 9 出生日期 20310 -> 1955-08-09 (ExcelSerial)
record 陈建国 50010119750116011X 1975-01-16 13800001001 青峰村一组1号 QF001
record 王芳 50010119800203026X 1980-02-03 13800001002 青峰村一组2号 QF002
record 李明 500101196211300335 1962-11-30 13800001003 青峰村一组3号 QF003
record 赵丽 500101199005060442 1990-05-06 13800001004 青峰村一组4号 QF004
record 孙强 500101195508090557 1955-08-09 13800001005 青峰村一组5号 QF005
"#,
    );
}

#[test]
fn one_sheet_per_village_group() {
    // Every visible sheet with a header; 三组's bad row named with its sheet.
    check(
        "person",
        "groups-several-sheets.xlsx",
        None,
        PERSON,
        r#"
sheet 0 "一组" header 2 rows 2
sheet 1 "二组" header 2 rows 3
sheet 2 "三组" header 2 rows 2
sheet 3 "Sheet4" left out Empty
sheet 4 "旧数据" left out Hidden
sheet 5 "说明" left out NoHeader
columns 姓名=name 公民身份号码=id_number 联系电话=phone
skip 一组:5 Footer 合计 2人
skip 二组:6 Footer 合计 3人
skip 三组:5 Footer 合计 2人
error 三组:4 公民身份号码 format 不是有效的身份证号
"#,
    );
    // The two groups picked.
    check(
        "person",
        "groups-several-sheets.xlsx",
        Some(&[0, 1]),
        PERSON,
        r#"
sheet 0 "一组" header 2 rows 2
sheet 1 "二组" header 2 rows 3
sheet 2 "三组" left out NotPicked
sheet 3 "Sheet4" left out NotPicked
sheet 4 "旧数据" left out NotPicked
sheet 5 "说明" left out NotPicked
columns 姓名=name 公民身份号码=id_number 联系电话=phone
skip 一组:5 Footer 合计 2人
skip 二组:6 Footer 合计 3人
record 刘一 500101197001011011 - 13800002038 - -
record 刘二 500101197102021024 - 13800002039 - -
record 周一 500101197203031037 - 13800002028 - -
record 周二 50010119730404104X - 13800002029 - -
record 周三 500101197405051052 - 13800002030 - -
"#,
    );
    // A hidden sheet, picked.
    check(
        "person",
        "groups-several-sheets.xlsx",
        Some(&[4]),
        PERSON,
        r#"
sheet 0 "一组" left out NotPicked
sheet 1 "二组" left out NotPicked
sheet 2 "三组" left out NotPicked
sheet 3 "Sheet4" left out NotPicked
sheet 4 "旧数据" header 1 rows 1
sheet 5 "说明" left out NotPicked
columns 姓名=name 身份证号=id_number
record 旧人 500101194001011990 - - - -
"#,
    );
    check("person", "groups-several-sheets.xlsx", Some(&[5]), PERSON, "refused sheet `说明` has no header row naming a known column");
    check("person", "groups-several-sheets.xlsx", Some(&[9]), PERSON, "refused the workbook has no sheet 9");
}

#[test]
fn id_numbers_typed_as_numbers() {
    check(
        "person",
        "number-ids.xlsx",
        None,
        PERSON,
        r#"
sheet 0 "Sheet1" header 1 rows 2
columns 姓名=name 身份证号=id_number 联系电话=phone
error 2 身份证号 lost_precision 号码被 Excel 存成了数字，末尾几位已丢失：请把该列设为“文本”后重新录入
error 3 身份证号 lost_precision 号码被 Excel 存成了数字，末尾几位已丢失：请把该列设为“文本”后重新录入
"#,
    );
}

#[test]
fn households_under_a_merged_head_of_household() {
    check(
        "household",
        "household-two-row-header.xlsx",
        None,
        &["household_no", "head_name", "head_id_number", "member_count", "address"],
        r#"
sheet 0 "户籍" header 2 rows 2
columns 户编号=household_no 户主/姓名=head_name 户主/身份证号=head_id_number 家庭人口数=member_count 家庭住址=address
skip 5 Footer 填表人：张三
convert 3 家庭人口数 ４ -> 4 (FullWidth)
record FX-0001 钱大 500101196001023018 4 青峰村二组1号
record FX-0002 钱二 500101196203043025 2 青峰村二组2号
"#,
    );
}

#[test]
fn excel_97_workbook() {
    check(
        "person",
        "legacy-roster.xls",
        None,
        PERSON,
        r#"
sheet 0 "一组" header 2 rows 2
sheet 1 "二组" header 2 rows 1
columns 姓名=name 身份证号码=id_number 出生年月=birth_date 手机号码=phone
skip 一组:5 Footer 合计 2人
skip 一组:6 Footer 填表人：张三    审核人：李四
skip 二组:4 Footer 合计 1人
skip 二组:5 Footer 填表人：张三    审核人：李四
convert 一组:3 身份证号码 ５００１０１１９５８０９１０４０１９ -> 500101195809104019 (FullWidth)
convert 一组:4 身份证号码 50010119611011404x -> 50010119611011404X (Uppercase)
convert 一组:4 出生年月 1961.10.11 -> 1961-10-11 (DateSpelling)
convert 二组:3 出生年月 1985年12月1日 -> 1985-12-01 (DateSpelling)
record 冯一 500101195809104019 1958-09-10 13800004001 - -
record 冯二 50010119611011404X 1961-10-11 13800004002 - -
record 褚一 500101198512014032 1985-12-01 13800004003 - -
"#,
    );
}

#[test]
fn gbk_csv_with_full_width_digits() {
    check(
        "person",
        "gbk-fullwidth.csv",
        None,
        PERSON,
        r#"
sheet 0 "" header 2 rows 2
columns 姓名=name 身份证号=id_number 出生日期=birth_date 联系电话=phone
skip 5 Footer 合计 2人
convert 3 身份证号 ５００１０１１９７７０７０７５０１７ -> 500101197707075017 (FullWidth)
convert 3 出生日期 １９７７年７月７日 -> 1977-07-07 (FullWidth,DateSpelling)
convert 4 出生日期 1978.8.8 -> 1978-08-08 (DateSpelling)
convert 4 联系电话 138␣0000␣5002 -> 13800005002 (Spaces)
record 蒋一 500101197707075017 1977-07-07 13800005001 - -
record 蒋二 50010119780808502X 1978-08-08 13800005002 - -
"#,
    );
}
