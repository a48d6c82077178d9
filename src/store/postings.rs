//! Posting lists: for one blocking rule, the records that share each key.
//!
//! Main types: [`PostingsBuilder`] (collects `(key, record)` pairs with bounded memory),
//! [`Postings`] (the zero-copy reader view) and [`PostingsSummary`].
//!
//! On disk a posting list is one section: `[record u32; n] pad8 [key u64; k] [offset; k+1]`
//! (see `docs/format.md`). Keys strictly increase; the records of key `i` are
//! `records[offsets[i]..offsets[i+1]]`, sorted and without duplicates; every key has at least
//! one record.
//!
//! Building is sort-based (DEPENDENCIES.md Q4: 5× faster than hash grouping): pairs accumulate
//! in a buffer; when it reaches the memory budget it is sorted (rayon `par_sort_unstable`) and
//! spilled as a run to an anonymous temporary file; [`StoreWriter::add_postings`] then k-way
//! merges the runs and the buffer, writing the records straight into the store and the keys and
//! offsets through temporary files, so memory stays bounded by the budget whatever the input.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::slice::ParallelSliceMut;

use super::column::Offsets;
use super::format::{self, FLAG_WIDE_OFFSETS, SectionKind, TocEntry};
use super::writer::{Sink, StoreWriter};
use crate::error::{Error, Result};

/// Default memory budget of a [`PostingsBuilder`]: 64 MiB of buffered pairs.
pub const DEFAULT_POSTINGS_BUDGET: usize = 64 << 20;

/// Bytes one buffered pair takes in memory.
const PAIR_MEM: usize = std::mem::size_of::<(u64, u32)>();
/// Bytes one spilled pair takes on disk (key u64 LE, record u32 LE).
const PAIR_DISK: usize = 12;
/// Buffer size of each run reader during the merge.
const RUN_READ_BUF: usize = 64 << 10;

/// Collects `(key, record)` pairs of one posting list with bounded memory.
///
/// Memory: the pair buffer never exceeds the budget. During [`StoreWriter::add_postings`], each
/// spilled run adds a 64 KiB read buffer and keys/offsets go through temporary files; when
/// nothing was spilled, keys and offsets are staged in memory instead (at most 12 bytes per
/// distinct key, less than the buffer), so the peak stays below twice the budget. Measured: 10M
/// pairs with the default 64 MiB budget peaked at 72.5 MB RSS. Exact duplicate pairs are removed.
///
/// ```
/// use vnlink::store::{ColumnType, PostingsBuilder, Store, StoreLayout, StoreWriter, Value};
/// # fn main() -> vnlink::Result<()> {
/// let mut w = StoreWriter::in_memory(StoreLayout::new(1024).column("x", ColumnType::U8))?;
/// let mut by_year = PostingsBuilder::new();
/// for (record, year) in [1990u64, 1985, 1990].into_iter().enumerate() {
///     w.push_record(&[Value::U8(0)])?;
///     by_year.push(year, record as u32)?;
/// }
/// w.add_postings("dob_year", by_year)?;
/// let store = Store::from_bytes(w.finish()?.0)?;
/// let p = store.postings("dob_year")?;
/// assert_eq!(p.lookup(1990), &[0, 2]);
/// assert_eq!(p.lookup(2000), &[] as &[u32]);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct PostingsBuilder {
    buf: Vec<(u64, u32)>,
    /// Pairs the buffer may hold before it is spilled.
    cap: usize,
    runs: Vec<Run>,
    spill_dir: Option<PathBuf>,
    pushed: u64,
}

#[derive(Debug)]
struct Run {
    file: File,
    pairs: u64,
}

impl Default for PostingsBuilder {
    fn default() -> Self {
        PostingsBuilder::new()
    }
}

impl PostingsBuilder {
    /// A builder with the default budget ([`DEFAULT_POSTINGS_BUDGET`]) spilling to the
    /// system's temporary directory.
    pub fn new() -> Self {
        PostingsBuilder::with_budget(DEFAULT_POSTINGS_BUDGET)
    }

    /// A builder that buffers at most `budget_bytes` of pairs (16 bytes each, at least one
    /// pair) before sorting and spilling them to a temporary file.
    pub fn with_budget(budget_bytes: usize) -> Self {
        PostingsBuilder {
            buf: Vec::new(),
            cap: (budget_bytes / PAIR_MEM).max(1),
            runs: Vec::new(),
            spill_dir: None,
            pushed: 0,
        }
    }

