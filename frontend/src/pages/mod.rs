//! One module per page.

pub mod form;
pub mod home;
pub mod login;
