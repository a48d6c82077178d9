//! `vnlink link`: find the records of one dataset that match records of another.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use vnlink::dataset::{RECORD_ID, Sources, View};
use vnlink::output;
use vnlink::output::{OutputSet, PairColumns};
use vnlink::pipeline::query::StoredRecords;

use super::common::{
    CsvArgs, InputArgs, MatchArgs, check_outputs, exit, note_stale, report_training, skipped,
};
use super::report::{Extras, LangArg, samples, write_html};
use vnlink::report::Lang;

/// Link two datasets (CSV files or `.vnl` stores): which records of B are records of A. With
/// more datasets or --clusters: link and deduplicate them all at once.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  vnlink link registry.csv agency.csv --out out/ --one-to-one\n  \
    vnlink link registry.csv school.csv phones.csv --out out/\n\n\
    Writes in DIR: links.csv (left_id from A, right_id from B, match_probability, match_weight), \
    pairs.csv (the same with one level per field), model.json and report.json. CSV inputs are \
    first built into DIR/left.vnl and DIR/right.vnl. As with dedupe, the files are staged inside \
    DIR and renamed into place together under a lock on DIR, and an input that an output would \
    replace is refused.\n\n\
    Link and dedupe (three inputs or more, or --clusters): the inputs are matched as one \
    dataset, pairs inside each input and across inputs, and clustered together: a person found \
    in three agency lists and the register is one cluster, and duplicates inside a list are \
    merged too. Writes clusters.csv (source,record_id,cluster_id: every record once; a cluster's \
    id is source:record_id of its first record), links.csv (source_left,left_id,source_right,\
    right_id,match_probability,match_weight: the pairs across inputs), pairs.csv (every pair \
    with its sources and levels), model.json and report.json; CSV inputs are built into \
    DIR/input1.vnl, DIR/input2.vnl… A source is named by its file name without extension."
)]
pub struct Args {
    /// First dataset (A): CSV or `.vnl`.
    left: PathBuf,
    /// Second dataset (B): CSV or `.vnl`.
    right: PathBuf,
    /// More datasets: link and dedupe all of them.
    more: Vec<PathBuf>,
    /// Link and dedupe (clusters across and inside the inputs), even of two inputs.
    #[arg(long, conflicts_with = "one_to_one")]
    clusters: bool,
    /// Output directory.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Keep only each record's best link, on both sides.
    #[arg(long)]
    one_to_one: bool,
    /// A truth (`record_id,entity_id[,source]`, as `vnlink eval` reads it; ids of the first
    /// input, then of the others): the report's precision and recall at each threshold are
    /// then exact, beside those estimated from the model alone. Changes nothing else.
    #[arg(long, value_name = "CSV")]
    truth: Option<PathBuf>,
    /// Language of report.html (default: from the data: Vietnamese unless the names are not).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// pairs.csv also carries both records' values of each field, as their source wrote them
    /// (`left_full_name,right_full_name,…`; two inputs only).
    #[arg(long, conflicts_with_all = ["clusters", "more"])]
    pairs_values: bool,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.clusters || !args.more.is_empty() {
        return run_many(args);
    }
    let start = Instant::now();
    let q = args.matching.quiet;
    let mut run = args.matching.run(&args.reading)?;
    if args.one_to_one {
        run.setup.config.one_to_one = true;
    }
    let mut names = vec!["links.csv", "pairs.csv", "model.json", "report.json", "report.html"];
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
    let matcher = run.judged_matcher(args.truth.as_deref(), &[&left.store, &right.store])?;

    let result = matcher.link(&left.store, &right.store)?;
    let warned = report_training(result.training.as_ref());

