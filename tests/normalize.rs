//! `vnlink normalize`: the JSON-lines contract of every `--kind` (keys and values on real
//! examples), input order, standard input against arguments, and the CSV mode.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

fn vnlink(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vnlink");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().expect("wait for vnlink")
}

/// Runs `vnlink normalize --kind KIND VALUES…` and parses one JSON object per line.
fn normalize_args(kind: &str, values: &[&str]) -> Vec<Value> {
    let mut args = vec!["normalize", "--kind", kind, "--"];
    args.extend_from_slice(values);
    parse(&vnlink(&args, None))
}

/// Runs `vnlink normalize --kind KIND` with `input` on standard input.
fn normalize_stdin(kind: &str, input: &str) -> Vec<Value> {
    parse(&vnlink(&["normalize", "--kind", kind], Some(input.as_bytes())))
}

fn parse(out: &Output) -> Vec<Value> {
    assert!(out.status.success(), "vnlink failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 output");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

/// Asserts that `v` has every key of `keys` and that the listed ones have the given values.
fn check(v: &Value, keys: &[&str], expected: &Value) {
    let obj = v.as_object().expect("a JSON object");
    for k in keys {
        assert!(obj.contains_key(*k), "key {k:?} missing in {v}");
    }
    for (k, want) in expected.as_object().unwrap() {
        assert_eq!(&obj[k], want, "key {k:?} of {v}");
    }
}

const NAME_KEYS: &[&str] =
    &["text", "ascii", "family", "middle", "given", "family_class", "phonetic", "sex_hint"];
const ADDRESS_KEYS: &[&str] = &[
    "house_number",
    "street",
    "ward_old",
    "district_old",
    "province_old",
    "ward_new",
    "province_new",
];
const DATE_KEYS: &[&str] = &["year", "month", "day", "precision"];
const ID_KEYS: &[&str] = &["kind", "digits", "birth_province_code", "sex", "birth_year"];
const PHONE_KEYS: &[&str] = &["national"];

#[test]
fn name_keys_and_values() {
    let out = normalize_args(
        "name",
        &[
            "  NGUYỄN  THỊ HOÀ ",
            "Huỳnh Văn Phước",
            "Nguyeãn Vaên Phöôùc",
            "Van An Nguyen",
            "Thị Lan",
        ],
    );
    assert_eq!(out.len(), 5);
    check(
        &out[0],
        NAME_KEYS,
        &json!({"text": "nguyễn thị hòa", "ascii": "nguyen thi hoa", "family": "nguyễn",
                "middle": "thị", "given": "hòa", "family_class": "nguyễn",
                "phonetic": "nguyeN thi hoa", "sex_hint": "female"}),
    );
    check(
        &out[1],
        NAME_KEYS,
        &json!({"text": "huỳnh văn phước", "family": "huỳnh", "family_class": "hoàng",
                "given_class": "phúc", "sex_hint": "male"}),
    );
    // VNI-Windows text read as Windows-1252.
    check(
        &out[2],
        NAME_KEYS,
        &json!({"text": "nguyễn văn phước", "phonetic": "nguyeN vaN fuoT", "encoding": "vni"}),
    );
    // Given-name-first order is rotated.
    check(
        &out[3],
        NAME_KEYS,
        &json!({"family": "nguyen", "middle": "van", "given": "an", "text": "nguyen van an"}),
    );
    // No family part: null, not "".
    check(
        &out[4],
        NAME_KEYS,
        &json!({"family": null, "middle": "thị", "given": "lan", "family_class": null}),
    );
}

/// A name without diacritics gets the classes of its most likely accented form, as the
/// `_ascii` classes that matching uses already agree.
#[test]
fn ascii_names_share_the_classes_of_their_accented_forms() {
    let input = "Hoang Van Nam\nHuỳnh Văn Nam\nHuynh Van Nam\nHoàng Văn Nam\n\
                 Vo Van Phuoc\nVõ Văn Phúc\nVũ Văn Phước\nVu Van Phuc\n\
                 Nguyễn Văn Phuoc\nLê Thị Hoa\nLe Thi Hoa\n";
    let out = normalize_stdin("name", input);
    assert_eq!(out.len(), 11);
    let classes: Vec<(&str, &str, &str)> = out
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"));
            (s("family_class"), s("family_class_ascii"), s("given_class"))
        })
        .collect();
    for c in &classes[..4] {
        assert_eq!(c.0, "hoàng", "{classes:?}");
        assert_eq!(c.1, "hoang", "{classes:?}");
    }
    for c in &classes[4..8] {
        assert_eq!(*c, ("vũ", "vu", "phúc"), "{classes:?}");
    }
    // An ASCII token beside accented ones: a listed name stands for itself, another for its
    // likely accented form.
    assert_eq!(classes[8].2, "phúc");
    assert_eq!(classes[9].2, "hoa");
    assert_eq!(classes[10].2, "hòa");
    // Only the canonical classes moved: the ASCII forms are as they were.
    check(&out[0], NAME_KEYS, &json!({"text": "hoang van nam", "family": "hoang"}));
}

