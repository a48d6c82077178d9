//! Blocking: which pairs of records are compared at all.
//!
//! A [`Rule`] is a combination of normalised keys ([`KeyPart`]s) read from each record's
//! [`Features`]; two records are a candidate pair under a rule when their rule keys are equal.
//! Every rule's key is hashed to a `u64` (0 = some part is missing: the record is not blocked by
//! that rule). Records are grouped by **sorting** `(key, record)` pairs — five times faster than
//! a hash map of vectors and one flat allocation — and pairs are enumerated inside each group.
//!
//! Invariants:
//! * **No pair twice.** A pair produced by an earlier rule is not produced again by a later one:
//!   the later rule checks the earlier rules' *effective* keys of the two records (no global set of
//!   pairs).
//! * **Oversized blocks** (the "Nguyễn" problem) are split by the rule's `split_by` keys, one
//!   after the other while a part stays too large; a block
//!   still larger than `max_block` is skipped *and reported* in [`RuleStats`], never silently.
//!   A record's effective key under a rule reflects the split (or is 0 where its block was
//!   skipped), so that later rules do produce the pairs an oversized block left out.
//! * **Exact copies compared once.** With [`Blocker::collapse_copies`], records whose normalised
//!   comparison fields are all equal form one group, found by sorting in one pass before the
//!   rules; only its first record enters the rules, so that copies can never fill a block (251
//!   copies of one person would make every block of theirs oversized and leave them apart).
//! * **Deterministic.** Groups are visited in key order and pairs in record order; the parallel
//!   enumeration returns its results in that order.

pub mod analyse;
pub mod learn;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::{Features, Records};
use crate::error::{Error, Result};
use crate::schema::{ExtraField, MAX_EXTRA};
/// The store format's key mixer (it is part of the format; it lives below this module); re-exported
/// here for the callers that combine blocking keys.
pub use crate::util::hash::mix;

/// A normalised key a blocking rule can use. The discriminants enter the stored key hashes:
/// they are part of the store format and never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[repr(u8)]
pub enum KeyPart {
    /// The national id (CCCD or CMND, with its kind).
    NationalId = 0,
    /// The phone number.
    Phone = 1,
    /// The full date of birth (day precision only).
    Dob = 2,
    /// The year of birth.
    BirthYear = 3,
    /// The canonical full name.
    Name = 4,
    /// The ASCII full name.
    NameAscii = 5,
    /// The ASCII name tokens, sorted.
    NameSorted = 6,
    /// The name tokens' phonetic keys, sorted.
    NamePhonetic = 7,
    /// The family-name class.
    FamilyClass = 8,
    /// The given-name class.
    GivenClass = 9,
    /// The given name's phonetic key.
    GivenPhonetic = 10,
    /// The middle name without Văn/Thị.
    MiddleCore = 11,
    /// The new (2025) province.
    ProvinceNew = 12,
    /// The old district.
    DistrictOld = 13,
    /// The old ward.
    WardOld = 14,
    /// The new ward (for an old-style address, the default successor of its old ward).
    WardNew = 15,
    /// The street.
    Street = 16,
    /// The house number.
    House = 17,
    /// Sex.
    Sex = 18,
}

impl KeyPart {
    /// The value of this key for a record, 0 when missing.
    pub fn value(self, f: &Features) -> u64 {
        match self {
            KeyPart::NationalId => f.national_id,
            KeyPart::Phone => f.phone,
            KeyPart::Dob => {
                let full = (f.dob >> 5) & 0xF != 0 && f.dob & 0x1F != 0;
                if full { u64::from(f.dob) } else { 0 }
            }
            KeyPart::BirthYear => u64::from(f.dob >> 9),
            KeyPart::Name => f.name,
            KeyPart::NameAscii => f.name_ascii,
            KeyPart::NameSorted => u64::from(f.name_sorted),
            KeyPart::NamePhonetic => u64::from(f.name_phonetic),
            KeyPart::FamilyClass => u64::from(f.family_class),
            KeyPart::GivenClass => u64::from(f.given_class),
            KeyPart::GivenPhonetic => u64::from(f.given_phonetic),
            KeyPart::MiddleCore => u64::from(f.middle_core),
            KeyPart::ProvinceNew => u64::from(f.province_new),
            KeyPart::DistrictOld => u64::from(f.district_old),
            KeyPart::WardOld => u64::from(f.ward_old),
            KeyPart::WardNew => u64::from(crate::compare::new_ward(f)),
            KeyPart::Street => u64::from(f.street),
            KeyPart::House => u64::from(f.house),
            KeyPart::Sex => u64::from(f.sex),
        }
    }
}

