//! Typed, zero-copy views of a store's columns and the in-memory column buffers the writer
//! fills.
//!
//! Views borrow the [`Store`](super::Store) they come from and hold slices of its bytes that
//! were validated once (checksum, bounds, alignment, offsets, UTF-8): after that, `get` is a
//! couple of loads and never fails on a valid index. Casts go through
//! `bytemuck::try_cast_slice`, which reports misalignment as an error instead of panicking.
//!
//! Main types: [`FixedType`] (u8/u16/u32/u64), [`Column`], [`RecordColumn`] (any
//! `bytemuck::Pod` struct of a `Record` column's width and alignment at most 8),
//! [`VarBlock`]/[`VarColumn`] (as [`StrBlock`]/[`StrColumn`], [`ListBlock`]/[`ListColumn`]),
//! [`Offsets`], and on the writing
//! side [`ColumnBuf`], [`VarBuf`] (as [`StrBuf`], [`ListBuf`]), [`RecordBuf`].
//!
//! Record views are sound without `unsafe` because a Record column's width is a multiple of 8,
//! sections start at multiples of 64 and the store's bytes start 8-byte aligned: every record
//! starts 8-byte aligned, and `try_cast_slice` checks it anyway.

use std::fmt;
use std::ops::Range;

use super::format::{ColumnType, check_width};
use super::layout::ColumnSpec;
use crate::error::LayoutError;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}

    /// What the reader needs of a variable-width payload.
    pub trait SealedVar {
        /// Bytes per payload element.
        const ELEM: u64;
        /// A section's payload viewed as `Self`, or why it cannot be.
        fn view(payload: &[u8]) -> Result<&Self, String>;
    }

    impl SealedVar for str {
        const ELEM: u64 = 1;
        fn view(payload: &[u8]) -> Result<&str, String> {
            simdutf8::basic::from_utf8(payload).map_err(|_| "invalid UTF-8".into())
        }
    }

    impl SealedVar for [u32] {
        const ELEM: u64 = 4;
        fn view(payload: &[u8]) -> Result<&[u32], String> {
            bytemuck::try_cast_slice(payload).map_err(|e| format!("cannot view as u32: {e:?}"))
        }
    }

    /// What a [`VarBuf`](super::VarBuf) needs of its payload.
    pub trait SealedPayload {
        /// Number of payload elements (bytes or values).
        fn payload_len(&self) -> usize;
        /// Empties the payload, keeping the allocation.
        fn clear_payload(&mut self);
    }

    impl SealedPayload for String {
        fn payload_len(&self) -> usize {
            self.len()
        }
        fn clear_payload(&mut self) {
            self.clear();
        }
    }

    impl SealedPayload for Vec<u32> {
        fn payload_len(&self) -> usize {
            self.len()
        }
        fn clear_payload(&mut self) {
            self.clear();
        }
    }
}

/// A fixed-width column element type: `u8`, `u16`, `u32` or `u64`.
pub trait FixedType: bytemuck::Pod + sealed::Sealed + Send + Sync + 'static {
    /// The column type holding this element type.
    const TYPE: ColumnType;
    /// The vector of a column buffer of this type, `None` if the buffer has another type.
    fn buf_mut(buf: &mut ColumnBuf) -> Option<&mut Vec<Self>>;
    /// The slice of a column buffer of this type, `None` if the buffer has another type.
    fn buf(buf: &ColumnBuf) -> Option<&[Self]>;
}

