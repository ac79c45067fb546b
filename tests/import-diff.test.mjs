// Issue 20: an older roster meets newer corrections. The preview lists each
// new record and, per changed record, each field's stored → file value; a
// field corrected in the ledger on or after the file's date (its footer's
// 制表日期, or the date the clerk gives) is held back unless ticked; the
// commit applies exactly the previewed plan (its id), answers 409 when the
// ledger moved meanwhile, and a retry of a committed plan writes nothing
// again. Also: the ledger's own export imports back with nothing to change,
// and a birth date that contradicts the ID number is refused.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { api, login, BASE, idNumber } from "./helpers.mjs";

let cun;
const as = (who) => ({ session: who.session });
const village = () => cun.me.org_unit;

before(async () => {
  cun = await login("cun");
});

const csv = (lines) => Buffer.from(lines.join("\r\n") + "\r\n", "utf8");

async function upload(query, bytes) {
  const response = await fetch(`${BASE}/api/ledger/import?entity=person&org_unit=${village()}&${query}`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${cun.session}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text), text };
}

async function record(id) {
  const r = await api("GET", `/api/ledger/records/${id}`, undefined, as(cun));
  assert.equal(r.status, 200, r.text);
  return r.json.record;
}

async function patch(id, change) {
  const current = await record(id);
  const r = await api("PATCH", `/api/ledger/records/${id}`, { expected_version: current.version, patch: change }, as(cun));
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** Two demo people of the village with a phone, from the end of the list (other tests take the first). */
async function twoPeople() {
  const r = await api("GET", `/api/ledger/person?org_unit=${village()}`, undefined, as(cun));
  assert.equal(r.status, 200, r.text);
  const withPhone = r.json.records.filter((p) => p.data.phone && p.id.startsWith("person:") && p.version === 1);
  assert.ok(withPhone.length >= 4, "the demo village has people with phones, untouched since the seed");
  return withPhone.slice(-4, -2);
}

const fieldsOf = (answer, recordId) => answer.diff.find((d) => d.record_id === recordId)?.fields ?? [];

describe("import: an older file meets newer corrections", () => {
  let zheng, li, oldPhone, newcomer, older;

  before(async () => {
    [zheng, li] = await twoPeople();
    oldPhone = zheng.data.phone;
    // Last week's visit corrected 郑刚's phone (today, after the file was made).
    await patch(zheng.id, { phone: "13911112222" });
    newcomer = idNumber();
    // The roster the village kept in June: 郑刚's old phone, 李's name as it
    // was spelled then, one person not yet in the ledger; dated by its footer.
    older = csv([
      "姓名,身份证号,联系电话",
      `${zheng.data.name},${zheng.data.id_number},${oldPhone}`,
      `${li.data.name}改,${li.data.id_number},${li.data.phone}`,
      `新来的,${newcomer},`,
      "制表日期：2026年6月1日,,",
    ]);
  });

  it("previews every field that changes, stored → file, and holds back the newer correction", async () => {
    const before = await record(zheng.id);
    const preview = await upload("", older);
    assert.equal(preview.status, 200, preview.text);
    const p = preview.json;
    assert.equal(p.committed, false);
    assert.equal(p.since, "2026-06-01", "the file's own date, from its footer");
    assert.deepEqual(p.file_date, { row: 5, date: "2026-06-01" });
    assert.match(p.plan_id, /^[0-9a-f]{32}$/);
    assert.deepEqual([p.new, p.changed, p.held], [1, 1, 1]);
    assert.deepEqual(p.added.map((a) => [a.row, a.label]), [[4, "新来的"]]);
    const [phone] = fieldsOf(p, zheng.id);
    assert.deepEqual([phone.field, phone.title, phone.stored, phone.file, phone.applied], ["phone", "联系电话", "13911112222", oldPhone, false]);
    assert.equal(phone.newer.source, "visit");
    assert.equal(phone.newer.changed_by, "cun");
    assert.equal(p.people.cun, cun.me.display_name, "who corrected it, by name");
    const [name] = fieldsOf(p, li.id);
    assert.deepEqual([name.field, name.stored, name.file, name.applied, name.newer], ["name", li.data.name, `${li.data.name}改`, true, undefined]);
    assert.deepEqual(await record(zheng.id), before, "a preview stores nothing");
  });

  it("commits exactly the previewed plan, keeps the correction, and a retry writes nothing again", async () => {
    const preview = await upload("", older);
    const commit = await upload(`commit=true&plan=${preview.json.plan_id}`, older);
    assert.equal(commit.status, 200, commit.text);
    assert.deepEqual([commit.json.committed, commit.json.new, commit.json.changed, commit.json.held], [true, 1, 1, 1]);
    assert.equal((await record(zheng.id)).data.phone, "13911112222", "the newer correction is kept");
    const renamed = await record(li.id);
    assert.equal(renamed.data.name, `${li.data.name}改`);
    const retry = await upload(`commit=true&plan=${preview.json.plan_id}`, older);
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.json.replayed, true);
    assert.deepEqual([retry.json.new, retry.json.changed], [1, 1], "the first commit's answer");
    assert.equal((await record(li.id)).version, renamed.version, "nothing written twice");
  });

  it("overwrites a newer correction when the clerk ticks it", async () => {
    const ticked = await upload(`overwrite=${encodeURIComponent(`${zheng.id}/phone`)}`, older);
    assert.equal(ticked.status, 200, ticked.text);
    const [phone] = fieldsOf(ticked.json, zheng.id);
    assert.deepEqual([phone.applied, phone.newer.source], [true, "visit"]);
    assert.equal(ticked.json.held, 0);
    const commit = await upload(`commit=true&plan=${ticked.json.plan_id}&overwrite=${encodeURIComponent(`${zheng.id}/phone`)}`, older);
    assert.equal(commit.status, 200, commit.text);
    assert.equal((await record(zheng.id)).data.phone, oldPhone);
  });

  it("answers 409 when the ledger moved after the preview, writing nothing, and a new preview commits", async () => {
    const file = csv(["姓名,身份证号", `${li.data.name}二改,${li.data.id_number}`]);
    // No date (the file has none): nothing is held back.
    const preview = await upload("", file);
    assert.equal(preview.status, 200, preview.text);
    // Someone corrects 李's address meanwhile: a field the file does not touch.
    await patch(li.id, { address: "青峰村二组8号" });
    const moved = await record(li.id);
    const stale = await upload(`commit=true&plan=${preview.json.plan_id}`, file);
    assert.equal(stale.status, 409, stale.text);
    assert.equal(stale.json.error.code, "plan_changed");
    assert.match(stale.json.error.message.zh, /重新检查/);
    assert.deepEqual(await record(li.id), moved, "nothing written");
    const again = await upload("", file);
    assert.notEqual(again.json.plan_id, preview.json.plan_id);
    const commit = await upload(`commit=true&plan=${again.json.plan_id}`, file);
    assert.equal(commit.status, 200, commit.text);
    assert.equal((await record(li.id)).data.name, `${li.data.name}二改`);
  });

  it("takes the clerk's date over the file's, and refuses a date or plan id it cannot read", async () => {
    const later = await upload("since=2099-01-01", older);
    assert.equal(later.status, 200, later.text);
    assert.equal(later.json.since, "2099-01-01");
    assert.equal(later.json.held, 0, "nothing changed in the ledger after that day");
    for (const [query, code] of [["since=昨天", "bad_since"], ["since=2026-02-30", "bad_since"], ["plan=xyz&commit=true", "bad_plan"], ["overwrite=nofield", "bad_overwrite"]]) {
      const r = await upload(query, older);
      assert.equal(r.status, 400, `${query}: ${r.text}`);
      assert.equal(r.json.error.code, code, query);
    }
  });
});

