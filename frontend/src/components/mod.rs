//! Reusable widgets, one per file.

pub mod cell;
pub mod import_panel;
pub mod lang_switch;
pub mod new_user_form;
