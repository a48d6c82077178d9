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
//! text in the file's encoding, holds a NUL byte (`nul_byte`) or a field longer than
//! [`IngestOptions::max_field_bytes`] (`field_too_long`).
//!
//! Every data line is accounted for. The parser reads through a `Tape` that keeps the bytes of
//! the current row: a row whose quoted field runs over a line break is checked, and when its
//! first line and the next both have the header's number of delimiters (a whole row, then
//! another: a stray or unclosed quote) the row is skipped (`unclosed_quote`, naming its first and
//! last lines) and parsing restarts on its second line, so only the bad row is lost. A row may
//! not run past 16 × `max_field_bytes` (1 MiB at least): a quote never closed is cut there the
//! same way, and a single longer line is skipped without being held (`row_too_long`).
//!
//! Record ids come from the mapped column, byte for byte; without one, the id is the 1-based
//! data-row number (`"1"`, `"2"`…, counting skipped rows too, so ids do not depend on which rows
//! are bad). Repeated and empty (blank) ids are handled as [`IngestOptions::on_duplicate_id`]
//! says. With [`DuplicateIds::Error`] (the default) they are an error at the end of the file: a
//! 64-bit hash and the line of every id are kept (16 bytes per record; turn the check off with
//! [`IngestOptions::check_duplicate_ids`] for very large inputs) and sorted, which is several
//! times faster than a hash set at scale; a hash collision would report a false duplicate with
//! probability about n²/2⁶⁵ (3·10⁻⁴ for 10⁸ ids). `Suffix` and `Skip` act on the row itself, so
//! they keep a 128-bit key of every id in a hash map as rows are read.

use std::fmt::Write as _;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{Cursor, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::encoding::{self, Encoding, SAMPLE_LEN, Utf16Reader};
use super::header::{map_columns, map_config, quoted_list, slot};
use super::report::{
    DUPLICATE_RECORD_ID, EMPTY_RECORD_ID, FIELD_TOO_LONG, IngestReport, NUL_BYTE, ROW_TOO_LONG,
    RowError, UNCLOSED_QUOTE, UNDECODABLE, WRONG_FIELD_COUNT, escape_text,
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
    /// What to do with a repeated or empty record id (default: fail with an error).
    pub on_duplicate_id: DuplicateIds,
    /// The longest field, in bytes (default [`MAX_FIELD_BYTES`]); a row with a longer field is
    /// skipped (`field_too_long`), and a physical line longer than 16 times this is skipped
    /// (`row_too_long`) without being held in memory.
    pub max_field_bytes: usize,
    /// The most columns a header may have (default [`MAX_COLUMNS`]).
    pub max_columns: usize,
    /// A header in which no column is recognised is no error (default: it is): the columns'
    /// values may say what they are ([`crate::dataset::infer::infer`] reads them so).
    pub unknown_header_ok: bool,
}

/// The default [`IngestOptions::max_field_bytes`]: 64 KiB.
pub const MAX_FIELD_BYTES: usize = 64 << 10;
/// The default [`IngestOptions::max_columns`].
pub const MAX_COLUMNS: usize = 1000;

/// What ingest does with a record id that an earlier row already has, or an empty one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DuplicateIds {
    /// Fail once the file is read ([`Error::Input`] naming the lines): ids must be unique.
    #[default]
    Error,
    /// Keep the row under a new id, `<id>~2` (`~3`…; `#<row>` for an empty id), never equal to
    /// another id of the file; counted as a warning.
    Suffix,
    /// Skip the later row (the first keeps the id); counted as a skipped row.
    Skip,
}

impl std::str::FromStr for DuplicateIds {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "error" => Ok(DuplicateIds::Error),
            "suffix" => Ok(DuplicateIds::Suffix),
            "skip" => Ok(DuplicateIds::Skip),
            _ => Err(format!("`{s}`: expected `error`, `suffix` or `skip`")),
        }
    }
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
            on_duplicate_id: DuplicateIds::Error,
            max_field_bytes: MAX_FIELD_BYTES,
            max_columns: MAX_COLUMNS,
            unknown_header_ok: false,
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

    /// The record id: the mapped column's value as found (or the new id
    /// [`DuplicateIds::Suffix`] gave it), or the row number.
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

