//! Emergency surveys (应急摸排): forms in `pick` mode, their live board and
//! what closing the event writes into the ledger.
//!
//! A `pick` form starts empty. Staff add rows of a kind (`x-subject.kinds`):
//! either by picking a ledger record of the village ([`search`], then
//! [`pick_row`] pre-fills the row) or as something new (`subject_id` =
//! `new:<client id>`, stored with the submission and queued for review when
//! the event closes). [`check_picked`] is the submission check: a picked
//! subject must be a record of the submitting village, of the row's kind.
//! The board ([`board`]) and the ledger records of the close ([`close_plan`])
//! are computed here from stored submissions; the worker only loads and stores.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::access::{Action, Principal, authorize};
use crate::compile::{CompiledTemplate, FieldPlan, FieldSource, compute_row};
use crate::expr::Date;
use crate::field_error::FieldError;
use crate::form::{FormRow, RecordVersion};
use crate::ids::{ClientId, LedgerItem, OrgCode};
use crate::ledger::{ChangeMeta, LedgerRecord, OrgUnit, RecordType, RecordTypes, UpdateError, Write, plan_update};
use crate::submission::{SubmissionRequest, SubmittedRow};
use crate::tasks::TaskStatus;
use crate::tasks::TaskSummary;

/// Subject ids of rows about something not (yet) in the ledger start so.
pub const NEW_PREFIX: &str = "new:";
/// The ledger field closing an event appends its records to.
pub const DISASTER_FIELD: &str = "disaster_records";
/// Most candidates one search returns.
pub const MAX_CANDIDATES: usize = 20;
/// Shortest query matched against the tail of an ID number, credit code or
/// phone (the ledger page's rule, [`crate::ledger::browse::matches`]).
pub use crate::ledger::browse::MIN_SUFFIX_DIGITS;

/// Whether `subject_id` names a new row: `new:` and 1–64 letters, digits or hyphens.
pub fn is_new_subject(subject_id: &str) -> bool {
    subject_id.strip_prefix(NEW_PREFIX).is_some_and(ClientId::is_valid)
}

/// The row a picked record starts: every field bound to an item of the
/// record's entity pre-filled, the kind field set to the entity's kind,
/// computed fields computed. `None` when no kind of the form is picked from
/// this record's entity.
pub fn pick_row(template: &CompiledTemplate, record: &LedgerRecord, today: Option<Date>) -> Option<FormRow> {
    let subject = &template.subject;
    let kind = subject.kind_of(&record.entity)?;
    let mut values = Map::new();
    if let Some(field) = &subject.kind_field {
        values.insert(field.clone(), Value::String(kind.kind.clone()));
    }
    for field in &template.fields {
        let FieldSource::Ledger { item } = &field.source else { continue };
        let Some((entity, ledger_field)) = LedgerItem::split(item) else { continue };
        if entity != record.entity {
            continue;
        }
        if let Some(value) = record.data.get(ledger_field).filter(|v| !v.is_null()) {
            values.insert(field.key.clone(), value.clone());
        }
    }
    compute_row(template, &mut values, today);
    Some(FormRow {
        subject_id: record.id.clone(),
        values,
        record: Some(RecordVersion {
            version: record.version,
            updated_at: record.updated_at.clone(),
            updated_by: record.updated_by.clone(),
        }),
    })
}

/// Records of `records` matching `query`, at most [`MAX_CANDIDATES`]:
/// by any text field containing it (name, address, location…), or by the
/// last digits of an identifying field (ID number, credit code, phone) —
/// never by digits in the middle, which masking hides from some readers.
/// An empty query lists the first records.
pub fn search<'a>(record_type: &RecordType, records: &'a [LedgerRecord], query: &str) -> Vec<&'a LedgerRecord> {
    records
        .iter()
        .filter(|r| r.entity == record_type.entity && crate::ledger::browse::matches(record_type, r, query))
        .take(MAX_CANDIDATES)
        .collect()
}

