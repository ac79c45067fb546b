//! How a worksheet is laid out as villages keep it: a title, a header of
//! one row or two (a merged group title such as 联系方式 over 手机 |
//! 固定电话), data rows, and rows that are not records — totals (合计 12人),
//! sign-offs (填表人：张三 审核人：李四), dates, notes, an example row,
//! the header repeated on a new page.

use serde::{Deserialize, Serialize};

use super::error::FileError;
use super::mapping::{ColumnMapping, suggest_grouped};
use super::sheet::{Cell, Sheet, SheetRow};
use crate::ledger::RecordType;

/// The header is looked for in this many rows at the top: ledgers often
/// start with a title row such as “青峰村低保台账”.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Where a sheet's header is and what its columns hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Index into `sheet.rows` of the header's (lower) row; data follow it.
    pub index: usize,
    /// The upper row of a two-row header.
    pub upper: Option<usize>,
    pub mapping: Vec<ColumnMapping>,
}

/// The headers and groups of a header read as the `upper` row over `lower`:
/// a column empty in the lower row is named by the upper (a title merged
/// down over both rows); a column named in both has the upper as its group;
/// a group title runs right over the columns whose upper cell is empty (the
/// rest of its merged cell) and whose lower cell is named.
fn two_rows(upper: &SheetRow, lower: &SheetRow) -> (Vec<String>, Vec<Option<String>>) {
    let width = upper.cells.len().max(lower.cells.len());
    let text = |row: &SheetRow, c: usize| row.cells.get(c).map(Cell::text).unwrap_or_default();
    let mut headers = Vec::with_capacity(width);
    let mut groups = Vec::with_capacity(width);
    let mut group: Option<String> = None;
    for c in 0..width {
        let (up, low) = (text(upper, c), text(lower, c));
        match (up.is_empty(), low.is_empty()) {
            (false, true) => {
                group = None;
                headers.push(up);
                groups.push(None);
            }
            (false, false) => {
                group = Some(up.clone()).filter(|g| *g != low);
                headers.push(low);
                groups.push(group.clone());
            }
            (true, false) => {
                headers.push(low);
                groups.push(group.clone());
            }
            (true, true) => {
                group = None;
                headers.push(String::new());
                groups.push(None);
            }
        }
    }
    (headers, groups)
}

fn named(mapping: &[ColumnMapping]) -> usize {
    mapping.iter().filter(|m| m.field.is_some()).count()
}

/// Whether a row looks like a record rather than headers: it holds a
/// number, a date, or a run of six digits (an ID or phone number).
fn data_like(row: &SheetRow) -> bool {
    row.cells.iter().any(|c| match c {
        Cell::Int(_) | Cell::Float(_) | Cell::Date(_) => true,
        Cell::Text(t) => t.as_bytes().windows(6).any(|w| w.iter().all(u8::is_ascii_digit)),
        _ => false,
    })
}

/// Finds the header: of the first rows, alone or as the lower row under a
/// group row, the reading that names the most fields. A two-row reading is
/// taken when neither row looks like a record and it names more than its
/// lower row alone and more than its upper row alone — or as many, when the
/// lower row names fields by itself (手机 under 联系方式, which alone also
/// names the phone): then it is the upper row's header, completed.
pub fn locate_header(record_type: &RecordType, sheet: &Sheet) -> Result<Header, FileError> {
    let mut best: Option<(usize, Header)> = None;
    let mut alone_counts = Vec::new();
    for (index, row) in sheet.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let headers: Vec<String> = row.cells.iter().map(Cell::text).collect();
        let alone = suggest_grouped(record_type, &headers, &[]);
        let alone_count = named(&alone);
        alone_counts.push(alone_count);
        let mut candidate = (alone_count, Header { index, upper: None, mapping: alone });
        if index > 0 {
            let upper = &sheet.rows[index - 1];
            if upper.line + 1 == row.line && !data_like(upper) && !data_like(row) {
                let (headers, groups) = two_rows(upper, row);
                let pair = suggest_grouped(record_type, &headers, &groups);
                let pair_count = named(&pair);
                let upper_count = alone_counts[index - 1];
                if pair_count > alone_count && (pair_count > upper_count || (pair_count == upper_count && alone_count > 0)) {
                    candidate = (pair_count, Header { index, upper: Some(index - 1), mapping: pair });
                }
            }
        }
        let better = match &best {
            None => candidate.0 > 0,
            Some((count, header)) => candidate.0 > *count || (candidate.0 == *count && candidate.1.upper == Some(header.index)),
        };
        if better {
            best = Some(candidate);
        }
    }
    best.map(|(_, header)| header).ok_or(FileError::NoHeader)
}

