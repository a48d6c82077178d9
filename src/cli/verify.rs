//! `vnlink verify FILE.vnl`: checks every checksum and structure of a store and prints a
//! summary; exit status 2 when the store is damaged.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use vnlink::dataset;
use vnlink::store::{SectionKind, Store};

use super::EXIT_ERROR;

/// Arguments of `vnlink verify`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  vnlink verify people.vnl\n\n\
                        Exit status: 0 intact, 2 damaged or unreadable.")]
pub struct Args {
    /// The store to check.
    pub file: PathBuf,
}

/// Opens the store, validates every section and prints what it found.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let store = Store::open(&args.file).context("cannot open the store")?;
    let report = store.verify_report();
    let sections = store.sections();
    let count = |k: SectionKind| sections.iter().filter(|s| s.kind == k).count();
    println!("{}", args.file.display());
    println!("  format version   {}", store.format_version());
    println!(
        "  records          {} in {} blocks of {}",
        store.record_count(),
        store.block_count(),
        store.block_records()
    );
    println!("  columns          {}", store.columns().len());
    for c in store.columns() {
        println!("    {:<24} {}", c.name, c.type_label());
    }
    println!("  global sections  {}", count(SectionKind::Global).saturating_sub(1));
    println!("  posting lists    {}", count(SectionKind::Postings));
    for name in store.posting_names() {
        if let Ok(p) = store.postings(name) {
            println!("    {:<24} {} keys, {} pairs", name, p.key_count(), p.pair_count());
        }
    }
    println!(
        "  checked          {} sections, {} bytes in {:.1?}",
        report.sections,
        report.bytes,
        start.elapsed()
    );
    // The checksums say the bytes are those written; the dataset's metadata and saved model
    // must also still parse (a store rewritten by another tool, or by an older vnlink, may not).
    let mut errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    if report.is_ok() && store.global_names().contains(&dataset::META) {
        match dataset::View::new(&store).and_then(|v| v.meta().map(|_| v)) {
            Ok(view) => {
                if let Err(e) = vnlink::model::saved::saved_model(&view) {
                    errors.push(e.to_string());
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        println!("  status           OK");
        Ok(ExitCode::SUCCESS)
    } else {
        let n = errors.len();
        println!("  status           DAMAGED ({n} problem{})", if n == 1 { "" } else { "s" });
        for e in &errors {
            eprintln!("error: {e}");
        }
        Ok(ExitCode::from(EXIT_ERROR))
    }
}
