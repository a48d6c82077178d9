//! Schema inference: which column is which field, from the header **and a sample of values**,
//! and blocking rules for the fields found — what `vnlink schema` prints and what `build`,
//! `dedupe` and `link` use without `--config`.
//!
//! Main items: [`infer`] → [`Inferred`] ([`Inferred::to_toml`] writes it as a config file).
//!
//! Steps, on the first [`SAMPLE_ROWS`] rows:
//! 1. Headers are matched as usual ([`crate::ingest::header::map_columns`], `--column` first);
//!    a file without a header line has columns `column_1`… ([`CsvSource::headerless`]), and a
//!    header no table knows is no error yet.
//! 2. Columns no header names are sniffed: the first column, filled and distinct, is the record
//!    id; a person field no header gave is taken from values that show it (ids, phones, dates
//!    of birth, sexes, names, addresses, by shares of the sampled values); a column of e-mail
//!    addresses is taken as `email` (90 % of its values), an identifier-like one as a `code`;
//!    the others are listed with the kind their values suggest, for the user to add. No field
//!    found by header or values is the error of an unreadable header.
//! 3. The Vietnamese steps are checked against the values: if fewer than 20 % of the addresses
//!    resolve against the gazetteer, the address columns are compared as text (`street`,
//!    `suburb`…) and the state or province as a code; if fewer than half of the phone numbers or
//!    ids are Vietnamese ones, they are compared as codes. So English-language data gets
//!    comparisons that work on it, and Vietnamese data keeps its own.
//! 4. Blocking rules: the defaults, plus one rule per e-mail and code field, and rules pairing a
//!    postcode with the family name class and with the birth year.
//!
//! Decisions are listed in [`Inferred::notes`], so that nothing is changed silently.

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::block::{Blocking, KeyPart, Rule};
use crate::dataset::build::raw_of;
use crate::dataset::prepare::{Encodings, Prepared, Preparer};
use crate::error::{Error, Result};
use crate::ingest::{CsvSource, IngestOptions, RawRecord};
use crate::normalize::{id, phone, sex, text};
use crate::schema::{ColumnConfig, FieldKind, MAX_EXTRA, field_name};

/// Rows read to infer a schema.
pub const SAMPLE_ROWS: usize = 2000;

/// A column left unmapped, with what its values look like.
#[derive(Clone, Debug, PartialEq)]
pub struct Unmapped {
    /// Its header.
    pub header: String,
    /// The kind its values suggest (`None`: mostly empty).
    pub suggestion: Option<FieldKind>,
    /// Share of the sampled rows with a value.
    pub filled: f64,
}

/// An inferred schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Inferred {
    /// The complete column mapping.
    pub columns: Vec<ColumnConfig>,
    /// Columns left out, with suggestions.
    pub unmapped: Vec<Unmapped>,
    /// Blocking rules for these fields.
    pub blocking: Blocking,
    /// What was decided from the values, one sentence each.
    pub notes: Vec<String>,
    /// Rows sampled.
    pub rows_sampled: usize,
}

impl Inferred {
    /// Makes the schemas of the inputs of a link (two or more) compare the same fields: each
    /// keeps only the extra fields all have (same name, kind and use), listed in the first
    /// input's order; the first input's blocking rules lose those on a dropped field. Returns,
    /// per input, whether it lost extra fields (another input does not have them).
    pub fn pair(inferred: &mut [Inferred]) -> Vec<bool> {
        let key = |c: &ColumnConfig| (c.name.clone(), c.kind, c.compare);
        let extras = |i: &Inferred| -> Vec<_> {
            i.columns.iter().filter(|c| c.kind.is_extra()).map(key).collect()
        };
        let Some((first, rest)) = inferred.split_first() else { return Vec::new() };
        let others: Vec<Vec<_>> = rest.iter().map(extras).collect();
        let mut common: Vec<_> =
            extras(first).into_iter().filter(|k| others.iter().all(|o| o.contains(k))).collect();
        common.dedup();
        let order = |c: &ColumnConfig| {
            if c.kind.is_extra() {
                common.iter().position(|k| *k == key(c)).map_or(usize::MAX, |i| i + 1)
            } else {
                0
            }
        };
        let mut lost = vec![false; inferred.len()];
        for (inf, lost) in inferred.iter_mut().zip(&mut lost) {
            let before = inf.columns.len();
            inf.columns.retain(|c| !c.kind.is_extra() || common.contains(&key(c)));
            *lost = inf.columns.len() < before;
            // Every input lists its extra fields in one order (the stores' field order).
            inf.columns.sort_by_key(order);
        }
        if let Some(first) = inferred.first_mut() {
            first
                .blocking
                .rules
                .retain(|r| r.fields.iter().all(|f| common.iter().any(|k| k.0 == *f)));
        }
        lost
    }
}