describe("import: the ledger's own export imports back unchanged", () => {
  it("re-imports its CSV and XLSX export with no change and no error; 灾情记录 is read-only", async () => {
    const r = await api("GET", `/api/ledger/person?org_unit=${village()}`, undefined, as(cun));
    const someone = r.json.records.at(-5);
    await patch(someone.id, {
      disaster_records: [
        { event: "typhoon-2026-07", title: "7月台风受灾摸排", date: "2026-07-20", kind: "房屋受损" },
        { event: "flood-2026-08", title: "8月山洪摸排" },
      ],
    });
    for (const format of ["csv", "xlsx"]) {
      const response = await fetch(`${BASE}/api/ledger/export?entity=person&org_unit=${village()}&format=${format}`, {
        headers: { cookie: `ybt_session=${cun.session}` },
      });
      assert.equal(response.status, 200);
      const bytes = Buffer.from(await response.arrayBuffer());
      if (format === "csv") {
        const text = bytes.toString("utf8");
        assert.match(text, /7月台风受灾摸排（2026-07-20，房屋受损）；8月山洪摸排/, "records as words, not JSON");
        assert.doesNotMatch(text, /"event"/);
      }
      const preview = await upload("", bytes);
      assert.equal(preview.status, 200, `${format}: ${preview.text.slice(0, 500)}`);
      assert.deepEqual([preview.json.new, preview.json.changed], [0, 0], format);
      assert.ok(preview.json.unchanged >= r.json.records.length - 1, format);
      const column = preview.json.mapping.find((m) => m.header === "灾情记录");
      assert.deepEqual([column.read_only, column.field], [true, null], format);
    }
  });

  it("refuses the read-only column when a mapping sends a file's column to it", async () => {
    const file = csv(["姓名,身份证号,灾情记录", `某人,${idNumber()},7月台风`]);
    const r = await upload("mapping=name,id_number,disaster_records", file);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, "read_only_field");
    assert.match(r.json.error.message.zh, /灾情记录/);
  });
});

describe("consistency with the ID number", () => {
  it("refuses a birth date or gender that contradicts the ID number, naming both fields, on import and on correction", async () => {
    const id = idNumber("500118", { date: "19860331", male: true });
    const file = csv(["姓名,身份证号,出生日期,性别", `核对者,${id},1986-03-30,女`]);
    const refused = await upload("", file);
    assert.equal(refused.status, 422, refused.text);
    const messages = refused.json.error.fields.map((f) => [f.pointer, f.code]).sort();
    assert.deepEqual(messages, [["/rows/2/birth_date", "contradicts_id_number"], ["/rows/2/gender", "contradicts_id_number"]]);
    const born = refused.json.error.fields.find((f) => f.pointer.endsWith("birth_date"));
    assert.match(born.message.zh, /「出生日期」与「身份证号」不一致/);
    const ok = await upload("commit=true", csv(["姓名,身份证号,出生日期,性别", `核对者,${id},1986-03-31,男`]));
    assert.equal(ok.status, 200, ok.text);
    const list = await api("GET", `/api/ledger/person?org_unit=${village()}`, undefined, as(cun));
    const stored = list.json.records.find((p) => p.data.id_number === id);
    const bad = await api("PATCH", `/api/ledger/records/${stored.id}`, { expected_version: stored.version, patch: { birth_date: "1987-03-31" } }, as(cun));
    assert.equal(bad.status, 422, bad.text);
    assert.deepEqual(bad.json.error.fields.map((f) => [f.pointer, f.code]), [["/birth_date", "contradicts_id_number"]]);
  });
});
