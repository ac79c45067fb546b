//! The village app's bundle: sign-in, inbox, task form, survey filling and
//! the offline outbox; any other page opens in the bundle `route::entry` names.

fn main() {
    ybt_frontend::start_village();
}
