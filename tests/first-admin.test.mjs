// Issue 16: the first system administrator of a new database, without demo
// data. A fresh local D1 (migrations only, the district's own org unit)
// gets its administrator from `cargo xtask first-admin`, once: a second run
// changes nothing, a weak password is refused, and the administrator must
// change the password at first sign-in. Reads the database file directly.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NODE = join(ROOT, "node_modules/.bin/node");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };

function wrangler(...args) {
  execFileSync(NODE, [WRANGLER, ...args], { cwd: join(ROOT, "worker"), env: ENV, stdio: ["ignore", "ignore", "inherit"] });
}

function firstAdmin(state, password, username = "qu-admin") {
  return spawnSync("cargo", ["xtask", "first-admin", "--username", username, "--name", "区大数据中心 管理员", "--org-unit", "500118", "--state", state], {
    cwd: ROOT,
    env: { ...process.env, YBT_ADMIN_PASSWORD: password },
    encoding: "utf8",
  });
}

describe("the first administrator of a new database", () => {
  let state;
  const users = () => {
    const dir = join(state, "v3/d1/miniflare-D1DatabaseObject");
    const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    const rows = db.prepare("SELECT username, role, org_unit, must_change_password, password_hash FROM users").all();
    db.close();
    return rows;
  };

  before(() => {
    state = mkdtempSync(join(tmpdir(), "ybt-first-admin-"));
    // Accounts live in the directory database (issue 16): only it is touched.
    wrangler("d1", "migrations", "apply", "DIRECTORY", "--local", "--persist-to", state);
  });
  after(() => rmSync(state, { recursive: true, force: true }));

  it("refuses a weak password and creates nothing", () => {
    const weak = firstAdmin(state, "yibiaotong-demo");
    assert.notEqual(weak.status, 0, "a weak first password is refused");
    assert.match(weak.stderr + weak.stdout, /password/);
    assert.equal(users().length, 0);
  });

  it("creates the administrator once, who must change the password at first sign-in", () => {
    const first = firstAdmin(state, "Ledger-Hu#2026q");
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /created `qu-admin`/);
    const [admin, ...others] = users();
    assert.equal(others.length, 0);
    assert.equal(admin.role, "system_admin");
    assert.equal(admin.org_unit, "500118");
    assert.equal(admin.must_change_password, 1);
    assert.match(admin.password_hash, /^pbkdf2-sha256\$/, "only a hash is stored");
    assert.ok(!admin.password_hash.includes("Ledger-Hu#2026q"));

    const again = firstAdmin(state, "Another-Pass#2026", "second-admin");
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /already has a system administrator; nothing was changed/);
    assert.deepEqual(users().map((u) => u.username), ["qu-admin"], "one-time: no second administrator");
  });
});
