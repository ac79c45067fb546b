// The village inbox in the browser (issue 6): open a task, fill it, reload
// midway and find the draft, submit exactly once (also when the first
// answer is lost), correct a pre-filled value into the ledger's history,
// and read the burden meter. Headless Chromium via playwright-core against
// the real worker and D1.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, TEMPLATE, api, login } from "./helpers.mjs";
import { careTemplate, uniqueId } from "./publish-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe("village staff work a task from the inbox", () => {
  let browser;
  let staff; // `cun`, signed in through the API for read-backs
  let task; // cun's 低保 task

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    staff = await login("cun");
    const tasks = await api("GET", `/api/tasks?template_id=${TEMPLATE}`, undefined, { session: staff.session });
    assert.equal(tasks.status, 200, tasks.text);
    task = tasks.json.find((t) => t.org_unit === staff.me.org_unit);
    assert.ok(task, "the demo dispatches the 低保 form to cun's village");
    assert.notEqual(task.status, "submitted");
  });
  after(async () => {
    await browser?.close();
  });

  const listOwn = () =>
    api("GET", `/api/submissions?template_id=${TEMPLATE}&org_unit=${staff.me.org_unit}`, undefined, { session: staff.session });

  async function signIn(page) {
    await page.goto(BASE);
    await page.fill("#username", "cun");
    await page.fill("#password", PASSWORD);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
  }

  async function openTask(page) {
    await page.click(`#inbox tr[data-task="${task.id}"] button.open-task`);
    await page.waitForSelector(`.task-form[data-task="${task.id}"] #form-table`);
  }

  async function fillRow(page, row, { date, income, condition }) {
    await page.fill(`#cell-${row}-visited_on input`, date);
    await page.fill(`#cell-${row}-monthly_income input`, income);
    await page.selectOption(`#cell-${row}-living_condition select`, condition);
  }

  it("lists the village's tasks in Chinese with due date and status", async () => {
    const page = await browser.newPage();
    await signIn(page);
    const row = page.locator(`#inbox tr[data-task="${task.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /低保对象月度走访核查表/);
    assert.match(await row.textContent(), /区民政局/);
    assert.match(await row.textContent(), new RegExp(task.due_date));
    assert.match(await row.locator(".status").textContent(), /^(未打开|填报中|已退回)$/);
    await page.close();
  });

  it("corrects a pre-filled value in the ledger, with history", async () => {
    const page = await browser.newPage();
    await signIn(page);
    await openTask(page);
    const cell = page.locator("#cell-0-name");
    const recordId = await cell.getAttribute("data-record");
    const version = Number(await cell.getAttribute("data-version"));
    const newName = `更正${Date.now() % 10000}`;

    // Someone else changes the record first: the correction meets a 409,
    // shows the current value, and succeeds on retry.
    const other = await api("PATCH", `/api/ledger/records/${recordId}`,
      { expected_version: version, patch: { name: "别人改的" }, source: "visit" }, { session: staff.session });
    assert.equal(other.status, 200, other.text);

    await cell.locator("button.correct").click();
    await page.fill("#correction-value", newName);
    await page.click("#correction-save");
    await page.waitForSelector("#correction-stale");
    assert.match(await page.textContent("#correction-stale"), /别人改的/);
    await page.click("#correction-save");
    await page.waitForSelector("#correction", { state: "detached" });
    assert.equal(await page.textContent("#cell-0-name .value"), newName);
    assert.equal(Number(await cell.getAttribute("data-version")), version + 2);

    const detail = await api("GET", `/api/ledger/records/${recordId}`, undefined, { session: staff.session });
    const last = detail.json.history.at(-1);
    assert.equal(last.source, "form");
    assert.deepEqual(last.changes.name, ["别人改的", newName]);
    // The correction is counted for the burden meter, in the draft.
    await page.waitForSelector("#sync-state[data-state=local], #sync-state[data-state=synced]");
    const local = await page.evaluate((id) => JSON.parse(localStorage.getItem(`ybt-draft:${id}`)), task.id);
    assert.equal(local.corrected_cells, 1);
    await page.close();
  });

  it("keeps a draft through a reload, then submits once even when the first answer is lost", async () => {
    const page = await browser.newPage();
    await signIn(page);
    await openTask(page);
    const rows = Number(await page.getAttribute("#form-table", "data-rows"));
    assert.ok(rows > 0);
    // Pre-filled cells are read-only and carry their provenance.
    const name = page.locator("#cell-0-name");
    assert.equal(await name.getAttribute("data-source"), "ledger");
    // Provenance in words: the item's title, Beijing time, who.
    assert.match(await name.getAttribute("title"), /^来自台账「姓名」· \d{4}-\d\d-\d\d \d\d:\d\d 由 .+ 更新$/);
    assert.equal(await name.locator("input").count(), 0);

    await fillRow(page, 0, { date: "2026-11-21", income: "612", condition: "良好" });
    await page.waitForSelector("#sync-state[data-state=synced]");
    const server = await api("GET", `/api/tasks/${task.id}/draft`, undefined, { session: staff.session });
    assert.equal(server.json.rows[0].values.monthly_income, 612);

    // Reload midway: the task is open again (its id is in the address) and
    // the draft is back, from this device.
    await page.reload();
    await page.waitForSelector(`.task-form[data-task="${task.id}"] #form-table`);
    assert.equal(await page.inputValue("#cell-0-monthly_income input"), "612");
    assert.equal(await page.inputValue("#cell-0-living_condition select"), "良好");

    for (let row = 1; row < rows; row++) {
      await page.locator(`#form-table tbody tr[data-subject]`).nth(0).waitFor();
      await page.locator(`#cell-${row}-visited_on`).scrollIntoViewIfNeeded();
      await fillRow(page, row, { date: "2026-11-21", income: String(500 + row), condition: "一般" });
    }
    const before = (await listOwn()).json.length;

    // The first submit reaches the worker but its answer is lost.
    let lost = 0;
    await page.route("**/api/submissions", async (route) => {
      if (route.request().method() === "POST" && lost === 0) {
        lost++;
        await route.fetch();
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    await page.click("#submit");
    await page.waitForSelector("#general-error");
    assert.match(await page.textContent("#general-error"), /重试/);
    // Retry with the same submission id: the worker answers with the first receipt.
    await page.click("#submit");
    await page.waitForSelector("#receipt");
    const id = await page.textContent("#submission-id");
    const after = (await listOwn()).json;
    assert.equal(after.length, before + 1, "one stored submission");
    assert.equal(after.filter((s) => s.id === id).length, 1);
    const stored = await api("GET", `/api/submissions/${id}`, undefined, { session: staff.session });
    assert.equal(stored.json.rows[0].values.monthly_income, 612);
    // Download links for the stored form.
    assert.equal(await page.getAttribute("#download-xlsx", "href"), `/api/submissions/${id}/file?format=xlsx`);
    const csv = await page.evaluate(async (href) => (await fetch(href)).status, await page.getAttribute("#download-csv", "href"));
    assert.equal(csv, 200);

    // Opening the task again shows the receipt, and the inbox says 已提交.
    await page.click("button.back");
    const status = page.locator(`#inbox tr[data-task="${task.id}"] .status`);
    await status.waitFor();
    assert.equal(await status.textContent(), "已提交");
    await page.close();
  });

  it("shows the burden meter's headline", async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.click("#open-burden");
    const headline = await (await page.waitForSelector("#burden-headline")).textContent();
    assert.match(headline, /^预填 \d+%/);
    assert.ok((await page.locator("#burden-forms tbody tr").count()) >= 1);
    await page.close();
  });
});

// Drafts meeting another device's save, going offline, a form with nothing
// to type, and a form longer than its scroll box. On templates published,
// approved and dispatched to cun's village for this run (issue 7's API).
describe("village staff on drafts, offline, nothing to type and long forms", () => {
  let browser;
  let staff, centre;
  let care; // a task with new fields, one row per person of the village
  let confirmOnly; // a task whose template has no new fields
  let submittedId; // its submission

  async function publishAndDispatch(document) {
    const dept = await login("minzheng");
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document }, { session: dept.session });
    assert.equal(r.status, 201, r.text);
    const ok = await api("POST", `/api/template-requests/${r.json.id}/decision`, { decision: "approve" }, { session: centre.session });
    assert.equal(ok.status, 200, ok.text);
    const dispatchId = randomUUID();
    const d = await api("POST", "/api/dispatches",
      { dispatch_id: dispatchId, template_id: document["x-template"].id, org_units: [staff.me.org_unit], due_date: "2026-12-31" },
      { session: centre.session });
    assert.equal(d.status, 201, d.text);
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, { session: centre.session });
    const task = board.json.tasks.find((t) => t.org_unit === staff.me.org_unit);
    assert.ok(task, board.text);
    return task;
  }

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    [staff, centre] = await Promise.all([login("cun"), login("zhen")]);
    care = await publishAndDispatch(careTemplate(uniqueId("e2e-care")));
    const plain = careTemplate(uniqueId("e2e-confirm"));
    plain.title = "人员信息核对表";
    plain.properties = { name: plain.properties.name, id_number: plain.properties.id_number };
    plain.required = ["name"];
    confirmOnly = await publishAndDispatch(plain);
  });
  after(async () => {
    await browser?.close();
  });

  async function openPage(task, { context, viewport } = {}) {
    const page = context ? await context.newPage() : await browser.newPage(viewport ? { viewport } : {});
    await page.goto(BASE);
    await page.fill("#username", "cun");
    await page.fill("#password", PASSWORD);
    await page.click("#login button[type=submit]");
    await page.click(`#inbox tr[data-task="${task.id}"] button.open-task`);
    await page.waitForSelector(`.task-form[data-task="${task.id}"] #form-table`);
    return page;
  }

  const serverDraft = async (task) => (await api("GET", `/api/tasks/${task.id}/draft`, undefined, { session: staff.session })).json;
  const localDraft = (page, task) => page.evaluate((id) => JSON.parse(localStorage.getItem(`ybt-draft:${id}`)), task.id);
  const valueOf = (draft, subject, key) => draft?.rows.find((r) => r.subject_id === subject)?.values[key];

  /** Waits until this page's draft is on the server and the badge says so. */
  async function waitSynced(page, task) {
    await page.waitForFunction((id) => {
      const local = JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null");
      return local && !local.unsynced && document.querySelector("#sync-state")?.dataset.state === "synced";
    }, task.id);
    assert.equal(await page.textContent("#sync-state"), "已同步");
  }

  it("merges a draft another device saved meanwhile, and ends 已同步 with both values", async () => {
    const page = await openPage(care);
    const subject = async (row) => page.locator("#form-table tbody tr[data-subject]").nth(row).getAttribute("data-subject");
    await page.fill("#cell-0-aid_amount input", "120");
    await page.waitForFunction((id) => JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null")?.base_revision > 0, care.id);
    await waitSynced(page, care);
    const [first, second] = [await subject(0), await subject(1)];

    // Another device saves over the current revision, behind the page's back.
    const current = await serverDraft(care);
    const theirs = [...current.rows.filter((r) => r.subject_id !== second), { subject_id: second, values: { months: 5, need: "因灾" } }];
    const put = await api("PUT", `/api/tasks/${care.id}/draft`, { base_revision: current.revision, rows: theirs }, { session: staff.session });
    assert.equal(put.status, 200, put.text);

    // The page's next save meets 409 stale_draft, merges and saves again.
    await page.fill("#cell-0-months input", "4");
    await page.waitForFunction(
      ([id, revision]) => JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null")?.base_revision > revision,
      [care.id, put.json.revision],
    );
    await waitSynced(page, care);
    const merged = await serverDraft(care);
    assert.equal(valueOf(merged, first, "aid_amount"), 120);
    assert.equal(valueOf(merged, first, "months"), 4, "ours");
    assert.equal(valueOf(merged, second, "months"), 5, "theirs");
    assert.equal(valueOf(merged, second, "need"), "因灾");
    // The form shows the other device's values too.
    assert.equal(await page.inputValue("#cell-1-months input"), "5");
    assert.equal(await page.inputValue("#cell-0-months input"), "4");
    await page.close();
  });

  it("says 离线 while offline, keeps the draft on the device, and syncs when back online", async () => {
    const context = await browser.newContext();
    const page = await openPage(care, { context });
    const subject = await page.locator("#form-table tbody tr[data-subject]").nth(2).getAttribute("data-subject");
    await context.setOffline(true);
    await page.waitForSelector("#sync-state[data-state=offline]");
    await page.fill("#cell-2-aid_amount input", "55");
    await page.waitForFunction(([id, s]) => {
      const local = JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null");
      return local?.rows.some((r) => r.subject_id === s && r.values.aid_amount === 55);
    }, [care.id, subject]);
    assert.equal(await page.textContent("#sync-state"), "离线");
    assert.equal((await localDraft(page, care)).unsynced, true);
    assert.equal(valueOf(await serverDraft(care), subject, "aid_amount"), undefined, "not on the server yet");

    await context.setOffline(false);
    await waitSynced(page, care);
    assert.equal(valueOf(await serverDraft(care), subject, "aid_amount"), 55);
    await context.close();
  });

  it("renders only the rows in view of a long form; a far row scrolls in and takes input", async () => {
    const page = await openPage(care, { viewport: { width: 1280, height: 360 } });
    const rows = Number(await page.getAttribute("#form-table", "data-rows"));
    assert.ok(rows >= 15, `the village has enough people for a scrolling form: ${rows}`);
    const last = rows - 1;
    await page.evaluate(() => {
      const box = document.querySelector("#form-scroll");
      box.scrollTop = box.scrollHeight;
    });
    const far = page.locator(`#cell-${last}-aid_amount input`);
    await far.waitFor();
    await page.locator("#cell-0-aid_amount").waitFor({ state: "detached" });
    const rendered = await page.locator("#form-table tbody tr[data-subject]").count();
    assert.ok(rendered < rows, `${rendered} of ${rows} rows in the DOM`);
    assert.equal(await page.locator('#form-table tr.spacer[data-spacer="top"]').count(), 1);

    const subject = await page.locator("#form-table tbody tr[data-subject]").last().getAttribute("data-subject");
    await far.fill("321");
    await page.waitForFunction(([id, s]) => {
      const local = JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null");
      return local?.rows.some((r) => r.subject_id === s && r.values.aid_amount === 321);
    }, [care.id, subject]);
    // Back at the top the first rows come back with their values.
    await page.evaluate(() => { document.querySelector("#form-scroll").scrollTop = 0; });
    await page.locator("#cell-0-aid_amount input").waitFor();
    assert.equal(await page.inputValue("#cell-0-aid_amount input"), "120");
    await page.close();
  });

  it("submits a form with nothing to type with one confirmation", async () => {
    const page = await openPage(confirmOnly);
    assert.match(await page.textContent("#no-new-fields"), /无需填写/);
    assert.equal(await page.locator("#submit").count(), 0);
    assert.equal(await page.locator("#form-table input").count(), 0, "nothing to type");
    await page.click("#confirm-submit");
    await page.waitForSelector("#receipt");
    const id = await page.textContent("#submission-id");
    const tasks = await api("GET", `/api/tasks?template_id=${confirmOnly.template_id}`, undefined, { session: staff.session });
    const task = tasks.json.find((t) => t.id === confirmOnly.id);
    assert.equal(task.status, "submitted");
    assert.equal(task.submission_id, id);
    submittedId = id;
    await page.close();
  });

  it("lets a town centre pick a village and a month on the burden page", async () => {
    assert.ok(submittedId, "the one-confirmation form was submitted");
    const page = await browser.newPage();
    await page.goto(BASE);
    await page.fill("#username", "zhen");
    await page.fill("#password", PASSWORD);
    await page.click("#login button[type=submit]");
    await page.click("#open-burden");
    await page.waitForSelector(`#burden[data-unit="${centre.me.org_unit}"]`);
    await page.selectOption("#burden-village", staff.me.org_unit);
    await page.waitForSelector(`#burden[data-unit="${staff.me.org_unit}"]`);
    const row = `#burden-forms tr[data-submission="${submittedId}"]`;
    await page.waitForSelector(row);
    assert.ok((await page.locator("#burden-villages tbody tr").evaluateAll(
      (rows, unit) => rows.every((r) => r.dataset.unit === unit), staff.me.org_unit)));

    // A month with nothing submitted: no forms; the month this one was submitted in: it is back.
    await page.fill("#burden-month", "2020-01");
    await page.waitForSelector('#burden[data-month="2020-01"]');
    assert.equal(await page.locator("#burden-forms tbody tr").count(), 0);
    const month = (await api("GET", `/api/submissions/${submittedId}`, undefined, { session: staff.session })).json.submitted_at.slice(0, 7);
    await page.fill("#burden-month", month);
    await page.waitForSelector(`#burden[data-month="${month}"]`);
    await page.waitForSelector(row);
    // Back to the whole town.
    await page.selectOption("#burden-village", "");
    await page.waitForSelector(`#burden[data-unit="${centre.me.org_unit}"][data-month="${month}"]`);
    await page.waitForSelector(row);
    await page.close();
  });
});
