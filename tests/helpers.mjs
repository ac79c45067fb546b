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
 * A valid 18-character ID number (GB 11643 check character) of `region`,
 * unique within the test process. Born on the 29th–31st of a 31-day month
 * unless `date` (YYYYMMDD) is given: `core::demo` issues days 1–28 only, so a
 * test's person never collides with a demo person of any district. The year
 * is the process id's (1940–1999): test files run side by side as processes
 * with neighbouring ids, so two files do not draw the same numbers either.
 * `male` sets the sequence's parity (the gender GB 11643 encodes).
 */
export function idNumber(region = "500118", { date, male } = {}) {
  idSerial += 1;
  const n = idSerial % 21000;
  const born = date ?? `${ID_YEAR}${["01", "03", "05", "07", "08", "10", "12"][n % 7]}${29 + (Math.floor(n / 7) % 3)}`;
  const step = date ? n : Math.floor(n / 21);
  const seq = male === undefined ? step % 1000 : (2 * step + (male ? 1 : 0)) % 1000;
  const body = `${region}${born}${String(seq).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * weights[i], 0);
  return body + "10X98765432"[sum % 11];
}
let idSerial = Math.floor(Math.random() * 21000);
const ID_YEAR = 1940 + (process.pid % 60);

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
