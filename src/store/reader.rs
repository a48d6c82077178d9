//! The reader: [`Store`], opened from a file ([`Store::open`], memory-mapped) or from bytes
//! ([`Store::from_bytes`]); both go through the one validation function `Store::load`.
//!
//! Opening checks the magic, the version range, the header and TOC checksums and every TOC
//! entry (kind, bounds, alignment, lengths against counts and, for Record columns, the schema's
//! width, no overlap, every column present in every block, schema) with checked arithmetic, and
//! reads nothing else. Each data section is validated on first use (CRC-32; plus offsets, UTF-8
//! and ordering for variable-width and posting sections) and the outcome is cached in a
//! `OnceLock` per section; [`Store::verify`] validates them all.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::column::{
    BlockIndex, Column, FixedType, ListBlock, ListColumn, Offsets, RecordColumn, StrBlock,
    StrColumn, VarBlock, VarColumn, VarItem, check_record_type,
};
use super::format::{
    self, ColumnType, FORMAT_VERSION, Fault, HEADER_LEN, Header, OLDEST_SUPPORTED_FORMAT_VERSION,
    RESERVED_PREFIX, SCHEMA_SECTION, SECTION_ALIGN, SectionKind, Toc, TocEntry, corrupt,
};
use super::layout::{ColumnSpec, decode_schema};
use super::postings::{self, Postings};
use super::writer::MEMORY_PATH;
use crate::error::{Error, Result};

/// The bytes of a store: a memory map or an owned buffer, shared by every clone of a [`Store`].
pub type SharedBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A byte buffer whose start is 8-byte aligned, so that u64 sections can be cast in place.
struct AlignedBytes {
    words: Vec<u64>,
    len: usize,
}

impl AsRef<[u8]> for AlignedBytes {
    fn as_ref(&self) -> &[u8] {
        let all: &[u8] = bytemuck::cast_slice(&self.words);
        all.get(..self.len).unwrap_or(all)
    }
}

fn aligned_copy(bytes: &[u8]) -> AlignedBytes {
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..bytes.len()].copy_from_slice(bytes);
    AlignedBytes { words, len: bytes.len() }
}

fn is_aligned(bytes: &[u8]) -> bool {
    bytes.as_ptr().addr().is_multiple_of(8)
}

/// A read-only `.vnl` store: columns in blocks of records, named global sections and named
/// posting lists.
///
/// `Store` is `Send + Sync` and cheap to clone (one `Arc`). Opening is O(size of the TOC) and
/// reads no data section; sections are validated on first use.
///
/// # Memory maps
/// [`Store::open`] memory-maps the file. vnlink never modifies a store in place (writers write
/// a temporary file and rename it), so a map stays valid while the store is replaced. If
/// *another process* truncates or rewrites the file in place while it is open, reading the lost
/// pages kills the process with SIGBUS, or bytes may change after they were validated. Do not
/// edit `.vnl` files in place; copy them and rename. Use [`Store::from_bytes`] to avoid maps.
///
/// ```
/// use vnlink::store::{ColumnType, Store, StoreLayout, StoreWriter, Value};
/// # fn main() -> vnlink::Result<()> {
/// let layout = StoreLayout::new(2).column("name", ColumnType::Str).column("tokens", ColumnType::U32List);
/// let mut w = StoreWriter::in_memory(layout)?;
/// for (name, tokens) in [("Võ Thị Sáu", &[7u32, 9, 4][..]), ("Hồ Văn Mười", &[3, 1])] {
///     w.push_record(&[Value::Str(name), Value::U32List(tokens)])?;
/// }
/// w.push_record(&[Value::Str("Đỗ Minh"), Value::U32List(&[])])?; // a partial last block
/// let store = Store::from_bytes(w.finish()?.0)?;
/// store.verify()?;
/// assert_eq!((store.record_count(), store.block_count()), (3, 2));
/// let names = store.str_column("name")?;
/// assert_eq!(names.get(2), "Đỗ Minh");
/// assert_eq!(store.list_column("tokens")?.get(1), &[3, 1]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    bytes: SharedBytes,
    path: PathBuf,
    header: Header,
    columns: Vec<ColumnSpec>,
    column_ids: HashMap<String, u32>,
    entries: Vec<TocEntry>,
    names: Vec<String>,
    /// Offset of the TOC: the end of the data area.
    toc_start: u64,
    /// Entry index of column `c`, block `b` at `c * block_count + b`.
    column_slots: Vec<u32>,
    globals: HashMap<String, u32>,
    postings: HashMap<String, u32>,
    states: Vec<OnceLock<Result<(), Fault>>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("records", &self.inner.header.record_count)
            .field("blocks", &self.inner.header.block_count)
            .field("columns", &self.inner.columns)
            .finish_non_exhaustive()
    }
}

