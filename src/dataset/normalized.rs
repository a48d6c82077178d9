//! The normalisers applied to loose values and to whole CSV files, with printable results: what
//! `vnlink normalize` runs.
//!
//! * [`ValueNormalizer::normalize`]: one value of a field kind → a [`NormalizedValue`], a JSON
//!   object (by [`Serialize`] or [`Display`](std::fmt::Display)) whose keys are a contract that
//!   scripts rely on; unknown values are `null`, and an empty value gives an object whose keys
//!   are all `null` (name: `middle` is `""`). [`normalize_lines`] does it for every line of a
//!   stream, in order, as JSON lines.
//! * [`normalize_csv`]: every good row of a file (read by [`CsvSource`], columns mapped by their
//!   headers) copied whole, with the normalised columns of its mapped fields appended
//!   ([`csv_columns`]), written atomically. The legacy encodings of the name and address columns
//!   are decided on the first rows, as [`prepare`](super::prepare) does.
//!
//! ```no_run
//! # fn main() -> vnlink::Result<()> {
//! use vnlink::dataset::normalized::{NormalizeOptions, ValueNormalizer, normalize_csv};
//! use vnlink::schema::FieldKind;
//!
//! let mut n = ValueNormalizer::new();
//! if let Some(json) = n.normalize(FieldKind::Dob, "05/03/1980") {
//!     println!("{json}"); // {"year":1980,"month":3,"day":5,"precision":"day",…}
//! }
//! let summary = normalize_csv("people.csv", "people.norm.csv", &NormalizeOptions::default())?;
//! println!("{} rows, {} skipped", summary.rows, summary.report.rows_skipped);
//! # Ok(())
//! # }
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use serde::Serialize;

use super::prepare::Encodings;
use crate::error::{Error, Result};
use crate::ingest::{CsvSource, Encoding, IngestOptions, IngestReport, RawRecord};
use crate::normalize::address::{Address, AddressCodes, AddressNormalizer, AddressWarning};
use crate::normalize::date::{self, ParsedDate};
use crate::normalize::id::{self, NationalId};
use crate::normalize::legacy::{self, LegacyEncoding};
use crate::normalize::name::{Name, NameNormalizer};
use crate::normalize::{Sex, admin, phone, sex};
use crate::schema::FieldKind;
use crate::util::formula::escape_formula;
use crate::util::fs::AtomicFile;

/// The normalisers of a run and their buffers, reused from value to value.
#[derive(Default)]
pub struct ValueNormalizer {
    names: NameNormalizer,
    name: Name,
    addresses: AddressNormalizer,
    address: Address,
    decoded: String,
}

impl ValueNormalizer {
    /// Normalisers with empty buffers.
    pub fn new() -> Self {
        ValueNormalizer::default()
    }

    fn name(&mut self, value: &str, enc: Option<LegacyEncoding>) -> LegacyEncoding {
        self.names.normalize_into(value, enc, &mut self.name).encoding
    }

    /// Decodes legacy text first, as the record pipeline does: the address parser reads Unicode.
    fn address(&mut self, value: &str, enc: Option<LegacyEncoding>) {
        match enc {
            Some(e) => legacy::decode_into(value, e, &mut self.decoded),
            None => legacy::decode_auto_into(value, &mut self.decoded),
        };
        self.addresses.normalize_into(&self.decoded, &mut self.address);
    }

    /// The normalised form of `value` as a field of `kind` (legacy encodings detected per
    /// value); `None` for kinds without a normaliser here (those of [`FieldKind::FIXED`] have
    /// one). The keys of each kind's object are listed in the `vnlink normalize --help` text.
    pub fn normalize(&mut self, kind: FieldKind, value: &str) -> Option<NormalizedValue<'_>> {
        let json = match kind {
            FieldKind::Name => {
                let enc = self.name(value, None);
                Json::Name(NameJson::new(&self.name, enc))
            }
            FieldKind::Address => {
                self.address(value, None);
                Json::Address(AddressJson::new(&self.address, value.trim().is_empty()))
            }
            FieldKind::Dob => Json::Date(DateJson::new(date::parse_date(value))),
            FieldKind::NationalId => Json::Id(IdJson::new(id::parse_id(value).as_ref())),
            FieldKind::Phone => {
                let p = phone::normalize_phone(value);
                Json::Phone(PhoneJson {
                    kind: p.as_ref().map(|p| p.kind.as_str()),
                    national: p.map(|p| p.national),
                })
            }
            FieldKind::Sex => Json::Sex(SexJson { sex: sex::parse_sex(value).map(Sex::as_str) }),
            _ => return None,
        };
        Some(NormalizedValue(json))
    }
}

/// The normalised form of one value: a JSON object, printed by [`Serialize`] or by
/// [`Display`](std::fmt::Display) (compact JSON, one line).
#[derive(Serialize)]
pub struct NormalizedValue<'a>(Json<'a>);

