//! The streaming writer of `.vnl` stores: [`StoreWriter`], its block builder [`BlockBuilder`]
//! and row values [`Value`].
//!
//! A writer streams: it holds the block being filled, the TOC and a few scratch buffers, never
//! the records already written. Each section's CRC-32 is computed while its bytes are written.
//! [`StoreWriter::finish`] writes the TOC and the trailer, patches the header (record and block
//! counts), syncs and atomically renames the temporary file (created in the destination
//! directory) to its final name. Dropping a writer without `finish` leaves no file behind.
//!
//! Writers to memory ([`StoreWriter::in_memory`]) produce the same bytes, for library users who
//! never touch files.
//!
//! Invariants: every block but the last holds exactly `block_records` records; every column of
//! a block has the same number of records; section names are unique per kind.

use std::collections::HashSet;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::column::{ColumnBuf, FixedType, ListBuf, RecordBuf, StrBuf};
use super::format::{
    self, ColumnType, FLAG_WIDE_OFFSETS, FORMAT_VERSION, HEADER_LEN, Header, MAX_NAME_LEN,
    RESERVED_PREFIX, SCHEMA_SECTION, SECTION_ALIGN, SectionKind, TocEntry,
};
use super::layout::{StoreLayout, encode_schema};
use crate::error::{Error, LayoutError, Result};
use crate::util::fs::{AtomicFile, PathLock};

/// The pseudo-path naming in-memory stores in messages.
pub const MEMORY_PATH: &str = "<memory>";

mod private {
    /// The operations a writer needs from where its bytes go.
    pub trait SinkImpl {
        fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()>;
        fn patch_header(&mut self, header: &[u8]) -> std::io::Result<()>;
    }
}

/// Where a [`StoreWriter`] writes: a file ([`FileSink`]) or memory ([`MemorySink`]).
pub trait Sink: private::SinkImpl {}

/// A temporary file in the destination directory, renamed over the final path by
/// [`StoreWriter::finish`], under an advisory lock on the final path (`.NAME.vnlink-lock`
/// beside it): a second process writing the same store gets [`Error::Busy`].
#[derive(Debug)]
pub struct FileSink {
    file: AtomicFile,
    _lock: PathLock,
}

impl FileSink {
    fn create(path: &Path) -> Result<FileSink> {
        let lock = PathLock::for_file(path)?;
        Ok(FileSink { file: AtomicFile::create(path)?, _lock: lock })
    }
}

impl private::SinkImpl for FileSink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.writer().write_all(bytes)
    }
    fn patch_header(&mut self, header: &[u8]) -> std::io::Result<()> {
        let w = self.file.writer();
        w.seek(SeekFrom::Start(0))?;
        w.write_all(header)?;
        w.seek(SeekFrom::End(0))?;
        Ok(())
    }
}
impl Sink for FileSink {}

/// A growing byte vector.
#[derive(Debug, Default)]
pub struct MemorySink {
    bytes: Vec<u8>,
}

impl private::SinkImpl for MemorySink {
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }
    fn patch_header(&mut self, header: &[u8]) -> std::io::Result<()> {
        match self.bytes.get_mut(..header.len()) {
            Some(h) => {
                h.copy_from_slice(header);
                Ok(())
            }
            None => Err(std::io::Error::other("header not written")),
        }
    }
}
impl Sink for MemorySink {}

