//! National identity numbers: the 12-digit CCCD (số định danh cá nhân) and the 9-digit CMND.
//!
//! Main items: [`parse_id`] / [`parse_id_into`] → [`NationalId`] (kind, digits, decoded parts),
//! [`NationalId::to_u64`] / [`NationalId::from_u64`] (compact storage form) and
//! [`NationalId::consistent_with`] (agreement of the decoded birth year and sex with a record's
//! own date of birth and sex).
//!
//! Rules (VIETNAMESE.md §8, §0.12):
//! * Spaces, dots, dashes and underscores are removed, as is a leading apostrophe (Excel's text
//!   marker) and a trailing `.0` (a number exported as a float).
//! * A CCCD is 12 digits: birth-registration province (3 digits, valid per
//!   `refdata::cccd_provinces`), a century+sex digit (0/1 male/female born 1900–1999, 2/3
//!   2000–2099) and the two last digits of the birth year, then 6 random digits. There is no
//!   check digit. A 12-digit number with an unknown province or a century digit above 3 (births
//!   after 2099) is [`IdKind::Invalid`].
//! * Spreadsheets drop leading zeros: 10 or 11 digits are padded to 12 when the padded number is a
//!   valid CCCD (`1088012345` → `001088012345`), 8 digits to a 9-digit CMND (`12345678` →
//!   `012345678`); [`NationalId::padded`] says so.
//! * A CMND (9 digits) is kept apart: its prefix is the *issuing* province, so nothing is decoded.
//!   `000000000` is a placeholder, hence invalid.
//! * Scientific notation (`7.9088E+10`) lost digits: [`IdKind::Invalid`] with
//!   [`NationalId::damaged`] set; `digits` then holds the significant digits that survived.
//! * Anything else is [`IdKind::Invalid`], with the digits found kept for information.
//!
//! Invariants: `kind == Cccd` ⇔ `digits` is 12 ASCII digits with a known province code and a
//! century digit 0–3, and then `birth_province_code`, `sex` and `birth_year` are `Some`;
//! `kind == Cmnd` ⇔ 9 digits, not all zero; the decoded fields are `None` for the other kinds.

use std::sync::OnceLock;

use crate::normalize::Sex;
use crate::normalize::date::Date;
use crate::refdata;

/// What an identity number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdKind {
    /// A 12-digit CCCD / personal identification number, decoded.
    Cccd,
    /// A 9-digit CMND (old identity card).
    Cmnd,
    /// Not a well-formed CCCD or CMND.
    Invalid,
}

impl IdKind {
    /// The lower-case name: `"cccd"`, `"cmnd"`, `"invalid"`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Cccd => "cccd",
            IdKind::Cmnd => "cmnd",
            IdKind::Invalid => "invalid",
        }
    }
}

/// A parsed identity number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NationalId {
    /// The kind.
    pub kind: IdKind,
    /// The 12 (CCCD) or 9 (CMND) digits with leading zeros restored; for an invalid value the
    /// digits that were found (for information only).
    pub digits: String,
    /// For a CCCD, the 3-digit province where the birth was registered (`"001"` = Hà Nội).
    pub birth_province_code: Option<&'static str>,
    /// For a CCCD, the sex given by the century digit.
    pub sex: Option<Sex>,
    /// For a CCCD, the birth year given by the century digit and the two year digits.
    pub birth_year: Option<u16>,
    /// The value was in scientific notation (`7.9088E+10`): digits were lost.
    pub damaged: bool,
    /// Leading zeros dropped by a spreadsheet were restored.
    pub padded: bool,
}

impl Default for NationalId {
    fn default() -> Self {
        NationalId {
            kind: IdKind::Invalid,
            digits: String::new(),
            birth_province_code: None,
            sex: None,
            birth_year: None,
            damaged: false,
            padded: false,
        }
    }
}

/// Whether one decoded part agrees with the record's own value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Agreement {
    /// Both are known and agree.
    Agrees,
    /// Both are known and differ: a typo in one of them, or two people.
    Disagrees,
    /// One of them is unknown (not a CCCD, or the record's value is missing).
    Unknown,
}

/// The result of [`NationalId::consistent_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Consistency {
    /// The CCCD's birth year against the year of the date of birth.
    pub birth_year: Agreement,
    /// The CCCD's sex against the record's sex.
    pub sex: Agreement,
}