/// The byte stream under the CSV parser. It keeps the bytes of the current row (and those read
/// ahead), so that rows a stray quote swallowed can be read again; it bounds how far a row may
/// run (a fake end of input past `mark + limit`, flagged in `overflow`), and notes whether a NUL
/// byte was ever seen (rows are searched for one only then). Offsets count from the start of
/// the parser's stream.
struct Tape {
    inner: Box<dyn Read + Send>,
    /// The bytes from offset `base` to `read`.
    buf: Vec<u8>,
    base: u64,
    read: u64,
    /// The start of the current row.
    mark: u64,
    limit: u64,
    overflow: bool,
    nul: bool,
}

impl Tape {
    fn new(inner: Box<dyn Read + Send>, limit: u64) -> Tape {
        Tape {
            inner,
            buf: Vec::new(),
            base: 0,
            read: 0,
            mark: 0,
            limit,
            overflow: false,
            nul: false,
        }
    }

    /// The current row starts at `offset`: forget what came before (in 1 MiB steps).
    fn set_mark(&mut self, offset: u64) {
        self.mark = offset;
        let drop = offset.saturating_sub(self.base);
        if drop >= 1 << 20 {
            self.buf.drain(..drop as usize);
            self.base = offset;
        }
    }

    /// The bytes from `from` to `to` (clamped to what is kept).
    fn slice(&self, from: u64, to: u64) -> &[u8] {
        let a = from.saturating_sub(self.base) as usize;
        let b = to.saturating_sub(self.base) as usize;
        self.buf.get(a.min(self.buf.len())..b.min(self.buf.len())).unwrap_or_default()
    }
}

impl Read for Tape {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let room = (self.mark + self.limit).saturating_sub(self.read);
        if room == 0 {
            self.overflow = true;
            return Ok(0);
        }
        let want = out.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..want])?;
        let chunk = &out[..n];
        if !self.nul && chunk.contains(&0) {
            self.nul = true;
        }
        self.buf.extend_from_slice(chunk);
        self.read += n as u64;
        Ok(n)
    }
}

/// The CSV parser over a [`Tape`].
type Parser = csv::Reader<Tape>;

