//! The Fellegi–Sunter model: m and u probabilities per comparison level, match weights,
//! expectation–maximisation on counts of comparison patterns, and term-frequency adjustment.
//!
//! A pair of records is compared field by field; each field yields a *level* (0 = missing on
//! either side, then from the strongest agreement to disagreement). The pair's match weight is
//!
//! ```text
//! w = log2(λ / (1 − λ)) + Σ_fields log2(m[f][level] / u[f][level]) (+ term-frequency terms)
//! ```
//!
//! where `λ` is the prior probability that two random records match, `m` the probability of the
//! level among matches and `u` among non-matches; level 0 contributes nothing. The match
//! probability is `2^w / (1 + 2^w)`.
//!
//! Training never loops over pairs: pairs are reduced to *patterns* (the vector of levels) with
//! their counts, and EM runs on those few thousand patterns ([`em`]). `u` is estimated from random
//! pairs ([`u_from_counts`]); `m` by EM on blocked pairs with `u` fixed, per training rule, leaving
//! out the fields the rule blocks on (their agreement is forced by the block, so it says nothing
//! about `m`); the prior comes from deterministic rules.
//!
//! A trained [`Model`] is a JSON file that people can read, edit and reuse.
//!
//! | file | owns |
//! |---|---|
//! | this module | [`Model`], [`Field`], [`Level`], weights, [`em`], the monotone projection |
//! | [`reference`](mod@reference) | the reference model fitted with known truth (`data/model/reference.json`) |
//! | [`train`] | training on data: u from random pairs, m by EM per training rule, checks, fallback |
//! | [`tf`] | name term frequencies, shared by training and scoring |
//! | [`saved`] | a model saved inside a person store, for lookups |

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::compare::{MAX_FIELDS, MAX_LEVELS, Pattern, Place};
use crate::error::{Error, Result};

/// Smallest probability kept for m or u, so that weights stay finite.
pub const MIN_PROBABILITY: f64 = 1e-9;
/// Smallest prior kept: two records of a clean register of 10⁸ people match with a probability
/// far below [`MIN_PROBABILITY`].
pub const MIN_PRIOR: f64 = 1e-18;

pub mod reference;
pub mod saved;
pub mod tf;
pub mod train;

/// One comparison level of a field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// What the level means (`exact`, `jaro_winkler_0.92`, `different`, …).
    pub label: String,
    /// P(level | match).
    pub m: f64,
    /// P(level | non-match).
    pub u: f64,
    /// Whether the weight of this level is adjusted by the frequency of the agreeing value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tf_adjust: bool,
    /// P(level | non-match, same house): u among pairs of records at one address (same ward and
    /// house number), where different people share a phone, a family name, sometimes a date of
    /// birth (twins) or a full name (a son named after his father). Used instead of `u` for the
    /// pairs at one address ([`Place::SameHouse`]), so that a household is not counted as the
    /// same evidence several times over. `None`: `u`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u_same_house: Option<f64>,
    /// P(level | non-match, same ward): u among pairs of records of one ward whose house numbers
    /// differ or are unknown ([`Place::SameWard`]: a household written with and without its
    /// house number, neighbours). `None`: `u`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u_same_ward: Option<f64>,
}

impl Level {
    /// `log2(m / u)`, with both clamped away from zero.
    pub fn weight(&self) -> f64 {
        (self.m.max(MIN_PROBABILITY) / self.u.max(MIN_PROBABILITY)).log2()
    }

    /// The u of this level for a pair at `place` (`u` where the level has none for it).
    pub fn u_at(&self, place: Place) -> f64 {
        match place {
            Place::Elsewhere => self.u,
            Place::SameWard => self.u_same_ward.unwrap_or(self.u),
            Place::SameHouse => self.u_same_house.unwrap_or(self.u),
        }
    }

    /// `log2(m / u)` with the u of `place` ([`Level::u_at`]).
    pub fn weight_at(&self, place: Place) -> f64 {
        (self.m.max(MIN_PROBABILITY) / self.u_at(place).max(MIN_PROBABILITY)).log2()
    }
}

