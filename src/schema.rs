//! Field kinds and the mapping of input columns to them.
//!
//! A [`Schema`] says which column of an input holds which kind of field. Matching works on kinds:
//! every kind has its normaliser, its stored columns, its comparison levels and its blocking keys.

use serde::{Deserialize, Serialize};

use crate::normalize::extra::ExtraKind;
use crate::normalize::text;

/// The kind of a field. In configs and metadata it is written as [`FieldKind::as_str`] and read
/// with [`FieldKind::parse`] (which takes a few aliases).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FieldKind {
    /// The record's identifier in its source (kept as text, never compared).
    RecordId,
    /// A full person name ("Nguyễn Văn An").
    Name,
    /// A date of birth.
    Dob,
    /// Sex.
    Sex,
    /// A postal address.
    Address,
    /// A national identity number (12-digit CCCD or 9-digit CMND).
    NationalId,
    /// A phone number.
    Phone,
    /// The family name alone ("Họ", "surname", `last_name`).
    FamilyName,
    /// The middle name(s) alone ("Chữ đệm", "Tên đệm", `middle_name`).
    MiddleName,
    /// The given name alone ("Tên" beside a "Họ" column, `first_name`).
    GivenName,
    /// The house number of an address given in parts ("Số nhà", `street_number`).
    HouseNumber,
    /// The street, hamlet or first address line ("Đường/Thôn", "street", `address_1`).
    Street,
    /// The ward, commune or locality ("Phường/Xã", "suburb", "city").
    Ward,
    /// The (pre-2025) district ("Quận/Huyện", "county").
    District,
    /// The province or state ("Tỉnh/Thành phố", "state").
    Province,
    /// An e-mail address (an extra field: compared exactly, with one typo, or by its local part).
    Email,
    /// A postcode (an extra field: compared exactly or by its leading part).
    Postcode,
    /// Free text (an extra field: compared by Jaro–Winkler similarity of its ASCII fold).
    Text,
    /// An identifier such as a passport or social-security number (an extra field: compared
    /// exactly or with one edit).
    Code,
    /// A number (an extra field: compared exactly, within 1 % and within 10 %).
    Numeric,
}

impl FieldKind {
    /// The name used in configs, on the command line and in the standard CSV header.
    pub const fn as_str(self) -> &'static str {
        match self {
            FieldKind::RecordId => "record_id",
            FieldKind::Name => "full_name",
            FieldKind::Dob => "dob",
            FieldKind::Sex => "sex",
            FieldKind::Address => "address",
            FieldKind::NationalId => "id_number",
            FieldKind::Phone => "phone",
            FieldKind::FamilyName => "family_name",
            FieldKind::MiddleName => "middle_name",
            FieldKind::GivenName => "given_name",
            FieldKind::HouseNumber => "house_number",
            FieldKind::Street => "street",
            FieldKind::Ward => "ward",
            FieldKind::District => "district",
            FieldKind::Province => "province",
            FieldKind::Email => "email",
            FieldKind::Postcode => "postcode",
            FieldKind::Text => "text",
            FieldKind::Code => "code",
            FieldKind::Numeric => "numeric",
        }
    }

    /// The parts of a name and of an address given in separate columns: used when the whole
    /// field (`full_name`, `address`) has no column.
    pub const PARTS: [FieldKind; 8] = [
        FieldKind::FamilyName,
        FieldKind::MiddleName,
        FieldKind::GivenName,
        FieldKind::HouseNumber,
        FieldKind::Street,
        FieldKind::Ward,
        FieldKind::District,
        FieldKind::Province,
    ];

    /// The kinds of extra fields: any number of columns each, every column a field of its own,
    /// compared by the kind's levels and usable in blocking rules by its name.
    pub const EXTRA: [FieldKind; 5] = [
        FieldKind::Email,
        FieldKind::Postcode,
        FieldKind::Text,
        FieldKind::Code,
        FieldKind::Numeric,
    ];

    /// Every kind that takes at most one column: [`ALL`](Self::ALL), then [`PARTS`](Self::PARTS).
    pub const SINGLE: [FieldKind; 15] = {
        let mut out = [FieldKind::RecordId; 15];
        let mut i = 0;
        while i < 15 {
            out[i] = if i < 7 { Self::ALL[i] } else { Self::PARTS[i - 7] };
            i += 1;
        }
        out
    };

    /// Whether this is an extra-field kind (see [`EXTRA`](Self::EXTRA)).
    pub fn is_extra(self) -> bool {
        Self::EXTRA.contains(&self)
    }

    /// The six fixed fields of a record, in the standard header's order (`full_name, dob, sex,
    /// address, id_number, phone`): the one list of them, which [`ALL`](Self::ALL), the store's
    /// raw columns and the columns of `vnlink normalize` follow.
    pub const FIXED: [FieldKind; 6] = [
        FieldKind::Name,
        FieldKind::Dob,
        FieldKind::Sex,
        FieldKind::Address,
        FieldKind::NationalId,
        FieldKind::Phone,
    ];

    /// Every kind of the standard header, in its order: `record_id`, then
    /// [`FIXED`](Self::FIXED).
    pub const ALL: [FieldKind; 7] = {
        let mut out = [FieldKind::RecordId; 7];
        let mut i = 0;
        while i < 6 {
            out[i + 1] = Self::FIXED[i];
            i += 1;
        }
        out
    };

    /// Parses a kind from its name (as in [`FieldKind::as_str`]) or a common alias.
    pub fn parse(s: &str) -> Option<FieldKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "record_id" | "id" => FieldKind::RecordId,
            "full_name" | "name" => FieldKind::Name,
            "dob" | "date_of_birth" | "birth_date" => FieldKind::Dob,
            "sex" | "gender" => FieldKind::Sex,
            "address" => FieldKind::Address,
            "id_number" | "national_id" | "cccd" | "cmnd" => FieldKind::NationalId,
            "phone" | "mobile" => FieldKind::Phone,
            "family_name" | "surname" | "last_name" => FieldKind::FamilyName,
            "middle_name" => FieldKind::MiddleName,
            "given_name" | "first_name" => FieldKind::GivenName,
            "house_number" | "street_number" => FieldKind::HouseNumber,
            "street" => FieldKind::Street,
            "ward" | "locality" | "suburb" => FieldKind::Ward,
            "district" => FieldKind::District,
            "province" | "state" => FieldKind::Province,
            "email" => FieldKind::Email,
            "postcode" | "zip" => FieldKind::Postcode,
            "text" => FieldKind::Text,
            "code" => FieldKind::Code,
            "numeric" | "number" => FieldKind::Numeric,
            _ => return None,
        })
    }
}

