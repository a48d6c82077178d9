//! Training a Fellegi–Sunter model on the records themselves, or from labels.
//!
//! Unsupervised ([`train`], [`train_report`]):
//!
//! 1. **u** — the level frequencies of `u_pairs` random pairs (a seeded generator: the same
//!    records and seed give the same model), smoothed towards the reference u when the records
//!    are few.
//! 2. **m** — expectation–maximisation on the comparison patterns of blocked pairs, with u fixed,
//!    once per training rule; a rule's own fields are left out (its blocks force them to agree,
//!    so they say nothing of m), and each field's m is the mean over the rules that estimated it.
//!    EM starts from the [reference model](crate::model::reference)'s m, adds its m as
//!    pseudo-counts (`prior_strength` matched pairs: a Dirichlet prior) in every M-step, and
//!    projects m onto the order of each field's levels ([`crate::model::monotone`]): an exact
//!    national id can never weigh less than a different one. Pairs are sampled by a hash of the
//!    pair when a rule has more than `em_pairs_per_rule`, and each pair weighs `1/(n − 1)` of its
//!    block of `n` records: a block of many namesakes (the "Nguyễn Văn Hùng" problem) then
//!    counts like its records, not like its `n²/2` pairs.
//! 3. **checks** — EM converged; the data holds enough matches to learn from (`min_matches`) and
//!    not implausibly many; among what training calls matches, most agree on the name, the date
//!    of birth and the national id; the strongest level of every identifying field weighs more
//!    than a bit. When a check fails — a clean register has no duplicates to learn from, and EM
//!    would learn households or namesakes instead — m is the reference model's, with a warning.
//! 4. **prior** — the number of matching pairs the data holds, estimated under the final m: the
//!    expected matches among the pairs with the same date of birth (λ by EM with m fixed),
//!    divided by the share of matches that share a date of birth; over the number of possible
//!    pairs. A clean register comes out at about zero.
//!
//! Supervised: [`fit_truth`] (`record → entity`: m counted on the pairs of each entity), with
//! the reference m as a prior (unless `prior_strength` is 0) and u from random pairs. The
//! reference model itself is `fit_truth` on a generated population
//! (`examples/fit_reference.rs`). Labelled pairs (a clerical review's few hundred, drawn near
//! the threshold) do not replace EM: they recalibrate its weights ([`calibrate`]).

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::block::{Blocker, Blocking, KeyPart, Rule};
use crate::compare::{self, Records, Scratch};
use crate::model::tf::TermFrequencies;
use crate::model::{
    ConditionalU, EmSetup, Field, Level, MIN_PROBABILITY, Model, Pattern, Place, em, monotone,
    reference,
};
use crate::util::hash::mix;

/// Training settings. Keys left out of a configuration keep their defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainOptions {
    /// Random pairs sampled for u.
    pub u_pairs: u64,
    /// Seed of the random pairs.
    pub seed: u64,
    /// Largest number of pairs per training rule given to EM.
    pub em_pairs_per_rule: u64,
    /// EM iterations at most.
    pub em_max_iterations: usize,
    /// EM stops when no parameter moves more than this.
    pub em_tolerance: f64,
    /// Largest training block (larger ones are split or skipped, as in matching).
    pub max_block: usize,
    /// Weight of the reference model's m as a prior, in matched pairs: EM adds this many
    /// pseudo-matches distributed as the reference m. 0 turns the prior off.
    pub prior_strength: f64,
    /// Fewest matching pairs the data must hold for m to be estimated from it; below, the
    /// reference m is used (with a warning).
    pub min_matches: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            u_pairs: 2_000_000,
            seed: 42,
            em_pairs_per_rule: 3_000_000,
            em_max_iterations: 200,
            em_tolerance: 1e-5,
            max_block: 100,
            prior_strength: 500.0,
            min_matches: 100.0,
        }
    }
}

impl TrainOptions {
    /// Checks the settings (`key` names them in errors: `train.…`).
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |key: &str, reason: &str| {
            Err(crate::Error::Config {
                path: None,
                key: format!("train.{key}"),
                reason: reason.to_owned(),
            })
        };
        if self.u_pairs == 0 {
            return bad("u_pairs", "must be positive");
        }
        if self.em_pairs_per_rule == 0 {
            return bad("em_pairs_per_rule", "must be positive");
        }
        if !(self.em_tolerance.is_finite() && self.em_tolerance > 0.0) {
            return bad("em_tolerance", "must be a positive finite number");
        }
        if self.max_block < 2 {
            return bad("max_block", "must be at least 2");
        }
        if !(self.prior_strength.is_finite() && self.prior_strength >= 0.0) {
            return bad("prior_strength", "must be a finite number ≥ 0");
        }
        if !(self.min_matches.is_finite() && self.min_matches >= 0.0) {
            return bad("min_matches", "must be a finite number ≥ 0");
        }
        Ok(())
    }
}

/// EM on one training rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRun {
    /// The rule's name.
    pub rule: String,
    /// Pairs given to EM (after sampling).
    pub pairs: u64,
    /// Distinct patterns.
    pub patterns: u64,
    /// EM iterations.
    pub iterations: u64,
    /// Whether EM converged.
    pub converged: bool,
    /// Share of the (block-weighted) pairs EM gave to the matches.
    pub match_share: f64,
    /// Matching pairs EM found among the rule's pairs.
    pub matches: f64,
    /// Whether its m was used (see [`RuleRun::rejected`]).
    pub accepted: bool,
    /// Why its m was not used: EM did not converge, most of what it calls matches disagree on
    /// the name, the date of birth or the national id (it learnt namesakes or households), or
    /// it found more matches than the records can hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

/// One sanity check of a trained m.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    /// What is checked (`em_converged`, `matches_found`, `matches_plausible`,
    /// `agreement_dominates`, `strongest_levels_positive`).
    pub name: String,
    /// Whether it held.
    pub passed: bool,
    /// The figures behind it.
    pub detail: String,
}

/// How a model was trained, what training believes of the data, and what went wrong.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TrainReport {
    /// Where m comes from: `em` (trained on the data), `reference` (the reference model's m,
    /// because the data could not support training), `truth` or `labels` (supervised).
    pub method: String,
    /// Version of the reference model used as prior (and fallback).
    pub reference: String,
    /// Records trained on (both sides of a link).
    pub records: u64,
    /// Matching pairs training believes the data holds (over all pairs, not only blocked ones).
    pub estimated_matches: f64,
    /// How [`estimated_matches`](Self::estimated_matches) was estimated.
    pub estimated_by: String,
    /// The prior probability that two records match (`estimated_matches` / possible pairs).
    pub prior: f64,
    /// EM, per training rule.
    pub rules: Vec<RuleRun>,
    /// Sanity checks of the m EM found (empty for supervised training).
    pub checks: Vec<Check>,
    /// Warnings for people: printed on stderr and written to `report.json`.
    pub warnings: Vec<String>,
}

/// The training rules and the fields each leaves out: pairs with one date of birth (they teach
/// the other fields), with one national id (nearly all matches where ids are present: they teach
/// the date of birth without trusting names), with one family class and given-name key (they
/// teach the date of birth, and would learn namesakes where a file has many: checked).
fn training_rules() -> Vec<(Rule, Vec<usize>)> {
    use KeyPart::{BirthYear, Dob, FamilyClass, GivenPhonetic, NationalId, ProvinceNew};
    vec![
        (Rule::new(&[Dob], &[ProvinceNew]), vec![compare::DOB]),
        (Rule::new(&[NationalId], &[]), vec![compare::ID]),
        (Rule::new(&[FamilyClass, GivenPhonetic], &[BirthYear, ProvinceNew]), vec![compare::NAME]),
    ]
}

