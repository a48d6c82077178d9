//! Preparing a record for matching: normalise each field, then reduce it to its [`Features`].
//!
//! [`Preparer`] owns the normalisers and their buffers (one per thread); [`Preparer::prepare`]
//! turns the raw fields of one record into a [`Prepared`] record: its features and the strings
//! the store keeps beside them (canonical and ASCII name, phonetic keys).

use crate::compare::Features;
use crate::normalize::address::{Address, AddressNormalizer, AddressWarning};
use crate::normalize::extra;
use crate::normalize::legacy::{self, LegacyEncoding};
use crate::normalize::name::{Name, NameNormalizer, NameNotes};
use crate::normalize::{Sex, date, id, phone, sex, text};
use crate::schema::{FieldKind, MAX_EXTRA};
use crate::util::hash::{hash_str, hash32_str};

/// The raw text of one record's fields (empty = missing).
#[derive(Clone, Copy, Debug, Default)]
pub struct RawFields<'a> {
    /// Full name.
    pub name: &'a str,
    /// Date of birth.
    pub dob: &'a str,
    /// Sex.
    pub sex: &'a str,
    /// Address.
    pub address: &'a str,
    /// National id (CCCD / CMND).
    pub id_number: &'a str,
    /// Phone number.
    pub phone: &'a str,
    /// The name in parts (family, middle, given) from separate columns: used when `name` is
    /// empty.
    pub name_parts: [&'a str; 3],
    /// The address in parts (house number, street, ward, district, province) from separate
    /// columns: appended to `address` (which then holds the first address line, if anything).
    pub address_parts: [&'a str; 5],
    /// The extra fields' raw values, in [`crate::schema::Schema::extras`] order (at most
    /// [`MAX_EXTRA`]; missing ones empty).
    pub extras: [&'a str; MAX_EXTRA],
}

impl RawFields<'_> {
    /// Whether the name is given in parts (`name` empty, some part not).
    pub fn has_name_parts(&self) -> bool {
        self.name.trim().is_empty() && self.name_parts.iter().any(|p| !p.trim().is_empty())
    }

    /// The name as one text: `name`, or the parts joined in Vietnamese order (family, middle,
    /// given) — what the store keeps as the record's raw name.
    pub fn joined_name_into(&self, out: &mut String) {
        out.clear();
        if !self.has_name_parts() {
            out.push_str(self.name);
            return;
        }
        for p in self.name_parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(p);
        }
    }

    /// The address as one text: `address`, then the parts, comma-separated, the house number
    /// and the street in one field (`12 Lê Lợi`). A street alone that does not start with a type
    /// word gets `Đường` in front, so that it is not read as a ward of the same name: the
    /// column said it is a street.
    pub fn joined_address_into(&self, out: &mut String) {
        out.clear();
        let push = |out: &mut String, s: &str| {
            let s = s.trim().trim_matches(',').trim();
            if !s.is_empty() {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                out.push_str(s);
            }
        };
        push(out, self.address);
        let [house, street, ward, district, province] = self.address_parts.map(str::trim);
        if !house.is_empty() || !street.is_empty() {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(house);
            if !street.is_empty() {
                if !house.is_empty() {
                    out.push(' ');
                } else if self.address.trim().is_empty() && !starts_with_street_type(street) {
                    out.push_str("Đường ");
                }
                out.push_str(street);
            }
        }
        for p in [ward, district, province] {
            push(out, p);
        }
    }
}

