//! Excel input (issue 7): `.xlsx` workbooks written here with `rust_xlsxwriter` and the committed
//! `.xls` fixture `tests/data/excel/people.xls` (made by `make_people_xls.py` there) are read
//! through `CsvSource::open` and the CLI: cells come back as typed (numbers without `.0`, dates
//! as `yyyy-mm-dd`), line numbers are sheet rows, `--sheet` chooses the sheet, damaged files are
//! errors naming the file, and a workbook gives the same store and the same pairs as the CSV it
//! holds.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::Value;
use vnlink::Error;
use vnlink::ingest::excel::{SheetCsv, sheet_to_csv};
use vnlink::ingest::{CsvSource, IngestOptions, RawRecord};
use vnlink::normalize::id::{IdKind, parse_id};
use vnlink::normalize::phone::normalize_phone;
use vnlink::schema::FieldKind;

use crate::util::{s, sample, vnlink, vnlink_ok};

const HEADER: [&str; 8] = [
    "Mã hồ sơ",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Số điện thoại",
    "Địa chỉ",
    "Đã xác minh",
];

/// `people.xlsx` in `dir`: sheets `Danh sách` (5 people), `Bổ sung` (2, header from column B,
/// a blank row before the data) and `Trống` (empty).
fn people_xlsx(dir: &Path) -> PathBuf {
    let path = dir.join("people.xlsx");
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let ymd = |y, m, d| ExcelDateTime::from_ymd(y, m, d).unwrap();

    let sheet = book.add_worksheet();
    sheet.set_name("Danh sách").unwrap();
    for (c, h) in (0..).zip(HEADER) {
        sheet.write_string(0, c, h).unwrap();
    }
    // Row 2: numbers everywhere Excel makes them: the CCCD 079085001234 and the phone
    // 0912345678 lost their leading zero; the dob is a date cell; a line break in the address.
    sheet.write_number(1, 0, 1001).unwrap();
    sheet.write_string(1, 1, "Nguyễn Văn An").unwrap();
    sheet.write_datetime_with_format(1, 2, ymd(1985, 3, 12), &date).unwrap();
    sheet.write_string(1, 3, "Nam").unwrap();
    sheet.write_number(1, 4, 79_085_001_234.0).unwrap();
    sheet.write_number(1, 5, 912_345_678).unwrap();
    sheet.write_string(1, 6, "12 Lê Lợi, Phường Bến Nghé,\nQuận 1, TP. Hồ Chí Minh").unwrap();
    sheet.write_boolean(1, 7, true).unwrap();
    // Row 3: the CCCD 001303004567 typed as a number (two zeros lost).
    sheet.write_number(2, 0, 1002).unwrap();
    sheet.write_string(2, 1, "Trần Thị Bình").unwrap();
    sheet.write_datetime_with_format(2, 2, ymd(2003, 5, 20), &date).unwrap();
    sheet.write_string(2, 3, "Nữ").unwrap();
    sheet.write_number(2, 4, 1.303_004_567e9).unwrap();
    sheet.write_number(2, 5, 983_456_789).unwrap();
    sheet.write_string(2, 6, "Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội").unwrap();
    sheet.write_boolean(2, 7, false).unwrap();
    // Row 4: the dob as a raw serial in a General cell (25783 = 1970-08-03); text id and phone.
    sheet.write_number(3, 0, 1003).unwrap();
    sheet.write_string(3, 1, "Lê Hoàng Cường").unwrap();
    sheet.write_number(3, 2, 25783).unwrap();
    sheet.write_string(3, 3, "Nam").unwrap();
    sheet.write_string(3, 4, "036070001234").unwrap();
    sheet.write_string(3, 5, "0901 234 567").unwrap();
    sheet.write_string(3, 6, "Nam Định").unwrap();
    // Row 5 is empty. Row 6: the same person as row 2, typed differently; an error cell.
    sheet.write_number(5, 0, 1004).unwrap();
    sheet.write_string(5, 1, "NGUYỄN VĂN AN").unwrap();
    sheet.write_string(5, 2, "12/03/1985").unwrap();
    sheet.write_string(5, 3, "nam").unwrap();
    sheet.write_string(5, 4, "079085001234").unwrap();
    sheet.write_number(5, 5, 84_912_345_678_f64).unwrap();
    sheet.write_string(5, 6, "12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM").unwrap();
    sheet.write_formula(5, 7, Formula::new("=NA()").set_result("#N/A")).unwrap();
    // Row 7: no id; a date with a time of day; a number that is not whole; #N/A as the phone.
    sheet.write_string(6, 1, "Hoàng Văn Em").unwrap();
    sheet
        .write_datetime_with_format(6, 2, ymd(1992, 7, 1).and_hms(14, 30, 0).unwrap(), &date_time)
        .unwrap();
    sheet.write_string(6, 3, "Nam").unwrap();
    sheet.write_number(6, 4, 1.5).unwrap();
    sheet.write_formula(6, 5, Formula::new("=NA()").set_result("#N/A")).unwrap();

    let extra = book.add_worksheet();
    extra.set_name("Bổ sung").unwrap();
    extra.write_string(0, 1, "Họ và tên").unwrap();
    extra.write_string(0, 2, "Ngày sinh").unwrap();
    extra.write_string(2, 1, "Phạm Thu Dung").unwrap();
    extra.write_datetime_with_format(2, 2, ymd(1990, 12, 31), &date).unwrap();
    extra.write_string(3, 1, "Vũ Minh Giang").unwrap();
    extra.write_number(3, 2, 1995).unwrap();

    book.add_worksheet().set_name("Trống").unwrap();
    book.save(&path).unwrap();
    path
}

