//! What a reviewer must see before approving a version: every field with
//! its type, rule, source and formula ([`field_details`]), what changed
//! against the published version or the rejected filing ([`compare`]:
//! added, removed, renamed, rule changes) and what the approval does to
//! work already under way ([`Consequences`]: open tasks that move, drafts
//! migrated, submitted data that stays under its version, old data the new
//! summary will not show).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::compile::{CompiledTemplate, FieldPlan, FieldSource};
use crate::text::Text;
use crate::versioning;

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOrigin {
    /// Pre-filled from a ledger item.
    Ledger,
    /// Typed by village staff.
    New,
    /// Computed by a formula.
    Computed,
}

impl FieldOrigin {
    pub fn title(self) -> Text {
        match self {
            FieldOrigin::Ledger => Text::new("台账", "ledger"),
            FieldOrigin::New => Text::new("新增", "new"),
            FieldOrigin::Computed => Text::new("计算", "computed"),
        }
    }
}

/// One field as the reviewer reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDetail {
    pub key: String,
    pub title: String,
    pub origin: FieldOrigin,
    /// 文本, 整数, 数字, 是/否, 日期, 多选…
    pub kind: Text,
    /// Each rule in words: required, format, pattern, options, bounds, length.
    pub rules: Vec<Text>,
    /// The ledger item it is pre-filled from, by its Chinese title
    /// (`人员 · 身份证号`), with the item's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_item: Option<String>,
    /// The ledger item a submitted value is written back to, by title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writeback: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Masked for readers without the grant (bound to a sensitive item,
    /// typed in an identifier format, or marked `x-sensitive`).
    #[serde(default)]
    pub sensitive: bool,
}

fn item_title(catalog: &Catalog, item: &str) -> String {
    match catalog.get(item) {
        Some(i) => match catalog.entity_title(&i.entity) {
            Some(entity) => format!("{entity} · {}", i.title),
            None => i.title.clone(),
        },
        None => item.to_owned(),
    }
}

fn kind_of(field: &FieldPlan, spec: &Value) -> Text {
    let array = field.json_type.as_deref() == Some("array");
    match (field.json_type.as_deref(), field.format.as_deref()) {
        (_, Some("date")) => Text::new("日期", "date"),
        (Some("string"), _) if !field.options.is_empty() => Text::new("单选", "one of a list"),
        (Some("string"), _) => Text::new("文本", "text"),
        (Some("integer"), _) => Text::new("整数", "whole number"),
        (Some("number"), _) => Text::new("数字", "number"),
        (Some("boolean"), _) => Text::new("是/否", "yes/no"),
        _ if array && spec.pointer("/items/enum").is_some() => Text::new("多选", "several of a list"),
        (Some(other), _) => Text::new(other, other),
        (None, _) => Text::new("未声明类型", "no type"),
    }
}

fn format_title(format: &str) -> Text {
    match format {
        "cn-id-number" => Text::new("身份证号（18 位，含校验码）", "ID number (18 characters, checked)"),
        "cn-mobile" => Text::new("手机号（11 位）", "mobile number (11 digits)"),
        "cn-credit-code" => Text::new("统一社会信用代码（18 位）", "unified social credit code (18 characters)"),
        "cn-division-code" => Text::new("行政区划代码", "division code"),
        "date" => Text::new("日期（年-月-日）", "date (year-month-day)"),
        other => Text::new(format!("格式 {other}"), format!("format {other}")),
    }
}

fn number_text(v: &Value) -> String {
    v.to_string()
}

