//! `vnlink gen`: flags → [`GenOptions`] (the duplicate rates resolved and checked by
//! [`GenOptions::config`]) → [`synth::generate_with_progress`] on a rayon pool of `--threads`
//! with a progress bar → a summary with the observed rate of every corruption.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use anyhow::Context;
use clap::ValueEnum;
use vnlink::synth::{
    self, Columns, Corruption, Duplicates, EnCorruption, EnRates, GenConfig, GenOptions, Locale,
    Rates, Shape,
};

/// The output shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// One file, `records.csv`, with duplicates.
    Dedupe,
    /// `registry.csv` and `agency.csv`, to link.
    Link,
}

/// The people and language of the records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LocaleArg {
    /// Vietnamese people.
    Vi,
    /// United States people (English names, US addresses, phones, SSNs, e-mails).
    En,
}

/// The column layout of Vietnamese records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColumnsArg {
    /// One name column and one address column.
    Joined,
    /// The name in three columns, the address in five, as Vietnamese forms have them.
    Split,
}

const ABOUT: &str = "Generate a synthetic population with ground truth (Vietnamese or English)";

const AFTER_HELP: &str = "\
Writes to DIR: records.csv (dedupe) or registry.csv + agency.csv (link); truth.csv
(record_id,entity_id[,source]); gen_stats.json (configuration and counts). The same seed and
flags give byte-identical files whatever --threads.

Record headers:
  --locale vi --columns joined (default):
    record_id,full_name,dob,sex,address,id_number,phone
  --locale vi --columns split (same people, records, corruptions and truth as joined; the name
  in family/middle/given columns, the address in house number/street or hamlet/ward/district/
  province columns; about half of the unabbreviated units as bare names, the district empty for
  post-2025 addresses; --rate-name-order swaps the family and given columns):
    record_id,Họ,Chữ đệm,Tên,Ngày sinh,Giới tính,Số nhà,Đường/Thôn,Phường/Xã,Quận/Huyện,
    Tỉnh/Thành phố,Số CCCD,Số điện thoại   (one line in the file)
  --locale en (United States people derived from the Vietnamese population of the seed: same
  entities, households, twins, namesakes (\"Jr\"), clusters and truth structure; dob yyyy-mm-dd,
  sex F/M, 5-digit ZIP in postcode, phone 555-123-4567, ssn 123-45-6789; the Vietnamese-only
  corruptions do not apply, the --rate-en-* flags add nicknames, middle initials, e-mail, SSN
  and ZIP damage):
    record_id,first_name,middle_name,last_name,dob,sex,street_address,suburb,state,postcode,
    email,phone,ssn   (one line in the file)

Duplicates (extra copies, corrupted with the noisy profile; 1 + geometric(1/2) of them, at
most --max-copies):
  --shape dedupe  --dup-rate of the entities have copies in records.csv (in [0, 0.5];
                  default 0.35).
  --shape link    --registry-dup-rate of the registry people have copies in registry.csv (in
                  [0, 0.5]; default 0: every registry person once); --agency-dup-rate of the
                  agency people have copies in agency.csv (default 0).
  --clean         a clean register, no person twice in it: sets --dup-rate 0 (dedupe) or
                  --registry-dup-rate 0 (link; agency.csv keeps --agency-dup-rate). Nothing
                  else changes: clean-profile noise (--original-noise), households, twins,
                  namesakes and common-name clusters stay. An error with a non-zero
                  --dup-rate or --registry-dup-rate.
  A non-zero --dup-rate is an error with --shape link, a non-zero --registry-dup-rate with
  --shape dedupe.

Examples:
  vnlink gen --shape dedupe --entities 1250 --seed 42 --out data/sample
  vnlink gen --shape dedupe --entities 100000 --seed 7 --out /tmp/clean --clean
  vnlink gen --shape link --entities 100000 --seed 7 --out /tmp/regdup --registry-dup-rate 0.2
  vnlink gen --shape link --entities 100000 --seed 7 --out /tmp/link --agency-ratio 0.8
  vnlink gen --shape dedupe --entities 100000 --seed 7 --out /tmp/split --columns split
  vnlink gen --shape link --entities 100000 --seed 7 --out /tmp/en --locale en
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
    /// People and language of the records: Vietnamese, or English (United States).
    #[arg(long, value_enum, default_value_t = LocaleArg::Vi)]
    locale: LocaleArg,
    /// Column layout of Vietnamese records (see below); not with --locale en.
    #[arg(long, value_enum, default_value_t = ColumnsArg::Joined)]
    columns: ColumnsArg,
    /// Worker threads (0 = one per core). Does not change the output.
    #[arg(long, value_name = "T", default_value_t = 0)]
    threads: usize,
    /// Share of entities with extra corrupted copies in records.csv (dedupe), in [0, 0.5]
    /// [default: 0.35]
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    dup_rate: Option<f64>,
    /// Share of registry people with extra corrupted copies in registry.csv (link), in [0, 0.5]
    /// [default: 0]
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    registry_dup_rate: Option<f64>,
    /// A clean register: no person twice in records.csv (dedupe: --dup-rate 0) or registry.csv
    /// (link: --registry-dup-rate 0); see below.
    #[arg(long)]
    clean: bool,
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
    #[command(flatten)]
    en_rates: EnRateArgs,
}