macro_rules! fixed_type {
    ($t:ty, $variant:ident) => {
        impl FixedType for $t {
            const TYPE: ColumnType = ColumnType::$variant;
            fn buf_mut(buf: &mut ColumnBuf) -> Option<&mut Vec<Self>> {
                match buf {
                    ColumnBuf::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn buf(buf: &ColumnBuf) -> Option<&[Self]> {
                match buf {
                    ColumnBuf::$variant(v) => Some(v),
                    _ => None,
                }
            }
        }
    };
}
fixed_type!(u8, U8);
fixed_type!(u16, U16);
fixed_type!(u32, U32);
fixed_type!(u64, U64);

/// Maps a global record index to (block, index in block).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockIndex {
    block_records: u64,
    shift: Option<u32>,
}

impl BlockIndex {
    pub(crate) fn new(block_records: u32) -> Self {
        let br = u64::from(block_records.max(1));
        BlockIndex { block_records: br, shift: br.is_power_of_two().then(|| br.trailing_zeros()) }
    }

    #[inline]
    pub(crate) fn split(self, record: u64) -> (usize, usize) {
        match self.shift {
            Some(s) => ((record >> s) as usize, (record & (self.block_records - 1)) as usize),
            None => {
                ((record / self.block_records) as usize, (record % self.block_records) as usize)
            }
        }
    }
}

/// A validated fixed-width column across all blocks.
#[derive(Clone, Debug)]
pub struct Column<'s, T> {
    pub(crate) blocks: Vec<&'s [T]>,
    pub(crate) index: BlockIndex,
    pub(crate) len: u64,
}

impl<'s, T: FixedType> Column<'s, T> {
    /// Number of records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the store has no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of record `record` (global index).
    ///
    /// # Panics
    /// If `record >= self.len()`, like slice indexing.
    #[inline]
    pub fn get(&self, record: u64) -> T {
        let (b, i) = self.index.split(record);
        self.blocks[b][i]
    }

    /// The value of record `record`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, record: u64) -> Option<T> {
        let (b, i) = self.index.split(record);
        self.blocks.get(b)?.get(i).copied()
    }

    /// The values of block `block`.
    ///
    /// # Panics
    /// If `block` is not a block of the store.
    pub fn block(&self, block: u32) -> &'s [T] {
        self.blocks[block as usize]
    }

    /// Every block's values, in order.
    pub fn blocks(&self) -> &[&'s [T]] {
        &self.blocks
    }

    /// All values in record order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter().copied())
    }
}

/// Checks that `T` can hold the records of a Record column of `width` bytes: the same size
/// and an alignment of at most 8 (what the format guarantees). The error says what differs.
pub(crate) fn check_record_type<T: bytemuck::Pod>(width: u32) -> Result<(), LayoutError> {
    let (size, align) = (size_of::<T>(), align_of::<T>());
    let ty = std::any::type_name::<T>();
    if u32::try_from(size).ok() != Some(width) {
        return Err(LayoutError::RecordSize { width, ty, size });
    }
    if align > 8 {
        return Err(LayoutError::RecordAlign { ty, align, max: 8 });
    }
    Ok(())
}

/// The error of viewing a [`RecordBuf`]'s words as `T`s (which [`check_record_type`] makes
/// impossible: kept as an error rather than a panic).
fn cast_error<T>(e: bytemuck::PodCastError) -> LayoutError {
    LayoutError::Cast { ty: std::any::type_name::<T>(), reason: format!("{e:?}") }
}

/// A validated `Record` column across all blocks: one `T` per record, viewed in place.
///
/// `T` is a plain-old-data struct (`bytemuck::Pod`, usually `#[repr(C)]`) whose size is the
/// column's width and whose alignment is at most 8;
/// [`Store::record_column`](super::Store::record_column) checks both. Records are large, so
/// `get` returns a reference.
#[derive(Clone)]
pub struct RecordColumn<'s, T> {
    pub(crate) blocks: Vec<&'s [T]>,
    pub(crate) index: BlockIndex,
    pub(crate) len: u64,
}

