// Issue 18: ledger import of spreadsheets as villages really keep them. Each
// fixture of tests/fixtures/spreadsheets/ (made by tests/fixtures/generate.py:
// merged cells, two-row headers, full-width digits, footers, several sheets,
// Excel 97-2003 .xls, GBK CSV) is uploaded to the real worker by village
// staff (`cun`): preview, then commit, then again (nothing changes). And the
// blank import template: downloaded, opened, imported back.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { api, login, BASE } from "./helpers.mjs";
import { readXlsx } from "./xlsx.mjs";

let cun;

before(async () => {
  cun = await login("cun");
});

const village = () => cun.me.org_unit;
const fixture = (name) => readFileSync(new URL(`./fixtures/spreadsheets/${name}`, import.meta.url));

/** The synthetic ID numbers of the fixtures (region 500101, GB 11643 check digit). */
function id(year, month, day, seq) {
  const body = `500101${year}${String(month).padStart(2, "0")}${String(day).padStart(2, "0")}${String(seq).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return body + "10X98765432"[sum % 11];
}

async function upload(query, bytes) {
  const response = await fetch(`${BASE}/api/ledger/import?${query}`, {
    method: "POST",
    headers: { "x-yibiaotong": "1", cookie: `ybt_session=${cun.session}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text), text };
}

async function records(entity) {
  const r = await api("GET", `/api/ledger/${entity}?org_unit=${village()}`, undefined, { session: cun.session });
  assert.equal(r.status, 200, r.text);
  return r.json.records;
}

/** Preview (nothing stored), commit, commit again (nothing changes); the commit's answer. */
async function importTwice(file, extra = "", entity = "person") {
  const query = `entity=${entity}&org_unit=${village()}${extra}`;
  const before = await records(entity);
  const preview = await upload(query, file);
  assert.equal(preview.status, 200, preview.text);
  assert.equal(preview.json.committed, false);
  assert.deepEqual(await records(entity), before, "a preview stores nothing");
  const commit = await upload(`${query}&commit=true`, file);
  assert.equal(commit.status, 200, commit.text);
  assert.equal(commit.json.new, preview.json.new);
  const again = await upload(`${query}&commit=true`, file);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual([again.json.new, again.json.changed], [0, 0], "the same file twice changes nothing");
  return { preview: preview.json, commit: commit.json };
}

const byId = (list, idNumber, field = "id_number") => list.find((r) => r.data[field] === idNumber)?.data;

