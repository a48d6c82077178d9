//! Excel input: one sheet of an `.xlsx`, `.xlsm` or `.xls` workbook, read with [`calamine`] and
//! turned into UTF-8 CSV that the ordinary [`CsvSource`] machinery reads.
//!
//! Main items: [`is_excel_path`] (the extension test [`CsvSource::open`] dispatches on),
//! [`open`] (the [`CsvSource`] of a workbook's sheet) and [`sheet_to_csv`] → [`SheetCsv`] (the
//! CSV text of a sheet, for callers that need the rows themselves).
//!
//! Because the sheet goes through the CSV reader, everything behaves as for a CSV file: header
//! matching and `--column` overrides, skipped rows counted by reason, duplicate ids, and errors
//! naming the file, the line and the field. **Line numbers are spreadsheet row numbers**: CSV
//! line *n* is sheet row *n* (row 1 is usually the header); rows above the header and empty rows
//! become lines holding one empty field, which the CSV reader skips as blank without losing the
//! count. For the same reason a line break typed inside a cell (Alt+Enter) becomes a space.
//!
//! The sheet is the first visible worksheet, or the one named by [`IngestOptions::sheet`]
//! (`--sheet`; matched exactly, else ignoring case when that is unambiguous). An unknown name is an
//! [`Error::Input`] naming the file and listing the sheets. The header is the first row with a
//! non-empty cell; its first and last non-empty cells bound the columns read, and cells outside
//! them (notes in the margin) are ignored, as they could not be mapped to a field anyway.
//!
//! Cells come back as the text a person typed:
//!
//! | cell | text |
//! |---|---|
//! | text | as is (a leading `'` is Excel's text marker, not part of the value) |
//! | whole number, stored as a float (`1.23456789012e11`, `912345678.0`) | the digits, without `.0` or exponent: `123456789012`, `912345678` |
//! | other number | the shortest text that reads back as the same float (`0.1`, `1.5`) |
//! | date-formatted number, ISO 8601 date cell | `yyyy-mm-dd` (a time of day is dropped; a time alone is `hh:mm:ss`) |
//! | duration | the number |
//! | boolean | `true` / `false` |
//! | error (`#N/A`, `#VALUE!`…), empty | empty |
//!
//! Numbers that are *not* date-formatted stay numbers: a date of birth kept as the raw serial
//! `25783` in a General cell comes through as `25783`, which the date normaliser reads as an
//! Excel serial ([`crate::normalize::date`]). An identity number or a phone typed as a number has
//! lost its leading zero (`001203004567` → `1203004567`, `0912345678` → `912345678`); the digits
//! are passed on as they are and the normalisers put the zero back
//! ([`crate::normalize::id`] pads 10–11 digits to a valid 12-digit CCCD and 8 digits to a CMND;
//! the phone normaliser reads 9-digit mobile numbers without their `0`). Text typed in the old
//! TCVN3/VNI fonts is stored in the workbook as the 8-bit characters of those fonts, so it reaches
//! the normaliser in the same garbled form as from a Windows-1252 CSV file, which its legacy
//! decoder handles (not tested on a real legacy workbook).
//!
//! Memory: a worksheet holds at most 1,048,576 rows, so the CSV text of the sheet is built in
//! memory (a `Vec<u8>`, typically 100–200 bytes per row: about 150 MB for a full sheet) and read
//! from a [`Cursor`] (for 96,845 generated records, 13 MB of CSV: peak memory of `vnlink build`
//! 208 MB against 198 MB from the CSV file, time 0.84 s against 0.66 s). `.xlsx` cells are streamed from the sheet's XML into that text without
//! building calamine's cell grid; `.xls` sheets are read as a grid first (the BIFF format has no
//! streaming reader), which is bounded by the 65,536 rows of that format.
//!
//! Errors: a file with an Excel extension that is not a workbook (text, HTML saved as `.xls`, a
//! damaged zip), a password-protected workbook, or a workbook without any worksheet is an
//! [`Error::Input`] naming the file and saying what to do; problems of the chosen sheet that a CSV
//! file can have too (empty, header only, no recognisable column) are the CSV reader's
//! [`Error::Input`], prefixed with the sheet's name. calamine itself can panic on a damaged
//! `.xls`; such a panic is caught and becomes an [`Error::Input`] too.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::panic::AssertUnwindSafe;
use std::path::Path;

