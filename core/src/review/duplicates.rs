//! Duplicates as a reviewer finds them: a new field asks villages for
//! something the ledger already holds (bind it instead) or that a live
//! template already collects. Titles are read with [`titles`](super::titles),
//! the catalog's aliases name the items, and evidence beyond the title —
//! an identifying format or pattern, the same options, the same write-back
//! target — counts too. Every finding says why (its evidence) and how sure
//! (its kind and confidence), so the reviewer weighs it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::titles::{PERSON_ATTRIBUTES, ReadTitle, entity_nouns, is_free_text, is_role};
use crate::catalog::{Catalog, CatalogItem};
use crate::compile::compiled::CompiledTemplate;
use crate::compile::plan::{FieldPlan, escape_pointer};
use crate::compile::validator::{SchemaValidator, ValidatorOptions};
use crate::compile::warnings::{IDENTIFYING_FORMATS, TemplateWarning, TemplateWarningCode};
use crate::template::Subject;
use crate::text::Text;

/// How a finding was made, from the surest to the least sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same title as people read it, or the same write-back target.
    Exact,
    /// A name the catalog lists for the item (`x-aliases`).
    Alias,
    /// An identifying format or pattern (ID number, mobile, credit code, division code).
    Format,
    /// Alike: a title once a common prefix is understood, or a like title
    /// with the same options, or the same specific options.
    Similar,
}

impl MatchKind {
    pub fn title(self) -> Text {
        match self {
            MatchKind::Exact => Text::new("同名", "exact"),
            MatchKind::Alias => Text::new("别名", "alias"),
            MatchKind::Format => Text::new("格式", "format"),
            MatchKind::Similar => Text::new("相似", "similar"),
        }
    }
}

/// How sure the analysis is that the field is a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn title(self) -> Text {
        match self {
            Confidence::High => Text::new("把握大", "high"),
            Confidence::Medium => Text::new("较有把握", "medium"),
            Confidence::Low => Text::new("仅供参考", "low"),
        }
    }
}

/// One reason a field is taken for another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// The titles read the same (full/half width, brackets, 号码/号/码).
    SameTitle { theirs: String },
    /// The title is one of the item's catalog names.
    Alias { alias: String },
    /// The titles agree once a prefix that does not change the item is set aside.
    CommonPrefix { prefix: String, stem: String },
    /// What stood in brackets or as a unit, set aside but shown (（元） vs 元).
    Qualifiers { ours: Vec<String>, theirs: Vec<String> },
    /// Both declare the same identifying format.
    SameFormat { format: String },
    /// A pattern that accepts exactly the values of an identifying format.
    PatternIsFormat { pattern: String, format: String },
    /// Both are choices among (nearly) the same options.
    SameOptions { options: Vec<String> },
    /// Both write back the same ledger item.
    SameWriteback { item: String },
    /// Both titles name the same ledger item.
    SameItemName { item: String },
    /// A word describing the row's subject before a person's attribute
    /// (受灾人员姓名 on a form about people is their 姓名).
    Describes { qualifier: String, attribute: String },
    /// The titles share their head once generic words are set aside (房屋结构, 结构类型).
    SameHead { head: String },
    /// The types differ (the field may still ask the same thing).
    TypeDiffers { ours: String, theirs: String },
}

fn format_title(format: &str) -> &'static str {
    match format {
        "cn-id-number" => "身份证号",
        "cn-mobile" => "手机号",
        "cn-credit-code" => "统一社会信用代码",
        "cn-division-code" => "区划代码",
        _ => "格式",
    }
}

