//! What a person store holds: format, sizes, build metadata, fill rates, preparation warnings,
//! the most frequent values of the main fields, and the group sizes of every blocking-key
//! posting list ([`inspect`] → [`Inspection`], printed by `vnlink inspect`).
//!
//! Cost: one parallel pass (rayon, chunks of 16,384 records) over the `features`,
//! `name.text` and `name.ascii` columns, plus one pass over each posting list's offsets. Memory
//! stays bounded whatever the store size: family and given names are counted in `FxHashMap`s
//! keyed by slices of the mapped file (their vocabulary is small); full names are *not* counted
//! per record — their top values come from the store's name term-frequency table
//! (`vnlink.name_counts`, ASCII-folded names), and the pass counts only the spellings of those
//! top names.

use std::fmt::Display;
use std::io::{self, Write};

use crate::util::fmt::thousands as th;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::prepare::warning;
use super::{BuildMeta, POSTINGS_PREFIX, RAW_KINDS, View};
use crate::compare::Features;
use crate::error::Result;
use crate::normalize::admin::gazetteer;
use crate::normalize::date::Date;
use crate::store::{SectionKind, Store, StrColumn};

/// Records per unit of parallel work.
const CHUNK: usize = 16_384;

/// What to compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectOptions {
    /// How many of the most frequent values (and largest blocking groups) to list.
    pub top: usize,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions { top: 10 }
    }
}

/// What a person store holds (everything `vnlink inspect` prints, as text or as JSON). Counts are
/// records unless said otherwise; every `percent` is of all records, rounded to 0.01.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    /// The store's path.
    pub file: String,
    /// On-disk format version.
    pub format_version: u32,
    /// Records stored.
    pub records: u64,
    /// File size in bytes.
    pub file_bytes: u64,
    /// `file_bytes / records`.
    pub bytes_per_record: f64,
    /// Number of blocks.
    pub blocks: u32,
    /// Records per full block.
    pub block_records: u32,
    /// How the store was built.
    pub build: BuildInfo,
    /// Bytes by part of the file, largest first.
    pub size: Vec<SizePart>,
    /// Records with each field present (normalised to a usable value), in field order.
    pub completeness: Vec<Counted>,
    /// Records per preparation warning, in warning order (zero counts included).
    pub warnings: Vec<Counted>,
    /// Legacy encoding decided per text column ("per value" when left to each value).
    pub encodings: BTreeMap<String, String>,
    /// The column mapping, in input order.
    pub columns: Vec<ColumnMap>,
    /// The most frequent values of the main fields.
    pub top: Top,
    /// The stored term-frequency tables (`null` for a store built before they were stored).
    pub term_frequencies: Option<Vec<TermTable>>,
    /// One entry per blocking-key posting list.
    pub blocking: Vec<BlockReport>,
}

/// Build metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildInfo {
    /// vnlink version that built the store.
    pub vnlink_version: String,
    /// Source file (empty for in-memory builds).
    pub source: String,
    /// Input rows read.
    pub rows_read: u64,
    /// Input rows skipped, by reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
}

/// Bytes of one part of the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizePart {
    /// Column, global section or posting-list name (`"(header, schema, toc)"` for the rest).
    pub part: String,
    /// `column`, `global`, `postings` or `structure`.
    pub kind: &'static str,
    /// Bytes, alignment padding excluded.
    pub bytes: u64,
    /// `bytes / records`.
    pub bytes_per_record: f64,
}

/// A name with a count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counted {
    /// Field, warning or value.
    pub name: String,
    /// Records.
    pub count: u64,
    /// Percent of all records.
    pub percent: f64,
}

/// One column of the input and the field it was read as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnMap {
    /// The field kind (`full_name`, `dob`, …).
    pub kind: String,
    /// The input header.
    pub header: String,
}

/// The most frequent values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Top {
    /// Full names, grouped by their ASCII fold (the matcher's term-frequency unit).
    pub full_names: FullNames,
    /// Family names (canonical spelling).
    pub family_names: Frequent,
    /// Given names (canonical spelling).
    pub given_names: Frequent,
    /// New (2025) provinces.
    pub provinces: Provinces,
    /// Birth years.
    pub birth_years: Years,
    /// Sex.
    pub sex: Vec<Counted>,
}

/// One stored term-frequency table (`vnlink.name_counts`, `vnlink.tf.*`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermTable {
    /// What it counts: `full_names` (ASCII fold), `family_names`, `given_names`, `streets`.
    pub of: &'static str,
    /// Distinct values.
    pub distinct: u64,
    /// Records with a value.
    pub records: u64,
    /// Records sharing the most frequent value.
    pub largest: u64,
}

/// Top full names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FullNames {
    /// Distinct ASCII full names.
    pub distinct: u64,
    /// The most frequent, by record count.
    pub values: Vec<FullName>,
}

/// One frequent full name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FullName {
    /// Its most frequent canonical spelling (with diacritics).
    pub value: String,
    /// The ASCII fold every spelling shares.
    pub ascii: String,
    /// Records with this ASCII name.
    pub count: u64,
    /// Percent of all records.
    pub percent: f64,
    /// Distinct canonical spellings of it.
    pub spellings: u64,
}

