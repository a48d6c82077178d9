//! The figures of a run (`bench.json`) and their markdown table (`bench.md`).

use crate::util::fmt::thousands;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::machine::Machine;
use crate::eval::{Prf, Scores};

/// The definition of recall@k, as written in the reports.
pub const RECALL_DEFINITION: &str = "queries are stored records whose entity has another stored \
    record; each is looked up with its own fields while it stays in the store; recall@k = share \
    of queries for which a record of the same entity, other than the query's own, is among the \
    first k candidates once the query's own record is left out of the ranking";

/// Where the data comes from.
#[derive(Clone, Debug, Serialize)]
pub struct InputInfo {
    /// Whether the run generated it.
    pub generated: bool,
    /// Records requested, when generated.
    pub records_requested: Option<u64>,
    /// Entities generated.
    pub entities: Option<u64>,
    /// The generator's seed (also the seed of the draw of the queries).
    pub seed: u64,
    /// The records file.
    pub records_csv: PathBuf,
    /// The truth file.
    pub truth_csv: PathBuf,
}

/// Seconds per stage.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Seconds {
    /// Generating the dataset (absent when given).
    pub generate: Option<f64>,
    /// CSV → store.
    pub build: f64,
    /// Dedupe: training the model.
    pub train: f64,
    /// Dedupe: learning blocking rules on top of the given ones (`block::learn`).
    pub learn_blocking: f64,
    /// Dedupe: blocking and scoring every candidate pair.
    pub block_and_score: f64,
    /// Dedupe: blocking alone (keys, sorts, splits).
    pub block: f64,
    /// Dedupe: comparing and weighing the candidate pairs.
    pub score: f64,
    /// Dedupe: clustering.
    pub cluster: f64,
    /// Dedupe as a whole (wall time of `Matcher::dedupe`).
    pub dedupe: f64,
    /// Writing clusters.csv, pairs.csv and model.json.
    pub write: f64,
    /// Reading the truth and scoring (pairwise and B-cubed).
    pub eval: f64,
    /// Preparing lookups: the store's name frequencies, first query.
    pub lookup_prepare: f64,
    /// The timed single-thread lookups (after the warm-up).
    pub lookup_single: f64,
    /// The batch of lookups on every thread.
    pub lookup_batch: f64,
    /// The whole run.
    pub total: f64,
}

/// Candidate pairs and scoring speed.
#[derive(Clone, Debug, Serialize)]
pub struct PairsInfo {
    /// Candidate pairs compared.
    pub candidate: u64,
    /// Pairs at or above the threshold.
    pub above_threshold: u64,
    /// Pairs compared per second of the block-and-score stage.
    pub per_second: f64,
    /// The same, divided by the worker threads.
    pub per_second_per_core: f64,
}

/// Latency percentiles, in microseconds.
#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Mean.
    pub mean: f64,
    /// Slowest.
    pub max: f64,
}

/// Lookup figures.
#[derive(Clone, Debug, Serialize)]
pub struct LookupInfo {
    /// Queries run.
    pub queries: usize,
    /// Stored records eligible as queries (their entity has another stored record).
    pub eligible: usize,
    /// Candidates asked per query (k of recall@k plus the query's own record).
    pub k: usize,
    /// Share of queries with a same-entity record first among the others.
    pub recall_at_1: f64,
    /// Share of queries with a same-entity record in the first 10 among the others.
    pub recall_at_10: f64,
    /// Single-thread latency (candidates with their explanations, without their stored fields).
    pub latency_us: Latency,
    /// Single-thread latency with the stored fields of every candidate (as `vnlink query`
    /// returns them), over the first queries.
    pub latency_with_fields_us: Latency,
    /// Queries per second on every thread.
    pub queries_per_second: f64,
    /// Threads of the batch.
    pub threads: usize,
    /// Whether the batch gave the same answers as the single-thread run.
    pub parallel_answers_match: bool,
    /// How recall is counted.
    pub recall_definition: &'static str,
}

