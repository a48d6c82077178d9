//! Person names: legacy decoding, canonical and ASCII tokens, family / middle / given parts,
//! regional equivalence classes, phonetic keys and the sex hint of `Thị` / `Văn`
//! (VIETNAMESE.md §4).
//!
//! Main items: [`Name`] (the normalised name), [`NameNormalizer`] (the allocation-light hot path:
//! it owns scratch buffers and refills a caller's [`Name`]), [`normalize_name`] and
//! [`normalize_name_with`] (convenience), [`NameNotes`] (what the normaliser did).
//!
//! Invariants (property-tested): normalising a `Name`'s `text` again gives an equal `Name`; NFC,
//! NFD, Windows-1258-style, upper-case and new-tone-convention spellings of a name give equal
//! `Name`s; TCVN3 and VNI encodings of a name decode to the same `Name`; no input panics;
//! `tokens`, `ascii_tokens` and `phonetic` have one entry per token and the three ranges lie
//! inside `tokens`.
//!
//! Speed: a [`NameNormalizer`] keeps a cache of per-token facts (ASCII form, phonetic key, list
//! counts, classes; at most 20,000 tokens, then it starts afresh), so a name costs one legacy
//! scan, one canonical pass, one word split and a hash look-up per token: about 0.6 µs for a
//! three-token name on the development machine, without allocation once warm.
//!
//! # Steps
//!
//! 1. NFC (so that NFC and NFD input take the same path), then legacy decoding: with the column's
//!    encoding when the pipeline knows it ([`legacy::decode_into`]), else per value
//!    ([`legacy::decode_auto_into`]). Legacy decoding reads any run of non-space characters as
//!    one token, while step 3 splits words at symbols: when the decoded value still holds such a
//!    symbol (`Lâ�m`, `Lâ§m`), it is replaced by a space and the value decoded again, so that
//!    the legacy decision is taken on the words, as it is when the name's `text` is normalised.
//!    Likewise, a non-ASCII value is decided once more on its canonical text after step 2, since
//!    lower-casing and tone placement change what a legacy reading sees (`HË` is no TCVN3
//!    syllable, `hë` is `hở`; `Oỳ` is Unicode, `òy` reads as VNI `ũy`). Both second decisions
//!    apply only to values that the first one kept as Unicode: decoded text is not decoded twice.
//! 2. [`text::canonical`]: lower case, one tone convention.
//! 3. Tokens: [`text::words`] — runs of letters joined by inner
//!    apostrophes (`h'hen`); digits and punctuation separate tokens and are dropped. The ASCII
//!    token is the fold without apostrophes (`hhen`: the apostrophe is a removable separator).
//! 4. Honorifics and kin terms at the start are dropped — `ông bà anh chị cô bác em cháu` —
//!    only when at least two tokens follow and the next one is a known family name ("Bà Nguyễn
//!    Thị Lan" → "nguyễn thị lan"; "Anh Thư Nguyễn" keeps its "anh"). ASCII forms count too,
//!    except `chau`, which is also the family name Châu.
//! 5. Ethnic-minority names keep their order: `Y …` (Êđê/Jarai men; `y` becomes the middle part,
//!    the last token the family (clan) part, the tokens between the given part) and `H'…`
//!    (women; the last token is the family part, the others the given part).
//! 6. Given-name-first order ("An Nguyen", "Van An Nguyen") is rotated to family-first when the
//!    first token is given-like and the last token is a frequent surname that is rarely anything
//!    else. Given-like: `Thị`/`Văn`, or fewer than 20 family occurrences in the UIT sample and
//!    not *family-like* (in the family list with at least half of its sample occurrences as a
//!    family name); so Hoàng (221 as family) is never moved, even though it is mostly a middle
//!    name. The last token needs at least 50 family occurrences and four times more than as a
//!    middle or given name (Nguyễn, Trần, Lê, Phạm, Huỳnh, Võ, Đoàn …; not Hoàng, Vũ, Mai).
//!    ASCII tokens use the counts of every name with the same fold. A Vietnamese-order name whose
//!    given name is such a surname ("Văn Thị Nguyễn") is read as given-first: no list can tell.
//! 7. Parts: first token family, last token given, the rest middle. A compound family name
//!    (Tôn Thất, Tôn Nữ, Âu Dương, Nguyễn Phúc, Nguyễn Phước) takes the first two tokens when the
//!    name has three or more. Two tokens starting with `Thị`/`Văn` ("Thị Lan") have no family
//!    part. A single token is the given name unless it is family-like and not a given name.
//!
//! # Decisions
//!
//! * Empty or letter-less input gives a [`Name`] whose fields are all empty ([`Name::is_empty`]);
//!   no `Option`, so that the hot path can reuse one `Name`.
//! * Classes are canonical (accented) tokens; the `_ascii` variants are for data without
//!   diacritics. `family_class` is the class of the **first** family token only (Tôn Thất → class
//!   of Tôn): the second part of a compound is often dropped or read as a middle name.
//! * Family classes: `Hoàng|Huỳnh` → `hoàng`, `Vũ|Võ` → `vũ` (the `equivalence_class` column of
//!   the family list), `Nguyển` → `nguyễn`, `Lí` → `lý`, `Phước` → `phúc`. **Chu/Châu is not
//!   merged**: both are also independent surnames (`name_equivalences.csv` calls it weak).
//! * Given classes: every `name_equivalences.csv` pair that applies to given names, `b` → `a`
//!   (Phước → phúc, Nhựt → nhật, Tòng → tùng, Huê → hoa, Chánh → chính, Thạnh → thịnh …), and
//!   the general i/y rule: after an onset other than `g`, an open syllable whose nucleus is `i`
//!   or `y` is written with `y` (Vi → vy, Chi → chy, Quí → quý, Mĩ → mỹ).
//! * ASCII classes: the fold of the accented class for accented tokens. For ASCII tokens an
//!   equivalence is applied only when the folded variant cannot be another name of the same list
//!   (`huynh` → `hoang` for family names; but not `thanh` → `thinh`, since `thanh` is also Thanh
//!   and Thành, nor `hue` → `hoa`, since `hue` is also Huệ).
//! * Canonical classes of ASCII tokens (no diacritics) in a name written without diacritics:
//!   the class of the token's most likely accented form — of the part's names (the family or
//!   given list, and the variants and representatives of the part's classes) with that fold,
//!   the one with the most sample occurrences in that part, among those whose class folds to the
//!   token's ASCII class. So `Hoang` and `Huynh` are `hoàng` like Hoàng and Huỳnh, `Vo` and `Vu`
//!   are `vũ`, `Phuoc` is `phúc`, `Thanh` is `thành` (Thành 109 given names in the sample,
//!   Thanh 63), `Hoa` is `hòa` (Hòa 42, Hoa 9); a given name `Huynh` stays `huynh` (Huynh is a
//!   given name of its own, which its ASCII class keeps apart); a token no listed name folds to
//!   is its own class. Beside accented tokens an ASCII token that is a name of the part's list
//!   stands for itself (`Hoa` in "Lê Thị Hoa"), one that is not takes its likely form's class
//!   (`Phuoc` in "Nguyễn Văn Phuoc" → `phúc`). So a class always folds to its `_ascii` variant,
//!   which is what matching uses (the hashes of `Features`, unchanged by this rule).
//! * Sex hint: `thị` → female, `văn` → male among the middle tokens (none when both occur); ASCII
//!   `thi`/`van` count too (Văn is 952 middle names in the UIT sample, Vân 6); `Y` → male, `H'` →
//!   female for minority names.

use std::ops::Range;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use unicode_normalization::UnicodeNormalization;

use crate::normalize::Sex;
use crate::normalize::legacy::{self, LegacyEncoding};
use crate::normalize::{phonetic, text};
use crate::refdata;

/// A normalised person name. All strings are lower case; the canonical ones are NFC in the
/// traditional tone convention, the `ascii` ones have no diacritics and no apostrophes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// Canonical full name: the tokens joined by one space, family first ("nguyễn thị hòa").
    pub text: String,
    /// ASCII fold of the full name: the ASCII tokens joined by one space ("nguyen thi hoa").
    pub ascii: String,
    /// Canonical tokens in name order (family first, or the native order of minority names).
    pub tokens: Vec<String>,
    /// ASCII tokens, one per token (apostrophes removed: `h'hen` → `hhen`).
    pub ascii_tokens: Vec<String>,
    /// Loose phonetic key of each token ([`phonetic::phonetic_key_into`]).
    pub phonetic: Vec<String>,
    /// Canonical family part ("nguyễn", "tôn thất"); empty when there is none.
    pub family: String,
    /// Canonical middle part, tokens joined by one space ("thị", "văn minh"); empty when none.
    pub middle: String,
    /// Canonical given part ("hòa"; several tokens only for minority names).
    pub given: String,
    /// Indices of the family part in `tokens`.
    pub family_range: Range<usize>,
    /// Indices of the middle part in `tokens`.
    pub middle_range: Range<usize>,
    /// Indices of the given part in `tokens`.
    pub given_range: Range<usize>,
    /// Equivalence class of the first family token, canonical (Huỳnh → "hoàng", Võ → "vũ"; a
    /// token without diacritics takes the class of its most likely accented form, see the
    /// module docs: Huynh → "hoàng").
    pub family_class: String,
    /// `family_class` for data without diacritics ("hoang"; `Huynh` → "hoang").
    pub family_class_ascii: String,
    /// Equivalence classes of the given tokens, canonical, joined by one space (Phước → "phúc";
    /// without diacritics as `family_class`: Phuoc → "phúc").
    pub given_class: String,
    /// `given_class` for data without diacritics ("phuc"; `Phuoc` → "phuc").
    pub given_class_ascii: String,
    /// Sex suggested by the middle name (`Thị` female, `Văn` male) or a minority prefix.
    pub sex_hint: Option<Sex>,
}

