// Keystroke-to-paint in the task form of a large village (issue 6), in
// headless Chromium: a 20-column template, a village of 2,000 people, one
// task; type into a cell and measure, per keystroke, from the keydown to
// the frame after it (performance.now() in a capturing keydown listener →
// requestAnimationFrame → MessageChannel: the moment after paint). Not a
// test: it measures (see BENCHMARKS.md). Run against `cargo xtask run`:
//
//   node tests/bench/keystroke.mjs [--base URL] [--state DIR] [--keys N] [--row N] [--unthrottled]
//
// Set-up: imports 2,000 people into cun's village (the file from `cargo
// xtask bench-xlsx`, as tests/bench/ledger.mjs does), then loads the
// template and a task straight into the local D1 with `wrangler d1
// execute` (there is no publish endpoint for templates yet).
import { join } from "node:path";
import { chromium } from "playwright-core";

import { BASE, PASSWORD, ROOT, arg, benchFile, d1, login, percentile, quote } from "./common.mjs";

const STATE = arg("--state", join(ROOT, ".state/wrangler"));
const KEYS = Number(arg("--keys", 50));
const ROW = Number(arg("--row", 1000));
const PEOPLE = 2_000;
// Without vsync (`--unthrottled`), a frame is drawn as soon as there is
// something to draw: keystroke-to-paint is then the work the keystroke
// causes (input, handlers, style, layout, paint), not that work plus the
// wait for the display's next 60 Hz tick, which no page can shorten.
const UNTHROTTLED = process.argv.includes("--unthrottled");
const TEMPLATE_ID = "bench-20-columns";

/** 20 columns: 7 from the ledger, 2 computed, 11 to type. */
function template(village) {
  const ledger = (title, item) => ({ title, "x-ledger": `person.${item}` });
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "基准：二十列走访表",
    "x-template": { id: TEMPLATE_ID, version: 1, department: "区民政局" },
    "x-subject": { entity: "person", filter: { village } },
    type: "object",
    required: ["name", "visited_on", "income", "members"],
    properties: {
      name: ledger("姓名", "name"),
      gender: ledger("性别", "gender"),
      id_number: ledger("身份证号", "id_number"),
      birth_date: ledger("出生日期", "birth_date"),
      ethnicity: ledger("民族", "ethnicity"),
      phone: ledger("联系电话", "phone"),
      address: ledger("住址", "address"),
      age: { title: "年龄", type: "integer", "x-compute": "age(id_number)" },
      visited_on: { title: "走访日期", type: "string", format: "date" },
      income: { title: "家庭月收入（元）", type: "number", minimum: 0, maximum: 1000000 },
      members: { title: "家庭人口", type: "integer", minimum: 1, maximum: 20 },
      per_capita: { title: "人均收入", type: "number", "x-compute": "round(income / members, 2)" },
      condition: { title: "生活状况", type: "string", enum: ["良好", "一般", "困难"] },
      housing: { title: "住房情况", type: "string", enum: ["自有", "租住", "借住"] },
      medical: { title: "医保参保", type: "string", enum: ["已参保", "未参保"] },
      employment: { title: "就业情况", type: "string", maxLength: 40 },
      needs: { title: "主要困难", type: "string", maxLength: 100 },
      helper: { title: "帮扶责任人", type: "string", maxLength: 20 },
      helper_phone: { title: "帮扶人电话", type: "string", format: "cn-mobile" },
      remarks: { title: "备注", type: "string", maxLength: 200 },
    },
  };
}


async function setUp(cun) {
  const village = cun.me.org_unit;
  const imported = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${village}&commit=true`, {
    method: "POST",
    headers: { cookie: cun.cookie, "x-yibiaotong": "1", "content-type": "application/octet-stream" },
    body: benchFile(village, PEOPLE),
  });
  if (imported.status !== 200) throw new Error(`import: ${imported.status} ${(await imported.text()).slice(0, 300)}`);
  const taskId = `bench-keystroke-${village}`;
  const now = new Date().toISOString();
  d1(`INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at)
        VALUES (${quote(TEMPLATE_ID)}, 1, '基准：二十列走访表', '区民政局', ${quote(JSON.stringify(template(village)))}, ${quote(now)});
      DELETE FROM drafts WHERE task_id = ${quote(taskId)};
      INSERT OR REPLACE INTO tasks (id, dispatch_id, template_id, template_version, org_unit, due_date, dispatched_by, dispatched_at, status)
        VALUES (${quote(taskId)}, 'bench-keystroke', ${quote(TEMPLATE_ID)}, 1, ${quote(village)}, '2026-12-31', 'bench', ${quote(now)}, 'not_opened');`, STATE, "bench-keystroke");
  return taskId;
}


const cun = await login("cun");
const taskId = await setUp(cun);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ...(UNTHROTTLED ? ["--disable-gpu-vsync", "--disable-frame-rate-limit"] : [])],
});
const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
await page.goto(BASE);
await page.fill("#username", "cun");
await page.fill("#password", PASSWORD);
await page.click("#login button[type=submit]");
await page.waitForSelector(`#inbox tr[data-task="${taskId}"]`);
const opening = performance.now();
await page.click(`#inbox tr[data-task="${taskId}"] button.open-task`);
await page.waitForSelector(`.task-form[data-task="${taskId}"] #form-table tbody tr[data-subject]`);
const openMs = performance.now() - opening;
const rows = Number(await page.getAttribute("#form-table", "data-rows"));
const columns = await page.locator("#form-table thead th").count() - 1;
const inDom = await page.locator("#form-table tbody tr[data-subject]").count();