/// The levels of one field. Level 0 is "missing": it has no m/u and weighs nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The field's name (`name`, `dob`, `address`, …).
    pub name: String,
    /// Levels 1.. in order; `levels[i]` is level `i + 1`.
    pub levels: Vec<Level>,
}

/// A trained model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Prior probability that two records drawn at random are a match.
    pub prior: f64,
    /// The fields, in comparison order.
    pub fields: Vec<Field>,
    /// Weight given to term-frequency adjustments (1 = full, 0 = none).
    #[serde(default = "one")]
    pub tf_adjustment_weight: f64,
    /// How the model was trained (free-form, for people).
    #[serde(default)]
    pub training: serde_json::Value,
    /// A recalibration of the match weight fitted on labelled pairs (`vnlink train --labels`):
    /// a pair's weight `w` becomes `slope × w + intercept`. `None`: the weight as the levels sum
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// A match weight's recalibration from labelled pairs: logistic regression of the labels on
/// the model's weight, `P(match | w) = σ(ln 2 × (slope × w + intercept))`, so that the
/// recalibrated weight `slope × w + intercept` is again a log2 odds — inside the range of the
/// labelled weights `[low, high]` only. Beyond it the labels say nothing: the weight keeps its
/// slope of 1 from the recalibrated end, so that the calibration stays monotone and continuous
/// and a fit on a narrow band (a review's) cannot pull a certain pair of weight 30 under the
/// threshold.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Multiplies the weight.
    pub slope: f64,
    /// Added to the weight after the slope.
    pub intercept: f64,
    /// The lowest labelled weight (`None`: no bound).
    #[serde(default)]
    pub low: Option<f64>,
    /// The highest labelled weight (`None`: no bound).
    #[serde(default)]
    pub high: Option<f64>,
    /// The labelled pairs it was fitted on.
    pub labelled_pairs: u64,
}

impl Calibration {
    /// The recalibrated weight.
    pub fn apply(&self, w: f64) -> f64 {
        let inside = w.clamp(self.low.unwrap_or(f64::MIN), self.high.unwrap_or(f64::MAX));
        self.slope * inside + self.intercept + (w - inside)
    }
}

fn one() -> f64 {
    1.0
}

impl Model {
    /// The prior as a weight, `log2(λ / (1 − λ))`.
    pub fn prior_weight(&self) -> f64 {
        let p = self.prior.clamp(MIN_PRIOR, 1.0 - MIN_PROBABILITY);
        (p / (1.0 - p)).log2()
    }

    /// A flat table of level weights, `table[f * MAX_LEVELS + level]` (level 0 is 0.0), for the
    /// scoring hot loop.
    pub fn weight_table(&self) -> Vec<f32> {
        self.table_at(Place::Elsewhere)
    }

    /// [`weight_table`](Self::weight_table) with the u of pairs at `place`.
    pub fn table_at(&self, place: Place) -> Vec<f32> {
        let mut t = vec![0.0f32; self.fields.len() * MAX_LEVELS];
        for (f, field) in self.fields.iter().enumerate() {
            for (i, level) in field.levels.iter().enumerate() {
                t[f * MAX_LEVELS + i + 1] = level.weight_at(place) as f32;
            }
        }
        t
    }

    /// Whether any level has a u of its own for pairs in one ward or house.
    pub fn has_places(&self) -> bool {
        self.fields
            .iter()
            .flat_map(|f| &f.levels)
            .any(|l| l.u_same_house.is_some() || l.u_same_ward.is_some())
    }

    /// The match weight of a pattern, without term-frequency terms.
    pub fn weight(&self, p: Pattern) -> f64 {
        self.prior_weight()
            + self
                .fields
                .iter()
                .enumerate()
                .map(|(f, field)| match p.level(f) {
                    0 => 0.0,
                    l => field.levels.get(l - 1).map_or(0.0, Level::weight),
                })
                .sum::<f64>()
    }

