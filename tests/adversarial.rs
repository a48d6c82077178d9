//! Bad input, hostile files and misuse (issue 12): every row accounted for, outputs that are one
//! unit, private files, bounded resources. One module per theme.

/// The engine under misuse: exact copies, non-finite numbers, query streams, limits, configs.
mod engine;
/// Input integrity: quotes that swallow rows, record ids, limits, odd bytes.
mod input;
/// Output files: inputs never overwritten, output sets renamed as one, permissions, formulas.
mod output;
