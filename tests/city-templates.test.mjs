// Issue 16, city templates: 重庆市民政局 (`cq-minzheng`, the city author)
// files a template once; each district's town centre (`zhen` of 永川,
// `jb-zhen` of 江北) sees its own 报表准入 request and decides it — here
// differently; a dispatch to both reaches only the admitted district's
// villages; 荔城 never sees any of it; a retried filing or dispatch doubles
// nothing; the city answer names each district's state; the city's routes
// are refused to district users and district routes to the city; hostile
// bodies are a 4xx; the city summary reads what was submitted.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login } from "./helpers.mjs";
import { careTemplate, submitTask, uniqueId } from "./publish-helpers.mjs";

const as = (who) => ({ session: who.session });
const GET = (path, who) => api("GET", path, undefined, as(who));
const POST = (path, who, body) => api("POST", path, body, as(who));
const CITY_DEPT = "重庆市民政局";

let author, analyst, u, dispatchedVillages;
const templateId = uniqueId("city-aid");
const filingId = `cf-${randomUUID()}`;
const requestId = `city-${filingId}`;
const dispatchId = `cd-${randomUUID()}`;

/** The city's document: the care template without a department (the
 * author's is filled in). */
function cityDocument(id = templateId, version = 1) {
  const document = careTemplate(id, { version });
  delete document["x-template"].department;
  return document;
}

const fileOnce = () => POST("/api/city/templates", author, { request_id: filingId, document: cityDocument() });
const stateOf = (view) => Object.fromEntries(view.districts_state.map((d) => [d.code, d.state]));
const requestsOf = async (who, id = templateId) => (await GET("/api/template-requests", who)).json.filter((r) => r.template_id === id);
const tasksOf = async (who, id = templateId) => {
  const r = await GET(`/api/tasks?template_id=${id}`, who);
  assert.equal(r.status, 200, r.text);
  return r.json.filter((t) => t.template_id === id);
};

before(async () => {
  author = await login("cq-minzheng");
  analyst = await login("cq-fenxi");
  u = {};
  for (const name of ["zhen", "cun", "minzheng", "jb-zhen", "jb-cun", "jb-minzheng", "pt-zhen", "pt-cun", "pt-minzheng"]) u[name] = await login(name);
});

