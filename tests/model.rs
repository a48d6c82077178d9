//! The model on the shapes that once broke it (issue 11): clean registers, few duplicates,
//! lookups against a register, EM from a bad start, supervised training, monotone weights.

use std::collections::HashMap;

use proptest::prelude::*;
use vnlink::compare;
use vnlink::dataset::{BuildOptions, Record, View, build_records};
use vnlink::model::train::{self, TrainOptions};
use vnlink::model::{Model, is_monotone};
use vnlink::pipeline::local::Local;
use vnlink::pipeline::{Matcher, MatcherBuilder, Supervision};
use vnlink::store::Store;
use vnlink::synth::{GenConfig, dedupe_rows, link_rows};

use crate::util::{s, vnlink, vnlink_ok};

/// Fewer random pairs than the default: the tests run unoptimised.
fn quick() -> TrainOptions {
    TrainOptions { u_pairs: 200_000, ..TrainOptions::default() }
}

/// A generated register: records and the entity of each.
fn register(entities: u64, dup_rate: f64, seed: u64) -> (Vec<Record>, Vec<u64>) {
    let cfg = GenConfig { entities, seed, dup_rate, ..GenConfig::default() };
    dedupe_rows(&cfg).unwrap().map(|r| (r.record, r.entity_id)).unzip()
}

fn store_of(records: &[Record]) -> Store {
    build_records(records, &BuildOptions::default()).unwrap()
}

/// Every field of `model` respects its level order.
fn assert_monotone(model: &Model) {
    for (f, field) in model.fields.iter().enumerate() {
        let m: Vec<f64> = field.levels.iter().map(|l| l.m).collect();
        let u: Vec<f64> = field.levels.iter().map(|l| l.u).collect();
        let order = compare::level_order(f, m.len());
        assert!(is_monotone(&m, &u, &order, 1e-6), "field {} not monotone: {field:?}", field.name);
    }
}

#[test]
fn a_clean_register_trains_nothing_and_dedupes_to_almost_nothing() {
    let (records, _) = register(4000, 0.0, 11);
    let store = store_of(&records);
    let matcher = MatcherBuilder::new().train_options(quick()).build().unwrap();
    let d = matcher.dedupe(&store).unwrap();
    let t = d.training.as_ref().expect("trained");
    // Households and namesakes are no duplicates: training sees (about) none, keeps the
    // reference m, and says so.
    assert_eq!(t.method, "reference", "{t:?}");
    assert!(t.estimated_matches < 20.0, "{t:?}");
    assert!(t.warnings.iter().any(|w| w.contains("reference")), "{t:?}");
    assert!(d.model.prior < 1e-6, "prior {}", d.model.prior);
    // At most 0.05 % of the records in (false) pairs.
    let mut in_pairs: Vec<u32> = d.pairs.iter().flat_map(|p| [p.left, p.right]).collect();
    in_pairs.sort_unstable();
    in_pairs.dedup();
    assert!(in_pairs.len() * 2000 <= records.len(), "{} records in false pairs", in_pairs.len());
    assert_monotone(&d.model);
}