/// The `--rate-*` flags of a corruption catalogue, made from it: a corruption's flag is the
/// prefix and its name (`-` for `_`), its help its description, its default the catalogue's.
macro_rules! rate_flags {
    (
        $(#[$meta:meta])* $name:ident: $kind:ident, $rates:ident, $prefix:literal,
        $heading:literal
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name($rates);

        impl clap::FromArgMatches for $name {
            fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
                let mut rates = $rates::DEFAULT;
                for &c in $kind::ALL {
                    if let Some(&r) = m.get_one::<f64>(c.name()) {
                        rates.set(c, r);
                    }
                }
                Ok($name(rates))
            }

            fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> clap::error::Result<()> {
                *self = Self::from_arg_matches(m)?;
                Ok(())
            }
        }

        impl clap::Args for $name {
            fn augment_args(cmd: clap::Command) -> clap::Command {
                // clap takes 'static flag names and defaults: made once.
                static FLAGS: OnceLock<Vec<(String, String)>> = OnceLock::new();
                let flags = FLAGS.get_or_init(|| {
                    let flag = |c: $kind| format!("{}{}", $prefix, c.name().replace('_', "-"));
                    let default = |c: $kind| $rates::DEFAULT.get(c).to_string();
                    $kind::ALL.iter().map(|&c| (flag(c), default(c))).collect()
                });
                let args = $kind::ALL.iter().zip(flags).map(|(&c, (flag, default))| {
                    clap::Arg::new(c.name())
                        .long(flag.as_str())
                        .value_name("P")
                        .value_parser(clap::value_parser!(f64))
                        .default_value(default.as_str())
                        .help(c.description())
                });
                cmd.next_help_heading($heading).args(args)
            }

            fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
                Self::augment_args(cmd)
            }
        }
    };
}

rate_flags! {
    /// One flag per corruption rate.
    RateArgs: Corruption, Rates, "rate-",
        "Corruption rates (per eligible noisy record; clean records: × --original-noise)"
}

rate_flags! {
    /// One flag per English-only corruption rate.
    EnRateArgs: EnCorruption, EnRates, "rate-en-",
        "English-only corruption rates (--locale en; per eligible noisy record; clean records: \
         × --original-noise)"
}

impl Args {
    /// The library's options of these flags.
    fn options(&self) -> GenOptions {
        let d = GenConfig::default();
        GenOptions {
            config: GenConfig {
                entities: self.entities,
                seed: self.seed,
                dup_rate: d.dup_rate,
                registry_dup_rate: d.registry_dup_rate,
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
                rates: self.rates.0.clone(),
                locale: match self.locale {
                    LocaleArg::Vi => Locale::Vi,
                    LocaleArg::En => Locale::En,
                },
                columns: match self.columns {
                    ColumnsArg::Joined => Columns::Joined,
                    ColumnsArg::Split => Columns::Split,
                },
                en_rates: self.en_rates.0.clone(),
            },
            shape: match self.shape {
                ShapeArg::Dedupe => Shape::Dedupe,
                ShapeArg::Link => Shape::Link,
            },
            duplicates: Duplicates {
                dup_rate: self.dup_rate,
                registry_dup_rate: self.registry_dup_rate,
                clean: self.clean,
            },
        }
    }
}

/// Runs `vnlink gen`.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let opts = args.options();
    let cfg = opts.config().context("invalid gen flags")?;
    let shape = opts.shape;
    super::common::check_threads(args.threads)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("cannot start the worker threads")?;
    let bar = super::common::bar(false, Some(cfg.entities), "generate");
    let start = Instant::now();
    let summary = pool.install(|| {
        synth::generate_with_progress(&cfg, shape, &args.out, &mut |n| bar.set_position(n))
    })?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let stdout = std::io::stdout();
    summary.write_text(&mut stdout.lock(), secs, pool.current_num_threads())?;
    let ids_reused = summary.stats.ids_reused;
    if ids_reused > 0 {
        eprintln!(
            "warning: {ids_reused} ID or phone numbers repeat another person's (a prefix ran out \
             of numbers)"
        );
        return Ok(ExitCode::from(super::EXIT_WARNINGS));
    }
    Ok(ExitCode::SUCCESS)
}
