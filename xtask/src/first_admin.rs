//! `cargo xtask first-admin`: the first system administrator of a district
//! (in the directory database), created once without demo data
//! (docs/deploy.md).
//!
//! The password comes from the environment (`YBT_ADMIN_PASSWORD`), never
//! the command line, and must pass the rule every account passes
//! (`access::validate_new_user`). The insert is conditional on the database
//! having no administrator yet, so the command is one-time by construction:
//! run again (or after the app created administrators) it changes nothing
//! and says so. The administrator must choose a new password at first
//! sign-in (`must_change_password`), so the one typed into a terminal does
//! not stay in use.

use anyhow::{Context, Result, bail};
use ybt_core::access::{PBKDF2_ITERATIONS, Role, hash_password, validate_new_user};
use ybt_core::api::CreateUserRequest;

use crate::cmd;

/// Where the database is: the local D1 under a persist directory, or the
/// remote one of a deploy configuration.
pub enum Target {
    Local(std::path::PathBuf),
    Remote(std::path::PathBuf),
}

pub struct FirstAdmin {
    pub username: String,
    pub display_name: String,
    pub org_unit: String,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The one statement: an administrator inserted only for a district that
/// has none.
pub fn insert_sql(admin: &FirstAdmin, id: &str, password_hash: &str, now: &str) -> String {
    format!(
        "INSERT INTO users (id, username, display_name, role, org_unit, department, password_hash, created_at, must_change_password) \
         SELECT {}, {}, {}, 'system_admin', {}, NULL, {}, {}, 1 \
         WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'system_admin' AND substr(org_unit, 1, 6) = {});",
        quote(id),
        quote(&admin.username),
        quote(&admin.display_name),
        quote(&admin.org_unit),
        quote(password_hash),
        quote(now),
        quote(&admin.org_unit[..admin.org_unit.len().min(6)]),
    )
}

/// Checks the account as the app checks a new one.
pub fn check(admin: &FirstAdmin, password: &str) -> Result<()> {
    let request = CreateUserRequest {
        username: admin.username.clone(),
        display_name: admin.display_name.clone(),
        role: Role::SystemAdmin,
        org_unit: admin.org_unit.clone(),
        department: None,
        password: password.to_owned(),
    };
    let errors = validate_new_user(&request);
    if !errors.is_empty() {
        let said: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.pointer, e.message.zh)).collect();
        bail!("the first administrator is refused:\n  {}", said.join("\n  "));
    }
    Ok(())
}

fn random_hex(n: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).context("reading /dev/urandom")?;
    Ok(bytes)
}

pub fn run(admin: &FirstAdmin, target: &Target) -> Result<()> {
    let password = std::env::var("YBT_ADMIN_PASSWORD").context("set YBT_ADMIN_PASSWORD to the administrator's first password")?;
    check(admin, &password)?;
    let hash = hash_password(&password, &random_hex(16)?, PBKDF2_ITERATIONS).encode();
    let id = format!("user-{}", random_hex(8)?.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let now = std::process::Command::new("date").args(["-u", "+%Y-%m-%dT%H:%M:%SZ"]).output().context("date")?;
    let now = String::from_utf8_lossy(&now.stdout).trim().to_owned();
    let sql = insert_sql(admin, &id, &hash, &now);
    let execute = |command: &str| {
        let mut c = cmd::wrangler();
        c.args(["d1", "execute", crate::divisions::DIRECTORY, "--yes", "--json", "--command", command]);
        match target {
            Target::Local(state) => c.arg("--local").arg("--persist-to").arg(state),
            Target::Remote(config) => c.arg("--remote").arg("--config").arg(config),
        };
        let out = c.output().context("running wrangler d1 execute")?;
        if !out.status.success() {
            bail!("wrangler d1 execute failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        }
        serde_json::from_slice::<serde_json::Value>(&out.stdout).context("wrangler printed no JSON")
    };
    execute(&sql)?;
    let found = execute(&format!("SELECT id FROM users WHERE id = {}", quote(&id)))?;
    let created = found[0]["results"].as_array().is_some_and(|rows| !rows.is_empty());
    if created {
        println!("first-admin: created `{}` ({}); the password must be changed at first sign-in", admin.username, admin.display_name);
    } else {
        println!("first-admin: the database already has a system administrator; nothing was changed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin() -> FirstAdmin {
        FirstAdmin { username: "admin".into(), display_name: "区大数据中心 O'Brien".into(), org_unit: "500118".into() }
    }

    #[test]
    fn the_insert_is_one_time_and_quotes_what_it_is_given() {
        let sql = insert_sql(&admin(), "user-1", "pbkdf2-sha256$1$s$h", "2026-11-29T08:00:00Z");
        assert!(
            sql.contains("WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'system_admin' AND substr(org_unit, 1, 6) = '500118')"),
            "{sql}"
        );
        assert!(sql.contains("'区大数据中心 O''Brien'"), "a quote in a name cannot end the literal: {sql}");
        assert!(sql.contains(", 1 WHERE"), "must change the password at first sign-in: {sql}");
    }

    #[test]
    fn the_first_administrator_follows_the_password_rule_and_belongs_to_a_district() {
        assert!(check(&admin(), "Ledger-Hu#2026q").is_ok());
        let weak = check(&admin(), "yibiaotong").unwrap_err().to_string();
        assert!(weak.contains("/password"), "{weak}");
        let village = FirstAdmin { org_unit: "500118100001".into(), ..admin() };
        assert!(check(&village, "Ledger-Hu#2026q").unwrap_err().to_string().contains("/org_unit"));
    }
}
