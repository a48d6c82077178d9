//! `vnlink dedupe`: find the duplicates in one file or store and cluster them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use vnlink::dataset::RECORD_ID;
use vnlink::output;
use vnlink::output::OutputSet;

use super::common::{
    CsvArgs, InputArgs, MatchArgs, check_outputs, exit, note_stale, report_training, skipped,
};

/// Find duplicates within one dataset (CSV or `.vnl` store) and cluster them.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink dedupe data/sample/records.csv\n  \
    vnlink dedupe people.vnl --out out/ --threshold 0.9 --model model.json\n\n\
    Writes in DIR: clusters.csv (record_id,cluster_id), pairs.csv (left_id,right_id,\
    match_probability,match_weight and one level per field; the levels are documented in \
    docs/levels.md), model.json (the model used) and \
    report.json (counts, timings, blocking statistics, skipped rows, training). A CSV input is \
    first built into DIR/store.vnl, and the model is saved into it for `vnlink query`; with a \
    store as input, --save-model saves it there.\n\n\
    The files are written into a private staging directory inside DIR and renamed into place \
    together once all are written, under a lock on DIR: a failed or interrupted run leaves the \
    previous outputs as they were, and a second run into the same DIR is refused while one \
    runs. An input that an output would replace is refused. Ids that start like a spreadsheet \
    formula are written with a leading ' (see --no-escape-formulas).")]
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
    let built_here = !vnlink::dataset::is_store(&args.input);
    let mut names = vec!["clusters.csv", "pairs.csv", "model.json", "report.json"];
    if built_here {
        names.push("store.vnl");
    }
    let outputs: Vec<PathBuf> = names.iter().map(|n| args.out.join(n)).collect();
    let m = &args.matching;
    check_outputs(&outputs, &[Some(&args.input), m.config.as_deref(), m.model.as_deref()])?;
    // All outputs go to a staging directory inside DIR, renamed into place together at the end,
    // under a lock on DIR.
    let set = OutputSet::begin(&args.out)?;
    note_stale(set.stale_removed(), q);
    let store_path = set.path("store.vnl");
    let loaded = run.load(&[&args.input], std::slice::from_ref(&store_path))?.remove(0);
    let matcher = run.matcher()?;
    let store = &loaded.store;

    let result = matcher.dedupe(store)?;
    let warned = report_training(result.training.as_ref());

    let t = Instant::now();
    let ids = store.str_column(RECORD_ID)?;
    let id = |i: u32| ids.get(u64::from(i));
    let style = args.csv.style();
    output::write_clusters(&set.path("clusters.csv"), &result.labels, id, style)?;
    output::write_pairs(&set.path("pairs.csv"), &result.model, &result.pairs, id, id, style)?;
    result.model.write(set.path("model.json"))?;
    if loaded.built.is_some() {
        vnlink::model::saved::save_model(store, &store_path, &result.model)?;
    } else if args.save_model {
        vnlink::model::saved::save_model(store, &args.input, &result.model)?;
    }
    let write_s = t.elapsed().as_secs_f64();

    let mut stats = result.stats.clone();
    stats.seconds.insert("build_or_open".into(), loaded.seconds);
    stats.seconds.insert("write".into(), write_s);
    stats.seconds.insert("total".into(), start.elapsed().as_secs_f64());
    let oversized = stats.oversized_warnings();
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
        "warnings": oversized,
    });
    output::write_json(&set.path("report.json"), &report)?;
    set.commit()?;
    if !q {
        summary("dedupe", &args.out, &stats);
        training_summary(result.training.as_ref());
    }
    for w in &oversized {
        eprintln!("warning: {w}");
    }
    Ok(exit(skipped(loaded.built.as_ref()) || warned || !oversized.is_empty()))
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
    eprintln!("  output in {}", out.display());
}
