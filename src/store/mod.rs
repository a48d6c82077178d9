//! The `.vnl` store: a generic columnar container of records in fixed-size blocks, memory-mapped
//! for reading. It knows nothing of what the columns mean (the pipeline maps person records onto
//! columns).
//!
//! # Overview of types
//! - [`StoreLayout`] / [`ColumnSpec`] / [`ColumnType`]: records per block and the columns
//!   (`U8`, `U16`, `U32`, `U64`, `Str`, `U32List`, and `Record`: one fixed-width plain-old-data
//!   struct per record, [`StoreLayout::record_column`]).
//! - [`StoreWriter`]: streams blocks ([`StoreWriter::push_block`] with a [`BlockBuilder`], or
//!   record by record with [`StoreWriter::push_record`] and [`Value`]; records of a `Record`
//!   column through [`BlockBuilder::push_records`] / [`RecordBuf`] or [`Value::Record`]), named
//!   global sections ([`StoreWriter::add_global`]) and posting lists
//!   ([`StoreWriter::add_postings`] with a [`PostingsBuilder`]); [`StoreWriter::finish`] makes
//!   the file appear atomically. Writes to a file ([`StoreWriter::create`]) or to memory
//!   ([`StoreWriter::in_memory`]).
//! - [`Store`]: the reader, from a file ([`Store::open`], memory-mapped) or bytes
//!   ([`Store::from_bytes`]); zero-copy views [`Column`], [`StrColumn`], [`ListColumn`],
//!   [`RecordColumn`] (and per block [`StrBlock`], [`ListBlock`], [`Store::record_block`]),
//!   [`Postings`]; [`Store::verify`].
//!
//! # Invariants
//! - The byte layout is in [`format`](mod@format) and `docs/format.md`; all integers are little-endian and
//!   fixed-width; every section is 64-byte aligned and has a CRC-32.
//! - Opening validates the header, the TOC and every offset and length (checked arithmetic) and
//!   reads no data section; each section is validated (CRC, offsets, UTF-8) on first use, once.
//!   Damaged input gives [`Error::Corrupt`](crate::Error::Corrupt),
//!   [`Error::ChecksumMismatch`](crate::Error::ChecksumMismatch) or
//!   [`Error::Version`](crate::Error::Version) naming the file, never a panic.
//! - `unsafe` exists only in `mmap.rs` (one `Mmap::map` call; see [`Store`] for the contract).
//! - Writers hold one block and the TOC in memory; posting builders stay within their budget.
//! - A layout, record type or values that the *calling code* got wrong give a typed
//!   [`LayoutError`] ([`Error::Layout`](crate::Error::Layout) or wrapped with the file's path),
//!   never a `String`; only bytes read from disk give [`Error::Corrupt`](crate::Error::Corrupt).

mod column;
pub mod format;
mod layout;
#[allow(unsafe_code)]
mod mmap;
mod postings;
mod reader;
mod writer;

pub use crate::error::LayoutError;
pub use column::{
    Column, ColumnBuf, FixedType, ListBlock, ListBuf, ListColumn, Offsets, RecordBuf, RecordColumn,
    StrBlock, StrBuf, StrColumn, VarBlock, VarBuf, VarColumn, VarItem, VarPayload,
};
pub use format::{ColumnType, FORMAT_VERSION, OLDEST_SUPPORTED_FORMAT_VERSION, SectionKind};
pub use layout::{ColumnSpec, DEFAULT_BLOCK_RECORDS, StoreLayout};
pub use postings::{DEFAULT_POSTINGS_BUDGET, Postings, PostingsBuilder, PostingsSummary};
pub use reader::{ColumnRef, SectionInfo, SharedBytes, Store, VerifyReport};
pub use writer::{
    BlockBuilder, FileSink, MEMORY_PATH, MemorySink, Sink, StoreWriter, Value, WriteSummary,
    rewrite_with_globals, with_globals,
};