/// The most frequent values of a text field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frequent {
    /// Distinct values.
    pub distinct: u64,
    /// Records without a value.
    pub missing: u64,
    /// The most frequent values.
    pub values: Vec<Counted>,
}

/// Top provinces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provinces {
    /// Distinct provinces.
    pub distinct: u64,
    /// Records without a known province.
    pub missing: u64,
    /// The most frequent.
    pub values: Vec<Province>,
}

/// One province and its count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Province {
    /// New (2025) province code.
    pub code: u8,
    /// Its name from the gazetteer.
    pub name: String,
    /// Records.
    pub count: u64,
    /// Percent of all records.
    pub percent: f64,
}

/// Top birth years.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Years {
    /// Distinct years.
    pub distinct: u64,
    /// Records without a date of birth.
    pub missing: u64,
    /// Earliest year.
    pub min: Option<u16>,
    /// Latest year.
    pub max: Option<u16>,
    /// The most frequent.
    pub values: Vec<BirthYear>,
}

/// One birth year and its count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BirthYear {
    /// The year.
    pub year: u16,
    /// Records.
    pub count: u64,
    /// Percent of all records.
    pub percent: f64,
}

/// The group sizes of one blocking-key posting list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockReport {
    /// The blocking rule's name.
    pub rule: String,
    /// The posting list's section name.
    pub posting_list: String,
    /// The rule's key parts (empty when the rule is not in the build metadata).
    pub parts: Vec<String>,
    /// Distinct keys (groups).
    pub keys: u64,
    /// Records with a key (all its parts present).
    pub records_keyed: u64,
    /// Candidate pairs the groups imply: Σ n(n−1)/2.
    pub pairs: u64,
    /// The configured largest block compared in full.
    pub max_block: u64,
    /// Groups larger than `max_block` (split or skipped when matching).
    pub oversized_groups: u64,
    /// The largest groups, largest first.
    pub largest: Vec<Group>,
    /// Groups by size.
    pub distribution: Vec<Bucket>,
}

/// One group of a posting list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Records in it.
    pub size: u64,
    /// The id of its first record.
    pub record_id: String,
    /// The canonical name of its first record.
    pub name: String,
}

/// Groups of a posting list whose size lies in a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// The range: `1`, `2-10`, `11-100`, `101-1000`, `>1000`.
    pub sizes: &'static str,
    /// Groups.
    pub groups: u64,
    /// Records in them.
    pub records: u64,
    /// Pairs they imply.
    pub pairs: u64,
}

/// The size buckets: label and largest size (inclusive).
const BUCKETS: [(&str, u64); 5] =
    [("1", 1), ("2-10", 10), ("11-100", 100), ("101-1000", 1000), (">1000", u64::MAX)];

/// Describes the person store behind `view`; [`InspectOptions::top`] bounds every list of
/// values. One parallel pass over the records and one over each posting list; the result does
/// not depend on the number of threads.
pub fn inspect(view: &View<'_>, opts: &InspectOptions) -> Result<Inspection> {
    let store = view.store();
    let top = opts.top;
    let meta = view.meta()?;
    let records = store.record_count();
    let texts = view.name_texts()?;
    let ids = view.record_ids()?;
    let pct = |n: u64| percent(n, records);

    // Full-name candidates from the term-frequency table, then the one pass.
    let (name_hashes, name_counts) = view.name_counts()?;
    let top_names =
        top_n(name_hashes.iter().zip(name_counts).map(|(&h, &c)| (u64::from(c), h)), top);
    let wanted: FxHashSet<u64> = top_names.iter().map(|&(_, h)| h).collect();
    let (tally, blocking) = rayon::join(
        || tally(view, &texts, &wanted),
        || blocking_reports(store, &meta, &ids, &texts, top),
    );
    let blocking = blocking?;

    let table = |of: &'static str, (hashes, counts): (&[u64], &[u32])| TermTable {
        of,
        distinct: hashes.len() as u64,
        records: counts.iter().map(|&c| u64::from(c)).sum(),
        largest: counts.iter().copied().max().map_or(0, u64::from),
    };
    let term_frequencies = view.part_counts().ok().map(|[family, given, street]| {
        vec![
            table("full_names", (name_hashes, name_counts)),
            table("family_names", family),
            table("given_names", given),
            table("streets", street),
        ]
    });

    let file_bytes = store.as_bytes().len() as u64;
    let per_record = |b: u64| if records == 0 { 0.0 } else { round2(b as f64 / records as f64) };
    let completeness = RAW_KINDS
        .iter()
        .map(|k| {
            let n = meta.completeness.get(k.as_str()).copied().unwrap_or(0);
            Counted { name: k.as_str().to_owned(), count: n, percent: pct(n) }
        })
        .collect();
    let warnings = warning::NAMES
        .iter()
        .map(|w| {
            let n = meta.warnings.get(*w).copied().unwrap_or(0);
            Counted { name: (*w).to_owned(), count: n, percent: pct(n) }
        })
        .collect();
    let size = size_parts(store, file_bytes)
        .into_iter()
        .map(|(part, kind, bytes)| SizePart {
            part,
            kind,
            bytes,
            bytes_per_record: per_record(bytes),
        })
        .collect();

    Ok(Inspection {
        file: store.path().display().to_string(),
        format_version: store.format_version(),
        records,
        file_bytes,
        bytes_per_record: per_record(file_bytes),
        blocks: store.block_count(),
        block_records: store.block_records(),
        build: BuildInfo {
            vnlink_version: meta.vnlink_version.clone(),
            source: meta.source.clone(),
            rows_read: meta.rows_read,
            skipped_by_reason: meta.skipped_by_reason.clone(),
        },
        size,
        completeness,
        warnings,
        encodings: meta.encodings.iter().cloned().collect(),
        columns: meta
            .columns
            .iter()
            .map(|(k, h)| ColumnMap { kind: k.clone(), header: h.clone() })
            .collect(),
        top: tally.into_top(view, &top_names, name_hashes.len() as u64, records, top),
        term_frequencies,
        blocking,
    })
}

