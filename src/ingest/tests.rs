//! Tests of the whole ingest path on files written in every supported shape.

use std::fmt::Write as _;
use std::io::Write as _;

use super::encoding::encode_cp1258;
use super::*;
use crate::Error;
use crate::schema::FieldKind;

const STANDARD: &str = "record_id,full_name,dob,sex,address,id_number,phone\n\
    r1,Nguyễn Văn An,05/03/1980,Nam,\"Số 12 ngõ 45, Hà Nội\",001080012345,0912345678\n\
    r2,Trần Thị Bình,1975,Nữ,\"P.1, Q.3, TP.HCM\",079175000123,+84 987 654 321\n";

fn write_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    path
}

fn read_all(source: &mut CsvSource) -> Vec<RawRecord> {
    source.records().collect::<crate::Result<Vec<_>>>().unwrap()
}

fn open_bytes(bytes: &[u8]) -> crate::Result<CsvSource> {
    CsvSource::from_reader(
        "test.csv",
        std::io::Cursor::new(bytes.to_vec()),
        &IngestOptions::default(),
    )
}

fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in s.encode_utf16() {
        let [low, high] = unit.to_le_bytes();
        out.extend(if big_endian { [high, low] } else { [low, high] });
    }
    out
}

fn check_standard(records: &[RawRecord]) {
    assert_eq!(records.len(), 2);
    let r = &records[0];
    assert_eq!(r.record_id(), "r1");
    assert_eq!(r.line(), 2);
    assert_eq!(r.row(), 1);
    assert_eq!(r.get(FieldKind::Name), Some("Nguyễn Văn An"));
    assert_eq!(r.get(FieldKind::Dob), Some("05/03/1980"));
    assert_eq!(r.get(FieldKind::Sex), Some("Nam"));
    assert_eq!(r.get(FieldKind::Address), Some("Số 12 ngõ 45, Hà Nội"));
    assert_eq!(r.get(FieldKind::NationalId), Some("001080012345"));
    assert_eq!(r.get(FieldKind::Phone), Some("0912345678"));
    assert_eq!(r.fields().count(), 7);
    assert_eq!(records[1].get(FieldKind::Name), Some("Trần Thị Bình"));
    assert_eq!(records[1].get(FieldKind::Phone), Some("+84 987 654 321"));
    assert_eq!(records[1].line(), 3);
}

#[test]
fn standard_utf8_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "people.csv", STANDARD.as_bytes());
    let mut source = CsvSource::open(&path, &IngestOptions::default()).unwrap();
    assert_eq!(source.encoding(), Encoding::Utf8);
    assert_eq!(source.delimiter(), b',');
    assert_eq!(source.schema().columns.len(), 7);
    assert_eq!(source.path(), path);
    check_standard(&read_all(&mut source));
    let report = source.into_report();
    assert_eq!((report.rows_read, report.rows_ok, report.rows_skipped), (2, 2, 0));
    assert!(report.is_clean());
}

#[test]
fn every_encoding_gives_the_same_records() {
    let semicolons = STANDARD
        .replace(',', ";")
        .replace("\"Số 12 ngõ 45; Hà Nội\"", "\"Số 12 ngõ 45, Hà Nội\"")
        .replace("\"P.1; Q.3; TP.HCM\"", "\"P.1, Q.3, TP.HCM\"");
    let tabs = semicolons.replace(';', "\t");
    let cases: Vec<(Vec<u8>, Encoding, u8)> = vec![
        ([b"\xEF\xBB\xBF".as_slice(), STANDARD.as_bytes()].concat(), Encoding::Utf8Bom, b','),
        (semicolons.as_bytes().to_vec(), Encoding::Utf8, b';'),
        (utf16(&tabs, false), Encoding::Utf16Le, b'\t'),
        (utf16(&STANDARD.replace('\n', "\r\n"), true), Encoding::Utf16Be, b','),
        (encode_cp1258(&semicolons), Encoding::Windows1258, b';'),
    ];
    for (bytes, encoding, delimiter) in cases {
        let mut source = open_bytes(&bytes).unwrap();
        assert_eq!((source.encoding(), source.delimiter()), (encoding, delimiter));
        check_standard(&read_all(&mut source));
        assert!(source.report().is_clean(), "{encoding}");
    }
}

