//! Reference data embedded in the binary: Vietnamese names with frequencies, English nicknames, the administrative
//! units before and after the 2025-07-01 reform with the old→new mapping, the 2018 mobile-prefix
//! conversion, CCCD province codes and the legacy-encoding tables.
//!
//! The CSV files of `data/` are compiled into the binary with `include_str!` and parsed once, on
//! first use, into `'static` tables: the binary needs no data file at run time. Parsing all of
//! them takes a few milliseconds. Licences and sources are in `data/*/README.md` and
//! `data/LICENSES.md`.
//!
//! Invariants: every table is in file order; codes are kept as the strings of the files
//! (`"01"`, `"001"`, `"00004"`), with leading zeros.

// Some columns (name sex hints, carriers) are read only by the synthetic population.
#![cfg_attr(not(feature = "synth"), allow(dead_code))]

use std::sync::OnceLock;

use serde::Deserialize;

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Vec<T> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    rdr.deserialize()
        .enumerate()
        // The embedded files are fixed at compile time and checked by the tests below, so a
        // failure here is a build defect, not bad user input.
        .map(|(i, r)| r.unwrap_or_else(|e| panic!("embedded data/{name} row {}: {e}", i + 2)))
        .collect()
}

macro_rules! table {
    ($(#[$doc:meta])* $fn:ident, $ty:ty, $file:literal) => {
        $(#[$doc])*
        pub fn $fn() -> &'static [$ty] {
            static CELL: OnceLock<Vec<$ty>> = OnceLock::new();
            CELL.get_or_init(|| parse($file, include_str!(concat!("../data/", $file))))
        }
    };
}

fn opt_f32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f32>, D::Error> {
    let s: &str = Deserialize::deserialize(d)?;
    if s.is_empty() { Ok(None) } else { s.parse().map(Some).map_err(serde::de::Error::custom) }
}

fn bool01<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s: &str = Deserialize::deserialize(d)?;
    Ok(s == "1")
}

/// A family name (`data/vn-names/family_names.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct FamilyName {
    /// The name, NFC, capitalised ("Nguyễn").
    pub name: String,
    /// Equivalence class: `Hoàng|Huỳnh`, `Vũ|Võ`, or the name itself.
    pub equivalence_class: String,
    /// Share of the population in percent, for the 14 names that have a published figure.
    #[serde(deserialize_with = "opt_f32")]
    pub population_share_pct: Option<f32>,
    /// Count in the UIT student sample (8,736 names).
    pub uit_sample_count: u32,
}

/// A middle or given name with its sex evidence (`middle_names.csv`, `given_names.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct NamePart {
    /// The name, NFC, capitalised.
    pub name: String,
    /// `M`, `F` or `U` (unisex / unknown).
    pub sex_hint: String,
    /// Number of male occurrences in the sources.
    pub male_evidence: u32,
    /// Number of female occurrences in the sources.
    pub female_evidence: u32,
    /// Count in the UIT sample.
    pub uit_sample_count: u32,
}

/// A name equivalence (`name_equivalences.csv`): `a` and `b` are the same name.
#[derive(Debug, Clone, Deserialize)]
pub struct NameEquivalence {
    /// One spelling.
    pub a: String,
    /// The other spelling.
    pub b: String,
    /// Parts it applies to, `;`-separated: `family`, `middle`, `given`.
    pub applies_to: String,
}

/// An English nickname (`en-names/nicknames.csv`): `name2` is a nickname or diminutive of
/// `name1` (Bill of William, Peggy of Margaret). Lower case ASCII.
#[derive(Debug, Clone, Deserialize)]
pub struct Nickname {
    /// The formal name ("william").
    pub name1: String,
    /// Always `has_nickname` in the current table.
    pub relationship: String,
    /// The nickname ("bill").
    pub name2: String,
}

/// A word or phrase that forms write in place of an English name (`en-names/placeholders.csv`):
/// a title, a household role, a refusal ("Mr", "Lady Of The House", "Refused"). Lower case ASCII.
#[derive(Debug, Clone, Deserialize)]
pub struct Placeholder {
    /// The phrase, words joined by one space ("lady of the house").
    pub phrase: String,
    /// Whether it stands for a name in the family-name position too (`false` for words that
    /// are also real surnames: Son, Friend, House).
    #[serde(deserialize_with = "bool01")]
    pub family: bool,
}

