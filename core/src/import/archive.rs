//! Hostile workbooks refused before anything is allocated for them.
//!
//! An XLSX file is a ZIP archive of XML parts, and calamine trusts what the
//! parts declare: a shared-strings part saying `uniqueCount="2000000000"`
//! reserves room for two billion strings, a single cell at `XFD1048576`
//! makes a dense range of 17 billion cells, and either aborts the worker.
//! [`check`] reads the archive first, within fixed bounds, and refuses it
//! naming the limit it exceeds: the entry count (from the end-of-directory
//! record, before the directory is read), each part's declared and actual
//! uncompressed size and compression ratio, the total uncompressed size,
//! the shared strings (declared and present), each worksheet's dimension,
//! cell positions, cell count and XML nesting. Parts are inflated through a
//! reader that stops one byte past the allowed size, so a part that lies
//! about its size costs no more than an honest one.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::Limits;
use super::error::FileError;

/// Bytes of a part at which the compression ratio starts to count: small
/// parts of repeated markup legitimately compress very well.
const RATIO_FREE_BYTES: u64 = 1 << 20;

/// Checks an XLSX archive against `limits` without trusting anything it
/// declares. Ok means calamine may read it.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), FileError> {
    let entries = declared_entries(bytes)?;
    if entries > limits.max_entries {
        return Err(FileError::TooManyEntries { max: limits.max_entries });
    }
    let unreadable = |e: &dyn std::fmt::Display| FileError::Unreadable { reason: e.to_string() };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    if archive.len() > limits.max_entries {
        return Err(FileError::TooManyEntries { max: limits.max_entries });
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let part = archive.by_index(index).map_err(|e| unreadable(&e))?;
        let name = part.name().map_err(|e| unreadable(&e))?.into_owned();
        let declared = part.size();
        let compressed = part.compressed_size().max(1);
        let max_part = limits.max_part_bytes as u64;
        if declared > max_part {
            return Err(FileError::PartTooLarge { part: name, max: limits.max_part_bytes });
        }
        if declared > RATIO_FREE_BYTES && declared / compressed > limits.max_ratio {
            return Err(FileError::CompressionRatio { part: name, max: limits.max_ratio });
        }
        total += declared;
        if total > limits.max_uncompressed as u64 {
            return Err(FileError::Uncompressed { max: limits.max_uncompressed });
        }
        let kind = if name == "xl/sharedStrings.xml" {
            Part::SharedStrings
        } else if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            Part::Worksheet
        } else {
            Part::Other
        };
        // Read no more than it declares (plus one byte to notice a lie).
        let mut bounded = part.take(declared + 1);
        let read = scan(kind, &name, &mut bounded, limits)?;
        if read > declared {
            return Err(unreadable(&format!("{name} is larger than it declares")));
        }
    }
    Ok(())
}

/// The entry count of the end-of-central-directory record. A ZIP64 archive
/// (0xFFFF entries) is refused: no workbook within the byte limit needs it.
fn declared_entries(bytes: &[u8]) -> Result<usize, FileError> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let start = bytes.len().saturating_sub(22 + 0xFFFF);
    let at = bytes[start..]
        .windows(4)
        .rposition(|w| w == EOCD)
        .map(|i| start + i)
        .ok_or_else(|| FileError::Unreadable { reason: "no end of central directory".to_owned() })?;
    let field = bytes.get(at + 10..at + 12).ok_or_else(|| FileError::Unreadable { reason: "truncated directory".to_owned() })?;
    let entries = usize::from(u16::from_le_bytes([field[0], field[1]]));
    if entries == 0xFFFF { Ok(usize::MAX) } else { Ok(entries) }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    SharedStrings,
    Worksheet,
    Other,
}

/// Counts what a worksheet holds while reading it.
#[derive(Default)]
struct Extent {
    cells: usize,
    row: u64,
    col: u64,
    min_row: u64,
    max_row: u64,
    max_col: u64,
}

