//! Small helpers shared by the stages: atomic file output.

pub mod fs;
