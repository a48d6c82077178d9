//! `vnlink gen --columns split` and `vnlink gen --locale en`: exact headers, row counts, truth
//! consistency, determinism across seeds and thread counts, plausible values, the split layout
//! as the joined records in columns, and the joined output unchanged by the new flags.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::util::{s, vnlink, vnlink_ok};

const JOINED: &str = "record_id,full_name,dob,sex,address,id_number,phone";
const SPLIT: &str = "record_id,Họ,Chữ đệm,Tên,Ngày sinh,Giới tính,Số nhà,Đường/Thôn,Phường/Xã,\
                     Quận/Huyện,Tỉnh/Thành phố,Số CCCD,Số điện thoại";
const ENGLISH: &str = "record_id,first_name,middle_name,last_name,dob,sex,street_address,suburb,\
                       state,postcode,email,phone,ssn";

fn gen_into(dir: &Path, args: &[&str]) {
    let mut all = vec!["gen", "--out", s(dir)];
    all.extend_from_slice(args);
    vnlink_ok(&all, 0);
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn first_line(path: &Path) -> String {
    let text = String::from_utf8(read(path)).unwrap();
    text.lines().next().unwrap_or_default().to_owned()
}

/// Rows of a CSV file, header excluded.
fn rows(path: &Path) -> Vec<Vec<String>> {
    crate::util::rows(path)
}

fn stats(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(&dir.join("gen_stats.json"))).unwrap()
}

/// Checks `truth.csv` against the record files: every record once, ids unique, `entities`
/// entities; returns entity → number of records.
fn check_truth(
    dir: &Path,
    files: &[&str],
    width: usize,
    entities: usize,
) -> HashMap<String, usize> {
    let mut ids = Vec::new();
    for f in files {
        let r = rows(&dir.join(f));
        assert!(r.iter().all(|row| row.len() == width), "{f}: rows of {width} values");
        ids.extend(r.into_iter().map(|row| row[0].clone()));
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "record ids are unique");
    let truth = rows(&dir.join("truth.csv"));
    assert_eq!(truth.len(), ids.len(), "one truth row per record");
    let mut sizes: HashMap<String, usize> = HashMap::new();
    for t in &truth {
        assert!(unique.contains(&t[0]), "truth names an unknown record {}", t[0]);
        *sizes.entry(t[1].clone()).or_default() += 1;
    }
    assert!(sizes.len() <= entities);
    sizes
}

#[test]
fn headers_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    for (flags, header) in [
        (&["--columns", "split"][..], SPLIT),
        (&["--locale", "en"][..], ENGLISH),
        (&["--columns", "joined"][..], JOINED),
    ] {
        for shape in ["dedupe", "link"] {
            let dir = tmp.path().join(format!("{shape}{}", flags[1]));
            let mut args = vec!["--shape", shape, "--entities", "300", "--seed", "1"];
            args.extend_from_slice(flags);
            gen_into(&dir, &args);
            let files: &[&str] =
                if shape == "dedupe" { &["records.csv"] } else { &["registry.csv", "agency.csv"] };
            for f in files {
                assert_eq!(first_line(&dir.join(f)), header, "{shape} {flags:?} {f}");
            }
        }
    }
}

#[test]
fn output_is_deterministic_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, flags) in [("split", ["--columns", "split"]), ("en", ["--locale", "en"])] {
        for shape in ["dedupe", "link"] {
            let base =
                ["--shape", shape, "--entities", "40000", "--seed", "21", flags[0], flags[1]];
            let a = tmp.path().join(format!("{name}-{shape}-1"));
            let b = tmp.path().join(format!("{name}-{shape}-4"));
            gen_into(&a, &[&base[..], &["--threads", "1"]].concat());
            gen_into(&b, &[&base[..], &["--threads", "4"]].concat());
            let files: &[&str] = if shape == "dedupe" {
                &["records.csv", "truth.csv", "gen_stats.json"]
            } else {
                &["registry.csv", "agency.csv", "truth.csv", "gen_stats.json"]
            };
            for f in files {
                assert!(read(&a.join(f)) == read(&b.join(f)), "{name} {shape} {f}: 1 vs 4 threads");
            }
        }
        // Another seed, another population.
        let c = tmp.path().join(format!("{name}-seed22"));
        gen_into(
            &c,
            &["--shape", "dedupe", "--entities", "2000", "--seed", "22", flags[0], flags[1]],
        );
        let d = tmp.path().join(format!("{name}-seed23"));
        gen_into(
            &d,
            &["--shape", "dedupe", "--entities", "2000", "--seed", "23", flags[0], flags[1]],
        );
        assert!(read(&c.join("records.csv")) != read(&d.join("records.csv")));
    }
}

