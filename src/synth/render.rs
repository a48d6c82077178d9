//! Rendering one record of a [`Person`]: the seven text fields as a register would write them,
//! with the corruptions of the record's [`Profile`] rolled one by one.
//!
//! Each corruption is rolled only when the record is *eligible* for it (the roll is counted in
//! the statistics either way), so that `applied ÷ eligible` estimates the configured rate. The
//! order is fixed: name tokens (taboo form, middle marker, order, Telex), address (moved, era,
//! abbreviations, missing parts), one typo, date, sex, ID, phone, then whole-record text (upper
//! case, diacritics, tone placement, mojibake or NFD). Mojibake and NFD exclude each other.

use rand::RngExt;

use crate::normalize::Sex;
use crate::normalize::legacy::{encode_tcvn3, encode_vni};
use crate::refdata;

use super::config::{Corruption, CorruptionSet};
use super::corrupt::{drop_diacritics, has_decomposable, telex, to_nfd, tone_new, typo};
use super::people::{Address, Dob, Person, Population, days_in_month};
use super::stats::StatsAcc;
use super::tables::{Tables, tables};
use super::{Profile, Rng, SynthRecord};

/// One record being rendered: the RNG, the rate multiplier of its profile, the statistics and
/// the corruptions received so far.
struct Job<'a> {
    rng: &'a mut Rng,
    pop: &'a Population,
    factor: f64,
    profile: Profile,
    stats: &'a mut StatsAcc,
    set: CorruptionSet,
}

impl Job<'_> {
    /// Rolls corruption `c` if the record is eligible for it.
    fn roll(&mut self, c: Corruption, eligible: bool) -> bool {
        if !eligible {
            return false;
        }
        let p = (self.pop.cfg.rates.get(c) * self.factor).clamp(0.0, 1.0);
        let hit = p > 0.0 && self.rng.random_bool(p);
        self.stats.count(self.profile, c, hit);
        if hit {
            self.set.insert(c);
        }
        hit
    }

    fn pick<'s, T>(&mut self, items: &'s [T]) -> &'s T {
        &items[self.rng.random_range(0..items.len())]
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

/// Renders one record of `p` (its `record_id` is left empty).
pub(crate) fn render(
    pop: &Population,
    rng: &mut Rng,
    p: &Person,
    profile: Profile,
    stats: &mut StatsAcc,
) -> (SynthRecord, CorruptionSet) {
    let factor = match profile {
        Profile::Clean => pop.cfg.original_noise,
        Profile::Noisy => 1.0,
    };
    stats.record(profile);
    let mut job = Job { rng, pop, factor, profile, stats, set: CorruptionSet::EMPTY };
    let t = tables();

    let mut name = name_text(&mut job, p);
    let mut address = address_text(&mut job, t, p);
    if job.roll(Corruption::Typo, true) {
        let on_name = job.rng.random_bool(0.6);
        let (first, second) =
            if on_name { (&mut name, &mut address) } else { (&mut address, &mut name) };
        if let Some(s) = typo(job.rng, first) {
            *first = s;
        } else if let Some(s) = typo(job.rng, second) {
            *second = s;
        }
    }
    let dob = dob_text(&mut job, p.dob);
    let mut sex = sex_text(&mut job, p.sex);
    let id_number = id_text(&mut job, p);
    let phone = phone_text(&mut job, t, p);

    if job.roll(Corruption::Upper, true) {
        name = name.to_uppercase();
        if job.rng.random_bool(0.35) {
            address = address.to_uppercase();
        }
    }
    let (name_na, addr_na) = (!name.is_ascii(), !address.is_ascii());
    if job.roll(Corruption::Diacritics, name_na || addr_na) {
        let whole = job.rng.random_bool(0.5);
        let on_name = name_na && (!addr_na || job.rng.random_bool(0.6));
        if whole || on_name {
            name = drop_diacritics(&name);
        }
        if whole || !on_name {
            address = drop_diacritics(&address);
        }
        if whole {
            sex = drop_diacritics(&sex);
        }
    }
    let (tn_name, tn_addr) = (tone_new(&name), tone_new(&address));
    if job.roll(Corruption::ToneNew, tn_name.is_some() || tn_addr.is_some()) {
        name = tn_name.unwrap_or(name);
        address = tn_addr.unwrap_or(address);
    }
    let text_na = !name.is_ascii() || !address.is_ascii() || !sex.is_ascii();
    if job.roll(Corruption::Tcvn3, text_na) {
        name = encode_tcvn3(&name);
        address = encode_tcvn3(&address);
        sex = encode_tcvn3(&sex);
    } else if job.roll(Corruption::Vni, text_na) {
        name = encode_vni(&name);
        address = encode_vni(&address);
        sex = encode_vni(&sex);
    } else if job.roll(
        Corruption::Nfd,
        has_decomposable(&name) || has_decomposable(&address) || has_decomposable(&sex),
    ) {
        name = to_nfd(&name);
        address = to_nfd(&address);
        sex = to_nfd(&sex);
    }
    let set = job.set;
    (
        SynthRecord {
            record_id: String::new(),
            full_name: name,
            dob,
            sex,
            address,
            id_number,
            phone,
            extras: Vec::new(),
        },
        set,
    )
}