impl<T> fmt::Debug for RecordColumn<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordColumn")
            .field("type", &std::any::type_name::<T>())
            .field("len", &self.len)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl<'s, T: bytemuck::Pod> RecordColumn<'s, T> {
    /// Number of records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the store has no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The record `record` (global index).
    ///
    /// # Panics
    /// If `record >= self.len()`, like slice indexing.
    #[inline]
    pub fn get(&self, record: u64) -> &'s T {
        let (b, i) = self.index.split(record);
        &self.blocks[b][i]
    }

    /// The record `record`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, record: u64) -> Option<&'s T> {
        let (b, i) = self.index.split(record);
        self.blocks.get(b)?.get(i)
    }

    /// The records of block `block`.
    ///
    /// # Panics
    /// If `block` is not a block of the store.
    pub fn block(&self, block: u32) -> &'s [T] {
        self.blocks[block as usize]
    }

    /// Every block's records, in order.
    pub fn blocks(&self) -> &[&'s [T]] {
        &self.blocks
    }

    /// All records in record order.
    pub fn iter(&self) -> impl Iterator<Item = &'s T> + '_ {
        self.blocks.iter().flat_map(|b| b.iter())
    }
}

/// The offsets of a variable-width section: u32 or u64 on disk.
#[derive(Clone, Copy, Debug)]
pub enum Offsets<'s> {
    /// u32 offsets.
    Narrow(&'s [u32]),
    /// u64 offsets.
    Wide(&'s [u64]),
}

impl Offsets<'_> {
    /// Number of offsets (elements + 1).
    pub fn len(&self) -> usize {
        match self {
            Offsets::Narrow(o) => o.len(),
            Offsets::Wide(o) => o.len(),
        }
    }

    /// Whether there is no offset at all (never the case in a valid section).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offset number `i`, `None` if out of range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<usize> {
        match self {
            Offsets::Narrow(o) => o.get(i).map(|&v| v as usize),
            Offsets::Wide(o) => o.get(i).map(|&v| v as usize),
        }
    }

    /// The range of element `i`: `offsets[i]..offsets[i + 1]`.
    #[inline]
    pub fn range(&self, i: usize) -> Option<Range<usize>> {
        match self {
            Offsets::Narrow(o) => {
                let w = o.get(i..i.checked_add(2)?)?;
                Some(w[0] as usize..w[1] as usize)
            }
            Offsets::Wide(o) => {
                let w = o.get(i..i.checked_add(2)?)?;
                Some(w[0] as usize..w[1] as usize)
            }
        }
    }
}

/// The payload of a variable-width column: `str` (a `Str` column, one string per record) or
/// `[u32]` (a `U32List` column, one list per record).
pub trait VarItem: sealed::SealedVar + fmt::Debug + 'static {
    /// The column type holding this payload.
    const TYPE: ColumnType;
    /// What one element is called in messages (`string`, `list`).
    const WHAT: &'static str;
    /// Elements `range` of a payload, `None` if out of range.
    fn slice(&self, range: Range<usize>) -> Option<&Self>;
}

impl VarItem for str {
    const TYPE: ColumnType = ColumnType::Str;
    const WHAT: &'static str = "string";
    #[inline]
    fn slice(&self, range: Range<usize>) -> Option<&str> {
        self.get(range)
    }
}

impl VarItem for [u32] {
    const TYPE: ColumnType = ColumnType::U32List;
    const WHAT: &'static str = "list";
    #[inline]
    fn slice(&self, range: Range<usize>) -> Option<&[u32]> {
        self.get(range)
    }
}

/// A validated variable-width column of one block: offsets into a payload checked once (for
/// strings, UTF-8 and character boundaries): `get(i)` is then a plain slice. Used as
/// [`StrBlock`] and [`ListBlock`].
#[derive(Debug)]
pub struct VarBlock<'s, A: ?Sized> {
    pub(crate) offsets: Offsets<'s>,
    pub(crate) payload: &'s A,
}

impl<A: ?Sized> Clone for VarBlock<'_, A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A: ?Sized> Copy for VarBlock<'_, A> {}

/// A validated string column of one block: `get(i)` is a slice of an arena checked once for
/// UTF-8 and character boundaries.
pub type StrBlock<'s> = VarBlock<'s, str>;

