// 报表准入 → dispatch → completion board → summary, through the HTTP API
// (issue 7). One story, in order: each step builds on the one before.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login } from "./helpers.mjs";
import { careTemplate, download, neighbour, submitTask, uniqueId, villageUser } from "./publish-helpers.mjs";
import { readXlsx } from "./xlsx.mjs";

describe("a department publishes, the centre reviews, dispatches and the department gets its summary", () => {
  const id = uniqueId("test-care");
  let dept, other, centre, cun, cun2, neighbourStaff, firstRequest, dispatchId, board, town;
  const as = (who) => ({ session: who.session });

  before(async () => {
    [dept, other, centre, cun, cun2] = await Promise.all(["minzheng", "yingji", "zhen", "cun", "cun2"].map((u) => login(u)));
    town = centre.me.org_unit;
    neighbourStaff = await villageUser(await neighbour(centre.session, cun.me.org_unit));
  });

  it("refuses a template that does not compile, every problem with its pointer, in zh and en", async () => {
    const doc = careTemplate(id);
    doc.properties.name["x-ledger"] = "person.salary";
    doc.properties.months.type = "integr";
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: doc }, as(dept));
    assert.equal(r.status, 422, r.text);
    const pointers = r.json.error.fields.map((f) => [f.pointer, f.code]);
    assert.ok(pointers.some(([p, c]) => p === "/document/properties/name/x-ledger" && c === "unknown_ledger_item"), r.text);
    assert.ok(pointers.some(([, c]) => c === "meta_schema"), r.text);
    assert.match(r.json.error.fields[0].message.zh, /[\u4e00-\u9fff]/);
    const bad = await api("POST", "/api/template-requests", { request_id: "no spaces!", document: careTemplate(id) }, as(dept));
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.fields[0].pointer, "/request_id");
  });

  it("lets only the owning department's analysts file", async () => {
    const body = { request_id: randomUUID(), document: careTemplate(id) };
    assert.equal((await api("POST", "/api/template-requests", body, as(cun))).status, 403);
    assert.equal((await api("POST", "/api/template-requests", body, as(centre))).status, 403);
    const wrong = await api("POST", "/api/template-requests", body, as(other));
    assert.equal(wrong.status, 403);
    assert.match(wrong.json.error.message.zh, /其他部门/);
  });

  it("files a request with its burden analysis; a retry returns the same request", async () => {
    const body = { request_id: randomUUID(), document: careTemplate(id, { duplicate: true }) };
    const r = await api("POST", "/api/template-requests", body, as(dept));
    assert.equal(r.status, 201, r.text);
    firstRequest = r.json;
    assert.equal(r.json.status, "pending");
    const a = r.json.analysis;
    assert.deepEqual(a.ledger_fields.map((f) => f.key), ["name", "id_number"]);
    assert.deepEqual(a.new_fields.map((f) => f.key), ["aid_amount", "months", "need", "monthly_income"]);
    assert.deepEqual(a.computed_fields.map((f) => f.key), ["aid_row_total", "aid_total"]);
    const dup = a.findings.find((d) => d.key === "monthly_income");
    assert.ok(dup, JSON.stringify(a.findings));
    assert.equal(dup.target.type, "template");
    assert.equal(dup.target.template_id, "dibao-monthly-visit");
    assert.equal(dup.target.key, "monthly_income");
    assert.equal(dup.kind, "exact");
    assert.equal(dup.confidence, "high");
    assert.equal(dup.evidence[0].kind, "same_title");
    assert.equal(dup.pointer, "/properties/monthly_income");
    assert.match(dup.message.zh, /低保对象月度走访核查表/);
    assert.ok(a.villages > 200, `every village of the district: ${a.villages}`);
    assert.ok(a.rows_per_village > 0);
    // 5 min + rows × (4 typed × 20 s + 2 checked × 2 s) / 60
    const expected = Math.round((5 + (a.rows_per_village * (4 * 20 + 2 * 2)) / 60) * 10) / 10;
    assert.ok(Math.abs(a.minutes_per_village - expected) <= 0.2, `${a.minutes_per_village} vs ${expected}`);
    const again = await api("POST", "/api/template-requests", body, as(dept));
    assert.equal(again.status, 200);
    assert.equal(again.json.id, r.json.id);
    const second = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: careTemplate(id) }, as(dept));
    assert.equal(second.status, 409);
    assert.equal(second.json.error.code, "review_pending");
  });

  it("finds fields the ledger already holds under everyday titles, says why and how sure, and leaves near-misses (issue 17)", async () => {
    const doc = careTemplate(uniqueId("test-dup"));
    Object.assign(doc.properties, {
      home: { title: "家庭住址", type: "string" },
      born: { title: "出生年月", type: "string" },
      id_no: { title: "身份证号码", type: "string" },
      contact: { title: "联系人", type: "string" },
      birthplace: { title: "出生地", type: "string" },
    });
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: doc }, as(dept));
    assert.equal(r.status, 201, r.text);
    const byKey = Object.fromEntries(r.json.analysis.findings.map((f) => [f.key, f]));
    assert.deepEqual(byKey.home.target, { type: "ledger", item: "person.address", title: "住址" });
    assert.equal(byKey.home.kind, "alias");
    assert.deepEqual(byKey.home.evidence[0], { kind: "alias", alias: "家庭住址" });
    assert.equal(byKey.born.target.item, "person.birth_date");
    assert.equal(byKey.id_no.target.item, "person.id_number");
    assert.equal(byKey.id_no.kind, "exact");
    assert.ok(!byKey.contact && !byKey.birthplace, JSON.stringify(r.json.analysis.findings));
    // The authoring page checks drafts against the same live fields.
    const live = await api("GET", "/api/templates/fields", undefined, as(dept));
    assert.equal(live.status, 200, live.text);
    const dibao = live.json.find((t) => t.id === "dibao-monthly-visit");
    assert.ok(dibao.fields.some((f) => f.key === "monthly_income"));
    assert.ok(!dibao.fields.some((f) => f.key === "name"), "only new fields: name is pre-filled");
  });

  it("shows the request to the centre and its department only", async () => {
    const pending = await api("GET", "/api/template-requests?status=pending", undefined, as(centre));
    assert.equal(pending.status, 200);
    assert.ok(pending.json.some((r) => r.id === firstRequest.id));
    // The centre reads the burden of its own town, the district's count beside it.
    const units = await api("GET", `/api/org-units?parent=${town}`, undefined, as(centre));
    const villages = units.json.children.filter((u) => u.level === "village").length;
    const analysis = pending.json.find((r) => r.id === firstRequest.id).analysis;
    assert.equal(analysis.villages, villages);
    assert.equal(analysis.district_villages, firstRequest.analysis.villages);
    assert.equal(analysis.minutes_per_village, firstRequest.analysis.minutes_per_village);
    assert.equal(analysis.total_hours, Math.round(((analysis.minutes_per_village * villages) / 60) * 10) / 10);
    const theirs = await api("GET", "/api/template-requests", undefined, as(other));
    assert.ok(!theirs.json.some((r) => r.id === firstRequest.id));
    assert.equal((await api("GET", "/api/template-requests", undefined, as(cun))).status, 403);
    const one = await api("GET", `/api/template-requests/${firstRequest.id}`, undefined, as(centre));
    assert.equal(one.json.document["x-template"].id, id);
    assert.equal((await api("GET", "/api/template-requests?status=maybe", undefined, as(centre))).status, 400);
  });

  it("cannot dispatch a template under review", async () => {
    const r = await api("POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: id, org_units: [town], due_date: "2026-12-31" }, as(centre));
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, "template_pending");
  });

  it("rejects with a reason the department then reads; a rejected template cannot be dispatched", async () => {
    const path = `/api/template-requests/${firstRequest.id}/decision`;
    assert.equal((await api("POST", path, { decision: "approve" }, as(dept))).status, 403, "departments do not review");
    const noReason = await api("POST", path, { decision: "reject", reason: "  " }, as(centre));
    assert.equal(noReason.status, 422);
    assert.equal(noReason.json.error.fields[0].pointer, "/reason");
    // The answer says what is missing, not "有 1 处填写有误，未保存".
    assert.equal(noReason.json.error.message.zh, "驳回时请写明理由");
    const reason = "“家庭月收入（元）”与低保走访表重复，请删除";
    const r = await api("POST", path, { decision: "reject", reason }, as(centre));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, "rejected");
    const seen = await api("GET", `/api/template-requests/${firstRequest.id}`, undefined, as(dept));
    assert.equal(seen.json.status, "rejected");
    assert.equal(seen.json.reason, reason);
    assert.equal(seen.json.decided_by, centre.me.display_name);
    const retry = await api("POST", path, { decision: "reject", reason }, as(centre));
    assert.equal(retry.status, 200, "the same decision again is a retry");
    const flip = await api("POST", path, { decision: "approve" }, as(centre));
    assert.equal(flip.status, 409);
    assert.equal(flip.json.error.code, "already_decided");
    const d = await api("POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: id, org_units: [town], due_date: "2026-12-31" }, as(centre));
    assert.equal(d.status, 409);
    assert.equal(d.json.error.code, "template_rejected");
    assert.match(d.json.error.message.zh, /驳回理由/);
  });

  it("accepts the fixed version and publishes it on approval", async () => {
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: careTemplate(id) }, as(dept));
    assert.equal(r.status, 201, r.text);
    // Other live templates (e.g. the browser test's) may share fields; the 低保 duplicate is gone.
    assert.ok(!r.json.analysis.findings.some((d) => d.target.template_id === "dibao-monthly-visit"), r.text);
    const ok = await api("POST", `/api/template-requests/${r.json.id}/decision`, { decision: "approve" }, as(centre));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, "approved");
    const templates = await api("GET", "/api/templates", undefined, as(dept));
    assert.ok(templates.json.some((t) => t.id === id && t.version === 1));
    const stale = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: careTemplate(id) }, as(dept));
    assert.equal(stale.status, 422);
    assert.equal(stale.json.error.fields[0].pointer, "/document/x-template/version");
  });

  it("dispatches to the centre's town once, however often the click is retried", async () => {
    dispatchId = randomUUID();
    const body = { dispatch_id: dispatchId, template_id: id, org_units: [town], due_date: "2026-12-31" };
    const bad = await api("POST", "/api/dispatches", { ...body, due_date: "2026-02-30" }, as(centre));
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.fields[0].pointer, "/due_date");
    const unknown = await api("POST", "/api/dispatches", { ...body, org_units: [town, "500118999"] }, as(centre));
    assert.equal(unknown.status, 422);
    assert.equal(unknown.json.error.fields[0].pointer, "/org_units/1");
    const outside = await api("POST", "/api/dispatches", { ...body, org_units: [cun2.me.org_unit] }, as(centre));
    assert.equal(outside.status, 403, "a centre dispatches within its town");
    assert.equal((await api("POST", "/api/dispatches", body, as(cun))).status, 403);
    const r = await api("POST", "/api/dispatches", body, as(centre));
    assert.equal(r.status, 201, r.text);
    assert.ok(r.json.villages >= 2);
    assert.equal(r.json.created, r.json.villages);
    const retry = await api("POST", "/api/dispatches", body, as(centre));
    assert.equal(retry.status, 200);
    assert.equal(retry.json.created, 0);
    const reused = await api("POST", "/api/dispatches", { ...body, due_date: "2026-11-30" }, as(centre));
    assert.equal(reused.status, 409);
    assert.equal(reused.json.error.code, "dispatch_id_reused");
  });

  it("shows every village on the board; two submit; one is returned with a comment", async () => {
    let r = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(centre));
    assert.equal(r.status, 200, r.text);
    board = r.json;
    assert.equal(board.dispatch.counts.not_opened, board.tasks.length);
    const taskOf = (code) => board.tasks.find((t) => t.org_unit === code);
    const mine = taskOf(cun.me.org_unit);
    const theirs = taskOf(neighbourStaff.me.org_unit);
    await submitTask(cun, mine, 100);
    await submitTask(neighbourStaff, theirs, 50);
    r = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(dept));
    assert.equal(r.status, 200, "the department follows its dispatch too");
    assert.equal(r.json.dispatch.counts.submitted, 2);
    assert.equal(r.json.dispatch.counts.not_opened, board.tasks.length - 2);
    const list = await api("GET", `/api/dispatches?template_id=${id}`, undefined, as(dept));
    assert.equal(list.json[0].dispatch_id, dispatchId);
    assert.equal((await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(other))).status, 403);

    const ret = `/api/tasks/${theirs.id}/return`;
    const empty = await api("POST", ret, { comment: "" }, as(centre));
    assert.equal(empty.status, 422);
    assert.equal(empty.json.error.fields[0].pointer, "/comment");
    assert.equal((await api("POST", ret, { comment: "请核对" }, as(cun))).status, 403);
    const returned = await api("POST", ret, { comment: "救助金额偏低，请核对" }, as(centre));
    assert.equal(returned.status, 200, returned.text);
    assert.equal(returned.json.status, "returned");
    assert.equal(returned.json.return_comment, "救助金额偏低，请核对");
    assert.equal((await api("POST", ret, { comment: "救助金额偏低，请核对" }, as(centre))).status, 200, "a retry");
    const notSubmitted = taskOf(board.tasks.find((t) => ![cun.me.org_unit, neighbourStaff.me.org_unit].includes(t.org_unit)).org_unit);
    const nope = await api("POST", `/api/tasks/${notSubmitted.id}/return`, { comment: "x" }, as(centre));
    assert.equal(nope.status, 409);
    assert.equal(nope.json.error.code, "task_not_submitted");
    r = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(centre));
    assert.equal(r.json.dispatch.counts.returned, 1);
    assert.equal(r.json.dispatch.counts.submitted, 1);
  });

  it("sums per village, town and overall, with computed columns and masked ID numbers", async () => {
    const r = await api("GET", `/api/summary?template_id=${id}`, undefined, as(dept));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("server-timing") ?? "", /d1;dur=/);
    const s = r.json;
    assert.equal(s.villages.length, 2);
    assert.equal(s.towns.length, 1);
    assert.equal(s.towns[0].code, town);
    const rows = s.total.rows;
    assert.equal(rows, s.total_rows);
    const mine = s.villages.find((v) => v.code === cun.me.org_unit);
    assert.equal(mine.sums.aid_amount, 100 * mine.rows);
    assert.equal(mine.computed.aid_total, 200 * mine.rows, "sum(aid_row_total) per village");
    assert.equal(s.total.computed.aid_total, s.villages.reduce((n, v) => n + v.computed.aid_total, 0));
    assert.deepEqual(s.summary_fields.map((c) => c.key), ["aid_total"]);
    assert.match(s.rows[0].values.id_number, /^\d{6}\*{8}[\dX]{4}$/, "ID numbers masked for an analyst without the grant");
    const filtered = await api("GET", `/api/summary?template_id=${id}&filter_key=need&filter_value=${encodeURIComponent("因病")}`, undefined, as(dept));
    assert.ok(filtered.json.total.rows < rows && filtered.json.total.rows > 0);
    assert.ok(filtered.json.rows.every((row) => row.values.need === "因病"));
    const page = await api("GET", `/api/summary?template_id=${id}&offset=5&limit=3`, undefined, as(dept));
    assert.equal(page.json.rows.length, 3);
    assert.deepEqual(page.json.rows[0], s.rows[5]);
    assert.equal((await api("GET", `/api/summary?template_id=${id}&filter_key=nope`, undefined, as(dept))).status, 400);
    assert.equal((await api("GET", `/api/summary?template_id=${id}`, undefined, as(cun))).status, 403);
    assert.equal((await api("GET", `/api/summary?template_id=${id}`, undefined, as(other))).status, 403);
    const theTown = await api("GET", `/api/summary?template_id=${id}`, undefined, as(centre));
    assert.equal(theTown.status, 200);
    assert.match(theTown.json.rows[0].values.id_number, /^\d{17}[\dX]$/, "the town keeps its own ledger whole");
  });

  it("exports CSV and XLSX (flat and a sheet per town) that read back", async () => {
    const csv = await download(`/api/summary/export?template_id=${id}&format=csv`, dept.session);
    assert.equal(csv.status, 200);
    const text = csv.bytes.toString("utf8");
    assert.ok(text.startsWith("\ufeff乡镇（街道）,村（社区）,姓名,身份证号"), text.slice(0, 80));
    const lines = text.trim().split("\r\n");
    assert.match(lines.at(-1), /^合计,/);
    const flat = await download(`/api/summary/export?template_id=${id}&format=xlsx`, dept.session);
    assert.equal(flat.status, 200);
    assert.match(flat.headers.get("content-disposition"), /summary-.*\.xlsx/);
    const book = readXlsx(flat.bytes);
    assert.equal(book.sheets.length, 1);
    const sheet = book.sheets[0].rows;
    assert.equal(sheet[0][2], "姓名");
    assert.equal(sheet.length, lines.length, "same rows as the CSV: header, data, totals");
    assert.equal(sheet.at(-1)[0], "合计");
    const amount = sheet[0].indexOf("拟救助金额（元）");
    const s = await api("GET", `/api/summary?template_id=${id}`, undefined, as(dept));
    assert.equal(Number(sheet.at(-1)[amount]), s.json.total.sums.aid_amount);
    assert.match(sheet[1][3], /\*{8}/, "masked in the file too");
    const perTown = readXlsx((await download(`/api/summary/export?template_id=${id}&format=xlsx&layout=town`, dept.session)).bytes);
    assert.deepEqual(perTown.sheets.map((x) => x.name), [s.json.towns[0].name]);
    const bad = await download(`/api/summary/export?template_id=${id}&format=pdf`, dept.session);
    assert.equal(bad.status, 400);
  });

  it("moves open tasks and their drafts to a new approved version; submitted ones keep theirs", async () => {
    const v2 = careTemplate(id, { version: 2 });
    v2.properties.note = { title: "备注", type: "string", maxLength: 100 };
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: v2 }, as(dept));
    assert.equal(r.status, 201, r.text);
    const ok = await api("POST", `/api/template-requests/${r.json.id}/decision`, { decision: "approve", reason: "同意" }, as(centre));
    assert.equal(ok.status, 200, ok.text);
    const after = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(centre));
    for (const task of after.json.tasks) {
      const expected = task.status === "submitted" ? 1 : 2;
      assert.equal(task.template_version, expected, `${task.org_unit} ${task.status}`);
    }
    const old = await api("GET", `/api/summary?template_id=${id}&version=1`, undefined, as(dept));
    assert.equal(old.json.template_version, 1);
    assert.equal(old.json.villages.length, 2, "version 1 data stays readable as submitted");
  });
});

