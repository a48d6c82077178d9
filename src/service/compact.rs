//! Compaction: a store and its log folded into the store's next generation (`vnlink compact`,
//! and a server's automatic compaction past a log size).
//!
//! The next generation holds every record in arrival order — the store's, then the added ones —
//! so that record numbers, clusters and cluster ids stay what they were; a deleted record is
//! kept as a *tombstone*, its id alone (ids are not reused, a cluster may be named by it), and
//! nothing else of the person stays. Records are prepared as the first build read them (legacy
//! encodings, dates month first, names given first), blocked by the same rules, and the saved
//! model is carried over; the name frequencies are the new generation's own, so additions after
//! it count the records added before.
//!
//! The switch, and what opening a store finds after a crash at any point of it:
//!
//! 1. `people.vnl.next` is written (atomically: temporary file, renamed) and its clusters
//!    `people.vnl.next.clusters`, naming the new store's identity and the log bytes folded in.
//!    A crash here leaves the old store whole: opening it removes the leftovers.
//! 2. `people.vnl.next` is renamed over `people.vnl` — the switch. Readers that mapped the old
//!    file keep their mapping until they are done (the old file lives on until unmapped).
//! 3. `people.vnl.next.clusters` is renamed over `people.vnl.clusters`. A crash between 2 and
//!    3: opening finds the next clusters naming the store and finishes the rename.
//! 4. The log is carried over: its entries past the folded bytes (those logged while the
//!    next generation was written) kept under the new identity. A crash before: opening finds a
//!    log of the folded identity and carries it over then ([`super::Wal::open_folded`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::state::{self, Folded, Saved};
use super::{state_paths, store_identity};
use crate::dataset::{BuildOptions, MODEL, RecordWriter, View};
use crate::error::{Error, Result};
use crate::pipeline::{Incremental, MatchConfig};
use crate::store::Store;

/// What a compaction did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Compaction {
    /// Records in the new generation (tombstones included).
    pub records: u64,
    /// Records folded in from the log (added since the previous generation).
    pub folded: u64,
    /// Tombstones (deleted records, their ids alone).
    pub tombstones: u64,
    /// The new store's size in bytes.
    pub bytes: u64,
    /// Log bytes folded in.
    pub log_bytes: u64,
    /// Seconds taken.
    pub seconds: f64,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The next generation's store and clusters files, beside the store at `path`.
pub fn next_paths(path: &Path) -> (PathBuf, PathBuf) {
    (with_suffix(path, ".next"), with_suffix(path, ".next.clusters"))
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| {
        Error::io(to, std::io::Error::new(e.kind(), format!("renaming {}: {e}", from.display())))
    })?;
    crate::util::fs::sync_dir(to)
}

/// Finishes or undoes an interrupted switch (see the [module](self) docs) for the store at
/// `path` whose identity is `identity`.
pub fn finish_switch(path: &Path, identity: u64) -> Result<()> {
    let (next_store, next_clusters) = next_paths(path);
    match state::identity_of(&next_clusters)? {
        Some(id) if id == identity => rename(&next_clusters, &state_paths(path).0)?,
        Some(_) | None if next_clusters.exists() => {
            std::fs::remove_file(&next_clusters).map_err(|e| Error::io(&next_clusters, e))?;
        }
        _ => {}
    }
    if next_store.exists() {
        std::fs::remove_file(&next_store).map_err(|e| Error::io(&next_store, e))?;
    }
    Ok(())
}

/// Writes the next generation of the store at `path` from `inc` (the state after the log's
/// bytes `folded`), switches the store and its clusters to it (steps 1–3 of the [module](self)
/// docs; the log is the caller's), and opens it: a matcher equal to `inc` on the new store.
pub fn write_generation(
    path: &Path,
    inc: &Incremental,
    config: &MatchConfig,
    folded: Folded,
) -> Result<(Incremental, u64, Compaction)> {
    let start = Instant::now();
    let (next_store, next_clusters) = next_paths(path);
    let old = inc.store();
    let view = View::new(old)?;
    let meta = view.meta()?;
    let opts = BuildOptions {
        blocking: meta.blocking.clone(),
        extras: view.extras().to_vec(),
        ..BuildOptions::default()
    };
    let mut writer = RecordWriter::create(&next_store, &opts)?;
    writer.read_like(&meta);
    if old.global_names().contains(&MODEL) {
        writer.add_global(MODEL, old.global(MODEL)?)?;
    }
    let n = inc.len() as u32;
    for i in 0..n {
        writer.push(inc.record_or_tombstone(i)?)?;
    }
    writer.finish()?;
    let identity = store_identity(&Store::open(&next_store)?);
    let deleted = inc.deleted_flags().to_vec();
    let tombstones = deleted.iter().filter(|&&d| d).count() as u64;
    let saved =
        Saved { model: inc.model().clone(), labels: inc.labels(), deleted, folded: Some(folded) };
    state::write(&next_clusters, identity, &saved)?;
    // The switch.
    rename(&next_store, path)?;
    rename(&next_clusters, &state_paths(path).0)?;
    let store = Store::open(path)?;
    let bytes = store.as_bytes().len() as u64;
    if store_identity(&store) != identity {
        return Err(Error::Input {
            path: path.to_path_buf(),
            reason: "the store changed while it was being compacted (another process?)".into(),
        });
    }
    let next = Incremental::open(Arc::new(store), saved.model, config, Some(saved.labels))?
        .with_history(&saved.deleted, inc.changes())?;
    let summary = Compaction {
        records: u64::from(n),
        folded: inc.added().len() as u64,
        tombstones,
        bytes,
        log_bytes: folded.through,
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok((next, identity, summary))
}
