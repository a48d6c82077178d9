//! Single-record lookups against a built store: the record is prepared like a stored one, its
//! blocking keys are looked up in the store's posting lists (no scan), and every candidate found
//! is scored and explained; the best `k` are returned.
//!
//! A query touches a few posting groups and a few dozen records: it costs microseconds, and any
//! number of threads may query one [`Store`] with one [`Matcher`](super::Matcher) at once.

use std::cell::RefCell;

use serde::Serialize;

use crate::block::{Blocking, Rule};
use crate::compare::{Features, Scratch};
use crate::dataset::prepare::{Encodings, Prepared, Preparer};
use crate::dataset::{
    EXTRA_HASHES, ExtraField, FEATURES, NAME_ASCII, NAME_POSTINGS, POSTINGS_PREFIX, RAW, RECORD_ID,
    Record, extra_raw_column, extra_text_column, split_postings_name,
};
use crate::error::Result;
use crate::pipeline::score::{Explanation, Scorer};
use crate::schema::MAX_EXTRA;
use crate::store::Store;

/// A candidate returned by a lookup.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// Index of the record in the store.
    #[serde(skip)]
    pub record: u32,
    /// The record's id.
    pub record_id: String,
    /// Match probability.
    pub match_probability: f64,
    /// Match weight.
    pub match_weight: f64,
    /// Whether the match probability reaches the matcher's threshold.
    pub is_match: bool,
    /// The stored record's fields, as written in its source (`None` when the lookup did not
    /// ask for them: [`QueryOptions::fields`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Record>,
    /// The score field by field.
    pub explanation: Explanation,
}

/// What a lookup returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryOptions {
    /// Candidates to return, best first.
    pub k: usize,
    /// Whether each candidate carries its stored fields ([`Candidate::fields`]).
    pub fields: bool,
}

thread_local! {
    static PREPARER: RefCell<(Preparer, Prepared, Scratch)> =
        RefCell::new((Preparer::new(), Prepared::default(), Scratch::new()));
}

/// Random access to the records of a person store, touching only the blocks it reads (a lookup
/// must not validate whole columns).
pub(super) struct Access<'s> {
    store: &'s Store,
    features: u32,
    name_ascii: u32,
    record_id: u32,
    /// The raw text columns ([`RAW`]), then the extra fields' raw columns.
    raw: Vec<u32>,
    extras: usize,
    /// The extra fields' values and canonical texts, when the store has extra fields.
    extra_hashes: Option<u32>,
    extra_texts: Vec<u32>,
    block_records: u64,
    len: u64,
}

impl<'s> Access<'s> {
    pub(super) fn new(store: &'s Store, extras: usize) -> Result<Self> {
        let id = |name: &str| {
            store.column_id(name).ok_or_else(|| crate::Error::Corrupt {
                path: store.path().to_path_buf(),
                section: "vnl.schema".into(),
                offset: 0,
                reason: format!("not a person store: no column `{name}`"),
            })
        };
        Ok(Access {
            store,
            features: id(FEATURES)?,
            name_ascii: id(NAME_ASCII)?,
            record_id: id(RECORD_ID)?,
            raw: RAW
                .iter()
                .map(|c| id(c))
                .chain((0..extras).map(|j| id(&extra_raw_column(j))))
                .collect::<Result<_>>()?,
            extras,
            extra_hashes: if extras > 0 { Some(id(EXTRA_HASHES)?) } else { None },
            extra_texts: (0..extras).map(|j| id(&extra_text_column(j))).collect::<Result<_>>()?,
            block_records: u64::from(store.block_records().max(1)),
            len: store.record_count(),
        })
    }

    pub(super) fn features(&self, i: u32) -> Result<&'s Features> {
        let i = u64::from(i);
        let block =
            self.store.record_block::<Features>(self.features, (i / self.block_records) as u32)?;
        block.get((i % self.block_records) as usize).ok_or_else(|| crate::Error::Corrupt {
            path: self.store.path().to_path_buf(),
            section: FEATURES.into(),
            offset: 0,
            reason: format!("no record {i}"),
        })
    }

    /// The stored values of record `i`'s extra fields.
    pub(super) fn extra_hashes(&self, i: u32) -> Result<&'s [u64; MAX_EXTRA]> {
        let Some(col) = self.extra_hashes else { return Ok(&crate::compare::NO_EXTRAS) };
        let i = u64::from(i);
        let block =
            self.store.record_block::<[u64; MAX_EXTRA]>(col, (i / self.block_records) as u32)?;
        block.get((i % self.block_records) as usize).ok_or_else(|| crate::Error::Corrupt {
            path: self.store.path().to_path_buf(),
            section: EXTRA_HASHES.into(),
            offset: 0,
            reason: format!("no record {i}"),
        })
    }

    /// The canonical text of record `i`'s extra field `j` (`""` when it cannot be read: the
    /// comparison then sees a different value).
    pub(super) fn extra_text(&self, i: u32, j: usize) -> &'s str {
        self.extra_texts
            .get(j)
            .and_then(|&c| self.store.str_value(c, u64::from(i)).ok())
            .unwrap_or("")
    }

    pub(super) fn name_ascii(&self, i: u32) -> Result<&'s str> {
        self.store.str_value(self.name_ascii, u64::from(i))
    }

    pub(super) fn record_id(&self, i: u32) -> Result<&'s str> {
        self.store.str_value(self.record_id, u64::from(i))
    }

    /// The record's fields as written in its source.
    pub(super) fn record(&self, i: u32) -> Result<Record> {
        let text = |c: u32| self.store.str_value(c, u64::from(i)).map(str::to_owned);
        let r = &self.raw;
        Ok(Record {
            record_id: self.record_id(i)?.to_owned(),
            full_name: text(r[0])?,
            dob: text(r[1])?,
            sex: text(r[2])?,
            address: text(r[3])?,
            id_number: text(r[4])?,
            phone: text(r[5])?,
            extras: r[RAW.len()..RAW.len() + self.extras]
                .iter()
                .map(|&c| text(c))
                .collect::<Result<_>>()?,
            ..Record::default()
        })
    }
}

