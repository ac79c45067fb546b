// Worker integration tests: the JSON API against a real `wrangler dev` with
// a real (SQLite-backed) local D1, loaded with the demo data.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, TEMPLATE, TOWN, villageWithSubjects, validSubmission } from "./helpers.mjs";

describe("health and reference data", () => {
  it("reports the worker and its database healthy", async () => {
    const { status, json } = await api("GET", "/api/health");
    assert.equal(status, 200);
    assert.equal(json.status, "ok");
    assert.equal(json.database, "ok");
  });

  it("lists the shipped template with its burden", async () => {
    const { status, json } = await api("GET", "/api/templates");
    assert.equal(status, 200);
    const dibao = json.find((t) => t.id === TEMPLATE);
    assert.ok(dibao, "the 低保 template is published");
    assert.equal(dibao.title, "低保对象月度走访核查表");
    assert.equal(dibao.subject_entity, "person");
    assert.deepEqual(dibao.burden, { prefilled: 3, new: 4 });
  });

  it("serves the real org hierarchy of 永川区", async () => {
    const root = await api("GET", "/api/org-units");
    assert.deepEqual(root.json.children.map((u) => [u.code, u.name]), [["500118", "永川区"]]);
    const towns = await api("GET", "/api/org-units?parent=500118");
    assert.equal(towns.json.children.length, 23);
    const villages = await api("GET", `/api/org-units?parent=${TOWN}`);
    assert.ok(villages.json.children.length > 0);
    assert.ok(villages.json.children.every((v) => v.level === "village" && v.code.startsWith(TOWN)));
  });

  it("answers an unknown org unit with 404 and a Chinese message", async () => {
    const { status, json } = await api("GET", "/api/org-units?parent=999999");
    assert.equal(status, 404);
    assert.equal(json.error.code, "not_found");
    assert.match(json.error.message.zh, /找不到/);
  });
});

describe("form generation", () => {
  it("pre-fills one row per 低保 person of the village, with provenance", async () => {
    const { village, form } = await villageWithSubjects();
    assert.equal(form.org_unit.code, village.code);
    assert.deepEqual(form.columns.filter((c) => c.source.kind === "ledger").map((c) => c.key), ["name", "id_number", "address"]);
    for (const row of form.rows) {
      assert.match(row.subject_id, new RegExp(`^person:${village.code}-`));
      assert.match(row.values.id_number, /^500118\d{11}[\dX]$/);
      assert.equal(row.values.monthly_income, undefined, "new fields are not pre-filled");
      assert.equal(row.provenance.name.item, "person.name");
    }
  });

  it("refuses a town, since the form is built from a village ledger", async () => {
    const { status, json } = await api("POST", "/api/forms", { template_id: TEMPLATE, org_unit: TOWN });
    assert.equal(status, 400);
    assert.equal(json.error.code, "not_a_village");
  });

  it("answers an unknown template with 404", async () => {
    const { status } = await api("POST", "/api/forms", { template_id: "no-such-template", org_unit: "500118100001" });
    assert.equal(status, 404);
  });

  it("answers malformed JSON with 400", async () => {
    const { status, json } = await api("POST", "/api/forms", "{not json");
    assert.equal(status, 400);
    assert.equal(json.error.code, "malformed_json");
  });
});

describe("submissions", () => {
  let form;
  before(async () => {
    ({ form } = await villageWithSubjects());
  });

  it("stores a valid submission and reads it back", async () => {
    const body = validSubmission(form);
    const created = await api("POST", "/api/submissions", body);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.id, body.submission_id);
    assert.equal(created.json.row_count, form.rows.length);
    const stored = await api("GET", `/api/submissions/${body.submission_id}`);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.json.rows, body.rows);
    const listed = await api("GET", `/api/submissions?template_id=${TEMPLATE}&org_unit=${form.org_unit.code}`);
    assert.ok(listed.json.some((s) => s.id === body.submission_id));
  });

  it("stores a retried submission once and returns the first receipt", async () => {
    const body = validSubmission(form);
    const first = await api("POST", "/api/submissions", body);
    const retry = await api("POST", "/api/submissions", body);
    assert.equal(first.status, 201);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.json, first.json);
    const listed = await api("GET", `/api/submissions?template_id=${TEMPLATE}&org_unit=${form.org_unit.code}`);
    assert.equal(listed.json.filter((s) => s.id === body.submission_id).length, 1);
  });

  it("refuses bad values with 422, an error per field, and stores nothing", async () => {
    const body = validSubmission(form);
    body.rows[0].values.monthly_income = -20;
    body.rows[0].values.living_condition = "很好";
    delete body.rows[0].values.visited_on;
    const { status, json } = await api("POST", "/api/submissions", body);
    assert.equal(status, 422);
    assert.equal(json.error.code, "validation_failed");
    const byPointer = Object.fromEntries(json.error.fields.map((f) => [f.pointer, f]));
    assert.equal(byPointer["/rows/0/values/monthly_income"].code, "minimum");
    assert.equal(byPointer["/rows/0/values/monthly_income"].message.zh, "不能小于 0");
    assert.equal(byPointer["/rows/0/values/living_condition"].code, "enum");
    assert.equal(byPointer["/rows/0/values/visited_on"].code, "required");
    const stored = await api("GET", `/api/submissions/${body.submission_id}`);
    assert.equal(stored.status, 404, "nothing was stored");
  });

  it("refuses rows about people outside the village's 低保 list", async () => {
    const body = validSubmission(form);
    body.rows[0].subject_id = "person:500118999999-00001";
    const { status, json } = await api("POST", "/api/submissions", body);
    assert.equal(status, 422);
    assert.deepEqual(json.error.fields.map((f) => [f.pointer, f.code]), [["/rows/0/subject_id", "unknown_subject"]]);
  });

  it("refuses a reused submission id for another village with 409", async () => {
    const body = validSubmission(form);
    assert.equal((await api("POST", "/api/submissions", body)).status, 201);
    const other = await api("GET", `/api/org-units?parent=${TOWN}`);
    const elsewhere = other.json.children.find((v) => v.code !== form.org_unit.code);
    const reuse = { ...body, org_unit: elsewhere.code, rows: [] };
    const { status, json } = await api("POST", "/api/submissions", reuse);
    assert.equal(status, 409);
    assert.equal(json.error.code, "submission_id_reused");
  });

  it("refuses an unknown template version with 422 at /template_id", async () => {
    const body = validSubmission(form, { template_version: 99 });
    const { status, json } = await api("POST", "/api/submissions", body);
    assert.equal(status, 422);
    assert.equal(json.error.fields[0].pointer, "/template_id");
  });

  it("refuses an oversized body with 413", async () => {
    const huge = JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) });
    const { status, json } = await api("POST", "/api/submissions", huge);
    assert.equal(status, 413);
    assert.equal(json.error.code, "body_too_large");
  });

  it("answers an unknown API path with a JSON 404", async () => {
    const { status, json } = await api("GET", `/api/nothing-here-${randomUUID()}`);
    assert.equal(status, 404);
    assert.equal(json.error.code, "not_found");
  });
});
