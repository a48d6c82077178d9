//! `vnlink eval`: pairwise and B-cubed scores of a clustering or a list of pairs against a truth.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use vnlink::eval::{Prediction, Truth, score};

/// Score a prediction against a ground truth, or against labelled pairs.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    vnlink eval --truth data/sample/truth.csv --clusters out/clusters.csv\n  \
    vnlink eval --truth truth.csv --pairs out/links.csv --json\n  \
    vnlink eval --labels labels.csv --clusters out/clusters.csv\n\n\
    --labels: pairs a person labelled (the labels.csv of a `vnlink review` page, or its \
    review.csv filled in): precision and recall on them, with 95 % intervals. A review draws its \
    pairs near the threshold, where the run errs most: the figures are those of that sample, a \
    pessimistic view, not of the whole run.")]
pub struct Args {
    /// Truth CSV: `record_id,entity_id[,source]` (a `source` column with two values means link mode).
    #[arg(long, required_unless_present = "labels")]
    truth: Option<PathBuf>,
    /// Labelled pairs: `left_id,right_id,is_match` (empty or `unsure` rows passed over).
    #[arg(long, conflicts_with = "truth")]
    labels: Option<PathBuf>,
    /// Predicted clusters: `record_id,cluster_id` (dedupe output).
    #[arg(long, conflicts_with = "pairs", required_unless_present = "pairs")]
    clusters: Option<PathBuf>,
    /// Predicted pairs: `left_id,right_id,…` (link output).
    #[arg(long)]
    pairs: Option<PathBuf>,
    /// Print one JSON object (keys `pairwise` and `bcubed`, each with `precision`, `recall`, `f1`).
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let pred_path =
        args.clusters.as_ref().or(args.pairs.as_ref()).context("no prediction given")?;
    let pred = Prediction::read(pred_path)?;
    match (&pred, args.clusters.is_some()) {
        (Prediction::Pairs(_), true) => {
            anyhow::bail!(
                "{}: has left_id,right_id columns: pass it with --pairs",
                pred_path.display()
            )
        }
        (Prediction::Clusters(_), false) => anyhow::bail!(
            "{}: has record_id,cluster_id columns: pass it with --clusters",
            pred_path.display()
        ),
        _ => {}
    }
    if let Some(labels) = &args.labels {
        return run_labels(args, &pred, labels);
    }
    let truth = Truth::read(args.truth.as_ref().context("no truth given")?)?;
    let s = score(&truth, &pred)?;
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!(
            "mode={} records={} true_clusters={} pred_clusters={}",
            s.mode, s.records, s.true_clusters, s.pred_clusters
        );
        println!(
            "pairwise  P={:.4} R={:.4} F1={:.4} (tp={} pred={} true={})",
            s.pairwise.precision,
            s.pairwise.recall,
            s.pairwise.f1,
            s.pairs_tp,
            s.pairs_pred,
            s.pairs_true
        );
        println!(
            "b-cubed   P={:.4} R={:.4} F1={:.4}",
            s.bcubed.precision, s.bcubed.recall, s.bcubed.f1
        );
    }
    let mut warned = false;
    if s.unknown_ids_in_pred > 0 {
        eprintln!(
            "warning: {} predicted ids or pairs are not in the truth and were ignored",
            s.unknown_ids_in_pred
        );
        warned = true;
    }
    if s.within_source_pairs_ignored > 0 {
        eprintln!(
            "note: {} within-source pairs ignored (link mode)",
            s.within_source_pairs_ignored
        );
    }
    Ok(if warned { ExitCode::from(super::EXIT_WARNINGS) } else { ExitCode::SUCCESS })
}

/// `eval --labels`: the prediction on labelled pairs.
fn run_labels(args: &Args, pred: &Prediction, path: &Path) -> anyhow::Result<ExitCode> {
    let labels = vnlink::eval::read_labels(path)?;
    let s = vnlink::eval::score_on_labels(pred, &labels);
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        let show =
            |i: vnlink::eval::Interval| format!("{:.4} (95 % {:.4}–{:.4})", i.value, i.low, i.high);
        println!(
            "labelled pairs={} (tp={} fp={} fn={} tn={})",
            s.labelled, s.tp, s.fp, s.fn_, s.tn
        );
        println!("precision {}", show(s.precision));
        println!("recall    {}", show(s.recall));
    }
    if s.unknown > 0 {
        eprintln!(
            "warning: {} labelled pairs name a record the prediction does not hold; passed over",
            s.unknown
        );
        return Ok(ExitCode::from(super::EXIT_WARNINGS));
    }
    Ok(ExitCode::SUCCESS)
}
