//! Term frequencies of names, shared by training and scoring.
//!
//! Two names agreeing says more when the name is rare. For a pair whose name level is one of the
//! agreeing levels (exact … one typo), the adjustment added to the level's weight is
//! `log2(ū / tf)`, where `tf` is the share of records bearing the more frequent of the two names
//! and `ū` the probability that two random records share a name: a name as common as the average
//! one is not adjusted, "Nguyễn Văn Hùng" weighs less and a rare name more. The exact levels use
//! the full ASCII name; the looser ones (classes equal up to a dropped middle name, one typo) use
//! the family class and given class together.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::compare::{self, Features, Records};

/// Name levels `1..=TF_LEVELS` (exact to one typo) are term-frequency adjusted.
pub const TF_LEVELS: usize = compare::name_level::ONE_TYPO as usize;

/// The key of a name's family and given classes, 0 when either is missing.
pub fn name_key(f: &Features) -> u64 {
    if f.family_class == 0 || f.given_class == 0 {
        0
    } else {
        (u64::from(f.family_class) << 32) | u64::from(f.given_class)
    }
}

/// Name frequencies of a set of records.
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    /// Full ASCII name hash → records bearing it.
    name_counts: FxHashMap<u64, u32>,
    /// Family + given class key → records bearing it.
    key_counts: FxHashMap<u64, u32>,
    /// Per record of the counted set: (full-name count, class-key count).
    per_record: Vec<(u32, u32)>,
    /// `log2(ū · n)` for full names and for class keys, where `ū` is the probability that two
    /// random records share one and `n` the number of records: the adjustment is one of them
    /// minus `log2(count)`.
    log_base: (f64, f64),
    /// `log2(c)` for the small counts that nearly every pair has (one `log2` call fewer per pair
    /// in the scoring loop).
    log2_small: Vec<f64>,
}

/// Counts below this have their `log2` in a table.
const LOG_TABLE: u32 = 4096;

fn count_by<R: Records>(records: &R, key: fn(&Features) -> u64) -> FxHashMap<u64, u32> {
    (0..records.len() as u32)
        .into_par_iter()
        .fold(FxHashMap::default, |mut m: FxHashMap<u64, u32>, i| {
            let h = key(records.features(i));
            if h != 0 {
                *m.entry(h).or_default() += 1;
            }
            m
        })
        .reduce(FxHashMap::default, |mut x, y| {
            for (k, v) in y {
                *x.entry(k).or_default() += v;
            }
            x
        })
}

impl TermFrequencies {
    /// Counts the names of `records`.
    pub fn new<R: Records>(records: &R) -> Self {
        let name_counts = count_by(records, |f| f.name_ascii);
        let key_counts = count_by(records, name_key);
        let n = records.len().max(2) as f64;
        let agree = |counts: &FxHashMap<u64, u32>| {
            let same: f64 = counts.values().map(|&c| f64::from(c) * f64::from(c.max(1) - 1)).sum();
            (same / (n * (n - 1.0))).max(1.0 / (n * n))
        };
        let (name_agree, key_agree) = (agree(&name_counts), agree(&key_counts));
        let mut tf = TermFrequencies {
            name_counts,
            key_counts,
            per_record: Vec::new(),
            log_base: ((name_agree * n).log2(), (key_agree * n).log2()),
            log2_small: (0..LOG_TABLE).map(|c| f64::from(c).log2()).collect(),
        };
        tf.per_record = (0..records.len() as u32)
            .into_par_iter()
            .map(|i| tf.counts_for(records.features(i)))
            .collect();
        tf
    }

    /// The (full-name, class-key) counts of any record, by its features (1 when unseen).
    pub fn counts_for(&self, f: &Features) -> (u32, u32) {
        let get = |m: &FxHashMap<u64, u32>, h: u64| m.get(&h).copied().unwrap_or(1).max(1);
        (get(&self.name_counts, f.name_ascii), get(&self.key_counts, name_key(f)))
    }

    /// The counts of record `i` of the counted set.
    #[inline]
    pub fn counts_of(&self, i: u32) -> (u32, u32) {
        self.per_record[i as usize]
    }

    /// The adjustment (in bits) of name level `level` for a pair; 0 for levels not adjusted.
    pub fn adjustment(&self, level: usize, fa: &Features, fb: &Features) -> f64 {
        self.adjustment_counts(level, self.counts_for(fa), self.counts_for(fb))
    }

    /// [`adjustment`](Self::adjustment) from the pair's counts ([`counts_of`](Self::counts_of)
    /// or [`counts_for`](Self::counts_for)).
    #[inline]
    pub fn adjustment_counts(&self, level: usize, a: (u32, u32), b: (u32, u32)) -> f64 {
        if level == 0 || level > TF_LEVELS {
            return 0.0;
        }
        let (base, c) = if level <= usize::from(compare::name_level::SAME_TOKENS) {
            (self.log_base.0, a.0.max(b.0))
        } else {
            (self.log_base.1, a.1.max(b.1))
        };
        let log_c = match self.log2_small.get(c as usize) {
            Some(&l) => l,
            None => f64::from(c).log2(),
        };
        base - log_c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names_weigh_less_than_rare_ones() {
        let f = |name_ascii, family_class, given_class| Features {
            name_ascii,
            family_class,
            given_class,
            ..Features::default()
        };
        // 90 records share name 1, ten records have unique names.
        let mut v: Vec<Features> = (0..90).map(|_| f(1, 7, 8)).collect();
        v.extend((0..10).map(|i| f(100 + i, 7, 20 + i as u32)));
        let recs = (v, vec![String::new(); 100]);
        let tf = TermFrequencies::new(&recs);
        let common = tf.adjustment(1, &recs.0[0], &recs.0[1]);
        let rare = tf.adjustment(1, &recs.0[90], &recs.0[90]);
        assert!(common < 0.0 && rare > 0.0, "{common} {rare}");
        let different =
            tf.adjustment(compare::name_level::DIFFERENT as usize, &recs.0[0], &recs.0[1]);
        assert!(different.abs() < f64::EPSILON);
    }
}
