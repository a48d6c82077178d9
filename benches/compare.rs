//! Comparison benches: `compare::compare` over the candidate pairs of real blocking groups (the
//! pairs dedupe scores) and over random pairs (the pairs training's u estimate compares), the
//! name comparison alone, and Jaro–Winkler on ASCII names. Pairs per second.
//!
//! Input: a seeded `vnlink::synth` corpus of 60,000 entities (about 96,000 records), prepared
//! once into [`Features`] and ASCII names. Every bench checks a result computed during setup
//! (a checksum of the patterns, a count of levels or of similar names), so a bench that silently
//! does nothing fails.

mod common;

use std::hint::black_box;

use common::{corpus, prepare};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vnlink::block::{Blocker, Blocking, mix};
use vnlink::compare::{self, Features, Scratch};

/// Entities of the corpus.
const ENTITIES: u64 = 60_000;
/// Random pairs compared.
const RANDOM_PAIRS: usize = 200_000;

/// The candidate pairs of the default blocking rules, in rule, group and pair order.
fn blocked_pairs(records: &(Vec<Features>, Vec<String>)) -> Vec<(u32, u32)> {
    let cfg = Blocking::default();
    let mut blocker = Blocker::new(&cfg, records, None);
    let mut pairs = Vec::new();
    while let Some((groups, _)) = blocker.next_rule() {
        for g in &groups {
            blocker.for_each_new_pair(g, |a, b| pairs.push((a, b)));
        }
    }
    pairs
}

/// `n` random pairs of distinct records (splitmix64).
fn random_pairs(records: usize, n: usize) -> Vec<(u32, u32)> {
    let len = records as u64;
    (0..n as u64)
        .map(|i| {
            let a = mix(2 * i + 1) % len;
            let b = (a + 1 + mix(2 * i + 2) % (len - 1)) % len;
            (a as u32, b as u32)
        })
        .collect()
}

/// Compares every pair; returns an order-sensitive checksum of the patterns.
fn compare_all(
    (feats, names): &(Vec<Features>, Vec<String>),
    pairs: &[(u32, u32)],
    scratch: &mut Scratch,
) -> u64 {
    pairs.iter().fold(0u64, |acc, &(a, b)| {
        let (a, b) = (a as usize, b as usize);
        let names = || (names[a].as_str(), names[b].as_str());
        acc.rotate_left(5) ^ compare::compare(&feats[a], &feats[b], names, scratch).0
    })
}

/// Counts the pairs per name level.
fn name_levels(
    (feats, names): &(Vec<Features>, Vec<String>),
    pairs: &[(u32, u32)],
    scratch: &mut Scratch,
) -> [u64; 16] {
    let mut counts = [0u64; 16];
    for &(a, b) in pairs {
        let (a, b) = (a as usize, b as usize);
        let names = || (names[a].as_str(), names[b].as_str());
        counts[usize::from(compare::compare_name(&feats[a], &feats[b], names, scratch))] += 1;
    }
    counts
}

/// Counts the pairs whose ASCII names reach Jaro–Winkler 0.92.
fn similar_names(names: &[String], pairs: &[(u32, u32)]) -> usize {
    pairs
        .iter()
        .filter(|&&(a, b)| compare::jaro_winkler(&names[a as usize], &names[b as usize]) >= 0.92)
        .count()
}

fn benches(c: &mut Criterion) {
    let records = prepare(&corpus(ENTITIES, 11));
    let blocked = blocked_pairs(&records);
    let random = random_pairs(records.0.len(), RANDOM_PAIRS);
    assert!(blocked.len() > 100_000, "{} blocked pairs", blocked.len());
    eprintln!(
        "{} records, {} blocked pairs, {} random pairs",
        records.0.len(),
        blocked.len(),
        random.len()
    );

    // Expected results, each from a fresh memo (the memo never changes a level).
    let sum_blocked = compare_all(&records, &blocked, &mut Scratch::new());
    let sum_random = compare_all(&records, &random, &mut Scratch::new());
    let levels_blocked = name_levels(&records, &blocked, &mut Scratch::new());
    let similar_blocked = similar_names(&records.1, &blocked);
    let similar_random = similar_names(&records.1, &random);
    // Blocked pairs are mostly of one person or of namesakes: many exact names.
    assert!(levels_blocked[usize::from(compare::name_level::EXACT)] > blocked.len() as u64 / 10);

    let mut g = c.benchmark_group("compare");
    g.throughput(Throughput::Elements(blocked.len() as u64));
    g.bench_function("blocked_pairs", |b| {
        // One scratch per thread in scoring: kept across iterations, as there.
        let mut s = Scratch::new();
        b.iter(|| assert_eq!(compare_all(black_box(&records), &blocked, &mut s), sum_blocked));
    });
    g.bench_function("name_only_blocked_pairs", |b| {
        let mut s = Scratch::new();
        b.iter(|| assert_eq!(name_levels(black_box(&records), &blocked, &mut s), levels_blocked));
    });
    g.bench_function("jaro_winkler_ascii_names_blocked_pairs", |b| {
        b.iter(|| assert_eq!(similar_names(black_box(&records.1), &blocked), similar_blocked));
    });
    g.throughput(Throughput::Elements(random.len() as u64));
    g.bench_function("random_pairs", |b| {
        let mut s = Scratch::new();
        b.iter(|| assert_eq!(compare_all(black_box(&records), &random, &mut s), sum_random));
    });
    g.bench_function("jaro_winkler_ascii_names_random_pairs", |b| {
        b.iter(|| assert_eq!(similar_names(black_box(&records.1), &random), similar_random));
    });
    g.finish();
}

criterion_group!(compare_benches, benches);
criterion_main!(compare_benches);