impl Name {
    /// Whether the name has no token (empty or letter-less input).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The family tokens.
    pub fn family_tokens(&self) -> &[String] {
        self.tokens.get(self.family_range.clone()).unwrap_or_default()
    }

    /// The middle tokens.
    pub fn middle_tokens(&self) -> &[String] {
        self.tokens.get(self.middle_range.clone()).unwrap_or_default()
    }

    /// The given tokens.
    pub fn given_tokens(&self) -> &[String] {
        self.tokens.get(self.given_range.clone()).unwrap_or_default()
    }
}

/// What [`NameNormalizer::normalize_into`] did to a value (kept out of [`Name`] so that
/// normalising a name's `text` again gives an equal `Name`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NameNotes {
    /// The legacy encoding the value was decoded from (`Unicode` when kept as it is).
    pub encoding: LegacyEncoding,
    /// Number of leading honorifics / kin terms dropped.
    pub honorifics_dropped: u8,
    /// Number of name parts dropped as placeholders of English names ("Mr", "Resident", "Lady
    /// Of The House"; [`is_placeholder`]).
    pub placeholders_dropped: u8,
    /// The name was given-name-first and was rotated to family-first.
    pub rotated: bool,
    /// The name was parsed as an ethnic-minority name (`Y …`, `H'…`).
    pub minority: bool,
}

/// Occurrences of a token in the embedded name lists.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    family: u32,
    middle: u32,
    given: u32,
    in_family_list: bool,
    in_given_list: bool,
}

impl Counts {
    /// Occurrences in the sample in every part.
    fn total(self) -> u32 {
        self.family.saturating_add(self.middle).saturating_add(self.given)
    }

    fn add(&mut self, o: Counts) {
        self.family += o.family;
        self.middle += o.middle;
        self.given += o.given;
        self.in_family_list |= o.in_family_list;
        self.in_given_list |= o.in_given_list;
    }

    /// In the family list and at least half of its sample occurrences are as a family name
    /// (with add-one smoothing, so that listed names without sample counts qualify).
    /// A frequent family name that is rarely anything else: at least 50 family occurrences in the
    /// sample and four times more than as middle and given name together (Nguyễn, Trần, Lê,
    /// Phạm, Huỳnh, Võ …, not Hoàng, Vũ, Mai, Lăng). The condition for rotating a name.
    fn surname_only(self) -> bool {
        self.in_family_list
            && self.family >= 50
            && u64::from(self.family) >= 4 * (u64::from(self.middle) + u64::from(self.given))
    }

    fn family_like(self) -> bool {
        self.in_family_list
            && 2 * (u64::from(self.family) + 1)
                >= u64::from(self.family) + u64::from(self.middle) + u64::from(self.given) + 2
    }
}

struct NameTables {
    /// Canonical token → counts.
    canon: FxHashMap<String, Counts>,
    /// ASCII token → counts summed over the names with that fold.
    ascii: FxHashMap<String, Counts>,
    /// Canonical variant → canonical class representative and its ASCII form.
    family_class: FxHashMap<String, (String, String)>,
    given_class: FxHashMap<String, (String, String)>,
    /// ASCII variant → ASCII representative (unambiguous ones only).
    family_class_ascii: FxHashMap<String, String>,
    given_class_ascii: FxHashMap<String, String>,
    /// ASCII token → canonical class of its most likely accented form ([`likely_classes`]).
    family_class_of_ascii: FxHashMap<String, String>,
    given_class_of_ascii: FxHashMap<String, String>,
    /// Compound family names, two tokens each: canonical and ASCII.
    compounds: Vec<[(String, String); 2]>,
}

const HONORIFICS: [&str; 8] = ["ông", "bà", "anh", "chị", "cô", "bác", "em", "cháu"];
const HONORIFICS_ASCII: [&str; 8] = ["ong", "ba", "anh", "chi", "co", "bac", "em", "chau"];

fn ascii_key(token: &str) -> String {
    text::fold(token).replace('\'', "")
}

/// Builds the ASCII equivalence map of one part: variant fold → representative fold, for the
/// variants whose fold no other name of `names` (canonical) outside the class shares.
fn ascii_classes(canon: &FxHashMap<String, String>, names: &[String]) -> FxHashMap<String, String> {
    let class_of = |n: &str| canon.get(n).map_or(n, String::as_str).to_owned();
    let mut out = FxHashMap::default();
    for (variant, rep) in canon {
        let (fv, fr) = (ascii_key(variant), ascii_key(rep));
        if fv == fr {
            continue;
        }
        let unambiguous = names.iter().filter(|n| ascii_key(n) == fv).all(|n| class_of(n) == *rep);
        if unambiguous {
            out.insert(fv, fr);
        }
    }
    out
}

/// The canonical class of an ASCII token of one part: the class of its most likely accented
/// form. For each fold of `candidates` (the part's names and the variants and representatives of
/// its classes), the candidate with the most occurrences in the part (`count`: that part's,
/// then all parts'; then the smallest in byte order) among those whose canonical class folds to
/// the token's ASCII class, so that `*_class` of an ASCII token still folds to `*_class_ascii`.
fn likely_classes<'a>(
    candidates: impl IntoIterator<Item = &'a String>,
    count: impl Fn(&str) -> (u32, u32),
    map: &FxHashMap<String, (String, String)>,
    ascii_map: &FxHashMap<String, String>,
) -> FxHashMap<String, String> {
    let mut best: FxHashMap<String, ((u32, u32), &str, String)> = FxHashMap::default();
    let (mut fold_class, mut unused) = (String::new(), String::new());
    for c in candidates {
        let fold = ascii_key(c);
        // The ASCII class of the bare fold, as `TokenInfo` computes it for an ASCII token.
        fold_class.clear();
        unused.clear();
        push_class(&fold, &fold, map, ascii_map, &mut unused, &mut fold_class);
        let (mut class, mut class_ascii) = (String::new(), String::new());
        push_class(c, &fold, map, ascii_map, &mut class, &mut class_ascii);
        if ascii_key(&class) != fold_class {
            continue;
        }
        let k = count(c);
        match best.get(&fold) {
            Some((bk, bc, _)) if (*bk, std::cmp::Reverse(*bc)) >= (k, std::cmp::Reverse(c)) => {}
            _ => {
                best.insert(fold, (k, c, class));
            }
        }
    }
    best.into_iter().map(|(fold, (_, _, class))| (fold, class)).collect()
}

fn tables() -> &'static NameTables {
    static CELL: OnceLock<NameTables> = OnceLock::new();
    CELL.get_or_init(build_tables)
}

/// The name lists read: counts per canonical name, compound family names, the family classes
/// of the list, and the family and given names listed.
struct NameLists {
    canon: FxHashMap<String, Counts>,
    compounds: Vec<[String; 2]>,
    family_class: FxHashMap<String, String>,
    family_list: Vec<String>,
    given_list: Vec<String>,
}

/// Reads the family, middle and given name lists.
fn read_name_lists() -> NameLists {
    let mut canon: FxHashMap<String, Counts> = FxHashMap::default();
    let mut compounds = vec![
        ["tôn".to_owned(), "thất".to_owned()],
        ["tôn".to_owned(), "nữ".to_owned()],
        ["nguyễn".to_owned(), "phúc".to_owned()],
        ["nguyễn".to_owned(), "phước".to_owned()],
    ];
    let mut family_class: FxHashMap<String, String> = FxHashMap::default();
    let mut family_list = Vec::new();
    for f in refdata::family_names() {
        let name = text::canonical(&f.name);
        let mut parts = name.split(' ');
        if let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) {
            let pair = [a.to_owned(), b.to_owned()];
            if !compounds.contains(&pair) {
                compounds.push(pair);
            }
            continue;
        }
        let rep = text::canonical(f.equivalence_class.split('|').next().unwrap_or(&f.name));
        if rep != name {
            family_class.insert(name.clone(), rep);
        }
        let c = Counts { family: f.uit_sample_count, in_family_list: true, ..Counts::default() };
        canon.entry(name.clone()).or_default().add(c);
        family_list.push(name);
    }
    let mut given_list = Vec::new();
    for m in refdata::middle_names() {
        let c = Counts { middle: m.uit_sample_count, ..Counts::default() };
        canon.entry(text::canonical(&m.name)).or_default().add(c);
    }
    for g in refdata::given_names() {
        let name = text::canonical(&g.name);
        let c = Counts { given: g.uit_sample_count, in_given_list: true, ..Counts::default() };
        canon.entry(name.clone()).or_default().add(c);
        given_list.push(name);
    }
    NameLists { canon, compounds, family_class, family_list, given_list }
}

/// Adds the equivalences of `name_equivalences.csv` to the family and given classes.
fn add_equivalences(family_class: &mut FxHashMap<String, String>) -> FxHashMap<String, String> {
    let mut given_class: FxHashMap<String, String> = FxHashMap::default();
    for e in refdata::name_equivalences() {
        // Chu/Châu: both are independent surnames; the list calls the equivalence weak.
        if e.a == "Chu" {
            continue;
        }
        let (a, b) = (text::canonical(&e.a), text::canonical(&e.b));
        for part in e.applies_to.split(';') {
            match part {
                "family" => family_class.entry(b.clone()).or_insert_with(|| a.clone()),
                "given" => given_class.entry(b.clone()).or_insert_with(|| a.clone()),
                _ => continue,
            };
        }
    }
    given_class
}

