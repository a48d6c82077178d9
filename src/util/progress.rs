//! Progress reporting from long stages, for callers that show it (the CLI draws bars).

use std::sync::Arc;

/// Receives progress: a stage starts (with its amount of work, when known), then advances.
/// Implementations must be cheap and thread-safe: `advance` is called from worker threads.
pub trait Progress: Send + Sync {
    /// A stage starts; `total` is its number of units when known.
    fn stage(&self, name: &str, total: Option<u64>);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
    /// The current stage is finished.
    fn finish(&self) {}
}

/// A progress sink that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
}

/// A shared progress sink.
pub type SharedProgress = Arc<dyn Progress>;
