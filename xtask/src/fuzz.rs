//! The cargo-fuzz targets of core (`fuzz/`): built and run for a bounded
//! time by `cargo xtask test`, so a panic in `compile` or `validate` on
//! arbitrary input fails the build.
//!
//! Only stable Rust can be installed here; cargo-fuzz needs `-Z` flags, so
//! the fuzz build (and nothing else) runs with `RUSTC_BOOTSTRAP=1`.

use std::process::Command;

use anyhow::{Context, Result};

use crate::cmd::{output, root, run};

/// Seconds each target runs in `cargo xtask test`.
pub const DEFAULT_SECONDS: usize = 20;
const CARGO_FUZZ_VERSION: &str = "0.13.2";
const TARGETS: [&str; 4] = ["compile", "validate", "compiled", "import"];

fn cargo_fuzz() -> Command {
    let mut c = Command::new("cargo");
    c.arg("fuzz")
        .current_dir(root().join("fuzz"))
        .env("RUSTC_BOOTSTRAP", "1")
        // The fuzz crate keeps its own target dir: sanitizer builds share nothing.
        .env_remove("CARGO_TARGET_DIR");
    c
}

pub fn build_and_run(seconds: usize) -> Result<()> {
    let installed = output(Command::new("cargo").args(["fuzz", "--version"])).unwrap_or_default();
    if !installed.contains(CARGO_FUZZ_VERSION) {
        println!("setup: cargo install cargo-fuzz {CARGO_FUZZ_VERSION} (once)");
        run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked", "--version", CARGO_FUZZ_VERSION]))?;
    }
    println!("fuzz: building {TARGETS:?}");
    run(cargo_fuzz().args(["build", "-O"])).context("building the fuzz targets")?;
    for target in TARGETS {
        println!("fuzz: {target} for {seconds} s");
        run(cargo_fuzz().args(["run", "-O", target, "--", &format!("-max_total_time={seconds}"), "-max_len=4096"]))
            .with_context(|| format!("fuzz target {target} found a failure (see fuzz/artifacts/{target}/)"))?;
    }
    Ok(())
}
