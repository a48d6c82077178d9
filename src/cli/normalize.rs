//! `vnlink normalize`: flags → [`vnlink::dataset::normalized`] → standard output and error.
//! `--kind KIND [VALUE…]` prints one JSON object per value (arguments, or standard input one
//! value per line, flushed whenever standard input has nothing more buffered); `--input FILE.csv
//! --out OUT.csv` writes the rows with normalised columns and reports the skipped rows.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use vnlink::dataset::normalized::{self, LinesError, NormalizeOptions, ValueNormalizer};
use vnlink::schema::FieldKind;

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
  vnlink normalize --input people.csv --out people.norm.csv --column full_name=\"Họ và tên\"";

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
    #[arg(long = "out", short, alias = "output", value_name = "OUT.csv", requires = "input")]
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
        (Some(kind), None, None) => run_values(FIELD_KINDS[*kind as usize], &args.values),
        (None, Some(input), Some(output)) => run_csv(input, output, args),
        _ => anyhow::bail!("give either --kind KIND, or --input FILE.csv --out OUT.csv"),
    }
}

/// The field kind of each [`Kind`], in declaration order.
const FIELD_KINDS: [FieldKind; 6] = [
    FieldKind::Name,
    FieldKind::Address,
    FieldKind::Dob,
    FieldKind::NationalId,
    FieldKind::Phone,
    FieldKind::Sex,
];

fn run_values(kind: FieldKind, values: &[String]) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if !values.is_empty() {
        let mut n = ValueNormalizer::new();
        for v in values {
            if let Some(json) = n.normalize(kind, v) {
                normalized::write_json_line(&json, &mut out)?;
            }
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut input = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut said = 0;
    let invalid = normalized::normalize_lines(kind, &mut input, &mut out, |line, offset| {
        // Said, not silent: the value is normalised with U+FFFD for the bad bytes.
        said += 1;
        if said <= 5 {
            eprintln!(
                "warning: standard input line {line}: not valid UTF-8 (bad byte at offset \
                 {offset}); the invalid bytes were replaced with U+FFFD"
            );
        }
    });
    match invalid {
        Ok(0) => Ok(ExitCode::SUCCESS),
        Ok(invalid) => {
            eprintln!("warning: {invalid} lines of standard input were not valid UTF-8");
            Ok(ExitCode::from(super::EXIT_WARNINGS))
        }
        Err(LinesError::Read(e)) => {
            Err(anyhow::Error::new(e).context("cannot read standard input"))
        }
        Err(LinesError::Write(e)) => Err(e.into()),
    }
}

fn run_csv(input: &Path, output: &Path, args: &Args) -> anyhow::Result<ExitCode> {
    let opts = NormalizeOptions {
        ingest: args.ingest.ingest_options()?,
        escape_formulas: !args.no_escape_formulas,
    };
    let summary = normalized::normalize_csv(input, output, &opts)?;
    let report = &summary.report;
    if report.rows_skipped > 0 {
        let (skipped, read) = (report.rows_skipped, report.rows_read);
        eprintln!("warning: {}: skipped {skipped} of {read} rows", input.display());
        for (reason, count) in &report.skipped_by_reason {
            eprintln!("  {count:>8}  {reason}");
        }
        for e in report.samples.iter().take(5) {
            eprintln!("  e.g. {e}");
        }
    }
    if !args.quiet {
        let names: Vec<&str> = summary.kinds.iter().map(|k| k.as_str()).collect();
        eprintln!(
            "normalised {} rows of {} ({}) into {}",
            summary.rows,
            input.display(),
            names.join(", "),
            output.display()
        );
    }
    Ok(exit(report.rows_skipped > 0))
}
