//! The pipeline: everything between the normalisers and the outputs, in parallel with rayon,
//! with results in a deterministic order whatever the thread count.
//!
//! * [`prepare`] — one record's raw fields → normalised forms → [`Features`](crate::compare::Features).
//! * [`dataset`] — person stores: the columns of a `.vnl` file, built from CSV or records.
//! * [`train()`] — u from random pairs, m by EM on blocked pairs (per training rule, leaving out
//!   the fields the rule forces to agree), the prior from the national-id rule.
//! * [`tf`] — name term frequencies shared by training and scoring.
//! * [`score`] — every candidate pair of every blocking rule is compared and weighed; pairs at or
//!   above the threshold are kept as [`ScoredPair`]s, in rule, group and pair order.
//! * [`matcher`] — [`Matcher`]: dedupe, link, lookups ([`query`]), explanations.
//! * [`blocks`] — what the blocking rules would generate, with recall on a truth.
//! * [`progress`] — progress reporting from long stages.
//!
//! Training and scoring run on any [`Records`](crate::compare::Records): one store for a
//! dedupe, two joined for a link.

pub mod blocks;
pub mod dataset;
pub mod infer;
pub mod local;
pub mod matcher;
pub mod prepare;
pub mod progress;
pub mod query;
pub mod score;
pub mod tf;
pub mod train;

pub use matcher::{
    Cluster, Dedupe, Link, MatchConfig, Matcher, MatcherBuilder, Pair, RunStats, Supervision,
    Threshold,
};
pub use query::{Candidate, QueryOptions};
pub use score::{Explanation, FieldExplanation, ScoreOutput, ScoredPair, Scorer};
pub use train::{TrainOptions, TrainReport, train};
