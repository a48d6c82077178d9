//! Synthetic Vietnamese population with ground truth, for tuning and testing matchers.
//!
//! The generator draws people ([`Person`]: the truth of one entity) and writes records of them
//! the way real registers do — with the variations of VIETNAMESE.md — in two shapes:
//!
//! * [`Shape::Dedupe`]: one file, `records.csv`; a share ([`GenConfig::dup_rate`]) of entities
//!   has 1..=[`GenConfig::max_copies`] extra corrupted copies (1 + geometric(½), capped).
//! * [`Shape::Link`]: `registry.csv` (clean profile, every registry person once by default) and
//!   `agency.csv` (noisy profile); about [`GenConfig::agency_ratio`] agency rows per registry
//!   person, of which [`GenConfig::link_overlap`] are registry people and the rest people who
//!   are not in the registry (household members and namesakes of registry people among them).
//!   Registry duplicates: [`GenConfig::registry_dup_rate`], default none; agency internal
//!   duplicates: [`GenConfig::agency_dup_rate`], default none.
//!
//! Both write `truth.csv` (`record_id,entity_id`, plus `source` = `registry`/`agency` for
//! `link`; record ids are `1, 2, …` in `dedupe` and `R1…`/`A1…` in `link`, unique across both
//! files) and `gen_stats.json` (the configuration and [`GenStats`]; `locale`, `columns`,
//! `en_rates` and `registry_dup_rate` appear in the configuration, and
//! `registry_entities_with_copies` in the statistics, when they are not the defaults). All files
//! are written atomically.
//!
//! # Duplicate rates and clean registers
//! The file that would be the register — `records.csv` in `dedupe`, `registry.csv` in `link` —
//! has duplicates at its own rate: [`GenConfig::dup_rate`] (default 0.35) and
//! [`GenConfig::registry_dup_rate`] (default 0), both in [0, [`MAX_DUP_RATE`]] = [0, 0.5], so
//! that a matcher can be swept from a clean register to one where half of the people are
//! written more than once. A duplicated person gets 1 + geometric(½) extra copies, at most
//! [`GenConfig::max_copies`], rendered with the noisy profile; in `registry.csv` these copies
//! have their own record ids (`R…`) and `truth.csv` rows (`source` `registry`), and come from
//! an RNG stream of their own, so that every other record is rendered as without them (only ids
//! and file order move) and a `registry_dup_rate` of 0 writes exactly the files written before
//! that rate existed. A **clean register** (`vnlink gen --clean`) is a rate of 0 for that file:
//! `dup_rate = 0` in `dedupe`, `registry_dup_rate = 0` in `link` (the agency file keeps
//! [`GenConfig::agency_dup_rate`]). Nothing else changes: the register's records keep the
//! clean-profile noise ([`GenConfig::original_noise`]) and the hard negatives (households,
//! twins, father/son namesakes, common-name clusters), which are different people.
//!
//! # Layouts
//! The record files have one of three headers ([`header`]):
//!
//! ```text
//! joined (default)  record_id,full_name,dob,sex,address,id_number,phone
//! split             record_id,Họ,Chữ đệm,Tên,Ngày sinh,Giới tính,Số nhà,Đường/Thôn,Phường/Xã,Quận/Huyện,Tỉnh/Thành phố,Số CCCD,Số điện thoại
//! en                record_id,first_name,middle_name,last_name,dob,sex,street_address,suburb,state,postcode,email,phone,ssn
//! ```
//!
//! * With [`Columns::Split`] the name is in family / middle (empty or compound: "Thị Ngọc") /
//!   given columns, the address in house number (with alley: "Số 5, ngõ 12", "123/45") / street
//!   or hamlet / ward / district (empty for post-2025 two-level addresses) / province columns.
//!   These are exactly the joined records cut in columns: same people, record ids, corruptions
//!   (a typo, capitals, dropped diacritics, TCVN3 … land in the columns they hit; abbreviations
//!   per part: "P. Bến Nghé", "Q.1", "TP HCM"; missing parts are empty columns) and `truth.csv`,
//!   byte for byte, for the same seed. Two differences: about half of the units written in full
//!   in the joined record hold their bare name in their column ("Bến Nghé", as Vietnamese forms
//!   do), and the name-order corruption puts the given name in the family column and the family
//!   name in the given column.
//! * With [`Locale::En`] the people are United States people derived from the Vietnamese
//!   population of the seed (same entities, households, twins, namesakes, clusters and link
//!   roles), with their own corruptions ([`EnCorruption`]); see the `english` module.
//!
//! # Overview of types
//! * [`GenConfig`] with [`Rates`] and [`EnRates`], [`Locale`] and [`Columns`]: every parameter,
//!   with defaults; [`Corruption`] and [`EnCorruption`] name each kind of damage,
//!   [`CorruptionSet`] the ones a record received.
//! * [`generate`], [`generate_dedupe`], [`generate_link`]: write a shape to a directory and return
//!   a [`GenSummary`].
//! * [`dedupe_rows`], [`link_rows`]: the same records in memory (joined Vietnamese layout), as
//!   [`SynthRow`]s (record, entity, source, profile, corruptions received); [`wide_rows`]: those
//!   of any layout, as [`WideRecord`]s (one value per column of [`header`]); [`people()`]: the
//!   ground truth, one [`Person`] per entity.
//!
//! # The population
//! Family names follow their published national shares (14 names, 89 %; Hoàng/Huỳnh and Vũ/Võ
//! split by region, the southern forms dominating in the South), the remaining 11 % spread over
//! the other names by their sample counts. Middle names depend on sex and generation (Văn/Thị for
//! 75–85 % of people born before 1960, 25–30 % of those born since 1995; compound "Thị Ngọc";
//! none for a few), given names on sex (list evidence), two syllables 4 % of the time. Births
//! 1930–2010 follow the 2019 census pyramid (mode 1985–1994); 10 % of people born before 1975 carry
//! the 01/01 placeholder. Addresses are drawn province by population (2019 census) and ward by
//! type (a phường weighs twice a xã), with street lines in the region's notation (Hà Nội "Số 5,
//! ngõ 12, phố …", southern `123/45 …`, Huế/Đà Nẵng kiệt `K12/3 …`, hamlets: thôn, xóm, ấp, bản,
//! buôn). The post-2025 ward of a split old ward is the default successor 60 % of the time, else
//! one of its successors at random (the person lives in one part). 30 % of people
//! ([`GenConfig::new_address_share`]) have records written in the post-2025 form by default.
//! The CCCD has the birth province (the address's 80–92 % of the time, else a migrant's),
//! century+sex digit and birth year, and six digits from a keyed permutation of a per-prefix
//! counter: unique as long as fewer than 10^6 people share a prefix. Phones (92 % of adults, 60 %
//! of minors; half of the minors without one list the household head's) use current prefixes
//! (all sources agree) weighted by carrier share, with seven digits unique per prefix up to
//! 10^7. People born by 2006 also have a 9-digit CMND (issuing-province prefix, unrelated digits).
//!
//! Hard negatives, which decide precision: households ([`GenConfig::household_rate`] of people,
//! 2–6 members at one address: head, a spouse with another family name, children with the
//! father's family name, sometimes a grandparent); twins ([`GenConfig::twin_rate`] of households
//! with two children or more: same dob, family and address, different given names, usually the
//! same middle); a son with his father's full name ([`GenConfig::father_son_rate`]); and
//! common-name clusters ([`GenConfig::cluster_rate`], about [`GenConfig::cluster_size`] people
//! each with one full name, province and birth year, e.g. "Nguyễn Văn Hùng", Nghệ An, 1988).
//!
//! # Corruptions and their defaults
//! Rates apply to the noisy profile; the clean profile (dedupe originals, registry rows) uses
//! them × [`GenConfig::original_noise`] (default 0.2), so originals are clean-ish rather than
//! perfect. Defaults, and why:
//!
//! | corruption (flag `--rate-…`) | default | why |
//! |---|---|---|
//! | `diacritics` | 0.15 | ASCII-only systems (banks, telecoms, old software) are common sources |
//! | `nfd` | 0.05 | macOS / "Unicode tổ hợp" input; a minority |
//! | `tone_new` | 0.15 | GSO lists and textbooks use hoà/thuỷ; mixes are frequent (190/3,321 unit names differ) |
//! | `upper` | 0.10 | cards and some registers print names in capitals |
//! | `typo` | 0.08 | one keyed error in a name or address is routine in hand-typed data |
//! | `telex` | 0.02 | input-method accidents are visible but rare |
//! | `name_order` | 0.03 | foreign/diaspora systems only |
//! | `taboo` | 0.20 | of records with Hoàng/Huỳnh, Vũ/Võ, Phúc/Phước: southern spellings are widespread |
//! | `middle_drop` / `middle_add` | 0.10 / 0.05 | Văn/Thị are often omitted, less often added |
//! | `dob_format` | 0.25 | every source has its own format |
//! | `dob_swap`, `dob_year_off` | 0.02 each | import and typing errors |
//! | `dob_year_only`, `dob_missing` | 0.03 each | older records carry years only or nothing |
//! | `sex_code`, `sex_missing`, `sex_flip` | 0.10, 0.05, 0.005 | code lists differ; sex is rarely wrong |
//! | `addr_abbrev` | 0.40 | abbreviations are the norm in hand-written addresses |
//! | `addr_missing_part` | 0.15 | forms leave out the district or the street |
//! | `addr_other_era` | 0.25 | old and new addresses coexist since 2025-07-01 |
//! | `addr_moved` | 0.05 | people move between registrations |
//! | `phone_format` | 0.20 | +84/84/spaces/dots, lost leading zero |
//! | `phone_old_prefix` | 0.10 | of eligible numbers: records from before 2018 |
//! | `phone_other`, `phone_missing` | 0.03, 0.15 | numbers change; many forms have none |
//! | `id_missing`, `id_lost_zeros` | 0.10, 0.08 | spreadsheets lose leading zeros |
//! | `id_typo`, `id_scientific` | 0.02, 0.01 | keyed digits; narrow spreadsheet columns |
//! | `id_cmnd` | 0.08 | of people born by 2006: old records carry the CMND |
//! | `tcvn3`, `vni` | 0.01 each | legacy files survive in a small share of sources |
//!
//! # Determinism, parallelism and memory
//! Everything derives from [`GenConfig::seed`]: people and records of chunk `c` (of [`CHUNK`]
//! entities) come from RNGs seeded by `(seed, stream, c)`, the identifiers from per-prefix
//! counters advanced in entity order, the cluster definitions from `(seed, cluster)`. Chunks are
//! generated in parallel with rayon and collected in order, so output is byte-identical for any
//! number of threads. Output streams: [`WINDOW_CHUNKS`] chunks (32,768 entities) form a window
//! that is generated, shuffled and written while the next window is generated; memory is two
//! windows, whatever the number of entities. Rows are therefore shuffled only **within a
//! window**: the copies of an entity are never more than one window apart in the file (matchers
//! must not rely on file order, and do not gain from it). The English layout adds one
//! sequential pass per window (e-mail numbering, see the `english` module) and the split layout
//! a second RNG per record, keyed by `(seed, entity, source, copy)`.

