//! The one error type of the library, [`Error`], and its [`Result`] alias.
//!
//! Every variant that concerns a file names it: I/O errors are wrapped with their path where they
//! happen (there is deliberately no blanket `From<io::Error>`), so that every message a user sees
//! says which file is wrong and, where it helps, what to do about it.

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
