//! A seeded generator of random report templates and rows (issue 14):
//! templates nobody on the team wrote, with every type, the formats,
//! enums, ranges, lengths, patterns, `required`, `if`/`then`, `anyOf`,
//! `$ref`, nullable fields and arrays of objects; rows valid and broken in
//! the ways clerks break them. Shared by the differential test
//! (`core/tests/differential.rs`, against `jsonschema`) and the validation
//! benchmark (`cargo run -p ybt-core --example gen_templates`, against ajv).

#![allow(dead_code)]

use serde_json::{Map, Value, json};

/// splitmix64: small, seeded, the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + (self.next() % 10) as u8)).collect()
    }
}

const REGIONS: &[&str] = &["110105", "500118", "350304", "440303", "320102", "510104"];
const WORDS: &[&str] = &["一般", "情况正常", "已核实", "独居", "需关注", "外出务工", "无变化", "张三", "李四", "王五"];
const OPTIONS: &[&str] = &["是", "否", "轻微", "一般", "严重", "砖混", "土木", "框架", "本人", "代领", "其他"];
/// Patterns as report templates write them (each with a maker of matching text).
const PATTERNS: &[&str] = &[
    "^[0-9]{6}$",
    "^[A-Z]{2}[0-9]{4}$",
    "^(东|西|南|北)[0-9]{1,3}号$",
    "^[0-9]{3,4}-[0-9]{7,8}$",
    "^[\\u4e00-\\u9fa5]{2,4}$",
    "^[0-9]+(\\.[0-9]{1,2})?$",
    // Beyond `pattern.rs`'s one-pass form: they run on the automaton. (As
    // ECMA-262 reads them too: the benchmark runs ajv on these templates;
    // no `\s`, which `jsonschema` reads as Unicode and the engine as ASCII,
    // a documented difference the fuzz target would find on arbitrary text.)
    "^(0\\d{2,3}-)?\\d{7,8}$",
    "^[\\u4e00-\\u9fa5]{1,8}(村|社区|居委会)$",
    "[\\u4e00-\\u9fa5]",
    "^[^ @]+@[^ @]+\\.[a-z]{2,6}$",
    "^(AB|CD|cd)-[A-Za-z0-9_]{2,4}$",
];

fn pattern_text(rng: &mut Rng, pattern: usize) -> String {
    match pattern {
        0 => rng.digits(6),
        1 => format!("{}{}{}", char::from(b'A' + rng.int(0, 25) as u8), char::from(b'A' + rng.int(0, 25) as u8), rng.digits(4)),
        2 => format!("{}{}号", rng.pick(&["东", "西", "南", "北"]), rng.int(1, 999)),
        3 => format!("0{}-{}", rng.digits(2), rng.digits(8)),
        4 => rng.pick(&["张三", "李四", "王小五", "欧阳修文"]).to_string(),
        5 => format!("{}.{}", rng.int(0, 9999), rng.digits(2)),
        6 if rng.chance(50) => format!("0{}-{}", rng.digits(3), rng.digits(7)),
        6 => rng.digits(8),
        7 => format!("{}{}", rng.pick(&["石堰", "双石", "张家", "来苏"]), rng.pick(&["村", "社区", "居委会"])),
        8 => format!("{} {}", rng.digits(3), rng.pick(WORDS)),
        9 => format!("user{}@example.{}", rng.digits(3), rng.pick(&["com", "cn", "org"])),
        _ => format!("{}-{}", rng.pick(&["AB", "cd", "CD"]), rng.pick(&["x1", "a_b", "Z9z9"])),
    }
}

fn date(rng: &mut Rng, y0: i64, y1: i64) -> String {
    let (y, m) = (rng.int(y0, y1), rng.int(1, 12));
    format!("{y:04}-{m:02}-{:02}", rng.int(1, 28))
}

