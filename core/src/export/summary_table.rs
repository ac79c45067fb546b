//! Exporting a template's collected rows across villages: CSV, or XLSX as
//! one flat sheet or one sheet per town, each sheet ending in a totals row.
//! Values arrive already masked for the reader (the worker masks them with
//! `access::mask_template_rows`); nothing here decides access.

#[cfg(feature = "spreadsheets")]
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::{Map, Value};

#[cfg(feature = "spreadsheets")]
use super::{ExportError, MAX_XLSX_ROWS};
use super::{csv_field, text_of};
use crate::summary::SummaryColumn;

/// One exported row: where it comes from and its values.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    pub town: &'a str,
    pub village: &'a str,
    /// The template version the row was submitted under, when the export
    /// holds rows of several versions (then a last column 版本 says it).
    pub version: Option<u32>,
    pub values: &'a Map<String, Value>,
}

/// How the XLSX file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetLayout {
    /// One sheet, town and village as the first two columns.
    Flat,
    /// One sheet per town (in order of first appearance), same columns.
    PerTown,
}

const TOWN: &str = "乡镇（街道）";
const VILLAGE: &str = "村（社区）";
const TOTAL: &str = "合计";
const VERSION: &str = "版本";

fn header(columns: &[SummaryColumn], versioned: bool) -> Vec<&str> {
    [TOWN, VILLAGE].into_iter().chain(columns.iter().map(|c| c.title.as_str())).chain(versioned.then_some(VERSION)).collect()
}

fn versioned(rows: &[ExportRow<'_>]) -> bool {
    rows.iter().any(|r| r.version.is_some())
}

fn version_text(version: Option<u32>) -> String {
    version.map(|v| format!("v{v}")).unwrap_or_default()
}

/// CSV (UTF-8 with BOM, CRLF), one line per row, then a totals line.
pub fn summary_csv(columns: &[SummaryColumn], rows: &[ExportRow<'_>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let versioned = versioned(rows);
    out.push_str(&header(columns, versioned).into_iter().map(csv_field).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for row in rows {
        let mut line = vec![csv_field(row.town), csv_field(row.village)];
        line.extend(columns.iter().map(|c| csv_field(&text_of(row.values.get(&c.key).unwrap_or(&Value::Null)))));
        if versioned {
            line.push(version_text(row.version));
        }
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    let sums = sums(columns, rows.iter());
    let mut line = vec![csv_field(TOTAL), String::new()];
    line.extend(sums.iter().map(|s| s.map(number_text).unwrap_or_default()));
    out.push_str(&line.join(","));
    out.push_str("\r\n");
    out.into_bytes()
}

pub(super) fn number_text(n: f64) -> String {
    let n = (n * 100_000.0).round() / 100_000.0;
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

/// The sum of each numeric column over `rows` (`None` for text columns).
fn sums<'r>(columns: &[SummaryColumn], rows: impl Iterator<Item = &'r ExportRow<'r>>) -> Vec<Option<f64>> {
    let mut out: Vec<Option<f64>> = columns.iter().map(|c| c.numeric.then_some(0.0)).collect();
    for row in rows {
        for (slot, column) in out.iter_mut().zip(columns) {
            if let (Some(sum), Some(n)) = (slot.as_mut(), row.values.get(&column.key).and_then(Value::as_f64)) {
                *sum += n;
            }
        }
    }
    out
}

/// A valid, unique sheet name: at most 31 characters, none of `[]:*?/\`.
#[cfg(feature = "spreadsheets")]
fn sheet_name(name: &str, taken: &[String]) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).take(28).collect();
    let clean = if clean.is_empty() { "Sheet".to_owned() } else { clean };
    let mut candidate = clean.clone();
    let mut n = 2;
    while taken.iter().any(|t| t == &candidate) {
        candidate = format!("{clean}-{n}");
        n += 1;
    }
    candidate
}

#[cfg(feature = "spreadsheets")]
fn write_sheet(
    sheet: &mut Worksheet,
    columns: &[SummaryColumn],
    rows: &[&ExportRow<'_>],
    versioned: bool,
    bold: &Format,
) -> Result<(), ExportError> {
    if rows.len() + 2 > MAX_XLSX_ROWS {
        return Err(ExportError::TooManyRows { rows: rows.len() });
    }
    for (col, title) in header(columns, versioned).into_iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, title, bold)?;
        sheet.set_column_width(col as u16, (title.chars().count() as f64 * 2.2).max(10.0))?;
    }
    sheet.set_freeze_panes(1, 2)?;
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        sheet.write_string(r, 0, row.town)?;
        sheet.write_string(r, 1, row.village)?;
        for (c, column) in columns.iter().enumerate() {
            let col = (c + 2) as u16;
            match row.values.get(&column.key) {
                None | Some(Value::Null) => {}
                Some(Value::Number(n)) => {
                    sheet.write_number(r, col, n.as_f64().unwrap_or_default())?;
                }
                Some(value) => {
                    sheet.write_string(r, col, text_of(value))?;
                }
            }
        }
        if versioned {
            sheet.write_string(r, (columns.len() + 2) as u16, version_text(row.version))?;
        }
    }
    let last = (rows.len() + 1) as u32;
    sheet.write_string_with_format(last, 0, TOTAL, bold)?;
    for (c, sum) in sums(columns, rows.iter().copied()).into_iter().enumerate() {
        if let Some(sum) = sum {
            sheet.write_number_with_format(last, (c + 2) as u16, (sum * 100_000.0).round() / 100_000.0, bold)?;
        }
    }
    Ok(())
}

