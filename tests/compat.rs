//! Format compatibility (STYLE 13): `tests/data/compat/v1.vnl`, a person store written by the
//! first release of format version 1, must open and give the same answers in every later
//! release — or fail with `Error::Version` once support for version 1 is dropped on purpose.
//!
//! The file is written once by the ignored test [`create_format`] (only when it is missing) from
//! `tests/data/compat/v1.csv`: 20 records in blocks of 8 (three blocks, the last one partial)
//! with diacritics, an all-capitals name without them, a TCVN3 row, an NFD name, a split old
//! ward, a new-style (2025) address, an 11-digit pre-2018 mobile number, a landline, a CMND,
//! an Excel serial date, an impossible date, a nameless row and a name-only row. See
//! `tests/data/compat/README.md`. Never regenerate it: a failure here means old stores no
//! longer read the same, which needs a format version bump, not a new golden file.

use std::path::{Path, PathBuf};

use vnlink::Error;
use vnlink::compare::Features;
use vnlink::dataset::prepare::warning;
use vnlink::dataset::{self, BuildOptions, View};
use vnlink::normalize::date::Date;
use vnlink::normalize::id::{IdKind, NationalId};
use vnlink::normalize::phone::Phone;
use vnlink::store::{FORMAT_VERSION, OLDEST_SUPPORTED_FORMAT_VERSION, Store};

/// The golden files, relative to the package root (the working directory of `cargo test`).
const DIR: &str = "tests/data/compat";
/// Records per block of the golden store: small, so that it has several blocks.
const BLOCK_RECORDS: u32 = 8;

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR).join("v1.vnl")
}

/// Writes `v1.vnl` from `v1.csv` when it is missing. Run once, by hand:
/// `cargo test --test integration compat::create_format -- --ignored`.
#[test]
#[ignore = "writes tests/data/compat/v1.vnl only when missing; it is committed and never regenerated"]
fn create_format() {
    assert_eq!(FORMAT_VERSION, 1, "v1.vnl must be written by a build of format version 1");
    let out = golden();
    if out.exists() {
        return;
    }
    // The relative input path is what the store's metadata records as its source.
    let input = Path::new(DIR).join("v1.csv");
    let opts = BuildOptions { block_records: BLOCK_RECORDS, ..BuildOptions::default() };
    dataset::build_csv(&input, &out, &opts, |_| {}).unwrap();
}

/// Opens the golden store; `None` when this build no longer reads format version 1 and says so
/// with `Error::Version`.
fn open_golden() -> Option<Store> {
    let supported = OLDEST_SUPPORTED_FORMAT_VERSION..=FORMAT_VERSION;
    match Store::open(golden()) {
        Ok(store) => {
            assert!(supported.contains(&1), "support for v1 was dropped, yet v1.vnl opens");
            Some(store)
        }
        Err(Error::Version { found, supported: s, .. }) if !supported.contains(&1) => {
            assert_eq!((found, s), (1, supported));
            None
        }
        Err(e) => panic!("tests/data/compat/v1.vnl no longer opens: {e}"),
    }
}

