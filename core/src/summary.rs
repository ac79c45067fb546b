//! The department's summary of one template's collected data: totals per
//! village, per town and overall, and the template's summary formulas
//! (`sum(...)`, [`compute_summary`]) at each level.
//!
//! The worker reads the rows out of D1 and masks them; everything counted
//! here is decided here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compile::{CompiledTemplate, compute_summary};
use crate::expr::Date;

/// A column of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryColumn {
    pub key: String,
    pub title: String,
    /// Integer or number: summed per village and town.
    pub numeric: bool,
    /// The allowed values of an `enum` field (what a filter can pick).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// Totals of one unit (a village, a town, or everything).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UnitTotals {
    pub code: String,
    pub name: String,
    /// Submissions counted (the newest per village).
    pub submissions: usize,
    pub rows: usize,
    /// Sum of every numeric column, by key (columns without a value in any
    /// row are absent).
    pub sums: BTreeMap<String, f64>,
    /// The template's summary formulas over this unit's rows.
    pub computed: Map<String, Value>,
}

/// One village's submitted rows, with its town.
#[derive(Debug, Clone, Copy)]
pub struct VillageRows<'a> {
    pub village_code: &'a str,
    pub village_name: &'a str,
    pub town_code: &'a str,
    pub town_name: &'a str,
    pub rows: &'a [Map<String, Value>],
}

/// The whole summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Row columns, in form order.
    pub columns: Vec<SummaryColumn>,
    /// The template's summary formulas (one value per unit, not per row).
    pub summary_fields: Vec<SummaryColumn>,
    pub villages: Vec<UnitTotals>,
    pub towns: Vec<UnitTotals>,
    pub total: UnitTotals,
}

/// The row columns and summary fields of a template.
pub fn columns(template: &CompiledTemplate) -> (Vec<SummaryColumn>, Vec<SummaryColumn>) {
    let aggregate: Vec<&str> = template.computed.iter().filter(|c| c.aggregate).map(|c| c.key.as_str()).collect();
    let column = |f: &crate::compile::FieldPlan| SummaryColumn {
        key: f.key.clone(),
        title: f.title.clone(),
        numeric: matches!(f.json_type.as_deref(), Some("integer" | "number")),
        options: f.options.clone(),
    };
    let (summary, rows): (Vec<_>, Vec<_>) = template.fields.iter().partition(|f| aggregate.contains(&f.key.as_str()));
    (rows.into_iter().map(column).collect(), summary.into_iter().map(column).collect())
}

/// A filter on the rows: the text of field `key` equals `value` (numbers
/// compare by their JSON text, booleans as `true`/`false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowFilter {
    pub key: String,
    pub value: String,
}

impl RowFilter {
    pub fn matches(&self, row: &Map<String, Value>) -> bool {
        match row.get(&self.key) {
            Some(Value::String(s)) => *s == self.value,
            Some(Value::Array(items)) => items.iter().any(|v| v.as_str() == Some(self.value.as_str())),
            Some(other) => *other.to_string() == *self.value,
            None => self.value.is_empty(),
        }
    }
}

fn add_sums(sums: &mut BTreeMap<String, f64>, numeric: &[&str], rows: &[Map<String, Value>]) {
    for row in rows {
        for key in numeric {
            if let Some(n) = row.get(*key).and_then(Value::as_f64) {
                *sums.entry((*key).to_owned()).or_insert(0.0) += n;
            }
        }
    }
}

/// Rounds sums to 1/100 000 so float noise (0.1 + 0.2) does not show.
fn tidy(sums: &mut BTreeMap<String, f64>) {
    for v in sums.values_mut() {
        *v = (*v * 100_000.0).round() / 100_000.0;
    }
}

