//! The template compiler: a template document in, a validator plus a field
//! plan out — or every problem with the template at once.
//!
//! `template_limits` bounds the document first, `fields` builds the field plan
//! (bindings, formulas, write-back, UI hints), `warnings` finds burden the
//! author could avoid, `validator` builds the JSON Schema validator (the
//! meta-schema check and the conformance suite), `program` compiles the
//! template into the validation program every row is checked with.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::catalog::Catalog;

use crate::formats::{Divisions, FormatContext};
use crate::ids::TemplateRef;
use crate::template::{Subject, TemplateMeta};
use crate::text::Text;

mod automaton;
pub(crate) mod compiled;
mod error;
mod fields;
pub mod meta_schema;
pub(crate) mod plan;
mod program;
#[cfg(feature = "jsonschema")]
mod row_text;
mod template_limits;
mod template_plan;
pub(crate) mod validator;
pub(crate) mod warnings;

pub use compiled::{CompiledTemplate, compute_row, compute_summary};
pub(crate) use error::problem;
pub use error::{TemplateError, TemplateErrorCode};
pub(crate) use plan::escape_pointer;
pub use plan::{Burden, FieldPlan, FieldSource, InputKind, UiHints};

pub use fields::{MAX_WIDTH, WIDGETS};
pub use program::{ProgramError, compile_program};
pub use template_limits::{MAX_TEMPLATE_BYTES, MAX_TEMPLATE_DEPTH};
pub use template_plan::{PLAN_VERSION, PlanError, TemplatePlan};
#[cfg(feature = "jsonschema")]
pub use validator::SchemaValidator;
pub use validator::{BuildError, FormatMode, MAX_PATTERN_LEN, MAX_REGEX_SIZE, ValidatorOptions};
pub use warnings::{TemplateWarning, TemplateWarningCode};

/// Compiles a template document against the ledger catalog.
///
/// Returns every problem found, not just the first, so an author can fix
/// them in one pass.
pub fn compile(template: &Value, catalog: &Catalog) -> Result<CompiledTemplate, Vec<TemplateError>> {
    compile_with(template, catalog, &CompileOptions::default())
}

/// What a caller may add to a compilation: things core cannot load itself.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// The administrative divisions `cn-division-code` (and the region of
    /// `cn-id-number`) are checked against. `None`: shape and province only.
    pub divisions: Option<Arc<Divisions>>,
}

