//! The `.vnl` byte layout: constants, the header, the table of contents (TOC) and the trailer,
//! with their encoders and their checked decoders.
//!
//! This module owns every number that is written to disk. It never panics on any input: every
//! read goes through `read_u32`/`read_u64` (which use `.get(range)` with checked arithmetic)
//! and every decoder returns a `Fault` that the reader turns into an
//! [`Error`](crate::Error) naming the file. The same layout is described, with diagrams, in
//! `docs/format.md`; a change here that does not touch that file does not get merged.
//!
//! ```text
//! FILE LAYOUT (all integers little-endian; offsets in bytes from the start of the file)
//!
//! +--------------------+ 0
//! | header (64 bytes)  |
//! +--------------------+ 64 = HEADER_LEN
//! | section            |   every section starts at a multiple of SECTION_ALIGN (64);
//! | zero padding       |   the gaps between sections are zero bytes
//! | section            |
//! | ...                |
//! +--------------------+ toc_start (multiple of 8)
//! | TOC (toc_len bytes)|
//! +--------------------+ file_len - TRAILER_LEN
//! | trailer (24 bytes) |
//! +--------------------+ file_len
//!
//! HEADER (HEADER_LEN = 64)
//!   0  magic            [u8; 8]  = MAGIC = 89 56 4E 4C 0D 0A 1A 0A  ("\x89VNL\r\n\x1a\n")
//!   8  format_version   u32      FORMAT_VERSION
//!  12  header_len       u32      = 64
//!  16  record_count     u64
//!  24  block_records    u32      records per block (every block but the last is full)
//!  28  column_count     u32
//!  32  block_count      u32      = ceil(record_count / block_records)
//!  36  flags            u32      = 0 (no flag defined in version 1)
//!  40  reserved         [u8; 20] = 0
//!  60  header_crc       u32      CRC-32 (IEEE) of bytes 0..60
//!
//! TOC (toc_len bytes, a multiple of 8)
//!   0  entry_count      u32
//!   4  name_count       u32
//!   8  names_len        u32      bytes of the name table
//!  12  reserved         u32      = 0
//!  16  entries          [TocEntry; entry_count], TOC_ENTRY_LEN (56) bytes each
//!   .. name table       name_count × (len u16, UTF-8 bytes), names_len bytes in all
//!   .. zero padding to a multiple of 8
//!
//! TOC ENTRY (TOC_ENTRY_LEN = 56)
//!   0  kind             u8       SectionKind: 1 column, 2 global, 3 postings
//!   1  encoding         u8       column: ColumnType tag (1..=7); otherwise 0
//!   2  flags            u16      bit 0 (FLAG_WIDE_OFFSETS): offsets are u64, else u32
//!   4  id               u32      column: column index; global/postings: index in the name table
//!   8  block            u32      column: block index; otherwise 0
//!  12  reserved         u32      = 0
//!  16  offset           u64      from the start of the file, a multiple of SECTION_ALIGN
//!  24  length           u64      bytes (padding not included)
//!  32  count            u64      column: records; global: bytes; postings: (key, record) pairs
//!  40  aux              u64      Str: arena bytes; U32List: values; postings: distinct keys
//!  48  crc              u32      CRC-32 (IEEE) of the section's `length` bytes
//!  52  reserved         u32      = 0
//!
//! TRAILER (TRAILER_LEN = 24), the last bytes of the file
//!   0  toc_crc          u32      CRC-32 (IEEE) of the TOC's toc_len bytes
//!   4  reserved         u32      = 0
//!   8  toc_len          u64
//!  16  magic            [u8; 8]  = MAGIC
//!
//! SECTION BODIES (n = count, a = aux, ow = 4 or 8 by FLAG_WIDE_OFFSETS, pad8 rounds up to 8)
//!   U8/U16/U32/U64 column   [T; n]                                  length = n × size_of T
//!   Record column           [[u8; w]; n], w = the column's width    length = n × w
//!                           from the schema (8..=4096, a multiple of 8; flags 0, aux 0)
//!   Str column              [offset; n+1] pad8 [u8; a] (UTF-8)      length = pad8((n+1)·ow) + a
//!   U32List column          [offset; n+1] pad8 [u32; a]             length = pad8((n+1)·ow) + 4a
//!   global                  raw bytes                               length = n
//!   postings                [record u32; n] pad8 [key u64; a] [offset; a+1]
//!                                                       length = pad8(4n) + 8a + (a+1)·ow
//! ```
//!
//! SCHEMA (global section `vnl.schema`, postcard): a sequence of
//! `{ name: String, ty: u8 (ColumnType tag), width: u32 (varint) }`, one per column in id order;
//! `width` is the bytes per record of a Record column and 0 for every other type.
//!
//! Offsets of a Str or `U32List` column start at 0, never decrease and end at `aux`; Str offsets
//! fall on UTF-8 character boundaries. Posting keys strictly increase; posting offsets strictly
//! increase from 0 to `n` (every key has at least one record).

