//! Header matching: which input column holds which [`FieldKind`].
//!
//! Main items: [`header_key`], [`match_header`], [`parse_column_override`], [`map_columns`] →
//! [`ColumnMap`].
//!
//! A header is reduced to a key: ASCII-folded (no diacritics, `đ`→`d`, lower case) with
//! everything but letters and digits removed, so `Họ và tên`, `HO_VA_TEN`, `ho.va.ten` and
//! `hovaten` are one key. Keys are matched against Vietnamese and English aliases, exactly
//! (strength 3) or by a telling prefix such as `ngaysinh…` for `Ngày sinh (dd/mm/yyyy)`
//! (strength 2); a few weak aliases (strength 1) are used only when nothing stronger is there:
//! `tên` for the name, `năm sinh` for the date of birth, `stt`/`tt` (the row number) for the
//! record id.
//!
//! Headers of old TCVN3 or VNI-Windows spreadsheets arrive garbled (`Hä vµ tªn`, `Hoï vaø teân`);
//! the common Vietnamese headers are also recognised in those two forms ([`match_legacy_header`]).
//!
//! When several columns match one kind, the strongest wins, then the leftmost; the others stay
//! unmapped and are listed. Explicit overrides (`kind=header`, from `--column`) are applied first
//! and take their columns out of automatic matching. Columns such as `Quê quán` (home town) or
//! `Nơi sinh` (place of birth) are deliberately *not* taken as the address.

use std::sync::OnceLock;

use crate::normalize::{legacy, text};
use crate::schema::{ColumnConfig, ColumnMapping, FieldKind, Schema};

/// The comparison key of a header: folded to ASCII, only letters and digits kept.
pub fn header_key(header: &str) -> String {
    let mut key = text::fold(header.trim_start_matches('\u{feff}'));
    key.retain(|c| c.is_ascii_alphanumeric());
    key
}

