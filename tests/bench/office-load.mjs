// First load of the office app's page families (issue 14), in headless
// Chromium, under first-load.mjs's conditions: a fresh browser context (cold
// cache) and the network emulated over CDP — 150 ms latency, 1.6 Mbps down,
// 750 kbps up — on a 1366×768 desktop. As the town centre `zhen`: open the
// site, sign in (the village app at /), land on the office home (/office),
// then open the ledger (/ledger) and review (/authoring), each family's first
// visit. Prints, per run and the worst of all runs, for each step: the time
// from its click (the first: from navigation) until the page shows, and the
// bytes on the wire in that step (encoded body + headers of every request).
//
// Not a test: it measures (see BENCHMARKS.md, issue 14). Run against
// `cargo xtask run`:
//
//   node tests/bench/office-load.mjs [--base URL] [--runs N]
//
// The service worker is blocked, and the content coding chosen as
// Cloudflare's front line chooses it (Brotli), as in first-load.mjs;
// `--gzip` keeps Chromium's own `Accept-Encoding` (gzip from `wrangler dev`).
import { loadavg } from "node:os";
import { chromium } from "playwright-core";

import { BASE, PASSWORD, arg } from "./common.mjs";

const RUNS = Number(arg("--runs", 3));
const GZIP = process.argv.includes("--gzip");
const LATENCY_MS = 150;
const DOWN = (1.6e6 / 8) | 0; // bytes per second
const UP = (750e3 / 8) | 0;
const DESKTOP = { viewport: { width: 1366, height: 768 }, serviceWorkers: "block" };

async function run(browser) {
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: LATENCY_MS, downloadThroughput: DOWN, uploadThroughput: UP });
  if (!GZIP) await cdp.send("Network.setExtraHTTPHeaders", { headers: { "Accept-Encoding": "br, gzip, deflate, zstd" } });
  const bytes = new Map();
  cdp.on("Network.loadingFinished", (e) => bytes.set(e.requestId, e.encodedDataLength));
  const wire = () => [...bytes.values()].reduce((a, b) => a + b, 0);

  const steps = [];
  let start = performance.now();
  let before = 0;
  const step = async (name, selector) => {
    await page.waitForSelector(selector, { timeout: 180_000 });
    const now = wire();
    steps.push({ name, ms: performance.now() - start, bytes: now - before, path: new URL(page.url()).pathname });
    before = now;
    start = performance.now();
  };
  await page.goto(BASE, { waitUntil: "commit" });
  await step("sign-in form", "#username");
  await page.locator("#username").fill("zhen");
  await page.locator("#password").fill(PASSWORD);
  start = performance.now();
  await page.locator("#login button[type=submit]").click();
  await step("office home", "#open-ledger");
  await page.click("#open-ledger");
  await step("ledger", "li.ledger-row");
  await page.click("#nav-review");
  await step("review", "article.request, section.panel h2");
  await context.close();
  return steps;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const runs = [];
for (let i = 0; i < RUNS; i++) {
  const steps = await run(browser);
  runs.push(steps);
  console.log(`run ${i + 1}: ` + steps.map((s) => `${s.name} (${s.path}) ${(s.ms / 1000).toFixed(2)} s, ${s.bytes.toLocaleString("en")} B`).join("; "));
}
await browser.close();
const worst = runs[0].map((s, i) => ({
  name: s.name,
  ms: Math.max(...runs.map((r) => r[i].ms)),
  bytes: Math.max(...runs.map((r) => r[i].bytes)),
}));
console.log(
  `office first load, town centre, ${RUNS} runs (cold cache, ${LATENCY_MS} ms latency, 1.6 Mbps down / 750 kbps up, 1366×768, ${GZIP ? "gzip as wrangler dev picks it" : "Brotli as Cloudflare's front line picks it"}), worst per step: ` +
  worst.map((s) => `${s.name} ${(s.ms / 1000).toFixed(2)} s, ${s.bytes.toLocaleString("en")} B`).join("; ") +
  `. Load average at the end: ${loadavg()[0].toFixed(1)}`,
);
