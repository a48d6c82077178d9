//! An end-to-end benchmark with ground truth (`vnlink bench`). [`run`] generates a dedupe
//! dataset (or takes one with its truth), then runs and times each stage on its own — generate,
//! build (CSV → store), dedupe (train, block + score, cluster), write outputs, eval, lookups —
//! and writes `bench.json` (every figure of the [`Report`], with the machine) and `bench.md`
//! ([`Report::markdown`]).
//!
//! Lookups: a number of records are drawn deterministically (by a hash of the seed and the
//! record) from the stored records whose entity has another record in the store; each is looked
//! up with its own fields while it stays in the store. recall@k
//! ([`crate::eval::recall_at_k`]) counts a query as a hit when a record of the same entity,
//! other than the query's own record, is among the first k candidates once the query's own
//! record is removed from the ranking. Latency is the wall time of each query, one at a time on
//! one thread, after a warm-up; throughput runs all queries on every thread of the rayon pool,
//! and must give the same answers.

mod lookup;
mod machine;
mod report;

pub use lookup::RECALL_K;
pub use machine::{
    Machine, cpu_model, iso_utc, load_average, meminfo_total, parse_loadavg, peak_rss_bytes,
    proc_bytes, utc_now,
};
pub use report::{InputInfo, Latency, LookupInfo, PairsInfo, RECALL_DEFINITION, Report, Seconds};

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::dataset::{self, BuildOptions, BuildSummary, RECORD_ID};
use crate::error::{Error, Result};
use crate::eval::{Scores, Truth, score_clusters};
use crate::output;
use crate::pipeline::{Dedupe, Matcher, MatcherBuilder};
use crate::store::Store;
use crate::synth::{self, GenConfig, Shape};
use crate::util::fs::{atomic_write, create_dir_all};
use crate::util::progress::Progress;

/// Records per entity the generator gives with its default settings (about 1.6).
pub const RECORDS_PER_ENTITY: f64 = 1.6;

/// The data of a run.
#[derive(Clone, Debug)]
pub enum BenchData {
    /// Generate a dedupe dataset of about this many records (round(records / 1.6) entities,
    /// the generator's defaults otherwise) into the output directory.
    Generate {
        /// Records wanted.
        records: u64,
    },
    /// Use this dataset (CSV with the standard header) and its truth (`record_id,entity_id`).
    Given {
        /// The records.
        records_csv: PathBuf,
        /// Their truth.
        truth_csv: PathBuf,
    },
}

/// What [`run`] does.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// The data.
    pub data: BenchData,
    /// Seed of the generator and of the draw of the queries.
    pub seed: u64,
    /// Output directory (created if needed).
    pub out: PathBuf,
    /// Lookups to run (at least 1).
    pub queries: usize,
    /// The command line, as recorded in `bench.json`.
    pub command: Vec<String>,
}

/// What [`run`] tells as it goes, besides the progress of its stages.
#[derive(Debug)]
pub enum Note<'a> {
    /// The store is built (its rows skipped and warnings are the caller's to report).
    Built(&'a BuildSummary),
    /// A stage is done: one line of figures (`build: 2,004 records in 0.05 s`).
    Done(String),
}

/// The outcome of [`run`].
#[derive(Debug)]
pub struct Bench {
    /// Every figure (written to `bench.json`).
    pub report: Report,
    /// The markdown table (written to `bench.md`).
    pub markdown: String,
    /// The build of the store.
    pub built: BuildSummary,
}

