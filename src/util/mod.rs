//! Small helpers shared by the stages: atomic file output, stable hashes, string similarities.

pub mod fs;
pub mod hash;
pub mod similarity;
