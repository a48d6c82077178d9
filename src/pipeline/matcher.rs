//! [`Matcher`]: a configured matcher (blocking rules, model or training options, threshold,
//! constraints) that deduplicates one store or links two.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use serde::Serialize;

use crate::block::learn::{self, LearnReport};
use crate::block::{Blocking, RuleStats};
use crate::cluster::{self, Edge};
use crate::compare::{self, FIELDS, Records};
use crate::dataset::{Joined, Record, Sources, View};
use crate::error::{Error, Result};
use crate::model::saved::{check_model_fields, saved_model};
use crate::model::tf::TermFrequencies;
use crate::model::train::{self, TrainOptions, TrainReport};
use crate::model::{MAX_FIELDS, Model, Pattern, probability};
use crate::pipeline::config::{MatchConfig, Threshold};
use crate::pipeline::histogram::ScoreHistogram;
use crate::pipeline::local::Local;
use crate::pipeline::query::{self, Candidate, LookupState, QueryOptions};
use crate::pipeline::score::{Explanation, Scorer};
use crate::store::Store;
use crate::util::progress::{NoProgress, SharedProgress};

/// Builds a [`Matcher`].
#[derive(Clone, Default)]
pub struct MatcherBuilder {
    config: MatchConfig,
    model: Option<Model>,
    progress: Option<SharedProgress>,
    truth: Option<Arc<[u32]>>,
}

impl std::fmt::Debug for MatcherBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatcherBuilder")
            .field("config", &self.config)
            .field("model", &self.model.is_some())
            .finish_non_exhaustive()
    }
}

impl MatcherBuilder {
    /// Default settings: the default rules, a model trained on the data, threshold 0.95.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses a whole configuration.
    #[must_use]
    pub fn config(mut self, config: MatchConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the blocking rules.
    #[must_use]
    pub fn blocking(mut self, blocking: Blocking) -> Self {
        self.config.blocking = blocking;
        self
    }

    /// Uses this model instead of training one on the data.
    #[must_use]
    pub fn model(mut self, model: Model) -> Self {
        self.model = Some(model);
        self
    }

    /// Sets the threshold.
    #[must_use]
    pub fn threshold(mut self, threshold: Threshold) -> Self {
        self.config.threshold = threshold;
        self
    }

    /// Sets the training options.
    #[must_use]
    pub fn train_options(mut self, opts: TrainOptions) -> Self {
        self.config.train = opts;
        self
    }

    /// Turns the CCCD cannot-link constraint on or off.
    #[must_use]
    pub fn cannot_link(mut self, on: bool) -> Self {
        self.config.cannot_link = on;
        self
    }

    /// Turns one-to-one linking on or off.
    #[must_use]
    pub fn one_to_one(mut self, on: bool) -> Self {
        self.config.one_to_one = on;
        self
    }

    /// Reports the progress of long stages to `progress`.
    #[must_use]
    pub fn progress(mut self, progress: SharedProgress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Gives each record's true entity (`u32::MAX` when unknown; in a link the first store's
    /// records, then the second's), so that the score distribution of a run
    /// ([`RunStats::scores`]) also counts the true pairs and its precision/recall curve is
    /// exact besides estimated. Changes nothing else: the model, the pairs and the clusters are
    /// those of a run without it.
    #[must_use]
    pub fn truth(mut self, entity: Vec<u32>) -> Self {
        self.truth = Some(entity.into());
        self
    }

    /// Validates and builds the matcher.
    pub fn build(self) -> Result<Matcher> {
        self.config.validate()?;
        if let Some(m) = &self.model {
            m.validate(std::path::Path::new("<model>"))?;
            // The six fixed fields, then up to MAX_EXTRA extra ones; whether they are the
            // input's is checked against the records (`check_fields`).
            let most = FIELDS + crate::schema::MAX_EXTRA;
            if m.fields.len() < FIELDS || m.fields.len() > most {
                return Err(Error::Model {
                    path: "<model>".into(),
                    reason: format!("expected {FIELDS} to {most} fields, found {}", m.fields.len()),
                });
            }
        }
        Ok(Matcher {
            config: self.config,
            model: self.model,
            lookups: Arc::default(),
            progress: self.progress.unwrap_or_else(|| Arc::new(NoProgress)),
            truth: self.truth,
        })
    }
}

/// A configured matcher. Cheap to clone and to share between threads.
#[derive(Clone)]
pub struct Matcher {
    config: MatchConfig,
    model: Option<Model>,
    progress: SharedProgress,
    /// Per store: the scorer of lookups (model and name frequencies) and the store's rules.
    lookups: Arc<Mutex<Lookups>>,
    /// Each record's entity, for the exact curve of the score distribution.
    truth: Option<Arc<[u32]>>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("config", &self.config)
            .field("model", &self.model.is_some())
            .finish_non_exhaustive()
    }
}

/// Identifies a store's bytes: its length and its trailer (which holds the checksum of the table
/// of contents, itself holding every section's checksum).
type StoreKey = (u64, [u8; 24]);

/// The lookup states prepared so far, one per store.
type Lookups = Vec<(StoreKey, Arc<LookupState>)>;

fn store_key(store: &Store) -> StoreKey {
    let bytes = store.as_bytes();
    let mut trailer = [0u8; 24];
    if let Some(t) = bytes.len().checked_sub(24).and_then(|s| bytes.get(s..)) {
        trailer.copy_from_slice(t);
    }
    (bytes.len() as u64, trailer)
}

/// A scored pair of records, with its explanation levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// The left record (in a link, from the first store).
    pub left: u32,
    /// The right record (in a link, from the second store).
    pub right: u32,
    /// Match weight.
    pub match_weight: f64,
    /// Match probability.
    pub match_probability: f64,
    /// Comparison level of each field of the model (see [`compare::LEVELS`] and
    /// [`crate::compare::extra::levels`]); 0 past the model's fields.
    pub levels: [u8; MAX_FIELDS],
}

