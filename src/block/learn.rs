//! Learned blocking: rules chosen from the data.
//!
//! The built-in rules know Vietnamese registers (a CCCD, a phone, a ward and a house, the
//! family-name classes); a file of another shape — an English form with a social-security
//! number and a postcode, a register without ids — needs other keys. [`learn`] adds them:
//!
//! 1. **Candidates.** Every key a record can be blocked on that is filled in at least
//!    [`MIN_FILL`] of the records (the fixed [`KeyPart`]s and the input's extra fields), alone
//!    and in pairs from different families (a date and a name part, a postcode and a given
//!    name…), without `split_by`.
//! 2. **Exact pair counts.** Each candidate's blocks are formed by sorting its keys, as in
//!    matching; its pairs are counted exactly (on a sample of [`LearnOptions::sample`] records
//!    when the input is larger, scaled by the inverse square of the sampling rate), and the
//!    blocks larger than `max_block` are left out (matching skips them).
//! 3. **Reference pairs without labels.** The pairs of the affordable candidates and of the
//!    given rules that touch an *anchor* (a fixed hash-chosen subset of the sample) form a pool;
//!    the caller judges them (the run's model: a pair more likely a match than not; or a truth
//!    file), and the pairs judged matches are the reference. A rule's estimated recall is the
//!    share of the reference it produces (exact copies always count as found: matching compares
//!    them apart).
//! 4. **Greedy pick.** Starting from the given rules, the candidate that finds the most new
//!    reference pairs per pair it costs (at least [`MIN_GAIN`]) is added, while the estimated
//!    recall is below [`LearnOptions::target_recall`] and the pairs stay within
//!    [`LearnOptions::pairs_per_record`] × records. With fewer than [`MIN_REFERENCE`]
//!    reference pairs nothing is added: the estimate is too uncertain.
//!
//! The reference holds only pairs that some candidate can find and that the judge accepts, so
//! the estimate is an upper bound of the true recall (hence the default target of 0.999: on the
//! pseudopeople census, 0.995 estimated was 0.991 true); `vnlink blocks --truth` measures it. A
//! sample keeps pairs at the square of its rate: from a few million records on, the reference
//! may hold fewer than [`MIN_REFERENCE`] pairs, and the given rules are then kept as they are
//! (the report says so). The cost does not grow with the input beyond the sample: about 0.6 s
//! at a million records on two cores.
//! Everything is a pure function of the records, the options and the judge's answers: the
//! sample and the anchors are chosen by hashing record indices.

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::block::{Blocker, Blocking, KeyPart, Rule};
use crate::compare::{Features, Records};
use crate::error::{Error, Result};
use crate::schema::{ExtraField, MAX_EXTRA};
use crate::util::hash::mix;

/// Share of records a key must be filled in to become a candidate.
pub const MIN_FILL: f64 = 0.3;

/// Fewest reference pairs to learn from: below, a recall estimate is too uncertain to act on
/// (one pair of 50 is 2 %), and the given rules are kept as they are.
pub const MIN_REFERENCE: u64 = 100;

/// Fewest new reference pairs a rule must find to be added (one pair can be the model's
/// mistake as well as a missed match).
pub const MIN_GAIN: u64 = 2;

/// Learned-blocking settings (`[blocking.learn]` in a configuration file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearnOptions {
    /// Whether rules are learned. Left out: learned when the run picks its own rules (no
    /// `blocking.rules` in the configuration file), not when the file lists them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Estimated recall to reach.
    pub target_recall: f64,
    /// Pair budget, per record.
    pub pairs_per_record: f64,
    /// Records the candidates are counted on (a hash-chosen sample of larger inputs).
    pub sample: usize,
    /// Records of the sample whose candidate pairs are judged.
    pub anchors: usize,
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            enabled: None,
            target_recall: 0.999,
            pairs_per_record: 50.0,
            sample: 50_000,
            anchors: 20_000,
        }
    }
}

