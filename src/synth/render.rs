//! Rendering one record of a [`Person`]: the text fields as a register would write them, with
//! the corruptions of the record's [`Profile`] rolled one by one, in either column layout
//! ([`render`]: the seven standard columns; [`render_split`]: name in three columns, address in
//! five).
//!
//! Each corruption is rolled only when the record is *eligible* for it (the roll is counted in
//! the statistics either way), so that `applied ÷ eligible` estimates the configured rate. The
//! order is fixed: name tokens (taboo form, middle marker, order, Telex), address (moved, era,
//! abbreviations, missing parts), one typo, date, sex, ID, phone, then whole-record text (upper
//! case, diacritics, tone placement, mojibake or NFD). Mojibake and NFD exclude each other.
//!
//! Both layouts render from the same pieces ([`Pieces`]): name words tagged with their slot
//! (family, middle, given) and address pieces tagged with theirs (house number, street or
//! hamlet, ward, district, province, separators). Every whole-text corruption works character
//! by character or syllable by syllable, and a typo only touches letters, so applying them piece
//! by piece gives the joined text exactly; the split layout draws nothing from the record's RNG
//! that the joined one does not (its own choices — bare unit names — come from a second RNG).
//! Hence, for one seed, both layouts have the same records, corruptions and truth.

use rand::RngExt;

use crate::normalize::Sex;
use crate::normalize::legacy::{encode_tcvn3, encode_vni};
use crate::refdata;

use super::config::{Corruption, CorruptionSet, EnCorruption};
use super::corrupt::{drop_diacritics, has_decomposable, telex, to_nfd, tone_new, typo};
use super::people::{Address, Dob, Person, Population, days_in_month};
use super::stats::StatsAcc;
use super::tables::{Tables, tables};
use super::{Profile, Rng, SynthRecord};

/// One record being rendered: the RNG, the rate multiplier of its profile, the statistics and
/// the corruptions received so far; `side` is the second RNG of layout-only choices (split
/// columns), `None` for the joined layout.
pub(crate) struct Job<'a> {
    pub(crate) rng: &'a mut Rng,
    pub(crate) pop: &'a Population,
    factor: f64,
    profile: Profile,
    stats: &'a mut StatsAcc,
    pub(crate) set: CorruptionSet,
    side: Option<Rng>,
}

impl<'a> Job<'a> {
    /// A job for one record of `profile`; counts the record in `stats`.
    pub(crate) fn new(
        pop: &'a Population,
        rng: &'a mut Rng,
        profile: Profile,
        stats: &'a mut StatsAcc,
        side: Option<Rng>,
    ) -> Self {
        let factor = match profile {
            Profile::Clean => pop.cfg.original_noise,
            Profile::Noisy => 1.0,
        };
        stats.record(profile);
        Job { rng, pop, factor, profile, stats, set: CorruptionSet::EMPTY, side }
    }

    fn hit(&mut self, rate: f64) -> bool {
        let p = (rate * self.factor).clamp(0.0, 1.0);
        p > 0.0 && self.rng.random_bool(p)
    }

    /// Rolls corruption `c` if the record is eligible for it.
    pub(crate) fn roll(&mut self, c: Corruption, eligible: bool) -> bool {
        if !eligible {
            return false;
        }
        let hit = self.hit(self.pop.cfg.rates.get(c));
        self.stats.count(self.profile, c, hit);
        if hit {
            self.set.insert(c);
        }
        hit
    }

    /// Rolls English-only corruption `c` if the record is eligible for it.
    pub(crate) fn roll_en(&mut self, c: EnCorruption, eligible: bool) -> bool {
        if !eligible {
            return false;
        }
        let hit = self.hit(self.pop.cfg.en_rates.get(c));
        self.stats.count_en(self.profile, c, hit);
        if hit {
            self.set.insert(c);
        }
        hit
    }

    pub(crate) fn pick<'s, T>(&mut self, items: &'s [T]) -> &'s T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// A layout-only coin from the side RNG (always `false` without one).
    fn side_bool(&mut self, p: f64) -> bool {
        self.side.as_mut().is_some_and(|r| r.random_bool(p))
    }
}

const TABOO: [(&str, &str); 6] = [
    ("Hoàng", "Huỳnh"),
    ("Huỳnh", "Hoàng"),
    ("Vũ", "Võ"),
    ("Võ", "Vũ"),
    ("Phúc", "Phước"),
    ("Phước", "Phúc"),
];

fn taboo_of(s: &str) -> Option<&'static str> {
    TABOO.iter().find(|(a, _)| *a == s).map(|&(_, b)| b)
}

/// The slot of a piece of text; separators hold no letter.
trait Slot: Copy {
    fn is_sep(self) -> bool;
}

/// The slot of a piece of the name: a word, or the space between two words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameSlot {
    Family,
    Middle,
    Given,
    Space,
}

impl Slot for NameSlot {
    fn is_sep(self) -> bool {
        self == NameSlot::Space
    }
}

/// The slot of an address piece. `Gap` is the text between the house number and the street
/// (`", "`, `" "` or nothing), `Sep` the separator between parts; a unit written in full is
/// three pieces, its type word (`Kind`: "Phường"), a space (`KindSpace`) and its name (`Unit`:
/// "Bến Nghé"), so that the split layout can drop the type word without changing anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AddrSlot {
    House,
    Gap,
    Street,
    Kind(Level),
    KindSpace(Level),
    Unit(Level),
    Sep,
}

impl Slot for AddrSlot {
    fn is_sep(self) -> bool {
        matches!(self, AddrSlot::Gap | AddrSlot::KindSpace(_) | AddrSlot::Sep)
    }
}

/// A text field in tagged pieces, texts and separators alternating (text first and last); the
/// joined text is their concatenation.
struct Pieces<S> {
    parts: Vec<(S, String)>,
}

