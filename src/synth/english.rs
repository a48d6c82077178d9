//! The English-language population ([`Locale::En`](super::Locale::En)): United States people
//! derived from the Vietnamese population of the same seed, and their records in the columns
//! of [`EN_HEADER`].
//!
//! # Derivation
//! The structure of the population is the Vietnamese one: entities, sex, date of birth, link
//! roles, and the hard-negative groups. Names, addresses and identifiers are drawn here, per
//! chunk, from an RNG of `(seed, chunk)`:
//! * a household shares a last name (blood relatives of the head; a spouse takes it 80 % of the
//!   time) and an address; siblings get distinct first names, twins share the date of birth; a
//!   father's namesake son carries his first and middle names and the suffix "Jr" (which
//!   records write or leave out; the father is "Sr" 30 % of the time);
//! * a common-name cluster becomes one frequent first and last name ("James Smith") in one
//!   state, its members born the same year (middle names differ, as in real namesake sets);
//! * first names by sex and surnames follow published frequencies (lists in this file); 75 %
//!   of people have a middle name (another first name of their sex); dates of birth are the
//!   Vietnamese ones, except that most 1 January placeholders are redrawn;
//! * an address is a house number, an optional direction, a street and a street type ("221
//!   North Baker Street"), 12 % with an apartment ("Apt 4B"), in a state drawn by population
//!   (2020 census) and one of its listed cities by population, with the state code and a ZIP
//!   code of the city;
//! * the phone (who has one: as in the Vietnamese population; minors may list the head's) is
//!   the city's area code and seven digits from a keyed permutation of the entity index
//!   (distinct below 8 million people); the SSN (`AAA-GG-SSSS`, area 001–899 but 666) is a
//!   keyed permutation of the entity index (distinct below 888 million people);
//! * e-mails: 88 % of adults born since 1950 (70 % before) have one, from their name (`first.last`,
//!   `firstlast`, `flast`, `first_last`, `f.last`, …) at a provider drawn by market share; a minor of a
//!   household lists the head's half the time, a spouse 10 %. An e-mail is unique: a sequential
//!   pass in entity order ([`EmailBook`]) numbers the holders of each local part and provider
//!   ("john.smith", "john.smith47", "john.smith812"); its memory is bounded by the number of
//!   distinct local parts (at most a few million).
//!
//! # Records
//! Clean text: `first_name,middle_name,last_name` ("Katherine", "Ann", "O'Brien"), `dob`
//! `yyyy-mm-dd`, `sex` `F`/`M`, `street_address` "221 North Baker Street Apt 4B", `suburb` (the
//! city), `state` (code), `postcode` (5-digit ZIP), `email`, `phone` `555-123-4567`, `ssn`
//! `123-45-6789`. Corruptions, with the rates of [`Rates`](super::Rates) or
//! [`EnRates`](super::EnRates): nickname, middle name dropped or initial, first and last name
//! swapped (`name_order`), one typo in a name, the street or the city, capitals, date formats
//! (`3/5/1988`, `03/05/1988`, `5/3/1988`, `19880305`, `Mar 5, 1988`, `05-Mar-1988`), day and
//! month swapped, year ±1, year only, missing; sex `Female`/`Male`, missing or wrong; street
//! types, directions and apartments abbreviated (`St`, `Ave`, `N`, `#4B`), state written out,
//! city aliases (`Saint Paul`/`St. Paul`, `Fort`/`Ft.`, `NYC`); parts of the address missing,
//! a wrong ZIP, another address; e-mail missing, at another provider or with another pattern,
//! or mistyped; phone formats (`(555) 123-4567`, `555.123.4567`, `+1 555 123 4567`,
//! `5551234567`, `1-555-123-4567`), another number or missing; SSN missing, mistyped, without
//! dashes, or as a number that lost its leading zeros. The Vietnamese-only corruptions
//! (diacritics, NFD, tone placement, Telex, taboo forms, Văn/Thị, address era, CMND, scientific
//! notation, pre-2018 phone prefixes, legacy encodings) are never eligible, and `id_missing` is
//! replaced by `ssn_missing`.

use std::sync::OnceLock;

use rand::RngExt;
use rustc_hash::FxHashMap;

use crate::normalize::Sex;

use super::config::{Corruption, CorruptionSet, EnCorruption};
use super::corrupt::typo;
use super::people::{Dob, Group, HouseholdRole, Person, Population, days_in_month, permute};
use super::render::{DobDraft, Job};
use super::stats::StatsAcc;
use super::tables::Weighted;
use super::{Profile, Rng, rng_for, splitmix};

/// RNG stream of the English people of a chunk.
const STREAM_EN_PEOPLE: u64 = 21;
/// RNG stream of the English common-name clusters.
const STREAM_EN_CLUSTER: u64 = 22;
/// Key stream of the English identifiers.
const STREAM_EN_IDS: u64 = 23;
/// RNG stream of redrawn dates of birth.
const STREAM_EN_DOB: u64 = 24;

/// The header of the English layout.
pub(crate) const EN_HEADER: [&str; 13] = [
    "record_id",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "sex",
    "street_address",
    "suburb",
    "state",
    "postcode",
    "email",
    "phone",
    "ssn",
];

/// Valid SSNs: areas 001–899 but 666, groups 01–99, serials 0001–9999.
const SSN_SPACE: u64 = 898 * 99 * 9999;
/// Phone subscriber numbers: exchanges 200–999, lines 0000–9999.
const PHONE_SPACE: u64 = 800 * 10_000;

/// The sampling tables of the English population, built once.
struct EnTables {
    male: Weighted,
    female: Weighted,
    surnames: Weighted,
    street_types: Weighted,
    /// States by population.
    states: Weighted,
    providers: Weighted,
    patterns: Weighted,
    /// Per state (index in [`STATES`]): its cities and their sampler by population.
    state_cities: Vec<(Vec<usize>, Weighted)>,
}

fn en_tables() -> &'static EnTables {
    static T: OnceLock<EnTables> = OnceLock::new();
    T.get_or_init(|| {
        let w = |v: &[(&str, u32)]| Weighted::new(v.iter().map(|&(_, w)| f64::from(w)));
        let state_cities = STATES
            .iter()
            .map(|s| {
                let cities: Vec<usize> =
                    (0..CITIES.len()).filter(|&c| CITIES[c].1 == s.0).collect();
                // Every state has a city (`tables_are_consistent`).
                let sampler = Weighted::new(cities.iter().map(|&c| f64::from(CITIES[c].4)));
                (cities, sampler)
            })
            .collect();
        EnTables {
            male: w(MALE_FIRST),
            female: w(FEMALE_FIRST),
            surnames: w(SURNAMES),
            street_types: Weighted::new(STREET_TYPES.iter().map(|t| f64::from(t.1))),
            states: Weighted::new(STATES.iter().map(|s| f64::from(s.2))),
            providers: w(PROVIDERS),
            patterns: Weighted::new(PATTERNS.iter().map(|&(_, w)| f64::from(w))),
            state_cities,
        }
    })
}

impl EnTables {
    fn first(&self, rng: &mut Rng, sex: Sex) -> &'static str {
        match sex {
            Sex::Male => MALE_FIRST[self.male.sample(rng)].0,
            Sex::Female => FEMALE_FIRST[self.female.sample(rng)].0,
        }
    }

    fn surname(&self, rng: &mut Rng) -> &'static str {
        SURNAMES[self.surnames.sample(rng)].0
    }

    /// A city of state `s`, by population.
    fn city_in(&self, rng: &mut Rng, s: usize) -> usize {
        let (cities, w) = &self.state_cities[s];
        cities[w.sample(rng)]
    }

    /// A city: a state by population, then one of its cities by population.
    fn city(&self, rng: &mut Rng) -> usize {
        let s = self.states.sample(rng);
        self.city_in(rng, s)
    }
}

/// A US address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnAddress {
    number: u32,
    /// Index in [`DIRECTIONS`].
    direction: Option<u8>,
    /// Index in [`STREETS`].
    street: u16,
    /// Index in [`STREET_TYPES`].
    kind: u8,
    /// Apartment number ("4B").
    apartment: Option<String>,
    /// Index in [`CITIES`].
    city: u16,
    zip: u32,
}

impl EnAddress {
    fn random(rng: &mut Rng, t: &EnTables, city: usize) -> EnAddress {
        let x: f64 = rng.random();
        let number = (9999f64.powf(x)).floor().max(1.0) as u32;
        let direction = rng.random_bool(0.1).then(|| rng.random_range(0..4u8));
        let street = rng.random_range(0..STREETS.len()) as u16;
        let kind = t.street_types.sample(rng) as u8;
        let apartment = rng.random_bool(0.12).then(|| {
            let n = rng.random_range(1..=40u32);
            if rng.random_bool(0.4) {
                format!("{n}{}", char::from(b'A' + rng.random_range(0..6u8)))
            } else {
                n.to_string()
            }
        });
        let c = &CITIES[city];
        let spread = (c.4 / 40).clamp(1, 60);
        let zip = c.2 + rng.random_range(0..spread);
        EnAddress { number, direction, street, kind, apartment, city: city as u16, zip }
    }

    fn city(&self) -> &'static (&'static str, &'static str, u32, u16, u32) {
        &CITIES[self.city as usize]
    }
}

/// How a person's e-mail is made, decided with the person and written by [`EmailBook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EmailPlan {
    None,
    /// The household head's address.
    Head,
    Own {
        pattern: u8,
        provider: u8,
        digits: bool,
    },
}

/// An English person: the names, address and identifiers of one entity of the Vietnamese
/// population (whose structure it keeps).
#[derive(Clone, Debug)]
pub(crate) struct EnPerson {
    first: &'static str,
    middle: Option<&'static str>,
    last: &'static str,
    suffix: Option<&'static str>,
    sex: Sex,
    dob: Dob,
    address: EnAddress,
    phone: Option<String>,
    /// Nine digits.
    ssn: String,
    email: Option<String>,
    plan: EmailPlan,
    group: Group,
}

/// Local-part patterns of e-mails and their weights.
const PATTERNS: &[(&str, u32)] = &[
    ("first.last", 30),
    ("firstlast", 18),
    ("flast", 18),
    ("first_last", 8),
    ("f.last", 6),
    ("firstl", 5),
    ("lastfirst", 4),
    ("first.m.last", 5),
    ("first", 6),
];

