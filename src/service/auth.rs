//! Access control of the identity service: bearer tokens with scopes, kept as salted hashes in
//! a TOML file, per-token limits, and the audit log's keyed hashes.
//!
//! `tokens.toml`:
//!
//! ```toml
//! # The key of the audit log's hashes of record ids (hex, 32 bytes): keep it secret.
//! audit_key = "…"
//!
//! [[token]]
//! name = "ministry-education"
//! salt = "…"            # hex, 16 bytes
//! hash = "…"            # hex SHA-256 of salt ‖ token
//! scopes = ["query"]    # query, write, admin
//! max_records = 1000    # records per request (default 1000)
//! rate = 200            # requests per second, sustained (default 200; bursts of twice that)
//! ```
//!
//! `vnlink token NAME --scopes query,write` makes a token: it prints the token once (give it to
//! the client) and the entry to add; the file never holds a token, only its salted hash.
//! Tokens are 32 random bytes, so one SHA-256 round is enough (no password stretching: a
//! guess is as hard as the token).

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use hmac::{KeyInit, Mac};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Look records up (`POST /v1/query`, `GET /v1/records/…`, `GET /v1/clusters/…`).
    Query,
    /// Add records (`POST /v1/records`).
    Write,
    /// Everything, and the metrics.
    Admin,
}

impl Scope {
    /// The scope's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Query => "query",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    audit_key: Option<String>,
    #[serde(default)]
    token: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    salt: String,
    hash: String,
    scopes: Vec<Scope>,
    #[serde(default = "default_max_records")]
    max_records: usize,
    #[serde(default = "default_rate")]
    rate: f64,
}

fn default_max_records() -> usize {
    1000
}

fn default_rate() -> f64 {
    200.0
}

/// A known token: its name, scopes and limits.
#[derive(Clone, Debug)]
pub struct Token {
    /// The name the audit log records.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// Most records per request.
    pub max_records: usize,
    /// Requests per second, sustained.
    pub rate: f64,
    salt: Vec<u8>,
    hash: [u8; 32],
}

impl Token {
    /// Whether the token may act in `scope` (`admin` may do everything).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.iter().any(|&s| s == scope || s == Scope::Admin)
    }
}

/// The tokens of a server, with their rate limiters.
#[derive(Debug)]
pub struct Tokens {
    known: Vec<Token>,
    audit_key: Option<Vec<u8>>,
    /// Per token (by index): the bucket's tokens and when it was last filled.
    buckets: Mutex<FxHashMap<usize, (f64, Instant)>>,
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn digest(salt: &[u8], token: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(token.as_bytes());
    h.finalize().into()
}

/// Equal without an early exit (the time taken does not tell where two digests differ).
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random(n: usize) -> Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| Error::Record { reason: format!("no randomness: {e}") })?;
    Ok(b)
}

impl Tokens {
    /// Reads `tokens.toml`; an entry that does not read is an error naming it.
    pub fn read(path: &Path) -> Result<Tokens> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let bad = |key: String, reason: String| Error::Config {
            path: Some(path.to_path_buf()),
            key,
            reason,
        };
        let file: File = toml::from_str(&text).map_err(|e| bad("tokens".into(), e.to_string()))?;
        let audit_key = match &file.audit_key {
            Some(k) => Some(unhex(k).filter(|k| k.len() >= 16).ok_or_else(|| {
                bad("audit_key".into(), "expected at least 16 bytes in hex".into())
            })?),
            None => None,
        };
        let mut tokens = Vec::with_capacity(file.token.len());
        for (i, e) in file.token.into_iter().enumerate() {
            let key = |k: &str| format!("token[{i}].{k}");
            let salt = unhex(&e.salt).ok_or_else(|| bad(key("salt"), "not hex".into()))?;
            let hash: [u8; 32] = unhex(&e.hash)
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| bad(key("hash"), "expected 32 bytes in hex".into()))?;
            if e.scopes.is_empty() {
                return Err(bad(key("scopes"), "no scope: the token could do nothing".into()));
            }
            if e.rate.is_nan() || e.rate <= 0.0 || e.max_records == 0 {
                return Err(bad(key("rate"), "rate and max_records must be positive".into()));
            }
            tokens.push(Token {
                name: e.name,
                scopes: e.scopes,
                max_records: e.max_records,
                rate: e.rate,
                salt,
                hash,
            });
        }
        if tokens.is_empty() {
            return Err(bad("token".into(), "no token: nobody could use the server".into()));
        }
        Ok(Tokens { known: tokens, audit_key, buckets: Mutex::new(FxHashMap::default()) })
    }

    /// The token presented as `Authorization: Bearer …`, if known.
    pub fn authenticate(&self, presented: &str) -> Option<(usize, &Token)> {
        self.known.iter().enumerate().find(|(_, t)| same(&digest(&t.salt, presented), &t.hash))
    }

    /// Takes one request from token `i`'s bucket; `false` when it is empty (too many requests).
    pub fn admit(&self, i: usize) -> bool {
        let Some(t) = self.known.get(i) else { return false };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let burst = (2.0 * t.rate).max(1.0);
        let (level, last) = buckets.entry(i).or_insert((burst, now));
        *level = (*level + now.duration_since(*last).as_secs_f64() * t.rate).min(burst);
        *last = now;
        if *level >= 1.0 {
            *level -= 1.0;
            true
        } else {
            false
        }
    }

    /// The audit log's key, if the file gives one.
    pub fn audit_key(&self) -> Option<&[u8]> {
        self.audit_key.as_deref()
    }
}