fn xls_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/excel/people.xls")
}

fn read_all(path: &Path, opts: &IngestOptions) -> (CsvSource, Vec<RawRecord>) {
    let mut source = CsvSource::open(path, opts).unwrap_or_else(|e| panic!("{e}"));
    let mut records = Vec::new();
    let mut r = RawRecord::new();
    while source.read_record(&mut r).unwrap() {
        records.push(r.clone());
    }
    (source, records)
}

fn column(records: &[RawRecord], kind: FieldKind) -> Vec<&str> {
    records.iter().map(|r| r.get(kind).unwrap_or("<none>")).collect()
}

fn input_error(e: Error) -> (PathBuf, String) {
    match e {
        Error::Input { path, reason } => (path, reason),
        e => panic!("expected Error::Input, got {e:?}"),
    }
}

#[test]
fn xlsx_cells_come_back_as_typed() {
    let dir = tempfile::tempdir().unwrap();
    let path = people_xlsx(dir.path());
    let SheetCsv { sheet, csv } = sheet_to_csv(&path, None).unwrap();
    assert_eq!(sheet, "Danh sách");
    let expected = "\
Mã hồ sơ,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Địa chỉ,Đã xác minh
1001,Nguyễn Văn An,1985-03-12,Nam,79085001234,912345678,\"12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh\",true
1002,Trần Thị Bình,2003-05-20,Nữ,1303004567,983456789,\"Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội\",false
1003,Lê Hoàng Cường,25783,Nam,036070001234,0901 234 567,Nam Định,
\"\"
1004,NGUYỄN VĂN AN,12/03/1985,nam,079085001234,84912345678,\"12 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM\",
,Hoàng Văn Em,1992-07-01,Nam,1.5,,,
";
    assert_eq!(String::from_utf8(csv).unwrap(), expected);
}

