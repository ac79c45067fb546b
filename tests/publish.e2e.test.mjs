// Browser end-to-end (issue 7): a department builds and files a template,
// the town centre rejects it with a reason, the department fixes and files
// it again, the centre approves and dispatches it to its town, two villages
// submit (through the API), the board and the summary show them, and the
// Excel export downloads and reads back.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, api, login } from "./helpers.mjs";
import { neighbour, submitTask, uniqueId, villageUser } from "./publish-helpers.mjs";
import { readXlsx } from "./xlsx.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe("publish → review → dispatch → board → summary in the browser", () => {
  let browser, dept, centre;
  const id = uniqueId("e2e-aid");
  const title = `临时救助摸底表 ${id.slice(-6)}`;
  const reason = "“家庭月收入（元）”与低保走访表重复，请删除后再报";

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    const open = async (username) => {
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      await page.goto(BASE);
      await page.fill("#username", username);
      await page.fill("#password", PASSWORD);
      await page.click("#login button[type=submit]");
      await page.waitForSelector("#user");
      return page;
    };
    dept = await open("minzheng");
    centre = await open("zhen");
  });
  after(async () => {
    await browser?.close();
  });

  async function addNewField(page, { key, title: fieldTitle, kind, min, max, options }) {
    await page.fill("#nf-key", key);
    await page.fill("#nf-title", fieldTitle);
    await page.selectOption("#nf-kind", kind);
    if (min !== undefined) await page.fill("#nf-min", min);
    if (max !== undefined) await page.fill("#nf-max", max);
    if (options !== undefined) await page.fill("#nf-options", options);
    await page.click("#nf-add");
    await page.waitForSelector(`#field-list li[data-key="${key}"]`);
  }

  it("the department builds a template from the catalog and new fields, sees it compiled live, and files it", async () => {
    const page = dept;
    await page.click("#nav-authoring");
    await page.fill("#tpl-id", id);
    await page.fill("#tpl-title", title);
    await page.selectOption("#tpl-entity", "person");
    await page.click("#tpl-new");
    await page.fill("#catalog-search", "姓名");
    await page.click('li.catalog-item[data-item="person.name"] button.add');
    await page.fill("#catalog-search", "身份证");
    await page.click('li.catalog-item[data-item="person.id_number"] button.add');
    // A bad key is refused at its input, in Chinese.
    await page.fill("#nf-key", "Bad Key");
    await page.click("#nf-add");
    assert.match(await page.textContent('#field-errors li[data-pointer="/key"]'), /小写字母/);
    await addNewField(page, { key: "aid_amount", title: "拟救助金额（元）", kind: "number", min: "0", max: "5000" });
    await addNewField(page, { key: "need", title: "困难类型", kind: "choice", options: "因病，因灾，其他" });
    await addNewField(page, { key: "monthly_income", title: "家庭月收入（元）", kind: "number", min: "0", max: "" });
    await page.waitForSelector('#burden[data-prefilled="2"][data-new="3"]');
    assert.equal(await page.locator("#preview thead th:not(.rownum)").count(), 5);
    assert.ok((await page.locator("#preview tbody tr").count()) > 0, "the sample village has rows");
    await page.click("#publish");
    await page.waitForSelector("#publish-result .done");
    await page.waitForSelector(`#my-requests li[data-template="${id}"] .status.pending`);
  });

  it("the centre sees the burden analysis and rejects with a reason the department reads", async () => {
    const page = centre;
    await page.click("#nav-review");
    const request = page.locator(`article.request[data-template="${id}"]`);
    await request.waitFor();
    assert.equal(await request.locator(".ledger-fields").evaluate((e) => e.firstChild.textContent), "2");
    assert.ok(Number(await request.locator(".duplicates").getAttribute("data-count")) >= 1);
    assert.match(await request.locator(".duplicates").textContent(), /家庭月收入/);
    assert.match(await request.locator(".minutes").textContent(), /分钟/);
    await request.locator(".reason-input").fill(reason);
    await request.locator(".reject").click();
    await page.waitForSelector(`article.request[data-template="${id}"] .status.rejected`);
    await dept.click("#refresh-requests");
    await dept.waitForSelector(`#my-requests li[data-template="${id}"] .status.rejected`);
    assert.match(await dept.textContent(`#my-requests li[data-template="${id}"] .reason`), /家庭月收入/);
  });

  it("the department removes the duplicate and files again; the centre approves", async () => {
    await dept.click('#field-list li[data-key="monthly_income"] button.remove');
    await dept.waitForSelector('#burden[data-prefilled="2"][data-new="2"]');
    await dept.click("#publish");
    await dept.waitForSelector(`#my-requests li[data-template="${id}"] .status.pending`);
    await centre.click("#nav-dispatch");
    await centre.click("#nav-review");
    const pending = centre.locator(`article.request[data-template="${id}"]:has(.status.pending)`);
    await pending.waitFor();
    assert.doesNotMatch(await pending.locator(".duplicates").textContent(), /家庭月收入/);
    await pending.locator(".approve").click();
    await centre.waitForSelector(`article.request[data-template="${id}"] .status.approved`);
  });

  it("the centre dispatches to its town; two villages submit; the board follows live; one is returned", async () => {
    const page = centre;
    await page.click("#nav-dispatch");
    await page.waitForSelector(`#dispatch-template option[value="${id}"]`, { state: "attached" });
    await page.selectOption("#dispatch-template", id);
    await page.click("#pick-none");
    await page.click("#pick-all");
    const villages = await page.locator("#picker input[type=checkbox]").count();
    assert.ok(villages >= 2);
    await page.fill("#dispatch-due", "2026-12-31");
    await page.click("#dispatch");
    await page.waitForSelector("#dispatch-result.done");
    const row = page.locator(`#dispatches tr:has-text("${title}")`).first();
    await row.locator("button.board").click();
    await page.waitForSelector(`#board-counts[data-total="${villages}"][data-not-opened="${villages}"]`);

    // Two villages submit through the API: the demo village and its neighbour.
    const zhen = await login("zhen");
    const dispatches = await api("GET", `/api/dispatches?template_id=${id}`, undefined, { session: zhen.session });
    const board = await api("GET", `/api/dispatches/${dispatches.json[0].dispatch_id}`, undefined, { session: zhen.session });
    const cun = await login("cun");
    const other = await villageUser(await neighbour(zhen.session, cun.me.org_unit));
    const taskOf = (code) => board.json.tasks.find((t) => t.org_unit === code);
    await submitTask(cun, taskOf(cun.me.org_unit), 120);
    await submitTask(other, taskOf(other.me.org_unit), 80);
    // The board refreshes itself.
    await page.waitForSelector('#board-counts[data-submitted="2"]', { timeout: 15000 });
    const theirs = page.locator(`#board tr[data-org-unit="${other.me.org_unit}"]`);
    await theirs.locator(".return-comment").fill("金额有误，请核对");
    await theirs.locator("button.return").click();
    await page.waitForSelector(`#board tr[data-org-unit="${other.me.org_unit}"][data-status="returned"]`);
    assert.match(await theirs.textContent(), /金额有误/);
  });

  it("the department's summary shows both villages and the Excel export reads back", async () => {
    const page = dept;
    await page.click("#nav-dispatch");
    const row = page.locator(`#dispatches tr:has-text("${title}")`).first();
    await row.locator("button.summary").click();
    await page.waitForSelector('#summary-total[data-villages="2"]');
    assert.equal(await page.locator("#chart rect").count(), 2);
    assert.equal(await page.locator("#town-totals tbody tr").count(), 2, "one town and the total");
    const rows = Number(await page.getAttribute("#summary-total", "data-rows"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-xlsx")]);
    const book = readXlsx(await readFile(await download.path()));
    const sheet = book.sheets[0].rows;
    assert.equal(sheet[0][0], "乡镇（街道）");
    assert.ok(sheet[0].includes("拟救助金额（元）"));
    assert.equal(sheet.length, rows + 2, "header, every row, totals");
    assert.equal(sheet.at(-1)[0], "合计");
    const amount = sheet[0].indexOf("拟救助金额（元）");
    assert.equal(Number(sheet.at(-1)[amount]), sheet.slice(1, -1).reduce((n, r) => n + Number(r[amount]), 0));
  });
});
