//! Comparisons: each field of a pair of records is mapped to a *comparison level*.
//!
//! The comparators read [`Features`], a fixed 96-byte summary of one record computed once at build
//! time and stored as-is in the `.vnl` file (hashes of the normalised forms, codes, packed dates,
//! numbers), plus the ASCII name for string similarity. Most levels are decided by comparing
//! integers; string similarity (Jaro–Winkler from `rapidfuzz`, on ASCII-folded bytes) runs only
//! when the integers leave the question open, and token similarities are memoised per thread
//! because names come from a small vocabulary.
//!
//! English names share the name levels: the nickname table ([`crate::normalize::nickname`]),
//! initials and double family names widen the levels noted below, and never apply to tokens that
//! are Vietnamese names ([`crate::normalize::name::is_vietnamese_name`]).
//!
//! Level 0 of every field means "missing on either side" and weighs nothing. The other levels go
//! from the strongest agreement to disagreement; their names are in [`LEVELS`].
//!
//! | field | levels |
//! |---|---|
//! | name | exact · exact without diacritics · same tokens, other order · same family class, given name and middle up to a dropped middle (English names: or a nickname, a middle initial, one part of a double family name) · one token mistyped · Jaro–Winkler ≥ 0.92 (or a given initial, double family names sharing a part) · same phonetic keys · same family and given names, other middles · given name only · different |
//! | dob | exact · day and month swapped · same year and month · year-only agrees · same year · year ±1, same day and month · year ±1 · different |
//! | address | same ward and house number · same ward · same old district, or same new province and street · same province, a ward unknown · same province, other wards · different |
//! | id | exact · one digit off or two adjacent swapped (when the names agree at least on the given name) · different (a CCCD and a CMND are never compared: missing) |
//! | phone | exact · different |
//! | sex | equal · different |

use bytemuck::{Pod, Zeroable};
use rustc_hash::FxHashMap;

use crate::normalize::name::is_vietnamese_name;
use crate::normalize::nickname::nickname_equivalent;
use crate::schema::{ExtraField, MAX_EXTRA};
pub use crate::util::similarity::{MAX_COMPARED_BYTES, jaro_winkler, one_edit};

pub mod extra;
mod pattern;

pub use pattern::{MAX_FIELDS, MAX_LEVELS, Pattern, Place};

/// Index of the name field in a [`Pattern`].
pub const NAME: usize = 0;
/// Index of the date-of-birth field.
pub const DOB: usize = 1;
/// Index of the address field.
pub const ADDRESS: usize = 2;
/// Index of the national-id field.
pub const ID: usize = 3;
/// Index of the phone field.
pub const PHONE: usize = 4;
/// Index of the sex field.
pub const SEX: usize = 5;
/// Number of compared fields.
pub const FIELDS: usize = 6;

/// Field names, in pattern order.
pub use crate::schema::FIELD_NAMES;
const _: () = assert!(FIELD_NAMES.len() == FIELDS);

/// Level labels per field (level 1 first; level 0 is always "missing").
pub const LEVELS: [&[&str]; FIELDS] = [
    &[
        "exact",
        "exact_ascii",
        "same_tokens_other_order",
        "family_class_given_middle_dropped",
        "one_token_typo",
        "jaro_winkler_0.92",
        "phonetic",
        "family_given_middle_differs",
        "given_only",
        "different",
    ],
    &[
        "exact",
        "day_month_swapped",
        "same_year_month",
        "year_only_agrees",
        "same_year",
        "year_off_by_one_same_day",
        "year_off_by_one",
        "different",
    ],
    &[
        "same_ward_and_house",
        "same_ward",
        "same_district_or_street",
        "same_province_ward_unknown",
        "same_province_other_ward",
        "different",
    ],
    &["exact", "one_digit_off", "different"],
    &["exact", "different"],
    &["equal", "different"],
];

/// Per fixed field, the pairs of levels `(stronger, weaker)` whose weights may not invert: a
/// trained model is projected onto these orders ([`crate::model::monotone`]). They are partial
/// orders where the levels are not comparable (a dropped middle name against a typo in the given
/// name; a phonetic spelling against Jaro–Winkler ≥ 0.92; a year off by one with the same day
/// and month against the same year with another month), chains elsewhere. Every level is weaker
/// than the first and stronger than the last.
pub const ORDERS: [&[(u8, u8)]; FIELDS] = [
    // name: exact ≥ exact_ascii ≥ {same tokens, classes with middle dropped, phonetic};
    // classes ≥ one typo ≥ Jaro–Winkler; same tokens ≥ Jaro–Winkler; classes ≥ family and
    // given with other middles; {JW, phonetic, family and given} ≥ given only ≥ different.
    &[
        (1, 2),
        (2, 3),
        (2, 4),
        (2, 7),
        (3, 6),
        (4, 5),
        (4, 8),
        (5, 6),
        (6, 9),
        (7, 9),
        (8, 9),
        (9, 10),
    ],
    // dob: exact ≥ {day/month swapped, same year and month, year only, year ±1 same day};
    // those ≥ same year (year ±1 same day ≥ year ±1); same year, year ±1 ≥ different.
    &[(1, 2), (1, 3), (1, 4), (1, 6), (2, 5), (3, 5), (4, 5), (5, 8), (6, 7), (7, 8)],
    // address: a chain, from the same house to another province.
    &[(1, 2), (2, 3), (3, 4), (4, 5), (5, 6)],
    // id: exact ≥ one digit off ≥ different.
    &[(1, 2), (2, 3)],
    // phone, sex: agree ≥ differ.
    &[(1, 2)],
    &[(1, 2)],
];

/// The order of a field's levels ([`ORDERS`] for the fixed fields, a chain in level order for
/// extra fields, whose levels go from the strongest to disagreement).
pub fn level_order(field: usize, levels: usize) -> Vec<(u8, u8)> {
    match ORDERS.get(field) {
        Some(o) => o.to_vec(),
        None => (1..levels as u8).map(|l| (l, l + 1)).collect(),
    }
}

