// Property test of request bodies: whatever a client sends, the worker
// answers with a deliberate status and its JSON error shape — never a 500.
// Bounded (a fixed number of seeded cases), so it always ends.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { api, login, TEMPLATE } from "./helpers.mjs";

const CASES_PER_ENDPOINT = 60;

/** Mulberry32: a small seeded PRNG, so a failure can be replayed. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function value(random, depth = 0) {
  const pick = Math.floor(random() * (depth > 3 ? 6 : 9));
  const strings = ["", "低保", "500118100001", TEMPLATE, "x".repeat(300), "\u0000", "-1", "1e999", "💥"];
  switch (pick) {
    case 0: return null;
    case 1: return random() < 0.5;
    case 2: return Math.floor(random() * 2 ** 40) * (random() < 0.5 ? -1 : 1);
    case 3: return random() * 1e308;
    case 4: return strings[Math.floor(random() * strings.length)];
    case 5: return Number.MAX_SAFE_INTEGER + 2;
    case 6: return Array.from({ length: Math.floor(random() * 4) }, () => value(random, depth + 1));
    default: {
      const keys = ["template_id", "org_unit", "rows", "values", "subject_id", "submission_id", "template_version", "username", "password", "items", "role"];
      const obj = {};
      for (let i = Math.floor(random() * 5); i > 0; i--) obj[keys[Math.floor(random() * keys.length)]] = value(random, depth + 1);
      return obj;
    }
  }
}

function body(random) {
  const json = JSON.stringify(value(random));
  switch (Math.floor(random() * 5)) {
    case 0: return json.slice(0, Math.floor(random() * json.length)); // truncated
    case 1: return "[".repeat(64) + "]".repeat(64); // deep
    default: return json;
  }
}

describe("request bodies never cause a server error", () => {
  let sessions;
  before(async () => {
    sessions = [(await login("cun")).session, (await login("admin")).session];
  });

  const endpoints = [
    ["POST", "/api/forms"], ["POST", "/api/submissions"], ["POST", "/api/users"],
    ["PUT", "/api/users/demo-cun2/grants"], ["POST", "/api/auth/logout"],
  ];
  for (const [method, path] of endpoints) {
    it(`${method} ${path}`, async () => {
      const random = rng(path.length * 7919);
      for (let i = 0; i < CASES_PER_ENDPOINT; i++) {
        const sent = body(random);
        const r = await api(method, path, sent, { session: sessions[i % 2] });
        assert.ok(r.status < 500, `case ${i} (${sent.slice(0, 120)}) answered ${r.status}: ${r.text.slice(0, 200)}`);
        assert.ok(r.json && (r.status < 300 || r.json.error?.code), `case ${i}: JSON error shape`);
      }
    });
  }

  it("POST /api/auth/login", async () => {
    const random = rng(4242);
    for (let i = 0; i < 20; i++) {
      const sent = body(random);
      const r = await api("POST", "/api/auth/login", sent);
      assert.ok(r.status < 500, `case ${i} (${sent.slice(0, 120)}) answered ${r.status}`);
    }
  });
});
