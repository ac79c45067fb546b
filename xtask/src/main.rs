//! Project automation. `cargo xtask run` builds everything and serves the
//! app with demo data; `cargo xtask test` runs every test. Both install what
//! they need first, and both are safe to repeat.

mod accounts;
mod bench;
mod build;
mod cmd;
mod deploy;
mod divisions;
mod first_admin;
mod fuzz;
mod seed;
mod setup;
mod wrangler;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  run    install, build, migrate, load demo data (永川, 江北, 荔城: a D1 each, plus
         the directory), serve at http://127.0.0.1:8787
           --port N                 port to serve on (default 8787)
           --people-per-village N   demo people per village (default 75: ~20,000 in 永川区)
  test   install, build, then run every test: native, fuzz, worker integration, browser
  integration [FILE…]
         the quick loop while developing: build, then only the node tests
         (all of tests/, or the named files) against a fresh wrangler dev
  fuzz   build the cargo-fuzz targets and run each for a bounded time
           --seconds N              per target (default 20)
  setup  only install what is missing
  build  only build the two workers (the app's and the spreadsheet worker) and the front-end (release)
  sizes  print the raw and gzip sizes of the built workers' and front-end's wasm
  bench-validate [--rows N] [--size] [--engine-only] [--seed N]
         validations per second per template: native, wasm under Node, ajv 8
         (N rows per template, default 10000; --size: build as the front-end
         ships, opt-level z and wasm-opt -Oz, instead of for speed;
         --engine-only: skip the compiler's wasm, measure the engine alone;
         --seed N: the generated templates' series, default 14)
  seed-sql FILE [--people-per-village N]
         write the demo-data SQL to FILE (each database's part headed by its binding)
  deploy --dry-run [--districts CODE[=ID],…] [--directory-id ID] [--bucket NAME]
         build, write target/deploy/wrangler.toml for the directory D1, one D1
         per district (default: the three local ones) and the R2 bucket, and
         target/deploy/districts.sql (the directory's district map); run
         `wrangler deploy --dry-run` on it and on sheets/wrangler.toml and
         check both uploads against the 3 MB (free) / 10 MB (paid) limits
         (docs/deploy.md)
  first-admin --username NAME [--name 显示名] --org-unit DISTRICT (--remote --config FILE | [--state DIR])
         create the first system administrator of a district that has none (in the directory)
         (password from YBT_ADMIN_PASSWORD; changed at first sign-in)
  bench-xlsx FILE --village CODE [--people N]
         write an XLSX ledger of N synthetic people (default 100,000) of the
         village CODE, for the import benchmark (tests/bench/ledger.mjs)";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let flag = |name: &str, default: usize| -> Result<usize> {
        match args.iter().position(|a| a == name) {
            None => Ok(default),
            Some(i) => {
                args.get(i + 1).with_context(|| format!("{name} needs a value"))?.parse().with_context(|| format!("{name} needs a number"))
            }
        }
    };
    match command.as_str() {
        "run" => run(flag("--port", 8787)?, flag("--people-per-village", seed::DEFAULT_PEOPLE_PER_VILLAGE)?),
        "test" => test(),
        "integration" => {
            setup::ensure_all(setup::Needs { browser: true })?;
            build::all()?;
            integration(&args[1..])
        }
        "setup" => setup::ensure_all(setup::Needs { browser: false }),
        "build" => {
            setup::ensure_all(setup::Needs { browser: false })?;
            build::all()
        }
        "sizes" => build::print_sizes(),
        "bench-validate" => {
            setup::ensure_all(setup::Needs { browser: false })?;
            let build = if args.iter().any(|a| a == "--size") { bench::Build::Size } else { bench::Build::Speed };
            let seed = flag("--seed", bench::GENERATOR_SEED as usize)? as u64;
            bench::validate(flag("--rows", 10_000)?, build, args.iter().any(|a| a == "--engine-only"), seed)
        }
        "fuzz" => fuzz::build_and_run(flag("--seconds", fuzz::DEFAULT_SECONDS)?),
        "seed-sql" => {
            let file = args.get(1).context("seed-sql needs a FILE")?;
            let sql = seed::demo_sql(flag("--people-per-village", seed::DEFAULT_PEOPLE_PER_VILLAGE)?)?;
            std::fs::write(file, sql).with_context(|| format!("writing {file}"))
        }
        "bench-xlsx" => {
            let file = args.get(1).context("bench-xlsx needs a FILE")?;
            let village =
                args.iter().position(|a| a == "--village").and_then(|i| args.get(i + 1)).context("bench-xlsx needs --village CODE")?;
            seed::bench_xlsx(std::path::Path::new(file), village, flag("--people", 100_000)?)
        }
        "deploy" => {
            if !args.iter().any(|a| a == "--dry-run") {
                bail!("cargo xtask deploy only runs with --dry-run; a real deploy is `wrangler deploy` with your account (docs/deploy.md)");
            }
            let text = |name: &str, default: &str| {
                args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default.to_owned(), String::clone)
            };
            deploy::dry_run(&deploy::Options {
                directory_id: text("--directory-id", &deploy::placeholder_id("0")),
                districts: deploy::parse_districts(&text("--districts", &divisions::DISTRICTS.join(",")))?,
                bucket: text("--bucket", "yibiaotong-photos"),
            })
        }
        "first-admin" => {
            let text = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
            let admin = first_admin::FirstAdmin {
                username: text("--username").context("first-admin needs --username NAME")?,
                display_name: text("--name").unwrap_or_else(|| "系统管理员".to_owned()),
                org_unit: text("--org-unit").context("first-admin needs --org-unit DISTRICT_CODE")?,
            };
            let target = match (args.iter().any(|a| a == "--remote"), text("--config"), text("--state")) {
                (true, Some(config), _) => first_admin::Target::Remote(config.into()),
                (true, None, _) => bail!("first-admin --remote needs --config FILE (cargo xtask deploy --dry-run writes one)"),
                (false, _, Some(state)) => first_admin::Target::Local(state.into()),
                (false, _, None) => first_admin::Target::Local(wrangler::State::default_dir().dir().to_owned()),
            };
            first_admin::run(&admin, &target)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn run(port: usize, people_per_village: usize) -> Result<()> {
    let started = std::time::Instant::now();
    setup::ensure_all(setup::Needs { browser: false })?;
    build::all()?;
    let state = wrangler::State::default_dir();
    let accounts = wrangler::prepare_database(&state, people_per_village, wrangler::Seeding::IfChanged)?;
    println!(
        "\n一表通 yibiaotong is ready in {:.0} s: http://127.0.0.1:{port}\n\
         Demo data: 永川区 (500118), 江北区 (500105), 荔城区 (350304), each in its own D1, {people_per_village} people per village.\n\
         Demo logins (password for all: {}):",
        started.elapsed().as_secs_f64(),
        accounts::DEMO_PASSWORD
    );
    for a in &accounts {
        println!("  {:<10} {:<22} {} {}", a.username, a.role.title_zh(), a.org_unit, a.department.unwrap_or(""));
    }
    println!("Department ingest keys (POST /api/ingest/{{entity}}?org_unit=CODE, Authorization: Bearer KEY):");
    for k in accounts::demo_ingest_keys() {
        println!("  {:<14} {} {:<22} {}", k.department, k.org_unit, k.entities.join(","), k.key);
    }
    println!("Press Ctrl-C to stop.\n");
    wrangler::serve_foreground(&state, port as u16)
}

fn test() -> Result<()> {
    setup::ensure_all(setup::Needs { browser: true })?;
    cmd::run(cmd::cargo().args(["test", "--workspace", "--exclude", "ybt-worker", "--exclude", "ybt-sheets", "--exclude", "ybt-frontend"]))
        .context("native tests failed")?;
    fuzz::build_and_run(fuzz::DEFAULT_SECONDS)?;
    build::all()?;
    integration(&[])
}

/// Starts a fresh worker with demo data and runs the node test files.
fn integration(files: &[String]) -> Result<()> {
    let state = wrangler::State::temporary()?;
    let accounts = wrangler::prepare_database(&state, seed::TEST_PEOPLE_PER_VILLAGE, wrangler::Seeding::Always)?;
    // Loading the demo twice must change nothing: the run command relies on it.
    let first = wrangler::count_rows(&state)?;
    wrangler::prepare_database(&state, seed::TEST_PEOPLE_PER_VILLAGE, wrangler::Seeding::Always)?;
    let second = wrangler::count_rows(&state)?;
    if first != second {
        bail!("loading the demo data twice changed the row counts: {first:?} → {second:?}");
    }
    println!("demo data loaded twice, unchanged: {first:?}");
    let secret = accounts::ensure_session_secret()?;
    let server = wrangler::Server::start(&state)?;
    let base_url = server.base_url();
    println!("worker under test: {base_url} (state in {})", state.dir().display());
    let status = cmd::node()
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(if files.is_empty() { cmd::test_files()? } else { files.iter().map(std::path::PathBuf::from).collect() })
        .env("YBT_BASE_URL", &base_url)
        .env("YBT_DEMO_PASSWORD", accounts::DEMO_PASSWORD)
        .env("YBT_SESSION_SECRET", &secret)
        .env("YBT_INGEST_KEYS", accounts::ingest_keys_env())
        .env("YBT_DEMO_ACCOUNTS", accounts.iter().map(|a| a.username).collect::<Vec<_>>().join(","))
        // The local D1 state, for a test that writes one step of a move
        // directly (a crash half-way, tests/transfers-districts.test.mjs).
        .env("YBT_STATE_DIR", state.dir())
        .status()
        .context("starting node's test runner")?;
    drop(server);
    drop(state);
    if !status.success() {
        bail!("integration or browser tests failed");
    }
    Ok(())
}
