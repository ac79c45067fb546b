//! 报表准入 (template review): the burden analysis the town coordination
//! centre decides a department's template request on, and the rules of a
//! request's life (pending → approved | rejected).
//!
//! The analysis is computed once, when the department publishes, and stored
//! with the request: the centre sees what the department saw.

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::compile::{Burden, CompiledTemplate, FieldPlan, FieldSource};
use crate::text::Text;

pub mod changes;
pub mod duplicates;
pub mod labelled;
pub mod titles;

pub use duplicates::{Confidence, DuplicateFinding, DuplicateTarget, Evidence, LiveTemplate, MatchKind};

/// Seconds village staff need to type one new cell (look it up, type it,
/// check it): the dominant cost of a report.
pub const SECONDS_PER_TYPED_CELL: f64 = 20.0;
/// Seconds to read and confirm one pre-filled cell.
pub const SECONDS_PER_CHECKED_CELL: f64 = 2.0;
/// Minutes per form whatever its size: open the task, read the
/// instructions, submit, answer the town's questions.
pub const FIXED_MINUTES_PER_FORM: f64 = 5.0;

/// Estimated minutes one village spends on one form:
///
/// `FIXED_MINUTES_PER_FORM + rows × (new × 20 s + prefilled × 2 s) / 60`,
/// rounded to a tenth of a minute. Computed cells cost nothing. `rows` is
/// the expected number of rows per village (1 for a form about the village
/// itself).
pub fn estimate_minutes(burden: &Burden, rows_per_village: f64) -> f64 {
    let per_row = burden.new as f64 * SECONDS_PER_TYPED_CELL + burden.prefilled as f64 * SECONDS_PER_CHECKED_CELL;
    let minutes = FIXED_MINUTES_PER_FORM + rows_per_village.max(0.0) * per_row / 60.0;
    (minutes * 10.0).round() / 10.0
}

/// Status of a template request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 3] = [ReviewStatus::Pending, ReviewStatus::Approved, ReviewStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn title(self) -> Text {
        match self {
            ReviewStatus::Pending => Text::new("待审核", "pending"),
            ReviewStatus::Approved => Text::new("已准入", "approved"),
            ReviewStatus::Rejected => Text::new("已驳回", "rejected"),
        }
    }
}

/// The centre's decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Longest reason of a decision, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Why a request cannot be filed or decided as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewError {
    /// The request was already decided.
    AlreadyDecided(ReviewStatus),
    MissingReason,
    ReasonTooLong,
    /// The version is not newer than the newest published one.
    StaleVersion {
        latest: u32,
    },
}

impl ReviewError {
    pub fn code(self) -> &'static str {
        match self {
            ReviewError::AlreadyDecided(_) => "already_decided",
            ReviewError::MissingReason => "missing_reason",
            ReviewError::ReasonTooLong => "reason_too_long",
            ReviewError::StaleVersion { .. } => "version_not_newer",
        }
    }

    /// A JSON pointer into the request body the error is about.
    pub fn pointer(self) -> &'static str {
        match self {
            ReviewError::AlreadyDecided(_) => "",
            ReviewError::MissingReason | ReviewError::ReasonTooLong => "/reason",
            ReviewError::StaleVersion { .. } => "/document/x-template/version",
        }
    }

    pub fn message(self) -> Text {
        match self {
            ReviewError::AlreadyDecided(status) => Text::new(
                format!("该申请已处理（{}），不能再次审核", status.title().zh),
                format!("this request was already decided ({})", status.title().en),
            ),
            ReviewError::MissingReason => Text::new("驳回时请写明理由", "say why the template is rejected"),
            ReviewError::ReasonTooLong => Text::new(
                format!("理由不能超过 {MAX_REASON_CHARS} 字"),
                format!("the reason may have at most {MAX_REASON_CHARS} characters"),
            ),
            ReviewError::StaleVersion { latest } => Text::new(
                format!("版本号必须大于已发布的版本 {latest}，请改为 {}", latest + 1),
                format!("the version must be newer than the published version {latest}: use {}", latest + 1),
            ),
        }
    }
}

impl ReviewStatus {
    /// The status after the centre's decision. A rejection needs a reason;
    /// an approval may carry a note. Only a pending request is decided.
    pub fn decide(self, decision: Decision, reason: &str) -> Result<ReviewStatus, ReviewError> {
        if self != ReviewStatus::Pending {
            return Err(ReviewError::AlreadyDecided(self));
        }
        let reason = reason.trim();
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(ReviewError::ReasonTooLong);
        }
        match decision {
            Decision::Approve => Ok(ReviewStatus::Approved),
            Decision::Reject if reason.is_empty() => Err(ReviewError::MissingReason),
            Decision::Reject => Ok(ReviewStatus::Rejected),
        }
    }
}