/// Whether a column's sampled values can be record ids: at least two, every one filled and no
/// two equal.
fn is_record_id(values: &[&str]) -> bool {
    let mut seen: Vec<&str> = values.iter().map(|v| v.trim()).collect();
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    n >= 2 && seen.len() == n && seen.iter().all(|v| !v.is_empty())
}

/// What makes a column an identifier whatever its header: nearly always filled, mostly distinct,
/// one shape (mostly digits, of one length, separators aside), and not a row number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IdEvidence {
    /// Share of the sampled rows with a value.
    pub filled: f64,
    /// Distinct values over filled values.
    pub distinct: f64,
    /// The most common length of the values without separators, and the share of values with it.
    pub length: (usize, f64),
    /// Whether every value is digits (separators aside).
    pub digits: bool,
}

/// Least share of filled rows for an identifier.
const ID_MIN_FILLED: f64 = 0.9;
/// Least share of distinct values: a register with half its people written twice still has
/// more than 0.5 (every copy of a person shares the id, a mistyped one adds a value).
const ID_MIN_DISTINCT: f64 = 0.5;
/// Least share of values of the most common length.
const ID_MIN_SAME_LENGTH: f64 = 0.8;
/// Shortest identifier (separators aside): shorter codes (a house number, an age, a ZIP) are
/// shared by too many people to find one.
const ID_MIN_LEN: usize = 5;

/// The evidence that `values` (one column's sampled values) are identifiers, or `None`.
pub fn identifier_evidence(values: &[&str]) -> Option<IdEvidence> {
    let cores: Vec<String> = values
        .iter()
        .map(|v| v.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '/' | '_')).collect())
        .filter(|c: &String| !c.is_empty())
        .collect();
    let filled = cores.len() as f64 / values.len().max(1) as f64;
    if cores.is_empty() || filled < ID_MIN_FILLED {
        return None;
    }
    // Letters and digits only, and mostly digits: `B1234567` is an identifier, `street12` is not.
    let mostly_digits = |c: &String| 2 * c.bytes().filter(u8::is_ascii_digit).count() >= c.len();
    if !cores.iter().all(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric()))
        || cores.iter().filter(|c| mostly_digits(c)).count() * 10 < cores.len() * 9
    {
        return None;
    }
    let mut lengths: FxHashMap<usize, usize> = FxHashMap::default();
    for c in &cores {
        *lengths.entry(c.len()).or_default() += 1;
    }
    let (len, n) = lengths.into_iter().max_by_key(|&(l, n)| (n, l))?;
    let same = n as f64 / cores.len() as f64;
    let mut sorted: Vec<&str> = cores.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let distinct = sorted.len() as f64 / cores.len() as f64;
    let digits = cores.iter().all(|c| c.bytes().all(|b| b.is_ascii_digit()));
    if len < ID_MIN_LEN || same < ID_MIN_SAME_LENGTH || distinct < ID_MIN_DISTINCT {
        return None;
    }
    // A row number (1, 2, 3… in file order) identifies rows, not people.
    if digits {
        let nums: Vec<u64> = cores.iter().filter_map(|c| c.parse().ok()).collect();
        let steps = nums.windows(2).filter(|w| w[1] == w[0] + 1).count();
        if nums.len() > 1 && steps * 10 >= (nums.len() - 1) * 9 {
            return None;
        }
    }
    Some(IdEvidence { filled, distinct, length: (len, same), digits })
}

