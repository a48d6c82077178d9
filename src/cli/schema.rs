//! `vnlink schema`: the configuration inferred for an input file, as TOML.

use std::path::PathBuf;
use std::process::ExitCode;

use vnlink::dataset::infer::infer;

use super::common::InputArgs;

/// Print the configuration vnlink infers for a file (columns, kinds, blocking rules), to check,
/// edit and pass back with `--config`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  vnlink schema people.csv > people.toml\n  \
    (edit people.toml)\n  vnlink dedupe people.csv --config people.toml\n\n\
    The columns are recognised by their headers (Vietnamese or English), then checked against a \
    sample of values: e-mail columns are found by their values, and addresses, phones and ids \
    that the Vietnamese normalisers do not read are compared as text or codes. Without \
    --config, build, dedupe and link use exactly this.")]
pub struct Args {
    /// Input file (CSV or Excel).
    input: PathBuf,
    /// Write the configuration here (atomically) instead of to standard output.
    #[arg(short, long = "out", alias = "output")]
    output: Option<PathBuf>,
    #[command(flatten)]
    reading: InputArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(p) = &args.output {
        vnlink::output::check_not_input(p, &[&args.input])?;
    }
    let inferred = infer(&args.input, &args.reading.ingest_options()?)?;
    let text = inferred.to_toml(&args.input.display().to_string());
    match &args.output {
        Some(p) => vnlink::output::atomic_write(p, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
