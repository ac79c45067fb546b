// What the benchmark scripts share: arguments, signing in, the Node 22 that
// runs wrangler, loading SQL into a running worker's local D1, percentiles
// and the generated XLSX ledger files. Not a test.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The value after `--name` on the command line, or `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};

export const BASE = arg("--base", process.env.YBT_BASE_URL ?? "http://127.0.0.1:8787");
export const PASSWORD = process.env.YBT_DEMO_PASSWORD ?? "yibiaotong-demo";

/** Signs in: `cookie` is the `ybt_session=…` pair, `session` its token, `me` the user. */
export async function login(username, password = PASSWORD) {
  const r = await fetch(`${BASE}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-yibiaotong": "1" },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith("ybt_session=")).split(";")[0];
  return { cookie, session: cookie.slice("ybt_session=".length), me: (await r.json()).user };
}

/** The `p`th percentile of an ascending array. */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/** SQL string literal. */
export const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

/**
 * Runs SQL against a local D1 under `state` (a `--persist-to` directory)
 * with `wrangler d1 execute --file`: by default 永川's district database
 * (`database` names another binding, e.g. `DIRECTORY` for accounts). Wrangler needs Node 22: the pinned one
 * under node_modules, as xtask runs it.
 */
export function d1(sql, state, name = "bench", database = "DB_500118") {
  const file = join(tmpdir(), `ybt-${name}-${process.pid}.sql`);
  writeFileSync(file, sql);
  const node = existsSync(join(ROOT, "node_modules/.bin/node")) ? join(ROOT, "node_modules/.bin/node") : process.execPath;
  execFileSync(
    node,
    [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "d1", "execute", database, "--local", "--yes", "--persist-to", state, "--file", file],
    { cwd: join(ROOT, "worker"), stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
  );
  return file;
}

/** An XLSX ledger of `people` synthetic people of `village` (`cargo xtask bench-xlsx`), made once. */
export function benchFile(village, people) {
  const file = join(tmpdir(), `ybt-bench-${village}-${people}.xlsx`);
  if (!existsSync(file)) {
    execFileSync("cargo", ["xtask", "bench-xlsx", file, "--village", village, "--people", String(people)], { stdio: "inherit", cwd: ROOT });
  }
  return readFileSync(file);
}
