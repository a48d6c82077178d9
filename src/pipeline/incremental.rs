//! Incremental matching: records added one at a time to a built store, each assigned to a
//! cluster as it arrives, with the model, the blocking rules and the threshold of a batch run.
//!
//! The store stays as it was built (memory-mapped, read only); added records live in a *delta*
//! held in memory: their features, names and blocking keys (a hash map per rule and key). A new
//! record is prepared as the store's records were, its candidates are the store's records that
//! share a blocking key with it (the store's posting lists, as a lookup reads them) and the
//! delta's, each candidate is scored with the batch model (its prior, not a lookup's), and every
//! pair at or above the threshold joins the clusters in descending weight — the order of
//! [`crate::cluster::cluster`], with its cannot-link constraint on valid CCCDs.
//!
//! **Cluster ids are stable.** Records are numbered in arrival order (the store's first, then
//! the delta's), and a cluster is named by the record id of its oldest member: a cluster that
//! grows keeps its id, and when a record merges clusters the oldest one's id survives and the
//! others are reported as merged into it ([`Action::Merged`]). The store's own clusters come from a
//! batch run over it ([`Incremental::open`]), whose labels are already the oldest members.
//!
//! Everything is deterministic: the same store, model and records in the same order give the
//! same assignments, so replaying a log of additions rebuilds the same state.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::query::{Access, LookupState, candidates};
use super::score::Scorer;
use super::{MatchConfig, MatcherBuilder};
use crate::cluster::UnionFind;
use crate::compare::{Features, Records, Scratch};
use crate::dataset::prepare::{Encodings, Prepared, Preparer};
use crate::dataset::{Record, View};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::tf::Shares;
use crate::schema::MAX_EXTRA;
use crate::store::Store;

/// What adding a record did to the clusters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// No record matched: the record founds a cluster named by its own id.
    NewCluster,
    /// Records of one cluster matched: the record joins it.
    Joined,
    /// Records of several clusters matched: they are one cluster now, under the oldest's id.
    Merged,
}

impl Action {
    /// The action's name in outputs: `new_cluster`, `joined`, `merged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NewCluster => "new_cluster",
            Action::Joined => "joined",
            Action::Merged => "merged",
        }
    }
}

/// A record the added one matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Match {
    /// The matched record's id.
    pub record_id: String,
    /// Match probability.
    pub match_probability: f64,
    /// Match weight.
    pub match_weight: f64,
}

/// Where an added record went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assignment {
    /// The added record's id.
    pub record_id: String,
    /// The id of its cluster after the addition.
    pub cluster_id: String,
    /// What happened.
    pub action: Action,
    /// The ids of the clusters merged into `cluster_id` ([`Action::Merged`]), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<String>,
    /// The records it matched, best first.
    pub matches: Vec<Match>,
    /// Matches whose merge the cannot-link constraint refused (two different valid CCCDs).
    #[serde(skip_serializing_if = "is_zero")]
    pub refused: u32,
}

// serde's `skip_serializing_if` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A candidate of a lookup ([`Incremental::query`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Found {
    /// The record's id.
    pub record_id: String,
    /// Its cluster's id.
    pub cluster_id: String,
    /// Match probability.
    pub match_probability: f64,
    /// Match weight.
    pub match_weight: f64,
    /// Whether the probability reaches the threshold.
    pub is_match: bool,
    /// The record's fields as written.
    pub record: Record,
    /// The score field by field.
    pub explanation: crate::pipeline::Explanation,
}

/// What comparing needs of one record, owned.
struct RecordView {
    features: Features,
    name: String,
    shares: Shares,
    hashes: [u64; MAX_EXTRA],
    texts: Vec<String>,
}

/// The records added since the store was built.
#[derive(Clone, Debug, Default)]
struct Delta {
    records: Vec<Record>,
    features: Vec<Features>,
    names: Vec<String>,
    shares: Vec<Shares>,
    extra_hashes: Vec<[u64; MAX_EXTRA]>,
    extra_texts: Vec<Vec<String>>,
    /// `(rule, key)` → the records (global indices) bearing the key, in arrival order.
    keys: FxHashMap<(u32, u64), Vec<u32>>,
}

/// Clusters over every record, store and delta: a union-find that grows, with per root the
/// oldest member, the identity key of the cannot-link constraint, and a ring of its members.
#[derive(Clone, Debug)]
struct Clusters {
    uf: UnionFind,
    /// Per root: the record whose id names the cluster (its oldest, or after a split the
    /// oldest of the part that kept the name; possibly a deleted record).
    oldest: Vec<u32>,
    /// Per root: the cluster's identity key.
    key: Vec<u64>,
    /// Per record: its own identity key (to rebuild the roots' after a split).
    own: Vec<u64>,
    /// `next[i]`: the next member of `i`'s cluster, around a ring (merging two rings swaps two
    /// links).
    next: Vec<u32>,
}

