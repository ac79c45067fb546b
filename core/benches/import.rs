//! Import throughput: read and plan 100,000 people from one in-memory XLSX
//! (a whole town exported by core itself), first into an empty ledger, then
//! again over the stored records (everything unchanged); and the same
//! people as a village office types them (issue 18: full-width ID numbers,
//! dotted dates, padded names, a footer), where normalisation changes
//! three cells of every row.
//!
//! `cargo bench -p ybt-core --bench import`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use ybt_core::export::{mask_nothing, to_xlsx};
use ybt_core::import::{ImportRequest, Limits, UpsertTarget, plan_import, read_sheet};
use ybt_core::ledger::{ChangeMeta, LedgerRecord, OrgLevel, OrgUnit, RecordTypes, Source};

/// The people as a clerk's roster: a title, the header, every ID number in
/// full-width digits, dates as `1975.1.16`, names padded with spaces, a
/// 合计 row at the end.
fn messy_xlsx(people: &[LedgerRecord]) -> Vec<u8> {
    let full_width = |s: &str| {
        s.chars().map(|c| if c.is_ascii_alphanumeric() { char::from_u32(c as u32 + 0xFEE0).unwrap_or(c) } else { c }).collect::<String>()
    };
    let text = |r: &LedgerRecord, f: &str| r.data.get(f).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "青峰镇人员花名册").expect("cell");
    for (c, title) in ["序号", "姓名", "身份证号", "出生日期", "村代码"].iter().enumerate() {
        sheet.write_string(1, c as u16, *title).expect("cell");
    }
    for (i, r) in people.iter().enumerate() {
        let row = i as u32 + 2;
        let date = text(r, "birth_date");
        let dotted = date.split('-').map(|p| p.trim_start_matches('0')).collect::<Vec<_>>().join(".");
        sheet.write_number(row, 0, (i + 1) as f64).expect("cell");
        sheet.write_string(row, 1, format!(" {} ", text(r, "name"))).expect("cell");
        sheet.write_string(row, 2, full_width(&text(r, "id_number"))).expect("cell");
        sheet.write_string(row, 3, dotted).expect("cell");
        sheet.write_string(row, 4, &r.org_unit).expect("cell");
    }
    sheet.write_string(people.len() as u32 + 2, 0, "合计").expect("cell");
    workbook.save_to_buffer().expect("xlsx")
}

const PEOPLE: usize = 100_000;
const VILLAGES: usize = 50;
const TOWN: &str = "500118100";
static NO_NAMES: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();

fn town_people() -> Vec<LedgerRecord> {
    let villages: Vec<(OrgUnit, String)> = (1..=VILLAGES)
        .map(|n| {
            let unit = OrgUnit {
                code: format!("{TOWN}{n:03}"),
                name: format!("第{n}村"),
                level: OrgLevel::Village,
                parent_code: Some(TOWN.to_owned()),
            };
            (unit, "青峰镇".to_owned())
        })
        .collect();
    ybt_core::demo::people(&villages, PEOPLE / VILLAGES, 42)
}

fn bench(c: &mut Criterion) {
    let types = RecordTypes::builtin().expect("record types");
    let person = types.get("person").expect("person");
    let people = town_people();
    let xlsx = to_xlsx(person, &people, &mask_nothing, "2026-03-01T00:00:00Z").expect("xlsx");
    eprintln!("{} people, XLSX of {:.1} MB", people.len(), xlsx.len() as f64 / 1e6);
    let meta = ChangeMeta { changed_by: "bench".into(), changed_at: "2026-03-01T00:00:00Z".into(), source: Source::Import };
    let request = ImportRequest {
        entity: "person",
        target: UpsertTarget { unit: TOWN, meta: &meta, disclosed: &NO_NAMES },
        limits: Limits::default(),
        mapping: None,
        sheets: None,
    };
    let first = plan_import(&types, &xlsx, &request, &[], &mut |_, _| {}).expect("plans");
    assert_eq!(first.upserts.new, PEOPLE);
    let stored: Vec<LedgerRecord> = first.upserts.writes.into_iter().map(|w| w.record).collect();

    let mut group = c.benchmark_group("import_100k_people_xlsx");
    group.sample_size(10);
    group.throughput(Throughput::Elements(PEOPLE as u64));
    group.bench_function("read_sheet", |b| b.iter(|| read_sheet(&xlsx, &Limits::default()).expect("reads")));
    group
        .bench_function("plan_into_empty_ledger", |b| b.iter(|| plan_import(&types, &xlsx, &request, &[], &mut |_, _| {}).expect("plans")));
    group.bench_function("plan_again_all_unchanged", |b| {
        b.iter(|| {
            let plan = plan_import(&types, &xlsx, &request, &stored, &mut |_, _| {}).expect("plans");
            assert!(plan.upserts.writes.is_empty());
        })
    });
    let messy = messy_xlsx(&people);
    let plan = plan_import(&types, &messy, &request, &[], &mut |_, _| {}).expect("plans");
    assert_eq!((plan.upserts.new, plan.reading.skipped_total), (PEOPLE, 1));
    assert_eq!(plan.reading.conversion_total, 3 * PEOPLE);
    group.bench_function("plan_messy_roster_into_empty_ledger", |b| {
        b.iter(|| plan_import(&types, &messy, &request, &[], &mut |_, _| {}).expect("plans"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
