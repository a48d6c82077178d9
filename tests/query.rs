//! Single-record lookups: the library's `Matcher::query` (top-k, explanations, thread safety)
//! and `vnlink query` (flags and JSON lines).

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use vnlink::dataset::{BuildOptions, Record, build_records};
use vnlink::pipeline::{Matcher, MatcherBuilder};

use crate::util::{rows, s, sample, vnlink_ok};

/// The sample as records, and its truth (record id → entity).
fn sample_records() -> (Vec<Record>, HashMap<String, String>) {
    let (records, truth) = sample();
    let recs = rows(&records)
        .into_iter()
        .map(|r| Record {
            record_id: r[0].clone(),
            full_name: r[1].clone(),
            dob: r[2].clone(),
            sex: r[3].clone(),
            address: r[4].clone(),
            id_number: r[5].clone(),
            phone: r[6].clone(),
            extras: Vec::new(),
            ..Record::default()
        })
        .collect();
    let truth = rows(&truth).into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    (recs, truth)
}

#[test]
fn a_duplicate_finds_its_original_first() {
    let (records, truth) = sample_records();
    let store = build_records(&records, &BuildOptions::default()).unwrap();
    let matcher = MatcherBuilder::new().build().unwrap();
    // Query every record that has a duplicate, with its own fields but without its id: the
    // best other candidate must be of the same entity in nearly every case.
    let (mut asked, mut top1, mut top5) = (0u32, 0u32, 0u32);
    for r in &records {
        let entity = &truth[&r.record_id];
        let others = truth.values().filter(|e| *e == entity).count() - 1;
        if others == 0 {
            continue;
        }
        asked += 1;
        let found = matcher.query(&store, r, 6).unwrap();
        let ranked: Vec<&str> =
            found.iter().map(|c| c.record_id.as_str()).filter(|id| *id != r.record_id).collect();
        top1 += u32::from(ranked.first().is_some_and(|id| truth[*id] == *entity));
        top5 += u32::from(ranked.iter().take(5).any(|id| truth[*id] == *entity));
        // Candidates are best first, each with its explanation.
        assert!(found.windows(2).all(|w| w[0].match_weight >= w[1].match_weight));
        for c in &found {
            let e = &c.explanation;
            assert_eq!(e.fields.len(), 6);
            assert!((e.match_weight - c.match_weight).abs() < 1e-9);
        }
    }
    assert!(asked > 500, "{asked}");
    let (r1, r5) = (f64::from(top1) / f64::from(asked), f64::from(top5) / f64::from(asked));
    assert!(r1 > 0.97 && r5 > 0.98, "recall@1 {r1}, recall@5 {r5}");
}

#[test]
fn one_store_and_one_matcher_serve_many_threads() {
    let (records, _) = sample_records();
    let store = build_records(&records, &BuildOptions::default()).unwrap();
    let matcher = Matcher::new();
    let expected: Vec<_> =
        records.iter().take(64).map(|r| matcher.query(&store, r, 3).unwrap()).collect();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (store, matcher, records, expected) = (&store, &matcher, &records, &expected);
            scope.spawn(move || {
                for (i, r) in records.iter().take(64).enumerate().skip(t) {
                    assert_eq!(&matcher.query(store, r, 3).unwrap(), &expected[i]);
                }
            });
        }
    });
    assert!(matcher.query(&store, &records[0], 0).unwrap().is_empty());
}