impl Consistency {
    /// No part disagrees.
    pub fn is_consistent(self) -> bool {
        self.birth_year != Agreement::Disagrees && self.sex != Agreement::Disagrees
    }
}

/// Kind tags of the compact form, in bits 60–63.
const TAG_CCCD: u64 = 1 << 60;
const TAG_CMND: u64 = 2 << 60;
const VALUE_MASK: u64 = (1 << 60) - 1;

/// The valid CCCD province codes, indexed by their numeric value (all are below 100).
fn provinces() -> &'static [Option<&'static str>; 100] {
    static CELL: OnceLock<[Option<&'static str>; 100]> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut t = [None; 100];
        for p in refdata::cccd_provinces() {
            if let Ok(v) = p.cccd_code.parse::<usize>()
                && p.cccd_code.len() == 3
                && v < 100
            {
                t[v] = Some(p.cccd_code.as_str());
            }
        }
        t
    })
}

/// Decodes 12 digits: (province code, sex, birth year) when they form a valid CCCD.
fn decode_cccd(d: &[u8]) -> Option<(&'static str, Sex, u16)> {
    if d.len() != 12 || d[0] != b'0' {
        return None;
    }
    let province = provinces()[usize::from(d[1] - b'0') * 10 + usize::from(d[2] - b'0')]?;
    let century = d[3] - b'0';
    if century > 3 {
        return None;
    }
    let sex = if century.is_multiple_of(2) { Sex::Male } else { Sex::Female };
    let year =
        1900 + u16::from(century / 2) * 100 + u16::from(d[4] - b'0') * 10 + u16::from(d[5] - b'0');
    Some((province, sex, year))
}

/// Parses an identity number; `None` for an empty or blank value. Never panics.
///
/// ```
/// use vnlink::normalize::id::{parse_id, IdKind};
/// use vnlink::normalize::Sex;
/// let id = parse_id("001088012345").unwrap();
/// assert_eq!((id.kind, id.birth_province_code, id.sex, id.birth_year),
///            (IdKind::Cccd, Some("001"), Some(Sex::Male), Some(1988)));
/// assert_eq!(parse_id("1088012345").unwrap().digits, "001088012345");
/// assert!(parse_id("7.9088E+10").unwrap().damaged);
/// ```
pub fn parse_id(s: &str) -> Option<NationalId> {
    let mut id = NationalId::default();
    parse_id_into(s, &mut id).then_some(id)
}

/// Parses into `out`, reusing its `digits` buffer; returns `false` (and resets `out`) for an empty
/// or blank value.
pub fn parse_id_into(s: &str, out: &mut NationalId) -> bool {
    out.kind = IdKind::Invalid;
    out.digits.clear();
    out.birth_province_code = None;
    out.sex = None;
    out.birth_year = None;
    out.damaged = false;
    out.padded = false;

    let t = s.trim().trim_start_matches('\'').trim();
    if t.is_empty() {
        return false;
    }
    let b = t.as_bytes();

    if let Some(mantissa) = scientific_mantissa(b) {
        out.damaged = true;
        out.digits.extend(mantissa.iter().filter(|c| c.is_ascii_digit()).map(|&c| char::from(c)));
        return true;
    }
    let b = strip_zero_fraction(b);

    // Digits with separators only; anything else makes the value invalid.
    let mut buf = [0u8; 12];
    let mut n = 0usize;
    let mut clean = true;
    for c in t[..b.len()].chars() {
        match c {
            '0'..='9' => {
                if n < buf.len() {
                    buf[n] = c as u8;
                }
                n += 1;
            }
            ' ' | '.' | '-' | '_' | '\t' | '\u{a0}' => {}
            _ => clean = false,
        }
    }
    if !clean || n > 12 {
        out.digits.extend(b.iter().filter(|c| c.is_ascii_digit()).map(|&c| char::from(c)));
        return true;
    }
    let digits = &buf[..n];

    match n {
        12 => set_cccd(out, digits, false),
        10 | 11 => {
            let mut padded = [b'0'; 12];
            padded[12 - n..].copy_from_slice(digits);
            set_cccd(out, &padded, true);
        }
        9 => set_cmnd(out, digits, false),
        8 => {
            let mut padded = [b'0'; 9];
            padded[1..].copy_from_slice(digits);
            set_cmnd(out, &padded, true);
        }
        _ => push_digits(out, digits),
    }
    if out.kind == IdKind::Invalid {
        out.digits.clear();
        push_digits(out, digits);
        out.padded = false;
    }
    true
}