/// Index of the date-of-birth rule in [`training_rules`].
const DOB_RULE: usize = 0;
/// Index of the name rule in [`training_rules`].
const NAME_RULE: usize = 2;

/// Splitmix64 step, the seeded generator of the random pairs.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    mix(*state)
}

/// The weight of a pair in a block of two, in the integer units of EM's pattern counts.
const PAIR_WEIGHT: u64 = 1 << 20;

/// Random pairs drawn per parallel task.
const CHUNK: u64 = 1 << 16;

/// Pseudo-pairs of the reference u added to the random pairs' counts (it matters only for
/// files of a few hundred records, whose random pairs are few and repeated).
const U_PRIOR_PAIRS: f64 = 1000.0;

/// Largest entity whose pairs [`fit_truth`] counts (its first members; a bound on the work).
const MAX_ENTITY: usize = 500;

/// The fields of some records with their levels, orders and reference model.
struct Fields {
    names: Vec<String>,
    levels: Vec<&'static [&'static str]>,
    orders: Vec<Vec<(u8, u8)>>,
    /// The reference m and u of each field (a generic chain when the reference has none).
    reference: Vec<(Vec<f64>, Vec<f64>)>,
    /// The reference u of each field for pairs in one ward and in one house, where it has one.
    reference_place: Vec<[Option<Vec<f64>>; 2]>,
}

impl Fields {
    fn of<R: Records>(records: &R) -> Fields {
        let names = compare::field_names(records);
        let levels = compare::field_levels(records);
        let orders = compare::field_orders(records);
        let found = reference_levels(records, &names, &levels);
        let reference = found.iter().map(|(m, u, _)| (m.clone(), u.clone())).collect();
        let reference_place = found.into_iter().map(|(_, _, h)| h).collect();
        Fields { names, levels, orders, reference, reference_place }
    }

    fn len(&self) -> usize {
        self.levels.len()
    }

    fn m_ref(&self) -> Vec<Vec<f64>> {
        self.reference.iter().map(|(m, _)| m.clone()).collect()
    }

    /// The reference u tables by place (every field; `u` where the reference has none).
    fn reference_places(&self, u: &[Vec<f64>]) -> PlaceU {
        let table = |k: usize| -> Vec<Vec<f64>> {
            (0..self.len())
                .map(|f| self.reference_place[f][k].clone().unwrap_or_else(|| u[f].clone()))
                .collect()
        };
        PlaceU { ward: table(0), house: table(1) }
    }

    /// Assembles a model from m, u, the u by place (for every field but the address) and the
    /// prior.
    fn model(
        &self,
        m: &[Vec<f64>],
        u: &[Vec<f64>],
        places: Option<&PlaceU>,
        prior: f64,
        training: serde_json::Value,
    ) -> Model {
        let fields = (0..self.len())
            .map(|f| Field {
                name: self.names[f].clone(),
                levels: self.levels[f]
                    .iter()
                    .enumerate()
                    .map(|(i, label)| Level {
                        label: (*label).into(),
                        m: m[f][i].clamp(MIN_PROBABILITY, 1.0),
                        u: u[f][i].clamp(MIN_PROBABILITY, 1.0),
                        tf_adjust: f == compare::NAME && crate::model::tf::adjusted(i + 1),
                        u_same_ward: places
                            .filter(|_| f != compare::ADDRESS)
                            .and_then(|p| p.ward.get(f)?.get(i).copied())
                            .map(|x| x.clamp(MIN_PROBABILITY, 1.0)),
                        u_same_house: places
                            .filter(|_| f != compare::ADDRESS)
                            .and_then(|p| p.house.get(f)?.get(i).copied())
                            .map(|x| x.clamp(MIN_PROBABILITY, 1.0)),
                    })
                    .collect(),
            })
            .collect();
        Model { prior, fields, tf_adjustment_weight: 1.0, training, calibration: None }
    }

    /// Projects every field's m onto its order under u.
    fn monotone(&self, m: &mut [Vec<f64>], u: &[Vec<f64>]) {
        for f in 0..self.len() {
            monotone(&mut m[f], &u[f], &self.orders[f]);
        }
    }
}

/// The reference m, u and u by place (one ward, one house) of each field of `records`: the
/// fixed fields from the reference model, the extra fields by kind; a field the reference lacks
/// gets a generic chain (most of m on the first level, u on the last) and no u by place.
#[allow(clippy::type_complexity)]
fn reference_levels<R: Records>(
    records: &R,
    names: &[String],
    levels: &[&'static [&'static str]],
) -> Vec<(Vec<f64>, Vec<f64>, [Option<Vec<f64>>; 2])> {
    let r = reference::reference();
    let extras = records.extra_fields();
    levels
        .iter()
        .enumerate()
        .map(|(f, labels)| {
            let found: Option<&[Level]> = if f < compare::FIELDS {
                r.field(&names[f]).map(|x| x.levels.as_slice())
            } else {
                extras.get(f - compare::FIELDS).and_then(|e| r.kind(e.kind.as_str()))
            };
            let fits = |l: &[Level]| {
                l.len() == labels.len() && l.iter().zip(labels.iter()).all(|(a, b)| a.label == *b)
            };
            if let Some(l) = found.filter(|l| fits(l)) {
                (
                    l.iter().map(|x| x.m).collect(),
                    l.iter().map(|x| x.u).collect(),
                    [
                        l.iter().map(|x| x.u_same_ward).collect::<Option<Vec<f64>>>(),
                        l.iter().map(|x| x.u_same_house).collect::<Option<Vec<f64>>>(),
                    ],
                )
            } else {
                let (m, u) = generic_levels(labels.len());
                (m, u, [None, None])
            }
        })
        .collect()
}

/// A generic m and u for `n` levels: m mostly on the first level, u mostly on the last.
fn generic_levels(n: usize) -> (Vec<f64>, Vec<f64>) {
    if n < 2 {
        return (vec![1.0; n], vec![1.0; n]);
    }
    let rest = (n - 1) as f64;
    let m: Vec<f64> = (0..n).map(|i| if i == 0 { 0.8 } else { 0.2 / rest }).collect();
    let u: Vec<f64> = (0..n).map(|i| if i + 1 == n { 0.9 } else { 0.1 / rest }).collect();
    (m, u)
}

