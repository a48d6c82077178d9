//! `vnlink eval`: pairwise and B-cubed scores of a clustering or a list of pairs against a truth.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vnlink::eval::{Prediction, Truth, score};

/// Score a prediction against a ground truth.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    vnlink eval --truth data/sample/truth.csv --clusters out/clusters.csv\n  \
    vnlink eval --truth truth.csv --pairs out/links.csv --json")]
pub struct Args {
    /// Truth CSV: `record_id,entity_id[,source]` (a `source` column with two values means link mode).
    #[arg(long)]
    truth: PathBuf,
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
    let truth = Truth::read(&args.truth)?;
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