#[test]
fn the_cli_answers_flags_and_json_lines_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (records, _) = sample();
    let store = dir.path().join("s.vnl");
    vnlink_ok(&["build", s(&records), "-o", s(&store), "-q"], 0);
    let first = &rows(&records)[0];
    let one: serde_json::Value = serde_json::from_str(&vnlink_ok(
        &[
            "query",
            s(&store),
            "--name",
            &first[1],
            "--dob",
            &first[2],
            "--id",
            &first[5],
            "-k",
            "1",
        ],
        0,
    ))
    .unwrap();
    let c = &one["candidates"][0];
    assert_eq!(c["record_id"], first[0].as_str());
    for key in ["match_probability", "match_weight", "explanation"] {
        assert!(!c[key].is_null(), "{key}");
    }

    let mut child = Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(["query", s(&store), "--jsonl", "-k", "2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: Vec<String> = rows(&records)
        .iter()
        .take(50)
        .map(|r| serde_json::json!({"full_name": r[1], "dob": r[2], "phone": r[6]}).to_string())
        .collect();
    {
        let mut stdin = child.stdin.take().unwrap();
        for l in &lines {
            writeln!(stdin, "{l}").unwrap();
        }
        writeln!(stdin, "not json").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a bad line is reported in the exit status");
    let answers: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), 51);
    // Answer i is about record i: its best candidate is that record or one of its duplicates.
    let (_, truth) = sample_records();
    for (i, a) in answers.iter().take(50).enumerate() {
        let best = a["candidates"][0]["record_id"].as_str().unwrap();
        let asked = &rows(&records)[i][0];
        assert_eq!(truth[best], truth[asked], "answer {i} is in input order");
    }
    assert!(answers[50]["error"].as_str().unwrap().contains("line 51"));
}

#[test]
fn a_lookup_takes_the_name_and_address_in_parts() {
    // A store built from records written in parts (as forms split them), and a query in parts:
    // each part is taken as labelled, so "Barbara" is a given name in either order.
    let people = [
        // Same birth date, the names swapped: only the parts' labels tell them apart (the
        // swapped one comes first, so a tie would pick it).
        ("Barbara", "", "Collins", "1961-04-02", "5", "Low Road", "Carlton"),
        ("Collins", "", "Barbara", "1961-04-02", "12", "High Street", "Fitzroy"),
        (
            "Nguyễn",
            "Văn",
            "An",
            "1980-03-05",
            "7",
            "Lê Lợi",
            "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",
        ),
        ("Smith", "J", "Ann", "1975-07-01", "9", "King Street", "Newtown"),
    ];
    let records: Vec<Record> = people
        .iter()
        .enumerate()
        .map(|(i, &(family, middle, given, dob, house, street, ward))| Record {
            record_id: format!("p{i}"),
            dob: dob.into(),
            name_parts: [family.into(), middle.into(), given.into()],
            address_parts: [house.into(), street.into(), ward.into(), String::new(), String::new()],
            ..Record::default()
        })
        .collect();
    let store = build_records(&records, &BuildOptions::default()).unwrap();
    // The stored name is the parts joined, in family-middle-given order.
    assert_eq!(store.record_id(0).unwrap(), "p0");
    let matcher = MatcherBuilder::new().build().unwrap();
    let extras = vnlink::dataset::View::new(&store).unwrap().extras().to_vec();
    let q = Record::from_json(
        r#"{"given_name": "Barbara", "family_name": "Collins", "dob": "02/04/1961",
            "province": ""}"#,
        &extras,
    )
    .unwrap();
    assert_eq!(q.name_parts, ["Collins".to_owned(), String::new(), "Barbara".to_owned()]);
    let c = matcher.query(&store, &q, 2).unwrap();
    assert_eq!(c.first().map(|c| c.record_id.as_str()), Some("p1"), "{c:?}");
    assert!(c.len() < 2 || c[0].match_weight > c[1].match_weight, "{c:?}");
    // The address in parts is read too: house, street and ward find the record without a name.
    let q = Record::from_json(
        r#"{"house_number": "7", "street": "Le Loi", "ward": "P. Ben Nghe", "district": "Q.1",
            "province": "Hồ Chí Minh"}"#,
        &extras,
    )
    .unwrap();
    assert_eq!(q.address_parts[..2], ["7".to_owned(), "Le Loi".to_owned()]);
    let c = matcher.query(&store, &q, 2).unwrap();
    assert_eq!(c.first().map(|c| c.record_id.as_str()), Some("p2"), "{c:?}");
    // An unknown key still names the known ones, parts included.
    let e = Record::from_json(r#"{"given": "Barbara"}"#, &extras).unwrap_err().to_string();
    assert!(e.contains("unknown key `given`") && e.contains("given_name"), "{e}");
}

