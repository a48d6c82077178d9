//! `vnlink inspect`: on a store built from `data/sample/records.csv` (counts match the CSV and
//! the store, every JSON key is there, top values are plausible and add up, the output does not
//! depend on the thread count) and on the golden `tests/data/compat/v1.vnl` (exact values); the
//! CLI prints the library's report (`vnlink::dataset::inspect`) unchanged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use vnlink::dataset::View;
use vnlink::normalize::date::Date;
use vnlink::store::Store;

fn vnlink(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vnlink")).args(args).output().expect("run vnlink")
}

fn sample_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/records.csv")
}

/// The store of the sample CSV, built once per test run.
fn sample_store() -> &'static Path {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("inspect-sample.vnl");
        let csv = sample_csv();
        let o = vnlink(&["build", csv.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"]);
        assert!(o.status.success(), "build failed: {}", String::from_utf8_lossy(&o.stderr));
        out
    })
}

fn inspect_json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["inspect", path.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let o = vnlink(&args);
    assert!(o.status.success(), "inspect failed: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON object")
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// `name → count` of a list of `{name, count}` (or `{value, count}`) objects.
fn counts(list: &Value, key: &str) -> BTreeMap<String, u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| (x[key].as_str().unwrap().to_owned(), u(&x["count"])))
        .collect()
}

fn csv_rows() -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(sample_csv()).unwrap();
    r.records().map(Result::unwrap).collect()
}

#[test]
fn json_has_every_key() {
    let j = inspect_json(sample_store(), &[]);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    let mut top: Vec<String> = keys(&j);
    top.sort();
    assert_eq!(
        top,
        [
            "block_records",
            "blocking",
            "blocks",
            "build",
            "bytes_per_record",
            "columns",
            "completeness",
            "encodings",
            "file",
            "file_bytes",
            "format_version",
            "records",
            "size",
            "term_frequencies",
            "top",
            "warnings"
        ]
    );
    let mut t = keys(&j["top"]);
    t.sort();
    assert_eq!(t, ["birth_years", "family_names", "full_names", "given_names", "provinces", "sex"]);
    for (path, want) in [
        ("/build", &["vnlink_version", "source", "rows_read", "skipped_by_reason"][..]),
        ("/size/0", &["part", "kind", "bytes", "bytes_per_record"]),
        ("/completeness/0", &["name", "count", "percent"]),
        ("/warnings/0", &["name", "count", "percent"]),
        ("/columns/0", &["kind", "header"]),
        ("/term_frequencies/0", &["of", "distinct", "records", "largest"]),
        ("/top/full_names", &["distinct", "values"]),
        ("/top/full_names/values/0", &["value", "ascii", "count", "percent", "spellings"]),
        ("/top/family_names", &["distinct", "missing", "values"]),
        ("/top/given_names/values/0", &["name", "count", "percent"]),
        ("/top/provinces", &["distinct", "missing", "values"]),
        ("/top/provinces/values/0", &["code", "name", "count", "percent"]),
        ("/top/birth_years", &["distinct", "missing", "min", "max", "values"]),
        ("/top/birth_years/values/0", &["year", "count", "percent"]),
        ("/top/sex/0", &["name", "count", "percent"]),
        (
            "/blocking/0",
            &[
                "rule",
                "posting_list",
                "parts",
                "keys",
                "records_keyed",
                "pairs",
                "max_block",
                "oversized_groups",
                "largest",
                "distribution",
            ],
        ),
        ("/blocking/0/largest/0", &["size", "record_id", "name"]),
        ("/blocking/0/distribution/0", &["sizes", "groups", "records", "pairs"]),
    ] {
        let v = j.pointer(path).unwrap_or_else(|| panic!("no {path}"));
        let mut got = keys(v);
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "{path}");
    }
}

