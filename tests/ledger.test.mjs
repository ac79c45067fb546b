// The shared ledger through the worker: listing and masking by role,
// conditional updates with history, file import (CSV, GBK, bad files),
// export, and the department ingest API.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { api, login, BASE, idNumber } from "./helpers.mjs";

let cun, cun2, zhen, zhuanyuan, minzheng;
const keys = Object.fromEntries((process.env.YBT_INGEST_KEYS ?? "").split(",").map((kv) => kv.split("=")));

before(async () => {
  [cun, cun2, zhen, zhuanyuan, minzheng] = await Promise.all(["cun", "cun2", "zhen", "zhuanyuan", "minzheng"].map((u) => login(u)));
});

const as = (who) => ({ session: who.session });
const village = () => cun.me.org_unit;

/** Sends a file body (bytes) to the import endpoint. */
async function upload(who, query, bytes, extraHeaders = {}) {
  const response = await fetch(`${BASE}/api/ledger/import?${query}`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${who.session}`, "content-type": "application/octet-stream", ...extraHeaders },
    body: bytes,
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text), text };
}

async function people(who, unit = village()) {
  const r = await api("GET", `/api/ledger/person?org_unit=${unit}`, undefined, as(who));
  assert.equal(r.status, 200, r.text);
  return r.json.records;
}

const csv = (lines) => Buffer.from(lines.join("\r\n") + "\r\n", "utf8");

describe("listing and masking", () => {
  it("shows village staff their own village's people with ID numbers whole", async () => {
    const records = await people(cun);
    assert.ok(records.length > 0);
    assert.ok(records.every((r) => r.org_unit === village() && r.entity === "person" && r.version >= 1));
    assert.ok(records.every((r) => /^[0-9]{17}[0-9X]$/.test(r.data.id_number)), "unmasked for the village's own staff");
  });

  it("masks ID numbers and phones for a district reader without grants", async () => {
    const r = await api("GET", `/api/ledger/person?org_unit=${village()}`, undefined, as(zhuanyuan));
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.records.length > 0);
    for (const record of r.json.records) {
      assert.match(record.data.id_number, /^[0-9]{6}\*{8}[0-9]{3}[0-9X]$/);
      if (record.data.phone) assert.match(record.data.phone, /^[0-9]{3}\*{4}[0-9]{4}$/);
    }
  });

  it("lists a town's villages for its coordinator, and logs the unmasked read", async () => {
    const town = await people(zhen, village().slice(0, 9));
    assert.ok(town.some((r) => r.org_unit === village()));
    assert.ok(town.every((r) => r.org_unit.startsWith(village().slice(0, 9))));
    const admin = await login("admin");
    const audit = await api("GET", `/api/audit?user=${zhen.me.user_id}&item=person.id_number`, undefined, as(admin));
    assert.ok(audit.json.entries.some((e) => e.username === "zhen" && e.action === "ledger" && e.items.includes("person.id_number")));
  });

  it("refuses another village, a department analyst, and an unknown record type", async () => {
    assert.equal((await api("GET", `/api/ledger/person?org_unit=${cun2.me.org_unit}`, undefined, as(cun))).status, 403);
    assert.equal((await api("GET", `/api/ledger/person?org_unit=${village()}`, undefined, as(minzheng))).status, 403);
    assert.equal((await api("GET", `/api/ledger/nothing?org_unit=${village()}`, undefined, as(cun))).status, 404);
    assert.equal((await api("GET", `/api/ledger/person`, undefined, as(cun))).status, 400);
    assert.equal((await api("GET", `/api/ledger/person?org_unit=${village()}`)).status, 401);
  });
});

describe("conditional updates and history", () => {
  it("updates from the current version, writes history, and refuses a stale write with the current record", async () => {
    const [record] = await people(cun);
    const phone = `139${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const ok = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { phone } }, as(cun));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.version, record.version + 1);
    assert.equal(ok.json.data.phone, phone);

    const detail = await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun));
    assert.equal(detail.status, 200, detail.text);
    const last = detail.json.history.at(-1);
    assert.equal(last.version, record.version + 1);
    assert.equal(last.source, "visit");
    assert.equal(last.changed_by, "cun");
    assert.deepEqual(last.changes.phone, [record.data.phone ?? null, phone]);

    const stale = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { name: "改名者" } }, as(cun));
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.json.error.code, "stale_version");
    assert.ok(stale.json.error.message.zh && stale.json.error.message.en);
    assert.equal(stale.json.current.version, record.version + 1);
    assert.equal(stale.json.current.data.phone, phone);
    const after = await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun));
    assert.equal(after.json.record.data.name, record.data.name, "the stale write changed nothing");
    assert.equal(after.json.history.length, detail.json.history.length, "and wrote no history");
  });

  it("lets exactly one of concurrent writers from the same version win", async () => {
    const records = await people(cun);
    const record = records[records.length - 1];
    const before = (await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun))).json.history.length;
    const answers = await Promise.all(
      ["13911110001", "13911110002", "13911110003", "13911110004"].map((phone) =>
        api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { phone } }, as(cun))),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409, 409], answers.map((a) => a.text).join("\n"));
    const winner = answers.find((a) => a.status === 200).json;
    for (const loser of answers.filter((a) => a.status === 409)) assert.deepEqual(loser.json.current, winner);
    const after = await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun));
    assert.equal(after.json.history.length, before + 1);
    assert.deepEqual(after.json.record, winner);
  });

  it("answers 422 per field for an invalid change and 403 outside the writer's village", async () => {
    const [record] = await people(cun);
    const bad = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { gender: "M", phone: "123" } }, as(cun));
    assert.equal(bad.status, 422, bad.text);
    const pointers = bad.json.error.fields.map((f) => f.pointer).sort();
    assert.deepEqual(pointers, ["/gender", "/phone"]);
    const other = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { phone: "13900000000" } }, as(cun2));
    assert.equal(other.status, 403);
    const reader = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { phone: "13900000000" } }, as(zhuanyuan));
    assert.equal(reader.status, 403);
    assert.equal((await api("GET", `/api/ledger/records/person:nobody`, undefined, as(cun))).status, 404);
  });

  it("masks sensitive values in a record's history for readers without grants", async () => {
    const [record] = await people(cun);
    const detail = await api("GET", `/api/ledger/records/${record.id}`, undefined, as(zhuanyuan));
    assert.equal(detail.status, 200, detail.text);
    const first = detail.json.history[0];
    assert.match(first.changes.id_number[1], /\*{8}/);
    assert.match(detail.json.record.data.id_number, /\*{8}/);
  });
});

