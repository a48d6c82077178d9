//! `vnlink normalize`: the normalisers on the command line.
//!
//! Two modes:
//! * `--kind KIND [VALUE…]`: values one per line on standard input (or the trailing arguments);
//!   one JSON object per value on standard output, one per line, in input order. The keys of each
//!   kind are a contract that scripts and tests rely on (see [`AFTER_HELP`]); unknown values are
//!   `null`, and an empty line gives an object whose keys are all `null` (name: `middle` is `""`).
//! * `--input FILE.csv --output OUT.csv`: every good row of the file (read by
//!   [`CsvSource`](vnlink::ingest::CsvSource), columns mapped by their headers) with the
//!   normalised columns of its mapped fields appended (`full_name.text`, `dob.iso`,
//!   `address.province_new`…), written atomically. Rows that the reader skips (wrong field
//!   count, undecodable text) are left out and counted on standard error (exit status 1).
//!
//! Standard output is flushed whenever standard input has no more data buffered, so the command
//! can also serve a script line by line through a pipe.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::ValueEnum;
use serde::Serialize;
use vnlink::dataset::prepare::Encodings;
use vnlink::ingest::encoding::{self, Encoding, Utf16Reader};
use vnlink::ingest::{CsvSource, RawRecord};
use vnlink::normalize::address::{Address, AddressCodes, AddressNormalizer};
use vnlink::normalize::admin;
use vnlink::normalize::date::{self, Precision};
use vnlink::normalize::legacy::{self, LegacyEncoding};
use vnlink::normalize::name::{Name, NameNormalizer};
use vnlink::normalize::{Sex, id, phone, sex};
use vnlink::schema::FieldKind;
use vnlink::util::fs::AtomicFile;

use super::common::{InputArgs, exit};

const ABOUT: &str = "Normalise names, addresses, dates, ID numbers and phones (JSON or CSV)";