/// The orders of every field of `records` (see [`level_order`]).
pub fn field_orders<R: Records + ?Sized>(records: &R) -> Vec<Vec<(u8, u8)>> {
    field_levels(records).iter().enumerate().map(|(f, l)| level_order(f, l.len())).collect()
}

/// Where two records' addresses place them ([`Place`]), from a pattern's address level: same
/// ward and house number, same ward, elsewhere (or unknown).
#[inline]
pub fn place(p: Pattern) -> Place {
    match p.level(ADDRESS) {
        1 => Place::SameHouse,
        2 => Place::SameWard,
        _ => Place::Elsewhere,
    }
}

/// The index of each address level's [`Place`] in [`Place::ALL`], for
/// [`crate::model::ConditionalU`].
pub const PLACE_OF_ADDRESS_LEVEL: [usize; MAX_LEVELS] =
    [0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// The name levels, as numbers.
pub mod name_level {
    #![allow(missing_docs)]
    pub const EXACT: u8 = 1;
    pub const EXACT_ASCII: u8 = 2;
    pub const SAME_TOKENS: u8 = 3;
    pub const CLASS_MIDDLE: u8 = 4;
    pub const ONE_TYPO: u8 = 5;
    pub const JARO_WINKLER: u8 = 6;
    pub const PHONETIC: u8 = 7;
    pub const FAMILY_GIVEN: u8 = 8;
    pub const GIVEN_ONLY: u8 = 9;
    pub const DIFFERENT: u8 = 10;
}

/// A record's comparison features: everything the comparators and the blocking keys need,
/// 96 bytes, plain old data (stored as-is in the store, read zero-copy).
///
/// Hashes are of normalised forms (0 = missing); codes are the gazetteer's (0 = unknown).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Pod, Zeroable)]
pub struct Features {
    /// Hash of the canonical full name (with diacritics).
    pub name: u64,
    /// Hash of the ASCII-folded full name.
    pub name_ascii: u64,
    /// The national id in `NationalId::to_u64` form (kind tag + digits), 0 if none or invalid.
    pub national_id: u64,
    /// The phone number as an integer of its national form, 0 if none.
    pub phone: u64,
    /// Hash of the ASCII tokens sorted (order-free name).
    pub name_sorted: u32,
    /// Hash of the tokens' phonetic keys, sorted.
    pub name_phonetic: u32,
    /// Hash of the family-name class (Hoàng = Huỳnh, Vũ = Võ).
    pub family_class: u32,
    /// Hash of the ASCII family name.
    pub family: u32,
    /// Hash of the ASCII middle name(s), 0 if none.
    pub middle: u32,
    /// Hash of the middle name without Văn/Thị, 0 if nothing else.
    pub middle_core: u32,
    /// Hash of the ASCII given name.
    pub given: u32,
    /// Hash of the given-name class (Phúc = Phước …).
    pub given_class: u32,
    /// Hash of the given name's phonetic key.
    pub given_phonetic: u32,
    /// Packed date of birth (`Date::pack`), 0 if missing.
    pub dob: u32,
    /// Old (pre-2025) ward code, 0 if unknown.
    pub ward_old: u32,
    /// New (post-2025) ward code when the address was written in the new form, 0 otherwise.
    pub ward_new: u32,
    /// Hash of the ASCII street name, 0 if none.
    pub street: u32,
    /// Hash of the house number with its alley, 0 if none.
    pub house: u32,
    /// Old district code, 0 if unknown.
    pub district_old: u16,
    /// New province code (derived from the old one for old-style addresses), 0 if unknown.
    pub province_new: u8,
    /// Old province code, 0 if unknown.
    pub province_old: u8,
    /// Sex: 0 unknown, 1 male, 2 female.
    pub sex: u8,
    /// Number of name tokens (0 = no name).
    pub name_tokens: u8,
    /// Byte length of the family part in the ASCII name.
    pub family_len: u8,
    /// Byte offset of the given part in the ASCII name.
    pub given_start: u8,
}

const _: () = assert!(std::mem::size_of::<Features>() == 96);

impl Features {
    /// The family, middle and given parts of this record's ASCII name (`ascii` is the stored
    /// ASCII name of the same record). Empty strings when the offsets do not fit.
    pub fn parts<'a>(&self, ascii: &'a str) -> (&'a str, &'a str, &'a str) {
        let f = usize::from(self.family_len);
        let g = usize::from(self.given_start);
        let family = ascii.get(..f).unwrap_or("");
        let given = ascii.get(g..).unwrap_or("");
        // Without a family name, the middle starts the name.
        let start = if f == 0 { 0 } else { f + 1 };
        let middle = if g > start + 1 { ascii.get(start..g - 1).unwrap_or("") } else { "" };
        (family, middle, given)
    }
}

/// Read access to the records being matched: their [`Features`] and ASCII names, numbered
/// `0..len`. Implemented over one store, or two stores joined for a link.
pub trait Records: Sync {
    /// Number of records.
    fn len(&self) -> usize;
    /// Whether there are no records.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The features of record `i`.
    fn features(&self, i: u32) -> &Features;
    /// The ASCII-folded name of record `i`.
    fn name_ascii(&self, i: u32) -> &str;
    /// The stored values of the extra fields of record `i` ([`crate::normalize::extra`]),
    /// 0 for a missing value and past the last field.
    fn extra_hashes(&self, _i: u32) -> &[u64; MAX_EXTRA] {
        &NO_EXTRAS
    }
    /// The canonical text of extra field `j` of record `i` (`""` if missing).
    #[allow(clippy::unnecessary_literal_bound)] // implementors return their own data
    fn extra_text(&self, _i: u32, _j: usize) -> &str {
        ""
    }
    /// The extra fields, compared after the [`FIELDS`] fixed ones (pattern fields
    /// `FIELDS..FIELDS + extra_fields().len()`).
    fn extra_fields(&self) -> &[ExtraField] {
        &[]
    }
}

