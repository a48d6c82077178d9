//! Legacy 8-bit Vietnamese encodings: TCVN3 (TCVN 5712:1993 VN3, `.VnTime` fonts) and
//! VNI-Windows ("VNI-Times" fonts): detection and decoding, and the encoders used by the synthetic
//! generator.
//!
//! Text in these encodings reaches vnlink as Windows-1252 characters (`NguyÔn`, `Nguyeãn`); the
//! tables of `data/vn-encoding` (embedded, `refdata::tcvn3`, `refdata::vni_windows`) map them
//! back to Unicode (VIETNAMESE.md §3).
//!
//! Main items: [`LegacyEncoding`]; [`detect_column`] (one decision per column); [`decode_into`]
//! (a value of a column whose encoding is known); [`decode_auto_into`] (a value on its own);
//! [`decode_strict_into`] (table conversion, no heuristics); [`encode_tcvn3`], [`encode_vni`].
//!
//! # How values are decoded
//!
//! * Conversion is by table, longest match (VNI: two characters before one; a VNI pair whose mark
//!   has the other case than its base, `aÙ`, is accepted with the base's case). TCVN3 has no
//!   toned capitals (headings used the same bytes in the `.VnTimeH` font): a token whose ASCII
//!   letters are all capitals, with one after its first character, is upper-cased (`NGUYÔN` →
//!   `NGUYỄN`, `§øC` → `ĐỨC`), and a token that starts with a lower-case-only TCVN3 letter is
//!   capitalised when no token of the value starts with a lower-case ASCII letter (`¸nh` → `Ánh`,
//!   but `x· ¸i` → `xã ái`). TCVN3 `ư` is byte 0xAD, the soft hyphen, which tools delete: an ơ
//!   that cannot stand without its ư (`ơng`, `ơc`, `ơu`, after a consonant) gets it back
//!   (`D¬ng` → `Dương`, `Cêng` → `Cường`).
//! * Which reading is right is decided by plausibility: every token (run of ASCII letters and
//!   non-ASCII characters) scores 2 if it is a Vietnamese syllable
//!   ([`is_vietnamese_syllable`]) plus 1 if it
//!   is a syllable of a known name (the embedded name lists, tone-convention-free); a reading's
//!   score is the sum over the tokens that contain a non-ASCII character.
//! * A value containing any character outside Windows-1252 (ơ ư đ ạ ễ, a combining mark …) is
//!   genuine Unicode. Only its tokens that are entirely Windows-1252, are not a Vietnamese
//!   syllable as they stand, and are one in exactly one legacy reading (or in the column's) are
//!   decoded: `Nguyễn Vuõ Lam Hoàng` → `Nguyễn Vũ Lam Hoàng`.
//! * Other values (Windows-1252 only, not ASCII): the reading with the highest score wins; on a
//!   tie the column's encoding wins (for [`decode_auto_into`], Unicode). A tie is common and
//!   unresolvable on one value: the VNI bytes of "Hồng" are the Unicode "Hoàng", of "Hồ" "Hoà".
//!   That is why [`detect_column`] decides per column (VIETNAMESE.md §3).
//!
//! Invariants: decoders never panic; ASCII values are returned unchanged; a value is never
//! decoded with a scheme whose reading scores lower than the value as it stands.

use std::cell::RefCell;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use unicode_normalization::UnicodeNormalization;

use crate::normalize::text::{self, V_OW, V_U, V_UW, is_vietnamese_syllable, letter_code};
use crate::refdata;

/// The encoding of a text column or value, as far as vnlink decodes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LegacyEncoding {
    /// Genuine Unicode (the text is what it shows).
    #[default]
    Unicode,
    /// TCVN3 (TCVN 5712:1993 VN3) read as Windows-1252: `NguyÔn V¨n`.
    Tcvn3,
    /// VNI-Windows read as Windows-1252: `Nguyeãn Vaên`.
    Vni,
}

impl LegacyEncoding {
    /// The lower-case name: `"unicode"`, `"tcvn3"`, `"vni"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LegacyEncoding::Unicode => "unicode",
            LegacyEncoding::Tcvn3 => "tcvn3",
            LegacyEncoding::Vni => "vni",
        }
    }
}

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

/// Decoding tables and the name lexicon, built once from the embedded data.
struct Decoders {
    /// TCVN3: Windows-1252 character U+00A0..=U+00FF → Unicode letter.
    tcvn3: [Option<char>; 96],
    /// VNI single characters U+00C0..=U+00FF → Unicode letter.
    vni_single: [Option<char>; 64],
    /// VNI base + mark → Unicode letter.
    vni_pair: FxHashMap<(char, char), char>,
    /// [`text::syllable_hash`] of every syllable of the embedded name lists.
    lexicon: FxHashSet<u64>,
}

fn flip_case(c: char) -> char {
    if c.is_uppercase() {
        c.to_lowercase().next().unwrap_or(c)
    } else {
        c.to_uppercase().next().unwrap_or(c)
    }
}

