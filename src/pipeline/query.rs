//! Single-record lookups against a built store: the record is prepared like a stored one, its
//! blocking keys are looked up in the store's posting lists (no scan), and every candidate found
//! is scored and explained; the best `k` are returned.
//!
//! A query touches a few posting groups and a few dozen records: it costs microseconds, and any
//! number of threads may query one [`Store`] with one [`Matcher`](super::Matcher) at once.

use std::cell::RefCell;

use serde::Serialize;

use crate::block::{Blocking, Rule};
use crate::compare::{Features, Records, Scratch};
use crate::error::Result;
use crate::pipeline::dataset::{POSTINGS_PREFIX, Record, View};
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
    let view = View::new(store)?;
    let ids = store.str_column(crate::pipeline::dataset::RECORD_ID)?;
    PREPARER.with_borrow_mut(|(prep, q, scratch)| {
        prep.prepare(&record.raw(), &Encodings::default(), q);
        let found = candidates(store, &view, blocking, &q.features)?;
        let mut scored: Vec<(f32, u32)> = found
            .iter()
            .map(|&c| {
                let w = scorer.weight_features(
                    &q.features,
                    view.features(c),
                    &q.name_ascii,
                    view.name_ascii(c),
                    scratch,
                );
                (w, c)
            })
            .collect();
        // Best first; ties by record order, so that answers are deterministic.
        scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        scored.truncate(k);
        Ok(scored
            .into_iter()
            .map(|(_, c)| {
                let e = scorer.explain_features(
                    &q.features,
                    view.features(c),
                    &q.name_ascii,
                    view.name_ascii(c),
                    scratch,
                );
                Candidate {
                    record: c,
                    record_id: ids.get(u64::from(c)).to_owned(),
                    match_probability: e.match_probability,
                    match_weight: e.match_weight,
                    explanation: e,
                }
            })
            .collect())
    })
}

/// The records sharing a blocking key with the query, ascending and without repeats. A posting
/// group larger than the rule's block limit is narrowed by the rule's split keys, as in
/// matching; what stays too large is left out.
fn candidates(
    store: &Store,
    view: &View<'_>,
    blocking: &Blocking,
    q: &Features,
) -> Result<Vec<u32>> {
    let mut out: Vec<u32> = Vec::new();
    for rule in &blocking.rules {
        let key = rule.key(q);
        if key == 0 {
            continue;
        }
        let postings = store.postings(&format!("{POSTINGS_PREFIX}{}", rule.name))?;
        let group = postings.lookup(key);
        if group.len() <= blocking.max_block {
            out.extend_from_slice(group);
        } else {
            narrow(rule, blocking.max_block, q, group, view, &mut out);
        }
    }
    out.sort_unstable();
    out.dedup();
    let n = view.len() as u32;
    out.retain(|&c| c < n);
    Ok(out)
}

fn narrow(
    rule: &Rule,
    max: usize,
    q: &Features,
    group: &[u32],
    view: &View<'_>,
    out: &mut Vec<u32>,
) {
    let mut members: Vec<u32> = group.to_vec();
    for part in &rule.split_by {
        let want = part.value(q);
        if want == 0 {
            return;
        }
        members.retain(|&m| (m as usize) < view.len() && part.value(view.features(m)) == want);
        if members.len() <= max {
            out.extend_from_slice(&members);
            return;
        }
    }
}