/// The submission check of a `pick` form, after the row validation: each
/// row is a new one (`new:…`) or about a record of the submitting village
/// (`records`: those the rows name, as found in the ledger) whose entity
/// backs the row's kind. Returns every problem.
pub fn check_picked(template: &CompiledTemplate, request: &SubmissionRequest, records: &HashMap<&str, &LedgerRecord>) -> Vec<FieldError> {
    let subject = &template.subject;
    let kind_field = subject.kind_field.as_deref().unwrap_or_default();
    let mut errors = Vec::new();
    for (i, row) in request.rows.iter().enumerate() {
        let id = row.subject_id.as_str();
        if id.starts_with(NEW_PREFIX) {
            if !is_new_subject(id) {
                errors.push(FieldError::zh_en(
                    format!("/rows/{i}/subject_id"),
                    "invalid_new_subject",
                    "新对象的编号应为 new: 加 1–64 个字母、数字或连字符",
                    "a new row's subject_id is new: followed by 1–64 letters, digits or hyphens",
                ));
            }
            continue;
        }
        let Some(record) = records.get(id).filter(|r| r.org_unit == request.org_unit) else {
            errors.push(FieldError::zh_en(
                format!("/rows/{i}/subject_id"),
                "unknown_subject",
                "该对象不在本村（社区）台账中：请重新选取，或按新对象填报",
                "this subject is not in the village's ledger: pick it again, or add it as a new record",
            ));
            continue;
        };
        let kind = row.values.get(kind_field).and_then(Value::as_str).unwrap_or_default();
        let expected = subject.kind_of(&record.entity).map(|k| k.kind.as_str());
        if expected != Some(kind) {
            errors.push(FieldError::zh_en(
                format!("/rows/{i}/values/{kind_field}"),
                "kind_mismatch",
                format!("所选台账记录是{}，类别应为“{}”", record.entity, expected.unwrap_or("（无）")),
                format!("the picked record is a {}; the kind must be \"{}\"", record.entity, expected.unwrap_or("(none)")),
            ));
        }
    }
    errors
}

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

/// A survey: one dispatch of a `pick` template to every village of a scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveySummary {
    pub dispatch_id: String,
    pub template_id: String,
    pub template_version: u32,
    pub title: String,
    pub department: String,
    /// The town or district it went to.
    pub scope: String,
    pub scope_name: String,
    pub started_by: String,
    pub started_at: String,
    pub due_date: String,
    /// Always logged: the survey skipped the town centre's review (快速通道).
    pub fast_track: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    pub villages: u32,
}

/// `POST /api/surveys`: start a survey. `dispatch_id` is chosen by the
/// client (the idempotency key): starting it again creates nothing new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartSurveyRequest {
    pub dispatch_id: String,
    pub template_id: String,
    /// A town (9 digits) or the district (6).
    pub scope: String,
    /// `YYYY-MM-DD`; the default is the day it starts.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Why the review was skipped; logged with the survey.
    #[serde(default)]
    pub reason: Option<String>,
    /// An ad-hoc survey's template (from the quick builder,
    /// `builder::survey`): compiled and published as version 1 of
    /// `template_id` together with the survey, on the same fast track.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Value>,
}

/// `POST /api/surveys/preview`: what starting would do, for the starter to
/// confirm (nothing is stored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyPreview {
    pub title: String,
    pub scope: String,
    pub scope_name: String,
    pub villages: u32,
    pub due_date: String,
}

/// `POST /api/surveys/{id}/close`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseAnswer {
    pub closed_at: String,
    /// Ledger records given a disaster record by this call (0 on a retry).
    pub records_updated: usize,
    /// New records queued for review by this call (0 on a retry).
    pub queued_for_review: usize,
}

/// `GET /api/surveys/{id}/pick?org_unit=&entity=&q=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickAnswer {
    pub entity: String,
    pub kind: String,
    /// Rows ready to add, pre-filled (masked as usual).
    pub rows: Vec<FormRow>,
    /// A short label per row (name, address…), same order.
    pub labels: Vec<String>,
}

/// `PUT /api/photos`: the stored photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoReceipt {
    /// SHA-256 of the bytes, hex: the photo's name everywhere.
    pub hash: String,
    pub bytes: u64,
    /// `false` when the same bytes were stored before.
    pub created: bool,
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

/// The submission check of a survey's rows as a whole: at least one row,
/// or none with the explicit 本村无灾情 confirmation (never both), so that
/// no village reports "nothing happened" by accident.
pub fn check_rows(request: &SubmissionRequest) -> Vec<FieldError> {
    match (request.rows.is_empty(), request.nothing_to_report) {
        (true, false) => vec![FieldError::zh_en(
            "/rows",
            "no_rows",
            "请至少添加一行；如本村（社区）没有灾情，请勾选“本村无灾情”再提交",
            "add at least one row; if the village has no damage, tick \"nothing to report\" and submit",
        )],
        (false, true) => vec![FieldError::zh_en(
            "/nothing_to_report",
            "rows_with_nothing_to_report",
            format!("已勾选“本村无灾情”，但填了 {} 行：请删除这些行或取消勾选", request.rows.len()),
            format!("\"nothing to report\" is ticked but there are {} rows: remove them or untick it", request.rows.len()),
        )],
        _ => Vec::new(),
    }
}

