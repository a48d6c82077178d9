// See: #13 ("the layering becomes a checked fact").
//
// Reads every `src/**/*.rs` file, finds the modules it names through `crate::` (in `use`
// declarations and in paths in code), and fails on every reference from a module to a module of
// the same or a higher layer. The layer table is `LAYERS` below; it is the table of the
// "Layers" section of ARCHITECTURE.md, and `architecture_md_has_the_same_layers` keeps the two
// equal.
//
// Not checked: `#[cfg(test)]` code (unit tests may build their fixtures with later stages),
// comments and string literals, and `super::` paths that climb out of a module through inline
// modules (none in `src/` at the time of writing).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer order of ARCHITECTURE.md ("Layers"): a module may use only modules of a *lower*
/// layer. Keep the two in step.
const LAYERS: &[(u32, &[&str])] = &[
    (0, &["error"]),
    (1, &["util", "refdata"]),
    (2, &["normalize"]),
    (3, &["schema"]),
    (4, &["ingest", "store"]),
    (5, &["compare"]),
    (6, &["block", "cluster"]),
    (7, &["dataset"]),
    (8, &["model"]),
    (9, &["eval"]),
    (10, &["pipeline"]),
    (11, &["output", "service"]),
    (12, &["synth", "report"]),
    (13, &["bench"]),
    (14, &["cli"]),
];

/// Imports against the layer order that are known and tolerated for now: `(from, to, why)`.
/// Each one is a TODO of issue 13; an entry that is no longer needed fails the test, so the list
/// only shrinks.
const EXCEPTIONS: &[(&str, &str, &str)] = &[];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn layer_of(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(_, mods)| mods.contains(&module)).map(|&(l, _)| l)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ readable")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `code` with comments and the contents of string and char literals replaced by spaces
/// (newlines kept).
fn strip(code: &str) -> String {
    let b = code.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if (rest.starts_with(b"r\"") || rest.starts_with(b"r#"))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // Raw string: r"…", r#"…"#, …
            let hashes = rest[1..].iter().take_while(|&&c| c == b'#').count();
            if rest.get(1 + hashes) != Some(&b'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            let mut end = Vec::from(&b"\""[..]);
            end.extend(std::iter::repeat_n(b'#', hashes));
            let start = i + 2 + hashes;
            let close = b[start..].windows(end.len()).position(|w| w == end.as_slice());
            let stop = close.map_or(b.len(), |p| start + p + end.len());
            for &c in &b[i..stop] {
                blank(&mut out, c);
            }
            i = stop;
        } else if b[i] == b'"' {
            blank(&mut out, b[i]);
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    blank(&mut out, b[i]);
                    i += 1;
                }
                blank(&mut out, b[i]);
                i += 1;
            }
            if i < b.len() {
                blank(&mut out, b[i]);
                i += 1;
            }
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}', '"') or a lifetime ('a).
            let lit = if rest.get(1) == Some(&b'\\') {
                rest.get(3..).and_then(|r| r.iter().position(|&c| c == b'\'')).map(|p| p + 4)
            } else {
                std::str::from_utf8(&rest[1..])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .map(char::len_utf8)
                    .filter(|&n| rest.get(1 + n) == Some(&b'\''))
                    .map(|n| n + 2)
            };
            let n = lit.unwrap_or(1);
            if lit.is_some() {
                for &c in &rest[..n] {
                    blank(&mut out, c);
                }
            } else {
                out.push(b[i]);
            }
            i += n;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `code` (stripped) with every `#[cfg(test)]` item blanked, and the names of the modules
/// declared `#[cfg(test)] mod name;` (test code in their own files).
fn drop_test_code(code: &str) -> (String, Vec<String>) {
    let mut out = code.as_bytes().to_vec();
    let mut test_files = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("#[cfg(test)]") {
        let start = from + p;
        let after = start + "#[cfg(test)]".len();
        let rest = &code[after..];
        let semi = rest.find(';');
        let brace = rest.find('{');
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => {
                let decl = rest[..s].trim();
                if let Some(name) = decl.strip_prefix("mod ") {
                    test_files.push(name.trim().to_owned());
                }
                after + s + 1
            }
            (_, Some(b)) => {
                let mut depth = 0usize;
                let mut end = code.len();
                for (i, c) in rest[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = after + b + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => after + s + 1,
            (None, None) => code.len(),
        };
        for c in &mut out[start..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = end;
    }
    (String::from_utf8_lossy(&out).into_owned(), test_files)
}

/// The identifiers at brace depth 0 of `group` (the inside of `crate::{…}`), each the first
/// segment of one path.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut expect_head = true;
    let mut chars = group.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => expect_head = true,
            c if expect_head && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                heads.push(group[i..end].to_owned());
                expect_head = false;
            }
            _ => {}
        }
    }
    heads
}

/// The first segments of the paths after each `crate::` in `code`: a module name, or an item
/// the crate root re-exports.
fn crate_heads(code: &str) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let mut from = 0;
    while let Some(p) = code[from..].find("crate::") {
        let at = from + p;
        from = at + "crate::".len();
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `$crate::`, `foo_crate::`, `x::crate::`
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = code[from..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1usize;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            heads.extend(group_heads(&group[..end]).into_iter().map(|h| (line, h)));
        } else {
            let name: String =
                rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                heads.push((line, name));
            }
        }
    }
    heads
}