impl Evidence {
    /// One line for the reviewer.
    pub fn describe(&self) -> Text {
        match self {
            Evidence::SameTitle { theirs } => Text::new(
                format!("名称相同（全半角、括号、号码读作一样）：“{theirs}”"),
                format!("same title as read (width, brackets, 号码 folded): \"{theirs}\""),
            ),
            Evidence::Alias { alias } => {
                Text::new(format!("台账目录把“{alias}”列为该项的叫法"), format!("the catalog lists \"{alias}\" as a name of this item"))
            }
            Evidence::CommonPrefix { prefix, stem } => Text::new(
                format!("“{prefix}”不改变所问内容，都是“{stem}”"),
                format!("\"{prefix}\" does not change what is asked: both are \"{stem}\""),
            ),
            Evidence::Qualifiers { ours, theirs } => {
                let show = |q: &[String]| if q.is_empty() { "—".to_owned() } else { q.join("、") };
                Text::new(
                    format!("括号与单位另看：本表 {}，对方 {}", show(ours), show(theirs)),
                    format!("brackets and units set aside: ours {}, theirs {}", show(ours), show(theirs)),
                )
            }
            Evidence::SameFormat { format } => {
                Text::new(format!("格式相同：{}", format_title(format)), format!("same identifying format: {format}"))
            }
            Evidence::PatternIsFormat { pattern, format } => Text::new(
                format!("正则 {pattern} 只接受{}", format_title(format)),
                format!("pattern {pattern} accepts exactly {format} values"),
            ),
            Evidence::SameOptions { options } => {
                Text::new(format!("选项相同：{}", options.join("、")), format!("same options: {}", options.join(", ")))
            }
            Evidence::SameWriteback { item } => {
                Text::new(format!("写回同一台账数据项 {item}"), format!("writes back the same ledger item {item}"))
            }
            Evidence::SameItemName { item } => {
                Text::new(format!("两个名称都是台账数据项 {item} 的叫法"), format!("both titles name ledger item {item}"))
            }
            Evidence::Describes { qualifier, attribute } => Text::new(
                format!("“{qualifier}”说的是本表的对象，所问是其“{attribute}”"),
                format!("\"{qualifier}\" describes the form's subject; what is asked is its \"{attribute}\""),
            ),
            Evidence::SameHead { head } => Text::new(format!("名称都指“{head}”"), format!("both titles are about \"{head}\"")),
            Evidence::TypeDiffers { ours, theirs } => {
                Text::new(format!("类型不同：{ours} / {theirs}"), format!("types differ: {ours} / {theirs}"))
            }
        }
    }
}

/// What a new field duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DuplicateTarget {
    /// A ledger item the form could bind (`x-ledger`): pre-filled, not typed.
    Ledger { item: String, title: String },
    /// A new field of a live template (the newest approved version of another template).
    Template { template_id: String, template_title: String, version: u32, key: String, title: String },
}

impl DuplicateTarget {
    /// `ledger:person.address` or `template:dibao-monthly-visit/visited_on`:
    /// how the labelled set names targets.
    pub fn label(&self) -> String {
        match self {
            DuplicateTarget::Ledger { item, .. } => format!("ledger:{item}"),
            DuplicateTarget::Template { template_id, key, .. } => format!("template:{template_id}/{key}"),
        }
    }
}

/// A new field the villages would type again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateFinding {
    pub key: String,
    pub title: String,
    /// JSON pointer of the field in the template document.
    pub pointer: String,
    pub target: DuplicateTarget,
    /// How it was found.
    pub kind: MatchKind,
    pub confidence: Confidence,
    /// Why, strongest first.
    pub evidence: Vec<Evidence>,
    pub message: Text,
}

/// A live template's new fields, as the check reads them. The worker sends
/// these to the authoring page (`GET /api/templates/fields`), which runs the
/// same check on every edit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveTemplate {
    pub id: String,
    pub version: u32,
    pub title: String,
    pub department: String,
    /// Its new (typed) fields only.
    pub fields: Vec<FieldPlan>,
}

impl LiveTemplate {
    pub fn of(template: &CompiledTemplate) -> LiveTemplate {
        LiveTemplate {
            id: template.meta.id.clone(),
            version: template.meta.version,
            title: template.title.clone(),
            department: template.meta.department.clone(),
            fields: template.fields.iter().filter(|f| f.is_new()).cloned().collect(),
        }
    }
}