#[test]
fn xlsx_through_csv_source_lines_are_sheet_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = people_xlsx(dir.path());
    // The empty id gets `#<row>` with a warning (by default it would be an error).
    let opts = IngestOptions {
        on_duplicate_id: vnlink::ingest::DuplicateIds::Suffix,
        ..IngestOptions::default()
    };
    let (source, records) = read_all(&path, &opts);
    assert_eq!(source.path(), path);
    assert_eq!(source.headers(), HEADER);
    assert_eq!(source.unmapped_columns().collect::<Vec<_>>(), ["Đã xác minh"]);
    assert_eq!(records.iter().map(RawRecord::line).collect::<Vec<_>>(), [2, 3, 4, 6, 7]);
    assert_eq!(column(&records, FieldKind::RecordId), ["1001", "1002", "1003", "1004", "#5"]);
    assert_eq!(
        column(&records, FieldKind::Dob),
        ["1985-03-12", "2003-05-20", "25783", "12/03/1985", "1992-07-01"]
    );
    assert_eq!(
        column(&records, FieldKind::NationalId),
        ["79085001234", "1303004567", "036070001234", "079085001234", "1.5"]
    );
    assert_eq!(
        column(&records, FieldKind::Phone),
        ["912345678", "983456789", "0901 234 567", "84912345678", ""]
    );
    // The empty id is reported on its sheet row, in the workbook.
    let report = source.into_report();
    assert_eq!((report.rows_read, report.rows_ok, report.rows_skipped), (5, 5, 0));
    let w = &report.warning_samples[0];
    assert_eq!((w.path.as_path(), w.line, w.code), (path.as_path(), 7, "empty_record_id"));

    // The normalisers put back the zeros Excel dropped.
    for (raw, digits) in [("79085001234", "079085001234"), ("1303004567", "001303004567")] {
        let id = parse_id(raw).unwrap();
        assert_eq!((id.kind, id.digits.as_str()), (IdKind::Cccd, digits), "{raw}");
    }
    assert_eq!(normalize_phone("912345678").unwrap().national, "0912345678");
    assert_eq!(normalize_phone("84912345678").unwrap().national, "0912345678");
}

#[test]
fn sheet_option_chooses_the_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = people_xlsx(dir.path());
    for name in ["Bổ sung", "bổ sung"] {
        let opts = IngestOptions { sheet: Some(name.into()), ..IngestOptions::default() };
        let (source, records) = read_all(&path, &opts);
        assert_eq!(source.headers(), ["Họ và tên", "Ngày sinh"]);
        assert_eq!(records.iter().map(RawRecord::line).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(column(&records, FieldKind::Name), ["Phạm Thu Dung", "Vũ Minh Giang"]);
        assert_eq!(column(&records, FieldKind::Dob), ["1990-12-31", "1995"]);
        assert_eq!(column(&records, FieldKind::RecordId), ["1", "2"]);
    }

    let opts = IngestOptions { sheet: Some("Sheet9".into()), ..IngestOptions::default() };
    let (p, reason) = input_error(CsvSource::open(&path, &opts).unwrap_err());
    assert_eq!(p, path);
    assert_eq!(reason, "no sheet named `Sheet9`; the sheets are `Danh sách`, `Bổ sung`, `Trống`");

    // An empty sheet is an empty file, as for CSV.
    let opts = IngestOptions { sheet: Some("Trống".into()), ..IngestOptions::default() };
    let (p, reason) = input_error(CsvSource::open(&path, &opts).unwrap_err());
    assert_eq!(p, path);
    assert!(reason.starts_with("sheet `Trống`: the file is empty"), "{reason}");
    let empty_csv = dir.path().join("empty.csv");
    std::fs::write(&empty_csv, "").unwrap();
    let (_, csv_reason) = input_error(CsvSource::open(&empty_csv, &opts).unwrap_err());
    assert_eq!(reason, format!("sheet `Trống`: {csv_reason}"));
}

#[test]
fn hidden_first_sheet_is_passed_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hidden.XLSX");
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("Ghi chú").unwrap();
    notes.write_string(0, 0, "không dùng").unwrap();
    notes.set_hidden(true);
    let people = book.add_worksheet();
    people.write_string(0, 0, "Họ và tên").unwrap();
    people.write_string(1, 0, "Đỗ Thị Hoa").unwrap();
    people.set_active(true);
    book.save(&path).unwrap();
    let (_, records) = read_all(&path, &IngestOptions::default());
    assert_eq!(column(&records, FieldKind::Name), ["Đỗ Thị Hoa"]);
}

