//! Evaluation against a ground truth: pairwise and B-cubed precision, recall and F1.
//!
//! The metrics follow the peer scorer (`../shared/peer/score.py`) exactly, so that vnlink's and
//! Splink's outputs are scored the same way:
//!
//! * **pairwise** — over unordered record pairs. For a clustering, the predicted pairs are all
//!   pairs inside each predicted cluster; for a list of pairs, exactly the listed pairs (no
//!   transitive closure). In *link* mode (the truth has a `source` column with two values) only
//!   pairs across the two sources count, on both sides.
//! * **B-cubed** — per record `r`: precision `|C(r) ∩ E(r)| / |C(r)|`, recall
//!   `|C(r) ∩ E(r)| / |E(r)|`, averaged over all truth records, where `C` is the predicted cluster
//!   and `E` the true entity. A list of pairs is turned into clusters by connected components.
//!
//! Records of the truth absent from the prediction are singletons; predicted ids absent from the
//! truth are ignored and counted.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::util::formula::unescape_formula;

/// The ground truth: for every record, its entity and (in link mode) its source.
#[derive(Debug, Clone)]
pub struct Truth {
    ids: Vec<String>,
    index: FxHashMap<String, u32>,
    entity: Vec<u32>,
    source: Option<Vec<u8>>,
}

impl Truth {
    /// Builds a truth from `(record_id, entity_id)` and optional source labels (two distinct values).
    pub fn from_rows<I, S>(rows: I) -> Result<Truth>
    where
        I: IntoIterator<Item = (S, S, Option<S>)>,
        S: AsRef<str>,
    {
        let mut t = Truth {
            ids: Vec::new(),
            index: FxHashMap::default(),
            entity: Vec::new(),
            source: None,
        };
        let mut entities: FxHashMap<String, u32> = FxHashMap::default();
        let mut sources: Vec<String> = Vec::new();
        let mut src_raw: Vec<Option<String>> = Vec::new();
        for (rid, eid, src) in rows {
            let rid = rid.as_ref();
            let n = t.ids.len() as u32;
            if t.index.insert(rid.to_owned(), n).is_some() {
                return Err(Error::Input {
                    path: "<truth>".into(),
                    reason: format!("duplicate record_id {rid:?} in the truth"),
                });
            }
            t.ids.push(rid.to_owned());
            let next = entities.len() as u32;
            t.entity.push(*entities.entry(eid.as_ref().to_owned()).or_insert(next));
            src_raw.push(src.map(|s| s.as_ref().to_owned()));
        }
        if src_raw.iter().all(Option::is_some) && !src_raw.is_empty() {
            for s in src_raw.iter().flatten() {
                if !sources.contains(s) {
                    sources.push(s.clone());
                }
            }
            sources.sort();
            if sources.len() == 2 {
                t.source = Some(
                    src_raw.iter().map(|s| u8::from(s.as_deref() == Some(&sources[1]))).collect(),
                );
            }
        }
        Ok(t)
    }

