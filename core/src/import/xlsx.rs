//! Excel workbooks through calamine, from bytes: XLSX and Excel 97–2003
//! `.xls`, every worksheet as a [`Sheet`] with Excel's own row numbers.

use std::io::Cursor;

use calamine::{Data, Range, Reader, SheetType, SheetVisible, Xls, Xlsx};

use super::Limits;
use super::error::FileError;
use super::sheet::{Cell, Sheet, SheetRow, excel_serial_to_date};

/// Reads every worksheet of an XLSX workbook.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, FileError> {
    // Everything calamine would trust is checked first, within bounds.
    super::archive::check(bytes, limits)?;
    let workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    read_all(workbook, limits)
}

/// Reads every worksheet of an Excel 97–2003 workbook.
pub fn read_xls(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, FileError> {
    // The compound file and its records, checked within bounds first.
    super::compound::check(bytes, limits)?;
    let workbook: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    read_all(workbook, limits)
}

fn unreadable(e: &dyn std::fmt::Display) -> FileError {
    FileError::Unreadable { reason: e.to_string() }
}

fn read_all<'b, R>(mut workbook: R, limits: &Limits) -> Result<Vec<Sheet>, FileError>
where
    R: Reader<Cursor<&'b [u8]>>,
    R::Error: std::fmt::Display,
{
    let metas: Vec<(String, bool)> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut sheets = Vec::with_capacity(metas.len());
    let mut total = 0;
    for (name, hidden) in metas {
        let range = workbook.worksheet_range(&name).map_err(|e| unreadable(&e))?;
        // Header plus `max_rows` data rows over all sheets; blank rows in
        // between count too, which only makes the limit stricter.
        total += range.height();
        if total > limits.max_rows + 1 {
            return Err(FileError::TooManyRows { max: limits.max_rows });
        }
        sheets.push(Sheet { name, hidden, rows: rows(&range) });
    }
    if sheets.iter().all(|s| s.rows.is_empty()) {
        return Err(FileError::Empty);
    }
    Ok(sheets)
}

fn rows(range: &Range<Data>) -> Vec<SheetRow> {
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let cells: Vec<Cell> = cells.iter().map(cell).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(SheetRow { line: first_row as usize + i + 1, cells });
        }
    }
    rows
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        // As written: spaces are left for `normalize`, which reports them.
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => excel_serial_to_date(d.as_f64()).map_or_else(|| Cell::Float(d.as_f64()), Cell::Date),
        Data::DateTimeIso(s) => Cell::Date(s.chars().take(10).collect()),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
