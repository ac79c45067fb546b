// Issue 16 in the browser: a village worker of 江北 on a phone asks, key by
// key, for a person of 永川 to move in (本区 / 外区, then the district);
// 江北's town centre at its desk agrees to receive; 永川's town centre
// releases; the village reads 已迁入.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, api, login, idNumber } from "./helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url).pathname;
const TYPING = { delay: 40 };

describe("a cross-district transfer, asked on a phone, received and released at desks", () => {
  let browser, zhen, cun;
  const person = { id: idNumber(), name: `跨区浏览器${Math.floor(Math.random() * 1000)}` };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    [zhen, cun] = await Promise.all([login("zhen"), login("cun")]);
    // A person of 永川's ledger, registered here so that no demo record
    // other tests rely on leaves 永川; read back through the API as 永川's centre.
    const response = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${cun.me.org_unit}&commit=true`, {
      method: "POST",
      headers: { "x-yibiaotong": "1", cookie: `ybt_session=${zhen.session}`, "content-type": "application/octet-stream" },
      body: Buffer.from(`姓名,身份证号\r\n${person.name},${person.id}\r\n`, "utf8"),
    });
    assert.equal(response.status, 200, await response.text());
    const ledger = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, { session: zhen.session });
    assert.equal(ledger.status, 200, ledger.text);
    assert.ok(ledger.json.records.some((r) => r.data.id_number === person.id), "the person is live in 永川");
  });
  after(async () => {
    await browser?.close();
  });

  async function signIn(device, username) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").pressSequentially(username, TYPING);
    await page.locator("#password").pressSequentially(PASSWORD);
    await page.locator("#login button[type=submit]").click();
    await page.waitForSelector("#user");
    return { context, page };
  }

  async function shotOnFailure(page, name, promise) {
    return promise.catch(async (e) => {
      await page.screenshot({ path: `${SHOTS}${name}-failed.png`, fullPage: true });
      throw new Error(`${e.message}\n${await page.textContent("#transfers").catch(() => "")}`);
    });
  }

  it("江北's village asks, 江北's centre receives, 永川's centre releases, the village reads 已迁入", async () => {
    const { context, page } = await signIn(PHONE, "jb-cun");
    await page.locator("#nav-transfers").tap();
    // 本区 is the default; 外区 shows the district picker.
    const here = page.getByRole("radio", { name: "本区" });
    await here.waitFor();
    assert.equal(await here.isChecked(), true);
    assert.equal(await page.locator("#transfer-district").count(), 0, "no district picker for 本区");
    await page.getByRole("radio", { name: "外区" }).tap();
    const district = page.getByRole("combobox", { name: "迁出区县" });
    await district.waitFor();
    const names = await district.locator("option").allTextContents();
    assert.ok(names.includes("永川区"), `served districts: ${names}`);
    assert.ok(!names.includes("江北区"), "not the asker's own district");
    // Submitting without a district is refused at the picker.
    const key = page.getByRole("textbox", { name: "身份证号" });
    await key.tap();
    await page.keyboard.type(person.id, TYPING);
    await page.getByRole("button", { name: "提交迁移申请" }).tap();
    await shotOnFailure(page, "transfers-districts-village", page.waitForSelector("#transfer-district-error", { timeout: 10000 }));
    assert.equal(await district.getAttribute("aria-invalid"), "true");
    assert.equal(await key.inputValue(), person.id, "what was typed stays");
    await district.selectOption({ label: "永川区" });
    await page.getByRole("textbox", { name: "原因（选填）" }).tap();
    await page.keyboard.type("婚嫁迁入", TYPING);
    await page.getByRole("button", { name: "提交迁移申请" }).tap();
    await shotOnFailure(page, "transfers-districts-village",
      page.waitForFunction(() => document.querySelector("#transfer-message")?.textContent.includes("跨区迁移申请已提交"), null, { timeout: 10000 }));
    const asked = page.locator(`li.transfer.across[data-status="awaiting_receive"]`, { hasText: person.id });
    await shotOnFailure(page, "transfers-districts-village", asked.waitFor({ timeout: 10000 }));
    const text = await asked.textContent();
    assert.match(text, /跨区/);
    assert.match(text, /待接收/);
    assert.match(text, /永川区 → 迁入/);
    assert.ok(!(await page.textContent("#transfers")).includes(person.name), "the village is not told whose record it is");
    assert.equal(await asked.getByRole("button").count(), 0, "the asker never decides");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: `${SHOTS}transfers-districts-village-phone.png`, fullPage: true });

    // 江北's centre receives, learning nothing of 永川's record.
    const receiver = await signIn(DESKTOP, "jb-zhen");
    await receiver.page.locator("#nav-transfers").click();
    const incoming = receiver.page.locator("li.transfer.across", { hasText: person.id });
    await shotOnFailure(receiver.page, "transfers-districts-receiver", incoming.waitFor({ timeout: 10000 }));
    assert.ok(!(await incoming.textContent()).includes(person.name), "the destination learns nothing of 永川's record");
    await receiver.page.screenshot({ path: `${SHOTS}transfers-districts-receiver-desktop.png`, fullPage: true });
    await incoming.getByRole("button", { name: "同意接收" }).click();
    await shotOnFailure(receiver.page, "transfers-districts-receiver",
      receiver.page.waitForFunction(() => document.querySelector("#transfer-message")?.textContent.includes("已同意接收"), null, { timeout: 10000 }));
    await receiver.page.locator(`li.transfer.across[data-status="awaiting_release"]`, { hasText: person.id }).waitFor();
    await receiver.context.close();

    // 永川's centre sees who and where, and releases.
    const origin = await signIn(DESKTOP, "zhen");
    await origin.page.locator("#nav-transfers").click();
    const outgoing = origin.page.locator(`li.transfer.across[data-status="awaiting_release"]`, { hasText: person.id });
    await shotOnFailure(origin.page, "transfers-districts-origin", outgoing.waitFor({ timeout: 10000 }));
    assert.match(await outgoing.textContent(), new RegExp(`${person.name} · 现登记在`), "the origin sees who and where");
    assert.match(await outgoing.textContent(), /待迁出区审核/);
    await origin.page.screenshot({ path: `${SHOTS}transfers-districts-origin-desktop.png`, fullPage: true });
    await outgoing.getByRole("button", { name: "同意迁出" }).click();
    await shotOnFailure(origin.page, "transfers-districts-origin",
      origin.page.waitForFunction(() => document.querySelector("#transfer-message")?.textContent.startsWith("已迁出"), null, { timeout: 10000 }));
    await origin.context.close();

    // The village reads the answer.
    await page.reload();
    await page.waitForSelector("#user");
    await page.locator("#nav-transfers").tap();
    const moved = page.locator(`li.transfer.across[data-status="moved"]`, { hasText: person.id });
    await shotOnFailure(page, "transfers-districts-village", moved.waitFor({ timeout: 10000 }));
    assert.match(await moved.textContent(), /已迁入/);
    await page.screenshot({ path: `${SHOTS}transfers-districts-moved-phone.png`, fullPage: true });
    // English switchable: the same list in English.
    await page.locator("#lang-switch").tap();
    await page.locator(`li.transfer.across[data-status="moved"]`, { hasText: "cross-district" }).waitFor();
    await page.getByRole("radio", { name: "another district" }).waitFor();
    await page.screenshot({ path: `${SHOTS}transfers-districts-moved-phone-en.png`, fullPage: true });
    await page.locator("#lang-switch").tap();
    await context.close();
    const ledger = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, { session: zhen.session });
    assert.ok(!ledger.json.records.some((r) => r.data.id_number === person.id), "no longer live in 永川");
  });
});
