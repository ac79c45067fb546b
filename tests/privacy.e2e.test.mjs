// Issue 13 in the browser: signing out of a shared village PC leaves
// nothing personal behind in localStorage (task drafts, survey forms, rows,
// outbox and photos) and IndexedDB (kept photos), asking first when reports
// could not be sent, while the browser's other settings stay.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { BASE, PASSWORD } from "./helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe("sign-out on a shared PC", () => {
  let browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
  });
  after(async () => {
    await browser?.close();
  });

  it("clears the user's drafts and survey outbox from localStorage", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(BASE);
    await page.fill("#username", "cun");
    await page.fill("#password", PASSWORD);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    const personal = {
      "ybt-draft:task-1": JSON.stringify({ submission_id: "s", rows: [{ subject_id: "p", values: { phone: "13800000000" } }] }),
      "ybt-survey-outbox": JSON.stringify([{ submission_id: "o", rows: [] }]),
      "ybt-survey-photos": "{}",
      "ybt-survey-form:task-2": "{}",
      "ybt-survey-rows:task-2": "[]",
    };
    await page.evaluate((items) => {
      for (const [key, value] of Object.entries(items)) localStorage.setItem(key, value);
      localStorage.setItem("unrelated-setting", "kept");
    }, personal);
    await page.click("#logout");
    await page.waitForSelector("#login");
    const left = await page.evaluate(() => Object.keys(localStorage));
    for (const key of Object.keys(personal)) assert.ok(!left.includes(key), `${key} survives sign-out: ${left}`);
    assert.ok(left.includes("unrelated-setting"), "only the user's work is removed");
    await page.close();
  });

  it("deletes the photos kept in IndexedDB, and asks before dropping reports that could not be sent", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(BASE);
    await page.fill("#username", "cun");
    await page.fill("#password", PASSWORD);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    // A photo kept for a report, as survey_io keeps it: store "photos", key "<user>/<hash>".
    await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open("ybt-survey", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("photos");
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction("photos", "readwrite");
        tx.objectStore("photos").put(new Uint8Array([0xff, 0xd8, 0xff]), "cun/abc");
        tx.oncomplete = () => { open.result.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
    }));
    // A report queued while offline (the outbox of the signed-in user).
    const queued = [{ submission_id: "queued-1", template_id: "typhoon", template_version: 1, org_unit: "500118001001", rows: [], label: "台风受灾摸排表" }];
    await page.evaluate((q) => localStorage.setItem("ybt-survey-outbox:cun", JSON.stringify(q)), queued);
    await context.setOffline(true);

    // Offline, with one report unsent: sign-out asks; saying no keeps everything.
    let asked = "";
    page.once("dialog", async (dialog) => { asked = dialog.message(); await dialog.dismiss(); });
    await page.tap("#logout");
    await page.waitForTimeout(500);
    assert.match(asked, /1 份填报没有发出/, `sign-out asks before dropping the queue: "${asked}"`);
    assert.ok(await page.isVisible("#user"), "declining keeps the person signed in");
    assert.ok(await page.evaluate(() => localStorage.getItem("ybt-survey-outbox:cun") !== null), "declining keeps the queue");

    // Saying yes signs out and leaves nothing: no outbox, no photo database.
    page.once("dialog", (dialog) => dialog.accept());
    await page.tap("#logout");
    await page.waitForSelector("#login");
    assert.equal(await page.evaluate(() => localStorage.getItem("ybt-survey-outbox:cun")), null);
    const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
    assert.ok(!databases.includes("ybt-survey"), `the photo database survives sign-out: ${databases}`);
    await context.close();
  });
});
