//! CSV and tab-separated text: encoding detection (UTF-8 with or without
//! BOM, UTF-16 from Excel's "Unicode text", else GBK) and an RFC 4180 parser
//! that reports unclosed quotes instead of swallowing the rest of the file.

use super::Limits;
use super::error::{FileError, UNCLOSED_QUOTE};
use super::sheet::{Cell, Sheet, SheetRow};

/// Decodes the bytes of a text file. Valid UTF-8 is taken as UTF-8, since
/// GBK text is almost never valid UTF-8; anything else must decode as GBK
/// (read as GB18030, its superset) without a single malformed sequence.
pub fn decode(bytes: &[u8]) -> Result<String, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return encoding_rs::UTF_16LE
            .decode_without_bom_handling_and_without_replacement(rest)
            .map(|text| text.into_owned())
            .ok_or(FileError::Truncated);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        // Valid UTF-8 up to a sequence cut off by the end: a truncated upload.
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => Err(FileError::Truncated),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
            .ok_or(FileError::UnknownEncoding),
    }
}

/// Reads CSV (or tab-separated) text into rows; row numbers are the line
/// numbers a text editor shows for each record's first line.
pub fn parse(text: &str, limits: &Limits) -> Result<Sheet, FileError> {
    let delimiter = guess_delimiter(text);
    let mut rows = Vec::new();
    let mut record: Vec<Cell> = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut chars = text.chars().peekable();
    let mut cells = 0usize;
    let mut end_record = |record: &mut Vec<Cell>, field: &mut String, record_line: usize| -> Result<(), FileError> {
        record.push(cell(field));
        field.clear();
        let cells = std::mem::take(record);
        if cells.iter().any(|c| !c.is_empty()) {
            // The header row plus `max_rows` data rows.
            if rows.len() > limits.max_rows {
                return Err(FileError::TooManyRows { max: limits.max_rows });
            }
            rows.push(SheetRow { line: record_line, cells });
        }
        Ok(())
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                in_quotes = true;
                quote_line = line;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_record(&mut record, &mut field, record_line)?;
                line += 1;
                record_line = line;
            }
            c if c == delimiter => {
                // A line of a million commas would be a million cells:
                // refused at the first one over the limit.
                if record.len() + 1 >= limits.max_columns {
                    return Err(FileError::TooManyColumns { max: limits.max_columns });
                }
                cells += 1;
                if cells > limits.max_cells {
                    return Err(FileError::TooManyCells { max: limits.max_cells });
                }
                record.push(cell(&field));
                field.clear();
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(FileError::Malformed { line: quote_line, reason: UNCLOSED_QUOTE.to_owned() });
    }
    if !field.is_empty() || !record.is_empty() {
        end_record(&mut record, &mut field, record_line)?;
    }
    if rows.is_empty() {
        return Err(FileError::Empty);
    }
    Ok(Sheet { rows, ..Sheet::default() })
}

/// The field's text as written: spaces are left for [`super::normalize`],
/// which reports what it trims.
fn cell(text: &str) -> Cell {
    let trimmed = text.trim();
    // `'=…`: text our export (or a careful clerk) guarded against running
    // as a spreadsheet formula; the quote is not part of the value.
    match trimmed.strip_prefix('\'') {
        Some(rest) if crate::export::is_formula_like(rest) => Cell::Text(rest.to_owned()),
        _ if trimmed.is_empty() => Cell::Empty,
        _ => Cell::Text(text.to_owned()),
    }
}

/// Tab when the first line has more tabs than commas (Excel's "Unicode
/// text"), else comma.
fn guess_delimiter(text: &str) -> char {
    let first = text.lines().next().unwrap_or_default();
    if first.matches('\t').count() > first.matches(',').count() { '\t' } else { ',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sheet: &Sheet) -> Vec<(usize, Vec<String>)> {
        sheet.rows.iter().map(|r| (r.line, r.cells.iter().map(Cell::text).collect())).collect()
    }

    fn check(input: &str, expect: &[(usize, &[&str])]) {
        let sheet = parse(input, &Limits::default()).expect("parses");
        let expect: Vec<(usize, Vec<String>)> =
            expect.iter().map(|(l, cells)| (*l, cells.iter().map(|c| (*c).to_owned()).collect())).collect();
        assert_eq!(texts(&sheet), expect, "{input:?}");
    }

    #[test]
    fn records() {
        check("a,b\n1,2\n", &[(1, &["a", "b"]), (2, &["1", "2"])]);
        check("a,b\r\n1,2", &[(1, &["a", "b"]), (2, &["1", "2"])]);
        check("a,b\n\n,\n1,2\n", &[(1, &["a", "b"]), (4, &["1", "2"])]);
        check("a,\"x,\"\"y\"\"\"\n", &[(1, &["a", "x,\"y\""])]);
        check("a,\"two\nlines\"\nb,c\n", &[(1, &["a", "two\nlines"]), (3, &["b", "c"])]);
        check("姓名\t身份证号\n张三\t1\n", &[(1, &["姓名", "身份证号"]), (2, &["张三", "1"])]);
        check(" 张三 ,1", &[(1, &["张三", "1"])]);
    }

    #[test]
    fn bad_files() {
        let limits = Limits::default();
        assert_eq!(parse("a,b\n1,\"open\n2,3\n", &limits), Err(FileError::Malformed { line: 2, reason: UNCLOSED_QUOTE.into() }));
        assert_eq!(parse("\n,\n", &limits), Err(FileError::Empty));
        let small = Limits { max_rows: 2, ..Limits::default() };
        assert_eq!(parse("h\n1\n2\n3\n", &small), Err(FileError::TooManyRows { max: 2 }));
        assert!(parse("h\n1\n2\n", &small).is_ok());
        let narrow = Limits { max_columns: 3, ..Limits::default() };
        assert_eq!(parse("a,b,c,d\n", &narrow), Err(FileError::TooManyColumns { max: 3 }));
        assert!(parse("a,b,c\n", &narrow).is_ok());
        assert_eq!(parse(&",".repeat(1_000_000), &limits), Err(FileError::TooManyColumns { max: limits.max_columns }));
    }

    #[test]
    fn encodings() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,身份证号\n张三,1\n");
        assert_eq!(decode(&gbk).as_deref(), Ok("姓名,身份证号\n张三,1\n"));
        assert_eq!(decode("\u{feff}姓名".as_bytes()).as_deref(), Ok("姓名"));
        assert_eq!(decode("姓名".as_bytes()).as_deref(), Ok("姓名"));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("姓名\t性别".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(decode(&utf16).as_deref(), Ok("姓名\t性别"));
        let cut = &"张三".as_bytes()[..4];
        assert_eq!(decode(cut), Err(FileError::Truncated));
        assert_eq!(decode(b""), Err(FileError::Empty));
        assert_eq!(decode(&[0x80, 0xFF, 0xFE, 0x41]), Err(FileError::UnknownEncoding));
    }
}
