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
