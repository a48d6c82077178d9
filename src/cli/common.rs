//! Pieces shared by the subcommands: input options, stores from CSV or `.vnl`, configuration
//! files, progress bars, thread count.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use vnlink::dataset::infer::{Inferred, infer};
use vnlink::dataset::{self, BuildOptions, BuildSummary};
use vnlink::ingest::{IngestOptions, header::parse_column_override};
use vnlink::pipeline::MatchConfig;
use vnlink::schema::ColumnConfig;
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

/// Options shared by the matching commands.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MatchArgs {
    /// Keep pairs with a match probability at least this (default 0.95).
    #[arg(long, conflicts_with = "threshold_weight")]
    pub threshold: Option<f64>,
    /// Keep pairs with a match weight at least this, instead of a probability.
    #[arg(long)]
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
    /// No progress bars or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

impl MatchArgs {
    pub fn config(&self) -> anyhow::Result<MatchConfig> {
        let mut cfg = match &self.config {
            Some(p) => load_config(p)?,
            None => MatchConfig::default(),
        };
        if let Some(p) = self.threshold {
            cfg.threshold = vnlink::pipeline::Threshold::Probability(p);
            check_flag("--threshold", &cfg)?;
        }
        if let Some(w) = self.threshold_weight {
            cfg.threshold = vnlink::pipeline::Threshold::Weight(w);
            check_flag("--threshold-weight", &cfg)?;
        }
        cfg.validate().map_err(|e| match (e, &self.config) {
            (vnlink::Error::Config { key, reason, .. }, Some(p)) => {
                vnlink::Error::Config { path: Some(p.clone()), key, reason }
            }
            (e, _) => e,
        })?;
        Ok(cfg)
    }

    pub fn matcher(&self) -> anyhow::Result<vnlink::pipeline::Matcher> {
        self.matcher_with(self.config()?)
    }

    /// A matcher with `cfg` (from [`MatchArgs::config`], updated by [`load_or_build`]).
    pub fn matcher_with(&self, cfg: MatchConfig) -> anyhow::Result<vnlink::pipeline::Matcher> {
        let mut b =
            vnlink::pipeline::MatcherBuilder::new().config(cfg).progress(Bars::new(self.quiet));
        if let Some(p) = &self.model {
            b = b.model(vnlink::model::Model::read(p)?);
        }
        Ok(b.build()?)
    }
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

/// Which blocking keys the configuration file gave (omitted keys keep their defaults, and
/// omitted rules are the ones inferred for the input).
#[derive(Clone, Copy, Debug, Default)]
struct Given {
    rules: bool,
    max_block: bool,
}

static CONFIG_GIVES: std::sync::OnceLock<Given> = std::sync::OnceLock::new();

/// Whether the run picks its own blocking rules (inferred for the input, or the store's): no
/// configuration file, or one without `blocking.rules`.
pub fn own_rules(config: Option<&Path>) -> bool {
    config.is_none() || !CONFIG_GIVES.get().is_some_and(|g| g.rules)
}

/// Makes `blocking` the run's rules, keeping a `max_block` the configuration file set.
fn adopt_rules(cfg: &mut MatchConfig, blocking: vnlink::block::Blocking) {
    let max_block = cfg.blocking.max_block;
    cfg.blocking = blocking;
    if CONFIG_GIVES.get().is_some_and(|g| g.max_block) {
        cfg.blocking.max_block = max_block;
    }
}

/// Reads a match configuration from TOML (`.toml`) or JSON. Omitted keys keep their defaults;
/// errors name the line, column and key path.
pub fn load_config(path: &Path) -> anyhow::Result<MatchConfig> {
    let _ = CONFIG_PATH.set(path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|e| vnlink::Error::io(path, e))?;
    let is_toml = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let config_error = |key: String, reason: String| vnlink::Error::Config {
        path: Some(path.into()),
        key,
        reason,
    };
    let (cfg, given): (MatchConfig, Given) = if is_toml {
        let cfg = toml::from_str(&text).map_err(|e| {
            let (line, column, key) = toml_location(&text, e.span().map_or(0, |s| s.start));
            let reason = format!("line {line} column {column}: {}", e.message());
            config_error(key.unwrap_or_else(|| format!("line {line}")), reason)
        })?;
        let table: toml::Table = toml::from_str(&text).unwrap_or_default();
        let blocking = table.get("blocking").and_then(toml::Value::as_table);
        let has = |k: &str| blocking.is_some_and(|b| b.contains_key(k));
        (cfg, Given { rules: has("rules"), max_block: has("max_block") })
    } else {
        let cfg = serde_json::from_str(&text)
            .map_err(|e| config_error(format!("line {}", e.line()), e.to_string()))?;
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let has = |k: &str| value.get("blocking").and_then(|b| b.get(k)).is_some();
        (cfg, Given { rules: has("rules"), max_block: has("max_block") })
    };
    let _ = CONFIG_GIVES.set(given);
    Ok(cfg)
}

/// The line, column and key path of byte `at` of a TOML text: the path of the table the line is in
/// (arrays of tables with their index, `blocking.rules[1]`) and the key the line sets, if any.
fn toml_location(text: &str, at: usize) -> (usize, usize, Option<String>) {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text.get(line_start..at).map_or(1, |s| s.chars().count() + 1);
    let mut table = String::new();
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut key = String::new();
    for (n, l) in text.lines().enumerate().take(line) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_owned();
            let i = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{i}]");
            *i += 1;
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            name.trim().clone_into(&mut table);
        } else if n + 1 == line
            && let Some((k, _)) = t.split_once('=')
        {
            k.trim().trim_matches('"').clone_into(&mut key);
        }
    }
    let path = match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    };
    (line, column, (!path.is_empty()).then_some(path))
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