/// [`compile`] with options, e.g. the divisions the worker loaded.
pub fn compile_with(template: &Value, catalog: &Catalog, options: &CompileOptions) -> Result<CompiledTemplate, Vec<TemplateError>> {
    use TemplateErrorCode as C;
    let Some(doc) = template.as_object() else {
        return Err(vec![problem(
            "",
            C::NotAnObject,
            Text::new("模板必须是 JSON 对象", "a template must be a JSON object"),
            Text::new("以 { 开头，写出 JSON Schema", "write a JSON Schema object starting with {"),
        )]);
    };
    if let Some(error) = template_limits::check_size(template) {
        return Err(vec![error]);
    }
    let mut errors = Vec::new();

    let meta = match doc.get("x-template").cloned().map(serde_json::from_value::<TemplateMeta>) {
        Some(Ok(meta)) if TemplateRef::new(&meta.id, meta.version).is_ok() => Some(meta),
        Some(Ok(_)) => {
            errors.push(problem(
                "/x-template",
                C::InvalidTemplateId,
                Text::new("模板编号或版本无效", "invalid template id or version"),
                Text::new(
                    "编号用小写字母、数字和连字符（最多64个），版本为正整数",
                    "id: lowercase letters, digits and hyphens (≤ 64); version: a positive integer",
                ),
            ));
            None
        }
        _ => {
            errors.push(problem(
                "/x-template",
                C::MissingTemplateMeta,
                Text::new("缺少模板编号和版本（x-template）", "missing template id and version (x-template)"),
                Text::new(
                    r#"添加 "x-template": {"id": "my-report", "version": 1}"#,
                    r#"add "x-template": {"id": "my-report", "version": 1}"#,
                ),
            ));
            None
        }
    };

    let subject = match doc.get("x-subject").cloned().map(serde_json::from_value::<Subject>) {
        None => Some(Subject::org_unit()),
        Some(Ok(subject)) => Some(subject),
        Some(Err(e)) => {
            errors.push(problem(
                "/x-subject",
                C::InvalidSubject,
                Text::new(format!("x-subject 无效：{e}"), format!("invalid x-subject: {e}")),
                Text::new(
                    r#"写成 {"entity": "person", "filter": {"tags": "低保"}}"#,
                    r#"write {"entity": "person", "filter": {"tags": "低保"}}"#,
                ),
            ));
            None
        }
    };

    if let Some(subject) = &subject {
        check_subject(subject, doc, catalog, &mut errors);
    }

    for found in meta_schema::check(template) {
        let (zh, hint) = meta_schema_words(&found);
        let (_, en) = found.shape.words();
        errors.push(problem(
            found.pointer,
            C::MetaSchema,
            Text::new(zh, format!("not valid JSON Schema: `{}` takes {en}", found.keyword)),
            Text::new(hint, "fix this to follow JSON Schema 2020-12"),
        ));
    }

    template_limits::check_schema_walk(template, "", &mut errors);

    let (fields, computed) = fields::plan(doc, catalog, subject.as_ref(), &mut errors);

    let validator = if errors.is_empty() {
        let formats = FormatContext { divisions: options.divisions.clone() };
        match compile_program(template, FormatMode::Assert) {
            Ok(program) => match ybt_rules::Rules::load(program, formats) {
                Ok(rules) => Some(rules),
                Err(e) => {
                    errors.push(problem(
                        "",
                        C::InvalidSchema,
                        Text::new(format!("无法编译：{e}"), format!("cannot compile: {e}")),
                        Text::new("检查此处的正则表达式或引用", "check the pattern or reference here"),
                    ));
                    None
                }
            },
            Err(program::ProgramError { pointer, keyword, reason, zh: Some(zh) }) => {
                // A pattern the engine's automata cannot express.
                errors.push(problem(
                    pointer,
                    C::InvalidPattern,
                    Text::new(format!("{keyword} 的正则表达式无法使用：{zh}"), format!("`{keyword}`: {reason}")),
                    Text::new(
                        "改写正则表达式，或改选现成格式（身份证号、手机号码等）",
                        "rewrite the regex, or pick a ready-made format (ID number, mobile …)",
                    ),
                ));
                None
            }
            Err(e) => {
                errors.push(problem(
                    e.pointer.clone(),
                    C::UnsupportedKeyword,
                    Text::new(format!("不支持 {}：{}", e.keyword, e.reason), format!("`{}` is not supported: {}", e.keyword, e.reason)),
                    Text::new(
                        format!("删除或改写 {}（模板可用的关键字见 docs/templates.md）", e.keyword),
                        format!("remove or rewrite `{}` (docs/templates.md lists the keywords templates may use)", e.keyword),
                    ),
                ));
                None
            }
        }
    } else {
        None
    };

    match (meta, subject, validator) {
        (Some(meta), Some(subject), Some(validator)) if errors.is_empty() => {
            let count = |pred: fn(&FieldPlan) -> bool| fields.iter().filter(|f| pred(f)).count();
            let burden = Burden {
                prefilled: count(|f| matches!(f.source, FieldSource::Ledger { .. })),
                new: count(FieldPlan::is_new),
                computed: count(FieldPlan::is_computed),
            };
            Ok(CompiledTemplate {
                title: doc.get("title").and_then(Value::as_str).unwrap_or(&meta.id).to_owned(),
                warnings: crate::review::duplicates::ledger_warnings(&fields, catalog, &subject),
                meta,
                subject,
                fields,
                burden,
                schema: template.clone(),
                rules: validator,
                computed,
            })
        }
        _ => Err(errors),
    }
}

