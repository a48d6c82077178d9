//! The write-ahead log of a store that takes new records: one file beside the store
//! (`people.vnl.wal`), appended and synced before an addition is acknowledged, replayed when the
//! store is opened again.
//!
//! Layout: a 16-byte header — the magic `VNLWAL01` and the identity of the store it belongs to
//! (a log is never replayed on another store) — then entries, each `len: u32 LE`,
//! `crc32(payload): u32 LE`, `payload`: the JSON of an [`Entry`]. An entry is a whole batch of
//! records: it is applied entirely or not at all.
//!
//! A crash can leave the last entry torn (a length past the end, a checksum that does not
//! match): that entry was never acknowledged, and opening the log cuts it off (and says how many
//! bytes). Anything else that does not read — a header of another store, a bad magic — is an
//! error naming the file, never a panic.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::state::Folded;
use crate::dataset::Record;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"VNLWAL01";
const HEADER: u64 = 16;
/// The largest entry a log may hold (a batch of records as JSON).
const MAX_ENTRY: u32 = 256 << 20;

/// One logged change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// Records added, in order.
    Add {
        /// The records, as given.
        records: Vec<Record>,
        /// Per record, the matches it joined (`(weight, record index)`, strongest first):
        /// replaying redoes them without scoring, so that the clusters come out as they were
        /// acknowledged whatever the store's term frequencies are by then (a compacted store).
        /// Absent in logs of vnlink 0.x before compaction: those are scored again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        matches: Option<Vec<Vec<(f32, u32)>>>,
    },
    /// A record deleted.
    Delete {
        /// Its id.
        record_id: String,
        /// The parts its cluster fell into without it (record indices; empty: it stayed one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parts: Option<Vec<Vec<u32>>>,
    },
}

/// An open log, positioned at its end.
#[derive(Debug)]
pub struct Wal {
    file: File,
    path: PathBuf,
    len: u64,
    /// The identity in its header (its store's).
    identity: u64,
}

/// What opening a log found.
#[derive(Debug, Default)]
pub struct Replay {
    /// The entries, in order.
    pub entries: Vec<Entry>,
    /// Bytes of a torn last entry cut off (an addition never acknowledged).
    pub truncated: u64,
}

fn corrupt(path: &Path, reason: String) -> Error {
    Error::Input { path: path.to_path_buf(), reason }
}

impl Wal {
    /// Opens the log at `path` for the store whose identity is `identity`, creating it when
    /// absent, and reads its entries.
    pub fn open(path: impl AsRef<Path>, identity: u64) -> Result<(Wal, Replay)> {
        Self::open_folded(path, identity, None)
    }

    /// [`open`](Self::open) for a store that may have folded the log in ([`Folded`]): a log
    /// still under the previous generation's identity is carried over first — its entries past
    /// the folded bytes kept, under the store's identity (written aside and renamed).
    pub fn open_folded(
        path: impl AsRef<Path>,
        identity: u64,
        folded: Option<Folded>,
    ) -> Result<(Wal, Replay)> {
        let path = path.as_ref().to_path_buf();
        if let Some(f) = folded {
            carry_over(&path, identity, f)?;
        }
        let io = |e| Error::io(&path, e);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        if bytes.is_empty() {
            let mut header = [0u8; HEADER as usize];
            header[..8].copy_from_slice(MAGIC);
            header[8..].copy_from_slice(&identity.to_le_bytes());
            file.write_all(&header).map_err(io)?;
            file.sync_all().map_err(io)?;
            crate::util::fs::sync_dir(&path)?;
            return Ok((Wal { file, path, len: HEADER, identity }, Replay::default()));
        }
        if bytes.len() < HEADER as usize || &bytes[..8] != MAGIC {
            return Err(corrupt(
                &path,
                "not a vnlink write-ahead log (bad header); move it away to start the store's \
                 additions afresh"
                    .into(),
            ));
        }
        let found = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default());
        if found != identity {
            return Err(corrupt(
                &path,
                format!(
                    "this log belongs to another store (identity {found:#018x}, the store's is \
                     {identity:#018x}): the store was rebuilt or replaced; move the log away"
                ),
            ));
        }
        let mut replay = Replay::default();
        let mut at = HEADER as usize;
        while at < bytes.len() {
            let Some(entry) = read_entry(&bytes[at..]) else { break };
            let (len, payload) = entry;
            let parsed: Entry = serde_json::from_slice(payload).map_err(|e| {
                corrupt(&path, format!("entry at byte {at}: checksum right but unreadable: {e}"))
            })?;
            replay.entries.push(parsed);
            at += len;
        }
        if at < bytes.len() {
            replay.truncated = (bytes.len() - at) as u64;
            file.set_len(at as u64).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        file.seek(SeekFrom::Start(at as u64)).map_err(io)?;
        Ok((Wal { file, path, len: at as u64, identity }, replay))
    }