/// A blocking rule: records agreeing on every part are compared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// A short name for reports.
    pub name: String,
    /// The parts whose values must all be present and equal.
    pub keys: Vec<KeyPart>,
    /// Further parts used, one after the other, to split a block larger than `max_block`.
    #[serde(default)]
    pub split_by: Vec<KeyPart>,
    /// Extra fields (by name, see [`crate::schema::FieldKind::EXTRA`]) whose values must also
    /// be present and equal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl KeyPart {
    /// The part's name in configuration files (`"given_phonetic"`): its serde name, from
    /// [`crate::schema::KEY_PART_NAMES`] (a test keeps the two equal).
    pub fn name(self) -> &'static str {
        crate::schema::KEY_PART_NAMES[self as usize]
    }
}

impl Rule {
    /// A rule from its parts, named after them.
    pub fn new(keys: &[KeyPart], split_by: &[KeyPart]) -> Rule {
        let name = keys.iter().map(|k| k.name()).collect::<Vec<_>>().join("+");
        Rule { name, keys: keys.to_vec(), split_by: split_by.to_vec(), fields: Vec::new() }
    }

    /// A rule on extra fields (by name), with fixed parts or not, named after them all.
    pub fn with_fields(keys: &[KeyPart], fields: &[&str], split_by: &[KeyPart]) -> Rule {
        let mut r = Rule::new(keys, split_by);
        for f in fields {
            if !r.name.is_empty() {
                r.name.push('+');
            }
            r.name.push_str(f);
        }
        r.fields = fields.iter().map(|&f| f.to_owned()).collect();
        r
    }

    /// The rule's key for a record, 0 when a part is missing (and always for a rule on extra
    /// fields: see [`key_with`](Self::key_with)).
    pub fn key(&self, f: &Features) -> u64 {
        if self.fields.is_empty() { combine(&self.keys, f, 0x9e37_79b9_7f4a_7c15) } else { 0 }
    }

    /// The positions of the rule's extra fields among `extras`; `None` when one is missing.
    pub fn extra_indices(&self, extras: &[ExtraField]) -> Option<Vec<usize>> {
        self.fields.iter().map(|name| extras.iter().position(|e| e.name == *name)).collect()
    }

    /// The rule's key for a record with extra-field values `values`, the rule's fields being at
    /// positions `idx` ([`extra_indices`](Self::extra_indices)); 0 when a part is missing.
    pub fn key_with(&self, f: &Features, values: &[u64; MAX_EXTRA], idx: &[usize]) -> u64 {
        if self.fields.is_empty() {
            return self.key(f);
        }
        if idx.len() != self.fields.len() {
            return 0;
        }
        let mut h = combine(&self.keys, f, 0x9e37_79b9_7f4a_7c15);
        for &j in idx {
            let v = values.get(j).copied().unwrap_or(0);
            if h == 0 || v == 0 {
                return 0;
            }
            h = mix(h ^ mix(v.wrapping_add(EXTRA_TAG + j as u64)));
        }
        if h == 0 { 1 } else { h }
    }

    /// The keys of a record's block after each split (`split_by[..=level]`), as matching splits
    /// an oversized block: `out[level]`, 0 from the first missing part on. Stores keep posting
    /// lists of these keys so that a lookup finds a split block without reading its members.
    pub fn split_keys(&self, f: &Features, out: &mut Vec<u64>) {
        self.split_keys_with(f, &crate::compare::NO_EXTRAS, &[], out);
    }

    /// [`split_keys`](Self::split_keys) of a record with extra-field values (see
    /// [`key_with`](Self::key_with)).
    pub fn split_keys_with(
        &self,
        f: &Features,
        values: &[u64; MAX_EXTRA],
        idx: &[usize],
        out: &mut Vec<u64>,
    ) {
        out.clear();
        let mut key = self.key_with(f, values, idx);
        for part in &self.split_by {
            if key != 0 {
                key = combine(std::slice::from_ref(part), f, key);
            }
            out.push(key);
        }
    }
}