#[test]
fn address_keys_and_values() {
    let out = normalize_args(
        "address",
        &[
            "123/45 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM",
            "Phường Phạm Đình Hổ, Quận Hai Bà Trưng, Hà Nội",
            "Số 5 ngõ 12 phố Huế, phường Hai Bà Trưng, Hà Nội",
            "xyz",
        ],
    );
    assert_eq!(out.len(), 4);
    check(
        &out[0],
        ADDRESS_KEYS,
        &json!({"house_number": "123/45", "street": "lê lợi", "ward_old": "26740",
                "district_old": "760", "province_old": "79", "ward_new": "26740",
                "province_new": "79"}),
    );
    // A split ward: every successor, the default first.
    check(
        &out[1],
        ADDRESS_KEYS,
        &json!({"ward_old": "00247", "district_old": "007", "province_old": "01",
                "ward_new": ["00256", "00082"], "province_new": "01", "street": null}),
    );
    // New-style text: new codes only.
    check(
        &out[2],
        ADDRESS_KEYS,
        &json!({"house_number": "5", "street": "huế", "ward_old": null, "district_old": null,
                "province_old": null, "ward_new": "00256", "province_new": "01",
                "alley": "ngõ 12", "style": "new"}),
    );
    check(&out[3], ADDRESS_KEYS, &json!({"province_new": null, "ward_new": null}));
}

#[test]
fn date_keys_and_values() {
    let out = normalize_args(
        "date",
        &["05/03/1980", "1980", "03/1980", "29285", "31/02/1990", "ngày 5 tháng 3 năm 1980"],
    );
    assert_eq!(out.len(), 6);
    check(
        &out[0],
        DATE_KEYS,
        &json!({"year": 1980, "month": 3, "day": 5, "precision": "day", "warning": null}),
    );
    check(
        &out[1],
        DATE_KEYS,
        &json!({"year": 1980, "month": null, "day": null, "precision": "year"}),
    );
    check(
        &out[2],
        DATE_KEYS,
        &json!({"year": 1980, "month": 3, "day": null, "precision": "month"}),
    );
    check(
        &out[3],
        DATE_KEYS,
        &json!({"year": 1980, "month": 3, "day": 5, "warning": "date_excel_serial"}),
    );
    check(
        &out[4],
        DATE_KEYS,
        &json!({"year": null, "precision": null, "warning": "date_impossible"}),
    );
    check(&out[5], DATE_KEYS, &json!({"year": 1980, "month": 3, "day": 5, "iso": "1980-03-05"}));
}

#[test]
fn id_keys_and_values() {
    let out = normalize_args("id", &["001088012345", "1088012345", "123456789", "7.9088E+10"]);
    check(
        &out[0],
        ID_KEYS,
        &json!({"kind": "cccd", "digits": "001088012345", "birth_province_code": "001",
                "sex": "male", "birth_year": 1988}),
    );
    check(&out[1], ID_KEYS, &json!({"kind": "cccd", "digits": "001088012345", "padded": true}));
    check(
        &out[2],
        ID_KEYS,
        &json!({"kind": "cmnd", "digits": "123456789", "birth_province_code": null, "sex": null}),
    );
    check(&out[3], ID_KEYS, &json!({"kind": "invalid", "damaged": true, "birth_year": null}));
}