/// Sample values of each identifying format: a pattern that accepts all of
/// one format's samples and none of the others' identifies that format.
const FORMAT_SAMPLES: &[(&str, &[&str])] = &[
    ("cn-id-number", &["11010519491231002X", "500118199001011230", "330106200512310417"]),
    ("cn-mobile", &["13800138000", "19912345678", "15023456789"]),
    ("cn-credit-code", &["91500118MA5U3K2D4X", "52500118MJP1234567", "12500118450423567N"]),
    ("cn-division-code", &["500118100001", "500118203211", "110105001001"]),
];

/// Reads patterns as formats, once per pattern.
#[derive(Default)]
struct PatternReader {
    seen: HashMap<String, Option<&'static str>>,
}

impl PatternReader {
    fn format(&mut self, pattern: &str) -> Option<&'static str> {
        if let Some(known) = self.seen.get(pattern) {
            return *known;
        }
        let found = SchemaValidator::new(&json!({"type": "string", "pattern": pattern}), &ValidatorOptions::default()).ok().and_then(|v| {
            let accepts_all = |samples: &[&str]| samples.iter().all(|s| v.is_valid(&json!(s)));
            let accepts_any = |samples: &[&str]| samples.iter().any(|s| v.is_valid(&json!(s)));
            let accepted: Vec<&'static str> = FORMAT_SAMPLES.iter().filter(|(_, s)| accepts_all(s)).map(|(f, _)| *f).collect();
            match accepted.as_slice() {
                [one] if FORMAT_SAMPLES.iter().filter(|(f, _)| f != one).all(|(_, s)| !accepts_any(s)) => Some(*one),
                _ => None,
            }
        });
        self.seen.insert(pattern.to_owned(), found);
        found
    }

    /// The identifying format of a field: declared, or read from its pattern.
    fn identify(&mut self, format: Option<&str>, pattern: Option<&str>) -> Option<(&'static str, Option<String>)> {
        if let Some(f) = format.and_then(|f| IDENTIFYING_FORMATS.iter().copied().find(|i| *i == f)) {
            return Some((f, None));
        }
        let pattern = pattern?;
        self.format(pattern).map(|f| (f, Some(pattern.to_owned())))
    }
}

/// One side of a comparison: what is known of a field or an item.
struct Side<'a> {
    title: ReadTitle,
    /// Other names (catalog aliases), read.
    aliases: Vec<ReadTitle>,
    json_type: Option<&'a str>,
    /// The identifying format and the pattern it was read from, if any.
    format: Option<(&'static str, Option<String>)>,
    options: Vec<String>,
    writeback: Option<&'a str>,
}

/// Whether one title is the other, a party (户主, 经营者, 承包方), with
/// 姓名 or 名称 after it: a party's value is its name.
fn named_party(a: &str, b: &str) -> bool {
    let party = |p: &str| p.chars().count() >= 2 && (is_role(p) || p.ends_with(['人', '方', '者', '主']));
    ["姓名", "名称", "名字"].iter().any(|tail| {
        a.strip_suffix(tail).is_some_and(|rest| rest == b && party(b)) || b.strip_suffix(tail).is_some_and(|rest| rest == a && party(a))
    })
}

fn numeric(t: Option<&str>) -> bool {
    matches!(t, Some("integer" | "number"))
}

fn compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || matches!((a, b), ("integer", "number") | ("number", "integer")),
        _ => true,
    }
}