/// A meta-schema failure in words: what the keyword at the pointer takes.
fn meta_schema_words(found: &meta_schema::MetaProblem) -> (String, String) {
    let keyword = found.pointer.rsplit('/').next().unwrap_or_default();
    let (what, hint): (&str, &str) = match keyword {
        "type" => (
            "type 只能是 string（文本）、number（数字）、integer（整数）、boolean（是/否）、array（列表）、object（对象）、null 之一",
            "改为其中之一，如 \"type\": \"string\"；注意拼写",
        ),
        "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
            ("最小值、最大值须为数字", "去掉数字两边的引号，如 \"minimum\": 0")
        }
        "multipleOf" => ("multipleOf 须为大于 0 的数字", "写成数字，如 \"multipleOf\": 0.01"),
        "maxLength" | "minLength" | "maxItems" | "minItems" => ("长度须为不小于 0 的整数", "写成整数，如 \"maxLength\": 200"),
        "required" => ("required 应为字段名的列表，且不重复", "写成 \"required\": [\"name\", \"phone\"]"),
        "enum" => ("enum 应为选项的列表", "写成 \"enum\": [\"是\", \"否\"]"),
        "properties" | "$defs" => ("应为对象：字段名对应字段的定义", "写成 \"properties\": {\"name\": {\"type\": \"string\"}}"),
        "title" | "description" | "pattern" | "format" | "$ref" => ("应为文本（加英文双引号）", "写成 \"…\" 的形式"),
        _ => ("", "按 JSON Schema 2020-12 的写法修改此处"),
    };
    let what = if what.is_empty() {
        format!("不是有效的 JSON Schema：{} {}", found.keyword, found.shape.words().0)
    } else {
        what.to_owned()
    };
    (what, hint.to_owned())
}