/// What the values of one column look like.
fn suggest(values: &[&str]) -> (Option<FieldKind>, f64, f64) {
    let filled: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    if filled.is_empty() {
        return (None, 0.0, 0.0);
    }
    let share = |f: &dyn Fn(&str) -> bool| {
        filled.iter().filter(|v| f(v)).count() as f64 / filled.len() as f64
    };
    let email = share(&|v| {
        let mut out = String::new();
        crate::normalize::extra::normalize_extra_into(FieldKind::Email, v, &mut out);
        !out.is_empty()
    });
    let fill = filled.len() as f64 / values.len().max(1) as f64;
    let kind = if email >= 0.9 {
        FieldKind::Email
    } else if share(&|v| crate::normalize::date::parse_date(v).date.is_some() && v.len() >= 6)
        >= 0.9
    {
        FieldKind::Dob
    } else if share(&|v| {
        v.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | ' '))
            && v.chars().filter(char::is_ascii_digit).count() <= 6
    }) >= 0.9
    {
        FieldKind::Numeric
    } else if share(&|v| v.chars().any(|c| c.is_ascii_digit()) && !v.contains(' ') && v.len() >= 5)
        >= 0.9
    {
        FieldKind::Code
    } else {
        FieldKind::Text
    };
    (Some(kind), fill, email)
}

/// A person field that a column's values show whatever its header (`patient_name`,
/// `citizen_no`, `contact_no`, or none): at least 80 % of the filled sampled values (and at
/// least ten) are CCCD/CMND numbers, else Vietnamese phone numbers, else (70 %) dates whose
/// years span twenty years or more (a register's entry dates do not), else sex words (not the
/// codes 1 and 2 alone), else names — two to six words of letters, at least half of them with
/// a first or last word that is a Vietnamese name or an English given name of the nickname
/// table (which holds 7 in 10 of the US census's names; street names without numbers, 1 in 30)
/// — else addresses: three words or more with letters, in parts separated by commas. With the
/// share.
fn person_field_evidence(values: &[&str]) -> Option<(FieldKind, f64)> {
    let filled: Vec<&str> = values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    if filled.len() < 10 {
        return None;
    }
    let share = |f: &dyn Fn(&str) -> bool| {
        filled.iter().filter(|v| f(v)).count() as f64 / filled.len() as f64
    };
    let known = |w: &str| {
        let w = text::fold(w);
        crate::normalize::name::is_vietnamese_name(&w)
            || crate::normalize::nickname::name_id(&w).is_some()
    };
    let name_shaped = |v: &str| {
        (2..=6).contains(&v.split_whitespace().count())
            && v.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\''))
    };
    let known_name = |v: &str| {
        v.split_whitespace().next().is_some_and(known)
            || v.split_whitespace().next_back().is_some_and(known)
    };
    let names = if share(&known_name) >= 0.5 { share(&name_shaped) } else { 0.0 };
    // Dates of birth span generations; the dates of a register's entries do not.
    let years: Vec<u16> = filled
        .iter()
        .filter(|v| v.len() >= 6)
        .filter_map(|v| crate::normalize::date::parse_date(v).date)
        .map(|d| d.year)
        .collect();
    let span = years.iter().max().zip(years.iter().min()).map_or(0, |(a, b)| a - b);
    let births = if span >= 20 { years.len() as f64 / filled.len() as f64 } else { 0.0 };
    // Sex words (not the codes 1 and 2 alone: many columns hold those).
    let words = filled.iter().any(|v| v.chars().any(char::is_alphabetic));
    let sexes = if words { share(&|v| sex::parse_sex(v).is_some()) } else { 0.0 };
    // Addresses: three words or more with letters, in parts separated by commas.
    let addresses = share(&|v| {
        v.contains(',') && v.split_whitespace().count() >= 3 && v.chars().any(char::is_alphabetic)
    });
    [
        (FieldKind::NationalId, share(&|v| id::parse_id(v).is_some_and(|n| n.to_u64().is_some()))),
        (FieldKind::Phone, share(&|v| phone::phone_u64(v).is_some())),
        (FieldKind::Dob, births),
        (FieldKind::Sex, sexes),
        (FieldKind::Name, names),
        (FieldKind::Address, addresses),
    ]
    .into_iter()
    .find(|&(kind, s)| s >= if kind == FieldKind::Dob { 0.7 } else { 0.8 })
}

