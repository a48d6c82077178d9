//! Scoring candidate pairs with a trained model, and explaining a score field by field.
//!
//! The hot loop compares a pair ([`compare::compare`]), sums the level weights from a flat table
//! and adds the term-frequency term of the name; only pairs at or above the threshold weight are
//! kept. Work is split by blocking groups across rayon threads and gathered back in group order,
//! so the output is the same for any number of threads.

use rayon::prelude::*;
use serde::Serialize;

use crate::block::{Blocker, Blocking, Copies, RuleStats};
use crate::compare::{self, Records, Scratch};
use crate::model::tf::{Shares, TermFrequencies};
use crate::model::{MAX_FIELDS, MAX_LEVELS, Model, Pattern, Place, probability};
use crate::pipeline::histogram::{LocalCounts, ScoreHistogram, SharedCounts};
use crate::util::progress::Progress;

/// A candidate pair at or above the threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    /// One record (the first source's in a link).
    pub a: u32,
    /// The other record.
    pub b: u32,
    /// Match weight.
    pub weight: f32,
    /// The comparison levels.
    pub pattern: Pattern,
    /// Index of the blocking rule that produced the pair.
    pub rule: u8,
}

/// What scoring produced.
#[derive(Clone, Debug, Default)]
pub struct ScoreOutput {
    /// Pairs at or above the threshold, in rule, group and pair order.
    pub pairs: Vec<ScoredPair>,
    /// Per-rule blocking statistics.
    pub rules: Vec<RuleStats>,
    /// Pairs compared.
    pub compared: u64,
    /// Seconds spent grouping records (keys, sorts, splits).
    pub block_seconds: f64,
    /// Seconds spent comparing and weighing pairs.
    pub score_seconds: f64,
    /// The weights of every compared pair (a pair of copy representatives counts for every
    /// pair of their copies), with the true pairs among them when a truth was given.
    pub histogram: ScoreHistogram,
}

/// What the score histogram needs besides the weights: how many records each representative of
/// exact copies stands for, and with a truth, each record's entity.
struct Tally<'a> {
    counts: SharedCounts,
    /// Per record: 1, or the size of the group of copies it heads (empty: no copies).
    stands_for: Vec<u32>,
    /// Per record, its entity (`u32::MAX`: unknown).
    truth: Option<&'a [u32]>,
    /// The groups of copies, to judge each pair they stand for (with a truth only).
    copies: Option<Copies>,
}

impl<'a> Tally<'a> {
    fn new(n: usize, copies: Option<&Copies>, truth: Option<&'a [u32]>) -> Self {
        let mut stands_for = Vec::new();
        if let Some(c) = copies.filter(|c| !c.groups.is_empty()) {
            stands_for = vec![1u32; n];
            for g in c.groups.iter() {
                stands_for[g[0] as usize] = g.len() as u32;
            }
        }
        Tally {
            counts: SharedCounts::new(truth.is_some()),
            stands_for,
            truth,
            copies: copies.filter(|_| truth.is_some()).cloned(),
        }
    }

    fn entity(&self, i: u32) -> u32 {
        self.truth.and_then(|e| e.get(i as usize).copied()).unwrap_or(u32::MAX)
    }

    fn members(&self, rep: u32) -> &[u32] {
        self.copies.as_ref().and_then(|c| c.group_of(rep)).unwrap_or(&[])
    }

    /// Whether some records stand for copies (a pair may count for several).
    fn has_copies(&self) -> bool {
        !self.stands_for.is_empty()
    }

    /// How many records record `i` stands for: 1, or its group of copies' size.
    fn times(&self, i: u32) -> u32 {
        self.stands_for.get(i as usize).copied().unwrap_or(1)
    }

