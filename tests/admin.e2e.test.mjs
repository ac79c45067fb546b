// Issue 20: the administrator's pages as an administrator uses them, typed
// key by key — an account created with the org unit picked by name and a
// password under the national baseline, a grant changed per record type
// and item with a confirmation, a password reset that makes the user set a
// new one before anything else, an account disabled and re-enabled, and the
// audit log filtered, paged and exported; at 1366 × 768 and on a 390 px
// phone with touch, every control named. Screenshots go to
// target/screenshots/ to be looked at.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { BASE, NEW_PASSWORD, PASSWORD, api, login } from "./helpers.mjs";

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1366, height: 768 } };
const SHOTS = new URL("../target/screenshots/", import.meta.url);
const TYPING = { delay: 30 };
const TEMPORARY = "Linshi#Mima2026";
const CHOSEN = "Wode-Xin#Mima7";

describe("the administrator's accounts, grants and audit log", () => {
  let browser, admin, cun, villageName, townName;
  const username = `wang${randomUUID().slice(0, 6)}`;
  const displayName = "王芳测试";

  before(async () => {
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
    await mkdir(SHOTS, { recursive: true });
    [admin, cun] = await Promise.all([login("admin"), login("cun")]);
    const units = await api("GET", `/api/org-units?parent=${cun.me.org_unit.slice(0, 9)}`, undefined, { session: admin.session });
    villageName = units.json.children.find((u) => u.code === cun.me.org_unit).name;
    townName = units.json.parent.name;
  });
  after(async () => {
    await browser?.close();
  });

  async function open(device, who = "admin", password = PASSWORD) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await page.goto(BASE);
    await page.locator("#username").click();
    await page.keyboard.type(who, TYPING);
    await page.locator("#password").click();
    await page.keyboard.type(password, TYPING);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("#user");
    return { context, page };
  }
  async function openAdmin(device) {
    const opened = await open(device);
    await opened.page.click("#nav-admin");
    await opened.page.waitForSelector('#users tr[data-user="cun"]');
    return opened;
  }
  const shoot = (page, name) => page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
  const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const row = (page, user) => page.locator(`#users tr[data-user="${user}"]`);

  /** Every control in the accessibility tree has a name (not a symbol). */
  async function everyControlNamed(context, page) {
    const cdp = await context.newCDPSession(page);
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const controls = nodes.filter((n) => !n.ignored && ["textbox", "searchbox", "combobox", "button", "checkbox", "tab", "link"].includes(n.role?.value));
    assert.ok(controls.length > 3, `found ${controls.length} controls`);
    const unnamed = controls.filter((n) => !(n.name?.value ?? "").trim());
    assert.deepEqual(unnamed.map((n) => n.role.value), [], "every control has a name");
    return controls.map((n) => n.name.value);
  }

  it("creates an account with the org unit picked by name and refuses a weak password in Chinese", async () => {
    const { context, page } = await openAdmin(DESKTOP);
    await page.click("#tab-create");
    await page.locator('#new-user input[name="username"]').click();
    await page.keyboard.type(username, TYPING);
    await page.locator('#new-user input[name="display_name"]').click();
    await page.keyboard.type(displayName, TYPING);
    // The village is found by part of its name, shown with its town.
    await page.locator('#new-user input[name="org_unit_search"]').click();
    await page.keyboard.type(villageName, TYPING);
    const hit = page.locator(`#org-hits button[data-code="${cun.me.org_unit}"]`);
    await hit.waitFor();
    assert.match(await hit.textContent(), new RegExp(`${villageName}.*村（社区）.*${townName}`));
    await hit.click();
    assert.match(await page.textContent("#org-chosen"), new RegExp(villageName));
    // A password below the baseline: told why, in Chinese, under the field.
    await page.locator('#new-user input[name="password"]').click();
    await page.keyboard.type("mimamima12", TYPING);
    await page.click("#new-user button[type=submit]");
    const message = page.locator('[data-error-for="password"]');
    await page.waitForFunction(() => document.querySelector('[data-error-for="password"]')?.textContent.length > 0);
    assert.match(await message.textContent(), /至少三类/);
    assert.equal(await page.getAttribute('#new-user input[name="password"]', "aria-invalid"), "true");
    assert.equal(await page.textContent("#user-created"), "", "nothing was created");
    await page.locator('#new-user input[name="password"]').fill("");
    await page.locator('#new-user input[name="password"]').click();
    await page.keyboard.type(NEW_PASSWORD, TYPING);
    await page.click("#new-user button[type=submit]");
    await page.waitForFunction(() => document.querySelector("#user-created")?.textContent.length > 0);
    const created = await page.textContent("#user-created");
    assert.ok(created.includes(displayName) && created.includes(username) && created.includes(villageName), created);
    const names = await everyControlNamed(context, page);
    assert.ok(names.some((n) => n.startsWith("所属单位")), names.join(" | "));
    assert.equal(await sideways(page), 0, "the form fits 1366 px");
    await shoot(page, "admin-create-desktop");
    await context.close();
  });

  it("changes a grant per record type and item only after a confirmation, and logs it", async () => {
    const { context, page } = await openAdmin(DESKTOP);
    await row(page, username).waitFor();
    assert.match(await row(page, username).locator(".acct-status").textContent(), /正常/);
    await row(page, username).locator("button.grants-open").click();
    const editor = page.locator("#grant-editor");
    await editor.waitFor();
    // Grouped by record type, each item by its title: no column of look-alike headers.
    const legends = await editor.locator("legend").allTextContents();
    assert.ok(legends.includes("人员"), legends.join(","));
    assert.equal(new Set(legends).size, legends.length, "each record type once");
    await editor.getByRole("checkbox", { name: "人员·身份证号" }).check();
    let users = await api("GET", "/api/users", undefined, { session: admin.session });
    assert.deepEqual(users.json.find((u) => u.username === username).grants, [], "a tick alone stores nothing");
    await page.click("#grant-save");
    const confirm = page.locator("#grant-confirm");
    await confirm.waitFor();
    assert.match(await confirm.textContent(), /新增：人员·身份证号/);
    await shoot(page, "admin-grant-confirm-desktop");
    await page.click("#grant-confirm-yes");
    await page.waitForFunction(() => document.querySelector("#admin-notice")?.textContent.includes("授权"));
    users = await api("GET", "/api/users", undefined, { session: admin.session });
    assert.deepEqual(users.json.find((u) => u.username === username).grants, ["person.id_number"]);
    assert.match(await row(page, username).locator(".grants").textContent(), /人员·身份证号/);
    const id = users.json.find((u) => u.username === username).user_id;
    const events = await api("GET", `/api/audit/accounts?user=${id}`, undefined, { session: admin.session });
    assert.deepEqual(events.json.events[0].added, ["person.id_number"]);
    assert.equal(events.json.events[0].actor_name, admin.me.display_name);
    assert.equal(await sideways(page), 0, "the accounts fit 1366 px");
    await everyControlNamed(context, page);
    await shoot(page, "admin-accounts-desktop");
    await context.close();
  });

  it("resets a password: the user must set a new one before anything else, typed key by key", async () => {
    const admin_ = await openAdmin(DESKTOP);
    await row(admin_.page, username).locator("button.reset-open").click();
    await admin_.page.locator('input[name="reset_password"]').click();
    await admin_.page.keyboard.type(TEMPORARY, TYPING);
    await admin_.page.click("#reset-submit");
    await admin_.page.locator("#reset-confirm").waitFor();
    await admin_.page.click("#reset-confirm-yes");
    await admin_.page.waitForFunction(() => document.querySelector("#admin-notice")?.textContent.includes("重置"));
    await row(admin_.page, username).locator(".acct-status", { hasText: "待本人改密" }).waitFor();
    await admin_.context.close();

    const { context, page } = await open(PHONE, username, TEMPORARY);
    await page.locator("#change-password").waitFor();
    assert.equal(await page.locator("#nav-surveys").count(), 0, "nothing else is offered");
    await page.locator("#current_password").click();
    await page.keyboard.type(TEMPORARY, TYPING);
    await page.locator("#new_password").click();
    await page.keyboard.type(`${username}#A1`, TYPING);
    await page.locator("#repeat_password").click();
    await page.keyboard.type(`${username}#A1`, TYPING);
    await page.click("#change-password button[type=submit]");
    await page.waitForFunction(() => document.querySelector('[data-error-for="new_password"]')?.textContent.length > 0);
    assert.match(await page.textContent('[data-error-for="new_password"]'), /不能包含用户名/);
    await shoot(page, "admin-forced-change-phone");
    assert.equal(await sideways(page), 0, "the page fits a 390 px phone");
    for (const field of ["#new_password", "#repeat_password"]) {
      await page.locator(field).fill("");
      await page.locator(field).click();
      await page.keyboard.type(CHOSEN, TYPING);
    }
    await page.click("#change-password button[type=submit]");
    await page.waitForSelector("#nav-surveys");
    assert.equal(await page.locator("#change-password").count(), 0);
    await context.close();
    await login(username, CHOSEN);
  });

  it("disables an account (its open session ends at once) and re-enables it", async () => {
    const user = await login(username, CHOSEN);
    const { context, page } = await openAdmin(DESKTOP);
    await row(page, username).locator("button.disable").click();
    await page.locator("#disable-confirm").waitFor();
    assert.match(await page.textContent("#disable-confirm"), new RegExp(`确认停用 ${displayName}`));
    await page.click("#disable-confirm-yes");
    await row(page, username).locator("button.enable").waitFor();
    await row(page, username).locator(".acct-status", { hasText: "已停用" }).waitFor();
    assert.equal((await api("GET", "/api/tasks", undefined, { session: user.session })).status, 401, "signed out at once");
    await row(page, username).locator("button.enable").click();
    await row(page, username).locator("button.disable").waitFor();
    await login(username, CHOSEN);
    // The administrator's own row offers no way to lock themselves out silently.
    await row(page, "admin").locator("button.disable").click();
    await page.click("#disable-confirm-yes");
    await page.waitForSelector("p.error[role=alert]");
    assert.match(await page.textContent("p.error[role=alert]"), /不能停用自己的账户/);
    await context.close();
  });

  it("shows the audit log with names, Beijing time and villages; filters, pages and exports it", async () => {
    // Reads to find: a routine one by cun, and one under a grant by a specialist.
    await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, { session: cun.session });
    const specialist = `zy${randomUUID().slice(0, 6)}`;
    const created = await api("POST", "/api/users", {
      username: specialist, display_name: "授权专员", role: "admin_specialist", org_unit: cun.me.org_unit.slice(0, 6), password: NEW_PASSWORD,
    }, { session: admin.session });
    assert.equal(created.status, 201, created.text);
    await api("PUT", `/api/users/${created.json.user_id}/grants`, { items: ["person.id_number"] }, { session: admin.session });
    const granted = await login(specialist, NEW_PASSWORD);
    assert.equal((await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, { session: granted.session })).status, 200);

    const { context, page } = await openAdmin(DESKTOP);
    await page.click("#tab-audit");
    await page.locator("#audit li.audit-entry").first().waitFor();
    // The reads that matter first: no routine read in the default view.
    const shown = await page.locator("#audit li.audit-entry").evaluateAll((els) => els.map((e) => e.dataset.class));
    assert.ok(shown.length > 0 && shown.every((c) => c !== "routine"), shown.join(","));
    assert.ok((await page.locator("#audit .who").allTextContents()).includes("授权专员"), "the read under a grant is in view");
    const first = page.locator("#audit li.audit-entry").first();
    assert.match(await first.locator(".when").textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d$/);

    await page.selectOption('#audit-filters select[name="class"]', "routine");
    await page.selectOption('#audit-filters select[name="user"]', cun.me.user_id);
    await page.click("#audit-apply");
    await page.waitForFunction(() => [...document.querySelectorAll("#audit li.audit-entry")].every((e) => e.dataset.class === "routine"));
    const who = await page.locator("#audit .who").allTextContents();
    assert.ok(who.length > 0 && who.every((w) => w === cun.me.display_name), `names, not user names: ${who.join(",")}`);
    const units = await page.locator("#audit .units").allTextContents();
    assert.ok(units.every((u) => u === villageName), units.join(","));
    assert.match(await page.textContent("#audit-page"), /第 1 \/ \d+ 页/);
    const total = Number((await page.textContent("#audit-count")).match(/\d+/)[0]);
    if (total > 20) {
      await page.click("#audit-next");
      await page.waitForFunction(() => /第 2 /.test(document.querySelector("#audit-page")?.textContent));
    }
    const href = await page.getAttribute("#audit-export", "href");
    assert.match(href, new RegExp(`user=${cun.me.user_id}`));
    assert.match(href, /class=routine/);
    const csv = await page.evaluate(async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer()).slice(0, 3).join(","), href);
    assert.equal(csv, "239,187,191", "the CSV starts with a BOM");

    // An invalid period is refused in words.
    await page.locator('#audit-filters input[name="from"]').fill("2026-11-30");
    await page.locator('#audit-filters input[name="to"]').fill("2026-11-01");
    await page.click("#audit-apply");
    await page.waitForSelector("p.error[role=alert]");
    assert.match(await page.textContent("p.error[role=alert]"), /截止日期不能早于起始日期/);

    const events = page.locator("#account-events li");
    await events.first().waitFor();
    assert.ok((await page.textContent("#account-events")).includes("调整明文查看授权"));
    await everyControlNamed(context, page);
    assert.equal(await sideways(page), 0, "the audit log fits 1366 px");
    await shoot(page, "admin-audit-desktop");
    await context.close();
  });

  it("fits a 390 px phone: accounts as cards, the grant editor, the picker and the audit log", async () => {
    const { context, page } = await openAdmin(PHONE);
    assert.equal(await sideways(page), 0, "the accounts fit the phone");
    const box = await row(page, "cun").boundingBox();
    assert.ok(box.width <= 390, `a card is ${box.width} px wide`);
    const nameBox = await row(page, "cun").locator(".name strong").boundingBox();
    assert.ok(nameBox.width > 40, "a name is not wrapped one character per line");
    await shoot(page, "admin-accounts-phone");
    await row(page, username).locator("button.grants-open").tap();
    await page.locator("#grant-editor").waitFor();
    assert.equal(await sideways(page), 0, "the grant editor fits the phone");
    for (const button of await page.locator("#users button").all()) {
      const b = await button.boundingBox();
      if (b) assert.ok(b.height >= 44, `buttons are big enough to tap: ${await button.textContent()} ${b.height}`);
    }
    await page.locator("#grant-editor").screenshot({ path: new URL("admin-grants-phone.png", SHOTS).pathname });
    await page.locator("#tab-create").tap();
    await page.locator('#new-user input[name="org_unit_search"]').tap();
    await page.keyboard.type(villageName.slice(0, 1), TYPING);
    await page.locator("#org-hits button").first().waitFor();
    assert.equal(await sideways(page), 0, "the account form fits the phone");
    await shoot(page, "admin-create-phone");
    await page.locator("#tab-audit").tap();
    await page.locator("#audit li.audit-entry").first().waitFor();
    assert.equal(await sideways(page), 0, "the audit log fits the phone");
    await everyControlNamed(context, page);
    await shoot(page, "admin-audit-phone");
    await context.close();
  });
});
