//! Release builds of the two wasm crates, without any download:
//! worker-build for the worker (pointed at our wasm-bindgen, wasm-opt and
//! esbuild), and wasm-bindgen + wasm-opt for the Yew front-end.

use std::process::Command;

use anyhow::{Context, Result};

use crate::cmd::{self, Panics, npm_bin, root, run};

/// The wasm features rustc emits for wasm32-unknown-unknown. Named one by
/// one: `--all-features` would let binaryen 132 use proposals (e.g. compact
/// imports) that browsers do not enable by default.
pub const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

pub fn all() -> Result<()> {
    workers()?;
    frontend()
}

/// Both workers: the main one and the spreadsheet worker it binds (issue 14).
pub fn workers() -> Result<()> {
    worker()?;
    sheets()
}

pub fn wasm_bindgen_bin() -> String {
    cmd::output(Command::new("sh").args(["-c", "command -v wasm-bindgen"])).unwrap_or_else(|| "wasm-bindgen".to_owned())
}

/// Whether `output` exists and is at least as new as `input`: then the
/// post-processing (wasm-bindgen, wasm-opt) of `input` is already done.
fn up_to_date(input: &std::path::Path, output: &std::path::Path) -> bool {
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(input), modified(output)), (Some(i), Some(o)) if o >= i)
}

/// The cargo profile the worker is built with (`worker` in Cargo.toml: the
/// release profile with core built for size, issue 14).
pub const WORKER_PROFILE: &str = "worker";

pub fn worker() -> Result<()> {
    build_worker("worker", "ybt-worker")
}

/// The spreadsheet worker (`sheets/`, crate `ybt-sheets`), built apart from
/// the main worker: one cargo invocation for both would unify core's
/// features and link the spreadsheet stack into the main worker too.
pub fn sheets() -> Result<()> {
    build_worker("sheets", "ybt-sheets")
}

/// One workers-rs crate in `dir` built with worker-build into `dir/build/`.
fn build_worker(dir: &str, package: &str) -> Result<()> {
    println!("build: {package} (profile {WORKER_PROFILE})");
    // Compile first (a no-op when nothing changed: worker-build's own cargo
    // run uses the same flags), then skip worker-build's wasm-bindgen and
    // wasm-opt passes when their output is newer than the compiled wasm.
    run(cmd::wasm_cargo(Panics::Reported).args([
        "build",
        "--profile",
        WORKER_PROFILE,
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        package,
    ]))?;
    let compiled = root().join(format!("target/wasm32-unknown-unknown/{WORKER_PROFILE}/{}.wasm", package.replace('-', "_")));
    if up_to_date(&compiled, &root().join(format!("{dir}/build/index_bg.wasm")))
        && root().join(format!("{dir}/build/worker/shim.mjs")).exists()
    {
        println!("build: {package} unchanged");
        return Ok(());
    }
    let mut worker_build = Command::new("worker-build");
    cmd::wasm_env(&mut worker_build, Panics::Reported);
    run(worker_build
        .args(["--profile", WORKER_PROFILE])
        .current_dir(root().join(dir))
        .env("WASM_BINDGEN_BIN", wasm_bindgen_bin())
        .env("WASM_OPT_BIN", npm_bin("wasm-opt"))
        .env("ESBUILD_BIN", npm_bin("esbuild"))
        .env("CARGO_TARGET_DIR", root().join("target")))?;
    strip_names(&root().join(format!("{dir}/build/index_bg.wasm")))
}

/// Drops the wasm's name section (and producers), which worker-build keeps
/// (it runs wasm-opt with `--debuginfo`): 385 KB raw, ~100 KiB gzip of the
/// main worker's upload, every cold start's download (issue 14,
/// BENCHMARKS.md). The price: a wasm stack trace in the logs shows function
/// indices, not names (panic messages keep their text); the twiggy figures
/// read the cargo output in `target/`, which keeps its names.
fn strip_names(wasm: &std::path::Path) -> Result<()> {
    run(Command::new(npm_bin("wasm-opt"))
        .args(WASM_FEATURES)
        // wasm-bindgen's catch wrappers, which worker-build enables too.
        .arg("--enable-exception-handling")
        .args(["--strip-debug", "--strip-producers", "-o"])
        .arg(wasm)
        .arg(wasm))
}