/// Level counts per field over random pairs, and the number of distinct pairs there are.
fn random_pair_counts<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
) -> (Vec<Vec<u64>>, f64) {
    let n = records.len() as u64;
    let (left, right) = match link_split {
        Some(s) => (u64::from(s), n - u64::from(s)),
        None => (n, n),
    };
    let distinct = match link_split {
        Some(_) => left as f64 * right as f64,
        None => n as f64 * n.saturating_sub(1) as f64 / 2.0,
    };
    let levels = compare::field_levels(records);
    let empty = || levels.iter().map(|l| vec![0u64; l.len() + 1]).collect::<Vec<_>>();
    if left == 0 || right == 0 || (link_split.is_none() && n < 2) {
        return (empty(), 0.0);
    }
    let chunks = opts.u_pairs.div_ceil(CHUNK);
    let counts = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut counts = empty();
            let mut state = mix(opts.seed ^ mix(c));
            let mut scratch = Scratch::new();
            let todo = CHUNK.min(opts.u_pairs - c * CHUNK);
            for _ in 0..todo {
                let (a, b) = if let Some(s) = link_split {
                    (next(&mut state) % left, u64::from(s) + next(&mut state) % right)
                } else {
                    let a = next(&mut state) % n;
                    let mut b = next(&mut state) % (n - 1);
                    if b >= a {
                        b += 1;
                    }
                    (a, b)
                };
                let (a, b) = (a as u32, b as u32);
                let mut p = compare::compare(
                    records.features(a),
                    records.features(b),
                    || (records.name_ascii(a), records.name_ascii(b)),
                    &mut scratch,
                );
                compare::compare_extras(records, a, b, &mut p);
                for (f, c) in counts.iter_mut().enumerate() {
                    c[p.level(f)] += 1;
                }
            }
            counts
        })
        .reduce(empty, |mut x, y| {
            for (cx, cy) in x.iter_mut().zip(y) {
                for (a, b) in cx.iter_mut().zip(cy) {
                    *a += b;
                }
            }
            x
        });
    (counts, distinct)
}

/// u per field from random pairs, with the reference u as a prior of [`U_PRIOR_PAIRS`] pairs
/// (the sample counts as at most the number of distinct pairs there are). Also returns each
/// field's share of random pairs where both sides have a value.
fn estimate_u<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    fields: &Fields,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let (counts, distinct) = random_pair_counts(records, link_split, opts);
    let mut u = Vec::with_capacity(fields.len());
    let mut present = Vec::with_capacity(fields.len());
    for (f, c) in counts.iter().enumerate() {
        let all: u64 = c.iter().sum();
        let seen: u64 = c.iter().skip(1).sum();
        present.push(if all == 0 { 0.0 } else { seen as f64 / all as f64 });
        let scale = if seen == 0 { 0.0 } else { distinct.min(seen as f64) / seen as f64 };
        let u_ref = &fields.reference[f].1;
        let raw: Vec<f64> = c
            .iter()
            .skip(1)
            .zip(u_ref)
            .map(|(&x, &r)| x as f64 * scale + U_PRIOR_PAIRS * r + 0.5)
            .collect();
        let total: f64 = raw.iter().sum();
        u.push(raw.iter().map(|x| (x / total).max(MIN_PROBABILITY)).collect());
    }
    (u, present)
}

/// The patterns of (a sample of) one rule's pairs.
struct RulePatterns {
    /// Patterns with their tf bin (quarter bits) and block-weighted counts (units of
    /// [`PAIR_WEIGHT`] per pair of a block of two): what EM learns m from.
    weighted: Vec<(Pattern, f64, u64)>,
    /// The same patterns with plain pair counts, scaled back by the sampling rate: what the
    /// number of matches is estimated from.
    counted: Vec<(Pattern, f64, f64)>,
    /// Pairs sampled.
    pairs: u64,
}

/// The groups of a one-rule blocking and a sample of their pairs: those whose hash falls
/// under `em_pairs_per_rule` / (the pairs there are), all of them when they are fewer.
struct Sample<'a, R: Records> {
    blocker: Blocker<'a, R>,
    groups: crate::block::Groups,
    /// The share of pairs kept.
    rate: f64,
    cut: u64,
}

impl<'a, R: Records> Sample<'a, R> {
    fn of(
        cfg: &'a Blocking,
        records: &'a R,
        link_split: Option<u32>,
        opts: &TrainOptions,
    ) -> Option<Self> {
        let mut blocker = Blocker::new(cfg, records, link_split);
        let (groups, mut stats) = blocker.next_rule()?;
        blocker.count_pairs(&groups, &mut stats);
        let rate = if stats.pairs > opts.em_pairs_per_rule {
            opts.em_pairs_per_rule as f64 / stats.pairs as f64
        } else {
            1.0
        };
        Some(Sample { blocker, groups, rate, cut: (rate * u64::MAX as f64) as u64 })
    }

    /// Whether pair (a, b) is in the sample.
    #[inline]
    fn keeps(&self, a: u32, b: u32) -> bool {
        self.rate >= 1.0 || mix((u64::from(a) << 32) | u64::from(b)) <= self.cut
    }
}

/// Pattern counts of (a sample of) the pairs of one rule, in pattern order.
///
/// With `tf`, each pattern also carries the name's term-frequency adjustment, rounded to a
/// quarter bit (so that patterns stay few).
fn rule_patterns<R: Records>(
    records: &R,
    link_split: Option<u32>,
    rule: &Rule,
    opts: &TrainOptions,
    tf: Option<&TermFrequencies>,
    name_u: &[f64],
) -> RulePatterns {
    let cfg = Blocking::with_rules(vec![rule.clone()], opts.max_block);
    let Some(sample) = Sample::of(&cfg, records, link_split, opts) else {
        return RulePatterns { weighted: Vec::new(), counted: Vec::new(), pairs: 0 };
    };
    let (blocker, rate) = (&sample.blocker, sample.rate);
    let counts = sample
        .groups
        .par_iter()
        .fold(
            || (FxHashMap::<(Pattern, i32), (u64, u64)>::default(), Scratch::new()),
            |(mut counts, mut scratch), g| {
                // Each pair weighs 1/(size − 1) of its block (1/max side in a link), in integer
                // units so that sums do not depend on the order of the threads: a block of many
                // namesakes then counts like its records, not like its n² pairs.
                let size = match link_split {
                    None => g.len(),
                    Some(s) => {
                        let left = g.partition_point(|&m| m < s);
                        left.max(g.len() - left) + 1
                    }
                };
                let weight = PAIR_WEIGHT / (size.max(2) as u64 - 1);
                blocker.for_each_new_pair(g, |a, b| {
                    if !sample.keeps(a, b) {
                        return;
                    }
                    let (fa, fb) = (records.features(a), records.features(b));
                    let mut p = compare::compare(
                        fa,
                        fb,
                        || (records.name_ascii(a), records.name_ascii(b)),
                        &mut scratch,
                    );
                    compare::compare_extras(records, a, b, &mut p);
                    let bin = tf.map_or(0, |tf| {
                        let level = p.level(compare::NAME);
                        let log_u = level
                            .checked_sub(1)
                            .and_then(|l| name_u.get(l))
                            .map_or(0.0, |u| u.log2());
                        let (sa, sb) = (tf.shares_of(a), tf.shares_of(b));
                        let adj = tf.adjustment_shares(level, sa, sb, fa.given == fb.given, log_u);
                        (adj * 4.0).round() as i32
                    });
                    let c = counts.entry((p, bin)).or_default();
                    c.0 += weight;
                    c.1 += 1;
                });
                (counts, scratch)
            },
        )
        .map(|(c, _)| c)
        .reduce(FxHashMap::default, |mut x, y| {
            for (k, v) in y {
                let e = x.entry(k).or_default();
                e.0 += v.0;
                e.1 += v.1;
            }
            x
        });
    let mut v: Vec<((Pattern, i32), (u64, u64))> = counts.into_iter().collect();
    v.sort_unstable();
    let pairs = v.iter().map(|(_, c)| c.1).sum();
    let weighted = v.iter().map(|&((p, bin), (w, _))| (p, f64::from(bin) / 4.0, w)).collect();
    let counted =
        v.iter().map(|&((p, bin), (_, n))| (p, f64::from(bin) / 4.0, n as f64 / rate)).collect();
    RulePatterns { weighted, counted, pairs }
}

