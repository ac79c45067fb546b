// The village inbox against a real `wrangler dev` and local D1: tasks,
// opening a task's form, drafts, submitting a task exactly once with its
// write-back into the ledger, downloads and the burden meter.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login } from "./helpers.mjs";

const GAOLING = "gaoling-allowance";

let cun; // village staff
let zhen; // the town's coordinator: acts for every village of the town
let village; // a village of zhen's town, not cun's, with 独居老人 people
let task; // its 高龄津贴 task

before(async () => {
  cun = await login("cun");
  zhen = await login("zhen");
  const town = zhen.me.org_unit;
  const people = await api("GET", `/api/ledger/person?org_unit=${town}`, undefined, { session: zhen.session });
  assert.equal(people.status, 200, people.text);
  const candidates = new Set(
    people.json.records.filter((p) => (p.data.tags ?? []).includes("独居老人")).map((p) => p.org_unit),
  );
  candidates.delete(cun.me.org_unit);
  const tasks = await api("GET", `/api/tasks?org_unit=${town}&template_id=${GAOLING}&status=not_opened`, undefined, {
    session: zhen.session,
  });
  assert.equal(tasks.status, 200, tasks.text);
  task = tasks.json.find((t) => candidates.has(t.org_unit));
  assert.ok(task, "an unopened 高龄津贴 task in a village with 独居老人 people");
  village = task.org_unit;
});

describe("the inbox", () => {
  it("lists the village's own tasks, with template title and due date", async () => {
    const { status, json } = await api("GET", "/api/tasks", undefined, { session: cun.session });
    assert.equal(status, 200);
    assert.ok(json.length >= 2, "both shipped templates are dispatched to every village");
    assert.ok(json.every((t) => t.org_unit === cun.me.org_unit));
    const dibao = json.find((t) => t.template_id === "dibao-monthly-visit");
    assert.equal(dibao.title, "低保对象月度走访核查表");
    assert.equal(dibao.department, "区民政局");
    assert.match(dibao.due_date, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(dibao.org_unit_name.length > 0);
  });

  it("shows a coordinator every village of the town, and no other", async () => {
    const town = zhen.me.org_unit;
    const { json } = await api("GET", "/api/tasks", undefined, { session: zhen.session });
    const villages = await api("GET", `/api/org-units?parent=${town}`, undefined, { session: zhen.session });
    assert.equal(new Set(json.map((t) => t.org_unit)).size, villages.json.children.length);
    assert.ok(json.every((t) => t.org_unit.startsWith(town)));
  });

  it("shows a department only its own templates' tasks", async () => {
    const yingji = await login("yingji");
    const other = await api("GET", "/api/tasks?org_unit=500118", undefined, { session: yingji.session });
    assert.equal(other.status, 200);
    // 区应急管理局 dispatches only emergency surveys (tests/survey*.test.mjs may have run first).
    assert.ok(other.json.every((t) => t.department === "区应急管理局" && t.template_id === "typhoon-damage-survey"));
    const minzheng = await login("minzheng");
    const own = await api("GET", `/api/tasks?org_unit=${village}`, undefined, { session: minzheng.session });
    assert.equal(own.status, 200);
    assert.ok(own.json.length >= 2 && own.json.every((t) => t.department === "区民政局"));
  });

  it("refuses another village's inbox and an unknown status", async () => {
    const other = await api("GET", `/api/tasks?org_unit=${village}`, undefined, { session: cun.session });
    assert.equal(other.status, 403);
    const bad = await api("GET", "/api/tasks?status=done", undefined, { session: cun.session });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "bad_status");
  });
});

