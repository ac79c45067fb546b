//! The live board of a survey (`x-board`): stored rows summed per village,
//! town and total; a village submitted without rows is a confirmed 本村无灾情.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::bodies::SurveySummary;
use super::photo::is_photo_hash;
use crate::compile::CompiledTemplate;
use crate::ids::{OrgCode, OrgLevel};
use crate::ledger::OrgUnit;
use crate::submission::SubmittedRow;
use crate::tasks::TaskStatus;
use crate::tasks::TaskSummary;

/// One figure of the board (`x-board.figures` of the template).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub key: String,
    pub title: String,
    /// Sum of this numeric field over the rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<String>,
    /// Count of the rows of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
}

/// What the board shows: `x-board` of the template.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BoardSpec {
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// The kind whose rows are listed as points (易涝点) with their photos.
    #[serde(default)]
    pub points: Option<String>,
    /// The field naming a point.
    #[serde(default)]
    pub point_title: Option<String>,
}

impl BoardSpec {
    /// The template's `x-board`; without one (or an unreadable one), a count per kind.
    pub fn of(template: &CompiledTemplate) -> BoardSpec {
        template.schema.get("x-board").and_then(|b| serde_json::from_value::<BoardSpec>(b.clone()).ok()).unwrap_or_else(|| BoardSpec {
            figures: template
                .subject
                .kinds
                .iter()
                .map(|k| Figure { key: k.kind.clone(), title: k.kind.clone(), sum: None, count: Some(k.kind.clone()) })
                .collect(),
            points: None,
            point_title: None,
        })
    }
}

/// The figures of one village, one town or the whole survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardLine {
    pub org_unit: String,
    pub name: String,
    /// Villages the survey went to, and how many have submitted.
    pub villages: u32,
    pub submitted: u32,
    /// A village's task status (absent for towns and the total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TaskStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// Villages that submitted no rows on purpose (本村无灾情): a village's
    /// line says 1 or 0, a town's and the total's how many.
    #[serde(default)]
    pub nothing_to_report: u32,
    /// By figure key.
    pub figures: BTreeMap<String, f64>,
}

/// A flood-prone point (or any row of the board's `points` kind).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardPoint {
    pub org_unit: String,
    pub org_unit_name: String,
    pub title: String,
    pub values: Map<String, Value>,
    /// Content hashes of the photos (`GET /api/photos/{hash}`).
    pub photos: Vec<String>,
}

/// `GET /api/surveys/{id}/board`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyBoard {
    pub survey: SurveySummary,
    pub figures: Vec<Figure>,
    pub villages: Vec<BoardLine>,
    pub towns: Vec<BoardLine>,
    pub total: BoardLine,
    pub points: Vec<BoardPoint>,
}

/// Builds the board: one line per village of `tasks` (every village the
/// survey went to, submitted or not), summed per town and in total, and the
/// points. `submissions` are the rows of each village's current submission,
/// by org unit; `names` the org units' names by code.
pub fn board(
    template: &CompiledTemplate,
    survey: SurveySummary,
    tasks: &[TaskSummary],
    submissions: &HashMap<String, Vec<SubmittedRow>>,
    names: &BTreeMap<String, String>,
) -> SurveyBoard {
    let spec = BoardSpec::of(template);
    let kind_field = template.subject.kind_field.clone().unwrap_or_default();
    let zero: BTreeMap<String, f64> = spec.figures.iter().map(|f| (f.key.clone(), 0.0)).collect();
    let line = |org_unit: &str| BoardLine {
        org_unit: org_unit.to_owned(),
        name: names.get(org_unit).cloned().unwrap_or_default(),
        villages: 0,
        submitted: 0,
        status: None,
        submitted_at: None,
        nothing_to_report: 0,
        figures: zero.clone(),
    };
    let mut villages = Vec::new();
    let mut towns: BTreeMap<String, BoardLine> = BTreeMap::new();
    let mut total = line(&survey.scope);
    let mut points = Vec::new();
    for task in tasks {
        let mut village = line(&task.org_unit);
        village.name = task.org_unit_name.clone();
        village.villages = 1;
        village.status = Some(task.status);
        let done = task.status == TaskStatus::Submitted;
        if done {
            village.submitted = 1;
            village.submitted_at = task.submitted_at.clone();
            let rows = submissions.get(&task.org_unit).map(Vec::as_slice).unwrap_or_default();
            // A survey submission without rows is always a confirmed 本村无灾情 (`check_rows`).
            village.nothing_to_report = u32::from(rows.is_empty());
            for row in rows {
                let kind = row.values.get(&kind_field).and_then(Value::as_str).unwrap_or_default();
                for figure in &spec.figures {
                    let add = match (&figure.sum, &figure.count) {
                        (Some(field), _) => row.values.get(field).and_then(Value::as_f64).unwrap_or(0.0),
                        (None, Some(counted)) if counted == kind => 1.0,
                        _ => 0.0,
                    };
                    *village.figures.entry(figure.key.clone()).or_default() += add;
                }
                if spec.points.as_deref() == Some(kind) {
                    let title =
                        spec.point_title.as_ref().and_then(|f| row.values.get(f)).and_then(Value::as_str).unwrap_or(kind).to_owned();
                    let photos = row
                        .values
                        .values()
                        .filter_map(Value::as_array)
                        .flatten()
                        .filter_map(Value::as_str)
                        .filter(|s| is_photo_hash(s))
                        .map(str::to_owned)
                        .collect();
                    points.push(BoardPoint {
                        org_unit: task.org_unit.clone(),
                        org_unit_name: task.org_unit_name.clone(),
                        title,
                        values: row.values.clone(),
                        photos,
                    });
                }
            }
        }
        let town_code = OrgCode::parse(&task.org_unit).ok().and_then(|c| c.town()).map_or_else(|| task.org_unit.clone(), String::from);
        let town = towns.entry(town_code.clone()).or_insert_with(|| line(&town_code));
        for target in [town, &mut total] {
            target.villages += 1;
            target.submitted += village.submitted;
            target.nothing_to_report += village.nothing_to_report;
            for (key, value) in &village.figures {
                *target.figures.entry(key.clone()).or_default() += value;
            }
        }
        villages.push(village);
    }
    // Sums of decimals (亩, 万元) are shown to two places: no 0.30000000000000004.
    let round = |line: &mut BoardLine| line.figures.values_mut().for_each(|v| *v = (*v * 100.0).round() / 100.0);
    villages.iter_mut().for_each(round);
    let mut towns: Vec<BoardLine> = towns.into_values().collect();
    towns.iter_mut().for_each(round);
    round(&mut total);
    SurveyBoard { survey, figures: spec.figures, villages, towns, total, points }
}

impl SurveyBoard {
    /// The villages that have not (or no longer: returned) submitted, in
    /// board order: what a coordinator is warned about before closing.
    pub fn not_reported(&self) -> Vec<&BoardLine> {
        self.villages.iter().filter(|v| v.status != Some(TaskStatus::Submitted)).collect()
    }
}

/// The org units a survey of `scope` goes to: its villages, from `units`
/// (any superset).
pub fn villages_in<'a>(scope: &str, units: &'a [OrgUnit]) -> Vec<&'a OrgUnit> {
    units.iter().filter(|u| u.level == OrgLevel::Village && OrgLevel::contains(scope, &u.code)).collect()
}
