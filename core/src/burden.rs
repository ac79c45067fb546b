//! The burden meter: how much of each report came from the ledger and how
//! long it took, per submission, per village per month, and in total (the
//! reform's headline was 2 h → 10 min per report).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::submission::CellCounts;

/// Rolls `entries` up per village per month (sorted by village, then
/// month) and into one total for `scope`.
pub fn summarize(scope: &str, scope_name: &str, entries: Vec<BurdenEntry>) -> BurdenReport {
    let mut groups: BTreeMap<(String, String), Rollup> = BTreeMap::new();
    let mut total = Rollup::default();
    for entry in &entries {
        // The month as the village reads it: a form sent at 07:00 on the
        // 1st in Beijing belongs to that month, not to the one before.
        let month = crate::time::beijing_date(&entry.submitted_at).get(..7).unwrap_or_default().to_owned();
        let group = groups.entry((entry.org_unit.clone(), month)).or_default();
        group.name.clone_from(&entry.org_unit_name);
        group.add(entry);
        total.add(entry);
    }
    let by_village_month = groups.into_iter().map(|((unit, month), r)| r.finish(unit, month)).collect();
    total.name = scope_name.to_owned();
    BurdenReport { total: total.finish(scope.to_owned(), String::new()), by_village_month, entries }
}

/// The stored instants (RFC 3339 UTC text) `[start, end)` of the Beijing
/// calendar month `YYYY-MM`, as text bounds: `2026-11` →
/// `("2026-10-31T16:00:00", "2026-11-30T16:00:00")`. `None` for anything
/// that is not a month.
pub fn beijing_month_bounds(month: &str) -> Option<(String, String)> {
    let (year, rest) = month.split_once('-')?;
    if year.len() != 4 || rest.len() != 2 || !year.bytes().chain(rest.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, month): (i32, u32) = (year.parse().ok()?, rest.parse().ok()?);
    if !(1..=12).contains(&month) {
        return None;
    }
    let last_day = |y: i32, m: u32| match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    // Midnight in Beijing on the 1st is 16:00 UTC on the last day of the month before.
    let (prev_year, prev_month) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
    let start = format!("{prev_year:04}-{prev_month:02}-{:02}T16:00:00", last_day(prev_year, prev_month));
    let end = format!("{year:04}-{month:02}-{:02}T16:00:00", last_day(year, month));
    Some((start, end))
}

#[derive(Default)]
struct Rollup {
    name: String,
    submissions: u32,
    cells: CellCounts,
    seconds: u64,
    timed: u32,
}

impl Rollup {
    fn add(&mut self, entry: &BurdenEntry) {
        self.submissions += 1;
        self.cells.prefilled += entry.cells.prefilled;
        self.cells.typed += entry.cells.typed;
        self.cells.computed += entry.cells.computed;
        self.cells.corrected += entry.cells.corrected;
        if let Some(seconds) = entry.seconds_open {
            self.seconds += u64::from(seconds);
            self.timed += 1;
        }
    }

    fn finish(self, org_unit: String, month: String) -> BurdenRollup {
        let entered = f64::from(self.cells.prefilled) + f64::from(self.cells.typed);
        BurdenRollup {
            org_unit,
            org_unit_name: self.name,
            month,
            submissions: self.submissions,
            cells: self.cells,
            prefilled_share: if entered > 0.0 { f64::from(self.cells.prefilled) / entered } else { 0.0 },
            mean_minutes: (self.timed > 0).then(|| self.seconds as f64 / 60.0 / f64::from(self.timed)),
        }
    }
}

/// One submission's figures on the burden meter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenEntry {
    pub submission_id: String,
    pub template_id: String,
    pub title: String,
    pub org_unit: String,
    pub org_unit_name: String,
    pub submitted_at: String,
    pub rows: u32,
    pub cells: CellCounts,
    /// From opening the form to submitting it; unknown for forms submitted
    /// without a task.
    pub seconds_open: Option<u32>,
}

/// Figures summed over submissions: of one village in one month, or of all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenRollup {
    pub org_unit: String,
    pub org_unit_name: String,
    /// `YYYY-MM`; empty for the grand total.
    pub month: String,
    pub submissions: u32,
    pub cells: CellCounts,
    /// Pre-filled ÷ (pre-filled + typed), 0 when there are no cells.
    pub prefilled_share: f64,
    /// Mean minutes from opening to submitting, over submissions that know it.
    pub mean_minutes: Option<f64>,
}

