//! How a finding is made: a field and a ledger item (or another
//! template's field) read side by side — titles, aliases, identifying
//! formats or patterns, options, write-back targets — and compared.

use std::collections::HashMap;

use serde_json::json;

use super::{Confidence, DuplicateFinding, DuplicateTarget, Evidence, MatchKind};
use crate::catalog::{Catalog, CatalogItem};
use crate::compile::plan::{FieldPlan, escape_pointer};
use crate::compile::warnings::IDENTIFYING_FORMATS;
use crate::compile::{FormatMode, compile_program};
use crate::review::titles::{PERSON_ATTRIBUTES, ReadTitle, entity_nouns, is_free_text, is_role};
use crate::template::Subject;
use crate::text::Text;

/// Sample values of each identifying format: a pattern that accepts all of
/// one format's samples and none of the others' identifies that format.
pub(super) const FORMAT_SAMPLES: &[(&str, &[&str])] = &[
    ("cn-id-number", &["11010519491231002X", "500118199001011230", "330106200512310417"]),
    ("cn-mobile", &["13800138000", "19912345678", "15023456789"]),
    ("cn-credit-code", &["91500118MA5U3K2D4X", "52500118MJP1234567", "12500118450423567N"]),
    ("cn-division-code", &["500118100001", "500118203211", "110105001001"]),
];

/// Reads patterns as formats, once per pattern.
#[derive(Default)]
pub(super) struct PatternReader {
    pub(super) seen: HashMap<String, Option<&'static str>>,
}

impl PatternReader {
    pub(super) fn format(&mut self, pattern: &str) -> Option<&'static str> {
        if let Some(known) = self.seen.get(pattern) {
            return *known;
        }
        // The pattern as templates' rows run it: a program on the rules engine.
        let rules = compile_program(&json!({"type": "string", "pattern": pattern}), FormatMode::Assert)
            .ok()
            .and_then(|program| ybt_rules::Rules::load(program, Default::default()).ok());
        let found = rules.and_then(|v| {
            let accepts_all = |samples: &[&str]| samples.iter().all(|s| v.is_valid_json(&json!(s).to_string()));
            let accepts_any = |samples: &[&str]| samples.iter().any(|s| v.is_valid_json(&json!(s).to_string()));
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
    pub(super) fn identify(&mut self, format: Option<&str>, pattern: Option<&str>) -> Option<(&'static str, Option<String>)> {
        if let Some(f) = format.and_then(|f| IDENTIFYING_FORMATS.iter().copied().find(|i| *i == f)) {
            return Some((f, None));
        }
        let pattern = pattern?;
        self.format(pattern).map(|f| (f, Some(pattern.to_owned())))
    }
}

/// One side of a comparison: what is known of a field or an item.
pub(super) struct Side<'a> {
    pub(super) title: ReadTitle,
    /// Other names (catalog aliases), read.
    pub(super) aliases: Vec<ReadTitle>,
    pub(super) json_type: Option<&'a str>,
    /// The identifying format and the pattern it was read from, if any.
    pub(super) format: Option<(&'static str, Option<String>)>,
    pub(super) options: Vec<String>,
    pub(super) writeback: Option<&'a str>,
}

/// Whether one title is the other, a party (户主, 经营者, 承包方), with
/// 姓名 or 名称 after it: a party's value is its name.
pub(super) fn named_party(a: &str, b: &str) -> bool {
    let party = |p: &str| p.chars().count() >= 2 && (is_role(p) || p.ends_with(['人', '方', '者', '主']));
    ["姓名", "名称", "名字"].iter().any(|tail| {
        a.strip_suffix(tail).is_some_and(|rest| rest == b && party(b)) || b.strip_suffix(tail).is_some_and(|rest| rest == a && party(a))
    })
}

pub(super) fn numeric(t: Option<&str>) -> bool {
    matches!(t, Some("integer" | "number"))
}

pub(super) fn compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || matches!((a, b), ("integer", "number") | ("number", "integer")),
        _ => true,
    }
}

/// Options compared after NFKC and trimming.
pub(super) fn read_options(options: &[String]) -> Vec<String> {
    let mut out: Vec<String> = options.iter().map(|o| ReadTitle::new(o).core).filter(|o| !o.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

/// The options both sides share, when they are nearly the same set.
pub(super) fn shared_options(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let shared: Vec<String> = a.iter().filter(|o| b.contains(o)).cloned().collect();
    let union = a.len() + b.len() - shared.len();
    (shared.len() >= 2 && shared.len() * 4 >= union * 3).then_some(shared)
}

/// Options that are answers to many questions: sharing them says nothing.
pub(super) fn generic_options(options: &[String]) -> bool {
    const GENERIC: &[&str] = &["是", "否", "有", "无", "男", "女", "合格", "不合格", "良好", "一般", "较差", "差", "好", "其他"];
    options.iter().all(|o| GENERIC.contains(&o.as_str()))
}

/// What the comparison of a field with a candidate found.
pub(super) struct Match {
    pub(super) kind: MatchKind,
    pub(super) confidence: Confidence,
    pub(super) evidence: Vec<Evidence>,
}

/// Whether `ours` (a new field) asks for the same thing as `theirs`.
/// `sole_format`: `theirs` is the only item of the form's record types with
/// its identifying format (the house's only ID number is its owner's), so a
/// field of that format naming nobody else is it, whoever the item names.
pub(super) fn compare(ours: &Side, theirs: &Side, sole_format: bool) -> Option<Match> {
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
pub(super) fn rank(m: &Match) -> (MatchKind, Confidence, usize) {
    (m.kind, m.confidence, usize::MAX - m.evidence.len())
}

/// Whether a field is one the check reads: typed by staff, a single value,
/// not a per-report note.
pub(super) fn checked(field: &FieldPlan, title: &ReadTitle) -> bool {
    field.is_new() && !matches!(field.json_type.as_deref(), Some("array" | "object")) && !is_free_text(title)
}

/// The nouns of the record types a form's rows are about, as prefixes.
pub(super) fn subject_nouns<'c>(subject: &Subject, catalog: &'c Catalog) -> Vec<&'c str> {
    let mut entities: Vec<&str> = catalog.items().map(|i| i.entity.as_str()).filter(|e| subject.binds(e)).collect();
    entities.dedup();
    entities.iter().flat_map(|e| entity_nouns(e).iter().copied().chain(catalog.entity_title(e))).collect()
}

pub(super) fn item_side<'a>(item: &'a CatalogItem, nouns: &[&str], patterns: &mut PatternReader) -> Side<'a> {
    Side {
        title: ReadTitle::with_prefixes(&item.title, nouns),
        aliases: item.aliases.iter().map(|a| ReadTitle::with_prefixes(a, nouns)).collect(),
        json_type: item.json_type.as_deref(),
        format: patterns.identify(item.format.as_deref(), item.pattern.as_deref()),
        options: read_options(&item.options),
        writeback: None,
    }
}

pub(super) fn field_side<'a>(field: &'a FieldPlan, nouns: &[&str], patterns: &mut PatternReader) -> Side<'a> {
    Side {
        title: ReadTitle::with_prefixes(&field.title, nouns),
        aliases: Vec::new(),
        json_type: field.json_type.as_deref(),
        format: patterns.identify(field.format.as_deref(), field.pattern.as_deref()),
        options: read_options(&field.options),
        writeback: field.writeback.as_deref(),
    }
}

pub(super) fn finding(field: &FieldPlan, target: DuplicateTarget, m: Match) -> DuplicateFinding {
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
