//! What an import plan shows the clerk before it is committed: the sheets
//! read and left out, the rows skipped, the cells cleaned, the failures, and
//! the plan's digest that a commit must match.

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::error::{FileError, RowError};
use super::file_date::FileDate;
use super::layout::SkipReason;
use super::mapping::ColumnMapping;
use super::normalize::Change;
use super::upsert::UpsertPlan;
use crate::text::Text;

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

    pub(super) fn rows(errors: Vec<RowError>) -> ImportFailure {
        ImportFailure::rows_by_sheet(errors, &[])
    }

    /// Sorted by sheet (in the order of `sheets`; errors without a sheet
    /// first) then row; stable, so a row's errors keep their column order.
    pub(super) fn rows_by_sheet(mut errors: Vec<RowError>, sheets: &[Option<Arc<str>>]) -> ImportFailure {
        let position =
            |e: &RowError| e.sheet.as_deref().map(|name| sheets.iter().position(|s| s.as_deref() == Some(name)).unwrap_or(usize::MAX));
        errors.sort_by_key(|e| (position(e), e.row));
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

/// Conversions listed one by one in a preview; beyond, only counted.
pub const MAX_REPORTED_CONVERSIONS: usize = 200;

/// Skipped rows listed in a preview; beyond, only counted.
pub const MAX_REPORTED_SKIPS: usize = 200;

/// One worksheet of the file, and whether it is imported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetSummary {
    /// 0-based position in the workbook (the `sheets` parameter).
    pub index: usize,
    /// Empty for a CSV file.
    pub name: String,
    pub imported: bool,
    /// Why not, when not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_out: Option<LeftOut>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    /// Rows taken as records.
    pub data_rows: usize,
}

/// Why a worksheet is not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    Empty,
    NoHeader,
    /// Hidden in Excel (import it by picking it).
    Hidden,
    /// Not among the sheets picked.
    NotPicked,
    /// Its header names no natural-key column (身份证号 …): not a ledger of
    /// this record type.
    NoKeyColumn,
}

/// A cell whose text was cleaned on the way in: what the file holds and
/// what will be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    pub column: String,
    pub field: String,
    pub changes: Vec<Change>,
    pub original: String,
    pub stored: String,
}

/// How many cells of a column one kind of change touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionCount {
    pub column: String,
    pub field: String,
    pub change: Change,
    pub count: usize,
}

/// A row below a header that is not a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    pub reason: SkipReason,
    /// The row's first cells.
    pub text: String,
}

/// What was done to the file's text and rows before any check: shown in
/// the preview so the clerk sees what will be stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reading {
    #[serde(default)]
    pub sheets: Vec<SheetSummary>,
    /// The first [`MAX_REPORTED_CONVERSIONS`] of `conversion_total`.
    #[serde(default)]
    pub conversions: Vec<Conversion>,
    #[serde(default)]
    pub conversion_total: usize,
    /// Per column and kind of change, over every row.
    #[serde(default)]
    pub conversion_counts: Vec<ConversionCount>,
    /// The first [`MAX_REPORTED_SKIPS`] of `skipped_total`.
    #[serde(default)]
    pub skipped: Vec<SkippedRow>,
    #[serde(default)]
    pub skipped_total: usize,
    /// The date the file itself gives (a footer such as 制表日期：2026年3月1日).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_date: Option<FileDate>,
}

/// What a valid file does to the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPlan {
    /// Of the first sheet imported.
    pub header_row: usize,
    /// Of the first sheet imported (every sheet's is in `reading.sheets`).
    pub mapping: Vec<ColumnMapping>,
    /// Rows taken as records, over every sheet imported.
    pub data_rows: usize,
    pub reading: Reading,
    /// Counts and the writes to apply in one atomic batch.
    pub upserts: UpsertPlan,
}

/// An [`ImportPlan`] without its writes: what the clerk is told (the
/// writes can be 100,000 records).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportSummary {
    pub header_row: usize,
    pub mapping: Vec<ColumnMapping>,
    pub data_rows: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// The first [`super::MAX_LISTED`] records added.
    #[serde(default)]
    pub added: Vec<super::AddedRecord>,
    /// The first [`super::MAX_LISTED`] records changed: per field, stored → file.
    #[serde(default)]
    pub diff: Vec<super::RecordDiff>,
    /// Fields held back: changed in the ledger on or after the file's date.
    #[serde(default)]
    pub held: usize,
    #[serde(flatten)]
    pub reading: Reading,
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
            added: self.upserts.added.clone(),
            diff: self.upserts.diff.clone(),
            held: self.upserts.held,
            reading: self.reading.clone(),
        }
    }
}
