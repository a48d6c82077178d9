//! `vnlink link`: find the records of one dataset that match records of another.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use vnlink::output;
use vnlink::pipeline::dataset::RECORD_ID;

use super::common::{
    InputArgs, MatchArgs, exit, load_or_build_pair, report_training, set_threads, skipped,
};

/// Link two datasets (CSV files or `.vnl` stores): which records of B are records of A.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Example:\n  vnlink link registry.csv agency.csv --out out/ --one-to-one\n\n\
    Writes in DIR: links.csv (left_id from A, right_id from B, match_probability, match_weight), \
    pairs.csv (the same with one level per field), model.json and report.json. CSV inputs are \
    first built into DIR/left.vnl and DIR/right.vnl."
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
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let q = args.matching.quiet;
    set_threads(args.matching.threads)?;
    let mut cfg = args.matching.config()?;
    if args.one_to_one {
        cfg.one_to_one = true;
    }
    vnlink::util::fs::create_dir_all(&args.out)?;
    let own_rules = super::common::own_rules(args.matching.config.as_deref());
    let (lp, rp) = (args.out.join("left.vnl"), args.out.join("right.vnl"));
    let [left, right] = load_or_build_pair(
        [&args.left, &args.right],
        [&lp, &rp],
        &args.reading,
        &mut cfg,
        own_rules,
        q,
    )?;
    let matcher = args.matching.matcher_with(cfg)?;

    let result = matcher.link(&left.store, &right.store)?;
    let warned = report_training(result.training.as_ref());

    let t = Instant::now();
    let lids = left.store.str_column(RECORD_ID)?;
    let rids = right.store.str_column(RECORD_ID)?;
    let lid = |i: u32| lids.get(u64::from(i));
    let rid = |i: u32| rids.get(u64::from(i));
    output::write_links(&args.out.join("links.csv"), &result.pairs, lid, rid)?;
    output::write_pairs(&args.out.join("pairs.csv"), &result.model, &result.pairs, lid, rid)?;
    result.model.write(args.out.join("model.json"))?;

    let mut stats = result.stats.clone();
    stats.seconds.insert("build_or_open".into(), left.seconds + right.seconds);
    stats.seconds.insert("write".into(), t.elapsed().as_secs_f64());
    stats.seconds.insert("total".into(), start.elapsed().as_secs_f64());
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
    });
    output::write_json(&args.out.join("report.json"), &report)?;
    if !q {
        super::dedupe::summary("link", &args.out, &stats);
        super::dedupe::training_summary(result.training.as_ref());
    }
    Ok(exit(skipped(left.built.as_ref()) || skipped(right.built.as_ref()) || warned))
}