impl LearnOptions {
    /// Whether these are the defaults (left out of serialised configurations).
    pub fn is_default(&self) -> bool {
        *self == LearnOptions::default()
    }

    /// Whether rules are learned: `enabled`, or by default.
    pub fn on(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, reason: &str| {
            Err(Error::Config {
                path: None,
                key: format!("blocking.learn.{key}"),
                reason: reason.to_owned(),
            })
        };
        if !(self.target_recall > 0.0 && self.target_recall <= 1.0) {
            return bad("target_recall", "must be in (0, 1]");
        }
        if !(self.pairs_per_record.is_finite() && self.pairs_per_record > 0.0) {
            return bad("pairs_per_record", "must be a positive number");
        }
        if self.sample < 2 {
            return bad("sample", "must be at least 2");
        }
        if self.anchors == 0 {
            return bad("anchors", "must be positive");
        }
        Ok(())
    }
}

/// A rule the learner added.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnedRule {
    /// The rule's name.
    pub rule: String,
    /// Its pairs, estimated for the whole input (before the earlier rules take theirs).
    pub estimated_pairs: u64,
    /// Reference pairs it finds that the earlier rules did not.
    pub new_reference_pairs: u64,
    /// Estimated recall of the rules up to this one.
    pub cumulative_recall: f64,
}

/// What the learner saw and chose.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LearnReport {
    /// Records the candidates were counted on.
    pub records_sampled: u64,
    /// Records whose pairs were judged.
    pub anchors: u64,
    /// Candidate rules.
    pub candidates: u64,
    /// Pairs judged.
    pub pairs_judged: u64,
    /// Pairs judged matches: the reference.
    pub reference_pairs: u64,
    /// The pair budget.
    pub budget_pairs: u64,
    /// Estimated recall of the given rules.
    pub given_recall: Option<f64>,
    /// Estimated pairs of the given rules.
    pub given_pairs: u64,
    /// The rules added, in order.
    pub added: Vec<LearnedRule>,
    /// Estimated recall of all the rules.
    pub estimated_recall: Option<f64>,
    /// Estimated pairs of all the rules.
    pub estimated_pairs: u64,
    /// Whether the target was reached.
    pub reached: bool,
}

/// The learned blocking and how it was chosen.
#[derive(Clone, Debug)]
pub struct Learned {
    /// The given rules followed by the added ones.
    pub blocking: Blocking,
    /// How they were chosen.
    pub report: LearnReport,
}

/// Some records of a larger set, by index (ascending), as [`Records`].
struct Subset<'a, R: Records> {
    inner: &'a R,
    ids: Vec<u32>,
}

impl<R: Records> Records for Subset<'_, R> {
    fn len(&self) -> usize {
        self.ids.len()
    }
    fn features(&self, i: u32) -> &Features {
        self.inner.features(self.ids[i as usize])
    }
    fn name_ascii(&self, i: u32) -> &str {
        self.inner.name_ascii(self.ids[i as usize])
    }
    fn extra_hashes(&self, i: u32) -> &[u64; MAX_EXTRA] {
        self.inner.extra_hashes(self.ids[i as usize])
    }
    fn extra_text(&self, i: u32, j: usize) -> &str {
        self.inner.extra_text(self.ids[i as usize], j)
    }
    fn extra_fields(&self) -> &[ExtraField] {
        self.inner.extra_fields()
    }
}

/// The fixed keys a learned rule can use.
const KEY_ATOMS: [KeyPart; 16] = [
    KeyPart::NationalId,
    KeyPart::Phone,
    KeyPart::Dob,
    KeyPart::BirthYear,
    KeyPart::NameAscii,
    KeyPart::NameSorted,
    KeyPart::NamePhonetic,
    KeyPart::FamilyClass,
    KeyPart::GivenClass,
    KeyPart::GivenPhonetic,
    KeyPart::MiddleCore,
    KeyPart::ProvinceNew,
    KeyPart::WardNew,
    KeyPart::Street,
    KeyPart::House,
    KeyPart::Sex,
];

