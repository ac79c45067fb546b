//! The office app's review family: review (报表准入) with each request's form
//! preview (`route::Entry::Review`).

fn main() {
    ybt_frontend::start_review();
}