#[test]
fn counts_match_the_csv_and_the_store() {
    let rows = csv_rows();
    let j = inspect_json(sample_store(), &["--top", "100000"]);
    let n = rows.len() as u64;
    assert_eq!(n, 2004);
    assert_eq!(u(&j["records"]), n);
    assert_eq!(u(&j["build"]["rows_read"]), n);
    assert_eq!(u(&j["format_version"]), 1);
    assert_eq!(j["build"]["source"].as_str().unwrap(), sample_csv().to_str().unwrap());
    let file_bytes = std::fs::metadata(sample_store()).unwrap().len();
    assert_eq!(u(&j["file_bytes"]), file_bytes);
    let bpr = j["bytes_per_record"].as_f64().unwrap();
    assert!((bpr - file_bytes as f64 / n as f64).abs() < 0.01);
    // The size parts add up to the file.
    let parts: u64 = j["size"].as_array().unwrap().iter().map(|p| u(&p["bytes"])).sum();
    assert_eq!(parts, file_bytes);

    // Completeness and warnings are the store's metadata, in field and warning order.
    let store = Store::open(sample_store()).unwrap();
    let view = View::new(&store).unwrap();
    let meta = view.meta().unwrap();
    let names: Vec<&str> =
        j["completeness"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["full_name", "dob", "sex", "address", "id_number", "phone"]);
    for (k, v) in counts(&j["completeness"], "name") {
        assert_eq!(v, meta.completeness.get(&k).copied().unwrap_or(0), "{k}");
    }
    // Every row has a name; the phone column is filled in fewer rows than it has text.
    assert_eq!(counts(&j["completeness"], "name")["full_name"], n);
    let phones_written = rows.iter().filter(|r| !r[6].trim().is_empty()).count() as u64;
    assert!(counts(&j["completeness"], "name")["phone"] <= phones_written);
    for (k, v) in counts(&j["warnings"], "name") {
        assert_eq!(v, meta.warnings.get(&k).copied().unwrap_or(0), "{k}");
    }
    assert_eq!(j["warnings"].as_array().unwrap().len(), 10);

    // Every full list adds up to the records.
    let t = &j["top"];
    let sum = |list: &Value| list.as_array().unwrap().iter().map(|x| u(&x["count"])).sum::<u64>();
    for field in ["family_names", "given_names", "provinces", "birth_years"] {
        assert_eq!(sum(&t[field]["values"]) + u(&t[field]["missing"]), n, "{field}");
        assert_eq!(t[field]["values"].as_array().unwrap().len() as u64, u(&t[field]["distinct"]));
    }
    assert_eq!(sum(&t["sex"]), n);
    // Full names: every name counted once, and the number of distinct names is the store's.
    let (hashes, name_counts) = view.name_counts().unwrap();
    assert!(hashes.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(name_counts.iter().map(|&c| u64::from(c)).sum::<u64>(), n);
    assert_eq!(u(&t["full_names"]["distinct"]), hashes.len() as u64);
    assert_eq!(sum(&t["full_names"]["values"]), n);

    // The stored term-frequency tables, counted again here from the features.
    let parts = view.part_counts().unwrap();
    let tables = j["term_frequencies"].as_array().unwrap();
    assert_eq!(tables.len(), 4);
    assert_eq!(u(&tables[0]["distinct"]), hashes.len() as u64);
    for (k, ((hashes, stored), table)) in parts.iter().zip(&tables[1..]).enumerate() {
        let mut want: BTreeMap<u64, u32> = BTreeMap::new();
        for f in view.features_column().iter() {
            let h = [f.family, f.given, f.street][k];
            if h != 0 {
                *want.entry(u64::from(h)).or_default() += 1;
            }
        }
        let got: BTreeMap<u64, u32> = hashes.iter().copied().zip(stored.iter().copied()).collect();
        assert_eq!(got, want, "{}", table["of"]);
        assert!(want.len() > 10, "{}: {} values", table["of"], want.len());
        assert_eq!(u(&table["distinct"]), want.len() as u64);
        assert_eq!(u(&table["records"]), want.values().map(|&c| u64::from(c)).sum::<u64>());
        assert_eq!(u(&table["largest"]), u64::from(*want.values().max().unwrap()));
    }

    // Birth years, counted again here from the features.
    let mut years: BTreeMap<u16, u64> = BTreeMap::new();
    for f in view.features_column().iter() {
        if let Some(d) = Date::unpack(f.dob) {
            *years.entry(d.year).or_default() += 1;
        }
    }
    let listed: BTreeMap<u16, u64> = t["birth_years"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (u(&y["year"]) as u16, u(&y["count"])))
        .collect();
    assert_eq!(listed, years);
    assert_eq!(u(&t["birth_years"]["min"]), u64::from(*years.keys().next().unwrap()));
    assert_eq!(u(&t["birth_years"]["max"]), u64::from(*years.keys().last().unwrap()));

    // Blocking: each list's numbers are the posting list's.
    let blocking = j["blocking"].as_array().unwrap();
    // One list per rule and one per split level of each rule.
    let lists: usize =
        vnlink::block::Blocking::default().rules.iter().map(|r| 1 + r.split_by.len()).sum();
    assert_eq!(blocking.len(), lists);
    assert_eq!(blocking[0]["rule"], "national_id");
    for b in blocking {
        let p = store.postings(b["posting_list"].as_str().unwrap()).unwrap();
        assert_eq!(u(&b["keys"]), p.key_count() as u64);
        assert_eq!(u(&b["records_keyed"]), p.pair_count() as u64);
        let pairs: u64 = p.iter().map(|(_, g)| (g.len() * (g.len() - 1) / 2) as u64).sum();
        assert_eq!(u(&b["pairs"]), pairs);
        let biggest = p.iter().map(|(_, g)| g.len() as u64).max().unwrap();
        assert_eq!(u(&b["largest"][0]["size"]), biggest);
        let dist = b["distribution"].as_array().unwrap();
        let labels: Vec<&str> = dist.iter().map(|d| d["sizes"].as_str().unwrap()).collect();
        assert_eq!(labels, ["1", "2-10", "11-100", "101-1000", ">1000"]);
        let total = |k: &str| dist.iter().map(|d| u(&d[k])).sum::<u64>();
        assert_eq!(total("groups"), p.key_count() as u64);
        assert_eq!(total("records"), p.pair_count() as u64);
        assert_eq!(total("pairs"), pairs);
        assert_eq!(u(&dist[0]["pairs"]), 0);
        assert_eq!(u(&b["max_block"]), vnlink::block::Blocking::default().max_block as u64);
    }
}

#[test]
fn top_values_are_plausible() {
    let rows = csv_rows();
    let j = inspect_json(sample_store(), &["--top", "5"]);
    let t = &j["top"];
    for field in ["full_names", "family_names", "given_names", "provinces", "birth_years"] {
        let values = t[field]["values"].as_array().unwrap();
        assert_eq!(values.len(), 5, "{field}");
        let c: Vec<u64> = values.iter().map(|v| u(&v["count"])).collect();
        assert!(c.windows(2).all(|w| w[0] >= w[1]), "{field} not sorted: {c:?}");
    }
    // Family names: the first word of the name, as the CSV has it (the normaliser reorders a
    // few names and decodes legacy text, hence the tolerance).
    let mut first_words: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        if let Some(w) = r[1].split_whitespace().next() {
            *first_words.entry(w.to_lowercase()).or_default() += 1;
        }
    }
    let family = counts(&t["family_names"]["values"], "name");
    let top3: Vec<&str> = t["family_names"]["values"].as_array().unwrap()[..3]
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(top3, ["nguyễn", "lê", "trần"]);
    for name in top3 {
        let (ours, csv) = (family[name] as f64, first_words[name] as f64);
        assert!((ours - csv).abs() <= 0.05 * csv, "{name}: {ours} vs {csv} in the CSV");
    }
    // Full names are canonical spellings with their ASCII fold.
    let full = &t["full_names"]["values"][0];
    assert_eq!(full["value"], "nguyễn văn dũng");
    assert_eq!(full["ascii"], "nguyen van dung");
    assert!(u(&full["spellings"]) >= 1);
    // Given names are single canonical words here (no minority names in the top).
    for v in t["given_names"]["values"].as_array().unwrap() {
        let s = v["name"].as_str().unwrap();
        assert!(!s.is_empty() && !s.contains(' ') && s == s.to_lowercase(), "{s}");
    }
    // Provinces carry gazetteer names; Hồ Chí Minh City and Hà Nội lead the sample.
    let provinces = t["provinces"]["values"].as_array().unwrap();
    assert_eq!(
        (u(&provinces[0]["code"]), provinces[0]["name"].as_str()),
        (79, Some("Hồ Chí Minh"))
    );
    assert!(provinces.iter().any(|p| u(&p["code"]) == 1 && p["name"] == "Hà Nội"));
    // Birth years are years people alive are born in.
    for y in t["birth_years"]["values"].as_array().unwrap() {
        assert!((1900..=2025).contains(&u(&y["year"])));
    }
    // Percentages are of all records.
    let p = provinces[0]["percent"].as_f64().unwrap();
    assert!((p - u(&provinces[0]["count"]) as f64 * 100.0 / 2004.0).abs() < 0.01);
}

