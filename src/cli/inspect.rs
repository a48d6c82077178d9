//! `vnlink inspect FILE.vnl [--json] [--top N]`: what a person store holds.
//!
//! The library computes one [`Inspection`] ([`vnlink::dataset::inspect`]); this prints it as text
//! or as one JSON object (the same content).

use std::fmt::Display;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vnlink::dataset::inspect::{BlockReport, Top};
use vnlink::dataset::{InspectOptions, Inspection, View, inspect};
use vnlink::store::Store;

use super::common::thousands as th;

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
        print_text(&mut out, &report)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One line of a counted list: label, count, percent and an optional suffix.
fn row(out: &mut impl Write, label: impl Display, n: u64, pct: f64, more: &str) -> io::Result<()> {
    writeln!(out, "  {label:<36} {:>11}  {pct:>6.2}%{more}", th(n))
}

fn print_text(out: &mut impl Write, rep: &Inspection) -> io::Result<()> {
    let (build, version) = (&rep.build, rep.format_version);
    writeln!(out, "{}", rep.file)?;
    writeln!(out, "  format version   {version} (built by vnlink {})", build.vnlink_version)?;
    let plural = if rep.blocks == 1 { "" } else { "s" };
    let (records, blocks, per) =
        (th(rep.records), th(u64::from(rep.blocks)), th(u64::from(rep.block_records)));
    writeln!(out, "  records          {records} in {blocks} block{plural} of {per}")?;
    let bpr = rep.bytes_per_record;
    writeln!(out, "  file size        {} bytes, {bpr:.1} bytes/record", th(rep.file_bytes))?;
    let skipped = th(build.skipped_by_reason.values().sum());
    let source = if build.source.is_empty() { "(in memory)" } else { &build.source };
    let rows = th(build.rows_read);
    writeln!(out, "  source           {source} ({rows} rows read, {skipped} skipped)")?;
    for (reason, count) in &build.skipped_by_reason {
        writeln!(out, "    {:>10}  {reason}", th(*count))?;
    }

    let labels: Vec<String> = rep.size.iter().map(|p| format!("{} {}", p.kind, p.part)).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(36);
    writeln!(out, "\n{:<width$} {:>13}  bytes/record", "size by part", "bytes")?;
    for (part, label) in rep.size.iter().zip(&labels) {
        writeln!(out, "  {label:<width$} {:>11}  {:>12.1}", th(part.bytes), part.bytes_per_record)?;
    }

    for (title, list) in [
        ("completeness (records with a usable value)", &rep.completeness),
        ("preparation warnings", &rep.warnings),
    ] {
        writeln!(out, "\n{title}")?;
        for c in list {
            row(out, &c.name, c.count, c.percent, "")?;
        }
    }
    writeln!(out, "\nlegacy encodings")?;
    for (field, enc) in &rep.encodings {
        writeln!(out, "  {field:<36} {enc}")?;
    }
    writeln!(out, "\ncolumn mapping")?;
    for c in &rep.columns {
        writeln!(out, "  {:<36} \"{}\"", c.kind, c.header)?;
    }
    if let Some(tables) = &rep.term_frequencies {
        let head = ("distinct", "records", "largest");
        writeln!(out, "\nterm-frequency tables {:>24} {:>11} {:>11}", head.0, head.1, head.2)?;
        for t in tables {
            let (d, r, l) = (th(t.distinct), th(t.records), th(t.largest));
            writeln!(out, "  {:<34} {d:>11} {r:>11} {l:>11}", t.of)?;
        }
    }
    print_top(out, &rep.top)?;
    print_blocking(out, &rep.blocking)
}

fn print_top(out: &mut impl Write, top: &Top) -> io::Result<()> {
    let distinct = th(top.full_names.distinct);
    writeln!(
        out,
        "\nfull names ({distinct} distinct without diacritics; most frequent spelling shown)"
    )?;
    for v in &top.full_names.values {
        let more =
            if v.spellings > 1 { format!("  ({} spellings)", v.spellings) } else { String::new() };
        row(out, &v.value, v.count, v.percent, &more)?;
    }
    for (title, vals) in [("family names", &top.family_names), ("given names", &top.given_names)] {
        let (d, m) = (th(vals.distinct), th(vals.missing));
        writeln!(out, "\n{title} ({d} distinct, {m} records without)")?;
        for v in &vals.values {
            row(out, &v.name, v.count, v.percent, "")?;
        }
    }
    let (distinct, unknown) = (th(top.provinces.distinct), th(top.provinces.missing));
    writeln!(out, "\nprovinces, 2025 codes ({distinct} distinct, {unknown} records unknown)")?;
    for p in &top.provinces.values {
        row(out, format!("{:02} {}", p.code, p.name), p.count, p.percent, "")?;
    }
    let years = &top.birth_years;
    let range = match (years.min, years.max) {
        (Some(lo), Some(hi)) => format!("{lo}–{hi}, "),
        _ => String::new(),
    };
    writeln!(out, "\nbirth years ({range}{} records without a date)", th(years.missing))?;
    for y in &years.values {
        row(out, y.year, y.count, y.percent, "")?;
    }
    writeln!(out, "\nsex")?;
    for s in &top.sex {
        row(out, &s.name, s.count, s.percent, "")?;
    }
    Ok(())
}

fn print_blocking(out: &mut impl Write, lists: &[BlockReport]) -> io::Result<()> {
    writeln!(out, "\nblocking keys")?;
    for b in lists {
        writeln!(out, "  {}", b.rule)?;
        let (keys, keyed, pairs) = (th(b.keys), th(b.records_keyed), th(b.pairs));
        let (over, max) = (th(b.oversized_groups), th(b.max_block));
        writeln!(
            out,
            "    {keys} keys, {keyed} records keyed, {pairs} pairs implied, {over} groups over {max}"
        )?;
        writeln!(out, "    group size        groups     records         pairs")?;
        for k in &b.distribution {
            let (g, r, p) = (th(k.groups), th(k.records), th(k.pairs));
            writeln!(out, "    {:<10} {g:>13} {r:>11} {p:>13}", k.sizes)?;
        }
        if !b.largest.is_empty() {
            let shown: Vec<String> = b
                .largest
                .iter()
                .map(|g| format!("{} (#{} {})", th(g.size), g.record_id, g.name))
                .collect();
            writeln!(out, "    largest: {}", shown.join(", "))?;
        }
    }
    Ok(())
}
