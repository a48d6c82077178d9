//! Configuration of the generator: [`GenConfig`] (population, duplication and link parameters,
//! [`Locale`] and [`Columns`]), [`Rates`] (one probability per [`Corruption`]) and [`EnRates`]
//! (one per English-only [`EnCorruption`]), with their defaults and validation.
//!
//! Every rate is the probability that an *eligible* record receives that corruption (a record is
//! eligible when the corruption can change it: "drop Văn/Thị" needs a Văn or Thị, the pre-2018
//! phone prefix needs a current prefix that had an old one). Records of the noisy profile (copies
//! in `dedupe`, every `agency` row and the registry's extra copies in `link`) use the rates as
//! given; records of the clean profile (an entity's first record in `dedupe`, a registry
//! person's first row) use them multiplied by [`GenConfig::original_noise`].
//!
//! The English locale ([`Locale::En`]) uses the [`Corruption`]s that make sense for it (typos,
//! capitals, dates, sex, addresses, phones, ID digits) with their [`Rates`], and the
//! [`EnCorruption`]s (nicknames, e-mail, SSN, ZIP) with their [`EnRates`]; the Vietnamese-only
//! corruptions are never eligible there. A [`CorruptionSet`] holds both kinds: [`Corruption`] on
//! bits `0..`, [`EnCorruption`] on bits [`EN_BIT`]`..`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