/// The local part of `pattern` (index in [`PATTERNS`]) for a name: lower-case ASCII letters
/// and the pattern's punctuation (apostrophes and spaces dropped).
fn local_part(pattern: usize, first: &str, middle: Option<&str>, last: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars().filter(char::is_ascii_alphabetic).map(|c| c.to_ascii_lowercase()).collect()
    };
    let (f, l) = (clean(first), clean(last));
    let initial = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    match PATTERNS.get(pattern).map_or("first.last", |p| p.0) {
        "firstlast" => format!("{f}{l}"),
        "flast" => format!("{}{l}", initial(&f)),
        "first_last" => format!("{f}_{l}"),
        "f.last" => format!("{}.{l}", initial(&f)),
        "firstl" => format!("{f}{}", initial(&l)),
        "lastfirst" => format!("{l}{f}"),
        "first.m.last" => match middle.map(clean) {
            Some(m) if !m.is_empty() => format!("{f}.{}.{l}", initial(&m)),
            _ => format!("{f}.{l}"),
        },
        "first" => f,
        _ => format!("{f}.{l}"),
    }
}

/// The `k`-th number of a local part's holders: 2 digits for the first 90, 3 for the next 900,
/// then 4 and more; a keyed permutation within each width, so the numbers look random.
fn holder_number(k: u64, key: u64) -> u64 {
    if k < 90 {
        10 + permute(k, 90, key)
    } else if k < 990 {
        100 + permute(k - 90, 900, key)
    } else {
        1000 + k - 990
    }
}

/// The sequential e-mail assignment (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct EmailBook {
    /// Holders so far per `hash(local part @ provider)`.
    counts: FxHashMap<u64, u32>,
}

impl EmailBook {
    /// Writes the e-mails of `people` (in entity order), after those of every earlier chunk.
    pub(crate) fn assign(&mut self, seed: u64, people: &mut [EnPerson]) {
        let key = splitmix(seed ^ splitmix(STREAM_EN_IDS) ^ 0xE3A1);
        let mut head: Option<(u64, Option<String>)> = None;
        for p in people.iter_mut() {
            p.email = match p.plan {
                EmailPlan::None => None,
                EmailPlan::Head => match (&head, p.group) {
                    (Some((hid, e)), Group::Household { id, .. }) if *hid == id => e.clone(),
                    _ => None,
                },
                EmailPlan::Own { pattern, provider, digits } => {
                    let base = local_part(usize::from(pattern), p.first, p.middle, p.last);
                    let domain = PROVIDERS[usize::from(provider)].0;
                    let h = base
                        .bytes()
                        .chain([b'@'])
                        .chain(domain.bytes())
                        .fold(key, |h, b| splitmix(h ^ u64::from(b)));
                    let n = self.counts.entry(h).or_insert(0);
                    let k = u64::from(*n);
                    *n = n.saturating_add(1);
                    // Holders without digits: the first one plain, the others on even numbers;
                    // those who like digits on odd ones: never two alike.
                    let number = match (digits, k) {
                        (false, 0) => None,
                        (false, k) => Some(holder_number(2 * (k - 1), h)),
                        (true, k) => Some(holder_number(2 * k + 1, h)),
                    };
                    Some(match number {
                        Some(d) => format!("{base}{d}@{domain}"),
                        None => format!("{base}@{domain}"),
                    })
                }
            };
            if let Group::Household { id, role: HouseholdRole::Head } = p.group {
                head = Some((id, p.email.clone()));
            }
        }
    }
}

/// The state of the household being converted.
struct House {
    id: u64,
    /// Index of the head in the chunk's output.
    head: usize,
    last: &'static str,
    address: EnAddress,
    firsts: Vec<&'static str>,
}