/// A validated `u32`-list column of one block.
pub type ListBlock<'s> = VarBlock<'s, [u32]>;

impl<'s, A: VarItem + ?Sized> VarBlock<'s, A> {
    /// Number of elements (strings or lists).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether the block has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[inline]
    pub fn get(&self, i: usize) -> &'s A {
        match self.try_get(i) {
            Some(s) => s,
            None => panic!("{} index {i} out of range for a block of {}", A::WHAT, self.len()),
        }
    }

    /// Element `i`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, i: usize) -> Option<&'s A> {
        self.payload.slice(self.offsets.range(i)?)
    }

    /// The offsets into the payload.
    pub fn offsets(&self) -> Offsets<'s> {
        self.offsets
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = &'s A> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

impl<'s> VarBlock<'s, str> {
    /// The whole arena (all strings of the block, concatenated).
    pub fn arena(&self) -> &'s str {
        self.payload
    }
}

impl<'s> VarBlock<'s, [u32]> {
    /// All values of the block, concatenated.
    pub fn values(&self) -> &'s [u32] {
        self.payload
    }
}

/// A validated variable-width column across all blocks. Used as [`StrColumn`] and
/// [`ListColumn`].
#[derive(Debug)]
pub struct VarColumn<'s, A: ?Sized> {
    pub(crate) blocks: Vec<VarBlock<'s, A>>,
    pub(crate) index: BlockIndex,
    pub(crate) len: u64,
}

impl<A: ?Sized> Clone for VarColumn<'_, A> {
    fn clone(&self) -> Self {
        VarColumn { blocks: self.blocks.clone(), index: self.index, len: self.len }
    }
}

/// A validated string column across all blocks.
pub type StrColumn<'s> = VarColumn<'s, str>;

/// A validated `u32`-list column across all blocks.
pub type ListColumn<'s> = VarColumn<'s, [u32]>;

impl<'s, A: VarItem + ?Sized> VarColumn<'s, A> {
    /// Number of records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the store has no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The element (string or list) of record `record` (global index).
    ///
    /// # Panics
    /// If `record >= self.len()`.
    #[inline]
    pub fn get(&self, record: u64) -> &'s A {
        let (b, i) = self.index.split(record);
        self.blocks[b].get(i)
    }

    /// The element of record `record`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, record: u64) -> Option<&'s A> {
        let (b, i) = self.index.split(record);
        self.blocks.get(b)?.try_get(i)
    }

    /// Every block, in order.
    pub fn blocks(&self) -> &[VarBlock<'s, A>] {
        &self.blocks
    }

    /// All elements in record order.
    pub fn iter(&self) -> impl Iterator<Item = &'s A> + '_ {
        self.blocks.iter().flat_map(|b| (0..b.len()).map(move |i| b.get(i)))
    }
}

/// The values of one column of the block being built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnBuf {
    /// A `u8` column.
    U8(Vec<u8>),
    /// A `u16` column.
    U16(Vec<u16>),
    /// A `u32` column.
    U32(Vec<u32>),
    /// A `u64` column.
    U64(Vec<u64>),
    /// A string column.
    Str(StrBuf),
    /// A `u32`-list column.
    U32List(ListBuf),
    /// A fixed-width record column.
    Record(RecordBuf),
}

impl ColumnBuf {
    /// An empty buffer for a column of type `ty`. For [`ColumnType::Record`], whose width is
    /// not in `ty`, the buffer has width 0 and refuses every record: use
    /// [`ColumnBuf::for_spec`].
    pub fn new(ty: ColumnType) -> Self {
        match ty {
            ColumnType::Record => ColumnBuf::Record(RecordBuf::new(0)),
            ColumnType::U8 => ColumnBuf::U8(Vec::new()),
            ColumnType::U16 => ColumnBuf::U16(Vec::new()),
            ColumnType::U32 => ColumnBuf::U32(Vec::new()),
            ColumnType::U64 => ColumnBuf::U64(Vec::new()),
            ColumnType::Str => ColumnBuf::Str(StrBuf::default()),
            ColumnType::U32List => ColumnBuf::U32List(ListBuf::default()),
        }
    }