/// Whether `version` may be requested when `latest` is the newest
/// published version of the template (if any). Versions are immutable once
/// published, so a request must be newer; a rejected version was never
/// published and may be requested again.
pub fn check_version(latest: Option<u32>, version: u32) -> Result<(), ReviewError> {
    match latest {
        Some(latest) if version <= latest => Err(ReviewError::StaleVersion { latest }),
        _ => Ok(()),
    }
}

/// A field as the reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewField {
    pub key: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_type: Option<String>,
    /// The ledger item it is pre-filled from (ledger fields) or written back
    /// to (new fields with `x-writeback`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
}

/// What the centre sees about a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewAnalysis {
    pub burden: Burden,
    /// Pre-filled from the ledger: no typing.
    pub ledger_fields: Vec<ReviewField>,
    /// Typed by village staff.
    pub new_fields: Vec<ReviewField>,
    pub computed_fields: Vec<ReviewField>,
    /// New fields the ledger already holds or live templates already
    /// collect ([`duplicates::find`]), each with its evidence. Requests
    /// analysed before issue 17 stored another list and read as none here.
    #[serde(default)]
    pub findings: Vec<DuplicateFinding>,
    /// Villages the template can be dispatched to (every village of the
    /// department's area).
    pub villages: usize,
    /// Expected rows per village (averaged over sample villages' ledgers).
    pub rows_per_village: f64,
    /// [`estimate_minutes`].
    pub minutes_per_village: f64,
    /// The sum over all villages, in hours.
    pub total_hours: f64,
    /// Every village of the district, when [`ReviewAnalysis::for_area`]
    /// narrowed `villages` to a reviewer's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_villages: Option<usize>,
}

impl ReviewAnalysis {
    /// The analysis as the centre of an area of `villages` villages reads
    /// it: the villages and hours of its own area (what it would dispatch
    /// to), the district's count kept beside them.
    pub fn for_area(mut self, villages: usize) -> ReviewAnalysis {
        let district = self.district_villages.unwrap_or(self.villages);
        self.district_villages = (villages != district).then_some(district);
        self.villages = villages;
        self.total_hours = total_hours(self.minutes_per_village, villages);
        self
    }
}

/// Hours spent in all `villages`, to a tenth.
pub fn total_hours(minutes_per_village: f64, villages: usize) -> f64 {
    (minutes_per_village * villages as f64 / 60.0 * 10.0).round() / 10.0
}

fn review_field(f: &FieldPlan) -> ReviewField {
    let item = match &f.source {
        FieldSource::Ledger { item } => Some(item.clone()),
        _ => f.writeback.clone(),
    };
    ReviewField { key: f.key.clone(), title: f.title.clone(), json_type: f.json_type.clone(), item }
}

/// The burden analysis of `template` against the `live` templates (the
/// newest approved version of every other template; a template's own older
/// versions are skipped). `villages` and `rows_per_village` come from the
/// caller, which knows the org tree and the ledger.
pub fn analyse(
    template: &CompiledTemplate,
    catalog: &Catalog,
    live: &[&CompiledTemplate],
    villages: usize,
    rows_per_village: f64,
) -> ReviewAnalysis {
    let live: Vec<LiveTemplate> = live.iter().map(|t| LiveTemplate::of(t)).collect();
    analyse_live(template, catalog, &live, villages, rows_per_village)
}