/// Whether a column of kind `mapped` already holds the person field `kind` (a name in parts
/// holds the name).
fn person_field_taken(mapped: FieldKind, kind: FieldKind) -> bool {
    mapped == kind
        || (kind == FieldKind::Name
            && matches!(
                mapped,
                FieldKind::FamilyName | FieldKind::MiddleName | FieldKind::GivenName
            ))
}

/// Infers the schema of a CSV (or Excel) file: see the module docs. `opts.columns` (from
/// `--column`) are applied first; `opts.config_columns` is ignored.
pub fn infer(path: impl AsRef<Path>, opts: &IngestOptions) -> Result<Inferred> {
    let path = path.as_ref();
    // No column recognised by its header is no error yet: the values may say.
    let opts = IngestOptions { config_columns: None, unknown_header_ok: true, ..opts.clone() };
    let mut src = CsvSource::open(path, &opts)?;
    let headers = src.headers().to_vec();
    let schema = src.schema().clone();
    let mut rows: Vec<RawRecord> = Vec::new();
    src.read_chunk(&mut rows, SAMPLE_ROWS)?;
    let unmapped_idx: Vec<usize> =
        (0..headers.len()).filter(|&i| schema.columns.iter().all(|c| c.index != i)).collect();

    let mut columns: Vec<ColumnConfig> = schema
        .columns
        .iter()
        .map(|c| ColumnConfig { name: c.name.clone(), ..ColumnConfig::new(&c.header, c.kind) })
        .collect();
    let mut notes = Vec::new();
    if src.headerless() {
        notes.push(format!(
            "the first line is data, not a header (a value in it is a date or a number of seven \
             digits or more, and no column name is known): the {} columns are named column_1 \
             to column_{0} and read by their values",
            headers.len()
        ));
    }
    let by_header = columns.len();
    let mut unmapped =
        sniff_unmapped(path, &opts, &headers, &unmapped_idx, &mut columns, &mut notes)?;
    if columns.iter().all(|c| c.kind == FieldKind::RecordId) {
        return Err(Error::Input {
            path: path.to_path_buf(),
            reason: crate::ingest::reader::no_recognisable_column(&headers),
        });
    }
    // Person fields found by their values: the sample read again with them, for the steps
    // below (the addresses, dates and names they test).
    if columns[by_header..].iter().any(|c| !c.kind.is_extra()) {
        let fixed: Vec<ColumnConfig> =
            columns.iter().filter(|c| !c.kind.is_extra()).cloned().collect();
        let o = IngestOptions { config_columns: Some(fixed), ..opts.clone() };
        rows.clear();
        CsvSource::open(path, &o)?.read_chunk(&mut rows, SAMPLE_ROWS)?;
    }
    read_as_vietnamese(&rows, &mut columns, &mut unmapped, &mut notes);
    date_order(&rows, &mut columns, &mut notes);
    name_order(&rows, &mut columns, &mut notes);
    limit_extras(&mut columns, &mut unmapped, &mut notes);
    name_extras(&mut columns);
    let blocking = rules_for(&columns);
    Ok(Inferred { columns, unmapped, blocking, notes, rows_sampled: rows.len() })
}

/// Step 3b: a date-of-birth column written month first (`05/23/1994`): among `d/m/yyyy`-shaped
/// values, those with a second number above 12 outnumber those with a first one above 12 ten to
/// one (typos and swapped values make a few of the other kind), and there are at least three.
fn date_order(rows: &[RawRecord], columns: &mut [ColumnConfig], notes: &mut Vec<String>) {
    let (mut day_first, mut month_first) = (0usize, 0usize);
    for r in rows {
        if let Some((a, b)) = r.get(FieldKind::Dob).and_then(crate::normalize::date::leading_pair) {
            day_first += usize::from(a > 12 && b <= 12);
            month_first += usize::from(b > 12 && a <= 12);
        }
    }
    if month_first >= 3 && month_first >= 10 * day_first {
        for c in columns.iter_mut().filter(|c| c.kind == FieldKind::Dob) {
            c.month_first = true;
            notes.push(format!(
                "column `{}`: dates written month first ({month_first} sampled values have the \
                 day second, {day_first} first): 03/04/1988 is read as 4 March",
                c.header
            ));
        }
    }
}

