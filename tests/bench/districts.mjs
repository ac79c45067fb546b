// Issue 16: the same village requests in each district's database. Against
// a running `cargo xtask run` (or --base URL): for a village user of 永川,
// 江北 and 荔城, the inbox, opening a task's form and the village's ledger,
// N times each in turn; prints p50/p95 per district. Every request is
// routed at the gate to its district's D1, so the figures should not differ
// by district. Not a test.
//
//   node tests/bench/districts.mjs [--base URL] [--runs N]
import { BASE, arg, login, percentile } from "./common.mjs";

const RUNS = Number(arg("--runs", 40));
const USERS = [["cun", "永川"], ["jb-cun", "江北"], ["pt-cun", "荔城"]];

async function timed(who, path, method = "GET") {
  const started = performance.now();
  const r = await fetch(`${BASE}${path}`, { method, headers: { cookie: who.cookie, "x-yibiaotong": "1" } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status}`);
  return performance.now() - started;
}

console.log(`${RUNS} runs per request, ${BASE}`);
console.log("district  village        inbox p50/p95   form p50/p95    ledger p50/p95  (ms)");
for (const [username, district] of USERS) {
  const who = await login(username);
  const village = who.me.org_unit;
  const tasks = await (await fetch(`${BASE}/api/tasks`, { headers: { cookie: who.cookie } })).json();
  const times = { inbox: [], form: [], ledger: [] };
  for (let i = 0; i < RUNS; i++) {
    times.inbox.push(await timed(who, "/api/tasks"));
    times.form.push(await timed(who, `/api/tasks/${tasks[0].id}/form`, "POST"));
    times.ledger.push(await timed(who, `/api/ledger/person?org_unit=${village}`));
  }
  const cell = (a) => {
    a.sort((x, y) => x - y);
    return `${percentile(a, 50).toFixed(1)}/${percentile(a, 95).toFixed(1)}`.padEnd(16);
  };
  console.log(`${district.padEnd(8)}  ${village}   ${cell(times.inbox)}${cell(times.form)}${cell(times.ledger)}`);
}
