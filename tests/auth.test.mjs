// Accounts and access: sign-in, sessions, throttling, cross-site writes,
// tiered authorization on every endpoint, masking and its audit log.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login, ownForm, signToken, TEMPLATE, validSubmission, NEW_PASSWORD } from "./helpers.mjs";

const as = (who) => ({ session: who.session });

describe("signing in and out", () => {
  it("signs in with a HttpOnly, Secure, SameSite=Strict session cookie", async () => {
    const { me, cookie } = await login("cun");
    assert.equal(me.role, "village_staff");
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /Secure/);
    assert.match(cookie, /SameSite=Strict/);
  });

  it("answers a wrong password and an unknown user alike, in Chinese", async () => {
    const wrong = await api("POST", "/api/auth/login", { username: "zhen", password: "not the password" });
    const unknown = await api("POST", "/api/auth/login", { username: `nobody-${randomUUID()}`, password: "whatever pass" });
    for (const r of [wrong, unknown]) {
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, "invalid_credentials");
      assert.equal(r.json.error.message.zh, "用户名或密码错误");
      assert.equal(r.headers.getSetCookie().length, 0);
    }
  });

  it("refuses every data endpoint without a session", async () => {
    const calls = [
      ["GET", "/api/auth/me"], ["GET", "/api/templates"], ["GET", "/api/org-units"],
      ["POST", "/api/forms", { template_id: TEMPLATE, org_unit: "500118100001" }],
      ["POST", "/api/submissions", {}], ["GET", `/api/submissions?template_id=${TEMPLATE}`],
      ["GET", "/api/submissions/x"], ["GET", "/api/users"], ["GET", "/api/audit"],
    ];
    for (const [method, path, body] of calls) {
      const r = await api(method, path, body);
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal(r.json.error.code, "unauthenticated");
    }
  });

  it("refuses tampered, forged, expired and unknown-session tokens", async () => {
    const { session, me } = await login("cun");
    const [payload, signature] = session.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, uid: "demo-admin" })).toString("base64url");
    const tokens = {
      tampered: `${forgedPayload}.${signature}`,
      "wrong key": signToken(claims, "a-secret-the-worker-does-not-have-0000"),
      expired: signToken({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 }),
      "unknown session": signToken({ ...claims, sid: randomUUID() }),
      garbage: "not-a-token",
    };
    for (const [kind, token] of Object.entries(tokens)) {
      const r = await api("GET", "/api/auth/me", undefined, { session: token });
      assert.equal(r.status, 401, kind);
      assert.equal(r.json.user, undefined, `${kind} leaks no user`);
    }
    assert.equal((await api("GET", "/api/auth/me", undefined, { session })).json.user.user_id, me.user_id);
  });

  it("revokes the session on logout", async () => {
    const { session } = await login("cun");
    const out = await api("POST", "/api/auth/logout", {}, { session });
    assert.equal(out.status, 200);
    assert.match(out.headers.getSetCookie()[0], /Max-Age=0/);
    assert.equal((await api("GET", "/api/auth/me", undefined, { session })).status, 401);
  });

  it("refuses writes without the same-site header or from another origin", async () => {
    const { session } = await login("cun");
    const body = { template_id: TEMPLATE, org_unit: "500118100001" };
    const bare = await api("POST", "/api/forms", body, { session, bare: true });
    assert.equal(bare.status, 403);
    assert.equal(bare.json.error.code, "cross_site");
    const foreign = await api("POST", "/api/forms", body, { session, headers: { origin: "https://evil.example" } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error.code, "cross_site");
  });
});

describe("login throttling", () => {
  it("locks a user name after five failures, even for the right password", async () => {
    const admin = await login("admin");
    const username = `throttle-${Date.now()}`;
    const created = await api("POST", "/api/users", {
      username, display_name: "限流测试", role: "village_staff", org_unit: "500118100001", password: NEW_PASSWORD,
    }, as(admin));
    assert.equal(created.status, 201, created.text);
    for (let i = 0; i < 5; i++) {
      assert.equal((await api("POST", "/api/auth/login", { username, password: "wrong password!" })).status, 401);
    }
    const locked = await api("POST", "/api/auth/login", { username, password: NEW_PASSWORD });
    assert.equal(locked.status, 429);
    assert.equal(locked.json.error.code, "too_many_attempts");
  });
});