/// The maximum-likelihood share of matches among `patterns` with m and u fixed (only the fields
/// of `use_field`), and the expected number of matches.
fn expected_matches(
    patterns: &[(Pattern, f64, f64)],
    use_field: &[bool],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    places: Option<&PlaceU>,
) -> f64 {
    let tables = places.map(|p| p.tables(u));
    let cond = tables.as_deref().map(conditional);
    let post = posteriors(patterns, use_field, m, u, cond.as_ref());
    patterns.iter().zip(post).map(|(p, q)| p.2 * q).sum()
}

/// The posterior probability of a match of each pattern under m and u (only the fields of
/// `use_field`), with the share of matches λ fitted by EM with m fixed.
fn posteriors(
    patterns: &[(Pattern, f64, f64)],
    use_field: &[bool],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    cond: Option<&ConditionalU<'_>>,
) -> Vec<f64> {
    let total: f64 = patterns.iter().map(|p| p.2).sum();
    if total <= 0.0 {
        return vec![0.0; patterns.len()];
    }
    // log2 of each pattern's likelihood ratio, once.
    let ratios: Vec<f64> = patterns
        .iter()
        .map(|&(p, extra, _)| {
            let mut lr = extra;
            for f in (0..m.len()).filter(|&f| use_field[f]) {
                let l = p.level(f);
                if l == 0 || l > m[f].len() {
                    continue;
                }
                let uf = cond.map_or(u[f].as_slice(), |c| c.u_of(p, f, u));
                let ul = uf.get(l - 1).copied().unwrap_or(1.0);
                lr += (m[f][l - 1].max(MIN_PROBABILITY) / ul.max(MIN_PROBABILITY)).log2();
            }
            lr
        })
        .collect();
    let mut lambda = 0.01f64;
    let mut post = vec![0.0; patterns.len()];
    for _ in 0..500 {
        let prior = (lambda / (1.0 - lambda)).log2();
        for (q, &lr) in post.iter_mut().zip(&ratios) {
            *q = crate::model::probability(prior + lr);
        }
        let matched: f64 = patterns.iter().zip(&post).map(|(p, q)| p.2 * q).sum();
        let next = (matched / total).clamp(1e-15, 1.0 - 1e-9);
        let done = (next - lambda).abs() <= 1e-9 * lambda.max(1e-12);
        lambda = next;
        if done {
            break;
        }
    }
    post
}

/// The rule that pairs records at one address (new ward and house number).
fn house_rule() -> Rule {
    Rule::new(&[KeyPart::WardNew, KeyPart::House], &[])
}

/// The u of every field for pairs in one ward and for pairs in one house: `[field][level-1]`.
#[derive(Clone, Debug)]
struct PlaceU {
    ward: Vec<Vec<f64>>,
    house: Vec<Vec<f64>>,
}

impl PlaceU {
    /// The tables in [`Place::ALL`] order (elsewhere: `u`), for [`ConditionalU`].
    fn tables(&self, u: &[Vec<f64>]) -> Vec<Vec<Vec<f64>>> {
        vec![u.to_vec(), self.ward.clone(), self.house.clone()]
    }
}

/// The u of the other fields conditional on the address level, from [`PlaceU::tables`].
fn conditional(tables: &[Vec<Vec<f64>>]) -> ConditionalU<'_> {
    ConditionalU { field: compare::ADDRESS, by_level: compare::PLACE_OF_ADDRESS_LEVEL, u: tables }
}

/// Pseudo-pairs of the reference u by place (or of the data's u, for fields the reference has
/// none for) added to the counts of pairs in one ward or house.
const U_PLACE_PRIOR_PAIRS: f64 = 200.0;

/// The patterns of the pairs of records at one address, with their counts, leaving out the
/// pairs `skip` says are matches (supervised fits); sampled as [`rule_patterns`] samples.
fn house_patterns<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    skip: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Vec<(Pattern, f64, f64)> {
    let cfg = Blocking::with_rules(vec![house_rule()], opts.max_block);
    let Some(sample) = Sample::of(&cfg, records, link_split, opts) else { return Vec::new() };
    let counts = sample
        .groups
        .par_iter()
        .fold(
            || (FxHashMap::<Pattern, u64>::default(), Scratch::new()),
            |(mut counts, mut scratch), g| {
                sample.blocker.for_each_new_pair(g, |a, b| {
                    if !sample.keeps(a, b) || skip(a, b) {
                        return;
                    }
                    if let Some(p) = place_pattern(records, a, b, Place::SameHouse, &mut scratch) {
                        *counts.entry(p).or_default() += 1;
                    }
                });
                (counts, scratch)
            },
        )
        .map(|(c, _)| c)
        .reduce(FxHashMap::default, merge_counts);
    sorted_patterns(counts, sample.rate)
}

/// The pattern of pair (a, b) if their addresses place them at `place`.
fn place_pattern<R: Records>(
    records: &R,
    a: u32,
    b: u32,
    place: Place,
    scratch: &mut Scratch,
) -> Option<Pattern> {
    let mut p = compare::compare(
        records.features(a),
        records.features(b),
        || (records.name_ascii(a), records.name_ascii(b)),
        scratch,
    );
    if compare::place(p) != place {
        return None;
    }
    compare::compare_extras(records, a, b, &mut p);
    Some(p)
}

fn merge_counts(
    mut x: FxHashMap<Pattern, u64>,
    y: FxHashMap<Pattern, u64>,
) -> FxHashMap<Pattern, u64> {
    for (k, v) in y {
        *x.entry(k).or_default() += v;
    }
    x
}

/// Patterns in order, with their counts scaled back by the sampling rate.
fn sorted_patterns(counts: FxHashMap<Pattern, u64>, rate: f64) -> Vec<(Pattern, f64, f64)> {
    let mut v: Vec<(Pattern, u64)> = counts.into_iter().collect();
    v.sort_unstable();
    v.into_iter().map(|(p, n)| (p, 0.0, n as f64 / rate)).collect()
}

/// The patterns of (a sample of) the pairs of records in one ward whose house numbers differ or
/// are unknown, leaving out the pairs `skip` says are matches. Wards are too large to block
/// on: pairs are drawn at random among the pairs of one ward (seeded), [`WARD_PAIRS`] of them
/// (fewer for small `u_pairs`).
fn ward_patterns<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    skip: &(dyn Fn(u32, u32) -> bool + Sync),
) -> Vec<(Pattern, f64, f64)> {
    let side = |i: u32| link_split.is_some_and(|s| i >= s);
    let mut keyed: Vec<(u32, u32)> = (0..records.len() as u32)
        .into_par_iter()
        .filter_map(|i| {
            let ward = compare::new_ward(records.features(i));
            (ward != 0).then_some((ward, i))
        })
        .collect();
    keyed.par_sort_unstable();
    // Each ward's members (ascending: in a link, the first side first), where the second side
    // starts, and the cumulative count of pairs up to it.
    let mut wards: Vec<WardPairs<'_>> = Vec::new();
    let mut total = 0u64;
    for members in keyed.chunk_by(|x, y| x.0 == y.0) {
        let left = members.partition_point(|&(_, i)| !side(i));
        let pairs = match link_split {
            None => (members.len() as u64) * (members.len() as u64 - 1) / 2,
            Some(_) => left as u64 * (members.len() - left) as u64,
        };
        if pairs > 0 {
            total += pairs;
            wards.push(WardPairs { members, left, end: total });
        }
    }
    if total == 0 {
        return Vec::new();
    }
    let draws = (opts.u_pairs / 10).clamp(1, WARD_PAIRS).min(total);
    let chunks = draws.div_ceil(CHUNK);
    let counts = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut counts = FxHashMap::<Pattern, u64>::default();
            let mut scratch = Scratch::new();
            let mut state = mix(opts.seed ^ 0x5741_5244 ^ mix(c));
            for _ in 0..CHUNK.min(draws - c * CHUNK) {
                let at = next(&mut state) % total;
                let Some(ward) = wards.get(wards.partition_point(|w| w.end <= at)) else {
                    continue;
                };
                let (a, b) = ward.draw(&mut state, link_split.is_some());
                if skip(a, b) {
                    continue;
                }
                if let Some(p) = place_pattern(records, a, b, Place::SameWard, &mut scratch) {
                    *counts.entry(p).or_default() += 1;
                }
            }
            counts
        })
        .reduce(FxHashMap::default, merge_counts);
    sorted_patterns(counts, 1.0)
}