/// Timings and counts of a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunStats {
    /// Records in the (first) store.
    pub records: u64,
    /// Records in the second store (link).
    pub records_right: u64,
    /// Candidate pairs compared.
    pub pairs_compared: u64,
    /// Pairs at or above the threshold.
    pub pairs_above_threshold: u64,
    /// Pairs dropped by one-to-one linking.
    pub pairs_dropped_one_to_one: u64,
    /// Merges refused by the cannot-link constraint.
    pub cannot_link_refusals: u64,
    /// Clusters (dedupe).
    pub clusters: u64,
    /// Per blocking rule.
    pub blocking: Vec<RuleStats>,
    /// The rules learned on top of the given ones, and how ([`learn`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned: Option<LearnReport>,
    /// Seconds per stage.
    pub seconds: std::collections::BTreeMap<String, f64>,
    /// Pairs compared and weighed per second, over the scoring time (blocking excluded).
    pub pairs_per_second: f64,
    /// The match weights of every compared pair: the score distribution, from which the
    /// precision and recall at any threshold are estimated ([`ScoreHistogram::curve`]).
    pub scores: ScoreHistogram,
}

impl RunStats {
    /// The blocks the rules skipped as oversized (pairs never compared), one message per rule:
    /// for report.json's `warnings` and stderr.
    pub fn oversized_warnings(&self) -> Vec<String> {
        self.blocking
            .iter()
            .filter(|r| r.blocks_skipped > 0)
            .map(|r| {
                format!(
                    "rule {}: {} oversized blocks skipped ({} pairs not compared); split them \
                     with the rule's split_by keys or raise blocking.max_block",
                    r.rule, r.blocks_skipped, r.pairs_skipped
                )
            })
            .collect()
    }
}

/// The result of a dedupe.
#[derive(Clone, Debug)]
pub struct Dedupe {
    /// The model used (trained or given).
    pub model: Model,
    /// Pairs at or above the threshold, in a deterministic order. Exact copies (records whose
    /// normalised fields are all equal) appear against their group's first record only, and other
    /// records' pairs with them against that first record ([`crate::block::Copies`]); the
    /// clusters ([`Dedupe::labels`]) hold every record.
    pub pairs: Vec<Pair>,
    /// For each record, its cluster label: the index of the cluster's first record.
    pub labels: Vec<u32>,
    /// Counts and timings.
    pub stats: RunStats,
    /// How the model was trained (`None` when it was given).
    pub training: Option<TrainReport>,
}