/// Stands for a separator while a typo is made (no letter, never produced by [`typo`]).
const MARKER: char = '\u{1F}';

impl<S: Slot> Pieces<S> {
    fn joined(&self) -> String {
        self.parts.iter().map(|(_, t)| t.as_str()).collect()
    }

    /// The texts of `slot`, joined by `sep`.
    fn of(&self, slot: S, sep: &str) -> String
    where
        S: PartialEq,
    {
        let v: Vec<&str> =
            self.parts.iter().filter(|(s, _)| *s == slot).map(|(_, t)| t.as_str()).collect();
        v.join(sep)
    }

    fn any(&self, f: impl Fn(&str) -> bool) -> bool {
        self.parts.iter().any(|(_, t)| f(t))
    }

    fn map(&mut self, f: impl Fn(&str) -> String) {
        for (_, t) in &mut self.parts {
            *t = f(t);
        }
    }

    /// [`tone_new`] piece by piece (syllables never cross a separator): `None` when no piece
    /// changes, as `tone_new` of the joined text.
    fn tone_new(&self) -> Option<Vec<String>> {
        let new: Vec<Option<String>> = self.parts.iter().map(|(_, t)| tone_new(t)).collect();
        if new.iter().all(Option::is_none) {
            return None;
        }
        Some(
            new.into_iter()
                .zip(&self.parts)
                .map(|(n, (_, t))| n.unwrap_or_else(|| t.clone()))
                .collect(),
        )
    }

    fn set_all(&mut self, texts: Vec<String>) {
        for ((_, t), n) in self.parts.iter_mut().zip(texts) {
            *t = n;
        }
    }

    /// The text with every separator replaced by [`MARKER`]: the same letters in the same
    /// order, with a non-letter wherever the joined text has a separator.
    fn marked(&self) -> String {
        self.parts
            .iter()
            .map(|(s, t)| if s.is_sep() { MARKER.to_string() } else { t.clone() })
            .collect()
    }

    /// Sets the texts from a [`Pieces::marked`] text (after a typo, which neither adds nor
    /// removes a marker).
    fn unmark(&mut self, marked: &str) {
        let mut texts = marked.split(MARKER);
        for (s, t) in &mut self.parts {
            if !s.is_sep() {
                texts.next().unwrap_or_default().clone_into(t);
            }
        }
    }
}

/// The fields of one record, before they are laid out in columns.
struct Rendered {
    name: Pieces<NameSlot>,
    /// The name-order corruption was applied (given name first).
    swapped: bool,
    address: Pieces<AddrSlot>,
    /// Per [`Level`]: the split layout writes the unit's bare name.
    bare: [bool; 3],
    dob: String,
    sex: String,
    id_number: String,
    phone: String,
}

fn render_pieces(job: &mut Job<'_>, p: &Person) -> Rendered {
    let t = tables();
    let (mut name, swapped) = name_pieces(job, p);
    let (mut address, bare) = address_pieces(job, t, p);
    if job.roll(Corruption::Typo, true) {
        let on_name = job.rng.random_bool(0.6);
        let (mn, ma) = (name.marked(), address.marked());
        let (first, second) = if on_name { (&mn, &ma) } else { (&ma, &mn) };
        if let Some(s) = typo(job.rng, first) {
            if on_name { name.unmark(&s) } else { address.unmark(&s) }
        } else if let Some(s) = typo(job.rng, second) {
            if on_name { address.unmark(&s) } else { name.unmark(&s) }
        }
    }
    let dob = dob_text(job, p.dob);
    let mut sex = sex_text(job, p.sex);
    let id_number = id_text(job, p);
    let phone = phone_text(job, t, p);

    if job.roll(Corruption::Upper, true) {
        name.map(str::to_uppercase);
        if job.rng.random_bool(0.35) {
            address.map(str::to_uppercase);
        }
    }
    let non_ascii = |s: &str| !s.is_ascii();
    let (name_na, addr_na) = (name.any(non_ascii), address.any(non_ascii));
    if job.roll(Corruption::Diacritics, name_na || addr_na) {
        let whole = job.rng.random_bool(0.5);
        let on_name = name_na && (!addr_na || job.rng.random_bool(0.6));
        if whole || on_name {
            name.map(drop_diacritics);
        }
        if whole || !on_name {
            address.map(drop_diacritics);
        }
        if whole {
            sex = drop_diacritics(&sex);
        }
    }
    let (tn_name, tn_addr) = (name.tone_new(), address.tone_new());
    if job.roll(Corruption::ToneNew, tn_name.is_some() || tn_addr.is_some()) {
        if let Some(v) = tn_name {
            name.set_all(v);
        }
        if let Some(v) = tn_addr {
            address.set_all(v);
        }
    }
    let text_na = name.any(non_ascii) || address.any(non_ascii) || !sex.is_ascii();
    if job.roll(Corruption::Tcvn3, text_na) {
        name.map(encode_tcvn3);
        address.map(encode_tcvn3);
        sex = encode_tcvn3(&sex);
    } else if job.roll(Corruption::Vni, text_na) {
        name.map(encode_vni);
        address.map(encode_vni);
        sex = encode_vni(&sex);
    } else if job.roll(
        Corruption::Nfd,
        name.any(has_decomposable) || address.any(has_decomposable) || has_decomposable(&sex),
    ) {
        name.map(to_nfd);
        address.map(to_nfd);
        sex = to_nfd(&sex);
    }
    Rendered { name, swapped, address, bare, dob, sex, id_number, phone }
}

/// Renders one record of `p` in the standard seven columns (its `record_id` is left empty).
pub(crate) fn render(
    pop: &Population,
    rng: &mut Rng,
    p: &Person,
    profile: Profile,
    stats: &mut StatsAcc,
) -> (SynthRecord, CorruptionSet) {
    let mut job = Job::new(pop, rng, profile, stats, None);
    let r = render_pieces(&mut job, p);
    let record = SynthRecord {
        record_id: String::new(),
        full_name: r.name.joined(),
        dob: r.dob,
        sex: r.sex,
        address: r.address.joined(),
        id_number: r.id_number,
        phone: r.phone,
        extras: Vec::new(),
        ..SynthRecord::default()
    };
    (record, job.set)
}