/// Exact keys: (key, kind, strength).
const EXACT: &[(&str, FieldKind, u8)] = &[
    // Record id.
    ("recordid", FieldKind::RecordId, 3),
    ("recid", FieldKind::RecordId, 3),
    ("id", FieldKind::RecordId, 3),
    ("ma", FieldKind::RecordId, 3),
    ("mahoso", FieldKind::RecordId, 3),
    ("mahs", FieldKind::RecordId, 3),
    ("mabanghi", FieldKind::RecordId, 3),
    ("madoituong", FieldKind::RecordId, 3),
    ("manguoi", FieldKind::RecordId, 3),
    ("key", FieldKind::RecordId, 2),
    ("uid", FieldKind::RecordId, 2),
    ("personid", FieldKind::RecordId, 3),
    ("rowid", FieldKind::RecordId, 2),
    ("stt", FieldKind::RecordId, 1),
    ("sothutu", FieldKind::RecordId, 1),
    ("tt", FieldKind::RecordId, 1),
    ("no", FieldKind::RecordId, 1),
    // Name.
    ("hovaten", FieldKind::Name, 3),
    ("hoten", FieldKind::Name, 3),
    ("hotendaydu", FieldKind::Name, 3),
    ("hovatenkhaisinh", FieldKind::Name, 3),
    ("hochudemvaten", FieldKind::Name, 3),
    ("fullname", FieldKind::Name, 3),
    ("name", FieldKind::Name, 3),
    ("personname", FieldKind::Name, 3),
    ("tennguoi", FieldKind::Name, 2),
    ("ten", FieldKind::Name, 1),
    // Date of birth.
    ("ngaysinh", FieldKind::Dob, 3),
    ("ngaythangnamsinh", FieldKind::Dob, 3),
    ("sinhngay", FieldKind::Dob, 3),
    ("dob", FieldKind::Dob, 3),
    ("dateofbirth", FieldKind::Dob, 3),
    ("birthdate", FieldKind::Dob, 3),
    ("birthday", FieldKind::Dob, 3),
    ("bdate", FieldKind::Dob, 2),
    ("namsinh", FieldKind::Dob, 1),
    ("yearofbirth", FieldKind::Dob, 1),
    // Sex.
    ("gioitinh", FieldKind::Sex, 3),
    ("gioi", FieldKind::Sex, 3),
    ("phai", FieldKind::Sex, 3),
    ("sex", FieldKind::Sex, 3),
    ("gender", FieldKind::Sex, 3),
    // Address.
    ("diachi", FieldKind::Address, 3),
    ("diachithuongtru", FieldKind::Address, 3),
    ("noithuongtru", FieldKind::Address, 3),
    ("thuongtru", FieldKind::Address, 3),
    ("hokhauthuongtru", FieldKind::Address, 3),
    ("noiohientai", FieldKind::Address, 2),
    ("choohientai", FieldKind::Address, 2),
    ("noio", FieldKind::Address, 2),
    ("address", FieldKind::Address, 3),
    ("addr", FieldKind::Address, 3),
    ("streetaddress", FieldKind::Address, 3),
    // National id.
    ("cccd", FieldKind::NationalId, 3),
    ("socccd", FieldKind::NationalId, 3),
    ("cmnd", FieldKind::NationalId, 3),
    ("socmnd", FieldKind::NationalId, 3),
    ("cmt", FieldKind::NationalId, 3),
    ("cmtnd", FieldKind::NationalId, 3),
    ("socmtnd", FieldKind::NationalId, 3),
    ("socmndcccd", FieldKind::NationalId, 3),
    ("socccdcmnd", FieldKind::NationalId, 3),
    ("cmndcccd", FieldKind::NationalId, 3),
    ("cccdcmnd", FieldKind::NationalId, 3),
    ("cancuoc", FieldKind::NationalId, 3),
    ("socancuoc", FieldKind::NationalId, 3),
    ("cancuoccongdan", FieldKind::NationalId, 3),
    ("sodinhdanh", FieldKind::NationalId, 3),
    ("sodinhdanhcanhan", FieldKind::NationalId, 3),
    ("madinhdanh", FieldKind::NationalId, 3),
    ("madinhdanhcanhan", FieldKind::NationalId, 3),
    ("sogiayto", FieldKind::NationalId, 2),
    ("idnumber", FieldKind::NationalId, 3),
    ("nationalid", FieldKind::NationalId, 3),
    ("idno", FieldKind::NationalId, 3),
    ("idcard", FieldKind::NationalId, 3),
    ("citizenid", FieldKind::NationalId, 3),
    // Phone.
    ("sodienthoai", FieldKind::Phone, 3),
    ("dienthoai", FieldKind::Phone, 3),
    ("sdt", FieldKind::Phone, 3),
    ("dt", FieldKind::Phone, 3),
    ("sodt", FieldKind::Phone, 3),
    ("didong", FieldKind::Phone, 3),
    ("sodidong", FieldKind::Phone, 3),
    ("dtdd", FieldKind::Phone, 3),
    ("dtdidong", FieldKind::Phone, 3),
    ("sodtdidong", FieldKind::Phone, 3),
    ("phone", FieldKind::Phone, 3),
    ("phonenumber", FieldKind::Phone, 3),
    ("mobile", FieldKind::Phone, 3),
    ("mobilephone", FieldKind::Phone, 3),
    ("cellphone", FieldKind::Phone, 3),
    ("tel", FieldKind::Phone, 3),
    ("telephone", FieldKind::Phone, 3),
    // Name parts.
    ("ho", FieldKind::FamilyName, 3),
    ("hokhaisinh", FieldKind::FamilyName, 3),
    ("surname", FieldKind::FamilyName, 3),
    ("lastname", FieldKind::FamilyName, 3),
    ("familyname", FieldKind::FamilyName, 3),
    ("last", FieldKind::FamilyName, 2),
    ("chudem", FieldKind::MiddleName, 3),
    ("tendem", FieldKind::MiddleName, 3),
    ("tenlot", FieldKind::MiddleName, 3),
    ("chulot", FieldKind::MiddleName, 3),
    ("dem", FieldKind::MiddleName, 2),
    ("middlename", FieldKind::MiddleName, 3),
    ("middlenames", FieldKind::MiddleName, 3),
    ("middle", FieldKind::MiddleName, 2),
    ("middleinitial", FieldKind::MiddleName, 2),
    ("firstname", FieldKind::GivenName, 3),
    ("givenname", FieldKind::GivenName, 3),
    ("givennames", FieldKind::GivenName, 3),
    ("forename", FieldKind::GivenName, 3),
    ("forenames", FieldKind::GivenName, 3),
    ("first", FieldKind::GivenName, 2),
    ("tengoi", FieldKind::GivenName, 2),
    // Address parts.
    ("sonha", FieldKind::HouseNumber, 3),
    ("sonhacanho", FieldKind::HouseNumber, 3),
    ("housenumber", FieldKind::HouseNumber, 3),
    ("houseno", FieldKind::HouseNumber, 3),
    ("streetnumber", FieldKind::HouseNumber, 3),
    ("streetno", FieldKind::HouseNumber, 3),
    ("duong", FieldKind::Street, 3),
    ("duongpho", FieldKind::Street, 3),
    ("duongthon", FieldKind::Street, 3),
    ("duongthonxom", FieldKind::Street, 3),
    ("duongphothonxom", FieldKind::Street, 3),
    ("thon", FieldKind::Street, 3),
    ("thonxom", FieldKind::Street, 3),
    ("thonto", FieldKind::Street, 3),
    ("thonap", FieldKind::Street, 3),
    ("ap", FieldKind::Street, 2),
    ("street", FieldKind::Street, 3),
    ("streetname", FieldKind::Street, 3),
    ("address1", FieldKind::Street, 3),
    ("addressline1", FieldKind::Street, 3),
    ("addr1", FieldKind::Street, 3),
    ("phuongxa", FieldKind::Ward, 3),
    ("xaphuong", FieldKind::Ward, 3),
    ("phuongxathitran", FieldKind::Ward, 3),
    ("xaphuongthitran", FieldKind::Ward, 3),
    ("phuong", FieldKind::Ward, 3),
    ("xa", FieldKind::Ward, 3),
    ("ward", FieldKind::Ward, 3),
    ("suburb", FieldKind::Ward, 3),
    ("locality", FieldKind::Ward, 3),
    ("city", FieldKind::Ward, 2),
    ("town", FieldKind::Ward, 2),
    ("quanhuyen", FieldKind::District, 3),
    ("quanhuyenthixa", FieldKind::District, 3),
    ("quan", FieldKind::District, 3),
    ("huyen", FieldKind::District, 3),
    ("district", FieldKind::District, 3),
    ("county", FieldKind::District, 2),
    ("tinhthanhpho", FieldKind::Province, 3),
    ("tinhthanh", FieldKind::Province, 3),
    ("tinhtp", FieldKind::Province, 3),
    ("tinh", FieldKind::Province, 3),
    ("thanhpho", FieldKind::Province, 2),
    ("province", FieldKind::Province, 3),
    ("state", FieldKind::Province, 3),
    ("region", FieldKind::Province, 2),
    // Extra fields.
    ("email", FieldKind::Email, 3),
    ("emailaddress", FieldKind::Email, 3),
    ("mail", FieldKind::Email, 2),
    ("thudientu", FieldKind::Email, 3),
    ("diachiemail", FieldKind::Email, 3),
    ("diachithudientu", FieldKind::Email, 3),
    ("postcode", FieldKind::Postcode, 3),
    ("postalcode", FieldKind::Postcode, 3),
    ("zip", FieldKind::Postcode, 3),
    ("zipcode", FieldKind::Postcode, 3),
    ("mabuuchinh", FieldKind::Postcode, 3),
    ("mabuudien", FieldKind::Postcode, 3),
    ("ssn", FieldKind::Code, 3),
    ("socialsecuritynumber", FieldKind::Code, 3),
    ("nino", FieldKind::Code, 3),
    ("nationalinsurancenumber", FieldKind::Code, 3),
    ("passport", FieldKind::Code, 3),
    ("passportno", FieldKind::Code, 3),
    ("passportnumber", FieldKind::Code, 3),
    ("hochieu", FieldKind::Code, 3),
    ("sohochieu", FieldKind::Code, 3),
    ("driverlicence", FieldKind::Code, 3),
    ("driverlicense", FieldKind::Code, 3),
    ("driverslicence", FieldKind::Code, 3),
    ("driverslicense", FieldKind::Code, 3),
    ("banglai", FieldKind::Code, 3),
    ("sobanglai", FieldKind::Code, 3),
    ("sobhxh", FieldKind::Code, 3),
    ("masobhxh", FieldKind::Code, 3),
    ("mabhxh", FieldKind::Code, 3),
    ("sothebhyt", FieldKind::Code, 3),
    ("masothue", FieldKind::Code, 3),
    ("mst", FieldKind::Code, 3),
    ("taxid", FieldKind::Code, 3),
    ("tfn", FieldKind::Code, 3),
    ("medicare", FieldKind::Code, 3),
    ("medicarenumber", FieldKind::Code, 3),
    ("bienso", FieldKind::Code, 3),
    ("biensoxe", FieldKind::Code, 3),
    ("quequan", FieldKind::Text, 3),
    ("nguyenquan", FieldKind::Text, 3),
    ("noisinh", FieldKind::Text, 3),
    ("nghenghiep", FieldKind::Text, 3),
    ("dantoc", FieldKind::Text, 2),
    ("occupation", FieldKind::Text, 3),
    ("placeofbirth", FieldKind::Text, 3),
    ("birthplace", FieldKind::Text, 3),
    ("employer", FieldKind::Text, 3),
    ("chieucao", FieldKind::Numeric, 3),
    ("cannang", FieldKind::Numeric, 3),
    ("height", FieldKind::Numeric, 3),
    ("weight", FieldKind::Numeric, 3),
];

