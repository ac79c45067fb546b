//! A city department's summary as a file (issue 16, the city level): one
//! table with a district column, each district's rows followed by its
//! 合计 line, a district that could not be read named on a line of its own,
//! and the city's 全市合计 last. CSV is that table; XLSX has it as a second
//! sheet (明细) after a first (各区合计) of per-district totals and the
//! template's summary formulas. Values arrive masked (the district summary's
//! `load`); nothing here decides access.

#[cfg(feature = "spreadsheets")]
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::summary_table::{ExportRow, number_text};
#[cfg(feature = "spreadsheets")]
use super::{ExportError, MAX_XLSX_ROWS};
use super::{csv_field, text_of};
use crate::summary::SummaryColumn;

/// One district's part of the file.
#[derive(Debug, Clone)]
pub struct DistrictSection<'a> {
    pub name: &'a str,
    /// Villages whose newest submission is counted.
    pub villages: usize,
    pub rows: Vec<ExportRow<'a>>,
    /// The template's summary formulas over this district's rows.
    pub computed: Map<String, Value>,
    /// Why the district is missing (Chinese, as the reader sees it).
    pub failure: Option<String>,
}

/// What the city file holds.
#[derive(Debug, Clone)]
pub struct CityTable<'a> {
    pub title: &'a str,
    pub columns: &'a [SummaryColumn],
    pub summary_fields: &'a [SummaryColumn],
    pub districts: Vec<DistrictSection<'a>>,
    /// The summary formulas over every row of the districts that answered.
    pub computed: Map<String, Value>,
}

const DISTRICT: &str = "区县";
const TOWN: &str = "乡镇（街道）";
const VILLAGE: &str = "村（社区）";
const VERSION: &str = "版本";
const TOTAL: &str = "合计";
const CITY_TOTAL: &str = "全市合计";

/// A cell of the file: text is always written as text (never a formula).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Text(String),
    Number(f64),
}

/// A line of the file: its cells, bold for headers and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub cells: Vec<Cell>,
    pub bold: bool,
}

/// A worksheet of lines ([`super::XlsxJob::Lines`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineSheet {
    pub name: String,
    pub lines: Vec<Line>,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

impl CityTable<'_> {
    fn versioned(&self) -> bool {
        self.districts.iter().flat_map(|d| &d.rows).any(|r| r.version.is_some())
    }

    /// The label of the last line: 全市合计, naming the districts it lacks.
    fn city_label(&self) -> String {
        let missing: Vec<&str> = self.districts.iter().filter(|d| d.failure.is_some()).map(|d| d.name).collect();
        if missing.is_empty() { CITY_TOTAL.to_owned() } else { format!("{CITY_TOTAL}（不含未能读取的{}）", missing.join("、")) }
    }

    fn sums<'r>(&self, rows: impl Iterator<Item = &'r ExportRow<'r>>) -> Vec<Option<f64>> {
        let mut out: Vec<Option<f64>> = self.columns.iter().map(|c| c.numeric.then_some(0.0)).collect();
        for row in rows {
            for (slot, column) in out.iter_mut().zip(self.columns) {
                if let (Some(sum), Some(n)) = (slot.as_mut(), row.values.get(&column.key).and_then(Value::as_f64)) {
                    *sum += n;
                }
            }
        }
        out
    }

    fn sum_cells(sums: Vec<Option<f64>>) -> impl Iterator<Item = Cell> {
        sums.into_iter().map(|s| s.map_or_else(|| text(""), |n| Cell::Number(tidy(n))))
    }

    /// The one table: header, each district's rows and 合计, 全市合计.
    fn detail(&self) -> Vec<Line> {
        let versioned = self.versioned();
        let mut lines = vec![Line {
            cells: [DISTRICT, TOWN, VILLAGE]
                .into_iter()
                .chain(self.columns.iter().map(|c| c.title.as_str()))
                .chain(versioned.then_some(VERSION))
                .map(text)
                .collect(),
            bold: true,
        }];
        for d in &self.districts {
            if let Some(failure) = &d.failure {
                lines.push(Line { cells: vec![text(d.name), Cell::Text(format!("未能读取：{failure}"))], bold: true });
                continue;
            }
            for row in &d.rows {
                let mut cells = vec![text(d.name), text(row.town), text(row.village)];
                cells.extend(self.columns.iter().map(|c| match row.values.get(&c.key) {
                    Some(Value::Number(n)) => Cell::Number(n.as_f64().unwrap_or_default()),
                    Some(value) => Cell::Text(text_of(value)),
                    None => text(""),
                }));
                if versioned {
                    cells.push(Cell::Text(row.version.map(|v| format!("v{v}")).unwrap_or_default()));
                }
                lines.push(Line { cells, bold: false });
            }
            let mut cells = vec![text(d.name), text(TOTAL), text("")];
            cells.extend(Self::sum_cells(self.sums(d.rows.iter())));
            lines.push(Line { cells, bold: true });
        }
        let mut cells = vec![Cell::Text(self.city_label()), text(""), text("")];
        cells.extend(Self::sum_cells(self.sums(self.districts.iter().flat_map(|d| &d.rows))));
        lines.push(Line { cells, bold: true });
        lines
    }

    /// Per-district totals and formulas, then the city's.
    fn totals(&self) -> Vec<Line> {
        let numeric: Vec<usize> = self.columns.iter().enumerate().filter(|(_, c)| c.numeric).map(|(i, _)| i).collect();
        let mut lines = vec![Line {
            cells: [DISTRICT, "已提交村（社区）", "行数"]
                .into_iter()
                .chain(numeric.iter().map(|i| self.columns[*i].title.as_str()))
                .chain(self.summary_fields.iter().map(|c| c.title.as_str()))
                .map(text)
                .collect(),
            bold: true,
        }];
        let line = |label: String, villages: usize, rows: Vec<&ExportRow<'_>>, computed: &Map<String, Value>| {
            let sums = self.sums(rows.iter().copied());
            let mut cells = vec![Cell::Text(label), Cell::Number(villages as f64), Cell::Number(rows.len() as f64)];
            cells.extend(numeric.iter().map(|i| sums[*i].map_or_else(|| text(""), |n| Cell::Number(tidy(n)))));
            cells.extend(self.summary_fields.iter().map(|c| match computed.get(&c.key) {
                Some(Value::Number(n)) => Cell::Number(n.as_f64().unwrap_or_default()),
                Some(value) => Cell::Text(text_of(value)),
                None => text(""),
            }));
            cells
        };
        for d in &self.districts {
            let cells = match &d.failure {
                Some(failure) => vec![text(d.name), Cell::Text(format!("未能读取：{failure}"))],
                None => line(d.name.to_owned(), d.villages, d.rows.iter().collect(), &d.computed),
            };
            lines.push(Line { cells, bold: false });
        }
        let villages = self.districts.iter().map(|d| d.villages).sum();
        let all = self.districts.iter().flat_map(|d| &d.rows).collect();
        lines.push(Line { cells: line(self.city_label(), villages, all, &self.computed), bold: true });
        lines
    }
}

