//! The shape of a store: records per block and the column schema ([`StoreLayout`],
//! [`ColumnSpec`]), and the encoding of the schema section.
//!
//! Invariants of a valid layout: `block_records > 0`, at least one column, column names unique,
//! non-empty and at most [`MAX_NAME_LEN`] bytes; a `Record` column's width is a multiple of 8
//! in `8..=4096` ([`RECORD_WIDTH_ALIGN`](super::format::RECORD_WIDTH_ALIGN),
//! [`MAX_RECORD_WIDTH`](super::format::MAX_RECORD_WIDTH)), every other column's width is 0.

use serde::{Deserialize, Serialize};

use super::format::{ColumnType, MAX_NAME_LEN, check_width};
use crate::error::LayoutError;

/// Default number of records per block.
pub const DEFAULT_BLOCK_RECORDS: u32 = 65_536;

/// One column: its name, its type and, for a `Record` column, its width.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnSpec {
    /// The column's name, unique in the store.
    pub name: String,
    /// The column's type.
    pub ty: ColumnType,
    /// Bytes per record of a [`ColumnType::Record`] column, a multiple of 8 in `8..=4096`
    /// ([`RECORD_WIDTH_ALIGN`](super::format::RECORD_WIDTH_ALIGN),
    /// [`MAX_RECORD_WIDTH`](super::format::MAX_RECORD_WIDTH)); 0 for every other type.
    pub width: u32,
}

impl ColumnSpec {
    /// The bytes each record takes in a fixed-width column (`U8` to `U64`, `Record`), `None`
    /// for `Str` and `U32List`.
    pub fn element_width(&self) -> Option<u64> {
        match self.ty {
            ColumnType::Record => Some(u64::from(self.width)),
            ty => ty.fixed_width(),
        }
    }

    /// The type as shown to users: `u32`, `str`, … and `record[96]` for a Record column of
    /// 96 bytes.
    pub fn type_label(&self) -> String {
        match self.ty {
            ColumnType::Record => format!("record[{}]", self.width),
            ty => ty.as_str().to_owned(),
        }
    }
}

/// The shape of a store: how many records a block holds and which columns each record has.
///
/// ```
/// use vnlink::store::{ColumnType, StoreLayout};
/// let layout = StoreLayout::new(65_536)
///     .column("full_name", ColumnType::Str)
///     .column("dob", ColumnType::U32)
///     .column("name_tokens", ColumnType::U32List)
///     .record_column("features", 96);
/// assert_eq!(layout.columns().len(), 4);
/// assert_eq!(layout.column_index("dob"), Some(1));
/// assert_eq!(layout.columns()[3].width, 96);
/// assert_eq!(layout.validate(), Ok(()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreLayout {
    block_records: u32,
    columns: Vec<ColumnSpec>,
}

impl StoreLayout {
    /// A layout with `block_records` records per block and no column yet.
    pub fn new(block_records: u32) -> Self {
        StoreLayout { block_records, columns: Vec::new() }
    }

    /// Adds a column (builder style). Names are checked by [`StoreLayout::validate`]. For a
    /// [`ColumnType::Record`] column use [`StoreLayout::record_column`], which sets its width
    /// (here it would be 0, which `validate` refuses).
    #[must_use]
    pub fn column(mut self, name: impl Into<String>, ty: ColumnType) -> Self {
        self.columns.push(ColumnSpec { name: name.into(), ty, width: 0 });
        self
    }

    /// Adds a [`ColumnType::Record`] column of `width` bytes per record (builder style), for
    /// a `#[repr(C)]` plain-old-data struct `T` with `width == size_of::<T>()` and
    /// `align_of::<T>() <= 8`. The width is checked by [`StoreLayout::validate`]: a multiple of
    /// 8 in `8..=4096`.
    #[must_use]
    pub fn record_column(mut self, name: impl Into<String>, width: u32) -> Self {
        self.columns.push(ColumnSpec { name: name.into(), ty: ColumnType::Record, width });
        self
    }

    /// Records per block.
    pub fn block_records(&self) -> u32 {
        self.block_records
    }