    /// Reads a truth CSV: `record_id,entity_id[,source]`.
    pub fn read(path: impl AsRef<Path>) -> Result<Truth> {
        let path = path.as_ref();
        let (header, rows) = read_csv(path)?;
        let col = |name: &str| header.iter().position(|h| h == name);
        let (Some(r), Some(e)) = (col("record_id"), col("entity_id")) else {
            return Err(Error::Csv {
                path: path.into(),
                line: 1,
                field: "record_id,entity_id".into(),
                reason: format!("truth needs columns record_id, entity_id (found {header:?})"),
            });
        };
        let s = col("source");
        let mut out = Vec::with_capacity(rows.len());
        for (line, row) in rows {
            let get = |i: usize, name: &str| {
                row.get(i).cloned().ok_or_else(|| Error::Csv {
                    path: path.into(),
                    line,
                    field: name.into(),
                    reason: "missing value".into(),
                })
            };
            out.push((
                get(r, "record_id")?,
                get(e, "entity_id")?,
                s.map(|i| get(i, "source")).transpose()?,
            ));
        }
        Truth::from_rows(out).map_err(|err| match err {
            Error::Input { reason, .. } => Error::Input { path: path.into(), reason },
            other => other,
        })
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the truth has no record.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether scoring is in link mode (two sources).
    pub fn is_link(&self) -> bool {
        self.source.is_some()
    }

    /// The entity number of a record id (entities are numbered in order of first appearance).
    pub fn entity_of(&self, record_id: &str) -> Option<u32> {
        self.position(record_id).map(|p| self.entity[p as usize])
    }

    /// The position of a record id.
    pub fn position(&self, record_id: &str) -> Option<u32> {
        self.index.get(record_id).copied()
    }
}

/// A prediction to score.
#[derive(Debug, Clone)]
pub enum Prediction {
    /// `(record_id, cluster_id)` rows.
    Clusters(Vec<(String, String)>),
    /// `(left_id, right_id)` rows.
    Pairs(Vec<(String, String)>),
}

impl Prediction {
    /// Reads `clusters.csv` (`record_id,cluster_id`) or a pairs file (`left_id,right_id,…`),
    /// telling them apart by the header. Ids escaped against spreadsheet formulas by vnlink's
    /// writers (`'=…`) are read back as they were ([`unescape_formula`]).
    pub fn read(path: impl AsRef<Path>) -> Result<Prediction> {
        let path = path.as_ref();
        let (header, rows) = read_csv(path)?;
        let col = |names: &[&str]| names.iter().find_map(|n| header.iter().position(|h| h == n));
        let left = col(&["left_id", "unique_id_l", "id_l"]);
        let right = col(&["right_id", "unique_id_r", "id_r"]);
        let rec = col(&["record_id", "unique_id"]);
        let cl = col(&["cluster_id"]);
        let (a, b, pairs) = match (left, right, rec, cl) {
            (Some(l), Some(r), _, _) => (l, r, true),
            (_, _, Some(r), Some(c)) => (r, c, false),
            _ => {
                return Err(Error::Csv {
                    path: path.into(),
                    line: 1,
                    field: "header".into(),
                    reason: format!(
                        "cannot tell pairs (left_id,right_id) from clusters (record_id,cluster_id): {header:?}"
                    ),
                });
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for (line, row) in rows {
            match (row.get(a), row.get(b)) {
                (Some(x), Some(y)) => {
                    let (x, y) = (unescape_formula(x), unescape_formula(y));
                    out.push((x.to_owned(), y.to_owned()));
                }
                _ => {
                    return Err(Error::Csv {
                        path: path.into(),
                        line,
                        field: header.get(a.max(b)).cloned().unwrap_or_default(),
                        reason: "missing value".into(),
                    });
                }
            }
        }
        Ok(if pairs { Prediction::Pairs(out) } else { Prediction::Clusters(out) })
    }
}

/// Precision, recall and F1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Prf {
    fn new(precision: f64, recall: f64) -> Prf {
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Prf { precision, recall, f1 }
    }

    fn from_counts(tp: u64, n_pred: u64, n_true: u64) -> Prf {
        let p = if n_pred > 0 {
            tp as f64 / n_pred as f64
        } else if n_true == 0 {
            1.0
        } else {
            0.0
        };
        let r = if n_true > 0 { tp as f64 / n_true as f64 } else { 1.0 };
        Prf::new(p, r)
    }
}

/// The scores of one prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// `"dedupe"` or `"link"`.
    pub mode: &'static str,
    /// Records in the truth.
    pub records: usize,
    /// True clusters (entities).
    pub true_clusters: usize,
    /// Predicted clusters (singletons included).
    pub pred_clusters: usize,
    /// True pairs.
    pub pairs_true: u64,
    /// Predicted pairs.
    pub pairs_pred: u64,
    /// Predicted pairs that are true.
    pub pairs_tp: u64,
    /// Pairwise precision, recall, F1.
    pub pairwise: Prf,
    /// B-cubed precision, recall, F1.
    pub bcubed: Prf,
    /// Predicted ids (or pairs) not in the truth, ignored.
    pub unknown_ids_in_pred: u64,
    /// Link mode, pairs format: predicted pairs within one source, ignored.
    pub within_source_pairs_ignored: u64,
}

/// Scores a prediction against the truth.
pub fn score(truth: &Truth, pred: &Prediction) -> Result<Scores> {
    let n = truth.len();
    let mut unknown = 0u64;
    match pred {
        Prediction::Clusters(rows) => {
            let mut labels: Vec<u64> = (0..n as u64).map(|i| (1 << 40) + i).collect();
            let mut seen = vec![false; n];
            let mut clusters: FxHashMap<&str, u64> = FxHashMap::default();
            for (rid, cid) in rows {
                let Some(pos) = truth.position(rid) else {
                    unknown += 1;
                    continue;
                };
                let pos = pos as usize;
                if std::mem::replace(&mut seen[pos], true) {
                    return Err(Error::Input {
                        path: "<clusters>".into(),
                        reason: format!("record_id {rid:?} appears twice in the clusters"),
                    });
                }
                let next = clusters.len() as u64;
                labels[pos] = *clusters.entry(cid.as_str()).or_insert(next);
            }
            Ok(score_labels(truth, &labels, None, unknown))
        }
        Prediction::Pairs(rows) => {
            let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(rows.len());
            for (l, r) in rows {
                match (truth.position(l), truth.position(r)) {
                    (Some(a), Some(b)) if a != b => pairs.push((a.min(b), a.max(b))),
                    (Some(_), Some(_)) => {}
                    _ => unknown += 1,
                }
            }
            pairs.sort_unstable();
            pairs.dedup();
            let labels = components(n, &pairs);
            Ok(score_labels(truth, &labels, Some(&pairs), unknown))
        }
    }
}

/// Scores a clustering given as one label per truth record (in truth order), without files.
pub fn score_clusters(truth: &Truth, labels: &[u64]) -> Scores {
    assert_eq!(labels.len(), truth.len(), "one label per truth record");
    score_labels(truth, labels, None, 0)
}

/// recall@k of lookups that look stored records up with their own fields: the share of
/// `queries` for which a record of the query's entity, other than the query's own record, is
/// among the first `k` candidates once the query's own record is left out of the ranking.
///
/// `entity[r]` is the entity of record `r` (`u32::MAX`, or no entry: unknown, never a hit);
/// each query is its own record and its candidates, best first. 0 for no queries.
///
/// ```
/// use vnlink::eval::recall_at_k;
/// let entity = [7, 7, 8, 9];
/// // Record 0 finds itself, then record 2 (another entity), then record 1 (its own entity).
/// let queries = [(0, &[0, 2, 1][..]), (1, &[0][..])];
/// assert_eq!(recall_at_k(&entity, queries, 1), 0.5);
/// assert_eq!(recall_at_k(&entity, queries, 2), 1.0);
/// ```
pub fn recall_at_k<'a>(
    entity: &[u32],
    queries: impl IntoIterator<Item = (u32, &'a [u32])>,
    k: usize,
) -> f64 {
    let of = |r: u32| entity.get(r as usize).copied().filter(|&e| e != u32::MAX);
    let (mut hits, mut n) = (0u64, 0u64);
    for (own, found) in queries {
        n += 1;
        let Some(e) = of(own) else { continue };
        let mut others = found.iter().copied().filter(|&c| c != own).take(k);
        hits += u64::from(others.any(|c| of(c) == Some(e)));
    }
    if n == 0 { 0.0 } else { hits as f64 / n as f64 }
}

fn components(n: usize, pairs: &[(u32, u32)]) -> Vec<u64> {
    let mut uf = crate::cluster::UnionFind::new(n);
    for &(a, b) in pairs {
        uf.union(a, b);
    }
    // Label each record by the smallest member of its component, as a u64.
    let mut smallest = vec![u32::MAX; n];
    (0..n as u32)
        .map(|i| {
            let r = uf.find(i) as usize;
            if smallest[r] == u32::MAX {
                smallest[r] = i;
            }
            u64::from(smallest[r])
        })
        .collect()
}

/// Number of (cross-source when `src` is given) unordered pairs inside the groups of `key`.
fn pairs_in_groups(keys: impl Iterator<Item = (u128, u8)>, link: bool) -> u64 {
    let mut counts: FxHashMap<u128, [u64; 2]> = FxHashMap::default();
    for (k, s) in keys {
        counts.entry(k).or_default()[usize::from(s)] += 1;
    }
    counts
        .values()
        .map(|c| {
            if link {
                c[0] * c[1]
            } else {
                let t = c[0] + c[1];
                t * t.saturating_sub(1) / 2
            }
        })
        .sum()
}

fn score_labels(
    truth: &Truth,
    labels: &[u64],
    pairs: Option<&[(u32, u32)]>,
    unknown: u64,
) -> Scores {
    let n = truth.len();
    let link = truth.source.is_some();
    let src = |i: usize| truth.source.as_ref().map_or(0, |s| s[i]);
    let ent = &truth.entity;

    let n_true = pairs_in_groups((0..n).map(|i| (u128::from(ent[i]), src(i))), link);
    let mut within_ignored = 0;
    let (n_pred, tp) = match pairs {
        None => {
            let n_pred = pairs_in_groups((0..n).map(|i| (u128::from(labels[i]), src(i))), link);
            let cell = |i: usize| (u128::from(labels[i]) << 32) | u128::from(ent[i]);
            let tp = pairs_in_groups((0..n).map(|i| (cell(i), src(i))), link);
            (n_pred, tp)
        }
        Some(pairs) => {
            let mut n_pred = 0;
            let mut tp = 0;
            for &(a, b) in pairs {
                if link && src(a as usize) == src(b as usize) {
                    within_ignored += 1;
                    continue;
                }
                n_pred += 1;
                tp += u64::from(ent[a as usize] == ent[b as usize]);
            }
            (n_pred, tp)
        }
    };

    // B-cubed from the contingency table of (cluster, entity).
    let mut cell: FxHashMap<(u64, u32), u64> = FxHashMap::default();
    let mut csize: FxHashMap<u64, u64> = FxHashMap::default();
    let mut esize: FxHashMap<u32, u64> = FxHashMap::default();
    for i in 0..n {
        *cell.entry((labels[i], ent[i])).or_default() += 1;
        *csize.entry(labels[i]).or_default() += 1;
        *esize.entry(ent[i]).or_default() += 1;
    }
    let (mut bp, mut br) = (0.0, 0.0);
    for (&(c, e), &nij) in &cell {
        let nij2 = (nij * nij) as f64;
        bp += nij2 / csize[&c] as f64;
        br += nij2 / esize[&e] as f64;
    }
    let bcubed = if n > 0 { Prf::new(bp / n as f64, br / n as f64) } else { Prf::new(1.0, 1.0) };

    Scores {
        mode: if link { "link" } else { "dedupe" },
        records: n,
        true_clusters: esize.len(),
        pred_clusters: csize.len(),
        pairs_true: n_true,
        pairs_pred: n_pred,
        pairs_tp: tp,
        pairwise: Prf::from_counts(tp, n_pred, n_true),
        bcubed,
        unknown_ids_in_pred: unknown,
        within_source_pairs_ignored: within_ignored,
    }
}

/// A prediction scored on labelled pairs ([`score_on_labels`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelScores {
    /// Labelled pairs scored (both ids in the prediction's records, or any pair for pairs).
    pub labelled: u64,
    /// Labelled pairs passed over: an id the prediction does not hold (clusters).
    pub unknown: u64,
    /// Labelled matches the prediction joins.
    pub tp: u64,
    /// Labelled non-matches the prediction joins.
    pub fp: u64,
    /// Labelled matches the prediction leaves apart.
    pub fn_: u64,
    /// Labelled non-matches the prediction leaves apart.
    pub tn: u64,
    /// `tp / (tp + fp)` with its 95 % Wilson interval.
    pub precision: Interval,
    /// `tp / (tp + fn)` with its 95 % Wilson interval.
    pub recall: Interval,
}

