//! Input integrity (issue 12).