    /// Spills runs (and the merge's temporary files) to `dir` instead of the system's temporary
    /// directory, e.g. the destination directory when `/tmp` is a small RAM disk.
    #[must_use]
    pub fn spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spill_dir = Some(dir.into());
        self
    }

    /// Pairs pushed so far (duplicates included).
    pub fn len(&self) -> u64 {
        self.pushed
    }

    /// Whether no pair was pushed.
    pub fn is_empty(&self) -> bool {
        self.pushed == 0
    }

    /// Runs spilled to disk so far.
    pub fn spilled_runs(&self) -> usize {
        self.runs.len()
    }

    /// Adds one pair; may sort and spill the buffer (the only source of errors).
    #[inline]
    pub fn push(&mut self, key: u64, record: u32) -> Result<()> {
        if self.buf.len() == self.buf.capacity() {
            self.grow()?;
        }
        self.buf.push((key, record));
        self.pushed += 1;
        Ok(())
    }

    /// Adds many pairs.
    pub fn extend(&mut self, pairs: impl IntoIterator<Item = (u64, u32)>) -> Result<()> {
        for (k, r) in pairs {
            self.push(k, r)?;
        }
        Ok(())
    }

    #[cold]
    fn grow(&mut self) -> Result<()> {
        if self.buf.len() >= self.cap {
            self.spill()?;
        }
        let len = self.buf.len();
        let extra = len.max(4096).min(self.cap - len).max(1);
        self.buf.reserve_exact(extra);
        Ok(())
    }

    fn spill_path(&self) -> PathBuf {
        self.spill_dir.clone().unwrap_or_else(std::env::temp_dir)
    }

    fn temp_file(&self) -> Result<File> {
        let dir = self.spill_path();
        tempfile::tempfile_in(&dir).map_err(|e| Error::io(&dir, e))
    }

    fn sort_buffer(&mut self) {
        self.buf.par_sort_unstable();
        self.buf.dedup();
    }

    fn spill(&mut self) -> Result<()> {
        self.sort_buffer();
        let dir = self.spill_path();
        let file = self.temp_file()?;
        let mut w = BufWriter::with_capacity(1 << 20, file);
        let mut chunk = [0u8; PAIR_DISK];
        for &(k, r) in &self.buf {
            chunk[..8].copy_from_slice(&k.to_le_bytes());
            chunk[8..].copy_from_slice(&r.to_le_bytes());
            w.write_all(&chunk).map_err(|e| Error::io(&dir, e))?;
        }
        let mut file = w.into_inner().map_err(|e| Error::io(&dir, e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| Error::io(&dir, e))?;
        self.runs.push(Run { file, pairs: self.buf.len() as u64 });
        self.buf.clear();
        Ok(())
    }
}

/// What [`StoreWriter::add_postings`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostingsSummary {
    /// Distinct `(key, record)` pairs.
    pub pairs: u64,
    /// Distinct keys.
    pub keys: u64,
    /// Records of the largest key.
    pub max_group: u64,
    /// Runs that were spilled to disk.
    pub spilled_runs: usize,
}

/// Sorted, de-duplicated pairs from the runs and the buffer.
struct Merge<'a> {
    heap: BinaryHeap<Reverse<(u64, u32, usize)>>,
    readers: Vec<(BufReader<&'a File>, u64)>,
    mem: std::slice::Iter<'a, (u64, u32)>,
    mem_id: usize,
    last: Option<(u64, u32)>,
    dir: &'a Path,
}

impl<'a> Merge<'a> {
    fn new(runs: &'a [Run], mem: &'a [(u64, u32)], dir: &'a Path) -> Result<Self> {
        let mut m = Merge {
            heap: BinaryHeap::with_capacity(runs.len() + 1),
            readers: runs
                .iter()
                .map(|r| (BufReader::with_capacity(RUN_READ_BUF, &r.file), r.pairs))
                .collect(),
            mem: mem.iter(),
            mem_id: runs.len(),
            last: None,
            dir,
        };
        for i in 0..=runs.len() {
            m.refill(i)?;
        }
        Ok(m)
    }