/// A field as shown on a row of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct KindField<'a> {
    pub field: &'a FieldPlan,
    /// Required on rows of this kind (always, or by the kind's `if`/`then`).
    pub required: bool,
}

/// What each kind's `if {kind: const K} then {...}` (at the top or in
/// `allOf`) requires: its `required` keys, and arrays it gives a
/// `minItems` of at least 1.
pub fn kind_requirements(template: &CompiledTemplate) -> BTreeMap<String, BTreeSet<String>> {
    let kind_field = template.subject.kind_field.as_deref().unwrap_or_default();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let schema = &template.schema;
    let branches = std::iter::once(schema).chain(schema.get("allOf").and_then(Value::as_array).into_iter().flatten());
    for branch in branches {
        let condition = branch.pointer(&format!("/if/properties/{}", crate::compile::escape_pointer(kind_field)));
        let kind = condition.and_then(|c| {
            c.get("const").and_then(Value::as_str).or_else(|| match c.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
                Some([one]) => one.as_str(),
                _ => None,
            })
        });
        let (Some(kind), Some(then)) = (kind, branch.get("then")) else { continue };
        let keys = found.entry(kind.to_owned()).or_default();
        keys.extend(then.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_owned));
        if let Some(properties) = then.get("properties").and_then(Value::as_object) {
            keys.extend(
                properties
                    .iter()
                    .filter(|(_, p)| p.get("minItems").and_then(Value::as_u64).is_some_and(|n| n >= 1))
                    .map(|(k, _)| k.clone()),
            );
        }
    }
    found
}

/// The fields a row of `kind` shows, in form order (the kind field itself
/// is the row's heading, not a field): a field bound to a ledger item only
/// on the kind picked from that record type, a field with `x-ui.kinds` only
/// on those kinds, any other field on every kind. `required` says where to
/// put the `*`: required always, or by this kind's `if`/`then`.
pub fn kind_fields<'a>(template: &'a CompiledTemplate, kind: &str) -> Vec<KindField<'a>> {
    let subject = &template.subject;
    let kind_field = subject.kind_field.as_deref().unwrap_or_default();
    let entity = subject.kinds.iter().find(|k| k.kind == kind).and_then(|k| k.entity.as_deref());
    let requirements = kind_requirements(template);
    let required_here = requirements.get(kind);
    template
        .fields
        .iter()
        .filter(|f| f.key != kind_field)
        .filter(|f| match &f.source {
            FieldSource::Ledger { item } => LedgerItem::split(item).map(|(e, _)| e) == entity,
            _ => f.ui.kinds.is_empty() || f.ui.kinds.iter().any(|k| k == kind),
        })
        .map(|field| KindField { field, required: field.required || required_here.is_some_and(|keys| keys.contains(&field.key)) })
        .collect()
}

/// The value a typed text stands for in a number field: the number when the
/// whole text is one (full-width digits and 。 as typed by some Chinese
/// keyboards included), else the text itself, so that validation says it
/// is not a number. `None` for blank text. The text stays what staff see:
/// this value is never written back into the box.
pub fn typed_number(text: &str, integer: bool) -> Option<Value> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let ascii: String = trimmed
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' | '。' => '.',
            '－' => '-',
            other => other,
        })
        .collect();
    let number = if integer {
        ascii.parse::<i64>().ok().map(Value::from)
    } else {
        ascii
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| ascii.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64).map(Value::Number))
    };
    Some(number.unwrap_or_else(|| Value::String(trimmed.to_owned())))
}

/// Where a submission error belongs: `/rows/{i}/values/{key}…` → (row, the
/// field, if any), so that it is shown in words at that field.
pub fn error_place(pointer: &str) -> Option<(usize, Option<&str>)> {
    let rest = pointer.strip_prefix("/rows/")?;
    let (row, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let row = row.parse().ok()?;
    let key = rest.strip_prefix("values/").map(|k| k.split('/').next().unwrap_or(k)).filter(|k| !k.is_empty());
    Some((row, key))
}

/// Whether `principal` may see a photo: it may read one of the submissions
/// naming it, or a village it was uploaded for. `grounds` are (org unit,
/// department of the form) of each; any of them suffices, so a photo sent
/// by two villages stays readable by both and by those above them.
pub fn may_read_photo(principal: &Principal, grounds: &[(String, String)]) -> bool {
    grounds.iter().any(|(org_unit, department)| authorize(principal, &Action::ReadSubmission { org_unit, department }).is_allowed())
}

/// Whether `s` is a photo name: a SHA-256 in lowercase hex.
pub fn is_photo_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new row queued for review when the event closes: it joins the ledger
/// only once someone checks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCandidate {
    pub submission_id: String,
    pub subject_id: String,
    pub org_unit: String,
    pub entity: String,
    pub values: Map<String, Value>,
}

