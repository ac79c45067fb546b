//! File import end to end, without IO: bytes in, an [`ImportPlan`] (or
//! every reason to refuse the file) out.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::convert::convert;
use super::error::{FileError, RowError};
use super::mapping::{ColumnMapping, suggest};
use super::sheet::{FileKind, Sheet};
use super::upsert::{IncomingRow, UpsertPlan, UpsertTarget, plan_upserts};
use super::{Limits, csv, xlsx};
use crate::ledger::{LedgerRecord, RecordType, RecordTypes};
use crate::messages::Text;

/// The header is looked for in this many rows at the top: ledgers often
/// start with a title row such as “青峰村低保台账”.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Row errors beyond this many are counted, not listed.
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// Why nothing of a file (or ingest request) is imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportFailure {
    #[error(transparent)]
    File(#[from] FileError),
    /// Rows that fail, sorted by row; at most [`MAX_REPORTED_ERRORS`] of
    /// `total`.
    #[error("{total} problems in the rows")]
    Rows { errors: Vec<RowError>, total: usize },
}

impl ImportFailure {
    pub fn message(&self) -> Text {
        match self {
            ImportFailure::File(e) => e.message(),
            ImportFailure::Rows { total, .. } => Text::new(
                format!("发现 {total} 处错误，本次未导入任何数据；请按错误清单修改后重新导入"),
                format!("{total} problems found, nothing was imported; fix them and import again"),
            ),
        }
    }

    fn rows(mut errors: Vec<RowError>) -> ImportFailure {
        errors.sort_by_key(|e| e.row);
        let total = errors.len();
        errors.truncate(MAX_REPORTED_ERRORS);
        ImportFailure::Rows { errors, total }
    }
}

/// What the clerk sees before confirming: where the header is and which
/// column goes to which field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    /// Row number of the header, as the user sees it.
    pub header_row: usize,
    pub mapping: Vec<ColumnMapping>,
    /// Non-empty rows below the header.
    pub data_rows: usize,
}

/// What a valid file does to the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPlan {
    pub header_row: usize,
    pub mapping: Vec<ColumnMapping>,
    pub data_rows: usize,
    /// Counts and the writes to apply in one atomic batch.
    pub upserts: UpsertPlan,
}

/// An [`ImportPlan`] without its writes: what the clerk is told (the
/// writes can be 100,000 records).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub header_row: usize,
    pub mapping: Vec<ColumnMapping>,
    pub data_rows: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

impl ImportPlan {
    pub fn summary(&self) -> ImportSummary {
        ImportSummary {
            header_row: self.header_row,
            mapping: self.mapping.clone(),
            data_rows: self.data_rows,
            new: self.upserts.new,
            changed: self.upserts.changed,
            unchanged: self.upserts.unchanged,
        }
    }
}

/// What to import and how.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub entity: &'a str,
    pub target: UpsertTarget<'a>,
    pub limits: Limits,
    /// The field of each column as the clerk confirmed it (`None`: skip the
    /// column); `None` takes the suggestions as they are.
    pub mapping: Option<&'a [Option<String>]>,
}

/// Reads a CSV or XLSX file (told apart by content) into rows, enforcing
/// the size limits before anything else.
pub fn read_sheet(bytes: &[u8], limits: &Limits) -> Result<Sheet, FileError> {
    if bytes.len() > limits.max_bytes {
        return Err(FileError::TooLarge { bytes: bytes.len(), max: limits.max_bytes });
    }
    match FileKind::detect(bytes) {
        FileKind::Xlsx => xlsx::read(bytes, limits),
        FileKind::Csv => csv::parse(&csv::decode(bytes)?, limits),
    }
}

/// The header row (index into `sheet.rows`) and its suggested mapping: of
/// the first rows, the one whose cells name the most fields.
pub fn locate_header(record_type: &RecordType, sheet: &Sheet) -> Result<(usize, Vec<ColumnMapping>), FileError> {
    let mut best: Option<(usize, usize, Vec<ColumnMapping>)> = None;
    for (index, row) in sheet.rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let headers: Vec<String> = row.cells.iter().map(|c| c.text()).collect();
        let mapping = suggest(record_type, &headers);
        let named = mapping.iter().filter(|m| m.field.is_some()).count();
        if named > 0 && best.as_ref().is_none_or(|(_, n, _)| named > *n) {
            best = Some((index, named, mapping));
        }
    }
    best.map(|(index, _, mapping)| (index, mapping)).ok_or(FileError::NoHeader)
}

fn record_type<'t>(types: &'t RecordTypes, entity: &str) -> Result<&'t RecordType, FileError> {
    types.get(entity).ok_or_else(|| FileError::UnknownEntity { entity: entity.to_owned() })
}

/// The first step of an import: read the file and suggest the mapping.
pub fn preview(types: &RecordTypes, entity: &str, bytes: &[u8], limits: &Limits) -> Result<Preview, FileError> {
    let record_type = record_type(types, entity)?;
    let sheet = read_sheet(bytes, limits)?;
    let (header, mapping) = locate_header(record_type, &sheet)?;
    Ok(Preview { header_row: sheet.rows[header].line, mapping, data_rows: sheet.rows.len() - header - 1 })
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
    rows: Vec<IncomingRow>,
    /// Cells that could not be converted: reported with the rest.
    errors: Vec<RowError>,
}

