//! Writes the seeded random templates of issue 14 and their rows for the
//! validation benchmark (`bench/validate.mjs` compares our wasm with ajv on
//! them): `gen_templates OUT_DIR COUNT ROWS` writes `gen-N.json` (a template)
//! and `gen-N.jsonl` (ROWS rows, one JSON text a line) for N in 0..COUNT.
//! The generator is `core/tests/support/gen_templates.rs`, the one the
//! differential test runs against `jsonschema`.

#[path = "../tests/support/gen_templates.rs"]
mod gen_templates;

/// The benchmark's series; the differential test uses seed 14 too.
const SEED: u64 = 14;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, count, rows] = args.as_slice() else {
        return Err("usage: gen_templates OUT_DIR COUNT ROWS".into());
    };
    let (count, rows): (u64, usize) = (count.parse()?, rows.parse()?);
    std::fs::create_dir_all(dir)?;
    let catalog = ybt_core::Catalog::builtin()?;
    for n in 0..count {
        let template = gen_templates::template(SEED, n);
        if let Err(errors) = ybt_core::compile(&template, &catalog) {
            return Err(format!("gen-{n} does not compile: {errors:?}").into());
        }
        std::fs::write(format!("{dir}/gen-{n}.json"), serde_json::to_string_pretty(&template)?)?;
        let lines: Vec<String> = gen_templates::rows(&template, n, rows).iter().map(ToString::to_string).collect();
        std::fs::write(format!("{dir}/gen-{n}.jsonl"), lines.join("\n") + "\n")?;
    }
    println!("wrote {count} templates with {rows} rows each to {dir}");
    Ok(())
}
