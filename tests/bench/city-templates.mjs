// City templates benchmark (issue 16, city templates), see BENCHMARKS.md:
// what filing once and dispatching across districts cost beside the same
// steps in one district. Each run files a new template as 重庆市民政局
// (`cq-minzheng`: the directory's row, then 江北's and 永川's requests in
// parallel), has `jb-zhen` and `zhen` admit it, and dispatches it to both
// districts (江北's 132 and 永川's 267 villages: one task each, the two
// districts' batches in parallel); for comparison 永川's 区民政局
// (`minzheng`) files a template of the same shape and, once `zhen` admits
// it, dispatches it to all of 永川. Wall time at the client, p50/p95/worst.
// Not a test: it measures; it checks only that every step answered as
// expected (201, the districts' states, the tasks created).
//
//   cargo xtask run --port 8797 &                # or any running worker
//   node tests/bench/city-templates.mjs --base http://127.0.0.1:8797 [--runs 10]
import { randomUUID } from "node:crypto";

import { BASE, arg, login, percentile } from "./common.mjs";

const RUNS = Number(arg("--runs", 10));

async function call(who, method, path, body) {
  const t0 = performance.now();
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: { cookie: `ybt_session=${who.session}`, "content-type": "application/json", "x-yibiaotong": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await r.json();
  return { status: r.status, json, ms: performance.now() - t0 };
}

function expect(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  return r;
}

function document(id, department) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "困难群众走访摸底表（基准）",
    "x-template": { id, version: 1, ...(department ? { department } : {}) },
    "x-subject": { entity: "person" },
    type: "object",
    required: ["name", "visits"],
    properties: {
      name: { title: "姓名", type: "string", "x-ledger": "person.name" },
      id_number: { title: "身份证号", type: "string", format: "cn-id-number", "x-ledger": "person.id_number" },
      visits: { title: "走访次数", type: "integer", minimum: 0, maximum: 31 },
    },
  };
}

const [city, zhen, jbZhen, minzheng] = await Promise.all(["cq-minzheng", "zhen", "jb-zhen", "minzheng"].map((u) => login(u)));
const times = { cityFile: [], cityDispatch: [], districtFile: [], districtDispatch: [] };
let tasks = { city: 0, district: 0 };
for (let run = 0; run < RUNS; run++) {
  const tag = `${Date.now().toString(36)}-${run}`;
  // The city: file once, two districts admit, dispatch to both.
  const filing = `bench-cf-${tag}`;
  const filed = expect(await call(city, "POST", "/api/city/templates", { request_id: filing, document: document(`bench-city-${tag}`) }), 201, "city filing");
  if (filed.json.districts_state.some((d) => d.state !== "pending")) throw new Error(`city filing states: ${JSON.stringify(filed.json.districts_state)}`);
  times.cityFile.push(filed.ms);
  for (const centre of [zhen, jbZhen]) expect(await call(centre, "POST", `/api/template-requests/city-${filing}/decision`, { decision: "approve" }), 200, "admit");
  const dispatched = expect(await call(city, "POST", `/api/city/templates/${filing}/dispatch`, { dispatch_id: `bench-cd-${tag}`, due_date: "2030-12-31" }), 201, "city dispatch");
  if (dispatched.json.districts.some((d) => d.state !== "dispatched" || d.created !== d.villages)) throw new Error(`city dispatch: ${JSON.stringify(dispatched.json.districts)}`);
  times.cityDispatch.push(dispatched.ms);
  tasks.city = dispatched.json.created;

  // One district: 永川's 区民政局 files, 永川 admits, dispatch to 永川.
  const own = `bench-dt-${tag}`;
  const asked = expect(await call(minzheng, "POST", "/api/template-requests", { request_id: randomUUID(), document: document(own, "区民政局") }), 201, "district filing");
  times.districtFile.push(asked.ms);
  expect(await call(zhen, "POST", `/api/template-requests/${asked.json.id}/decision`, { decision: "approve" }), 200, "district admit");
  const sent = expect(
    await call(minzheng, "POST", "/api/dispatches", { dispatch_id: `bench-dd-${tag}`, template_id: own, org_units: ["500118"], due_date: "2030-12-31" }),
    201,
    "district dispatch",
  );
  times.districtDispatch.push(sent.ms);
  tasks.district = sent.json.created;
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p95 ${percentile(s, 95).toFixed(0)} ms, worst ${s.at(-1).toFixed(0)} ms`;
};
console.log(`${RUNS} runs against ${BASE}`);
console.log(`city filing (directory + 江北 + 永川 requests): ${stats(times.cityFile)}`);
console.log(`district filing (永川 alone, for comparison):   ${stats(times.districtFile)}`);
console.log(`city dispatch (${tasks.city} tasks in 江北 + 永川):   ${stats(times.cityDispatch)}`);
console.log(`district dispatch (${tasks.district} tasks in 永川):   ${stats(times.districtDispatch)}`);
