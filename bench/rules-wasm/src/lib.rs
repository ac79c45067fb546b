//! The validation engine alone for JavaScript: a compiled program in (the
//! JSON the worker produces with `CompiledTemplate::program`), rows as JSON
//! text in, verdict or error count out. No compiler, no `jsonschema`: this
//! is the validation a village page carries.

use wasm_bindgen::prelude::*;
use ybt_rules::{Program, Rules};

/// One loaded program.
#[wasm_bindgen]
pub struct Engine {
    rules: Rules,
}

#[wasm_bindgen]
impl Engine {
    /// Loads a program (JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(program_json: &str) -> Result<Engine, JsError> {
        let program: Program = serde_json::from_str(program_json)?;
        let rules = Rules::load(program, Default::default()).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Engine { rules })
    }

    /// Whether the row (JSON text) is valid. Text that is not JSON is invalid.
    pub fn validate_json(&self, row_json: &str) -> bool {
        self.rules.is_valid_json(row_json)
    }

    /// How many errors the row has; text that is not JSON counts as one.
    pub fn count_errors(&self, row_json: &str) -> u32 {
        self.rules.validate_json(row_json).map_or(1, |errors| u32::try_from(errors.len()).unwrap_or(u32::MAX))
    }
}
