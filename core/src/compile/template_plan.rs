//! A compiled template as data: what a form needs to validate, compute and
//! show rows without the compiler (issue 14). The worker compiles a template
//! version once and sends this with every form it serves; the browser loads
//! it with [`CompiledTemplate::from_plan`], which runs only the small
//! engine's loader and the formula parser — never `compile`, `jsonschema`
//! or the catalog.

use serde::Serialize;
use serde_json::Value;

use super::compiled::CompiledTemplate;
use super::fields::ComputedField;
use super::plan::{Burden, FieldPlan, FieldSource};
use super::warnings::TemplateWarning;
use crate::formats::FormatContext;
use crate::template::{Subject, TemplateMeta};
use crate::text::Text;

/// The plan's wire format; a plan of another version is refused (the
/// browser then asks for the form again).
pub const PLAN_VERSION: u32 = 1;

/// A [`CompiledTemplate`] as JSON. Holds the template, never a row: nothing
/// in it is personal data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplatePlan {
    pub v: u32,
    pub meta: TemplateMeta,
    pub title: String,
    pub subject: Subject,
    pub fields: Vec<FieldPlan>,
    pub burden: Burden,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<TemplateWarning>,
    /// The template document as published (`x-board`, `if`/`then` of a
    /// pick form's kinds are read from it).
    pub schema: Value,
    /// The validation program every row is checked with.
    pub program: ybt_rules::Program,
    /// The fields computed by a formula, in evaluation (document) order;
    /// each formula is the field's `FieldSource::Computed` text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub computed: Vec<String>,
}

crate::read_object!(TemplatePlan { v, meta, title, subject, fields, burden, schema, program } default { warnings, computed });

/// Why a plan does not load: it was not written by this version's worker.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanError(pub String);

impl PlanError {
    pub fn text(&self) -> Text {
        Text::new(format!("报表计划无效（{}），请刷新后重试", self.0), format!("invalid form plan ({}): reload and try again", self.0))
    }
}

impl CompiledTemplate {
    /// This template as a plan, to send to a browser.
    pub fn plan(&self) -> TemplatePlan {
        TemplatePlan {
            v: PLAN_VERSION,
            meta: self.meta.clone(),
            title: self.title.clone(),
            subject: self.subject.clone(),
            fields: self.fields.clone(),
            burden: self.burden,
            warnings: self.warnings.clone(),
            schema: self.schema.clone(),
            program: self.program().clone(),
            computed: self.computed.iter().map(|c| c.key.clone()).collect(),
        }
    }