/// Prefixes that name a kind whatever follows (`Ngày sinh (dd/mm/yyyy)`, `Số CCCD/CMND (*)`).
const PREFIX: &[(&str, FieldKind)] = &[
    ("hovaten", FieldKind::Name),
    ("hoten", FieldKind::Name),
    ("ngaysinh", FieldKind::Dob),
    ("ngaythangnamsinh", FieldKind::Dob),
    ("dateofbirth", FieldKind::Dob),
    ("gioitinh", FieldKind::Sex),
    ("diachi", FieldKind::Address),
    ("socccd", FieldKind::NationalId),
    ("socmnd", FieldKind::NationalId),
    ("cccd", FieldKind::NationalId),
    ("cmnd", FieldKind::NationalId),
    ("socancuoc", FieldKind::NationalId),
    ("sodinhdanh", FieldKind::NationalId),
    ("sodienthoai", FieldKind::Phone),
    ("dienthoai", FieldKind::Phone),
    ("phone", FieldKind::Phone),
    ("email", FieldKind::Email),
    ("postcode", FieldKind::Postcode),
    ("sohochieu", FieldKind::Code),
    ("passport", FieldKind::Code),
];

/// Words that say which address a column belongs to (`mailing_address_city`,
/// `home_zipcode`, `address_state`), longest first: stripped before an address part is matched.
const ADDRESS_QUALIFIERS: &[&str] = &[
    "residentialaddress",
    "permanentaddress",
    "currentaddress",
    "mailingaddress",
    "postaladdress",
    "homeaddress",
    "residential",
    "permanent",
    "current",
    "mailing",
    "address",
    "postal",
    "home",
    "addr",
];

/// The kinds that hold an address or a part of it (the postcode aside).
pub(crate) const ADDRESS_KINDS: &[FieldKind] = &[
    FieldKind::Address,
    FieldKind::HouseNumber,
    FieldKind::Street,
    FieldKind::Ward,
    FieldKind::District,
    FieldKind::Province,
];

/// Keys of a second address line (`address_2`, `unit_number`, `apartment`), after any
/// qualifier: joined with the address text when the address is compared as text.
const SECOND_LINE: &[&str] = &[
    "address2",
    "addressline2",
    "addr2",
    "line2",
    "unit",
    "unitnumber",
    "unitno",
    "apartment",
    "apartmentnumber",
    "apt",
    "aptno",
    "suite",
];

/// The key of a header with an address qualifier stripped (`mailingaddressstreetnumber` →
/// `streetnumber`), or `None` when it has none.
fn unqualified(key: &str) -> Option<&str> {
    ADDRESS_QUALIFIERS.iter().find_map(|q| key.strip_prefix(q).filter(|rest| !rest.is_empty()))
}

/// Whether a header names a second address line (`address_2`, `mailing_address_unit_number`).
pub fn is_second_address_line(header: &str) -> bool {
    let key = header_key(header);
    SECOND_LINE.contains(&key.as_str())
        || unqualified(&key).is_some_and(|k| k == "2" || SECOND_LINE.contains(&k))
}

