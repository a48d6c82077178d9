//! `vnlink link`: find the records of one dataset that match records of another.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use vnlink::dataset::RECORD_ID;
use vnlink::output;
use vnlink::output::OutputSet;

use super::common::{
    CsvArgs, InputArgs, MatchArgs, check_outputs, exit, note_stale, report_training, skipped,
};

/// Link two datasets (CSV files or `.vnl` stores): which records of B are records of A.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  vnlink link registry.csv agency.csv --out out/ --one-to-one\n\n\
    Writes in DIR: links.csv (left_id from A, right_id from B, match_probability, match_weight), \
    pairs.csv (the same with one level per field), model.json and report.json. CSV inputs are \
    first built into DIR/left.vnl and DIR/right.vnl. As with dedupe, the files are staged inside \
    DIR and renamed into place together under a lock on DIR, and an input that an output would \
    replace is refused."
)]
pub struct Args {
    /// First dataset (A): CSV or `.vnl`.
    left: PathBuf,
    /// Second dataset (B): CSV or `.vnl`.
    right: PathBuf,
    /// Output directory.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Keep only each record's best link, on both sides.
    #[arg(long)]
    one_to_one: bool,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let q = args.matching.quiet;
    let mut run = args.matching.run(&args.reading)?;
    if args.one_to_one {
        run.setup.config.one_to_one = true;
    }
    let mut names = vec!["links.csv", "pairs.csv", "model.json", "report.json"];
    if !vnlink::dataset::is_store(&args.left) {
        names.push("left.vnl");
    }
    if !vnlink::dataset::is_store(&args.right) {
        names.push("right.vnl");
    }
    let outputs: Vec<PathBuf> = names.iter().map(|n| args.out.join(n)).collect();
    let m = &args.matching;
    check_outputs(
        &outputs,
        &[Some(&args.left), Some(&args.right), m.config.as_deref(), m.model.as_deref()],
    )?;
    // All outputs go to a staging directory inside DIR, renamed into place together at the end,
    // under a lock on DIR.
    let set = OutputSet::begin(&args.out)?;
    note_stale(set.stale_removed(), q);
    let paths = [set.path("left.vnl"), set.path("right.vnl")];
    let mut loaded = run.load(&[&args.left, &args.right], &paths)?.into_iter();
    let (Some(left), Some(right)) = (loaded.next(), loaded.next()) else {
        anyhow::bail!("two inputs expected")
    };
    let matcher = run.matcher()?;

    let result = matcher.link(&left.store, &right.store)?;
    let warned = report_training(result.training.as_ref());

    let t = Instant::now();
    let lids = left.store.str_column(RECORD_ID)?;
    let rids = right.store.str_column(RECORD_ID)?;
    let lid = |i: u32| lids.get(u64::from(i));
    let rid = |i: u32| rids.get(u64::from(i));
    let style = args.csv.style();
    output::write_links(&set.path("links.csv"), &result.pairs, lid, rid, style)?;
    output::write_pairs(&set.path("pairs.csv"), &result.model, &result.pairs, lid, rid, style)?;
    result.model.write(set.path("model.json"))?;

    let mut stats = result.stats.clone();
    stats.seconds.insert("build_or_open".into(), left.seconds + right.seconds);
    stats.seconds.insert("write".into(), t.elapsed().as_secs_f64());
    stats.seconds.insert("total".into(), start.elapsed().as_secs_f64());
    let oversized = stats.oversized_warnings();
    let report = json!({
        "command": "link",
        "left": args.left,
        "right": args.right,
        "config": matcher.config(),
        "model_given": args.matching.model,
        "ingest": [left.built.as_ref().map(|b| &b.ingest), right.built.as_ref().map(|b| &b.ingest)],
        "build": [left.built.as_ref().map(|b| &b.meta), right.built.as_ref().map(|b| &b.meta)],
        "training": result.training,
        "stats": stats,
        "warnings": oversized,
    });
    output::write_json(&set.path("report.json"), &report)?;
    set.commit()?;
    if !q {
        super::dedupe::summary("link", &args.out, &stats);
        super::dedupe::training_summary(result.training.as_ref());
    }
    for w in &oversized {
        eprintln!("warning: {w}");
    }
    let skipped_rows = skipped(left.built.as_ref()) || skipped(right.built.as_ref());
    Ok(exit(skipped_rows || warned || !oversized.is_empty()))
}
