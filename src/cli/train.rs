//! `vnlink train`: train a model on one dataset (or two, for a link) and write it as JSON; or
//! print the built-in reference model.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vnlink::dataset;
use vnlink::eval::Truth;
use vnlink::pipeline::Supervision;

use super::common::{
    InputArgs, MatchArgs, check_outputs, clean_near, exit, report_training, skipped,
};

/// Train a Fellegi–Sunter model and write it as a JSON file that people can read, edit and pass
/// back with `--model`: u from random pairs, m by EM with the reference model as prior (and as
/// fallback when the data holds too few matches to learn from, with a warning), then
/// recalibrated on labelled pairs (`--labels`); or m counted from a truth (`--truth`).
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink train data/sample/records.csv --out model.json\n  \
    vnlink train registry.vnl agency.vnl --out link-model.json\n  \
    vnlink train people.vnl --labels reviewed.csv --out model.json --save\n  \
    vnlink train --reference > reference.json\n\n\
    --labels: a CSV with left_id,right_id,is_match (1/0, true/false, yes/no; empty or `unsure` \
    rows are passed over), such as the labels.csv a `vnlink review` page exports or its \
    review.csv filled in; in a link left_id is a record of INPUT and right_id of RIGHT. The model \
    is trained by EM as without labels, then its weights are recalibrated on the labelled pairs \
    (a logistic regression: `calibration` in model.json), so that a probability of 0.95 means \
    19 matches in 20 where the labels were drawn. --truth: record_id,entity_id (as `vnlink eval` \
    reads it); the fitted model is then evaluated on the same data (in-sample scores). --save \
    writes the model into INPUT (a .vnl store), where `vnlink query` finds it.")]
pub struct Args {
    /// The dataset (CSV or `.vnl`).
    #[arg(required_unless_present = "reference")]
    input: Option<PathBuf>,
    /// A second dataset: train for a link of INPUT and RIGHT.
    right: Option<PathBuf>,
    /// Where to write the model (`-` for standard output; default `model.json`, or standard
    /// output with `--reference`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the built-in reference model (fitted with known truth on a generated population)
    /// to standard output, or to `--out` when given explicitly.
    #[arg(long, conflicts_with_all = ["input", "labels", "truth", "save"])]
    reference: bool,
    /// Fit m from labelled pairs (`left_id,right_id,is_match`).
    #[arg(long, conflicts_with = "truth")]
    labels: Option<PathBuf>,
    /// Fit m from a truth (`record_id,entity_id`) and report the model's scores on it.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Also save the model into INPUT (a `.vnl` store, rewritten atomically), for lookups.
    #[arg(long)]
    save: bool,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.reference {
        return print_reference(args);
    }
    let input = args.input.as_deref().context("no input given")?;
    if args.save && !dataset::is_store(input) {
        anyhow::bail!(
            "{}: --save writes the model into a store; build one first (`vnlink build {} -o \
             people.vnl`) and train on it",
            input.display(),
            input.display()
        );
    }
    let mut run = args.matching.run(&args.reading)?;
    let q = run.quiet;
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from("model.json"));
    if out.as_os_str() != "-" {
        check_outputs(
            std::slice::from_ref(&out),
            &[
                Some(input),
                args.right.as_deref(),
                args.labels.as_deref(),
                args.truth.as_deref(),
                args.matching.config.as_deref(),
                args.matching.model.as_deref(),
            ],
        )?;
        clean_near(&out, q);
    }
    let inputs = run.load_scratch(input, args.right.as_deref(), Some(&out))?;
    let (left, right) = (&inputs.first, &inputs.second);
    let mut warned =
        skipped(left.built.as_ref()) || skipped(right.as_ref().and_then(|r| r.built.as_ref()));
    let matcher = run.matcher()?;
    let truth = args.truth.as_ref().map(Truth::read).transpose()?;
    let labels = args.labels.as_ref().map(vnlink::eval::read_labels).transpose()?;
    if let (Some(l), false) = (&labels, q) {
        let matches = l.iter().filter(|x| x.2).count();
        eprintln!("{} labelled pairs read ({matches} matches, {} not)", l.len(), l.len() - matches);
    }
    let how = match (&truth, &labels) {
        (Some(t), _) => Supervision::Truth(t),
        (None, Some(l)) => Supervision::Labels(l),
        (None, None) => Supervision::None,
    };
    let right_store = right.as_ref().map(|r| &r.store);
    let (model, report) = matcher.fit(&left.store, right_store, &how)?;
    warned |= report_training(report.as_ref());
    write_model(&out, &model)?;
    if args.save {
        vnlink::model::saved::save_model(&left.store, input, &model)?;
    }
    if !q {
        eprintln!("model written to {} (prior {:.3e})", out.display(), model.prior);
        if let Some(r) = &report {
            eprintln!(
                "  trained by {}; the data holds about {:.0} matching pairs",
                r.method, r.estimated_matches
            );
        }
        for f in &model.fields {
            let levels: Vec<String> =
                f.levels.iter().map(|l| format!("{} {:+.1}", l.label, l.weight())).collect();
            eprintln!("  {:<8} {}", f.name, levels.join(", "));
        }
        if args.save {
            eprintln!("  saved into {}", input.display());
        }
    }
    if let Some(truth) = &truth {
        let scores = vnlink::pipeline::evaluate::in_sample(
            matcher.config(),
            &model,
            &left.store,
            right_store,
            truth,
        )?;
        eprintln!(
            "in-sample scores on the truth: pairwise P={:.4} R={:.4} F1={:.4}, b-cubed F1={:.4}",
            scores.pairwise.precision, scores.pairwise.recall, scores.pairwise.f1, scores.bcubed.f1
        );
    }
    Ok(exit(warned))
}

/// The model's pairwise and B-cubed scores on `truth`: a dedupe of one store (clusters) or a
/// link of two (pairs), with the model.
fn write_model(out: &std::path::Path, model: &vnlink::Model) -> anyhow::Result<()> {
    if out.as_os_str() == "-" {
        let mut text = serde_json::to_string_pretty(model)?;
        text.push('\n');
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(());
    }
    Ok(model.write(out)?)
}

fn print_reference(args: &Args) -> anyhow::Result<ExitCode> {
    let mut text = vnlink::model::reference::reference().to_json();
    text.push('\n');
    match &args.out {
        Some(out) if out.as_os_str() != "-" => {
            vnlink::output::atomic_write(out, text.as_bytes())?;
        }
        _ => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(exit(false))
}
