//! `vnlink gen`: writes a synthetic Vietnamese population with ground truth (see
//! `vnlink::synth`): flags → [`GenConfig`], a rayon pool of `--threads`, a progress bar, and a
//! summary with the observed rate of every corruption.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use vnlink::synth::{self, Corruption, GenConfig, Rates, Shape};

/// The output shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// One file, `records.csv`, with duplicates.
    Dedupe,
    /// `registry.csv` and `agency.csv`, to link.
    Link,
}

const ABOUT: &str = "Generate a synthetic Vietnamese population with ground truth";

const AFTER_HELP: &str = "\
Writes to DIR: records.csv (dedupe) or registry.csv + agency.csv (link), with the header
record_id,full_name,dob,sex,address,id_number,phone; truth.csv (record_id,entity_id[,source]);
gen_stats.json (configuration and counts). The same seed and flags give byte-identical files
whatever --threads.

Examples:
  vnlink gen --shape dedupe --entities 1500 --seed 42 --out data/sample
  vnlink gen --shape link --entities 100000 --seed 7 --out /tmp/link --agency-ratio 0.8
  vnlink gen --shape dedupe --entities 1000000 --seed 1 --out /tmp/g1m --rate-vni 0.05";

/// `vnlink gen` flags.
#[derive(clap::Args, Debug)]
#[command(about = ABOUT, after_help = AFTER_HELP)]
pub struct Args {
    /// Output shape.
    #[arg(long, value_enum)]
    shape: ShapeArg,
    /// Number of entities (people) to generate.
    #[arg(long, value_name = "N", default_value_t = GenConfig::default().entities)]
    entities: u64,
    /// Seed of every random choice.
    #[arg(long, value_name = "S", default_value_t = GenConfig::default().seed)]
    seed: u64,
    /// Output directory (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Worker threads (0 = one per core). Does not change the output.
    #[arg(long, value_name = "T", default_value_t = 0)]
    threads: usize,
    /// Share of entities with extra corrupted copies (dedupe).
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().dup_rate)]
    dup_rate: f64,
    /// Most extra copies of one entity (1 + geometric(½), capped).
    #[arg(long, value_name = "K", default_value_t = GenConfig::default().max_copies)]
    max_copies: u32,
    /// Rate multiplier for clean records (dedupe originals, registry rows).
    #[arg(long, value_name = "F", default_value_t = GenConfig::default().original_noise)]
    original_noise: f64,
    /// Share of entities living in multi-person households.
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().household_rate)]
    household_rate: f64,
    /// Probability of twins in a household with two or more children.
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().twin_rate)]
    twin_rate: f64,
    /// Probability that a father's son carries his full name.
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().father_son_rate)]
    father_son_rate: f64,
    /// Share of entities in common-name clusters (same name, province, birth year).
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().cluster_rate)]
    cluster_rate: f64,
    /// Target people per common-name cluster.
    #[arg(long, value_name = "N", default_value_t = GenConfig::default().cluster_size)]
    cluster_size: u64,
    /// Share of entities whose records use post-2025 addresses by default.
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().new_address_share)]
    new_address_share: f64,
    /// Agency rows per registry row (link).
    #[arg(long, value_name = "R", default_value_t = GenConfig::default().agency_ratio)]
    agency_ratio: f64,
    /// Share of agency rows whose person is in the registry (link).
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().link_overlap)]
    link_overlap: f64,
    /// Share of agency people with internal duplicates (link).
    #[arg(long, value_name = "P", default_value_t = GenConfig::default().agency_dup_rate)]
    agency_dup_rate: f64,
    #[command(flatten)]
    rates: RateArgs,
}

macro_rules! rate_args {
    ($($field:ident: $variant:ident = $flag:literal),* $(,)?) => {
        /// One flag per corruption rate.
        #[derive(clap::Args, Debug)]
        #[command(next_help_heading = "Corruption rates (per eligible noisy record; clean records: × --original-noise)")]
        pub struct RateArgs {
            $(
                #[arg(
                    long = $flag,
                    value_name = "P",
                    default_value_t = Rates::DEFAULT.$field,
                    help = Corruption::$variant.description(),
                )]
                $field: f64,
            )*
        }

        impl RateArgs {
            fn rates(&self) -> Rates {
                Rates { $($field: self.$field,)* }
            }
        }
    };
}