impl Clusters {
    /// The store's clusters from their labels (each record's cluster's oldest member).
    fn from_labels(labels: &[u32], key: impl Fn(u32) -> u64) -> Result<Clusters> {
        let n = labels.len();
        let mut c = Clusters {
            uf: UnionFind::new(n),
            oldest: (0..n as u32).collect(),
            key: (0..n as u32).map(&key).collect(),
            own: Vec::new(),
            next: (0..n as u32).collect(),
        };
        c.own.clone_from(&c.key);
        for (i, &l) in labels.iter().enumerate() {
            if l as usize >= n || l as usize > i {
                return Err(Error::Record {
                    reason: format!(
                        "cluster label {l} of record {i} is not an earlier record of the store"
                    ),
                });
            }
            if l as usize != i {
                c.join(l, i as u32);
            }
        }
        Ok(c)
    }

    /// Adds a singleton; returns its index.
    fn push(&mut self, key: u64) -> u32 {
        let i = self.uf.push();
        self.oldest.push(i);
        self.key.push(key);
        self.own.push(key);
        self.next.push(i);
        i
    }

    /// Regroups the members of one cluster (`members`, all of it) into `parts` (each a list of
    /// members; every member in one part): the part holding `keeper` keeps the cluster's name,
    /// the others are named by their oldest member. Returns the names of the other parts.
    fn regroup(&mut self, members: &[u32], parts: &[Vec<u32>], keeper: u32) -> Vec<u32> {
        let name = self.oldest_of(members[0]);
        self.uf.reset(members);
        for &m in members {
            self.next[m as usize] = m;
            self.oldest[m as usize] = m;
            self.key[m as usize] = self.own[m as usize];
        }
        let mut others = Vec::new();
        for part in parts {
            for &m in &part[1..] {
                let (ra, rb) = (self.uf.find(part[0]), self.uf.find(m));
                if ra != rb {
                    let (ka, kb) = (self.key[ra as usize], self.key[rb as usize]);
                    let oldest = self.oldest[ra as usize].min(self.oldest[rb as usize]);
                    let r = self.uf.union(ra, rb);
                    self.oldest[r as usize] = oldest;
                    self.key[r as usize] = if ka != 0 { ka } else { kb };
                    self.next.swap(ra as usize, rb as usize);
                }
            }
            let r = self.uf.find(part[0]);
            if part.contains(&keeper) {
                self.oldest[r as usize] = name;
            } else {
                others.push(self.oldest[r as usize]);
            }
        }
        others.sort_unstable();
        others
    }

    /// The oldest member of `i`'s cluster, without compressing paths (for readers).
    fn oldest_of_shared(&self, i: u32) -> u32 {
        self.oldest[self.uf.root(i) as usize]
    }

    /// The oldest member of `i`'s cluster.
    fn oldest_of(&mut self, i: u32) -> u32 {
        let r = self.uf.find(i);
        self.oldest[r as usize]
    }

    /// Forgets the identity key of `d` (deleted): its cluster's key becomes its other members'
    /// first, so that a deleted record's CCCD no longer keeps records out (as after compaction,
    /// where it is gone).
    fn forget_key(&mut self, d: u32) {
        self.own[d as usize] = 0;
        let key = self.members(d).iter().map(|&m| self.own[m as usize]).find(|&k| k != 0);
        let r = self.uf.find(d);
        self.key[r as usize] = key.unwrap_or(0);
    }

    /// Merges the clusters of `a` and `b` unless their identity keys conflict; returns whether
    /// they are one cluster now.
    fn join(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.uf.find(a), self.uf.find(b));
        if ra == rb {
            return true;
        }
        let (ka, kb) = (self.key[ra as usize], self.key[rb as usize]);
        if ka != 0 && kb != 0 && ka != kb && cccd_conflict(ka, kb) {
            return false;
        }
        let oldest = self.oldest[ra as usize].min(self.oldest[rb as usize]);
        let r = self.uf.union(ra, rb);
        self.oldest[r as usize] = oldest;
        self.key[r as usize] = if ka != 0 { ka } else { kb };
        self.next.swap(ra as usize, rb as usize);
        true
    }

    /// The members of `i`'s cluster, ascending.
    fn members(&self, i: u32) -> Vec<u32> {
        let mut out = vec![i];
        let mut j = self.next[i as usize];
        while j != i {
            out.push(j);
            j = self.next[j as usize];
        }
        out.sort_unstable();
        out
    }
}

/// The identity key of a record for the cannot-link constraint: its CCCD, if valid (as in a
/// batch run).
fn cccd_key(f: &Features) -> u64 {
    if f.national_id >> 60 == 1 { f.national_id } else { 0 }
}

fn cccd_conflict(a: u64, b: u64) -> bool {
    a != b && crate::compare::compare_id(a, b) == 3
}

/// What stays as records are added: the store, its lookup state and its record ids. The copies
/// of a matcher ([`Incremental`] is `Clone`) share it.
struct Fixed {
    store: Arc<Store>,
    state: LookupState,
    base: u32,
    /// The store's record ids → index.
    base_ids: FxHashMap<String, u32>,
    /// The store's record-id column.
    id_column: u32,
    cannot_link: bool,
}