impl Dedupe {
    /// The clusters, ordered by their first record; singletons included.
    pub fn clusters(&self) -> Vec<Cluster> {
        let mut out: Vec<Cluster> = Vec::new();
        let mut slot = vec![u32::MAX; self.labels.len()];
        for (i, &l) in self.labels.iter().enumerate() {
            let s = &mut slot[l as usize];
            if *s == u32::MAX {
                *s = out.len() as u32;
                out.push(Cluster { id: l, records: Vec::new() });
            }
            out[*s as usize].records.push(i as u32);
        }
        out
    }
}

/// A cluster of records found by a dedupe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The cluster's id: the index of its first record (stable whatever the thread count).
    pub id: u32,
    /// Its records, ascending.
    pub records: Vec<u32>,
}

/// The result of a link.
#[derive(Clone, Debug)]
pub struct Link {
    /// The model used.
    pub model: Model,
    /// Pairs (left from the first store, right from the second) at or above the threshold.
    pub pairs: Vec<Pair>,
    /// Counts and timings.
    pub stats: RunStats,
    /// How the model was trained (`None` when it was given).
    pub training: Option<TrainReport>,
}

fn levels_of(p: Pattern) -> [u8; MAX_FIELDS] {
    let mut l = [0u8; MAX_FIELDS];
    for (f, v) in l.iter_mut().enumerate() {
        *v = p.level(f) as u8;
    }
    l
}

/// Whether two national ids in `to_u64` form are CCCDs of different people: both CCCDs,
/// different, and not one mistyped digit or swapped pair apart.
fn cccd_conflict(a: u64, b: u64) -> bool {
    a != b && compare::compare_id(a, b) == 3
}

/// The identity key of a record for the cannot-link constraint: its CCCD, if valid.
fn cccd_key(f: &compare::Features) -> u64 {
    if f.national_id >> 60 == 1 { f.national_id } else { 0 }
}