/// The English people of one chunk of Vietnamese people (same order, same entities). E-mails
/// are written afterwards, by [`EmailBook::assign`].
// One person's random draws, in the one order the seed's output depends on: kept together so
// that the order stays visible (a reordering changes every generated file).
#[allow(clippy::too_many_lines)]
pub(crate) fn convert(pop: &Population, chunk: u64, people: &[Person]) -> Vec<EnPerson> {
    let t = en_tables();
    let seed = pop.cfg.seed;
    let mut rng = rng_for(seed, STREAM_EN_PEOPLE, chunk);
    let key = splitmix(seed ^ splitmix(STREAM_EN_IDS));
    let mut out: Vec<EnPerson> = Vec::with_capacity(people.len());
    let mut house: Option<House> = None;
    for p in people {
        let rng = &mut rng;
        let mut first = t.first(rng, p.sex);
        let middle = rng.random_bool(0.75).then(|| {
            loop {
                let m = t.first(rng, p.sex);
                if m != first {
                    break m;
                }
            }
        });
        let mut middle = middle;
        let mut suffix = None;
        let (last, address) = match p.group {
            Group::Household { id, role } => {
                // A household starts with its head and never crosses a chunk.
                if role == HouseholdRole::Head || house.as_ref().is_none_or(|h| h.id != id) {
                    house = None;
                }
                let h = if let Some(h) = &mut house {
                    h
                } else {
                    let city = t.city(rng);
                    let last = t.surname(rng);
                    let address = EnAddress::random(rng, t, city);
                    let head = out.len();
                    house.insert(House { id, head, last, address, firsts: Vec::new() })
                };
                // Blood relatives share the head's family name in the Vietnamese population.
                let kin = p.family == people[h.head].family;
                let last = match role {
                    HouseholdRole::Head | HouseholdRole::Sibling => h.last,
                    HouseholdRole::Spouse if rng.random_bool(0.8) => h.last,
                    HouseholdRole::Child | HouseholdRole::Parent if kin => h.last,
                    _ => loop {
                        let s = t.surname(rng);
                        if s != h.last {
                            break s;
                        }
                    },
                };
                if p.namesake && h.head < out.len() {
                    let head = &out[h.head];
                    first = head.first;
                    middle = head.middle;
                    suffix = Some("Jr");
                } else {
                    for _ in 0..8 {
                        if !h.firsts.contains(&first) {
                            break;
                        }
                        first = t.first(rng, p.sex);
                    }
                    if middle == Some(first) {
                        middle = None;
                    }
                }
                h.firsts.push(first);
                (last, h.address.clone())
            }
            Group::Cluster { id } => {
                let mut crng = rng_for(seed, STREAM_EN_CLUSTER, u64::from(id));
                let top = |v: &[(&'static str, u32)], r: &mut Rng| v[r.random_range(0..10)].0;
                first = top(if p.sex == Sex::Male { MALE_FIRST } else { FEMALE_FIRST }, &mut crng);
                let last = top(SURNAMES, &mut crng);
                let state = t.states.sample(&mut crng);
                if middle == Some(first) {
                    middle = None;
                }
                let city = t.city_in(rng, state);
                (last, EnAddress::random(rng, t, city))
            }
            Group::None => {
                let city = t.city(rng);
                (t.surname(rng), EnAddress::random(rng, t, city))
            }
        };
        if p.namesake
            && let Some(h) = &house
            && h.head < out.len()
            && rng.random_bool(0.3)
        {
            out[h.head].suffix = Some("Sr");
        }
        let dob = redraw_placeholder(seed, p);
        let own_phone = || {
            let sub = permute(p.entity_id % PHONE_SPACE, PHONE_SPACE, key ^ 0x0F0E);
            format!("{}{}{:04}", address.city().3, 200 + sub / 10_000, sub % 10_000)
        };
        let phone = match (&p.phone, p.phone_shared, &house) {
            (None, _, _) => None,
            (Some(_), true, Some(h)) if h.head < out.len() => {
                out[h.head].phone.clone().or_else(|| Some(own_phone()))
            }
            (Some(_), _, _) => Some(own_phone()),
        };
        let idx = permute(p.entity_id % SSN_SPACE, SSN_SPACE, key ^ 0x55A);
        let mut area = idx / (99 * 9999) + 1;
        if area >= 666 {
            area += 1;
        }
        let ssn = format!("{area:03}{:02}{:04}", (idx / 9999) % 99 + 1, idx % 9999 + 1);
        let in_household = matches!(p.group, Group::Household { .. });
        let role = match p.group {
            Group::Household { role, .. } => Some(role),
            _ => None,
        };
        let minor = p.dob.year >= 2007;
        let plan = if in_household && minor && rng.random_bool(0.5)
            || role == Some(HouseholdRole::Spouse) && rng.random_bool(0.1)
        {
            EmailPlan::Head
        } else if rng.random_bool(if minor {
            0.6
        } else if p.dob.year >= 1950 {
            0.88
        } else {
            0.7
        }) {
            let pattern = t.patterns.sample(rng) as u8;
            let provider = t.providers.sample(rng) as u8;
            EmailPlan::Own { pattern, provider, digits: rng.random_bool(0.45) }
        } else {
            EmailPlan::None
        };
        out.push(EnPerson {
            first,
            middle,
            last,
            suffix,
            sex: p.sex,
            dob,
            address,
            phone,
            ssn,
            email: None,
            plan,
            group: p.group,
        });
    }
    out
}

/// The Vietnamese 1 January placeholder (10 % of people born before 1975) is kept one time in
/// five and otherwise redrawn from `(seed, household or entity)`, so that twins stay twins.
fn redraw_placeholder(seed: u64, p: &Person) -> Dob {
    let d = p.dob;
    if !(d.month == 1 && d.day == 1 && d.year < 1975) {
        return d;
    }
    let k = match p.group {
        Group::Household { id, .. } if p.twin => id,
        _ => p.entity_id,
    };
    let mut r = rng_for(seed, STREAM_EN_DOB, k);
    if r.random_bool(0.2) {
        return d;
    }
    let month = r.random_range(1..=12u8);
    let day = r.random_range(1..=days_in_month(d.year, month));
    Dob { year: d.year, month, day }
}

/// SSNs that repeat another person's among `entities` people (beyond the SSN space).
pub(crate) fn ids_reused(entities: u64) -> u64 {
    entities.saturating_sub(SSN_SPACE)
}

/// The nicknames of a first name (empty when it has none).
fn nicknames(first: &str) -> &'static [&'static str] {
    NICKNAMES.iter().find(|(f, _)| *f == first).map_or(&[], |&(_, n)| n)
}

/// Renders one record of `p` in the columns of [`EN_HEADER`] (the first, `record_id`, left
/// empty).
// The record's draws in their fixed order (see `convert`).
#[allow(clippy::too_many_lines)]
pub(crate) fn render(
    pop: &Population,
    rng: &mut Rng,
    p: &EnPerson,
    profile: Profile,
    stats: &mut StatsAcc,
) -> (Vec<String>, CorruptionSet) {
    let t = en_tables();
    let mut job = Job::new(pop, rng, profile, stats, None);
    let job = &mut job;

    // Names.
    let nicks = nicknames(p.first);
    let mut first = if job.roll_en(EnCorruption::Nickname, !nicks.is_empty()) {
        (*job.pick(nicks)).to_owned()
    } else {
        p.first.to_owned()
    };
    let mut middle = match p.middle {
        None => String::new(),
        Some(_) if job.roll(Corruption::MiddleDrop, true) => String::new(),
        Some(m) if job.roll_en(EnCorruption::MiddleInitial, true) => {
            let dot = if job.rng.random_bool(0.5) { "." } else { "" };
            format!("{}{dot}", &m[..1])
        }
        Some(m) => m.to_owned(),
    };
    let mut last = p.last.to_owned();
    if let Some(s) = p.suffix {
        match job.rng.random_range(0..10) {
            0..4 => {}
            4..7 => last = format!("{last} {s}"),
            7..9 => last = format!("{last} {s}."),
            _ => last = format!("{last}, {s}."),
        }
    }
    if job.roll(Corruption::NameOrder, true) {
        std::mem::swap(&mut first, &mut last);
    }

    // Address.
    let moved;
    let a = if job.roll(Corruption::AddrMoved, true) {
        let city = t.city(job.rng);
        moved = EnAddress::random(job.rng, t, city);
        &moved
    } else {
        &p.address
    };
    let abbreviate = job.roll(Corruption::AddrAbbrev, true);
    let (mut street, mut city, state) = address_text(job, a, abbreviate);
    let mut state = state.to_owned();
    let mut zip = format!("{:05}", a.zip);
    if job.roll_en(EnCorruption::PostcodeWrong, true) {
        zip = wrong_zip(job.rng, a.zip);
    }
    if job.roll(Corruption::AddrMissingPart, true) {
        let drop = if job.rng.random_bool(0.2) { 2 } else { 1 };
        for _ in 0..drop {
            match job.rng.random_range(0..4) {
                0 => street.clear(),
                1 => city.clear(),
                2 => state.clear(),
                _ => zip.clear(),
            }
        }
    }

    // One typo in a name (60 %) or the address.
    if job.roll(Corruption::Typo, true) {
        let on_name = job.rng.random_bool(0.6);
        let mut fields: [&mut String; 5] = if on_name {
            [&mut first, &mut last, &mut middle, &mut street, &mut city]
        } else {
            [&mut street, &mut city, &mut first, &mut last, &mut middle]
        };
        // The first group's fields in random order, then the other group's.
        let split = if on_name { 3 } else { 2 };
        let k = job.rng.random_range(0..split);
        fields[..split].rotate_left(k);
        for f in fields {
            if let Some(s) = typo(job.rng, f) {
                *f = s;
                break;
            }
        }
    }

    let dob = dob_text(job, p.dob);
    let sex = sex_text(job, p.sex);
    let email = email_text(job, t, p);
    let phone = phone_text(job, t, p);
    let ssn = ssn_text(job, &p.ssn);

    if job.roll(Corruption::Upper, true) {
        for f in [&mut first, &mut middle, &mut last] {
            *f = f.to_uppercase();
        }
        if job.rng.random_bool(0.35) {
            street = street.to_uppercase();
            city = city.to_uppercase();
        }
    }
    let fields = vec![
        String::new(),
        first,
        middle,
        last,
        dob,
        sex,
        street,
        city,
        state,
        zip,
        email,
        phone,
        ssn,
    ];
    (fields, job.set)
}

/// Street line, city and state (code), abbreviated when `abbreviate`: the street type always,
/// the direction, the apartment, the state (written out) and the city (aliases) at random.
fn address_text(
    job: &mut Job<'_>,
    a: &EnAddress,
    abbreviate: bool,
) -> (String, String, &'static str) {
    let (city, state_code) = (a.city().0, a.city().1);
    let (kind, _, abbrs) = STREET_TYPES[usize::from(a.kind)];
    let kind = if abbreviate { *job.pick(abbrs) } else { kind };
    let mut line = a.number.to_string();
    if let Some(d) = a.direction {
        let (full, short) = DIRECTIONS[usize::from(d)];
        line.push(' ');
        if abbreviate && job.rng.random_bool(0.6) {
            line.push_str(short);
            if job.rng.random_bool(0.5) {
                line.push('.');
            }
        } else {
            line.push_str(full);
        }
    }
    line.push(' ');
    line.push_str(STREETS[usize::from(a.street)]);
    line.push(' ');
    line.push_str(kind);
    if let Some(apt) = &a.apartment {
        let form = if abbreviate && job.rng.random_bool(0.6) {
            *job.pick(&["#", "# ", "Unit ", "Apt. ", "Apartment "])
        } else {
            "Apt "
        };
        line.push_str(if abbreviate && job.rng.random_bool(0.3) { ", " } else { " " });
        line.push_str(form);
        line.push_str(apt);
    }
    let mut city_text = city.to_owned();
    let mut state = state_code;
    if abbreviate {
        if job.rng.random_bool(0.5)
            && let Some(alias) = city_alias(city)
        {
            city_text = alias;
        }
        if job.rng.random_bool(0.25) {
            state = STATES.iter().find(|s| s.0 == state_code).map_or(state_code, |s| s.1);
        }
    }
    (line, city_text, state)
}

/// Another common way of writing a city name, if any.
fn city_alias(city: &str) -> Option<String> {
    if let Some(rest) = city.strip_prefix("Saint ") {
        Some(format!("St. {rest}"))
    } else if let Some(rest) = city.strip_prefix("St. ") {
        Some(format!("Saint {rest}"))
    } else if let Some(rest) = city.strip_prefix("Fort ") {
        Some(format!("Ft. {rest}"))
    } else if let Some(rest) = city.strip_prefix("Mount ") {
        Some(format!("Mt. {rest}"))
    } else if city == "New York" {
        Some("NYC".to_owned())
    } else {
        city.strip_prefix("North ").map(|rest| format!("N. {rest}"))
    }
}

/// A wrong ZIP: a neighbouring code (±1–9) or two adjacent different digits transposed.
fn wrong_zip(rng: &mut Rng, zip: u32) -> String {
    let s = format!("{zip:05}");
    let b = s.as_bytes();
    let swaps: Vec<usize> = (0..4).filter(|&i| b[i] != b[i + 1]).collect();
    if !swaps.is_empty() && rng.random_bool(0.5) {
        let i = swaps[rng.random_range(0..swaps.len())];
        let mut v = b.to_vec();
        v.swap(i, i + 1);
        return String::from_utf8(v).unwrap_or(s);
    }
    let d = rng.random_range(1..=9u32);
    let z = if zip >= 10 && rng.random_bool(0.5) { zip - d } else { (zip + d) % 100_000 };
    format!("{z:05}")
}

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn dob_text(job: &mut Job<'_>, dob: Dob) -> String {
    let (day, month, y) = match super::render::dob_draft(job, dob) {
        DobDraft::Text(t) => return t,
        DobDraft::Date { day, month, year, other_format: false } => {
            return format!("{year}-{month:02}-{day:02}");
        }
        DobDraft::Date { day, month, year, other_format: true } => (day, month, year),
    };
    let name = MONTHS.get(usize::from(month).wrapping_sub(1));
    match (job.rng.random_range(0..100), name) {
        (0..40, _) => format!("{month}/{day}/{y}"),
        (40..65, _) => format!("{month:02}/{day:02}/{y}"),
        (65..75, _) => format!("{day}/{month}/{y}"),
        (75..85, _) => format!("{y}{month:02}{day:02}"),
        (85..95, Some(m)) => format!("{m} {day}, {y}"),
        (_, Some(m)) => format!("{day:02}-{m}-{y}"),
        (_, None) => format!("{month:02}/{day:02}/{y}"),
    }
}

fn sex_text(job: &mut Job<'_>, sex: Sex) -> String {
    super::render::sex_text_as(job, sex, ["M", "F", "Male", "Female"])
}

fn email_text(job: &mut Job<'_>, t: &EnTables, p: &EnPerson) -> String {
    let Some(own) = &p.email else { return String::new() };
    if job.roll_en(EnCorruption::EmailMissing, true) {
        return String::new();
    }
    let (local, domain) = own.split_once('@').unwrap_or((own.as_str(), ""));
    let (mut local, mut domain) = (local.to_owned(), domain.to_owned());
    if job.roll_en(EnCorruption::EmailOther, true) {
        if job.rng.random_bool(0.5) {
            let d = loop {
                let d = PROVIDERS[t.providers.sample(job.rng)].0;
                if d != domain {
                    break d;
                }
            };
            d.clone_into(&mut domain);
        } else {
            let pattern = t.patterns.sample(job.rng);
            let base = local_part(pattern, p.first, p.middle, p.last);
            local = format!("{base}{}", job.rng.random_range(1..100u32));
        }
    }
    if job.roll_en(EnCorruption::EmailTypo, true) {
        let typos = PROVIDER_TYPOS.iter().find(|(d, _)| *d == domain).map(|&(_, v)| v);
        match typos {
            Some(v) if job.rng.random_bool(0.5) => (*job.pick(v)).clone_into(&mut domain),
            _ => {
                if let Some(s) = typo(job.rng, &local) {
                    local = s.to_lowercase();
                }
            }
        }
    }
    format!("{local}@{domain}")
}

fn phone_text(job: &mut Job<'_>, t: &EnTables, p: &EnPerson) -> String {
    let Some(own) = &p.phone else { return String::new() };
    if job.roll(Corruption::PhoneMissing, true) {
        return String::new();
    }
    let number = if job.roll(Corruption::PhoneOther, true) {
        let area = CITIES[t.city(job.rng)].3;
        format!(
            "{area}{}{:04}",
            job.rng.random_range(200..1000u32),
            job.rng.random_range(0..10_000u32)
        )
    } else {
        own.clone()
    };
    if number.len() != 10 {
        return number;
    }
    let (area, exchange, line) = (&number[..3], &number[3..6], &number[6..]);
    if !job.roll(Corruption::PhoneFormat, true) {
        return format!("{area}-{exchange}-{line}");
    }
    match job.rng.random_range(0..7) {
        0 | 1 => format!("({area}) {exchange}-{line}"),
        2 => format!("{area}.{exchange}.{line}"),
        3 => format!("+1 {area} {exchange} {line}"),
        4 => number.clone(),
        5 => format!("1-{area}-{exchange}-{line}"),
        _ => format!("+1{number}"),
    }
}

fn ssn_text(job: &mut Job<'_>, ssn: &str) -> String {
    if job.roll_en(EnCorruption::SsnMissing, true) {
        return String::new();
    }
    let mut digits = ssn.to_owned();
    if job.roll(Corruption::IdTypo, true) {
        let mut b = digits.into_bytes();
        let i = job.rng.random_range(0..b.len());
        let swappable = i + 1 < b.len() && b[i] != b[i + 1];
        if swappable && job.rng.random_bool(0.5) {
            b.swap(i, i + 1);
        } else {
            b[i] = b'0' + ((b[i] - b'0' + job.rng.random_range(1..10)) % 10);
        }
        digits = String::from_utf8(b).unwrap_or_default();
    }
    if job.roll(Corruption::IdLostZeros, digits.starts_with('0')) {
        let trimmed = digits.trim_start_matches('0');
        return if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() };
    }
    if job.roll_en(EnCorruption::SsnNoDashes, true) || digits.len() != 9 {
        return digits;
    }
    format!("{}-{}-{}", &digits[..3], &digits[3..5], &digits[5..])
}

