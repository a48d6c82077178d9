//! Dates (of birth) as Vietnamese registers and spreadsheets write them, with their precision.
//!
//! Main items: [`Date`] (year, month or 0, day or 0), [`Precision`], [`parse_date`] →
//! [`ParsedDate`] (a date or missing, plus an optional [`DateWarning`]).
//!
//! Invariants of a [`Date`]: `MIN_YEAR <= year <= MAX_YEAR`; `month` is 0 (unknown) or 1–12;
//! `day` is 0 (unknown) or a real day of that month (leap years included); a known day implies a
//! known month. [`Date::pack`] is a `u32` that sorts like the dates (a year-only date sorts
//! before every month of its year) and is never 0, which is kept for "missing".
//!
//! Accepted forms (day first, as in Vietnam), all without allocation for ASCII input:
//!
//! | input | result |
//! |---|---|
//! | `05/03/1980`, `5/3/1980`, `5-3-1980`, `05.03.1980`, `05 03 1980` | 1980-03-05 |
//! | `1980-03-05`, `1980/03/05`, `1980-03-05T00:00:00`, `05/03/1980 00:00` | 1980-03-05 (time dropped) |
//! | `19800305` (yyyymmdd), `05031980` (ddmmyyyy), `19801503` (yyyyddmm, a warning) | 1980-03-05 / 1980-03-15 |
//! | `ngày 05 tháng 3 năm 1980`, `05-Mar-1980`, `March 5, 1980` | 1980-03-05 |
//! | `1980`, `năm 1980`, `1980.0` | 1980 (year precision) |
//! | `03/1980`, `3-1980`, `1980-03`, `031980`, `tháng 3 năm 1980`, `Mar 1980` | 1980-03 (month precision) |
//! | `00/00/1980`, `00/03/1980` | 1980, 1980-03 + [`DateWarning::Placeholder`] |
//! | `29285` (Excel serial, 1900 system) | 1980-03-05 + [`DateWarning::ExcelSerial`] |
//! | `05/03/80`, `050380` | 1980-03-05 + [`DateWarning::TwoDigitYear`] |
//! | `03/25/1980` (first ≤ 12, second > 12) | 1980-03-25 + [`DateWarning::MonthFirst`] |
//! | `31/02/1990`, `13/13/1990` | missing + [`DateWarning::Impossible`] |
//!
//! Decisions:
//! * Two-digit years use Excel's pivot, since the damage usually comes from Excel: `00`–`29` →
//!   2000–2029, `30`–`99` → 1930–1999.
//! * Excel serial numbers are accepted only as 5-digit numbers 10000–73415 (1927-05-18 to
//!   2100-12-31), optionally with a fractional time part; 4-digit numbers are years. The 1900
//!   system's fictitious 1900-02-29 lies below that range, so serial `n` is simply 1899-12-30 + n
//!   days.
//! * `01/01/yyyy` is kept as a full date: it is a real day, and whether it is a placeholder is a
//!   question for the whole data set, not for one value.
//! * Words other than `ngày`, `tháng`, `năm`, `sinh` and English month names make the value
//!   unparseable (`khoảng 1980` is not silently read as 1980).

use std::fmt;

use crate::normalize::text;

/// The earliest year accepted.
pub const MIN_YEAR: u16 = 1800;
/// The latest year accepted.
pub const MAX_YEAR: u16 = 2199;
/// The smallest Excel serial number accepted (1927-05-18).
pub const EXCEL_MIN_SERIAL: u32 = 10_000;
/// The largest Excel serial number accepted (2100-12-31).
pub const EXCEL_MAX_SERIAL: u32 = 73_415;

/// A calendar date whose month and day may be unknown (0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// The year, `MIN_YEAR..=MAX_YEAR`.
    pub year: u16,
    /// The month 1–12, or 0 when unknown.
    pub month: u8,
    /// The day of the month, or 0 when unknown.
    pub day: u8,
}

/// How much of a [`Date`] is known. Ordered from least to most precise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// Year, month and day.
    Day,
}