/// The rules of a field in words, in a fixed order (so two versions compare).
fn rules_of(field: &FieldPlan, spec: &Value) -> Vec<Text> {
    let mut rules = Vec::new();
    if field.required {
        rules.push(Text::new("必填", "required"));
    }
    if let Some(format) = field.format.as_deref().filter(|f| *f != "date") {
        rules.push(format_title(format));
    }
    if let Some(pattern) = &field.pattern {
        rules.push(Text::new(format!("须符合格式 {pattern}"), format!("must match {pattern}")));
    }
    let options: Vec<String> = if field.options.is_empty() {
        spec.pointer("/items/enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    } else {
        field.options.clone()
    };
    if !options.is_empty() {
        rules.push(Text::new(format!("选项：{}", options.join("、")), format!("options: {}", options.join(", "))));
    }
    for (keyword, zh, en) in [
        ("minimum", "最小", "at least"),
        ("exclusiveMinimum", "大于", "more than"),
        ("maximum", "最大", "at most"),
        ("exclusiveMaximum", "小于", "less than"),
    ] {
        if let Some(v) = spec.get(keyword).filter(|v| v.is_number()) {
            rules.push(Text::new(format!("{zh} {}", number_text(v)), format!("{en} {}", number_text(v))));
        }
    }
    if let Some(n) = spec.get("minLength").and_then(Value::as_u64) {
        rules.push(Text::new(format!("至少 {n} 字"), format!("at least {n} characters")));
    }
    if let Some(n) = field.max_length {
        rules.push(Text::new(format!("最多 {n} 字"), format!("at most {n} characters")));
    }
    if field.sensitive {
        rules.push(Text::new("敏感信息（脱敏显示）", "sensitive (shown masked)"));
    }
    rules
}

fn spec_of<'t>(template: &'t CompiledTemplate, key: &str) -> &'t Value {
    static EMPTY: Value = Value::Null;
    template.schema.get("properties").and_then(|p| p.get(key)).unwrap_or(&EMPTY)
}

/// Every field of `template` in form order, as the reviewer reads it.
pub fn field_details(template: &CompiledTemplate, catalog: &Catalog) -> Vec<FieldDetail> {
    template
        .fields
        .iter()
        .map(|f| {
            let spec = spec_of(template, &f.key);
            let (origin, source_item, formula) = match &f.source {
                FieldSource::Ledger { item } => (FieldOrigin::Ledger, Some(item.clone()), None),
                FieldSource::New => (FieldOrigin::New, None, None),
                FieldSource::Computed { expr } => (FieldOrigin::Computed, None, Some(expr.clone())),
            };
            FieldDetail {
                key: f.key.clone(),
                title: f.title.clone(),
                origin,
                kind: kind_of(f, spec),
                rules: rules_of(f, spec),
                source: source_item.as_deref().map(|i| item_title(catalog, i)),
                source_item,
                writeback: f.writeback.as_deref().map(|i| item_title(catalog, i)),
                formula,
                required: f.required,
                sensitive: crate::access::field_guard(catalog, f).is_some(),
            }
        })
        .collect()
}

/// A field named in a comparison: its key and title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldName {
    pub key: String,
    pub title: String,
}

/// A field that is in both versions (after a rename) with another type,
/// rule, source or formula.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub key: String,
    pub title: String,
    /// What it was and what it becomes, in words (`文本 · 必填` → `整数 · 必填 · 最小 0`).
    pub before: Text,
    pub after: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRename {
    pub from: FieldName,
    pub to: FieldName,
}

/// What the request is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Baseline {
    /// The newest published version.
    Published { version: u32 },
    /// The filing of this template that the centre rejected last.
    Rejected {
        version: u32,
        request_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// The differences against one baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub against: Baseline,
    pub added: Vec<FieldName>,
    pub removed: Vec<FieldName>,
    pub renamed: Vec<FieldRename>,
    pub changed: Vec<FieldChange>,
    /// A removed and an added field with the same title, not marked as a
    /// rename (`x-renamed-from`): their data will not move.
    pub suggested_renames: Vec<FieldRename>,
    /// The title of the form changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<(String, String)>,
}

impl Comparison {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.renamed.is_empty() && self.changed.is_empty() && self.title.is_none()
    }
}

fn describe(d: &FieldDetail) -> Text {
    let mut zh = vec![format!("{} · {}", d.origin.title().zh, d.kind.zh)];
    let mut en = vec![format!("{} · {}", d.origin.title().en, d.kind.en)];
    if let Some(source) = &d.source {
        zh.push(format!("来自「{source}」"));
        en.push(format!("from {source}"));
    }
    if let Some(formula) = &d.formula {
        zh.push(format!("公式 {formula}"));
        en.push(format!("formula {formula}"));
    }
    if let Some(w) = &d.writeback {
        zh.push(format!("回写「{w}」"));
        en.push(format!("written back to {w}"));
    }
    zh.extend(d.rules.iter().map(|r| r.zh.clone()));
    en.extend(d.rules.iter().map(|r| r.en.clone()));
    Text::new(zh.join(" · "), en.join(" · "))
}

