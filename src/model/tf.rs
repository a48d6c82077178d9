//! Term frequencies of names, shared by training and scoring.
//!
//! Two names agreeing says more when the name is rare. For a pair whose name level is one of the
//! agreeing levels (exact … one typo), the adjustment added to the level's weight is
//! `log2(ū / s)`, where `s` is the share of people bearing the more frequent of the two names
//! and `ū` the probability that two random people share a name: a name as common as the average
//! one is not adjusted, "Nguyễn Văn Hùng" weighs less and a rare name more. The exact levels use
//! the full ASCII name; the looser ones (classes equal up to a dropped middle name, one typo) use
//! the family class and given class together.
//!
//! The shares are those of the **population**, not only of the file: a name's count in the
//! records is blended with its national share (family names by their published shares, middle
//! and given names by their counts in the name lists of `data/vn-names`), as
//! `s = (count + β·q) / (n + β)` with `β` = [`NATIONAL_WEIGHT`] records. A clean register of one
//! district is not the nation: a name that is common nationally but appears once in a small
//! file is not weighed as if it were rare.
//!
//! **Foreign names** — neither the family nor the given name in the national lists
//! (English-language data) — have no national share, and the count of a full name in the file is
//! a poor one: it counts the same person's records again, so that a name borne by one person
//! with three records weighs as if three people bore it, and no exact full name can outweigh
//! the prior. Their share is the product of their parts' shares among the foreign names of the
//! file (family × given, × middle for the exact levels): people choose given and family names
//! nearly independently, and a part is shared by many people, so its count is barely inflated by
//! duplicates. Where names are not independent (a namesake group, "Robert Martinez" borne by
//! hundreds), the count tells: the share is at least `(c − k)/n` for a name with `c` records,
//! `k` being how many records one person has (the 90th percentile of the sizes of the groups of
//! records sharing a full name and a date of birth, or a full name when there are no dates) —
//! beyond them the records are other people. The product is at least `1/n²` (`n` the foreign
//! names counted). Vietnamese names keep the full-name shares: their middle names follow the
//! given name and the sex, and the parts are not independent.
//!
//! For two foreign names the share *is* the level's u: the adjustment is `log2 u_level − log2 s`
//! and the level weighs `log2(m / s)`, as Splink's term-frequency adjustment does. The level's
//! u from random pairs is no base there: in a file with many duplicates, random pairs that agree
//! on an exact full name are mostly one person's records (in a census × social-security link,
//! the u of the class level was four times the non-matches'). Two more parts count for foreign
//! names: middle names with the same initial on both sides (R and Robert) multiply the share of
//! the class level by the initial's share, and a given name agreeing alone (`given_only`: the
//! census's "Matthew R" beside "Matthew R Burger") weighs by the given name's share (times the
//! initial's) — not a family name agreeing alone, which in a household is no evidence.

use std::sync::OnceLock;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::compare::{self, Features, Records};

/// Name levels `1..=TF_LEVELS` (exact to one typo) are term-frequency adjusted.
pub const TF_LEVELS: usize = compare::name_level::ONE_TYPO as usize;

/// Weight of the national name shares, in records: a file of this many records counts as much
/// as the national tables.
pub const NATIONAL_WEIGHT: f64 = 2000.0;

/// The key of a name's family and given classes, 0 when either is missing.
pub fn name_key(f: &Features) -> u64 {
    if f.family_class == 0 || f.given_class == 0 {
        0
    } else {
        (u64::from(f.family_class) << 32) | u64::from(f.given_class)
    }
}

/// National shares of name parts, keyed by the hashes [`Features`] holds.
#[derive(Debug, Default)]
struct National {
    family: FxHashMap<u32, f64>,
    family_class: FxHashMap<u32, f64>,
    middle: FxHashMap<u32, f64>,
    given: FxHashMap<u32, f64>,
    given_class: FxHashMap<u32, f64>,
    /// Probability that two random people share a full name, and a class key.
    agree: (f64, f64),
}

impl National {
    /// The national share of a full name: family × given (× middle when the middle name is in
    /// the lists; an unknown middle name counts as common); `None` when the family or the given
    /// name is not in the lists.
    fn full(&self, f: &Features) -> Option<f64> {
        let family = self.family.get(&f.family)?;
        let given = self.given.get(&f.given)?;
        let middle = self.middle.get(&f.middle).copied().unwrap_or(1.0);
        Some(family * given * middle)
    }

