//! A template's validation program and the small engine that runs it.
//!
//! Core compiles a template (JSON Schema 2020-12) into a [`Program`]: plain
//! data, stored and sent as JSON. [`Rules`] loads one and validates rows read
//! straight from JSON text ([`json::Tape`]), giving the verdict alone or every
//! error with its JSON pointer and keyword. The browser and the worker run
//! this same code, so a row has one verdict everywhere. The crate has no
//! JSON Schema compiler, no general JSON value type and no backtracking
//! regex: what a village phone downloads is this engine and a program.

pub mod automaton;
pub mod engine;
pub mod formats;
pub mod json;
pub mod pattern;
pub mod program;

pub use automaton::{Automaton, Inst, Look, MAX_STATES};
pub use engine::{LoadError, MAX_PATTERN_LEN, RuleError, Rules, is_multiple_of};
pub use json::{JsonError, Tape};
pub use program::{ArrayCheck, Check, Format, Lit, Node, ObjectCheck, PROGRAM_VERSION, Program};
