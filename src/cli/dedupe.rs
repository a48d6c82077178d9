//! `vnlink dedupe`: find the duplicates in one file or store and cluster them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use serde_json::json;
use vnlink::dataset::RECORD_ID;
use vnlink::output;
use vnlink::output::{OutputSet, PairColumns};
use vnlink::pipeline::query::StoredRecords;

use super::common::{
    CsvArgs, InputArgs, MatchArgs, check_outputs, exit, note_stale, report_training, skipped,
};
use super::report::{Extras, LangArg, samples, write_html};
use vnlink::report::Lang;

/// Find duplicates within one dataset (CSV or `.vnl` store) and cluster them.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink dedupe data/sample/records.csv\n  \
    vnlink dedupe people.vnl --out out/ --threshold 0.9 --model model.json\n\n\
    Writes in DIR: clusters.csv (record_id,cluster_id), pairs.csv (left_id,right_id,\
    match_probability,match_weight, one level per field — the levels are documented in \
    docs/levels.md —, cluster: joined, or split_cannot_link when the cannot-link rule kept the \
    pair's records apart; with --pairs-values both records' values), model.json (the model used), \
    report.json (counts, timings, blocking statistics, skipped rows, training, the score \
    distribution with precision and recall estimated at each threshold, cluster sizes, field \
    completeness, sample pairs explained) and report.html (the same as a self-contained page: \
    charts, no script, opens offline; `vnlink report DIR` draws it again). `vnlink review DIR` \
    then writes the uncertain pairs for a person to label. A CSV input is \
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
    /// A truth (`record_id,entity_id`, as `vnlink eval` reads it): the report's precision and
    /// recall at each threshold are then exact, beside those estimated from the model alone.
    /// Changes nothing else.
    #[arg(long, value_name = "CSV")]
    truth: Option<PathBuf>,
    /// Language of report.html (default: from the data: Vietnamese unless the names are not).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// pairs.csv also carries both records' values of each field, as their source wrote them
    /// (`left_full_name,right_full_name,…`).
    #[arg(long)]
    pairs_values: bool,
    /// Write the input back as DIR/NAME.annotated.EXT: every row in its place, in the input's
    /// encoding, delimiter and line ends, with `cluster_id`, `cluster_size` and
    /// `best_match_probability` appended (empty for a row the run skipped). A CSV input with a
    /// record-id column.
    #[arg(long)]
    annotate: bool,
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
    let mut names = vec!["clusters.csv", "pairs.csv", "model.json", "report.json", "report.html"];
    if built_here {
        names.push("store.vnl");
    }
    let annotated = args.annotate.then(|| annotated_name(&args.input)).transpose()?;
    names.extend(annotated.as_deref());
    let outputs: Vec<PathBuf> = names.iter().map(|n| args.out.join(n)).collect();
    let m = &args.matching;
    check_outputs(&outputs, &[Some(&args.input), m.config.as_deref(), m.model.as_deref()])?;
    // All outputs go to a staging directory inside DIR, renamed into place together at the end,
    // under a lock on DIR.
    let set = OutputSet::begin(&args.out)?;
    note_stale(set.stale_removed(), q);
    let store_path = set.path("store.vnl");
    let loaded = run.load(&[&args.input], std::slice::from_ref(&store_path))?.remove(0);
    let store = &loaded.store;
    let matcher = run.judged_matcher(args.truth.as_deref(), &[store])?;

    let result = matcher.dedupe(store)?;
    let warned = report_training(result.training.as_ref());

    let t = Instant::now();
    let ids = store.str_column(RECORD_ID)?;
    let id = |i: u32| ids.get(u64::from(i));
    let style = args.csv.style();
    output::write_clusters(&set.path("clusters.csv"), &result.labels, id, style)?;
    let values = args.pairs_values.then(|| StoredRecords::new(store)).transpose()?;
    let more =
        PairColumns { labels: Some(&result.labels), values: values.as_ref().map(|v| (v, v)) };
    output::write_pairs(
        &set.path("pairs.csv"),
        &result.model,
        &result.pairs,
        id,
        id,
        style,
        &more,
    )?;
    result.model.write(set.path("model.json"))?;
    if let Some(name) = &annotated {
        let rows = annotate(&args.input, &set.path(name), &run.setup.ingest, &result, &ids)?;
        if !q {
            eprintln!(
                "  {name}: {} rows written back, {} of them annotated",
                rows.rows, rows.annotated
            );
        }
    }
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
    let lang = args.lang.map_or_else(|| Lang::of_store(store), Lang::from);
    let extras = Extras {
        lang,
        stats: &stats,
        threshold_weight: matcher.config().threshold.weight(),
        clusters: Some(vnlink::report::clusters(&result.labels, id)),
        completeness: vnlink::report::completeness(store)?,
        samples: samples(&matcher, (store, None), &result.model, &result.pairs)?,
    };
    let mut report = json!({
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
    extras.add_to(&mut report);
    output::write_json(&set.path("report.json"), &report)?;
    write_html(&set.path("report.html"), &report, &result.model, lang)?;
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

/// The annotated copy's file name: `NAME.annotated.EXT` of a CSV input.
fn annotated_name(input: &Path) -> anyhow::Result<String> {
    anyhow::ensure!(
        !vnlink::dataset::is_store(input) && !vnlink::ingest::excel::is_excel_path(input),
        "--annotate writes a CSV input back; {} is not one (an Excel sheet: save it as CSV UTF-8 \
         first)",
        input.display()
    );
    let stem = input.file_stem().map_or_else(|| "input".into(), |s| s.to_string_lossy());
    let ext = input.extension().map_or_else(|| "csv".into(), |e| e.to_string_lossy());
    Ok(format!("{stem}.annotated.{ext}"))
}

/// Writes `input` back to `out` with each record's cluster, its size and its best pair.
fn annotate(
    input: &Path,
    out: &Path,
    ingest: &vnlink::ingest::IngestOptions,
    result: &vnlink::pipeline::Dedupe,
    ids: &vnlink::store::StrColumn<'_>,
) -> anyhow::Result<vnlink::output::annotate::Annotated> {
    let source = vnlink::ingest::CsvSource::open(input, ingest)?;
    let Some(id_column) = source.schema().index_of(vnlink::schema::FieldKind::RecordId) else {
        anyhow::bail!(
            "--annotate finds rows by their record id, and {} has no record-id column (the ids \
             were made from row numbers): add one, or name it with --column record_id=HEADER",
            input.display()
        );
    };
    let n = result.labels.len();
    let mut size = vec![0u64; n];
    for &l in &result.labels {
        size[l as usize] += 1;
    }
    let mut best = vec![f64::NAN; n];
    for p in &result.pairs {
        for i in [p.left as usize, p.right as usize] {
            if best[i].is_nan() || p.match_probability > best[i] {
                best[i] = p.match_probability;
            }
        }
    }
    let by_id: rustc_hash::FxHashMap<&str, u32> =
        (0..n as u32).map(|i| (ids.get(u64::from(i)), i)).collect();
    let format = (source.encoding(), source.delimiter());
    let header = !source.headerless();
    drop(source);
    Ok(vnlink::output::annotate::annotate(input, out, format, id_column, header, |id| {
        let i = *by_id.get(id)? as usize;
        let cluster = result.labels[i];
        Some(vnlink::output::annotate::Annotation {
            cluster_id: ids.get(u64::from(cluster)).to_owned(),
            cluster_size: size[cluster as usize],
            best_match_probability: (!best[i].is_nan()).then_some(best[i]),
        })
    })?)
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