/// A column given by name or by id (its index in [`Store::columns`]).
pub trait ColumnRef {
    /// The column's id in `store`, or an error naming the column.
    fn column_id(self, store: &Store) -> Result<u32>;
}

impl ColumnRef for &str {
    fn column_id(self, store: &Store) -> Result<u32> {
        store.inner.column_ids.get(self).copied().ok_or_else(|| {
            let known: Vec<&str> = store.inner.columns.iter().map(|c| c.name.as_str()).collect();
            store.usage_error(self, format!("no such column; the columns are {known:?}"))
        })
    }
}

impl ColumnRef for &String {
    fn column_id(self, store: &Store) -> Result<u32> {
        self.as_str().column_id(store)
    }
}

impl ColumnRef for u32 {
    fn column_id(self, store: &Store) -> Result<u32> {
        if (self as usize) < store.inner.columns.len() {
            Ok(self)
        } else {
            Err(store.usage_error(
                &format!("column {self}"),
                format!("the store has {} columns", store.inner.columns.len()),
            ))
        }
    }
}

impl ColumnRef for usize {
    fn column_id(self, store: &Store) -> Result<u32> {
        u32::try_from(self).unwrap_or(u32::MAX).column_id(store)
    }
}

/// One section, as listed by [`Store::sections`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionInfo {
    /// A readable name: ``column `name` block 3``, ``global `name` ``, ``postings `name` ``.
    pub name: String,
    /// What the section holds.
    pub kind: SectionKind,
    /// Offset in the file.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// Records (columns), bytes (globals) or pairs (posting lists).
    pub count: u64,
}

/// The outcome of [`Store::verify_report`].
#[derive(Debug, Default)]
pub struct VerifyReport {
    /// Sections checked.
    pub sections: u64,
    /// Bytes of the sections checked.
    pub bytes: u64,
    /// One error per damaged section.
    pub errors: Vec<Error>,
}

