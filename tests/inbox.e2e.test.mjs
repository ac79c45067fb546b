// The village inbox in the browser (issue 6): open a task, fill it, reload
// midway and find the draft, submit exactly once (also when the first
// answer is lost), correct a pre-filled value into the ledger's history,
// and read the burden meter. Headless Chromium via playwright-core against
// the real worker and D1.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, TEMPLATE, api, login } from "./helpers.mjs";

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
    assert.match(await name.getAttribute("title"), /person\.name · person:/);
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