/// [`analyse`] over live templates as the authoring page receives them.
pub fn analyse_live(
    template: &CompiledTemplate,
    catalog: &Catalog,
    live: &[LiveTemplate],
    villages: usize,
    rows_per_village: f64,
) -> ReviewAnalysis {
    let pick = |pred: fn(&FieldPlan) -> bool| template.fields.iter().filter(|f| pred(f)).map(review_field).collect::<Vec<_>>();
    let minutes = estimate_minutes(&template.burden, rows_per_village);
    ReviewAnalysis {
        burden: template.burden,
        ledger_fields: pick(|f| matches!(f.source, FieldSource::Ledger { .. })),
        new_fields: pick(FieldPlan::is_new),
        computed_fields: pick(FieldPlan::is_computed),
        findings: duplicates::find(template, catalog, live),
        villages,
        rows_per_village: (rows_per_village * 10.0).round() / 10.0,
        minutes_per_village: minutes,
        total_hours: total_hours(minutes, villages),
        district_villages: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Catalog, compile};
    use serde_json::{Value, json};

    fn template(id: &str, properties: Value) -> CompiledTemplate {
        let doc = json!({
            "x-template": {"id": id, "version": 1, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": properties
        });
        compile(&doc, &Catalog::builtin().expect("catalog")).expect("compiles")
    }

    #[test]
    fn minutes_follow_the_documented_formula() {
        let burden = Burden { prefilled: 3, new: 3, computed: 1 };
        // 5 + 10 × (3 × 20 + 3 × 2) / 60 = 5 + 11 = 16
        assert_eq!(estimate_minutes(&burden, 10.0), 16.0);
        assert_eq!(estimate_minutes(&burden, 0.0), FIXED_MINUTES_PER_FORM);
        assert_eq!(estimate_minutes(&Burden { prefilled: 0, new: 1, computed: 0 }, 1.0), 5.3);
    }

    #[test]
    fn analysis_sorts_fields_and_finds_duplicates_of_live_templates() {
        let request = template(
            "req",
            json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "income": {"type": "number", "title": "月收入"},
                "phone": {"type": "string", "title": "手机", "format": "cn-mobile", "x-writeback": true},
                "mobile2": {"type": "string", "title": "紧急联系人", "format": "cn-mobile"},
                "double": {"type": "number", "x-compute": "income * 2"}
            }),
        );
        let live = template(
            "live",
            json!({
                "income": {"type": "number", "title": "月 收入"},
                "tel": {"type": "string", "title": "电话", "format": "cn-mobile", "x-writeback": true, "x-writeback-item": "person.phone"}
            }),
        );
        let own_old = template("req", json!({"income": {"type": "number", "title": "月收入"}}));
        let catalog = Catalog::builtin().expect("catalog");
        let a = analyse(&request, &catalog, &[&live, &own_old], 267, 10.0);
        let keys = |fields: &[ReviewField]| fields.iter().map(|f| f.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&a.ledger_fields), ["name"]);
        assert_eq!(keys(&a.new_fields), ["income", "phone", "mobile2"]);
        assert_eq!(keys(&a.computed_fields), ["double"]);
        let found: Vec<_> = a.findings.iter().map(|d| (d.key.as_str(), d.kind, d.target.label())).collect();
        assert_eq!(
            found,
            [("income", MatchKind::Exact, "template:live/income".to_owned()), ("phone", MatchKind::Exact, "template:live/tel".to_owned()),],
            "the template's own older version is not a duplicate; an emergency contact's mobile is not the person's"
        );
        assert_eq!(a.findings[1].evidence[0], Evidence::SameWriteback { item: "person.phone".into() });
        assert_eq!(a.villages, 267);
        assert_eq!(a.minutes_per_village, estimate_minutes(&request.burden, 10.0));
        assert_eq!(a.total_hours, (a.minutes_per_village * 267.0 / 60.0 * 10.0).round() / 10.0);
        assert_eq!(a.district_villages, None);
    }

    #[test]
    fn a_town_centre_reads_the_burden_of_its_own_villages() {
        let request = template("req", json!({"income": {"type": "number", "title": "月收入"}}));
        let district = analyse(&request, &Catalog::builtin().expect("catalog"), &[], 267, 10.0);
        let town = district.clone().for_area(22);
        assert_eq!((town.villages, town.district_villages), (22, Some(267)));
        assert_eq!(town.minutes_per_village, district.minutes_per_village);
        assert_eq!(town.total_hours, (district.minutes_per_village * 22.0 / 60.0 * 10.0).round() / 10.0);
        // Narrowing twice keeps the district's count; the whole district is not narrowed.
        assert_eq!(town.clone().for_area(5).district_villages, Some(267));
        assert_eq!(district.clone().for_area(267), district);
    }

    #[test]
    fn decisions() {
        use ReviewStatus::*;
        assert_eq!(Pending.decide(Decision::Approve, ""), Ok(Approved));
        assert_eq!(Pending.decide(Decision::Reject, "  "), Err(ReviewError::MissingReason));
        assert_eq!(Pending.decide(Decision::Reject, "字段重复"), Ok(Rejected));
        assert_eq!(Pending.decide(Decision::Reject, &"长".repeat(MAX_REASON_CHARS + 1)), Err(ReviewError::ReasonTooLong));
        assert_eq!(Approved.decide(Decision::Reject, "x"), Err(ReviewError::AlreadyDecided(Approved)));
        assert_eq!(Rejected.decide(Decision::Approve, ""), Err(ReviewError::AlreadyDecided(Rejected)));
        for s in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn versions_must_be_newer_than_the_published_one() {
        assert_eq!(check_version(None, 1), Ok(()));
        assert_eq!(check_version(Some(1), 2), Ok(()));
        assert_eq!(check_version(Some(2), 2), Err(ReviewError::StaleVersion { latest: 2 }));
        assert_eq!(ReviewError::StaleVersion { latest: 2 }.pointer(), "/document/x-template/version");
    }
}
