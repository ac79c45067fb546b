// The template builder as a 民政 analyst who knows Excel but not JSON would
// use it (issue 21), in headless Chromium at 1366 × 768, typing key by key:
// the report's settings typed after fields exist (nothing lost), ledger items
// found by the names departments use (地址, 身份证号码) and never added twice,
// a bank card number from a preset (sensitive), a key already in use refused,
// a computed field whose formula is checked as it is typed, a field moved
// with the keyboard, a field deleted and brought back with 撤销, a blank
// template undone, a field edited in place, a trailing comma in the source
// shown at its line in Chinese, the village form previewed (formats in
// words, computed values, the phone layout), a version clash caught while
// authoring, the work kept across leaving the page, filed, reopened and
// downloaded. Screenshots land in target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { BASE, PASSWORD } from "./helpers.mjs";
import { uniqueId } from "./publish-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url).pathname;
const TYPING = { delay: 30 };

describe("a department analyst builds a template without writing JSON", () => {
  let browser, page;
  const id = uniqueId("e2e-build");
  const title = `困难家庭银行账户核对表 ${id.slice(-5)}`;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    const context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await context.newPage();
    await page.goto(BASE);
    await page.click("#username");
    await page.keyboard.type("minzheng", TYPING);
    await page.click("#password");
    await page.keyboard.type(PASSWORD, TYPING);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#user");
    await page.click("#nav-authoring");
    await page.waitForSelector("#tpl-title");
  });
  after(async () => {
    await browser?.close();
  });

  /** Clears an input and types into it one key at a time. */
  async function typeInto(selector, text) {
    await page.click(selector, { clickCount: 3 });
    await page.keyboard.press("Backspace");
    if (text) await page.keyboard.type(text, TYPING);
  }
  const doc = async () => JSON.parse(await page.inputValue("#template-json"));
  const keys = async () => page.locator("#field-list li.field").evaluateAll((items) => items.map((li) => li.dataset.key));
  const notice = async () => (await page.textContent("#builder-notice")).trim();

  async function addField({ key, title: fieldTitle, kind, preset, min, max, formula }) {
    await typeInto("#nf-title", fieldTitle);
    await typeInto("#nf-key", key);
    await page.selectOption("#nf-kind", kind);
    if (preset) await page.selectOption("#nf-preset", preset);
    if (min !== undefined) await typeInto("#nf-min", min);
    if (max !== undefined) await typeInto("#nf-max", max);
    if (formula !== undefined) await typeInto("#nf-formula", formula);
    await page.click("#nf-add");
    await page.waitForSelector(`#field-list li[data-key="${key}"]`);
  }

  it("adds ledger items by the names departments use, once each", async () => {
    // The settings first are a blank template's; ledger items come before the title is known.
    await page.click("#catalog-search");
    await page.keyboard.type("地址", TYPING);
    const address = page.locator('li.catalog-item[data-item="person.address"]');
    await address.waitFor();
    assert.match(await address.textContent(), /住址.*又称 地址/);
    await address.locator("button.add").click();
    await typeInto("#catalog-search", "身份证号码");
    await page.click('li.catalog-item[data-item="person.id_number"] button.add');
    await typeInto("#catalog-search", "姓名");
    await page.click('li.catalog-item[data-item="person.name"] button.add');
    const again = page.locator('li.catalog-item[data-item="person.name"] button.add');
    assert.ok(await again.isDisabled(), "an item already in the form cannot be added twice");
    assert.equal(await again.getAttribute("aria-label"), "已添加「姓名」");
    assert.deepEqual(await keys(), ["address", "id_number", "name"]);
    // Row subjects are named in Chinese.
    const options = await page.locator("#tpl-entity option").allTextContents();
    assert.ok(options.includes("人员") && options.some((o) => o.startsWith("选取模式")), options.join(" | "));
    assert.ok(!options.includes("person") && !options.includes("household"), options.join(" | "));
  });

  it("names the report after the fields exist without losing them, and says a version clash at once", async () => {
    await typeInto("#tpl-title", title);
    await typeInto("#tpl-id", id);
    await typeInto("#tpl-tag", "低保");
    let d = await doc();
    assert.equal(d.title, title);
    assert.deepEqual(d["x-template"], { id, version: 1, department: "区民政局" });
    assert.deepEqual(d["x-subject"], { entity: "person", filter: { tags: "低保" } });
    assert.deepEqual(await keys(), ["address", "id_number", "name"], "no field lost");
    // A bad id is said at its input and changes nothing.
    await page.click("#tpl-id");
    await page.keyboard.type(" X", TYPING);
    assert.match(await page.textContent("#tpl-id-error"), /小写字母/);
    assert.equal((await doc())["x-template"].id, id);
    await typeInto("#tpl-id", "dibao-monthly-visit");
    // The shipped 低保 template is published as version 1: said now, not at filing.
    await page.waitForSelector("#version-problem");
    const published = Number((await page.textContent("#version-problem")).match(/版本号必须大于已发布的版本 (\d+)/)?.[1]);
    assert.ok(published >= 1, await page.textContent("#version-problem"));
    assert.ok(await page.isDisabled("#publish"));
    await page.click("#version-bump");
    await page.waitForSelector("#version-problem", { state: "detached" });
    assert.equal((await doc())["x-template"].version, published + 1);
    await typeInto("#tpl-id", id);
    await typeInto("#tpl-version", "1");
    d = await doc();
    assert.deepEqual([d["x-template"].id, d["x-template"].version], [id, 1]);
  });

  it("adds a bank card from a preset, refuses a key in use, and checks a formula as it is typed", async () => {
    await typeInto("#nf-title", "银行卡号");
    await typeInto("#nf-key", "bank_card");
    await page.selectOption("#nf-kind", "text");
    await page.selectOption("#nf-preset", "bank_card");
    assert.match(await page.textContent("#nf-preset-expected"), /16至19位数字/);
    assert.ok(await page.isChecked("#nf-sensitive"), "a bank card number is marked sensitive");
    await page.click("#nf-required");
    await page.click("#nf-add");
    await page.waitForSelector('#field-list li[data-key="bank_card"]');
    assert.deepEqual((await doc()).properties.bank_card,
      { title: "银行卡号", type: "string", pattern: "^[0-9]{16,19}$", "x-sensitive": true });
    assert.match(await page.textContent('#field-list li[data-key="bank_card"] .field-summary'), /银行卡号 · 必填 · 敏感/);

    // 住址 is ledger-bound: a new field with its key is refused, not a silent replacement.
    const before = await doc();
    await typeInto("#nf-title", "现住址");
    await typeInto("#nf-key", "address");
    await page.click("#nf-add");
    assert.match(await page.textContent('#field-errors li[data-pointer="/key"]'), /已被「住址」使用/);
    assert.deepEqual(await doc(), before);

    await page.selectOption("#nf-kind", "number");
    await addField({ key: "income", title: "家庭月收入（元）", kind: "number", min: "0" });
    await addField({ key: "members", title: "家庭人口", kind: "integer", min: "1", max: "20" });
    await typeInto("#nf-title", "人均月收入（元）");
    await typeInto("#nf-key", "per_capita");
    await page.selectOption("#nf-kind", "computed");
    await page.click("#nf-formula");
    await page.keyboard.type("round(income /", TYPING);
    // Checked as typed: first the formula is unfinished …
    await page.waitForSelector("#nf-formula-error:has-text('公式')");
    await page.keyboard.type(" membrs, 2)", TYPING);
    // … then it names a field that is not there, and the fix lists the fields.
    await page.waitForSelector("#nf-formula-error:has-text('membrs')");
    assert.match(await page.textContent("#nf-formula-error"), /没有字段 membrs/);
    assert.match(await page.textContent("#nf-formula-error"), /members/, "the fix lists the fields by name");
    for (let i = 0; i < ", 2)".length; i++) await page.keyboard.press("ArrowLeft");
    for (let i = 0; i < "membrs".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("members", TYPING);
    await page.waitForFunction(() => document.querySelector("#nf-formula-error")?.textContent === "");
    await page.click("#nf-add");
    await page.waitForSelector('#field-list li.computed[data-key="per_capita"]');
    await page.waitForSelector('#burden[data-prefilled="3"][data-new="3"][data-computed="1"]');
  });

  it("moves a field with the keyboard, deletes one and brings it back with 撤销", async () => {
    assert.deepEqual(await keys(), ["address", "id_number", "name", "bank_card", "income", "members", "per_capita"]);
    await page.focus("#up-name");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#field-list li.field")?.nextElementSibling?.dataset.key === "name");
    assert.deepEqual(await keys(), ["address", "name", "id_number", "bank_card", "income", "members", "per_capita"]);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "up-name", "focus follows the moved field");
    await page.keyboard.press("Enter");
    assert.deepEqual((await keys()).slice(0, 3), ["name", "address", "id_number"]);
    assert.ok(await page.isDisabled("#up-name"), "the first field cannot go up");

    // 删除 removes that field; the others keep their places.
    await page.click('#field-list li[data-key="id_number"] button.remove');
    assert.deepEqual(await keys(), ["name", "address", "bank_card", "income", "members", "per_capita"]);
    assert.match(await notice(), /已删除「身份证号」/);
    await page.click("#notice-undo");
    assert.deepEqual(await keys(), ["name", "address", "id_number", "bank_card", "income", "members", "per_capita"]);

    // 新建空白模板 keeps the settings and can be undone.
    await page.click("#tpl-new");
    assert.deepEqual(await keys(), []);
    assert.equal((await doc()).title, title);
    assert.match(await notice(), /可撤销/);
    await page.click("#undo");
    assert.equal((await keys()).length, 7);
  });

  it("edits a field in place", async () => {
    await page.click('#field-list li[data-key="income"] button.edit');
    assert.equal(await page.inputValue("#nf-title"), "家庭月收入（元）");
    await page.click("#nf-title");
    await page.keyboard.press("End");
    for (let i = 0; i < "（元）".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("（元/月）", TYPING);
    await typeInto("#nf-max", "100000");
    await typeInto("#nf-help", "含各类补贴");
    await page.click("#nf-add");
    await page.waitForSelector('#field-list li[data-key="income"]:has-text("家庭月收入（元/月）")');
    const income = (await doc()).properties.income;
    assert.deepEqual(income, { title: "家庭月收入（元/月）", type: "number", minimum: 0, maximum: 100000, "x-ui": { help: "含各类补贴" } });
    assert.equal((await keys()).indexOf("income"), 4, "same place");
    // The form is back to adding, its type shown as it is.
    assert.equal(await page.textContent("#field-editor-title"), "新增填报字段");
    assert.equal(await page.inputValue("#nf-kind"), "number");
  });

  it("shows a mistake typed into the source at its line, in Chinese", async () => {
    const text = await page.inputValue("#template-json");
    const lines = text.split("\n");
    // Put a trailing comma after the last member of the template.
    await page.focus("#template-json");
    await page.keyboard.press("Control+End");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("End");
    await page.keyboard.type(",", TYPING);
    const problem = page.locator("#source-problems li").first();
    await problem.waitFor();
    assert.match(await problem.textContent(), /最后一项后面多了逗号/);
    const line = Number(await problem.getAttribute("data-line"));
    assert.equal(line, lines.length, "the comma's error is shown where } follows it");
    assert.equal(await page.locator(`.gutter .ln.bad[data-line="${line}"]`).count(), 1);
    assert.match(await page.textContent("#json-error"), /第 \d+ 行第 \d+ 列/);
    await page.keyboard.press("Backspace");
    await page.waitForSelector("#source-problems li", { state: "detached" });
    await page.waitForSelector("#burden");
  });

  it("previews the village form: formats in words, computed values, desktop and phone", async () => {
    await page.click("#preview-desktop");
    const card = page.locator('#preview input[id$="-bank_card"]').first();
    const row = await card.getAttribute("id");
    const prefix = row.slice(0, row.length - "bank_card".length);
    const cell = prefix.replace(/^input-/, "");
    // Computed as the village types.
    await page.click(`#${prefix}income`);
    await page.keyboard.type("3000", TYPING);
    await page.click(`#${prefix}members`);
    await page.keyboard.type("4", TYPING);
    await page.waitForFunction((c) => document.querySelector(`#cell-${c}per_capita`)?.textContent.includes("750"), cell);
    // A bank card number typed with spaces: the village reads what is expected.
    await card.click();
    await page.keyboard.type("6222 0212", TYPING);
    await page.click("#preview-check");
    assert.match(await card.getAttribute("aria-describedby"), new RegExp(`msg-${cell}bank_card`));
    await page.waitForFunction((c) => document.querySelector(`#msg-${c}bank_card`)?.textContent !== "", cell);
    assert.equal(await page.textContent(`#msg-${cell}bank_card`), "格式不正确：应为16至19位数字的银行卡号");
    // Required marks and help as villages see them.
    const headers = await page.locator("#preview thead th").allTextContents();
    assert.ok(headers.includes("银行卡号 *"), headers.join(" | "));
    assert.ok(headers.includes("家庭月收入（元/月）"), headers.join(" | "));
    assert.equal(await page.getAttribute('#preview thead th:has-text("家庭月收入")', "title"), "含各类补贴");
    await page.screenshot({ path: join(SHOTS, "ybt21-builder-desktop.png"), fullPage: true });
    await page.click("#preview-phone");
    await page.waitForSelector("#preview.phone");
    const width = await page.locator("#preview").evaluate((e) => e.getBoundingClientRect().width);
    assert.ok(width <= 390, `the phone preview is a phone wide (${width})`);
    await page.locator("#preview").screenshot({ path: join(SHOTS, "ybt21-preview-phone.png") });
    await page.click("#preview-desktop");
  });

  it("every control of the builder has a name a screen reader reads", async () => {
    const unnamed = await page.evaluate(() => {
      const name = (el) => (el.getAttribute("aria-label") || el.labels?.[0]?.textContent || el.textContent || el.title || "").trim();
      return [...document.querySelectorAll(".builder button, .builder input, .builder select, .builder textarea")]
        .filter((el) => el.type !== "hidden" && !name(el))
        .map((el) => el.outerHTML.slice(0, 80));
    });
    assert.deepEqual(unnamed, []);
  });

  it("keeps the work when the analyst leaves and comes back, files it, reopens and downloads it", async () => {
    const before = await page.inputValue("#template-json");
    await page.click("#nav-dispatch");
    await page.click("#nav-authoring");
    await page.waitForSelector("#draft-restored");
    assert.equal(await page.inputValue("#template-json"), before);
    await page.reload();
    await page.click("#nav-authoring");
    await page.waitForSelector("#draft-restored");
    assert.equal(await page.inputValue("#template-json"), before);
    assert.equal(await page.inputValue("#tpl-title"), title);

    await page.click("#publish");
    await page.waitForSelector("#publish-result .done");
    const filed = page.locator(`#my-requests li[data-template="${id}"]`);
    await filed.waitFor();
    // Start something else, then reopen the filed request.
    await page.click("#tpl-new");
    assert.deepEqual(await keys(), []);
    await filed.locator("button.reopen").click();
    await page.waitForSelector('#field-list li[data-key="per_capita"]');
    assert.match(await notice(), /已打开/);
    const [download] = await Promise.all([page.waitForEvent("download"), filed.locator("button.download").click()]);
    assert.equal(download.suggestedFilename(), `${id}-v1.json`);
    const saved = JSON.parse(readFileSync(await download.path(), "utf8"));
    assert.equal(saved["x-template"].id, id);
    assert.deepEqual(Object.keys(saved.properties), ["name", "address", "id_number", "bank_card", "income", "members", "per_capita"]);
    await page.screenshot({ path: join(SHOTS, "ybt21-builder-filed.png"), fullPage: true });
  });
});