/// A province before the reform (`old_provinces.csv`) or after it (`new_provinces.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct Province {
    /// Two-digit code.
    pub code: String,
    /// Bare name ("Hà Nội").
    pub name: String,
    /// Type word + name ("Thành phố Hà Nội").
    pub full_name: String,
    /// `Tỉnh` or `Thành phố`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A district before the reform (`old_districts.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct District {
    /// Three-digit code.
    pub code: String,
    /// Bare name.
    pub name: String,
    /// Type word + name.
    pub full_name: String,
    /// `Huyện`, `Quận`, `Thị xã` or `Thành phố`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Province code.
    pub province_code: String,
}

/// A ward or commune before the reform (`old_wards.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct OldWard {
    /// Five-digit code.
    pub code: String,
    /// Bare name.
    pub name: String,
    /// Type word + name.
    pub full_name: String,
    /// `Phường`, `Xã` or `Thị trấn`.
    #[serde(rename = "type")]
    pub kind: String,
    /// District code.
    pub district_code: String,
    /// Province code.
    pub province_code: String,
}

/// A ward or commune after the reform (`new_wards.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct NewWard {
    /// Five-digit code.
    pub code: String,
    /// Bare name.
    pub name: String,
    /// Type word + name.
    pub full_name: String,
    /// `Phường`, `Xã` or `Đặc khu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Province code (new).
    pub province_code: String,
}

/// Old province → new province (`map_province.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct ProvinceMap {
    /// Old code.
    pub old_code: String,
    /// New code.
    pub new_code: String,
}

/// One (old ward, new ward) pair of the 2025 mapping (`map_ward.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct WardMap {
    /// Old ward code; empty for the 5 island districts that had no communes.
    pub old_ward_code: String,
    /// Old district code.
    pub old_district_code: String,
    /// New ward code.
    pub new_ward_code: String,
    /// The old ward was divided among several new ones.
    #[serde(deserialize_with = "bool01")]
    pub split: bool,
    /// The successor chosen when nothing finer is known.
    #[serde(deserialize_with = "bool01")]
    pub is_default: bool,
}

/// A name variant of an administrative unit (`name_variants.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct NameVariant {
    /// `province`, `district` or `ward`.
    pub level: String,
    /// `old` or `new`.
    pub era: String,
    /// The unit's code.
    pub code: String,
    /// The variant: an ASCII key (`phuongnguyentrungtruc`, `hcm`) or a GSO spelling.
    pub variant: String,
    /// `ascii_key_alias` or `gso_spelling`.
    pub kind: String,
}

/// A TCVN3 byte (`vn-encoding/tcvn3.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct Tcvn3Entry {
    /// The byte, two hex digits.
    pub byte_hex: String,
    /// The Vietnamese letter it stands for.
    pub unicode: String,
}

/// A VNI-Windows sequence (`vn-encoding/vni_windows.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct VniEntry {
    /// The Vietnamese letter.
    pub unicode: String,
    /// Its one- or two-character VNI form as seen in Windows-1252.
    pub vni_as_cp1252: String,
}

/// A common word in Unicode, TCVN3 and VNI (`vn-encoding/canaries.csv`), for tests.
#[cfg(test)]
#[derive(Debug, Clone, Deserialize)]
pub struct Canary {
    /// The word in Unicode.
    pub unicode: String,
    /// The word in TCVN3, as seen in Windows-1252.
    pub tcvn3_as_cp1252: String,
    /// The word in VNI, as seen in Windows-1252.
    pub vni_as_cp1252: String,
}

/// A 2018 mobile-prefix conversion (`vn-phone/prefix_2018.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct PrefixConversion {
    /// Old 4-digit prefix with the trunk 0 ("0162").
    pub old_prefix: String,
    /// New 3-digit prefix with the trunk 0 ("032").
    pub new_prefix: String,
}

/// A current mobile prefix (`vn-phone/mobile_prefixes.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct MobilePrefix {
    /// 3-digit prefix with the trunk 0 ("032").
    pub prefix: String,
    /// Carrier according to `vn-ident`, may be empty.
    pub carrier_vn_ident: String,
    /// `yes`, `partial` or `no`: whether the three sources agree.
    pub all_three_agree: String,
}