/// A share and its 95 % Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The share (1 when there is nothing to count).
    pub value: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

fn wilson(k: u64, n: u64) -> Interval {
    if n == 0 {
        return Interval { value: 1.0, low: 0.0, high: 1.0 };
    }
    let (k, n, z) = (k as f64, n as f64, 1.96f64);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / (1.0 + z * z / n);
    Interval { value: p, low: (centre - half).max(0.0), high: (centre + half).min(1.0) }
}

/// Scores a prediction on labelled pairs `(left_id, right_id, is_match)` (a clerical review's
/// `labels.csv`): a pair is predicted a match when its two records share a cluster
/// (clusters), or when the pair is listed (pairs, in either order). The figures are those of
/// the labelled sample: `vnlink review` draws its pairs near the threshold, where the run errs
/// most, so they are a pessimistic view of the whole run, not an estimate of it.
pub fn score_on_labels(pred: &Prediction, labels: &[(String, String, bool)]) -> LabelScores {
    let mut s = LabelScores {
        labelled: 0,
        unknown: 0,
        tp: 0,
        fp: 0,
        fn_: 0,
        tn: 0,
        precision: wilson(0, 0),
        recall: wilson(0, 0),
    };
    // A pair is joined when its records share a cluster, or when it is listed.
    let (mut cluster, mut listed) = (HashMap::new(), HashSet::new());
    match pred {
        Prediction::Clusters(rows) => {
            cluster.extend(rows.iter().map(|(r, c)| (r.as_str(), c.as_str())));
        }
        Prediction::Pairs(rows) => {
            listed.extend(rows.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        }
    }
    let joined = |a: &str, b: &str| -> Option<bool> {
        match pred {
            Prediction::Clusters(_) => Some(cluster.get(a)? == cluster.get(b)?),
            Prediction::Pairs(_) => Some(listed.contains(&(a, b)) || listed.contains(&(b, a))),
        }
    };
    for (a, b, is_match) in labels {
        match (joined(a, b), *is_match) {
            (None, _) => s.unknown += 1,
            (Some(true), true) => s.tp += 1,
            (Some(true), false) => s.fp += 1,
            (Some(false), true) => s.fn_ += 1,
            (Some(false), false) => s.tn += 1,
        }
    }
    s.labelled = s.tp + s.fp + s.fn_ + s.tn;
    s.precision = wilson(s.tp, s.tp + s.fp);
    s.recall = wilson(s.tp, s.tp + s.fn_);
    s
}

type Rows = Vec<(u64, Vec<String>)>;

/// Reads labelled pairs: a CSV with the columns `left_id,right_id,is_match` (`is_match`: `1`,
/// `true`, `yes`, `match` or `0`, `false`, `no`, `non_match`, any case; rows with an empty
/// `is_match`, `unsure` or `?` are pairs not labelled and are passed over — `review.csv` as
/// `vnlink review` writes it, partly filled in, reads as the labels filled in). In a link, `left_id`
/// is a record of the first input and `right_id` of the second. Ids escaped against spreadsheet
/// formulas (`'=…`, as in vnlink's `pairs.csv`) are read back as they were.
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<(String, String, bool)>> {
    let path = path.as_ref();
    let (header, rows) = read_csv(path)?;
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(l), Some(r), Some(m)) = (col("left_id"), col("right_id"), col("is_match")) else {
        return Err(Error::Csv {
            path: path.into(),
            line: 1,
            field: "left_id,right_id,is_match".into(),
            reason: format!("labels need columns left_id, right_id, is_match (found {header:?})"),
        });
    };
    let mut out = Vec::with_capacity(rows.len());
    for (line, row) in rows {
        let get = |i: usize, name: &str| {
            row.get(i).map(|v| v.trim().to_owned()).ok_or_else(|| Error::Csv {
                path: path.into(),
                line,
                field: name.into(),
                reason: "missing value".into(),
            })
        };
        let flag = get(m, "is_match").unwrap_or_default();
        let is_match = match flag.to_ascii_lowercase().as_str() {
            // A pair not (yet) labelled: a row of `review.csv` left empty, or marked unsure.
            "" | "unsure" | "?" => continue,
            "1" | "true" | "yes" | "y" | "match" => true,
            "0" | "false" | "no" | "n" | "non_match" | "nonmatch" => false,
            _ => {
                return Err(Error::Csv {
                    path: path.into(),
                    line,
                    field: "is_match".into(),
                    reason: format!("{flag:?} is not 1/0, true/false or yes/no"),
                });
            }
        };
        let id = |i: usize, name: &str| get(i, name).map(|v| unescape_formula(&v).to_owned());
        out.push((id(l, "left_id")?, id(r, "right_id")?, is_match));
    }
    Ok(out)
}

