//! `wrangler` as a local server: a D1 state directory, migrations, demo data,
//! and a `wrangler dev` process that is always stopped, whatever happens.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd::{self, root, run};

/// Where wrangler keeps the local D1 (real SQLite files).
pub struct State {
    dir: PathBuf,
    temporary: bool,
}

impl State {
    /// The persistent state of `cargo xtask run`, kept between runs.
    pub fn default_dir() -> State {
        State { dir: root().join(".state/wrangler"), temporary: false }
    }

    /// A fresh directory for one test run, removed when dropped.
    pub fn temporary() -> Result<State> {
        let dir = std::env::temp_dir().join(format!("ybt-test-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(State { dir, temporary: true })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for State {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether to load the demo data when this state already holds the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeding {
    /// Skip it when the state's marker says the same demo data is loaded:
    /// keeps a second `cargo xtask run` quick.
    IfChanged,
    /// Load it regardless (it is idempotent; the tests check that).
    Always,
}

/// FNV-1a, 64 bits: a stable fingerprint of the demo data for the marker.
fn fingerprint(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{hash:016x}")
}

/// Every local database: the directory, then one per district.
pub fn databases() -> Vec<String> {
    std::iter::once(crate::divisions::DIRECTORY.to_owned())
        .chain(crate::divisions::DISTRICTS.iter().map(|d| crate::divisions::binding(d)))
        .collect()
}

/// Runs an SQL file against one local database.
fn execute_file(state: &State, database: &str, file: &Path) -> Result<()> {
    run(cmd::wrangler()
        .args(["d1", "execute", database, "--local", "--yes", "--persist-to"])
        .arg(state.dir())
        .arg("--file")
        .arg(file)
        .stdout(Stdio::null()))
}

/// Applies the D1 migrations to every database (the directory's own, and
/// the district migrations to each district) and loads the demo data
/// (idempotent). Returns the demo accounts.
pub fn prepare_database(state: &State, people_per_village: usize, seeding: Seeding) -> Result<Vec<crate::accounts::DemoAccount>> {
    crate::accounts::ensure_session_secret()?;
    for database in databases() {
        println!("database {database}: applying migrations");
        run(cmd::wrangler().args(["d1", "migrations", "apply", &database, "--local", "--persist-to"]).arg(state.dir()))?;
    }
    let demo = crate::seed::demo(people_per_village)?;
    // The accounts' password salts differ on every generation: leave them out.
    let marker = state.dir().join("demo-seed.done");
    let mut stamped = demo.directory_sql.split("INSERT OR IGNORE INTO users").next().unwrap_or_default().to_owned();
    for d in &demo.districts {
        stamped.push_str(&d.sql);
    }
    let stamp = fingerprint(&stamped);
    if seeding == Seeding::IfChanged && std::fs::read_to_string(&marker).is_ok_and(|m| m == stamp) {
        println!("database: demo data already loaded");
        return Ok(demo.accounts);
    }
    for d in &demo.districts {
        let file = root().join(format!("target/demo-seed-{}.sql", d.code));
        std::fs::write(&file, &d.sql).with_context(|| format!("writing {}", file.display()))?;
        println!(
            "database {}: loading {} {}: {} towns/streets, {} villages/communities, {people_per_village} people per village",
            crate::divisions::binding(&d.code),
            d.code,
            d.name,
            d.towns,
            d.villages
        );
        execute_file(state, &crate::divisions::binding(&d.code), &file)?;
    }
    let file = root().join("target/demo-seed-directory.sql");
    std::fs::write(&file, &demo.directory_sql).with_context(|| format!("writing {}", file.display()))?;
    println!("database {}: loading the district map, accounts and ingest keys", crate::divisions::DIRECTORY);
    execute_file(state, crate::divisions::DIRECTORY, &file)?;
    std::fs::write(&marker, stamp).with_context(|| format!("writing {}", marker.display()))?;
    Ok(demo.accounts)
}

/// Counts the rows of the demo tables in every database, straight from
/// the local D1s (`BINDING.table`).
pub fn count_rows(state: &State) -> Result<Vec<(String, u64)>> {
    let mut counts = Vec::new();
    for database in databases() {
        let tables: &[&str] = if database == crate::divisions::DIRECTORY {
            &["districts", "users", "ingest_keys"]
        } else {
            &["org_units", "ledger_records", "ledger_history", "templates", "tasks"]
        };
        let sql = tables.iter().map(|t| format!("SELECT '{t}' AS t, COUNT(*) AS n FROM {t}")).collect::<Vec<_>>().join(" UNION ALL ");
        let out = cmd::output(
            cmd::wrangler().args(["d1", "execute", &database, "--local", "--json", "--command", &sql, "--persist-to"]).arg(state.dir()),
        )
        .context("counting rows with wrangler d1 execute")?;
        let json: serde_json::Value = serde_json::from_str(&out).with_context(|| format!("wrangler printed no JSON: {out}"))?;
        let rows = json[0]["results"].as_array().context("no results")?;
        counts.extend(
            rows.iter().map(|r| (format!("{database}.{}", r["t"].as_str().unwrap_or_default()), r["n"].as_u64().unwrap_or_default())),
        );
    }
    Ok(counts)
}

/// The configurations `wrangler dev` runs as one local session: the main
/// worker first (the one served on the port), then the spreadsheet worker
/// it reaches through its `SHEETS` service binding (issue 14), which
/// gets no port of its own.
pub const DEV_CONFIGS: &[&str] = &["wrangler.toml", "../sheets/wrangler.toml"];

fn dev_command(state: &State, port: u16, inspector_port: u16) -> Command {
    let mut c = cmd::wrangler();
    c.arg("dev");
    for config in DEV_CONFIGS {
        c.args(["--config", config]);
    }
    c.args(["--ip", "127.0.0.1", "--port", &port.to_string()])
        .args(["--inspector-port", &inspector_port.to_string()])
        .args(["--show-interactive-dev-session=false", "--persist-to"])
        .arg(state.dir());
    c
}

/// Serves until the user stops it.
pub fn serve_foreground(state: &State, port: u16) -> Result<()> {
    run(&mut dev_command(state, port, free_port()?))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A `wrangler dev` in its own process group, stopped (group and all) on drop.
pub struct Server {
    child: Child,
    port: u16,
}

impl Server {
    pub fn start(state: &State) -> Result<Server> {
        let port = free_port()?;
        let log = std::fs::File::create(state.dir().join("wrangler-dev.log"))?;
        let child = dev_command(state, port, free_port()?)
            .process_group(0)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting wrangler dev")?;
        let mut server = Server { child, port };
        server.wait_until_healthy(state)?;
        Ok(server)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_until_healthy(&mut self, state: &State) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(state.dir().join("wrangler-dev.log")).unwrap_or_default();
                bail!("wrangler dev exited with {status}:\n{log}");
            }
            if health_ok(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        let log = std::fs::read_to_string(state.dir().join("wrangler-dev.log")).unwrap_or_default();
        bail!("wrangler dev did not answer /api/health within 90 s:\n{log}")
    }
}

/// A minimal HTTP/1.1 GET of /api/health, so the xtask needs no HTTP client.
fn health_ok(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// Sends `signal` to the process group `group`.
///
/// The `--` matters: procps `kill -TERM -1234` reads `-1234` as an option
/// and ends up calling kill(-1), which signals every process we may signal.
fn signal_group(signal: &str, group: u32) {
    if group > 1 {
        let _ = Command::new("kill").args(["-s", signal, "--", &format!("-{group}")]).stderr(Stdio::null()).status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The child was started with process_group(0): its pid is its group.
        let group = self.child.id();
        signal_group("TERM", group);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // workerd may outlive the node parent; the group takes it down too.
        signal_group("KILL", group);
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopping_a_group_spares_processes_outside_it() {
        let mut inside = Command::new("sleep").arg("30").process_group(0).spawn().expect("sleep starts");
        let mut outside = Command::new("sleep").arg("30").spawn().expect("sleep starts");
        signal_group("TERM", inside.id());
        let status = inside.wait().expect("inside is reaped");
        assert!(!status.success(), "the group's process was signalled");
        assert!(outside.try_wait().expect("outside is queried").is_none(), "a process outside the group survives");
        let _ = outside.kill();
        let _ = outside.wait();
    }
}
