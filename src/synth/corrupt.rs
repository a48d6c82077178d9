//! Text damage applied to rendered fields: diacritics dropped (case kept), NFD, the "new" tone
//! placement, typing errors, Telex residue.
//!
//! These functions only *write* variations; normalising them back is the job of
//! [`crate::normalize`]. Diacritics are dropped through [`crate::normalize::text::fold_into`] and
//! mojibake is produced by [`crate::normalize::legacy`]. Every function that takes an RNG changes
//! its input whenever it can (a typo never returns the same text).

use rand::RngExt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::decompose_canonical;

use crate::normalize::text::fold_into;

use super::Rng;

/// The five tone marks as combining characters: grave (huyền), acute (sắc), tilde (ngã), hook
/// (hỏi), dot below (nặng).
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// Whether `s` has a letter that NFD decomposes (every Vietnamese letter outside ASCII but đ/Đ).
pub(crate) fn has_decomposable(s: &str) -> bool {
    s.chars().any(|c| !c.is_ascii() && c != 'đ' && c != 'Đ')
}

/// `s` in NFD.
pub(crate) fn to_nfd(s: &str) -> String {
    s.nfd().collect()
}

/// `s` without diacritics, `đ`→`d`, keeping the case of every letter ("Đặng Thị Hòa" → "Dang
/// Thi Hoa").
pub(crate) fn drop_diacritics(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut buf = String::new();
    let mut one = [0u8; 4];
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        fold_into(c.encode_utf8(&mut one), &mut buf);
        if c.is_uppercase() {
            out.extend(buf.chars().flat_map(char::to_uppercase));
        } else {
            out.push_str(&buf);
        }
    }
    out
}

fn decompose(c: char) -> (char, Vec<char>) {
    let mut base = None;
    let mut marks = Vec::new();
    decompose_canonical(c, |d| {
        if base.is_none() {
            base = Some(d);
        } else {
            marks.push(d);
        }
    });
    (base.unwrap_or(c), marks)
}

fn is_vowel_base(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// One syllable in the new convention, if it changes: an open syllable whose nucleus is exactly
/// `oa`, `oe` or `uy` (not `quy`) with the tone on its first vowel gets the tone on the second.
fn retone_syllable(syl: &[char], out: &mut String) -> bool {
    let n = syl.len();
    if n < 2 {
        return false;
    }
    let (b1, m1) = decompose(syl[n - 2]);
    let c2 = syl[n - 1];
    let pair = (b1.to_ascii_lowercase(), c2.to_ascii_lowercase());
    if !matches!(pair, ('o', 'a' | 'e') | ('u', 'y')) || m1.len() != 1 {
        return false;
    }
    let tone = m1[0];
    if !TONES.contains(&tone) {
        return false;
    }
    if n >= 3 {
        let (prev, _) = decompose(syl[n - 3]);
        if is_vowel_base(prev) || (pair.0 == 'u' && prev.eq_ignore_ascii_case(&'q')) {
            return false;
        }
    }
    out.extend(&syl[..n - 2]);
    out.push(b1);
    out.extend([c2, tone].into_iter().nfc());
    true
}

/// `s` with the new tone placement (hòa→hoà, thủy→thuỷ, khỏe→khoẻ), or `None` when no syllable
/// of `s` is affected.
pub(crate) fn tone_new(s: &str) -> Option<String> {
    // Fast path: only a toned plain o/u (NFC) or a combining mark (NFD input) can be affected.
    let candidate = s.chars().any(|c| {
        matches!(
            c,
            'ò' | 'ó'
                | 'ỏ'
                | 'õ'
                | 'ọ'
                | 'ù'
                | 'ú'
                | 'ủ'
                | 'ũ'
                | 'ụ'
                | 'Ò'
                | 'Ó'
                | 'Ỏ'
                | 'Õ'
                | 'Ọ'
                | 'Ù'
                | 'Ú'
                | 'Ủ'
                | 'Ũ'
                | 'Ụ'
                | '\u{300}'..='\u{36F}'
        )
    });
    if !candidate {
        return None;
    }
    if s.chars().any(|c| ('\u{300}'..='\u{36F}').contains(&c)) {
        let nfc: String = s.nfc().collect();
        return retone_nfc(&nfc);
    }
    retone_nfc(s)
}

/// [`tone_new`] of NFC text.
fn retone_nfc(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 4);
    let mut syl: Vec<char> = Vec::new();
    let mut changed = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            syl.push(c);
            continue;
        }
        if !syl.is_empty() {
            if retone_syllable(&syl, &mut out) {
                changed = true;
            } else {
                out.extend(&syl);
            }
            syl.clear();
        }
        out.push(c);
    }
    if !syl.is_empty() {
        if retone_syllable(&syl, &mut out) {
            changed = true;
        } else {
            out.extend(&syl);
        }
    }
    changed.then_some(out)
}