fn id_number(rng: &mut Rng) -> String {
    let first17 = format!("{}{}{}", rng.pick(REGIONS), date(rng, 1930, 2005).replace('-', ""), rng.digits(3));
    let check = ybt_core::formats::id_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

fn credit_code(rng: &mut Rng) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body: String = (0..9).map(|_| char::from(*rng.pick(ALPHABET))).collect();
    let first17 = format!("91{}{}", rng.pick(REGIONS), body);
    let check = ybt_core::formats::credit_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// One field's schema, drawn at random; `depth` 0 may hold arrays of objects.
fn field(rng: &mut Rng, depth: u32) -> Value {
    let kinds = if depth == 0 { 14 } else { 11 };
    let mut s = match rng.int(0, kinds - 1) {
        0 => json!({"type": "string", "maxLength": rng.int(4, 60)}),
        1 => json!({"type": "string", "minLength": rng.int(1, 3), "maxLength": rng.int(8, 30)}),
        2 => {
            let n = rng.int(2, 5) as usize;
            let start = rng.int(0, (OPTIONS.len() - n) as i64) as usize;
            json!({"type": "string", "enum": OPTIONS[start..start + n]})
        }
        3 => json!({"type": "string", "pattern": PATTERNS[rng.int(0, PATTERNS.len() as i64 - 1) as usize]}),
        4 => {
            json!({"type": "string", "format": rng.pick(&["date", "date-time", "cn-id-number", "cn-mobile", "cn-credit-code", "cn-division-code"])})
        }
        5 => {
            let lo = rng.int(-10, 50);
            json!({"type": "integer", "minimum": lo, "maximum": lo + rng.int(1, 10_000)})
        }
        6 => json!({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": rng.int(2, 1000)}),
        7 => json!({"type": "number", "minimum": 0, "maximum": rng.int(1, 100_000), "multipleOf": *rng.pick(&[0.01, 0.5, 0.1])}),
        8 => json!({"type": "number", "minimum": rng.int(-100, 0)}),
        9 => json!({"type": "boolean"}),
        10 => json!({"type": ["string", "null"], "maxLength": rng.int(5, 40)}),
        11 => json!({"anyOf": [{"type": "string", "format": "cn-mobile"}, {"type": "string", "pattern": PATTERNS[3]}]}),
        12 => json!({"$ref": "#/$defs/person"}),
        _ => {
            let n = rng.int(2, 4) as usize;
            let mut item = object(rng, depth + 1, n);
            item.as_object_mut().map(|m| m.insert("additionalProperties".into(), json!(false)));
            json!({"type": "array", "minItems": rng.int(0, 1), "maxItems": rng.int(2, 6), "items": item})
        }
    };
    s.as_object_mut().map(|m| m.insert("title".into(), json!("字段")));
    s
}

/// An object schema with `n` fields named `f0`…, some required.
fn object(rng: &mut Rng, depth: u32, n: usize) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for i in 0..n {
        let key = format!("f{i}");
        props.insert(key.clone(), field(rng, depth));
        if rng.chance(60) {
            required.push(json!(key));
        }
    }
    json!({"type": "object", "required": required, "properties": props})
}

/// Template number `n` of the seeded series.
pub fn template(seed: u64, n: u64) -> Value {
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(n));
    let count = rng.int(4, 24) as usize;
    let mut doc = object(&mut rng, 0, count);
    let m = doc.as_object_mut().expect("object");
    m.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    m.insert("title".into(), json!(format!("随机模板 {n}")));
    m.insert("x-template".into(), json!({"id": format!("gen-{n}"), "version": 1}));
    m.insert(
        "$defs".into(),
        json!({"person": {"type": "object", "required": ["name", "id_number"], "properties": {
            "name": {"type": "string", "minLength": 2, "maxLength": 20},
            "id_number": {"type": "string", "format": "cn-id-number"},
            "phone": {"type": "string", "format": "cn-mobile"}}, "additionalProperties": false}}),
    );
    if rng.chance(50) {
        m.insert("additionalProperties".into(), json!(false));
    }
    // if / then: an enum field's value makes another field required.
    let keys: Vec<String> = m["properties"].as_object().expect("props").keys().cloned().collect();
    let enum_key = keys.iter().find(|k| m["properties"][k.as_str()].get("enum").is_some()).cloned();
    if let Some(k) = enum_key
        && rng.chance(70)
    {
        let first = m["properties"][k.as_str()]["enum"][0].clone();
        let other = rng.pick(&keys).clone();
        m.insert("if".into(), json!({"properties": {k.clone(): {"const": first}}, "required": [k]}));
        m.insert("then".into(), json!({"required": [other]}));
    }
    doc
}

/// A value `schema` accepts.
fn valid(rng: &mut Rng, schema: &Value, root: &Value) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = root.pointer(r.trim_start_matches('#')).cloned().unwrap_or(Value::Null);
        return valid(rng, &target, root);
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        return rng.pick(options).clone();
    }
    if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
        let branch = rng.pick(any).clone();
        return valid(rng, &branch, root);
    }
    let ty = match &schema["type"] {
        Value::Array(xs) => xs[0].as_str().unwrap_or_default().to_owned(),
        t => t.as_str().unwrap_or_default().to_owned(),
    };
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    match ty.as_str() {
        "string" => {
            if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
                let i = PATTERNS.iter().position(|x| *x == p).unwrap_or(0);
                return json!(pattern_text(rng, i));
            }
            match schema.get("format").and_then(Value::as_str) {
                Some("date") => json!(date(rng, 2024, 2027)),
                Some("date-time") => json!(format!("{}T{:02}:{:02}:00+08:00", date(rng, 2024, 2027), rng.int(0, 23), rng.int(0, 59))),
                Some("cn-id-number") => json!(id_number(rng)),
                Some("cn-mobile") => json!(format!("1{}{}", rng.int(3, 9), rng.digits(9))),
                Some("cn-credit-code") => json!(credit_code(rng)),
                Some("cn-division-code") => json!(format!("500118{}", rng.pick(&["", "100", "100001"]))),
                _ => {
                    let max = num("maxLength").unwrap_or(50.0) as usize;
                    let min = num("minLength").unwrap_or(0.0) as usize;
                    let mut s: String = rng.pick(WORDS).to_string();
                    while s.chars().count() < min {
                        s.push('好');
                    }
                    json!(s.chars().take(max.max(min)).collect::<String>())
                }
            }
        }
        "integer" => {
            let lo = num("minimum").or(num("exclusiveMinimum").map(|x| x + 1.0)).unwrap_or(0.0) as i64;
            let hi = num("maximum").or(num("exclusiveMaximum").map(|x| x - 1.0)).unwrap_or(1000.0) as i64;
            json!(rng.int(lo, hi.max(lo)))
        }
        "number" => {
            let lo = num("minimum").unwrap_or(0.0).ceil() as i64;
            let hi = num("maximum").unwrap_or(10_000.0).floor() as i64;
            let step = num("multipleOf").unwrap_or(0.25);
            let steps = ((hi - lo) as f64 / step) as i64;
            let k = rng.int(0, steps.max(0));
            // Printed as the decimal a clerk types (4422.77, not 4422.7699999).
            let text = format!("{:.2}", lo as f64 + k as f64 * step);
            serde_json::from_str(&text).unwrap_or(json!(lo))
        }
        "boolean" => json!(rng.chance(50)),
        "array" => {
            let lo = num("minItems").unwrap_or(0.0) as i64;
            let hi = num("maxItems").unwrap_or(3.0) as i64;
            let n = rng.int(lo, hi.min(lo + 3));
            Value::Array((0..n).map(|_| valid(rng, &schema["items"], root)).collect())
        }
        "object" => {
            let mut row = Map::new();
            let required: Vec<&str> =
                schema["required"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            if let Some(props) = schema["properties"].as_object() {
                for (k, s) in props {
                    if required.contains(&k.as_str()) || rng.chance(70) {
                        row.insert(k.clone(), valid(rng, s, root));
                    }
                }
            }
            Value::Object(row)
        }
        _ => Value::Null,
    }
}