/// Options compared after NFKC and trimming.
fn read_options(options: &[String]) -> Vec<String> {
    let mut out: Vec<String> = options.iter().map(|o| ReadTitle::new(o).core).filter(|o| !o.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

/// The options both sides share, when they are nearly the same set.
fn shared_options(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let shared: Vec<String> = a.iter().filter(|o| b.contains(o)).cloned().collect();
    let union = a.len() + b.len() - shared.len();
    (shared.len() >= 2 && shared.len() * 4 >= union * 3).then_some(shared)
}

/// Options that are answers to many questions: sharing them says nothing.
fn generic_options(options: &[String]) -> bool {
    const GENERIC: &[&str] = &["是", "否", "有", "无", "男", "女", "合格", "不合格", "良好", "一般", "较差", "差", "好", "其他"];
    options.iter().all(|o| GENERIC.contains(&o.as_str()))
}

/// What the comparison of a field with a candidate found.
struct Match {
    kind: MatchKind,
    confidence: Confidence,
    evidence: Vec<Evidence>,
}

/// Whether `ours` (a new field) asks for the same thing as `theirs`.
/// `sole_format`: `theirs` is the only item of the form's record types with
/// its identifying format (the house's only ID number is its owner's), so a
/// field of that format naming nobody else is it, whoever the item names.
fn compare(ours: &Side, theirs: &Side, sole_format: bool) -> Option<Match> {
    if ours.title.core.is_empty() {
        return None;
    }
    let mut evidence = Vec::new();
    let mut kind = None::<MatchKind>;
    let better = |k: MatchKind, kind: &mut Option<MatchKind>| *kind = Some(kind.map_or(k, |old| old.min(k)));
    if let (Some(a), Some(b)) = (ours.writeback, theirs.writeback)
        && a == b
    {
        evidence.push(Evidence::SameWriteback { item: a.to_owned() });
        better(MatchKind::Exact, &mut kind);
    }
    let same_role = ours.title.role == theirs.title.role;
    let types_ok = compatible(ours.json_type, theirs.json_type);
    // Titles.
    let mut title_match = false;
    if ours.title.core == theirs.title.core {
        evidence.push(Evidence::SameTitle { theirs: theirs.title.raw.clone() });
        better(MatchKind::Exact, &mut kind);
        title_match = true;
    } else if let Some(alias) = theirs.aliases.iter().find(|a| a.core == ours.title.core) {
        evidence.push(Evidence::Alias { alias: alias.raw.clone() });
        better(MatchKind::Alias, &mut kind);
        title_match = true;
    } else if named_party(&ours.title.core, &theirs.title.core) {
        evidence.push(Evidence::SameTitle { theirs: theirs.title.raw.clone() });
        better(MatchKind::Exact, &mut kind);
        title_match = true;
    } else if let Some(alias) = theirs.aliases.iter().find(|a| named_party(&ours.title.core, &a.core)) {
        evidence.push(Evidence::Alias { alias: alias.raw.clone() });
        better(MatchKind::Alias, &mut kind);
        title_match = true;
    } else if same_role && !(numeric(ours.json_type) && numeric(theirs.json_type)) {
        // A prefix that does not change the item, on either side. Not for
        // amounts and counts: 家庭月收入 is the household's, 月收入 one person's.
        let names = std::iter::once(&theirs.title).chain(theirs.aliases.iter());
        let found = names.into_iter().find_map(|name| {
            let ours_stem = ours.title.stem.as_ref();
            let theirs_stem = name.stem.as_ref();
            if let Some((stem, prefix)) = ours_stem.filter(|(s, _)| *s == name.core || theirs_stem.is_some_and(|(t, _)| t == s)) {
                return Some((prefix.clone(), stem.clone()));
            }
            theirs_stem.filter(|(s, _)| *s == ours.title.core).map(|(stem, prefix)| (prefix.clone(), stem.clone()))
        });
        if let Some((prefix, stem)) = found {
            evidence.push(Evidence::CommonPrefix { prefix, stem });
            better(MatchKind::Similar, &mut kind);
            title_match = true;
        }
    }
    // 受灾人员姓名: a description of the subject before a person's attribute.
    if !title_match && ours.title.role.is_none() && theirs.title.role.is_none() {
        let names = std::iter::once(&theirs.title).chain(theirs.aliases.iter());
        let found = names.into_iter().find_map(|name| {
            let attribute = PERSON_ATTRIBUTES.iter().find(|a| **a == name.core)?;
            // An organisation's telephone is not a person's (单位电话, 学校电话).
            const ORGANISATIONS: &[&str] = &["单位", "公司", "企业", "学校", "医院", "机构", "办公", "村委", "社区", "部门", "工作"];
            let qualifier = ours.title.core.strip_suffix(attribute).filter(|q| q.chars().count() >= 2)?;
            if ORGANISATIONS.iter().any(|o| qualifier.contains(o)) {
                return None;
            }
            Some((qualifier.to_owned(), (*attribute).to_owned()))
        });
        if let Some((qualifier, attribute)) = found {
            evidence.push(Evidence::Describes { qualifier, attribute });
            better(MatchKind::Similar, &mut kind);
            title_match = true;
        }
    }
    if title_match && (!ours.title.qualifiers.is_empty() || !theirs.title.qualifiers.is_empty()) {
        evidence.push(Evidence::Qualifiers { ours: ours.title.qualifiers.clone(), theirs: theirs.title.qualifiers.clone() });
    }
    // An identifying format: about the same person or body only.
    if let (Some((a, pattern)), Some((b, _))) = (&ours.format, &theirs.format)
        && a == b
        && (same_role || (sole_format && ours.title.role.is_none()))
        && types_ok
    {
        evidence.push(match pattern {
            Some(pattern) => Evidence::PatternIsFormat { pattern: pattern.clone(), format: (*a).to_owned() },
            None => Evidence::SameFormat { format: (*a).to_owned() },
        });
        better(MatchKind::Format, &mut kind);
    }
    // Options: specific ones alone, generic ones only beside a like title.
    let shared = if same_role && types_ok { shared_options(&ours.options, &theirs.options) } else { None };
    let head = ours.title.head();
    let same_head = same_role && head.chars().count() >= 2 && head == theirs.title.head();
    if let Some(options) = shared {
        let specific = options.len() >= 4 && !generic_options(&options);
        if title_match || same_head || specific {
            if same_head && !title_match {
                evidence.push(Evidence::SameHead { head: head.to_owned() });
            }
            evidence.push(Evidence::SameOptions { options });
            better(MatchKind::Similar, &mut kind);
        }
    }
    let kind = kind?;
    if !types_ok && let (Some(a), Some(b)) = (ours.json_type, theirs.json_type) {
        evidence.push(Evidence::TypeDiffers { ours: a.to_owned(), theirs: b.to_owned() });
    }
    let supporting = evidence.iter().filter(|e| !matches!(e, Evidence::Qualifiers { .. } | Evidence::TypeDiffers { .. })).count();
    let confidence = match kind {
        _ if !types_ok => Confidence::Low,
        MatchKind::Exact | MatchKind::Alias => Confidence::High,
        MatchKind::Format if supporting >= 2 => Confidence::High,
        MatchKind::Format => Confidence::Medium,
        // The prefixes are a curated list: understood, not guessed.
        MatchKind::Similar if supporting >= 2 || evidence.iter().any(|e| matches!(e, Evidence::CommonPrefix { .. })) => Confidence::Medium,
        MatchKind::Similar => Confidence::Low,
    };
    Some(Match { kind, confidence, evidence })
}

/// The best of several matches: surest kind, then confidence, then most evidence.
fn rank(m: &Match) -> (MatchKind, Confidence, usize) {
    (m.kind, m.confidence, usize::MAX - m.evidence.len())
}

/// Whether a field is one the check reads: typed by staff, a single value,
/// not a per-report note.
fn checked(field: &FieldPlan, title: &ReadTitle) -> bool {
    field.is_new() && !matches!(field.json_type.as_deref(), Some("array" | "object")) && !is_free_text(title)
}

/// The nouns of the record types a form's rows are about, as prefixes.
fn subject_nouns<'c>(subject: &Subject, catalog: &'c Catalog) -> Vec<&'c str> {
    let mut entities: Vec<&str> = catalog.items().map(|i| i.entity.as_str()).filter(|e| subject.binds(e)).collect();
    entities.dedup();
    entities.iter().flat_map(|e| entity_nouns(e).iter().copied().chain(catalog.entity_title(e))).collect()
}