    fn refill(&mut self, i: usize) -> Result<()> {
        if i == self.mem_id {
            if let Some(&(k, r)) = self.mem.next() {
                self.heap.push(Reverse((k, r, i)));
            }
            return Ok(());
        }
        let (reader, left) = &mut self.readers[i];
        if *left == 0 {
            return Ok(());
        }
        *left -= 1;
        let mut b = [0u8; PAIR_DISK];
        reader.read_exact(&mut b).map_err(|e| Error::io(self.dir, e))?;
        let k = format::read_u64(&b, 0).unwrap_or(0);
        let r = format::read_u32(&b, 8).unwrap_or(0);
        self.heap.push(Reverse((k, r, i)));
        Ok(())
    }

    fn next_pair(&mut self) -> Result<Option<(u64, u32)>> {
        while let Some(Reverse((k, r, i))) = self.heap.pop() {
            self.refill(i)?;
            if self.last != Some((k, r)) {
                self.last = Some((k, r));
                return Ok(Some((k, r)));
            }
        }
        Ok(None)
    }
}

/// Where keys and offsets go during the merge: memory when nothing was spilled (they are then
/// smaller than the buffer), else a temporary file.
enum Side {
    Mem(Vec<u8>),
    File(BufWriter<File>),
}

impl Side {
    fn put(&mut self, bytes: &[u8], dir: &Path) -> Result<()> {
        match self {
            Side::Mem(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
            Side::File(f) => f.write_all(bytes).map_err(|e| Error::io(dir, e)),
        }
    }
}

impl<S: Sink> StoreWriter<S> {
    /// Merges `builder`'s pairs into a posting list section named `name` (unique among posting
    /// lists; names starting with `vnl.` are reserved). Memory stays within the builder's
    /// budget; spilled runs are read back and deleted.
    pub fn add_postings(
        &mut self,
        name: &str,
        mut builder: PostingsBuilder,
    ) -> Result<PostingsSummary> {
        let id = self.register_postings_name(name)?;
        builder.sort_buffer();
        let dir = builder.spill_path();
        let wide = self.wide_offsets() || builder.pushed > u64::from(u32::MAX);
        let spilled = !builder.runs.is_empty();
        let side = |b: &PostingsBuilder| -> Result<Side> {
            Ok(if spilled {
                Side::File(BufWriter::with_capacity(1 << 20, b.temp_file()?))
            } else {
                Side::Mem(Vec::new())
            })
        };
        let mut keys = side(&builder)?;
        let mut offsets = side(&builder)?;
        let put_offset = |side: &mut Side, v: u64| {
            if wide {
                side.put(&v.to_le_bytes(), &dir)
            } else {
                side.put(&(v as u32).to_le_bytes(), &dir)
            }
        };
        put_offset(&mut offsets, 0)?;

        let start = self.begin_section()?;
        let mut merge = Merge::new(&builder.runs, &builder.buf, &dir)?;
        let mut records: Vec<u32> = Vec::with_capacity(1 << 14);
        let (mut pairs, mut nkeys, mut max_group, mut group) = (0u64, 0u64, 0u64, 0u64);
        let mut current: Option<u64> = None;
        while let Some((k, r)) = merge.next_pair()? {
            if current != Some(k) {
                if current.is_some() {
                    put_offset(&mut offsets, pairs)?;
                }
                keys.put(&k.to_le_bytes(), &dir)?;
                current = Some(k);
                nkeys += 1;
                group = 0;
            }
            records.push(r);
            pairs += 1;
            group += 1;
            max_group = max_group.max(group);
            if records.len() == records.capacity() {
                self.put_pod(&records)?;
                records.clear();
            }
        }
        if current.is_some() {
            put_offset(&mut offsets, pairs)?;
        }
        self.put_pod(&records)?;
        drop(merge);
        self.pad_in_section(8)?;
        for side in [keys, offsets] {
            match side {
                Side::Mem(v) => self.put(&v)?,
                Side::File(w) => {
                    let mut f = w.into_inner().map_err(|e| Error::io(&dir, e.into_error()))?;
                    f.seek(SeekFrom::Start(0)).map_err(|e| Error::io(&dir, e))?;
                    let mut buf = vec![0u8; 1 << 20];
                    loop {
                        let n = f.read(&mut buf).map_err(|e| Error::io(&dir, e))?;
                        if n == 0 {
                            break;
                        }
                        self.put(&buf[..n])?;
                    }
                }
            }
        }
        self.end_section(TocEntry {
            kind: SectionKind::Postings,
            encoding: 0,
            flags: if wide { FLAG_WIDE_OFFSETS } else { 0 },
            id,
            block: 0,
            offset: start,
            length: 0,
            count: pairs,
            aux: nkeys,
            crc: 0,
        });
        Ok(PostingsSummary { pairs, keys: nkeys, max_group, spilled_runs: builder.runs.len() })
    }
}

/// A posting list: for each key, the sorted records that have it. Zero-copy over the store.
#[derive(Clone, Copy, Debug)]
pub struct Postings<'s> {
    records: &'s [u32],
    keys: &'s [u64],
    offsets: Offsets<'s>,
}