/// Whether a street-column value starts with a type word of its own (`Thôn 8`, `Đ. Lê Lợi`,
/// `Ấp Bình Minh`, `Tổ 5`, `KP3`).
fn starts_with_street_type(street: &str) -> bool {
    const TYPES: &[&str] = &[
        "duong", "d", "pho", "thon", "xom", "ap", "ban", "buon", "lang", "to", "tdp", "khu", "kp",
        "khom", "ngo", "ngach", "hem", "kiet", "so", "sn", "tran", "doi", "cum", "khupho",
    ];
    let folded = text::fold(street);
    let first: String = folded.chars().take_while(char::is_ascii_alphabetic).collect();
    let first = first.to_ascii_lowercase();
    TYPES.contains(&first.as_str())
        || (first.starts_with("kp")
            && folded[first.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Column-level legacy-encoding decisions for the text fields (`None` = decide per value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Encodings {
    /// The name column's encoding.
    pub name: Option<LegacyEncoding>,
    /// The address column's encoding.
    pub address: Option<LegacyEncoding>,
}

impl Encodings {
    /// Decides the encodings of a column sample (e.g. the first block of a file).
    pub fn detect<'a>(
        names: impl IntoIterator<Item = &'a str>,
        addresses: impl IntoIterator<Item = &'a str>,
    ) -> Encodings {
        let decide = |e: LegacyEncoding| (e != LegacyEncoding::Unicode).then_some(e);
        Encodings {
            name: decide(legacy::detect_column(names)),
            address: decide(legacy::detect_column(addresses)),
        }
    }
}

/// Warnings raised while preparing a record (bit flags).
pub mod warning {
    #![allow(missing_docs)]
    pub const DOB_UNPARSEABLE: u32 = 1;
    pub const DOB_GUESSED: u32 = 2;
    pub const ID_INVALID: u32 = 4;
    pub const ID_DAMAGED: u32 = 8;
    pub const ID_INCONSISTENT: u32 = 16;
    pub const PHONE_INVALID: u32 = 32;
    pub const SEX_UNPARSEABLE: u32 = 64;
    pub const ADDRESS_UNRESOLVED: u32 = 128;
    pub const NAME_EMPTY: u32 = 256;
    /// A misspelt unit name of the address was as near to several units: left unresolved
    /// ([`AddressWarning::AmbiguousSpelling`](crate::normalize::address::AddressWarning)).
    pub const ADDRESS_AMBIGUOUS_SPELLING: u32 = 512;
    /// Names of the flags, in bit order.
    pub const NAMES: [&str; 10] = [
        "dob_unparseable",
        "dob_guessed",
        "id_invalid",
        "id_damaged",
        "id_inconsistent_with_dob_or_sex",
        "phone_invalid",
        "sex_unparseable",
        "address_unresolved",
        "name_empty",
        "address_ambiguous_spelling",
    ];
}

/// A record ready to be stored and matched.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prepared {
    /// The comparison features.
    pub features: Features,
    /// Canonical full name.
    pub name_text: String,
    /// ASCII full name (compared by Jaro–Winkler).
    pub name_ascii: String,
    /// Phonetic keys of the name tokens, space-joined.
    pub name_phonetic: String,
    /// [`warning`] flags.
    pub warnings: u32,
    /// The extra fields' canonical texts ([`extra::normalize_extra_into`]), in schema order.
    pub extra_texts: Vec<String>,
    /// Their stored values ([`extra::extra_hash`], 0 = missing), in schema order, 0-padded.
    pub extra_hashes: [u64; MAX_EXTRA],
}

/// Normalisers and buffers to prepare records; one per thread.
#[derive(Default)]
pub struct Preparer {
    names: NameNormalizer,
    addresses: AddressNormalizer,
    name: Name,
    address: Address,
    buf: String,
    buf2: String,
    joined: String,
    order: Vec<usize>,
    extra_kinds: Vec<FieldKind>,
    /// Dates are read month first.
    month_first: bool,
    /// Whole names are written given name first.
    given_first: bool,
    /// The parts of a given-first name.
    parts: [String; 3],
}

impl std::fmt::Debug for Preparer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Preparer").finish_non_exhaustive()
    }
}

impl Preparer {
    /// A preparer with empty buffers, for records without extra fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// A preparer for records with extra fields of these kinds (in schema order, at most
    /// [`MAX_EXTRA`]; more are ignored).
    pub fn with_extras(kinds: &[FieldKind]) -> Self {
        Preparer { extra_kinds: kinds.iter().copied().take(MAX_EXTRA).collect(), ..Self::default() }
    }

    /// Makes this preparer read dates month first ([`date::parse_date_month_first`]).
    #[must_use]
    pub fn month_first(mut self, on: bool) -> Self {
        self.month_first = on;
        self
    }

    /// Makes this preparer read whole names given name first
    /// ([`split_given_first`](crate::normalize::name::split_given_first)).
    #[must_use]
    pub fn given_first(mut self, on: bool) -> Self {
        self.given_first = on;
        self
    }

    /// Makes this preparer read dates month first and whole names given name first, or not
    /// (as [`month_first`](Self::month_first) and [`given_first`](Self::given_first)).
    pub fn set_read_order(&mut self, month_first: bool, given_first: bool) {
        self.month_first = month_first;
        self.given_first = given_first;
    }

    /// Makes this preparer read extra fields of these kinds (as [`with_extras`](Self::with_extras)).
    pub fn set_extras(&mut self, kinds: &[FieldKind]) {
        if self.extra_kinds != kinds {
            self.extra_kinds.clear();
            self.extra_kinds.extend(kinds.iter().copied().take(MAX_EXTRA));
        }
    }