describe("import", () => {
  it("previews a CSV without storing, commits it, and changes nothing the second time", async () => {
    const before = (await people(cun)).length;
    const rows = [idNumber(), idNumber(), idNumber()];
    const file = csv(["青峰村人员台账", "序号,姓名,身份证号,联系电话", ...rows.map((id, i) => `${i + 1},导入${i},${id},1380000000${i}`)]);
    const preview = await upload(cun, `entity=person&org_unit=${village()}`, file);
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.json.committed, false);
    assert.equal(preview.json.header_row, 2);
    assert.deepEqual(preview.json.mapping.map((m) => m.field), [null, "name", "id_number", "phone"]);
    assert.deepEqual([preview.json.new, preview.json.changed, preview.json.unchanged], [3, 0, 0]);
    assert.equal((await people(cun)).length, before, "a preview stores nothing");

    const commit = await upload(cun, `entity=person&org_unit=${village()}&commit=true`, file);
    assert.equal(commit.status, 200, commit.text);
    assert.equal(commit.json.committed, true);
    assert.equal(commit.json.new, 3);
    const afterFirst = await people(cun);
    assert.equal(afterFirst.length, before + 3);
    const imported = afterFirst.find((r) => r.data.id_number === rows[0]);
    assert.equal(imported.data.village, village());
    const history = await api("GET", `/api/ledger/records/${imported.id}`, undefined, as(cun));
    assert.equal(history.json.history.length, 1);
    assert.equal(history.json.history[0].source, "import");

    const again = await upload(cun, `entity=person&org_unit=${village()}&commit=true`, file);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.json.new, again.json.changed, again.json.unchanged, again.json.batches], [0, 0, 3, 0]);
    assert.deepEqual(await people(cun), afterFirst, "the same file twice changes nothing");
  });

  it("reads a GBK-encoded CSV", async () => {
    const [a, b] = [idNumber(), idNumber()];
    const file = Buffer.concat([
      Buffer.from("d0d5c3fb2cc9edb7ddd6a4bac52cc1aacfb5b5e7bbb00d0a", "hex"), // 姓名,身份证号,联系电话
      Buffer.from("cdf5d0a1c3f72c", "hex"), Buffer.from(`${a},13800001111\r\n`), // 王小明,
      Buffer.from("c0eeb4f3baec2c", "hex"), Buffer.from(`${b},13800002222\r\n`), // 李大红,
    ]);
    const commit = await upload(cun, `entity=person&org_unit=${village()}&commit=true`, file);
    assert.equal(commit.status, 200, commit.text);
    assert.equal(commit.json.new, 2);
    const stored = (await people(cun)).filter((r) => [a, b].includes(r.data.id_number)).map((r) => r.data.name).sort();
    assert.deepEqual(stored, ["李大红", "王小明"].sort());
  });

  it("refuses a file with a bad ID number and a duplicate key, with row numbers, storing nothing", async () => {
    const before = await people(cun);
    const good = idNumber();
    const valid = idNumber();
    const badCheckDigit = valid.slice(0, 17) + (valid[17] === "0" ? "1" : "0");
    const file = csv(["姓名,身份证号", `甲,${idNumber()}`, `乙,${badCheckDigit}`, `丙,${good}`, `丁,${good}`]);
    const r = await upload(cun, `entity=person&org_unit=${village()}&commit=true`, file);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, "invalid_rows");
    const pointers = r.json.error.fields.map((f) => f.pointer);
    assert.ok(pointers.includes("/rows/3/id_number"), pointers.join());
    assert.ok(pointers.includes("/rows/5/id_number"), pointers.join());
    const duplicate = r.json.error.fields.find((f) => f.code === "duplicate_key");
    assert.match(duplicate.message.zh, /第 5 行.*第 4 行/);
    assert.match(duplicate.message.en, /row 5.*row 4/);
    assert.deepEqual(await people(cun), before, "nothing stored");
  });

  it("explains truncated, unreadable and header-less files", async () => {
    const truncated = Buffer.concat([Buffer.from("姓名,身份证号\r\n张"), Buffer.from("三", "utf8").subarray(0, 2)]);
    const cases = [
      [truncated, "truncated"],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), "unreadable"],
      [csv(["a,b", "1,2"]), "no_header"],
      [Buffer.alloc(0), "empty"],
      [csv(['姓名,身份证号', '"张三,110105']), "malformed"],
    ];
    for (const [bytes, code] of cases) {
      const r = await upload(cun, `entity=person&org_unit=${village()}&commit=true`, bytes);
      assert.equal(r.status, 400, `${code}: ${r.text}`);
      assert.equal(r.json.error.code, code);
      assert.ok(r.json.error.message.zh && r.json.error.message.en);
    }
  });

  it("refuses an oversized file with 413 and the limit in the message", async () => {
    const r = await upload(cun, `entity=person&org_unit=${village()}&commit=true`, Buffer.alloc(20 * 1024 * 1024 + 1, 0x41));
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.error.code, "too_large");
    assert.match(r.json.error.message.zh, /20\.0 MB/);
    assert.match(r.json.error.message.en, /limit is 20\.0 MB/);
  });

  it("lets only the village's writers import", async () => {
    const file = csv(["姓名,身份证号", `甲,${idNumber()}`]);
    assert.equal((await upload(cun2, `entity=person&org_unit=${village()}`, file)).status, 403);
    assert.equal((await upload(zhuanyuan, `entity=person&org_unit=${village()}`, file)).status, 403);
  });
});

