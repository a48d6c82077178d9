//! Extra fields: e-mail addresses, postcodes, free text, identifier codes and numbers.
//!
//! Main items: [`normalize_extra_into`] (one value of one kind → its canonical text) and
//! [`extra_hash`] (the 64-bit value stored beside it, 0 = missing). Comparing two values (the
//! levels of the table below) belongs to the comparison stage: `compare::extra`.
//!
//! Every kind is reduced to a canonical text that two spellings of one value share:
//!
//! | kind | canonical text | levels |
//! |---|---|---|
//! | email | trimmed, lower case, `local@domain`; anything else is missing | exact · one typo · same local part · different |
//! | postcode | letters and digits, upper case (`nw1 6xe` → `NW16XE`) | exact · same first three characters · different |
//! | text | ASCII fold, lower case, words joined by one space | exact · Jaro–Winkler ≥ 0.92 · ≥ 0.80 · different |
//! | code | letters and digits, upper case, leading zeros of an all-digit code dropped (Excel drops them) | exact · one edit · different |
//! | numeric | the number, shortest form (`1,5` → `1.5`, `1 200` → `1200`) | exact · within 1 % · within 10 % · different |
//!
//! Vietnamese text needs nothing special here: the ASCII fold removes diacritics and `đ` like
//! everywhere else in vnlink, and NFD input folds like NFC.

use std::fmt::Write as _;

use crate::normalize::text;
use crate::util::hash::hash_str;

/// The kind of an extra value, as far as normalising it goes. The schema's field kinds convert
/// into it (`From<schema::FieldKind>`: the five extra kinds to theirs, any other kind to
/// [`ExtraKind::Text`]), so that this stage needs nothing from the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExtraKind {
    /// An e-mail address.
    Email,
    /// A postcode.
    Postcode,
    /// Free text (also what any non-extra kind is normalised as).
    Text,
    /// An identifier code.
    Code,
    /// A number.
    Numeric,
}

/// Normalises `input` as a value of `kind` into `out` (cleared first); `out` stays empty when
/// the value is missing or unusable (an e-mail without `@`, text that is not a number).
///
/// ```
/// use vnlink::normalize::extra::normalize_extra_into;
/// use vnlink::normalize::extra::ExtraKind;
/// let mut out = String::new();
/// normalize_extra_into(ExtraKind::Email, " An.Nguyen@Gmail.COM ", &mut out);
/// assert_eq!(out, "an.nguyen@gmail.com");
/// normalize_extra_into(ExtraKind::Postcode, "nw1 6xe", &mut out);
/// assert_eq!(out, "NW16XE");
/// normalize_extra_into(ExtraKind::Code, "B 0012345", &mut out);
/// assert_eq!(out, "B0012345");
/// normalize_extra_into(ExtraKind::Code, "001-23-4567", &mut out);
/// assert_eq!(out, "1234567");
/// normalize_extra_into(ExtraKind::Text, "Quê: Hà  Tĩnh", &mut out);
/// assert_eq!(out, "que ha tinh");
/// normalize_extra_into(ExtraKind::Numeric, "1.234,5", &mut out);
/// assert_eq!(out, "1234.5");
/// ```
pub fn normalize_extra_into(kind: impl Into<ExtraKind>, input: &str, out: &mut String) {
    let kind = kind.into();
    out.clear();
    let input = input.trim();
    if input.is_empty() {
        return;
    }
    match kind {
        ExtraKind::Email => {
            let lower = input.to_lowercase();
            let mut parts = lower.splitn(2, '@');
            let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let ok = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c == '@');
            if ok(local) && ok(domain) && domain.contains('.') {
                out.push_str(local);
                out.push('@');
                out.push_str(domain);
            }
        }
        ExtraKind::Postcode | ExtraKind::Code => {
            // Fold first so that "Đ" and accented letters become ASCII letters.
            let folded = text::fold(input);
            out.extend(
                folded.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()),
            );
            if kind == ExtraKind::Code && out.bytes().all(|b| b.is_ascii_digit()) {
                let zeros = out.bytes().take_while(|&b| b == b'0').count();
                let keep = zeros.min(out.len().saturating_sub(1));
                out.drain(..keep);
            }
        }
        ExtraKind::Numeric => {
            if let Some(v) = parse_number(input) {
                let _ = write!(out, "{v}");
            }
        }
        ExtraKind::Text => {
            let folded = text::fold(input);
            for w in folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&w.to_ascii_lowercase());
            }
        }
    }
}