use calamine::{
    Data, DataRef, ExcelDateTime, Reader, Sheet, SheetType, SheetVisible, Xls, XlsError, Xlsx,
    XlsxError,
};

use super::encoding::Encoding;
use super::reader::{CsvSource, IngestOptions};
use crate::{Error, Result};

/// The file extensions read as Excel workbooks (compared ignoring case).
pub const EXCEL_EXTENSIONS: [&str; 3] = ["xlsx", "xlsm", "xls"];

/// The first bytes of a zip archive (`.xlsx`, `.xlsm`).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The first bytes of an OLE compound file (`.xls`, or a password-protected `.xlsx`).
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Whether `path` has one of the [`EXCEL_EXTENSIONS`].
pub fn is_excel_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXCEL_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Opens a sheet of the workbook `path` as a [`CsvSource`] (see the module docs): the sheet
/// named by `opts.sheet`, or the first visible worksheet. `opts.delimiter` and `opts.encoding`
/// do not apply (the sheet is converted to UTF-8 CSV); every other option does.
pub fn open(path: &Path, opts: &IngestOptions) -> Result<CsvSource> {
    let SheetCsv { sheet, csv } = sheet_to_csv(path, opts.sheet.as_deref())?;
    let inner =
        IngestOptions { delimiter: Some(b','), encoding: Some(Encoding::Utf8), ..opts.clone() };
    CsvSource::from_reader(path, Cursor::new(csv), &inner).map_err(|e| match e {
        Error::Input { path, reason } => Error::Input { path, reason: in_sheet(&sheet, &reason) },
        e => e,
    })
}

/// A sheet converted to CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetCsv {
    /// The name of the sheet read.
    pub sheet: String,
    /// UTF-8 CSV, `,`-separated, `\n`-terminated, quoted where needed; line *n* is sheet row *n*
    /// (`""`, one empty field, for rows without a value); every other line has the header's
    /// number of fields.
    pub csv: Vec<u8>,
}

/// Converts a sheet of the workbook `path` to CSV (see the module docs for the cell texts): the
/// sheet named `sheet`, or the first visible worksheet. A sheet without any value gives empty CSV.
pub fn sheet_to_csv(path: &Path, sheet: Option<&str>) -> Result<SheetCsv> {
    // calamine can panic on a damaged file (e.g. an index out of bounds in its `.xls` reader):
    // that is a bad input, not a bug of ours, so it becomes an error naming the file. (The
    // panic message is still printed by the panic hook; an allocation failure still aborts.)
    std::panic::catch_unwind(AssertUnwindSafe(|| convert(path, sheet))).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let what = what.lines().next().unwrap_or_default();
        Err(Error::Input {
            path: path.to_path_buf(),
            reason: format!(
                "damaged workbook: the Excel reader failed ({what}); open it in a spreadsheet \
                 and save it again, or save it as CSV"
            ),
        })
    })
}

