//! Small helpers shared by the stages: atomic file output, stable hashes, string similarities,
//! formula escaping of CSV cells,
//! number formatting, progress reporting.

pub mod fmt;
pub mod formula;
pub mod fs;
pub mod hash;
pub mod progress;
pub mod similarity;
