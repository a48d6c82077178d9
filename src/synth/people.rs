//! The synthetic population: [`Person`] (the ground truth of one entity) and its generation.
//!
//! People are generated in chunks of [`CHUNK`] consecutive entity indices, each chunk from its own
//! RNG derived from `(seed, chunk)`, so the population does not depend on the thread count.
//! Hard-negative groups (households with their twins and father/son namesakes) never cross a
//! chunk: a household that would is cut at the chunk's end. Common-name clusters are defined
//! globally from the seed ([`clusters`]) and filled by members scattered over all chunks.
//!
//! Identifiers are assigned afterwards, sequentially over a window of chunks, by [`IdCounters`]:
//! the six random CCCD digits are a keyed permutation ([`permute`]) of a per-prefix counter, so
//! two people never share a CCCD as long as fewer than 10^6 share a (province, century+sex, year)
//! prefix; phones and CMNDs work the same way per prefix (10^7 numbers each). The counters are a
//! map of at most ~10^5 prefixes: memory does not grow with the number of people.

use rand::RngExt;
use rustc_hash::FxHashMap;

use crate::normalize::Sex;
use crate::refdata;

use super::config::GenConfig;
use super::tables::{
    FIRST_YEAR, HAMLETS, LAST_YEAR, Region, STREETS, Tables, VILLAGES, Weighted, tables,
};
use super::{Rng, rng_for, splitmix};

/// Entities per chunk: the unit of parallel work and of RNG derivation. Fixed, so that output
/// never depends on the thread count.
pub const CHUNK: u64 = 1024;

/// RNG stream of the people of a chunk.
const STREAM_PEOPLE: u64 = 1;
/// RNG stream of the common-name cluster definitions.
const STREAM_CLUSTER: u64 = 2;
/// Key stream of the identifier permutations.
const STREAM_IDS: u64 = 3;

/// A date of birth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dob {
    /// Year (1930–2010).
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

/// Which files of the `link` shape an entity appears in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkRole {
    /// Registry only.
    RegistryOnly,
    /// Registry and agency.
    Both,
    /// Agency only.
    AgencyOnly,
}

/// A person's role in a household.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HouseholdRole {
    /// The head (the husband in a couple).
    Head,
    /// The head's spouse (a different family name).
    Spouse,
    /// A child of the head.
    Child,
    /// A parent of the head.
    Parent,
    /// A sibling of the head.
    Sibling,
}

/// The hard-negative group an entity belongs to, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// No group.
    None,
    /// A household: same address; family names shared by blood relatives.
    Household {
        /// The household id (the entity index of its first member).
        id: u64,
        /// The member's role.
        role: HouseholdRole,
    },
    /// A common-name cluster: same full name, province and birth year.
    Cluster {
        /// The cluster number.
        id: u32,
    },
}

/// Where a person lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// Index of the (pre-2025) ward in `refdata::old_wards`.
    pub old_ward: u32,
    /// Index of the post-2025 ward in `refdata::new_wards`: the successor of `old_ward` (for a
    /// split ward, the default successor 60 % of the time, else one of the others at random).
    pub new_ward: u32,
    /// House number, alley and street, or hamlet ("Số 12, ngõ 5, phố Lê Lợi", "45/12 Nguyễn
    /// Trãi", "Thôn Đông", "Ấp 3").
    pub line: String,
}

/// The ground truth of one entity: its true attributes, from which every record is rendered.
// The flags are independent facts of the ground truth, not a state machine.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    /// The entity index (0-based), also the `entity_id` of the truth files.
    pub entity_id: u64,
    /// Family name ("Nguyễn").
    pub family: &'static str,
    /// Middle names, 0–2 ("Văn", "Thị Ngọc").
    pub middle: Vec<&'static str>,
    /// Given name, 1–2 syllables.
    pub given: Vec<&'static str>,
    /// Sex.
    pub sex: Sex,
    /// Date of birth.
    pub dob: Dob,
    /// Address.
    pub address: Address,
    /// Whether the person's records use post-2025 addresses by default.
    pub new_era: bool,
    /// Old code of the province where the birth was registered (the CCCD prefix).
    pub birth_province: u8,
    /// The 12-digit CCCD.
    pub cccd: String,
    /// A 9-digit CMND for people old enough to have had one (born 2006 or earlier).
    pub cmnd: Option<String>,
    /// The 10-digit mobile number, if any (for some minors, the household head's).
    pub phone: Option<String>,
    /// Index in the tables' mobile prefixes of `phone`'s prefix.
    pub(crate) phone_prefix: Option<u8>,
    /// Whether `phone` is the household head's (a minor's record listing a parent's phone).
    pub phone_shared: bool,
    /// Hard-negative group.
    pub group: Group,
    /// Born the same day as another child of the household.
    pub twin: bool,
    /// A son with his father's full name in the same household.
    pub namesake: bool,
    /// Membership in the `link` files.
    pub link_role: LinkRole,
}

