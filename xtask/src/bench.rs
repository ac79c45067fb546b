//! `cargo xtask bench-validate`: the validation benchmark of issue 4. Builds
//! the validator adapter as wasm (wasm-bindgen for Node, wasm-opt) and its
//! native example, installs ajv into `bench/node_modules`, then runs
//! `bench/validate.mjs`, which prints rows/s natively, as wasm and with ajv.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::build::{WASM_FEATURES, wasm_bindgen_bin};
use crate::cmd::{self, npm_bin, root, run};

/// How many seeded random templates are measured after the shipped ones.
const GENERATED_TEMPLATES: usize = 20;

/// The generated templates' series by default (the differential test's too).
pub const GENERATOR_SEED: u64 = 14;

/// How the wasm is optimised.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// Profile `bench-wasm` (the release profile at opt-level 3, see
    /// Cargo.toml) and wasm-opt -O3: as fast as we can make it.
    Speed,
    /// The shipped release profile (opt-level "z") and wasm-opt -Oz, as the
    /// front-end is built: what the browser would run today.
    Size,
}

/// `engine_only`: skip the validator adapter (the compiler as wasm, slow to
/// build) and measure the engine alone on programs `gen_templates` compiled
/// natively; the wasm and compile columns then show —.
/// `seed`: the series of generated templates (each seed its own folder).
pub fn validate(rows: usize, build: Build, engine_only: bool, seed: u64) -> Result<()> {
    let (profile, wasm_opt) = match build {
        Build::Speed => ("bench-wasm", "-O3"),
        Build::Size => ("release", "-Oz"),
    };
    let out = root().join("target/bench-validate");
    let wasm_dir = out.join(format!("wasm-{profile}"));
    std::fs::create_dir_all(&wasm_dir).context("creating target/bench-validate")?;

    let wasm = wasm_dir.join("ybt_validator_wasm_bg.wasm");
    if !engine_only {
        println!("bench: building ybt-validator-wasm (wasm32, profile {profile}, wasm-opt {wasm_opt}) and its native example");
        run(cmd::cargo().args(["build", "--profile", profile, "--target", "wasm32-unknown-unknown", "-p", "ybt-validator-wasm", "--lib"]))?;
        run(cmd::cargo().args(["build", "--profile", profile, "-p", "ybt-validator-wasm", "--example", "native_rows"]))?;
        run(Command::new(wasm_bindgen_bin())
            .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
            .arg(&wasm_dir)
            .arg(root().join(format!("target/wasm32-unknown-unknown/{profile}/ybt_validator_wasm.wasm"))))?;
        run(Command::new(npm_bin("wasm-opt")).arg(wasm_opt).args(WASM_FEATURES).arg("-o").arg(&wasm).arg(&wasm))?;
    }
    // Issue 14: the engine alone, as a page that receives programs carries it.
    println!("bench: building ybt-rules-wasm (the engine alone)");
    run(cmd::cargo().args(["build", "--profile", profile, "--target", "wasm32-unknown-unknown", "-p", "ybt-rules-wasm", "--lib"]))?;
    run(Command::new(wasm_bindgen_bin())
        .args(["--target", "nodejs", "--no-typescript", "--out-dir"])
        .arg(&wasm_dir)
        .arg(root().join(format!("target/wasm32-unknown-unknown/{profile}/ybt_rules_wasm.wasm"))))?;
    let engine_wasm = wasm_dir.join("ybt_rules_wasm_bg.wasm");
    run(Command::new(npm_bin("wasm-opt")).arg(wasm_opt).args(WASM_FEATURES).arg("-o").arg(&engine_wasm).arg(&engine_wasm))?;

    // Issue 14: templates nobody wrote by hand, from the seeded generator the
    // differential test runs against jsonschema; it compiles every template
    // (the shipped ones too) into the program the engine alone loads.
    let generated = if seed == GENERATOR_SEED { out.join("generated") } else { out.join(format!("generated-{seed}")) };
    let generated_rows = (rows / 5).max(100);
    let mut shipped: Vec<_> = std::fs::read_dir(root().join("schemas/templates"))
        .context("reading schemas/templates")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    shipped.sort();
    run(cmd::cargo()
        .args(["run", "--release", "-p", "ybt-core", "--example", "gen_templates", "--", "--seed", &seed.to_string()])
        .arg(&generated)
        .args([GENERATED_TEMPLATES.to_string(), generated_rows.to_string()])
        .args(&shipped))?;

    ensure_bench_packages()?;
    let mut node = cmd::node();
    node.arg(root().join("bench/validate.mjs"))
        .env("YBT_ENGINE_JS", wasm_dir.join("ybt_rules_wasm.js"))
        .env("YBT_BENCH_DIR", &out)
        .env("YBT_BENCH_ROWS", rows.to_string())
        .env("YBT_GENERATED_DIR", &generated)
        .env("YBT_PROGRAMS_DIR", &generated);
    if !engine_only {
        node.env("YBT_WASM_JS", wasm_dir.join("ybt_validator_wasm.js"))
            .env("YBT_NATIVE_ROWS", root().join(format!("target/{profile}/examples/native_rows")));
    }
    run(&mut node)?;

    println!();
    if !engine_only {
        print_size(&format!("validator-only wasm ({profile}, {wasm_opt})"), &wasm)?;
    }
    print_size(&format!("engine-only wasm ({profile}, {wasm_opt})"), &engine_wasm)?;
    let frontend = root().join("frontend/dist/app_bg.wasm");
    if frontend.exists() {
        print_size("village front-end wasm (frontend/dist/app_bg.wasm)", &frontend)?;
    }
    Ok(())
}

/// `npm install` in `bench/` when its node_modules is missing or older than its lockfile.
fn ensure_bench_packages() -> Result<()> {
    let bench = root().join("bench");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!(
        (modified(&bench.join("package-lock.json")), modified(&bench.join("node_modules/.package-lock.json"))),
        (Some(lock), Some(installed)) if installed >= lock
    );
    if fresh {
        return Ok(());
    }
    println!("bench: npm install in bench/ (ajv)");
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(bench))
}

fn print_size(name: &str, file: &Path) -> Result<()> {
    let raw = std::fs::metadata(file).with_context(|| format!("{} is missing", file.display()))?.len();
    let gzip = cmd::output(Command::new("sh").arg("-c").arg(format!("gzip -9c '{}' | wc -c", file.display())))
        .and_then(|s| s.parse::<u64>().ok())
        .context("gzip")?;
    println!("{name:<42} {:>8.1} KiB raw {:>8.1} KiB gzip -9", raw as f64 / 1024.0, gzip as f64 / 1024.0);
    Ok(())
}