mod config;
mod corrupt;
mod english;
mod options;
mod people;
mod render;
mod stats;
mod tables;

pub use config::{
    Columns, Corruption, CorruptionKind, CorruptionSet, EN_BIT, EnCorruption, EnRates, GenConfig,
    Locale, MAX_DUP_RATE, Rates,
};
pub use options::{Duplicates, GenOptions};
pub use people::{Address, CHUNK, Dob, Group, HouseholdRole, LinkRole, Person, permute};
pub use stats::{CorruptionStat, Count, GenStats};

use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::schema::FieldKind;
use crate::util::fs::{AtomicFile, atomic_write, create_dir_all};

use english::{EmailBook, EnPerson};
use people::{IdCounters, Population};
use stats::StatsAcc;

/// The random generator of the synthetic data (PCG, 128-bit state, fast).
pub(crate) type Rng = rand_pcg::Pcg64Mcg;

/// Chunks per window: the unit of shuffling and of output (32 × 1024 = 32,768 entities).
pub const WINDOW_CHUNKS: u64 = 32;

const STREAM_RECORDS: u64 = 11;
const STREAM_SHUFFLE: u64 = 12;
/// RNG stream of the layout-only choices of split columns.
const STREAM_SPLIT: u64 = 13;
/// RNG stream of the registry's extra copies ([`GenConfig::registry_dup_rate`]).
const STREAM_REGISTRY_COPIES: u64 = 14;

