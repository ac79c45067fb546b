//! Import benchmark (filled in with the demo generator).

fn main() {}
