//! HTTP handlers, one module per resource: authenticate, parse, call core,
//! map the result.

pub mod audit;
pub mod auth;
pub mod burden;
pub mod city;
pub mod city_templates;
pub mod dispatches;
pub mod forms;
pub mod health;
pub mod ingest;
pub mod ledger;
pub mod ledger_search;
pub mod org_units;
pub mod reviews;
pub mod submissions;
pub mod summary;
pub mod survey_intake;
pub mod surveys;
pub mod tasks;
pub mod templates;
pub mod transfers;
pub mod users;