describe("tiered authorization", () => {
  let who;
  let form;
  let submissionId;
  before(async () => {
    who = {};
    for (const name of ["admin", "zhuanyuan", "minzheng", "yingji", "zhen", "cun", "cun2"]) who[name] = await login(name);
    form = await ownForm(who.cun.session, who.cun.me.org_unit);
    const body = validSubmission(form);
    assert.equal((await api("POST", "/api/submissions", body, as(who.cun))).status, 201);
    submissionId = body.submission_id;
  });

  const refused = (r, what) => {
    assert.equal(r.status, 403, `${what}: ${r.text}`);
    assert.equal(r.json.error.code, "forbidden", what);
    assert.deepEqual(Object.keys(r.json), ["error"], `${what} leaks no data`);
  };

  it("keeps village staff in their own village", async () => {
    const other = { template_id: TEMPLATE, org_unit: who.cun.me.org_unit };
    refused(await api("POST", "/api/forms", other, as(who.cun2)), "cun2 generates cun's form");
    refused(await api("POST", "/api/submissions", validSubmission(form), as(who.cun2)), "cun2 submits for cun");
    refused(await api("GET", `/api/submissions/${submissionId}`, undefined, as(who.cun2)), "cun2 reads cun's submission");
    const list = `/api/submissions?template_id=${TEMPLATE}&org_unit=${who.cun.me.org_unit}`;
    refused(await api("GET", list, undefined, as(who.cun2)), "cun2 lists cun's submissions");
  });

  it("keeps departments out of villages' forms and other departments' data", async () => {
    const body = { template_id: TEMPLATE, org_unit: who.cun.me.org_unit };
    refused(await api("POST", "/api/forms", body, as(who.minzheng)), "a department generates a village form");
    refused(await api("POST", "/api/submissions", validSubmission(form), as(who.minzheng)), "a department submits");
    refused(await api("GET", `/api/submissions/${submissionId}`, undefined, as(who.yingji)), "another department reads");
    refused(await api("GET", `/api/submissions?template_id=${TEMPLATE}`, undefined, as(who.yingji)), "another department lists");
  });

  it("keeps user administration and the audit log to the system administrator", async () => {
    for (const name of ["zhuanyuan", "minzheng", "zhen", "cun"]) {
      refused(await api("GET", "/api/users", undefined, as(who[name])), `${name} lists users`);
      refused(await api("GET", "/api/audit", undefined, as(who[name])), `${name} reads the audit log`);
      refused(await api("PUT", `/api/users/demo-cun/grants`, { items: [] }, as(who[name])), `${name} sets grants`);
      const user = { username: `x${randomUUID().slice(0, 8)}`, display_name: "x", role: "system_admin", org_unit: "500118", password: NEW_PASSWORD };
      refused(await api("POST", "/api/users", user, as(who[name])), `${name} creates an admin`);
    }
  });

  it("masks ID numbers for ungranted readers, unmasks after a grant, and logs it", async () => {
    const path = `/api/submissions/${submissionId}`;
    const masked = await api("GET", path, undefined, as(who.minzheng));
    assert.equal(masked.status, 200);
    for (const row of masked.json.rows) assert.match(row.values.id_number, /^500118\*{8}[\dX]{4}$/);
    const list = await api("GET", `/api/submissions?template_id=${TEMPLATE}`, undefined, as(who.minzheng));
    assert.ok(list.json.some((s) => s.id === submissionId), "the owning department sees the district's submissions");

    const grant = await api("PUT", `/api/users/${who.minzheng.me.user_id}/grants`, { items: ["person.id_number"] }, as(who.admin));
    assert.equal(grant.status, 200, grant.text);
    const granted = await login("minzheng");
    const clear = await api("GET", path, undefined, as(granted));
    assert.match(clear.json.rows[0].values.id_number, /^500118\d{11}[\dX]$/);

    const audit = await api("GET", `/api/audit?user=${who.minzheng.me.user_id}`, undefined, as(who.admin));
    const entry = audit.json.entries.find((e) => e.username === "minzheng" && e.action === "submission");
    assert.ok(entry, "the unmasked read is in the audit log");
    assert.deepEqual(entry.items, ["person.id_number"]);
    assert.ok(entry.record_ids.includes(form.rows[0].subject_id));
    await api("PUT", `/api/users/${who.minzheng.me.user_id}/grants`, { items: [] }, as(who.admin));
  });

  it("validates new accounts and grants field by field", async () => {
    const bad = await api("POST", "/api/users", { username: "Bad Name", display_name: "", role: "village_staff", org_unit: "500118", password: "short" }, as(who.admin));
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.error.fields.map((f) => f.pointer), ["/username", "/display_name", "/password", "/password", "/org_unit"]);
    const grant = await api("PUT", `/api/users/${who.cun.me.user_id}/grants`, { items: ["person.salary"] }, as(who.admin));
    assert.equal(grant.status, 422);
    assert.equal(grant.json.error.fields[0].code, "unknown_ledger_item");
    const taken = await api("POST", "/api/users", { username: "cun", display_name: "重复", role: "village_staff", org_unit: who.cun.me.org_unit, password: NEW_PASSWORD }, as(who.admin));
    assert.equal(taken.status, 409);
  });
});
