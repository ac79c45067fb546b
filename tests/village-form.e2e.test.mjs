// The village form as people fill it (issue 12): typed key by key through
// errors appearing and disappearing, Chinese composed through the input
// method path, on a phone (390 × 844, touch) and a desktop (1366 × 768),
// read through the accessibility tree, and reloaded right after a keystroke.
// Headless Chromium via playwright-core against the real worker and D1, on a
// template published and dispatched to cun's village for this run, with one
// field of every kind a village form has.
//
// Screenshots of each village page at phone size land in
// target/screenshots/ for a person to look at.
import { describe, it, before, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, api, login } from "./helpers.mjs";
import { uniqueId } from "./publish-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url).pathname;
const TYPING = { delay: 50 };

/** One field of every kind staff type into. */
function everyKindTemplate(id) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "消防安全入户检查表",
    "x-template": { id, version: 1, department: "区应急管理局" },
    "x-subject": { entity: "person" },
    type: "object",
    required: ["name", "phone", "extinguishers", "loss", "checked_on", "contact"],
    properties: {
      name: { title: "姓名", type: "string", "x-ledger": "person.name" },
      id_number: { title: "身份证号", type: "string", "x-ledger": "person.id_number" },
      village: { title: "所属村（社区）", type: "string", "x-ledger": "person.village" },
      phone: { title: "联系电话", type: "string", format: "cn-mobile" },
      extinguishers: { title: "灭火器数量", type: "integer", minimum: 0, maximum: 50 },
      loss: { title: "隐患整改费用（元）", type: "number", minimum: 0, maximum: 100000 },
      checked_on: { title: "检查日期", type: "string", format: "date" },
      passage_clear: { title: "消防通道畅通", type: "boolean" },
      risk: { title: "隐患等级", type: "string", enum: ["无", "一般", "较大", "重大"] },
      contact: { title: "联系人", type: "string", minLength: 2, maxLength: 20 },
      remarks: { title: "备注", type: "string", maxLength: 30 },
    },
  };
}

