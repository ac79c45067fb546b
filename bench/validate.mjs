// The validation benchmark of issue 4: rows per second for every template in
// schemas/templates/, natively, as wasm under Node and with ajv 8 standalone,
// in one run on the same rows, JSON parsing included on every side — and
// proof that all three give the same verdict on every row.
//
// Run through `cargo xtask bench-validate`, which builds the wasm and the
// native binary first and passes their paths:
//   YBT_WASM_JS      wasm-bindgen --target nodejs output (.js)
//   YBT_NATIVE_ROWS  the `native_rows` example binary (optional: column shows —)
//   YBT_BENCH_DIR    where the rows are written
// ajv's standalone modules go to bench/generated/ (git-ignored), where they
// find ajv's runtime in bench/node_modules.
//   YBT_ENGINE_JS    the engine alone (bench/rules-wasm), loading each compiled program: its verdicts
//                    are checked and its rows/s measured beside the others
//   YBT_PROGRAMS_DIR NAME.program.json for every template (`gen_templates` writes them): lets the
//                    engine run without the compiler's wasm; with YBT_WASM_JS unset (engine only,
//                    `cargo xtask bench-validate --engine-only`), the wasm columns show —
//   YBT_ONLY         a regex: measure only the templates whose name matches (quick iterations)
//   YBT_BENCH_ROWS   rows per template (default 10000)
//   YBT_MEASURE_MS   least time of each side's timed passes per template (default 2000; quick loops)
//   YBT_GENERATED_DIR  seeded random templates with their rows (gen-N.json,
//                    gen-N.jsonl; `cargo run -p ybt-core --example gen_templates`),
//                    measured the same way after the shipped ones (issue 14)
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const Ajv2020 = require("ajv/dist/2020").default;
const standaloneCode = require("ajv/dist/standalone").default;
const { _ } = require("ajv");
const formats = require("./formats.cjs");

const ROWS = Number(process.env.YBT_BENCH_ROWS ?? 10000);
const SEED = 20260404;
const MEASURE_MS = Number(process.env.YBT_MEASURE_MS ?? 2000); // timed passes run at least this long per side…
const MIN_PASSES = 5; // …and at least this many times; the median pass counts
const outDir = resolve(process.env.YBT_BENCH_DIR ?? join(root, "target/bench-validate"));
const generatedDir = join(here, "generated");
mkdirSync(outDir, { recursive: true });
mkdirSync(generatedDir, { recursive: true });

// ---------------------------------------------------------------- rows

