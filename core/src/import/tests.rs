//! Import end to end: files built in memory, planned against an in-memory
//! ledger, applied, and imported again.

use rust_xlsxwriter::Workbook;
use serde_json::json;

use super::template;
use super::*;
use crate::ledger::store_ready as ready;
use crate::ledger::{ChangeMeta, InMemoryLedger, LedgerStore, RecordTypes, Source};

const VILLAGE: &str = "500118100001";
static NO_NAMES: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();

fn types() -> RecordTypes {
    RecordTypes::builtin().expect("types")
}

fn meta() -> ChangeMeta {
    ChangeMeta { changed_by: "clerk".into(), changed_at: "2026-03-01T08:00:00Z".into(), source: Source::Import }
}

fn request<'a>(meta: &'a ChangeMeta) -> ImportRequest<'a> {
    ImportRequest {
        entity: "person",
        target: UpsertTarget { unit: VILLAGE, meta, disclosed: &NO_NAMES },
        limits: Limits::default(),
        mapping: None,
        sheets: None,
    }
}

/// Plans `bytes` as a person import into [`VILLAGE`] against `store`.
fn plan(store: &InMemoryLedger, bytes: &[u8]) -> Result<ImportPlan, ImportFailure> {
    let existing = ready(store.list(VILLAGE, "person")).expect("infallible");
    let meta = meta();
    plan_import(&types(), bytes, &request(&meta), &existing, &mut |_, _| {})
}

fn import(store: &InMemoryLedger, bytes: &[u8]) -> ImportPlan {
    let plan = plan(store, bytes).unwrap_or_else(|e| panic!("{e}: {e:?}"));
    ready(store.apply(&plan.upserts.writes)).expect("applies");
    plan
}

/// The (row, column, code) of every row error.
fn row_errors(result: Result<ImportPlan, ImportFailure>) -> Vec<(usize, Option<String>, String)> {
    match result {
        Err(ImportFailure::Rows { errors, .. }) => errors.into_iter().map(|e| (e.row, e.column, e.code)).collect(),
        other => panic!("expected row errors, got {other:?}"),
    }
}

fn e(row: usize, column: &str, code: &str) -> (usize, Option<String>, String) {
    (row, Some(column.to_owned()), code.to_owned())
}

const GOOD: &str = "姓名,身份证号,性别,出生日期,联系电话,人员类别\n\
                    张三,11010519491231002X,女,1949/12/31,13812345678,低保、残疾\n\
                    李四,500118199001011237,男,1990-01-01,,\n";

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *text).expect("cell");
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

#[test]
fn a_good_csv_imports_and_the_second_time_changes_nothing() {
    let store = InMemoryLedger::new();
    let first = import(&store, GOOD.as_bytes());
    assert_eq!((first.upserts.new, first.upserts.changed, first.upserts.unchanged), (2, 0, 0));
    assert_eq!(first.header_row, 1);
    let summary = first.summary();
    assert_eq!((summary.data_rows, summary.new, summary.changed, summary.unchanged), (2, 2, 0, 0));
    let zhang = store.records().into_iter().find(|r| r.data["name"] == "张三").expect("stored");
    assert_eq!(zhang.data["tags"], json!(["低保", "残疾"]));
    assert_eq!(zhang.data["birth_date"], json!("1949-12-31"));
    assert_eq!(zhang.data["village"], json!(VILLAGE));
    assert_eq!(zhang.org_unit, VILLAGE);
    let second = import(&store, GOOD.as_bytes());
    assert!(second.upserts.writes.is_empty());
    assert_eq!((second.upserts.new, second.upserts.changed, second.upserts.unchanged), (0, 0, 2));
    assert_eq!(store.all_history().len(), 2);
}

#[test]
fn gbk_and_bom_files_read_the_same() {
    let (gbk, _, _) = encoding_rs::GBK.encode(GOOD);
    let bom = [b"\xEF\xBB\xBF".as_slice(), GOOD.as_bytes()].concat();
    for bytes in [gbk.to_vec(), bom] {
        let store = InMemoryLedger::new();
        assert_eq!(import(&store, &bytes).upserts.new, 2);
    }
}