impl Precision {
    /// The lower-case name: `"year"`, `"month"`, `"day"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

/// Why a date was changed, guessed or rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DateWarning {
    /// Not a date in any known form (the date is missing).
    Unparseable,
    /// Shaped like a date but no such day exists, e.g. 31/02/1990 or a month 13 (missing).
    Impossible,
    /// The year is outside `MIN_YEAR..=MAX_YEAR` (missing).
    OutOfRange,
    /// Read month-first because the first number was ≤ 12 and the second > 12 (US-locale
    /// damage); or a year-first date read with the day and month swapped (`19562911`).
    MonthFirst,
    /// A two-digit year was expanded with the pivot (see the module docs).
    TwoDigitYear,
    /// An Excel serial number was converted.
    ExcelSerial,
    /// A zero day or month (`00/00/1980`) was read as unknown: the precision was lowered.
    Placeholder,
}

impl DateWarning {
    /// A short stable code, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            DateWarning::Unparseable => "date_unparseable",
            DateWarning::Impossible => "date_impossible",
            DateWarning::OutOfRange => "date_out_of_range",
            DateWarning::MonthFirst => "date_month_first",
            DateWarning::TwoDigitYear => "date_two_digit_year",
            DateWarning::ExcelSerial => "date_excel_serial",
            DateWarning::Placeholder => "date_placeholder",
        }
    }

    /// Whether the date was rejected (the result is missing).
    pub fn is_rejection(self) -> bool {
        matches!(self, DateWarning::Unparseable | DateWarning::Impossible | DateWarning::OutOfRange)
    }
}

impl fmt::Display for DateWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of [`parse_date`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParsedDate {
    /// The date, or `None` when the value is empty or was rejected.
    pub date: Option<Date>,
    /// What was guessed, changed or rejected; `None` for a clean value or an empty one.
    pub warning: Option<DateWarning>,
}

impl ParsedDate {
    const EMPTY: ParsedDate = ParsedDate { date: None, warning: None };

    fn reject(w: DateWarning) -> ParsedDate {
        ParsedDate { date: None, warning: Some(w) }
    }
}

/// Whether `year` is a leap year of the Gregorian calendar.
pub fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// The number of days in `month` (1–12) of `year`; 0 for any other month.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date if the parts satisfy the invariants (month and day may be 0 = unknown).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let ok = (MIN_YEAR..=MAX_YEAR).contains(&year)
            && month <= 12
            && (day == 0 || (month != 0 && day <= days_in_month(year, month)));
        ok.then_some(Date { year, month, day })
    }

    /// A year-only date.
    pub fn year_only(year: u16) -> Option<Date> {
        Date::new(year, 0, 0)
    }

    /// How much of the date is known.
    pub fn precision(self) -> Precision {
        if self.month == 0 {
            Precision::Year
        } else if self.day == 0 {
            Precision::Month
        } else {
            Precision::Day
        }
    }

    /// A compact `u32` (`year << 9 | month << 5 | day`) that sorts like the dates and is never 0.
    pub fn pack(self) -> u32 {
        (u32::from(self.year) << 9) | (u32::from(self.month) << 5) | u32::from(self.day)
    }

    /// The date of a [`Date::pack`] value; `None` for 0 (missing) and for any invalid value.
    pub fn unpack(packed: u32) -> Option<Date> {
        let year = u16::try_from(packed >> 9).ok()?;
        Date::new(year, ((packed >> 5) & 0xF) as u8, (packed & 0x1F) as u8)
            .filter(|d| d.pack() == packed)
    }

    /// The date of an Excel serial number (1900 system); `None` outside
    /// `EXCEL_MIN_SERIAL..=EXCEL_MAX_SERIAL`.
    pub fn from_excel_serial(serial: u32) -> Option<Date> {
        if !(EXCEL_MIN_SERIAL..=EXCEL_MAX_SERIAL).contains(&serial) {
            return None;
        }
        // 1899-12-30 is serial 0 once the fictitious 1900-02-29 (serial 60) is behind us.
        let (y, m, d) = civil_from_days(i64::from(serial) + days_from_civil(1899, 12, 30));
        Date::new(u16::try_from(y).ok()?, m, d)
    }

    /// Days since 1970-01-01 of a full date (`None` unless the precision is [`Precision::Day`]).
    pub fn days_since_epoch(self) -> Option<i64> {
        (self.precision() == Precision::Day)
            .then(|| days_from_civil(i64::from(self.year), self.month, self.day))
    }

    /// Whether `other` can be the same date at the lower of the two precisions
    /// (1980 agrees with 1980-03-05; 1980-03 does not agree with 1980-04-01).
    pub fn agrees_with(self, other: Date) -> bool {
        self.year == other.year
            && (self.month == 0 || other.month == 0 || self.month == other.month)
            && (self.day == 0 || other.day == 0 || self.day == other.day)
    }
}