/// A key's family: two keys of one family (a date and its year, two forms of the whole name, a
/// whole name and one of its parts) make no pair.
fn family(a: &Atom) -> u8 {
    match a {
        Atom::Key(KeyPart::Dob | KeyPart::BirthYear) => 1,
        Atom::Key(
            KeyPart::NameAscii
            | KeyPart::NameSorted
            | KeyPart::NamePhonetic
            | KeyPart::Name
            | KeyPart::FamilyClass
            | KeyPart::GivenClass
            | KeyPart::GivenPhonetic
            | KeyPart::MiddleCore,
        ) => 2,
        Atom::Key(KeyPart::ProvinceNew | KeyPart::WardNew | KeyPart::WardOld) => 3,
        _ => 0,
    }
}

/// Whether two keys of the name family may pair: name parts may (a family class and a given
/// name), a whole name with anything of its family may not.
fn name_parts(a: &Atom, b: &Atom) -> bool {
    use KeyPart::{FamilyClass, GivenClass, GivenPhonetic, MiddleCore};
    let part =
        |x: &Atom| matches!(x, Atom::Key(FamilyClass | GivenClass | GivenPhonetic | MiddleCore));
    let given = |x: &Atom| matches!(x, Atom::Key(GivenClass | GivenPhonetic));
    part(a) && part(b) && !(given(a) && given(b))
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Atom {
    Key(KeyPart),
    Field(String),
}

fn rule_of(atoms: &[&Atom]) -> Rule {
    let keys: Vec<KeyPart> = atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Key(k) => Some(*k),
            Atom::Field(_) => None,
        })
        .collect();
    let fields: Vec<&str> = atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Field(f) => Some(f.as_str()),
            Atom::Key(_) => None,
        })
        .collect();
    if fields.is_empty() { Rule::new(&keys, &[]) } else { Rule::with_fields(&keys, &fields, &[]) }
}

/// A candidate after counting.
struct Counted {
    rule: Rule,
    idx: Vec<usize>,
    /// Pairs in the sample's blocks of at most the (scaled) largest block.
    pairs: u64,
    /// Keys of the blocks left out.
    oversized: FxHashSet<u64>,
    /// Anchor pairs (local indices, `a << 32 | b`, `a < b`) when the candidate is affordable.
    pool: Vec<u64>,
}

/// The sample's state shared by the passes.
struct Sample<'a, R: Records> {
    subset: Subset<'a, R>,
    split: Option<u32>,
    anchor: Vec<bool>,
    max_block: usize,
}