/// The kind a header names and how strongly (3 exact, 2 prefix or secondary, 1 weak). A part of
/// an address with a qualifier (`mailing_address_street_number`) is that part, at strength 2.
pub fn match_header(header: &str) -> Option<(FieldKind, u8)> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    if let Some(&(_, kind, strength)) = EXACT.iter().find(|(k, _, _)| *k == key) {
        return Some((kind, strength));
    }
    if let Some(rest) = unqualified(&key)
        && let Some(&(_, kind, _)) = EXACT.iter().find(|(k, kind, _)| {
            *k == rest && (ADDRESS_KINDS.contains(kind) || *kind == FieldKind::Postcode)
        })
    {
        return Some((kind, 2));
    }
    PREFIX.iter().find(|(p, _)| key.starts_with(p)).map(|&(_, kind)| (kind, 2))
}

/// Common Vietnamese headers, whose TCVN3 and VNI forms are recognised too.
const LEGACY_HEADERS: &[&str] = &[
    "Họ và tên",
    "Họ tên",
    "Họ và tên khai sinh",
    "Tên",
    "Ngày sinh",
    "Ngày tháng năm sinh",
    "Năm sinh",
    "Giới tính",
    "Giới",
    "Phái",
    "Địa chỉ",
    "Địa chỉ thường trú",
    "Nơi thường trú",
    "Thường trú",
    "Nơi ở hiện tại",
    "Số CMND",
    "Số CCCD",
    "Số CMND/CCCD",
    "Số CCCD/CMND",
    "Số định danh",
    "Số định danh cá nhân",
    "Căn cước công dân",
    "Số điện thoại",
    "Điện thoại",
    "Số ĐT",
    "SĐT",
    "Di động",
    "Mã",
    "Mã hồ sơ",
    "Số thứ tự",
    "Họ",
    "Chữ đệm",
    "Tên đệm",
    "Số nhà",
    "Đường",
    "Thôn",
    "Phường/Xã",
    "Xã/Phường",
    "Quận/Huyện",
    "Tỉnh/Thành phố",
    "Tỉnh",
    "Quê quán",
    "Nơi sinh",
];

/// The key of a legacy-encoded header: ASCII letters lower-cased, ASCII punctuation and spaces
/// dropped, every other character kept as is (its case carries meaning in TCVN3).
fn legacy_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_ascii() || c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The kind of a header written in TCVN3 or VNI-Windows and read as Windows-1252
/// (`Hä vµ tªn`, `HOÏ VAØ TEÂN`), as the same header in Unicode would have.
pub fn match_legacy_header(header: &str) -> Option<(FieldKind, u8)> {
    static KEYS: OnceLock<Vec<(String, FieldKind, u8)>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let mut keys = Vec::new();
        for &h in LEGACY_HEADERS {
            let Some((kind, strength)) = match_header(h) else { continue };
            for form in [h.to_string(), h.to_lowercase(), h.to_uppercase()] {
                for encoded in [legacy::encode_tcvn3(&form), legacy::encode_vni(&form)] {
                    let key = legacy_key(&encoded);
                    if encoded != form && !keys.iter().any(|(k, _, _)| *k == key) {
                        keys.push((key, kind, strength));
                    }
                }
            }
        }
        keys
    });
    let key = legacy_key(header.trim());
    keys.iter().find(|(k, _, _)| *k == key).map(|&(_, kind, strength)| (kind, strength))
}

/// Parses a field-kind name as given to `--column`: the schema names and aliases
/// ([`FieldKind::parse`]) or any header alias (`ho_ten`, `ngay_sinh`, `sdt`…).
pub fn parse_kind(s: &str) -> Option<FieldKind> {
    FieldKind::parse(s).or_else(|| match_header(s).map(|(kind, _)| kind))
}

/// The names of every kind, for messages.
pub(crate) fn kind_names() -> String {
    let names: Vec<&str> =
        FieldKind::SINGLE.iter().chain(&FieldKind::EXTRA).map(|k| k.as_str()).collect();
    names.join(", ")
}

/// Parses a `kind=header` column override (`full_name=Họ và tên`).
pub fn parse_column_override(s: &str) -> crate::Result<(FieldKind, String)> {
    let err = |reason: String| crate::Error::Config { path: None, key: "--column".into(), reason };
    let Some((kind, header)) = s.split_once('=') else {
        return Err(err(format!("`{s}` is not `kind=header` (e.g. `full_name=Họ và tên`)")));
    };
    let kind = parse_kind(kind).ok_or_else(|| {
        err(format!("unknown field kind `{}` (known: {})", kind.trim(), kind_names()))
    })?;
    let header = header.trim();
    if header.is_empty() {
        return Err(err(format!("no header given for `{kind}` in `{s}`")));
    }
    Ok((kind, header.to_string()))
}

/// The outcome of [`map_columns`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    /// The mapped columns: the single-column kinds in [`FieldKind::SINGLE`] order, then the
    /// extra fields in input order.
    pub schema: Schema,
    /// Indices of the columns left unmapped.
    pub unmapped: Vec<usize>,
}