/// The level labels of every field of `records`: the fixed fields' [`LEVELS`], then each extra
/// field's ([`extra::levels`]).
pub fn field_levels<R: Records + ?Sized>(records: &R) -> Vec<&'static [&'static str]> {
    let mut v: Vec<&'static [&'static str]> = LEVELS.to_vec();
    v.extend(records.extra_fields().iter().map(extra::field_levels));
    v
}

/// The names of every field of `records`: [`FIELD_NAMES`], then the extra fields' names.
pub fn field_names<R: Records + ?Sized>(records: &R) -> Vec<String> {
    let mut v: Vec<String> = FIELD_NAMES.iter().map(|&s| s.to_owned()).collect();
    v.extend(records.extra_fields().iter().map(|e| e.name.clone()));
    v
}

/// Compares the extra fields of records `a` and `b` into pattern fields `FIELDS..` (a field
/// kept for blocking only stays at level 0, "missing").
#[inline]
pub fn compare_extras<R: Records + ?Sized>(records: &R, a: u32, b: u32, p: &mut Pattern) {
    let fields = records.extra_fields();
    if fields.is_empty() {
        return;
    }
    let (ha, hb) = (records.extra_hashes(a), records.extra_hashes(b));
    compare_extra_values(
        fields,
        (ha, hb),
        |j| (records.extra_text(a, j), records.extra_text(b, j)),
        p,
    );
}

/// Compares two records' extra values (`hashes`, and their canonical texts by field when a
/// comparison needs them) into pattern fields `FIELDS..`, as [`compare_extras`] does.
#[inline]
pub fn compare_extra_values<'t>(
    fields: &[ExtraField],
    hashes: (&[u64; MAX_EXTRA], &[u64; MAX_EXTRA]),
    texts: impl Fn(usize) -> (&'t str, &'t str),
    p: &mut Pattern,
) {
    let (ha, hb) = hashes;
    for (j, field) in fields.iter().enumerate().take(MAX_EXTRA) {
        let level = match (ha[j], hb[j]) {
            _ if !field.compare => 0,
            (0, _) | (_, 0) => 0,
            (left, right) if left == right => 1,
            (left, right) => {
                let (ta, tb) = texts(j);
                if field.levels.is_empty() {
                    extra::compare_extra(field.kind, left, right, ta, tb)
                } else {
                    extra::compare_configured(&field.levels, ta, tb)
                }
            }
        };
        p.set(FIELDS + j, level);
    }
}

/// The extra values of a record without extra fields.
pub static NO_EXTRAS: [u64; MAX_EXTRA] = [0; MAX_EXTRA];

/// In-memory records (tests, small inputs).
impl Records for (Vec<Features>, Vec<String>) {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn features(&self, i: u32) -> &Features {
        &self.0[i as usize]
    }
    fn name_ascii(&self, i: u32) -> &str {
        &self.1[i as usize]
    }
}

/// Relations between two name parts ([`Scratch`] memoises them by the parts' hashes).
mod rel {
    /// One typo apart ([`super::Scratch`]'s test).
    pub const TYPO: u8 = 1;
    /// Token by token equal, an English nickname of each other (Bill, William) or an initial and
    /// a name starting with it (J, John): see [`super::english_relation`].
    pub const LOOSE: u8 = 2;
    /// `LOOSE` through at least one initial.
    pub const INITIAL: u8 = 4;
    /// The tokens of one part are all tokens of the other (Jones, Smith-Jones).
    pub const SUBSET: u8 = 8;
    /// The parts share a token (Smith-Jones, Jones-Brown).
    pub const OVERLAP: u8 = 16;
}

/// Per-thread scratch space of the comparators: the memo of relations between name parts.
#[derive(Debug, Default)]
pub struct Scratch {
    similar: FxHashMap<(u32, u32), u8>,
}

impl Scratch {
    /// A new, empty scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// The relations ([`rel`]) of two name parts, memoised by their hashes.
    ///
    /// One typo apart: one edit (a letter substituted, inserted, deleted, or two adjacent letters
    /// swapped), or — for parts of five letters or more — Jaro–Winkler ≥ 0.88 (Telex residue such
    /// as "nguyeenx"). Short syllables need the edit test: Jaro–Winkler sees almost nothing in
    /// common between "nhi" and "nih". The English relations are [`english_relation`]'s.
    fn relation_by<'n>(
        &mut self,
        ha: u32,
        hb: u32,
        parts: impl FnOnce() -> (&'n str, &'n str),
    ) -> u8 {
        if ha == 0 || hb == 0 {
            return 0;
        }
        if ha == hb {
            // Equal parts whose classes differ (an ASCII token read as its likely accented form
            // on one side only): one typo apart, as they always were; the English relations are
            // for differing parts.
            return rel::TYPO;
        }
        let key = if ha <= hb { (ha, hb) } else { (hb, ha) };
        if let Some(&v) = self.similar.get(&key) {
            return v;
        }
        let (a, b) = parts();
        let mut v = 0;
        if !a.is_empty() && !b.is_empty() {
            if one_edit(a, b) || (a.len().min(b.len()) >= 5 && jaro_winkler(a, b) >= 0.88) {
                v |= rel::TYPO;
            }
            v |= english_relation(a, b);
        }
        if self.similar.len() > 1 << 20 {
            self.similar.clear();
        }
        self.similar.insert(key, v);
        v
    }
}

