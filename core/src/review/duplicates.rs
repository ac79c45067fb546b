//! Duplicates as a reviewer finds them: a new field asks villages for
//! something the ledger already holds (bind it instead) or that a live
//! template already collects. Titles are read with [`titles`](super::titles),
//! the catalog's aliases name the items, and evidence beyond the title —
//! an identifying format or pattern, the same options, the same write-back
//! target — counts too. Every finding says why (its evidence) and how sure
//! (its kind and confidence), so the reviewer weighs it.

use serde::{Deserialize, Serialize};

use super::titles::ReadTitle;
use crate::catalog::{Catalog, CatalogItem};
use crate::compile::compiled::CompiledTemplate;
use crate::compile::plan::FieldPlan;
use crate::compile::warnings::{TemplateWarning, TemplateWarningCode};
use crate::template::Subject;

mod matching;

use crate::text::Text;
use matching::{Match, PatternReader, Side, checked, compare, compatible, field_side, finding, item_side, rank, subject_nouns};

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