#[test]
fn changed_rows_update_with_history_and_empty_cells_keep_data() {
    let store = InMemoryLedger::new();
    import(&store, GOOD.as_bytes());
    let changed = "身份证号,姓名,联系电话\n11010519491231002X,张三,13900000000\n500118199001011237,李四,\n";
    let plan = import(&store, changed.as_bytes());
    assert_eq!((plan.upserts.new, plan.upserts.changed, plan.upserts.unchanged), (0, 1, 1));
    let zhang = store.records().into_iter().find(|r| r.data["name"] == "张三").expect("stored");
    assert_eq!((zhang.version, &zhang.data["phone"], &zhang.data["tags"]), (2, &json!("13900000000"), &json!(["低保", "残疾"])));
    let history = ready(store.history(&zhang.id)).expect("infallible");
    assert_eq!(serde_json::to_value(&history[1].changes).expect("json"), json!({"phone": ["13812345678", "13900000000"]}));
    assert_eq!(history[1].source, Source::Import);
}

#[test]
fn xlsx_with_a_title_row_imports() {
    let bytes = xlsx(&[
        &["青峰村人员台账"],
        &["序号", "姓名", "公民身份号码", "出生日期"],
        &["1", "张三", "11010519491231002X", "1949-12-31"],
        &["2", "李四", "500118199001011237", "1990年1月1日"],
    ]);
    let store = InMemoryLedger::new();
    let plan = import(&store, &bytes);
    assert_eq!((plan.header_row, plan.upserts.new), (2, 2));
    let fields: Vec<Option<&str>> = plan.mapping.iter().map(|m| m.field.as_deref()).collect();
    assert_eq!(fields, [None, Some("name"), Some("id_number"), Some("birth_date")]);
    assert!(import(&store, &bytes).upserts.writes.is_empty());
}

#[test]
fn every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_planned() {
    let csv = "姓名,身份证号,性别,联系电话\n\
               张三,11010519491231002X,女,13812345678\n\
               ,110105194912310021,M,123\n\
               王五,11010519491231002X,女,\n\
               赵六,,女,\n";
    let store = InMemoryLedger::new();
    assert_eq!(
        row_errors(plan(&store, csv.as_bytes())),
        // A row's problems in the record schema's field order.
        [
            e(3, "姓名", "required"),
            e(3, "性别", "enum"),
            e(3, "身份证号", "format"),
            e(3, "联系电话", "format"),
            e(4, "身份证号", "duplicate_key"),
            e(5, "身份证号", "required"),
        ]
    );
    assert!(store.records().is_empty());
}

#[test]
fn row_errors_speak_both_languages() {
    let store = InMemoryLedger::new();
    let csv = "姓名,身份证号\n张三,11010519491231002X\n李四,11010519491231002X\n";
    let Err(ImportFailure::Rows { errors, total }) = plan(&store, csv.as_bytes()) else { panic!("expected row errors") };
    assert_eq!(total, 1);
    assert_eq!(errors[0].message.zh, "与第 2 行重复（身份证号相同）");
    assert_eq!(errors[0].message.en, "duplicates row 2 (same id_number)");
}

#[test]
fn id_numbers_excel_rounded_are_caught() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "姓名").expect("cell");
    sheet.write_string(0, 1, "身份证号").expect("cell");
    sheet.write_string(1, 0, "张三").expect("cell");
    sheet.write_number(1, 1, 500118199001011237.0).expect("cell");
    let bytes = workbook.save_to_buffer().expect("xlsx");
    assert_eq!(row_errors(plan(&InMemoryLedger::new(), &bytes)), [e(2, "身份证号", "lost_precision")]);
}

