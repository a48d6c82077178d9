//! Pieces shared by the subcommands: input options, stores from CSV or `.vnl`, configuration
//! files, progress bars, thread count.

use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use vnlink::dataset::{self, BuildSummary, RECORD_ID};
use vnlink::eval::Truth;
use vnlink::ingest::{IngestOptions, header::parse_column_override};
use vnlink::pipeline::inputs::{Loaded, Setup};
use vnlink::pipeline::{ConfigFile, MatchConfig};
use vnlink::store::Store;

/// Options to read a CSV (or Excel) input.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct InputArgs {
    /// Map a column explicitly: `KIND=HEADER` (kinds: `record_id`, `full_name`, dob, sex, address,
    /// `id_number`, phone). Repeatable.
    #[arg(long = "column", value_name = "KIND=HEADER")]
    pub columns: Vec<String>,
    /// Field delimiter (default: sniffed among `,` `;` and tab).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// Sheet of an Excel input (`.xlsx`, `.xlsm`, `.xls`) to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// A record id an earlier row has, or an empty one: `error` (stop with the lines, the
    /// default), `suffix` (keep the row as `ID~2`, or `#ROW` when empty, never another row's
    /// id; a warning) or `skip` (skip the row; counted).
    #[arg(long, value_name = "error|suffix|skip", default_value = "error")]
    pub on_duplicate_id: vnlink::ingest::DuplicateIds,
}

impl InputArgs {
    pub fn ingest_options(&self) -> anyhow::Result<IngestOptions> {
        let mut o = IngestOptions::default();
        for c in &self.columns {
            o.columns.push(parse_column_override(c)?);
        }
        if let Some(d) = self.delimiter {
            o.delimiter = Some(u8::try_from(d).context("the delimiter must be one ASCII byte")?);
        }
        o.sheet.clone_from(&self.sheet);
        o.on_duplicate_id = self.on_duplicate_id;
        Ok(o)
    }
}

/// How CSV outputs are written (dedupe, link, normalize).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CsvArgs {
    /// Write record ids as they are, even those a spreadsheet would run as formulas (by default
    /// an id starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`; `vnlink eval`
    /// reads both).
    #[arg(long)]
    pub no_escape_formulas: bool,
}

impl CsvArgs {
    pub fn style(&self) -> vnlink::output::CsvStyle {
        vnlink::output::CsvStyle { escape_formulas: !self.no_escape_formulas }
    }
}

/// Options shared by the matching commands.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MatchArgs {
    /// Keep pairs with a match probability at least this (default 0.95).
    #[arg(long, conflicts_with = "threshold_weight")]
    pub threshold: Option<f64>,
    /// Keep pairs with a match weight at least this, instead of a probability (negative
    /// weights are written as they are: `--threshold-weight -5`).
    #[arg(long, allow_negative_numbers = true)]
    pub threshold_weight: Option<f64>,
    /// Use this trained model (JSON, from `vnlink train`) instead of training on the data.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Configuration file (TOML or JSON): blocking rules, training, threshold, constraints.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Use the blocking rules as given (inferred or configured): learn none on top.
    #[arg(long)]
    pub no_learn: bool,
    /// No progress bars or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

impl MatchArgs {
    /// The model given with `--model`, read and checked (`None`: none given).
    pub fn read_model(&self) -> anyhow::Result<Option<vnlink::model::Model>> {
        Ok(self.model.as_deref().map(vnlink::model::Model::read).transpose()?)
    }

    /// Opens `store` for changes (`vnlink serve`, `vnlink compact`) with these flags: the
    /// worker threads set, the configuration and `--model` read; `purpose` names the open in
    /// an error ("opening people.vnl for serving").
    pub fn open_service(
        &self,
        store: &Path,
        purpose: &str,
    ) -> anyhow::Result<(vnlink::service::Service, vnlink::service::OpenReport)> {
        set_threads(self.threads)?;
        let config = self.config()?;
        let model = self.read_model()?;
        vnlink::service::Service::open(store, &config, model)
            .with_context(|| format!("opening {} for {purpose}", store.display()))
    }

