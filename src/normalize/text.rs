//! Text normalisation used by every field: canonical form and ASCII fold.
//!
//! * [`canonical_into`] / [`canonical`]: NFC, lower case, **one** tone placement (the traditional
//!   "hòa / thủy / khỏe" convention, VIETNAMESE.md §2), `Ð`/`ð`/`Ɖ`/`ɖ` read as `đ`, runs of
//!   whitespace and control characters folded to one space, trimmed. Punctuation is kept (field
//!   parsers decide what it means), except that the apostrophe look-alikes (’ ‘ ʼ ´ ′ and the backtick) become
//!   `'`, and invisible characters (soft hyphen U+00AD, zero-width space/joiners U+200B–U+200D,
//!   word joiner U+2060, BOM U+FEFF) are removed.
//! * [`fold_into`] / [`fold`]: the same text with every diacritic removed and `đ`→`d`: Vietnamese
//!   (and all Latin) text becomes ASCII. Letters of other scripts are lower-cased and lose their
//!   combining marks but are not transliterated.
//!
//! Invariants (property-tested): both functions give the same output for NFC, NFD, mixed
//! (Windows-1258-style base + combining tone) input and for both tone conventions; both are
//! idempotent; `fold(x) == fold(&canonical(x))`; neither panics on any input.
//!
//! Tone placement (§2, exact): inside each syllable (maximal run of letters) the single tone mark
//! is moved to its canonical vowel: after the onset (`qu`, and `gi` before another vowel, count as
//! consonants) the nucleus is the run of vowels; the tone goes on the vowel with a quality mark
//! (the last one, ơ, for ươ); else on the only vowel; else, before a coda, on the last vowel; else
//! on the middle of three vowels; else on the first of two (`hòa`, `khỏe`, `thủy`, `mái`, `múa`).
//! Runs that are not one Vietnamese syllable (another vowel after the coda, a letter outside the
//! Vietnamese alphabet, more than one tone mark, more than 8 letters) are left as they are.
//!
//! Speed (DEPENDENCIES.md Q3): ASCII input is one lower-casing copy; other input goes through a
//! 0x2000-entry table (built once) that gives, for every code point below U+2000, its ASCII fold,
//! its Vietnamese vowel and tone and whether it is a space, an invisible character or an apostrophe.
//! NFC is only computed when the input is not already NFC (`is_nfc_quick`, after a cheaper range
//! test). Nothing is allocated beyond the output buffer.
//!
//! Helpers for the name and legacy modules: [`words`] (letter runs joined by inner apostrophes),
//! [`syllables`], [`split_tone_into`] (the convention-free key: toneless syllable + [`Tone`]) and
//! [`is_vietnamese_syllable`] (a phonotactic plausibility test).

use std::sync::OnceLock;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The six Vietnamese tones (thanh điệu), in the order of the Vietnamese alphabet's tradition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(u8)]
pub enum Tone {
    /// Thanh ngang: no mark ("a").
    #[default]
    Ngang = 0,
    /// Thanh huyền: grave, U+0300 ("à").
    Huyen = 1,
    /// Thanh sắc: acute, U+0301 ("á").
    Sac = 2,
    /// Thanh hỏi: hook above, U+0309 ("ả").
    Hoi = 3,
    /// Thanh ngã: tilde, U+0303 ("ã").
    Nga = 4,
    /// Thanh nặng: dot below, U+0323 ("ạ").
    Nang = 5,
}

impl Tone {
    const ALL: [Tone; 6] = [Tone::Ngang, Tone::Huyen, Tone::Sac, Tone::Hoi, Tone::Nga, Tone::Nang];

    fn from_u8(v: u8) -> Tone {
        Tone::ALL.get(usize::from(v)).copied().unwrap_or(Tone::Ngang)
    }

    /// The combining mark of this tone, `None` for [`Tone::Ngang`].
    pub fn mark(self) -> Option<char> {
        match self {
            Tone::Ngang => None,
            Tone::Huyen => Some('\u{300}'),
            Tone::Sac => Some('\u{301}'),
            Tone::Hoi => Some('\u{309}'),
            Tone::Nga => Some('\u{303}'),
            Tone::Nang => Some('\u{323}'),
        }
    }
}

// Letter codes used inside a syllable: 1..=12 are the Vietnamese vowels (with their quality
// mark, without tone), `D_BAR` is đ, and an ASCII consonant is its own lower-case byte (≥ b'b').
pub(crate) const V_A: u8 = 1;
pub(crate) const V_AW: u8 = 2; // ă
pub(crate) const V_AA: u8 = 3; // â
pub(crate) const V_E: u8 = 4;
pub(crate) const V_EE: u8 = 5; // ê
pub(crate) const V_I: u8 = 6;
pub(crate) const V_O: u8 = 7;
pub(crate) const V_OO: u8 = 8; // ô
pub(crate) const V_OW: u8 = 9; // ơ
pub(crate) const V_U: u8 = 10;
pub(crate) const V_UW: u8 = 11; // ư
pub(crate) const V_Y: u8 = 12;
pub(crate) const D_BAR: u8 = 13; // đ

/// Toneless lower-case vowels, indexed by code - 1.
const VOWEL_BASES: [&str; 12] = [
    "a", "a\u{306}", "a\u{302}", "e", "e\u{302}", "i", "o", "o\u{302}", "o\u{31B}", "u",
    "u\u{31B}", "y",
];

pub(crate) fn is_vowel_code(code: u8) -> bool {
    (V_A..=V_Y).contains(&code)
}

fn has_quality(code: u8) -> bool {
    matches!(code, V_AW | V_AA | V_EE | V_OO | V_OW | V_UW)
}

fn ascii_vowel_code(b: u8) -> u8 {
    match b {
        b'a' => V_A,
        b'e' => V_E,
        b'i' => V_I,
        b'o' => V_O,
        b'u' => V_U,
        b'y' => V_Y,
        _ => 0,
    }
}

const KIND_OTHER: u8 = 0;
const KIND_SPACE: u8 = 1;
const KIND_DROP: u8 = 2;
const KIND_APOS: u8 = 3;

/// `Entry::fold` value: no ASCII fold; lower-case (and decompose) at run time.
const FOLD_SLOW: u8 = 0xFF;
/// `Entry::fold` value: the character disappears in the fold (a combining mark).
const FOLD_DROP: u8 = 0;

#[derive(Clone, Copy, Default)]
struct Entry {
    /// ASCII lower-case fold, `FOLD_DROP` or `FOLD_SLOW`.
    fold: u8,
    /// Vietnamese letter code (`V_*`, `D_BAR`), 0 when not a Vietnamese non-ASCII letter.
    code: u8,
    /// Tone of a Vietnamese vowel.
    tone: u8,
    /// `KIND_*`.
    kind: u8,
    /// `FLAG_*`.
    flags: u8,
}

/// `Entry::flags`: `char::is_alphabetic`.
const FLAG_ALPHA: u8 = 1;
/// `Entry::flags`: a combining mark.
const FLAG_MARK: u8 = 2;

struct Tables {
    entries: Vec<Entry>,
    /// Nucleus class (`NUC_*`, 0 = invalid) by [`nucleus_index`].
    nuclei: Vec<u8>,
    /// `ONSETS` and `CODAS`, sorted.
    onsets: Vec<u32>,
    codas: Vec<u32>,
    /// `compose[code - 1][tone]`: the NFC lower-case vowel.
    compose: [[char; 6]; 12],
}

const TABLE_LEN: usize = 0x2000;

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

fn is_apostrophe_like(c: char) -> bool {
    matches!(c, '\'' | '`' | '\u{B4}' | '\u{2BC}' | '\u{2018}' | '\u{2019}' | '\u{2032}')
}

fn is_d_bar(c: char) -> bool {
    matches!(c, 'đ' | 'Đ' | 'Ð' | 'ð' | 'Ɖ' | 'ɖ')
}

fn tone_of_mark(m: char) -> Option<u8> {
    match m {
        '\u{300}' => Some(1),
        '\u{301}' => Some(2),
        '\u{309}' => Some(3),
        '\u{303}' => Some(4),
        '\u{323}' => Some(5),
        _ => None,
    }
}

fn vowel_code_of(base: char, quality: Option<char>) -> u8 {
    match (base, quality) {
        ('a', None) => V_A,
        ('a', Some('\u{306}')) => V_AW,
        ('a', Some('\u{302}')) => V_AA,
        ('e', None) => V_E,
        ('e', Some('\u{302}')) => V_EE,
        ('i', None) => V_I,
        ('o', None) => V_O,
        ('o', Some('\u{302}')) => V_OO,
        ('o', Some('\u{31B}')) => V_OW,
        ('u', None) => V_U,
        ('u', Some('\u{31B}')) => V_UW,
        ('y', None) => V_Y,
        _ => 0,
    }
}

