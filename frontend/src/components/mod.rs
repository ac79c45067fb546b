//! Reusable widgets, one per file.

pub mod audit_log;
pub mod cell;
pub mod correction;
pub mod field_editor;
pub mod finding_list;
pub mod form_body;
pub mod form_cards;
pub mod form_row;
pub mod form_table;
pub mod grant_editor;
pub mod import_panel;
pub mod inbox;
pub mod intake_list;
pub mod lang_switch;
pub mod new_user_form;
pub mod org_unit_picker;
pub mod outbox_panel;
pub mod password_reset;
pub mod quick_survey;
pub mod receipt;
pub mod source_view;
pub mod subject_jump;
pub mod sync_badge;
pub mod template_preview;