/// One value of a record, for [`StoreWriter::push_record`] and [`BlockBuilder::push_record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// For a `U8` column.
    U8(u8),
    /// For a `U16` column.
    U16(u16),
    /// For a `U32` column.
    U32(u32),
    /// For a `U64` column.
    U64(u64),
    /// For a `Str` column.
    Str(&'a str),
    /// For a `U32List` column.
    U32List(&'a [u32]),
    /// For a `Record` column: the record's bytes, exactly the column's width of them
    /// (`bytemuck::bytes_of(&record)` for a `Pod` struct).
    Record(&'a [u8]),
}

impl Value<'_> {
    /// The column type this value belongs to.
    pub fn ty(&self) -> ColumnType {
        match self {
            Value::U8(_) => ColumnType::U8,
            Value::U16(_) => ColumnType::U16,
            Value::U32(_) => ColumnType::U32,
            Value::U64(_) => ColumnType::U64,
            Value::Str(_) => ColumnType::Str,
            Value::U32List(_) => ColumnType::U32List,
            Value::Record(_) => ColumnType::Record,
        }
    }
}

/// The columns of one block being built, column by column or record by record.
///
/// ```
/// use vnlink::store::{BlockBuilder, ColumnType, StoreLayout, StoreWriter};
/// # fn main() -> vnlink::Result<()> {
/// let layout = StoreLayout::new(2).column("name", ColumnType::Str).column("year", ColumnType::U16);
/// let mut block = BlockBuilder::new(&layout);
/// block.str_mut(0).unwrap().push("Lê Văn Tám");
/// block.str_mut(0).unwrap().push("Phạm Thị Hoa");
/// block.fixed_mut::<u16>(1).unwrap().extend([1985, 1990]);
/// let mut w = StoreWriter::in_memory(layout)?;
/// w.push_block(&block)?;
/// let (bytes, summary) = w.finish()?;
/// assert_eq!(summary.records, 2);
/// let store = vnlink::store::Store::from_bytes(bytes)?;
/// assert_eq!(store.str_column("name")?.get(1), "Phạm Thị Hoa");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockBuilder {
    columns: Vec<ColumnBuf>,
}

impl BlockBuilder {
    /// An empty block for `layout`.
    pub fn new(layout: &StoreLayout) -> Self {
        BlockBuilder { columns: layout.columns().iter().map(ColumnBuf::for_spec).collect() }
    }