fn build_entry(c: char) -> Entry {
    let mut e = Entry::default();
    if c.is_alphabetic() {
        e.flags |= FLAG_ALPHA;
    }
    if is_combining_mark(c) {
        e.flags |= FLAG_MARK;
    }
    if c.is_whitespace() || c.is_control() {
        e.kind = KIND_SPACE;
    } else if is_invisible(c) {
        e.kind = KIND_DROP;
    } else if is_apostrophe_like(c) {
        e.kind = KIND_APOS;
    }
    let mut parts = [None::<char>; 4];
    let mut n = 0usize;
    decompose_canonical(c, |d| {
        if let Some(slot) = parts.get_mut(n) {
            *slot = Some(d);
        }
        n += 1;
    });
    let base = parts[0].unwrap_or(c);
    e.fold = if is_d_bar(c) {
        b'd'
    } else if is_combining_mark(c) {
        FOLD_DROP
    } else if base.is_ascii_alphabetic()
        && parts[1..].iter().flatten().all(|&m| is_combining_mark(m))
    {
        base.to_ascii_lowercase() as u8
    } else {
        FOLD_SLOW
    };
    if is_d_bar(c) {
        e.code = D_BAR;
    } else if n <= 3 && !c.is_ascii() {
        let lower = base.to_ascii_lowercase();
        let mut quality = None;
        let mut tone = 0u8;
        let mut ok = true;
        for &m in parts[1..n.min(4)].iter().flatten() {
            if let Some(t) = tone_of_mark(m) {
                ok &= tone == 0;
                tone = t;
            } else if quality.is_none() {
                quality = Some(m);
            } else {
                ok = false;
            }
        }
        let code = vowel_code_of(lower, quality);
        if ok && code != 0 {
            e.code = code;
            e.tone = tone;
        }
    }
    e
}

fn tables() -> &'static Tables {
    static CELL: OnceLock<Tables> = OnceLock::new();
    CELL.get_or_init(|| {
        let entries = (0..TABLE_LEN as u32)
            .map(|cp| char::from_u32(cp).map(build_entry).unwrap_or_default())
            .collect();
        let mut compose = [['\0'; 6]; 12];
        for (code, base) in VOWEL_BASES.iter().enumerate() {
            for (tone, t) in Tone::ALL.iter().enumerate() {
                let mut s = String::from(*base);
                s.extend(t.mark());
                compose[code][tone] = s.nfc().next().unwrap_or('\u{FFFD}');
            }
        }
        let sorted = |v: &[u32]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v
        };
        Tables {
            entries,
            nuclei: build_nuclei(),
            onsets: sorted(&ONSETS),
            codas: sorted(&CODAS),
            compose,
        }
    })
}

impl Tables {
    fn entry(&self, c: char) -> Option<Entry> {
        self.entries.get(c as usize).copied()
    }

    fn letter(&self, c: char) -> Option<(u8, u8)> {
        if c.is_ascii_alphabetic() {
            let b = c.to_ascii_lowercase() as u8;
            let v = ascii_vowel_code(b);
            return Some(if v == 0 { (b, 0) } else { (v, 0) });
        }
        let e = self.entry(c)?;
        (e.code != 0).then_some((e.code, e.tone))
    }

    fn vowel(&self, code: u8, tone: u8) -> char {
        self.compose
            .get(usize::from(code).wrapping_sub(1))
            .and_then(|row| row.get(usize::from(tone)))
            .copied()
            .unwrap_or('\u{FFFD}')
    }
}

/// Lower-case Vietnamese letter code and tone of `c`, if it is a letter of the Vietnamese alphabet
/// (ASCII letters included; `Ð`/`ð`/`Ɖ`/`ɖ` count as đ). Consonants have tone 0.
pub(crate) fn letter_code(c: char) -> Option<(u8, u8)> {
    tables().letter(c)
}

/// Tone carried by `c`: a precomposed Vietnamese vowel or a combining tone mark (including the
/// deprecated U+0340/U+0341). 0 for everything else.
pub(crate) fn tone_of_char(c: char) -> u8 {
    match c {
        '\u{340}' => 1,
        '\u{341}' => 2,
        '\u{300}'..='\u{36F}' => tone_of_mark(c).unwrap_or(0),
        _ => letter_code(c).map_or(0, |(_, t)| t),
    }
}

/// Whether the string is NFC, by a range test (every char below U+0300 or in Latin Extended
/// Additional) and else `is_nfc_quick`.
pub(crate) fn is_nfc_fast(s: &str) -> bool {
    // In UTF-8, lead bytes 0xC2..=0xCB are U+0080..=U+02FF, and 0xE1 0xB8..=0xBB is
    // U+1E00..=U+1EFF.
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        i += match x {
            0..=0x7F => 1,
            0xC2..=0xCB => 2,
            0xE1 if matches!(b.get(i + 1), Some(0xB8..=0xBB)) => 3,
            _ => return is_nfc_quick(s.chars()) == IsNormalized::Yes,
        };
    }
    true
}

/// Whether `c` is alphabetic (`char::is_alphabetic`, table-driven below U+2000).
pub(crate) fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    match tables().entry(c) {
        Some(e) => e.flags & FLAG_ALPHA != 0,
        None => c.is_alphabetic(),
    }
}

/// ASCII path shared by [`canonical_into`] and [`fold_into`].
fn ascii_into(input: &str, out: &mut String) {
    out.reserve(input.len());
    let mut pending_space = false;
    for &b in input.as_bytes() {
        if b.is_ascii_whitespace() || b.is_ascii_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(if b == b'`' { '\'' } else { char::from(b.to_ascii_lowercase()) });
    }
}

/// Maximal number of letters of a syllable whose tone is placed.
const MAX_SYL: usize = 8;

/// Canonical tone position inside a syllable given as letter codes, per VIETNAMESE.md §2.
fn tone_target(l: &[u8]) -> Option<usize> {
    let n = l.len();
    let is_v = |i: usize| l.get(i).is_some_and(|&c| is_vowel_code(c));
    let mut i = 0;
    while i < n && !is_v(i) {
        i += 1;
    }
    if i == n {
        return None;
    }
    // `qu` and `gi` (before another vowel) are onsets.
    if i == 1 && is_v(2) && ((l[0] == b'q' && l[1] == V_U) || (l[0] == b'g' && l[1] == V_I)) {
        i = 2;
    }
    let start = i;
    while i < n && is_v(i) {
        i += 1;
    }
    let end = i;
    if l[end..].iter().any(|&c| is_vowel_code(c)) {
        return None; // more than one syllable
    }
    if let Some(q) = (start..end).rev().find(|&j| has_quality(l[j])) {
        return Some(q);
    }
    match end - start {
        1 => Some(start),
        _ if end < n => Some(end - 1),
        3 => Some(start + 1),
        2 => Some(start),
        _ => None,
    }
}

/// Rewrites the syllable `letters` written at `out[start..]` with its tone on the canonical
/// vowel, if it is not there already.
fn place_tone(
    t: &Tables,
    out: &mut String,
    start: usize,
    letters: &[u8],
    tone: u8,
    tone_pos: usize,
) -> bool {
    let Some(target) = tone_target(letters) else { return false };
    if target == tone_pos {
        return false;
    }
    out.truncate(start);
    for (i, &code) in letters.iter().enumerate() {
        if is_vowel_code(code) {
            out.push(t.vowel(code, if i == target { tone } else { 0 }));
        } else if code == D_BAR {
            out.push('đ');
        } else {
            out.push(char::from(code));
        }
    }
    true
}

/// Character classes of the canonical pass.
enum Class {
    /// A letter of the Vietnamese alphabet: code and tone.
    Viet(u8, u8),
    /// Another letter or a combining mark.
    Foreign,
    Space,
    Drop,
    Apostrophe,
    Other,
}

