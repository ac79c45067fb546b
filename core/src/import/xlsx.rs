//! XLSX workbooks through calamine, from bytes: the first worksheet becomes a
//! [`Sheet`] with Excel's own row numbers.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::Limits;
use super::error::FileError;
use super::sheet::{Cell, Sheet, SheetRow, excel_serial_to_date};

/// Reads the first worksheet of an XLSX workbook.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Sheet, FileError> {
    let unreadable = |e: &dyn std::fmt::Display| FileError::Unreadable { reason: e.to_string() };
    // Everything calamine would trust is checked first, within bounds.
    super::archive::check(bytes, limits)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = workbook.worksheet_range_at(0).ok_or(FileError::Empty)?.map_err(|e| unreadable(&e))?;
    // Header plus `max_rows` data rows; blank rows in between count too,
    // which only makes the limit stricter.
    if range.height() > limits.max_rows + 1 {
        return Err(FileError::TooManyRows { max: limits.max_rows });
    }
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let cells: Vec<Cell> = cells.iter().map(cell).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(SheetRow { line: first_row as usize + i + 1, cells });
        }
    }
    if rows.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(Sheet { rows })
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.trim().to_owned()),
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => excel_serial_to_date(d.as_f64()).map_or_else(|| Cell::Float(d.as_f64()), Cell::Date),
        Data::DateTimeIso(s) => Cell::Date(s.chars().take(10).collect()),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