    /// Number of records (of the first column; [`StoreWriter::push_block`] checks that every
    /// column has as many).
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, ColumnBuf::len)
    }

    /// Whether the block holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every record, keeping the allocations.
    pub fn clear(&mut self) {
        self.columns.iter_mut().for_each(ColumnBuf::clear);
    }

    /// The buffers of all columns.
    pub fn columns(&self) -> &[ColumnBuf] {
        &self.columns
    }

    /// The buffer of column `col`, `None` if there is no such column.
    pub fn column_mut(&mut self, col: usize) -> Option<&mut ColumnBuf> {
        self.columns.get_mut(col)
    }

    /// The values of fixed-width column `col`, `None` if it does not exist or has another type.
    pub fn fixed_mut<T: FixedType>(&mut self, col: usize) -> Option<&mut Vec<T>> {
        T::buf_mut(self.columns.get_mut(col)?)
    }

    /// The strings of column `col`, `None` if it does not exist or is not a `Str` column.
    pub fn str_mut(&mut self, col: usize) -> Option<&mut StrBuf> {
        match self.columns.get_mut(col)? {
            ColumnBuf::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The lists of column `col`, `None` if it does not exist or is not a `U32List` column.
    pub fn list_mut(&mut self, col: usize) -> Option<&mut ListBuf> {
        match self.columns.get_mut(col)? {
            ColumnBuf::U32List(l) => Some(l),
            _ => None,
        }
    }

    /// The records of column `col`, `None` if it does not exist or is not a `Record` column.
    pub fn records_mut(&mut self, col: usize) -> Option<&mut RecordBuf> {
        match self.columns.get_mut(col)? {
            ColumnBuf::Record(r) => Some(r),
            _ => None,
        }
    }

    /// Appends `records` to `Record` column `col`. Nothing is appended, and the error says
    /// why, if there is no such column, it is not a `Record` column, or `T`'s size is not the
    /// column's width or its alignment exceeds 8.
    pub fn push_records<T: bytemuck::Pod>(
        &mut self,
        col: usize,
        records: &[T],
    ) -> Result<(), LayoutError> {
        let buf = self.columns.get_mut(col).ok_or(LayoutError::NoColumn { index: col })?;
        match buf {
            ColumnBuf::Record(r) => r
                .extend_from_slice(records)
                .map_err(|e| LayoutError::AtColumn { index: col, error: Box::new(e) }),
            other => Err(LayoutError::ColumnType {
                index: col,
                found: other.ty().to_string(),
                expected: ColumnType::Record.to_string(),
            }),
        }
    }

    /// Appends one record, one value per column in order. Nothing is appended when the
    /// values do not match the columns; the error says which.
    pub fn push_record(&mut self, values: &[Value<'_>]) -> Result<(), LayoutError> {
        if values.len() != self.columns.len() {
            return Err(LayoutError::ValueCount {
                values: values.len(),
                columns: self.columns.len(),
            });
        }
        for (i, (v, c)) in values.iter().zip(&self.columns).enumerate() {
            if v.ty() != c.ty() {
                return Err(LayoutError::ValueType {
                    index: i,
                    value: v.ty().to_string(),
                    column: c.ty().to_string(),
                });
            }
            if let (Value::Record(bytes), ColumnBuf::Record(r)) = (v, c) {
                r.check_bytes(bytes.len())
                    .map_err(|e| LayoutError::InValue { index: i, error: Box::new(e) })?;
            }
        }
        for (v, c) in values.iter().zip(&mut self.columns) {
            match (v, c) {
                (Value::U8(x), ColumnBuf::U8(b)) => b.push(*x),
                (Value::U16(x), ColumnBuf::U16(b)) => b.push(*x),
                (Value::U32(x), ColumnBuf::U32(b)) => b.push(*x),
                (Value::U64(x), ColumnBuf::U64(b)) => b.push(*x),
                (Value::Str(x), ColumnBuf::Str(b)) => b.push(x),
                (Value::U32List(x), ColumnBuf::U32List(b)) => b.push(x),
                // Checked above: cannot fail.
                (Value::Record(x), ColumnBuf::Record(b)) => b.push_bytes(x)?,
                _ => unreachable!("types checked above"),
            }
        }
        Ok(())
    }
}

/// What a finished writer wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteSummary {
    /// The final path, or [`MEMORY_PATH`].
    pub path: PathBuf,
    /// Records written.
    pub records: u64,
    /// Blocks written.
    pub blocks: u32,
    /// Sections written (columns × blocks, globals, posting lists, the schema).
    pub sections: u64,
    /// Size of the store in bytes.
    pub bytes: u64,
}

/// Writes a `.vnl` store, streaming blocks of records with bounded memory.
///
/// ```
/// use vnlink::store::{ColumnType, Store, StoreLayout, StoreWriter, Value};
/// # fn main() -> vnlink::Result<()> {
/// let layout = StoreLayout::new(65_536)
///     .column("full_name", ColumnType::Str)
///     .column("dob", ColumnType::U32);
/// let mut w = StoreWriter::in_memory(layout)?;
/// w.push_record(&[Value::Str("Nguyễn Văn An"), Value::U32(19_900_101)])?;
/// w.push_record(&[Value::Str("Trần Thị Bích"), Value::U32(19_851_231)])?;
/// w.add_global("source", b"dan_cu.csv")?;
/// let (bytes, _) = w.finish()?;
/// let store = Store::from_bytes(bytes)?;
/// assert_eq!(store.record_count(), 2);
/// assert_eq!(store.column::<u32>("dob")?.get(1), 19_851_231);
/// assert_eq!(store.global("source")?, b"dan_cu.csv");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StoreWriter<S: Sink = FileSink> {
    sink: S,
    path: PathBuf,
    layout: StoreLayout,
    /// Bytes written so far.
    pos: u64,
    /// CRC of the current section.
    crc: crc32fast::Hasher,
    /// Buffer of [`StoreWriter::push_record`].
    rows: BlockBuilder,
    blocks: u32,
    records: u64,
    /// A block shorter than `block_records` was written: no block may follow.
    partial: bool,
    /// An I/O error happened: the file is inconsistent and `finish` must fail.
    failed: bool,
    /// Write u64 offsets even where u32 would do.
    wide: bool,
    toc: Vec<TocEntry>,
    names: Vec<String>,
    global_names: HashSet<String>,
    posting_names: HashSet<String>,
    scratch32: Vec<u32>,
}

impl StoreWriter<FileSink> {
    /// Starts writing a store at `path`, through a temporary file in the same directory.
    pub fn create(path: impl AsRef<Path>, layout: StoreLayout) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        check_host(&path)?;
        check_layout(&path, &layout)?;
        let sink = FileSink::create(&path)?;
        StoreWriter::start(sink, path, layout)
    }

    /// Writes the TOC and the trailer, patches the header, syncs and renames the file to its
    /// final path.
    pub fn finish(mut self) -> Result<WriteSummary> {
        let summary = self.finish_sections()?;
        self.sink.file.commit()?;
        Ok(summary)
    }
}