/// The English relations ([`rel`]) of two different ASCII name parts (tokens joined by one
/// space): `LOOSE` (and `INITIAL`) when they have as many tokens and each pair of tokens is
/// equal, nickname-equivalent ([`nickname_equivalent`]) or an initial and a longer name starting
/// with it; `SUBSET` and `OVERLAP` for the tokens they share. Tokens that are Vietnamese names
/// ([`is_vietnamese_name`]) take part in none of these relations except by being equal, so that
/// no Vietnamese name is read as a nickname, an initial or a part of a double family name.
fn english_relation(a: &str, b: &str) -> u8 {
    let english = |t: &str| !is_vietnamese_name(t);
    // One pair of tokens: equal, an initial of an English name, or a nickname (the nickname
    // table holds no Vietnamese name).
    let tokens_agree = |x: &str, y: &str, through_initial: &mut bool| {
        if x == y {
            return true;
        }
        let initial = |x: &str, y: &str| x.len() == 1 && y.len() > 1 && y.starts_with(x);
        if initial(x, y) || initial(y, x) {
            *through_initial = english(x) && english(y);
            return *through_initial;
        }
        nickname_equivalent(x, y)
    };
    let loose = |agree: bool, through_initial: bool| match (agree, through_initial) {
        (false, _) => 0,
        (true, false) => rel::LOOSE,
        (true, true) => rel::LOOSE | rel::INITIAL,
    };
    // Single tokens (nearly every part): two different tokens share none.
    if !a.contains(' ') && !b.contains(' ') {
        let mut through_initial = false;
        let agree = tokens_agree(a, b, &mut through_initial);
        return loose(agree, through_initial);
    }
    let mut v = 0;
    let (na, nb) = (a.split(' ').count(), b.split(' ').count());
    if na == nb {
        let mut through_initial = false;
        let agree = a.split(' ').zip(b.split(' ')).all(|(x, y)| {
            let mut initial = false;
            let ok = tokens_agree(x, y, &mut initial);
            through_initial |= initial;
            ok
        });
        v |= loose(agree, through_initial);
    }
    if a.split(' ').chain(b.split(' ')).all(english) {
        let (short, long) = if na <= nb { (a, b) } else { (b, a) };
        let shared = short.split(' ').filter(|t| long.split(' ').any(|u| u == *t)).count();
        if shared > 0 {
            v |= rel::OVERLAP;
            if shared == short.split(' ').count() {
                v |= rel::SUBSET;
            }
        }
    }
    v
}

/// Whether a relation between two differing parts makes them agree loosely, and how: `Some(false)`
/// as strongly as a dropped middle name (a nickname, a middle initial, a double family name and
/// one of its parts), `Some(true)` more weakly (a given initial, double family names sharing one
/// part), `None` not at all. `part` is 0 (family), 1 (middle) or 2 (given).
fn loose_part(part: usize, r: u8) -> Option<bool> {
    match part {
        0 if r & rel::SUBSET != 0 => Some(false),
        0 if r & rel::OVERLAP != 0 => Some(true),
        1 if r & rel::LOOSE != 0 => Some(false),
        2 if r & rel::LOOSE != 0 => Some(r & rel::INITIAL != 0),
        _ => None,
    }
}

