//! Exporting a village's or town's ledger of one record type as CSV (UTF-8
//! with BOM, which Excel needs to show Chinese) or XLSX, headed by the
//! fields' Chinese titles, with sensitive fields masked on request.
//!
//! An unmasked export imports back as "nothing to change".

pub mod city_table;
pub mod job;
pub mod summary_table;
mod table;

pub use crate::access::{mask_for_export as mask, mask_id_number, mask_phone};
pub use job::{TableColumn, XlsxJob};
/// The summary export's old path, kept for callers.
pub use summary_table as summary;
pub use table::{Sheet, table_to_csv};
#[cfg(feature = "spreadsheets")]
pub use table::{table_to_xlsx, table_xlsx};

#[cfg(feature = "spreadsheets")]
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};
use serde_json::Value;

use crate::ledger::{FieldSpec, LedgerRecord, RecordType};
use crate::text::Text;

/// Decides per field whether its values are masked in this export.
pub type MaskPolicy<'a> = &'a dyn Fn(&FieldSpec) -> bool;

/// No field masked.
pub fn mask_nothing(_: &FieldSpec) -> bool {
    false
}

/// ID numbers and phone numbers masked; the rest as stored.
pub fn mask_identifiers(field: &FieldSpec) -> bool {
    matches!(field.sensitivity, crate::Sensitivity::IdNumber | crate::Sensitivity::Phone)
}

/// Excel's limit of rows per worksheet, header included.
pub const MAX_XLSX_ROWS: usize = 1_048_576;

/// Why an export could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{rows} records do not fit in one worksheet")]
    TooManyRows { rows: usize },
    /// The XLSX writer failed (its message; the writer lives behind the
    /// `spreadsheets` feature, in the `ybt-sheets` worker).
    #[error("xlsx: {0}")]
    Xlsx(String),
}

#[cfg(feature = "spreadsheets")]
impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> ExportError {
        ExportError::Xlsx(e.to_string())
    }
}

impl ExportError {
    pub fn message(&self) -> Text {
        match self {
            ExportError::TooManyRows { rows } => Text::new(
                format!("{rows} 条记录超出 Excel 单个工作表的行数上限，请按村分别导出"),
                format!("{rows} records exceed Excel's rows per worksheet; export each village separately"),
            ),
            ExportError::Xlsx(_) => Text::new("生成 Excel 文件失败", "could not write the Excel file"),
        }
    }
}

/// The text of a field value in a cell: lists joined with 、 (as villages
/// write them, and as import splits them); records of a structured field
/// (灾情记录) as words people read, `2026年台风摸排（2026-07-20，房屋受损）`,
/// joined with ；. Import skips such a column (it is the system's).
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Value::Array(items) if items.iter().any(Value::is_object) => items.iter().map(text_of).collect::<Vec<_>>().join("；"),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join("、"),
        Value::Object(fields) => {
            // Its title (or name, or event) first, the other values after it;
            // an event's id beside its title says nothing to a reader.
            let head = ["title", "name", "event"].into_iter().find(|k| fields.get(*k).is_some_and(|v| !v.is_null()));
            let rest: Vec<String> = fields
                .iter()
                .filter(|(k, v)| Some(k.as_str()) != head && !v.is_null() && !(head == Some("title") && k.as_str() == "event"))
                .map(|(_, v)| text_of(v))
                .filter(|t| !t.is_empty())
                .collect();
            let head = head.and_then(|k| fields.get(k)).map(text_of).unwrap_or_default();
            if rest.is_empty() { head } else { format!("{head}（{}）", rest.join("，")) }
        }
        other => other.to_string(),
    }
}

/// The records of `record_type` in `records`, in the given order.
fn rows<'r>(record_type: &'r RecordType, records: &'r [LedgerRecord]) -> impl Iterator<Item = &'r LedgerRecord> {
    records.iter().filter(move |r| r.entity == record_type.entity)
}