impl StoreWriter<MemorySink> {
    /// Starts writing a store to memory.
    pub fn in_memory(layout: StoreLayout) -> Result<Self> {
        let path = PathBuf::from(MEMORY_PATH);
        check_host(&path)?;
        check_layout(&path, &layout)?;
        StoreWriter::start(MemorySink::default(), path, layout)
    }

    /// Writes the TOC and the trailer and returns the store's bytes, ready for
    /// [`Store::from_bytes`](super::Store::from_bytes).
    pub fn finish(mut self) -> Result<(Vec<u8>, WriteSummary)> {
        let summary = self.finish_sections()?;
        Ok((std::mem::take(&mut self.sink.bytes), summary))
    }
}

fn check_host(path: &Path) -> Result<()> {
    if cfg!(target_endian = "big") {
        return Err(Error::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "vnlink stores are little-endian and this host is big-endian",
            ),
        ));
    }
    Ok(())
}

fn check_layout(path: &Path, layout: &StoreLayout) -> Result<()> {
    layout.validate().map_err(|e| Error::Config {
        path: Some(path.to_path_buf()),
        key: "layout".into(),
        reason: e.to_string(),
    })
}

impl<S: Sink> StoreWriter<S> {
    /// A writer at the start of an empty file.
    fn empty(sink: S, path: PathBuf, layout: StoreLayout) -> Self {
        StoreWriter {
            sink,
            path,
            rows: BlockBuilder::new(&layout),
            layout,
            pos: 0,
            crc: crc32fast::Hasher::new(),
            blocks: 0,
            records: 0,
            partial: false,
            failed: false,
            wide: false,
            toc: Vec::new(),
            names: Vec::new(),
            global_names: HashSet::new(),
            posting_names: HashSet::new(),
            scratch32: Vec::new(),
        }
    }

    fn start(sink: S, path: PathBuf, layout: StoreLayout) -> Result<Self> {
        let mut w = StoreWriter::empty(sink, path, layout);
        let header = w.header().encode();
        w.raw_write(&header)?;
        let schema = encode_schema(w.layout.columns());
        w.write_global(SCHEMA_SECTION.to_owned(), &schema)?;
        Ok(w)
    }

    fn header(&self) -> Header {
        Header {
            version: FORMAT_VERSION,
            record_count: self.records,
            block_records: self.layout.block_records(),
            column_count: self.layout.columns().len() as u32,
            block_count: self.blocks,
        }
    }

    /// Writes u64 offsets in `Str`, `U32List` and posting sections even where u32 would do.
    /// Normally the writer picks u32 unless a section's payload exceeds 4 GiB; this forces the
    /// wide form, which readers handle alike (it exists to test that path on small data).
    pub fn set_wide_offsets(&mut self, always: bool) {
        self.wide = always;
    }

    pub(crate) fn wide_offsets(&self) -> bool {
        self.wide
    }

    /// The layout being written.
    pub fn layout(&self) -> &StoreLayout {
        &self.layout
    }

    /// The path being written, or [`MEMORY_PATH`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records written so far (including those buffered by [`StoreWriter::push_record`]).
    pub fn records(&self) -> u64 {
        self.records + self.rows.len() as u64
    }

    pub(crate) fn config_error(&self, key: &str, reason: impl Into<String>) -> Error {
        Error::Config { path: Some(self.path.clone()), key: key.into(), reason: reason.into() }
    }

