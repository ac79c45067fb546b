//! One module per page.

pub mod admin;
pub mod burden;
pub mod form;
pub mod home;
pub mod ledger;
pub mod login;
pub mod task;