fn decoders() -> &'static Decoders {
    static CELL: OnceLock<Decoders> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut tcvn3 = [None; 96];
        for (&u, &b) in tcvn3_encoder() {
            if let Some(slot) = (b as usize).checked_sub(0xA0).and_then(|i| tcvn3.get_mut(i)) {
                *slot = Some(u);
            }
        }
        let mut vni_single = [None; 64];
        let mut vni_pair = FxHashMap::default();
        for e in refdata::vni_windows() {
            let Some(u) = single_char(&e.unicode) else { continue };
            let mut it = e.vni_as_cp1252.chars();
            match (it.next(), it.next(), it.next()) {
                (Some(a), None, None) => {
                    if let Some(slot) =
                        (a as usize).checked_sub(0xC0).and_then(|i| vni_single.get_mut(i))
                    {
                        *slot = Some(u);
                    }
                }
                (Some(a), Some(m), None) => {
                    vni_pair.insert((a, m), u);
                }
                _ => {}
            }
        }
        let exact: Vec<((char, char), char)> = vni_pair.iter().map(|(&k, &v)| (k, v)).collect();
        for ((a, m), u) in exact {
            vni_pair.entry((a, flip_case(m))).or_insert(u);
        }
        let mut lexicon = FxHashSet::default();
        let names = refdata::family_names().iter().map(|n| n.name.as_str());
        let parts =
            refdata::middle_names().iter().chain(refdata::given_names()).map(|n| n.name.as_str());
        for name in names.chain(parts) {
            for syl in name.split([' ', '\'']) {
                lexicon.extend(text::syllable_hash(syl));
            }
        }
        Decoders { tcvn3, vni_single, vni_pair, lexicon }
    })
}

impl Decoders {
    fn tcvn3(&self, c: char) -> Option<char> {
        (c as usize).checked_sub(0xA0).and_then(|i| self.tcvn3.get(i)).copied().flatten()
    }

    fn vni_single(&self, c: char) -> Option<char> {
        (c as usize).checked_sub(0xC0).and_then(|i| self.vni_single.get(i)).copied().flatten()
    }

    /// Plausibility score of one token (see the module docs), at most [`MAX_TOKEN_SCORE`].
    fn score(&self, token: &str) -> u32 {
        if is_syllable(token) {
            2 + u32::from(text::syllable_hash(token).is_some_and(|h| self.lexicon.contains(&h)))
        } else {
            0
        }
    }
}

/// Tokens of at most this many bytes are remembered by [`is_syllable`].
const SYLLABLE_CACHE_TOKEN: usize = 15;
/// Slots of the per-thread syllable cache (direct-mapped).
const SYLLABLE_CACHE_SLOTS: usize = 512;

/// One remembered answer of [`is_vietnamese_syllable`]: the token's bytes (`len` 0 = empty slot).
#[derive(Clone, Copy)]
struct SyllableSlot {
    len: u8,
    bytes: [u8; SYLLABLE_CACHE_TOKEN],
    answer: bool,
}

thread_local! {
    /// Recent answers of [`is_vietnamese_syllable`] on this thread: values repeat the same few
    /// thousand syllables ("Hà", "Phú", "Lê"), and the test is the costly part of deciding that a
    /// value is genuine Unicode.
    static SYLLABLES: RefCell<[SyllableSlot; SYLLABLE_CACHE_SLOTS]> = const {
        RefCell::new(
            [SyllableSlot { len: 0, bytes: [0; SYLLABLE_CACHE_TOKEN], answer: false };
                SYLLABLE_CACHE_SLOTS],
        )
    };
}

/// [`is_vietnamese_syllable`], remembered per thread for short tokens (same answers: the slot
/// keeps the whole token, so there are no false hits).
fn is_syllable(token: &str) -> bool {
    let b = token.as_bytes();
    if b.is_empty() || b.len() > SYLLABLE_CACHE_TOKEN {
        return is_vietnamese_syllable(token);
    }
    let h = b
        .iter()
        .fold(0x9E37_79B9_u32, |h, &x| (h.rotate_left(5) ^ u32::from(x)).wrapping_mul(0x0100_0193));
    let slot = (h >> 16) as usize % SYLLABLE_CACHE_SLOTS;
    SYLLABLES.with_borrow_mut(|slots| {
        let s = &mut slots[slot];
        if usize::from(s.len) == b.len() && s.bytes[..b.len()] == *b {
            return s.answer;
        }
        let answer = is_vietnamese_syllable(token);
        s.len = b.len() as u8;
        s.bytes[..b.len()].copy_from_slice(b);
        s.answer = answer;
        answer
    })
}

/// Score of a token that is a syllable of a known name: no reading can do better.
const MAX_TOKEN_SCORE: u32 = 3;

/// Whether `c` can be shown by Windows-1252 (what legacy text is read as).
fn is_cp1252(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{FF}'
            | '€'
            | '‚'
            | 'ƒ'
            | '„'
            | '…'
            | '†'
            | '‡'
            | 'ˆ'
            | '‰'
            | 'Š'
            | '‹'
            | 'Œ'
            | 'Ž'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201C}'
            | '\u{201D}'
            | '•'
            | '–'
            | '—'
            | '˜'
            | '™'
            | 'š'
            | '›'
            | 'œ'
            | 'ž'
            | 'Ÿ'
    )
}

/// An ASCII letter, or a non-ASCII character that is neither a space nor a control character.
fn is_token_char(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphabetic(),
        // C1 controls, NEL and no-break space.
        0x80..=0xA0 | 0x1680 | 0x3000 => false,
        0x2000..=0x205F => !c.is_whitespace(),
        _ => true,
    }
}

/// Splits a value into tokens (`true`) and the separators between them (`false`).
struct Pieces<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = (bool, &'a str);

    fn next(&mut self) -> Option<(bool, &'a str)> {
        let mut it = self.rest.char_indices();
        let (_, first) = it.next()?;
        let token = is_token_char(first);
        let end = it.find(|&(_, c)| is_token_char(c) != token).map_or(self.rest.len(), |(i, _)| i);
        let (piece, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some((token, piece))
    }
}

fn pieces(s: &str) -> Pieces<'_> {
    Pieces { rest: s }
}

