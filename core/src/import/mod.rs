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

mod convert;
mod csv;
mod error;
mod layout;
mod mapping;
pub mod normalize;
mod plan;
mod sheet;
pub mod template;
mod upsert;
mod xlsx;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod tests;

pub use convert::normalize_date;
pub use error::{FileError, RowError};
pub use layout::{HEADER_SEARCH_ROWS, Header, SkipReason, locate_header};
pub use mapping::{ColumnMapping, suggest as suggest_mapping};
pub use normalize::Change;
pub use plan::{
    Conversion, ConversionCount, ImportFailure, ImportPlan, ImportRequest, ImportSummary, LeftOut, MAX_REPORTED_CONVERSIONS,
    MAX_REPORTED_ERRORS, MAX_REPORTED_SKIPS, ParsedImport, Preview, Reading, SheetSummary, SkippedRow, ingest_keys, parse_import,
    plan_import, plan_ingest, preview, read_sheet, read_workbook,
};
pub use sheet::{Cell, FileKind, Sheet, SheetRow};
pub use upsert::{IncomingRow, UpsertPlan, UpsertTarget, new_record_id, plan_upserts};

use serde::{Deserialize, Serialize};

/// How much one import may be. Checked before parsing (bytes) and while
/// parsing (rows), so an oversized file costs little.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_bytes: usize,
    /// Data rows, header not counted.
    pub max_rows: usize,
}

impl Default for Limits {
    /// 20 MB and 200,000 rows: a whole town's people fit; a mistaken
    /// upload of something else is refused quickly.
    fn default() -> Limits {
        Limits { max_bytes: 20 << 20, max_rows: 200_000 }
    }
}