impl VerifyReport {
    /// Whether every section is intact.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

fn fault_error(path: &Path, fault: Fault) -> Error {
    match fault {
        Fault::Corrupt { section, offset, reason } => {
            Error::Corrupt { path: path.to_path_buf(), section, offset, reason }
        }
        Fault::Version(found) => Error::Version {
            path: path.to_path_buf(),
            found,
            supported: OLDEST_SUPPORTED_FORMAT_VERSION..=FORMAT_VERSION,
        },
        Fault::Checksum { section, expected, found } => {
            Error::ChecksumMismatch { path: path.to_path_buf(), section, expected, found }
        }
    }
}

impl Store {
    /// Opens and memory-maps the store at `path`, validating its header and TOC (see the
    /// type's docs about memory maps).
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        // Checked before opening: opening a FIFO would block until a writer comes, and a
        // directory or a device is no store.
        let kind = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.file_type();
        if !kind.is_file() {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("not a store: a store is a regular file, this is {}", file_kind(kind)),
                ),
            ));
        }
        let file = crate::util::fs::open(path)?;
        let bytes: SharedBytes = match super::mmap::map(&file, path)? {
            Some(map) => Arc::new(map),
            None => Arc::new(Vec::<u8>::new()),
        };
        Store::load(bytes, path)
    }

    /// Reads a store from bytes, with the same validation as [`Store::open`]. Messages name
    /// the store `<memory>`. The bytes are copied only if the vector is not 8-byte aligned.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Store> {
        let shared: SharedBytes =
            if is_aligned(&bytes) { Arc::new(bytes) } else { Arc::new(aligned_copy(&bytes)) };
        Store::load(shared, Path::new(MEMORY_PATH))
    }

    /// Reads a store from shared bytes (for example a buffer embedded in the program),
    /// named `name` in messages. The bytes are copied only if they are not 8-byte aligned.
    pub fn from_shared(bytes: SharedBytes, name: impl Into<PathBuf>) -> Result<Store> {
        let slice: &[u8] = (*bytes).as_ref();
        let shared: SharedBytes =
            if is_aligned(slice) { bytes } else { Arc::new(aligned_copy(slice)) };
        Store::load(shared, &name.into())
    }

    /// The one validation path of `open`, `from_bytes` and `from_shared`.
    fn load(bytes: SharedBytes, path: &Path) -> Result<Store> {
        if cfg!(target_endian = "big") {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "vnlink stores are little-endian and this host is big-endian",
                ),
            ));
        }
        let inner = Inner::validate(bytes, path).map_err(|f| fault_error(path, f))?;
        Ok(Store { inner: Arc::new(inner) })
    }

    fn usage_error(&self, key: &str, reason: impl Into<String>) -> Error {
        Error::Config {
            path: Some(self.inner.path.clone()),
            key: key.to_owned(),
            reason: reason.into(),
        }
    }

    /// The TOC's entries and names and the end of the data area (for
    /// [`rewrite_with_globals`](super::rewrite_with_globals)).
    pub(crate) fn toc_parts(&self) -> (&[TocEntry], &[String], u64) {
        (&self.inner.entries, &self.inner.names, self.inner.toc_start)
    }

    /// The path of the file, or `<memory>`.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// All bytes of the store.
    pub fn as_bytes(&self) -> &[u8] {
        (*self.inner.bytes).as_ref()
    }

    /// The format version of the file.
    pub fn format_version(&self) -> u32 {
        self.inner.header.version
    }

    /// Number of records.
    pub fn record_count(&self) -> u64 {
        self.inner.header.record_count
    }

    /// Records per block (every block but the last is full).
    pub fn block_records(&self) -> u32 {
        self.inner.header.block_records
    }

    /// Number of blocks.
    pub fn block_count(&self) -> u32 {
        self.inner.header.block_count
    }

    /// Records in block `block` (0 if there is no such block).
    pub fn block_len(&self, block: u32) -> u32 {
        if block >= self.block_count() {
            return 0;
        }
        self.inner.header.block_len(block) as u32
    }

    /// The columns, in id order.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.inner.columns
    }

    /// The id of the column called `name`.
    pub fn column_id(&self, name: &str) -> Option<u32> {
        self.inner.column_ids.get(name).copied()
    }

    /// Names of the global sections (not the reserved `vnl.*` ones), sorted.
    pub fn global_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .inner
            .globals
            .keys()
            .map(String::as_str)
            .filter(|n| !n.starts_with(RESERVED_PREFIX))
            .collect();
        v.sort_unstable();
        v
    }

    /// Names of the posting lists, sorted.
    pub fn posting_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.inner.postings.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Every section in file order.
    pub fn sections(&self) -> Vec<SectionInfo> {
        let mut v: Vec<SectionInfo> = (0..self.inner.entries.len())
            .map(|i| {
                let e = &self.inner.entries[i];
                SectionInfo {
                    name: self.inner.section_name(i),
                    kind: e.kind,
                    offset: e.offset,
                    length: e.length,
                    count: e.count,
                }
            })
            .collect();
        v.sort_by_key(|s| s.offset);
        v
    }

    /// The bytes of the global section `name` (checked on first use).
    pub fn global(&self, name: &str) -> Result<&[u8]> {
        let idx = *self
            .inner
            .globals
            .get(name)
            .filter(|_| !name.starts_with(RESERVED_PREFIX))
            .ok_or_else(|| self.usage_error(name, "no global section of this name"))?;
        self.check(idx)?;
        Ok(self.section_bytes(idx))
    }

    /// The posting list `name` (checked on first use).
    pub fn postings(&self, name: &str) -> Result<Postings<'_>> {
        let idx = *self
            .inner
            .postings
            .get(name)
            .ok_or_else(|| self.usage_error(name, "no posting list of this name"))?;
        self.check(idx)?;
        let e = &self.inner.entries[idx as usize];
        postings::view(self.section_bytes(idx), e.count, e.aux, e.wide())
            .map_err(|r| self.corrupt_error(idx, r))
    }

    fn section_bytes(&self, idx: u32) -> &[u8] {
        let range = self.inner.entries[idx as usize].range();
        self.as_bytes().get(range).unwrap_or(&[])
    }

    fn corrupt_error(&self, idx: u32, reason: String) -> Error {
        let offset = self.inner.entries[idx as usize].offset;
        fault_error(
            &self.inner.path,
            corrupt(self.inner.section_name(idx as usize), offset, reason),
        )
    }

    /// Validates section `idx` once (CRC and structure), caching the outcome.
    fn check(&self, idx: u32) -> Result<()> {
        let state = &self.inner.states[idx as usize];
        match state.get_or_init(|| self.inner.validate_section(idx as usize)) {
            Ok(()) => Ok(()),
            Err(f) => Err(fault_error(&self.inner.path, f.clone())),
        }
    }

    fn slot(&self, col: u32, block: u32, want: &[ColumnType]) -> Result<u32> {
        let spec = &self.inner.columns[col as usize];
        if !want.contains(&spec.ty) {
            return Err(
                self.usage_error(&spec.name, format!("the column is {}, not {}", spec.ty, want[0]))
            );
        }
        if block >= self.block_count() {
            return Err(self.usage_error(
                &spec.name,
                format!("no block {block}: the store has {} blocks", self.block_count()),
            ));
        }
        let idx =
            self.inner.column_slots[col as usize * self.block_count() as usize + block as usize];
        self.check(idx)?;
        Ok(idx)
    }

    /// The values of fixed-width column `col` in block `block`, zero-copy.
    pub fn fixed_block<T: FixedType>(&self, col: impl ColumnRef, block: u32) -> Result<&[T]> {
        let col = col.column_id(self)?;
        let idx = self.slot(col, block, &[T::TYPE])?;
        bytemuck::try_cast_slice(self.section_bytes(idx))
            .map_err(|e| self.corrupt_error(idx, format!("cannot view as {}: {e:?}", T::TYPE)))
    }

    /// Checks that `col` is a `Record` column whose records can be viewed as `T`s.
    fn check_record_column<T: bytemuck::Pod>(&self, col: u32) -> Result<()> {
        let spec = &self.inner.columns[col as usize];
        if spec.ty != ColumnType::Record {
            return Err(
                self.usage_error(&spec.name, format!("the column is {}, not record", spec.ty))
            );
        }
        check_record_type::<T>(spec.width).map_err(|e| self.usage_error(&spec.name, e.to_string()))
    }

    /// The records of `Record` column `col` in block `block`, zero-copy, as `T`s.
    ///
    /// `T` is a plain-old-data struct (`bytemuck::Pod`, usually `#[repr(C)]`) of exactly the
    /// column's width ([`ColumnSpec::width`]) and an alignment of at most 8; any other `T` is an
    /// [`Error::Config`] naming the store and the column.
    ///
    /// ```
    /// use vnlink::store::{BlockBuilder, Store, StoreLayout, StoreWriter};
    /// #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
    /// #[repr(C)]
    /// struct Features { id: u64, dob: u32, year: u16, sex: u8, province: u8 }
    /// # fn main() -> vnlink::Result<()> {
    /// let layout = StoreLayout::new(2)
    ///     .column("name", vnlink::store::ColumnType::Str)
    ///     .record_column("features", size_of::<Features>() as u32);
    /// let an = Features { id: 1, dob: 19_900_101, year: 1990, sex: 1, province: 1 };
    /// let binh = Features { id: 2, dob: 19_851_231, year: 1985, sex: 2, province: 79 };
    /// let mut block = BlockBuilder::new(&layout);
    /// block.str_mut(0).unwrap().push("Nguyễn Văn An");
    /// block.str_mut(0).unwrap().push("Trần Thị Bình");
    /// block.push_records(1, &[an, binh]).unwrap();
    /// let mut w = StoreWriter::in_memory(layout)?;
    /// w.push_block(&block)?;
    /// let store = Store::from_bytes(w.finish()?.0)?;
    /// assert_eq!(store.record_block::<Features>("features", 0)?, &[an, binh]);
    /// assert_eq!(store.record_column::<Features>("features")?.get(1).province, 79);
    /// assert!(store.record_block::<u64>("features", 0).is_err()); // 8 bytes, not 16
    /// # Ok(()) }
    /// ```
    pub fn record_block<T: bytemuck::Pod>(&self, col: impl ColumnRef, block: u32) -> Result<&[T]> {
        let col = col.column_id(self)?;
        self.check_record_column::<T>(col)?;
        let idx = self.slot(col, block, &[ColumnType::Record])?;
        bytemuck::try_cast_slice(self.section_bytes(idx)).map_err(|e| {
            let name = std::any::type_name::<T>();
            self.corrupt_error(idx, format!("cannot view as `{name}`: {e:?}"))
        })
    }

    /// The bytes of `Record` column `col` in block `block`: `block_len(block) × width` of
    /// them, record after record (for tools that do not know the record type).
    pub fn record_block_bytes(&self, col: impl ColumnRef, block: u32) -> Result<&[u8]> {
        let col = col.column_id(self)?;
        let idx = self.slot(col, block, &[ColumnType::Record])?;
        Ok(self.section_bytes(idx))
    }

    /// One string of a `Str` column, by global record index: only its own bytes are checked as
    /// UTF-8 (the block's offsets were validated with the section). For random access to a few
    /// records — a lookup — this avoids the whole-column check of [`Store::str_column`].
    pub fn str_value(&self, col: impl ColumnRef, record: u64) -> Result<&str> {
        let col = col.column_id(self)?;
        let (block, i) = BlockIndex::new(self.block_records()).split(record);
        let block = u32::try_from(block).unwrap_or(u32::MAX);
        let idx = self.slot(col, block, &[ColumnType::Str])?;
        let e = &self.inner.entries[idx as usize];
        let (offsets, arena) =
            split_var(self.section_bytes(idx), e, 1).map_err(|r| self.corrupt_error(idx, r))?;
        let bytes = offsets
            .range(i)
            .and_then(|r| arena.get(r))
            .ok_or_else(|| self.corrupt_error(idx, format!("no record {record} in this block")))?;
        simdutf8::basic::from_utf8(bytes)
            .map_err(|_| self.corrupt_error(idx, "invalid UTF-8".into()))
    }

    /// The strings of column `col` in block `block`.
    ///
    /// Each call checks the block's arena with `simdutf8` (several GB/s) to obtain a `&str`
    /// without `unsafe`; keep the returned [`StrBlock`] (or a [`StrColumn`]) for repeated access,
    /// whose `get` is then a plain slice.
    pub fn str_block(&self, col: impl ColumnRef, block: u32) -> Result<StrBlock<'_>> {
        self.var_block(col.column_id(self)?, block)
    }

    /// The lists of column `col` in block `block`.
    pub fn list_block(&self, col: impl ColumnRef, block: u32) -> Result<ListBlock<'_>> {
        self.var_block(col.column_id(self)?, block)
    }

    /// The strings or lists of column `col` in block `block`, the payload viewed as `A`.
    fn var_block<A: VarItem + ?Sized>(&self, col: u32, block: u32) -> Result<VarBlock<'_, A>> {
        let idx = self.slot(col, block, &[A::TYPE])?;
        let e = &self.inner.entries[idx as usize];
        let (offsets, payload) = split_var(self.section_bytes(idx), e, A::ELEM)
            .map_err(|r| self.corrupt_error(idx, r))?;
        let payload = A::view(payload).map_err(|r| self.corrupt_error(idx, r))?;
        Ok(VarBlock { offsets, payload })
    }

    /// Fixed-width column `col` across all blocks (every block is validated now).
    pub fn column<T: FixedType>(&self, col: impl ColumnRef) -> Result<Column<'_, T>> {
        let col = col.column_id(self)?;
        let blocks = (0..self.block_count())
            .map(|b| self.fixed_block::<T>(col, b))
            .collect::<Result<Vec<_>>>()?;
        Ok(Column { blocks, index: self.block_index(), len: self.record_count() })
    }

    /// `Record` column `col` across all blocks, as `T`s (every block is validated now); see
    /// [`Store::record_block`] for what `T` may be.
    pub fn record_column<T: bytemuck::Pod>(
        &self,
        col: impl ColumnRef,
    ) -> Result<RecordColumn<'_, T>> {
        let col = col.column_id(self)?;
        self.check_record_column::<T>(col)?;
        let blocks = (0..self.block_count())
            .map(|b| self.record_block::<T>(col, b))
            .collect::<Result<Vec<_>>>()?;
        Ok(RecordColumn { blocks, index: self.block_index(), len: self.record_count() })
    }

    /// String column `col` across all blocks (every block is validated now).
    pub fn str_column(&self, col: impl ColumnRef) -> Result<StrColumn<'_>> {
        self.var_column(col.column_id(self)?)
    }

    /// List column `col` across all blocks (every block is validated now).
    pub fn list_column(&self, col: impl ColumnRef) -> Result<ListColumn<'_>> {
        self.var_column(col.column_id(self)?)
    }

    /// Variable-width column `col` across all blocks, the payloads viewed as `A`.
    fn var_column<A: VarItem + ?Sized>(&self, col: u32) -> Result<VarColumn<'_, A>> {
        let blocks =
            (0..self.block_count()).map(|b| self.var_block(col, b)).collect::<Result<Vec<_>>>()?;
        Ok(VarColumn { blocks, index: self.block_index(), len: self.record_count() })
    }

    fn block_index(&self) -> BlockIndex {
        BlockIndex::new(self.block_records())
    }

    /// Validates every section (checksums and structure) and checks that the bytes between
    /// sections are zero, so that every byte of the file is covered; returns the first error.
    pub fn verify(&self) -> Result<()> {
        (0..self.inner.entries.len() as u32).try_for_each(|i| self.check(i))?;
        self.check_padding()
    }

    /// Checks that the gaps between sections (alignment padding) hold only zero bytes.
    fn check_padding(&self) -> Result<()> {
        let data = self.as_bytes();
        let mut by_offset: Vec<(u64, u64)> =
            self.inner.entries.iter().map(|e| (e.offset, e.offset + e.length)).collect();
        by_offset.sort_unstable();
        by_offset.push((self.inner.toc_start, self.inner.toc_start));
        let mut prev = HEADER_LEN as u64;
        for (start, end) in by_offset {
            let gap = format::to_usize(prev)
                .zip(format::to_usize(start))
                .and_then(|(a, b)| data.get(a..b))
                .unwrap_or(&[]);
            if let Some(i) = gap.iter().position(|&b| b != 0) {
                return Err(fault_error(
                    &self.inner.path,
                    corrupt("padding", prev + i as u64, "non-zero byte between sections"),
                ));
            }
            prev = prev.max(end);
        }
        Ok(())
    }

    /// Validates every section and lists every damaged one.
    pub fn verify_report(&self) -> VerifyReport {
        let mut report = VerifyReport::default();
        for i in 0..self.inner.entries.len() as u32 {
            report.sections += 1;
            report.bytes += self.inner.entries[i as usize].length;
            if let Err(e) = self.check(i) {
                report.errors.push(e);
            }
        }
        if let Err(e) = self.check_padding() {
            report.errors.push(e);
        }
        report
    }
}