    /// Counts the compared pair `(a, b)` of weight `weight`, which stands for `n` pairs of
    /// records.
    #[inline]
    fn pair(&self, local: &mut LocalCounts<'_>, (a, b): (u32, u32), n: u64, weight: f32) {
        if self.truth.is_none() {
            local.add(weight, n, 0);
            return;
        }
        let mut same = 0;
        {
            if n == 1 {
                same = u64::from(self.entity(a) == self.entity(b) && self.entity(a) != u32::MAX);
            } else {
                let (ga, gb) = (self.members(a), self.members(b));
                let ga = if ga.is_empty() { std::slice::from_ref(&a) } else { ga };
                let gb = if gb.is_empty() { std::slice::from_ref(&b) } else { gb };
                for &x in ga {
                    let e = self.entity(x);
                    same +=
                        gb.iter().filter(|&&y| e != u32::MAX && self.entity(y) == e).count() as u64;
                }
            }
        }
        local.add(weight, n, same);
    }

    /// Counts the pairs inside a group of copies of weight `weight`.
    fn copies(&self, local: &mut LocalCounts<'_>, group: &[u32], weight: f32) {
        let n = group.len() as u64;
        let mut same = 0;
        if self.truth.is_some() {
            let mut e: Vec<u32> = group.iter().map(|&i| self.entity(i)).collect();
            e.sort_unstable();
            for run in e.chunk_by(|x, y| x == y).filter(|r| r[0] != u32::MAX) {
                let k = run.len() as u64;
                same += k * (k - 1) / 2;
            }
        }
        local.add(weight, n * (n - 1) / 2, same);
    }

    /// The histogram; `true_pairs`: the truth's pairs in the whole input.
    fn finish(self, true_pairs: Option<u64>) -> ScoreHistogram {
        self.counts.finish(true_pairs)
    }
}

/// Per-thread buffers of the scoring loop: the group's features and (lazily) names, the earlier
/// rules' keys, the comparators' memo.
#[derive(Default)]
struct GroupScratch<'r> {
    done: u64,
    features: Vec<compare::Features>,
    shares: Vec<Shares>,
    /// How many records each of the group's records stands for (empty: one each, no copies).
    times: Vec<u32>,
    names: Vec<Option<&'r str>>,
    keys: Vec<u64>,
    scratch: Scratch,
}

/// One field's part of an explanation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldExplanation {
    /// The field.
    pub field: String,
    /// The level reached.
    pub level: u8,
    /// The level's label.
    pub label: String,
    /// `log2(m/u)` of the level (0 for missing).
    pub weight: f64,
    /// The term-frequency adjustment added to this field.
    pub tf_adjustment: f64,
}

/// A score broken down field by field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// The prior's weight.
    pub prior_weight: f64,
    /// Where the two addresses place the records: `same_house`, `same_ward` or `elsewhere`. The
    /// other fields' weights are those of non-matches at that place when the model has u by
    /// place (people of one house share a phone and a family name: such agreement weighs less).
    pub place: &'static str,
    /// Each field's contribution.
    pub fields: Vec<FieldExplanation>,
    /// What the model's calibration from labelled pairs adds (0 without one): the weight is
    /// the prior, the fields' contributions and this.
    pub calibration: f64,
    /// The total match weight.
    pub match_weight: f64,
    /// The match probability.
    pub match_probability: f64,
}

/// The name shares of a pair's two records, and whether their given names are equal.
type PairShares = (Shares, Shares, bool);

/// A model prepared for scoring: weight table, name frequencies, threshold.
#[derive(Debug, Clone)]
pub struct Scorer {
    model: Model,
    /// Level weights, `[f * MAX_LEVELS + level]`, for pairs elsewhere; when the model has u by
    /// place, then those of pairs in one ward and in one house ([`Model::table_at`]), each
    /// `stride` long.
    table: Vec<f32>,
    /// The length of one table in `table`; 0 when the model has no u by place.
    stride: usize,
    prior: f32,
    /// `(slope, intercept, low, high)` of the model's calibration
    /// ([`crate::model::Calibration::apply`]); `(1, 0, MIN, MAX)` without one.
    calibration: (f32, f32, f32, f32),
    tf: TermFrequencies,
    threshold: f32,
    /// Fields weighed: the model's (at most [`MAX_FIELDS`]).
    fields: usize,
    /// Per name level, whether the model adjusts it by term frequency.
    tf_levels: [bool; MAX_LEVELS],
    /// Per name level, `log2` of its u (pairs elsewhere): the base of the adjustment of two
    /// foreign names ([`TermFrequencies::adjustment_shares`]).
    name_log_u: [f64; MAX_LEVELS],
}

