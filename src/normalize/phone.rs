//! Phone numbers in one national form: `0` + the national significant number (`0912345678`).
//!
//! Main items: [`normalize_phone`] → [`Phone`] (national form and [`PhoneKind`]), the
//! allocation-free [`phone_u64`] / [`normalize_phone_into`] for the record normaliser's hot path,
//! and [`Phone::from_u64`].
//!
//! Rules (VIETNAMESE.md §9):
//! * Spaces, dots, dashes, brackets, a leading apostrophe and a trailing `.0` are removed. When a
//!   field holds several numbers separated by `/`, `,`, `;` or `|`, the first one is used.
//! * `+84`, `0084` and a bare `84` before 9 or 10 digits are replaced by the trunk `0`; other
//!   `+` or `00` prefixes are foreign numbers, kept as `00` + digits ([`PhoneKind::Other`]).
//! * A number without its leading 0 (9 digits, or 10 digits starting with 1 or 2) gets it back.
//! * The 21 pre-2018 11-digit mobile prefixes (`0162`→`032` … `0199`→`059`, from
//!   `refdata::prefix_2018`) are converted, keeping the last 7 digits; other `01xx` numbers are
//!   left alone.
//! * Service numbers `1800…`/`1900…` (8 or 10 digits) are kept untouched.
//! * Kinds: 10 digits with a current mobile prefix (`refdata::mobile_prefixes`) are
//!   [`PhoneKind::Mobile`]; 11 digits starting `02` are [`PhoneKind::Landline`] (area codes since
//!   2017); other national numbers of 9–11 digits are [`PhoneKind::Other`].
//! * Letters, other symbols, scientific notation (`9.12346E+08`: digits lost), numbers that
//!   are too short or too long, and a significant number that starts with 0 after the country
//!   code and trunk 0 (`+84 00 9…`) give `None`.
//!
//! Invariant: the national form is ASCII digits only and is a fixed point
//! (`normalize_phone(p.national) == p`); its compact form is the number `1` followed by those
//! digits, so it keeps leading zeros, sorts by length then value, and is never 0.

use std::sync::OnceLock;

use crate::refdata;

/// What a phone number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PhoneKind {
    /// A 10-digit mobile number with a current prefix.
    Mobile,
    /// An 11-digit fixed line with a `02x` area code.
    Landline,
    /// A `1800` (free) or `1900` (premium) service number.
    Service,
    /// Any other plausible number: unknown prefix, old landline format, foreign number.
    Other,
}

impl PhoneKind {
    /// The lower-case name: `"mobile"`, `"landline"`, `"service"`, `"other"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneKind::Mobile => "mobile",
            PhoneKind::Landline => "landline",
            PhoneKind::Service => "service",
            PhoneKind::Other => "other",
        }
    }
}

/// A normalised phone number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone {
    /// The national form: ASCII digits, `0` + significant number for Vietnamese numbers
    /// (`"0912345678"`), `1800…`/`1900…` for service numbers, `00` + digits for foreign ones.
    pub national: String,
    /// The kind.
    pub kind: PhoneKind,
}

/// The longest national form kept: `00` + 15 digits of an E.164 number.
const MAX_DIGITS: usize = 17;

/// The national digits of a number, without allocation.
struct Digits {
    buf: [u8; MAX_DIGITS],
    len: usize,
}

impl Digits {
    fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Current mobile prefixes, indexed by the two digits after the trunk 0 (`"032"` → 32).
fn mobile_table() -> &'static [bool; 100] {
    static CELL: OnceLock<[bool; 100]> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut t = [false; 100];
        for p in refdata::mobile_prefixes() {
            let b = p.prefix.as_bytes();
            if b.len() == 3 && b[0] == b'0' && b[1..].iter().all(u8::is_ascii_digit) {
                t[usize::from(b[1] - b'0') * 10 + usize::from(b[2] - b'0')] = true;
            }
        }
        t
    })
}