/// A store that takes new records: each is matched against the store and the records added
/// before it, and assigned to a cluster with a stable id (see the [module](self) docs).
///
/// A clone shares the store and its lookup state and copies what additions change (the delta,
/// the clusters): a server reads one copy while it changes the other
/// ([`plan`](Self::plan) once, [`commit`](Self::commit) to both).
#[derive(Clone)]
pub struct Incremental {
    fixed: Arc<Fixed>,
    delta: Delta,
    /// Record id → index, for the delta (the store's ids are looked up in `base_ids`).
    delta_ids: FxHashMap<String, u32>,
    clusters: Clusters,
    /// Per record (store and delta): whether it was deleted. A deleted record stays a hidden
    /// member of its cluster (its id may still name the cluster) and its id is not reused.
    deleted: Vec<bool>,
    /// Changes applied so far (additions and deletions): a plan commits onto the state it was
    /// made against only.
    changes: u64,
}

/// An addition decided ([`Incremental::plan`]) but not yet applied
/// ([`Incremental::commit`]): the record, prepared, and its matches.
#[derive(Clone, Debug)]
pub struct Planned {
    record: Record,
    prepared: Prepared,
    /// Its matches (global record indices), strongest first.
    scored: Vec<(f32, u32)>,
    /// The state it was planned against ([`Incremental::changes`]).
    at: u64,
}

impl Planned {
    /// The record.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Its matches: `(weight, record index)`, strongest first — what a log keeps to redo the
    /// addition ([`Incremental::redo`]) without scoring it again.
    pub fn matches(&self) -> &[(f32, u32)] {
        &self.scored
    }
}

/// A deletion decided ([`Incremental::plan_delete`]) but not yet applied.
#[derive(Clone, Debug)]
pub struct PlannedDelete {
    record_id: String,
    /// The parts the remaining members fall into (none when they stay one cluster).
    parts: Vec<Vec<u32>>,
    at: u64,
}

impl PlannedDelete {
    /// The parts the cluster's remaining members fall into (record indices; empty when they
    /// stay one cluster) — what a log keeps to redo the deletion
    /// ([`Incremental::redo_delete`]).
    pub fn parts(&self) -> &[Vec<u32>] {
        &self.parts
    }
}

/// What deleting a record did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Deletion {
    /// The deleted record's id.
    pub record_id: String,
    /// The cluster it was in (the name stays with the part holding its oldest remaining record).
    pub cluster_id: String,
    /// The clusters split off because the record was what joined them, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub split: Vec<String>,
}

/// A record being prepared and compared: the preparer, its output and the comparators' memo
/// (one per thread).
#[derive(Default)]
struct Work {
    preparer: Preparer,
    prepared: Prepared,
    scratch: Scratch,
}

thread_local! {
    static QUERY_WORK: std::cell::RefCell<Work> = std::cell::RefCell::new(Work::default());
}

impl std::fmt::Debug for Incremental {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incremental")
            .field("store_records", &self.fixed.base)
            .field("added", &self.delta.records.len())
            .finish_non_exhaustive()
    }
}

impl Incremental {
    /// Opens `store` for additions with `model` and `config` (the threshold and the cannot-link
    /// constraint; the blocking rules are the store's, whose posting lists it holds). `labels`
    /// are the store's clusters (for each record, its cluster's first record, as
    /// [`super::Dedupe::labels`]); without them a batch run with the same model and rules
    /// computes them.
    pub fn open(
        store: Arc<Store>,
        model: Model,
        config: &MatchConfig,
        labels: Option<Vec<u32>>,
    ) -> Result<Incremental> {
        let view = View::new(&store)?;
        let meta = view.meta()?;
        let n = view.len();
        let labels = match labels {
            Some(l) if l.len() == n => l,
            Some(l) => {
                return Err(Error::Record {
                    reason: format!(
                        "{} cluster labels for a store of {n} records: they are another store's",
                        l.len()
                    ),
                });
            }
            None => Self::batch_labels(&store, &model, config, &meta.blocking)?,
        };
        let scorer = Scorer::new(model, &view, config.threshold.weight());
        let state = LookupState::new(scorer, meta.blocking, view.extras().to_vec())
            .read_like(meta.month_first, meta.given_first);
        let access = Access::new(&store, state.extras.len())?;
        let mut base_ids = FxHashMap::default();
        base_ids.reserve(n);
        let mut keys = Vec::with_capacity(n);
        for i in 0..n as u32 {
            base_ids.insert(access.record_id(i)?.to_owned(), i);
            keys.push(if config.cannot_link { cccd_key(access.features(i)?) } else { 0 });
        }
        let clusters = Clusters::from_labels(&labels, |i| keys[i as usize])?;

        let id_column =
            store.column_id(crate::dataset::RECORD_ID).ok_or_else(|| Error::Corrupt {
                path: store.path().to_path_buf(),
                section: "vnl.schema".into(),
                offset: 0,
                reason: "not a person store: no column `record_id`".into(),
            })?;
        Ok(Incremental {
            fixed: Arc::new(Fixed {
                base: n as u32,
                id_column,
                store,
                state,
                base_ids,
                cannot_link: config.cannot_link,
            }),
            delta: Delta::default(),
            delta_ids: FxHashMap::default(),
            clusters,
            deleted: vec![false; n],
            changes: 0,
        })
    }