/// What a value tells about the case of its TCVN3 letters.
#[derive(Clone, Copy, Default)]
struct CaseHint {
    /// No token starts with a lower-case ASCII letter: capitalise a token that starts with a
    /// lower-case-only TCVN3 letter.
    title: bool,
    /// Every ASCII letter of the value is a capital and some token has a capital after its first
    /// character: the value was typed in capitals.
    caps: bool,
}

fn case_hint(value: &str) -> CaseHint {
    let mut title = true;
    let mut all_upper = true;
    let mut inner_upper = false;
    for (tok, p) in pieces(value) {
        if !tok {
            continue;
        }
        title &= !p.starts_with(|c: char| c.is_ascii_lowercase());
        for (i, c) in p.chars().enumerate() {
            all_upper &= !c.is_ascii_lowercase();
            inner_upper |= i > 0 && c.is_ascii_uppercase();
        }
    }
    CaseHint { title, caps: all_upper && inner_upper }
}

fn is_o_horn(c: char) -> bool {
    letter_code(c).is_some_and(|(code, _)| code == V_OW)
}

/// Puts back an ư deleted with its soft hyphen: `ơng`/`ơc`/`ơu` after a consonant or at the
/// start of the token written at `out[start..]`.
fn repair_uo(out: &mut String, start: usize) {
    let Some(tok) = out.get(start..) else { return };
    let mut chars = ['\0'; 16];
    let mut n = 0;
    for c in tok.chars() {
        let Some(slot) = chars.get_mut(n) else { return };
        *slot = c;
        n += 1;
    }
    let chars = &chars[..n];
    let Some(k) = chars.iter().position(|&c| is_o_horn(c)) else { return };
    let prev_ok = k == 0
        || letter_code(chars[k - 1])
            .is_some_and(|(code, _)| !text::is_vowel_code(code) && code != V_U && code != V_UW);
    let rest = &chars[k + 1..];
    let rest_is = |s: &str| {
        rest.len() == s.len()
            && rest.iter().zip(s.chars()).all(|(a, b)| a.to_ascii_lowercase() == b)
    };
    if !(prev_ok && (rest_is("ng") || rest_is("c") || rest_is("u"))) {
        return;
    }
    out.truncate(start);
    out.extend(chars[..k].iter());
    out.push(if chars[k].is_uppercase() { 'Ư' } else { 'ư' });
    out.extend(chars[k..].iter());
}

/// Appends the TCVN3 reading of one token.
fn tcvn3_token(d: &Decoders, tok: &str, hint: CaseHint, out: &mut String) {
    let start = out.len();
    let mut all_upper = true;
    let mut inner_upper = false;
    for (i, c) in tok.chars().enumerate() {
        all_upper &= !c.is_ascii_lowercase();
        inner_upper |= i > 0 && c.is_ascii_uppercase();
    }
    let upper = all_upper && (inner_upper || hint.caps);
    for (i, c) in tok.chars().enumerate() {
        let mapped = d.tcvn3(c);
        let ch = mapped.unwrap_or(c);
        if upper || (i == 0 && hint.title && mapped.is_some() && ch.is_lowercase()) {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
    }
    repair_uo(out, start);
}

/// Appends the VNI reading of one token (longest match).
fn vni_token(d: &Decoders, tok: &str, out: &mut String) {
    let mut it = tok.chars().peekable();
    while let Some(c) = it.next() {
        if let Some(&next) = it.peek()
            && let Some(&u) = d.vni_pair.get(&(c, next))
        {
            out.push(u);
            it.next();
            continue;
        }
        out.push(d.vni_single(c).unwrap_or(c));
    }
}

/// Appends the reading of one token in `enc`.
fn decode_token(d: &Decoders, enc: LegacyEncoding, tok: &str, hint: CaseHint, out: &mut String) {
    match enc {
        LegacyEncoding::Tcvn3 => tcvn3_token(d, tok, hint, out),
        LegacyEncoding::Vni => vni_token(d, tok, out),
        LegacyEncoding::Unicode => out.push_str(tok),
    }
}

/// Score of the reading of `tok` in `enc`, using the end of `scratch` as work space.
fn reading_score(d: &Decoders, enc: LegacyEncoding, tok: &str, scratch: &mut String) -> u32 {
    if enc == LegacyEncoding::Unicode {
        return d.score(tok);
    }
    let start = scratch.len();
    decode_token(d, enc, tok, CaseHint::default(), scratch);
    let s = scratch.get(start..).map_or(0, |t| d.score(t));
    scratch.truncate(start);
    s
}

const READINGS: [LegacyEncoding; 3] =
    [LegacyEncoding::Unicode, LegacyEncoding::Tcvn3, LegacyEncoding::Vni];

fn index(enc: LegacyEncoding) -> usize {
    match enc {
        LegacyEncoding::Unicode => 0,
        LegacyEncoding::Tcvn3 => 1,
        LegacyEncoding::Vni => 2,
    }
}

/// Scores of the three readings of a Windows-1252 value.
fn value_scores(d: &Decoders, value: &str, scratch: &mut String) -> [u32; 3] {
    let mut scores = [0u32; 3];
    for (tok, p) in pieces(value) {
        if tok && !p.is_ascii() {
            for (s, &enc) in scores.iter_mut().zip(READINGS.iter()) {
                *s += reading_score(d, enc, p, scratch);
            }
        }
    }
    scores
}

/// The reading with the highest score among `allowed`; ties go to `prior`, then Unicode, TCVN3,
/// VNI.
fn best_reading(scores: [u32; 3], allowed: [bool; 3], prior: LegacyEncoding) -> LegacyEncoding {
    let best = (0..3).filter(|&i| allowed[i]).map(|i| scores[i]).max().unwrap_or(0);
    if allowed[index(prior)] && scores[index(prior)] == best {
        return prior;
    }
    READINGS
        .into_iter()
        .find(|&e| allowed[index(e)] && scores[index(e)] == best)
        .unwrap_or(LegacyEncoding::Unicode)
}

/// Writes the table conversion of the whole `value` from `enc` into `out` (cleared first), with
/// the TCVN3 case and ư rules but no plausibility check. `Unicode` copies the value.
pub fn decode_strict_into(value: &str, enc: LegacyEncoding, out: &mut String) {
    out.clear();
    let d = decoders();
    let hint = if enc == LegacyEncoding::Tcvn3 { case_hint(value) } else { CaseHint::default() };
    for (tok, p) in pieces(value) {
        if tok {
            decode_token(d, enc, p, hint, out);
        } else {
            out.push_str(p);
        }
    }
}

/// Decodes a value that contains genuine Unicode: only tokens that are unambiguously legacy.
fn decode_mixed(
    d: &Decoders,
    value: &str,
    allowed: [bool; 3],
    prior: LegacyEncoding,
    out: &mut String,
) -> LegacyEncoding {
    let mut hint = None;
    let mut used = LegacyEncoding::Unicode;
    for (tok, p) in pieces(value) {
        if !tok || p.is_ascii() || !p.chars().all(is_cp1252) || d.score(p) > 0 {
            out.push_str(p);
            continue;
        }
        let ok = |e: LegacyEncoding, out: &mut String| {
            allowed[index(e)] && reading_score(d, e, p, out) > 0
        };
        let tcvn3 = ok(LegacyEncoding::Tcvn3, out);
        let vni = ok(LegacyEncoding::Vni, out);
        let chosen = match (tcvn3, vni) {
            (true, false) => Some(LegacyEncoding::Tcvn3),
            (false, true) => Some(LegacyEncoding::Vni),
            (true, true) if prior != LegacyEncoding::Unicode => Some(prior),
            _ => None,
        };
        match chosen {
            Some(e) => {
                let hint = *hint.get_or_insert_with(|| case_hint(value));
                decode_token(d, e, p, hint, out);
                used = e;
            }
            None => out.push_str(p),
        }
    }
    used
}

/// What [`decode_with`] needs to know of a value's tokens (runs of [`is_token_char`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TokenScan {
    /// Some token has a non-ASCII character outside Windows-1252: the value is genuine Unicode.
    genuine: bool,
    /// Byte ranges of the first tokens that are non-ASCII and entirely Windows-1252.
    cp_tokens: [(usize, usize); 8],
    /// Number of such tokens (may exceed `cp_tokens.len()`).
    n_cp: usize,
}