/// Step 3c: a whole-name column written given name first (`John A Smith`): the first words of
/// at least 30 % of the sampled names are English given names (the nickname table's), three
/// times as many as the last words. Vietnamese names are in none of those lists (the table
/// leaves them out), and family-first English (`Smith John`) has the given name last.
fn name_order(rows: &[RawRecord], columns: &mut [ColumnConfig], notes: &mut Vec<String>) {
    let names = rows.iter().filter_map(|r| r.get(FieldKind::Name));
    if let Some(evidence) = given_first_evidence(names) {
        for c in columns.iter_mut().filter(|c| c.kind == FieldKind::Name && !c.given_first) {
            c.given_first = true;
            notes.push(given_first_note(&c.header, evidence));
        }
    }
}

/// Whether whole names are written given name first ([`name_order`]'s test): the numbers of
/// names sampled, of those starting with an English given name and of those ending with one,
/// when they say so.
fn given_first_evidence<'a>(names: impl Iterator<Item = &'a str>) -> Option<(usize, usize, usize)> {
    let (mut sampled, mut first, mut last) = (0usize, 0usize, 0usize);
    let known = |w: Option<&str>| {
        w.is_some_and(|w| crate::normalize::nickname::name_id(&text::fold(w)).is_some())
    };
    for name in names.filter(|n| !n.contains(',')) {
        let mut words = name.split_whitespace();
        let head = words.next();
        let tail = words.last();
        if tail.is_none() {
            continue;
        }
        sampled += 1;
        first += usize::from(known(head));
        last += usize::from(known(tail));
    }
    (sampled > 0 && first as f64 >= 0.3 * sampled as f64 && first >= 3 * last)
        .then_some((sampled, first, last))
}

/// The note saying that column `header` is read given name first.
fn given_first_note(header: &str, (names, first, last): (usize, usize, usize)) -> String {
    format!(
        "column `{header}`: names written given name first ({first} of {names} sampled start \
         with an English given name, {last} end with one): John A Smith is read as Smith \
         (family), A (middle), John (given)"
    )
}

