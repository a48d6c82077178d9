//! The one error type of the library, [`Error`], and its [`Result`] alias.
//!
//! Every variant that concerns a file names it: I/O errors are wrapped with their path where they
//! happen (there is deliberately no blanket `From<io::Error>`), so that every message a user sees
//! says which file is wrong and, where it helps, what to do about it.
//!
//! [`LayoutError`] (re-exported as `store::LayoutError`) is the typed error of the store
//! functions that check a layout a *caller* asked for (widths, record types, values against
//! columns); it becomes [`Error::Layout`]. Bytes read from disk are never checked with it: they
//! give [`Error::Corrupt`] naming the section and offset. An index past the end of a store is
//! [`Error::OutOfRange`].

use std::ops::RangeInclusive;
use std::path::PathBuf;

/// A `Result` whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in vnlink's library.
///
/// Hot paths (normalisers, comparators) never return it: unparseable values become *missing*
/// plus a warning. It is returned by I/O, by the store reader when a file is damaged, and by
/// configuration and model loading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A row or a value of an input file cannot be used.
    #[error("{}:{line}: field `{field}`: {reason}", path.display())]
    Csv {
        /// The input file.
        path: PathBuf,
        /// The 1-based line number (of the header when the problem is the header).
        line: u64,
        /// The column or field concerned.
        field: String,
        /// What is wrong.
        reason: String,
    },

    /// An input file as a whole cannot be used (empty, no header, no recognisable column…).
    #[error("{}: {reason}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// What is wrong and what to do.
        reason: String,
    },

    /// A record given in memory or as JSON cannot be read (not an object, an unknown key, a
    /// value of the wrong type).
    #[error("{reason}")]
    Record {
        /// What is wrong.
        reason: String,
    },

    /// A store file is damaged: an offset, a length or a structure is inconsistent.
    #[error(
        "{}: corrupt store: section `{section}` at byte {offset}: {reason} (rebuild it with `vnlink build`)",
        path.display()
    )]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// The section (or `header`, `footer`, `toc`).
        section: String,
        /// Byte offset in the file where the problem was found.
        offset: u64,
        /// What is wrong.
        reason: String,
    },

    /// A store file was written by a format version this build cannot read.
    #[error(
        "{}: store format version {found} is not supported (this build reads {}..={}); rebuild it with this version's `vnlink build`",
        path.display(), supported.start(), supported.end()
    )]
    Version {
        /// The store file.
        path: PathBuf,
        /// The version found in the file.
        found: u32,
        /// The versions this build reads.
        supported: RangeInclusive<u32>,
    },

    /// A section's checksum does not match its bytes.
    #[error(
        "{}: checksum mismatch in section `{section}`: expected {expected:#010x}, found {found:#010x} (the file is damaged; rebuild it with `vnlink build`)",
        path.display()
    )]
    ChecksumMismatch {
        /// The store file.
        path: PathBuf,
        /// The section whose bytes do not match.
        section: String,
        /// The checksum recorded in the table of contents.
        expected: u32,
        /// The checksum of the bytes as read.
        found: u32,
    },

    /// A configuration (schema, blocking rules, options) is invalid.
    #[error("{}key `{key}`: {reason}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Config {
        /// The configuration file, when there is one.
        path: Option<PathBuf>,
        /// The offending key (dotted path, e.g. `blocking.rules[2].keys`).
        key: String,
        /// What is wrong.
        reason: String,
    },

    /// A model file cannot be used.
    #[error("{}: model: {reason}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// An output would replace one of the command's inputs.
    #[error(
        "{}: refusing to write this output: it is the input {} and would be destroyed; choose another output path",
        output.display(), input.display()
    )]
    OutputIsInput {
        /// The output that was asked for.
        output: PathBuf,
        /// The input it is (same device and inode).
        input: PathBuf,
    },

    /// A layout, a record type or the values given to a store writer do not fit the columns:
    /// a mistake of the calling code, not of a file.
    #[error("store layout: {0}")]
    Layout(#[from] LayoutError),

    /// An index (of a record, …) is past the end of what it indexes.
    #[error(
        "{}{what} {index} is out of range (there are {len}; valid indices are 0 to {len} exclusive)",
        path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
    )]
    OutOfRange {
        /// The store or file indexed, when there is one.
        path: Option<PathBuf>,
        /// What is indexed (`record`, …).
        what: &'static str,
        /// The index asked for.
        index: u64,
        /// How many there are.
        len: u64,
    },

    /// Another process holds the advisory lock of an output.
    #[error(
        "another vnlink run is writing {}; wait for it to finish or choose another output",
        path.display()
    )]
    Busy {
        /// The output directory or store being written.
        path: PathBuf,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}

