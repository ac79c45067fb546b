//! `cargo xtask deploy --dry-run`: what would go to Cloudflare, checked
//! against its limits, without an account (see docs/deploy.md).
//!
//! Builds the worker and the front-end, writes a wrangler configuration for
//! the given D1 database id and R2 bucket into `target/deploy/` (the
//! committed `worker/wrangler.toml` stays the local one), runs `wrangler
//! deploy --dry-run` on it and prints the upload's size against the Worker
//! size limits (3 MB gzip on the free plan, 10 MB on the paid one).

use anyhow::{Context, Result, bail};

use crate::cmd::{self, root};

/// Worker upload limits after compression (developers.cloudflare.com/workers/platform/limits/).
const FREE_LIMIT_KIB: f64 = 3.0 * 1024.0;
const PAID_LIMIT_KIB: f64 = 10.0 * 1024.0;

pub struct Options {
    pub database_id: String,
    pub bucket: String,
}

/// The deploy configuration: the local one with the real database id and
/// bucket, and paths that resolve from `target/deploy/`.
pub fn configuration(local: &str, options: &Options) -> Result<String> {
    let mut out = String::new();
    let mut replaced = (false, false);
    for line in local.lines() {
        let trimmed = line.trim_start();
        let line = if trimmed.starts_with("database_id") {
            replaced.0 = true;
            format!("database_id = \"{}\"", options.database_id)
        } else if trimmed.starts_with("bucket_name") {
            replaced.1 = true;
            format!("bucket_name = \"{}\"", options.bucket)
        } else if trimmed.starts_with("main = ") {
            "main = \"../../worker/build/worker/shim.mjs\"".to_owned()
        } else if trimmed.starts_with("directory = ") {
            "directory = \"../../frontend/dist\"".to_owned()
        } else if let Some(dir) = trimmed.strip_prefix("migrations_dir = \"") {
            format!("migrations_dir = \"../../worker/{}", dir)
        } else {
            line.to_owned()
        };
        out.push_str(&line);
        out.push('\n');
    }
    if replaced != (true, true) {
        bail!("worker/wrangler.toml has no database_id or bucket_name line to fill in");
    }
    Ok(out)
}

/// `Total Upload: 6335.49 KiB / gzip: 2329.74 KiB` → (raw, gzip) in KiB.
pub fn upload_sizes(output: &str) -> Option<(f64, f64)> {
    let line = output.lines().find(|l| l.contains("Total Upload:"))?;
    let numbers: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|s| !s.is_empty() && s.chars().any(|c| c.is_ascii_digit()))
        .filter_map(|s| s.parse().ok())
        .collect();
    match numbers.as_slice() {
        [raw, gzip, ..] => Some((*raw, *gzip)),
        _ => None,
    }
}

pub fn dry_run(options: &Options) -> Result<()> {
    crate::setup::ensure_all(crate::setup::Needs { browser: false })?;
    crate::build::all()?;
    let dir = root().join("target/deploy");
    std::fs::create_dir_all(&dir).context("creating target/deploy")?;
    let local = std::fs::read_to_string(root().join("worker/wrangler.toml")).context("reading worker/wrangler.toml")?;
    let config = dir.join("wrangler.toml");
    std::fs::write(&config, configuration(&local, options)?).context("writing target/deploy/wrangler.toml")?;
    let out = cmd::wrangler()
        .args(["deploy", "--dry-run", "--config"])
        .arg(&config)
        .arg("--outdir")
        .arg(dir.join("out"))
        .output()
        .context("running wrangler deploy --dry-run")?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        bail!("wrangler deploy --dry-run failed:\n{text}");
    }
    let (raw, gzip) = upload_sizes(&text).with_context(|| format!("no upload size in wrangler's output:\n{text}"))?;
    println!("deploy --dry-run: configuration in target/deploy/wrangler.toml (D1 {}, R2 {})", options.database_id, options.bucket);
    println!("worker upload: {raw:.0} KiB raw, {gzip:.0} KiB gzip");
    println!(
        "  free plan limit 3 MB gzip: {} ({:.0} %)",
        if gzip <= FREE_LIMIT_KIB { "fits" } else { "TOO LARGE" },
        gzip / FREE_LIMIT_KIB * 100.0
    );
    println!(
        "  paid plan limit 10 MB gzip: {} ({:.0} %)",
        if gzip <= PAID_LIMIT_KIB { "fits" } else { "TOO LARGE" },
        gzip / PAID_LIMIT_KIB * 100.0
    );
    if gzip > PAID_LIMIT_KIB {
        bail!("the worker is larger than any plan allows");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploy_configuration_fills_in_the_database_and_bucket_and_resolves_paths() {
        let local = std::fs::read_to_string(root().join("worker/wrangler.toml")).unwrap();
        let options = Options { database_id: "3f2a1c9e-0000-4000-8000-000000000001".into(), bucket: "ybt-photos-prod".into() };
        let config = configuration(&local, &options).unwrap();
        assert!(config.contains("database_id = \"3f2a1c9e-0000-4000-8000-000000000001\""));
        assert!(config.contains("bucket_name = \"ybt-photos-prod\""));
        assert!(config.contains("main = \"../../worker/build/worker/shim.mjs\""));
        assert!(!config.contains("00000000-0000-0000-0000-000000000000"), "no placeholder left");
    }

    #[test]
    fn reads_wranglers_upload_line() {
        let out = "✨ Read 7 files\nTotal Upload: 6335.49 KiB / gzip: 2329.74 KiB\nYour Worker has access to";
        assert_eq!(upload_sizes(out), Some((6335.49, 2329.74)));
        assert_eq!(upload_sizes("nothing"), None);
    }
}