/// QWERTY neighbours of a lower-case ASCII letter.
fn neighbours(c: char) -> &'static str {
    match c {
        'q' => "wa",
        'w' => "qes",
        'e' => "wrd",
        'r' => "etf",
        't' => "ryg",
        'y' => "tuh",
        'u' => "yij",
        'i' => "uok",
        'o' => "ipl",
        'p' => "ol",
        'a' => "qsz",
        's' => "awdxz",
        'd' => "serfcx",
        'f' => "drtgvc",
        'g' => "ftyhbv",
        'h' => "gyujnb",
        'j' => "huikmn",
        'k' => "jiolm",
        'l' => "kop",
        'z' => "asx",
        'x' => "zsdc",
        'c' => "xdfv",
        'v' => "cfgb",
        'b' => "vghn",
        'n' => "bhjm",
        'm' => "njk",
        _ => "aeiou",
    }
}

fn neighbour_of(rng: &mut Rng, c: char) -> char {
    let mut buf = String::new();
    let mut one = [0u8; 4];
    fold_into(c.encode_utf8(&mut one), &mut buf);
    let base = buf.chars().next().unwrap_or('a');
    let cands = neighbours(base);
    let n = cands.chars().nth(rng.random_range(0..cands.chars().count())).unwrap_or('a');
    if c.is_uppercase() { n.to_ascii_uppercase() } else { n }
}

/// `s` with one typing error at a letter: keyboard-neighbour substitution, insertion of a
/// neighbour, deletion, or transposition with the next letter. Returns `None` when `s` has fewer
/// than two letters.
pub(crate) fn typo(rng: &mut Rng, s: &str) -> Option<String> {
    let mut chars: Vec<char> = s.chars().collect();
    let letters: Vec<usize> =
        chars.iter().enumerate().filter(|(_, c)| c.is_alphabetic()).map(|(i, _)| i).collect();
    if letters.len() < 2 {
        return None;
    }
    let i = letters[rng.random_range(0..letters.len())];
    let op = rng.random_range(0..4);
    let next_letter = chars.get(i + 1).is_some_and(|c| c.is_alphabetic() && *c != chars[i]);
    match op {
        0 => {
            let n = neighbour_of(rng, chars[i]);
            chars[i] = n;
        }
        1 => {
            let n = neighbour_of(rng, chars[i]);
            chars.insert(i + 1, n);
        }
        3 if next_letter => chars.swap(i, i + 1),
        _ => {
            chars.remove(i);
        }
    }
    let out: String = chars.into_iter().collect();
    if out == s {
        // A substitution can only repeat the letter for non-letters; fall back to a deletion.
        let mut v: Vec<char> = s.chars().collect();
        v.remove(i);
        return Some(v.into_iter().collect());
    }
    Some(out)
}

