// Form generation benchmark against a running worker (`cargo xtask run`),
// see BENCHMARKS.md: a village of 2,000 people and a 20-column template over
// every person (tests/bench/wide-template.json); opens the task's form N
// times (POST /api/tasks/{id}/form: D1 read, pre-fill, compute, mask,
// serialise) and prints p50/p95 of the round trip on loopback and of the D1
// fetch inside the worker. Not a test: it measures.
//
//   node tests/bench/form.mjs [--base URL] [--state DIR] [--opens N] [--village CODE]
//
// Set-up (idempotent): tops a village of the demo town up with 2,000 people from a file
// made by `cargo xtask bench-xlsx`, and loads the bench template and one task
// for it straight into the local D1 under DIR (default .state/wrangler, the
// state of `cargo xtask run`) with `wrangler d1 execute`.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { BASE, ROOT, arg, benchFile, d1, login, percentile, quote } from "./common.mjs";

const STATE = resolve(arg("--state", join(ROOT, ".state/wrangler")));
const OPENS = Number(arg("--opens", 50));

/** Loads the bench template and a task for `village` (INSERT OR IGNORE). */
function loadTemplate(village) {
  const document = JSON.stringify(JSON.parse(readFileSync(join(ROOT, "tests/bench/wide-template.json"), "utf8")));
  const meta = JSON.parse(document)["x-template"];
  const taskId = `bench-wide-${village}`;
  const statements = [
    `INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) VALUES ` +
      `(${quote(meta.id)}, ${meta.version}, ${quote(JSON.parse(document).title)}, ${quote(meta.department)}, ${quote(document)}, '2026-01-01T00:00:00Z');`,
    `INSERT OR IGNORE INTO tasks (id, dispatch_id, template_id, template_version, org_unit, due_date, dispatched_by, dispatched_at) VALUES ` +
      `(${quote(taskId)}, 'bench-wide', ${quote(meta.id)}, ${meta.version}, ${quote(village)}, '2026-12-31', 'bench', '2026-01-01T00:00:00Z');`,
  ];
  d1(statements.join("\n"), STATE, "bench-form");
  return taskId;
}

// The town coordinator, in the last village of its town: not the demo
// village staff's, which the ledger benchmark fills with 100,000 people.
const cun = await login("zhen");
const villages = await (await fetch(`${BASE}/api/org-units?parent=${cun.me.org_unit}`, { headers: { cookie: cun.cookie } })).json();
const village = arg("--village", villages.children.at(-1).code);
const listed = await (await fetch(`${BASE}/api/ledger/person?org_unit=${village}`, { headers: { cookie: cun.cookie } })).json();
if (listed.records.length < 2_000) {
  const imported = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${village}&commit=true`, {
    method: "POST",
    headers: { cookie: cun.cookie, "x-yibiaotong": "1", "content-type": "application/octet-stream" },
    body: benchFile(village, 2_000),
  });
  if (imported.status !== 200) throw new Error(`import: ${imported.status} ${(await imported.text()).slice(0, 500)}`);
}
const taskId = loadTemplate(village);

const times = [];
const spans = {}; // Server-Timing spans inside the worker
let rows = 0;
let columns = 0;
let bytes = 0;
for (let i = 0; i < OPENS + 3; i++) {
  const started = performance.now();
  const r = await fetch(`${BASE}/api/tasks/${taskId}/form`, { method: "POST", headers: { cookie: cun.cookie, "x-yibiaotong": "1" } });
  const body = await r.arrayBuffer();
  const elapsed = performance.now() - started;
  if (r.status !== 200) throw new Error(`open: ${r.status} ${Buffer.from(body).toString().slice(0, 500)}`);
  if (i < 3) continue; // warm-up: the isolate compiles the template once
  times.push(elapsed);
  const timing = r.headers.get("server-timing") ?? "";
  for (const [, name, dur] of timing.matchAll(/([\w-]+);dur=([\d.]+)/g)) (spans[name] ??= []).push(Number(dur));
  if (!rows) {
    const form = JSON.parse(Buffer.from(body).toString()).form;
    rows = form.rows.length;
    columns = form.columns.length;
    bytes = body.byteLength;
  }
}
times.sort((a, b) => a - b);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `POST /api/tasks/${taskId}/form: ${rows} rows × ${columns} columns (${(bytes / 1024).toFixed(0)} KiB JSON), ${OPENS} opens; ` +
    `round trip p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms; ` +
    `inside the worker (Server-Timing, medians): ${Object.entries(spans).map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(", ")} ms`,
);