/// The 2018 conversions, indexed by the two digits after `01` (`"0162"` → 62), giving the two
/// digits after the trunk 0 of the new prefix (`"032"` → `*b"32"`).
fn conversion_table() -> &'static [Option<[u8; 2]>; 100] {
    static CELL: OnceLock<[Option<[u8; 2]>; 100]> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut t = [None; 100];
        for c in refdata::prefix_2018() {
            let (old, new) = (c.old_prefix.as_bytes(), c.new_prefix.as_bytes());
            if old.len() == 4
                && old.starts_with(b"01")
                && old.iter().all(u8::is_ascii_digit)
                && new.len() == 3
                && new[0] == b'0'
                && new.iter().all(u8::is_ascii_digit)
            {
                t[usize::from(old[2] - b'0') * 10 + usize::from(old[3] - b'0')] =
                    Some([new[1], new[2]]);
            }
        }
        t
    })
}

fn two(d: &[u8]) -> usize {
    usize::from(d[0] - b'0') * 10 + usize::from(d[1] - b'0')
}

/// The raw digits of `s` and whether it began with `+`; `None` for anything but a number.
fn raw_digits(s: &str) -> Option<(Digits, bool)> {
    // Fast path: digits only, the usual case.
    let b = s.as_bytes();
    if !b.is_empty() && b.len() <= MAX_DIGITS && b.iter().all(u8::is_ascii_digit) {
        let mut d = Digits { buf: [0; MAX_DIGITS], len: b.len() };
        d.buf[..b.len()].copy_from_slice(b);
        return Some((d, false));
    }
    let s = s.trim().trim_start_matches('\'');
    // Several numbers in one field: keep the first.
    let s = s.split(['/', ',', ';', '|']).map(str::trim).find(|p| !p.is_empty())?;
    let b = s.as_bytes();
    // A float export: `912345678.0`.
    let b = match b.iter().rposition(|&c| c == b'.') {
        Some(dot)
            if dot + 1 < b.len()
                && b[dot + 1..].iter().all(|&c| c == b'0')
                && b[..dot].iter().all(u8::is_ascii_digit) =>
        {
            &b[..dot]
        }
        _ => b,
    };
    let mut d = Digits { buf: [0; MAX_DIGITS], len: 0 };
    let mut plus = false;
    for (i, c) in s[..b.len()].char_indices() {
        match c {
            '0'..='9' => {
                if d.len == MAX_DIGITS {
                    return None;
                }
                d.buf[d.len] = c as u8;
                d.len += 1;
            }
            '+' if d.len == 0 && !plus && s[..i].trim().is_empty() => plus = true,
            ' ' | '.' | '-' | '(' | ')' | '[' | ']' | '\t' | '\u{a0}' => {}
            _ => return None,
        }
    }
    (d.len > 0).then_some((d, plus))
}

fn national(s: &str) -> Option<(Digits, PhoneKind)> {
    let (raw, plus) = raw_digits(s)?;
    let d = raw.as_bytes();
    let mut out = Digits { buf: [0; MAX_DIGITS], len: 0 };
    let mut push = |bytes: &[u8]| -> Option<()> {
        let end = out.len.checked_add(bytes.len()).filter(|&e| e <= MAX_DIGITS)?;
        out.buf[out.len..end].copy_from_slice(bytes);
        out.len = end;
        Some(())
    };

    // Service numbers, untouched.
    if !plus && (d.starts_with(b"1800") || d.starts_with(b"1900")) && matches!(d.len(), 8 | 10) {
        push(d)?;
        return Some((out, PhoneKind::Service));
    }

    // The significant number after the country code, or a foreign number.
    let nsn: &[u8] = if plus {
        match d.strip_prefix(b"84") {
            Some(rest) => rest,
            None => return foreign(d),
        }
    } else if let Some(rest) = d.strip_prefix(b"0084") {
        rest
    } else if let Some(rest) = d.strip_prefix(b"00") {
        return foreign(rest);
    } else if d.starts_with(b"84") && matches!(d.len(), 11 | 12) {
        &d[2..]
    } else if let Some(rest) = d.strip_prefix(b"0") {
        rest
    } else {
        d // the trunk 0 was dropped
    };
    let nsn = nsn.strip_prefix(b"0").unwrap_or(nsn); // `+84 0912…`
    // A significant number never starts with 0: `+84 00 9…` is not a number (and its national
    // form `00…` would read as a foreign one).
    if !(8..=10).contains(&nsn.len()) || nsn[0] == b'0' {
        return None;
    }

    // Pre-2018 mobile prefixes: 01xx + 7 digits → 0yy + 7 digits.
    if nsn.len() == 10
        && nsn[0] == b'1'
        && let Some(new) = conversion_table()[two(&nsn[1..3])]
    {
        push(b"0")?;
        push(&new)?;
        push(&nsn[3..])?;
        return Some((out, PhoneKind::Mobile));
    }
    push(b"0")?;
    push(nsn)?;
    let kind = match nsn.len() {
        9 if mobile_table()[two(nsn)] => PhoneKind::Mobile,
        10 if nsn[0] == b'2' => PhoneKind::Landline,
        _ => PhoneKind::Other,
    };
    Some((out, kind))
}