#[test]
fn phone_keys_and_values() {
    let out = normalize_args("phone", &["+84 912 345 678", "01662345678", "912345678", "gọi sau"]);
    check(&out[0], PHONE_KEYS, &json!({"national": "0912345678", "kind": "mobile"}));
    check(&out[1], PHONE_KEYS, &json!({"national": "0362345678"}));
    check(&out[2], PHONE_KEYS, &json!({"national": "0912345678"}));
    check(&out[3], PHONE_KEYS, &json!({"national": null}));
}

#[test]
fn empty_lines_give_all_null_objects() {
    for (kind, keys) in [
        ("name", NAME_KEYS),
        ("address", ADDRESS_KEYS),
        ("date", DATE_KEYS),
        ("id", ID_KEYS),
        ("phone", PHONE_KEYS),
    ] {
        let out = normalize_stdin(kind, "\n  \n");
        assert_eq!(out.len(), 2, "{kind}");
        for v in &out {
            for (k, x) in v.as_object().unwrap() {
                let ok = x.is_null() || (kind == "name" && k == "middle" && x == "");
                assert!(ok, "{kind}: key {k} of an empty value is {x}");
            }
            for k in keys {
                assert!(v.get(*k).is_some(), "{kind}: key {k} missing");
            }
        }
    }
}

#[test]
fn order_is_kept_and_stdin_equals_arguments() {
    // 300 distinct dates, with empty and unparseable lines among them, CRLF line ends.
    let values: Vec<String> = (0..300)
        .map(|i| match i % 7 {
            3 => String::new(),
            5 => "không rõ".to_owned(),
            _ => format!("{:02}/{:02}/{}", i % 28 + 1, i % 12 + 1, 1900 + i),
        })
        .collect();
    let stdin: String = values.iter().flat_map(|v| [v.as_str(), "\r\n"]).collect();
    let from_stdin = normalize_stdin("date", &stdin);
    assert_eq!(from_stdin.len(), values.len());
    for (i, v) in from_stdin.iter().enumerate() {
        match i % 7 {
            3 => assert_eq!(v["year"], Value::Null),
            5 => assert_eq!(v["warning"], "date_unparseable"),
            _ => {
                assert_eq!(v["year"], json!(1900 + i), "line {i}");
                assert_eq!(v["day"], json!(i % 28 + 1), "line {i}");
            }
        }
    }
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    assert_eq!(normalize_args("date", &refs), from_stdin);

    // A last line without a newline counts; names through both paths agree too.
    let names = ["Lê Văn Tám", "TRẦN THỊ THUÝ", "", "Bà Nguyễn Thị Lan"];
    let via_stdin = normalize_stdin("name", &names.join("\n"));
    assert_eq!(via_stdin.len(), names.len());
    assert_eq!(via_stdin[1]["text"], "trần thị thúy");
    assert_eq!(via_stdin[3]["text"], "nguyễn thị lan");
    assert_eq!(normalize_args("name", &names), via_stdin);
}