// ---------------------------------------------------------------------------------------------
// Data. Names and places are facts, not creative works: first names after the US Social
// Security Administration's published counts (public domain, US Government work), surnames
// after the 2010 US Census surname table (public domain), cities with a ZIP code and area code
// of theirs and a rough population in thousands. Weights are rounded, relative, and only need
// to give realistic frequencies (a few very common names, a long tail).
// ---------------------------------------------------------------------------------------------

/// Male first names with relative weights (births 1930–2010 mixed).
#[rustfmt::skip]
const MALE_FIRST: &[(&str, u32)] = &[
    ("James", 330), ("John", 320), ("Robert", 310), ("Michael", 300), ("William", 240),
    ("David", 240), ("Richard", 160), ("Joseph", 140), ("Thomas", 130), ("Charles", 130),
    ("Christopher", 100), ("Daniel", 100), ("Matthew", 80), ("Anthony", 70), ("Mark", 70),
    ("Donald", 70), ("Steven", 70), ("Paul", 60), ("Andrew", 60), ("Joshua", 60),
    ("Kenneth", 60), ("Kevin", 60), ("Brian", 60), ("George", 60), ("Timothy", 50),
    ("Ronald", 50), ("Edward", 50), ("Jason", 50), ("Jeffrey", 50), ("Ryan", 40),
    ("Jacob", 40), ("Gary", 40), ("Nicholas", 40), ("Eric", 40), ("Jonathan", 40),
    ("Stephen", 40), ("Larry", 40), ("Justin", 30), ("Scott", 30), ("Brandon", 30),
    ("Benjamin", 30), ("Samuel", 30), ("Gregory", 30), ("Alexander", 30), ("Frank", 30),
    ("Patrick", 30), ("Raymond", 30), ("Jack", 30), ("Dennis", 30), ("Jerry", 30),
    ("Tyler", 30), ("Aaron", 30), ("Jose", 30), ("Adam", 20), ("Nathan", 20),
    ("Henry", 20), ("Douglas", 20), ("Zachary", 20), ("Peter", 20), ("Kyle", 20),
    ("Ethan", 20), ("Walter", 20), ("Noah", 20), ("Jeremy", 20), ("Christian", 20),
    ("Keith", 20), ("Roger", 20), ("Terry", 20), ("Gerald", 20), ("Harold", 20),
    ("Sean", 20), ("Austin", 20), ("Carl", 20), ("Arthur", 20), ("Lawrence", 20),
    ("Dylan", 20), ("Jesse", 20), ("Jordan", 20), ("Bryan", 20), ("Billy", 20),
    ("Joe", 20), ("Bruce", 20), ("Gabriel", 20), ("Logan", 20), ("Albert", 20),
    ("Willie", 20), ("Alan", 20), ("Juan", 20), ("Wayne", 20), ("Elijah", 10),
    ("Randy", 10), ("Roy", 10), ("Vincent", 10), ("Ralph", 10), ("Eugene", 10),
    ("Russell", 10), ("Bobby", 10), ("Mason", 10), ("Philip", 10), ("Louis", 10),
    ("Harry", 10), ("Howard", 10), ("Fred", 10), ("Victor", 10), ("Martin", 10),
    ("Ernest", 10), ("Phillip", 10), ("Todd", 10), ("Craig", 10), ("Alex", 10),
    ("Shawn", 10), ("Luis", 10), ("Carlos", 10), ("Liam", 10), ("Lucas", 10),
    ("Owen", 10), ("Luke", 10), ("Caleb", 10), ("Isaac", 10), ("Evan", 10),
    ("Wyatt", 10), ("Hunter", 10), ("Connor", 10), ("Francis", 10), ("Frederick", 10),
    ("Stanley", 10), ("Leonard", 10), ("Dale", 10), ("Manuel", 10), ("Rodney", 10),
    ("Curtis", 10), ("Norman", 10), ("Allen", 10), ("Marvin", 10), ("Glenn", 10),
];

/// Female first names with relative weights (births 1930–2010 mixed).
#[rustfmt::skip]
const FEMALE_FIRST: &[(&str, u32)] = &[
    ("Mary", 260), ("Patricia", 110), ("Jennifer", 110), ("Linda", 100), ("Elizabeth", 100),
    ("Barbara", 100), ("Susan", 90), ("Jessica", 90), ("Sarah", 80), ("Karen", 80),
    ("Lisa", 70), ("Nancy", 70), ("Betty", 70), ("Sandra", 70), ("Margaret", 70),
    ("Ashley", 60), ("Kimberly", 60), ("Emily", 60), ("Donna", 60), ("Michelle", 60),
    ("Carol", 60), ("Amanda", 60), ("Melissa", 50), ("Deborah", 50), ("Stephanie", 50),
    ("Dorothy", 50), ("Rebecca", 50), ("Sharon", 50), ("Laura", 50), ("Cynthia", 50),
    ("Amy", 40), ("Kathleen", 40), ("Angela", 40), ("Shirley", 40), ("Brenda", 40),
    ("Emma", 40), ("Anna", 40), ("Pamela", 40), ("Nicole", 40), ("Samantha", 40),
    ("Katherine", 40), ("Christine", 40), ("Helen", 40), ("Debra", 40), ("Rachel", 40),
    ("Carolyn", 40), ("Janet", 40), ("Maria", 40), ("Catherine", 40), ("Heather", 30),
    ("Diane", 30), ("Olivia", 30), ("Julie", 30), ("Joyce", 30), ("Victoria", 30),
    ("Ruth", 30), ("Virginia", 30), ("Lauren", 30), ("Kelly", 30), ("Christina", 30),
    ("Joan", 30), ("Evelyn", 30), ("Judith", 30), ("Andrea", 30), ("Hannah", 30),
    ("Megan", 30), ("Cheryl", 30), ("Jacqueline", 30), ("Martha", 30), ("Madison", 30),
    ("Teresa", 30), ("Gloria", 30), ("Sara", 30), ("Janice", 30), ("Ann", 30),
    ("Kathryn", 30), ("Abigail", 30), ("Sophia", 30), ("Frances", 30), ("Jean", 30),
    ("Alice", 30), ("Judy", 30), ("Isabella", 30), ("Julia", 30), ("Grace", 30),
    ("Amber", 20), ("Denise", 20), ("Danielle", 20), ("Marilyn", 20), ("Beverly", 20),
    ("Charlotte", 20), ("Natalie", 20), ("Theresa", 20), ("Diana", 20), ("Brittany", 20),
    ("Doris", 20), ("Kayla", 20), ("Alexis", 20), ("Lori", 20), ("Marie", 20),
    ("Tiffany", 20), ("Rose", 20), ("Kathy", 20), ("Tammy", 20), ("Crystal", 20),
    ("Ava", 20), ("Mia", 20), ("Chloe", 20), ("Ella", 20), ("Lily", 20),
    ("Zoe", 20), ("Jane", 20), ("Lillian", 20), ("Peggy", 20), ("Erin", 20),
    ("Courtney", 20), ("Leah", 20), ("Allison", 20), ("Alexandra", 20), ("Gabrielle", 10),
    ("Katie", 10), ("Wanda", 10), ("Bonnie", 10), ("Irene", 10), ("Norma", 10),
    ("Paula", 10), ("Annie", 10), ("Lois", 10), ("Tina", 10), ("Phyllis", 10),
    ("Ellen", 10), ("Carmen", 10), ("Rosa", 10), ("Ana", 10), ("Monica", 10),
    ("Vanessa", 10), ("Erica", 10), ("Holly", 10), ("Jill", 10), ("Valerie", 10),
];

