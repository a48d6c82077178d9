//! `vnlink gen` and `vnlink::synth`: determinism (seed, threads), file shapes and truth
//! consistency, corruption rates against the configuration and against the output text, CCCDs
//! against the ground truth, hard-negative groups, and the committed sample.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use unicode_normalization::is_nfc;
use vnlink::normalize::Sex;
use vnlink::synth::{self, Corruption, GenConfig, Group, HouseholdRole, Person, Profile, SynthRow};

const HEADER: &str = "record_id,full_name,dob,sex,address,id_number,phone";

fn vnlink(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vnlink")).args(args).output().expect("run vnlink")
}

fn gen_into(dir: &Path, args: &[&str]) {
    let mut all = vec!["gen", "--out", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = vnlink(&all);
    assert!(
        out.status.success(),
        "vnlink {all:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rows of a CSV file, header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    for shape in ["dedupe", "link"] {
        let a = tmp.path().join(format!("{shape}1"));
        let b = tmp.path().join(format!("{shape}4"));
        let common = ["--shape", shape, "--entities", "2000", "--seed", "17"];
        gen_into(&a, &[&common[..], &["--threads", "1"]].concat());
        gen_into(&b, &[&common[..], &["--threads", "4"]].concat());
        let files: &[&str] = if shape == "dedupe" {
            &["records.csv", "truth.csv", "gen_stats.json"]
        } else {
            &["registry.csv", "agency.csv", "truth.csv", "gen_stats.json"]
        };
        for f in files {
            assert!(
                read(&a.join(f)) == read(&b.join(f)),
                "{shape}/{f} differs between 1 and 4 threads"
            );
        }
    }
    // Another seed gives another population.
    let c = tmp.path().join("seed18");
    gen_into(&c, &["--shape", "dedupe", "--entities", "2000", "--seed", "18"]);
    assert!(read(&c.join("records.csv")) != read(&tmp.path().join("dedupe1/records.csv")));
}

#[test]
fn dedupe_files_and_truth_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    gen_into(
        &dir,
        &["--shape", "dedupe", "--entities", "4000", "--seed", "3", "--max-copies", "3"],
    );
    let text = String::from_utf8(read(&dir.join("records.csv"))).unwrap();
    assert_eq!(text.lines().next(), Some(HEADER));
    let records = csv_rows(&dir.join("records.csv"));
    let truth = csv_rows(&dir.join("truth.csv"));
    assert_eq!(truth[0], ["record_id", "entity_id"]);
    assert!(records[1..].iter().all(|r| r.len() == 7));
    let ids: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "record ids are unique");
    let truth_map: HashMap<&str, &str> =
        truth[1..].iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(truth_map.len(), truth.len() - 1, "every record is in truth once");
    assert_eq!(truth_map.len(), ids.len());
    assert!(ids.iter().all(|id| truth_map.contains_key(id)));
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for e in truth_map.values() {
        *sizes.entry(e).or_default() += 1;
    }
    assert_eq!(sizes.len(), 4000, "every entity has its original");
    assert!(sizes.values().all(|&n| (1..=4).contains(&n)));
    let dup = sizes.values().filter(|&&n| n > 1).count() as f64 / 4000.0;
    assert!((0.31..0.39).contains(&dup), "share of duplicated entities {dup}");
    let stats: serde_json::Value =
        serde_json::from_slice(&read(&dir.join("gen_stats.json"))).unwrap();
    assert_eq!(stats["stats"]["records"], ids.len());
    assert_eq!(stats["config"]["seed"], 3);
    assert!(stats["stats"]["households"].as_u64().unwrap() > 0);
    assert_eq!(stats["stats"]["ids_reused"], 0);
}

