//! vnlink: record matching for Vietnamese person data at population scale.
//!
//! It finds the records of one dataset that describe the same citizen (*dedupe*), the records of
//! two datasets that do (*link*), and the stored records that match one new record (*lookup*):
//! names with or without diacritics, in NFD, in legacy TCVN3/VNI encodings or in swapped order,
//! Hoàng/Huỳnh and Vũ/Võ, addresses abbreviated or written with the units abolished in 2025,
//! dates in any format, 11-digit phone numbers and mistyped CCCDs — while telling apart the
//! thousands of people called "Nguyễn Văn Hùng".
//!
//! # Overview of types
//!
//! * [`Record`] — one person record as text (`record_id, full_name, dob, sex, address,
//!   id_number, phone`).
//! * [`Store`] — records normalised and stored in memory-mapped, checksummed blocks (a `.vnl`
//!   file, or bytes in memory). Build one with [`Store::build`] (CSV), [`Store::from_records`] or
//!   a streaming [`RecordWriter`]; open one with [`Store::open`] in microseconds.
//! * [`Matcher`] (configured with [`MatcherBuilder`]: blocking rules, model, [`Threshold`]) —
//!   [`Matcher::dedupe`] gives [`Pair`]s and [`Cluster`]s, [`Matcher::link`] gives pairs across
//!   two stores, [`Matcher::query`] gives the best [`Candidate`]s for one record, and
//!   [`Matcher::explain`] breaks a score down field by field ([`Explanation`]).
//! * [`Model`] — a Fellegi–Sunter model (m and u per comparison level), trained on the data by
//!   EM or read from a JSON file that people can edit.
//! * [`Error`] — every failure, naming the file, line, field or section concerned.
//!
//! The stages are modules of their own, usable alone: [`normalize`] (names, addresses, dates,
//! ids, phones), [`ingest`] (CSV in any encoding), [`store`] (the `.vnl` container), [`block`],
//! [`compare`], [`model`], [`cluster`], [`eval`] (precision, recall, F1) and [`synth`] (a
//! synthetic population with ground truth).
//!
//! # Example
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vnlink::{BuildOptions, Matcher, MatcherBuilder, Record, Store};
//!
//! // 400 generated people, a third of them written two or three times with the usual noise.
//! let cfg = vnlink::synth::GenConfig { entities: 400, seed: 7, ..Default::default() };
//! let records: Vec<Record> = vnlink::synth::dedupe_rows(&cfg)?.map(|row| row.record).collect();
//!
//! // A store in memory (Store::build writes a .vnl file from CSV instead).
//! let store = Store::from_records(&records, &BuildOptions::default())?;
//!
//! // Dedupe: a model is trained on the store, then every candidate pair is scored.
//! let result = Matcher::new().dedupe(&store)?;
//! let pair = result.pairs[0];
//! println!("{} ~ {}: p = {:.3}", store.record_id(pair.left)?, store.record_id(pair.right)?,
//!          pair.match_probability);
//! assert!(result.clusters().iter().any(|c| c.records.len() > 1));
//!
//! // Reuse the trained model for lookups and explanations.
//! let matcher = MatcherBuilder::new().model(result.model.clone()).build()?;
//! let hits = matcher.query(&store, &records[0], 3)?;
//! assert_eq!(hits[0].record_id, records[0].record_id);
//! let why = matcher.explain(&store, pair.left, pair.right)?;
//! for f in &why.fields {
//!     println!("{:<8} {:<34} {:+.2}", f.field, f.label, f.weight + f.tf_adjustment);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Memory maps and memory use
//!
//! A `.vnl` file is mapped, not read: [`Store::open`] checks the header, the table of contents
//! and every offset, and reads no data; each section's checksum is verified on first use. A
//! store larger than RAM works (the kernel pages it in and out). The hot per-record data is a
//! 96-byte [`compare::Features`] struct read in place. Building streams: memory stays bounded by
//! one block of records plus the posting-list buffers, whatever the input size. The only
//! `unsafe` block of the crate is the map itself (`src/store/mmap.rs`); another process
//! truncating a mapped file is the one risk it cannot rule out (see [`Store`]).
//!
//! # Determinism
//!
//! The same input and configuration give byte-identical outputs whatever the thread count:
//! parallel work is split by blocks of records or blocking groups and gathered back in order,
//! training samples with a fixed seed and sums integer counts, and ties are broken by record
//! order.
//!
//! # Crate features
//!
//! * `synth` (default): the synthetic population with its truth ([`synth`]), used by
//!   `vnlink gen`, `vnlink bench`, the tests and the benches. Matching needs none of it: a
//!   service that embeds the library can turn it off (`default-features = false`), which also
//!   drops the `rand` dependencies.

#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "synth")]
pub mod bench;
pub mod block;
pub mod cluster;
pub mod compare;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod ingest;
pub mod model;
pub mod normalize;
pub mod output;
pub mod pipeline;
mod refdata;
pub mod report;
pub mod schema;
pub mod service;
pub mod store;
#[cfg(feature = "synth")]
pub mod synth;
mod util;

pub use dataset::{BuildOptions, BuildSummary, Record, RecordWriter};
pub use error::{Error, Result};
pub use model::Model;
pub use pipeline::{
    Candidate, Cluster, Dedupe, Explanation, Link, MatchConfig, Matcher, MatcherBuilder, Pair,
    Threshold,
};
pub use store::Store;

// The command-line interface lives in `src/cli/`, declared from `src/main.rs` only: it is part
// of the binary, not of the library.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
