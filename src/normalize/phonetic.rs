//! The Vietnamese phonetic key of a syllable (VIETNAMESE.md §5): an ASCII string that is the same
//! for the usual dialect spellings of a syllable and for the syllable written with or without
//! diacritics.
//!
//! Main items: [`phonetic_key_into`] / [`phonetic_key`] (the loose key, tones dropped) and
//! [`phonetic_key_toned_into`] (the same with a tone class per syllable, hỏi and ngã merged).
//!
//! # Rules
//!
//! The input is first folded to ASCII ([`text::fold`]: lower case,
//! diacritics removed, `đ`→`d`), then split into onset (initial consonants), nucleus (vowels) and
//! coda (final consonants). `qu` is an onset; `gi` is an onset before another vowel, and before a
//! consonant or at the end it is the onset `z` followed by the vowel `i` (`gì` = `zi`, like `dì`).
//!
//! | part | rule | examples → key |
//! |---|---|---|
//! | onset | `ngh`→`ng`, `gh`→`g` (spelling only) | nghĩa, nga → `ngia`, `nga`; ghế → `ge` |
//! | onset | `k`, `q`→`c`; `qu`→`cu` | Kim → `cim`; Quý, Quí → `cui` |
//! | onset | `ph`→`f` | Phong → `foN` |
//! | onset | `d`, `gi`, `r` → `z`, and `đ` too (see below) | dung, rung, giung → `zuN`; Dạng, Rạng → `zaN` |
//! | onset | `s`, `x` → `s` | Sà, Xà → `sa`; Sín, Xín → `siN` |
//! | onset | `tr`, `ch` → `ch` | Tráng, Cháng → `chaN`; trung, chung → `chuN` |
//! | onset | `l`, `n` → `n` | lan, nan → `naN` |
//! | nucleus | `y`→`i` when `y` is the whole nucleus (never in `ay ây uy yê`) | Sỹ, Sĩ → `si`; Vy, Vi → `vi`; Lý → `ni` |
//! | coda | `n`, `ng`, `nh` → `N` | an, ang, anh → `aN`; nhân, nhâng → `nhaN` |
//! | coda | `t`, `c`, `ch` → `T` | tất, tấc → `taT`; ách → `aT` |
//! | tone | dropped (loose key) | Hòa, Hóa, Hoa, Họa → `hoa` |
//!
//! Other letters are kept as they are (`b h kh m nh p t th v`, codas `m p`, all vowels).
//!
//! # Decisions
//!
//! * **The key absorbs missing diacritics**, so every distinction that only diacritics make is
//!   lost: `đ` merges with `d` (and so with `gi`, `r`: Đức = Duc = `zuT`, and Đào = Dao = Rao),
//!   `ư`/`u`, `ơ`/`ô`/`o`, `ă`/`â`/`a`, `ê`/`e` merge (Hùng = Hưng = `huN`, Tâm = Tăm = `taN`), and
//!   tones are dropped. These names stay apart in the accented comparison (canonical tokens); the
//!   phonetic key is the loose, last-resort level and a blocking key.
//! * `v` is **not** merged with `d/gi/r` (the southern `v` → /j/): it is written consistently even in
//!   the South, and merging it would join frequent distinct names (Vân/Dân, Vinh/Dinh, Vy/Di).
//! * `tr`/`ch` become `ch`, not `c`, so that they stay apart from `c`/`k`/`q` (Cường vs Trường).
//! * The optional southern vowel merges (ưu/iu, ươu/iêu) are not applied.
//! * Runs that are not one syllable (minority names such as `Ênuôl`) get the rules on their first
//!   onset, nucleus and coda; the rest is kept as folded letters. Apostrophes (and any other
//!   non-letter) separate syllables, whose keys are concatenated: `H'Hen` and `Hhen` both give
//!   `hheN`. Letters of other scripts are dropped: the key is always ASCII.
//! * The toned key appends one digit per syllable: 0 ngang, 1 huyền, 2 sắc, 3 hỏi **or** ngã
//!   (merged in Central and Southern speech), 4 nặng. It cannot absorb missing diacritics (an ASCII
//!   syllable gets 0): use it only on accented data.

use crate::normalize::text;