#[test]
fn legacy_8_bit_files() {
    // TCVN3 bytes: headers recognised, fields passed on as Windows-1252 text for the legacy
    // decoder of the normaliser.
    let text = "Họ và tên,Ngày sinh,Giới tính\nNguyễn Thị Hồng,1980,Nữ\nTrần Văn Đức,1981,Nam\n";
    for encode in [crate::normalize::legacy::encode_tcvn3, crate::normalize::legacy::encode_vni] {
        let garbled = encode(text);
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&garbled);
        assert!(!unmappable);
        let mut source = open_bytes(&bytes).unwrap();
        assert_eq!(source.encoding(), Encoding::Windows1252);
        assert_eq!(source.schema().columns.len(), 3);
        let records = read_all(&mut source);
        let expected = encode("Nguyễn Thị Hồng");
        assert_eq!(records[0].get(FieldKind::Name), Some(expected.as_str()));
        assert_eq!(records[1].get(FieldKind::Sex), Some("Nam"));
    }
}

#[test]
fn header_variants_map_every_kind() {
    let headers = [
        "STT;Họ và tên;Ngày sinh;Giới tính;Địa chỉ;Số CMND/CCCD;Số điện thoại",
        "stt;ho_ten;ngay_sinh;gioi_tinh;dia_chi;cccd;sdt",
        "ID;HỌ TÊN;NGÀY SINH;GIỚI TÍNH;ĐỊA CHỈ;CMND;ĐIỆN THOẠI",
        "id;Full Name;Date of Birth;Gender;Address;National ID;Mobile",
        "Mã;hoten;dob;sex;address;id_number;phone",
    ];
    for h in headers {
        let text = format!("{h}\n1;Nguyễn Văn An;1980;Nam;Hà Nội;001080012345;0912345678\n");
        let source = open_bytes(text.as_bytes()).unwrap();
        assert_eq!(source.schema().columns.len(), 7, "{h}");
        for (i, kind) in FieldKind::ALL.iter().enumerate() {
            assert_eq!(source.schema().index_of(*kind), Some(i), "{h}: {kind}");
        }
    }
    // Unknown columns are left unmapped and listed; "Quê quán" is an extra text field.
    let text = "Họ tên,Quê quán,Ngày sinh,Ghi chú\nAn,Nam Định,1980,\n";
    let source = open_bytes(text.as_bytes()).unwrap();
    assert_eq!(source.unmapped_columns().collect::<Vec<_>>(), ["Ghi chú"]);
    let extras: Vec<(FieldKind, &str)> =
        source.schema().extras().map(|c| (c.kind, c.name.as_str())).collect();
    assert_eq!(extras, [(FieldKind::Text, "que_quan")]);
}