/// Step 2: sniffs the unmapped columns, [`MAX_EXTRA`] at a time, read as text fields: e-mail
/// columns join `columns`; the others are returned with what their values look like.
fn sniff_unmapped(
    path: &Path,
    opts: &IngestOptions,
    headers: &[String],
    unmapped_idx: &[usize],
    columns: &mut Vec<ColumnConfig>,
    notes: &mut Vec<String>,
) -> Result<Vec<Unmapped>> {
    let mut unmapped = Vec::new();
    for batch in unmapped_idx.chunks(MAX_EXTRA) {
        let cfg: Vec<ColumnConfig> = batch
            .iter()
            .map(|&i| ColumnConfig {
                name: format!("c{i}"),
                ..ColumnConfig::new(&headers[i], FieldKind::Text)
            })
            .collect();
        let o = IngestOptions { config_columns: Some(cfg), ..opts.clone() };
        let mut s = CsvSource::open(path, &o)?;
        let mut sample: Vec<RawRecord> = Vec::new();
        s.read_chunk(&mut sample, SAMPLE_ROWS)?;
        for (j, &i) in batch.iter().enumerate() {
            let values: Vec<&str> = sample.iter().map(|r| r.extra(j)).collect();
            let (kind, filled, _) = suggest(&values);
            if i == 0
                && is_record_id(&values)
                && columns.iter().all(|c| c.kind != FieldKind::RecordId)
            {
                notes.push(format!(
                    "column `{}`: the first column, filled and distinct in every sampled row: \
                     the record id",
                    headers[i]
                ));
                columns.push(ColumnConfig::new(&headers[i], FieldKind::RecordId));
            } else if let Some((kind, share)) = person_field_evidence(&values)
                && columns.iter().all(|c| !person_field_taken(c.kind, kind))
            {
                notes.push(format!(
                    "column `{}`: {:.0} % of the sampled values read as {}: the `{}` field",
                    headers[i],
                    share * 100.0,
                    match kind {
                        FieldKind::Name =>
                            "people's names (words of letters, most of them \
                                            with a known family or given name)",
                        FieldKind::NationalId => "CCCD or CMND numbers",
                        FieldKind::Dob => "dates, spanning twenty years or more",
                        FieldKind::Sex => "sexes (Nam, Nữ, M, F…)",
                        FieldKind::Address => "addresses (words in parts separated by commas)",
                        _ => "Vietnamese phone numbers",
                    },
                    kind.as_str()
                ));
                let mut c = ColumnConfig::new(&headers[i], kind);
                if kind == FieldKind::Name
                    && let Some(evidence) = given_first_evidence(values.iter().copied())
                {
                    c.given_first = true;
                    notes.push(given_first_note(&headers[i], evidence));
                }
                columns.push(c);
            } else if kind == Some(FieldKind::Email)
                && columns.iter().filter(|c| c.kind.is_extra()).count() < MAX_EXTRA
            {
                notes.push(format!(
                    "column `{}`: e-mail addresses in its values, compared as `email`",
                    headers[i]
                ));
                columns.push(ColumnConfig::new(&headers[i], FieldKind::Email));
            } else if let Some(e) = identifier_evidence(&values)
                && columns.iter().filter(|c| c.kind.is_extra()).count() < MAX_EXTRA
            {
                notes.push(format!(
                    "column `{}`: an identifier by its values ({:.0} % filled, {:.0} % distinct, \
                     {} of {} characters in {:.0} %), compared as `code` and blocked on",
                    headers[i],
                    e.filled * 100.0,
                    e.distinct * 100.0,
                    if e.digits { "digits" } else { "letters and digits" },
                    e.length.0,
                    e.length.1 * 100.0
                ));
                columns.push(ColumnConfig::new(&headers[i], FieldKind::Code));
            } else {
                unmapped.push(Unmapped { header: headers[i].clone(), suggestion: kind, filled });
            }
        }
    }

    Ok(unmapped)
}

/// Step 3: whether the Vietnamese normalisers read the sampled addresses, phones and ids; the
/// columns they do not read are compared as text (one address field) or codes.
fn read_as_vietnamese(
    rows: &[RawRecord],
    columns: &mut Vec<ColumnConfig>,
    unmapped: &mut Vec<Unmapped>,
    notes: &mut Vec<String>,
) {
    let raws: Vec<_> = rows.iter().map(raw_of).collect();
    let mut preparer = Preparer::new();
    let mut out = Prepared::default();
    let (mut addresses, mut resolved) = (0usize, 0usize);
    let (mut phones, mut vn_phones, mut ids, mut vn_ids) = (0usize, 0usize, 0usize, 0usize);
    for r in &raws {
        let mut joined = String::new();
        r.joined_address_into(&mut joined);
        if !joined.trim().is_empty() {
            addresses += 1;
            preparer.prepare(r, &Encodings::default(), &mut out);
            let f = &out.features;
            resolved += usize::from(f.province_new != 0 || f.ward_old != 0 || f.ward_new != 0);
        }
        if !r.phone.trim().is_empty() {
            phones += 1;
            vn_phones += usize::from(phone::phone_u64(r.phone).is_some());
        }
        if !r.id_number.trim().is_empty() {
            ids += 1;
            vn_ids += usize::from(id::parse_id(r.id_number).is_some_and(|n| n.to_u64().is_some()));
        }
    }
    let retype =
        |columns: &mut [ColumnConfig], kinds: &[FieldKind], kind: FieldKind, name: &str| {
            for c in columns.iter_mut().filter(|c| kinds.contains(&c.kind)) {
                c.kind = kind;
                c.name = if name.is_empty() { field_name(&c.header) } else { name.to_owned() };
            }
        };
    if addresses > 0 && (resolved as f64) < 0.2 * addresses as f64 {
        notes.push(format!(
            "addresses: {resolved} of {addresses} sampled resolve against the Vietnamese \
             gazetteer: the address columns are compared as one text field, `address_text` (their \
             values joined)"
        ));
        let kinds = crate::ingest::header::ADDRESS_KINDS;
        // One field, not one per column: the parts of one address say the same thing, and
        // the model takes its fields as independent evidence.
        retype(columns, kinds, FieldKind::Text, "address_text");
        // A second address line (`address_2`, `unit_number`) is part of that text.
        let (second, rest): (Vec<Unmapped>, Vec<Unmapped>) = std::mem::take(unmapped)
            .into_iter()
            .partition(|u| crate::ingest::header::is_second_address_line(&u.header));
        *unmapped = rest;
        for u in second {
            notes.push(format!(
                "column `{}`: a second address line, joined with the address text",
                u.header
            ));
            columns.push(ColumnConfig {
                name: "address_text".to_owned(),
                ..ColumnConfig::new(u.header, FieldKind::Text)
            });
        }
        // The postcode is part of that address: kept for blocking, not weighed again.
        for c in columns.iter_mut().filter(|c| c.kind == FieldKind::Postcode) {
            c.compare = false;
            notes.push(format!(
                "column `{}`: a postcode beside the address: used by blocking rules, not \
                 compared (the address is)",
                c.header
            ));
        }
    }
    if phones > 0 && (vn_phones as f64) < 0.5 * phones as f64 {
        notes.push(format!(
            "phones: {vn_phones} of {phones} sampled are Vietnamese numbers: compared as a code"
        ));
        retype(columns, &[FieldKind::Phone], FieldKind::Code, "");
    }
    if ids > 0 && (vn_ids as f64) < 0.5 * ids as f64 {
        notes.push(format!(
            "ids: {vn_ids} of {ids} sampled are CCCD or CMND numbers: compared as a code"
        ));
        retype(columns, &[FieldKind::NationalId], FieldKind::Code, "");
    }
}