/// Compares the names of two records. `names` gives their stored ASCII names; it is called only
/// when the hashes of the features leave the level open.
// One pass down the levels, sharing the lazily fetched names and the memo of part relations.
#[allow(clippy::too_many_lines)]
pub fn compare_name<'n>(
    a: &Features,
    b: &Features,
    names: impl FnOnce() -> (&'n str, &'n str),
    scratch: &mut Scratch,
) -> u8 {
    use name_level::{
        CLASS_MIDDLE, DIFFERENT, EXACT, EXACT_ASCII, FAMILY_GIVEN, GIVEN_ONLY, JARO_WINKLER,
        ONE_TYPO, PHONETIC, SAME_TOKENS,
    };
    if a.name_tokens == 0 || b.name_tokens == 0 {
        return 0;
    }
    if a.name == b.name {
        return EXACT;
    }
    if a.name_ascii == b.name_ascii {
        return EXACT_ASCII;
    }
    if a.name_sorted == b.name_sorted {
        return SAME_TOKENS;
    }
    let family = a.family_class == b.family_class;
    let given = a.given_class == b.given_class;
    let middle = a.middle == b.middle;
    let middle_compatible = middle
        || a.middle == 0
        || b.middle == 0
        || (a.middle_core != 0 && a.middle_core == b.middle_core);
    if family && given && middle_compatible {
        return CLASS_MIDDLE;
    }
    // From here on, parts are compared by their relations, memoised by their hashes: the names
    // are fetched from the store only when the memo has not seen a pair of parts yet.
    let mut fetched: Option<(&str, &str)> = None;
    let mut names = Some(names);
    let names = std::cell::RefCell::new(move || {
        *fetched.get_or_insert_with(|| names.take().map_or(("", ""), |f| f()))
    });
    let names = || (names.borrow_mut())();
    let relation = |part: usize, memo: &mut Scratch| {
        let (ha, hb) = match part {
            0 => (a.family, b.family),
            1 => (a.middle, b.middle),
            _ => (a.given, b.given),
        };
        memo.relation_by(ha, hb, || {
            let (left, right) = names();
            let (px, py) = (a.parts(left), b.parts(right));
            match part {
                0 => (px.0, py.0),
                1 => (px.1, py.1),
                _ => (px.2, py.2),
            }
        })
    };
    // English names: the parts that differ agree loosely ([`loose_part`]). A nickname (Bill,
    // William), a middle initial or one part of a double family name is as strong as a dropped
    // middle name; a given initial (J, John) or two double family names sharing a part is
    // weaker, on the Jaro–Winkler level. Vietnamese names never agree loosely.
    let mut weak = Some(false);
    for (part, agrees) in [(0, family), (1, middle_compatible), (2, given)] {
        if !agrees {
            weak = weak.and_then(|w| Some(w | loose_part(part, relation(part, scratch))?));
            if weak.is_none() {
                break;
            }
        }
    }
    match weak {
        Some(false) => return CLASS_MIDDLE,
        Some(true) => return JARO_WINKLER,
        None => {}
    }
    let similar = |part: usize, memo: &mut Scratch| relation(part, memo) & rel::TYPO != 0;
    // English names whose middles agree as an initial and a full name (R, Rachel), or whose
    // middle is written on one side only, while another part differs too: the rest is compared
    // as if the middles were dropped from both names (Vixtoria R Eccleston, Victoria Rachel
    // Eccleston: one typo). An initial relation holds only between English tokens, and a middle
    // written on one side only counts when none of its tokens is a Vietnamese name: Vietnamese
    // names keep their levels. Tested only for differing middles, lazily: after the cheaper
    // conditions of each level, once (a memo look-up, or the names when a middle is missing).
    let dropped_memo = std::cell::Cell::new(None);
    let middles_dropped = |memo: &mut Scratch| {
        if middle {
            return false;
        }
        if let Some(d) = dropped_memo.get() {
            return d;
        }
        let d = if a.middle == 0 || b.middle == 0 {
            let (left, right) = names();
            let m = if a.middle == 0 { b.parts(right).1 } else { a.parts(left).1 };
            !m.is_empty() && left.split(' ').chain(right.split(' ')).all(|t| !is_vietnamese_name(t))
        } else {
            relation(1, memo) & rel::INITIAL != 0
        };
        dropped_memo.set(Some(d));
        d
    };
    // Exactly one part disagrees, and it is a typo of the other.
    let typo = match (family, middle, given) {
        (false, true, true) => similar(0, scratch),
        (true, false, true) => similar(1, scratch),
        (true, true, false) => similar(2, scratch),
        (false, false, true) => similar(0, scratch) && middles_dropped(scratch),
        (true, false, false) => similar(2, scratch) && middles_dropped(scratch),
        _ => false,
    };
    if typo {
        return ONE_TYPO;
    }
    // The family and given names swapped, one of them a typo away (Whitbe Alexa-Rose,
    // Alexa-Rose White): the same tokens in another order, with a typo.
    let written = |f: &Features| f.family != 0 && f.given != 0;
    if !family && !given && middle_compatible && written(a) && written(b) {
        let crossed = |x: u32, y: u32, from_a: usize, memo: &mut Scratch| {
            x == y
                || memo.relation_by(x, y, || {
                    let (left, right) = names();
                    let (pa, pb) = (a.parts(left), b.parts(right));
                    if from_a == 0 { (pa.0, pb.2) } else { (pa.2, pb.0) }
                }) & rel::TYPO
                    != 0
        };
        let exact = a.family == b.given || a.given == b.family;
        if exact && crossed(a.family, b.given, 0, scratch) && crossed(a.given, b.family, 2, scratch)
        {
            return ONE_TYPO;
        }
    }
    if a.name_phonetic == b.name_phonetic {
        return PHONETIC;
    }
    // The family and given names as one string each, without the middles (when dropped).
    let without_middles = || {
        let (left, right) = names();
        let join = |f: &Features, n: &str| {
            let (family, _, given) = f.parts(n);
            let mut s = String::with_capacity(family.len() + 1 + given.len());
            s.push_str(family);
            s.push(' ');
            s.push_str(given);
            s
        };
        (join(a, left), join(b, right))
    };
    // (Only for a family name equal or one typo apart: the keys are computed from the names.)
    if a.given_phonetic == b.given_phonetic
        && (family || similar(0, scratch))
        && middles_dropped(scratch)
        && family_given_phonetic(a, b, names())
    {
        return PHONETIC;
    }
    // Several typos: no part is wholly different, and the full names are close. (The string
    // similarity runs only then: for most pairs a part differs and the test stops early.)
    let close = (family || similar(0, scratch))
        && (given || similar(2, scratch))
        && (middle_compatible || similar(1, scratch) || middles_dropped(scratch));
    if close {
        let jw = if middles_dropped(scratch) {
            let (left, right) = without_middles();
            jaro_winkler(&left, &right)
        } else {
            let (left, right) = names();
            jaro_winkler(left, right)
        };
        if jw >= 0.92 {
            return JARO_WINKLER;
        }
    }
    // The family and given names written on both sides and agreeing, the middles not (James C
    // Trujillo, James Lynn Trujillo; Nguyễn Văn Hùng, Nguyễn Mạnh Hùng): more than the given
    // name alone, less than the classes with compatible middles.
    if family && given && a.family != 0 && b.family != 0 && a.given != 0 && b.given != 0 {
        return FAMILY_GIVEN;
    }
    // Two given names that agree (a name without one — "Nguyễn" alone — agrees with nothing).
    if a.given != 0 && b.given != 0 && (given || a.given_phonetic == b.given_phonetic) {
        return GIVEN_ONLY;
    }
    // A given name missing on one side (a form with the first name left blank) is no
    // disagreement: when the family names agree (or are one typo apart) and the middles are
    // compatible (equal, missing, or an initial and a name), the name agrees in part, as a
    // given name does without the family name.
    if (a.given == 0) != (b.given == 0)
        && (family || similar(0, scratch))
        && (middle_compatible || relation(1, scratch) & rel::LOOSE != 0)
    {
        return GIVEN_ONLY;
    }
    // English names whose given names differ (two typos, a placeholder such as "Granddaughter")
    // while the family name and a middle name written on both sides agree (equal, or an initial
    // and a name): the name agrees in part. A middle agreeing by chance is rare in English
    // (one in fifteen initials), unlike Vietnamese middles (Văn, Thị), which never count here:
    // Nguyễn Văn Hùng and Nguyễn Văn Minh are brothers.
    if family && a.middle != 0 && b.middle != 0 && a.given != 0 && b.given != 0 {
        let english_middle = || {
            let (left, _) = names();
            let m = a.parts(left).1;
            !m.is_empty() && m.split(' ').all(|t| !is_vietnamese_name(t))
        };
        if (middle && english_middle()) || relation(1, scratch) & rel::LOOSE != 0 {
            return GIVEN_ONLY;
        }
    }
    DIFFERENT
}