    /// The national share of a class key (family class × given class).
    fn key(&self, f: &Features) -> Option<f64> {
        Some(self.family_class.get(&f.family_class)? * self.given_class.get(&f.given_class)?)
    }

    /// Whether a name is foreign: neither its family nor its given name is in the lists.
    fn foreign(&self, f: &Features) -> bool {
        (f.family != 0 || f.given != 0)
            && !self.family.contains_key(&f.family)
            && !self.given.contains_key(&f.given)
    }
}

/// The parts of a name counted for foreign names: (tag, hash) with tags 0 family, 1 middle,
/// 2 given (the exact levels), 3 family class, 4 given class (the class-key levels).
fn parts(f: &Features) -> [(u64, u32); 5] {
    [(0, f.family), (1, f.middle), (2, f.given), (3, f.family_class), (4, f.given_class)]
}

/// The key of a part in [`TermFrequencies::part_counts`].
#[inline]
fn part_key(tag: u64, hash: u32) -> u64 {
    (tag << 32) | u64::from(hash)
}

/// The national tables, built once from the embedded name lists.
fn national() -> &'static National {
    static CELL: OnceLock<National> = OnceLock::new();
    CELL.get_or_init(|| {
        use crate::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};
        let mut prep = Preparer::new();
        let mut out = Prepared::default();
        let mut features = |name: &str| {
            prep.prepare(
                &RawFields { name, ..RawFields::default() },
                &Encodings::default(),
                &mut out,
            );
            out.features
        };
        let mut nat = National::default();
        // Family names: the published shares of the 14 most common (89 %), the rest of the
        // population spread over the other names by their sample counts.
        let families = crate::refdata::family_names();
        let published: f64 =
            families.iter().filter_map(|f| f.population_share_pct).map(f64::from).sum::<f64>()
                / 100.0;
        let rest_count: f64 = families
            .iter()
            .filter(|f| f.population_share_pct.is_none())
            .map(|f| f64::from(f.uit_sample_count.max(1)))
            .sum();
        for f in families {
            let share = match f.population_share_pct {
                Some(p) => f64::from(p) / 100.0,
                None => {
                    (1.0 - published).max(0.0) * f64::from(f.uit_sample_count.max(1)) / rest_count
                }
            };
            let x = features(&format!("{} Văn An", f.name));
            *nat.family.entry(x.family).or_default() += share;
            *nat.family_class.entry(x.family_class).or_default() += share;
        }
        let parts = |list: &[crate::refdata::NamePart]| -> f64 {
            list.iter().map(|p| f64::from(p.uit_sample_count.max(1))).sum()
        };
        let givens = crate::refdata::given_names();
        let total = parts(givens);
        for g in givens {
            let share = f64::from(g.uit_sample_count.max(1)) / total;
            let x = features(&format!("Nguyễn Văn {}", g.name));
            *nat.given.entry(x.given).or_default() += share;
            *nat.given_class.entry(x.given_class).or_default() += share;
        }
        let middles = crate::refdata::middle_names();
        let total = parts(middles);
        for m in middles {
            let share = f64::from(m.uit_sample_count.max(1)) / total;
            let x = features(&format!("Nguyễn {} An", m.name));
            if x.middle != 0 {
                *nat.middle.entry(x.middle).or_default() += share;
            }
        }
        nat.family.remove(&0);
        nat.given.remove(&0);
        nat.family_class.remove(&0);
        nat.given_class.remove(&0);
        let sq = |m: &FxHashMap<u32, f64>| m.values().map(|p| p * p).sum::<f64>();
        nat.agree = (
            sq(&nat.family) * sq(&nat.given) * sq(&nat.middle),
            sq(&nat.family_class) * sq(&nat.given_class),
        );
        nat
    })
}

/// Whether the term frequency of name level `level` can adjust its weight: the agreeing levels
/// (exact … one typo), the family and given names agreeing without the middles
/// ([`FAMILY_GIVEN`](compare::name_level::FAMILY_GIVEN)), and
/// [`GIVEN_ONLY`](compare::name_level::GIVEN_ONLY) for foreign names.
pub fn adjusted(level: usize) -> bool {
    use compare::name_level::{FAMILY_GIVEN, GIVEN_ONLY};
    (1..=TF_LEVELS).contains(&level)
        || level == usize::from(FAMILY_GIVEN)
        || level == usize::from(GIVEN_ONLY)
}

