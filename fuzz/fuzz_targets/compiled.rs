//! Fuzz target: a generated template's validation program (issue 14) and
//! `jsonschema` agree on arbitrary row text. The first two bytes pick one of
//! the seeded random templates of `core/tests/support/gen_templates.rs`; the
//! rest is the row. The engine's JSON reader must accept exactly what
//! serde_json accepts, and on JSON both must give the same verdict and the
//! same errors (pointer and keyword).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use ybt_core::compile::{FormatMode, compile_program};
use ybt_core::formats::{FormatContext, is_cn_credit_code, is_cn_id_number, is_cn_mobile};
use ybt_rules::Rules;

#[path = "../../core/tests/support/gen_templates.rs"]
mod gen_templates;

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let schema = gen_templates::template(14, u64::from(*a) | u64::from(*b) << 8);
    let program = compile_program(&schema, FormatMode::Assert).expect("generated templates compile");
    let rules = Rules::load(program, FormatContext::default()).expect("loads");
    let division = FormatContext::default();
    let reference = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("cn-id-number", is_cn_id_number)
        .with_format("cn-mobile", is_cn_mobile)
        .with_format("cn-credit-code", is_cn_credit_code)
        .with_format("cn-division-code", move |s: &str| division.is_cn_division_code(s))
        .build(&schema)
        .expect("reference builds");
    match (serde_json::from_str::<Value>(text), rules.validate_json(text)) {
        (Ok(row), Ok(errors)) => {
            assert_eq!(rules.is_valid_json(text), reference.is_valid(&row), "verdict on {text}");
            let mut ours: Vec<(String, String)> = errors.into_iter().map(|e| (e.pointer, e.code.to_owned())).collect();
            ours.sort();
            let mut theirs: Vec<(String, String)> = reference
                .iter_errors(&row)
                .map(|e| {
                    let mut pointer = e.instance_path().as_str().to_owned();
                    if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
                        pointer.push('/');
                        pointer.push_str(&property.as_str().unwrap_or_default().replace('~', "~0").replace('/', "~1"));
                    }
                    (pointer, e.kind().keyword().to_owned())
                })
                .collect();
            theirs.sort();
            assert_eq!(ours, theirs, "errors on {text}");
        }
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => panic!("the engine refuses JSON serde_json reads ({e}): {text:?}"),
        (Err(e), Ok(_)) => panic!("the engine reads text serde_json refuses ({e}): {text:?}"),
    }
});
