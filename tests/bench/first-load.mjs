// First load of the village app on a village worker's phone (issue 14), in
// headless Chromium: a fresh browser context (cold cache), a phone
// viewport, and the network emulated over CDP as a slow rural link —
// 150 ms latency, 1.6 Mbps down, 750 kbps up. As the village staff user
// `cun`: open the site, sign in, wait for the inbox, open the first open
// task that is not a survey, and type into its first editable cell.
// Prints, per run and the worst of all runs:
//
//   - bytes on the wire (encoded body + headers, every request the page
//     made) from navigation until the cell took the typed character;
//   - time until the sign-in form is usable: its user name input shown,
//     which is when it takes the credentials and sends them — the page's
//     own form (index.html, sent by boot.js while the wasm downloads, shown
//     once `GET /api/auth/me` says nobody is signed in) or, if the app has
//     started by then, the app's;
//   - time until the first form input (the typed character is in the cell);
//   - each office family's bundle size, gzip level 9 (frontend/dist/{office,authoring,review,surveys,ledger}_bg.wasm).
//
// Not a test: it measures (see BENCHMARKS.md, issue 14). Run against
// `cargo xtask run` (demo data: every shipped template is a task of every
// village):
//
//   node tests/bench/first-load.mjs [--base URL] [--runs N]
//
// Content coding: Cloudflare's front line sends Brotli to a browser that
// accepts it (the village wasm as the build stored it, worker/src/bundles.rs;
// every other answer compressed on the fly). `wrangler dev`'s front line
// (miniflare) instead picks the first coding the browser lists, and Chromium
// lists gzip first. So the script asks with Brotli listed first
// (`Accept-Encoding: br, gzip, deflate, zstd`), which makes the local front
// line choose what Cloudflare's chooses; `--gzip` keeps Chromium's own header
// and measures what `wrangler dev` sends a browser by default.
//
// The service worker is blocked: its install precaches the app's files
// after they were fetched, from the HTTP cache, and is not on the path to
// the first input; CDP would not see (nor throttle) its requests anyway.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

import { BASE, PASSWORD, ROOT, arg } from "./common.mjs";

const RUNS = Number(arg("--runs", 3));
// `--requests`: also list every request of each run (path, bytes, when it
// was sent and finished, in seconds from navigation).
const LIST = process.argv.includes("--requests");
const GZIP = process.argv.includes("--gzip");
const LATENCY_MS = 150;
const DOWN = (1.6e6 / 8) | 0; // bytes per second
const UP = (750e3 / 8) | 0;
const PHONE = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  serviceWorkers: "block",
  userAgent: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
};