#[test]
fn em_from_a_bad_start_on_a_clean_register_ends_at_the_reference_model() {
    let (records, _) = register(3000, 0.0, 12);
    let store = store_of(&records);
    let view = View::new(&store).unwrap();
    let local = Local::new(&view, None);
    let reference = train::reference_model(&local);
    // An inverted start: every field's weakest level made the likeliest among matches.
    let mut bad = reference.clone();
    for f in &mut bad.fields {
        let n = f.levels.len();
        for (i, l) in f.levels.iter_mut().enumerate() {
            l.m = if i + 1 == n { 0.9 } else { 0.1 / (n - 1) as f64 };
        }
    }
    let (model, report) = train::train_from(&local, None, &quick(), &bad);
    assert_eq!(report.method, "reference", "{report:?}");
    assert!(!report.warnings.is_empty());
    // m is the reference's, projected onto the level orders under this data's u.
    for (f, (trained, want)) in model.fields.iter().zip(&reference.fields).enumerate() {
        let u: Vec<f64> = trained.levels.iter().map(|l| l.u).collect();
        let mut m: Vec<f64> = want.levels.iter().map(|l| l.m).collect();
        let order = compare::level_order(f, m.len());
        vnlink::model::monotone(&mut m, &u, &order);
        for (a, b) in trained.levels.iter().zip(m) {
            assert!((a.m - b).abs() < 1e-6, "{} {}: m {} vs {b}", trained.name, a.label, a.m);
        }
    }
    assert_monotone(&model);
    // An exact national id and an exact name are strong evidence, whatever the start.
    assert!(model.fields[compare::ID].levels[0].weight() > 5.0);
    assert!(model.fields[compare::NAME].levels[0].weight() > 5.0);
}

#[test]
fn few_duplicates_are_found_with_precision() {
    let (records, entity) = register(4000, 0.03, 13);
    let store = store_of(&records);
    let d = MatcherBuilder::new().train_options(quick()).build().unwrap().dedupe(&store).unwrap();
    let t = d.training.as_ref().unwrap();
    // Pairs of records of one entity, as the truth has them.
    let mut by_entity: HashMap<u64, u32> = HashMap::new();
    for e in &entity {
        *by_entity.entry(*e).or_default() += 1;
    }
    let true_pairs: u32 = by_entity.values().map(|&k| k * (k - 1) / 2).sum();
    // Pairs of records of one cluster (pairs.csv lists exact copies against their group's first
    // record only; the clusters hold every pair).
    let mut by_cluster: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &c) in d.labels.iter().enumerate() {
        by_cluster.entry(c).or_default().push(i);
    }
    let (mut predicted, mut tp) = (0usize, 0usize);
    for members in by_cluster.values() {
        for (k, &a) in members.iter().enumerate() {
            for &b in &members[k + 1..] {
                predicted += 1;
                tp += usize::from(entity[a] == entity[b]);
            }
        }
    }
    let (precision, recall) = (tp as f64 / predicted as f64, tp as f64 / f64::from(true_pairs));
    assert!(precision > 0.97 && recall > 0.95, "P {precision:.3} R {recall:.3} ({t:?})");
    // Training's estimate of the matches is of the right size.
    let est = t.estimated_matches / f64::from(true_pairs);
    assert!((0.5..2.0).contains(&est), "estimated {} for {true_pairs}", t.estimated_matches);
}

#[test]
fn lookups_do_not_depend_on_the_stores_duplicates() {
    // The same registry people, once without and once with a third of them written again.
    let base = GenConfig { entities: 3000, seed: 14, ..GenConfig::default() };
    let clean: Vec<_> = link_rows(&base).unwrap().collect();
    let dup_cfg = GenConfig { registry_dup_rate: 0.35, ..base.clone() };
    let dup: Vec<_> = link_rows(&dup_cfg).unwrap().collect();
    let registry = |rows: &[vnlink::synth::SynthRow]| -> (Vec<Record>, Vec<u64>) {
        rows.iter()
            .filter(|r| r.source == vnlink::synth::Source::Registry)
            .map(|r| (r.record.clone(), r.entity_id))
            .unzip()
    };
    let (a_recs, a_ent) = registry(&clean);
    let (b_recs, b_ent) = registry(&dup);
    assert!(b_recs.len() > a_recs.len() + 300, "{} vs {}", b_recs.len(), a_recs.len());
    let (a, b) = (store_of(&a_recs), store_of(&b_recs));
    let in_registry: std::collections::HashSet<u64> = a_ent.iter().copied().collect();
    let matcher = Matcher::new();
    let (mut asked, mut same, mut right) = (0u32, 0u32, 0u32);
    for q in clean.iter().filter(|r| r.source == vnlink::synth::Source::Agency) {
        if !in_registry.contains(&q.entity_id) {
            continue;
        }
        asked += 1;
        let top = |store: &Store, ent: &[u64]| {
            matcher.query(store, &q.record, 1).unwrap().first().map(|c| ent[c.record as usize])
        };
        let (x, y) = (top(&a, &a_ent), top(&b, &b_ent));
        same += u32::from(x == y);
        right += u32::from(x == Some(q.entity_id));
    }
    assert!(asked > 800, "{asked}");
    assert!(f64::from(right) >= 0.98 * f64::from(asked), "recall@1 {right}/{asked}");
    assert!(f64::from(same) >= 0.995 * f64::from(asked), "same person first {same}/{asked}");
}