fn item_side<'a>(item: &'a CatalogItem, nouns: &[&str], patterns: &mut PatternReader) -> Side<'a> {
    Side {
        title: ReadTitle::with_prefixes(&item.title, nouns),
        aliases: item.aliases.iter().map(|a| ReadTitle::with_prefixes(a, nouns)).collect(),
        json_type: item.json_type.as_deref(),
        format: patterns.identify(item.format.as_deref(), item.pattern.as_deref()),
        options: read_options(&item.options),
        writeback: None,
    }
}

fn field_side<'a>(field: &'a FieldPlan, nouns: &[&str], patterns: &mut PatternReader) -> Side<'a> {
    Side {
        title: ReadTitle::with_prefixes(&field.title, nouns),
        aliases: Vec::new(),
        json_type: field.json_type.as_deref(),
        format: patterns.identify(field.format.as_deref(), field.pattern.as_deref()),
        options: read_options(&field.options),
        writeback: field.writeback.as_deref(),
    }
}

fn finding(field: &FieldPlan, target: DuplicateTarget, m: Match) -> DuplicateFinding {
    let why_zh: Vec<String> = m.evidence.iter().map(|e| e.describe().zh).collect();
    let why_en: Vec<String> = m.evidence.iter().map(|e| e.describe().en).collect();
    let message = match &target {
        DuplicateTarget::Ledger { item, title } => Text::new(
            format!("新填字段“{}”与台账数据项“{title}”（{item}）重复：{}。绑定台账即可自动填入", field.title, why_zh.join("；")),
            format!("new field \"{}\" duplicates ledger item {item} ({title}): {}. Bind it to pre-fill it", field.title, why_en.join("; ")),
        ),
        DuplicateTarget::Template { template_id, template_title, title, .. } => Text::new(
            format!("新填字段“{}”与在用报表《{template_title}》的“{title}”重复：{}", field.title, why_zh.join("；")),
            format!("new field \"{}\" duplicates \"{title}\" of live template {template_id}: {}", field.title, why_en.join("; ")),
        ),
    };
    DuplicateFinding {
        key: field.key.clone(),
        title: field.title.clone(),
        pointer: format!("/properties/{}", escape_pointer(&field.key)),
        target,
        kind: m.kind,
        confidence: m.confidence,
        evidence: m.evidence,
        message,
    }
}