/// The `SplitMix64` finaliser: a bijective 64-bit mixer.
pub(crate) fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of item `index` of stream `stream`.
pub(crate) fn rng_for(seed: u64, stream: u64, index: u64) -> Rng {
    Rng::seed_from_u64(splitmix(splitmix(seed ^ splitmix(stream)) ^ index))
}

/// The output shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// One file with duplicates.
    Dedupe,
    /// A registry and an agency file to link.
    Link,
}

/// The file a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `records.csv` of the dedupe shape.
    Records,
    /// `registry.csv` of the link shape.
    Registry,
    /// `agency.csv` of the link shape.
    Agency,
}

impl Source {
    /// The name written in `truth.csv` (`records`, `registry`, `agency`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Records => "records",
            Source::Registry => "registry",
            Source::Agency => "agency",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How noisy a record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Rates × [`GenConfig::original_noise`]: dedupe originals, registry rows (a registry
    /// person's first).
    Clean,
    /// The configured rates: dedupe copies, agency rows, registry copies.
    Noisy,
}

/// One record as written: the seven columns of the standard header, as text (empty = missing).
/// It is the library's [`Record`](crate::dataset::Record), so generated records feed
/// [`Store::from_records`](crate::store::Store::from_records) directly.
pub type SynthRecord = crate::dataset::Record;

/// A record of any layout ([`wide_rows`]): one value per column of [`header`], `record_id`
/// first (empty = missing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WideRecord {
    /// The values, in the order of [`header`].
    pub fields: Vec<String>,
}

