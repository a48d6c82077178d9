//! vnlink's integration tests: one binary, one module per theme.

/// Damaged stores: truncation, byte flips, tampered TOC, versions, `vnlink verify`.
mod corruption;
/// The `.vnl` store: round trips, postings, threads, writer misuse.
mod store;
// `vnlink gen` / `vnlink::synth`: determinism, shapes, truth, corruption rates, hard negatives.
mod r#gen;
/// `vnlink normalize`: the JSON-lines contract of each kind, input order, stdin vs arguments, CSV mode.
mod normalize;
