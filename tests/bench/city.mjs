// City summary benchmark (issue 16, the city level), see BENCHMARKS.md: the
// three local district databases (shards) hold one bench template's
// submitted rows — `--rows` in all, a third in each: 江北 500105 and 永川
// 500118, which 重庆市民政局 reads, and 荔城 350304, which the fan-out must
// leave out (no local city covers all three) — and `cq-minzheng` reads
// `GET /api/city/summary/bench-summary` `--runs` times: p50/p95/worst of
// the whole request (wall time at the client) and the worker's fan-out
// span, beside one district alone for comparison; then the report list
// (`GET /api/city/reports`) and the city export as CSV and XLSX
// (`GET /api/city/export/bench-summary`), whole file received. Not a test:
// it measures; it checks only that the totals count every row it loaded.
//
//   cargo xtask run --port 8797 &                # or any running worker
//   node tests/bench/city.mjs --base http://127.0.0.1:8797 --state .state/wrangler [--rows 100000] [--runs 20]
//
// Loading is idempotent (INSERT OR REPLACE under fixed ids, as
// tests/bench/summary.mjs): re-running replaces the rows.
import { resolve } from "node:path";

import { aidRowsSql, get, TEMPLATE, villages } from "./aid-rows.mjs";
import { arg, d1, login, percentile } from "./common.mjs";

const STATE = resolve(arg("--state", ".state/wrangler"));
const ROWS = Number(arg("--rows", 100_000));
const RUNS = Number(arg("--runs", 20));
// District, its admin (to list villages), whether the city reads it.
const SHARDS = [["500105", "jb-admin", true], ["500118", "admin", true], ["350304", "pt-admin", false]];

function load(district, villageList, rows) {
  d1(aidRowsSql(villageList, rows), STATE, `bench-city-${district}-${rows}`, `DB_${district}`);
}

const started = performance.now();
let expected = 0;
for (const [i, [district, admin, readByCity]] of SHARDS.entries()) {
  const share = Math.floor(ROWS / SHARDS.length) + (i < ROWS % SHARDS.length ? 1 : 0);
  if (readByCity) expected += share;
  const list = await villages(await login(admin), district);
  load(district, list, share);
  console.log(`loaded ${share} rows into ${district} (${list.length} villages)${readByCity ? "" : ", not read by 重庆"}`);
}
console.log(`3 shards loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; the city reads ${expected} rows`);

const city = await login("cq-minzheng");
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms, worst ${s.at(-1).toFixed(0)} ms`;
};
async function measure(label, path, check) {
  const wall = [];
  const fanout = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await get(city, path);
    const body = await r.json();
    wall.push(performance.now() - t0);
    fanout.push(Number(/fanout;dur=([\d.]+)/.exec(r.headers.get("server-timing") ?? "")?.[1] ?? NaN));
    if (i === 0) check(body);
  }
  console.log(`${label} (${RUNS} runs): ${stats(wall)}; worker fan-out span ${stats(fanout)}`);
}
await measure("city summary, 江北 + 永川", `/api/city/summary/${TEMPLATE}`, (b) => {
  if (!b.complete || b.total.rows !== expected) throw new Error(`counted ${b.total.rows} rows (complete: ${b.complete}), expected ${expected}`);
  if (b.districts.some((d) => d.code === "350304")) throw new Error("荔城 in the city's summary");
  console.log(`  per district: ${b.districts.map((d) => `${d.code} ${d.totals.rows} rows`).join(", ")}; grand total ${b.total.rows}`);
});
await measure("one district alone (永川)", `/api/city/summary/${TEMPLATE}?districts=500118`, (b) => {
  if (b.total.rows !== b.districts[0].totals.rows) throw new Error("one district's total");
});
await measure("report list (GET /api/city/reports)", "/api/city/reports", (b) => {
  const report = b.reports.find((r) => r.id === TEMPLATE);
  if (!report || report.rows !== expected) throw new Error(`the list counts ${report?.rows} rows of ${TEMPLATE}, expected ${expected}`);
});

/** A city export, the whole file received: wall time and size. */
async function measureFile(label, path, check) {
  const wall = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await get(city, path);
    const body = Buffer.from(await r.arrayBuffer());
    wall.push(performance.now() - t0);
    bytes = body.length;
    if (i === 0) check(body);
  }
  console.log(`${label} (${RUNS} runs, ${(bytes / 1024 / 1024).toFixed(1)} MiB): ${stats(wall)}`);
}
await measureFile("city export CSV, 江北 + 永川", `/api/city/export/${TEMPLATE}?format=csv`, (body) => {
  const lines = body.toString("utf8").trimEnd().split("\r\n");
  // header + every row + one 合计 per district + 全市合计
  if (lines.length !== expected + 4 || !lines.at(-1).startsWith("全市合计,")) throw new Error(`${lines.length} lines for ${expected} rows`);
});
await measureFile("city export XLSX, 江北 + 永川", `/api/city/export/${TEMPLATE}?format=xlsx`, (body) => {
  if (body.readUInt32LE(0) !== 0x04034b50) throw new Error("not a zip file");
});