impl Person {
    /// The full name, family first: "Nguyễn Văn An".
    pub fn full_name(&self) -> String {
        let mut s = String::from(self.family);
        for t in self.middle.iter().chain(&self.given) {
            s.push(' ');
            s.push_str(t);
        }
        s
    }
}

/// A common-name cluster: many people with this name, province and birth year.
#[derive(Clone, Debug)]
pub(crate) struct ClusterKey {
    family: &'static str,
    middle: &'static str,
    given: &'static str,
    sex: Sex,
    province: usize,
    year: u16,
}

/// The cluster definitions for a configuration: `max(1, round(entities × rate ÷ size))` clusters
/// (none when the rate is 0), alternately male ("Nguyễn Văn Hùng") and female ("Nguyễn Thị
/// Lan"), with a frequent family name, the marker middle name and a top-8 given name.
pub(crate) fn clusters(cfg: &GenConfig) -> Vec<ClusterKey> {
    if cfg.cluster_rate <= 0.0 {
        return Vec::new();
    }
    let t = tables();
    let n = ((cfg.entities as f64 * cfg.cluster_rate / cfg.cluster_size as f64).round() as u64)
        .clamp(1, 100_000);
    (0..n)
        .map(|j| {
            let mut rng = rng_for(cfg.seed, STREAM_CLUSTER, j);
            let sex = if j % 2 == 0 { Sex::Male } else { Sex::Female };
            let family = match rng.random_range(0..10) {
                0..=5 => "Nguyễn",
                6 => "Trần",
                7 => "Lê",
                8 => "Phạm",
                _ => "Hoàng",
            };
            let top = t.top_given(sex);
            let given = top[rng.random_range(0..top.len())];
            let middle = if sex == Sex::Male { "Văn" } else { "Thị" };
            let province = t.province(&mut rng);
            // Adults of the largest cohorts, where such clusters hurt most.
            let year = rng.random_range(1960..=2000);
            ClusterKey { family, middle, given, sex, province, year }
        })
        .collect()
}

/// Per-chunk generation context, shared by all chunks of a run.
pub(crate) struct Population {
    pub(crate) cfg: GenConfig,
    t: &'static Tables,
    clusters: Vec<ClusterKey>,
    /// Per step: probability of a cluster member and of a household start.
    q_cluster: f64,
    q_household: f64,
    /// Probability that an entity is agency-only, and that a registry entity is also in the
    /// agency file.
    p_agency_only: f64,
    p_both: f64,
    sizes: Weighted,
}

/// Household sizes 2–6 and their weights (mean 3.4; Vietnam 2019: 3.5 people per household).
const HOUSEHOLD_SIZES: [(usize, f64); 5] = [(2, 0.25), (3, 0.30), (4, 0.30), (5, 0.10), (6, 0.05)];

impl Population {
    pub(crate) fn new(cfg: &GenConfig) -> Self {
        let mean: f64 = HOUSEHOLD_SIZES.iter().map(|&(s, w)| s as f64 * w).sum();
        // Per step: E entities on average; shares r_h (households) and r_c (clusters) of them.
        let (rh, rc) = (cfg.household_rate, cfg.cluster_rate);
        let e = 1.0 / (1.0 - rh + rh / mean);
        let extra = cfg.agency_ratio * (1.0 - cfg.link_overlap);
        let clusters = clusters(cfg);
        let q_cluster = if clusters.is_empty() { 0.0 } else { rc * e };
        Population {
            cfg: cfg.clone(),
            t: tables(),
            clusters,
            q_cluster,
            q_household: rh * e / mean,
            p_agency_only: extra / (1.0 + extra),
            p_both: (cfg.agency_ratio * cfg.link_overlap).min(1.0),
            sizes: Weighted::new(HOUSEHOLD_SIZES.iter().map(|&(_, w)| w)),
        }
    }

