// Shared helpers for the integration and browser tests. The worker under
// test is a real `wrangler dev` started by `cargo xtask test`, which passes
// its address, the demo password and the session secret in the environment.
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";

export const BASE = process.env.YBT_BASE_URL;
export const PASSWORD = process.env.YBT_DEMO_PASSWORD;
/** A password for accounts the tests create: it follows core's password
 * rule (the demo accounts' password, seeded directly, would not). */
export const NEW_PASSWORD = "Ledger-Hu#2026q";
export const SECRET = process.env.YBT_SESSION_SECRET;
assert.ok(BASE && PASSWORD && SECRET, "run the tests with `cargo xtask test`");

export const TEMPLATE = "dibao-monthly-visit";

/**
 * Calls the API. `options.session` is a session token (sent as the cookie);
 * writes carry the X-Yibiaotong header unless `options.bare` is set.
 */
export async function api(method, path, body, options = {}) {
  const headers = { ...(options.headers ?? {}) };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && !options.bare) headers["x-yibiaotong"] = "1";
  if (options.session) headers.cookie = `ybt_session=${options.session}`;
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Signs in; returns the session token and who the worker says we are. */
export async function login(username, password = PASSWORD) {
  const response = await api("POST", "/api/auth/login", { username, password });
  assert.equal(response.status, 200, `login as ${username}: ${response.text}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("ybt_session="));
  const session = cookie.split(";")[0].slice("ybt_session=".length);
  return { session, me: response.json.user, cookie };
}

/** A session token signed with the worker's secret: for forging tests. */
export function signToken(claims, secret = SECRET) {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", secret).update(payload).digest("base64url");
  return `${payload}.${signature}`;
}

/** The generated form of the demo village staff's own village. */
export async function ownForm(session, orgUnit) {
  const form = await api("POST", "/api/forms", { template_id: TEMPLATE, org_unit: orgUnit }, { session });
  assert.equal(form.status, 200, form.text);
  assert.ok(form.json.rows.length > 0, "the demo village has 低保 people");
  return form.json;
}

/** A complete, valid submission for a generated form. */
export function validSubmission(form, overrides = {}) {
  return {
    submission_id: randomUUID(),
    template_id: form.template_id,
    template_version: form.template_version,
    org_unit: form.org_unit.code,
    rows: form.rows.map((row) => ({
      subject_id: row.subject_id,
      values: { ...row.values, visited_on: "2026-11-20", monthly_income: 650, living_condition: "一般" },
    })),
    ...overrides,
  };
}
