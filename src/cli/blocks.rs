//! `vnlink blocks`: what the blocking rules would do, before a long run.

use std::path::PathBuf;
use std::process::ExitCode;

use vnlink::block::Blocking;
use vnlink::block::analyse::analyse;
use vnlink::block::learn::LearnReport;
use vnlink::compare::Records;
use vnlink::dataset::infer::infer;
use vnlink::dataset::{Joined, View};
use vnlink::eval::Truth;
use vnlink::store::Store;

use super::common::{InputArgs, MatchArgs, entities, exit, skipped};

/// Report, per blocking rule, the comparisons it generates, the cumulative recall on a truth
/// file when one is given, and the largest blocks; with the run's own rules, the rules learned
/// on top of them (judged by the truth when given, else by the model a run trains).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  vnlink blocks data/sample/records.csv --truth data/sample/truth.csv\n  \
    vnlink blocks registry.vnl agency.vnl --config rules.toml --json\n  \
    vnlink blocks people.csv --write-config people.toml\n\n\
    Learned rules (marked +) are added while the estimated recall is below \
    blocking.learn.target_recall (0.999) and the pairs stay within blocking.learn.pairs_per_record \
    (50) per record; --no-learn turns learning off. With --truth, the truth judges which pairs \
    the rules must find; without it, the model (pairs more likely matches than not)."
)]
pub struct Args {
    /// The dataset (CSV or `.vnl`), or the first of a link.
    input: PathBuf,
    /// The second dataset of a link.
    right: Option<PathBuf>,
    /// Truth CSV (`record_id,entity_id`) to measure recall.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Write the configuration with the rules used here (learned ones included) to this TOML
    /// file (atomically), for `--config`.
    #[arg(long, value_name = "FILE")]
    write_config: Option<PathBuf>,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(p) = &args.write_config {
        let inputs = [Some(args.input.as_path()), args.right.as_deref()];
        vnlink::output::check_not_input(p, &inputs.into_iter().flatten().collect::<Vec<_>>())?;
    }
    let mut run = args.matching.run(&args.reading)?;
    run.quiet |= args.json;
    let inputs = run.load_scratch(&args.input, args.right.as_deref(), None)?;
    let (first, second) = (&inputs.first, &inputs.second);
    let truth = args.truth.as_ref().map(Truth::read).transpose()?;
    let stores: Vec<&Store> =
        std::iter::once(&first.store).chain(second.as_ref().map(|s| &s.store)).collect();
    let ent = truth.as_ref().map(|t| entities(t, &stores)).transpose()?;
    let matcher = run.matcher()?;
    let (blocking, learned) =
        matcher.blocking_for(&first.store, second.as_ref().map(|s| &s.store), ent.as_deref())?;
    let va = View::new(&first.store)?;
    let report = match &second {
        None => analyse(&va, &blocking, None, ent.as_deref()),
        Some(sec) => {
            let vb = View::new(&sec.store)?;
            let joined = Joined::new(&va, &vb);
            analyse(&joined, &blocking, Some(joined.split()), ent.as_deref())
        }
    };
    if let Some(path) = &args.write_config {
        write_config(args, &run, &blocking, path)?;
    }
    if args.json {
        let out = serde_json::json!({ "rules": report.rules, "true_pairs_total": report.true_pairs_total, "learned": learned });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_report(
            args,
            &run,
            &report,
            learned.as_ref(),
            va.len(),
            second.as_ref().map(|s| s.store.record_count()),
        );
    }
    Ok(exit(
        skipped(first.built.as_ref()) || second.as_ref().is_some_and(|s| skipped(s.built.as_ref())),
    ))
}

fn print_report(
    args: &Args,
    run: &super::common::Run,
    report: &vnlink::block::analyse::BlockingReport,
    learned: Option<&LearnReport>,
    n: usize,
    right: Option<u64>,
) {
    let given = run.setup.config.blocking.rules.len();
    println!(
        "{} records{}, max block {}",
        n,
        right.map_or(String::new(), |r| format!(" × {r}")),
        run.setup.config.blocking.max_block
    );
    println!(
        "{:<46} {:>12} {:>13} {:>10} {:>8} {:>8}  largest blocks",
        "rule", "new pairs", "cumulative", "recall", "split", "skipped"
    );
    for (i, r) in report.rules.iter().enumerate() {
        let s = &r.stats;
        let largest: Vec<String> = s.largest.iter().take(3).map(|(n, _)| n.to_string()).collect();
        let mark = if i >= given { "+ " } else { "  " };
        println!(
            "{mark}{:<44} {:>12} {:>13} {:>10} {:>8} {:>8}  {}",
            s.rule,
            s.pairs,
            r.cumulative_pairs,
            r.cumulative_recall.map_or("-".into(), |x| format!("{x:.4}")),
            s.blocks_split,
            s.blocks_skipped,
            largest.join(" ")
        );
    }
    if let Some(t) = report.true_pairs_total {
        println!("true pairs: {t}");
    }
    let pct = |x: Option<f64>| x.map_or("-".to_owned(), |x| format!("{x:.4}"));
    match learned {
        None => println!("learned rules: off"),
        Some(l) => {
            println!(
                "learned rules (+): {} added; estimated recall {} → {} on {} reference pairs \
                 ({} judged by {}; {} of {} records sampled); pairs {} of a budget of {}{}",
                l.added.len(),
                pct(l.given_recall),
                pct(l.estimated_recall),
                l.reference_pairs,
                l.pairs_judged,
                if args.truth.is_some() { "the truth" } else { "the model" },
                l.records_sampled,
                n as u64 + right.unwrap_or(0),
                l.estimated_pairs,
                l.budget_pairs,
                if l.reached { "" } else { " — target not reached" }
            );
        }
    }
}

/// Writes the configuration of this run with `blocking` as its rules: the inferred one (as
/// `vnlink schema` prints it) for CSV input read without configured columns, else the
/// configuration in use.
fn write_config(
    args: &Args,
    run: &super::common::Run,
    blocking: &Blocking,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let csv = |p: &std::path::Path| !vnlink::dataset::is_store(p);
    // The rules are now written out: a run with this file uses them as they are.
    let blocking = Blocking::with_rules(blocking.rules.clone(), blocking.max_block);
    let ingest = args.reading.ingest_options()?;
    let inferred_columns = run.setup.config.columns.is_empty();
    let text = if inferred_columns && args.right.is_none() && csv(&args.input) {
        let mut inferred = infer(&args.input, &ingest)?;
        inferred.blocking = blocking;
        inferred.to_toml(&args.input.display().to_string())
    } else if inferred_columns && args.right.is_some() {
        // One list of columns cannot name the headers of two files that differ: the rules
        // alone, each file's columns inferred again as this run inferred them.
        format!(
            "# vnlink blocking rules for linking {} and {}, learned by `vnlink blocks`.\n\
             # The columns are inferred from each file, as without --config.\n\n{}",
            args.input.display(),
            args.right.as_deref().unwrap_or(std::path::Path::new("")).display(),
            blocking.to_toml()
        )
    } else {
        let mut cfg = run.setup.config.clone();
        cfg.blocking = blocking;
        toml::to_string(&cfg)?
    };
    vnlink::output::atomic_write(path, text.as_bytes())?;
    Ok(())
}
