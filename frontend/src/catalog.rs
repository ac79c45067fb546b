//! What the front-end knows of the ledger catalog. The village app carries
//! no catalog (issue 14: its ledger schemas are bytes a village phone would
//! download for a few titles): the titles of the ledger items a form is
//! filled from come with the form ([`ybt_core::Form::item_titles`]) and are
//! kept here for the provenance shown beside pre-filled values.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

thread_local! {
    static ITEM_TITLES: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
}

/// Keeps the item titles a served form carries.
pub fn remember_item_titles(titles: &BTreeMap<String, String>) {
    ITEM_TITLES.with(|known| known.borrow_mut().extend(titles.iter().map(|(k, v)| (k.clone(), v.clone()))));
}

/// The title of a ledger item (`person.name`), when a form served it.
pub fn item_title(item: &str) -> Option<String> {
    ITEM_TITLES.with(|known| known.borrow().get(item).cloned())
}

thread_local! {
    static RECORD_TYPES: Rc<ybt_core::ledger::RecordTypes> = Rc::new(ybt_core::ledger::RecordTypes::builtin().unwrap_or_default());
}

/// The ledger's record types (fields, titles, validators), for the ledger
/// page's edits: checked in the browser by the same core code as the worker.
pub fn record_types() -> Rc<ybt_core::ledger::RecordTypes> {
    RECORD_TYPES.with(Rc::clone)
}