impl fmt::Display for Date {
    /// ISO 8601 at the date's precision: `1980-03-05`, `1980-03` or `1980`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision() {
            Precision::Year => write!(f, "{:04}", self.year),
            Precision::Month => write!(f, "{:04}-{:02}", self.year, self.month),
            Precision::Day => write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day),
        }
    }
}

/// Days from 1970-01-01 to a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let (m, d) = (i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count from 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Parses a date; never panics. See the module docs for the accepted forms.
///
/// ```
/// use vnlink::normalize::date::{parse_date, Date, DateWarning, Precision};
/// let p = parse_date("05/03/1980");
/// assert_eq!(p.date, Date::new(1980, 3, 5));
/// assert_eq!(p.warning, None);
/// assert_eq!(parse_date("1945").date.unwrap().precision(), Precision::Year);
/// assert_eq!(parse_date("31/02/1990").warning, Some(DateWarning::Impossible));
/// ```
pub fn parse_date(s: &str) -> ParsedDate {
    let t = s.trim().trim_start_matches('\'').trim();
    if t.is_empty() {
        return ParsedDate::EMPTY;
    }
    if t.is_ascii() {
        return parse_ascii(t.as_bytes());
    }
    // Vietnamese words ("ngày … tháng … năm …") or stray Unicode: fold, then parse as ASCII.
    let folded = text::fold(t);
    if folded.is_ascii() {
        parse_ascii(folded.as_bytes())
    } else {
        ParsedDate::reject(DateWarning::Unparseable)
    }
}

/// The first two numbers of a `d/m/yyyy`-shaped date (separators `/`, `-` or `.`, a year of
/// two or four digits), as written; `None` for any other form.
pub fn leading_pair(s: &str) -> Option<(u32, u32)> {
    let mut parts = s.trim().split(['/', '-', '.']);
    let (first, second, year) = (parts.next()?, parts.next()?, parts.next()?);
    let num = |part: &str, lens: &[usize]| {
        (lens.contains(&part.len()) && part.bytes().all(|c| c.is_ascii_digit()))
            .then(|| digits_value(part.as_bytes()))
    };
    if parts.next().is_some() || num(year, &[2, 4]).is_none() {
        return None;
    }
    Some((num(first, &[1, 2])?, num(second, &[1, 2])?))
}

/// Parses a date of a column written month first: a `m/d/yyyy`-shaped value is read month
/// first (a second number above 12 still reads as a day-first date, with its warning); any
/// other form as [`parse_date`] reads it.
pub fn parse_date_month_first(s: &str) -> ParsedDate {
    match leading_pair(s) {
        Some((month, day)) if day <= 12 || month <= 12 => {
            let text = s.trim();
            let sep =
                text.bytes().find(|c| matches!(c, b'/' | b'-' | b'.')).map_or('/', char::from);
            let year = text.rsplit(sep).next().unwrap_or("");
            parse_date(&format!("{day}{sep}{month}{sep}{year}"))
        }
        _ => parse_date(s),
    }
}

#[cfg(test)]
mod month_first_tests {
    use super::*;

    #[test]
    fn month_first_columns() {
        assert_eq!(leading_pair("05/23/1994"), Some((5, 23)));
        assert_eq!(leading_pair("5-6-94"), Some((5, 6)));
        assert_eq!(leading_pair("1994-05-06"), None);
        assert_eq!(leading_pair("05/06/1994/1"), None);
        assert_eq!(parse_date_month_first("05/06/1994").date, Date::new(1994, 5, 6));
        assert_eq!(parse_date_month_first("05/23/1994").date, Date::new(1994, 5, 23));
        // A day first where the first number cannot be a month stays a day first.
        assert_eq!(parse_date_month_first("23/05/1994").date, Date::new(1994, 5, 23));
        assert_eq!(parse_date_month_first("1994-05-06").date, Date::new(1994, 5, 6));
        assert_eq!(parse_date_month_first("").date, None);
    }
}

