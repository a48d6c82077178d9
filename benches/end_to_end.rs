//! End-to-end benches: building a store from records in memory and deduplicating it (about
//! 20,000 records; records per second, model training included), and single-record lookups
//! against a store of about 50,000 records (queries per second, one thread and all threads).
//!
//! Input: seeded `vnlink::synth` corpora, generated once. Every bench checks a result computed
//! during setup — the pairs and clusters found, the lookups whose best other candidate is of the
//! query's entity — so a bench that silently does nothing fails.

use std::collections::HashMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use vnlink::dataset::{BuildOptions, Record};
use vnlink::pipeline::{Matcher, MatcherBuilder};
use vnlink::store::Store;
use vnlink::synth::{GenConfig, dedupe_rows};

/// Entities of the dedupe corpus (about 20,000 records).
const DEDUPE_ENTITIES: u64 = 12_500;
/// Entities of the lookup store (about 50,000 records).
const LOOKUP_ENTITIES: u64 = 31_250;
/// Lookups per iteration.
const QUERIES: usize = 1_000;

/// The records of a seeded synthetic dedupe corpus, and each record's entity.
fn corpus(entities: u64, seed: u64) -> (Vec<Record>, Vec<u64>) {
    let cfg = GenConfig { entities, seed, ..GenConfig::default() };
    dedupe_rows(&cfg).expect("valid config").map(|row| (row.record, row.entity_id)).unzip()
}

/// Builds a store from the records and deduplicates it: (pairs above the threshold, clusters).
fn build_and_dedupe(records: &[Record]) -> (usize, u64) {
    let store = Store::from_records(records, &BuildOptions::default()).expect("build");
    let d = Matcher::new().dedupe(&store).expect("dedupe");
    (d.pairs.len(), d.stats.clusters)
}

/// Whether the best candidate other than the query's own record is of the query's entity.
fn hit(matcher: &Matcher, store: &Store, entity: &[u64], (own, r): &(u32, Record)) -> bool {
    let found = matcher.query(store, r, 2).expect("query");
    found
        .iter()
        .find(|c| c.record != *own)
        .is_some_and(|c| entity[c.record as usize] == entity[*own as usize])
}

fn dedupe_benches(c: &mut Criterion) {
    let (records, _) = corpus(DEDUPE_ENTITIES, 21);
    let expected = build_and_dedupe(&records);
    eprintln!("{} records: {} pairs, {} clusters", records.len(), expected.0, expected.1);
    assert!(expected.0 > records.len() / 4, "{expected:?}");

    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("build_in_memory_and_dedupe_20k", |b| {
        b.iter(|| assert_eq!(build_and_dedupe(&records), expected));
    });
    g.finish();
}

fn lookup_benches(c: &mut Criterion) {
    let (records, entity) = corpus(LOOKUP_ENTITIES, 22);
    let store = Store::from_records(&records, &BuildOptions::default()).expect("build");
    let model = Matcher::new().train(&store).expect("train");
    let matcher = MatcherBuilder::new().model(model).build().expect("matcher");
    // Queries: records whose entity has another record, spread over the store.
    let mut per_entity: HashMap<u64, u32> = HashMap::new();
    for &e in &entity {
        *per_entity.entry(e).or_default() += 1;
    }
    let eligible: Vec<u32> =
        (0..records.len() as u32).filter(|&i| per_entity[&entity[i as usize]] > 1).collect();
    let step = (eligible.len() / QUERIES).max(1);
    let queries: Vec<(u32, Record)> = eligible
        .iter()
        .step_by(step)
        .take(QUERIES)
        .map(|&i| (i, records[i as usize].clone()))
        .collect();
    assert_eq!(queries.len(), QUERIES);
    let expected = queries.iter().filter(|q| hit(&matcher, &store, &entity, q)).count();
    eprintln!("{} stored records; recall@1 of {QUERIES} queries: {expected}", records.len());
    assert!(expected > QUERIES * 9 / 10, "{expected} hits");

    let mut g = c.benchmark_group("end_to_end");
    g.throughput(Throughput::Elements(QUERIES as u64));
    g.bench_function("lookups_50k_one_thread", |b| {
        b.iter(|| {
            let hits = queries.iter().filter(|q| hit(&matcher, &store, &entity, q)).count();
            assert_eq!(hits, expected);
        });
    });
    g.bench_function("lookups_50k_all_threads", |b| {
        b.iter(|| {
            let hits = queries.par_iter().filter(|q| hit(&matcher, &store, &entity, q)).count();
            assert_eq!(hits, expected);
        });
    });
    g.finish();
}

criterion_group!(end_to_end, dedupe_benches, lookup_benches);
criterion_main!(end_to_end);