/// `new` against `old` (the published version or a rejected filing).
pub fn compare(old: &CompiledTemplate, new: &CompiledTemplate, against: Baseline, catalog: &Catalog) -> Comparison {
    let diff = versioning::diff(old, new);
    let name = |t: &CompiledTemplate, key: &str| FieldName {
        key: key.to_owned(),
        title: t.field(key).map_or_else(|| key.to_owned(), |f| f.title.clone()),
    };
    let before = field_details(old, catalog);
    let after = field_details(new, catalog);
    let mut changed = Vec::new();
    for a in &after {
        let from = diff.renamed.iter().find(|r| r.to == a.key).map_or(a.key.as_str(), |r| r.from.as_str());
        let Some(b) = before.iter().find(|b| b.key == from) else { continue };
        let (db, da) = (describe(b), describe(a));
        if db != da {
            changed.push(FieldChange { key: a.key.clone(), title: a.title.clone(), before: db, after: da });
        }
    }
    let rename = |r: &versioning::Rename| FieldRename { from: name(old, &r.from), to: name(new, &r.to) };
    Comparison {
        against,
        added: diff.added.iter().map(|k| name(new, k)).collect(),
        removed: diff.removed.iter().map(|k| name(old, k)).collect(),
        renamed: diff.renamed.iter().map(rename).collect(),
        changed,
        suggested_renames: diff.suggested_renames.iter().map(rename).collect(),
        title: (old.title != new.title).then(|| (old.title.clone(), new.title.clone())),
    }
}

/// What the worker counted of the template's work under way (older
/// published versions than the request's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WorkCounts {
    /// Tasks not yet submitted on an older version: they move on approval.
    pub open_tasks: usize,
    /// Of those, the ones with a draft: migrated with them.
    pub drafts: usize,
    /// Submissions under older versions: they stay under their version.
    pub submitted: usize,
}

/// What approving the request does to work already under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consequences {
    #[serde(flatten)]
    pub counts: WorkCounts,
    /// The published version they are on.
    pub from_version: u32,
    /// Fields of the published version the new one drops: submitted data
    /// of these stays under its version, outside the summary of the new
    /// version's columns (the summary's version picker shows it), and
    /// drafts keep it under `_archived`.
    pub removed_data: Vec<FieldName>,
    /// One sentence per consequence, for the card.
    pub notes: Vec<Text>,
}

/// The consequences of approving `new` over the published `old`.
pub fn consequences(old: &CompiledTemplate, new: &CompiledTemplate, counts: WorkCounts) -> Consequences {
    let diff = versioning::diff(old, new);
    let (from, to) = (old.meta.version, new.meta.version);
    let removed_data: Vec<FieldName> = diff
        .removed
        .iter()
        .map(|k| FieldName { key: k.clone(), title: old.field(k).map_or_else(|| k.clone(), |f| f.title.clone()) })
        .collect();
    let mut notes = Vec::new();
    if counts.open_tasks > 0 {
        notes.push(Text::new(
            format!("准入后，{} 个未提交的任务从版本 {from} 转到版本 {to}，其中 {} 份草稿随之迁移", counts.open_tasks, counts.drafts),
            format!(
                "on approval {} open tasks move from version {from} to {to}, {} drafts migrated with them",
                counts.open_tasks, counts.drafts
            ),
        ));
    } else {
        notes.push(Text::new("没有未提交的任务需要转移", "no open task moves"));
    }
    for r in &diff.renamed {
        let title = new.field(&r.to).map_or(r.to.as_str(), |f| f.title.as_str());
        notes.push(Text::new(
            format!("改名字段「{title}」：草稿和汇总中的旧数据随之迁移（{} → {}）", r.from, r.to),
            format!("renamed field {title}: drafts and the summary carry old data over ({} → {})", r.from, r.to),
        ));
    }
    if counts.submitted > 0 {
        notes.push(Text::new(
            format!("已提交的 {} 份数据仍按原版本保存，不会改动", counts.submitted),
            format!("the {} submissions already made stay under their version, unchanged", counts.submitted),
        ));
    }
    for f in &removed_data {
        notes.push(Text::new(
            format!("删除字段「{}」：版本 {from} 已收集的这一列不出现在新版本的汇总中；在汇总页选择“版本 {from}”仍可查看和导出", f.title),
            format!("removed field {}: data collected under version {from} is not in the new version's summary; pick version {from} in the summary to see and export it", f.title),
        ));
    }
    Consequences { counts, from_version: from, removed_data, notes }
}

