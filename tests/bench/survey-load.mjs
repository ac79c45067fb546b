// Load benchmark of emergency surveys (issue 8), see BENCHMARKS.md: all 267
// villages of the demo district submit the typhoon survey at once against a
// running worker on loopback, then every submission is sent again (a retry
// storm). Checks that nothing is lost or duplicated — every village's task
// submitted exactly once, the board's totals exact — and prints p50/p95/max
// latency. Not a test: it measures; it exits non-zero if a check fails.
//
//   node tests/bench/survey-load.mjs [--base URL]
//
// Set-up (idempotent): one town-centre account per town (POST /api/users as
// admin; 409 when it exists): authorize lets a town centre submit for its
// villages, and the demo has village accounts for two villages only. The
// survey is started by 区应急管理局 (yingji) with a fresh dispatch id.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

import { BASE, login as signIn, percentile as pct } from "./common.mjs";

const LOAD_PASSWORD = "yibiaotong-load-2026";
const DISTRICT = "500118";
const SURVEY = "typhoon-damage-survey";

async function call(method, path, body, session, headers = {}) {
  const h = { ...headers };
  if (body !== undefined && !(body instanceof Uint8Array)) h["content-type"] = "application/json";
  if (method !== "GET") h["x-yibiaotong"] = "1";
  if (session) h.cookie = `ybt_session=${session}`;
  const started = performance.now();
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: h,
    body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await r.text();
  const ms = performance.now() - started;
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text, ms };
}

/** Signs in; the session token. */
const login = async (username, password) => (await signIn(username, password)).session;

const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${pct(s, 50).toFixed(0)} ms, p95 ${pct(s, 95).toFixed(0)} ms, max ${s.at(-1).toFixed(0)} ms`;
};

// Set-up: a town-centre account per town.
const admin = await login("admin");
const towns = (await call("GET", `/api/org-units?parent=${DISTRICT}`, undefined, admin)).json.children;
const sessions = {};
for (const town of towns) {
  const username = `load-${town.code}`;
  const created = await call("POST", "/api/users", {
    username, display_name: `压测 ${town.name}`, role: "town_coordinator", org_unit: town.code, password: LOAD_PASSWORD,
  }, admin);
  assert.ok([201, 409].includes(created.status), created.text);
  sessions[town.code] = await login(username, LOAD_PASSWORD);
}

// One click: the survey to every village of the district.
const yingji = await login("yingji");
const dispatch = `load-${randomUUID()}`;
const started = await call("POST", "/api/surveys", { dispatch_id: dispatch, template_id: SURVEY, scope: DISTRICT, reason: "load test" }, yingji);
assert.equal(started.status, 201, started.text);
console.log(`survey started for ${started.json.villages} villages in ${started.ms.toFixed(0)} ms`);

// Each village's task, one photo per town (content-addressed), one house to pick.
const tasks = [];
for (const town of towns) {
  const list = await call("GET", `/api/tasks?org_unit=${town.code}&dispatch_id=${dispatch}`, undefined, sessions[town.code]);
  tasks.push(...list.json);
}
assert.equal(tasks.length, 267);
const photos = {};
for (const town of towns) {
  const village = tasks.find((t) => t.org_unit.startsWith(town.code)).org_unit;
  const bytes = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`load photo ${town.code}`.repeat(500))]));
  const r = await call("PUT", `/api/photos?org_unit=${village}`, bytes, sessions[town.code], { "content-type": "image/jpeg" });
  assert.ok([200, 201].includes(r.status), r.text);
  photos[town.code] = r.json.hash;
}
const bodies = [];
let houses = 0;
for (const task of tasks) {
  const session = sessions[task.org_unit.slice(0, 9)];
  const pick = await call("GET", `/api/surveys/${dispatch}/pick?org_unit=${task.org_unit}&entity=house&q=`, undefined, session);
  const rows = [
    { subject_id: `new:${randomUUID()}`, values: { category: "受灾人员", person_name: "压测人员", damage_level: "轻微", affected_people: 2 } },
    { subject_id: `new:${randomUUID()}`, values: { category: "易涝点", point_name: "压测易涝点", damage_level: "一般", location: { lat: 29.35, lng: 105.9 }, photos: [photos[task.org_unit.slice(0, 9)]] } },
  ];
  if (pick.json.rows.length > 0) {
    houses++;
    const house = pick.json.rows[0];
    rows.push({ subject_id: house.subject_id, values: { ...house.values, damage_level: "严重", loss_amount: 1.25 } });
  }
  bodies.push({
    session,
    body: { submission_id: randomUUID(), template_id: SURVEY, template_version: 1, org_unit: task.org_unit, task_id: task.id, rows },
  });
}

// All at once.
const t0 = performance.now();
const first = await Promise.all(bodies.map(({ session, body }) => call("POST", "/api/submissions", body, session)));
const wall = performance.now() - t0;
const bad = first.filter((r) => r.status !== 201);
console.log(`267 submissions at once: ${wall.toFixed(0)} ms wall; ${stats(first.map((r) => r.ms))}; non-201: ${bad.length}${bad[0] ? ` (${bad[0].status} ${bad[0].text.slice(0, 200)})` : ""}`);
// The retry storm: every submission again, at once.
const t1 = performance.now();
const again = await Promise.all(bodies.map(({ session, body }) => call("POST", "/api/submissions", body, session)));
const wall2 = performance.now() - t1;
const notReplayed = again.filter((r) => r.status !== 200);
console.log(`267 retries at once: ${wall2.toFixed(0)} ms wall; ${stats(again.map((r) => r.ms))}; non-200: ${notReplayed.length}`);

// Nothing lost, nothing duplicated.
const board = (await call("GET", `/api/surveys/${dispatch}`, undefined, yingji)).json;
const checks = [
  ["villages submitted", board.total.submitted, 267],
  ["affected people", board.total.figures.people, 267 * 2],
  ["flood points", board.total.figures.points, 267],
  ["houses", board.total.figures.houses, houses],
  ["loss (万元)", board.total.figures.loss, Math.round(houses * 1.25 * 100) / 100],
];
let counted = 0;
for (const { body, session } of bodies) {
  const list = await call("GET", `/api/submissions?template_id=${SURVEY}&org_unit=${body.org_unit}`, undefined, session);
  counted += list.json.filter((s) => s.id === body.submission_id).length;
}
checks.push(["stored submissions (by id)", counted, 267]);
let failed = bad.length + notReplayed.length;
for (const [what, got, want] of checks) {
  const ok = got === want;
  if (!ok) failed++;
  console.log(`${ok ? "ok " : "BAD"} ${what}: ${got} (expected ${want})`);
}
process.exit(failed === 0 ? 0 : 1);
