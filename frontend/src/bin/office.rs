//! The office app's home family: an office user's home, dispatch, boards,
//! summaries, burden, transfers, accounts and audit (`route::Entry::Office`).

fn main() {
    ybt_frontend::start_office();
}