describe("a new approved version migrates an open task's draft; submitted data keeps its version", () => {
  const id = uniqueId("test-migrate");
  let dept, centre, cun, neighbourStaff, mine, theirs, draft, submitted;
  const as = (who) => ({ session: who.session });

  async function fileAndApprove(document) {
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document }, as(dept));
    assert.equal(r.status, 201, r.text);
    const ok = await api("POST", `/api/template-requests/${r.json.id}/decision`, { decision: "approve", reason: "同意" }, as(centre));
    assert.equal(ok.status, 200, ok.text);
  }

  before(async () => {
    [dept, centre, cun] = await Promise.all(["minzheng", "zhen", "cun"].map((u) => login(u)));
    neighbourStaff = await villageUser(await neighbour(centre.session, cun.me.org_unit));
    await fileAndApprove(careTemplate(id));
    const dispatchId = randomUUID();
    const body = { dispatch_id: dispatchId, template_id: id, org_units: [cun.me.org_unit, neighbourStaff.me.org_unit], due_date: "2026-12-31" };
    const d = await api("POST", "/api/dispatches", body, as(centre));
    assert.equal(d.status, 201, d.text);
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(centre));
    mine = board.json.tasks.find((t) => t.org_unit === cun.me.org_unit);
    theirs = board.json.tasks.find((t) => t.org_unit === neighbourStaff.me.org_unit);
    assert.ok(mine && theirs, board.text);
  });

  it("saves a draft over version 1 and submits the neighbour's form under version 1", async () => {
    const opened = await api("POST", `/api/tasks/${mine.id}/form`, undefined, as(cun));
    assert.equal(opened.status, 200, opened.text);
    assert.equal(opened.json.form.template_version, 1);
    const rows = opened.json.form.rows.slice(0, 2).map((row, i) => ({
      subject_id: row.subject_id,
      values: { aid_amount: 300 + i, months: 3 + i, need: "因病" },
    }));
    const saved = await api("PUT", `/api/tasks/${mine.id}/draft`, { base_revision: 0, rows }, as(cun));
    assert.equal(saved.status, 200, saved.text);
    draft = saved.json;
    submitted = (await submitTask(neighbourStaff, theirs, 80)).receipt;
    assert.equal(submitted.template_version, 1);
  });

  it("moves the draft to version 2: the renamed value under its new key, the removed one under _archived", async () => {
    const v2 = careTemplate(id, { version: 2 });
    const { months, need, ...rest } = v2.properties;
    v2.properties = { ...rest, aid_months: { ...months, title: "救助期限（月）", "x-renamed-from": "months" } };
    v2.properties.aid_row_total["x-compute"] = "aid_amount * aid_months";
    v2.required = ["name", "aid_amount", "aid_months"];
    assert.ok(need, "version 2 drops 困难类型");
    await fileAndApprove(v2);

    const got = await api("GET", `/api/tasks/${mine.id}/draft`, undefined, as(cun));
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.revision, draft.revision + 1, "the migration is a new revision");
    assert.deepEqual(got.json.rows.map((r) => r.subject_id), draft.rows.map((r) => r.subject_id));
    got.json.rows.forEach((row, i) => {
      assert.deepEqual(row.values, { aid_amount: 300 + i, aid_months: 3 + i, _archived: { need: "因病" } }, JSON.stringify(row));
    });
    const tasks = await api("GET", `/api/tasks?template_id=${id}`, undefined, as(centre));
    const version = (t) => tasks.json.find((x) => x.id === t.id).template_version;
    assert.equal(version(mine), 2, "the open task moved to version 2");
    assert.equal(version(theirs), 1, "the submitted task kept version 1");

    // Opening the task now gives the version-2 form with the migrated draft.
    const opened = await api("POST", `/api/tasks/${mine.id}/form`, undefined, as(cun));
    assert.equal(opened.status, 200, opened.text);
    assert.equal(opened.json.form.template_version, 2);
    assert.equal(opened.json.draft.rows[0].values.aid_months, 3);
    // A save from a client still holding the pre-migration revision is stale.
    const stale = await api("PUT", `/api/tasks/${mine.id}/draft`, { base_revision: draft.revision, rows: draft.rows }, as(cun));
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.json.error.code, "stale_draft");
  });

  it("keeps the submitted data readable under version 1", async () => {
    const stored = await api("GET", `/api/submissions/${submitted.id}`, undefined, as(neighbourStaff));
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.json.template_version, 1);
    assert.equal(stored.json.rows[0].values.months, 2);
    assert.ok(["因病", "其他"].includes(stored.json.rows[0].values.need));
    assert.equal(stored.json.rows[0].values.aid_months, undefined);
    const csv = await download(`/api/submissions/${submitted.id}/file?format=csv`, neighbourStaff.session);
    assert.equal(csv.status, 200);
    assert.match(csv.bytes.toString("utf8").split("\r\n")[0], /救助月数.*困难类型/, "the version-1 columns");
    const old = await api("GET", `/api/summary?template_id=${id}&version=1`, undefined, as(dept));
    assert.equal(old.status, 200, old.text);
    assert.equal(old.json.template_version, 1);
    assert.equal(old.json.villages.length, 1);
    assert.equal(old.json.total.sums.months, 2 * old.json.total.rows);
    const v2 = await api("GET", `/api/summary?template_id=${id}&version=2`, undefined, as(dept));
    assert.equal(v2.json.template_version, 2);
    assert.equal(v2.json.total.rows, 0, "nothing submitted under version 2 yet");
    // By default every version (issue 21): version 1's rows read as version 2's, marked v1.
    const all = await api("GET", `/api/summary?template_id=${id}`, undefined, as(dept));
    assert.equal(all.json.template_version, 2);
    assert.equal(all.json.total.rows, old.json.total.rows, "version 2 hides none of version 1's rows");
    assert.ok(all.json.rows.every((r) => r.version === 1 && r.values.aid_months === 2 && r.values.months === undefined), "the renamed field carried over");
    assert.equal(all.json.total.sums.aid_months, old.json.total.sums.months);
  });
});