fn build_tables() -> NameTables {
    let NameLists { canon, compounds, mut family_class, family_list, given_list } =
        read_name_lists();
    let mut ascii: FxHashMap<String, Counts> = FxHashMap::default();
    for (k, &c) in &canon {
        ascii.entry(ascii_key(k)).or_default().add(c);
    }
    let given_class = add_equivalences(&mut family_class);
    let family_class_ascii = ascii_classes(&family_class, &family_list);
    let given_class_ascii = ascii_classes(&given_class, &given_list);
    let candidates = |list: &[String], m: &FxHashMap<String, String>| -> Vec<String> {
        let mut v: Vec<String> = list.iter().chain(m.keys()).chain(m.values()).cloned().collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let family_candidates = candidates(&family_list, &family_class);
    let given_candidates = candidates(&given_list, &given_class);
    let with_ascii = |m: FxHashMap<String, String>| {
        m.into_iter()
            .map(|(k, v)| {
                let a = ascii_key(&v);
                (k, (v, a))
            })
            .collect()
    };
    let with_ascii_pair = |pair: [String; 2]| {
        pair.map(|p| {
            let a = ascii_key(&p);
            (p, a)
        })
    };
    let (family_class, given_class) = (with_ascii(family_class), with_ascii(given_class));
    let count = |n: &str| canon.get(n).copied().unwrap_or_default();
    let family_class_of_ascii = likely_classes(
        &family_candidates,
        |n| (count(n).family, count(n).total()),
        &family_class,
        &family_class_ascii,
    );
    let given_class_of_ascii = likely_classes(
        &given_candidates,
        |n| (count(n).given, count(n).total()),
        &given_class,
        &given_class_ascii,
    );
    NameTables {
        canon,
        ascii,
        family_class,
        given_class,
        family_class_ascii,
        given_class_ascii,
        family_class_of_ascii,
        given_class_of_ascii,
        compounds: compounds.into_iter().map(with_ascii_pair).collect(),
    }
}

impl NameTables {
    fn counts(&self, canon: &str, ascii: &str) -> Counts {
        let found = if canon.is_ascii() { self.ascii.get(ascii) } else { self.canon.get(canon) };
        found.copied().unwrap_or_default()
    }
}

fn is_middle_marker(canon: &str, ascii: &str) -> Option<Sex> {
    match (canon, ascii) {
        ("thị", _) | ("thi", "thi") => Some(Sex::Female),
        ("văn", _) | ("van", "van") => Some(Sex::Male),
        _ => None,
    }
}

/// The i/y rule on the syllable at `s[start..]`: an onset (not `g`) followed by a lone `i`/`y`
/// becomes onset + `y`, tone kept.
fn apply_iy(s: &mut String, start: usize) {
    let Some(tok) = s.get(start..) else { return };
    let Some(last) = tok.chars().next_back() else { return };
    let y = match last {
        'i' | 'y' => 'y',
        'ì' | 'ỳ' => 'ỳ',
        'í' | 'ý' => 'ý',
        'ỉ' | 'ỷ' => 'ỷ',
        'ĩ' | 'ỹ' => 'ỹ',
        'ị' | 'ỵ' => 'ỵ',
        _ => return,
    };
    let last_at = tok.len() - last.len_utf8();
    let onset = &tok[..last_at];
    if onset.is_empty()
        || onset == "g"
        || !onset.chars().all(|c| c == 'đ' || (c.is_ascii_lowercase() && !"aeiouy".contains(c)))
    {
        return;
    }
    if last != y {
        s.truncate(start + last_at);
        s.push(y);
    }
}

/// The cache entry of token `i`.
fn tok<'a>(infos: &'a [TokenInfo], ids: &[u32], i: usize) -> &'a TokenInfo {
    &infos[ids[i] as usize]
}

/// Reuses slot `i` of `v`, cleared.
fn slot(v: &mut Vec<String>, i: usize) -> &mut String {
    if i >= v.len() {
        v.resize_with(i + 1, String::new);
    }
    let s = &mut v[i];
    s.clear();
    s
}

fn join_into(out: &mut String, parts: &[String]) {
    out.clear();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(p);
    }
}

/// Everything about one canonical token that does not depend on its place in the name.
#[derive(Debug)]
struct TokenInfo {
    /// The canonical form of the word when it is not already canonical on its own (a stray
    /// combining mark before it made the canonical pass treat its letter run as foreign), so
    /// that a name's `text` is made of words that normalise to themselves.
    canon: Option<Box<str>>,
    ascii: Box<str>,
    phonetic: Box<str>,
    counts: Counts,
    honorific: bool,
    marker: Option<Sex>,
    family_class: Box<str>,
    family_class_ascii: Box<str>,
    /// The family class of an ASCII token's most likely accented form (`hoang` → `hoàng`).
    family_likely: LikelyClass,
    given_class: Box<str>,
    given_class_ascii: Box<str>,
    /// The given class of an ASCII token's most likely accented form (`phuoc` → `phúc`,
    /// `hoa` → `hòa`).
    given_likely: LikelyClass,
}

impl TokenInfo {
    fn new(t: &NameTables, word: &str) -> TokenInfo {
        let canon = text::canonical(word);
        let canon = (canon != word).then(|| canon.into_boxed_str());
        let token = canon.as_deref().unwrap_or(word);
        let mut folded = String::new();
        text::fold_into(token, &mut folded);
        let mut phonetic = String::new();
        phonetic::push_folded_key(&folded, &mut phonetic);
        folded.retain(|c| c != '\'');
        let ascii = folded;
        let listed = t.canon.get(token).copied().unwrap_or_default();
        let class = |map, ascii_map, of_ascii: &FxHashMap<String, String>, listed: bool| {
            let (mut c, mut a) = (String::new(), String::new());
            push_class(token, &ascii, map, ascii_map, &mut c, &mut a);
            // Without diacritics: the class of the most likely accented form.
            let plain = of_ascii
                .get(&ascii)
                .filter(|likely| token.is_ascii() && **likely != c)
                .map(|likely| likely.clone().into_boxed_str());
            (c.into_boxed_str(), a.into_boxed_str(), LikelyClass { class: plain, listed })
        };
        let (family_class, family_class_ascii, family_likely) = class(
            &t.family_class,
            &t.family_class_ascii,
            &t.family_class_of_ascii,
            listed.in_family_list,
        );
        let (given_class, given_class_ascii, given_likely) = class(
            &t.given_class,
            &t.given_class_ascii,
            &t.given_class_of_ascii,
            listed.in_given_list,
        );
        let counts = t.counts(token, &ascii);
        let honorific = is_honorific(t, token, &ascii);
        let marker = is_middle_marker(token, &ascii);
        TokenInfo {
            canon,
            counts,
            honorific,
            marker,
            phonetic: phonetic.into_boxed_str(),
            ascii: ascii.into_boxed_str(),
            family_class,
            family_class_ascii,
            family_likely,
            given_class,
            given_class_ascii,
            given_likely,
        }
    }

    /// The canonical family class, in a name without diacritics (`plain`) or not.
    fn family_class(&self, plain: bool) -> &str {
        self.family_likely.get(plain).unwrap_or(&self.family_class)
    }

    /// The canonical given class, in a name without diacritics (`plain`) or not.
    fn given_class(&self, plain: bool) -> &str {
        self.given_likely.get(plain).unwrap_or(&self.given_class)
    }
}

/// The class of an ASCII token's most likely accented form ([`likely_classes`]), when it differs
/// from the token's own class, and whether the token is itself a name of that part's list.
#[derive(Debug)]
struct LikelyClass {
    class: Option<Box<str>>,
    listed: bool,
}

impl LikelyClass {
    /// The likely class, used in a name without diacritics (`plain`), or in any name when the
    /// token is not a listed name as it stands (`phuoc` is Phước without its diacritics; `hoa`
    /// in "Lê Thị Hoa" is the name Hoa).
    fn get(&self, plain: bool) -> Option<&str> {
        self.class.as_deref().filter(|_| plain || !self.listed)
    }
}

/// Number of distinct tokens a [`NameNormalizer`] remembers before it starts afresh (about 200
/// bytes each; Vietnamese names use a few thousand distinct syllables).
const TOKEN_CACHE_CAP: usize = 20_000;

/// Canonical token → [`TokenInfo`], so that the fold, phonetic key, counts and classes of a
/// token are computed once per normaliser.
#[derive(Debug, Default)]
struct TokenCache {
    index: FxHashMap<Box<str>, u32>,
    infos: Vec<TokenInfo>,
}

impl TokenCache {
    fn id(&mut self, t: &NameTables, token: &str) -> u32 {
        if let Some(&id) = self.index.get(token) {
            return id;
        }
        let id = self.infos.len() as u32;
        self.infos.push(TokenInfo::new(t, token));
        self.index.insert(token.into(), id);
        id
    }
}

/// Normalises names with reusable buffers and a cache of token facts (ASCII form, phonetic key,
/// classes): after warm-up, [`normalize_into`](Self::normalize_into) allocates nothing for names
/// of usual length. One per thread.
#[derive(Debug, Default)]
pub struct NameNormalizer {
    nfc: String,
    decoded: String,
    /// The decoded value with word-splitting symbols replaced by spaces (rare; see step 1).
    split: String,
    canon: String,
    /// Cache id of each token of the name being built.
    ids: Vec<u32>,
    cache: TokenCache,
}