#[test]
fn labels_recalibrate_the_em_model() {
    let (records, entity) = register(3000, 0.5, 15);
    let store = store_of(&records);
    let ids: Vec<String> = records.iter().map(|r| r.record_id.clone()).collect();
    let matcher = MatcherBuilder::new().train_options(quick()).build().unwrap();
    let (em, _) = matcher.fit(&store, None, &Supervision::None).unwrap();
    // A third of the true pairs labelled as matches, and neighbours as non-matches; a few
    // labels wrong, as a person's are.
    let mut first: HashMap<u64, usize> = HashMap::new();
    let mut labels = Vec::new();
    for (i, e) in entity.iter().enumerate() {
        match first.get(e) {
            Some(&j) if i % 3 == 0 => labels.push((ids[j].clone(), ids[i].clone(), i % 41 != 0)),
            Some(_) => {}
            None => {
                first.insert(*e, i);
                if i > 0 && i % 2 == 0 {
                    labels.push((ids[i - 1].clone(), ids[i].clone(), entity[i - 1] == *e));
                }
            }
        }
    }
    let matches = labels.iter().filter(|l| l.2).count();
    assert!(matches > 300, "{matches}");
    let (fitted, report) = matcher.fit(&store, None, &Supervision::Labels(&labels)).unwrap();
    let report = report.unwrap();
    assert_eq!(report.method, "em+labels");
    // EM's levels as they were; the labels only recalibrate the weight.
    assert_eq!(fitted.fields, em.fields);
    let c = fitted.calibration.expect("a calibration");
    assert_eq!(c.labelled_pairs, labels.len() as u64);
    assert!(c.slope > 0.05 && c.slope.is_finite() && c.intercept.is_finite(), "{c:?}");
    // Calibrated, the labelled matches score as matches and the non-matches do not.
    let calibrated = MatcherBuilder::new().model(fitted.clone()).build().unwrap();
    let idx = |id: &str| ids.iter().position(|x| x == id).unwrap() as u32;
    let (mut right, mut explained) = (0usize, 0.0f64);
    for (a, b, m) in &labels {
        let e = calibrated.explain(&store, idx(a), idx(b)).unwrap();
        right += usize::from((e.match_probability >= 0.5) == *m);
        explained += e.calibration.abs();
    }
    assert!(right as f64 >= 0.9 * labels.len() as f64, "{right} of {}", labels.len());
    assert!(explained > 0.0, "explanations show the calibration");
    assert_monotone(&fitted);
    // Labels of one kind only: EM's model, with a warning.
    let only: Vec<_> = labels.iter().filter(|l| l.2).cloned().collect();
    let (alone, report) = matcher.fit(&store, None, &Supervision::Labels(&only)).unwrap();
    assert!(alone.calibration.is_none());
    assert!(report.unwrap().warnings.iter().any(|w| w.contains("matches and non-matches")));
    // An id unknown to the input is an error naming it.
    let bad = vec![("no-such-id".to_owned(), ids[0].clone(), true)];
    let err = matcher.fit(&store, None, &Supervision::Labels(&bad)).unwrap_err().to_string();
    assert!(err.contains("no-such-id"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Whatever the share of duplicates, trained models never invert a field's levels.
    #[test]
    fn every_trained_model_is_monotone(dup_rate in 0.0f64..0.5, seed in 0u64..1000) {
        let (records, _) = register(600, dup_rate, seed);
        let store = store_of(&records);
        let view = View::new(&store).unwrap();
        let local = Local::new(&view, None);
        let (model, _) = train::train_report(&local, None, &quick());
        assert_monotone(&model);
    }
}

#[test]
fn cli_reference_save_and_lookups_with_threshold_fields_and_names_only() {
    let dir = tempfile::tempdir().unwrap();
    let reference = vnlink_ok(&["train", "--reference"], 0);
    let v: serde_json::Value = serde_json::from_str(&reference).unwrap();
    assert!(v["version"].as_str().unwrap().starts_with("vn-person-"), "{reference}");

    let (csv, _) = crate::util::sample();
    let store = dir.path().join("people.vnl");
    vnlink_ok(&["build", s(&csv), "-o", s(&store), "-q"], 0);
    let model = dir.path().join("model.json");
    vnlink_ok(&["train", s(&store), "--out", s(&model), "--save", "-q"], 0);
    let saved: Model = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    vnlink_ok(&["verify", s(&store)], 0);

    // The lookup uses the saved model (its level weights), marks matches and returns the
    // stored record's fields.
    let one = vnlink_ok(
        &[
            "query",
            s(&store),
            "--name",
            "Nguyễn Văn Dũng",
            "--dob",
            "12/09/1996",
            "--id",
            "040096434679",
        ],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let best = &v["candidates"][0];
    assert_eq!(best["is_match"], true, "{one}");
    assert_eq!(best["fields"]["id_number"], "040096434679", "{one}");
    let name_w = best["explanation"]["fields"][0]["weight"].as_f64().unwrap();
    assert!((name_w - saved.fields[0].levels[0].weight()).abs() < 1e-3, "{one}");

    // With a threshold no candidate reaches, --only-matches returns none.
    let none = vnlink_ok(
        &[
            "query",
            s(&store),
            "--name",
            "Nguyễn Văn Dũng",
            "--threshold",
            "0.999999999",
            "--only-matches",
        ],
        0,
    );
    assert_eq!(none.trim(), r#"{"candidates":[]}"#);

    // A name alone gets candidates; an unknown key is an error for its line only.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(["query", s(&store), "--jsonl", "-k", "3"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, r#"{{"full_name": "Nguyễn Văn Dũng"}}"#).unwrap();
        writeln!(stdin, r#"{{"full_name": "Nguyễn Văn Dũng", "birthday": "1996"}}"#).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert!(!first["candidates"].as_array().unwrap().is_empty(), "{text}");
    assert!(lines[1].contains("unknown key `birthday`"), "{text}");

    // --save needs a store.
    let o = vnlink(&["train", s(&csv), "--save", "-q", "--out", s(&model)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("build one first"));
}

#[test]
fn cli_dedupe_of_a_clean_register_warns_and_reports_the_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    vnlink_ok(
        &[
            "gen",
            "--shape",
            "dedupe",
            "--entities",
            "1500",
            "--seed",
            "16",
            "--clean",
            "--out",
            s(&data),
        ],
        0,
    );
    let out = dir.path().join("out");
    let o = vnlink(&["dedupe", s(&data.join("records.csv")), "--out", s(&out), "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: training could not learn m"));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["training"]["method"], "reference");
    assert!(report["training"]["estimated_matches"].as_f64().unwrap() < 10.0);
    // The model was saved into the store the dedupe built, for lookups.
    let store = Store::open(out.join("store.vnl")).unwrap();
    assert!(vnlink::model::saved::saved_model(&View::new(&store).unwrap()).unwrap().is_some());
}

/// A fixture of `tests/data/`.
fn fixture(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// `vnlink eval --json` of a dedupe of `dir/records.csv` against `dir/truth.csv`.
fn dedupe_scores(records: &std::path::Path, truth: &std::path::Path) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = vnlink(&["dedupe", s(records), "--out", s(&out), "-q"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stderr));
    crate::util::eval(truth, "--clusters", &out.join("clusters.csv"))
}

#[test]
fn files_written_by_hand_and_by_another_generator_dedupe_well() {
    // The commune clerk's list: twins, a father and son of one name and address, namesakes.
    let hand =
        dedupe_scores(&fixture("hand/clerk_dan_cu.csv"), &fixture("hand/clerk_dan_cu_truth.csv"));
    assert_eq!(hand["pairwise"]["precision"], 1.0, "{hand}");
    assert_eq!(hand["pairwise"]["recall"], 1.0, "{hand}");
    // benches/external/vnpop.py: 3 % duplicates; a clerk's headers and columns, 10 %.
    for (dir, least) in [("external/dedupe", 0.96), ("external/clerk", 0.96)] {
        let v = dedupe_scores(
            &fixture(&format!("{dir}/records.csv")),
            &fixture(&format!("{dir}/truth.csv")),
        );
        let f1 = v["pairwise"]["f1"].as_f64().unwrap();
        assert!(f1 >= least, "{dir}: {v}");
    }
}

#[test]
fn lookups_against_a_register_another_generator_wrote() {
    // A clean register of 3,000 people; 600 queries, half of them people it does not hold
    // (household members, twins, sons named after their father, namesakes).
    let dir = fixture("external/lookup");
    let truth: HashMap<String, (String, String)> = crate::util::rows(&dir.join("truth.csv"))
        .into_iter()
        .map(|r| (r[0].clone(), (r[1].clone(), r[2].clone())))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("r.vnl");
    vnlink_ok(&["build", s(&dir.join("registry.csv")), "-o", s(&store), "-q"], 0);
    let registry_source = &truth[&crate::util::rows(&dir.join("registry.csv"))[0][0]].1;
    let in_register: std::collections::HashSet<&str> =
        truth.values().filter(|(_, src)| src == registry_source).map(|(e, _)| e.as_str()).collect();
    let queries = crate::util::rows(&dir.join("queries.csv"));
    let header = crate::util::header(&dir.join("queries.csv"));
    let lines: Vec<String> = queries
        .iter()
        .map(|r| {
            let obj: serde_json::Map<String, serde_json::Value> = header
                .iter()
                .zip(r)
                .filter(|(h, _)| h.as_str() != "record_id")
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::Value::Object(obj).to_string()
        })
        .collect();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(["query", s(&store), "--jsonl", "-k", "10"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for l in &lines {
            writeln!(stdin, "{l}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let answers: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), queries.len());
    let (mut asked, mut first, mut strangers, mut false_matches) = (0, 0, 0, 0);
    for (q, a) in queries.iter().zip(&answers) {
        let entity = &truth[&q[0]].0;
        let top = &a["candidates"][0];
        let top_entity = top["record_id"].as_str().map(|id| &truth[id].0);
        if in_register.contains(entity.as_str()) {
            asked += 1;
            first += usize::from(top_entity == Some(entity));
        } else {
            strangers += 1;
            false_matches += usize::from(top["is_match"] == true);
        }
    }
    assert!(first * 100 >= asked * 98, "recall@1 {first}/{asked}");
    assert!(false_matches * 100 <= strangers * 8, "false matches {false_matches}/{strangers}");
    // Deduplicating the clean register finds (almost) nothing.
    let dd = tmp.path().join("dd");
    let o = vnlink(&["dedupe", s(&dir.join("registry.csv")), "--out", s(&dd), "-q"]);
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let pairs = crate::util::rows(&dd.join("pairs.csv"));
    assert!(pairs.len() * 1000 <= 3000 * 2, "{} false pairs in a clean register", pairs.len());
}
