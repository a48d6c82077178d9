//! The streaming CSV reader: [`CsvSource`] yields [`RawRecord`]s in file order.
//!
//! Opening a source reads the head of the file ([`SAMPLE_LEN`] bytes) to choose the encoding and
//! the delimiter, reads and maps the header, and reads the first data row ahead so that an empty
//! or header-only file fails at once with a clear error. After that the file is read in
//! constant memory, one row at a time, through [`csv`]'s `ByteRecord` (no per-row allocation once
//! the caller's [`RawRecord`] buffers are warm). Only mapped columns are decoded and copied.
//!
//! A row is skipped, counted and sampled in the [`IngestReport`] when its field count differs
//! from the header's (extra *empty* trailing fields are tolerated) or a mapped field is not valid
//! text in the file's encoding. Record ids come from the mapped column (trimmed); without one,
//! the id is the 1-based data-row number (`"1"`, `"2"`…, counting skipped rows too, so ids do
//! not depend on which rows are bad); an empty id becomes `#<row>` with a warning. Duplicate ids
//! are counted as warnings when the end of the file is reached: a 64-bit hash and the line of
//! every id are kept (16 bytes per record; turn it off with
//! [`IngestOptions::check_duplicate_ids`] for very large inputs) and sorted, which is several
//! times faster than a hash set at scale. A hash collision would report a false duplicate with
//! probability about n²/2⁶⁵ (3·10⁻⁴ for 10⁸ ids).

use std::fmt::Write as _;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Cursor, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::encoding::{self, Encoding, SAMPLE_LEN, Utf16Reader};
use super::header::{map_columns, map_config, quoted_list, slot};
use super::report::{
    DUPLICATE_RECORD_ID, EMPTY_RECORD_ID, IngestReport, RowError, UNDECODABLE, WRONG_FIELD_COUNT,
};
use crate::schema::{ColumnConfig, FieldKind, Schema};
use crate::{Error, Result};

/// Slots of a row: one per single-column kind, then one per extra field.
const KINDS: usize = FieldKind::SINGLE.len();
const SLOTS: usize = KINDS + crate::schema::MAX_EXTRA;

/// How to read an input file. `Default` detects everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestOptions {
    /// Explicit column choices, `(kind, header)`, applied before automatic header matching
    /// (see [`crate::ingest::header::parse_column_override`] for the `kind=header` syntax).
    pub columns: Vec<(FieldKind, String)>,
    /// The delimiter; sniffed from the first lines (`,` `;` or tab) when `None`.
    pub delimiter: Option<u8>,
    /// The encoding; detected from the head of the file when `None`.
    pub encoding: Option<Encoding>,
    /// How many skipped rows (and, separately, warnings) are kept as samples in the report.
    pub max_error_samples: usize,
    /// Count duplicate record ids at the end of the file (16 bytes of memory per record).
    pub check_duplicate_ids: bool,
    /// The complete column mapping of a configuration file (`[[columns]]`): when set, only
    /// these columns are read and `columns` is not used.
    pub config_columns: Option<Vec<ColumnConfig>>,
    /// The sheet of an Excel workbook to read (default: the first); ignored for CSV files.
    pub sheet: Option<String>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            columns: Vec::new(),
            delimiter: None,
            encoding: None,
            max_error_samples: 20,
            check_duplicate_ids: true,
            config_columns: None,
            sheet: None,
        }
    }
}

/// One data row: its position, its record id and the text of each mapped field.
///
/// The fields share one `String` buffer that is reused from row to row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    line: u64,
    row: u64,
    text: String,
    /// `(start, end)` of each slot's text in `text`; `NONE` for a slot without a column.
    spans: [(u32, u32); SLOTS],
}

/// The span of a slot without a column.
const NONE: (u32, u32) = (u32::MAX, u32::MAX);

impl Default for RawRecord {
    fn default() -> Self {
        RawRecord { line: 0, row: 0, text: String::new(), spans: [NONE; SLOTS] }
    }
}

