//! The audit log's rules: how a read of unmasked values is classed, what a
//! query of the log may ask, what its actions and account events are
//! called, and the log as a CSV file.
//!
//! Village staff and town centres read their own area's ledger whole every
//! day; those reads are logged but classed [`ReadClass::Routine`], so that
//! the reads an administrator must answer for — a value shown because of a
//! grant, or records outside the reader's own area — are not pushed out of
//! view by them.

use serde::{Deserialize, Serialize};

use super::{Principal, in_scope, masking::unmasked_by_role};
use crate::catalog::Catalog;
use crate::export::csv_field;
use crate::field_error::FieldError;
use crate::text::Text;
use crate::time;

/// What kind of read an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadClass {
    /// The reader's own area, values its role sees anyway.
    #[default]
    Routine,
    /// Values shown whole only because of a grant.
    Granted,
    /// Records outside the reader's own area (or a refused lookup of them).
    CrossArea,
}

impl ReadClass {
    pub const ALL: [ReadClass; 3] = [ReadClass::Routine, ReadClass::Granted, ReadClass::CrossArea];

    pub fn as_str(self) -> &'static str {
        match self {
            ReadClass::Routine => "routine",
            ReadClass::Granted => "granted",
            ReadClass::CrossArea => "cross_area",
        }
    }

    pub fn parse(text: &str) -> Option<ReadClass> {
        ReadClass::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn title(self) -> Text {
        match self {
            ReadClass::Routine => Text::new("本辖区日常查看", "routine, own area"),
            ReadClass::Granted => Text::new("凭授权查看", "under a grant"),
            ReadClass::CrossArea => Text::new("跨辖区", "outside own area"),
        }
    }
}

/// Classes a read: records of any unit outside the reader's own area make
/// it [`ReadClass::CrossArea`]; otherwise values a role sees only under a
/// grant make it [`ReadClass::Granted`]; otherwise it is routine.
/// `units` are the org units of the records read (unknown ones left out).
pub fn classify_read(principal: &Principal, units: &[String]) -> ReadClass {
    if units.iter().any(|unit| !in_scope(&principal.org_unit, unit)) {
        ReadClass::CrossArea
    } else if !unmasked_by_role(principal.role) {
        ReadClass::Granted
    } else {
        ReadClass::Routine
    }
}

/// What an audit entry's action means, for people.
pub fn action_title(action: &str) -> Text {
    let (zh, en) = match action {
        "form" => ("生成报表", "form generated"),
        "submission" => ("查看报送数据", "submission read"),
        "ledger" => ("查看台账列表", "ledger list"),
        "ledger_search" => ("搜索台账", "ledger search"),
        "ledger_record" => ("查看台账记录", "ledger record"),
        "export" => ("导出台账", "ledger export"),
        "key_refused" => ("外村登记号码被拒", "key of another unit refused"),
        "import_preview" => ("导入预览", "import preview"),
        "survey_pick" => ("摸排选人", "survey pick"),
        "summary" => ("查看汇总", "summary"),
        other => return Text::new(other, other),
    };
    Text::new(zh, en)
}

/// Which reads a query of the log asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassFilter {
    /// Every read.
    #[default]
    All,
    /// Reads under a grant or across areas: what the administrator reviews.
    Notable,
    Routine,
    Granted,
    CrossArea,
}

impl ClassFilter {
    /// The classes it keeps.
    pub fn classes(self) -> Vec<ReadClass> {
        match self {
            ClassFilter::All => ReadClass::ALL.to_vec(),
            ClassFilter::Notable => vec![ReadClass::Granted, ReadClass::CrossArea],
            ClassFilter::Routine => vec![ReadClass::Routine],
            ClassFilter::Granted => vec![ReadClass::Granted],
            ClassFilter::CrossArea => vec![ReadClass::CrossArea],
        }
    }
}

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 200;
/// Rows of one CSV export at most.
pub const MAX_EXPORT_ROWS: u32 = 50_000;

/// `GET /api/audit` and `GET /api/audit/export`'s query, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub class: Option<String>,
    /// A user id.
    #[serde(default)]
    pub user: Option<String>,
    /// A ledger item, e.g. `person.id_number`.
    #[serde(default)]
    pub item: Option<String>,
    /// A person's name (exact) or a record id: reads of that record.
    #[serde(default)]
    pub person: Option<String>,
    /// First and last Beijing day, `YYYY-MM-DD`, both included.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub per_page: Option<u32>,
}

