// Shared by the issue-21 tests (API and browser): a template whose version 2
// renames one field, removes another and adds a sensitive one.
import assert from "node:assert/strict";

/** Version 1: 走访日期 (renamed in v2) and 备注 (removed in v2). */
export function visitTemplate(id, version = 1) {
  const properties = {
    name: { title: "姓名", type: "string", "x-ledger": "person.name" },
    id_number: { title: "身份证号", type: "string", "x-ledger": "person.id_number" },
    amount: { title: "补贴金额（元）", type: "number", minimum: 0 },
    visit_date: { title: "走访日期", type: "string", format: "date" },
    remark: { title: "备注", type: "string", maxLength: 50 },
  };
  return {
    title: "困难群众走访补贴表",
    "x-template": { id, version, department: "区民政局" },
    "x-subject": { entity: "person" },
    type: "object",
    required: ["name", "amount"],
    properties,
  };
}

/** Version 2: 走访日期 renamed (visited_on), 备注 removed, a bank card added. */
export function visitTemplateV2(id, { version = 2, minimum = 0 } = {}) {
  const doc = visitTemplate(id, version);
  const { visit_date, remark, ...rest } = doc.properties;
  assert.ok(visit_date && remark);
  doc.properties = {
    ...rest,
    amount: { ...rest.amount, minimum },
    visited_on: { title: "走访日期", type: "string", format: "date", "x-renamed-from": "visit_date" },
    bank_card: { title: "银行卡号", type: "string", pattern: "^[0-9]{16,19}$", "x-sensitive": true },
  };
  return doc;
}