/// Mixed into the value of extra field `j` (`EXTRA_TAG + j`), apart from the key parts' tags.
const EXTRA_TAG: u64 = 64;

fn combine(parts: &[KeyPart], f: &Features, seed: u64) -> u64 {
    let mut h = seed;
    for p in parts {
        let v = p.value(f);
        if v == 0 {
            return 0;
        }
        h = mix(h ^ mix(v.wrapping_add(*p as u64)));
    }
    if h == 0 { 1 } else { h }
}

/// Blocking configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Blocking {
    /// Rules, in order: earlier rules take the pairs they share with later ones. Omitted in a
    /// configuration file: the default rules (the CLI then uses the rules inferred for the input).
    #[serde(default = "default_rules")]
    pub rules: Vec<Rule>,
    /// Largest block compared in full (a block of n records gives n(n−1)/2 pairs).
    #[serde(default = "default_max_block")]
    pub max_block: usize,
    /// Rules learned from the data on top of these ([`learn`]).
    #[serde(default, skip_serializing_if = "learn::LearnOptions::is_default")]
    pub learn: learn::LearnOptions,
}

fn default_max_block() -> usize {
    200
}

fn default_rules() -> Vec<Rule> {
    Blocking::default().rules
}

impl Default for Blocking {
    /// The default rules, chosen with `vnlink blocks --truth` on generated data (see the README):
    /// each rule catches the duplicates the earlier ones miss — a changed id or phone, a typo in
    /// the given name, a missing or mistyped date of birth, a moved or rewritten address.
    fn default() -> Self {
        use KeyPart::{
            BirthYear, Dob, FamilyClass, GivenClass, GivenPhonetic, House, NameSorted, NationalId,
            Phone, ProvinceNew, WardNew,
        };
        Blocking {
            rules: vec![
                Rule::new(&[NationalId], &[]),
                Rule::new(&[Phone], &[]),
                Rule::new(&[Dob, GivenPhonetic], &[ProvinceNew]),
                Rule::new(&[Dob, FamilyClass, ProvinceNew], &[WardNew]),
                Rule::new(&[FamilyClass, GivenPhonetic, BirthYear, ProvinceNew], &[WardNew]),
                Rule::new(&[FamilyClass, GivenClass, WardNew], &[BirthYear]),
                Rule::new(&[WardNew, House], &[]),
                Rule::new(&[NameSorted, BirthYear], &[ProvinceNew, WardNew]),
            ],
            max_block: default_max_block(),
            learn: learn::LearnOptions::default(),
        }
    }
}

impl Blocking {
    /// Rules with a largest block, learning left at its defaults.
    pub fn with_rules(rules: Vec<Rule>, max_block: usize) -> Blocking {
        Blocking { rules, max_block, learn: learn::LearnOptions::default() }
    }

    /// The `[blocking]` section of a TOML configuration file: `max_block` and the rules, in
    /// order (the learning settings when they are not the defaults).
    pub fn to_toml(&self) -> String {
        use std::fmt::Write as _;
        let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let names = |parts: &[KeyPart]| -> String {
            parts.iter().map(|k| quote(k.name())).collect::<Vec<_>>().join(", ")
        };
        let mut t = String::new();
        let _ = writeln!(t, "[blocking]\nmax_block = {}\n", self.max_block);
        if !self.learn.is_default() {
            let l = &self.learn;
            let _ = writeln!(t, "[blocking.learn]");
            if let Some(on) = l.enabled {
                let _ = writeln!(t, "enabled = {on}");
            }
            let _ = writeln!(
                t,
                "target_recall = {}\npairs_per_record = {}\nsample = {}\nanchors = {}\n",
                l.target_recall, l.pairs_per_record, l.sample, l.anchors
            );
        }
        for r in &self.rules {
            let _ = writeln!(t, "[[blocking.rules]]");
            let _ = writeln!(t, "name = {}", quote(&r.name));
            let _ = writeln!(t, "keys = [{}]", names(&r.keys));
            if !r.fields.is_empty() {
                let f: Vec<String> = r.fields.iter().map(|f| quote(f)).collect();
                let _ = writeln!(t, "fields = [{}]", f.join(", "));
            }
            if !r.split_by.is_empty() {
                let _ = writeln!(t, "split_by = [{}]", names(&r.split_by));
            }
            t.push('\n');
        }
        t
    }