/** mulberry32: a small seeded PRNG, so every run validates the same rows. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeGen(random) {
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = (xs) => xs[int(0, xs.length - 1)];
  const digits = (n) => Array.from({ length: n }, () => int(0, 9)).join("");
  const pad = (n, w) => String(n).padStart(w, "0");
  const regions = ["110105", "500118", "350304", "440303", "320102", "510104", "420106", "610113"];
  const daysIn = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();
  const date = (y0, y1) => {
    const y = int(y0, y1), m = int(1, 12);
    return `${y}-${pad(m, 2)}-${pad(int(1, daysIn(y, m)), 2)}`;
  };
  const idNumber = () => {
    const first17 = pick(regions) + date(1925, 2005).replaceAll("-", "") + digits(3);
    return first17 + formats.idCheckChar(first17);
  };
  const creditCode = () => {
    const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const first17 = "91" + pick(regions) + Array.from({ length: 9 }, () => pick(alphabet)).join("") + int(0, 9);
    return first17 + formats.creditCheckChar(first17);
  };
  const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
  const given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂";
  const text = (max) => {
    const s = pick(["一般", "情况正常，无变化", "已核实", "老人独居，子女在外务工", "家中有病人，需关注"]);
    return s.slice(0, max);
  };
  return { int, pick, digits, pad, date, idNumber, creditCode, text, name: () => pick(surnames) + pick(given) + (random() < 0.5 ? pick(given) : "") };
}

/** A valid value for one property schema, or undefined when we cannot make one. */
function validValue(gen, schema) {
  if (schema.enum) return gen.pick(schema.enum);
  switch (schema.type) {
    case "string": {
      switch (schema.format) {
        case "cn-id-number": return gen.idNumber();
        case "cn-mobile": return "1" + gen.int(3, 9) + gen.digits(9);
        case "cn-credit-code": return gen.creditCode();
        case "cn-division-code": return "500118" + gen.pick(["", "100", "100001"]);
        case "date": return gen.date(2024, 2027);
        case undefined: break;
        default: return undefined;
      }
      const fixed = schema.pattern && /^\^\[0-9\]\{(\d+)\}\$$/.exec(schema.pattern);
      if (fixed) return gen.digits(Number(fixed[1]));
      if (schema.pattern) return undefined;
      return schema.title === "姓名" ? gen.name() : gen.text(schema.maxLength ?? 50);
    }
    case "integer":
    case "number": {
      const lo = Math.ceil(schema.minimum ?? 0), hi = Math.floor(Math.min(schema.maximum ?? 100000, 100000));
      if (schema.type === "integer") return gen.int(lo, hi);
      if (schema.multipleOf === 0.01) return gen.int(lo * 100, hi * 100) / 100;
      if (schema.multipleOf !== undefined) return undefined;
      return gen.int(lo, hi) + gen.pick([0, 0.5, 0.25]);
    }
    default:
      return undefined;
  }
}

/** Ways to break one property; each makes the row invalid. */
function breakers(gen, key, schema, required) {
  const out = [];
  if (required) out.push((row) => delete row[key]);
  out.push((row) => (row[key] = schema.type === "string" ? gen.int(1, 99) : String(row[key] ?? "x")));
  if (schema.enum) out.push((row) => (row[key] = "其他"));
  if (schema.minimum !== undefined) out.push((row) => (row[key] = schema.minimum - gen.int(1, 100)));
  if (schema.maximum !== undefined) out.push((row) => (row[key] = schema.maximum + gen.int(1, 100)));
  if (schema.maxLength !== undefined) out.push((row) => (row[key] = "长".repeat(schema.maxLength + 1)));
  if (schema.type === "integer") out.push((row) => (row[key] = (schema.minimum ?? 0) + 0.5));
  if (schema.multipleOf !== undefined) out.push((row) => (row[key] = (schema.minimum ?? 0) + schema.multipleOf / 10));
  if (schema.pattern) out.push((row) => (row[key] = gen.digits(5) + "x"));
  const bad = {
    "cn-id-number": [
      (row) => { const id = gen.idNumber(); row[key] = id.slice(0, 17) + (id[17] === "0" ? "1" : "0"); }, // wrong check character
      (row) => (row[key] = "99" + gen.idNumber().slice(2)), // no such province
      (row) => (row[key] = gen.idNumber().slice(0, 16)), // too short
    ],
    "cn-mobile": [(row) => (row[key] = "12" + gen.digits(9)), (row) => (row[key] = "1" + gen.int(3, 9) + gen.digits(8))],
    "cn-credit-code": [(row) => (row[key] = gen.creditCode().slice(0, 17) + "I")],
    "cn-division-code": [(row) => (row[key] = "990000")],
    date: [(row) => (row[key] = `${gen.int(2024, 2027)}-02-30`), (row) => (row[key] = `2026-13-01`), (row) => (row[key] = "2026/11/02")],
  }[schema.format];
  if (bad) out.push(...bad);
  return out;
}

