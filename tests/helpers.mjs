// Shared helpers for the integration and browser tests. The worker under
// test is a real `wrangler dev` started by `cargo xtask test`, which passes
// its address in YBT_BASE_URL.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";

export const BASE = process.env.YBT_BASE_URL;
assert.ok(BASE, "YBT_BASE_URL is not set: run the tests with `cargo xtask test`");

export const TEMPLATE = "dibao-monthly-visit";
/** A town and two of its villages, from the real GB/T 2260 data of 永川区. */
export const TOWN = "500118100";

export async function api(method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
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

/** The first village of TOWN whose generated form has at least one row. */
export async function villageWithSubjects() {
  const { json } = await api("GET", `/api/org-units?parent=${TOWN}`);
  for (const village of json.children) {
    const form = await api("POST", "/api/forms", { template_id: TEMPLATE, org_unit: village.code });
    if (form.status === 200 && form.json.rows.length > 0) return { village, form: form.json };
  }
  throw new Error(`no village of ${TOWN} has a 低保 person in the demo data`);
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