/// Maximal number of ASCII letters gathered for one syllable before it is keyed.
const MAX_LETTERS: usize = 32;

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn onset_key(onset: &[u8]) -> Option<&'static str> {
    Some(match onset {
        b"" => "",
        b"b" => "b",
        b"c" | b"k" | b"q" => "c",
        b"ch" | b"tr" => "ch",
        b"d" | b"r" | b"gi" => "z",
        b"g" | b"gh" => "g",
        b"h" => "h",
        b"kh" => "kh",
        b"l" | b"n" => "n",
        b"m" => "m",
        b"ng" | b"ngh" => "ng",
        b"nh" => "nh",
        b"p" => "p",
        b"ph" => "f",
        b"s" | b"x" => "s",
        b"t" => "t",
        b"th" => "th",
        b"v" => "v",
        _ => return None,
    })
}

fn coda_key(coda: &[u8]) -> Option<&'static str> {
    Some(match coda {
        b"" => "",
        b"n" | b"ng" | b"nh" => "N",
        b"t" | b"c" | b"ch" => "T",
        b"m" => "m",
        b"p" => "p",
        _ => return None,
    })
}

fn push_ascii(out: &mut String, bytes: &[u8]) {
    out.extend(bytes.iter().map(|&b| char::from(b)));
}

/// Appends the key of one syllable given as folded ASCII lower-case letters.
fn push_syllable_key(l: &[u8], out: &mut String) {
    let n = l.len();
    if n == 0 {
        return;
    }
    let mut i = 0;
    while i < n && !is_vowel(l[i]) {
        i += 1;
    }
    let onset = &l[..i];
    let next_is_vowel = |j: usize| l.get(j).is_some_and(|&b| is_vowel(b));
    let nuc_start = if onset == b"q" && l.get(i) == Some(&b'u') {
        out.push_str("cu");
        i + 1
    } else if onset == b"g" && l.get(i) == Some(&b'i') {
        out.push('z');
        if next_is_vowel(i + 1) { i + 1 } else { i }
    } else {
        match onset_key(onset) {
            Some(k) => out.push_str(k),
            None => push_ascii(out, onset),
        }
        i
    };
    let mut nuc_end = nuc_start;
    while nuc_end < n && is_vowel(l[nuc_end]) {
        nuc_end += 1;
    }
    let nucleus = &l[nuc_start..nuc_end];
    if nucleus == b"y" {
        out.push('i');
    } else {
        push_ascii(out, nucleus);
    }
    let mut coda_end = nuc_end;
    while coda_end < n && !is_vowel(l[coda_end]) {
        coda_end += 1;
    }
    let coda = &l[nuc_end..coda_end];
    match coda_key(coda) {
        Some(k) => out.push_str(k),
        None => push_ascii(out, coda),
    }
    push_ascii(out, &l[coda_end..]);
}

/// Gathers the folded letters of one syllable and appends its key when the syllable ends.
struct KeyBuilder<'a> {
    buf: [u8; MAX_LETTERS],
    len: usize,
    tone: u8,
    toned: bool,
    out: &'a mut String,
}

impl<'a> KeyBuilder<'a> {
    fn new(toned: bool, out: &'a mut String) -> Self {
        KeyBuilder { buf: [0; MAX_LETTERS], len: 0, tone: 0, toned, out }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            push_syllable_key(&self.buf[..self.len], self.out);
            if self.toned {
                self.out.push(match self.tone {
                    1 => '1',
                    2 => '2',
                    3 | 4 => '3',
                    5 => '4',
                    _ => '0',
                });
            }
        }
        self.len = 0;
        self.tone = 0;
    }

    /// One character of folded text: an ASCII letter is gathered; apostrophes, spaces, digits
    /// and punctuation end the syllable; letters of other scripts are dropped.
    fn folded(&mut self, f: char) {
        if f.is_ascii_alphabetic() {
            if self.len == MAX_LETTERS {
                self.flush();
            }
            self.buf[self.len] = f.to_ascii_lowercase() as u8;
            self.len += 1;
        } else if !f.is_alphabetic() {
            self.flush();
        }
    }
}

/// Keys every syllable of `word` and appends the keys to `out`; with `toned`, each syllable key is
/// followed by its tone-class digit.
fn push_word_key(word: &str, toned: bool, out: &mut String) {
    let mut k = KeyBuilder::new(toned, out);
    for c in word.chars() {
        let t = text::tone_of_char(c);
        if t != 0 {
            k.tone = t;
        }
        text::fold_char(c, |f| k.folded(f));
    }
    k.flush();
}