impl WideRecord {
    /// The record id (the first value).
    pub fn record_id(&self) -> &str {
        self.fields.first().map_or("", String::as_str)
    }
}

impl From<SynthRecord> for WideRecord {
    fn from(r: SynthRecord) -> Self {
        WideRecord {
            fields: vec![r.record_id, r.full_name, r.dob, r.sex, r.address, r.id_number, r.phone],
        }
    }
}

/// The seven standard columns of a joined record (missing values empty).
fn standard_record(w: WideRecord) -> SynthRecord {
    let mut it = w.fields.into_iter();
    let mut next = || it.next().unwrap_or_default();
    SynthRecord {
        record_id: next(),
        full_name: next(),
        dob: next(),
        sex: next(),
        address: next(),
        id_number: next(),
        phone: next(),
        extras: Vec::new(),
        ..SynthRecord::default()
    }
}

/// The standard header, the order of [`SynthRecord::fields`].
const STANDARD_HEADER: [&str; 7] = {
    let mut out = [""; 7];
    let mut i = 0;
    while i < 7 {
        out[i] = FieldKind::ALL[i].as_str();
        i += 1;
    }
    out
};

/// The column layout of a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Joined,
    Split,
    English,
}

impl Layout {
    fn of(cfg: &GenConfig) -> Layout {
        match (cfg.locale, cfg.columns) {
            (Locale::En, _) => Layout::English,
            (Locale::Vi, Columns::Split) => Layout::Split,
            (Locale::Vi, Columns::Joined) => Layout::Joined,
        }
    }
}

/// The header of the record files of `cfg`: the standard seven columns for
/// [`Columns::Joined`], the thirteen of [`Columns::Split`] (`record_id,Họ,Chữ đệm,Tên,Ngày
/// sinh,Giới tính,Số nhà,Đường/Thôn,Phường/Xã,Quận/Huyện,Tỉnh/Thành phố,Số CCCD,Số điện thoại`),
/// or the thirteen of [`Locale::En`] (`record_id,first_name,middle_name,last_name,dob,sex,
/// street_address,suburb,state,postcode,email,phone,ssn`).
pub fn header(cfg: &GenConfig) -> &'static [&'static str] {
    match Layout::of(cfg) {
        Layout::Joined => &STANDARD_HEADER,
        Layout::Split => &render::SPLIT_HEADER,
        Layout::English => &english::EN_HEADER,
    }
}

/// A generated record with its truth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthRow<R = SynthRecord> {
    /// The record.
    pub record: R,
    /// The entity it describes ([`Person::entity_id`]).
    pub entity_id: u64,
    /// The file it belongs to.
    pub source: Source,
    /// 0 for the entity's first record in this source, 1.. for extra copies.
    pub copy: u32,
    /// The noise profile it was rendered with.
    pub profile: Profile,
    /// The corruptions it received.
    pub corruptions: CorruptionSet,
}

/// What [`generate`] wrote.
#[derive(Clone, Debug)]
pub struct GenSummary {
    /// The shape.
    pub shape: Shape,
    /// The files written, in the output directory.
    pub files: Vec<PathBuf>,
    /// The counts.
    pub stats: GenStats,
}

impl GenSummary {
    /// Writes the counts of a run that took `secs` on `threads` threads, the observed rate of
    /// every corruption and the files written, as `vnlink gen` prints them.
    pub fn write_text(
        &self,
        out: &mut impl std::io::Write,
        secs: f64,
        threads: usize,
    ) -> std::io::Result<()> {
        let summary = self;
        let s = &summary.stats;
        writeln!(
            out,
            "{} entities, {} records in {secs:.2} s ({:.0} records/s, {} thread(s))",
            s.entities,
            s.records,
            s.records as f64 / secs.max(1e-9),
            threads
        )?;
        match summary.shape {
            Shape::Dedupe => writeln!(
                out,
                "  {} originals, {} copies; {} entities with copies",
                s.clean_records, s.noisy_records, s.entities_with_copies
            )?,
            Shape::Link => writeln!(
                out,
                "  registry {} rows, agency {} rows; people: {} registry only, {} both, {} agency only",
                s.registry_records, s.agency_records, s.registry_only, s.both, s.agency_only
            )?,
        }
        if s.registry_entities_with_copies > 0 {
            writeln!(
                out,
                "  {} registry people with extra copies in registry.csv",
                s.registry_entities_with_copies
            )?;
        }
        writeln!(
            out,
            "  hard negatives: {} households ({} people), {} twin pairs, {} father/son namesakes, \
         {} common-name clusters ({} people)",
            s.households,
            s.household_members,
            s.twin_pairs,
            s.namesakes,
            s.clusters,
            s.cluster_members
        )?;
        writeln!(
            out,
            "  {:<18} {:>6} {:>22} {:>22}",
            "corruption", "rate", "noisy applied/eligible", "clean applied/eligible"
        )?;
        for c in s.corruptions.iter().chain(&s.en_corruptions) {
            if c.noisy.eligible == 0 && c.clean.eligible == 0 {
                // Not applicable to this locale (or no record was eligible).
                continue;
            }
            writeln!(
                out,
                "  {:<18} {:>6.3} {:>13}/{:<8} {:>13}/{:<8}",
                c.name,
                c.rate,
                c.noisy.applied,
                c.noisy.eligible,
                c.clean.applied,
                c.clean.eligible
            )?;
        }
        for f in &summary.files {
            writeln!(out, "  wrote {}", f.display())?;
        }
        Ok(())
    }
}

