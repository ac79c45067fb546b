// Issue 16, a person's move between districts (跨区迁移) against a real
// wrangler dev, each district its own D1: a village of 江北 asks for a
// person registered in 永川 (and the other way round). Asking reveals
// nothing (registered in the other district or nowhere: byte-identical
// answers and lists, once the request's own id and key are set aside);
// the destination's town centre agrees to receive, then the origin's
// town centre of the person's town releases, and the record moves — marked
// moved out (not deleted) in the origin, copied into the destination — so
// the person is live in exactly one district. Approvals sent again, also
// at once, move it once; a rejection on either side moves nothing.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { api, login, BASE, idNumber } from "./helpers.mjs";

/** Part of the names this file gives its people: unique per run. */
const serial = Math.floor(Math.random() * 100000);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Runs SQL on one local D1 database of the worker under test (its state
 * directory comes from `cargo xtask integration`): how a test plays the
 * first step of a move and then "crashes". */
function sql(database, command) {
  const state = process.env.YBT_STATE_DIR;
  assert.ok(state, "run with `cargo xtask integration`: YBT_STATE_DIR names the local D1 state");
  const out = execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "d1", "execute", database, "--local", "--json", "--persist-to", state, "--command", command],
    { cwd: join(ROOT, "worker"), env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" }, encoding: "utf8" },
  );
  return JSON.parse(out)[0].results;
}

const as = (who) => ({ session: who.session });
const YONGCHUAN = "500118";
const JIANGBEI = "500105";

/** Registers a person in the caller's village through the import. */
async function register(who, name, id) {
  const response = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${who.me.org_unit}&commit=true`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${who.session}`, "content-type": "application/octet-stream" },
    body: Buffer.from(`姓名,身份证号,联系电话\r\n${name},${id},13812345678\r\n`, "utf8"),
  });
  assert.equal(response.status, 200, await response.text());
}

const ask = (who, key, from, requestId = randomUUID()) =>
  api("POST", "/api/ledger/district-transfers", { request_id: requestId, entity: "person", key, from_district: from, to_org_unit: who.me.org_unit, reason: "婚嫁迁入" }, as(who));
const list = async (who) => {
  const r = await api("GET", "/api/ledger/district-transfers", undefined, as(who));
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const decide = (who, id, approve, note = "") => api("POST", `/api/ledger/district-transfers/${id}/decision`, { approve, note }, as(who));

/** The live records of the caller's village holding `id`. */
async function liveIn(who, id) {
  const r = await api("GET", `/api/ledger/person?org_unit=${who.me.org_unit}`, undefined, as(who));
  assert.equal(r.status, 200, r.text);
  return r.json.records.filter((x) => x.data.id_number === id);
}

/** Whether a fresh import of `id` into the caller's village is refused as
 * registered elsewhere in its district (the district-wide uniqueness). */
async function registeredInDistrict(who, id) {
  const response = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${who.me.org_unit}`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${who.session}`, "content-type": "application/octet-stream" },
    body: Buffer.from(`姓名,身份证号\r\n核对,${id}\r\n`, "utf8"),
  });
  const text = await response.text();
  return response.status === 422 && text.includes("key_in_other_unit");
}

