//! The ledger catalog, read once per page load and shared: titles of ledger
//! items for provenance and labels.

use std::rc::Rc;

use ybt_core::Catalog;

thread_local! {
    static CATALOG: Rc<Catalog> = Rc::new(Catalog::builtin().unwrap_or_default());
}

pub fn catalog() -> Rc<Catalog> {
    CATALOG.with(Rc::clone)
}

thread_local! {
    static RECORD_TYPES: Rc<ybt_core::ledger::RecordTypes> = Rc::new(ybt_core::ledger::RecordTypes::builtin().unwrap_or_default());
}

/// The ledger's record types (fields, titles, validators), for the ledger
/// page's edits: checked in the browser by the same core code as the worker.
pub fn record_types() -> Rc<ybt_core::ledger::RecordTypes> {
    RECORD_TYPES.with(Rc::clone)
}
