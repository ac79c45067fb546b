// Issue 16, the city level: 重庆市民政局 (`cq-minzheng`, org unit 500000)
// reads its department's summary across 江北 (500105) and 永川 (500118) in
// one request. Its per-district totals are each district's own summary as
// that district's analyst reads it, the grand total is their sum, 荔城
// (350304) is neither read nor readable, nothing comes unmasked, and the
// city login can do nothing on a district route. Its report list names its
// department's templates per district; its export (CSV, XLSX) holds both
// districts' rows, their totals and the city's, masked.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { TEMPLATE, api, login, ownForm, validSubmission } from "./helpers.mjs";
import { careTemplate, submitTask, uniqueId } from "./publish-helpers.mjs";
import { readXlsx } from "./xlsx.mjs";

const as = (who) => ({ session: who.session });
const GET = (path, who) => api("GET", path, undefined, as(who));
const ID_NUMBER = /(?<![0-9])[0-9]{17}[0-9X](?![0-9])/;
const PHONE = /(?<![0-9])1[3-9][0-9]{9}(?![0-9])/;

/** RFC 4180 CSV (the export's: BOM, CRLF, quoted fields) → rows of cells. */
function parseCsv(text) {
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\r" && text[i + 1] === "\n") row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

const close = (a, b) => Math.abs(a - b) < 1e-6;

let city, yongchuan, jiangbei, licheng;
const submittedIds = [];

/** A submission of the district's demo village for TEMPLATE; its unmasked
 * ID numbers (as the village's own staff sees them) are remembered. */
async function submit(cun) {
  const form = await ownForm(cun.session, cun.me.org_unit);
  for (const row of form.rows) if (typeof row.values.id_number === "string") submittedIds.push(row.values.id_number);
  const r = await api("POST", "/api/submissions", validSubmission(form), as(cun));
  assert.ok([200, 201].includes(r.status), r.text);
}

before(async () => {
  city = await login("cq-minzheng");
  yongchuan = { code: "500118", analyst: await login("minzheng"), cun: await login("cun") };
  jiangbei = { code: "500105", analyst: await login("jb-minzheng"), cun: await login("jb-cun") };
  licheng = { code: "350304", analyst: await login("pt-minzheng"), cun: await login("pt-cun") };
  for (const d of [yongchuan, jiangbei, licheng]) await submit(d.cun);
});

describe("city: 重庆市民政局 reads across its districts", () => {
  it("signs in as a city-level department analyst", () => {
    assert.equal(city.me.org_unit, "500000");
    assert.equal(city.me.role, "department_analyst");
  });

  it("has per-district totals equal to each district's own summary, and their sum", async () => {
    const r = await GET(`/api/city/summary/${TEMPLATE}`, city);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("server-timing") ?? "", /fanout;dur=/);
    assert.equal(r.json.complete, true, r.text.slice(0, 300));
    assert.deepEqual(r.json.districts.map((d) => d.code), ["500105", "500118"], "江北 and 永川, not 荔城");
    let submissions = 0, rows = 0;
    const sums = {};
    for (const d of [jiangbei, yongchuan]) {
      const own = await GET(`/api/summary?template_id=${TEMPLATE}`, d.analyst);
      assert.equal(own.status, 200, own.text);
      const part = r.json.districts.find((x) => x.code === d.code);
      assert.ok(part.totals.rows > 0, `${d.code} has rows: this test's own submission`);
      assert.equal(part.totals.submissions, own.json.total.submissions, `${d.code} submissions`);
      assert.equal(part.totals.rows, own.json.total.rows, `${d.code} rows`);
      assert.deepEqual(part.totals.sums, own.json.total.sums, `${d.code} sums`);
      assert.equal(part.summary.total_rows, own.json.total_rows);
      submissions += own.json.total.submissions;
      rows += own.json.total.rows;
      for (const [k, v] of Object.entries(own.json.total.sums)) sums[k] = (sums[k] ?? 0) + v;
    }
    assert.equal(r.json.total.submissions, submissions);
    assert.equal(r.json.total.rows, rows);
    for (const [k, v] of Object.entries(sums)) assert.ok(Math.abs(r.json.total.sums[k] - v) < 1e-6, `${k}: ${r.json.total.sums[k]} vs ${v}`);
  });

  it("leaves 荔城 out and refuses it when asked for", async () => {
    const all = await GET(`/api/city/summary/${TEMPLATE}`, city);
    assert.ok(!all.text.includes(licheng.code) && !all.text.includes(licheng.cun.me.org_unit), "nothing of 荔城");
    for (const districts of [licheng.code, `500118,${licheng.code}`, "500000", "500101"]) {
      const r = await GET(`/api/city/summary/${TEMPLATE}?districts=${districts}`, city);
      assert.equal(r.status, 403, `${districts}: ${r.text}`);
      assert.ok(!r.text.includes(licheng.cun.me.org_unit));
    }
    const one = await GET(`/api/city/summary/${TEMPLATE}?districts=500105`, city);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.json.districts.map((d) => d.code), ["500105"]);
    for (const bad of ["5001", "abc", "500105,,500118"]) {
      const r = await GET(`/api/city/summary/${TEMPLATE}?districts=${bad}`, city);
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
    }
  });

  it("shows no unmasked ID number or phone", async () => {
    const r = await GET(`/api/city/summary/${TEMPLATE}?limit=500`, city);
    assert.equal(r.status, 200, r.text);
    assert.ok(submittedIds.length > 0, "the submitted rows carry ID numbers");
    for (const id of submittedIds) assert.ok(!r.text.includes(id), `an unmasked ID number: ${id.slice(0, 6)}…`);
    assert.doesNotMatch(r.text, ID_NUMBER);
    assert.doesNotMatch(r.text, PHONE);
    const shown = r.json.districts.flatMap((d) => d.summary.rows).map((row) => row.values.id_number).filter(Boolean);
    assert.ok(shown.length > 0 && shown.every((v) => /^\d{6}\*{8}[0-9X]{4}$/.test(v)), `masked as any summary: ${shown[0]}`);
  });

  it("names a district whose template is missing instead of leaving a gap", async () => {
    const r = await GET(`/api/city/summary/no-such-template-${randomUUID().slice(0, 8)}`, city);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.complete, false);
    assert.deepEqual(r.json.districts.map((d) => [d.code, d.error?.code]), [["500105", "not_found"], ["500118", "not_found"]]);
    assert.equal(r.json.total.rows, 0);
  });

  it("refuses another department's template", async () => {
    const r = await GET(`/api/city/summary/typhoon-damage-survey`, city);
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json?.districts, undefined, "no per-district list beside the refusal");
  });

  it("is refused to a district user", async () => {
    for (const who of [yongchuan.analyst, jiangbei.analyst, licheng.analyst, yongchuan.cun]) {
      const r = await GET(`/api/city/summary/${TEMPLATE}`, who);
      assert.equal(r.status, 403, r.text);
    }
    assert.equal((await api("GET", `/api/city/summary/${TEMPLATE}`)).status, 401);
  });

  it("can read or write nothing on a district route", async () => {
    const me = await GET("/api/auth/me", city);
    assert.equal(me.status, 200, me.text);
    const village = yongchuan.cun.me.org_unit;
    const probes = [
      ["GET", `/api/summary?template_id=${TEMPLATE}&org_unit=500118`],
      ["GET", `/api/summary/export?template_id=${TEMPLATE}&org_unit=500105&format=csv`],
      ["GET", `/api/submissions?template_id=${TEMPLATE}&org_unit=500118`],
      ["GET", "/api/tasks"],
      ["GET", `/api/ledger/person?org_unit=${village}`],
      ["POST", "/api/forms", { template_id: TEMPLATE, org_unit: village }],
      ["POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: TEMPLATE, org_units: [village], due_date: "2030-01-01" }],
      ["POST", "/api/template-requests", { request_id: randomUUID(), document: {} }],
      ["POST", "/api/surveys", { dispatch_id: randomUUID(), template_id: TEMPLATE, scope: "500118", reason: "市级" }],
      ["POST", "/api/ledger/transfers", { request_id: randomUUID(), entity: "person", key: "x", to_org_unit: village, reason: "x" }],
      ["GET", "/api/users"],
    ];
    for (const [method, path, body] of probes) {
      const r = await api(method, path, body, as(city));
      assert.equal(r.status, 403, `${method} ${path}: ${r.status} ${r.text}`);
    }
  });

  it("lists its department's reports per district with what each holds", async () => {
    const r = await GET("/api/city/reports", city);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.complete, true);
    assert.deepEqual(r.json.districts.map((d) => d.code), ["500105", "500118"]);
    assert.ok(!r.text.includes(licheng.code) && !r.text.includes("荔城"), "nothing of 荔城");
    const report = r.json.reports.find((x) => x.id === TEMPLATE);
    assert.ok(report, `${TEMPLATE} listed: ${r.text.slice(0, 300)}`);
    assert.ok(!r.json.reports.some((x) => x.id === "typhoon-damage-survey"), "another department's template is not listed");
    assert.ok(r.json.reports.every((x) => x.department === city.me.department || x.department === "区民政局"), r.text.slice(0, 300));
    let rows = 0;
    for (const d of [jiangbei, yongchuan]) {
      const own = await GET(`/api/summary?template_id=${TEMPLATE}`, d.analyst);
      const part = report.districts.find((x) => x.code === d.code);
      assert.ok(part, `${d.code} publishes ${TEMPLATE}`);
      assert.equal(part.rows, own.json.total.rows, `${d.code} rows as its own summary counts them`);
      assert.equal(part.villages, own.json.total.submissions, `${d.code} villages`);
      rows += part.rows;
    }
    assert.equal(report.rows, rows);
    for (const bad of ["350304", "500118,350304"]) assert.equal((await GET(`/api/city/reports?districts=${bad}`, city)).status, 403, bad);
    assert.equal((await GET("/api/city/reports?districts=abc", city)).status, 400);
    for (const who of [yongchuan.analyst, licheng.analyst, jiangbei.cun]) assert.equal((await GET("/api/city/reports", who)).status, 403);
  });

  it("exports CSV: both districts' rows, their totals equal to their own summaries, the city total, masked", async () => {
    const r = await fetch(`${process.env.YBT_BASE_URL}/api/city/export/${TEMPLATE}?format=csv`, { headers: { cookie: `ybt_session=${city.session}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /text\/csv/);
    assert.match(r.headers.get("content-disposition") ?? "", /city-summary-.*\.csv/);
    const text = await r.text();
    for (const id of submittedIds) assert.ok(!text.includes(id), `an unmasked ID number: ${id.slice(0, 6)}…`);
    assert.doesNotMatch(text, ID_NUMBER);
    assert.doesNotMatch(text, PHONE);
    assert.ok(!text.includes("荔城"), "nothing of 荔城");
    const rows = parseCsv(text);
    const header = rows[0];
    assert.deepEqual(header.slice(0, 3), ["区县", "乡镇（街道）", "村（社区）"]);
    const summary = await GET(`/api/city/summary/${TEMPLATE}`, city);
    const numeric = summary.json.districts[0].summary.columns.filter((c) => c.numeric);
    assert.ok(numeric.length > 0, "the template has numeric columns to total");
    const grand = {};
    for (const [d, name] of [[jiangbei, "江北区"], [yongchuan, "永川区"]]) {
      const own = await GET(`/api/summary?template_id=${TEMPLATE}`, d.analyst);
      const lines = rows.filter((row) => row[0] === name && row[1] !== "合计");
      assert.equal(lines.length, own.json.total.rows, `${name}: one line per row of its own summary`);
      const total = rows.find((row) => row[0] === name && row[1] === "合计");
      assert.ok(total, `${name} has its 合计 line`);
      for (const c of numeric) {
        const at = header.indexOf(c.title);
        const expected = own.json.total.sums[c.key] ?? 0;
        assert.ok(close(Number(total[at] || 0), expected), `${name} ${c.title}: ${total[at]} vs its own summary's ${expected}`);
        grand[c.key] = (grand[c.key] ?? 0) + expected;
      }
      const ids = lines.map((row) => row[header.indexOf("身份证号")]).filter(Boolean);
      assert.ok(ids.length > 0 && ids.every((v) => /^\d{6}\*{8}[0-9X]{4}$/.test(v)), `${name}: ID numbers masked as any summary: ${ids[0]}`);
    }
    const last = rows.at(-1);
    assert.equal(last[0], "全市合计");
    for (const c of numeric) assert.ok(close(Number(last[header.indexOf(c.title)] || 0), grand[c.key]), `全市合计 ${c.title}`);
  });

  it("exports XLSX that opens: per-district totals, then the rows", async () => {
    const r = await fetch(`${process.env.YBT_BASE_URL}/api/city/export/${TEMPLATE}?format=xlsx`, { headers: { cookie: `ybt_session=${city.session}` } });
    assert.equal(r.status, 200);
    const book = readXlsx(Buffer.from(await r.arrayBuffer()));
    assert.deepEqual(book.sheets.map((s) => s.name), ["各区合计", "明细"]);
    const totals = book.sheets[0].rows;
    assert.deepEqual(totals.slice(1).map((row) => row[0]), ["江北区", "永川区", "全市合计"]);
    const summary = await GET(`/api/city/summary/${TEMPLATE}`, city);
    for (const [i, d] of summary.json.districts.entries()) assert.equal(Number(totals[i + 1][2]), d.totals.rows, `${d.name} rows`);
    assert.equal(Number(totals[3][2]), summary.json.total.rows);
    const all = book.sheets.flatMap((s) => s.rows.flat()).join("\n");
    assert.doesNotMatch(all, ID_NUMBER);
    assert.doesNotMatch(all, PHONE);
  });

  it("refuses 荔城, another department's template and a bad format; names a missing template", async () => {
    for (const districts of [licheng.code, `500118,${licheng.code}`]) {
      const r = await GET(`/api/city/export/${TEMPLATE}?format=csv&districts=${districts}`, city);
      assert.equal(r.status, 403, `${districts}: ${r.text}`);
    }
    assert.equal((await GET(`/api/city/export/typhoon-damage-survey?format=csv`, city)).status, 403);
    assert.equal((await GET(`/api/city/export/${TEMPLATE}?format=pdf`, city)).status, 400);
    assert.equal((await GET(`/api/city/export/no-such-${randomUUID().slice(0, 8)}?format=csv`, city)).status, 404);
    for (const who of [yongchuan.analyst, licheng.analyst]) assert.equal((await GET(`/api/city/export/${TEMPLATE}?format=csv`, who)).status, 403);
    const one = await GET(`/api/city/export/${TEMPLATE}?format=csv&districts=500105`, city);
    assert.equal(one.status, 200);
    assert.ok(one.text.includes("江北区") && !one.text.includes("永川区"), "only the district asked for");
  });

  it("recomputes the template's summary formulas on the city's totals", async () => {
    // The same template (救助总额 = sum(小计), 小计 = 金额 × 月数) published,
    // dispatched and submitted in 江北 and in 永川, with different amounts.
    const id = uniqueId("city-care");
    const own = {};
    for (const [d, dept, zhen, amount] of [[jiangbei, "jb-minzheng", "jb-zhen", 120], [yongchuan, "minzheng", "zhen", 75]]) {
      const [analyst, centre] = [await login(dept), await login(zhen)];
      const filed = await api("POST", "/api/template-requests", { request_id: randomUUID(), document: careTemplate(id) }, as(analyst));
      assert.ok([200, 201].includes(filed.status), filed.text);
      const approved = await api("POST", `/api/template-requests/${filed.json.id}/decision`, { decision: "approve" }, as(centre));
      assert.equal(approved.status, 200, approved.text);
      const dispatched = await api("POST", "/api/dispatches", { dispatch_id: randomUUID(), template_id: id, org_units: [d.cun.me.org_unit], due_date: "2030-12-31" }, as(centre));
      assert.equal(dispatched.status, 201, dispatched.text);
      const tasks = await GET(`/api/tasks?template_id=${id}`, d.cun);
      const task = tasks.json.find((t) => t.template_id === id && t.org_unit === d.cun.me.org_unit);
      assert.ok(task, tasks.text.slice(0, 300));
      await submitTask(d.cun, task, amount);
      const summary = await GET(`/api/summary?template_id=${id}`, d.analyst);
      assert.equal(summary.status, 200, summary.text);
      own[d.code] = summary.json.total;
    }
    const r = await GET(`/api/city/summary/${id}`, city);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.complete, true);
    const expected = own["500105"].computed.aid_total + own["500118"].computed.aid_total;
    assert.ok(own["500105"].computed.aid_total > 0 && own["500118"].computed.aid_total > 0, JSON.stringify(own));
    assert.ok(close(r.json.total.computed.aid_total, expected), `city 救助总额 ${r.json.total.computed.aid_total} vs ${expected}`);
    assert.ok(close(r.json.total.computed.aid_total, r.json.total.sums.aid_row_total), "sum(小计) over every row of both districts");
    for (const part of r.json.districts) assert.deepEqual(part.totals.computed, own[part.code].computed, `${part.code} keeps its own`);
    const book = readXlsx(Buffer.from(await (await fetch(`${process.env.YBT_BASE_URL}/api/city/export/${id}?format=xlsx`, { headers: { cookie: `ybt_session=${city.session}` } })).arrayBuffer()));
    const totals = book.sheets[0].rows;
    const at = totals[0].indexOf("救助总额（元）");
    assert.ok(at > 0, totals[0].join("|"));
    assert.ok(close(Number(totals.at(-1)[at]), expected), `the export's 全市合计 救助总额 ${totals.at(-1)[at]}`);
  });
});