/// Whether the family and given names of two records (without their middles) have the same
/// phonetic keys, in any order. `names` are their stored ASCII names.
fn family_given_phonetic(a: &Features, b: &Features, names: (&str, &str)) -> bool {
    let keys = |f: &Features, n: &str| {
        let (family, _, given) = f.parts(n);
        let mut keys: Vec<String> = family
            .split(' ')
            .chain(given.split(' '))
            .filter(|t| !t.is_empty())
            .map(crate::normalize::phonetic::phonetic_key)
            .collect();
        keys.sort_unstable();
        keys
    };
    let (left, right) = (keys(a, names.0), keys(b, names.1));
    !left.is_empty() && left == right
}

#[inline]
fn unpack_date(p: u32) -> (u32, u32, u32) {
    (p >> 9, (p >> 5) & 0xF, p & 0x1F)
}

/// Compares two packed dates of birth.
pub fn compare_dob(a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    let (ya, ma, da) = unpack_date(a);
    let (yb, mb, db) = unpack_date(b);
    let full = ma != 0 && da != 0 && mb != 0 && db != 0;
    if a == b {
        // Equal values at year or month precision are weaker than a full exact date.
        return match (ma, da) {
            (0, _) => 4,
            (_, 0) => 3,
            _ => 1,
        };
    }
    if ya == yb {
        if full && da == mb && ma == db {
            return 2;
        }
        if ma != 0 && ma == mb {
            return 3;
        }
        if ma == 0 || mb == 0 {
            return 4;
        }
        return 5;
    }
    if ya.abs_diff(yb) == 1 {
        if full && ma == mb && da == db {
            return 6;
        }
        return 7;
    }
    8
}

/// Whether two addresses are in the same ward, across the 2025 reform: two old-style addresses
/// must name the same old ward; a new ward meets an old one when it is one of its successors (a
/// split old ward has several).
pub fn same_ward(a: &Features, b: &Features) -> bool {
    if a.ward_old != 0 && b.ward_old != 0 {
        return a.ward_old == b.ward_old;
    }
    let successors = |old: u32| crate::normalize::admin::gazetteer().new_wards_of_old_ward(old);
    match (a.ward_new, b.ward_new) {
        (0, 0) => false,
        (x, 0) => b.ward_old != 0 && successors(b.ward_old).contains(&x),
        (0, y) => a.ward_old != 0 && successors(a.ward_old).contains(&y),
        (x, y) => x == y,
    }
}

/// The new ward of an address: its own, or the default successor of its old ward; 0 if unknown.
pub fn new_ward(f: &Features) -> u32 {
    if f.ward_new != 0 {
        f.ward_new
    } else if f.ward_old != 0 {
        crate::normalize::admin::gazetteer().default_new_ward_of_old_ward(f.ward_old).unwrap_or(0)
    } else {
        0
    }
}

/// Compares two addresses.
pub fn compare_address(a: &Features, b: &Features) -> u8 {
    let known = |f: &Features| f.province_new != 0 || f.ward_old != 0 || f.ward_new != 0;
    if !known(a) || !known(b) {
        return 0;
    }
    if same_ward(a, b) {
        return if a.house != 0 && a.house == b.house { 1 } else { 2 };
    }
    let same_district = a.district_old != 0 && a.district_old == b.district_old;
    let same_province = a.province_new != 0 && a.province_new == b.province_new;
    if same_district || (same_province && a.street != 0 && a.street == b.street) {
        return 3;
    }
    if same_province {
        let ward_known = |f: &Features| f.ward_old != 0 || f.ward_new != 0;
        return if ward_known(a) && ward_known(b) { 5 } else { 4 };
    }
    if a.province_new != 0 && b.province_new != 0 {
        return 6;
    }
    0
}

/// Whether two numbers of one length differ by one digit or by two adjacent digits swapped.
fn one_digit_off(left: u64, right: u64) -> bool {
    let digit = |v: u64, pos: u32| (v / 10u64.pow(pos)) % 10;
    let (mut rest_l, mut rest_r) = (left, right);
    let mut positions = [0u32; 2];
    let mut found = 0;
    let mut pos = 0u32;
    while rest_l != 0 || rest_r != 0 {
        if rest_l % 10 != rest_r % 10 {
            if found == 2 {
                return false;
            }
            positions[found] = pos;
            found += 1;
        }
        rest_l /= 10;
        rest_r /= 10;
        pos += 1;
    }
    match found {
        1 => true,
        2 if positions[1] == positions[0] + 1 => {
            let p = positions[0];
            digit(left, p) == digit(right, p + 1) && digit(left, p + 1) == digit(right, p)
        }
        _ => false,
    }
}

/// Compares two national ids in `NationalId::to_u64` form (a CCCD and a CMND are unrelated
/// numbers: missing, not different).
pub fn compare_id(a: u64, b: u64) -> u8 {
    const TAG: u64 = 0xF << 60;
    if a == 0 || b == 0 || a & TAG != b & TAG {
        return 0;
    }
    if a == b {
        1
    } else if one_digit_off(a & !TAG, b & !TAG) {
        2
    } else {
        3
    }
}

/// Compares two phone numbers.
pub fn compare_phone(a: u64, b: u64) -> u8 {
    match (a, b) {
        (0, _) | (_, 0) => 0,
        _ if a == b => 1,
        _ => 2,
    }
}

/// Compares two sexes.
pub fn compare_sex(a: u8, b: u8) -> u8 {
    match (a, b) {
        (0, _) | (_, 0) => 0,
        _ if a == b => 1,
        _ => 2,
    }
}