impl Serialize for FieldKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FieldKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FieldKind::parse(&s).ok_or_else(|| {
            let names: Vec<&str> =
                FieldKind::SINGLE.iter().chain(&FieldKind::EXTRA).map(|k| k.as_str()).collect();
            serde::de::Error::custom(format!(
                "unknown field kind `{s}` (known: {})",
                names.join(", ")
            ))
        })
    }
}

/// One column of a configuration file's `[[columns]]`: which header holds which kind, and for
/// an extra field its name in the model and in blocking rules. Extra columns given one name are
/// one field: their values are joined with `, ` in column order (e.g. an English address in
/// four columns compared as one text, rather than as four fields that say the same thing).
///
/// ```toml
/// [[columns]]
/// header = "Họ"
/// kind = "family_name"
///
/// [[columns]]
/// header = "E-mail"
/// kind = "email"
/// name = "email"        # optional; by default derived from the header (`e_mail`)
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnConfig {
    /// The header of the column, as in the file (or the same up to case, spaces, punctuation
    /// and diacritics).
    pub header: String,
    /// Its kind.
    pub kind: FieldKind,
    /// The field's name (extra kinds only; empty = derived from the header).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Whether the field is compared and weighed (default); `false` keeps it for blocking rules
    /// only — e.g. a postcode when the address is compared as a whole already.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub compare: bool,
    /// Dates of this column are written month first (`03/04/1988` is 4 March, as in the US):
    /// a `dob` column's ambiguous day/month order. Inferred from the values when some have a
    /// second number above 12 and none a first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub month_first: bool,
    /// Names of this column are written given name first (`John A Smith`, as in English): a
    /// `full_name` column's order. The last word is the family name — or, after a middle
    /// initial, every word that follows it (`Poppy M Martinez Hernandez`); `Smith, John A` puts
    /// the family name before the comma; a name of two words whose second is an initial has no
    /// family name (`Kimberly B`). Inferred from the values when their first words are English
    /// given names far more often than their last.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub given_first: bool,
    /// The comparison levels of an extra field, tried in order after "exact" (empty: the
    /// kind's built-in levels): `["jaro_winkler>=0.95", "levenshtein<=2"]`, see [`LevelSpec`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelSpec>,
}

impl ColumnConfig {
    /// The column `header` read as `kind`, every other setting at its default (compared, the
    /// name derived from the header, the usual orders, the kind's levels).
    pub fn new(header: impl Into<String>, kind: FieldKind) -> ColumnConfig {
        ColumnConfig {
            header: header.into(),
            kind,
            name: String::new(),
            compare: true,
            month_first: false,
            given_first: false,
            levels: Vec::new(),
        }
    }
}