use std::ops::Range;

use crate::error::LayoutError;

/// The 8 bytes that start and end every `.vnl` file, PNG-style: a non-ASCII byte (catches
/// 7-bit transfers), `VNL`, CR LF (catches line-ending conversion), ^Z (stops `type` on DOS) and
/// LF.
pub const MAGIC: [u8; 8] = [0x89, b'V', b'N', b'L', b'\r', b'\n', 0x1A, b'\n'];

/// The format version this build writes.
///
/// Version history:
/// - **1** (vnlink 0.1): first version. 64-byte header, sections aligned to 64 bytes, column
///   types U8/U16/U32/U64/Str/U32List/Record (fixed-width records of 8..=4096 bytes, width in
///   the schema), named global sections, named posting lists, column schema in the global
///   section [`SCHEMA_SECTION`] (postcard), CRC-32 per section, TOC and header.
pub const FORMAT_VERSION: u32 = 1;

/// The oldest format version this build reads. Files of versions in
/// `OLDEST_SUPPORTED_FORMAT_VERSION..=FORMAT_VERSION` open; others fail with
/// [`Error::Version`](crate::Error::Version).
///
/// History: 1 since vnlink 0.1 (no version has been dropped).
pub const OLDEST_SUPPORTED_FORMAT_VERSION: u32 = 1;

/// Length of the header in bytes.
pub const HEADER_LEN: usize = 64;
/// Offset of the magic in the header.
pub const HEADER_MAGIC_OFFSET: usize = 0;
/// Offset of the format version (u32) in the header.
pub const HEADER_VERSION_OFFSET: usize = 8;
/// Offset of the header length (u32) in the header.
pub const HEADER_LEN_OFFSET: usize = 12;
/// Offset of the record count (u64) in the header.
pub const HEADER_RECORD_COUNT_OFFSET: usize = 16;
/// Offset of the records per block (u32) in the header.
pub const HEADER_BLOCK_RECORDS_OFFSET: usize = 24;
/// Offset of the column count (u32) in the header.
pub const HEADER_COLUMN_COUNT_OFFSET: usize = 28;
/// Offset of the block count (u32) in the header.
pub const HEADER_BLOCK_COUNT_OFFSET: usize = 32;
/// Offset of the flags (u32) in the header.
pub const HEADER_FLAGS_OFFSET: usize = 36;
/// Offset of the reserved bytes in the header.
pub const HEADER_RESERVED_OFFSET: usize = 40;
/// Offset of the header CRC (u32, of bytes `0..HEADER_CRC_OFFSET`).
pub const HEADER_CRC_OFFSET: usize = 60;

/// Every section starts at a multiple of this many bytes (one cache line).
pub const SECTION_ALIGN: u64 = 64;