#[test]
fn link_files_and_truth_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    gen_into(&dir, &["--shape", "link", "--entities", "6000", "--seed", "5"]);
    let reg = csv_rows(&dir.join("registry.csv"));
    let ag = csv_rows(&dir.join("agency.csv"));
    let truth = csv_rows(&dir.join("truth.csv"));
    assert_eq!(reg[0].join(","), HEADER);
    assert_eq!(ag[0].join(","), HEADER);
    assert_eq!(truth[0], ["record_id", "entity_id", "source"]);
    let t: HashMap<&str, (&str, &str)> =
        truth[1..].iter().map(|r| (r[0].as_str(), (r[1].as_str(), r[2].as_str()))).collect();
    assert_eq!(t.len(), reg.len() - 1 + ag.len() - 1, "ids unique across both files");
    let mut reg_entities = HashSet::new();
    for r in &reg[1..] {
        assert!(r[0].starts_with('R'));
        let (e, s) = t[r[0].as_str()];
        assert_eq!(s, "registry");
        assert!(reg_entities.insert(e), "a registry entity appears once");
    }
    let mut overlap = 0;
    for r in &ag[1..] {
        assert!(r[0].starts_with('A'));
        let (e, s) = t[r[0].as_str()];
        assert_eq!(s, "agency");
        overlap += usize::from(reg_entities.contains(e));
    }
    let n_ag = ag.len() - 1;
    let share = overlap as f64 / n_ag as f64;
    assert!((0.60..0.70).contains(&share), "overlap {share}");
    let ratio = n_ag as f64 / (reg.len() - 1) as f64;
    assert!((0.45..0.55).contains(&ratio), "agency/registry {ratio}");
}

#[test]
fn bad_flags_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let out = vnlink(&[
        "gen",
        "--shape",
        "dedupe",
        "--out",
        tmp.path().to_str().unwrap(),
        "--dup-rate",
        "1.5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dup_rate"));
    assert!(!tmp.path().join("records.csv").exists());
}

fn rows_and_people(cfg: &GenConfig) -> (Vec<SynthRow>, Vec<Person>) {
    let rows: Vec<SynthRow> = synth::dedupe_rows(cfg).unwrap().collect();
    let people: Vec<Person> = synth::people(cfg).unwrap().collect();
    (rows, people)
}

/// Canary words (`vn-encoding/canaries.csv`) whose legacy form cannot be genuine Unicode text.
fn canaries(vni: bool) -> Vec<String> {
    let letters: HashSet<char> = data_column("vn-encoding/vni_windows.csv", "unicode")
        .iter()
        .flat_map(|u| u.chars())
        .collect();
    let column = if vni { "vni_as_cp1252" } else { "tcvn3_as_cp1252" };
    data_column("vn-encoding/canaries.csv", column)
        .into_iter()
        .filter(|w| w.chars().any(|ch| !ch.is_ascii() && !letters.contains(&ch)))
        .collect()
}

/// One column of a reference table of `data/` (the tests read the files the crate embeds).
pub fn data_column(file: &str, column: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(file);
    let mut rdr = csv::Reader::from_path(&path).expect("a table of data/");
    let headers = rdr.headers().expect("a header").clone();
    let i = headers.iter().position(|h| h == column).expect("the column");
    rdr.records().map(|r| r.expect("a row")[i].to_owned()).collect()
}

fn national_phone(p: &str) -> String {
    let d: String = p.chars().filter(char::is_ascii_digit).collect();
    if let Some(rest) = d.strip_prefix("0084") {
        format!("0{rest}")
    } else if d.starts_with("84") && d.len() >= 11 {
        format!("0{}", &d[2..])
    } else if d.starts_with('0') {
        d
    } else {
        format!("0{d}")
    }
}