fn convert(path: &Path, sheet: Option<&str>) -> Result<SheetCsv> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut input = BufReader::new(file);
    let mut head = [0u8; 8];
    let n = super::reader::read_head(&mut input, &mut head).map_err(|e| Error::io(path, e))?;
    input.rewind().map_err(|e| Error::io(path, e))?;
    let head = &head[..n];
    let not_workbook = |reason: String| Error::Input {
        path: path.to_path_buf(),
        reason: format!("not an Excel workbook: {reason}"),
    };
    if head.starts_with(ZIP_MAGIC) {
        let mut book: Xlsx<_> = Xlsx::new(input).map_err(|e| xlsx_error(path, &e))?;
        let name = choose_sheet(path, book.sheets_metadata(), sheet)?;
        let mut sink = CsvSink::new();
        if xlsx_stream(&mut book, &name, &mut sink).map_err(|e| xlsx_error(path, &e))? {
            return Ok(SheetCsv { sheet: name, csv: sink.finish() });
        }
        // Rows out of order in the XML (Excel never writes that): read the grid instead.
        let range = book.worksheet_range(&name).map_err(|e| xlsx_error(path, &e))?;
        let csv = range_to_csv(&range);
        Ok(SheetCsv { sheet: name, csv })
    } else if head.starts_with(CFB_MAGIC) {
        let mut book: Xls<_> = match Xls::new(input) {
            Ok(book) => book,
            Err(e) => {
                // A password-protected `.xlsx` is a compound file too.
                let reopened = File::open(path).map_err(|e| Error::io(path, e))?;
                if let Err(XlsxError::Password) = Xlsx::new(BufReader::new(reopened)) {
                    return Err(xlsx_error(path, &XlsxError::Password));
                }
                return Err(xls_error(path, &e));
            }
        };
        let name = choose_sheet(path, book.sheets_metadata(), sheet)?;
        let range = book.worksheet_range(&name).map_err(|e| xls_error(path, &e))?;
        let csv = range_to_csv(&range);
        Ok(SheetCsv { sheet: name, csv })
    } else if head.is_empty() {
        Err(not_workbook("the file is empty".into()))
    } else if head.iter().all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace() || b >= 0x80) {
        Err(not_workbook(
            "the file is text; if it is CSV, give it the `.csv` extension; if it is a web page \
             saved as `.xls`, open it in a spreadsheet and save it as `.xlsx` or CSV"
                .into(),
        ))
    } else {
        Err(not_workbook(
            "unknown format (neither an `.xlsx` zip archive nor an `.xls` compound file); save \
             it as `.xlsx` or CSV"
                .into(),
        ))
    }
}

fn in_sheet(sheet: &str, reason: &str) -> String {
    format!("sheet `{sheet}`: {reason}")
}

const PASSWORD: &str = "the workbook is password-protected; remove the password (in Excel: File → \
                        Info → Protect Workbook → Encrypt with Password) and save it again";

fn xlsx_error(path: &Path, e: &XlsxError) -> Error {
    let reason = match e {
        XlsxError::Password => PASSWORD.to_owned(),
        XlsxError::Zip(_) => format!("not a valid `.xlsx` workbook (damaged zip archive: {e})"),
        _ => format!("cannot read the `.xlsx` workbook: {e}"),
    };
    Error::Input { path: path.to_path_buf(), reason }
}

fn xls_error(path: &Path, e: &XlsError) -> Error {
    let reason = match e {
        XlsError::Password => PASSWORD.to_owned(),
        _ => format!("cannot read the `.xls` workbook: {e}"),
    };
    Error::Input { path: path.to_path_buf(), reason }
}

/// The sheet to read: `wanted` (exactly, else ignoring case when only one sheet matches), or the
/// first visible worksheet (the first worksheet when all are hidden).
fn choose_sheet(path: &Path, sheets: &[Sheet], wanted: Option<&str>) -> Result<String> {
    let input_error = |reason: String| Error::Input { path: path.to_path_buf(), reason };
    let Some(wanted) = wanted else {
        let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
        return worksheets()
            .find(|s| s.visible == SheetVisible::Visible)
            .or_else(|| worksheets().next())
            .map(|s| s.name.clone())
            .ok_or_else(|| input_error("the workbook has no worksheet".into()));
    };
    if let Some(s) = sheets.iter().find(|s| s.name == wanted) {
        return Ok(s.name.clone());
    }
    let folded = wanted.trim().to_lowercase();
    let mut close = sheets.iter().filter(|s| s.name.trim().to_lowercase() == folded);
    if let (Some(s), None) = (close.next(), close.next()) {
        return Ok(s.name.clone());
    }
    let names: Vec<String> = sheets.iter().map(|s| format!("`{}`", s.name)).collect();
    Err(input_error(format!("no sheet named `{wanted}`; the sheets are {}", names.join(", "))))
}