/// The generation state: the population, the sequential counters and the statistics.
struct Engine {
    shape: Shape,
    layout: Layout,
    pop: Population,
    ids: IdCounters,
    emails: EmailBook,
    next_record: [u64; 3],
    stats: StatsAcc,
    chunks: u64,
    windows: u64,
}

impl Engine {
    fn new(cfg: &GenConfig, shape: Shape) -> Self {
        let chunks = cfg.entities.div_ceil(CHUNK);
        Engine {
            shape,
            layout: Layout::of(cfg),
            pop: Population::new(cfg),
            ids: IdCounters::default(),
            emails: EmailBook::default(),
            next_record: [0; 3],
            stats: StatsAcc::new(cfg),
            chunks,
            windows: chunks.div_ceil(WINDOW_CHUNKS),
        }
    }

    fn chunk_range(&self, w: u64) -> std::ops::Range<u64> {
        w * WINDOW_CHUNKS..((w + 1) * WINDOW_CHUNKS).min(self.chunks)
    }

    /// The people of window `w`, with identifiers, one vector per chunk.
    fn people(&mut self, w: u64) -> Vec<Vec<Person>> {
        let pop = &self.pop;
        let mut people: Vec<Vec<Person>> =
            self.chunk_range(w).into_par_iter().map(|c| pop.chunk(c)).collect();
        for v in &mut people {
            self.ids.assign(pop.cfg.seed, v);
        }
        people
    }

    /// The English people of the chunks of `people` (starting at chunk `first`), with e-mails.
    fn english(&mut self, first: u64, people: &[Vec<Person>]) -> Vec<Vec<EnPerson>> {
        let pop = &self.pop;
        let mut en: Vec<Vec<EnPerson>> = people
            .par_iter()
            .enumerate()
            .map(|(i, ps)| english::convert(pop, first + i as u64, ps))
            .collect();
        for v in &mut en {
            self.emails.assign(pop.cfg.seed, v);
        }
        en
    }

    /// The rows of window `w`, shuffled, with record ids; for `link`, registry rows first.
    fn window(&mut self, w: u64) -> Vec<SynthRow<WideRecord>> {
        let people = self.people(w);
        let first = self.chunk_range(w).start;
        let en =
            if self.layout == Layout::English { self.english(first, &people) } else { Vec::new() };
        let (pop, shape, layout) = (&self.pop, self.shape, self.layout);
        let parts: Vec<(Vec<SynthRow<WideRecord>>, StatsAcc)> = people
            .par_iter()
            .enumerate()
            .map(|(i, ps)| {
                let chunk = Chunk { index: first + i as u64, people: ps, en: en.get(i) };
                render_chunk(pop, shape, layout, &chunk)
            })
            .collect();
        let mut rows = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        for (r, s) in parts {
            rows.extend(r);
            self.stats.merge(&s);
        }
        let mut rng = rng_for(pop.cfg.seed, STREAM_SHUFFLE, w);
        if shape == Shape::Link {
            let (mut reg, mut ag): (Vec<_>, Vec<_>) =
                rows.into_iter().partition(|r| r.source == Source::Registry);
            reg.shuffle(&mut rng);
            ag.shuffle(&mut rng);
            reg.append(&mut ag);
            rows = reg;
        } else {
            rows.shuffle(&mut rng);
        }
        for r in &mut rows {
            let n = &mut self.next_record[r.source.index()];
            *n += 1;
            let id = match r.source {
                Source::Records => n.to_string(),
                Source::Registry => format!("R{n}"),
                Source::Agency => format!("A{n}"),
            };
            match r.record.fields.first_mut() {
                Some(f) => *f = id,
                None => r.record.fields.push(id),
            }
        }
        rows
    }