describe("import: people registered in another village", () => {
  it("refuses a row whose ID number is registered in another village, naming the row but neither the ID nor the village, storing nothing", async () => {
    const elsewhere = idNumber();
    const there = await upload(cun2, `entity=person&org_unit=${cun2.me.org_unit}&commit=true`, csv(["姓名,身份证号", `外村人,${elsewhere}`]));
    assert.equal(there.status, 200, there.text);
    const before = await people(cun);
    const fresh = idNumber();
    const file = csv(["姓名,身份证号", `本村人,${fresh}`, `外村人,${elsewhere}`]);
    for (const commit of ["", "&commit=true"]) {
      const r = await upload(cun, `entity=person&org_unit=${village()}${commit}`, file);
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.error.code, "invalid_rows");
      assert.equal(r.json.error.fields.length, 1, r.text);
      const [field] = r.json.error.fields;
      assert.equal(field.pointer, "/rows/3/id_number");
      assert.equal(field.code, "key_in_other_unit");
      // Issue 13: the village's staff may not see the other village, so the
      // refusal names no one (the town centre of both would get the detail).
      assert.match(field.message.zh, /^第 3 行.*已在本区其他村（社区）登记：请在「迁移申请」中申请迁入，由乡镇协同中心办理/);
      assert.match(field.message.en, /^row 3.*already registered in another village/);
      assert.ok(!r.text.includes(elsewhere) && !r.text.includes(cun2.me.org_unit), r.text);
    }
    assert.deepEqual(await people(cun), before, "neither row stored: the file is all or nothing");
    const theirs = (await people(cun2, cun2.me.org_unit)).filter((r) => r.data.id_number === elsewhere);
    assert.equal(theirs.length, 1, "the person stays registered once, where they were");
  });

  it("refuses the same through the department ingest API", async () => {
    const elsewhere = idNumber();
    const there = await upload(cun2, `entity=person&org_unit=${cun2.me.org_unit}&commit=true`, csv(["姓名,身份证号", `外村人,${elsewhere}`]));
    assert.equal(there.status, 200, there.text);
    const r = await api("POST", `/api/ingest/person?org_unit=${village()}`, [{ name: "外村人", id_number: elsewhere }], {
      bare: true,
      headers: { authorization: `Bearer ${keys["demo-key-minzheng"]}` },
    });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.fields[0].code, "key_in_other_unit");
  });
});

