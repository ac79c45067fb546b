//! Architecture invariant: the core crate depends on no worker, DOM or wasm
//! bindings, on any target. Asks cargo for core's real dependency tree.

use std::process::Command;

const FORBIDDEN: &[&str] = &["worker", "worker-sys", "yew", "wasm-bindgen", "web-sys", "js-sys", "gloo-net"];

fn normal_dependencies(extra: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "-p", "ybt-core", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().filter_map(|l| l.split_whitespace().next().map(str::to_owned)).collect()
}

#[test]
fn core_links_no_platform_crates_natively() {
    let deps = normal_dependencies(&[]);
    assert!(deps.iter().any(|d| d == "serde_json"), "the tree was read: {deps:?}");
    let found: Vec<&String> = deps.iter().filter(|d| FORBIDDEN.contains(&d.as_str())).collect();
    assert!(found.is_empty(), "ybt-core depends on {found:?}");
}

#[test]
fn core_declares_no_platform_crates_for_any_target() {
    // Direct dependencies only: on wasm32, a dependency's own randomness
    // source (getrandom) may pull wasm-bindgen in; core itself must not.
    let deps = normal_dependencies(&["--depth", "1", "--target", "all"]);
    let found: Vec<&String> = deps.iter().skip(1).filter(|d| FORBIDDEN.contains(&d.as_str())).collect();
    assert!(found.is_empty(), "ybt-core declares {found:?}");
}

/// Issue 14: what ships as wasm files templates and validates rows on
/// `ybt-rules` programs; `jsonschema` and its regex engines stay in core's
/// own tests (the default feature the workspace dependency turns off).
#[test]
fn the_worker_and_the_front_end_link_no_jsonschema() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for package in ["ybt-worker", "ybt-frontend"] {
        let output = Command::new(&cargo)
            .args(["tree", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}"])
            .args(["--target", "wasm32-unknown-unknown"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
        let deps: Vec<String> =
            String::from_utf8_lossy(&output.stdout).lines().filter_map(|l| l.split_whitespace().next().map(str::to_owned)).collect();
        assert!(deps.iter().any(|d| d == "ybt-core"), "{package}: the tree was read: {deps:?}");
        let heavy: Vec<&String> =
            deps.iter().filter(|d| ["jsonschema", "referencing", "fancy-regex", "regex", "regex-automata"].contains(&d.as_str())).collect();
        assert!(heavy.is_empty(), "{package} links {heavy:?}");
    }
}

/// The normal dependencies of `package` built for the worker's target.
fn wasm_dependencies(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["tree", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(["--target", "wasm32-unknown-unknown"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().filter_map(|l| l.split_whitespace().next().map(str::to_owned)).collect()
}

/// Issue 14: the spreadsheet stack lives in the `ybt-sheets` worker behind
/// a service binding; the main worker (and the front-end) link none of it,
/// so their upload stays small. `ybt-sheets` does, through core's
/// `spreadsheets` feature (checked too, so this test reads real trees).
#[test]
fn only_the_sheets_worker_links_the_spreadsheet_stack() {
    const STACK: &[&str] = &["calamine", "rust_xlsxwriter", "zip", "encoding_rs", "quick-xml", "zlib-rs", "codepage"];
    for package in ["ybt-worker", "ybt-frontend"] {
        let deps = wasm_dependencies(package);
        assert!(deps.iter().any(|d| d == "ybt-core"), "{package}: the tree was read: {deps:?}");
        let linked: Vec<&String> = deps.iter().filter(|d| STACK.contains(&d.as_str())).collect();
        assert!(linked.is_empty(), "{package} links {linked:?}");
    }
    let sheets = wasm_dependencies("ybt-sheets");
    for crate_name in ["calamine", "rust_xlsxwriter", "zip", "encoding_rs"] {
        assert!(sheets.iter().any(|d| d == crate_name), "ybt-sheets links {crate_name}: {sheets:?}");
    }
}