/** `count` rows for a template: about 60% valid, the rest with 1–3 faults. */
function generateRows(template, count, seed) {
  const gen = makeGen(prng(seed));
  const required = new Set(template.required ?? []);
  const props = Object.entries(template.properties ?? {});
  const faults = props.flatMap(([key, schema]) => breakers(gen, key, schema, required.has(key)));
  const lines = [];
  for (let i = 0; i < count; i++) {
    const row = {};
    for (const [key, schema] of props) {
      if (!required.has(key) && gen.int(0, 2) === 0) continue; // optional fields: sometimes left out
      const value = validValue(gen, schema);
      if (value !== undefined) row[key] = value;
      else if (required.has(key)) throw new Error(`cannot generate a value for required field ${key}`);
    }
    if (gen.int(0, 9) >= 6) for (let n = gen.int(1, 3); n > 0; n--) gen.pick(faults)(row);
    lines.push(JSON.stringify(row));
  }
  return lines;
}

// ---------------------------------------------------------------- validators

/** ajv 8 standalone: generate the module, write it, load it. */
function ajvValidator(template, file) {
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    // multipleOf 0.01 on 4422.77: ajv's default (an exact float division)
    // says no, core (decimal-exact) says yes. Compare within 1e-9 instead.
    multipleOfPrecision: 9,
    code: { source: true, formats: _`require(${join(here, "formats.cjs")})` },
  });
  for (const [name, check] of Object.entries(formats)) if (typeof check === "function" && !/^[a-z]+Char$/.test(name)) ajv.addFormat(name, check);
  // The template language's x- keywords carry no assertion: declare them so ajv knows them.
  const xKeywords = new Set();
  JSON.stringify(template, (k, v) => (k.startsWith("x-") && xKeywords.add(k), v));
  for (const keyword of xKeywords) ajv.addKeyword({ keyword });
  const code = standaloneCode(ajv, ajv.compile(template));
  writeFileSync(file, code);
  return require(file);
}

function wasmValidator(templateText) {
  if (!process.env.YBT_WASM_JS) return undefined;
  const { Validator } = require(resolve(process.env.YBT_WASM_JS));
  return new Validator(templateText);
}

/**
 * Median rows/s of each side over timed passes on every line. The sides take
 * turns pass by pass, so load from other processes (the machine is shared)
 * falls on all of them alike.
 */
