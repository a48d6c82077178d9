//! The columns and global sections of a person store, and the metadata a build writes.

use serde::{Deserialize, Serialize};

use crate::block::Blocking;
use crate::compare::Features;
use crate::schema::{ExtraField, FieldKind, MAX_EXTRA};
use crate::store::{ColumnType, StoreLayout};

/// Column of the features.
pub const FEATURES: &str = "features";
/// Column of the record ids.
pub const RECORD_ID: &str = "record_id";
/// Columns of the original field texts, in [`FieldKind`] order (name, dob, sex, address, id, phone).
pub const RAW: [&str; 6] =
    ["raw.full_name", "raw.dob", "raw.sex", "raw.address", "raw.id_number", "raw.phone"];
/// The kinds of the raw columns ([`FieldKind::FIXED`]).
pub const RAW_KINDS: [FieldKind; 6] = FieldKind::FIXED;
/// Column of the canonical names.
pub const NAME_TEXT: &str = "name.text";
/// Column of the ASCII names.
pub const NAME_ASCII: &str = "name.ascii";
/// Column of the names' phonetic keys.
pub const NAME_PHONETIC: &str = "name.phonetic";
/// Column of the preparation warnings.
pub const WARNINGS: &str = "warnings";
/// Column of the extra fields' stored values (`[u64; MAX_EXTRA]` per record; only in stores
/// with extra fields).
pub const EXTRA_HASHES: &str = "extra.hashes";

/// The column of extra field `j`'s canonical texts.
pub fn extra_text_column(j: usize) -> String {
    format!("extra.{j}")
}

/// The column of extra field `j`'s original texts.
pub fn extra_raw_column(j: usize) -> String {
    format!("raw.extra.{j}")
}
/// Global section: build metadata (JSON).
pub const META: &str = "vnlink.meta";
/// Global section: name term frequencies (`u64` name hashes ascending, then `u32` counts).
pub const NAME_COUNTS: &str = "vnlink.name_counts";
/// Global section: the model saved with the store (JSON, as `model.json`), used by lookups.
pub const MODEL: &str = "vnlink.model";
/// Global sections: term frequencies of family names, given names and streets (the hashes of
/// `Features::family`, `Features::given` and `Features::street`, same layout as
/// [`NAME_COUNTS`]).
pub const PART_COUNTS: [&str; 3] = ["vnlink.tf.family", "vnlink.tf.given", "vnlink.tf.street"];
/// Prefix of the posting lists of the blocking rules.
pub const POSTINGS_PREFIX: &str = "block.";
/// Posting list of the records by their order-free ASCII name ([`Features::name_sorted`]), for
/// lookups whose other fields give no blocking key (a query with only a name).
pub const NAME_POSTINGS: &str = "lookup.name";

/// The posting list of a rule's blocks after `level + 1` splits: `block.<rule>/<level + 1>`.
pub fn split_postings_name(rule: &str, level: usize) -> String {
    format!("{POSTINGS_PREFIX}{rule}/{}", level + 1)
}

/// The layout of a person store.
pub fn layout(block_records: u32, extras: usize) -> StoreLayout {
    let mut l = StoreLayout::new(block_records)
        .record_column(FEATURES, std::mem::size_of::<Features>() as u32)
        .column(RECORD_ID, ColumnType::Str);
    for c in RAW {
        l = l.column(c, ColumnType::Str);
    }
    l = l
        .column(NAME_TEXT, ColumnType::Str)
        .column(NAME_ASCII, ColumnType::Str)
        .column(NAME_PHONETIC, ColumnType::Str)
        .column(WARNINGS, ColumnType::U32);
    if extras > 0 {
        l = l.record_column(EXTRA_HASHES, std::mem::size_of::<[u64; MAX_EXTRA]>() as u32);
        for j in 0..extras {
            l = l
                .column(extra_text_column(j), ColumnType::Str)
                .column(extra_raw_column(j), ColumnType::Str);
        }
    }
    l
}

/// Build metadata kept in the store.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BuildMeta {
    /// vnlink version that built the store.
    pub vnlink_version: String,
    /// Source file (empty for in-memory builds).
    pub source: String,
    /// Records stored.
    pub records: u64,
    /// Input rows skipped, by reason.
    pub skipped_by_reason: std::collections::BTreeMap<String, u64>,
    /// Rows read.
    pub rows_read: u64,
    /// Legacy encoding decided for the name and address columns.
    pub encodings: Vec<(String, String)>,
    /// The column mapping: (kind, header).
    pub columns: Vec<(String, String)>,
    /// Non-missing values per field.
    pub completeness: std::collections::BTreeMap<String, u64>,
    /// Records per preparation warning.
    pub warnings: std::collections::BTreeMap<String, u64>,
    /// The blocking rules whose posting lists the store holds.
    pub blocking: Blocking,
    /// The extra fields, in column order (`extra.0`, `extra.1`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<ExtraField>,
    /// Dates were read month first (a `month_first` date column): lookups read theirs alike.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub month_first: bool,
    /// Whole names were read given name first (a `given_first` name column): lookups read
    /// theirs alike.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub given_first: bool,
}