/// Length of the fixed part of the TOC, before the entries.
pub const TOC_HEADER_LEN: usize = 16;
/// Length of one TOC entry.
pub const TOC_ENTRY_LEN: usize = 56;
/// Offset of the kind (u8) in a TOC entry.
pub const TOC_KIND_OFFSET: usize = 0;
/// Offset of the encoding (u8) in a TOC entry.
pub const TOC_ENCODING_OFFSET: usize = 1;
/// Offset of the flags (u16) in a TOC entry.
pub const TOC_FLAGS_OFFSET: usize = 2;
/// Offset of the column or name id (u32) in a TOC entry.
pub const TOC_ID_OFFSET: usize = 4;
/// Offset of the block index (u32) in a TOC entry.
pub const TOC_BLOCK_OFFSET: usize = 8;
/// Offset of the first reserved u32 in a TOC entry.
pub const TOC_RESERVED1_OFFSET: usize = 12;
/// Offset of the section offset (u64) in a TOC entry.
pub const TOC_SECTION_OFFSET_OFFSET: usize = 16;
/// Offset of the section length (u64) in a TOC entry.
pub const TOC_LENGTH_OFFSET: usize = 24;
/// Offset of the element count (u64) in a TOC entry.
pub const TOC_COUNT_OFFSET: usize = 32;
/// Offset of the auxiliary count (u64) in a TOC entry.
pub const TOC_AUX_OFFSET: usize = 40;
/// Offset of the section CRC (u32) in a TOC entry.
pub const TOC_CRC_OFFSET: usize = 48;
/// Offset of the second reserved u32 in a TOC entry.
pub const TOC_RESERVED2_OFFSET: usize = 52;

/// TOC entry flag: the section's offsets are u64 (otherwise u32).
pub const FLAG_WIDE_OFFSETS: u16 = 1;

/// Length of the trailer, the last bytes of the file.
pub const TRAILER_LEN: usize = 24;
/// Offset of the TOC CRC (u32) in the trailer.
pub const TRAILER_TOC_CRC_OFFSET: usize = 0;
/// Offset of the reserved u32 in the trailer.
pub const TRAILER_RESERVED_OFFSET: usize = 4;
/// Offset of the TOC length (u64) in the trailer.
pub const TRAILER_TOC_LEN_OFFSET: usize = 8;
/// Offset of the closing magic in the trailer.
pub const TRAILER_MAGIC_OFFSET: usize = 16;

/// Name of the global section holding the column schema (postcard: a sequence of
/// `(name: String, type tag: u8, width: u32)`, `width` being 0 except for Record columns).
/// Names starting with `vnl.` are reserved.
pub const SCHEMA_SECTION: &str = "vnl.schema";
/// Prefix of the section names reserved for the format itself.
pub const RESERVED_PREFIX: &str = "vnl.";
/// Longest section name, in bytes.
pub const MAX_NAME_LEN: usize = 1024;

/// Largest width of a [`ColumnType::Record`] column, in bytes per record.
pub const MAX_RECORD_WIDTH: u32 = 4096;
/// The width of a [`ColumnType::Record`] column is a multiple of this. With sections aligned
/// to [`SECTION_ALIGN`] and store bytes 8-byte aligned, every record then starts at a multiple
/// of 8, so a section can be viewed in place as `&[T]` for any plain-old-data `T` of that size
/// whose alignment is at most 8.
pub const RECORD_WIDTH_ALIGN: u32 = 8;

/// Checks the width of a column of type `ty`: 8 to [`MAX_RECORD_WIDTH`] and a multiple of
/// [`RECORD_WIDTH_ALIGN`] for a Record column, 0 for the others. The error says what is wrong.
pub(crate) fn check_width(ty: ColumnType, width: u32) -> Result<(), LayoutError> {
    if ty == ColumnType::Record {
        if width == 0 || width > MAX_RECORD_WIDTH || !width.is_multiple_of(RECORD_WIDTH_ALIGN) {
            return Err(LayoutError::RecordWidth {
                width,
                align: RECORD_WIDTH_ALIGN,
                max: MAX_RECORD_WIDTH,
            });
        }
    } else if width != 0 {
        return Err(LayoutError::WidthNotAllowed { ty: ty.to_string(), width });
    }
    Ok(())
}

/// What a section holds. Written as the `kind` byte of a TOC entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SectionKind {
    /// One column of one block.
    Column = 1,
    /// A named global section of raw bytes.
    Global = 2,
    /// A named posting list (sorted keys, offsets, record ids).
    Postings = 3,
}

impl TryFrom<u8> for SectionKind {
    type Error = u8;
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            1 => Ok(SectionKind::Column),
            2 => Ok(SectionKind::Global),
            3 => Ok(SectionKind::Postings),
            other => Err(other),
        }
    }
}