    /// Appends one record; a block is written each time `block_records` records are buffered.
    pub fn push_record(&mut self, values: &[Value<'_>]) -> Result<()> {
        self.check_can_add_block()?;
        self.rows.push_record(values).map_err(|e| self.config_error("record", e.to_string()))?;
        if self.rows.len() == self.layout.block_records() as usize {
            let rows = std::mem::replace(&mut self.rows, BlockBuilder { columns: Vec::new() });
            let res = self.write_block(&rows);
            self.rows = rows;
            self.rows.clear();
            res?;
        }
        Ok(())
    }

    /// Writes a whole block. It must hold `block_records` records, except the last block of
    /// the store, which may hold fewer. Cannot be mixed with a partly filled
    /// [`StoreWriter::push_record`] buffer.
    pub fn push_block(&mut self, block: &BlockBuilder) -> Result<()> {
        if !self.rows.is_empty() {
            return Err(self.config_error(
                "block",
                "push_block called while push_record has buffered a partial block",
            ));
        }
        self.check_can_add_block()?;
        self.write_block(block)
    }

    fn check_can_add_block(&self) -> Result<()> {
        if self.partial {
            return Err(self.config_error(
                "block",
                "a block shorter than block_records was written: it must be the last",
            ));
        }
        Ok(())
    }

    fn write_block(&mut self, block: &BlockBuilder) -> Result<()> {
        let n = block.len();
        let br = self.layout.block_records() as usize;
        if block.columns.len() != self.layout.columns().len() {
            return Err(self.config_error("block", "the block was built for another layout"));
        }
        for (i, (c, spec)) in block.columns.iter().zip(self.layout.columns()).enumerate() {
            if c.ty() != spec.ty {
                return Err(self.config_error(
                    "block",
                    format!(
                        "column {i} (`{}`) is {} but the block holds {}",
                        spec.name,
                        spec.ty,
                        c.ty()
                    ),
                ));
            }
            if let ColumnBuf::Record(r) = c
                && r.width() != spec.width
            {
                return Err(self.config_error(
                    "block",
                    format!(
                        "column {i} (`{}`) holds records of {} bytes but the block's are {}",
                        spec.name,
                        spec.width,
                        r.width()
                    ),
                ));
            }
            if c.len() != n {
                return Err(self.config_error(
                    "block",
                    format!(
                        "column {i} (`{}`) has {} records, column 0 has {n}",
                        spec.name,
                        c.len()
                    ),
                ));
            }
        }
        if n == 0 || n > br {
            return Err(self.config_error(
                "block",
                format!("a block must hold 1 to {br} records, this one has {n}"),
            ));
        }
        if self.blocks == u32::MAX {
            return Err(self.config_error("block", "too many blocks"));
        }
        let block_index = self.blocks;
        for (col, buf) in block.columns.iter().enumerate() {
            self.write_column(col as u32, block_index, buf)?;
        }
        self.blocks += 1;
        self.records += n as u64;
        self.partial = n < br;
        Ok(())
    }

    fn write_column(&mut self, col: u32, block: u32, buf: &ColumnBuf) -> Result<()> {
        let start = self.begin_section()?;
        let (flags, aux) = match buf {
            ColumnBuf::U8(v) => self.put_pod(v).map(|()| (0, 0))?,
            ColumnBuf::U16(v) => self.put_pod(v).map(|()| (0, 0))?,
            ColumnBuf::U32(v) => self.put_pod(v).map(|()| (0, 0))?,
            ColumnBuf::U64(v) => self.put_pod(v).map(|()| (0, 0))?,
            ColumnBuf::Str(s) => {
                let flags = self.put_offsets(&s.ends)?;
                self.put(s.payload.as_bytes())?;
                (flags, s.payload.len() as u64)
            }
            ColumnBuf::U32List(l) => {
                let flags = self.put_offsets(&l.ends)?;
                self.put_pod(&l.payload)?;
                (flags, l.payload.len() as u64)
            }
            ColumnBuf::Record(r) => self.put(r.as_bytes()).map(|()| (0, 0))?,
        };
        self.end_section(TocEntry {
            kind: SectionKind::Column,
            encoding: buf.ty() as u8,
            flags,
            id: col,
            block,
            offset: start,
            length: 0,
            count: buf.len() as u64,
            aux,
            crc: 0,
        });
        Ok(())
    }

    /// Writes `0, ends...` as u32 if they fit, else u64, then pads to 8; returns the flags.
    fn put_offsets(&mut self, ends: &[u64]) -> Result<u16> {
        let last = ends.last().copied().unwrap_or(0);
        let flags = if !self.wide && u32::try_from(last).is_ok() {
            let mut s = std::mem::take(&mut self.scratch32);
            s.clear();
            s.push(0);
            s.extend(ends.iter().map(|&e| e as u32));
            let r = self.put_pod(&s);
            self.scratch32 = s;
            r?;
            0
        } else {
            self.put_pod(&[0u64])?;
            self.put_pod(ends)?;
            FLAG_WIDE_OFFSETS
        };
        self.pad_in_section(8)?;
        Ok(flags)
    }

    /// Adds a named global section of raw bytes (metadata, dictionaries, statistics…). Names
    /// are unique among global sections; names starting with `vnl.` are reserved.
    pub fn add_global(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.check_name(name)?;
        if self.global_names.contains(name) {
            return Err(self.config_error(name, "a global section of this name was already added"));
        }
        self.write_global(name.to_owned(), bytes)
    }

    pub(crate) fn check_name(&self, name: &str) -> Result<()> {
        if name.is_empty() || name.len() > MAX_NAME_LEN {
            return Err(
                self.config_error(name, format!("a name must be 1 to {MAX_NAME_LEN} bytes"))
            );
        }
        if name.starts_with(RESERVED_PREFIX) {
            return Err(self.config_error(
                name,
                format!("names starting with `{RESERVED_PREFIX}` are reserved"),
            ));
        }
        Ok(())
    }

    fn write_global(&mut self, name: String, bytes: &[u8]) -> Result<()> {
        let id = self.intern(&name);
        self.global_names.insert(name);
        let start = self.begin_section()?;
        self.put(bytes)?;
        self.end_section(TocEntry {
            kind: SectionKind::Global,
            encoding: 0,
            flags: 0,
            id,
            block: 0,
            offset: start,
            length: 0,
            count: bytes.len() as u64,
            aux: 0,
            crc: 0,
        });
        Ok(())
    }

    pub(crate) fn register_postings_name(&mut self, name: &str) -> Result<u32> {
        self.check_name(name)?;
        if self.posting_names.contains(name) {
            return Err(self.config_error(name, "a posting list of this name was already added"));
        }
        self.posting_names.insert(name.to_owned());
        Ok(self.intern(name))
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(i) = self.names.iter().position(|n| n == name) {
            return i as u32;
        }
        self.names.push(name.to_owned());
        (self.names.len() - 1) as u32
    }

    fn io_err(&mut self, e: std::io::Error) -> Error {
        self.failed = true;
        Error::io(&self.path, e)
    }

    fn raw_write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.failed {
            return Err(self.config_error("writer", "an earlier write failed; start again"));
        }
        if let Err(e) = self.sink.write_all(bytes) {
            return Err(self.io_err(e));
        }
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn pad_to(&mut self, align: u64) -> Result<()> {
        const ZEROS: [u8; SECTION_ALIGN as usize] = [0; SECTION_ALIGN as usize];
        let target = format::align_up(self.pos, align).unwrap_or(self.pos);
        let pad = (target - self.pos) as usize;
        self.raw_write(&ZEROS[..pad])
    }

    /// Pads to `SECTION_ALIGN`, starts a new CRC and returns the section's offset.
    pub(crate) fn begin_section(&mut self) -> Result<u64> {
        self.pad_to(SECTION_ALIGN)?;
        self.crc = crc32fast::Hasher::new();
        Ok(self.pos)
    }

    /// Writes section bytes (hashed).
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.crc.update(bytes);
        self.raw_write(bytes)
    }

