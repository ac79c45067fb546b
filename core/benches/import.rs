//! Import throughput: read and plan 100,000 people from one in-memory XLSX
//! (a whole town exported by core itself), first into an empty ledger, then
//! again over the stored records (everything unchanged).
//!
//! `cargo bench -p ybt-core --bench import`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ybt_core::export::{mask_nothing, to_xlsx};
use ybt_core::import::{ImportRequest, Limits, UpsertTarget, plan_import, read_sheet};
use ybt_core::ledger::{ChangeMeta, LedgerRecord, OrgLevel, OrgUnit, RecordTypes, Source};

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
        target: UpsertTarget { unit: TOWN, meta: &meta, unit_names: &NO_NAMES },
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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
