// The town centre's pages as people use them (issue 12): the summary's
// filter typed key by key, the chart of every village with rows, the
// dispatch picker on a 390 px phone, the review counting the centre's own
// villages, and names and Beijing time instead of codes and UTC on the
// board, the review, the ledger and its history. Phone screenshots go to
// target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { BASE, NEW_PASSWORD, PASSWORD, api, login } from "./helpers.mjs";
import { careTemplate, neighbour, submitTask, uniqueId, villageUser } from "./publish-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url);

/** A time as people in China read it: Beijing time (UTC+8), to the minute. */
const BEIJING = /^\d{4}-\d\d-\d\d \d\d:\d\d$/;
const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
/** What an instant looks like when shown raw (`2026-11-29T11:43…Z`). */
const RAW_INSTANT = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

describe("the town centre's pages: names, Beijing time, filters, chart and the picker on a phone", () => {
  const id = uniqueId("tc-aid");
  const title = `临时救助摸底表 ${id.slice(-6)}`;
  let browser, dept, centre, cun, other, dispatchId, townVillages, request;

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    await mkdir(SHOTS, { recursive: true });
    [dept, centre, cun] = await Promise.all(["minzheng", "zhen", "cun"].map((u) => login(u)));
    other = await villageUser(await neighbour(centre.session, cun.me.org_unit));
    const units = await api("GET", `/api/org-units?parent=${centre.me.org_unit}`, undefined, { session: centre.session });
    townVillages = units.json.children.filter((u) => u.level === "village");

    // A template filed, approved, dispatched to two villages, both submitted.
    const document = { ...careTemplate(id), title };
    const filed = await api("POST", "/api/template-requests", { request_id: randomUUID(), document }, { session: dept.session });
    assert.equal(filed.status, 201, filed.text);
    request = filed.json;
    const approved = await api("POST", `/api/template-requests/${request.id}/decision`, { decision: "approve" }, { session: centre.session });
    assert.equal(approved.status, 200, approved.text);
    dispatchId = randomUUID();
    const sent = await api(
      "POST",
      "/api/dispatches",
      { dispatch_id: dispatchId, template_id: id, org_units: [cun.me.org_unit, other.me.org_unit], due_date: "2026-12-31" },
      { session: centre.session },
    );
    assert.equal(sent.status, 201, sent.text);
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, { session: centre.session });
    const taskOf = (code) => board.json.tasks.find((t) => t.org_unit === code);
    await submitTask(cun, taskOf(cun.me.org_unit), 120);
    await submitTask(other, taskOf(other.me.org_unit), 80);
  });
  after(async () => {
    await browser?.close();
  });

  async function open(username, device, password = PASSWORD) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").pressSequentially(username, { delay: 50 });
    await page.locator("#password").pressSequentially(password, { delay: 20 });
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    return page;
  }

  /** A screenshot of what the phone shows (or of `selector`'s box), to look at. */
  const shoot = (page, name, selector) =>
    (selector ? page.locator(selector).first() : page).screenshot({ path: new URL(`${name}.png`, SHOTS).pathname });
  const noSidewaysScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth);

  async function openSummary(page) {
    await page.click("#nav-dispatch");
    await page.locator(`#dispatches tr[data-dispatch="${dispatchId}"] button.summary`).click();
    await page.waitForSelector('#summary-total[data-villages="2"]');
  }

  it("filters the summary by a value typed key by key: only matching rows, and back to all when cleared", async () => {
    const expected = await api(
      "GET",
      `/api/summary?template_id=${id}&filter_key=need&filter_value=${encodeURIComponent("因病")}`,
      undefined,
      { session: dept.session },
    );
    const all = await api("GET", `/api/summary?template_id=${id}`, undefined, { session: dept.session });
    const matching = expected.json.total.rows;
    assert.ok(matching > 0 && matching < all.json.total.rows, "the filter splits the rows");

    const page = await open("minzheng", DESKTOP);
    await openSummary(page);
    assert.equal(await page.getAttribute("#summary-total", "data-rows"), String(all.json.total.rows));
    await page.selectOption("#summary-filter-key", "need");
    const value = page.locator("#summary-filter-value");
    await value.click();
    await value.pressSequentially("因病", { delay: 50 });
    assert.equal(await value.inputValue(), "因病");
    await value.press("Enter");
    await page.waitForSelector(`#summary-total[data-rows="${matching}"]`);
    assert.match(await page.textContent("#summary-filter-state"), /困难类型 = 因病/);
    const needs = await page.locator('#summary-rows tbody td[data-key="need"]').allTextContents();
    assert.equal(needs.length, Math.min(matching, 100));
    assert.ok(needs.every((n) => n === "因病"), needs.join(","));

    // The button applies the same way; a value no row has shows no rows.
    await value.fill("");
    await value.pressSequentially("因灾", { delay: 50 });
    await page.click("#summary-apply");
    await page.waitForSelector('#summary-total[data-rows="0"]');
    assert.equal(await page.locator("#summary-rows tbody tr").count(), 0);

    await page.click("#summary-clear");
    await page.waitForSelector(`#summary-total[data-rows="${all.json.total.rows}"]`);
    await page.context().close();
  });

  it("charts every village with rows with a nonzero bar, by rows or by a numeric field", async () => {
    const page = await open("minzheng", DESKTOP);
    await openSummary(page);
    const rowsOf = async () =>
      Object.fromEntries(
        await page.locator("#village-totals tbody tr").evaluateAll((trs) =>
          trs.filter((tr) => tr.dataset.code).map((tr) => [tr.dataset.code, Number(tr.querySelector(".rows").textContent)]),
        ),
      );
    const rows = await rowsOf();
    const bars = async () =>
      page.locator("#chart g.bar").evaluateAll((gs) => gs.map((g) => [g.dataset.code, Number(g.dataset.value), Number(g.querySelector("rect").getAttribute("width"))]));
    const byRows = await bars();
    assert.deepEqual(byRows.map(([code]) => code).sort(), [cun.me.org_unit, other.me.org_unit].sort());
    for (const [code, value, width] of byRows) {
      assert.ok(rows[code] > 0, `${code} submitted rows`);
      assert.equal(value, rows[code], "the default chart counts rows");
      assert.ok(width > 1, "a visible bar");
    }
    // The field picker offers the rows and every numeric field.
    const options = await page.locator("#chart-key option").evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ["", "aid_amount", "months", "aid_row_total"]);
    await page.selectOption("#chart-key", "aid_amount");
    await page.waitForSelector('#chart[data-key="aid_amount"]');
    const amounts = Object.fromEntries((await bars()).map(([code, value]) => [code, value]));
    assert.equal(amounts[cun.me.org_unit], 120 * rows[cun.me.org_unit]);
    assert.equal(amounts[other.me.org_unit], 80 * rows[other.me.org_unit]);
    // Villages by name, the code on hover.
    const first = page.locator(`#village-totals tr[data-code="${cun.me.org_unit}"] td span`).first();
    assert.equal(await first.getAttribute("title"), cun.me.org_unit);
    assert.doesNotMatch(await first.textContent(), /^\d+$/);
    await shoot(page, "dept-summary-chart-desktop", "#chart");
    // The department's picker of towns, on a desktop.
    await page.click("#nav-dispatch");
    await page.waitForSelector("#picker input[type=checkbox]");
    await shoot(page, "dept-dispatch-desktop");
    await page.context().close();
  });

  it("fits the dispatch picker on a phone: labelled checkboxes, 44 px targets, select all and clear", async () => {
    const page = await open("zhen", PHONE);
    await page.click("#nav-dispatch");
    await page.waitForSelector(`#dispatch-template option[value="${id}"]`, { state: "attached" });
    await page.waitForSelector("#picker input[type=checkbox]");
    assert.ok((await noSidewaysScroll(page)) <= 390, `page width ${await noSidewaysScroll(page)}`);
    const boxes = page.locator("#picker input[type=checkbox]");
    assert.equal(await boxes.count(), townVillages.length);
    for (const village of townVillages) {
      // Found through the accessibility tree: a checkbox named by the village.
      const box = page.getByRole("checkbox", { name: village.name, exact: true });
      assert.equal(await box.count(), 1, village.name);
    }
    for (const label of await page.locator("#picker label.check").all()) {
      const box = await label.boundingBox();
      assert.ok(box.height >= 44, `tap target ${box.height} px high`);
      assert.ok(box.x >= 0 && box.x + box.width <= 390, "inside the screen");
    }
    await page.tap("#pick-all");
    await page.waitForFunction((n) => document.querySelectorAll("#picker input:checked").length === n, townVillages.length);
    await page.tap("#pick-none");
    await page.waitForFunction(() => document.querySelectorAll("#picker input:checked").length === 0);
    await page.getByRole("checkbox", { name: townVillages[0].name, exact: true }).tap();
    assert.match(await page.textContent("#pick-count"), /已选 1 \/ /);
    assert.equal(await page.isEnabled("#dispatch"), true);
    await shoot(page, "town-dispatch-phone");
    await page.locator("#dispatches").scrollIntoViewIfNeeded();
    await shoot(page, "town-dispatch-list-phone");
    assert.ok((await noSidewaysScroll(page)) <= 390);
    await page.context().close();
  });

  it("shows the board with village names and Beijing times, on a phone", async () => {
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, { session: centre.session });
    const submitted = board.json.tasks.find((t) => t.org_unit === cun.me.org_unit);
    const page = await open("zhen", PHONE);
    await page.click("#nav-dispatch");
    await page.locator(`#dispatches tr[data-dispatch="${dispatchId}"] button.board`).tap();
    const row = page.locator(`#board tr[data-org-unit="${cun.me.org_unit}"]`);
    await row.waitFor();
    assert.equal(await row.locator("td").first().textContent(), submitted.org_unit_name);
    assert.equal(await row.locator("td.when").textContent(), beijing(submitted.submitted_at));
    assert.doesNotMatch(await page.textContent("main"), RAW_INSTANT);
    assert.ok((await noSidewaysScroll(page)) <= 390);
    await shoot(page, "town-board-phone");
    await page.context().close();
  });

  it("counts the centre's own villages in the review, with the district beside them, and Beijing time", async () => {
    const seen = await api("GET", `/api/template-requests/${request.id}`, undefined, { session: centre.session });
    assert.equal(seen.json.analysis.villages, townVillages.length);
    assert.equal(seen.json.analysis.district_villages, request.analysis.villages, "the district's count, as filed");
    const theirs = await api("GET", `/api/template-requests/${request.id}`, undefined, { session: dept.session });
    assert.equal(theirs.json.analysis.villages, request.analysis.villages, "the department reads its district");

    const page = await open("zhen", PHONE);
    await page.click("#nav-review");
    const article = page.locator(`article.request[data-request="${request.id}"]`);
    await article.waitFor();
    assert.equal(await article.locator(".villages").getAttribute("data-villages"), String(townVillages.length));
    assert.match(await article.locator(".villages").textContent(), new RegExp(`全区共 ${request.analysis.villages} 个`));
    const meta = await article.locator("p.meta:not(.no-findings)").textContent();
    assert.ok(meta.includes(beijing(request.submitted_at)), meta);
    assert.doesNotMatch(await page.textContent("main"), RAW_INSTANT);
    const wide = await page.evaluate(() => [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > 391).slice(0, 12).map((e) => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)} ${e.textContent.slice(0, 40)}`));
    await shoot(page, "town-review-phone");
    assert.ok((await noSidewaysScroll(page)) <= 390, wide.join("\n"));
    await page.context().close();
  });

  it("shows the summary on a phone without sideways scrolling", async () => {
    const page = await open("zhen", PHONE);
    await page.click("#nav-dispatch");
    await page.locator(`#dispatches tr[data-dispatch="${dispatchId}"] button.summary`).tap();
    await page.waitForSelector('#summary-total[data-villages="2"]');
    assert.ok((await noSidewaysScroll(page)) <= 390, `page width ${await noSidewaysScroll(page)}`);
    const chart = await page.locator("#chart").boundingBox();
    assert.ok(chart.x >= 0 && chart.x + chart.width <= 390, "the chart fits the screen");
    await shoot(page, "town-summary-phone");
    await page.locator("#chart").scrollIntoViewIfNeeded();
    await shoot(page, "town-summary-chart-phone");
    await page.locator("#summary-rows").scrollIntoViewIfNeeded();
    await shoot(page, "town-summary-rows-phone");
    await page.context().close();
  });

  it("heads the ledger with the village's name and tells who changed a record, when, in Beijing time", async () => {
    const list = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, { session: cun.session });
    assert.equal(list.status, 200, list.text);
    const village = (await api("GET", `/api/org-units?parent=${cun.me.org_unit.slice(0, 9)}`, undefined, { session: cun.session })).json
      .children.find((u) => u.code === cun.me.org_unit);
    assert.equal(list.json.org_unit_name, village.name);
    const record = list.json.records.at(-1);
    const address = `${village.name}${Date.now() % 1000}号`;
    const patched = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { address } }, { session: cun.session });
    assert.equal(patched.status, 200, patched.text);
    const detail = await api("GET", `/api/ledger/records/${record.id}`, undefined, { session: cun.session });
    const change = detail.json.history.at(-1);
    assert.equal(detail.json.people[change.changed_by], cun.me.display_name);

    const page = await open("cun", PHONE);
    await page.click("#open-ledger");
    const heading = page.locator("#ledger-title");
    await heading.waitFor();
    assert.match(await heading.textContent(), new RegExp(village.name));
    assert.doesNotMatch(await heading.textContent(), /\d{12}/, "no code in the heading");
    assert.equal(await heading.locator("span").getAttribute("title"), cun.me.org_unit);
    // The list is paged: the record is found by its address, typed.
    await page.locator("#ledger-q").pressSequentially(address, { delay: 30 });
    await page.locator(`li.ledger-row[data-id="${record.id}"] button.history-button`).tap();
    const newest = page.locator("#history li.history-entry").first();
    await newest.waitFor();
    assert.equal(await newest.getAttribute("data-version"), String(change.version));
    assert.equal(await newest.locator(".when").textContent(), beijing(change.changed_at));
    assert.equal(await newest.locator(".who").textContent(), cun.me.display_name);
    for (const when of await page.locator("#history .when").allTextContents()) assert.match(when, BEIJING);
    // The demo data's first version names the record's village: by its name.
    const first = page.locator("#history li.history-entry").last();
    assert.ok((await first.textContent()).includes(`所属村（社区）：— → ${village.name}`), await first.textContent());
    assert.doesNotMatch(await page.textContent("main"), RAW_INSTANT);
    await shoot(page, "village-ledger-phone");
    await page.locator("#history").scrollIntoViewIfNeeded();
    await shoot(page, "village-ledger-history-phone");
    await page.context().close();
  });

  it("tells village staff when there is no survey, and what to expect", async () => {
    const staff = await villageUser(townVillages.at(-1).code);
    const tasks = await api("GET", "/api/tasks?template_id=typhoon-damage-survey", undefined, { session: staff.session });
    assert.equal(tasks.status, 200, tasks.text);
    const page = await open(staff.me.username, PHONE, NEW_PASSWORD);
    await page.click("#nav-surveys");
    if (tasks.json.length === 0) {
      const empty = page.locator("#survey-empty");
      await empty.waitFor();
      assert.match(await empty.textContent(), /目前没有应急摸排任务/);
      assert.match(await empty.textContent(), /任务会出现在这里/);
    } else {
      // Another test started a survey for this village: its task is listed instead.
      await page.waitForSelector("tr.survey-task");
      assert.equal(await page.locator("#survey-empty").count(), 0);
    }
    await shoot(page, "village-surveys-phone");
    await page.context().close();
  });
});
