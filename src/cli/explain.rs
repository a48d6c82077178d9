//! `vnlink explain`: the waterfall of weights behind one pair's score.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use vnlink::dataset::RECORD_ID;
use vnlink::store::Store;

use super::common::{InputArgs, MatchArgs, exit, skipped};

/// Explain a pair's score field by field: the prior, each field's level and weight (with the
/// term-frequency adjustment of the name), the total weight and the probability.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  vnlink explain out/store.vnl --left 1864 --right 1899 --model out/model.json\n  \
    vnlink explain registry.vnl agency.vnl --left R12 --right A7 --json\n\n\
    Each field's level (exact, exact_ascii, day_month_swapped, …) is documented, with the rule \
    that decides it and an example pair, in docs/levels.md."
)]
pub struct Args {
    /// The dataset holding both records (CSV or `.vnl`), or the first of a link.
    input: PathBuf,
    /// The second dataset of a link (then `--right` is one of its records).
    second: Option<PathBuf>,
    /// Record id of the left record.
    #[arg(long)]
    left: String,
    /// Record id of the right record.
    #[arg(long)]
    right: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

fn position(store: &Store, path: &Path, id: &str) -> anyhow::Result<u32> {
    let ids = store.str_column(RECORD_ID)?;
    let pos = ids.iter().position(|x| x == id);
    let pos = pos.with_context(|| format!("{}: no record with id {id:?}", path.display()))?;
    Ok(pos as u32)
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut run = args.matching.run(&args.reading)?;
    run.quiet |= args.json;
    let inputs = run.load_scratch(&args.input, args.second.as_deref(), None)?;
    let (a, second) = (&inputs.first, &inputs.second);
    let matcher = run.matcher()?;
    let mut warned = skipped(a.built.as_ref());
    let left = position(&a.store, &args.input, &args.left)?;
    let e = if let (Some(p), Some(b)) = (&args.second, &second) {
        warned |= skipped(b.built.as_ref());
        let right = position(&b.store, p, &args.right)?;
        matcher.explain_link(&a.store, &b.store, left, right)?
    } else {
        let right = position(&a.store, &args.input, &args.right)?;
        matcher.explain(&a.store, left, right)?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        println!("{} vs {}", args.left, args.right);
        match e.place {
            "same_house" => println!("  (one house: weights of non-matches who share an address)"),
            "same_ward" => println!("  (one ward: weights of non-matches who share a ward)"),
            _ => {}
        }
        println!("  {:<10} {:<34} {:>9}", "prior", "", format!("{:+.2}", e.prior_weight));
        let mut total = e.prior_weight;
        for f in &e.fields {
            let w = f.weight + f.tf_adjustment;
            total += w;
            let tf = if f.tf_adjustment == 0.0 {
                String::new()
            } else {
                format!(" (incl. term frequency {:+.2})", f.tf_adjustment)
            };
            println!(
                "  {:<10} {:<34} {:>9}   = {:+.2}{tf}",
                f.field,
                f.label,
                format!("{w:+.2}"),
                total
            );
        }
        println!(
            "  match weight {:+.2}, match probability {:.6}",
            e.match_weight, e.match_probability
        );
    }
    Ok(exit(warned))
}