#[test]
fn corruption_rates_match_the_configuration_and_the_text() {
    let cfg = GenConfig { entities: 12_000, seed: 11, ..GenConfig::default() };
    let mut it = synth::dedupe_rows(&cfg).unwrap();
    let rows: Vec<SynthRow> = it.by_ref().collect();
    let stats = it.stats();
    assert_eq!(stats.records as usize, rows.len());

    // Every rate within 4.5 binomial standard deviations (plus a small slack).
    for &c in Corruption::ALL {
        let s = stats.corruption(c);
        for (count, rate) in [(s.noisy, s.rate), (s.clean, s.rate * cfg.original_noise)] {
            if count.eligible < 100 {
                continue;
            }
            let n = count.eligible as f64;
            let tol = 4.5 * (rate * (1.0 - rate) / n).sqrt() + 0.003;
            assert!(
                (count.rate() - rate).abs() <= tol,
                "{}: observed {:.4} over {} eligible, configured {rate:.4}",
                c.name(),
                count.rate(),
                count.eligible
            );
        }
        assert!(s.noisy.eligible > 0, "{} never eligible", c.name());
    }
    // The rows carry the same counts as the statistics.
    for &c in Corruption::ALL {
        let applied = rows.iter().filter(|r| r.corruptions.contains(c)).count() as u64;
        let s = stats.corruption(c);
        assert_eq!(applied, s.noisy.applied + s.clean.applied, "{}", c.name());
    }

    // Independent checks on the text.
    let (tcvn3, vni) = (canaries(false), canaries(true));
    let hit = |r: &SynthRow, words: &[String]| {
        words.iter().any(|w| {
            r.record.full_name.contains(w.as_str()) || r.record.address.contains(w.as_str())
        })
    };
    let mut tcvn3_hits = 0;
    let mut vni_hits = 0;
    for r in &rows {
        let c = &r.corruptions;
        let rec = &r.record;
        let nfd = !is_nfc(&rec.full_name) || !is_nfc(&rec.address) || !is_nfc(&rec.sex);
        assert_eq!(nfd, c.contains(Corruption::Nfd), "NFD text iff the nfd corruption: {rec:?}");
        if !c.contains(Corruption::Tcvn3) && !c.contains(Corruption::Vni) {
            let upper = rec.full_name == rec.full_name.to_uppercase();
            assert_eq!(upper, c.contains(Corruption::Upper), "capitals iff upper: {rec:?}");
            assert!(!hit(r, &tcvn3) && !hit(r, &vni), "mojibake without the corruption: {rec:?}");
        }
        if !rec.phone.is_empty() {
            let old = national_phone(&rec.phone).len() == 11;
            assert_eq!(old, c.contains(Corruption::PhoneOldPrefix), "11-digit phone: {rec:?}");
        }
        tcvn3_hits += usize::from(c.contains(Corruption::Tcvn3) && hit(r, &tcvn3));
        vni_hits += usize::from(c.contains(Corruption::Vni) && hit(r, &vni));
    }
    let t = stats.corruption(Corruption::Tcvn3);
    let v = stats.corruption(Corruption::Vni);
    let (t_n, v_n) = (t.noisy.applied + t.clean.applied, v.noisy.applied + v.clean.applied);
    assert!(t_n >= 40 && v_n >= 40, "{t_n} {v_n}");
    assert!(tcvn3_hits as f64 >= 0.8 * t_n as f64, "TCVN3 canaries in {tcvn3_hits} of {t_n}");
    assert!(vni_hits as f64 >= 0.8 * v_n as f64, "VNI canaries in {vni_hits} of {v_n}");

    // Higher rates are honoured too.
    let mut cfg = GenConfig { entities: 3000, seed: 2, ..GenConfig::default() };
    cfg.rates.vni = 0.5;
    cfg.rates.upper = 0.0;
    let mut it = synth::dedupe_rows(&cfg).unwrap();
    let rows: Vec<SynthRow> = it.by_ref().collect();
    let s = it.stats();
    let vni = s.corruption(Corruption::Vni).noisy;
    assert!((vni.rate() - 0.5).abs() < 0.05, "vni at 0.5: {}", vni.rate());
    assert_eq!(s.corruption(Corruption::Upper).noisy.applied, 0);
    assert!(rows.iter().all(|r| !r.corruptions.contains(Corruption::Upper)));
}

