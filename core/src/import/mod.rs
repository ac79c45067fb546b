//! Importing a village's existing ledger (XLSX, XLS, or CSV in UTF-8/GBK) and
//! records pushed by departments' systems: read, map columns, validate every
//! row, dedup on natural keys, and plan one all-or-nothing batch of writes.
//!
//! Steps for a file: [`preview`] (header and suggested mapping, for the
//! clerk to confirm) → [`plan_import`] → the store applies
//! `plan.upserts.writes` in one batch. Nothing here does IO.
//!
//! On the way: every worksheet is read (`xlsx`, `csv`), each sheet's header
//! found, of one row or two, and its footers told apart (`layout`), each
//! cell's text cleaned (`normalize`, the one place) and converted
//! (`convert`). `template` writes the blank workbook a clerk fills in.
//!
//! Reading bytes (`read_workbook`: calamine, zip, encoding_rs) and writing
//! the template are behind the `spreadsheets` feature: the main worker
//! gets a file's [`Sheet`]s from the `ybt-sheets` worker and runs
//! everything after that ([`parse_sheets`]) itself (issue 14).

#[cfg(feature = "spreadsheets")]
mod archive;
#[cfg(feature = "spreadsheets")]
mod compound;
mod convert;
#[cfg(feature = "spreadsheets")]
mod csv;
mod error;
mod file_date;
mod ingest;
mod layout;
mod mapping;
pub mod normalize;
mod plan;
mod preview;
mod sheet;
pub mod template;
mod upsert;
#[cfg(feature = "spreadsheets")]
mod xlsx;

#[cfg(all(test, feature = "spreadsheets"))]
mod diff_tests;
#[cfg(all(test, feature = "spreadsheets"))]
mod fixture_tests;
#[cfg(all(test, feature = "spreadsheets"))]
mod tests;

pub use convert::normalize_date;
pub use error::{FileError, RowError};
pub use file_date::{FileDate, date_in};
pub use ingest::{ingest_keys, plan_ingest};
pub use layout::{HEADER_SEARCH_ROWS, Header, SkipReason, locate_header};
pub use mapping::{ColumnMapping, suggest as suggest_mapping};
pub use normalize::Change;
pub use plan::{ImportRequest, ParsedImport, parse_sheets};
#[cfg(feature = "spreadsheets")]
pub use plan::{parse_import, plan_import, preview, read_sheet, read_workbook};
pub use preview::{
    Conversion, ConversionCount, ImportFailure, ImportPlan, ImportSummary, LeftOut, MAX_REPORTED_CONVERSIONS, MAX_REPORTED_ERRORS,
    MAX_REPORTED_SKIPS, Preview, Reading, SheetSummary, SkippedRow,
};
pub use sheet::{Cell, FileKind, Sheet, SheetRow};
pub use upsert::{
    AddedRecord, FieldDiff, Freshness, IncomingRow, LedgerChange, MAX_LISTED, RecordDiff, UpsertPlan, UpsertTarget, new_record_id,
    plan_upserts,
};

use serde::{Deserialize, Serialize};

/// How much one import may be. Checked before parsing (bytes) and while
/// parsing (rows), so an oversized file costs little.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_bytes: usize,
    /// Data rows, header not counted.
    pub max_rows: usize,
    /// Columns of a row (a worksheet's widest, a CSV record's).
    pub max_columns: usize,
    /// Cells of a worksheet's dense area (rows × columns), or of a CSV file.
    pub max_cells: usize,
    /// Entries of an XLSX archive.
    pub max_entries: usize,
    /// Uncompressed bytes of one XLSX part.
    pub max_part_bytes: usize,
    /// Uncompressed bytes of all parts together.
    pub max_uncompressed: usize,
    /// Uncompressed : compressed, for parts over 1 MiB.
    pub max_ratio: u64,
    /// Shared strings of a workbook, declared or present.
    pub max_shared_strings: usize,
    /// Nesting of XML elements in any part.
    pub max_xml_depth: usize,
}

impl Default for Limits {
    /// 20 MB and 200,000 rows: a whole town's people fit; a mistaken
    /// upload of something else is refused quickly. The rest bound what a
    /// hostile file can make the reader allocate (a worker has 128 MB).
    fn default() -> Limits {
        Limits {
            max_bytes: 20 << 20,
            max_rows: 200_000,
            max_columns: 200,
            max_cells: 3_000_000,
            max_entries: 1_000,
            max_part_bytes: 128 << 20,
            max_uncompressed: 256 << 20,
            max_ratio: 200,
            max_shared_strings: 1_000_000,
            max_xml_depth: 64,
        }
    }
}