describe("import: rosters as village offices keep them", () => {
  it("reads a two-row header under a merged title, cleans every spelling, shows each change and skips the footers", async () => {
    const { preview } = await importTwice(fixture("roster-two-row-header.xlsx"));
    assert.equal(preview.header_row, 3, "the lower row of the two-row header");
    const phone = preview.mapping.find((m) => m.field === "phone");
    assert.deepEqual([phone.group, phone.header], ["联系方式", "手机"]);
    assert.equal(preview.mapping.find((m) => m.header === "固定电话").field, null);
    assert.equal(preview.data_rows, 5);
    assert.equal(preview.new, 5);
    // Every conversion is in the preview: row, column, original → stored.
    const idChange = preview.conversions.find((c) => c.row === 4 && c.field === "id_number");
    assert.equal(idChange.stored, id(1975, 1, 16, 11));
    assert.notEqual(idChange.original, idChange.stored);
    assert.ok(idChange.changes.includes("full_width"), JSON.stringify(idChange));
    const date = preview.conversions.find((c) => c.row === 4 && c.field === "birth_date");
    assert.deepEqual([date.original, date.stored, date.changes], ["1975.1.16", "1975-01-16", ["date_spelling"]]);
    const serial = preview.conversions.find((c) => c.row === 9 && c.field === "birth_date");
    assert.deepEqual([serial.original, serial.stored, serial.changes], ["20310", "1955-08-09", ["excel_serial"]]);
    assert.ok(preview.conversion_total >= preview.conversions.length);
    assert.ok(preview.conversion_counts.some((c) => c.field === "id_number" && c.change === "full_width" && c.count === 1));
    // The footers are reported as skipped, not taken as data.
    assert.deepEqual(
      preview.skipped.map((s) => [s.row, s.reason]),
      [[10, "footer"], [11, "footer"], [12, "footer"]],
    );
    assert.match(preview.skipped[1].text, /填表人：张三.*审核人：李四/);

    const stored = await records("person");
    const chen = byId(stored, id(1975, 1, 16, 11));
    assert.deepEqual([chen.name, chen.birth_date, chen.phone, chen.household], ["陈建国", "1975-01-16", "13800001001", "QF001"]);
    assert.equal(byId(stored, id(1980, 2, 3, 26)).name, "王芳");
    assert.equal(byId(stored, id(1962, 11, 30, 33)).phone, "13800001003");
    assert.equal(byId(stored, id(1990, 5, 6, 44)).birth_date, "1990-05-06");
  });

  it("reads an Excel 97-2003 .xls workbook (told by its bytes, not its name), both group sheets", async () => {
    const { preview } = await importTwice(fixture("legacy-roster.xls"));
    assert.deepEqual(preview.sheets.map((s) => [s.name, s.imported, s.data_rows]), [["一组", true, 2], ["二组", true, 1]]);
    assert.equal(preview.new, 3);
    assert.deepEqual(preview.skipped.map((s) => [s.sheet, s.row, s.reason]), [
      ["一组", 5, "footer"],
      ["一组", 6, "footer"],
      ["二组", 4, "footer"],
      ["二组", 5, "footer"],
    ]);
    const stored = await records("person");
    const feng = byId(stored, id(1958, 9, 10, 401));
    assert.deepEqual([feng.name, feng.birth_date, feng.phone], ["冯一", "1958-09-10", "13800004001"]);
    assert.equal(byId(stored, id(1961, 10, 11, 404)).birth_date, "1961-10-11");
    assert.equal(byId(stored, id(1985, 12, 1, 403)).birth_date, "1985-12-01");
  });

  it("imports the village groups' sheets together or as picked, each problem naming its sheet", async () => {
    const file = fixture("groups-several-sheets.xlsx");
    const all = await upload(`entity=person&org_unit=${village()}`, file);
    assert.equal(all.status, 422, all.text);
    assert.equal(all.json.error.code, "invalid_rows");
    assert.equal(all.json.error.fields.length, 1, all.text);
    const [problem] = all.json.error.fields;
    assert.equal(problem.pointer, "/sheets/三组/rows/4/id_number");
    assert.match(problem.message.zh, /^工作表“三组”第 4 行「公民身份号码」/);
    assert.match(problem.message.en, /^sheet 三组, row 4/);
    assert.deepEqual(
      all.json.sheets.map((s) => [s.name, s.imported, s.left_out ?? null]),
      [
        ["一组", true, null],
        ["二组", true, null],
        ["三组", true, null],
        ["Sheet4", false, "empty"],
        ["旧数据", false, "hidden"],
        ["说明", false, "no_header"],
      ],
    );
    const { preview } = await importTwice(file, "&sheets=0,1");
    assert.equal(preview.new, 5);
    assert.deepEqual(preview.sheets.filter((s) => s.imported).map((s) => s.name), ["一组", "二组"]);
    assert.equal(preview.sheets[2].left_out, "not_picked");
    const stored = await records("person");
    assert.equal(byId(stored, id(1972, 3, 3, 103)).name, "周一");
    assert.equal(byId(stored, id(1975, 6, 6, 106)), undefined, "三组 was not picked");

    const missing = await upload(`entity=person&org_unit=${village()}&sheets=9`, file);
    assert.deepEqual([missing.status, missing.json.error.code], [400, "no_such_sheet"]);
    const bad = await upload(`entity=person&org_unit=${village()}&sheets=a`, file);
    assert.deepEqual([bad.status, bad.json.error.code], [400, "bad_sheets"]);
  });

  it("explains ID numbers Excel stored as numbers, storing nothing", async () => {
    const before = await records("person");
    const r = await upload(`entity=person&org_unit=${village()}&commit=true`, fixture("number-ids.xlsx"));
    assert.equal(r.status, 422, r.text);
    assert.deepEqual(r.json.error.fields.map((f) => [f.pointer, f.code]), [
      ["/rows/2/id_number", "lost_precision"],
      ["/rows/3/id_number", "lost_precision"],
    ]);
    assert.match(r.json.error.fields[0].message.zh, /设为“文本”/);
    assert.deepEqual(await records("person"), before);
  });

  it("maps 姓名 | 身份证号 under a merged 户主 to the head of household", async () => {
    const { preview } = await importTwice(fixture("household-two-row-header.xlsx"), "", "household");
    assert.deepEqual(
      preview.mapping.map((m) => [m.group ?? null, m.header, m.field]),
      [
        [null, "户编号", "household_no"],
        ["户主", "姓名", "head_name"],
        ["户主", "身份证号", "head_id_number"],
        [null, "家庭人口数", "member_count"],
        [null, "家庭住址", "address"],
      ],
    );
    const stored = await records("household");
    const first = byId(stored, "FX-0001", "household_no");
    assert.deepEqual([first.head_name, first.head_id_number, first.member_count], ["钱大", id(1960, 1, 2, 301), 4]);
  });

  it("reads a GBK CSV with full-width digits and a 合计 row", async () => {
    const { preview } = await importTwice(fixture("gbk-fullwidth.csv"));
    assert.equal(preview.new, 2);
    assert.deepEqual(preview.skipped.map((s) => [s.row, s.reason, s.text]), [[5, "footer", "合计 2人"]]);
    const stored = await records("person");
    const jiang = byId(stored, id(1977, 7, 7, 501));
    assert.deepEqual([jiang.name, jiang.birth_date], ["蒋一", "1977-07-07"]);
    assert.equal(byId(stored, id(1978, 8, 8, 502)).phone, "13800005002");
  });
});