    /// The store's clusters by a batch run with `model` and the store's own rules (nothing
    /// learned: additions are blocked by those rules).
    fn batch_labels(
        store: &Store,
        model: &Model,
        config: &MatchConfig,
        blocking: &crate::block::Blocking,
    ) -> Result<Vec<u32>> {
        let mut config = config.clone();
        config.blocking = blocking.clone();
        config.blocking.learn.enabled = Some(false);
        let matcher = MatcherBuilder::new().config(config).model(model.clone()).build()?;
        Ok(matcher.dedupe(store)?.labels)
    }

    /// Every record's cluster label (its cluster's oldest record, deleted or not), store and
    /// added records alike, in arrival order: with [`deleted_flags`](Self::deleted_flags),
    /// what a store rebuilt from [`record_or_tombstone`](Self::record_or_tombstone) needs to
    /// open with the same clusters ([`with_history`](Self::with_history)).
    pub fn labels(&self) -> Vec<u32> {
        (0..self.len() as u32).map(|i| self.clusters.oldest_of_shared(i)).collect()
    }

    /// Per record, whether it was deleted.
    pub fn deleted_flags(&self) -> &[bool] {
        &self.deleted
    }

    /// Record `i` (arrival order) as written, or, when it was deleted, its tombstone: its id
    /// alone, so that a rebuilt store keeps the id taken (ids are not reused) and the
    /// cluster names, and nothing else of the person.
    pub fn record_or_tombstone(&self, i: u32) -> Result<Record> {
        if self.deleted.get(i as usize).copied().unwrap_or(false) {
            return Ok(Record { record_id: self.record_id(i)?, ..Record::default() });
        }
        if i < self.fixed.base {
            Access::new(&self.fixed.store, self.fixed.state.extras.len())?.record(i)
        } else {
            self.delta
                .records
                .get((i - self.fixed.base) as usize)
                .cloned()
                .ok_or_else(|| Error::Record { reason: format!("no record {i} of {}", self.len()) })
        }
    }

    /// Marks the records deleted before the store was rebuilt (the
    /// [`deleted_flags`](Self::deleted_flags) of the matcher it was rebuilt from) and carries
    /// its change count over, so that plans made against that matcher commit here.
    pub fn with_history(mut self, deleted: &[bool], changes: u64) -> Result<Self> {
        if deleted.len() != self.len() {
            return Err(Error::Record {
                reason: format!(
                    "{} deletion flags for a store of {} records: they are another store's",
                    deleted.len(),
                    self.len()
                ),
            });
        }
        for (i, &d) in deleted.iter().enumerate() {
            if d && !self.deleted[i] {
                self.deleted[i] = true;
                self.clusters.forget_key(i as u32);
            }
        }
        self.changes = changes;
        Ok(self)
    }

    /// The store records are added to.
    pub fn store(&self) -> &Arc<Store> {
        &self.fixed.store
    }

    /// The store's extra fields (added records carry the same).
    pub fn extras(&self) -> &[crate::schema::ExtraField] {
        &self.fixed.state.extras
    }

    /// The model records are scored with.
    pub fn model(&self) -> &Model {
        self.fixed.state.scorer.model()
    }

    /// The store's records and the added ones.
    pub fn len(&self) -> usize {
        self.fixed.base as usize + self.delta.records.len()
    }

    /// Whether there is no record at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records added since the store was built, in arrival order.
    pub fn added(&self) -> &[Record] {
        &self.delta.records
    }

    fn index_of(&self, record_id: &str) -> Option<u32> {
        self.fixed.base_ids.get(record_id).or_else(|| self.delta_ids.get(record_id)).copied()
    }

    /// The index of a record that is there (not deleted).
    fn live(&self, record_id: &str) -> Option<u32> {
        self.index_of(record_id).filter(|&i| !self.deleted[i as usize])
    }

    /// Changes applied so far (additions and deletions); two copies with the same count and
    /// the same history are the same.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Records deleted so far.
    pub fn deleted(&self) -> usize {
        self.deleted.iter().filter(|&&d| d).count()
    }

    fn record_id(&self, i: u32) -> Result<String> {
        if i < self.fixed.base {
            self.fixed.store.str_value(self.fixed.id_column, u64::from(i)).map(str::to_owned)
        } else {
            Ok(self.delta.records[(i - self.fixed.base) as usize].record_id.clone())
        }
    }

    /// A record by its id, as written in its source, with its cluster id.
    pub fn record(&self, record_id: &str) -> Result<Option<(Record, String)>> {
        let Some(i) = self.live(record_id) else { return Ok(None) };
        let record = if i < self.fixed.base {
            Access::new(&self.fixed.store, self.fixed.state.extras.len())?.record(i)?
        } else {
            self.delta.records[(i - self.fixed.base) as usize].clone()
        };
        let cluster = self.cluster_id_of_shared(i)?;
        Ok(Some((record, cluster)))
    }

    fn cluster_id_of_shared(&self, i: u32) -> Result<String> {
        self.record_id(self.clusters.oldest_of_shared(i))
    }

    fn cluster_id_of(&mut self, i: u32) -> Result<String> {
        let oldest = self.clusters.oldest_of(i);
        self.record_id(oldest)
    }

    /// The cluster id of a record.
    pub fn cluster_of(&self, record_id: &str) -> Result<Option<String>> {
        match self.live(record_id) {
            Some(i) => self.cluster_id_of_shared(i).map(Some),
            None => Ok(None),
        }
    }