/// Counts of one chunk of records, merged across chunks.
#[derive(Default)]
struct Tally<'s> {
    family: FxHashMap<&'s str, u64>,
    given: FxHashMap<&'s str, u64>,
    family_missing: u64,
    given_missing: u64,
    /// Spellings of the wanted full names: count and first record.
    spellings: FxHashMap<&'s str, (u64, u64)>,
    provinces: Vec<u64>,
    years: FxHashMap<u16, u64>,
    year_missing: u64,
    /// Unknown, male, female.
    sex: [u64; 3],
}

impl<'s> Tally<'s> {
    fn add_chunk(
        &mut self,
        feats: &[Features],
        base: u64,
        texts: &StrColumn<'s>,
        asciis: &StrColumn<'s>,
        wanted: &FxHashSet<u64>,
    ) {
        if self.provinces.is_empty() {
            self.provinces = vec![0; 256];
        }
        for (i, f) in feats.iter().enumerate() {
            let rec = base + i as u64;
            let (family, given) = if f.name_tokens == 0 {
                (None, None)
            } else {
                let text = texts.try_get(rec).unwrap_or("");
                let ascii = asciis.try_get(rec).unwrap_or("");
                if wanted.contains(&f.name_ascii) {
                    let e = self.spellings.entry(text).or_insert((0, rec));
                    e.0 += 1;
                }
                name_parts(f, text, ascii)
            };
            match family {
                Some(v) => *self.family.entry(v).or_default() += 1,
                None => self.family_missing += 1,
            }
            match given {
                Some(v) => *self.given.entry(v).or_default() += 1,
                None => self.given_missing += 1,
            }
            self.provinces[usize::from(f.province_new)] += 1;
            match Date::unpack(f.dob) {
                Some(d) => *self.years.entry(d.year).or_default() += 1,
                None => self.year_missing += 1,
            }
            self.sex[usize::from(f.sex.min(2))] += 1;
        }
    }