    /// An empty buffer for the column `spec` (with its width, for a Record column).
    pub fn for_spec(spec: &ColumnSpec) -> Self {
        match spec.ty {
            ColumnType::Record => ColumnBuf::Record(RecordBuf::new(spec.width)),
            ty => ColumnBuf::new(ty),
        }
    }

    /// The column type of this buffer.
    pub fn ty(&self) -> ColumnType {
        match self {
            ColumnBuf::U8(_) => ColumnType::U8,
            ColumnBuf::U16(_) => ColumnType::U16,
            ColumnBuf::U32(_) => ColumnType::U32,
            ColumnBuf::U64(_) => ColumnType::U64,
            ColumnBuf::Str(_) => ColumnType::Str,
            ColumnBuf::U32List(_) => ColumnType::U32List,
            ColumnBuf::Record(_) => ColumnType::Record,
        }
    }

    /// Number of records in the buffer.
    pub fn len(&self) -> usize {
        match self {
            ColumnBuf::U8(v) => v.len(),
            ColumnBuf::U16(v) => v.len(),
            ColumnBuf::U32(v) => v.len(),
            ColumnBuf::U64(v) => v.len(),
            ColumnBuf::Str(s) => s.len(),
            ColumnBuf::U32List(l) => l.len(),
            ColumnBuf::Record(r) => r.len(),
        }
    }

    /// Whether the buffer holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every record, keeping the allocations.
    pub fn clear(&mut self) {
        match self {
            ColumnBuf::U8(v) => v.clear(),
            ColumnBuf::U16(v) => v.clear(),
            ColumnBuf::U32(v) => v.clear(),
            ColumnBuf::U64(v) => v.clear(),
            ColumnBuf::Str(s) => s.clear(),
            ColumnBuf::U32List(l) => l.clear(),
            ColumnBuf::Record(r) => r.clear(),
        }
    }
}

/// The payload buffer of a [`VarBuf`]: `String` (a [`StrBuf`]) or `Vec<u32>` (a [`ListBuf`]).
pub trait VarPayload:
    sealed::SealedPayload + Clone + fmt::Debug + Default + PartialEq + Eq
{
}

impl VarPayload for String {}
impl VarPayload for Vec<u32> {}

/// Elements of one variable-width column of one block: the payload and end offsets (one per
/// element). Used as [`StrBuf`] and [`ListBuf`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VarBuf<P> {
    pub(crate) ends: Vec<u64>,
    pub(crate) payload: P,
}

/// Strings of one column of one block: an arena and end offsets.
pub type StrBuf = VarBuf<String>;

/// `u32` lists of one column of one block: the values and end offsets.
pub type ListBuf = VarBuf<Vec<u32>>;

impl<P: VarPayload> VarBuf<P> {
    /// Ends the element being appended.
    #[inline]
    fn end(&mut self) {
        self.ends.push(self.payload.payload_len() as u64);
    }

    /// Number of elements (strings or lists).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Removes every element, keeping the allocations.
    pub fn clear(&mut self) {
        self.ends.clear();
        self.payload.clear_payload();
    }
}

impl VarBuf<String> {
    /// Appends a string.
    #[inline]
    pub fn push(&mut self, s: &str) {
        self.payload.push_str(s);
        self.end();
    }
}

impl VarBuf<Vec<u32>> {
    /// Appends a list.
    #[inline]
    pub fn push(&mut self, list: &[u32]) {
        self.payload.extend_from_slice(list);
        self.end();
    }

    /// Appends a list given as an iterator.
    pub fn push_iter(&mut self, list: impl IntoIterator<Item = u32>) {
        self.payload.extend(list);
        self.end();
    }
}