/// Reads one part as XML (or skips it), enforcing nesting and, for shared
/// strings and worksheets, their counts. Returns the bytes read.
fn scan(kind: Part, name: &str, part: &mut dyn Read, limits: &Limits) -> Result<u64, FileError> {
    let mut counted = Counting { inner: part, read: 0 };
    if kind == Part::Other && !name.ends_with(".xml") && !name.ends_with(".rels") {
        std::io::copy(&mut counted, &mut std::io::sink()).map_err(|e| FileError::Unreadable { reason: e.to_string() })?;
        return Ok(counted.read);
    }
    let unreadable = |e: &dyn std::fmt::Display| FileError::Unreadable { reason: format!("{name}: {e}") };
    let mut reader = Reader::from_reader(BufReader::new(&mut counted));
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut strings = 0usize;
    let mut extent = Extent { min_row: u64::MAX, ..Extent::default() };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| unreadable(&e))?;
        match &event {
            Event::Start(_) => {
                depth += 1;
                if depth > limits.max_xml_depth {
                    return Err(FileError::TooDeep { part: name.to_owned(), max: limits.max_xml_depth });
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
        if let Event::Start(e) | Event::Empty(e) = &event {
            match (kind, e.local_name().into_inner()) {
                (Part::SharedStrings, "sst") => {
                    // calamine reserves room for `uniqueCount` strings up front.
                    let declared = attribute(e, "uniqueCount").map(|v| v.trim().parse::<u64>().unwrap_or(u64::MAX));
                    if declared.is_some_and(|n| n > limits.max_shared_strings as u64) {
                        return Err(FileError::TooManySharedStrings { max: limits.max_shared_strings });
                    }
                }
                (Part::SharedStrings, "si") => {
                    strings += 1;
                    if strings > limits.max_shared_strings {
                        return Err(FileError::TooManySharedStrings { max: limits.max_shared_strings });
                    }
                }
                (Part::Worksheet, "dimension") => {
                    if let Some(reference) = attribute(e, "ref") {
                        let (first, last) = reference.split_once(':').unwrap_or((reference.as_str(), reference.as_str()));
                        if let (Some((r0, c0)), Some((r1, c1))) = (cell_ref(first), cell_ref(last)) {
                            check_area(r1.saturating_sub(r0) + 1, c1.saturating_sub(c0) + 1, limits)?;
                        }
                    }
                }
                (Part::Worksheet, "row") => {
                    extent.row = attribute(e, "r").and_then(|r| r.parse().ok()).unwrap_or(extent.row + 1);
                    extent.col = 0;
                }
                (Part::Worksheet, "c") => {
                    let (row, col) = attribute(e, "r").and_then(|r| cell_ref(&r)).unwrap_or((extent.row.max(1), extent.col + 1));
                    extent.row = row;
                    extent.col = col;
                    extent.cells += 1;
                    extent.min_row = extent.min_row.min(row);
                    extent.max_row = extent.max_row.max(row);
                    extent.max_col = extent.max_col.max(col);
                    if extent.cells > limits.max_cells {
                        return Err(FileError::TooManyCells { max: limits.max_cells });
                    }
                    check_area(extent.max_row - extent.min_row + 1, extent.max_col, limits)?;
                }
                _ => {}
            }
        }
        buf.clear();
    }
    drop(reader);
    Ok(counted.read)
}

/// A worksheet's dense area: calamine allocates every cell of it.
fn check_area(rows: u64, cols: u64, limits: &Limits) -> Result<(), FileError> {
    if cols > limits.max_columns as u64 {
        return Err(FileError::TooManyColumns { max: limits.max_columns });
    }
    if rows > limits.max_rows as u64 + 1 {
        return Err(FileError::TooManyRows { max: limits.max_rows });
    }
    if rows.saturating_mul(cols) > limits.max_cells as u64 {
        return Err(FileError::TooManyCells { max: limits.max_cells });
    }
    Ok(())
}

fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().into_inner() == key).map(|a| a.value.into_owned())
}

/// `XFD1048576` → (row 1048576, column 16384); `None` if it is not a cell
/// reference. Overlong references saturate instead of overflowing.
fn cell_ref(reference: &str) -> Option<(u64, u64)> {
    let reference = reference.trim().trim_start_matches('$');
    let letters = reference.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 8 {
        return None;
    }
    let col =
        reference[..letters].bytes().fold(0u64, |n, b| n.saturating_mul(26).saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1)));
    let row: u64 = reference[letters..].trim_start_matches('$').parse().ok()?;
    Some((row, col))
}

struct Counting<'r> {
    inner: &'r mut dyn Read,
    read: u64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references() {
        assert_eq!(cell_ref("A1"), Some((1, 1)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_ref("$B$7"), Some((7, 2)));
        assert_eq!(cell_ref("7"), None);
        assert_eq!(cell_ref("AAAAAAAAAAAAA1"), None);
    }
}

#[cfg(test)]
mod hostile {
    use std::io::Write;

    use super::*;

    const NS: &str = "http://schemas.openxmlformats.org";