#[test]
fn help_shows_examples_and_bad_usage_fails() {
    let out = vnlink(&["normalize", "--help"], None);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("vnlink normalize --kind name"), "{help}");
    let out = vnlink(&["normalize"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = vnlink(&["normalize", "--kind", "colour"], None);
    assert_eq!(out.status.code(), Some(2));
}

fn read_csv(path: &Path, delimiter: u8) -> Vec<Vec<String>> {
    let mut r =
        csv::ReaderBuilder::new().has_headers(false).delimiter(delimiter).from_path(path).unwrap();
    r.records().map(|rec| rec.unwrap().iter().map(str::to_owned).collect()).collect()
}

#[test]
fn csv_mode_appends_columns_to_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("people.csv");
    let output = dir.path().join("people.norm.csv");
    // Vietnamese headers, `;` delimiter, an unmapped column, a quoted multi-line field, CRLF,
    // and a row with too many fields (skipped and counted).
    let text = "Mã hồ sơ;Họ và tên;Ngày sinh;Giới tính;Địa chỉ;Số CCCD;Số điện thoại;Ghi chú\r\n\
        A1;NGUYỄN THỊ HOÀ;05/03/1980;Nữ;123/45 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM;001180012345;+84 912 345 678;ok\r\n\
        A2;Huynh Van Phuoc;1975;nam;Phường Phạm Đình Hổ, Quận Hai Bà Trưng, Hà Nội;;;\"two\r\nlines\"\r\n\
        A3;bad;row;with;too;many;fields;x;y\r\n\
        A4;;;;;;;\r\n";
    std::fs::write(&input, text).unwrap();
    let out = vnlink(
        &["normalize", "--input", input.to_str().unwrap(), "--output", output.to_str().unwrap()],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 of 4 rows"));

    let rows = read_csv(&output, b';');
    assert_eq!(rows.len(), 4, "header + 3 good rows: {rows:?}");
    let header = &rows[0];
    assert_eq!(&header[..8], &text.lines().next().unwrap().split(';').collect::<Vec<_>>()[..]);
    let col = |name: &str| {
        header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    };
    let (a1, a2, a4) = (&rows[1], &rows[2], &rows[3]);
    assert_eq!(a1[0], "A1");
    assert_eq!(a1[7], "ok");
    assert_eq!(a2[7], "two\r\nlines");
    assert_eq!(a1[col("full_name.text")], "nguyễn thị hòa");
    assert_eq!(a1[col("full_name.phonetic")], "nguyeN thi hoa");
    assert_eq!(a1[col("full_name.sex_hint")], "female");
    assert_eq!(a1[col("dob.iso")], "1980-03-05");
    assert_eq!(a1[col("dob.precision")], "day");
    assert_eq!(a1[col("sex.value")], "female");
    assert_eq!(a1[col("address.house_number")], "123/45");
    assert_eq!(a1[col("address.ward_old")], "26740");
    assert_eq!(a1[col("address.province_new")], "79");
    assert_eq!(a1[col("id_number.kind")], "cccd");
    assert_eq!(a1[col("id_number.sex")], "female");
    assert_eq!(a1[col("id_number.birth_year")], "1980");
    assert_eq!(a1[col("phone.national")], "0912345678");
    assert_eq!(a2[col("full_name.family")], "huynh");
    assert_eq!(a2[col("dob.iso")], "1975");
    assert_eq!(a2[col("dob.precision")], "year");
    assert_eq!(a2[col("address.ward_new")], "00256;00082");
    assert_eq!(a2[col("id_number.kind")], "");
    // An empty row keeps its id and gets empty cells.
    assert_eq!(a4[0], "A4");
    assert!(a4[8..].iter().all(String::is_empty), "{a4:?}");
    assert_eq!(a4.len(), header.len());
}

#[test]
fn csv_mode_keeps_generated_rows_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = vnlink(
        &[
            "gen",
            "--shape",
            "dedupe",
            "--entities",
            "200",
            "--seed",
            "5",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let input = dir.path().join("records.csv");
    let output = dir.path().join("norm.csv");
    let out = vnlink(
        &[
            "normalize",
            "--input",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--quiet",
            // The input's cells verbatim: phones such as `+84 …` are not escaped.
            "--no-escape-formulas",
        ],
        None,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty());
    let before = read_csv(&input, b',');
    let after = read_csv(&output, b',');
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(&a[..b.len()], &b[..]);
        assert_eq!(a.len(), b.len() + 8 + 3 + 1 + 9 + 5 + 2);
    }
    // Each row's normalised date equals the JSON mode's answer for the same value.
    let dob = before[0].iter().position(|h| h == "dob").unwrap();
    let iso = after[0].iter().position(|h| h == "dob.iso").unwrap();
    let values: Vec<&str> = before[1..].iter().map(|r| r[dob].as_str()).collect();
    let json = normalize_args("date", &values);
    for (row, j) in after[1..].iter().zip(&json) {
        assert_eq!(row[iso], j["iso"].as_str().unwrap_or(""));
    }
    let provinces = after[0].iter().position(|h| h == "address.province_new").unwrap();
    let resolved = after[1..].iter().filter(|r| !r[provinces].is_empty()).count();
    assert!(resolved * 10 >= (after.len() - 1) * 9, "{resolved} of {} resolved", after.len() - 1);
}

// ---------------------------------------------------------------------------------------------
// Misspelt units and clerks' province abbreviations, through the library's address normaliser
// (See: #11). Codes: Hà Nội 01, Hoàn Kiếm 002 (Hàng Bạc 00061, Hàng Bài 00088, one edit
// apart), Ba Đình 001 (Trúc Bạch 00004), TP HCM 79, Quận 1 760 (Bến Nghé 26740), Củ Chi 783
// (Tân Thạnh Đông 27547 → new 27541).

use vnlink::normalize::address::{Address, AddressWarning, normalize_address};

/// `(ward_old, district_old, province_old, ward_new, province_new)`.
type Units = (Option<u32>, Option<u16>, Option<u8>, Vec<u32>, Option<u8>);

fn units(a: &Address) -> Units {
    (a.ward_old, a.district_old, a.province_old, a.ward_new.clone(), a.province_new)
}

/// Xã Tân Thạnh Đông, Huyện Củ Chi, TP HCM, however written.
fn is_tan_thanh_dong(text: &str) {
    let a = normalize_address(text);
    assert_eq!(units(&a), (Some(27_547), Some(783), Some(79), vec![27_541], Some(79)), "{text}");
    assert_eq!(a.warning, None, "{text}");
}

#[test]
fn r11_misspelt_province() {
    for (text, old, new) in [
        ("Tỉnh Kin Giang", 91, 91),
        ("Fỉnh Nghệ nA", 40, 40),
        ("Hồ Chíj Minh", 79, 79),
        ("àH Nội", 1, 1),
        ("thanh hoas", 38, 38),
        ("T. Thnah Hóa", 38, 38),
    ] {
        let a = normalize_address(text);
        assert_eq!((a.province_new, a.warning), (Some(new), None), "{text}");
        assert!(a.province_old.is_none_or(|p| p == old), "{text}");
    }
    // The rest of the address still resolves under the corrected province.
    let a = normalize_address("Phường Bến Nghé, Quận 1, TP Hồ Chí Mnh");
    assert_eq!(units(&a), (Some(26_740), Some(760), Some(79), vec![26_740], Some(79)));
    is_tan_thanh_dong("Xã Tân Thạnh Đông, Huyện Củ Chi, Hồ Chí Mihn, Việt Nam");
    is_tan_thanh_dong("Xa Tan Thanh Dong Huyen Cu Chi Ho Chi Minhh");
}

#[test]
fn r11_misspelt_district_and_ward() {
    // District: a deletion, an insertion, a substitution.
    is_tan_thanh_dong("Xã Tân Thạnh Đông, Huyện Củ Ch, TP HCM");
    is_tan_thanh_dong("Xã Tân Thạnh Đông, Huyện Cu Chii, TP HCM");
    is_tan_thanh_dong("Xã Tân Thạnh Đông, H. Củ Khi, TP.HCM");
    // Ward: a deletion, with and without diacritics and commas, upper case.
    is_tan_thanh_dong("Xã Tân Thạnh Đôg, Huyện Củ Chi, TP HCM");
    is_tan_thanh_dong("xa tan thanh dog huyen cu chi tp hcm");
    is_tan_thanh_dong("XÃ TÂN THẠNH ĐÔG, HUYỆN CỦ CHI, TP HỒ CHÍ MINH");
    // Two edits in a long name (12 letters).
    is_tan_thanh_dong("Xã Tân Thnah Đôg, Huyện Củ Chi, TP HCM");
    // New two-level style.
    let a = normalize_address("Phường Ba Đìnhh, Hà Nội");
    assert_eq!(units(&a), (None, None, None, vec![4], Some(1)));
    // Old ward of a district, before the street part.
    let a = normalize_address("12 Lê Lợi, Phường Bến Ngheé, Quận 1, TP HCM");
    assert_eq!(a.ward_old, Some(26_740));
    assert_eq!(a.street.as_deref(), Some("lê lợi"));
}

#[test]
fn r11_swapped_letters() {
    let a = normalize_address("Phường Trúc Bạhc, Quận Ba Đình, Hà Nội");
    assert_eq!(units(&a), (Some(4), Some(1), Some(1), vec![4], Some(1)));
    let a = normalize_address("Phường Trúc Bạch, Quận aB Đình, Hà Nội");
    assert_eq!(units(&a), (Some(4), Some(1), Some(1), vec![4], Some(1)));
    is_tan_thanh_dong("Xã Tân Thạnh Đông, Huyện Củ Chi, TP Hồ Cíh Minh");
    is_tan_thanh_dong("Xã Tâ nThạnh Đông, Huyện Củ Chi, TP HCM");
}

#[test]
fn r11_clerk_abbreviations_of_provinces() {
    for (text, province_new) in [
        ("HP", 31),
        ("CT", 92),
        ("TH", 38),
        ("BĐ", 52),
        ("KH", 56),
        ("TP HP", 31),
        ("Xã Mỹ Lợi, Huyện Phù Mỹ, BĐ", 52),
        // Ambiguous initials decided by what is below: BD (Bình Dương / Bình Định), QN
        // (Quảng Ninh / Quảng Nam / Quảng Ngãi).
        ("Phường Phú Cường, Thành phố Thủ Dầu Một, BD", 79),
        ("Xã Tịnh An, Thành phố Quảng Ngãi, QN", 51),
        // HN is Hà Nội, not Hà Nam.
        ("Phường Trúc Bạch, Quận Ba Đình, HN", 1),
    ] {
        let a = normalize_address(text);
        assert_eq!((a.province_new, a.warning), (Some(province_new), None), "{text}");
    }
    // Nothing below to decide: reported, not guessed.
    for text in ["BD", "QN", "DN", "12 Lê Lợi, QN"] {
        let a = normalize_address(text);
        assert_eq!(units(&a), (None, None, None, vec![], None), "{text}");
        assert_eq!(a.warning, Some(AddressWarning::AmbiguousProvince), "{text}");
    }
    // Initials are a province only as a whole field: "La" ends "Mường La" (Sơn La 14).
    let a = normalize_address("Xã Chiềng Lao, Huyện Mường La");
    assert_eq!((a.province_old, a.district_old), (Some(14), Some(120)));
}

#[test]
fn r11_ambiguous_spelling_is_reported_not_guessed() {
    // "Hàng Bax" is one edit from Hàng Bạc and from Hàng Bài.
    let a = normalize_address("Phường Hàng Bax, Quận Hoàn Kiếm, Hà Nội");
    assert_eq!(units(&a), (None, Some(2), Some(1), vec![], Some(1)));
    assert_eq!(a.warning, Some(AddressWarning::AmbiguousSpelling));
    assert_eq!(a.street, None);
    // "Hax Giang" is one edit from Hà Giang and from Hậu Giang.
    let a = normalize_address("Tỉnh Hax Giang");
    assert_eq!(units(&a), (None, None, None, vec![], None));
    assert_eq!(a.warning, Some(AddressWarning::AmbiguousSpelling));
    // The nearest name wins: "Hàng Bacj" is one edit from Hàng Bạc, two from Hàng Bài.
    let a = normalize_address("Phường Hàng Bacj, Quận Hoàn Kiếm, Hà Nội");
    assert_eq!((a.ward_old, a.warning), (Some(61), None));
}

#[test]
fn r11_exact_names_are_never_displaced() {
    // Names one edit apart each resolve to themselves.
    for (text, ward) in [
        ("Phường Hàng Bạc, Quận Hoàn Kiếm, Hà Nội", 61),
        ("Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội", 88),
        ("Phường Hàng Gai, Quận Hoàn Kiếm, Hà Nội", 64),
    ] {
        assert_eq!(normalize_address(text).ward_old, Some(ward), "{text}");
    }
    assert_eq!(normalize_address("Tỉnh Hà Giang").province_old, Some(2));
    assert_eq!(normalize_address("Tỉnh Hậu Giang").province_old, Some(93));
    // A unit that does not exist is not corrected to a number one edit away, nor is a short
    // name (fewer than 5 letters), nor a street or hamlet in the ward's place.
    let a = normalize_address("Phường 17, Quận 3, TP HCM");
    assert_eq!((a.ward_old, a.warning), (None, Some(AddressWarning::UnknownUnit)));
    let a = normalize_address("Xã An Báq, Huyện Sơn Động, Tỉnh Bắc Giang");
    assert_eq!((a.ward_old, a.district_old), (None, Some(220)));
    let a = normalize_address("Thôn Đông, Huyện Củ Chi, TP HCM");
    assert_eq!((a.ward_old, a.hamlet.as_deref()), (None, Some("thôn đông")));
    let a = normalize_address("Lê Lợii, Quận Hoàn Kiếm, Hà Nội");
    assert_eq!((a.ward_old, a.district_old), (None, Some(2)));
    // A ward spelt right but in another district is left alone, not corrected to a neighbour.
    let a = normalize_address("Xã Tân Thạnh Đông, Huyện Hóc Môn, TP HCM");
    assert_eq!(a.ward_old, None);
}

// ---------------------------------------------------------------------------------------------
// The library behind `vnlink normalize` (issue 13): `dataset::normalized` and the whole rows of
// `ingest::CsvSource`.

use vnlink::dataset::normalized::{
    NormalizeOptions, ValueNormalizer, csv_columns, normalize_csv, normalize_lines,
};
use vnlink::ingest::{CsvSource, IngestOptions, RawRecord};
use vnlink::schema::FieldKind;

#[test]
fn library_normalize_csv_appends_columns_and_reports_a_bad_row_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(
        &input,
        "record_id,full_name,dob,note\n\
         a1,NGUYỄN VĂN HÙNG,05/03/1980,=SUM(A1)\n\
         a2,Trần Văn B,1990,ok,surplus\n\
         a3,Lê Văn C,31/02/1990,\n",
    )
    .unwrap();
    let summary = normalize_csv(&input, &output, &NormalizeOptions::default()).unwrap();
    assert_eq!(summary.rows, 2);
    assert_eq!(summary.kinds, [FieldKind::Name, FieldKind::Dob]);
    assert_eq!((summary.report.rows_read, summary.report.rows_skipped), (3, 1));
    let bad = &summary.report.samples[0];
    assert_eq!((bad.path.as_path(), bad.line, bad.code), (input.as_path(), 3, "wrong_field_count"));

    let rows = read_csv(&output, b',');
    let mut header = vec!["record_id", "full_name", "dob", "note"];
    header.extend(csv_columns(FieldKind::Name));
    header.extend(csv_columns(FieldKind::Dob));
    assert_eq!(rows[0], header);
    assert_eq!(rows.len(), 3);
    let cell =
        |row: &[String], name: &str| row[header.iter().position(|h| *h == name).unwrap()].clone();
    assert_eq!(cell(&rows[1], "note"), "'=SUM(A1)", "formula escaped");
    assert_eq!(cell(&rows[1], "full_name.text"), "nguyễn văn hùng");
    assert_eq!(cell(&rows[1], "full_name.given"), "hùng");
    assert_eq!(cell(&rows[1], "dob.iso"), "1980-03-05");
    assert_eq!(cell(&rows[1], "dob.precision"), "day");
    assert_eq!(cell(&rows[2], "record_id"), "a3");
    assert_eq!(cell(&rows[2], "dob.warning"), "date_impossible");

    // Verbatim cells when asked; the output must not be the input.
    let opts = NormalizeOptions { escape_formulas: false, ..NormalizeOptions::default() };
    normalize_csv(&input, &output, &opts).unwrap();
    assert_eq!(cell(&read_csv(&output, b',')[1], "note"), "=SUM(A1)");
    assert!(normalize_csv(&input, &input, &opts).is_err());
}