    /// Checks the model's shape: at most [`MAX_FIELDS`] fields and [`MAX_LEVELS`]−1 levels each,
    /// probabilities in (0, 1], prior in (0, 1).
    pub fn validate(&self, path: &Path) -> Result<()> {
        let bad = |reason: String| Err(Error::Model { path: path.into(), reason });
        if !(self.prior > 0.0 && self.prior < 1.0) {
            return bad(format!("prior must be in (0, 1), found {}", self.prior));
        }
        if !(self.tf_adjustment_weight.is_finite()
            && (0.0..=4.0).contains(&self.tf_adjustment_weight))
        {
            return bad(format!(
                "tf_adjustment_weight must be a number in [0, 4], found {}",
                self.tf_adjustment_weight
            ));
        }
        if let Some(c) = &self.calibration
            && !(c.slope.is_finite()
                && c.slope > 0.0
                && c.slope <= 100.0
                && c.intercept.is_finite())
        {
            return bad(format!(
                "calibration needs a slope in (0, 100], a finite intercept and low <= high, found \
                 slope={} intercept={} low={:?} high={:?}",
                c.slope, c.intercept, c.low, c.high
            ));
        }
        if self.fields.is_empty() || self.fields.len() > MAX_FIELDS {
            return bad(format!(
                "a model needs 1..={MAX_FIELDS} fields, found {}",
                self.fields.len()
            ));
        }
        for f in &self.fields {
            if f.levels.is_empty() || f.levels.len() >= MAX_LEVELS {
                return bad(format!("field `{}` needs 1..{MAX_LEVELS} levels", f.name));
            }
            for l in &f.levels {
                let p = |x: f64| x > 0.0 && x <= 1.0;
                if !(p(l.m) && Place::ALL.iter().all(|&at| p(l.u_at(at)))) {
                    return bad(format!(
                        "field `{}` level `{}`: m, u, u_same_ward and u_same_house must be in \
                         (0, 1], found m={} u={} u_same_ward={:?} u_same_house={:?}",
                        f.name, l.label, l.m, l.u, l.u_same_ward, l.u_same_house
                    ));
                }
            }
        }
        Ok(())
    }

    /// Reads a model from a JSON file.
    pub fn read(path: impl AsRef<Path>) -> Result<Model> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let model: Model = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Model { path: path.into(), reason: e.to_string() })?;
        model.validate(path)?;
        Ok(model)
    }

    /// Writes the model as pretty JSON, atomically.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Model { path: path.as_ref().into(), reason: e.to_string() })?;
        text.push('\n');
        crate::util::fs::atomic_write(path, text.as_bytes())
    }
}

/// Converts a match weight to a probability.
pub fn probability(weight: f64) -> f64 {
    let x = weight.exp2();
    if x.is_infinite() { 1.0 } else { x / (1.0 + x) }
}

/// Converts a probability to a match weight.
pub fn weight_of_probability(p: f64) -> f64 {
    let p = p.clamp(MIN_PROBABILITY, 1.0 - MIN_PROBABILITY);
    (p / (1.0 - p)).log2()
}

/// u probabilities from level counts of random pairs: `counts[l]` for levels 1.. (index 0 is the
/// missing level and is ignored). Levels never seen get a count of one half (so that u > 0).
pub fn u_from_counts(counts: &[u64]) -> Vec<f64> {
    let seen: Vec<f64> =
        counts.iter().skip(1).map(|&c| if c == 0 { 0.5 } else { c as f64 }).collect();
    let total: f64 = seen.iter().sum();
    seen.iter().map(|c| (c / total).max(MIN_PROBABILITY)).collect()
}

/// Result of an EM run.
#[derive(Clone, Debug, PartialEq)]
pub struct EmResult {
    /// `m[f][i]` for level `i + 1` of field `f` (only the estimated fields changed).
    pub m: Vec<Vec<f64>>,
    /// Estimated share of matches among the pairs trained on.
    pub lambda: f64,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the largest change of a parameter fell under the tolerance.
    pub converged: bool,
    /// The pairs (in the units of the pattern counts) that the last E-step gave to the matches.
    pub matched: f64,
}

