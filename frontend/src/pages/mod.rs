//! One module per page.

pub mod admin;
pub mod form;
pub mod home;
pub mod ledger;
pub mod login;
pub mod survey;
pub mod surveys;