describe("import: the clerk's column mapping", () => {
  it("previews and commits with the mapping the clerk chose instead of the suggestion", async () => {
    const id = idNumber();
    // The headers are wrong for their columns: 姓名 holds the ID numbers.
    const file = csv(["姓名,身份证号,备注", `${id},改列人,随便写`]);
    const suggested = await upload(cun, `entity=person&org_unit=${village()}`, file);
    assert.equal(suggested.status, 422, "with the suggested mapping the ID column holds names");
    const mapping = encodeURIComponent("id_number,name,");
    const preview = await upload(cun, `entity=person&org_unit=${village()}&mapping=${mapping}`, file);
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(preview.json.mapping.map((m) => m.field), ["id_number", "name", null]);
    assert.deepEqual([preview.json.new, preview.json.batches, preview.json.committed], [1, 1, false]);
    const commit = await upload(cun, `entity=person&org_unit=${village()}&mapping=${mapping}&commit=true`, file);
    assert.equal(commit.status, 200, commit.text);
    const stored = (await people(cun)).find((r) => r.data.id_number === id);
    assert.equal(stored.data.name, "改列人");
  });

  it("explains a mapping that names an unknown field, too many columns, or no ID column", async () => {
    const file = csv(["姓名,身份证号", `甲,${idNumber()}`]);
    const cases = [
      ["name,shoe_size", "unknown_field"],
      ["name,id_number,phone", "mapping_too_long"],
      ["name,", "missing_key_column"],
      ["name,name", "duplicate_column"],
    ];
    for (const [mapping, code] of cases) {
      const r = await upload(cun, `entity=person&org_unit=${village()}&mapping=${encodeURIComponent(mapping)}`, file);
      assert.equal(r.status, 400, `${mapping}: ${r.text}`);
      assert.equal(r.json.error.code, code, mapping);
      assert.ok(r.json.error.message.zh && r.json.error.message.en, mapping);
    }
  });
});