    /// The columns, in order; a column's id is its index here.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.columns
    }

    /// The id of the column called `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Checks the invariants listed in the module docs; the error says what is wrong.
    pub fn validate(&self) -> Result<(), LayoutError> {
        if self.block_records == 0 {
            return Err(LayoutError::NoBlockRecords);
        }
        if self.columns.is_empty() {
            return Err(LayoutError::NoColumns);
        }
        if u32::try_from(self.columns.len()).is_err() {
            return Err(LayoutError::TooManyColumns);
        }
        for (i, c) in self.columns.iter().enumerate() {
            if c.name.is_empty() || c.name.len() > MAX_NAME_LEN {
                return Err(LayoutError::ColumnName { index: i, max: MAX_NAME_LEN });
            }
            if self.columns[..i].iter().any(|d| d.name == c.name) {
                return Err(LayoutError::DuplicateColumn { name: c.name.clone() });
            }
            check_width(c.ty, c.width)
                .map_err(|e| LayoutError::InColumn { name: c.name.clone(), error: Box::new(e) })?;
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct SchemaEntry {
    name: String,
    ty: u8,
    width: u32,
}

/// Encodes the column schema for the schema section (postcard).
pub(crate) fn encode_schema(columns: &[ColumnSpec]) -> Vec<u8> {
    let entries: Vec<SchemaEntry> = columns
        .iter()
        .map(|c| SchemaEntry { name: c.name.clone(), ty: c.ty as u8, width: c.width })
        .collect();
    // Serialising strings and bytes into a Vec cannot fail.
    postcard::to_allocvec(&entries).unwrap_or_default()
}

/// Decodes the schema section; the error is a reason for [`crate::Error::Corrupt`].
pub(crate) fn decode_schema(bytes: &[u8]) -> Result<Vec<ColumnSpec>, String> {
    let entries: Vec<SchemaEntry> =
        postcard::from_bytes(bytes).map_err(|e| format!("undecodable schema: {e}"))?;
    entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let ty = ColumnType::try_from(e.ty)
                .map_err(|t| format!("column {i} (`{}`): unknown type tag {t}", e.name))?;
            check_width(ty, e.width).map_err(|r| format!("column {i} (`{}`): {r}", e.name))?;
            Ok(ColumnSpec { name: e.name, ty, width: e.width })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_round_trip() {
        let l = StoreLayout::new(4)
            .column("họ_tên", ColumnType::Str)
            .column("năm_sinh", ColumnType::U16)
            .column("tokens", ColumnType::U32List)
            .record_column("đặc_trưng", 96);
        assert_eq!(l.validate(), Ok(()));
        assert_eq!(decode_schema(&encode_schema(l.columns())).unwrap(), l.columns());
        assert!(decode_schema(&[0xff, 0xff, 0xff]).is_err());
        let spec = &l.columns()[3];
        assert_eq!((spec.element_width(), spec.type_label().as_str()), (Some(96), "record[96]"));
        assert_eq!(l.columns()[1].element_width(), Some(2));
        assert_eq!(l.columns()[0].element_width(), None);
        assert_eq!(l.columns()[0].type_label(), "str");
    }

    #[test]
    fn schema_widths_are_checked_when_decoding() {
        let bad = |ty: ColumnType, width: u32| {
            encode_schema(&[ColumnSpec { name: "x".into(), ty, width }])
        };
        assert!(decode_schema(&bad(ColumnType::Record, 20)).unwrap_err().contains("width 20"));
        assert!(decode_schema(&bad(ColumnType::Record, 0)).is_err());
        assert!(decode_schema(&bad(ColumnType::Record, 8192)).is_err());
        assert!(decode_schema(&bad(ColumnType::U32, 4)).unwrap_err().contains("only record"));
        assert!(decode_schema(&bad(ColumnType::Record, 4096)).is_ok());
    }

    #[test]
    fn invalid_layouts_are_refused() {
        assert!(StoreLayout::new(0).column("a", ColumnType::U8).validate().is_err());
        assert!(StoreLayout::new(8).validate().is_err());
        let dup = StoreLayout::new(8).column("a", ColumnType::U8).column("a", ColumnType::U16);
        assert!(dup.validate().unwrap_err().to_string().contains("twice"));
        for w in [0, 12, 4100] {
            let l = StoreLayout::new(8).record_column("hồ_sơ", w);
            assert!(l.validate().unwrap_err().to_string().contains("`hồ_sơ`"), "{w}");
        }
        let untyped = StoreLayout::new(8).column("hồ_sơ", ColumnType::Record);
        assert!(untyped.validate().unwrap_err().to_string().contains("width 0"));
    }
}
