// Two builds of the engine alone (bench/rules-wasm, wasm-bindgen --target nodejs output folders)
// side by side in one Node process, on every generated program of a folder (gen_templates output):
// best of 15 interleaved passes, ns a row, verdict (validate_input) and count (count_errors_input),
// each row handed over with encodeInto as bench/validate.mjs does.
//   node bench/engines-ab.mjs BEFORE_DIR AFTER_DIR target/bench-validate/generated
// prints: template, verdict before, after, count before, after.
import { createRequire } from "node:module";
import { readFileSync, readdirSync } from "node:fs";
const require = createRequire(import.meta.url);
const [dirA, dirB, gen] = process.argv.slice(2);
const load = (d) => require(d + "/ybt_rules_wasm.js");
const mods = [load(dirA), load(dirB)];
const enc = new TextEncoder();
const files = readdirSync(gen).filter((f) => /^gen-\d+\.json$/.test(f)).sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)));
for (const f of files) {
  const id = f.replace(".json", "");
  const prog = readFileSync(`${gen}/${id}.program.json`, "utf8");
  const lines = readFileSync(`${gen}/${id}.jsonl`, "utf8").split("\n").filter(Boolean);
  const sides = mods.map((m) => {
    const e = new m.Engine(prog);
    const cap = 8192;
    const ptr = e.input(cap);
    let view = new Uint8Array(m.wasm_memory().buffer, ptr, cap);
    const put = (l) => { if (view.buffer !== m.wasm_memory().buffer) { const p = e.input(cap); view = new Uint8Array(m.wasm_memory().buffer, p, cap); } return enc.encodeInto(l, view).written; };
    return [(l) => e.validate_input(put(l)), (l) => e.count_errors_input(put(l)) === 0, e];
  });
  const best = [[1e9, 1e9], [1e9, 1e9]];
  for (let k = 0; k < 15; k++) for (let s = 0; s < 2; s++) for (let w = 0; w < 2; w++) {
    const t = performance.now(); let n = 0; for (const l of lines) if (sides[s][w](l)) n++;
    best[s][w] = Math.min(best[s][w], performance.now() - t);
  }
  const ns = (x) => Math.round((x * 1e6) / lines.length);
  for (const s of sides) s[2].free();
  console.log(`${id}\t${ns(best[0][0])}\t${ns(best[1][0])}\t${ns(best[0][1])}\t${ns(best[1][1])}`);
}