impl Scorer {
    /// Prepares `model` for `records`; pairs whose weight reaches `threshold_weight` are kept.
    pub fn new<R: Records>(model: Model, records: &R, threshold_weight: f64) -> Scorer {
        Scorer::with_tf(model, TermFrequencies::new(records), threshold_weight)
    }

    /// [`Scorer::new`] with the records' name frequencies already counted.
    pub fn with_tf(model: Model, tf: TermFrequencies, threshold_weight: f64) -> Scorer {
        let mut tf_levels = [false; MAX_LEVELS];
        let mut name_log_u = [0.0; MAX_LEVELS];
        if let Some(name) = model.fields.get(compare::NAME) {
            for (l, level) in name.levels.iter().enumerate().take(MAX_LEVELS - 1) {
                tf_levels[l + 1] = level.tf_adjust;
                name_log_u[l + 1] = level.u.log2();
            }
        }
        let mut table = model.weight_table();
        let stride = if model.has_places() {
            let n = table.len();
            table.extend(model.table_at(Place::SameWard));
            table.extend(model.table_at(Place::SameHouse));
            n
        } else {
            0
        };
        Scorer {
            tf_levels,
            name_log_u,
            fields: model.fields.len().min(MAX_FIELDS),
            table,
            stride,
            prior: model.prior_weight() as f32,
            calibration: model.calibration.map_or((1.0, 0.0, f32::MIN, f32::MAX), |c| {
                let bound = |b: Option<f64>, none: f32| b.map_or(none, |x| x as f32);
                (
                    c.slope as f32,
                    c.intercept as f32,
                    bound(c.low, f32::MIN),
                    bound(c.high, f32::MAX),
                )
            }),
            model,
            tf,
            threshold: threshold_weight as f32,
        }
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Whether a match weight reaches the threshold.
    pub fn is_match(&self, weight: f64) -> bool {
        weight >= f64::from(self.threshold)
    }

    /// The number of extra fields the model compares.
    pub(crate) fn extra_fields(&self) -> usize {
        self.fields.saturating_sub(compare::FIELDS)
    }

    /// The term-frequency adjustment of a name level for a pair (see [`TermFrequencies`]).
    fn tf_adjustment(&self, level: usize, fa: &compare::Features, fb: &compare::Features) -> f64 {
        let pair = (self.tf.shares_for(fa), self.tf.shares_for(fb), fa.given == fb.given);
        self.tf_adjustment_shares(level, pair)
    }

    /// The adjustment of name level `level` for a pair with these name shares. An exact name
    /// (with or without diacritics) implies the agreement of the classes with the middle name:
    /// it never weighs less than that level would, adjusted by the class key's frequency (a
    /// name whose middle is the common "Văn" is frequent as a full name, less as a class key).
    #[inline]
    fn tf_adjustment_shares(&self, level: usize, (a, b, same_given): PairShares) -> f64 {
        use compare::name_level::{CLASS_MIDDLE, EXACT, EXACT_ASCII};
        if !self.tf_levels.get(level).copied().unwrap_or(false) {
            return 0.0;
        }
        let k = self.model.tf_adjustment_weight;
        let own = k * self.tf.adjustment_shares(level, a, b, same_given, self.name_log_u[level]);
        let class = usize::from(CLASS_MIDDLE);
        if (level == usize::from(EXACT) || level == usize::from(EXACT_ASCII))
            && self.tf_levels[class]
        {
            let table = |l: usize| f64::from(self.table[compare::NAME * MAX_LEVELS + l]);
            let implied = table(class)
                + k * self.tf.adjustment_shares(class, a, b, same_given, self.name_log_u[class]);
            return own.max(implied - table(level));
        }
        own
    }

    /// The weight of a pair with its pattern.
    #[inline]
    fn weigh(&self, p: Pattern, fa: &compare::Features, fb: &compare::Features) -> f32 {
        self.weigh_with(p, || {
            (self.tf.shares_for(fa), self.tf.shares_for(fb), fa.given == fb.given)
        })
    }

    /// The weights of a pattern's levels: those of its records' place (one house, one ward,
    /// elsewhere) when the model has u by place. Within one house a shared name is a family's,
    /// not chance: no term-frequency adjustment there (the second value).
    #[inline]
    fn table_for(&self, p: Pattern) -> (&[f32], bool) {
        if self.stride == 0 {
            return (&self.table, false);
        }
        let place = compare::place(p);
        let i = match place {
            Place::Elsewhere => 0,
            Place::SameWard => 1,
            Place::SameHouse => 2,
        };
        (&self.table[i * self.stride..(i + 1) * self.stride], place == Place::SameHouse)
    }

    /// The weight of a pattern; `counts` gives the pair's name counts when the name level is
    /// term-frequency adjusted.
    #[inline]
    fn weigh_with(&self, p: Pattern, counts: impl FnOnce() -> PairShares) -> f32 {
        self.calibrated(self.raw_weight(p, counts))
    }

    /// A weight recalibrated by the model's calibration ([`crate::model::Calibration::apply`]).
    #[inline]
    fn calibrated(&self, w: f32) -> f32 {
        let (slope, intercept, low, high) = self.calibration;
        let inside = w.clamp(low, high);
        slope * inside + intercept + (w - inside)
    }

    /// The weight of a pattern as the levels and the name frequencies sum it.
    #[inline]
    fn raw_weight(&self, p: Pattern, counts: impl FnOnce() -> PairShares) -> f32 {
        let (table, house) = self.table_for(p);
        let mut w = self.prior;
        for f in 0..self.fields {
            w += table[f * MAX_LEVELS + p.level(f)];
        }
        let name = p.level(compare::NAME);
        if self.tf_levels[name] && !house {
            w += self.tf_adjustment_shares(name, counts()) as f32;
        }
        w
    }

    /// Compares and weighs one pair of records.
    pub fn score_pair<R: Records>(
        &self,
        records: &R,
        a: u32,
        b: u32,
        scratch: &mut Scratch,
    ) -> (Pattern, f32) {
        let (fa, fb) = (records.features(a), records.features(b));
        let mut p =
            compare::compare(fa, fb, || (records.name_ascii(a), records.name_ascii(b)), scratch);
        compare::compare_extras(records, a, b, &mut p);
        (p, self.weigh(p, fa, fb))
    }

    /// Whether each of `pairs` is more likely a match than not, a match weight of at least 0
    /// (compared in parallel, answers in order): the judge of learned blocking
    /// ([`crate::block::learn`]). Not the run's threshold: the pairs a blocking must find are
    /// those more likely matches than not whatever threshold the output is cut at (at a
    /// threshold of 0.99 the pairs between 0.5 and 0.99 still join clusters through others; at
    /// a threshold near 0 every pair of the pool would be a reference pair and the estimate
    /// would mean nothing).
    pub fn judge<R: Records>(&self, records: &R, pairs: &[(u32, u32)]) -> Vec<bool> {
        pairs
            .par_iter()
            .map_init(Scratch::new, |s, &(a, b)| self.score_pair(records, a, b, s).1 >= 0.0)
            .collect()
    }

    /// Explains the score of a pair field by field.
    pub fn explain<R: Records>(&self, records: &R, a: u32, b: u32) -> Explanation {
        let (p, _) = self.score_pair(records, a, b, &mut Scratch::new());
        self.explain_pattern(p, records.features(a), records.features(b))
    }

    /// Scores and explains a pair given by its features and ASCII names (e.g. a query record
    /// against a stored one).
    pub fn explain_features(
        &self,
        fa: &compare::Features,
        fb: &compare::Features,
        name_a: &str,
        name_b: &str,
        scratch: &mut Scratch,
    ) -> Explanation {
        self.explain_lookup(fa, fb, name_a, name_b, |_| {}, scratch)
    }

    /// [`explain_features`](Self::explain_features) with the pair's extra fields compared by
    /// `extras` (a lookup's query against a stored record).
    pub(crate) fn explain_lookup(
        &self,
        fa: &compare::Features,
        fb: &compare::Features,
        name_a: &str,
        name_b: &str,
        extras: impl FnOnce(&mut Pattern),
        scratch: &mut Scratch,
    ) -> Explanation {
        let mut p = compare::compare(fa, fb, || (name_a, name_b), scratch);
        extras(&mut p);
        self.explain_pattern(p, fa, fb)
    }

    /// Explains a pattern field by field, the model's fields in its order.
    fn explain_pattern(
        &self,
        p: Pattern,
        fa: &compare::Features,
        fb: &compare::Features,
    ) -> Explanation {
        let w = self.weigh(p, fa, fb);
        let (table, house) = self.table_for(p);
        let fields = self.model.fields[..self.fields]
            .iter()
            .enumerate()
            .map(|(f, field)| {
                let level = p.level(f);
                FieldExplanation {
                    field: field.name.clone(),
                    level: level as u8,
                    label: match level {
                        0 => "missing".to_owned(),
                        l => field
                            .levels
                            .get(l - 1)
                            .map_or_else(|| format!("level {l}"), |x| x.label.clone()),
                    },
                    weight: f64::from(table[f * MAX_LEVELS + level]),
                    tf_adjustment: if f == compare::NAME && self.tf_levels[level] && !house {
                        self.tf_adjustment(level, fa, fb)
                    } else {
                        0.0
                    },
                }
            })
            .collect();
        Explanation {
            prior_weight: f64::from(self.prior),
            place: match compare::place(p) {
                Place::Elsewhere => "elsewhere",
                Place::SameWard => "same_ward",
                Place::SameHouse => "same_house",
            },
            calibration: {
                let raw = self.raw_weight(p, || {
                    (self.tf.shares_for(fa), self.tf.shares_for(fb), fa.given == fb.given)
                });
                f64::from(w - raw)
            },
            fields,
            match_weight: f64::from(w),
            match_probability: probability(f64::from(w)),
        }
    }

    /// The weight of a pair given by features and names, without the explanation.
    pub fn weight_features(
        &self,
        fa: &compare::Features,
        fb: &compare::Features,
        name_a: &str,
        name_b: &str,
        scratch: &mut Scratch,
    ) -> f32 {
        let p = compare::compare(fa, fb, || (name_a, name_b), scratch);
        self.weigh(p, fa, fb)
    }

    /// The weight of a query record against record `index` of the records this scorer counted
    /// (a lookup): the stored name is fetched only if a comparison needs it, and the stored
    /// record's name frequencies come from the per-record table.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn weight_lookup<'n>(
        &self,
        query: &compare::Features,
        query_name: &'n str,
        query_counts: Shares,
        stored: &compare::Features,
        index: u32,
        stored_name: impl FnOnce() -> &'n str,
        extras: impl FnOnce(&mut Pattern),
        scratch: &mut Scratch,
    ) -> f32 {
        let mut p = compare::compare(query, stored, || (query_name, stored_name()), scratch);
        extras(&mut p);
        self.weigh_with(p, || (query_counts, self.tf.shares_of(index), query.given == stored.given))
    }