/// Reads, maps and converts a file (the first step of [`plan_import`]).
pub fn parse_import<'t>(types: &'t RecordTypes, bytes: &[u8], request: &ImportRequest<'_>) -> Result<ParsedImport<'t>, ImportFailure> {
    let record_type = record_type(types, request.entity)?;
    let sheet = read_sheet(bytes, &request.limits)?;
    let (header, mut mapping) = locate_header(record_type, &sheet)?;
    if let Some(confirmed) = request.mapping {
        if confirmed.len() > mapping.len() {
            return Err(FileError::MappingTooLong { given: confirmed.len(), columns: mapping.len() }.into());
        }
        for (column, m) in mapping.iter_mut().enumerate() {
            m.field = confirmed.get(column).cloned().flatten();
            m.confidence = 1.0;
        }
    }
    check_mapping(record_type, &mapping)?;
    let columns: Vec<(usize, &crate::ledger::FieldSpec)> =
        mapping.iter().filter_map(|m| m.field.as_deref().and_then(|f| record_type.field(f)).map(|spec| (m.column, spec))).collect();
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(sheet.rows.len() - header - 1);
    for sheet_row in &sheet.rows[header + 1..] {
        let mut data = Map::new();
        let mut ok = true;
        for (column, spec) in &columns {
            let cell = sheet_row.cells.get(*column).unwrap_or(&super::sheet::Cell::Empty);
            match convert(spec, cell) {
                Ok(Some(value)) => {
                    data.insert(spec.name.clone(), value);
                }
                Ok(None) => {}
                Err(problem) => {
                    ok = false;
                    errors.push(RowError {
                        row: sheet_row.line,
                        column: Some(mapping[*column].header.clone()),
                        field: Some(spec.name.clone()),
                        code: problem.code.to_owned(),
                        message: problem.message,
                    });
                }
            }
        }
        if ok {
            rows.push(IncomingRow { row: sheet_row.line, data });
        }
    }
    Ok(ParsedImport { record_type, header_row: sheet.rows[header].line, data_rows: sheet.rows.len() - header - 1, mapping, rows, errors })
}

impl ParsedImport<'_> {
    /// The column mapping in use (suggested, or as the clerk confirmed it).
    pub fn mapping(&self) -> &[ColumnMapping] {
        &self.mapping
    }

    /// The natural keys of the rows, each once, in file order.
    pub fn natural_keys(&self) -> Vec<String> {
        natural_keys(self.record_type, &self.rows)
    }

    /// Checks every row against `existing` (the target unit's records, and
    /// any record elsewhere whose key a row has) and plans the writes.
    pub fn plan(
        self,
        existing: &[LedgerRecord],
        target: UpsertTarget<'_>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ImportPlan, ImportFailure> {
        let ParsedImport { record_type, header_row, data_rows, mapping, rows, mut errors } = self;
        let header_of = |field: &str| mapping.iter().find(|m| m.field.as_deref() == Some(field)).map(|m| m.header.clone());
        match plan_upserts(record_type, &rows, existing, target, &header_of, progress) {
            Ok(upserts) if errors.is_empty() => Ok(ImportPlan { header_row, data_rows, mapping, upserts }),
            Ok(_) => Err(ImportFailure::rows(errors)),
            Err(more) => {
                errors.extend(more);
                Err(ImportFailure::rows(errors))
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
pub fn plan_import(
    types: &RecordTypes,
    bytes: &[u8],
    request: &ImportRequest<'_>,
    existing: &[LedgerRecord],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportPlan, ImportFailure> {
    parse_import(types, bytes, request)?.plan(existing, request.target, progress)
}

/// The natural keys of records pushed through the ingest API, each once:
/// what to look up before [`plan_ingest`].
pub fn ingest_keys(types: &RecordTypes, entity: &str, records: &[Value]) -> Vec<String> {
    let Some(record_type) = types.get(entity) else { return Vec::new() };
    let mut seen = std::collections::HashSet::with_capacity(records.len());
    records
        .iter()
        .filter_map(|r| r.as_object())
        .filter_map(|data| crate::ledger::natural_key_in(&record_type.natural_key, data))
        .filter(|key| seen.insert(key.clone()))
        .collect()
}

/// A usable mapping names known fields, each once, and every natural-key
/// field: without it no row could be matched to the ledger.
fn check_mapping(record_type: &RecordType, mapping: &[ColumnMapping]) -> Result<(), FileError> {
    let mut used: Vec<&str> = Vec::new();
    for field in mapping.iter().filter_map(|m| m.field.as_deref()) {
        if record_type.field(field).is_none() {
            return Err(FileError::UnknownField { field: field.to_owned() });
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

/// Plans records pushed by a department's system (the ingest API): the same
/// validation, dedup, versioning and history as a file import. Each record
/// is a JSON object of ledger fields; `null` fields are left as they are.
pub fn plan_ingest(
    types: &RecordTypes,
    entity: &str,
    records: &[Value],
    target: UpsertTarget<'_>,
    limits: &Limits,
    existing: &[LedgerRecord],
) -> Result<UpsertPlan, ImportFailure> {
    let record_type = record_type(types, entity)?;
    if records.len() > limits.max_rows {
        return Err(FileError::TooManyRows { max: limits.max_rows }.into());
    }
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(records.len());
    for (i, record) in records.iter().enumerate() {
        match record.as_object() {
            Some(object) => rows.push(IncomingRow {
                row: i + 1,
                data: object.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect(),
            }),
            None => errors.push(RowError {
                row: i + 1,
                column: None,
                field: None,
                code: "type".to_owned(),
                message: Text::new("每条记录应为 JSON 对象", "each record must be a JSON object"),
            }),
        }
    }
    let header_of = |field: &str| Some(field.to_owned());
    match plan_upserts(record_type, &rows, existing, target, &header_of, &mut |_, _| {}) {
        Ok(plan) if errors.is_empty() => Ok(plan),
        Ok(_) => Err(ImportFailure::rows(errors)),
        Err(more) => {
            errors.extend(more);
            Err(ImportFailure::rows(errors))
        }
    }
}