    /// Checks that every extra field the rules name is among `extras`.
    pub fn check_fields(&self, extras: &[ExtraField]) -> Result<()> {
        for (i, r) in self.rules.iter().enumerate() {
            if let Some(name) = r.fields.iter().find(|n| !extras.iter().any(|e| e.name == **n)) {
                let names: Vec<&str> = extras.iter().map(|e| e.name.as_str()).collect();
                return Err(Error::Config {
                    path: None,
                    key: format!("blocking.rules[{i}].fields"),
                    reason: format!(
                        "rule `{}` uses the field `{name}`, which the input does not have (its \
                         extra fields: {})",
                        r.name,
                        if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                    ),
                });
            }
        }
        Ok(())
    }

    /// Checks the configuration.
    pub fn validate(&self) -> Result<()> {
        if self.rules.is_empty() {
            return Err(Error::Config {
                path: None,
                key: "blocking.rules".into(),
                reason: "at least one rule is needed".into(),
            });
        }
        for (i, r) in self.rules.iter().enumerate() {
            if let Some(j) = self.rules[..i].iter().position(|o| o.name == r.name) {
                return Err(Error::Config {
                    path: None,
                    key: format!("blocking.rules[{i}].name"),
                    reason: format!(
                        "rules [{j}] and [{i}] are both named `{}`; give each rule its own name",
                        r.name
                    ),
                });
            }
            if r.keys.is_empty() && r.fields.is_empty() {
                return Err(Error::Config {
                    path: None,
                    key: format!("blocking.rules[{i}].keys"),
                    reason: format!("rule `{}` has no key", r.name),
                });
            }
        }
        if self.max_block < 2 {
            return Err(Error::Config {
                path: None,
                key: "blocking.max_block".into(),
                reason: "must be at least 2".into(),
            });
        }
        self.learn.validate()
    }
}

/// What one rule did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleStats {
    /// The rule's name.
    pub rule: String,
    /// Records with a key under this rule.
    pub records_keyed: u64,
    /// Blocks of two records or more.
    pub blocks: u64,
    /// Candidate pairs this rule produced (pairs of earlier rules excluded).
    pub pairs: u64,
    /// Pairs in this rule's blocks already produced by an earlier rule.
    pub pairs_seen_before: u64,
    /// Blocks larger than `max_block` that were split by `split_by`.
    pub blocks_split: u64,
    /// Blocks (or split parts) still larger than `max_block`, skipped.
    pub blocks_skipped: u64,
    /// Pairs not compared because their block was skipped.
    pub pairs_skipped: u64,
    /// The largest blocks before splitting: (size, a record of the block); in JSON, objects
    /// `{"records", "first_record"}` (the record's index in the store).
    #[serde(serialize_with = "named_blocks")]
    pub largest: Vec<(u64, u32)>,
    /// The matches the model expects among the pairs of this rule and the earlier ones (the
    /// sum of their match probabilities): over the total, the rules' cumulative estimated
    /// recall.
    pub cumulative_expected_matches: f64,
}

fn named_blocks<S: serde::Serializer>(blocks: &[(u64, u32)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    #[derive(Serialize)]
    struct Block {
        records: u64,
        first_record: u32,
    }
    let mut seq = s.serialize_seq(Some(blocks.len()))?;
    for &(records, first_record) in blocks {
        seq.serialize_element(&Block { records, first_record })?;
    }
    seq.end()
}

/// How many of the largest blocks a rule's statistics keep.
const LARGEST: usize = 10;

/// Keeps the largest blocks seen (size, first record) without growing without bound.
fn note_largest(largest: &mut Vec<(u64, u32)>, size: u64, first: u32) {
    largest.push((size, first));
    if largest.len() >= 8 * LARGEST {
        largest.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        largest.truncate(LARGEST);
    }
}

/// The blocking state of one run: the effective keys of the rules done so far.
#[derive(Debug)]
pub struct Blocker<'a, R: Records> {
    cfg: &'a Blocking,
    records: &'a R,
    /// Records `0..n` are the first source of a link; only pairs across are produced.
    link_split: Option<u32>,
    /// Effective keys of completed rules, one vector per rule.
    done: Vec<Vec<u64>>,
    /// `(key, record)` pairs of the current rule, reused from rule to rule.
    order: Vec<(u64, u32)>,
    /// Exact copies, when collapsed ([`Blocker::collapse_copies`]).
    copies: Option<Copies>,
}