    let t = Instant::now();
    let lids = left.store.str_column(RECORD_ID)?;
    let rids = right.store.str_column(RECORD_ID)?;
    let lid = |i: u32| lids.get(u64::from(i));
    let rid = |i: u32| rids.get(u64::from(i));
    let style = args.csv.style();
    output::write_links(&set.path("links.csv"), &result.pairs, lid, rid, style)?;
    let values = if args.pairs_values {
        Some((StoredRecords::new(&left.store)?, StoredRecords::new(&right.store)?))
    } else {
        None
    };
    let more = PairColumns { labels: None, values: values.as_ref().map(|(l, r)| (l, r)) };
    output::write_pairs(
        &set.path("pairs.csv"),
        &result.model,
        &result.pairs,
        lid,
        rid,
        style,
        &more,
    )?;
    result.model.write(set.path("model.json"))?;

    let mut stats = result.stats.clone();
    stats.seconds.insert("build_or_open".into(), left.seconds + right.seconds);
    stats.seconds.insert("write".into(), t.elapsed().as_secs_f64());
    stats.seconds.insert("total".into(), start.elapsed().as_secs_f64());
    let oversized = stats.oversized_warnings();
    let lang = args.lang.map_or_else(|| Lang::of_store(&left.store), Lang::from);
    let stores = (&left.store, Some(&right.store));
    let extras = Extras {
        lang,
        stats: &stats,
        threshold_weight: matcher.config().threshold.weight(),
        clusters: None,
        completeness: vnlink::report::completeness(&left.store)?,
        samples: samples(&matcher, stores, &result.model, &result.pairs)?,
    };
    let mut report = json!({
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
    extras.add_to(&mut report);
    output::write_json(&set.path("report.json"), &report)?;
    write_html(&set.path("report.html"), &report, &result.model, lang)?;
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

/// The source names: each input's file name without extension, made unique with `#2`, `#3`….
fn source_names(inputs: &[&Path]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(inputs.len());
    for p in inputs {
        let stem =
            p.file_stem().map_or_else(|| "input".into(), |s| s.to_string_lossy().into_owned());
        let mut name = stem.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{stem}#{k}");
            k += 1;
        }
        names.push(name);
    }
    names
}

/// Link and dedupe of all the inputs.
fn run_many(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let quiet = args.matching.quiet;
    let mut run = args.matching.run(&args.reading)?;
    let inputs: Vec<&Path> = [args.left.as_path(), args.right.as_path()]
        .into_iter()
        .chain(args.more.iter().map(PathBuf::as_path))
        .collect();
    let store_names: Vec<String> = (1..=inputs.len()).map(|k| format!("input{k}.vnl")).collect();
    let mut names =
        vec!["clusters.csv", "links.csv", "pairs.csv", "model.json", "report.json", "report.html"];
    for (path, name) in inputs.iter().zip(&store_names) {
        if !vnlink::dataset::is_store(path) {
            names.push(name);
        }
    }
    let outputs: Vec<PathBuf> = names.iter().map(|n| args.out.join(n)).collect();
    let mut guarded: Vec<Option<&Path>> = inputs.iter().map(|p| Some(*p)).collect();
    guarded.extend([args.matching.config.as_deref(), args.matching.model.as_deref()]);
    check_outputs(&outputs, &guarded)?;
    let set = OutputSet::begin(&args.out)?;
    note_stale(set.stale_removed(), quiet);
    let paths: Vec<PathBuf> = store_names.iter().map(|n| set.path(n)).collect();
    let loaded = run.load(&inputs, &paths)?;
    let stores: Vec<&vnlink::store::Store> = loaded.iter().map(|l| &l.store).collect();
    let matcher = run.judged_matcher(args.truth.as_deref(), &stores)?;
    let result = matcher.link_and_dedupe(&stores)?;
    let warned = report_training(result.training.as_ref());

    let clock = Instant::now();
    let sources = source_names(&inputs);
    let across = write_many(args, &set, &stores, &sources, &result)?;
    let mut stats = result.stats.clone();
    stats.seconds.insert("build_or_open".into(), loaded.iter().map(|l| l.seconds).sum());
    stats.seconds.insert("write".into(), clock.elapsed().as_secs_f64());
    stats.seconds.insert("total".into(), start.elapsed().as_secs_f64());
    let oversized = stats.oversized_warnings();
    let lang = args.lang.map_or_else(|| Lang::of_store(stores[0]), Lang::from);
    let cluster_ids: Vec<String> = (0..result.labels.len() as u32)
        .map(|i| {
            let (k, j) = located_id(&stores, &sources, i);
            format!("{k}:{j}")
        })
        .collect();
    let extras = Extras {
        lang,
        stats: &stats,
        threshold_weight: matcher.config().threshold.weight(),
        clusters: Some(vnlink::report::clusters(&result.labels, |i| &cluster_ids[i as usize])),
        completeness: vnlink::report::completeness(stores[0])?,
        samples: Vec::new(),
    };
    let mut report = json!({
        "command": "link",
        "mode": "link_and_dedupe",
        "inputs": inputs,
        "sources": sources,
        "links_across_inputs": across,
        "config": matcher.config(),
        "model_given": args.matching.model,
        "ingest": loaded.iter().map(|l| l.built.as_ref().map(|b| &b.ingest)).collect::<Vec<_>>(),
        "build": loaded.iter().map(|l| l.built.as_ref().map(|b| &b.meta)).collect::<Vec<_>>(),
        "training": result.training,
        "stats": stats,
        "warnings": oversized,
    });
    extras.add_to(&mut report);
    output::write_json(&set.path("report.json"), &report)?;
    write_html(&set.path("report.html"), &report, &result.model, lang)?;
    set.commit()?;
    if !quiet {
        super::dedupe::summary("link and dedupe", &args.out, &stats);
        super::dedupe::training_summary(result.training.as_ref());
    }
    for w in &oversized {
        eprintln!("warning: {w}");
    }
    let skipped_rows = loaded.iter().any(|l| skipped(l.built.as_ref()));
    Ok(exit(skipped_rows || warned || !oversized.is_empty()))
}

/// The source name and record id of record `i` of the stores taken one after the other.
fn located_id<'a>(
    stores: &[&'a vnlink::store::Store],
    sources: &'a [String],
    mut i: u32,
) -> (&'a str, &'a str) {
    for (k, s) in stores.iter().enumerate() {
        let n = s.record_count() as u32;
        if i < n {
            return (sources[k].as_str(), s.record_id(i).unwrap_or(""));
        }
        i -= n;
    }
    ("", "")
}

/// Writes clusters.csv, links.csv (pairs across inputs: their number is returned), pairs.csv
/// and model.json of a link and dedupe.
fn write_many(
    args: &Args,
    set: &OutputSet,
    stores: &[&vnlink::store::Store],
    sources: &[String],
    result: &vnlink::pipeline::Dedupe,
) -> anyhow::Result<usize> {
    let ids = stores.iter().map(|st| st.str_column(RECORD_ID)).collect::<Result<Vec<_>, _>>()?;
    let views = stores.iter().map(|st| View::new(st)).collect::<Result<Vec<_>, _>>()?;
    let located = Sources::new(&views)?;
    let id = |i: u32| -> (&str, &str) {
        let (k, j) = located.locate(i);
        (sources[k].as_str(), ids[k].get(u64::from(j)))
    };
    let style = args.csv.style();
    output::write_sourced_clusters(&set.path("clusters.csv"), &result.labels, id, style)?;
    let source = |i: u32| located.locate(i).0;
    let across: Vec<vnlink::pipeline::Pair> =
        result.pairs.iter().filter(|p| source(p.left) != source(p.right)).copied().collect();
    output::write_sourced_pairs(&set.path("links.csv"), None, &across, id, style, None)?;
    let model = Some(&result.model);
    let labels = Some(result.labels.as_slice());
    output::write_sourced_pairs(&set.path("pairs.csv"), model, &result.pairs, id, style, labels)?;
    result.model.write(set.path("model.json"))?;
    Ok(across.len())
}
