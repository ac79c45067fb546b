// City summary benchmark (issue 16, the city level), see BENCHMARKS.md: the
// three local district databases (shards) hold one bench template's
// submitted rows — `--rows` in all, a third in each: 江北 500105 and 永川
// 500118, which 重庆市民政局 reads, and 荔城 350304, which the fan-out must
// leave out (no local city covers all three) — and `cq-minzheng` reads
// `GET /api/city/summary/bench-summary` `--runs` times: p50/p95/worst of
// the whole request (wall time at the client) and the worker's fan-out
// span, beside one district alone for comparison. Not a test: it measures;
// it checks only that the totals count every row it loaded.
//
//   cargo xtask run --port 8797 &                # or any running worker
//   node tests/bench/city.mjs --base http://127.0.0.1:8797 --state .state/wrangler [--rows 100000] [--runs 20]
//
// Loading is idempotent (INSERT OR REPLACE under fixed ids, as
// tests/bench/summary.mjs): re-running replaces the rows.
import { resolve } from "node:path";

import { BASE, arg, d1, login, percentile, quote as q } from "./common.mjs";

const STATE = resolve(arg("--state", ".state/wrangler"));
const ROWS = Number(arg("--rows", 100_000));
const RUNS = Number(arg("--runs", 20));
const TEMPLATE = "bench-summary";
// District, its admin (to list villages), whether the city reads it.
const SHARDS = [["500105", "jb-admin", true], ["500118", "admin", true], ["350304", "pt-admin", false]];

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

async function get(who, path) {
  const r = await fetch(`${BASE}${path}`, { headers: { cookie: who.cookie } });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r;
}

async function villages(who, district) {
  const towns = (await (await get(who, `/api/org-units?parent=${district}`)).json()).children;
  const out = [];
  for (const town of towns) out.push(...(await (await get(who, `/api/org-units?parent=${town.code}`)).json()).children);
  return out;
}

/** `rows` rows spread over the district's villages, one submission each, loaded into its database. */
function load(district, villageList, rows) {
  const perVillage = Math.ceil(rows / villageList.length);
  const lines = [
    `INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) VALUES (${q(TEMPLATE)}, 1, ${q(document.title)}, '区民政局', ${q(JSON.stringify(document))}, '2026-01-01T00:00:00Z');`,
  ];
  let left = rows;
  for (const [v, village] of villageList.entries()) {
    const n = Math.min(perVillage, left);
    left -= n;
    const out = [];
    for (let i = 0; i < n; i++) {
      const amount = 100 + ((i * 37 + v) % 900);
      const months = 1 + (i % 12);
      out.push({
        subject_id: `person:${village.code}-${String(i).padStart(5, "0")}`,
        values: {
          name: `基准${i}`,
          id_number: `${district}19800101${String(i % 1000).padStart(3, "0")}X`,
          aid_amount: amount,
          months,
          need: ["因病", "因灾", "其他"][i % 3],
          aid_row_total: amount * months,
        },
      });
    }
    lines.push(
      `INSERT OR REPLACE INTO submissions (id, template_id, template_version, org_unit, row_count, rows, submitted_at) VALUES (${q(`bench-${village.code}`)}, ${q(TEMPLATE)}, 1, ${q(village.code)}, ${n}, ${q(JSON.stringify(out))}, '2026-01-02T00:00:00Z');`,
    );
  }
  d1(lines.join("\n"), STATE, `bench-city-${district}-${rows}`, `DB_${district}`);
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
