//! File import end to end, without IO: bytes in, an [`ImportPlan`] (or
//! every reason to refuse the file) out.

use serde_json::{Map, Value};

use std::sync::Arc;

use super::Limits;
use super::convert::convert;
use super::error::{FileError, RowError};
use super::file_date::{FileDate, footer_date};
use super::layout::{RowKinds, SkipReason, locate_header, row_text};
use super::mapping::ColumnMapping;
use super::normalize::Change;
use super::preview::{
    Conversion, ConversionCount, ImportFailure, ImportPlan, LeftOut, MAX_REPORTED_CONVERSIONS, MAX_REPORTED_SKIPS, Reading, SheetSummary,
    SkippedRow,
};
#[cfg(feature = "spreadsheets")]
use super::sheet::FileKind;
use super::sheet::{Cell, Sheet};
use super::upsert::{Freshness, IncomingRow, UpsertTarget, plan_upserts};
#[cfg(feature = "spreadsheets")]
use super::{csv, xlsx};
use crate::ledger::{LedgerRecord, RecordType, RecordTypes};

impl ImportPlan {
    /// The plan's id: a digest of the request (file bytes, mapping,
    /// sheets, the file's date, the fields ticked) and of what the plan read
    /// and will write ([`UpsertPlan::fingerprint`]). A commit that re-plans
    /// the same request gets the same id exactly when the ledger has not
    /// moved since the preview.
    pub fn id(&self, bytes: &[u8], request: &ImportRequest<'_>, freshness: &Freshness<'_>) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        let mut feed = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        feed(request.entity.as_bytes());
        feed(request.target.unit.as_bytes());
        feed(&Sha256::digest(bytes));
        let fields: Vec<&str> = self.mapping.iter().map(|m| m.field.as_deref().unwrap_or("")).collect();
        feed(fields.join(",").as_bytes());
        let sheets: Vec<String> = self.reading.sheets.iter().filter(|s| s.imported).map(|s| s.index.to_string()).collect();
        feed(sheets.join(",").as_bytes());
        feed(freshness.since.unwrap_or("").as_bytes());
        for (id, field) in freshness.overwrite.into_iter().flatten() {
            feed(id.as_bytes());
            feed(field.as_bytes());
        }
        self.upserts.fingerprint(&mut hasher);
        let digest = hasher.finalize();
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// What to import and how.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub entity: &'a str,
    pub target: UpsertTarget<'a>,
    pub limits: Limits,
    /// The field of each column as the clerk confirmed it (`None`: skip the
    /// column), for every sheet imported; `None` takes each sheet's
    /// suggestions as they are.
    pub mapping: Option<&'a [Option<String>]>,
    /// The worksheets to import (0-based positions); `None`: every visible
    /// sheet with a header.
    pub sheets: Option<&'a [usize]>,
}

/// Reads a CSV, XLSX or XLS file (told apart by content, not by name) into
/// its sheets (one for CSV), enforcing the size limits before anything else.
#[cfg(feature = "spreadsheets")]
pub fn read_workbook(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, FileError> {
    if bytes.len() > limits.max_bytes {
        return Err(FileError::TooLarge { bytes: bytes.len(), max: limits.max_bytes });
    }
    match FileKind::detect(bytes) {
        FileKind::Xlsx => xlsx::read(bytes, limits),
        FileKind::Xls => xlsx::read_xls(bytes, limits),
        FileKind::Csv => Ok(vec![csv::parse(&csv::decode(bytes)?, limits)?]),
    }
}

/// The first sheet of [`read_workbook`].
#[cfg(feature = "spreadsheets")]
pub fn read_sheet(bytes: &[u8], limits: &Limits) -> Result<Sheet, FileError> {
    read_workbook(bytes, limits)?.into_iter().find(|s| !s.rows.is_empty()).ok_or(FileError::Empty)
}

pub(super) fn record_type<'t>(types: &'t RecordTypes, entity: &str) -> Result<&'t RecordType, FileError> {
    types.get(entity).ok_or_else(|| FileError::UnknownEntity { entity: entity.to_owned() })
}