/// A foreign number, kept as `00` + country code + number.
fn foreign(d: &[u8]) -> Option<(Digits, PhoneKind)> {
    if !(7..=15).contains(&d.len()) || d[0] == b'0' {
        return None;
    }
    let mut out = Digits { buf: [0; MAX_DIGITS], len: d.len() + 2 };
    out.buf[..2].copy_from_slice(b"00");
    out.buf[2..out.len].copy_from_slice(d);
    Some((out, PhoneKind::Other))
}

/// Normalises a phone number; `None` for an empty value or one that is not a phone number.
/// Never panics.
///
/// ```
/// use vnlink::normalize::phone::{normalize_phone, PhoneKind};
/// let p = normalize_phone("+84 (0) 912.345.678").unwrap();
/// assert_eq!((p.national.as_str(), p.kind), ("0912345678", PhoneKind::Mobile));
/// assert_eq!(normalize_phone("01662345678").unwrap().national, "0362345678");
/// assert_eq!(normalize_phone("gọi sau"), None);
/// ```
pub fn normalize_phone(s: &str) -> Option<Phone> {
    let mut national = String::new();
    let kind = normalize_phone_into(s, &mut national)?;
    Some(Phone { national, kind })
}

/// Writes the national form into `out` (cleared first) and returns the kind; `None` (and `out`
/// empty) when `s` is not a phone number.
pub fn normalize_phone_into(s: &str, out: &mut String) -> Option<PhoneKind> {
    out.clear();
    let (d, kind) = national(s)?;
    out.extend(d.as_bytes().iter().map(|&c| char::from(c)));
    Some(kind)
}

/// The compact form of a phone number (see [`Phone::to_u64`]) and its kind, without allocation.
pub fn phone_u64(s: &str) -> Option<(u64, PhoneKind)> {
    let (d, kind) = national(s)?;
    Some((compact(d.as_bytes()), kind))
}

fn compact(digits: &[u8]) -> u64 {
    digits.iter().fold(1u64, |acc, &c| acc * 10 + u64::from(c - b'0'))
}

impl Phone {
    /// The compact form: the number `1` followed by the national digits (`0912345678` →
    /// `10_912_345_678`). It keeps leading zeros and is never 0.
    pub fn to_u64(&self) -> u64 {
        compact(self.national.as_bytes())
    }