/// Totals per village (in the given order), per town (in order of first
/// appearance) and overall. Summary formulas run over each unit's rows.
pub fn summarize(template: &CompiledTemplate, villages: &[VillageRows<'_>], today: Option<Date>) -> Summary {
    let (columns, summary_fields) = columns(template);
    let numeric: Vec<&str> = columns.iter().filter(|c| c.numeric).map(|c| c.key.as_str()).collect();
    let has_formulas = !summary_fields.is_empty();
    let mut out_villages = Vec::with_capacity(villages.len());
    let mut towns: Vec<UnitTotals> = Vec::new();
    let mut town_rows: BTreeMap<&str, Vec<Map<String, Value>>> = BTreeMap::new();
    let mut total = UnitTotals { code: String::new(), name: "合计".to_owned(), ..UnitTotals::default() };
    for v in villages {
        let mut totals = UnitTotals {
            code: v.village_code.to_owned(),
            name: v.village_name.to_owned(),
            submissions: 1,
            rows: v.rows.len(),
            ..UnitTotals::default()
        };
        add_sums(&mut totals.sums, &numeric, v.rows);
        if has_formulas {
            totals.computed = compute_summary(template, v.rows, today);
            town_rows.entry(v.town_code).or_default().extend(v.rows.iter().cloned());
        }
        let town = match towns.iter_mut().position(|t| t.code == v.town_code) {
            Some(i) => &mut towns[i],
            None => {
                towns.push(UnitTotals { code: v.town_code.to_owned(), name: v.town_name.to_owned(), ..UnitTotals::default() });
                towns.last_mut().expect("just pushed")
            }
        };
        town.submissions += 1;
        town.rows += totals.rows;
        for (key, value) in &totals.sums {
            *town.sums.entry(key.clone()).or_insert(0.0) += value;
            *total.sums.entry(key.clone()).or_insert(0.0) += value;
        }
        total.submissions += 1;
        total.rows += totals.rows;
        tidy(&mut totals.sums);
        out_villages.push(totals);
    }
    if has_formulas {
        for town in &mut towns {
            let rows = town_rows.get(town.code.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            town.computed = compute_summary(template, rows, today);
        }
        let all: Vec<Map<String, Value>> = town_rows.into_values().flatten().collect();
        total.computed = compute_summary(template, &all, today);
    }
    for town in &mut towns {
        tidy(&mut town.sums);
    }
    tidy(&mut total.sums);
    Summary { columns, summary_fields, villages: out_villages, towns, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, compile};
    use serde_json::json;

    fn template() -> CompiledTemplate {
        let doc = json!({
            "x-template": {"id": "t", "version": 1, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "amount": {"type": "number", "title": "金额"},
                "months": {"type": "integer", "title": "月数"},
                "kind": {"type": "string", "title": "类别", "enum": ["甲", "乙"]},
                "grand": {"type": "number", "title": "总额", "x-compute": "sum(amount)"}
            }
        });
        compile(&doc, &Catalog::builtin().expect("catalog")).expect("compiles")
    }

    fn rows(values: &[(f64, i64, &str)]) -> Vec<Map<String, Value>> {
        values
            .iter()
            .map(|(a, m, k)| json!({"name": "x", "amount": a, "months": m, "kind": k}).as_object().cloned().expect("object"))
            .collect()
    }

    #[test]
    fn totals_per_village_town_and_overall() {
        let t = template();
        let (a, b, c) = (rows(&[(0.1, 1, "甲"), (0.2, 2, "乙")]), rows(&[(10.0, 3, "甲")]), rows(&[(5.0, 1, "乙")]));
        let villages = [
            VillageRows { village_code: "500118100001", village_name: "一村", town_code: "500118100", town_name: "甲镇", rows: &a },
            VillageRows { village_code: "500118101001", village_name: "三村", town_code: "500118101", town_name: "乙镇", rows: &c },
            VillageRows { village_code: "500118100002", village_name: "二村", town_code: "500118100", town_name: "甲镇", rows: &b },
        ];
        let s = summarize(&t, &villages, None);
        let keys: Vec<_> = s.columns.iter().map(|c| (c.key.as_str(), c.numeric)).collect();
        assert_eq!(keys, [("name", false), ("amount", true), ("months", true), ("kind", false)]);
        assert_eq!(s.columns[3].options, ["甲", "乙"], "an enum's values, for the filter to offer");
        assert!(s.columns[1].options.is_empty());
        assert_eq!(s.summary_fields.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(), ["grand"]);
        assert_eq!(s.villages[0].sums["amount"], 0.3, "float noise is rounded away");
        assert!((s.villages[0].computed["grand"].as_f64().unwrap_or_default() - 0.3).abs() < 1e-9);
        let towns: Vec<_> = s.towns.iter().map(|t| (t.code.as_str(), t.submissions, t.rows, t.sums["months"])).collect();
        assert_eq!(towns, [("500118100", 2, 3, 6.0), ("500118101", 1, 1, 1.0)]);
        assert_eq!((s.total.submissions, s.total.rows, s.total.sums["amount"]), (3, 4, 15.3));
        assert_eq!(s.total.computed["grand"].as_f64().map(|v| (v * 10.0).round() / 10.0), Some(15.3));
        assert_eq!(s.towns[1].computed["grand"].as_f64(), Some(5.0));
    }

    #[test]
    fn filters_compare_the_text_of_a_value() {
        let row = json!({"kind": "甲", "months": 3, "tags": ["低保", "残疾"]}).as_object().cloned().expect("object");
        let f = |key: &str, value: &str| RowFilter { key: key.into(), value: value.into() }.matches(&row);
        assert!(f("kind", "甲"));
        assert!(!f("kind", "乙"));
        assert!(f("months", "3"));
        assert!(f("tags", "残疾"));
        assert!(f("missing", ""));
        assert!(!f("missing", "x"));
    }
}