/// Groups of exact copies: records of one source whose [`Features`] and extra values are all
/// equal. Only the first record of a group (its representative) enters the blocking rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Copies {
    /// The groups (two records or more, ascending: the first is the representative), in the
    /// order of their content's hash.
    pub groups: Groups,
    /// Bit `i`: record `i` is a copy other than its group's first (left out of the rules).
    hidden: Vec<u64>,
    /// `(representative, group index)`, by representative.
    by_rep: Vec<(u32, u32)>,
}

impl Copies {
    /// Finds the exact copies of `records` (within each source of a link) in one parallel pass
    /// and a sort.
    pub fn find<R: Records>(records: &R, link_split: Option<u32>) -> Copies {
        let n = records.len();
        let side = |i: u32| link_split.is_some_and(|s| i >= s);
        let same = |a: u32, b: u32| {
            side(a) == side(b)
                && records.features(a) == records.features(b)
                && records.extra_hashes(a) == records.extra_hashes(b)
        };
        let mut order: Vec<(u64, u32)> = (0..n as u32)
            .into_par_iter()
            .map(|i| {
                let f = bytemuck::bytes_of(records.features(i));
                let e = bytemuck::cast_slice::<u64, u8>(records.extra_hashes(i));
                let h = crate::util::hash::hash64(f) ^ mix(crate::util::hash::hash64(e));
                (h ^ u64::from(side(i)), i)
            })
            .collect();
        order.par_sort_unstable();
        let mut copies = Copies { hidden: vec![0; n.div_ceil(64)], ..Copies::default() };
        let mut rest: Vec<u32> = Vec::new();
        for run in order.chunk_by(|x, y| x.0 == y.0).filter(|r| r.len() > 1) {
            // Records of one hash are ascending; equal ones are split from any collision.
            rest.clear();
            rest.extend(run.iter().map(|&(_, i)| i));
            while let Some(&first) = rest.first() {
                let group: Vec<u32>;
                (group, rest) = rest.iter().partition(|&&i| same(first, i));
                if group.len() > 1 {
                    for &m in &group[1..] {
                        copies.hidden[m as usize / 64] |= 1 << (m % 64);
                    }
                    copies.by_rep.push((first, copies.groups.len() as u32));
                    copies.groups.push(&group);
                }
            }
        }
        copies.by_rep.sort_unstable();
        copies
    }

    /// Whether record `i` is a copy other than its group's first.
    pub fn is_hidden(&self, i: u32) -> bool {
        self.hidden.get(i as usize / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// The group whose representative is `rep`, if any.
    pub fn group_of(&self, rep: u32) -> Option<&[u32]> {
        let k = self.by_rep.binary_search_by_key(&rep, |&(r, _)| r).ok()?;
        Some(self.groups.get(self.by_rep[k].1 as usize))
    }

    /// Records left out of the rules (copies other than the first of their group).
    pub fn hidden_count(&self) -> u64 {
        self.hidden.iter().map(|w| u64::from(w.count_ones())).sum()
    }
}

/// The groups of one rule: records to compare among themselves, as record indices (ascending
/// within a group), in one flat array.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Groups {
    members: Vec<u32>,
    ends: Vec<u32>,
}

impl Groups {
    /// Number of groups.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no group.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Group `i`.
    pub fn get(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.members[start..self.ends[i] as usize]
    }

    /// The groups in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u32]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The groups, for rayon; `collect` keeps their order.
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = &[u32]> + '_ {
        (0..self.len()).into_par_iter().map(|i| self.get(i))
    }

    fn push(&mut self, group: &[u32]) {
        self.members.extend_from_slice(group);
        self.ends.push(self.members.len() as u32);
    }
}

impl<'a> IntoIterator for &'a Groups {
    type Item = &'a [u32];
    type IntoIter = GroupsIter<'a>;

    fn into_iter(self) -> GroupsIter<'a> {
        GroupsIter { groups: self, next: 0 }
    }
}