/// The first step of an import: read the file and suggest the mapping of
/// its first sheet with a header.
#[cfg(feature = "spreadsheets")]
pub fn preview(types: &RecordTypes, entity: &str, bytes: &[u8], limits: &Limits) -> Result<super::preview::Preview, FileError> {
    let record_type = record_type(types, entity)?;
    let sheets = read_workbook(bytes, limits)?;
    let (sheet, header) = sheets.iter().find_map(|s| locate_header(record_type, s).ok().map(|h| (s, h))).ok_or(FileError::NoHeader)?;
    Ok(super::preview::Preview {
        header_row: sheet.rows[header.index].line,
        data_rows: sheet.rows.len() - header.index - 1,
        mapping: header.mapping,
    })
}

/// A file read, mapped and converted, not yet checked against the ledger:
/// between the two steps the caller looks up the records the rows' natural
/// keys may match ([`ParsedImport::natural_keys`]), in every unit when the
/// key is district-wide.
#[derive(Debug, Clone)]
pub struct ParsedImport<'t> {
    record_type: &'t RecordType,
    header_row: usize,
    data_rows: usize,
    mapping: Vec<ColumnMapping>,
    /// Each imported sheet's name and mapping, for naming columns in errors.
    mappings: Vec<(Option<Arc<str>>, Vec<ColumnMapping>)>,
    reading: Reading,
    rows: Vec<IncomingRow>,
    /// Cells that could not be converted: reported with the rest.
    errors: Vec<RowError>,
}

/// The sheets to import (position, sheet, header) and the summary of every sheet.
type PickedSheets<'s> = (Vec<(usize, &'s Sheet, super::layout::Header)>, Vec<SheetSummary>);

/// Which sheets to import, each with its header, and the summary of every sheet.
fn pick_sheets<'s>(record_type: &RecordType, sheets: &'s [Sheet], picked: Option<&[usize]>) -> Result<PickedSheets<'s>, FileError> {
    if let Some(index) = picked.and_then(|p| p.iter().find(|i| **i >= sheets.len())) {
        return Err(FileError::NoSuchSheet { index: *index });
    }
    let mut chosen = Vec::new();
    let mut keyless = None;
    let mut summaries = Vec::with_capacity(sheets.len());
    for (index, sheet) in sheets.iter().enumerate() {
        let wanted = picked.map(|p| p.contains(&index));
        let mut summary = SheetSummary { index, name: sheet.name.clone(), imported: false, left_out: None, header_row: None, data_rows: 0 };
        let header = if sheet.rows.is_empty() { Err(FileError::Empty) } else { locate_header(record_type, sheet) };
        match (wanted, header) {
            (Some(false), header) => {
                summary.header_row = header.ok().map(|h| sheet.rows[h.index].line);
                summary.left_out = Some(LeftOut::NotPicked);
            }
            (Some(true), Err(_)) if sheets.len() > 1 => return Err(FileError::NoHeaderInSheet { sheet: sheet.name.clone() }),
            (Some(true), Err(e)) => return Err(e),
            (None, Err(FileError::Empty)) => summary.left_out = Some(LeftOut::Empty),
            (None, Err(_)) => summary.left_out = Some(LeftOut::NoHeader),
            (None, Ok(header)) if sheet.hidden => {
                summary.header_row = Some(sheet.rows[header.index].line);
                summary.left_out = Some(LeftOut::Hidden);
            }
            // Not a ledger of this type (a notes sheet naming a column or
            // two): left out, unless no sheet is (then its error is told).
            (None, Ok(header)) if !names_key(record_type, &header) => {
                summary.header_row = Some(sheet.rows[header.index].line);
                summary.left_out = Some(LeftOut::NoKeyColumn);
                keyless.get_or_insert((index, header));
            }
            (_, Ok(header)) => {
                summary.header_row = Some(sheet.rows[header.index].line);
                summary.imported = true;
                chosen.push((index, sheet, header));
            }
        }
        summaries.push(summary);
    }
    if chosen.is_empty()
        && let Some((index, header)) = keyless
    {
        summaries[index].imported = true;
        summaries[index].left_out = None;
        chosen.push((index, &sheets[index], header));
    }
    if chosen.is_empty() {
        return Err(if sheets.iter().all(|s| s.rows.is_empty()) { FileError::Empty } else { FileError::NoHeader });
    }
    Ok((chosen, summaries))
}