/// New fields that repeat a ledger item the form could bind instead: at
/// most one finding per field, the best. Fields written back to the ledger
/// (`x-writeback`) collect an update on purpose and are not findings.
pub fn against_ledger(fields: &[FieldPlan], catalog: &Catalog, subject: &Subject) -> Vec<DuplicateFinding> {
    let mut patterns = PatternReader::default();
    let nouns = subject_nouns(subject, catalog);
    let items: Vec<(&CatalogItem, Side)> =
        catalog.items().filter(|i| subject.binds(&i.entity)).map(|i| (i, item_side(i, &nouns, &mut patterns))).collect();
    let sole = |side: &Side| {
        side.format.as_ref().is_some_and(|(f, _)| items.iter().filter(|(_, o)| o.format.as_ref().is_some_and(|(g, _)| g == f)).count() == 1)
    };
    let mut out = Vec::new();
    for field in fields.iter().filter(|f| f.writeback.is_none()) {
        let ours = field_side(field, &nouns, &mut patterns);
        if !checked(field, &ours.title) {
            continue;
        }
        let best =
            items.iter().filter_map(|(item, side)| compare(&ours, side, sole(side)).map(|m| (*item, m))).min_by_key(|(_, m)| rank(m));
        if let Some((item, m)) = best {
            out.push(finding(field, DuplicateTarget::Ledger { item: item.name.clone(), title: item.title.clone() }, m));
        }
    }
    out
}

