//! The inputs of a run, resolved once: each is a store (opened) or a CSV/Excel file (read with
//! the configuration's columns or the inferred ones, then built into a store), and the run's
//! blocking rules are the ones that go with them unless the configuration file gave its own.
//!
//! ```no_run
//! # fn main() -> vnlink::Result<()> {
//! use std::path::Path;
//! use vnlink::pipeline::inputs::Setup;
//!
//! let mut setup = Setup::new(None, Default::default());
//! let plan = setup.plan(&[Path::new("registry.csv"), Path::new("agency.csv")])?;
//! let mut stores = Vec::new();
//! for (input, out) in plan.into_iter().zip(["a.vnl", "b.vnl"]) {
//!     stores.push(input.load(Path::new(out), &setup.config.blocking, |_| {})?.store);
//! }
//! let matcher = vnlink::MatcherBuilder::new().config(setup.config.clone()).build()?;
//! let link = matcher.link(&stores[0], &stores[1])?;
//! println!("{} pairs", link.pairs.len());
//! # Ok(()) }
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::block::Blocking;
use crate::dataset::infer::{Inferred, infer};
use crate::dataset::{BuildOptions, BuildSummary, View, build_csv, is_store};
use crate::error::Result;
use crate::ingest::IngestOptions;
use crate::pipeline::config::{ConfigFile, MatchConfig};
use crate::store::Store;

/// A run's configuration and how it reads its inputs, resolved from a configuration file (or
/// none) and the reading options.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The configuration; [`Setup::plan`] sets its blocking rules when the run picks its own.
    pub config: MatchConfig,
    /// How to read CSV and Excel inputs (`--column`, delimiter, sheet, duplicate ids).
    pub ingest: IngestOptions,
    own_rules: bool,
    keep_max_block: bool,
}

impl Setup {
    /// The setup of a run with `file` (or the defaults) and `ingest`.
    pub fn new(file: Option<&ConfigFile>, ingest: IngestOptions) -> Setup {
        Setup {
            config: file.map(|f| f.config.clone()).unwrap_or_default(),
            ingest,
            own_rules: file.is_none_or(|f| !f.gives_rules),
            keep_max_block: file.is_some_and(|f| f.gives_max_block),
        }
    }

    /// Whether the run picks its own blocking rules (inferred for the input, or a store's): no
    /// configuration file, or one without `blocking.rules`.
    pub fn own_rules(&self) -> bool {
        self.own_rules
    }

    /// Makes `blocking` the run's rules when it picks its own, keeping a `max_block` the
    /// configuration file set and the learning settings.
    fn adopt_rules(&mut self, blocking: Blocking) {
        if !self.own_rules {
            return;
        }
        let max_block = self.config.blocking.max_block;
        let learn = std::mem::take(&mut self.config.blocking.learn);
        self.config.blocking = blocking;
        self.config.blocking.learn = learn;
        if self.keep_max_block {
            self.config.blocking.max_block = max_block;
        }
    }

    /// How to read each of `inputs` (one for a dedupe, two or more for a link), and the run's
    /// blocking rules: those of the first input (inferred, or its store's) unless the
    /// configuration gave them. CSV inputs without configured columns are inferred together
    /// ([`Inferred::pair`]) so that all compare the same fields.
    pub fn plan(&mut self, inputs: &[&Path]) -> Result<Vec<Input>> {
        let csv = |p: &&Path| !is_store(p);
        if inputs.len() >= 2 && self.config.columns.is_empty() && inputs.iter().all(csv) {
            let t = Instant::now();
            let mut inferred =
                inputs.iter().map(|p| infer(p, &self.ingest)).collect::<Result<Vec<_>>>()?;
            let lost = Inferred::pair(&mut inferred);
            let notes = |inf: &Inferred, lost: bool, path: &Path| {
                let mut notes = Vec::new();
                if lost {
                    notes.push(format!(
                        "{}: extra fields another input does not have are not compared",
                        path.display()
                    ));
                }
                notes.extend(inf.notes.iter().map(|n| format!("{}: {n}", path.display())));
                notes
            };
            let notes: Vec<Vec<String>> = inferred
                .iter()
                .zip(&lost)
                .zip(inputs)
                .map(|((inf, &lost), path)| notes(inf, lost, path))
                .collect();
            self.adopt_rules(std::mem::take(&mut inferred[0].blocking));
            // They were inferred together: each is charged its share.
            let seconds = t.elapsed().as_secs_f64() / inputs.len() as f64;
            return Ok(inferred
                .into_iter()
                .zip(notes)
                .zip(inputs)
                .map(|((inf, notes), path)| self.csv_input(path, inf.columns, notes, seconds))
                .collect());
        }
        let mut out = Vec::with_capacity(inputs.len());
        for (i, path) in inputs.iter().enumerate() {
            out.push(self.plan_one(path, i == 0)?);
        }
        Ok(out)
    }

