//! The office app's surveys family: emergency surveys with the towns' quick
//! builder, boards and intake (`route::Entry::Surveys`).

fn main() {
    ybt_frontend::start_surveys();
}