/// Extra fields: at most [`MAX_EXTRA`] (text fields dropped first, each noted and listed as
/// unmapped).
fn limit_extras(
    columns: &mut Vec<ColumnConfig>,
    unmapped: &mut Vec<Unmapped>,
    notes: &mut Vec<String>,
) {
    loop {
        let extras: Vec<usize> =
            (0..columns.len()).filter(|&i| columns[i].kind.is_extra()).collect();
        // Fields, not columns: the address columns are one field.
        let mut fields: Vec<&str> = extras
            .iter()
            .map(|&i| {
                if columns[i].name.is_empty() {
                    columns[i].header.as_str()
                } else {
                    columns[i].name.as_str()
                }
            })
            .collect();
        fields.sort_unstable();
        fields.dedup();
        if fields.len() <= MAX_EXTRA {
            break;
        }
        let drop = extras
            .iter()
            .rev()
            .copied()
            .find(|&i| columns[i].kind == FieldKind::Text && columns[i].name != "address_text")
            .unwrap_or(extras[extras.len() - 1]);
        let c = columns.remove(drop);
        notes.push(format!("column `{}` left out: at most {MAX_EXTRA} extra fields", c.header));
        unmapped.push(Unmapped { header: c.header, suggestion: Some(c.kind), filled: 1.0 });
    }
}