    /// The phone number of a compact form; `None` for 0 or a value that is not one.
    pub fn from_u64(v: u64) -> Option<Phone> {
        let text = v.to_string();
        let digits = text.strip_prefix('1')?;
        normalize_phone(digits).filter(|p| p.national == digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn is(s: &str, national: &str, kind: PhoneKind) {
        let p = normalize_phone(s);
        assert_eq!(p, Some(Phone { national: national.into(), kind }), "{s:?}");
    }

    #[test]
    fn national_and_international_forms() {
        for s in [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "(091) 234-5678",
            "+84912345678",
            "+84 912 345 678",
            "+84 (0) 912 345 678",
            "84912345678",
            "0084912345678",
            "00 84 912 345 678",
            "912345678",
            "'0912345678",
            "912345678.0",
            " 0912345678 ",
        ] {
            is(s, "0912345678", PhoneKind::Mobile);
        }
        is("0868123456", "0868123456", PhoneKind::Mobile); // Viettel 086
        is("0592123456", "0592123456", PhoneKind::Mobile); // Gmobile 059
    }

    #[test]
    fn pre_2018_prefixes_are_converted() {
        is("01662345678", "0362345678", PhoneKind::Mobile);
        is("0166 234 5678", "0362345678", PhoneKind::Mobile);
        is("1662345678", "0362345678", PhoneKind::Mobile); // lost its 0
        is("+841662345678", "0362345678", PhoneKind::Mobile);
        is("841662345678", "0362345678", PhoneKind::Mobile);
        is("01699333999", "0399333999", PhoneKind::Mobile);
        is("01203456789", "0703456789", PhoneKind::Mobile); // MobiFone 0120 → 070
        is("01213456789", "0793456789", PhoneKind::Mobile);
        is("01273456789", "0813456789", PhoneKind::Mobile); // VinaPhone 0127 → 081
        is("01883456789", "0583456789", PhoneKind::Mobile); // Vietnamobile
        is("01993456789", "0593456789", PhoneKind::Mobile); // Gmobile
        // Every one of the 21 pairs.
        for c in refdata::prefix_2018() {
            let old = format!("{}1234567", c.old_prefix);
            let new = format!("{}1234567", c.new_prefix);
            is(&old, &new, PhoneKind::Mobile);
        }
        // 01xx not in the table: left alone.
        is("01901234567", "01901234567", PhoneKind::Other);
    }

    #[test]
    fn landlines_and_service_numbers() {
        is("024 3825 1234", "02438251234", PhoneKind::Landline); // Hà Nội
        is("(028) 3822 1234", "02838221234", PhoneKind::Landline); // TP HCM
        is("+84 28 3822 1234", "02838221234", PhoneKind::Landline);
        is("2838221234", "02838221234", PhoneKind::Landline); // lost its 0
        is("0236 3822 123", "02363822123", PhoneKind::Landline); // Đà Nẵng, 4-digit area code
        is("1800 1090", "18001090", PhoneKind::Service);
        is("1900 545 426", "1900545426", PhoneKind::Service);
        is("1800-599-920", "1800599920", PhoneKind::Service);
        is("04 3825 1234", "0438251234", PhoneKind::Other); // pre-2017 Hà Nội format
        is("0801234567", "0801234567", PhoneKind::Other); // not a mobile prefix
    }

    #[test]
    fn foreign_numbers_are_other() {
        is("+1 202 555 0100", "0012025550100", PhoneKind::Other);
        is("0033 1 23 45 67 89", "0033123456789", PhoneKind::Other);
    }

    #[test]
    fn several_numbers_keep_the_first() {
        is("0912345678 / 0987654321", "0912345678", PhoneKind::Mobile);
        is("0912345678; 0987654321", "0912345678", PhoneKind::Mobile);
        is(", 0987654321", "0987654321", PhoneKind::Mobile);
    }

    #[test]
    fn garbage_is_none() {
        for s in [
            "",
            "   ",
            "không có",
            "N/A",
            "0912345678 (nhà)",
            "ĐT: 0912345678",
            "9.12346E+08",
            "12345",
            "0912",
            "09123456789012",
            "84",
            "+",
            "0+912345678",
            "+84",
            "00",
            "0912345678912345678901",
            // Fuzzing: a zero after the trunk 0 gave "0009424082", which is not a fixed point.
            "+840009 424 082",
            "+84 00 912 345 678",
            "0084 0 0912 345 678",
        ] {
            assert_eq!(normalize_phone(s), None, "{s:?}");
        }
    }

    #[test]
    fn compact_form() {
        let p = normalize_phone("0912345678").unwrap();
        assert_eq!(p.to_u64(), 10_912_345_678);
        assert_eq!(phone_u64("+84 912 345 678"), Some((10_912_345_678, PhoneKind::Mobile)));
        assert_eq!(Phone::from_u64(p.to_u64()), Some(p));
        for s in ["18001090", "02438251234", "0012025550100", "01901234567"] {
            let p = normalize_phone(s).unwrap();
            assert_eq!(Phone::from_u64(p.to_u64()), Some(p));
        }
        assert_eq!(Phone::from_u64(0), None);
        assert_eq!(Phone::from_u64(912_345_678), None);
        let mut buf = String::from("junk");
        assert_eq!(normalize_phone_into("abc", &mut buf), None);
        assert!(buf.is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = normalize_phone(&s);
        }

        #[test]
        fn national_form_is_a_fixed_point(s in "[+]?[0-9 .()-]{0,20}") {
            if let Some(p) = normalize_phone(&s) {
                prop_assert!(p.national.bytes().all(|c| c.is_ascii_digit()));
                prop_assert_eq!(normalize_phone(&p.national), Some(p.clone()));
                prop_assert_eq!(Phone::from_u64(p.to_u64()), Some(p));
            }
        }
    }
}
