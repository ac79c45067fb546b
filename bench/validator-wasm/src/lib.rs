//! A template's validator for JavaScript, used by the validation benchmark
//! (`bench/validate.mjs`). A thin adapter: parse the JSON text, call core,
//! map the result. No validation rule lives here. Core compiles the template
//! into a validation program (issue 14); rows run on the `ybt-rules` engine:
//! the verdict on its streamed path, the error count on its full run
//! without the zh/en message text core adds to each error (ajv's
//! `allErrors` builds no message text either).

use serde_json::Value;
use wasm_bindgen::prelude::*;
use ybt_core::{Catalog, CompiledTemplate};

/// One compiled template.
#[wasm_bindgen]
pub struct Validator {
    template: CompiledTemplate,
    /// The template's program loaded as core loads it (no divisions).
    rules: ybt_rules::Rules,
}

#[wasm_bindgen]
impl Validator {
    /// Compiles a template document (JSON text) against the built-in catalog.
    #[wasm_bindgen(constructor)]
    pub fn new(template_json: &str) -> Result<Validator, JsError> {
        let document: Value = serde_json::from_str(template_json)?;
        let catalog = Catalog::shared().map_err(|e| JsError::new(&e.to_string()))?;
        let template = ybt_core::compile(&document, catalog)
            .map_err(|errors| JsError::new(&errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))?;
        let rules = ybt_rules::Rules::load(template.program().clone(), Default::default()).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Validator { template, rules })
    }

    /// Whether the row (JSON text) is valid. Text that is not JSON is invalid.
    /// Uses core's verdict-only path: no error is built for an invalid row.
    pub fn validate_json(&self, instance_json: &str) -> bool {
        ybt_core::is_valid_json(&self.template, instance_json)
    }

    /// The compiled validation program as JSON, as the worker stores it and
    /// the browser receives it (its length is the program's size).
    pub fn program_json(&self) -> String {
        serde_json::to_string(self.template.program()).unwrap_or_default()
    }

    /// How many errors the row (JSON text) has; text that is not JSON counts as one.
    /// Every error is found (the full run, as ajv's `allErrors`) and counted;
    /// none is built (no pointer text, no message): a count needs neither.
    pub fn count_errors(&self, instance_json: &str) -> u32 {
        match self.rules.count_errors_json(instance_json) {
            Ok(count) => u32::try_from(count).unwrap_or(u32::MAX),
            Err(_) => 1,
        }
    }
}