/// Appends the loose key of a word that is already folded ([`text::fold`], apostrophes kept):
/// the same key as [`phonetic_key_into`] on the unfolded word, without folding it again.
pub(crate) fn push_folded_key(folded: &str, out: &mut String) {
    let mut k = KeyBuilder::new(false, out);
    for c in folded.chars() {
        k.folded(c);
    }
    k.flush();
}

/// Writes the loose phonetic key of `syllable` into `out` (cleared first). Accepts any case, NFC,
/// NFD, with or without diacritics; a word whose syllables are joined by apostrophes (`H'Hen`) gets
/// the concatenation of its syllables' keys. See the module docs for the rules.
///
/// ```
/// use vnlink::normalize::phonetic::phonetic_key_into;
/// let mut k = String::new();
/// phonetic_key_into("Trường", &mut k);
/// assert_eq!(k, "chuoN");
/// phonetic_key_into("chuong", &mut k);
/// assert_eq!(k, "chuoN");
/// ```
pub fn phonetic_key_into(syllable: &str, out: &mut String) {
    out.clear();
    push_word_key(syllable, false, out);
}

/// The loose phonetic key of `syllable` (see [`phonetic_key_into`]).
pub fn phonetic_key(syllable: &str) -> String {
    let mut s = String::with_capacity(syllable.len() + 2);
    phonetic_key_into(syllable, &mut s);
    s
}