/// Most pairs drawn within wards: enough for the u of a few levels per field.
const WARD_PAIRS: u64 = 200_000;

/// The records of one ward, for [`ward_patterns`].
struct WardPairs<'a> {
    /// `(ward, record)`, ascending.
    members: &'a [(u32, u32)],
    /// Where the second side of a link starts in `members`.
    left: usize,
    /// Pairs in this ward and the wards before it.
    end: u64,
}

impl WardPairs<'_> {
    /// A random pair of this ward (across the sides in a link), smaller record first.
    fn draw(&self, state: &mut u64, link: bool) -> (u32, u32) {
        let g = self.members;
        let pick = |state: &mut u64, n: usize| (next(state) % n as u64) as usize;
        if link {
            let x = pick(state, self.left);
            let y = self.left + pick(state, g.len() - self.left);
            (g[x].1, g[y].1)
        } else {
            let x = pick(state, g.len());
            let mut y = pick(state, g.len() - 1);
            if y >= x {
                y += 1;
            }
            (g[x.min(y)].1, g[x.max(y)].1)
        }
    }
}

/// A u table by place from the level counts of non-matching pairs at that place: the counts
/// plus [`U_PLACE_PRIOR_PAIRS`] pairs of `prior`, normalised, made to keep each field's order
/// with m ([`crate::model::monotone`] on u, the order reversed).
fn place_u_from_counts(
    fields: &Fields,
    counts: &[Vec<f64>],
    m: &[Vec<f64>],
    prior: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    (0..fields.len())
        .map(|f| {
            let raw: Vec<f64> = counts[f]
                .iter()
                .zip(&prior[f])
                .map(|(&c, &p)| c + U_PLACE_PRIOR_PAIRS * p)
                .collect();
            let total: f64 = raw.iter().sum();
            let mut h: Vec<f64> = raw.iter().map(|x| (x / total).max(MIN_PROBABILITY)).collect();
            // m/u keeps the order of the levels: u/m the reverse one.
            let reversed: Vec<(u8, u8)> = fields.orders[f].iter().map(|&(a, b)| (b, a)).collect();
            monotone(&mut h, &m[f], &reversed);
            h
        })
        .collect()
}

/// Adds each pattern's levels to per-field counts, each weighing `weight` times its count.
fn add_levels(
    counts: &mut [Vec<f64>],
    patterns: &[(Pattern, f64, f64)],
    weight: impl Fn(usize) -> f64,
) {
    for (i, &(p, _, n)) in patterns.iter().enumerate() {
        let w = weight(i) * n;
        for (f, c) in counts.iter_mut().enumerate() {
            let l = p.level(f);
            if l != 0 && l <= c.len() {
                c[l - 1] += w;
            }
        }
    }
}

/// The pairs of records in one ward and in one house ([`ward_patterns`], [`house_patterns`]).
struct PlacePatterns {
    ward: Vec<(Pattern, f64, f64)>,
    house: Vec<(Pattern, f64, f64)>,
    /// Whether the matches were left out (a supervised fit): the pairs are all non-matches.
    supervised: bool,
}

impl PlacePatterns {
    /// The pairs of `records` in one ward and in one house, without those `is_match` calls
    /// matches (supervised) or all of them (unsupervised: [`PlacePatterns::u`] weighs them).
    fn of<R: Records>(
        records: &R,
        link_split: Option<u32>,
        opts: &TrainOptions,
        is_match: Option<&(dyn Fn(u32, u32) -> bool + Sync)>,
    ) -> PlacePatterns {
        let none = |_: u32, _: u32| false;
        let skip = is_match.unwrap_or(&none);
        PlacePatterns {
            ward: ward_patterns(records, link_split, opts, skip),
            house: house_patterns(records, link_split, opts, skip),
            supervised: is_match.is_some(),
        }
    }

    /// The u by place: supervised, the counts of the pairs; unsupervised, each pair a non-match
    /// with the probability that its name, date of birth, national id and sex — not the phone
    /// or the address, which households share — say it is not a match under m and u.
    fn u(&self, fields: &Fields, m: &[Vec<f64>], u: &[Vec<f64>]) -> PlaceU {
        let prior = fields.reference_places(u);
        let identity: Vec<bool> = (0..fields.len())
            .map(|f| matches!(f, compare::NAME | compare::DOB | compare::ID | compare::SEX))
            .collect();
        let table = |patterns: &[(Pattern, f64, f64)], prior: &[Vec<f64>]| {
            let post = if self.supervised {
                vec![0.0; patterns.len()]
            } else {
                posteriors(patterns, &identity, m, u, None)
            };
            let mut counts: Vec<Vec<f64>> =
                fields.levels.iter().map(|l| vec![0.0; l.len()]).collect();
            add_levels(&mut counts, patterns, |i| 1.0 - post[i]);
            place_u_from_counts(fields, &counts, m, prior)
        };
        PlaceU { ward: table(&self.ward, &prior.ward), house: table(&self.house, &prior.house) }
    }
}

/// What the matches of the data are estimated from.
struct MatchEstimate {
    matches: f64,
    by: String,
}

/// The number of matching pairs `records` hold under m and u: the expected matches among the
/// pairs of the date-of-birth rule (λ by EM with m fixed, the date left out since the block
/// forces it), divided by the share of matches that rule holds (both dates present and equal).
/// Without dates of birth on half the records, the name rule's pairs, likewise.
fn estimate_matches<R: Records>(
    records: &R,
    runs: &[RulePatterns],
    present: &[f64],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    places: Option<&PlaceU>,
) -> MatchEstimate {
    let nf = m.len();
    let dob_cover = dob_coverage(records);
    let (rule, recall, by) = if dob_cover >= 0.5 {
        let r = m[compare::DOB][0] * present[compare::DOB];
        (
            DOB_RULE,
            r,
            "expected matches among pairs with the same date of birth / (m(dob exact) × both dates present)",
        )
    } else {
        let agree: f64 =
            m[compare::NAME][..usize::from(compare::name_level::ONE_TYPO)].iter().sum();
        (
            NAME_RULE,
            agree * present[compare::NAME],
            "expected matches among pairs with the same family class and given-name key / (m(name agrees) × both names present)",
        )
    };
    let skip = training_rules()[rule].1.clone();
    let use_field: Vec<bool> = (0..nf).map(|f| !skip.contains(&f)).collect();
    let found =
        runs.get(rule).map_or(0.0, |r| expected_matches(&r.counted, &use_field, m, u, places));
    let matches = if recall > 1e-6 { found / recall } else { found };
    MatchEstimate { matches, by: by.to_owned() }
}