impl From<FieldKind> for ExtraKind {
    /// How a value of this kind is normalised as an extra field: each extra kind as itself,
    /// every other kind as text.
    fn from(kind: FieldKind) -> ExtraKind {
        match kind {
            FieldKind::Email => ExtraKind::Email,
            FieldKind::Postcode => ExtraKind::Postcode,
            FieldKind::Code => ExtraKind::Code,
            FieldKind::Numeric => ExtraKind::Numeric,
            _ => ExtraKind::Text,
        }
    }
}

impl std::fmt::Display for FieldKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which input column holds which field kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// `(kind, column index, header text)`, at most one column per kind.
    pub columns: Vec<ColumnMapping>,
}

/// One mapped column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// The field kind.
    pub kind: FieldKind,
    /// 0-based column index in the input.
    pub index: usize,
    /// The header text as found in the input.
    pub header: String,
    /// The field's name in models and blocking rules (extra fields only; empty otherwise).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Whether the field is compared (`false`: used by blocking rules only).
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub compare: bool,
    /// Configured comparison levels (extra fields; empty: the kind's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelSpec>,
}

fn yes() -> bool {
    true
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if signature
fn is_yes(b: &bool) -> bool {
    *b
}

/// Most extra fields a schema can have (the model has room for 16 fields, 6 of them fixed).
pub const MAX_EXTRA: usize = 8;

impl Schema {
    /// The column index of `kind`, if mapped (the first column, for an extra kind).
    pub fn index_of(&self, kind: FieldKind) -> Option<usize> {
        self.columns.iter().find(|c| c.kind == kind).map(|c| c.index)
    }

    /// The extra fields, in input order.
    pub fn extras(&self) -> impl Iterator<Item = &ColumnMapping> {
        self.columns.iter().filter(|c| c.kind.is_extra())
    }
}

/// One extra field of a store (see [`FieldKind::EXTRA`]): its name, kind and source column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraField {
    /// Its name in models and blocking rules.
    pub name: String,
    /// Its kind.
    pub kind: FieldKind,
    /// The input header it was read from (headers joined by ` + ` for a field read from
    /// several columns).
    #[serde(default)]
    pub header: String,
    /// Whether it is compared (`false`: blocking rules only; its level is always "missing").
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub compare: bool,
    /// Its comparison levels after "exact", when configured (empty: the kind's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<LevelSpec>,
}

/// A configured comparison level of an extra field, written as a string in configuration files
/// and models: two values are at this level when the test holds (and no earlier level's did).
///
/// | written | holds when |
/// |---|---|
/// | `jaro_winkler>=0.92` | the Jaro–Winkler similarity of the canonical texts is at least 0.92 |
/// | `levenshtein<=2` | at most 2 edits (characters) apart |
/// | `prefix=3` | the first 3 characters agree |
/// | `abs_diff<=1000` | numbers at most 1000 apart |
/// | `percent_diff<=10` | numbers at most 10 % of the larger apart |
/// | `days<=30` | dates (read as dates of birth are) at most 30 days apart |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum LevelSpec {
    /// Jaro–Winkler similarity at least this many thousandths.
    JaroWinkler(u16),
    /// At most this many edits.
    Levenshtein(u16),
    /// The first this many characters agree.
    Prefix(u16),
    /// Numbers at most this far apart, in thousandths.
    AbsDiff(u64),
    /// Numbers at most this percentage of the larger apart, in thousandths of a percent.
    PercentDiff(u32),
    /// Dates at most this many days apart.
    Days(u32),
}

impl std::fmt::Display for LevelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let milli = |v: u64| {
            let s = format!("{}.{:03}", v / 1000, v % 1000);
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        };
        match *self {
            LevelSpec::JaroWinkler(t) => write!(f, "jaro_winkler>={}", milli(u64::from(t))),
            LevelSpec::Levenshtein(n) => write!(f, "levenshtein<={n}"),
            LevelSpec::Prefix(n) => write!(f, "prefix={n}"),
            LevelSpec::AbsDiff(v) => write!(f, "abs_diff<={}", milli(v)),
            LevelSpec::PercentDiff(v) => write!(f, "percent_diff<={}", milli(u64::from(v))),
            LevelSpec::Days(n) => write!(f, "days<={n}"),
        }
    }
}

impl From<LevelSpec> for String {
    fn from(l: LevelSpec) -> String {
        l.to_string()
    }
}

impl TryFrom<String> for LevelSpec {
    type Error = String;