impl<R: Records> Sample<'_, R> {
    fn side(&self, i: u32) -> bool {
        self.split.is_some_and(|s| i >= s)
    }

    fn pairs_in(&self, members: &[u32]) -> u64 {
        let n = members.len() as u64;
        match self.split {
            None => n * n.saturating_sub(1) / 2,
            Some(s) => {
                let left = members.iter().filter(|&&m| m < s).count() as u64;
                left * (n - left)
            }
        }
    }

    /// Pushes the pairs of `members` that touch an anchor.
    fn anchor_pairs(&self, members: &[u32], out: &mut Vec<u64>) {
        for (x, &a) in members.iter().enumerate() {
            if !self.anchor[a as usize] {
                continue;
            }
            for (y, &b) in members.iter().enumerate() {
                // Each pair once: an anchor pair from its first anchor; a link's across only.
                let across = self.split.is_none() || self.side(a) != self.side(b);
                if x == y || !across || (self.anchor[b as usize] && y < x) {
                    continue;
                }
                let (lo, hi) = (a.min(b), a.max(b));
                out.push((u64::from(lo) << 32) | u64::from(hi));
            }
        }
    }

    fn key(&self, rule: &Rule, idx: &[usize], i: u32) -> u64 {
        rule.key_with(self.subset.features(i), self.subset.extra_hashes(i), idx)
    }

    /// Counts a candidate's pairs; collects its anchor pairs when it fits `budget` (pairs of
    /// the sample).
    fn count(&self, rule: Rule, budget: f64) -> Counted {
        let idx = rule.extra_indices(self.subset.extra_fields()).unwrap_or_default();
        let mut order: Vec<(u64, u32)> = (0..self.subset.len() as u32)
            .filter_map(|i| {
                let k = self.key(&rule, &idx, i);
                (k != 0).then_some((k, i))
            })
            .collect();
        order.sort_unstable();
        let mut c =
            Counted { rule, idx, pairs: 0, oversized: FxHashSet::default(), pool: Vec::new() };
        let mut members = Vec::new();
        let runs = || order.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() > 1);
        for run in runs() {
            members.clear();
            members.extend(run.iter().map(|&(_, i)| i));
            if members.len() > self.max_block {
                c.oversized.insert(run[0].0);
            } else {
                c.pairs += self.pairs_in(&members);
            }
        }
        if c.pairs as f64 <= budget {
            for run in runs().filter(|r| r.len() <= self.max_block) {
                members.clear();
                members.extend(run.iter().map(|&(_, i)| i));
                self.anchor_pairs(&members, &mut c.pool);
            }
        }
        c
    }
}

impl<'a, R: Records> Sample<'a, R> {
    /// The sample of `records` (all of them up to `opts.sample`) and its anchors.
    fn new(records: &'a R, link_split: Option<u32>, opts: &LearnOptions, max_block: usize) -> Self {
        let n = records.len();
        let rate = if n > opts.sample { opts.sample as f64 / n as f64 } else { 1.0 };
        let ids = hash_sample(0..n as u32, rate, SAMPLE_SEED);
        let anchor_rate =
            if ids.len() > opts.anchors { opts.anchors as f64 / ids.len() as f64 } else { 1.0 };
        let anchors = hash_sample(ids.iter().copied(), anchor_rate, ANCHOR_SEED);
        let anchor = ids.iter().map(|i| anchors.binary_search(i).is_ok()).collect();
        let split = link_split.map(|sp| ids.partition_point(|&i| i < sp) as u32);
        // A block of m records has about m × rate in the sample.
        let max_block = ((max_block as f64 * rate).round() as usize).max(2);
        Sample { subset: Subset { inner: records, ids }, split, anchor, max_block }
    }

    /// The rate the records were sampled at.
    fn rate(&self) -> f64 {
        self.subset.len() as f64 / self.subset.inner.len().max(1) as f64
    }
}

/// The indices of `from` whose hash falls under `rate` (all of them at rate 1), in order.
fn hash_sample(from: impl Iterator<Item = u32>, rate: f64, seed: u64) -> Vec<u32> {
    let cut = (rate * u64::MAX as f64) as u64;
    from.filter(|&i| rate >= 1.0 || mix(u64::from(i) ^ seed) <= cut).collect()
}

/// The reference pairs found so far and what each candidate would add.
struct Coverage {
    reference: u64,
    covered: Vec<u64>,
    by_candidate: Vec<Vec<u64>>,
}