function measure(lines, sides) {
  const passes = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  const started = performance.now();
  for (let round = 0; round < MIN_PASSES || performance.now() - started < MEASURE_MS * Object.keys(sides).length; round++) {
    for (const [name, verdict] of Object.entries(sides)) {
      const t0 = performance.now();
      let valid = 0;
      for (let i = 0; i < lines.length; i++) if (verdict(lines[i])) valid++;
      passes[name].push(performance.now() - t0);
      if (valid < 0) console.log(valid); // keep the loop's result alive
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  return Object.fromEntries(Object.entries(passes).map(([name, ms]) => [name, lines.length / (median(ms) / 1000)]));
}

/**
 * How a page hands rows to the engine alone: `encodeInto` straight into the
 * engine's input buffer (no allocation per row), then `validate_input(len)`.
 * Returns the writer: a row in, its length in bytes out.
 */
function rowWriter(engineModule, engine) {
  const encoder = new TextEncoder();
  const memory = engineModule.wasm_memory();
  let capacity = 0;
  let view = new Uint8Array(0);
  return (line) => {
    if (line.length * 3 > capacity) {
      capacity = Math.max(4096, line.length * 3);
      view = new Uint8Array(memory.buffer, engine.input(capacity), capacity);
    } else if (view.buffer !== memory.buffer) {
      view = new Uint8Array(memory.buffer, engine.input(capacity), capacity); // the memory grew
    }
    return encoder.encodeInto(line, view).written;
  };
}

// ---------------------------------------------------------------- run

/** Median milliseconds of `new Validator(text)`: core's compile, template → program, as wasm. */
function compileMs(templateText) {
  if (!process.env.YBT_WASM_JS) return undefined;
  const { Validator } = require(resolve(process.env.YBT_WASM_JS));
  const times = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    const v = new Validator(templateText);
    times.push(performance.now() - t0);
    v.free();
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

function benchTemplate(id, templateText, lines, rowsFile, templateFile) {
  const template = JSON.parse(templateText);
  const ajv = ajvValidator(template, join(generatedDir, `${id}.ajv.cjs`));
  const ajvVerdict = (line) => ajv(JSON.parse(line));
  const wasm = wasmValidator(templateText);
  const verdicts = { ajv: lines.map(ajvVerdict) };
  verdictSides = verdicts;
  const sides = { ajv: ajvVerdict };
  if (wasm) {
    sides.wasm = (line) => wasm.validate_json(line);
    sides.wasmAllErrors = (line) => wasm.count_errors(line) === 0;
    verdicts.wasm = lines.map(sides.wasm);
    verdicts["wasm-all-errors"] = lines.map(sides.wasmAllErrors);
  }
  // The engine alone, loading the program the compiler wrote (issue 14):
  // what a page that receives programs runs must give the same verdicts.
  const programsDir = process.env.YBT_PROGRAMS_DIR;
  const programFile = programsDir && join(programsDir, `${id}.program.json`);
  const programJson = wasm ? wasm.program_json() : readFileSync(programFile, "utf8");
  let engine;
  if (process.env.YBT_ENGINE_JS) {
    const engineModule = require(resolve(process.env.YBT_ENGINE_JS));
    engine = new engineModule.Engine(programJson);
    const put = rowWriter(engineModule, engine);
    sides.engine = (line) => engine.validate_input(put(line));
    sides.engineAllErrors = (line) => engine.count_errors_input(put(line)) === 0;
    verdicts.engine = lines.map(sides.engine);
    verdicts["engine-all-errors"] = lines.map(sides.engineAllErrors);
  }
  let native;
  if (process.env.YBT_NATIVE_ROWS) {
    native = JSON.parse(execFileSync(process.env.YBT_NATIVE_ROWS, [templateFile, rowsFile], { encoding: "utf8" }));
    verdicts.native = [...native.verdicts].map((c) => c === "1");
  }
  for (let i = 0; i < lines.length; i++) {
    const seen = Object.entries(verdicts).map(([side, v]) => `${side}=${v[i] ? "valid" : "invalid"}`);
    if (new Set(Object.values(verdicts).map((v) => v[i])).size > 1) {
      disagreements++;
      if (disagreements <= 20) console.log(`DISAGREE ${id} row ${i}: ${seen.join(" ")}\n  ${lines[i]}`);
    }
  }
  const rate = measure(lines, sides);
  const validShare = verdicts.ajv.filter(Boolean).length / lines.length;
  const programBytes = Buffer.byteLength(programJson);
  const compile = compileMs(templateText);
  wasm?.free();
  engine?.free();
  results.push({
    id, validShare, native: native?.rows_per_sec, nativeAllErrors: native?.all_errors_rows_per_sec,
    wasm: rate.wasm, wasmAllErrors: rate.wasmAllErrors, engine: rate.engine, engineAllErrors: rate.engineAllErrors,
    ajv: rate.ajv, compileMs: compile, programBytes,
  });
}

const only = process.env.YBT_ONLY ? new RegExp(process.env.YBT_ONLY) : /./;
const templatesDir = join(root, "schemas/templates");
const results = [];
let disagreements = 0;
let verdictSides = {};
for (const file of readdirSync(templatesDir).filter((f) => f.endsWith(".json")).sort()) {
  const templateText = readFileSync(join(templatesDir, file), "utf8");
  const id = file.replace(/\.json$/, "");
  if (!only.test(id)) continue;
  const lines = generateRows(JSON.parse(templateText), ROWS, SEED);
  const rowsFile = join(outDir, `${id}.jsonl`);
  writeFileSync(rowsFile, lines.join("\n") + "\n");
  benchTemplate(id, templateText, lines, rowsFile, join(templatesDir, file));
}
const shipped = results.length;
const generatedTemplates = process.env.YBT_GENERATED_DIR;
if (generatedTemplates) {
  const files = readdirSync(generatedTemplates).filter((f) => /^gen-\d+\.json$/.test(f));
  files.sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]));
  for (const file of files) {
    const id = file.replace(/\.json$/, "");
    if (!only.test(id)) continue;
    const rowsFile = join(generatedTemplates, `${id}.jsonl`);
    const lines = readFileSync(rowsFile, "utf8").split("\n").filter(Boolean);
    benchTemplate(id, readFileSync(join(generatedTemplates, file), "utf8"), lines, rowsFile, join(generatedTemplates, file));
  }
}