/// An iterator over [`Groups`].
#[derive(Clone, Debug)]
pub struct GroupsIter<'a> {
    groups: &'a Groups,
    next: usize,
}

impl<'a> Iterator for GroupsIter<'a> {
    type Item = &'a [u32];

    fn next(&mut self) -> Option<&'a [u32]> {
        (self.next < self.groups.len()).then(|| {
            self.next += 1;
            self.groups.get(self.next - 1)
        })
    }
}

impl<'a, R: Records> Blocker<'a, R> {
    /// A blocker over `records`. With `link_split = Some(n)`, records `0..n` are one source and
    /// the rest the other, and only pairs across them are produced.
    pub fn new(cfg: &'a Blocking, records: &'a R, link_split: Option<u32>) -> Self {
        Blocker { cfg, records, link_split, done: Vec::new(), order: Vec::new(), copies: None }
    }

    /// Finds the exact copies first ([`Copies::find`]): only the first record of each group of
    /// copies enters the rules. The caller compares the copies with their first record
    /// ([`Blocker::copies`]) and, in a link, gives each pair of a representative to its copies.
    #[must_use]
    pub fn collapse_copies(mut self) -> Self {
        self.copies = Some(Copies::find(self.records, self.link_split));
        self
    }

    /// The exact copies, when collapsed.
    pub fn copies(&self) -> Option<&Copies> {
        self.copies.as_ref()
    }

    /// The effective keys of the rules done so far, for reports.
    pub fn rules_done(&self) -> usize {
        self.done.len()
    }

