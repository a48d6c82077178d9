//! Text normalisation used by every field: canonical form and ASCII fold.
//!
//! * [`canonical_into`]: NFC, lower case, one tone placement (the traditional "hòa/thủy"
//!   convention), `Ð`/`ð` read as `đ`, runs of whitespace folded to one space, trimmed.
//!   Punctuation is kept (field parsers decide what it means).
//! * [`fold_into`]: the same, then diacritics removed and `đ`→`d`: Vietnamese text becomes ASCII.
//!
//! Both accept NFC, NFD and mixed input and give the same result for each.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Writes the canonical form of `input` into `out` (cleared first).
pub fn canonical_into(input: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    for c in input.nfc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'Ð' | 'ð' | 'Ɖ' => out.push('đ'),
            _ => out.extend(c.to_lowercase()),
        }
    }
}

/// The canonical form of `input`.
pub fn canonical(input: &str) -> String {
    let mut s = String::with_capacity(input.len());
    canonical_into(input, &mut s);
    s
}

/// Writes the ASCII fold of `input` into `out` (cleared first).
pub fn fold_into(input: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    for c in input.nfd() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if is_combining_mark(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'Đ' | 'đ' | 'Ð' | 'ð' | 'Ɖ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
}

/// The ASCII fold of `input`.
pub fn fold(input: &str) -> String {
    let mut s = String::with_capacity(input.len());
    fold_into(input, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_and_canonical_basics() {
        assert_eq!(fold("  Nguyễn   Văn  ĐỨC "), "nguyen van duc");
        assert_eq!(canonical("  Nguyễn   Văn  ĐỨC "), "nguyễn văn đức");
        let nfd: String = "Nguyễn".nfd().collect();
        assert_eq!(canonical(&nfd), "nguyễn");
        assert_eq!(fold("Ðặng"), "dang");
    }
}
