//! Hostile Excel 97–2003 (`.xls`) workbooks refused before calamine reads
//! them: the `.xls` counterpart of [`super::archive`].
//!
//! An `.xls` file is a compound file (sectors chained by a FAT) holding a
//! `Workbook` stream of BIFF records. calamine trusts what the records
//! declare: a sheet's DIMENSIONS record makes it reserve rows × columns
//! cells up front (a 2 KB file can declare four billion rows), and two cells
//! at A1 and IV65536 make a dense range of 16.7 million cells — either
//! aborts a worker with 128 MB. [`check`] walks the compound file's chains
//! within the file's own sector count (a cycle or a chain past the end is
//! refused), then the BIFF records, and refuses the workbook naming the
//! limit it exceeds: declared or used cells of a sheet, rows, columns, and
//! the shared strings' declared count. It allocates no more than the
//! workbook stream itself.

use super::Limits;
use super::error::FileError;

const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Sector ids at or above this mark the end of a chain (or free space).
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
const MINI_SECTOR: usize = 64;

fn unreadable(reason: &str) -> FileError {
    FileError::Unreadable { reason: format!("not a readable .xls workbook: {reason}") }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Checks an `.xls` workbook against `limits`. Ok means calamine may read it.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), FileError> {
    let stream = workbook_stream(bytes)?;
    check_records(&stream, limits)
}

/// The compound file's sectors, read only within the file.
struct Compound<'b> {
    bytes: &'b [u8],
    sector: usize,
    /// How many whole sectors the file holds: no chain is longer.
    sectors: usize,
    fat: Vec<u32>,
}

impl<'b> Compound<'b> {
    fn sector(&self, id: u32) -> Result<&'b [u8], FileError> {
        let start = (id as usize).checked_add(1).and_then(|n| n.checked_mul(self.sector)).ok_or_else(|| unreadable("sector id"))?;
        self.bytes.get(start..start + self.sector).ok_or_else(|| unreadable("a sector past the end of the file"))
    }

    /// The bytes of the chain starting at `start`, through `table` (the FAT
    /// or the mini FAT) in units of `unit` bytes read by `read`.
    fn chain(
        &self,
        start: u32,
        table: &[u32],
        unit: usize,
        read: impl Fn(u32) -> Result<&'b [u8], FileError>,
    ) -> Result<Vec<u8>, FileError> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        let most = self.bytes.len() / unit.max(1);
        while id < MAX_REGULAR_SECTOR {
            steps += 1;
            if steps > most {
                return Err(unreadable("a sector chain loops"));
            }
            out.extend_from_slice(read(id)?);
            id = *table.get(id as usize).ok_or_else(|| unreadable("a chain past the allocation table"))?;
        }
        Ok(out)
    }
}

/// The `Workbook` (or BIFF5 `Book`) stream of a compound file.
fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    if bytes.get(..8) != Some(&SIGNATURE[..]) || bytes.len() < 512 {
        return Err(unreadable("no compound-file header"));
    }
    let header = |at| u32_at(bytes, at).ok_or_else(|| unreadable("header"));
    let shift = u16_at(bytes, 0x1E).ok_or_else(|| unreadable("header"))?;
    if shift != 9 && shift != 12 {
        return Err(unreadable("sector size"));
    }
    let sector = 1usize << shift;
    let mut file = Compound { bytes, sector, sectors: bytes.len() / sector, fat: Vec::new() };

    // The FAT's own sectors: 109 ids in the header, then a chain of DIFAT
    // sectors (each ending with the next one's id).
    let mut fat_sectors: Vec<u32> = (0..109).filter_map(|i| u32_at(bytes, 0x4C + 4 * i)).filter(|&id| id < MAX_REGULAR_SECTOR).collect();
    let mut next = header(0x44)?;
    let mut steps = 0;
    while next < MAX_REGULAR_SECTOR {
        steps += 1;
        if steps > file.sectors {
            return Err(unreadable("the DIFAT chain loops"));
        }
        let ids = file.sector(next)?;
        let per = sector / 4;
        fat_sectors.extend((0..per - 1).filter_map(|i| u32_at(ids, 4 * i)).filter(|&id| id < MAX_REGULAR_SECTOR));
        next = u32_at(ids, 4 * (per - 1)).unwrap_or(u32::MAX);
    }
    if fat_sectors.len() > file.sectors {
        return Err(unreadable("more FAT sectors than the file holds"));
    }
    let mut fat = Vec::with_capacity(fat_sectors.len() * sector / 4);
    for id in fat_sectors {
        let data = file.sector(id)?;
        fat.extend(data.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
    }
    file.fat = fat;

    let directory = file.chain(header(0x30)?, &file.fat, sector, |id| file.sector(id))?;
    let entry = |name: &str| {
        directory.chunks_exact(128).find(|e| {
            let length = usize::from(u16_at(e, 0x40).unwrap_or(0)).min(64);
            let units: Vec<u16> = e[..length].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).take_while(|&u| u != 0).collect();
            e[0x42] == 2 && String::from_utf16_lossy(&units).eq_ignore_ascii_case(name)
        })
    };
    let found = entry("Workbook").or_else(|| entry("Book")).ok_or_else(|| unreadable("no Workbook stream"))?;
    let start = u32_at(found, 0x74).unwrap_or(u32::MAX);
    let size = u32_at(found, 0x78).unwrap_or(0) as usize;
    let root = directory.get(..128).ok_or_else(|| unreadable("no root entry"))?;
    let mut stream = if size < header(0x38)? as usize {
        // A small stream lives in the mini stream (the root entry's chain),
        // in 64-byte mini sectors chained by the mini FAT.
        let mini_stream = file.chain(u32_at(root, 0x74).unwrap_or(u32::MAX), &file.fat, sector, |id| file.sector(id))?;
        let mini_fat_bytes = file.chain(header(0x3C)?, &file.fat, sector, |id| file.sector(id))?;
        let mini_fat: Vec<u32> = mini_fat_bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        file.chain(start, &mini_fat, MINI_SECTOR, |id| {
            let at = id as usize * MINI_SECTOR;
            mini_stream.get(at..at + MINI_SECTOR).ok_or_else(|| unreadable("a mini sector past the mini stream"))
        })?
    } else {
        file.chain(start, &file.fat, sector, |id| file.sector(id))?
    };
    if stream.len() < size {
        return Err(unreadable("the Workbook stream is shorter than it declares"));
    }
    stream.truncate(size);
    Ok(stream)
}

