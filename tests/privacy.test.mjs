// Issue 13, "privacy that holds": every attack the issue describes, replayed
// against a real `wrangler dev` with local D1, each asserted to fail.
//
// - a masked ID number rebuilt from the birth date shown beside it;
// - an import preview (and a PATCH) used as a district-wide lookup of who
//   lives where, with a file of guessed ID numbers;
// - a write-back phone, a computed copy of an ID number, and a summary
//   filter answering yes/no to guesses: values leaving unmasked;
// - a 2 KB XLSX that aborts the worker, and other hostile archives;
// - twenty parallel wrong passwords all checked; a lockout denying a user
//   their own account from elsewhere;
// - a CSV export that a spreadsheet runs as a formula.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { api, login, BASE, PASSWORD, NEW_PASSWORD, idNumber } from "./helpers.mjs";

const as = (who) => ({ session: who.session });

const csv = (lines) => Buffer.from(lines.join("\r\n") + "\r\n", "utf8");

async function upload(who, query, bytes) {
  const response = await fetch(`${BASE}/api/ledger/import?${query}`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${who.session}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

async function download(path, who) {
  const response = await fetch(`${BASE}${path}`, { headers: { cookie: `ybt_session=${who.session}` } });
  return { status: response.status, text: await response.text() };
}

/** Registers people (name, ID) in `unit` as `who`, committed. */
async function register(who, unit, people) {
  const r = await upload(who, `entity=person&org_unit=${unit}&commit=true`, csv(["姓名,身份证号", ...people.map(([n, id]) => `${n},${id}`)]));
  assert.equal(r.status, 200, r.text);
}

/** A new village-staff account of `unit`: each has its own daily lookup quota. */
async function villageUser(admin, unit) {
  const username = `privacy-${randomUUID().slice(0, 8)}`;
  const created = await api("POST", "/api/users", {
    username, display_name: "隐私测试", role: "village_staff", org_unit: unit, password: NEW_PASSWORD,
  }, as(admin));
  assert.equal(created.status, 201, created.text);
  return { ...(await login(username, NEW_PASSWORD)), id: created.json.user_id, username };
}

// --- a tiny ZIP writer (stored or deflated), for hostile workbooks ---------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A ZIP archive of `entries` ([name, text or bytes]); `deflate` compresses. */
function zip(entries, { deflate = false, declared } = {}) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
    const body = deflate ? deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name, "utf8");
    const size = declared?.[name] ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const NS = "http://schemas.openxmlformats.org";
/** A workbook whose first sheet and shared strings are given as XML. */
function workbook(sheetXml, sharedStringsXml, options) {
  return zip([
    ["[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="${NS}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`],
    ["_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="${NS}/package/2006/relationships"><Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ["xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="${NS}/spreadsheetml/2006/main" xmlns:r="${NS}/officeDocument/2006/relationships"><sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ["xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="${NS}/package/2006/relationships"><Relationship Id="rId1" Type="${NS}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`],
    ["xl/worksheets/sheet1.xml", sheetXml],
    ["xl/sharedStrings.xml", sharedStringsXml],
  ], options);
}
const sheet = (cells) => `<?xml version="1.0"?><worksheet xmlns="${NS}/spreadsheetml/2006/main"><sheetData>${cells}</sheetData></worksheet>`;
const strings = (items, uniqueCount = items.length) =>
  `<?xml version="1.0"?><sst xmlns="${NS}/spreadsheetml/2006/main" count="${items.length}" uniqueCount="${uniqueCount}">${items.map((s) => `<si><t>${s}</t></si>`).join("")}</sst>`;

let admin, zhuanyuan, minzheng, zhen, cun, cun2;
before(async () => {
  [admin, zhuanyuan, minzheng, zhen, cun, cun2] = await Promise.all(["admin", "zhuanyuan", "minzheng", "zhen", "cun", "cun2"].map((u) => login(u)));
});

describe("a masked ID number cannot be rebuilt from the birth date beside it", () => {
  it("shows readers without the grant the birth year only, in the list, the record, its history and the export", async () => {
    const r = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(zhuanyuan));
    assert.equal(r.status, 200, r.text);
    const born = r.json.records.filter((p) => p.data.birth_date);
    assert.ok(born.length > 0, "the demo people have birth dates");
    for (const p of r.json.records) {
      assert.match(p.data.id_number, /^\d{6}\*{8}[0-9X]{4}$/);
      if (p.data.birth_date) assert.match(p.data.birth_date, /^\d{4}$/, "the year only");
    }
    // The history of a record whose birth date changed shows old and new years only.
    const own = (await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(cun))).json.records.find((p) => p.data.birth_date);
    // A birth date must agree with the ID number (issue 20): removed, then
    // set again to the ID number's, it changes twice in the history.
    const idDate = `${own.data.id_number.slice(6, 10)}-${own.data.id_number.slice(10, 12)}-${own.data.id_number.slice(12, 14)}`;
    const removed = await api("PATCH", `/api/ledger/records/${own.id}`, { expected_version: own.version, patch: { birth_date: null } }, as(cun));
    assert.equal(removed.status, 200, removed.text);
    const patched = await api("PATCH", `/api/ledger/records/${own.id}`, { expected_version: removed.json.version, patch: { birth_date: idDate } }, as(cun));
    assert.equal(patched.status, 200, patched.text);
    const detail = await api("GET", `/api/ledger/records/${own.id}`, undefined, as(zhuanyuan));
    assert.equal(detail.json.record.data.birth_date, idDate.slice(0, 4));
    assert.ok(detail.json.history.some((h) => "birth_date" in h.changes), "the birth date's changes are in the history");
    for (const entry of detail.json.history) {
      for (const [field, [before, after]] of Object.entries(entry.changes)) {
        if (field === "birth_date") {
          for (const v of [before, after]) if (v) assert.match(v, /^\d{4}$/, JSON.stringify(entry));
        }
        if (field === "id_number") for (const v of [before, after]) if (v) assert.match(v, /\*{8}/);
      }
    }
    const exported = await download(`/api/ledger/export?entity=person&org_unit=${cun.me.org_unit}&format=csv`, zhuanyuan);
    assert.equal(exported.status, 200);
    // The 出生日期 column holds years only (other columns may hold dates
    // that reveal nothing, such as a disaster record's, issue 20).
    const lines = exported.text.replace(/^\uFEFF/, "").trim().split("\r\n");
    const bornColumn = lines[0].split(",").indexOf("出生日期");
    assert.ok(bornColumn >= 0 && lines.length > 1);
    for (const line of lines.slice(1)) {
      const cell = line.split(",")[bornColumn];
      if (cell) assert.match(cell, /^\d{4}$/, `no full birth date in the export: ${line}`);
    }
    assert.doesNotMatch(exported.text, /\b\d{17}[0-9X]\b/, "no full ID number in the export");
  });

  it("shows the whole group to a reader granted the ID number, and audits it", async () => {
    const viewer = `viewer-${randomUUID().slice(0, 8)}`;
    const created = await api("POST", "/api/users", {
      username: viewer, display_name: "授权查看", role: "admin_specialist", org_unit: "500118", password: NEW_PASSWORD,
    }, as(admin));
    assert.equal(created.status, 201, created.text);
    assert.equal((await api("PUT", `/api/users/${created.json.user_id}/grants`, { items: ["person.id_number"] }, as(admin))).status, 200);
    const granted = await login(viewer, NEW_PASSWORD);
    const r = await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(granted));
    const p = r.json.records.find((x) => x.data.birth_date);
    assert.match(p.data.id_number, /^\d{17}[0-9X]$/);
    assert.match(p.data.birth_date, /^\d{4}-\d{2}-\d{2}$/);
    const audit = await api("GET", `/api/audit?user=${created.json.user_id}`, undefined, as(admin));
    assert.ok(audit.json.entries.some((e) => e.username === viewer && e.items.includes("person.id_number") && e.class === "granted"), "the unmasked read is audited, under a grant");
  });
});