/// The header of the split layout ([`render_split`]).
pub(crate) const SPLIT_HEADER: [&str; 13] = [
    "record_id",
    "Họ",
    "Chữ đệm",
    "Tên",
    "Ngày sinh",
    "Giới tính",
    "Số nhà",
    "Đường/Thôn",
    "Phường/Xã",
    "Quận/Huyện",
    "Tỉnh/Thành phố",
    "Số CCCD",
    "Số điện thoại",
];

/// Renders one record of `p` in the split layout: the columns of [`SPLIT_HEADER`], the first
/// (`record_id`) left empty. The record's RNG draws are those of [`render`], so the record has
/// the same corruptions as its joined form; `side` decides the layout-only choices (about half
/// of the unabbreviated units written as bare names: "Bến Nghé", "Hoàn Kiếm", "Hà Nội"). With
/// the name-order corruption the family and given names trade columns.
pub(crate) fn render_split(
    pop: &Population,
    rng: &mut Rng,
    side: Rng,
    p: &Person,
    profile: Profile,
    stats: &mut StatsAcc,
) -> (Vec<String>, CorruptionSet) {
    let mut job = Job::new(pop, rng, profile, stats, Some(side));
    let r = render_pieces(&mut job, p);
    let (mut family, middle, mut given) = (
        r.name.of(NameSlot::Family, " "),
        r.name.of(NameSlot::Middle, " "),
        r.name.of(NameSlot::Given, " "),
    );
    if r.swapped {
        std::mem::swap(&mut family, &mut given);
    }
    let a = &r.address;
    let fields = vec![
        String::new(),
        family,
        middle,
        given,
        r.dob,
        r.sex,
        a.of(AddrSlot::House, ""),
        a.of(AddrSlot::Street, ""),
        unit_column(a, Level::Ward, r.bare),
        unit_column(a, Level::District, r.bare),
        unit_column(a, Level::Province, r.bare),
        r.id_number,
        r.phone,
    ];
    (fields, job.set)
}

/// The text of a unit's column: its name alone when bare, else its type word, space and name.
fn unit_column(a: &Pieces<AddrSlot>, level: Level, bare: [bool; 3]) -> String {
    a.parts
        .iter()
        .filter(|(s, _)| match *s {
            AddrSlot::Unit(l) => l == level,
            AddrSlot::Kind(l) | AddrSlot::KindSpace(l) => l == level && !bare[level as usize],
            _ => false,
        })
        .map(|(_, t)| t.as_str())
        .collect()
}

/// The name as pieces, and whether the given name was put first.
fn name_pieces(job: &mut Job<'_>, p: &Person) -> (Pieces<NameSlot>, bool) {
    let mut family = p.family;
    let mut middle = p.middle.clone();
    let mut given = p.given.clone();

    let has_taboo =
        std::iter::once(&family).chain(&middle).chain(&given).any(|s| taboo_of(s).is_some());
    if job.roll(Corruption::Taboo, has_taboo) {
        let n = 1 + middle.len() + given.len();
        let eligible: Vec<usize> = (0..n)
            .filter(|&i| {
                let s = match i {
                    0 => family,
                    i if i <= middle.len() => middle[i - 1],
                    i => given[i - 1 - middle.len()],
                };
                taboo_of(s).is_some()
            })
            .collect();
        let i = *job.pick(&eligible);
        let ml = middle.len();
        let slot = match i {
            0 => &mut family,
            i if i <= ml => &mut middle[i - 1],
            i => &mut given[i - 1 - ml],
        };
        *slot = taboo_of(slot).unwrap_or(slot);
    }

    let has_marker = middle.iter().any(|m| *m == "Văn" || *m == "Thị");
    if has_marker {
        if job.roll(Corruption::MiddleDrop, true) {
            middle.retain(|m| *m != "Văn" && *m != "Thị");
        }
    } else if job.roll(Corruption::MiddleAdd, true) {
        middle.insert(0, if p.sex == Sex::Male { "Văn" } else { "Thị" });
    }

    let fam = [family];
    let (fam, mid, giv) = (
        (NameSlot::Family, &fam[..]),
        (NameSlot::Middle, &middle[..]),
        (NameSlot::Given, &given[..]),
    );
    let swapped = job.roll(Corruption::NameOrder, true);
    let order: Vec<(NameSlot, &[&str])> = if swapped {
        match job.rng.random_range(0..3) {
            // "An Nguyễn Văn"
            0 => vec![giv, fam, mid],
            // "An Nguyễn"
            1 => vec![giv, fam],
            // "Văn An Nguyễn"
            _ => vec![mid, giv, fam],
        }
    } else {
        vec![fam, mid, giv]
    };
    let mut parts: Vec<(NameSlot, String)> = Vec::with_capacity(9);
    for (slot, words) in order {
        // A table entry of two words ("Thị Ngọc") is two words of the name.
        for w in words.iter().flat_map(|w| w.split(' ')) {
            if !parts.is_empty() {
                parts.push((NameSlot::Space, " ".to_owned()));
            }
            parts.push((slot, w.to_owned()));
        }
    }
    let mut name = Pieces { parts };
    let words = |n: &Pieces<NameSlot>| -> Vec<usize> {
        (0..n.parts.len()).filter(|&i| !n.parts[i].0.is_sep() && !n.parts[i].1.is_ascii()).collect()
    };
    let candidates = words(&name);
    if job.roll(Corruption::Telex, !candidates.is_empty()) {
        let k = *job.pick(&candidates);
        name.parts[k].1 = telex(&name.parts[k].1);
    }
    (name, swapped)
}

