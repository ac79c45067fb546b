// The ledger page's API (issue 20): GET /api/ledger/search per role — a
// village reads its own village only, a town centre its villages, the
// 行政专员 the district masked, a department analyst nothing — with tag
// and group filters, pages, hostile parameters answered 4xx, and searches by
// the last digits of an ID number or phone that reveal nothing beyond what
// the reader is shown.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { api, login } from "./helpers.mjs";

const search = (who, params) =>
  api("GET", `/api/ledger/search?${new URLSearchParams({ entity: "person", ...params })}`, undefined, { session: who.session });

describe("the ledger page's search, per role", () => {
  let cun, cun2, zhen, zhuanyuan, minzheng;
  /** Every person of cun's village, as cun (who sees them whole) reads them. */
  let own;

  before(async () => {
    [cun, cun2, zhen, zhuanyuan, minzheng] = await Promise.all(["cun", "cun2", "zhen", "zhuanyuan", "minzheng"].map((u) => login(u)));
    const all = await search(cun, { org_unit: cun.me.org_unit, per_page: "100" });
    assert.equal(all.status, 200, all.text);
    own = all.json.records;
    assert.ok(all.json.total >= 10 && all.json.total <= 100, `the demo village has a few dozen people: ${all.json.total}`);
    assert.equal(own.length, all.json.total);
  });

  it("gives village staff their village, a page at a time, with names and the right to edit", async () => {
    const standard = await search(cun, { org_unit: cun.me.org_unit });
    assert.equal(standard.status, 200, standard.text);
    assert.equal(standard.json.per_page, 20, "20 a page unless asked");
    assert.equal(standard.json.records.length, Math.min(20, standard.json.total));
    const first = await search(cun, { org_unit: cun.me.org_unit, per_page: "5" });
    const page = first.json;
    assert.equal(page.per_page, 5);
    assert.equal(page.records.length, 5);
    assert.equal(page.pages, Math.ceil(page.total / 5));
    assert.equal(page.may_write, true);
    assert.ok(page.org_unit_name && !/\d/.test(page.org_unit_name), `the unit by name: ${page.org_unit_name}`);
    assert.equal(page.units[cun.me.org_unit], page.org_unit_name);
    assert.ok(page.records.every((r) => r.org_unit === cun.me.org_unit));
    const second = await search(cun, { org_unit: cun.me.org_unit, page: "2", per_page: "5" });
    assert.equal(second.json.page, 2);
    const firstIds = new Set(page.records.map((r) => r.id));
    assert.ok(second.json.records.every((r) => !firstIds.has(r.id)), "page 2 holds other people");
    const last = await search(cun, { org_unit: cun.me.org_unit, page: "999", per_page: "5" });
    assert.equal(last.json.page, page.pages, "past the end: the last page");
  });

  it("refuses another village's ledger to village staff, and every ledger to a department analyst", async () => {
    for (const [who, unit] of [[cun, cun2.me.org_unit], [cun2, cun.me.org_unit], [cun, cun.me.org_unit.slice(0, 9)], [minzheng, cun.me.org_unit]]) {
      const refused = await search(who, { org_unit: unit, q: own[0].data.name });
      assert.equal(refused.status, 403, `${who.me.username} on ${unit}: ${refused.text}`);
      assert.ok(!refused.text.includes(own[0].id), "a refusal names no one");
    }
    // In its own village, cun2 never finds cun's people, whatever it searches.
    const person = own.find((p) => p.data.phone);
    for (const q of [person.data.name, person.data.id_number.slice(-4), person.data.phone.slice(-4)]) {
      const found = await search(cun2, { org_unit: cun2.me.org_unit, q });
      assert.equal(found.status, 200, found.text);
      assert.ok(found.json.records.every((r) => r.org_unit === cun2.me.org_unit), `q=${q}`);
      assert.ok(!found.json.records.some((r) => r.id === person.id), `q=${q} finds no one of another village`);
    }
  });

  it("gives the town centre its villages, by name, with the right to edit", async () => {
    const page = (await search(zhen, { org_unit: zhen.me.org_unit, per_page: "100" })).json;
    const units = new Set(page.records.map((r) => r.org_unit));
    assert.ok(units.size > 1, "several villages");
    for (const code of units) {
      assert.ok(code.startsWith(zhen.me.org_unit));
      assert.ok(page.units[code] && !/\d{6}/.test(page.units[code]), `${code} by name`);
    }
    assert.equal(page.may_write, true);
    const village = await search(zhen, { org_unit: cun.me.org_unit });
    assert.equal(village.status, 200);
    assert.equal(village.json.total, own.length, "one village of its town");
  });

  it("gives the 行政专员 the district read-only and masked", async () => {
    const page = await search(zhuanyuan, { org_unit: cun.me.org_unit });
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.may_write, false);
    for (const r of page.json.records) {
      assert.match(r.data.id_number, /^\d{6}\*{8}[\dX]{4}$/);
      if (r.data.phone) assert.match(r.data.phone, /^\d{3}\*{4}\d{4}$/);
      if (r.data.birth_date) assert.match(r.data.birth_date, /^\d{4}$/, "the birth date to the year");
    }
    const district = await search(zhuanyuan, { org_unit: cun.me.org_unit.slice(0, 6) });
    assert.equal(district.status, 200, district.text);
    assert.ok(district.json.total >= own.length);
  });

  it("finds by the last digits only what the reader is shown", async () => {
    // A person whose ID number's last five digits are unique in the village.
    const tail = (p, n) => p.data.id_number.slice(-n);
    const person = own.find((p) => own.filter((o) => tail(o, 5) === tail(p, 5)).length === 1);
    assert.ok(person);
    const ids = async (who, q) => (await search(who, { org_unit: cun.me.org_unit, q, per_page: "100" })).json.records.map((r) => r.id);
    // The last four digits are shown to everyone: found by both.
    assert.ok((await ids(cun, tail(person, 4))).includes(person.id));
    assert.ok((await ids(zhuanyuan, tail(person, 4))).includes(person.id));
    // A fifth digit is masked for the 行政专员: the same search finds no one.
    assert.deepEqual(await ids(cun, tail(person, 5)), [person.id], "village staff see it whole");
    assert.deepEqual(await ids(zhuanyuan, tail(person, 5)), [], "one masked digit more answers nothing");
    // The birth date hidden in the ID number is no way in either.
    const monthDay = person.data.id_number.slice(10, 14);
    const shownElsewhere = [person.data.address, person.data.name, tail(person, 4), person.data.phone?.slice(-4)].some((t) => t?.includes(monthDay));
    if (!shownElsewhere) assert.ok(!(await ids(zhuanyuan, monthDay)).includes(person.id), "the month and day of birth find no one");
    assert.deepEqual(await ids(cun, person.data.id_number.slice(6, 14)), [], "digits in the middle are never searched");
    // The same for phones.
    const withPhone = own.find((p) => p.data.phone && own.filter((o) => o.data.phone?.slice(-5) === p.data.phone.slice(-5)).length === 1);
    assert.deepEqual(await ids(cun, withPhone.data.phone.slice(-5)), [withPhone.id]);
    assert.deepEqual(await ids(zhuanyuan, withPhone.data.phone.slice(-5)), []);
  });

  it("filters by tag and by villagers' group, counting each", async () => {
    const page = (await search(cun, { org_unit: cun.me.org_unit })).json;
    assert.ok(page.tags.length > 0 && page.groups.length > 0, "the demo village has tags and groups");
    const tag = page.tags[0];
    const tagged = (await search(cun, { org_unit: cun.me.org_unit, tag: tag.value, per_page: "100" })).json;
    assert.equal(tagged.total, tag.count);
    assert.ok(tagged.records.every((r) => r.data.tags.includes(tag.value)));
    const group = page.groups[0];
    const grouped = (await search(cun, { org_unit: cun.me.org_unit, group: group.value, per_page: "100" })).json;
    assert.equal(grouped.total, group.count);
    assert.ok(grouped.records.every((r) => r.data.address.includes(group.value)), `every address in ${group.value}`);
    const numbers = page.groups.map((g) => Number.parseInt(g.value, 10)).filter(Number.isFinite);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), "groups in number order");
    const both = (await search(cun, { org_unit: cun.me.org_unit, tag: tag.value, group: group.value, per_page: "100" })).json;
    assert.ok(both.records.every((r) => r.data.tags.includes(tag.value) && r.data.address.includes(group.value)));
    const none = (await search(cun, { org_unit: cun.me.org_unit, tag: "不存在的标签" })).json;
    assert.equal(none.total, 0);
    assert.equal(none.pages, 1);
  });

  it("finds a correction at once: the new phone's last digits find the record at its new version", async () => {
    const person = own.at(-2);
    const detail = await api("GET", `/api/ledger/records/${person.id}`, undefined, { session: cun.session });
    const phone = `139${String(Date.now()).slice(-8)}`;
    const patched = await api("PATCH", `/api/ledger/records/${person.id}`, { expected_version: detail.json.record.version, patch: { phone } }, { session: cun.session });
    assert.equal(patched.status, 200, patched.text);
    const found = (await search(cun, { org_unit: cun.me.org_unit, q: phone.slice(-6) })).json.records;
    assert.deepEqual(found.map((r) => [r.id, r.version, r.data.phone]), [[person.id, patched.json.version, phone]]);
  });

  it("answers hostile or broken parameters with a 4xx", async () => {
    const cases = [
      [{ org_unit: cun.me.org_unit, page: "abc" }, 400],
      [{ org_unit: cun.me.org_unit, page: "0" }, 400],
      [{ org_unit: cun.me.org_unit, per_page: "-5" }, 400],
      [{ org_unit: cun.me.org_unit, page: "99999999999999999999999" }, 400],
      [{}, 400],
      [{ org_unit: "" }, 400],
      [{ org_unit: `${cun.me.org_unit}999` }, 404],
      [{ org_unit: cun.me.org_unit, entity: "nothing" }, 404],
    ];
    for (const [params, status] of cases) {
      const answer = await search(cun, params);
      assert.equal(answer.status, status, `${JSON.stringify(params)}: ${answer.text}`);
      assert.ok(answer.json?.error?.message?.zh, "a Chinese message");
    }
    const long = await search(cun, { org_unit: cun.me.org_unit, q: "张".repeat(5000) });
    assert.equal(long.status, 200, "a long query is cut, not a failure");
    const big = await search(cun, { org_unit: cun.me.org_unit, per_page: "100000" });
    assert.equal(big.json.per_page, 100, "at most 100 a page");
    const anonymous = await api("GET", `/api/ledger/search?entity=person&org_unit=${cun.me.org_unit}`);
    assert.equal(anonymous.status, 401);
  });
});