    /// The configuration file with the flags applied, checked.
    pub fn config(&self) -> anyhow::Result<MatchConfig> {
        Ok(self.config_file()?.0)
    }

    /// The configuration (file, then flags) and the file as read.
    fn config_file(&self) -> anyhow::Result<(MatchConfig, Option<ConfigFile>)> {
        let file = self.config.as_deref().map(read_config).transpose()?;
        let mut cfg = file.as_ref().map(|f| f.config.clone()).unwrap_or_default();
        if let Some(p) = self.threshold {
            cfg.threshold = vnlink::pipeline::Threshold::Probability(p);
            check_flag("--threshold", &cfg)?;
        }
        if let Some(w) = self.threshold_weight {
            cfg.threshold = vnlink::pipeline::Threshold::Weight(w);
            check_flag("--threshold-weight", &cfg)?;
        }
        if self.no_learn {
            cfg.blocking.learn.enabled = Some(false);
        }
        cfg.validate().map_err(|e| match &file {
            Some(f) => f.attribute(e),
            None => e,
        })?;
        Ok((cfg, file))
    }

    /// The run these flags describe: threads set, configuration resolved. The reading flags
    /// are checked when a CSV input is read ([`Run::load`]), as a store needs none of them.
    pub fn run(&self, reading: &InputArgs) -> anyhow::Result<Run> {
        set_threads(self.threads)?;
        let (config, file) = self.config_file()?;
        let mut setup = Setup::new(file.as_ref(), IngestOptions::default());
        setup.config = config;
        Ok(Run {
            setup,
            reading: reading.clone(),
            quiet: self.quiet,
            bars_quiet: self.quiet,
            model: self.model.clone(),
        })
    }

    /// A matcher for the configuration alone (no inputs to read).
    pub fn matcher(&self) -> anyhow::Result<vnlink::pipeline::Matcher> {
        matcher(self.config()?, self.model.as_deref(), self.quiet)
    }
}