/// Surnames with their 2010 census frequency per 100,000 (rounded).
#[rustfmt::skip]
const SURNAMES: &[(&str, u32)] = &[
    ("Smith", 828), ("Johnson", 655), ("Williams", 550), ("Brown", 484), ("Jones", 483),
    ("Garcia", 394), ("Miller", 376), ("Davis", 366), ("Rodriguez", 361), ("Martinez", 353),
    ("Hernandez", 352), ("Lopez", 294), ("Gonzalez", 279), ("Wilson", 260), ("Anderson", 259),
    ("Thomas", 253), ("Taylor", 250), ("Moore", 242), ("Jackson", 241), ("Martin", 240),
    ("Lee", 229), ("Perez", 225), ("Thompson", 224), ("White", 222), ("Harris", 211),
    ("Sanchez", 210), ("Clark", 190), ("Ramirez", 190), ("Lewis", 183), ("Robinson", 183),
    ("Walker", 178), ("Young", 163), ("Allen", 161), ("King", 158), ("Wright", 156),
    ("Scott", 148), ("Torres", 147), ("Nguyen", 146), ("Hill", 145), ("Flores", 145),
    ("Green", 143), ("Adams", 141), ("Nelson", 140), ("Baker", 138), ("Hall", 137),
    ("Rivera", 133), ("Campbell", 128), ("Mitchell", 127), ("Carter", 125), ("Roberts", 124),
    ("Gomez", 120), ("Phillips", 119), ("Evans", 119), ("Turner", 118), ("Diaz", 117),
    ("Parker", 116), ("Cruz", 115), ("Edwards", 115), ("Collins", 114), ("Reyes", 114),
    ("Stewart", 113), ("Morris", 109), ("Morales", 108), ("Murphy", 107), ("Cook", 106),
    ("Rogers", 104), ("Gutierrez", 101), ("Ortiz", 98), ("Morgan", 97), ("Cooper", 97),
    ("Peterson", 95), ("Bailey", 95), ("Reed", 94), ("Kelly", 93), ("Howard", 92),
    ("Ramos", 91), ("Kim", 91), ("Cox", 91), ("Ward", 90), ("Richardson", 90),
    ("Watson", 87), ("Brooks", 87), ("Chavez", 86), ("Wood", 86), ("James", 85),
    ("Bennett", 84), ("Gray", 84), ("Mendoza", 84), ("Ruiz", 83), ("Hughes", 82),
    ("Price", 81), ("Alvarez", 80), ("Castillo", 80), ("Sanders", 79), ("Patel", 79),
    ("Myers", 78), ("Long", 77), ("Ross", 77), ("Foster", 76), ("Jimenez", 75),
    ("Powell", 74), ("Jenkins", 73), ("Perry", 73), ("Russell", 73), ("Sullivan", 72),
    ("Bell", 72), ("Coleman", 71), ("Butler", 71), ("Henderson", 70), ("Barnes", 70),
    ("Gonzales", 69), ("Fisher", 68), ("Vasquez", 68), ("Simmons", 67), ("Romero", 67),
    ("Jordan", 66), ("Patterson", 66), ("Alexander", 66), ("Hamilton", 65), ("Graham", 65),
    ("Reynolds", 64), ("Griffin", 64), ("Wallace", 63), ("Moreno", 63), ("West", 63),
    ("Cole", 62), ("Hayes", 62), ("Bryant", 61), ("Herrera", 61), ("Gibson", 61),
    ("Ellis", 61), ("Tran", 60), ("Medina", 60), ("Aguilar", 59), ("Stevens", 59),
    ("Murray", 59), ("Ford", 58), ("Castro", 58), ("Marshall", 58), ("Owens", 58),
    ("Harrison", 58), ("Fernandez", 58), ("McDonald", 58), ("Woods", 57), ("Washington", 57),
    ("Kennedy", 57), ("Wells", 56), ("Vargas", 56), ("Henry", 56), ("Chen", 56),
    ("Freeman", 55), ("Webb", 55), ("Tucker", 55), ("Guzman", 54), ("Burns", 54),
    ("Crawford", 54), ("Olson", 54), ("Simpson", 53), ("Porter", 53), ("Hunter", 53),
    ("Gordon", 53), ("Mendez", 53), ("Silva", 52), ("Shaw", 52), ("Snyder", 52),
    ("Mason", 51), ("Dixon", 51), ("Munoz", 51), ("Hunt", 51), ("Hicks", 51),
    ("Holmes", 50), ("Palmer", 50), ("Wagner", 49), ("Black", 49), ("Robertson", 49),
    ("Boyd", 49), ("Rose", 49), ("Stone", 48), ("Salazar", 48), ("Fox", 48),
    ("Warren", 48), ("Mills", 48), ("Meyer", 47), ("Rice", 47), ("Schmidt", 47),
    ("Garza", 47), ("Daniels", 47), ("Ferguson", 46), ("Nichols", 46), ("Stephens", 46),
    ("Soto", 46), ("Weaver", 46), ("Ryan", 46), ("Gardner", 46), ("Payne", 46),
    ("Grant", 45), ("Dunn", 45), ("Kelley", 45), ("Spencer", 45), ("Hawkins", 45),
    ("Arnold", 44), ("Pierce", 44), ("Vazquez", 44), ("Hansen", 44), ("Peters", 44),
    ("Santos", 44), ("Hart", 43), ("Bradley", 43), ("Knight", 43), ("Elliott", 43),
    ("Cunningham", 43), ("Duncan", 43), ("Armstrong", 43), ("Hudson", 42), ("Carroll", 42),
    ("Lane", 42), ("Riley", 42), ("Andrews", 42), ("Alvarado", 42), ("Ray", 42),
    ("Delgado", 41), ("Berry", 41), ("Perkins", 41), ("Hoffman", 41), ("Johnston", 41),
    ("Matthews", 41), ("Pena", 41), ("Richards", 41), ("Contreras", 40), ("Willis", 40),
    ("Carpenter", 40), ("Lawrence", 40), ("Sandoval", 40), ("Guerrero", 39), ("George", 39),
    ("Chapman", 39), ("Rios", 39), ("Estrada", 39), ("Ortega", 39), ("Watkins", 39),
    ("Greene", 39), ("Nunez", 38), ("Wheeler", 38), ("Valdez", 38), ("Harper", 38),
    ("Burke", 38), ("Larson", 38), ("Santiago", 38), ("Maldonado", 37), ("Morrison", 37),
    ("Franklin", 37), ("Carlson", 37), ("Austin", 37), ("Dominguez", 37), ("Carr", 37),
    ("Lawson", 36), ("Jacobs", 36), ("O'Brien", 36), ("Lynch", 36), ("Singh", 36),
    ("Vega", 36), ("Bishop", 36), ("Montgomery", 36), ("Oliver", 35), ("Jensen", 35),
    ("Harvey", 35), ("Williamson", 35), ("Gilbert", 35), ("Dean", 35), ("Sims", 35),
    ("Espinoza", 35), ("Howell", 34), ("Li", 34), ("Wong", 34), ("Reid", 34),
    ("Hanson", 34), ("Le", 34), ("McCoy", 34), ("Garrett", 34), ("Burton", 34),
    ("Fuller", 34), ("Wang", 33), ("Weber", 33), ("Welch", 33), ("Rojas", 33),
    ("Lucas", 33), ("Marquez", 33), ("Fields", 33), ("Park", 33), ("Yang", 33),
    ("Little", 33), ("Banks", 32), ("Padilla", 32), ("Day", 32), ("Walsh", 32),
    ("Bowman", 32), ("Schultz", 32), ("Luna", 32), ("Fowler", 32), ("Mejia", 32),
    ("Davidson", 32), ("Acosta", 32), ("Brewer", 31), ("May", 31), ("Holland", 31),
    ("Juarez", 31), ("Newman", 31), ("Pearson", 31), ("Curtis", 31), ("Cortez", 31),
    ("Douglas", 31), ("Schneider", 31), ("Joseph", 31), ("Barrett", 31), ("Navarro", 30),
    ("Figueroa", 30), ("Keller", 30), ("Avila", 30), ("Wade", 30), ("Molina", 30),
    ("Stanley", 30), ("Hopkins", 30), ("Campos", 30), ("Barnett", 30), ("Bates", 30),
    ("Chambers", 30), ("Caldwell", 30), ("Beck", 30), ("Lambert", 30), ("Miranda", 30),
    ("Byrd", 29), ("Craig", 29), ("Ayala", 29), ("Lowe", 29), ("Frazier", 29),
    ("Powers", 29), ("Neal", 29), ("Leonard", 29), ("Gregory", 29), ("Carrillo", 29),
    ("Sutton", 29), ("Fleming", 29), ("Rhodes", 29), ("Shelton", 29), ("Schwartz", 29),
    ("Norris", 29), ("Jennings", 29), ("Watts", 28), ("Duran", 28), ("Walters", 28),
    ("Cohen", 28), ("McDaniel", 28), ("Moran", 28), ("Parks", 28), ("Steele", 28),
    ("Vaughn", 28), ("Becker", 28), ("Holt", 28), ("DeLeon", 28), ("Barker", 28),
    ("Terry", 28), ("Hale", 28), ("Leon", 28), ("O'Connor", 20), ("MacDonald", 12),
];

/// First names and the nicknames written for them.
#[rustfmt::skip]
const NICKNAMES: &[(&str, &[&str])] = &[
    ("William", &["Bill", "Will", "Billy", "Liam"]), ("Robert", &["Bob", "Rob", "Bobby"]),
    ("Richard", &["Rick", "Dick", "Rich"]), ("James", &["Jim", "Jimmy", "Jamie"]),
    ("John", &["Jack", "Johnny"]), ("Michael", &["Mike", "Mikey"]),
    ("Thomas", &["Tom", "Tommy"]), ("Charles", &["Charlie", "Chuck"]),
    ("Christopher", &["Chris"]), ("Daniel", &["Dan", "Danny"]), ("Matthew", &["Matt"]),
    ("Anthony", &["Tony"]), ("Joseph", &["Joe", "Joey"]), ("Donald", &["Don", "Donny"]),
    ("Steven", &["Steve"]), ("Stephen", &["Steve"]), ("Andrew", &["Andy", "Drew"]),
    ("Joshua", &["Josh"]), ("Kenneth", &["Ken", "Kenny"]), ("Edward", &["Ed", "Eddie", "Ted"]),
    ("Timothy", &["Tim"]), ("Ronald", &["Ron", "Ronnie"]), ("Jeffrey", &["Jeff"]),
    ("Nicholas", &["Nick"]), ("Jonathan", &["Jon"]), ("Lawrence", &["Larry"]),
    ("Benjamin", &["Ben"]), ("Samuel", &["Sam"]), ("Gregory", &["Greg"]),
    ("Alexander", &["Alex"]), ("Patrick", &["Pat"]), ("Raymond", &["Ray"]),
    ("Gerald", &["Jerry"]), ("Zachary", &["Zach"]), ("Douglas", &["Doug"]),
    ("Peter", &["Pete"]), ("Nathan", &["Nate"]), ("Jacob", &["Jake"]),
    ("Henry", &["Hank", "Harry"]), ("Walter", &["Walt"]), ("Harold", &["Harry", "Hal"]),
    ("Eugene", &["Gene"]), ("Philip", &["Phil"]), ("Phillip", &["Phil"]),
    ("Albert", &["Al"]), ("Vincent", &["Vince"]), ("Francis", &["Frank"]),
    ("Frederick", &["Fred"]), ("Leonard", &["Leo", "Len"]), ("Stanley", &["Stan"]),
    ("Elizabeth", &["Liz", "Beth", "Betty", "Lizzie"]),
    ("Katherine", &["Kate", "Kathy", "Katie"]), ("Kathleen", &["Kathy", "Kate"]),
    ("Catherine", &["Cathy", "Kate"]), ("Kathryn", &["Kate", "Kathy"]),
    ("Margaret", &["Maggie", "Peggy", "Meg"]), ("Patricia", &["Pat", "Patty", "Trish"]),
    ("Jennifer", &["Jen", "Jenny"]), ("Susan", &["Sue", "Susie"]),
    ("Deborah", &["Deb", "Debbie"]), ("Debra", &["Deb", "Debbie"]),
    ("Rebecca", &["Becky", "Becca"]), ("Pamela", &["Pam"]), ("Cynthia", &["Cindy"]),
    ("Kimberly", &["Kim"]), ("Christine", &["Chris", "Tina"]), ("Christina", &["Tina"]),
    ("Samantha", &["Sam"]), ("Jessica", &["Jess", "Jessie"]), ("Victoria", &["Vicky", "Tori"]),
    ("Stephanie", &["Steph"]), ("Amanda", &["Mandy"]), ("Judith", &["Judy"]),
    ("Barbara", &["Barb"]), ("Dorothy", &["Dot", "Dottie"]), ("Abigail", &["Abby"]),
    ("Jacqueline", &["Jackie"]), ("Theresa", &["Terri"]), ("Teresa", &["Terri"]),
    ("Sandra", &["Sandy"]), ("Virginia", &["Ginny"]), ("Frances", &["Fran"]),
    ("Natalie", &["Nat"]), ("Allison", &["Ally"]), ("Danielle", &["Dani"]),
    ("Isabella", &["Bella"]), ("Olivia", &["Liv"]), ("Madison", &["Maddie"]),
    ("Alexandra", &["Alex", "Sasha"]), ("Gabrielle", &["Gabby"]), ("Valerie", &["Val"]),
];