/// Splits a Str or `U32List` section into its offsets and its payload (`elem` bytes per
/// payload element), checking lengths only.
fn split_var<'a>(
    bytes: &'a [u8],
    e: &TocEntry,
    elem: u64,
) -> Result<(Offsets<'a>, &'a [u8]), String> {
    let ow = if e.wide() { 8 } else { 4 };
    let n = e.count.checked_add(1).ok_or("count overflows")?;
    let off_len = n.checked_mul(ow).ok_or("count overflows")?;
    let off_padded = format::align_up(off_len, 8).ok_or("count overflows")?;
    let payload_len = e.aux.checked_mul(elem).ok_or("payload length overflows")?;
    let (Some(off_len), Some(off_padded), Some(payload_len)) =
        (format::to_usize(off_len), format::to_usize(off_padded), format::to_usize(payload_len))
    else {
        return Err("section too large for this host".into());
    };
    let off_bytes = bytes.get(..off_len).ok_or("offsets run past the section")?;
    let payload = bytes
        .get(off_padded..)
        .filter(|p| p.len() == payload_len)
        .ok_or("payload length does not match the section")?;
    let offsets = if e.wide() {
        Offsets::Wide(bytemuck::try_cast_slice(off_bytes).map_err(|e| format!("{e:?}"))?)
    } else {
        Offsets::Narrow(bytemuck::try_cast_slice(off_bytes).map_err(|e| format!("{e:?}"))?)
    };
    Ok((offsets, payload))
}