/// What a lookup needs of a store besides its records: the scorer (its model and the store's
/// name frequencies), the rules whose posting lists the store holds, its extra fields.
#[derive(Debug)]
pub(crate) struct LookupState {
    pub scorer: Scorer,
    pub blocking: Blocking,
    pub extras: Vec<ExtraField>,
    pub(super) kinds: Vec<crate::schema::FieldKind>,
    /// Per rule, the positions of its extra fields (empty when it has none or lacks one).
    pub(super) rule_extras: Vec<Vec<usize>>,
    /// How the store's build read dates and whole names (month first, given name first):
    /// queries are read alike.
    pub(super) read_order: (bool, bool),
}

impl LookupState {
    pub fn new(scorer: Scorer, blocking: Blocking, extras: Vec<ExtraField>) -> Self {
        let kinds = extras.iter().map(|e| e.kind).collect();
        let rule_extras =
            blocking.rules.iter().map(|r| r.extra_indices(&extras).unwrap_or_default()).collect();
        LookupState { scorer, blocking, extras, kinds, rule_extras, read_order: (false, false) }
    }

    /// Reads queries' dates month first and their whole names given name first, as the
    /// store's build read its records.
    #[must_use]
    pub fn read_like(mut self, month_first: bool, given_first: bool) -> Self {
        self.read_order = (month_first, given_first);
        self
    }
}

/// Looks `record` up in `store` with `state` ([`LookupState`]).
pub(crate) fn query(
    store: &Store,
    state: &LookupState,
    record: &Record,
    opts: &QueryOptions,
) -> Result<Vec<Candidate>> {
    let scorer = &state.scorer;
    let k = opts.k;
    if k == 0 {
        return Ok(Vec::new());
    }
    let access = Access::new(store, scorer.extra_fields())?;
    PREPARER.with_borrow_mut(|(prep, q, scratch)| {
        prep.set_extras(&state.kinds);
        prep.set_read_order(state.read_order.0, state.read_order.1);
        prep.prepare(&record.raw(), &Encodings::default(), q);
        let found = candidates(store, &access, state, q, true)?;
        let extras = &state.extras;
        // The query's extra fields against record `c`'s.
        let compare_extras = |c: u32, stored: &[u64; MAX_EXTRA], p: &mut crate::model::Pattern| {
            let texts = |j: usize| {
                (q.extra_texts.get(j).map_or("", String::as_str), access.extra_text(c, j))
            };
            crate::compare::compare_extra_values(extras, (&q.extra_hashes, stored), texts, p);
        };
        let q_counts = scorer.shares_for(&q.features);
        let mut scored: Vec<(f32, u32)> = Vec::with_capacity(found.len());
        for &c in &found {
            // A name that cannot be read is compared as empty; the explanation below, for the
            // best candidates, reads it again and reports the error.
            let w = scorer.weight_lookup(
                &q.features,
                &q.name_ascii,
                q_counts,
                access.features(c)?,
                c,
                || access.name_ascii(c).unwrap_or(""),
                |p| {
                    if !extras.is_empty() {
                        compare_extras(
                            c,
                            access.extra_hashes(c).unwrap_or(&crate::compare::NO_EXTRAS),
                            p,
                        );
                    }
                },
                scratch,
            );
            scored.push((w, c));
        }
        // Best first; ties by record order, so that answers are deterministic.
        scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        scored.truncate(k);
        scored
            .into_iter()
            .map(|(_, c)| {
                let stored = access.extra_hashes(c)?;
                let e = scorer.explain_lookup(
                    &q.features,
                    access.features(c)?,
                    &q.name_ascii,
                    access.name_ascii(c)?,
                    |p| compare_extras(c, stored, p),
                    scratch,
                );
                let fields = if opts.fields { Some(access.record(c)?) } else { None };
                Ok(Candidate {
                    record: c,
                    record_id: access.record_id(c)?.to_owned(),
                    match_probability: e.match_probability,
                    match_weight: e.match_weight,
                    is_match: scorer.is_match(e.match_weight),
                    fields,
                    explanation: e,
                })
            })
            .collect()
    })
}