/// Whether a header looks like a ledger of the type: it names every
/// natural-key field and at least one more column.
fn names_key(record_type: &RecordType, header: &super::layout::Header) -> bool {
    let named = header.mapping.iter().filter(|m| m.field.is_some()).count();
    named >= 2 && record_type.natural_key.iter().all(|k| header.mapping.iter().any(|m| m.field.as_deref() == Some(k.as_str())))
}

/// The text a value is stored as, for showing a conversion.
fn stored_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(stored_text).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// Reads, maps and converts a file (the first step of [`plan_import`]).
#[cfg(feature = "spreadsheets")]
pub fn parse_import<'t>(types: &'t RecordTypes, bytes: &[u8], request: &ImportRequest<'_>) -> Result<ParsedImport<'t>, ImportFailure> {
    record_type(types, request.entity)?;
    parse_sheets(types, read_workbook(bytes, &request.limits)?, request)
}

/// Maps and converts a file already read into its sheets ([`read_workbook`],
/// here or in the `ybt-sheets` worker): [`parse_import`] after the reading.
pub fn parse_sheets<'t>(
    types: &'t RecordTypes,
    sheets: Vec<Sheet>,
    request: &ImportRequest<'_>,
) -> Result<ParsedImport<'t>, ImportFailure> {
    let record_type = record_type(types, request.entity)?;
    let (chosen, summaries) = pick_sheets(record_type, &sheets, request.sheets)?;
    // Sheets are named in messages only when the workbook has several.
    let named = sheets.len() > 1;
    let mut reading = Reading { sheets: summaries, ..Reading::default() };
    let mut counts: std::collections::BTreeMap<(String, String, Change), usize> = std::collections::BTreeMap::new();
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(chosen.iter().map(|(_, s, h)| s.rows.len() - h.index - 1).sum());
    let mut mappings = Vec::with_capacity(chosen.len());
    let first_headers: Vec<String> = chosen[0].2.mapping.iter().map(ColumnMapping::label).collect();
    for (index, sheet, header) in &chosen {
        let mut mapping = header.mapping.clone();
        if let Some(confirmed) = request.mapping {
            if confirmed.len() > mapping.len() {
                return Err(FileError::MappingTooLong { given: confirmed.len(), columns: mapping.len() }.into());
            }
            let headers: Vec<String> = mapping.iter().map(ColumnMapping::label).collect();
            if headers != first_headers {
                let first = chosen[0].1.name.clone();
                return Err(FileError::SheetLayoutsDiffer { first, sheet: sheet.name.clone() }.into());
            }
            for (column, m) in mapping.iter_mut().enumerate() {
                m.field = confirmed.get(column).cloned().flatten();
                m.confidence = 1.0;
                m.read_only &= m.field.is_none();
            }
        }
        check_mapping(record_type, &mapping)?;
        let sheet_name: Option<Arc<str>> = named.then(|| Arc::from(sheet.name.as_str()));
        let columns: Vec<(usize, &crate::ledger::FieldSpec, String)> = mapping
            .iter()
            .filter_map(|m| m.field.as_deref().and_then(|f| record_type.field(f)).map(|spec| (m.column, spec, m.label())))
            .collect();
        let mut kinds = RowKinds::new(record_type, &mapping);
        let mut taken = 0;
        for sheet_row in &sheet.rows[header.index + 1..] {
            if let Some(reason) = kinds.skip(sheet_row) {
                if reason == SkipReason::Footer
                    && reading.file_date.is_none()
                    && let Some(date) = footer_date(sheet_row)
                {
                    reading.file_date = Some(FileDate { sheet: sheet_name.as_deref().map(str::to_owned), row: sheet_row.line, date });
                }
                if reading.skipped.len() < MAX_REPORTED_SKIPS {
                    reading.skipped.push(SkippedRow {
                        sheet: sheet_name.as_deref().map(str::to_owned),
                        row: sheet_row.line,
                        reason,
                        text: row_text(sheet_row),
                    });
                }
                reading.skipped_total += 1;
                continue;
            }
            taken += 1;
            let mut data = Map::new();
            let mut ok = true;
            for (column, spec, label) in &columns {
                let cell = sheet_row.cells.get(*column).unwrap_or(&Cell::Empty);
                match convert(spec, cell) {
                    Ok(Some((value, changes))) => {
                        if !changes.is_empty() {
                            let changes = changes.list();
                            for change in &changes {
                                *counts.entry((label.clone(), spec.name.clone(), *change)).or_default() += 1;
                            }
                            if reading.conversions.len() < MAX_REPORTED_CONVERSIONS {
                                let original = match cell {
                                    Cell::Text(t) => t.clone(),
                                    other => other.text(),
                                };
                                reading.conversions.push(Conversion {
                                    sheet: sheet_name.as_deref().map(str::to_owned),
                                    row: sheet_row.line,
                                    column: label.clone(),
                                    field: spec.name.clone(),
                                    changes,
                                    original,
                                    stored: stored_text(&value),
                                });
                            }
                            reading.conversion_total += 1;
                        }
                        data.insert(spec.name.clone(), value);
                    }
                    Ok(None) => {}
                    Err(problem) => {
                        ok = false;
                        errors.push(RowError {
                            row: sheet_row.line,
                            sheet: sheet_name.as_deref().map(str::to_owned),
                            column: Some(label.clone()),
                            field: Some(spec.name.clone()),
                            code: problem.code.to_owned(),
                            message: problem.message,
                        });
                    }
                }
            }
            if ok {
                rows.push(IncomingRow { row: sheet_row.line, sheet: sheet_name.clone(), data });
            }
        }
        if let Some(summary) = reading.sheets.get_mut(*index) {
            summary.data_rows = taken;
        }
        mappings.push((sheet_name, mapping));
    }
    reading.conversion_counts =
        counts.into_iter().map(|((column, field, change), count)| ConversionCount { column, field, change, count }).collect();
    let (_, first_sheet, first_header) = &chosen[0];
    Ok(ParsedImport {
        record_type,
        header_row: first_sheet.rows[first_header.index].line,
        data_rows: reading.sheets.iter().map(|s| s.data_rows).sum(),
        mapping: mappings[0].1.clone(),
        mappings,
        reading,
        rows,
        errors,
    })
}

