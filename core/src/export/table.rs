//! Exporting a table of form rows (a filled form, a summary): columns are
//! a template's fields, headed by their titles; CSV or XLSX with one
//! worksheet per [`Sheet`].

#[cfg(feature = "spreadsheets")]
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use serde_json::{Map, Value};

#[cfg(feature = "spreadsheets")]
use super::{ExportError, MAX_XLSX_ROWS, TableColumn};
use super::{csv_field, text_of};
use crate::compile::FieldPlan;

/// One worksheet: a name and its rows of values by field key.
pub struct Sheet<'a> {
    pub name: &'a str,
    pub rows: Vec<&'a Map<String, Value>>,
}

/// CSV (UTF-8 with BOM, CRLF) of `rows` under `columns`' titles.
pub fn table_to_csv(columns: &[FieldPlan], rows: &[&Map<String, Value>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = columns.iter().map(|c| csv_field(&c.title)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for values in rows {
        let line: Vec<String> = columns.iter().map(|c| csv_field(&text_of(values.get(&c.key).unwrap_or(&Value::Null)))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// XLSX with one worksheet per sheet; numbers stay numbers, text stays text
/// (an ID number is never rounded). `created_at` as in [`super::to_xlsx`].
#[cfg(feature = "spreadsheets")]
pub fn table_to_xlsx(columns: &[FieldPlan], sheets: &[Sheet<'_>], created_at: &str) -> Result<Vec<u8>, ExportError> {
    let columns: Vec<TableColumn<'_>> = columns.iter().map(TableColumn::of).collect();
    table_xlsx(&columns, sheets, created_at)
}

/// [`table_to_xlsx`] of the columns a table export uses (key, title, width):
/// what the `ybt-sheets` worker receives.
#[cfg(feature = "spreadsheets")]
pub fn table_xlsx(columns: &[TableColumn<'_>], sheets: &[Sheet<'_>], created_at: &str) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::parse_from_str(created_at)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for sheet_data in sheets {
        if sheet_data.rows.len() + 1 > MAX_XLSX_ROWS {
            return Err(ExportError::TooManyRows { rows: sheet_data.rows.len() });
        }
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(sheet_data.name))?;
        for (col, column) in columns.iter().enumerate() {
            let col = col as u16;
            sheet.write_string_with_format(0, col, &*column.title, &bold)?;
            let width = match column.width {
                Some(w) => f64::from(w) * 1.2 + 2.0,
                None => (column.title.chars().count() as f64 * 2.2).max(10.0),
            };
            sheet.set_column_width(col, width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, values) in sheet_data.rows.iter().enumerate() {
            let row = (i + 1) as u32;
            for (col, column) in columns.iter().enumerate() {
                match values.get(&*column.key) {
                    None | Some(Value::Null) => {}
                    Some(Value::Number(n)) => {
                        sheet.write_number(row, col as u16, n.as_f64().unwrap_or_default())?;
                    }
                    Some(value) => {
                        sheet.write_string(row, col as u16, &text_of(value))?;
                    }
                }
            }
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
#[cfg(feature = "spreadsheets")]
fn sheet_name(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).take(31).collect();
    if cleaned.trim().is_empty() { "Sheet1".to_owned() } else { cleaned }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::test_support::dibao;

    fn rows() -> Vec<Map<String, Value>> {
        vec![
            json!({"name": "张三", "id_number": "11010519491231002X", "monthly_income": 500, "remarks": "=1+1"}),
            json!({"name": "李四, 二", "monthly_income": 0.5}),
        ]
        .into_iter()
        .map(|v| v.as_object().unwrap().clone())
        .collect()
    }

    #[test]
    fn csv_has_titles_then_one_line_per_row() {
        let template = dibao();
        let rows = rows();
        let text = String::from_utf8(table_to_csv(&template.fields, &rows.iter().collect::<Vec<_>>())).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "姓名,身份证号,住址,走访日期,家庭月收入（元）,生活状况,备注");
        assert_eq!(lines[1], "张三,11010519491231002X,,,500,,'=1+1");
        assert_eq!(lines[2], "\"李四, 二\",,,,0.5,,");
        assert_eq!(lines.len(), 4, "two rows and the final line end");
    }

    #[cfg(feature = "spreadsheets")]
    #[test]
    fn xlsx_has_a_sheet_per_group_and_keeps_numbers() {
        let template = dibao();
        let rows = rows();
        let sheets = [
            Sheet { name: "青峰镇", rows: vec![&rows[0]] },
            Sheet { name: "a/b:c*d?e[f]g\\hijklmnopqrstuvwxyz0123456789", rows: vec![&rows[1]] },
        ];
        let bytes = table_to_xlsx(&template.fields, &sheets, "2026-11-22T08:00:00Z").unwrap();
        let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        let names = book.sheet_names().to_vec();
        assert_eq!(names, ["青峰镇", "a_b_c_d_e_f_g_hijklmnopqrstuvwx"]);
        let first = book.worksheet_range("青峰镇").unwrap();
        assert_eq!(first.get((1, 4)), Some(&calamine::Data::Float(500.0)));
        assert_eq!(first.get((1, 1)), Some(&calamine::Data::String("11010519491231002X".into())));
    }
}
