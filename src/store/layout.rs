//! The shape of a store: records per block and the column schema ([`StoreLayout`],
//! [`ColumnSpec`]), and the encoding of the schema section.
//!
//! Invariants of a valid layout: `block_records > 0`, at least one column, column names unique,
//! non-empty and at most [`MAX_NAME_LEN`] bytes.

use serde::{Deserialize, Serialize};

use super::format::{ColumnType, MAX_NAME_LEN};

/// Default number of records per block.
pub const DEFAULT_BLOCK_RECORDS: u32 = 65_536;

/// One column: its name and its type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnSpec {
    /// The column's name, unique in the store.
    pub name: String,
    /// The column's type.
    pub ty: ColumnType,
}

/// The shape of a store: how many records a block holds and which columns each record has.
///
/// ```
/// use vnlink::store::{ColumnType, StoreLayout};
/// let layout = StoreLayout::new(65_536)
///     .column("full_name", ColumnType::Str)
///     .column("dob", ColumnType::U32)
///     .column("name_tokens", ColumnType::U32List);
/// assert_eq!(layout.columns().len(), 3);
/// assert_eq!(layout.column_index("dob"), Some(1));
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

    /// Adds a column (builder style). Names are checked by [`StoreLayout::validate`].
    #[must_use]
    pub fn column(mut self, name: impl Into<String>, ty: ColumnType) -> Self {
        self.columns.push(ColumnSpec { name: name.into(), ty });
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
    pub fn validate(&self) -> Result<(), String> {
        if self.block_records == 0 {
            return Err("records per block must be at least 1".into());
        }
        if self.columns.is_empty() {
            return Err("a store needs at least one column".into());
        }
        if u32::try_from(self.columns.len()).is_err() {
            return Err("too many columns".into());
        }
        for (i, c) in self.columns.iter().enumerate() {
            if c.name.is_empty() || c.name.len() > MAX_NAME_LEN {
                return Err(format!("column {i}: name must be 1 to {MAX_NAME_LEN} bytes"));
            }
            if self.columns[..i].iter().any(|d| d.name == c.name) {
                return Err(format!("column `{}` is defined twice", c.name));
            }
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct SchemaEntry {
    name: String,
    ty: u8,
}

/// Encodes the column schema for the schema section (postcard).
pub(crate) fn encode_schema(columns: &[ColumnSpec]) -> Vec<u8> {
    let entries: Vec<SchemaEntry> =
        columns.iter().map(|c| SchemaEntry { name: c.name.clone(), ty: c.ty as u8 }).collect();
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
            Ok(ColumnSpec { name: e.name, ty })
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
            .column("tokens", ColumnType::U32List);
        assert_eq!(l.validate(), Ok(()));
        assert_eq!(decode_schema(&encode_schema(l.columns())).unwrap(), l.columns());
        assert!(decode_schema(&[0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn invalid_layouts_are_refused() {
        assert!(StoreLayout::new(0).column("a", ColumnType::U8).validate().is_err());
        assert!(StoreLayout::new(8).validate().is_err());
        let dup = StoreLayout::new(8).column("a", ColumnType::U8).column("a", ColumnType::U16);
        assert!(dup.validate().unwrap_err().contains("twice"));
    }
}