    /// The record ids of a cluster, oldest first (`None` when no cluster has this id: a
    /// cluster's id is its oldest record's).
    pub fn members(&self, cluster_id: &str) -> Result<Option<Vec<String>>> {
        let Some(i) = self.index_of(cluster_id) else { return Ok(None) };
        if self.clusters.oldest_of_shared(i) != i {
            return Ok(None);
        }
        let members: Vec<String> = self
            .clusters
            .members(i)
            .into_iter()
            .filter(|&m| !self.deleted[m as usize])
            .map(|m| self.record_id(m))
            .collect::<Result<_>>()?;
        Ok(if members.is_empty() { None } else { Some(members) })
    }

    /// Every record's id with its cluster id, in arrival order (the store's records first).
    pub fn clusters(&self) -> Result<Vec<(String, String)>> {
        (0..self.len() as u32)
            .filter(|&i| !self.deleted[i as usize])
            .map(|i| Ok((self.record_id(i)?, self.cluster_id_of_shared(i)?)))
            .collect()
    }

    /// Checks that `record` can be added: a record id that is neither empty nor taken.
    pub fn check(&self, record: &Record) -> Result<()> {
        if record.record_id.trim().is_empty() {
            return Err(Error::Record { reason: "the record has no record_id".into() });
        }
        if let Some(i) = self.index_of(&record.record_id) {
            let reason = if self.deleted[i as usize] {
                format!("record_id {:?} was deleted; ids are not reused", record.record_id)
            } else {
                format!("record_id {:?} is already in the store", record.record_id)
            };
            return Err(Error::Record { reason });
        }
        Ok(())
    }

    /// Adds a record: matches it against the store and the records added before, and assigns
    /// it to a cluster. An error ([`check`](Self::check)) leaves everything as it was.
    pub fn add(&mut self, record: Record) -> Result<Assignment> {
        let planned = self.plan(record)?;
        self.commit(planned)
    }

    /// Decides an addition without applying it: the record checked
    /// ([`check`](Self::check)), prepared and scored against the records there now. Any
    /// number of threads may plan at once; the plan commits onto this state (or an identical
    /// copy) only.
    pub fn plan(&self, record: Record) -> Result<Planned> {
        self.check(&record)?;
        QUERY_WORK.with_borrow_mut(|work| {
            let scored = self.prepare_and_score(&record, work, false)?;
            Ok(Planned {
                record,
                prepared: std::mem::take(&mut work.prepared),
                scored,
                at: self.changes,
            })
        })
    }

    /// Applies a planned addition ([`plan`](Self::plan)): the record joins the delta and its
    /// matches' clusters. A plan made against another state is refused.
    pub fn commit(&mut self, planned: Planned) -> Result<Assignment> {
        let Planned { record, prepared, scored, at } = planned;
        if at != self.changes {
            return Err(Error::Record {
                reason: "an addition planned against another state of the store".into(),
            });
        }
        self.check(&record)?;
        let record_id = record.record_id.clone();
        let i = self.push_delta(record, &prepared);
        self.changes += 1;
        self.join(i, record_id, &scored)
    }

    /// Adds a record with the matches it had when it was first added (a log's record of them,
    /// [`Planned::matches`]): prepared again, not scored, so that the clusters come out as
    /// they were even where the scores would now differ (a store compacted since).
    pub fn redo(&mut self, record: Record, matches: Vec<(f32, u32)>) -> Result<Assignment> {
        self.check(&record)?;
        let n = self.len() as u32;
        if let Some(&(_, c)) = matches.iter().find(|&&(_, c)| c >= n) {
            return Err(Error::Record {
                reason: format!(
                    "a logged match names record {c} of {n}: the log is not this store's"
                ),
            });
        }
        let prepared = QUERY_WORK.with_borrow_mut(|work| {
            self.prepare(&record, work);
            std::mem::take(&mut work.prepared)
        });
        self.commit(Planned { record, prepared, scored: matches, at: self.changes })
    }

    /// Prepares `record` as the store's records were, into `work.prepared`.
    fn prepare(&self, record: &Record, work: &mut Work) {
        let (month_first, given_first) = self.fixed.state.read_order;
        work.preparer.set_extras(&self.fixed.state.kinds);
        work.preparer.set_read_order(month_first, given_first);
        work.preparer.prepare(&record.raw(), &Encodings::default(), &mut work.prepared);
    }

    /// Prepares `record` as the store's records were (into `work`) and scores its candidates,
    /// best first (ties by record order: the order a batch run merges in); only those reaching
    /// the threshold unless `all`.
    fn prepare_and_score(
        &self,
        record: &Record,
        work: &mut Work,
        all: bool,
    ) -> Result<Vec<(f32, u32)>> {
        self.prepare(record, work);
        let mut scored = self.store_matches(&work.prepared, &mut work.scratch, all)?;
        scored.extend(self.delta_matches(&work.prepared, &mut work.scratch, all));
        scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        Ok(scored)
    }