#[test]
fn bad_rows_are_counted_with_lines_and_reasons() {
    let mut bytes = b"id,ho_ten,ngay_sinh\n".to_vec();
    bytes.extend_from_slice(b"1,\"Nguyen\nVan An\",1980\n"); // lines 2-3: a quoted newline
    bytes.extend_from_slice(b"2,Tran Thi Binh\n"); // line 4: too few fields
    bytes.extend_from_slice(b"3,Le Van C,1981,extra\n"); // line 5: too many fields
    bytes.extend_from_slice(b"4,Pham Van D,1982,,\n"); // line 6: empty trailing fields are fine
    bytes.extend_from_slice("5,Hoàng Văn E,1983\n".as_bytes()); // line 7
    bytes.extend_from_slice(b"6,Ng\xC6\xAFy\xEAn,1984\n"); // line 8: bad UTF-8 in a mapped field
    bytes.extend_from_slice("7,Vũ Thị F,1985\n".as_bytes()); // line 9
    let mut source = open_bytes(&bytes).unwrap();
    assert_eq!(source.encoding(), Encoding::Utf8, "mostly UTF-8");
    let records = read_all(&mut source);
    let ids: Vec<&str> = records.iter().map(RawRecord::record_id).collect();
    assert_eq!(ids, ["1", "4", "5", "7"]);
    assert_eq!(records.iter().map(RawRecord::line).collect::<Vec<_>>(), [2, 6, 7, 9]);
    assert_eq!(records[0].get(FieldKind::Name), Some("Nguyen\nVan An"));
    let report = source.report();
    assert_eq!((report.rows_read, report.rows_ok, report.rows_skipped), (7, 4, 3));
    assert_eq!(report.skipped_by_reason["wrong_field_count"], 2);
    assert_eq!(report.skipped_by_reason["undecodable"], 1);
    let samples: Vec<(u64, Option<&str>, &str)> =
        report.samples.iter().map(|e| (e.line, e.field.as_deref(), e.code)).collect();
    assert_eq!(
        samples,
        [
            (4, None, "wrong_field_count"),
            (5, None, "wrong_field_count"),
            (8, Some("ho_ten"), "undecodable")
        ]
    );
    assert_eq!(
        report.samples[0].to_string(),
        "test.csv:4: expected 3 fields as in the header, found 2 (wrong_field_count)"
    );
    assert!(report.samples[2].reason.contains("offset 5"), "{}", report.samples[2].reason);
}

#[test]
fn crlf_and_blank_lines_keep_exact_line_numbers() {
    let text = "id,ho_ten,dob\r\n\r\n1,An,1980\r\n2,\"Binh\r\nThi\",1981\r\n3,Chi\r\n   \r\n4,Dung,\"1983\"\r\n";
    let mut source = open_bytes(text.as_bytes()).unwrap();
    let records = read_all(&mut source);
    let got: Vec<(u64, &str, &str)> =
        records.iter().map(|r| (r.line(), r.record_id(), r.get(FieldKind::Dob).unwrap())).collect();
    assert_eq!(got, [(3, "1", "1980"), (4, "2", "1981"), (8, "4", "1983")]);
    assert_eq!(records[1].get(FieldKind::Name), Some("Binh\r\nThi"));
    // Line 6 has too few fields; line 7 (spaces only) is a one-field row, also too few.
    let lines: Vec<u64> = source.report().samples.iter().map(|e| e.line).collect();
    assert_eq!(lines, [6, 7]);
    // Old Mac line ends.
    let mut source = open_bytes(b"id,ho_ten\r1,An\r2,Binh\r").unwrap();
    assert_eq!(read_all(&mut source).len(), 2);
}

#[test]
fn bad_bytes_in_unmapped_columns_do_not_matter() {
    let bytes = b"ho_ten,ghi_chu\nAn,\xFF\xFE\xFD ok\nBinh,fine\n";
    let mut source = open_bytes(bytes).unwrap();
    assert_eq!(read_all(&mut source).len(), 2);
}

#[test]
fn utf16_bad_units_skip_their_row() {
    let mut bytes = utf16("ho_ten\tdob\nAn\t1980\n", false);
    bytes.extend([0x00, 0xD8]); // an unpaired high surrogate starts line 3
    bytes.extend(&utf16("Binh\t1981\nChi\t1982\n", false)[2..]);
    let mut source = open_bytes(&bytes).unwrap();
    let names: Vec<String> =
        read_all(&mut source).iter().map(|r| r.get(FieldKind::Name).unwrap().to_string()).collect();
    assert_eq!(names, ["An", "Chi"]);
    assert_eq!(source.report().samples[0].line, 3);
    assert_eq!(source.report().samples[0].code, "undecodable");
}

