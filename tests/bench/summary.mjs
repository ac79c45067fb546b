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

import { BASE, arg, d1, login, quote as q } from "./common.mjs";

const STATE = resolve(arg("--state", ".state/wrangler"));
const ROWS = Number(arg("--rows", 100_000));
const RUNS = Number(arg("--runs", 5));
const TEMPLATE = "bench-summary";

async function get(who, path) {
  const r = await fetch(`${BASE}${path}`, { headers: { cookie: who.cookie } });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r;
}

const document = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "救助摸底（基准）",
  "x-template": { id: TEMPLATE, version: 1, department: "区民政局" },
  "x-subject": { entity: "person" },
  type: "object",
  properties: {
    name: { title: "姓名", type: "string", "x-ledger": "person.name" },
    id_number: { title: "身份证号", type: "string", format: "cn-id-number", "x-ledger": "person.id_number" },
    aid_amount: { title: "拟救助金额（元）", type: "number", minimum: 0 },
    months: { title: "救助月数", type: "integer", minimum: 1, maximum: 12 },
    need: { title: "困难类型", type: "string", enum: ["因病", "因灾", "其他"] },
    aid_row_total: { title: "小计（元）", type: "number", "x-compute": "aid_amount * months" },
    aid_total: { title: "救助总额（元）", type: "number", "x-compute": "sum(aid_row_total)" },
  },
};


async function villages(who) {
  const root = await (await get(who, "/api/org-units")).json();
  const district = root.children[0].code;
  const towns = (await (await get(who, `/api/org-units?parent=${district}`)).json()).children;
  const out = [];
  for (const town of towns) out.push(...(await (await get(who, `/api/org-units?parent=${town.code}`)).json()).children);
  return out;
}

function load(villageList) {
  const perVillage = Math.ceil(ROWS / villageList.length);
  const lines = [
    `INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) VALUES (${q(TEMPLATE)}, 1, ${q(document.title)}, '区民政局', ${q(JSON.stringify(document))}, '2026-01-01T00:00:00Z');`,
  ];
  let left = ROWS;
  for (const [v, village] of villageList.entries()) {
    const n = Math.min(perVillage, left);
    left -= n;
    const rows = [];
    for (let i = 0; i < n; i++) {
      const amount = 100 + ((i * 37 + v) % 900);
      const months = 1 + (i % 12);
      rows.push({
        subject_id: `person:${village.code}-${String(i).padStart(5, "0")}`,
        values: {
          name: `基准${i}`,
          id_number: `${village.code.slice(0, 6)}19800101${String(i % 1000).padStart(3, "0")}X`,
          aid_amount: amount,
          months,
          need: ["因病", "因灾", "其他"][i % 3],
          aid_row_total: amount * months,
        },
      });
    }
    lines.push(
      `INSERT OR REPLACE INTO submissions (id, template_id, template_version, org_unit, row_count, rows, submitted_at) VALUES (${q(`bench-${village.code}`)}, ${q(TEMPLATE)}, 1, ${q(village.code)}, ${n}, ${q(JSON.stringify(rows))}, '2026-01-02T00:00:00Z');`,
    );
  }
  const started = performance.now();
  const file = d1(lines.join("\n"), STATE, `bench-summary-${ROWS}`);
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