impl Matcher {
    /// A matcher with the default configuration.
    pub fn new() -> Matcher {
        Matcher {
            config: MatchConfig::default(),
            model: None,
            lookups: Arc::default(),
            progress: Arc::new(NoProgress),
            truth: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// The given model, if any.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    fn model_for<R: Records>(
        &self,
        records: &R,
        split: Option<u32>,
        tf: &TermFrequencies,
        stats: &mut RunStats,
    ) -> (Model, Option<TrainReport>) {
        let t = Instant::now();
        let out = if let Some(m) = &self.model {
            (m.clone(), None)
        } else {
            self.progress.stage("train", None);
            let (m, report) = train::train_report_with(records, split, &self.config.train, tf);
            self.progress.finish();
            (m, Some(report))
        };
        stats.seconds.insert("train".into(), t.elapsed().as_secs_f64());
        out
    }

    fn score<R: Records>(
        &self,
        records: &Local<'_, R>,
        split: Option<u32>,
        model: Model,
        tf: TermFrequencies,
        stats: &mut RunStats,
    ) -> (Scorer, Vec<crate::pipeline::ScoredPair>) {
        let scorer = Scorer::with_tf(model, tf, self.config.threshold.weight());
        let learned = self.learn_rules(records, split, &scorer, stats);
        let blocking = learned.as_ref().unwrap_or(&self.config.blocking);
        let truth = self.local_truth(records, split);
        let t = Instant::now();
        let truth = truth.as_ref().map(|(e, n)| (e.as_slice(), *n));
        let out = scorer.score_all(records, blocking, split, truth, &*self.progress);
        let secs = t.elapsed().as_secs_f64();
        stats.seconds.insert("block_and_score".into(), secs);
        stats.seconds.insert("block".into(), out.block_seconds);
        stats.seconds.insert("score".into(), out.score_seconds);
        stats.pairs_compared = out.compared;
        stats.pairs_above_threshold = out.pairs.len() as u64;
        stats.pairs_per_second =
            if out.score_seconds > 0.0 { out.compared as f64 / out.score_seconds } else { 0.0 };
        stats.blocking = out.rules;
        stats.scores = out.histogram;
        (scorer, out.pairs)
    }

    /// With a truth: each local record's entity, and the true pairs of the input (within one
    /// dataset, or across the two sides of a link).
    fn local_truth<R: Records>(
        &self,
        records: &Local<'_, R>,
        split: Option<u32>,
    ) -> Option<(Vec<u32>, u64)> {
        let truth = self.truth.as_deref()?;
        let n = records.len() as u32;
        let entity: Vec<u32> = (0..n)
            .map(|i| truth.get(records.original(i) as usize).copied().unwrap_or(u32::MAX))
            .collect();
        // (entity, side) sorted: runs of one entity, its left records first.
        let side = |i: u32| u8::from(split.is_some_and(|s| records.original(i) >= s));
        let mut keyed: Vec<(u32, u8)> = (0..n)
            .filter(|&i| entity[i as usize] != u32::MAX)
            .map(|i| (entity[i as usize], side(i)))
            .collect();
        keyed.sort_unstable();
        let mut pairs = 0u64;
        for run in keyed.chunk_by(|a, b| a.0 == b.0) {
            let k = run.len() as u64;
            pairs += if split.is_some() {
                let left = run.iter().filter(|x| x.1 == 0).count() as u64;
                left * (k - left)
            } else {
                k * (k - 1) / 2
            };
        }
        Some((entity, pairs))
    }

    /// The given rules with those learned on top, judged by the run's model ([`Scorer::judge`]),
    /// when learning is on ([`learn`]); `None` when it is off.
    fn learn_rules<R: Records>(
        &self,
        records: &R,
        split: Option<u32>,
        scorer: &Scorer,
        stats: &mut RunStats,
    ) -> Option<Blocking> {
        let given = &self.config.blocking;
        if !given.learn.on() {
            return None;
        }
        let t = Instant::now();
        self.progress.stage("learn blocking", None);
        let learned =
            learn::learn(records, split, given, &given.learn, |pool| scorer.judge(records, pool));
        self.progress.finish();
        stats.seconds.insert("learn_blocking".into(), t.elapsed().as_secs_f64());
        stats.learned = Some(learned.report);
        Some(learned.blocking)
    }

    /// The blocking a run of this matcher uses on `left` (and `right` in a link): the given
    /// rules, and with learning on, the rules learned on top ([`learn`]), judged by the run's
    /// model (trained here unless given, as a run trains it) or, with `entity` (each record's
    /// true entity, `left`'s then `right`'s; `u32::MAX` when unknown), by the truth.
    pub fn blocking_for(
        &self,
        left: &Store,
        right: Option<&Store>,
        entity: Option<&[u32]>,
    ) -> Result<(Blocking, Option<LearnReport>)> {
        let lv = View::new(left)?;
        match right {
            None => {
                self.check_fields(&lv)?;
                Ok(self.blocking_of(&lv, None, entity))
            }
            Some(right) => {
                let rv = View::new(right)?;
                let joined = Joined::new(&lv, &rv);
                joined.check_extras()?;
                self.check_fields(&joined)?;
                Ok(self.blocking_of(&joined, Some(joined.split()), entity))
            }
        }
    }

    fn blocking_of<R: Records>(
        &self,
        records: &R,
        split: Option<u32>,
        entity: Option<&[u32]>,
    ) -> (Blocking, Option<LearnReport>) {
        let given = &self.config.blocking;
        if !given.learn.on() {
            return (given.clone(), None);
        }
        // The records in the order a run blocks them, so that the sample is the run's.
        let local = Local::new(records, split);
        let learned = if let Some(e) = entity {
            learn::learn(&local, split, given, &given.learn, |pool| {
                let of = |i: u32| e.get(local.original(i) as usize).copied().unwrap_or(u32::MAX);
                pool.iter().map(|&(a, b)| of(a) == of(b) && of(a) != u32::MAX).collect()
            })
        } else {
            let tf = TermFrequencies::new(&local);
            let (model, _) = self.model_for(&local, split, &tf, &mut RunStats::default());
            let scorer = Scorer::with_tf(model, tf, self.config.threshold.weight());
            learn::learn(&local, split, given, &given.learn, |pool| scorer.judge(&local, pool))
        };
        (learned.blocking, Some(learned.report))
    }

    /// Checks the configuration and the given model against the records' fields: the rules'
    /// extra fields exist, and a given model has the records' fields, in order.
    fn check_fields<R: Records>(&self, records: &R) -> Result<()> {
        self.config.blocking.check_fields(records.extra_fields())?;
        if let Some(model) = &self.model {
            check_model_fields(records, model)?;
        }
        Ok(())
    }

    /// Trains (or takes) the model for one store, without scoring.
    pub fn train(&self, store: &Store) -> Result<Model> {
        Ok(self.fit(store, None, &Supervision::None)?.0)
    }

    /// Trains (or takes) the model for a link of two stores.
    pub fn train_link(&self, left: &Store, right: &Store) -> Result<Model> {
        Ok(self.fit(left, Some(right), &Supervision::None)?.0)
    }

    /// Fits the model of one store (`right`: `None`) or of a link of two, unsupervised (EM with
    /// the reference model as prior and fallback) or from a truth or labelled pairs, and says
    /// how ([`TrainReport`]; `None` when the matcher was given a model, which is returned as it
    /// is).
    pub fn fit(
        &self,
        left: &Store,
        right: Option<&Store>,
        how: &Supervision<'_>,
    ) -> Result<(Model, Option<TrainReport>)> {
        let lv = View::new(left)?;
        let rv = right.map(View::new).transpose()?;
        match &rv {
            None => {
                self.check_fields(&lv)?;
                self.fit_records(&lv, None, how, &[&lv])
            }
            Some(rv) => {
                let joined = Joined::new(&lv, rv);
                joined.check_extras()?;
                self.check_fields(&joined)?;
                self.fit_records(&joined, Some(joined.split()), how, &[&lv, rv])
            }
        }
    }

    fn fit_records<R: Records>(
        &self,
        records: &R,
        split: Option<u32>,
        how: &Supervision<'_>,
        sides: &[&View<'_>],
    ) -> Result<(Model, Option<TrainReport>)> {
        if let Some(m) = &self.model {
            return Ok((m.clone(), None));
        }
        let local = Local::new(records, split);
        let opts = &self.config.train;
        let (model, report) = match how {
            Supervision::None => train::train_report(&local, split, opts),
            Supervision::Truth(truth) => {
                let ids = record_ids(sides)?;
                let entity: Vec<u32> = (0..local.len() as u32)
                    .map(|i| {
                        let id = &ids[local.original(i) as usize];
                        truth.entity_of(id).unwrap_or(u32::MAX)
                    })
                    .collect();
                train::fit_truth(&local, split, &entity, opts)
            }
            Supervision::Labels(labels) => {
                let pairs = label_indices(sides, labels)?;
                let pairs: Vec<(u32, u32, bool)> = pairs
                    .into_iter()
                    .map(|(a, b, m)| (local.local(a), local.local(b), m))
                    .collect();
                calibrated(&local, split, &pairs, opts)
            }
        };
        Ok((model, Some(report)))
    }

    /// Finds the duplicates in one store and clusters them.
    pub fn dedupe(&self, store: &Store) -> Result<Dedupe> {
        let view = View::new(store)?;
        self.check_fields(&view)?;
        Ok(self.dedupe_records(&view))
    }

    /// Links and deduplicates any number of stores at once, as one dataset: pairs inside each
    /// store and across stores, and clusters spanning them all (a person in three agency lists
    /// and the register is one cluster). The result's record indices run over the stores one
    /// after the other: record `i` of store `k` is the sum of the earlier stores' sizes plus
    /// `i` ([`Sources::locate`] maps back).
    pub fn link_and_dedupe(&self, stores: &[&Store]) -> Result<Dedupe> {
        let views = stores.iter().map(|s| View::new(s)).collect::<Result<Vec<_>>>()?;
        let sources = Sources::new(&views)?;
        self.check_fields(&sources)?;
        Ok(self.dedupe_records(&sources))
    }

    fn dedupe_records<R: Records>(&self, view: &R) -> Dedupe {
        let mut stats = RunStats { records: view.len() as u64, ..RunStats::default() };
        let t = Instant::now();
        let local = Local::new(view, None);
        stats.seconds.insert("localize".into(), t.elapsed().as_secs_f64());
        let t = Instant::now();
        let tf = TermFrequencies::new(&local);
        stats.seconds.insert("name_frequencies".into(), t.elapsed().as_secs_f64());
        let (model, training) = self.model_for(&local, None, &tf, &mut stats);
        let (_, mut scored) = self.score(&local, None, model.clone(), tf, &mut stats);
        // Back to store indices, smaller first, in store order.
        for p in &mut scored {
            let (a, b) = (local.original(p.a), local.original(p.b));
            (p.a, p.b) = (a.min(b), a.max(b));
        }
        scored.sort_unstable_by_key(|p| (p.a, p.b));
        drop(local);
        let t = Instant::now();
        self.progress.stage("cluster", None);
        let mut edges: Vec<Edge> =
            scored.iter().map(|p| Edge { a: p.a, b: p.b, weight: p.weight }).collect();
        let c = if self.config.cannot_link {
            cluster::cluster(view.len(), &mut edges, |i| cccd_key(view.features(i)), cccd_conflict)
        } else {
            cluster::cluster(view.len(), &mut edges, |_| 0, |_, _| false)
        };
        self.progress.finish();
        stats.seconds.insert("cluster".into(), t.elapsed().as_secs_f64());
        stats.cannot_link_refusals = c.refused;
        stats.clusters = c.clusters as u64;
        let pairs = scored
            .iter()
            .map(|p| Pair {
                left: p.a,
                right: p.b,
                match_weight: f64::from(p.weight),
                match_probability: probability(f64::from(p.weight)),
                levels: levels_of(p.pattern),
            })
            .collect();
        Dedupe { model, pairs, labels: c.labels, stats, training }
    }

    /// Finds the records of `right` that match records of `left`.
    pub fn link(&self, left: &Store, right: &Store) -> Result<Link> {
        let (lv, rv) = (View::new(left)?, View::new(right)?);
        let joined = Joined::new(&lv, &rv);
        joined.check_extras()?;
        self.check_fields(&joined)?;
        let split = joined.split();
        let mut stats = RunStats {
            records: lv.len() as u64,
            records_right: rv.len() as u64,
            ..RunStats::default()
        };
        let t = Instant::now();
        let local = Local::new(&joined, Some(split));
        stats.seconds.insert("localize".into(), t.elapsed().as_secs_f64());
        let t = Instant::now();
        let tf = TermFrequencies::new(&local);
        stats.seconds.insert("name_frequencies".into(), t.elapsed().as_secs_f64());
        let (model, training) = self.model_for(&local, Some(split), &tf, &mut stats);
        let (_, mut scored) = self.score(&local, Some(split), model.clone(), tf, &mut stats);
        for p in &mut scored {
            (p.a, p.b) = (local.original(p.a), local.original(p.b));
        }
        scored.sort_unstable_by_key(|p| (p.a, p.b));
        drop(local);
        if self.config.one_to_one {
            let t = Instant::now();
            let before = scored.len();
            scored.sort_unstable_by(|x, y| {
                y.weight.total_cmp(&x.weight).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b))
            });
            let mut used_l = vec![false; lv.len()];
            let mut used_r = vec![false; rv.len()];
            scored.retain(|p| {
                let (li, ri) = (p.a as usize, (p.b - split) as usize);
                if used_l[li] || used_r[ri] {
                    return false;
                }
                used_l[li] = true;
                used_r[ri] = true;
                true
            });
            scored.sort_unstable_by(|x, y| x.a.cmp(&y.a).then(x.b.cmp(&y.b)));
            stats.pairs_dropped_one_to_one = (before - scored.len()) as u64;
            stats.seconds.insert("one_to_one".into(), t.elapsed().as_secs_f64());
        }
        let pairs = scored
            .iter()
            .map(|p| Pair {
                left: p.a,
                right: p.b - split,
                match_weight: f64::from(p.weight),
                match_probability: probability(f64::from(p.weight)),
                levels: levels_of(p.pattern),
            })
            .collect();
        Ok(Link { model, pairs, stats, training })
    }

