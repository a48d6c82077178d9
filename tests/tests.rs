//! vnlink's integration tests: one binary, one module per theme.
