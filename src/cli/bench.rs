//! `vnlink bench`: an end-to-end benchmark with ground truth. It generates a dedupe dataset (or
//! takes one with its truth), then runs and times each stage on its own — generate, build (CSV →
//! store), dedupe (train, block + score, cluster), write outputs, eval, lookups — and writes
//! `bench.json` (every figure, with the machine) and `bench.md` (a markdown table, also printed).
//!
//! Lookups: `--queries` records are drawn deterministically (by a hash of the seed and the
//! record) from the stored records whose entity has another record in the store; each is looked
//! up with its own fields while it stays in the store. recall@k counts a query as a hit when a
//! record of the same entity, other than the query's own record, is among the first k candidates
//! once the query's own record is removed from the ranking. Latency is the wall time of each
//! query, one at a time on one thread, after a warm-up; throughput runs all queries on every
//! thread of the pool (rayon), and must give the same answers.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rayon::prelude::*;
use serde::Serialize;
use vnlink::dataset::{self, BuildOptions, RAW, RECORD_ID, Record};
use vnlink::eval::{Scores, Truth, score_clusters};
use vnlink::output::{self, atomic_write};
use vnlink::pipeline::{Candidate, Matcher, MatcherBuilder, QueryOptions};
use vnlink::store::Store;
use vnlink::synth::{self, GenConfig, Shape};

use super::common::{bar, exit, set_threads, thousands};

/// Records per entity the generator gives with its default settings (about 1.6).
const RECORDS_PER_ENTITY: f64 = 1.6;
/// Candidates compared for recall@k: the 10 best other records (plus the query's own).
const RECALL_K: usize = 10;
/// Queries run untimed before measuring latency.
const WARM_UP_QUERIES: usize = 1_000;

/// The definition of recall@k, as written in the reports.
const RECALL_DEFINITION: &str = "queries are stored records whose entity has another stored \
    record; each is looked up with its own fields while it stays in the store; recall@k = share \
    of queries for which a record of the same entity, other than the query's own, is among the \
    first k candidates once the query's own record is left out of the ranking";

/// End-to-end benchmark: generate (or take) a dataset with truth, then time build, dedupe,
/// outputs, eval and lookups; writes bench.json and bench.md.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    vnlink bench --records 100000 --out /tmp/bench100k\n  \
    vnlink bench --records 1000000 --seed 7 --out /tmp/bench1m --queries 20000\n  \
    vnlink bench --input records.csv --truth truth.csv --out /tmp/bench-file\n\n\
    Writes in DIR: records.csv, truth.csv and gen_stats.json (when generated), store.vnl, \
    clusters.csv, pairs.csv, model.json, bench.json (every figure, the machine, the date) and \
    bench.md (the table printed at the end). Generated data has about 1.6 records per entity: \
    --records N generates round(N / 1.6) entities, and the reports give the actual count.\n\n\
    recall@k: queries are stored records whose entity has another stored record, looked up \
    with their own fields while they stay in the store; a hit is a record of the same entity, \
    other than the query's own, among the first k candidates once the query's own record is \
    left out. Latency: each query's wall time on one thread after a warm-up; queries/s: all \
    queries over every thread.")]
pub struct Args {
    /// Records to generate (about; the generator works in entities).
    #[arg(long, value_name = "N", required_unless_present = "input")]
    records: Option<u64>,
    /// Seed of the generator and of the draw of the queries.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Output directory (created if needed).
    #[arg(long, value_name = "DIR", default_value = "bench-out")]
    out: PathBuf,
    /// Use this dataset (CSV with the standard header) instead of generating one.
    #[arg(long, value_name = "CSV", requires = "truth", conflicts_with = "records")]
    input: Option<PathBuf>,
    /// The truth of --input: `record_id,entity_id`.
    #[arg(long, value_name = "CSV", requires = "input")]
    truth: Option<PathBuf>,
    /// Lookups to run.
    #[arg(long, value_name = "Q", default_value_t = 10_000)]
    queries: usize,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "T")]
    threads: Option<usize>,
    /// No progress on stderr (the table is still printed).
    #[arg(long, short)]
    quiet: bool,
}

