//! Typed, zero-copy views of a store's columns and the in-memory column buffers the writer
//! fills.
//!
//! Views borrow the [`Store`](super::Store) they come from and hold slices of its bytes that
//! were validated once (checksum, bounds, alignment, offsets, UTF-8): after that, `get` is a
//! couple of loads and never fails on a valid index. Casts go through
//! `bytemuck::try_cast_slice`, which reports misalignment as an error instead of panicking.
//!
//! Main types: [`FixedType`] (u8/u16/u32/u64), [`Column`], [`StrBlock`]/[`StrColumn`],
//! [`ListBlock`]/[`ListColumn`], [`Offsets`], and on the writing side [`ColumnBuf`],
//! [`StrBuf`], [`ListBuf`].

use std::ops::Range;

use super::format::ColumnType;

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
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

/// A validated string column of one block: `get(i)` is a slice of an arena checked once for
/// UTF-8 and character boundaries.
#[derive(Clone, Copy, Debug)]
pub struct StrBlock<'s> {
    pub(crate) offsets: Offsets<'s>,
    pub(crate) arena: &'s str,
}

impl<'s> StrBlock<'s> {
    /// Number of strings.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether the block has no string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// String `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[inline]
    pub fn get(&self, i: usize) -> &'s str {
        match self.try_get(i) {
            Some(s) => s,
            None => panic!("string index {i} out of range for a block of {}", self.len()),
        }
    }

    /// String `i`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, i: usize) -> Option<&'s str> {
        self.arena.get(self.offsets.range(i)?)
    }

    /// The whole arena (all strings of the block, concatenated).
    pub fn arena(&self) -> &'s str {
        self.arena
    }

    /// The offsets into the arena.
    pub fn offsets(&self) -> Offsets<'s> {
        self.offsets
    }

    /// The strings in order.
    pub fn iter(&self) -> impl Iterator<Item = &'s str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A validated string column across all blocks.
#[derive(Clone, Debug)]
pub struct StrColumn<'s> {
    pub(crate) blocks: Vec<StrBlock<'s>>,
    pub(crate) index: BlockIndex,
    pub(crate) len: u64,
}

impl<'s> StrColumn<'s> {
    /// Number of records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the store has no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The string of record `record` (global index).
    ///
    /// # Panics
    /// If `record >= self.len()`.
    #[inline]
    pub fn get(&self, record: u64) -> &'s str {
        let (b, i) = self.index.split(record);
        self.blocks[b].get(i)
    }

    /// The string of record `record`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, record: u64) -> Option<&'s str> {
        let (b, i) = self.index.split(record);
        self.blocks.get(b)?.try_get(i)
    }

    /// Every block, in order.
    pub fn blocks(&self) -> &[StrBlock<'s>] {
        &self.blocks
    }

    /// All strings in record order.
    pub fn iter(&self) -> impl Iterator<Item = &'s str> + '_ {
        self.blocks.iter().flat_map(|b| (0..b.len()).map(move |i| b.get(i)))
    }
}

/// A validated `u32`-list column of one block.
#[derive(Clone, Copy, Debug)]
pub struct ListBlock<'s> {
    pub(crate) offsets: Offsets<'s>,
    pub(crate) values: &'s [u32],
}

impl<'s> ListBlock<'s> {
    /// Number of lists.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether the block has no list.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// List `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[inline]
    pub fn get(&self, i: usize) -> &'s [u32] {
        match self.try_get(i) {
            Some(s) => s,
            None => panic!("list index {i} out of range for a block of {}", self.len()),
        }
    }

    /// List `i`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, i: usize) -> Option<&'s [u32]> {
        self.values.get(self.offsets.range(i)?)
    }

    /// All values of the block, concatenated.
    pub fn values(&self) -> &'s [u32] {
        self.values
    }

    /// The lists in order.
    pub fn iter(&self) -> impl Iterator<Item = &'s [u32]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A validated `u32`-list column across all blocks.
#[derive(Clone, Debug)]
pub struct ListColumn<'s> {
    pub(crate) blocks: Vec<ListBlock<'s>>,
    pub(crate) index: BlockIndex,
    pub(crate) len: u64,
}

impl<'s> ListColumn<'s> {
    /// Number of records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the store has no record.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The list of record `record` (global index).
    ///
    /// # Panics
    /// If `record >= self.len()`.
    #[inline]
    pub fn get(&self, record: u64) -> &'s [u32] {
        let (b, i) = self.index.split(record);
        self.blocks[b].get(i)
    }

    /// The list of record `record`, `None` if out of range.
    #[inline]
    pub fn try_get(&self, record: u64) -> Option<&'s [u32]> {
        let (b, i) = self.index.split(record);
        self.blocks.get(b)?.try_get(i)
    }

    /// Every block, in order.
    pub fn blocks(&self) -> &[ListBlock<'s>] {
        &self.blocks
    }

    /// All lists in record order.
    pub fn iter(&self) -> impl Iterator<Item = &'s [u32]> + '_ {
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
}

impl ColumnBuf {
    /// An empty buffer for a column of type `ty`.
    pub fn new(ty: ColumnType) -> Self {
        match ty {
            ColumnType::U8 => ColumnBuf::U8(Vec::new()),
            ColumnType::U16 => ColumnBuf::U16(Vec::new()),
            ColumnType::U32 => ColumnBuf::U32(Vec::new()),
            ColumnType::U64 => ColumnBuf::U64(Vec::new()),
            ColumnType::Str => ColumnBuf::Str(StrBuf::default()),
            ColumnType::U32List => ColumnBuf::U32List(ListBuf::default()),
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
        }
    }
}

/// Strings of one column of one block: an arena and end offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StrBuf {
    pub(crate) ends: Vec<u64>,
    pub(crate) arena: String,
}

impl StrBuf {
    /// Appends a string.
    #[inline]
    pub fn push(&mut self, s: &str) {
        self.arena.push_str(s);
        self.ends.push(self.arena.len() as u64);
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no string.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Removes every string, keeping the allocations.
    pub fn clear(&mut self) {
        self.ends.clear();
        self.arena.clear();
    }
}

/// `u32` lists of one column of one block: the values and end offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListBuf {
    pub(crate) ends: Vec<u64>,
    pub(crate) values: Vec<u32>,
}

impl ListBuf {
    /// Appends a list.
    #[inline]
    pub fn push(&mut self, list: &[u32]) {
        self.values.extend_from_slice(list);
        self.ends.push(self.values.len() as u64);
    }

    /// Appends a list given as an iterator.
    pub fn push_iter(&mut self, list: impl IntoIterator<Item = u32>) {
        self.values.extend(list);
        self.ends.push(self.values.len() as u64);
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there is no list.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Removes every list, keeping the allocations.
    pub fn clear(&mut self) {
        self.ends.clear();
        self.values.clear();
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
        let b = StrBlock { offsets: Offsets::Narrow(&[0, 8, 10]), arena };
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
}
