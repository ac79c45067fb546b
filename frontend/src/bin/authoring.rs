//! The office app's authoring family: a department designs a template,
//! compiled live (`route::Entry::Authoring`).

fn main() {
    ybt_frontend::start_authoring();
}
