//! The validation engine alone for JavaScript: a compiled program in (the
//! JSON the worker produces with `CompiledTemplate::program`), rows as JSON
//! text in, verdict or error count out. No compiler, no `jsonschema`: this
//! is the validation a village page carries.
//!
//! Rows come in two ways: as a JS string (`validate_json`, wasm-bindgen
//! copies it into a fresh allocation on every call), or written by the page
//! with `TextEncoder.encodeInto` straight into the engine's input buffer
//! (`input` gives its address in `wasm_memory()`, then `validate_input(len)`):
//! no allocation and no copy beyond the encoding itself.

use wasm_bindgen::prelude::*;
use ybt_rules::{Program, Rules};

/// One loaded program, with its input buffer.
#[wasm_bindgen]
pub struct Engine {
    rules: Rules,
    input: Vec<u8>,
}

/// The module's memory, for a view on the input buffer.
#[wasm_bindgen]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

#[wasm_bindgen]
impl Engine {
    /// Loads a program (JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(program_json: &str) -> Result<Engine, JsError> {
        let program: Program = serde_json::from_str(program_json)?;
        let rules = Rules::load(program, Default::default()).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(Engine { rules, input: Vec::new() })
    }

    /// Whether the row (JSON text) is valid. Text that is not JSON is invalid.
    pub fn validate_json(&self, row_json: &str) -> bool {
        self.rules.is_valid_json(row_json)
    }

    /// How many errors the row has; text that is not JSON counts as one.
    pub fn count_errors(&self, row_json: &str) -> u32 {
        self.rules.count_errors_json(row_json).map_or(1, |count| u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// The address of the input buffer, grown to at least `capacity` bytes
    /// (this may grow the memory: take a new view after it).
    pub fn input(&mut self, capacity: usize) -> *mut u8 {
        if self.input.len() < capacity {
            self.input.resize(capacity, 0);
        }
        self.input.as_mut_ptr()
    }

    /// `validate_json` of the first `len` bytes of the input buffer (UTF-8).
    pub fn validate_input(&self, len: usize) -> bool {
        self.input.get(..len).and_then(|b| std::str::from_utf8(b).ok()).is_some_and(|text| self.rules.is_valid_json(text))
    }

    /// `count_errors` of the first `len` bytes of the input buffer (UTF-8).
    pub fn count_errors_input(&self, len: usize) -> u32 {
        match self.input.get(..len).and_then(|b| std::str::from_utf8(b).ok()) {
            Some(text) => self.count_errors(text),
            None => 1,
        }
    }
}
