//! Every compared pair's match weight, counted in bins: the score distribution of a run, and
//! from it the precision and recall at any threshold, *estimated from the model alone*.
//!
//! A calibrated model's match probability is the chance that a pair with that score matches,
//! so over the pairs at or above a threshold `t`, the expected number of matches is the sum of
//! their probabilities: estimated precision at `t` is that sum over the count, and estimated
//! recall is that sum over the sum for every compared pair (the matches the run could find; the
//! pairs no blocking rule brought together are not counted, so recall is that of the compared
//! pairs). With a truth (each record's entity) the same bins also count the true pairs, and
//! the curve is exact.
//!
//! Counting is order-free (integers, added per thread and flushed at the end of each rayon job),
//! so the histogram is the same for any thread count.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::model::probability;

/// Width of a bin, in bits of match weight.
pub const BIN_WIDTH: f64 = 0.125;
/// Lower edge of the first bin; weights below it count in the first bin.
const LOWEST: f64 = -64.0;
/// Number of bins; weights above the last bin's edge count in the last one.
const BINS: usize = 1024;

#[inline]
fn bin_of(weight: f32) -> usize {
    // `as` saturates (NaN gives 0) and truncates, which is the floor for what is not clamped.
    let b = ((weight - LOWEST as f32) * (1.0 / BIN_WIDTH as f32)) as isize;
    (b.max(0) as usize).min(BINS - 1)
}

fn lower_edge(bin: usize) -> f64 {
    LOWEST + bin as f64 * BIN_WIDTH
}

/// The run-wide counts, shared by the scoring threads.
pub(crate) struct SharedCounts {
    pairs: Vec<AtomicU64>,
    matches: Vec<AtomicU64>,
    judged: bool,
}

impl SharedCounts {
    /// Empty counts; `judged`: true pairs are counted too (a truth was given).
    pub(crate) fn new(judged: bool) -> Self {
        let zeros = || (0..BINS).map(|_| AtomicU64::new(0)).collect();
        SharedCounts { pairs: zeros(), matches: zeros(), judged }
    }

    /// A thread's counts, flushed into these when dropped.
    pub(crate) fn local(&self) -> LocalCounts<'_> {
        LocalCounts { shared: self, pairs: Vec::new(), matches: Vec::new() }
    }

    /// The matches expected among the pairs counted so far (every thread's counts flushed).
    pub(crate) fn expected_so_far(&self) -> f64 {
        self.pairs
            .iter()
            .enumerate()
            .map(|(b, p)| {
                p.load(Ordering::Relaxed) as f64 * probability(lower_edge(b) + BIN_WIDTH / 2.0)
            })
            .sum()
    }

    /// The histogram, with `true_pairs` the number of true pairs in the whole input when judged.
    pub(crate) fn finish(self, true_pairs: Option<u64>) -> ScoreHistogram {
        let mut bins = Vec::new();
        for (b, (p, m)) in self.pairs.into_iter().zip(self.matches).enumerate() {
            let (pairs, matches) = (p.into_inner(), m.into_inner());
            if pairs > 0 {
                bins.push(Bin {
                    weight: lower_edge(b),
                    pairs,
                    true_pairs: self.judged.then_some(matches),
                });
            }
        }
        ScoreHistogram {
            bin_width: BIN_WIDTH,
            bins,
            true_pairs: true_pairs.filter(|_| self.judged),
        }
    }
}

/// One scoring thread's counts (allocated at the first pair), added to the shared counts when
/// dropped.
pub(crate) struct LocalCounts<'a> {
    shared: &'a SharedCounts,
    pairs: Vec<u64>,
    matches: Vec<u64>,
}

impl LocalCounts<'_> {
    /// Counts `n` pairs of weight `weight`, `matches` of them true.
    #[inline]
    pub(crate) fn add(&mut self, weight: f32, n: u64, matches: u64) {
        if self.pairs.is_empty() {
            self.pairs = vec![0; BINS];
            self.matches = vec![0; BINS];
        }
        let b = bin_of(weight);
        if let Some(p) = self.pairs.get_mut(b) {
            *p += n;
        }
        if matches > 0
            && let Some(m) = self.matches.get_mut(b)
        {
            *m += matches;
        }
    }
}

impl Drop for LocalCounts<'_> {
    fn drop(&mut self) {
        for (b, (&p, &m)) in self.pairs.iter().zip(&self.matches).enumerate() {
            if p > 0 {
                self.shared.pairs[b].fetch_add(p, Ordering::Relaxed);
                self.shared.matches[b].fetch_add(m, Ordering::Relaxed);
            }
        }
    }
}

/// One bin of the score distribution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower edge of the bin's match weights (the first bin also holds every lower weight,
    /// the last every higher one).
    pub weight: f64,
    /// Pairs compared with a weight in the bin.
    pub pairs: u64,
    /// Of those, the pairs of one entity (with a truth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub true_pairs: Option<u64>,
}

/// The match weights of every compared pair, in bins of [`BIN_WIDTH`] bits (empty bins left
/// out), in ascending weight.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreHistogram {
    /// Width of a bin, in bits.
    pub bin_width: f64,
    /// The non-empty bins, lowest weight first.
    pub bins: Vec<Bin>,
    /// With a truth: the true pairs in the whole input, compared or not (recall's denominator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub true_pairs: Option<u64>,
}

