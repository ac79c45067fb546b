// Issue 13 in the browser: a village worker on a phone asks, key by key and
// through a pinyin input method, for a person registered in the next
// village to move in; the town centre at its desk sees where the person is
// registered and approves; the village sees the answer.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
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

describe("a transfer request, asked on a phone and decided at a desk", () => {
  let browser, admin, zhen;
  const person = { id: idNumber(), name: `浏览器迁移${Math.floor(Math.random() * 1000)}` };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    [admin, zhen] = await Promise.all([login("admin"), login("zhen")]);
    const cun = await login("cun");
    const villages = await api("GET", `/api/org-units?parent=${zhen.me.org_unit}`, undefined, { session: zhen.session });
    const neighbour = villages.json.children.map((c) => c.code).find((code) => code !== cun.me.org_unit);
    const response = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${neighbour}&commit=true`, {
      method: "POST",
      headers: { "x-yibiaotong": "1", cookie: `ybt_session=${zhen.session}`, "content-type": "application/octet-stream" },
      body: Buffer.from(`姓名,身份证号\r\n${person.name},${person.id}\r\n`, "utf8"),
    });
    assert.equal(response.status, 200, await response.text());
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

  it("the village asks, the centre approves, the village reads the answer", async () => {
    const { context, page } = await signIn(PHONE, "cun");
    await page.locator("#nav-transfers").tap();
    const key = page.getByRole("textbox", { name: "身份证号" });
    await key.tap();
    // A wrong check digit first: refused in words at the field, nothing lost.
    const wrong = person.id.slice(0, 17) + (person.id.endsWith("1") ? "2" : "1");
    await page.keyboard.type(wrong, TYPING);
    await page.getByRole("button", { name: "提交迁移申请" }).tap();
    await page.waitForSelector("#transfer-key-error");
    assert.match(await page.textContent("#transfer-key-error"), /身份证号不正确/);
    assert.equal(await key.getAttribute("aria-invalid"), "true");
    assert.equal(await key.inputValue(), wrong, "what was typed stays");
    await key.tap();
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(person.id.slice(-1), TYPING);
    // The reason through a pinyin input method.
    await page.getByRole("textbox", { name: "原因（选填）" }).tap();
    const cdp = await context.newCDPSession(page);
    for (const text of ["h", "hu", "hun", "hunj", "hunji", "hunjia"]) {
      await cdp.send("Input.imeSetComposition", { text, selectionStart: text.length, selectionEnd: text.length });
    }
    await cdp.send("Input.insertText", { text: "婚嫁迁入" });
    await page.getByRole("button", { name: "提交迁移申请" }).tap();
    await page.waitForFunction(() => document.querySelector("#transfer-message")?.textContent.includes("迁移申请已提交"), null, { timeout: 10000 })
      .catch(async (e) => {
        await page.screenshot({ path: `${SHOTS}transfers-village-phone-failed.png`, fullPage: true });
        throw new Error(`${e.message}\n${await page.textContent("#transfers")}\nkey=${await key.inputValue()} want ${person.id}`);
      });
    const item = page.locator(`li.transfer[data-status="pending"]`, { hasText: person.id });
    await item.waitFor({ timeout: 10000 }).catch(async (e) => {
      await page.screenshot({ path: `${SHOTS}transfers-village-phone-failed.png`, fullPage: true });
      throw new Error(`${e.message}\n${await page.textContent("#transfers")}`);
    });
    assert.ok(!(await page.textContent("#transfers")).includes(person.name), "the village is not told whose record it is");
    // Nothing runs off the phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    await page.screenshot({ path: `${SHOTS}transfers-village-phone.png`, fullPage: true });

    const centre = await signIn(DESKTOP, "zhen");
    await centre.page.locator("#nav-transfers").click();
    const request = centre.page.locator("li.transfer", { hasText: person.id });
    await request.waitFor();
    assert.match(await request.textContent(), new RegExp(`${person.name} · 现登记在`), "the centre sees who and where");
    assert.match(await request.textContent(), /婚嫁迁入/);
    await centre.page.screenshot({ path: `${SHOTS}transfers-centre-desktop.png`, fullPage: true });
    await request.getByRole("button", { name: "同意迁入" }).click();
    await centre.page.waitForFunction(() => document.querySelector("#transfer-message")?.textContent.startsWith("已迁入"));
    await centre.context.close();

    await page.reload();
    await page.waitForSelector("#user");
    await page.locator("#nav-transfers").tap();
    await page.locator(`li.transfer[data-status="approved"]`, { hasText: person.id }).waitFor();
    await context.close();
  });
});
