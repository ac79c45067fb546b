// Issue 21 in the browser, as a town centre and a department work: the
// centre reviews a version 2 that removes 备注 and renames 走访日期 on a
// 390 px phone (every field in words, the comparison with version 1 and with
// its own rejected filing, what approving moves), rejects it with a reason
// typed key by key, approves the fixed filing, finds it preselected for
// dispatch with the burden of the villages it ticks, opens a village's
// submission from the board; the department reads the summary of both
// versions and of version 1 alone. Phone screenshots go to
// target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, api, login } from "./helpers.mjs";
import { neighbour, uniqueId, villageUser } from "./publish-helpers.mjs";
import { visitTemplate, visitTemplateV2 } from "./versions-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url);

describe("a version 2 reviewed on a phone and summarised with version 1", () => {
  const id = uniqueId("e2e-visit");
  const title = `困难群众走访补贴表 ${id.slice(-6)}`;
  let browser, dept, centre, cun, second, third, dispatchId, tasks, centrePage;
  const as = (who) => ({ session: who.session });

  async function file(document) {
    const r = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: { ...document, title } }, as(dept));
    assert.equal(r.status, 201, r.text);
    return r.json;
  }

  async function submit(who, task, values) {
    const opened = await api("POST", `/api/tasks/${task.id}/form`, undefined, as(who));
    assert.equal(opened.status, 200, opened.text);
    const form = opened.json.form;
    const rows = form.rows.slice(0, 2).map((row) => ({ subject_id: row.subject_id, values: { ...row.values, ...values } }));
    const body = { submission_id: randomUUID(), template_id: id, template_version: form.template_version, org_unit: task.org_unit, task_id: task.id, rows };
    const stored = await api("POST", "/api/submissions", body, as(who));
    assert.equal(stored.status, 201, stored.text);
  }

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    await mkdir(SHOTS, { recursive: true });
    [dept, centre, cun] = await Promise.all(["minzheng", "zhen", "cun"].map((u) => login(u)));
    second = await villageUser(await neighbour(centre.session, cun.me.org_unit));
    const list = await api("GET", `/api/org-units?parent=${centre.me.org_unit}`, undefined, as(centre));
    const thirdCode = list.json.children.find((u) => u.level === "village" && u.code !== cun.me.org_unit && u.code !== second.me.org_unit).code;
    third = await villageUser(thirdCode);
    const v1 = await file(visitTemplate(id));
    assert.equal((await api("POST", `/api/template-requests/${v1.id}/decision`, { decision: "approve" }, as(centre))).status, 200);
    dispatchId = randomUUID();
    const units = [cun, second, third].map((w) => w.me.org_unit);
    const d = await api("POST", "/api/dispatches", { dispatch_id: dispatchId, template_id: id, org_units: units, due_date: "2026-12-31" }, as(centre));
    assert.equal(d.status, 201, d.text);
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, as(centre));
    tasks = Object.fromEntries(units.map((code) => [code, board.json.tasks.find((t) => t.org_unit === code)]));
    await submit(cun, tasks[cun.me.org_unit], { amount: 600, visit_date: "2026-11-02", remark: "独居" });
    await submit(second, tasks[second.me.org_unit], { amount: 600, visit_date: "2026-11-03", remark: "低保" });
    const opened = await api("POST", `/api/tasks/${tasks[thirdCode].id}/form`, undefined, as(third));
    const draft = [{ subject_id: opened.json.form.rows[0].subject_id, values: { amount: 100, visit_date: "2026-11-05" } }];
    assert.equal((await api("PUT", `/api/tasks/${tasks[thirdCode].id}/draft`, { base_revision: 0, rows: draft }, as(third))).status, 200);
  });
  after(async () => {
    await browser?.close();
  });

  async function open(username, device) {
    const context = await browser.newContext({ ...device, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").pressSequentially(username, { delay: 30 });
    await page.locator("#password").pressSequentially(PASSWORD, { delay: 10 });
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    return page;
  }

  /** A screenshot of the page, or of one element of it (the review lists every request of the district). */
  const shoot = (page, name, locator) =>
    (locator ?? page).screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, ...(locator ? {} : { fullPage: true }) });

  /** Fails naming what sticks out of a 390 px phone. */
  async function fitsThePhone(page, what) {
    const wide = await page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const out = [...document.querySelectorAll("body *")]
        .filter((e) => !e.closest(".table-wrap") && e.getBoundingClientRect().right > width + 1)
        .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`);
      return { scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 5) };
    });
    assert.ok(wide.scroll <= wide.width, `${what} is ${wide.scroll} px wide on a ${wide.width} px phone: ${wide.out.join(", ")}`);
  }

  async function reviewCard(page, requestId) {
    await page.click("#nav-dispatch");
    await page.click("#nav-review");
    const card = page.locator(`article.request[data-request="${requestId}"]`);
    await card.waitFor();
    return card;
  }

  it("the centre reads the change on a phone, and a rejection without a reason says what is missing", async () => {
    const request = await file(visitTemplateV2(id, { minimum: -1 }));
    centrePage = await open("zhen", PHONE);
    const card = await reviewCard(centrePage, request.id);
    const published = card.locator('.comparison[data-against="published"]');
    assert.match(await published.locator(".removed").textContent(), /「备注」/);
    assert.match(await published.locator(".renamed").textContent(), /「走访日期」\(visit_date\) → 「走访日期」\(visited_on\)/);
    assert.match(await published.locator('.changed[data-key="amount"]').textContent(), /最小 0 → .*最小 -1/);
    assert.match(await published.locator(".added").textContent(), /银行卡号/);
    const effects = card.locator(".consequences");
    assert.equal(await effects.getAttribute("data-open-tasks"), "1");
    assert.equal(await effects.getAttribute("data-drafts"), "1");
    assert.equal(await effects.getAttribute("data-submitted"), "2");
    assert.match(await effects.textContent(), /1 个未提交的任务从版本 1 转到版本 2/);
    assert.match(await effects.locator(".warning").textContent(), /删除字段「备注」后，版本 1 已收集的数据不会出现在新版本的汇总列中/);
    const card_row = card.locator('.review-fields tr[data-key="bank_card"]');
    assert.match(await card_row.textContent(), /新增.*文本.*\^\[0-9\]\{16,19\}\$.*敏感信息/);
    assert.match(await card.locator('.review-fields tr[data-key="id_number"]').textContent(), /台账：人员 · 身份证号/);
    await fitsThePhone(centrePage, "the review card");
    await shoot(centrePage, "ybt21-review-phone", card);
    // The form as a village will see it, opened from the card.
    await card.locator("details.template-preview-box summary").tap();
    const preview = card.locator(".template-preview");
    await preview.waitFor();
    await preview.getByText("银行卡号").first().waitFor();
    await shoot(centrePage, "ybt21-review-preview-phone");

    await card.locator("button.reject").click();
    await centrePage.waitForSelector("#review-error");
    assert.equal(await centrePage.textContent("#review-error"), "驳回时请写明理由");
    const reason = centrePage.getByRole("textbox", { name: new RegExp(`驳回理由 · ${title}`) });
    await reason.click();
    await reason.pressSequentially("补贴金额不能为负数", { delay: 30 });
    assert.equal(await reason.inputValue(), "补贴金额不能为负数");
    await card.locator("button.reject").click();
    await card.locator(".status.rejected").waitFor();
  });

  it("the fixed filing is compared with the rejected one, approved, and preselected for dispatch with its burden", async () => {
    const request = await file(visitTemplateV2(id));
    const card = await reviewCard(centrePage, request.id);
    const vsRejected = card.locator('.comparison[data-against="rejected"]');
    assert.match(await vsRejected.locator("h4").textContent(), /驳回理由：补贴金额不能为负数/);
    assert.match(await vsRejected.locator('.changed[data-key="amount"]').textContent(), /最小 -1 → .*最小 0/);
    assert.equal(await vsRejected.locator(".removed, .renamed, .added").count(), 0);
    await card.locator("button.approve").click();
    await card.locator(".status.approved").waitFor();

    await centrePage.click("#nav-dispatch");
    await centrePage.waitForFunction((want) => document.querySelector("#dispatch-template")?.value === want, id);
    const chosen = await centrePage.locator("#dispatch-template option:checked").textContent();
    assert.match(chosen, new RegExp(`${title}（版本 2 · 区民政局 · \\d{4}-\\d\\d-\\d\\d 准入）`));
    const boxes = centrePage.locator("#picker input[type=checkbox]");
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await boxes.nth(2).check();
    await centrePage.waitForSelector("#dispatch-burden");
    assert.match(await centrePage.textContent("#dispatch-burden"), /已选 3 个村（社区），每村约 [\d.]+ 分钟，合计约 [\d.]+ 小时/);
    await boxes.nth(2).uncheck();
    assert.match(await centrePage.textContent("#dispatch-burden"), /已选 2 个村（社区）/);
    const history = centrePage.locator(`#dispatches tr[data-dispatch="${dispatchId}"] .dispatch-when`);
    assert.match(await history.textContent(), /版本 1 · 下发于 \d{4}-\d\d-\d\d \d\d:\d\d/);
    await fitsThePhone(centrePage, "the dispatch page");
    await shoot(centrePage, "ybt21-dispatch-phone");
  });

  it("the board opens a village's submission read-only", async () => {
    await submit(third, tasks[third.me.org_unit], { amount: 900, visited_on: "2026-12-01", bank_card: "6222020200112233445" });
    await centrePage.locator(`#dispatches tr[data-dispatch="${dispatchId}"] button.board`).click();
    const row = centrePage.locator(`#board tr[data-org-unit="${cun.me.org_unit}"]`);
    await row.locator("button.open-submission").click();
    const view = centrePage.locator("#submission-view");
    await view.waitFor();
    assert.match(await view.locator("h3").textContent(), /版本 1 · 提交于 \d{4}-\d\d-\d\d \d\d:\d\d/);
    assert.deepEqual(await view.locator('td[data-key="remark"]').allTextContents(), ["独居", "独居"]);
    assert.equal(await view.locator("input, textarea, select").count(), 0, "read-only");
    await fitsThePhone(centrePage, "the board");
    const boardBox = await centrePage.locator("#board").evaluate((t) => [t.getBoundingClientRect().width, t.parentElement.clientWidth]);
    const inputs = await centrePage.locator("#board .return-comment").evaluateAll((list) =>
      list.map((i) => i.getBoundingClientRect().right - i.closest("td").getBoundingClientRect().right));
    assert.ok(inputs.every((overhang) => overhang <= 1), `the return comment box stays inside its cell: ${inputs} (${boardBox})`);
    await shoot(centrePage, "ybt21-board-phone");
    await centrePage.click("#submission-close");
    await view.waitFor({ state: "detached" });
  });

  it("the department's summary shows both versions, each row marked, and version 1 alone when picked", async () => {
    const page = await open("minzheng", DESKTOP);
    await page.click("#nav-dispatch");
    await page.locator(`#dispatches tr[data-dispatch="${dispatchId}"] button.summary`).click();
    await page.waitForSelector('#summary-total[data-villages="3"]');
    assert.match(await page.textContent("#summary-title"), /全部版本（最新为版本 2）/);
    assert.equal(await page.locator('#summary-rows tbody tr[data-version="1"]').count(), 4);
    assert.equal(await page.locator('#summary-rows tbody tr[data-version="2"]').count(), 2);
    const dates = await page.locator('#summary-rows tbody tr[data-version="1"] td[data-key="visited_on"]').allTextContents();
    assert.ok(dates.every((d) => /^2026-11-0[23]$/.test(d)), `renamed data carried over: ${dates}`);
    const cards = await page.locator('#summary-rows tbody tr[data-version="2"] td[data-key="bank_card"]').allTextContents();
    assert.deepEqual(cards, ["***************3445", "***************3445"], "the analyst sees the card masked");
    assert.equal(await page.locator('#summary-rows th[data-key="remark"]').count(), 0);
    assert.match(await page.textContent("#summary-version-note"), /已删除字段的数据请选择原版本查看/);

    await page.selectOption("#summary-version", "1");
    await page.waitForSelector('#summary-total[data-villages="2"]');
    assert.match(await page.textContent("#summary-title"), /版本 1/);
    assert.deepEqual(
      (await page.locator('#summary-rows td[data-key="remark"]').allTextContents()).sort(),
      ["低保", "低保", "独居", "独居"],
    );
    assert.match(await page.getAttribute("#download-csv", "href"), /version=1/);
    await page.selectOption("#summary-version", "");
    await page.waitForSelector('#summary-total[data-villages="3"]');
  });

  it("the centre's summary fits the phone", async () => {
    await centrePage.click("#nav-dispatch");
    await centrePage.locator(`#dispatches tr[data-dispatch="${dispatchId}"] button.summary`).click();
    await centrePage.waitForSelector('#summary-total[data-villages="3"]');
    await fitsThePhone(centrePage, "the summary");
    await shoot(centrePage, "ybt21-summary-phone");
  });
});
