//! `vnlink train`: train a model on one dataset (or two, for a link) and write it as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use super::common::{InputArgs, MatchArgs, exit, load_inputs, set_threads, skipped};

/// Train a Fellegi–Sunter model (u from random pairs, m by EM, prior from the national-id rule)
/// and write it as a JSON file that people can read, edit and pass back with `--model`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink train data/sample/records.csv --out model.json\n  \
    vnlink train registry.vnl agency.vnl --out link-model.json")]
pub struct Args {
    /// The dataset (CSV or `.vnl`).
    input: PathBuf,
    /// A second dataset: train for a link of INPUT and RIGHT.
    right: Option<PathBuf>,
    /// Where to write the model.
    #[arg(long, default_value = "model.json")]
    out: PathBuf,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    set_threads(args.matching.threads)?;
    let q = args.matching.quiet;
    let mut cfg = args.matching.config()?;
    let own_rules = args.matching.config.is_none();
    let tmp = tempfile::tempdir().map_err(|e| vnlink::Error::io(std::env::temp_dir(), e))?;
    let (left, right) = load_inputs(
        &args.input,
        args.right.as_deref(),
        tmp.path(),
        &args.reading,
        &mut cfg,
        own_rules,
        q,
    )?;
    let mut warned = skipped(left.built.as_ref());
    let matcher = args.matching.matcher_with(cfg)?;
    let model = match &right {
        None => matcher.train(&left.store)?,
        Some(right) => {
            warned |= skipped(right.built.as_ref());
            matcher.train_link(&left.store, &right.store)?
        }
    };
    model.write(&args.out)?;
    if !q {
        eprintln!("model written to {} (prior {:.3e})", args.out.display(), model.prior);
        for f in &model.fields {
            let levels: Vec<String> =
                f.levels.iter().map(|l| format!("{} {:+.1}", l.label, l.weight())).collect();
            eprintln!("  {:<8} {}", f.name, levels.join(", "));
        }
    }
    Ok(exit(warned))
}
