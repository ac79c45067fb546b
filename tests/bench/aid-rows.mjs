// The bench template both summary benchmarks load rows of (summary.mjs: one
// district; city.mjs: three shards), and the SQL that loads them straight
// into a district's local D1: one submission per village, rows spread
// evenly, INSERT OR REPLACE under fixed ids so a re-run replaces them.
import { BASE, quote as q } from "./common.mjs";

export const TEMPLATE = "bench-summary";

export const document = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "救助摸底（基准）",
  "x-template": { id: TEMPLATE, version: 1, department: "区民政局" },
  "x-subject": { entity: "person" },
  type: "object",
  properties: {
    name: { title: "姓名", type: "string", "x-ledger": "person.name" },
    id_number: { title: "身份证号", type: "string", format: "cn-id-number", "x-ledger": "person.id_number" },
    aid_amount: { title: "拟救助金额（元）", type: "number", minimum: 0 },
    months: { title: "救助月数", type: "integer", minimum: 1, maximum: 12 },
    need: { title: "困难类型", type: "string", enum: ["因病", "因灾", "其他"] },
    aid_row_total: { title: "小计（元）", type: "number", "x-compute": "aid_amount * months" },
    aid_total: { title: "救助总额（元）", type: "number", "x-compute": "sum(aid_row_total)" },
  },
};

/** A GET as `who` that must answer 200. */
export async function get(who, path) {
  const r = await fetch(`${BASE}${path}`, { headers: { cookie: who.cookie } });
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r;
}

/** Every village of `district` (the reader's first district when not given). */
export async function villages(who, district) {
  district ??= (await (await get(who, "/api/org-units")).json()).children[0].code;
  const towns = (await (await get(who, `/api/org-units?parent=${district}`)).json()).children;
  const out = [];
  for (const town of towns) out.push(...(await (await get(who, `/api/org-units?parent=${town.code}`)).json()).children);
  return out;
}

/** SQL loading the template and `rows` rows spread over `villageList`. */
export function aidRowsSql(villageList, rows) {
  const perVillage = Math.ceil(rows / villageList.length);
  const lines = [
    `INSERT OR IGNORE INTO templates (id, version, title, department, document, published_at) VALUES (${q(TEMPLATE)}, 1, ${q(document.title)}, '区民政局', ${q(JSON.stringify(document))}, '2026-01-01T00:00:00Z');`,
  ];
  let left = rows;
  for (const [v, village] of villageList.entries()) {
    const n = Math.min(perVillage, left);
    left -= n;
    const out = [];
    for (let i = 0; i < n; i++) {
      const amount = 100 + ((i * 37 + v) % 900);
      const months = 1 + (i % 12);
      out.push({
        subject_id: `person:${village.code}-${String(i).padStart(5, "0")}`,
        values: {
          name: `基准${i}`,
          id_number: `${village.code.slice(0, 6)}19800101${String(i % 1000).padStart(3, "0")}X`,
          aid_amount: amount,
          months,
          need: ["因病", "因灾", "其他"][i % 3],
          aid_row_total: amount * months,
        },
      });
    }
    lines.push(
      `INSERT OR REPLACE INTO submissions (id, template_id, template_version, org_unit, row_count, rows, submitted_at) VALUES (${q(`bench-${village.code}`)}, ${q(TEMPLATE)}, 1, ${q(village.code)}, ${n}, ${q(JSON.stringify(out))}, '2026-01-02T00:00:00Z');`,
    );
  }
  return lines.join("\n");
}