/// A CSV file opened for streaming. See the module docs.
pub struct CsvSource {
    path: PathBuf,
    reader: Parser,
    terminator: csv::Terminator,
    /// Lines before the parser's first line (the parser restarts after a swallowed row).
    line_offset: u64,
    encoding: Encoding,
    delimiter: u8,
    headers: Vec<String>,
    /// The file has no header line: its first line is data ([`first_line_is_data`]).
    headerless: bool,
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
    on_duplicate: DuplicateIds,
    /// With `Suffix` or `Skip`: a 128-bit key of every id kept, its line and whether ingest
    /// made it (a suffixed or empty id).
    seen: Option<rustc_hash::FxHashMap<u128, (u64, bool)>>,
    /// With `Error`: the number of empty ids and the first lines with one.
    empty_ids: (u64, Vec<u64>),
    max_field: usize,
    /// An error found while reading a row, returned by the next `read_record`.
    fatal: Option<Error>,
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
        // Checked before opening: opening a FIFO blocks, and /dev/zero never ends.
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !meta.is_file() {
            let what = if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file (a pipe or a device?)"
            };
            return Err(Error::Input {
                path: path.to_path_buf(),
                reason: format!(
                    "{what}: the input must be a regular CSV or Excel file (to read a stream, \
                     save it to a file first)"
                ),
            });
        }
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
        let max_field = opts.max_field_bytes.max(1);
        let limit = row_limit(max_field);
        let mut reader = parser(delimiter, terminator, Tape::new(stream, limit));

        let mut record = csv::ByteRecord::new();
        let mut headers = read_header(&mut reader, &mut record, &path, opts, encoding, limit)?;
        // A file without a header line: its columns are named `column_1`…, and the line read
        // is the first data row.
        let headerless = first_line_is_data(&headers);
        if headerless {
            headers = (1..=headers.len()).map(|i| format!("column_{i}")).collect();
        }
        let map = map_header(&headers, &path, opts)?;
        let (columns, joined) = slots(&map).map_err(input_error)?;

        if !headerless && !read_next(&mut reader, &mut record, &path, 0)? {
            return Err(input_error("the file has a header line but no data rows".to_string()));
        }
        let has_ids = columns[slot(FieldKind::RecordId)].is_some();
        let on_duplicate = opts.on_duplicate_id;
        let ids = (opts.check_duplicate_ids && has_ids && on_duplicate == DuplicateIds::Error)
            .then(|| {
                // Capped: a wrong estimate must not reserve gigabytes up front.
                Vec::with_capacity(usize::try_from(expected_rows.min(1 << 24)).unwrap_or(0))
            });
        let seen =
            (has_ids && on_duplicate != DuplicateIds::Error).then(rustc_hash::FxHashMap::default);

        Ok(CsvSource {
            path,
            reader,
            terminator,
            line_offset: 0,
            encoding,
            delimiter,
            headers,
            headerless,
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
            on_duplicate,
            seen,
            empty_ids: (0, Vec::new()),
            max_field,
            fatal: None,
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

    /// The header line, decoded and trimmed (`column_1`, `column_2`… for a file without one).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Whether the file has no header line (its first line is data): its columns are named
    /// `column_1`, `column_2`…
    pub fn headerless(&self) -> bool {
        self.headerless
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

    /// Sorts the (id hash, line) pairs: `(line, first line)` of every repeat of an earlier id.
    fn repeated_ids(&mut self) -> Vec<(u64, u64)> {
        let Some(mut ids) = self.ids.take() else { return Vec::new() };
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
        repeats
    }

    /// Counts every repeat of an earlier id, and every empty id, as a warning (for a caller that
    /// stops before the end of the file; at the end they are an error).
    fn count_duplicate_ids(&mut self) {
        for (line, first_line) in self.repeated_ids() {
            let path = &self.path;
            self.report.warn(DUPLICATE_RECORD_ID, self.max_samples, || RowError {
                path: path.clone(),
                line,
                field: None,
                code: DUPLICATE_RECORD_ID,
                reason: format!("record id already used on line {first_line}"),
            });
        }
        let (n, lines) = std::mem::take(&mut self.empty_ids);
        for i in 0..n {
            let path = &self.path;
            let line = lines.get(i as usize).copied().unwrap_or(0);
            self.report.warn(EMPTY_RECORD_ID, self.max_samples, || RowError {
                path: path.clone(),
                line,
                field: None,
                code: EMPTY_RECORD_ID,
                reason: "empty record id".into(),
            });
        }
        self.report.warning_samples.sort_by_key(|e| e.line);
    }

    /// The end of the file: with [`DuplicateIds::Error`], repeated or empty ids are an error.
    fn finish(&mut self) -> Result<()> {
        let repeats = self.repeated_ids();
        let (empty, empty_lines) = std::mem::take(&mut self.empty_ids);
        if repeats.is_empty() && empty == 0 {
            return Ok(());
        }
        let mut problems = Vec::new();
        if !repeats.is_empty() {
            let list: Vec<String> = repeats
                .iter()
                .take(5)
                .map(|(line, first)| format!("line {line} repeats the id of line {first}"))
                .collect();
            problems.push(format!(
                "{} rows repeat an earlier record id ({}{})",
                repeats.len(),
                list.join(", "),
                if repeats.len() > 5 { ", …" } else { "" }
            ));
        }
        if empty > 0 {
            let list: Vec<String> = empty_lines.iter().map(u64::to_string).collect();
            problems.push(format!(
                "{empty} rows have an empty record id (line {}{})",
                list.join(", "),
                if empty > empty_lines.len() as u64 { ", …" } else { "" }
            ));
        }
        Err(Error::Input {
            path: self.path.clone(),
            reason: format!(
                "record ids must be unique and not empty: {}; fix the ids, or pass \
                 `--on-duplicate-id suffix` (keep those rows under new ids) or \
                 `--on-duplicate-id skip` (skip them)",
                problems.join("; ")
            ),
        })
    }

    /// Reads the next good row into `out` (skipping and counting bad rows); `Ok(false)` at the
    /// end of the file. Fails on I/O errors, on repeated or empty record ids at the end of the
    /// file (with [`DuplicateIds::Error`]), and on an id equal to one `Suffix` made.
    pub fn read_record(&mut self, out: &mut RawRecord) -> Result<bool> {
        loop {
            if let Some(e) = self.fatal.take() {
                return Err(e);
            }
            if self.pending {
                self.pending = false;
            } else if !read_next(&mut self.reader, &mut self.record, &self.path, self.line_offset)?
            {
                self.finish()?;
                return Ok(false);
            }
            if !self.check_row()? {
                continue;
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

    /// Appends every field of the row that the last [`read_record`](Self::read_record) gave
    /// (when it returned `true`) to `out`, mapped or not: as many fields as the header has
    /// (missing ones are empty, extra empty ones left out), each decoded from the file's
    /// encoding, with U+FFFD for bytes that are not valid text (possible only in an unmapped
    /// column: a mapped one skips the row). The record id is the file's, even when
    /// [`DuplicateIds::Suffix`] gave the record a new one. For copying whole rows to an output
    /// beside their normalised fields.
    pub fn row_fields(&self, out: &mut Vec<String>) {
        for i in 0..self.headers.len() {
            let bytes = field(&self.record, i);
            let mut text = String::new();
            if encoding::decode_field(self.encoding, bytes, &mut text).is_err() {
                text = String::from_utf8_lossy(bytes).into_owned();
            }
            out.push(text);
        }
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
            line: self.line(),
            field: field.map(|i| {
                self.headers.get(i).cloned().unwrap_or_else(|| format!("column {}", i + 1))
            }),
            code,
            reason,
        }
    }

    /// The 1-based line where the current row starts.
    fn line(&self) -> u64 {
        self.record.position().map_or(0, csv::Position::line) + self.line_offset
    }

    /// Counts the current row as read and skipped.
    fn skip_row(&mut self, field: Option<usize>, code: &'static str, reason: String) {
        self.row += 1;
        self.report.rows_read += 1;
        let e = self.row_error(field, code, reason);
        self.report.skip(e, self.max_samples);
    }

    /// Checks what the parser cannot: a row that runs over several lines shaped like rows (a
    /// stray or unclosed quote swallowed them), a row or field too long, a NUL byte. `false`
    /// when the row was skipped; after a swallowing quote the parser restarts on the line after
    /// the bad row's first, so the swallowed rows are read as rows.
    fn check_row(&mut self) -> Result<bool> {
        let start = self.record.position().map_or(0, csv::Position::byte);
        let line = self.line();
        let after = self.reader.position().line() + self.line_offset;
        let overflow = self.reader.get_ref().overflow;
        // Only a quoted line break (or the length limit) makes a row span lines.
        if overflow || after > line + 1 {
            let end = self.reader.position().byte();
            let tape = self.reader.get_ref();
            let raw = tape.slice(start, end);
            let breaks = raw.iter().fold(0u64, |n, &b| n + u64::from(b == b'\n'));
            if let Some(nl) = raw.iter().position(|&b| b == b'\n') {
                // Both the first line and the next are shaped like rows (as many delimiters as
                // the header, counted raw): the first was a whole row and its quote ran on. A
                // field that legitimately holds a line break leaves the rest of its row's
                // delimiters to the next line, so one of the two falls short.
                let next = &raw[nl + 1..];
                let next = &next[..next.iter().position(|&b| b == b'\n').unwrap_or(next.len())];
                let count = |line: &[u8]| {
                    line.iter().fold(0usize, |n, &b| n + usize::from(b == self.delimiter))
                };
                let columns = self.headers.len();
                let row_shaped = |line: &[u8]| columns >= 2 && count(line) + 1 >= columns;
                if overflow || (row_shaped(&raw[..nl]) && row_shaped(next)) {
                    let quote = (0..self.record.len())
                        .find(|&i| self.record.get(i).is_some_and(|f| f.contains(&b'\n')));
                    // Without the limit, the row ends with its line break.
                    let last = if overflow { line + breaks } else { after - 1 };
                    let reason = if overflow {
                        format!(
                            "a quoted field opened on line {line} is not closed within {} \
                             bytes (through line {last}): the quote is probably stray or \
                             unclosed; this row is skipped and the lines after it are read \
                             as rows (fix the quote)",
                            tape.limit
                        )
                    } else {
                        format!(
                            "a quoted field runs from line {line} to line {last}, over lines \
                             shaped like rows: the quote is probably stray or unclosed; this \
                             row is skipped and lines {} to {last} are read as rows (fix the \
                             quote)",
                            line + 1
                        )
                    };
                    self.skip_row(quote, UNCLOSED_QUOTE, reason);
                    self.restart(start + nl as u64 + 1, line + 1);
                    return Ok(false);
                }
            } else if overflow {
                let limit = tape.limit;
                self.skip_row(
                    None,
                    ROW_TOO_LONG,
                    format!("the line is longer than {limit} bytes; skipped"),
                );
                self.skip_line(line)?;
                return Ok(false);
            }
        }
        let bytes = self.record.as_slice();
        if bytes.len() > self.max_field
            && let Some(i) = (0..self.record.len())
                .find(|&i| self.record.get(i).is_some_and(|f| f.len() > self.max_field))
        {
            let len = self.record.get(i).map_or(0, <[u8]>::len);
            let max = self.max_field;
            self.skip_row(
                Some(i),
                FIELD_TOO_LONG,
                format!("the field is {len} bytes long, more than the limit of {max} bytes"),
            );
            return Ok(false);
        }
        if self.reader.get_ref().nul && bytes.contains(&0) {
            let i = (0..self.record.len())
                .find(|&i| self.record.get(i).is_some_and(|f| f.contains(&0)))
                .unwrap_or(0);
            let offset = self.record.get(i).and_then(|f| f.iter().position(|&b| b == 0));
            self.skip_row(
                Some(i),
                NUL_BYTE,
                format!(
                    "a NUL byte (\\0) at offset {} of the field: is the file binary, or UTF-16 \
                     read as 8-bit text? (remove the NUL bytes or give `--encoding`)",
                    offset.unwrap_or(0)
                ),
            );
            return Ok(false);
        }
        Ok(true)
    }

    /// A new parser over the bytes from `offset` on (in the current parser's stream), whose
    /// first line is line `line` of the file.
    fn restart(&mut self, offset: u64, line: u64) {
        let tape = self.take_tape();
        let rest = tape.slice(offset, tape.read).to_vec();
        self.resume(tape, rest, line);
    }

    /// Skips the rest of the current physical line (too long to keep), reading in 64 KiB
    /// steps, and restarts on the next one.
    fn skip_line(&mut self, line: u64) -> Result<()> {
        let mut tape = self.take_tape();
        let mut chunk = vec![0u8; 1 << 16];
        let rest = loop {
            let n = match tape.inner.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(&self.path, e)),
            };
            if n == 0 {
                break Vec::new();
            }
            if let Some(i) = chunk[..n].iter().position(|&b| b == b'\n') {
                break chunk[i + 1..n].to_vec();
            }
        };
        self.resume(tape, rest, line + 1);
        Ok(())
    }

    fn take_tape(&mut self) -> Tape {
        let empty = Tape::new(Box::new(std::io::empty()), 0);
        std::mem::replace(&mut self.reader, parser(self.delimiter, self.terminator, empty))
            .into_inner()
    }

    fn resume(&mut self, tape: Tape, rest: Vec<u8>, line: u64) {
        let (limit, nul) = (tape.limit, tape.nul);
        let mut next = Tape::new(Box::new(Cursor::new(rest).chain(tape.inner)), limit);
        next.nul = nul;
        self.reader = parser(self.delimiter, self.terminator, next);
        self.line_offset = line - 1;
    }

    /// Checks the record id in `out.text[range]` as [`DuplicateIds`] says; `false` when the row
    /// is skipped (or a fatal error is set).
    fn check_id(&mut self, out: &mut RawRecord, range: Range<usize>) -> bool {
        let line = out.line;
        let id = &out.text[range];
        let blank = id.trim().is_empty();
        let Some(seen) = &mut self.seen else {
            // DuplicateIds::Error: counted now, an error at the end of the file.
            if blank {
                self.empty_ids.0 += 1;
                if self.empty_ids.1.len() < 5 {
                    self.empty_ids.1.push(line);
                }
            } else if let Some(ids) = &mut self.ids {
                // A 64-bit folded-multiply hash of the id: a false duplicate among n ids has
                // a probability of about n²/2⁶⁵ (3·10⁻⁴ for 10⁸ ids).
                let mut hasher = rustc_hash::FxHasher::default();
                id.hash(&mut hasher);
                ids.push((hasher.finish(), line));
            }
            return true;
        };
        let key = id_key(id);
        let previous = if blank { None } else { seen.get(&key).copied() };
        match previous {
            None if !blank => {
                seen.insert(key, (line, false));
                return true;
            }
            Some((first, true)) => {
                self.fatal = Some(Error::Input {
                    path: self.path.clone(),
                    reason: format!(
                        "line {line}: record id `{}` is the id `--on-duplicate-id suffix` gave \
                         to the row on line {first}; rename one of them, or use \
                         `--on-duplicate-id skip`",
                        escape_text(id)
                    ),
                });
                self.report.rows_read -= 1;
                self.row -= 1;
                return false;
            }
            _ => {}
        }
        let code = if blank { EMPTY_RECORD_ID } else { DUPLICATE_RECORD_ID };
        let what = match previous {
            Some((first, _)) => {
                format!("record id `{}` already used on line {first}", escape_text(id))
            }
            None => "empty record id".to_owned(),
        };
        if self.on_duplicate == DuplicateIds::Skip {
            let e = self.row_error(None, code, format!("{what}; row skipped"));
            self.report.skip(e, self.max_samples);
            return false;
        }
        // Suffix: the first free `<id>~k` (`#<row>`, then `#<row>~k`, for an empty id).
        let base = if blank { format!("#{}", self.row) } else { id.to_owned() };
        let mut k = if blank { 1 } else { 2 };
        let new = loop {
            let candidate = if k == 1 { base.clone() } else { format!("{base}~{k}") };
            if !seen.contains_key(&id_key(&candidate)) {
                break candidate;
            }
            k += 1;
        };
        seen.insert(id_key(&new), (line, true));
        let start = out.text.len();
        out.text.push_str(&new);
        out.set_span(slot(FieldKind::RecordId), start..out.text.len());
        let (path, max) = (&self.path, self.max_samples);
        self.report.warn(code, max, || RowError {
            path: path.clone(),
            line,
            field: None,
            code,
            reason: format!("{what}; kept as `{}`", escape_text(&new)),
        });
        true
    }

    /// Turns `self.record` into `out`; `false` when the row is skipped.
    fn process(&mut self, out: &mut RawRecord) -> bool {
        self.row += 1;
        self.report.rows_read += 1;
        out.reset(self.line(), self.row);

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

        // The record id, kept byte for byte.
        let id_slot = slot(FieldKind::RecordId);
        let (id_start, id_end) = out.spans[id_slot];
        if id_start == u32::MAX {
            let start = out.text.len();
            let _ = write!(out.text, "{}", self.row);
            out.set_span(id_slot, start..out.text.len());
        } else if !self.check_id(out, id_start as usize..id_end as usize) {
            return false;
        }
        self.report.rows_ok += 1;
        true
    }
}

/// Reads and decodes the header line (the first record), checked against the limits.
fn read_header(
    reader: &mut Parser,
    record: &mut csv::ByteRecord,
    path: &Path,
    opts: &IngestOptions,
    encoding: Encoding,
    limit: u64,
) -> Result<Vec<String>> {
    let input_error = |reason: String| Error::Input { path: path.to_path_buf(), reason };
    if !read_next(reader, record, path, 0)? {
        return Err(input_error("the file is empty: it needs a header line and data rows".into()));
    }
    if reader.get_ref().overflow {
        return Err(input_error(format!(
            "the header line is longer than {limit} bytes: this is not a CSV file with a \
                 header line (check the file, its delimiter and its quotes)"
        )));
    }
    if record.len() > opts.max_columns {
        return Err(input_error(format!(
            "the header has {} columns, more than the limit of {}: check the delimiter \
                 (`--delimiter`) or keep only the columns needed",
            record.len(),
            opts.max_columns
        )));
    }
    Ok((0..record.len())
        .map(|i| field(record, i))
        .map(|field| {
            let mut s = String::new();
            if encoding::decode_field(encoding, field, &mut s).is_err() {
                s = String::from_utf8_lossy(field).into_owned();
            }
            s.trim().trim_start_matches('\u{feff}').trim().to_string()
        })
        .collect())
}

/// Maps the header to field kinds (the configuration's columns, or recognised headers and
/// `--column`), refusing a repeated single-column header and a header with nothing to match.
fn map_header(
    headers: &[String],
    path: &Path,
    opts: &IngestOptions,
) -> Result<super::header::ColumnMap> {
    let input_error = |reason: String| Error::Input { path: path.to_path_buf(), reason };
    let map =
        match &opts.config_columns {
            Some(columns) => map_config(headers, columns).map_err(|(key, reason)| {
                Error::Config { path: None, key, reason: format!("{reason} ({})", path.display()) }
            })?,
            None => map_columns(headers, &opts.columns).map_err(input_error)?,
        };
    // A header of a single-column field repeated: which column is meant is unknown (extra
    // fields read every column of their name, as `email`, `email_2`…).
    for c in map.schema.columns.iter().filter(|c| !c.kind.is_extra()) {
        let name = &headers[c.index];
        if let Some(other) =
            (0..headers.len()).find(|&j| j != c.index && !name.is_empty() && headers[j] == *name)
        {
            let (a, b) = (c.index.min(other) + 1, c.index.max(other) + 1);
            return Err(input_error(format!(
                "the header `{}` appears twice, in columns {a} and {b}: rename one of them \
                     (or remove it) so that the column read is not a guess",
                escape_text(name)
            )));
        }
    }
    if !opts.unknown_header_ok && map.schema.columns.iter().all(|c| c.kind == FieldKind::RecordId) {
        return Err(input_error(no_recognisable_column(headers)));
    }
    Ok(map)
}

/// The error of a file in which no column is recognised, by its header or its values.
pub(crate) fn no_recognisable_column(headers: &[String]) -> String {
    format!(
        "no recognisable column in the header ({}); name the columns ({}) or map them with \
         `--column kind=header` (e.g. `--column full_name=\"Họ và tên\"`)",
        quoted_list(headers),
        super::header::kind_names()
    )
}

/// Whether the first line of a file is data, not a header: no column of it is a header a table
/// knows, and one of its values is what only data holds — a date, or seven digits or more (an
/// id, a phone number). A header the tables do not know (`Cột A`, `Cột B`) is a header.
fn first_line_is_data(first: &[String]) -> bool {
    let known = super::header::map_columns(first, &[])
        .is_ok_and(|m| m.schema.columns.iter().any(|c| c.kind != FieldKind::RecordId));
    !known
        && first.iter().any(|v| {
            v.bytes().filter(u8::is_ascii_digit).count() >= 7
                || (v.len() >= 8 && crate::normalize::date::parse_date(v).date.is_some())
        })
}

/// The column of each slot, and the (slot, column) pairs of later columns joined to a slot.
type Slots = ([Option<usize>; SLOTS], Vec<(usize, usize)>);

/// The column of each slot (the single-column kinds, then one per extra field) and the later
/// columns joined to an extra field's slot.
fn slots(map: &super::header::ColumnMap) -> std::result::Result<Slots, String> {
    let mut columns = [None; SLOTS];
    let mut joined: Vec<(usize, usize)> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for c in &map.schema.columns {
        if c.kind.is_extra() {
            // One slot per field: a later column of the same field is joined to it.
            if let Some(j) = names.iter().position(|n| *n == c.name) {
                joined.push((KINDS + j, c.index));
            } else if names.len() == crate::schema::MAX_EXTRA {
                return Err(format!("more than {} extra fields", crate::schema::MAX_EXTRA));
            } else {
                columns[KINDS + names.len()] = Some(c.index);
                names.push(&c.name);
            }
        } else {
            columns[slot(c.kind)] = Some(c.index);
        }
    }
    Ok((columns, joined))
}

/// The longest physical line kept in memory: 16 fields of the longest size, at least 1 MiB.
fn row_limit(max_field: usize) -> u64 {
    (max_field as u64).saturating_mul(16).max(1 << 20)
}

/// The CSV parser of a source.
fn parser(delimiter: u8, terminator: csv::Terminator, tape: Tape) -> Parser {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .terminator(terminator)
        .buffer_capacity(1 << 16)
        .from_reader(tape)
}

/// A 128-bit key of a record id (two independent 64-bit hashes): a false duplicate among 10⁸
/// ids has a probability of about 10⁻²³.
fn id_key(id: &str) -> u128 {
    let mut a = rustc_hash::FxHasher::default();
    id.hash(&mut a);
    let mut b = std::hash::DefaultHasher::new();
    id.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
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
    reader: &mut Parser,
    record: &mut csv::ByteRecord,
    path: &Path,
    line_offset: u64,
) -> Result<bool> {
    loop {
        let mark = reader.position().byte();
        reader.get_mut().set_mark(mark);
        let more = read_raw(reader, record, path, line_offset)?;
        if !more || record.len() != 1 || !field(record, 0).is_empty() {
            return Ok(more);
        }
    }
}

fn read_raw(
    reader: &mut Parser,
    record: &mut csv::ByteRecord,
    path: &Path,
    line_offset: u64,
) -> Result<bool> {
    reader.read_byte_record(record).map_err(|e| {
        let line = e.position().map_or(0, csv::Position::line) + line_offset;
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
