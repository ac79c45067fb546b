//! Measuring the duplicate check: a labelled set of department forms whose
//! every new field says what it duplicates (a ledger item, a field of a
//! live template, or nothing), scored as recall and precision. The set is
//! `core/tests/data/duplicates_labelled.json`; `cargo run -p ybt-core
//! --example bench_duplicates` prints the figures and a native test holds
//! them to the target.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::duplicates::{self, LiveTemplate, MatchKind};
use crate::catalog::Catalog;
use crate::compile::compile;

/// The labelled set as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledSet {
    /// Templates taken as live (published) while the forms are checked.
    pub live: Vec<Value>,
    pub forms: Vec<LabelledForm>,
}

/// One department form: a template document and a label per new field.
#[derive(Debug, Clone, Deserialize)]
pub struct LabelledForm {
    /// Which department's form it is modelled on.
    pub source: String,
    pub document: Value,
    /// New field key → `"none"`, a target (`ledger:person.address`,
    /// `template:dibao-monthly-visit/visited_on`) or a list of targets, any
    /// of which is right.
    pub labels: BTreeMap<String, Label>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Label {
    One(String),
    Any(Vec<String>),
}

impl Label {
    fn targets(&self) -> Vec<String> {
        match self {
            Label::One(t) if t == "none" => Vec::new(),
            Label::One(t) => vec![t.clone()],
            Label::Any(list) => list.clone(),
        }
    }
}

/// A field the check got wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub form: String,
    pub key: String,
    pub title: String,
    pub expected: Vec<String>,
    pub found: Vec<String>,
}

/// The figures of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub forms: usize,
    /// Labelled new fields.
    pub fields: usize,
    /// Of them, labelled duplicates.
    pub duplicates: usize,
    /// Labelled near-misses and other fields that must not be flagged.
    pub negatives: usize,
    /// Flagged fields whose findings include a right target.
    pub true_positives: usize,
    /// Flagged fields with no right target (a non-duplicate, or the wrong item).
    pub false_positives: Vec<Miss>,
    /// Duplicates not flagged with a right target.
    pub false_negatives: Vec<Miss>,
    /// Findings (field, target) in all, and how many name a right target.
    pub findings: usize,
    pub right_findings: usize,
    /// Right findings per kind.
    pub by_kind: BTreeMap<&'static str, (usize, usize)>,
}

impl Scores {
    /// Share of flagged fields that are right.
    pub fn precision(&self) -> f64 {
        let flagged = self.true_positives + self.false_positives.len();
        if flagged == 0 { 1.0 } else { self.true_positives as f64 / flagged as f64 }
    }

    /// Share of duplicates flagged with a right target.
    pub fn recall(&self) -> f64 {
        if self.duplicates == 0 { 1.0 } else { self.true_positives as f64 / self.duplicates as f64 }
    }

    /// Share of findings naming a right target.
    pub fn finding_precision(&self) -> f64 {
        if self.findings == 0 { 1.0 } else { self.right_findings as f64 / self.findings as f64 }
    }
}

/// Why a labelled set cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelError {
    #[error("not a labelled set: {0}")]
    Json(String),
    #[error("{form}: does not compile: {reason}")]
    Compile { form: String, reason: String },
    #[error("{form}: new field `{key}` has no label")]
    Unlabelled { form: String, key: String },
    #[error("{form}: label `{key}` names no new field")]
    UnknownKey { form: String, key: String },
}

fn kind_name(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "exact",
        MatchKind::Alias => "alias",
        MatchKind::Format => "format",
        MatchKind::Similar => "similar",
    }
}

/// Scores the duplicate check on a labelled set given as JSON text.
pub fn score_text(text: &str, catalog: &Catalog) -> Result<Scores, LabelError> {
    let set: LabelledSet = serde_json::from_str(text).map_err(|e| LabelError::Json(e.to_string()))?;
    score(&set, catalog)
}

/// Scores the duplicate check on a labelled set.
pub fn score(set: &LabelledSet, catalog: &Catalog) -> Result<Scores, LabelError> {
    let compile_named = |doc: &Value, form: &str| {
        compile(doc, catalog).map_err(|e| LabelError::Compile {
            form: form.to_owned(),
            reason: e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        })
    };
    let mut live = Vec::new();
    for doc in &set.live {
        let id = doc.pointer("/x-template/id").and_then(Value::as_str).unwrap_or("live").to_owned();
        live.push(LiveTemplate::of(&compile_named(doc, &id)?));
    }
    let mut scores = Scores { forms: set.forms.len(), ..Scores::default() };
    for form in &set.forms {
        let template = compile_named(&form.document, &form.source)?;
        let findings = duplicates::find(&template, catalog, &live);
        for key in form.labels.keys() {
            if !template.fields.iter().any(|f| f.is_new() && &f.key == key) {
                return Err(LabelError::UnknownKey { form: form.source.clone(), key: key.clone() });
            }
        }
        for field in template.fields.iter().filter(|f| f.is_new()) {
            let label =
                form.labels.get(&field.key).ok_or_else(|| LabelError::Unlabelled { form: form.source.clone(), key: field.key.clone() })?;
            let expected = label.targets();
            let mine: Vec<_> = findings.iter().filter(|f| f.key == field.key).collect();
            let found: Vec<String> = mine.iter().map(|f| f.target.label()).collect();
            scores.fields += 1;
            if expected.is_empty() {
                scores.negatives += 1;
            } else {
                scores.duplicates += 1;
            }
            for f in &mine {
                let right = expected.contains(&f.target.label());
                scores.findings += 1;
                let entry = scores.by_kind.entry(kind_name(f.kind)).or_default();
                entry.1 += 1;
                if right {
                    scores.right_findings += 1;
                    entry.0 += 1;
                }
            }
            let hit = found.iter().any(|t| expected.contains(t));
            let miss = || Miss {
                form: form.source.clone(),
                key: field.key.clone(),
                title: field.title.clone(),
                expected: expected.clone(),
                found: found.clone(),
            };
            if hit {
                scores.true_positives += 1;
            } else {
                if !found.is_empty() {
                    scores.false_positives.push(miss());
                }
                if !expected.is_empty() {
                    scores.false_negatives.push(miss());
                }
            }
        }
    }
    Ok(scores)
}