/// The `log2` shares of one record's name ([`TermFrequencies::shares_of`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Shares {
    /// The full name's share (the exact levels).
    pub full: f32,
    /// The family + given class key's share (the looser levels).
    pub key: f32,
    /// For a foreign name, the share of its middle initial among the names with a middle name
    /// (0 without one), and of its given name among the foreign names; 0 for other names.
    pub middle: f32,
    /// See `middle`.
    pub given: f32,
    /// A foreign name's middle initial (ASCII), 0 without a middle name.
    pub initial: u8,
    /// Whether the name is foreign (neither its family nor its given name in the national
    /// lists).
    pub foreign: bool,
}

/// Steps per bit of the packed shares.
const PACK_SCALE: f32 = 256.0;

/// [`Shares`] in 10 bytes: `log2` shares in steps of 1/256 bit (down to −128 bits), then the
/// middle initial and the foreign flag: the table of a hundred million records stays small.
#[derive(Clone, Copy, Debug, Default)]
struct Packed([i16; 5]);

/// A `log2` share in steps of 1/[`PACK_SCALE`] bit.
fn quantise(x: f32) -> i16 {
    (x * PACK_SCALE).round().clamp(f32::from(i16::MIN), 0.0) as i16
}

impl Packed {
    fn pack(s: Shares) -> Packed {
        let last = (i16::from(s.initial) << 1) | i16::from(s.foreign);
        Packed([quantise(s.full), quantise(s.key), quantise(s.middle), quantise(s.given), last])
    }

    fn unpack(self) -> Shares {
        let f = |x: i16| f32::from(x) / PACK_SCALE;
        let p = self.0;
        Shares {
            full: f(p[0]),
            key: f(p[1]),
            middle: f(p[2]),
            given: f(p[3]),
            initial: ((p[4] >> 1) & 0xFF) as u8,
            foreign: p[4] & 1 != 0,
        }
    }
}

/// Name frequencies of a set of records, blended with the national ones.
#[derive(Debug, Clone, Default)]
pub struct TermFrequencies {
    /// Full ASCII name hashes with the number of records bearing each, ascending.
    name_counts: Vec<(u64, u32)>,
    /// Family + given class keys with the number of records bearing each, ascending.
    key_counts: Vec<(u64, u32)>,
    /// Per record of the counted set: its name's shares.
    per_record: Vec<Packed>,
    /// Records counted.
    n: f64,
    /// Parts of the foreign names ([`parts`], keyed by [`part_key`]) with the number of records
    /// bearing each, ascending.
    part_counts: Vec<(u64, u32)>,
    /// Records with a foreign name.
    foreign: f64,
    /// The middle names of the foreign names (by hash) with their initial and the `log2` share
    /// of the initial among the foreign names that have a middle name, ascending.
    middle_initials: Vec<(u32, u8, f32)>,
    /// Records one person has, at most, as a rule ([`duplicate_depth`]).
    depth: u32,
    /// `log2 ū` for full names and for class keys: the probability that two random people
    /// share one.
    log_agree: (f64, f64),
    /// The counts of `name_counts` and `key_counts` in hash maps, made on the first lookup of a
    /// record that is not among those counted (a query).
    lookup: std::sync::OnceLock<(FxHashMap<u64, u32>, FxHashMap<u64, u32>)>,
}

/// The records of `records` grouped by a non-zero key: `(key, record)` ascending. Grouped by
/// sorting, not hashing: one pass over a sorted array instead of a cache miss per record.
fn group_by<R: Records>(records: &R, key: fn(&Features) -> u64) -> Vec<(u64, u32)> {
    let mut keyed: Vec<(u64, u32)> = (0..records.len() as u32)
        .into_par_iter()
        .filter_map(|i| {
            let h = key(records.features(i));
            (h != 0).then_some((h, i))
        })
        .collect();
    keyed.par_sort_unstable();
    keyed
}

