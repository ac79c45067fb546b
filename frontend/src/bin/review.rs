//! The office app's review family: review (报表准入) with each request's form
//! preview, and the surveys page with the towns' quick builder
//! (`route::Entry::Review`).

fn main() {
    ybt_frontend::start_review();
}