    /// Number of common-name clusters.
    pub(crate) fn cluster_count(&self) -> usize {
        self.clusters.len()
    }

    /// The people of `chunk` (entity indices `chunk × CHUNK ..`), without identifiers.
    pub(crate) fn chunk(&self, chunk: u64) -> Vec<Person> {
        let start = chunk * CHUNK;
        let end = (start + CHUNK).min(self.cfg.entities);
        let mut rng = rng_for(self.cfg.seed, STREAM_PEOPLE, chunk);
        let mut out = Vec::with_capacity((end - start) as usize);
        let mut next = start;
        while next < end {
            let r: f64 = rng.random();
            let before = out.len();
            if r < self.q_cluster {
                let j = rng.random_range(0..self.clusters.len());
                out.push(self.cluster_member(&mut rng, next, j));
            } else if r < self.q_cluster + self.q_household && end - next >= 2 {
                let size =
                    HOUSEHOLD_SIZES[self.sizes.sample(&mut rng)].0.min((end - next) as usize);
                self.household(&mut rng, next, size, &mut out);
            } else {
                out.push(self.single(&mut rng, next));
            }
            next += (out.len() - before) as u64;
        }
        for p in &mut out {
            p.link_role = self.link_role(&mut rng);
        }
        out
    }

    fn link_role(&self, rng: &mut Rng) -> LinkRole {
        if rng.random_bool(self.p_agency_only) {
            LinkRole::AgencyOnly
        } else if rng.random_bool(self.p_both) {
            LinkRole::Both
        } else {
            LinkRole::RegistryOnly
        }
    }

    fn random_sex(rng: &mut Rng) -> Sex {
        // 2019 census: 49.8 % male.
        if rng.random_bool(0.498) { Sex::Male } else { Sex::Female }
    }

    fn single(&self, rng: &mut Rng, id: u64) -> Person {
        let sex = Self::random_sex(rng);
        let year = self.t.year(rng);
        let p = self.t.province(rng);
        let address = self.address(rng, p);
        let family = self.t.family(rng, self.t.provinces[p].region);
        let birth = self.birth_province(rng, p, 0.85);
        self.person(rng, id, sex, year, family, address, birth)
    }

    fn cluster_member(&self, rng: &mut Rng, id: u64, j: usize) -> Person {
        let k = &self.clusters[j];
        let address = self.address(rng, k.province);
        let birth = self.birth_province(rng, k.province, 0.9);
        let mut p = self.person(rng, id, k.sex, k.year, k.family, address, birth);
        p.middle = vec![k.middle];
        p.given = vec![k.given];
        p.group = Group::Cluster { id: j as u32 };
        p
    }

