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
use crate::error::Result;
use crate::pipeline::dataset::{
    FEATURES, NAME_ASCII, POSTINGS_PREFIX, RECORD_ID, Record, split_postings_name,
};
use crate::pipeline::prepare::{Encodings, Prepared, Preparer};
use crate::pipeline::score::{Explanation, Scorer};
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
    /// The score field by field.
    pub explanation: Explanation,
}

thread_local! {
    static PREPARER: RefCell<(Preparer, Prepared, Scratch)> =
        RefCell::new((Preparer::new(), Prepared::default(), Scratch::new()));
}

/// Random access to the records of a person store, touching only the blocks it reads (a lookup
/// must not validate whole columns).
struct Access<'s> {
    store: &'s Store,
    features: u32,
    name_ascii: u32,
    record_id: u32,
    block_records: u64,
    len: u64,
}

impl<'s> Access<'s> {
    fn new(store: &'s Store) -> Result<Self> {
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
            block_records: u64::from(store.block_records().max(1)),
            len: store.record_count(),
        })
    }

    fn features(&self, i: u32) -> Result<&'s Features> {
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

    fn name_ascii(&self, i: u32) -> Result<&'s str> {
        self.store.str_value(self.name_ascii, u64::from(i))
    }

    fn record_id(&self, i: u32) -> Result<&'s str> {
        self.store.str_value(self.record_id, u64::from(i))
    }
}

/// Looks `record` up in `store` with `scorer` (its model and the store's name frequencies);
/// `blocking` gives the rules whose posting lists the store holds.
pub(crate) fn query(
    store: &Store,
    scorer: &Scorer,
    blocking: &Blocking,
    record: &Record,
    k: usize,
) -> Result<Vec<Candidate>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    let access = Access::new(store)?;
    PREPARER.with_borrow_mut(|(prep, q, scratch)| {
        prep.prepare(&record.raw(), &Encodings::default(), q);
        let found = candidates(store, &access, blocking, &q.features)?;
        let q_counts = scorer.counts_for(&q.features);
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
                let e = scorer.explain_features(
                    &q.features,
                    access.features(c)?,
                    &q.name_ascii,
                    access.name_ascii(c)?,
                    scratch,
                );
                Ok(Candidate {
                    record: c,
                    record_id: access.record_id(c)?.to_owned(),
                    match_probability: e.match_probability,
                    match_weight: e.match_weight,
                    explanation: e,
                })
            })
            .collect()
    })
}

/// The records sharing a blocking key with the query, ascending and without repeats. A posting
/// group larger than the rule's block limit is narrowed by the rule's split keys, as in
/// matching; what stays too large is left out.
fn candidates(
    store: &Store,
    access: &Access<'_>,
    blocking: &Blocking,
    q: &Features,
) -> Result<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    let mut split: Vec<u64> = Vec::new();
    for rule in &blocking.rules {
        let key = rule.key(q);
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
        rule.split_keys(q, &mut split);
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
    out.sort_unstable();
    out.dedup();
    out.retain(|&c| u64::from(c) < access.len);
    Ok(out)
}

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
