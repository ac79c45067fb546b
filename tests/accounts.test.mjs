// Issue 20: accounts, grants and the audit log as an administrator's daily
// work — disabling (sessions end at once), a reset that forces a change,
// the password rule, grant changes logged, the audit log's classes,
// filters, paging and CSV, and the org-unit search of the account form.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login, NEW_PASSWORD } from "./helpers.mjs";

const as = (who) => ({ session: who.session });
const TEMPORARY = "Reset-Temp#7391";
const CHOSEN = "Mine-Own#5820z";

let admin, cun, zhen;
before(async () => {
  [admin, cun, zhen] = await Promise.all([login("admin"), login("cun"), login("zhen")]);
});

/** A new account of `role` in `unit`, signed in. */
async function account(role = "village_staff", unit = cun.me.org_unit) {
  const username = `acct-${randomUUID().slice(0, 8)}`;
  const created = await api("POST", "/api/users", { username, display_name: `测试${username.slice(5)}`, role, org_unit: unit, password: NEW_PASSWORD }, as(admin));
  assert.equal(created.status, 201, created.text);
  return { ...(await login(username, NEW_PASSWORD)), id: created.json.user_id, username };
}

describe("disabling an account", () => {
  it("ends its open session at once, refuses its sign-in, and re-enabling lets it sign in again", async () => {
    const user = await account();
    assert.equal((await api("GET", "/api/tasks", undefined, as(user))).status, 200, "the session works before");
    const off = await api("PATCH", `/api/users/${user.id}`, { disabled: true }, as(admin));
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.disabled, true);
    const after = await api("GET", "/api/tasks", undefined, as(user));
    assert.equal(after.status, 401, "the open session is revoked by the next request");
    assert.equal((await api("POST", "/api/auth/login", { username: user.username, password: NEW_PASSWORD })).status, 401);
    // Repeating it changes nothing and logs nothing twice.
    assert.equal((await api("PATCH", `/api/users/${user.id}`, { disabled: true }, as(admin))).status, 200);
    const on = await api("PATCH", `/api/users/${user.id}`, { disabled: false }, as(admin));
    assert.equal(on.status, 200, on.text);
    assert.equal(on.json.disabled, false);
    assert.equal((await api("GET", "/api/tasks", undefined, as(user))).status, 401, "the old session stays dead");
    await login(user.username, NEW_PASSWORD);
    const events = await api("GET", `/api/audit/accounts?user=${user.id}`, undefined, as(admin));
    assert.deepEqual(events.json.events.map((e) => e.kind), ["enabled", "disabled", "created"]);
    assert.ok(events.json.events.every((e) => e.actor_name === admin.me.display_name && e.target_name === user.me.display_name));
  });

  it("keeps the administrator's own account, and unknown or hostile bodies get a 4xx", async () => {
    const self = await api("PATCH", `/api/users/${admin.me.user_id}`, { disabled: true }, as(admin));
    assert.equal(self.status, 409, self.text);
    assert.match(self.json.error.message.zh, /不能停用自己的账户/);
    assert.equal((await api("PATCH", `/api/users/nobody-${randomUUID()}`, { disabled: true }, as(admin))).status, 404);
    for (const body of [{}, { disabled: "yes" }, [1, 2]]) {
      const r = await api("PATCH", `/api/users/${cun.me.user_id}`, body, as(admin));
      assert.ok(r.status >= 400 && r.status < 500, `${JSON.stringify(body)} → ${r.status}`);
    }
    assert.equal((await api("GET", "/api/tasks", undefined, as(cun))).status, 200, "cun untouched");
  });
});

