//! `vnlink bench`: flags → [`BenchOptions`] → [`vnlink::bench::run`] (an end-to-end benchmark
//! with ground truth: generate, build, dedupe, outputs, eval, lookups; `bench.json` and
//! `bench.md`) → the table on stdout, progress and warnings on stderr.

use std::path::PathBuf;
use std::process::ExitCode;

use vnlink::bench::{self, BenchData, BenchOptions, Note};

use super::common::{Bars, exit, report_ingest, set_threads};

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

impl Args {
    /// The library's options of these flags.
    fn options(&self) -> anyhow::Result<BenchOptions> {
        if self.queries == 0 {
            anyhow::bail!("--queries must be at least 1");
        }
        let data = match (&self.input, &self.truth, self.records) {
            (Some(input), Some(truth), _) => {
                BenchData::Given { records_csv: input.clone(), truth_csv: truth.clone() }
            }
            (_, _, Some(records)) => BenchData::Generate { records },
            _ => anyhow::bail!("give --records N, or --input CSV with --truth CSV"),
        };
        Ok(BenchOptions {
            data,
            seed: self.seed,
            out: self.out.clone(),
            queries: self.queries,
            command: std::env::args().collect(),
        })
    }
}

/// Runs `vnlink bench`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let opts = args.options()?;
    set_threads(args.threads)?;
    let q = args.quiet;
    let bars = Bars::new(q);
    let done = bench::run(&opts, bars.as_ref(), &mut |n| match n {
        Note::Built(built) => report_ingest(built, q),
        Note::Done(line) if !q => eprintln!("{line}"),
        Note::Done(_) => {}
    })?;
    print!("{}", done.markdown);
    let mut warned = super::common::skipped(Some(&done.built));
    if !done.report.lookup.parallel_answers_match {
        eprintln!("warning: the lookups gave different answers on one and on several threads");
        warned = true;
    }
    Ok(exit(warned))
}