/// Everything `bench.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The crate's version.
    pub vnlink_version: &'static str,
    /// UTC, ISO 8601.
    pub date: String,
    /// The command line.
    pub command: Vec<String>,
    /// The machine.
    pub machine: Machine,
    /// The data.
    pub input: InputInfo,
    /// Records in the store.
    pub records: u64,
    /// Input rows skipped by the build.
    pub rows_skipped: u64,
    /// Size of store.vnl.
    pub store_bytes: u64,
    /// Seconds per stage.
    pub seconds: Seconds,
    /// Candidate pairs.
    pub pairs: PairsInfo,
    /// Clusters found (singletons included).
    pub clusters: u64,
    /// Peak resident set size (`VmHWM`), when the platform tells.
    pub peak_rss_bytes: Option<u64>,
    /// Pairwise and B-cubed scores against the truth.
    pub eval: Scores,
    /// Lookups.
    pub lookup: LookupInfo,
}

impl Report {
    /// The markdown report (`bench.md`): the machine, then one table of figures.
    pub fn markdown(&self) -> String {
        let (r, s, m, lk) = (self, &self.seconds, &self.machine, &self.lookup);
        let mut out = String::new();
        let load = |a: Option<[f64; 3]>| {
            a.map_or_else(|| "n/a".to_owned(), |a| format!("{:.2} {:.2} {:.2}", a[0], a[1], a[2]))
        };
        let _ = writeln!(
            out,
            "vnlink {} bench, {} — {}, {} cores ({} threads used), {} RAM, {}; load average {} \
             at the start, {} at the end\n",
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
        let secs = |x: f64| format!("{x:.2} s");
        row("metric", "value".into());
        row("---", "---:".into());
        row("records", thousands(r.records));
        row("candidate pairs", thousands(r.pairs.candidate));
        row("pairs above the threshold", thousands(r.pairs.above_threshold));
        row("clusters", thousands(r.clusters));
        row("generate", s.generate.map_or_else(|| "n/a (given)".into(), secs));
        row("build (CSV → store)", secs(s.build));
        row("dedupe: train", secs(s.train));
        row("dedupe: block", secs(s.block));
        row("dedupe: score", secs(s.score));
        row("dedupe: cluster", secs(s.cluster));
        row("dedupe (total)", secs(s.dedupe));
        row("write outputs", secs(s.write));
        row("eval", secs(s.eval));
        row("lookup preparation", secs(s.lookup_prepare));
        row("total (with lookups)", secs(s.total));
        row("pairs scored / s (scoring stage)", thousands(r.pairs.per_second as u64));
        row(
            &format!("pairs scored / s per core ({} threads)", m.threads),
            thousands(r.pairs.per_second_per_core as u64),
        );
        row("peak RSS", r.peak_rss_bytes.map_or_else(|| "n/a".into(), bytes));
        let prf = |p: &Prf| format!("{:.4} / {:.4} / {:.4}", p.precision, p.recall, p.f1);
        row("pairwise P / R / F1", prf(&r.eval.pairwise));
        row("B-cubed P / R / F1", prf(&r.eval.bcubed));
        let l = &lk.latency_us;
        row(
            "query latency p50 / p90 / p99 (1 thread)",
            format!("{:.0} / {:.0} / {:.0} µs", l.p50, l.p90, l.p99),
        );
        let l = &lk.latency_with_fields_us;
        row("with the stored fields: p50 / p99", format!("{:.0} / {:.0} µs", l.p50, l.p99));
        row(
            &format!("queries / s ({} threads)", lk.threads),
            thousands(lk.queries_per_second as u64),
        );
        row(
            &format!("recall@1 / recall@10 ({} queries)", thousands(lk.queries as u64)),
            format!("{:.4} / {:.4}", lk.recall_at_1, lk.recall_at_10),
        );
        let _ = writeln!(out, "\nrecall@k: {RECALL_DEFINITION}.");
        out
    }
}

/// A byte count in GB or MB.
fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 { format!("{:.2} GB", n / 1e9) } else { format!("{:.0} MB", n / 1e6) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format() {
        assert_eq!(bytes(1_500_000_000), "1.50 GB");
        assert_eq!(bytes(42_000_000), "42 MB");
    }
}
