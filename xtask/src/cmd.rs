//! Running tools: where they live and how failures are reported.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    c.current_dir(root());
    c
}

/// The toolchain every shipped wasm is compiled with (issue 14): a pinned
/// nightly, because only a nightly rebuilds the standard library with the
/// bundle's own profile (`-Z build-std`, std built for size and linked with
/// LTO as one program). Native code, the tests and the benchmark adapter stay
/// on stable. `setup` installs it (`--profile minimal` plus `rust-src`, from
/// the Rust dist server like the wasm32 target; ~10 s).
pub const WASM_TOOLCHAIN: &str = "nightly-2026-05-20";

/// What a panic does in a shipped wasm.
#[derive(Clone, Copy)]
pub enum Panics {
    /// The message is formatted and reported (the workers: a panic's text
    /// and place reach the logs).
    Reported,
    /// The wasm traps at once (`-C panic=immediate-abort`): no formatting
    /// code, no messages, no source locations — 20 KB gzip of the village
    /// bundle (BENCHMARKS.md). The front-end's bundles: in the browser a
    /// panic ends the app either way, and the console shows where it trapped.
    Trap,
}

/// `cargo` for a shipped wasm: the pinned nightly (through rustup's proxy,
/// whatever toolchain runs xtask) with std rebuilt for size.
pub fn wasm_cargo(panics: Panics) -> Command {
    let mut c = Command::new("cargo");
    c.current_dir(root());
    wasm_env(&mut c, panics);
    c
}

/// The environment of [`wasm_cargo`], also given to tools that run cargo
/// themselves (worker-build): the same flags make their build a no-op.
pub fn wasm_env(c: &mut Command, panics: Panics) {
    // The outer `cargo xtask` names its own toolchain and binaries; the
    // proxy must choose the pinned nightly instead.
    for name in ["CARGO", "RUSTC", "RUSTDOC", "RUSTC_WRAPPER", "CARGO_ENCODED_RUSTFLAGS"] {
        c.env_remove(name);
    }
    let rustflags = match panics {
        Panics::Reported => "",
        Panics::Trap => "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none",
    };
    c.env("RUSTUP_TOOLCHAIN", WASM_TOOLCHAIN)
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env("RUSTFLAGS", rustflags);
}

/// A binary installed by npm into `node_modules/.bin`.
pub fn npm_bin(name: &str) -> PathBuf {
    root().join("node_modules/.bin").join(name)
}

/// Node 22 from the `node` npm package (wrangler 4 needs ≥ 22.12; Debian has 20).
pub fn node() -> Command {
    let mut c = Command::new(npm_bin("node"));
    c.current_dir(root());
    c
}

/// `wrangler …`, run by Node 22 inside `worker/`.
pub fn wrangler() -> Command {
    let mut c = node();
    c.arg(root().join("node_modules/wrangler/bin/wrangler.js"))
        .current_dir(root().join("worker"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "true");
    c
}

/// Runs a command to completion; fails with its name when it fails.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command.status().with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// Runs a command and returns its standard output, or `None` if it cannot
/// start or fails (used to probe installed versions).
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The node test files under `tests/`, sorted.
pub fn test_files() -> Result<Vec<PathBuf>> {
    let dir = root().join("tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no *.test.mjs files in {}", dir.display());
    }
    Ok(files)
}