#[test]
fn bad_files_are_refused_with_a_clear_error() {
    let store = InMemoryLedger::new();
    let good_xlsx = xlsx(&[&["姓名", "身份证号"], &["张三", "11010519491231002X"]]);
    let small = Limits { max_bytes: 100, max_rows: 1, ..Limits::default() };
    let meta = meta();
    let limited = ImportRequest { limits: small, ..request(&meta) };
    let with_limits = |bytes: &[u8]| plan_import(&types(), bytes, &limited, &[], &mut |_, _| {});
    for (name, result, expect) in [
        ("empty", plan(&store, b""), FileError::Empty),
        ("truncated xlsx", plan(&store, &good_xlsx[..good_xlsx.len() / 2]), FileError::Unreadable { reason: String::new() }),
        ("truncated utf-8", plan(&store, &GOOD.as_bytes()[..GOOD.find("张三").expect("name") + 4]), FileError::Truncated),
        ("unclosed quote", plan(&store, "姓名,身份证号\n\"张三,1\n".as_bytes()), FileError::Malformed { line: 2, reason: String::new() }),
        ("not a ledger", plan(&store, b"a,b\n1,2\n"), FileError::NoHeader),
        (
            "no key column",
            plan(&store, "姓名,性别\n张三,男\n".as_bytes()),
            FileError::MissingKeyColumn { field: "id_number".into(), title: "身份证号".into() },
        ),
        ("too large", with_limits(GOOD.as_bytes()), FileError::TooLarge { bytes: GOOD.len(), max: 100 }),
        ("too many rows", with_limits("姓名,身份证号\n甲,1\n乙,2\n".as_bytes()), FileError::TooManyRows { max: 1 }),
    ] {
        let Err(ImportFailure::File(got)) = result else { panic!("{name}: expected a file error, got {result:?}") };
        // Reasons come from parsers; compare the kind, and that a message exists.
        assert_eq!(std::mem::discriminant(&got), std::mem::discriminant(&expect), "{name}: {got:?}");
        if !matches!(expect, FileError::Unreadable { .. } | FileError::Malformed { .. }) {
            assert_eq!(got, expect, "{name}");
        }
        assert!(!got.message().zh.is_empty() && !got.message().en.is_empty(), "{name}");
    }
    assert!(store.records().is_empty());
}

#[test]
fn records_of_other_villages_are_not_moved_by_an_import() {
    let store = InMemoryLedger::new();
    let meta = meta();
    let elsewhere = ImportRequest { target: UpsertTarget { unit: "500118100002", meta: &meta, disclosed: &NO_NAMES }, ..request(&meta) };
    let plan = plan_import(&types(), GOOD.as_bytes(), &elsewhere, &[], &mut |_, _| {}).expect("plans");
    ready(store.apply(&plan.upserts.writes)).expect("applies");
    let all = ready(store.list("500118", "person")).expect("infallible");
    let result = plan_import(&types(), GOOD.as_bytes(), &request(&meta), &all, &mut |_, _| {});
    assert_eq!(row_errors(result), [e(2, "身份证号", "key_in_other_unit"), e(3, "身份证号", "key_in_other_unit")]);
}

#[test]
fn a_person_registered_in_a_disclosed_village_is_named_with_row_id_and_village() {
    let store = InMemoryLedger::new();
    let meta = meta();
    let elsewhere = ImportRequest { target: UpsertTarget { unit: "500118100002", meta: &meta, disclosed: &NO_NAMES }, ..request(&meta) };
    let plan = plan_import(&types(), GOOD.as_bytes(), &elsewhere, &[], &mut |_, _| {}).expect("plans");
    ready(store.apply(&plan.upserts.writes)).expect("applies");
    // What the worker does: parse, look the file's keys up in every unit,
    // then plan against the village's records plus those found elsewhere.
    let types = types();
    let parsed = parse_import(&types, GOOD.as_bytes(), &request(&meta)).expect("parses");
    assert_eq!(parsed.natural_keys(), ["11010519491231002X", "500118199001011237"]);
    let found: Vec<_> = store
        .records()
        .into_iter()
        .filter(|r| parsed.natural_keys().contains(&r.data["id_number"].as_str().unwrap_or("").to_owned()))
        .collect();
    let names = std::collections::BTreeMap::from([("500118100002".to_owned(), "青峰村".to_owned())]);
    let target = UpsertTarget { unit: VILLAGE, meta: &meta, disclosed: &names };
    let Err(ImportFailure::Rows { errors, .. }) = parsed.plan(&found, target, &mut |_, _| {}) else { panic!("expected row errors") };
    assert_eq!(errors.len(), 2);
    assert_eq!((errors[0].row, errors[0].column.as_deref(), errors[0].code.as_str()), (2, Some("身份证号"), "key_in_other_unit"));
    assert_eq!(
        errors[0].message.zh,
        "身份证号 11010519491231002X 已登记在 青峰村（500118100002），不能重复登记；导入不会迁移记录，如需迁入请先由原单位处理"
    );
    assert!(errors[0].message.en.contains("11010519491231002X is already registered in 青峰村 (500118100002)"), "{}", errors[0].message.en);
    assert_eq!(store.records().len(), 2, "nothing more stored");
}

