//! A store that takes new records and keeps them: the incremental matcher
//! ([`crate::pipeline::Incremental`]) made durable.
//!
//! Beside a built store `people.vnl` live three files:
//!
//! * `people.vnl.clusters` ([`state`]): the model additions are scored with and the store's own
//!   clusters, computed once (a batch run over the store with its rules) and read back after;
//! * `people.vnl.wal` ([`wal`]): every batch of records added, with the matches each joined,
//!   appended and synced to disk before the batch is acknowledged; opening the store redoes it,
//!   so that the same records join the same clusters under the same ids;
//! * `people.vnl.lock`: locked while a process has the store open for changes.
//!
//! [`Service::add`] is the one writer path: a batch is checked record by record (a record that
//! cannot be added gets its error in its slot and is not logged), the others are assigned to
//! clusters and logged as one entry with one sync (a server gathers concurrent requests into
//! one batch: group commit, and publishes the batch only once it is logged).
//! [`Service::compact`] folds the log into the store's next generation ([`compact`]).

pub mod auth;
pub mod compact;
#[cfg(feature = "server")]
pub mod http;
pub mod state;
pub mod wal;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::dataset::{Record, View};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::pipeline::{Assignment, Incremental, MatchConfig, MatcherBuilder, Planned};
use crate::store::Store;

pub use wal::{Entry, Replay, Wal};

