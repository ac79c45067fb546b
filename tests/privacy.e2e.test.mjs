// Issue 13 in the browser: signing out of a shared village PC leaves
// nothing personal behind in localStorage (task drafts, survey forms, rows,
// outbox and photos), while the browser's other settings stay.
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
});
