//! yibiaotong core: the pure library every other part calls.
//!
//! Templates compile here ([`compile`]), submissions are checked here
//! ([`validate`], [`submission`]), forms are pre-filled from the ledger here
//! ([`prefill`]). Nothing in this crate does IO or knows about D1, HTTP or
//! the DOM: the worker and the front-end are thin adapters around it.

pub mod access;
pub mod api;
pub mod builder;
pub mod burden;
pub mod catalog;
pub mod compile;
pub mod demo;
pub mod drafts;
pub mod export;
pub mod expr;
pub mod field_error;
pub mod form;
pub mod formats;
pub mod ids;
pub mod import;
pub mod ledger;
pub mod messages;
pub mod prefill;
pub mod request_limits;
pub mod review;
pub mod schemas;
pub mod service;
pub mod submission;
pub mod summary;
pub mod survey;
pub mod tasks;
pub mod template;
pub mod text;
pub mod time;
pub mod validate;
pub mod versioning;
pub mod wire;
pub mod writeback;

#[cfg(test)]
mod test_support;

pub use catalog::{Catalog, CatalogItem, Sensitivity};
pub use compile::{
    CompileOptions, CompiledTemplate, TemplateError, TemplatePlan, TemplateWarning, compile, compile_with, compute_row, compute_summary,
};
pub use formats::Divisions;
pub use ledger::LedgerRecord;
pub use prefill::{prefill, prefill_on};
pub use submission::validate_submission;
pub use validate::{FieldError, is_valid, is_valid_json, validate, validate_json};