/// How many records one person has, as a rule: the 90th percentile of the sizes of the groups
/// of two or more records sharing a full name and a date of birth (a full name, in files
/// without dates of birth; 1 when there are none).
fn duplicate_depth<R: Records>(records: &R) -> u32 {
    let grouped = group_by(records, |f| {
        if f.dob == 0 || f.name_ascii == 0 {
            0
        } else {
            crate::util::hash::mix(f.name_ascii ^ (u64::from(f.dob) << 40)) | 1
        }
    });
    let mut sizes: Vec<u32> =
        counts(&grouped).into_iter().map(|c| c.1).filter(|&c| c >= 2).collect();
    if sizes.is_empty() {
        // No dates of birth: the groups sharing a full name.
        let by_name = group_by(records, |f| f.name_ascii);
        sizes = counts(&by_name).into_iter().map(|c| c.1).filter(|&c| c >= 2).collect();
    }
    if sizes.is_empty() {
        return 1;
    }
    sizes.sort_unstable();
    sizes[sizes.len() * 9 / 10]
}

/// The middle names of the foreign names among `by_name` (records grouped by their full name)
/// with their initial and its `log2` share among the foreign records that have a middle name.
fn middle_initials<R: Records>(records: &R, by_name: &[(u64, u32)]) -> Vec<(u32, u8, f32)> {
    let nat = national();
    let mut initial_of: Vec<(u32, u8)> = Vec::new();
    let mut per_initial = [0u64; 256];
    for run in by_name.chunk_by(|x, y| x.0 == y.0) {
        let i = run[0].1;
        let f = records.features(i);
        if f.middle == 0 || !nat.foreign(f) {
            continue;
        }
        let Some(&initial) = f.parts(records.name_ascii(i)).1.as_bytes().first() else {
            continue;
        };
        initial_of.push((f.middle, initial));
        per_initial[usize::from(initial)] += run.len() as u64;
    }
    let total = per_initial.iter().sum::<u64>().max(1) as f64;
    initial_of.sort_unstable();
    initial_of.dedup_by_key(|m| m.0);
    initial_of
        .into_iter()
        .map(|(m, c)| (m, c, (per_initial[usize::from(c)] as f64 / total).log2() as f32))
        .collect()
}

/// The distinct keys of `grouped` with their counts, ascending.
fn counts(grouped: &[(u64, u32)]) -> Vec<(u64, u32)> {
    grouped.chunk_by(|x, y| x.0 == y.0).map(|run| (run[0].0, run.len() as u32)).collect()
}