macro_rules! corruptions {
    (
        $(#[$emeta:meta])* enum $enum:ident;
        $(#[$rmeta:meta])* rates $rates:ident;
        bit $bit:expr;
        $( $variant:ident, $field:ident, $name:literal, $default:expr, $doc:literal; )*
    ) => {
        $(#[$emeta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum $enum {
            $( #[doc = $doc] $variant, )*
        }

        impl $enum {
            /// Every corruption of this catalogue, in a fixed order (the order of `gen_stats.json`).
            pub const ALL: &'static [$enum] = &[$($enum::$variant),*];

            /// The number of corruption kinds of this catalogue.
            pub const COUNT: usize = $enum::ALL.len();

            /// The name used in `gen_stats.json` and in the `--rate-*` flags (with `-` for `_`).
            pub fn name(self) -> &'static str {
                match self { $($enum::$variant => $name,)* }
            }

            /// A one-line description (the `--help` text of its rate flag).
            pub fn description(self) -> &'static str {
                match self { $($enum::$variant => $doc,)* }
            }

            /// The position of `self` in `ALL`.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl CorruptionKind for $enum {
            fn bit(self) -> u32 {
                $bit + self as u32
            }
        }

        $(#[$rmeta])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub struct $rates {
            $( #[doc = $doc] pub $field: f64, )*
        }

        impl $rates {
            /// The defaults (see the module documentation of [`crate::synth`] for why).
            pub const DEFAULT: $rates = $rates { $( $field: $default, )* };

            /// The rate of `c`.
            pub fn get(&self, c: $enum) -> f64 {
                match c { $($enum::$variant => self.$field,)* }
            }

            /// Sets the rate of `c`.
            pub fn set(&mut self, c: $enum, rate: f64) {
                match c { $($enum::$variant => self.$field = rate,)* }
            }
        }

        impl Default for $rates {
            fn default() -> Self {
                $rates::DEFAULT
            }
        }
    };
}

/// A corruption kind of either catalogue: its bit in a [`CorruptionSet`].
pub trait CorruptionKind: Copy {
    /// The bit of this kind in a [`CorruptionSet`].
    fn bit(self) -> u32;
}

/// The first bit of the [`EnCorruption`]s in a [`CorruptionSet`].
pub const EN_BIT: u32 = 48;

corruptions! {
    /// One kind of damage a record can receive. The list is the catalogue of §2 of the
    /// generator's issue; each has its own rate in [`Rates`].
    enum Corruption;
    /// The rate of every [`Corruption`]: the probability that an eligible record of the
    /// noisy profile receives it.
    rates Rates;
    bit 0;
    Diacritics, diacritics, "diacritics", 0.15,
        "Diacritics dropped and `đ`→`d` (the whole record's text, or only the name or the address).";
    Nfd, nfd, "nfd", 0.05,
        "Name, address and sex written in NFD (decomposed) Unicode.";
    ToneNew, tone_new, "tone_new", 0.15,
        "The \"new\" tone placement on open `oa`/`oe`/`uy` syllables (hòa→hoà, thủy→thuỷ, khỏe→khoẻ).";
    Upper, upper, "upper", 0.10,
        "Name (or name and address) in capitals.";
    Typo, typo, "typo", 0.08,
        "One typing error in the name or the address: keyboard-neighbour substitution, insertion, deletion or transposition.";
    Telex, telex, "telex", 0.02,
        "One word of the name left as Telex keystrokes (\"Nguyeenx\", \"Thij\").";
    NameOrder, name_order, "name_order", 0.03,
        "Given name first (\"An Nguyễn Văn\", \"An Nguyễn\", \"Văn An Nguyễn\").";
    Taboo, taboo, "taboo", 0.20,
        "Southern taboo form swapped: Hoàng↔Huỳnh, Vũ↔Võ, Phúc↔Phước.";
    MiddleDrop, middle_drop, "middle_drop", 0.10,
        "Middle marker Văn/Thị dropped.";
    MiddleAdd, middle_add, "middle_add", 0.05,
        "Middle marker Văn/Thị added (by sex) where the person has none.";
    DobFormat, dob_format, "dob_format", 0.25,
        "Date of birth in another format: d/m/yyyy, yyyy-mm-dd, dd.mm.yyyy, dd-mm-yyyy, yyyymmdd, dd/mm/yy, an Excel serial number or \"ngày … tháng … năm …\".";
    DobSwap, dob_swap, "dob_swap", 0.02,
        "Day and month swapped (US-locale import).";
    DobYearOff, dob_year_off, "dob_year_off", 0.02,
        "Birth year off by one.";
    DobYearOnly, dob_year_only, "dob_year_only", 0.03,
        "Only the birth year.";
    DobMissing, dob_missing, "dob_missing", 0.03,
        "Date of birth missing.";
    SexCode, sex_code, "sex_code", 0.10,
        "Sex written `M`/`F` instead of `Nam`/`Nữ`.";
    SexMissing, sex_missing, "sex_missing", 0.05,
        "Sex missing.";
    SexFlip, sex_flip, "sex_flip", 0.005,
        "Sex wrong (data-entry error).";
    AddrAbbrev, addr_abbrev, "addr_abbrev", 0.40,
        "Unit abbreviations and aliases (P., Q.1, F5, TP.HCM, HN, SN, Đ. …).";
    AddrMissingPart, addr_missing_part, "addr_missing_part", 0.15,
        "One or two parts of the address missing (street line, ward, district, province).";
    AddrOtherEra, addr_other_era, "addr_other_era", 0.25,
        "Address written in the other era than the entity's usual one (old three-level units where the other record has the new two-level ones, or the reverse).";
    AddrMoved, addr_moved, "addr_moved", 0.05,
        "A different address altogether (the person moved).";
    PhoneFormat, phone_format, "phone_format", 0.20,
        "Phone written +84/84/0084, with spaces, dots or dashes, or without its leading 0.";
    PhoneOldPrefix, phone_old_prefix, "phone_old_prefix", 0.10,
        "Phone with its pre-2018 11-digit prefix (only where the current prefix had one).";
    PhoneOther, phone_other, "phone_other", 0.03,
        "Another phone number (the person changed numbers).";
    PhoneMissing, phone_missing, "phone_missing", 0.15,
        "Phone missing.";
    IdMissing, id_missing, "id_missing", 0.10,
        "ID number missing.";
    IdLostZeros, id_lost_zeros, "id_lost_zeros", 0.08,
        "Leading zeros of the ID dropped (as a spreadsheet does).";
    IdTypo, id_typo, "id_typo", 0.02,
        "One ID digit mistyped or two adjacent digits swapped.";
    IdCmnd, id_cmnd, "id_cmnd", 0.08,
        "The person's 9-digit CMND instead of the CCCD (an unrelated number).";
    IdScientific, id_scientific, "id_scientific", 0.01,
        "The CCCD shown in scientific notation by a spreadsheet (`7.9088E+10`).";
    Tcvn3, tcvn3, "tcvn3", 0.01,
        "The record's text fields in TCVN3 mojibake (`NguyÔn`).";
    Vni, vni, "vni", 0.01,
        "The record's text fields in VNI-Windows mojibake (`Nguyeãn`).";
}

corruptions! {
    /// One kind of damage of the English locale only ([`Locale::En`]); each has its own rate in
    /// [`EnRates`]. The English records also receive the [`Corruption`]s that apply to them.
    enum EnCorruption;
    /// The rate of every [`EnCorruption`]: the probability that an eligible record of the noisy
    /// profile receives it.
    rates EnRates;
    bit EN_BIT;
    Nickname, nickname, "nickname", 0.15,
        "First name written as a nickname (William→Bill, Elizabeth→Liz, Katherine→Kate).";
    MiddleInitial, middle_initial, "middle_initial", 0.25,
        "Middle name written as its initial (\"J\" or \"J.\").";
    EmailMissing, email_missing, "email_missing", 0.25,
        "E-mail missing (of people who have one).";
    EmailOther, email_other, "email_other", 0.05,
        "Another e-mail address: the same name at another provider, or another pattern.";
    EmailTypo, email_typo, "email_typo", 0.03,
        "One typing error in the e-mail (local part or provider: gmial.com, yaho.com).";
    SsnMissing, ssn_missing, "ssn_missing", 0.40,
        "SSN missing (many forms do not ask for it).";
    SsnNoDashes, ssn_no_dashes, "ssn_no_dashes", 0.20,
        "SSN written without dashes (123456789).";
    PostcodeWrong, postcode_wrong, "postcode_wrong", 0.03,
        "ZIP code wrong: a neighbouring code or two digits transposed.";
}

// `CorruptionSet` is a `u64` bit set.
const _: () = assert!(Corruption::COUNT <= EN_BIT as usize);
const _: () = assert!(EN_BIT as usize + EnCorruption::COUNT <= 64);

/// The set of corruptions one record received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CorruptionSet(u64);

impl CorruptionSet {
    /// The empty set.
    pub const EMPTY: CorruptionSet = CorruptionSet(0);

    /// Whether `c` is in the set.
    pub fn contains(self, c: impl CorruptionKind) -> bool {
        self.0 & (1 << c.bit()) != 0
    }

    /// Adds `c`.
    pub fn insert(&mut self, c: impl CorruptionKind) {
        self.0 |= 1 << c.bit();
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The corruptions in the set, in the order of [`Corruption::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Corruption> {
        Corruption::ALL.iter().copied().filter(move |&c| self.contains(c))
    }

    /// The English-only corruptions in the set, in the order of [`EnCorruption::ALL`].
    pub fn iter_en(self) -> impl Iterator<Item = EnCorruption> {
        EnCorruption::ALL.iter().copied().filter(move |&c| self.contains(c))
    }
}

/// The population and language of the records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Vietnamese people, the standard header or [`Columns::Split`] (the default).
    #[default]
    Vi,
    /// United States people (names, addresses, phones, SSNs, e-mails) with the header
    /// `record_id,first_name,middle_name,last_name,dob,sex,street_address,suburb,state,postcode,email,phone,ssn`.
    En,
}

impl Locale {
    /// Whether this is the default, [`Locale::Vi`].
    pub fn is_default(&self) -> bool {
        *self == Locale::Vi
    }
}

/// The column layout of Vietnamese records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Columns {
    /// `record_id,full_name,dob,sex,address,id_number,phone` (the default).
    #[default]
    Joined,
    /// The name in three columns and the address in five, as Vietnamese forms have them:
    /// `record_id,Họ,Chữ đệm,Tên,Ngày sinh,Giới tính,Số nhà,Đường/Thôn,Phường/Xã,Quận/Huyện,Tỉnh/Thành phố,Số CCCD,Số điện thoại`.
    Split,
}

impl Columns {
    /// Whether this is the default, [`Columns::Joined`].
    pub fn is_default(&self) -> bool {
        *self == Columns::Joined
    }
}

/// Everything the generator needs besides the output shape and directory.
///
/// The defaults aim at a realistic national register extract; see the module documentation of
/// [`crate::synth`] for the reasons behind each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenConfig {
    /// Number of entities (people) generated. In `link`, people are split between registry
    /// only, both files and agency only (see [`GenConfig::agency_ratio`]).
    pub entities: u64,
    /// The seed: the same seed and configuration give byte-identical output whatever the number
    /// of threads.
    pub seed: u64,
    /// The people and language of the records. Serialised only when not the default.
    #[serde(default, skip_serializing_if = "Locale::is_default")]
    pub locale: Locale,
    /// The column layout ([`Locale::Vi`] only). Serialised only when not the default.
    #[serde(default, skip_serializing_if = "Columns::is_default")]
    pub columns: Columns,
    /// `dedupe`: share of entities that have extra (corrupted) copies, in
    /// [0, [`MAX_DUP_RATE`]]; 0 gives a clean register (every entity once).
    pub dup_rate: f64,
    /// `link`: share of registry people that have extra (corrupted, noisy-profile) copies in the
    /// registry, in [0, [`MAX_DUP_RATE`]]; default 0, every registry person once. Serialised only
    /// when not 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub registry_dup_rate: f64,
    /// `dedupe`, `registry_dup_rate` and `agency_dup_rate`: most extra copies of one entity; the
    /// number of copies is 1 + a geometric(½) count, capped.
    pub max_copies: u32,
    /// Multiplier of every rate for clean-profile records (an entity's first record in `dedupe`,
    /// a registry person's first row in `link`).
    pub original_noise: f64,
    /// Share of entities that live in multi-person households (same family name and address).
    pub household_rate: f64,
    /// Probability that a household with two or more children has twins among them.
    pub twin_rate: f64,
    /// Probability that a household with a father and a son gives the son the father's full name.
    pub father_son_rate: f64,
    /// Share of entities that belong to a common-name cluster (same full name, province and birth
    /// year, e.g. "Nguyễn Văn Hùng", Nghệ An, 1988).
    pub cluster_rate: f64,
    /// Target number of people per common-name cluster (clusters = entities × rate ÷ size,
    /// at least one when the rate is positive).
    pub cluster_size: u64,
    /// Share of entities whose records are written with post-2025 addresses (new ward, new
    /// province); the others use pre-2025 three-level addresses.
    pub new_address_share: f64,
    /// `link`: agency rows per registry row (approximately).
    pub agency_ratio: f64,
    /// `link`: share of agency rows whose person is in the registry.
    pub link_overlap: f64,
    /// `link`: share of agency people with extra rows in the agency file (internal duplicates).
    pub agency_dup_rate: f64,
    /// The rate of every corruption.
    pub rates: Rates,
    /// The rate of every English-only corruption ([`Locale::En`]). Serialised only for that
    /// locale (by `gen_stats.json`).
    #[serde(default, skip_serializing)]
    pub en_rates: EnRates,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            entities: 10_000,
            seed: 0,
            dup_rate: 0.35,
            registry_dup_rate: 0.0,
            max_copies: 3,
            original_noise: 0.2,
            household_rate: 0.30,
            twin_rate: 0.05,
            father_son_rate: 0.03,
            cluster_rate: 0.03,
            cluster_size: 2_000,
            new_address_share: 0.30,
            agency_ratio: 0.5,
            link_overlap: 0.65,
            agency_dup_rate: 0.0,
            rates: Rates::DEFAULT,
            locale: Locale::Vi,
            columns: Columns::Joined,
            en_rates: EnRates::DEFAULT,
        }
    }
}

/// The largest duplicate rate ([`GenConfig::dup_rate`], [`GenConfig::registry_dup_rate`]): at
/// most half of the entities of a file are written more than once.
pub const MAX_DUP_RATE: f64 = 0.5;

/// Whether `x` is 0 (serde: the default of an optional rate).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl GenConfig {
    /// Checks every parameter: `dup_rate` and `registry_dup_rate` in [0, [`MAX_DUP_RATE`]],
    /// other probabilities in [0, 1], at least one entity, `max_copies` ≥ 1,
    /// `cluster_size` ≥ 1, `agency_ratio` > 0, `agency_ratio × link_overlap` ≤ 1, and
    /// [`Columns::Split`] only with [`Locale::Vi`].
    pub fn validate(&self) -> Result<()> {
        let bad = |key: &str, reason: String| {
            Err(Error::Config { path: None, key: key.to_owned(), reason })
        };
        if self.entities == 0 {
            return bad("entities", "must be at least 1".into());
        }
        if self.max_copies == 0 {
            return bad("max_copies", "must be at least 1".into());
        }
        if self.cluster_size == 0 {
            return bad("cluster_size", "must be at least 1".into());
        }
        for (key, p) in [("dup_rate", self.dup_rate), ("registry_dup_rate", self.registry_dup_rate)]
        {
            if !(0.0..=MAX_DUP_RATE).contains(&p) {
                return bad(
                    key,
                    format!(
                        "{p} is not a share of duplicated entities in [0, {MAX_DUP_RATE}] \
                         (0 = every entity once)"
                    ),
                );
            }
        }
        let probs = [
            ("original_noise", self.original_noise),
            ("household_rate", self.household_rate),
            ("twin_rate", self.twin_rate),
            ("father_son_rate", self.father_son_rate),
            ("cluster_rate", self.cluster_rate),
            ("new_address_share", self.new_address_share),
            ("link_overlap", self.link_overlap),
            ("agency_dup_rate", self.agency_dup_rate),
        ];
        for (key, p) in probs {
            if !(0.0..=1.0).contains(&p) {
                return bad(key, format!("{p} is not a probability in [0, 1]"));
            }
        }
        for &c in Corruption::ALL {
            let p = self.rates.get(c);
            if !(0.0..=1.0).contains(&p) {
                return bad(&format!("rates.{}", c.name()), format!("{p} is not in [0, 1]"));
            }
        }
        for &c in EnCorruption::ALL {
            let p = self.en_rates.get(c);
            if !(0.0..=1.0).contains(&p) {
                return bad(&format!("en_rates.{}", c.name()), format!("{p} is not in [0, 1]"));
            }
        }
        if self.locale == Locale::En && self.columns == Columns::Split {
            return bad(
                "columns",
                "split columns are a Vietnamese layout; the English locale has its own columns"
                    .into(),
            );
        }
        if self.household_rate + self.cluster_rate > 1.0 {
            return bad("cluster_rate", "household_rate + cluster_rate must not exceed 1".into());
        }
        if !(self.agency_ratio > 0.0 && self.agency_ratio.is_finite()) {
            return bad("agency_ratio", format!("{} must be a positive number", self.agency_ratio));
        }
        if self.agency_ratio * self.link_overlap > 1.0 {
            return bad(
                "agency_ratio",
                format!(
                    "agency_ratio × link_overlap = {} exceeds 1: the agency cannot hold more \
                     registry people than the registry has",
                    self.agency_ratio * self.link_overlap
                ),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_consistent() {
        for (i, &c) in Corruption::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
            assert!((0.0..=1.0).contains(&Rates::DEFAULT.get(c)), "{}", c.name());
        }
        let mut r = Rates::DEFAULT;
        r.set(Corruption::Vni, 0.5);
        assert!((r.vni - 0.5).abs() < f64::EPSILON);
        let mut s = CorruptionSet::EMPTY;
        s.insert(Corruption::Typo);
        s.insert(Corruption::Vni);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Corruption::Typo, Corruption::Vni]);
    }

    #[test]
    fn validation_rejects_bad_values() {
        assert!(GenConfig::default().validate().is_ok());
        let mut c = GenConfig { entities: 0, ..GenConfig::default() };
        assert!(c.validate().is_err());
        c = GenConfig { dup_rate: 1.5, ..GenConfig::default() };
        assert!(c.validate().is_err());
        // Duplicate rates: [0, 0.5].
        for (dup_rate, registry_dup_rate, key) in
            [(0.6, 0.0, "`dup_rate`"), (0.0, 0.6, "`registry_dup_rate`"), (-0.1, 0.0, "`dup_rate`")]
        {
            c = GenConfig { dup_rate, registry_dup_rate, ..GenConfig::default() };
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(key) && e.contains("[0, 0.5]"), "{e}");
        }
        c = GenConfig { dup_rate: MAX_DUP_RATE, registry_dup_rate: 0.5, ..GenConfig::default() };
        assert!(c.validate().is_ok());
        c = GenConfig { agency_ratio: 2.0, link_overlap: 0.9, ..GenConfig::default() };
        assert!(c.validate().is_err());
        c = GenConfig::default();
        c.rates.typo = -0.1;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("rates.typo"), "{e}");
        c = GenConfig::default();
        c.en_rates.nickname = 2.0;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("en_rates.nickname"), "{e}");
        c = GenConfig { locale: Locale::En, columns: Columns::Split, ..GenConfig::default() };
        assert!(c.validate().is_err());
        c.columns = Columns::Joined;
        assert!(c.validate().is_ok());
    }

    #[test]
    fn registry_dup_rate_is_serialised_only_when_set() {
        let json = |c: &GenConfig| serde_json::to_value(c).unwrap();
        let d = GenConfig::default();
        assert!(json(&d).get("registry_dup_rate").is_none());
        let c = GenConfig { registry_dup_rate: 0.25, ..GenConfig::default() };
        assert_eq!(json(&c)["registry_dup_rate"], 0.25);
        // And read back, with or without it.
        let back: GenConfig = serde_json::from_value(json(&d)).unwrap();
        assert_eq!(back, d);
        let back: GenConfig = serde_json::from_value(json(&c)).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn both_catalogues_share_one_set() {
        let mut s = CorruptionSet::EMPTY;
        s.insert(EnCorruption::Nickname);
        assert!(s.contains(EnCorruption::Nickname));
        assert!(!s.contains(Corruption::Diacritics), "bits do not overlap");
        assert_eq!(s.iter().count(), 0);
        s.insert(Corruption::Vni);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Corruption::Vni]);
        assert_eq!(s.iter_en().collect::<Vec<_>>(), vec![EnCorruption::Nickname]);
        for &c in EnCorruption::ALL {
            assert!((0.0..=1.0).contains(&EnRates::DEFAULT.get(c)), "{}", c.name());
        }
    }
}