    /// The weight of two records given by their features, names and name shares (records added
    /// after the counted ones: [`crate::pipeline::incremental`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn weight_shares<'n>(
        &self,
        a: (&compare::Features, &'n str, Shares),
        b: (&compare::Features, Shares),
        b_name: impl FnOnce() -> &'n str,
        extras: impl FnOnce(&mut Pattern),
        scratch: &mut Scratch,
    ) -> f32 {
        let mut p = compare::compare(a.0, b.0, || (a.1, b_name()), scratch);
        extras(&mut p);
        self.weigh_with(p, || (a.2, b.1, a.0.given == b.0.given))
    }

    /// The name shares of record `index` of the records this scorer counted.
    pub(crate) fn shares_of(&self, index: u32) -> Shares {
        self.tf.shares_of(index)
    }

    /// The name counts of a record that is not among those counted (a query).
    pub(crate) fn shares_for(&self, f: &compare::Features) -> Shares {
        self.tf.shares_for(f)
    }

    /// Compares every candidate pair of `blocking` and keeps those at or above the threshold;
    /// counts every compared pair's weight in [`ScoreOutput::histogram`], and with `truth`
    /// (each record's entity, `u32::MAX` when unknown, and the number of true pairs in the
    /// input) the true pairs among them.
    pub fn score_all<R: Records>(
        &self,
        records: &R,
        blocking: &Blocking,
        link_split: Option<u32>,
        truth: Option<(&[u32], u64)>,
        progress: &dyn Progress,
    ) -> ScoreOutput {
        progress.stage("block", Some(blocking.rules.len() as u64));
        let mut clock = std::time::Instant::now();
        let mut blocker = Blocker::new(blocking, records, link_split).collapse_copies();
        let mut out = ScoreOutput::default();
        let tally = Tally::new(records.len(), blocker.copies(), truth.map(|t| t.0));
        if let Some(copies) = blocker.copies() {
            let mut stats = self.score_copies(records, copies, link_split, &tally, &mut out.pairs);
            stats.cumulative_expected_matches = tally.counts.expected_so_far();
            out.rules.push(stats);
            out.compared += out.rules[0].pairs;
        }
        let mut rule = out.rules.len() as u8;
        while let Some((groups, mut stats)) = blocker.next_rule() {
            out.block_seconds += clock.elapsed().as_secs_f64();
            clock = std::time::Instant::now();
            progress.finish();
            progress.stage(&format!("score {}", stats.rule), Some(groups.len() as u64));
            let (blocker, tally) = (&blocker, &tally);
            let chunks: Vec<(Vec<ScoredPair>, u64)> = groups
                .par_iter()
                .map_init(
                    || (GroupScratch::default(), tally.counts.local()),
                    |(gs, counts), g| {
                        let mut kept = Vec::new();
                        let mut compared = 0u64;
                        // Copy the group's records first: independent loads overlap, where the
                        // comparisons would wait on each cache miss in turn.
                        gs.features.clear();
                        gs.features.extend(g.iter().map(|&i| *records.features(i)));
                        gs.shares.clear();
                        gs.shares.extend(g.iter().map(|&i| self.tf.shares_of(i)));
                        gs.names.clear();
                        gs.names.resize(g.len(), None);
                        gs.times.clear();
                        if tally.has_copies() {
                            gs.times.extend(g.iter().map(|&i| tally.times(i)));
                        }
                        let (feats, shares, times) = (&gs.features, &gs.shares, &gs.times);
                        let (names, scratch) = (&mut gs.names, &mut gs.scratch);
                        gs.done += 1;
                        if gs.done % 256 == 0 {
                            progress.advance(256);
                        }
                        blocker.for_each_new_pair_in(g, &mut gs.keys, |x, y| {
                            compared += 1;
                            let (fa, fb) = (&feats[x], &feats[y]);
                            let mut pattern = compare::compare(
                                fa,
                                fb,
                                || {
                                    let mut name = |k: usize| {
                                        *names[k].get_or_insert_with(|| records.name_ascii(g[k]))
                                    };
                                    (name(x), name(y))
                                },
                                scratch,
                            );
                            compare::compare_extras(records, g[x], g[y], &mut pattern);
                            let weight = self.weigh_with(pattern, || {
                                (shares[x], shares[y], fa.given == fb.given)
                            });
                            let n = match (times.get(x), times.get(y)) {
                                (Some(&a), Some(&b)) => u64::from(a) * u64::from(b),
                                _ => 1,
                            };
                            tally.pair(counts, (g[x], g[y]), n, weight);
                            if weight >= self.threshold {
                                kept.push(ScoredPair { a: g[x], b: g[y], weight, pattern, rule });
                            }
                        });
                        (kept, compared)
                    },
                )
                .collect();
            stats.pairs = chunks.iter().map(|c| c.1).sum();
            stats.pairs_seen_before = blocker.pairs_in_groups(&groups) - stats.pairs;
            out.compared += stats.pairs;
            let chunks = chunks.into_iter().map(|c| c.0);
            out.pairs.extend(chunks.into_iter().flatten());
            stats.cumulative_expected_matches = tally.counts.expected_so_far();
            out.rules.push(stats);
            rule = rule.saturating_add(1);
            out.score_seconds += clock.elapsed().as_secs_f64();
            clock = std::time::Instant::now();
            progress.finish();
            progress.stage("block", None);
        }
        if let (Some(_), Some(copies)) = (link_split, blocker.copies()) {
            expand_copies(copies, &mut out.pairs);
        }
        out.block_seconds += clock.elapsed().as_secs_f64();
        progress.finish();
        out.histogram = tally.finish(truth.map(|t| t.1));
        out
    }