// Inlined by force: out of line it cost about 25 instructions per char of call overhead in the
// canonical pass (callgrind).
#[allow(clippy::inline_always)]
#[inline(always)]
fn classify(t: &Tables, c: char) -> Class {
    if c.is_ascii() {
        let b = c as u8;
        return if b.is_ascii_alphabetic() {
            let b = b.to_ascii_lowercase();
            let v = ascii_vowel_code(b);
            Class::Viet(if v == 0 { b } else { v }, 0)
        } else if b.is_ascii_whitespace() || b.is_ascii_control() {
            Class::Space
        } else if b == b'`' {
            Class::Apostrophe
        } else {
            Class::Other
        };
    }
    match t.entries.get(c as usize) {
        Some(e) => match e.kind {
            KIND_SPACE => Class::Space,
            KIND_DROP => Class::Drop,
            KIND_APOS => Class::Apostrophe,
            _ if e.code != 0 => Class::Viet(e.code, e.tone),
            _ if e.flags & (FLAG_ALPHA | FLAG_MARK) != 0 => Class::Foreign,
            _ => Class::Other,
        },
        None if c.is_whitespace() => Class::Space,
        None if is_invisible(c) => Class::Drop,
        None if is_apostrophe_like(c) => Class::Apostrophe,
        None if c.is_alphabetic() || is_combining_mark(c) => Class::Foreign,
        None => Class::Other,
    }
}

/// What the canonical pass reports besides the canonical text: every char it writes, and the
/// syllables whose tone it moved. [`NoSink`] for [`canonical_into`]; [`FoldSink`] for
/// [`canonical_fold_into`], which derives the ASCII fold and the char offsets in the same pass.
trait Sink {
    /// `c` was written at byte `at` of the canonical text; `ascii` is its fold when it is a
    /// Vietnamese letter or a space (known without a table look-up).
    fn push(&mut self, at: usize, c: char, ascii: Option<u8>);
    /// The `n` chars written from byte `start` on were rewritten (same chars, other lengths).
    fn rewritten(&mut self, out: &str, start: usize, n: usize);
}

/// A sink that records nothing.
struct NoSink;

impl Sink for NoSink {
    #[inline(always)]
    fn push(&mut self, _: usize, _: char, _: Option<u8>) {}
    #[inline(always)]
    fn rewritten(&mut self, _: &str, _: usize, _: usize) {}
}

/// A sink that only notes whether a tone mark was moved.
struct ToneSink {
    moved: bool,
}

impl Sink for ToneSink {
    #[inline]
    fn push(&mut self, _: usize, _: char, _: Option<u8>) {}
    #[inline]
    fn rewritten(&mut self, _: &str, _: usize, _: usize) {
        self.moved = true;
    }
}

/// Builds `fold_into(canonical)` and the byte offset of every canonical char while the
/// canonical text is written.
struct FoldSink<'a> {
    offsets: &'a mut Vec<u32>,
    fold: &'a mut String,
    fold_chars: usize,
    pending_space: bool,
}

impl FoldSink<'_> {
    // Forced like the steps of the canonical pass (see `Canon`): left out of line otherwise.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn emit(&mut self, f: char) {
        if f == ' ' {
            self.pending_space = !self.fold.is_empty();
        } else {
            if self.pending_space {
                self.fold.push(' ');
                self.fold_chars += 1;
                self.pending_space = false;
            }
            self.fold.push(f);
            self.fold_chars += 1;
        }
    }
}

impl Sink for FoldSink<'_> {
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn push(&mut self, at: usize, c: char, ascii: Option<u8>) {
        self.offsets.push(at as u32);
        match ascii {
            Some(b) => self.emit(char::from(b)),
            None => fold_char(c, |f| self.emit(f)),
        }
    }

    fn rewritten(&mut self, out: &str, start: usize, n: usize) {
        let keep = self.offsets.len().saturating_sub(n);
        self.offsets.truncate(keep);
        for (i, _) in out.get(start..).unwrap_or_default().char_indices() {
            self.offsets.push((start + i) as u32);
        }
    }
}

/// The ASCII fold of a letter code of the canonical pass (`ơ` → `o`, `đ` → `d`).
fn code_fold(code: u8) -> u8 {
    match code {
        V_A | V_AW | V_AA => b'a',
        V_E | V_EE => b'e',
        V_I => b'i',
        V_O | V_OO | V_OW => b'o',
        V_U | V_UW => b'u',
        V_Y => b'y',
        D_BAR => b'd',
        c => c,
    }
}

/// One step of the input of the canonical pass.
enum Step {
    /// An ASCII letter, already lower-cased: handled without classifying a char.
    Ascii(u8),
    /// Any other char, with its class.
    Char(Class, char),
}

/// The input of [`canonical_pass`]: NFC chars ([`NfcChars`]) or NFC text read byte by byte
/// ([`NfcBytes`]).
trait CanonInput {
    /// The next step, `None` at the end.
    fn next_step(&mut self, t: &Tables) -> Option<Step>;
}

/// NFC chars from any iterator (the output of `nfc()`), each classified.
struct NfcChars<I>(I);

impl<I: Iterator<Item = char>> CanonInput for NfcChars<I> {
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn next_step(&mut self, t: &Tables) -> Option<Step> {
        self.0.next().map(|c| Step::Char(classify(t, c), c))
    }
}

/// Text known to be NFC, read as bytes: ASCII bytes are handled without decoding or classifying
/// a char.
struct NfcBytes<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl CanonInput for NfcBytes<'_> {
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn next_step(&mut self, t: &Tables) -> Option<Step> {
        let &byte = self.bytes.get(self.pos)?;
        if byte < 0x80 {
            self.pos += 1;
            let c = char::from(byte);
            return Some(match ASCII_CANON[usize::from(byte)] {
                // An ASCII letter: its own lower case, and its own fold.
                1 => Step::Ascii(byte | 0x20),
                2 => Step::Char(Class::Space, c),
                3 => Step::Char(Class::Apostrophe, c),
                _ => Step::Char(Class::Other, c),
            });
        }
        let (c, width) = decode_at(self.bytes, self.pos);
        self.pos += width;
        Some(Step::Char(classify(t, c), c))
    }
}

/// The writer of the canonical pass: the canonical text, its sink, the space owed before the
/// next char and the letter run being written.
struct Canon<'o, S> {
    out: &'o mut String,
    sink: &'o mut S,
    pending_space: bool,
    /// Where the run starts in `out`.
    start: usize,
    /// Its letter codes (while it may be a Vietnamese syllable).
    letters: [u8; MAX_SYL],
    /// Its length in chars.
    n: usize,
    /// Whether it may still be a Vietnamese syllable.
    viet: bool,
    /// Its tone marks: how many, the last one, and its letter.
    tones: u8,
    tone: u8,
    tone_pos: usize,
    /// Vowels of the run: with a single vowel, the (only) tone mark is on it, which is its
    /// canonical place, so `place_tone` need not be asked.
    vowels: u8,
}

// `inline(always)` on the steps of the canonical pass: out of line (`#[inline]` was not enough
// for `next_step` and `letter`) the pass cost 12% (names) to 19% (addresses) more instructions
// (callgrind, `VNLINK_BENCH_PASSES`), like `classify`.
impl<S: Sink> Canon<'_, S> {
    /// Writes `c` (and reports it to the sink, `ascii` being its fold when known).
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn put(&mut self, c: char, ascii: Option<u8>) {
        self.sink.push(self.out.len(), c, ascii);
        self.out.push(c);
    }

    /// Writes the space owed before a char, if any.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn space(&mut self) {
        if self.pending_space {
            self.put(' ', Some(b' '));
            self.pending_space = false;
        }
    }

    /// Writes a letter of the Vietnamese alphabet, `code` (tone `tone`), as `ch`, folding to
    /// `fold`.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn letter(&mut self, code: u8, tone: u8, ch: char, fold: u8) {
        self.space();
        if self.n == 0 {
            self.start = self.out.len();
        }
        self.put(ch, Some(fold));
        self.vowels = self.vowels.saturating_add(u8::from(is_vowel_code(code)));
        if tone != 0 {
            self.tones = self.tones.saturating_add(1);
            self.tone = tone;
            self.tone_pos = self.n;
        }
        match self.letters.get_mut(self.n) {
            Some(l) => *l = code,
            None => self.viet = false,
        }
        self.n += 1;
    }

    /// Ends the letter run: moves its tone mark to the canonical vowel if needed.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn end_run(&mut self, t: &Tables) {
        if self.n > 0
            && self.viet
            && self.tones == 1
            && self.vowels > 1
            && place_tone(
                t,
                self.out,
                self.start,
                &self.letters[..self.n],
                self.tone,
                self.tone_pos,
            )
        {
            self.sink.rewritten(self.out, self.start, self.n);
        }
        (self.n, self.viet, self.tones, self.vowels) = (0, true, 0, 0);
    }
}