/// The cells one sheet declares and uses.
#[derive(Default)]
struct Extent {
    rows: Option<(u32, u32)>,
    columns: Option<(u32, u32)>,
}

impl Extent {
    fn add(&mut self, row: u32, column: u32) {
        let widen = |span: &mut Option<(u32, u32)>, at: u32| *span = Some(span.map_or((at, at), |(lo, hi)| (lo.min(at), hi.max(at))));
        widen(&mut self.rows, row);
        widen(&mut self.columns, column);
    }

    fn check(&self, limits: &Limits) -> Result<(), FileError> {
        let (Some((r0, r1)), Some((c0, c1))) = (self.rows, self.columns) else { return Ok(()) };
        let (rows, columns) = (u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1);
        if columns > limits.max_columns as u64 {
            return Err(FileError::TooManyColumns { max: limits.max_columns });
        }
        if rows > limits.max_rows as u64 + 1 {
            return Err(FileError::TooManyRows { max: limits.max_rows });
        }
        if rows * columns > limits.max_cells as u64 {
            return Err(FileError::TooManyCells { max: limits.max_cells });
        }
        Ok(())
    }
}

/// Walks the BIFF records: every sheet's declared dimensions and the cells
/// it uses stay within `limits`, and so does the shared-string count.
fn check_records(stream: &[u8], limits: &Limits) -> Result<(), FileError> {
    let mut at = 0;
    let mut depth = 0usize;
    let mut used = Extent::default();
    while at + 4 <= stream.len() {
        let kind = u16_at(stream, at).unwrap_or(0);
        let length = usize::from(u16_at(stream, at + 2).unwrap_or(0));
        let Some(data) = stream.get(at + 4..at + 4 + length) else { break };
        at += 4 + length;
        let row = || u32::from(u16_at(data, 0).unwrap_or(0));
        let column = |offset| u32::from(u16_at(data, offset).unwrap_or(0));
        match kind {
            // BOF: a sheet (or a chart inside one) begins.
            0x0809 => {
                if depth == 0 {
                    used = Extent::default();
                }
                depth += 1;
            }
            // EOF: the sheet's used cells, as calamine would lay them out.
            0x000A => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    used.check(limits)?;
                }
            }
            // DIMENSIONS: calamine reserves room for what it declares.
            0x0200 => {
                let (first_row, last_row, first_col, last_col) = match length {
                    10 => (row(), u32::from(u16_at(data, 2).unwrap_or(0)), column(4), column(6)),
                    14 | 16 => (u32_at(data, 0).unwrap_or(0), u32_at(data, 4).unwrap_or(0), column(8), column(10)),
                    _ => continue,
                };
                let first_col = if first_col > 0xFF || last_col < first_col { 0 } else { first_col };
                let mut declared = Extent::default();
                if last_row >= 1 && last_col >= 1 {
                    declared.add(first_row.min(last_row - 1), first_col.min(last_col - 1));
                    declared.add(last_row - 1, last_col - 1);
                }
                declared.check(limits)?;
            }
            // Cells calamine keeps: number, label, rich string, bool/error,
            // RK, shared-string label, formula (its row, first column).
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 if length >= 4 => used.add(row(), column(2)),
            // MULRK: a row, its first column, …, its last column.
            0x00BD if length >= 6 => {
                used.add(row(), column(2));
                used.add(row(), column(length - 2));
            }
            // SST: total and unique counts first.
            0x00FC => {
                let unique = u32_at(data, 4).unwrap_or(0) as usize;
                if unique > limits.max_shared_strings {
                    return Err(FileError::TooManySharedStrings { max: limits.max_shared_strings });
                }
            }
            _ => {}
        }
    }
    used.check(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy_roster() -> Vec<u8> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/spreadsheets/legacy-roster.xls");
        std::fs::read(path).expect("fixture legacy-roster.xls")
    }

    /// The byte offset of the first record of `kind` in the file (the
    /// fixture's Workbook stream is one contiguous run of sectors).
    fn record(file: &[u8], kind: u16, length: u16) -> usize {
        let needle = [kind.to_le_bytes(), length.to_le_bytes()].concat();
        file.windows(4).position(|w| w == needle.as_slice()).expect("record in fixture")
    }

    #[test]
    fn a_real_workbook_passes() {
        assert_eq!(check(&legacy_roster(), &Limits::default()), Ok(()));
    }

    #[test]
    fn a_declared_dimension_of_billions_of_cells_is_refused() {
        let mut file = legacy_roster();
        let at = record(&file, 0x0200, 14) + 4;
        file[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        file[at + 10..at + 12].copy_from_slice(&200u16.to_le_bytes());
        let refused = check(&file, &Limits::default());
        assert!(matches!(refused, Err(FileError::TooManyRows { .. } | FileError::TooManyCells { .. })), "{refused:?}");
    }

    /// A BIFF stream: a globals substream with `globals`, then one sheet
    /// with `cells`.
    fn biff(globals: &[(u16, Vec<u8>)], cells: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |kind: u16, data: &[u8]| {
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&(data.len() as u16).to_le_bytes());
            out.extend_from_slice(data);
        };
        put(0x0809, &[0; 16]);
        for (kind, data) in globals {
            put(*kind, data);
        }
        put(0x000A, &[]);
        put(0x0809, &[0; 16]);
        for (kind, data) in cells {
            put(*kind, data);
        }
        put(0x000A, &[]);
        out
    }

    fn number(row: u16, column: u16) -> (u16, Vec<u8>) {
        let mut data = [row.to_le_bytes(), column.to_le_bytes(), [0, 0]].concat();
        data.extend_from_slice(&1.0f64.to_le_bytes());
        (0x0203, data)
    }

    #[test]
    fn a_cell_far_from_the_others_is_refused() {
        let limits = Limits::default();
        assert_eq!(check_records(&biff(&[], &[number(0, 0), number(500, 20)]), &limits), Ok(()));
        // A1 and IV65536: 16.7 million cells once laid out densely.
        let far = biff(&[], &[number(0, 0), number(65_535, 255)]);
        assert_eq!(check_records(&far, &limits), Err(FileError::TooManyColumns { max: limits.max_columns }));
        let wide = Limits { max_columns: 256, ..Limits::default() };
        assert_eq!(check_records(&far, &wide), Err(FileError::TooManyCells { max: wide.max_cells }));
        // MULRK names its last column at its end.
        let mut mulrk = [0u16.to_le_bytes(), 0u16.to_le_bytes()].concat();
        mulrk.extend_from_slice(&[0; 6]);
        mulrk.extend_from_slice(&250u16.to_le_bytes());
        assert_eq!(check_records(&biff(&[], &[(0x00BD, mulrk)]), &limits), Err(FileError::TooManyColumns { max: limits.max_columns }));
    }

    #[test]
    fn a_declared_shared_string_count_past_the_limit_is_refused() {
        let limits = Limits::default();
        let sst = [5u32.to_le_bytes(), 2_000_000_000u32.to_le_bytes()].concat();
        assert_eq!(
            check_records(&biff(&[(0x00FC, sst)], &[number(0, 0)]), &limits),
            Err(FileError::TooManySharedStrings { max: limits.max_shared_strings })
        );
    }

    #[test]
    fn broken_compound_files_are_unreadable_never_a_panic() {
        let whole = legacy_roster();
        for cut in [0, 8, 100, 511, 512, 1000, whole.len() / 2, whole.len() - 1] {
            let result = check(&whole[..cut], &Limits::default());
            assert!(result.is_ok() || matches!(result, Err(FileError::Unreadable { .. })), "{cut}: {result:?}");
        }
        // A FAT whose every entry points at sector 0: the chain loops.
        let mut looping = whole.clone();
        let first_fat = u32_at(&looping, 0x4C).unwrap() as usize;
        let fat = (first_fat + 1) * 512;
        for i in 0..128 {
            looping[fat + 4 * i..fat + 4 * i + 4].copy_from_slice(&0u32.to_le_bytes());
        }
        assert!(matches!(check(&looping, &Limits::default()), Err(FileError::Unreadable { .. })));
        // Every byte after the header flipped, one at a time over a stride.
        for i in (512..whole.len()).step_by(97) {
            let mut flipped = whole.clone();
            flipped[i] ^= 0xFF;
            let _ = check(&flipped, &Limits::default());
        }
    }
}