fn push_digits(out: &mut NationalId, digits: &[u8]) {
    // ASCII digits by construction, so always valid UTF-8.
    if let Ok(s) = std::str::from_utf8(digits) {
        out.digits.push_str(s);
    }
}

fn set_cccd(out: &mut NationalId, digits: &[u8], padded: bool) {
    if let Some((province, sex, year)) = decode_cccd(digits) {
        out.kind = IdKind::Cccd;
        push_digits(out, digits);
        out.birth_province_code = Some(province);
        out.sex = Some(sex);
        out.birth_year = Some(year);
        out.padded = padded;
    }
}

fn set_cmnd(out: &mut NationalId, digits: &[u8], padded: bool) {
    if digits.iter().any(|&c| c != b'0') {
        out.kind = IdKind::Cmnd;
        push_digits(out, digits);
        out.padded = padded;
    }
}

/// The mantissa of `7.9088E+10`, `1,23457e+11`, `79088E10`; `None` if not scientific notation.
fn scientific_mantissa(b: &[u8]) -> Option<&[u8]> {
    let e = b.iter().position(|&c| c == b'e' || c == b'E')?;
    let (mantissa, exp) = (&b[..e], &b[e + 1..]);
    let exp = exp.strip_prefix(b"+").unwrap_or(exp);
    let mut seps = 0;
    let mantissa_ok = !mantissa.is_empty()
        && mantissa.first().is_some_and(u8::is_ascii_digit)
        && mantissa.iter().all(|&c| {
            if c == b'.' || c == b',' {
                seps += 1;
                true
            } else {
                c.is_ascii_digit()
            }
        })
        && seps <= 1;
    let exp_ok = !exp.is_empty() && exp.len() <= 3 && exp.iter().all(u8::is_ascii_digit);
    (mantissa_ok && exp_ok).then_some(mantissa)
}

/// `1088012345.0` → `1088012345`: a number exported as a float.
fn strip_zero_fraction(b: &[u8]) -> &[u8] {
    if let Some(dot) = b.iter().rposition(|&c| c == b'.') {
        let (int, frac) = (&b[..dot], &b[dot + 1..]);
        if !frac.is_empty()
            && frac.iter().all(|&c| c == b'0')
            && !int.is_empty()
            && int.iter().all(u8::is_ascii_digit)
        {
            return int;
        }
    }
    b
}

impl NationalId {
    /// A compact, sortable `u64`: the kind in bits 60–63 (1 = CCCD, 2 = CMND) and the number in
    /// the low bits. `None` for an invalid value. Never 0.
    pub fn to_u64(&self) -> Option<u64> {
        let tag = match self.kind {
            IdKind::Cccd => TAG_CCCD,
            IdKind::Cmnd => TAG_CMND,
            IdKind::Invalid => return None,
        };
        let value = self.digits.bytes().fold(0u64, |acc, c| acc * 10 + u64::from(c - b'0'));
        Some(tag | value)
    }

    /// The identity number of a [`NationalId::to_u64`] value, decoded again; `None` for 0 and any
    /// value that is not a valid CCCD or CMND. `padded` and `damaged` are not kept by the compact
    /// form and come back `false`.
    pub fn from_u64(v: u64) -> Option<NationalId> {
        let (tag, value) = (v & !VALUE_MASK, v & VALUE_MASK);
        let text = match tag {
            TAG_CCCD if value < 1_000_000_000_000 => format!("{value:012}"),
            TAG_CMND if value < 1_000_000_000 => format!("{value:09}"),
            _ => return None,
        };
        let id = parse_id(&text)?;
        let expected = if tag == TAG_CCCD { IdKind::Cccd } else { IdKind::Cmnd };
        (id.kind == expected).then_some(id)
    }

