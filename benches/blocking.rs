//! Blocking benches: the [`Blocker`] on the default rules over about 100,000 records (records
//! per second; the candidate-pair count is checked), the pair enumeration scoring adds on top,
//! the rule-key computation alone, and the sort of `(key, record)` pairs that groups records.
//!
//! Input: a seeded `vnlink::synth` corpus of 62,500 entities (about 100,000 records), prepared
//! once into [`Features`]. Every bench checks a result computed during setup, so a bench that
//! silently does nothing fails.

mod common;

use std::hint::black_box;

use common::{corpus, prepare};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use vnlink::block::{Blocker, Blocking};
use vnlink::compare::Features;

/// Entities of the corpus (about 1.6 records each).
const ENTITIES: u64 = 62_500;

/// Runs every rule; returns the candidate pairs (as the rules' statistics count them).
fn block(cfg: &Blocking, records: &(Vec<Features>, Vec<String>)) -> u64 {
    let mut blocker = Blocker::new(cfg, records, None);
    let mut pairs = 0;
    while let Some((groups, mut stats)) = blocker.next_rule() {
        blocker.count_pairs(&groups, &mut stats);
        pairs += stats.pairs;
    }
    pairs
}

/// Runs every rule and enumerates each group's new pairs, as scoring does; returns their count.
fn block_and_enumerate(cfg: &Blocking, records: &(Vec<Features>, Vec<String>)) -> u64 {
    let mut blocker = Blocker::new(cfg, records, None);
    let mut pairs = 0;
    while let Some((groups, _)) = blocker.next_rule() {
        let blocker = &blocker;
        pairs += groups
            .par_iter()
            .map_init(Vec::new, |keys, g| {
                let mut n = 0u64;
                blocker.for_each_new_pair_in(g, keys, |_, _| n += 1);
                n
            })
            .sum::<u64>();
    }
    pairs
}

/// Computes every rule's key of every record; returns the number of non-zero keys.
fn keys(cfg: &Blocking, f: &[Features]) -> usize {
    cfg.rules.iter().map(|r| f.iter().filter(|x| r.key(x) != 0).count()).sum()
}

fn benches(c: &mut Criterion) {
    let records = prepare(&corpus(ENTITIES, 5));
    let n = records.0.len() as u64;
    let cfg = Blocking::default();
    let expected_pairs = block(&cfg, &records);
    let expected_keys = keys(&cfg, &records.0);
    eprintln!("{n} records, {expected_pairs} candidate pairs, {expected_keys} rule keys");
    assert!(expected_pairs > n, "{expected_pairs} pairs");
    assert_eq!(block_and_enumerate(&cfg, &records), expected_pairs);

    let mut g = c.benchmark_group("blocking");
    g.sample_size(20);
    g.throughput(Throughput::Elements(n));
    g.bench_function("blocker_default_rules", |b| {
        b.iter(|| assert_eq!(block(&cfg, black_box(&records)), expected_pairs));
    });
    g.bench_function("blocker_default_rules_and_pair_enumeration", |b| {
        b.iter(|| assert_eq!(block_and_enumerate(&cfg, black_box(&records)), expected_pairs));
    });
    g.throughput(Throughput::Elements(n * cfg.rules.len() as u64));
    g.bench_function("rule_keys_one_thread", |b| {
        b.iter(|| assert_eq!(keys(&cfg, black_box(&records.0)), expected_keys));
    });

    // The sort that groups records: the (key, record) pairs of the rule with the most keys.
    let order: Vec<(u64, u32)> = cfg
        .rules
        .iter()
        .map(|r| {
            (0..n as u32)
                .filter_map(|i| {
                    let k = r.key(&records.0[i as usize]);
                    (k != 0).then_some((k, i))
                })
                .collect::<Vec<_>>()
        })
        .max_by_key(Vec::len)
        .expect("rules");
    let mut sorted = order.clone();
    sorted.sort_unstable();
    let (first, last) = (sorted[0], sorted[sorted.len() - 1]);
    g.throughput(Throughput::Elements(order.len() as u64));
    g.bench_function("sort_keys_parallel", |b| {
        b.iter_batched(
            || order.clone(),
            |mut v| {
                v.par_sort_unstable();
                assert_eq!((v[0], v[v.len() - 1]), (first, last));
                v
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("sort_keys_one_thread", |b| {
        b.iter_batched(
            || order.clone(),
            |mut v| {
                v.sort_unstable();
                assert_eq!((v[0], v[v.len() - 1]), (first, last));
                v
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(blocking_benches, benches);
criterion_main!(blocking_benches);