impl RawRecord {
    /// An empty record, to be filled by [`CsvSource::read_record`].
    pub fn new() -> Self {
        RawRecord::default()
    }

    fn span(&self, slot: usize) -> Option<&str> {
        let &(start, end) = self.spans.get(slot)?;
        if start == u32::MAX { None } else { self.text.get(start as usize..end as usize) }
    }

    fn set_span(&mut self, slot: usize, range: Range<usize>) {
        // A row's text is far below 4 GiB (the csv reader's records are); clamp rather than wrap.
        let to = |x: usize| u32::try_from(x).unwrap_or(u32::MAX - 1);
        self.spans[slot] = (to(range.start), to(range.end));
    }

    /// The 1-based line of the file where the row starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The 1-based number of the data row (the header is row 0), counting skipped rows.
    pub fn row(&self) -> u64 {
        self.row
    }

    /// The record id: the mapped column's value (trimmed), or the row number.
    pub fn record_id(&self) -> &str {
        self.get(FieldKind::RecordId).unwrap_or_default()
    }

    /// The raw text of a single-column `kind`'s column (possibly empty); `None` when no column
    /// is mapped to it, and for the extra kinds (read them with [`extra`](Self::extra)).
    pub fn get(&self, kind: FieldKind) -> Option<&str> {
        if kind.is_extra() {
            return None;
        }
        self.span(slot(kind))
    }

    /// The raw text of extra field `j` (in [`Schema::extras`] order); `""` when there is none.
    pub fn extra(&self, j: usize) -> &str {
        self.span(KINDS + j).unwrap_or_default()
    }

    /// The mapped single-column fields, in [`FieldKind::SINGLE`] order.
    pub fn fields(&self) -> impl Iterator<Item = (FieldKind, &str)> {
        FieldKind::SINGLE.into_iter().filter_map(|k| self.get(k).map(|v| (k, v)))
    }

    fn reset(&mut self, line: u64, row: u64) {
        self.line = line;
        self.row = row;
        self.text.clear();
        self.spans = [NONE; SLOTS];
    }
}

/// A CSV file opened for streaming. See the module docs.
pub struct CsvSource {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    encoding: Encoding,
    delimiter: u8,
    headers: Vec<String>,
    schema: Schema,
    unmapped: Vec<usize>,
    columns: [Option<usize>; SLOTS],
    /// `(slot, column)`: more columns of an extra field read from several, joined with `, `.
    joined: Vec<(usize, usize)>,
    record: csv::ByteRecord,
    /// `record` holds the first data row, read ahead by `open`.
    pending: bool,
    row: u64,
    report: IngestReport,
    max_samples: usize,
    /// (hash of the record id, line) of every row, sorted at the end to find duplicate ids.
    ids: Option<Vec<(u64, u64)>>,
}

impl std::fmt::Debug for CsvSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvSource")
            .field("path", &self.path)
            .field("encoding", &self.encoding)
            .field("delimiter", &char::from(self.delimiter))
            .field("schema", &self.schema)
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// Reads until `buf` is full or the input ends; returns the number of bytes read.
pub(crate) fn read_head(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Chooses the delimiter from the first lines of `head`: among `,` `;` and tab, the one that
/// appears (outside quotes) in the header line and the same number of times in the most of the
/// following lines, then the most often in the header. `,` when nothing decides.
pub fn sniff_delimiter(head: &str) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    const MAX_LINES: usize = 20;
    let mut counts: Vec<[usize; 3]> = Vec::new();
    let mut current = [0usize; 3];
    let mut in_quotes = false;
    let mut line_has_content = false;
    let mut complete = false;
    for &b in head.as_bytes() {
        complete = false;
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                if line_has_content {
                    counts.push(current);
                    if counts.len() == MAX_LINES {
                        break;
                    }
                }
                current = [0; 3];
                line_has_content = false;
                complete = true;
                continue;
            }
            _ => {
                if let Some(i) = CANDIDATES.iter().position(|&c| c == b)
                    && !in_quotes
                {
                    current[i] += 1;
                }
            }
        }
        if !b.is_ascii_whitespace() {
            line_has_content = true;
        }
    }
    // A last line without newline counts only if it is the only line (it may be cut).
    if line_has_content && (counts.is_empty() || complete) {
        counts.push(current);
    }
    let Some(first) = counts.first() else { return b',' };
    let mut best = (b',', 0usize, 0usize);
    for (i, &c) in CANDIDATES.iter().enumerate() {
        if first[i] == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|line| line[i] == first[i]).count();
        if (consistent, first[i]) > (best.1, best.2) {
            best = (c, consistent, first[i]);
        }
    }
    best.0
}