/// A word as the Telex keystrokes that type it, as left behind when the input method was off:
/// "Nguyễn" → "Nguyeenx", "Thị" → "Thij", "Đức" → "Dduwcs".
pub(crate) fn telex(word: &str) -> String {
    let upper = word.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
    let fix = |c: char| if upper { c.to_ascii_uppercase() } else { c };
    let mut out = String::with_capacity(word.len() + 3);
    let mut tone = None;
    for c in word.nfc() {
        match c {
            'đ' => out.push_str("dd"),
            'Đ' => {
                out.push('D');
                out.push(fix('d'));
            }
            _ if c.is_ascii() => out.push(c),
            _ => {
                let (base, marks) = decompose(c);
                out.push(base);
                for m in marks {
                    match m {
                        '\u{302}' => out.push(fix(base.to_ascii_lowercase())),
                        '\u{306}' | '\u{31B}' => out.push(fix('w')),
                        '\u{300}' => tone = Some('f'),
                        '\u{301}' => tone = Some('s'),
                        '\u{303}' => tone = Some('x'),
                        '\u{309}' => tone = Some('r'),
                        '\u{323}' => tone = Some('j'),
                        _ => {}
                    }
                }
            }
        }
    }
    if let Some(t) = tone {
        out.push(fix(t));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn diacritics_are_dropped_with_case() {
        assert_eq!(drop_diacritics("Đặng Thị Hòa"), "Dang Thi Hoa");
        assert_eq!(drop_diacritics("NGUYỄN VĂN ĐỨC"), "NGUYEN VAN DUC");
        assert_eq!(drop_diacritics("Phường 5, Quận 1"), "Phuong 5, Quan 1");
    }

    #[test]
    fn tone_moves_only_on_open_oa_oe_uy() {
        assert_eq!(tone_new("Hòa").as_deref(), Some("Hoà"));
        assert_eq!(tone_new("Nguyễn Thị Thủy").as_deref(), Some("Nguyễn Thị Thuỷ"));
        assert_eq!(tone_new("khỏe").as_deref(), Some("khoẻ"));
        assert_eq!(
            tone_new("Tỉnh Khánh Hòa, Thanh Hóa").as_deref(),
            Some("Tỉnh Khánh Hoà, Thanh Hoá")
        );
        assert_eq!(tone_new("THỦY").as_deref(), Some("THUỶ"));
        // Closed syllables, three vowels, quy and toneless ones are not affected.
        assert_eq!(tone_new("Hoàng Toán Huỳnh"), None);
        assert_eq!(tone_new("Ngoài khuỷu"), None);
        assert_eq!(tone_new("Quý Quỳ"), None);
        assert_eq!(tone_new("Huy Hoa"), None);
        assert_eq!(tone_new("Lê Lợi"), None);
        // NFD input is handled.
        assert_eq!(tone_new(&to_nfd("Thủy")).as_deref(), Some("Thuỷ"));
    }

    #[test]
    fn telex_residue() {
        assert_eq!(telex("Nguyễn"), "Nguyeenx");
        assert_eq!(telex("Thị"), "Thij");
        assert_eq!(telex("Đức"), "Dduwcs");
        assert_eq!(telex("Hương"), "Huwowng");
        assert_eq!(telex("Trần"), "Traanf");
        assert_eq!(telex("VĂN"), "VAWN");
        assert_eq!(telex("An"), "An");
    }

    #[test]
    fn typos_always_change_the_text() {
        let mut rng = Rng::seed_from_u64(11);
        for s in ["Nguyễn Văn An", "Lê Thị Hoa", "aa", "Số 12 Lê Lợi"] {
            for _ in 0..200 {
                let t = typo(&mut rng, s).unwrap();
                assert_ne!(t, s);
                let d = t.chars().count() as i64 - s.chars().count() as i64;
                assert!(d.abs() <= 1);
            }
        }
        assert_eq!(typo(&mut rng, "A"), None);
    }

    #[test]
    fn nfd_detection() {
        assert!(has_decomposable("Văn"));
        assert!(!has_decomposable("Đinh"));
        assert_ne!(to_nfd("Văn"), "Văn");
    }
}
