//! Small helpers shared by the stages: atomic file output, stable hashes.

pub mod fs;
pub mod hash;