describe("import template (下载导入模板)", () => {
  async function download(entity, session = cun.session) {
    const r = await fetch(`${BASE}/api/ledger/${entity}/template.xlsx`, { headers: session ? { cookie: `ybt_session=${session}` } : {} });
    return { status: r.status, headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
  }

  it("is a workbook headed by the catalog's titles, with one example row, that imports back cleanly", async () => {
    const r = await download("person");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert.match(r.headers.get("content-disposition"), /attachment; filename="import-template-person\.xlsx"/);
    const book = readXlsx(r.bytes);
    assert.deepEqual(book.sheets.map((s) => s.name), ["人员", "填写说明"]);
    const [header, example] = book.sheets[0].rows;
    assert.deepEqual(header.slice(0, 4), ["序号", "姓名*", "性别", "身份证号*"]);
    assert.ok(!header.includes("所属村（社区）") && !header.includes("灾情记录"), header.join());
    assert.equal(example[0], "示例");
    assert.match(example[3], /^[0-9]{17}[0-9X]$/, "the example ID number is text, whole");
    const imported = await upload(`entity=person&org_unit=${village()}&commit=true`, r.bytes);
    assert.equal(imported.status, 200, imported.text);
    assert.deepEqual([imported.json.data_rows, imported.json.new], [0, 0]);
    assert.deepEqual(imported.json.skipped.map((s) => [s.row, s.reason]), [[2, "example"]]);
  });

  it("exists for every record type, needs a session, and 404s for an unknown one", async () => {
    for (const entity of ["household", "house", "land_parcel", "enterprise", "venue"]) {
      const r = await download(entity);
      assert.equal(r.status, 200, entity);
      const imported = await upload(`entity=${entity}&org_unit=${village()}`, r.bytes);
      assert.equal(imported.status, 200, `${entity}: ${imported.text}`);
    }
    assert.equal((await download("person", null)).status, 401);
    assert.equal((await download("starship")).status, 404);
  });
});