/// Maps `headers` to field kinds: the overrides first, then the aliases. `Err` holds a reason
/// (an override names no header, two overrides name one column, or too many extra fields).
///
/// A single-column kind takes its strongest column (ties: the leftmost); an extra kind takes
/// every column that names it, each a field named after its header ([`crate::schema::field_name`],
/// made unique with `_2`, `_3`…). When a family-name column is there, a bare "Tên" column is
/// the given name, not the full name.
pub fn map_columns(
    headers: &[String],
    overrides: &[(FieldKind, String)],
) -> Result<ColumnMap, String> {
    let mut chosen: Vec<Option<(usize, u8)>> = vec![None; FieldKind::SINGLE.len()];
    let mut extras: Vec<(usize, FieldKind)> = Vec::new();
    let mut taken = vec![false; headers.len()];

    for (kind, wanted) in overrides {
        let wanted_key = header_key(wanted);
        let index = headers
            .iter()
            .position(|h| h.trim() == wanted.trim())
            .or_else(|| headers.iter().position(|h| header_key(h) == wanted_key))
            .ok_or_else(|| {
                format!(
                    "column `{wanted}` (given for {kind}) is not in the header ({})",
                    quoted_list(headers)
                )
            })?;
        if taken[index] {
            return Err(format!("column `{}` is given for two field kinds", headers[index]));
        }
        taken[index] = true;
        if kind.is_extra() {
            extras.push((index, *kind));
            continue;
        }
        if chosen[slot(*kind)].is_some() {
            return Err(format!("{kind} is given two columns"));
        }
        chosen[slot(*kind)] = Some((index, u8::MAX));
    }

    for (index, header) in headers.iter().enumerate() {
        if taken[index] {
            continue;
        }
        if let Some((kind, strength)) = match_header(header).or_else(|| match_legacy_header(header))
        {
            if kind.is_extra() {
                extras.push((index, kind));
                continue;
            }
            let best = &mut chosen[slot(kind)];
            if best.is_none_or(|(_, s)| strength > s) {
                *best = Some((index, strength));
            }
        }
    }
    // "Họ" + "Tên": the bare "Tên" is the given name.
    let name = chosen[slot(FieldKind::Name)];
    if let Some((index, strength)) = name
        && strength <= 2
        && chosen[slot(FieldKind::FamilyName)].is_some()
        && chosen[slot(FieldKind::GivenName)].is_none()
    {
        chosen[slot(FieldKind::GivenName)] = Some((index, strength));
        chosen[slot(FieldKind::Name)] = None;
    }

    let mut schema = Schema::default();
    let mut used = vec![false; headers.len()];
    for kind in FieldKind::SINGLE {
        if let Some((index, _)) = chosen[slot(kind)] {
            used[index] = true;
            schema.columns.push(ColumnMapping {
                kind,
                index,
                header: headers[index].clone(),
                name: String::new(),
                compare: true,
                levels: Vec::new(),
            });
        }
    }
    extras.sort_unstable();
    if extras.len() > crate::schema::MAX_EXTRA {
        let listed: Vec<String> = extras.iter().map(|&(i, _)| headers[i].clone()).collect();
        return Err(format!(
            "{} columns are extra fields ({}); at most {} can be matched: choose them with a \
             config file (`vnlink schema`)",
            extras.len(),
            quoted_list(&listed),
            crate::schema::MAX_EXTRA
        ));
    }
    for (index, kind) in extras {
        used[index] = true;
        let base = crate::schema::field_name(&headers[index]);
        let mut name = base.clone();
        let mut n = 1;
        while schema.columns.iter().any(|c| c.name == name) || is_reserved_name(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        schema.columns.push(ColumnMapping {
            kind,
            index,
            header: headers[index].clone(),
            name,
            compare: true,
            levels: Vec::new(),
        });
    }
    let unmapped = (0..headers.len()).filter(|&i| !used[i]).collect();
    Ok(ColumnMap { schema, unmapped })
}

/// Maps `headers` exactly as a configuration's `[[columns]]` say: every entry must name a column
/// of the header; the other columns are left unmapped. `Err` holds the key (`columns[2]`) and
/// the reason.
pub fn map_config(
    headers: &[String],
    columns: &[ColumnConfig],
) -> Result<ColumnMap, (String, String)> {
    let mut schema = Schema::default();
    let mut used = vec![false; headers.len()];
    let mut extras = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let key = format!("columns[{i}]");
        let index = config_column(headers, &used, &key, c)?;
        used[index] = true;
        if c.kind.is_extra() {
            extras.push((i, index, c));
        } else if schema.columns.iter().any(|m| m.kind == c.kind) {
            return Err((format!("{key}.kind"), format!("{} is given two columns", c.kind)));
        } else {
            schema.columns.push(ColumnMapping {
                kind: c.kind,
                index,
                header: headers[index].clone(),
                name: String::new(),
                compare: true,
                levels: Vec::new(),
            });
        }
    }
    schema.columns.sort_by_key(|m| slot(m.kind));
    add_config_extras(&mut schema, headers, extras)?;
    let unmapped = (0..headers.len()).filter(|&i| !used[i]).collect();
    Ok(ColumnMap { schema, unmapped })
}

/// The column of `headers` that the configuration's column `c` (at `key`) names: the first one
/// of that header not taken yet (a file may repeat a header), by trimmed text, then by
/// [`header_key`]. A column already taken is an error.
fn config_column(
    headers: &[String],
    used: &[bool],
    key: &str,
    c: &ColumnConfig,
) -> Result<usize, (String, String)> {
    let wanted_key = header_key(&c.header);
    let free = |f: &dyn Fn(&String) -> bool| {
        headers.iter().enumerate().position(|(j, h)| !used[j] && f(h))
    };
    let index = free(&|h| h.trim() == c.header.trim())
        .or_else(|| free(&|h| header_key(h) == wanted_key))
        .or_else(|| headers.iter().position(|h| h.trim() == c.header.trim()))
        .ok_or_else(|| {
            (
                format!("{key}.header"),
                format!("column `{}` is not in the header ({})", c.header, quoted_list(headers)),
            )
        })?;
    if used[index] {
        return Err((
            format!("{key}.header"),
            format!("column `{}` is given twice", headers[index]),
        ));
    }
    Ok(index)
}