    fn try_from(text: String) -> std::result::Result<Self, String> {
        let t = text.trim();
        let known = "jaro_winkler>=X (0 to 1), levenshtein<=N, prefix=N, abs_diff<=X, \
                     percent_diff<=X, days<=N";
        let bad = || format!("comparison level `{t}`: expected one of {known}");
        let (name, op, value) = ["<=", ">=", "="]
            .iter()
            .find_map(|op| t.split_once(op).map(|(n, v)| (n.trim(), *op, v.trim())))
            .ok_or_else(bad)?;
        let milli = |v: &str| -> Option<u64> {
            let x: f64 = v.parse().ok()?;
            (0.0..1e12).contains(&x).then(|| (x * 1000.0).round() as u64)
        };
        let count = |v: &str| v.parse::<u16>().ok();
        let spec = match (name, op) {
            ("jaro_winkler", ">=") => milli(value)
                .filter(|&m| m <= 1000)
                .and_then(|m| u16::try_from(m).ok())
                .map(LevelSpec::JaroWinkler),
            ("levenshtein", "<=") => count(value).map(LevelSpec::Levenshtein),
            ("prefix", "=") => count(value).filter(|&n| n > 0).map(LevelSpec::Prefix),
            ("abs_diff", "<=") => milli(value).map(LevelSpec::AbsDiff),
            ("percent_diff", "<=") => {
                milli(value).and_then(|m| u32::try_from(m).ok()).map(LevelSpec::PercentDiff)
            }
            ("days", "<=") => value.parse::<u32>().ok().map(LevelSpec::Days),
            _ => None,
        };
        spec.ok_or_else(bad)
    }
}

impl ExtraField {
    /// Whether two fields are the same field for matching: name, kind and use (the header
    /// they were read from may differ between two files).
    pub fn same_as(&self, other: &ExtraField) -> bool {
        self.name == other.name
            && self.kind == other.kind
            && self.compare == other.compare
            && self.levels == other.levels
    }

    /// Whether two lists hold the same fields in the same order ([`same_as`](Self::same_as)).
    pub fn same_fields(a: &[ExtraField], b: &[ExtraField]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
    }

    /// The extra fields of a schema, in its order.
    ///
    /// Columns that share a name are one field, their values joined (see
    /// [`ColumnConfig`]).
    pub fn of_schema(schema: &Schema) -> Vec<ExtraField> {
        let mut out: Vec<ExtraField> = Vec::new();
        for c in schema.extras() {
            match out.iter_mut().find(|e| e.name == c.name) {
                Some(e) => {
                    e.header.push_str(" + ");
                    e.header.push_str(&c.header);
                }
                None => out.push(ExtraField {
                    name: c.name.clone(),
                    kind: c.kind,
                    header: c.header.clone(),
                    compare: c.compare,
                    levels: c.levels.clone(),
                }),
            }
        }
        out
    }
}

/// The names of the model's fixed fields, in pattern order (`compare::FIELD_NAMES`, which
/// re-exports this; `compare::NAME`… index it).
pub const FIELD_NAMES: [&str; 6] = ["name", "dob", "address", "id", "phone", "sex"];

/// The names of the blocking key parts (`block::KeyPart` in `snake_case`, as configs write
/// them). Kept here, below `block`, so that the header mapping can refuse them as names of extra
/// fields; a test in `block` checks that the list is exactly `KeyPart`'s.
pub const KEY_PART_NAMES: [&str; 19] = [
    "national_id",
    "phone",
    "dob",
    "birth_year",
    "name",
    "name_ascii",
    "name_sorted",
    "name_phonetic",
    "family_class",
    "given_class",
    "given_phonetic",
    "middle_core",
    "province_new",
    "district_old",
    "ward_old",
    "ward_new",
    "street",
    "house",
    "sex",
];

/// Names an extra field cannot take: the fixed fields of the model and the blocking key parts.
pub fn is_reserved_name(name: &str) -> bool {
    FIELD_NAMES.contains(&name) || KEY_PART_NAMES.contains(&name)
}

/// The name of an extra field derived from its header: ASCII-folded, lower case, runs of other
/// characters turned into one `_` (`"E-mail"` → `e_mail`, `"Số hộ chiếu"` → `so_ho_chieu`).
pub fn field_name(header: &str) -> String {
    let folded = text::fold(header.trim_start_matches('\u{feff}'));
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() { "field".to_owned() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_from_headers() {
        assert_eq!(field_name("E-mail"), "e_mail");
        assert_eq!(field_name("Số hộ chiếu"), "so_ho_chieu");
        assert_eq!(field_name("  Post code (AU) "), "post_code_au");
        assert_eq!(field_name("—"), "field");
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in FieldKind::SINGLE.into_iter().chain(FieldKind::EXTRA) {
            assert_eq!(FieldKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(FieldKind::parse("nonsense"), None);
    }
}