    /// A household of `size` people starting at entity `first`.
    fn household(&self, rng: &mut Rng, first: u64, size: usize, out: &mut Vec<Person>) {
        let t = self.t;
        let p = t.province(rng);
        let region = t.provinces[p].region;
        let address = self.address(rng, p);
        let start = out.len();
        let group = |role| Group::Household { id: first, role };

        // The head: a man of 1940–1990 in a couple (80 %), else a single parent of either sex.
        let couple = rng.random_bool(0.8);
        let head_sex = if couple || rng.random_bool(0.3) { Sex::Male } else { Sex::Female };
        let head_year = loop {
            let y = t.year(rng);
            if (1940..=1990).contains(&y) {
                break y;
            }
        };
        let head_family = t.family(rng, region);
        let birth = self.birth_province(rng, p, 0.8);
        let mut head =
            self.person(rng, first, head_sex, head_year, head_family, address.clone(), birth);
        head.group = group(HouseholdRole::Head);
        out.push(head);

        let mut mother_year = head_year;
        if couple && out.len() - start < size {
            let year = (i32::from(head_year) + rng.random_range(-2..=7))
                .clamp(i32::from(FIRST_YEAR), i32::from(LAST_YEAR)) as u16;
            let family = loop {
                let f = t.family(rng, region);
                if f != head_family {
                    break f;
                }
            };
            let birth = self.birth_province(rng, p, 0.75);
            let id = first + (out.len() - start) as u64;
            let mut spouse =
                self.person(rng, id, Sex::Female, year, family, address.clone(), birth);
            spouse.group = group(HouseholdRole::Spouse);
            mother_year = year;
            out.push(spouse);
        }
        // Children's family name: the father's; a single mother's children take hers half the time.
        let child_family = if head_sex == Sex::Male || rng.random_bool(0.5) {
            head_family
        } else {
            t.family(rng, region)
        };
        // A grandparent in large households.
        if size >= 5 && rng.random_bool(0.5) && head_year >= FIRST_YEAR + 22 {
            let year =
                (head_year - rng.random_range(20..=35).min(head_year - FIRST_YEAR)).max(FIRST_YEAR);
            let sex = Self::random_sex(rng);
            let family = if sex == Sex::Male {
                head_family
            } else {
                loop {
                    let f = t.family(rng, region);
                    if f != head_family {
                        break f;
                    }
                }
            };
            let birth = self.birth_province(rng, p, 0.9);
            let id = first + (out.len() - start) as u64;
            let mut gp = self.person(rng, id, sex, year, family, address.clone(), birth);
            gp.group = group(HouseholdRole::Parent);
            out.push(gp);
        }
        let lo = mother_year + 18;
        let hi = (mother_year + 42).min(LAST_YEAR);
        let first_child = out.len();
        while out.len() - start < size {
            let id = first + (out.len() - start) as u64;
            if lo > hi {
                // Too young for children of the household's age: a sibling of the head.
                let year = (i32::from(head_year) + rng.random_range(-10..=10))
                    .clamp(i32::from(FIRST_YEAR), i32::from(LAST_YEAR))
                    as u16;
                let sex = Self::random_sex(rng);
                let birth = self.birth_province(rng, p, 0.8);
                let mut sib = self.person(rng, id, sex, year, head_family, address.clone(), birth);
                sib.group = group(HouseholdRole::Sibling);
                out.push(sib);
                continue;
            }
            let sex = Self::random_sex(rng);
            let year = rng.random_range(lo..=hi);
            let birth = self.birth_province(rng, p, 0.92);
            let mut child = self.person(rng, id, sex, year, child_family, address.clone(), birth);
            child.group = group(HouseholdRole::Child);
            out.push(child);
        }
        let head = out_head_name(&out[start]);
        self.relate_children(rng, &mut out[first_child..], &head);
    }

    /// Siblings share middle names, twins share a birthday, a son may carry his father's name;
    /// siblings never share a given name.
    fn relate_children(&self, rng: &mut Rng, kids: &mut [Person], head: &HeadName) {
        let kids_len = kids.len();
        if kids_len == 0 {
            return;
        }
        // Same-sex siblings share the family's middle name half the time.
        for i in 1..kids_len {
            if kids[i].sex == kids[0].sex && rng.random_bool(0.5) {
                let first = kids[0].middle.clone();
                kids[i].middle = first;
            }
        }
        if kids_len >= 2 && rng.random_bool(self.cfg.twin_rate) {
            kids[1].dob = kids[0].dob;
            kids[1].twin = true;
            kids[0].twin = true;
            if rng.random_bool(0.9) {
                kids[1].middle = if kids[1].sex == kids[0].sex {
                    kids[0].middle.clone()
                } else {
                    self.middle(rng, kids[1].sex, kids[1].dob.year)
                };
            }
        }
        // Distinct given names (twins included).
        for i in 1..kids_len {
            for _ in 0..8 {
                let clash = kids[..i].iter().any(|k| k.given == kids[i].given);
                if !clash {
                    break;
                }
                kids[i].given = self.given(rng, kids[i].sex, &kids[i].middle);
            }
        }
        if head.sex == Sex::Male
            && rng.random_bool(self.cfg.father_son_rate)
            && let Some(son) =
                kids.iter_mut().find(|k| k.sex == Sex::Male && k.family == head.family)
        {
            son.middle.clone_from(&head.middle);
            son.given.clone_from(&head.given);
            son.namesake = true;
        }
    }

