// The ledger page as people use it (issue 20), in headless Chromium:
// village staff on a 390 px phone with touch search by typing key by key
// (a name composed through the input method), open a person, correct the
// phone number in place through an error and see the change in the
// history beside it; the town centre on a 1366 px desktop filters its
// villages' people by tag, pages, and reads a record beside the list; the
// 行政专员 reads the district masked and cannot edit, and its home page
// offers no 一键生成. Screenshots land in target/screenshots/.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, api, login } from "./helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url);
const TYPING = { delay: 30 };
const BEIJING = /^\d{4}-\d\d-\d\d \d\d:\d\d$/;
const beijing = (iso) => new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
const RAW_INSTANT = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

describe("the ledger page, on a phone and a desktop, per role", () => {
  let browser, cun;

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    await mkdir(SHOTS, { recursive: true });
    cun = await login("cun");
  });
  after(async () => {
    await browser?.close();
  });

  async function open(username, device) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").pressSequentially(username, TYPING);
    await page.locator("#password").pressSequentially(PASSWORD, { delay: 10 });
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    return { context, page };
  }
  const shoot = (page, name) => page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname });
  const pageWidth = (page) => page.evaluate(() => document.documentElement.scrollWidth);

  /** Every control in the accessibility tree that has no name. */
  async function unnamedControls(context, page) {
    const cdp = await context.newCDPSession(page);
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const controls = nodes.filter((n) => !n.ignored && ["textbox", "searchbox", "combobox", "button", "checkbox", "link"].includes(n.role?.value));
    assert.ok(controls.length > 10, `found ${controls.length} controls`);
    return controls.filter((n) => !(n.name?.value ?? "").trim()).map((n) => n.role.value);
  }

  it("lets village staff on a phone search key by key, correct a phone number in place and see it in the history", async () => {
    const all = (await api("GET", `/api/ledger/search?entity=person&org_unit=${cun.me.org_unit}&per_page=100`, undefined, { session: cun.session })).json;
    // Someone with a unique name and a phone (not the last ones, which other tests correct).
    const person = all.records.slice(3, -3).find((p) => p.data.phone && all.records.filter((o) => o.data.name === p.data.name).length === 1);
    assert.ok(person, "the demo village has such a person");
    const { context, page } = await open("cun", PHONE);
    await page.locator("#open-ledger").tap();
    await page.waitForSelector("li.ledger-row");
    // Search first: the search box is the list's first control, above the cards.
    assert.equal(await page.evaluate(() => document.querySelector(".ledger-list input, .ledger-list select, .ledger-list button")?.id), "ledger-q");
    const box = await page.locator("#ledger-q").boundingBox();
    assert.ok(box.y < (await page.locator("li.ledger-row").first().boundingBox()).y);
    assert.ok((await pageWidth(page)) <= 390, `the page is ${await pageWidth(page)} px wide`);
    for (const button of await page.locator("li.ledger-row button.history-button").all()) {
      const b = await button.boundingBox();
      assert.ok(b.x >= 0 && b.x + b.width <= 390, "every 查看 button is on the screen");
    }
    const oneLine = await page.locator("li.ledger-row .ledger-name").evaluateAll((names) =>
      names.every((n) => n.getBoundingClientRect().height < 2 * Number.parseFloat(getComputedStyle(n).fontSize)));
    assert.ok(oneLine, "names read on one line, not a character per line");
    assert.doesNotMatch(await page.textContent("main"), /\b\d{12}\b/, "no village code shown");
    await shoot(page, "ledger-phone-list");

    // The surname through the input method (pinyin, then the character), the rest key by key.
    const cdp = await context.newCDPSession(page);
    await page.locator("#ledger-q").tap();
    const [surname, ...rest] = [...person.data.name];
    await cdp.send("Input.imeSetComposition", { text: "x", selectionStart: 1, selectionEnd: 1 });
    await cdp.send("Input.imeSetComposition", { text: "xi", selectionStart: 2, selectionEnd: 2 });
    await cdp.send("Input.insertText", { text: surname });
    await page.keyboard.type(rest.join(""), TYPING);
    assert.equal(await page.inputValue("#ledger-q"), person.data.name);
    await page.waitForFunction(({ id, shown }) => {
      const rows = [...document.querySelectorAll("li.ledger-row")];
      return rows.length >= 1 && rows.length < shown && rows.some((r) => r.dataset.id === id);
    }, { id: person.id, shown: Math.min(20, all.total) });
    assert.match(await page.textContent("#ledger-count"), /共 \d+ 人/);

    // Open the person: the record takes the list's place, focused.
    await page.locator(`li.ledger-row[data-id="${person.id}"] button.history-button`).tap();
    await page.waitForSelector("#record li.history-entry");
    assert.equal(await page.isVisible(".ledger-list"), false, "the list makes room on a phone");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "record-title");
    const title = await page.locator("#record").boundingBox();
    assert.ok(title.y < 844, "the record is on the screen, not far below");

    // Correct the phone: a wrong number is named at its input while typing, a right one saved.
    const phone = `139${String(Date.now()).slice(-8)}`;
    await page.locator("#edit-record").tap();
    const input = page.locator("#edit-phone");
    assert.equal(await input.getAttribute("type"), "tel");
    assert.equal(await input.getAttribute("aria-label"), `联系电话 · ${person.data.name}`);
    await input.tap();
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(phone.slice(0, 7), TYPING);
    await page.waitForFunction(() => document.querySelector("#edit-phone-error")?.textContent.trim() !== "");
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    assert.match(await input.getAttribute("aria-describedby"), /edit-phone-error/);
    const problem = await page.textContent("#edit-phone-error");
    assert.match(problem, /手机/, `a clear message: ${problem}`);
    await page.keyboard.type(phone.slice(7), TYPING);
    await page.waitForFunction(() => document.querySelector("#edit-phone-error")?.textContent.trim() === "");
    assert.equal(await input.getAttribute("aria-invalid"), "false");
    assert.equal(await input.inputValue(), phone, "every key arrived");
    await shoot(page, "ledger-phone-edit");
    await page.locator("#save-record").tap();
    await page.waitForSelector("#record-notice >> text=已保存");
    const newest = page.locator("#record li.history-entry").first();
    await page.waitForFunction((p) => document.querySelector("#record li.history-entry")?.textContent.includes(p), phone);
    const stored = (await api("GET", `/api/ledger/records/${person.id}`, undefined, { session: cun.session })).json;
    assert.equal(stored.record.data.phone, phone);
    const change = stored.history.at(-1);
    assert.equal(await newest.getAttribute("data-version"), String(change.version));
    assert.match(await newest.textContent(), new RegExp(`联系电话：${person.data.phone} → ${phone}`));
    assert.equal(await newest.locator(".changes li").count(), 1, "the phone, and nothing else, changed");
    assert.equal(await newest.locator(".who").textContent(), cun.me.display_name);
    assert.equal(await newest.locator(".when").textContent(), beijing(change.changed_at));
    assert.equal(await newest.locator(".source").textContent(), "走访");
    for (const when of await page.locator("#record .when").allTextContents()) assert.match(when, BEIJING);
    assert.doesNotMatch(await page.textContent("main"), RAW_INSTANT);
    assert.ok(!(await page.textContent("#record")).includes(cun.me.username), "people by name, not user name");
    assert.ok((await pageWidth(page)) <= 390, `the record fits: ${await pageWidth(page)} px`);
    await shoot(page, "ledger-phone-history");
    await page.locator("#record #history").scrollIntoViewIfNeeded();
    await shoot(page, "ledger-phone-history-scrolled");

    // Back to the list, where the card shows the new number.
    await page.locator("#record .close-record").tap();
    await page.waitForSelector(".ledger-list", { state: "visible" });
    await page.waitForFunction(({ id, p }) => document.querySelector(`li.ledger-row[data-id="${id}"]`)?.textContent.includes(p), { id: person.id, p: phone });
    assert.deepEqual(await unnamedControls(context, page), [], "every control has a name");
    await context.close();
  });

  it("lets the town centre on a desktop filter its villages' people, page, and read a record beside the list", async () => {
    const zhen = await login("zhen");
    const total = (await api("GET", `/api/ledger/search?entity=person&org_unit=${zhen.me.org_unit}`, undefined, { session: zhen.session })).json.total;
    const { context, page } = await open("zhen", DESKTOP);
    await page.click("#open-ledger");
    await page.waitForSelector("li.ledger-row");
    const heading = await page.textContent("#ledger-title");
    assert.doesNotMatch(heading, /\d{9}/, "the town by name");
    const units = await page.locator("li.ledger-row .card-unit").allTextContents();
    assert.ok(units.length > 0 && units.every((u) => u && !/\d{6}/.test(u)), "each card names its village");
    assert.match(await page.textContent("#page-of"), /第 1 \/ \d+ 页/);
    assert.ok(!(await page.isVisible("#ledger-readonly")), "the town centre may edit");

    // A tag picked from the filter: every card carries it.
    const option = page.locator("#ledger-tag option").nth(1);
    const label = await option.textContent();
    const tag = await option.getAttribute("value");
    const count = Number(label.match(/（(\d+)）/)[1]);
    await page.selectOption("#ledger-tag", tag);
    await page.waitForFunction((n) => document.querySelector("#ledger-count")?.textContent.includes(`共 ${n} 人`), count);
    const chips = await page.locator("li.ledger-row").evaluateAll((rows, t) => rows.every((r) => [...r.querySelectorAll(".chip")].some((c) => c.textContent === t)), tag);
    assert.ok(chips, `every card is tagged ${tag}`);
    await page.selectOption("#ledger-tag", "");
    await page.waitForFunction((n) => document.querySelector("#ledger-count")?.textContent.includes(`共 ${n} 人`), total);
    const firstIds = await page.locator("li.ledger-row").evaluateAll((rows) => rows.map((r) => r.dataset.id));
    await page.click("#page-next");
    await page.waitForFunction(() => document.querySelector("#page-of")?.textContent.startsWith("第 2"));
    const secondIds = await page.locator("li.ledger-row").evaluateAll((rows) => rows.map((r) => r.dataset.id));
    assert.ok(secondIds.length > 0 && secondIds.every((id) => !firstIds.includes(id)), "page 2 shows other people");

    // A record opens beside the list, in view, not thousands of pixels below.
    await page.locator("li.ledger-row button.history-button").first().click();
    await page.waitForSelector("#record li.history-entry");
    const list = await page.locator(".ledger-list").boundingBox();
    const record = await page.locator("#record").boundingBox();
    assert.ok(record.x > list.x + list.width / 2, "the record is beside the list");
    assert.ok(record.y < 768 && record.y >= 0, `the record starts on the screen (y ${record.y})`);
    assert.ok(await page.isVisible(".ledger-list"), "the list stays");
    assert.ok(await page.isVisible("#edit-record"));
    assert.ok((await pageWidth(page)) <= 1366);
    assert.doesNotMatch(await page.textContent("#record"), RAW_INSTANT);
    assert.doesNotMatch(await page.textContent("#record"), /\{"|"event"/, "structured values in words, not JSON");
    await shoot(page, "ledger-town-desktop");
    assert.deepEqual(await unnamedControls(context, page), [], "every control has a name");
    await context.close();
  });

  it("shows the 行政专员 the ledger read-only and masked, with exports, and no 一键生成 it may not use", async () => {
    const { context, page } = await open("zhuanyuan", DESKTOP);
    await page.waitForSelector("#open-ledger");
    assert.equal(await page.locator("button.generate").count(), 0, "no form generation offered");
    assert.match(await page.textContent("#open-ledger"), /只读/);
    // The village picked on the home page is the ledger opened.
    await page.waitForSelector(`#town option[value="${cun.me.org_unit.slice(0, 9)}"]`, { state: "attached" });
    await page.selectOption("#town", cun.me.org_unit.slice(0, 9));
    await page.waitForSelector(`#village option[value="${cun.me.org_unit}"]`, { state: "attached" });
    await page.selectOption("#village", cun.me.org_unit);
    await page.click("#open-ledger");
    await page.waitForSelector("li.ledger-row");
    assert.ok(await page.isVisible("#ledger-readonly"));
    assert.equal(await page.locator("#import").count(), 0, "no import for a reader");
    const ids = await page.locator('li.ledger-row .card-field[data-field="id_number"] dd').allTextContents();
    assert.ok(ids.length > 0 && ids.every((id) => /^\d{6}\*{8}[\dX]{4}$/.test(id)), `masked: ${ids[0]}`);
    await page.locator("li.ledger-row button.history-button").first().click();
    await page.waitForSelector("#record li.history-entry");
    assert.equal(await page.locator("#edit-record").count(), 0, "no edit for a reader");
    for (const format of ["xlsx", "csv"]) {
      const href = await page.getAttribute(`#export-${format}`, "href");
      assert.equal(href, `/api/ledger/export?entity=person&org_unit=${cun.me.org_unit}&format=${format}`);
      const status = await page.evaluate(async (h) => (await fetch(h)).status, href);
      assert.equal(status, 200);
    }
    const csv = await page.evaluate(async (h) => await (await fetch(h)).text(), await page.getAttribute("#export-csv", "href"));
    assert.ok(!/\d{17}[\dX]/.test(csv), "the export is masked as the page is");
    await shoot(page, "ledger-specialist-desktop");
    await context.close();
  });
});