/// A number token: its value and how many digits it was written with.
#[derive(Clone, Copy)]
struct Num {
    value: u32,
    len: u8,
}

fn digits_value(b: &[u8]) -> u32 {
    b.iter().fold(0u32, |acc, &d| acc.saturating_mul(10).saturating_add(u32::from(d - b'0')))
}

/// Drops a trailing time of day: from the digits before the first `:` (and the separating
/// spaces, commas or `T`) to the end.
fn strip_time(b: &[u8]) -> &[u8] {
    let Some(colon) = b.iter().position(|&c| c == b':') else { return b };
    let mut i = colon;
    while i > 0 && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    while i > 0 && matches!(b[i - 1], b' ' | b'T' | b't' | b',') {
        i -= 1;
    }
    &b[..i]
}

fn expand_two_digit_year(yy: u32) -> u32 {
    if yy < 30 { 2000 + yy } else { 1900 + yy }
}

/// Validates and builds; `warning` is what the parse guessed so far.
fn finish(year: u32, month: u32, day: u32, warning: Option<DateWarning>) -> ParsedDate {
    let Ok(year) = u16::try_from(year) else { return ParsedDate::reject(DateWarning::OutOfRange) };
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return ParsedDate::reject(DateWarning::OutOfRange);
    }
    if month > 12 || day > 31 {
        return ParsedDate::reject(DateWarning::Impossible);
    }
    let (month, day) = (month as u8, day as u8);
    if month == 0 {
        return ParsedDate {
            date: Date::year_only(year),
            warning: warning.or(Some(DateWarning::Placeholder)),
        };
    }
    if day == 0 {
        // Month precision is normal for month-year input; a zero day is a placeholder.
        return ParsedDate { date: Date::new(year, month, 0), warning };
    }
    match Date::new(year, month, day) {
        Some(d) => ParsedDate { date: Some(d), warning },
        None => ParsedDate::reject(DateWarning::Impossible),
    }
}

/// Year + month (month-year input).
fn finish_month(year: u32, month: Num, warning: Option<DateWarning>) -> ParsedDate {
    if month.len > 2 {
        return ParsedDate::reject(DateWarning::Unparseable);
    }
    finish(year, month.value, 0, warning)
}

/// Day-first or month-first day, month, year (the year already expanded).
fn finish_dmy(d: Num, m: Num, year: u32, warning: Option<DateWarning>) -> ParsedDate {
    if d.len > 2 || m.len > 2 {
        return ParsedDate::reject(DateWarning::Unparseable);
    }
    let (mut day, mut month, mut warning) = (d.value, m.value, warning);
    if month > 12 && (1..=12).contains(&day) {
        std::mem::swap(&mut day, &mut month);
        warning = Some(DateWarning::MonthFirst);
    }
    if day == 0 && month != 0 {
        warning = warning.or(Some(DateWarning::Placeholder));
    }
    finish(year, month, day, warning)
}

/// A value made only of digits (with an optional zero fraction, or any fraction on a serial).
fn parse_numeric(int: &[u8], frac: Option<&[u8]>) -> Option<ParsedDate> {
    let zero_frac = frac.is_none_or(|f| f.iter().all(|&c| c == b'0'));
    let n = int.len();
    if !zero_frac && n != 5 {
        return None;
    }
    let v = |r: std::ops::Range<usize>| digits_value(&int[r]);
    Some(match n {
        4 => finish(v(0..4), 0, 0, None).no_placeholder(),
        5 => {
            let serial = v(0..5);
            match Date::from_excel_serial(serial) {
                Some(d) => ParsedDate { date: Some(d), warning: Some(DateWarning::ExcelSerial) },
                None => ParsedDate::reject(DateWarning::OutOfRange),
            }
        }
        6 => {
            let (mm, yyyy) = (v(0..2), v(2..6));
            if (1..=12).contains(&mm) && (u32::from(MIN_YEAR)..=u32::from(MAX_YEAR)).contains(&yyyy)
            {
                finish(yyyy, mm, 0, None)
            } else {
                let d = Num { value: v(0..2), len: 2 };
                let m = Num { value: v(2..4), len: 2 };
                finish_dmy(d, m, expand_two_digit_year(v(4..6)), Some(DateWarning::TwoDigitYear))
            }
        }
        8 => {
            let (yyyy, mm, dd) = (v(0..4), v(4..6), v(6..8));
            let iso = finish(yyyy, mm, dd, None);
            if iso.date.is_some() {
                return Some(iso);
            }
            let d = Num { value: v(0..2), len: 2 };
            let m = Num { value: v(2..4), len: 2 };
            let dmy = finish_dmy(d, m, v(4..8), None);
            // Neither: a year first with the day and month swapped (`19562911`), as a
            // month-first locale writes yyyymmdd.
            if dmy.date.is_none() && mm > 12 && (1..=12).contains(&dd) {
                let swapped = finish(yyyy, dd, mm, Some(DateWarning::MonthFirst));
                if swapped.date.is_some() {
                    return Some(swapped);
                }
            }
            dmy
        }
        _ => ParsedDate::reject(DateWarning::Unparseable),
    })
}