impl TokenScan {
    fn end_token(&mut self, start: usize, end: usize, non_ascii: bool, cp1252: bool) {
        if non_ascii && cp1252 {
            if let Some(slot) = self.cp_tokens.get_mut(self.n_cp) {
                *slot = (start, end);
            }
            self.n_cp += 1;
        } else if non_ascii {
            self.genuine = true;
        }
    }
}

/// The token scan, char by char (any input).
fn scan_tokens(value: &str) -> TokenScan {
    let mut scan = TokenScan { genuine: false, cp_tokens: [(0, 0); 8], n_cp: 0 };
    let mut token_start = None;
    let (mut non_ascii, mut cp1252) = (false, true);
    for (i, c) in value.char_indices() {
        if is_token_char(c) {
            if token_start.is_none() {
                token_start = Some(i);
                (non_ascii, cp1252) = (false, true);
            }
            if !c.is_ascii() {
                non_ascii = true;
                cp1252 &= is_cp1252(c);
            }
        } else if let Some(start) = token_start.take() {
            scan.end_token(start, i, non_ascii, cp1252);
        }
    }
    if let Some(start) = token_start {
        scan.end_token(start, value.len(), non_ascii, cp1252);
    }
    scan
}

/// [`scan_tokens`] on the bytes, for text whose non-ASCII characters are all in U+0080..U+01BF
/// or U+1E00..U+1EFF (Vietnamese NFC text, Latin-1, legacy text read as Windows-1252 except its
/// `ˆ ˜` and the `U+20xx` punctuation); `None` for anything else.
fn scan_tokens_fast(value: &str) -> Option<TokenScan> {
    let b = value.as_bytes();
    let mut scan = TokenScan { genuine: false, cp_tokens: [(0, 0); 8], n_cp: 0 };
    let mut token_start = None;
    let (mut non_ascii, mut cp1252) = (false, true);
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        // (token char, width, non-ASCII, in Windows-1252)
        let (tok, width, na, cp) = if x < 0x80 {
            (x.is_ascii_alphabetic(), 1, false, true)
        } else {
            let y = *b.get(i + 1)?;
            match x {
                // U+0080..=U+00A0 (C1 controls, no-break space) separate tokens; all of
                // U+0080..=U+00FF is Windows-1252.
                0xC2 => (y > 0xA0, 2, true, true),
                0xC3 => (true, 2, true, true),
                // U+0100..=U+01BF: ă đ ĩ ũ ơ ư …; Œ œ Š š Ÿ Ž ž ƒ are Windows-1252.
                0xC4..=0xC6 => {
                    let c = (u32::from(x & 0x1F) << 6) | u32::from(y & 0x3F);
                    let cp =
                        matches!(c, 0x152 | 0x153 | 0x160 | 0x161 | 0x178 | 0x17D | 0x17E | 0x192);
                    (true, 2, true, cp)
                }
                // U+1E00..=U+1EFF: Latin Extended Additional (ạ ả ấ … ỹ), not Windows-1252.
                0xE1 if matches!(y, 0xB8..=0xBB) => (true, 3, true, false),
                _ => return None,
            }
        };
        if tok {
            if token_start.is_none() {
                token_start = Some(i);
                (non_ascii, cp1252) = (false, true);
            }
            if na {
                non_ascii = true;
                cp1252 &= cp;
            }
        } else if let Some(start) = token_start.take() {
            scan.end_token(start, i, non_ascii, cp1252);
        }
        i += width;
    }
    if let Some(start) = token_start {
        scan.end_token(start, value.len(), non_ascii, cp1252);
    }
    Some(scan)
}