    /// Looks one record up in a store: the `k` best candidates with their match probability,
    /// weight, explanation, whether they reach the threshold and their stored fields, best
    /// first. Only the store's posting lists are read (no scan).
    ///
    /// Lookups never train: they use the matcher's model, else the model saved in the store
    /// ([`crate::model::saved::save_model`]), else the reference model, with the prior one
    /// in the store's size. The first lookup in a store counts its name frequencies; later
    /// lookups reuse them. Any number of threads may look up at once.
    pub fn query(&self, store: &Store, record: &Record, k: usize) -> Result<Vec<Candidate>> {
        self.query_with(store, record, &QueryOptions { k, fields: true })
    }

    /// [`Matcher::query`] with options: without the stored fields
    /// ([`Candidate::fields`] `None`), a lookup reads only what scoring needs.
    pub fn query_with(
        &self,
        store: &Store,
        record: &Record,
        opts: &QueryOptions,
    ) -> Result<Vec<Candidate>> {
        let state = self.lookup_state(store)?;
        query::query(store, &state, record, opts)
    }

    fn lookup_state(&self, store: &Store) -> Result<Arc<LookupState>> {
        let key = store_key(store);
        let cached = |c: &Lookups| c.iter().find(|(k, _)| *k == key).map(|(_, s)| Arc::clone(s));
        if let Some(s) = cached(&self.lookups.lock().unwrap_or_else(PoisonError::into_inner)) {
            return Ok(s);
        }
        let view = View::new(store)?;
        self.check_fields(&view)?;
        let meta = view.meta()?;
        let blocking = meta.blocking;
        // The matcher's model, else the one saved with the store, else the reference model:
        // lookups never train, and answer the same whatever the store's duplicates.
        let mut model = match &self.model {
            Some(m) => m.clone(),
            None => match saved_model(&view)? {
                Some(m) => {
                    check_model_fields(&view, &m)?;
                    m
                }
                None => train::reference_model(&view),
            },
        };
        // A lookup asks which one of the store's records is the query's person: the prior is
        // one in the store's size, not the share of duplicate pairs within the store.
        model.prior = lookup_prior(view.len());
        let scorer = Scorer::new(model, &view, self.config.threshold.weight());
        let state = Arc::new(
            LookupState::new(scorer, blocking, view.extras().to_vec())
                .read_like(meta.month_first, meta.given_first),
        );
        let mut cache = self.lookups.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = cached(&cache) {
            return Ok(s);
        }
        cache.push((key, Arc::clone(&state)));
        Ok(state)
    }