/// Street names.
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Walnut", "Spring", "Ridge", "Church", "Willow", "Mill", "Sunset", "Railroad", "Jackson",
    "Cherry", "Highland", "Lincoln", "Jefferson", "Center", "Franklin", "Chestnut", "Madison",
    "Meadow", "Forest", "River", "Adams", "Dogwood", "Lakeview", "Spruce", "Birch", "Hickory",
    "Laurel", "Magnolia", "Poplar", "Sycamore", "Valley", "Woodland", "Broadway", "Market",
    "High", "Union", "Water", "School", "Bridge", "Academy", "Front", "Grove", "King",
    "Prospect", "Liberty", "Locust", "Pleasant", "Green", "Hillcrest", "Wilson", "Lee",
    "Johnson", "Sherwood", "Fairview", "Cambridge", "Canterbury", "Colonial", "Country Club",
    "Heritage", "Orchard", "Pinecrest", "Evergreen", "Holly", "Hawthorn", "Juniper", "Aspen",
    "Cypress", "Redwood", "Mulberry", "Ash", "Beech", "Cottonwood", "1st", "2nd", "3rd", "4th",
    "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th", "Vine", "Harrison", "Monroe",
    "Grant", "Sheridan", "Clinton", "Hamilton", "Jones", "Smith", "Taylor", "Penn", "Lafayette",
    "Summit", "College", "University", "Mountain View", "Ocean", "Bay", "Harbor", "Shore",
    "Beach", "Sunrise", "Canyon", "Desert", "Mesa", "Prairie", "Meadowbrook", "Brookside",
    "Creekside", "Riverside", "Lakeshore", "Woodlawn", "Glenwood", "Greenwood", "Oakwood",
    "Elmwood", "Maplewood", "Pinewood", "Rosewood", "Westwood", "Eastwood", "Northwood",
    "Kingston", "Windsor", "Oxford", "Stratford", "Devon", "Essex", "Victoria", "Albany",
    "Boston", "Virginia", "Carolina", "Georgia", "Delaware", "Vermont", "Dakota", "Chicago",
    "Columbia", "Arlington", "Belmont", "Charles", "Commerce", "Court", "Division", "Elm Grove",
    "Fulton", "Garfield", "Hudson", "Jackson Hill", "Kennedy", "Lexington", "Lincoln Park",
    "Marion", "Mission", "Morningside", "Olive", "Peachtree", "Pearl", "Pioneer", "Quail",
    "Rolling Hills", "Sage", "Shady Lane", "Sierra", "Silver", "Stone", "Sunnyside", "Tulip",
    "Valley View", "Walker", "Wildwood", "Winding Way", "Woodbine", "Bluebird", "Cardinal",
    "Hummingbird", "Robin", "Eagle", "Falcon", "Hawk", "Heron", "Juniper Hill", "Lilac",
    "Briarwood", "Foxhall", "Kensington", "Linden",
];

/// Street types: the full word (weight), and its abbreviations.
#[rustfmt::skip]
const STREET_TYPES: &[(&str, u32, &[&str])] = &[
    ("Street", 36, &["St", "St."]),
    ("Avenue", 18, &["Ave", "Ave.", "Av"]),
    ("Road", 12, &["Rd", "Rd."]),
    ("Drive", 10, &["Dr", "Dr."]),
    ("Lane", 6, &["Ln"]),
    ("Court", 4, &["Ct"]),
    ("Boulevard", 3, &["Blvd", "Blvd."]),
    ("Place", 3, &["Pl"]),
    ("Way", 3, &["Wy"]),
    ("Circle", 2, &["Cir"]),
    ("Terrace", 1, &["Ter"]),
    ("Parkway", 1, &["Pkwy"]),
    ("Trail", 1, &["Trl"]),
];

/// Directional prefixes and their abbreviations.
#[rustfmt::skip]
const DIRECTIONS: [(&str, &str); 4] = [("North", "N"), ("South", "S"), ("East", "E"), ("West", "W")];

/// States (and the District of Columbia): code, name and 2020 census population (hundreds of
/// thousands).
#[rustfmt::skip]
const STATES: &[(&str, &str, u32)] = &[
    ("AL", "Alabama", 50), ("AK", "Alaska", 7), ("AZ", "Arizona", 72), ("AR", "Arkansas", 30),
    ("CA", "California", 395), ("CO", "Colorado", 58), ("CT", "Connecticut", 36),
    ("DE", "Delaware", 10), ("DC", "District of Columbia", 7), ("FL", "Florida", 215),
    ("GA", "Georgia", 107), ("HI", "Hawaii", 15), ("ID", "Idaho", 18), ("IL", "Illinois", 128),
    ("IN", "Indiana", 68), ("IA", "Iowa", 32), ("KS", "Kansas", 29), ("KY", "Kentucky", 45),
    ("LA", "Louisiana", 47), ("ME", "Maine", 14), ("MD", "Maryland", 62),
    ("MA", "Massachusetts", 70), ("MI", "Michigan", 101), ("MN", "Minnesota", 57),
    ("MS", "Mississippi", 30), ("MO", "Missouri", 62), ("MT", "Montana", 11),
    ("NE", "Nebraska", 20), ("NV", "Nevada", 31), ("NH", "New Hampshire", 14),
    ("NJ", "New Jersey", 93), ("NM", "New Mexico", 21), ("NY", "New York", 202),
    ("NC", "North Carolina", 104), ("ND", "North Dakota", 8), ("OH", "Ohio", 118),
    ("OK", "Oklahoma", 40), ("OR", "Oregon", 42), ("PA", "Pennsylvania", 130),
    ("RI", "Rhode Island", 11), ("SC", "South Carolina", 51), ("SD", "South Dakota", 9),
    ("TN", "Tennessee", 69), ("TX", "Texas", 291), ("UT", "Utah", 33), ("VT", "Vermont", 6),
    ("VA", "Virginia", 86), ("WA", "Washington", 77), ("WV", "West Virginia", 18),
    ("WI", "Wisconsin", 59), ("WY", "Wyoming", 6),
];