/// Precision and recall of the rule "a pair matches when its weight is at least `weight`".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// The threshold, as a match weight (a bin's lower edge).
    pub weight: f64,
    /// The same threshold as a match probability.
    pub probability: f64,
    /// Pairs at or above it.
    pub pairs: u64,
    /// Precision estimated from the model alone.
    pub estimated_precision: f64,
    /// Recall among the compared pairs, estimated from the model alone.
    pub estimated_recall: f64,
    /// Precision on the truth, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Recall on the truth (of every true pair, compared or not), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<f64>,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 1.0 }
}

impl ScoreHistogram {
    /// Pairs compared.
    pub fn pairs(&self) -> u64 {
        self.bins.iter().map(|b| b.pairs).sum()
    }

    /// The matches the model expects among the compared pairs: the sum of their probabilities
    /// (each bin's pairs at the probability of its middle).
    pub fn expected_matches(&self) -> f64 {
        self.bins.iter().map(|b| b.pairs as f64 * self.middle_probability(b)).sum()
    }

    fn middle_probability(&self, b: &Bin) -> f64 {
        probability(b.weight + self.bin_width / 2.0)
    }

    /// The curve at every bin edge, highest threshold first.
    pub fn curve(&self) -> Vec<CurvePoint> {
        let expected = self.expected_matches();
        let (mut pairs, mut sum_p, mut tp) = (0u64, 0.0f64, 0u64);
        let mut out = Vec::with_capacity(self.bins.len());
        for b in self.bins.iter().rev() {
            pairs += b.pairs;
            sum_p += b.pairs as f64 * self.middle_probability(b);
            tp += b.true_pairs.unwrap_or(0);
            let judged = b.true_pairs.is_some();
            out.push(CurvePoint {
                weight: b.weight,
                probability: probability(b.weight),
                pairs,
                estimated_precision: ratio(sum_p, pairs as f64),
                estimated_recall: ratio(sum_p, expected),
                precision: judged.then(|| ratio(tp as f64, pairs as f64)),
                recall: judged.then(|| ratio(tp as f64, self.true_pairs.unwrap_or(0) as f64)),
            });
        }
        out
    }

    /// The curve's point at a threshold weight: the pairs of the bins whose lower edge is at
    /// or above `weight` (the first bin edge at or above it; a threshold between two edges
    /// leaves out the pairs above it in the bin it falls in, at most [`BIN_WIDTH`] below).
    pub fn at(&self, weight: f64) -> Option<CurvePoint> {
        point_at(&self.curve(), weight)
    }
}

/// [`ScoreHistogram::at`] on a curve already drawn ([`ScoreHistogram::curve`]).
pub fn point_at(curve: &[CurvePoint], weight: f64) -> Option<CurvePoint> {
    let edge = ((weight - LOWEST) / BIN_WIDTH).ceil() * BIN_WIDTH + LOWEST;
    curve.iter().take_while(|p| p.weight >= edge - 1e-9).last().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_the_same_however_they_are_split() {
        let weights: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37) % 60.0 - 30.0).collect();
        let hist = |chunk: usize| {
            let shared = SharedCounts::new(true);
            for part in weights.chunks(chunk) {
                let mut local = shared.local();
                for &w in part {
                    local.add(w, 1, u64::from(w > 0.0));
                }
            }
            shared.finish(Some(600))
        };
        let one = hist(1000);
        assert_eq!(one, hist(7));
        assert_eq!(one.pairs(), 1000);
        let top = &one.curve()[0];
        assert_eq!(top.precision, Some(1.0));
        let all = one.curve().last().cloned().unwrap();
        assert_eq!(all.pairs, 1000);
        assert!((all.estimated_recall - 1.0).abs() < 1e-12);
        // 1000 pairs, the positive-weight ones true, of 600 in the truth.
        let positive = weights.iter().filter(|&&w| w > 0.0).count() as f64;
        assert!((all.recall.unwrap() - positive / 600.0).abs() < 1e-12);
    }

    #[test]
    fn a_calibrated_distribution_is_estimated_exactly() {
        // Bins whose true share equals their probability: the estimate is the truth.
        let shared = SharedCounts::new(true);
        let mut local = shared.local();
        for w in [-10.0f32, -2.0, 0.0, 3.0, 12.0] {
            let p = probability(f64::from(w) + BIN_WIDTH / 2.0);
            local.add(w, 1_000_000, (p * 1e6).round() as u64);
        }
        drop(local);
        let h = shared.finish(None);
        let h = ScoreHistogram {
            true_pairs: Some(h.bins.iter().map(|b| b.true_pairs.unwrap()).sum()),
            ..h
        };
        for p in h.curve() {
            assert!((p.estimated_precision - p.precision.unwrap()).abs() < 1e-6, "{p:?}");
            assert!((p.estimated_recall - p.recall.unwrap()).abs() < 1e-6, "{p:?}");
        }
        let at = h.at(2.5).unwrap();
        assert_eq!(at.pairs, 2_000_000);
        assert!(h.at(100.0).is_none());
        assert_eq!(bin_of(-1e9), 0);
        assert_eq!(bin_of(1e9), BINS - 1);
        assert_eq!(bin_of(f32::NAN), 0);
    }
}