/// XLSX of the rows, flat or a sheet per town. `created_at` (RFC 3339) is
/// the file's creation time, given so the same export gives the same bytes.
#[cfg(feature = "spreadsheets")]
pub fn summary_xlsx(
    title: &str,
    columns: &[SummaryColumn],
    rows: &[ExportRow<'_>],
    layout: SheetLayout,
    created_at: &str,
) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::parse_from_str(created_at)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created).set_title(title));
    let bold = Format::new().set_bold();
    let versioned = versioned(rows);
    match layout {
        SheetLayout::Flat => {
            let sheet = workbook.add_worksheet();
            sheet.set_name(sheet_name(title, &[]))?;
            let all: Vec<&ExportRow<'_>> = rows.iter().collect();
            write_sheet(sheet, columns, &all, versioned, &bold)?;
        }
        SheetLayout::PerTown => {
            let mut towns: Vec<(&str, Vec<&ExportRow<'_>>)> = Vec::new();
            for row in rows {
                match towns.iter_mut().find(|(t, _)| *t == row.town) {
                    Some((_, list)) => list.push(row),
                    None => towns.push((row.town, vec![row])),
                }
            }
            if towns.is_empty() {
                towns.push((TOTAL, Vec::new()));
            }
            let mut taken = Vec::new();
            for (town, list) in towns {
                let name = sheet_name(town, &taken);
                let sheet = workbook.add_worksheet();
                sheet.set_name(&name)?;
                taken.push(name);
                write_sheet(sheet, columns, &list, versioned, &bold)?;
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(all(test, feature = "spreadsheets"))]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns() -> Vec<SummaryColumn> {
        vec![
            SummaryColumn { key: "name".into(), title: "姓名".into(), numeric: false, options: vec![] },
            SummaryColumn { key: "amount".into(), title: "金额".into(), numeric: true, options: vec![] },
        ]
    }

    fn values() -> Vec<Map<String, Value>> {
        [json!({"name": "张三", "amount": 1.5}), json!({"name": "=cmd", "amount": 2}), json!({"name": "王五"})]
            .into_iter()
            .map(|v| v.as_object().cloned().expect("object"))
            .collect()
    }

    #[test]
    fn csv_has_place_columns_rows_and_a_totals_line() {
        let values = values();
        let rows = [
            ExportRow { town: "甲镇", village: "一村", version: None, values: &values[0] },
            ExportRow { town: "甲镇", village: "二村", version: None, values: &values[1] },
            ExportRow { town: "乙镇", village: "三村", version: None, values: &values[2] },
        ];
        let text = String::from_utf8(summary_csv(&columns(), &rows)).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}乡镇（街道）,村（社区）,姓名,金额\r\n甲镇,一村,张三,1.5\r\n甲镇,二村,'=cmd,2\r\n乙镇,三村,王五,\r\n合计,,,3.5\r\n"
        );
    }

    #[test]
    fn xlsx_reads_back_flat_and_per_town() {
        use calamine::{Reader, Xlsx};
        let values = values();
        let rows = [
            ExportRow { town: "甲镇", village: "一村", version: None, values: &values[0] },
            ExportRow { town: "乙镇", village: "三村", version: None, values: &values[2] },
            ExportRow { town: "甲镇", village: "二村", version: None, values: &values[1] },
        ];
        for (layout, sheets) in [(SheetLayout::Flat, vec!["汇总"]), (SheetLayout::PerTown, vec!["甲镇", "乙镇"])] {
            let bytes = summary_xlsx("汇总", &columns(), &rows, layout, "2026-03-01T08:00:00Z").expect("xlsx");
            let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("opens");
            assert_eq!(book.sheet_names(), sheets);
            let first = book.worksheet_range(sheets[0]).expect("sheet");
            let total_row = first.height() - 1;
            assert_eq!(first.get((0, 2)).map(ToString::to_string).as_deref(), Some("姓名"));
            assert_eq!(first.get((total_row, 0)).map(ToString::to_string).as_deref(), Some("合计"));
            // 甲镇 holds both numbers, so its sheet totals the same as the flat one.
            assert_eq!(first.get((total_row, 3)).map(ToString::to_string).as_deref(), Some("3.5"));
        }
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        assert_eq!(sheet_name("a/b", &[]), "a_b");
        assert_eq!(sheet_name("甲镇", &["甲镇".to_owned()]), "甲镇-2");
        assert_eq!(sheet_name("", &[]), "Sheet");
    }

    #[test]
    fn rows_of_several_versions_say_their_version_in_a_last_column() {
        let values = values();
        let rows = [
            ExportRow { town: "甲镇", village: "一村", version: Some(1), values: &values[0] },
            ExportRow { town: "乙镇", village: "三村", version: Some(2), values: &values[2] },
        ];
        let text = String::from_utf8(summary_csv(&columns(), &rows)).expect("utf-8");
        assert_eq!(text, "\u{feff}乡镇（街道）,村（社区）,姓名,金额,版本\r\n甲镇,一村,张三,1.5,v1\r\n乙镇,三村,王五,,v2\r\n合计,,,1.5\r\n");
        use calamine::{Reader, Xlsx};
        let bytes = summary_xlsx("汇总", &columns(), &rows, SheetLayout::Flat, "2026-03-01T08:00:00Z").expect("xlsx");
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("opens");
        let sheet = book.worksheet_range("汇总").expect("sheet");
        assert_eq!(sheet.get((0, 4)).map(ToString::to_string).as_deref(), Some("版本"));
        assert_eq!(sheet.get((2, 4)).map(ToString::to_string).as_deref(), Some("v2"));
    }
}
