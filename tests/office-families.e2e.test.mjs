// Issue 14, the office app in page families, in Chromium: the town centre
// (`zhen`) signs in at / (the village app), is handed to the office app's
// home family (/office), opens the ledger (its own bundle, /ledger), comes
// back home, opens review (the review family, /review) and goes on to
// dispatch (home family again); a department (`minzheng`) goes from home to
// authoring (/authoring) and on to dispatch. Each family is a page load of its own
// bundle: the session (cookie and the signed-in user) survives every one,
// no sign-in form appears, and no bundle's wasm crosses the network twice —
// a family opened again comes from the browser's cache (or a 304), and a
// page's preload and boot.js's fetch of its wasm are one download.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { BASE, PASSWORD, login } from "./helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const TYPING = { delay: 30 };
// Fewer bytes than this for a wasm means it did not come over the network
// (a cache hit, or a 304's headers): every bundle is hundreds of KB.
const HEADERS_ONLY = 10_000;

describe("the office app's page families", () => {
  let browser, zhen, minzheng;

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    [zhen, minzheng] = await Promise.all([login("zhen"), login("minzheng")]);
  });
  after(async () => {
    await browser?.close();
  });

  it("walks home → ledger → home → review → dispatch, one sign-in, each bundle downloaded once", async () => {
    // The service worker would answer the page's fetches itself (network
    // first): blocked here so that what crosses the network is what the
    // page's own requests show. The offline tests cover the service worker.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, serviceWorkers: "block" });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    const wasm = new Map(); // requestId → path
    const received = []; // { path, bytes }
    cdp.on("Network.requestWillBeSent", ({ requestId, request }) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith("_bg.wasm")) wasm.set(requestId, path);
    });
    cdp.on("Network.loadingFinished", ({ requestId, encodedDataLength }) => {
      if (wasm.has(requestId)) received.push({ path: wasm.get(requestId), bytes: encodedDataLength });
    });

    await page.goto(BASE);
    await page.locator("#username").click();
    await page.keyboard.type("zhen", TYPING);
    await page.locator("#password").click();
    await page.keyboard.type(PASSWORD, TYPING);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#open-ledger", { timeout: 30_000 });
    const session = (await context.cookies()).map((c) => `${c.name}=${c.value}`).sort();
    assert.ok(session.length > 0, "a session cookie");

    const signedIn = async (path) => {
      assert.equal(new URL(page.url()).pathname, path, `served by ${path}`);
      assert.equal(await page.locator("#user .me-name").textContent(), zhen.me.display_name, `still signed in at ${path}`);
      assert.equal(await page.locator("#login").count(), 0, `no sign-in form at ${path}`);
    };
    await signedIn("/office");

    await page.click("#open-ledger");
    await page.waitForSelector("li.ledger-row", { timeout: 30_000 });
    await signedIn("/ledger");

    await page.locator("button.back").first().click();
    await page.waitForSelector("#open-ledger", { timeout: 30_000 });
    await signedIn("/office");

    await page.click("#nav-review");
    await page.waitForSelector("h2:has-text('报表准入审核')", { timeout: 30_000 });
    await signedIn("/review");

    await page.click("#nav-dispatch");
    await page.waitForSelector("#dispatch-template", { timeout: 30_000 });
    await signedIn("/office");

    assert.deepEqual((await context.cookies()).map((c) => `${c.name}=${c.value}`).sort(), session, "the same session throughout");

    const downloads = {};
    for (const { path, bytes } of received) {
      downloads[path] ??= { loads: 0, downloads: 0 };
      downloads[path].loads += 1;
      if (bytes > HEADERS_ONLY) downloads[path].downloads += 1;
    }
    assert.deepEqual(
      downloads,
      {
        "/app_bg.wasm": { loads: 1, downloads: 1 },
        "/office_bg.wasm": { loads: 3, downloads: 1 },
        "/ledger_bg.wasm": { loads: 1, downloads: 1 },
        "/review_bg.wasm": { loads: 1, downloads: 1 },
      },
      `each family's wasm loaded once per page load, downloaded once: ${JSON.stringify(received)}`,
    );
    await context.close();
  });

  it("takes a department from home to authoring and on to dispatch, signed in throughout", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, serviceWorkers: "block" });
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").click();
    await page.keyboard.type("minzheng", TYPING);
    await page.locator("#password").click();
    await page.keyboard.type(PASSWORD, TYPING);
    await page.click("#login button[type=submit]");
    await page.waitForURL(/\/office/, { timeout: 30_000 });
    await page.waitForSelector("#nav-authoring", { timeout: 30_000 });
    const signedIn = async (path) => {
      assert.equal(new URL(page.url()).pathname, path, `served by ${path}`);
      assert.equal(await page.locator("#user .me-name").textContent(), minzheng.me.display_name, `still signed in at ${path}`);
      assert.equal(await page.locator("#login").count(), 0, `no sign-in form at ${path}`);
    };
    await signedIn("/office");
    await page.click("#nav-authoring");
    await page.waitForSelector("#tpl-title", { timeout: 30_000 });
    await signedIn("/authoring");
    await page.click("#nav-dispatch");
    await page.waitForSelector("#dispatch-template", { timeout: 30_000 });
    await signedIn("/office");
    await context.close();
  });
});