describe("city templates: filed once, admitted per district, dispatched to chosen districts", () => {
  it("files once: each covered district's centres get their own request, 荔城 nothing", async () => {
    assert.equal(author.me.department, CITY_DEPT, "the city department is named as itself");
    const r = await fileOnce();
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.department, CITY_DEPT);
    assert.equal(r.json.template_id, templateId);
    assert.deepEqual(r.json.districts, ["500105", "500118"]);
    assert.deepEqual(stateOf(r.json), { 500105: "pending", 500118: "pending" });
    assert.equal(r.json.complete, true);
    assert.equal(r.json.document, undefined, "the answer does not echo the document");
    for (const [centre, district] of [["zhen", "500118"], ["jb-zhen", "500105"]]) {
      const mine = await requestsOf(u[centre]);
      assert.equal(mine.length, 1, `${centre} sees one request`);
      assert.deepEqual([mine[0].id, mine[0].status, mine[0].department, mine[0].version], [requestId, "pending", CITY_DEPT, 1]);
      const one = await GET(`/api/template-requests/${requestId}`, u[centre]);
      assert.equal(one.status, 200, one.text);
      assert.ok(one.json.analysis.villages > 0, `${district}'s own villages are analysed`);
    }
    assert.deepEqual(await requestsOf(u["pt-zhen"]), [], "荔城's centre never sees it");
    assert.equal((await GET(`/api/template-requests/${requestId}`, u["pt-zhen"])).status, 404);
    // A district's own department reads no request of another department.
    assert.deepEqual(await requestsOf(u.minzheng), []);
  });

  it("answers a retried filing as stored and doubles nothing; another document under the id is 409", async () => {
    const again = await fileOnce();
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(stateOf(again.json), { 500105: "pending", 500118: "pending" });
    for (const centre of ["zhen", "jb-zhen"]) assert.equal((await requestsOf(u[centre])).length, 1, `${centre}: still one request`);
    const list = await GET("/api/city/templates", author);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.filter((f) => f.id === filingId).length, 1);
    const other = await POST("/api/city/templates", author, { request_id: filingId, document: cityDocument(templateId, 2) });
    assert.equal(other.status, 409, other.text);
    assert.equal(other.json.error.code, "filing_id_reused");
  });

  it("keeps the analyst read-only and the city's routes closed to district users", async () => {
    const filed = await POST("/api/city/templates", analyst, { request_id: `cf-${randomUUID()}`, document: cityDocument(uniqueId("city-ro")) });
    assert.equal(filed.status, 403, filed.text);
    const dispatched = await POST(`/api/city/templates/${filingId}/dispatch`, analyst, { dispatch_id: randomUUID(), due_date: "2030-01-01" });
    assert.equal(dispatched.status, 403, dispatched.text);
    const read = await GET(`/api/city/templates/${filingId}`, analyst);
    assert.equal(read.status, 200, "the analyst reads its department's filings");
    for (const name of ["minzheng", "zhen", "cun", "jb-minzheng", "pt-minzheng", "pt-zhen"]) {
      const who = u[name];
      const probes = [
        await POST("/api/city/templates", who, { request_id: `cf-${randomUUID()}`, document: careTemplate(uniqueId("city-x")) }),
        await GET("/api/city/templates", who),
        await GET(`/api/city/templates/${filingId}`, who),
        await POST(`/api/city/templates/${filingId}/dispatch`, who, { dispatch_id: randomUUID(), due_date: "2030-01-01" }),
      ];
      for (const r of probes) {
        assert.equal(r.status, 403, `${name}: ${r.text}`);
        assert.ok(!r.text.includes(templateId), `${name}: nothing of the filing`);
      }
    }
    for (const [method, path] of [["POST", "/api/city/templates"], ["GET", "/api/city/templates"], ["GET", `/api/city/templates/${filingId}`], ["POST", `/api/city/templates/${filingId}/dispatch`]]) {
      assert.equal((await api(method, path, method === "POST" ? {} : undefined)).status, 401, `${method} ${path} unauthenticated`);
    }
    // And the city author acts on no district route: neither files, nor
    // decides, nor dispatches there.
    const districtRoutes = [
      ["GET", "/api/template-requests"],
      ["GET", `/api/template-requests/${requestId}`],
      ["POST", `/api/template-requests/${requestId}/decision`, { decision: "approve" }],
      ["POST", "/api/template-requests", { request_id: randomUUID(), document: cityDocument(uniqueId("city-d")) }],
      ["POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: templateId, org_units: [u.cun.me.org_unit], due_date: "2030-01-01" }],
      ["GET", "/api/dispatches"],
      ["GET", "/api/tasks"],
    ];
    for (const [method, path, body] of districtRoutes) {
      const r = await api(method, path, body, as(author));
      assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text}`);
    }
  });

  it("lets each district decide for itself; the first decision stands; the city reads both states", async () => {
    const yes = await POST(`/api/template-requests/${requestId}/decision`, u.zhen, { decision: "approve" });
    assert.equal(yes.status, 200, yes.text);
    const no = await POST(`/api/template-requests/${requestId}/decision`, u["jb-zhen"], { decision: "reject", reason: "本区已有同类摸底" });
    assert.equal(no.status, 200, no.text);
    const late = await POST(`/api/template-requests/${requestId}/decision`, u["jb-zhen"], { decision: "approve" });
    assert.equal(late.status, 409, late.text);
    const view = await GET(`/api/city/templates/${filingId}`, author);
    assert.equal(view.status, 200, view.text);
    assert.deepEqual(stateOf(view.json), { 500105: "rejected", 500118: "admitted" });
    const jb = view.json.districts_state.find((d) => d.code === "500105");
    assert.deepEqual([jb.name, jb.reason], ["江北区", "本区已有同类摸底"]);
  });

  it("names a district that cannot take a filing and files the others", async () => {
    // Version 1 again under a new id: 永川 publishes version 1 already
    // (not newer: failed, named), 江北 rejected it (filed again, pending).
    const id = `cf-${randomUUID()}`;
    const r = await POST("/api/city/templates", author, { request_id: id, document: cityDocument() });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(stateOf(r.json), { 500105: "pending", 500118: "failed" });
    assert.equal(r.json.complete, false);
    assert.equal(r.json.districts_state.find((d) => d.code === "500118").error.code, "version_not_newer");
    assert.equal((await requestsOf(u.zhen)).length, 1, "nothing new in 永川");
    // Cleared in 江北 so that the dispatch below meets the rejection.
    const cleared = await POST(`/api/template-requests/city-${id}/decision`, u["jb-zhen"], { decision: "reject", reason: "同上" });
    assert.equal(cleared.status, 200, cleared.text);
  });

  it("dispatches only where the district admitted it: 永川's villages get the task, 江北's and 荔城's nothing", async () => {
    const body = { dispatch_id: dispatchId, due_date: "2030-06-30", districts: ["500105", "500118"] };
    const r = await POST(`/api/city/templates/${filingId}/dispatch`, author, body);
    assert.equal(r.status, 201, r.text);
    const [jb, yc] = ["500105", "500118"].map((code) => r.json.districts.find((d) => d.code === code));
    assert.deepEqual([jb.state, jb.review, jb.created, jb.villages], ["not_admitted", "rejected", 0, 0]);
    assert.equal(yc.state, "dispatched");
    assert.ok(yc.villages > 0 && yc.created === yc.villages, r.text);
    dispatchedVillages = yc.villages;
    assert.equal(r.json.created, yc.created);
    const mine = await tasksOf(u.cun);
    assert.equal(mine.length, 1, "永川's village has the task");
    assert.equal(mine[0].org_unit, u.cun.me.org_unit);
    const board = await GET(`/api/dispatches/${dispatchId}`, u.zhen);
    assert.equal(board.status, 200, board.text);
    assert.ok(board.json.tasks.length > 0 && board.json.tasks.every((t) => t.org_unit.startsWith("500118")));
    assert.equal(board.json.dispatch.department, CITY_DEPT);
    for (const name of ["jb-cun", "jb-zhen", "pt-cun", "pt-zhen"]) {
      assert.deepEqual(await tasksOf(u[name]), [], `${name} sees no task`);
      const d = await GET("/api/dispatches", u[name]);
      assert.equal(d.status, 200, d.text);
      assert.ok(!d.text.includes(dispatchId), `${name} sees no dispatch`);
    }
  });

  it("doubles nothing on a retried dispatch; the id is not reusable for another due date", async () => {
    const before = (await GET(`/api/dispatches/${dispatchId}`, u.zhen)).json.tasks.length;
    assert.ok(before > 0);
    for (const body of [{ dispatch_id: dispatchId, due_date: "2030-06-30", districts: ["500105", "500118"] }, { dispatch_id: dispatchId, due_date: "2030-06-30" }]) {
      const r = await POST(`/api/city/templates/${filingId}/dispatch`, author, body);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.created, 0);
      const yc = r.json.districts.find((d) => d.code === "500118");
      assert.deepEqual([yc.state, yc.villages, yc.created], ["dispatched", dispatchedVillages, 0]);
    }
    assert.equal((await GET(`/api/dispatches/${dispatchId}`, u.zhen)).json.tasks.length, before);
    assert.equal((await tasksOf(u.cun)).length, 1);
    const reused = await POST(`/api/city/templates/${filingId}/dispatch`, author, { dispatch_id: dispatchId, due_date: "2030-07-01" });
    assert.equal(reused.status, 409, reused.text);
    assert.equal(reused.json.error.code, "dispatch_id_reused");
  });

  it("refuses districts outside the filing (荔城, the city itself)", async () => {
    for (const districts of [["350304"], ["500118", "350304"], ["500000"], ["500101"]]) {
      const r = await POST(`/api/city/templates/${filingId}/dispatch`, author, { dispatch_id: randomUUID(), due_date: "2030-06-30", districts });
      assert.equal(r.status, 403, `${districts}: ${r.text}`);
    }
    assert.deepEqual(await tasksOf(u["pt-cun"]), []);
  });

  it("reads what was submitted through the city summary", async () => {
    const [task] = await tasksOf(u.cun);
    const { rows } = await submitTask(u.cun, task, 300);
    for (const reader of [author, analyst]) {
      const r = await GET(`/api/city/summary/${templateId}`, reader);
      assert.equal(r.status, 200, r.text);
      const yc = r.json.districts.find((d) => d.code === "500118");
      assert.deepEqual([yc.totals.submissions, yc.totals.rows], [1, rows]);
      assert.equal(yc.totals.sums.aid_amount, 300 * rows);
      const jb = r.json.districts.find((d) => d.code === "500105");
      assert.equal(jb.error.code, "not_found", "江北 rejected it: nothing published there");
      assert.equal(r.json.total.rows, rows);
    }
    // The district's own 区民政局 never reads the city's template.
    const own = await GET(`/api/summary?template_id=${templateId}`, u.minzheng);
    assert.equal(own.status, 403, own.text);
  });

  it("answers hostile bodies with a 4xx", async () => {
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const bodies = [
      "not json",
      deep,
      "{}",
      JSON.stringify({ request_id: 5, document: {} }),
      JSON.stringify({ request_id: "x y", document: cityDocument(uniqueId("h")) }),
      JSON.stringify({ request_id: "x".repeat(60), document: cityDocument(uniqueId("h")) }),
      JSON.stringify({ request_id: `cf-${randomUUID()}`, document: "a string" }),
      JSON.stringify({ request_id: `cf-${randomUUID()}`, document: [1, 2, 3] }),
      JSON.stringify({ request_id: `cf-${randomUUID()}`, document: { "x-template": { id: "../../x", version: -1 } } }),
      JSON.stringify({ request_id: `cf-${randomUUID()}`, document: { ...cityDocument(uniqueId("h")), "x-template": { id: uniqueId("h"), version: 1, department: "区民政局" } } }),
    ];
    for (const body of bodies) {
      const r = await POST("/api/city/templates", author, body);
      assert.ok(r.status >= 400 && r.status < 500, `${body.slice(0, 60)}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    const dispatches = [
      "not json",
      "{}",
      JSON.stringify({ dispatch_id: "", due_date: "2030-01-01" }),
      JSON.stringify({ dispatch_id: randomUUID(), due_date: "2030-02-30" }),
      JSON.stringify({ dispatch_id: randomUUID(), due_date: "2030-01-01", districts: [] }),
      JSON.stringify({ dispatch_id: randomUUID(), due_date: "2030-01-01", districts: ["5001", "x"] }),
      JSON.stringify({ dispatch_id: randomUUID(), due_date: "2030-01-01", districts: Array(100).fill("500118") }),
      JSON.stringify({ dispatch_id: randomUUID(), due_date: "2030-01-01", districts: "500118" }),
    ];
    for (const body of dispatches) {
      const r = await POST(`/api/city/templates/${filingId}/dispatch`, author, body);
      assert.ok(r.status >= 400 && r.status < 500, `${body.slice(0, 60)}: ${r.status} ${r.text.slice(0, 200)}`);
    }
    for (const id of ["no-such-filing", "%00", "x".repeat(300)]) {
      const r = await GET(`/api/city/templates/${id}`, author);
      assert.equal(r.status, 404, `${id.slice(0, 20)}: ${r.text}`);
      const d = await POST(`/api/city/templates/${id}/dispatch`, author, { dispatch_id: randomUUID(), due_date: "2030-01-01" });
      assert.equal(d.status, 404, `${id.slice(0, 20)}: ${d.text}`);
    }
    // Nothing of the refused bodies was filed.
    const list = await GET("/api/city/templates", author);
    assert.ok(list.json.every((f) => f.department === CITY_DEPT && /^[A-Za-z0-9-]+$/.test(f.id)), list.text.slice(0, 300));
  });
});
