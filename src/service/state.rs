//! The clusters of a store that takes new records, saved beside it (`people.vnl.clusters`): the
//! model additions are scored with and the store's own clusters, so that opening the store again
//! neither trains nor re-runs the batch.
//!
//! Layout: the magic `VNLCLU01`, the store's identity (u64 LE), the model's JSON length (u32 LE)
//! and JSON, the record count (u64 LE), one u32 LE label per record (its cluster's first
//! record), and a CRC-32 of everything before it (u32 LE). Written atomically; read and checked
//! whole, every label against the count.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::Model;

const MAGIC: &[u8; 8] = b"VNLCLU01";

/// A store's saved clusters and model.
#[derive(Clone, Debug, PartialEq)]
pub struct Saved {
    /// The model additions are scored with.
    pub model: Model,
    /// Per record of the store, its cluster's first record.
    pub labels: Vec<u32>,
}

/// Writes `saved` for the store of identity `identity` to `path` (atomically).
pub fn write(path: &Path, identity: u64, saved: &Saved) -> Result<()> {
    let json = serde_json::to_vec(&saved.model)
        .map_err(|e| Error::Model { path: path.to_path_buf(), reason: e.to_string() })?;
    let mut buf = Vec::with_capacity(32 + json.len() + 4 * saved.labels.len());
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&identity.to_le_bytes());
    let json_len = u32::try_from(json.len())
        .map_err(|_| Error::Model { path: path.to_path_buf(), reason: "model too large".into() })?;
    buf.extend_from_slice(&json_len.to_le_bytes());
    buf.extend_from_slice(&json);
    buf.extend_from_slice(&(saved.labels.len() as u64).to_le_bytes());
    for l in &saved.labels {
        buf.extend_from_slice(&l.to_le_bytes());
    }
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    crate::util::fs::atomic_write(path, &buf)
}

/// Reads the saved clusters at `path`: `None` when there is no file, or when it belongs to
/// another store (rebuilt since: the clusters are computed again). A damaged file is an error.
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
    if bytes.len() < 32 || &bytes[..8] != MAGIC {
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
    let n = u64_at(at)?;
    let labels_bytes = body.get(at + 8..).ok_or_else(|| bad("short"))?;
    if labels_bytes.len() as u64 != n.saturating_mul(4) {
        return Err(bad("label count and length differ"));
    }
    let labels: Vec<u32> = labels_bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if labels.iter().enumerate().any(|(i, &l)| l as usize > i) {
        return Err(bad("a label names a later record"));
    }
    Ok(Some(Saved { model, labels }))
}