async function run(browser) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: LATENCY_MS, downloadThroughput: DOWN, uploadThroughput: UP });
  if (!GZIP) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "br, gzip, deflate, zstd" } });
  const codings = new Map();
  cdp.on("Network.responseReceived", (e) => {
    const coding = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === "content-encoding")?.[1] ?? "none";
    codings.set(coding, (codings.get(coding) ?? 0) + 1);
  });
  const bytes = new Map();
  const urls = new Map();
  const sent = new Map();
  const done = new Map();
  cdp.on("Network.requestWillBeSent", (e) => {
    urls.set(e.requestId, `${e.request.method} ${new URL(e.request.url).pathname}`);
    sent.set(e.requestId, performance.now());
  });
  cdp.on("Network.loadingFinished", (e) => {
    bytes.set(e.requestId, e.encodedDataLength);
    done.set(e.requestId, performance.now());
  });
  cdp.on("Network.loadingFailed", (e) => bytes.set(e.requestId, bytes.get(e.requestId) ?? 0));

  const start = performance.now();
  await page.goto(BASE, { waitUntil: "commit" });
  const username = page.locator("#username");
  await username.waitFor({ state: "visible", timeout: 120_000 });
  const loginMs = performance.now() - start;
  await username.fill("cun");
  await page.locator("#password").fill(PASSWORD);
  // Which form sends the sign-in: the page's own (the wasm still on its way)
  // or the app's.
  const form = await page.evaluate(() => (document.querySelector("form#login[data-boot]") ? "page" : "app"));
  await page.locator("#login button[type=submit]").tap();
  // The first open task that is not a survey (a survey starts without rows).
  const row = page.locator('#inbox tr.task:not([data-status="submitted"]):not([data-template*="survey"])').first();
  await row.waitFor({ timeout: 120_000 });
  const task = await row.getAttribute("data-task");
  await row.locator("button.open-task").tap();
  const cell = page
    .locator(`.task-form[data-task="${task}"] input[id^="input-"]:not([readonly]):not([disabled]):is([type=text],[type=tel],:not([type]))`)
    .first();
  await cell.waitFor({ timeout: 120_000 });
  const before = await cell.inputValue();
  await cell.focus();
  await page.keyboard.type("7");
  await page.waitForFunction(
    ([id, was]) => document.getElementById(id)?.value !== was,
    [await cell.getAttribute("id"), before],
    { timeout: 60_000, polling: 10 },
  );
  const inputMs = performance.now() - start;
  // Requests still in flight count with what has arrived so far.
  const wire = [...bytes.values()].reduce((a, b) => a + b, 0);
  const largest = [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)
    .map(([id, n]) => `${(urls.get(id) ?? "").split(" ")[1]} ${n.toLocaleString("en")}`);
  const secs = (t) => (t === undefined ? "…" : ((t - start) / 1000).toFixed(2));
  const listing = [...urls.entries()].map(([id, url]) => `  ${secs(sent.get(id))}–${secs(done.get(id))} s  ${url}  ${(bytes.get(id) ?? 0).toLocaleString("en")}`);
  await context.close();
  const coded = [...codings.entries()].map(([c, n]) => `${c} ×${n}`).join(", ");
  return { wire, loginMs, inputMs, task, largest, requests: bytes.size, listing, form, coded };
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const runs = [];
for (let i = 0; i < RUNS; i++) {
  const r = await run(browser);
  runs.push(r);
  console.log(`run ${i + 1}: ${r.wire.toLocaleString("en")} bytes on the wire in ${r.requests} requests until the first form input ` +
    `(task ${r.task}; largest: ${r.largest.join(", ")}); login usable ${(r.loginMs / 1000).toFixed(2)} s, ` +
    `first form input ${(r.inputMs / 1000).toFixed(2)} s; signed in through the ${r.form}'s form; answers coded ${r.coded}`);
  if (LIST) console.log(r.listing.join("\n"));
}
await browser.close();

const families = ["office", "authoring", "review", "surveys", "ledger"].map((name) => [name, readFileSync(join(ROOT, `frontend/dist/${name}_bg.wasm`))]);
const village = readFileSync(join(ROOT, "frontend/dist/app_bg.wasm"));
const gz = (b) => gzipSync(b, { level: 9 }).length;
const br = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 } }).length;
const worst = (f) => Math.max(...runs.map(f));
console.log(
  `first load, village user, ${RUNS} runs (cold cache, ${LATENCY_MS} ms latency, 1.6 Mbps down / 750 kbps up, 360×740 phone, ` +
  `${GZIP ? "Chromium's Accept-Encoding: gzip as wrangler dev picks it" : "Brotli as Cloudflare's front line picks it"}), worst: ` +
  `${worst((r) => r.wire).toLocaleString("en")} bytes on the wire until the first form input (target ≤ 256,000); ` +
  `login usable ${(worst((r) => r.loginMs) / 1000).toFixed(2)} s (target ≤ 3 s); ` +
  `first form input ${(worst((r) => r.inputMs) / 1000).toFixed(2)} s (target ≤ 4 s). ` +
  `Village wasm ${village.length.toLocaleString("en")} bytes raw, ${gz(village).toLocaleString("en")} gzip-9, ${br(village).toLocaleString("en")} Brotli-11; ` +
  `office families' wasm (target ≤ 600 KB gzip each): ` +
  families.map(([name, b]) => `${name} ${b.length.toLocaleString("en")} raw, ${gz(b).toLocaleString("en")} gzip-9`).join("; ") + ". " +
  `Load average at the end: ${loadavg()[0].toFixed(1)}`,
);
