//! Validation options shared by the compiler ([`FormatMode`], the pattern
//! limits) and, with core's `jsonschema` feature only, [`SchemaValidator`]:
//! a `jsonschema` validator with core's formats and messages, which the
//! conformance and differential tests hold compiled programs against.
//! Templates and ledger records run on `ybt-rules` programs.

use std::collections::BTreeMap;
use std::sync::Arc;
#[cfg(feature = "jsonschema")]
use std::sync::OnceLock;

#[cfg(feature = "jsonschema")]
use jsonschema::json::Json;
use serde_json::Value;

#[cfg(feature = "jsonschema")]
use super::row_text::{RowJson, RowText};
#[cfg(feature = "jsonschema")]
use crate::field_error::FieldError;
use crate::formats::FormatContext;
#[cfg(feature = "jsonschema")]
use crate::messages::describe;

/// Longest `pattern` / `patternProperties` regex a schema may carry, in bytes.
pub const MAX_PATTERN_LEN: usize = 512;

/// Largest compiled regex, in bytes (the `regex` crate's size limit).
/// Small on purpose: the front-end compiles every template in the browser.
pub const MAX_REGEX_SIZE: usize = 256 * 1024;

/// Whether `format` is checked or only noted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatMode {
    /// Formats are assertions: a bad 身份证号 is an error. Templates use this.
    #[default]
    Assert,
    /// Formats are annotations only, as JSON Schema 2020-12 specifies by
    /// default. Only the conformance suite uses this, to run its
    /// required tests as written.
    Annotate,
}

/// How to build a validator.
#[derive(Debug, Clone, Default)]
pub struct ValidatorOptions {
    pub formats: FormatMode,
    pub format_context: FormatContext,
    /// Documents `$ref` may resolve to by URI, besides the schema itself.
    /// Templates never get any (a remote `$ref` is a compile error); the
    /// conformance suite passes its `remotes/` folder here. Nothing is ever
    /// fetched: an unknown URI fails the build.
    pub resources: Arc<BTreeMap<String, Value>>,
}

/// A compiled JSON Schema with core's formats, regex engine and messages.
#[cfg(feature = "jsonschema")]
#[derive(Debug, Clone)]
pub struct SchemaValidator {
    inner: jsonschema::Validator,
    /// The same schema for rows read from text ([`RowText`]), built on first
    /// use: most callers only ever validate `Value`s.
    text: OnceLock<Option<jsonschema::Validator<RowJson>>>,
    source: Arc<(Value, ValidatorOptions)>,
}

/// Why a schema could not be turned into a validator.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot compile schema at `{pointer}`: {reason}")]
pub struct BuildError {
    /// JSON pointer into the schema.
    pub pointer: String,
    pub reason: String,
}

#[cfg(feature = "jsonschema")]
impl SchemaValidator {
    /// Builds a draft 2020-12 validator. Patterns run on the `regex` crate
    /// (linear time: a template cannot make validation backtrack forever),
    /// with a size limit on each compiled regex.
    pub fn new(schema: &Value, options: &ValidatorOptions) -> Result<SchemaValidator, BuildError> {
        let inner = build(schema, options)?;
        Ok(SchemaValidator { inner, text: OnceLock::new(), source: Arc::new((schema.clone(), options.clone())) })
    }

    /// Every error of `instance`, each with a pointer, a code and zh/en text.
    pub fn validate(&self, instance: &Value) -> Vec<FieldError> {
        self.inner.iter_errors(instance).map(field_error).collect()
    }