    /// Normalises the name of `raw` into `self.name`: in parts when the record has them, split
    /// given name first when this preparer reads names so, else whole.
    fn normalize_name(&mut self, raw: &RawFields<'_>, enc: Encodings) -> NameNotes {
        if raw.has_name_parts() {
            self.names.normalize_parts_into(raw.name_parts, enc.name, &mut self.name)
        } else if self.given_first {
            crate::normalize::name::split_given_first(raw.name, &mut self.parts);
            let [family, middle, given] = &self.parts;
            self.names.normalize_parts_into(
                [family.as_str(), middle.as_str(), given.as_str()],
                enc.name,
                &mut self.name,
            )
        } else {
            self.names.normalize_into(raw.name, enc.name, &mut self.name)
        }
    }

    /// Prepares one record into `out` (every field overwritten).
    pub fn prepare(&mut self, raw: &RawFields<'_>, enc: &Encodings, out: &mut Prepared) {
        let mut f = Features::default();
        out.warnings = 0;

        // Name: whole, or in parts.
        let parts = raw.has_name_parts();
        let name_notes = self.normalize_name(raw, *enc);
        self.name_features(&mut f, out);
        if self.name.is_empty() && (parts || !raw.name.trim().is_empty()) {
            out.warnings |= warning::NAME_EMPTY;
        }

        // Date of birth.
        let d = if self.month_first {
            date::parse_date_month_first(raw.dob)
        } else {
            date::parse_date(raw.dob)
        };
        if let Some(d) = d.date {
            f.dob = d.pack();
        }
        match d.warning {
            Some(w) if w.is_rejection() => out.warnings |= warning::DOB_UNPARSEABLE,
            Some(_) => out.warnings |= warning::DOB_GUESSED,
            None => {}
        }

        // National id.
        let nid = id::parse_id(raw.id_number);
        if let Some(nid) = &nid {
            match nid.to_u64() {
                Some(v) => f.national_id = v,
                None => {
                    out.warnings |=
                        if nid.damaged { warning::ID_DAMAGED } else { warning::ID_INVALID };
                }
            }
        }

        // Sex: as recorded; else the CCCD's.
        let recorded = sex::parse_sex(raw.sex);
        if recorded.is_none() && !raw.sex.trim().is_empty() {
            out.warnings |= warning::SEX_UNPARSEABLE;
        }
        let s = recorded.or_else(|| nid.as_ref().and_then(|n| n.sex));
        f.sex = match s {
            Some(Sex::Male) => 1,
            Some(Sex::Female) => 2,
            None => 0,
        };
        if let Some(nid) = &nid {
            let dob = date::Date::unpack(f.dob);
            if !nid.consistent_with(dob, recorded).is_consistent() {
                out.warnings |= warning::ID_INCONSISTENT;
            }
        }

        // Phone.
        if !raw.phone.trim().is_empty() {
            match phone::phone_u64(raw.phone) {
                Some((p, _)) => f.phone = p,
                None => out.warnings |= warning::PHONE_INVALID,
            }
        }

        // Address: decode legacy text first (the address normaliser reads Unicode).
        // A record comes from one source: without a column decision, an address is read in the
        // legacy encoding its record's name was found in; after a name in genuine Unicode with
        // diacritics, as it is; otherwise it is decided on its own.
        let address = if raw.address_parts.iter().any(|p| !p.trim().is_empty()) {
            raw.joined_address_into(&mut self.joined);
            self.joined.as_str()
        } else {
            raw.address
        };
        let address_given = !address.trim().is_empty();
        let name_ascii =
            if parts { raw.name_parts.iter().all(|p| p.is_ascii()) } else { raw.name.is_ascii() };
        let addr_src = match enc.address {
            Some(e) => {
                legacy::decode_into(address, e, &mut self.buf);
                self.buf.as_str()
            }
            None if name_notes.encoding != LegacyEncoding::Unicode => {
                legacy::decode_into(address, name_notes.encoding, &mut self.buf);
                self.buf.as_str()
            }
            None if !name_ascii && !self.name.is_empty() => address,
            None => {
                legacy::decode_auto_into(address, &mut self.buf);
                self.buf.as_str()
            }
        };
        self.addresses.normalize_into(addr_src, &mut self.address);
        self.address_features(&mut f);
        if address_given && f.province_new == 0 && f.ward_old == 0 && f.ward_new == 0 {
            out.warnings |= warning::ADDRESS_UNRESOLVED;
        }
        if self.address.warning == Some(AddressWarning::AmbiguousSpelling) {
            out.warnings |= warning::ADDRESS_AMBIGUOUS_SPELLING;
        }

        // Extra fields.
        out.extra_hashes = [0; MAX_EXTRA];
        out.extra_texts.resize_with(self.extra_kinds.len(), String::new);
        for (j, &kind) in self.extra_kinds.iter().enumerate() {
            let text = &mut out.extra_texts[j];
            extra::normalize_extra_into(kind, raw.extras[j], text);
            out.extra_hashes[j] = extra::extra_hash(kind, text);
        }

        out.features = f;
    }