fn tidy(n: f64) -> f64 {
    (n * 100_000.0).round() / 100_000.0
}

/// CSV (UTF-8 with BOM, CRLF): the one table.
pub fn city_csv(table: &CityTable<'_>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for line in table.detail() {
        let cells: Vec<String> = line
            .cells
            .iter()
            .map(|c| match c {
                Cell::Text(t) => csv_field(t),
                Cell::Number(n) => number_text(*n),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(feature = "spreadsheets")]
fn write_lines(sheet: &mut Worksheet, lines: &[Line], bold: &Format) -> Result<(), ExportError> {
    if lines.len() > MAX_XLSX_ROWS {
        return Err(ExportError::TooManyRows { rows: lines.len() - 1 });
    }
    for (r, line) in lines.iter().enumerate() {
        for (c, cell) in line.cells.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match (cell, line.bold) {
                (Cell::Text(t), _) if t.is_empty() => continue,
                (Cell::Text(t), true) => sheet.write_string_with_format(r, c, t, bold)?,
                (Cell::Text(t), false) => sheet.write_string(r, c, t)?,
                (Cell::Number(n), true) => sheet.write_number_with_format(r, c, *n, bold)?,
                (Cell::Number(n), false) => sheet.write_number(r, c, *n)?,
            };
        }
    }
    if let Some(header) = lines.first() {
        for (c, cell) in header.cells.iter().enumerate() {
            let width = match cell {
                Cell::Text(t) => (t.chars().count() as f64 * 2.2).max(10.0),
                Cell::Number(_) => 10.0,
            };
            sheet.set_column_width(c as u16, width)?;
        }
    }
    sheet.set_freeze_panes(1, 1)?;
    Ok(())
}

/// The XLSX file as a job for the spreadsheet port (issue 14: the
/// `ybt-sheets` worker writes it): 各区合计, then 明细. `created_at` (RFC
/// 3339) is the file's creation time, given so the same export gives the
/// same bytes.
pub fn city_job(table: &CityTable<'_>, created_at: &str) -> super::XlsxJob<'static> {
    super::XlsxJob::Lines {
        title: table.title.to_owned().into(),
        sheets: vec![
            LineSheet { name: "各区合计".to_owned(), lines: table.totals() },
            LineSheet { name: "明细".to_owned(), lines: table.detail() },
        ],
        created_at: created_at.to_owned(),
    }
}

/// Writes worksheets of lines, in order (the writer of
/// [`super::XlsxJob::Lines`]).
#[cfg(feature = "spreadsheets")]
pub fn lines_xlsx(title: &str, sheets: &[LineSheet], created_at: &str) -> Result<Vec<u8>, ExportError> {
    if let Some(sheet) = sheets.iter().find(|s| s.lines.len() > MAX_XLSX_ROWS) {
        return Err(ExportError::TooManyRows { rows: sheet.lines.len() });
    }
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::parse_from_str(created_at)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created).set_title(title));
    let bold = Format::new().set_bold();
    for LineSheet { name, lines } in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_lines(sheet, lines, &bold)?;
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
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
        [json!({"name": "张三", "amount": 1.5}), json!({"name": "=cmd", "amount": 2}), json!({"name": "王五", "amount": 0.1})]
            .into_iter()
            .map(|v| v.as_object().cloned().expect("object"))
            .collect()
    }

    fn table<'a>(columns: &'a [SummaryColumn], values: &'a [Map<String, Value>], failed: bool) -> CityTable<'a> {
        let row = |town, village, values| ExportRow { town, village, version: None, values };
        let mut districts = vec![DistrictSection {
            name: "江北区",
            villages: 2,
            rows: vec![row("甲街道", "一社区", &values[0]), row("甲街道", "二社区", &values[1])],
            computed: json!({"grand": 3.5}).as_object().cloned().expect("object"),
            failure: None,
        }];
        districts.push(DistrictSection {
            name: "永川区",
            villages: usize::from(!failed),
            rows: if failed { vec![] } else { vec![row("乙镇", "三村", &values[2])] },
            computed: Map::new(),
            failure: failed.then(|| "该区数据库暂时无法读取".to_owned()),
        });
        CityTable {
            title: "汇总",
            columns,
            summary_fields: &[],
            districts,
            computed: json!({"grand": 3.6}).as_object().cloned().expect("object"),
        }
    }

    #[test]
    fn csv_has_a_district_column_district_totals_and_the_city_total() {
        let (columns, values) = (columns(), values());
        let text = String::from_utf8(city_csv(&table(&columns, &values, false))).expect("utf-8");
        assert_eq!(
            text,
            "\u{feff}区县,乡镇（街道）,村（社区）,姓名,金额\r\n江北区,甲街道,一社区,张三,1.5\r\n江北区,甲街道,二社区,'=cmd,2\r\n\
             江北区,合计,,,3.5\r\n永川区,乙镇,三村,王五,0.1\r\n永川区,合计,,,0.1\r\n全市合计,,,,3.6\r\n"
        );
    }

    #[test]
    fn a_failed_district_is_named_in_the_file_and_in_the_city_total() {
        let (columns, values) = (columns(), values());
        let text = String::from_utf8(city_csv(&table(&columns, &values, true))).expect("utf-8");
        assert!(text.contains("\r\n永川区,未能读取：该区数据库暂时无法读取\r\n"), "{text}");
        assert!(text.ends_with("\r\n全市合计（不含未能读取的永川区）,,,,3.5\r\n"), "{text}");
    }

    #[cfg(feature = "spreadsheets")]
    #[test]
    fn xlsx_has_the_totals_then_the_rows() {
        use calamine::{Reader, Xlsx};
        let (columns, values) = (columns(), values());
        let mut t = table(&columns, &values, false);
        let grand = [SummaryColumn { key: "grand".into(), title: "总额".into(), numeric: true, options: vec![] }];
        t.summary_fields = &grand;
        let job = city_job(&t, "2026-03-01T08:00:00Z");
        // What the spreadsheet worker receives: the job as JSON.
        let sent: crate::export::XlsxJob<'_> = serde_json::from_str(&serde_json::to_string(&job).expect("json")).expect("job");
        let bytes = sent.write(&crate::ledger::RecordTypes::builtin().expect("types")).expect("xlsx");
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("opens");
        assert_eq!(book.sheet_names(), ["各区合计", "明细"]);
        let totals = book.worksheet_range("各区合计").expect("sheet");
        let cell = |r: usize, c: usize| totals.get((r, c)).map(ToString::to_string).unwrap_or_default();
        assert_eq!([cell(0, 0), cell(0, 3), cell(0, 4)], ["区县", "金额", "总额"]);
        assert_eq!([cell(1, 0), cell(1, 1), cell(1, 2), cell(1, 3), cell(1, 4)], ["江北区", "2", "2", "3.5", "3.5"]);
        assert_eq!([cell(3, 0), cell(3, 2), cell(3, 3), cell(3, 4)], ["全市合计", "3", "3.6", "3.6"]);
        let detail = book.worksheet_range("明细").expect("sheet");
        assert_eq!(detail.get((2, 3)).map(ToString::to_string).as_deref(), Some("=cmd"), "a text cell, never a formula");
        assert_eq!(detail.get((6, 0)).map(ToString::to_string).as_deref(), Some("全市合计"));
    }
}
