// Issue 16, the city level: 重庆市民政局 (`cq-minzheng`, org unit 500000)
// reads its department's summary across 江北 (500105) and 永川 (500118) in
// one request. Its per-district totals are each district's own summary as
// that district's analyst reads it, the grand total is their sum, 荔城
// (350304) is neither read nor readable, nothing comes unmasked, and the
// city login can do nothing on a district route.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { TEMPLATE, api, login, ownForm, validSubmission } from "./helpers.mjs";

const as = (who) => ({ session: who.session });
const GET = (path, who) => api("GET", path, undefined, as(who));
const ID_NUMBER = /(?<![0-9])[0-9]{17}[0-9X](?![0-9])/;
const PHONE = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])/;

let city, yongchuan, jiangbei, licheng;
const submittedIds = [];

/** A submission of the district's demo village for TEMPLATE; its unmasked
 * ID numbers (as the village's own staff sees them) are remembered. */
async function submit(cun) {
  const form = await ownForm(cun.session, cun.me.org_unit);
  for (const row of form.rows) if (typeof row.values.id_number === "string") submittedIds.push(row.values.id_number);
  const r = await api("POST", "/api/submissions", validSubmission(form), as(cun));
  assert.ok([200, 201].includes(r.status), r.text);
}

before(async () => {
  city = await login("cq-minzheng");
  yongchuan = { code: "500118", analyst: await login("minzheng"), cun: await login("cun") };
  jiangbei = { code: "500105", analyst: await login("jb-minzheng"), cun: await login("jb-cun") };
  licheng = { code: "350304", analyst: await login("pt-minzheng"), cun: await login("pt-cun") };
  for (const d of [yongchuan, jiangbei, licheng]) await submit(d.cun);
});