#[test]
fn joined_output_is_unchanged_by_the_new_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("default"), tmp.path().join("explicit"));
    gen_into(&a, &["--shape", "link", "--entities", "3000", "--seed", "4"]);
    gen_into(
        &b,
        &[
            "--shape",
            "link",
            "--entities",
            "3000",
            "--seed",
            "4",
            "--locale",
            "vi",
            "--columns",
            "joined",
        ],
    );
    for f in ["registry.csv", "agency.csv", "truth.csv", "gen_stats.json"] {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f}");
    }
    // The default configuration is written as before: no locale, columns or English rates.
    let st = stats(&a);
    let config = st["config"].as_object().unwrap();
    assert!(!config.contains_key("locale") && !config.contains_key("columns"));
    assert!(!config.contains_key("en_rates") && st["stats"].get("en_corruptions").is_none());
}

#[test]
fn split_columns_are_the_joined_records() {
    let tmp = tempfile::tempdir().unwrap();
    let (j, sp) = (tmp.path().join("joined"), tmp.path().join("split"));
    let base = ["--shape", "dedupe", "--entities", "6000", "--seed", "9"];
    gen_into(&j, &base);
    gen_into(&sp, &[&base[..], &["--columns", "split"]].concat());
    // Same records, same truth.
    assert!(read(&j.join("truth.csv")) == read(&sp.join("truth.csv")));
    let sizes = check_truth(&sp, &["records.csv"], 13, 6000);
    assert_eq!(sizes.len(), 6000, "every entity has a record");
    let (jr, sr) = (rows(&j.join("records.csv")), rows(&sp.join("records.csv")));
    assert_eq!(jr.len(), sr.len());
    let family_names = super::r#gen::data_column("vn-names/family_names.csv", "name");
    let families: HashSet<&str> = family_names.iter().map(String::as_str).collect();
    let (mut same_name, mut known_family, mut no_district, mut with_district) =
        (0usize, 0usize, 0usize, 0usize);
    let (mut bare, mut full, mut house) = (0usize, 0usize, 0usize);
    for (a, b) in jr.iter().zip(&sr) {
        // record_id, dob, sex, id and phone agree column for column.
        assert_eq!([&a[0], &a[2], &a[3], &a[5], &a[6]], [&b[0], &b[4], &b[5], &b[11], &b[12]]);
        let name: Vec<&str> =
            b[1..4].iter().filter(|c| !c.is_empty()).map(String::as_str).collect();
        same_name += usize::from(name.join(" ") == a[1]);
        known_family += usize::from(families.contains(b[1].as_str()));
        for part in b[6..11].iter().filter(|c| !c.is_empty()) {
            assert!(a[4].contains(part.as_str()), "{part:?} is not in {:?}", a[4]);
        }
        if b[9].is_empty() {
            no_district += 1;
        } else {
            with_district += 1;
        }
        // A ward written in full in the joined record, and bare or in full in its column.
        let ward = &b[8];
        for kind in ["Phường", "Xã", "Thị trấn"] {
            if !ward.is_empty() && a[4].contains(&format!("{kind} {ward}")) {
                bare += 1;
            } else if ward.starts_with(&format!("{kind} ")) {
                full += 1;
            }
        }
        house += usize::from(!b[6].is_empty());
    }
    let n = sr.len();
    assert!(same_name as f64 > 0.95 * n as f64, "{same_name} of {n} names join back");
    assert!(known_family as f64 > 0.6 * n as f64, "{known_family} of {n} known family names");
    assert!(no_district as f64 > 0.25 * n as f64, "{no_district} of {n} without a district");
    assert!(with_district as f64 > 0.4 * n as f64, "{with_district} of {n} with a district");
    // About half of the wards written in full in the joined records are bare in their column.
    let share = bare as f64 / (bare + full) as f64;
    assert!((0.4..0.6).contains(&share), "{bare} bare, {full} in full");
    assert!(house > n / 5, "{house} house numbers");
    let st = stats(&sp);
    assert_eq!(st["config"]["columns"], "split");
    assert_eq!(st["stats"], stats(&j)["stats"], "the same corruptions");
}