rate_args! {
    diacritics: Diacritics = "rate-diacritics",
    nfd: Nfd = "rate-nfd",
    tone_new: ToneNew = "rate-tone-new",
    upper: Upper = "rate-upper",
    typo: Typo = "rate-typo",
    telex: Telex = "rate-telex",
    name_order: NameOrder = "rate-name-order",
    taboo: Taboo = "rate-taboo",
    middle_drop: MiddleDrop = "rate-middle-drop",
    middle_add: MiddleAdd = "rate-middle-add",
    dob_format: DobFormat = "rate-dob-format",
    dob_swap: DobSwap = "rate-dob-swap",
    dob_year_off: DobYearOff = "rate-dob-year-off",
    dob_year_only: DobYearOnly = "rate-dob-year-only",
    dob_missing: DobMissing = "rate-dob-missing",
    sex_code: SexCode = "rate-sex-code",
    sex_missing: SexMissing = "rate-sex-missing",
    sex_flip: SexFlip = "rate-sex-flip",
    addr_abbrev: AddrAbbrev = "rate-addr-abbrev",
    addr_missing_part: AddrMissingPart = "rate-addr-missing-part",
    addr_other_era: AddrOtherEra = "rate-addr-other-era",
    addr_moved: AddrMoved = "rate-addr-moved",
    phone_format: PhoneFormat = "rate-phone-format",
    phone_old_prefix: PhoneOldPrefix = "rate-phone-old-prefix",
    phone_other: PhoneOther = "rate-phone-other",
    phone_missing: PhoneMissing = "rate-phone-missing",
    id_missing: IdMissing = "rate-id-missing",
    id_lost_zeros: IdLostZeros = "rate-id-lost-zeros",
    id_typo: IdTypo = "rate-id-typo",
    id_cmnd: IdCmnd = "rate-id-cmnd",
    id_scientific: IdScientific = "rate-id-scientific",
    tcvn3: Tcvn3 = "rate-tcvn3",
    vni: Vni = "rate-vni",
}

impl Args {
    /// The validated configuration of these flags.
    fn config(&self) -> anyhow::Result<GenConfig> {
        let cfg = GenConfig {
            entities: self.entities,
            seed: self.seed,
            dup_rate: self.dup_rate,
            max_copies: self.max_copies,
            original_noise: self.original_noise,
            household_rate: self.household_rate,
            twin_rate: self.twin_rate,
            father_son_rate: self.father_son_rate,
            cluster_rate: self.cluster_rate,
            cluster_size: self.cluster_size,
            new_address_share: self.new_address_share,
            agency_ratio: self.agency_ratio,
            link_overlap: self.link_overlap,
            agency_dup_rate: self.agency_dup_rate,
            rates: self.rates.rates(),
        };
        cfg.validate().context("invalid gen flags")?;
        Ok(cfg)
    }
}

/// Runs `vnlink gen`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let cfg = args.config()?;
    let shape = match args.shape {
        ShapeArg::Dedupe => Shape::Dedupe,
        ShapeArg::Link => Shape::Link,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("cannot start the worker threads")?;
    let bar = ProgressBar::new(cfg.entities);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} entities ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let summary = pool.install(|| {
        synth::generate_with_progress(&cfg, shape, &args.out, &mut |n| bar.set_position(n))
    })?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let s = &summary.stats;
    println!(
        "{} entities, {} records in {secs:.2} s ({:.0} records/s, {} thread(s))",
        s.entities,
        s.records,
        s.records as f64 / secs.max(1e-9),
        pool.current_num_threads()
    );
    match shape {
        Shape::Dedupe => println!(
            "  {} originals, {} copies; {} entities with copies",
            s.clean_records, s.noisy_records, s.entities_with_copies
        ),
        Shape::Link => println!(
            "  registry {} rows, agency {} rows; people: {} registry only, {} both, {} agency only",
            s.registry_records, s.agency_records, s.registry_only, s.both, s.agency_only
        ),
    }
    println!(
        "  hard negatives: {} households ({} people), {} twin pairs, {} father/son namesakes, \
         {} common-name clusters ({} people)",
        s.households, s.household_members, s.twin_pairs, s.namesakes, s.clusters, s.cluster_members
    );
    println!(
        "  {:<18} {:>6} {:>22} {:>22}",
        "corruption", "rate", "noisy applied/eligible", "clean applied/eligible"
    );
    for c in &s.corruptions {
        println!(
            "  {:<18} {:>6.3} {:>13}/{:<8} {:>13}/{:<8}",
            c.name, c.rate, c.noisy.applied, c.noisy.eligible, c.clean.applied, c.clean.eligible
        );
    }
    for f in &summary.files {
        println!("  wrote {}", f.display());
    }
    if s.ids_reused > 0 {
        eprintln!(
            "warning: {} ID or phone numbers repeat another person's (a prefix ran out of numbers)",
            s.ids_reused
        );
        return Ok(ExitCode::from(super::EXIT_WARNINGS));
    }
    Ok(ExitCode::SUCCESS)
}