/// The front-end's bundles (issue 14): the binary, the cargo profile it is
/// built with, and the name its wasm-bindgen output (and its page,
/// `NAME.html`) takes in `frontend/dist`. The village app keeps the names
/// `app.js` / `app_bg.wasm` that `index.html` loads first, and its own
/// profile (`village` in Cargo.toml: core and the engine built for size),
/// which the office app's page families (`route::Entry` in the front-end)
/// share: one cargo run compiles the library once and links every bundle.
pub const BUNDLES: &[(&str, &str, &str)] = &[
    ("village", "village", "app"),
    ("office", "village", "office"),
    ("authoring", "village", "authoring"),
    ("review", "village", "review"),
    ("surveys", "village", "surveys"),
    ("ledger", "village", "ledger"),
];

/// `source` minified by esbuild into `target` (scripts and style sheets: the
/// village page's first load carries three of them, issue 14). The sources
/// in `frontend/static` stay as written; wasm-bindgen's glue is minified in
/// place.
fn minify(source: &std::path::Path, target: &std::path::Path) -> Result<()> {
    // No `--format`: without bundling, esbuild keeps each file's own kind
    // (the modules' `import`/`export`, the service worker's classic script).
    run(Command::new(npm_bin("esbuild"))
        .arg(source)
        .args(["--minify", "--log-level=warning", "--allow-overwrite"])
        .arg(format!("--outfile={}", target.display())))
}

/// Writes `FILE.br` beside `FILE`: Brotli at quality 11 with the largest
/// window, which the worker sends to browsers (issue 14). Compressed once here, where time is cheap, rather
/// than on the fly at the edge's lower quality. Every wasm, script and style
/// sheet of `frontend/dist` has one (`precompressed` in the worker).
fn store_brotli(file: &std::path::Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, size_hint: bytes.len(), ..Default::default() };
    let mut compressed = Vec::with_capacity(bytes.len() / 3);
    brotli::BrotliCompress(&mut bytes.as_slice(), &mut compressed, &params).context("Brotli compression")?;
    let mut target = file.as_os_str().to_owned();
    target.push(".br");
    std::fs::write(&target, compressed).with_context(|| format!("writing {}", std::path::Path::new(&target).display()))
}

