//! The lookup stage: queries drawn from the store, latency on one thread, throughput on all,
//! recall@1 and recall@10 ([`crate::eval::recall_at_k`]).

use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::report::{Latency, LookupInfo, RECALL_DEFINITION, Seconds};
use crate::dataset::{RAW, RECORD_ID, Record};
use crate::error::{Error, Result};
use crate::eval::recall_at_k;
use crate::pipeline::{Candidate, Matcher, QueryOptions};
use crate::store::Store;
use crate::util::hash::mix;

/// Candidates compared for recall@k: the 10 best other records (plus the query's own).
pub const RECALL_K: usize = 10;
/// Queries run untimed before measuring latency.
const WARM_UP_QUERIES: usize = 1_000;
/// Queries timed with their candidates' stored fields.
const FIELD_QUERIES: usize = 2000;

/// The stored records whose entity has another stored record (`entity[r]`: the entity of record
/// `r`, `u32::MAX` when not in the truth), in the order of a hash of `seed` and the record.
fn eligible(entity: &[u32], seed: u64) -> Vec<u32> {
    let mut per_entity: FxHashMap<u32, u32> = FxHashMap::default();
    for &e in entity.iter().filter(|&&e| e != u32::MAX) {
        *per_entity.entry(e).or_default() += 1;
    }
    let mut drawn: Vec<(u64, u32)> = (0..entity.len() as u32)
        .filter(|&i| entity[i as usize] != u32::MAX && per_entity[&entity[i as usize]] > 1)
        .map(|i| (mix(seed ^ mix(u64::from(i) + 1)), i))
        .collect();
    drawn.sort_unstable();
    drawn.into_iter().map(|(_, i)| i).collect()
}

/// The records `rows` of the store, with their own fields, as queries.
fn read_queries(store: &Store, rows: &[u32]) -> Result<Vec<(u32, Record)>> {
    let raw = RAW.map(|c| store.str_column(c));
    let raw: Vec<_> = raw.into_iter().collect::<Result<_>>()?;
    let ids = store.str_column(RECORD_ID)?;
    let query = |i: u32| {
        let f = |c: usize| raw[c].get(u64::from(i)).to_owned();
        let r = Record {
            record_id: ids.get(u64::from(i)).to_owned(),
            full_name: f(0),
            dob: f(1),
            sex: f(2),
            address: f(3),
            id_number: f(4),
            phone: f(5),
            extras: Vec::new(),
            ..Record::default()
        };
        (i, r)
    };
    Ok(rows.iter().map(|&i| query(i)).collect())
}

/// Draws `n` queries among the records of an entity with another stored record, measures
/// latency on one thread and throughput on every thread of the pool, and counts recall.
/// `truth_csv` names the truth in the error when no record qualifies.
pub(super) fn lookups(
    store: &Store,
    matcher: &Matcher,
    entity: &[u32],
    (seed, n): (u64, usize),
    truth_csv: &std::path::Path,
    secs: &mut Seconds,
) -> Result<LookupInfo> {
    let eligible = eligible(entity, seed);
    if eligible.is_empty() {
        return Err(Error::Input {
            path: truth_csv.to_path_buf(),
            reason: "no stored record has a duplicate in the truth: nothing to look up".into(),
        });
    }
    let queries = read_queries(store, &eligible[..n.min(eligible.len())])?;
    let k = RECALL_K + 1;
    // Candidates with explanations; the stored fields are fetched in a pass of their own.
    let opts = QueryOptions { k, fields: false };
    let query = |r: &Record| matcher.query_with(store, r, &opts);
    // Prepare (name frequencies) with a first query, then warm up.
    let t = Instant::now();
    if let Some((_, first)) = queries.first() {
        query(first)?;
    }
    secs.lookup_prepare = t.elapsed().as_secs_f64();
    for (_, r) in queries.iter().take(WARM_UP_QUERIES) {
        query(r)?;
    }

    // Single thread, one query at a time.
    let mut times: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut answers: Vec<Vec<u32>> = Vec::with_capacity(queries.len());
    let t = Instant::now();
    for (_, r) in &queries {
        let t = Instant::now();
        let found = query(r)?;
        times.push(t.elapsed());
        answers.push(ranked(&found));
    }
    secs.lookup_single = t.elapsed().as_secs_f64();

    // Every thread: warm the workers' preparers, then the timed batch.
    let warm = queries.len().min(64 * rayon::current_num_threads());
    queries[..warm].par_iter().try_for_each(|(_, r)| query(r).map(drop))?;
    let t = Instant::now();
    let batch: Vec<Vec<u32>> =
        queries.par_iter().map(|(_, r)| query(r).map(|c| ranked(&c))).collect::<Result<_>>()?;
    secs.lookup_batch = t.elapsed().as_secs_f64();

    let found = || queries.iter().zip(&answers).map(|((own, _), a)| (*own, a.as_slice()));
    let n = queries.len();
    Ok(LookupInfo {
        queries: n,
        eligible: eligible.len(),
        k,
        recall_at_1: recall_at_k(entity, found(), 1),
        recall_at_10: recall_at_k(entity, found(), RECALL_K),
        latency_us: latency(times),
        latency_with_fields_us: latency(field_times(store, matcher, &queries, k)?),
        queries_per_second: n as f64 / secs.lookup_batch.max(1e-9),
        threads: rayon::current_num_threads(),
        parallel_answers_match: batch == answers,
        recall_definition: RECALL_DEFINITION,
    })
}

/// The times of the first queries with the stored fields of their `k` candidates.
fn field_times(
    store: &Store,
    matcher: &Matcher,
    queries: &[(u32, Record)],
    k: usize,
) -> Result<Vec<Duration>> {
    let with_fields = QueryOptions { k, fields: true };
    let mut times: Vec<Duration> = Vec::with_capacity(FIELD_QUERIES);
    for (_, r) in queries.iter().take(FIELD_QUERIES) {
        let t = Instant::now();
        matcher.query_with(store, r, &with_fields)?;
        times.push(t.elapsed());
    }
    Ok(times)
}

/// Percentiles of query times (at least one).
fn latency(mut times: Vec<Duration>) -> Latency {
    times.sort_unstable();
    let n = times.len().max(1);
    let us = |d: Option<&Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e6);
    let pct = |p: f64| us(times.get(((p * n as f64).ceil() as usize).clamp(1, n) - 1));
    Latency {
        p50: pct(0.50),
        p90: pct(0.90),
        p99: pct(0.99),
        mean: times.iter().map(|&d| d.as_secs_f64() * 1e6).sum::<f64>() / n as f64,
        max: us(times.last()),
    }
}

/// The record indices of a lookup's candidates, best first.
fn ranked(found: &[Candidate]) -> Vec<u32> {
    found.iter().map(|c| c.record).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eligible_records_have_a_same_entity_record() {
        let entity = [0, 1, 0, u32::MAX, 2, 2, 2];
        let mut e = eligible(&entity, 1);
        assert_eq!(e, eligible(&entity, 1), "deterministic");
        e.sort_unstable();
        assert_eq!(e, [0, 2, 4, 5, 6]);
    }

    #[test]
    fn latency_percentiles() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        let l = latency(times);
        let r = |x: f64| x.round();
        assert_eq!((r(l.p50), r(l.p90), r(l.p99), r(l.max)), (50.0, 90.0, 99.0, 100.0));
        assert!(latency(Vec::new()).p50.abs() < f64::EPSILON);
    }
}
