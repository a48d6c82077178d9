//! vnlink's integration tests: one binary, one module per theme.

// A scenario test reads best top to bottom, one check after another.
#![allow(clippy::too_many_lines)]

/// Bad input, hostile files and misuse: rows accounted for, output sets, permissions, limits.
mod adversarial;
/// English names: nicknames, initials, double family names, swapped parts (issue 14).
mod english_names;
/// Incremental matching: records added to a built store, stable cluster ids, batch equality.
mod incremental;
/// The model on clean registers, few duplicates and lookups; EM's prior, checks and fallback;
/// supervised training; monotone weights.
mod model;
/// Matching end to end: dedupe, link, train, explain, blocks, determinism, exit codes, configs.
mod pipeline;
/// Single-record lookups: library and CLI.
mod query;
/// report.html, `vnlink report`, `vnlink review` and labels back into the model, in Chromium.
mod report;
/// `vnlink serve`: tokens, scopes, limits, per-record errors, the audit log, kill -9.
#[cfg(feature = "server")]
mod serve;
/// Helpers: running the CLI, generating data, reading CSV outputs.
mod util;

/// `vnlink bench`: a small end-to-end run, its bench.json and bench.md, and its quality.
mod bench;
/// Format compatibility: the golden `tests/data/compat/v1.vnl` opens with the same answers.
mod compat;
/// Damaged stores: truncation, byte flips, tampered TOC, versions, `vnlink verify`.
mod corruption;
/// `vnlink inspect`: counts, completeness, frequent values, block sizes, text and JSON.
mod inspect;
/// The layer order of ARCHITECTURE.md, checked on the `crate::` paths of `src/` (issue 13).
mod layering;
/// Learned blocking: the recall target within the budget, hand-written rules kept, the written
/// configuration.
mod learn;
/// Link and dedupe of many files: one cluster per person across and inside the inputs.
mod link_many;
/// Real-world input: split columns, extra field kinds, configs and `vnlink schema`.
mod schema;
/// The `.vnl` store: round trips, postings, threads, writer misuse.
mod store;
// `vnlink gen` / `vnlink::synth`: determinism, shapes, truth, corruption rates, hard negatives.
/// Excel input: `.xlsx`/`.xls` cells as typed, sheet rows as lines, `--sheet`, damaged files.
mod excel;
mod r#gen;
/// `vnlink gen --columns split` and `--locale en`: headers, truth, determinism, plausible values.
mod gen_en;
/// `vnlink normalize`: the JSON-lines contract of each kind, input order, stdin vs arguments, CSV mode.
mod normalize;