/// Lookups read the store's extra fields (issue 14): an English store is searched by its ssn or
/// e-mail alone, and by name parts, the way `--jsonl` records give them.
#[test]
fn lookups_use_the_stores_extra_fields() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "record_id,first_name,last_name,dob,email,ssn\n\
         1,Barbara,Collins,1961-11-12,bcollins31@gmail.com,525-56-8564\n\
         2,Emily,Allen,1977-12-24,emilya19@gmail.com,098-82-6744\n\
         3,Jacqueline,Collins,1970-11-17,jcollins@gmail.com,625-81-1001\n",
    )
    .unwrap();
    let store = dir.path().join("people.vnl");
    crate::util::vnlink_ok(&["build", crate::util::s(&csv), "-o", crate::util::s(&store), "-q"], 0);
    let top = |flags: &[&str]| -> String {
        let mut args = vec!["query", crate::util::s(&store), "-k", "1"];
        args.extend_from_slice(flags);
        let v: serde_json::Value = serde_json::from_str(&crate::util::vnlink_ok(&args, 0)).unwrap();
        v["candidates"][0]["record_id"].as_str().unwrap_or("none").to_owned()
    };
    assert_eq!(top(&["--field", "ssn=525568564"]), "1");
    assert_eq!(top(&["--field", "email=emilya19@gmail.com"]), "2");
    assert_eq!(
        top(&[
            "--field",
            "given_name=Jacqueline",
            "--field",
            "family_name=Collins",
            "--dob",
            "1970-11-17"
        ]),
        "3"
    );
    let out = crate::util::vnlink(&["query", crate::util::s(&store), "--field", "bogus=1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown key `bogus`"));
}

/// A store built from a census-style file (`First M Last`, US dates) reads lookups the same way:
/// `--name "Danielle M Herrick" --dob 06/28/1971` is the stored Danielle, family name Herrick.
#[test]
fn lookups_read_names_and_dates_as_the_store_was_built() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("census.csv");
    let givens = ["John", "Mary", "Robert", "Linda", "James", "Patricia", "Michael", "Barbara"];
    let families = ["Kofron", "Alvarez", "Whitten", "Latta", "Savino", "Halim", "Herrick"];
    let mut text = String::from("record_id,full_name,dob\n");
    for i in 0..56usize {
        let _ = writeln!(
            text,
            "r{i},{} {} {},{:02}/{:02}/19{}",
            givens[i % 8],
            char::from(b'A' + (i % 26) as u8),
            families[i % 7],
            1 + i % 12,
            13 + i % 15,
            50 + i % 40
        );
    }
    text.push_str("dh,Danielle M Herrick,06/28/1971\n");
    std::fs::write(&csv, text).unwrap();
    let schema = crate::util::vnlink_ok(&["schema", crate::util::s(&csv)], 0);
    assert!(schema.contains("given_first = true") && schema.contains("month_first = true"));
    let store = dir.path().join("census.vnl");
    crate::util::vnlink_ok(&["build", crate::util::s(&csv), "-o", crate::util::s(&store), "-q"], 0);
    let v: serde_json::Value = serde_json::from_str(&crate::util::vnlink_ok(
        &[
            "query",
            crate::util::s(&store),
            "-k",
            "1",
            "--name",
            "Danielle M Herrick",
            "--dob",
            "06/28/1971",
        ],
        0,
    ))
    .unwrap();
    let top = &v["candidates"][0];
    assert_eq!(top["record_id"], "dh", "{v:#}");
    // Read as the store reads names, the query's name is the stored one exactly (read family
    // first it would be the same words in another order).
    let fields = top["explanation"]["fields"].as_array().unwrap();
    let label = |f: &str| fields.iter().find(|x| x["field"] == f).map(|x| x["label"].clone());
    assert_eq!(label("name"), Some("exact".into()), "{v:#}");
    assert_eq!(label("dob"), Some("exact".into()), "{v:#}");
}