/// Reads a number written with `.` or `,` as the decimal mark and spaces, `.`, `,` or `'` as
/// thousands separators: the last `.` or `,` followed by one to two digits (or any number of
/// digits but three) is the decimal mark.
fn parse_number(input: &str) -> Option<f64> {
    let s: String = input.chars().filter(|c| !c.is_whitespace() && *c != '\'').collect();
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, s.strip_prefix('+').unwrap_or(&s)),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return None;
    }
    let decimal = body.rfind(['.', ',']).filter(|&i| {
        let after = body.len() - i - 1;
        // "1.234" and "1,234" are thousands when the mark occurs once with three digits after
        // it and the other mark is absent: read as thousands only if the mark repeats or the
        // other mark is there before it.
        let mark = body.as_bytes()[i];
        let repeats = body.bytes().filter(|&b| b == mark).count() > 1;
        let other_before = body[..i].bytes().any(|b| (b == b'.' || b == b',') && b != mark);
        !(repeats || (after == 3 && other_before))
    });
    let mut digits = String::with_capacity(body.len());
    for (i, c) in body.char_indices() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if Some(i) == decimal {
            digits.push('.');
        }
    }
    let v: f64 = digits.parse().ok()?;
    v.is_finite().then_some(sign * v + 0.0)
}

/// The stored 64-bit value of a canonical text: 0 when missing; for a number, the bits of its
/// `f64` with the sign bit flipped and the lowest bit set (so that zero is not 0, and numbers
/// one unit in the last place apart are equal); otherwise a hash of the text.
pub fn extra_hash(kind: impl Into<ExtraKind>, canonical: &str) -> u64 {
    let kind = kind.into();
    if canonical.is_empty() {
        return 0;
    }
    if kind == ExtraKind::Numeric
        && let Ok(v) = canonical.parse::<f64>()
    {
        // Bits of the number, with one bit flipped so that +0.0 is not 0.
        return (v.to_bits() ^ (1 << 63)) | 1;
    }
    hash_str(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(kind: ExtraKind, s: &str) -> String {
        let mut out = String::new();
        normalize_extra_into(kind, s, &mut out);
        out
    }

    #[test]
    fn emails() {
        assert_eq!(norm(ExtraKind::Email, "A.B@X.VN"), "a.b@x.vn");
        for bad in ["", "no-at-sign", "@x.vn", "a@", "a@localhost", "a b@x.vn"] {
            assert_eq!(norm(ExtraKind::Email, bad), "", "{bad:?}");
        }
    }

    #[test]
    fn numbers_in_both_conventions() {
        for (input, want) in [
            ("1200", "1200"),
            ("1 200", "1200"),
            ("1,200.50", "1200.5"),
            ("1.200,50", "1200.5"),
            ("1.5", "1.5"),
            ("1,5", "1.5"),
            ("-3", "-3"),
            ("0", "0"),
            ("1.234.567", "1234567"),
            ("abc", ""),
            ("1e5", ""),
        ] {
            assert_eq!(norm(ExtraKind::Numeric, input), want, "{input:?}");
        }
        assert_ne!(extra_hash(ExtraKind::Numeric, "0"), 0);
        assert_ne!(extra_hash(ExtraKind::Numeric, "0"), extra_hash(ExtraKind::Numeric, "1"));
    }

    #[test]
    fn codes_and_postcodes() {
        assert_eq!(norm(ExtraKind::Code, "000"), "0");
        assert_eq!(norm(ExtraKind::Code, "Đ-12"), "D12");
        assert_eq!(norm(ExtraKind::Postcode, "02134"), "02134");
    }
}