    /// Compares the exact copies of a dedupe with the first record of their group (in a link,
    /// copies are of one source and make no pair): all copies are equal, so one comparison
    /// weighs the whole group. Returns the statistics of the pseudo-rule [`COPIES_RULE`].
    fn score_copies<R: Records>(
        &self,
        records: &R,
        copies: &Copies,
        link_split: Option<u32>,
        tally: &Tally<'_>,
        kept: &mut Vec<ScoredPair>,
    ) -> RuleStats {
        let groups = &copies.groups;
        let mut stats = RuleStats {
            rule: COPIES_RULE.into(),
            records_keyed: groups.iter().map(|g| g.len() as u64).sum(),
            blocks: groups.len() as u64,
            ..RuleStats::default()
        };
        for g in groups.iter() {
            note_copies(&mut stats, g);
        }
        stats.largest.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        stats.largest.truncate(10);
        if link_split.is_some() {
            return stats;
        }
        stats.pairs = stats.records_keyed - stats.blocks;
        let chunks: Vec<Vec<ScoredPair>> = groups
            .par_iter()
            .map_init(
                || (Scratch::default(), tally.counts.local()),
                |(scratch, counts), g| {
                    let rep = g[0];
                    let (f, name) = (records.features(rep), records.name_ascii(rep));
                    let mut pattern = compare::compare(f, f, || (name, name), scratch);
                    compare::compare_extras(records, rep, rep, &mut pattern);
                    let shares = self.tf.shares_of(rep);
                    let weight = self.weigh_with(pattern, || (shares, shares, true));
                    tally.copies(counts, g, weight);
                    if weight < self.threshold {
                        return Vec::new();
                    }
                    g[1..]
                        .iter()
                        .map(|&b| ScoredPair { a: rep, b, weight, pattern, rule: 0 })
                        .collect()
                },
            )
            .collect();
        kept.extend(chunks.into_iter().flatten());
        stats
    }
}