describe("an import preview is no lookup of residents", () => {
  it("refuses a key registered in another village without naming the number, the person or the village", async () => {
    const elsewhere = idNumber();
    await register(cun2, cun2.me.org_unit, [["外村人甲", elsewhere]]);
    for (const commit of ["", "&commit=true"]) {
      const r = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}${commit}`, csv(["姓名,身份证号", `本村人,${idNumber()}`, `猜测,${elsewhere}`]));
      assert.equal(r.status, 422, r.text);
      const [field] = r.json.error.fields;
      assert.equal(field.code, "key_in_other_unit");
      assert.match(field.message.zh, /已在本区其他村（社区）登记：请在「迁移申请」中申请迁入，由乡镇协同中心办理/);
      for (const secret of [elsewhere, cun2.me.org_unit, "外村人甲"]) {
        assert.ok(!r.text.includes(secret), `the answer names ${secret}: ${r.text}`);
      }
    }
    const audit = await api("GET", `/api/audit?user=${cun.me.user_id}&class=cross_area`, undefined, as(admin));
    assert.ok(audit.json.entries.some((e) => e.username === "cun" && e.action === "key_refused"), "the refusal is audited, as a read across areas");
  });

  it("gives a town centre the detail for a village it may see", async () => {
    const villages = await api("GET", `/api/org-units?parent=${zhen.me.org_unit}`, undefined, as(zhen));
    const neighbour = villages.json.children.map((c) => c.code).find((code) => code !== cun.me.org_unit);
    const id = idNumber();
    await register(zhen, neighbour, [["邻村人", id]]);
    const centre = await upload(zhen, `entity=person&org_unit=${cun.me.org_unit}`, csv(["姓名,身份证号", `邻村人,${id}`]));
    assert.equal(centre.status, 422, centre.text);
    assert.ok(centre.json.error.fields[0].message.zh.includes(neighbour), centre.text);
    const village = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}`, csv(["姓名,身份证号", `邻村人,${id}`]));
    assert.equal(village.status, 422);
    assert.ok(!village.text.includes(neighbour) && !village.text.includes(id), village.text);
  });

  it("refuses a file of guesses whole, without saying which rows hit", async () => {
    const hits = Array.from({ length: 6 }, () => idNumber());
    await register(cun2, cun2.me.org_unit, hits.map((id, i) => [`外村人${i}`, id]));
    const guesser = await villageUser(admin, cun.me.org_unit);
    const r = await upload(guesser, `entity=person&org_unit=${cun.me.org_unit}`, csv(["姓名,身份证号", ...hits.map((id) => `某人,${id}`), `某人,${idNumber()}`]));
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.code, "implausible_file");
    assert.ok(!r.json.error.fields?.length, "no row detail");
    for (const id of hits) assert.ok(!r.text.includes(id));
  });

  it("limits refused lookups per user per day, previews included, then refuses every lookup alike", async () => {
    const hits = Array.from({ length: 5 }, () => idNumber());
    await register(cun2, cun2.me.org_unit, hits.map((id, i) => [`外村人乙${i}`, id]));
    const guesser = await villageUser(admin, cun.me.org_unit);
    const file = csv(["姓名,身份证号", ...hits.map((id) => `某人,${id}`)]);
    for (let i = 0; i < 4; i++) {
      const r = await upload(guesser, `entity=person&org_unit=${cun.me.org_unit}`, file);
      assert.equal(r.status, 422, `preview ${i + 1}: ${r.text}`);
    }
    const limited = await upload(guesser, `entity=person&org_unit=${cun.me.org_unit}`, file);
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.json.error.code, "lookup_limit");
    const clean = await upload(guesser, `entity=person&org_unit=${cun.me.org_unit}`, csv(["姓名,身份证号", `新人,${idNumber()}`]));
    assert.equal(clean.status, 429, "a file without hits is refused alike: the limit answers no question");
  });

  it("refuses a PATCH to an ID number registered in another village, naming no one", async () => {
    const elsewhere = idNumber();
    await register(cun2, cun2.me.org_unit, [["外村人丙", elsewhere]]);
    const mine = idNumber();
    await register(cun, cun.me.org_unit, [["本村人丙", mine]]);
    const record = (await api("GET", `/api/ledger/person?org_unit=${cun.me.org_unit}`, undefined, as(cun))).json.records.find((p) => p.data.id_number === mine);
    const r = await api("PATCH", `/api/ledger/records/${record.id}`, { expected_version: record.version, patch: { id_number: elsewhere } }, as(cun));
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.fields[0].code, "key_in_other_unit");
    assert.ok(!r.text.includes(elsewhere) && !r.text.includes(cun2.me.org_unit), r.text);
    const still = await api("GET", `/api/ledger/records/${record.id}`, undefined, as(cun));
    assert.equal(still.json.record.data.id_number, mine, "nothing changed");
  });
});