/// `GET /api/burden?org_unit=…[&month=…]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurdenReport {
    pub entries: Vec<BurdenEntry>,
    pub by_village_month: Vec<BurdenRollup>,
    pub total: BurdenRollup,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(unit: &str, at: &str, prefilled: u32, typed: u32, seconds: Option<u32>) -> BurdenEntry {
        BurdenEntry {
            submission_id: format!("{unit}-{at}"),
            template_id: "t".into(),
            title: "表".into(),
            org_unit: unit.into(),
            org_unit_name: format!("村{unit}"),
            submitted_at: at.into(),
            rows: 1,
            cells: CellCounts { prefilled, typed, computed: 1, corrected: 0 },
            seconds_open: seconds,
        }
    }

    #[test]
    fn rolls_up_per_village_per_month_and_in_total() {
        let report = summarize(
            "500118100",
            "镇",
            vec![
                entry("b", "2026-11-02T10:00:00Z", 8, 2, Some(600)),
                entry("a", "2026-11-03T10:00:00Z", 6, 4, None),
                entry("b", "2026-11-20T10:00:00Z", 9, 1, Some(1_200)),
                entry("b", "2026-10-30T10:00:00Z", 5, 5, Some(60)),
            ],
        );
        let keys: Vec<(&str, &str, u32)> =
            report.by_village_month.iter().map(|r| (r.org_unit.as_str(), r.month.as_str(), r.submissions)).collect();
        assert_eq!(keys, [("a", "2026-11", 1), ("b", "2026-10", 1), ("b", "2026-11", 2)]);
        let b_nov = &report.by_village_month[2];
        assert_eq!(b_nov.cells.prefilled, 17);
        assert!((b_nov.prefilled_share - 0.85).abs() < 1e-9);
        assert_eq!(b_nov.mean_minutes, Some(15.0));
        assert_eq!(report.by_village_month[0].mean_minutes, None, "no timed submission");
        assert_eq!(report.total.submissions, 4);
        assert_eq!(report.total.cells, CellCounts { prefilled: 28, typed: 12, computed: 4, corrected: 0 });
        assert_eq!(report.total.month, "");
        assert_eq!(report.total.org_unit_name, "镇");
        assert_eq!(report.total.mean_minutes, Some(1_860.0 / 60.0 / 3.0));
    }

    #[test]
    fn months_are_beijing_months() {
        let report = summarize(
            "500118100",
            "镇",
            vec![entry("a", "2026-10-31T17:00:00Z", 1, 1, None), entry("a", "2026-10-31T15:59:00Z", 1, 1, None)],
        );
        let months: Vec<&str> = report.by_village_month.iter().map(|r| r.month.as_str()).collect();
        assert_eq!(months, ["2026-10", "2026-11"], "01:00 on 1 November in Beijing is November");
        let bounds = |m: &str| beijing_month_bounds(m);
        assert_eq!(bounds("2026-11"), Some(("2026-10-31T16:00:00".into(), "2026-11-30T16:00:00".into())));
        assert_eq!(bounds("2026-01"), Some(("2025-12-31T16:00:00".into(), "2026-01-31T16:00:00".into())));
        assert_eq!(bounds("2028-03").map(|b| b.0), Some("2028-02-29T16:00:00".into()), "a leap year");
        // Stored instants compare as text inside the bounds.
        let (start, end) = bounds("2026-11").unwrap_or_default();
        for (at, inside) in [
            ("2026-10-31T15:59:59.999Z", false),
            ("2026-10-31T16:00:00.000Z", true),
            ("2026-11-30T15:59:59Z", true),
            ("2026-11-30T16:00:00.000Z", false),
        ] {
            assert_eq!(at >= start.as_str() && at < end.as_str(), inside, "{at}");
        }
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"] {
            assert_eq!(bounds(bad), None, "{bad}");
        }
    }

    #[test]
    fn nothing_submitted_is_all_zero() {
        let report = summarize("500118", "区", vec![]);
        assert_eq!(report.total.submissions, 0);
        assert_eq!(report.total.prefilled_share, 0.0);
        assert_eq!(report.total.mean_minutes, None);
    }
}