// Scroll to the middle of the form, then type into a new field there.
const rowHeight = Number(await page.getAttribute("#form-table", "data-row-height"));
await page.evaluate(([row, height]) => { document.querySelector("#form-scroll").scrollTop = row * height; }, [ROW, rowHeight]);
const input = page.locator(`#cell-${ROW}-needs input`);
await input.waitFor();
await input.click();
await page.evaluate(() => {
  window.__latencies = [];
  // Per keystroke, besides the total: the script it runs (keydown until
  // the input event has reached the window, after the app's delegated
  // handlers and the re-render they schedule as a microtask).
  window.__script = [];
  let start = 0;
  window.addEventListener("input", () => {
    queueMicrotask(() => window.__script.push(performance.now() - start));
  });
  document.addEventListener("keydown", () => {
    start = performance.now();
    const begun = start;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => window.__latencies.push(performance.now() - begun);
      channel.port2.postMessage(null);
    });
  }, true);
});
// Latin letters: each is a real keydown (Playwright inserts CJK text
// without key events, as an IME commit would).
const text = "the children work away from home and send money back ".repeat(4).slice(0, KEYS);
for (const ch of text) {
  await page.keyboard.type(ch);
  await page.waitForTimeout(40);
}
await page.waitForTimeout(300);
const latencies = (await page.evaluate(() => window.__latencies)).sort((a, b) => a - b);
const typed = await input.inputValue();
const typingScript = (await page.evaluate(() => window.__script)).sort((a, b) => a - b);

// Keystrokes that flip a validated cell between valid and invalid: a phone
// number one digit short (invalid), then its last digit (valid), Backspace
// (invalid) and so on. Each of these keys changes the cell's error state.
const phone = page.locator(`#cell-${ROW}-helper_phone input`);
await phone.click();
for (const ch of "1380013800") await page.keyboard.type(ch);
await page.waitForTimeout(200);
await page.evaluate(() => { window.__latencies = []; window.__script = []; });
for (let i = 0; i < KEYS; i++) {
  if (i % 2 === 0) await page.keyboard.type("0"); else await page.keyboard.press("Backspace");
  await page.waitForTimeout(40);
}
await page.waitForTimeout(300);
const flips = (await page.evaluate(() => window.__latencies)).sort((a, b) => a - b);
const flipScript = (await page.evaluate(() => window.__script)).sort((a, b) => a - b);
const flipFocus = await page.evaluate(() => document.activeElement?.closest("td")?.id ?? "");
if (flipFocus !== `cell-${ROW}-helper_phone`) throw new Error(`focus left the phone cell: ${flipFocus}`);

// The floor: the same keystrokes into a plain input outside the app, on the
// same page (same table on screen): what the browser alone costs per frame.
await page.evaluate(() => {
  const plain = document.createElement("input");
  plain.id = "bench-plain";
  document.body.prepend(plain);
  window.__latencies = [];
  window.__script = [];
});
await page.click("#bench-plain");
for (const ch of text) {
  await page.keyboard.type(ch);
  await page.waitForTimeout(40);
}
await page.waitForTimeout(100);
const floor = (await page.evaluate(() => window.__latencies)).sort((a, b) => a - b);
const floorScript = (await page.evaluate(() => window.__script)).sort((a, b) => a - b);
const load = (await import("node:os")).loadavg()[0];
await browser.close();
if (typed !== text) throw new Error(`typed ${JSON.stringify(typed)}, expected ${JSON.stringify(text)}`);
console.log(
  `keystroke-to-paint${UNTHROTTLED ? " (no vsync)" : ""}, ${rows} rows × ${columns} columns (${inDom} rows in the DOM), row ${ROW}, ${latencies.length} keystrokes: ` +
  `p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms ` +
  `(opening the task until the first row painted: ${openMs.toFixed(0)} ms); ` +
  `keystrokes flipping a cell between valid and invalid (${flips.length}): p50 ${percentile(flips, 50).toFixed(1)} ms, ` +
  `p95 ${percentile(flips, 95).toFixed(1)} ms, max ${flips.at(-1).toFixed(1)} ms; ` +
  `a plain input outside the app on the same page: p50 ${percentile(floor, 50).toFixed(1)} ms, p95 ${percentile(floor, 95).toFixed(1)} ms. ` +
  `Script per keystroke (keydown → input handled and re-rendered), p50 / p95: typing ${percentile(typingScript, 50).toFixed(1)} / ` +
  `${percentile(typingScript, 95).toFixed(1)} ms, flips ${percentile(flipScript, 50).toFixed(1)} / ${percentile(flipScript, 95).toFixed(1)} ms, ` +
  `plain input ${percentile(floorScript, 50).toFixed(1)} / ${percentile(floorScript, 95).toFixed(1)} ms. Load average at the end: ${load.toFixed(1)}`,
);