    /// Explains the score of two records of one store (with the given model, or one trained on
    /// the store).
    pub fn explain(&self, store: &Store, left: u32, right: u32) -> Result<Explanation> {
        let view = View::new(store)?;
        self.check_fields(&view)?;
        check_index(&view, left)?;
        check_index(&view, right)?;
        let local = Local::new(&view, None);
        let model =
            self.model.clone().unwrap_or_else(|| train::train(&local, None, &self.config.train));
        let scorer = Scorer::new(model, &local, self.config.threshold.weight());
        Ok(scorer.explain(&local, local.local(left), local.local(right)))
    }

    /// Explains many pairs of one store's records with `model` (a run's model: the name
    /// frequencies are counted once, as the run counted them).
    pub fn explain_pairs(
        &self,
        store: &Store,
        model: &Model,
        pairs: &[(u32, u32)],
    ) -> Result<Vec<Explanation>> {
        let view = View::new(store)?;
        check_model_fields(&view, model)?;
        for &(a, b) in pairs {
            check_index(&view, a)?;
            check_index(&view, b)?;
        }
        let scorer = Scorer::new(model.clone(), &view, self.config.threshold.weight());
        Ok(pairs.iter().map(|&(a, b)| scorer.explain(&view, a, b)).collect())
    }

    /// [`Matcher::explain_pairs`] for a link: `(left, right)` indices into `first` and `second`.
    pub fn explain_link_pairs(
        &self,
        first: &Store,
        second: &Store,
        model: &Model,
        pairs: &[(u32, u32)],
    ) -> Result<Vec<Explanation>> {
        let (lv, rv) = (View::new(first)?, View::new(second)?);
        for &(a, b) in pairs {
            check_index(&lv, a)?;
            check_index(&rv, b)?;
        }
        let joined = Joined::new(&lv, &rv);
        joined.check_extras()?;
        check_model_fields(&joined, model)?;
        let split = joined.split();
        let scorer = Scorer::new(model.clone(), &joined, self.config.threshold.weight());
        Ok(pairs.iter().map(|&(a, b)| scorer.explain(&joined, a, split + b)).collect())
    }