/// Breaks `row` (an object for `schema`) in one of the ways rows break.
fn break_row(rng: &mut Rng, row: &mut Map<String, Value>, schema: &Value, root: &Value) {
    let Some(props) = schema["properties"].as_object() else { return };
    let keys: Vec<&String> = props.keys().collect();
    let key = (*rng.pick(&keys)).clone();
    let s = &props[&key];
    match rng.int(0, 9) {
        0 => {
            row.remove(&key);
        }
        1 => {
            row.insert(key, if s["type"] == "string" { json!(rng.int(1, 99)) } else { json!("x") });
        }
        2 => {
            row.insert("unexpected".into(), json!(1));
        }
        3 => {
            row.insert(key, json!("长".repeat(70)));
        }
        4 => {
            row.insert(key, json!(-1_000_000));
        }
        5 => {
            row.insert(key, json!(rng.digits(5) + "x"));
        }
        6 => {
            row.insert(key, json!(12.345));
        }
        7 => {
            row.insert(key, json!("2026-02-30"));
        }
        8 => {
            row.insert(key, Value::Null);
        }
        _ => {
            // Into an array's item, or a `$ref`'d person.
            let target = s.get("$ref").and_then(Value::as_str).and_then(|r| root.pointer(r.trim_start_matches('#'))).unwrap_or(s);
            match row.get_mut(&key) {
                Some(Value::Array(items)) if !items.is_empty() => {
                    if let Some(Value::Object(item)) = items.first_mut() {
                        break_row(rng, item, &target["items"], root);
                    }
                }
                Some(Value::Object(inner)) => break_row(rng, inner, target, root),
                _ => {
                    row.insert(key, json!([1, "二"]));
                }
            }
        }
    }
}

/// `count` rows for `template`: about 60% valid, the rest with 1–3 faults.
pub fn rows(template: &Value, seed: u64, count: usize) -> Vec<Value> {
    let mut rng = Rng::new(seed ^ 0x5EED);
    (0..count)
        .map(|_| {
            let mut row = valid(&mut rng, template, template);
            if rng.chance(40)
                && let Value::Object(m) = &mut row
            {
                for _ in 0..rng.int(1, 3) {
                    break_row(&mut rng, m, template, template);
                }
            }
            row
        })
        .collect()
}