    fn stats(&self) -> GenStats {
        let reused = match self.layout {
            Layout::English => english::ids_reused(self.pop.cfg.entities),
            Layout::Joined | Layout::Split => self.ids.reused,
        };
        self.stats.finish(self.pop.cluster_count() as u64, reused)
    }
}

/// One chunk of people to render: its index, its people and, for the English layout, their
/// English form (same order).
struct Chunk<'a> {
    index: u64,
    people: &'a [Person],
    en: Option<&'a Vec<EnPerson>>,
}

/// The number of extra copies of a duplicated entity: 1 + geometric(½), at most `max`.
fn copies(rng: &mut Rng, max: u32) -> u32 {
    let mut k = 1;
    while k < max && rng.random_bool(0.5) {
        k += 1;
    }
    k
}

/// The RNG of the layout-only choices of one split record.
fn split_rng(seed: u64, entity: u64, source: Source, copy: u32) -> Rng {
    rng_for(seed, STREAM_SPLIT, splitmix(entity) ^ (u64::from(copy) << 2 | source.index() as u64))
}

/// Renders one record in `layout`.
fn render_one(
    pop: &Population,
    layout: Layout,
    rng: &mut Rng,
    who: (&Person, Option<&EnPerson>),
    at: (Source, u32, Profile),
    acc: &mut StatsAcc,
) -> (WideRecord, CorruptionSet) {
    let (p, en) = who;
    let (source, copy, profile) = at;
    match (layout, en) {
        (Layout::English, Some(e)) => {
            let (fields, set) = english::render(pop, rng, e, profile, acc);
            (WideRecord { fields }, set)
        }
        (Layout::Split, _) => {
            let side = split_rng(pop.cfg.seed, p.entity_id, source, copy);
            let (fields, set) = render::render_split(pop, rng, side, p, profile, acc);
            (WideRecord { fields }, set)
        }
        // The English layout always comes with its people (`Engine::window`).
        (Layout::Joined | Layout::English, _) => {
            let (r, set) = render::render(pop, rng, p, profile, acc);
            (WideRecord::from(r), set)
        }
    }
}

fn render_chunk(
    pop: &Population,
    shape: Shape,
    layout: Layout,
    chunk: &Chunk<'_>,
) -> (Vec<SynthRow<WideRecord>>, StatsAcc) {
    let cfg = &pop.cfg;
    let mut rng = rng_for(cfg.seed, STREAM_RECORDS, chunk.index);
    let mut registry_rng = (shape == Shape::Link && cfg.registry_dup_rate > 0.0)
        .then(|| rng_for(cfg.seed, STREAM_REGISTRY_COPIES, chunk.index));
    let mut acc = StatsAcc::new(cfg);
    let mut rows = Vec::with_capacity(chunk.people.len() * 3 / 2);
    let mut emit = |rng: &mut Rng, acc: &mut StatsAcc, who: (&Person, Option<&EnPerson>), at| {
        let (record, corruptions) = render_one(pop, layout, rng, who, at, acc);
        let (source, copy, profile) = at;
        match source {
            Source::Registry => acc.s.registry_records += 1,
            Source::Agency => acc.s.agency_records += 1,
            Source::Records => {}
        }
        let entity_id = who.0.entity_id;
        rows.push(SynthRow { record, entity_id, source, copy, profile, corruptions });
    };
    for (i, p) in chunk.people.iter().enumerate() {
        let who = (p, chunk.en.and_then(|e| e.get(i)));
        acc.person(p, shape == Shape::Link);
        match shape {
            Shape::Dedupe => {
                emit(&mut rng, &mut acc, who, (Source::Records, 0, Profile::Clean));
                if rng.random_bool(cfg.dup_rate) {
                    acc.s.entities_with_copies += 1;
                    for i in 1..=copies(&mut rng, cfg.max_copies) {
                        emit(&mut rng, &mut acc, who, (Source::Records, i, Profile::Noisy));
                    }
                }
            }
            Shape::Link => {
                if p.link_role != LinkRole::AgencyOnly {
                    emit(&mut rng, &mut acc, who, (Source::Registry, 0, Profile::Clean));
                    // Registry copies draw from their own stream: every other record is rendered
                    // as it is without them (its id and place in the file may differ), and the
                    // default output is unchanged.
                    if let Some(reg) = registry_rng.as_mut()
                        && reg.random_bool(cfg.registry_dup_rate)
                    {
                        acc.s.registry_entities_with_copies += 1;
                        for i in 1..=copies(&mut *reg, cfg.max_copies) {
                            emit(&mut *reg, &mut acc, who, (Source::Registry, i, Profile::Noisy));
                        }
                    }
                }
                if p.link_role != LinkRole::RegistryOnly {
                    emit(&mut rng, &mut acc, who, (Source::Agency, 0, Profile::Noisy));
                    if rng.random_bool(cfg.agency_dup_rate) {
                        acc.s.entities_with_copies += 1;
                        for i in 1..=copies(&mut rng, cfg.max_copies) {
                            emit(&mut rng, &mut acc, who, (Source::Agency, i, Profile::Noisy));
                        }
                    }
                }
            }
        }
    }
    (rows, acc)
}

