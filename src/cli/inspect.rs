//! `vnlink inspect FILE.vnl [--json] [--top N]`: what a person store holds.
//!
//! The library computes one [`Inspection`](vnlink::dataset::Inspection) ([`vnlink::dataset::inspect`]); this prints it as text
//! or as one JSON object (the same content).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vnlink::dataset::{InspectOptions, View, inspect};
use vnlink::store::Store;

/// Arguments of `vnlink inspect`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink inspect people.vnl\n  \
                        vnlink inspect people.vnl --json --top 20 > people.json")]
pub struct Args {
    /// The store to describe.
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// How many of the most frequent values (and largest blocking groups) to show.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
}

/// Opens the store, computes the report and prints it.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.file).context("cannot open the store")?;
    let report = inspect(&View::new(&store)?, &InspectOptions { top: args.top })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &report).context("cannot write the report")?;
        writeln!(out)?;
    } else {
        report.write_text(&mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