describe("working a task", () => {
  let form;

  it("opens the task: the form is generated from the ledger and the task is marked opened once", async () => {
    const opened = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: zhen.session });
    assert.equal(opened.status, 200, opened.text);
    assert.equal(opened.json.task.status, "draft");
    assert.ok(opened.json.task.opened_at);
    assert.equal(opened.json.draft, null);
    form = opened.json.form;
    assert.equal(form.template_id, GAOLING);
    assert.ok(form.rows.length > 0);
    assert.ok(form.rows.every((r) => r.subject_id.startsWith(`person:${village}-`)));
    const again = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: zhen.session });
    assert.equal(again.json.task.opened_at, opened.json.task.opened_at, "opened_at is the first opening");
  });

  it("sends the form gzip-compressed to clients that accept it, and plain to those that do not", async () => {
    const zipped = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: zhen.session, headers: { "accept-encoding": "gzip" } });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers.get("content-encoding"), "gzip");
    assert.equal(zipped.json.task.id, task.id, "fetch decoded it");
    const plain = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: zhen.session, headers: { "accept-encoding": "identity" } });
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.deepEqual(plain.json.form.rows, zipped.json.form.rows);
  });

  it("refuses to open another village's task", async () => {
    const { status } = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: cun.session });
    assert.equal(status, 403);
  });

  it("saves drafts over the revision the client saw, and refuses a stale save with the current draft", async () => {
    const rows = [{ subject_id: form.rows[0].subject_id, values: { months: 3 } }];
    const first = await api("PUT", `/api/tasks/${task.id}/draft`, { base_revision: 0, rows }, { session: zhen.session });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.revision, 1);
    const stale = await api("PUT", `/api/tasks/${task.id}/draft`, { base_revision: 0, rows: [] }, { session: zhen.session });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.error.code, "stale_draft");
    assert.equal(stale.json.current.revision, 1);
    assert.deepEqual(stale.json.current.rows, rows, "the stale save changed nothing");
    const second = await api("PUT", `/api/tasks/${task.id}/draft`, { base_revision: 1, rows }, { session: zhen.session });
    assert.equal(second.json.revision, 2);
    const read = await api("GET", `/api/tasks/${task.id}/draft`, undefined, { session: zhen.session });
    assert.equal(read.json.revision, 2);
    const reopened = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: zhen.session });
    assert.equal(reopened.json.draft.revision, 2, "opening the task brings its draft");
  });

  it("submits once: the task is submitted, the draft gone, the phone written back to the ledger", async () => {
    const subject = form.rows[0].subject_id;
    const before = await api("GET", `/api/ledger/records/${subject}`, undefined, { session: zhen.session });
    const phone = `139${String(Date.now()).slice(-8)}`;
    const body = {
      submission_id: randomUUID(),
      template_id: form.template_id,
      template_version: form.template_version,
      org_unit: village,
      task_id: task.id,
      corrected_cells: 1,
      rows: form.rows.map((row, i) => ({
        subject_id: row.subject_id,
        values: { ...row.values, phone: i === 0 ? phone : "13800000000", monthly_amount: 100, months: 3, payee: "本人" },
      })),
    };
    const created = await api("POST", "/api/submissions", body, { session: zhen.session });
    assert.equal(created.status, 201, created.text);

    const after = await api("GET", `/api/ledger/records/${subject}`, undefined, { session: zhen.session });
    assert.equal(after.json.record.data.phone, phone);
    assert.equal(after.json.record.version, before.json.record.version + 1);
    const last = after.json.history.at(-1);
    assert.equal(last.source, "form");
    assert.deepEqual(last.changes.phone, [before.json.record.data.phone ?? null, phone]);

    const [mine] = (await api("GET", `/api/tasks?org_unit=${village}&template_id=${GAOLING}`, undefined, { session: zhen.session })).json;
    assert.equal(mine.status, "submitted");
    assert.equal(mine.submission_id, body.submission_id);
    const draft = await api("GET", `/api/tasks/${task.id}/draft`, undefined, { session: zhen.session });
    assert.equal(draft.json, null);

    // A retry after a lost answer: the first receipt, nothing written again.
    const retry = await api("POST", "/api/submissions", body, { session: zhen.session });
    assert.equal(retry.status, 200);
    assert.deepEqual(retry.json, created.json);
    const still = await api("GET", `/api/ledger/records/${subject}`, undefined, { session: zhen.session });
    assert.equal(still.json.record.version, after.json.record.version);
    const stored = await api("GET", `/api/submissions?template_id=${GAOLING}&org_unit=${village}`, undefined, { session: zhen.session });
    assert.equal(stored.json.filter((s) => s.id === body.submission_id).length, 1);

    // Another submission for the same task is refused; nothing stored.
    const second = await api("POST", "/api/submissions", { ...body, submission_id: randomUUID() }, { session: zhen.session });
    assert.equal(second.status, 409);
    assert.equal(second.json.error.code, "task_already_submitted");
    const drafted = await api("PUT", `/api/tasks/${task.id}/draft`, { base_revision: 0, rows: [] }, { session: zhen.session });
    assert.equal(drafted.status, 409);
    assert.equal(drafted.json.error.code, "task_already_submitted");

    // The burden meter counts it.
    const burden = await api("GET", `/api/burden?org_unit=${village}`, undefined, { session: zhen.session });
    assert.equal(burden.status, 200, burden.text);
    const entry = burden.json.entries.find((e) => e.submission_id === body.submission_id);
    assert.ok(entry, "the submission is on the burden meter");
    assert.equal(entry.rows, form.rows.length);
    assert.equal(entry.cells.corrected, 1);
    assert.ok(entry.cells.prefilled >= 2 * form.rows.length, "name and ID number of every row came from the ledger");
    assert.equal(entry.cells.typed, 4 * form.rows.length, "phone, amount, months, payee");
    assert.equal(entry.cells.computed, 2 * form.rows.length, "age and total");
    assert.ok(Number.isInteger(entry.seconds_open) && entry.seconds_open >= 0);
    assert.ok(burden.json.total.prefilled_share > 0 && burden.json.total.prefilled_share < 1);
  });

  it("refuses a task of another form or village", async () => {
    const body = {
      submission_id: randomUUID(),
      template_id: form.template_id,
      template_version: form.template_version,
      org_unit: cun.me.org_unit,
      task_id: task.id,
      rows: [],
    };
    const { status, json } = await api("POST", "/api/submissions", body, { session: cun.session });
    assert.equal(status, 422);
    assert.equal(json.error.fields[0].pointer, "/task_id");
  });

  it("downloads the submitted form as XLSX and CSV, headed by field titles", async () => {
    const [mine] = (await api("GET", `/api/tasks?org_unit=${village}&template_id=${GAOLING}`, undefined, { session: zhen.session })).json;
    const cookie = `ybt_session=${zhen.session}`;
    const xlsx = await fetch(`${process.env.YBT_BASE_URL}/api/submissions/${mine.submission_id}/file?format=xlsx`, { headers: { cookie } });
    assert.equal(xlsx.status, 200);
    const bytes = Buffer.from(await xlsx.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString(), "PK", "an XLSX is a zip file");
    assert.match(xlsx.headers.get("content-disposition"), /attachment; filename="gaoling-allowance-\d{12}-\d{4}-\d{2}-\d{2}\.xlsx"/);
    const csv = await fetch(`${process.env.YBT_BASE_URL}/api/submissions/${mine.submission_id}/file?format=csv`, { headers: { cookie } });
    const text = await csv.text();
    const [header, ...lines] = text.replace(/^\uFEFF/, "").trim().split("\r\n");
    assert.ok(header.startsWith("姓名,身份证号,年龄"), header);
    assert.equal(lines.length, form.rows.length);
    const bad = await api("GET", `/api/submissions/${mine.submission_id}/file?format=pdf`, undefined, { session: zhen.session });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "bad_format");
  });

  it("refuses a malformed month on the burden meter", async () => {
    const { status, json } = await api("GET", "/api/burden?month=2026-13", undefined, { session: cun.session });
    assert.equal(status, 400);
    assert.equal(json.error.code, "bad_month");
  });
});