/// Where the data comes from.
#[derive(Debug, Serialize)]
struct InputInfo {
    /// Whether `vnlink bench` generated it.
    generated: bool,
    /// Records requested (`--records`), when generated.
    records_requested: Option<u64>,
    /// Entities generated.
    entities: Option<u64>,
    /// The generator's seed (also the seed of the draw of the queries).
    seed: u64,
    /// The records file.
    records_csv: PathBuf,
    /// The truth file.
    truth_csv: PathBuf,
}

/// The machine the run happened on.
#[derive(Debug, Serialize)]
struct Machine {
    /// CPU model (`/proc/cpuinfo`), or "unknown".
    cpu: String,
    /// Logical cores available to the process.
    cores: usize,
    /// Worker threads used.
    threads: usize,
    /// Total RAM in bytes (`/proc/meminfo`), if known.
    ram_bytes: Option<u64>,
    /// Operating system.
    os: &'static str,
    /// 1, 5 and 15-minute load averages at the start and at the end (`/proc/loadavg`).
    load_average_start: Option<[f64; 3]>,
    /// See `load_average_start`.
    load_average_end: Option<[f64; 3]>,
}

/// Seconds per stage.
#[derive(Debug, Default, Serialize)]
struct Seconds {
    /// Generating the dataset (absent when given).
    generate: Option<f64>,
    /// CSV → store.
    build: f64,
    /// Dedupe: training the model.
    train: f64,
    /// Dedupe: blocking and scoring every candidate pair.
    block_and_score: f64,
    /// Dedupe: blocking alone (keys, sorts, splits).
    block: f64,
    /// Dedupe: comparing and weighing the candidate pairs.
    score: f64,
    /// Dedupe: clustering.
    cluster: f64,
    /// Dedupe as a whole (wall time of `Matcher::dedupe`).
    dedupe: f64,
    /// Writing clusters.csv, pairs.csv and model.json.
    write: f64,
    /// Reading the truth and scoring (pairwise and B-cubed).
    eval: f64,
    /// Preparing lookups: the store's name frequencies, first query.
    lookup_prepare: f64,
    /// The timed single-thread lookups (after the warm-up).
    lookup_single: f64,
    /// The batch of lookups on every thread.
    lookup_batch: f64,
    /// The whole run.
    total: f64,
}

/// Candidate pairs and scoring speed.
#[derive(Debug, Serialize)]
struct PairsInfo {
    /// Candidate pairs compared.
    candidate: u64,
    /// Pairs at or above the threshold.
    above_threshold: u64,
    /// Pairs compared per second of the block-and-score stage.
    per_second: f64,
    /// The same, divided by the worker threads.
    per_second_per_core: f64,
}

/// Latency percentiles, in microseconds.
#[derive(Debug, Serialize)]
struct Latency {
    p50: f64,
    p90: f64,
    p99: f64,
    mean: f64,
    max: f64,
}

/// Lookup figures.
#[derive(Debug, Serialize)]
struct LookupInfo {
    /// Queries run.
    queries: usize,
    /// Stored records eligible as queries (their entity has another stored record).
    eligible: usize,
    /// Candidates asked per query (k of recall@k plus the query's own record).
    k: usize,
    /// Share of queries with a same-entity record first among the others.
    recall_at_1: f64,
    /// Share of queries with a same-entity record in the first 10 among the others.
    recall_at_10: f64,
    /// Single-thread latency (candidates with their explanations, without their stored fields).
    latency_us: Latency,
    /// Single-thread latency with the stored fields of every candidate (as `vnlink query`
    /// returns them), over the first queries.
    latency_with_fields_us: Latency,
    /// Queries per second on every thread.
    queries_per_second: f64,
    /// Threads of the batch.
    threads: usize,
    /// Whether the batch gave the same answers as the single-thread run.
    parallel_answers_match: bool,
    /// How recall is counted.
    recall_definition: &'static str,
}