    fn merge(mut self, mut other: Tally<'s>) -> Tally<'s> {
        if self.provinces.len() < other.provinces.len() {
            std::mem::swap(&mut self, &mut other);
        }
        for (k, v) in other.family {
            *self.family.entry(k).or_default() += v;
        }
        for (k, v) in other.given {
            *self.given.entry(k).or_default() += v;
        }
        for (k, (n, first)) in other.spellings {
            let e = self.spellings.entry(k).or_insert((0, first));
            e.0 += n;
            e.1 = e.1.min(first);
        }
        for (a, b) in self.provinces.iter_mut().zip(&other.provinces) {
            *a += b;
        }
        for (k, v) in other.years {
            *self.years.entry(k).or_default() += v;
        }
        for (a, b) in self.sex.iter_mut().zip(other.sex) {
            *a += b;
        }
        self.family_missing += other.family_missing;
        self.given_missing += other.given_missing;
        self.year_missing += other.year_missing;
        self
    }

    fn into_top(
        self,
        view: &View<'_>,
        top_names: &[(u64, u64)],
        distinct_names: u64,
        records: u64,
        top: usize,
    ) -> Top {
        let pct = |n: u64| percent(n, records);
        // Full names: the most frequent spelling of each wanted ASCII name.
        let mut best: FxHashMap<u64, (u64, &str, u64, u64)> = FxHashMap::default();
        for (&text, &(n, first)) in &self.spellings {
            let Some(f) = view.features_column().try_get(first) else { continue };
            let e = best.entry(f.name_ascii).or_insert((0, text, first, 0));
            e.3 += 1;
            if (n, Reverse(text)) > (e.0, Reverse(e.1)) {
                (e.0, e.1, e.2) = (n, text, first);
            }
        }
        let full = top_names
            .iter()
            .map(|&(count, hash)| {
                let (value, first, spellings) =
                    best.get(&hash).map_or(("", u64::MAX, 0), |&(_, t, r, s)| (t, r, s));
                FullName {
                    value: value.to_owned(),
                    ascii: view.name_ascii_column().try_get(first).unwrap_or("").to_owned(),
                    count,
                    percent: pct(count),
                    spellings,
                }
            })
            .collect();
        let values = |m: &FxHashMap<&str, u64>, missing: u64| Frequent {
            distinct: m.len() as u64,
            missing,
            values: top_by_name(m.iter().map(|(&k, &v)| (v, k)), top)
                .into_iter()
                .map(|(n, k)| Counted { name: k.to_owned(), count: n, percent: pct(n) })
                .collect(),
        };
        let g = gazetteer();
        let province_counts = self.provinces.iter().enumerate().skip(1).filter(|&(_, &n)| n > 0);
        let provinces = Provinces {
            distinct: province_counts.clone().count() as u64,
            missing: self.provinces.first().copied().unwrap_or(0),
            values: top_n(province_counts.map(|(c, &n)| (n, Reverse(c as u8))), top)
                .into_iter()
                .map(|(n, Reverse(code))| Province {
                    code,
                    name: g.new_province(code).map_or_else(|| "?".to_owned(), |p| p.name.into()),
                    count: n,
                    percent: pct(n),
                })
                .collect(),
        };
        let years = Years {
            distinct: self.years.len() as u64,
            missing: self.year_missing,
            min: self.years.keys().min().copied(),
            max: self.years.keys().max().copied(),
            values: top_n(self.years.iter().map(|(&y, &n)| (n, Reverse(y))), top)
                .into_iter()
                .map(|(n, Reverse(year))| BirthYear { year, count: n, percent: pct(n) })
                .collect(),
        };
        let sex = ["unknown", "male", "female"]
            .iter()
            .zip(self.sex)
            .map(|(s, n)| Counted { name: (*s).to_owned(), count: n, percent: pct(n) })
            .collect();
        Top {
            full_names: FullNames { distinct: distinct_names, values: full },
            family_names: values(&self.family, self.family_missing),
            given_names: values(&self.given, self.given_missing),
            provinces,
            birth_years: years,
            sex,
        }
    }
}

/// One parallel pass over the features and names of every record.
fn tally<'s>(view: &View<'s>, texts: &StrColumn<'s>, wanted: &FxHashSet<u64>) -> Tally<'s> {
    let feats = view.features_column();
    let asciis = view.name_ascii_column();
    let block_records = u64::from(view.store().block_records());
    let chunks: Vec<(u64, &[Features])> = feats
        .blocks()
        .iter()
        .enumerate()
        .flat_map(|(b, block)| {
            block
                .chunks(CHUNK)
                .enumerate()
                .map(move |(c, ch)| (b as u64 * block_records + (c * CHUNK) as u64, ch))
        })
        .collect();
    chunks
        .par_iter()
        .fold(Tally::default, |mut t, &(base, ch)| {
            t.add_chunk(ch, base, texts, asciis, wanted);
            t
        })
        .reduce(Tally::default, Tally::merge)
}

/// The family and given parts of a canonical name, located through the ASCII name's offsets
/// (one canonical token per ASCII token); the ASCII parts when the token counts differ.
fn name_parts<'a>(
    f: &Features,
    text: &'a str,
    ascii: &'a str,
) -> (Option<&'a str>, Option<&'a str>) {
    let spaces = |s: &str| s.bytes().filter(|&b| b == b' ').count();
    let (family_len, given_start) = (usize::from(f.family_len), usize::from(f.given_start));
    let non_empty = |s: &'a str| (!s.is_empty()).then_some(s);
    if spaces(text) != spaces(ascii) {
        let (family, _, given) = f.parts(ascii);
        return (non_empty(family), non_empty(given));
    }
    // Token counts before each boundary in the ASCII name, then the same boundaries in `text`.
    let family = ascii.get(..family_len).filter(|s| !s.is_empty()).and_then(|s| {
        let end = nth_space(text, spaces(s)).unwrap_or(text.len());
        text.get(..end)
    });
    let given = ascii.get(..given_start).and_then(|s| {
        if given_start >= ascii.len() {
            return None;
        }
        let k = spaces(s);
        let start = if k == 0 { 0 } else { nth_space(text, k - 1)? + 1 };
        text.get(start..)
    });
    (family.and_then(non_empty), given.and_then(non_empty))
}

/// The byte offset of the `n`-th (0-based) space of `s`.
fn nth_space(s: &str, n: usize) -> Option<usize> {
    s.bytes().enumerate().filter(|&(_, b)| b == b' ').nth(n).map(|(i, _)| i)
}