/// Why a row below the header is not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A total, sign-off, date or note (合计、填表人、制表日期、备注 …), or
    /// a row without a key below one.
    Footer,
    /// The example row of a template (序号 示例).
    Example,
    /// The header again (printed on every page).
    RepeatedHeader,
}

impl SkipReason {
    pub fn zh(self) -> &'static str {
        match self {
            SkipReason::Footer => "表尾（合计、签名、日期、备注等）",
            SkipReason::Example => "示例行",
            SkipReason::RepeatedHeader => "重复的表头",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            SkipReason::Footer => "footer (total, signatures, date, notes)",
            SkipReason::Example => "example row",
            SkipReason::RepeatedHeader => "repeated header",
        }
    }
}

/// How a footer row starts (spaces and full-width colons removed first).
const FOOTER_WORDS: &[&str] = &[
    "合计",
    "总计",
    "小计",
    "共计",
    "总人数",
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "审批人",
    "负责人",
    "经办人",
    "统计人",
    "复核人",
    "核对人",
    "联系人",
    "填表日期",
    "填报日期",
    "制表日期",
    "统计日期",
    "报送日期",
    "填表时间",
    "制表时间",
    "审核日期",
    "单位负责人",
    "填报单位",
    "单位(盖章)",
    "单位（盖章）",
    "(盖章)",
    "（盖章）",
    "盖章",
    "备注:",
    "备注：",
    "说明:",
    "说明：",
    "注:",
    "注：",
];

/// The first cell of an example row.
const EXAMPLE_WORDS: &[&str] = &["示例", "例", "样例", "举例", "填写示例", "填表示例", "示例行"];

/// Six digits in a row (ASCII or full-width): part of an identifier.
fn has_digit_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() || ('０'..='９').contains(&c) { run + 1 } else { 0 };
        if run >= 6 {
            return true;
        }
    }
    false
}

/// A cell's text without any whitespace, for comparing with the words above.
fn squeezed(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.chars().filter(|c| !c.is_whitespace()).collect(),
        other => other.text(),
    }
}

/// Tells rows below the header that are not records.
#[derive(Debug)]
pub struct RowKinds<'h> {
    /// Columns of the natural key: a row with a value there is a record.
    key_columns: Vec<usize>,
    headers: &'h [ColumnMapping],
    /// A footer was seen: keyless rows below it are footers too.
    after_footer: bool,
}