#[test]
fn record_ids_synthesised_empty_and_duplicated() {
    // No id column: the 1-based data-row number, counting skipped rows.
    let text = "ho_ten,dob\nAn,1980\nbad row\nBinh,1981\n";
    let mut source = open_bytes(text.as_bytes()).unwrap();
    let ids: Vec<String> =
        read_all(&mut source).iter().map(|r| r.record_id().to_string()).collect();
    assert_eq!(ids, ["1", "3"]);
    assert!(source.report().warnings_by_reason.is_empty());

    // Ids are kept byte for byte: ` A1 ` is not `A1`.
    let text = "ma,ho_ten\n A1 ,An\n,Binh\nA1,Chi\nA2,Dung\nA2,Em\nA1~2,Giang\n";
    let with =
        |mode: DuplicateIds| IngestOptions { on_duplicate_id: mode, ..IngestOptions::default() };
    let open_with = |opts: &IngestOptions| {
        CsvSource::from_reader("t.csv", std::io::Cursor::new(text.as_bytes().to_vec()), opts)
            .unwrap()
    };
    // By default repeated and empty ids are an error at the end of the file, naming the lines.
    let mut source = open_bytes(text.as_bytes()).unwrap();
    let err = source.records().find_map(Result::err).unwrap();
    let msg = err.to_string();
    assert!(msg.contains("line 6 repeats the id of line 5") && msg.contains("line 3"), "{msg}");
    assert!(msg.contains("--on-duplicate-id"), "{msg}");

    // Suffix: later rows get `<id>~k`, never an id of the file seen so far.
    let mut source = open_with(&with(DuplicateIds::Suffix));
    let ids: Vec<String> =
        source.records().map_while(Result::ok).map(|r| r.record_id().to_string()).collect();
    assert_eq!(ids, [" A1 ", "#2", "A1", "A2", "A2~2", "A1~2"]);
    // … and a later id equal to one it made is an error, not a silent collision.
    let text2 = "ma,ho_ten\nA2,Dung\nA2,Em\nA2~2,Giang\n";
    let mut source = CsvSource::from_reader(
        "t.csv",
        std::io::Cursor::new(text2.as_bytes().to_vec()),
        &with(DuplicateIds::Suffix),
    )
    .unwrap();
    let err = source.records().find_map(Result::err).unwrap().to_string();
    assert!(err.contains("line 4") && err.contains("`A2~2`"), "{err}");
    let mut source = open_with(&with(DuplicateIds::Suffix));
    read_all(&mut source);
    let report = source.report();
    assert_eq!(report.rows_ok, 6);
    assert_eq!(report.warnings_by_reason["duplicate_record_id"], 1);
    assert_eq!(report.warnings_by_reason["empty_record_id"], 1);
    let lines: Vec<(u64, &str)> = report.warning_samples.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(lines, [(3, "empty_record_id"), (6, "duplicate_record_id")]);
    assert!(report.warning_samples[1].reason.contains("already used on line 5"));

    // Skip: the later row is skipped and counted.
    let mut source = open_with(&with(DuplicateIds::Skip));
    let ids: Vec<String> =
        read_all(&mut source).iter().map(|r| r.record_id().to_string()).collect();
    assert_eq!(ids, [" A1 ", "A1", "A2", "A1~2"]);
    let report = source.report();
    assert_eq!((report.rows_read, report.rows_ok, report.rows_skipped), (6, 4, 2));

    // Stopping early: into_report counts the duplicates among the rows read.
    let text = "ma,ho_ten\nA1,An\nB,Binh\nA1,Chi\nA2,Dung\nA2,Em\n";
    let mut source = open_bytes(text.as_bytes()).unwrap();
    let mut record = RawRecord::new();
    for _ in 0..3 {
        assert!(source.read_record(&mut record).unwrap());
    }
    assert_eq!(source.into_report().warnings_by_reason["duplicate_record_id"], 1);

    // The check can be turned off.
    let opts = IngestOptions { check_duplicate_ids: false, ..IngestOptions::default() };
    let mut source =
        CsvSource::from_reader("t.csv", std::io::Cursor::new(text.as_bytes().to_vec()), &opts)
            .unwrap();
    read_all(&mut source);
    assert!(!source.report().warnings_by_reason.contains_key("duplicate_record_id"));
}