#[test]
fn text_output() {
    let o = vnlink(&["inspect", sample_store().to_str().unwrap(), "--top", "3"]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    for needle in [
        "format version   1",
        "records          2,004 in 1 block of 65,536",
        "bytes/record",
        "column features",
        "completeness",
        "preparation warnings",
        "legacy encodings",
        "column mapping",
        "full names (",
        "nguyễn văn dũng",
        "family names (",
        "given names (",
        "provinces, 2025 codes",
        "79 Hồ Chí Minh",
        "birth years (",
        "blocking keys",
        "  national_id\n",
        "group size",
        ">1000",
        "largest: ",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // --top 3: three family names listed.
    let family = text.split("family names (").nth(1).unwrap();
    let listed = family.lines().skip(1).take_while(|l| l.starts_with("  ")).count();
    assert_eq!(listed, 3);
}

#[test]
fn output_does_not_depend_on_threads() {
    let path = sample_store().to_str().unwrap();
    let run = |threads: &str| {
        let o = Command::new(env!("CARGO_BIN_EXE_vnlink"))
            .args(["inspect", path, "--json", "--top", "50"])
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        assert!(o.status.success());
        o.stdout
    };
    assert_eq!(run("1"), run("4"));
}

#[test]
fn golden_store_exact_values() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat/v1.vnl");
    let j = inspect_json(&golden, &["--top", "100"]);
    assert_eq!((u(&j["records"]), u(&j["blocks"]), u(&j["block_records"])), (20, 3, 8));
    let t = &j["top"];
    let family = counts(&t["family_names"]["values"], "name");
    assert_eq!(family["nguyễn"], 2);
    assert_eq!(family["nguyen"], 1);
    assert_eq!(family["tôn thất"], 1); // a compound family name
    assert_eq!(family["phạm"], 1); // decoded from TCVN3
    assert_eq!(u(&t["family_names"]["missing"]), 1); // the nameless row
    let given = counts(&t["given_names"]["values"], "name");
    assert_eq!((given["mai"], given["kiệt"], given["h'hen"], given["thủy"]), (2, 2, 1, 1));
    let full = &t["full_names"]["values"][0];
    assert_eq!(
        (full["value"].as_str(), full["ascii"].as_str(), u(&full["count"]), u(&full["spellings"])),
        (Some("nguyen van an"), Some("nguyen van an"), 2, 2)
    );
    assert_eq!(u(&t["full_names"]["distinct"]), 18);
    // The golden store predates the family/given/street tables: reported as absent.
    assert!(j["term_frequencies"].is_null());
    let provinces: BTreeMap<u64, (String, u64)> = t["provinces"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (u(&p["code"]), (p["name"].as_str().unwrap().to_owned(), u(&p["count"]))))
        .collect();
    assert_eq!(provinces[&1], ("Hà Nội".to_owned(), 6));
    assert_eq!(provinces[&79], ("Hồ Chí Minh".to_owned(), 5));
    assert_eq!(u(&t["provinces"]["missing"]), 1);
    assert_eq!(u(&t["birth_years"]["missing"]), 2);
    assert_eq!((u(&t["birth_years"]["min"]), u(&t["birth_years"]["max"])), (1922, 2001));
    assert_eq!(
        counts(&t["sex"], "name"),
        BTreeMap::from([
            ("unknown".to_owned(), 1),
            ("male".to_owned(), 9),
            ("female".to_owned(), 10)
        ])
    );
    let warnings = counts(&j["warnings"], "name");
    assert_eq!(
        (warnings["dob_guessed"], warnings["dob_unparseable"], warnings["id_invalid"]),
        (1, 1, 0)
    );
    let b = &j["blocking"][0];
    assert_eq!(b["rule"], "national_id");
    assert_eq!((u(&b["keys"]), u(&b["records_keyed"]), u(&b["pairs"])), (12, 14, 2));
    assert_eq!((u(&b["distribution"][1]["groups"]), u(&b["distribution"][1]["records"])), (2, 4));
    let largest: Vec<(u64, &str)> = b["largest"].as_array().unwrap()[..2]
        .iter()
        .map(|g| (u(&g["size"]), g["record_id"].as_str().unwrap()))
        .collect();
    assert!(largest.contains(&(2, "V1-001")) && largest.contains(&(2, "V1-007")), "{largest:?}");
    let phone = &j["blocking"][1];
    assert_eq!((phone["rule"].as_str(), u(&phone["pairs"])), (Some("phone"), 4));
    assert_eq!(phone["largest"][0]["name"], "nguyễn văn an");
    assert_eq!(u(&phone["largest"][0]["size"]), 3);
}

#[test]
fn the_json_is_the_library_report() {
    use vnlink::dataset::{InspectOptions, inspect};
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compat/v1.vnl");
    for top in [0, 3, 100] {
        let store = Store::open(&golden).unwrap();
        let rep = inspect(&View::new(&store).unwrap(), &InspectOptions { top }).unwrap();
        let cli = inspect_json(&golden, &["--top", &top.to_string()]);
        assert_eq!(serde_json::to_value(&rep).unwrap(), cli, "--top {top}");
    }
    // The default options list ten values, as the CLI does without --top.
    let store = Store::open(sample_store()).unwrap();
    let rep = inspect(&View::new(&store).unwrap(), &InspectOptions::default()).unwrap();
    assert_eq!(rep.top.family_names.values.len(), 10);
    assert_eq!(serde_json::to_value(&rep).unwrap(), inspect_json(sample_store(), &[]));
}

#[test]
fn errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.vnl");
    let o = vnlink(&["inspect", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope.vnl"));
    // A CSV is not a store.
    let csv = sample_csv();
    let o = vnlink(&["inspect", csv.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("records.csv"));
}