/// The `--help` text after the flags: the output contract and examples.
const AFTER_HELP: &str = "\
Output of --kind (one JSON object per value, one per line, in input order; null = unknown):
  name     text, ascii, family, middle (\"\" when none), given, family_class,
           family_class_ascii, phonetic (the tokens' phonetic keys, space-joined), sex_hint
           (\"male\"/\"female\"/null), given_class, encoding (\"unicode\"/\"tcvn3\"/\"vni\");
           the classes of a name without diacritics are those of its most likely accented
           form (Hoang, Huynh → hoàng; Phuoc → phúc)
  address  house_number, street, ward_old, district_old, province_old, ward_new (a code, or a
           list of codes for a split ward), province_new (codes as in the gazetteer: \"00061\",
           \"79\"), alley, hamlet, style (\"old\"/\"new\"/\"mixed\"/\"unknown\"), warning
           (\"ambiguous_province\"/\"ambiguous_unit\"/\"ambiguous_spelling\"/\"unknown_unit\")
  date     year, month, day (numbers), precision (\"day\"/\"month\"/\"year\"), iso, warning
  id       kind (\"cccd\"/\"cmnd\"/\"invalid\"), digits, birth_province_code, sex, birth_year,
           damaged, padded
  phone    national, kind (\"mobile\"/\"landline\"/\"service\"/\"other\")
  sex      sex (\"male\"/\"female\")
An empty line gives an object whose keys are all null.

With --input, every row of the CSV file gets the normalised columns of its mapped fields:
  full_name.{text,ascii,family,middle,given,family_class,phonetic,sex_hint}
  dob.{iso,precision,warning}   sex.value
  address.{house_number,alley,street,hamlet,ward_old,district_old,province_old,ward_new,
           province_new}  (several new wards of a split ward are joined by ';')
  id_number.{kind,digits,birth_province_code,sex,birth_year}   phone.{national,kind}
The output keeps the input's delimiter and is UTF-8 (with a BOM when the input had one). A cell
that starts with `=`, `+`, `-`, `@`, tab or CR (a phone `+84 …` too) is written with a leading `'`
so that spreadsheets do not run it as a formula; `--no-escape-formulas` keeps cells verbatim.

Examples:
  vnlink normalize --kind name \"NGUYỄN THỊ HOÀ\" \"Huynh Van Phuoc\"
  printf '05/03/1980\\n1980\\n31/02/1990\\n' | vnlink normalize --kind date
  vnlink normalize --kind address \"123/45 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM\"
  vnlink normalize --kind id 001088012345
  vnlink normalize --kind phone -- \"+84 912 345 678\"
  vnlink normalize --input people.csv --output people.norm.csv --column full_name=\"Họ và tên\"";

/// The kind of the values of `--kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Person names.
    Name,
    /// Postal addresses.
    Address,
    /// Dates (of birth).
    Date,
    /// CCCD / CMND numbers.
    Id,
    /// Phone numbers.
    Phone,
    /// Sex values ("Nam", "Nữ", "F", "1"…).
    Sex,
}

/// `vnlink normalize` flags.
#[derive(clap::Args, Debug)]
#[command(about = ABOUT, after_help = AFTER_HELP)]
pub struct Args {
    /// Kind of the values: one JSON object per value on standard output.
    #[arg(long, value_enum, required_unless_present = "input", conflicts_with = "input")]
    kind: Option<Kind>,
    /// Values to normalise (default: standard input, one value per line). Put `--` before values
    /// that start with `-`.
    #[arg(value_name = "VALUE", requires = "kind")]
    values: Vec<String>,
    /// CSV file whose rows get normalised columns appended.
    #[arg(long, value_name = "FILE.csv", requires = "output")]
    input: Option<PathBuf>,
    /// Output CSV of `--input` (written atomically).
    #[arg(long, short, value_name = "OUT.csv", requires = "input")]
    output: Option<PathBuf>,
    #[command(flatten)]
    ingest: InputArgs,
    /// Write cells as they are, even those a spreadsheet would run as formulas (by default a
    /// cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`).
    #[arg(long, requires = "input")]
    no_escape_formulas: bool,
    /// No summary on standard error (`--input` mode).
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match (&args.kind, &args.input, &args.output) {
        (Some(kind), None, None) => run_values(*kind, &args.values),
        (None, Some(input), Some(output)) => run_csv(input, output, args),
        _ => anyhow::bail!("give either --kind KIND, or --input FILE.csv --output OUT.csv"),
    }
}

// --------------------------------------------------------------------------------------------
// --kind: JSON lines.

/// The normalisers and buffers of one run.
#[derive(Default)]
struct Normalizers {
    names: NameNormalizer,
    name: Name,
    addresses: AddressNormalizer,
    address: Address,
    decoded: String,
}

impl Normalizers {
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
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

fn sex_str(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

fn encoding_str(e: LegacyEncoding) -> &'static str {
    match e {
        LegacyEncoding::Tcvn3 => "tcvn3",
        LegacyEncoding::Vni => "vni",
        _ => "unicode",
    }
}

fn precision_str(p: Precision) -> &'static str {
    match p {
        Precision::Day => "day",
        Precision::Month => "month",
        Precision::Year => "year",
    }
}

fn id_kind_str(k: id::IdKind) -> &'static str {
    match k {
        id::IdKind::Cccd => "cccd",
        id::IdKind::Cmnd => "cmnd",
        id::IdKind::Invalid => "invalid",
    }
}

fn phone_kind_str(k: phone::PhoneKind) -> &'static str {
    match k {
        phone::PhoneKind::Mobile => "mobile",
        phone::PhoneKind::Landline => "landline",
        phone::PhoneKind::Service => "service",
        _ => "other",
    }
}

fn style_str(s: vnlink::normalize::address::AddressStyle) -> &'static str {
    use vnlink::normalize::address::AddressStyle;
    match s {
        AddressStyle::Old => "old",
        AddressStyle::New => "new",
        AddressStyle::Mixed => "mixed",
        AddressStyle::Unknown => "unknown",
    }
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
            sex_hint: n.sex_hint.map(sex_str),
            given_class: non_empty(&n.given_class),
            encoding: (!empty).then(|| encoding_str(enc)),
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
    warning: Option<vnlink::normalize::address::AddressWarning>,
}

impl<'a> AddressJson<'a> {
    fn new(a: &'a Address, blank: bool) -> Self {
        AddressJson {
            codes: a.codes(),
            alley: a.alley.as_deref(),
            hamlet: a.hamlet.as_deref(),
            style: (!blank).then(|| style_str(a.style)),
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
    fn new(p: date::ParsedDate) -> Self {
        let d = p.date;
        DateJson {
            year: d.map(|d| d.year),
            month: d.map(|d| d.month).filter(|&m| m != 0),
            day: d.map(|d| d.day).filter(|&x| x != 0),
            precision: d.map(|d| precision_str(d.precision())),
            iso: d.map(|d| d.to_string()),
            warning: p.warning.map(date::DateWarning::as_str),
        }
    }
}

#[derive(Serialize)]
struct IdJson<'a> {
    kind: Option<&'static str>,
    digits: Option<&'a str>,
    birth_province_code: Option<&'static str>,
    sex: Option<&'static str>,
    birth_year: Option<u16>,
    damaged: Option<bool>,
    padded: Option<bool>,
}

impl<'a> IdJson<'a> {
    fn new(n: Option<&'a id::NationalId>) -> Self {
        IdJson {
            kind: n.map(|n| id_kind_str(n.kind)),
            digits: n.and_then(|n| non_empty(&n.digits)),
            birth_province_code: n.and_then(|n| n.birth_province_code),
            sex: n.and_then(|n| n.sex).map(sex_str),
            birth_year: n.and_then(|n| n.birth_year),
            damaged: n.map(|n| n.damaged),
            padded: n.map(|n| n.padded),
        }
    }
}

#[derive(Serialize)]
struct PhoneJson<'a> {
    national: Option<&'a str>,
    kind: Option<&'static str>,
}

#[derive(Serialize)]
struct SexJson {
    sex: Option<&'static str>,
}

/// Writes the JSON object of one value and a newline.
fn write_json(
    n: &mut Normalizers,
    kind: Kind,
    value: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match kind {
        Kind::Name => {
            let enc = n.name(value, None);
            serde_json::to_writer(&mut *out, &NameJson::new(&n.name, enc))?;
        }
        Kind::Address => {
            n.address(value, None);
            let blank = value.trim().is_empty();
            serde_json::to_writer(&mut *out, &AddressJson::new(&n.address, blank))?;
        }
        Kind::Date => serde_json::to_writer(&mut *out, &DateJson::new(date::parse_date(value)))?,
        Kind::Id => serde_json::to_writer(&mut *out, &IdJson::new(id::parse_id(value).as_ref()))?,
        Kind::Phone => {
            let p = phone::normalize_phone(value);
            let j = PhoneJson {
                national: p.as_ref().map(|p| p.national.as_str()),
                kind: p.as_ref().map(|p| phone_kind_str(p.kind)),
            };
            serde_json::to_writer(&mut *out, &j)?;
        }
        Kind::Sex => {
            serde_json::to_writer(&mut *out, &SexJson { sex: sex::parse_sex(value).map(sex_str) })?;
        }
    }
    out.write_all(b"\n")?;
    Ok(())
}

fn run_values(kind: Kind, values: &[String]) -> anyhow::Result<ExitCode> {
    let mut n = Normalizers::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if !values.is_empty() {
        for v in values {
            write_json(&mut n, kind, v, &mut out)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let stdin = std::io::stdin();
    let mut input = BufReader::with_capacity(1 << 16, stdin.lock());
    let mut line = Vec::new();
    let (mut number, mut invalid) = (0u64, 0u64);
    loop {
        line.clear();
        number += 1;
        if input.read_until(b'\n', &mut line).context("cannot read standard input")? == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if let Err(e) = std::str::from_utf8(&line) {
            // Said, not silent: the value is normalised with U+FFFD for the bad bytes.
            invalid += 1;
            if invalid <= 5 {
                eprintln!(
                    "warning: standard input line {number}: not valid UTF-8 (bad byte at offset \
                     {}); the invalid bytes were replaced with U+FFFD",
                    e.valid_up_to()
                );
            }
        }
        let value = String::from_utf8_lossy(&line);
        write_json(&mut n, kind, &value, &mut out)?;
        // Nothing more to read without blocking: let a line-by-line caller see the answer.
        if input.buffer().is_empty() {
            out.flush()?;
        }
    }
    out.flush()?;
    if invalid > 0 {
        eprintln!("warning: {invalid} lines of standard input were not valid UTF-8");
        return Ok(ExitCode::from(super::EXIT_WARNINGS));
    }
    Ok(ExitCode::SUCCESS)
}

// --------------------------------------------------------------------------------------------
// --input: CSV with appended columns.

/// The appended columns of each field kind, in output order.
fn columns_of(kind: FieldKind) -> &'static [&'static str] {
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

/// The kinds that get columns, in output order.
const CSV_KINDS: [FieldKind; 6] = FieldKind::FIXED;

/// Pushes the normalised cells of `kind`'s `value` onto `cells` (as many as [`columns_of`]).
fn push_cells(
    n: &mut Normalizers,
    enc: Encodings,
    kind: FieldKind,
    value: &str,
    cells: &mut Vec<String>,
) {
    let opt = |s: Option<&str>| s.unwrap_or_default().to_owned();
    match kind {
        FieldKind::Name => {
            n.name(value, enc.name);
            let m = &n.name;
            cells.extend([
                m.text.clone(),
                m.ascii.clone(),
                m.family.clone(),
                m.middle.clone(),
                m.given.clone(),
                m.family_class.clone(),
                m.phonetic.join(" "),
                opt(m.sex_hint.map(sex_str)),
            ]);
        }
        FieldKind::Dob => {
            let p = date::parse_date(value);
            cells.extend([
                p.date.map(|d| d.to_string()).unwrap_or_default(),
                opt(p.date.map(|d| precision_str(d.precision()))),
                opt(p.warning.map(date::DateWarning::as_str)),
            ]);
        }
        FieldKind::Sex => cells.push(opt(sex::parse_sex(value).map(sex_str))),
        FieldKind::Address => {
            n.address(value, enc.address);
            let a = &n.address;
            let wards: Vec<String> =
                a.ward_new.iter().map(|&c| admin::ward_code(c).to_string()).collect();
            cells.extend([
                opt(a.house_number.as_deref()),
                opt(a.alley.as_deref()),
                opt(a.street.as_deref()),
                opt(a.hamlet.as_deref()),
                a.ward_old.map(|c| admin::ward_code(c).to_string()).unwrap_or_default(),
                a.district_old.map(|c| admin::district_code(c).to_string()).unwrap_or_default(),
                a.province_old.map(|c| admin::province_code(c).to_string()).unwrap_or_default(),
                wards.join(";"),
                a.province_new.map(|c| admin::province_code(c).to_string()).unwrap_or_default(),
            ]);
        }
        FieldKind::NationalId => {
            let nid = id::parse_id(value);
            let nid = nid.as_ref();
            cells.extend([
                opt(nid.map(|n| id_kind_str(n.kind))),
                opt(nid.map(|n| n.digits.as_str())),
                opt(nid.and_then(|n| n.birth_province_code)),
                opt(nid.and_then(|n| n.sex).map(sex_str)),
                nid.and_then(|n| n.birth_year).map(|y| y.to_string()).unwrap_or_default(),
            ]);
        }
        FieldKind::Phone => {
            let p = phone::normalize_phone(value);
            cells.extend([
                p.as_ref().map(|p| p.national.clone()).unwrap_or_default(),
                opt(p.as_ref().map(|p| phone_kind_str(p.kind))),
            ]);
        }
        _ => {}
    }
}

/// Whole rows of the input, read in step with the [`CsvSource`] (which only keeps mapped
/// fields): same encoding, delimiter and record terminator, so that the rows have the same line
/// numbers.
struct WholeRows {
    reader: csv::Reader<Box<dyn Read>>,
    record: csv::ByteRecord,
    encoding: Encoding,
    path: PathBuf,
    done: bool,
}

impl WholeRows {
    fn open(
        path: &Path,
        encoding: Encoding,
        delimiter: u8,
        sheet: Option<&str>,
    ) -> anyhow::Result<WholeRows> {
        if vnlink::ingest::excel::is_excel_path(path) {
            // The same CSV text the source reads: UTF-8, `,`, one line per sheet row.
            let csv = vnlink::ingest::excel::sheet_to_csv(path, sheet)?.csv;
            let reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_reader(Box::new(std::io::Cursor::new(csv)) as Box<dyn Read>);
            return Ok(WholeRows {
                reader,
                record: csv::ByteRecord::new(),
                encoding: Encoding::Utf8,
                path: path.to_path_buf(),
                done: false,
            });
        }
        let mut file = File::open(path).map_err(|e| vnlink::Error::io(path, e))?;
        let mut head = vec![0u8; encoding::SAMPLE_LEN];
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]).map_err(|e| vnlink::Error::io(path, e))? {
                0 => break,
                k => n += k,
            }
        }
        head.truncate(n);
        let bom: &[u8] = match encoding {
            Encoding::Utf8 | Encoding::Utf8Bom => b"\xEF\xBB\xBF",
            Encoding::Utf16Le => b"\xFF\xFE",
            Encoding::Utf16Be => b"\xFE\xFF",
            _ => b"",
        };
        let skip = if !bom.is_empty() && head.starts_with(bom) { bom.len() } else { 0 };
        // As `CsvSource`: records end at `\n` (a `\r` before it is stripped from the last field)
        // unless the file has no `\n` at all (old Mac files).
        let terminator =
            if head.contains(&b'\n') { csv::Terminator::Any(b'\n') } else { csv::Terminator::CRLF };
        let mut cursor = std::io::Cursor::new(head);
        cursor.set_position(skip as u64);
        let chained = cursor.chain(file);
        let stream: Box<dyn Read> = match encoding {
            Encoding::Utf16Le => Box::new(Utf16Reader::new(chained, false)),
            Encoding::Utf16Be => Box::new(Utf16Reader::new(chained, true)),
            _ => Box::new(chained),
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .terminator(terminator)
            .buffer_capacity(1 << 16)
            .from_reader(stream);
        Ok(WholeRows {
            reader,
            record: csv::ByteRecord::new(),
            encoding,
            path: path.to_owned(),
            done: false,
        })
    }

    /// Pushes the `n` first fields of the row that starts on `line` (decoded; padded with empty
    /// fields) onto `cells`.
    fn row_at(&mut self, line: u64, n: usize, cells: &mut Vec<String>) -> anyhow::Result<()> {
        loop {
            let here = self.record.position().map_or(0, csv::Position::line);
            if !self.done && here == line {
                break;
            }
            if self.done || here > line {
                anyhow::bail!(
                    "{}: lost track of line {line} while copying the rows",
                    self.path.display()
                );
            }
            self.done = !self
                .reader
                .read_byte_record(&mut self.record)
                .with_context(|| format!("cannot read {} near line {line}", self.path.display()))?;
        }
        let last = self.record.len().saturating_sub(1);
        for i in 0..n {
            let mut bytes = self.record.get(i).unwrap_or_default();
            if i == last {
                bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            }
            let mut s = String::new();
            if encoding::decode_field(self.encoding, bytes, &mut s).is_err() {
                s = String::from_utf8_lossy(bytes).into_owned();
            }
            cells.push(s);
        }
        Ok(())
    }
}

/// Rows read and decided on together: the first chunk also decides the legacy encodings.
const CHUNK: usize = 4096;

fn run_csv(input: &Path, output: &Path, args: &Args) -> anyhow::Result<ExitCode> {
    let opts = args.ingest.ingest_options()?;
    let mut source = CsvSource::open(input, &opts)?;
    let kinds: Vec<FieldKind> =
        CSV_KINDS.into_iter().filter(|&k| source.schema().index_of(k).is_some()).collect();
    let headers = source.headers().to_vec();
    let mut whole =
        WholeRows::open(input, source.encoding(), source.delimiter(), opts.sheet.as_deref())?;

    vnlink::util::fs::check_not_input(output, &[input])?;
    let style = vnlink::output::CsvStyle { escape_formulas: !args.no_escape_formulas };
    let mut file = AtomicFile::create(output)?;
    if matches!(source.encoding(), Encoding::Utf8Bom | Encoding::Utf16Le | Encoding::Utf16Be) {
        file.write_all(b"\xEF\xBB\xBF").map_err(|e| vnlink::Error::io(output, e))?;
    }
    let mut w = csv::WriterBuilder::new().delimiter(source.delimiter()).from_writer(file);
    let mut header = headers.clone();
    for &k in &kinds {
        header.extend(columns_of(k).iter().map(|c| (*c).to_owned()));
    }
    w.write_record(&header).map_err(|e| write_error(output, e))?;

    let mut n = Normalizers::default();
    let mut chunk: Vec<RawRecord> = Vec::new();
    let mut enc: Option<Encodings> = None;
    let mut cells = Vec::new();
    let mut rows = 0u64;
    while source.read_chunk(&mut chunk, CHUNK)? > 0 {
        let enc = *enc.get_or_insert_with(|| {
            Encodings::detect(
                chunk.iter().map(|r| r.get(FieldKind::Name).unwrap_or_default()),
                chunk.iter().map(|r| r.get(FieldKind::Address).unwrap_or_default()),
            )
        });
        for r in &chunk {
            cells.clear();
            whole.row_at(r.line(), headers.len(), &mut cells)?;
            for &k in &kinds {
                push_cells(&mut n, enc, k, r.get(k).unwrap_or_default(), &mut cells);
            }
            w.write_record(cells.iter().map(|c| style.cell(c)).map(std::borrow::Cow::into_owned))
                .map_err(|e| write_error(output, e))?;
            rows += 1;
        }
    }
    let file = w.into_inner().map_err(|e| vnlink::Error::io(output, e.into_error()))?;
    file.commit()?;

    let report = source.into_report();
    if report.rows_skipped > 0 {
        eprintln!(
            "warning: {}: skipped {} of {} rows",
            input.display(),
            report.rows_skipped,
            report.rows_read
        );
        for (reason, count) in &report.skipped_by_reason {
            eprintln!("  {count:>8}  {reason}");
        }
        for e in report.samples.iter().take(5) {
            eprintln!("  e.g. {e}");
        }
    }
    if !args.quiet {
        let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        eprintln!(
            "normalised {rows} rows of {} ({}) into {}",
            input.display(),
            names.join(", "),
            output.display()
        );
    }
    Ok(exit(report.rows_skipped > 0))
}

fn write_error(path: &Path, e: csv::Error) -> vnlink::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => vnlink::Error::io(path, io),
        other => vnlink::Error::io(path, std::io::Error::other(format!("{other:?}"))),
    }
}
