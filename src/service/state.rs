//! The clusters of a store that takes new records, saved beside it (`people.vnl.clusters`): the
//! model additions are scored with and the store's own clusters, so that opening the store again
//! neither trains nor re-runs the batch.
//!
//! Layout (`VNLCLU02`): the magic, the store's identity (u64 LE), the model's JSON length (u32
//! LE) and JSON, the record count `n` (u64 LE), one u32 LE label per record (its cluster's
//! oldest record), `n` bytes of deletion flags (0 or 1: tombstones of a compacted store), the
//! log the store folded in — its identity and the bytes of it folded (u64 LE each; 0 and 0: none)
//! — and a CRC-32 of everything before it (u32 LE). Written atomically; read and checked whole,
//! every label against the count. `VNLCLU01` files (labels only) are read as before.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Model;

const MAGIC_V1: &[u8; 8] = b"VNLCLU01";
const MAGIC: &[u8; 8] = b"VNLCLU02";

/// The log a compacted store folded in: the records of its first `through` bytes are in the
/// store; the rest is to be carried over to the store's own log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Folded {
    /// The identity in the folded log's header (the previous store generation's).
    pub wal_identity: u64,
    /// Bytes of that log folded into the store (header included).
    pub through: u64,
}

/// A store's saved clusters and model.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The model additions are scored with.
    pub model: Model,
    /// Per record, its cluster's oldest record.
    pub labels: Vec<u32>,
    /// Per record, whether it is a deleted record's tombstone (empty: none is).
    pub deleted: Vec<bool>,
    /// The log folded into the store, if it was compacted.
    pub folded: Option<Folded>,
}

/// Writes `saved` for the store of identity `identity` to `path`, atomically.
pub fn write(path: &Path, identity: u64, saved: &Saved) -> Result<()> {
    let json = serde_json::to_vec(&saved.model)
        .map_err(|e| Error::Model { path: path.to_path_buf(), reason: e.to_string() })?;
    let n = saved.labels.len();
    let mut buf = Vec::with_capacity(56 + json.len() + 5 * n);
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&identity.to_le_bytes());
    let json_len = u32::try_from(json.len())
        .map_err(|_| Error::Model { path: path.to_path_buf(), reason: "model too large".into() })?;
    buf.extend_from_slice(&json_len.to_le_bytes());
    buf.extend_from_slice(&json);
    buf.extend_from_slice(&(n as u64).to_le_bytes());
    for l in &saved.labels {
        buf.extend_from_slice(&l.to_le_bytes());
    }
    buf.extend((0..n).map(|i| u8::from(saved.deleted.get(i).copied().unwrap_or(false))));
    let folded = saved.folded.unwrap_or_default();
    buf.extend_from_slice(&folded.wal_identity.to_le_bytes());
    buf.extend_from_slice(&folded.through.to_le_bytes());
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    crate::util::fs::atomic_write(path, &buf)
}

/// The identity of the store a clusters file was saved for (`None`: no file), without
/// reading the rest.
pub fn identity_of(path: &Path) -> Result<Option<u64>> {
    use std::io::Read;
    let mut head = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => match f.read_exact(&mut head) {
            Ok(()) => Ok(Some(u64::from_le_bytes(head[8..16].try_into().unwrap_or_default()))),
            // Too short to name a store: not a finished file.
            Err(_) => Ok(None),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Reads the clusters saved at `path` for the store of identity `identity`: `None` when there
/// is no file or it was saved for another store.
pub fn read(path: &Path, identity: u64) -> Result<Option<Saved>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let bad = |reason: &str| Error::Input {
        path: path.to_path_buf(),
        reason: format!(
            "damaged clusters file: {reason}; delete it to compute the store's clusters again"
        ),
    };
    let v2 = bytes.get(..8) == Some(MAGIC.as_slice());
    if bytes.len() < 32 || !(v2 || &bytes[..8] == MAGIC_V1) {
        return Err(bad("bad header"));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 4);
    let crc = u32::from_le_bytes(tail.try_into().map_err(|_| bad("short"))?);
    if crc32fast::hash(body) != crc {
        return Err(bad("checksum mismatch"));
    }
    let u64_at = |at: usize| -> Result<u64> {
        Ok(u64::from_le_bytes(
            body.get(at..at + 8)
                .ok_or_else(|| bad("short"))?
                .try_into()
                .map_err(|_| bad("short"))?,
        ))
    };
    if u64_at(8)? != identity {
        return Ok(None);
    }
    let json_len = u32::from_le_bytes(
        body.get(16..20).ok_or_else(|| bad("short"))?.try_into().map_err(|_| bad("short"))?,
    ) as usize;
    let json = body.get(20..20 + json_len).ok_or_else(|| bad("model past the end"))?;
    let model: Model = serde_json::from_slice(json).map_err(|e| bad(&format!("model: {e}")))?;
    let at = 20 + json_len;
    let n = usize::try_from(u64_at(at)?).map_err(|_| bad("record count"))?;
    let rest = body.get(at + 8..).ok_or_else(|| bad("short"))?;
    let expected =
        if v2 { n.checked_mul(5).and_then(|x| x.checked_add(16)) } else { n.checked_mul(4) };
    if Some(rest.len()) != expected {
        return Err(bad("record count and length differ"));
    }
    let (labels_bytes, rest) = rest.split_at(4 * n);
    let labels: Vec<u32> = labels_bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if labels.iter().enumerate().any(|(i, &l)| l as usize > i) {
        return Err(bad("a label names a later record"));
    }
    let (deleted, folded) = if v2 {
        let (flags, tail) = rest.split_at(n);
        if flags.iter().any(|&f| f > 1) {
            return Err(bad("a deletion flag is neither 0 nor 1"));
        }
        let word = |at: usize| u64::from_le_bytes(tail[at..at + 8].try_into().unwrap_or_default());
        let folded = Folded { wal_identity: word(0), through: word(8) };
        let deleted =
            if flags.contains(&1) { flags.iter().map(|&f| f == 1).collect() } else { Vec::new() };
        (deleted, (folded != Folded::default()).then_some(folded))
    } else {
        (Vec::new(), None)
    };
    Ok(Some(Saved { model, labels, deleted, folded }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_clusters_read_back_and_damage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.vnl.clusters");
        let saved = Saved {
            model: crate::model::reference::reference().model.clone(),
            labels: vec![0, 0, 2, 2],
            deleted: vec![false, true, false, false],
            folded: Some(Folded { wal_identity: 9, through: 1234 }),
        };
        write(&path, 7, &saved).unwrap();
        assert_eq!(identity_of(&path).unwrap(), Some(7));
        assert_eq!(read(&path, 7).unwrap(), Some(saved.clone()));
        assert_eq!(read(&path, 8).unwrap(), None, "another store's");
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 10;
        bytes[at] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let e = read(&path, 7).unwrap_err().to_string();
        assert!(e.contains("checksum"), "{e}");
    }
}