impl<'h> RowKinds<'h> {
    pub fn new(record_type: &RecordType, mapping: &'h [ColumnMapping]) -> RowKinds<'h> {
        let key_columns =
            mapping.iter().filter(|m| m.field.as_ref().is_some_and(|f| record_type.natural_key.contains(f))).map(|m| m.column).collect();
        RowKinds { key_columns, headers: mapping, after_footer: false }
    }

    /// `Some` when `row` is not a record.
    pub fn skip(&mut self, row: &SheetRow) -> Option<SkipReason> {
        let key_cells: Vec<&Cell> = self.key_columns.iter().map(|c| row.cells.get(*c).unwrap_or(&Cell::Empty)).collect();
        let keyless = key_cells.iter().all(|c| c.is_empty());
        let first = row.cells.iter().find(|c| !c.is_empty()).map(squeezed).unwrap_or_default();
        if !key_cells.is_empty()
            && self.key_columns.iter().zip(&key_cells).all(|(c, cell)| self.headers.get(*c).is_some_and(|m| m.header.trim() == cell.text()))
        {
            return Some(SkipReason::RepeatedHeader);
        }
        if EXAMPLE_WORDS.contains(&first.as_str()) {
            return Some(SkipReason::Example);
        }
        // A footer's key cell is empty, a label (`审核人：李四`) or a count
        // (`12人`); a record's holds an identifier, with a run of digits.
        let labelled = || {
            key_cells.iter().all(|c| {
                let text = squeezed(c);
                text.is_empty() || text.contains([':', '：']) || !has_digit_run(&text)
            })
        };
        if FOOTER_WORDS.iter().any(|w| first.starts_with(w)) && labelled() {
            self.after_footer = true;
            return Some(SkipReason::Footer);
        }
        if self.after_footer && keyless {
            return Some(SkipReason::Footer);
        }
        None
    }
}

/// The first cells of a skipped row, for the preview: `合计 12人`.
pub fn row_text(row: &SheetRow) -> String {
    let text: Vec<String> = row.cells.iter().filter(|c| !c.is_empty()).map(Cell::text).collect();
    let joined = text.join(" ");
    if joined.chars().count() > 60 { joined.chars().take(60).chain(['…']).collect() } else { joined }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::RecordTypes;

    fn sheet(rows: &[&[&str]]) -> Sheet {
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, cells)| SheetRow {
                line: i + 1,
                cells: cells.iter().map(|t| if t.is_empty() { Cell::Empty } else { Cell::Text((*t).to_owned()) }).collect(),
            })
            .filter(|r| r.cells.iter().any(|c| !c.is_empty()))
            .collect();
        Sheet { rows, ..Sheet::default() }
    }

    /// The header's line, and each column as (group, header, field).
    fn check(rows: &[&[&str]], line: usize, expect: &[(Option<&str>, &str, Option<&str>)]) {
        let types = RecordTypes::builtin().expect("types");
        let sheet = sheet(rows);
        let header = locate_header(types.get("person").expect("person"), &sheet).expect("header");
        let got: Vec<(Option<&str>, &str, Option<&str>)> =
            header.mapping.iter().map(|m| (m.group.as_deref(), m.header.as_str(), m.field.as_deref())).collect();
        assert_eq!((sheet.rows[header.index].line, got.as_slice()), (line, expect), "{rows:?}");
    }

    #[test]
    fn headers() {
        check(&[&["姓名", "身份证号"]], 1, &[(None, "姓名", Some("name")), (None, "身份证号", Some("id_number"))]);
        // A title above: not a group.
        check(&[&["青峰村人员台账", ""], &["姓名", "身份证号"]], 2, &[(None, "姓名", Some("name")), (None, "身份证号", Some("id_number"))]);
        // Two rows: 联系方式 over 手机 | 固定电话, 户籍信息 over 户籍地址 | 户号.
        check(
            &[
                &["青峰村人员台账"],
                &["序号", "姓名", "身份证号", "联系方式", "", "户籍信息", ""],
                &["", "", "", "手机", "固定电话", "地址", "户号"],
                &["1", "张三", "11010519491231002X", "13812345678", "", "青峰村", "A1"],
            ],
            3,
            &[
                (None, "序号", None),
                (None, "姓名", Some("name")),
                (None, "身份证号", Some("id_number")),
                (Some("联系方式"), "手机", Some("phone")),
                (Some("联系方式"), "固定电话", None),
                (Some("户籍信息"), "地址", Some("address")),
                (Some("户籍信息"), "户号", Some("household")),
            ],
        );
        // The first data row is never read as the lower header row.
        check(
            &[&["姓名", "身份证号", "联系电话"], &["张三", "11010519491231002X", ""]],
            1,
            &[(None, "姓名", Some("name")), (None, "身份证号", Some("id_number")), (None, "联系电话", Some("phone"))],
        );
    }

    fn kinds(rows: &[&[&str]]) -> Vec<Option<SkipReason>> {
        let types = RecordTypes::builtin().expect("types");
        let person = types.get("person").expect("person");
        let sheet = sheet(rows);
        let header = locate_header(person, &sheet).expect("header");
        let mut kinds = RowKinds::new(person, &header.mapping);
        sheet.rows[header.index + 1..].iter().map(|r| kinds.skip(r)).collect()
    }

    #[test]
    fn rows_that_are_not_records() {
        use SkipReason::*;
        let got = kinds(&[
            &["序号", "姓名", "身份证号"],
            &["示例", "张三", "11010519491231002X"],
            &["1", "李四", "500118199001011237"],
            &["序号", "姓名", "身份证号"],
            &["2", "王五", ""],
            &["合  计", "2人", ""],
            &["填表人：张三", "", "审核人：李四"],
            &["制表日期：2026年3月1日"],
            &["", "第 1 页"],
        ]);
        assert_eq!(got, [Some(Example), None, Some(RepeatedHeader), None, Some(Footer), Some(Footer), Some(Footer), Some(Footer)]);
        // A person is never a footer, whatever comes before or however named.
        assert_eq!(kinds(&[&["姓名", "身份证号"], &["合计", ""], &["张三", "11010519491231002X"]]), [Some(Footer), None]);
        assert_eq!(kinds(&[&["姓名", "身份证号"], &["张三", "11010519491231002X"], &["合计", "2人"]]), [None, Some(Footer)]);
        assert_eq!(kinds(&[&["姓名", "身份证号"], &["备注：张三", "11010519491231002X"]]), [None]);
    }
}