impl std::fmt::Display for NormalizedValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&json)
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Json<'a> {
    Name(NameJson<'a>),
    Address(AddressJson<'a>),
    Date(DateJson),
    Id(IdJson),
    Phone(PhoneJson),
    Sex(SexJson),
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[derive(Serialize)]
struct NameJson<'a> {
    text: Option<&'a str>,
    ascii: Option<&'a str>,
    family: Option<&'a str>,
    middle: &'a str,
    given: Option<&'a str>,
    family_class: Option<&'a str>,
    family_class_ascii: Option<&'a str>,
    phonetic: Option<String>,
    sex_hint: Option<&'static str>,
    given_class: Option<&'a str>,
    encoding: Option<&'static str>,
}

impl<'a> NameJson<'a> {
    fn new(n: &'a Name, enc: LegacyEncoding) -> Self {
        let empty = n.is_empty();
        NameJson {
            text: non_empty(&n.text),
            ascii: non_empty(&n.ascii),
            family: non_empty(&n.family),
            middle: &n.middle,
            given: non_empty(&n.given),
            family_class: non_empty(&n.family_class),
            family_class_ascii: non_empty(&n.family_class_ascii),
            phonetic: (!empty).then(|| n.phonetic.join(" ")),
            sex_hint: n.sex_hint.map(Sex::as_str),
            given_class: non_empty(&n.given_class),
            encoding: (!empty).then(|| enc.as_str()),
        }
    }
}

#[derive(Serialize)]
struct AddressJson<'a> {
    #[serde(flatten)]
    codes: AddressCodes<'a>,
    alley: Option<&'a str>,
    hamlet: Option<&'a str>,
    style: Option<&'static str>,
    warning: Option<AddressWarning>,
}

impl<'a> AddressJson<'a> {
    fn new(a: &'a Address, blank: bool) -> Self {
        AddressJson {
            codes: a.codes(),
            alley: a.alley.as_deref(),
            hamlet: a.hamlet.as_deref(),
            style: (!blank).then(|| a.style.as_str()),
            warning: a.warning,
        }
    }
}

#[derive(Serialize)]
struct DateJson {
    year: Option<u16>,
    month: Option<u8>,
    day: Option<u8>,
    precision: Option<&'static str>,
    iso: Option<String>,
    warning: Option<&'static str>,
}

impl DateJson {
    fn new(p: ParsedDate) -> Self {
        let d = p.date;
        DateJson {
            year: d.map(|d| d.year),
            month: d.map(|d| d.month).filter(|&m| m != 0),
            day: d.map(|d| d.day).filter(|&x| x != 0),
            precision: d.map(|d| d.precision().as_str()),
            iso: d.map(|d| d.to_string()),
            warning: p.warning.map(date::DateWarning::as_str),
        }
    }
}

#[derive(Serialize)]
struct IdJson {
    kind: Option<&'static str>,
    digits: Option<String>,
    birth_province_code: Option<&'static str>,
    sex: Option<&'static str>,
    birth_year: Option<u16>,
    damaged: Option<bool>,
    padded: Option<bool>,
}

impl IdJson {
    fn new(n: Option<&NationalId>) -> Self {
        IdJson {
            kind: n.map(|n| n.kind.as_str()),
            digits: n.and_then(|n| non_empty(&n.digits)).map(str::to_owned),
            birth_province_code: n.and_then(|n| n.birth_province_code),
            sex: n.and_then(|n| n.sex).map(Sex::as_str),
            birth_year: n.and_then(|n| n.birth_year),
            damaged: n.map(|n| n.damaged),
            padded: n.map(|n| n.padded),
        }
    }
}

#[derive(Serialize)]
struct PhoneJson {
    national: Option<String>,
    kind: Option<&'static str>,
}

#[derive(Serialize)]
struct SexJson {
    sex: Option<&'static str>,
}