#[test]
fn a_file_without_a_header_line_is_read_from_its_first_line() {
    // No header: the first line holds a date and an id, and no column name a table knows.
    let mut bytes = b"1,Nguyen Van An,1980-02-03,079080000123\n".to_vec();
    bytes.extend_from_slice(b"2,Tran Thi Binh,1981\n"); // line 2: too few fields
    bytes.extend_from_slice(b"3,Le Van C,1982-04-05,079082000456\n");
    let opts = IngestOptions { unknown_header_ok: true, ..IngestOptions::default() };
    let mut source =
        CsvSource::from_reader("nohdr.csv", std::io::Cursor::new(bytes.clone()), &opts).unwrap();
    assert!(source.headerless());
    assert_eq!(source.headers(), ["column_1", "column_2", "column_3", "column_4"]);
    let records = read_all(&mut source);
    assert_eq!(records.iter().map(RawRecord::line).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(source.report().rows_skipped, 1);
    // The columns named by a configuration (what inference writes) are read.
    let column = crate::schema::ColumnConfig::new;
    let opts = IngestOptions {
        config_columns: Some(vec![
            column("column_1", FieldKind::RecordId),
            column("column_2", FieldKind::Name),
            column("column_3", FieldKind::Dob),
        ]),
        ..IngestOptions::default()
    };
    let mut source =
        CsvSource::from_reader("nohdr.csv", std::io::Cursor::new(bytes), &opts).unwrap();
    let records = read_all(&mut source);
    assert_eq!(records[0].get(FieldKind::Name), Some("Nguyen Van An"));
    assert_eq!(records[1].get(FieldKind::Dob), Some("1982-04-05"));
    // A header whose names no table knows, without data-like values, is a header.
    let source = open_bytes("Cột A,Cột B\n1,2\n".as_bytes());
    assert!(source.is_err());
}

#[test]
fn whole_file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 7] = [
        ("empty.csv", b"", "empty"),
        ("bom.csv", b"\xEF\xBB\xBF", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("utf16bom.csv", b"\xFF\xFE", "empty"),
        ("header.csv", b"ho_ten,ngay_sinh\n", "header line but no data rows"),
        ("header2.csv", b"ho_ten,ngay_sinh", "header line but no data rows"),
        (
            "nothing.csv",
            "Cột A,Cột B\n1,2\n".as_bytes(),
            "no recognisable column in the header (`Cột A`, `Cột B`)",
        ),
    ];
    for (name, bytes, wanted) in cases {
        let path = write_file(&dir, name, bytes);
        let err = CsvSource::open(&path, &IngestOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Input { .. }), "{name}: {err:?}");
        let msg = err.to_string();
        assert!(msg.contains(name) && msg.contains(wanted), "{name}: {msg}");
    }
    // Only a row-number column is not enough to match on.
    let err = open_bytes(b"STT,Ghi chu\n1,x\n").unwrap_err();
    assert!(err.to_string().contains("--column"), "{err}");
    // An override that names no column.
    let opts = IngestOptions {
        columns: vec![(FieldKind::Name, "Họ và tên".into())],
        ..IngestOptions::default()
    };
    let path = write_file(&dir, "o.csv", b"ten,dob\nAn,1980\n");
    let msg = CsvSource::open(&path, &opts).unwrap_err().to_string();
    assert!(msg.contains("o.csv") && msg.contains("`Họ và tên`"), "{msg}");
    // A missing file.
    let err =
        CsvSource::open(dir.path().join("missing.csv"), &IngestOptions::default()).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("missing.csv"), "{err}");
}

#[test]
fn overrides_and_forced_settings() {
    let text = "Mã HS|Người khai|NS\nA|Nguyễn Văn An|1980\n";
    let opts = IngestOptions {
        columns: vec![
            parse_column_override("record_id=Mã HS").unwrap(),
            parse_column_override("full_name=Người khai").unwrap(),
            parse_column_override("dob=ns").unwrap(),
        ],
        delimiter: Some(b'|'),
        encoding: Some(Encoding::Utf8),
        ..IngestOptions::default()
    };
    let mut source =
        CsvSource::from_reader("t.csv", std::io::Cursor::new(text.as_bytes().to_vec()), &opts)
            .unwrap();
    let r = &read_all(&mut source)[0];
    assert_eq!(
        (r.record_id(), r.get(FieldKind::Name), r.get(FieldKind::Dob)),
        ("A", Some("Nguyễn Văn An"), Some("1980"))
    );
    assert_eq!(r.get(FieldKind::Phone), None);
}