describe("village staff fill a form key by key, on a phone and a desktop", () => {
  let browser;
  let staff, centre, dept;
  let task; // the current test's own task: drafts of one test never meet another's

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    [staff, centre, dept] = await Promise.all([login("cun"), login("zhen"), login("yingji")]);
  });
  beforeEach(async () => {
    const document = everyKindTemplate(uniqueId("e2e-every-kind"));
    const filed = await api("POST", "/api/template-requests", { request_id: randomUUID(), document }, { session: dept.session });
    assert.equal(filed.status, 201, filed.text);
    const ok = await api("POST", `/api/template-requests/${filed.json.id}/decision`, { decision: "approve" }, { session: centre.session });
    assert.equal(ok.status, 200, ok.text);
    const dispatchId = randomUUID();
    const sent = await api("POST", "/api/dispatches",
      { dispatch_id: dispatchId, template_id: document["x-template"].id, org_units: [staff.me.org_unit], due_date: "2026-12-31" },
      { session: centre.session });
    assert.equal(sent.status, 201, sent.text);
    const board = await api("GET", `/api/dispatches/${dispatchId}`, undefined, { session: centre.session });
    task = board.json.tasks.find((t) => t.org_unit === staff.me.org_unit);
    assert.ok(task, board.text);
  });
  after(async () => {
    await browser?.close();
  });

  async function open(device) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").pressSequentially("cun", TYPING);
    await page.locator("#password").pressSequentially(PASSWORD);
    await page.locator("#login button[type=submit]").click();
    const openButton = page.locator(`#inbox tr[data-task="${task.id}"] button.open-task`);
    if (device.hasTouch) await openButton.tap(); else await openButton.click();
    await page.waitForSelector(`.task-form[data-task="${task.id}"] ${device.isMobile ? "#form-cards" : "#form-table"}`);
    return { context, page };
  }

  const activeId = (page) => page.evaluate(() => document.activeElement?.id ?? "");
  const message = (page, row, key) => page.textContent(`#msg-${row}-${key}`);
  const localDraft = (page) => page.evaluate((id) => JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null"), task.id);

  /** Types `text` key by key into a cell, checking after every key that the
   *  input is still the focused element and still holds every key so far. */
  async function typeChecked(page, row, key, text) {
    const id = `input-${row}-${key}`;
    // Focus and go to the end, as a person continuing a value would (a
    // click would put the caret wherever the pointer lands).
    await page.locator(`#${id}`).focus();
    await page.keyboard.press("End");
    let typed = await page.inputValue(`#${id}`);
    for (const ch of text) {
      await page.keyboard.type(ch, TYPING);
      typed += ch;
      assert.equal(await activeId(page), id, `focus stays in ${key} after "${typed}"`);
      assert.equal(await page.inputValue(`#${id}`), typed, `${key} holds every key typed`);
    }
  }

  it("keeps every keystroke and the focus while an error appears and disappears (desktop)", async () => {
    const { context, page } = await open(DESKTOP);
    // A phone number is invalid from the first key to the tenth, valid at the eleventh.
    await typeChecked(page, 0, "phone", "1380013800");
    assert.equal(await message(page, 0, "phone"), "不是有效的手机号码");
    await typeChecked(page, 0, "phone", "0");
    assert.equal(await message(page, 0, "phone"), "");
    assert.equal(await page.getAttribute("#input-0-phone", "aria-invalid"), "false");
    // Clearing the cell key by key: the error comes back, focus stays.
    for (let i = 0; i < 11; i++) {
      await page.keyboard.press("Backspace", TYPING);
      assert.equal(await activeId(page), "input-0-phone");
    }
    assert.equal(await page.inputValue("#input-0-phone"), "");
    assert.match(await message(page, 0, "phone"), /^必填项/);
    assert.equal(await page.getAttribute("#input-0-phone", "aria-invalid"), "true");

    // Decimals stay as typed: 12.5 is 12.5, not 1.025.
    await typeChecked(page, 0, "loss", "12.5");
    await typeChecked(page, 1, "loss", "0.5");
    await typeChecked(page, 2, "loss", "100");
    // Integers through an error (-) and back.
    await typeChecked(page, 0, "extinguishers", "-");
    await page.keyboard.press("Backspace");
    await typeChecked(page, 0, "extinguishers", "20");
    assert.equal(await message(page, 0, "extinguishers"), "");
    await page.waitForFunction((id) => {
      const rows = JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null")?.rows ?? [];
      return rows.some((r) => r.values.loss === 12.5) && rows.some((r) => r.values.loss === 0.5) && rows.some((r) => r.values.extinguishers === 20);
    }, task.id, { timeout: 5000 }).catch(async (e) => { throw new Error(`draft: ${JSON.stringify(await localDraft(page))}`); });

    // maxLength is enforced while typing, with a counter.
    await page.locator("#input-0-remarks").click();
    await page.keyboard.type("a".repeat(35), { delay: 5 });
    assert.equal(await page.inputValue("#input-0-remarks"), "a".repeat(30));
    assert.equal(await page.textContent("#cnt-0-remarks"), "30/30");

    // An impossible date is named as one, not as 必填项.
    await page.locator("#input-0-checked_on").click();
    await page.keyboard.type("02302026", TYPING);
    assert.equal(await activeId(page), "input-0-checked_on");
    // Tab moves through the date's own parts first, then out of it.
    for (let i = 0; i < 4 && (await activeId(page)) === "input-0-checked_on"; i++) await page.keyboard.press("Tab");
    await page.waitForFunction(() => /日期无效/.test(document.querySelector("#msg-0-checked_on")?.textContent ?? ""), undefined, { timeout: 5000 })
      .catch(async () => {
        throw new Error(`date: value ${await page.inputValue("#input-0-checked_on")}, message ${await message(page, 0, "checked_on")}, ` +
          `bad ${await page.evaluate(() => document.querySelector("#input-0-checked_on").validity.badInput)}, focus ${await activeId(page)}`);
      });

    // A boolean is 是/否; a set of options is a list.
    assert.deepEqual(await page.locator("#input-0-passage_clear option").allTextContents(), ["请选择", "是", "否"]);
    assert.deepEqual(await page.locator("#input-0-risk option").allTextContents(), ["请选择", "无", "一般", "较大", "重大"]);

    // A failed submit goes to the first problem, focuses it and says so once.
    await page.click("#submit");
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
    assert.match(await page.textContent("#fix-errors"), /^有 \d+ 处需要改正，已转到第一处：.+「.+」$/);
    assert.equal(await page.locator("[role=alert]:not(:empty)").count(), 0, "no burst of alerts");
    // After the failed submit every error shows; typing still keeps every key.
    await typeChecked(page, 3, "extinguishers", "12");
    await context.close();
  });

  it("keeps the focused input and what it holds while the rows in view change (scrolling)", async () => {
    const { context, page } = await open(DESKTOP);
    await typeChecked(page, 2, "contact", "王");
    const height = Number(await page.getAttribute("#form-table", "data-row-height"));
    // Scroll down and back: the rows rendered around the focused one change.
    for (const rows of [3, 6, 1, 0]) {
      await page.evaluate((top) => { document.querySelector("#form-scroll").scrollTop = top; }, rows * height);
      await page.waitForTimeout(100);
      assert.equal(await activeId(page), "input-2-contact", `focus kept after scrolling to row ${rows}`);
    }
    await typeChecked(page, 2, "contact", "五");
    assert.equal(await page.inputValue("#input-2-contact"), "王五");
    await context.close();
  });

  it("commits Chinese composed in an input method exactly, without validating mid-composition", async () => {
    const { context, page } = await open(DESKTOP);
    await page.locator("#input-0-contact").click();
    const cdp = await context.newCDPSession(page);
    for (const text of ["z", "zh", "zha", "zhan", "zhang", "zhang s", "zhang sa", "zhang san"]) {
      await cdp.send("Input.imeSetComposition", { text, selectionStart: text.length, selectionEnd: text.length });
      assert.equal(await activeId(page), "input-0-contact", `composing "${text}" keeps the input`);
    }
    // minLength 2 would flag "z": nothing was validated while composing.
    assert.equal(await message(page, 0, "contact"), "");
    await cdp.send("Input.insertText", { text: "张三" });
    assert.equal(await page.inputValue("#input-0-contact"), "张三");
    assert.equal(await activeId(page), "input-0-contact");
    assert.equal(await message(page, 0, "contact"), "");
    // A one-character commit is then validated (minLength 2), and fixed by a second.
    await page.locator("#input-1-contact").click();
    await cdp.send("Input.imeSetComposition", { text: "li", selectionStart: 2, selectionEnd: 2 });
    await cdp.send("Input.insertText", { text: "李" });
    assert.equal(await page.inputValue("#input-1-contact"), "李");
    await page.waitForFunction(() => document.querySelector("#msg-1-contact")?.textContent !== "");
    await cdp.send("Input.imeSetComposition", { text: "si", selectionStart: 2, selectionEnd: 2 });
    await cdp.send("Input.insertText", { text: "四" });
    assert.equal(await page.inputValue("#input-1-contact"), "李四");
    assert.equal(await message(page, 1, "contact"), "");
    await page.waitForFunction((id) => {
      const rows = JSON.parse(localStorage.getItem(`ybt-draft:${id}`) ?? "null")?.rows ?? [];
      return rows.some((r) => r.values.contact === "张三") && rows.some((r) => r.values.contact === "李四");
    }, task.id);
    await context.close();
  });

  it("names every control for a screen reader and ties each message to its input", async () => {
    const { context, page } = await open(DESKTOP);
    const cdp = await context.newCDPSession(page);
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const controls = nodes.filter((n) => !n.ignored && ["textbox", "combobox", "spinbutton", "button", "checkbox"].includes(n.role?.value));
    assert.ok(controls.length > 20, `found ${controls.length} controls`);
    const unnamed = controls.filter((n) => !(n.name?.value ?? "").trim());
    assert.deepEqual(unnamed.map((n) => n.role.value), [], "every control has a name");
    const glyphs = controls.filter((n) => /^[✎✓✗×]$/.test(n.name.value.trim()));
    assert.deepEqual(glyphs.map((n) => n.name.value), [], "no control is named by a symbol");
    const names = controls.map((n) => n.name.value);
    const subject = (await page.textContent("#form-table tbody tr[data-subject] th .who")).trim();
    assert.ok(names.includes(`联系电话 · ${subject}`), "an input is named by its column and subject");
    assert.ok(names.includes(`更正 姓名 · ${subject}`), "the correction button says what it corrects");
    // Required, invalid and the message, through ARIA.
    assert.equal(await page.getAttribute("#input-0-phone", "aria-required"), "true");
    await page.locator("#input-0-phone").click();
    await page.keyboard.type("1", TYPING);
    assert.equal(await page.getAttribute("#input-0-phone", "aria-invalid"), "true");
    assert.match(await page.getAttribute("#input-0-phone", "aria-describedby"), /msg-0-phone/);
    const described = await cdp.send("Accessibility.getPartialAXTree", {
      backendNodeId: (await cdp.send("DOM.describeNode", {
        objectId: (await cdp.send("Runtime.evaluate", { expression: "document.querySelector('#input-0-phone')" })).result.objectId,
      })).node.backendNodeId,
      fetchRelatives: false,
    });
    const self = described.nodes.find((n) => n.role?.value === "textbox");
    assert.equal(self.description?.value, "不是有效的手机号码", "the message is the input's description");
    // Names and Beijing time, not codes and UTC.
    const village = page.locator("#cell-0-village .value");
    assert.equal(await village.getAttribute("title"), staff.me.org_unit, "the code is on hover");
    assert.doesNotMatch(await village.textContent(), /^\d{12}$/, "the village is shown by name");
    const provenance = await page.getAttribute("#cell-0-name", "title");
    assert.match(provenance, /^来自台账「姓名」· \d{4}-\d\d-\d\d \d\d:\d\d 由 .+ 更新$/);
    await context.close();
  });

  it("shows one subject at a time on a phone, fields to fill first, and loses nothing moving between them", async () => {
    const { context, page } = await open(PHONE);
    await page.screenshot({ path: `${SHOTS}village-form-phone.png`, fullPage: false });
    // The subject is on top; the first control of the card is a field to fill.
    const first = (await page.textContent("#card-subject .who")).trim();
    assert.ok(first.length > 0);
    assert.match(await page.textContent("#card-subject .id"), /^\d{6}\*+[\dX]{4}$/);
    const firstControl = await page.locator(".subject-card input, .subject-card select, .subject-card textarea").first().getAttribute("id");
    assert.equal(firstControl, "input-0-phone");
    // Nothing runs off the screen sideways.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `page is ${width} px wide`);
    // Tap targets are at least 44 × 44 px.
    for (const selector of ["#next-subject", "#input-0-phone", "#input-0-risk", "#submit", ".subject-card button.correct"]) {
      const box = await page.locator(selector).first().boundingBox();
      assert.ok(box && box.height >= 44 && box.width >= 44, `${selector}: ${JSON.stringify(box)}`);
    }
    // Type on the first subject, go to the next, type, come back.
    await page.locator("#input-0-phone").tap();
    await page.keyboard.type("13800138000", TYPING);
    assert.equal(await activeId(page), "input-0-phone");
    await page.locator("#next-subject").tap();
    await page.waitForSelector("#input-1-phone");
    assert.notEqual((await page.textContent("#card-subject .who")).trim(), first);
    await page.locator("#input-1-loss").tap();
    await page.keyboard.type("12.5", TYPING);
    assert.equal(await page.inputValue("#input-1-loss"), "12.5");
    await page.locator("#prev-subject").tap();
    await page.waitForSelector("#input-0-phone");
    assert.equal(await page.inputValue("#input-0-phone"), "13800138000");
    // Submit takes you to the first problem, in its card, focused.
    await page.locator("#submit").tap();
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-invalid") === "true");
    const focused = await activeId(page);
    assert.match(focused, /^input-0-/);
    assert.ok(await page.locator(`#${focused}`).isVisible());
    assert.match(await page.textContent("#fix-errors"), /处需要改正/);
    await page.screenshot({ path: `${SHOTS}village-form-phone-errors.png`, fullPage: false });
    await context.close();
  });

  it("keeps the last keystroke through a reload right after it", async () => {
    const { context, page } = await open(DESKTOP);
    await page.locator("#input-4-remarks").click();
    await page.keyboard.type("门口堆放杂物", { delay: 0 });
    await page.keyboard.type("x");
    await page.reload();
    await page.waitForSelector("#input-4-remarks");
    assert.equal(await page.inputValue("#input-4-remarks"), "门口堆放杂物x");
    await context.close();
  });

  it("shows every village page at phone size without sideways overflow", async () => {
    const { context, page } = await open(PHONE);
    const pages = [["home", async () => { await page.locator("button.back").first().tap(); await page.waitForSelector("#inbox"); }]];
    for (const [name, go] of pages) {
      await go();
      await page.screenshot({ path: `${SHOTS}village-${name}-phone.png`, fullPage: true });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${name} is ${width} px wide`);
    }
    await context.close();
  });

  it("paints a page at once on a slow rural connection and becomes usable when the app arrives", async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 100_000 });
    await page.goto(BASE, { waitUntil: "commit" });
    // The static shell says it is loading before any WebAssembly has arrived.
    await page.waitForSelector("#app .loading");
    assert.match(await page.textContent("#app .loading"), /正在加载/);
    // Then the sign-in form works, typed key by key.
    await page.locator("#username").waitFor({ timeout: 120_000 });
    await page.locator("#username").pressSequentially("cun", TYPING);
    await page.locator("#password").pressSequentially(PASSWORD);
    await page.locator("#login button[type=submit]").tap();
    await page.waitForSelector(`#inbox tr[data-task="${task.id}"]`, { timeout: 60_000 });
    await page.screenshot({ path: `${SHOTS}village-inbox-slow-network-phone.png` });
    await context.close();
  });
});
