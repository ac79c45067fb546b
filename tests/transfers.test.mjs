// Issue 13, transfer requests (迁移申请): a village that meets a key
// registered elsewhere asks for the record to move in; asking reveals no one
// (the answer is the same whether or not the key exists, and counts against
// the daily lookup budget); the town centre sees where the record lies and
// decides within its town, the district's 行政专员 across towns; approval
// moves the record once, with history, and retries answer as stored.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { api, login, BASE, NEW_PASSWORD, idNumber } from "./helpers.mjs";

/** Part of the names this file gives its people: unique per run. */
const serial = Math.floor(Math.random() * 100000);

const as = (who) => ({ session: who.session });

async function register(who, unit, name, id) {
  const response = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${unit}&commit=true`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${who.session}`, "content-type": "application/octet-stream" },
    body: Buffer.from(`姓名,身份证号\r\n${name},${id}\r\n`, "utf8"),
  });
  assert.equal(response.status, 200, await response.text());
}

async function user(admin, role, unit) {
  const username = `transfer-${randomUUID().slice(0, 8)}`;
  const created = await api("POST", "/api/users", { username, display_name: `迁移测试${role}`, role, org_unit: unit, password: NEW_PASSWORD }, as(admin));
  assert.equal(created.status, 201, created.text);
  return { ...(await login(username, NEW_PASSWORD)), username };
}

const ask = (who, key, requestId = randomUUID(), reason = "婚嫁迁入") =>
  api("POST", "/api/ledger/transfers", { request_id: requestId, entity: "person", key, to_org_unit: who.me.org_unit, reason }, as(who));
const list = async (who) => {
  const r = await api("GET", "/api/ledger/transfers", undefined, as(who));
  assert.equal(r.status, 200, r.text);
  return r.json;
};
const decide = (who, id, approve, note = "") => api("POST", `/api/ledger/transfers/${id}/decision`, { approve, note }, as(who));

