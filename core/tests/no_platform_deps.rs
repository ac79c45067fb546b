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
