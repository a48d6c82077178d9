//! Output files (issue 12).
