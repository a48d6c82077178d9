//! `vnlink dedupe`: find the duplicates in one file or store and cluster them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use vnlink::output;
use vnlink::pipeline::dataset::RECORD_ID;

use super::common::{
    InputArgs, MatchArgs, exit, load_or_build, report_training, set_threads, skipped,
};

/// Find duplicates within one dataset (CSV or `.vnl` store) and cluster them.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink dedupe data/sample/records.csv\n  \
    vnlink dedupe people.vnl --out out/ --threshold 0.9 --model model.json\n\n\
    Writes in DIR: clusters.csv (record_id,cluster_id), pairs.csv (left_id,right_id,\
    match_probability,match_weight and one level per field), model.json (the model used) and \
    report.json (counts, timings, blocking statistics, skipped rows, training). A CSV input is \
    first built into DIR/store.vnl, and the model is saved into it for `vnlink query`; with a \
    store as input, --save-model saves it there.")]
pub struct Args {
    /// Input: a CSV file or a `.vnl` store.
    input: PathBuf,
    /// Output directory.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Save the model into the input store (rewritten atomically) for lookups; a CSV input's
    /// store in DIR always gets it.
    #[arg(long)]
    save_model: bool,
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
    vnlink::util::fs::create_dir_all(&args.out)?;
    let own_rules = super::common::own_rules(args.matching.config.as_deref());
    let store_path = args.out.join("store.vnl");
    let loaded = load_or_build(&args.input, &store_path, &args.reading, &mut cfg, own_rules, q)?;
    let matcher = args.matching.matcher_with(cfg)?;
    let store = &loaded.store;

    let result = matcher.dedupe(store)?;
    let warned = report_training(result.training.as_ref());

    let t = Instant::now();
    let ids = store.str_column(RECORD_ID)?;
    let id = |i: u32| ids.get(u64::from(i));
    output::write_clusters(&args.out.join("clusters.csv"), &result.labels, id)?;
    output::write_pairs(&args.out.join("pairs.csv"), &result.model, &result.pairs, id, id)?;
    result.model.write(args.out.join("model.json"))?;
    if loaded.built.is_some() {
        vnlink::pipeline::dataset::save_model(store, &store_path, &result.model)?;
    } else if args.save_model {
        vnlink::pipeline::dataset::save_model(store, &args.input, &result.model)?;
    }
    let write_s = t.elapsed().as_secs_f64();

    let mut stats = result.stats.clone();
    stats.seconds.insert("build_or_open".into(), loaded.seconds);
    stats.seconds.insert("write".into(), write_s);
    stats.seconds.insert("total".into(), start.elapsed().as_secs_f64());
    let report = json!({
        "command": "dedupe",
        "input": args.input,
        "store": if loaded.built.is_some() { args.out.join("store.vnl") } else { args.input.clone() },
        "config": matcher.config(),
        "model_given": args.matching.model,
        "ingest": loaded.built.as_ref().map(|b| &b.ingest),
        "build": loaded.built.as_ref().map(|b| &b.meta),
        "training": result.training,
        "stats": stats,
    });
    output::write_json(&args.out.join("report.json"), &report)?;
    if !q {
        summary("dedupe", &args.out, &stats);
        training_summary(result.training.as_ref());
    }
    Ok(exit(skipped(loaded.built.as_ref()) || warned))
}

/// One line on the model: how it was trained and the matches training believes the data holds.
pub fn training_summary(t: Option<&vnlink::pipeline::TrainReport>) {
    match t {
        Some(t) => eprintln!(
            "  model: {} (the data holds about {:.0} matching pairs; prior {:.2e})",
            if t.method == "em" { "trained by EM" } else { "the reference model's m" },
            t.estimated_matches,
            t.prior
        ),
        None => eprintln!("  model: given (--model)"),
    }
}

pub fn summary(what: &str, out: &Path, s: &vnlink::pipeline::RunStats) {
    let secs = |k: &str| s.seconds.get(k).copied().unwrap_or(0.0);
    eprintln!(
        "{what}: {} records{}; {} pairs compared ({:.1} M/s), {} above the threshold{} in {:.2} s",
        s.records,
        if s.records_right > 0 { format!(" × {}", s.records_right) } else { String::new() },
        s.pairs_compared,
        s.pairs_per_second / 1e6,
        s.pairs_above_threshold,
        if s.clusters > 0 { format!(", {} clusters", s.clusters) } else { String::new() },
        secs("total"),
    );
    eprintln!(
        "  stages: build/open {:.2} s, train {:.2} s, block {:.2} s, score {:.2} s, cluster {:.2} s, write {:.2} s",
        secs("build_or_open"),
        secs("train"),
        secs("block"),
        secs("score"),
        secs("cluster"),
        secs("write")
    );
    if s.cannot_link_refusals > 0 {
        eprintln!("  {} merges refused: different valid CCCDs", s.cannot_link_refusals);
    }
    for r in s.blocking.iter().filter(|r| r.blocks_skipped > 0) {
        eprintln!(
            "  rule {}: {} oversized blocks skipped ({} pairs not compared)",
            r.rule, r.blocks_skipped, r.pairs_skipped
        );
    }
    eprintln!("  output in {}", out.display());
}
