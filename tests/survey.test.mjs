// Emergency surveys (issue 8) against a real `wrangler dev` with local D1 and
// R2: starting a survey in one click, picking ledger records, photos by
// content hash, submissions of picked and new rows, the live board, and the
// close into the ledger's history, the town's review of the new records the
// close queued, and ad-hoc surveys from the quick builder — each write
// retried to show it is idempotent.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { randomUUID, createHash } from "node:crypto";
import { api, login, BASE } from "./helpers.mjs";

export const SURVEY = "typhoon-damage-survey";
const DISTRICT = "500118";

let yingji, zhen, cun, cun2, minzheng;
let dispatch;
/** The house record cun picked into the typhoon survey (its close writes there). */
let pickedHouseId;

/** A tiny JPEG header: a comment segment that makes it unique, then a
 * frame header declaring `width` × `height` (the worker reads the declared
 * size, never decodes). */
export function fakeJpeg(seed, width = 800, height = 600) {
  const comment = Buffer.from(`photo ${seed} ${"x".repeat(200)}`);
  const segment = (marker, body) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  const frame = Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), segment(0xfe, comment), segment(0xc0, frame), Buffer.from([0xff, 0xd9])]);
}

export async function uploadPhoto(session, orgUnit, bytes) {
  const response = await fetch(`${BASE}/api/photos?org_unit=${orgUnit}`, {
    method: "PUT",
    headers: { cookie: `ybt_session=${session}`, "x-yibiaotong": "1", "content-type": "image/jpeg" },
    body: bytes,
  });
  return { status: response.status, json: await response.json() };
}

async function taskOf(session, orgUnit) {
  const tasks = await api("GET", `/api/tasks?org_unit=${orgUnit}&dispatch_id=${dispatch}`, undefined, { session });
  assert.equal(tasks.status, 200, tasks.text);
  assert.equal(tasks.json.length, 1);
  return tasks.json[0];
}

async function pick(session, orgUnit, entity, q = "") {
  const r = await api("GET", `/api/surveys/${dispatch}/pick?org_unit=${orgUnit}&entity=${entity}&q=${encodeURIComponent(q)}`, undefined, { session });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

before(async () => {
  [yingji, zhen, cun, cun2, minzheng] = await Promise.all(["yingji", "zhen", "cun", "cun2", "minzheng"].map((u) => login(u)));
  dispatch = `typhoon-${randomUUID()}`;
});

describe("starting a survey", () => {
  it("creates one task per village of the district in one click, on the logged fast track", async () => {
    const body = { dispatch_id: dispatch, template_id: SURVEY, scope: DISTRICT, reason: "台风“海葵”过境" };
    const first = await api("POST", "/api/surveys", body, { session: yingji.session });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.villages, 267);
    assert.match(first.json.fast_track, /未经镇街协同中心审核/);
    assert.match(first.json.fast_track, /海葵/);
    const again = await api("POST", "/api/surveys", body, { session: yingji.session });
    assert.equal(again.status, 200, "a repeated start creates nothing new");
    assert.equal(again.json.villages, 267);
    const reused = await api("POST", "/api/surveys", { ...body, scope: zhen.me.org_unit }, { session: yingji.session });
    assert.equal(reused.status, 409);
    assert.equal(reused.json.error.code, "dispatch_id_reused");
  });

  it("is for the template's department or a town centre within its town", async () => {
    const body = (scope) => ({ dispatch_id: randomUUID(), template_id: SURVEY, scope });
    assert.equal((await api("POST", "/api/surveys", body(DISTRICT), { session: minzheng.session })).status, 403);
    assert.equal((await api("POST", "/api/surveys", body(DISTRICT), { session: zhen.session })).status, 403);
    assert.equal((await api("POST", "/api/surveys", body(DISTRICT), { session: cun.session })).status, 403);
    const town = await api("POST", "/api/surveys", body(zhen.me.org_unit), { session: zhen.session });
    assert.equal(town.status, 201, town.text);
    const villages = await api("GET", `/api/org-units?parent=${zhen.me.org_unit}`, undefined, { session: zhen.session });
    assert.equal(town.json.villages, villages.json.children.length);
  });

  it("refuses bad input with pointers", async () => {
    const bad = await api("POST", "/api/surveys", { dispatch_id: "a b", template_id: SURVEY, scope: "5001181000", due_date: "tomorrow" }, { session: yingji.session });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.json.error.fields.map((f) => f.pointer), ["/dispatch_id", "/scope", "/due_date"]);
    assert.ok(bad.json.error.fields.every((f) => f.message.zh && f.message.en));
    const notSurvey = await api("POST", "/api/surveys", { dispatch_id: randomUUID(), template_id: "dibao-monthly-visit", scope: DISTRICT }, { session: minzheng.session });
    assert.equal(notSurvey.status, 422);
    assert.equal(notSurvey.json.error.fields[0].code, "not_a_survey");
  });

  it("lands in the village inbox, with an empty form", async () => {
    const task = await taskOf(cun.session, cun.me.org_unit);
    assert.equal(task.title, "台风受灾摸排表");
    const opened = await api("POST", `/api/tasks/${task.id}/form`, undefined, { session: cun.session });
    assert.equal(opened.status, 200, opened.text);
    assert.deepEqual(opened.json.form.rows, [], "staff add the rows");
  });
});