    /// Appends `entry` and syncs it to disk: when this returns, the entry survives a crash.
    pub fn append(&mut self, entry: &Entry) -> Result<()> {
        let payload = serde_json::to_vec(entry)
            .map_err(|e| corrupt(&self.path, format!("cannot encode an entry: {e}")))?;
        let len = u32::try_from(payload.len()).ok().filter(|&l| l <= MAX_ENTRY).ok_or_else(
            || Error::Record {
                reason: format!(
                    "a batch of {} bytes is larger than a log entry may be ({MAX_ENTRY} bytes): \
                     send fewer records at once",
                    payload.len()
                ),
            },
        )?;
        let mut buf = Vec::with_capacity(8 + payload.len());
        buf.extend_from_slice(&len.to_le_bytes());
        buf.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        buf.extend_from_slice(&payload);
        let io = |e| Error::io(&self.path, e);
        if let Err(e) = self.file.write_all(&buf).and_then(|()| self.file.sync_data()) {
            // Leave no partial entry behind: the next open would cut it off anyway.
            let _ = self.file.set_len(self.len);
            let _ = self.file.seek(SeekFrom::Start(self.len));
            return Err(io(e));
        }
        self.len += buf.len() as u64;
        Ok(())
    }

    /// The log's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the log holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len <= HEADER
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The identity in its header.
    pub fn identity(&self) -> u64 {
        self.identity
    }

    /// The point a compaction folds the log at: everything logged so far.
    pub fn fold_point(&self) -> Folded {
        Folded { wal_identity: self.identity, through: self.len }
    }

    /// Moves the log to a store's next generation (identity `identity`), which folded it in up
    /// to `folded`: the entries past it are kept (logged since the compaction began), under the
    /// new identity. Returns those entries.
    pub fn switch(&mut self, identity: u64, folded: Folded) -> Result<Replay> {
        let (wal, replay) = Self::open_folded(&self.path, identity, Some(folded))?;
        *self = wal;
        Ok(replay)
    }
}

/// Carries the log at `path` over to the store generation `identity` when it is still the
/// folded one's: its header rewritten, the folded entries dropped.
fn carry_over(path: &Path, identity: u64, folded: Folded) -> Result<()> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(path, e)),
    };
    if bytes.len() < HEADER as usize || &bytes[..8] != MAGIC {
        return Ok(()); // `open` says what is wrong with it.
    }
    let found = u64::from_le_bytes(bytes[8..16].try_into().unwrap_or_default());
    if found != folded.wal_identity || found == identity {
        return Ok(());
    }
    let through = usize::try_from(folded.through).unwrap_or(usize::MAX);
    if through < HEADER as usize || through > bytes.len() {
        return Err(corrupt(
            path,
            format!(
                "the store folded {through} bytes of this log in, but it has {}: it is not the \
                 log the store was compacted from; move it away",
                bytes.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(HEADER as usize + bytes.len() - through);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&identity.to_le_bytes());
    out.extend_from_slice(&bytes[through..]);
    crate::util::fs::atomic_write(path, &out)?;
    crate::util::fs::sync_dir(path)
}

/// The entry at the start of `bytes`: its whole length and its payload, or `None` when it is
/// torn (too short, too long, or its checksum does not match).
fn read_entry(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    if len > MAX_ENTRY {
        return None;
    }
    let payload = bytes.get(8..8 + len as usize)?;
    (crc32fast::hash(payload) == crc).then_some((8 + len as usize, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str) -> Record {
        Record { record_id: id.into(), full_name: "Nguyễn Văn An".into(), ..Record::default() }
    }

    #[test]
    fn entries_survive_reopening_and_a_torn_tail_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.vnl.wal");
        let (mut wal, replay) = Wal::open(&path, 7).unwrap();
        assert!(replay.entries.is_empty() && wal.is_empty());
        let a = Entry::Add { records: vec![rec("1"), rec("2")], matches: None };
        let b = Entry::Add { records: vec![rec("3")], matches: Some(vec![vec![(12.5, 0)]]) };
        wal.append(&a).unwrap();
        wal.append(&b).unwrap();
        let full = wal.len();
        drop(wal);
        let (_, replay) = Wal::open(&path, 7).unwrap();
        assert_eq!(replay.entries, [a.clone(), b]);
        assert_eq!(replay.truncated, 0);

        // A crash in the middle of the last entry: it is cut off, the first stays.
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(full - 5).unwrap();
        drop(f);
        let (wal, replay) = Wal::open(&path, 7).unwrap();
        assert_eq!(replay.entries, std::slice::from_ref(&a));
        assert!(replay.truncated > 0);
        assert!(wal.len() < full - 5);
        // A flipped byte in the last entry's payload: the same.
        let (mut wal, _) = Wal::open(&path, 7).unwrap();
        wal.append(&Entry::Add { records: vec![rec("4")], matches: None }).unwrap();
        let end = wal.len();
        drop(wal);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[end as usize - 3] ^= 0x20;
        std::fs::write(&path, &bytes).unwrap();
        let (_, replay) = Wal::open(&path, 7).unwrap();
        assert_eq!(replay.entries, [a]);
    }

    #[test]
    fn a_log_of_another_store_or_no_log_at_all_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.vnl.wal");
        drop(Wal::open(&path, 7).unwrap());
        let e = Wal::open(&path, 8).unwrap_err().to_string();
        assert!(e.contains("another store"), "{e}");
        std::fs::write(&path, b"hello, world, not a log").unwrap();
        let e = Wal::open(&path, 7).unwrap_err().to_string();
        assert!(e.contains("not a vnlink write-ahead log"), "{e}");
    }
}
