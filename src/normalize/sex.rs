//! Sex, as registers write it: `Nam`/`Nữ`, `M`/`F`, `male`/`female`, `1`/`2`…
//!
//! Main items: [`Sex`] and [`parse_sex`]. Parsing is case- and diacritics-insensitive (through
//! [`crate::normalize::text::fold`], with an allocation-free path for short ASCII input), ignores
//! surrounding punctuation (`(Nam)`, `Nữ.`) and never panics; anything it does not recognise is
//! `None` (missing).
//!
//! Digit codes follow ISO/IEC 5218, which is also the General Statistics Office's census coding
//! (`Nam 1, Nữ 2`): `1` = male, `2` = female. `0` and `9` are `None`: ISO 5218 reads `0` as
//! "not known", while some Vietnamese databases store a boolean "is male" where `0` means female;
//! the two conventions cannot be told apart from one value, so `0` is left missing.

use serde::{Deserialize, Serialize};

use crate::normalize::text;

/// A person's sex as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Sex {
    /// The lower-case name, as serialised: `"male"`, `"female"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// The ISO/IEC 5218 code: 1 for male, 2 for female.
    pub fn iso5218(self) -> u8 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
        }
    }

    /// The sex of an ISO/IEC 5218 code (1 or 2); `None` for any other value.
    pub fn from_iso5218(code: u8) -> Option<Sex> {
        match code {
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            _ => None,
        }
    }
}

/// The longest folded form looked up (`"con trai"`, `"nam gioi"`, `"female"`…).
const MAX_KEY: usize = 16;

/// Parses a sex value.
///
/// Recognised, after folding (lower case, no diacritics, `đ`→`d`) and trimming punctuation:
/// * male: `nam`, `nam gioi`, `trai`, `con trai`, `m`, `male`, `man`, `1`;
/// * female: `nu`, `nu gioi`, `gai`, `con gai`, `f`, `female`, `woman`, `w`, `2`.
///
/// Empty or unknown values (including `0`, see the module docs) give `None`.
///
/// ```
/// use vnlink::normalize::{Sex, sex::parse_sex};
/// assert_eq!(parse_sex("Nữ"), Some(Sex::Female));
/// assert_eq!(parse_sex(" NAM "), Some(Sex::Male));
/// assert_eq!(parse_sex("không rõ"), None);
/// ```
pub fn parse_sex(s: &str) -> Option<Sex> {
    // The usual NFC spellings, without trimming or folding.
    match s {
        "Nữ" | "nữ" | "NỮ" | "Nữ giới" | "nữ giới" | "Gái" | "gái" => {
            return Some(Sex::Female);
        }
        "Nam giới" | "nam giới" => return Some(Sex::Male),
        _ => {}
    }
    let b = s.as_bytes();
    let s = if b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
    {
        s
    } else {
        s.trim_matches(|c: char| !c.is_alphanumeric())
    };
    if s.is_empty() {
        return None;
    }
    if s.is_ascii() {
        if s.len() > MAX_KEY {
            return None;
        }
        // Lower-case into a stack buffer, folding runs of whitespace to one space.
        let mut buf = [0u8; MAX_KEY];
        let mut n = 0;
        let mut space = false;
        for &b in s.as_bytes() {
            if b.is_ascii_whitespace() || b == b'_' || b == b'-' {
                space = true;
                continue;
            }
            if space {
                buf[n] = b' ';
                n += 1;
                space = false;
            }
            buf[n] = b.to_ascii_lowercase();
            n += 1;
        }
        return lookup(&buf[..n]);
    }
    // The usual NFC spellings, without folding (which allocates).
    match s {
        "Nữ" | "nữ" | "NỮ" | "Nữ giới" | "nữ giới" | "Gái" | "gái" => {
            return Some(Sex::Female);
        }
        "Nam giới" | "nam giới" => return Some(Sex::Male),
        _ => {}
    }
    let folded = text::fold(s);
    let key: String = folded
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    lookup(key.as_bytes())
}

fn lookup(key: &[u8]) -> Option<Sex> {
    match key {
        b"nam" | b"nam gioi" | b"trai" | b"con trai" | b"m" | b"male" | b"man" | b"1" => {
            Some(Sex::Male)
        }
        b"nu" | b"nu gioi" | b"gai" | b"con gai" | b"f" | b"female" | b"woman" | b"w" | b"2" => {
            Some(Sex::Female)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn vietnamese_forms() {
        for s in ["Nam", "nam", "NAM", " Nam ", "Nam giới", "nam gioi", "Trai", "con trai", "(Nam)"]
        {
            assert_eq!(parse_sex(s), Some(Sex::Male), "{s}");
        }
        for s in
            ["Nữ", "nữ", "NỮ", "Nu", "nu", "Nữ giới", "nu_gioi", "Gái", "gai", "Con gái", "Nữ."]
        {
            assert_eq!(parse_sex(s), Some(Sex::Female), "{s}");
        }
        // NFD input (Windows-1258 / "Unicode tổ hợp").
        assert_eq!(parse_sex("Nu\u{303}"), Some(Sex::Female));
    }

    #[test]
    fn english_and_codes() {
        for s in ["M", "m", "Male", "MALE", "man", "1"] {
            assert_eq!(parse_sex(s), Some(Sex::Male), "{s}");
        }
        for s in ["F", "f", "Female", "woman", "W", "2"] {
            assert_eq!(parse_sex(s), Some(Sex::Female), "{s}");
        }
    }

    #[test]
    fn unknown_values_are_missing() {
        for s in ["", "  ", "0", "9", "x", "?", "không rõ", "Nam Nữ", "namnu", "3", "Nguyễn Văn An"]
        {
            assert_eq!(parse_sex(s), None, "{s}");
        }
        assert_eq!(parse_sex(&"nam ".repeat(20)), None);
    }

    #[test]
    fn iso_codes_round_trip() {
        for s in [Sex::Male, Sex::Female] {
            assert_eq!(Sex::from_iso5218(s.iso5218()), Some(s));
        }
        assert_eq!(Sex::from_iso5218(0), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_sex(&s);
        }

        #[test]
        fn case_insensitive(s in "(nam|nữ|male|female|gái|trai)") {
            prop_assert_eq!(parse_sex(&s.to_uppercase()), parse_sex(&s));
            prop_assert!(parse_sex(&s).is_some());
        }
    }
}