/// A checked query: what the store filters by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    pub classes: Vec<ReadClass>,
    pub user: Option<String>,
    pub item: Option<String>,
    pub person: Option<String>,
    /// UTC instants: `at >= since` and `at < until`.
    pub since: Option<String>,
    pub until: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

impl AuditFilter {
    pub fn offset(&self) -> u32 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

fn present(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl AuditQuery {
    /// Every problem with the query, or the filter it asks for.
    pub fn check(&self, catalog: &Catalog) -> Result<AuditFilter, Vec<FieldError>> {
        let mut errors = Vec::new();
        let class = match present(&self.class) {
            None => ClassFilter::All,
            Some(text) => match serde_json::from_value::<ClassFilter>(serde_json::Value::String(text.clone())) {
                Ok(filter) => filter,
                Err(_) => {
                    errors.push(FieldError::zh_en("/class", "unknown_class", "类别无效", format!("unknown class {text}")));
                    ClassFilter::All
                }
            },
        };
        let item = present(&self.item);
        if let Some(item) = &item
            && catalog.get(item).is_none()
        {
            errors.push(FieldError::zh_en(
                "/item",
                "unknown_ledger_item",
                format!("台账中没有数据项 {item}"),
                format!("no ledger item {item}"),
            ));
        }
        let person = present(&self.person);
        if person.as_ref().is_some_and(|p| p.chars().count() > 64) {
            errors.push(FieldError::zh_en("/person", "too_long", "人员最多 64 个字符", "person: at most 64 characters"));
        }
        let user = present(&self.user);
        if user.as_ref().is_some_and(|u| u.len() > 64) {
            errors.push(FieldError::zh_en("/user", "too_long", "用户无效", "user: at most 64 characters"));
        }
        let mut day = |pointer: &str, value: &Option<String>, title: &str| -> Option<String> {
            let text = present(value)?;
            if time::beijing_day_start_utc(&text).is_none() {
                errors.push(FieldError::zh_en(
                    pointer,
                    "invalid_date",
                    format!("{title}须为日期，如 2026-11-29"),
                    format!("{pointer}: a date such as 2026-11-29"),
                ));
                return None;
            }
            Some(text)
        };
        let from = day("/from", &self.from, "起始日期");
        let to = day("/to", &self.to, "截止日期");
        if let (Some(from), Some(to)) = (&from, &to)
            && from > to
        {
            errors.push(FieldError::zh_en("/to", "dates_reversed", "截止日期不能早于起始日期", "the end date is before the start date"));
        }
        let page = self.page.unwrap_or(1);
        if page == 0 || page > 100_000 {
            errors.push(FieldError::zh_en("/page", "invalid_page", "页码须为 1 起的整数", "page: a whole number from 1"));
        }
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError::zh_en(
                "/per_page",
                "invalid_per_page",
                format!("每页条数须为 1–{MAX_PER_PAGE}"),
                format!("per page: 1–{MAX_PER_PAGE}"),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AuditFilter {
            classes: class.classes(),
            user,
            item,
            person,
            since: from.as_deref().and_then(time::beijing_day_start_utc),
            until: to.as_deref().and_then(time::next_day).as_deref().and_then(time::beijing_day_start_utc),
            page,
            per_page,
        })
    }
}

/// The log as a CSV file (UTF-8 with BOM, so Excel and WPS read Chinese):
/// Beijing time, names, titles, villages by name; cells a spreadsheet
/// would run are defused like every export's.
pub fn audit_csv(entries: &[AuditEntry], catalog: &Catalog) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header = ["时间（北京时间）", "用户", "账号", "类别", "操作", "数据项", "村（社区）", "记录数", "记录"];
    out.push_str(&header.map(csv_field).join(","));
    out.push_str("\r\n");
    for e in entries {
        let items: Vec<String> = e.items.iter().map(|i| item_title(catalog, i)).collect();
        let units = if e.org_unit_names.is_empty() { e.org_units.join("、") } else { e.org_unit_names.join("、") };
        let line = [
            time::beijing(&e.at),
            if e.display_name.is_empty() { e.username.clone() } else { e.display_name.clone() },
            e.username.clone(),
            e.class.title().zh,
            action_title(&e.action).zh,
            items.join("、"),
            units,
            e.record_count.to_string(),
            e.record_ids.join(" "),
        ];
        out.push_str(&line.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A ledger item as people read it: `人员·身份证号`.
pub fn item_title(catalog: &Catalog, item: &str) -> String {
    match catalog.get(item) {
        Some(found) => match catalog.entity_title(&found.entity) {
            Some(entity) => format!("{entity}·{}", found.title),
            None => found.title.clone(),
        },
        None => item.to_owned(),
    }
}

/// What an administrator did to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountEventKind {
    Created,
    Disabled,
    Enabled,
    PasswordReset,
    PasswordChanged,
    GrantsChanged,
}

impl AccountEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountEventKind::Created => "created",
            AccountEventKind::Disabled => "disabled",
            AccountEventKind::Enabled => "enabled",
            AccountEventKind::PasswordReset => "password_reset",
            AccountEventKind::PasswordChanged => "password_changed",
            AccountEventKind::GrantsChanged => "grants_changed",
        }
    }

