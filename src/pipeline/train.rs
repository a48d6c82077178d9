//! Training a Fellegi–Sunter model on the records themselves.
//!
//! 1. **u** — the level frequencies of `u_pairs` random pairs (a seeded generator: the same
//!    records and seed give the same model).
//! 2. **m** — expectation–maximisation on the comparison patterns of blocked pairs, with u fixed,
//!    once per training rule; a rule's own fields are left out (its blocks force them to agree,
//!    so they say nothing of m), and each field's m is the mean over the rules that estimated it.
//!    Pairs are sampled by a hash of the pair when a rule has more than `em_pairs_per_rule`, and
//!    each pair weighs `1/(n − 1)` of its block of `n` records: a block of many namesakes (the
//!    "Nguyễn Văn Hùng" problem) then counts like its records, not like its `n²/2` pairs, and
//!    does not teach EM that namesakes are matches.
//! 3. **prior** — the pairs the deterministic rule accepts (same national id) divided by its
//!    recall, which the trained m gives (`m[id][exact]`), over the number of possible pairs.
//!    Without ids the rule is "same ASCII name and full date of birth", recall `m_name·m_dob`.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::block::{Blocker, Blocking, KeyPart, Rule, mix};
use crate::compare::{self, Records, Scratch};
use crate::model::{Field, Level, Model, Pattern, em, u_from_counts};
use crate::pipeline::tf::TermFrequencies;

/// Training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Random pairs sampled for u (at least 10^6 by default).
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
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            u_pairs: 2_000_000,
            seed: 42,
            em_pairs_per_rule: 3_000_000,
            em_max_iterations: 100,
            em_tolerance: 1e-5,
            max_block: 100,
        }
    }
}

/// The training rules and the fields each leaves out.
fn training_rules() -> Vec<(Rule, Vec<usize>)> {
    use KeyPart::{BirthYear, Dob, FamilyClass, GivenPhonetic, ProvinceNew};
    vec![
        (Rule::new(&[Dob], &[ProvinceNew]), vec![compare::DOB]),
        (Rule::new(&[FamilyClass, GivenPhonetic], &[BirthYear, ProvinceNew]), vec![compare::NAME]),
    ]
}

/// Initial m: most of the mass on the strongest level, decreasing after it.
fn initial_m(levels: &[&[&str]]) -> Vec<Vec<f64>> {
    levels
        .iter()
        .map(|levels| {
            let n = levels.len();
            let raw: Vec<f64> =
                (0..n).map(|i| if i == 0 { 0.7 } else { 0.3 / (n - 1) as f64 }).collect();
            let s: f64 = raw.iter().sum();
            raw.iter().map(|x| x / s).collect()
        })
        .collect()
}

/// Splitmix64 step, the seeded generator of the random pairs.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    mix(*state)
}

/// The weight of a pair in a block of two, in the integer units of EM's pattern counts.
const PAIR_WEIGHT: u64 = 1 << 20;

/// Random pairs drawn per parallel task.
const CHUNK: u64 = 1 << 16;

/// Level counts per field over random pairs.
fn random_pair_counts<R: Records>(
    records: &R,
    link_split: Option<u32>,
    opts: &TrainOptions,
) -> Vec<Vec<u64>> {
    let n = records.len() as u64;
    let (left, right) = match link_split {
        Some(s) => (u64::from(s), n - u64::from(s)),
        None => (n, n),
    };
    let levels = compare::field_levels(records);
    let empty = || levels.iter().map(|l| vec![0u64; l.len() + 1]).collect::<Vec<_>>();
    if left == 0 || right == 0 || (link_split.is_none() && n < 2) {
        return empty();
    }
    let chunks = opts.u_pairs.div_ceil(CHUNK);
    (0..chunks)
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
        })
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
) -> (Vec<(Pattern, f64, u64)>, u64) {
    let cfg = Blocking { rules: vec![rule.clone()], max_block: opts.max_block };
    let mut blocker = Blocker::new(&cfg, records, link_split);
    let Some((groups, mut stats)) = blocker.next_rule() else { return (Vec::new(), 0) };
    blocker.count_pairs(&groups, &mut stats);
    // Keep a pair when its hash falls under the sampling rate.
    let rate = if stats.pairs > opts.em_pairs_per_rule {
        opts.em_pairs_per_rule as f64 / stats.pairs as f64
    } else {
        1.0
    };
    let cut = (rate * u64::MAX as f64) as u64;
    let counts = groups
        .par_iter()
        .fold(
            || (FxHashMap::<(Pattern, i32), u64>::default(), Scratch::new()),
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
                    if rate < 1.0 && mix((u64::from(a) << 32) | u64::from(b)) > cut {
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
                        (tf.adjustment(p.level(compare::NAME), fa, fb) * 4.0).round() as i32
                    });
                    *counts.entry((p, bin)).or_default() += weight;
                });
                (counts, scratch)
            },
        )
        .map(|(c, _)| c)
        .reduce(FxHashMap::default, |mut x, y| {
            for (k, v) in y {
                *x.entry(k).or_default() += v;
            }
            x
        });
    let mut v: Vec<((Pattern, i32), u64)> = counts.into_iter().collect();
    v.sort_unstable();
    let sampled = if rate < 1.0 { opts.em_pairs_per_rule } else { stats.pairs };
    (v.into_iter().map(|((p, bin), c)| (p, f64::from(bin) / 4.0, c)).collect(), sampled)
}