/// Administrative level of an address part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Ward,
    District,
    Province,
}

fn numbered(name: &str) -> Option<u32> {
    name.parse().ok()
}

/// One administrative unit as text, abbreviated or not.
fn unit_text(
    job: &mut Job<'_>,
    level: Level,
    kind: &str,
    name: &str,
    full: &str,
    province_code: u8,
    abbreviate: bool,
) -> String {
    if !abbreviate {
        return full.to_owned();
    }
    if level == Level::Province {
        let aliases: &[&str] = match province_code {
            79 => {
                &["TP.HCM", "TPHCM", "TP HCM", "Tp.HCM", "HCM", "Sài Gòn", "SG", "TP. Hồ Chí Minh"]
            }
            1 => &["HN", "Hà Nội", "TP Hà Nội", "TP. Hà Nội", "Tp Hà Nội"],
            77 => &["BRVT", "BR-VT", "Bà Rịa Vũng Tàu"],
            46 if full.starts_with("Tỉnh") => &["TT Huế", "TT-Huế", "Thừa Thiên - Huế"],
            _ => &[],
        };
        if !aliases.is_empty() {
            return (*job.pick(aliases)).to_owned();
        }
    }
    if let Some(n) = numbered(name) {
        let forms: Vec<String> = match kind {
            "Phường" => {
                let mut v = vec![
                    format!("P.{n}"),
                    format!("P{n}"),
                    format!("P {n}"),
                    format!("P.{n:02}"),
                    format!("Phường {n:02}"),
                ];
                if province_code == 79 {
                    v.extend([format!("F{n}"), format!("F.{n}")]);
                }
                v
            }
            "Quận" => vec![
                format!("Q{n}"),
                format!("Q.{n}"),
                format!("Q. {n}"),
                format!("Quận {n:02}"),
                format!("Q.{n:02}"),
            ],
            _ => vec![format!("{kind} {n:02}"), format!("{kind} {n:03}")],
        };
        // "Phường 05" abbreviates "Phường 5" but not "Phường 12".
        let forms: Vec<String> = forms.into_iter().filter(|f| f != full).collect();
        return job.pick(&forms).clone();
    }
    let forms: &[&str] = match (level, kind) {
        (_, "Phường") => &["P. ", "P.", "P ", ""],
        (_, "Xã") => &["X. ", "xã ", ""],
        (_, "Thị trấn") => &["TT ", "TT. ", "Tt ", "T.T "],
        (_, "Quận") => &["Q. ", "Q.", ""],
        (_, "Huyện") => &["H. ", "H.", "huyện ", ""],
        (_, "Thị xã") => &["TX ", "TX. ", "Tx ", "T.X "],
        (_, "Thành phố") => &["TP ", "TP. ", "Tp. ", "T.P ", ""],
        (_, "Tỉnh") => &["T. ", "", "tỉnh "],
        (_, "Đặc khu") => &["đặc khu ", "ĐK ", ""],
        _ => &[""],
    };
    format!("{}{name}", job.pick(forms))
}

/// The street line cut in three: house number (with alley), the text between, and the street or
/// hamlet. The line's formats are those of the generator (`people::street_line`): a line that
/// starts with a digit or `K<digit>` has its number as first word ("123/45 Lê Lợi", "K12/3
/// Hùng Vương"); one that starts with "Số " has "Số n" and any "ngõ n" / "ngách n" after it
/// ("Số 5, ngõ 12, phố Hàng Bông", "Số 3 đường Lê Lợi", "Số 8, thôn Đông"); any other line is a
/// street, hamlet or residential group only ("Tổ dân phố 5", "Ấp 3").
fn split_line(line: &str) -> [String; 3] {
    let b = line.as_bytes();
    let numbered = |w: &str| w.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let starts_numbered =
        numbered(line) || (b.first() == Some(&b'K') && b.get(1).is_some_and(u8::is_ascii_digit));
    let mut words = line.split(' ');
    let end = if starts_numbered {
        words.next().map_or(0, str::len)
    } else if line.starts_with("Số ") {
        let mut end = 0;
        let mut pos = 0;
        let mut expect_number = false;
        let mut first = true;
        for w in words {
            let w_end = pos + w.len();
            if first {
                first = false;
                expect_number = true;
            } else if expect_number {
                if !numbered(w) {
                    break;
                }
                end = w_end;
                expect_number = false;
            } else if w == "ngõ" || w == "ngách" {
                expect_number = true;
            } else {
                break;
            }
            pos = w_end + 1;
        }
        end
    } else {
        0
    };
    let house = line[..end].trim_end_matches(',');
    let rest = &line[house.len()..];
    let street = rest.trim_start_matches([',', ' ']);
    [house.to_owned(), rest[..rest.len() - street.len()].to_owned(), street.to_owned()]
}

/// Abbreviations of the street line ("Số 12" → "SN 12", "đường" → "Đ.", "Tổ dân phố" → "TDP"),
/// on the line cut by [`split_line`]: the joined result is the abbreviation of the joined line,
/// and the cut follows the text (" đường Lê Lợi" → " Đ. Lê Lợi" stays in the street).
fn abbreviate_line(job: &mut Job<'_>, line: &mut [String; 3]) {
    const RULES: [(&str, &[&str]); 7] = [
        ("Tổ dân phố ", &["TDP ", "Tổ DP "]),
        ("Khu phố ", &["KP ", "KP."]),
        ("khu phố ", &["KP ", "kp "]),
        ("Số ", &["SN ", ""]),
        ("số ", &["SN ", ""]),
        (" đường ", &[" Đ. ", " Đg ", " "]),
        (" phố ", &[" P. ", " "]),
    ];
    for (from, to) in RULES {
        let s = line.concat();
        // " phố " is the street word, not the end of "Tổ dân phố" / "Khu phố".
        let unit_word = from == " phố " && (s.contains("dân phố") || s.contains("hu phố"));
        if !unit_word && s.contains(from) && job.rng.random_bool(0.7) {
            let rep: &str = job.pick::<&str>(to);
            let pos = s.find(from).unwrap_or(0);
            replace_in_line(line, pos, from.len(), rep);
        }
    }
}

