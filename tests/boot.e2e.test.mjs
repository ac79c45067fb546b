// The first visit on a village phone (issue 14): while the app's WebAssembly
// downloads over a slow connection (150 ms, 1.6 Mbps, no cache), the shell
// shows how far it is — a named progress bar and the kilobytes so far, going
// up — and nothing overflows a 390 px screen; then the app takes over with
// its sign-in form. Headless Chromium via playwright-core, network shaped
// through CDP. The screenshot lands in target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { chromium } from "playwright-core";
import { BASE } from "./helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const SHOTS = new URL("../target/screenshots/", import.meta.url).pathname;
/** A village phone's connection: 150 ms latency, 1.6 Mbps down. */
const SLOW = { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };

/** The kilobytes the status line says have arrived (0 before any). */
async function kilobytes(page) {
  const text = (await page.locator("#load-status").textContent().catch(() => "")) ?? "";
  const m = /：(?:已下载 )?([\d,]+)/.exec(text);
  return m ? Number(m[1].replaceAll(",", "")) : 0;
}

describe("the first visit on a slow phone connection", () => {
  let browser;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
  });
  after(async () => {
    await browser?.close();
  });

  it("shows the download's progress, then the sign-in form", async () => {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", SLOW);
    await page.goto(BASE, { waitUntil: "commit" });

    const bar = page.getByRole("progressbar", { name: "程序下载进度" });
    await bar.waitFor({ state: "visible" });
    // The count goes up while the wasm streams in.
    const readings = [];
    for (let i = 0; i < 200 && readings.filter((kb) => kb > 0).length < 3; i++) {
      const kb = await kilobytes(page);
      if (kb > (readings.at(-1) ?? 0)) readings.push(kb);
      await page.waitForTimeout(100);
    }
    assert.ok(readings.length >= 3, `the kilobytes shown should rise while downloading: ${readings}`);
    assert.ok(readings.every((kb, i) => i === 0 || kb > readings[i - 1]), `${readings}`);
    assert.match(await page.locator("#load-status").textContent(), /^正在下载程序：/);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the loading page is ${width} px wide on a 390 px phone`);
    await page.screenshot({ path: `${SHOTS}boot-progress-phone.png` });

    // The app starts and replaces the shell with its sign-in form.
    await page.waitForSelector("#login", { timeout: 180_000 });
    assert.equal(await bar.count(), 0, "the progress bar leaves with the shell");
    await context.close();
  });
});