    /// Looks `record` up among the store's records and the added ones: the `k` best
    /// candidates, best first, each with its cluster id, its fields and the explanation of its
    /// score (the model and prior additions are scored with: `is_match` says whether adding
    /// the record would join it). Any number of threads may look up at once.
    pub fn query(&self, record: &Record, k: usize) -> Result<Vec<Found>> {
        QUERY_WORK.with_borrow_mut(|work| {
            let mut scored = self.prepare_and_score(record, work, true)?;
            scored.truncate(k);
            let access = Access::new(&self.fixed.store, self.fixed.state.extras.len())?;
            let q = &work.prepared;
            let scorer = &self.fixed.state.scorer;
            let extras = &self.fixed.state.extras;
            scored
                .into_iter()
                .map(|(_, c)| {
                    let (stored, stored_name, fields, hashes, texts) = if c < self.fixed.base {
                        let texts: Vec<String> =
                            (0..extras.len()).map(|j| access.extra_text(c, j).to_owned()).collect();
                        (
                            *access.features(c)?,
                            access.name_ascii(c)?.to_owned(),
                            access.record(c)?,
                            *access.extra_hashes(c)?,
                            texts,
                        )
                    } else {
                        let j = (c - self.fixed.base) as usize;
                        let d = &self.delta;
                        (
                            d.features[j],
                            d.names[j].clone(),
                            d.records[j].clone(),
                            d.extra_hashes[j],
                            d.extra_texts[j].clone(),
                        )
                    };
                    let explanation = scorer.explain_lookup(
                        &q.features,
                        &stored,
                        &q.name_ascii,
                        &stored_name,
                        |p| {
                            let texts = |j: usize| {
                                (
                                    q.extra_texts.get(j).map_or("", String::as_str),
                                    texts.get(j).map_or("", String::as_str),
                                )
                            };
                            crate::compare::compare_extra_values(
                                extras,
                                (&q.extra_hashes, &hashes),
                                texts,
                                p,
                            );
                        },
                        &mut work.scratch,
                    );
                    Ok(Found {
                        record_id: fields.record_id.clone(),
                        cluster_id: self.cluster_id_of_shared(c)?,
                        match_probability: explanation.match_probability,
                        match_weight: explanation.match_weight,
                        is_match: scorer.is_match(explanation.match_weight),
                        record: fields,
                        explanation,
                    })
                })
                .collect()
        })
    }

    /// The store's records sharing a blocking key with the prepared record (its posting lists)
    /// and reaching the threshold, with their weights; with `all` (a lookup), every candidate,
    /// and the records of the same name when no rule places the record (as `vnlink query`).
    fn store_matches(
        &self,
        q: &Prepared,
        scratch: &mut Scratch,
        all: bool,
    ) -> Result<Vec<(f32, u32)>> {
        let access = Access::new(&self.fixed.store, self.fixed.state.extras.len())?;
        let (scorer, extras) = (&self.fixed.state.scorer, &self.fixed.state.extras);
        let q_shares = scorer.shares_for(&q.features);
        let mut scored = Vec::new();
        for c in candidates(&self.fixed.store, &access, &self.fixed.state, q, all)? {
            if self.deleted[c as usize] {
                continue;
            }
            let stored = access.extra_hashes(c)?;
            let w = scorer.weight_shares(
                (&q.features, &q.name_ascii, q_shares),
                (access.features(c)?, scorer.shares_of(c)),
                || access.name_ascii(c).unwrap_or(""),
                |p| {
                    if !extras.is_empty() {
                        let texts = |j: usize| {
                            (
                                q.extra_texts.get(j).map_or("", String::as_str),
                                access.extra_text(c, j),
                            )
                        };
                        crate::compare::compare_extra_values(
                            extras,
                            (&q.extra_hashes, stored),
                            texts,
                            p,
                        );
                    }
                },
                scratch,
            );
            if all || scorer.is_match(f64::from(w)) {
                scored.push((w, c));
            }
        }
        Ok(scored)
    }

    /// The blocking keys of the prepared record, one per rule (0: none).
    fn keys(&self, q: &Prepared) -> Vec<u64> {
        let rules = self.fixed.state.blocking.rules.iter().zip(&self.fixed.state.rule_extras);
        rules.map(|(rule, idx)| rule.key_with(&q.features, &q.extra_hashes, idx)).collect()
    }

    /// The added records sharing a blocking key with the prepared record and reaching the
    /// threshold, with their weights.
    fn delta_matches(&self, q: &Prepared, scratch: &mut Scratch, all: bool) -> Vec<(f32, u32)> {
        let mut found: Vec<u32> = Vec::new();
        for (r, key) in self.keys(q).into_iter().enumerate() {
            if key != 0
                && let Some(list) = self.delta.keys.get(&(r as u32, key))
            {
                found.extend_from_slice(list);
            }
        }
        found.sort_unstable();
        found.dedup();
        let (scorer, extras) = (&self.fixed.state.scorer, &self.fixed.state.extras);
        let q_shares = scorer.shares_for(&q.features);
        let d = &self.delta;
        let mut scored = Vec::new();
        for c in found {
            if self.deleted[c as usize] {
                continue;
            }
            let j = (c - self.fixed.base) as usize;
            let w = scorer.weight_shares(
                (&q.features, &q.name_ascii, q_shares),
                (&d.features[j], d.shares[j]),
                || d.names[j].as_str(),
                |p| {
                    if !extras.is_empty() {
                        let texts = |k: usize| {
                            (
                                q.extra_texts.get(k).map_or("", String::as_str),
                                d.extra_texts[j].get(k).map_or("", String::as_str),
                            )
                        };
                        crate::compare::compare_extra_values(
                            extras,
                            (&q.extra_hashes, &d.extra_hashes[j]),
                            texts,
                            p,
                        );
                    }
                },
                scratch,
            );
            if all || scorer.is_match(f64::from(w)) {
                scored.push((w, c));
            }
        }
        scored
    }

