//! HTTP handlers, one module per resource: parse, call core, map the result.

pub mod forms;
pub mod health;
pub mod org_units;
pub mod submissions;
pub mod templates;