impl NameNormalizer {
    /// A normaliser with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Normalises a name given in parts — family name, middle name(s), given name, as the
    /// separate "Họ", "Chữ đệm", "Tên" columns of a form (or `last_name`, `first_name`) — into
    /// `out`. The parts are taken as given: no honorific is dropped, no order is guessed, and
    /// the family and given classes are those of the tokens in each part. An empty part is
    /// allowed. `out.text` joins the parts in Vietnamese order (family, middle, given).
    ///
    /// ```
    /// use vnlink::normalize::name::{Name, NameNormalizer};
    /// let mut norm = NameNormalizer::new();
    /// let mut name = Name::default();
    /// norm.normalize_parts_into(["HUỲNH", "Thị Ngọc", "Thuý"], None, &mut name);
    /// assert_eq!(name.text, "huỳnh thị ngọc thúy");
    /// assert_eq!((name.family.as_str(), name.middle.as_str()), ("huỳnh", "thị ngọc"));
    /// assert_eq!(name.family_class, "hoàng");
    /// // English parts: "Smith" stays the family name although it comes first.
    /// norm.normalize_parts_into(["Smith", "", "John"], None, &mut name);
    /// assert_eq!((name.family.as_str(), name.given.as_str()), ("smith", "john"));
    /// ```
    pub fn normalize_parts_into(
        &mut self,
        parts: [&str; 3],
        enc: Option<LegacyEncoding>,
        out: &mut Name,
    ) -> NameNotes {
        let mut notes = NameNotes::default();
        self.start();
        let mut ends = [0usize; 3];
        for (end, part) in ends.iter_mut().zip(parts) {
            let e = self.tokenize(part, enc, out);
            if notes.encoding == LegacyEncoding::Unicode {
                notes.encoding = e;
            }
            *end = self.ids.len();
        }
        let n = self.ids.len();
        out.tokens.truncate(n);
        out.ascii_tokens.truncate(n);
        out.phonetic.truncate(n);
        notes.placeholders_dropped = self.drop_placeholders(&mut ends, out);
        let (infos, ids) = (&self.cache.infos, &self.ids);
        let (family, middle, given) = (0..ends[0], ends[0]..ends[1], ends[1]..ends[2]);
        out.sex_hint = middle_sex(infos, ids, middle.clone());
        finish_parts(out, infos, ids, family, middle, given);
        notes
    }

    /// Drops the parts (family, middle, given, ending at `ends`) that are placeholders of an
    /// English name ([`is_placeholder`]): written without diacritics, in a name with a token that
    /// is no Vietnamese name (so that Nguyen Van Son keeps its Sơn, where Jennifer Son Keele
    /// loses the "Son" a form put for a middle name). Returns the number of parts dropped.
    fn drop_placeholders(&mut self, ends: &mut [usize; 3], out: &mut Name) -> u8 {
        let english = out.ascii_tokens.iter().any(|t| !is_vietnamese_name(t));
        let mut dropped = 0u8;
        let mut phrase = String::new();
        for part in (0..3).rev() {
            let start = if part == 0 { 0 } else { ends[part - 1] };
            let range = start..ends[part];
            if range.is_empty() || range.len() > PLACEHOLDER_WORDS {
                continue;
            }
            phrase.clear();
            join_into(&mut phrase, &out.ascii_tokens[range.clone()]);
            let plain = out.tokens[range.clone()] == out.ascii_tokens[range.clone()];
            if !(english && plain && is_placeholder(&phrase, part == 0)) {
                continue;
            }
            let len = range.len();
            out.tokens.drain(range.clone());
            out.ascii_tokens.drain(range.clone());
            out.phonetic.drain(range.clone());
            self.ids.drain(range);
            for e in &mut ends[part..] {
                *e -= len;
            }
            dropped += 1;
        }
        dropped
    }

    /// Starts a name: no tokens yet, and a cache with room for them.
    fn start(&mut self) {
        if self.cache.infos.len() >= TOKEN_CACHE_CAP {
            self.cache = TokenCache::default();
        }
        self.ids.clear();
    }

    /// Steps 1–3 of normalising: NFC, legacy decoding, canonical form, then the tokens of
    /// `input` appended to `out.tokens`, `out.ascii_tokens` and `out.phonetic` from index
    /// `self.ids.len()` on (the vectors are truncated by the caller). Returns the encoding.
    fn tokenize(
        &mut self,
        input: &str,
        enc: Option<LegacyEncoding>,
        out: &mut Name,
    ) -> LegacyEncoding {
        let t = tables();
        let mut notes = NameNotes::default();

        // 1–2: NFC, legacy, canonical.
        let src = if text::is_nfc_fast(input) {
            input
        } else {
            self.nfc.clear();
            self.nfc.extend(input.nfc());
            self.nfc.as_str()
        };
        notes.encoding = match enc {
            Some(e) => legacy::decode_into(src, e, &mut self.decoded),
            None => legacy::decode_auto_into(src, &mut self.decoded),
        };
        let kept = notes.encoding == LegacyEncoding::Unicode;
        if kept && may_hold_symbols(&self.decoded) && self.decoded.chars().any(text::splits_words) {
            // A symbol inside a legacy token ("Lâ\u{FFFD}m", "Lâ§m") makes two words of it:
            // decide the legacy readings again on the words, as normalising the name's own
            // `text` does, so that normalisation stays idempotent.
            self.split.clear();
            self.split
                .extend(self.decoded.chars().map(|c| if text::splits_words(c) { ' ' } else { c }));
            let again = match enc {
                Some(e) => legacy::decode_into(&self.split, e, &mut self.decoded),
                None => legacy::decode_auto_into(&self.split, &mut self.decoded),
            };
            if again != LegacyEncoding::Unicode {
                notes.encoding = again;
            }
        }
        // `src` is NFC, and so is every legacy reading of it.
        let tone_moved = text::canonical_nfc_into(&self.decoded, &mut self.canon);
        if kept
            && notes.encoding == LegacyEncoding::Unicode
            && (tone_moved || recased_for_legacy(&self.decoded))
            && legacy::may_decode(&self.canon)
        {
            // The canonical pass changes what a legacy reading sees: lower-casing ("HË" is no
            // TCVN3 syllable, "hë" is "hở") and moving a tone ("Oỳ" is Unicode, "òy" reads as
            // VNI "ũy"). Decide once more on the canonical text, as normalising `text` does.
            let again = match enc {
                Some(e) => legacy::decode_into(&self.canon, e, &mut self.split),
                None => legacy::decode_auto_into(&self.canon, &mut self.split),
            };
            if again != LegacyEncoding::Unicode {
                notes.encoding = again;
                let _ = text::canonical_nfc_into(&self.split, &mut self.canon);
            }
        }

        // A digit (or `|`, `:`) between two letters is a letter misread ("Jac4ueline",
        // "Ash1ey", "Mclaughl:n"): it becomes the letter it is usually read for, where it would
        // otherwise cut the word in two.
        if self.canon.bytes().any(|b| b.is_ascii_digit() || b == b'|' || b == b':') {
            self.split.clear();
            let mut chars = self.canon.chars().peekable();
            let mut prev = ' ';
            while let Some(c) = chars.next() {
                let inner = prev.is_alphabetic() && chars.peek().is_some_and(|n| n.is_alphabetic());
                let c = match misread_letter(c) {
                    Some(l) if inner => l,
                    _ => c,
                };
                self.split.push(c);
                prev = c;
            }
            std::mem::swap(&mut self.split, &mut self.canon);
        }

        // 3: tokens, with their facts from the cache.
        let cache = &mut self.cache;
        for w in text::words(&self.canon) {
            let id = cache.id(t, w);
            let info = &cache.infos[id as usize];
            let i = self.ids.len();
            slot(&mut out.tokens, i).push_str(info.canon.as_deref().unwrap_or(w));
            slot(&mut out.ascii_tokens, i).push_str(&info.ascii);
            slot(&mut out.phonetic, i).push_str(&info.phonetic);
            self.ids.push(id);
        }
        notes.encoding
    }

    /// Normalises `input` into `out` (every field overwritten). `enc` is the column's legacy
    /// encoding if the pipeline detected one ([`legacy::detect_column`]); `None` decides per value.
    ///
    /// ```
    /// use vnlink::normalize::name::{Name, NameNormalizer};
    /// use vnlink::normalize::Sex;
    /// let mut norm = NameNormalizer::new();
    /// let mut name = Name::default();
    /// norm.normalize_into("  Huỳnh   THỊ Thuý  ", None, &mut name);
    /// assert_eq!(name.text, "huỳnh thị thúy");
    /// assert_eq!((name.family.as_str(), name.middle.as_str(), name.given.as_str()), ("huỳnh", "thị", "thúy"));
    /// assert_eq!(name.family_class, "hoàng");
    /// assert_eq!(name.sex_hint, Some(Sex::Female));
    /// let notes = norm.normalize_into("Nguyeãn Vaên Phöôùc", None, &mut name);
    /// assert_eq!(name.text, "nguyễn văn phước");
    /// assert_eq!(name.given_class, "phúc");
    /// assert_eq!(name.phonetic, ["nguyeN", "vaN", "fuoT"]);
    /// assert_eq!(notes.encoding, vnlink::normalize::legacy::LegacyEncoding::Vni);
    /// ```
    pub fn normalize_into(
        &mut self,
        input: &str,
        enc: Option<LegacyEncoding>,
        out: &mut Name,
    ) -> NameNotes {
        let t = tables();
        let mut notes = NameNotes::default();
        self.start();
        notes.encoding = self.tokenize(input, enc, out);
        let infos = &self.cache.infos;
        let ids = &mut self.ids;
        let mut n = ids.len();
        out.tokens.truncate(n);
        out.ascii_tokens.truncate(n);
        out.phonetic.truncate(n);

        // 4: honorifics.
        while n >= 3
            && tok(infos, ids, 0).honorific
            && (tok(infos, ids, 1).counts.in_family_list || tok(infos, ids, 1).honorific)
        {
            out.tokens.remove(0);
            out.ascii_tokens.remove(0);
            out.phonetic.remove(0);
            ids.remove(0);
            n -= 1;
            notes.honorifics_dropped = notes.honorifics_dropped.saturating_add(1);
        }

        // 5–7: parts.
        let sex;
        let (family, middle, given);
        let first = out.tokens.first().map_or("", String::as_str);
        if n >= 2 && first == "y" {
            notes.minority = true;
            sex = Some(Sex::Male);
            (family, middle, given) =
                if n >= 3 { (n - 1..n, 0..1, 1..n - 1) } else { (0..0, 0..1, 1..2) };
        } else if n >= 1 && first.starts_with("h'") {
            notes.minority = true;
            sex = Some(Sex::Female);
            (family, middle, given) =
                if n >= 2 { (n - 1..n, 0..0, 0..n - 1) } else { (0..0, 0..0, 0..1) };
        } else {
            if n >= 2 {
                let (first, last) = (tok(infos, ids, 0), tok(infos, ids, n - 1));
                let first_given_like = first.marker.is_some()
                    || (first.counts.family < 20 && !first.counts.family_like());
                if first_given_like && last.counts.surname_only() && last.marker.is_none() {
                    out.tokens.rotate_right(1);
                    out.ascii_tokens.rotate_right(1);
                    out.phonetic.rotate_right(1);
                    ids.rotate_right(1);
                    notes.rotated = true;
                }
            }
            (family, middle, given) = match n {
                0 => (0..0, 0..0, 0..0),
                1 if tok(infos, ids, 0).counts.family_like() => (0..1, 1..1, 1..1),
                1 => (0..0, 0..0, 0..1),
                2 if tok(infos, ids, 0).marker.is_some() => (0..0, 0..1, 1..2),
                2 => (0..1, 1..1, 1..2),
                _ if is_compound(t, &out.tokens[..2], &out.ascii_tokens[..2]) => {
                    (0..2, 2..n - 1, n - 1..n)
                }
                _ => (0..1, 1..n - 1, n - 1..n),
            };
            sex = middle_sex(infos, ids, middle.clone());
        }
        out.sex_hint = sex;

        finish_parts(out, infos, ids, family, middle, given);
        notes
    }
}