    /// Puts the prepared record into the delta (its features, keys, cluster); returns its index.
    fn push_delta(&mut self, record: Record, q: &Prepared) -> u32 {
        let i = self.fixed.base + self.delta.records.len() as u32;
        for (r, key) in self.keys(q).into_iter().enumerate() {
            if key != 0 {
                self.delta.keys.entry((r as u32, key)).or_default().push(i);
            }
        }
        let d = &mut self.delta;
        d.features.push(q.features);
        d.names.push(q.name_ascii.clone());
        d.shares.push(self.fixed.state.scorer.shares_for(&q.features));
        let mut hashes = [0u64; MAX_EXTRA];
        for (h, v) in hashes.iter_mut().zip(&q.extra_hashes) {
            *h = *v;
        }
        d.extra_hashes.push(hashes);
        d.extra_texts.push(q.extra_texts.clone());
        let key = if self.fixed.cannot_link { cccd_key(&q.features) } else { 0 };
        let pushed = self.clusters.push(key);
        debug_assert_eq!(pushed, i);
        self.delta_ids.insert(record.record_id.clone(), i);
        self.delta.records.push(record);
        self.deleted.push(false);
        i
    }

    /// Checks that `record_id` can be deleted: a record that is there.
    pub fn check_delete(&self, record_id: &str) -> Result<u32> {
        self.live(record_id).ok_or_else(|| Error::Record {
            reason: format!("no record with id {record_id:?} (or it was deleted)"),
        })
    }

    /// Deletes a record: it leaves lookups, record and cluster listings, and its cluster is
    /// regrouped without it — the pairs of its remaining members that blocking finds are scored
    /// again and joined as a batch run would; a part that only the deleted record held to the
    /// cluster splits off under its own oldest record's id, and the rest keeps the name.
    pub fn delete(&mut self, record_id: &str) -> Result<Deletion> {
        let planned = self.plan_delete(record_id)?;
        self.commit_delete(planned)
    }

    /// Decides a deletion without applying it: the parts the record's cluster falls into
    /// without it (see [`delete`](Self::delete)).
    pub fn plan_delete(&self, record_id: &str) -> Result<PlannedDelete> {
        let d = self.check_delete(record_id)?;
        let live = self.live_members_without(d);
        let parts = if live.len() >= 2 { self.regroup_parts(&live)? } else { Vec::new() };
        Ok(PlannedDelete { record_id: record_id.to_owned(), parts, at: self.changes })
    }

    /// The members of `d`'s cluster that are there, but `d`, ascending.
    fn live_members_without(&self, d: u32) -> Vec<u32> {
        let members = self.clusters.members(d);
        members.into_iter().filter(|&m| m != d && !self.deleted[m as usize]).collect()
    }

    /// Applies a planned deletion ([`plan_delete`](Self::plan_delete)); a plan made against
    /// another state is refused.
    pub fn commit_delete(&mut self, planned: PlannedDelete) -> Result<Deletion> {
        if planned.at != self.changes {
            return Err(Error::Record {
                reason: "a deletion planned against another state of the store".into(),
            });
        }
        self.apply_delete(&planned.record_id, planned.parts)
    }

    /// Deletes a record, its cluster falling into the parts logged when it was first deleted
    /// ([`PlannedDelete::parts`]), without scoring again; parts that are not the cluster's
    /// remaining members are refused.
    pub fn redo_delete(&mut self, record_id: &str, parts: Vec<Vec<u32>>) -> Result<Deletion> {
        let d = self.check_delete(record_id)?;
        let mut given: Vec<u32> = parts.iter().flatten().copied().collect();
        given.sort_unstable();
        let live = self.live_members_without(d);
        let whole = parts.is_empty() || given == live;
        if !whole || given.windows(2).any(|w| w[0] == w[1]) || parts.iter().any(Vec::is_empty) {
            return Err(Error::Record {
                reason: format!(
                    "the logged parts of {record_id:?}'s cluster are not its remaining members"
                ),
            });
        }
        self.apply_delete(record_id, parts)
    }

