//! The office app's ledger family: a village's ledger, its import and each
//! record's history (`route::Entry::Ledger`).

fn main() {
    ybt_frontend::start_ledger();
}