/// Everything `bench.json` holds.
#[derive(Debug, Serialize)]
struct Report {
    vnlink_version: &'static str,
    /// UTC, ISO 8601.
    date: String,
    /// The command line.
    command: Vec<String>,
    machine: Machine,
    input: InputInfo,
    /// Records in the store.
    records: u64,
    /// Input rows skipped by the build.
    rows_skipped: u64,
    /// Size of store.vnl.
    store_bytes: u64,
    seconds: Seconds,
    pairs: PairsInfo,
    /// Clusters found (singletons included).
    clusters: u64,
    /// Peak resident set size (`VmHWM`), when the platform tells.
    peak_rss_bytes: Option<u64>,
    /// Pairwise and B-cubed scores against the truth.
    eval: Scores,
    lookup: LookupInfo,
}

/// Prints a progress line on stderr unless quiet.
fn note(quiet: bool, msg: &str) {
    if !quiet {
        eprintln!("{msg}");
    }
}

/// Runs `vnlink bench`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let q = args.quiet;
    if args.queries == 0 {
        bail!("--queries must be at least 1");
    }
    set_threads(args.threads)?;
    let load_start = load_average();
    vnlink::output::create_dir_all(&args.out)?;
    let mut secs = Seconds::default();

    // 1. Data.
    let input = match (&args.input, &args.truth, args.records) {
        (Some(input), Some(truth), _) => {
            if dataset::is_store(input) {
                bail!("{}: is a store; give the CSV it was built from", input.display());
            }
            InputInfo {
                generated: false,
                records_requested: None,
                entities: None,
                seed: args.seed,
                records_csv: input.clone(),
                truth_csv: truth.clone(),
            }
        }
        (_, _, Some(n)) => {
            let entities = ((n as f64 / RECORDS_PER_ENTITY).round() as u64).max(1);
            let cfg = GenConfig { entities, seed: args.seed, ..GenConfig::default() };
            let pb = bar(q, Some(entities), "generate");
            let t = Instant::now();
            let summary =
                synth::generate_with_progress(&cfg, Shape::Dedupe, &args.out, &mut |n| {
                    pb.set_position(n);
                })?;
            pb.finish_and_clear();
            let s = t.elapsed().as_secs_f64();
            secs.generate = Some(s);
            note(
                q,
                &format!(
                    "generate: {entities} entities, {} records in {s:.2} s",
                    summary.stats.records
                ),
            );
            InputInfo {
                generated: true,
                records_requested: Some(n),
                entities: Some(entities),
                seed: args.seed,
                records_csv: args.out.join("records.csv"),
                truth_csv: args.out.join("truth.csv"),
            }
        }
        _ => bail!("give --records N, or --input CSV with --truth CSV"),
    };

    // 2. Build.
    let store_path = args.out.join("store.vnl");
    let pb = bar(q, None, "build");
    let t = Instant::now();
    let built =
        dataset::build_csv(&input.records_csv, &store_path, &BuildOptions::default(), |n| {
            pb.set_position(n);
        })?;
    pb.finish_and_clear();
    secs.build = t.elapsed().as_secs_f64();
    super::common::report_ingest(&built, q);
    let store = Store::open(&store_path)?;
    let records = store.record_count();
    note(q, &format!("build: {records} records in {:.2} s", secs.build));

    // 3. Dedupe.
    let pb = bar(q, None, "dedupe");
    let t = Instant::now();
    let result = Matcher::new().dedupe(&store)?;
    pb.finish_and_clear();
    secs.dedupe = t.elapsed().as_secs_f64();
    let stage = |k: &str| result.stats.seconds.get(k).copied().unwrap_or(0.0);
    secs.train = stage("train");
    secs.block_and_score = stage("block_and_score");
    secs.block = stage("block");
    secs.score = stage("score");
    secs.cluster = stage("cluster");
    let threads = rayon::current_num_threads();
    let pairs = PairsInfo {
        candidate: result.stats.pairs_compared,
        above_threshold: result.stats.pairs_above_threshold,
        per_second: result.stats.pairs_per_second,
        per_second_per_core: result.stats.pairs_per_second / threads as f64,
    };
    note(
        q,
        &format!(
            "dedupe: {} candidate pairs, {} above the threshold, {} clusters in {:.2} s",
            pairs.candidate, pairs.above_threshold, result.stats.clusters, secs.dedupe
        ),
    );

    // 4. Outputs.
    let t = Instant::now();
    let ids = store.str_column(RECORD_ID)?;
    let id = |i: u32| ids.get(u64::from(i));
    let style = output::CsvStyle::default();
    output::write_clusters(&args.out.join("clusters.csv"), &result.labels, id, style)?;
    output::write_pairs(&args.out.join("pairs.csv"), &result.model, &result.pairs, id, id, style)?;
    result.model.write(args.out.join("model.json"))?;
    secs.write = t.elapsed().as_secs_f64();

    // 5. Eval.
    let t = Instant::now();
    let truth = Truth::read(&input.truth_csv)?;
    let mut labels: Vec<u64> = (0..truth.len() as u64).map(|i| (1 << 40) + i).collect();
    // The entity of every stored record (u32::MAX: not in the truth).
    let mut entity = vec![u32::MAX; records as usize];
    let mut unknown = 0u64;
    for i in 0..records {
        let rid = ids.get(i);
        match truth.position(rid) {
            Some(p) => {
                labels[p as usize] = u64::from(result.labels[i as usize]);
                entity[i as usize] = truth.entity_of(rid).unwrap_or(u32::MAX);
            }
            None => unknown += 1,
        }
    }
    let mut scores = score_clusters(&truth, &labels);
    scores.unknown_ids_in_pred = unknown;
    secs.eval = t.elapsed().as_secs_f64();
    note(
        q,
        &format!(
            "eval: pairwise F1 {:.4}, B-cubed F1 {:.4} in {:.2} s",
            scores.pairwise.f1, scores.bcubed.f1, secs.eval
        ),
    );

    // 6. Lookups.
    let matcher = MatcherBuilder::new().model(result.model.clone()).build()?;
    drop(result);
    let lookup = lookups(args, &store, &matcher, &entity, &mut secs)?;
    note(
        q,
        &format!(
            "lookups: {} queries, recall@1 {:.4}, recall@10 {:.4}, p50 {:.0} µs, p99 {:.0} µs, \
             {:.0} queries/s",
            lookup.queries,
            lookup.recall_at_1,
            lookup.recall_at_10,
            lookup.latency_us.p50,
            lookup.latency_us.p99,
            lookup.queries_per_second
        ),
    );

    secs.total = start.elapsed().as_secs_f64();
    let report = Report {
        vnlink_version: env!("CARGO_PKG_VERSION"),
        date: utc_now(),
        command: std::env::args().collect(),
        machine: Machine {
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            threads,
            ram_bytes: meminfo_total(),
            os: std::env::consts::OS,
            load_average_start: load_start,
            load_average_end: load_average(),
        },
        input,
        records,
        rows_skipped: built.ingest.rows_skipped,
        store_bytes: built.bytes,
        seconds: secs,
        pairs,
        clusters: scores.pred_clusters as u64,
        peak_rss_bytes: peak_rss_bytes(),
        eval: scores,
        lookup,
    };
    let json = serde_json::to_vec_pretty(&report).context("cannot serialise bench.json")?;
    atomic_write(args.out.join("bench.json"), &json)?;
    let md = markdown(&report);
    atomic_write(args.out.join("bench.md"), md.as_bytes())?;
    print!("{md}");
    let mut warned = super::common::skipped(Some(&built));
    if !report.lookup.parallel_answers_match {
        eprintln!("warning: the lookups gave different answers on one and on several threads");
        warned = true;
    }
    Ok(exit(warned))
}