    /// Computes the groups of the next rule and its statistics; `None` when all rules are done.
    /// The groups are in key order; [`Blocker::for_each_new_pair`] enumerates the pairs to
    /// compare inside a group. The statistics' pair counts are left at 0: they take a pass over
    /// the pairs, which [`Blocker::count_pairs`] makes and scoring makes anyway.
    pub fn next_rule(&mut self) -> Option<(Groups, RuleStats)> {
        let rule = self.cfg.rules.get(self.done.len())?;
        let records = self.records;
        let n = records.len();
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        let idx = rule.extra_indices(records.extra_fields()).unwrap_or_default();
        let copies = self.copies.as_ref();
        order.par_extend((0..n as u32).into_par_iter().filter_map(|i| {
            if copies.is_some_and(|c| c.is_hidden(i)) {
                return None;
            }
            let k = rule.key_with(records.features(i), records.extra_hashes(i), &idx);
            (k != 0).then_some((k, i))
        }));
        let mut stats = RuleStats {
            rule: rule.name.clone(),
            records_keyed: order.len() as u64,
            ..RuleStats::default()
        };
        order.par_sort_unstable();
        let mut effective = vec![0u64; n];
        let mut groups = Groups::default();
        let mut members: Vec<u32> = Vec::new();
        for run in order.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 {
                continue;
            }
            let key = run[0].0;
            members.clear();
            members.extend(run.iter().map(|&(_, i)| i));
            note_largest(&mut stats.largest, members.len() as u64, members[0]);
            if members.len() > self.cfg.max_block {
                stats.blocks_split += u64::from(!rule.split_by.is_empty());
            }
            self.place(rule, &members, key, 0, &mut effective, &mut groups, &mut stats);
        }
        self.order = order;
        self.done.push(effective);
        stats.largest.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        stats.largest.truncate(LARGEST);
        Some((groups, stats))
    }

    /// All pairs inside the groups (new or not).
    pub fn pairs_in_groups(&self, groups: &Groups) -> u64 {
        groups.iter().map(|g| self.pairs_in(g)).sum()
    }

    /// Counts the new pairs of the current rule's groups (those no earlier rule produced) and
    /// fills `stats.pairs` and `stats.pairs_seen_before`.
    pub fn count_pairs(&self, groups: &Groups, stats: &mut RuleStats) {
        let total = self.pairs_in_groups(groups);
        let new = if self.done.len() <= 1 {
            total
        } else {
            groups
                .par_iter()
                .map(|g| {
                    let mut new = 0u64;
                    self.for_each_new_pair(g, |_, _| new += 1);
                    new
                })
                .sum()
        };
        stats.pairs = new;
        stats.pairs_seen_before = total - new;
    }

    /// Accepts a block, or splits it by the next `split_by` key (progressively: the first key,
    /// then the second within each part…) while it is larger than `max_block`; what is still too
    /// large when the keys run out, or lacks a split key, is skipped and counted.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &self,
        rule: &Rule,
        members: &[u32],
        key: u64,
        level: usize,
        effective: &mut [u64],
        groups: &mut Groups,
        stats: &mut RuleStats,
    ) {
        if members.len() <= self.cfg.max_block {
            for &m in members {
                effective[m as usize] = key;
            }
            stats.blocks += 1;
            groups.push(members);
            return;
        }
        let Some(part_key) = rule.split_by.get(level) else {
            stats.blocks_skipped += 1;
            stats.pairs_skipped += self.pairs_in(members);
            return;
        };
        let mut sub: Vec<(u64, u32)> = members
            .iter()
            .map(|&m| (combine(std::slice::from_ref(part_key), self.records.features(m), key), m))
            .collect();
        sub.sort_unstable();
        let mut kept = 0;
        for part in sub.chunk_by(|x, y| x.0 == y.0) {
            let k2 = part[0].0;
            if part.len() < 2 || k2 == 0 {
                continue;
            }
            let ids: Vec<u32> = part.iter().map(|&(_, i)| i).collect();
            kept += self.pairs_in(&ids);
            self.place(rule, &ids, k2, level + 1, effective, groups, stats);
        }
        // Pairs across parts, or with a record lacking the split key, are not compared.
        stats.pairs_skipped += self.pairs_in(members) - kept;
    }

    fn pairs_in(&self, members: &[u32]) -> u64 {
        let n = members.len() as u64;
        match self.link_split {
            None => n * n.saturating_sub(1) / 2,
            Some(s) => {
                let left = members.partition_point(|&m| m < s) as u64;
                left * (n - left)
            }
        }
    }

    /// Calls `f(a, b)` for every pair of a group of the current rule (the last one returned by
    /// [`Blocker::next_rule`]) that no earlier rule produced; `a < b`, and in a link `a` is from
    /// the first source.
    pub fn for_each_new_pair(&self, g: &[u32], mut f: impl FnMut(u32, u32)) {
        let mut keys = Vec::new();
        self.for_each_new_pair_in(g, &mut keys, |x, y| f(g[x], g[y]));
    }

    /// Like [`Blocker::for_each_new_pair`], with positions in `g` instead of record indices (so
    /// that a caller can gather the group's records once). `keys` is scratch space: the earlier
    /// rules' keys of the group's members are copied into it once, so that checking a pair reads
    /// a few cache lines instead of one array per rule.
    pub fn for_each_new_pair_in(
        &self,
        group: &[u32],
        keys: &mut Vec<u64>,
        mut f: impl FnMut(usize, usize),
    ) {
        let earlier = &self.done[..self.done.len().saturating_sub(1)];
        let rules = earlier.len();
        keys.clear();
        for &m in group {
            keys.extend(earlier.iter().map(|k| k[m as usize]));
        }
        let keys = &keys[..];
        let new_pair = |x: usize, y: usize| {
            let kx = &keys[x * rules..(x + 1) * rules];
            let ky = &keys[y * rules..(y + 1) * rules];
            kx.iter().zip(ky).all(|(&kx, &ky)| kx == 0 || kx != ky)
        };
        // In a link, the group's records of the first source come first (indices ascend).
        let right_start = self.link_split.map(|s| group.partition_point(|&m| m < s));
        let left = right_start.unwrap_or(group.len());
        for x in 0..left {
            for y in right_start.unwrap_or(x + 1)..group.len() {
                if rules == 0 || new_pair(x, y) {
                    f(x, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_part_names_are_the_schemas_reserved_names() {
        // `schema::KEY_PART_NAMES` (below this module) must be exactly the serde names.
        let exhaustive = |k: KeyPart| match k {
            KeyPart::NationalId
            | KeyPart::Phone
            | KeyPart::Dob
            | KeyPart::BirthYear
            | KeyPart::Name
            | KeyPart::NameAscii
            | KeyPart::NameSorted
            | KeyPart::NamePhonetic
            | KeyPart::FamilyClass
            | KeyPart::GivenClass
            | KeyPart::GivenPhonetic
            | KeyPart::MiddleCore
            | KeyPart::ProvinceNew
            | KeyPart::DistrictOld
            | KeyPart::WardOld
            | KeyPart::WardNew
            | KeyPart::Street
            | KeyPart::House
            | KeyPart::Sex => k as u8,
        };
        let names = crate::schema::KEY_PART_NAMES;
        for (i, name) in names.iter().enumerate() {
            let k: KeyPart = serde_json::from_value(serde_json::Value::from(*name)).expect(name);
            assert_eq!(usize::from(exhaustive(k)), i, "{name}");
            assert_eq!(serde_json::to_value(k).expect("a name"), serde_json::Value::from(*name));
            assert_eq!(k.name(), *name);
        }
        // One name per variant: the match above lists them all, the last discriminant is 18.
        assert_eq!(exhaustive(KeyPart::Sex) as usize + 1, names.len());
    }

    fn rec(dob: u32, phone: u64) -> Features {
        Features { phone, dob, ..Features::default() }
    }

    fn collect<R: Records>(
        cfg: &Blocking,
        r: &R,
        split: Option<u32>,
    ) -> (Vec<(u32, u32)>, Vec<RuleStats>) {
        let mut b = Blocker::new(cfg, r, split);
        let mut pairs = Vec::new();
        let mut stats = Vec::new();
        while let Some((groups, mut s)) = b.next_rule() {
            for g in groups.iter() {
                b.for_each_new_pair(g, |x, y| pairs.push((x, y)));
            }
            b.count_pairs(&groups, &mut s);
            stats.push(s);
        }
        (pairs, stats)
    }

    const D1: u32 = (1980 << 9) | (3 << 5) | 5;
    const D2: u32 = (1990 << 9) | (1 << 5) | 1;

    #[test]
    fn later_rules_do_not_repeat_pairs() {
        let cfg = Blocking::with_rules(
            vec![Rule::new(&[KeyPart::Phone], &[]), Rule::new(&[KeyPart::Dob], &[])],
            100,
        );
        // 0,1 share phone and dob; 2 shares dob with them; 3 shares phone with 0 only.
        let r =
            (vec![rec(D1, 911), rec(D1, 911), rec(D1, 0), rec(D2, 911)], vec![String::new(); 4]);
        let (pairs, stats) = collect(&cfg, &r, None);
        assert_eq!(pairs, vec![(0, 1), (0, 3), (1, 3), (0, 2), (1, 2)]);
        assert_eq!((stats[0].pairs, stats[1].pairs, stats[1].pairs_seen_before), (3, 2, 1));
    }

    #[test]
    fn oversized_blocks_are_split_or_skipped_and_reported() {
        let cfg = Blocking::with_rules(
            vec![
                Rule::new(&[KeyPart::Dob], &[KeyPart::Phone]),
                Rule::new(&[KeyPart::BirthYear], &[]),
            ],
            2,
        );
        // Four records with one dob: split by phone into {0,1} and {2,3}.
        let r = (vec![rec(D1, 1), rec(D1, 1), rec(D1, 2), rec(D1, 2)], vec![String::new(); 4]);
        let (mut pairs, stats) = collect(&cfg, &r, None);
        pairs.sort_unstable();
        assert_eq!(stats[0].blocks_split, 1);
        assert_eq!(stats[0].pairs, 2);
        assert_eq!(stats[0].pairs_skipped, 4);
        // The birth-year block (4 records) is oversized and has no split key: skipped, reported.
        assert_eq!(stats[1].blocks_skipped, 1);
        assert_eq!(stats[1].pairs_skipped, 6);
        assert_eq!(pairs, vec![(0, 1), (2, 3)]);
    }

    #[test]
    fn link_produces_cross_pairs_only() {
        let cfg = Blocking::with_rules(vec![Rule::new(&[KeyPart::Dob], &[])], 100);
        let r = (
            vec![rec(D1, 0), rec(D1, 0), rec(D1, 0), rec(D2, 0), rec(D1, 0)],
            vec![String::new(); 5],
        );
        let (pairs, stats) = collect(&cfg, &r, Some(2));
        assert_eq!(pairs, vec![(0, 2), (0, 4), (1, 2), (1, 4)]);
        assert_eq!(stats[0].pairs, 4);
    }
}