/// What closing an event does to the ledger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClosePlan {
    /// One update per picked record not yet carrying this event's record.
    pub writes: Vec<Write>,
    pub candidates: Vec<ReviewCandidate>,
}

/// Plans the close of survey `dispatch_id`: every picked record gets a
/// disaster record (`disaster_records` += the row's values, tagged with the
/// event), each new row of a kind with an entity becomes a review candidate.
///
/// Idempotent: a record already carrying this event's entry is left alone,
/// so a retried close plans only what the first one did not write.
/// `submissions` are (submission id, org unit, rows); `records` the picked
/// records as stored now.
pub fn close_plan(
    template: &CompiledTemplate,
    record_types: &RecordTypes,
    dispatch_id: &str,
    submissions: &[(String, String, Vec<SubmittedRow>)],
    records: &HashMap<&str, &LedgerRecord>,
    meta: &ChangeMeta,
) -> Result<ClosePlan, Vec<FieldError>> {
    let subject = &template.subject;
    let kind_field = subject.kind_field.as_deref().unwrap_or_default();
    let mut plan = ClosePlan::default();
    let mut errors = Vec::new();
    for (submission_id, org_unit, rows) in submissions {
        for (i, row) in rows.iter().enumerate() {
            let kind = row.values.get(kind_field).and_then(Value::as_str).unwrap_or_default();
            let entity = subject.kinds.iter().find(|k| k.kind == kind).and_then(|k| k.entity.clone());
            if is_new_subject(&row.subject_id) {
                if let Some(entity) = entity {
                    plan.candidates.push(ReviewCandidate {
                        submission_id: submission_id.clone(),
                        subject_id: row.subject_id.clone(),
                        org_unit: org_unit.clone(),
                        entity,
                        values: row.values.clone(),
                    });
                }
                continue;
            }
            let Some(record) = records.get(row.subject_id.as_str()) else { continue };
            let Some(record_type) = record_types.get(&record.entity) else { continue };
            let mut list = record.data.get(DISASTER_FIELD).and_then(Value::as_array).cloned().unwrap_or_default();
            if list.iter().any(|e| e.get("event").and_then(Value::as_str) == Some(dispatch_id)) {
                continue;
            }
            list.push(Value::Object(disaster_entry(template, &row.values, dispatch_id, &meta.changed_at)));
            let patch: Map<String, Value> = [(DISASTER_FIELD.to_owned(), Value::Array(list))].into_iter().collect();
            match plan_update(record_type, record, record.version, &patch, meta) {
                Ok(Some(write)) => plan.writes.push(write),
                Ok(None) => {}
                Err(UpdateError::Invalid { errors: found }) => errors.extend(found.into_iter().map(|mut e| {
                    e.pointer = format!("/submissions/{submission_id}/rows/{i}{}", e.pointer);
                    e
                })),
                Err(other) => errors.push(FieldError::zh_en(
                    format!("/submissions/{submission_id}/rows/{i}"),
                    "close_failed",
                    "无法写入台账",
                    format!("cannot write to the ledger: {other}"),
                )),
            }
        }
    }
    if errors.is_empty() { Ok(plan) } else { Err(errors) }
}

/// The disaster record a row leaves in its ledger record: the row's new
/// fields (damage, losses, photos…), tagged with the event, the form's
/// title, the kind and the day. Used by the close and by accepting a
/// queued new record, so both write the same shape.
pub fn disaster_entry(template: &CompiledTemplate, values: &Map<String, Value>, dispatch_id: &str, at: &str) -> Map<String, Value> {
    let kind_field = template.subject.kind_field.as_deref().unwrap_or_default();
    let kind = values.get(kind_field).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut entry = values.clone();
    entry.retain(|key, _| template.field(key).is_some_and(|f| f.is_new() && key != kind_field));
    entry.insert("event".into(), json!(dispatch_id));
    entry.insert("title".into(), json!(template.title));
    entry.insert("kind".into(), json!(kind));
    entry.insert("date".into(), json!(at.get(..10).unwrap_or_default()));
    entry
}

/// The org units a survey of `scope` goes to: its villages, from `units`
/// (any superset).
pub fn villages_in<'a>(scope: &str, units: &'a [OrgUnit]) -> Vec<&'a OrgUnit> {
    units.iter().filter(|u| u.level == crate::ledger::OrgLevel::Village && u.code.starts_with(scope)).collect()
}

pub mod intake;
pub mod photo;

#[cfg(test)]
mod tests;