    fn apply_delete(&mut self, record_id: &str, mut parts: Vec<Vec<u32>>) -> Result<Deletion> {
        let d = self.check_delete(record_id)?;
        let cluster_id = self.cluster_id_of(d)?;
        self.deleted[d as usize] = true;
        self.changes += 1;
        self.clusters.forget_key(d);
        let members = self.clusters.members(d);
        let mut split = Vec::new();
        if parts.len() > 1 {
            // Deleted members stay with the part of the oldest live one, which keeps the name.
            let keeper = parts.iter().flatten().copied().min().unwrap_or(d);
            let hidden: Vec<u32> =
                members.iter().copied().filter(|&m| self.deleted[m as usize]).collect();
            if let Some(p) = parts.iter_mut().find(|p| p.contains(&keeper)) {
                p.extend(hidden);
                p.sort_unstable();
            }
            let names = self.clusters.regroup(&members, &parts, keeper);
            split = names.into_iter().map(|n| self.record_id(n)).collect::<Result<_>>()?;
        }
        Ok(Deletion { record_id: record_id.to_owned(), cluster_id, split })
    }

    /// The parts `live` (the remaining members of one cluster, ascending) fall into: their pairs
    /// that share a blocking key, scored, joined strongest first under the cannot-link
    /// constraint, as a batch run joins them.
    fn regroup_parts(&self, live: &[u32]) -> Result<Vec<Vec<u32>>> {
        let scratch = &mut Scratch::default();
        let access = Access::new(&self.fixed.store, self.fixed.state.extras.len())?;
        let views = live.iter().map(|&m| self.view_of(&access, m)).collect::<Result<Vec<_>>>()?;
        let keys: Vec<Vec<u64>> = views
            .iter()
            .map(|v| {
                let rules =
                    self.fixed.state.blocking.rules.iter().zip(&self.fixed.state.rule_extras);
                rules.map(|(rule, idx)| rule.key_with(&v.features, &v.hashes, idx)).collect()
            })
            .collect();
        let (scorer, extras) = (&self.fixed.state.scorer, &self.fixed.state.extras);
        let mut edges = Vec::new();
        for a in 0..live.len() {
            for b in a + 1..live.len() {
                if !keys[a].iter().zip(&keys[b]).any(|(x, y)| *x != 0 && x == y) {
                    continue;
                }
                let (va, vb) = (&views[a], &views[b]);
                let w = scorer.weight_shares(
                    (&va.features, &va.name, va.shares),
                    (&vb.features, vb.shares),
                    || vb.name.as_str(),
                    |p| {
                        if !extras.is_empty() {
                            let texts = |j: usize| {
                                (
                                    va.texts.get(j).map_or("", String::as_str),
                                    vb.texts.get(j).map_or("", String::as_str),
                                )
                            };
                            crate::compare::compare_extra_values(
                                extras,
                                (&va.hashes, &vb.hashes),
                                texts,
                                p,
                            );
                        }
                    },
                    scratch,
                );
                if scorer.is_match(f64::from(w)) {
                    edges.push(crate::cluster::Edge { a: a as u32, b: b as u32, weight: w });
                }
            }
        }
        let own = |i: u32| self.clusters.own[live[i as usize] as usize];
        let c = crate::cluster::cluster(live.len(), &mut edges, own, cccd_conflict);
        let mut parts: Vec<Vec<u32>> = Vec::new();
        let mut part_of: FxHashMap<u32, usize> = FxHashMap::default();
        for (i, &label) in c.labels.iter().enumerate() {
            let p = *part_of.entry(label).or_insert_with(|| {
                parts.push(Vec::new());
                parts.len() - 1
            });
            parts[p].push(live[i]);
        }
        Ok(parts)
    }

    /// What comparing needs of record `i` (store or delta), owned.
    fn view_of(&self, access: &Access<'_>, i: u32) -> Result<RecordView> {
        if i < self.fixed.base {
            let texts = (0..self.fixed.state.extras.len())
                .map(|j| access.extra_text(i, j).to_owned())
                .collect();
            return Ok(RecordView {
                features: *access.features(i)?,
                name: access.name_ascii(i)?.to_owned(),
                shares: self.fixed.state.scorer.shares_of(i),
                hashes: *access.extra_hashes(i)?,
                texts,
            });
        }
        let j = (i - self.fixed.base) as usize;
        let d = &self.delta;
        Ok(RecordView {
            features: d.features[j],
            name: d.names[j].clone(),
            shares: d.shares[j],
            hashes: d.extra_hashes[j],
            texts: d.extra_texts[j].clone(),
        })
    }

    /// Joins record `i` with its matches, strongest first, and says what changed.
    fn join(&mut self, i: u32, record_id: String, scored: &[(f32, u32)]) -> Result<Assignment> {
        let mut before: Vec<u32> = Vec::new();
        let mut refused = 0u32;
        let mut matches = Vec::with_capacity(scored.len());
        for &(w, c) in scored {
            let old = self.clusters.oldest_of(c);
            if self.clusters.join(i, c) {
                if !before.contains(&old) {
                    before.push(old);
                }
            } else {
                refused += 1;
            }
            let w = f64::from(w);
            matches.push(Match {
                record_id: self.record_id(c)?,
                match_probability: crate::model::probability(w),
                match_weight: w,
            });
        }
        before.sort_unstable();
        let action = match before.len() {
            0 => Action::NewCluster,
            1 => Action::Joined,
            _ => Action::Merged,
        };
        let cluster_id = self.cluster_id_of(i)?;
        let merged =
            before.iter().skip(1).map(|&o| self.record_id(o)).collect::<Result<Vec<_>>>()?;
        Ok(Assignment { record_id, cluster_id, action, merged, matches, refused })
    }
}
