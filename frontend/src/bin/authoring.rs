//! The office app's authoring family: authoring with live compile, review
//! (报表准入) with its preview, quick surveys (`route::Entry::Authoring`).

fn main() {
    ybt_frontend::start_authoring();
}