    /// Whether `instance` is valid; cheaper than collecting errors.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.inner.is_valid(instance)
    }

    /// [`SchemaValidator::validate`] for an instance given as JSON text,
    /// without building a `Value` (see [`RowText`]). Errs when the text is not JSON.
    pub fn validate_json(&self, text: &str) -> Result<Vec<FieldError>, serde_json::Error> {
        match (RowText::parse(text), self.text_validator()) {
            (Ok(row), Some(validator)) => Ok(validator.iter_errors(row.root()).map(field_error).collect()),
            _ => serde_json::from_str::<Value>(text).map(|instance| self.validate(&instance)),
        }
    }

    /// [`SchemaValidator::is_valid`] for an instance given as JSON text.
    /// Errs when the text is not JSON.
    pub fn is_valid_json(&self, text: &str) -> Result<bool, serde_json::Error> {
        match (RowText::parse(text), self.text_validator()) {
            (Ok(row), Some(validator)) => Ok(validator.is_valid(row.root())),
            // Not JSON, or JSON a `RowText` refuses (duplicate names): as a `Value`.
            _ => serde_json::from_str::<Value>(text).map(|instance| self.is_valid(&instance)),
        }
    }

    fn text_validator(&self) -> Option<&jsonschema::Validator<RowJson>> {
        self.text.get_or_init(|| build(&self.source.0, &self.source.1).ok()).as_ref()
    }
}

/// The schema as a validator over instances in representation `F`.
#[cfg(feature = "jsonschema")]
fn build<F: Json>(schema: &Value, options: &ValidatorOptions) -> Result<jsonschema::Validator<F>, BuildError> {
    let (ids, divisions) = (options.format_context.clone(), options.format_context.clone());
    let resources = InMemory(Arc::clone(&options.resources));
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(options.formats == FormatMode::Assert)
        .with_pattern_options(jsonschema::PatternOptions::regex().size_limit(MAX_REGEX_SIZE))
        .with_retriever(resources)
        .with_format("cn-id-number", move |s: &str| ids.is_cn_id_number(s))
        .with_format("cn-mobile", crate::formats::is_cn_mobile)
        .with_format("cn-credit-code", crate::formats::is_cn_credit_code)
        .with_format("cn-division-code", move |s: &str| divisions.is_cn_division_code(s))
        .build(schema)
        .map_err(|e| BuildError { pointer: e.schema_path().as_str().to_owned(), reason: e.to_string() })
}

#[cfg(feature = "jsonschema")]
fn field_error(error: jsonschema::ValidationError<'_>) -> FieldError {
    let (code, message) = describe(error.kind());
    let mut pointer = error.instance_path().as_str().to_owned();
    // A missing field has no instance of its own: point where it belongs.
    if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
        pointer.push('/');
        pointer.push_str(&super::plan::escape_pointer(property.as_str().unwrap_or_default()));
    }
    FieldError::new(pointer, code, message)
}

/// A retriever over documents already in memory: never any IO.
#[cfg(feature = "jsonschema")]
struct InMemory(Arc<BTreeMap<String, Value>>);

#[cfg(feature = "jsonschema")]
impl jsonschema::Retrieve for InMemory {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let wanted = uri.as_str().split('#').next().unwrap_or_default();
        self.0.get(wanted).cloned().ok_or_else(|| format!("not fetched: {wanted}").into())
    }
}

#[cfg(all(test, feature = "jsonschema"))]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_assert_or_annotate() {
        let schema = json!({"type": "string", "format": "cn-mobile"});
        let assert = SchemaValidator::new(&schema, &ValidatorOptions::default()).expect("builds");
        let annotate =
            SchemaValidator::new(&schema, &ValidatorOptions { formats: FormatMode::Annotate, ..Default::default() }).expect("builds");
        assert!(!assert.is_valid(&json!("12345")));
        assert!(annotate.is_valid(&json!("12345")));
    }

    #[test]
    fn remote_refs_resolve_only_to_supplied_documents() {
        let schema = json!({"$ref": "http://localhost:1234/integer.json"});
        assert!(SchemaValidator::new(&schema, &ValidatorOptions::default()).is_err(), "nothing is fetched");
        let resources = BTreeMap::from([("http://localhost:1234/integer.json".to_owned(), json!({"type": "integer"}))]);
        let options = ValidatorOptions { resources: Arc::new(resources), ..Default::default() };
        let validator = SchemaValidator::new(&schema, &options).expect("resolves from memory");
        assert!(validator.is_valid(&json!(3)));
        assert!(!validator.is_valid(&json!("3")));
    }

    #[test]
    fn backtracking_patterns_are_refused() {
        // Look-around needs a backtracking engine; templates run on a linear-time one.
        let schema = json!({"type": "string", "pattern": "^(?=a)a$"});
        assert!(SchemaValidator::new(&schema, &ValidatorOptions::default()).is_err());
    }
}