impl<'s> Postings<'s> {
    /// The records with `key`, sorted; empty if the key is absent.
    ///
    /// Search: one interpolation guess (blocking keys are hashes, hence close to uniform), then
    /// an exponential search outward from the guess and a binary search in the bracket found.
    /// Skewed keys cost at most about twice a binary search; uniform ones touch a few nearby
    /// cache lines.
    #[inline]
    pub fn lookup(&self, key: u64) -> &'s [u32] {
        match self.find(key) {
            Some(i) => self.group(i),
            None => &[],
        }
    }

    /// The index of `key` in [`Postings::keys`], `None` if absent.
    pub fn find(&self, key: u64) -> Option<usize> {
        let keys = self.keys;
        let (&first, &last) = (keys.first()?, keys.last()?);
        if key < first || key > last {
            return None;
        }
        let n = keys.len();
        let span = u128::from(last - first).max(1);
        let guess = (u128::from(key - first) * (n - 1) as u128 / span) as usize;
        let g = *keys.get(guess)?;
        let (lo, hi) = match g.cmp(&key) {
            std::cmp::Ordering::Equal => return Some(guess),
            std::cmp::Ordering::Less => {
                // Gallop right: keys[guess] < key.
                let (mut lo, mut step) = (guess + 1, 1usize);
                loop {
                    let probe = guess.saturating_add(step);
                    match keys.get(probe) {
                        None => break (lo, n),
                        Some(&k) if k >= key => break (lo, probe + 1),
                        Some(_) => lo = probe + 1,
                    }
                    step = step.saturating_mul(2);
                }
            }
            std::cmp::Ordering::Greater => {
                // Gallop left: keys[guess] > key.
                let (mut hi, mut step) = (guess, 1usize);
                loop {
                    let Some(probe) = guess.checked_sub(step) else { break (0, hi) };
                    if keys[probe] <= key {
                        break (probe, hi);
                    }
                    hi = probe;
                    step = step.saturating_mul(2);
                }
            }
        };
        keys.get(lo..hi)?.binary_search(&key).ok().map(|i| lo + i)
    }

    /// The records of the `i`-th key (in key order), empty if out of range.
    #[inline]
    pub fn group(&self, i: usize) -> &'s [u32] {
        self.offsets.range(i).and_then(|r| self.records.get(r)).unwrap_or(&[])
    }

    /// The distinct keys, sorted.
    pub fn keys(&self) -> &'s [u64] {
        self.keys
    }

    /// Number of distinct keys.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Number of `(key, record)` pairs.
    pub fn pair_count(&self) -> usize {
        self.records.len()
    }

    /// All `(key, records)` groups in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u64, &'s [u32])> + '_ {
        self.keys.iter().enumerate().map(|(i, &k)| (k, self.group(i)))
    }
}

/// Views a postings section (lengths checked; ordering not: see [`validate`]).
pub(crate) fn view(
    bytes: &[u8],
    pairs: u64,
    keys: u64,
    wide: bool,
) -> Result<Postings<'_>, String> {
    let too_big = || "posting list too large for this host".to_owned();
    let rec_len =
        format::to_usize(pairs.checked_mul(4).ok_or_else(too_big)?).ok_or_else(too_big)?;
    let rec_padded = rec_len.checked_add(7).ok_or_else(too_big)? & !7;
    let keys_len =
        format::to_usize(keys.checked_mul(8).ok_or_else(too_big)?).ok_or_else(too_big)?;
    let keys_end = rec_padded.checked_add(keys_len).ok_or_else(too_big)?;
    let cast = |e: bytemuck::PodCastError| format!("misaligned posting list: {e:?}");
    let records = bytemuck::try_cast_slice(bytes.get(..rec_len).ok_or("records out of bounds")?)
        .map_err(cast)?;
    let keys_s =
        bytemuck::try_cast_slice(bytes.get(rec_padded..keys_end).ok_or("keys out of bounds")?)
            .map_err(cast)?;
    let off = bytes.get(keys_end..).ok_or("offsets out of bounds")?;
    let offsets = if wide {
        Offsets::Wide(bytemuck::try_cast_slice(off).map_err(cast)?)
    } else {
        Offsets::Narrow(bytemuck::try_cast_slice(off).map_err(cast)?)
    };
    if offsets.len() as u64 != keys + 1 {
        return Err("offset count does not match the key count".into());
    }
    Ok(Postings { records, keys: keys_s, offsets })
}