describe("cross-district transfers", () => {
  let cun, cun2, zhen, zhuanyuan, jbCun, jbZhen;

  before(async () => {
    [cun, cun2, zhen, zhuanyuan, jbCun, jbZhen] = await Promise.all(["cun", "cun2", "zhen", "zhuanyuan", "jb-cun", "jb-zhen"].map((u) => login(u)));
    assert.ok(jbCun.me.org_unit.startsWith(jbZhen.me.org_unit), "jb-cun's village lies in jb-zhen's town");
    assert.ok(cun.me.org_unit.startsWith(zhen.me.org_unit), "cun's village lies in zhen's town");
  });

  it("answers the asker byte for byte alike whether the other district holds the person or no one does", async () => {
    const person = { id: idNumber(YONGCHUAN), name: `跨区甲${serial}` };
    await register(cun, person.name, person.id);
    const nowhere = idNumber(YONGCHUAN);
    const [known, unknown] = [await ask(jbCun, person.id, YONGCHUAN), await ask(jbCun, nowhere, YONGCHUAN)];
    const strip = (r, key) => r.text.replaceAll(r.json.transfer.id, "ID").replaceAll(key, "KEY");
    assert.equal(known.status, 201, known.text);
    assert.equal(unknown.status, 201, unknown.text);
    assert.equal(strip(known, person.id), strip(unknown, nowhere), "the same answer");
    assert.equal(known.json.transfer.status, "awaiting_receive");
    assert.equal(known.json.transfer.found, null);
    assert.ok(!known.text.includes(person.name) && !known.text.includes(cun.me.org_unit), known.text);
    // The list shows both alike too.
    const rows = (await list(jbCun)).filter((t) => [known.json.transfer.id, unknown.json.transfer.id].includes(t.id));
    assert.equal(rows.length, 2);
    const bare = (t) => JSON.stringify({ ...t, id: "ID", key: "KEY" });
    assert.equal(bare(rows[0]), bare(rows[1]));
    // A retry finds the row; the origin sees nothing before the destination agrees.
    const retried = await ask(jbCun, person.id, YONGCHUAN, known.json.transfer.id);
    assert.equal(retried.status, 200, retried.text);
    assert.ok(!(await list(zhen)).some((t) => t.id === known.json.transfer.id), "永川 does not see it yet");
    assert.equal((await decide(zhen, known.json.transfer.id, true)).status, 404);
  });

  it("refuses what is not a cross-district request, in words, never a 500", async () => {
    const same = await ask(jbCun, idNumber(JIANGBEI), JIANGBEI);
    assert.equal(same.status, 422, same.text);
    assert.equal(same.json.error.fields[0].code, "same_district");
    const unknown = await ask(jbCun, idNumber(), "110101");
    assert.equal(unknown.status, 422, unknown.text);
    assert.equal(unknown.json.error.fields[0].code, "unknown_district");
    const bad = await ask(jbCun, "500118195301011234", YONGCHUAN);
    assert.equal(bad.status, 422, bad.text);
    const elsewhere = await api("POST", "/api/ledger/district-transfers",
      { request_id: randomUUID(), entity: "person", key: idNumber(), from_district: JIANGBEI, to_org_unit: cun.me.org_unit }, as(jbCun));
    assert.equal(elsewhere.status, 403, "into another district's village");
    for (const body of ["{", "[]", JSON.stringify({ request_id: 1 }), JSON.stringify({ approve: "yes" })]) {
      const r = await api("POST", "/api/ledger/district-transfers", body, as(jbCun));
      assert.ok(r.status >= 400 && r.status < 500, `${body}: ${r.status} ${r.text}`);
      const d = await api("POST", "/api/ledger/district-transfers/x/decision", body, as(zhen));
      assert.ok(d.status >= 400 && d.status < 500, `${body}: ${d.status} ${d.text}`);
    }
  });

  it("moves a person from 永川 to 江北: 江北 receives, 永川 releases, the person is live in 江北 only", async () => {
    const person = { id: idNumber(YONGCHUAN), name: `跨区乙${serial}` };
    await register(cun, person.name, person.id);
    const before = (await liveIn(cun, person.id))[0];
    const asked = await ask(jbCun, person.id, YONGCHUAN);
    assert.equal(asked.status, 201, asked.text);
    const id = asked.json.transfer.id;
    assert.equal((await decide(jbCun, id, true)).status, 403, "the asker never decides");
    const received = await decide(jbZhen, id, true, "同意接收");
    assert.equal(received.status, 200, received.text);
    assert.equal(received.json.status, "awaiting_release");
    assert.equal(received.json.found, null, "江北's centre learns nothing of 永川's record");
    // 永川: the centre of the person's town sees where the record lies.
    const seen = (await list(zhen)).find((t) => t.id === id);
    assert.ok(seen, "it reached 永川's town centre");
    assert.equal(seen.found.name, person.name);
    assert.equal(seen.found.from_org_unit, cun.me.org_unit);
    assert.equal(seen.may_decide, true);
    assert.equal(seen.from_district_name, "永川区");
    assert.ok(!(await list(cun)).some((t) => t.id === id), "the source village is not told");
    const waiting = (await list(jbCun)).find((t) => t.id === id);
    assert.equal(waiting.found, null, "the asker still sees nothing of 永川");

    assert.equal(await registeredInDistrict(cun2, person.id), true, "before the move 永川 counts the key as registered");
    const released = await decide(zhen, id, true);
    assert.equal(released.status, 200, released.text);
    assert.equal(released.json.status, "moved");
    const again = await decide(zhen, id, true);
    assert.equal(again.status, 200, "a retried release answers as stored");
    const contrary = await decide(zhen, id, false, "改主意");
    assert.equal(contrary.status, 409);
    assert.equal(contrary.json.error.code, "already_decided");

    // Live in 江北 only: 永川's village list and district-wide lookup drop it.
    assert.equal((await liveIn(cun, person.id)).length, 0, "永川 no longer lists the person");
    assert.equal(await registeredInDistrict(cun2, person.id), false, "永川 no longer counts the key as registered");
    const copies = await liveIn(jbCun, person.id);
    assert.equal(copies.length, 1, "江北 holds one copy");
    assert.equal(copies[0].data.name, person.name);
    assert.equal(copies[0].data.phone, before.data.phone, "fields carried");
    assert.equal((await list(jbCun)).find((t) => t.id === id).record_id, copies[0].id, "the asker sees its own copy");
    // 永川 keeps the record, its history naming the district it went to.
    const kept = await api("GET", `/api/ledger/records/${before.id}`, undefined, as(zhen));
    assert.equal(kept.status, 200, kept.text);
    const last = kept.json.history.at(-1);
    assert.equal(last.source, "transfer");
    assert.deepEqual(last.changes.district, [YONGCHUAN, JIANGBEI]);
    assert.ok(!kept.text.includes(jbCun.me.org_unit), "nothing of 江北's village in 永川's history");
    // A write to the moved-out record is a conflict, not a 500.
    const patched = await api("PATCH", `/api/ledger/records/${before.id}`, { expected_version: kept.json.record?.version ?? before.version + 1, patch: { phone: "13900000000" } }, as(cun));
    assert.ok(patched.status >= 400 && patched.status < 500, `${patched.status} ${patched.text}`);
  });

  it("moves a person from 江北 to 永川 with approvals sent at once, once", async () => {
    const person = { id: idNumber(JIANGBEI), name: `跨区丙${serial}` };
    await register(jbCun, person.name, person.id);
    const asked = await ask(cun, person.id, JIANGBEI);
    assert.equal(asked.status, 201, asked.text);
    const id = asked.json.transfer.id;
    const receives = await Promise.all([decide(zhen, id, true), decide(zhen, id, true)]);
    for (const r of receives) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, "awaiting_release");
    }
    assert.equal((await list(jbZhen)).find((t) => t.id === id)?.found?.name, person.name, "江北's centre sees its record");
    const releases = await Promise.all([0, 1, 2, 3].map(() => decide(jbZhen, id, true)));
    for (const r of releases) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.status, "moved");
    }
    assert.equal((await liveIn(jbCun, person.id)).length, 0, "江北 drops the person");
    assert.equal((await liveIn(cun, person.id)).length, 1, "永川 holds exactly one copy");
  });

  it("rejects on either side, saying why; nothing moves", async () => {
    const person = { id: idNumber(YONGCHUAN), name: `跨区丁${serial}` };
    await register(cun, person.name, person.id);
    // The destination refuses to receive: the origin never hears of it.
    const first = await ask(jbCun, person.id, YONGCHUAN);
    const silent = await decide(jbZhen, first.json.transfer.id, false, " ");
    assert.equal(silent.status, 422, silent.text);
    const refused = await decide(jbZhen, first.json.transfer.id, false, "本社区无此户");
    assert.equal(refused.status, 200, refused.text);
    assert.equal(refused.json.status, "rejected");
    assert.ok(!(await list(zhen)).some((t) => t.id === first.json.transfer.id));
    // The origin refuses to release; the asker reads the note.
    const second = await ask(jbCun, person.id, YONGCHUAN);
    assert.equal(second.status, 201, "a rejected request leaves the key free to ask again");
    assert.equal((await decide(jbZhen, second.json.transfer.id, true)).status, 200);
    const rejected = await decide(zhen, second.json.transfer.id, false, "此人未迁出本区");
    assert.equal(rejected.status, 200, rejected.text);
    const told = (await list(jbCun)).find((t) => t.id === second.json.transfer.id);
    assert.equal(told.status, "rejected");
    assert.equal(told.note, "此人未迁出本区");
    assert.equal(told.found, null);
    assert.equal((await liveIn(cun, person.id)).length, 1, "still live in 永川");
    assert.equal((await liveIn(jbCun, person.id)).length, 0);
  });

  it("leaves a key the origin does not hold to its 行政专员, who closes it", async () => {
    const nowhere = idNumber(YONGCHUAN);
    const asked = await ask(jbCun, nowhere, YONGCHUAN);
    assert.equal((await decide(jbZhen, asked.json.transfer.id, true)).status, 200);
    assert.ok(!(await list(zhen)).some((t) => t.id === asked.json.transfer.id), "no town centre of 永川 holds it");
    const seen = (await list(zhuanyuan)).find((t) => t.id === asked.json.transfer.id);
    assert.ok(seen, "永川's 行政专员 sees it");
    assert.equal(seen.found, null);
    assert.match(seen.blocked.zh, /没有这个号码/);
    const cannot = await decide(zhuanyuan, seen.id, true);
    assert.equal(cannot.status, 409);
    assert.equal(cannot.json.error.code, "cannot_move");
    assert.equal((await decide(zhuanyuan, seen.id, false, "查无此人")).json.status, "rejected");
  });

  it("finishes a move a crash interrupted after its first step when the release is sent again", async () => {
    const person = { id: idNumber(YONGCHUAN), name: `跨区戊${serial}` };
    await register(cun, person.name, person.id);
    const before = (await liveIn(cun, person.id))[0];
    const asked = await ask(jbCun, person.id, YONGCHUAN);
    const id = asked.json.transfer.id;
    assert.equal((await decide(jbZhen, id, true)).status, 200);
    // The release's own writes, as the store makes them, up to step out;
    // then the worker "dies" before step in.
    const at = new Date().toISOString();
    sql("DIRECTORY", `UPDATE district_transfers SET status = 'moving', decided_by = 'zhen', decided_at = '${at}', record_id = '${before.id}', \
      from_org_unit = '${before.org_unit}', record_version = ${before.version} WHERE id = '${id}' AND status = 'awaiting_release'`);
    const changes = JSON.stringify({ district: [YONGCHUAN, JIANGBEI], district_transfer: [null, id] });
    sql(`DB_${YONGCHUAN}`, `UPDATE ledger_records SET version = ${before.version + 1}, updated_at = '${at}', updated_by = 'zhen', moved_out = '${id}' \
      WHERE id = '${before.id}' AND version = ${before.version} AND moved_out IS NULL; \
      INSERT INTO ledger_history (record_id, version, changed_at, changed_by, source, changes) \
      VALUES ('${before.id}', ${before.version + 1}, '${at}', 'zhen', 'transfer', '${changes}')`);
    assert.equal((await liveIn(cun, person.id)).length, 0, "out: no longer live in 永川");
    assert.equal((await liveIn(jbCun, person.id)).length, 0, "and not yet in 江北: never two live copies");
    const stuck = (await list(zhen)).find((t) => t.id === id);
    assert.equal(stuck.status, "moving");
    assert.equal(stuck.may_decide, true, "the origin's centre may send the release again");
    const retried = await decide(zhen, id, true);
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.json.status, "moved");
    assert.equal((await liveIn(jbCun, person.id)).length, 1, "the retry did step in");
    assert.equal((await decide(zhen, id, true)).json.status, "moved");
    assert.equal((await liveIn(jbCun, person.id)).length, 1, "and only once");
    const history = (await api("GET", `/api/ledger/records/${before.id}`, undefined, as(zhen))).json.history;
    assert.equal(history.filter((h) => h.source === "transfer").length, 1, "step out ran again without a second history row");
  });
});