fn name_text(job: &mut Job<'_>, p: &Person) -> String {
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

    let mut tokens: Vec<&str> = Vec::with_capacity(1 + middle.len() + given.len());
    if job.roll(Corruption::NameOrder, true) {
        match job.rng.random_range(0..3) {
            // "An Nguyễn Văn"
            0 => {
                tokens.extend(&given);
                tokens.push(family);
                tokens.extend(&middle);
            }
            // "An Nguyễn"
            1 => {
                tokens.extend(&given);
                tokens.push(family);
            }
            // "Văn An Nguyễn"
            _ => {
                tokens.extend(&middle);
                tokens.extend(&given);
                tokens.push(family);
            }
        }
    } else {
        tokens.push(family);
        tokens.extend(&middle);
        tokens.extend(&given);
    }
    let mut name = tokens.join(" ");
    if job.roll(Corruption::Telex, !name.is_ascii()) {
        let words: Vec<&str> = name.split(' ').collect();
        let candidates: Vec<usize> = (0..words.len()).filter(|&i| !words[i].is_ascii()).collect();
        let k = *job.pick(&candidates);
        name = words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == k { telex(w) } else { (*w).to_owned() })
            .collect::<Vec<_>>()
            .join(" ");
    }
    name
}

/// Administrative level of an address part.
#[derive(Clone, Copy, PartialEq, Eq)]
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

/// Abbreviations of the street line ("Số 12" → "SN 12", "đường" → "Đ.", "Tổ dân phố" → "TDP").
fn abbreviate_line(job: &mut Job<'_>, line: &str) -> String {
    const RULES: [(&str, &[&str]); 7] = [
        ("Tổ dân phố ", &["TDP ", "Tổ DP "]),
        ("Khu phố ", &["KP ", "KP."]),
        ("khu phố ", &["KP ", "kp "]),
        ("Số ", &["SN ", ""]),
        ("số ", &["SN ", ""]),
        (" đường ", &[" Đ. ", " Đg ", " "]),
        (" phố ", &[" P. ", " "]),
    ];
    let mut s = line.to_owned();
    for (from, to) in RULES {
        // " phố " is the street word, not the end of "Tổ dân phố" / "Khu phố".
        let unit_word = from == " phố " && (s.contains("dân phố") || s.contains("hu phố"));
        if !unit_word && s.contains(from) && job.rng.random_bool(0.7) {
            let rep: &str = job.pick::<&str>(to);
            s = s.replacen(from, rep, 1);
        }
    }
    s
}

fn address_text(job: &mut Job<'_>, t: &Tables, p: &Person) -> String {
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
    let mut parts: Vec<String> = Vec::with_capacity(4);
    parts.push(if abbreviate && job.rng.random_bool(0.5) {
        abbreviate_line(job, &addr.line)
    } else {
        addr.line.clone()
    });
    for (i, (level, kind, name, full)) in units.into_iter().enumerate() {
        let abbr = abbreviate && (forced == i + 1 || job.rng.random_bool(0.6));
        let (kind, name) = if level == Level::Province && full.contains("Thừa Thiên") {
            ("Tỉnh", "Thừa Thiên Huế")
        } else {
            (kind, name)
        };
        parts.push(unit_text(job, level, kind, name, &full, code, abbr));
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
    parts.join(sep)
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

fn dob_text(job: &mut Job<'_>, dob: Dob) -> String {
    if job.roll(Corruption::DobMissing, true) {
        return String::new();
    }
    let mut d = dob;
    if job.roll(Corruption::DobYearOff, true) {
        d.year = if job.rng.random_bool(0.5) { d.year + 1 } else { d.year - 1 };
        d.day = d.day.min(days_in_month(d.year, d.month));
    }
    if job.roll(Corruption::DobYearOnly, true) {
        return d.year.to_string();
    }
    let swap = job.roll(Corruption::DobSwap, d.day != d.month);
    let (a, b) = if swap { (d.month, d.day) } else { (d.day, d.month) };
    let y = d.year;
    if !job.roll(Corruption::DobFormat, true) {
        return format!("{a:02}/{b:02}/{y}");
    }
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
    match (s, code) {
        (Sex::Male, false) => "Nam",
        (Sex::Female, false) => "Nữ",
        (Sex::Male, true) => "M",
        (Sex::Female, true) => "F",
    }
    .to_owned()
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
