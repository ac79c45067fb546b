// Browser test (issue 17): an analyst types a new field titled 家庭住址 key by
// key; the authoring page's duplicate check says it is the ledger's 住址 (by
// alias, how sure, why); one click on 绑定台账 binds it, the finding goes
// and the burden estimate drops. A field repeating a live template links to it.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { BASE, PASSWORD } from "./helpers.mjs";
import { uniqueId } from "./publish-helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

describe("authoring: duplicate findings and one-click binding", () => {
  let browser, page;

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    await page.goto(BASE);
    await page.fill("#username", "minzheng");
    await page.fill("#password", PASSWORD);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    await page.click("#nav-authoring");
    await page.fill("#tpl-id", uniqueId("e2e-dup"));
    await page.selectOption("#tpl-entity", "person");
    await page.click("#tpl-new");
    await page.waitForSelector('#burden[data-prefilled="0"][data-new="0"]');
  });
  after(async () => {
    await browser?.close();
  });

  /** Types into an input one key at a time, as a person does. */
  async function typeInto(selector, text) {
    await page.click(selector);
    await page.keyboard.type(text, { delay: 50 });
  }

  async function addTextField(key, title) {
    await typeInto("#nf-key", key);
    await typeInto("#nf-title", title);
    await page.selectOption("#nf-kind", "text");
    await page.click("#nf-add");
    await page.waitForSelector(`#field-list li[data-key="${key}"]`);
  }

  it("flags 家庭住址 as the ledger's 住址 and binds it with one click", async () => {
    await addTextField("home_address", "家庭住址");
    const finding = page.locator('#findings li.finding[data-key="home_address"]');
    await finding.waitFor();
    assert.equal(await finding.getAttribute("data-target"), "ledger:person.address");
    assert.equal(await finding.getAttribute("data-kind"), "alias");
    assert.equal(await finding.getAttribute("data-confidence"), "high");
    const text = await finding.textContent();
    assert.match(text, /住址/);
    assert.match(text, /别名/, "how it was found, in words");
    assert.match(text, /把握/, "how sure, in words");
    await page.waitForSelector('#burden[data-prefilled="0"][data-new="1"]');
    const before = Number(await page.getAttribute("#burden", "data-minutes"));

    const bind = finding.getByRole("button", { name: /绑定台账/ });
    assert.match(await bind.getAttribute("aria-label"), /家庭住址.*住址/);
    await bind.click();
    await page.waitForSelector('#burden[data-prefilled="1"][data-new="0"]');
    await page.waitForSelector('#findings li.finding[data-key="home_address"]', { state: "detached" });
    const after = Number(await page.getAttribute("#burden", "data-minutes"));
    assert.ok(after < before, `the estimate drops: ${before} → ${after}`);
    const doc = JSON.parse(await page.inputValue("#template-json"));
    assert.equal(doc.properties.home_address["x-ledger"], "person.address");
    assert.equal(doc.properties.home_address.title, "家庭住址", "the department's wording stays");
    assert.ok(await page.locator('#field-list li.field.prefilled[data-key="home_address"]').count());
  });

  it("flags 出生年月 too and leaves the near-miss 出生地 alone", async () => {
    await addTextField("born", "出生年月");
    await addTextField("birthplace", "出生地");
    await page.locator('#findings li.finding[data-key="born"][data-target="ledger:person.birth_date"]').waitFor();
    assert.equal(await page.locator('#findings li.finding[data-key="birthplace"]').count(), 0);
  });

  it("links a field that a live template collects to that template", async () => {
    await typeInto("#nf-key", "income");
    await typeInto("#nf-title", "家庭月收入(元)");
    await page.selectOption("#nf-kind", "number");
    await page.click("#nf-add");
    // Other live templates of the test database may collect it too: one finding per template.
    const finding = page.locator('#findings li.finding[data-key="income"][data-target="template:dibao-monthly-visit/monthly_income"]');
    await finding.waitFor();
    assert.equal(await finding.getAttribute("data-kind"), "exact");
    assert.equal(await finding.getByRole("button", { name: /绑定台账/ }).count(), 0, "nothing to bind");
    const link = finding.locator("a.template-link");
    assert.equal(await link.getAttribute("href"), "#live-dibao-monthly-visit");
    await link.click();
    await page.locator("#live-dibao-monthly-visit").waitFor();
    assert.match(await page.locator("#live-dibao-monthly-visit").textContent(), /家庭月收入/);
  });
});