impl Coverage {
    /// Marks the reference pairs the given rules find (through their effective keys in
    /// `blocker`, splits included) or that are exact copies, and each candidate's.
    fn of<R: Records>(
        sample: &Sample<'_, R>,
        blocker: &Blocker<'_, Subset<'_, R>>,
        counted: &[Counted],
        reference: &[(u32, u32)],
    ) -> Coverage {
        let words = reference.len().div_ceil(64);
        let mut covered = vec![0u64; words];
        let sub = &sample.subset;
        for (t, &(a, b)) in reference.iter().enumerate() {
            let same =
                sub.features(a) == sub.features(b) && sub.extra_hashes(a) == sub.extra_hashes(b);
            let found =
                blocker.done.iter().any(|k| k[a as usize] != 0 && k[a as usize] == k[b as usize]);
            if same || found {
                covered[t / 64] |= 1 << (t % 64);
            }
        }
        let by_candidate = counted
            .par_iter()
            .map(|c| {
                let mut bits = vec![0u64; words];
                for (t, &(a, b)) in reference.iter().enumerate() {
                    let k = sample.key(&c.rule, &c.idx, a);
                    if k != 0 && k == sample.key(&c.rule, &c.idx, b) && !c.oversized.contains(&k) {
                        bits[t / 64] |= 1 << (t % 64);
                    }
                }
                bits
            })
            .collect();
        Coverage { reference: reference.len() as u64, covered, by_candidate }
    }