/// Checks that offsets start at 0, never decrease and end at `end`.
fn check_offsets(offsets: Offsets<'_>, end: u64) -> Result<(), String> {
    fn check<T: Copy + Into<u64>>(o: &[T], end: u64) -> Result<(), String> {
        if o.first().map(|&v| v.into()) != Some(0) {
            return Err("offsets do not start at 0".into());
        }
        if let Some(i) = o.windows(2).position(|w| w[0].into() > w[1].into()) {
            return Err(format!("offset {} decreases", i + 1));
        }
        if o.last().map(|&v| v.into()) != Some(end) {
            return Err(format!("offsets do not end at {end}"));
        }
        Ok(())
    }
    match offsets {
        Offsets::Narrow(o) => check(o, end),
        Offsets::Wide(o) => check(o, end),
    }
}

/// Where the sections listed in the TOC are: the entry of each column block and of each named
/// section.
struct TocIndex {
    /// Entry index of column `c`, block `b` at `c * block_count + b`.
    column_slots: Vec<u32>,
    globals: HashMap<String, u32>,
    postings: HashMap<String, u32>,
}

/// The error of TOC entry `i`.
fn toc_error(i: usize, e: &TocEntry, reason: &str) -> Fault {
    let name = match e.kind {
        SectionKind::Column => format!("column {} block {}", e.id, e.block),
        SectionKind::Global => format!("global #{}", e.id),
        SectionKind::Postings => format!("postings #{}", e.id),
    };
    corrupt(name, e.offset, format!("TOC entry {i}: {reason}"))
}