/// The sex the middle-name markers (Văn, Thị…) tell, `None` when they are absent or disagree.
fn middle_sex(infos: &[TokenInfo], ids: &[u32], middle: Range<usize>) -> Option<Sex> {
    let mut sex = None;
    for i in middle {
        match (sex, tok(infos, ids, i).marker) {
            (_, None) => {}
            (None, s) => sex = s,
            (Some(a), Some(b)) if a != b => return None,
            _ => {}
        }
    }
    sex
}

/// Fills the strings, classes and ranges of `out` from its tokens and their parts.
fn finish_parts(
    out: &mut Name,
    infos: &[TokenInfo],
    ids: &[u32],
    family: Range<usize>,
    middle: Range<usize>,
    given: Range<usize>,
) {
    // Strings of the parts.
    join_into(&mut out.text, &out.tokens);
    join_into(&mut out.ascii, &out.ascii_tokens);
    join_into(&mut out.family, &out.tokens[family.clone()]);
    join_into(&mut out.middle, &out.tokens[middle.clone()]);
    join_into(&mut out.given, &out.tokens[given.clone()]);

    // Classes; a name written without diacritics takes the likely accented forms' classes
    // (`TokenInfo::family_class`).
    let plain = out.text.is_ascii();
    out.family_class.clear();
    out.family_class_ascii.clear();
    if let Some(i) = family.clone().next() {
        out.family_class.push_str(tok(infos, ids, i).family_class(plain));
        out.family_class_ascii.push_str(&tok(infos, ids, i).family_class_ascii);
    }
    out.given_class.clear();
    out.given_class_ascii.clear();
    for i in given.clone() {
        if !out.given_class.is_empty() {
            out.given_class.push(' ');
            out.given_class_ascii.push(' ');
        }
        out.given_class.push_str(tok(infos, ids, i).given_class(plain));
        out.given_class_ascii.push_str(&tok(infos, ids, i).given_class_ascii);
    }

    out.family_range = family;
    out.middle_range = middle;
    out.given_range = given;
}

/// A quick filter for [`text::splits_words`]: `false` when every non-ASCII character of `value`
/// is a Vietnamese or Latin-1 letter (lead bytes `C3`–`C6`, or `E1 B8`–`E1 BB`), as in nearly
/// every name.
fn may_hold_symbols(value: &str) -> bool {
    let b = value.as_bytes();
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        i += match x {
            0..=0x7F => 1,
            0xC3 if !matches!(b.get(i + 1), Some(0x97 | 0xB7)) => 2,
            0xC4..=0xC6 => 2,
            0xE1 if matches!(b.get(i + 1), Some(0xB8..=0xBB)) => 3,
            _ => return true,
        };
    }
    false
}

/// Whether the canonical pass changes a Windows-1252 character of `value` into another one, which
/// a legacy reading sees differently: an upper-case Latin-1 letter (`Ð` included), `Š Œ Ž Ÿ`, the
/// soft hyphen (removed) or an apostrophe look-alike (`’ ‘ ´ ′ ʼ`, unified).
fn recased_for_legacy(value: &str) -> bool {
    let b = value.as_bytes();
    b.windows(2).any(|w| match w[0] {
        0xC3 => (0x80..=0x9E).contains(&w[1]),
        0xC2 => matches!(w[1], 0xAD | 0xB4),
        0xC5 => matches!(w[1], 0x92 | 0xA0 | 0xB8 | 0xBD),
        0xCA | 0xE2 => true,
        _ => false,
    })
}

fn is_honorific(t: &NameTables, canon: &str, ascii: &str) -> bool {
    HONORIFICS.contains(&canon)
        || (canon.is_ascii()
            && HONORIFICS_ASCII.contains(&ascii)
            && !t.ascii.get(ascii).is_some_and(|c| c.in_family_list))
}

fn is_compound(t: &NameTables, canon: &[String], ascii: &[String]) -> bool {
    t.compounds.iter().any(|pair| {
        pair.iter()
            .zip(canon.iter().zip(ascii))
            .all(|((pc, pa), (c, a))| if c.is_ascii() { pa == a } else { pc == c })
    })
}

/// Appends the canonical and ASCII classes of one token.
fn push_class(
    canon: &str,
    ascii: &str,
    map: &FxHashMap<String, (String, String)>,
    ascii_map: &FxHashMap<String, String>,
    out: &mut String,
    out_ascii: &mut String,
) {
    let (start, start_a) = (out.len(), out_ascii.len());
    if let Some((rep, rep_ascii)) = map.get(canon) {
        out.push_str(rep);
        out_ascii.push_str(rep_ascii);
    } else {
        out.push_str(canon);
        // Accented: the fold of the class, which is the ASCII token. ASCII: the ASCII equivalence.
        let a = if canon.is_ascii() { ascii_map.get(ascii) } else { None };
        out_ascii.push_str(a.map_or(ascii, String::as_str));
    }
    apply_iy(out, start);
    apply_iy(out_ascii, start_a);
}

/// The letter a digit or symbol inside a word is usually misread for (OCR and hand-keyed forms:
/// 0 and o, 1 and l, 5 and s, 8 and b), `None` for other characters.
fn misread_letter(c: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '|' => 'l',
        '2' => 'z',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '6' | '9' => 'g',
        '7' => 't',
        '8' => 'b',
        ':' => 'i',
        _ => return None,
    })
}

/// The most words a placeholder phrase has ("man of the house").
const PLACEHOLDER_WORDS: usize = 4;

/// The placeholder phrases of `data/en-names/placeholders.csv`, each with whether it stands for
/// a family name too.
fn placeholders() -> &'static FxHashMap<&'static str, bool> {
    static CELL: OnceLock<FxHashMap<&'static str, bool>> = OnceLock::new();
    CELL.get_or_init(|| {
        refdata::placeholders().iter().map(|p| (p.phrase.as_str(), p.family)).collect()
    })
}

/// Whether `phrase` (lower-case ASCII words joined by one space) is something forms write in
/// place of an English name part: a title ("mr"), a household role ("son", "lady of the house"),
/// a refusal ("refused", "anon"), as respondents of censuses and surveys do. In the family
/// position (`family`), words that are also real surnames (Son, Friend, House, Child) are not.
///
/// ```
/// use vnlink::normalize::name::is_placeholder;
/// assert!(is_placeholder("respondent", true) && is_placeholder("lady of the house", true));
/// assert!(is_placeholder("son", false) && !is_placeholder("son", true));
/// assert!(!is_placeholder("smith", false));
/// ```
pub fn is_placeholder(phrase: &str, family: bool) -> bool {
    placeholders().get(phrase).is_some_and(|&in_family| in_family || !family)
}

/// The number of leading (or, with `from_end`, trailing) words of `words` that form a
/// placeholder phrase of two words or more ([`is_placeholder`]), the longest; 0 when none does.
/// `family` as for [`is_placeholder`].
fn placeholder_run(words: &[&str], from_end: bool, family: bool) -> usize {
    let mut phrase = String::new();
    (2..=PLACEHOLDER_WORDS.min(words.len()))
        .rev()
        .find(|&k| {
            let run = if from_end { &words[words.len() - k..] } else { &words[..k] };
            phrase.clear();
            for w in run {
                if !phrase.is_empty() {
                    phrase.push(' ');
                }
                phrase.extend(w.chars().map(|c| c.to_ascii_lowercase()));
            }
            phrase.is_ascii() && is_placeholder(&phrase, family)
        })
        .unwrap_or(0)
}

/// Whether an ASCII lower-case token is the ASCII form of a Vietnamese family, middle or given
/// name of the embedded lists (`nguyen`, `van`, `lan`, `an`). The English-only rules of the
/// comparison (nicknames, initials, double family names) leave such tokens alone.
///
/// ```
/// use vnlink::normalize::name::is_vietnamese_name;
/// assert!(is_vietnamese_name("lan") && is_vietnamese_name("nguyen"));
/// assert!(!is_vietnamese_name("william") && !is_vietnamese_name("smith"));
/// ```
pub fn is_vietnamese_name(ascii: &str) -> bool {
    tables().ascii.contains_key(ascii)
}