    /// Writes a slice of integers as little-endian bytes (the host is little-endian: checked
    /// when the writer is created).
    pub(crate) fn put_pod<T: bytemuck::Pod>(&mut self, values: &[T]) -> Result<()> {
        self.put(bytemuck::cast_slice(values))
    }

    /// Zero padding inside a section (hashed), to a multiple of `align` from the file start.
    pub(crate) fn pad_in_section(&mut self, align: u64) -> Result<()> {
        let target = format::align_up(self.pos, align).unwrap_or(self.pos);
        let pad = (target - self.pos) as usize;
        self.put(&[0u8; 8][..pad.min(8)])
    }

    /// Closes the current section: records its length and CRC in the TOC.
    pub(crate) fn end_section(&mut self, mut entry: TocEntry) {
        entry.length = self.pos - entry.offset;
        entry.crc = std::mem::replace(&mut self.crc, crc32fast::Hasher::new()).finalize();
        self.toc.push(entry);
    }

    fn finish_sections(&mut self) -> Result<WriteSummary> {
        if !self.rows.is_empty() {
            let rows = std::mem::replace(&mut self.rows, BlockBuilder { columns: Vec::new() });
            let res = self.write_block(&rows);
            self.rows = rows;
            self.rows.clear();
            res?;
        }
        if self.failed {
            return Err(self.config_error("writer", "an earlier write failed; start again"));
        }
        self.pad_to(8)?;
        let toc = format::encode_toc(&self.toc, &self.names);
        let toc_crc = crc32fast::hash(&toc);
        self.raw_write(&toc)?;
        self.raw_write(&format::encode_trailer(toc_crc, toc.len() as u64))?;
        let header = self.header().encode();
        debug_assert_eq!(header.len(), HEADER_LEN);
        if let Err(e) = self.sink.patch_header(&header) {
            return Err(self.io_err(e));
        }
        Ok(WriteSummary {
            path: self.path.clone(),
            records: self.records,
            blocks: self.blocks,
            sections: self.toc.len() as u64,
            bytes: self.pos,
        })
    }
}