/// Rows are copied from the reader's own parse: old Mac (`\r`-only) lines are not shifted, and
/// a stray quote loses only its row.
#[test]
fn library_normalize_csv_copies_the_rows_the_reader_read() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
    std::fs::write(&input, "record_id,full_name\r1,Lê Văn A\r2,Trần B\r").unwrap();
    let summary = normalize_csv(&input, &output, &NormalizeOptions::default()).unwrap();
    assert_eq!(summary.rows, 2);
    let rows = read_csv(&output, b',');
    assert_eq!((rows[1][0].as_str(), rows[1][1].as_str()), ("1", "Lê Văn A"));
    assert_eq!((rows[2][0].as_str(), rows[2][1].as_str()), ("2", "Trần B"));

    std::fs::write(&input, "record_id,full_name\n1,\"Lê Văn A\n2,Trần B\n3,Đỗ C\n").unwrap();
    let summary = normalize_csv(&input, &output, &NormalizeOptions::default()).unwrap();
    assert_eq!((summary.rows, summary.report.rows_skipped), (2, 1));
    assert_eq!(summary.report.samples[0].line, 2);
    let ids: Vec<String> = read_csv(&output, b',').iter().skip(1).map(|r| r[0].clone()).collect();
    assert_eq!(ids, ["2", "3"]);
}

