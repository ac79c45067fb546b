// The front-end's files as a browser downloads them (issue 14): for every
// wasm bundle, script and style sheet the worker sends the build's Brotli file
// (worker/src/precompressed.rs) as stored to a browser that accepts `br`, the
// front line re-encodes it for any other, and both decode to exactly the file
// the build wrote. Raw HTTP (node:http), so the
// test sees the bytes and headers as sent, not a client's decoded view.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { BASE } from "./helpers.mjs";

const DIST = join(dirname(fileURLToPath(import.meta.url)), "..", "frontend", "dist");
const FILES = readdirSync(DIST).filter((f) => /\.(wasm|js|css)$/.test(f));
const TYPES = { wasm: "application/wasm", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8" };
const typeOf = (file) => TYPES[file.split(".").pop()];

/** GET `path` with `headers`; the status, headers and body exactly as sent. */
function get(path, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(new URL(path, BASE), { headers }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

/** The body decoded as its `Content-Encoding` says. */
function decoded({ headers, body }) {
  const coding = headers["content-encoding"];
  if (coding === "br") return brotliDecompressSync(body);
  if (coding === "gzip") return gunzipSync(body);
  assert.ok(coding === undefined || coding === "identity", `unexpected Content-Encoding ${coding}`);
  return body;
}

describe("the front-end's files on the wire", () => {
  it("the build wrote every wasm, script and style sheet with its Brotli file", () => {
    for (const file of ["app_bg.wasm", "app.js", "boot.js", "style.css", "office_bg.wasm", "sw.js"]) {
      assert.ok(FILES.includes(file), `${file} in frontend/dist: ${FILES}`);
    }
    for (const file of FILES) {
      assert.deepEqual(brotliDecompressSync(readFileSync(join(DIST, `${file}.br`))), readFileSync(join(DIST, file)), file);
    }
  });

  it("each page names its wasm's exact size, for the download's progress", async () => {
    const pages = { "/": "app", "/office": "office", "/ledger": "ledger", "/review": "review" };
    for (const [path, app] of Object.entries(pages)) {
      const res = await get(path, { "Accept-Encoding": "identity" });
      assert.equal(res.status, 200, path);
      const named = /data-wasm-bytes="(\d+)"/.exec(decoded(res).toString("utf8"))?.[1];
      assert.equal(Number(named), readFileSync(join(DIST, `${app}_bg.wasm`)).length, path);
    }
  });

  it("a browser that accepts Brotli gets the stored Brotli bytes, which are the file", async () => {
    for (const file of FILES) {
      // Brotli listed first: Cloudflare's front line prefers it for any
      // client that accepts it; miniflare's picks the first coding listed
      // (Chromium lists gzip first, and gets gzip from `wrangler dev`).
      const res = await get(`/${file}`, { "Accept-Encoding": "br, gzip, deflate, zstd" });
      assert.equal(res.status, 200, file);
      assert.equal(res.headers["content-encoding"], "br", file);
      assert.equal(res.headers["content-type"], typeOf(file), file);
      assert.match(res.headers.vary ?? "", /accept-encoding/i, file);
      assert.equal(res.headers["x-content-type-options"], "nosniff", `${file}: the site's headers stay`);
      assert.deepEqual(res.body, readFileSync(join(DIST, `${file}.br`)), `${file}: sent as stored, not re-encoded`);
      assert.deepEqual(decoded(res), readFileSync(join(DIST, file)), file);
    }
  });

  it("a client without Brotli gets the wasm another way, byte for byte (the front line re-encodes)", async () => {
    // The worker always sees `Accept-Encoding: br, gzip` (Cloudflare's front
    // line, and miniflare's here, normalize it) and answers with Brotli; the
    // front line then re-encodes for what the client itself accepts.
    const wasm = readFileSync(join(DIST, "app_bg.wasm"));
    for (const accept of ["gzip, deflate", "br;q=0, gzip", "identity"]) {
      const res = await get("/app_bg.wasm", { "Accept-Encoding": accept });
      assert.equal(res.status, 200, accept);
      assert.notEqual(res.headers["content-encoding"], "br", accept);
      assert.equal(res.headers["content-type"], "application/wasm", accept);
      assert.deepEqual(decoded(res), wasm, accept);
    }
  });

  it("a revalidation with the Brotli answer's ETag is a 304 without a body", async () => {
    const first = await get("/app_bg.wasm", { "Accept-Encoding": "br" });
    assert.ok(first.headers.etag, "the Brotli answer carries an ETag");
    const again = await get("/app_bg.wasm", { "Accept-Encoding": "br", "If-None-Match": first.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  it("a name with no stored Brotli file is answered as before, never as what it is not", async () => {
    for (const path of ["/nothing_bg.wasm", "/deep/app_bg.wasm", "/nothing.js", "/app.js.br.css"]) {
      const res = await get(path, { "Accept-Encoding": "br" });
      assert.ok(res.status < 500, `${path}: ${res.status}`);
      assert.match(res.headers["content-type"] ?? "", /^text\/html/, `${path}: the single-page fallback`);
      assert.ok(!WebAssembly.validate(decoded(res)), `${path}: no wasm under another name`);
    }
  });
});