/// The rows of a shape in any layout, window by window (memory: one window).
pub struct WideRows {
    engine: Engine,
    next_window: u64,
    buf: std::vec::IntoIter<SynthRow<WideRecord>>,
}

impl WideRows {
    fn new(cfg: &GenConfig, shape: Shape) -> Result<WideRows> {
        cfg.validate()?;
        Ok(WideRows {
            engine: Engine::new(cfg, shape),
            next_window: 0,
            buf: Vec::new().into_iter(),
        })
    }

    /// The statistics of the windows generated so far (complete once the iterator is exhausted).
    pub fn stats(&self) -> GenStats {
        self.engine.stats()
    }
}

impl Iterator for WideRows {
    type Item = SynthRow<WideRecord>;

    fn next(&mut self) -> Option<SynthRow<WideRecord>> {
        loop {
            if let Some(r) = self.buf.next() {
                return Some(r);
            }
            if self.next_window >= self.engine.windows {
                return None;
            }
            self.buf = self.engine.window(self.next_window).into_iter();
            self.next_window += 1;
        }
    }
}

impl std::fmt::Debug for WideRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WideRows").field("next_window", &self.next_window).finish_non_exhaustive()
    }
}

/// The records of a shape in the standard columns, in memory, window by window (see
/// [`dedupe_rows`]).
#[derive(Debug)]
pub struct Rows {
    inner: WideRows,
}

impl Rows {
    fn new(cfg: &GenConfig, shape: Shape) -> Result<Rows> {
        if Layout::of(cfg) != Layout::Joined {
            return Err(Error::Config {
                path: None,
                key: "columns".to_owned(),
                reason: "records in the standard columns are Vietnamese and joined; use \
                         `synth::wide_rows` for the other layouts"
                    .to_owned(),
            });
        }
        Ok(Rows { inner: WideRows::new(cfg, shape)? })
    }

    /// The statistics of the windows generated so far (complete once the iterator is exhausted).
    pub fn stats(&self) -> GenStats {
        self.inner.stats()
    }
}

impl Iterator for Rows {
    type Item = SynthRow;

    fn next(&mut self) -> Option<SynthRow> {
        self.inner.next().map(|r| SynthRow {
            record: standard_record(r.record),
            entity_id: r.entity_id,
            source: r.source,
            copy: r.copy,
            profile: r.profile,
            corruptions: r.corruptions,
        })
    }
}

/// The rows of the `dedupe` shape, in file order, generated lazily (memory: one window). The
/// configuration must be Vietnamese with joined columns (the defaults); see [`wide_rows`] for
/// the others.
pub fn dedupe_rows(cfg: &GenConfig) -> Result<Rows> {
    Rows::new(cfg, Shape::Dedupe)
}

/// The rows of the `link` shape: per window, the registry rows then the agency rows, each in
/// file order (the files interleave the windows the same way). Vietnamese, joined columns only,
/// as [`dedupe_rows`].
pub fn link_rows(cfg: &GenConfig) -> Result<Rows> {
    Rows::new(cfg, Shape::Link)
}

/// The rows of `shape` in the layout of `cfg` (the columns of [`header`]), in file order as
/// [`dedupe_rows`] and [`link_rows`] give them.
pub fn wide_rows(cfg: &GenConfig, shape: Shape) -> Result<WideRows> {
    WideRows::new(cfg, shape)
}

/// The ground truth: every entity's [`Person`], in entity order, identical for both shapes and
/// every layout. For [`Locale::En`] these are the Vietnamese people the English ones are derived
/// from: the same entities, sex, dates of birth (but for redrawn 1 January placeholders),
/// link roles and groups, with other names, addresses and identifiers.
pub fn people(cfg: &GenConfig) -> Result<impl Iterator<Item = Person>> {
    cfg.validate()?;
    let mut engine = Engine::new(cfg, Shape::Dedupe);
    let windows = engine.windows;
    Ok((0..windows).flat_map(move |w| engine.people(w).into_iter().flatten()))
}

/// The output files of a shape and their writers.
struct Sinks {
    shape: Shape,
    files: Vec<(PathBuf, csv::Writer<AtomicFile>)>,
    truth: (PathBuf, csv::Writer<AtomicFile>),
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::io(path, std::io::Error::other(format!("{other:?}"))),
    }
}