describe("picking and submitting", () => {
  let house, person, photo;

  it("searches the village's ledger by name, ID tail or address, pre-filling rows", async () => {
    const houses = await pick(cun.session, cun.me.org_unit, "house");
    assert.equal(houses.kind, "受损房屋");
    assert.ok(houses.rows.length > 0, "the demo village has houses");
    house = houses.rows[0];
    assert.equal(house.values.category, "受损房屋");
    assert.ok(house.values.house_address);
    const people = await pick(cun.session, cun.me.org_unit, "person");
    person = people.rows[0];
    const tail = person.values.id_number.slice(-6);
    const byTail = await pick(cun.session, cun.me.org_unit, "person", tail);
    assert.ok(byTail.rows.some((r) => r.subject_id === person.subject_id));
    const byName = await pick(cun.session, cun.me.org_unit, "person", person.values.person_name);
    assert.ok(byName.rows.some((r) => r.subject_id === person.subject_id));
    const middle = await pick(cun.session, cun.me.org_unit, "person", person.values.id_number.slice(6, 12));
    assert.ok(!middle.rows.some((r) => r.subject_id === person.subject_id), "birth dates are not searchable");
    const other = await api("GET", `/api/surveys/${dispatch}/pick?org_unit=${cun2.me.org_unit}&entity=house&q=`, undefined, { session: cun.session });
    assert.equal(other.status, 403, "another village's ledger is out of reach");
    const venue = await api("GET", `/api/surveys/${dispatch}/pick?org_unit=${cun.me.org_unit}&entity=venue&q=`, undefined, { session: cun.session });
    assert.equal(venue.status, 400);
  });

  it("stores photos by content hash, once", async () => {
    const bytes = fakeJpeg(dispatch);
    const first = await uploadPhoto(cun.session, cun.me.org_unit, bytes);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    assert.equal(first.json.hash, createHash("sha256").update(bytes).digest("hex"));
    const again = await uploadPhoto(cun.session, cun.me.org_unit, bytes);
    assert.equal(again.status, 200);
    assert.equal(again.json.created, false);
    const notImage = await uploadPhoto(cun.session, cun.me.org_unit, Buffer.from("<svg/>"));
    assert.equal(notImage.status, 400);
    assert.equal(notImage.json.error.code, "not_an_image");
    // A header declaring 30,000 × 30,000 pixels would decode to gigabytes
    // in every reader's browser: refused before it is kept, naming the limit.
    const bomb = await uploadPhoto(cun.session, cun.me.org_unit, fakeJpeg(`bomb-${dispatch}`, 30000, 30000));
    assert.equal(bomb.status, 400, JSON.stringify(bomb.json));
    assert.equal(bomb.json.error.code, "photo_too_many_pixels");
    assert.match(bomb.json.error.message.zh, /长边最多 4096 像素/);
    const broken = await uploadPhoto(cun.session, cun.me.org_unit, Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]));
    assert.equal(broken.json.error.code, "broken_image");
    photo = first.json.hash;
  });

  it("refuses strangers, wrong kinds and unknown photos, storing nothing", async () => {
    const task = await taskOf(cun.session, cun.me.org_unit);
    const others = await pick(cun2.session, cun2.me.org_unit, "house");
    const body = {
      submission_id: randomUUID(), template_id: SURVEY, template_version: 1, org_unit: cun.me.org_unit, task_id: task.id,
      rows: [
        { subject_id: others.rows[0].subject_id, values: { ...others.rows[0].values, damage_level: "严重" } },
        { subject_id: person.subject_id, values: { ...person.values, category: "受损企业", enterprise_name: "x", damage_level: "一般" } },
        { subject_id: "new:pt", values: { category: "易涝点", point_name: "桥下涵洞", damage_level: "一般", location: { address: "3组桥下" }, photos: ["f".repeat(64)] } },
        { subject_id: "new:bad", values: { category: "易涝点", damage_level: "一般" } },
      ],
    };
    const r = await api("POST", "/api/submissions", body, { session: cun.session });
    assert.equal(r.status, 422, r.text);
    const got = r.json.error.fields.map((f) => `${f.pointer} ${f.code}`);
    assert.ok(got.includes("/rows/3/values/point_name required") || got.some((g) => g.startsWith("/rows/3/values")), got.join("\n"));
    const again = await api("POST", "/api/submissions", { ...body, rows: body.rows.slice(0, 3) }, { session: cun.session });
    assert.equal(again.status, 422, again.text);
    const codes = again.json.error.fields.map((f) => `${f.pointer} ${f.code}`);
    assert.deepEqual(codes, ["/rows/0/subject_id unknown_subject", "/rows/1/values/category kind_mismatch", "/rows/2/values/photos unknown_photo"]);
    assert.equal((await taskOf(cun.session, cun.me.org_unit)).status, "draft");
  });

  it("stores picked and new rows exactly once", async () => {
    const task = await taskOf(cun.session, cun.me.org_unit);
    const body = {
      submission_id: randomUUID(), template_id: SURVEY, template_version: 1, org_unit: cun.me.org_unit, task_id: task.id,
      rows: [
        { subject_id: house.subject_id, values: { ...house.values, damage_level: "严重", affected_people: 3, loss_amount: 2.5, description: "屋顶掀翻" } },
        { subject_id: person.subject_id, values: { ...person.values, damage_level: "一般", affected_people: 1 } },
        { subject_id: `new:${randomUUID()}`, values: { category: "易涝点", point_name: "桥下涵洞", damage_level: "一般", location: { lat: 29.35, lng: 105.92, accuracy_m: 12 }, photos: [photo] } },
        { subject_id: `new:${randomUUID()}`, values: { category: "受损房屋", house_address: "新建未登记房屋", damage_level: "损毁", loss_amount: 8 } },
      ],
    };
    const first = await api("POST", "/api/submissions", body, { session: cun.session });
    assert.equal(first.status, 201, first.text);
    pickedHouseId = house.subject_id;
    const retry = await api("POST", "/api/submissions", body, { session: cun.session });
    assert.equal(retry.status, 200);
    assert.equal(retry.json.id, body.submission_id);
    assert.equal((await taskOf(cun.session, cun.me.org_unit)).status, "submitted");
  });

  it("a second village submits", async () => {
    const task = await taskOf(cun2.session, cun2.me.org_unit);
    const land = await pick(cun2.session, cun2.me.org_unit, "land_parcel");
    const rows = land.rows.slice(0, 1).map((r) => ({ subject_id: r.subject_id, values: { ...r.values, damage_level: "严重", farmland_area_mu: 1.5, loss_amount: 0.3 } }));
    rows.push({ subject_id: `new:${randomUUID()}`, values: { category: "受灾人员", person_name: "外来务工人员", damage_level: "轻微", affected_people: 2 } });
    const r = await api("POST", "/api/submissions", {
      submission_id: randomUUID(), template_id: SURVEY, template_version: 1, org_unit: cun2.me.org_unit, task_id: task.id, rows,
    }, { session: cun2.session });
    assert.equal(r.status, 201, r.text);
  });
});

