//! The template compiler: a template document in, a validator plus a field
//! plan out — or every problem with the template at once.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::formats::{Divisions, FormatContext};
use crate::messages::Text;
use crate::template::{Subject, TemplateMeta, is_valid_template_id};

mod validator;

pub use validator::{BuildError, FormatMode, MAX_PATTERN_LEN, MAX_REGEX_SIZE, SchemaValidator, ValidatorOptions};

/// Deepest nesting of objects and arrays a template may have.
pub const MAX_TEMPLATE_DEPTH: usize = 32;

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldSource {
    /// Pre-filled from the ledger item with this dotted name.
    Ledger { item: String },
    /// Entered by staff: not known to the ledger.
    New,
}

/// One column of the generated form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldPlan {
    /// Property name in the row object.
    pub key: String,
    pub title: String,
    pub source: FieldSource,
    /// The JSON Schema `type`, when the field declares one.
    pub json_type: Option<String>,
    pub format: Option<String>,
    /// Allowed values, when the field is an `enum` of strings.
    pub options: Vec<String>,
    pub required: bool,
}

impl FieldPlan {
    pub fn is_new(&self) -> bool {
        self.source == FieldSource::New
    }
}

/// How much a template asks of village staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Burden {
    pub prefilled: usize,
    pub new: usize,
}

/// Stable codes for what can be wrong with a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateErrorCode {
    NotAnObject,
    MissingTemplateMeta,
    InvalidTemplateId,
    InvalidSubject,
    MetaSchema,
    UnknownLedgerItem,
    LedgerEntityMismatch,
    LedgerTypeMismatch,
    RemoteRef,
    TooDeep,
    InvalidSchema,
}

/// One problem with a template: where (JSON pointer into the template),
/// what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateError {
    pub pointer: String,
    pub code: TemplateErrorCode,
    pub message: Text,
    pub hint: Text,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at `{}`: {}", self.message.en, self.pointer, self.hint.en)
    }
}

fn problem(pointer: impl Into<String>, code: TemplateErrorCode, message: Text, hint: Text) -> TemplateError {
    TemplateError { pointer: pointer.into(), code, message, hint }
}

/// A template ready to validate rows and to generate forms. Compile it once
/// per template version and keep it: compiling is the expensive part.
#[derive(Debug, Clone)]
pub struct CompiledTemplate {
    pub meta: TemplateMeta,
    pub title: String,
    pub subject: Subject,
    pub fields: Vec<FieldPlan>,
    pub burden: Burden,
    /// The template document as published.
    pub schema: Value,
    pub(crate) validator: SchemaValidator,
}