impl TermFrequencies {
    /// Counts the names of `records`.
    pub fn new<R: Records>(records: &R) -> Self {
        let by_name = group_by(records, |f| f.name_ascii);
        let by_key = group_by(records, name_key);
        let (name_counts, key_counts) = (counts(&by_name), counts(&by_key));
        let n = records.len().max(2) as f64;
        let agree = |counts: &[(u64, u32)]| {
            let same: f64 =
                counts.iter().map(|&(_, c)| f64::from(c) * f64::from(c.max(1) - 1)).sum();
            (same / (n * (n - 1.0))).max(1.0 / (n * n))
        };
        // The file's ū, blended with the nation's when the file's names are Vietnamese.
        let nat = national();
        let vietnamese: usize = by_key
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|run| nat.key(records.features(run[0].1)).is_some())
            .map(<[(u64, u32)]>::len)
            .sum();
        let blend = |file: f64, national: f64| {
            let b = NATIONAL_WEIGHT * vietnamese as f64 / n;
            ((n * file + b * national) / (n + b)).log2()
        };
        let log_agree =
            (blend(agree(&name_counts), nat.agree.0), blend(agree(&key_counts), nat.agree.1));
        // The parts of the foreign names, counted once per distinct name.
        let mut part_counts: Vec<(u64, u32)> = Vec::new();
        let mut foreign = 0u64;
        for run in by_name.chunk_by(|x, y| x.0 == y.0) {
            let f = records.features(run[0].1);
            if nat.foreign(f) {
                foreign += run.len() as u64;
                part_counts.extend(
                    parts(f)
                        .iter()
                        .filter(|p| p.1 != 0)
                        .map(|&(tag, h)| (part_key(tag, h), run.len() as u32)),
                );
            }
        }
        let middle_initials = middle_initials(records, &by_name);
        part_counts.sort_unstable();
        part_counts.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = kept.1.saturating_add(later.1);
            }
            same
        });
        let depth = if foreign > 0 { duplicate_depth(records) } else { 1 };
        let mut tf = TermFrequencies {
            name_counts,
            key_counts,
            per_record: Vec::new(),
            n,
            part_counts,
            foreign: foreign as f64,
            middle_initials,
            depth,
            log_agree,
            lookup: std::sync::OnceLock::new(),
        };
        // One share per distinct name (its records have the same parts), given to each record;
        // the class key's share is that of a key counted once, as [`shares_for`] has it, until
        // the keys' counts below replace it (a name without family or given name has no key).
        let mut per_record = vec![Packed::default(); records.len()];
        for run in by_name.chunk_by(|x, y| x.0 == y.0) {
            let f = records.features(run[0].1);
            let full = tf.full_share(run.len() as u32, f);
            let key = tf.key_share(1, f);
            let share = Packed::pack(Shares { full, key, ..tf.part_shares(f) });
            for &(_, i) in run {
                per_record[i as usize] = share;
            }
        }
        for run in by_key.chunk_by(|x, y| x.0 == y.0) {
            let f = records.features(run[0].1);
            let share = quantise(tf.key_share(run.len() as u32, f));
            for &(_, i) in run {
                per_record[i as usize].0[1] = share;
            }
        }
        tf.per_record = per_record;
        tf
    }

    /// `log2` of a name's share from its count in the records blended with its national share
    /// (the count alone without one).
    fn share(&self, count: u32, national: Option<f64>) -> f32 {
        let c = f64::from(count.max(1));
        match national {
            Some(q) => ((c + NATIONAL_WEIGHT * q) / (self.n + NATIONAL_WEIGHT)).log2() as f32,
            None => (c / self.n).log2() as f32,
        }
    }

    /// `log2` of the product of the shares of some parts of a foreign name among the foreign
    /// names (a part not counted, from a query, counts once), at least `1/n²`, and at least the
    /// share of the name's `count` records beyond one person's.
    fn product_share(&self, f: &Features, tags: &[u64], count: u32) -> f32 {
        let n = self.foreign.max(1.0);
        let mut log = 0.0;
        for &(tag, h) in parts(f).iter().filter(|p| p.1 != 0 && tags.contains(&p.0)) {
            let key = part_key(tag, h);
            let c = match self.part_counts.binary_search_by_key(&key, |p| p.0) {
                Ok(i) => self.part_counts[i].1,
                Err(_) => 1,
            };
            log += (f64::from(c.max(1)) / n).log2();
        }
        let beyond = f64::from(count.saturating_sub(self.depth));
        let floor = if beyond > 0.0 { (beyond / n).log2() } else { -2.0 * n.log2() };
        log.max(floor).max(-2.0 * n.log2()) as f32
    }

    /// `log2` of the share of a full name with `count` records: the product of its parts for a
    /// foreign name, else its count blended with its national share.
    fn full_share(&self, count: u32, f: &Features) -> f32 {
        let nat = national();
        if nat.foreign(f) {
            self.product_share(f, &[0, 1, 2], count)
        } else {
            self.share(count, nat.full(f))
        }
    }

    /// `log2` of the share of a class key with `count` records (as [`full_share`](Self::full_share)).
    fn key_share(&self, count: u32, f: &Features) -> f32 {
        let nat = national();
        if nat.foreign(f) {
            self.product_share(f, &[3, 4], count)
        } else {
            self.share(count, nat.key(f))
        }
    }

    /// The shares of a foreign name's parts ([`Shares`]: middle initial and given name; a middle
    /// name not counted, a query's, counts as 0), or none for another name.
    fn part_shares(&self, f: &Features) -> Shares {
        if !national().foreign(f) {
            return Shares::default();
        }
        let n = self.foreign.max(1.0);
        let part = |tag: u64, h: u32| {
            if h == 0 {
                return 0.0;
            }
            let c = match self.part_counts.binary_search_by_key(&part_key(tag, h), |p| p.0) {
                Ok(i) => self.part_counts[i].1,
                Err(_) => 1,
            };
            (f64::from(c.max(1)) / n).log2() as f32
        };
        let (initial, middle) = match self.middle_initials.binary_search_by_key(&f.middle, |m| m.0)
        {
            Ok(i) if f.middle != 0 => (self.middle_initials[i].1, self.middle_initials[i].2),
            _ => (0, 0.0),
        };
        Shares { middle, initial, given: part(2, f.given), foreign: true, ..Shares::default() }
    }

    /// The shares of any record's name, by its features: its count in the records (at least 1)
    /// blended with its national share, or for a foreign name the product of its parts' shares.
    pub fn shares_for(&self, f: &Features) -> Shares {
        let (names, keys) = self.lookup.get_or_init(|| {
            (self.name_counts.iter().copied().collect(), self.key_counts.iter().copied().collect())
        });
        let get = |m: &FxHashMap<u64, u32>, k: u64| m.get(&k).copied().unwrap_or(1);
        // Rounded as the per-record table is: a record weighs the same looked up or counted.
        Packed::pack(Shares {
            full: self.full_share(get(names, f.name_ascii), f),
            key: self.key_share(get(keys, name_key(f)), f),
            ..self.part_shares(f)
        })
        .unpack()
    }

    /// The shares of record `i` of the counted set.
    #[inline]
    pub fn shares_of(&self, i: u32) -> Shares {
        self.per_record[i as usize].unpack()
    }

    /// The adjustment (in bits) of name level `level` for a pair, whose level has
    /// `u = 2^log_u`; 0 for levels not adjusted.
    pub fn adjustment(&self, level: usize, fa: &Features, fb: &Features, log_u: f64) -> f64 {
        let (a, b) = (self.shares_for(fa), self.shares_for(fb));
        self.adjustment_shares(level, a, b, fa.given == fb.given, log_u)
    }

    /// [`adjustment`](Self::adjustment) from the pair's shares ([`shares_of`](Self::shares_of)
    /// or [`shares_for`](Self::shares_for)), `log_u` being `log2` of the level's u and
    /// `same_given` whether the two given names are equal.
    ///
    /// A Vietnamese name: `log2 ū − log2 s` of the more frequent name, centred on the average
    /// name (the class key's `s` for the levels below the exact ones, and for the family and
    /// given names agreeing without the middles). Two foreign names agreeing on their value (the
    /// exact levels, the classes with the middles compatible, and the family and given names
    /// with other middles): `log_u − log2 s`, the level's weight then being `log2(m / s)` —
    /// u is the share of people bearing the name, whatever the level's u from random pairs
    /// (which in a file with many duplicates counts mostly the same people's records, and makes
    /// every exact rare name weigh less). There, middle names written on both sides agree (as
    /// initials at least), and `s` is also multiplied by the middle initial's share (R and
    /// Robert: the census writes the initial, the social-security file the name).
    ///
    /// Two foreign names agreeing in part ([`GIVEN_ONLY`](compare::name_level::GIVEN_ONLY)) on
    /// an equal given name: likewise, with `s` the given name's share, times the middle
    /// initial's when the middles have the same initial ("Brooklyn N" says more than
    /// "Michael J"; the census's placeholders and blank family names leave only these). Not
    /// where they agree on the family name only: in a household it is no evidence. Other names
    /// are not adjusted there.
    #[inline]
    pub fn adjustment_shares(
        &self,
        level: usize,
        a: Shares,
        b: Shares,
        same_given: bool,
        log_u: f64,
    ) -> f64 {
        use compare::name_level::{CLASS_MIDDLE, FAMILY_GIVEN, GIVEN_ONLY, SAME_TOKENS};
        // The middle initials, when both names have one and they are the same.
        let middle = if a.initial != 0 && a.initial == b.initial {
            f64::from(a.middle.max(b.middle))
        } else {
            0.0
        };
        if level == usize::from(GIVEN_ONLY) {
            if !(a.foreign && b.foreign && same_given) {
                return 0.0;
            }
            return log_u - f64::from(a.given.max(b.given)) - middle;
        }
        let family_given = level == usize::from(FAMILY_GIVEN);
        if level == 0 || (level > TF_LEVELS && !family_given) {
            return 0.0;
        }
        let exact = level <= usize::from(SAME_TOKENS);
        let s = if exact { a.full.max(b.full) } else { a.key.max(b.key) };
        if a.foreign && b.foreign && (level <= usize::from(CLASS_MIDDLE) || family_given) {
            return log_u - f64::from(s) - if exact { 0.0 } else { middle };
        }
        let base = if exact { self.log_agree.0 } else { self.log_agree.1 };
        base - f64::from(s)
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
        let common = tf.adjustment(1, &recs.0[0], &recs.0[1], -10.0);
        let rare = tf.adjustment(1, &recs.0[90], &recs.0[90], -10.0);
        assert!(common < 0.0 && rare > 0.0, "{common} {rare}");
        let different =
            tf.adjustment(compare::name_level::DIFFERENT as usize, &recs.0[0], &recs.0[1], -10.0);
        assert!(different.abs() < f64::EPSILON);
    }

    fn english(given: &str, middle: &str, family: &str, dob: &str) -> Features {
        use crate::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};
        let mut out = Prepared::default();
        Preparer::new().prepare(
            &RawFields { name_parts: [family, middle, given], dob, ..RawFields::default() },
            &Encodings::default(),
            &mut out,
        );
        out.features
    }

    #[test]
    fn a_foreign_name_weighs_by_its_parts_and_a_namesake_group_by_its_count() {
        // 400 people with English names drawn from 20 given and 20 family names, two records
        // each; one rare name borne by one person with two records; and a namesake group: 60
        // different people named Robert Martinez.
        let givens: Vec<String> =
            (0..20).map(|i| format!("Given{}", char::from(b'a' + i))).collect();
        let families: Vec<String> =
            (0..20).map(|i| format!("Family{}", char::from(b'a' + i))).collect();
        let mut v = Vec::new();
        for p in 0..400usize {
            let dob = format!("19{:02}-0{}-1{}", 40 + p % 50, 1 + p % 9, p % 10);
            let f = english(&givens[p % 20], "", &families[(p / 20) % 20], &dob);
            v.push(f);
            v.push(f);
        }
        let rare = english("Danielle", "M", "Herrick", "1971-06-28");
        v.extend([rare, rare]);
        for p in 0..60u32 {
            v.push(english(
                "Robert",
                "",
                "Martinez",
                &format!("19{}-0{}-1{}", 50 + p / 9, 1 + p % 9, p % 10),
            ));
        }
        let n = v.len();
        let recs = (v, vec![String::new(); n]);
        let tf = TermFrequencies::new(&recs);
        let adjust = |f: &Features| tf.adjustment(1, f, f, -10.0);
        // Counted as a string, the rare name's two records would make it as common as the
        // names borne by one person with two records; by its parts it is far rarer.
        let typical = adjust(&recs.0[0]);
        assert!(adjust(&rare) > typical + 5.0, "{} vs {typical}", adjust(&rare));
        // Sixty people share Robert Martinez: the count beyond one person's records tells.
        let robert = english("Robert", "", "Martinez", "1950-01-10");
        assert!(adjust(&robert) < typical, "{} vs {typical}", adjust(&robert));
        // Vietnamese names keep their full-name shares.
        assert!(!national().foreign(&prep("Nguyễn Văn Hùng")));
        assert!(national().foreign(&rare));
    }

    /// An English name's features and stored ASCII name.
    fn english_named(given: &str, middle: &str, family: &str) -> (Features, String) {
        use crate::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};
        let mut out = Prepared::default();
        Preparer::new().prepare(
            &RawFields { name_parts: [family, middle, given], ..RawFields::default() },
            &Encodings::default(),
            &mut out,
        );
        (out.features, out.name_ascii.clone())
    }

    #[test]
    fn foreign_names_weigh_by_their_share_their_middle_initials_and_lone_given_names() {
        use compare::name_level::{CLASS_MIDDLE, EXACT, GIVEN_ONLY};
        // 600 people with 12 given names, 50 family names and middle names that start with A
        // (or none); then Zebediah Familyq, twice with a middle name starting with Q, once
        // without.
        let givens = [
            "John", "Mary", "James", "Linda", "Robert", "Susan", "David", "Karen", "Paul", "Ruth",
            "Mark", "Anna",
        ];
        let (mut v, mut names) = (Vec::new(), Vec::new());
        let mut push = |(f, n): (Features, String)| {
            v.push(f);
            names.push(n);
        };
        for p in 0..600usize {
            let family = format!("Family{}", ["x", "y", "z", "w", "v"][p % 5].repeat(1 + p % 10));
            push(english_named(
                givens[p % 12],
                ["Anne", "Alan", "Amy", "Adam", ""][p % 5],
                &family,
            ));
        }
        let zeb = [("Q", 600), ("Quinn", 601), ("", 602)];
        for (middle, _) in zeb {
            push(english_named("Zebediah", middle, "Familyq"));
        }
        let recs = (v, names);
        let tf = TermFrequencies::new(&recs);
        let f = |i: usize| recs.0[i];
        let adj = |level: u8, a: usize, b: usize, log_u: f64| {
            tf.adjustment(usize::from(level), &f(a), &f(b), log_u)
        };
        // For foreign names the level's u from random pairs cancels: the weight is log2(m / s).
        let exact = adj(EXACT, 3, 3, -20.0);
        assert!((adj(EXACT, 3, 3, -23.0) - (exact - 3.0)).abs() < 1e-6);
        // Middles with the same rare initial (Q, Quinn) weigh more than a middle on one side;
        // the common initial A adds little.
        let (q, q_none) = (adj(CLASS_MIDDLE, 600, 601, -10.0), adj(CLASS_MIDDLE, 600, 602, -10.0));
        assert!(q > q_none + 5.0, "{q} vs {q_none}");
        let (a, a_none) = (adj(CLASS_MIDDLE, 0, 0, -10.0), adj(CLASS_MIDDLE, 0, 4, -10.0));
        assert!(a - a_none < 1.0 && a >= a_none, "{a} vs {a_none}");
        // A given name agreeing alone weighs by its share: Zebediah more than John. A family
        // name agreeing alone is not adjusted, nor are Vietnamese names.
        assert_eq!(f(0).given, f(12).given);
        assert!(adj(GIVEN_ONLY, 600, 601, -8.0) > adj(GIVEN_ONLY, 0, 12, -8.0) + 3.0);
        assert_ne!(f(0).given, f(1).given);
        assert!(adj(GIVEN_ONLY, 0, 1, -8.0).abs() < f64::EPSILON);
        let (hung, hung2) = (prep("Nguyễn Văn Hùng"), prep("Trần Văn Hùng"));
        let given_only = usize::from(GIVEN_ONLY);
        assert!(tf.adjustment(given_only, &hung, &hung2, -8.0).abs() < f64::EPSILON);
    }

    fn prep(name: &str) -> Features {
        use crate::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};
        let mut out = Prepared::default();
        Preparer::new().prepare(
            &RawFields { name, ..RawFields::default() },
            &Encodings::default(),
            &mut out,
        );
        out.features
    }

    #[test]
    fn a_name_common_in_the_nation_is_not_rare_in_a_small_file() {
        // A small file of distinct names: each appears once, so the file alone would weigh
        // "Nguyễn Văn Hùng" like "Tôn Thị Quỳnh".
        let families = ["Trần", "Lê", "Phạm", "Đỗ", "Bùi", "Đặng", "Ngô", "Dương"];
        let givens = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khoa", "Lan", "Minh", "Nam"];
        let mut v = vec![prep("Nguyễn Văn Hùng"), prep("Tôn Thị Quỳnh")];
        for f in families {
            for g in givens {
                for m in ["Văn", "Thị", "Minh"] {
                    v.push(prep(&format!("{f} {m} {g}")));
                }
            }
        }
        v.truncate(200);
        let recs = (v, vec![String::new(); 200]);
        let tf = TermFrequencies::new(&recs);
        let common = tf.adjustment(1, &recs.0[0], &recs.0[0], -10.0);
        let rare = tf.adjustment(1, &recs.0[1], &recs.0[1], -10.0);
        // Counted in the file alone, both would weigh the same.
        assert!(common + 1.0 < rare, "Nguyễn Văn Hùng {common:.2} bits, Tôn Thị Quỳnh {rare:.2}");
        // Names outside the national lists keep the file's counts.
        let foreign = prep("Smith John");
        assert_eq!(national().full(&foreign), None);
    }

    #[test]
    fn a_record_weighs_the_same_counted_or_looked_up_even_without_a_family_or_given_name() {
        // Names without a family or a given name have no class key: the per-record table must
        // give them the share a lookup computes, not a share of 1 (which weighed the pair
        // Hijo J Wolfe, Jean Wolfe 11 bits below its explanation).
        let mut v = vec![
            english("", "J", "Wolfe", "1948-03-16"),
            english("", "Jean", "Wolfe", "1948-03-16"),
            english("Erica", "M", "", "1981-10-06"),
            english("Erica", "Michele", "", "1981-10-06"),
            english("Danielle", "M", "Herrick", "1971-06-28"),
            prep("Nguyễn Văn Hùng"),
            prep("Hùng"),
        ];
        for i in 0..40 {
            v.push(english(&format!("Given{i}"), "", &format!("Family{}", i % 7), "1970-01-01"));
        }
        let n = v.len();
        let recs = (v, vec![String::new(); n]);
        let tf = TermFrequencies::new(&recs);
        for (i, f) in recs.0.iter().enumerate() {
            assert_eq!(tf.shares_of(i as u32), tf.shares_for(f), "record {i}");
        }
    }
}