    /// Old province code of the birth registration: the address's with probability `home`, else
    /// a population-weighted draw (migrants).
    fn birth_province(&self, rng: &mut Rng, p: usize, home: f64) -> u8 {
        if rng.random_bool(home) {
            self.t.provinces[p].code
        } else {
            self.t.provinces[self.t.province(rng)].code
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn person(
        &self,
        rng: &mut Rng,
        id: u64,
        sex: Sex,
        year: u16,
        family: &'static str,
        address: Address,
        birth_province: u8,
    ) -> Person {
        let middle = self.middle(rng, sex, year);
        let given = self.given(rng, sex, &middle);
        let dob = random_dob(rng, year);
        let minor = year >= 2005;
        let has_phone = rng.random_bool(if minor { 0.6 } else { 0.92 });
        let phone_prefix = has_phone.then(|| self.t.phone_sampler.sample(rng) as u8);
        Person {
            entity_id: id,
            family,
            middle,
            given,
            sex,
            dob,
            address,
            new_era: rng.random_bool(self.cfg.new_address_share),
            birth_province,
            cccd: String::new(),
            cmnd: None,
            phone: None,
            phone_prefix,
            phone_shared: false,
            group: Group::None,
            twin: false,
            namesake: false,
            link_role: LinkRole::RegistryOnly,
        }
    }

    /// Middle names by sex and generation: the Văn/Thị markers are near universal for people
    /// born before 1960 and less common since; compound middles ("Thị Ngọc") and none occur.
    fn middle(&self, rng: &mut Rng, sex: Sex, year: u16) -> Vec<&'static str> {
        let p_marker = match (sex, year) {
            (Sex::Male, ..1960) => 0.75,
            (Sex::Male, ..1980) => 0.6,
            (Sex::Male, ..1995) => 0.4,
            (Sex::Male, _) => 0.25,
            (Sex::Female, ..1960) => 0.85,
            (Sex::Female, ..1980) => 0.7,
            (Sex::Female, ..1995) => 0.5,
            (Sex::Female, _) => 0.3,
        };
        if rng.random_bool(p_marker) {
            let marker = if sex == Sex::Male { "Văn" } else { "Thị" };
            if rng.random_bool(0.12) { vec![marker, self.t.middle(rng, sex)] } else { vec![marker] }
        } else if rng.random_bool(0.06) {
            Vec::new()
        } else if rng.random_bool(0.08) {
            let a = self.t.middle(rng, sex);
            let b = self.t.middle(rng, sex);
            if a == b { vec![a] } else { vec![a, b] }
        } else {
            vec![self.t.middle(rng, sex)]
        }
    }

    /// One syllable mostly, two 4 % of the time; never the same as the last middle name.
    fn given(&self, rng: &mut Rng, sex: Sex, middle: &[&'static str]) -> Vec<&'static str> {
        let draw = |rng: &mut Rng| loop {
            let g = self.t.given(rng, sex);
            if middle.last() != Some(&g) {
                break g;
            }
        };
        let a = draw(rng);
        if rng.random_bool(0.04) {
            let b = draw(rng);
            if a != b {
                return vec![a, b];
            }
        }
        vec![a]
    }

    /// A random address in province `p` (index in the tables' provinces).
    pub(crate) fn address(&self, rng: &mut Rng, p: usize) -> Address {
        let w = self.t.ward_in(rng, p);
        let succ = &self.t.successors[w as usize];
        let new_ward = if succ.len() == 1 || rng.random_bool(0.6) {
            succ.iter().find(|&&(_, d)| d).unwrap_or(&succ[0]).0
        } else {
            succ[rng.random_range(0..succ.len())].0
        };
        Address { old_ward: w, new_ward, line: street_line(rng, self.t, w) }
    }
}

struct HeadName {
    sex: Sex,
    family: &'static str,
    middle: Vec<&'static str>,
    given: Vec<&'static str>,
}

fn out_head_name(p: &Person) -> HeadName {
    HeadName { sex: p.sex, family: p.family, middle: p.middle.clone(), given: p.given.clone() }
}

/// Days in a month.
pub(crate) fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A uniform day of `year`; people born before 1975 have the 01/01 placeholder 10 % of the time
/// (registers record it when only the year was known).
fn random_dob(rng: &mut Rng, year: u16) -> Dob {
    if year < 1975 && rng.random_bool(0.10) {
        return Dob { year, month: 1, day: 1 };
    }
    let month = rng.random_range(1..=12u8);
    let day = rng.random_range(1..=days_in_month(year, month));
    Dob { year, month, day }
}

/// A log-uniform house or alley number in 1..=max (small numbers are more common).
fn house_number(rng: &mut Rng, max: u32) -> u32 {
    let x: f64 = rng.random();
    (f64::from(max).powf(x)).floor().max(1.0) as u32
}

/// The street line of an address in old ward `w`: a street of the ward (each ward has six from
/// [`STREETS`], chosen by hashing its code) with a house number in the region's notation, or a
/// hamlet for rural communes.
fn street_line(rng: &mut Rng, tables: &Tables, ward_idx: u32) -> String {
    let ward = &refdata::old_wards()[ward_idx as usize];
    let prov = &tables.provinces[tables.ward_province[ward_idx as usize] as usize];
    let local = |k: u64, n: usize| (splitmix(u64::from(ward_idx) * 31 + k) % n as u64) as usize;
    let street = STREETS[local(rng.random_range(0..6), STREETS.len())];
    let house = house_number(rng, 400);
    let alley = house_number(rng, 150);
    let sub = house_number(rng, 60);
    let roll: f64 = rng.random();
    if ward.kind != "Xã" {
        return match prov.region {
            Region::North => {
                let kind = if prov.code == 1 { "phố" } else { "đường" };
                match roll {
                    ..0.25 => format!("Số {house}, ngõ {alley}, {kind} {street}"),
                    ..0.35 => format!("Số {house}, ngách {sub}, ngõ {alley} {street}"),
                    ..0.65 => format!("Số {house} {kind} {street}"),
                    ..0.88 => format!("{house} {street}"),
                    _ => format!("Tổ dân phố {}", house_number(rng, 30)),
                }
            }
            Region::Central => match roll {
                ..0.25 if prov.code == 46 || prov.code == 48 => {
                    format!("K{alley}/{house} {street}")
                }
                ..0.6 => format!("{house} {street}"),
                ..0.85 => format!("Số {house} đường {street}"),
                _ => format!("Tổ {}", house_number(rng, 40)),
            },
            Region::South => match roll {
                ..0.35 => format!("{house}/{alley} {street}"),
                ..0.45 => format!("{house}/{alley}/{sub} {street}"),
                ..0.55 => format!("{house}/{alley} đường {street}"),
                ..0.85 => format!("{house} {street}"),
                _ => format!("Khu phố {}", house_number(rng, 12)),
            },
        };
    }
    let uplands = matches!(prov.code, 2 | 4 | 6 | 10 | 11 | 12 | 14 | 15 | 17 | 20);
    let highlands = matches!(prov.code, 62 | 64 | 66 | 67);
    let numbered = rng.random_bool(0.5);
    let hamlet = HAMLETS[local(rng.random_range(0..8) + 10, HAMLETS.len())];
    let village = VILLAGES[local(rng.random_range(0..4) + 20, VILLAGES.len())];
    let number = local(rng.random_range(0..4) + 30, 15) + 1;
    let place = match prov.region {
        Region::North if uplands && roll < 0.6 => format!("Bản {village}"),
        Region::North if roll < 0.35 => format!("Xóm {number}"),
        Region::Central if highlands && roll < 0.25 => format!("Buôn {village}"),
        Region::South => {
            if numbered {
                format!("Ấp {number}")
            } else {
                format!("Ấp {hamlet}")
            }
        }
        _ if numbered => format!("Thôn {number}"),
        _ => format!("Thôn {hamlet}"),
    };
    if rng.random_bool(0.2) { format!("Số {house}, {}", lower_first(&place)) } else { place }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A keyed bijection of `[0, n)` (`1 ≤ n ≤ 2^40`): a 4-round balanced Feistel network on the
/// smallest even bit width covering `n`, with cycle-walking back into range.
pub fn permute(value: u64, domain: u64, key: u64) -> u64 {
    debug_assert!(value < domain && domain <= 1 << 40);
    let bits = (64 - (domain.max(2) - 1).leading_zeros()).max(2);
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut state = value;
    loop {
        let (mut left, mut right) = (state >> half, state & mask);
        for round in 0..4u64 {
            let f = splitmix(key ^ (round << 56) ^ right) & mask;
            (left, right) = (right, left ^ f);
        }
        state = (left << half) | right;
        if state < domain {
            return state;
        }
    }
}

/// Per-prefix counters of the identifier sequences (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct IdCounters {
    cccd: FxHashMap<u32, u32>,
    phone: FxHashMap<u8, u32>,
    cmnd: FxHashMap<&'static str, u32>,
    /// Numbers handed out after a prefix's space was exhausted (they repeat earlier ones).
    pub(crate) reused: u64,
}

impl IdCounters {
    fn next<K: std::hash::Hash + Eq>(
        map: &mut FxHashMap<K, u32>,
        key: K,
        modulo: u64,
        reused: &mut u64,
    ) -> u64 {
        let count = map.entry(key).or_insert(0);
        let seq = u64::from(*count);
        *reused += u64::from(seq >= modulo);
        *count = count.saturating_add(1);
        seq % modulo
    }

    /// Assigns CCCD, CMND and phone to `people` (in entity order), and the head's phone to
    /// minors without one in half of the households.
    pub(crate) fn assign(&mut self, seed: u64, people: &mut [Person]) {
        let t = tables();
        let key = splitmix(seed ^ splitmix(STREAM_IDS));
        let mut head_phone: Option<(u64, String, u8)> = None;
        for p in people.iter_mut() {
            let century = (p.dob.year / 100 - 19) * 2 + u16::from(p.sex == Sex::Female);
            let yy = p.dob.year % 100;
            let prefix =
                u32::from(p.birth_province) * 1000 + u32::from(century) * 100 + u32::from(yy);
            let seq = Self::next(&mut self.cccd, prefix, 1_000_000, &mut self.reused);
            let suffix = permute(seq, 1_000_000, splitmix(key ^ u64::from(prefix)));
            p.cccd = format!("0{:02}{}{:02}{:06}", p.birth_province, century, yy, suffix);

            if p.dob.year <= 2006 {
                let pi = t.ward_province[p.address.old_ward as usize] as usize;
                let cp = t.provinces[pi].cmnd_prefix;
                let width = 9 - cp.len() as u32;
                let space = 10u64.pow(width);
                let seq = Self::next(&mut self.cmnd, cp, space, &mut self.reused);
                let salt = cp.bytes().fold(0u64, |h, b| h * 131 + u64::from(b));
                let rest = permute(seq, space, splitmix(key ^ 0xC0DE ^ salt));
                p.cmnd = Some(format!("{cp}{rest:0width$}", width = width as usize));
            }

            if let Some(pp) = p.phone_prefix {
                let seq = Self::next(&mut self.phone, pp, 10_000_000, &mut self.reused);
                let sub = permute(seq, 10_000_000, splitmix(key ^ 0xF0E ^ u64::from(pp)));
                p.phone = Some(format!("{}{sub:07}", t.phone_prefixes[pp as usize]));
            }
            match p.group {
                Group::Household { id, role: HouseholdRole::Head } => {
                    head_phone = p.phone.clone().zip(p.phone_prefix).map(|(ph, pp)| (id, ph, pp));
                }
                Group::Household { id, role: HouseholdRole::Child }
                    if p.phone.is_none() && p.dob.year >= 2005 =>
                {
                    if let Some((hid, ph, pp)) = &head_phone
                        && *hid == id
                        && splitmix(key ^ p.entity_id).is_multiple_of(2)
                    {
                        p.phone = Some(ph.clone());
                        p.phone_prefix = Some(*pp);
                        p.phone_shared = true;
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(cfg: &GenConfig) -> Vec<Person> {
        let pop = Population::new(cfg);
        let mut ids = IdCounters::default();
        let mut all = Vec::new();
        for c in 0..cfg.entities.div_ceil(CHUNK) {
            let mut v = pop.chunk(c);
            ids.assign(cfg.seed, &mut v);
            all.extend(v);
        }
        all
    }

    #[test]
    fn exhausted_prefixes_are_counted() {
        let mut map = FxHashMap::default();
        let mut reused = 0;
        let seqs: Vec<u64> =
            (0..5).map(|_| IdCounters::next(&mut map, 7u8, 3, &mut reused)).collect();
        assert_eq!(seqs, [0, 1, 2, 0, 1]);
        assert_eq!(reused, 2);
    }

    #[test]
    fn permute_is_a_bijection() {
        for n in [1u64, 2, 3, 10, 1000, 4097] {
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = permute(x, n, 0x00AB_CDEF);
                assert!(y < n);
                assert!(!seen[y as usize], "n={n} x={x}");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn entity_ids_are_consecutive_and_ids_unique() {
        let cfg = GenConfig { entities: 5000, seed: 3, ..GenConfig::default() };
        let all = people(&cfg);
        assert_eq!(all.len(), 5000);
        for (i, p) in all.iter().enumerate() {
            assert_eq!(p.entity_id, i as u64);
        }
        let mut cccd: Vec<&str> = all.iter().map(|p| p.cccd.as_str()).collect();
        cccd.sort_unstable();
        cccd.dedup();
        assert_eq!(cccd.len(), 5000, "CCCDs are unique");
        let mut phones: Vec<&str> =
            all.iter().filter(|p| !p.phone_shared).filter_map(|p| p.phone.as_deref()).collect();
        let n = phones.len();
        phones.sort_unstable();
        phones.dedup();
        assert_eq!(phones.len(), n, "own phones are unique");
    }

    #[test]
    fn cccd_agrees_with_birth_and_sex() {
        let cfg = GenConfig { entities: 3000, seed: 9, ..GenConfig::default() };
        for p in people(&cfg) {
            let c = p.cccd.as_bytes();
            assert_eq!(c.len(), 12);
            assert_eq!(&p.cccd[1..3], format!("{:02}", p.birth_province));
            let digit = c[3] - b'0';
            assert_eq!(digit % 2 == 1, p.sex == Sex::Female, "{}", p.cccd);
            assert_eq!(
                1900 + 100 * u16::from(digit / 2) + p.cccd[4..6].parse::<u16>().unwrap(),
                p.dob.year
            );
            if let Some(m) = &p.cmnd {
                assert_eq!(m.len(), 9);
            }
            assert!(p.dob.day >= 1 && p.dob.day <= days_in_month(p.dob.year, p.dob.month));
        }
    }

    #[test]
    fn hard_negatives_are_generated() {
        let cfg = GenConfig {
            entities: 20_000,
            seed: 5,
            twin_rate: 0.5,
            father_son_rate: 0.5,
            cluster_size: 100,
            ..GenConfig::default()
        };
        let all = people(&cfg);
        let in_households =
            all.iter().filter(|p| matches!(p.group, Group::Household { .. })).count();
        let share = in_households as f64 / all.len() as f64;
        assert!((0.25..0.35).contains(&share), "household share {share}");
        let clustered = all.iter().filter(|p| matches!(p.group, Group::Cluster { .. })).count();
        let share = clustered as f64 / all.len() as f64;
        assert!((0.02..0.04).contains(&share), "cluster share {share}");
        // Twins: same household, family, address and dob, different given names.
        let twins: Vec<&Person> = all.iter().filter(|p| p.twin).collect();
        assert!(twins.len() >= 20);
        for pair in twins.chunks(2) {
            assert_eq!(pair[0].dob, pair[1].dob);
            assert_eq!(pair[0].group_id(), pair[1].group_id());
            assert_eq!(pair[0].address, pair[1].address);
            assert_eq!(pair[0].family, pair[1].family);
            assert_ne!(pair[0].given, pair[1].given);
        }
        // Namesakes: the son has the head's full name, another dob and CCCD.
        let mut namesakes = 0;
        for son in all.iter().filter(|p| p.namesake) {
            let head = all
                .iter()
                .find(|h| {
                    h.group_id() == son.group_id()
                        && matches!(h.group, Group::Household { role: HouseholdRole::Head, .. })
                })
                .unwrap();
            assert_eq!(head.full_name(), son.full_name());
            assert_ne!(head.dob, son.dob);
            assert_ne!(head.cccd, son.cccd);
            namesakes += 1;
        }
        assert!(namesakes >= 20, "{namesakes}");
        // Spouses have different family names.
        for s in all
            .iter()
            .filter(|p| matches!(p.group, Group::Household { role: HouseholdRole::Spouse, .. }))
        {
            let head = &all[s.group_id().unwrap() as usize];
            assert_ne!(head.family, s.family);
        }
    }

    impl Person {
        fn group_id(&self) -> Option<u64> {
            match self.group {
                Group::Household { id, .. } => Some(id),
                _ => None,
            }
        }
    }
}