/// What EM estimates, from where it starts, and what it may not do.
#[derive(Clone, Copy, Debug)]
pub struct EmSetup<'a> {
    /// Whether field `f` takes part (fields a blocking rule forces to agree do not).
    pub estimate: &'a [bool],
    /// Initial m, `[f][level-1]`.
    pub m0: &'a [Vec<f64>],
    /// Fixed u, `[f][level-1]`.
    pub u: &'a [Vec<f64>],
    /// Initial share of matches among these pairs.
    pub lambda0: f64,
    /// Dirichlet prior on m: pseudo-counts added to each level's expected count in every M-step
    /// (in the units of the pattern counts), `[f][level-1]`; an empty slice for none.
    pub prior: &'a [Vec<f64>],
    /// Per field, pairs of levels `(stronger, weaker)` (1-based) whose weights `log2(m/u)` may not
    /// invert: after every M-step, m is projected onto these orders ([`monotone`]). An empty
    /// slice for none.
    pub orders: &'a [Vec<(u8, u8)>],
    /// u that depends on one field's level (see [`ConditionalU`]); `None`: `u` for every pair.
    pub conditional: Option<ConditionalU<'a>>,
    /// Whether λ is re-estimated (false: it stays at `lambda0`).
    pub fit_lambda: bool,
    /// Iterations at most.
    pub max_iterations: usize,
    /// EM stops when no parameter moves more than this.
    pub tolerance: f64,
}

/// u of the other fields that depends on the level of one field (the address: people of one
/// house share a phone, a family name…): for a pattern whose field `field` is at level `l`, the
/// u of every other field is `u[by_level[l]]`.
#[derive(Clone, Copy, Debug)]
pub struct ConditionalU<'a> {
    /// The field the others depend on.
    pub field: usize,
    /// For each of its levels, the index of the u table in `u`.
    pub by_level: [usize; MAX_LEVELS],
    /// The u tables, `[table][f][level-1]`.
    pub u: &'a [Vec<Vec<f64>>],
}