    /// A template from its plan: the same validation, formulas and field
    /// plan as the template the plan was made from, without compiling.
    pub fn from_plan(plan: TemplatePlan) -> Result<CompiledTemplate, PlanError> {
        if plan.v != PLAN_VERSION {
            return Err(PlanError(format!("version {} (this app reads {PLAN_VERSION})", plan.v)));
        }
        let mut computed = Vec::with_capacity(plan.computed.len());
        for key in &plan.computed {
            let Some(FieldSource::Computed { expr }) = plan.fields.iter().find(|f| &f.key == key).map(|f| &f.source) else {
                return Err(PlanError(format!("formula of `{key}` missing")));
            };
            let expr = crate::expr::parse(expr).map_err(|e| PlanError(format!("formula of `{key}` at {}", e.position + 1)))?;
            computed.push(ComputedField { key: key.clone(), aggregate: expr.is_aggregate(), expr });
        }
        let rules = ybt_rules::Rules::load(plan.program, FormatContext::default()).map_err(|e| PlanError(e.to_string()))?;
        Ok(CompiledTemplate {
            meta: plan.meta,
            title: plan.title,
            subject: plan.subject,
            fields: plan.fields,
            burden: plan.burden,
            warnings: plan.warnings,
            schema: plan.schema,
            rules,
            computed,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::compile::{compute_row, compute_summary};
    use crate::expr::Date;
    use crate::ids::OrgLevel;
    use crate::ledger::OrgUnit;
    use crate::{Catalog, compile, prefill_on, validate};

    fn village() -> OrgUnit {
        OrgUnit { code: "500118100001".into(), name: "青峰村".into(), level: OrgLevel::Village, parent_code: Some("500118100".into()) }
    }

    /// Values a village worker might type, valid or not, for any field.
    fn typed_values() -> Vec<Value> {
        vec![
            json!(""),
            json!("abc"),
            json!("11010519491231002X"),
            json!("13800138000"),
            json!("2024-02-30"),
            json!("2020-01-01"),
            json!("是"),
            json!("x".repeat(300)),
            json!(-1),
            json!(0),
            json!(2.5),
            json!(1e12),
            json!(true),
            json!(null),
            json!(["a"]),
            json!({"a": 1}),
        ]
    }

    /// Every shipped template, loaded from its plan after a trip through
    /// JSON, validates, computes and prefills as the compiled one: the
    /// prefilled rows, and each row with each field set to each typed value.
    #[test]
    fn a_plan_loaded_template_behaves_as_the_compiled_one() {
        let catalog = Catalog::builtin().expect("catalog");
        let unit = village();
        let records = crate::demo::ledger(&[(unit.clone(), "示例镇".into())], 30, 7);
        let today = Date::parse("2026-11-29").expect("date");
        let mut checked_rows = 0;
        for (file, text) in crate::schemas::BUILTIN_TEMPLATES {
            let compiled = compile(&serde_json::from_str(text).expect("json"), &catalog).expect("shipped template compiles");
            let wire = serde_json::to_string(&compiled.plan()).expect("plan serialises");
            let plan: TemplatePlan = serde_json::from_str(&wire).expect("plan reads back");
            assert_eq!(plan, compiled.plan(), "{file}: the plan survives JSON");
            let loaded = CompiledTemplate::from_plan(plan).expect("plan loads");
            assert_eq!(loaded.plan(), compiled.plan(), "{file}: loaded template plans the same");
            assert_eq!((&loaded.fields, &loaded.subject, loaded.burden), (&compiled.fields, &compiled.subject, compiled.burden));

            let form = prefill_on(&compiled, &unit, &records, today);
            assert_eq!(prefill_on(&loaded, &unit, &records, today), form, "{file}: same form");
            let mut rows: Vec<Map<String, Value>> = form.rows.iter().map(|r| r.values.clone()).collect();
            if rows.is_empty() {
                rows.push(Map::new());
            }
            let mut variants = Vec::new();
            for row in &rows {
                variants.push(row.clone());
                for field in &compiled.fields {
                    for value in typed_values() {
                        let mut changed = row.clone();
                        changed.insert(field.key.clone(), value);
                        variants.push(changed);
                    }
                }
            }
            for mut row in variants {
                let value = Value::Object(row.clone());
                assert_eq!(validate(&loaded, &value), validate(&compiled, &value), "{file}: errors of {value}");
                let mut again = row.clone();
                compute_row(&compiled, &mut row, Some(today));
                compute_row(&loaded, &mut again, Some(today));
                assert_eq!(again, row, "{file}: computed fields");
                checked_rows += 1;
            }
            assert_eq!(compute_summary(&loaded, &rows, Some(today)), compute_summary(&compiled, &rows, Some(today)), "{file}: summary");
        }
        assert!(checked_rows > 1000, "the comparison ran on {checked_rows} rows");
    }

    #[test]
    fn a_plan_of_another_version_or_with_a_broken_formula_is_refused() {
        let compiled = crate::test_support::dibao();
        let mut plan = compiled.plan();
        plan.v = PLAN_VERSION + 1;
        assert!(CompiledTemplate::from_plan(plan).is_err());
        let mut plan = compiled.plan();
        plan.computed.push("no_such_field".into());
        assert!(CompiledTemplate::from_plan(plan).is_err());
        let mut plan = compiled.plan();
        plan.program.v += 1;
        assert!(CompiledTemplate::from_plan(plan).is_err());
    }
}