describe("the board and the close", () => {
  it("sums per village, town and district; lists the flood points with photos", async () => {
    const r = await api("GET", `/api/surveys/${dispatch}`, undefined, { session: yingji.session });
    assert.equal(r.status, 200, r.text);
    const b = r.json;
    assert.equal(b.villages.length, 267);
    assert.equal(b.total.submitted, 2);
    const mine = b.villages.find((v) => v.org_unit === cun.me.org_unit);
    assert.equal(mine.status, "submitted");
    assert.deepEqual(mine.figures, { people: 4, houses: 2, farmland: 0, enterprises: 0, loss: 10.5, points: 1 });
    const hasLand = b.villages.find((v) => v.org_unit === cun2.me.org_unit).figures.farmland;
    assert.equal(b.total.figures.people, 6);
    assert.equal(b.total.figures.loss, hasLand ? 10.8 : 10.5);
    const townSum = b.towns.reduce((s, t) => s + t.figures.people, 0);
    assert.equal(townSum, 6);
    assert.equal(b.points.length, 1);
    assert.equal(b.points[0].title, "桥下涵洞");
    const image = await fetch(`${BASE}/api/photos/${b.points[0].photos[0]}`, { headers: { cookie: `ybt_session=${yingji.session}` } });
    assert.equal(image.status, 200);
    assert.equal(image.headers.get("content-type"), "image/jpeg");
    assert.ok((await image.arrayBuffer()).byteLength > 100);
    const outsider = await api("GET", `/api/surveys/${dispatch}`, undefined, { session: minzheng.session });
    assert.equal(outsider.status, 403);
    const town = await api("GET", `/api/surveys/${dispatch}`, undefined, { session: zhen.session });
    assert.equal(town.status, 200);
    assert.ok(town.json.villages.every((v) => v.org_unit.startsWith(zhen.me.org_unit)));
  });

  it("closing writes each picked record's disaster record once, with history, and queues new records", async () => {
    const refused = await api("POST", `/api/surveys/${dispatch}/close`, undefined, { session: cun.session });
    assert.equal(refused.status, 403);
    const first = await api("POST", `/api/surveys/${dispatch}/close`, undefined, { session: yingji.session });
    assert.equal(first.status, 200, first.text);
    assert.ok(first.json.records_updated >= 2, first.text);
    assert.equal(first.json.queued_for_review, 2, "the unregistered house and the migrant worker");
    const again = await api("POST", `/api/surveys/${dispatch}/close`, undefined, { session: yingji.session });
    assert.equal(again.status, 200);
    assert.equal(again.json.records_updated, 0);
    assert.equal(again.json.closed_at, first.json.closed_at);
    // By id: other test files share the database and may add houses to the village.
    const detail = await api("GET", `/api/ledger/records/${pickedHouseId}`, undefined, { session: cun.session });
    assert.equal(detail.status, 200, detail.text);
    const records = detail.json.record.data.disaster_records.filter((r) => r.event === dispatch);
    assert.equal(records.length, 1, JSON.stringify(detail.json.record.data.disaster_records));
    assert.equal(records[0].event, dispatch);
    assert.equal(records[0].damage_level, "严重");
    assert.equal(detail.json.history.at(-1).source, "survey");
  });

  it("a town coordinator accepts a queued new record into the ledger once, after completing it", async () => {
    const decide = (id, body, session = zhen.session) => api("POST", `/api/ledger-intake/${encodeURIComponent(id)}/decision`, body, { session });
    assert.equal((await api("GET", "/api/ledger-intake", undefined, { session: cun.session })).status, 403, "village staff do not review");
    assert.equal((await api("GET", "/api/ledger-intake", undefined, { session: yingji.session })).status, 403);
    const list = await api("GET", "/api/ledger-intake?status=pending", undefined, { session: zhen.session });
    assert.equal(list.status, 200, list.text);
    const house = list.json.find((e) => e.dispatch_id === dispatch && e.entity === "house");
    assert.ok(house, list.text);
    assert.equal(house.org_unit, cun.me.org_unit);
    assert.equal(house.proposed.address, "新建未登记房屋");
    assert.deepEqual(house.problems.map((p) => `${p.pointer} ${p.code}`), ["/data/structure required"], "what to complete");
    assert.equal((await decide(house.id, { decision: "accept" }, cun.session)).status, 403);
    const incomplete = await decide(house.id, { decision: "accept" });
    assert.equal(incomplete.status, 422, incomplete.text);
    assert.deepEqual(incomplete.json.error.fields.map((f) => f.pointer), ["/data/structure"]);
    assert.ok(incomplete.json.error.fields.every((f) => f.message.zh && f.message.en));
    const unknown = await decide(house.id, { decision: "accept", data: { colour: "red" } });
    assert.equal(unknown.json.error.fields[0].code, "unknown_field");
    const body = { decision: "accept", data: { structure: "砖混" } };
    const accepted = await decide(house.id, body);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.json.status, "accepted");
    assert.equal(accepted.json.record_id, `house:${house.id}`, "the record id is derived from the queue entry");
    const retry = await decide(house.id, body);
    assert.equal(retry.status, 200, "a retry writes nothing again");
    assert.equal(retry.json.record_id, accepted.json.record_id);
    const otherWay = await decide(house.id, { decision: "reject", reason: "重复" });
    assert.equal(otherWay.status, 409);
    assert.equal(otherWay.json.error.code, "already_decided");
    const detail = await api("GET", `/api/ledger/records/${accepted.json.record_id}`, undefined, { session: cun.session });
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.json.record.version, 1);
    assert.equal(detail.json.record.data.structure, "砖混");
    assert.equal(detail.json.record.data.disaster_records[0].event, dispatch);
    assert.equal(detail.json.record.data.disaster_records[0].damage_level, "损毁");
    assert.deepEqual(detail.json.history.map((h) => h.source), ["survey"]);
    const after = await api("GET", "/api/ledger-intake?status=pending", undefined, { session: zhen.session });
    assert.ok(!after.json.some((e) => e.id === house.id));
    const bad = await api("GET", "/api/ledger-intake?status=maybe", undefined, { session: zhen.session });
    assert.equal(bad.status, 400);
  });

  it("rejecting a queued record needs a reason and is final", async () => {
    const all = await api("GET", `/api/ledger-intake?org_unit=${cun2.me.org_unit.slice(0, 9)}`, undefined, { session: zhen.session });
    if (!cun2.me.org_unit.startsWith(zhen.me.org_unit)) {
      assert.equal(all.status, 403, "another town's coordinator decides");
      return;
    }
    const worker = all.json.find((e) => e.dispatch_id === dispatch && e.entity === "person");
    assert.ok(worker, all.text);
    const decide = (body) => api("POST", `/api/ledger-intake/${encodeURIComponent(worker.id)}/decision`, body, { session: zhen.session });
    const noReason = await decide({ decision: "reject", reason: " " });
    assert.equal(noReason.status, 422);
    assert.deepEqual(noReason.json.error.fields.map((f) => `${f.pointer} ${f.code}`), ["/reason missing_reason"]);
    const rejected = await decide({ decision: "reject", reason: "经核实已随家人登记在外区" });
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.json.status, "rejected");
    assert.equal(rejected.json.reason, "经核实已随家人登记在外区");
    assert.equal((await decide({ decision: "reject", reason: "again" })).status, 200);
    assert.equal((await decide({ decision: "accept", data: { id_number: "11010519491231002X" } })).status, 409);
    assert.equal((await api("POST", "/api/ledger-intake/nope/decision", { decision: "accept" }, { session: zhen.session })).status, 404);
  });
});