impl<'a> ConditionalU<'a> {
    /// The u of field `f` for pattern `p`.
    #[inline]
    pub fn u_of(&self, p: Pattern, f: usize, base: &'a [Vec<f64>]) -> &'a [f64] {
        if f == self.field {
            return &base[f];
        }
        let t = self.by_level.get(p.level(self.field)).copied().unwrap_or(0);
        self.u.get(t).and_then(|table| table.get(f)).map_or(&base[f], Vec::as_slice)
    }
}

/// Projects one field's m onto a partial order of its levels, with u fixed: after it, for every
/// `(stronger, weaker)` pair of `order` (1-based levels), `m[s]/u[s] ≥ m[w]/u[w]`.
///
/// Levels that violate the order are pooled (their Bayes factor becomes the pooled
/// `Σm / Σu`) until no constraint is violated; the sum of m is unchanged. On a chain this is the
/// pool-adjacent-violators algorithm, the maximum-likelihood estimate of level probabilities
/// under a likelihood-ratio order.
#[allow(clippy::many_single_char_names)] // m and u as in the literature
pub fn monotone(m: &mut [f64], u: &[f64], order: &[(u8, u8)]) {
    let n = m.len().min(u.len());
    if n < 2 || order.is_empty() {
        return;
    }
    let mut block: Vec<usize> = (0..n).collect();
    let sums = |block: &[usize], b: usize| -> (f64, f64) {
        (0..n).filter(|&i| block[i] == b).fold((0.0, 0.0), |(sm, su), i| (sm + m[i], su + u[i]))
    };
    loop {
        let violated = order.iter().find_map(|&(s, w)| {
            let strong = usize::from(s).checked_sub(1)?;
            let weak = usize::from(w).checked_sub(1)?;
            if strong >= n || weak >= n || block[strong] == block[weak] {
                return None;
            }
            let (ms, us) = sums(&block, block[strong]);
            let (mw, uw) = sums(&block, block[weak]);
            // ms/us < mw/uw, cross-multiplied (u > 0), with a relative margin against rounding.
            (ms * uw < mw * us * (1.0 - 1e-12)).then_some((block[strong], block[weak]))
        });
        let Some((keep, merge)) = violated else { break };
        for b in &mut block {
            if *b == merge {
                *b = keep;
            }
        }
    }
    let pooled: Vec<(f64, f64)> = (0..n).map(|b| sums(&block, b)).collect();
    for i in 0..n {
        let alone = block.iter().filter(|&&b| b == block[i]).count() == 1;
        let (sm, su) = pooled[block[i]];
        if !alone && su > 0.0 {
            m[i] = sm / su * u[i];
        }
    }
}

/// Whether one field's weights respect `order` (see [`monotone`]), within `tolerance` bits.
pub fn is_monotone(m: &[f64], u: &[f64], order: &[(u8, u8)], tolerance: f64) -> bool {
    let weight = |level: u8| -> Option<f64> {
        let i = usize::from(level).checked_sub(1)?;
        Some((m.get(i)?.max(MIN_PROBABILITY) / u.get(i)?.max(MIN_PROBABILITY)).log2())
    };
    order.iter().all(|&(strong, weak)| match (weight(strong), weight(weak)) {
        (Some(ws), Some(ww)) => ws + tolerance >= ww,
        _ => true,
    })
}

/// Expectation–maximisation of m (and λ) on pattern counts, with u fixed.
///
/// `patterns`: distinct comparison patterns, each with an extra log2 Bayes factor (e.g. a
/// term-frequency adjustment, 0 if none) and the number of pairs showing it. Each M-step adds the
/// prior's pseudo-counts to the expected counts of the matches, normalises, and projects every
/// estimated field onto its order ([`monotone`]): a trained model cannot say that an exact
/// national id is weaker evidence than a different one.
pub fn em(patterns: &[(Pattern, f64, u64)], setup: &EmSetup<'_>) -> EmResult {
    let EmSetup { estimate, m0, u, .. } = *setup;
    let nf = m0.len();
    let mut m: Vec<Vec<f64>> = m0.to_vec();
    let mut lambda = setup.lambda0.clamp(1e-12, 1.0 - 1e-9);
    let mut iterations = 0;
    let mut converged = false;
    let mut matched = 0.0;
    let total: f64 = patterns.iter().map(|&(_, _, c)| c as f64).sum();
    if total == 0.0 {
        return EmResult { m, lambda, iterations, converged: true, matched };
    }
    let fields: Vec<usize> =
        (0..nf).filter(|&f| estimate.get(f).copied().unwrap_or(false)).collect();
    while iterations < setup.max_iterations {
        iterations += 1;
        let mut m_acc: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        matched = 0.0;
        let (log_m, log_u) = (lambda.ln(), (1.0 - lambda).ln());
        for &(p, extra, count) in patterns {
            let (mut lm, mut lu) = (log_m + extra * std::f64::consts::LN_2, log_u);
            for &f in &fields {
                let l = p.level(f);
                if l == 0 || l > m[f].len() {
                    continue;
                }
                let uf = setup.conditional.as_ref().map_or(u[f].as_slice(), |c| c.u_of(p, f, u));
                lm += m[f][l - 1].max(MIN_PROBABILITY).ln();
                lu += uf.get(l - 1).copied().unwrap_or(1.0).max(MIN_PROBABILITY).ln();
            }
            // Posterior probability of a match, computed stably in log space.
            let post = 1.0 / (1.0 + (lu - lm).exp());
            let w = post * count as f64;
            matched += w;
            for &f in &fields {
                let l = p.level(f);
                if l != 0 && l <= m[f].len() {
                    m_acc[f][l - 1] += w;
                }
            }
        }
        let mut delta: f64 = 0.0;
        for &f in &fields {
            let acc = &mut m_acc[f];
            if let Some(prior) = setup.prior.get(f) {
                for (a, p) in acc.iter_mut().zip(prior) {
                    *a += p;
                }
            }
            let s: f64 = acc.iter().sum();
            if s <= 0.0 {
                continue;
            }
            let mut new: Vec<f64> = acc.iter().map(|a| a / s).collect();
            if let Some(order) = setup.orders.get(f) {
                monotone(&mut new, &u[f], order);
            }
            for (i, v) in new.into_iter().enumerate() {
                let v = v.max(MIN_PROBABILITY);
                delta = delta.max((v - m[f][i]).abs());
                m[f][i] = v;
            }
        }
        if setup.fit_lambda {
            let new_lambda = (matched / total).clamp(1e-12, 1.0 - 1e-9);
            delta = delta.max((new_lambda - lambda).abs());
            lambda = new_lambda;
        }
        if delta < setup.tolerance {
            converged = true;
            break;
        }
    }
    EmResult { m, lambda, iterations, converged, matched }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EM without prior or orders.
    fn plain<'a>(
        estimate: &'a [bool],
        m0: &'a [Vec<f64>],
        u: &'a [Vec<f64>],
        lambda0: f64,
        max_iterations: usize,
        tolerance: f64,
    ) -> EmSetup<'a> {
        EmSetup {
            estimate,
            m0,
            u,
            lambda0,
            prior: &[],
            orders: &[],
            conditional: None,
            fit_lambda: true,
            max_iterations,
            tolerance,
        }
    }

    #[test]
    fn monotone_pools_violators_and_keeps_the_mass() {
        // Level 1 (exact) is less likely among matches than its u allows: inverted.
        let u = [0.001, 0.009, 0.99];
        let mut m = [0.0005, 0.3, 0.6995];
        monotone(&mut m, &u, &[(1, 2), (2, 3)]);
        assert!(is_monotone(&m, &u, &[(1, 2), (2, 3)], 1e-9), "{m:?}");
        assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Levels 1 and 2 pooled: one Bayes factor (0.3005 / 0.01).
        assert!((m[0] / u[0] - m[1] / u[1]).abs() < 1e-9 && (m[0] / u[0] - 30.05).abs() < 1e-9);
        // An order already respected is left alone.
        let mut ok = [0.9, 0.08, 0.02];
        monotone(&mut ok, &u, &[(1, 2), (2, 3)]);
        assert!(ok.iter().zip([0.9, 0.08, 0.02]).all(|(a, b)| (a - b).abs() < 1e-15), "{ok:?}");
        // A partial order: 1 ≥ 3 and 2 ≥ 3 only; 1 and 2 may stay in any order.
        let u = [0.01, 0.01, 0.98];
        let mut m = [0.2, 0.7, 0.1];
        monotone(&mut m, &u, &[(1, 3), (2, 3)]);
        assert!(m.iter().zip([0.2, 0.7, 0.1]).all(|(a, b)| (a - b).abs() < 1e-15), "{m:?}");
    }

    #[test]
    fn a_prior_holds_m_where_the_data_has_no_matches() {
        // Pairs that all disagree on field 0: without a prior EM may call any cohesive group a
        // match; with the reference as a prior and the order exact ≥ different, exact stays strong.
        let u = vec![vec![0.01, 0.99]];
        let reference = vec![vec![0.95, 0.05]];
        let prior: Vec<Vec<f64>> =
            reference.iter().map(|l| l.iter().map(|p| p * 1000.0).collect()).collect();
        let patterns = [(Pattern::from_levels(&[2]), 0.0, 100_000)];
        let setup = EmSetup {
            prior: &prior,
            orders: &[vec![(1, 2)]],
            ..plain(&[true], &reference, &u, 0.01, 200, 1e-9)
        };
        let r = em(&patterns, &setup);
        assert!(r.lambda < 1e-3, "{r:?}");
        assert!(is_monotone(&r.m[0], &u[0], &[(1, 2)], 1e-9), "{r:?}");
        assert!(r.m[0][0] > 0.9, "{r:?}");
    }

    #[test]
    fn probability_and_weight_are_inverse() {
        for w in [-20.0, -1.0, 0.0, 3.5, 25.0] {
            assert!((weight_of_probability(probability(w)) - w).abs() < 1e-6);
        }
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn u_from_counts_smooths_unseen_levels() {
        let u = u_from_counts(&[999, 0, 10, 990]);
        assert_eq!(u.len(), 3);
        assert!((u.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(u[0] > 0.0 && u[0] < u[1]);
    }

    /// Simulates pairs from known parameters and checks that EM recovers m.
    #[test]
    fn em_recovers_known_parameters() {
        // Two fields, levels 1 = agree, 2 = disagree.
        let m_true: [[f64; 2]; 2] = [[0.9, 0.1], [0.8, 0.2]];
        let u = vec![vec![0.05, 0.95], vec![0.1, 0.9]];
        let lambda_true = 0.3_f64;
        let n = 1_000_000.0_f64;
        let mut patterns = Vec::new();
        for a in 1..=2u8 {
            for b in 1..=2u8 {
                let pm = m_true[0][a as usize - 1] * m_true[1][b as usize - 1];
                let pu = u[0][a as usize - 1] * u[1][b as usize - 1];
                let count = n * (lambda_true * pm + (1.0 - lambda_true) * pu);
                patterns.push((Pattern::from_levels(&[a, b]), 0.0, count.round() as u64));
            }
        }
        let m0 = vec![vec![0.6, 0.4], vec![0.6, 0.4]];
        let r = em(&patterns, &plain(&[true, true], &m0, &u, 0.1, 500, 1e-10));
        assert!(r.converged, "{r:?}");
        assert!((r.lambda - lambda_true).abs() < 1e-3, "{r:?}");
        assert!((r.m[0][0] - 0.9).abs() < 1e-3 && (r.m[1][0] - 0.8).abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn fields_not_estimated_keep_their_m() {
        let patterns =
            [(Pattern::from_levels(&[1, 1]), 0.0, 10), (Pattern::from_levels(&[2, 1]), 0.0, 90)];
        let m0 = vec![vec![0.5, 0.5], vec![0.7, 0.3]];
        let u = vec![vec![0.1, 0.9], vec![0.1, 0.9]];
        let r = em(&patterns, &plain(&[true, false], &m0, &u, 0.5, 50, 1e-9));
        assert_eq!(r.m[1], vec![0.7, 0.3]);
    }

    #[test]
    fn calibration_holds_inside_the_labelled_weights_only() {
        let c = Calibration {
            slope: 0.5,
            intercept: 1.0,
            low: Some(0.0),
            high: Some(6.0),
            labelled_pairs: 9,
        };
        assert!((c.apply(2.0) - 2.0).abs() < 1e-12);
        // Beyond the labelled range the weight keeps its slope, from the recalibrated ends.
        assert!((c.apply(30.0) - (4.0 + 24.0)).abs() < 1e-12);
        assert!((c.apply(-10.0) - (1.0 - 10.0)).abs() < 1e-12);
        let ws: Vec<f64> = (-40..40).map(f64::from).collect();
        assert!(ws.windows(2).all(|w| c.apply(w[0]) < c.apply(w[1])), "monotone");
        let open = Calibration { low: None, high: None, ..c };
        assert!((open.apply(30.0) - 16.0).abs() < 1e-12);
    }

    #[test]
    fn model_json_round_trip_and_validation() {
        let model = Model {
            calibration: None,
            prior: 1e-4,
            fields: vec![Field {
                name: "dob".into(),
                levels: vec![
                    Level {
                        label: "exact".into(),
                        m: 0.9,
                        u: 0.001,
                        tf_adjust: false,
                        u_same_house: Some(0.05),
                        u_same_ward: None,
                    },
                    Level {
                        label: "different".into(),
                        m: 0.1,
                        u: 0.999,
                        tf_adjust: false,
                        u_same_house: Some(0.95),
                        u_same_ward: None,
                    },
                ],
            }],
            tf_adjustment_weight: 1.0,
            training: serde_json::Value::Null,
        };
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.json");
        model.write(&p).unwrap();
        assert_eq!(Model::read(&p).unwrap(), model);
        let w = model.weight(Pattern::from_levels(&[1]));
        assert!((w - (model.prior_weight() + (0.9f64 / 0.001).log2())).abs() < 1e-9);

        let mut bad = model.clone();
        bad.fields[0].levels[0].u = 0.0;
        let err = bad.validate(&p).unwrap_err().to_string();
        assert!(err.contains("model.json") && err.contains("exact"), "{err}");
    }
}
