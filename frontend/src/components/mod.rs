//! Reusable widgets, one per file.

pub mod cell;
pub mod lang_switch;