impl CsvSource {
    /// Opens `path`: detects the encoding and delimiter (unless given), reads and maps the
    /// header, and reads the first data row ahead. An Excel workbook (`.xlsx`, `.xlsm`, `.xls`)
    /// is read as CSV through [`crate::ingest::excel::open`].
    ///
    /// Errors: [`Error::Io`] when the file cannot be read; [`Error::Input`] when it is empty, has
    /// a header but no data row, has no recognisable column, or an override names no column.
    pub fn open(path: impl AsRef<Path>, opts: &IngestOptions) -> Result<CsvSource> {
        let path = path.as_ref();
        if super::excel::is_excel_path(path) {
            return super::excel::open(path, opts);
        }
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        CsvSource::with_size_hint(path.to_path_buf(), file, opts, Some(len))
    }

    /// Like [`CsvSource::open`], over any reader; `path` names it in messages.
    pub fn from_reader(
        path: impl Into<PathBuf>,
        input: impl Read + Send + 'static,
        opts: &IngestOptions,
    ) -> Result<CsvSource> {
        CsvSource::with_size_hint(path.into(), input, opts, None)
    }

    /// `input_len`, when known, sizes the duplicate-id set up front (no rehashing).
    fn with_size_hint(
        path: PathBuf,
        mut input: impl Read + Send + 'static,
        opts: &IngestOptions,
        input_len: Option<u64>,
    ) -> Result<CsvSource> {
        let input_error = |reason: String| Error::Input { path: path.clone(), reason };

        let mut head = vec![0u8; SAMPLE_LEN];
        let n = read_head(&mut input, &mut head).map_err(|e| Error::io(&path, e))?;
        head.truncate(n);
        let complete = n < SAMPLE_LEN;
        // Rows expected from the file size and the line length seen in the head.
        let lines_in_head = head.iter().fold(0u64, |n, &b| n + u64::from(b == b'\n'));
        let expected_rows = match input_len {
            Some(len) if lines_in_head > 0 => len / (n as u64 / lines_in_head).max(1),
            _ => 0,
        };
        let encoding = opts.encoding.unwrap_or_else(|| encoding::detect(&head, complete));
        let bom = encoding.bom_len(&head);
        if head[bom..].iter().all(u8::is_ascii_whitespace) && complete {
            return Err(input_error(
                "the file is empty: it needs a header line and data rows".into(),
            ));
        }
        let delimiter = match opts.delimiter {
            Some(d) => d,
            None => sniff_delimiter(&encoding::decode_head(encoding, &head[bom..])),
        };

        // Records end at `\n`, and a `\r` before it is stripped here: `csv`'s own CRLF mode
        // reports the line of each record one too low. Old Mac files (`\r` only) keep that mode.
        let terminator =
            if head.contains(&b'\n') { csv::Terminator::Any(b'\n') } else { csv::Terminator::CRLF };
        let mut cursor = Cursor::new(head);
        cursor.set_position(bom as u64);
        let chained = cursor.chain(input);
        let stream: Box<dyn Read + Send> = match encoding {
            Encoding::Utf16Le => Box::new(Utf16Reader::new(chained, false)),
            Encoding::Utf16Be => Box::new(Utf16Reader::new(chained, true)),
            _ => Box::new(chained),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .terminator(terminator)
            .buffer_capacity(1 << 16)
            .from_reader(stream);

        let mut record = csv::ByteRecord::new();
        if !read_next(&mut reader, &mut record, &path)? {
            return Err(input_error(
                "the file is empty: it needs a header line and data rows".into(),
            ));
        }
        let headers: Vec<String> = (0..record.len())
            .map(|i| field(&record, i))
            .map(|field| {
                let mut s = String::new();
                if encoding::decode_field(encoding, field, &mut s).is_err() {
                    s = String::from_utf8_lossy(field).into_owned();
                }
                s.trim().trim_start_matches('\u{feff}').trim().to_string()
            })
            .collect();

        let map = match &opts.config_columns {
            Some(columns) => map_config(&headers, columns).map_err(|(key, reason)| {
                Error::Config { path: None, key, reason: format!("{reason} ({})", path.display()) }
            })?,
            None => map_columns(&headers, &opts.columns).map_err(input_error)?,
        };
        if map.schema.columns.iter().all(|c| c.kind == FieldKind::RecordId) {
            return Err(input_error(format!(
                "no recognisable column in the header ({}); name the columns ({}) or map them \
                 with `--column kind=header` (e.g. `--column full_name=\"Họ và tên\"`)",
                quoted_list(&headers),
                super::header::kind_names()
            )));
        }
        let mut columns = [None; SLOTS];
        let mut joined: Vec<(usize, usize)> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for c in &map.schema.columns {
            if c.kind.is_extra() {
                // One slot per field: a later column of the same field is joined to it.
                if let Some(j) = names.iter().position(|n| *n == c.name) {
                    joined.push((KINDS + j, c.index));
                } else if names.len() == crate::schema::MAX_EXTRA {
                    return Err(input_error(format!(
                        "more than {} extra fields",
                        crate::schema::MAX_EXTRA
                    )));
                } else {
                    columns[KINDS + names.len()] = Some(c.index);
                    names.push(&c.name);
                }
            } else {
                columns[slot(c.kind)] = Some(c.index);
            }
        }

        if !read_next(&mut reader, &mut record, &path)? {
            return Err(input_error("the file has a header line but no data rows".to_string()));
        }
        let ids =
            (opts.check_duplicate_ids && columns[slot(FieldKind::RecordId)].is_some()).then(|| {
                // Capped: a wrong estimate must not reserve gigabytes up front.
                Vec::with_capacity(usize::try_from(expected_rows.min(1 << 24)).unwrap_or(0))
            });

        Ok(CsvSource {
            path,
            reader,
            encoding,
            delimiter,
            headers,
            schema: map.schema,
            unmapped: map.unmapped,
            columns,
            joined,
            record,
            pending: true,
            row: 0,
            report: IngestReport::default(),
            max_samples: opts.max_error_samples,
            ids,
        })
    }

    /// The input file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mapped columns.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The header line, decoded and trimmed.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The headers of the columns that are not used.
    pub fn unmapped_columns(&self) -> impl Iterator<Item = &str> {
        self.unmapped.iter().map(|&i| self.headers[i].as_str())
    }

    /// The encoding read.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The delimiter used.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The counts so far. Duplicate record ids are counted once the end of the file is reached.
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    /// The final counts (duplicate ids counted over the rows read, even if the caller stopped
    /// before the end of the file).
    pub fn into_report(mut self) -> IngestReport {
        self.count_duplicate_ids();
        self.report
    }

    /// Sorts the (id hash, line) pairs and counts every repeat of an earlier id as a warning.
    fn count_duplicate_ids(&mut self) {
        let Some(mut ids) = self.ids.take() else { return };
        ids.sort_unstable();
        let mut repeats = Vec::new();
        let mut first_line = 0;
        for (i, &(hash, line)) in ids.iter().enumerate() {
            if i > 0 && ids[i - 1].0 == hash {
                repeats.push((line, first_line));
            } else {
                first_line = line;
            }
        }
        drop(ids);
        repeats.sort_unstable();
        for (line, first_line) in repeats {
            let path = &self.path;
            self.report.warn(DUPLICATE_RECORD_ID, self.max_samples, || RowError {
                path: path.clone(),
                line,
                field: None,
                code: DUPLICATE_RECORD_ID,
                reason: format!("record id already used on line {first_line}"),
            });
        }
        self.report.warning_samples.sort_by_key(|e| e.line);
    }

    /// Reads the next good row into `out` (skipping and counting bad rows); `Ok(false)` at the
    /// end of the file. Fails only on I/O errors.
    pub fn read_record(&mut self, out: &mut RawRecord) -> Result<bool> {
        loop {
            if self.pending {
                self.pending = false;
            } else if !read_next(&mut self.reader, &mut self.record, &self.path)? {
                self.count_duplicate_ids();
                return Ok(false);
            }
            if self.process(out) {
                return Ok(true);
            }
        }
    }

    /// Reads up to `max` good rows into `chunk` (reusing its records' buffers) and returns how
    /// many; 0 at the end of the file. `chunk` is truncated to that number.
    pub fn read_chunk(&mut self, chunk: &mut Vec<RawRecord>, max: usize) -> Result<usize> {
        let mut n = 0;
        while n < max {
            if n == chunk.len() {
                chunk.push(RawRecord::new());
            }
            if !self.read_record(&mut chunk[n])? {
                break;
            }
            n += 1;
        }
        chunk.truncate(n);
        Ok(n)
    }

    /// An iterator over the remaining good rows (one allocation per row; prefer
    /// [`CsvSource::read_record`] or [`CsvSource::read_chunk`] on hot paths).
    pub fn records(&mut self) -> Records<'_> {
        Records { source: self }
    }

