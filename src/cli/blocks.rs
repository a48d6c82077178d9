//! `vnlink blocks`: what the blocking rules would do, before a long run.

use std::path::PathBuf;
use std::process::ExitCode;

use vnlink::block::analyse::analyse;
use vnlink::compare::Records;
use vnlink::dataset::{Joined, RECORD_ID, View};
use vnlink::eval::Truth;
use vnlink::store::Store;

use super::common::{InputArgs, MatchArgs, exit, skipped};

/// Report, per blocking rule, the comparisons it generates, the cumulative recall on a truth
/// file when one is given, and the largest blocks. Nothing is compared or scored.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  vnlink blocks data/sample/records.csv --truth data/sample/truth.csv\n  \
    vnlink blocks registry.vnl agency.vnl --config rules.toml --json"
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
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

fn entities(truth: &Truth, stores: &[&Store]) -> anyhow::Result<Vec<u32>> {
    let mut out = Vec::new();
    for s in stores {
        let ids = s.str_column(RECORD_ID)?;
        out.extend(ids.iter().map(|id| truth.entity_of(id).unwrap_or(u32::MAX)));
    }
    Ok(out)
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut run = args.matching.run(&args.reading)?;
    run.quiet |= args.json;
    let inputs = run.load_scratch(&args.input, args.right.as_deref(), None)?;
    let (first, second) = (&inputs.first, &inputs.second);
    let truth = args.truth.as_ref().map(Truth::read).transpose()?;
    let va = View::new(&first.store)?;
    let report = match &second {
        None => {
            let ent = truth.as_ref().map(|t| entities(t, &[&first.store])).transpose()?;
            analyse(&va, &run.setup.config.blocking, None, ent.as_deref())
        }
        Some(sec) => {
            let vb = View::new(&sec.store)?;
            let joined = Joined::new(&va, &vb);
            let ent =
                truth.as_ref().map(|t| entities(t, &[&first.store, &sec.store])).transpose()?;
            analyse(&joined, &run.setup.config.blocking, Some(joined.split()), ent.as_deref())
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let n = va.len();
        println!(
            "{} records{}, max block {}",
            n,
            second.as_ref().map_or(String::new(), |s| format!(" × {}", s.store.record_count())),
            run.setup.config.blocking.max_block
        );
        println!(
            "{:<44} {:>12} {:>13} {:>10} {:>8} {:>8}  largest blocks",
            "rule", "new pairs", "cumulative", "recall", "split", "skipped"
        );
        for r in &report.rules {
            let s = &r.stats;
            let largest: Vec<String> =
                s.largest.iter().take(3).map(|(n, _)| n.to_string()).collect();
            println!(
                "{:<44} {:>12} {:>13} {:>10} {:>8} {:>8}  {}",
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
    }
    Ok(exit(
        skipped(first.built.as_ref()) || second.as_ref().is_some_and(|s| skipped(s.built.as_ref())),
    ))
}
