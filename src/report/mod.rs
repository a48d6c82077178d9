//! What a run tells a person: the parts of `report.json` beyond counts and timings, and the
//! self-contained `report.html` drawn from it ([`html`]), and the clerical review page
//! ([`review`]).
//!
//! Everything the HTML shows is in `report.json` (and the run's `model.json`), so that
//! `vnlink report DIR` draws the same page again from an output directory, and so that other
//! tools can read the same figures. Every object is named (no tuples).

pub mod html;
pub mod review;
pub mod svg;

use serde::{Deserialize, Serialize};

use crate::dataset::View;
use crate::error::Result;
use crate::model::{Model, probability, weight_of_probability};
use crate::pipeline::histogram::{CurvePoint, ScoreHistogram, point_at};
use crate::pipeline::{Explanation, Matcher, Pair};
use crate::store::Store;

/// The thresholds (as match probabilities) at which `report.json` lists the curve.
pub const CURVE_PROBABILITIES: [f64; 9] = [0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999, 0.99999];

/// How good the run's pairs are, estimated from the model alone (and exactly, with a truth).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// How the estimate is made.
    pub method: String,
    /// The run's threshold as a match probability.
    pub threshold_probability: f64,
    /// The run's threshold as a match weight.
    pub threshold_weight: f64,
    /// The matches the model expects among the compared pairs.
    pub expected_matches: f64,
    /// The curve at the run's threshold (`None` when no pair reached it).
    pub at_threshold: Option<CurvePoint>,
    /// The curve at [`CURVE_PROBABILITIES`].
    pub curve: Vec<CurvePoint>,
}

/// The explanation of [`Quality::method`].
pub const QUALITY_METHOD: &str = "Each compared pair counts as its match probability \
     (expected matches at or above a threshold = the sum of their probabilities); precision = that \
     sum / the pairs, recall = that sum / the sum over every compared pair. Exact columns \
     (precision, recall) only with --truth. The estimate is as good as the model's calibration: \
     pairs the model scores near 50 % that are people alike but different (relatives, common names) \
     make it under-estimate recall.";

/// The run's quality figures from its score distribution; `None` when nothing was compared.
pub fn quality(scores: &ScoreHistogram, threshold_weight: f64) -> Option<Quality> {
    if scores.bins.is_empty() {
        return None;
    }
    // The curve once, read at each listed threshold and at the run's.
    let full = scores.curve();
    let curve = CURVE_PROBABILITIES
        .iter()
        .filter_map(|&p| point_at(&full, weight_of_probability(p)))
        .collect();
    Some(Quality {
        method: QUALITY_METHOD.into(),
        threshold_probability: probability(threshold_weight),
        threshold_weight,
        expected_matches: scores.expected_matches(),
        at_threshold: point_at(&full, threshold_weight),
        curve,
    })
}

/// How many clusters have each size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSize {
    /// Records in a cluster.
    pub size: u64,
    /// Clusters of that size.
    pub clusters: u64,
}

/// One of the largest clusters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LargeCluster {
    /// Its id (the record id of its first record).
    pub cluster_id: String,
    /// Its records.
    pub size: u64,
}

/// The clusters of a dedupe by size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clusters {
    /// Clusters of each size, smallest size first.
    pub sizes: Vec<ClusterSize>,
    /// The ten largest, largest first.
    pub largest: Vec<LargeCluster>,
}

/// The size distribution of `labels` (record → first record of its cluster); `id` names a
/// record.
pub fn clusters<'a>(labels: &[u32], id: impl Fn(u32) -> &'a str) -> Clusters {
    let mut size = vec![0u64; labels.len()];
    for &l in labels {
        if let Some(s) = size.get_mut(l as usize) {
            *s += 1;
        }
    }
    let mut by_size = std::collections::BTreeMap::new();
    for &s in size.iter().filter(|&&s| s > 0) {
        *by_size.entry(s).or_insert(0u64) += 1;
    }
    let mut big: Vec<(u64, u32)> =
        size.iter().enumerate().filter(|e| *e.1 > 1).map(|(i, &s)| (s, i as u32)).collect();
    big.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    big.truncate(10);
    Clusters {
        sizes: by_size.into_iter().map(|(size, clusters)| ClusterSize { size, clusters }).collect(),
        largest: big
            .into_iter()
            .map(|(size, i)| LargeCluster { cluster_id: id(i).to_owned(), size })
            .collect(),
    }
}

/// A field's share of records with a usable value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    /// The field.
    pub field: String,
    /// Records with a usable value.
    pub records: u64,
    /// Their share of all records, in [0, 1].
    pub share: f64,
}