/// Fixed-width records of one `Record` column of one block, `width` bytes each, kept in 8-byte
/// words so that they can also be viewed as `&[T]`.
///
/// Typed methods take any `bytemuck::Pod` type `T` whose size is the width and whose alignment
/// is at most 8, and return an error (never panic) for any other; nothing is appended then.
///
/// ```
/// use vnlink::store::RecordBuf;
/// #[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
/// #[repr(C)]
/// struct Pair { id: u64, dob: u32, year: u16, sex: u8, flags: u8 }
/// let mut buf = RecordBuf::new(16);
/// buf.push(&Pair { id: 7, dob: 19_900_101, year: 1990, sex: 1, flags: 0 }).unwrap();
/// buf.extend_from_slice(&[Pair { id: 8, dob: 0, year: 0, sex: 2, flags: 0 }; 2]).unwrap();
/// assert_eq!(buf.len(), 3);
/// assert_eq!(buf.as_slice::<Pair>().unwrap()[1].id, 8);
/// assert!(buf.push(&0u32).is_err()); // 4 bytes, not 16
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBuf {
    width: u32,
    words: Vec<u64>,
}

impl RecordBuf {
    /// An empty buffer of records of `width` bytes. A width the format does not allow (not a
    /// multiple of 8 in `8..=4096`) gives a buffer that refuses every record.
    pub fn new(width: u32) -> Self {
        RecordBuf { width, words: Vec::new() }
    }

    /// Bytes per record.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        if self.width == 0 { 0 } else { self.words.len() * 8 / self.width as usize }
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Removes every record, keeping the allocation.
    pub fn clear(&mut self) {
        self.words.clear();
    }

    fn check_width(&self) -> Result<(), LayoutError> {
        check_width(ColumnType::Record, self.width)
    }

    /// Whether a record of `len` bytes can be appended; the error says why not.
    pub(crate) fn check_bytes(&self, len: usize) -> Result<(), LayoutError> {
        self.check_width()?;
        if len != self.width as usize {
            return Err(LayoutError::RecordLen { width: self.width, len });
        }
        Ok(())
    }

    /// Appends one record given as its `width` bytes.
    pub fn push_bytes(&mut self, record: &[u8]) -> Result<(), LayoutError> {
        self.check_bytes(record.len())?;
        self.append(record);
        Ok(())
    }

    /// Appends one record.
    pub fn push<T: bytemuck::Pod>(&mut self, record: &T) -> Result<(), LayoutError> {
        self.check_width()?;
        check_record_type::<T>(self.width)?;
        self.append(bytemuck::bytes_of(record));
        Ok(())
    }

    /// Appends records.
    pub fn extend_from_slice<T: bytemuck::Pod>(
        &mut self,
        records: &[T],
    ) -> Result<(), LayoutError> {
        self.check_width()?;
        check_record_type::<T>(self.width)?;
        self.append(bytemuck::cast_slice(records));
        Ok(())
    }

    /// Appends whole records' bytes (a multiple of the width, itself a multiple of 8).
    fn append(&mut self, bytes: &[u8]) {
        let at = self.words.len();
        self.words.resize(at + bytes.len() / 8, 0);
        bytemuck::cast_slice_mut::<u64, u8>(&mut self.words[at..]).copy_from_slice(bytes);
    }

    /// The records as `T`s.
    pub fn as_slice<T: bytemuck::Pod>(&self) -> Result<&[T], LayoutError> {
        check_record_type::<T>(self.width)?;
        bytemuck::try_cast_slice(&self.words).map_err(cast_error::<T>)
    }

    /// The records as `T`s, to edit in place.
    pub fn as_mut_slice<T: bytemuck::Pod>(&mut self) -> Result<&mut [T], LayoutError> {
        check_record_type::<T>(self.width)?;
        bytemuck::try_cast_slice_mut(&mut self.words).map_err(cast_error::<T>)
    }