/// The field name of an extra column of a configuration: its `name`, else one made from its
/// header.
fn config_extra_name(c: &ColumnConfig) -> String {
    if c.name.is_empty() { crate::schema::field_name(&c.header) } else { c.name.clone() }
}

/// Adds the extra columns of a configuration (`(entry, column, config)`) to `schema`: at most
/// [`MAX_EXTRA`](crate::schema::MAX_EXTRA) fields; columns named alike are one field (joined)
/// if they are of one kind; a name must not be taken.
fn add_config_extras(
    schema: &mut Schema,
    headers: &[String],
    extras: Vec<(usize, usize, &ColumnConfig)>,
) -> Result<(), (String, String)> {
    let mut names: Vec<String> = Vec::new();
    for (_, _, c) in &extras {
        let name = config_extra_name(c);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.len() > crate::schema::MAX_EXTRA {
        return Err((
            "columns".into(),
            format!(
                "{} extra fields; at most {} can be matched",
                names.len(),
                crate::schema::MAX_EXTRA
            ),
        ));
    }
    for (i, index, c) in extras {
        let name = config_extra_name(c);
        // Columns named alike are one field (joined), if they are of one kind.
        if let Some(m) = schema.columns.iter().find(|m| m.name == name && m.kind.is_extra()) {
            if m.kind != c.kind {
                return Err((
                    format!("columns[{i}].kind"),
                    format!(
                        "`{name}` is already a field of kind {}: columns joined into one field \
                         must have one kind",
                        m.kind
                    ),
                ));
            }
        } else if is_reserved_name(&name) || schema.columns.iter().any(|m| m.name == name) {
            return Err((
                format!("columns[{i}].name"),
                format!(
                    "`{name}` is taken (by a fixed field, a blocking key or another column): \
                     give the column another `name`"
                ),
            ));
        }
        if !c.levels.is_empty() && !c.kind.is_extra() {
            return Err((
                format!("columns[{i}].levels"),
                format!(
                    "comparison levels are for extra fields (email, postcode, text, code, \
                     numeric); `{}` is compared by its built-in levels",
                    c.kind
                ),
            ));
        }
        schema.columns.push(ColumnMapping {
            kind: c.kind,
            index,
            header: headers[index].clone(),
            name,
            compare: c.compare,
            levels: c.levels.clone(),
        });
    }
    Ok(())
}

/// Names an extra field cannot take (moved to the schema, which sits below matching).
pub use crate::schema::is_reserved_name;

/// `"a", "b", "c"` for messages.
pub(crate) fn quoted_list(headers: &[String]) -> String {
    headers
        .iter()
        .map(|h| format!("`{}`", super::report::escape_text(h)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The position of a single-column `kind` in [`FieldKind::SINGLE`] (extra kinds: past its end).
pub(crate) fn slot(kind: FieldKind) -> usize {
    match kind {
        FieldKind::RecordId => 0,
        FieldKind::Name => 1,
        FieldKind::Dob => 2,
        FieldKind::Sex => 3,
        FieldKind::Address => 4,
        FieldKind::NationalId => 5,
        FieldKind::Phone => 6,
        FieldKind::FamilyName => 7,
        FieldKind::MiddleName => 8,
        FieldKind::GivenName => 9,
        FieldKind::HouseNumber => 10,
        FieldKind::Street => 11,
        FieldKind::Ward => 12,
        FieldKind::District => 13,
        FieldKind::Province => 14,
        _ => FieldKind::SINGLE.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(h: &str) -> Option<FieldKind> {
        match_header(h).map(|(k, _)| k)
    }

    #[test]
    fn slots_follow_all() {
        for (i, k) in FieldKind::SINGLE.iter().enumerate() {
            assert_eq!(slot(*k), i);
        }
    }

    #[test]
    fn vietnamese_and_english_headers() {
        let cases: &[(FieldKind, &[&str])] = &[
            (
                FieldKind::Name,
                &[
                    "Họ và tên",
                    "HỌ VÀ TÊN",
                    "Họ tên",
                    "ho_ten",
                    "hoten",
                    "Ho va ten",
                    "full_name",
                    "Full Name",
                    "name",
                    "Họ và tên (*)",
                    "Họ, chữ đệm và tên",
                ],
            ),
            (
                FieldKind::Dob,
                &[
                    "Ngày sinh",
                    "ngay_sinh",
                    "NGAY SINH",
                    "dob",
                    "DOB",
                    "date_of_birth",
                    "Date of birth",
                    "birth_date",
                    "Ngày sinh (dd/mm/yyyy)",
                    "Ngày, tháng, năm sinh",
                ],
            ),
            (FieldKind::Sex, &["Giới tính", "gioi_tinh", "GIOITINH", "sex", "Gender", "Phái"]),
            (
                FieldKind::Address,
                &[
                    "Địa chỉ",
                    "dia_chi",
                    "address",
                    "Địa chỉ thường trú",
                    "Nơi thường trú",
                    "ADDRESS",
                ],
            ),
            (
                FieldKind::NationalId,
                &[
                    "Số CCCD",
                    "cccd",
                    "CMND",
                    "Số CMND/CCCD",
                    "so_cmnd",
                    "id_number",
                    "national_id",
                    "Số CCCD/CMND (*)",
                    "Số định danh cá nhân",
                    "Mã định danh",
                    "Căn cước công dân",
                    "CMTND",
                ],
            ),
            (
                FieldKind::Phone,
                &[
                    "Số điện thoại",
                    "sdt",
                    "SĐT",
                    "Điện thoại",
                    "phone",
                    "Mobile",
                    "so_dien_thoai",
                    "ĐT di động",
                    "Tel",
                    "Phone number",
                ],
            ),
            (FieldKind::RecordId, &["record_id", "id", "ID", "Mã", "ma", "STT", "Mã hồ sơ", "key"]),
        ];
        for (want, headers) in cases {
            for h in *headers {
                assert_eq!(kind(h), Some(*want), "{h:?}");
            }
        }
        // Near-misses stay unmapped.
        for h in ["Ghi chú", "Lý do", "", "  ", "Hộ khẩu", "notes", "Ngày cấp"] {
            assert_eq!(kind(h), None, "{h:?}");
        }
    }

    #[test]
    fn part_and_extra_headers() {
        let cases: &[(FieldKind, &[&str])] = &[
            (
                FieldKind::FamilyName,
                &["Họ", "HO", "ho", "Surname", "last_name", "LastName", "Family name"],
            ),
            (
                FieldKind::MiddleName,
                &["Chữ đệm", "Tên đệm", "ten_dem", "Tên lót", "middle_name", "Middle Name"],
            ),
            (
                FieldKind::GivenName,
                &["first_name", "First Name", "given_name", "Forename", "Given names"],
            ),
            (
                FieldKind::HouseNumber,
                &["Số nhà", "so_nha", "street_number", "House number", "House No"],
            ),
            (
                FieldKind::Street,
                &[
                    "Đường/Thôn",
                    "Đường",
                    "Thôn/Xóm",
                    "duong_pho",
                    "street",
                    "address_1",
                    "Address line 1",
                ],
            ),
            (
                FieldKind::Ward,
                &[
                    "Phường/Xã",
                    "Xã/Phường",
                    "phuong_xa",
                    "Phường, xã, thị trấn",
                    "suburb",
                    "City",
                    "Locality",
                ],
            ),
            (FieldKind::District, &["Quận/Huyện", "quan_huyen", "Huyện", "district", "County"]),
            (FieldKind::Province, &["Tỉnh/Thành phố", "Tỉnh/TP", "tinh", "State", "province"]),
            (
                FieldKind::Email,
                &["Email", "E-mail", "email_address", "Thư điện tử", "Địa chỉ email"],
            ),
            (
                FieldKind::Postcode,
                &["postcode", "Post code", "ZIP", "zip_code", "Postal code", "Mã bưu chính"],
            ),
            (
                FieldKind::Code,
                &[
                    "SSN",
                    "Số hộ chiếu",
                    "passport_no",
                    "Số BHXH",
                    "Mã số thuế",
                    "Driver licence",
                    "Biển số xe",
                ],
            ),
            (
                FieldKind::Text,
                &["Quê quán", "Nơi sinh", "Nghề nghiệp", "occupation", "Place of birth", "Dân tộc"],
            ),
            (FieldKind::Numeric, &["Chiều cao", "Cân nặng", "height", "Weight"]),
        ];
        for (want, headers) in cases {
            for h in *headers {
                assert_eq!(kind(h), Some(*want), "{h:?}");
            }
        }
        // "Địa chỉ email" is an e-mail, although it starts like "Địa chỉ".
        assert_eq!(kind("Địa chỉ thường trú"), Some(FieldKind::Address));
    }

    #[test]
    fn qualified_address_parts_and_second_lines() {
        for (h, want) in [
            ("mailing_address_street_number", FieldKind::HouseNumber),
            ("mailing_address_street_name", FieldKind::Street),
            ("Mailing Address City", FieldKind::Ward),
            ("residential_address_state", FieldKind::Province),
            ("home_zipcode", FieldKind::Postcode),
            ("address_county", FieldKind::District),
            ("home_address", FieldKind::Address),
        ] {
            assert_eq!(match_header(h), Some((want, 2)), "{h:?}");
        }
        // A qualifier names an address: not any other kind.
        assert_eq!(match_header("home_ssn"), None);
        assert_eq!(match_header("mailing_notes"), None);
        for h in
            ["address_2", "Address line 2", "unit_number", "mailing_address_unit_number", "apt"]
        {
            assert!(is_second_address_line(h), "{h:?}");
        }
        for h in ["address_1", "street", "2", "unit_price", "mailing_address_city"] {
            assert!(!is_second_address_line(h), "{h:?}");
        }
    }

    #[test]
    fn split_columns_and_extra_fields() {
        let headers: Vec<String> = [
            "STT",
            "Họ",
            "Chữ đệm",
            "Tên",
            "Ngày sinh",
            "Số nhà",
            "Đường/Thôn",
            "Phường/Xã",
            "Quận/Huyện",
            "Tỉnh/Thành phố",
            "Email",
            "Email",
            "Quê quán",
            "Ghi chú",
        ]
        .map(String::from)
        .to_vec();
        let m = map_columns(&headers, &[]).unwrap();
        let idx = |k| m.schema.index_of(k);
        // A bare "Tên" beside "Họ" is the given name.
        assert_eq!((idx(FieldKind::Name), idx(FieldKind::GivenName)), (None, Some(3)));
        assert_eq!(idx(FieldKind::FamilyName), Some(1));
        assert_eq!(idx(FieldKind::MiddleName), Some(2));
        assert_eq!(idx(FieldKind::Province), Some(9));
        let extras: Vec<(usize, FieldKind, &str)> =
            m.schema.extras().map(|c| (c.index, c.kind, c.name.as_str())).collect();
        assert_eq!(
            extras,
            [
                (10, FieldKind::Email, "email"),
                (11, FieldKind::Email, "email_2"),
                (12, FieldKind::Text, "que_quan")
            ]
        );
        assert_eq!(m.unmapped, vec![13]);
        // Alone, "Tên" is still a (weak) full name.
        let headers: Vec<String> = ["Tên", "Ngày sinh"].map(String::from).to_vec();
        assert_eq!(map_columns(&headers, &[]).unwrap().schema.index_of(FieldKind::Name), Some(0));
        // An extra field cannot take a reserved name.
        let headers: Vec<String> = ["Họ tên", "dob"].map(String::from).to_vec();
        let m = map_columns(&headers, &[(FieldKind::Text, "dob".into())]).unwrap();
        assert_eq!(m.schema.extras().next().map(|c| c.name.as_str()), Some("dob_2"));
        // Overrides can name an extra kind; too many extra fields is an error naming them.
        let headers: Vec<String> = (0..10).map(|i| format!("email {i}")).collect();
        let err = map_columns(&headers, &[]).unwrap_err();
        assert!(err.contains("10 columns are extra fields") && err.contains("`email 9`"), "{err}");
    }

    #[test]
    fn legacy_encoded_headers() {
        for h in [
            "Họ và tên",
            "HỌ VÀ TÊN",
            "họ tên",
            "Ngày sinh",
            "Giới tính",
            "Số CMND",
            "Địa chỉ",
            "Số điện thoại",
        ] {
            let want = match_header(h).map(|(k, _)| k);
            assert!(want.is_some(), "{h}");
            for garbled in [legacy::encode_tcvn3(h), legacy::encode_vni(h)] {
                assert_ne!(garbled, h);
                assert_eq!(match_legacy_header(&garbled).map(|(k, _)| k), want, "{h} as {garbled}");
            }
        }
        assert_eq!(match_legacy_header("Hä vµ tªn").map(|(k, _)| k), Some(FieldKind::Name));
        assert_eq!(match_legacy_header("Quª qu¸n").map(|(k, _)| k), Some(FieldKind::Text));
        assert_eq!(match_legacy_header("Ghi chó"), None);
        assert_eq!(
            match_legacy_header("Họ và tên"),
            None,
            "Unicode headers go through match_header"
        );
    }

    #[test]
    fn strengths_order_candidates() {
        let headers: Vec<String> = [
            "STT",
            "Tên",
            "Năm sinh",
            "Mã hồ sơ",
            "Họ và tên",
            "Ngày sinh",
            "Nơi ở hiện tại",
            "Địa chỉ thường trú",
        ]
        .map(String::from)
        .to_vec();
        let m = map_columns(&headers, &[]).unwrap();
        let idx = |k| m.schema.index_of(k);
        assert_eq!(idx(FieldKind::RecordId), Some(3)); // Mã hồ sơ beats STT
        assert_eq!(idx(FieldKind::Name), Some(4)); // Họ và tên beats Tên
        assert_eq!(idx(FieldKind::Dob), Some(5)); // Ngày sinh beats Năm sinh
        assert_eq!(idx(FieldKind::Address), Some(7));
        assert_eq!(m.unmapped, vec![0, 1, 2, 6]);
        // Ties go to the leftmost column.
        let headers: Vec<String> = ["SĐT", "Điện thoại"].map(String::from).to_vec();
        assert_eq!(map_columns(&headers, &[]).unwrap().schema.index_of(FieldKind::Phone), Some(0));
        // STT serves as the record id when nothing better is there.
        let headers: Vec<String> = ["STT", "Họ tên"].map(String::from).to_vec();
        assert_eq!(
            map_columns(&headers, &[]).unwrap().schema.index_of(FieldKind::RecordId),
            Some(0)
        );
    }

    #[test]
    fn overrides_come_first() {
        let headers: Vec<String> =
            ["Mã", "Tên người nộp", "Họ và tên", "Ghi chú"].map(String::from).to_vec();
        let m = map_columns(
            &headers,
            &[(FieldKind::Name, "Tên người nộp".into()), (FieldKind::Address, "ghi_chu".into())],
        )
        .unwrap();
        assert_eq!(m.schema.index_of(FieldKind::Name), Some(1));
        assert_eq!(m.schema.index_of(FieldKind::Address), Some(3)); // matched by key
        assert_eq!(m.schema.index_of(FieldKind::RecordId), Some(0));
        assert_eq!(m.unmapped, vec![2]);

        let err = map_columns(&headers, &[(FieldKind::Dob, "Ngày sinh".into())]).unwrap_err();
        assert!(
            err.contains("`Ngày sinh`") && err.contains("dob") && err.contains("`Ghi chú`"),
            "{err}"
        );
        let err = map_columns(
            &headers,
            &[(FieldKind::Name, "Mã".into()), (FieldKind::RecordId, "Mã".into())],
        )
        .unwrap_err();
        assert!(err.contains("two field kinds"), "{err}");
        let err = map_columns(
            &headers,
            &[(FieldKind::Name, "Mã".into()), (FieldKind::Name, "Ghi chú".into())],
        )
        .unwrap_err();
        assert!(err.contains("full_name is given two columns"), "{err}");
    }

    #[test]
    fn column_override_syntax() {
        assert_eq!(
            parse_column_override("full_name=Họ và tên").unwrap(),
            (FieldKind::Name, "Họ và tên".to_string())
        );
        assert_eq!(parse_column_override("ngay_sinh = NS").unwrap(), (FieldKind::Dob, "NS".into()));
        assert_eq!(
            parse_column_override("sdt=Phone 1").unwrap(),
            (FieldKind::Phone, "Phone 1".into())
        );
        for bad in ["full_name", "colour=Màu", "dob="] {
            let e = parse_column_override(bad).unwrap_err().to_string();
            assert!(e.contains("--column"), "{e}");
        }
    }
}
