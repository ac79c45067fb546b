// Issue 21 through the HTTP API: a version 2 with a removed, a renamed and
// a sensitive field. The review shows the comparison with version 1 and with
// the rejected filing and what approving it does; the summary and its
// exports read every version by default (each row marked with its version,
// renamed data carried over) or one version as it was; a bank card marked
// x-sensitive is masked for the analyst; a resubmitted task drops its old
// return comment.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login } from "./helpers.mjs";
import { download, neighbour, uniqueId, villageUser } from "./publish-helpers.mjs";
import { readXlsx } from "./xlsx.mjs";
import { visitTemplate, visitTemplateV2 } from "./versions-helpers.mjs";

describe("versions never hide data; the review shows what changes", () => {
  const id = uniqueId("test-visit");
  let dept, centre, cun, second, third, tasks, v2Request;
  const as = (who) => ({ session: who.session });

  async function file(document) {
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document }, as(dept));
    assert.equal(r.status, 201, r.text);
    return r.json;
  }

  /** Opens the task's form (its own version) and submits two rows of it. */
  async function submit(who, task, values) {
    const opened = await api("POST", `/api/tasks/${task.id}/form`, undefined, as(who));
    assert.equal(opened.status, 200, opened.text);
    const form = opened.json.form;
    const rows = form.rows.slice(0, 2).map((row) => ({ subject_id: row.subject_id, values: { ...row.values, ...values } }));
    const body = { submission_id: randomUUID(), template_id: id, template_version: form.template_version, org_unit: task.org_unit, task_id: task.id, rows };
    const stored = await api("POST", "/api/submissions", body, as(who));
    assert.equal(stored.status, 201, stored.text);
    return stored.json;
  }

  before(async () => {
    [dept, centre, cun] = await Promise.all(["minzheng", "zhen", "cun"].map((u) => login(u)));
    second = await villageUser(await neighbour(centre.session, cun.me.org_unit));
    const list = await api("GET", `/api/org-units?parent=${cun.me.org_unit.slice(0, 9)}`, undefined, as(centre));
    const thirdCode = list.json.children.find((u) => u.level === "village" && u.code !== cun.me.org_unit && u.code !== second.me.org_unit).code;
    third = await villageUser(thirdCode);
    const v1 = await file(visitTemplate(id));
    const ok = await api("POST", `/api/template-requests/${v1.id}/decision`, { decision: "approve" }, as(centre));
    assert.equal(ok.status, 200, ok.text);
    const dispatchId = randomUUID();
    const units = [cun, second, third].map((w) => w.me.org_unit);
    const d = await api("POST", "/api/dispatches", { dispatch_id: dispatchId, template_id: id, org_units: units, due_date: "2026-12-31" }, as(centre));
    assert.equal(d.status, 201, d.text);
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(centre));
    tasks = Object.fromEntries([cun, second, third].map((w) => [w.me.org_unit, board.json.tasks.find((t) => t.org_unit === w.me.org_unit)]));
    // Two villages submit under version 1; the third keeps a draft.
    await submit(cun, tasks[cun.me.org_unit], { amount: 600, visit_date: "2026-11-02", remark: "独居" });
    await submit(second, tasks[second.me.org_unit], { amount: 600, visit_date: "2026-11-03", remark: "低保" });
    const opened = await api("POST", `/api/tasks/${tasks[third.me.org_unit].id}/form`, undefined, as(third));
    assert.equal(opened.status, 200, opened.text);
    const draftRows = [{ subject_id: opened.json.form.rows[0].subject_id, values: { amount: 100, visit_date: "2026-11-05", remark: "草稿" } }];
    const saved = await api("PUT", `/api/tasks/${tasks[third.me.org_unit].id}/draft`, { base_revision: 0, rows: draftRows }, as(third));
    assert.equal(saved.status, 200, saved.text);
  });

  it("refuses x-sensitive on a field it cannot protect, naming the field in Chinese", async () => {
    const doc = visitTemplateV2(id);
    doc.properties.amount["x-sensitive"] = true;
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: doc }, as(dept));
    assert.equal(r.status, 422, r.text);
    const found = r.json.error.fields.find((f) => f.pointer === "/document/properties/amount/x-sensitive");
    assert.ok(found, r.text);
    assert.equal(found.code, "invalid_sensitive");
    assert.match(found.message.zh, /文本字段/);
  });

  it("shows the centre every field, the comparison with version 1 and what approving moves", async () => {
    const rejected = await file(visitTemplateV2(id, { minimum: -1 }));
    const list = await api("GET", "/api/template-requests?status=pending", undefined, as(centre));
    const card = list.json.find((r) => r.id === rejected.id);
    assert.ok(card?.detail, list.text);
    assert.ok(card.document, "the document comes along for the form preview");
    const bank = card.detail.fields.find((f) => f.key === "bank_card");
    assert.equal(bank.origin, "new");
    assert.ok(bank.sensitive);
    assert.ok(bank.rules.some((r) => r.zh.includes("^[0-9]{16,19}$")), JSON.stringify(bank));
    assert.equal(card.detail.fields.find((f) => f.key === "id_number").source, "人员 · 身份证号");
    const [published] = card.detail.comparisons;
    assert.deepEqual(published.against, { kind: "published", version: 1 });
    assert.deepEqual(published.added.map((f) => f.key), ["bank_card"]);
    assert.deepEqual(published.removed.map((f) => f.title), ["备注"]);
    assert.deepEqual(published.renamed.map((r) => [r.from.key, r.to.key]), [["visit_date", "visited_on"]]);
    assert.deepEqual(published.changed.map((c) => c.key), ["amount"]);
    const c = card.detail.consequences;
    assert.deepEqual([c.open_tasks, c.drafts, c.submitted], [1, 1, 2]);
    assert.deepEqual(c.removed_data.map((f) => f.title), ["备注"]);
    assert.ok(c.notes.some((n) => n.zh.includes("删除字段「备注」") && n.zh.includes("版本 1")), JSON.stringify(c.notes));
    // Rejected without a reason: refused, saying what is missing.
    const bare = await api("POST", `/api/template-requests/${rejected.id}/decision`, { decision: "reject", reason: " " }, as(centre));
    assert.equal(bare.status, 422);
    assert.equal(bare.json.error.fields[0].message.zh, "驳回时请写明理由");
    const no = await api("POST", `/api/template-requests/${rejected.id}/decision`, { decision: "reject", reason: "补贴金额不能为负数" }, as(centre));
    assert.equal(no.status, 200, no.text);
    // Filed again: compared with the published version and the rejected filing.
    v2Request = await file(visitTemplateV2(id));
    const again = await api("GET", `/api/template-requests/${v2Request.id}`, undefined, as(centre));
    const kinds = again.json.detail.comparisons.map((x) => x.against.kind);
    assert.deepEqual(kinds, ["published", "rejected"]);
    const vsRejected = again.json.detail.comparisons[1];
    assert.equal(vsRejected.against.reason, "补贴金额不能为负数");
    assert.deepEqual(vsRejected.changed.map((x) => x.key), ["amount"], JSON.stringify(vsRejected));
    assert.deepEqual([vsRejected.added, vsRejected.removed, vsRejected.renamed].map((l) => l.length), [0, 0, 0]);
  });

  it("after version 2 the summary reads both versions, each row marked, renamed data carried over", async () => {
    const ok = await api("POST", `/api/template-requests/${v2Request.id}/decision`, { decision: "approve" }, as(centre));
    assert.equal(ok.status, 200, ok.text);
    const moved = await api("GET", `/api/tasks`, undefined, as(third));
    assert.equal(moved.json.find((t) => t.id === tasks[third.me.org_unit].id).template_version, 2);
    await submit(third, tasks[third.me.org_unit], { amount: 900, visited_on: "2026-12-01", bank_card: "6222020200112233445" });

    const all = await api("GET", `/api/summary?template_id=${id}&org_unit=${centre.me.org_unit}`, undefined, as(dept));
    assert.equal(all.status, 200, all.text);
    assert.equal(all.json.selected_version, undefined);
    assert.equal(all.json.template_version, 2);
    assert.deepEqual(all.json.versions.map((v) => [v.version, v.villages, v.rows]), [[1, 2, 4], [2, 1, 2]]);
    assert.equal(all.json.villages.length, 3, "no version hides another's villages");
    assert.equal(all.json.total.sums.amount, 4 * 600 + 2 * 900);
    const byVersion = (v) => all.json.rows.filter((r) => r.version === v);
    assert.equal(byVersion(1).length, 4);
    assert.ok(byVersion(1).every((r) => /^2026-11-0[23]$/.test(r.values.visited_on)), "the renamed field's old data in its new column");
    assert.ok(byVersion(1).every((r) => r.values.remark === undefined), "a removed field is not a column of the newest version");
    assert.ok(byVersion(2).every((r) => r.values.bank_card === "***************3445"), JSON.stringify(byVersion(2)[0]));
    assert.ok(all.json.columns.some((c) => c.key === "bank_card") && !all.json.columns.some((c) => c.key === "remark"));

    const one = await api("GET", `/api/summary?template_id=${id}&version=1&org_unit=${centre.me.org_unit}`, undefined, as(dept));
    assert.equal(one.json.selected_version, 1);
    assert.equal(one.json.villages.length, 2);
    assert.ok(one.json.rows.every((r) => r.version === 1 && ["独居", "低保"].includes(r.values.remark)), "version 1 as it was");
    const bad = await api("GET", `/api/summary?template_id=${id}&version=abc`, undefined, as(dept));
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message.zh, /版本/);
    const missing = await api("GET", `/api/summary?template_id=${id}&version=9`, undefined, as(dept));
    assert.equal(missing.status, 404);
  });

  it("exports every version with a 版本 column; the bank card stays masked in the file", async () => {
    const csv = await download(`/api/summary/export?template_id=${id}&org_unit=${centre.me.org_unit}&format=csv`, dept.session);
    assert.equal(csv.status, 200);
    const lines = csv.bytes.toString("utf8").replace(/^\ufeff/, "").trim().split("\r\n");
    const header = lines[0].split(",");
    assert.equal(header.at(-1), "版本");
    assert.ok(header.includes("银行卡号") && !header.includes("备注"), header.join(","));
    assert.equal(lines.filter((l) => l.endsWith(",v1")).length, 4);
    assert.equal(lines.filter((l) => l.endsWith(",v2")).length, 2);
    assert.ok(!csv.bytes.toString("utf8").includes("6222020200112233445"), "the whole card number never leaves for the analyst");
    const book = readXlsx((await download(`/api/summary/export?template_id=${id}&org_unit=${centre.me.org_unit}&format=xlsx`, dept.session)).bytes);
    const rows = book.sheets[0].rows;
    const card = rows[0].indexOf("银行卡号");
    assert.ok(rows.slice(1, -1).filter((r) => r[card]).every((r) => r[card] === "***************3445"));
    const v1 = await download(`/api/summary/export?template_id=${id}&version=1&org_unit=${centre.me.org_unit}&format=csv`, dept.session);
    const v1Header = v1.bytes.toString("utf8").replace(/^\ufeff/, "").split("\r\n")[0].split(",");
    assert.ok(v1Header.includes("备注") && !v1Header.includes("版本"), v1Header.join(","));
    // The village that typed it sees it whole.
    const own = await api("GET", `/api/summary?template_id=${id}&org_unit=${third.me.org_unit}`, undefined, as(centre));
    assert.equal(own.json.rows.find((r) => r.version === 2).values.bank_card, "6222020200112233445");
  });

  it("a resubmitted task drops its old return comment", async () => {
    const task = tasks[cun.me.org_unit];
    const returned = await api("POST", `/api/tasks/${task.id}/return`, { comment: "补贴金额请核对" }, as(centre));
    assert.equal(returned.status, 200, returned.text);
    assert.equal(returned.json.return_comment, "补贴金额请核对");
    await submit(cun, task, { amount: 650, visit_date: "2026-11-02", remark: "已核对" });
    const mine = await api("GET", "/api/tasks", undefined, as(cun));
    const after = mine.json.find((t) => t.id === task.id);
    assert.equal(after.status, "submitted");
    assert.equal(after.return_comment, undefined, JSON.stringify(after));
  });
});
