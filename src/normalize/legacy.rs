//! Legacy 8-bit Vietnamese encodings: TCVN3 (TCVN 5712:1993 VN3) and VNI-Windows.
//!
//! Text in these encodings reaches vnlink as Windows-1252 characters (`NguyÔn`, `Nguyeãn`); the
//! tables in `data/vn-encoding` map them back to Unicode.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

use crate::refdata;

fn tcvn3_encoder() -> &'static FxHashMap<char, char> {
    static CELL: OnceLock<FxHashMap<char, char>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut m = FxHashMap::default();
        for e in refdata::tcvn3() {
            // The byte as Windows-1252 shows it (the `as_cp1252` column describes 0xAD in words).
            let Ok(byte) = u8::from_str_radix(&e.byte_hex, 16) else { continue };
            let bytes = [byte];
            let (shown, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
            if let (Some(u), Some(b)) = (single_char(&e.unicode), single_char(shown.as_ref())) {
                m.insert(u, b);
            }
        }
        m
    })
}

fn vni_encoder() -> &'static FxHashMap<char, &'static str> {
    static CELL: OnceLock<FxHashMap<char, &'static str>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut m = FxHashMap::default();
        for e in refdata::vni_windows() {
            if let Some(u) = single_char(&e.unicode) {
                m.insert(u, e.vni_as_cp1252.as_str());
            }
        }
        m
    })
}

fn single_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// Encodes Unicode text as TCVN3 would show it in Windows-1252 (`Nguyễn` → `NguyÔn`).
///
/// TCVN3 has no toned capital letters: like the `.VnTimeH` fonts, a capital that TCVN3 lacks is
/// written with the byte of its lower-case form. Characters outside Vietnamese are kept.
pub fn encode_tcvn3(text: &str) -> String {
    let enc = tcvn3_encoder();
    let mut out = String::with_capacity(text.len());
    for c in text.nfc() {
        if let Some(&b) = enc.get(&c) {
            out.push(b);
        } else if c.is_uppercase() {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) if enc.contains_key(&l) => out.push(enc[&l]),
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Encodes Unicode text as VNI-Windows would show it in Windows-1252 (`Nguyễn` → `Nguyeãn`).
pub fn encode_vni(text: &str) -> String {
    let enc = vni_encoder();
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.nfc() {
        match enc.get(&c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoders_match_the_canaries() {
        for c in refdata::canaries() {
            assert_eq!(encode_vni(&c.unicode), c.vni_as_cp1252, "VNI of {}", c.unicode);
            assert_eq!(encode_tcvn3(&c.unicode), c.tcvn3_as_cp1252, "TCVN3 of {}", c.unicode);
        }
    }
}