/// A new token for `name` with `scopes`: the token (to give to the client, once) and the
/// `tokens.toml` entry holding its salted hash.
pub fn new_token(name: &str, scopes: &[Scope]) -> Result<(String, String)> {
    let token = format!("vnl_{}", hex(&random(32)?));
    let salt = random(16)?;
    let scopes: Vec<String> = scopes.iter().map(|s| format!("\"{}\"", s.as_str())).collect();
    let entry = format!(
        "[[token]]\nname = {name:?}\nsalt = \"{}\"\nhash = \"{}\"\nscopes = [{}]\n",
        hex(&salt),
        hex(&digest(&salt, &token)),
        scopes.join(", ")
    );
    Ok((token, entry))
}

/// A new audit key, as `tokens.toml` holds it.
pub fn new_audit_key() -> Result<String> {
    Ok(hex(&random(32)?))
}

/// The keyed hash (HMAC-SHA-256, first 16 bytes in hex) of a record id for the audit log: the
/// same id gives the same hash under one key, and the id cannot be read back.
pub fn keyed_hash(key: &[u8], id: &str) -> String {
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else { return String::new() };
    mac.update(id.as_bytes());
    hex(&mac.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_authenticates_with_its_scopes_and_nothing_else_does() {
        let (token, entry) = new_token("school", &[Scope::Query]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        let key = new_audit_key().unwrap();
        std::fs::write(&path, format!("audit_key = \"{key}\"\n\n{entry}")).unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains(&token));
        let tokens = Tokens::read(&path).unwrap();
        let (_, t) = tokens.authenticate(&token).unwrap();
        assert_eq!(t.name, "school");
        assert!(t.allows(Scope::Query) && !t.allows(Scope::Write));
        assert!(tokens.authenticate("vnl_0000").is_none());
        assert!(tokens.authenticate(&token[..token.len() - 1]).is_none());
        let h = keyed_hash(tokens.audit_key().unwrap(), "001080012345");
        assert_eq!(h.len(), 32);
        assert_ne!(h, keyed_hash(b"another key of sixteen bytes", "001080012345"));
    }

    #[test]
    fn a_bucket_admits_a_burst_then_the_rate() {
        let (_, entry) = new_token("t", &[Scope::Admin]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        std::fs::write(&path, entry.replace("scopes", "rate = 5\nscopes")).unwrap();
        let tokens = Tokens::read(&path).unwrap();
        let admitted = (0..40).filter(|_| tokens.admit(0)).count();
        assert_eq!(admitted, 10, "a burst of twice the rate");
    }

    #[test]
    fn a_bad_file_is_an_error_naming_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        std::fs::write(
            &path,
            "[[token]]\nname = \"x\"\nsalt = \"zz\"\nhash = \"00\"\nscopes = [\"query\"]\n",
        )
        .unwrap();
        let e = Tokens::read(&path).unwrap_err().to_string();
        assert!(e.contains("token[0].salt"), "{e}");
        std::fs::write(&path, "").unwrap();
        assert!(Tokens::read(&path).unwrap_err().to_string().contains("no token"));
    }
}