/// Replaces bytes `pos..pos + len` of the joined `line` by `rep`, keeping the cut: a
/// replacement that starts in the gap keeps its leading separators in the gap.
fn replace_in_line(line: &mut [String; 3], pos: usize, len: usize, rep: &str) {
    let hb = line[0].len();
    let gb = hb + line[1].len();
    let end = pos + len;
    if end <= hb {
        line[0].replace_range(pos..end, rep);
    } else if pos >= gb {
        line[2].replace_range(pos - gb..end - gb, rep);
    } else if pos >= hb {
        let mut tail = line[1][pos - hb..].to_owned();
        tail.push_str(&line[2]);
        tail.replace_range(..len, rep);
        let street = tail.trim_start_matches([',', ' ']);
        let mut gap = line[1][..pos - hb].to_owned();
        gap.push_str(&tail[..tail.len() - street.len()]);
        street.clone_into(&mut line[2]);
        line[1] = gap;
    } else {
        // Across the house number and the street (no rule does this): one street text.
        let mut s = line.concat();
        s.replace_range(pos..end, rep);
        *line = [String::new(), String::new(), s];
    }
}

/// One part of an address before it is joined: the street line, or a unit with its type word
/// when written in full ("Phường", "Bến Nghé"), else as written ("P. Bến Nghé").
enum Part {
    Line([String; 3]),
    Unit(Level, Option<String>, String),
}

