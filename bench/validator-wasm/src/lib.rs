//! A template's validator for JavaScript, used by the validation benchmark
//! (`bench/validate.mjs`). A thin adapter: parse the JSON text, call core,
//! map the result. No validation rule lives here. Core compiles the template
//! into a validation program (issue 14); rows run on the `ybt-rules` engine.

use serde_json::Value;
use wasm_bindgen::prelude::*;
use ybt_core::{Catalog, CompiledTemplate};

/// One compiled template.
#[wasm_bindgen]
pub struct Validator {
    template: CompiledTemplate,
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
        Ok(Validator { template })
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
    pub fn count_errors(&self, instance_json: &str) -> u32 {
        match ybt_core::validate_json(&self.template, instance_json) {
            Ok(errors) => u32::try_from(errors.len()).unwrap_or(u32::MAX),
            Err(_) => 1,
        }
    }
}
