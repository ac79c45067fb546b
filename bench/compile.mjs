// Compile time per template as wasm (issue 14: ≤ 5 ms in the worker): the
// median of `new Validator(templateText)` — all of `ybt_core::compile`, the
// template parsed from its text, the meta-schema check, the field plan, the
// duplicate warnings, the validation program and its engine — over many
// runs, for each template given, then the worst template.
//
//   node bench/compile.mjs ADAPTER.js TEMPLATE.json|DIR …
//
// ADAPTER.js: the wasm-bindgen `--target nodejs` output of
// bench/validator-wasm (see BENCHMARKS.md for the build). A DIR is read for
// its `*.json` templates (not `*.program.json`). The first call of each
// template is reported apart: it is the one a worker isolate pays when it
// files a template, before any cache is warm.
import { createRequire } from "node:module";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";

const require = createRequire(import.meta.url);
const [adapter, ...inputs] = process.argv.slice(2);
if (!adapter || inputs.length === 0) {
  console.error("usage: node bench/compile.mjs ADAPTER.js TEMPLATE.json|DIR …");
  process.exit(2);
}
const { Validator } = require(resolve(adapter));

const files = inputs.flatMap((input) =>
  statSync(input).isDirectory()
    ? readdirSync(input)
        .filter((f) => f.endsWith(".json") && !f.endsWith(".program.json"))
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
        .map((f) => join(input, f))
    : [input],
);

const RUNS = 51;
const results = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const v = new Validator(text);
    times.push(performance.now() - t0);
    v.free();
  }
  const first = times[0];
  times.sort((a, b) => a - b);
  results.push({ name: basename(file, ".json"), first, median: times[RUNS >> 1], p90: times[Math.floor(RUNS * 0.9)] });
}

console.log("| template | first call | median | p90 |");
console.log("|---|---|---|---|");
for (const r of results) {
  console.log(`| ${r.name} | ${r.first.toFixed(2)} ms | ${r.median.toFixed(2)} ms | ${r.p90.toFixed(2)} ms |`);
}
const worst = results.reduce((a, r) => (r.median > a.median ? r : a));
const worstFirst = results.reduce((a, r) => (r.first > a.first ? r : a));
console.log(
  `worst median ${worst.median.toFixed(2)} ms (${worst.name}); worst first call ${worstFirst.first.toFixed(2)} ms (${worstFirst.name}); ${results.length} templates, ${RUNS} runs each`,
);