impl ParsedDate {
    /// A bare year is year precision by nature, not a placeholder.
    fn no_placeholder(mut self) -> ParsedDate {
        if self.warning == Some(DateWarning::Placeholder) {
            self.warning = None;
        }
        self
    }
}

fn month_name(word: &[u8]) -> Option<u8> {
    const NAMES: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];
    if word.len() < 3 {
        return None;
    }
    NAMES.iter().position(|name| name.starts_with(word)).map(|i| i as u8 + 1)
}

fn parse_ascii(text: &[u8]) -> ParsedDate {
    let text = strip_time(text);
    if text.is_empty() {
        return ParsedDate::reject(DateWarning::Unparseable);
    }

    // Digits only, possibly with one fraction: yyyy, Excel serial, mmyyyy, ddmmyy, yyyymmdd, ddmmyyyy.
    let (int, frac) = match text.iter().position(|&c| c == b'.') {
        Some(dot) => (&text[..dot], Some(&text[dot + 1..])),
        None => (text, None),
    };
    if !int.is_empty()
        && int.iter().all(u8::is_ascii_digit)
        && frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit))
        && let Some(parsed) = parse_numeric(int, frac)
    {
        return parsed;
    }

    match tokenize(text) {
        Some(tokens) => assemble(tokens.month, &tokens.nums[..tokens.n_nums]),
        None => ParsedDate::reject(DateWarning::Unparseable),
    }
}

/// The meaningful tokens of a date: up to three numbers and at most one month name.
struct Tokens {
    nums: [Num; 3],
    n_nums: usize,
    month: Option<u8>,
}

/// Splits into numbers (≤ 4 digits), one month name and Vietnamese label words (skipped), with
/// separators between them; `None` for anything else.
fn tokenize(text: &[u8]) -> Option<Tokens> {
    let mut tokens = Tokens { nums: [Num { value: 0, len: 0 }; 3], n_nums: 0, month: None };
    let mut pos = 0;
    while pos < text.len() {
        let first = text[pos];
        let start = pos;
        if first.is_ascii_digit() {
            while pos < text.len() && text[pos].is_ascii_digit() {
                pos += 1;
            }
            if pos - start > 4 || tokens.n_nums == 3 {
                return None;
            }
            let value = digits_value(&text[start..pos]);
            tokens.nums[tokens.n_nums] = Num { value, len: (pos - start) as u8 };
            tokens.n_nums += 1;
        } else if first.is_ascii_alphabetic() {
            while pos < text.len() && text[pos].is_ascii_alphabetic() {
                pos += 1;
            }
            let mut word = [0u8; 16];
            let len = pos - start;
            if len > word.len() {
                return None;
            }
            for (lower, &ch) in word.iter_mut().zip(&text[start..pos]) {
                *lower = ch.to_ascii_lowercase();
            }
            match &word[..len] {
                b"ngay" | b"thang" | b"nam" | b"sinh" => {}
                other => match month_name(other) {
                    Some(month) if tokens.month.is_none() => tokens.month = Some(month),
                    _ => return None,
                },
            }
        } else if matches!(first, b' ' | b'/' | b'-' | b'.' | b',' | b'\\' | b'_' | b'\t') {
            pos += 1;
        } else {
            return None;
        }
    }
    Some(tokens)
}