#[test]
fn library_value_normalizer_prints_the_cli_objects() {
    let mut n = ValueNormalizer::new();
    let date = n.normalize(FieldKind::Dob, "05/03/1980").unwrap().to_string();
    let v: Value = serde_json::from_str(&date).unwrap();
    assert_eq!(
        v,
        json!({"year": 1980, "month": 3, "day": 5, "precision": "day",
        "iso": "1980-03-05", "warning": null})
    );
    let phone = n.normalize(FieldKind::Phone, "+84 912 345 678").unwrap().to_string();
    assert_eq!(phone, r#"{"national":"0912345678","kind":"mobile"}"#);
    assert_eq!(n.normalize(FieldKind::Sex, "Nữ").unwrap().to_string(), r#"{"sex":"female"}"#);
    assert!(n.normalize(FieldKind::RecordId, "1").is_none());

    let mut out = Vec::new();
    let mut seen = Vec::new();
    let mut input = std::io::BufReader::new(&b"Nam\r\nN\xffu\n\nF"[..]);
    let bad = normalize_lines(FieldKind::Sex, &mut input, &mut out, |line, offset| {
        seen.push((line, offset));
    })
    .unwrap();
    assert_eq!((bad, seen), (1, vec![(2, 1)]));
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"sex\":\"male\"}\n{\"sex\":null}\n{\"sex\":null}\n{\"sex\":\"female\"}\n"
    );
}

#[test]
fn ingest_row_fields_gives_every_column_of_the_row() {
    let text = "record_id,note,full_name\r\n1,x\u{1}y,Lê Văn A\r\n2,,Trần B,,\r\n";
    let text = text.as_bytes().iter().map(|&b| if b == 1 { 0xff } else { b }).collect::<Vec<u8>>();
    let mut source =
        CsvSource::from_reader("mem.csv", std::io::Cursor::new(text), &IngestOptions::default())
            .unwrap();
    let mut record = RawRecord::new();
    let mut cells = Vec::new();
    assert!(source.read_record(&mut record).unwrap());
    source.row_fields(&mut cells);
    assert_eq!(cells, ["1", "x\u{fffd}y", "Lê Văn A"], "unmapped bad bytes replaced, no \\r");
    assert!(source.read_record(&mut record).unwrap());
    cells.clear();
    source.row_fields(&mut cells);
    assert_eq!(cells, ["2", "", "Trần B"], "extra empty fields left out");
    assert!(!source.read_record(&mut record).unwrap());
}