/// The address as pieces, and per [`Level`] whether the split layout writes the bare name.
fn address_pieces(job: &mut Job<'_>, t: &Tables, p: &Person) -> (Pieces<AddrSlot>, [bool; 3]) {
    let moved;
    let addr: &Address = if job.roll(Corruption::AddrMoved, true) {
        let pi = if job.rng.random_bool(0.5) {
            t.ward_province[p.address.old_ward as usize] as usize
        } else {
            t.province(job.rng)
        };
        moved = job.pop.address(job.rng, pi);
        &moved
    } else {
        &p.address
    };
    let new_era = p.new_era ^ job.roll(Corruption::AddrOtherEra, true);
    let abbreviate = job.roll(Corruption::AddrAbbrev, true);

    let ward = &refdata::old_wards()[addr.old_ward as usize];
    let pinfo = &t.provinces[t.ward_province[addr.old_ward as usize] as usize];
    let code = pinfo.code;
    // (level, kind, name, full name) of each unit, most specific first.
    let mut units: Vec<(Level, &str, &str, String)> = Vec::with_capacity(3);
    if new_era {
        let nw = &refdata::new_wards()[addr.new_ward as usize];
        let np = &refdata::new_provinces()[pinfo.new];
        units.push((Level::Ward, &nw.kind, &nw.name, nw.full_name.clone()));
        units.push((Level::Province, &np.kind, &np.name, np.full_name.clone()));
    } else {
        let d = &refdata::old_districts()[t.district_by_code[ward.district_code.as_str()]];
        let op = &refdata::old_provinces()[pinfo.old];
        units.push((Level::Ward, &ward.kind, &ward.name, ward.full_name.clone()));
        units.push((Level::District, &d.kind, &d.name, d.full_name.clone()));
        // Before 2025 Huế was "Tỉnh Thừa Thiên Huế"; most old records say so.
        let full = if code == 46 && job.rng.random_bool(0.7) {
            "Tỉnh Thừa Thiên Huế".to_owned()
        } else {
            op.full_name.clone()
        };
        units.push((Level::Province, &op.kind, &op.name, full));
    }
    // At least one unit is abbreviated when the corruption fires.
    let forced = job.rng.random_range(1..=units.len());
    let mut parts: Vec<Part> = Vec::with_capacity(4);
    let mut bare = [false; 3];
    let mut line = split_line(&addr.line);
    if abbreviate && job.rng.random_bool(0.5) {
        abbreviate_line(job, &mut line);
    }
    parts.push(Part::Line(line));
    for (i, (level, kind, name, full)) in units.into_iter().enumerate() {
        let abbr = abbreviate && (forced == i + 1 || job.rng.random_bool(0.6));
        let (kind, name) = if level == Level::Province && full.contains("Thừa Thiên") {
            ("Tỉnh", "Thừa Thiên Huế")
        } else {
            (kind, name)
        };
        let text = unit_text(job, level, kind, name, &full, code, abbr);
        let bare_name = text.strip_prefix(kind).and_then(|r| r.strip_prefix(' '));
        match bare_name {
            Some(rest) if !abbr && !rest.is_empty() => {
                // Forms with one column per unit often hold the bare name ("Bến Nghé").
                bare[level as usize] = job.side_bool(0.5);
                parts.push(Part::Unit(level, Some(kind.to_owned()), rest.to_owned()));
            }
            _ => parts.push(Part::Unit(level, None, text)),
        }
    }
    if job.roll(Corruption::AddrMissingPart, true) {
        let drop = if parts.len() > 2 && job.rng.random_bool(0.2) { 2 } else { 1 };
        for _ in 0..drop {
            let i = job.rng.random_range(0..parts.len());
            parts.remove(i);
        }
    }
    let sep = match job.rng.random_range(0..25) {
        0 => " - ",
        1 => ",",
        _ => ", ",
    };
    let mut pieces = Vec::with_capacity(9);
    for part in parts {
        if !pieces.is_empty() {
            pieces.push((AddrSlot::Sep, sep.to_owned()));
        }
        match part {
            Part::Line([house, gap, street]) => pieces.extend([
                (AddrSlot::House, house),
                (AddrSlot::Gap, gap),
                (AddrSlot::Street, street),
            ]),
            Part::Unit(level, kind, text) => {
                if let Some(kind) = kind {
                    pieces.push((AddrSlot::Kind(level), kind));
                    pieces.push((AddrSlot::KindSpace(level), " ".to_owned()));
                }
                pieces.push((AddrSlot::Unit(level), text));
            }
        }
    }
    (Pieces { parts: pieces }, bare)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Excel (1900 system) serial number of a date after 1900-02-28.
pub(crate) fn excel_serial(year: u16, month: u8, day: u8) -> i64 {
    days_from_civil(i64::from(year), i64::from(month), i64::from(day)) + 25_569
}

/// A date of birth after the corruptions every locale shares, drawn in this order: missing,
/// year off by one, year only, day and month swapped, written in another format.
pub(crate) enum DobDraft {
    /// Left empty, or written as its year only: the text.
    Text(String),
    /// Day and month (swapped when the record says so), year, and whether another format than
    /// the locale's usual one is used.
    Date { day: u8, month: u8, year: u16, other_format: bool },
}

pub(crate) fn dob_draft(job: &mut Job<'_>, dob: Dob) -> DobDraft {
    if job.roll(Corruption::DobMissing, true) {
        return DobDraft::Text(String::new());
    }
    let mut d = dob;
    if job.roll(Corruption::DobYearOff, true) {
        d.year = if job.rng.random_bool(0.5) { d.year + 1 } else { d.year - 1 };
        d.day = d.day.min(days_in_month(d.year, d.month));
    }
    if job.roll(Corruption::DobYearOnly, true) {
        return DobDraft::Text(d.year.to_string());
    }
    // Swapped: the day in the month's place.
    let swap = job.roll(Corruption::DobSwap, d.day != d.month);
    let (day, month) = if swap { (d.month, d.day) } else { (d.day, d.month) };
    let other_format = job.roll(Corruption::DobFormat, true);
    DobDraft::Date { day, month, year: d.year, other_format }
}

fn dob_text(job: &mut Job<'_>, dob: Dob) -> String {
    let (a, b, y) = match dob_draft(job, dob) {
        DobDraft::Text(t) => return t,
        DobDraft::Date { day, month, year, other_format: false } => {
            return format!("{day:02}/{month:02}/{year}");
        }
        DobDraft::Date { day, month, year, other_format: true } => (day, month, year),
    };
    match job.rng.random_range(0..100) {
        0..28 => format!("{a}/{b}/{y}"),
        28..46 => format!("{y}-{b:02}-{a:02}"),
        46..58 => format!("{a:02}.{b:02}.{y}"),
        58..70 => format!("{a:02}-{b:02}-{y}"),
        70..76 => format!("{y}{b:02}{a:02}"),
        76..82 => format!("{a:02}/{b:02}/{:02}", y % 100),
        // A swapped day > 12 is no valid date: Excel leaves it as text.
        82..94 if b <= 12 => excel_serial(y, b, a).to_string(),
        82..94 => format!("{a:02}/{b:02}/{y}"),
        _ => format!("ngày {a:02} tháng {b} năm {y}"),
    }
}

fn sex_text(job: &mut Job<'_>, sex: Sex) -> String {
    sex_text_as(job, sex, ["Nam", "Nữ", "M", "F"])
}

/// The sex as written, with its corruptions (missing, flipped, as a code): `labels` are the
/// male and female words, then the male and female codes.
pub(crate) fn sex_text_as(job: &mut Job<'_>, sex: Sex, labels: [&str; 4]) -> String {
    if job.roll(Corruption::SexMissing, true) {
        return String::new();
    }
    let mut s = sex;
    if job.roll(Corruption::SexFlip, true) {
        s = match s {
            Sex::Male => Sex::Female,
            Sex::Female => Sex::Male,
        };
    }
    let code = job.roll(Corruption::SexCode, true);
    let i = usize::from(s == Sex::Female) + if code { 2 } else { 0 };
    labels[i].to_owned()
}

/// A number as a spreadsheet shows it in a narrow column: `79088012345` → `7.9088E+10`.
pub(crate) fn scientific(digits: &str) -> String {
    let d = digits.trim_start_matches('0');
    if d.len() < 2 {
        return d.to_owned();
    }
    let mut exp = d.len() - 1;
    // Six significant digits, rounded on the seventh.
    let mut head: u64 = d[..d.len().min(6)].parse().unwrap_or(0);
    for _ in d.len()..6 {
        head *= 10;
    }
    if d.as_bytes().get(6).is_some_and(|&c| c >= b'5') {
        head += 1;
        if head == 1_000_000 {
            head = 100_000;
            exp += 1;
        }
    }
    let s = head.to_string();
    let frac = s[1..].trim_end_matches('0');
    if frac.is_empty() {
        format!("{}E+{exp:02}", &s[..1])
    } else {
        format!("{}.{frac}E+{exp:02}", &s[..1])
    }
}

fn id_text(job: &mut Job<'_>, p: &Person) -> String {
    if job.roll(Corruption::IdMissing, true) {
        return String::new();
    }
    let mut v = if job.roll(Corruption::IdCmnd, p.cmnd.is_some()) {
        p.cmnd.clone().unwrap_or_default()
    } else {
        p.cccd.clone()
    };
    if job.roll(Corruption::IdTypo, true) {
        let mut b = v.into_bytes();
        let i = job.rng.random_range(0..b.len());
        let swappable = i + 1 < b.len() && b[i] != b[i + 1];
        if swappable && job.rng.random_bool(0.5) {
            b.swap(i, i + 1);
        } else {
            let old = b[i];
            b[i] = b'0' + ((old - b'0' + job.rng.random_range(1..10)) % 10);
        }
        v = String::from_utf8(b).unwrap_or_default();
    }
    if job.roll(Corruption::IdScientific, v.len() == 12) {
        return scientific(&v);
    }
    if job.roll(Corruption::IdLostZeros, v.starts_with('0')) {
        let trimmed = v.trim_start_matches('0');
        v = if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() };
    }
    v
}