/// Draws the queries, measures latency on one thread and throughput on all, and counts recall.
fn lookups(
    args: &Args,
    store: &Store,
    matcher: &Matcher,
    entity: &[u32],
    secs: &mut Seconds,
) -> anyhow::Result<LookupInfo> {
    // Records whose entity has another stored record.
    let mut per_entity: rustc_hash::FxHashMap<u32, u32> = rustc_hash::FxHashMap::default();
    for &e in entity.iter().filter(|&&e| e != u32::MAX) {
        *per_entity.entry(e).or_default() += 1;
    }
    let mut eligible: Vec<(u64, u32)> = (0..entity.len() as u32)
        .filter(|&i| entity[i as usize] != u32::MAX && per_entity[&entity[i as usize]] > 1)
        .map(|i| (vnlink::block::mix(args.seed ^ vnlink::block::mix(u64::from(i) + 1)), i))
        .collect();
    let n_eligible = eligible.len();
    if n_eligible == 0 {
        bail!("no stored record has a duplicate in the truth: nothing to look up");
    }
    eligible.sort_unstable();
    let raw = RAW.map(|c| store.str_column(c));
    let raw: Vec<_> = raw.into_iter().collect::<Result<_, _>>()?;
    let ids = store.str_column(RECORD_ID)?;
    let queries: Vec<(u32, Record)> = eligible
        .iter()
        .take(args.queries)
        .map(|&(_, i)| {
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
            };
            (i, r)
        })
        .collect();
    let k = RECALL_K + 1;

    // Candidates with explanations; the stored fields are fetched in a pass of their own.
    let opts = QueryOptions { k, fields: false };
    let query = |r: &Record| matcher.query_with(store, r, &opts);
    // Prepare (name frequencies) with a first query, then warm up.
    let t = Instant::now();
    query(&queries[0].1)?;
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
        queries.par_iter().map(|(_, r)| query(r).map(|c| ranked(&c))).collect::<Result<_, _>>()?;
    secs.lookup_batch = t.elapsed().as_secs_f64();

    let (mut at1, mut at10) = (0u64, 0u64);
    for ((own, _), found) in queries.iter().zip(&answers) {
        let e = entity[*own as usize];
        let others: Vec<u32> = found.iter().copied().filter(|c| c != own).take(RECALL_K).collect();
        at1 += u64::from(others.first().is_some_and(|&c| entity[c as usize] == e));
        at10 += u64::from(others.iter().any(|&c| entity[c as usize] == e));
    }
    // With the stored fields, over the first queries.
    let with_fields = QueryOptions { k, fields: true };
    let mut field_times: Vec<Duration> = Vec::with_capacity(FIELD_QUERIES);
    for (_, r) in queries.iter().take(FIELD_QUERIES) {
        let t = Instant::now();
        matcher.query_with(store, r, &with_fields)?;
        field_times.push(t.elapsed());
    }
    let n = queries.len();
    Ok(LookupInfo {
        queries: n,
        eligible: n_eligible,
        k,
        recall_at_1: at1 as f64 / n as f64,
        recall_at_10: at10 as f64 / n as f64,
        latency_us: latency(times),
        latency_with_fields_us: latency(field_times),
        queries_per_second: n as f64 / secs.lookup_batch.max(1e-9),
        threads: rayon::current_num_threads(),
        parallel_answers_match: batch == answers,
        recall_definition: RECALL_DEFINITION,
    })
}