/// Checks every TOC entry on its own (place, kind, length) and indexes them.
fn index_toc(header: &Header, toc: &Toc) -> Result<TocIndex, Fault> {
    let bc = header.block_count as usize;
    let cc = header.column_count as usize;
    // Count column entries first, so that the slot table is never larger than the TOC.
    let n_columns = toc.entries.iter().filter(|e| e.kind == SectionKind::Column).count();
    if (cc as u64).checked_mul(bc as u64) != Some(n_columns as u64) {
        return Err(corrupt(
            "toc",
            toc.start,
            format!("{n_columns} column sections for {cc} columns × {bc} blocks"),
        ));
    }
    let mut slots = TocIndex {
        column_slots: vec![u32::MAX; n_columns],
        globals: HashMap::new(),
        postings: HashMap::new(),
    };
    for (i, e) in toc.entries.iter().enumerate() {
        let bad = |reason: String| toc_error(i, e, &reason);
        check_entry_place(e, toc.start).map_err(bad)?;
        match e.kind {
            SectionKind::Column => {
                let at = check_column_entry(header, e).map_err(bad)?;
                let slot = &mut slots.column_slots[at];
                if *slot != u32::MAX {
                    return Err(bad("section listed twice".into()));
                }
                *slot = i as u32;
            }
            SectionKind::Global | SectionKind::Postings => {
                let name = check_named_entry(e, &toc.names).map_err(bad)?;
                let map = if e.kind == SectionKind::Global {
                    &mut slots.globals
                } else {
                    &mut slots.postings
                };
                if map.insert(name.clone(), i as u32).is_some() {
                    return Err(bad(format!("name `{name}` listed twice")));
                }
            }
        }
    }
    Ok(slots)
}

