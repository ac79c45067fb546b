//! Custom `format` checks for Chinese identifiers. They live in `ybt-rules`
//! (the validation engine the browser and the worker run); core re-exports
//! them so that every caller keeps one implementation.

pub use ybt_rules::formats::*;