/// A CCCD birth-province code (`vn-id/cccd_province_codes.csv`).
#[derive(Debug, Clone, Deserialize)]
pub struct CccdProvince {
    /// The 3-digit code ("001").
    pub cccd_code: String,
}

table!(
    /// Family names, most frequent first.
    family_names, FamilyName, "vn-names/family_names.csv");
table!(
    /// Middle names, most frequent first.
    middle_names, NamePart, "vn-names/middle_names.csv");
table!(
    /// Given names, most frequent first.
    given_names, NamePart, "vn-names/given_names.csv");
table!(
    /// Name equivalences.
    name_equivalences, NameEquivalence, "vn-names/name_equivalences.csv");
table!(
    /// English nicknames and diminutives (carltonnorthern/nicknames, Apache-2.0).
    nicknames, Nickname, "en-names/nicknames.csv");
table!(
    /// Words and phrases written in place of an English name (titles, household roles, refusals).
    placeholders, Placeholder, "en-names/placeholders.csv");
table!(
    /// The 63 provinces before the reform.
    old_provinces, Province, "vn-admin/old_provinces.csv");
table!(
    /// The 696 districts before the reform.
    old_districts, District, "vn-admin/old_districts.csv");
table!(
    /// The 10,035 wards and communes before the reform.
    old_wards, OldWard, "vn-admin/old_wards.csv");
table!(
    /// The 34 provinces after the reform.
    new_provinces, Province, "vn-admin/new_provinces.csv");
table!(
    /// The 3,321 wards and communes after the reform.
    new_wards, NewWard, "vn-admin/new_wards.csv");
table!(
    /// Old → new province codes.
    province_map, ProvinceMap, "vn-admin/map_province.csv");
table!(
    /// Old → new ward pairs (a split ward has several rows).
    ward_map, WardMap, "vn-admin/map_ward.csv");
table!(
    /// Former names, short forms and GSO spellings of units.
    name_variants, NameVariant, "vn-admin/name_variants.csv");
table!(
    /// TCVN3 bytes.
    tcvn3, Tcvn3Entry, "vn-encoding/tcvn3.csv");
table!(
    /// VNI-Windows sequences.
    vni_windows, VniEntry, "vn-encoding/vni_windows.csv");
#[cfg(test)]
table!(
    /// Common words in the three encodings.
    canaries, Canary, "vn-encoding/canaries.csv");
table!(
    /// The 21 prefix conversions of 2018.
    prefix_2018, PrefixConversion, "vn-phone/prefix_2018.csv");
table!(
    /// Current mobile prefixes.
    mobile_prefixes, MobilePrefix, "vn-phone/mobile_prefixes.csv");
table!(
    /// CCCD birth-province codes.
    cccd_provinces, CccdProvince, "vn-id/cccd_province_codes.csv");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_counts_match_the_readmes() {
        assert_eq!(family_names().len(), 89);
        assert_eq!(middle_names().len(), 318);
        assert_eq!(given_names().len(), 493);
        assert_eq!(name_equivalences().len(), 23);
        assert_eq!(nicknames().len(), 2_691);
        assert_eq!(placeholders().len(), 125);
        assert_eq!(old_provinces().len(), 63);
        assert_eq!(old_districts().len(), 696);
        assert_eq!(old_wards().len(), 10_035);
        assert_eq!(new_provinces().len(), 34);
        assert_eq!(new_wards().len(), 3_321);
        assert_eq!(province_map().len(), 63);
        assert_eq!(ward_map().len(), 10_602);
        assert_eq!(name_variants().len(), 4_194);
        assert_eq!(tcvn3().len(), 74);
        assert_eq!(vni_windows().len(), 134);
        assert_eq!(canaries().len(), 45);
        assert_eq!(prefix_2018().len(), 21);
        assert_eq!(mobile_prefixes().len(), 40);
        assert_eq!(cccd_provinces().len(), 63);
    }

    #[test]
    fn split_wards_have_one_default() {
        let mut defaults = rustc_hash::FxHashMap::default();
        for m in ward_map().iter().filter(|m| m.split) {
            *defaults.entry(m.old_ward_code.as_str()).or_insert(0) += usize::from(m.is_default);
        }
        assert_eq!(defaults.len(), 471);
        assert!(defaults.values().all(|&n| n == 1));
    }
}