#[test]
fn chunks_and_long_files_stream_across_the_sample() {
    // Longer than the head sample, with multi-byte text crossing the boundary.
    let mut text = String::from("id;họ tên;ngày sinh\n");
    for i in 0..5000 {
        writeln!(text, "{i};Nguyễn Thị Ánh Tuyết {i};{:02}/03/1980", i % 28 + 1).unwrap();
    }
    assert!(text.len() > encoding::SAMPLE_LEN);
    for bytes in [text.as_bytes().to_vec(), utf16(&text, false)] {
        let mut source = open_bytes(&bytes).unwrap();
        let mut chunk = Vec::new();
        let mut sizes = Vec::new();
        let mut last = None;
        loop {
            let n = source.read_chunk(&mut chunk, 1024).unwrap();
            if n == 0 {
                break;
            }
            assert_eq!(chunk.len(), n);
            sizes.push(n);
            last = chunk.last().cloned();
        }
        assert_eq!(sizes, [1024, 1024, 1024, 1024, 904]);
        let last = last.unwrap();
        assert_eq!(last.record_id(), "4999");
        assert_eq!(last.get(FieldKind::Name), Some("Nguyễn Thị Ánh Tuyết 4999"));
        assert_eq!(last.line(), 5001);
        assert!(source.report().is_clean());
    }
}

#[test]
fn error_samples_are_capped() {
    let mut text = String::from("ho_ten,dob\n");
    for _ in 0..50 {
        text.push_str("only one field\n");
    }
    text.push_str("An,1980\n");
    let opts = IngestOptions { max_error_samples: 3, ..IngestOptions::default() };
    let mut source =
        CsvSource::from_reader("t.csv", std::io::Cursor::new(text.into_bytes()), &opts).unwrap();
    assert_eq!(read_all(&mut source).len(), 1);
    assert_eq!(source.report().rows_skipped, 50);
    assert_eq!(source.report().samples.len(), 3);
}