/// Checks that a section is aligned and inside the data area, which ends at the TOC.
fn check_entry_place(e: &TocEntry, toc_start: u64) -> Result<(), String> {
    let end = e.offset.checked_add(e.length).ok_or_else(|| "end overflows".to_string())?;
    if !e.offset.is_multiple_of(SECTION_ALIGN) {
        return Err(format!("offset {} is not a multiple of {SECTION_ALIGN}", e.offset));
    }
    if e.offset < HEADER_LEN as u64 || end > toc_start {
        return Err(format!(
            "bytes {}..{end} are outside the data area {HEADER_LEN}..{toc_start}",
            e.offset
        ));
    }
    Ok(())
}

/// Checks a column section's type, column, block, record count and length; returns its slot.
fn check_column_entry(header: &Header, e: &TocEntry) -> Result<usize, String> {
    let bc = header.block_count as usize;
    let cc = header.column_count as usize;
    let ty = ColumnType::try_from(e.encoding).map_err(|t| format!("unknown column type {t}"))?;
    if e.id as usize >= cc || e.block as usize >= bc {
        return Err("column or block out of range".into());
    }
    let want = header.block_len(e.block);
    if e.count != want {
        return Err(format!("{} records, the block has {want}", e.count));
    }
    let ow = if e.wide() { 8 } else { 4 };
    let expected = match (ty, ty.fixed_width()) {
        (ColumnType::Str | ColumnType::U32List, _) => {
            let elem = if ty == ColumnType::Str { 1 } else { 4 };
            format::var_section_len(e.count, e.aux, elem, ow)
        }
        _ if e.flags != 0 || e.aux != 0 => None,
        (_, Some(w)) => e.count.checked_mul(w),
        // Record: the width is in the schema; the length is checked below.
        (_, None) => Some(e.length),
    };
    if expected != Some(e.length) {
        return Err(format!("length {} does not match {} {ty} values", e.length, e.count));
    }
    Ok(e.id as usize * bc + e.block as usize)
}

/// Checks a global or postings section's name, tags and length; returns its name.
fn check_named_entry<'n>(e: &TocEntry, names: &'n [String]) -> Result<&'n String, String> {
    let name = names.get(e.id as usize).ok_or_else(|| format!("name {} out of range", e.id))?;
    if e.encoding != 0 || e.block != 0 {
        return Err("non-zero encoding or block".into());
    }
    if e.kind == SectionKind::Global {
        if e.flags != 0 || e.aux != 0 || e.length != e.count {
            return Err("global section length does not match".into());
        }
    } else {
        let ow = if e.wide() { 8 } else { 4 };
        let fits = e.wide() || u32::try_from(e.count).is_ok();
        let shape = e.aux <= e.count && (e.aux == 0) == (e.count == 0);
        let len = format::postings_section_len(e.count, e.aux, ow);
        if !fits || !shape || len != Some(e.length) {
            return Err(format!(
                "length {} does not match {} pairs and {} keys",
                e.length, e.count, e.aux
            ));
        }
    }
    Ok(name)
}

/// Checks that no two sections overlap.
fn check_overlaps(entries: &[TocEntry]) -> Result<(), Fault> {
    let mut by_offset: Vec<&TocEntry> = entries.iter().collect();
    by_offset.sort_unstable_by_key(|e| (e.offset, e.length));
    for w in by_offset.windows(2) {
        if w[0].offset + w[0].length > w[1].offset {
            return Err(corrupt(
                "toc",
                w[1].offset,
                format!("sections at {} and {} overlap", w[0].offset, w[1].offset),
            ));
        }
    }
    Ok(())
}

/// Reads the schema (it is small and names the columns): its checksum, its decoding, its
/// column count and unique column names. Returns the columns and their ids by name.
fn read_schema(
    data: &[u8],
    header: &Header,
    toc: &Toc,
    globals: &HashMap<String, u32>,
) -> Result<(Vec<ColumnSpec>, HashMap<String, u32>), Fault> {
    let cc = header.column_count as usize;
    let &schema_idx = globals
        .get(SCHEMA_SECTION)
        .ok_or_else(|| corrupt("toc", toc.start, "the schema section is missing"))?;
    let se = &toc.entries[schema_idx as usize];
    let schema_bytes = data.get(se.range()).unwrap_or(&[]);
    let found = crc32fast::hash(schema_bytes);
    if found != se.crc {
        return Err(Fault::Checksum { section: "schema".into(), expected: se.crc, found });
    }
    let columns = decode_schema(schema_bytes).map_err(|r| corrupt("schema", se.offset, r))?;
    if columns.len() != cc {
        return Err(corrupt(
            "schema",
            se.offset,
            format!("{} columns in the schema, {cc} in the header", columns.len()),
        ));
    }
    let mut column_ids = HashMap::with_capacity(cc);
    for (i, c) in columns.iter().enumerate() {
        if column_ids.insert(c.name.clone(), i as u32).is_some() {
            return Err(corrupt("schema", se.offset, format!("column `{}` twice", c.name)));
        }
    }
    Ok((columns, column_ids))
}