/// A matcher with `cfg`, the model at `model` if given, and progress bars unless `quiet`.
fn matcher(
    cfg: MatchConfig,
    model: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<vnlink::pipeline::Matcher> {
    matcher_with(cfg, model, quiet, None)
}

/// [`matcher`], given each record's entity when `truth` is there.
fn matcher_with(
    cfg: MatchConfig,
    model: Option<&Path>,
    quiet: bool,
    truth: Option<Vec<u32>>,
) -> anyhow::Result<vnlink::pipeline::Matcher> {
    let mut b = vnlink::pipeline::MatcherBuilder::new().config(cfg).progress(Bars::new(quiet));
    if let Some(p) = model {
        b = b.model(vnlink::model::Model::read(p)?);
    }
    if let Some(t) = truth {
        b = b.truth(t);
    }
    Ok(b.build()?)
}

/// A matching command's run, resolved from its flags: the configuration, how to read the inputs,
/// and whether to print notes and progress.
pub struct Run {
    pub setup: Setup,
    reading: InputArgs,
    /// No notes, build bars or ingest summary.
    pub quiet: bool,
    /// No progress bars for the matcher's stages (`--quiet` only: `--json` keeps them).
    bars_quiet: bool,
    model: Option<PathBuf>,
}

impl Run {
    /// Opens or builds `inputs` (stores built from CSV go to `store_paths`), printing the
    /// decisions made about them and their ingest problems; the run's blocking rules become
    /// theirs unless the configuration file gave its own.
    pub fn load(
        &mut self,
        inputs: &[&Path],
        store_paths: &[PathBuf],
    ) -> anyhow::Result<Vec<Loaded>> {
        anyhow::ensure!(store_paths.len() >= inputs.len(), "one store path per input");
        if inputs.iter().any(|p| !vnlink::dataset::is_store(p)) {
            self.setup.ingest = self.reading.ingest_options()?;
        }
        let plan = self.setup.plan(inputs)?;
        if !self.quiet {
            for n in plan.iter().flat_map(|i| &i.notes) {
                eprintln!("note: {n}");
            }
        }
        let mut loaded = Vec::with_capacity(plan.len());
        for (input, store_path) in plan.into_iter().zip(store_paths) {
            let pb = bar(self.quiet, rows_to_build(&input.path, self.quiet), "build");
            let l = input.load(store_path, &self.setup.config.blocking, |n| pb.set_position(n))?;
            pb.finish_and_clear();
            if let Some(b) = &l.built {
                report_ingest(b, self.quiet);
            }
            loaded.push(l);
        }
        Ok(loaded)
    }

    /// One or two inputs opened, or built into a private scratch directory beside `near` (or
    /// in the current directory), removed when the returned [`Inputs`] is dropped.
    pub fn load_scratch(
        &mut self,
        first: &Path,
        second: Option<&Path>,
        near: Option<&Path>,
    ) -> anyhow::Result<Inputs> {
        let scratch = scratch_for(&[Some(first), second], near, self.quiet)?;
        let dir = scratch.as_ref().map_or(Path::new("."), |t| t.path()).to_path_buf();
        let (first, second) = self.load_into(first, second, &dir)?;
        Ok(Inputs { first, second, _scratch: scratch })
    }

    /// One or two inputs opened or built into `dir` (`a.vnl`, `b.vnl`).
    pub fn load_into(
        &mut self,
        first: &Path,
        second: Option<&Path>,
        dir: &Path,
    ) -> anyhow::Result<(Loaded, Option<Loaded>)> {
        let inputs: Vec<&Path> = std::iter::once(first).chain(second).collect();
        let mut loaded = self.load(&inputs, &[dir.join("a.vnl"), dir.join("b.vnl")])?.into_iter();
        let a = loaded.next().context("no input loaded")?;
        Ok((a, loaded.next()))
    }

    /// The matcher of this run.
    pub fn matcher(&self) -> anyhow::Result<vnlink::pipeline::Matcher> {
        matcher(self.setup.config.clone(), self.model.as_deref(), self.bars_quiet)
    }

    /// The run's matcher, given each record of `stores` its entity in the truth at `truth`
    /// (for the exact curve of the score distribution) when there is one.
    pub fn judged_matcher(
        &self,
        truth: Option<&Path>,
        stores: &[&Store],
    ) -> anyhow::Result<vnlink::pipeline::Matcher> {
        let Some(path) = truth else { return self.matcher() };
        let entity = entities(&Truth::read(path)?, stores)?;
        matcher_with(
            self.setup.config.clone(),
            self.model.as_deref(),
            self.bars_quiet,
            Some(entity),
        )
    }
}

/// Each record's entity in `truth` (`u32::MAX` when the truth does not name it), the records of
/// `stores` one after the other.
pub fn entities(truth: &Truth, stores: &[&Store]) -> anyhow::Result<Vec<u32>> {
    let mut out = Vec::new();
    for s in stores {
        let ids = s.str_column(RECORD_ID)?;
        out.extend(ids.iter().map(|id| truth.entity_of(id).unwrap_or(u32::MAX)));
    }
    Ok(out)
}

/// The inputs of a command that keeps no store: opened, or built into a scratch directory that
/// lives as long as they do (fields drop in order: the stores first).
pub struct Inputs {
    pub first: Loaded,
    pub second: Option<Loaded>,
    _scratch: Option<vnlink::output::TempDir>,
}

/// Checks `cfg` after a command-line flag changed it: an error names the flag.
fn check_flag(flag: &str, cfg: &MatchConfig) -> anyhow::Result<()> {
    match cfg.validate() {
        Err(vnlink::Error::Config { key, reason, .. }) if key == "threshold" => {
            Err(anyhow::anyhow!("{flag}: {reason}"))
        }
        _ => Ok(()),
    }
}

/// Reads the configuration file of this run (remembered for [`name_config`]).
pub fn read_config(path: &Path) -> anyhow::Result<ConfigFile> {
    let _ = CONFIG_PATH.set(path.to_path_buf());
    Ok(ConfigFile::read(path)?)
}

/// The configuration file of this run, once read (see [`name_config`]).
static CONFIG_PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// An error about a configuration key found after the file was read (a column the input lacks,
/// a rule on a missing field) names the configuration file, as the errors of reading it do.
pub fn name_config(err: anyhow::Error) -> anyhow::Error {
    // Only a bare `Config` error is rebuilt: `downcast` also sees through `context`, whose
    // message would be lost.
    let bare_config = err.chain().count() == 1
        && matches!(err.downcast_ref::<vnlink::Error>(), Some(vnlink::Error::Config { .. }));
    if !bare_config {
        return err;
    }
    match (err.downcast::<vnlink::Error>(), CONFIG_PATH.get()) {
        (Ok(vnlink::Error::Config { path: None, key, reason }), Some(p))
            if key.starts_with("columns") || key.starts_with("blocking") =>
        {
            vnlink::Error::Config { path: Some(p.clone()), key, reason }.into()
        }
        (Ok(e), _) => e.into(),
        (Err(e), _) => e,
    }
}

/// Sets the number of worker threads: at most four per core (more only adds switching and
/// memory; thousands of threads take a minute to start).
pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
    if let Some(n) = threads {
        check_threads(n)?;
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("cannot set the number of threads")?;
    }
    Ok(())
}