#[test]
fn xls_fixture_is_read() {
    let path = xls_fixture();
    let SheetCsv { sheet, csv } = sheet_to_csv(&path, None).unwrap();
    assert_eq!(sheet, "Danh sách");
    let expected = "\
Mã hồ sơ,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Địa chỉ
1001,Nguyễn Văn An,1985-03-12,Nam,79085001234,912345678,\"12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh\"
1002,Trần Thị Bình,2003-05-20,Nữ,1303004567,983456789,\"Số 5 ngõ 12 Láng Hạ, Đống Đa, Hà Nội\"
1003,Lê Hoàng Cường,25783,Nam,036070001234,0901 234 567,Nam Định
";
    assert_eq!(String::from_utf8(csv).unwrap(), expected);

    let opts = IngestOptions { sheet: Some("Bổ sung".into()), ..IngestOptions::default() };
    let (_, records) = read_all(&path, &opts);
    assert_eq!(records.iter().map(RawRecord::line).collect::<Vec<_>>(), [3]);
    assert_eq!(column(&records, FieldKind::Dob), ["1990-12-31"]);
}

#[test]
fn damaged_or_wrong_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 5] = [
        ("text.xlsx", "Họ và tên,Ngày sinh\nAn,1990\n".as_bytes(), "the file is text"),
        ("page.xls", b"<html><table><tr><td>An</td></tr></table></html>", "the file is text"),
        ("empty.xlsx", b"", "the file is empty"),
        ("cut.xlsx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00garbage", "not a valid `.xlsx`"),
        ("cut.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00", "cannot read the `.xls`"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (p, reason) =
            input_error(CsvSource::open(&path, &IngestOptions::default()).unwrap_err());
        assert_eq!(p, path);
        assert!(reason.contains(expected), "{name}: {reason}");
    }
    // A real workbook cut in half.
    let good = std::fs::read(people_xlsx(dir.path())).unwrap();
    let half = dir.path().join("half.xlsx");
    std::fs::write(&half, &good[..good.len() / 2]).unwrap();
    let (p, _) = input_error(CsvSource::open(&half, &IngestOptions::default()).unwrap_err());
    assert_eq!(p, half);
    // Missing file: an I/O error naming it.
    let missing = dir.path().join("missing.xlsx");
    match CsvSource::open(&missing, &IngestOptions::default()).unwrap_err() {
        Error::Io { path, .. } => assert_eq!(path, missing),
        e => panic!("{e:?}"),
    }
}