#[test]
fn a_person_registered_in_a_village_the_reader_may_not_see_is_refused_naming_no_one() {
    let store = InMemoryLedger::new();
    let meta = meta();
    let elsewhere = ImportRequest { target: UpsertTarget { unit: "500118100002", meta: &meta, disclosed: &NO_NAMES }, ..request(&meta) };
    let plan = plan_import(&types(), GOOD.as_bytes(), &elsewhere, &[], &mut |_, _| {}).expect("plans");
    ready(store.apply(&plan.upserts.writes)).expect("applies");
    let all = ready(store.list("500118", "person")).expect("infallible");
    let Err(ImportFailure::Rows { errors, .. }) = plan_import(&types(), GOOD.as_bytes(), &request(&meta), &all, &mut |_, _| {}) else {
        panic!("expected row errors")
    };
    for error in &errors {
        assert_eq!(error.code, "key_in_other_unit");
        assert_eq!(error.message.zh, "该身份证号已在本区其他村（社区）登记：请在「迁移申请」中申请迁入，由乡镇协同中心办理");
        assert!(!error.message.en.contains("500118100002") && !error.message.en.contains("11010519491231002X"), "{}", error.message.en);
    }
}

#[test]
fn only_district_wide_keys_are_looked_up_everywhere() {
    let types = types();
    let key_field = |entity: &str| types.get(entity).expect("entity").district_key_field().map(str::to_owned);
    assert_eq!(key_field("person").as_deref(), Some("id_number"));
    assert_eq!(key_field("enterprise").as_deref(), Some("credit_code"));
    // A house address or household number may recur in another village.
    assert_eq!(key_field("house"), None);
    assert_eq!(key_field("household"), None);
    let bad = json!({"x-entity": "thing", "x-natural-key": ["a"], "x-natural-key-scope": "world", "properties": {"a": {"type": "string", "x-sensitivity": "public"}}});
    assert!(matches!(crate::ledger::RecordType::from_schema("thing.json", &bad), Err(crate::ledger::RecordTypeError::KeyScope { .. })));
}

#[test]
fn ingest_keys_are_distinct_and_skip_non_objects() {
    let records =
        [json!({"id_number": "11010519491231002X"}), json!("x"), json!({"id_number": " 11010519491231002X "}), json!({"name": "无号"})];
    assert_eq!(ingest_keys(&types(), "person", &records), ["11010519491231002X"]);
}

#[test]
fn a_town_import_files_each_row_under_its_village() {
    let store = InMemoryLedger::new();
    let meta = meta();
    let town = ImportRequest { target: UpsertTarget { unit: "500118100", meta: &meta, disclosed: &NO_NAMES }, ..request(&meta) };
    let csv = "姓名,身份证号,村代码\n张三,11010519491231002X,500118100002\n李四,500118199001011237,500118200001\n";
    let result = plan_import(&types(), csv.as_bytes(), &town, &[], &mut |_, _| {});
    assert_eq!(row_errors(result), [e(3, "村代码", "unit_outside_target")]);
    let csv = "姓名,身份证号,村代码\n张三,11010519491231002X,500118100002\n";
    let plan = plan_import(&types(), csv.as_bytes(), &town, &[], &mut |_, _| {}).expect("plans");
    ready(store.apply(&plan.upserts.writes)).expect("applies");
    assert_eq!(store.records()[0].org_unit, "500118100002");
}

