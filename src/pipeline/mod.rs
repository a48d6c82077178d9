//! The matching stage: scoring, lookups and the [`Matcher`] that runs the stages in order,
//! in parallel with rayon, with results in a deterministic order whatever the thread count.
//!
//! * [`score`] — every candidate pair of every blocking rule is compared and weighed; pairs at or
//!   above the threshold are kept as [`ScoredPair`]s, in rule, group and pair order.
//! * [`local`] — records copied into an order that keeps blocking groups close in memory.
//! * [`matcher`] — [`Matcher`]: dedupe, link, lookups ([`query`]), explanations.
//! * [`query`] — one record against a store's posting lists.
//! * [`histogram`] — the score distribution, and precision and recall estimated from it.
//!
//! The stages it runs live below it: records and stores in [`crate::dataset`], blocking in
//! [`crate::block`], training and term frequencies in [`crate::model`], clustering in
//! [`crate::cluster`]. Training and scoring run on any [`Records`](crate::compare::Records): one
//! store for a dedupe, two joined for a link.

pub mod config;
pub mod evaluate;
pub mod histogram;
pub mod incremental;
pub mod inputs;
pub mod jsonl;
pub mod local;
pub mod matcher;
pub mod query;
pub mod score;

pub use crate::model::train::{TrainOptions, TrainReport, train};
pub use crate::util::progress::{NoProgress, Progress, SharedProgress};
pub use config::{ConfigFile, MatchConfig, Threshold};
pub use incremental::{
    Action, Assignment, Deletion, Found, Incremental, Match, Planned, PlannedDelete,
};
pub use matcher::{Cluster, Dedupe, Link, Matcher, MatcherBuilder, Pair, RunStats, Supervision};
pub use query::{Candidate, QueryOptions};
pub use score::{Explanation, FieldExplanation, ScoreOutput, ScoredPair, Scorer};