/// Share of records with a date of birth.
fn dob_coverage<R: Records>(records: &R) -> f64 {
    let n = records.len();
    if n == 0 {
        return 0.0;
    }
    let with: usize =
        (0..n as u32).into_par_iter().filter(|&i| records.features(i).dob != 0).count();
    with as f64 / n as f64
}

/// The number of pairs `records` can form (across the two sides in a link).
fn possible_pairs<R: Records>(records: &R, link_split: Option<u32>) -> f64 {
    let n = records.len() as f64;
    match link_split {
        Some(s) => f64::from(s) * (n - f64::from(s)),
        None => n * (n - 1.0) / 2.0,
    }
}

/// The prior from an estimated number of matches.
fn prior_of(matches: f64, possible: f64) -> f64 {
    if possible > 0.0 { (matches / possible).clamp(crate::model::MIN_PRIOR, 0.5) } else { 0.5 }
}

/// Trains a model on `records` (`link_split`: see [`Blocker::new`]). See [`train_report`].
pub fn train<R: Records>(records: &R, link_split: Option<u32>, opts: &TrainOptions) -> Model {
    train_report(records, link_split, opts).0
}

/// Trains a model on `records`, starting EM from the reference model, and says how it went.
pub fn train_report<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
) -> (Model, TrainReport) {
    let fields = Fields::of(records);
    let start = fields.m_ref();
    let tf = TermFrequencies::new(records);
    train_inner(records, link_split, opts, &fields, &start, &tf)
}

/// [`train_report`] with the records' name frequencies already counted (scoring needs them too).
pub fn train_report_with<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    tf: &TermFrequencies,
) -> (Model, TrainReport) {
    let fields = Fields::of(records);
    let start = fields.m_ref();
    train_inner(records, link_split, opts, &fields, &start, tf)
}

/// Trains a model on `records` with EM started from `start`'s m (it must have the records'
/// fields and levels; otherwise the reference m is the start). The prior, the checks and the
/// fallback are those of [`train_report`]: whatever the start, a failed check ends at the
/// reference m.
pub fn train_from<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    start: &Model,
) -> (Model, TrainReport) {
    let fields = Fields::of(records);
    let fits = start.fields.len() == fields.len()
        && start.fields.iter().zip(&fields.levels).all(|(f, l)| f.levels.len() == l.len());
    let m0: Vec<Vec<f64>> = if fits {
        start.fields.iter().map(|f| f.levels.iter().map(|l| l.m).collect()).collect()
    } else {
        fields.m_ref()
    };
    let tf = TermFrequencies::new(records);
    train_inner(records, link_split, opts, &fields, &m0, &tf)
}

fn train_inner<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    fields: &Fields,
    m0: &[Vec<f64>],
    tf: &TermFrequencies,
) -> (Model, TrainReport) {
    let (u, present) = estimate_u(records, link_split, opts, fields);
    let m_ref = fields.m_ref();
    let pseudo = opts.prior_strength * PAIR_WEIGHT as f64;
    let prior_counts: Vec<Vec<f64>> =
        m_ref.iter().map(|l| l.iter().map(|p| p * pseudo).collect()).collect();
    let bound = match_bound(records, link_split);
    // u in one ward and one house, from the start's m: EM's non-matches then include the
    // households that share an address, a phone and a family name.
    let place_pairs = PlacePatterns::of(records, link_split, opts, None);
    let places0 = place_pairs.u(fields, m0, &u);
    let tables0 = places0.tables(&u);
    let mut pool = MPool::new(m0);
    let mut runs = Vec::new();
    let mut report = TrainReport {
        reference: reference::reference().version.clone(),
        records: records.len() as u64,
        ..TrainReport::default()
    };
    let ctx = RuleContext {
        records,
        link_split,
        opts,
        fields,
        m0,
        u: &u,
        present: &present,
        prior: &prior_counts,
        places: &places0,
        tables: &tables0,
        bound,
        tf,
    };
    for (rule, skip) in training_rules() {
        let (run, patterns) = ctx.run(&rule, &skip, &mut pool);
        report.rules.push(run);
        runs.push(patterns);
    }
    // A field no accepted rule estimated keeps the reference m.
    let (m_em, from_reference) = pool.finish(&m_ref, fields, &u);

    let est = estimate_matches(records, &runs, &present, &m_em, &u, Some(&places0));
    report.checks = checks(records, link_split, opts, &report.rules, &est, &present, &m_em, &u);
    let m = choose_m(&mut report, m_em, &from_reference, fields, &m_ref, &u);
    let places = place_pairs.u(fields, &m, &u);
    let est = estimate_matches(records, &runs, &present, &m, &u, Some(&places));
    report.estimated_matches = est.matches;
    report.estimated_by = est.by;
    report.prior = prior_of(est.matches, possible_pairs(records, link_split));
    let training = training_json(&report, link_split, opts);
    (fields.model(&m, &u, Some(&places), report.prior, training), report)
}

/// Per field, the m of each accepted training rule weighed by the matches it found.
struct MPool {
    sum: Vec<Vec<f64>>,
    mass: Vec<f64>,
}

impl MPool {
    fn new(m0: &[Vec<f64>]) -> MPool {
        MPool { sum: m0.iter().map(|l| vec![0.0; l.len()]).collect(), mass: vec![0.0; m0.len()] }
    }

    /// Adds the m that EM found for the fields of `estimate`, weighed by `matched` pairs.
    fn add(&mut self, m: &[Vec<f64>], estimate: &[bool], matched: f64) {
        for f in (0..self.mass.len()).filter(|&f| estimate[f]) {
            for (s, v) in self.sum[f].iter_mut().zip(&m[f]) {
                *s += matched * v;
            }
            self.mass[f] += matched;
        }
    }

    /// The pooled m, made monotone, and the fields no rule estimated (the reference's m).
    fn finish(
        self,
        m_ref: &[Vec<f64>],
        fields: &Fields,
        u: &[Vec<f64>],
    ) -> (Vec<Vec<f64>>, Vec<usize>) {
        let nf = self.mass.len();
        let from_reference: Vec<usize> = (0..nf).filter(|&f| self.mass[f] <= 0.0).collect();
        let mut m: Vec<Vec<f64>> = (0..nf)
            .map(|f| {
                if self.mass[f] <= 0.0 {
                    m_ref[f].clone()
                } else {
                    self.sum[f].iter().map(|s| s / self.mass[f]).collect()
                }
            })
            .collect();
        fields.monotone(&mut m, u);
        (m, from_reference)
    }
}

/// What every training rule's EM run shares.
struct RuleContext<'a, R: Records> {
    records: &'a R,
    link_split: Option<u32>,
    opts: &'a TrainOptions,
    fields: &'a Fields,
    m0: &'a [Vec<f64>],
    u: &'a [Vec<f64>],
    present: &'a [f64],
    prior: &'a [Vec<f64>],
    places: &'a PlaceU,
    tables: &'a [Vec<Vec<f64>>],
    bound: f64,
    tf: &'a TermFrequencies,
}