    /// Skips the current row: field `col` is not valid text in the file's encoding.
    fn skip_undecodable(&mut self, col: usize, offset: usize) {
        let reason =
            format!("not valid {} text (bad byte at offset {offset} of the field)", self.encoding);
        let e = self.row_error(Some(col), UNDECODABLE, reason);
        self.report.skip(e, self.max_samples);
    }

    fn row_error(&self, field: Option<usize>, code: &'static str, reason: String) -> RowError {
        RowError {
            path: self.path.clone(),
            line: self.record.position().map_or(0, csv::Position::line),
            field: field.map(|i| self.headers[i].clone()),
            code,
            reason,
        }
    }

    /// Turns `self.record` into `out`; `false` when the row is skipped.
    fn process(&mut self, out: &mut RawRecord) -> bool {
        self.row += 1;
        self.report.rows_read += 1;
        out.reset(self.record.position().map_or(0, csv::Position::line), self.row);

        let (expected, found) = (self.headers.len(), self.record.len());
        if found != expected
            && (found < expected || (expected..found).any(|i| !field(&self.record, i).is_empty()))
        {
            let e = self.row_error(
                None,
                WRONG_FIELD_COUNT,
                format!("expected {expected} fields as in the header, found {found}"),
            );
            self.report.skip(e, self.max_samples);
            return false;
        }

        // UTF-8 fast path: one SIMD validation of the whole row, then each mapped field is a
        // slice of it; a field that does not start and end on character boundaries (or a row
        // that is not valid as a whole) goes through the per-field path below.
        let whole_row = if self.encoding.is_utf8() {
            simdutf8::basic::from_utf8(self.record.as_slice()).ok()
        } else {
            None
        };
        for (kind_slot, column) in self.columns.iter().enumerate() {
            let Some(col) = *column else { continue };
            let start = out.text.len();
            if let Some(text) = whole_row.and_then(|row| row.get(field_range(&self.record, col))) {
                out.text.push_str(text);
            } else if let Err(offset) =
                encoding::decode_field(self.encoding, field(&self.record, col), &mut out.text)
            {
                self.skip_undecodable(col, offset);
                return false;
            }
            out.set_span(kind_slot, start..out.text.len());
            // The other columns of a field read from several, right after its first.
            for &(_, more) in self.joined.iter().filter(|(s, _)| *s == kind_slot) {
                let value_start = out.text.len();
                let bytes = field(&self.record, more);
                if let Err(offset) = encoding::decode_field(self.encoding, bytes, &mut out.text) {
                    self.skip_undecodable(more, offset);
                    return false;
                }
                let value = out.text[value_start..].trim().to_owned();
                out.text.truncate(value_start);
                if !value.is_empty() {
                    if out.text.len() > start {
                        out.text.push_str(", ");
                    }
                    out.text.push_str(&value);
                }
                out.set_span(kind_slot, start..out.text.len());
            }
        }

        // The record id.
        let id_slot = slot(FieldKind::RecordId);
        if let Some(range) = Some(out.spans[id_slot])
            .filter(|s| s.0 != u32::MAX)
            .map(|(a, b)| a as usize..b as usize)
        {
            let raw = &out.text[range.clone()];
            let lead = raw.len() - raw.trim_start().len();
            let trimmed_len = raw.trim().len();
            if trimmed_len == 0 {
                let start = out.text.len();
                let _ = write!(out.text, "#{}", self.row);
                out.set_span(id_slot, start..out.text.len());
                let (path, line, row) = (&self.path, out.line, self.row);
                self.report.warn(EMPTY_RECORD_ID, self.max_samples, || RowError {
                    path: path.clone(),
                    line,
                    field: None,
                    code: EMPTY_RECORD_ID,
                    reason: format!("empty record id; `#{row}` used instead"),
                });
            } else {
                let start = range.start + lead;
                out.set_span(id_slot, start..start + trimmed_len);
            }
        } else {
            let start = out.text.len();
            let _ = write!(out.text, "{}", self.row);
            out.set_span(id_slot, start..out.text.len());
        }
        if let Some(ids) = &mut self.ids {
            // A 64-bit folded-multiply hash of the id: a false duplicate among n ids has a
            // probability of about n²/2⁶⁵ (3·10⁻⁴ for 10⁸ ids).
            let mut hasher = rustc_hash::FxHasher::default();
            out.record_id().hash(&mut hasher);
            ids.push((hasher.finish(), out.line));
        }
        self.report.rows_ok += 1;
        true
    }
}