/// The canonical pass (see [`canonical_into`]) over NFC input, `chars` or `bytes`
/// ([`canonical_chars`], [`canonical_str`]). Returns whether a combining mark was written (it
/// may compose with a base that was lower-cased).
fn canonical_pass<S: Sink>(
    t: &Tables,
    mut input: impl CanonInput,
    out: &mut String,
    sink: &mut S,
) -> bool {
    let mut w = Canon {
        out,
        sink,
        pending_space: false,
        start: 0,
        letters: [0; MAX_SYL],
        n: 0,
        viet: true,
        tones: 0,
        tone: 0,
        tone_pos: 0,
        vowels: 0,
    };
    let mut marks = false;
    while let Some(step) = input.next_step(t) {
        let (class, c) = match step {
            Step::Ascii(lower) => {
                // `& 0x7F` changes nothing (an ASCII letter) but tells the compiler that the
                // char is one byte of UTF-8.
                let lower = lower & 0x7F;
                let vowel = ascii_vowel_code(lower);
                w.letter(if vowel == 0 { lower } else { vowel }, 0, char::from(lower), lower);
                continue;
            }
            Step::Char(class, c) => (class, c),
        };
        match class {
            Class::Viet(code, tn) => {
                let ch = if is_vowel_code(code) {
                    t.vowel(code, tn)
                } else if code == D_BAR {
                    'đ'
                } else {
                    char::from(code)
                };
                w.letter(code, tn, ch, code_fold(code));
            }
            Class::Foreign => {
                w.space();
                for l in c.to_lowercase() {
                    marks |= is_combining_mark(l);
                    w.put(l, None);
                }
                w.viet = false;
                w.n += 1;
            }
            Class::Drop => {}
            class => {
                w.end_run(t);
                if matches!(class, Class::Space) {
                    w.pending_space = !w.out.is_empty();
                } else {
                    w.space();
                    if matches!(class, Class::Apostrophe) {
                        w.put('\'', Some(b'\''));
                    } else if c.is_ascii() {
                        // Digits and punctuation: their own fold.
                        let l = c.to_ascii_lowercase();
                        w.put(l, Some(l as u8));
                    } else {
                        for l in c.to_lowercase() {
                            w.put(l, None);
                        }
                    }
                }
            }
        }
    }
    w.end_run(t);
    marks
}

/// The canonical pass over NFC characters (see [`canonical_into`]).
fn canonical_chars<S: Sink>(
    t: &Tables,
    chars: impl Iterator<Item = char>,
    out: &mut String,
    sink: &mut S,
) -> bool {
    canonical_pass(t, NfcChars(chars), out, sink)
}

/// Byte classes of ASCII for [`NfcBytes`]: 0 other (digits, punctuation), 1 letter,
/// 2 space or control, 3 the backtick (an apostrophe).
const ASCII_CANON: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            1
        } else if c.is_ascii_whitespace() || c.is_ascii_control() {
            2
        } else if c == b'`' {
            3
        } else {
            0
        };
        b += 1;
    }
    t
};