/// Gives the numbers their roles (day first unless a 4-digit year leads).
fn assemble(month: Option<u8>, nums: &[Num]) -> ParsedDate {
    match (month, nums) {
        (None, [y]) if y.len == 4 => finish(y.value, 0, 0, None).no_placeholder(),
        (None, [m, y] | [y, m]) if y.len == 4 => finish_month(y.value, *m, None),
        (None, [y, m, d]) if y.len == 4 => {
            if m.len > 2 || d.len > 2 {
                return ParsedDate::reject(DateWarning::Unparseable);
            }
            let warning = (d.value == 0 && m.value != 0).then_some(DateWarning::Placeholder);
            finish(y.value, m.value, d.value, warning)
        }
        (None, [d, m, y]) if y.len == 4 => finish_dmy(*d, *m, y.value, None),
        (None, [d, m, y]) if y.len == 2 => {
            finish_dmy(*d, *m, expand_two_digit_year(y.value), Some(DateWarning::TwoDigitYear))
        }
        (Some(m), [y]) if y.len == 4 => finish(y.value, u32::from(m), 0, None),
        (Some(m), [d, y] | [y, d]) if y.len == 4 && d.len <= 2 => {
            finish(y.value, u32::from(m), d.value, None)
        }
        (Some(m), [d, y]) if y.len == 2 && d.len <= 2 => finish(
            expand_two_digit_year(y.value),
            u32::from(m),
            d.value,
            Some(DateWarning::TwoDigitYear),
        ),
        _ => ParsedDate::reject(DateWarning::Unparseable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(input: &str, year: u16, month: u8, day: u8) {
        let parsed = parse_date(input);
        assert_eq!(parsed.date, Date::new(year, month, day), "{input:?} → {parsed:?}");
        assert_eq!(parsed.warning, None, "{input:?} → {parsed:?}");
    }

    fn warned(input: &str, year: u16, month: u8, day: u8, warning: DateWarning) {
        let parsed = parse_date(input);
        assert_eq!(parsed.date, Date::new(year, month, day), "{input:?} → {parsed:?}");
        assert_eq!(parsed.warning, Some(warning), "{input:?} → {parsed:?}");
    }

    fn rejected(s: &str, w: DateWarning) {
        assert_eq!(parse_date(s), ParsedDate::reject(w), "{s:?}");
    }

    #[test]
    fn day_first_forms() {
        for s in ["05/03/1980", "5/3/1980", "5-3-1980", "05-03-1980", "05.03.1980", " 05 03 1980 "]
        {
            ok(s, 1980, 3, 5);
        }
        ok("'05/03/1980", 1980, 3, 5);
        ok("29/02/2000", 2000, 2, 29);
        ok("31/12/1999", 1999, 12, 31);
    }

    #[test]
    fn iso_and_compact_forms() {
        for s in [
            "1980-03-05",
            "1980/03/05",
            "1980-3-5",
            "1980-03-05T00:00:00",
            "1980-03-05T00:00:00.000Z",
            "1980-03-05 00:00:00",
            "05/03/1980 0:00",
            "05/03/1980 12:00 AM",
            "19800305",
            "05031980",
        ] {
            ok(s, 1980, 3, 5);
        }
    }

    #[test]
    fn vietnamese_and_english_words() {
        ok("ngày 05 tháng 3 năm 1980", 1980, 3, 5);
        ok("Ngày 5 tháng 03 năm 1980", 1980, 3, 5);
        ok("ngay 05 thang 3 nam 1980", 1980, 3, 5);
        ok("tháng 3 năm 1980", 1980, 3, 0);
        ok("năm 1980", 1980, 0, 0);
        ok("Sinh năm 1945", 1945, 0, 0);
        ok("05-Mar-1980", 1980, 3, 5);
        ok("March 5, 1980", 1980, 3, 5);
        ok("5 March 1980", 1980, 3, 5);
        ok("Sept 9 1981", 1981, 9, 9);
        ok("Mar 1980", 1980, 3, 0);
        warned("05-Mar-80", 1980, 3, 5, DateWarning::TwoDigitYear);
        rejected("khoảng 1980", DateWarning::Unparseable);
        rejected("05/03/1980 (âm lịch)", DateWarning::Unparseable);
        rejected("Ma 5 1980", DateWarning::Unparseable);
    }

    #[test]
    fn year_and_month_precision() {
        ok("1945", 1945, 0, 0);
        ok("1945.0", 1945, 0, 0);
        for s in ["03/1980", "3/1980", "3-1980", "1980-03", "1980/3", "031980", "03.1980"] {
            ok(s, 1980, 3, 0);
        }
        assert_eq!(parse_date("03/1980").date.unwrap().precision(), Precision::Month);
    }

    #[test]
    fn placeholders_lower_the_precision() {
        warned("00/00/1980", 1980, 0, 0, DateWarning::Placeholder);
        warned("0/0/1980", 1980, 0, 0, DateWarning::Placeholder);
        warned("00/03/1980", 1980, 3, 0, DateWarning::Placeholder);
        warned("00/1980", 1980, 0, 0, DateWarning::Placeholder);
        warned("1980-00-00", 1980, 0, 0, DateWarning::Placeholder);
        warned("1980-03-00", 1980, 3, 0, DateWarning::Placeholder);
        warned("19800000", 1980, 0, 0, DateWarning::Placeholder);
        rejected("00/00/0000", DateWarning::OutOfRange);
    }

    #[test]
    fn impossible_dates_are_missing() {
        rejected("31/02/1990", DateWarning::Impossible);
        rejected("29/02/1900", DateWarning::Impossible);
        rejected("29/02/1990", DateWarning::Impossible);
        rejected("31/04/1990", DateWarning::Impossible);
        rejected("13/13/1990", DateWarning::Impossible);
        rejected("1990-13-01", DateWarning::Impossible);
        rejected("1990-02-30", DateWarning::Impossible);
        rejected("13/1990", DateWarning::Impossible);
        rejected("32/01/1990", DateWarning::Impossible);
        rejected("02/30/1990", DateWarning::Impossible);
        rejected("00/13/1990", DateWarning::Impossible);
    }

    #[test]
    fn month_first_when_the_second_number_cannot_be_a_month() {
        warned("03/25/1980", 1980, 3, 25, DateWarning::MonthFirst);
        warned("12/31/1999", 1999, 12, 31, DateWarning::MonthFirst);
        warned("2/29/2000", 2000, 2, 29, DateWarning::MonthFirst);
        // Both ≤ 12: day first, silently (the Vietnamese convention).
        ok("03/04/1980", 1980, 4, 3);
        // Year first, day and month swapped: read swapped when nothing else reads.
        warned("19562911", 1956, 11, 29, DateWarning::MonthFirst);
        ok("19561129", 1956, 11, 29);
        ok("05031980", 1980, 3, 5);
        rejected("19562931", DateWarning::OutOfRange);
    }

    #[test]
    fn two_digit_years_use_the_excel_pivot() {
        warned("05/03/80", 1980, 3, 5, DateWarning::TwoDigitYear);
        warned("05/03/29", 2029, 3, 5, DateWarning::TwoDigitYear);
        warned("05/03/30", 1930, 3, 5, DateWarning::TwoDigitYear);
        warned("050380", 1980, 3, 5, DateWarning::TwoDigitYear);
        warned("010100", 2000, 1, 1, DateWarning::TwoDigitYear);
        rejected("05/03/980", DateWarning::Unparseable);
    }

    #[test]
    fn excel_serials() {
        warned("25569", 1970, 1, 1, DateWarning::ExcelSerial);
        warned("29285", 1980, 3, 5, DateWarning::ExcelSerial);
        warned("29285.0", 1980, 3, 5, DateWarning::ExcelSerial);
        warned("29285.75", 1980, 3, 5, DateWarning::ExcelSerial);
        warned("36526", 2000, 1, 1, DateWarning::ExcelSerial);
        warned("10000", 1927, 5, 18, DateWarning::ExcelSerial);
        warned("73415", 2100, 12, 31, DateWarning::ExcelSerial);
        rejected("73416", DateWarning::OutOfRange);
        rejected("09999", DateWarning::OutOfRange);
        assert_eq!(Date::from_excel_serial(EXCEL_MIN_SERIAL), Date::new(1927, 5, 18));
        assert_eq!(Date::from_excel_serial(EXCEL_MAX_SERIAL), Date::new(2100, 12, 31));
        assert_eq!(Date::from_excel_serial(EXCEL_MAX_SERIAL + 1), None);
    }

    #[test]
    fn garbage_is_unparseable() {
        for s in [
            "abc",
            "12:30",
            "05/03",
            "1980-03-05-01",
            "123",
            "1234567",
            "123456789",
            "10.5",
            "??/??/1980",
            "Nguyễn Văn An",
            "١٩٨٠",
        ] {
            let p = parse_date(s);
            assert_eq!(p.date, None, "{s:?}");
            assert!(p.warning.is_some_and(DateWarning::is_rejection), "{s:?} {p:?}");
        }
        rejected("1799", DateWarning::OutOfRange);
        rejected("05/03/2200", DateWarning::OutOfRange);
        assert_eq!(parse_date(""), ParsedDate::EMPTY);
        assert_eq!(parse_date("   "), ParsedDate::EMPTY);
    }

    #[test]
    fn pack_sorts_and_round_trips() {
        let dates = [
            Date::new(1899, 12, 31).unwrap(),
            Date::new(1980, 0, 0).unwrap(),
            Date::new(1980, 1, 0).unwrap(),
            Date::new(1980, 1, 1).unwrap(),
            Date::new(1980, 1, 31).unwrap(),
            Date::new(1980, 12, 31).unwrap(),
            Date::new(2199, 12, 31).unwrap(),
        ];
        for w in dates.windows(2) {
            assert!(w[0].pack() < w[1].pack());
            assert!(w[0] < w[1]);
        }
        for d in dates {
            assert_ne!(d.pack(), 0);
            assert_eq!(Date::unpack(d.pack()), Some(d));
        }
        assert_eq!(Date::unpack(0), None);
        assert_eq!(Date::unpack((1980 << 9) | (2 << 5) | 0x1E), None);
        assert_eq!(Date::unpack((1980 << 9) | (0xD << 5)), None);
    }

    #[test]
    fn agreement_at_lower_precision() {
        let full = Date::new(1980, 3, 5).unwrap();
        assert!(Date::year_only(1980).unwrap().agrees_with(full));
        assert!(Date::new(1980, 3, 0).unwrap().agrees_with(full));
        assert!(!Date::new(1980, 4, 0).unwrap().agrees_with(full));
        assert!(!Date::year_only(1981).unwrap().agrees_with(full));
        assert_eq!(Date::new(1970, 1, 1).unwrap().days_since_epoch(), Some(0));
        assert_eq!(Date::year_only(1970).unwrap().days_since_epoch(), None);
    }

    #[test]
    fn display_is_iso_at_precision() {
        assert_eq!(Date::new(1980, 3, 5).unwrap().to_string(), "1980-03-05");
        assert_eq!(Date::new(1980, 3, 0).unwrap().to_string(), "1980-03");
        assert_eq!(Date::new(1980, 0, 0).unwrap().to_string(), "1980");
    }

    #[test]
    fn civil_conversion_round_trips() {
        for z in (-80_000..80_000).step_by(7) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (MIN_YEAR..=MAX_YEAR, 0u8..=12, 0u8..=31)
            .prop_filter_map("valid", |(y, m, d)| Date::new(y, m, if m == 0 { 0 } else { d }))
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let p = parse_date(&s);
            if p.date.is_none() {
                prop_assert!(p.warning.is_none_or(DateWarning::is_rejection));
            }
        }

        #[test]
        fn never_panics_on_date_like_text(s in "[0-9 /.:T-]{0,24}") {
            let _ = parse_date(&s);
        }

        #[test]
        fn idempotent_on_its_iso_output(d in any_date()) {
            let p = parse_date(&d.to_string());
            prop_assert_eq!(p.date, Some(d));
            prop_assert_eq!(p.warning, None);
            let again = parse_date(&p.date.unwrap().to_string());
            prop_assert_eq!(again, p);
        }

        #[test]
        fn day_first_round_trip(d in any_date()) {
            prop_assume!(d.precision() == Precision::Day);
            let s = format!("{:02}/{:02}/{}", d.day, d.month, d.year);
            prop_assert_eq!(parse_date(&s).date, Some(d));
        }

        #[test]
        fn pack_is_monotonic(a in any_date(), b in any_date()) {
            prop_assert_eq!(a.cmp(&b), a.pack().cmp(&b.pack()));
            prop_assert_eq!(Date::unpack(a.pack()), Some(a));
        }
    }
}