fn read_csv(path: &Path) -> Result<(Vec<String>, Rows)> {
    let file = crate::util::fs::open(path)?;
    let mut rdr =
        csv::ReaderBuilder::new().flexible(true).from_reader(std::io::BufReader::new(file));
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(0, csv::Position::line);
        Error::Csv { path: path.into(), line, field: String::new(), reason: e.to_string() }
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(Error::Input { path: path.into(), reason: "empty file: no header".into() });
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, csv::Position::line);
        rows.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok((header, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_score_a_prediction_with_intervals() {
        let pred = Prediction::Clusters(
            [("a", "a"), ("b", "a"), ("c", "c"), ("d", "c")]
                .map(|(x, y)| (x.to_owned(), y.to_owned()))
                .to_vec(),
        );
        let l = |a: &str, b: &str, m: bool| (a.to_owned(), b.to_owned(), m);
        let labels = [l("a", "b", true), l("c", "d", false), l("a", "c", true), l("x", "a", true)];
        let s = score_on_labels(&pred, &labels);
        assert_eq!((s.tp, s.fp, s.fn_, s.tn, s.unknown, s.labelled), (1, 1, 1, 0, 1, 3));
        assert!((s.precision.value - 0.5).abs() < 1e-12);
        assert!(s.precision.low < 0.5 && s.precision.high > 0.5);
        let pairs = Prediction::Pairs(vec![("b".into(), "a".into())]);
        let s = score_on_labels(&pairs, &labels);
        assert_eq!((s.tp, s.fp, s.fn_, s.tn, s.unknown), (1, 0, 2, 1, 0));
        assert!((wilson(50, 100).low - 0.4038).abs() < 1e-3);
    }

    #[test]
    fn recall_at_k_leaves_the_query_out() {
        let entity = [1, 1, 2, 1, u32::MAX];
        // Query 0: its own record first, then another entity, then its entity's record 3.
        let q0 = [0, 2, 3];
        // Query 1: record 0 of its entity at once.
        let q1 = [0, 1];
        // Query 4: unknown entity, never a hit (record 4 has no entity; 9 is out of range).
        let q4 = [4, 9];
        let queries = [(0, &q0[..]), (1, &q1[..]), (4, &q4[..])];
        // Hits out of the three queries.
        let hits = |k| (recall_at_k(&entity, queries, k) * 3.0).round();
        assert_eq!((hits(1), hits(2), hits(10)), (1.0, 2.0, 2.0));
        assert!(recall_at_k(&entity, std::iter::empty(), 10).abs() < f64::EPSILON);
    }

    fn truth(rows: &[(&str, &str)]) -> Truth {
        Truth::from_rows(rows.iter().map(|&(r, e)| (r, e, None))).unwrap()
    }

    fn clusters(rows: &[(&str, &str)]) -> Prediction {
        Prediction::Clusters(rows.iter().map(|&(a, b)| (a.to_owned(), b.to_owned())).collect())
    }

    fn pairs(rows: &[(&str, &str)]) -> Prediction {
        Prediction::Pairs(rows.iter().map(|&(a, b)| (a.to_owned(), b.to_owned())).collect())
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    // Truth: {a,b,c} {d,e} {f}. True pairs: 3 + 1 = 4.
    const T: [(&str, &str); 6] =
        [("a", "1"), ("b", "1"), ("c", "1"), ("d", "2"), ("e", "2"), ("f", "3")];

    #[test]
    fn perfect_prediction_scores_one() {
        let t = truth(&T);
        let s = score(&t, &clusters(&T)).unwrap();
        assert_eq!((s.pairs_true, s.pairs_pred, s.pairs_tp), (4, 4, 4));
        for v in [s.pairwise.precision, s.pairwise.recall, s.pairwise.f1, s.bcubed.f1] {
            close(v, 1.0);
        }
        assert_eq!((s.true_clusters, s.pred_clusters), (3, 3));
    }

    #[test]
    fn hand_computed_clusters() {
        // Predicted: {a,b} {c,d,e} {f}; missing records are singletons (none here).
        let t = truth(&T);
        let p = clusters(&[("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"), ("e", "y"), ("f", "z")]);
        let s = score(&t, &p).unwrap();
        // Predicted pairs: ab, cd, ce, de = 4; true among them: ab, de = 2.
        assert_eq!((s.pairs_pred, s.pairs_tp, s.pairs_true), (4, 2, 4));
        close(s.pairwise.precision, 0.5);
        close(s.pairwise.recall, 0.5);
        close(s.pairwise.f1, 0.5);
        // B-cubed precision per record: a 1, b 1, c 1/3, d 2/3, e 2/3, f 1 → 14/3 / 6.
        close(s.bcubed.precision, (1.0 + 1.0 + 1.0 / 3.0 + 2.0 / 3.0 + 2.0 / 3.0 + 1.0) / 6.0);
        // Recall: a 2/3, b 2/3, c 1/3, d 1, e 1, f 1 → 14/3 / 6.
        close(s.bcubed.recall, (2.0 / 3.0 + 2.0 / 3.0 + 1.0 / 3.0 + 1.0 + 1.0 + 1.0) / 6.0);
    }

    #[test]
    fn missing_records_are_singletons_and_unknown_ids_are_counted() {
        let t = truth(&T);
        let p = clusters(&[("a", "x"), ("b", "x"), ("zz", "x")]);
        let s = score(&t, &p).unwrap();
        assert_eq!((s.pairs_pred, s.pairs_tp, s.unknown_ids_in_pred), (1, 1, 1));
        close(s.pairwise.precision, 1.0);
        close(s.pairwise.recall, 0.25);
        assert_eq!(s.pred_clusters, 5);
    }

    #[test]
    fn pairs_are_scored_without_closure_but_bcubed_with_it() {
        let t = truth(&T);
        // ab (true), bc (true), cd (false); closure gives {a,b,c,d}.
        let s = score(&t, &pairs(&[("a", "b"), ("c", "b"), ("c", "d"), ("b", "a")])).unwrap();
        assert_eq!((s.pairs_pred, s.pairs_tp), (3, 2));
        close(s.pairwise.precision, 2.0 / 3.0);
        close(s.pairwise.recall, 0.5);
        // B-cubed precision: a,b,c 3/4 each, d 1/4, e 1, f 1.
        close(s.bcubed.precision, (0.75 * 3.0 + 0.25 + 1.0 + 1.0) / 6.0);
    }

    #[test]
    fn link_mode_counts_cross_source_pairs_only() {
        // Entity 1: r1 (R), a1 (A), a2 (A); entity 2: r2 (R).
        let rows = [("r1", "1", "R"), ("a1", "1", "A"), ("a2", "1", "A"), ("r2", "2", "R")];
        let t = Truth::from_rows(rows.iter().map(|&(a, b, c)| (a, b, Some(c)))).unwrap();
        assert!(t.is_link());
        // True cross pairs: r1-a1, r1-a2 = 2.
        let s = score(&t, &pairs(&[("r1", "a1"), ("a1", "a2"), ("r2", "a2")])).unwrap();
        assert_eq!((s.pairs_true, s.pairs_pred, s.pairs_tp), (2, 2, 1));
        assert_eq!(s.within_source_pairs_ignored, 1);
        close(s.pairwise.precision, 0.5);
        close(s.pairwise.recall, 0.5);
    }

    #[test]
    fn duplicate_ids_are_errors() {
        assert!(Truth::from_rows([("a", "1", None), ("a", "2", None)]).is_err());
        let t = truth(&T);
        assert!(score(&t, &clusters(&[("a", "x"), ("a", "y")])).is_err());
    }
}