describe("an ad-hoc survey from the quick builder", () => {
  /** What `ybt_core::builder::survey::survey_document` writes for a town's quick survey. */
  const doc = (id, extra = {}) => ({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "山洪受灾快报",
    "x-template": { id, version: 1, department: "whatever: the worker sets it" },
    "x-subject": { mode: "pick", kind_field: "category", kinds: [{ kind: "受损房屋", entity: "house" }, { kind: "塌方点" }] },
    type: "object",
    required: ["category", "damage"],
    properties: {
      category: { title: "类别", type: "string", enum: ["受损房屋", "塌方点"] },
      house_address: { title: "房屋地址", type: "string", "x-ledger": "house.address" },
      damage: { title: "受灾程度", type: "string", enum: ["轻微", "严重"] },
      ...extra,
    },
  });

  it("publishes the template and dispatches it on the fast track, once", async () => {
    const id = `adhoc-${randomUUID()}`;
    const dispatchId = `flash-${randomUUID()}`;
    const body = { dispatch_id: dispatchId, template_id: id, scope: zhen.me.org_unit, reason: "山洪", document: doc(id) };
    const first = await api("POST", "/api/surveys", body, { session: zhen.session });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.template_id, id);
    assert.equal(first.json.title, "山洪受灾快报");
    assert.match(first.json.fast_track, /未经镇街协同中心审核/);
    assert.notEqual(first.json.department, "whatever: the worker sets it");
    const again = await api("POST", "/api/surveys", body, { session: zhen.session });
    assert.equal(again.status, 200, again.text);
    const taken = await api("POST", "/api/surveys", { ...body, dispatch_id: randomUUID(), document: doc(id, { note: { title: "备注", type: "string" } }) }, { session: zhen.session });
    assert.equal(taken.status, 409, taken.text);
    assert.equal(taken.json.error.code, "template_id_taken");

    const tasks = await api("GET", `/api/tasks?org_unit=${cun.me.org_unit}&dispatch_id=${dispatchId}`, undefined, { session: cun.session });
    assert.equal(tasks.json.length, 1, tasks.text);
    const houses = await api("GET", `/api/surveys/${dispatchId}/pick?org_unit=${cun.me.org_unit}&entity=house&q=`, undefined, { session: cun.session });
    assert.equal(houses.status, 200, houses.text);
    const house = houses.json.rows[0];
    assert.ok(house.values.house_address);
    const submitted = await api("POST", "/api/submissions", {
      submission_id: randomUUID(), template_id: id, template_version: 1, org_unit: cun.me.org_unit, task_id: tasks.json[0].id,
      rows: [
        { subject_id: house.subject_id, values: { ...house.values, damage: "严重" } },
        { subject_id: `new:${randomUUID()}`, values: { category: "塌方点", damage: "轻微" } },
      ],
    }, { session: cun.session });
    assert.equal(submitted.status, 201, submitted.text);
    const board = await api("GET", `/api/surveys/${dispatchId}`, undefined, { session: zhen.session });
    assert.equal(board.status, 200, board.text);
    assert.deepEqual(board.json.total.figures, { "受损房屋": 1, "塌方点": 1 }, "without x-board: a count per kind");
  });

  it("is checked like any template, with pointers into the request", async () => {
    const start = (template_id, document) =>
      api("POST", "/api/surveys", { dispatch_id: randomUUID(), template_id, scope: zhen.me.org_unit, document }, { session: zhen.session });
    const id = `adhoc-${randomUUID()}`;
    const wrongId = await start("my-survey", doc("my-survey"));
    assert.equal(wrongId.status, 422);
    assert.deepEqual(wrongId.json.error.fields.map((f) => `${f.pointer} ${f.code}`), ["/template_id invalid_adhoc_id"]);
    const unknown = await start(id, doc(id, { owner: { title: "户主", type: "string", "x-ledger": "house.nobody" } }));
    assert.equal(unknown.status, 422, unknown.text);
    assert.ok(unknown.json.error.fields.some((f) => f.pointer === "/document/properties/owner/x-ledger"), unknown.text);
    assert.ok(unknown.json.error.fields.every((f) => f.message.zh && f.message.en));
    const plain = doc(id);
    delete plain["x-subject"];
    delete plain.properties.house_address;
    const notPick = await start(id, plain);
    assert.equal(notPick.status, 422, notPick.text);
    assert.equal(notPick.json.error.fields[0].code, "not_a_survey");
    const village = await api("POST", "/api/surveys", { dispatch_id: randomUUID(), template_id: id, scope: zhen.me.org_unit, document: doc(id) }, { session: cun.session });
    assert.equal(village.status, 403, "village staff do not start surveys");
    const stored = await api("GET", `/api/surveys?org_unit=${zhen.me.org_unit}`, undefined, { session: zhen.session });
    assert.ok(!stored.json.some((s) => s.template_id === id), "nothing was stored");
  });
});