    fn workbook(parts: &[(&str, &str)], method: zip::CompressionMethod) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        let fixed = [
            (
                "[Content_Types].xml".to_owned(),
                format!(
                    r#"<Types xmlns="{NS}/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#
                ),
            ),
            (
                "_rels/.rels".to_owned(),
                format!(
                    r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
                ),
            ),
            (
                "xl/workbook.xml".to_owned(),
                format!(
                    r#"<workbook xmlns="{NS}/spreadsheetml/2006/main" xmlns:r="{NS}/officeDocument/2006/relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                ),
            ),
            (
                "xl/_rels/workbook.xml.rels".to_owned(),
                format!(
                    r#"<Relationships xmlns="{NS}/package/2006/relationships"><Relationship Id="rId1" Type="{NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
                ),
            ),
        ];
        for (name, body) in fixed.iter().map(|(n, b)| (n.as_str(), b.as_str())).chain(parts.iter().copied()) {
            zip.start_file(name, options).expect("entry");
            zip.write_all(body.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    fn sheet(cells: &str) -> String {
        format!(r#"<worksheet xmlns="{NS}/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#)
    }

    fn check_parts(parts: &[(&str, &str)]) -> Result<(), FileError> {
        check(&workbook(parts, zip::CompressionMethod::Deflated), &Limits::default())
    }

    #[test]
    fn the_2_kb_workbook_that_aborted_the_worker_is_refused_naming_the_limit() {
        let strings = format!(r#"<sst xmlns="{NS}/spreadsheetml/2006/main" count="1" uniqueCount="2000000000"><si><t>姓名</t></si></sst>"#);
        let cells = sheet(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#);
        let file = workbook(&[("xl/worksheets/sheet1.xml", &cells), ("xl/sharedStrings.xml", &strings)], zip::CompressionMethod::Deflated);
        assert!(file.len() < 4096);
        let limits = Limits::default();
        assert_eq!(check(&file, &limits), Err(FileError::TooManyColumns { max: limits.max_columns }));
        let strings_only = workbook(&[("xl/sharedStrings.xml", &strings)], zip::CompressionMethod::Deflated);
        assert_eq!(check(&strings_only, &limits), Err(FileError::TooManySharedStrings { max: limits.max_shared_strings }));
        let err = super::super::read_sheet(&file, &limits).expect_err("refused");
        assert!(err.message().en.contains("max_columns"), "{}", err.message().en);
    }

    #[test]
    fn every_limit_is_named() {
        let limits = Limits::default();
        let tall = sheet(r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="300000"><c r="A300000"><v>1</v></c></row>"#);
        assert_eq!(check_parts(&[("xl/worksheets/sheet1.xml", &tall)]), Err(FileError::TooManyRows { max: limits.max_rows }));
        let dimension =
            format!(r#"<worksheet xmlns="{NS}/spreadsheetml/2006/main"><dimension ref="A1:GR200000"/><sheetData/></worksheet>"#);
        assert_eq!(check_parts(&[("xl/worksheets/sheet1.xml", &dimension)]), Err(FileError::TooManyCells { max: limits.max_cells }));
        let deep = sheet(&format!("{}{}", "<x>".repeat(100), "</x>".repeat(100)));
        assert_eq!(
            check_parts(&[("xl/worksheets/sheet1.xml", &deep)]),
            Err(FileError::TooDeep { part: "xl/worksheets/sheet1.xml".into(), max: limits.max_xml_depth })
        );
        let bomb = sheet(&" ".repeat(4 << 20));
        assert_eq!(
            check_parts(&[("xl/worksheets/sheet1.xml", &bomb)]),
            Err(FileError::CompressionRatio { part: "xl/worksheets/sheet1.xml".into(), max: limits.max_ratio })
        );
        let small = Limits { max_entries: 3, ..Limits::default() };
        assert_eq!(check(&workbook(&[], zip::CompressionMethod::Stored), &small), Err(FileError::TooManyEntries { max: 3 }));
        let tight = Limits { max_part_bytes: 100, ..Limits::default() };
        assert!(matches!(check(&workbook(&[], zip::CompressionMethod::Stored), &tight), Err(FileError::PartTooLarge { max: 100, .. })));
        let total = Limits { max_uncompressed: 300, ..Limits::default() };
        assert_eq!(check(&workbook(&[], zip::CompressionMethod::Stored), &total), Err(FileError::Uncompressed { max: 300 }));
    }

    #[test]
    fn an_ordinary_workbook_passes() {
        let strings = format!(
            r#"<sst xmlns="{NS}/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>姓名</t></si><si><t>张三</t></si></sst>"#
        );
        let cells = sheet(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>"#);
        assert_eq!(check_parts(&[("xl/worksheets/sheet1.xml", &cells), ("xl/sharedStrings.xml", &strings)]), Ok(()));
    }
}
