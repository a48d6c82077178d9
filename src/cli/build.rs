//! `vnlink build`: a `.vnl` store from a CSV file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vnlink::pipeline::inputs::Setup;

use super::common::{
    InputArgs, bar, check_outputs, clean_near, exit, read_config, report_ingest, rows_to_build,
    set_threads,
};

/// Build a store (`.vnl`) from a CSV file: normalise every record, key it and write it.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  vnlink build data/sample/records.csv -o people.vnl\n  \
    vnlink build agency.csv -o agency.vnl --column full_name=\"Họ và tên\"")]
pub struct Args {
    /// Input CSV (UTF-8, UTF-16 or Windows-1258; `,` `;` or tab).
    input: PathBuf,
    /// Output store (`--output` is accepted too).
    #[arg(short, long = "out", alias = "output", value_name = "STORE.vnl")]
    output: PathBuf,
    #[command(flatten)]
    reading: InputArgs,
    /// Configuration file (TOML or JSON; see `vnlink schema`): its `[[columns]]` and blocking
    /// rules. Without it, both are inferred from the file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar or summary.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    set_threads(args.threads)?;
    if vnlink::dataset::is_store(&args.input) {
        anyhow::bail!(
            "{}: is a store already; `vnlink build` reads CSV or Excel files",
            args.input.display()
        );
    }
    let file = match &args.config {
        Some(p) => {
            let file = read_config(p)?;
            file.config.validate().map_err(|e| file.attribute(e))?;
            Some(file)
        }
        None => None,
    };
    check_outputs(
        std::slice::from_ref(&args.output),
        &[Some(&args.input), args.config.as_deref()],
    )?;
    clean_near(&args.output, args.quiet);
    let mut setup = Setup::new(file.as_ref(), args.reading.ingest_options()?);
    let input = setup.plan(&[&args.input])?.remove(0);
    if !args.quiet {
        for n in &input.notes {
            eprintln!("note: {n}");
        }
    }
    let pb = bar(args.quiet, rows_to_build(&args.input, args.quiet), "build");
    let built = input.build(&args.output, &setup.config.blocking, |n| pb.set_position(n))?;
    pb.finish_and_clear();
    let s = built.context("no store was built")?;
    report_ingest(&s, args.quiet);
    if !args.quiet {
        eprintln!(
            "built {}: {} records, {:.1} MB, in {:.2} s ({:.0} records/s)",
            args.output.display(),
            s.meta.records,
            s.bytes as f64 / 1e6,
            s.seconds,
            s.meta.records as f64 / s.seconds.max(1e-9)
        );
        for (k, v) in &s.meta.warnings {
            eprintln!("note: {v} records: {k}");
        }
    }
    Ok(exit(!s.ingest.is_clean()))
}
