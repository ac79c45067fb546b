// Shared by the publish → review → dispatch → summary tests (API and browser).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { BASE, NEW_PASSWORD, api, login } from "./helpers.mjs";

/** A template id no earlier run used (the test database may be reused). */
export const uniqueId = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * The test template: one row per person, two ledger fields, new fields, a
 * computed row field and a summary formula. `duplicate` adds a field that
 * the shipped 低保 template already collects (家庭月收入（元）).
 */
export function careTemplate(id, { version = 1, duplicate = false } = {}) {
  const properties = {
    name: { title: "姓名", type: "string", "x-ledger": "person.name" },
    id_number: { title: "身份证号", type: "string", format: "cn-id-number", "x-ledger": "person.id_number" },
    aid_amount: { title: "拟救助金额（元）", type: "number", minimum: 0, maximum: 5000 },
    months: { title: "救助月数", type: "integer", minimum: 1, maximum: 12 },
    need: { title: "困难类型", type: "string", enum: ["因病", "因灾", "其他"] },
    aid_row_total: { title: "小计（元）", type: "number", "x-compute": "aid_amount * months" },
    aid_total: { title: "救助总额（元）", type: "number", "x-compute": "sum(aid_row_total)" },
  };
  if (duplicate) properties.monthly_income = { title: "家庭月收入（元）", type: "number", minimum: 0 };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "困难群众临时救助摸底表",
    "x-template": { id, version, department: "区民政局" },
    "x-subject": { entity: "person" },
    type: "object",
    required: ["name", "aid_amount", "months"],
    properties,
  };
}

/** Signs in a new village staff account for `orgUnit` (created by the admin). */
export async function villageUser(orgUnit) {
  const admin = await login("admin");
  const username = uniqueId("cun").replace(/-/g, "_").slice(0, 30);
  const password = NEW_PASSWORD;
  const created = await api(
    "POST",
    "/api/users",
    { username, display_name: "测试村工作人员", role: "village_staff", org_unit: orgUnit, password },
    { session: admin.session },
  );
  assert.equal(created.status, 201, created.text);
  return login(username, password);
}

/** Another village in the same town as `village`. */
export async function neighbour(session, village) {
  const list = await api("GET", `/api/org-units?parent=${village.slice(0, 9)}`, undefined, { session });
  assert.equal(list.status, 200, list.text);
  const other = list.json.children.find((u) => u.code !== village && u.level === "village");
  assert.ok(other, "the town has a second village");
  return other.code;
}

/** Generates the task's form and submits it with `amount` in every row. */
export async function submitTask(who, task, amount) {
  const form = await api("POST", "/api/forms", { template_id: task.template_id, org_unit: task.org_unit }, { session: who.session });
  assert.equal(form.status, 200, form.text);
  assert.ok(form.json.rows.length > 0);
  const body = {
    submission_id: randomUUID(),
    template_id: task.template_id,
    template_version: task.template_version,
    org_unit: task.org_unit,
    task_id: task.id,
    rows: form.json.rows.map((row, i) => ({
      subject_id: row.subject_id,
      values: { ...row.values, aid_amount: amount, months: 2, need: i % 2 ? "因病" : "其他" },
    })),
  };
  const stored = await api("POST", "/api/submissions", body, { session: who.session });
  assert.equal(stored.status, 201, stored.text);
  return { receipt: stored.json, rows: form.json.rows.length };
}

/** Downloads a file with a session: status, headers and bytes. */
export async function download(path, session) {
  const response = await fetch(`${BASE}${path}`, { headers: { cookie: `ybt_session=${session}` } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}