#[test]
fn confirmed_mapping_overrides_suggestions() {
    let csv = "名,号\n张三,11010519491231002X\n";
    let store = InMemoryLedger::new();
    assert!(matches!(plan(&store, csv.as_bytes()), Err(ImportFailure::File(FileError::NoHeader))));
    let meta = meta();
    let mapping = [Some("name".to_owned()), Some("id_number".to_owned())];
    // The header row must still be found: give a file whose header names one field.
    let csv = "姓名,号\n张三,11010519491231002X\n";
    let confirmed = ImportRequest { mapping: Some(&mapping), ..request(&meta) };
    let plan = plan_import(&types(), csv.as_bytes(), &confirmed, &[], &mut |_, _| {}).expect("plans");
    assert_eq!(plan.upserts.new, 1);
    // The clerk can also move a field to another column or skip one.
    let swapped = "姓名,身份证号,备注\n11010519491231002X,张三,x\n";
    let moved = [Some("id_number".to_owned()), Some("name".to_owned()), None];
    let plan = plan_import(&types(), swapped.as_bytes(), &ImportRequest { mapping: Some(&moved), ..request(&meta) }, &[], &mut |_, _| {})
        .expect("plans");
    assert_eq!(plan.upserts.writes[0].record.data["name"], "张三");
    assert_eq!(plan.mapping.iter().map(|m| m.field.as_deref()).collect::<Vec<_>>(), [Some("id_number"), Some("name"), None]);
    let long = [None, None, None, None];
    let result = plan_import(&types(), swapped.as_bytes(), &ImportRequest { mapping: Some(&long), ..request(&meta) }, &[], &mut |_, _| {});
    assert_eq!(result, Err(ImportFailure::File(FileError::MappingTooLong { given: 4, columns: 3 })));
    let unknown = [Some("shoe_size".to_owned())];
    let result =
        plan_import(&types(), swapped.as_bytes(), &ImportRequest { mapping: Some(&unknown), ..request(&meta) }, &[], &mut |_, _| {});
    assert_eq!(result, Err(ImportFailure::File(FileError::UnknownField { field: "shoe_size".into() })));
    let twice = [Some("name".to_owned()), Some("name".to_owned())];
    let bad = ImportRequest { mapping: Some(&twice), ..request(&meta) };
    let result = plan_import(&types(), csv.as_bytes(), &bad, &[], &mut |_, _| {});
    assert_eq!(result, Err(ImportFailure::File(FileError::DuplicateColumn { field: "name".into() })));
}

#[test]
fn preview_suggests_before_anything_is_checked() {
    let preview = preview(&types(), "person", GOOD.as_bytes(), &Limits::default()).expect("reads");
    assert_eq!((preview.header_row, preview.data_rows), (1, 2));
    assert_eq!(preview.mapping[1].field.as_deref(), Some("id_number"));
}

#[test]
fn progress_reaches_the_end() {
    let mut csv = String::from("姓名,身份证号\n");
    for i in 0..2500u32 {
        let id = crate::demo::id_number("500118", 1990 + i / 1000, 1, 1, i % 1000);
        csv.push_str(&format!("人{i},{id}\n"));
    }
    let mut seen = Vec::new();
    let meta = meta();
    let plan = plan_import(&types(), csv.as_bytes(), &request(&meta), &[], &mut |done, total| seen.push((done, total))).expect("plans");
    assert_eq!(plan.upserts.new, 2500);
    assert_eq!(seen, [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]);
}

#[test]
fn ingest_shares_validation_dedup_and_idempotency() {
    let store = InMemoryLedger::new();
    let meta = ChangeMeta { source: Source::Department, ..meta() };
    let target = UpsertTarget { unit: VILLAGE, meta: &meta, disclosed: &NO_NAMES };
    let records = [
        json!({"name": "张三", "id_number": "11010519491231002X", "phone": null}),
        json!({"name": "李四", "id_number": "500118199001011237"}),
    ];
    let plan = plan_ingest(&types(), "person", &records, target, &Limits::default(), &[]).expect("plans");
    assert_eq!(plan.new, 2);
    ready(store.apply(&plan.writes)).expect("applies");
    assert_eq!(store.all_history()[0].source, Source::Department);
    let existing = store.records();
    let again = plan_ingest(&types(), "person", &records, target, &Limits::default(), &existing).expect("plans");
    assert!(again.writes.is_empty());
    let bad = [json!("张三"), json!({"name": "王五", "id_number": "1"})];
    let Err(ImportFailure::Rows { errors, .. }) = plan_ingest(&types(), "person", &bad, target, &Limits::default(), &existing) else {
        panic!("expected row errors")
    };
    let got: Vec<(usize, Option<&str>, &str)> = errors.iter().map(|e| (e.row, e.column.as_deref(), e.code.as_str())).collect();
    assert_eq!(got, [(1, None, "type"), (2, Some("id_number"), "format")]);
    assert!(matches!(
        plan_ingest(&types(), "starship", &records, target, &Limits::default(), &[]),
        Err(ImportFailure::File(FileError::UnknownEntity { .. }))
    ));
}

