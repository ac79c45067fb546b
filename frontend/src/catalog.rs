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