impl ParsedImport<'_> {
    /// The column mapping in use (suggested, or as the clerk confirmed it)
    /// of the first sheet imported.
    pub fn mapping(&self) -> &[ColumnMapping] {
        &self.mapping
    }

    /// What reading the file did (sheets, conversions, skipped rows).
    pub fn reading(&self) -> &Reading {
        &self.reading
    }

    /// The natural keys of the rows, each once, in file order.
    pub fn natural_keys(&self) -> Vec<String> {
        natural_keys(self.record_type, &self.rows)
    }

    /// The stored records among `existing` that the rows' natural keys
    /// match: whose history [`ParsedImport::plan_fresh`] needs.
    pub fn matched_ids(&self, existing: &[LedgerRecord]) -> Vec<String> {
        let keys: std::collections::HashSet<String> = self.natural_keys().into_iter().collect();
        existing
            .iter()
            .filter(|r| r.entity == self.record_type.entity)
            .filter(|r| self.record_type.natural_key(&r.data).is_some_and(|k| keys.contains(&k)))
            .map(|r| r.id.clone())
            .collect()
    }

    /// Checks every row against `existing` (the target unit's records, and
    /// any record elsewhere whose key a row has) and plans the writes.
    pub fn plan(
        self,
        existing: &[LedgerRecord],
        target: UpsertTarget<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan, ImportFailure> {
        self.plan_fresh(existing, target, &Freshness::default(), progress)
    }

    /// [`ParsedImport::plan`], holding back the fields the ledger changed
    /// on or after the file's date (`freshness`) unless ticked.
    pub fn plan_fresh(
        self,
        existing: &[LedgerRecord],
        target: UpsertTarget<'_>,
        freshness: &Freshness<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan, ImportFailure> {
        let ParsedImport { record_type, header_row, data_rows, mapping, mappings, reading, rows, mut errors } = self;
        let header_of = |field: &str| mapping.iter().find(|m| m.field.as_deref() == Some(field)).map(ColumnMapping::label);
        let order: Vec<Option<Arc<str>>> = mappings.iter().map(|(name, _)| name.clone()).collect();
        match plan_upserts(record_type, &rows, existing, target, &header_of, freshness, progress) {
            Ok(upserts) if errors.is_empty() => Ok(ImportPlan { header_row, data_rows, mapping, reading, upserts }),
            Ok(_) => Err(ImportFailure::rows_by_sheet(errors, &order)),
            Err(more) => {
                // Name each error's column as its own sheet does.
                errors.extend(more.into_iter().map(|mut e| {
                    if let (Some(sheet), Some(field)) = (&e.sheet, &e.field)
                        && let Some((_, m)) = mappings.iter().find(|(name, _)| name.as_deref() == Some(sheet.as_str()))
                    {
                        e.column = m.iter().find(|c| c.field.as_deref() == Some(field.as_str())).map(ColumnMapping::label);
                    }
                    e
                }));
                Err(ImportFailure::rows_by_sheet(errors, &order))
            }
        }
    }
}

/// The distinct natural keys of `rows` (rows without one are skipped: they
/// fail validation anyway).
fn natural_keys(record_type: &RecordType, rows: &[IncomingRow]) -> Vec<String> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    rows.iter()
        .filter_map(|row| crate::ledger::natural_key_in(&record_type.natural_key, &row.data))
        .filter(|key| seen.insert(key.clone()))
        .collect()
}