describe("export", () => {
  it("exports the village's people as CSV that parses back", async () => {
    const records = await people(cun);
    const r = await fetch(`${BASE}/api/ledger/export?entity=person&org_unit=${village()}&format=csv`, { headers: { cookie: `ybt_session=${cun.session}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-disposition"), /attachment; filename="ledger-person-\d{12}\.csv"/);
    const text = (await r.text()).replace(/^\uFEFF/, "");
    const lines = text.trim().split("\r\n");
    const header = lines[0].split(",");
    assert.equal(header[0], "姓名");
    const idColumn = header.indexOf("身份证号");
    assert.equal(lines.length - 1, records.length);
    const exported = lines.slice(1).map((l) => l.split(",")[idColumn]).sort();
    assert.deepEqual(exported, records.map((p) => p.data.id_number).sort());
  });

  it("masks the export for a reader without grants", async () => {
    const r = await fetch(`${BASE}/api/ledger/export?entity=person&org_unit=${village()}&format=csv`, { headers: { cookie: `ybt_session=${zhuanyuan.session}` } });
    assert.equal(r.status, 200);
    const lines = (await r.text()).trim().split("\r\n");
    const idColumn = lines[0].replace(/^\uFEFF/, "").split(",").indexOf("身份证号");
    assert.ok(lines.slice(1).every((l) => /\*{8}/.test(l.split(",")[idColumn])));
  });

  it("exports XLSX", async () => {
    const r = await fetch(`${BASE}/api/ledger/export?entity=person&org_unit=${village().slice(0, 9)}&format=xlsx`, { headers: { cookie: `ybt_session=${zhen.session}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /spreadsheetml/);
    const bytes = Buffer.from(await r.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString("latin1"), "PK");
    const bad = await api("GET", `/api/ledger/export?entity=person&org_unit=${village()}&format=pdf`, undefined, as(cun));
    assert.equal(bad.status, 400);
    assert.equal((await api("GET", `/api/ledger/export?entity=person&org_unit=${village()}&format=csv`, undefined, as(cun2))).status, 403);
  });
});

describe("department ingest", () => {
  const push = (key, query, body) =>
    api("POST", `/api/ingest/person?${query}`, body, { bare: true, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

  it("accepts records with a department's key, with versioning and history", async () => {
    const id = idNumber();
    const first = await push(keys["demo-key-minzheng"], `org_unit=${village()}`, [{ name: "推送者", id_number: id, tags: ["低保"] }]);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual([first.json.new, first.json.changed, first.json.unchanged], [1, 0, 0]);
    const again = await push(keys["demo-key-minzheng"], `org_unit=${village()}`, [{ name: "推送者", id_number: id, tags: ["低保"] }]);
    assert.deepEqual([again.json.new, again.json.changed, again.json.unchanged], [0, 0, 1]);
    const changed = await push(keys["demo-key-minzheng"], `org_unit=${village()}`, [{ id_number: id, name: "推送者", phone: "13712345678" }]);
    assert.deepEqual([changed.json.new, changed.json.changed], [0, 1]);
    const record = (await people(cun)).find((r) => r.data.id_number === id);
    assert.equal(record.version, 2);
    assert.deepEqual(record.data.tags, ["低保"], "fields the department did not send are kept");
    const detail = await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun));
    assert.deepEqual(detail.json.history.map((h) => h.source), ["department", "department"]);
    assert.match(detail.json.history[1].changed_by, /区民政局/);
  });

  it("refuses a missing or unknown key with 401", async () => {
    for (const key of [undefined, "not-a-key"]) {
      const r = await push(key, `org_unit=${village()}`, [{ name: "x", id_number: idNumber() }]);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json.error.code, "invalid_api_key");
    }
  });

  it("refuses another department's record type and units outside the key's scope with 403", async () => {
    const other = await push(keys["demo-key-yingji"], `org_unit=${village()}`, [{ name: "x", id_number: idNumber() }]);
    assert.equal(other.status, 403, other.text);
    const outside = await push(keys["demo-key-minzheng"], "org_unit=500119100001", [{ name: "x", id_number: idNumber() }]);
    assert.equal(outside.status, 403, outside.text);
  });

  it("refuses an invalid batch whole, with positions", async () => {
    const before = await people(cun);
    const r = await push(keys["demo-key-minzheng"], `org_unit=${village()}`, [{ name: "好", id_number: idNumber() }, { name: "坏", id_number: "123" }, 7]);
    assert.equal(r.status, 422, r.text);
    const pointers = r.json.error.fields.map((f) => f.pointer);
    assert.ok(pointers.includes("/rows/2/id_number") && pointers.includes("/rows/3"), pointers.join());
    assert.deepEqual(await people(cun), before);
  });
});