#[test]
fn records_agree_with_the_ground_truth() {
    let cfg = GenConfig { entities: 6000, seed: 23, ..GenConfig::default() };
    let (rows, people) = rows_and_people(&cfg);
    assert_eq!(people.len(), 6000);
    let by_id: HashMap<u64, &Person> = people.iter().map(|p| (p.entity_id, p)).collect();
    let id_corruptions = [
        Corruption::IdMissing,
        Corruption::IdCmnd,
        Corruption::IdTypo,
        Corruption::IdLostZeros,
        Corruption::IdScientific,
    ];
    let name_corruptions = [
        Corruption::Taboo,
        Corruption::MiddleDrop,
        Corruption::MiddleAdd,
        Corruption::NameOrder,
        Corruption::Telex,
        Corruption::Typo,
        Corruption::Upper,
        Corruption::Diacritics,
        Corruption::ToneNew,
        Corruption::Nfd,
        Corruption::Tcvn3,
        Corruption::Vni,
    ];
    let mut checked = 0;
    for r in &rows {
        let p = by_id[&r.entity_id];
        // The CCCD itself agrees with the person's birth year and sex (VIETNAMESE.md §8).
        let c = p.cccd.as_bytes();
        let digit = c[3] - b'0';
        assert_eq!(digit % 2 == 1, p.sex == Sex::Female);
        let year = 1900 + 100 * u16::from(digit / 2) + p.cccd[4..6].parse::<u16>().unwrap();
        assert_eq!(year, p.dob.year);
        assert_eq!(p.cccd[1..3].parse::<u8>().unwrap(), p.birth_province);
        if !id_corruptions.iter().any(|&k| r.corruptions.contains(k)) {
            assert_eq!(r.record.id_number, p.cccd);
            checked += 1;
        }
        if r.corruptions.contains(Corruption::IdCmnd)
            && !r.corruptions.contains(Corruption::IdTypo)
            && !r.corruptions.contains(Corruption::IdLostZeros)
        {
            assert_eq!(Some(&r.record.id_number), p.cmnd.as_ref());
            assert_ne!(r.record.id_number, p.cccd);
        }
        if !name_corruptions.iter().any(|&k| r.corruptions.contains(k)) {
            assert_eq!(r.record.full_name, p.full_name());
        }
        if r.corruptions.is_empty() {
            let d = p.dob;
            assert_eq!(r.record.dob, format!("{:02}/{:02}/{}", d.day, d.month, d.year));
            assert_eq!(r.record.sex, if p.sex == Sex::Male { "Nam" } else { "Nữ" });
            assert_eq!(r.record.phone, p.phone.clone().unwrap_or_default());
        }
    }
    assert!(checked > 4000, "{checked}");
    // Clean originals are much cleaner than copies.
    let clean = rows.iter().filter(|r| r.profile == Profile::Clean);
    let noisy = rows.iter().filter(|r| r.profile == Profile::Noisy);
    let avg = |it: &mut dyn Iterator<Item = &SynthRow>| {
        let (mut n, mut k) = (0usize, 0usize);
        for r in it {
            n += 1;
            k += r.corruptions.iter().count();
        }
        k as f64 / n as f64
    };
    let (ca, na) = (avg(&mut clean.into_iter()), avg(&mut noisy.into_iter()));
    assert!(na > 3.0 * ca, "corruptions per record: clean {ca:.2}, noisy {na:.2}");
}

#[test]
fn hard_negative_groups_are_present() {
    let cfg = GenConfig {
        entities: 30_000,
        seed: 8,
        cluster_size: 300,
        twin_rate: 0.2,
        father_son_rate: 0.2,
        ..GenConfig::default()
    };
    let people: Vec<Person> = synth::people(&cfg).unwrap().collect();
    // Common-name clusters: ~30,000 × 3 % ÷ 300 = 3 clusters of ~300 namesakes born the same year.
    let mut clusters: BTreeMap<u32, Vec<&Person>> = BTreeMap::new();
    for p in &people {
        if let Group::Cluster { id } = p.group {
            clusters.entry(id).or_default().push(p);
        }
    }
    assert_eq!(clusters.len(), 3);
    for members in clusters.values() {
        assert!(members.len() > 200, "{}", members.len());
        let name = members[0].full_name();
        assert!(members.iter().all(|m| m.full_name() == name && m.dob.year == members[0].dob.year));
        let cccds: HashSet<&str> = members.iter().map(|m| m.cccd.as_str()).collect();
        assert_eq!(cccds.len(), members.len());
    }
    // Households, twins, father/son namesakes.
    let mut households: HashMap<u64, Vec<&Person>> = HashMap::new();
    for p in &people {
        if let Group::Household { id, .. } = p.group {
            households.entry(id).or_default().push(p);
        }
    }
    assert!(households.len() > 2000, "{}", households.len());
    let mut twins = 0;
    let mut namesakes = 0;
    for members in households.values() {
        assert!(members.iter().all(|m| m.address == members[0].address));
        let head = members
            .iter()
            .find(|m| matches!(m.group, Group::Household { role: HouseholdRole::Head, .. }))
            .unwrap();
        for m in members {
            if m.twin {
                twins += 1;
                let other = members.iter().find(|o| o.twin && o.entity_id != m.entity_id).unwrap();
                assert_eq!((m.dob, m.family), (other.dob, other.family));
                assert_ne!(m.given, other.given);
            }
            if m.namesake {
                namesakes += 1;
                assert_eq!(m.full_name(), head.full_name());
                assert_ne!(m.dob, head.dob);
            }
            if matches!(m.group, Group::Household { role: HouseholdRole::Spouse, .. }) {
                assert_ne!(m.family, head.family);
            }
        }
    }
    assert!(twins >= 40, "{twins} twins");
    assert!(namesakes >= 20, "{namesakes} namesakes");
}