    /// Explains the score of record `left` of the first store against record `right` of the
    /// second (with the given model, or one trained for the link).
    pub fn explain_link(
        &self,
        first: &Store,
        second: &Store,
        left: u32,
        right: u32,
    ) -> Result<Explanation> {
        let (lv, rv) = (View::new(first)?, View::new(second)?);
        check_index(&lv, left)?;
        check_index(&rv, right)?;
        let joined = Joined::new(&lv, &rv);
        joined.check_extras()?;
        self.check_fields(&joined)?;
        let split = joined.split();
        let local = Local::new(&joined, Some(split));
        let model = self
            .model
            .clone()
            .unwrap_or_else(|| train::train(&local, Some(split), &self.config.train));
        let scorer = Scorer::new(model, &local, self.config.threshold.weight());
        Ok(scorer.explain(&local, local.local(left), local.local(split + right)))
    }
}

/// The model EM fits on `records` without labels, recalibrated on the labelled pairs: labels
/// are few and drawn where the model is least sure (`vnlink review`), so they correct how the
/// model's weight reads as a probability around the threshold rather than replace what EM
/// learnt from every pair.
fn calibrated<R: Records>(
    records: &R,
    split: Option<u32>,
    labels: &[(u32, u32, bool)],
    opts: &TrainOptions,
) -> (Model, TrainReport) {
    let (mut model, mut report) = train::train_report(records, split, opts);
    let scorer = Scorer::new(model.clone(), records, 0.0);
    let n = records.len() as u32;
    let weighed: Vec<(f64, bool)> = labels
        .iter()
        .filter(|&&(a, b, _)| a < n && b < n && a != b)
        .map(|&(a, b, m)| {
            let w = scorer.score_pair(records, a, b, &mut compare::Scratch::new()).1;
            (f64::from(w), m)
        })
        .collect();
    let matches = weighed.iter().filter(|x| x.1).count();
    model.calibration = train::calibrate(&weighed);
    report.method = "em+labels".into();
    if model.calibration.is_none() {
        report.warnings.push(format!(
            "labels need matches and non-matches to calibrate the model ({matches} matches of \
             {} labelled pairs): the model is EM's alone",
            weighed.len()
        ));
    }
    if let Some(o) = model.training.as_object_mut() {
        o.insert("method".into(), report.method.clone().into());
        o.insert("labelled_matches".into(), matches.into());
        o.insert("labelled_non_matches".into(), (weighed.len() - matches).into());
    }
    (model, report)
}