/// Gives each extra field a unique name that is not a reserved one.
fn name_extras(columns: &mut [ColumnConfig]) {
    let mut taken: Vec<String> = Vec::new();
    for c in columns.iter_mut().filter(|c| c.kind.is_extra()) {
        if c.name == "address_text" {
            continue;
        }
        let base = if c.name.is_empty() { field_name(&c.header) } else { c.name.clone() };
        let mut name = base.clone();
        let mut n = 1;
        while taken.contains(&name) || crate::ingest::header::is_reserved_name(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        taken.push(name.clone());
        c.name = name;
    }
}

/// Step 4: blocking rules for the extra fields found.
fn rules_for(columns: &[ColumnConfig]) -> Blocking {
    let mut blocking = Blocking::default();
    for c in columns.iter().filter(|c| c.kind.is_extra()) {
        let name = c.name.as_str();
        match c.kind {
            FieldKind::Email | FieldKind::Code => {
                blocking.rules.push(Rule::with_fields(&[], &[name], &[]));
            }
            FieldKind::Postcode => {
                blocking.rules.push(Rule::with_fields(&[KeyPart::FamilyClass], &[name], &[]));
                blocking.rules.push(Rule::with_fields(&[KeyPart::BirthYear], &[name], &[]));
            }
            _ => {}
        }
    }
    blocking
}

impl Inferred {
    /// The inferred schema as a configuration file (TOML) for `--config`, with the decisions
    /// and the unmapped columns as comments.
    pub fn to_toml(&self, source: &str) -> String {
        use std::fmt::Write as _;
        let mut t = String::new();
        let _ = writeln!(t, "# vnlink configuration inferred from {source}");
        let _ = writeln!(
            t,
            "# ({} rows sampled). Check it, edit it, and pass it with --config.",
            self.rows_sampled
        );
        for n in &self.notes {
            let _ = writeln!(t, "# note: {n}");
        }
        let kinds: Vec<&str> =
            FieldKind::SINGLE.iter().chain(&FieldKind::EXTRA).map(|k| k.as_str()).collect();
        let _ = writeln!(t, "#\n# Kinds: {}.", kinds.join(", "));
        let _ = writeln!(t, "# Columns not listed are not read.\n");
        for c in &self.columns {
            let _ = writeln!(t, "[[columns]]");
            let _ = writeln!(t, "header = {}", quote(&c.header));
            let _ = writeln!(t, "kind = \"{}\"", c.kind);
            if c.kind.is_extra() {
                let _ = writeln!(t, "name = {}", quote(&c.name));
            }
            if !c.compare {
                let _ = writeln!(t, "compare = false");
            }
            if c.given_first {
                let _ = writeln!(t, "given_first = true");
            }
            if c.month_first {
                let _ = writeln!(t, "month_first = true");
            }
            t.push('\n');
        }
        for u in &self.unmapped {
            let _ = writeln!(
                t,
                "# not read: {} ({:.0} % filled{})",
                quote(&u.header),
                u.filled * 100.0,
                u.suggestion.map_or(String::new(), |k| format!("; its values look like `{k}`"))
            );
            if let Some(k) = u.suggestion {
                let _ = writeln!(
                    t,
                    "# [[columns]]\n# header = {}\n# kind = \"{k}\"\n",
                    quote(&u.header)
                );
            }
        }
        t.push_str(&self.blocking.to_toml());
        t
    }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_by_their_values() {
        let ssn: Vec<String> = (0..100u64).map(|i| format!("{}", 4_000_000 + i * 7_919)).collect();
        let v: Vec<&str> = ssn.iter().map(String::as_str).collect();
        let e = identifier_evidence(&v).expect("7 distinct digits");
        assert_eq!(e, IdEvidence { filled: 1.0, distinct: 1.0, length: (7, 1.0), digits: true });
        // Written with separators, letters and digits: still one.
        let pass: Vec<String> = (0..100).map(|i| format!("B-{:07}", 1_234_567 + i * 13)).collect();
        let v: Vec<&str> = pass.iter().map(String::as_str).collect();
        assert!(identifier_evidence(&v).is_some_and(|e| !e.digits && e.length.0 == 8));
        // Half the people twice: still distinct enough.
        let dup: Vec<&str> = v.iter().take(50).chain(v.iter().take(50)).copied().collect();
        assert!(identifier_evidence(&dup).is_some());
        // A row number, a short code, a sparse column, a shared value, free text: none is.
        let rows: Vec<String> = (1..=100).map(|i| format!("{i:06}")).collect();
        let v: Vec<&str> = rows.iter().map(String::as_str).collect();
        assert_eq!(identifier_evidence(&v), None);
        let zip: Vec<String> = (0..100).map(|i| format!("{}", 2000 + i)).collect();
        assert_eq!(identifier_evidence(&zip.iter().map(String::as_str).collect::<Vec<_>>()), None);
        let sparse: Vec<&str> = ssn.iter().map(String::as_str).take(80).chain([""; 20]).collect();
        assert_eq!(identifier_evidence(&sparse), None);
        assert_eq!(identifier_evidence(&["1234567"; 100]), None);
        let words: Vec<String> = (0..100).map(|i| format!("street {i}")).collect();
        assert_eq!(
            identifier_evidence(&words.iter().map(String::as_str).collect::<Vec<_>>()),
            None
        );
    }
}