fn inspect(store: &Path) -> Value {
    let out = vnlink_ok(&["inspect", s(store), "--json"], 0);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn cli_builds_from_xlsx_with_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let path = people_xlsx(dir.path());
    let store = dir.path().join("people.vnl");
    // The empty record id is an error by default, as for CSV (issue 12) …
    let out = vnlink(&["build", s(&path), "-o", s(&store), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty record id (line 7)"));
    // … and a warning (exit 1) when the row is kept under a new id.
    vnlink_ok(&["build", s(&path), "-o", s(&store), "-q", "--on-duplicate-id", "suffix"], 1);
    let j = inspect(&store);
    assert_eq!(j["records"], 5);
    assert_eq!(j["build"]["source"], s(&path));
    let complete: Vec<(String, u64)> = j["completeness"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["count"].as_u64().unwrap()))
        .collect();
    let count = |k: &str| complete.iter().find(|(n, _)| n == k).map(|&(_, c)| c);
    // Every dob parses (dates, the serial, d/m/y); 4 phones are phones once the 0 is back.
    assert_eq!(count("dob"), Some(5));
    assert_eq!(count("phone"), Some(4));

    let extra = dir.path().join("extra.vnl");
    vnlink_ok(&["build", s(&path), "--sheet", "Bổ sung", "-o", s(&extra), "-q"], 0);
    assert_eq!(inspect(&extra)["records"], 2);

    let o = vnlink(&["build", s(&path), "--sheet", "Sheet9", "-o", s(&extra), "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("people.xlsx") && err.contains("`Bổ sung`"), "{err}");
}

/// The first `n` rows of the sample, as CSV and as a workbook of text cells.
fn sample_head(n: usize, csv_out: &Path, xlsx_out: &Path) {
    let (records, _) = sample();
    let mut r = csv::Reader::from_path(records).unwrap();
    let mut w = csv::Writer::from_path(csv_out).unwrap();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = r.headers().unwrap().clone();
    w.write_record(&header).unwrap();
    for (c, h) in (0..).zip(header.iter()) {
        sheet.write_string(0, c, h).unwrap();
    }
    for (row, rec) in (1..).zip(r.records().take(n)) {
        let rec = rec.unwrap();
        w.write_record(&rec).unwrap();
        for (c, v) in (0..).zip(rec.iter()) {
            if !v.is_empty() {
                sheet.write_string(row, c, v).unwrap();
            }
        }
    }
    w.flush().unwrap();
    book.save(xlsx_out).unwrap();
}

#[test]
fn dedupe_of_a_workbook_equals_dedupe_of_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, xlsx) = (dir.path().join("head.csv"), dir.path().join("head.xlsx"));
    sample_head(300, &csv, &xlsx);

    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    // 300 records hold too few matches to train on: the reference m, with a warning (exit 1).
    vnlink_ok(&["dedupe", s(&csv), "--out", s(&a), "-q"], 1);
    vnlink_ok(&["dedupe", s(&xlsx), "--out", s(&b), "-q"], 1);
    let pairs = std::fs::read_to_string(a.join("pairs.csv")).unwrap();
    assert!(pairs.lines().count() > 10, "too few pairs to compare:\n{pairs}");
    assert_eq!(pairs, std::fs::read_to_string(b.join("pairs.csv")).unwrap());
    assert_eq!(
        std::fs::read_to_string(a.join("clusters.csv")).unwrap(),
        std::fs::read_to_string(b.join("clusters.csv")).unwrap()
    );
}

#[test]
fn cut_or_flipped_workbooks_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = std::fs::read(people_xlsx(dir.path())).unwrap();
    let xls = std::fs::read(xls_fixture()).unwrap();
    let mut tried = 0;
    for (name, good) in [("d.xlsx", &xlsx), ("d.xls", &xls)] {
        let path = dir.path().join(name);
        let step = good.len() / 150 + 1;
        for at in (0..good.len()).step_by(step) {
            let cut = good[..at].to_vec();
            let mut flipped = good.clone();
            flipped[at] ^= 0x5A;
            // A flip may leave the file readable; neither may panic, and errors name the file.
            for bytes in [&cut, &flipped] {
                std::fs::write(&path, bytes).unwrap();
                if let Err(e) = sheet_to_csv(&path, None) {
                    let message = e.to_string();
                    assert!(message.starts_with(s(&path)) && !message.contains('\n'), "{message}");
                }
                tried += 1;
            }
        }
    }
    assert!(tried > 500);
}

#[test]
fn normalize_reads_the_workbook_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("normalized.csv");
    let xls = xls_fixture();
    vnlink_ok(&["normalize", "--input", s(&xls), "-o", s(&out)], 0);
    let mut r = csv::Reader::from_path(&out).unwrap();
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    // The workbook's own columns come first, as read; the normalised ones follow.
    assert_eq!(&rows[0][col("Họ và tên")], "Nguyễn Văn An");
    assert_eq!(&rows[0][col("full_name.ascii")], "nguyen van an");
    assert_eq!(&rows[0][col("phone.national")], "0912345678");
    assert_eq!(rows.len(), 3);
}