#[test]
fn english_files_truth_and_values_are_plausible() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("dedupe");
    gen_into(&d, &["--shape", "dedupe", "--entities", "8000", "--seed", "12", "--locale", "en"]);
    let sizes = check_truth(&d, &["records.csv"], 13, 8000);
    assert_eq!(sizes.len(), 8000);
    let dup = sizes.values().filter(|&&k| k > 1).count() as f64 / 8000.0;
    assert!((0.31..0.39).contains(&dup), "share of duplicated entities {dup}");
    let records = rows(&d.join("records.csv"));
    let n = records.len() as f64;
    let count = |f: &dyn Fn(&Vec<String>) -> bool| records.iter().filter(|r| f(r)).count() as f64;
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
    // Every value of a kind has its shape when present.
    for r in &records {
        assert!(
            r[10].is_empty() || (r[10].contains('@') && r[10].contains('.')),
            "email {}",
            r[10]
        );
        assert!(r[9].is_empty() || (r[9].len() == 5 && digits(&r[9]) == 5), "postcode {}", r[9]);
        assert!(r[12].is_empty() || digits(&r[12]) <= 9, "ssn {}", r[12]);
        assert!(r[11].is_empty() || [10, 11].contains(&digits(&r[11])), "phone {}", r[11]);
        assert!(["", "F", "M", "Female", "Male"].contains(&r[5].as_str()), "sex {}", r[5]);
        assert!(r[1..4].iter().chain(&r[6..9]).all(|v| v.is_ascii()), "ASCII text {r:?}");
    }
    // Realistic shares.
    let iso = count(&|r| r[4].len() == 10 && r[4].as_bytes()[4] == b'-') / n;
    assert!((0.6..0.9).contains(&iso), "ISO dates {iso}");
    let ssn_missing = count(&|r| r[12].is_empty()) / n;
    assert!((0.12..0.4).contains(&ssn_missing), "SSN missing {ssn_missing}");
    let dashed = count(&|r| r[12].len() == 11 && r[12].as_bytes()[3] == b'-') / n;
    assert!(dashed > 0.5, "dashed SSNs {dashed}");
    let emails = count(&|r| !r[10].is_empty()) / n;
    assert!((0.55..0.9).contains(&emails), "e-mails {emails}");
    let middle = count(&|r| !r[2].is_empty()) / n;
    assert!((0.5..0.8).contains(&middle), "middle names {middle}");
    let initials = count(&|r| r[2].trim_end_matches('.').len() == 1) / n;
    assert!(initials > 0.03, "middle initials {initials}");
    let states: HashSet<&str> = records.iter().map(|r| r[8].as_str()).collect();
    assert!(states.len() > 30, "{} states", states.len());
    let surnames: HashMap<&str, usize> = records.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r[3].as_str()).or_default() += 1;
        m
    });
    assert!(surnames.len() > 250 && surnames["Smith"] > surnames["Wong"], "{}", surnames.len());

    // The link shape.
    let l = tmp.path().join("link");
    gen_into(&l, &["--shape", "link", "--entities", "5000", "--seed", "12", "--locale", "en"]);
    assert_eq!(first_line(&l.join("truth.csv")), "record_id,entity_id,source");
    check_truth(&l, &["registry.csv", "agency.csv"], 13, 5000);
    let reg: HashSet<String> =
        rows(&l.join("registry.csv")).into_iter().map(|r| r[0].clone()).collect();
    for t in rows(&l.join("truth.csv")) {
        assert_eq!(t[2] == "registry", reg.contains(&t[0]), "{t:?}");
    }

    let st = stats(&d);
    assert_eq!(st["config"]["locale"], "en");
    assert_eq!(st["config"]["en_rates"]["nickname"], 0.15);
    let en = st["stats"]["en_corruptions"].as_array().unwrap();
    assert!(en.iter().any(|c| c["name"] == "nickname" && c["noisy"]["applied"].as_u64() > Some(0)));
    let vi_only = st["stats"]["corruptions"].as_array().unwrap();
    let tcvn3 = vi_only.iter().find(|c| c["name"] == "tcvn3").unwrap();
    assert_eq!(tcvn3["noisy"]["eligible"], 0, "Vietnamese-only corruptions do not apply");
}

#[test]
fn english_hard_negatives_share_what_they_should() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("hn");
    gen_into(
        &d,
        &[
            "--shape",
            "dedupe",
            "--entities",
            "10000",
            "--seed",
            "3",
            "--locale",
            "en",
            "--father-son-rate",
            "0.5",
            "--twin-rate",
            "0.5",
            "--dup-rate",
            "0",
            "--original-noise",
            "0",
        ],
    );
    // Clean records only: households are people of one address and mostly one last name.
    let records = rows(&d.join("records.csv"));
    let mut by_address: HashMap<(String, String), Vec<&Vec<String>>> = HashMap::new();
    for r in &records {
        by_address.entry((r[6].clone(), r[9].clone())).or_default().push(r);
    }
    let shared: Vec<&Vec<&Vec<String>>> = by_address.values().filter(|v| v.len() >= 2).collect();
    assert!(shared.len() > 500, "{} shared addresses", shared.len());
    let juniors = records.iter().filter(|r| r[3].contains(" Jr")).count();
    assert!(juniors > 20, "{juniors} juniors");
    // Twins: same address, date of birth and last name, different first names.
    let twins = shared
        .iter()
        .flat_map(|v| {
            v.iter().enumerate().flat_map(move |(i, a)| {
                v[i + 1..].iter().filter(move |b| a[4] == b[4] && a[3] == b[3] && a[1] != b[1])
            })
        })
        .count();
    assert!(twins > 20, "{twins} twin pairs");
}

#[test]
fn english_split_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let out = vnlink(&[
        "gen",
        "--shape",
        "dedupe",
        "--out",
        s(tmp.path()),
        "--locale",
        "en",
        "--columns",
        "split",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("columns"));
    assert!(!tmp.path().join("records.csv").exists());
}