/// Streams the cells of an `.xlsx` sheet into `sink`; `Ok(false)` when rows are out of order
/// (then `sink` is to be thrown away).
fn xlsx_stream<RS: Read + Seek>(
    book: &mut Xlsx<RS>,
    sheet: &str,
    sink: &mut CsvSink,
) -> std::result::Result<bool, XlsxError> {
    let mut cells = book.worksheet_cells_reader(sheet)?;
    while let Some(cell) = cells.next_cell()? {
        let (row, col) = cell.get_position();
        if !sink.push(row, col, Value::from_ref(cell.get_value())) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The CSV of a whole cell grid.
fn range_to_csv(range: &calamine::Range<Data>) -> Vec<u8> {
    let mut sink = CsvSink::new();
    if let Some((row0, col0)) = range.start() {
        for (r, row) in (row0..).zip(range.rows()) {
            for (c, value) in (col0..).zip(row) {
                // Rows of a grid come in order.
                sink.push(r, c, Value::from_data(value));
            }
        }
    }
    sink.finish()
}

/// A cell's value, from either of calamine's cell types.
#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Empty,
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(ExcelDateTime),
    DateTimeIso(&'a str),
}

impl<'a> Value<'a> {
    fn from_data(d: &'a Data) -> Self {
        match d {
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            // A duration in ISO form (`PT36H`) is passed on as text.
            Data::String(s) | Data::DurationIso(s) => Value::Text(s),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(d) => Value::DateTime(*d),
            Data::DateTimeIso(s) => Value::DateTimeIso(s),
            Data::Error(_) | Data::Empty => Value::Empty,
        }
    }

    fn from_ref(d: &'a DataRef<'_>) -> Self {
        match d {
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::String(s) | DataRef::DurationIso(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(d) => Value::DateTime(*d),
            DataRef::DateTimeIso(s) => Value::DateTimeIso(s),
            DataRef::Error(_) | DataRef::Empty => Value::Empty,
        }
    }

    /// Appends the text of the value to `out` (see the table in the module docs).
    fn write_to(self, out: &mut String) {
        match self {
            Value::Empty => {}
            Value::Text(s) => push_text(s, out),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => push_number(f, out),
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::DateTime(d) => push_datetime(d, out),
            Value::DateTimeIso(s) => {
                // `1980-03-05T00:00:00` → `1980-03-05`; a time alone stays.
                let date = s.split_once('T').map_or(s, |(date, _)| date);
                push_text(if date.is_empty() { s } else { date }, out);
            }
        }
    }
}

/// A cell's text with its line breaks (`\r\n`, `\n`, `\r`) turned into spaces, so that one
/// sheet row stays one CSV line.
fn push_text(s: &str, out: &mut String) {
    if !s.contains(['\r', '\n']) {
        out.push_str(s);
        return;
    }
    let mut after_cr = false;
    for c in s.chars() {
        match c {
            '\n' if after_cr => {}
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
        after_cr = c == '\r';
    }
}

/// A number as typed: whole numbers without `.0` or exponent, others in their shortest
/// round-trip form (Rust's `Display` for `f64` does both); `-0` is `0`, NaN and infinities
/// (which no workbook holds) are empty.
fn push_number(f: f64, out: &mut String) {
    if !f.is_finite() {
        return;
    }
    if f == 0.0 {
        out.push('0');
    } else {
        let _ = write!(out, "{f}");
    }
}

/// A date-formatted cell: `yyyy-mm-dd`, `hh:mm:ss` for a time alone, the number for a duration.
fn push_datetime(d: ExcelDateTime, out: &mut String) {
    let serial = d.as_f64();
    if d.is_duration() || serial.is_nan() || serial < 0.0 {
        push_number(serial, out);
        return;
    }
    let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
    let _ = if serial < 1.0 {
        write!(out, "{hour:02}:{minute:02}:{second:02}")
    } else {
        write!(out, "{year:04}-{month:02}-{day:02}")
    };
}

/// The line of a row without a value: one empty field, which the CSV reader skips as it skips
/// blank lines. A truly blank line would do too, but `csv` reports the record after blank lines
/// on the line of the first of them, which would shift the line numbers.
const EMPTY_ROW: &[u8] = b"\"\"\n";

/// Turns cells, given row by row, into CSV lines: line *n* is sheet row *n*.
struct CsvSink {
    /// The CSV text so far.
    out: Vec<u8>,
    /// Lines written so far, i.e. the 0-based sheet row the next line stands for.
    lines: u32,
    /// The 0-based row being collected (the last row seen).
    row: Option<u32>,
    /// The header's columns, `first..end` (0-based), once the header row is written.
    columns: Option<(u32, u32)>,
    /// The current row's texts, by 0-based column (buffers reused from row to row).
    fields: Vec<String>,
    /// Columns of the current row whose text is not empty, in the order set.
    set: Vec<u32>,
}

impl CsvSink {
    fn new() -> Self {
        CsvSink {
            out: Vec::new(),
            lines: 0,
            row: None,
            columns: None,
            fields: Vec::new(),
            set: Vec::new(),
        }
    }

    /// Adds a cell; `false` when `row` comes before the current row (cells out of order).
    fn push(&mut self, row: u32, col: u32, value: Value<'_>) -> bool {
        if matches!(value, Value::Empty) {
            return true;
        }
        match self.row {
            Some(r) if r == row => {}
            Some(r) if row < r => return false,
            Some(_) => {
                self.end_row();
                self.row = Some(row);
            }
            None => self.row = Some(row),
        }
        if let Some((first, end)) = self.columns
            && !(first..end).contains(&col)
        {
            return true;
        }
        let i = col as usize;
        if self.fields.len() <= i {
            self.fields.resize_with(i + 1, String::new);
        }
        let text = &mut self.fields[i];
        // The same cell twice (a malformed file): the last value wins.
        let was_set = !text.is_empty();
        text.clear();
        value.write_to(text);
        if !was_set && !text.is_empty() {
            self.set.push(col);
        }
        true
    }

    /// Writes the current row, if it has a value in the header's columns.
    fn end_row(&mut self) {
        let Some(row) = self.row else { return };
        if self.set.is_empty() {
            return;
        }
        let (first, end) = *self.columns.get_or_insert_with(|| {
            let first = self.set.iter().copied().min().unwrap_or(0);
            let last = self.set.iter().copied().max().unwrap_or(0);
            (first, last + 1)
        });
        // A line for each row without a value since the last line written.
        for _ in self.lines..row {
            self.out.extend_from_slice(EMPTY_ROW);
        }
        for col in first..end {
            if col > first {
                self.out.push(b',');
            }
            write_field(self.fields.get(col as usize).map_or("", String::as_str), &mut self.out);
        }
        self.out.push(b'\n');
        self.lines = row + 1;
        for &col in &self.set {
            self.fields[col as usize].clear();
        }
        self.set.clear();
    }

    /// The CSV text.
    fn finish(mut self) -> Vec<u8> {
        self.end_row();
        self.out
    }
}

/// Appends `text` as a CSV field: quoted (with `"` doubled) when it holds a `,`, a `"` or a line
/// break, as the `csv` reader expects.
fn write_field(text: &str, out: &mut Vec<u8>) {
    if !text.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    for b in text.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Value<'_>) -> String {
        let mut s = String::new();
        v.write_to(&mut s);
        s
    }

    fn date(serial: f64) -> Value<'static> {
        Value::DateTime(ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false))
    }

    #[test]
    fn numbers_come_back_as_typed() {
        assert_eq!(text(Value::Float(1.234_567_890_1e11)), "123456789010");
        assert_eq!(text(Value::Float(123_456_789_012.0)), "123456789012");
        assert_eq!(text(Value::Float(912_345_678.0)), "912345678");
        assert_eq!(text(Value::Float(1_203_004_567.0)), "1203004567");
        assert_eq!(text(Value::Float(25783.0)), "25783");
        assert_eq!(text(Value::Float(0.1)), "0.1");
        assert_eq!(text(Value::Float(29285.75)), "29285.75");
        assert_eq!(text(Value::Float(-0.0)), "0");
        assert_eq!(text(Value::Float(-12.5)), "-12.5");
        assert_eq!(text(Value::Float(1e21)), "1000000000000000000000");
        assert_eq!(text(Value::Float(f64::NAN)), "");
        assert_eq!(text(Value::Int(84_912_345_678)), "84912345678");
    }

    #[test]
    fn dates_are_iso() {
        // 25783 = 1970-08-03 (1900 system); 29285 = 1980-03-05.
        assert_eq!(text(date(25783.0)), "1970-08-03");
        assert_eq!(text(date(29285.75)), "1980-03-05");
        assert_eq!(text(date(0.5)), "12:00:00");
        let d1904 = ExcelDateTime::new(0.0, calamine::ExcelDateTimeType::DateTime, true);
        assert_eq!(text(Value::DateTime(d1904)), "00:00:00");
        let d1904 = ExcelDateTime::new(27823.0, calamine::ExcelDateTimeType::DateTime, true);
        assert_eq!(text(Value::DateTime(d1904)), "1980-03-05");
        let duration = ExcelDateTime::new(1.5, calamine::ExcelDateTimeType::TimeDelta, false);
        assert_eq!(text(Value::DateTime(duration)), "1.5");
        assert_eq!(text(Value::DateTimeIso("1980-03-05T00:00:00")), "1980-03-05");
        assert_eq!(text(Value::DateTimeIso("1980-03-05")), "1980-03-05");
    }

    #[test]
    fn other_cells() {
        assert_eq!(text(Value::Bool(true)), "true");
        assert_eq!(text(Value::Bool(false)), "false");
        assert_eq!(text(Value::Empty), "");
        assert_eq!(text(Value::Text("Nguyễn Văn An")), "Nguyễn Văn An");
        assert_eq!(text(Value::Text("Số 5\r\nngõ 12\nHà Nội\r")), "Số 5 ngõ 12 Hà Nội ");
    }

    fn csv_of(cells: &[(u32, u32, &str)]) -> String {
        let mut sink = CsvSink::new();
        for &(r, c, v) in cells {
            assert!(sink.push(r, c, Value::Text(v)));
        }
        String::from_utf8(sink.finish()).unwrap()
    }

    #[test]
    fn one_line_per_sheet_row() {
        // Header on row 3 (0-based 2) from column B; a gap row; a note right of the header.
        let csv = csv_of(&[
            (2, 1, "Họ và tên"),
            (2, 2, "Địa chỉ, nơi ở"),
            (3, 1, "Lê Thị Bình"),
            (3, 4, "ghi chú"),
            (5, 2, "Huế"),
            (6, 0, "lề trái"),
        ]);
        assert_eq!(csv, "\"\"\n\"\"\nHọ và tên,\"Địa chỉ, nơi ở\"\nLê Thị Bình,\n\"\"\n,Huế\n");
        assert_eq!(csv.lines().position(|l| l.starts_with(",Huế")), Some(5));
    }

    #[test]
    fn empty_cells_and_out_of_order_rows() {
        assert_eq!(csv_of(&[]), "");
        assert_eq!(csv_of(&[(0, 0, ""), (1, 0, "")]), "");
        let mut sink = CsvSink::new();
        assert!(sink.push(4, 0, Value::Text("a")));
        assert!(!sink.push(3, 0, Value::Text("b")));
    }

    #[test]
    fn quotes_and_empty_fields() {
        let csv = csv_of(&[(0, 0, "a"), (0, 1, "b"), (0, 2, "c"), (1, 1, "say \"hi\"")]);
        assert_eq!(csv, "a,b,c\n,\"say \"\"hi\"\"\",\n");
    }

    #[test]
    fn extensions() {
        assert!(is_excel_path(Path::new("a/b.xlsx")));
        assert!(is_excel_path(Path::new("B.XLS")));
        assert!(is_excel_path(Path::new("m.xlsm")));
        assert!(!is_excel_path(Path::new("b.csv")));
        assert!(!is_excel_path(Path::new("xlsx")));
    }
}