/// An error of [`normalize_lines`]: reading its input or writing its output.
#[derive(Debug, thiserror::Error)]
pub enum LinesError {
    /// The input could not be read.
    #[error("cannot read the input")]
    Read(#[source] std::io::Error),
    /// The output could not be written.
    #[error(transparent)]
    Write(std::io::Error),
}

/// Writes the [`NormalizedValue`] of every line of `input` (a value of `kind`, without its
/// `\n` or `\r\n`) to `out` as JSON lines, in input order; returns how many lines were not valid
/// UTF-8 (normalised with U+FFFD for the bad bytes, and passed to `invalid` with their 1-based
/// number and the offset of the first bad byte). `out` is flushed whenever `input` has no more
/// data buffered, so that a caller writing one line at a time through a pipe sees each answer.
/// Nothing is written for a kind without a normaliser.
pub fn normalize_lines(
    kind: FieldKind,
    input: &mut BufReader<impl Read>,
    out: &mut impl Write,
    mut invalid: impl FnMut(u64, usize),
) -> std::result::Result<u64, LinesError> {
    let mut n = ValueNormalizer::new();
    let mut line = Vec::new();
    let (mut number, mut bad) = (0u64, 0u64);
    loop {
        line.clear();
        number += 1;
        if input.read_until(b'\n', &mut line).map_err(LinesError::Read)? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if let Err(e) = std::str::from_utf8(&line) {
            bad += 1;
            invalid(number, e.valid_up_to());
        }
        let value = String::from_utf8_lossy(&line);
        if let Some(json) = n.normalize(kind, &value) {
            write_json_line(&json, out).map_err(LinesError::Write)?;
        }
        if input.buffer().is_empty() {
            out.flush().map_err(LinesError::Write)?;
        }
    }
    out.flush().map_err(LinesError::Write)?;
    Ok(bad)
}

/// Writes `value` as one line of compact JSON.
pub fn write_json_line(value: &NormalizedValue<'_>, out: &mut impl Write) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
}

// --------------------------------------------------------------------------------------------
// Whole files.

/// How [`normalize_csv`] reads and writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NormalizeOptions {
    /// How the input is read (columns, delimiter, encoding, sheet…).
    pub ingest: IngestOptions,
    /// Write a cell that starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab or CR; a
    /// phone `+84 …` too) with a leading `'` ([`escape_formula`]); `true` by default.
    pub escape_formulas: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions { ingest: IngestOptions::default(), escape_formulas: true }
    }
}

/// What [`normalize_csv`] did.
#[derive(Clone, Debug)]
pub struct NormalizeSummary {
    /// Rows written (the good rows of the input).
    pub rows: u64,
    /// The kinds that got columns, in output order.
    pub kinds: Vec<FieldKind>,
    /// The input's ingest report: rows read and skipped (wrong field count, undecodable
    /// text…), by reason, with samples naming the file, line and field.
    pub report: IngestReport,
}

/// The columns [`normalize_csv`] appends for a field of `kind`, in output order (none for the
/// kinds outside [`FieldKind::FIXED`]).
pub fn csv_columns(kind: FieldKind) -> &'static [&'static str] {
    match kind {
        FieldKind::Name => &[
            "full_name.text",
            "full_name.ascii",
            "full_name.family",
            "full_name.middle",
            "full_name.given",
            "full_name.family_class",
            "full_name.phonetic",
            "full_name.sex_hint",
        ],
        FieldKind::Dob => &["dob.iso", "dob.precision", "dob.warning"],
        FieldKind::Sex => &["sex.value"],
        FieldKind::Address => &[
            "address.house_number",
            "address.alley",
            "address.street",
            "address.hamlet",
            "address.ward_old",
            "address.district_old",
            "address.province_old",
            "address.ward_new",
            "address.province_new",
        ],
        FieldKind::NationalId => &[
            "id_number.kind",
            "id_number.digits",
            "id_number.birth_province_code",
            "id_number.sex",
            "id_number.birth_year",
        ],
        FieldKind::Phone => &["phone.national", "phone.kind"],
        _ => &[],
    }
}

impl ValueNormalizer {
    /// Pushes the normalised cells of `kind`'s `value` onto `cells` (as many as
    /// [`csv_columns`]).
    fn push_cells(
        &mut self,
        enc: Encodings,
        kind: FieldKind,
        value: &str,
        cells: &mut Vec<String>,
    ) {
        let opt = |s: Option<&str>| s.unwrap_or_default().to_owned();
        let code = |c: Option<String>| c.unwrap_or_default();
        match kind {
            FieldKind::Name => {
                self.name(value, enc.name);
                let m = &self.name;
                cells.extend([
                    m.text.clone(),
                    m.ascii.clone(),
                    m.family.clone(),
                    m.middle.clone(),
                    m.given.clone(),
                    m.family_class.clone(),
                    m.phonetic.join(" "),
                    opt(m.sex_hint.map(Sex::as_str)),
                ]);
            }
            FieldKind::Dob => {
                let p = date::parse_date(value);
                cells.extend([
                    code(p.date.map(|d| d.to_string())),
                    opt(p.date.map(|d| d.precision().as_str())),
                    opt(p.warning.map(date::DateWarning::as_str)),
                ]);
            }
            FieldKind::Sex => cells.push(opt(sex::parse_sex(value).map(Sex::as_str))),
            FieldKind::Address => {
                self.address(value, enc.address);
                let a = &self.address;
                let wards: Vec<String> =
                    a.ward_new.iter().map(|&c| admin::ward_code(c).to_string()).collect();
                cells.extend([
                    opt(a.house_number.as_deref()),
                    opt(a.alley.as_deref()),
                    opt(a.street.as_deref()),
                    opt(a.hamlet.as_deref()),
                    code(a.ward_old.map(|c| admin::ward_code(c).to_string())),
                    code(a.district_old.map(|c| admin::district_code(c).to_string())),
                    code(a.province_old.map(|c| admin::province_code(c).to_string())),
                    wards.join(";"),
                    code(a.province_new.map(|c| admin::province_code(c).to_string())),
                ]);
            }
            FieldKind::NationalId => {
                let nid = id::parse_id(value);
                let nid = nid.as_ref();
                cells.extend([
                    opt(nid.map(|n| n.kind.as_str())),
                    opt(nid.map(|n| n.digits.as_str())),
                    opt(nid.and_then(|n| n.birth_province_code)),
                    opt(nid.and_then(|n| n.sex).map(Sex::as_str)),
                    code(nid.and_then(|n| n.birth_year).map(|y| y.to_string())),
                ]);
            }
            FieldKind::Phone => {
                let p = phone::normalize_phone(value);
                cells.extend([
                    opt(p.as_ref().map(|p| p.national.as_str())),
                    opt(p.as_ref().map(|p| p.kind.as_str())),
                ]);
            }
            _ => {}
        }
    }
}