fn csv_writer(path: PathBuf, header: &[&str]) -> Result<(PathBuf, csv::Writer<AtomicFile>)> {
    let mut w = csv::WriterBuilder::new().from_writer(AtomicFile::create(&path)?);
    w.write_record(header).map_err(|e| csv_error(&path, e))?;
    Ok((path, w))
}

impl Sinks {
    fn create(dir: &Path, shape: Shape, header: &[&str]) -> Result<Sinks> {
        let (names, truth_header): (&[&str], &[&str]) = match shape {
            Shape::Dedupe => (&["records.csv"], &["record_id", "entity_id"]),
            Shape::Link => (&["registry.csv", "agency.csv"], &["record_id", "entity_id", "source"]),
        };
        let files =
            names.iter().map(|n| csv_writer(dir.join(n), header)).collect::<Result<Vec<_>>>()?;
        let truth = csv_writer(dir.join("truth.csv"), truth_header)?;
        Ok(Sinks { shape, files, truth })
    }

    fn write(&mut self, rows: &[SynthRow<WideRecord>]) -> Result<()> {
        for r in rows {
            let (path, w) = match (self.shape, r.source) {
                (Shape::Link, Source::Agency) => &mut self.files[1],
                _ => &mut self.files[0],
            };
            w.write_record(&r.record.fields).map_err(|e| csv_error(path, e))?;
            let (tpath, t) = &mut self.truth;
            let id = r.entity_id.to_string();
            let rid = r.record.record_id();
            let res = if self.shape == Shape::Link {
                t.write_record([rid, &id, r.source.as_str()])
            } else {
                t.write_record([rid, &id])
            };
            res.map_err(|e| csv_error(tpath, e))?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for (path, w) in self.files.into_iter().chain([self.truth]) {
            let f = w.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
            f.commit()?;
            out.push(path);
        }
        Ok(out)
    }
}

/// The configuration as `gen_stats.json` shows it: [`GenConfig`], plus the English rates for
/// [`Locale::En`].
#[derive(Serialize)]
struct ConfigView<'a> {
    #[serde(flatten)]
    cfg: &'a GenConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    en_rates: Option<&'a EnRates>,
}

#[derive(Serialize)]
struct StatsFile<'a> {
    shape: Shape,
    config: ConfigView<'a>,
    stats: &'a GenStats,
}

/// Writes `shape` to `out_dir` (created if needed) and returns what was written. `progress` is
/// called after each window with the number of entities done.
pub fn generate_with_progress(
    cfg: &GenConfig,
    shape: Shape,
    out_dir: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<GenSummary> {
    cfg.validate()?;
    create_dir_all(out_dir)?;
    let mut engine = Engine::new(cfg, shape);
    let mut sinks = Sinks::create(out_dir, shape, header(cfg))?;
    let windows = engine.windows;
    let mut pending = Some(engine.window(0));
    for w in 0..windows {
        let current = pending.take().unwrap_or_default();
        let (written, next) = rayon::join(
            || sinks.write(&current),
            || (w + 1 < windows).then(|| engine.window(w + 1)),
        );
        written?;
        pending = next;
        progress(((w + 1) * WINDOW_CHUNKS * CHUNK).min(cfg.entities));
    }
    let stats = engine.stats();
    let mut files = sinks.finish()?;
    let config = ConfigView { cfg, en_rates: (cfg.locale == Locale::En).then_some(&cfg.en_rates) };
    let json = serde_json::to_vec_pretty(&StatsFile { shape, config, stats: &stats })
        .map_err(|e| Error::io(out_dir.join("gen_stats.json"), std::io::Error::other(e)))?;
    let stats_path = out_dir.join("gen_stats.json");
    atomic_write(&stats_path, &json)?;
    files.push(stats_path);
    Ok(GenSummary { shape, files, stats })
}

/// Writes `shape` to `out_dir`; see [`generate_with_progress`].
pub fn generate(cfg: &GenConfig, shape: Shape, out_dir: &Path) -> Result<GenSummary> {
    generate_with_progress(cfg, shape, out_dir, &mut |_| {})
}

/// Writes the `dedupe` shape (`records.csv`, `truth.csv`, `gen_stats.json`) to `out_dir`.
pub fn generate_dedupe(cfg: &GenConfig, out_dir: &Path) -> Result<GenSummary> {
    generate(cfg, Shape::Dedupe, out_dir)
}

/// Writes the `link` shape (`registry.csv`, `agency.csv`, `truth.csv`, `gen_stats.json`) to
/// `out_dir`.
pub fn generate_link(cfg: &GenConfig, out_dir: &Path) -> Result<GenSummary> {
    generate(cfg, Shape::Link, out_dir)
}
