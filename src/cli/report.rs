//! `vnlink report DIR` (`report.html` again from an output directory), `vnlink review DIR`
//! (`review.html` and `review.csv`), and the report parts `dedupe` and `link` add to
//! `report.json`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde_json::{Value, json};
use vnlink::model::Model;
use vnlink::output::{CsvStyle, OutputSet};
use vnlink::pipeline::query::StoredRecords;
use vnlink::pipeline::{MatchConfig, Matcher, MatcherBuilder, Pair, RunStats, Threshold};
use vnlink::report::review::{self, ReviewPair};
use vnlink::report::{self, Lang, html};
use vnlink::store::Store;

use super::common::note_stale;

/// The language of a report or review page.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// Tiếng Việt.
    Vi,
    /// English.
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Vi => Lang::Vi,
            LangArg::En => Lang::En,
        }
    }
}

/// Sample pairs per probability band in `report.json` and `report.html`.
const SAMPLES_PER_BAND: usize = 2;

/// The parts of `report.json` a person reads (quality estimates, clusters, completeness, sample
/// pairs, the page's language), added to `report`.
pub struct Extras<'a> {
    pub lang: Lang,
    pub stats: &'a RunStats,
    pub threshold_weight: f64,
    pub clusters: Option<report::Clusters>,
    pub completeness: Vec<report::Completeness>,
    pub samples: Vec<report::SamplePair>,
}

impl Extras<'_> {
    /// Adds these parts to `report` (an object).
    pub fn add_to(self, report: &mut Value) {
        let quality = report::quality(&self.stats.scores, self.threshold_weight);
        if let Some(obj) = report.as_object_mut() {
            obj.insert("language".into(), json!(self.lang.code()));
            obj.insert("quality".into(), json!(quality));
            if let Some(c) = self.clusters {
                obj.insert("clusters".into(), json!(c));
            }
            obj.insert("completeness".into(), json!(self.completeness));
            obj.insert("samples".into(), json!(self.samples));
        }
    }
}

/// The sample pairs of a dedupe's report (`second` `None`) or a link's.
pub fn samples(
    matcher: &Matcher,
    stores: (&Store, Option<&Store>),
    model: &Model,
    pairs: &[Pair],
) -> anyhow::Result<Vec<report::SamplePair>> {
    Ok(report::samples(matcher, stores, model, pairs, SAMPLES_PER_BAND)?)
}

/// Writes `report.html` for `report` and `model` at `path`.
pub fn write_html(path: &Path, report: &Value, model: &Model, lang: Lang) -> anyhow::Result<()> {
    let page = html::render(report, &serde_json::to_value(model)?, lang);
    vnlink::output::atomic_write(path, page.as_bytes())?;
    Ok(())
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("{}: cannot read it (is this a dedupe or link output directory?)", path.display())
    })?;
    serde_json::from_str(&text).with_context(|| format!("{}: not valid JSON", path.display()))
}

/// The report's language: the flag, else the one `report.json` names, else Vietnamese.
fn lang_of(flag: Option<LangArg>, report: &Value) -> Lang {
    flag.map(Lang::from)
        .or_else(|| report["language"].as_str().and_then(Lang::from_code))
        .unwrap_or(Lang::Vi)
}

/// Draw `report.html` again from a dedupe or link output directory.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  vnlink report out/\n  vnlink report out/ --lang en\n\n\
    Reads DIR/report.json and DIR/model.json and writes DIR/report.html (atomically, under the \
    lock on DIR). The page is self-contained: no script, style, font or image from elsewhere.")]
pub struct ReportArgs {
    /// A dedupe or link output directory.
    dir: PathBuf,
    /// Language of the page (default: the one the run chose from its data).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// No notes on standard error.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let report = read_json(&args.dir.join("report.json"))?;
    let model = Model::read(args.dir.join("model.json"))?;
    let lang = lang_of(args.lang, &report);
    let set = OutputSet::begin(&args.dir)?;
    note_stale(set.stale_removed(), args.quiet);
    write_html(&set.path("report.html"), &report, &model, lang)?;
    set.commit()?;
    if !args.quiet {
        eprintln!("wrote {}", args.dir.join("report.html").display());
    }
    Ok(ExitCode::SUCCESS)
}

/// A probability band `LO..HI`.
fn parse_band(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("{s:?}: write the band as LO..HI, e.g. 0.5..0.99"))?;
    let p = |x: &str| -> Result<f64, String> {
        let v: f64 = x.trim().parse().map_err(|_| format!("{x:?} is not a number"))?;
        if (0.0..=1.0).contains(&v) {
            Ok(v)
        } else {
            Err(format!("{v} is not a probability in [0, 1]"))
        }
    };
    let (lo, hi) = (p(a)?, p(b)?);
    if lo > hi {
        return Err(format!("the band's low end {lo} is above its high end {hi}"));
    }
    Ok((lo, hi))
}

