//! The date a file speaks for: the clerk's, or a footer's 制表日期.

use serde::{Deserialize, Serialize};

use super::sheet::Cell;

/// A date written in a file's footer, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// Words of a footer that dates the table (制表日期, 填报时间, 截至…).
pub(super) const DATE_WORDS: [&str; 4] = ["日期", "时间", "截至", "截止"];

/// The date a footer row gives, if it names one: a date cell, an Excel
/// serial number, or text such as `2026年3月1日`, `2026-03-01`, `2026/3/1`.
pub(super) fn footer_date(row: &super::sheet::SheetRow) -> Option<String> {
    let dated = row.cells.iter().any(|c| matches!(c, Cell::Text(t) if DATE_WORDS.iter().any(|w| t.contains(w))));
    if !dated {
        return None;
    }
    row.cells.iter().find_map(|cell| match cell {
        Cell::Date(d) => Some(d.clone()),
        Cell::Float(f) if (20_000.0..80_000.0).contains(f) => super::sheet::excel_serial_to_date(*f),
        Cell::Int(i) if (20_000..80_000).contains(i) => super::sheet::excel_serial_to_date(*i as f64),
        Cell::Text(t) => date_in(t),
        _ => None,
    })
}

/// The first date written in `text` as year, month and day (`2026年3月1日`,
/// `2026-3-1`, `2026.03.01`, `2026/3/1`).
pub fn date_in(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let number = |from: usize, max: usize| -> (u32, usize) {
        let digits: String = chars[from.min(chars.len())..].iter().take(max).take_while(|c| c.is_ascii_digit()).collect();
        (digits.parse().unwrap_or(0), digits.len())
    };
    let separator = |c: Option<&char>| matches!(c, Some('年' | '-' | '/' | '.' | '月'));
    for start in 0..chars.len() {
        if start > 0 && chars[start - 1].is_ascii_digit() {
            continue;
        }
        let (year, n) = number(start, 4);
        if n != 4 || !(1900..=2100).contains(&year) || !separator(chars.get(start + 4)) {
            continue;
        }
        let (month, m) = number(start + 5, 2);
        if m == 0 || !separator(chars.get(start + 5 + m)) {
            continue;
        }
        let (day, d) = number(start + 6 + m, 2);
        if d > 0 && crate::formats::is_valid_date(year, month, day) {
            return Some(format!("{year:04}-{month:02}-{day:02}"));
        }
    }
    None
}