/// Field `i` of `record`, without the `\r` of a CRLF line end; empty when absent.
fn field(record: &csv::ByteRecord, i: usize) -> &[u8] {
    record.as_slice().get(field_range(record, i)).unwrap_or_default()
}

/// The byte range of [`field`] in `record.as_slice()`.
fn field_range(record: &csv::ByteRecord, i: usize) -> Range<usize> {
    let Some(mut range) = record.range(i) else { return 0..0 };
    if i + 1 == record.len() && record.as_slice()[range.clone()].ends_with(b"\r") {
        range.end -= 1;
    }
    range
}

/// Reads the next record, skipping blank lines (`\r\n` ones included).
fn read_next(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut csv::ByteRecord,
    path: &Path,
) -> Result<bool> {
    loop {
        let more = read_raw(reader, record, path)?;
        if !more || record.len() != 1 || !field(record, 0).is_empty() {
            return Ok(more);
        }
    }
}

fn read_raw(
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    record: &mut csv::ByteRecord,
    path: &Path,
) -> Result<bool> {
    reader.read_byte_record(record).map_err(|e| {
        let line = e.position().map_or(0, csv::Position::line);
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::io(path, io),
            other => Error::Csv {
                path: path.to_path_buf(),
                line,
                field: String::new(),
                reason: format!("{other:?}"),
            },
        }
    })
}

/// Iterator over the good rows of a [`CsvSource`]; see [`CsvSource::records`].
#[derive(Debug)]
pub struct Records<'a> {
    source: &'a mut CsvSource,
}

impl Iterator for Records<'_> {
    type Item = Result<RawRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = RawRecord::new();
        match self.source.read_record(&mut record) {
            Ok(true) => Some(Ok(record)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}