/// Queries timed with their candidates' stored fields.
const FIELD_QUERIES: usize = 2000;

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

/// The markdown report: the machine, then one table of figures.
fn markdown(r: &Report) -> String {
    let (s, m, lk) = (&r.seconds, &r.machine, &r.lookup);
    let mut out = String::new();
    let load = |a: Option<[f64; 3]>| {
        a.map_or_else(|| "n/a".to_owned(), |a| format!("{:.2} {:.2} {:.2}", a[0], a[1], a[2]))
    };
    let _ = writeln!(
        out,
        "vnlink {} bench, {} — {}, {} cores ({} threads used), {} RAM, {}; load average {} at \
         the start, {} at the end\n",
        r.vnlink_version,
        r.date,
        m.cpu,
        m.cores,
        m.threads,
        m.ram_bytes.map_or_else(|| "n/a".into(), bytes),
        m.os,
        load(m.load_average_start),
        load(m.load_average_end),
    );
    let mut row = |k: &str, v: String| {
        let _ = writeln!(out, "| {k} | {v} |");
    };
    row("metric", "value".into());
    row("---", "---:".into());
    row("records", thousands(r.records));
    row("candidate pairs", thousands(r.pairs.candidate));
    row("pairs above the threshold", thousands(r.pairs.above_threshold));
    row("clusters", thousands(r.clusters));
    row("generate", s.generate.map_or_else(|| "n/a (given)".into(), |g| format!("{g:.2} s")));
    row("build (CSV → store)", format!("{:.2} s", s.build));
    row("dedupe: train", format!("{:.2} s", s.train));
    row("dedupe: block", format!("{:.2} s", s.block));
    row("dedupe: score", format!("{:.2} s", s.score));
    row("dedupe: cluster", format!("{:.2} s", s.cluster));
    row("dedupe (total)", format!("{:.2} s", s.dedupe));
    row("write outputs", format!("{:.2} s", s.write));
    row("eval", format!("{:.2} s", s.eval));
    row("lookup preparation", format!("{:.2} s", s.lookup_prepare));
    row("total (with lookups)", format!("{:.2} s", s.total));
    row("pairs scored / s (scoring stage)", thousands(r.pairs.per_second as u64));
    row(
        &format!("pairs scored / s per core ({} threads)", m.threads),
        thousands(r.pairs.per_second_per_core as u64),
    );
    row("peak RSS", r.peak_rss_bytes.map_or_else(|| "n/a".into(), bytes));
    let prf = |p: &vnlink::eval::Prf| format!("{:.4} / {:.4} / {:.4}", p.precision, p.recall, p.f1);
    row("pairwise P / R / F1", prf(&r.eval.pairwise));
    row("B-cubed P / R / F1", prf(&r.eval.bcubed));
    row(
        "query latency p50 / p90 / p99 (1 thread)",
        format!(
            "{:.0} / {:.0} / {:.0} µs",
            lk.latency_us.p50, lk.latency_us.p90, lk.latency_us.p99
        ),
    );
    row(
        "with the stored fields: p50 / p99",
        format!("{:.0} / {:.0} µs", lk.latency_with_fields_us.p50, lk.latency_with_fields_us.p99),
    );
    row(&format!("queries / s ({} threads)", lk.threads), thousands(lk.queries_per_second as u64));
    row(
        &format!("recall@1 / recall@10 ({} queries)", thousands(lk.queries as u64)),
        format!("{:.4} / {:.4}", lk.recall_at_1, lk.recall_at_10),
    );
    let _ = writeln!(out, "\nrecall@k: {RECALL_DEFINITION}.");
    out
}

/// A byte count in GB or MB.
fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 { format!("{:.2} GB", n / 1e9) } else { format!("{:.0} MB", n / 1e6) }
}

/// The first `model name` of `/proc/cpuinfo`.
fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
}

/// A `kB` value of a `/proc` status file, in bytes.
fn proc_kib(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

/// Total RAM (`MemTotal` of `/proc/meminfo`).
fn meminfo_total() -> Option<u64> {
    proc_kib("/proc/meminfo", "MemTotal:")
}

/// The process's peak resident set size (`VmHWM` of `/proc/self/status`).
fn peak_rss_bytes() -> Option<u64> {
    proc_kib("/proc/self/status", "VmHWM:")
}

/// The 1, 5 and 15-minute load averages.
fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(str::parse::<f64>);
    Some([it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?])
}

/// The current UTC time, ISO 8601 (`2025-07-01T08:30:00Z`).
fn utc_now() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_format() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_270), (2025, 7, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(bytes(1_500_000_000), "1.50 GB");
        assert_eq!(bytes(42_000_000), "42 MB");
    }
}