/// How a model is fitted: unsupervised, or from known truth.
#[derive(Clone, Copy, Debug)]
pub enum Supervision<'a> {
    /// EM on the records, with the reference model as prior and fallback.
    None,
    /// A truth (`record_id → entity_id`): m counted on the pairs of each entity.
    Truth(&'a crate::eval::Truth),
    /// Labelled pairs `(left_id, right_id, is_match)` (in a link, `left_id` in the first store):
    /// EM as without them, then the weights recalibrated on them ([`Model::calibration`]).
    Labels(&'a [(String, String, bool)]),
}

/// The record ids of one store, or of two joined (the second's after the first's).
fn record_ids(sides: &[&View<'_>]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for v in sides {
        let ids = v.record_ids()?;
        out.extend((0..v.len() as u64).map(|i| ids.get(i).to_owned()));
    }
    Ok(out)
}

/// Labelled pairs as record indices of one store, or of two joined (the right id in the second).
fn label_indices(
    sides: &[&View<'_>],
    labels: &[(String, String, bool)],
) -> Result<Vec<(u32, u32, bool)>> {
    let index = |v: &View<'_>, offset: u32| -> Result<rustc_hash::FxHashMap<String, u32>> {
        let ids = v.record_ids()?;
        Ok((0..v.len() as u64).map(|i| (ids.get(i).to_owned(), offset + i as u32)).collect())
    };
    let left = index(sides[0], 0)?;
    let right = match sides.get(1) {
        Some(r) => index(r, sides[0].len() as u32)?,
        None => left.clone(),
    };
    labels
        .iter()
        .enumerate()
        .map(|(i, (a, b, m))| {
            let find = |map: &rustc_hash::FxHashMap<String, u32>, id: &str, side: &str| {
                map.get(id).copied().ok_or_else(|| Error::Input {
                    path: "<labels>".into(),
                    reason: format!(
                        "label {}: {side} id {id:?} is not a record of the input",
                        i + 1
                    ),
                })
            };
            Ok((find(&left, a, "left")?, find(&right, b, "right")?, *m))
        })
        .collect()
}

/// The prior of a lookup in a store of `n` records: the query is one of them, or none.
pub fn lookup_prior(n: usize) -> f64 {
    (1.0 / n.max(2) as f64).clamp(crate::model::MIN_PRIOR, 0.5)
}

fn check_index(view: &View<'_>, i: u32) -> Result<()> {
    if (i as usize) < view.len() {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            path: Some(view.store().path().to_path_buf()),
            what: "record",
            index: u64::from(i),
            len: view.len() as u64,
        })
    }
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new()
    }
}