fn decode_with(value: &str, prior: LegacyEncoding, out: &mut String) -> LegacyEncoding {
    out.clear();
    if value.is_ascii() {
        out.push_str(value);
        return LegacyEncoding::Unicode;
    }
    let d = decoders();
    let allowed = match prior {
        LegacyEncoding::Unicode => [true, true, true],
        LegacyEncoding::Tcvn3 => [true, true, false],
        LegacyEncoding::Vni => [true, false, true],
    };
    // One pass: is the value genuine Unicode, and which tokens are Windows-1252 but not ASCII?
    let TokenScan { genuine, cp_tokens, n_cp } =
        scan_tokens_fast(value).unwrap_or_else(|| scan_tokens(value));
    let listed = cp_tokens.get(..n_cp).unwrap_or(&cp_tokens);
    let tokens = || listed.iter().filter_map(|&(a, b)| value.get(a..b));
    if genuine {
        // Only Windows-1252 tokens that are not a syllable as they stand may be legacy.
        if n_cp > listed.len() || tokens().any(|t| !is_syllable(t)) {
            return decode_mixed(d, value, allowed, prior, out);
        }
        out.push_str(value);
        return LegacyEncoding::Unicode;
    }
    if prior == LegacyEncoding::Unicode
        && n_cp <= listed.len()
        && tokens().all(|t| d.score(t) == MAX_TOKEN_SCORE)
    {
        // Every token is a known name syllable: no reading can score higher.
        out.push_str(value);
        return LegacyEncoding::Unicode;
    }
    let scores = value_scores(d, value, out);
    let enc = best_reading(scores, allowed, prior);
    decode_strict_into(value, enc, out);
    enc
}

/// A cheap test before decoding: `false` when decoding `value` (in any column) would surely keep
/// it as it is — it is ASCII, or it is genuine Unicode whose Windows-1252 tokens are all
/// Vietnamese syllables, or it has no non-ASCII Windows-1252 token at all.
pub(crate) fn may_decode(value: &str) -> bool {
    if value.is_ascii() {
        return false;
    }
    let scan = scan_tokens_fast(value).unwrap_or_else(|| scan_tokens(value));
    if scan.n_cp == 0 {
        return false;
    }
    if !scan.genuine || scan.n_cp > scan.cp_tokens.len() {
        return true;
    }
    scan.cp_tokens[..scan.n_cp]
        .iter()
        .any(|&(a, b)| value.get(a..b).is_some_and(|t| !is_syllable(t)))
}

/// Decodes one `value` of a column whose encoding [`detect_column`] (or the user) gave as `enc`,
/// writing the Unicode text into `out` (cleared first). Returns the encoding actually applied
/// (`Unicode` when the value was kept as it is).
///
/// `Tcvn3` / `Vni`: the value is read in that scheme unless it reads better as it stands (module
/// docs); ties go to the scheme. `Unicode`: same as [`decode_auto_into`] — stray legacy values in
/// a Unicode column (102 of 8,757 names in the UIT sample) are still decoded when they are
/// strictly more plausible in TCVN3 or VNI; ties keep the value.
///
/// ```
/// use vnlink::normalize::legacy::{decode_into, LegacyEncoding};
/// let mut s = String::new();
/// decode_into("Hoà Thò Lan", LegacyEncoding::Vni, &mut s);
/// assert_eq!(s, "Hồ Thị Lan");
/// decode_into("NGUYÔN V¡N", LegacyEncoding::Tcvn3, &mut s);
/// assert_eq!(s, "NGUYỄN VĂN");
/// ```
pub fn decode_into(value: &str, enc: LegacyEncoding, out: &mut String) -> LegacyEncoding {
    decode_with(value, enc, out)
}

/// Decodes one value whose column encoding is unknown, deciding on the value alone (ties keep the
/// value as it is). Returns the encoding applied. See the module docs.
///
/// ```
/// use vnlink::normalize::legacy::{decode_auto_into, LegacyEncoding};
/// let mut s = String::new();
/// assert_eq!(decode_auto_into("Nguyeãn Vaên An", &mut s), LegacyEncoding::Vni);
/// assert_eq!(s, "Nguyễn Văn An");
/// assert_eq!(decode_auto_into("NguyÔn ThÞ Hµ", &mut s), LegacyEncoding::Tcvn3);
/// assert_eq!(s, "Nguyễn Thị Hà");
/// assert_eq!(decode_auto_into("Nguyễn Vuõ Lam Hoàng", &mut s), LegacyEncoding::Vni);
/// assert_eq!(s, "Nguyễn Vũ Lam Hoàng");
/// ```
pub fn decode_auto_into(value: &str, out: &mut String) -> LegacyEncoding {
    decode_with(value, LegacyEncoding::Unicode, out)
}