/// The name of the pseudo-rule of exact copies in blocking statistics.
pub const COPIES_RULE: &str = "exact_copies";

/// Keeps the largest groups of copies in `stats.largest`, as the rules do with their blocks.
fn note_copies(stats: &mut RuleStats, group: &[u32]) {
    stats.largest.push((group.len() as u64, group[0]));
    if stats.largest.len() >= 80 {
        stats.largest.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        stats.largest.truncate(10);
    }
}

/// Gives every pair of a link whose records head groups of copies to the copies too (they are
/// equal, so the pair's pattern and weight are theirs): appended after the pairs, in their order.
fn expand_copies(copies: &Copies, pairs: &mut Vec<ScoredPair>) {
    if copies.groups.is_empty() {
        return;
    }
    let mut more = Vec::new();
    for p in pairs.iter() {
        let ga = copies.group_of(p.a).unwrap_or(std::slice::from_ref(&p.a));
        let gb = copies.group_of(p.b).unwrap_or(std::slice::from_ref(&p.b));
        if ga.len() == 1 && gb.len() == 1 {
            continue;
        }
        for &a in ga {
            more.extend(gb.iter().filter(|&&b| (a, b) != (p.a, p.b)).map(|&b| ScoredPair {
                a,
                b,
                ..*p
            }));
        }
    }
    pairs.extend(more);
}