#[test]
fn committed_sample_is_reproducible() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let readme = std::fs::read_to_string(sample.join("README.md")).unwrap();
    let line = readme.lines().find(|l| l.trim_start().starts_with("vnlink gen ")).unwrap();
    let args: Vec<&str> = line.split_whitespace().skip(2).collect();
    let out_pos = args.iter().position(|&a| a == "--out").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut args: Vec<&str> = args;
    let dir = tmp.path().join("sample");
    args[out_pos + 1] = dir.to_str().unwrap();
    let mut all = vec!["gen"];
    all.extend(&args[..]);
    let out = vnlink(&all);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["records.csv", "truth.csv"] {
        assert!(
            read(&dir.join(f)) == read(&sample.join(f)),
            "data/sample/{f} is not what `{line}` writes: regenerate it"
        );
    }
}

// Duplicate rates and clean registers. See: #11

/// Runs `vnlink gen` expecting exit status 2; returns stderr.
fn gen_fails(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["gen", "--out", dir.to_str().unwrap(), "--entities", "200"];
    all.extend_from_slice(args);
    let out = vnlink(&all);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "vnlink {all:?}: {err}");
    err
}

/// Entity id → number of records, over the truth rows of `source` (all when `None`).
fn records_per_entity(dir: &Path, source: Option<&str>) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for r in &csv_rows(&dir.join("truth.csv"))[1..] {
        if source.is_none_or(|s| r.get(2).map(String::as_str) == Some(s)) {
            *n.entry(r[1].clone()).or_default() += 1;
        }
    }
    n
}

#[test]
fn dup_rate_zero_and_clean_write_every_entity_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (zero, clean) = (tmp.path().join("zero"), tmp.path().join("clean"));
    let common = ["--shape", "dedupe", "--entities", "3000", "--seed", "9"];
    gen_into(&zero, &[&common[..], &["--dup-rate", "0"]].concat());
    gen_into(&clean, &[&common[..], &["--clean"]].concat());
    let n = records_per_entity(&zero, None);
    assert_eq!(n.len(), 3000);
    assert!(n.values().all(|&k| k == 1), "an entity has two records at --dup-rate 0");
    assert_eq!(csv_rows(&zero.join("records.csv")).len(), 3001);
    let stats: serde_json::Value =
        serde_json::from_slice(&read(&zero.join("gen_stats.json"))).unwrap();
    assert_eq!(stats["config"]["dup_rate"], 0.0);
    assert_eq!(stats["stats"]["entities_with_copies"], 0);
    assert_eq!(stats["stats"]["noisy_records"], 0);
    // --clean is --dup-rate 0, byte for byte.
    for f in ["records.csv", "truth.csv", "gen_stats.json"] {
        assert!(read(&zero.join(f)) == read(&clean.join(f)), "{f}: --clean ≠ --dup-rate 0");
    }
    // The largest rate is accepted and honoured.
    let half = tmp.path().join("half");
    gen_into(&half, &[&common[..], &["--dup-rate", "0.5"]].concat());
    let n = records_per_entity(&half, None);
    let share = n.values().filter(|&&k| k > 1).count() as f64 / 3000.0;
    assert!((0.46..0.54).contains(&share), "share of duplicated entities {share}");
}