/// Groups of three digits from the start, the remainder in the last group.
fn grouped(s: &str, sep: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 4);
    let mut i = 0;
    while i < b.len() {
        let end = if b.len() - i <= 4 { b.len() } else { i + 3 };
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&s[i..end]);
        i = end;
    }
    out
}

fn phone_text(job: &mut Job<'_>, t: &Tables, p: &Person) -> String {
    let Some(own) = &p.phone else { return String::new() };
    if job.roll(Corruption::PhoneMissing, true) {
        return String::new();
    }
    let mut national = if job.roll(Corruption::PhoneOther, true) {
        let pi = t.phone_sampler.sample(job.rng);
        format!("{}{:07}", t.phone_prefixes[pi], job.rng.random_range(0..10_000_000u32))
    } else {
        own.clone()
    };
    let pi = t.phone_prefixes.iter().position(|&x| national.starts_with(x));
    let old = pi.and_then(|i| t.old_prefix[i]);
    if job.roll(Corruption::PhoneOldPrefix, old.is_some()) {
        national = format!("{}{}", old.unwrap_or_default(), &national[3..]);
    }
    if !job.roll(Corruption::PhoneFormat, true) {
        return national;
    }
    let rest = &national[1..];
    match job.rng.random_range(0..9) {
        0 => format!("+84 {}", grouped(rest, " ")),
        1 => format!("+84{rest}"),
        2 => format!("84{rest}"),
        3 => format!("0084{rest}"),
        4 => format!("0{}", grouped(rest, " ")),
        5 => format!("0{}", grouped(rest, ".")),
        6 => format!("0{}", grouped(rest, "-")),
        7 => rest.to_owned(),
        _ => format!("(+84) {rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::config::{GenConfig, Rates};
    use crate::synth::people::IdCounters;
    use crate::synth::rng_for;

    fn people(cfg: &GenConfig) -> (Population, Vec<Person>) {
        let pop = Population::new(cfg);
        let mut v = pop.chunk(0);
        IdCounters::default().assign(cfg.seed, &mut v);
        (pop, v)
    }

    #[test]
    fn zero_rates_render_the_truth() {
        let mut cfg = GenConfig { entities: 500, seed: 4, ..GenConfig::default() };
        for &c in Corruption::ALL {
            cfg.rates.set(c, 0.0);
        }
        let (pop, persons) = people(&cfg);
        let mut rng = rng_for(1, 2, 3);
        let mut stats = StatsAcc::new(&cfg);
        for p in &persons {
            let (r, set) = render(&pop, &mut rng, p, Profile::Noisy, &mut stats);
            assert!(set.is_empty());
            assert_eq!(r.full_name, p.full_name());
            let d = p.dob;
            assert_eq!(r.dob, format!("{:02}/{:02}/{}", d.day, d.month, d.year));
            assert_eq!(r.sex, if p.sex == Sex::Male { "Nam" } else { "Nữ" });
            assert_eq!(r.id_number, p.cccd);
            assert_eq!(r.phone, p.phone.clone().unwrap_or_default());
            assert!(r.address.starts_with(&p.address.line), "{}", r.address);
        }
    }

    #[test]
    fn each_corruption_fires_when_certain() {
        let base = GenConfig { entities: 300, seed: 6, ..GenConfig::default() };
        for &c in Corruption::ALL {
            let mut cfg = base.clone();
            cfg.rates = Rates::DEFAULT;
            for &o in Corruption::ALL {
                cfg.rates.set(o, 0.0);
            }
            cfg.rates.set(c, 1.0);
            let (pop, persons) = people(&cfg);
            let mut rng = rng_for(9, 9, 9);
            let mut stats = StatsAcc::new(&cfg);
            let mut eligible = 0;
            for p in &persons {
                let (r, set) = render(&pop, &mut rng, p, Profile::Noisy, &mut stats);
                let count = stats.s.corruptions[c.index()].noisy;
                if count.eligible > eligible {
                    eligible = count.eligible;
                    assert_eq!(set.iter().collect::<Vec<_>>(), vec![c], "{}", c.name());
                }
                assert!(
                    !r.address.contains("dân P.") && !r.address.contains("dân  "),
                    "{}",
                    r.address
                );
            }
            assert!(eligible > 0, "{} never eligible", c.name());
        }
    }

    #[test]
    fn street_lines_are_cut_into_house_and_street() {
        let cut = |l: &str| split_line(l);
        assert_eq!(cut("Số 5, ngõ 12, phố Hàng Bông"), ["Số 5, ngõ 12", ", ", "phố Hàng Bông"]);
        assert_eq!(
            cut("Số 5, ngách 3, ngõ 12 Hàng Bông"),
            ["Số 5, ngách 3, ngõ 12", " ", "Hàng Bông"]
        );
        assert_eq!(cut("Số 3 đường Lê Lợi"), ["Số 3", " ", "đường Lê Lợi"]);
        assert_eq!(cut("123/45/6 Lê Lợi"), ["123/45/6", " ", "Lê Lợi"]);
        assert_eq!(cut("K12/3 Hùng Vương"), ["K12/3", " ", "Hùng Vương"]);
        assert_eq!(cut("Số 8, thôn Đông"), ["Số 8", ", ", "thôn Đông"]);
        assert_eq!(cut("Tổ dân phố 5"), ["", "", "Tổ dân phố 5"]);
        assert_eq!(cut("Khu phố 3"), ["", "", "Khu phố 3"]);
        assert_eq!(cut("Ấp 3"), ["", "", "Ấp 3"]);
        assert_eq!(cut(""), ["", "", ""]);
        // Every line the generator writes.
        let cfg = GenConfig { entities: 1024, seed: 12, ..GenConfig::default() };
        let (_, persons) = people(&cfg);
        let mut with_house = 0;
        for p in &persons {
            let line = &p.address.line;
            let [house, gap, street] = cut(line);
            assert_eq!(format!("{house}{gap}{street}"), *line);
            assert!(["", " ", ", "].contains(&gap.as_str()), "{line}");
            assert!(
                !street.is_empty() && !street.starts_with(|c: char| c.is_ascii_digit()),
                "{line}"
            );
            assert!(
                house.is_empty()
                    || house.starts_with(|c: char| c.is_ascii_digit())
                    || house.starts_with('K')
                    || house.starts_with("Số "),
                "{line}"
            );
            with_house += usize::from(!house.is_empty());
        }
        assert!(with_house > 300, "{with_house}");
    }

    #[test]
    fn abbreviations_keep_the_cut() {
        let apply = |line: &str, from: &str, to: &str| {
            let mut l = split_line(line);
            let pos = l.concat().find(from).unwrap();
            replace_in_line(&mut l, pos, from.len(), to);
            assert_eq!(l.concat(), line.replacen(from, to, 1));
            l
        };
        assert_eq!(apply("Số 5 đường Lê Lợi", " đường ", " Đ. "), ["Số 5", " ", "Đ. Lê Lợi"]);
        assert_eq!(apply("Số 5 đường Lê Lợi", " đường ", " "), ["Số 5", " ", "Lê Lợi"]);
        assert_eq!(apply("Số 5 phố Huế", "Số ", ""), ["5", " ", "phố Huế"]);
        assert_eq!(apply("Số 5, ngõ 2, phố Huế", "Số ", "SN "), ["SN 5, ngõ 2", ", ", "phố Huế"]);
        assert_eq!(apply("Tổ dân phố 5", "Tổ dân phố ", "TDP "), ["", "", "TDP 5"]);
        assert_eq!(apply("12/3 đường Lê Lợi", " đường ", " Đg "), ["12/3", " ", "Đg Lê Lợi"]);
    }

    #[test]
    fn split_layout_is_the_joined_record_in_columns() {
        let mut cfg =
            GenConfig { entities: 1024, seed: 31, original_noise: 1.0, ..GenConfig::default() };
        for (c, r) in [
            (Corruption::Typo, 0.5),
            (Corruption::AddrAbbrev, 0.5),
            (Corruption::AddrMissingPart, 0.3),
            (Corruption::NameOrder, 0.2),
            (Corruption::Telex, 0.2),
            (Corruption::Tcvn3, 0.1),
            (Corruption::Vni, 0.1),
            (Corruption::Nfd, 0.1),
        ] {
            cfg.rates.set(c, r);
        }
        let (pop, persons) = people(&cfg);
        let mut stats = (StatsAcc::new(&cfg), StatsAcc::new(&cfg));
        let (mut bare, mut no_district, mut swapped) = (0, 0, 0);
        for (i, p) in persons.iter().enumerate() {
            let mut r1 = rng_for(5, 6, i as u64);
            let mut r2 = r1.clone();
            let (joined, s1) = render(&pop, &mut r1, p, Profile::Noisy, &mut stats.0);
            let side = rng_for(7, 8, i as u64);
            let (cols, s2) = render_split(&pop, &mut r2, side, p, Profile::Noisy, &mut stats.1);
            // The same draws, hence the same corruptions and the same next record.
            assert_eq!(s1, s2);
            assert_eq!(r1.random::<u64>(), r2.random::<u64>());
            assert_eq!(cols.len(), SPLIT_HEADER.len());
            assert_eq!(
                [&cols[4], &cols[5], &cols[11], &cols[12]],
                [&joined.dob, &joined.sex, &joined.id_number, &joined.phone]
            );
            let name: Vec<&str> =
                cols[1..4].iter().filter(|c| !c.is_empty()).map(String::as_str).collect();
            if s1.contains(Corruption::NameOrder) {
                swapped += 1;
                // Given name in the family column, family name in the given column.
                let (given, family) = (cols[1].as_str(), cols[3].as_str());
                let n = &joined.full_name;
                assert!(n.starts_with(given) || n.ends_with(family), "{n} {cols:?}");
            } else {
                assert_eq!(name.join(" "), joined.full_name);
            }
            for c in cols[6..11].iter().filter(|c| !c.is_empty()) {
                assert!(joined.address.contains(c.as_str()), "{c:?} not in {:?}", joined.address);
            }
            let ward = &cols[8];
            bare += usize::from(
                !ward.is_empty()
                    && ![
                        "Phường",
                        "Xã",
                        "P",
                        "X",
                        "Thị",
                        "TT",
                        "Tt",
                        "F",
                        "Đặc",
                        "ĐK",
                        "đặc",
                        "xã",
                        "T.",
                    ]
                    .iter()
                    .any(|k| ward.starts_with(k)),
            );
            no_district += usize::from(cols[9].is_empty());
        }
        assert_eq!(stats.0.s, stats.1.s);
        assert!(bare > 250 && bare < 700, "{bare} bare ward names");
        assert!(no_district > 250, "{no_district} without a district");
        assert!(swapped > 100, "{swapped}");
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial(1970, 1, 1), 25_569);
        assert_eq!(excel_serial(2000, 1, 1), 36_526);
        assert_eq!(excel_serial(1988, 3, 5), 32_207);
    }

    #[test]
    fn scientific_notation() {
        assert_eq!(scientific("079088012345"), "7.90880E+10".replace("7.90880", "7.9088"));
        assert_eq!(scientific("001088012345"), "1.08801E+09");
        assert_eq!(scientific("001999999999"), "2E+09");
        assert_eq!(scientific("012000000000"), "1.2E+10");
    }

    #[test]
    fn phone_grouping() {
        assert_eq!(grouped("912345678", " "), "912 345 678");
        assert_eq!(grouped("1699333999", "."), "169.933.3999");
    }
}