/// Compares two records on every field; `names` gives their ASCII names when they are needed.
pub fn compare<'n>(
    a: &Features,
    b: &Features,
    names: impl FnOnce() -> (&'n str, &'n str),
    s: &mut Scratch,
) -> Pattern {
    let mut p = Pattern(0);
    let name = compare_name(a, b, names, s);
    p.set(NAME, name);
    p.set(DOB, compare_dob(a.dob, b.dob));
    p.set(ADDRESS, compare_address(a, b));
    // A national id one digit off is read as a typo only when the names agree at least on the
    // given name: two people of one household registered together (twins, siblings) get near
    // numbers, and a typo in the id together with a wholly different name is two errors.
    let mut id = compare_id(a.national_id, b.national_id);
    if id == 2 && name == name_level::DIFFERENT {
        id = 3;
    }
    p.set(ID, id);
    p.set(PHONE, compare_phone(a.phone, b.phone));
    p.set(SEX, compare_sex(a.sex, b.sex));
    p
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_level_label_is_documented() {
        let docs = include_str!("../../docs/levels.md");
        let extra = crate::schema::FieldKind::EXTRA.into_iter().map(super::extra::levels);
        for labels in super::LEVELS.into_iter().chain(extra) {
            for label in labels.iter().chain(&["missing"]) {
                assert!(docs.contains(&format!("`{label}`")), "docs/levels.md lacks `{label}`");
            }
        }
    }

    use super::*;

    fn date(y: u32, m: u32, d: u32) -> u32 {
        (y << 9) | (m << 5) | d
    }

    #[test]
    fn every_order_puts_every_level_between_the_first_and_the_last() {
        for (f, levels) in LEVELS.iter().enumerate() {
            let n = levels.len() as u8;
            let order = level_order(f, levels.len());
            // Reachability from level 1, and to level n, over the order's edges.
            let reach = |from: u8, forward: bool| {
                let mut seen = vec![from];
                let mut i = 0;
                while i < seen.len() {
                    let at = seen[i];
                    for &(s, w) in &order {
                        let next = if forward && s == at {
                            Some(w)
                        } else if !forward && w == at {
                            Some(s)
                        } else {
                            None
                        };
                        if let Some(x) = next.filter(|x| !seen.contains(x)) {
                            seen.push(x);
                        }
                    }
                    i += 1;
                }
                seen.len()
            };
            assert_eq!(reach(1, true), usize::from(n), "field {f}: not all below level 1");
            assert_eq!(reach(n, false), usize::from(n), "field {f}: not all above level {n}");
        }
    }

    #[test]
    fn dob_levels() {
        let d = date(1985, 3, 7);
        assert_eq!(compare_dob(d, 0), 0);
        assert_eq!(compare_dob(d, d), 1);
        assert_eq!(compare_dob(d, date(1985, 7, 3)), 2);
        assert_eq!(compare_dob(d, date(1985, 3, 9)), 3);
        assert_eq!(compare_dob(d, date(1985, 0, 0)), 4);
        assert_eq!(compare_dob(date(1985, 0, 0), date(1985, 0, 0)), 4);
        assert_eq!(compare_dob(date(1985, 3, 0), date(1985, 3, 0)), 3);
        assert_eq!(compare_dob(d, date(1985, 9, 9)), 5);
        assert_eq!(compare_dob(d, date(1986, 3, 7)), 6);
        assert_eq!(compare_dob(d, date(1984, 1, 1)), 7);
        assert_eq!(compare_dob(d, date(1990, 3, 7)), 8);
    }

    #[test]
    fn id_levels() {
        const CCCD: u64 = 1 << 60;
        const CMND: u64 = 2 << 60;
        let a = CCCD + 1_088_012_345;
        assert_eq!(compare_id(a, a), 1);
        assert_eq!(compare_id(a, CCCD + 1_088_012_346), 2);
        assert_eq!(compare_id(a, CCCD + 1_088_021_345), 2, "adjacent swap");
        assert_eq!(compare_id(a, CCCD + 1_088_015_342), 3, "non-adjacent swap");
        assert_eq!(compare_id(a, CCCD + 2_099_012_345), 3);
        assert_eq!(compare_id(a, CMND + 1_088_012_345), 0, "CCCD vs CMND");
        assert_eq!(compare_id(a, 0), 0);
    }

    #[test]
    fn phone_and_sex_levels() {
        assert_eq!(compare_phone(912_345_678, 912_345_678), 1);
        assert_eq!(compare_phone(912_345_678, 912_345_679), 2);
        assert_eq!(compare_phone(0, 912_345_679), 0);
        assert_eq!(compare_sex(1, 1), 1);
        assert_eq!(compare_sex(1, 2), 2);
        assert_eq!(compare_sex(0, 2), 0);
    }

    #[test]
    fn wards_compare_across_the_reform() {
        // Old ward 00004 (Trúc Bạch, Ba Đình) became new ward 00004 (Phường Ba Đình);
        // old 00001 (Phúc Xá) became 00097 (Hồng Hà).
        let old = Features {
            ward_old: 4,
            district_old: 1,
            province_old: 1,
            province_new: 1,
            ..Default::default()
        };
        let new = Features { ward_new: 4, province_new: 1, ..Default::default() };
        let other = Features { ward_new: 97, province_new: 1, ..Default::default() };
        assert!(same_ward(&old, &new));
        assert!(!same_ward(&old, &other));
        assert_eq!(compare_address(&old, &new), 2);
        assert_eq!(compare_address(&old, &other), 5, "same province, other ward");
        let province_only = Features { province_new: 1, ..Default::default() };
        assert_eq!(compare_address(&old, &province_only), 4, "same province, ward unknown");
        let elsewhere = Features { ward_new: 26_734, province_new: 79, ..Default::default() };
        assert_eq!(compare_address(&old, &elsewhere), 6);
        assert_eq!(compare_address(&old, &Features::default()), 0);
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;
    use crate::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};

    fn prep(name: &str) -> Prepared {
        let mut p = Preparer::new();
        let mut out = Prepared::default();
        p.prepare(&RawFields { name, ..RawFields::default() }, &Encodings::default(), &mut out);
        out
    }

    fn level_of(x: &Prepared, y: &Prepared) -> u8 {
        compare_name(
            &x.features,
            &y.features,
            || (&x.name_ascii, &y.name_ascii),
            &mut Scratch::new(),
        )
    }

    fn level(a: &str, b: &str) -> u8 {
        level_of(&prep(a), &prep(b))
    }

    #[test]
    fn name_levels_on_real_variations() {
        use name_level::*;
        assert_eq!(level("Nguyễn Văn An", "NGUYỄN VĂN AN"), EXACT);
        assert_eq!(level("Nguyễn Văn An", "Nguyen Van An"), EXACT_ASCII);
        assert_eq!(level("Nguyễn Thị Hoà", "Nguyễn Thị Hòa"), EXACT, "tone placement");
        assert_eq!(level("Nguyễn Văn An", "Văn An Nguyễn"), EXACT, "rotated to family first");
        assert_eq!(level("Huỳnh Thị Lan", "Hoàng Thị Lan"), CLASS_MIDDLE);
        assert_eq!(level("Nguyễn Thị Lan", "Nguyễn Lan"), CLASS_MIDDLE, "dropped middle");
        assert_eq!(level("Trần Văn Phước", "Trần Văn Phúc"), CLASS_MIDDLE, "given class");
        assert_eq!(level("Lê Văn Hùng", "Lê Văn Hưng"), EXACT_ASCII, "u/ư: diacritics only");
        assert_eq!(level("Vũ Tiên Nhi", "Vo Tien Nih"), ONE_TYPO);
        assert_eq!(level("Trần Văn Sơn", "Chần Văn Xơn"), PHONETIC, "tr/ch and s/x");
        assert_eq!(level("Lê Thị Lan", "Nê Thị Nan"), PHONETIC, "l/n");
        assert_eq!(level("Nguyễn Văn Hùng", "Trần Văn Hùng"), GIVEN_ONLY);
        // Two names of a family name alone do not agree on a given name they lack.
        assert_eq!(level("Nguyễn", "Trần"), DIFFERENT);
        assert_eq!(level("Nguyễn Văn Hùng", "Lê Thị Mai"), DIFFERENT);
        assert_eq!(level("", "Lê Thị Mai"), 0);
    }

    fn parts(family: &str, middle: &str, given: &str) -> Prepared {
        let mut out = Prepared::default();
        Preparer::new().prepare(
            &RawFields { name_parts: [family, middle, given], ..RawFields::default() },
            &Encodings::default(),
            &mut out,
        );
        out
    }

    fn level_of_parts(a: [&str; 3], b: [&str; 3]) -> u8 {
        level_of(&parts(a[0], a[1], a[2]), &parts(b[0], b[1], b[2]))
    }

    #[test]
    fn the_parts_of_a_name_without_a_family_name_start_at_its_middle() {
        for (family, middle, given) in
            [("", "Robert", "Derick"), ("Mendes", "Robert", "Dustin"), ("", "", "Derick")]
        {
            let p = parts(family, middle, given);
            let want = (family.to_lowercase(), middle.to_lowercase(), given.to_lowercase());
            let (f, m, g) = p.features.parts(&p.name_ascii);
            assert_eq!((f.to_owned(), m.to_owned(), g.to_owned()), want);
        }
    }

    #[test]
    fn a_given_name_missing_on_one_side_agrees_in_part() {
        use name_level::*;
        // A form whose first name was left blank: the family and middle names agree.
        assert_eq!(level_of_parts(["Rivers", "J", ""], ["Rivers", "J", "Mark"]), GIVEN_ONLY);
        // A middle initial against the full middle name.
        assert_eq!(level_of_parts(["Taylor", "Joan", ""], ["Taylor", "J", "Gayle"]), GIVEN_ONLY);
        // The family names differ: nothing agrees.
        assert_eq!(level_of_parts(["Rivers", "J", ""], ["Hall", "J", "Mark"]), DIFFERENT);
        // Both given names written and different: the family name alone is no agreement.
        assert_eq!(level_of_parts(["Rivers", "", "Anna"], ["Rivers", "", "Mark"]), DIFFERENT);
        assert_eq!(level_of_parts(["Rivers", "K", "Anna"], ["Rivers", "J", "Mark"]), DIFFERENT);
    }

    #[test]
    fn english_family_and_middle_names_agreeing_beside_another_given_name_agree_in_part() {
        use name_level::*;
        // A garbled or placeholder first name; the family and middle names agree.
        assert_eq!(
            level_of_parts(["Svenson", "J", "Edward"], ["Svenson", "James", "Edaahd"]),
            GIVEN_ONLY
        );
        assert_eq!(
            level_of_parts(
                ["Dickens", "Cynthia", "Granddaughter"],
                ["Dickens", "Cynthia", "Candace"]
            ),
            GIVEN_ONLY
        );
        // Vietnamese brothers share the family and the middle name: no agreement.
        assert_eq!(level("Nguyễn Văn Hùng", "Nguyễn Văn Minh"), DIFFERENT);
        assert_eq!(level_of_parts(["Nguyễn", "Văn", "Hùng"], ["Nguyễn", "Văn", "Minh"]), DIFFERENT);
    }

    #[test]
    fn family_and_given_names_swapped_with_a_typo_are_one_typo_apart() {
        use name_level::*;
        // Columns filled the wrong way round, and one of the names mistyped (FEBRL's duplicates).
        assert_eq!(
            level_of_parts(["Alexa-Rose", "", "Whitbe"], ["White", "", "Alexa-Rose"]),
            ONE_TYPO
        );
        assert_eq!(
            level_of_parts(["Stephenson", "", "Elizbeth"], ["Elizabeth", "", "Stephenson"]),
            ONE_TYPO
        );
        // Both mistyped, or only one part shared: not the same tokens.
        assert_ne!(
            level_of_parts(["Alexa-Rose", "", "Whitbe"], ["Whyte", "", "Alexa-Rise"]),
            ONE_TYPO
        );
        assert_ne!(
            level_of_parts(["Alexa-Rose", "", "Dixon"], ["White", "", "Alexa-Rose"]),
            ONE_TYPO
        );
    }
}
