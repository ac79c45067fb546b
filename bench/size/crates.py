#!/usr/bin/env python3
"""Bytes of a wasm's code by crate, from twiggy (issue 14).

    twiggy top -n 1000000 --format csv WASM | python3 bench/size/crates.py

Needs the wasm with its name section (the release build before wasm-opt:
target/wasm32-unknown-unknown/release/ybt_worker.wasm). Functions are
grouped by the crate their (demangled) name starts with; a generic
function instantiated for another crate's type counts for the crate that
defines the function. Data segments and custom sections are listed apart.
"""
import csv
import re
import sys
from collections import Counter

STD = "std / core / alloc"

GROUPS = [
    ("jsonschema (+ referencing, fancy_regex, regex, regex_automata, aho_corasick, email_address…)",
     ("jsonschema", "referencing", "fancy_regex", "regex_automata", "regex::", "<regex::", "email_address", "fluent_uri",
      "uuid_simd", "aho_corasick", "num_cmp", "ahash", "bytecount", "jsonschema_regex", "jsonschema_value")),
    ("url / idna / percent-encoding / base64", ("url::", "<url", "idna", "percent_encoding", "base64::", "<base64", "form_urlencoded")),
    ("regex-syntax", ("regex_syntax",)),
    ("regex-lite", ("regex_lite",)),
    ("spreadsheets (calamine, zip, rust_xlsxwriter, quick_xml, encoding_rs, flate/miniz, crc)",
     ("calamine", "zip::", "<zip", "rust_xlsxwriter", "quick_xml", "encoding_rs", "miniz_oxide", "zlib_rs", "flate2", "crc32fast", "codepage", "zopfli", "simd_adler32", "adler")),
    ("unicode-normalization", ("unicode_normalization",)),
    ("serde / serde_json", ("serde", "<serde", "_::<impl serde")),
    ("ybt_core", ("ybt_core", "<ybt_core")),
    ("ybt_rules", ("ybt_rules", "<ybt_rules")),
    ("ybt_worker", ("ybt_worker", "<ybt_worker")),
    ("worker / wasm-bindgen / js-sys / web-sys", ("worker", "<worker", "wasm_bindgen", "<wasm_bindgen", "js_sys", "<js_sys", "web_sys", "<web_sys", "__wbg", "__wbindgen")),
    (STD, ("core::", "<core::", "alloc::", "<alloc::", "std::", "<std::", "hashbrown", "<hashbrown", "dlmalloc", "compiler_builtins", "memchr", "<&", "<T", "<[", "<(", "<str", "<bool", "<u", "<i", "<f", "<char", "<usize")),
    ("sha2 / hmac / pbkdf2", ("sha2", "hmac", "pbkdf2", "digest", "block_buffer")),
]


def group_of(name: str) -> str:
    label = direct_group_of(name)
    if label != STD:
        return label
    # `core::ptr::drop_in_place<jsonschema::…>`, `alloc::vec::Vec<T>::push`
    # for a crate's T: the first crate named inside counts.
    for inner in re.findall(r"[<(,&\s]+([a-z_][a-z0-9_]*::)", name):
        found = direct_group_of(inner)
        if found != STD and not found.startswith("other: "):
            return found
    return STD


def direct_group_of(name: str) -> str:
    # `<X as Trait>::f` counts for X's crate (the type decides most code).
    n = name.lstrip("<")
    n = re.sub(r"^_::<impl ", "", n)
    for label, prefixes in GROUPS:
        for p in prefixes:
            if n.startswith(p.lstrip("<")):
                return label
    if re.match(r"^(core|alloc|std)\[[0-9a-f]+\]", n):
        return STD
    if name.startswith('data segment') or name.startswith('"') or name.startswith("custom section"):
        return "data and custom sections: " + name
    return "other: " + (n.split("::")[0][:40] if "::" in n else "unnamed / imports / glue")


def main() -> None:
    rows = list(csv.DictReader(sys.stdin))
    total = 0
    sizes: Counter = Counter()
    for row in rows:
        size = int(row["ShallowSize"])
        total += size
        sizes[group_of(row["Name"])] += size
    others = Counter()
    print(f"{'bytes':>10}  {'%':>6}  group")
    for label, size in sizes.most_common():
        if label.startswith("other: ") and size < total * 0.005:
            others["other (each < 0.5 %)"] += size
            continue
        print(f"{size:>10}  {100 * size / total:>5.1f}%  {label}")
    for label, size in others.items():
        print(f"{size:>10}  {100 * size / total:>5.1f}%  {label}")
    print(f"{total:>10}  100.0%  total")


main()