/// Every finding of `template`: against the ledger items its rows could
/// bind, and, for fields with none, against the new fields of the `live`
/// templates (its own older versions skipped). At most one finding per
/// field and live template.
pub fn find(template: &CompiledTemplate, catalog: &Catalog, live: &[LiveTemplate]) -> Vec<DuplicateFinding> {
    let mut out = against_ledger(&template.fields, catalog, &template.subject);
    let mut patterns = PatternReader::default();
    let nouns = subject_nouns(&template.subject, catalog);
    // Which ledger items a title names, in any record type.
    let catalog_names: Vec<(&str, Vec<String>)> = catalog
        .items()
        .map(|i| (i.name.as_str(), std::iter::once(&i.title).chain(&i.aliases).map(|t| ReadTitle::new(t).core).collect()))
        .collect();
    fn names<'c>(catalog_names: &[(&'c str, Vec<String>)], title: &ReadTitle) -> Vec<&'c str> {
        catalog_names.iter().filter(|(_, cores)| cores.contains(&title.core)).map(|(name, _)| *name).collect()
    }
    let names_of = |title: &ReadTitle| names(&catalog_names, title);
    for field in &template.fields {
        let ours = field_side(field, &nouns, &mut patterns);
        if !checked(field, &ours.title) || out.iter().any(|f| f.key == field.key) {
            continue;
        }
        let our_items = names_of(&ours.title);
        let mut found = Vec::new();
        for other in live.iter().filter(|t| t.id != template.meta.id) {
            let best = other
                .fields
                .iter()
                .filter_map(|o| {
                    let theirs = field_side(o, &nouns, &mut patterns);
                    if !checked(o, &theirs.title) {
                        return None;
                    }
                    let m = compare(&ours, &theirs, false).or_else(|| {
                        let item = names_of(&theirs.title).into_iter().find(|i| our_items.contains(i))?;
                        let types_ok = compatible(ours.json_type, theirs.json_type);
                        Some(Match {
                            kind: MatchKind::Alias,
                            confidence: if types_ok { Confidence::High } else { Confidence::Low },
                            evidence: vec![Evidence::SameItemName { item: item.to_owned() }],
                        })
                    })?;
                    Some((o, m))
                })
                .min_by_key(|(_, m)| rank(m));
            if let Some((o, m)) = best {
                let target = DuplicateTarget::Template {
                    template_id: other.id.clone(),
                    template_title: other.title.clone(),
                    version: other.version,
                    key: o.key.clone(),
                    title: o.title.clone(),
                };
                found.push(finding(field, target, m));
            }
        }
        out.extend(found);
    }
    // In the template's column order.
    let order = |key: &str| template.fields.iter().position(|f| f.key == key).unwrap_or(usize::MAX);
    out.sort_by_key(|f| order(&f.key));
    out
}

/// One warning per new field that repeats an item of the subject's record
/// type it could have bound to, as the review reads it
/// ([`against_ledger`]): the compiler's burden warnings.
pub(crate) fn ledger_warnings(fields: &[FieldPlan], catalog: &Catalog, subject: &Subject) -> Vec<TemplateWarning> {
    against_ledger(fields, catalog, subject)
        .into_iter()
        .map(|f| {
            let item = match &f.target {
                DuplicateTarget::Ledger { item, .. } => item.clone(),
                DuplicateTarget::Template { .. } => String::new(),
            };
            TemplateWarning {
                pointer: f.pointer,
                code: TemplateWarningCode::DuplicatesLedgerItem,
                hint: Text::new(
                    format!("加上 \"x-ledger\": \"{item}\" 以自动填入"),
                    format!("add \"x-ledger\": \"{item}\" to pre-fill it"),
                ),
                item,
                message: f.message,
            }
        })
        .collect()
}
