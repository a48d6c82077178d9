//! Command-line interface: one file per subcommand, each with an `Args` struct (clap derive) and
//! a `run` function. Exit codes: 0 success, 1 finished but skipped rows or gave warnings, 2 error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod add;
#[cfg(feature = "synth")]
mod bench;
mod blocks;
mod build;
mod common;
mod dedupe;
mod eval;
mod explain;
#[cfg(feature = "synth")]
mod r#gen;
mod inspect;
mod link;
mod normalize;
mod query;
mod report;
mod schema;
#[cfg(feature = "server")]
mod serve;
mod train;
mod verify;

/// Exit status when a run finished but skipped input rows or printed warnings.
pub const EXIT_WARNINGS: u8 = 1;
/// Exit status on error.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "vnlink",
    version,
    about = "Record matching for Vietnamese person data",
    long_about = "Record matching for Vietnamese person data: normalise names, addresses, dates, \
                  ID numbers and phones; store records in memory-mapped blocks; find duplicates \
                  within a file, matches between two files, and answer single-record lookups.",
    after_help = "Exit status: 0 ok, 1 finished with skipped rows or warnings, 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build a store (.vnl) from a CSV file.
    Build(build::Args),
    /// Find duplicates within one dataset and cluster them.
    Dedupe(dedupe::Args),
    /// Link two datasets.
    Link(link::Args),
    /// Look records up in a built store.
    Query(query::Args),
    /// Add records to a store: assign each to a cluster with a stable id, and keep them.
    Add(add::Args),
    /// Fold a store's log of additions into a new generation of the store.
    Compact(add::CompactArgs),
    /// Serve a store over HTTP: lookups, durable additions, records and clusters by id.
    #[cfg(feature = "server")]
    Serve(serve::Args),
    /// Make an access token for `vnlink serve --tokens`.
    #[cfg(feature = "server")]
    Token(serve::TokenArgs),
    /// Train a model and write it as JSON.
    Train(train::Args),
    /// Explain one pair's score field by field.
    Explain(explain::Args),
    /// Draw report.html again from a dedupe or link output directory.
    Report(report::ReportArgs),
    /// Write a clerical review (review.html, review.csv) of a run's uncertain pairs.
    Review(report::ReviewArgs),
    /// Report what the blocking rules would generate (and their recall on a truth).
    Blocks(blocks::Args),
    /// Score clusters or pairs against a ground truth (pairwise and B-cubed P/R/F1).
    Eval(eval::Args),
    /// Check every checksum and structure of a store.
    Verify(verify::Args),
    /// Describe a store: counts, completeness, frequent values, blocking-key group sizes.
    Inspect(inspect::Args),
    /// Generate a synthetic Vietnamese population with ground truth.
    #[cfg(feature = "synth")]
    Gen(Box<r#gen::Args>),
    /// Benchmark end to end: generate (or take) data, time build, dedupe, eval and lookups.
    #[cfg(feature = "synth")]
    Bench(bench::Args),
    /// Normalise names, addresses, dates, ID numbers and phones (JSON lines or CSV).
    Normalize(normalize::Args),
    /// Print the configuration inferred for an input file (columns, kinds, blocking rules).
    Schema(schema::Args),
}

/// Parses the command line, runs the command and maps the outcome to an exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    remove_temps_on_signal();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", message(&common::name_config(err)));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Build(args) => build::run(&args),
        Command::Dedupe(args) => dedupe::run(&args),
        Command::Link(args) => link::run(&args),
        Command::Query(args) => query::run(&args),
        Command::Add(args) => add::run(&args),
        Command::Compact(args) => add::compact(&args),
        #[cfg(feature = "server")]
        Command::Serve(args) => serve::run(&args),
        #[cfg(feature = "server")]
        Command::Token(args) => serve::token(&args),
        Command::Train(args) => train::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Report(args) => report::run_report(&args),
        Command::Review(args) => report::run_review(&args),
        Command::Blocks(args) => blocks::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        #[cfg(feature = "synth")]
        Command::Gen(args) => r#gen::run(&args),
        #[cfg(feature = "synth")]
        Command::Bench(args) => bench::run(&args),
        Command::Normalize(args) => normalize::run(&args),
        Command::Schema(args) => schema::run(&args),
    }
}

/// An error and its causes on one line, each cause once: the library's errors already print
/// their source (`file: No such file or directory`), which the chain would repeat.
fn message(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary files and directories of the writers that
/// are alive (registered by `vnlink::util::fs`), then exit with 128 + the signal's number (130
/// for SIGINT, 143 for SIGTERM). The handler runs on an ordinary thread (signal-hook's
/// iterator), not in signal context, so it may take locks and call the file system.
fn remove_temps_on_signal() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let spawned = std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            vnlink::output::remove_registered_temps();
            std::process::exit(128 + sig);
        }
    });
    drop(spawned);
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