describe("masking follows what a value carries", () => {
  const GAOLING = "gaoling-allowance";
  let village, submissionId, phone, idOfFirst;

  before(async () => {
    // A 高龄津贴 task of a village of zhen's town with 独居老人 people; the
    // last candidate, so that tasks.test.mjs (which takes the first) is left alone.
    const people = await api("GET", `/api/ledger/person?org_unit=${zhen.me.org_unit}`, undefined, as(zhen));
    const candidates = new Set(people.json.records.filter((p) => (p.data.tags ?? []).includes("独居老人")).map((p) => p.org_unit));
    candidates.delete(cun.me.org_unit);
    const tasks = await api("GET", `/api/tasks?org_unit=${zhen.me.org_unit}&template_id=${GAOLING}&status=not_opened`, undefined, as(zhen));
    const task = tasks.json.filter((t) => candidates.has(t.org_unit)).at(-1);
    assert.ok(task, "an unopened 高龄津贴 task");
    village = task.org_unit;
    const opened = await api("POST", `/api/tasks/${task.id}/form`, undefined, as(zhen));
    assert.equal(opened.status, 200, opened.text);
    const form = opened.json.form;
    phone = `137${String(Date.now()).slice(-8)}`;
    idOfFirst = form.rows[0].values.id_number;
    submissionId = randomUUID();
    const created = await api("POST", "/api/submissions", {
      submission_id: submissionId, template_id: form.template_id, template_version: form.template_version, org_unit: village, task_id: task.id,
      rows: form.rows.map((row) => ({ subject_id: row.subject_id, values: { ...row.values, phone, monthly_amount: 100, months: 3, payee: "本人" } })),
    }, as(zhen));
    assert.equal(created.status, 201, created.text);
  });

  it("masks a written-back phone for an analyst without the grant: submission, file, summary and its export", async () => {
    const stored = await api("GET", `/api/submissions/${submissionId}`, undefined, as(minzheng));
    assert.equal(stored.status, 200, stored.text);
    assert.ok(stored.json.rows.every((r) => r.values.phone === "137****" + phone.slice(-4)), JSON.stringify(stored.json.rows[0]));
    const file = await download(`/api/submissions/${submissionId}/file?format=csv`, minzheng);
    assert.ok(!file.text.includes(phone), "the file masks it");
    const summary = await api("GET", `/api/summary?template_id=${GAOLING}&org_unit=${village}`, undefined, as(minzheng));
    assert.equal(summary.status, 200, summary.text);
    assert.ok(summary.json.rows.length > 0 && summary.json.rows.every((r) => r.values.phone !== phone));
    const exported = await download(`/api/summary/export?template_id=${GAOLING}&org_unit=${village}&format=csv`, minzheng);
    assert.equal(exported.status, 200);
    assert.ok(!exported.text.includes(phone), "the summary export masks it");
  });

  it("filters a summary on what the reader may see: a guessed ID number answers nothing", async () => {
    const guess = await api("GET", `/api/summary?template_id=${GAOLING}&org_unit=${village}&filter_key=id_number&filter_value=${idOfFirst}`, undefined, as(minzheng));
    assert.equal(guess.status, 200, guess.text);
    assert.equal(guess.json.total_rows, 0, "the unmasked value is never compared");
    const masked = `${idOfFirst.slice(0, 6)}********${idOfFirst.slice(-4)}`;
    const seen = await api("GET", `/api/summary?template_id=${GAOLING}&org_unit=${village}&filter_key=id_number&filter_value=${masked}`, undefined, as(minzheng));
    assert.ok(seen.json.total_rows >= 1, "the masked value is what the analyst filters on");
  });

  it("refuses an ad-hoc survey that computes a copy of an ID number", async () => {
    const id = `adhoc-${randomUUID()}`;
    const document = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "快报",
      "x-template": { id, version: 1, department: "x" },
      "x-subject": { mode: "pick", kind_field: "category", kinds: [{ kind: "人员", entity: "person" }] },
      type: "object",
      required: ["category"],
      properties: {
        category: { title: "类别", type: "string", enum: ["人员"] },
        id_number: { title: "身份证号", type: "string", "x-ledger": "person.id_number" },
        copy: { title: "号码", type: "string", "x-compute": "id_number" },
      },
    };
    const r = await api("POST", "/api/surveys", { dispatch_id: randomUUID(), template_id: id, scope: zhen.me.org_unit, reason: "测试", document }, as(zhen));
    assert.equal(r.status, 422, r.text);
    assert.ok(r.json.error.fields.some((f) => f.code === "computed_reads_sensitive"), r.text);
  });
});