/// Rows read and decided on together: the first chunk also decides the legacy encodings.
const CHUNK: usize = 4096;

/// Normalises the CSV (or Excel) file `input` into `output`: every good row, all its columns
/// as read (decoded; record ids as in the file), then the [`csv_columns`] of each mapped field
/// of [`FieldKind::FIXED`], in that order. The output keeps the input's delimiter and is UTF-8,
/// with a BOM when the input had one (UTF-8 with BOM or UTF-16); it is written atomically
/// (nothing is left at `output` on error). Rows the reader skips are left out and counted in
/// the summary's report, which names their file, line and field.
///
/// Errors: those of [`CsvSource::open`] and of reading the input; [`Error::Io`] when `output`
/// is the input or cannot be written.
pub fn normalize_csv(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    opts: &NormalizeOptions,
) -> Result<NormalizeSummary> {
    let (input, output) = (input.as_ref(), output.as_ref());
    let mut source = CsvSource::open(input, &opts.ingest)?;
    let kinds: Vec<FieldKind> =
        FieldKind::FIXED.into_iter().filter(|&k| source.schema().index_of(k).is_some()).collect();

    crate::util::fs::check_not_input(output, &[input])?;
    let mut file = AtomicFile::create(output)?;
    if matches!(source.encoding(), Encoding::Utf8Bom | Encoding::Utf16Le | Encoding::Utf16Be) {
        file.write_all(b"\xEF\xBB\xBF").map_err(|e| Error::io(output, e))?;
    }
    let mut w = csv::WriterBuilder::new().delimiter(source.delimiter()).from_writer(file);
    let escape = |cell: &str| {
        if opts.escape_formulas { escape_formula(cell).into_owned() } else { cell.to_owned() }
    };
    let mut header: Vec<String> = source.headers().to_vec();
    for &k in &kinds {
        header.extend(csv_columns(k).iter().map(|c| (*c).to_owned()));
    }
    w.write_record(&header).map_err(|e| write_error(output, e))?;

    let mut n = ValueNormalizer::new();
    // The good rows of a chunk, each with its whole row's cells.
    let mut chunk: Vec<(RawRecord, Vec<String>)> = Vec::new();
    let mut enc: Option<Encodings> = None;
    let mut rows = 0u64;
    loop {
        let mut len = 0;
        while len < CHUNK {
            if len == chunk.len() {
                chunk.push((RawRecord::new(), Vec::new()));
            }
            let (record, cells) = &mut chunk[len];
            if !source.read_record(record)? {
                break;
            }
            cells.clear();
            source.row_fields(cells);
            len += 1;
        }
        chunk.truncate(len);
        if len == 0 {
            break;
        }
        let enc = *enc.get_or_insert_with(|| {
            Encodings::detect(
                chunk.iter().map(|(r, _)| r.get(FieldKind::Name).unwrap_or_default()),
                chunk.iter().map(|(r, _)| r.get(FieldKind::Address).unwrap_or_default()),
            )
        });
        for (r, cells) in &mut chunk {
            for &k in &kinds {
                n.push_cells(enc, k, r.get(k).unwrap_or_default(), cells);
            }
            w.write_record(cells.iter().map(|c| escape(c))).map_err(|e| write_error(output, e))?;
            rows += 1;
        }
    }
    let file = w.into_inner().map_err(|e| Error::io(output, e.into_error()))?;
    file.commit()?;
    Ok(NormalizeSummary { rows, kinds, report: source.into_report() })
}

fn write_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::io(path, std::io::Error::other(format!("{other:?}"))),
    }
}