/// A progress bar on stderr, hidden when quiet (indicatif hides it when stderr is no terminal).
pub fn bar(quiet: bool, len: Option<u64>, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = match len {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template(
                "{msg:>10} [{bar:30}] {human_pos}/{human_len} ({per_sec}, ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{msg:<28} {spinner} {human_pos} ({per_sec}) {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    pb.set_message(what.to_owned());
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// A store given on the command line: opened if it is a `.vnl`, built from CSV otherwise.
pub struct Loaded {
    pub store: Store,
    pub built: Option<BuildSummary>,
    pub seconds: f64,
}

/// Opens `input` if it is a store; otherwise builds `store_path` from it (CSV or Excel), its
/// columns read as `cfg.columns` say or as inferred from the file ([`infer`]).
///
/// With `set_blocking` (no config file gave the rules), `cfg.blocking` becomes the rules that go
/// with the input: the inferred ones, or those a store was built with.
pub fn load_or_build(
    input: &Path,
    store_path: &Path,
    args: &InputArgs,
    cfg: &mut MatchConfig,
    set_blocking: bool,
    quiet: bool,
) -> anyhow::Result<Loaded> {
    let t = Instant::now();
    if dataset::is_store(input) {
        let store = Store::open(input)?;
        if set_blocking {
            adopt_rules(cfg, dataset::View::new(&store)?.meta()?.blocking);
        }
        return Ok(Loaded { store, built: None, seconds: t.elapsed().as_secs_f64() });
    }
    let summary = build(input, store_path, args, cfg, set_blocking, quiet)?;
    let store = Store::open(store_path)?;
    Ok(Loaded { store, built: Some(summary), seconds: t.elapsed().as_secs_f64() })
}

/// One input, or two for a link, loaded (stores) or built into `dir` (`a.vnl`, `b.vnl`); two
/// go through [`load_or_build_pair`]. Without a config file (`set_blocking`), `cfg.blocking`
/// becomes the inputs' rules.
pub fn load_inputs(
    first: &Path,
    second: Option<&Path>,
    dir: &Path,
    args: &InputArgs,
    cfg: &mut MatchConfig,
    set_blocking: bool,
    quiet: bool,
) -> anyhow::Result<(Loaded, Option<Loaded>)> {
    let (ap, bp) = (dir.join("a.vnl"), dir.join("b.vnl"));
    match second {
        None => Ok((load_or_build(first, &ap, args, cfg, set_blocking, quiet)?, None)),
        Some(second) => {
            let [a, b] =
                load_or_build_pair([first, second], [&ap, &bp], args, cfg, set_blocking, quiet)?;
            Ok((a, Some(b)))
        }
    }
}

/// The two inputs of a link, each read as `cfg.columns` say or as inferred: inferred inputs keep
/// only the extra fields both have (by name, kind and use, in the first input's order), so that
/// the two sides compare the same fields; the blocking rules (with `set_blocking`) are the first
/// input's inferred ones on those fields. Then both are loaded or built.
pub fn load_or_build_pair(
    inputs: [&Path; 2],
    store_paths: [&Path; 2],
    args: &InputArgs,
    cfg: &mut MatchConfig,
    set_blocking: bool,
    quiet: bool,
) -> anyhow::Result<[Loaded; 2]> {
    let csv = |p: &Path| !dataset::is_store(p);
    if !cfg.columns.is_empty() || !csv(inputs[0]) || !csv(inputs[1]) {
        let a = load_or_build(inputs[0], store_paths[0], args, cfg, set_blocking, quiet)?;
        let b = load_or_build(inputs[1], store_paths[1], args, cfg, false, quiet)?;
        return Ok([a, b]);
    }
    let ingest = args.ingest_options()?;
    let mut inferred = [infer(inputs[0], &ingest)?, infer(inputs[1], &ingest)?];
    let key = |c: &ColumnConfig| (c.name.clone(), c.kind, c.compare);
    let extras = |i: &Inferred| -> Vec<_> {
        i.columns.iter().filter(|c| c.kind.is_extra()).map(key).collect()
    };
    let second = extras(&inferred[1]);
    let mut common: Vec<_> =
        extras(&inferred[0]).into_iter().filter(|k| second.contains(k)).collect();
    common.dedup();
    let order = |c: &ColumnConfig| {
        if c.kind.is_extra() {
            common.iter().position(|k| *k == key(c)).map_or(usize::MAX, |i| i + 1)
        } else {
            0
        }
    };
    for (inf, input) in inferred.iter_mut().zip(inputs) {
        let before = inf.columns.len();
        inf.columns.retain(|c| !c.kind.is_extra() || common.contains(&key(c)));
        if inf.columns.len() < before && !quiet {
            eprintln!(
                "note: {}: extra fields the other input does not have are not compared",
                input.display()
            );
        }
        // Both sides list their extra fields in one order (the stores' field order).
        inf.columns.sort_by_key(order);
        if !quiet {
            for n in &inf.notes {
                eprintln!("note: {}: {n}", input.display());
            }
        }
    }
    if set_blocking {
        let mut blocking = inferred[0].blocking.clone();
        blocking.rules.retain(|r| r.fields.iter().all(|f| common.iter().any(|k| k.0 == *f)));
        adopt_rules(cfg, blocking);
    }
    let mut loaded = Vec::with_capacity(2);
    for ((inf, input), store_path) in inferred.into_iter().zip(inputs).zip(store_paths) {
        let t = Instant::now();
        let ingest = IngestOptions { config_columns: Some(inf.columns), ..ingest.clone() };
        let opts =
            BuildOptions { ingest, blocking: cfg.blocking.clone(), ..BuildOptions::default() };
        let summary = build_with(input, store_path, &opts, quiet)?;
        let store = Store::open(store_path)?;
        loaded.push(Loaded { store, built: Some(summary), seconds: t.elapsed().as_secs_f64() });
    }
    let b = loaded.pop().expect("two inputs");
    let a = loaded.pop().expect("two inputs");
    Ok([a, b])
}

/// How to read `input`: the configuration's `[[columns]]`, or the inferred ones (with their
/// blocking rules when `set_blocking`; the decisions are printed unless `quiet`).
pub fn reading(
    input: &Path,
    args: &InputArgs,
    cfg: &mut MatchConfig,
    set_blocking: bool,
    quiet: bool,
) -> anyhow::Result<IngestOptions> {
    let mut ingest = args.ingest_options()?;
    if cfg.columns.is_empty() {
        let inferred = infer(input, &ingest)?;
        if !quiet {
            for n in &inferred.notes {
                eprintln!("note: {}: {n}", input.display());
            }
        }
        ingest.config_columns = Some(inferred.columns);
        if set_blocking {
            adopt_rules(cfg, inferred.blocking);
        }
    } else {
        ingest.config_columns = Some(cfg.columns.clone());
    }
    Ok(ingest)
}

/// Builds a store from CSV with a progress bar (see [`reading`]).
pub fn build(
    input: &Path,
    out: &Path,
    args: &InputArgs,
    cfg: &mut MatchConfig,
    set_blocking: bool,
    quiet: bool,
) -> anyhow::Result<BuildSummary> {
    let ingest = reading(input, args, cfg, set_blocking, quiet)?;
    let opts = BuildOptions { ingest, blocking: cfg.blocking.clone(), ..BuildOptions::default() };
    build_with(input, out, &opts, quiet)
}

/// Builds a store from CSV with `opts` and a progress bar.
fn build_with(
    input: &Path,
    out: &Path,
    opts: &BuildOptions,
    quiet: bool,
) -> anyhow::Result<BuildSummary> {
    let pb = bar(quiet, None, "build");
    let summary = dataset::build_csv(input, out, opts, |n| pb.set_position(n))?;
    pb.finish_and_clear();
    report_ingest(&summary, quiet);
    Ok(summary)
}

/// Prints the ingest problems (always: they change the exit status).
pub fn report_ingest(s: &BuildSummary, quiet: bool) {
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
    let _ = quiet;
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

impl vnlink::util::progress::Progress for Bars {
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
        vnlink::util::fs::check_not_input(out, &inputs)?;
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
    let removed = vnlink::util::fs::clean_stale(dir, std::time::Duration::from_secs(10));
    note_stale(&removed, quiet);
}

/// A private (0700) scratch directory for the stores built from CSV inputs while a command runs,
/// in the directory of `near` (the output file) or else the current directory, never the shared
/// temporary directory; `None` when every input is already a store.
pub fn scratch_for(
    inputs: &[Option<&Path>],
    near: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<Option<vnlink::util::fs::TempDir>> {
    if inputs.iter().flatten().all(|p| dataset::is_store(p)) {
        return Ok(None);
    }
    let dir = match near.and_then(Path::parent) {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let removed = vnlink::util::fs::clean_stale(&dir, std::time::Duration::from_secs(10));
    note_stale(&removed, quiet);
    let tmp = vnlink::util::fs::TempDir::new_in(&dir).with_context(|| {
        format!(
            "cannot create a private directory for the temporary store in {}; run from a \
             writable directory, or build a store first (`vnlink build INPUT -o people.vnl`) \
             and pass the .vnl",
            dir.display()
        )
    })?;
    Ok(Some(tmp))
}

/// `1234567` → `1,234,567` (the text outputs of `inspect` and `bench`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
