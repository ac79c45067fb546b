//! One module per page.

pub mod admin;
pub mod burden;
pub mod form;
pub mod home;
pub mod ledger;
pub mod login;
pub mod password;
pub mod survey;
pub mod surveys;
// Issue 7: authoring, review (报表准入), dispatch, completion board, summary.
pub mod authoring;
pub mod board;
pub mod dispatch;
pub mod review;
pub mod summary;
pub mod task;
// Issue 13: transfer requests (迁移申请).
pub mod transfers;