/// Plans the import of a whole file: every row valid, or nothing at all.
/// Importing the same file again plans no writes. `progress(done, total)`
/// is called every 1,000 rows while rows are checked. `existing` must hold
/// the target unit's records and, for a district-wide key, the records of
/// other units with the file's keys (see [`parse_import`]).
#[cfg(feature = "spreadsheets")]
pub fn plan_import(
    types: &RecordTypes,
    bytes: &[u8],
    request: &ImportRequest<'_>,
    existing: &[LedgerRecord],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportPlan, ImportFailure> {
    parse_import(types, bytes, request)?.plan(existing, request.target, progress)
}

/// A usable mapping names known fields, each once, and every natural-key
/// field: without it no row could be matched to the ledger.
pub(super) fn check_mapping(record_type: &RecordType, mapping: &[ColumnMapping]) -> Result<(), FileError> {
    let mut used: Vec<&str> = Vec::new();
    for field in mapping.iter().filter_map(|m| m.field.as_deref()) {
        let Some(spec) = record_type.field(field) else {
            return Err(FileError::UnknownField { field: field.to_owned() });
        };
        if spec.structured {
            return Err(FileError::ReadOnlyField { field: field.to_owned(), title: spec.title.clone() });
        }
        if used.contains(&field) {
            return Err(FileError::DuplicateColumn { field: field.to_owned() });
        }
        used.push(field);
    }
    for key in &record_type.natural_key {
        if !used.contains(&key.as_str()) {
            let title = record_type.field(key).map_or_else(|| key.clone(), |f| f.title.clone());
            return Err(FileError::MissingKeyColumn { field: key.clone(), title });
        }
    }
    Ok(())
}
