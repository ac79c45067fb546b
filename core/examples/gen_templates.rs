//! Writes the seeded random templates of issue 14 and their rows for the
//! validation benchmark (`bench/validate.mjs` compares our wasm with ajv on
//! them): `gen_templates [--seed N] OUT_DIR COUNT ROWS [TEMPLATE.json …]` writes
//! `gen-N.json` (a template), `gen-N.jsonl` (ROWS rows, one JSON text a line)
//! and `gen-N.program.json` (its compiled validation program) for N in
//! 0..COUNT, and `NAME.program.json` for each further template file given
//! (the shipped ones), so the engine alone can be measured without the
//! compiler's wasm. The generator is `core/tests/support/gen_templates.rs`,
//! the one the differential test runs against `jsonschema`.

#[path = "../tests/support/gen_templates.rs"]
mod gen_templates;

/// The benchmark's series unless `--seed` names another; the differential
/// test uses seed 14 too.
const SEED: u64 = 14;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut seed = SEED;
    if args.first().is_some_and(|a| a == "--seed") && args.len() > 1 {
        seed = args[1].parse()?;
        args.drain(..2);
    }
    let [dir, count, rows, extra @ ..] = args.as_slice() else {
        return Err("usage: gen_templates [--seed N] OUT_DIR COUNT ROWS [TEMPLATE.json …]".into());
    };
    let (count, rows): (u64, usize) = (count.parse()?, rows.parse()?);
    std::fs::create_dir_all(dir)?;
    let catalog = ybt_core::Catalog::builtin()?;
    let compile = |template: &serde_json::Value, name: &str| {
        ybt_core::compile(template, &catalog).map_err(|errors| format!("{name} does not compile: {errors:?}"))
    };
    for n in 0..count {
        let template = gen_templates::template(seed, n);
        let compiled = compile(&template, &format!("gen-{n}"))?;
        std::fs::write(format!("{dir}/gen-{n}.json"), serde_json::to_string_pretty(&template)?)?;
        std::fs::write(format!("{dir}/gen-{n}.program.json"), serde_json::to_string(compiled.program())?)?;
        let lines: Vec<String> = gen_templates::rows(&template, n, rows).iter().map(ToString::to_string).collect();
        std::fs::write(format!("{dir}/gen-{n}.jsonl"), lines.join("\n") + "\n")?;
    }
    for path in extra {
        let path = std::path::Path::new(path);
        let name = path.file_stem().and_then(|s| s.to_str()).ok_or("a template file name")?;
        let template: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
        let compiled = compile(&template, name)?;
        std::fs::write(format!("{dir}/{name}.program.json"), serde_json::to_string(compiled.program())?)?;
    }
    println!("wrote {count} templates (seed {seed}) with {rows} rows each and {} programs to {dir}", count as usize + extra.len());
    Ok(())
}
