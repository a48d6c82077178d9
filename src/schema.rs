//! Field kinds and the mapping of input columns to them.
//!
//! A [`Schema`] says which column of an input holds which kind of field. Matching works on kinds:
//! every kind has its normaliser, its stored columns, its comparison levels and its blocking keys.

use serde::{Deserialize, Serialize};

/// The kind of a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// The record's identifier in its source (kept as text, never compared).
    RecordId,
    /// A full person name ("Nguyễn Văn An").
    Name,
    /// A date of birth.
    Dob,
    /// Sex.
    Sex,
    /// A postal address.
    Address,
    /// A national identity number (12-digit CCCD or 9-digit CMND).
    NationalId,
    /// A phone number.
    Phone,
}

impl FieldKind {
    /// The name used in configs, on the command line and in the standard CSV header.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::RecordId => "record_id",
            FieldKind::Name => "full_name",
            FieldKind::Dob => "dob",
            FieldKind::Sex => "sex",
            FieldKind::Address => "address",
            FieldKind::NationalId => "id_number",
            FieldKind::Phone => "phone",
        }
    }

    /// Every kind, in the order of the standard header.
    pub const ALL: [FieldKind; 7] = [
        FieldKind::RecordId,
        FieldKind::Name,
        FieldKind::Dob,
        FieldKind::Sex,
        FieldKind::Address,
        FieldKind::NationalId,
        FieldKind::Phone,
    ];

    /// Parses a kind from its name (as in [`FieldKind::as_str`]) or a common alias.
    pub fn parse(s: &str) -> Option<FieldKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "record_id" | "id" => FieldKind::RecordId,
            "full_name" | "name" => FieldKind::Name,
            "dob" | "date_of_birth" | "birth_date" => FieldKind::Dob,
            "sex" | "gender" => FieldKind::Sex,
            "address" => FieldKind::Address,
            "id_number" | "national_id" | "cccd" | "cmnd" => FieldKind::NationalId,
            "phone" | "mobile" => FieldKind::Phone,
            _ => return None,
        })
    }
}

impl std::fmt::Display for FieldKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which input column holds which field kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// `(kind, column index, header text)`, at most one column per kind.
    pub columns: Vec<ColumnMapping>,
}

/// One mapped column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The field kind.
    pub kind: FieldKind,
    /// 0-based column index in the input.
    pub index: usize,
    /// The header text as found in the input.
    pub header: String,
}

impl Schema {
    /// The column index of `kind`, if mapped.
    pub fn index_of(&self, kind: FieldKind) -> Option<usize> {
        self.columns.iter().find(|c| c.kind == kind).map(|c| c.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in FieldKind::ALL {
            assert_eq!(FieldKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FieldKind::parse("nonsense"), None);
    }
}