/// The group sizes of every posting list, in parallel.
fn blocking_reports(
    store: &Store,
    meta: &BuildMeta,
    ids: &StrColumn<'_>,
    texts: &StrColumn<'_>,
    top: usize,
) -> Result<Vec<BlockReport>> {
    let mut names: Vec<&str> =
        store.posting_names().into_iter().filter(|n| n.starts_with(POSTINGS_PREFIX)).collect();
    // In the order of the rules, then any other list by name.
    let order = |name: &str| {
        meta.blocking
            .rules
            .iter()
            .position(|r| name.strip_prefix(POSTINGS_PREFIX) == Some(r.name.as_str()))
            .unwrap_or(usize::MAX)
    };
    names.sort_by_key(|n| (order(n), *n));
    names
        .par_iter()
        .map(|&name| {
            let p = store.postings(name)?;
            let rule_name = name.strip_prefix(POSTINGS_PREFIX).unwrap_or(name);
            let parts = meta
                .blocking
                .rules
                .iter()
                .find(|r| r.name == rule_name)
                .map(|r| r.keys.iter().map(|k| k.name().to_owned()).collect())
                .unwrap_or_default();
            let max_block = meta.blocking.max_block as u64;
            let mut buckets =
                BUCKETS.map(|(sizes, _)| Bucket { sizes, groups: 0, records: 0, pairs: 0 });
            let (mut pairs, mut oversized) = (0u64, 0u64);
            for i in 0..p.key_count() {
                let n = p.group(i).len() as u64;
                let pr = n * n.saturating_sub(1) / 2;
                pairs += pr;
                oversized += u64::from(n > max_block);
                if let Some(b) = BUCKETS.iter().position(|&(_, hi)| n <= hi) {
                    buckets[b].groups += 1;
                    buckets[b].records += n;
                    buckets[b].pairs += pr;
                }
            }
            let largest =
                top_n((0..p.key_count()).map(|i| (p.group(i).len() as u64, Reverse(i))), top)
                    .into_iter()
                    .map(|(size, Reverse(i))| {
                        let first = p.group(i).first().map_or(u64::MAX, |&r| u64::from(r));
                        Group {
                            size,
                            record_id: ids.try_get(first).unwrap_or("").to_owned(),
                            name: texts.try_get(first).unwrap_or("").to_owned(),
                        }
                    })
                    .collect();
            Ok(BlockReport {
                rule: rule_name.to_owned(),
                posting_list: name.to_owned(),
                parts,
                keys: p.key_count() as u64,
                records_keyed: p.pair_count() as u64,
                pairs,
                max_block,
                oversized_groups: oversized,
                largest,
                distribution: buckets.into(),
            })
        })
        .collect()
}