/// The type of a column. Written as the `encoding` byte of a column's TOC entries and in the
/// schema section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum ColumnType {
    /// One `u8` per record.
    U8 = 1,
    /// One `u16` per record.
    U16 = 2,
    /// One `u32` per record.
    U32 = 3,
    /// One `u64` per record.
    U64 = 4,
    /// One UTF-8 string per record (offsets + byte arena).
    Str = 5,
    /// A list of `u32` per record (offsets + values), e.g. token ids.
    U32List = 6,
    /// One fixed-width record of plain-old-data per record (a `#[repr(C)]` struct), its width
    /// in bytes given by the column's [`ColumnSpec::width`](super::ColumnSpec::width).
    Record = 7,
}

impl ColumnType {
    /// The size in bytes of one element of a primitive fixed-width column (`U8` to `U64`),
    /// `None` for variable-width ones and for `Record`, whose width is per column
    /// ([`ColumnSpec::element_width`](super::ColumnSpec::element_width) covers both).
    pub fn fixed_width(self) -> Option<u64> {
        match self {
            ColumnType::U8 => Some(1),
            ColumnType::U16 => Some(2),
            ColumnType::U32 => Some(4),
            ColumnType::U64 => Some(8),
            ColumnType::Str | ColumnType::U32List | ColumnType::Record => None,
        }
    }

    /// The name used in messages and in `vnlink verify`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::U8 => "u8",
            ColumnType::U16 => "u16",
            ColumnType::U32 => "u32",
            ColumnType::U64 => "u64",
            ColumnType::Str => "str",
            ColumnType::U32List => "u32list",
            ColumnType::Record => "record",
        }
    }
}

impl std::fmt::Display for ColumnType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<u8> for ColumnType {
    type Error = u8;
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            1 => Ok(ColumnType::U8),
            2 => Ok(ColumnType::U16),
            3 => Ok(ColumnType::U32),
            4 => Ok(ColumnType::U64),
            5 => Ok(ColumnType::Str),
            6 => Ok(ColumnType::U32List),
            7 => Ok(ColumnType::Record),
            other => Err(other),
        }
    }
}

/// A problem found while decoding, before it is given the file's path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Structure is inconsistent.
    Corrupt { section: String, offset: u64, reason: String },
    /// Version outside the supported range.
    Version(u32),
    /// A checksum does not match.
    Checksum { section: String, expected: u32, found: u32 },
}

pub(crate) fn corrupt(section: impl Into<String>, offset: u64, reason: impl Into<String>) -> Fault {
    Fault::Corrupt { section: section.into(), offset, reason: reason.into() }
}

/// Reads a little-endian u16 at `at`, `None` if out of bounds.
pub(crate) fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian u32 at `at`, `None` if out of bounds.
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian u64 at `at`, `None` if out of bounds.
pub(crate) fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// Rounds `n` up to a multiple of `align` (a power of two), `None` on overflow.
pub(crate) fn align_up(n: u64, align: u64) -> Option<u64> {
    Some(n.checked_add(align - 1)? & !(align - 1))
}

/// Converts a file offset to `usize`, `None` if it does not fit (32-bit hosts).
pub(crate) fn to_usize(n: u64) -> Option<usize> {
    usize::try_from(n).ok()
}

/// The decoded header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub version: u32,
    pub record_count: u64,
    pub block_records: u32,
    pub column_count: u32,
    pub block_count: u32,
}