/// What each name re-exported at the crate root (`pub use module::…;` in lib.rs) comes from.
fn root_reexports() -> BTreeMap<String, String> {
    let lib =
        drop_test_code(&strip(&std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs"))).0;
    let mut map = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else { continue };
        let path = path.trim().trim_start_matches("crate::");
        let Some((module, rest)) = path.split_once("::") else { continue };
        for word in rest.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if word.chars().next().is_some_and(char::is_uppercase) {
                map.insert(word.to_owned(), module.to_owned());
            }
        }
    }
    map
}

/// Every reference against the layer order, as `"path:line: from (layer) -> to (layer)"`,
/// and every (from, to) pair found.
fn violations() -> (Vec<String>, BTreeSet<(String, String)>) {
    let root = src();
    let reexports = root_reexports();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut test_files = BTreeSet::new();
    let mut found = Vec::new();
    let mut pairs = BTreeSet::new();
    let mut texts = Vec::new();
    for path in &files {
        let code = std::fs::read_to_string(path).expect("a source file");
        let (code, tests) = drop_test_code(&strip(&code));
        let dir = path.parent().expect("a parent");
        let own =
            if path.file_name().is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs") {
                dir.to_path_buf()
            } else {
                dir.join(path.file_stem().expect("a stem"))
            };
        for t in tests {
            test_files.insert(own.join(format!("{t}.rs")));
            test_files.insert(own.join(&t).join("mod.rs"));
        }
        texts.push((path.clone(), code));
    }
    for (path, code) in texts {
        let rel = path.strip_prefix(&root).expect("under src/");
        let first = rel.components().next().expect("a component").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" || test_files.contains(&path) {
            continue; // The crate roots declare and re-export everything.
        }
        let Some(from) = layer_of(&module) else {
            found.push(format!("{}: module `{module}` is in no layer of LAYERS", rel.display()));
            continue;
        };
        for (line, head) in crate_heads(&code) {
            let target = reexports.get(&head).cloned().unwrap_or(head);
            if target == module {
                continue;
            }
            let Some(to) = layer_of(&target) else {
                found.push(format!(
                    "{}:{line}: `crate::{target}` is in no layer of LAYERS",
                    rel.display()
                ));
                continue;
            };
            pairs.insert((module.clone(), target.clone()));
            let excepted = EXCEPTIONS.iter().any(|&(f, t, _)| f == module && t == target);
            if to >= from && !excepted {
                found.push(format!(
                    "{}:{line}: `{module}` (layer {from}) uses `{target}` (layer {to})",
                    rel.display()
                ));
            }
        }
    }
    (found, pairs)
}

#[test]
fn imports_follow_the_layer_order() {
    let (found, _) = violations();
    assert!(
        found.is_empty(),
        "imports against the layer order of ARCHITECTURE.md (a module may use only lower \
         layers):\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn exceptions_are_still_needed() {
    let (_, pairs) = violations();
    for &(from, to, why) in EXCEPTIONS {
        assert!(
            pairs.contains(&(from.to_owned(), to.to_owned())),
            "the exception {from} -> {to} ({why}) is no longer needed: remove it"
        );
    }
}

#[test]
fn every_module_has_a_layer() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    for line in lib.lines() {
        if let Some(name) = line.trim().strip_prefix("pub mod ").and_then(|r| r.strip_suffix(';')) {
            assert!(layer_of(name).is_some(), "module `{name}` has no layer in LAYERS");
        }
    }
}

#[test]
fn architecture_md_has_the_same_layers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(path).expect("ARCHITECTURE.md");
    let section = text.split("## Layers").nth(1).expect("a `## Layers` section");
    let mut table = Vec::new();
    for line in section.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(layer) = cells.get(1).and_then(|c| c.parse::<u32>().ok()) else { continue };
        let modules: Vec<String> =
            cells[2].split('`').skip(1).step_by(2).map(str::to_owned).collect();
        table.push((layer, modules));
    }
    let want: Vec<(u32, Vec<String>)> =
        LAYERS.iter().map(|&(l, m)| (l, m.iter().map(|&s| s.to_owned()).collect())).collect();
    assert_eq!(table, want, "the table of ARCHITECTURE.md and LAYERS differ");
}

#[test]
fn the_scanner_sees_what_it_must() {
    let code = strip(
        "use crate::{error::Error, util::{fs, hash}};\n// crate::cli\nlet s = \"crate::synth\";\n\
         let c = '\"'; let x = crate::model::Model::default();\nfn f<'a>(x: &'a crate::store::Store) {}\n\
         #[cfg(test)]\nmod tests { use crate::pipeline; }\n",
    );
    let (code, _) = drop_test_code(&code);
    let heads: Vec<String> = crate_heads(&code).into_iter().map(|(_, h)| h).collect();
    assert_eq!(heads, ["error", "util", "model", "store"]);
}
