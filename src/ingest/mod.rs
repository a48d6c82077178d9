//! CSV ingest: streaming rows of delimited text files, whatever their encoding, into raw field
//! values keyed by [`FieldKind`](crate::schema::FieldKind). Excel workbooks (`.xlsx`, `.xlsm`,
//! `.xls`) are read through the same machinery, one sheet converted to CSV ([`excel`]).
//!
//! | module | owns |
//! |---|---|
//! | [`reader`] | [`CsvSource`] (open, sniff, read rows one by one or in chunks), [`RawRecord`], [`IngestOptions`] |
//! | [`excel`] | one sheet of an Excel workbook as UTF-8 CSV (cells as typed, line = sheet row), [`excel::SheetCsv`] |
//! | [`encoding`] | [`Encoding`] detection (UTF-8 ± BOM, UTF-16 LE/BE, Windows-1258, 8-bit legacy), UTF-16 transcoding |
//! | [`header`] | matching Vietnamese and English headers to field kinds; `kind=header` overrides |
//! | [`report`] | [`RowError`] and [`IngestReport`]: skipped rows and warnings, counted by reason |
//!
//! Invariants: a file is never loaded whole (the head sample is [`encoding::SAMPLE_LEN`] bytes,
//! then rows stream through a 64 KiB buffer); rows come out in file order; a bad row is counted,
//! sampled and skipped, never fatal; whole-file problems (empty, header only, no recognisable
//! column, unreadable) are [`Error::Input`](crate::Error::Input) or [`Error::Io`](crate::Error::Io)
//! naming the file. Text is passed on as found (NFC only for Windows-1258, whose combining tones
//! are an artefact of the code page); TCVN3/VNI decoding is left to the normaliser.
//!
//! ```no_run
//! # fn main() -> vnlink::Result<()> {
//! use vnlink::ingest::{CsvSource, IngestOptions, RawRecord};
//! use vnlink::schema::FieldKind;
//!
//! let mut source = CsvSource::open("people.csv", &IngestOptions::default())?;
//! let mut record = RawRecord::new();
//! while source.read_record(&mut record)? {
//!     println!("{} {:?}", record.record_id(), record.get(FieldKind::Name));
//! }
//! println!("{}", source.report());
//! # Ok(())
//! # }
//! ```

pub mod encoding;
pub mod excel;
pub mod header;
pub mod reader;
pub mod report;

pub use encoding::Encoding;
pub use header::{parse_column_override, parse_kind};
pub use reader::{
    CsvSource, DuplicateIds, IngestOptions, MAX_COLUMNS, MAX_FIELD_BYTES, RawRecord, Records,
};
pub use report::{IngestReport, RowError, escape_text};

#[cfg(test)]
mod tests;