#[test]
fn v1_opens_with_the_same_answers() {
    let Some(store) = open_golden() else { return };

    // Structure, and every checksum.
    assert_eq!(store.format_version(), 1);
    assert_eq!(store.record_count(), 20);
    assert_eq!((store.block_count(), store.block_records()), (3, BLOCK_RECORDS));
    assert_eq!((0..3).map(|b| store.block_len(b)).collect::<Vec<_>>(), [8, 8, 4]);
    store.verify().unwrap();
    let report = store.verify_report();
    assert!(report.is_ok(), "{:?}", report.errors);
    assert_eq!(report.sections, 46);
    let columns: Vec<&str> = store.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        columns,
        [
            "features",
            "record_id",
            "raw.full_name",
            "raw.dob",
            "raw.sex",
            "raw.address",
            "raw.id_number",
            "raw.phone",
            "name.text",
            "name.ascii",
            "name.phonetic",
            "warnings"
        ]
    );
    assert_eq!(store.global_names(), ["vnlink.meta", "vnlink.name_counts"]);
    assert_eq!(
        store.posting_names(),
        [
            "block.dob+given_phonetic",
            "block.family_class+given_phonetic+birth_year",
            "block.name_ascii",
            "block.name_sorted+province_new",
            "block.national_id",
            "block.phone",
            "block.province_new+given_phonetic+middle_core",
        ]
    );

    let view = View::new(&store).unwrap();
    let feats = view.features_column();
    let feat = |i: u64| *feats.get(i);

    // Record ids, in input order, across the three blocks.
    let ids = view.record_ids().unwrap();
    for i in 0..20 {
        assert_eq!(ids.get(i), format!("V1-{:03}", i + 1));
    }

    // One record's features in full: the 96-byte layout reads back field by field.
    assert_eq!(
        feat(0),
        Features {
            name: 9_969_137_124_018_954_361,
            name_ascii: 3_874_034_371_839_482_634,
            national_id: 1_152_921_505_691_859_321,
            phone: 10_912_345_678,
            name_sorted: 2_293_395_080,
            name_phonetic: 295_538_130,
            family_class: 1_482_949_707,
            family: 1_482_949_707,
            middle: 808_255_926,
            middle_core: 0,
            given: 3_441_805_783,
            given_class: 3_441_805_783,
            given_phonetic: 1_114_716_972,
            dob: 1_016_431,
            ward_old: 70,
            ward_new: 0,
            street: 414_954_955,
            house: 1_678_722_435,
            district_old: 2,
            province_new: 1,
            province_old: 1,
            sex: 1,
            name_tokens: 3,
            family_len: 6,
            given_start: 11,
        }
    );
    assert_eq!(feat(0).parts(view.name_ascii_column().get(0)), ("nguyen", "van", "an"));

    // Dates: packed values and what they unpack to.
    let date = |i: u64| Date::unpack(feat(i).dob).map(|d| (d.year, d.month, d.day));
    assert_eq!(date(0), Some((1985, 3, 15)));
    assert_eq!(date(1), Some((1985, 3, 15))); // ISO form of the same date
    assert_eq!((feat(3).dob, date(3)), (1_012_736, Some((1978, 0, 0)))); // year only
    assert_eq!(date(13), Some((1990, 1, 1))); // Excel serial 32874
    assert_eq!(date(14), Some((1999, 6, 5))); // 05.06.1999
    assert_eq!((feat(15).dob, feat(17).dob), (0, 0)); // missing; 31/02/1983 is no date

    // National ids: a CCCD, the same CCCD twice, a CMND.
    let id = |i: u64| NationalId::from_u64(feat(i).national_id).map(|n| (n.kind, n.digits));
    assert_eq!(feat(0).national_id, 1_152_921_505_691_859_321);
    assert_eq!(id(0), Some((IdKind::Cccd, "001085012345".to_owned())));
    assert_eq!(feat(1).national_id, feat(0).national_id);
    assert_eq!(feat(5).national_id, 2_305_843_009_414_928_519);
    assert_eq!(id(5), Some((IdKind::Cmnd, "201234567".to_owned())));
    assert_eq!(feat(3).national_id, 0);

    // Phones: +84 form, the 11-digit 0168 number converted to 038, a landline.
    let phone = |i: u64| Phone::from_u64(feat(i).phone).map(|p| p.national);
    assert_eq!(phone(1).as_deref(), Some("0912345678"));
    assert_eq!((feat(3).phone, phone(3).as_deref()), (10_389_123_456, Some("0389123456")));
    assert_eq!(phone(5).as_deref(), Some("02363822123"));
    assert_eq!(phone(18), phone(2));
    assert_eq!(feat(6).phone, 0);

    // Addresses: (province_new, province_old, district_old, ward_old, ward_new).
    let place = |i: u64| {
        let x = feat(i);
        (x.province_new, x.province_old, x.district_old, x.ward_old, x.ward_new)
    };
    assert_eq!(place(0), (1, 1, 2, 70, 0)); // Hàng Trống, Hoàn Kiếm
    assert_eq!(place(2), (79, 79, 760, 26_740, 0)); // Bến Nghé, Quận 1
    assert_eq!(place(4), (33, 33, 330, 12_232, 0)); // TCVN3 text
    assert_eq!(place(6), (1, 1, 1, 7, 0)); // Cống Vị: a split old ward
    assert_eq!(place(7), (1, 1, 1, 7, 0));
    assert_eq!(place(9), (52, 64, 628, 23_779, 0)); // Gia Lai: merged province
    assert_eq!(place(10), (1, 0, 0, 0, 4)); // new-style: Phường Ba Đình (2025)
    assert_eq!(place(15), (0, 0, 0, 0, 0));
    assert_eq!((feat(0).sex, feat(2).sex, feat(15).sex), (1, 2, 0));

    // Canonical and ASCII names, and raw texts kept as read.
    let texts = view.name_texts().unwrap();
    let ascii = view.name_ascii_column();
    for (i, text) in [
        (0, "nguyễn văn an"),
        (1, "nguyen van an"),
        (2, "trần thị bích ngọc"),
        (4, "phạm thị hương"), // decoded from TCVN3
        (7, "huỳnh thị mai"),
        (8, "tôn thất thuyết"),
        (9, "ksor h'hen"),
        (10, "đặng thu thủy"), // NFD input, NFC here
        (16, ""),
        (19, "nguyễn thị lan"),
    ] {
        assert_eq!(texts.get(i), text, "name.text of record {i}");
    }
    assert_eq!(ascii.get(9), "ksor hhen");
    assert_eq!(ascii.get(4), "pham thi huong");
    let raw_name = store.str_column("raw.full_name").unwrap();
    assert_eq!(raw_name.get(4), "Ph¹m ThÞ H¬ng");
    assert_eq!(store.str_column("raw.phone").unwrap().get(3), "01689123456");
    assert_eq!(store.str_column("raw.id_number").unwrap().get(5), "201234567");
    assert_eq!(store.str_column("name.phonetic").unwrap().get(16), "");

    // Warnings column.
    let warns = view.warnings().unwrap();
    assert_eq!(warns.get(13), warning::DOB_GUESSED);
    assert_eq!(warns.get(17), warning::DOB_UNPARSEABLE);
    assert_eq!(warns.iter().filter(|&x| x != 0).count(), 2);

    // Posting lists: sizes, stored keys and lookups by the rule keys of today's code.
    let meta = view.meta().unwrap();
    let rule = |name: &str| meta.blocking.rules.iter().find(|r| r.name == name).unwrap().clone();
    let postings = |name: &str| store.postings(&format!("block.{name}")).unwrap();
    for (name, keys, pairs) in [
        ("national_id", 12, 14),
        ("phone", 10, 13),
        ("dob+given_phonetic", 11, 14),
        ("family_class+given_phonetic+birth_year", 14, 17),
        ("name_sorted+province_new", 17, 18),
        ("province_new+given_phonetic+middle_core", 7, 7),
        ("name_ascii", 18, 19),
    ] {
        let list = postings(name);
        assert_eq!((list.key_count(), list.pair_count()), (keys, pairs), "{name}");
        // Every record with a key is found under it.
        let rule_now = rule(name);
        for i in 0..20u32 {
            let k = rule_now.key(&feat(u64::from(i)));
            assert_eq!(k != 0, list.lookup(k).contains(&i), "{name}: record {i}");
        }
    }
    let national_id = postings("national_id");
    assert_eq!(national_id.lookup(12_342_953_095_050_958_058), [0, 1]);
    assert_eq!(rule("national_id").key(&feat(0)), 12_342_953_095_050_958_058);
    assert_eq!(national_id.lookup(10_303_775_361_647_469_245), [6, 7]);
    assert_eq!(national_id.lookup(1), [] as [u32; 0]);
    let phone_list = postings("phone");
    assert_eq!(phone_list.lookup(1_843_800_063_651_146_342), [0, 1, 16]);
    assert_eq!(phone_list.lookup(2_844_823_074_648_115_960), [2, 18]);
    // Hoàng = Huỳnh and Võ = Vũ share a family class.
    let class = postings("family_class+given_phonetic+birth_year");
    assert_eq!(class.lookup(13_862_528_002_875_256_455), [6, 7]);
    assert_eq!(class.lookup(17_440_525_556_721_973_156), [11, 12]);
    assert_eq!(postings("dob+given_phonetic").lookup(3_311_433_829_968_148_159), [11, 12]);
    assert_eq!(postings("name_ascii").lookup(13_343_279_211_983_404_889), [0, 1]);

    // Name term frequencies.
    let (hashes, counts) = view.name_counts().unwrap();
    assert_eq!(hashes.len(), 18);
    assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 19);
    let at = hashes.binary_search(&feat(0).name_ascii).unwrap();
    assert_eq!(counts[at], 2);

    // Build metadata.
    assert_eq!(meta.vnlink_version, "0.1.0");
    assert_eq!(meta.source, "tests/data/compat/v1.csv");
    assert_eq!((meta.records, meta.rows_read), (20, 20));
    assert!(meta.skipped_by_reason.is_empty());
    let pairs = |v: &[(String, String)]| {
        v.iter().map(|(a, b)| format!("{a}={b}")).collect::<Vec<_>>().join(" ")
    };
    assert_eq!(pairs(&meta.encodings), "full_name=per value address=per value");
    assert_eq!(
        pairs(&meta.columns),
        "record_id=record_id full_name=full_name dob=dob sex=sex address=address \
         id_number=id_number phone=phone"
    );
    let completeness: Vec<(&str, u64)> =
        meta.completeness.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    assert_eq!(
        completeness,
        [
            ("address", 19),
            ("dob", 18),
            ("full_name", 19),
            ("id_number", 14),
            ("phone", 13),
            ("sex", 19)
        ]
    );
    let warnings: Vec<(&str, u64)> = meta.warnings.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    assert_eq!(warnings, [("dob_guessed", 1), ("dob_unparseable", 1)]);
    let rules: Vec<&str> = meta.blocking.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        rules,
        [
            "national_id",
            "phone",
            "dob+given_phonetic",
            "family_class+given_phonetic+birth_year",
            "name_sorted+province_new",
            "province_new+given_phonetic+middle_core",
            "name_ascii"
        ]
    );
    assert_eq!(meta.blocking.max_block, 2000);
}

/// The golden input is what the README says it is (guards against an editor re-encoding it:
/// NFD, a soft hyphen and TCVN3 bytes must survive).
#[test]
fn v1_csv_is_untouched() {
    let csv =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(DIR).join("v1.csv")).unwrap();
    let text = std::str::from_utf8(&csv).unwrap();
    assert_eq!(text.lines().count(), 21);
    assert!(text.contains("Ph¹m ThÞ H¬ng"));
    assert!(text.contains("TØnh H\u{ad}ng Yªn"));
    assert!(text.contains("\u{0110}a\u{0323}\u{0306}ng Thu Thu\u{0309}y")); // NFD "Đặng Thu Thủy"
    assert!(!text.contains('\r'));
}