/// Everything the review card shows beyond the burden analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ReviewDetail {
    pub fields: Vec<FieldDetail>,
    /// Against the published version, then against the last rejected filing.
    pub comparisons: Vec<Comparison>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consequences: Option<Consequences>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile;
    use serde_json::json;

    fn version(v: u32, properties: Value, required: &[&str]) -> CompiledTemplate {
        let doc = json!({
            "x-template": {"id": "subsidy", "version": v, "department": "区民政局"},
            "x-subject": {"entity": "person"},
            "title": "困难群众补贴发放表",
            "type": "object",
            "required": required,
            "properties": properties
        });
        compile(&doc, &Catalog::builtin().expect("catalog")).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn v1() -> CompiledTemplate {
        version(
            1,
            json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "id_number": {"type": "string", "title": "身份证号", "x-ledger": "person.id_number"},
                "amount": {"type": "number", "title": "补贴金额"},
                "visit_date": {"type": "string", "title": "走访日期", "format": "date"},
                "remarks": {"type": "string", "title": "备注"}
            }),
            &[],
        )
    }

    fn v2() -> CompiledTemplate {
        version(
            2,
            json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "id_number": {"type": "string", "title": "身份证号", "x-ledger": "person.id_number"},
                "amount": {"type": "number", "title": "补贴金额", "minimum": 0},
                "visited_on": {"type": "string", "title": "走访日期", "format": "date", "x-renamed-from": "visit_date"},
                "card": {"type": "string", "title": "银行卡号", "pattern": "^[0-9]{16,19}$", "x-sensitive": true},
                "yearly": {"type": "number", "title": "年补贴", "x-compute": "amount * 12"}
            }),
            &["amount"],
        )
    }

    #[test]
    fn every_field_says_its_type_rule_source_and_formula() {
        let details = field_details(&v2(), &Catalog::builtin().expect("catalog"));
        let by_key = |k: &str| details.iter().find(|d| d.key == k).expect(k);
        let id = by_key("id_number");
        assert_eq!((id.origin, id.source.as_deref(), id.sensitive), (FieldOrigin::Ledger, Some("人员 · 身份证号"), true));
        let amount = by_key("amount");
        assert_eq!(amount.kind.zh, "数字");
        assert_eq!(amount.rules.iter().map(|r| r.zh.as_str()).collect::<Vec<_>>(), ["必填", "最小 0"]);
        let card = by_key("card");
        assert!(card.sensitive && card.rules.iter().any(|r| r.zh.contains("^[0-9]{16,19}$")));
        assert_eq!(by_key("yearly").formula.as_deref(), Some("amount * 12"));
        assert_eq!(by_key("visited_on").kind.zh, "日期");
    }

    #[test]
    fn the_comparison_lists_added_removed_renamed_and_rule_changes() {
        let catalog = Catalog::builtin().expect("catalog");
        let c = compare(&v1(), &v2(), Baseline::Published { version: 1 }, &catalog);
        let keys = |list: &[FieldName]| list.iter().map(|f| f.title.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&c.added), ["银行卡号", "年补贴"]);
        assert_eq!(keys(&c.removed), ["备注"]);
        assert_eq!(c.renamed.len(), 1);
        assert_eq!((c.renamed[0].from.key.as_str(), c.renamed[0].to.key.as_str()), ("visit_date", "visited_on"));
        assert_eq!(c.changed.len(), 1, "{:?}", c.changed);
        assert_eq!(c.changed[0].key, "amount");
        assert!(c.changed[0].after.zh.contains("必填") && !c.changed[0].before.zh.contains("必填"));
        assert!(c.title.is_none());
        assert!(compare(&v1(), &v1(), Baseline::Published { version: 1 }, &catalog).is_empty());
    }

    #[test]
    fn consequences_count_the_work_under_way_and_warn_of_removed_data() {
        let c = consequences(&v1(), &v2(), WorkCounts { open_tasks: 5, drafts: 2, submitted: 8 });
        assert_eq!(c.removed_data.iter().map(|f| f.title.as_str()).collect::<Vec<_>>(), ["备注"]);
        let notes: Vec<&str> = c.notes.iter().map(|n| n.zh.as_str()).collect();
        assert!(notes[0].contains("5 个未提交的任务从版本 1 转到版本 2") && notes[0].contains("2 份草稿"), "{notes:?}");
        assert!(notes.iter().any(|n| n.contains("改名字段「走访日期」")));
        assert!(notes.iter().any(|n| n.contains("已提交的 8 份数据仍按原版本保存")));
        assert!(notes.iter().any(|n| n.contains("删除字段「备注」") && n.contains("选择“版本 1”")));
    }
}