/// Trains a model on `records` (`link_split`: see [`Blocker::new`]).
pub fn train<R: Records>(records: &R, link_split: Option<u32>, opts: &TrainOptions) -> Model {
    let counts = random_pair_counts(records, link_split, opts);
    let u: Vec<Vec<f64>> = counts.iter().map(|c| u_from_counts(c)).collect();
    let levels = compare::field_levels(records);
    let names = compare::field_names(records);
    let nf = levels.len();
    let m_init = initial_m(&levels);
    let mut m_sum: Vec<Vec<f64>> = m_init.iter().map(|l| vec![0.0; l.len()]).collect();
    let mut m_n = vec![0usize; nf];
    let mut runs = Vec::new();
    let tf = TermFrequencies::new(records);
    for (rule, skip) in training_rules() {
        let estimate: Vec<bool> = (0..nf).map(|f| !skip.contains(&f)).collect();
        // The name's term frequency enters EM only where the name is estimated.
        let tf_here = estimate[compare::NAME].then_some(&tf);
        let (patterns, pairs) = rule_patterns(records, link_split, &rule, opts, tf_here);
        let r =
            em(&patterns, &estimate, &m_init, &u, 0.1, opts.em_max_iterations, opts.em_tolerance);
        if pairs > 0 {
            for f in (0..nf).filter(|&f| estimate[f]) {
                for (s, v) in m_sum[f].iter_mut().zip(&r.m[f]) {
                    *s += v;
                }
                m_n[f] += 1;
            }
        }
        runs.push(serde_json::json!({
            "rule": rule.name,
            "pairs": pairs,
            "patterns": patterns.len(),
            "iterations": r.iterations,
            "converged": r.converged,
            "match_share": r.lambda,
        }));
    }
    let m: Vec<Vec<f64>> = (0..nf)
        .map(|f| {
            if m_n[f] == 0 {
                m_init[f].clone()
            } else {
                m_sum[f].iter().map(|s| s / m_n[f] as f64).collect()
            }
        })
        .collect();

    // Prior from the deterministic rule (same national id) and its recall under the trained m;
    // without ids, from "same ASCII name and full date of birth".
    let n = records.len() as f64;
    let total_pairs = match link_split {
        Some(s) => f64::from(s) * (n - f64::from(s)),
        None => n * (n - 1.0) / 2.0,
    };
    let m_id = m[compare::ID][0];
    let m_name = m[compare::NAME][0] + m[compare::NAME][1];
    let m_dob = m[compare::DOB][0];
    let by_id = deterministic_pairs(records, link_split, &[KeyPart::NationalId]);
    let (det, recall, rule) = if by_id > 0 && m_id > 0.05 {
        (by_id, m_id, "national_id")
    } else {
        let by_name = deterministic_pairs(records, link_split, &[KeyPart::NameAscii, KeyPart::Dob]);
        (by_name, (m_name * m_dob).max(0.05), "name_ascii+dob")
    };
    let prior = if total_pairs > 0.0 {
        ((det as f64 / recall) / total_pairs).clamp(1e-12, 0.5)
    } else {
        0.5
    };

    let fields = (0..nf)
        .map(|f| Field {
            name: names[f].clone(),
            levels: levels[f]
                .iter()
                .enumerate()
                .map(|(i, label)| Level {
                    label: (*label).into(),
                    m: m[f][i],
                    u: u[f][i],
                    tf_adjust: f == compare::NAME && i < crate::pipeline::tf::TF_LEVELS,
                })
                .collect(),
        })
        .collect();
    Model {
        prior,
        fields,
        tf_adjustment_weight: 1.0,
        training: serde_json::json!({
            "records": records.len(),
            "link": link_split.is_some(),
            "u_random_pairs": opts.u_pairs,
            "seed": opts.seed,
            "em": runs,
            "deterministic_rule": rule,
            "deterministic_pairs": det,
            "deterministic_recall": recall,
        }),
    }
}

/// Pairs that agree on every part of a deterministic rule.
fn deterministic_pairs<R: Records>(records: &R, link_split: Option<u32>, parts: &[KeyPart]) -> u64 {
    let cfg = Blocking { rules: vec![Rule::new(parts, &[])], max_block: 10_000 };
    let mut blocker = Blocker::new(&cfg, records, link_split);
    blocker.next_rule().map_or(0, |(groups, mut stats)| {
        blocker.count_pairs(&groups, &mut stats);
        stats.pairs
    })
}