impl Header {
    /// Encodes the header, CRC included.
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[HEADER_MAGIC_OFFSET..HEADER_MAGIC_OFFSET + 8].copy_from_slice(&MAGIC);
        h[HEADER_VERSION_OFFSET..HEADER_VERSION_OFFSET + 4]
            .copy_from_slice(&self.version.to_le_bytes());
        h[HEADER_LEN_OFFSET..HEADER_LEN_OFFSET + 4].copy_from_slice(&64u32.to_le_bytes());
        h[HEADER_RECORD_COUNT_OFFSET..HEADER_RECORD_COUNT_OFFSET + 8]
            .copy_from_slice(&self.record_count.to_le_bytes());
        h[HEADER_BLOCK_RECORDS_OFFSET..HEADER_BLOCK_RECORDS_OFFSET + 4]
            .copy_from_slice(&self.block_records.to_le_bytes());
        h[HEADER_COLUMN_COUNT_OFFSET..HEADER_COLUMN_COUNT_OFFSET + 4]
            .copy_from_slice(&self.column_count.to_le_bytes());
        h[HEADER_BLOCK_COUNT_OFFSET..HEADER_BLOCK_COUNT_OFFSET + 4]
            .copy_from_slice(&self.block_count.to_le_bytes());
        let crc = crc32fast::hash(&h[..HEADER_CRC_OFFSET]);
        h[HEADER_CRC_OFFSET..HEADER_CRC_OFFSET + 4].copy_from_slice(&crc.to_le_bytes());
        h
    }

    /// Decodes and checks the header of a whole file: magic, version range, length, CRC,
    /// reserved bytes and the consistency of the counts.
    pub(crate) fn decode(file: &[u8]) -> Result<Header, Fault> {
        let magic = file.get(..8);
        if magic != Some(&MAGIC[..]) {
            let reason = if file.is_empty() {
                "the file is empty: not a vnlink store".to_owned()
            } else if !MAGIC.starts_with(&file[..file.len().min(8)]) {
                "bad magic bytes: not a vnlink store".to_owned()
            } else {
                format!("the file is only {} bytes: truncated", file.len())
            };
            return Err(corrupt("header", 0, reason));
        }
        let version = read_u32(file, HEADER_VERSION_OFFSET).ok_or_else(|| {
            corrupt("header", 8, format!("the file is only {} bytes: truncated", file.len()))
        })?;
        if !(OLDEST_SUPPORTED_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(Fault::Version(version));
        }
        let h = file.get(..HEADER_LEN).ok_or_else(|| {
            corrupt("header", 0, format!("the file is only {} bytes: truncated", file.len()))
        })?;
        let get32 = |at| read_u32(h, at).unwrap_or(0);
        let stored_crc = get32(HEADER_CRC_OFFSET);
        let crc = crc32fast::hash(&h[..HEADER_CRC_OFFSET]);
        if crc != stored_crc {
            return Err(Fault::Checksum {
                section: "header".into(),
                expected: stored_crc,
                found: crc,
            });
        }
        if get32(HEADER_LEN_OFFSET) as usize != HEADER_LEN {
            return Err(corrupt("header", HEADER_LEN_OFFSET as u64, "header length is not 64"));
        }
        if get32(HEADER_FLAGS_OFFSET) != 0
            || h[HEADER_RESERVED_OFFSET..HEADER_CRC_OFFSET].iter().any(|&b| b != 0)
        {
            return Err(corrupt(
                "header",
                HEADER_FLAGS_OFFSET as u64,
                "unknown header flags or non-zero reserved bytes",
            ));
        }
        let header = Header {
            version,
            record_count: read_u64(h, HEADER_RECORD_COUNT_OFFSET).unwrap_or(0),
            block_records: get32(HEADER_BLOCK_RECORDS_OFFSET),
            column_count: get32(HEADER_COLUMN_COUNT_OFFSET),
            block_count: get32(HEADER_BLOCK_COUNT_OFFSET),
        };
        if header.block_records == 0 {
            return Err(corrupt(
                "header",
                HEADER_BLOCK_RECORDS_OFFSET as u64,
                "zero records per block",
            ));
        }
        let blocks = header.record_count.div_ceil(u64::from(header.block_records));
        if blocks != u64::from(header.block_count) {
            return Err(corrupt(
                "header",
                HEADER_BLOCK_COUNT_OFFSET as u64,
                format!(
                    "{} blocks recorded but {} records of {} per block need {blocks}",
                    header.block_count, header.record_count, header.block_records
                ),
            ));
        }
        Ok(header)
    }

    /// Number of records in block `b` (the last block may be partial).
    pub(crate) fn block_len(&self, b: u32) -> u64 {
        let start = u64::from(b) * u64::from(self.block_records);
        self.record_count.saturating_sub(start).min(u64::from(self.block_records))
    }
}