/// The template's first sheet as CSV text, with the example row's 序号
/// replaced by `serial`.
fn template_as_csv(bytes: &[u8], serial: &str) -> String {
    let sheets = read_workbook(bytes, &Limits::default()).expect("reads");
    let mut out = String::new();
    for (i, row) in sheets[0].rows.iter().enumerate() {
        let cells: Vec<String> =
            row.cells.iter().enumerate().map(|(c, cell)| if i == 1 && c == 0 { serial.to_owned() } else { cell.text() }).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn every_template_imports_with_its_example_row_skipped_or_kept() {
    let types = types();
    let meta = meta();
    for entity in ["person", "household", "house", "land_parcel", "enterprise", "venue"] {
        let record_type = types.get(entity).expect("entity");
        let bytes = template::import_template(record_type, "2026-03-01T08:00:00Z").expect("template");
        let request = ImportRequest { entity, ..request(&meta) };
        // As downloaded: the example row is skipped, nothing to import.
        let plan = plan_import(&types, &bytes, &request, &[], &mut |_, _| {}).unwrap_or_else(|e| panic!("{entity}: {e:?}"));
        assert_eq!((plan.data_rows, plan.upserts.new), (0, 0), "{entity}");
        assert_eq!(plan.reading.skipped.iter().map(|s| (s.row, s.reason)).collect::<Vec<_>>(), [(2, SkipReason::Example)], "{entity}");
        // Every column of the template is recognised by its header.
        let fields: Vec<&str> = plan.mapping.iter().skip(1).map(|m| m.field.as_deref().unwrap_or("?")).collect();
        let expected: Vec<&str> = template::template_fields(record_type).iter().map(|f| f.name.as_str()).collect();
        assert_eq!(fields, expected, "{entity}");
        // The notes sheet is left out.
        let sheets: Vec<(&str, Option<LeftOut>)> = plan.reading.sheets.iter().map(|s| (s.name.as_str(), s.left_out)).collect();
        assert_eq!(sheets[1].0, "填写说明", "{entity}");
        assert!(sheets[1].1.is_some(), "{entity}: {sheets:?}");
        // The example row, numbered like a record, is a valid record.
        let csv = template_as_csv(&bytes, "1");
        let plan = plan_import(&types, csv.as_bytes(), &request, &[], &mut |_, _| {}).unwrap_or_else(|e| panic!("{entity}: {e:?}\n{csv}"));
        assert_eq!(plan.upserts.new, 1, "{entity}");
    }
}

#[test]
fn template_columns_keep_identifiers_as_text_and_offer_the_allowed_values() {
    let types = types();
    let bytes = template::import_template(types.get("person").expect("person"), "2026-03-01T08:00:00Z").expect("template");
    // The parts of the workbook XML that make it so.
    let sheet = unzip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<dataValidation type=\"list\""), "{sheet}");
    assert!(sheet.contains("<formula1>\"男,女\"</formula1>"), "{sheet}");
    assert!(sheet.contains("<formula1>\"一级,二级,三级,四级\"</formula1>"), "{sheet}");
    let styles = unzip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"@\""), "text format (@) is used: {styles}");
    assert!(sheet.contains("<col min=\"4\" max=\"4\""), "the ID column has its own format: {sheet}");
}

/// One file of a ZIP archive (what XLSX is) as text.
fn unzip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut text = String::new();
    archive.by_name(name).expect("entry").read_to_string(&mut text).expect("utf-8");
    text
}

#[test]
fn errors_of_several_sheets_are_listed_sheet_by_sheet() {
    let mut workbook = Workbook::new();
    for (name, bad_row) in [("一组", 3u32), ("二组", 2)] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).expect("name");
        sheet.write_string(0, 0, "姓名").expect("cell");
        sheet.write_string(0, 1, "身份证号").expect("cell");
        for row in 1..=3u32 {
            let id = if row == bad_row {
                "1".to_owned()
            } else {
                crate::demo::id_number("500119", 1990, row, u32::from(name == "二组") + 1, 1)
            };
            sheet.write_string(row, 0, "某人").expect("cell");
            sheet.write_string(row, 1, id).expect("cell");
        }
    }
    let bytes = workbook.save_to_buffer().expect("xlsx");
    let Err(ImportFailure::Rows { errors, .. }) = plan(&InMemoryLedger::new(), &bytes) else { panic!("expected row errors") };
    let got: Vec<(Option<&str>, usize)> = errors.iter().map(|e| (e.sheet.as_deref(), e.row)).collect();
    assert_eq!(got, [(Some("一组"), 4), (Some("二组"), 3)]);
}
