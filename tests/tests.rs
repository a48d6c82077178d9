//! vnlink's integration tests: one binary, one module per theme.

// `vnlink gen` / `vnlink::synth`: determinism, shapes, truth, corruption rates, hard negatives.
mod r#gen;