describe("an administrator's password reset", () => {
  it("ends the user's sessions and forces a new password before anything else works", async () => {
    const user = await account();
    const weak = await api("POST", `/api/users/${user.id}/password`, { password: "Password@123" }, as(admin));
    assert.equal(weak.status, 422, weak.text);
    assert.deepEqual(weak.json.error.fields.map((f) => f.code), ["password_common"]);
    assert.equal(weak.json.error.fields[0].pointer, "/password");
    assert.match(weak.json.error.fields[0].message.zh, /密码/);

    const reset = await api("POST", `/api/users/${user.id}/password`, { password: TEMPORARY }, as(admin));
    assert.equal(reset.status, 200, reset.text);
    assert.equal(reset.json.must_change_password, true);
    assert.equal((await api("GET", "/api/tasks", undefined, as(user))).status, 401, "the old session ended");
    assert.equal((await api("POST", "/api/auth/login", { username: user.username, password: NEW_PASSWORD })).status, 401);

    const temp = await api("POST", "/api/auth/login", { username: user.username, password: TEMPORARY });
    assert.equal(temp.status, 200, temp.text);
    assert.equal(temp.json.must_change_password, true);
    const session = { session: temp.headers.getSetCookie()[0].split(";")[0].split("=")[1] };
    for (const [method, path] of [["GET", "/api/tasks"], ["GET", "/api/templates"], ["GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`]]) {
      const r = await api(method, path, undefined, session);
      assert.equal(r.status, 403, `${path}: ${r.text}`);
      assert.equal(r.json.error.code, "password_change_required");
    }
    assert.equal((await api("GET", "/api/auth/me", undefined, session)).json.must_change_password, true);

    const wrong = await api("POST", "/api/auth/password", { current_password: "not it at all", new_password: CHOSEN }, session);
    assert.equal(wrong.status, 422, wrong.text);
    assert.equal(wrong.json.error.fields[0].pointer, "/current_password");
    const bad = await api("POST", "/api/auth/password", { current_password: TEMPORARY, new_password: `${user.username}A1!` }, session);
    assert.equal(bad.status, 422, bad.text);
    assert.ok(bad.json.error.fields.some((f) => f.pointer === "/new_password" && f.code === "password_contains_username"), bad.text);
    const same = await api("POST", "/api/auth/password", { current_password: TEMPORARY, new_password: TEMPORARY }, session);
    assert.ok(same.json.error.fields.some((f) => f.code === "password_unchanged"), same.text);

    const changed = await api("POST", "/api/auth/password", { current_password: TEMPORARY, new_password: CHOSEN }, session);
    assert.equal(changed.status, 200, changed.text);
    assert.equal(changed.json.must_change_password, false);
    assert.equal((await api("GET", "/api/tasks", undefined, session)).status, 200, "this session goes on");
    assert.equal((await api("POST", "/api/auth/login", { username: user.username, password: TEMPORARY })).status, 401);
    await login(user.username, CHOSEN);
    const events = await api("GET", `/api/audit/accounts?user=${user.id}`, undefined, as(admin));
    assert.deepEqual(events.json.events.map((e) => e.kind), ["password_changed", "password_reset", "created"]);
    assert.ok(!events.text.includes(TEMPORARY) && !events.text.includes(CHOSEN), "no password is logged");
  });

  it("refuses new accounts with passwords below the baseline, naming each problem", async () => {
    for (const [password, code] of [["Ab1!xyz", "password_too_short"], ["onlylowercase", "password_too_few_classes"], ["Admin@2026", "password_common"]]) {
      const r = await api("POST", "/api/users", { username: `weak-${randomUUID().slice(0, 6)}`, display_name: "弱密码", role: "village_staff", org_unit: cun.me.org_unit, password }, as(admin));
      assert.equal(r.status, 422, r.text);
      assert.ok(r.json.error.fields.some((f) => f.pointer === "/password" && f.code === code), `${password}: ${r.text}`);
    }
  });
});

describe("only the system administrator", () => {
  it("disables, resets, reads the audit log, its export and the account events", async () => {
    const zhuanyuan = await login("zhuanyuan");
    for (const who of [zhuanyuan, zhen, cun]) {
      for (const [method, path, body] of [
        ["PATCH", `/api/users/${cun.me.user_id}`, { disabled: true }],
        ["POST", `/api/users/${cun.me.user_id}/password`, { password: TEMPORARY }],
        ["GET", "/api/audit"],
        ["GET", "/api/audit/export"],
        ["GET", "/api/audit/accounts"],
      ]) {
        const r = await api(method, path, body, as(who));
        assert.equal(r.status, 403, `${who.me.username} ${method} ${path}: ${r.text}`);
      }
    }
    assert.equal((await api("GET", "/api/tasks", undefined, as(cun))).status, 200, "cun was neither disabled nor reset");
  });
});

describe("grant changes", () => {
  it("are logged with who, whom, what was added and removed, and when", async () => {
    const viewer = await account("admin_specialist", "500118");
    const put = (items) => api("PUT", `/api/users/${viewer.id}/grants`, { items }, as(admin));
    assert.equal((await put(["person.id_number", "person.phone"])).status, 200);
    assert.equal((await put(["person.id_number"])).status, 200);
    assert.equal((await put(["person.id_number"])).status, 200, "a repeat changes nothing");
    const r = await api("GET", `/api/audit/accounts?user=${viewer.id}`, undefined, as(admin));
    assert.equal(r.status, 200, r.text);
    const grants = r.json.events.filter((e) => e.kind === "grants_changed");
    assert.equal(grants.length, 2, r.text);
    assert.deepEqual([grants[0].added, grants[0].removed], [[], ["person.phone"]]);
    assert.deepEqual([grants[1].added, grants[1].removed], [["person.id_number", "person.phone"], []]);
    for (const e of grants) {
      assert.equal(e.actor_name, admin.me.display_name);
      assert.equal(e.target_name, viewer.me.display_name);
      assert.match(e.at, /^\d{4}-\d{2}-\d{2}T/);
    }
  });
});

describe("the audit log", () => {
  it("classes routine reads of one's own area apart from reads under a grant", async () => {
    assert.equal((await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(cun))).status, 200);
    const viewer = await account("admin_specialist", "500118");
    assert.equal((await api("PUT", `/api/users/${viewer.id}/grants`, { items: ["person.id_number"] }, as(admin))).status, 200);
    const granted = await login(viewer.username, NEW_PASSWORD);
    assert.equal((await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(granted))).status, 200);

    const routine = await api("GET", `/api/audit?class=routine&user=${cun.me.user_id}`, undefined, as(admin));
    assert.equal(routine.status, 200, routine.text);
    assert.ok(routine.json.entries.length > 0);
    const villages = await api("GET", `/api/org-units?parent=${cun.me.org_unit.slice(0, 9)}`, undefined, as(admin));
    const villageName = villages.json.children.find((c) => c.code === cun.me.org_unit).name;
    for (const e of routine.json.entries) {
      assert.equal(e.class, "routine");
      assert.equal(e.display_name, cun.me.display_name);
      assert.deepEqual(e.org_unit_names, [villageName]);
    }
    const notable = await api("GET", "/api/audit?class=notable&per_page=200", undefined, as(admin));
    assert.ok(notable.json.entries.every((e) => e.class !== "routine"), "no routine read among the notable ones");
    const mine = notable.json.entries.filter((e) => e.user_id === viewer.id);
    assert.ok(mine.some((e) => e.class === "granted" && e.action === "ledger" && e.items.includes("person.id_number")), notable.text);
  });

  it("filters by user, item, person and period, and pages on the server", async () => {
    const [record] = (await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(cun))).json.records;
    assert.equal((await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun))).status, 200);
    assert.equal((await api("GET", `/api/ledger/records/${record.id}`, undefined, as(zhen))).status, 200);

    const byRecord = await api("GET", `/api/audit?person=${encodeURIComponent(record.id)}`, undefined, as(admin));
    assert.ok(byRecord.json.total >= 2, byRecord.text);
    assert.ok(byRecord.json.entries.every((e) => e.record_ids.includes(record.id)));
    assert.ok(new Set(byRecord.json.entries.map((e) => e.user_id)).has(zhen.me.user_id));
    const byName = await api("GET", `/api/audit?person=${encodeURIComponent(record.data.name)}&user=${zhen.me.user_id}`, undefined, as(admin));
    assert.ok(byName.json.entries.some((e) => e.record_ids.includes(record.id)), byName.text);
    assert.ok(byName.json.entries.every((e) => e.user_id === zhen.me.user_id));

    const item = await api("GET", `/api/audit?item=person.phone&per_page=100`, undefined, as(admin));
    assert.ok(item.json.entries.every((e) => e.items.includes("person.phone")));

    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const todays = await api("GET", `/api/audit?from=${today}&to=${today}&per_page=1`, undefined, as(admin));
    assert.ok(todays.json.total >= 3, todays.text);
    const old = await api("GET", "/api/audit?from=2000-01-01&to=2000-01-31", undefined, as(admin));
    assert.deepEqual([old.json.total, old.json.entries.length], [0, 0]);

    const first = await api("GET", "/api/audit?per_page=2&page=1", undefined, as(admin));
    const second = await api("GET", "/api/audit?per_page=2&page=2", undefined, as(admin));
    assert.equal(first.json.entries.length, 2);
    assert.equal(first.json.total, second.json.total);
    assert.ok(first.json.total > 2);
    assert.notDeepEqual(first.json.entries, second.json.entries);
    assert.ok(first.json.entries[1].at >= second.json.entries[0].at, "newest first across pages");

    const bad = await api("GET", "/api/audit?from=2026-02-30&class=everything&per_page=100000", undefined, as(admin));
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.error.fields.map((f) => f.pointer), ["/class", "/from", "/per_page"]);
    assert.match(bad.json.error.fields[1].message.zh, /起始日期/);
    assert.equal((await api("GET", "/api/audit?page=abc", undefined, as(admin))).status, 400);
  });

  it("exports what the filter matches as CSV with a BOM, Beijing time and names", async () => {
    const r = await fetch(`${process.env.YBT_BASE_URL}/api/audit/export?user=${cun.me.user_id}`, { headers: { cookie: `ybt_session=${admin.session}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /^text\/csv/);
    const bytes = Buffer.from(await r.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM for Excel and WPS");
    const lines = bytes.toString("utf8").slice(1).trim().split("\r\n");
    assert.equal(lines[0], "时间（北京时间）,用户,账号,类别,操作,数据项,村（社区）,记录数,记录");
    assert.ok(lines.length > 1);
    for (const line of lines.slice(1)) {
      assert.match(line, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2},/);
      assert.ok(line.includes(cun.me.display_name) && line.includes("本辖区日常查看"), line);
      assert.doesNotMatch(line, /T\d{2}:\d{2}:\d{2}/, "no UTC instant");
    }
  });
});

describe("the org-unit picker", () => {
  it("finds units by name with their level and the unit above, and refuses empty or wild input with a 4xx", async () => {
    const villages = await api("GET", `/api/org-units?parent=${cun.me.org_unit.slice(0, 9)}`, undefined, as(admin));
    const village = villages.json.children.find((c) => c.code === cun.me.org_unit);
    const r = await api("GET", `/api/org-units/search?q=${encodeURIComponent(village.name)}&level=village`, undefined, as(admin));
    assert.equal(r.status, 200, r.text);
    const hit = r.json.find((h) => h.code === village.code);
    assert.ok(hit, r.text);
    assert.equal(hit.level, "village");
    assert.equal(hit.parent_name, villages.json.parent.name);
    assert.ok(r.json.every((h) => h.level === "village" && h.name.includes(village.name)));
    for (const q of ["", "%25", "_", "a".repeat(21)]) {
      const x = await api("GET", `/api/org-units/search?q=${q}`, undefined, as(admin));
      assert.ok(x.status === 200 || x.status === 400, `${q}: ${x.status}`);
      if (x.status === 200) assert.deepEqual(x.json, [], `a wildcard matches nothing literally: ${q}`);
    }
    assert.equal((await api("GET", "/api/org-units/search?q=村&level=planet", undefined, as(admin))).status, 400);
  });
});