/// Cities: name, state, first ZIP code, area code, population (thousands). A person's ZIP is
/// the first one plus a small offset (more for larger cities).
#[rustfmt::skip]
const CITIES: &[(&str, &str, u32, u16, u32)] = &[
    ("New York", "NY", 10001, 212, 1630), ("Brooklyn", "NY", 11201, 718, 2590),
    ("Los Angeles", "CA", 90001, 213, 3900), ("Chicago", "IL", 60601, 312, 2700),
    ("Houston", "TX", 77001, 713, 2300), ("Phoenix", "AZ", 85001, 602, 1600),
    ("Philadelphia", "PA", 19102, 215, 1580), ("San Antonio", "TX", 78201, 210, 1430),
    ("San Diego", "CA", 92101, 619, 1390), ("Dallas", "TX", 75201, 214, 1300),
    ("San Jose", "CA", 95101, 408, 1010), ("Austin", "TX", 78701, 512, 960),
    ("Jacksonville", "FL", 32202, 904, 950), ("Fort Worth", "TX", 76101, 817, 920),
    ("Columbus", "OH", 43085, 614, 900), ("Charlotte", "NC", 28201, 704, 870),
    ("San Francisco", "CA", 94102, 415, 870), ("Indianapolis", "IN", 46201, 317, 880),
    ("Seattle", "WA", 98101, 206, 740), ("Denver", "CO", 80201, 303, 710),
    ("Washington", "DC", 20001, 202, 690), ("Boston", "MA", 2108, 617, 680),
    ("El Paso", "TX", 79901, 915, 680), ("Nashville", "TN", 37201, 615, 670),
    ("Detroit", "MI", 48201, 313, 640), ("Oklahoma City", "OK", 73101, 405, 650),
    ("Portland", "OR", 97201, 503, 650), ("Las Vegas", "NV", 89101, 702, 640),
    ("Memphis", "TN", 38103, 901, 650), ("Louisville", "KY", 40201, 502, 620),
    ("Baltimore", "MD", 21201, 410, 600), ("Milwaukee", "WI", 53201, 414, 590),
    ("Albuquerque", "NM", 87101, 505, 560), ("Tucson", "AZ", 85701, 520, 540),
    ("Fresno", "CA", 93701, 559, 530), ("Mesa", "AZ", 85201, 480, 510),
    ("Sacramento", "CA", 95814, 916, 510), ("Atlanta", "GA", 30303, 404, 500),
    ("Kansas City", "MO", 64101, 816, 490), ("Colorado Springs", "CO", 80901, 719, 480),
    ("Omaha", "NE", 68101, 402, 470), ("Raleigh", "NC", 27601, 919, 470),
    ("Miami", "FL", 33101, 305, 470), ("Long Beach", "CA", 90801, 562, 460),
    ("Virginia Beach", "VA", 23450, 757, 450), ("Oakland", "CA", 94601, 510, 430),
    ("Minneapolis", "MN", 55401, 612, 420), ("Tulsa", "OK", 74101, 918, 400),
    ("Tampa", "FL", 33601, 813, 400), ("Arlington", "TX", 76001, 817, 390),
    ("New Orleans", "LA", 70112, 504, 380), ("Wichita", "KS", 67201, 316, 390),
    ("Cleveland", "OH", 44101, 216, 370), ("Bakersfield", "CA", 93301, 661, 400),
    ("Aurora", "CO", 80010, 303, 380), ("Anaheim", "CA", 92801, 714, 350),
    ("Honolulu", "HI", 96801, 808, 350), ("Santa Ana", "CA", 92701, 714, 310),
    ("Riverside", "CA", 92501, 951, 320), ("Corpus Christi", "TX", 78401, 361, 320),
    ("Lexington", "KY", 40502, 859, 320), ("Stockton", "CA", 95201, 209, 320),
    ("Henderson", "NV", 89002, 702, 320), ("Saint Paul", "MN", 55101, 651, 310),
    ("St. Louis", "MO", 63101, 314, 300), ("Cincinnati", "OH", 45201, 513, 310),
    ("Pittsburgh", "PA", 15201, 412, 300), ("Greensboro", "NC", 27401, 336, 300),
    ("Anchorage", "AK", 99501, 907, 290), ("Plano", "TX", 75023, 972, 290),
    ("Lincoln", "NE", 68501, 402, 290), ("Orlando", "FL", 32801, 407, 310),
    ("Irvine", "CA", 92602, 949, 310), ("Newark", "NJ", 7101, 973, 310),
    ("Toledo", "OH", 43601, 419, 270), ("Durham", "NC", 27701, 919, 280),
    ("Chula Vista", "CA", 91909, 619, 280), ("Fort Wayne", "IN", 46801, 260, 260),
    ("Jersey City", "NJ", 7302, 201, 290), ("St. Petersburg", "FL", 33701, 727, 260),
    ("Laredo", "TX", 78040, 956, 260), ("Madison", "WI", 53703, 608, 270),
    ("Chandler", "AZ", 85224, 480, 270), ("Buffalo", "NY", 14201, 716, 280),
    ("Lubbock", "TX", 79401, 806, 260), ("Scottsdale", "AZ", 85251, 480, 240),
    ("Reno", "NV", 89501, 775, 260), ("Glendale", "AZ", 85301, 623, 250),
    ("Gilbert", "AZ", 85233, 480, 270), ("Winston-Salem", "NC", 27101, 336, 250),
    ("North Las Vegas", "NV", 89030, 702, 260), ("Norfolk", "VA", 23501, 757, 240),
    ("Chesapeake", "VA", 23320, 757, 250), ("Garland", "TX", 75040, 972, 240),
    ("Irving", "TX", 75061, 972, 250), ("Hialeah", "FL", 33010, 305, 220),
    ("Fremont", "CA", 94536, 510, 230), ("Boise", "ID", 83701, 208, 240),
    ("Richmond", "VA", 23218, 804, 230), ("Baton Rouge", "LA", 70801, 225, 220),
    ("Spokane", "WA", 99201, 509, 230), ("Des Moines", "IA", 50301, 515, 210),
    ("Tacoma", "WA", 98401, 253, 220), ("San Bernardino", "CA", 92401, 909, 220),
    ("Modesto", "CA", 95350, 209, 220), ("Fontana", "CA", 92335, 909, 210),
    ("Santa Clarita", "CA", 91350, 661, 230), ("Birmingham", "AL", 35203, 205, 200),
    ("Oxnard", "CA", 93030, 805, 200), ("Fayetteville", "NC", 28301, 910, 210),
    ("Moreno Valley", "CA", 92551, 951, 210), ("Rochester", "NY", 14604, 585, 210),
    ("Glendale", "CA", 91201, 818, 200), ("Huntington Beach", "CA", 92646, 714, 200),
    ("Salt Lake City", "UT", 84101, 801, 200), ("Grand Rapids", "MI", 49503, 616, 200),
    ("Amarillo", "TX", 79101, 806, 200), ("Yonkers", "NY", 10701, 914, 210),
    ("Aurora", "IL", 60505, 630, 180), ("Montgomery", "AL", 36104, 334, 200),
    ("Akron", "OH", 44308, 330, 190), ("Little Rock", "AR", 72201, 501, 200),
    ("Huntsville", "AL", 35801, 256, 210), ("Augusta", "GA", 30901, 706, 200),
    ("Columbus", "GA", 31901, 706, 200), ("Grand Prairie", "TX", 75050, 972, 190),
    ("Shreveport", "LA", 71101, 318, 180), ("Overland Park", "KS", 66204, 913, 190),
    ("Tallahassee", "FL", 32301, 850, 190), ("Mobile", "AL", 36602, 251, 190),
    ("Knoxville", "TN", 37902, 865, 190), ("Worcester", "MA", 1608, 508, 200),
    ("Providence", "RI", 2903, 401, 190), ("Fort Lauderdale", "FL", 33301, 954, 180),
    ("Chattanooga", "TN", 37402, 423, 180), ("Tempe", "AZ", 85281, 480, 180),
    ("Brownsville", "TX", 78520, 956, 180), ("Cape Coral", "FL", 33904, 239, 200),
    ("Sioux Falls", "SD", 57104, 605, 190), ("Springfield", "MO", 65806, 417, 170),
    ("Springfield", "IL", 62701, 217, 110), ("Springfield", "MA", 1103, 413, 150),
    ("Portland", "ME", 4101, 207, 70), ("Burlington", "VT", 5401, 802, 45),
    ("Manchester", "NH", 3101, 603, 115), ("Wilmington", "DE", 19801, 302, 70),
    ("Charleston", "WV", 25301, 304, 48), ("Charleston", "SC", 29401, 843, 150),
    ("Billings", "MT", 59101, 406, 115), ("Fargo", "ND", 58102, 701, 125),
    ("Cheyenne", "WY", 82001, 307, 65), ("Jackson", "MS", 39201, 601, 150),
    ("Hartford", "CT", 6103, 860, 120), ("New Haven", "CT", 6510, 203, 135),
    ("Bridgeport", "CT", 6604, 203, 148), ("Albany", "NY", 12207, 518, 100),
    ("Syracuse", "NY", 13202, 315, 145), ("Savannah", "GA", 31401, 912, 147),
    ("Columbia", "SC", 29201, 803, 137), ("Eugene", "OR", 97401, 541, 177),
    ("Salem", "OR", 97301, 503, 175), ("Ann Arbor", "MI", 48104, 734, 123),
    ("Lansing", "MI", 48933, 517, 112), ("Dayton", "OH", 45402, 937, 137),
    ("Allentown", "PA", 18101, 610, 125), ("Erie", "PA", 16501, 814, 94),
    ("Scranton", "PA", 18503, 570, 76), ("Trenton", "NJ", 8608, 609, 90),
    ("Paterson", "NJ", 7501, 973, 159), ("Pasadena", "CA", 91101, 626, 138),
    ("Pasadena", "TX", 77506, 281, 151), ("Santa Fe", "NM", 87501, 505, 88),
    ("Flagstaff", "AZ", 86001, 928, 77), ("Juneau", "AK", 99801, 907, 32),
    ("Hilo", "HI", 96720, 808, 45), ("Boulder", "CO", 80302, 303, 108),
    ("Provo", "UT", 84601, 801, 115), ("Ogden", "UT", 84401, 801, 87),
    ("Lafayette", "LA", 70501, 337, 121), ("Green Bay", "WI", 54301, 920, 107),
    ("Rockford", "IL", 61101, 815, 148), ("Peoria", "IL", 61602, 309, 113),
    ("Cedar Rapids", "IA", 52401, 319, 137), ("Topeka", "KS", 66603, 785, 126),
    ("Evansville", "IN", 47708, 812, 117), ("South Bend", "IN", 46601, 574, 103),
    ("Athens", "GA", 30601, 706, 127), ("Macon", "GA", 31201, 478, 157),
    ("Gainesville", "FL", 32601, 352, 141), ("Pensacola", "FL", 32501, 850, 54),
    ("Kalamazoo", "MI", 49007, 269, 73), ("Waco", "TX", 76701, 254, 138),
    ("Abilene", "TX", 79601, 325, 125), ("Tyler", "TX", 75701, 903, 105),
    ("Midland", "TX", 79701, 432, 132), ("Odessa", "TX", 79761, 432, 114),
    ("Beaumont", "TX", 77701, 409, 115), ("Fort Collins", "CO", 80521, 970, 170),
    ("Mount Vernon", "NY", 10550, 914, 73), ("Saint Cloud", "MN", 56301, 320, 68),
    ("Fort Myers", "FL", 33901, 239, 87), ("Port St. Lucie", "FL", 34952, 772, 205),
];

/// E-mail providers and their weights.
#[rustfmt::skip]
const PROVIDERS: &[(&str, u32)] = &[
    ("gmail.com", 40), ("yahoo.com", 14), ("hotmail.com", 8), ("outlook.com", 6),
    ("icloud.com", 6), ("aol.com", 5), ("comcast.net", 3), ("msn.com", 2), ("live.com", 2),
    ("att.net", 2), ("sbcglobal.net", 2), ("verizon.net", 1), ("me.com", 1),
    ("protonmail.com", 1), ("ymail.com", 1),
];

