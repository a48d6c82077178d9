//! Fits the reference model (`data/model/reference.json`) with known truth: m and u of every
//! comparison level are *counted* on a generated population whose entities are known (not
//! estimated by EM), for the six fixed fields on Vietnamese records and for the extra field
//! kinds on English-language records; numeric fields, which no generated shape has, get levels
//! set by hand.
//!
//! ```text
//! cargo run --release --example fit_reference -- data/model/reference.json
//! cargo run --release --example fit_reference -- /tmp/reference.json 20000   # a quick run
//! ```
//!
//! The output is deterministic for a given number of entities (default 300,000).

use std::collections::BTreeMap;
use std::path::Path;

use vnlink::dataset::{self, BuildOptions, View};
use vnlink::eval::Truth;
use vnlink::ingest::IngestOptions;
use vnlink::model::Level;
use vnlink::model::reference::Reference;
use vnlink::pipeline::matcher::Supervision;
use vnlink::pipeline::{MatcherBuilder, TrainOptions};
use vnlink::store::Store;
use vnlink::synth::{GenConfig, Locale, Shape, generate};

/// The version written; bump it when the generator, the levels or this procedure change.
const VERSION: &str = "vn-person-2";
/// The seed of the fitted populations.
const SEED: u64 = 20_261_206;
/// Share of entities written two or more times (many pairs of each kind of noise).
const DUP_RATE: f64 = 0.5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: fit_reference OUT.json [ENTITIES]");
        std::process::exit(2);
    };
    let entities: u64 = args.get(1).map_or(Ok(300_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let opts = TrainOptions { prior_strength: 0.0, u_pairs: 5_000_000, ..TrainOptions::default() };

    // Vietnamese people: the six fixed fields.
    let cfg = GenConfig { entities, seed: SEED, dup_rate: DUP_RATE, ..GenConfig::default() };
    let vi = dir.path().join("vi");
    generate(&cfg, Shape::Dedupe, &vi)?;
    let store = build(&vi, &BuildOptions::default())?;
    let (vi_model, vi_report) = fit(&store, &vi, &opts)?;
    eprintln!("vi: {} records, {} matching pairs", vi_report.records, vi_report.estimated_matches);

    // English-language people: e-mail, postcode, code (SSN) and text (the address) by kind.
    let cfg = GenConfig { locale: Locale::En, ..cfg };
    let en = dir.path().join("en");
    generate(&cfg, Shape::Dedupe, &en)?;
    let mut inferred =
        vnlink::dataset::infer::infer(en.join("records.csv"), &IngestOptions::default())?;
    for c in &mut inferred.columns {
        c.compare = true; // the postcode is for blocking only in matching; fit its levels too
    }
    let ingest =
        IngestOptions { config_columns: Some(inferred.columns), ..IngestOptions::default() };
    let store_en = build(&en, &BuildOptions { ingest, ..BuildOptions::default() })?;
    let (en_model, en_report) = fit(&store_en, &en, &opts)?;
    eprintln!("en: {} records, {} matching pairs", en_report.records, en_report.estimated_matches);
    let view = View::new(&store_en)?;
    let mut extra_kinds: BTreeMap<String, Vec<Level>> = BTreeMap::new();
    for (j, e) in view.extras().iter().enumerate() {
        if let Some(f) = en_model.fields.get(vnlink::compare::FIELDS + j) {
            // English addresses do not resolve to wards: no u by place for these kinds.
            let levels = f
                .levels
                .iter()
                .map(|l| Level { u_same_house: None, u_same_ward: None, ..l.clone() })
                .collect();
            extra_kinds.entry(e.kind.as_str().to_owned()).or_insert(levels);
        }
    }
    // Numeric fields (height, weight…): no generated shape has them; levels set by hand.
    let numeric = [("exact", 0.85, 0.02), ("within_1_percent", 0.08, 0.03)];
    let numeric_rest = [("within_10_percent", 0.05, 0.20), ("different", 0.02, 0.75)];
    extra_kinds.insert(
        "numeric".into(),
        numeric
            .iter()
            .chain(&numeric_rest)
            .map(|&(label, m, u)| Level {
                label: label.into(),
                m,
                u,
                tf_adjust: false,
                u_same_house: None,
                u_same_ward: None,
            })
            .collect(),
    );

    let reference = Reference {
        version: VERSION.into(),
        fitted: serde_json::json!({
            "procedure": "examples/fit_reference.rs: m and u counted with known truth (no EM)",
            "generator": "vnlink gen, dedupe shape, default corruption rates",
            "entities": entities,
            "seed": SEED,
            "dup_rate": DUP_RATE,
            "vietnamese_records": vi_report.records,
            "vietnamese_matching_pairs": vi_report.estimated_matches,
            "english_records": en_report.records,
            "english_matching_pairs": en_report.estimated_matches,
            "u_random_pairs": opts.u_pairs,
            "numeric": "set by hand (no generated data has numeric fields)",
        }),
        model: vnlink::model::Model {
            training: serde_json::json!({ "method": "truth", "reference": VERSION }),
            fields: vi_model.fields[..vnlink::compare::FIELDS].to_vec(),
            ..vi_model
        },
        extra_kinds,
    };
    let mut text = reference.to_json();
    text.push('\n');
    std::fs::write(out, text)?;
    eprintln!("wrote {out}");
    Ok(())
}

fn build(dir: &Path, opts: &BuildOptions) -> Result<Store, Box<dyn std::error::Error>> {
    let path = dir.join("store.vnl");
    dataset::build_csv(dir.join("records.csv"), &path, opts, |_| {})?;
    Ok(Store::open(&path)?)
}

fn fit(
    store: &Store,
    dir: &Path,
    opts: &TrainOptions,
) -> Result<(vnlink::Model, vnlink::model::train::TrainReport), Box<dyn std::error::Error>> {
    let truth = Truth::read(dir.join("truth.csv"))?;
    let matcher = MatcherBuilder::new().train_options(opts.clone()).build()?;
    let (model, report) = matcher.fit(store, None, &Supervision::Truth(&truth))?;
    Ok((model, report.ok_or("no training report")?))
}