    /// One input: a store is opened; a CSV file is read with the configured columns or the
    /// inferred ones. With `first`, the rules that go with it become the run's.
    fn plan_one(&mut self, path: &Path, first: bool) -> Result<Input> {
        let t = Instant::now();
        if is_store(path) {
            let store = Store::open(path)?;
            if first {
                self.adopt_rules(View::new(&store)?.meta()?.blocking);
            }
            return Ok(Input {
                path: path.to_path_buf(),
                source: Source::Store(store),
                notes: Vec::new(),
                seconds: t.elapsed().as_secs_f64(),
            });
        }
        if !self.config.columns.is_empty() {
            let columns = self.config.columns.clone();
            return Ok(self.csv_input(path, columns, Vec::new(), 0.0));
        }
        let inferred = infer(path, &self.ingest)?;
        let notes = inferred.notes.iter().map(|n| format!("{}: {n}", path.display())).collect();
        if first {
            self.adopt_rules(inferred.blocking);
        }
        Ok(self.csv_input(path, inferred.columns, notes, t.elapsed().as_secs_f64()))
    }

    fn csv_input(
        &self,
        path: &Path,
        columns: Vec<crate::schema::ColumnConfig>,
        notes: Vec<String>,
        seconds: f64,
    ) -> Input {
        let ingest = IngestOptions { config_columns: Some(columns), ..self.ingest.clone() };
        Input { path: path.to_path_buf(), source: Source::Csv(ingest), notes, seconds }
    }
}

/// Where one input's records come from.
#[derive(Debug)]
pub enum Source {
    /// A store, opened.
    Store(Store),
    /// A CSV or Excel file and how to read it (its columns resolved).
    Csv(IngestOptions),
}

/// One input of a run, planned by [`Setup::plan`].
#[derive(Debug)]
pub struct Input {
    /// The path given.
    pub path: PathBuf,
    /// Where its records come from.
    pub source: Source,
    /// What was decided about it (inferred columns, fields left out), one sentence each,
    /// starting with the path.
    pub notes: Vec<String>,
    /// Seconds spent planning it (opening the store, or inferring the columns).
    pub seconds: f64,
}

/// An input ready for matching.
#[derive(Debug)]
pub struct Loaded {
    /// Its store.
    pub store: Store,
    /// What the build did, when the input was a CSV file.
    pub built: Option<BuildSummary>,
    /// Seconds to open or build it.
    pub seconds: f64,
}

impl Input {
    /// Builds the input's store at `store_path` with `blocking`'s posting lists when the input is
    /// a CSV file (what the build did), or does nothing for a store (`None`).
    pub fn build(
        &self,
        store_path: &Path,
        blocking: &Blocking,
        progress: impl FnMut(u64) + Send,
    ) -> Result<Option<BuildSummary>> {
        match &self.source {
            Source::Store(_) => Ok(None),
            Source::Csv(ingest) => {
                let opts = BuildOptions {
                    ingest: ingest.clone(),
                    blocking: blocking.clone(),
                    ..BuildOptions::default()
                };
                Ok(Some(build_csv(&self.path, store_path, &opts, progress)?))
            }
        }
    }

    /// Opens the input's store, or builds it at `store_path` with `blocking`'s posting lists
    /// (`progress` is called with the records written so far).
    pub fn load(
        self,
        store_path: &Path,
        blocking: &Blocking,
        progress: impl FnMut(u64) + Send,
    ) -> Result<Loaded> {
        let t = Instant::now();
        let built = self.build(store_path, blocking, progress)?;
        let store = match self.source {
            Source::Store(store) => store,
            Source::Csv(_) => Store::open(store_path)?,
        };
        Ok(Loaded { store, built, seconds: self.seconds + t.elapsed().as_secs_f64() })
    }
}
