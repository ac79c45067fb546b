// Worker integration tests: the JSON API against a real `wrangler dev` with
// a real (SQLite-backed) local D1, loaded with the demo data.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login, ownForm, TEMPLATE, validSubmission } from "./helpers.mjs";

let cun; // village staff of a village with 低保 people
let zhen; // coordinator of that village's town

before(async () => {
  cun = await login("cun");
  zhen = await login("zhen");
});

describe("health and reference data", () => {
  it("reports the worker and its database healthy, without signing in", async () => {
    const { status, json } = await api("GET", "/api/health");
    assert.equal(status, 200);
    assert.equal(json.status, "ok");
    assert.equal(json.database, "ok");
  });

  it("lists the shipped template with its burden", async () => {
    const { status, json } = await api("GET", "/api/templates", undefined, { session: cun.session });
    assert.equal(status, 200);
    const dibao = json.find((t) => t.id === TEMPLATE);
    assert.ok(dibao, "the 低保 template is published");
    assert.equal(dibao.title, "低保对象月度走访核查表");
    assert.equal(dibao.subject_entity, "person");
    assert.deepEqual(dibao.burden, { prefilled: 3, new: 4 });
  });

  it("serves the real org hierarchy of 永川区", async () => {
    const opts = { session: cun.session };
    const root = await api("GET", "/api/org-units", undefined, opts);
    assert.deepEqual(root.json.children.map((u) => [u.code, u.name]), [["500118", "永川区"]]);
    const towns = await api("GET", "/api/org-units?parent=500118", undefined, opts);
    assert.equal(towns.json.children.length, 23);
    const town = cun.me.org_unit.slice(0, 9);
    const villages = await api("GET", `/api/org-units?parent=${town}`, undefined, opts);
    assert.ok(villages.json.children.some((v) => v.code === cun.me.org_unit));
    assert.ok(villages.json.children.every((v) => v.level === "village" && v.code.startsWith(town)));
  });

  it("answers an unknown org unit with 404 and a Chinese message", async () => {
    const { status, json } = await api("GET", "/api/org-units?parent=999999", undefined, { session: cun.session });
    assert.equal(status, 404);
    assert.equal(json.error.code, "not_found");
    assert.match(json.error.message.zh, /找不到/);
  });
});

describe("form generation", () => {
  it("pre-fills one row per 低保 person of the village, with provenance", async () => {
    const form = await ownForm(cun.session, cun.me.org_unit);
    assert.equal(form.org_unit.code, cun.me.org_unit);
    assert.deepEqual(form.columns.filter((c) => c.source.kind === "ledger").map((c) => c.key), ["name", "id_number", "address"]);
    for (const row of form.rows) {
      assert.match(row.subject_id, new RegExp(`^person:${cun.me.org_unit}-`));
      assert.match(row.values.id_number, /^500118\d{11}[\dX]$/, "village staff see their own ledger unmasked");
      assert.equal(row.values.monthly_income, undefined, "new fields are not pre-filled");
      assert.ok(Number.isInteger(row.record.version) && row.record.updated_at, "the subject record's version, once per row");
    }
  });

  it("lets the town coordinator generate any village's form in the town", async () => {
    const form = await ownForm(zhen.session, cun.me.org_unit);
    assert.equal(form.org_unit.code, cun.me.org_unit);
  });

  it("refuses a town, since the form is built from a village ledger", async () => {
    const town = cun.me.org_unit.slice(0, 9);
    const { status, json } = await api("POST", "/api/forms", { template_id: TEMPLATE, org_unit: town }, { session: zhen.session });
    assert.equal(status, 400);
    assert.equal(json.error.code, "not_a_village");
  });

  it("answers an unknown template with 404", async () => {
    const body = { template_id: "no-such-template", org_unit: cun.me.org_unit };
    const { status } = await api("POST", "/api/forms", body, { session: cun.session });
    assert.equal(status, 404);
  });

  it("answers malformed and too deeply nested JSON with 400", async () => {
    const malformed = await api("POST", "/api/forms", "{not json", { session: cun.session });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.error.code, "malformed_json");
    const deep = await api("POST", "/api/forms", "[".repeat(40) + "]".repeat(40), { session: cun.session });
    assert.equal(deep.status, 400);
    assert.equal(deep.json.error.code, "too_deep");
  });
});