#[test]
fn registry_dup_rate_duplicates_that_share_of_registry_people() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reg");
    let rate = 0.2;
    gen_into(
        &dir,
        &["--shape", "link", "--entities", "8000", "--seed", "4", "--registry-dup-rate", "0.2"],
    );
    let reg = csv_rows(&dir.join("registry.csv"));
    let truth = csv_rows(&dir.join("truth.csv"));
    let sources: HashMap<&str, &str> =
        truth[1..].iter().map(|r| (r[0].as_str(), r[2].as_str())).collect();
    assert_eq!(sources.len(), truth.len() - 1, "record ids unique across both files");
    assert!(reg[1..].iter().all(|r| r[0].starts_with('R') && sources[r[0].as_str()] == "registry"));
    let per = records_per_entity(&dir, Some("registry"));
    assert_eq!(per.values().sum::<usize>(), reg.len() - 1, "every registry row is in truth");
    let max = 1 + GenConfig::default().max_copies as usize;
    assert!(per.values().all(|&k| (1..=max).contains(&k)), "copies capped at --max-copies");
    let people = per.len() as f64;
    let dup = per.values().filter(|&&k| k > 1).count();
    let share = dup as f64 / people;
    let tol = 4.5 * (rate * (1.0 - rate) / people).sqrt();
    assert!((share - rate).abs() <= tol, "share of duplicated registry people {share}");
    // Same copy-count law as dedupe copies: 1 + geometric(½), capped at 3 (mean 1.75).
    let extra = per.values().map(|&k| k - 1).sum::<usize>() as f64 / dup as f64;
    assert!((1.6..1.9).contains(&extra), "extra copies per duplicated person {extra}");
    let stats: serde_json::Value =
        serde_json::from_slice(&read(&dir.join("gen_stats.json"))).unwrap();
    assert_eq!(stats["config"]["registry_dup_rate"], rate);
    assert_eq!(stats["stats"]["registry_entities_with_copies"], dup);
    assert_eq!(stats["stats"]["registry_records"], reg.len() - 1);
    // Agency rows are people, as before: the registry copies do not change their count.
    let base = tmp.path().join("base");
    gen_into(&base, &["--shape", "link", "--entities", "8000", "--seed", "4"]);
    assert_eq!(csv_rows(&dir.join("agency.csv")).len(), csv_rows(&base.join("agency.csv")).len());
    assert_eq!(records_per_entity(&base, Some("registry")).len(), per.len());
}

#[test]
fn registry_copies_leave_the_other_records_unchanged() {
    let key = |r: &SynthRow| {
        let rec = &r.record;
        let fields = [&rec.full_name, &rec.dob, &rec.sex, &rec.address, &rec.id_number, &rec.phone];
        (r.entity_id, r.source, r.copy, fields.map(String::clone))
    };
    let base = GenConfig { entities: 3000, seed: 12, ..GenConfig::default() };
    let dup = GenConfig { registry_dup_rate: 0.3, ..base.clone() };
    let before: HashSet<_> = synth::link_rows(&base).unwrap().map(|r| key(&r)).collect();
    let mut it = synth::link_rows(&dup).unwrap();
    let rows: Vec<SynthRow> = it.by_ref().collect();
    let copies: Vec<&SynthRow> = rows.iter().filter(|r| r.copy > 0).collect();
    assert!(
        copies.iter().all(|r| r.source == synth::Source::Registry && r.profile == Profile::Noisy)
    );
    let entities: HashSet<u64> = copies.iter().map(|r| r.entity_id).collect();
    assert_eq!(entities.len() as u64, it.stats().registry_entities_with_copies);
    let after: HashSet<_> = rows.iter().filter(|r| r.copy == 0).map(key).collect();
    assert_eq!(before, after, "the records without copies are rendered as at rate 0");
}

#[test]
fn clean_link_is_the_default_link() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("default"), tmp.path().join("clean"));
    let common = ["--shape", "link", "--entities", "2000", "--seed", "6"];
    gen_into(&a, &common);
    gen_into(&b, &[&common[..], &["--clean", "--registry-dup-rate", "0"]].concat());
    for f in ["registry.csv", "agency.csv", "truth.csv", "gen_stats.json"] {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f}: --clean changed the link shape");
    }
    assert!(records_per_entity(&b, Some("registry")).values().all(|&k| k == 1));
    let stats = String::from_utf8(read(&a.join("gen_stats.json"))).unwrap();
    assert!(!stats.contains("registry_dup_rate") && !stats.contains("registry_entities_with"));
}

