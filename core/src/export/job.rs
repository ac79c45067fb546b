//! An XLSX file to write, as data: what the main worker sends the
//! `ybt-sheets` worker (issue 14), which runs the writer of this module's
//! parent on it. Built from values already masked for the reader — the
//! writer decides nothing about access — and borrowed where the sender
//! holds them ([`Cow`]), owned where the receiver reads them.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::summary_table::SheetLayout;
use super::{ExportError, MAX_XLSX_ROWS};
use crate::compile::FieldPlan;
use crate::ledger::LedgerRecord;
use crate::summary::SummaryColumn;

/// A column of a table export: what [`super::table_to_xlsx`] reads of a
/// template's field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableColumn<'a> {
    pub key: Cow<'a, str>,
    pub title: Cow<'a, str>,
    /// `x-ui.width` in characters, when the template gives one.
    pub width: Option<u32>,
}

impl<'a> TableColumn<'a> {
    pub fn of(field: &'a FieldPlan) -> TableColumn<'a> {
        TableColumn { key: Cow::Borrowed(&field.key), title: Cow::Borrowed(&field.title), width: field.ui.width }
    }
}

/// A worksheet of a table export: its name and rows of values by field key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSheet<'a> {
    pub name: Cow<'a, str>,
    pub rows: Vec<Cow<'a, Map<String, Value>>>,
}

/// A row of a summary export ([`super::summary::ExportRow`] as data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow<'a> {
    pub town: Cow<'a, str>,
    pub village: Cow<'a, str>,
    pub version: Option<u32>,
    pub values: Cow<'a, Map<String, Value>>,
}