/// CSV, UTF-8 with BOM, CRLF line ends (what Excel writes itself).
pub fn to_csv(record_type: &RecordType, records: &[LedgerRecord], masked: MaskPolicy<'_>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = record_type.fields.iter().map(|f| csv_field(&f.title)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for record in rows(record_type, records) {
        let line: Vec<String> = record_type
            .fields
            .iter()
            .map(|field| {
                let text = text_of(record.data.get(&field.name).unwrap_or(&Value::Null));
                csv_field(&if masked(field) { mask(field.sensitivity, &text) } else { text })
            })
            .collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// Characters that make a spreadsheet run a cell as a formula when they
/// come first: `=`, `+`, `-`, `@`, a tab or a carriage return (Excel), and
/// the full-width `＝＋－＠` that Chinese input methods type (WPS).
pub const FORMULA_TRIGGERS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠'];

/// Whether a spreadsheet could run `text` as a formula.
pub fn is_formula_like(text: &str) -> bool {
    text.starts_with(FORMULA_TRIGGERS)
}

/// Quotes a CSV field when needed, and defuses text a spreadsheet would
/// run as a formula ([`FORMULA_TRIGGERS`] first) with a leading `'`, which
/// import removes again. (XLSX cells are written as text cells, which no
/// spreadsheet runs.)
pub fn csv_field(text: &str) -> String {
    let text = if is_formula_like(text) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r', '\t']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod formula_tests {
    use super::*;

    #[test]
    fn every_formula_trigger_is_defused() {
        for text in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝HYPERLINK(\"x\")", "＋1", "－1", "＠A1"] {
            let field = csv_field(text);
            let inner = field.trim_matches('"');
            assert!(inner.starts_with('\''), "{text:?} → {field:?}");
        }
        assert_eq!(csv_field("张三"), "张三");
        assert_eq!(csv_field("a=b"), "a=b");
    }
}

/// XLSX, one worksheet named after the record type; numbers stay numbers,
/// identifiers stay text (so Excel never rounds an ID number). `created_at`
/// (RFC 3339, UTC, e.g. `2026-03-01T08:00:00Z`) is the file's creation time:
/// given, not read from a clock, so the same export gives the same bytes.
///
/// On `wasm32-unknown-unknown`, `rust_xlsxwriter` reads the system clock
/// while creating a workbook, which panics unless its `wasm` feature is on:
/// the worker enables it; core stays free of `js-sys`.
#[cfg(feature = "spreadsheets")]
pub fn to_xlsx(
    record_type: &RecordType,
    records: &[LedgerRecord],
    masked: MaskPolicy<'_>,
    created_at: &str,
) -> Result<Vec<u8>, ExportError> {
    let records: Vec<&LedgerRecord> = rows(record_type, records).collect();
    if records.len() + 1 > MAX_XLSX_ROWS {
        return Err(ExportError::TooManyRows { rows: records.len() });
    }
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::parse_from_str(created_at)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let sheet = workbook.add_worksheet();
    sheet.set_name(&record_type.title)?;
    let bold = Format::new().set_bold();
    for (col, field) in record_type.fields.iter().enumerate() {
        let col = col as u16;
        sheet.write_string_with_format(0, col, &field.title, &bold)?;
        // Wide enough for an 18-character ID number or the title.
        let width = if field.format.is_some() { 20.0 } else { (field.title.chars().count() as f64 * 2.2).max(10.0) };
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, record) in records.iter().enumerate() {
        let row = (i + 1) as u32;
        for (col, field) in record_type.fields.iter().enumerate() {
            let col = col as u16;
            match record.data.get(&field.name) {
                None | Some(Value::Null) => {}
                Some(Value::Number(n)) if !masked(field) => {
                    sheet.write_number(row, col, n.as_f64().unwrap_or_default())?;
                }
                Some(value) => {
                    let text = text_of(value);
                    let text = if masked(field) { mask(field.sensitivity, &text) } else { text };
                    sheet.write_string(row, col, &text)?;
                }
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(all(test, feature = "spreadsheets"))]
mod tests;