/// An `each` subject names a record type; a `pick` subject names its kinds,
/// each with a catalog entity or none, and a kind field: a property whose
/// `enum` is exactly the kinds' names, so the validator checks every row's kind.
fn check_subject(subject: &Subject, doc: &Map<String, Value>, catalog: &Catalog, errors: &mut Vec<TemplateError>) {
    use TemplateErrorCode as C;
    let known = |entity: &str| entity == "org_unit" || catalog.items().any(|i| i.entity == entity);
    let mut bad = |pointer: String, zh: String, en: String| {
        errors.push(problem(
            pointer,
            C::InvalidSubject,
            Text::new(zh, en),
            Text::new(
                r#"逐条模式写 {"entity": "person"}；选取模式写 {"mode": "pick", "kind_field": "category", "kinds": [{"kind": "受灾人员", "entity": "person"}, {"kind": "易涝点"}]}"#,
                r#"each mode: {"entity": "person"}; pick mode: {"mode": "pick", "kind_field": "category", "kinds": [{"kind": "受灾人员", "entity": "person"}, {"kind": "易涝点"}]}"#,
            ),
        ));
    };
    if !subject.is_pick() {
        if !known(&subject.entity) {
            bad(
                "/x-subject/entity".into(),
                format!("台账中没有记录类型 \"{}\"", subject.entity),
                format!("no ledger record type \"{}\"", subject.entity),
            );
        }
        return;
    }
    if !subject.entity.is_empty() || !subject.filter.is_empty() {
        bad(
            "/x-subject".into(),
            "选取模式不用 entity 和 filter：每种行各有记录类型".into(),
            "pick mode takes no entity or filter: each kind names its own".into(),
        );
    }
    if subject.kinds.is_empty() {
        bad("/x-subject/kinds".into(), "选取模式至少要有一种行".into(), "pick mode needs at least one kind of row".into());
    }
    let mut names = Vec::new();
    for (i, kind) in subject.kinds.iter().enumerate() {
        if kind.kind.trim().is_empty() || names.contains(&kind.kind.as_str()) {
            bad(format!("/x-subject/kinds/{i}/kind"), "行的种类名称为空或重复".into(), "a kind's name is empty or repeated".into());
        }
        names.push(kind.kind.as_str());
        if let Some(entity) = &kind.entity {
            if !known(entity) || entity == "org_unit" {
                bad(
                    format!("/x-subject/kinds/{i}/entity"),
                    format!("台账中没有记录类型 \"{entity}\""),
                    format!("no ledger record type \"{entity}\""),
                );
            } else if subject.kinds[..i].iter().any(|k| k.entity.as_deref() == Some(entity)) {
                bad(
                    format!("/x-subject/kinds/{i}/entity"),
                    format!("记录类型 {entity} 只能对应一种行"),
                    format!("record type {entity} may back one kind only"),
                );
            }
        }
    }
    let Some(field) = subject.kind_field.as_deref() else {
        bad("/x-subject/kind_field".into(), "选取模式要指定种类字段（kind_field）".into(), "pick mode needs a kind_field".into());
        return;
    };
    let options: Option<Vec<&str>> = doc
        .get("properties")
        .and_then(|p| p.get(field))
        .and_then(|f| f.get("enum"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    let required = doc.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|k| k == field));
    if options.as_deref() != Some(names.as_slice()) || !required {
        bad(
            "/x-subject/kind_field".into(),
            format!("种类字段 {field} 必须是必填属性，其 enum 与各种行的名称一一对应：{}", names.join("、")),
            format!("kind field {field} must be a required property whose enum lists the kinds in order: {}", names.join(", ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Date;
    use serde_json::json;

    fn catalog() -> Catalog {
        Catalog::builtin().expect("shipped ledger schemas load")
    }

    fn codes(template: Value) -> Vec<(String, TemplateErrorCode)> {
        match compile(&template, &catalog()) {
            Ok(_) => vec![],
            Err(errors) => errors.into_iter().map(|e| (e.pointer, e.code)).collect(),
        }
    }

    fn person_template(properties: Value) -> Value {
        json!({
            "x-template": {"id": "t", "version": 1},
            "x-subject": {"entity": "person"},
            "type": "object",
            "properties": properties
        })
    }

    #[test]
    fn shipped_templates_compile() {
        for (file, text) in crate::schemas::BUILTIN_TEMPLATES {
            let template: Value = serde_json::from_str(text).expect("template is JSON");
            let compiled = compile(&template, &catalog()).unwrap_or_else(|e| panic!("{file} does not compile: {e:?}"));
            assert!(compiled.burden.prefilled > 0 && compiled.burden.new > 0, "{file}");
            assert!(compiled.warnings.is_empty(), "{file}: {:?}", compiled.warnings);
        }
    }

    #[test]
    fn each_new_field_gets_the_control_that_fits_it() {
        let compiled = compile(
            &person_template(json!({
                "phone": {"type": "string", "title": "联系电话", "format": "cn-mobile"},
                "count": {"type": "integer", "title": "数量"},
                "loss": {"type": "number", "title": "损失"},
                "day": {"type": "string", "title": "日期", "format": "date"},
                "ok": {"type": "boolean", "title": "畅通"},
                "level": {"type": "string", "title": "等级", "enum": ["一", "二"]},
                "note": {"type": "string", "title": "备注", "maxLength": 200, "x-ui": {"widget": "textarea"}},
                "text": {"type": "string", "title": "情况"}
            })),
            &catalog(),
        )
        .expect("compiles");
        let kinds: Vec<_> = compiled.fields.iter().map(|f| (f.key.as_str(), f.input_kind(), f.max_length)).collect();
        assert_eq!(
            kinds,
            [
                ("phone", InputKind::Phone, None),
                ("count", InputKind::Integer, None),
                ("loss", InputKind::Decimal, None),
                ("day", InputKind::Date, None),
                ("ok", InputKind::Boolean, None),
                ("level", InputKind::Select, None),
                ("note", InputKind::TextArea, Some(200)),
                ("text", InputKind::Text, None),
            ]
        );
        // Numbers are typed as text: the box never rewrites what was typed.
        assert_eq!(InputKind::Decimal.html_type(), ("text", Some("decimal")));
    }

    #[test]
    fn field_plan_keeps_document_order_and_sources() {
        let compiled = compile(
            &person_template(json!({
                "name": {"type": "string", "title": "姓名", "x-ledger": "person.name"},
                "income": {"type": "number", "title": "收入"}
            })),
            &catalog(),
        )
        .expect("compiles");
        let keys: Vec<_> = compiled.fields.iter().map(|f| (f.key.as_str(), f.is_new())).collect();
        assert_eq!(keys, [("name", false), ("income", true)]);
        assert_eq!(compiled.burden, Burden { prefilled: 1, new: 1, computed: 0 });
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let found = codes(person_template(json!({
            "a": {"type": "string", "x-ledger": "person.salary"},
            "b": {"type": "number", "x-ledger": "person.name"},
            "c": {"$ref": "https://example.com/remote.json"},
            "d": {"type": "strin"}
        })));
        assert!(found.contains(&("/properties/a/x-ledger".into(), TemplateErrorCode::UnknownLedgerItem)), "{found:?}");
        assert!(found.contains(&("/properties/b/type".into(), TemplateErrorCode::LedgerTypeMismatch)), "{found:?}");
        assert!(found.contains(&("/properties/c/$ref".into(), TemplateErrorCode::RemoteRef)), "{found:?}");
        assert!(found.iter().any(|(_, c)| *c == TemplateErrorCode::MetaSchema), "{found:?}");
    }

    #[test]
    fn messages_are_chinese_with_a_fix_that_names_the_right_item() {
        let errors = |properties: Value| compile(&person_template(properties), &catalog()).err().unwrap_or_default();
        let found = errors(json!({
            "idno": {"type": "string", "title": "身份证号码", "x-ledger": "person.idcard"},
            "t": {"type": "strin"},
            "m": {"type": "number", "minimum": "0"},
            "f": {"type": "number", "x-compute": "round(t,"},
            "p": {"type": "string", "pattern": "[0-9"},
            "u": {"type": "string", "x-ui": {"colour": "red"}}
        }));
        let by = |pointer: &str| found.iter().find(|e| e.pointer == pointer).unwrap_or_else(|| panic!("{pointer}: {found:#?}"));
        assert!(by("/properties/idno/x-ledger").hint.zh.contains("person.id_number"), "{:?}", by("/properties/idno/x-ledger").hint);
        assert!(by("/properties/idno/x-ledger").hint.zh.contains("身份证号"));
        assert!(by("/properties/t/type").message.zh.starts_with("type 只能是"), "{:?}", by("/properties/t/type"));
        assert!(by("/properties/m/minimum").message.zh.contains("须为数字"));
        let formula = by("/properties/f/x-compute");
        assert!(formula.hint.zh.contains("round(") && !formula.hint.zh.contains("docs/"), "{:?}", formula.hint);
        assert!(by("/properties/p/pattern").message.zh.contains("方括号"), "{:?}", by("/properties/p/pattern"));
        assert!(!by("/properties/u/x-ui/colour").hint.zh.contains("docs/"));
        // No English sentence in the Chinese text (keywords and examples are fine).
        let english = [" is ", " not ", " the ", " must ", " at ", "expected", "invalid"];
        for e in &found {
            let text = format!("{} {}", e.message.zh, e.hint.zh);
            assert!(!text.contains("docs/") && !english.iter().any(|w| text.contains(w)), "{e:?}");
        }
    }

    #[test]
    fn binding_another_entity_is_refused() {
        let found = codes(person_template(json!({"v": {"type": "string", "x-ledger": "org_unit.name"}})));
        assert_eq!(found, [("/properties/v/x-ledger".to_owned(), TemplateErrorCode::LedgerEntityMismatch)]);
    }

    #[test]
    fn missing_meta_and_bad_ids() {
        assert_eq!(codes(json!({"type": "object"})), [("/x-template".to_owned(), TemplateErrorCode::MissingTemplateMeta)]);
        assert_eq!(
            codes(json!({"x-template": {"id": "Bad Id", "version": 1}})),
            [("/x-template".to_owned(), TemplateErrorCode::InvalidTemplateId)]
        );
        assert_eq!(codes(json!([1])), [(String::new(), TemplateErrorCode::NotAnObject)]);
    }

    #[test]
    fn too_deep_is_refused_before_anything_else() {
        let mut deep = json!({});
        for _ in 0..40 {
            deep = json!({"not": deep});
        }
        assert_eq!(codes(deep), [(String::new(), TemplateErrorCode::TooDeep)]);
    }

    #[test]
    fn division_codes_use_the_divisions_the_caller_loaded() {
        let template = person_template(json!({
            "village": {"type": "string", "format": "cn-division-code"},
            "employer": {"type": "string", "format": "cn-credit-code"}
        }));
        let options = CompileOptions { divisions: Some(Arc::new(Divisions::from_codes(["500118100001"]))) };
        let loaded = compile_with(&template, &catalog(), &options).expect("compiles");
        let fallback = compile(&template, &catalog()).expect("compiles");
        let row = |village: &str| json!({"village": village, "employer": "91350100M000100Y43"});
        assert!(crate::validate(&loaded, &row("500118100001")).is_empty());
        assert_eq!(crate::validate(&loaded, &row("500118100002")).len(), 1);
        assert!(crate::validate(&fallback, &row("500118100002")).is_empty(), "fallback checks shape only");
        assert_eq!(crate::validate(&fallback, &json!({"employer": "91350100M000100Y44"}))[0].code, "format");
    }

    #[test]
    fn burden_json_keeps_its_shape_without_computed_fields() {
        let plain = serde_json::to_value(Burden { prefilled: 3, new: 4, computed: 0 }).expect("serializes");
        assert_eq!(plain, json!({"prefilled": 3, "new": 4}));
        let with = serde_json::to_value(Burden { prefilled: 3, new: 4, computed: 1 }).expect("serializes");
        assert_eq!(with, json!({"prefilled": 3, "new": 4, "computed": 1}));
    }

    #[test]
    fn every_bad_or_oversized_regex_is_reported() {
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        let found = codes(person_template(json!({
            "v": {"type": "string", "pattern": "(unclosed"},
            "w": {"type": "string", "pattern": long},
            "x": {"type": "object", "patternProperties": {"^(?=a)": {}}},
            "y": {"enum": [{"pattern": "(ignored: data, not schema"}]}
        })));
        assert_eq!(
            found,
            [
                ("/properties/v/pattern".to_owned(), TemplateErrorCode::InvalidPattern),
                ("/properties/w/pattern".to_owned(), TemplateErrorCode::PatternTooLong),
                ("/properties/x/patternProperties/^(?=a)".to_owned(), TemplateErrorCode::InvalidPattern),
            ]
        );
    }

    #[test]
    fn patterns_without_a_small_automaton_are_refused_in_both_languages() {
        let deep = format!("{}a{}", "(".repeat(60), ")".repeat(60));
        for (pattern, zh) in
            [("a{1000}{1000}", "状态"), ("[0-9]{5000}", "状态"), (deep.as_str(), "嵌套"), ("[a[b]]", "方括号"), ("[a-z&&b]", "集合")]
        {
            let errors = compile(&person_template(json!({"v": {"type": "string", "pattern": pattern}})), &catalog()).expect_err(pattern);
            let [e] = errors.as_slice() else { panic!("{pattern}: {errors:?}") };
            assert_eq!((e.pointer.as_str(), e.code), ("/properties/v/pattern", TemplateErrorCode::InvalidPattern), "{pattern}");
            assert!(e.message.zh.contains(zh) && e.message.zh.contains(pattern), "{pattern}: {}", e.message.zh);
            assert!(e.message.en.contains("`pattern`") && e.hint.zh.contains("正则"), "{pattern}: {e:?}");
        }
        // In `patternProperties`, the error names that keyword.
        let errors = compile(&person_template(json!({"v": {"type": "object", "patternProperties": {"x{99}{99}": {}}}})), &catalog())
            .expect_err("refused");
        assert!(
            errors.iter().any(|e| e.code == TemplateErrorCode::InvalidPattern && e.message.en.contains("`patternProperties`")),
            "{errors:?}"
        );
    }

    #[test]
    fn oversized_templates_are_refused_before_anything_else() {
        let big = "很".repeat(MAX_TEMPLATE_BYTES / 3 + 1);
        let found = codes(person_template(json!({"v": {"type": "string", "description": big}})));
        assert_eq!(found, [(String::new(), TemplateErrorCode::TooLarge)]);
    }

    fn compiled(properties: Value) -> CompiledTemplate {
        compile(&person_template(properties), &catalog()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn new_fields_that_duplicate_a_ledger_item_warn() {
        let t = compiled(json!({
            "id_number": {"type": "string", "title": "身份证号", "x-ledger": "person.id_number"},
            "spouse_id": {"type": "string", "title": "配偶证件", "format": "cn-id-number"},
            "papers": {"type": "string", "title": "证件", "format": "cn-id-number"},
            "mobile": {"type": "string", "title": "联系电话号码"},
            "visited_on": {"type": "string", "title": "走访日期", "format": "date"},
            "name2": {"type": "string", "title": "户主姓名"}
        }));
        let got: Vec<(&str, &str)> = t.warnings.iter().map(|w| (w.pointer.as_str(), w.item.as_str())).collect();
        // The spouse's ID number is about somebody else; 户主姓名 too.
        assert_eq!(got, [("/properties/papers", "person.id_number"), ("/properties/mobile", "person.phone")]);
        assert_eq!(t.warnings[0].code, TemplateWarningCode::DuplicatesLedgerItem);
    }

    #[test]
    fn writeback_targets_a_catalog_item_of_the_subject() {
        let t = compiled(json!({
            "phone": {"type": "string", "title": "联系电话", "x-writeback": true},
            "tel": {"type": "string", "title": "电话", "x-writeback": true, "x-writeback-item": "person.phone"}
        }));
        assert_eq!(t.field("phone").and_then(|f| f.writeback.as_deref()), Some("person.phone"));
        assert_eq!(t.field("tel").and_then(|f| f.writeback.as_deref()), Some("person.phone"));
        assert!(t.warnings.is_empty(), "a written-back field is not a duplicate: {:?}", t.warnings);
        let found = codes(person_template(json!({
            "salary": {"type": "number", "x-writeback": true},
            "name": {"type": "string", "x-ledger": "person.name", "x-writeback": true},
            "v": {"type": "string", "x-writeback-item": "person.phone"},
            "w": {"type": "number", "x-writeback": true, "x-writeback-item": "person.phone"}
        })));
        assert_eq!(
            found,
            [
                ("/properties/salary/x-writeback".to_owned(), TemplateErrorCode::UnknownLedgerItem),
                ("/properties/name/x-writeback".to_owned(), TemplateErrorCode::InvalidWriteback),
                ("/properties/v/x-writeback-item".to_owned(), TemplateErrorCode::InvalidWriteback),
                ("/properties/w/type".to_owned(), TemplateErrorCode::LedgerTypeMismatch),
            ]
        );
    }

    #[test]
    fn ui_hints_order_the_plan_and_are_checked() {
        let t = compiled(json!({
            "a": {"type": "string"},
            "b": {"type": "string", "x-ui": {"order": 2, "widget": "textarea", "help": "写明原因", "width": 40}},
            "c": {"type": "string", "x-ui": {"order": 1}}
        }));
        let keys: Vec<&str> = t.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["c", "b", "a"]);
        assert_eq!(
            t.fields[1].ui,
            UiHints {
                order: Some(2), widget: Some("textarea".into()), help: Some("写明原因".into()), width: Some(40), kinds: Vec::new()
            }
        );
        let found = codes(person_template(json!({"a": {"x-ui": {"widget": "slider", "width": 0, "colour": "red"}}})));
        assert_eq!(
            found,
            [
                ("/properties/a/x-ui/widget".to_owned(), TemplateErrorCode::InvalidUiHint),
                ("/properties/a/x-ui/width".to_owned(), TemplateErrorCode::InvalidUiHint),
                ("/properties/a/x-ui/colour".to_owned(), TemplateErrorCode::InvalidUiHint),
            ]
        );
    }

    #[test]
    fn computed_fields_are_planned_and_filled() {
        let t = compiled(json!({
            "id_number": {"type": "string", "x-ledger": "person.id_number"},
            "income": {"type": "number"},
            "members": {"type": "integer"},
            "per_capita": {"type": "number", "title": "人均收入", "x-compute": "round(income / members, 2)"},
            "age": {"type": "integer", "x-compute": "age(id_number)"},
            "elderly": {"type": "string", "x-compute": "if(age >= 60, '是', '否')"},
            "total_income": {"type": "number", "x-compute": "sum(income)"}
        }));
        assert_eq!(t.burden, Burden { prefilled: 1, new: 2, computed: 4 });
        assert_eq!(t.field("age").map(|f| f.source.clone()), Some(FieldSource::Computed { expr: "age(id_number)".into() }));
        let mut row = json!({"id_number": "11010519491231002X", "income": 1000, "members": 3, "per_capita": 9})
            .as_object()
            .cloned()
            .unwrap_or_default();
        compute_row(&t, &mut row, Date::parse("2026-11-02"));
        assert_eq!(
            Value::Object(row.clone()),
            json!({"id_number": "11010519491231002X", "income": 1000, "members": 3, "per_capita": 333.33, "age": 76, "elderly": "是"})
        );
        assert!(crate::validate(&t, &Value::Object(row.clone())).is_empty());
        row.insert("members".into(), json!(0));
        compute_row(&t, &mut row, None);
        assert!(!row.contains_key("per_capita") && !row.contains_key("age") && !row.contains_key("elderly"), "{row:?}");
        let rows = [row.clone(), row];
        assert_eq!(compute_summary(&t, &rows, None), json!({"total_income": 2000}).as_object().cloned().unwrap_or_default());
    }

    #[test]
    fn a_formula_cannot_copy_what_masking_hides() {
        let found = codes(person_template(json!({
            "id": {"type": "string", "x-ledger": "person.id_number"},
            "born": {"type": "string", "x-ledger": "person.birth_date"},
            "tel": {"type": "string", "format": "cn-mobile"},
            "copy": {"type": "string", "x-compute": "id"},
            "guess": {"type": "number", "x-compute": "if(id == '500118197501168792', 1, 0)"},
            "year": {"type": "string", "x-compute": "born + ''"},
            "dial": {"type": "number", "x-compute": "tel * 1"},
            "age": {"type": "integer", "x-compute": "age(id)"},
            "digits": {"type": "integer", "x-compute": "len(tel)"}
        })));
        assert_eq!(
            found,
            ["copy", "guess", "year", "dial"]
                .map(|k| (format!("/properties/{k}/x-compute"), TemplateErrorCode::ComputedReadsSensitive))
                .to_vec()
        );
    }

    #[test]
    fn formulas_are_checked_at_compile_time() {
        let found = codes(person_template(json!({
            "a": {"type": "number", "x-compute": "b * 2"},
            "b": {"type": "number", "x-compute": "c +"},
            "c": {"type": "number", "x-compute": "c + nobody"},
            "d": {"type": "number", "x-compute": "a", "x-ledger": "person.name"},
            "e": {"type": "number", "x-compute": "sum(c)"},
            "f": {"type": "number", "x-compute": "e + 1"}
        })));
        assert_eq!(
            found,
            [
                ("/properties/a/x-compute".to_owned(), TemplateErrorCode::UnknownFieldReference),
                ("/properties/b/x-compute".to_owned(), TemplateErrorCode::InvalidExpression),
                ("/properties/c/x-compute".to_owned(), TemplateErrorCode::UnknownFieldReference),
                ("/properties/c/x-compute".to_owned(), TemplateErrorCode::UnknownFieldReference),
                ("/properties/d/x-compute".to_owned(), TemplateErrorCode::ComputedAndBound),
                ("/properties/f/x-compute".to_owned(), TemplateErrorCode::UnknownFieldReference),
            ]
        );
        let message =
            compile(&person_template(json!({"b": {"x-compute": "c +"}, "c": {}})), &catalog()).err().map(|e| e[0].message.clone());
        assert_eq!(message.map(|m| m.en), Some("formula, at character 4: the expression ends too early".to_owned()));
    }

    #[test]
    fn x_sensitive_belongs_on_new_text_fields() {
        let t = person_template(json!({
            "card": {"type": "string", "title": "银行卡号", "x-sensitive": true},
            "plain": {"type": "string", "x-sensitive": false}
        }));
        let compiled = compile(&t, &Catalog::builtin().expect("catalog")).expect("compiles");
        assert!(compiled.field("card").is_some_and(|f| f.sensitive));
        assert!(compiled.field("plain").is_some_and(|f| !f.sensitive));
        let found: Vec<TemplateErrorCode> = codes(person_template(json!({
            "n": {"type": "number", "x-sensitive": true},
            "b": {"type": "string", "x-ledger": "person.name", "x-sensitive": true},
            "c": {"type": "string", "x-compute": "'x'", "x-sensitive": true},
            "s": {"type": "string", "x-sensitive": "yes"}
        })))
        .into_iter()
        .map(|(_, code)| code)
        .collect();
        use TemplateErrorCode as C;
        assert_eq!(found, [C::InvalidSensitive, C::InvalidSensitive, C::InvalidSensitive, C::InvalidSensitive]);
    }
}