impl CompiledTemplate {
    pub fn field(&self, key: &str) -> Option<&FieldPlan> {
        self.fields.iter().find(|f| f.key == key)
    }
}

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
pub fn compile_with(
    template: &Value,
    catalog: &Catalog,
    options: &CompileOptions,
) -> Result<CompiledTemplate, Vec<TemplateError>> {
    use TemplateErrorCode as C;
    let Some(doc) = template.as_object() else {
        return Err(vec![problem(
            "",
            C::NotAnObject,
            Text::new("模板必须是 JSON 对象", "a template must be a JSON object"),
            Text::new("以 { 开头，写出 JSON Schema", "write a JSON Schema object starting with {"),
        )]);
    };
    let mut errors = Vec::new();

    let depth = nesting_depth(template);
    if depth > MAX_TEMPLATE_DEPTH {
        errors.push(problem(
            "",
            C::TooDeep,
            Text::new(format!("嵌套层数 {depth} 超过上限 {MAX_TEMPLATE_DEPTH}"), format!("nesting depth {depth} exceeds {MAX_TEMPLATE_DEPTH}")),
            Text::new("减少嵌套层级", "flatten the template"),
        ));
        return Err(errors);
    }

    let meta = match doc.get("x-template").cloned().map(serde_json::from_value::<TemplateMeta>) {
        Some(Ok(meta)) if is_valid_template_id(&meta.id) && meta.version >= 1 => Some(meta),
        Some(Ok(_)) => {
            errors.push(problem(
                "/x-template",
                C::InvalidTemplateId,
                Text::new("模板编号或版本无效", "invalid template id or version"),
                Text::new("编号用小写字母、数字和连字符（最多64个），版本为正整数", "id: lowercase letters, digits and hyphens (≤ 64); version: a positive integer"),
            ));
            None
        }
        _ => {
            errors.push(problem(
                "/x-template",
                C::MissingTemplateMeta,
                Text::new("缺少模板编号和版本（x-template）", "missing template id and version (x-template)"),
                Text::new(r#"添加 "x-template": {"id": "my-report", "version": 1}"#, r#"add "x-template": {"id": "my-report", "version": 1}"#),
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
                Text::new(r#"写成 {"entity": "person", "filter": {"tags": "低保"}}"#, r#"write {"entity": "person", "filter": {"tags": "低保"}}"#),
            ));
            None
        }
    };

    for error in jsonschema::draft202012::meta::validator().iter_errors(template) {
        errors.push(problem(
            error.schema_path().as_str().to_owned().replace("/properties", ""),
            C::MetaSchema,
            Text::new(format!("不是有效的 JSON Schema：{error}"), format!("not valid JSON Schema: {error}")),
            Text::new("按 JSON Schema 2020-12 修改此处", "fix this to follow JSON Schema 2020-12"),
        ));
    }

    find_remote_refs(template, String::new(), &mut errors);

    let required: Vec<&str> = doc
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields = Vec::new();
    if let Some(properties) = doc.get("properties").and_then(Value::as_object) {
        for (key, spec) in properties {
            let pointer = format!("/properties/{}", escape_pointer(key));
            let json_type = spec.get("type").and_then(Value::as_str).map(str::to_owned);
            let source = match spec.get("x-ledger") {
                None => FieldSource::New,
                Some(binding) => {
                    let name = binding.as_str().unwrap_or_default();
                    match catalog.get(name) {
                        None => {
                            errors.push(problem(
                                format!("{pointer}/x-ledger"),
                                C::UnknownLedgerItem,
                                Text::new(format!("台账中没有数据项 {binding}"), format!("no ledger item {binding}")),
                                Text::new("从台账目录中选择一项，例如 person.name", "pick an item of the ledger catalog, e.g. person.name"),
                            ));
                        }
                        Some(item) => {
                            if let Some(subject) = &subject {
                                if item.entity != subject.entity {
                                    errors.push(problem(
                                        format!("{pointer}/x-ledger"),
                                        C::LedgerEntityMismatch,
                                        Text::new(format!("表格每行是 {}，不能绑定 {name}", subject.entity), format!("rows are {} records; cannot bind {name}", subject.entity)),
                                        Text::new(format!("绑定 {}.* 的数据项", subject.entity), format!("bind an item of {}.*", subject.entity)),
                                    ));
                                }
                            }
                            if let (Some(declared), Some(expected)) = (&json_type, &item.json_type) {
                                if declared != expected {
                                    errors.push(problem(
                                        format!("{pointer}/type"),
                                        C::LedgerTypeMismatch,
                                        Text::new(format!("类型 {declared} 与台账数据项 {name} 的类型 {expected} 不符"), format!("type {declared} contradicts ledger item {name} of type {expected}")),
                                        Text::new(format!("改为 \"type\": \"{expected}\""), format!("use \"type\": \"{expected}\"")),
                                    ));
                                }
                            }
                        }
                    }
                    FieldSource::Ledger { item: name.to_owned() }
                }
            };
            fields.push(FieldPlan {
                key: key.clone(),
                title: spec.get("title").and_then(Value::as_str).unwrap_or(key).to_owned(),
                source,
                json_type,
                format: spec.get("format").and_then(Value::as_str).map(str::to_owned),
                options: spec
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default(),
                required: required.contains(&key.as_str()),
            });
        }
    }

    let validator = if errors.is_empty() {
        let validator_options = ValidatorOptions {
            format_context: FormatContext { divisions: options.divisions.clone() },
            ..ValidatorOptions::default()
        };
        match SchemaValidator::new(template, &validator_options) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(problem(
                    e.pointer,
                    C::InvalidSchema,
                    Text::new(format!("无法编译：{}", e.reason), format!("cannot compile: {}", e.reason)),
                    Text::new("检查此处的正则表达式或引用", "check the pattern or reference here"),
                ));
                None
            }
        }
    } else {
        None
    };

    match (meta, subject, validator) {
        (Some(meta), Some(subject), Some(validator)) if errors.is_empty() => {
            let burden = Burden {
                prefilled: fields.iter().filter(|f| !f.is_new()).count(),
                new: fields.iter().filter(|f| f.is_new()).count(),
            };
            Ok(CompiledTemplate {
                title: doc.get("title").and_then(Value::as_str).unwrap_or(&meta.id).to_owned(),
                meta,
                subject,
                fields,
                burden,
                schema: template.clone(),
                validator,
            })
        }
        _ => Err(errors),
    }
}

fn nesting_depth(value: &Value) -> usize {
    match value {
        Value::Object(map) => 1 + map.values().map(nesting_depth).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(nesting_depth).max().unwrap_or(0),
        _ => 0,
    }
}

pub(crate) fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Templates never fetch anything: a `$ref` must point inside the document.
fn find_remote_refs(value: &Value, pointer: String, errors: &mut Vec<TemplateError>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let here = format!("{pointer}/{}", escape_pointer(key));
                if (key == "$ref" || key == "$dynamicRef")
                    && child.as_str().is_some_and(|r| !r.starts_with('#'))
                {
                    errors.push(problem(
                        here.clone(),
                        TemplateErrorCode::RemoteRef,
                        Text::new(format!("不允许引用外部文档：{child}"), format!("remote reference not allowed: {child}")),
                        Text::new("把被引用的定义放进本模板的 $defs，用 #/$defs/… 引用", "copy the definition into this template's $defs and use #/$defs/…"),
                    ));
                }
                find_remote_refs(child, here, errors);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                find_remote_refs(child, format!("{pointer}/{i}"), errors);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            let compiled = compile(&template, &catalog())
                .unwrap_or_else(|e| panic!("{file} does not compile: {e:?}"));
            assert!(compiled.burden.prefilled > 0 && compiled.burden.new > 0, "{file}");
        }
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
        assert_eq!(compiled.burden, Burden { prefilled: 1, new: 1 });
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
    fn invalid_regex_is_reported() {
        let found = codes(person_template(json!({"v": {"type": "string", "pattern": "(unclosed"}})));
        assert!(
            found.iter().any(|(_, c)| matches!(c, TemplateErrorCode::MetaSchema | TemplateErrorCode::InvalidSchema)),
            "{found:?}"
        );
    }
}
