//! What ingest skipped or warned about: [`RowError`] and the running [`IngestReport`].
//!
//! Bad rows are never fatal (STYLE 6): each one is counted under a stable reason code, the first
//! few are kept as samples with file, line, field and reason, and reading carries on.
//! Invariant: `rows_read == rows_ok + rows_skipped`, and the counts of `skipped_by_reason` add up
//! to `rows_skipped`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// Reason code: the row has another number of fields than the header.
pub const WRONG_FIELD_COUNT: &str = "wrong_field_count";
/// Reason code: a mapped field is not valid text in the file's encoding.
pub const UNDECODABLE: &str = "undecodable";
/// Warning code: the record id was seen on an earlier row.
pub const DUPLICATE_RECORD_ID: &str = "duplicate_record_id";
/// Warning code: the record-id field is empty; an id `#<row>` was given.
pub const EMPTY_RECORD_ID: &str = "empty_record_id";
/// Reason code: a quoted field ran over following lines shaped like rows (a stray or unclosed
/// quote); the row is skipped and the lines after its first are read as rows.
pub const UNCLOSED_QUOTE: &str = "unclosed_quote";
/// Reason code: a field is longer than `IngestOptions::max_field_bytes`.
pub const FIELD_TOO_LONG: &str = "field_too_long";
/// Reason code: a physical line is longer than 16 × `IngestOptions::max_field_bytes` (1 MiB at
/// least); it is skipped without being held in memory.
pub const ROW_TOO_LONG: &str = "row_too_long";
/// Reason code: the row holds a NUL byte (binary data, or UTF-16 read as 8-bit text).
pub const NUL_BYTE: &str = "nul_byte";

/// `text` with control characters escaped (`\u{1b}`, `\n`, `\t`…), for messages that quote
/// input text: a header or an id must not drive the terminal.
pub fn escape_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if c.is_control() {
                out.extend(c.escape_debug());
            } else {
                out.push(c);
            }
        }
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// One skipped row, or one row with a warning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The input file.
    pub path: PathBuf,
    /// The 1-based line where the row starts.
    pub line: u64,
    /// The header of the field concerned; `None` when the row as a whole is wrong.
    pub field: Option<String>,
    /// The reason code (`wrong_field_count`, `undecodable`, `duplicate_record_id`…).
    pub code: &'static str,
    /// What is wrong, for people.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.path.display(), self.line)?;
        if let Some(field) = &self.field {
            write!(f, "field `{}`: ", escape_text(field))?;
        }
        write!(f, "{} ({})", escape_text(&self.reason), self.code)
    }
}

/// Counts of one ingest run, kept up to date while reading.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Data rows read (the header excluded), good or bad.
    pub rows_read: u64,
    /// Rows returned to the caller.
    pub rows_ok: u64,
    /// Rows skipped.
    pub rows_skipped: u64,
    /// Skipped rows by reason code.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Warnings by code (rows still returned): duplicate or empty record ids.
    pub warnings_by_reason: BTreeMap<String, u64>,
    /// The first skipped rows, up to `IngestOptions::max_error_samples`.
    pub samples: Vec<RowError>,
    /// The first warnings, up to `IngestOptions::max_error_samples`.
    pub warning_samples: Vec<RowError>,
}

impl IngestReport {
    /// Whether anything was skipped or warned about.
    pub fn is_clean(&self) -> bool {
        self.rows_skipped == 0 && self.warnings_by_reason.is_empty()
    }

    /// Counts a skipped row and keeps it as a sample while there is room.
    pub(crate) fn skip(&mut self, error: RowError, max_samples: usize) {
        self.rows_skipped += 1;
        *self.skipped_by_reason.entry(error.code.to_string()).or_default() += 1;
        if self.samples.len() < max_samples {
            self.samples.push(error);
        }
    }

    /// Counts a warning; `make` builds the sample only when there is room for it.
    pub(crate) fn warn(
        &mut self,
        code: &'static str,
        max_samples: usize,
        make: impl FnOnce() -> RowError,
    ) {
        match self.warnings_by_reason.get_mut(code) {
            Some(n) => *n += 1,
            None => {
                self.warnings_by_reason.insert(code.to_string(), 1);
            }
        }
        if self.warning_samples.len() < max_samples {
            self.warning_samples.push(make());
        }
    }
}

impl fmt::Display for IngestReport {
    /// A short summary: `1000 rows read, 998 ok, 2 skipped (undecodable 1, wrong_field_count 1)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} rows read, {} ok, {} skipped",
            self.rows_read, self.rows_ok, self.rows_skipped
        )?;
        let list = |m: &BTreeMap<String, u64>| {
            m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        };
        if !self.skipped_by_reason.is_empty() {
            write!(f, " ({})", list(&self.skipped_by_reason))?;
        }
        if !self.warnings_by_reason.is_empty() {
            write!(f, "; warnings: {}", list(&self.warnings_by_reason))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(line: u64, code: &'static str) -> RowError {
        RowError { path: "in.csv".into(), line, field: None, code, reason: "bad".into() }
    }

    #[test]
    fn counts_and_samples() {
        let mut r = IngestReport { rows_read: 5, rows_ok: 2, ..IngestReport::default() };
        r.skip(err(2, UNDECODABLE), 2);
        r.skip(err(3, WRONG_FIELD_COUNT), 2);
        r.skip(err(4, UNDECODABLE), 2);
        r.warn(DUPLICATE_RECORD_ID, 2, || err(5, DUPLICATE_RECORD_ID));
        assert_eq!(r.rows_skipped, 3);
        assert_eq!(r.samples.len(), 2);
        assert_eq!(r.skipped_by_reason[UNDECODABLE], 2);
        assert!(!r.is_clean());
        assert_eq!(
            r.to_string(),
            "5 rows read, 2 ok, 3 skipped (undecodable 2, wrong_field_count 1); warnings: duplicate_record_id 1"
        );
        let e = RowError { field: Some("Họ tên".into()), ..err(7, UNDECODABLE) };
        assert_eq!(e.to_string(), "in.csv:7: field `Họ tên`: bad (undecodable)");
    }
}