    fn found(&self) -> u64 {
        self.covered.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    fn recall(&self) -> f64 {
        if self.reference == 0 { 1.0 } else { self.found() as f64 / self.reference as f64 }
    }

    /// Reference pairs candidate `j` finds that are not found yet.
    fn gain(&self, j: usize) -> u64 {
        let bits = &self.by_candidate[j];
        bits.iter().zip(&self.covered).map(|(c, d)| u64::from((c & !d).count_ones())).sum()
    }

    fn take(&mut self, j: usize) {
        for (d, c) in self.covered.iter_mut().zip(&self.by_candidate[j]) {
            *d |= c;
        }
    }
}

/// Learns blocking rules for `records` on top of `given` (see the module's documentation).
/// `judge` receives the pool of pairs (record indices, `a < b`; in a link `a` is from the
/// first source) and answers, for each, whether it is a match.
pub fn learn<R: Records>(
    records: &R,
    link_split: Option<u32>,
    given: &Blocking,
    opts: &LearnOptions,
    judge: impl FnOnce(&[(u32, u32)]) -> Vec<bool>,
) -> Learned {
    let sample = Sample::new(records, link_split, opts, given.max_block);
    let scale = 1.0 / (sample.rate() * sample.rate());
    let budget_pairs = opts.pairs_per_record * records.len() as f64;
    let mut report = LearnReport {
        records_sampled: sample.subset.len() as u64,
        anchors: sample.anchor.iter().filter(|&&a| a).count() as u64,
        budget_pairs: budget_pairs as u64,
        ..LearnReport::default()
    };

    // 1–2. Candidates, counted (in parallel, in a fixed order). Candidates up to twice the
    // budget are probed: the reference then also holds pairs that only a rule too costly to
    // take finds, and the estimate says so.
    let candidates = candidates(&sample, given);
    report.candidates = candidates.len() as u64;
    let probe_budget = PROBE_BUDGET * budget_pairs / scale;
    let counted: Vec<Counted> =
        candidates.into_par_iter().map(|r| sample.count(r, probe_budget)).collect();

    // The given rules as matching runs them (splits included), on the sample.
    let given_scaled = Blocking::with_rules(given.rules.clone(), sample.max_block);
    let mut blocker = Blocker::new(&given_scaled, &sample.subset, sample.split);
    let mut pool = Vec::new();
    let mut given_sample_pairs = 0u64;
    while let Some((groups, mut stats)) = blocker.next_rule() {
        blocker.count_pairs(&groups, &mut stats);
        given_sample_pairs += stats.pairs;
        for g in &groups {
            sample.anchor_pairs(g, &mut pool);
        }
    }
    report.given_pairs = (given_sample_pairs as f64 * scale) as u64;

    // 3. The pool, judged.
    for c in &counted {
        pool.extend_from_slice(&c.pool);
    }
    pool.par_sort_unstable();
    pool.dedup();
    let ids = &sample.subset.ids;
    let global: Vec<(u32, u32)> =
        pool.iter().map(|&p| (ids[(p >> 32) as usize], ids[p as u32 as usize])).collect();
    report.pairs_judged = global.len() as u64;
    let verdicts = judge(&global);
    let reference: Vec<(u32, u32)> = pool
        .iter()
        .zip(verdicts.iter().chain(std::iter::repeat(&false)))
        .filter(|&(_, &v)| v)
        .map(|(&p, _)| ((p >> 32) as u32, p as u32))
        .collect();
    report.reference_pairs = reference.len() as u64;

    // 4. Coverage, and the greedy pick.
    let mut cover = Coverage::of(&sample, &blocker, &counted, &reference);
    let total = cover.reference;
    report.given_recall = (total > 0).then(|| cover.recall());
    let mut blocking = given.clone();
    let mut spent = report.given_pairs as f64;
    let mut taken = vec![false; counted.len()];
    while total >= MIN_REFERENCE && cover.recall() < opts.target_recall {
        // The best gain per pair, compared without dividing (a cost under 1 counts as 1).
        let best = (0..counted.len())
            .filter(|&j| !taken[j] && spent + counted[j].pairs as f64 * scale <= budget_pairs)
            .map(|j| (j, cover.gain(j), (counted[j].pairs as f64 * scale).max(1.0)))
            .filter(|&(_, gain, _)| gain >= MIN_GAIN)
            .reduce(|b, c| if c.1 as f64 * b.2 > b.1 as f64 * c.2 { c } else { b });
        let Some((j, gain, _)) = best else { break };
        let cost = counted[j].pairs as f64 * scale;
        taken[j] = true;
        spent += cost;
        cover.take(j);
        blocking.rules.push(counted[j].rule.clone());
        report.added.push(LearnedRule {
            rule: counted[j].rule.name.clone(),
            estimated_pairs: cost as u64,
            new_reference_pairs: gain,
            cumulative_recall: cover.recall(),
        });
    }
    report.estimated_recall = (total > 0).then(|| cover.recall());
    report.estimated_pairs = spent as u64;
    report.reached = cover.recall() >= opts.target_recall;
    Learned { blocking, report }
}

/// How many times the pair budget a candidate may cost and still add pairs to the pool.
const PROBE_BUDGET: f64 = 2.0;

const SAMPLE_SEED: u64 = 0x5eed_b10c_0000_0001;
const ANCHOR_SEED: u64 = 0x5eed_b10c_0000_0002;

/// The candidate rules: the keys filled in enough of the sample, alone and in pairs, leaving
/// out those the given rules already are.
fn candidates<R: Records>(sample: &Sample<'_, R>, given: &Blocking) -> Vec<Rule> {
    let sub = &sample.subset;
    let s = sub.len().max(1) as f64;
    let mut atoms: Vec<Atom> = Vec::new();
    for k in KEY_ATOMS {
        let filled = (0..sub.len() as u32).filter(|&i| k.value(sub.features(i)) != 0).count();
        if filled as f64 >= MIN_FILL * s {
            atoms.push(Atom::Key(k));
        }
    }
    for (j, e) in sub.extra_fields().iter().enumerate() {
        let filled = (0..sub.len() as u32).filter(|&i| sub.extra_hashes(i)[j] != 0).count();
        if filled as f64 >= MIN_FILL * s {
            atoms.push(Atom::Field(e.name.clone()));
        }
    }
    let mut rules = Vec::new();
    for (i, a) in atoms.iter().enumerate() {
        rules.push(rule_of(&[a]));
        for b in &atoms[i + 1..] {
            let (fa, fb) = (family(a), family(b));
            if fa != 0 && fa == fb && !(fa == 2 && name_parts(a, b)) {
                continue;
            }
            rules.push(rule_of(&[a, b]));
        }
    }
    let same = |x: &Rule, y: &Rule| {
        let mut kx = x.keys.clone();
        let mut ky = y.keys.clone();
        kx.sort_unstable_by_key(|k| *k as u8);
        ky.sort_unstable_by_key(|k| *k as u8);
        let mut fx = x.fields.clone();
        let mut fy = y.fields.clone();
        fx.sort_unstable();
        fy.sort_unstable();
        kx == ky && fx == fy
    };
    rules.retain(|r| !given.rules.iter().any(|g| same(g, r) || g.name == r.name));
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Features;

    /// Records of entities with a full date of birth and a phone; duplicates keep the date and
    /// change the phone, so only a date rule finds them.
    fn records() -> (Vec<Features>, Vec<String>, Vec<u32>) {
        let mut f = Vec::new();
        let mut ent = Vec::new();
        for e in 0..400u32 {
            let dob = ((1950 + e % 60) << 9) | ((1 + e % 12) << 5) | (1 + e % 28);
            let copies = if e % 4 == 0 { 2 } else { 1 };
            for c in 0..copies {
                f.push(Features {
                    dob,
                    phone: u64::from(e * 10 + c + 1),
                    given_phonetic: 1 + e % 7,
                    ..Features::default()
                });
                ent.push(e);
            }
        }
        let names = vec![String::new(); f.len()];
        (f, names, ent)
    }

    #[test]
    fn learns_the_rule_that_finds_the_pairs() {
        let (f, names, ent) = records();
        let recs = (f, names);
        let given =
            Blocking { rules: vec![Rule::new(&[KeyPart::Phone], &[])], ..Blocking::default() };
        let learned = learn(&recs, None, &given, &LearnOptions::default(), |pool| {
            pool.iter().map(|&(a, b)| ent[a as usize] == ent[b as usize]).collect()
        });
        let r = &learned.report;
        assert_eq!(r.reference_pairs, 100, "{r:?}");
        assert_eq!(r.given_recall, Some(0.0));
        assert!(r.reached);
        assert_eq!(r.estimated_recall, Some(1.0));
        assert_eq!(learned.blocking.rules[0].name, "phone");
        assert!(learned.blocking.rules.len() >= 2);
        assert!(learned.blocking.rules[1].keys.contains(&KeyPart::Dob), "{:?}", learned.blocking);
    }

    #[test]
    fn keeps_the_given_rules_when_they_suffice_and_without_reference() {
        let (f, names, ent) = records();
        let recs = (f, names);
        let given =
            Blocking { rules: vec![Rule::new(&[KeyPart::Dob], &[])], ..Blocking::default() };
        let judge = |pool: &[(u32, u32)]| -> Vec<bool> {
            pool.iter().map(|&(a, b)| ent[a as usize] == ent[b as usize]).collect()
        };
        let learned = learn(&recs, None, &given, &LearnOptions::default(), judge);
        assert_eq!(learned.blocking.rules, given.rules);
        assert_eq!(learned.report.given_recall, Some(1.0));
        let none = learn(&recs, None, &given, &LearnOptions::default(), |p| vec![false; p.len()]);
        assert_eq!(none.blocking.rules, given.rules);
        assert_eq!(none.report.estimated_recall, None);
    }

    #[test]
    fn stays_within_the_budget() {
        let (f, names, ent) = records();
        let recs = (f, names);
        let given =
            Blocking { rules: vec![Rule::new(&[KeyPart::Phone], &[])], ..Blocking::default() };
        // 500 records: 75 pairs allowed, 150 probed; the date finds the 100 pairs.
        let opts = LearnOptions { pairs_per_record: 0.15, ..LearnOptions::default() };
        let learned = learn(&recs, None, &given, &opts, |pool| {
            pool.iter().map(|&(a, b)| ent[a as usize] == ent[b as usize]).collect()
        });
        let r = &learned.report;
        assert_eq!(r.reference_pairs, 100, "{r:?}");
        assert!(r.estimated_pairs <= r.budget_pairs, "{r:?}");
        assert!(!r.reached);
    }
}