/// The char starting at byte `i` of `b` (valid UTF-8, `b[i]` not ASCII) and its length.
#[inline]
fn decode_at(b: &[u8], i: usize) -> (char, usize) {
    let x = u32::from(b[i]);
    let cont = |k: usize| u32::from(b.get(i + k).copied().unwrap_or(0x80) & 0x3F);
    let (cp, w) = if x < 0xE0 {
        (((x & 0x1F) << 6) | cont(1), 2)
    } else if x < 0xF0 {
        (((x & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (((x & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3), 4)
    };
    (char::from_u32(cp).unwrap_or('\u{FFFD}'), w)
}

/// [`canonical_chars`] over NFC text given as bytes: the same output (property-tested), with
/// ASCII bytes handled without decoding or classifying a char.
fn canonical_str<S: Sink>(t: &Tables, input: &str, out: &mut String, sink: &mut S) -> bool {
    canonical_pass(t, NfcBytes { bytes: input.as_bytes(), pos: 0 }, out, sink)
}

/// Writes the canonical form of `input` into `out` (cleared first): NFC, lower case, traditional
/// tone placement, `Ð`/`ð`/`Ɖ`→`đ`, one space between words, apostrophes unified, invisible
/// characters removed, punctuation kept.
///
/// ```
/// use vnlink::normalize::text::canonical_into;
/// let mut s = String::new();
/// canonical_into("  NGUYỄN  Thị   Hoà ", &mut s);
/// assert_eq!(s, "nguyễn thị hòa");
/// canonical_into("THUÝ KHOẺ", &mut s);
/// assert_eq!(s, "thúy khỏe");
/// ```
pub fn canonical_into(input: &str, out: &mut String) {
    out.clear();
    if input.is_ascii() {
        ascii_into(input, out);
        return;
    }
    out.reserve(input.len());
    let marks = if is_nfc_fast(input) {
        canonical_str(tables(), input, out, &mut NoSink)
    } else {
        canonical_chars(tables(), input.nfc(), out, &mut NoSink)
    };
    if marks {
        recompose(out);
    }
}

/// [`canonical_into`] for input known to be NFC (skips the NFC check). Returns whether a tone
/// mark was moved to its canonical vowel (the text then differs by more than case and spacing).
pub(crate) fn canonical_nfc_into(input: &str, out: &mut String) -> bool {
    out.clear();
    if input.is_ascii() {
        ascii_into(input, out);
        return false;
    }
    out.reserve(input.len());
    let mut sink = ToneSink { moved: false };
    if canonical_str(tables(), input, out, &mut sink) {
        recompose(out);
    }
    sink.moved
}

/// Lower-casing a base can make it composable with a mark after it (`Y\u{30A}` → `ẙ`):
/// recomposes the canonical text so that it stays NFC.
fn recompose(out: &mut String) {
    if !unicode_normalization::is_nfc(out) {
        *out = out.nfc().collect();
    }
}

/// The canonical form of `input` (see [`canonical_into`]).
pub fn canonical(input: &str) -> String {
    let mut s = String::with_capacity(input.len());
    canonical_into(input, &mut s);
    s
}

/// [`canonical_into`] and [`fold_into`] in one pass over non-ASCII input: writes the canonical
/// form into `canon`, the byte offset of each of its chars (plus its length) into `offsets`,
/// and its fold into `fold` (all cleared first); returns the number of chars of `fold`.
///
/// The fold is derived from the canonical chars as they are written, which gives
/// `fold(canonical(x))`, equal to `fold(x)` (a property-tested invariant); a Vietnamese letter
/// folds by its letter code, without a table look-up. For ASCII input the two forms are the
/// same string: call [`fold_into`] alone.
pub(crate) fn canonical_fold_into(
    input: &str,
    canon: &mut String,
    offsets: &mut Vec<u32>,
    fold: &mut String,
) -> usize {
    canon.clear();
    offsets.clear();
    fold.clear();
    canon.reserve(input.len());
    fold.reserve(input.len());
    let mut sink = FoldSink { offsets, fold, fold_chars: 0, pending_space: false };
    let marks = if is_nfc_fast(input) {
        canonical_str(tables(), input, canon, &mut sink)
    } else {
        canonical_chars(tables(), input.nfc(), canon, &mut sink)
    };
    let fold_chars = sink.fold_chars;
    if marks && !unicode_normalization::is_nfc(canon) {
        // Recomposed (see `recompose`): the fold is the same, the char offsets are not.
        *canon = canon.nfc().collect();
        offsets.clear();
        offsets.extend(canon.char_indices().map(|(i, _)| i as u32));
    }
    offsets.push(canon.len() as u32);
    fold_chars
}

/// Emits the fold of one character that is already fully decomposed (or has no decomposition).
fn fold_decomposed(t: &Tables, d: char, emit: &mut impl FnMut(char)) {
    match t.entry(d) {
        Some(e) => match e.kind {
            KIND_SPACE => emit(' '),
            KIND_DROP => {}
            KIND_APOS => emit('\''),
            _ if e.fold == FOLD_DROP => {}
            _ if e.fold != FOLD_SLOW => emit(char::from(e.fold)),
            _ => d.to_lowercase().for_each(emit),
        },
        None if d.is_whitespace() => emit(' '),
        None if is_invisible(d) || is_combining_mark(d) => {}
        None if is_apostrophe_like(d) => emit('\''),
        None => d.to_lowercase().for_each(emit),
    }
}

/// Calls `emit` with the folded form of `c` (possibly nothing). Whitespace and apostrophes are
/// emitted as `' '` and `'\''`; the caller collapses spaces.
pub(crate) fn fold_char(c: char, mut emit: impl FnMut(char)) {
    if c.is_ascii() {
        let b = c as u8;
        if b.is_ascii_whitespace() || b.is_ascii_control() {
            emit(' ');
        } else if b == b'`' {
            emit('\'');
        } else {
            emit(char::from(b.to_ascii_lowercase()));
        }
        return;
    }
    let t = tables();
    match t.entry(c) {
        Some(e) if e.kind != KIND_OTHER || e.fold != FOLD_SLOW => fold_decomposed(t, c, &mut emit),
        _ => decompose_canonical(c, |d| fold_decomposed(t, d, &mut emit)),
    }
}

/// Writes the ASCII fold of `input` into `out` (cleared first): the canonical form without
/// diacritics, `đ`→`d`.
///
/// ```
/// use vnlink::normalize::text::fold_into;
/// let mut s = String::new();
/// fold_into(" Ðặng  Thị Hoà ", &mut s);
/// assert_eq!(s, "dang thi hoa");
/// ```
pub fn fold_into(input: &str, out: &mut String) {
    out.clear();
    if input.is_ascii() {
        ascii_into(input, out);
        return;
    }
    out.reserve(input.len());
    let mut pending_space = false;
    for c in input.chars() {
        fold_char(c, |f| {
            if f == ' ' {
                pending_space = !out.is_empty();
            } else {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(f);
            }
        });
    }
}

/// The ASCII fold of `input` (see [`fold_into`]).
pub fn fold(input: &str) -> String {
    let mut s = String::with_capacity(input.len());
    fold_into(input, &mut s);
    s
}

/// Splits one syllable into its toneless form and its tone: the convention-free key of §2
/// (`hòa` and `hoà` both give `("hoa", Tone::Huyen)`).
///
/// `toneless` is cleared, then receives the lower-case NFC syllable without tone mark (quality
/// marks and `đ` kept). Accepts NFC, NFD or mixed input. When several tone marks are present (not a
/// Vietnamese syllable) all are removed and the first is returned.
///
/// ```
/// use vnlink::normalize::text::{split_tone_into, Tone};
/// let mut s = String::new();
/// assert_eq!(split_tone_into("Hoà", &mut s), Tone::Huyen);
/// assert_eq!(s, "hoa");
/// assert_eq!(split_tone_into("người", &mut s), Tone::Huyen);
/// assert_eq!(s, "ngươi");
/// ```
pub fn split_tone_into(syllable: &str, toneless: &mut String) -> Tone {
    toneless.clear();
    let t = tables();
    let mut tone = 0u8;
    let mut each = |c: char| match letter_code(c) {
        Some((code, tn)) => {
            if tn != 0 && tone == 0 {
                tone = tn;
            }
            if is_vowel_code(code) {
                toneless.push(t.vowel(code, 0));
            } else if code == D_BAR {
                toneless.push('đ');
            } else {
                toneless.push(char::from(code));
            }
        }
        None => toneless.extend(c.to_lowercase()),
    };
    if is_nfc_fast(syllable) {
        syllable.chars().for_each(&mut each);
    } else {
        syllable.nfc().for_each(&mut each);
    }
    Tone::from_u8(tone)
}

/// A convention-free, case-insensitive hash of a syllable (toneless letters + tone), for lexicon
/// look-ups. `None` when the text has a character outside the Vietnamese alphabet. Input must be
/// NFC (legacy decoders and the canonical form produce NFC).
pub(crate) fn syllable_hash(s: &str) -> Option<u64> {
    // FNV-1a over the letter codes, then the tone.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut tone = 0u8;
    let mut any = false;
    for c in s.chars() {
        let (code, tn) = letter_code(c)?;
        if tn != 0 {
            if tone != 0 {
                return None;
            }
            tone = tn;
        }
        h = (h ^ u64::from(code)).wrapping_mul(0x0100_0000_01b3);
        any = true;
    }
    any.then(|| (h ^ (0x100 | u64::from(tone))).wrapping_mul(0x0100_0000_01b3))
}

/// Whether `c` belongs to a word: a letter or a combining mark.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    match tables().entry(c) {
        Some(e) => e.flags & (FLAG_ALPHA | FLAG_MARK) != 0,
        None => c.is_alphabetic() || is_combining_mark(c),
    }
}

/// Whether `c` splits a run of non-space characters into two [`words`] although legacy decoding
/// reads the run as one token: a non-ASCII symbol (or U+FFFD) that is not a letter, a mark, an
/// apostrophe, an invisible character, a space or a control character.
pub(crate) fn splits_words(c: char) -> bool {
    !c.is_ascii()
        && !c.is_whitespace()
        && !c.is_control()
        && !is_word_char(c)
        && !is_apostrophe_like(c)
        && !is_invisible(c)
}

/// Iterator over the words of a text; see [`words`].
#[derive(Clone, Debug)]
pub struct Words<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.rest;
        let bytes = text.as_bytes();
        // Start: the first alphabetic character.
        let mut pos = 0;
        loop {
            let &byte = bytes.get(pos)?;
            if byte.is_ascii() {
                if byte.is_ascii_alphabetic() {
                    break;
                }
                pos += 1;
            } else {
                let ch = text[pos..].chars().next()?;
                if is_alpha(ch) {
                    break;
                }
                pos += ch.len_utf8();
            }
        }
        let start = pos;
        let mut end = pos;
        // Extend over word characters and single inner apostrophes.
        while let Some(&byte) = bytes.get(pos) {
            let (word, len) = if byte.is_ascii() {
                (byte.is_ascii_alphabetic(), 1)
            } else {
                let ch = text[pos..].chars().next().unwrap_or(' ');
                (is_word_char(ch), ch.len_utf8())
            };
            if word {
                pos += len;
                end = pos;
            } else if byte == b'\'' && end == pos && next_is_word(&text[pos + 1..]) {
                pos += 1;
            } else {
                break;
            }
        }
        self.rest = &text[end..];
        Some(&text[start..end])
    }
}

fn next_is_word(s: &str) -> bool {
    s.chars().next().is_some_and(is_word_char)
}

/// The words of `text`: maximal runs of letters (and combining marks after a letter), where a
/// single apostrophe
/// between two letters joins the runs (`h'hen`, Êđê/Jarai names; VIETNAMESE.md §4: the apostrophe is
/// a removable separator). Digits and other punctuation separate words and are not returned.
///
/// ```
/// use vnlink::normalize::text::words;
/// let w: Vec<&str> = words("h'hen niê, y-moan 12 ênuôl'").collect();
/// assert_eq!(w, ["h'hen", "niê", "y", "moan", "ênuôl"]);
/// ```
pub fn words(text: &str) -> Words<'_> {
    Words { rest: text }
}

/// The syllables of one word from [`words`]: its parts between apostrophes.
pub fn syllables(word: &str) -> impl Iterator<Item = &str> {
    word.split('\'').filter(|s| !s.is_empty())
}

/// Packs up to three letter codes (onsets, codas) into one integer; longer runs give `u32::MAX`.
const fn pack(l: &[u8]) -> u32 {
    if l.len() > 3 {
        return u32::MAX;
    }
    let mut k = l.len() as u32;
    let mut i = 0;
    while i < l.len() {
        k |= (l[i] as u32) << (8 * i + 2);
        i += 1;
    }
    k
}

/// Valid onsets (letter codes, đ = `D_BAR`), `qu` and `gi` included.
const ONSETS: [u32; 28] = [
    pack(b""),
    pack(b"b"),
    pack(b"c"),
    pack(b"ch"),
    pack(b"d"),
    pack(&[D_BAR]),
    pack(b"g"),
    pack(b"gh"),
    pack(b"gi"),
    pack(b"h"),
    pack(b"k"),
    pack(b"kh"),
    pack(b"l"),
    pack(b"m"),
    pack(b"n"),
    pack(b"ng"),
    pack(b"ngh"),
    pack(b"nh"),
    pack(b"p"),
    pack(b"ph"),
    pack(b"qu"),
    pack(b"r"),
    pack(b"s"),
    pack(b"t"),
    pack(b"th"),
    pack(b"tr"),
    pack(b"v"),
    pack(b"x"),
];

/// Valid codas.
const CODAS: [u32; 8] = [
    pack(b"c"),
    pack(b"ch"),
    pack(b"m"),
    pack(b"n"),
    pack(b"ng"),
    pack(b"nh"),
    pack(b"p"),
    pack(b"t"),
];

const NUC_OPEN_ONLY: u8 = 1;
const NUC_CLOSED_ONLY: u8 = 2;
const NUC_BOTH: u8 = 3;

