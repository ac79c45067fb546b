//! The office app's bundle: every page, authoring with live compile among them.

fn main() {
    ybt_frontend::start_office();
}