/// Full structural check of a postings section: keys strictly increase, offsets strictly
/// increase from 0 to the pair count, records strictly increase within each key.
pub(crate) fn validate(bytes: &[u8], pairs: u64, keys: u64, wide: bool) -> Result<(), String> {
    let p = view(bytes, pairs, keys, wide)?;
    if let Some(i) = p.keys.windows(2).position(|w| w[0] >= w[1]) {
        return Err(format!("keys {i} and {} are not increasing", i + 1));
    }
    let mut prev = None;
    for i in 0..=p.keys.len() {
        let o = p.offsets.get(i).unwrap_or(usize::MAX);
        if i == 0 && o != 0 {
            return Err("offsets do not start at 0".into());
        }
        if let Some(prev) = prev
            && o <= prev
        {
            return Err(format!("offset {i} does not increase"));
        }
        prev = Some(o);
    }
    if prev != Some(p.records.len()) {
        return Err("offsets do not end at the pair count".into());
    }
    for i in 0..p.keys.len() {
        if let Some(j) = p.group(i).windows(2).position(|w| w[0] >= w[1]) {
            return Err(format!("records of key {i} are not increasing at {j}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_rejects_wrong_lengths() {
        // 3 pairs, 2 keys, u32 offsets: 12 + 4 pad + 16 keys + 12 offsets = 44 bytes.
        let aligned: Vec<u64> = vec![0; 6];
        let bytes = &bytemuck::cast_slice::<u64, u8>(&aligned)[..44];
        assert!(view(bytes, 3, 2, false).is_ok());
        assert!(view(bytes, 3, 3, false).is_err());
        assert!(view(bytes, u64::MAX, 2, false).is_err());
        assert!(view(&bytes[..40], 3, 2, false).is_err());
        assert!(validate(bytes, 3, 2, false).is_err(), "all-zero keys are not increasing");
    }

    fn find_matches_binary_search(keys: &[u64]) {
        let offsets: Vec<u32> = (0..=keys.len() as u32).collect();
        let records: Vec<u32> = (0..keys.len() as u32).collect();
        let p = Postings { records: &records, keys, offsets: Offsets::Narrow(&offsets) };
        let mut probes: Vec<u64> =
            keys.iter().flat_map(|&k| [k, k.wrapping_add(1), k.wrapping_sub(1)]).collect();
        probes.extend([0, 1, u64::MAX, u64::MAX - 1, u64::MAX / 2]);
        for k in probes {
            assert_eq!(p.find(k), keys.binary_search(&k).ok(), "key {k} in {keys:?}");
            assert_eq!(p.lookup(k).len(), usize::from(keys.binary_search(&k).is_ok()));
        }
    }

    #[test]
    fn lookup_agrees_with_binary_search_on_any_distribution() {
        find_matches_binary_search(&[]);
        find_matches_binary_search(&[7]);
        find_matches_binary_search(&[0, u64::MAX]);
        find_matches_binary_search(&(0..100).map(|i| i * 1000).collect::<Vec<_>>());
        // Skewed: dense low keys then a few huge ones (interpolation guesses badly).
        let mut skewed: Vec<u64> = (0..500).collect();
        skewed.extend([1 << 40, 1 << 50, u64::MAX - 3, u64::MAX]);
        find_matches_binary_search(&skewed);
        let mut x = 1u64;
        let mut hashed: Vec<u64> = (0..2000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            })
            .collect();
        hashed.sort_unstable();
        hashed.dedup();
        find_matches_binary_search(&hashed);
    }

    #[test]
    fn builder_spills_when_over_budget() {
        let mut b = PostingsBuilder::with_budget(PAIR_MEM * 10);
        for i in 0..35u32 {
            b.push(u64::from(i % 7), i).unwrap();
        }
        assert_eq!(b.spilled_runs(), 3);
        assert_eq!(b.len(), 35);
        assert!(b.buf.capacity() <= 10);
    }
}