/// Bytes per column, global section and posting list (sections summed), largest first; the
/// remainder of the file (header, schema, TOC, padding) as one more part.
fn size_parts(store: &Store, file_bytes: u64) -> Vec<(String, &'static str, u64)> {
    let mut parts: BTreeMap<(String, &'static str), u64> = BTreeMap::new();
    let mut sum = 0u64;
    for s in store.sections() {
        let kind = match s.kind {
            SectionKind::Column => "column",
            SectionKind::Global => "global",
            SectionKind::Postings => "postings",
        };
        // Section names read ``column `name` block 3``, ``global `name` ``, ``postings `name` ``.
        let name = s.name.split('`').nth(1).unwrap_or(&s.name).to_owned();
        *parts.entry((name, kind)).or_default() += s.length;
        sum += s.length;
    }
    let mut v: Vec<(String, &'static str, u64)> =
        parts.into_iter().map(|((n, k), b)| (n, k, b)).collect();
    v.push((
        "(header, schema, toc, padding)".to_owned(),
        "structure",
        file_bytes.saturating_sub(sum),
    ));
    v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The `n` largest items by their first component (ties: larger second component first, so
/// wrap it in `Reverse` to prefer the smaller), largest first, with a bounded heap.
fn top_n<K: Ord + Copy, T: Ord + Copy>(
    items: impl Iterator<Item = (K, T)>,
    n: usize,
) -> Vec<(K, T)> {
    if n == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Reverse<(K, T)>> = BinaryHeap::with_capacity(n + 1);
    for it in items {
        if heap.len() < n {
            heap.push(Reverse(it));
        } else if heap.peek().is_some_and(|Reverse(min)| it > *min) {
            heap.pop();
            heap.push(Reverse(it));
        }
    }
    let mut v: Vec<(K, T)> = heap.into_iter().map(|Reverse(x)| x).collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v
}

/// [`top_n`] over counted names: ties in alphabetical order.
fn top_by_name<'a>(items: impl Iterator<Item = (u64, &'a str)>, n: usize) -> Vec<(u64, &'a str)> {
    top_n(items.map(|(c, s)| (c, Reverse(s))), n)
        .into_iter()
        .map(|(c, Reverse(s))| (c, s))
        .collect()
}

fn percent(n: u64, of: u64) -> f64 {
    if of == 0 { 0.0 } else { round2(n as f64 * 100.0 / of as f64) }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

// ---- text rendering ----

/// One line of a counted list: label, count, percent and an optional suffix.
fn row(out: &mut impl Write, label: impl Display, n: u64, pct: f64, more: &str) -> io::Result<()> {
    writeln!(out, "  {label:<36} {:>11}  {pct:>6.2}%{more}", th(n))
}

impl Inspection {
    /// Writes the report as text, as `vnlink inspect` prints it.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        write_text(out, self)
    }
}

fn write_text(out: &mut impl Write, rep: &Inspection) -> io::Result<()> {
    let (build, version) = (&rep.build, rep.format_version);
    writeln!(out, "{}", rep.file)?;
    writeln!(out, "  format version   {version} (built by vnlink {})", build.vnlink_version)?;
    let plural = if rep.blocks == 1 { "" } else { "s" };
    let (records, blocks, per) =
        (th(rep.records), th(u64::from(rep.blocks)), th(u64::from(rep.block_records)));
    writeln!(out, "  records          {records} in {blocks} block{plural} of {per}")?;
    let bpr = rep.bytes_per_record;
    writeln!(out, "  file size        {} bytes, {bpr:.1} bytes/record", th(rep.file_bytes))?;
    let skipped = th(build.skipped_by_reason.values().sum());
    let source = if build.source.is_empty() { "(in memory)" } else { &build.source };
    let rows = th(build.rows_read);
    writeln!(out, "  source           {source} ({rows} rows read, {skipped} skipped)")?;
    for (reason, count) in &build.skipped_by_reason {
        writeln!(out, "    {:>10}  {reason}", th(*count))?;
    }

    let labels: Vec<String> = rep.size.iter().map(|p| format!("{} {}", p.kind, p.part)).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0).max(36);
    writeln!(out, "\n{:<width$} {:>13}  bytes/record", "size by part", "bytes")?;
    for (part, label) in rep.size.iter().zip(&labels) {
        writeln!(out, "  {label:<width$} {:>11}  {:>12.1}", th(part.bytes), part.bytes_per_record)?;
    }

    for (title, list) in [
        ("completeness (records with a usable value)", &rep.completeness),
        ("preparation warnings", &rep.warnings),
    ] {
        writeln!(out, "\n{title}")?;
        for c in list {
            row(out, &c.name, c.count, c.percent, "")?;
        }
    }
    writeln!(out, "\nlegacy encodings")?;
    for (field, enc) in &rep.encodings {
        writeln!(out, "  {field:<36} {enc}")?;
    }
    writeln!(out, "\ncolumn mapping")?;
    for c in &rep.columns {
        writeln!(out, "  {:<36} \"{}\"", c.kind, c.header)?;
    }
    if let Some(tables) = &rep.term_frequencies {
        let head = ("distinct", "records", "largest");
        writeln!(out, "\nterm-frequency tables {:>24} {:>11} {:>11}", head.0, head.1, head.2)?;
        for t in tables {
            let (d, r, l) = (th(t.distinct), th(t.records), th(t.largest));
            writeln!(out, "  {:<34} {d:>11} {r:>11} {l:>11}", t.of)?;
        }
    }
    print_top(out, &rep.top)?;
    print_blocking(out, &rep.blocking)
}

fn print_top(out: &mut impl Write, top: &Top) -> io::Result<()> {
    let distinct = th(top.full_names.distinct);
    writeln!(
        out,
        "\nfull names ({distinct} distinct without diacritics; most frequent spelling shown)"
    )?;
    for v in &top.full_names.values {
        let more =
            if v.spellings > 1 { format!("  ({} spellings)", v.spellings) } else { String::new() };
        row(out, &v.value, v.count, v.percent, &more)?;
    }
    for (title, vals) in [("family names", &top.family_names), ("given names", &top.given_names)] {
        let (d, m) = (th(vals.distinct), th(vals.missing));
        writeln!(out, "\n{title} ({d} distinct, {m} records without)")?;
        for v in &vals.values {
            row(out, &v.name, v.count, v.percent, "")?;
        }
    }
    let (distinct, unknown) = (th(top.provinces.distinct), th(top.provinces.missing));
    writeln!(out, "\nprovinces, 2025 codes ({distinct} distinct, {unknown} records unknown)")?;
    for p in &top.provinces.values {
        row(out, format!("{:02} {}", p.code, p.name), p.count, p.percent, "")?;
    }
    let years = &top.birth_years;
    let range = match (years.min, years.max) {
        (Some(lo), Some(hi)) => format!("{lo}–{hi}, "),
        _ => String::new(),
    };
    writeln!(out, "\nbirth years ({range}{} records without a date)", th(years.missing))?;
    for y in &years.values {
        row(out, y.year, y.count, y.percent, "")?;
    }
    writeln!(out, "\nsex")?;
    for s in &top.sex {
        row(out, &s.name, s.count, s.percent, "")?;
    }
    Ok(())
}

fn print_blocking(out: &mut impl Write, lists: &[BlockReport]) -> io::Result<()> {
    writeln!(out, "\nblocking keys")?;
    for b in lists {
        writeln!(out, "  {}", b.rule)?;
        let (keys, keyed, pairs) = (th(b.keys), th(b.records_keyed), th(b.pairs));
        let (over, max) = (th(b.oversized_groups), th(b.max_block));
        writeln!(
            out,
            "    {keys} keys, {keyed} records keyed, {pairs} pairs implied, {over} groups over {max}"
        )?;
        writeln!(out, "    group size        groups     records         pairs")?;
        for k in &b.distribution {
            let (g, r, p) = (th(k.groups), th(k.records), th(k.pairs));
            writeln!(out, "    {:<10} {g:>13} {r:>11} {p:>13}", k.sizes)?;
        }
        if !b.largest.is_empty() {
            let shown: Vec<String> = b
                .largest
                .iter()
                .map(|g| format!("{} (#{} {})", th(g.size), g.record_id, g.name))
                .collect();
            writeln!(out, "    largest: {}", shown.join(", "))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{BuildOptions, Record, build_records};

    fn record(id: &str, name: &str, dob: &str, sex: &str, address: &str, nid: &str) -> Record {
        Record {
            record_id: id.to_owned(),
            full_name: name.to_owned(),
            dob: dob.to_owned(),
            sex: sex.to_owned(),
            address: address.to_owned(),
            id_number: nid.to_owned(),
            phone: if id == "A1" || id == "A2" { "0912345678".to_owned() } else { String::new() },
            extras: Vec::new(),
            ..Record::default()
        }
    }

    /// Four records: one name in two spellings, a name that normalises to nothing, a date that is
    /// not one.
    fn tiny_store() -> Store {
        let records = [
            record(
                "A1",
                "Nguyễn Văn An",
                "1990-05-01",
                "nam",
                "Quận 1, TP Hồ Chí Minh",
                "001090012345",
            ),
            record("A2", "Nguyen Van An", "01/05/1990", "nam", "", ""),
            record("A3", "Trần Thị Bình", "", "nữ", "", ""),
            record("A4", "???", "not a date", "", "", ""),
        ];
        build_records(&records, &BuildOptions::default()).unwrap()
    }

    fn counted<'a>(list: &'a [Counted], name: &str) -> &'a Counted {
        list.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn tiny_store_counts() {
        let store = tiny_store();
        let view = View::new(&store).unwrap();
        let rep = inspect(&view, &InspectOptions::default()).unwrap();
        // Built from memory: no source file, no input rows.
        assert_eq!((rep.records, rep.blocks, rep.build.rows_read), (4, 1, 0));
        assert_eq!(rep.build.source, "");
        assert_eq!(rep.file_bytes, store.as_bytes().len() as u64);
        assert_eq!(rep.size.iter().map(|p| p.bytes).sum::<u64>(), rep.file_bytes);
        assert!(rep.size.windows(2).all(|w| w[0].bytes >= w[1].bytes));

        // Fill rates, in field order, with percents of all records.
        let fill: Vec<(&str, u64)> =
            rep.completeness.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(
            fill,
            [
                ("full_name", 3),
                ("dob", 2),
                ("sex", 3),
                ("address", 1),
                ("id_number", 1),
                ("phone", 2)
            ]
        );
        assert!((counted(&rep.completeness, "dob").percent - 50.0).abs() < 1e-9);
        // Every warning listed, in order; the nameless row and the bad date counted once.
        assert_eq!(rep.warnings.len(), warning::NAMES.len());
        assert_eq!(rep.warnings[0].name, "dob_unparseable");
        assert_eq!(counted(&rep.warnings, "name_empty").count, 1);
        assert!((counted(&rep.warnings, "name_empty").percent - 25.0).abs() < 1e-9);
        assert_eq!(counted(&rep.warnings, "dob_unparseable").count, 1);
        assert_eq!(counted(&rep.warnings, "id_invalid").count, 0);

        // Names: canonical spellings, one ASCII full name for both spellings.
        let t = &rep.top;
        let family: Vec<(&str, u64)> =
            t.family_names.values.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(family, [("nguyen", 1), ("nguyễn", 1), ("trần", 1)]);
        assert_eq!((t.family_names.distinct, t.family_names.missing), (3, 1));
        let given: Vec<(&str, u64)> =
            t.given_names.values.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(given, [("an", 2), ("bình", 1)]);
        assert_eq!(t.given_names.missing, 1);
        let full = &t.full_names.values[0];
        assert_eq!(
            (full.value.as_str(), full.ascii.as_str(), full.count, full.spellings),
            ("nguyen van an", "nguyen van an", 2, 2)
        );
        assert!((full.percent - 50.0).abs() < 1e-9);
        assert_eq!(t.full_names.values[1].value, "trần thị bình");

        // Years, sex and provinces add up to the records.
        let y = &t.birth_years;
        assert_eq!((y.distinct, y.missing, y.min, y.max), (1, 2, Some(1990), Some(1990)));
        assert_eq!((y.values[0].year, y.values[0].count), (1990, 2));
        let sex: Vec<(&str, u64)> = t.sex.iter().map(|c| (c.name.as_str(), c.count)).collect();
        assert_eq!(sex, [("unknown", 1), ("male", 2), ("female", 1)]);
        let p = &t.provinces;
        assert_eq!(p.values.iter().map(|v| v.count).sum::<u64>() + p.missing, 4);
        assert!(p.values.iter().any(|v| v.code == 79 && v.name == "Hồ Chí Minh" && v.count == 1));

        // Blocking: one national id, one phone shared by the two spellings.
        let list = |rule: &str| rep.blocking.iter().find(|b| b.rule == rule).unwrap();
        let id = list("national_id");
        assert_eq!((id.keys, id.records_keyed, id.pairs), (1, 1, 0));
        assert_eq!(id.posting_list, format!("{POSTINGS_PREFIX}national_id"));
        assert_eq!(id.parts, ["national_id"]);
        let phone = list("phone");
        assert_eq!(
            (phone.keys, phone.records_keyed, phone.pairs, phone.oversized_groups),
            (1, 2, 1, 0)
        );
        let g = &phone.largest[0];
        assert_eq!((g.size, g.record_id.as_str(), g.name.as_str()), (2, "A1", "nguyễn văn an"));
        let sizes: Vec<(&str, u64, u64, u64)> =
            phone.distribution.iter().map(|b| (b.sizes, b.groups, b.records, b.pairs)).collect();
        assert_eq!(
            sizes,
            [
                ("1", 0, 0, 0),
                ("2-10", 1, 2, 1),
                ("11-100", 0, 0, 0),
                ("101-1000", 0, 0, 0),
                (">1000", 0, 0, 0)
            ]
        );
    }

    #[test]
    fn top_bounds_every_list() {
        let store = tiny_store();
        let view = View::new(&store).unwrap();
        let rep = inspect(&view, &InspectOptions { top: 1 }).unwrap();
        let t = &rep.top;
        assert_eq!(t.full_names.values.len(), 1);
        assert_eq!(t.family_names.values.len(), 1);
        // Ties in alphabetical order: "nguyen" before "nguyễn" and "trần".
        assert_eq!(t.family_names.values[0].name, "nguyen");
        assert_eq!(t.given_names.values[0].name, "an");
        assert_eq!(t.birth_years.values.len(), 1);
        assert!(rep.blocking.iter().all(|b| b.largest.len() <= 1));
        // The counts themselves do not depend on `top`.
        assert_eq!(t.family_names.distinct, 3);
        let none = inspect(&view, &InspectOptions { top: 0 }).unwrap();
        assert!(none.top.full_names.values.is_empty() && none.top.given_names.values.is_empty());
        assert!(none.blocking.iter().all(|b| b.largest.is_empty()));
        assert_eq!(none.completeness, rep.completeness);
    }

    fn features(ascii: &str, family_tokens: usize, given_tokens: usize) -> Features {
        let toks: Vec<&str> = ascii.split(' ').collect();
        let family_len = toks[..family_tokens].join(" ").len();
        let given_start = toks.len() - given_tokens;
        let given_start: usize = toks[..given_start].iter().map(|t| t.len() + 1).sum();
        Features {
            name_tokens: toks.len() as u8,
            family_len: family_len as u8,
            given_start: given_start as u8,
            ..Features::default()
        }
    }

    #[test]
    fn name_parts_follow_the_ascii_offsets() {
        let f = features("nguyen thi hoa", 1, 1);
        assert_eq!(
            name_parts(&f, "nguyễn thị hòa", "nguyen thi hoa"),
            (Some("nguyễn"), Some("hòa"))
        );
        let f = features("ton that thuyet", 2, 1);
        assert_eq!(
            name_parts(&f, "tôn thất thuyết", "ton that thuyet"),
            (Some("tôn thất"), Some("thuyết"))
        );
        // A two-token name without a middle part.
        let f = features("le loi", 1, 1);
        assert_eq!(name_parts(&f, "lê lợi", "le loi"), (Some("lê"), Some("lợi")));
        // One token: no family part.
        let f = features("hoa", 0, 1);
        assert_eq!(name_parts(&f, "hòa", "hoa"), (None, Some("hòa")));
        // A minority name with a two-token given part.
        let f = features("ksor h hen", 1, 2);
        assert_eq!(name_parts(&f, "ksor h hen", "ksor h hen"), (Some("ksor"), Some("h hen")));
    }

    #[test]
    fn name_parts_fall_back_to_ascii_and_never_panic() {
        let f = features("nguyen van an", 1, 1);
        // Token counts differ: the ASCII parts.
        assert_eq!(name_parts(&f, "nguyễn văn", "nguyen van an"), (Some("nguyen"), Some("an")));
        // Offsets beyond the strings (a damaged record): no value, no panic.
        let bad =
            Features { name_tokens: 3, family_len: 200, given_start: 250, ..Features::default() };
        assert_eq!(name_parts(&bad, "nguyễn văn an", "nguyen van an"), (None, None));
        assert_eq!(name_parts(&bad, "", ""), (None, None));
        // given_start inside a multi-byte character of the canonical name is never used: the
        // boundaries are token counts.
        let f = features("dang thu thuy", 1, 1);
        assert_eq!(name_parts(&f, "đặng thu thủy", "dang thu thuy"), (Some("đặng"), Some("thủy")));
    }

    #[test]
    fn top_n_keeps_the_largest_with_ties_in_order() {
        let items = [(3u64, Reverse("b")), (5, Reverse("a")), (3, Reverse("a")), (1, Reverse("z"))];
        let got = top_n(items.into_iter(), 3);
        assert_eq!(got, vec![(5, Reverse("a")), (3, Reverse("a")), (3, Reverse("b"))]);
        assert!(top_n(items.into_iter(), 0).is_empty());
        assert_eq!(top_n(items.into_iter(), 10).len(), 4);
    }

    #[test]
    fn percent_rounds() {
        assert!((percent(1, 3) - 33.33).abs() < 1e-9);
        assert!(percent(5, 0).abs() < f64::EPSILON);
    }
}