/// Splits a name written given name first (`John A Smith`, as English forms write it) into its
/// family, middle and given parts, each written into its buffer (cleared first): the first word
/// is the given name; the family name is the last word, or every word after the first middle
/// initial (`Poppy M Martinez Hernandez` → `Martinez Hernandez`); the words between are the
/// middle. `Smith, John A` (a comma) puts the family name first. Two words whose second is an
/// initial (`Kimberly B`) have no family name: a lone letter is no surname. Generational
/// suffixes (`Jr`, `Sr`, `II`, `III`, `IV`) are dropped. A placeholder phrase of several words
/// ([`is_placeholder`]) at the start is the given name as a whole (`Man Of The J Guerra`), at
/// the end the family name (`Mary Lady Of The House`); the normaliser then drops it.
///
/// ```
/// use vnlink::normalize::name::split_given_first;
/// let mut p = [String::new(), String::new(), String::new()];
/// let mut split = |s: &str| {
///     split_given_first(s, &mut p);
///     (p[0].clone(), p[1].clone(), p[2].clone())
/// };
/// let s = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
/// assert_eq!(split("John A Smith"), s("Smith", "A", "John"));
/// assert_eq!(split("Poppy M Martinez Hernandez"), s("Martinez Hernandez", "M", "Poppy"));
/// assert_eq!(split("Kimberly B"), s("", "B", "Kimberly"));
/// assert_eq!(split("Smith, John A."), s("Smith", "A.", "John"));
/// assert_eq!(split("Robert Lee Jr"), s("Lee", "", "Robert"));
/// assert_eq!(split("Cher"), s("", "", "Cher"));
/// assert_eq!(split("Man Of The J Guerra"), s("Guerra", "J", "Man Of The"));
/// assert_eq!(split("Mary Lady Of The House"), s("Lady Of The House", "", "Mary"));
/// ```
pub fn split_given_first(input: &str, parts: &mut [String; 3]) {
    for p in parts.iter_mut() {
        p.clear();
    }
    let [family, middle, given] = parts;
    let push = |out: &mut String, words: &[&str]| {
        for w in words {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    };
    let suffix = |w: &str| {
        matches!(
            w.trim_end_matches('.').to_ascii_lowercase().as_str(),
            "jr" | "sr" | "ii" | "iii" | "iv"
        )
    };
    let initial = |w: &str| w.trim_end_matches('.').chars().count() == 1;
    if let Some((before, after)) = input.split_once(',') {
        let rest: Vec<&str> = after.split_whitespace().filter(|w| !suffix(w)).collect();
        push(family, &before.split_whitespace().collect::<Vec<_>>());
        if let Some((first, others)) = rest.split_first() {
            push(given, &[first]);
            push(middle, others);
        }
        return;
    }
    let mut words: Vec<&str> = input.split_whitespace().collect();
    while words.len() > 2 && words.last().is_some_and(|w| suffix(w)) {
        words.pop();
    }
    // A placeholder of several words stands for the given name (`Man Of The J Guerra`) or the
    // family name (`Mary Lady Of The House`) as a whole: it is kept in one part, which the
    // normaliser then drops.
    let lead = match placeholder_run(&words, false, false) {
        k if k < words.len() => k.max(1),
        _ => 1,
    };
    let tail = placeholder_run(&words[lead..], true, true);
    match words.as_slice() {
        [] => {}
        [only] => push(given, &[only]),
        [first, second] if initial(second) => {
            push(given, &[first]);
            push(middle, &[second]);
        }
        _ => {
            let (first, rest) = words.split_at(lead);
            push(given, first);
            let cut = if tail > 0 {
                rest.len() - tail
            } else {
                rest[..rest.len() - 1]
                    .iter()
                    .position(|w| initial(w))
                    .map_or(rest.len() - 1, |i| i + 1)
            };
            push(middle, &rest[..cut]);
            push(family, &rest[cut..]);
        }
    }
}

/// Normalises one name, deciding its legacy encoding on the value alone.
///
/// ```
/// use vnlink::normalize::name::normalize_name;
/// let n = normalize_name("Bà NGUYỄN THỊ HOÀ");
/// assert_eq!(n.text, "nguyễn thị hòa");
/// assert_eq!(n.ascii_tokens, ["nguyen", "thi", "hoa"]);
/// let n = normalize_name("Van An Nguyen");
/// assert_eq!((n.family.as_str(), n.middle.as_str(), n.given.as_str()), ("nguyen", "van", "an"));
/// let n = normalize_name("H'Hen Niê");
/// assert_eq!((n.family.as_str(), n.given.as_str()), ("niê", "h'hen"));
/// // Without diacritics, the classes of the most likely accented forms (Huỳnh, Phước).
/// let n = normalize_name("Huynh Van Phuoc");
/// assert_eq!((n.family_class.as_str(), n.given_class.as_str()), ("hoàng", "phúc"));
/// assert_eq!((n.family_class_ascii.as_str(), n.given_class_ascii.as_str()), ("hoang", "phuc"));
/// assert!(normalize_name(" 123 ").is_empty());
/// ```
pub fn normalize_name(input: &str) -> Name {
    let mut name = Name::default();
    NameNormalizer::new().normalize_into(input, None, &mut name);
    name
}

/// Normalises one name of a column whose legacy encoding is `enc` ([`legacy::detect_column`]).
pub fn normalize_name_with(input: &str, enc: LegacyEncoding) -> Name {
    let mut name = Name::default();
    NameNormalizer::new().normalize_into(input, Some(enc), &mut name);
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::legacy::{encode_tcvn3, encode_vni};
    use proptest::prelude::*;

    fn parts(n: &Name) -> (&str, &str, &str) {
        (n.family.as_str(), n.middle.as_str(), n.given.as_str())
    }

    fn p(input: &str) -> (String, String, String) {
        let n = normalize_name(input);
        (n.family, n.middle, n.given)
    }

    fn s3(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.to_owned(), b.to_owned(), c.to_owned())
    }

    /// Found by fuzzing (`normalize_name`): a symbol inside a legacy token made normalisation
    /// non-idempotent ("Lâ�m Văn Duy" gave "lâ m …", whose "lâ" reads as TCVN3 "lõ").
    #[test]
    fn symbols_inside_a_token_keep_normalisation_idempotent() {
        for input in ["L\u{e2}\u{fffd}m V\u{103}n Duy", "Lâ§m Văn Duy", "Lâ€m Văn Duy", "Trần Lâ—m"]
        {
            let n = normalize_name(input);
            assert_eq!(normalize_name(&n.text), n, "{input:?}");
        }
        // Found by fuzzing too: lower-casing changed the legacy reading ("HË" kept, "hë" → "hở").
        // And a stray combining mark before a word ("\u{31B}Èia" is a foreign run as a whole).
        for input in ["Võ Cma HË", "Pi Oỳ", "Lê \u{31B}Èia`iii"] {
            let n = normalize_name(input);
            assert_eq!(normalize_name(&n.text), n, "{input:?}");
        }
        // Apostrophes and invisible characters do not split words: nothing changes for them.
        assert_eq!(normalize_name("H’Hen Niê").text, "h'hen niê");
        assert_eq!(normalize_name("Nguy\u{ad}ễn Văn An").text, "nguyễn văn an");
    }

    #[test]
    fn family_middle_given() {
        let n = normalize_name("  NGUYỄN   Văn  Hùng ");
        assert_eq!(n.text, "nguyễn văn hùng");
        assert_eq!(n.ascii, "nguyen van hung");
        assert_eq!(n.tokens, ["nguyễn", "văn", "hùng"]);
        assert_eq!(n.ascii_tokens, ["nguyen", "van", "hung"]);
        assert_eq!(parts(&n), ("nguyễn", "văn", "hùng"));
        assert_eq!(
            (n.family_range.clone(), n.middle_range.clone(), n.given_range.clone()),
            (0..1, 1..2, 2..3)
        );
        assert_eq!(n.family_tokens(), ["nguyễn"]);
        assert_eq!(n.middle_tokens(), ["văn"]);
        assert_eq!(n.given_tokens(), ["hùng"]);
        assert_eq!(n.phonetic, ["nguyeN", "vaN", "huN"]);
        assert_eq!(n.sex_hint, Some(Sex::Male));
        assert_eq!(p("Trần Thị Ngọc Ánh"), s3("trần", "thị ngọc", "ánh"));
        assert_eq!(p("Lê Lợi"), s3("lê", "", "lợi"));
        assert_eq!(p("Phạm Nguyễn Minh Châu"), s3("phạm", "nguyễn minh", "châu"));
        assert_eq!(p("Nguyễn, Văn. An 1980"), s3("nguyễn", "văn", "an"));
    }

    #[test]
    fn compound_family_names() {
        let n = normalize_name("Tôn Thất Thuyết");
        assert_eq!(parts(&n), ("tôn thất", "", "thuyết"));
        assert_eq!(n.family_range, 0..2);
        assert_eq!(n.family_class, "tôn");
        assert_eq!(p("Tôn Nữ Thị Hoa"), s3("tôn nữ", "thị", "hoa"));
        assert_eq!(p("Âu Dương Lan"), s3("âu dương", "", "lan"));
        assert_eq!(p("Ton That Thuyet"), s3("ton that", "", "thuyet"));
        let n = normalize_name("Nguyễn Phước Lộc");
        assert_eq!(parts(&n), ("nguyễn phước", "", "lộc"));
        assert_eq!(n.family_class, "nguyễn");
        // Two tokens: the second is the given name.
        assert_eq!(p("Âu Dương"), s3("âu", "", "dương"));
    }

    #[test]
    fn honorifics_and_kin_terms() {
        for (input, want) in [
            ("Bà Nguyễn Thị Lan", "nguyễn thị lan"),
            ("Ông NGUYEN VAN AN", "nguyen van an"),
            ("Cháu Nguyễn Văn Bé", "nguyễn văn bé"),
            ("Em Trần Văn Tý", "trần văn tý"),
            ("Chị Lê Hoa", "lê hoa"),
            ("ông bà Trần Văn Nam", "trần văn nam"),
            // Not followed by two tokens, or by a family name: kept.
            ("Bà Lan", "bà lan"),
            ("Anh Thư Nguyễn", "nguyễn anh thư"),
            // Chau is also the family name Châu.
            ("Chau Van Long", "chau van long"),
        ] {
            assert_eq!(normalize_name(input).text, want, "{input}");
        }
        let mut name = Name::default();
        let notes = NameNormalizer::new().normalize_into("ông bà Trần Văn Nam", None, &mut name);
        assert_eq!(notes.honorifics_dropped, 2);
    }

    #[test]
    fn minority_names() {
        let n = normalize_name("Y Moan Ênuôl");
        assert_eq!(n.tokens, ["y", "moan", "ênuôl"]);
        assert_eq!(parts(&n), ("ênuôl", "y", "moan"));
        assert_eq!(n.sex_hint, Some(Sex::Male));
        let n = normalize_name("H’Hen Niê");
        assert_eq!(n.tokens, ["h'hen", "niê"]);
        assert_eq!(n.ascii_tokens, ["hhen", "nie"]);
        assert_eq!(parts(&n), ("niê", "", "h'hen"));
        assert_eq!(n.given_class_ascii, "hhen");
        assert_eq!(n.sex_hint, Some(Sex::Female));
        // The apostrophe is a removable separator: same ASCII token and phonetic key.
        let m = normalize_name("Hhen Niê");
        assert_eq!(m.ascii_tokens[0], n.ascii_tokens[0]);
        assert_eq!(m.phonetic[0], n.phonetic[0]);
        assert_eq!(p("Y Ngông Niê Kdăm"), s3("kdăm", "y", "ngông niê"));
        assert_eq!(p("Y Moan"), s3("", "y", "moan"));
        assert_eq!(p("H'Hen"), s3("", "", "h'hen"));
        // "Ý" (a given name) is not the prefix Y.
        assert_eq!(p("Ý Lan"), s3("ý", "", "lan"));
    }

    #[test]
    fn given_name_first_order_is_rotated() {
        let mut norm = NameNormalizer::new();
        let mut name = Name::default();
        for (input, want, rotated) in [
            ("An Nguyen", ("nguyen", "", "an"), true),
            ("Van An Nguyen", ("nguyen", "van", "an"), true),
            ("Thi Lan Tran", ("tran", "thi", "lan"), true),
            ("Minh Trần", ("trần", "", "minh"), true),
            ("Thư Anh Phạm", ("phạm", "thư", "anh"), true),
            // Hoàng is a frequent family name (and Hoàng Đoàn a plausible name): not moved.
            ("Hoàng Nguyễn", ("hoàng", "", "nguyễn"), false),
            ("Hoàng Đoàn", ("hoàng", "", "đoàn"), false),
            ("Triệu Lăng", ("triệu", "", "lăng"), false),
            ("Trieu Lang", ("trieu", "", "lang"), false),
            ("Nguyễn Hoàng", ("nguyễn", "", "hoàng"), false),
            ("Minh Hoàng", ("minh", "", "hoàng"), false),
            ("Nguyễn Trần", ("nguyễn", "", "trần"), false),
            ("Lan Văn", ("lan", "", "văn"), false),
        ] {
            let notes = norm.normalize_into(input, None, &mut name);
            assert_eq!(parts(&name), want, "{input}");
            assert_eq!(notes.rotated, rotated, "{input}");
        }
        let n = normalize_name("Thi Lan Tran");
        assert_eq!(n.sex_hint, Some(Sex::Female));
    }

    #[test]
    fn short_names() {
        assert_eq!(p("Thị Lan"), s3("", "thị", "lan"));
        assert_eq!(normalize_name("Thị Lan").sex_hint, Some(Sex::Female));
        assert_eq!(p("Lan"), s3("", "", "lan"));
        assert_eq!(p("Nguyễn"), s3("nguyễn", "", ""));
        assert_eq!(p("Hoàng"), s3("", "", "hoàng"));
        for garbage in ["", "   ", "123", "!!! --- ???", "\u{301}\u{300}", "\u{0}\u{1}"] {
            let n = normalize_name(garbage);
            assert!(n.is_empty(), "{garbage:?}");
            assert_eq!(n, Name::default(), "{garbage:?}");
        }
    }

    #[test]
    fn family_classes() {
        let class = |s: &str| {
            let n = normalize_name(s);
            (n.family_class, n.family_class_ascii)
        };
        assert_eq!(class("Huỳnh Văn A"), class("Hoàng Văn A"));
        assert_eq!(class("Huỳnh Văn A"), ("hoàng".into(), "hoang".into()));
        assert_eq!(class("Võ Thị B"), ("vũ".into(), "vu".into()));
        // Without diacritics: the class of the most likely accented form.
        for ascii in ["Huynh Van A", "Hoang Van A"] {
            assert_eq!(class(ascii), ("hoàng".into(), "hoang".into()), "{ascii}");
        }
        for ascii in ["Vo Thi B", "Vu Thi B"] {
            assert_eq!(class(ascii), ("vũ".into(), "vu".into()), "{ascii}");
        }
        assert_eq!(class("Nguyen Van C"), ("nguyễn".into(), "nguyen".into()));
        assert_eq!(class("Dang Van C"), ("đặng".into(), "dang".into()));
        assert_eq!(class("Doan Van C").0, "đoàn"); // Đoàn 104 in the sample, Doãn 2
        assert_eq!(class("Smith John").0, "smith"); // no Vietnamese name folds to it
        assert_eq!(class("Hoang Văn Nam").0, "hoàng"); // `hoang` is no family name as it stands
        assert_eq!(class("Nguyển Văn C").0, "nguyễn");
        assert_eq!(class("Lí Văn D"), class("Lý Văn D"));
        assert_eq!(class("Li Van D").1, "ly");
        // Chu/Châu stays apart (weak equivalence).
        assert_ne!(class("Chu Văn An").0, class("Châu Văn An").0);
        assert_eq!(class("Trần Văn E"), ("trần".into(), "tran".into()));
        assert_eq!(class("Lan").0, "");
    }

    #[test]
    fn given_classes() {
        let class = |s: &str| {
            let n = normalize_name(s);
            (n.given_class, n.given_class_ascii)
        };
        for (a, b) in [
            ("Nguyễn Văn Phước", "Nguyễn Văn Phúc"),
            ("Trần Nhựt", "Trần Nhật"),
            ("Lê Tòng", "Lê Tùng"),
            ("Lê Thị Huê", "Lê Thị Hoa"),
            ("Lê Chánh", "Lê Chính"),
            ("Lê Thạnh", "Lê Thịnh"),
            ("Lê Nhơn", "Lê Nhân"),
            ("Lê Kiểng", "Lê Cảnh"),
            ("Phan Thị Vi", "Phan Thị Vy"),
            ("Phan Văn Quí", "Phan Văn Quý"),
            ("Phan Thị Mĩ", "Phan Thị Mỹ"),
            ("Phan Văn Sĩ", "Phan Văn Sỹ"),
            ("Phan Thị Chi", "Phan Thị Chy"),
        ] {
            assert_eq!(class(a), class(b), "{a} / {b}");
        }
        // Without diacritics only the ASCII classes can agree.
        for (a, b) in [
            ("Nguyen Van Phuoc", "Nguyen Van Phuc"),
            ("Tran Nhut", "Tran Nhat"),
            ("Phan Thi Vi", "Phan Thi Vy"),
            ("Phan Thi Vi", "Phan Thị Vy"),
        ] {
            assert_eq!(class(a).1, class(b).1, "{a} / {b}");
        }
        assert_eq!(class("Nguyễn Văn Phước"), ("phúc".into(), "phuc".into()));
        assert_eq!(class("Phan Thị Vi"), ("vy".into(), "vy".into()));
        // ASCII given names take the class of their most likely accented form.
        for ascii in ["Nguyen Van Phuoc", "Nguyen Van Phuc"] {
            assert_eq!(class(ascii), ("phúc".into(), "phuc".into()), "{ascii}");
        }
        assert_eq!(class("Tran Nhut"), class("Trần Nhật"));
        assert_eq!(class("Le Van Hung").0, "hùng"); // Hùng 117, Hưng 76
        // ... among the forms that agree with the ASCII class: Huynh is a given name of its own.
        assert_eq!(class("Le Van Huynh"), ("huynh".into(), "huynh".into()));
        assert_eq!(class("Le Thanh"), ("thành".into(), "thanh".into()));
        // A listed name without diacritics stands for itself beside accented tokens, and for
        // its likely accented form in a name without any; an unlisted one for that form.
        assert_eq!(class("Lê Thị Hoa"), ("hoa".into(), "hoa".into()));
        assert_eq!(class("Le Thi Hoa"), ("hòa".into(), "hoa".into()));
        assert_eq!(class("Nguyễn Văn Phuoc"), ("phúc".into(), "phuc".into()));
        // ASCII variants that are also other names are not merged.
        assert_eq!(class("Le Thanh").1, "thanh");
        assert_eq!(class("Le Thi Hue").1, "hue");
        assert_eq!(class("Lê Thị Huệ").1, "hue");
        assert_ne!(class("Lê Thanh").0, class("Lê Thạnh").0);
        // gì is not gỳ; a lone i/y is not changed.
        assert_eq!(class("Lê Gì").0, "gì");
        assert_eq!(class("Lê Ý").0, "ý");
        assert_eq!(class("Y Moan Ênuôl").0, "moan");
    }

    /// Every canonical class folds to its ASCII class, with or without diacritics, in names with
    /// and without diacritics, for every listed name and class variant in either part.
    #[test]
    fn classes_fold_to_the_ascii_classes() {
        let mut norm = NameNormalizer::new();
        let mut n = Name::default();
        let t = tables();
        let names = t.family_class.keys().chain(t.given_class.keys()).chain(t.canon.keys());
        let mut checked = 0;
        for name in names {
            let ascii = ascii_key(name);
            for form in [name.as_str(), ascii.as_str()] {
                for parts in [
                    [form, "văn", "an"],
                    [form, "van", "an"],
                    ["nguyễn", "văn", form],
                    ["nguyen", "van", form],
                ] {
                    norm.normalize_parts_into(parts, None, &mut n);
                    assert_eq!(ascii_key(&n.family_class), n.family_class_ascii, "{parts:?}");
                    assert_eq!(ascii_key(&n.given_class), n.given_class_ascii, "{parts:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 4000, "{checked}");
    }

    #[test]
    fn sex_hints() {
        let sex = |s: &str| normalize_name(s).sex_hint;
        assert_eq!(sex("Nguyễn Thị Lan"), Some(Sex::Female));
        assert_eq!(sex("Nguyen Thi Lan"), Some(Sex::Female));
        assert_eq!(sex("Nguyễn Văn Nam"), Some(Sex::Male));
        assert_eq!(sex("NGUYEN VAN NAM"), Some(Sex::Male));
        assert_eq!(sex("Nguyễn Vân Anh"), None);
        assert_eq!(sex("Nguyễn Lan"), None);
        assert_eq!(sex("Nguyễn Văn Thị Lan"), None);
        assert_eq!(sex("Nguyễn Hồng Thị Lan"), Some(Sex::Female));
    }

    #[test]
    fn legacy_values() {
        assert_eq!(normalize_name("NguyÔn ThÞ Hµ").text, "nguyễn thị hà");
        assert_eq!(normalize_name("NGUYÔN V¡N H¦NG").text, "nguyễn văn hưng");
        assert_eq!(normalize_name("Nguyeãn Thò Hoàng Anh").text, "nguyễn thị hồng anh");
        assert_eq!(normalize_name("D\u{AD}¬ng V¨n Minh").text, "dương văn minh");
        // Ambiguous alone; the column decides.
        assert_eq!(normalize_name("Hoà Hoàng").text, "hòa hoàng");
        assert_eq!(normalize_name_with("Hoà Hoàng", LegacyEncoding::Vni).text, "hồ hồng");
        let mut name = Name::default();
        let notes = NameNormalizer::new().normalize_into("TrÇn V¨n B×nh", None, &mut name);
        assert_eq!(notes.encoding, LegacyEncoding::Tcvn3);
        assert_eq!(name.text, "trần văn bình");
    }

    #[test]
    fn token_cache_starts_afresh_when_full() {
        let mut norm = NameNormalizer::new();
        let mut name = Name::default();
        let letters: Vec<char> = ('a'..='z').collect();
        let (mut resets, mut last_len) = (0, 0);
        for a in &letters {
            for b in &letters {
                for c in &letters {
                    let input = format!("Nguyễn {a}{b}{c}o {a}{b}{c}u");
                    norm.normalize_into(&input, None, &mut name);
                    let len = norm.cache.infos.len();
                    assert!(len <= TOKEN_CACHE_CAP + 3);
                    resets += usize::from(len < last_len);
                    last_len = len;
                }
            }
        }
        assert_eq!(resets, 1);
        norm.normalize_into("Phạm Thị Huệ", None, &mut name);
        assert_eq!(name, normalize_name("Phạm Thị Huệ"));
    }

    #[test]
    fn buffers_are_reused_without_stale_fields() {
        let mut norm = NameNormalizer::new();
        let mut name = Name::default();
        norm.normalize_into("Tôn Nữ Thị Ngọc Bích Hoa", None, &mut name);
        norm.normalize_into("Lan", None, &mut name);
        assert_eq!(name, normalize_name("Lan"));
        norm.normalize_into("", None, &mut name);
        assert_eq!(name, Name::default());
    }

    fn mixed(s: &str) -> String {
        let mut out = String::new();
        for c in s.nfc() {
            let d: String = c.to_string().nfd().collect();
            let is_tone =
                |m: char| matches!(m, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}');
            let rest: String = d.chars().filter(|&m| !is_tone(m)).collect();
            out.extend(rest.nfc());
            out.extend(d.chars().filter(|&m| is_tone(m)));
        }
        out
    }

    /// The same name in the new tone convention (oa, oe, uy open: tone on the second vowel).
    fn new_convention(s: &str) -> String {
        s.split(' ')
            .map(|w| {
                let mut toneless = String::new();
                let tone = text::split_tone_into(w, &mut toneless);
                let lower = toneless.clone();
                let moved = ["oa", "oe", "uy"].iter().any(|nuc| {
                    lower.ends_with(nuc)
                        && !lower.ends_with(&format!("q{nuc}"))
                        && lower.chars().rev().nth(2).is_none_or(|c| !"aăâeêioôơuưy".contains(c))
                });
                match (moved, tone.mark()) {
                    (true, Some(m)) => {
                        let mut w2 = toneless;
                        w2.push(m);
                        w2.nfc().collect()
                    }
                    _ => w.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Names from the embedded lists; given names that are also frequent surnames (a handful
    /// of sample occurrences of Nguyễn, Huỳnh … as given names) are left out: such a name reads
    /// as given-first (module docs, step 6).
    fn full_name() -> impl Strategy<Value = String> {
        let t = tables();
        let list = |v: &'static [refdata::NamePart]| {
            v.iter()
                .map(|n| n.name.clone())
                .filter(|n| {
                    let c = text::canonical(n);
                    !t.counts(&c, &ascii_key(&c)).surname_only()
                        && !t.ascii.get(&ascii_key(&c)).is_some_and(|a| a.surname_only())
                })
                .collect::<Vec<_>>()
        };
        let fam: Vec<String> = refdata::family_names().iter().map(|n| n.name.clone()).collect();
        (
            prop::sample::select(fam),
            prop::collection::vec(prop::sample::select(list(refdata::middle_names())), 0..3),
            prop::sample::select(list(refdata::given_names())),
        )
            .prop_map(|(f, m, g)| {
                let mut v = vec![f];
                v.extend(m);
                v.push(g);
                v.join(" ")
            })
    }

    /// A name as it may arrive: honorific, case, spacing, given-first order, no diacritics.
    fn decorated_name() -> impl Strategy<Value = String> {
        (full_name(), 0..4u8, any::<bool>(), any::<bool>(), 0..3u8).prop_map(
            |(n, hon, upper, ascii, order)| {
                let mut s = n;
                if order == 1 {
                    let mut t: Vec<&str> = s.split(' ').collect();
                    t.rotate_left(1);
                    s = t.join(" ");
                }
                if hon == 1 {
                    s = format!("Bà {s}");
                }
                if upper {
                    s = s.to_uppercase();
                }
                if ascii {
                    s = text::fold(&s);
                }
                s.replace(' ', "  ")
            },
        )
    }

    proptest! {
        #[test]
        fn idempotent(s in decorated_name()) {
            let n = normalize_name(&s);
            prop_assert_eq!(normalize_name(&n.text), n.clone());
            prop_assert_eq!(n.tokens.len(), n.ascii_tokens.len());
            prop_assert_eq!(n.tokens.len(), n.phonetic.len());
            prop_assert!(n.ascii.is_ascii());
        }

        #[test]
        fn forms_and_conventions_agree(s in full_name()) {
            let n = normalize_name(&s);
            prop_assert_eq!(n.text.clone(), s.to_lowercase());
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(&normalize_name(&nfd), &n);
            prop_assert_eq!(&normalize_name(&mixed(&s)), &n);
            prop_assert_eq!(&normalize_name(&new_convention(&s)), &n);
            prop_assert_eq!(&normalize_name(&s.to_uppercase()), &n);
            // Without diacritics: the same ASCII tokens and phonetic keys (the order may differ:
            // the family/given decision has less evidence).
            let a = normalize_name(&text::fold(&s));
            let sorted = |v: &[String]| { let mut v = v.to_vec(); v.sort(); v };
            prop_assert_eq!(sorted(&a.ascii_tokens), sorted(&n.ascii_tokens));
            prop_assert_eq!(sorted(&a.phonetic), sorted(&n.phonetic));
        }

        #[test]
        fn legacy_columns(s in full_name()) {
            let n = normalize_name(&s);
            prop_assert_eq!(&normalize_name_with(&encode_vni(&s), LegacyEncoding::Vni), &n);
            prop_assert_eq!(&normalize_name_with(&encode_tcvn3(&s), LegacyEncoding::Tcvn3), &n);
            prop_assert_eq!(&normalize_name_with(&s, LegacyEncoding::Unicode), &n);
        }

        #[test]
        fn never_panics(s in any::<String>(), e in 0..4u8) {
            let enc = [None, Some(LegacyEncoding::Unicode), Some(LegacyEncoding::Tcvn3), Some(LegacyEncoding::Vni)];
            let mut name = Name::default();
            let mut norm = NameNormalizer::new();
            norm.normalize_into(&s, enc[usize::from(e)], &mut name);
            prop_assert_eq!(name.tokens.len(), name.phonetic.len());
            prop_assert!(name.family_range.end <= name.tokens.len());
            prop_assert!(name.middle_range.end <= name.tokens.len());
            prop_assert!(name.given_range.end <= name.tokens.len());
        }
    }
}