/// Writes a copy of `store` to `path` with the global sections `globals` added — or replaced,
/// where the store has a global of that name: its old bytes become zero padding. Columns,
/// posting lists and the other globals are copied byte for byte, with their checksums. The
/// file is written atomically, so `path` may be the store's own file: the copy replaces it only
/// when complete (readers that mapped the old file keep it).
pub fn rewrite_with_globals(
    store: &super::Store,
    path: impl AsRef<Path>,
    globals: &[(&str, &[u8])],
) -> Result<WriteSummary> {
    let path = path.as_ref().to_path_buf();
    check_host(&path)?;
    let sink = FileSink::create(&path)?;
    let mut w = StoreWriter::resume(sink, path, store, globals)?;
    for (name, bytes) in globals {
        w.add_global(name, bytes)?;
    }
    w.finish()
}

/// [`rewrite_with_globals`] in memory: a new in-memory store.
pub fn with_globals(store: &super::Store, globals: &[(&str, &[u8])]) -> Result<super::Store> {
    let mut w =
        StoreWriter::resume(MemorySink::default(), PathBuf::from(MEMORY_PATH), store, globals)?;
    for (name, bytes) in globals {
        w.add_global(name, bytes)?;
    }
    let (bytes, _) = w.finish()?;
    super::Store::from_bytes(bytes)
}

impl<S: Sink> StoreWriter<S> {
    /// A writer that continues `store`: its data area copied (the globals named in `replace`
    /// zeroed), its TOC kept but for them, no record can be added.
    fn resume(
        sink: S,
        path: PathBuf,
        store: &super::Store,
        replace: &[(&str, &[u8])],
    ) -> Result<Self> {
        let mut layout = StoreLayout::new(store.block_records());
        for c in store.columns() {
            layout = if c.ty == ColumnType::Record {
                layout.record_column(c.name.clone(), c.width)
            } else {
                layout.column(c.name.clone(), c.ty)
            };
        }
        let (entries, names, toc_start) = store.toc_parts();
        let replaced = |e: &TocEntry| {
            e.kind == SectionKind::Global
                && names.get(e.id as usize).is_some_and(|n| replace.iter().any(|(r, _)| r == n))
        };
        let mut w = StoreWriter {
            blocks: store.block_count(),
            records: store.record_count(),
            partial: true,
            names: names.to_vec(),
            ..StoreWriter::empty(sink, path, layout)
        };
        // The data area, in pieces, with the replaced globals' bytes zeroed.
        let bytes = store.as_bytes();
        let end = usize::try_from(toc_start).unwrap_or(usize::MAX).min(bytes.len());
        let mut holes: Vec<std::ops::Range<usize>> =
            entries.iter().filter(|e| replaced(e)).map(TocEntry::range).collect();
        holes.sort_unstable_by_key(|r| r.start);
        let mut at = 0;
        for hole in holes.iter().chain(std::iter::once(&(end..end))) {
            let start = hole.start.clamp(at, end);
            for piece in bytes[at..start].chunks(1 << 20) {
                w.raw_write(piece)?;
            }
            let stop = hole.end.clamp(start, end);
            let zeros = [0u8; 4096];
            let mut left = stop - start;
            while left > 0 {
                let n = left.min(zeros.len());
                w.raw_write(&zeros[..n])?;
                left -= n;
            }
            at = stop;
        }
        for e in entries.iter().filter(|e| !replaced(e)) {
            let name = names.get(e.id as usize).cloned().unwrap_or_default();
            match e.kind {
                SectionKind::Global => {
                    w.global_names.insert(name);
                }
                SectionKind::Postings => {
                    w.posting_names.insert(name);
                }
                SectionKind::Column => {}
            }
            w.toc.push(*e);
        }
        Ok(w)
    }
}