describe("submissions", () => {
  let form;
  before(async () => {
    form = await ownForm(cun.session, cun.me.org_unit);
  });
  const post = (body) => api("POST", "/api/submissions", body, { session: cun.session });
  const get = (path) => api("GET", path, undefined, { session: cun.session });
  const listPath = () => `/api/submissions?template_id=${TEMPLATE}&org_unit=${form.org_unit.code}`;

  it("stores a valid submission and reads it back", async () => {
    const body = validSubmission(form);
    const created = await post(body);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.id, body.submission_id);
    assert.equal(created.json.row_count, form.rows.length);
    const stored = await get(`/api/submissions/${body.submission_id}`);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.json.rows, body.rows);
    assert.ok((await get(listPath())).json.some((s) => s.id === body.submission_id));
  });

  it("stores a retried submission once and returns the first receipt", async () => {
    const body = validSubmission(form);
    const first = await post(body);
    const retry = await post(body);
    assert.equal(first.status, 201);
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.json, first.json);
    assert.equal((await get(listPath())).json.filter((s) => s.id === body.submission_id).length, 1);
  });

  it("refuses bad values with 422, an error per field, and stores nothing", async () => {
    const body = validSubmission(form);
    body.rows[0].values.monthly_income = -20;
    body.rows[0].values.living_condition = "很好";
    delete body.rows[0].values.visited_on;
    const { status, json } = await post(body);
    assert.equal(status, 422);
    assert.equal(json.error.code, "validation_failed");
    const byPointer = Object.fromEntries(json.error.fields.map((f) => [f.pointer, f]));
    assert.equal(byPointer["/rows/0/values/monthly_income"].code, "minimum");
    assert.equal(byPointer["/rows/0/values/monthly_income"].message.zh, "不能小于 0");
    assert.equal(byPointer["/rows/0/values/living_condition"].code, "enum");
    assert.equal(byPointer["/rows/0/values/visited_on"].code, "required");
    assert.equal((await get(`/api/submissions/${body.submission_id}`)).status, 404, "nothing was stored");
  });

  it("refuses rows about people outside the village's 低保 list", async () => {
    const body = validSubmission(form);
    body.rows[0].subject_id = "person:500118999999-00001";
    const { status, json } = await post(body);
    assert.equal(status, 422);
    assert.deepEqual(json.error.fields.map((f) => [f.pointer, f.code]), [["/rows/0/subject_id", "unknown_subject"]]);
  });

  it("refuses a reused submission id for another form with 409", async () => {
    const body = validSubmission(form);
    assert.equal((await post(body)).status, 201);
    // The town coordinator may submit for the same village: same id, other content.
    const reuse = { ...body, rows: body.rows.slice(0, 1), template_version: 1 };
    const other = await api("POST", "/api/submissions", { ...reuse, org_unit: form.org_unit.code }, { session: zhen.session });
    assert.equal(other.status, 200, "same template and village: a replay");
    const elsewhere = await api("GET", `/api/org-units?parent=${form.org_unit.code.slice(0, 9)}`, undefined, { session: zhen.session });
    const village = elsewhere.json.children.find((v) => v.code !== form.org_unit.code);
    const { status, json } = await api("POST", "/api/submissions", { ...body, org_unit: village.code, rows: [] }, { session: zhen.session });
    assert.equal(status, 409);
    assert.equal(json.error.code, "submission_id_reused");
  });

  it("refuses an unknown template version with 422 at /template_id", async () => {
    const { status, json } = await post(validSubmission(form, { template_version: 99 }));
    assert.equal(status, 422);
    assert.equal(json.error.fields[0].pointer, "/template_id");
  });

  it("refuses an oversized body with 413", async () => {
    const { status, json } = await post(JSON.stringify({ pad: "x".repeat(5 * 1024 * 1024) }));
    assert.equal(status, 413);
    assert.equal(json.error.code, "body_too_large");
  });

  it("answers an unknown API path with a JSON 404", async () => {
    const { status, json } = await get(`/api/nothing-here-${randomUUID()}`);
    assert.equal(status, 404);
    assert.equal(json.error.code, "not_found");
  });
});
