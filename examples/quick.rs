use rayon::prelude::*;
use std::time::Instant;
use vnlink::block::Blocking;
use vnlink::compare::{Features, Records};
use vnlink::ingest::{CsvSource, IngestOptions};
use vnlink::pipeline::prepare::{Encodings, Prepared, Preparer, RawFields};
use vnlink::pipeline::{Scorer, TrainOptions, train};
use vnlink::schema::FieldKind;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let input = &args[1];
    let truth = &args[2];
    let thr: f64 = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(0.95);
    let t0 = Instant::now();
    let mut src = CsvSource::open(input, &IngestOptions::default()).unwrap();
    let mut rows = Vec::new();
    src.read_chunk(&mut rows, usize::MAX).unwrap();
    let raws: Vec<RawFields> = rows
        .iter()
        .map(|r| {
            let g = |k| r.get(k).unwrap_or("");
            RawFields {
                name: g(FieldKind::Name),
                dob: g(FieldKind::Dob),
                sex: g(FieldKind::Sex),
                address: g(FieldKind::Address),
                id_number: g(FieldKind::NationalId),
                phone: g(FieldKind::Phone),
            }
        })
        .collect();
    let enc = Encodings::detect(
        raws.iter().take(65536).map(|r| r.name),
        raws.iter().take(65536).map(|r| r.address),
    );
    let t1 = Instant::now();
    let prepared: Vec<Prepared> = raws
        .par_iter()
        .map_init(Preparer::new, |p, r| {
            let mut o = Prepared::default();
            p.prepare(r, &enc, &mut o);
            o
        })
        .collect();
    let t2 = Instant::now();
    let recs: (Vec<Features>, Vec<String>) = (
        prepared.iter().map(|p| p.features).collect(),
        prepared.iter().map(|p| p.name_ascii.clone()).collect(),
    );
    let model = train(&recs, None, &TrainOptions::default());
    let t3 = Instant::now();
    println!("{}", serde_json::to_string_pretty(&model).unwrap());
    let thr_w = vnlink::model::weight_of_probability(thr);
    let scorer = Scorer::new(model, &recs, thr_w);
    let out = scorer.score_all(&recs, &Blocking::default(), None);
    let t4 = Instant::now();
    for r in &out.rules {
        println!("{:?}", r);
    }
    let mut edges: Vec<vnlink::cluster::Edge> = out
        .pairs
        .iter()
        .map(|p| vnlink::cluster::Edge { a: p.a, b: p.b, weight: p.weight })
        .collect();
    let feats = &recs.0;
    let cl = vnlink::cluster::cluster(
        recs.len(),
        &mut edges,
        |i| {
            let v = feats[i as usize].national_id;
            if v >> 60 == 1 { v } else { 0 }
        },
        |_, _| true,
    );
    let t5 = Instant::now();
    let t = vnlink::eval::Truth::read(truth).unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r.record_id().to_owned()).collect();
    let pred = vnlink::eval::Prediction::Clusters(
        ids.iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), ids[cl.labels[i] as usize].clone()))
            .collect(),
    );
    let s = vnlink::eval::score(&t, &pred).unwrap();
    println!("{}", serde_json::to_string(&s).unwrap());
    println!(
        "records {} compared {} kept {} | read {:?} prep {:?} train {:?} score {:?} cluster {:?}",
        recs.len(),
        out.compared,
        out.pairs.len(),
        t1 - t0,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        t5 - t4
    );
}