/// One decoded TOC entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TocEntry {
    pub kind: SectionKind,
    pub encoding: u8,
    pub flags: u16,
    pub id: u32,
    pub block: u32,
    pub offset: u64,
    pub length: u64,
    pub count: u64,
    pub aux: u64,
    pub crc: u32,
}

impl TocEntry {
    /// Appends the encoded entry to `out`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.kind as u8);
        out.push(self.encoding);
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.block.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.length.to_le_bytes());
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.aux.to_le_bytes());
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
    }

    /// Whether offsets of this section are u64.
    pub(crate) fn wide(&self) -> bool {
        self.flags & FLAG_WIDE_OFFSETS != 0
    }

    /// The byte range of the section in the file (validated at open).
    pub(crate) fn range(&self) -> Range<usize> {
        // Validated at open to fit in the file, hence in usize.
        let start = to_usize(self.offset).unwrap_or(usize::MAX);
        let len = to_usize(self.length).unwrap_or(0);
        start..start.saturating_add(len)
    }
}

/// The decoded table of contents.
#[derive(Clone, Debug)]
pub(crate) struct Toc {
    pub entries: Vec<TocEntry>,
    pub names: Vec<String>,
    /// Offset of the TOC in the file.
    pub start: u64,
}

/// Encodes the TOC (without the trailer).
pub(crate) fn encode_toc(entries: &[TocEntry], names: &[String]) -> Vec<u8> {
    let names_len: usize = names.iter().map(|n| 2 + n.len()).sum();
    let mut out =
        Vec::with_capacity(TOC_HEADER_LEN + entries.len() * TOC_ENTRY_LEN + names_len + 8);
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&(names.len() as u32).to_le_bytes());
    out.extend_from_slice(&(names_len as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for e in entries {
        e.encode_into(&mut out);
    }
    for n in names {
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(n.as_bytes());
    }
    while out.len() % 8 != 0 {
        out.push(0);
    }
    out
}

/// Encodes the trailer.
pub(crate) fn encode_trailer(toc_crc: u32, toc_len: u64) -> [u8; TRAILER_LEN] {
    let mut t = [0u8; TRAILER_LEN];
    t[TRAILER_TOC_CRC_OFFSET..TRAILER_TOC_CRC_OFFSET + 4].copy_from_slice(&toc_crc.to_le_bytes());
    t[TRAILER_TOC_LEN_OFFSET..TRAILER_TOC_LEN_OFFSET + 8].copy_from_slice(&toc_len.to_le_bytes());
    t[TRAILER_MAGIC_OFFSET..].copy_from_slice(&MAGIC);
    t
}

/// Decodes the trailer and the TOC of a whole file and checks the TOC's CRC and its own
/// structure (not yet the entries against the header: see the reader).
pub(crate) fn decode_toc(file: &[u8]) -> Result<Toc, Fault> {
    let len = file.len() as u64;
    let min = (HEADER_LEN + TRAILER_LEN) as u64;
    if len < min {
        return Err(corrupt("footer", len, format!("the file is only {len} bytes: truncated")));
    }
    let trailer_start = file.len() - TRAILER_LEN;
    let trailer = &file[trailer_start..];
    if trailer.get(TRAILER_MAGIC_OFFSET..) != Some(&MAGIC[..]) {
        return Err(corrupt(
            "footer",
            (trailer_start + TRAILER_MAGIC_OFFSET) as u64,
            "closing magic missing: the file is truncated or was not finished",
        ));
    }
    let toc_crc = read_u32(trailer, TRAILER_TOC_CRC_OFFSET).unwrap_or(0);
    let toc_len = read_u64(trailer, TRAILER_TOC_LEN_OFFSET).unwrap_or(u64::MAX);
    let reserved = read_u32(trailer, TRAILER_RESERVED_OFFSET).unwrap_or(1);
    let trailer_at = trailer_start as u64;
    if reserved != 0 {
        return Err(corrupt("footer", trailer_at, "non-zero reserved bytes in the trailer"));
    }
    let start = trailer_at
        .checked_sub(toc_len)
        .filter(|&s| s >= HEADER_LEN as u64 && toc_len.is_multiple_of(8) && s.is_multiple_of(8))
        .ok_or_else(|| {
            corrupt("toc", trailer_at, format!("TOC length {toc_len} does not fit the file"))
        })?;
    let toc = to_usize(start)
        .and_then(|s| file.get(s..trailer_start))
        .ok_or_else(|| corrupt("toc", start, "TOC out of bounds"))?;
    let found = crc32fast::hash(toc);
    if found != toc_crc {
        return Err(Fault::Checksum { section: "toc".into(), expected: toc_crc, found });
    }
    let bad = |at: usize, reason: String| corrupt("toc", start + at as u64, reason);
    let entry_count = read_u32(toc, 0).ok_or_else(|| bad(0, "TOC too short".into()))?;
    let name_count = read_u32(toc, 4).ok_or_else(|| bad(4, "TOC too short".into()))?;
    let names_len = read_u32(toc, 8).ok_or_else(|| bad(8, "TOC too short".into()))?;
    if read_u32(toc, 12) != Some(0) {
        return Err(bad(12, "non-zero reserved bytes in the TOC".into()));
    }
    let entries_len = (entry_count as usize)
        .checked_mul(TOC_ENTRY_LEN)
        .and_then(|n| n.checked_add(TOC_HEADER_LEN))
        .filter(|&n| n <= toc.len())
        .ok_or_else(|| bad(0, format!("{entry_count} entries do not fit the TOC")))?;
    let names_end = entries_len
        .checked_add(names_len as usize)
        .filter(|&n| n <= toc.len() && toc.len() - n < 8)
        .ok_or_else(|| bad(8, format!("name table of {names_len} bytes does not fit the TOC")))?;
    if toc[names_end..].iter().any(|&b| b != 0) {
        return Err(bad(names_end, "non-zero padding at the end of the TOC".into()));
    }
    let mut entries = Vec::with_capacity(entry_count as usize);
    for (i, e) in toc[TOC_HEADER_LEN..entries_len].chunks_exact(TOC_ENTRY_LEN).enumerate() {
        let at = TOC_HEADER_LEN + i * TOC_ENTRY_LEN;
        let kind = SectionKind::try_from(e[TOC_KIND_OFFSET])
            .map_err(|k| bad(at, format!("entry {i}: unknown section kind {k}")))?;
        if read_u32(e, TOC_RESERVED1_OFFSET) != Some(0)
            || read_u32(e, TOC_RESERVED2_OFFSET) != Some(0)
        {
            return Err(bad(at, format!("entry {i}: non-zero reserved bytes")));
        }
        let flags = read_u16(e, TOC_FLAGS_OFFSET).unwrap_or(u16::MAX);
        if flags & !FLAG_WIDE_OFFSETS != 0 {
            return Err(bad(at, format!("entry {i}: unknown flags {flags:#x}")));
        }
        entries.push(TocEntry {
            kind,
            encoding: e[TOC_ENCODING_OFFSET],
            flags,
            id: read_u32(e, TOC_ID_OFFSET).unwrap_or(0),
            block: read_u32(e, TOC_BLOCK_OFFSET).unwrap_or(0),
            offset: read_u64(e, TOC_SECTION_OFFSET_OFFSET).unwrap_or(0),
            length: read_u64(e, TOC_LENGTH_OFFSET).unwrap_or(0),
            count: read_u64(e, TOC_COUNT_OFFSET).unwrap_or(0),
            aux: read_u64(e, TOC_AUX_OFFSET).unwrap_or(0),
            crc: read_u32(e, TOC_CRC_OFFSET).unwrap_or(0),
        });
    }
    let mut names = Vec::with_capacity((name_count as usize).min(toc.len() / 2));
    let mut at = entries_len;
    for i in 0..name_count {
        let n = read_u16(toc, at)
            .map(usize::from)
            .filter(|_| at + 2 <= names_end)
            .ok_or_else(|| bad(at, format!("name {i} runs past the name table")))?;
        let bytes = toc
            .get(at + 2..at + 2 + n)
            .filter(|_| at + 2 + n <= names_end)
            .ok_or_else(|| bad(at, format!("name {i} runs past the name table")))?;
        let name = std::str::from_utf8(bytes)
            .map_err(|_| bad(at, format!("name {i} is not valid UTF-8")))?;
        names.push(name.to_owned());
        at += 2 + n;
    }
    if at != names_end {
        return Err(bad(at, "name table length does not match its names".into()));
    }
    Ok(Toc { entries, names, start })
}

/// The expected length of a variable-width section (Str or `U32List`) with `count` elements,
/// `aux` payload elements of `elem` bytes and offsets of width `ow`, `None` on overflow.
pub(crate) fn var_section_len(count: u64, aux: u64, elem: u64, ow: u64) -> Option<u64> {
    let offsets = align_up(count.checked_add(1)?.checked_mul(ow)?, 8)?;
    offsets.checked_add(aux.checked_mul(elem)?)
}

/// The expected length of a postings section with `pairs` records and `keys` distinct keys.
pub(crate) fn postings_section_len(pairs: u64, keys: u64, ow: u64) -> Option<u64> {
    let records = align_up(pairs.checked_mul(4)?, 8)?;
    let offsets = keys.checked_add(1)?.checked_mul(ow)?;
    records.checked_add(keys.checked_mul(8)?)?.checked_add(offsets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_crc() {
        let h = Header {
            version: FORMAT_VERSION,
            record_count: 130_000,
            block_records: 65_536,
            column_count: 7,
            block_count: 2,
        };
        let mut bytes = h.encode().to_vec();
        assert_eq!(&bytes[..8], b"\x89VNL\r\n\x1a\n");
        assert_eq!(Header::decode(&bytes), Ok(h));
        assert_eq!(h.block_len(0), 65_536);
        assert_eq!(h.block_len(1), 130_000 - 65_536);
        bytes[20] ^= 1;
        assert!(matches!(Header::decode(&bytes), Err(Fault::Checksum { .. })));
    }

    #[test]
    fn header_rejects_bad_inputs_without_panicking() {
        for len in 0..HEADER_LEN {
            let h = Header {
                version: 1,
                record_count: 0,
                block_records: 1,
                column_count: 0,
                block_count: 0,
            };
            let bytes = h.encode();
            assert!(Header::decode(&bytes[..len]).is_err(), "len {len}");
        }
        assert!(matches!(Header::decode(b"PK\x03\x04 zip file"), Err(Fault::Corrupt { .. })));
        let mut newer = Header {
            version: 2,
            record_count: 0,
            block_records: 1,
            column_count: 0,
            block_count: 0,
        }
        .encode();
        assert_eq!(Header::decode(&newer), Err(Fault::Version(2)));
        newer[HEADER_VERSION_OFFSET] = 0;
        assert_eq!(Header::decode(&newer), Err(Fault::Version(0)));
    }

    #[test]
    fn section_lengths_do_not_overflow() {
        assert_eq!(var_section_len(3, 10, 1, 4), Some(16 + 10));
        assert_eq!(var_section_len(u64::MAX, 1, 1, 8), None);
        assert_eq!(postings_section_len(3, 2, 4), Some(16 + 16 + 12));
        assert_eq!(postings_section_len(1, u64::MAX / 4, 8), None);
        assert_eq!(align_up(u64::MAX, 64), None);
    }

    #[test]
    fn record_widths_are_checked() {
        for w in [8, 16, 96, 4096] {
            assert_eq!(check_width(ColumnType::Record, w), Ok(()), "{w}");
        }
        for w in [0, 1, 4, 12, 95, 4097, 4104, u32::MAX] {
            assert!(check_width(ColumnType::Record, w).is_err(), "{w}");
        }
        assert_eq!(check_width(ColumnType::U64, 0), Ok(()));
        assert!(
            check_width(ColumnType::U64, 8)
                .unwrap_err()
                .to_string()
                .contains("only record columns")
        );
    }

    #[test]
    fn enums_round_trip_through_their_tags() {
        for t in 1..=7u8 {
            assert_eq!(ColumnType::try_from(t).map(|c| c as u8), Ok(t));
        }
        assert_eq!(ColumnType::try_from(0), Err(0));
        assert_eq!(ColumnType::try_from(8), Err(8));
        assert_eq!(SectionKind::try_from(4), Err(4));
    }
}