const fmt = (n) => (n === undefined ? "—" : Math.round(n).toLocaleString("en-US"));
console.log(`\n${ROWS} rows per template (seed ${SEED}); Node ${process.version}; JSON text in, verdict out on every side\n`);
console.log(
  "verdict: the engine's is_valid_json (no error built); all errors: every error found with its pointer and keyword " +
    "(as ajv's allErrors) — wasm and engine without message text, native with core's zh/en messages\n",
);
console.log(
  "| template | valid rows | native rows/s (verdict / all errors) | wasm rows/s (verdict / all errors) | engine rows/s (verdict / all errors) | ajv rows/s | " +
    "wasm/ajv (verdict / all errors) | engine/ajv (verdict / all errors) | compile (wasm) | program |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
const ratio = (a, b) => (a === undefined ? "—" : (a / b).toFixed(2));
for (const r of results) {
  const pair = (a, b) => `${fmt(a)} / ${fmt(b)}`;
  console.log(
    `| ${r.id} | ${Math.round(r.validShare * 100)} % | ${pair(r.native, r.nativeAllErrors)} | ${pair(r.wasm, r.wasmAllErrors)} | ` +
      `${pair(r.engine, r.engineAllErrors)} | ${fmt(r.ajv)} | ${ratio(r.wasm, r.ajv)} / ${ratio(r.wasmAllErrors, r.ajv)} | ` +
      `${ratio(r.engine, r.ajv)} / ${ratio(r.engineAllErrors, r.ajv)} | ${r.compileMs === undefined ? "—" : `${r.compileMs.toFixed(2)} ms`} | ${fmt(r.programBytes)} B |`,
  );
}
/** The worst template of a group: lowest ratio, and which. */
function worst(group, key) {
  const w = group.reduce((a, r) => (r[key] / r.ajv < a[key] / a.ajv ? r : a));
  return `${(w[key] / w.ajv).toFixed(2)} (${w.id})`;
}
const groups = [["shipped templates", results.slice(0, shipped)], ["generated templates", results.slice(shipped)]];
console.log("");
for (const [name, group] of groups) {
  if (group.length === 0) continue;
  const parts = [];
  if (group[0].wasm !== undefined) parts.push(`wasm/ajv verdict ${worst(group, "wasm")}, all errors ${worst(group, "wasmAllErrors")}`);
  if (group[0].engine !== undefined) parts.push(`engine/ajv verdict ${worst(group, "engine")}, all errors ${worst(group, "engineAllErrors")}`);
  if (group[0].compileMs !== undefined) {
    const maxCompile = group.reduce((a, r) => (r.compileMs > a.compileMs ? r : a));
    parts.push(`slowest compile ${maxCompile.compileMs.toFixed(2)} ms (${maxCompile.id})`);
  }
  const maxProgram = group.reduce((a, r) => (r.programBytes > a.programBytes ? r : a));
  parts.push(`largest program ${fmt(maxProgram.programBytes)} B (${maxProgram.id})`);
  console.log(`worst of ${group.length} ${name}: ${parts.join("; ")}`);
}
if (disagreements > 0) {
  console.log(`\n${disagreements} rows where the validators disagree: the figures do not compare the same validation.`);
  process.exit(1);
}
console.log(`\nEvery row: ${Object.keys(verdictSides).join(", ")} agree.`);