/// An error when `n` threads is more than four per core.
pub fn check_threads(n: usize) -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if n > 4 * cores {
        anyhow::bail!(
            "--threads {n}: at most {} on this machine (four per core; {cores} cores); \
             0 or no --threads uses one per core",
            4 * cores
        );
    }
    Ok(())
}

/// About how many rows a CSV input holds, for a build's progress bar and its ETA: its line
/// ends counted (a field with a line break inside counts twice), minus the header. `None` for a
/// store, an Excel workbook, an unreadable file, or when quiet (no bar to size).
pub fn rows_to_build(path: &Path, quiet: bool) -> Option<u64> {
    use std::io::Read;
    if quiet || dataset::is_store(path) || vnlink::ingest::excel::is_excel_path(path) {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(lines.saturating_sub(1).max(1))
}

/// A progress bar on stderr, hidden when quiet (indicatif hides it when stderr is no terminal).
pub fn bar(quiet: bool, len: Option<u64>, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // Rates as `45,720 rec/s`, not `45720.3417/s`.
    let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let per_sec = state.per_sec();
        let shown = if per_sec.is_finite() { per_sec.round() as u64 } else { 0 };
        let _ = write!(w, "{} rec/s", indicatif::HumanCount(shown));
    };
    let pb = match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{msg:>10} [{bar:30}] {human_pos}/{human_len} ({rate}, ETA {eta})",
            )
            .map_or_else(|_| ProgressStyle::default_bar(), |s| s.with_key("rate", rate))
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{msg:<28} {spinner} {human_pos} ({rate}) {elapsed}")
                .map_or_else(|_| ProgressStyle::default_spinner(), |s| s.with_key("rate", rate)),
        ),
    };
    pb.set_message(what.to_owned());
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// Prints the ingest problems (always: they change the exit status).
pub fn report_ingest(s: &BuildSummary, quiet: bool) {
    let _ = quiet;
    let r = &s.ingest;
    if r.rows_skipped > 0 {
        eprintln!("warning: {}: skipped {} of {} rows", s.meta.source, r.rows_skipped, r.rows_read);
        for (reason, n) in &r.skipped_by_reason {
            eprintln!("  {n:>8}  {reason}");
        }
        for e in r.samples.iter().take(5) {
            eprintln!("  e.g. {e}");
        }
    }
    if !r.warnings_by_reason.is_empty() {
        for (reason, n) in &r.warnings_by_reason {
            eprintln!("warning: {}: {n} rows: {reason}", s.meta.source);
        }
        for e in r.warning_samples.iter().take(5) {
            eprintln!("  e.g. {e}");
        }
    }
}