/// Nuclei that only occur in open syllables.
const NUC_OPEN: [&[u8]; 30] = [
    &[V_A, V_I],
    &[V_A, V_O],
    &[V_A, V_U],
    &[V_A, V_Y],
    &[V_AA, V_U],
    &[V_AA, V_Y],
    &[V_E, V_O],
    &[V_EE, V_U],
    &[V_I, V_A],
    &[V_I, V_U],
    &[V_O, V_I],
    &[V_OO, V_I],
    &[V_OW, V_I],
    &[V_U, V_I],
    &[V_UW, V_I],
    &[V_UW, V_U],
    &[V_UW, V_A],
    &[V_U, V_A],
    &[V_U, V_OW],
    &[V_I, V_EE, V_U],
    &[V_Y, V_EE, V_U],
    &[V_O, V_A, V_I],
    &[V_O, V_A, V_Y],
    &[V_O, V_E, V_O],
    &[V_U, V_AA, V_Y],
    &[V_U, V_OO, V_I],
    &[V_UW, V_OW, V_I],
    &[V_UW, V_OW, V_U],
    &[V_U, V_Y, V_U],
    &[V_U, V_Y, V_A],
];

/// Nuclei that need a final consonant.
const NUC_CLOSED: [&[u8]; 10] = [
    &[V_AW],
    &[V_AA],
    &[V_I, V_EE],
    &[V_Y, V_EE],
    &[V_U, V_OO],
    &[V_UW, V_OW],
    &[V_O, V_AW],
    &[V_U, V_AA],
    &[V_U, V_Y, V_EE],
    &[V_O, V_O],
];

/// Nuclei that occur with and without a final consonant.
const NUC_ANY: [&[u8]; 14] = [
    &[V_A],
    &[V_E],
    &[V_EE],
    &[V_I],
    &[V_O],
    &[V_OO],
    &[V_OW],
    &[V_U],
    &[V_UW],
    &[V_Y],
    &[V_O, V_A],
    &[V_O, V_E],
    &[V_U, V_EE],
    &[V_U, V_Y],
];

/// Packs up to three vowel codes (4 bits each) into an index of `Tables::nuclei`.
fn nucleus_index(l: &[u8]) -> Option<usize> {
    if l.is_empty() || l.len() > 3 {
        return None;
    }
    Some(l.iter().enumerate().fold(0usize, |k, (i, &c)| k | (usize::from(c & 0xF) << (4 * i))))
}

fn build_nuclei() -> Vec<u8> {
    let mut t = vec![0u8; 1 << 12];
    for (list, class) in [
        (&NUC_OPEN[..], NUC_OPEN_ONLY),
        (&NUC_CLOSED[..], NUC_CLOSED_ONLY),
        (&NUC_ANY[..], NUC_BOTH),
    ] {
        for nuc in list {
            if let Some(slot) = nucleus_index(nuc).and_then(|i| t.get_mut(i)) {
                *slot = class;
            }
        }
    }
    t
}