/// A store layout, a record type or values that do not fit the columns a caller described.
///
/// Returned by the store functions that check what the *calling code* asked for
/// ([`StoreLayout::validate`](crate::store::StoreLayout::validate),
/// [`RecordBuf`](crate::store::RecordBuf), [`BlockBuilder`](crate::store::BlockBuilder)); it is
/// a programming mistake, never damage to a file (that is [`Error::Corrupt`]). Converts into
/// [`Error::Layout`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// A `Record` column's width is not allowed.
    #[error("record width {width} is not a multiple of {align} in {align}..={max}")]
    RecordWidth {
        /// The width asked for, in bytes.
        width: u32,
        /// Widths are a multiple of this.
        align: u32,
        /// The largest width.
        max: u32,
    },
    /// A column that is not a `Record` column has a width.
    #[error("a {ty} column has width {width}; only record columns have one")]
    WidthNotAllowed {
        /// The column's type.
        ty: String,
        /// The width given (only 0 is allowed).
        width: u32,
    },
    /// A record type's size is not the column's width.
    #[error("records are {width} bytes but `{ty}` is {size} bytes")]
    RecordSize {
        /// The column's width.
        width: u32,
        /// The Rust type used.
        ty: &'static str,
        /// Its size in bytes.
        size: usize,
    },
    /// A record type is aligned to more than record columns guarantee.
    #[error("`{ty}` is aligned to {align} bytes; record columns guarantee {max} at most")]
    RecordAlign {
        /// The Rust type used.
        ty: &'static str,
        /// Its alignment in bytes.
        align: usize,
        /// The largest alignment allowed.
        max: usize,
    },
    /// A record given as bytes does not have the column's width.
    #[error("a record is {width} bytes, not {len}")]
    RecordLen {
        /// The column's width.
        width: u32,
        /// The number of bytes given.
        len: usize,
    },
    /// Records cannot be viewed as the type asked for.
    #[error("cannot view the records as `{ty}`: {reason}")]
    Cast {
        /// The Rust type asked for.
        ty: &'static str,
        /// Why not.
        reason: String,
    },
    /// A layout has zero records per block.
    #[error("records per block must be at least 1")]
    NoBlockRecords,
    /// A layout has no column.
    #[error("a store needs at least one column")]
    NoColumns,
    /// A layout has more columns than a `u32` counts.
    #[error("too many columns")]
    TooManyColumns,
    /// A column name is empty or too long.
    #[error("column {index}: name must be 1 to {max} bytes")]
    ColumnName {
        /// The column's position.
        index: usize,
        /// The longest name, in bytes.
        max: usize,
    },
    /// Two columns have the same name.
    #[error("column `{name}` is defined twice")]
    DuplicateColumn {
        /// The name.
        name: String,
    },
    /// No column has this name.
    #[error("no column `{name}`")]
    UnknownColumn {
        /// The name asked for.
        name: String,
    },
    /// No column has this position.
    #[error("no column {index}")]
    NoColumn {
        /// The position asked for.
        index: usize,
    },
    /// A column does not have the type needed.
    #[error("column {index} is {found}, not {expected}")]
    ColumnType {
        /// The column's position.
        index: usize,
        /// Its type.
        found: String,
        /// The type needed.
        expected: String,
    },
    /// A record has not one value per column.
    #[error("a record has {values} values but the layout has {columns} columns")]
    ValueCount {
        /// Values given.
        values: usize,
        /// Columns of the layout.
        columns: usize,
    },
    /// A value's type is not its column's.
    #[error("value {index} is a {value} but column {index} is {column}")]
    ValueType {
        /// The value's (and column's) position.
        index: usize,
        /// The value's type.
        value: String,
        /// The column's type.
        column: String,
    },
    /// A problem with the column of this name.
    #[error("column `{name}`: {error}")]
    InColumn {
        /// The column's name.
        name: String,
        /// What is wrong.
        error: Box<LayoutError>,
    },
    /// A problem with the column at this position.
    #[error("column {index}: {error}")]
    AtColumn {
        /// The column's position.
        index: usize,
        /// What is wrong.
        error: Box<LayoutError>,
    },
    /// A problem with the value at this position.
    #[error("value {index}: {error}")]
    InValue {
        /// The value's position.
        index: usize,
        /// What is wrong.
        error: Box<LayoutError>,
    },
}