describe("city: 重庆市民政局 reads across its districts", () => {
  it("signs in as a city-level department analyst", () => {
    assert.equal(city.me.org_unit, "500000");
    assert.equal(city.me.role, "department_analyst");
  });

  it("has per-district totals equal to each district's own summary, and their sum", async () => {
    const r = await GET(`/api/city/summary/${TEMPLATE}`, city);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("server-timing") ?? "", /fanout;dur=/);
    assert.equal(r.json.complete, true, r.text.slice(0, 300));
    assert.deepEqual(r.json.districts.map((d) => d.code), ["500105", "500118"], "江北 and 永川, not 荔城");
    let submissions = 0, rows = 0;
    const sums = {};
    for (const d of [jiangbei, yongchuan]) {
      const own = await GET(`/api/summary?template_id=${TEMPLATE}`, d.analyst);
      assert.equal(own.status, 200, own.text);
      const part = r.json.districts.find((x) => x.code === d.code);
      assert.ok(part.totals.rows > 0, `${d.code} has rows: this test's own submission`);
      assert.equal(part.totals.submissions, own.json.total.submissions, `${d.code} submissions`);
      assert.equal(part.totals.rows, own.json.total.rows, `${d.code} rows`);
      assert.deepEqual(part.totals.sums, own.json.total.sums, `${d.code} sums`);
      assert.equal(part.summary.total_rows, own.json.total_rows);
      submissions += own.json.total.submissions;
      rows += own.json.total.rows;
      for (const [k, v] of Object.entries(own.json.total.sums)) sums[k] = (sums[k] ?? 0) + v;
    }
    assert.equal(r.json.total.submissions, submissions);
    assert.equal(r.json.total.rows, rows);
    for (const [k, v] of Object.entries(sums)) assert.ok(Math.abs(r.json.total.sums[k] - v) < 1e-6, `${k}: ${r.json.total.sums[k]} vs ${v}`);
  });

  it("leaves 荔城 out and refuses it when asked for", async () => {
    const all = await GET(`/api/city/summary/${TEMPLATE}`, city);
    assert.ok(!all.text.includes(licheng.code) && !all.text.includes(licheng.cun.me.org_unit), "nothing of 荔城");
    for (const districts of [licheng.code, `500118,${licheng.code}`, "500000", "500101"]) {
      const r = await GET(`/api/city/summary/${TEMPLATE}?districts=${districts}`, city);
      assert.equal(r.status, 403, `${districts}: ${r.text}`);
      assert.ok(!r.text.includes(licheng.cun.me.org_unit));
    }
    const one = await GET(`/api/city/summary/${TEMPLATE}?districts=500105`, city);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json.districts.map((d) => d.code), ["500105"]);
    for (const bad of ["5001", "abc", "500105,,500118"]) {
      const r = await GET(`/api/city/summary/${TEMPLATE}?districts=${bad}`, city);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
    }
  });

  it("shows no unmasked ID number or phone", async () => {
    const r = await GET(`/api/city/summary/${TEMPLATE}?limit=500`, city);
    assert.equal(r.status, 200, r.text);
    assert.ok(submittedIds.length > 0, "the submitted rows carry ID numbers");
    for (const id of submittedIds) assert.ok(!r.text.includes(id), `an unmasked ID number: ${id.slice(0, 6)}…`);
    assert.doesNotMatch(r.text, ID_NUMBER);
    assert.doesNotMatch(r.text, PHONE);
    const shown = r.json.districts.flatMap((d) => d.summary.rows).map((row) => row.values.id_number).filter(Boolean);
    assert.ok(shown.length > 0 && shown.every((v) => /^\d{6}\*{8}[0-9X]{4}$/.test(v)), `masked as any summary: ${shown[0]}`);
  });

  it("names a district whose template is missing instead of leaving a gap", async () => {
    const r = await GET(`/api/city/summary/no-such-template-${randomUUID().slice(0, 8)}`, city);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.complete, false);
    assert.deepEqual(r.json.districts.map((d) => [d.code, d.error?.code]), [["500105", "not_found"], ["500118", "not_found"]]);
    assert.equal(r.json.total.rows, 0);
  });

  it("refuses another department's template", async () => {
    const r = await GET(`/api/city/summary/typhoon-damage-survey`, city);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json?.districts, undefined, "no per-district list beside the refusal");
  });

  it("is refused to a district user", async () => {
    for (const who of [yongchuan.analyst, jiangbei.analyst, licheng.analyst, yongchuan.cun]) {
      const r = await GET(`/api/city/summary/${TEMPLATE}`, who);
      assert.equal(r.status, 403, r.text);
    }
    assert.equal((await api("GET", `/api/city/summary/${TEMPLATE}`)).status, 401);
  });

  it("can read or write nothing on a district route", async () => {
    const me = await GET("/api/auth/me", city);
    assert.equal(me.status, 200, me.text);
    const village = yongchuan.cun.me.org_unit;
    const probes = [
      ["GET", `/api/summary?template_id=${TEMPLATE}&org_unit=500118`],
      ["GET", `/api/summary/export?template_id=${TEMPLATE}&org_unit=500105&format=csv`],
      ["GET", `/api/submissions?template_id=${TEMPLATE}&org_unit=500118`],
      ["GET", "/api/tasks"],
      ["GET", `/api/ledger/person?org_unit=${village}`],
      ["POST", "/api/forms", { template_id: TEMPLATE, org_unit: village }],
      ["POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: TEMPLATE, org_units: [village], due_date: "2030-01-01" }],
      ["POST", "/api/template-requests", { request_id: randomUUID(), document: {} }],
      ["POST", "/api/surveys", { dispatch_id: randomUUID(), template_id: TEMPLATE, scope: "500118", reason: "市级" }],
      ["POST", "/api/ledger/transfers", { request_id: randomUUID(), entity: "person", key: "x", to_org_unit: village, reason: "x" }],
      ["GET", "/api/users"],
    ];
    for (const [method, path, body] of probes) {
      const r = await api(method, path, body, as(city));
      assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text}`);
    }
  });
});