/// Write a clerical review of the uncertain pairs of a dedupe or link output directory.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  vnlink review out/\n  vnlink review out/ --band 0.3..0.999 --sample 500\n  \
    vnlink train out/store.vnl --labels labels.csv --out model.json\n\n\
    Scores the run's candidate pairs again with its model (DIR/model.json and the configuration \
    in DIR/report.json), keeps those whose match probability is in the band and picks up to \
    --sample of them where a label helps most: by pattern of comparison levels, patterns nearest \
    the run's threshold first, one pair each, round after round. Writes review.html (open it in \
    any browser, offline: the two records side by side with differences marked, the score's \
    waterfall; keys M / N / U label a pair, arrows move, E exports labels.csv) and review.csv \
    (the same pairs, with an empty is_match column for a spreadsheet). Either file is read back \
    by `vnlink train --labels`."
)]
pub struct ReviewArgs {
    /// A dedupe or link (two inputs) output directory.
    dir: PathBuf,
    /// Match probabilities to review, `LO..HI`.
    #[arg(long, default_value = "0.5..0.99", value_parser = parse_band)]
    band: (f64, f64),
    /// Pairs to review at most.
    #[arg(long, default_value_t = 200)]
    sample: usize,
    /// Where to write review.html and review.csv (default: DIR).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Language of the page (default: the one the run chose from its data).
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Do not escape cells that start like a spreadsheet formula in review.csv.
    #[arg(long)]
    no_escape_formulas: bool,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// No notes on standard error.
    #[arg(long, short)]
    quiet: bool,
}

/// The store a run read: DIR/`name` when the run built it there, else the path its report
/// names (a store given as input).
fn run_store(dir: &Path, name: &str, named: &Value) -> anyhow::Result<Store> {
    let here = dir.join(name);
    let path = if here.exists() {
        here
    } else {
        let p = named.as_str().map(PathBuf::from).filter(|p| vnlink::dataset::is_store(p));
        p.ok_or_else(|| {
            anyhow::anyhow!(
                "{}: no store of the run (neither {} nor a .vnl input named in report.json)",
                dir.display(),
                here.display()
            )
        })?
    };
    Store::open(&path).with_context(|| format!("opening the run's store {}", path.display()))
}

pub fn run_review(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    super::common::set_threads(args.threads)?;
    let dir = &args.dir;
    let report = read_json(&dir.join("report.json"))?;
    let model = Model::read(dir.join("model.json"))?;
    let lang = lang_of(args.lang, &report);
    let mut config: MatchConfig =
        serde_json::from_value(report["config"].clone()).unwrap_or_default();
    let run_threshold = config.threshold.weight();
    config.threshold = Threshold::Probability(args.band.0.max(1e-9));
    config.one_to_one = false;
    let matcher = MatcherBuilder::new().config(config).model(model.clone()).build()?;
    let style = CsvStyle { escape_formulas: !args.no_escape_formulas };
    let (pairs, stores) = match (report["command"].as_str(), report.get("mode")) {
        (Some("dedupe"), _) => {
            let store = run_store(dir, "store.vnl", &report["store"])?;
            let result = matcher.dedupe(&store)?;
            (result.pairs, vec![store])
        }
        (Some("link"), None) => {
            let left = run_store(dir, "left.vnl", &report["left"])?;
            let right = run_store(dir, "right.vnl", &report["right"])?;
            let result = matcher.link(&left, &right)?;
            (result.pairs, vec![left, right])
        }
        _ => anyhow::bail!(
            "{}: review reads the output of `vnlink dedupe` or of a two-input `vnlink link` (this report.json is of another command)",
            dir.display()
        ),
    };
    let chosen = review::choose(&pairs, args.band, run_threshold, args.sample);
    let idx: Vec<(u32, u32)> = chosen.iter().map(|&i| (pairs[i].left, pairs[i].right)).collect();
    let (first, second) = (&stores[0], stores.get(1).unwrap_or(&stores[0]));
    let why = match stores.get(1) {
        Some(second) => matcher.explain_link_pairs(first, second, &model, &idx)?,
        None => matcher.explain_pairs(first, &model, &idx)?,
    };
    let (left_records, right_records) = (StoredRecords::new(first)?, StoredRecords::new(second)?);
    let mut items = Vec::with_capacity(chosen.len());
    for (&i, explanation) in chosen.iter().zip(why) {
        let p = &pairs[i];
        items.push(ReviewPair {
            left: left_records.get(p.left)?,
            right: right_records.get(p.right)?,
            match_probability: p.match_probability,
            match_weight: p.match_weight,
            explanation,
        });
    }
    let extras = left_records.extra_names().to_vec();
    let out = args.out.clone().unwrap_or_else(|| dir.clone());
    // Labels kept in the browser are per review: the band, the sample and the pairs' ids.
    let mut h = rustc_hash::FxHasher::default();
    std::hash::Hash::hash(&(args.band.0.to_bits(), args.band.1.to_bits(), &idx), &mut h);
    let review_id = format!("{:016x}", std::hash::Hasher::finish(&h));
    let set = OutputSet::begin(&out)?;
    note_stale(set.stale_removed(), args.quiet);
    let page = review::render(&items, &extras, &review_id, lang);
    vnlink::output::atomic_write(set.path("review.html"), page.as_bytes())?;
    review::write_csv(&set.path("review.csv"), &items, &extras, style)?;
    set.commit()?;
    if !args.quiet {
        let inside = pairs.iter().filter(|p| p.match_probability <= args.band.1).count();
        eprintln!(
            "review: {} pairs of {inside} with match probability in {}..{} → {} and {}",
            items.len(),
            args.band.0,
            args.band.1,
            out.join("review.html").display(),
            out.join("review.csv").display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