/// Checks every column section against the schema: its type tag, and for a `Record` column its
/// length (`count × width`).
fn check_column_types(entries: &[TocEntry], columns: &[ColumnSpec]) -> Result<(), Fault> {
    for e in entries.iter().filter(|e| e.kind == SectionKind::Column) {
        let spec = &columns[e.id as usize];
        if e.encoding != spec.ty as u8 {
            return Err(corrupt(
                format!("column `{}` block {}", spec.name, e.block),
                e.offset,
                format!("type tag {} but the schema says {}", e.encoding, spec.ty),
            ));
        }
        let width = u64::from(spec.width);
        if spec.ty == ColumnType::Record && e.count.checked_mul(width) != Some(e.length) {
            return Err(corrupt(
                format!("column `{}` block {}", spec.name, e.block),
                e.offset,
                format!("length {} does not match {} records of {width} bytes", e.length, e.count),
            ));
        }
    }
    Ok(())
}

impl Inner {
    fn validate(bytes: SharedBytes, path: &Path) -> Result<Inner, Fault> {
        let data: &[u8] = (*bytes).as_ref();
        let header = Header::decode(data)?;
        let toc = format::decode_toc(data)?;
        let TocIndex { column_slots, globals, postings } = index_toc(&header, &toc)?;
        check_overlaps(&toc.entries)?;
        let (columns, column_ids) = read_schema(data, &header, &toc, &globals)?;
        check_column_types(&toc.entries, &columns)?;
        let states = (0..toc.entries.len()).map(|_| OnceLock::new()).collect();
        Ok(Inner {
            bytes,
            path: path.to_path_buf(),
            header,
            toc_start: toc.start,
            columns,
            column_ids,
            entries: toc.entries,
            names: toc.names,
            column_slots,
            globals,
            postings,
            states,
        })
    }

    fn section_name(&self, idx: usize) -> String {
        let e = &self.entries[idx];
        let name = self.names.get(e.id as usize).map_or("?", String::as_str);
        match e.kind {
            SectionKind::Column => {
                let col = self.columns.get(e.id as usize).map_or("?", |c| c.name.as_str());
                format!("column `{col}` block {}", e.block)
            }
            SectionKind::Global => format!("global `{name}`"),
            SectionKind::Postings => format!("postings `{name}`"),
        }
    }

    /// Full validation of one section: CRC, then structure.
    fn validate_section(&self, idx: usize) -> Result<(), Fault> {
        let e = &self.entries[idx];
        let data: &[u8] = (*self.bytes).as_ref();
        let bytes = data
            .get(e.range())
            .ok_or_else(|| corrupt(self.section_name(idx), e.offset, "section outside the file"))?;
        let found = crc32fast::hash(bytes);
        if found != e.crc {
            return Err(Fault::Checksum {
                section: self.section_name(idx),
                expected: e.crc,
                found,
            });
        }
        let bad = |r: String| corrupt(self.section_name(idx), e.offset, r);
        match e.kind {
            SectionKind::Global => Ok(()),
            SectionKind::Postings => {
                postings::validate(bytes, e.count, e.aux, e.wide()).map_err(bad)
            }
            SectionKind::Column => match ColumnType::try_from(e.encoding) {
                Ok(ColumnType::Str) => {
                    let (offsets, arena) = split_var(bytes, e, 1).map_err(bad)?;
                    check_offsets(offsets, e.aux).map_err(bad)?;
                    let s = simdutf8::basic::from_utf8(arena).map_err(|_| {
                        let detail = std::str::from_utf8(arena).err().map(|u| u.valid_up_to());
                        bad(format!("invalid UTF-8 after arena byte {}", detail.unwrap_or(0)))
                    })?;
                    let mut i = 0;
                    while let Some(o) = offsets.get(i) {
                        if !s.is_char_boundary(o) {
                            return Err(bad(format!("offset {i} splits a character")));
                        }
                        i += 1;
                    }
                    Ok(())
                }
                Ok(ColumnType::U32List) => {
                    let (offsets, values) = split_var(bytes, e, 4).map_err(bad)?;
                    check_offsets(offsets, e.aux).map_err(bad)?;
                    bytemuck::try_cast_slice::<u8, u32>(values)
                        .map(|_| ())
                        .map_err(|err| bad(format!("cannot view values as u32: {err:?}")))
                }
                Ok(_) => Ok(()),
                Err(t) => Err(bad(format!("unknown column type {t}"))),
            },
        }
    }
}

/// What a file that is not a regular file is, for messages.
pub(crate) fn file_kind(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}
