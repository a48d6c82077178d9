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
use crate::schema::{ColumnMapping, FieldKind, Schema};

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
];

/// The kind a header names and how strongly (3 exact, 2 prefix or secondary, 1 weak).
pub fn match_header(header: &str) -> Option<(FieldKind, u8)> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    if let Some(&(_, kind, strength)) = EXACT.iter().find(|(k, _, _)| *k == key) {
        return Some((kind, strength));
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

/// Parses a `kind=header` column override (`full_name=Họ và tên`).
pub fn parse_column_override(s: &str) -> crate::Result<(FieldKind, String)> {
    let err = |reason: String| crate::Error::Config { path: None, key: "--column".into(), reason };
    let Some((kind, header)) = s.split_once('=') else {
        return Err(err(format!("`{s}` is not `kind=header` (e.g. `full_name=Họ và tên`)")));
    };
    let kind = parse_kind(kind).ok_or_else(|| {
        let names: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
        err(format!("unknown field kind `{}` (known: {})", kind.trim(), names.join(", ")))
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
    /// The mapped columns, in [`FieldKind::ALL`] order.
    pub schema: Schema,
    /// Indices of the columns left unmapped.
    pub unmapped: Vec<usize>,
}

/// Maps `headers` to field kinds: the overrides first, then the aliases. `Err` holds a reason
/// (an override names no header, or two overrides name one column).
pub fn map_columns(
    headers: &[String],
    overrides: &[(FieldKind, String)],
) -> Result<ColumnMap, String> {
    let mut chosen: Vec<Option<(usize, u8)>> = vec![None; FieldKind::ALL.len()];
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
        if chosen[slot(*kind)].is_some() {
            return Err(format!("{kind} is given two columns"));
        }
        taken[index] = true;
        chosen[slot(*kind)] = Some((index, u8::MAX));
    }

    for (index, header) in headers.iter().enumerate() {
        if taken[index] {
            continue;
        }
        if let Some((kind, strength)) = match_header(header).or_else(|| match_legacy_header(header))
        {
            let best = &mut chosen[slot(kind)];
            if best.is_none_or(|(_, s)| strength > s) {
                *best = Some((index, strength));
            }
        }
    }

    let mut schema = Schema::default();
    let mut used = vec![false; headers.len()];
    for kind in FieldKind::ALL {
        if let Some((index, _)) = chosen[slot(kind)] {
            used[index] = true;
            schema.columns.push(ColumnMapping { kind, index, header: headers[index].clone() });
        }
    }
    let unmapped = (0..headers.len()).filter(|&i| !used[i]).collect();
    Ok(ColumnMap { schema, unmapped })
}

/// `"a", "b", "c"` for messages.
pub(crate) fn quoted_list(headers: &[String]) -> String {
    headers.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
}

/// The position of `kind` in [`FieldKind::ALL`].
pub(crate) fn slot(kind: FieldKind) -> usize {
    match kind {
        FieldKind::RecordId => 0,
        FieldKind::Name => 1,
        FieldKind::Dob => 2,
        FieldKind::Sex => 3,
        FieldKind::Address => 4,
        FieldKind::NationalId => 5,
        FieldKind::Phone => 6,
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
        for (i, k) in FieldKind::ALL.iter().enumerate() {
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
        for h in ["Quê quán", "Nơi sinh", "Ghi chú", "Dân tộc", "email", "", "  ", "Họ"] {
            assert_eq!(kind(h), None, "{h:?}");
        }
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
        assert_eq!(match_legacy_header("Quª qu¸n"), None);
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