/// The files beside a store: its saved clusters and its write-ahead log.
pub fn state_paths(store: &Path) -> (PathBuf, PathBuf) {
    let with = |ext: &str| {
        let mut s = store.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    (with(".clusters"), with(".wal"))
}

/// The identity of a store's bytes: its length and the checksum of its last 4 KiB (the footer
/// and table of contents, which hold every section's checksum). A rebuilt store has another.
pub fn store_identity(store: &Store) -> u64 {
    let bytes = store.as_bytes();
    let tail = &bytes[bytes.len().saturating_sub(4096)..];
    ((bytes.len() as u64) << 32) ^ u64::from(crc32fast::hash(tail))
}

/// The verdict on each record of a batch: [`Incremental::check`], and an id not given twice
/// in the batch.
pub fn check_batch(inc: &Incremental, records: &[Record]) -> Vec<std::result::Result<(), String>> {
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    records
        .iter()
        .map(|r| match inc.check(r) {
            Err(e) => Err(e.to_string()),
            Ok(()) if !seen.insert(r.record_id.as_str()) => {
                Err(format!("record_id {:?} is given twice in the batch", r.record_id))
            }
            Ok(()) => Ok(()),
        })
        .collect()
}

/// Adds the records of a batch whose verdict ([`check_batch`]) is good, in order; the others
/// keep their errors. Returns each record's result and the additions made, to be logged
/// ([`logged`]) and, by a server, applied to its other copy ([`Incremental::commit`]).
pub fn apply_batch(
    inc: &mut Incremental,
    records: Vec<Record>,
    verdicts: Vec<std::result::Result<(), String>>,
) -> (Vec<std::result::Result<Assignment, String>>, Vec<Planned>) {
    let mut plans = Vec::new();
    let results = records
        .into_iter()
        .zip(verdicts)
        .map(|(r, v)| {
            v?;
            let planned = inc.plan(r).map_err(|e| e.to_string())?;
            let assigned = inc.commit(planned.clone()).map_err(|e| e.to_string())?;
            plans.push(planned);
            Ok(assigned)
        })
        .collect();
    (results, plans)
}

/// The log entry of the additions made ([`apply_batch`]): the records with their matches.
pub fn logged(plans: &[Planned]) -> Entry {
    Entry::Add {
        records: plans.iter().map(|p| p.record().clone()).collect(),
        matches: Some(plans.iter().map(|p| p.matches().to_vec()).collect()),
    }
}

/// A service taken apart, for a server that reads the matcher while it writes the log.
#[derive(Debug)]
pub struct Parts {
    /// The matcher.
    pub inc: Incremental,
    /// Its log.
    pub wal: Wal,
    /// Its threshold and cannot-link constraint.
    pub config: MatchConfig,
    /// The store's path.
    pub store_path: PathBuf,
    /// The store's lock file (keep it open as long as the store is changed).
    pub lock: std::fs::File,
}

/// What opening a store for additions did.
#[derive(Clone, Debug, Default)]
pub struct OpenReport {
    /// Whether the store's clusters were computed (no valid saved clusters).
    pub clustered: bool,
    /// Where the model came from: `given`, `saved` (the clusters file), `store` (saved in the
    /// store), `trained`.
    pub model_source: &'static str,
    /// Records replayed from the log.
    pub replayed: u64,
    /// Bytes of a torn last log entry cut off (never acknowledged).
    pub truncated: u64,
    /// Deletions replayed from the log.
    pub replayed_deletes: u64,
}

/// A store taking new records durably (see the [module](self) docs).
pub struct Service {
    inc: Incremental,
    wal: Wal,
    store_path: PathBuf,
    /// Why the matcher is ahead of its log (a batch applied whose logging failed): every
    /// change is refused until the store is opened again.
    broken: Option<String>,
    config: MatchConfig,
    /// The store's lock file, held while the service is open: one process changes a store.
    lock: std::fs::File,
}

/// Takes the lock of the store at `path` (`people.vnl.lock`, an exclusive advisory lock held
/// until the file is closed): a second process opening the store for changes is refused.
fn lock(path: &Path) -> Result<std::fs::File> {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Input {
            path: path.to_path_buf(),
            reason: "another vnlink process (a server, `vnlink add` or `vnlink compact`) has this \
                     store open for changes; stop it first, or send it the records"
                .into(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&lock_path, e)),
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.store_path)
            .field("records", &self.inc.len())
            .field("wal_bytes", &self.wal.len())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Opens the store at `path` for additions: reads its saved clusters (or computes and saves
    /// them, scoring with `model`, else the model saved in the store, else one trained on it),
    /// then replays its log. `config` gives the threshold and the cannot-link constraint.
    pub fn open(
        path: &Path,
        config: &MatchConfig,
        model: Option<Model>,
    ) -> Result<(Service, OpenReport)> {
        let lock = lock(path)?;
        let store = Store::open(path)?;
        let identity = store_identity(&store);
        let (clusters_path, wal_path) = state_paths(path);
        compact::finish_switch(path, identity)?;
        let mut report = OpenReport::default();
        let saved = state::read(&clusters_path, identity)?;
        let folded = saved.as_ref().and_then(|s| s.folded);
        let store = Arc::new(store);
        let inc = match (saved, model) {
            (Some(s), None) => {
                report.model_source = "saved";
                let deleted = s.deleted;
                let inc = Incremental::open(Arc::clone(&store), s.model, config, Some(s.labels))?;
                if deleted.is_empty() { inc } else { inc.with_history(&deleted, 0)? }
            }
            (saved, model) => {
                let view = View::new(&store)?;
                let model = match model {
                    Some(m) => {
                        report.model_source = "given";
                        m
                    }
                    None => {
                        if let Some(m) = crate::model::saved::saved_model(&view)? {
                            report.model_source = "store";
                            m
                        } else {
                            report.model_source = "trained";
                            MatcherBuilder::new().config(config.clone()).build()?.train(&store)?
                        }
                    }
                };
                // A compacted store's tombstones stay deleted whatever the model.
                let deleted = saved.as_ref().map(|s| s.deleted.clone()).unwrap_or_default();
                // Saved labels of the same model stay good; another model clusters again.
                let labels = saved.filter(|s| s.model == model).map(|s| s.labels);
                report.clustered = labels.is_none();
                let mut inc = Incremental::open(Arc::clone(&store), model, config, labels)?;
                if !deleted.is_empty() {
                    inc = inc.with_history(&deleted, 0)?;
                }
                if report.clustered {
                    let saved = state::Saved {
                        model: inc.model().clone(),
                        // Just opened: every record is the store's.
                        labels: inc.labels(),
                        deleted,
                        folded,
                    };
                    state::write(&clusters_path, identity, &saved)?;
                }
                inc
            }
        };
        let (wal, replay) = Wal::open_folded(&wal_path, identity, folded)?;
        report.truncated = replay.truncated;
        let mut service = Service {
            inc,
            wal,
            store_path: path.to_path_buf(),
            broken: None,
            config: config.clone(),
            lock,
        };
        // Logged changes were checked before logging: an error here means the log and the
        // store's state disagree.
        let replay_error = |e: Error| Error::Input {
            path: wal_path.clone(),
            reason: format!(
                "replaying the log: {e} (the log does not belong to this store's state; move it \
                 away)"
            ),
        };
        for entry in replay.entries {
            match entry {
                Entry::Delete { record_id, parts } => {
                    match parts {
                        Some(parts) => service.inc.redo_delete(&record_id, parts),
                        None => service.inc.delete(&record_id),
                    }
                    .map_err(replay_error)?;
                    report.replayed_deletes += 1;
                }
                Entry::Add { records, matches: None } => {
                    for r in records {
                        service.inc.add(r).map_err(replay_error)?;
                        report.replayed += 1;
                    }
                }
                Entry::Add { records, matches: Some(matches) } => {
                    if matches.len() != records.len() {
                        return Err(replay_error(Error::Record {
                            reason: "an entry's matches and records differ in number".into(),
                        }));
                    }
                    for (r, m) in records.into_iter().zip(matches) {
                        service.inc.redo(r, m).map_err(replay_error)?;
                        report.replayed += 1;
                    }
                }
            }
        }
        Ok((service, report))
    }

    /// Adds a batch of records durably: each record that can be added ([`Incremental::check`],
    /// and an id not given twice in the batch) is assigned to a cluster, then the whole batch
    /// is logged as one entry, synced once; the others get their error, in their slots.
    /// Returns when the records are on disk. If logging fails, the service refuses every
    /// change after (its matcher is ahead of its log): open the store again.
    pub fn add(
        &mut self,
        records: Vec<Record>,
    ) -> Result<Vec<std::result::Result<Assignment, String>>> {
        self.usable()?;
        let verdicts = check_batch(&self.inc, &records);
        let (results, plans) = apply_batch(&mut self.inc, records, verdicts);
        if !plans.is_empty()
            && let Err(e) = self.wal.append(&logged(&plans))
        {
            self.broken = Some(e.to_string());
            return Err(e);
        }
        Ok(results)
    }

    fn usable(&self) -> Result<()> {
        match &self.broken {
            None => Ok(()),
            Some(why) => Err(Error::Input {
                path: self.wal.path().to_path_buf(),
                reason: format!(
                    "an earlier batch could not be logged ({why}); open the store again"
                ),
            }),
        }
    }

    /// Deletes a record durably (decided, logged and synced, then applied; see
    /// [`Incremental::delete`]).
    pub fn delete(&mut self, record_id: &str) -> Result<crate::pipeline::Deletion> {
        self.usable()?;
        let planned = self.inc.plan_delete(record_id)?;
        self.wal.append(&Entry::Delete {
            record_id: record_id.to_owned(),
            parts: Some(planned.parts().to_vec()),
        })?;
        self.inc.commit_delete(planned)
    }

    /// The incremental matcher and the log, for a server that reads the one while it writes
    /// the other (see [`check_batch`] and [`apply_batch`]).
    pub fn into_parts(self) -> Parts {
        Parts {
            inc: self.inc,
            wal: self.wal,
            config: self.config,
            store_path: self.store_path,
            lock: self.lock,
        }
    }

    /// The incremental matcher (lookups of records and clusters).
    pub fn matcher(&mut self) -> &mut Incremental {
        &mut self.inc
    }

    /// The log's size in bytes.
    pub fn wal_bytes(&self) -> u64 {
        self.wal.len()
    }

    /// The store's path.
    pub fn store_path(&self) -> &Path {
        &self.store_path
    }

    /// The threshold and the cannot-link constraint additions are matched with.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// Folds the log into the store: a new generation of the store holding every record in
    /// arrival order (a deleted one as its id alone) is written beside it, with its clusters,
    /// and switched in by renaming; the log starts afresh. Clusters and their ids are kept;
    /// later additions are scored with the new store's name frequencies. See [`compact`].
    pub fn compact(&mut self) -> Result<compact::Compaction> {
        self.usable()?;
        let folded = self.wal.fold_point();
        let (inc, identity, summary) =
            compact::write_generation(&self.store_path, &self.inc, &self.config, folded)?;
        let replay = self.wal.switch(identity, folded)?;
        debug_assert!(replay.entries.is_empty(), "nothing was logged during the compaction");
        self.inc = inc;
        Ok(summary)
    }
}