pub fn frontend() -> Result<()> {
    println!("build: front-end ({} bundles)", BUNDLES.len());
    let dist = root().join("frontend/dist");
    std::fs::create_dir_all(&dist).context("creating frontend/dist")?;
    // One cargo run per profile: the library is compiled once for it, and
    // cargo links its binaries side by side.
    let mut profiles: Vec<&str> = BUNDLES.iter().map(|(_, profile, _)| *profile).collect();
    profiles.dedup();
    for profile in profiles {
        let mut cargo = cmd::wasm_cargo(Panics::Trap);
        cargo.args(["build", "--profile", profile, "--target", "wasm32-unknown-unknown", "-p", "ybt-frontend"]);
        for (bin, _, _) in BUNDLES.iter().filter(|(_, p, _)| *p == profile) {
            cargo.args(["--bin", bin]);
        }
        run(&mut cargo)?;
    }
    for (bin, profile, name) in BUNDLES {
        let compiled = root().join(format!("target/wasm32-unknown-unknown/{profile}/{bin}.wasm"));
        let wasm = dist.join(format!("{name}_bg.wasm"));
        let outputs = [format!("{name}.js"), format!("{name}.js.br"), format!("{name}_bg.wasm.br")];
        if up_to_date(&compiled, &wasm) && outputs.iter().all(|f| dist.join(f).exists()) {
            println!("build: {bin} wasm unchanged");
            continue;
        }
        run(Command::new(wasm_bindgen_bin())
            .args(["--target", "web", "--no-typescript", "--out-name", name, "--out-dir"])
            .arg(&dist)
            .arg(&compiled))?;
        run(Command::new(npm_bin("wasm-opt")).arg("-Oz").args(WASM_FEATURES).arg("-o").arg(&wasm).arg(&wasm))?;
        let glue = dist.join(format!("{name}.js"));
        minify(&glue, &glue)?;
        store_brotli(&wasm)?;
        store_brotli(&glue)?;
    }
    // Each page names its wasm's size (`data-wasm-bytes`): the download's
    // progress bar (boot.js) counts the wasm decompressed, and the answer's
    // Content-Length, when there is one, counts it compressed.
    let with_size = |page: String, name: &str| -> Result<String> {
        let bytes = std::fs::metadata(dist.join(format!("{name}_bg.wasm"))).with_context(|| format!("{name}_bg.wasm is not built"))?.len();
        Ok(page.replacen(r#"data-wasm-bytes="""#, &format!(r#"data-wasm-bytes="{bytes}""#), 1))
    };
    let index = std::fs::read_to_string(root().join("frontend/static/index.html")).context("reading index.html")?;
    std::fs::write(dist.join("index.html"), with_size(index, "app")?).context("writing index.html")?;
    std::fs::copy(root().join("frontend/static/_headers"), dist.join("_headers")).context("copying frontend/static/_headers")?;
    for file in ["boot.js", "style.css", "sw.js"] {
        minify(&root().join("frontend/static").join(file), &dist.join(file))?;
        store_brotli(&dist.join(file))?;
    }
    // Every office family's page is office.html naming its bundle (boot.js
    // reads the name from `data-app`) and its size; the worker serves
    // `/NAME` from `NAME.html`.
    let office = std::fs::read_to_string(root().join("frontend/static/office.html")).context("reading office.html")?;
    for (_, _, name) in BUNDLES.iter().filter(|(_, _, name)| *name != "app") {
        let page = office
            .replace(r#"data-app="office""#, &format!(r#"data-app="{name}""#))
            .replace("/office.js", &format!("/{name}.js"))
            .replace("/office_bg.wasm", &format!("/{name}_bg.wasm"));
        std::fs::write(dist.join(format!("{name}.html")), with_size(page, name)?).with_context(|| format!("writing {name}.html"))?;
    }
    Ok(())
}

/// Raw, gzip (level 9) and, for the front-end, stored Brotli sizes of the
/// wasm each side must download.
pub fn print_sizes() -> Result<()> {
    let bundles = BUNDLES.iter().map(|(bin, _, name)| (bin.to_string(), format!("frontend/dist/{name}_bg.wasm")));
    let workers = [("worker", "worker/build/index_bg.wasm"), ("sheets", "sheets/build/index_bg.wasm")];
    for (name, path) in workers.into_iter().map(|(n, p)| (n.to_owned(), p.to_owned())).chain(bundles) {
        let path = path.as_str();
        let file = root().join(path);
        let raw = std::fs::metadata(&file).with_context(|| format!("{path} is not built: run cargo xtask build"))?.len();
        let gzip = cmd::output(Command::new("sh").arg("-c").arg(format!("gzip -9c '{}' | wc -c", file.display())))
            .and_then(|s| s.parse::<u64>().ok())
            .context("gzip")?;
        // The front-end's bundles go out as the build's Brotli file.
        let brotli = std::fs::metadata(format!("{}.br", file.display()))
            .map(|m| format!(" {:>8.1} KiB Brotli (sent)", m.len() as f64 / 1024.0))
            .unwrap_or_default();
        println!("{name:<10} {path:<32} {:>8.1} KiB raw {:>8.1} KiB gzip{brotli}", raw as f64 / 1024.0, gzip as f64 / 1024.0);
    }
    Ok(())
}