/// Whether `s` is a plausible Vietnamese syllable (any case, NFC or ASCII): onset, nucleus and
/// coda from the Vietnamese inventories, `k`/`gh`/`ngh` only before i/e/ê/y and `c`/`g`/`ng` never
/// there, `ch`/`nh` only after a/ê/i/y, and only sắc or nặng before `c ch p t`.
///
/// This is a plausibility test (used to choose between legacy decodings), not a dictionary:
/// "bính" and "quýt" pass, "nguyôn", "hoaøng" and "lª" do not; loan words and minority names
/// ("Ksor", "Ênuôl") do not pass either.
pub fn is_vietnamese_syllable(syllable: &str) -> bool {
    let t = tables();
    let mut l = [0u8; MAX_SYL];
    let mut n = 0;
    let mut tone = 0u8;
    for c in syllable.chars() {
        let Some((code, tn)) = t.letter(c) else { return false };
        if tn != 0 {
            if tone != 0 {
                return false;
            }
            tone = tn;
        }
        let Some(slot) = l.get_mut(n) else { return false };
        *slot = code;
        n += 1;
    }
    let l = &l[..n];
    let is_v = |i: usize| l.get(i).is_some_and(|&c| is_vowel_code(c));
    let mut i = 0;
    while i < n && !is_v(i) {
        i += 1;
    }
    if i == n {
        return false;
    }
    let (onset, start) = if i == 1 && l[0] == b'q' && l[1] == V_U {
        (pack(b"qu"), 2)
    } else if i == 1 && l[0] == b'g' && l[1] == V_I && is_v(2) {
        (pack(b"gi"), 2)
    } else {
        (pack(&l[..i]), i)
    };
    if t.onsets.binary_search(&onset).is_err() {
        return false;
    }
    let mut end = start;
    while end < n && is_v(end) {
        end += 1;
    }
    let Some(class) = nucleus_index(&l[start..end]).and_then(|k| t.nuclei.get(k)) else {
        return false; // no vowel after "qu", or more than three vowels
    };
    let nucleus = &l[start..end];
    let front = matches!(nucleus[0], V_I | V_E | V_EE | V_Y);
    if (onset == pack(b"k") || onset == pack(b"gh") || onset == pack(b"ngh")) && !front {
        return false;
    }
    // "gì", "gìn": the i of `gi` doubles as the nucleus.
    let g_before_front = onset == pack(b"g") && nucleus[0] != V_I;
    if (onset == pack(b"c") || onset == pack(b"ng") || g_before_front) && front {
        return false;
    }
    let coda = pack(&l[end..]);
    if end == n {
        *class & NUC_OPEN_ONLY != 0
    } else {
        if t.codas.binary_search(&coda).is_err() || *class & NUC_CLOSED_ONLY == 0 {
            return false;
        }
        let (ch, nh) = (pack(b"ch"), pack(b"nh"));
        if (coda == ch || coda == nh) && !matches!(nucleus.last(), Some(&(V_A | V_EE | V_I | V_Y)))
        {
            return false;
        }
        let stop = coda == pack(b"c") || coda == ch || coda == pack(b"p") || coda == pack(b"t");
        !stop || matches!(tone, 0 | 2 | 5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    /// Windows-1258 style: precomposed base-with-quality letter + combining tone mark.
    fn mixed(s: &str) -> String {
        let mut out = String::new();
        for c in s.nfc() {
            let d: String = c.to_string().nfd().collect();
            let tone: String = d.chars().filter(|&m| tone_of_mark(m).is_some()).collect();
            let rest: String = d.chars().filter(|&m| tone_of_mark(m).is_none()).collect();
            out.extend(rest.nfc());
            out.push_str(&tone);
        }
        out
    }

    /// Rewrites `s` in the new ("hoà") tone convention: in open two-vowel syllables oa, oe, uy
    /// the tone moves to the second vowel.
    fn new_convention(s: &str) -> String {
        let canon = canonical(s);
        let mut out = String::new();
        for (i, word) in canon.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let mut toneless = String::new();
            let tone = split_tone_into(word, &mut toneless);
            let moved = ["oa", "oe", "uy"].iter().any(|nuc| {
                toneless.ends_with(nuc)
                    && !toneless.ends_with(&format!("q{nuc}"))
                    && !toneless.ends_with(&format!("g{nuc}"))
                    && toneless.chars().rev().nth(2).is_none_or(|c| !"aăâeêioôơuưy".contains(c))
            });
            match (moved, tone.mark()) {
                (true, Some(m)) => {
                    let mut w = toneless.clone();
                    w.push(m);
                    out.extend(w.nfc());
                }
                _ => out.push_str(word),
            }
        }
        out
    }

    #[test]
    fn basics() {
        assert_eq!(fold("  Nguyễn   Văn  ĐỨC "), "nguyen van duc");
        assert_eq!(canonical("  Nguyễn   Văn  ĐỨC "), "nguyễn văn đức");
        assert_eq!(canonical(&nfd("Nguyễn")), "nguyễn");
        assert_eq!(fold("Ðặng"), "dang");
        assert_eq!(canonical("Ðặng ðào Ɖinh"), "đặng đào đinh");
        assert_eq!(canonical(""), "");
        assert_eq!(canonical(" \t\n "), "");
        assert_eq!(fold("\u{301}"), "");
    }

    #[test]
    fn whitespace_punctuation_apostrophes_invisibles() {
        assert_eq!(canonical("Lê\u{A0}\u{2003}Lợi,\tQ.1"), "lê lợi, q.1");
        assert_eq!(canonical("H’Hen  Niê"), "h'hen niê");
        assert_eq!(canonical("H`Hen"), "h'hen");
        assert_eq!(canonical("Ng\u{200B}uyễn\u{FEFF}"), "nguyễn");
        assert_eq!(fold("Ng\u{AD}uyễn"), "nguyen");
        assert_eq!(canonical("a\u{0}b\u{7F}c"), "a b c");
        assert_eq!(canonical("Nguyễn-Trần (Hà Nội)"), "nguyễn-trần (hà nội)");
        // Greek oxia / varia decompose to ´ and `: apostrophes in both forms.
        for c in ["\u{1FFD}", "\u{1FEF}", "\u{B4}"] {
            assert_eq!(canonical(c), "'");
            assert_eq!(fold(c), "'");
        }
    }

    #[test]
    fn tone_placement_rule_4a_quality_letter() {
        // The tone goes on the letter with a quality mark, on ơ in ươ.
        for (input, want) in [
            ("ngừơi", "người"),
            ("người", "người"),
            ("đựơc", "được"),
            ("được", "được"),
            ("cưả", "cửa"),
            ("thủơ", "thuở"),
            ("húê", "huế"),
            ("chuỵên", "chuyện"),
            ("khúây", "khuấy"),
            ("rựơu", "rượu"),
            ("thuyết", "thuyết"),
            ("tìên", "tiền"),
            ("gìêng", "giềng"),
        ] {
            assert_eq!(canonical(input), want, "{input}");
        }
    }

    #[test]
    fn tone_placement_rules_4b_to_4e() {
        for (input, want) in [
            // b: one vowel.
            ("bà", "bà"),
            ("lý", "lý"),
            // c: coda → last vowel.
            ("hòan", "hoàn"),
            ("tóan", "toán"),
            ("hùynh", "huỳnh"),
            ("họach", "hoạch"),
            ("óanh", "oánh"),
            ("khủynh", "khuỷnh"),
            // d: three vowels → middle.
            ("ngòai", "ngoài"),
            ("ngoaì", "ngoài"),
            ("khủyu", "khuỷu"),
            ("xóay", "xoáy"),
            ("xoaý", "xoáy"),
            // e: two vowels, open → first (traditional), also for oa, oe, uy.
            ("maí", "mái"),
            ("muá", "múa"),
            ("luạ", "lụa"),
            ("bià", "bìa"),
            ("hoà", "hòa"),
            ("khoẻ", "khỏe"),
            ("thuỷ", "thủy"),
            ("tuỳ", "tùy"),
            ("uỷ", "ủy"),
            ("hoè", "hòe"),
        ] {
            assert_eq!(canonical(input), want, "{input}");
        }
    }

    #[test]
    fn qu_and_gi_onsets() {
        for (input, want) in [
            ("qúy", "quý"),
            ("quý", "quý"),
            ("qúa", "quá"),
            ("qủa", "quả"),
            ("qùynh", "quỳnh"),
            ("qúôc", "quốc"),
            ("gìa", "già"),
            ("già", "già"),
            ("gìư", "giừ"),
            ("giữ", "giữ"),
            ("gìn", "gìn"),
            ("gì", "gì"),
            ("gíup", "giúp"),
            ("gìương", "giường"),
        ] {
            assert_eq!(canonical(input), want, "{input}");
        }
    }

    #[test]
    fn non_syllables_are_left_alone() {
        for s in ["ênuôl", "ksor", "ǹgo", "hòàn", "nguyễnnnnnnn", "ba2à"] {
            assert_eq!(canonical(s), s, "{s}");
        }
    }

    #[test]
    fn both_conventions_and_forms_agree() {
        for (old, new) in [
            ("Khánh Hòa", "Khánh Hoà"),
            ("Thanh Hóa", "Thanh Hoá"),
            ("Thủy", "Thuỷ"),
            ("Khỏe", "Khoẻ"),
            ("Thụy", "Thuỵ"),
            ("Lòe", "Loè"),
        ] {
            assert_eq!(canonical(old), canonical(new));
            assert_eq!(canonical(&nfd(new)), canonical(old));
            assert_eq!(canonical(&mixed(new)), canonical(old));
            assert_eq!(canonical(old), canonical(old).to_lowercase());
            assert_eq!(new_convention(old), new.to_lowercase(), "{old}");
        }
        // Windows-1258 style sequence from §1.
        assert_eq!(canonical("Nguyê\u{303}n"), "nguyễn");
        // Deprecated tone marks become the standard ones under NFC.
        assert_eq!(canonical("a\u{341}"), "á");
        // ệ in NFD is e + dot below + circumflex (combining-class order).
        assert_eq!(canonical("Vie\u{323}\u{302}t"), "việt");
        assert_eq!(canonical("Vie\u{302}\u{323}t"), "việt");
    }

    #[test]
    fn gazetteer_names_are_already_canonical() {
        // The embedded names use the traditional convention: canonicalisation must only lower-case.
        let mut s = String::new();
        for w in crate::refdata::new_wards()
            .iter()
            .map(|w| &w.name)
            .chain(crate::refdata::old_wards().iter().map(|w| &w.name))
        {
            canonical_into(w, &mut s);
            assert_eq!(s, w.to_lowercase(), "{w}");
        }
    }

    #[test]
    fn fold_matches_reference_on_vietnamese_letters() {
        let t = tables();
        for code in V_A..=V_Y {
            for tone in 0..6 {
                let c = t.vowel(code, tone);
                let reference: String =
                    c.to_string().nfd().filter(|&m| !is_combining_mark(m)).collect();
                assert_eq!(fold(&c.to_string()), reference);
                let upper: String = c.to_uppercase().collect();
                assert_eq!(fold(&upper), reference);
                assert_eq!(letter_code(c), Some((code, tone)));
            }
        }
    }

    #[test]
    fn table_flags_match_std() {
        for cp in 0..0x2100 {
            let Some(c) = char::from_u32(cp) else { continue };
            assert_eq!(is_alpha(c), c.is_alphabetic(), "U+{cp:04X}");
            assert_eq!(is_word_char(c), c.is_alphabetic() || is_combining_mark(c), "U+{cp:04X}");
            let s = c.to_string();
            // Conservative: `false` only costs an NFC pass.
            assert!(!is_nfc_fast(&s) || unicode_normalization::is_nfc(&s), "U+{cp:04X}");
        }
        for s in ["Nguyễn", "Nguye\u{303}n", "a\u{300}", "ệ", "Ω"] {
            assert_eq!(is_nfc_fast(s), unicode_normalization::is_nfc(s), "{s:?}");
        }
    }

    #[test]
    fn fast_nfc_range_is_sound() {
        for cp in (0..0x300).chain(0x1E00..0x1F00) {
            let c = char::from_u32(cp).unwrap();
            let s = c.to_string();
            assert!(unicode_normalization::is_nfc(&s), "U+{cp:04X}");
        }
    }

    #[test]
    fn split_tone_is_convention_free() {
        let mut a = String::new();
        let mut b = String::new();
        for (x, y) in [("hòa", "hoà"), ("THỦY", "thuỷ"), ("Nguyễn", "nguyê\u{303}n")] {
            assert_eq!(split_tone_into(x, &mut a), split_tone_into(y, &mut b));
            assert_eq!(a, b);
        }
        assert_eq!(split_tone_into("Đặng", &mut a), Tone::Nang);
        assert_eq!(a, "đăng");
        assert_eq!(split_tone_into("an", &mut a), Tone::Ngang);
    }

    #[test]
    fn words_and_syllables() {
        let w: Vec<&str> = words("'bà  nguyễn-thị ''lan'' 1975 h'hen o''neil").collect();
        assert_eq!(w, ["bà", "nguyễn", "thị", "lan", "h'hen", "o", "neil"]);
        assert_eq!(syllables("h'hen").collect::<Vec<_>>(), ["h", "hen"]);
        assert_eq!(words("").count(), 0);
        assert_eq!(words("123 ,.").count(), 0);
    }

    #[test]
    fn syllable_plausibility() {
        for s in [
            "nguyễn", "Thị", "quýt", "bính", "giữa", "gì", "gìn", "người", "khuỷu", "kiểm",
            "nghiêng", "hoàng", "hồng", "ươm", "yến", "uyên", "thuở", "xoong", "ĐỨC", "ðào", "ăn",
            "tắm", "kì",
        ] {
            assert!(is_vietnamese_syllable(s), "{s}");
        }
        for s in [
            "nguyôn",
            "hoaøng",
            "lª",
            "ksor",
            "ênuôl",
            "ce",
            "ngi",
            "gha",
            "gê",
            "anhh",
            "hàt",
            "",
            "lăng2",
            "ơch",
            "thò\u{300}",
            "hâ",
            "qu",
            "hoaa",
        ] {
            assert!(!is_vietnamese_syllable(s), "{s}");
        }
    }

    fn viet_text() -> impl Strategy<Value = String> {
        let letters = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđbcdghklmnpqrstvx";
        let chars: Vec<char> = letters.chars().chain(letters.to_uppercase().chars()).collect();
        let any = prop::sample::select(chars);
        let sep = prop::sample::select(vec![
            ' ', ' ', '\t', '\u{A0}', '\'', '’', '-', ',', '\u{301}', '\u{309}',
        ]);
        prop::collection::vec(prop_oneof![8 => any, 2 => sep], 0..40)
            .prop_map(|v| v.into_iter().collect())
    }

    fn realistic_name() -> impl Strategy<Value = String> {
        let fam: Vec<String> =
            crate::refdata::family_names().iter().map(|n| n.name.clone()).collect();
        let mid: Vec<String> =
            crate::refdata::middle_names().iter().map(|n| n.name.clone()).collect();
        let giv: Vec<String> =
            crate::refdata::given_names().iter().map(|n| n.name.clone()).collect();
        (
            prop::sample::select(fam),
            prop::collection::vec(prop::sample::select(mid), 0..3),
            prop::sample::select(giv),
        )
            .prop_map(|(f, m, g)| {
                let mut s = f;
                for x in m {
                    s.push(' ');
                    s.push_str(&x);
                }
                s.push(' ');
                s.push_str(&g);
                s
            })
    }

    /// `canonical_fold_into` against the two separate passes: same canonical text, same fold,
    /// offsets of every canonical char.
    fn check_fused(s: &str) {
        let (mut c, mut off, mut f) = (String::new(), Vec::new(), String::new());
        let n = canonical_fold_into(s, &mut c, &mut off, &mut f);
        assert_eq!(c, canonical(s), "{s:?}");
        assert_eq!(f, fold(s), "{s:?}");
        assert_eq!(n, f.chars().count(), "{s:?}");
        let want: Vec<u32> =
            c.char_indices().map(|(i, _)| i as u32).chain([c.len() as u32]).collect();
        assert_eq!(off, want, "{s:?}");
    }

    /// Found by fuzzing (`normalize_name`): lower-casing `Y` before a combining ring gave the
    /// non-NFC `y\u{30A}`, which a second pass composed to `ẙ`.
    #[test]
    fn lower_casing_keeps_the_canonical_form_nfc() {
        for (input, want) in [("Y\u{30A}", "\u{1E99}"), ("PHAY\u{30A} W\u{30A}", "phaẙ ẘ")] {
            let c = canonical(input);
            assert_eq!(c, want, "{input:?}");
            assert!(unicode_normalization::is_nfc(&c));
            assert_eq!(canonical(&c), c);
            check_fused(input);
        }
    }

    #[test]
    fn fused_canonical_and_fold_equal_the_separate_passes() {
        for s in [
            "",
            "  ",
            "Số 5, ngõ 12 phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, Hà Nội",
            "  NGUYỄN  Thị   Hoà ",
            "THUÝ KHOẺ hoà, thuỷ",
            "Ðặng\u{ad}Thị\u{200b} Hoà’s",
            "Nguye\u{303}\u{302}n Ho\u{300}a",
            "İstanbul ǅemal Ⅻ ﬁ ß Σ",
            "a \u{301}b\u{301}\u{301} \u{301}",
            "Tổ 7, Thị trấn Tăng Bạt Hổ, Huyện Hoài Ân, Tỉnh Bình Định",
            "ქართული 日本語 Ελληνικά",
        ] {
            check_fused(s);
        }
    }

    /// The byte-oriented canonical pass against the char-oriented one, with both sinks, on the
    /// NFC form of `s`.
    fn check_canonical_str(s: &str) {
        let s: String = s.nfc().collect();
        let t = tables();
        let (mut a, mut b) = (String::new(), String::new());
        canonical_str(t, &s, &mut a, &mut NoSink);
        canonical_chars(t, s.chars(), &mut b, &mut NoSink);
        assert_eq!(a, b, "{s:?}");
        let (mut oa, mut fa, mut ob, mut fb) =
            (Vec::new(), String::new(), Vec::new(), String::new());
        let mut sa =
            FoldSink { offsets: &mut oa, fold: &mut fa, fold_chars: 0, pending_space: false };
        canonical_str(t, &s, &mut a, &mut sa);
        let na = sa.fold_chars;
        let mut sb =
            FoldSink { offsets: &mut ob, fold: &mut fb, fold_chars: 0, pending_space: false };
        canonical_chars(t, s.chars(), &mut b, &mut sb);
        let nb = sb.fold_chars;
        assert_eq!((a, oa, fa, na), (b, ob, fb, nb), "{s:?}");
    }

    #[test]
    fn byte_canonical_pass_equals_char_pass() {
        for s in [
            "",
            "  NGUYỄN  Thị   Hoà ",
            "Số 5, ngõ 12 phố Huế, P. Phạm Đình Hổ, Q. Hai Bà Trưng, Hà Nội",
            "THUÝ KHOẺ hoà, thuỷ `x` a\tb\u{7f}c",
            "Ðặng\u{ad}Thị\u{200b} Hoà’s",
            "İstanbul ǅemal Ⅻ ﬁ ß Σ 日本 😀 Ελληνικά",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 !@#$%^&*()",
            "nghiêng khuỷu quạ gìn giữ quốc",
        ] {
            check_canonical_str(s);
        }
    }

    proptest! {
        #[test]
        fn byte_canonical_pass_agrees(s in viet_text(), t in any::<String>()) {
            check_canonical_str(&s);
            check_canonical_str(&new_convention(&s));
            check_canonical_str(&t);
        }

        #[test]
        fn byte_canonical_pass_agrees_on_mixed_scripts(
            v in prop::collection::vec(
                prop_oneof![
                    prop::char::range('\0', '\u{2FFF}'),
                    prop::char::range('\u{1EA0}', '\u{1EF9}'),
                    Just(' '),
                    any::<char>(),
                ],
                0..24,
            ),
        ) {
            let s: String = v.into_iter().collect();
            check_canonical_str(&s);
        }

        #[test]
        fn fused_pass_equals_separate_passes(s in viet_text()) {
            check_fused(&s);
            check_fused(&nfd(&s));
            check_fused(&new_convention(&s));
        }

        #[test]
        fn fused_pass_equals_separate_passes_anywhere(
            v in prop::collection::vec(prop::char::range('\0', '\u{2FFF}'), 0..12),
            t in any::<String>(),
        ) {
            let s: String = v.into_iter().collect();
            check_fused(&s);
            check_fused(&t);
        }

        #[test]
        fn idempotent_and_consistent(s in viet_text()) {
            let c = canonical(&s);
            prop_assert_eq!(canonical(&c), c.clone());
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            prop_assert_eq!(fold(&c), f.clone());
            prop_assert!(f.is_ascii());
            prop_assert_eq!(canonical(&nfd(&s)), c.clone());
            prop_assert_eq!(canonical(&mixed(&s)), c.clone());
            prop_assert_eq!(fold(&nfd(&s)), f);
            prop_assert!(unicode_normalization::is_nfc(&c));
        }

        #[test]
        fn names_in_every_form_agree(name in realistic_name()) {
            let c = canonical(&name);
            prop_assert_eq!(c.clone(), name.to_lowercase());
            prop_assert_eq!(canonical(&nfd(&name)), c.clone());
            prop_assert_eq!(canonical(&mixed(&name)), c.clone());
            prop_assert_eq!(canonical(&new_convention(&name)), c.clone());
            prop_assert_eq!(canonical(&name.to_uppercase()), c.clone());
            prop_assert_eq!(fold(&new_convention(&name)), fold(&name));
        }

        #[test]
        fn consistent_on_latin_greek_cyrillic_and_marks(
            v in prop::collection::vec(prop::char::range('\0', '\u{2FFF}'), 0..12)
        ) {
            let s: String = v.into_iter().collect();
            let c = canonical(&s);
            prop_assert_eq!(canonical(&c), c.clone());
            prop_assert_eq!(fold(&c), fold(&s));
            prop_assert_eq!(canonical(&nfd(&s)), c);
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let c = canonical(&s);
            let f = fold(&s);
            prop_assert_eq!(canonical(&c), c.clone());
            prop_assert_eq!(fold(&c), f);
            let mut t = String::new();
            let _ = split_tone_into(&s, &mut t);
            let _ = is_vietnamese_syllable(&s);
            let _ = words(&s).count();
        }
    }
}