/// The records sharing a blocking key with the query, ascending and without repeats. A posting
/// group larger than the rule's block limit is narrowed by the rule's split keys, as in
/// matching; what stays too large is left out. With `by_name`, a query no rule places gets the
/// records of its name (a lookup); without, none (incremental matching, which finds what a
/// batch run would).
pub(super) fn candidates(
    store: &Store,
    access: &Access<'_>,
    state: &LookupState,
    query: &Prepared,
    by_name: bool,
) -> Result<Vec<u32>> {
    let (blocking, q) = (&state.blocking, &query.features);
    let mut out: Vec<u32> = Vec::new();
    let mut split: Vec<u64> = Vec::new();
    for (rule, idx) in blocking.rules.iter().zip(&state.rule_extras) {
        let key = rule.key_with(q, &query.extra_hashes, idx);
        if key == 0 {
            continue;
        }
        let postings = store.postings(&format!("{POSTINGS_PREFIX}{}", rule.name))?;
        let group = postings.lookup(key);
        if group.len() <= blocking.max_block {
            out.extend_from_slice(group);
            continue;
        }
        // An oversized block: the posting lists of its splits give the query's part directly;
        // stores without them (older builds) narrow the block by reading its members.
        rule.split_keys_with(q, &query.extra_hashes, idx, &mut split);
        let mut placed = false;
        for (level, &sk) in split.iter().enumerate() {
            let Ok(list) = store.postings(&split_postings_name(&rule.name, level)) else {
                break;
            };
            placed = true;
            let part = if sk == 0 { &[][..] } else { list.lookup(sk) };
            if part.len() <= blocking.max_block {
                out.extend_from_slice(part);
                break;
            }
        }
        if !placed {
            narrow(rule, blocking.max_block, q, group, access, &mut out)?;
        }
    }
    // When the rules found nobody — a query with only a name, or whose other fields all
    // differ — the records of the same name (in any order), up to `NAME_ONLY_CANDIDATES` of
    // them, the first in store order.
    if by_name
        && out.is_empty()
        && q.name_sorted != 0
        && let Ok(list) = store.postings(NAME_POSTINGS)
    {
        let group = list.lookup(u64::from(q.name_sorted));
        out.extend_from_slice(&group[..group.len().min(NAME_ONLY_CANDIDATES)]);
    }
    out.sort_unstable();
    out.dedup();
    out.retain(|&c| u64::from(c) < access.len);
    Ok(out)
}

/// Most candidates a lookup by name alone scores (a common name has thousands of bearers).
const NAME_ONLY_CANDIDATES: usize = 10_000;

fn narrow(
    rule: &Rule,
    max: usize,
    q: &Features,
    group: &[u32],
    access: &Access<'_>,
    out: &mut Vec<u32>,
) -> Result<()> {
    let mut members: Vec<u32> =
        group.iter().copied().filter(|&m| u64::from(m) < access.len).collect();
    for part in &rule.split_by {
        let want = part.value(q);
        if want == 0 {
            return Ok(());
        }
        let mut kept = Vec::with_capacity(members.len());
        for &m in &members {
            if part.value(access.features(m)?) == want {
                kept.push(m);
            }
        }
        members = kept;
        if members.len() <= max {
            out.extend_from_slice(&members);
            return Ok(());
        }
    }
    Ok(())
}

/// The records of a person store as their source wrote them (the raw columns, and the extra
/// fields' original texts), for people to read: review pages, `pairs.csv` with values.
pub struct StoredRecords<'s> {
    access: Access<'s>,
    extras: Vec<String>,
}

impl<'s> StoredRecords<'s> {
    /// Random access to `store`'s records (touching only the blocks read).
    pub fn new(store: &'s Store) -> Result<Self> {
        let view = crate::dataset::View::new(store)?;
        let extras: Vec<String> = view.extras().iter().map(|e| e.name.clone()).collect();
        Ok(StoredRecords { access: Access::new(store, extras.len())?, extras })
    }

    /// The names of the extra fields, in [`Record::extras`] order.
    pub fn extra_names(&self) -> &[String] {
        &self.extras
    }

    /// Record `i`.
    pub fn get(&self, i: u32) -> Result<Record> {
        if u64::from(i) >= self.access.len {
            return Err(crate::Error::OutOfRange {
                path: Some(self.access.store.path().to_path_buf()),
                what: "record",
                index: u64::from(i),
                len: self.access.len,
            });
        }
        self.access.record(i)
    }
}