impl<R: Records> RuleContext<'_, R> {
    /// EM on the pairs of one training rule, leaving out the fields in `skip`; its m joins
    /// `pool` when the rule is accepted.
    fn run(&self, rule: &Rule, skip: &[usize], pool: &mut MPool) -> (RuleRun, RulePatterns) {
        let (records, u) = (self.records, self.u);
        let nf = self.fields.len();
        let estimate: Vec<bool> = (0..nf).map(|f| !skip.contains(&f)).collect();
        // The name's term frequency enters EM only where the name is estimated.
        let tf_here = estimate[compare::NAME].then_some(self.tf);
        let patterns =
            rule_patterns(records, self.link_split, rule, self.opts, tf_here, &u[compare::NAME]);
        let setup = EmSetup {
            estimate: &estimate,
            m0: self.m0,
            u,
            lambda0: 0.01,
            prior: self.prior,
            orders: &self.fields.orders,
            conditional: Some(conditional(self.tables)),
            fit_lambda: true,
            max_iterations: self.opts.em_max_iterations,
            tolerance: self.opts.em_tolerance,
        };
        let r = em(&patterns.weighted, &setup);
        let matches = expected_matches(&patterns.counted, &estimate, &r.m, u, Some(self.places));
        let rejected = if patterns.pairs == 0 {
            Some("no pairs".to_owned())
        } else if !r.converged {
            Some(format!("EM did not converge in {} iterations", r.iterations))
        } else if let Some(weak) = disagreeing(&r.m, &estimate, self.present) {
            Some(format!(
                "most of its matches disagree ({weak}): it learnt namesakes or households"
            ))
        } else if matches > self.bound {
            Some(format!("{matches:.0} matching pairs for {} records", records.len()))
        } else {
            None
        };
        if rejected.is_none() {
            pool.add(&r.m, &estimate, r.matched / PAIR_WEIGHT as f64);
        }
        let run = RuleRun {
            rule: rule.name.clone(),
            pairs: patterns.pairs,
            patterns: patterns.weighted.len() as u64,
            iterations: r.iterations as u64,
            converged: r.converged,
            match_share: r.lambda,
            matches,
            accepted: rejected.is_none(),
            rejected,
        };
        (run, patterns)
    }
}

/// The m of the model: EM's (with a warning naming the fields that kept the reference's) when
/// every check passed, else the reference's, made monotone (with a warning saying why).
fn choose_m(
    report: &mut TrainReport,
    m_em: Vec<Vec<f64>>,
    from_reference: &[usize],
    fields: &Fields,
    m_ref: &[Vec<f64>],
    u: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    let failed: Vec<&Check> = report.checks.iter().filter(|c| !c.passed).collect();
    if failed.is_empty() {
        report.method = if from_reference.is_empty() { "em" } else { "em+reference" }.into();
        if !from_reference.is_empty() {
            let names: Vec<&str> =
                from_reference.iter().map(|&f| fields.names[f].as_str()).collect();
            let why: Vec<String> = report
                .rules
                .iter()
                .filter_map(|r| r.rejected.as_ref().map(|w| format!("rule {}: {w}", r.rule)))
                .collect();
            report.warnings.push(format!(
                "m of {} is the reference model's ({}): no training rule could estimate it ({})",
                names.join(", "),
                report.reference,
                why.join("; ")
            ));
        }
        m_em
    } else {
        report.method = "reference".into();
        let why: Vec<String> =
            failed.iter().map(|c| format!("{} ({})", c.name, c.detail)).collect();
        report.warnings.push(format!(
            "training could not learn m from this data and used the reference model's m ({}): {}",
            report.reference,
            why.join("; ")
        ));
        let mut m = m_ref.to_vec();
        fields.monotone(&mut m, u);
        m
    }
}

/// Most matching pairs a set of records can plausibly hold (five per record: a person written
/// a few times; in a link, five per record of the smaller side).
fn match_bound<R: Records>(records: &R, link_split: Option<u32>) -> f64 {
    let n = records.len() as f64;
    match link_split {
        Some(s) => 5.0 * f64::from(s).min(n - f64::from(s)),
        None => 5.0 * n,
    }
}

/// The fields that identify a person and the levels at which they agree: name (exact … one
/// typo), date of birth (exact … year only agrees), national id (exact, one digit off).
const AGREEING: [(usize, usize, &str); 3] = [
    (compare::NAME, compare::name_level::ONE_TYPO as usize, "name"),
    (compare::DOB, 4, "dob"),
    (compare::ID, 2, "id"),
];

/// Which identifying fields (among those estimated and present) most matches disagree on, under
/// m: `None` when most agree on each.
fn disagreeing(m: &[Vec<f64>], estimate: &[bool], present: &[f64]) -> Option<String> {
    let weak: Vec<String> = AGREEING
        .iter()
        .filter(|&&(f, _, _)| estimate.get(f).copied().unwrap_or(true) && present[f] > 0.0)
        .filter_map(|&(f, levels, name)| {
            let share: f64 = m[f][..levels].iter().sum();
            (share < 0.5).then(|| format!("{name} agrees in {share:.2}"))
        })
        .collect();
    (!weak.is_empty()).then(|| weak.join(", "))
}

/// The sanity checks of an m found by EM.
#[allow(clippy::too_many_arguments)]
fn checks<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
    runs: &[RuleRun],
    est: &MatchEstimate,
    present: &[f64],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |name: &str, passed: bool, detail: String| {
        out.push(Check { name: name.into(), passed, detail });
    };
    let accepted: Vec<&str> = runs.iter().filter(|r| r.accepted).map(|r| r.rule.as_str()).collect();
    check(
        "rules_accepted",
        !accepted.is_empty(),
        if accepted.is_empty() {
            "no training rule gave a usable m".into()
        } else {
            format!("m from {}", accepted.join(", "))
        },
    );
    check(
        "matches_found",
        est.matches >= opts.min_matches,
        format!(
            "about {:.0} matching pairs in the data (training needs {})",
            est.matches, opts.min_matches
        ),
    );
    let bound = match_bound(records, link_split);
    check(
        "matches_plausible",
        est.matches <= bound,
        format!(
            "about {:.0} matching pairs for {} records (at most {bound:.0})",
            est.matches,
            records.len()
        ),
    );
    // Among what training calls matches, most agree on the fields that identify a person.
    let weak = disagreeing(m, &[], present);
    check(
        "agreement_dominates",
        weak.is_none(),
        weak.unwrap_or_else(|| "most matches agree on name, date of birth and national id".into()),
    );
    let mut flat = Vec::new();
    for f in [compare::NAME, compare::DOB, compare::ID, compare::PHONE] {
        if present[f] > 0.0 {
            let w = (m[f][0].max(MIN_PROBABILITY) / u[f][0].max(MIN_PROBABILITY)).log2();
            if w < 1.0 {
                flat.push(format!("{} {w:+.1}", compare::FIELD_NAMES[f]));
            }
        }
    }
    check(
        "strongest_levels_positive",
        flat.is_empty(),
        if flat.is_empty() {
            "the exact level of name, dob, id and phone weighs more than one bit".into()
        } else {
            format!("weight of the exact level: {}", flat.join(", "))
        },
    );
    out
}

/// The `training` object of a model: the report and the options that shaped it.
fn training_json(
    report: &TrainReport,
    link_split: Option<u32>,
    opts: &TrainOptions,
) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("link".into(), link_split.is_some().into());
        o.insert("u_random_pairs".into(), opts.u_pairs.into());
        o.insert("seed".into(), opts.seed.into());
        o.insert("prior_strength".into(), opts.prior_strength.into());
    }
    v
}

