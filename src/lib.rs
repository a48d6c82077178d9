//! vnlink: record matching for Vietnamese person data.
//!
//! (Crate documentation with a runnable tour is written with the public API.)

#![doc(test(attr(deny(warnings))))]

pub mod error;
pub mod normalize;
pub mod refdata;
pub mod schema;
pub mod util;

pub mod block;
pub mod cluster;
pub mod compare;
pub mod eval;
pub mod ingest;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod store;
pub mod synth;

pub use error::{Error, Result};

// The command-line interface lives in `src/cli/`, declared from `src/main.rs` only: it is part
// of the binary, not of the library.