    fn name_features(&mut self, f: &mut Features, out: &mut Prepared) {
        let n = &self.name;
        out.name_text.clear();
        out.name_text.push_str(&n.text);
        out.name_ascii.clear();
        out.name_ascii.push_str(&n.ascii);
        out.name_phonetic.clear();
        if n.is_empty() {
            return;
        }
        for (i, p) in n.phonetic.iter().enumerate() {
            if i > 0 {
                out.name_phonetic.push(' ');
            }
            out.name_phonetic.push_str(p);
        }
        f.name = hash_str(&n.text);
        f.name_ascii = hash_str(&n.ascii);
        f.name_tokens = n.tokens.len().min(255) as u8;

        // Order-free forms: sorted ASCII tokens and sorted phonetic keys.
        // Sorted through indices: no token is copied.
        let joined_sorted = |items: &[String], order: &mut Vec<usize>, buf: &mut String| {
            order.clear();
            order.extend(0..items.len());
            order.sort_unstable_by(|&x, &y| items[x].cmp(&items[y]));
            buf.clear();
            for (i, &t) in order.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(&items[t]);
            }
            hash32_str(buf)
        };
        f.name_sorted = joined_sorted(&n.ascii_tokens, &mut self.order, &mut self.buf2);
        f.name_phonetic = joined_sorted(&n.phonetic, &mut self.order, &mut self.buf2);

        // Parts, ASCII.
        let part = |range: &std::ops::Range<usize>, buf: &mut String| {
            buf.clear();
            for (i, t) in n.ascii_tokens.get(range.clone()).unwrap_or_default().iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                buf.push_str(t);
            }
            hash32_str(buf)
        };
        f.family = part(&n.family_range, &mut self.buf2);
        f.middle = part(&n.middle_range, &mut self.buf2);
        f.given = part(&n.given_range, &mut self.buf2);
        // The middle name without the Văn/Thị markers that records drop and add.
        self.buf2.clear();
        for t in n.ascii_tokens.get(n.middle_range.clone()).unwrap_or_default() {
            if t != "van" && t != "thi" {
                if !self.buf2.is_empty() {
                    self.buf2.push(' ');
                }
                self.buf2.push_str(t);
            }
        }
        f.middle_core = hash32_str(&self.buf2);
        f.family_class = hash32_str(&n.family_class_ascii);
        f.given_class = hash32_str(&n.given_class_ascii);
        self.buf2.clear();
        for (i, p) in n.phonetic.get(n.given_range.clone()).unwrap_or_default().iter().enumerate() {
            if i > 0 {
                self.buf2.push(' ');
            }
            self.buf2.push_str(p);
        }
        f.given_phonetic = hash32_str(&self.buf2);

        // Byte offsets of the parts in the ASCII name (tokens joined by one space).
        let token_start =
            |k: usize| -> usize { n.ascii_tokens.iter().take(k).map(|t| t.len() + 1).sum() };
        let family_end = token_start(n.family_range.end).saturating_sub(1);
        f.family_len = family_end.min(255) as u8;
        f.given_start = token_start(n.given_range.start).min(255) as u8;
    }

    fn address_features(&mut self, f: &mut Features) {
        let a = &self.address;
        f.ward_old = a.ward_old.unwrap_or(0);
        f.district_old = a.district_old.unwrap_or(0);
        f.province_old = a.province_old.unwrap_or(0);
        f.province_new = a.province_new.unwrap_or(0);
        // A new-style address carries its own new ward; an old one is compared through its old
        // ward and the 2025 mapping.
        f.ward_new =
            if a.ward_old.is_none() { a.ward_new.first().copied().unwrap_or(0) } else { 0 };
        self.buf2.clear();
        if let Some(s) = &a.street {
            text::fold_into(s, &mut self.buf2);
        }
        f.street = hash32_str(&self.buf2);
        self.buf2.clear();
        if let Some(h) = &a.house_number {
            self.buf2.push_str(h);
        }
        if let Some(al) = &a.alley {
            self.buf2.push('|');
            self.buf2.push_str(al);
        }
        f.house = if a.house_number.is_some() { hash32_str(&self.buf2) } else { 0 };
    }
}