/// m from counted levels of matching pairs: the counts plus the prior (the reference m times
/// `prior_strength`, or half a pair per level without it), normalised, projected onto the order.
fn m_from_counts(
    fields: &Fields,
    counts: &[Vec<f64>],
    u: &[Vec<f64>],
    opts: &TrainOptions,
) -> Vec<Vec<f64>> {
    let mut m: Vec<Vec<f64>> = counts
        .iter()
        .zip(&fields.reference)
        .map(|(c, (m_ref, _))| {
            let raw: Vec<f64> = c
                .iter()
                .zip(m_ref)
                .map(|(&x, &r)| {
                    x + if opts.prior_strength > 0.0 { opts.prior_strength * r } else { 0.5 }
                })
                .collect();
            let total: f64 = raw.iter().sum();
            raw.iter().map(|x| (x / total).max(MIN_PROBABILITY)).collect()
        })
        .collect();
    fields.monotone(&mut m, u);
    m
}

/// Adds the levels of pair (a, b) to per-field counts, with a weight.
fn count_pair<R: Records>(
    records: &R,
    a: u32,
    b: u32,
    weight: f64,
    counts: &mut [Vec<f64>],
    scratch: &mut Scratch,
) {
    let mut p = compare::compare(
        records.features(a),
        records.features(b),
        || (records.name_ascii(a), records.name_ascii(b)),
        scratch,
    );
    compare::compare_extras(records, a, b, &mut p);
    for (f, c) in counts.iter_mut().enumerate() {
        let l = p.level(f);
        if l != 0 && l <= c.len() {
            c[l - 1] += weight;
        }
    }
}

/// Fits a model with known truth: `entity[i]` is the entity of record `i` (`u32::MAX` for a
/// record the truth does not know). m is counted on the pairs of each entity (each pair weighs
/// `1/(k − 1)` in an entity of `k` records, so that a large entity counts like its records; in
/// a link, only pairs across the sides), with the reference m as prior (`prior_strength`; 0
/// for none, as when the reference itself is fitted); u on random pairs; the prior is the share
/// of pairs that match.
pub fn fit_truth<R: Records>(
    records: &R,
    link_split: Option<u32>,
    entity: &[u32],
    opts: &TrainOptions,
) -> (Model, TrainReport) {
    let fields = Fields::of(records);
    let (u, _) = estimate_u(records, link_split, opts, &fields);
    let mut order: Vec<(u32, u32)> = entity
        .iter()
        .enumerate()
        .filter(|&(i, &e)| e != u32::MAX && i < records.len())
        .map(|(i, &e)| (e, i as u32))
        .collect();
    order.sort_unstable();
    let groups: Vec<&[(u32, u32)]> =
        order.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1).collect();
    let zero = || fields.levels.iter().map(|l| vec![0.0; l.len()]).collect::<Vec<Vec<f64>>>();
    let (counts, pairs) = groups
        .par_iter()
        .fold(
            || (zero(), 0u64, Scratch::new()),
            |(mut counts, mut pairs, mut scratch), g| {
                let members: Vec<u32> = g.iter().take(MAX_ENTITY).map(|&(_, i)| i).collect();
                let weight = 1.0 / (members.len() - 1) as f64;
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        let across = link_split.is_none_or(|s| (a < s) != (b < s));
                        if across {
                            count_pair(records, a, b, weight, &mut counts, &mut scratch);
                            pairs += 1;
                        }
                    }
                }
                (counts, pairs, scratch)
            },
        )
        .map(|(c, p, _)| (c, p))
        .reduce(
            || (zero(), 0),
            |(mut x, px), (y, py)| {
                for (a, b) in x.iter_mut().zip(y) {
                    for (s, t) in a.iter_mut().zip(b) {
                        *s += t;
                    }
                }
                (x, px + py)
            },
        );
    let m = m_from_counts(&fields, &counts, &u, opts);
    // u by place: the pairs in one ward or house that the truth says are different people.
    let same = |a: u32, b: u32| {
        let (x, y) = (entity.get(a as usize), entity.get(b as usize));
        x.is_some() && x == y && x != Some(&u32::MAX)
    };
    let places = PlacePatterns::of(records, link_split, opts, Some(&same)).u(&fields, &m, &u);
    let report = TrainReport {
        method: "truth".into(),
        reference: reference::reference().version.clone(),
        records: records.len() as u64,
        estimated_matches: pairs as f64,
        estimated_by: "pairs of records of one entity in the truth".into(),
        prior: prior_of(pairs as f64, possible_pairs(records, link_split)),
        ..TrainReport::default()
    };
    let training = training_json(&report, link_split, opts);
    (fields.model(&m, &u, Some(&places), report.prior, training), report)
}

/// Fits a [`Calibration`](crate::model::Calibration) of match weights on labelled pairs
/// `(weight, is_match)`: a logistic regression `P(match) = σ(ln 2 × (slope × w + intercept))`
/// by Newton's method, with a weak Gaussian prior pulling towards no change (slope 1,
/// intercept 0) so that a few labels move it little; it holds between the lowest and the
/// highest labelled weight. `None` without labels of both kinds.
pub fn calibrate(labelled: &[(f64, bool)]) -> Option<crate::model::Calibration> {
    const PRIOR: f64 = 1.0;
    let matches = labelled.iter().filter(|l| l.1).count();
    if matches == 0 || matches == labelled.len() {
        return None;
    }
    let ln2 = std::f64::consts::LN_2;
    let (mut slope, mut intercept) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb) = (-PRIOR * (slope - 1.0), -PRIOR * intercept);
        let (mut haa, mut hab, mut hbb) = (PRIOR, 0.0, PRIOR);
        for &(weight, is_match) in labelled {
            let w = weight.clamp(-60.0, 60.0);
            let p = crate::model::probability(slope * w + intercept);
            let residual = (f64::from(u8::from(is_match)) - p) * ln2;
            ga += residual * w;
            gb += residual;
            let k = p * (1.0 - p) * ln2 * ln2;
            haa += k * w * w;
            hab += k * w;
            hbb += k;
        }
        let det = haa * hbb - hab * hab;
        if !(det.is_finite() && det > 0.0) {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        slope = (slope + da).clamp(0.05, 100.0);
        intercept += db;
        if da.abs() < 1e-9 && db.abs() < 1e-9 {
            break;
        }
    }
    let low = labelled.iter().map(|l| l.0).fold(f64::INFINITY, f64::min);
    let high = labelled.iter().map(|l| l.0).fold(f64::NEG_INFINITY, f64::max);
    (slope.is_finite() && intercept.is_finite()).then_some(crate::model::Calibration {
        slope,
        intercept,
        low: Some(low),
        high: Some(high),
        labelled_pairs: labelled.len() as u64,
    })
}

/// The reference model for the fields of `records`: the reference's m and u for each field
/// (the extra fields by kind), its prior, no training.
pub fn reference_model<R: Records>(records: &R) -> Model {
    let fields = Fields::of(records);
    let m: Vec<Vec<f64>> = fields.m_ref();
    let u: Vec<Vec<f64>> = fields.reference.iter().map(|(_, u)| u.clone()).collect();
    let r = reference::reference();
    let training = serde_json::json!({ "method": "reference", "reference": r.version });
    let places = fields.reference_places(&u);
    fields.model(&m, &u, Some(&places), r.model.prior, training)
}