/// The completeness of each field of `store`, as its build counted it.
pub fn completeness(store: &Store) -> Result<Vec<Completeness>> {
    let view = View::new(store)?;
    let meta = view.meta()?;
    let n = store.record_count();
    let mut out: Vec<Completeness> = crate::dataset::RAW_KINDS
        .iter()
        .map(|k| {
            let records = meta.completeness.get(k.as_str()).copied().unwrap_or(0);
            Completeness { field: k.as_str().to_owned(), records, share: share(records, n) }
        })
        .collect();
    for (k, c) in &meta.completeness {
        if !out.iter().any(|o| &o.field == k) {
            out.push(Completeness { field: k.clone(), records: *c, share: share(*c, n) });
        }
    }
    Ok(out)
}

fn share(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// A pair shown with its explanation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SamplePair {
    /// The probability band it was drawn from, e.g. `0.95–0.99`.
    pub band: String,
    /// The left record's id (in a link, of the first input).
    pub left_id: String,
    /// The right record's id.
    pub right_id: String,
    /// Its match probability.
    pub match_probability: f64,
    /// Its score field by field.
    pub explanation: Explanation,
}

/// The probability bands sample pairs are drawn from, highest last.
pub const BANDS: [(f64, f64); 5] =
    [(0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 0.99), (0.99, 1.000_000_1)];

/// The band label of `[lo, hi)`.
pub fn band_label(lo: f64, hi: f64) -> String {
    if hi > 1.0 { format!("≥ {lo}") } else { format!("{lo}–{hi}") }
}

/// Up to `per_band` pairs of each band of [`BANDS`] that `pairs` reach, spread over the band in
/// the pairs' order (deterministic), as `(band, index into pairs)`.
pub fn pick_samples(pairs: &[Pair], per_band: usize) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for &(lo, hi) in &BANDS {
        let inside: Vec<usize> =
            (0..pairs.len()).filter(|&i| (lo..hi).contains(&pairs[i].match_probability)).collect();
        if inside.is_empty() || per_band == 0 {
            continue;
        }
        let take = per_band.min(inside.len());
        for k in 0..take {
            out.push((band_label(lo, hi), inside[k * inside.len() / take]));
        }
    }
    out
}

/// Sample pairs of a run, explained with `model`: a dedupe of `first` (`second` `None`) or a
/// link of `first` and `second`.
pub fn samples(
    matcher: &Matcher,
    (first, second): (&Store, Option<&Store>),
    model: &Model,
    pairs: &[Pair],
    per_band: usize,
) -> Result<Vec<SamplePair>> {
    let picked = pick_samples(pairs, per_band);
    let idx: Vec<(u32, u32)> =
        picked.iter().map(|&(_, i)| (pairs[i].left, pairs[i].right)).collect();
    let why = match second {
        Some(second) => matcher.explain_link_pairs(first, second, model, &idx)?,
        None => matcher.explain_pairs(first, model, &idx)?,
    };
    let right = second.unwrap_or(first);
    picked
        .into_iter()
        .zip(why)
        .map(|((band, i), explanation)| {
            Ok(SamplePair {
                band,
                left_id: first.record_id(pairs[i].left)?.to_owned(),
                right_id: right.record_id(pairs[i].right)?.to_owned(),
                match_probability: pairs[i].match_probability,
                explanation,
            })
        })
        .collect()
}

/// The language of a report: Vietnamese or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Tiếng Việt.
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The language of the people in `store`: Vietnamese when at least a third of a sample of
    /// its names are written with Vietnamese letters or start with a common Vietnamese family
    /// name, else English.
    pub fn of_store(store: &Store) -> Lang {
        const FAMILIES: [&str; 16] = [
            "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui",
            "do", "ho", "ngo", "duong", "ly",
        ];
        let Ok(view) = View::new(store) else { return Lang::Vi };
        let (Ok(texts), n) = (view.name_texts(), store.record_count()) else { return Lang::Vi };
        let step = (n / 1000).max(1);
        let (mut seen, mut vietnamese) = (0u64, 0u64);
        for i in (0..n).step_by(step as usize) {
            let name = texts.get(i);
            if name.is_empty() {
                continue;
            }
            seen += 1;
            let folded = crate::normalize::text::fold(name).to_lowercase();
            let first = folded.split_whitespace().next().unwrap_or("");
            if !name.is_ascii() || FAMILIES.contains(&first) {
                vietnamese += 1;
            }
        }
        if seen == 0 || vietnamese * 3 >= seen { Lang::Vi } else { Lang::En }
    }

    /// The language of a code: `vi` or `en`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `vi` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}