/// Runs the benchmark into `opts.out`: data, build, dedupe, outputs, eval, lookups, then
/// `bench.json` and `bench.md`. Uses the current rayon pool. `progress` sees the generate,
/// build and dedupe stages; `note` each stage's figures.
pub fn run(
    opts: &BenchOptions,
    progress: &dyn Progress,
    note: &mut dyn FnMut(Note<'_>),
) -> Result<Bench> {
    let start = Instant::now();
    if opts.queries == 0 {
        return Err(config("queries", "must be at least 1"));
    }
    let load_start = load_average();
    create_dir_all(&opts.out)?;
    let mut secs = Seconds::default();
    let input = data(opts, progress, note, &mut secs)?;
    let (built, store) = build(&input.records_csv, &opts.out, progress, note, &mut secs)?;
    let result = dedupe(&store, progress, note, &mut secs)?;
    let threads = rayon::current_num_threads();
    let pairs = PairsInfo {
        candidate: result.stats.pairs_compared,
        above_threshold: result.stats.pairs_above_threshold,
        per_second: result.stats.pairs_per_second,
        per_second_per_core: result.stats.pairs_per_second / threads as f64,
    };
    write_outputs(&store, &result, &opts.out, &mut secs)?;
    let (scores, entity) = evaluate(&store, &result.labels, &input.truth_csv, note, &mut secs)?;
    let matcher = MatcherBuilder::new().model(result.model.clone()).build()?;
    drop(result);
    let lookup = lookup::lookups(
        &store,
        &matcher,
        &entity,
        (opts.seed, opts.queries),
        &input.truth_csv,
        &mut secs,
    )?;
    note(Note::Done(format!(
        "lookups: {} queries, recall@1 {:.4}, recall@10 {:.4}, p50 {:.0} µs, p99 {:.0} µs, \
         {:.0} queries/s",
        lookup.queries,
        lookup.recall_at_1,
        lookup.recall_at_10,
        lookup.latency_us.p50,
        lookup.latency_us.p99,
        lookup.queries_per_second
    )));
    secs.total = start.elapsed().as_secs_f64();
    let report = Report {
        vnlink_version: env!("CARGO_PKG_VERSION"),
        date: utc_now(),
        command: opts.command.clone(),
        machine: Machine::now(threads, load_start),
        input,
        records: store.record_count(),
        rows_skipped: built.ingest.rows_skipped,
        store_bytes: built.bytes,
        seconds: secs,
        pairs,
        clusters: scores.pred_clusters as u64,
        peak_rss_bytes: peak_rss_bytes(),
        eval: scores,
        lookup,
    };
    let markdown = write_report(&report, &opts.out)?;
    Ok(Bench { report, markdown, built })
}

/// An invalid option.
fn config(key: &str, reason: &str) -> Error {
    Error::Config { path: None, key: key.to_owned(), reason: reason.to_owned() }
}

/// Stage 1: generates the dataset into `opts.out`, or checks the one given.
fn data(
    opts: &BenchOptions,
    progress: &dyn Progress,
    note: &mut dyn FnMut(Note<'_>),
    secs: &mut Seconds,
) -> Result<InputInfo> {
    match &opts.data {
        BenchData::Given { records_csv, truth_csv } => {
            if dataset::is_store(records_csv) {
                return Err(Error::Input {
                    path: records_csv.clone(),
                    reason: "is a store; give the CSV it was built from".into(),
                });
            }
            Ok(InputInfo {
                generated: false,
                records_requested: None,
                entities: None,
                seed: opts.seed,
                records_csv: records_csv.clone(),
                truth_csv: truth_csv.clone(),
            })
        }
        &BenchData::Generate { records } => {
            let entities = ((records as f64 / RECORDS_PER_ENTITY).round() as u64).max(1);
            let cfg = GenConfig { entities, seed: opts.seed, ..GenConfig::default() };
            progress.stage("generate", Some(entities));
            let t = Instant::now();
            let mut done = 0;
            let summary =
                synth::generate_with_progress(&cfg, Shape::Dedupe, &opts.out, &mut |n| {
                    progress.advance(n.saturating_sub(done));
                    done = n;
                })?;
            progress.finish();
            let s = t.elapsed().as_secs_f64();
            secs.generate = Some(s);
            let records_made = summary.stats.records;
            note(Note::Done(format!(
                "generate: {entities} entities, {records_made} records in {s:.2} s"
            )));
            Ok(InputInfo {
                generated: true,
                records_requested: Some(records),
                entities: Some(entities),
                seed: opts.seed,
                records_csv: opts.out.join("records.csv"),
                truth_csv: opts.out.join("truth.csv"),
            })
        }
    }
}

/// Stage 2: builds `out/store.vnl` from the records and opens it.
fn build(
    records_csv: &Path,
    out: &Path,
    progress: &dyn Progress,
    note: &mut dyn FnMut(Note<'_>),
    secs: &mut Seconds,
) -> Result<(BuildSummary, Store)> {
    let store_path = out.join("store.vnl");
    progress.stage("build", None);
    let t = Instant::now();
    let mut done = 0;
    let built = dataset::build_csv(records_csv, &store_path, &BuildOptions::default(), |n| {
        progress.advance(n.saturating_sub(done));
        done = n;
    })?;
    progress.finish();
    secs.build = t.elapsed().as_secs_f64();
    note(Note::Built(&built));
    let store = Store::open(&store_path)?;
    let records = store.record_count();
    note(Note::Done(format!("build: {records} records in {:.2} s", secs.build)));
    Ok((built, store))
}

/// Stage 3: dedupes the store with a trained model.
fn dedupe(
    store: &Store,
    progress: &dyn Progress,
    note: &mut dyn FnMut(Note<'_>),
    secs: &mut Seconds,
) -> Result<Dedupe> {
    progress.stage("dedupe", None);
    let t = Instant::now();
    let result = Matcher::new().dedupe(store)?;
    progress.finish();
    secs.dedupe = t.elapsed().as_secs_f64();
    let stage = |k: &str| result.stats.seconds.get(k).copied().unwrap_or(0.0);
    secs.train = stage("train");
    secs.learn_blocking = stage("learn_blocking");
    secs.block_and_score = stage("block_and_score");
    secs.block = stage("block");
    secs.score = stage("score");
    secs.cluster = stage("cluster");
    let s = &result.stats;
    note(Note::Done(format!(
        "dedupe: {} candidate pairs, {} above the threshold, {} clusters in {:.2} s",
        s.pairs_compared, s.pairs_above_threshold, s.clusters, secs.dedupe
    )));
    Ok(result)
}

/// Stage 4: writes clusters.csv, pairs.csv and model.json.
fn write_outputs(store: &Store, result: &Dedupe, out: &Path, secs: &mut Seconds) -> Result<()> {
    let t = Instant::now();
    let ids = store.str_column(RECORD_ID)?;
    let id = |i: u32| ids.get(u64::from(i));
    let style = output::CsvStyle::default();
    output::write_clusters(&out.join("clusters.csv"), &result.labels, id, style)?;
    let more = output::PairColumns { labels: Some(&result.labels), values: None };
    output::write_pairs(
        &out.join("pairs.csv"),
        &result.model,
        &result.pairs,
        id,
        id,
        style,
        &more,
    )?;
    result.model.write(out.join("model.json"))?;
    secs.write = t.elapsed().as_secs_f64();
    Ok(())
}

/// Stage 5: scores the clusters (`labels`, one per stored record) against the truth; returns
/// the scores and the entity of every stored record (`u32::MAX`: not in the truth).
fn evaluate(
    store: &Store,
    labels: &[u32],
    truth_csv: &Path,
    note: &mut dyn FnMut(Note<'_>),
    secs: &mut Seconds,
) -> Result<(Scores, Vec<u32>)> {
    let t = Instant::now();
    let truth = Truth::read(truth_csv)?;
    let ids = store.str_column(RECORD_ID)?;
    let records = store.record_count();
    let mut by_truth: Vec<u64> = (0..truth.len() as u64).map(|i| (1 << 40) + i).collect();
    let mut entity = vec![u32::MAX; records as usize];
    let mut unknown = 0u64;
    for i in 0..records {
        let rid = ids.get(i);
        match truth.position(rid) {
            Some(p) => {
                by_truth[p as usize] = u64::from(labels[i as usize]);
                entity[i as usize] = truth.entity_of(rid).unwrap_or(u32::MAX);
            }
            None => unknown += 1,
        }
    }
    let mut scores = score_clusters(&truth, &by_truth);
    scores.unknown_ids_in_pred = unknown;
    secs.eval = t.elapsed().as_secs_f64();
    note(Note::Done(format!(
        "eval: pairwise F1 {:.4}, B-cubed F1 {:.4} in {:.2} s",
        scores.pairwise.f1, scores.bcubed.f1, secs.eval
    )));
    Ok((scores, entity))
}

/// Stage 6: writes `bench.json` and `bench.md` into `out`; returns the markdown.
fn write_report(report: &Report, out: &Path) -> Result<String> {
    let path = out.join("bench.json");
    let json = serde_json::to_vec_pretty(report)
        .map_err(|e| Error::io(&path, std::io::Error::other(e)))?;
    atomic_write(&path, &json)?;
    let md = report.markdown();
    atomic_write(out.join("bench.md"), md.as_bytes())?;
    Ok(md)
}