    /// Whether the CCCD's decoded birth year and sex agree with a record's date of birth and sex.
    /// Everything is [`Agreement::Unknown`] for a CMND or an invalid number.
    pub fn consistent_with(&self, dob: Option<Date>, sex: Option<Sex>) -> Consistency {
        let cmp = |a: Option<u16>, b: Option<u16>| match (a, b) {
            (Some(a), Some(b)) if a == b => Agreement::Agrees,
            (Some(_), Some(_)) => Agreement::Disagrees,
            _ => Agreement::Unknown,
        };
        if self.kind != IdKind::Cccd {
            return Consistency { birth_year: Agreement::Unknown, sex: Agreement::Unknown };
        }
        Consistency {
            birth_year: cmp(self.birth_year, dob.map(|d| d.year)),
            sex: cmp(self.sex.map(|s| u16::from(s.iso5218())), sex.map(|s| u16::from(s.iso5218()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cccd(s: &str) -> NationalId {
        let id = parse_id(s).unwrap();
        assert_eq!(id.kind, IdKind::Cccd, "{s:?} → {id:?}");
        id
    }

    fn invalid(s: &str) -> NationalId {
        let id = parse_id(s).unwrap();
        assert_eq!(id.kind, IdKind::Invalid, "{s:?} → {id:?}");
        assert!(id.birth_province_code.is_none() && id.sex.is_none() && id.birth_year.is_none());
        id
    }

    #[test]
    fn cccd_is_decoded() {
        let id = cccd("001088012345");
        assert_eq!(id.digits, "001088012345");
        assert_eq!(id.birth_province_code, Some("001"));
        assert_eq!(id.sex, Some(Sex::Male));
        assert_eq!(id.birth_year, Some(1988));
        assert!(!id.padded && !id.damaged);

        let id = cccd("079195000123"); // TP HCM, female, 1995
        assert_eq!(
            (id.birth_province_code, id.sex, id.birth_year),
            (Some("079"), Some(Sex::Female), Some(1995))
        );
        let id = cccd("038303001234"); // Thanh Hóa, female, 2003
        assert_eq!(
            (id.birth_province_code, id.sex, id.birth_year),
            (Some("038"), Some(Sex::Female), Some(2003))
        );
        let id = cccd("096210000001"); // Cà Mau, male, 2010
        assert_eq!((id.sex, id.birth_year), (Some(Sex::Male), Some(2010)));
    }

    #[test]
    fn separators_and_excel_markers_are_removed() {
        for s in [
            "001 088 012 345",
            "001.088.012.345",
            "001-088-012-345",
            "'001088012345",
            " 001088012345 ",
            "001\u{a0}088\u{a0}012345",
        ] {
            assert_eq!(cccd(s).digits, "001088012345", "{s:?}");
        }
        assert_eq!(cccd("1088012345.0").digits, "001088012345");
        assert_eq!(cccd("79088012345.00").digits, "079088012345");
    }

    #[test]
    fn dropped_leading_zeros_are_restored() {
        let id = cccd("1088012345");
        assert_eq!(id.digits, "001088012345");
        assert!(id.padded);
        let id = cccd("79088012345");
        assert_eq!((id.digits.as_str(), id.birth_province_code), ("079088012345", Some("079")));
        assert!(id.padded);
        // Padding that gives an unknown province (003) or century digit is not a CCCD.
        assert_eq!(invalid("3088012345").digits, "3088012345");
        assert!(!invalid("3088012345").padded);
        invalid("99088012345");
        invalid("0912345678"); // a phone number in the id column: 000912345678 has province 000.

        let cmnd = parse_id("12345678").unwrap();
        assert_eq!(
            (cmnd.kind, cmnd.digits.as_str(), cmnd.padded),
            (IdKind::Cmnd, "012345678", true)
        );
    }

    #[test]
    fn cmnd_is_kept_apart() {
        let id = parse_id("271450001").unwrap();
        assert_eq!(id.kind, IdKind::Cmnd);
        assert_eq!(id.digits, "271450001");
        assert!(id.birth_province_code.is_none() && id.sex.is_none() && id.birth_year.is_none());
        assert_eq!(parse_id("012 345 678").unwrap().kind, IdKind::Cmnd);
        invalid("000000000");
    }

    #[test]
    fn scientific_notation_is_damaged() {
        for (s, kept) in [
            ("7.9088E+10", "79088"),
            ("1.23457e+11", "123457"),
            ("1,23457E+11", "123457"),
            ("7E+10", "7"),
        ] {
            let id = invalid(s);
            assert!(id.damaged, "{s:?}");
            assert_eq!(id.digits, kept);
            assert_eq!(id.to_u64(), None);
        }
    }

    #[test]
    fn invalid_values() {
        assert_eq!(parse_id("002088012345").unwrap().kind, IdKind::Cccd); // 002 = Hà Giang
        invalid("003088012345"); // unassigned province
        invalid("097088012345"); // beyond 096
        invalid("001488012345"); // century digit 4: born after 2099
        invalid("123088012345");
        invalid("1234567");
        invalid("0010880123456");
        invalid("CCCD 001088012345");
        invalid("001088O12345");
        invalid("không có");
        assert_eq!(parse_id(""), None);
        assert_eq!(parse_id("   "), None);
        assert_eq!(parse_id("'"), None);
    }

    #[test]
    fn compact_form_round_trips() {
        for s in ["001088012345", "079195000123", "012345678", "271450001"] {
            let id = parse_id(s).unwrap();
            let v = id.to_u64().unwrap();
            assert_ne!(v, 0);
            assert_eq!(NationalId::from_u64(v), Some(id));
        }
        // A CMND and a CCCD with the same numeric value stay apart.
        let a = parse_id("000012345678").map(|i| i.to_u64());
        assert_eq!(a, Some(None)); // province 000 is invalid anyway
        assert_ne!(parse_id("012345678").unwrap().to_u64(), Some(12_345_678));
        assert_eq!(NationalId::from_u64(0), None);
        assert_eq!(NationalId::from_u64(TAG_CCCD + 3_088_012_345), None);
        assert_eq!(NationalId::from_u64(u64::MAX), None);
    }

    #[test]
    fn consistency_with_dob_and_sex() {
        let id = cccd("001088012345");
        let dob = Date::new(1988, 3, 5);
        let c = id.consistent_with(dob, Some(Sex::Male));
        assert_eq!(c, Consistency { birth_year: Agreement::Agrees, sex: Agreement::Agrees });
        assert!(c.is_consistent());
        let c = id.consistent_with(Date::new(1989, 0, 0), Some(Sex::Female));
        assert_eq!(c, Consistency { birth_year: Agreement::Disagrees, sex: Agreement::Disagrees });
        assert!(!c.is_consistent());
        let c = id.consistent_with(None, None);
        assert_eq!(c, Consistency { birth_year: Agreement::Unknown, sex: Agreement::Unknown });
        let cmnd = parse_id("012345678").unwrap();
        assert!(cmnd.consistent_with(dob, Some(Sex::Female)).is_consistent());
    }

    #[test]
    fn into_variant_resets_the_output() {
        let mut id = NationalId::default();
        assert!(parse_id_into("001088012345", &mut id));
        assert!(parse_id_into("7.9E+10", &mut id));
        assert_eq!(id, NationalId { damaged: true, digits: "79".into(), ..NationalId::default() });
        assert!(!parse_id_into("", &mut id));
        assert_eq!(id, NationalId::default());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            if let Some(id) = parse_id(&s)
                && id.kind != IdKind::Invalid
            {
                let back = NationalId::from_u64(id.to_u64().unwrap()).map(|i| i.digits);
                prop_assert_eq!(back, Some(id.digits));
            }
        }

        #[test]
        fn digit_strings_follow_the_invariants(s in "[0-9 .-]{0,16}") {
            if let Some(id) = parse_id(&s) {
                match id.kind {
                    IdKind::Cccd => {
                        prop_assert_eq!(id.digits.len(), 12);
                        prop_assert!(id.birth_province_code.is_some() && id.sex.is_some());
                        prop_assert!((1900..=2099).contains(&id.birth_year.unwrap()));
                    }
                    IdKind::Cmnd => prop_assert_eq!(id.digits.len(), 9),
                    IdKind::Invalid => prop_assert!(id.birth_year.is_none()),
                }
                // Parsing the normalised digits again gives the same number.
                if id.kind != IdKind::Invalid {
                    let again = parse_id(&id.digits).unwrap();
                    prop_assert_eq!(again.kind, id.kind);
                    prop_assert_eq!(again.digits, id.digits);
                }
            }
        }
    }
}