describe("transfer requests", () => {
  let admin, zhen, zhuanyuan, cun, neighbour, neighbourUnit, otherTownUnit, otherTownCentre;
  const moving = { id: idNumber(), name: `迁移人${serial}` };
  const far = { id: idNumber(), name: `外镇人${serial}` };

  before(async () => {
    [admin, zhen, zhuanyuan, cun] = await Promise.all(["admin", "zhen", "zhuanyuan", "cun"].map((u) => login(u)));
    const villages = await api("GET", `/api/org-units?parent=${zhen.me.org_unit}`, undefined, as(zhen));
    neighbourUnit = villages.json.children.map((c) => c.code).find((code) => code !== cun.me.org_unit);
    neighbour = await user(admin, "village_staff", neighbourUnit);
    await register(neighbour, neighbourUnit, moving.name, moving.id);
    const towns = await api("GET", `/api/org-units?parent=${zhen.me.org_unit.slice(0, 6)}`, undefined, as(zhuanyuan));
    const otherTown = towns.json.children.map((c) => c.code).find((code) => code !== zhen.me.org_unit);
    const otherVillages = await api("GET", `/api/org-units?parent=${otherTown}`, undefined, as(zhuanyuan));
    otherTownUnit = otherVillages.json.children[0].code;
    otherTownCentre = await user(admin, "town_coordinator", otherTown);
    await register(otherTownCentre, otherTownUnit, far.name, far.id);
  });

  it("answers a village the same whether or not the key is registered, naming no one", async () => {
    const found = await ask(cun, moving.id);
    const nowhere = await ask(cun, idNumber());
    for (const r of [found, nowhere]) {
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.transfer.status, "pending");
      assert.equal(r.json.transfer.found, null, "the requester is not told where the record lies");
      assert.equal(r.json.transfer.may_decide, false);
    }
    assert.equal(found.json.message.zh, nowhere.json.message.zh);
    assert.deepEqual(Object.keys(found.json.transfer).sort(), Object.keys(nowhere.json.transfer).sort());
    for (const secret of [neighbourUnit, moving.name]) assert.ok(!found.text.includes(secret), `the answer names ${secret}: ${found.text}`);
    assert.match(found.json.transfer.requested_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, "Beijing time");
    assert.ok(!found.json.transfer.requested_by.includes("cun") || found.json.transfer.requested_by.includes("刘洋"), "a name, not an account");
  });

  it("keeps one request per retry and per pending key, and refuses a wrong number in words", async () => {
    const key = idNumber();
    const requestId = randomUUID();
    const first = await ask(cun, key, requestId);
    assert.equal(first.status, 201, first.text);
    const retried = await ask(cun, key, requestId);
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.json.transfer.id, first.json.transfer.id);
    const again = await ask(cun, key);
    assert.equal(again.json.transfer.id, first.json.transfer.id, "a second request for a pending key is the first");
    const wrong = await ask(cun, "500118195301011234");
    assert.equal(wrong.status, 422, wrong.text);
    assert.equal(wrong.json.error.fields[0].pointer, "/key");
    assert.match(wrong.json.error.fields[0].message.zh, /^身份证号不正确/);
    const elsewhere = await api("POST", "/api/ledger/transfers",
      { request_id: randomUUID(), entity: "person", key: idNumber(), to_org_unit: neighbourUnit }, as(cun));
    assert.equal(elsewhere.status, 403, "not into another village");
  });

  it("shows the town centre where the record lies; the village only its request; the source village nothing", async () => {
    const mine = (await list(cun)).find((t) => t.key === moving.id);
    assert.ok(mine, "the requester sees its request");
    assert.equal(mine.found, null);
    assert.ok(!(await list(neighbour)).some((t) => t.key === moving.id), "the source village is not told");
    const seen = (await list(zhen)).find((t) => t.key === moving.id);
    assert.equal(seen.found.name, moving.name);
    assert.equal(seen.found.from_org_unit, neighbourUnit);
    assert.ok(seen.found.from_name && !/^\d+$/.test(seen.found.from_name), "a village name");
    assert.equal(seen.may_decide, true);
    assert.equal(seen.blocked, null);
    const nothing = (await list(zhen)).find((t) => t.status === "pending" && t.found === null && t.may_decide);
    assert.match(nothing.blocked.zh, /台账中没有这个号码/, "a key registered nowhere needs no move");
    assert.ok(!(await list(otherTownCentre)).some((t) => t.key === moving.id), "another town's centre sees nothing");
  });

  it("moves the record on approval, once, with history; the requester and the source village cannot decide", async () => {
    const request = (await list(zhen)).find((t) => t.key === moving.id);
    assert.equal((await decide(cun, request.id, true)).status, 403, "the requester never decides");
    assert.equal((await decide(otherTownCentre, request.id, true)).status, 404, "another town's centre does not see it");
    const silent = await decide(zhen, request.id, false, "  ");
    assert.equal(silent.status, 422, "a rejection says why");
    assert.equal(silent.json.error.fields[0].pointer, "/note");
    const approved = await decide(zhen, request.id, true);
    assert.equal(approved.status, 200, approved.text);
    assert.equal(approved.json.status, "approved");
    assert.equal(approved.json.found.from_org_unit, neighbourUnit, "the decision keeps where it came from");
    const retried = await decide(zhen, request.id, true);
    assert.equal(retried.status, 200, "a retried approval answers as stored");
    const contrary = await decide(zhen, request.id, false, "改主意");
    assert.equal(contrary.status, 409);
    assert.equal(contrary.json.error.code, "already_decided");

    const people = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(cun));
    const moved = people.json.records.find((r) => r.data.id_number === moving.id);
    assert.ok(moved, "the person is now in the requesting village");
    const detail = await api("GET", `/api/ledger/records/${moved.id}`, undefined, as(cun));
    const last = detail.json.history.at(-1);
    assert.equal(last.source, "transfer");
    assert.deepEqual(last.changes.org_unit, [neighbourUnit, cun.me.org_unit]);
    assert.equal((await api("GET", `/api/ledger/records/${moved.id}`, undefined, as(neighbour))).status, 403, "the old village no longer reads it");
    const mine = (await list(cun)).find((t) => t.key === moving.id);
    assert.equal(mine.status, "approved");
    assert.equal(mine.found, null, "nor does the requester learn after the fact where it lay");
  });

  it("leaves a move across towns to the district's 行政专员", async () => {
    const r = await ask(cun, far.id);
    assert.equal(r.status, 201, r.text);
    const atCentre = (await list(zhen)).find((t) => t.key === far.id);
    assert.ok(atCentre, "the destination's centre sees the request");
    assert.equal(atCentre.found, null, "but not a village of another town");
    assert.equal(atCentre.may_decide, false);
    assert.equal((await decide(zhen, atCentre.id, true)).status, 403);
    const atDistrict = (await list(zhuanyuan)).find((t) => t.key.slice(-4) === far.id.slice(-4) && t.status === "pending" && t.found?.name === far.name);
    assert.ok(atDistrict, "the 行政专员 sees where it lies");
    assert.match(atDistrict.key, /\*{8}/, "its key masked without the grant");
    const rejected = await decide(zhuanyuan, atDistrict.id, false, "户籍未迁移");
    assert.equal(rejected.status, 200, rejected.text);
    const mine = (await list(cun)).find((t) => t.key === far.id);
    assert.equal(mine.status, "rejected");
    assert.equal(mine.note, "户籍未迁移", "the village reads why");
  });

  it("counts each request against the daily lookup budget", async () => {
    const asker = await user(admin, "village_staff", cun.me.org_unit);
    let last;
    for (let i = 0; i < 21; i += 1) last = await ask(asker, idNumber());
    assert.equal(last.status, 429, last.text);
    assert.equal(last.json.error.code, "lookup_limit");
  });
});
