//! A file read into rows of cells, before any meaning is given to columns.
//!
//! Serializable: the `ybt-sheets` worker reads the bytes and answers the
//! sheets as JSON to the main worker, which gives them their meaning
//! (issue 14). A cell is a plain JSON value where one says it exactly.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date cell, already as `YYYY-MM-DD`.
    Date(String),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as text, for headers and text fields.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_owned(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            Cell::Float(f) => f.to_string(),
            Cell::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
            Cell::Date(d) => d.clone(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// `null`, a string, an integer, a float written with its point (`3.0`),
/// a boolean, and the rarer kinds as one-member objects: `{"date": …}`,
/// `{"error": …}`, `{"float": "NaN"}` for a float JSON has no number for.
impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let tagged = |s: S, tag: &str, value: &str| {
            let mut map = s.serialize_map(Some(1))?;
            map.serialize_entry(tag, value)?;
            map.end()
        };
        match self {
            Cell::Empty => s.serialize_none(),
            Cell::Text(t) => s.serialize_str(t),
            Cell::Int(i) => s.serialize_i64(*i),
            Cell::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Cell::Float(f) => tagged(s, "float", &f.to_string()),
            Cell::Bool(b) => s.serialize_bool(*b),
            Cell::Date(d) => tagged(s, "date", d),
            Cell::Error(e) => tagged(s, "error", e),
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cell, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a cell: null, string, number, boolean or {date|error|float: string}")
            }
            fn visit_unit<E>(self) -> Result<Cell, E> {
                Ok(Cell::Empty)
            }
            fn visit_none<E>(self) -> Result<Cell, E> {
                Ok(Cell::Empty)
            }
            fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Cell, E> {
                Ok(Cell::Text(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Cell, E> {
                i64::try_from(v).map(Cell::Int).map_err(|_| E::custom("integer cell out of range"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
                Ok(Cell::Float(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
                Ok(Cell::Bool(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Cell, A::Error> {
                use serde::de::Error;
                let (tag, value): (String, String) = map.next_entry()?.ok_or_else(|| A::Error::custom("empty cell object"))?;
                if map.next_key::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(A::Error::custom("a cell object has one member"));
                }
                match tag.as_str() {
                    "date" => Ok(Cell::Date(value)),
                    "error" => Ok(Cell::Error(value)),
                    "float" => value.parse().map(Cell::Float).map_err(|_| A::Error::custom("bad float cell")),
                    _ => Err(A::Error::custom("unknown cell kind")),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One row of the file with the number the user sees for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetRow {
    pub line: usize,
    pub cells: Vec<Cell>,
}

/// Every non-empty row of one worksheet (or of the CSV file).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sheet {
    /// The worksheet's name (`一组`); empty for a CSV file.
    pub name: String,
    /// Hidden in Excel: not imported unless picked.
    pub hidden: bool,
    pub rows: Vec<SheetRow>,
}

/// The kind of file, told from its first bytes (not its name, which lies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    /// Excel 97–2003 (BIFF8 in an OLE compound file).
    Xls,
    Csv,
}

impl FileKind {
    pub fn detect(bytes: &[u8]) -> FileKind {
        // XLSX is a ZIP archive; every ZIP starts with a local file header.
        // An .xls workbook is an OLE compound file, which has its own magic.
        if bytes.starts_with(b"PK\x03\x04") {
            FileKind::Xlsx
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            FileKind::Xls
        } else {
            FileKind::Csv
        }
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// An Excel serial date (1900 date system) as `YYYY-MM-DD`.
pub(crate) fn excel_serial_to_date(serial: f64) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    // Serial 25569 is 1970-01-01; Excel's fictitious 1900-02-29 only shifts
    // dates before March 1900, which no ledger holds.
    let (y, m, d) = civil_from_days(serial.floor() as i64 - 25_569);
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials() {
        for (serial, expect) in [(25569.0, Some("1970-01-01")), (45658.0, Some("2025-01-01")), (36585.5, Some("2000-02-29")), (0.0, None)] {
            assert_eq!(excel_serial_to_date(serial).as_deref(), expect, "{serial}");
        }
    }

    #[test]
    fn cells_cross_json_as_they_are() {
        let row = SheetRow {
            line: 7,
            cells: vec![
                Cell::Empty,
                Cell::Text("张三".into()),
                Cell::Text(" 12 ".into()),
                Cell::Int(-3),
                Cell::Int(42),
                Cell::Float(3.0),
                Cell::Float(0.1),
                Cell::Float(f64::INFINITY),
                Cell::Bool(true),
                Cell::Date("2026-01-02".into()),
                Cell::Error("#N/A".into()),
            ],
        };
        let sheet = Sheet { name: "一组".into(), hidden: true, rows: vec![row] };
        let text = serde_json::to_string(&sheet).unwrap();
        assert!(
            text.contains(r##"[null,"张三"," 12 ",-3,42,3.0,0.1,{"float":"inf"},true,{"date":"2026-01-02"},{"error":"#N/A"}]"##),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Sheet>(&text).unwrap(), sheet);
        let nan: Cell = serde_json::from_str(r#"{"float":"NaN"}"#).unwrap();
        assert!(matches!(nan, Cell::Float(f) if f.is_nan()));
        for bad in [r#"{"x":"1"}"#, r#"{}"#, r#"{"date":"1","error":"2"}"#, "[]", "18446744073709551615"] {
            assert!(serde_json::from_str::<Cell>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(FileKind::detect(b"PK\x03\x04rest"), FileKind::Xlsx);
        assert_eq!(FileKind::detect(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), FileKind::Xls);
        assert_eq!(FileKind::detect("姓名,身份证号".as_bytes()), FileKind::Csv);
    }
}