/// Prints the warnings of a training (always: they change the exit status); whether there were.
pub fn report_training(t: Option<&vnlink::pipeline::TrainReport>) -> bool {
    let Some(t) = t else { return false };
    for w in &t.warnings {
        eprintln!("warning: {w}");
    }
    !t.warnings.is_empty()
}

/// Whether a build skipped rows or gave warnings (exit status 1).
pub fn skipped(b: Option<&BuildSummary>) -> bool {
    b.is_some_and(|b| !b.ingest.is_clean())
}

/// The exit code for a finished run.
pub fn exit(warned: bool) -> std::process::ExitCode {
    if warned {
        std::process::ExitCode::from(super::EXIT_WARNINGS)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// Progress bars for the matcher's stages (hidden when quiet or when stderr is no terminal).
pub struct Bars {
    bar: std::sync::Mutex<ProgressBar>,
    quiet: bool,
}

impl Bars {
    pub fn new(quiet: bool) -> std::sync::Arc<Bars> {
        std::sync::Arc::new(Bars { bar: std::sync::Mutex::new(ProgressBar::hidden()), quiet })
    }
}

impl vnlink::pipeline::Progress for Bars {
    fn stage(&self, name: &str, total: Option<u64>) {
        let mut b = self.bar.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        b.finish_and_clear();
        *b = bar(self.quiet, total, name);
    }
    fn advance(&self, n: u64) {
        self.bar.lock().unwrap_or_else(std::sync::PoisonError::into_inner).inc(n);
    }
    fn finish(&self) {
        self.bar.lock().unwrap_or_else(std::sync::PoisonError::into_inner).finish_and_clear();
    }
}

/// An error if any of `outputs` is one of `inputs` (`None`s are skipped): writing it would
/// destroy the input.
pub fn check_outputs(outputs: &[PathBuf], inputs: &[Option<&Path>]) -> anyhow::Result<()> {
    let inputs: Vec<&Path> = inputs.iter().flatten().copied().collect();
    for out in outputs {
        vnlink::output::check_not_input(out, &inputs)?;
    }
    Ok(())
}

/// Says which leftovers of killed runs were removed.
pub fn note_stale(removed: &[PathBuf], quiet: bool) {
    if !removed.is_empty() && !quiet {
        eprintln!(
            "note: removed {} temporary file(s) left by an interrupted vnlink run: {}",
            removed.len(),
            removed.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
}

/// Removes (and notes) the leftovers of killed runs in the directory of the output `path`,
/// those not touched for 10 s and not locked by a live run.
pub fn clean_near(path: &Path, quiet: bool) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let removed = vnlink::output::clean_stale(dir, std::time::Duration::from_secs(10));
    note_stale(&removed, quiet);
}

/// A private (0700) scratch directory for the stores built from CSV inputs while a command runs,
/// in the directory of `near` (the output file) or else the current directory, never the shared
/// temporary directory; `None` when every input is already a store.
pub fn scratch_for(
    inputs: &[Option<&Path>],
    near: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<Option<vnlink::output::TempDir>> {
    if inputs.iter().flatten().all(|p| dataset::is_store(p)) {
        return Ok(None);
    }
    let dir = match near.and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let removed = vnlink::output::clean_stale(&dir, std::time::Duration::from_secs(10));
    note_stale(&removed, quiet);
    let tmp = vnlink::output::TempDir::new_in(&dir).with_context(|| {
        format!(
            "cannot create a private directory for the temporary store in {}; run from a \
             writable directory, or build a store first (`vnlink build INPUT -o people.vnl`) \
             and pass the .vnl",
            dir.display()
        )
    })?;
    Ok(Some(tmp))
}