// Issue 19: what a typhoon night needs from the API — a confirmed scope
// before starting, no accidental "nothing happened", photos shared between
// villages readable by all their readers, no reports after the close.
describe("a survey that holds in a typhoon", () => {
  let survey;
  const submit = (who, rows, extra = {}) =>
    taskIn(who).then((task) =>
      api("POST", "/api/submissions", {
        submission_id: randomUUID(), template_id: SURVEY, template_version: 1, org_unit: who.me.org_unit, task_id: task.id, rows, ...extra,
      }, { session: who.session }));
  let nothingId;
  async function taskIn(who) {
    const tasks = await api("GET", `/api/tasks?org_unit=${who.me.org_unit}&dispatch_id=${survey}`, undefined, { session: who.session });
    assert.equal(tasks.json.length, 1, tasks.text);
    return tasks.json[0];
  }
  const point = (photos) => ({
    subject_id: `new:${randomUUID()}`,
    values: { category: "易涝点", point_name: "村口涵洞", damage_level: "一般", location: { address: "村口涵洞" }, photos },
  });

  it("previews the scope (name, villages, due date) without starting anything, then starts with the due date stored", async () => {
    survey = `typhoon19-${randomUUID()}`;
    const body = { dispatch_id: survey, template_id: SURVEY, scope: DISTRICT, due_date: "2026-12-01", reason: "台风" };
    const preview = await api("POST", "/api/surveys/preview", body, { session: yingji.session });
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual(preview.json, { title: "台风受灾摸排表", scope: DISTRICT, scope_name: preview.json.scope_name, villages: 267, due_date: "2026-12-01" });
    assert.ok(preview.json.scope_name);
    assert.equal((await api("GET", `/api/surveys/${survey}`, undefined, { session: yingji.session })).status, 404, "a preview stores nothing");
    const refused = await api("POST", "/api/surveys/preview", body, { session: zhen.session });
    assert.equal(refused.status, 403, "a town centre cannot preview the district");
    const started = await api("POST", "/api/surveys", body, { session: yingji.session });
    assert.equal(started.status, 201, started.text);
    assert.equal(started.json.due_date, "2026-12-01");
    assert.equal((await taskIn(cun)).due_date, "2026-12-01");
  });

  it("a submission with no rows needs the explicit 本村无灾情, which the board shows", async () => {
    const empty = await submit(cun, []);
    assert.equal(empty.status, 422, empty.text);
    assert.deepEqual(empty.json.error.fields.map((f) => `${f.pointer} ${f.code}`), ["/rows no_rows"]);
    assert.match(empty.json.error.fields[0].message.zh, /本村无灾情/);
    const person = { subject_id: `new:${randomUUID()}`, values: { category: "受灾人员", person_name: "外来人员", damage_level: "轻微", affected_people: 1 } };
    const both = await submit(cun, [person], { nothing_to_report: true });
    assert.equal(both.status, 422, both.text);
    assert.ok(both.json.error.fields.some((f) => f.code === "rows_with_nothing_to_report"), both.text);
    assert.notEqual((await taskIn(cun)).status, "submitted", "nothing stored");
    const none = await submit(cun, [], { nothing_to_report: true });
    assert.equal(none.status, 201, none.text);
    nothingId = none.json.id;
    const board = await api("GET", `/api/surveys/${survey}`, undefined, { session: yingji.session });
    const line = board.json.villages.find((v) => v.org_unit === cun.me.org_unit);
    assert.equal(line.status, "submitted");
    assert.equal(line.nothing_to_report, 1);
    assert.equal(board.json.total.nothing_to_report, 1);
  });

  it("a photo sent by two villages stays readable by both, their towns and the department; a village names only photos it sent", async () => {
    const bytes = fakeJpeg(`shared-${survey}`);
    const first = await uploadPhoto(cun.session, cun.me.org_unit, bytes);
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const second = await uploadPhoto(cun2.session, cun2.me.org_unit, bytes);
    assert.equal(second.status, 200, "the same bytes: stored once");
    const hash = first.json.hash;
    const onlyCun = (await uploadPhoto(cun.session, cun.me.org_unit, fakeJpeg(`only-${survey}`))).json.hash;
    const borrowed = await submit(cun2, [point([onlyCun])]);
    assert.equal(borrowed.status, 422, borrowed.text);
    assert.deepEqual(borrowed.json.error.fields.map((f) => `${f.pointer} ${f.code}`), ["/rows/0/values/photos unknown_photo"]);
    const stored = await submit(cun2, [point([hash])]);
    assert.equal(stored.status, 201, stored.text);
    const read = async (who) =>
      (await fetch(`${BASE}/api/photos/${hash}`, { headers: { cookie: `ybt_session=${who.session}` } })).status;
    assert.equal(await read(cun2), 200, "the second village");
    assert.equal(await read(cun), 200, "the first village");
    assert.equal(await read(yingji), 200, "the department whose survey names it");
    assert.equal(await read(minzheng), 403, "another department");
    const towns = [cun, cun2].map((w) => w.me.org_unit.slice(0, 9));
    assert.equal(await read(zhen), towns.includes(zhen.me.org_unit) ? 200 : 403, "the town centre of either village");
    const board = await api("GET", `/api/surveys/${survey}`, undefined, { session: yingji.session });
    assert.ok(board.json.points.some((p) => p.photos.includes(hash)));
  });

  it("after the close, a new report is refused with 409 survey_closed; a retry of one stored before still gets its receipt", async () => {
    const closed = await api("POST", `/api/surveys/${survey}/close`, undefined, { session: yingji.session });
    assert.equal(closed.status, 200, closed.text);
    const task = await taskIn(cun);
    const retry = await api("POST", "/api/submissions", {
      submission_id: nothingId, template_id: SURVEY, template_version: 1, org_unit: cun.me.org_unit, task_id: task.id, rows: [],
      nothing_to_report: true,
    }, { session: cun.session });
    assert.equal(retry.status, 200, retry.text);
    // A village of zhen's town that had not reported, sent by its town centre.
    const tasks = await api("GET", `/api/tasks?dispatch_id=${survey}`, undefined, { session: zhen.session });
    const open = tasks.json.find((t) => t.status !== "submitted");
    assert.ok(open, "some village has not reported");
    const zhenSubmit = await api("POST", "/api/submissions", {
      submission_id: randomUUID(), template_id: SURVEY, template_version: 1, org_unit: open.org_unit, task_id: open.id, rows: [],
      nothing_to_report: true,
    }, { session: zhen.session });
    assert.equal(zhenSubmit.status, 409, zhenSubmit.text);
    assert.equal(zhenSubmit.json.error.code, "survey_closed");
    assert.match(zhenSubmit.json.error.message.zh, /已结束/);
    const board = await api("GET", `/api/surveys/${survey}`, undefined, { session: yingji.session });
    assert.equal(board.json.villages.find((v) => v.org_unit === open.org_unit).status, open.status, "nothing counted");
  });
});