/// Misspelt providers, as typed.
#[rustfmt::skip]
const PROVIDER_TYPOS: &[(&str, &[&str])] = &[
    ("gmail.com", &["gmial.com", "gmail.con", "gmal.com", "gmail.co", "gamil.com"]),
    ("yahoo.com", &["yaho.com", "yahoo.con", "yahooo.com", "yhoo.com"]),
    ("hotmail.com", &["hotmial.com", "hotmail.con", "hotmal.com"]),
    ("outlook.com", &["outlok.com", "outlook.con"]),
    ("icloud.com", &["icoud.com", "icloud.con"]),
    ("aol.com", &["aol.con", "aoll.com"]),
    ("comcast.net", &["comcast.com", "comcat.net"]),
];

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::synth::config::{GenConfig, Locale};
    use crate::synth::people::IdCounters;

    fn english(cfg: &GenConfig) -> (Population, Vec<Person>, Vec<EnPerson>) {
        let pop = Population::new(cfg);
        let (mut ids, mut book) = (IdCounters::default(), EmailBook::default());
        let (mut vi, mut en) = (Vec::new(), Vec::new());
        for c in 0..cfg.entities.div_ceil(crate::synth::CHUNK) {
            let mut v = pop.chunk(c);
            ids.assign(cfg.seed, &mut v);
            let mut e = convert(&pop, c, &v);
            book.assign(cfg.seed, &mut e);
            vi.extend(v);
            en.extend(e);
        }
        (pop, vi, en)
    }

    fn config(entities: u64, seed: u64) -> GenConfig {
        GenConfig { entities, seed, locale: Locale::En, ..GenConfig::default() }
    }

    #[test]
    fn tables_are_consistent() {
        for c in CITIES {
            assert!(STATES.iter().any(|s| s.0 == c.1), "{} {}", c.0, c.1);
            assert!(c.2 < 100_000 && (200..1000).contains(&c.3) && c.4 > 0, "{}", c.0);
        }
        for s in STATES {
            assert!(CITIES.iter().any(|c| c.1 == s.0) && s.2 > 0, "{} has no city", s.0);
        }
        for (formal, nicks) in NICKNAMES {
            assert!(!nicks.is_empty() && !nicks.contains(formal));
        }
        assert!(MALE_FIRST.len() >= 100 && FEMALE_FIRST.len() >= 100 && SURNAMES.len() >= 300);
        assert!(STREETS.len() >= 200 && CITIES.len() >= 150);
        let all =
            |v: &[(&str, u32)]| v.iter().map(|e| e.0).collect::<HashSet<_>>().len() == v.len();
        assert!(all(MALE_FIRST) && all(FEMALE_FIRST) && all(SURNAMES));
        assert!(MALE_FIRST.iter().chain(FEMALE_FIRST).all(|(n, _)| n.is_ascii()));
    }

    #[test]
    fn local_parts_and_holder_numbers() {
        let lp = |p| local_part(p, "Mary", Some("Ann"), "O'Brien");
        let parts: Vec<String> = (0..PATTERNS.len()).map(lp).collect();
        assert_eq!(
            parts,
            [
                "mary.obrien",
                "maryobrien",
                "mobrien",
                "mary_obrien",
                "m.obrien",
                "maryo",
                "obrienmary",
                "mary.a.obrien",
                "mary"
            ]
        );
        let numbers: HashSet<u64> = (0..3000).map(|k| holder_number(k, 77)).collect();
        assert_eq!(numbers.len(), 3000);
        assert!(numbers.iter().all(|&n| n >= 10));
    }

    #[test]
    fn people_keep_the_structure_of_the_population() {
        let cfg = GenConfig {
            twin_rate: 0.3,
            father_son_rate: 0.3,
            cluster_size: 200,
            ..config(20_000, 4)
        };
        let (_, vi, en) = english(&cfg);
        assert_eq!(vi.len(), en.len());
        let mut households: HashMap<u64, Vec<(&Person, &EnPerson)>> = HashMap::new();
        let mut clusters: HashMap<u32, Vec<&EnPerson>> = HashMap::new();
        for (v, e) in vi.iter().zip(&en) {
            assert_eq!((v.sex, v.group), (e.sex, e.group));
            assert_eq!(e.dob.year, v.dob.year);
            match v.group {
                Group::Household { id, .. } => households.entry(id).or_default().push((v, e)),
                Group::Cluster { id } => clusters.entry(id).or_default().push(e),
                Group::None if (v.dob.month, v.dob.day) != (1, 1) => assert_eq!(e.dob, v.dob),
                Group::None => {}
            }
        }
        let (mut twins, mut juniors) = (0, 0);
        for members in households.values() {
            let (hv, he) = members[0];
            assert!(matches!(hv.group, Group::Household { role: HouseholdRole::Head, .. }));
            for &(v, e) in members {
                assert_eq!(e.address, he.address, "one address per household");
                let Group::Household { role, .. } = v.group else { continue };
                if matches!(role, HouseholdRole::Child | HouseholdRole::Sibling)
                    && v.family == hv.family
                {
                    assert_eq!(e.last, he.last);
                }
                if v.twin {
                    twins += 1;
                    let (_, other) =
                        members.iter().find(|(o, _)| o.twin && o.entity_id != v.entity_id).unwrap();
                    assert_eq!(e.dob, other.dob);
                    assert_ne!(e.first, other.first);
                }
                if v.namesake {
                    juniors += 1;
                    assert_eq!(
                        (e.first, e.middle, e.last, e.suffix),
                        (he.first, he.middle, he.last, Some("Jr"))
                    );
                }
            }
        }
        assert!(twins >= 40 && juniors >= 40, "{twins} twins, {juniors} juniors");
        assert!(!clusters.is_empty());
        for members in clusters.values() {
            let states: HashSet<&str> = members.iter().map(|e| e.address.city().1).collect();
            assert_eq!(states.len(), 1);
            assert!(
                members.iter().all(|e| (e.first, e.last) == (members[0].first, members[0].last))
            );
        }
        // Identifiers: SSNs unique and valid, own e-mails unique, phones of the city.
        let ssns: HashSet<&str> = en.iter().map(|e| e.ssn.as_str()).collect();
        assert_eq!(ssns.len(), en.len());
        for e in &en {
            let area: u32 = e.ssn[..3].parse().unwrap();
            assert!(e.ssn.len() == 9 && area != 0 && area != 666 && area < 900, "{}", e.ssn);
            assert!(&e.ssn[3..5] != "00" && &e.ssn[5..] != "0000", "{}", e.ssn);
            if let Some(ph) = &e.phone {
                assert!(ph.len() == 10 && ph.bytes().all(|b| b.is_ascii_digit()));
            }
        }
        let own: Vec<&str> = en
            .iter()
            .filter(|e| matches!(e.plan, EmailPlan::Own { .. }))
            .filter_map(|e| e.email.as_deref())
            .collect();
        let distinct: HashSet<&str> = own.iter().copied().collect();
        assert_eq!(distinct.len(), own.len(), "e-mails are unique");
        let with = en.iter().filter(|e| e.email.is_some()).count() as f64 / en.len() as f64;
        assert!((0.75..0.92).contains(&with), "{with}");
        // Frequencies: Smith has its share of the list (households and clusters aside).
        let singles: Vec<&EnPerson> = en.iter().filter(|e| e.group == Group::None).collect();
        let smith = singles.iter().filter(|e| e.last == "Smith").count() as f64;
        let total: u32 = SURNAMES.iter().map(|s| s.1).sum();
        let expected = f64::from(SURNAMES[0].1) / f64::from(total);
        let share = smith / singles.len() as f64;
        assert!((share / expected - 1.0).abs() < 0.25, "Smith {share} vs {expected}");
    }

    fn render_all(cfg: &GenConfig) -> Vec<(Vec<String>, CorruptionSet, EnPerson)> {
        let (pop, _, en) = english(cfg);
        let mut rng = rng_for(1, 2, 3);
        let mut stats = StatsAcc::new(cfg);
        en.into_iter()
            .map(|p| {
                let (f, s) = render(&pop, &mut rng, &p, Profile::Noisy, &mut stats);
                (f, s, p)
            })
            .collect()
    }

    #[test]
    fn zero_rates_render_the_truth() {
        let mut cfg = config(800, 6);
        for &c in Corruption::ALL {
            cfg.rates.set(c, 0.0);
        }
        for &c in EnCorruption::ALL {
            cfg.en_rates.set(c, 0.0);
        }
        for (f, set, p) in render_all(&cfg) {
            assert!(set.is_empty());
            assert_eq!(f.len(), EN_HEADER.len());
            assert_eq!((f[1].as_str(), f[2].as_str()), (p.first, p.middle.unwrap_or("")));
            assert!(f[3].starts_with(p.last) && (p.suffix.is_some() || f[3] == p.last), "{}", f[3]);
            let d = p.dob;
            assert_eq!(f[4], format!("{}-{:02}-{:02}", d.year, d.month, d.day));
            assert_eq!(f[5], if p.sex == Sex::Male { "M" } else { "F" });
            assert!(f[6].starts_with(&p.address.number.to_string()) && !f[6].contains("  "));
            assert_eq!((f[7].as_str(), f[8].as_str()), (p.address.city().0, p.address.city().1));
            assert_eq!(f[9], format!("{:05}", p.address.zip));
            assert_eq!(f[10], p.email.clone().unwrap_or_default());
            let ph = p.phone.clone().unwrap_or_default();
            assert_eq!(f[11].replace('-', ""), ph);
            assert_eq!(f[12], format!("{}-{}-{}", &p.ssn[..3], &p.ssn[3..5], &p.ssn[5..]));
        }
    }

    #[test]
    fn each_english_corruption_fires_when_certain() {
        for &c in EnCorruption::ALL {
            let mut cfg = config(600, 8);
            for &o in Corruption::ALL {
                cfg.rates.set(o, 0.0);
            }
            for &o in EnCorruption::ALL {
                cfg.en_rates.set(o, 0.0);
            }
            cfg.en_rates.set(c, 1.0);
            let rows = render_all(&cfg);
            let hit: Vec<_> = rows.iter().filter(|r| !r.1.is_empty()).collect();
            assert!(hit.len() > 50, "{} fired {} times", c.name(), hit.len());
            for (f, set, p) in hit {
                assert_eq!(set.iter_en().collect::<Vec<_>>(), vec![c]);
                match c {
                    EnCorruption::Nickname => assert!(nicknames(p.first).contains(&f[1].as_str())),
                    EnCorruption::MiddleInitial => assert!(f[2].len() <= 2 && p.middle.is_some()),
                    EnCorruption::EmailMissing | EnCorruption::SsnMissing => {
                        assert!(f[10].is_empty() || f[12].is_empty());
                    }
                    EnCorruption::EmailOther | EnCorruption::EmailTypo => {
                        assert!(
                            f[10].contains('@') && Some(&f[10]) != p.email.as_ref(),
                            "{}",
                            f[10]
                        );
                    }
                    EnCorruption::SsnNoDashes => assert_eq!(f[12], p.ssn),
                    EnCorruption::PostcodeWrong => {
                        assert!(f[9].len() == 5 && f[9] != format!("{:05}", p.address.zip));
                    }
                }
            }
        }
    }

    #[test]
    fn noisy_records_look_american() {
        let rows = render_all(&config(3000, 10));
        let mut formats = HashSet::new();
        for (f, _, _) in &rows {
            assert!(f[10].is_empty() || f[10].contains('@'), "{}", f[10]);
            assert!(
                f[9].is_empty() || (f[9].len() == 5 && f[9].bytes().all(|b| b.is_ascii_digit()))
            );
            let digits: String = f[11].chars().filter(char::is_ascii_digit).collect();
            assert!(f[11].is_empty() || digits.len() == 10 || digits.len() == 11, "{}", f[11]);
            formats.insert(
                f[11].chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect::<String>(),
            );
        }
        assert!(formats.len() >= 6, "{formats:?}");
        let abbreviated =
            rows.iter().filter(|r| r.0[6].contains(" St") || r.0[6].contains(" Ave")).count();
        assert!(abbreviated > 300, "{abbreviated}");
        let nicknamed = rows.iter().filter(|r| r.1.contains(EnCorruption::Nickname)).count();
        assert!(nicknamed > 50, "{nicknamed}");
    }
}