/// One XLSX file to write. `created_at` (RFC 3339, UTC) is the file's
/// creation time, given so the same job gives the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum XlsxJob<'a> {
    /// A unit's ledger of one record type ([`super::to_xlsx`]), its values
    /// masked for the reader before they were put here.
    Ledger { entity: Cow<'a, str>, records: Cow<'a, [LedgerRecord]>, created_at: String },
    /// The blank import template of a record type
    /// ([`crate::import::template::import_template`]): no ledger value.
    Template { entity: Cow<'a, str>, created_at: String },
    /// Form rows under a template's columns, a worksheet per sheet
    /// ([`super::table_to_xlsx`]).
    Table { columns: Vec<TableColumn<'a>>, sheets: Vec<TableSheet<'a>>, created_at: String },
    /// A template's collected rows with totals ([`super::summary::summary_xlsx`]).
    Summary { title: Cow<'a, str>, columns: Cow<'a, [SummaryColumn]>, rows: Vec<SummaryRow<'a>>, layout: SheetLayout, created_at: String },
    /// Worksheets of lines already laid out, e.g. a city department's
    /// summary across districts ([`super::city_table::city_job`]).
    Lines { title: Cow<'a, str>, sheets: Vec<super::city_table::LineSheet>, created_at: String },
}

impl XlsxJob<'_> {
    /// Refuses a file Excel could not open (too many rows for a worksheet)
    /// before anything is sent or written. The writers check it too.
    pub fn check(&self) -> Result<(), ExportError> {
        let too_many =
            |rows: usize, extra: usize| if rows + extra > MAX_XLSX_ROWS { Err(ExportError::TooManyRows { rows }) } else { Ok(()) };
        match self {
            XlsxJob::Ledger { entity, records, .. } => too_many(records.iter().filter(|r| r.entity == **entity).count(), 1),
            XlsxJob::Template { .. } => Ok(()),
            XlsxJob::Table { sheets, .. } => sheets.iter().try_for_each(|s| too_many(s.rows.len(), 1)),
            // A header and a totals row; per town at most as many as flat.
            XlsxJob::Summary { rows, .. } => too_many(rows.len(), 2),
            XlsxJob::Lines { sheets, .. } => sheets.iter().try_for_each(|s| too_many(s.lines.len(), 0)),
        }
    }

    /// Writes the file (record types looked up in `types`).
    #[cfg(feature = "spreadsheets")]
    pub fn write(&self, types: &crate::ledger::RecordTypes) -> Result<Vec<u8>, ExportError> {
        let record_type = |entity: &str| types.get(entity).ok_or_else(|| ExportError::Xlsx(format!("unknown record type {entity:?}")));
        match self {
            XlsxJob::Ledger { entity, records, created_at } => {
                super::to_xlsx(record_type(entity)?, records, &super::mask_nothing, created_at)
            }
            XlsxJob::Template { entity, created_at } => crate::import::template::import_template(record_type(entity)?, created_at),
            XlsxJob::Table { columns, sheets, created_at } => {
                let sheets: Vec<super::Sheet<'_>> =
                    sheets.iter().map(|s| super::Sheet { name: &s.name, rows: s.rows.iter().map(|r| &**r).collect() }).collect();
                super::table_xlsx(columns, &sheets, created_at)
            }
            XlsxJob::Summary { title, columns, rows, layout, created_at } => {
                let rows: Vec<super::summary::ExportRow<'_>> = rows
                    .iter()
                    .map(|r| super::summary::ExportRow { town: &r.town, village: &r.village, version: r.version, values: &r.values })
                    .collect();
                super::summary::summary_xlsx(title, columns, &rows, *layout, created_at)
            }
            XlsxJob::Lines { title, sheets, created_at } => super::city_table::lines_xlsx(title, sheets, created_at),
        }
    }
}

#[cfg(all(test, feature = "spreadsheets"))]
mod tests {
    use super::*;
    use crate::ledger::RecordTypes;

    /// A job sent as JSON writes the same bytes as the writer called
    /// directly: the hop changes nothing in the file.
    #[test]
    fn a_job_through_json_writes_what_the_writer_writes() {
        let types = RecordTypes::builtin().unwrap();
        let person = types.get("person").unwrap();
        use crate::ledger::{OrgLevel, OrgUnit};
        let village =
            OrgUnit {
                code: "500118100001".into(), name: "青峰村".into(), level: OrgLevel::Village, parent_code: Some("500118100".into())
            };
        let records = crate::demo::people(&[(village, "青峰镇".into())], 5, 1);
        let direct = super::super::to_xlsx(person, &records, &super::super::mask_nothing, "2026-03-01T08:00:00Z").unwrap();
        let job = XlsxJob::Ledger { entity: "person".into(), records: Cow::Borrowed(&records), created_at: "2026-03-01T08:00:00Z".into() };
        let sent: XlsxJob<'_> = serde_json::from_str(&serde_json::to_string(&job).unwrap()).unwrap();
        assert_eq!(sent, job);
        assert_eq!(sent.write(&types).unwrap(), direct);
        let template = XlsxJob::Template { entity: "house".into(), created_at: "2026-03-01T08:00:00Z".into() };
        let direct = crate::import::template::import_template(types.get("house").unwrap(), "2026-03-01T08:00:00Z").unwrap();
        assert_eq!(template.write(&types).unwrap(), direct);
        let unknown = XlsxJob::Template { entity: "nobody".into(), created_at: "2026-03-01T08:00:00Z".into() };
        assert!(matches!(unknown.write(&types), Err(ExportError::Xlsx(_))));
    }

    #[test]
    fn too_many_rows_are_refused_before_anything_is_written() {
        let values = Map::new();
        let rows = vec![Cow::Borrowed(&values); MAX_XLSX_ROWS];
        let job = XlsxJob::Table {
            columns: vec![],
            sheets: vec![TableSheet { name: "a".into(), rows: rows[..10].to_vec() }, TableSheet { name: "b".into(), rows }],
            created_at: "2026-03-01T08:00:00Z".into(),
        };
        assert!(matches!(job.check(), Err(ExportError::TooManyRows { rows }) if rows == MAX_XLSX_ROWS));
    }
}