/// Decides the encoding of a column from (a sample of) its values.
///
/// Each value votes for the strictly most plausible reading (module docs); ASCII values and ties
/// do not vote, and a value with a character outside Windows-1252 votes Unicode. The column is
/// TCVN3 or VNI when that scheme has more votes than the other scheme and than Unicode; else it is
/// Unicode. A sample of a few thousand values is plenty.
///
/// ```
/// use vnlink::normalize::legacy::{detect_column, LegacyEncoding};
/// assert_eq!(detect_column(["Hoà", "Nguyeãn Thò Lan", "Minh"]), LegacyEncoding::Vni);
/// assert_eq!(detect_column(["Hoà", "Nguyễn Thị Lan", "Minh"]), LegacyEncoding::Unicode);
/// ```
pub fn detect_column<'a>(values: impl IntoIterator<Item = &'a str>) -> LegacyEncoding {
    let d = decoders();
    let mut votes = [0usize; 3];
    let mut scratch = String::new();
    for v in values {
        if v.is_ascii() {
            continue;
        }
        if !v.chars().all(is_cp1252) {
            votes[0] += 1;
            continue;
        }
        let s = value_scores(d, v, &mut scratch);
        let best = s.iter().copied().max().unwrap_or(0);
        if s.iter().filter(|&&x| x == best).count() == 1 {
            votes[s.iter().position(|&x| x == best).unwrap_or(0)] += 1;
        }
    }
    let (enc, n) = match votes[2].cmp(&votes[1]) {
        std::cmp::Ordering::Greater => (LegacyEncoding::Vni, votes[2]),
        std::cmp::Ordering::Less => (LegacyEncoding::Tcvn3, votes[1]),
        std::cmp::Ordering::Equal => return LegacyEncoding::Unicode,
    };
    if n > votes[0] { enc } else { LegacyEncoding::Unicode }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::ops::Not;

    fn dec(value: &str, enc: LegacyEncoding) -> String {
        let mut s = String::new();
        decode_into(value, enc, &mut s);
        s
    }

    fn auto(value: &str) -> (String, LegacyEncoding) {
        let mut s = String::new();
        let e = decode_auto_into(value, &mut s);
        (s, e)
    }

    fn strict(value: &str, enc: LegacyEncoding) -> String {
        let mut s = String::new();
        decode_strict_into(value, enc, &mut s);
        s
    }

    #[test]
    fn encoders_match_the_canaries() {
        for c in refdata::canaries() {
            assert_eq!(encode_vni(&c.unicode), c.vni_as_cp1252, "VNI of {}", c.unicode);
            assert_eq!(encode_tcvn3(&c.unicode), c.tcvn3_as_cp1252, "TCVN3 of {}", c.unicode);
        }
    }

    #[test]
    fn decoders_invert_the_canaries() {
        for c in refdata::canaries() {
            assert_eq!(strict(&c.vni_as_cp1252, LegacyEncoding::Vni), c.unicode);
            assert_eq!(dec(&c.vni_as_cp1252, LegacyEncoding::Vni), c.unicode);
            for got in [
                strict(&c.tcvn3_as_cp1252, LegacyEncoding::Tcvn3),
                dec(&c.tcvn3_as_cp1252, LegacyEncoding::Tcvn3),
            ] {
                if case_lost_in_tcvn3(&c.unicode) {
                    // "XÃ" is `X·`, the same bytes as "Xã".
                    assert_eq!(got.to_lowercase(), c.unicode.to_lowercase());
                } else {
                    assert_eq!(got, c.unicode);
                }
            }
            assert_eq!(dec(&c.unicode, LegacyEncoding::Unicode), c.unicode);
        }
    }

    #[test]
    fn tables_cover_every_letter() {
        let d = decoders();
        assert_eq!(d.tcvn3.iter().flatten().count(), 74);
        // 134 letters: 18 single bytes (4 of them identical in Windows-1252), 116 pairs.
        assert_eq!(d.vni_single.iter().flatten().count(), 18);
        let exact = refdata::vni_windows().iter().filter(|e| e.vni_as_cp1252.chars().count() == 2);
        assert_eq!(exact.count(), 116);
    }

    #[test]
    fn vni_longest_match_and_case() {
        assert_eq!(strict("Phöôøng", LegacyEncoding::Vni), "Phường");
        assert_eq!(strict("Ñaëng Ñöùc", LegacyEncoding::Vni), "Đặng Đức");
        assert_eq!(strict("NGUYEÃN", LegacyEncoding::Vni), "NGUYỄN");
        assert_eq!(strict("NGUYEãN", LegacyEncoding::Vni), "NGUYỄN");
        assert_eq!(strict("Tænh", LegacyEncoding::Vni), "Tỉnh");
        assert_eq!(strict("Ngoïc Thuûy", LegacyEncoding::Vni), "Ngọc Thủy");
    }

    #[test]
    fn tcvn3_case_rules() {
        assert_eq!(strict("NGUYÔN V¡N", LegacyEncoding::Tcvn3), "NGUYỄN VĂN");
        assert_eq!(strict("§øC", LegacyEncoding::Tcvn3), "ĐỨC");
        assert_eq!(strict("§øc", LegacyEncoding::Tcvn3), "Đức");
        assert_eq!(strict("Vò", LegacyEncoding::Tcvn3), "Vũ");
        assert_eq!(strict("Lª ¸nh", LegacyEncoding::Tcvn3), "Lê Ánh");
        assert_eq!(strict("¸nh", LegacyEncoding::Tcvn3), "Ánh");
        assert_eq!(strict("x· ¸i quèc", LegacyEncoding::Tcvn3), "xã ái quốc");
        assert_eq!(strict("THÞ", LegacyEncoding::Tcvn3), "THỊ");
        // A capital after the first letter anywhere in the value: the value is in capitals.
        assert_eq!(strict("NGUYÔN THÞ Hµ", LegacyEncoding::Tcvn3), "NGUYỄN THỊ HÀ");
        // Nothing tells: lower case after the first letter.
        assert_eq!(strict("Vò Tó", LegacyEncoding::Tcvn3), "Vũ Tú");
    }

    #[test]
    fn tcvn3_soft_hyphen_is_u_horn() {
        assert_eq!(strict("D\u{AD}¬ng", LegacyEncoding::Tcvn3), "Dương");
        assert_eq!(strict("Ph\u{AD}êng", LegacyEncoding::Tcvn3), "Phường");
        // Deleted by a tool: put back where ơ cannot stand alone.
        assert_eq!(strict("D¬ng", LegacyEncoding::Tcvn3), "Dương");
        assert_eq!(strict("C\u{AD}êng Cêng", LegacyEncoding::Tcvn3), "Cường Cường");
        assert_eq!(strict("Tr¬ng L¬ng H¬ng", LegacyEncoding::Tcvn3), "Trương Lương Hương");
        assert_eq!(strict("h¬u", LegacyEncoding::Tcvn3), "hươu");
        assert_eq!(strict("¦íc", LegacyEncoding::Tcvn3), "Ước");
        // ơ that stands alone is left alone.
        assert_eq!(strict("S¬n Th¬ Ch¬i", LegacyEncoding::Tcvn3), "Sơn Thơ Chơi");
        assert_eq!(auto("D¬ng V¨n").0, "Dương Văn");
    }

    #[test]
    fn per_value_decisions() {
        assert_eq!(auto("Nguyeãn Vaên Tuaán"), ("Nguyễn Văn Tuấn".into(), LegacyEncoding::Vni));
        assert_eq!(auto("Leâ Thò Hoa"), ("Lê Thị Hoa".into(), LegacyEncoding::Vni));
        assert_eq!(auto("TrÇn V¨n Hïng"), ("Trần Văn Hùng".into(), LegacyEncoding::Tcvn3));
        assert_eq!(auto("Buøi Vaên Truùc"), ("Bùi Văn Trúc".into(), LegacyEncoding::Vni));
        // The name list breaks a tie between two valid syllables: "Thị" is a name, "Thò" is not.
        assert_eq!(auto("Thò").0, "Thị");
        // Genuine Unicode, also valid in another reading: kept.
        assert_eq!(auto("Hoàng"), ("Hoàng".into(), LegacyEncoding::Unicode));
        assert_eq!(auto("Lê Hùng"), ("Lê Hùng".into(), LegacyEncoding::Unicode));
        assert_eq!(auto("Toàn"), ("Toàn".into(), LegacyEncoding::Unicode));
        assert_eq!(auto("José Müller"), ("José Müller".into(), LegacyEncoding::Unicode));
        assert_eq!(auto("Nguyen Van An"), ("Nguyen Van An".into(), LegacyEncoding::Unicode));
        assert_eq!(auto(""), (String::new(), LegacyEncoding::Unicode));
        // Ambiguous on its own; the column decides.
        assert_eq!(auto("Hoà Hoàng").0, "Hoà Hoàng");
        assert_eq!(dec("Hoà Hoàng", LegacyEncoding::Vni), "Hồ Hồng");
        // A column prior never beats a clearly better reading.
        assert_eq!(dec("Lê Hùng", LegacyEncoding::Tcvn3), "Lê Hùng");
        // When no reading is a syllable (minority names), the column's scheme wins.
        assert_eq!(dec("Ksor £nu«l", LegacyEncoding::Tcvn3), "Ksor Ênuôl");
    }

    #[test]
    fn mixed_values_decode_only_unambiguous_tokens() {
        assert_eq!(
            auto("Nguyễn Vuõ Lam Hoàng"),
            ("Nguyễn Vũ Lam Hoàng".into(), LegacyEncoding::Vni)
        );
        assert_eq!(auto("Trần Vieät Khaùnh").0, "Trần Việt Khánh");
        assert_eq!(auto("Nguyễn ThÞ Hoa").0, "Nguyễn Thị Hoa");
        // Valid as it stands: kept, even in a VNI column.
        assert_eq!(dec("Nguyễn Thò Hoàng", LegacyEncoding::Vni), "Nguyễn Thò Hoàng");
        // Genuine Unicode is never touched.
        assert_eq!(auto("Đặng Thị Ðào").0, "Đặng Thị Ðào");
    }

    #[test]
    fn column_detection() {
        let mixed_uit_like: Vec<String> = refdata::given_names()
            .iter()
            .take(200)
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "Nguyễn Văn {}",
                    if i % 50 == 0 { encode_vni(&n.name) } else { n.name.clone() }
                )
            })
            .collect();
        assert_eq!(
            detect_column(mixed_uit_like.iter().map(String::as_str)),
            LegacyEncoding::Unicode
        );
        assert_eq!(detect_column(["Hoàng", "Toàn", "Lan"]), LegacyEncoding::Unicode);
        assert_eq!(detect_column(Vec::<&str>::new()), LegacyEncoding::Unicode);
        assert_eq!(detect_column(["Minh", "An"]), LegacyEncoding::Unicode);
        assert_eq!(detect_column(["Lª V¨n", "Hoàng", "Ph¹m"]), LegacyEncoding::Tcvn3);
    }

    /// Every name of the embedded lists, as one column, survives encode → detect → decode.
    #[test]
    fn name_lists_round_trip_as_columns() {
        let lists: [Vec<&str>; 3] = [
            refdata::family_names().iter().map(|n| n.name.as_str()).collect(),
            refdata::middle_names().iter().map(|n| n.name.as_str()).collect(),
            refdata::given_names().iter().map(|n| n.name.as_str()).collect(),
        ];
        for list in &lists {
            for (enc, f) in [
                (LegacyEncoding::Tcvn3, encode_tcvn3 as fn(&str) -> String),
                (LegacyEncoding::Vni, encode_vni),
            ] {
                let column: Vec<String> = list.iter().map(|n| f(n)).collect();
                assert_eq!(detect_column(column.iter().map(String::as_str)), enc);
                for (name, v) in list.iter().zip(&column) {
                    assert_eq!(&dec(v, enc), name, "{enc:?} {v}");
                }
            }
        }
    }

    /// An all-capitals value whose tokens have no capital ASCII letter after their first
    /// character ("VŨ TÚ" → `Vò Tó`): TCVN3 cannot tell it from "Vũ Tú".
    fn case_lost_in_tcvn3(name: &str) -> bool {
        let encoded = encode_tcvn3(name);
        name.chars().any(char::is_lowercase).not() && !case_hint(&encoded).caps
    }

    fn full_name() -> impl Strategy<Value = String> {
        let pick = |v: &'static [refdata::NamePart]| {
            prop::sample::select(v.iter().map(|n| n.name.clone()).collect::<Vec<_>>())
        };
        let fam = prop::sample::select(
            refdata::family_names().iter().map(|n| n.name.clone()).collect::<Vec<_>>(),
        );
        (
            fam,
            prop::collection::vec(pick(refdata::middle_names()), 0..3),
            pick(refdata::given_names()),
            any::<bool>(),
        )
            .prop_map(|(f, m, g, caps)| {
                let mut s = f;
                for x in m {
                    s.push(' ');
                    s.push_str(&x);
                }
                s.push(' ');
                s.push_str(&g);
                if caps { s.to_uppercase() } else { s }
            })
    }

    /// The byte scan agrees with the char scan wherever it answers.
    fn check_scan(v: &str) {
        if let Some(fast) = scan_tokens_fast(v) {
            assert_eq!(fast, scan_tokens(v), "{v:?}");
        }
    }

    #[test]
    fn fast_token_scan_equals_char_scan() {
        for v in [
            "Nguyễn Thị Hoà",
            "Nguyeãn Vaên Phöôùc",
            "NguyÔn ThÞ Hµ",
            "Số 5, ngõ 12 phố Huế, P. Phạm Đình Hổ",
            "Œuvre šŽ ƒ Ÿ x",
            "a\u{a0}b\u{85}c\u{a1}d",
            "ĂĐĨŨƠƯ ăđĩũơư",
            "Hà Nội Chí Minh Bà Rịa",
            "a b c d e f g h i j k l à á â ã è é ê ì í ò ó ô õ ù ú ý",
        ] {
            check_scan(v);
            assert!(scan_tokens_fast(v).is_some(), "{v:?}");
        }
        // Outside the fast ranges: the char scan is used.
        for v in ["ˆ˜", "“Hà”", "x\u{2003}y", "日本", "e\u{301}"] {
            assert!(scan_tokens_fast(v).is_none(), "{v:?}");
        }
    }

    proptest! {
        #[test]
        fn fast_token_scan_agrees(
            v in prop::collection::vec(
                prop_oneof![
                    prop::char::range('\0', '\u{1C0}'),
                    prop::char::range('\u{1DF0}', '\u{1F10}'),
                    Just(' '),
                ],
                0..24,
            ),
            w in any::<String>(),
        ) {
            let v: String = v.into_iter().collect();
            check_scan(&v);
            check_scan(&w);
        }

        #[test]
        fn full_name_columns_round_trip(names in prop::collection::vec(full_name(), 8..30)) {
            for (enc, f) in [
                (LegacyEncoding::Tcvn3, encode_tcvn3 as fn(&str) -> String),
                (LegacyEncoding::Vni, encode_vni),
            ] {
                let column: Vec<String> = names.iter().map(|n| f(n)).collect();
                prop_assert_eq!(detect_column(column.iter().map(String::as_str)), enc);
                for (name, v) in names.iter().zip(&column) {
                    let got = dec(v, enc);
                    if enc == LegacyEncoding::Vni || !case_lost_in_tcvn3(name) {
                        prop_assert_eq!(&got, name);
                    } else {
                        prop_assert_eq!(got.to_lowercase(), name.to_lowercase());
                    }
                }
            }
            // Unicode columns stay Unicode and unchanged.
            prop_assert_eq!(detect_column(names.iter().map(String::as_str)), LegacyEncoding::Unicode);
            for n in &names {
                prop_assert_eq!(&dec(n, LegacyEncoding::Unicode), n);
            }
        }

        #[test]
        fn never_panics(s in any::<String>(), t in "[ -~\u{A0}-\u{FF}]{0,30}") {
            for c in s.chars() {
                let reference =
                    c.is_ascii_alphabetic() || (!c.is_ascii() && !c.is_whitespace() && !c.is_control());
                prop_assert_eq!(is_token_char(c), reference);
            }
            let mut out = String::new();
            for v in [&s, &t] {
                for enc in READINGS {
                    decode_into(v, enc, &mut out);
                    decode_strict_into(v, enc, &mut out);
                }
                decode_auto_into(v, &mut out);
            }
            let _ = detect_column([s.as_str(), t.as_str()]);
        }

        #[test]
        fn ascii_is_unchanged(s in "[ -~]{0,30}") {
            let mut out = String::new();
            for enc in READINGS {
                prop_assert_eq!(decode_into(&s, enc, &mut out), LegacyEncoding::Unicode);
                prop_assert_eq!(&out, &s);
            }
        }
    }
}