#[test]
fn delimiter_sniffing() {
    use reader::sniff_delimiter;
    assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n"), b',');
    assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
    assert_eq!(sniff_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
    // Commas inside quoted addresses do not fool it.
    assert_eq!(sniff_delimiter("ten;dia_chi\nAn;\"12, Hà Nội, VN\"\nBinh;\"3, Huế\"\n"), b';');
    // Decimal commas in a semicolon file (European Excel).
    assert_eq!(sniff_delimiter("a;b\n1,5;2,5\n3,25;4\n"), b';');
    // One column: the default.
    assert_eq!(sniff_delimiter("ho_ten\nAn\n"), b',');
    assert_eq!(sniff_delimiter(""), b',');
    // A cut last line is ignored.
    assert_eq!(sniff_delimiter("a;b\n1;2\n3,4,5,6,7,8"), b';');
}

proptest::proptest! {
    /// Any bytes after a valid header: no panic, and the report's counts add up.
    #[test]
    fn arbitrary_bytes_never_panic(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        header in proptest::sample::select(vec!["ho_ten,dob\n", "ho_ten;dob\r\n", "\u{feff}id\tname\n", ""]),
    ) {
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend(&body);
        if let Ok(mut source) = open_bytes(&bytes) {
            let mut record = RawRecord::new();
            while source.read_record(&mut record).unwrap() {
                proptest::prop_assert!(!record.record_id().is_empty());
            }
            let r = source.report();
            proptest::prop_assert_eq!(r.rows_read, r.rows_ok + r.rows_skipped);
            proptest::prop_assert_eq!(r.skipped_by_reason.values().sum::<u64>(), r.rows_skipped);
        }
    }
}

fn field(r: &RawRecord, kind: FieldKind) -> &str {
    r.get(kind).unwrap_or_default()
}

/// Reading speed, and the speed of the date, sex, id and phone normalisers on the same rows, for
/// a file named by `VNLINK_INGEST_BENCH` (e.g. a 1M-row standard file). Run in release:
/// `VNLINK_INGEST_BENCH=/tmp/std1m.csv cargo test --release --lib ingest::tests::throughput -- --ignored --nocapture`
#[test]
#[ignore = "timing: needs VNLINK_INGEST_BENCH=<file> and a release build"]
fn throughput() {
    use std::time::{Duration, Instant};

    use crate::normalize::{date, id, phone, sex};

    let path = std::env::var("VNLINK_INGEST_BENCH").expect("set VNLINK_INGEST_BENCH to a CSV file");
    let check_duplicate_ids = std::env::var_os("VNLINK_INGEST_NO_DUP_CHECK").is_none();
    let mut best_read = Duration::MAX;
    let mut best_norm = Duration::MAX;
    let mut best_parts = [Duration::ZERO; 4];
    let mut rows = 0u64;
    for _ in 0..3 {
        // Reading alone.
        let start = Instant::now();
        let opts = IngestOptions { check_duplicate_ids, ..IngestOptions::default() };
        let mut source = CsvSource::open(&path, &opts).unwrap();
        let mut record = RawRecord::new();
        let mut bytes = 0usize;
        while source.read_record(&mut record).unwrap() {
            bytes += record.get(FieldKind::Name).map_or(0, str::len);
        }
        best_read = best_read.min(start.elapsed());
        rows = source.report().rows_ok;
        assert!(bytes > 0 && source.report().is_clean(), "{}", source.report());

        // The four field normalisers, one at a time, on chunks read beforehand.
        let mut source = CsvSource::open(&path, &IngestOptions::default()).unwrap();
        let mut chunk = Vec::new();
        let mut spent = [Duration::ZERO; 4];
        let mut national = id::NationalId::default();
        let mut checksum = 0u64;
        while source.read_chunk(&mut chunk, 10_000).unwrap() > 0 {
            let t = Instant::now();
            for r in &chunk {
                let d = date::parse_date(field(r, FieldKind::Dob));
                checksum += u64::from(d.date.map_or(0, date::Date::pack));
            }
            spent[0] += t.elapsed();
            let t = Instant::now();
            for r in &chunk {
                let s = sex::parse_sex(field(r, FieldKind::Sex));
                checksum += s.map_or(0, |s| u64::from(s.iso5218()));
            }
            spent[1] += t.elapsed();
            let t = Instant::now();
            for r in &chunk {
                if id::parse_id_into(field(r, FieldKind::NationalId), &mut national) {
                    checksum += national.to_u64().unwrap_or(0) & 0xFF;
                }
            }
            spent[2] += t.elapsed();
            let t = Instant::now();
            for r in &chunk {
                let p = phone::phone_u64(field(r, FieldKind::Phone));
                checksum += p.map_or(0, |(v, _)| v & 0xFF);
            }
            spent[3] += t.elapsed();
        }
        assert!(checksum > 0);
        let total: Duration = spent.iter().sum();
        if total < best_norm {
            best_norm = total;
            best_parts = spent;
        }
    }
    let per_sec = |d: Duration| rows as f64 / d.as_secs_f64();
    eprintln!(
        "{rows} rows (duplicate-id check {check_duplicate_ids}): read {:.0} ms = {:.0} rows/s; date+sex+id+phone {:.0} ms = {:.0} records/s ({:.0} ns/record)",
        best_read.as_secs_f64() * 1e3,
        per_sec(best_read),
        best_norm.as_secs_f64() * 1e3,
        per_sec(best_norm),
        best_norm.as_secs_f64() * 1e9 / rows as f64,
    );
    let ns = |d: Duration| d.as_secs_f64() * 1e9 / rows as f64;
    eprintln!(
        "ns/record: parse_date {:.0}, parse_sex {:.0}, parse_id_into {:.0}, phone_u64 {:.0}",
        ns(best_parts[0]),
        ns(best_parts[1]),
        ns(best_parts[2]),
        ns(best_parts[3]),
    );
}