    pub fn title(self) -> Text {
        match self {
            AccountEventKind::Created => Text::new("创建账户", "account created"),
            AccountEventKind::Disabled => Text::new("停用账户", "account disabled"),
            AccountEventKind::Enabled => Text::new("启用账户", "account enabled"),
            AccountEventKind::PasswordReset => Text::new("重置密码", "password reset"),
            AccountEventKind::PasswordChanged => Text::new("修改本人密码", "own password changed"),
            AccountEventKind::GrantsChanged => Text::new("调整明文查看授权", "grants changed"),
        }
    }
}

/// Grants added and removed by replacing `old` with `new`, each sorted and
/// once: what the confirmation shows and the log keeps.
pub fn grant_changes(old: &[String], new: &[String]) -> (Vec<String>, Vec<String>) {
    let mut added: Vec<String> = new.iter().filter(|i| !old.contains(i)).cloned().collect();
    let mut removed: Vec<String> = old.iter().filter(|i| !new.contains(i)).cloned().collect();
    for list in [&mut added, &mut removed] {
        list.sort();
        list.dedup();
    }
    (added, removed)
}

/// An entry of `GET /api/audit`: one unmasked read of sensitive fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub user_id: String,
    pub username: String,
    /// The reader's name, as people know them.
    #[serde(default)]
    pub display_name: String,
    pub action: String,
    pub items: Vec<String>,
    pub record_ids: Vec<String>,
    pub record_count: usize,
    /// Routine, under a grant, or across areas (`access::classify_read`).
    #[serde(default)]
    pub class: crate::access::ReadClass,
    /// The org units of the records read, and their names.
    #[serde(default)]
    pub org_units: Vec<String>,
    #[serde(default)]
    pub org_unit_names: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;

    fn principal(role: Role, org_unit: &str, grants: &[&str]) -> Principal {
        Principal {
            user_id: "u".into(),
            username: "u".into(),
            display_name: "某人".into(),
            role,
            org_unit: org_unit.into(),
            department: (role == Role::DepartmentAnalyst).then(|| "区民政局".to_owned()),
            grants: grants.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    const VILLAGE: &str = "500118100001";
    const OTHER_VILLAGE: &str = "500118100002";
    const OTHER_TOWN_VILLAGE: &str = "500118101001";

    #[test]
    fn classes_of_reads() {
        let units = |u: &[&str]| u.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let cases = [
            // Village staff reading their own village: routine.
            (principal(Role::VillageStaff, VILLAGE, &[]), units(&[VILLAGE]), ReadClass::Routine),
            // ... another village's records (a refused lookup): across areas.
            (principal(Role::VillageStaff, VILLAGE, &[]), units(&[OTHER_VILLAGE]), ReadClass::CrossArea),
            (principal(Role::VillageStaff, VILLAGE, &[]), units(&[VILLAGE, OTHER_VILLAGE]), ReadClass::CrossArea),
            // A town centre within its town: routine; outside it: across areas.
            (principal(Role::TownCoordinator, "500118100", &[]), units(&[VILLAGE, OTHER_VILLAGE]), ReadClass::Routine),
            (principal(Role::TownCoordinator, "500118100", &[]), units(&[OTHER_TOWN_VILLAGE]), ReadClass::CrossArea),
            // District roles see values whole only under a grant.
            (principal(Role::AdminSpecialist, "500118", &["person.id_number"]), units(&[VILLAGE]), ReadClass::Granted),
            (principal(Role::DepartmentAnalyst, "500118", &["person.phone"]), units(&[]), ReadClass::Granted),
            (principal(Role::SystemAdmin, "500118", &["person.phone"]), units(&["500119100001"]), ReadClass::CrossArea),
            // Unknown records: judged by the grant alone.
            (principal(Role::VillageStaff, VILLAGE, &[]), units(&[]), ReadClass::Routine),
        ];
        for (who, units, expected) in cases {
            assert_eq!(classify_read(&who, &units), expected, "{:?} in {} reading {units:?}", who.role, who.org_unit);
        }
    }

    #[test]
    fn query_checks_every_parameter() {
        let catalog = Catalog::builtin().expect("catalog");
        let bad = AuditQuery {
            class: Some("secret".into()),
            item: Some("person.salary".into()),
            from: Some("2026-02-30".into()),
            to: Some("yesterday".into()),
            page: Some(0),
            per_page: Some(5000),
            ..AuditQuery::default()
        };
        let pointers: Vec<String> = bad.check(&catalog).expect_err("refused").into_iter().map(|e| e.pointer).collect();
        assert_eq!(pointers, ["/class", "/item", "/from", "/to", "/page", "/per_page"]);
        let reversed = AuditQuery { from: Some("2026-11-29".into()), to: Some("2026-11-01".into()), ..AuditQuery::default() };
        assert_eq!(reversed.check(&catalog).expect_err("reversed")[0].code, "dates_reversed");

        let ok = AuditQuery {
            class: Some("notable".into()),
            item: Some("person.id_number".into()),
            person: Some(" 郑刚 ".into()),
            from: Some("2026-11-01".into()),
            to: Some("2026-11-29".into()),
            page: Some(3),
            ..AuditQuery::default()
        };
        let filter = ok.check(&catalog).expect("valid");
        assert_eq!(filter.classes, [ReadClass::Granted, ReadClass::CrossArea]);
        assert_eq!(filter.person.as_deref(), Some("郑刚"));
        assert_eq!(filter.since.as_deref(), Some("2026-10-31T16:00:00.000Z"));
        assert_eq!(filter.until.as_deref(), Some("2026-11-29T16:00:00.000Z"), "the last day is included");
        assert_eq!((filter.offset(), filter.per_page), (100, DEFAULT_PER_PAGE));
        assert_eq!(AuditQuery::default().check(&catalog).expect("empty").classes, ReadClass::ALL);
    }

    #[test]
    fn csv_has_a_bom_beijing_time_names_and_defused_cells() {
        let catalog = Catalog::builtin().expect("catalog");
        let entry = AuditEntry {
            at: "2026-11-29T16:30:00.000Z".into(),
            user_id: "u1".into(),
            username: "minzheng".into(),
            display_name: "=HYPERLINK(\"x\")".into(),
            action: "ledger".into(),
            items: vec!["person.id_number".into()],
            record_ids: vec!["person:1".into(), "person:2".into()],
            record_count: 2,
            class: ReadClass::Granted,
            org_units: vec![VILLAGE.into()],
            org_unit_names: vec!["胜利村".into()],
        };
        let bytes = audit_csv(&[entry], &catalog);
        assert!(bytes.starts_with("\u{feff}".as_bytes()));
        let text = String::from_utf8(bytes).expect("utf-8");
        let row = text.lines().nth(1).expect("a row");
        assert!(row.starts_with("2026-11-30 00:30,"), "{row}");
        assert!(row.contains("\"'=HYPERLINK(\"\"x\"\")\""), "defused: {row}");
        assert!(row.contains("凭授权查看") && row.contains("查看台账列表") && row.contains("胜利村"), "{row}");
        assert!(row.contains("人员·身份证号"), "{row}");
    }

    #[test]
    fn grant_changes_are_added_and_removed() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let (added, removed) =
            grant_changes(&s(&["person.phone", "person.id_number"]), &s(&["person.id_number", "household.phone", "household.phone"]));
        assert_eq!((added, removed), (s(&["household.phone"]), s(&["person.phone"])));
    }
}
