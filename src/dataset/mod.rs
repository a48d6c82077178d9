//! Person records and their stores: what a person record is, how it is prepared for matching,
//! which columns a file has, and the `.vnl` layout that holds them.
//!
//! The generic container ([`crate::store`]) knows nothing of people; this module decides the
//! columns ([`layout()`]) and global sections of a person store and reads them back as
//! [`Records`](crate::compare::Records) for matching.
//!
//! | file | owns |
//! |---|---|
//! | [`record`] | [`Record`], one person record in memory as the library takes it |
//! | [`prepare`] | raw fields → normalised forms → [`Features`](crate::compare::Features) ([`prepare::Preparer`]) |
//! | [`infer`] | the columns and blocking rules of a file without a configuration |
//! | [`layout`](mod@layout) | the columns and global sections of a person store, [`BuildMeta`] |
//! | [`build`] | building a store from CSV ([`build_csv`]) or record by record ([`RecordWriter`]) |
//! | [`normalized`] | values and whole CSV files normalised for printing ([`normalized::normalize_csv`], [`normalized::ValueNormalizer`]) |
//! | [`view`] | a store opened for matching ([`View`]), two joined for a link ([`Joined`]), any number for a link-and-dedupe ([`Sources`]) |
//! | [`inspect`](mod@inspect) | a store → what it holds: fill rates, warnings, blocks, sizes ([`Inspection`]) |
//!
//! A build is one streaming pass: records are read a block at a time, prepared in parallel, and
//! written; the blocking keys of the default rules go to posting lists (spilled to disk beyond a
//! budget), and name frequencies to a term-frequency table.

pub mod build;
pub mod infer;
pub mod inspect;
pub mod layout;
pub mod normalized;
pub mod prepare;
pub mod record;
pub mod view;

pub use crate::schema::ExtraField;
pub use crate::store::Store;
pub use build::{BuildOptions, BuildSummary, RecordWriter, build_csv, build_records, read_records};
pub use inspect::{InspectOptions, Inspection, inspect};
pub use layout::{
    BuildMeta, EXTRA_HASHES, FEATURES, META, MODEL, NAME_ASCII, NAME_COUNTS, NAME_PHONETIC,
    NAME_POSTINGS, NAME_TEXT, PART_COUNTS, POSTINGS_PREFIX, RAW, RAW_KINDS, RECORD_ID, WARNINGS,
    extra_raw_column, extra_text_column, layout, split_postings_name,
};
pub use record::Record;
pub use view::{Joined, Sources, View, default_store_path, is_store};
