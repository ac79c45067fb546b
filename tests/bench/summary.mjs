// Summary benchmark (issue 7) against a running worker, see BENCHMARKS.md:
// one template's summary over every village of the district with 100,000
// submitted rows, and its XLSX and CSV exports. Not a test: it measures.
//
//   cargo xtask run --port 8797 &                # or any running worker
//   node tests/bench/summary.mjs --base http://127.0.0.1:8797 --state .state/wrangler [--rows 100000] [--runs 5]
//
// The rows are loaded as SQL straight into the worker's local D1
// (`wrangler d1 execute --local --persist-to STATE --file …`): a bench
// template (`bench-summary`, published as a `templates` row) and one
// submission per village, rows spread evenly. Loading is idempotent
// (INSERT OR REPLACE under fixed ids), so the bench can be re-run.
import { resolve } from "node:path";

import { aidRowsSql, get, TEMPLATE, villages } from "./aid-rows.mjs";
import { arg, d1, login } from "./common.mjs";

const STATE = resolve(arg("--state", ".state/wrangler"));
const ROWS = Number(arg("--rows", 100_000));
const RUNS = Number(arg("--runs", 5));

function load(villageList) {
  const started = performance.now();
  const file = d1(aidRowsSql(villageList, ROWS), STATE, `bench-summary-${ROWS}`);
  return { file, seconds: (performance.now() - started) / 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(who, path, consume) {
  const started = performance.now();
  const r = await get(who, path);
  const body = await consume(r);
  return { ms: performance.now() - started, timing: r.headers.get("server-timing"), body };
}

const admin = await login("admin");
const list = await villages(admin);
const loaded = load(list);
console.log(`loaded ${ROWS} rows in ${list.length} villages (${loaded.file}) in ${loaded.seconds.toFixed(1)} s`);
const dept = await login("minzheng");
const measure = async (label, path, consume, check) => {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await time(dept, path, consume));
  check(runs[0].body);
  console.log(`${label}: median ${median(runs.map((r) => r.ms)).toFixed(0)} ms (runs: ${runs.map((r) => r.ms.toFixed(0)).join(", ")}; Server-Timing ${runs[0].timing ?? "-"})`);
};
await measure("summary", `/api/summary?template_id=${TEMPLATE}`, (r) => r.json(), (s) => {
  if (s.total.rows !== ROWS) throw new Error(`summary counted ${s.total.rows} rows, expected ${ROWS}`);
});
await measure("xlsx (flat)", `/api/summary/export?template_id=${TEMPLATE}&format=xlsx`, async (r) => Buffer.from(await r.arrayBuffer()), (b) => {
  console.log(`  xlsx bytes: ${b.length}`);
});
await measure("xlsx (per town)", `/api/summary/export?template_id=${TEMPLATE}&format=xlsx&layout=town`, async (r) => Buffer.from(await r.arrayBuffer()), () => {});
await measure("csv", `/api/summary/export?template_id=${TEMPLATE}&format=csv`, async (r) => Buffer.from(await r.arrayBuffer()), (b) => {
  console.log(`  csv bytes: ${b.length}`);
});