#[test]
fn duplicate_flags_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    for (args, words) in [
        (&["--shape", "dedupe", "--dup-rate", "0.6"][..], &["dup_rate", "[0, 0.5]"][..]),
        (&["--shape", "dedupe", "--dup-rate", "-0.1"], &["dup_rate", "[0, 0.5]"]),
        (&["--shape", "link", "--registry-dup-rate", "0.51"], &["registry_dup_rate", "[0, 0.5]"]),
        (&["--shape", "dedupe", "--clean", "--dup-rate", "0.2"], &["--clean", "--dup-rate 0.2"]),
        (
            &["--shape", "link", "--clean", "--registry-dup-rate", "0.1"],
            &["--clean", "--registry-dup-rate 0.1"],
        ),
        (&["--shape", "link", "--clean", "--dup-rate", "0.3"], &["--clean", "--dup-rate 0.3"]),
        (&["--shape", "dedupe", "--registry-dup-rate", "0.1"], &["--registry-dup-rate", "link"]),
        (&["--shape", "link", "--dup-rate", "0.2"], &["--dup-rate", "dedupe"]),
    ] {
        let err = gen_fails(&dir, args);
        for w in words {
            assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
        }
        assert!(!dir.exists(), "{args:?} wrote output");
    }
    // A rate of 0 agrees with --clean; the help shows the library's defaults.
    gen_into(&dir, &["--shape", "dedupe", "--entities", "50", "--clean", "--dup-rate", "0"]);
    let help = String::from_utf8(vnlink(&["gen", "--help"]).stdout).unwrap();
    assert!(help.contains(&format!("[default: {}]", GenConfig::default().dup_rate)), "{help}");
    assert!(help.contains(&format!("[default: {}]", GenConfig::default().registry_dup_rate)));
    // The library checks the same ranges.
    let ok = |dup_rate, registry_dup_rate| {
        GenConfig { dup_rate, registry_dup_rate, ..GenConfig::default() }.validate().is_ok()
    };
    assert!(ok(0.0, 0.0) && ok(0.5, 0.5));
    assert!(!ok(0.51, 0.0) && !ok(0.0, 0.51) && !ok(-0.01, 0.0) && !ok(0.0, f64::NAN));
}

#[test]
fn duplicate_rates_do_not_depend_on_threads() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, args) in [
        ("link", &["--shape", "link", "--registry-dup-rate", "0.4"][..]),
        ("split", &["--shape", "link", "--registry-dup-rate", "0.25", "--columns", "split"]),
        ("en", &["--shape", "link", "--registry-dup-rate", "0.25", "--locale", "en"]),
        ("clean", &["--shape", "dedupe", "--clean"]),
    ] {
        let common = [args, &["--entities", "2500", "--seed", "21"]].concat();
        let (a, b) = (tmp.path().join(format!("{name}1")), tmp.path().join(format!("{name}4")));
        gen_into(&a, &[&common[..], &["--threads", "1"]].concat());
        gen_into(&b, &[&common[..], &["--threads", "4"]].concat());
        for f in std::fs::read_dir(&a).unwrap() {
            let f = f.unwrap().file_name();
            assert!(read(&a.join(&f)) == read(&b.join(&f)), "{name}/{f:?}: 1 and 4 threads differ");
        }
    }
}

/// `synth::GenOptions`, the library side of `vnlink gen`: the same files as the CLI for the same
/// request, and the CLI's contradictions as `Error::Config`.
#[test]
fn gen_options_give_the_cli_files() {
    use synth::{Duplicates, GenOptions, Shape};
    let tmp = tempfile::tempdir().unwrap();
    let (cli, lib) = (tmp.path().join("cli"), tmp.path().join("lib"));
    gen_into(
        &cli,
        &["--shape", "link", "--entities", "1500", "--seed", "4", "--registry-dup-rate", "0.2"],
    );
    let opts = GenOptions {
        config: GenConfig { entities: 1500, seed: 4, ..GenConfig::default() },
        shape: Shape::Link,
        duplicates: Duplicates { registry_dup_rate: Some(0.2), ..Duplicates::default() },
    };
    let cfg = opts.config().unwrap();
    assert!((cfg.registry_dup_rate - 0.2).abs() < 1e-12);
    let summary = synth::generate(&cfg, opts.shape, &lib).unwrap();
    assert_eq!(summary.files.len(), 4);
    for f in ["registry.csv", "agency.csv", "truth.csv", "gen_stats.json"] {
        assert!(read(&cli.join(f)) == read(&lib.join(f)), "{f}: library ≠ CLI");
    }

    let clean = |dup_rate| GenOptions {
        shape: Shape::Dedupe,
        duplicates: Duplicates { dup_rate, clean: true, ..Duplicates::default() },
        ..opts.clone()
    };
    assert!(clean(None).config().unwrap().dup_rate.abs() < f64::EPSILON);
    let err = clean(Some(0.2)).config().unwrap_err();
    assert!(matches!(err, vnlink::Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("--clean and --dup-rate 0.2"), "{err}");
}