describe("hostile files are refused before anything is allocated", () => {
  it("refuses the 2 KB workbook declaring two billion shared strings, naming the limit", async () => {
    const file = workbook(sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`), strings(["姓名"], 2000000000));
    assert.ok(file.length < 4096);
    const r = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}`, file);
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.error.code, "too_many_shared_strings");
    assert.match(r.json.error.message.en, /max_shared_strings/);
  });

  it("refuses a cell at XFD1048576", async () => {
    const file = workbook(sheet(`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>`), strings([]));
    const r = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}`, file);
    assert.equal(r.status, 413, r.text);
    assert.ok(["too_many_columns", "too_many_rows", "too_many_cells"].includes(r.json.error.code), r.text);
  });

  it("refuses a huge declared dimension, a zip bomb, too many entries and deep nesting", async () => {
    const dimension = workbook(`<?xml version="1.0"?><worksheet xmlns="${NS}/spreadsheetml/2006/main"><dimension ref="A1:GR200000"/><sheetData/></worksheet>`, strings([]));
    const bomb = workbook(sheet(`<row r="1"><c r="A1"><v>1</v></c></row>` + " ".repeat(30 << 20)), strings([]), { deflate: true });
    const many = zip(Array.from({ length: 1200 }, (_, i) => [`x/${i}.xml`, "<a/>"]));
    const deep = workbook(sheet("<x>".repeat(200) + "</x>".repeat(200)), strings([]));
    const expect = [[dimension, "too_many_cells"], [bomb, "compression_ratio"], [many, "too_many_entries"], [deep, "too_deep"]];
    for (const [file, code] of expect) {
      const r = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}`, file);
      assert.ok(r.status >= 400 && r.status < 500, `${code}: ${r.status} ${r.text}`);
      assert.equal(r.json.error.code, code, r.text);
    }
  });

  it("refuses a CSV line of a million columns", async () => {
    const r = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}`, Buffer.from("姓名,身份证号" + ",".repeat(1_000_000)));
    assert.equal(r.status, 413, r.text);
    assert.equal(r.json.error.code, "too_many_columns");
  });
});

describe("login throttling holds under concurrency", () => {
  it("checks at most five of twenty parallel wrong passwords; the rest are refused unchecked", async () => {
    const user = await villageUser(admin, cun.me.org_unit);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api("POST", "/api/auth/login", { username: user.username, password: "wrong password!" })),
    );
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.filter((s) => s === 401).length <= 5, statuses.join(","));
    assert.equal(statuses.filter((s) => s === 401 || s === 429).length, 20, statuses.join(","));
    const locked = await api("POST", "/api/auth/login", { username: user.username, password: NEW_PASSWORD });
    assert.equal(locked.status, 429, "even the right password, from the guessing address");
  });

  it("cannot be used to lock a user out from elsewhere, and an administrator unlocks", async () => {
    const user = await villageUser(admin, cun.me.org_unit);
    const from = (address) => ({ headers: { "cf-connecting-ip": address } });
    for (let i = 0; i < 6; i++) {
      await api("POST", "/api/auth/login", { username: user.username, password: "wrong password!" }, from("203.0.113.66"));
    }
    assert.equal((await api("POST", "/api/auth/login", { username: user.username, password: NEW_PASSWORD }, from("203.0.113.66"))).status, 429);
    const office = await api("POST", "/api/auth/login", { username: user.username, password: NEW_PASSWORD }, from("198.51.100.7"));
    assert.equal(office.status, 200, "the user still signs in from the office");
    const unlocked = await api("POST", `/api/users/${user.id}/unlock`, {}, as(admin));
    assert.equal(unlocked.status, 200, unlocked.text);
    assert.equal((await api("POST", "/api/auth/login", { username: user.username, password: NEW_PASSWORD }, from("203.0.113.66"))).status, 200);
    assert.equal((await api("POST", `/api/users/${user.id}/unlock`, {}, as(cun))).status, 403, "only administrators unlock");
  });
});

describe("spreadsheet formulas in exports", () => {
  it("defuses a leading tab, CR and the full-width ＝＋－＠ in a CSV export", async () => {
    const names = ["\t=1+1", "＝HYPERLINK(\"http://x\")", "＋1", "－1", "＠SUM(A1)"];
    const ids = names.map(() => idNumber());
    const file = Buffer.from(["姓名,身份证号", ...names.map((n, i) => `"${n}",${ids[i]}`)].join("\r\n") + "\r\n", "utf8");
    const r = await upload(cun, `entity=person&org_unit=${cun.me.org_unit}&commit=true`, file);
    assert.equal(r.status, 200, r.text);
    const exported = await download(`/api/ledger/export?entity=person&org_unit=${cun.me.org_unit}&format=csv`, cun);
    for (const id of ids) {
      const line = exported.text.split("\r\n").find((l) => l.includes(id));
      const name = line.split(",")[0].replace(/^"/, "");
      assert.ok(name.startsWith("'"), `defused: ${JSON.stringify(line)}`);
    }
  });
});

describe("the dispatch role check goes through authorize()", () => {
  it("refuses village staff and administrators", async () => {
    for (const who of [cun, admin, zhuanyuan]) {
      const r = await api("POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: "dibao-monthly-visit", due_date: "2030-01-01", org_units: [cun.me.org_unit] }, as(who));
      assert.equal(r.status, 403, r.text);
    }
  });
});