/// Writes the tone-aware phonetic key of `syllable` into `out` (cleared first): the loose key of
/// each syllable followed by its tone class, `0` ngang, `1` huyền, `2` sắc, `3` hỏi or ngã, `4` nặng.
///
/// ```
/// use vnlink::normalize::phonetic::phonetic_key_toned_into;
/// let mut k = String::new();
/// phonetic_key_toned_into("Nguyễn", &mut k);
/// assert_eq!(k, "nguyeN3");
/// phonetic_key_toned_into("Nguyển", &mut k);
/// assert_eq!(k, "nguyeN3");
/// ```
pub fn phonetic_key_toned_into(syllable: &str, out: &mut String) {
    out.clear();
    push_word_key(syllable, true, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    fn same(a: &str, b: &str) {
        assert_eq!(phonetic_key(a), phonetic_key(b), "{a} / {b}");
    }

    fn differ(a: &str, b: &str) {
        assert_ne!(phonetic_key(a), phonetic_key(b), "{a} / {b}");
    }

    #[test]
    fn gso_dialect_pairs() {
        // Spellings of the same unit in GSO's own lists (VIETNAMESE.md §5, name_variants.csv).
        same("Sà", "Xà");
        same("Sín", "Xín");
        same("Cháng", "Tráng");
        same("Dạng", "Rạng");
        same("Sỹ", "Sĩ");
        same("Quý", "Quí");
        same("Nặm", "Nậm");
        assert_eq!(phonetic_key("Sà"), "sa");
        assert_eq!(phonetic_key("Tráng"), "chaN");
        assert_eq!(phonetic_key("Rạng"), "zaN");
        assert_eq!(phonetic_key("Quý"), "cui");
    }

    #[test]
    fn initials() {
        for group in [
            &["dung", "rung", "giung", "Dung", "đung"][..],
            &["trung", "chung", "Trưng"],
            &["lan", "nan", "Lan", "Nan"],
            &["sơn", "xơn", "Sơn"],
            &["phong", "fong"],
            &["kim", "cim"],
            &["nghĩa", "ngĩa"],
            &["ghế", "gế"],
            &["gì", "dì", "rì"],
            &["gìn", "din", "rin"],
            &["già", "dà", "rà"],
        ] {
            for w in group {
                same(group[0], w);
            }
        }
        assert_eq!(phonetic_key("giung"), "zuN");
        assert_eq!(phonetic_key("gì"), "zi");
        assert_eq!(phonetic_key("già"), "za");
        assert_eq!(phonetic_key("Phong"), "foN");
        assert_eq!(phonetic_key("Kim"), "cim");
        assert_eq!(phonetic_key("Quang"), "cuaN");
        assert_eq!(phonetic_key("Khánh"), "khaN");
        assert_eq!(phonetic_key("Thành"), "thaN");
        assert_eq!(phonetic_key("Nguyễn"), "nguyeN");
        assert_eq!(phonetic_key("Nhân"), "nhaN");
        // Kept apart.
        differ("Cường", "Trường");
        differ("Vân", "Dân");
        differ("Vinh", "Dinh");
        differ("Vy", "Di");
        differ("Nhân", "Nân");
        differ("Khánh", "Cánh");
        differ("Thu", "Tu");
        differ("Bình", "Vình");
    }

    #[test]
    fn finals() {
        for group in [
            &["nhân", "nhâng", "nhanh"][..],
            &["an", "anh", "ang"],
            &["tất", "tấc", "tách"],
            &["Thạch", "Thạc", "Thạt"],
        ] {
            for w in group {
                same(group[0], w);
            }
        }
        assert_eq!(phonetic_key("tất"), "taT");
        differ("Lâm", "Lân");
        differ("Hợp", "Hợt");
    }

    #[test]
    fn i_and_y() {
        for (a, b) in
            [("Vy", "Vi"), ("Lý", "Lí"), ("Mỹ", "Mĩ"), ("Kỳ", "Kì"), ("Thy", "Thi"), ("Hy", "Hi")]
        {
            same(a, b);
        }
        // y inside ay / ây / uy / yê is not i.
        differ("Tây", "Tâi");
        differ("Huy", "Hui");
        differ("Hay", "Hai");
        assert_eq!(phonetic_key("Huỳnh"), "huyN");
        assert_eq!(phonetic_key("Yến"), "yeN");
        assert_eq!(phonetic_key("Quỳnh"), "cuiN");
    }

    #[test]
    fn diacritics_tones_and_forms_are_absorbed() {
        for group in [
            &["Hòa", "Hoà", "hoa", "Hóa", "Họa", "HOÀ"][..],
            &["Đức", "Duc", "ĐỨC", "duc", "Ðức"],
            &["Hùng", "Hưng", "Hung"],
            &["Nguyễn", "Nguyen", "Nguyển", "NGUYEN"],
            &["Trương", "Truong", "Chương"],
        ] {
            for w in group {
                same(group[0], w);
                let nfd: String = w.nfd().collect();
                same(group[0], &nfd);
            }
        }
    }

    #[test]
    fn minority_and_odd_input() {
        same("H'Hen", "Hhen");
        same("H’Hen", "hhen");
        assert_eq!(phonetic_key("H'Hen"), "hheN");
        assert_eq!(phonetic_key("Ênuôl"), "eNuol");
        assert_eq!(phonetic_key("Ksor"), "ksor");
        assert_eq!(phonetic_key("Mlô"), "mlo");
        assert_eq!(phonetic_key(""), "");
        assert_eq!(phonetic_key("123"), "");
        assert_eq!(phonetic_key("Иван"), "");
        assert_eq!(phonetic_key("qu"), "cu");
        assert_eq!(phonetic_key("ng"), "ng");
    }

    #[test]
    fn toned_key() {
        let mut a = String::new();
        let mut b = String::new();
        for (x, y) in [("Nguyễn", "Nguyển"), ("Hòa", "Hoà"), ("Sỹ", "Sĩ"), ("Hoà", "ho\u{300}a")]
        {
            phonetic_key_toned_into(x, &mut a);
            phonetic_key_toned_into(y, &mut b);
            assert_eq!(a, b, "{x} / {y}");
        }
        phonetic_key_toned_into("Hòa", &mut a);
        phonetic_key_toned_into("Hóa", &mut b);
        assert_ne!(a, b);
        phonetic_key_toned_into("H'Hen", &mut a);
        assert_eq!(a, "h0heN0");
    }

    proptest! {
        #[test]
        fn key_is_ascii_and_ignores_diacritics(s in "\\PC{0,20}") {
            let k = phonetic_key(&s);
            prop_assert!(k.is_ascii());
            prop_assert_eq!(phonetic_key(&text::fold(&s)), k.clone());
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(phonetic_key(&nfd), k.clone());
            let mut folded_key = String::new();
            push_folded_key(&text::fold(&s), &mut folded_key);
            prop_assert_eq!(folded_key, k);
        }
    }
}