    /// The records' bytes, `len() * width()` of them.
    pub fn as_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_index_splits_power_of_two_and_others() {
        let p = BlockIndex::new(4);
        assert_eq!(p.split(0), (0, 0));
        assert_eq!(p.split(9), (2, 1));
        let q = BlockIndex::new(3);
        assert_eq!(q.split(7), (2, 1));
    }

    #[test]
    fn offsets_ranges_are_checked() {
        let o = [0u32, 3, 3, 8];
        let off = Offsets::Narrow(&o);
        assert_eq!(off.range(0), Some(0..3));
        assert_eq!(off.range(1), Some(3..3));
        assert_eq!(off.range(2), Some(3..8));
        assert_eq!(off.range(3), None);
        assert_eq!(off.range(usize::MAX), None);
        let arena = "NguyễnAn";
        let b = StrBlock { offsets: Offsets::Narrow(&[0, 8, 10]), payload: arena };
        assert_eq!(b.get(0), "Nguyễn");
        assert_eq!(b.get(1), "An");
        assert_eq!(b.try_get(2), None);
    }

    #[test]
    fn buffers_track_lengths() {
        let mut s = StrBuf::default();
        s.push("Trần Thị Bích");
        s.push("");
        assert_eq!(s.len(), 2);
        let n = "Trần Thị Bích".len() as u64;
        assert_eq!(s.ends, vec![n, n]);
        let mut l = ListBuf::default();
        l.push(&[1, 2]);
        l.push_iter([3]);
        assert_eq!(l.ends, vec![2, 3]);
        let mut c = ColumnBuf::new(ColumnType::U16);
        u16::buf_mut(&mut c).unwrap().push(1990);
        assert!(u32::buf_mut(&mut c).is_none());
        assert_eq!(c.len(), 1);
        c.clear();
        assert!(c.is_empty());
    }

    #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C)]
    struct Person {
        id: u64,
        dob: u32,
        year: u16,
        sex: u8,
        province: u8,
    }

    #[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C, align(16))]
    struct Wide {
        a: [u64; 2],
    }

    #[test]
    fn record_buffers_check_sizes_and_alignment() {
        let hoa = Person { id: 1, dob: 19_900_101, year: 1990, sex: 2, province: 1 };
        let mut b = RecordBuf::new(16);
        b.push(&hoa).unwrap();
        b.extend_from_slice(&[hoa, hoa]).unwrap();
        b.push_bytes(bytemuck::bytes_of(&hoa)).unwrap();
        assert_eq!((b.len(), b.as_bytes().len()), (4, 64));
        b.as_mut_slice::<Person>().unwrap()[3].year = 1991;
        assert_eq!(b.as_slice::<Person>().unwrap()[3].year, 1991);
        assert_eq!(b.as_slice::<Person>().unwrap()[..3], [hoa; 3]);
        // Wrong size or alignment: an error, and nothing appended.
        assert!(b.push(&0u64).unwrap_err().to_string().contains("16 bytes"));
        assert!(b.push_bytes(&[0; 15]).is_err());
        assert!(b.push(&Wide { a: [0; 2] }).unwrap_err().to_string().contains("aligned to 16"));
        assert!(b.as_slice::<[u32; 3]>().is_err());
        assert_eq!(b.len(), 4);
        // Widths the format refuses.
        for w in [0, 12, 8192] {
            let mut bad = RecordBuf::new(w);
            assert!(bad.push_bytes(&vec![0; w as usize]).is_err(), "{w}");
            assert!(bad.is_empty());
        }
        let mut c = ColumnBuf::new(ColumnType::Record);
        assert_eq!((c.ty(), c.len()), (ColumnType::Record, 0));
        let spec = ColumnSpec { name: "hồ_sơ".into(), ty: ColumnType::Record, width: 16 };
        c = ColumnBuf::for_spec(&spec);
        if let ColumnBuf::Record(r) = &mut c {
            r.push(&hoa).unwrap();
        }
        assert_eq!(c.len(), 1);
        c.clear();
        assert!(c.is_empty());
    }
}
