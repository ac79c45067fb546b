// Issue 16, the city level, in Chromium: 重庆市民政局 (`cq-minzheng`) signs
// in at / key by key, is handed to the office app and lands on its
// department's reports across 江北 and 永川; opens one, reads each
// district's totals and the city's (equal to what the API answers), picks
// one district, downloads the CSV (masked, that district only) and reads
// the page in English; at 1280 × 800 and on a 390 × 844 phone with touch,
// every control named. Screenshots go to target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, TEMPLATE, api, login, ownForm, validSubmission } from "./helpers.mjs";
import { careTemplate, uniqueId } from "./publish-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, acceptDownloads: true };
const DESKTOP = { viewport: { width: 1280, height: 800 }, acceptDownloads: true };
const SHOTS = new URL("../target/screenshots/", import.meta.url);
const TYPING = { delay: 30 };
const ID_NUMBER = /(?<![0-9])[0-9]{17}[0-9X](?![0-9])/;
const PHONE_NUMBER = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])/;

describe("the city department's page", () => {
  let browser, city;

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    await mkdir(SHOTS, { recursive: true });
    // Each district holds a submission of its demo village, so both have rows.
    for (const who of ["cun", "jb-cun"]) {
      const cun = await login(who);
      const form = await ownForm(cun.session, cun.me.org_unit);
      const r = await api("POST", "/api/submissions", validSubmission(form), { session: cun.session });
      assert.ok([200, 201].includes(r.status), r.text);
    }
    city = await login("cq-minzheng");
  });
  after(async () => {
    await browser?.close();
  });

  async function signIn(device) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").click();
    await page.keyboard.type("cq-minzheng", TYPING);
    await page.locator("#password").click();
    await page.keyboard.type(PASSWORD, TYPING);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#city-reports", { timeout: 30_000 });
    return { context, page };
  }
  const shoot = (page, name) => page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
  const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  /** Every control in the accessibility tree has a name. */
  async function everyControlNamed(context, page) {
    const cdp = await context.newCDPSession(page);
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const controls = nodes.filter((n) => !n.ignored && ["textbox", "combobox", "button", "checkbox", "link", "listbox"].includes(n.role?.value));
    assert.ok(controls.length >= 3, `found ${controls.length} controls`);
    const unnamed = controls.filter((n) => !(n.name?.value ?? "").trim());
    assert.deepEqual(unnamed.map((n) => n.role.value), [], "every control has a name");
    return controls.map((n) => n.name.value);
  }

  /** The totals table as `{ code: rows }`. */
  const tableRows = (page) =>
    page.$$eval("#city-totals tbody tr", (trs) => Object.fromEntries(trs.map((tr) => [tr.dataset.code, Number(tr.querySelector("td.rows")?.textContent ?? NaN)])));

  for (const [device, size] of [[DESKTOP, "desktop"], [PHONE, "phone"]]) {
    it(`lands on its reports, opens one, switches districts and downloads the CSV (${size})`, async () => {
      const { context, page } = await signIn(device);
      assert.match(page.url(), /\/office/, "the village app handed the city reader to the office app");
      assert.equal(await page.locator("#nav-dispatch").count(), 0, "no dispatch for a city reader");
      assert.match(await page.textContent("#city-title"), /跨区县汇总/);
      assert.match(await page.textContent("#city-scope"), /江北区.*永川区|永川区.*江北区/);
      assert.ok(!(await page.textContent("main")).includes("荔城"), "nothing of 荔城");
      const item = page.locator(`#city-reports li[data-template="${TEMPLATE}"]`);
      assert.equal(await item.count(), 1, "the department's template is listed");
      await everyControlNamed(context, page);
      await shoot(page, `city-reports-${size}`);
      assert.ok((await sideways(page)) <= 1, "the list fits the width");

      await item.locator("button").click();
      await page.waitForSelector("#city-totals");
      const api_ = await api("GET", `/api/city/summary/${TEMPLATE}?limit=0`, undefined, { session: city.session });
      const expected = Object.fromEntries([...api_.json.districts.map((d) => [d.code, d.totals.rows]), [api_.json.city, api_.json.total.rows]]);
      assert.deepEqual(await tableRows(page), expected, "per-district rows and the city's, as the API answers");
      assert.ok(expected["500105"] > 0 && expected["500118"] > 0, "both districts have rows");
      assert.equal(await page.locator("#city-incomplete").count(), 0, "complete: no warning");
      const names = await everyControlNamed(context, page);
      assert.ok(names.some((n) => /区县/.test(n)), `the district picker is named: ${names.join(" | ")}`);
      await shoot(page, `city-report-${size}`);

      await page.selectOption("#city-district", "500105");
      await page.waitForFunction(() => document.querySelectorAll("#city-totals tbody tr").length === 2);
      assert.deepEqual(Object.keys(await tableRows(page)).sort(), ["500000", "500105"]);
      assert.equal(await page.textContent("#city-totals tr.total th"), "所选区县合计", "not called the city's total");
      assert.match(await page.getAttribute("#city-download-csv", "href"), /districts=500105/);
      const [download] = await Promise.all([page.waitForEvent("download"), page.click("#city-download-csv")]);
      const csv = (await readFile(await download.path())).toString("utf8");
      assert.match(download.suggestedFilename(), /\.csv$/);
      assert.ok(csv.includes("江北区") && !csv.includes("永川区") && !csv.includes("荔城"), "江北 only");
      assert.match(csv, /\r\n全市合计,/);
      assert.doesNotMatch(csv, ID_NUMBER);
      assert.doesNotMatch(csv, PHONE_NUMBER);
      await shoot(page, `city-report-jiangbei-${size}`);

      await page.click("#lang-switch");
      await page.waitForFunction(() => document.querySelector("#city-totals-title")?.textContent === "Totals per district");
      assert.match(await page.textContent("#city-download-csv"), /Download CSV/);
      await shoot(page, `city-report-en-${size}`);
      assert.ok((await sideways(page)) <= 1, "the page itself does not scroll sideways (the table does, in its box)");
      await context.close();
    });
  }

  it("warns, naming the district, when a district does not have the template", async () => {
    // 永川 alone publishes a template of the department: 江北 answers not_found.
    const id = uniqueId("city-yc-only");
    const [dept, zhen] = [await login("minzheng"), await login("zhen")];
    const filed = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: careTemplate(id) }, { session: dept.session });
    assert.ok([200, 201].includes(filed.status), filed.text);
    const approved = await api("POST", `/api/template-requests/${filed.json.id}/decision`, { decision: "approve" }, { session: zhen.session });
    assert.equal(approved.status, 200, approved.text);

    const { context, page } = await signIn(DESKTOP);
    const item = page.locator(`#city-reports li[data-template="${id}"]`);
    assert.match(await item.textContent(), /永川区/);
    assert.doesNotMatch(await item.textContent(), /江北区/, "listed in 永川 only");
    await item.locator("button").click();
    await page.waitForSelector("#city-incomplete");
    const warning = await page.textContent("#city-incomplete");
    assert.match(warning, /数据不完整/);
    assert.match(warning, /江北区（该区没有此报表模板）/);
    assert.equal(await page.getAttribute("#city-incomplete", "role"), "alert");
    assert.match(await page.textContent("#city-totals tr.total th"), /不完整/);
    assert.match(await page.textContent('#city-totals tr[data-code="500105"]'), /未能读取/);
    await shoot(page, "city-report-incomplete-desktop");
    await context.close();
  });
});
