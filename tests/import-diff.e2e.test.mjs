// Issue 20 in the browser: a village clerk imports an older roster after a
// colleague corrected a phone number on a visit. The preview lists the new
// person and, for the changed person, the field stored → file, says who
// corrected it and when (Beijing time, by name), keeps the correction unless
// ticked, and commits exactly what it showed; when the ledger moves between
// preview and commit, the panel checks again and says so. On a phone
// (390 × 844, touch) and a desktop (1366 × 768); screenshots land in
// target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, api, login, idNumber } from "./helpers.mjs";

/** Part of the names this file gives its people: unique per run. */
const serial = Math.floor(Math.random() * 100000);

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url).pathname;
const TYPING = { delay: 30 };

const csv = (lines) => Buffer.from(lines.join("\r\n") + "\r\n", "utf8");

describe("the import preview shows what an older file would change", () => {
  let browser, cun;
  const as = () => ({ session: cun.session });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    cun = await login("cun");
  });
  after(async () => {
    await browser?.close();
  });

  async function record(id) {
    return (await api("GET", `/api/ledger/records/${id}`, undefined, as())).json.record;
  }

  /** A demo person untouched so far, corrected on a visit now; and the older roster with the old phone. */
  async function scenario(pick) {
    const list = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as());
    const people = list.json.records.filter((p) => p.data.phone && p.version === 1);
    const person = people.at(pick);
    const oldPhone = person.data.phone;
    const corrected = `139${String(Date.now()).slice(-8)}`;
    const r = await api("PATCH", `/api/ledger/records/${person.id}`, { expected_version: 1, patch: { phone: corrected } }, as());
    assert.equal(r.status, 200, r.text);
    const newcomer = idNumber();
    const file = csv([
      "姓名,身份证号,联系电话",
      `${person.data.name},${person.data.id_number},${oldPhone}`,
      `新迁入${serial},${newcomer},`,
      "制表日期：2026年6月1日,,",
    ]);
    return { person, oldPhone, corrected, newcomer, file };
  }

  async function signIn(page, tap) {
    await page.goto(BASE);
    await page.locator("#username")[tap ? "tap" : "click"]();
    await page.keyboard.type("cun", TYPING);
    await page.locator("#password")[tap ? "tap" : "click"]();
    await page.keyboard.type(PASSWORD, TYPING);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#user");
    await page.locator("#open-ledger")[tap ? "tap" : "click"]();
    await page.waitForSelector("#import input.import-file");
  }

  async function preview(page, s, tap) {
    await page.setInputFiles("#import input.import-file", { name: "旧花名册.csv", mimeType: "text/csv", buffer: s.file });
    await page.locator("#import button.import-check")[tap ? "tap" : "click"]();
    await page.waitForSelector("#import [data-phase=previewed] .import-diff");
  }

  /** What the preview says about the corrected person's phone. */
  async function checkDiff(page, s) {
    const panel = page.locator("#import [data-phase=previewed]");
    assert.match(await panel.locator(".import-summary").textContent(), /新增 1，修改 0，不变 1；1 项台账中有更新的修改，保留台账现值/);
    assert.match(await panel.locator(".import-since").textContent(), /文件日期 2026-06-01（取自文件第 4 行）/);
    assert.match(await panel.locator("li.import-added-row").textContent(), new RegExp(`第 3 行：新迁入`));
    const phone = panel.locator(`li.import-change[data-record="${s.person.id}"] li.import-field-change[data-field=phone]`);
    assert.equal(await phone.getAttribute("data-applied"), "false");
    assert.equal(await phone.locator(".stored").textContent(), s.corrected);
    assert.equal(await phone.locator(".file").textContent(), s.oldPhone);
    const said = await phone.locator(".import-newer p").textContent();
    assert.match(said, new RegExp(`由 ${cun.me.display_name}（走访更正）修改，晚于文件日期`), "who, by name, and how");
    assert.match(said, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/, "when, in Beijing time");
    assert.doesNotMatch(said, /T\d{2}:|Z|cun（/, "no UTC, no account name");
    const tick = page.getByRole("checkbox", { name: "仍用文件中的值覆盖「联系电话」" });
    assert.equal(await tick.count(), 1, "the checkbox has an accessible name");
    assert.equal(await tick.isChecked(), false);
    return { phone, tick };
  }

  it("on a phone: the diff fits the screen, and a tap ticks the overwrite", async () => {
    const s = await scenario(-12);
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    await signIn(page, true);
    await preview(page, s, true);
    const { phone, tick } = await checkDiff(page, s);
    await page.locator("#import .import-diff").scrollIntoViewIfNeeded();
    // Nothing of the diff reaches past the phone's right edge.
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll("#import .import-diff *, #import .import-since *, #import .import-summary")]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map((el) => `${el.tagName}.${el.className}: ${Math.round(el.getBoundingClientRect().right)}`),
    );
    assert.deepEqual(overflow, [], "elements past 390 px");
    await page.screenshot({ path: `${SHOTS}import-diff-phone.png`, fullPage: false });
    const box = await tick.boundingBox();
    assert.ok(box.height >= 24 || (await phone.locator("label.import-overwrite").boundingBox()).height >= 44, "a tap target, not a speck");
    await tick.tap();
    await page.waitForSelector(`#import li.import-change[data-record="${s.person.id}"] li[data-field=phone][data-applied=true]`);
    assert.match(await page.locator("#import .import-summary").textContent(), /修改 1/);
    await page.screenshot({ path: `${SHOTS}import-diff-phone-ticked.png`, fullPage: false });
    assert.equal((await record(s.person.id)).data.phone, s.corrected, "a preview writes nothing");
    await context.close();
  });

  it("on a desktop: commits what it showed, keeping the correction; re-checks when the ledger moved", async () => {
    const s = await scenario(-14);
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    await signIn(page, false);
    await preview(page, s, false);
    await checkDiff(page, s);
    await page.locator("#import .import-diff").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}import-diff-desktop.png`, fullPage: false });
    // A colleague edits the person between the preview and the commit.
    const now = await record(s.person.id);
    const moved = await api("PATCH", `/api/ledger/records/${s.person.id}`, { expected_version: now.version, patch: { address: "青峰村五组2号" } }, as());
    assert.equal(moved.status, 200, moved.text);
    await page.click("#import button.import-commit");
    await page.waitForSelector("#import p.import-notice");
    assert.match(await page.locator("#import p.import-notice").textContent(), /预览之后台账已有变动.*未写入任何数据/);
    await page.waitForSelector("#import [data-phase=previewed] .import-diff");
    assert.deepEqual(await record(s.person.id).then((r) => [r.version, r.data.address]), [moved.json.version, "青峰村五组2号"], "nothing written");
    const list = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as());
    assert.ok(!list.json.records.some((p) => p.data.id_number === s.newcomer), "the new person is not registered yet");
    // The new preview still holds the correction back; commit it.
    await checkDiff(page, s);
    await page.click("#import button.import-commit");
    await page.waitForSelector("#import [data-phase=committed]");
    assert.equal((await record(s.person.id)).data.phone, s.corrected, "the newer correction is kept");
    const after = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as());
    assert.ok(after.json.records.some((p) => p.data.id_number === s.newcomer), "the new person is registered");
    await context.close();
  });
});
