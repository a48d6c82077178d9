//! Real-world input shapes (issue 7): split name and address columns, the extra field kinds,
//! configuration files and their errors, and `vnlink schema`'s inference.

use std::fmt::Write as _;
use std::path::Path;

use crate::util::{s, vnlink, vnlink_ok};

// The files here hold a handful of records: too few matches for training, which falls back to
// the reference model's m with a warning, hence exit status 1 for dedupe, link and train.

/// A small register with split name and address columns, e-mails and passport numbers: records
/// 1–2 and 5–6 are one person each, written differently.
const SPLIT: &str = "\
STT,Họ,Chữ đệm,Tên,Ngày sinh,Số nhà,Đường/Thôn,Phường/Xã,Quận/Huyện,Tỉnh/Thành phố,Email,Số hộ chiếu,Chiều cao
1,Nguyễn,Văn,An,01/02/1990,12,Lê Lợi,Bến Nghé,Quận 1,TP HCM,an.nguyen@gmail.com,B1234567,170
2,NGUYEN,VAN,AN,1990-02-01,12,Lê Lợi,P. Bến Nghé,Q.1,Hồ Chí Minh,AN.NGUYEN@GMAIL.COM,b 1234567,171
3,Trần,Thị Ngọc,Hà,1985,,Thôn 8,Phước Dinh,Thuận Nam,Ninh Thuận,,,
4,Lê,,Minh,12/12/1970,,Lê Lợi,,,Hà Nội,minh@yahoo.com,,
5,Phạm,Thị,Lan,03/04/1988,5,Hàng Bông,Hàng Trống,Hoàn Kiếm,Hà Nội,lan.pham@gmail.com,C7654321,155
6,Phạm,Thị,Lan,03/04/1988,5,Hàng Bông,,Hoàn Kiếm,Hà Nội,lan.pham@gmial.com,C7654321,
";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn stderr_of(args: &[&str]) -> (Option<i32>, String) {
    let o = vnlink(args);
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn split_columns_are_assembled_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "split.csv", SPLIT);
    let store = dir.path().join("split.vnl");
    vnlink_ok(&["build", s(&csv), "-o", s(&store), "-q"], 0);
    let j: serde_json::Value =
        serde_json::from_str(&vnlink_ok(&["inspect", s(&store), "--json"], 0)).unwrap();
    let count = |name: &str| {
        j["completeness"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    // Every name is read from its parts, every address resolved against the gazetteer.
    assert_eq!((count("full_name"), count("address")), (6, 6));
    let family = &j["top"]["family_names"]["values"];
    assert!(family.as_array().unwrap().iter().any(|v| v["name"] == "phạm" && v["count"] == 2));
    let kinds: Vec<String> = j["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_owned())
        .collect();
    for k in ["family_name", "middle_name", "given_name", "street", "ward", "email", "code"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
    assert!(kinds.iter().any(|x| x == "numeric"), "{kinds:?}");
}

#[test]
fn extra_fields_are_compared_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "split.csv", SPLIT);
    let out = dir.path().join("out");
    let store = dir.path().join("split.vnl");
    vnlink_ok(&["build", s(&csv), "-o", s(&store), "-q"], 0);
    vnlink_ok(&["dedupe", s(&store), "--out", s(&out), "-q", "--threshold", "0.5"], 1);
    let mut r = csv::Reader::from_path(out.join("pairs.csv")).unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        &headers[4..],
        [
            "name",
            "dob",
            "address",
            "id",
            "phone",
            "sex",
            "email",
            "so_ho_chieu",
            "chieu_cao",
            "cluster"
        ]
    );
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    let fields: Vec<&str> =
        model["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(fields[6..], ["email", "so_ho_chieu", "chieu_cao"]);
    // The explanation of 5 vs 6 shows each extra field's level.
    let e: serde_json::Value = serde_json::from_str(&vnlink_ok(
        &["explain", s(&store), "--left", "5", "--right", "6", "--json"],
        0,
    ))
    .unwrap();
    let level = |name: &str| {
        let f = e["fields"].as_array().unwrap().iter().find(|f| f["field"] == name).unwrap();
        f["label"].as_str().unwrap().to_owned()
    };
    assert_eq!(level("email"), "one_typo");
    assert_eq!(level("so_ho_chieu"), "exact");
    assert_eq!(level("chieu_cao"), "missing");
    let e: serde_json::Value = serde_json::from_str(&vnlink_ok(
        &["explain", s(&store), "--left", "1", "--right", "2", "--json"],
        0,
    ))
    .unwrap();
    let level = |name: &str| {
        let f = e["fields"].as_array().unwrap().iter().find(|f| f["field"] == name).unwrap();
        f["label"].as_str().unwrap().to_owned()
    };
    assert_eq!(level("email"), "exact"); // case folded
    assert_eq!(level("so_ho_chieu"), "exact"); // spaces and case dropped
    assert_eq!(level("chieu_cao"), "within_1_percent");
    assert_eq!(level("name"), "exact_ascii");
    assert_eq!(level("address"), "same_ward_and_house");
}

#[test]
fn schema_prints_a_config_that_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "split.csv", SPLIT);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    assert!(toml.contains("kind = \"family_name\"") && toml.contains("kind = \"email\""), "{toml}");
    assert!(toml.contains("fields = [\"email\"]"), "a blocking rule on the e-mail: {toml}");
    let cfg = write(dir.path(), "split.toml", &toml);
    // The same run with the printed config and without any: the same clusters.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    vnlink_ok(&["dedupe", s(&csv), "--out", s(&a), "-q"], 1);
    vnlink_ok(&["dedupe", s(&csv), "--out", s(&b), "-q", "--config", s(&cfg)], 1);
    for f in ["clusters.csv", "pairs.csv"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f}");
    }
    // An edited config: only the columns it lists are read.
    let small = "[[columns]]\nheader = \"Họ\"\nkind = \"family_name\"\n\n[[columns]]\n\
                 header = \"ten\"\nkind = \"given_name\"\n\n[[columns]]\nheader = \"E-MAIL\"\n\
                 kind = \"email\"\nname = \"mail\"\n";
    let cfg = write(dir.path(), "small.toml", small);
    let store = dir.path().join("small.vnl");
    vnlink_ok(&["build", s(&csv), "-o", s(&store), "-q", "--config", s(&cfg)], 0);
    let j: serde_json::Value =
        serde_json::from_str(&vnlink_ok(&["inspect", s(&store), "--json"], 0)).unwrap();
    let kinds: Vec<&str> =
        j["columns"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["family_name", "given_name", "email"]);
}

#[test]
fn bad_configs_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "split.csv", SPLIT);
    let out = dir.path().join("out");
    let cases: &[(&str, &[&str])] = &[
        // A column the file does not have.
        (
            "[[columns]]\nheader = \"Ngày cấp\"\nkind = \"dob\"\n",
            &["columns[0].header", "Ngày cấp"],
        ),
        // An unknown kind.
        ("[[columns]]\nheader = \"Họ\"\nkind = \"surnmae\"\n", &["unknown field kind `surnmae`"]),
        // A rule on a field the input does not have.
        (
            "[[blocking.rules]]\nname = \"mail\"\nkeys = []\nfields = [\"mail\"]\n",
            &["blocking.rules[0].fields", "`mail`", "email"],
        ),
        // A rule with an unknown key part.
        ("[[blocking.rules]]\nname = \"x\"\nkeys = [\"shoe_size\"]\n", &["shoe_size"]),
        // Two columns for one single-column kind.
        (
            "[[columns]]\nheader = \"Họ\"\nkind = \"family_name\"\n\n[[columns]]\nheader = \"Tên\"\n\
             kind = \"family_name\"\n",
            &["columns[1].kind", "family_name is given two columns"],
        ),
        // An extra field named like a fixed field.
        (
            "[[columns]]\nheader = \"Email\"\nkind = \"email\"\nname = \"dob\"\n",
            &["columns[0].name", "`dob` is taken"],
        ),
        // A key the config does not have.
        ("colums = []\n", &["colums"]),
    ];
    for (i, (text, wanted)) in cases.iter().enumerate() {
        let cfg = write(dir.path(), &format!("bad{i}.toml"), text);
        let (code, err) =
            stderr_of(&["dedupe", s(&csv), "--out", s(&out), "-q", "--config", s(&cfg)]);
        assert_eq!(code, Some(2), "{text}: {err}");
        assert!(err.contains(&format!("bad{i}.toml")), "the config file is named: {err}");
        for w in *wanted {
            assert!(err.contains(w), "{text}: `{w}` not in {err}");
        }
    }
}

#[test]
fn english_values_are_compared_as_text_and_codes() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "people.csv",
        "id,first_name,last_name,dob,street_address,suburb,state,postcode,email,phone,ssn\n\
         1,John,Smith,1980-03-15,12 Baker Street,Marrickville,NSW,2204,john.smith@gmail.com,(02) 9555 1234,123-45-6789\n\
         2,Jon,Smith,1980-03-15,12 Baker St,Marrickville,NSW,2204,jsmith@yahoo.com,02 9555 1234,123456789\n\
         3,Mary,Jones,1975-07-01,5 High Road,Fitzroy,VIC,3065,mary.j@outlook.com,,\n\
         4,Peter,Brown,1990-11-30,77 King Street,Newtown,NSW,2042,,(02) 9555 0000,987-65-4321\n",
    );
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    for want in [
        "header = \"first_name\"\nkind = \"given_name\"",
        "header = \"last_name\"\nkind = \"family_name\"",
        "header = \"street_address\"\nkind = \"text\"\nname = \"address_text\"",
        "header = \"suburb\"\nkind = \"text\"\nname = \"address_text\"",
        "header = \"state\"\nkind = \"text\"\nname = \"address_text\"",
        "header = \"ssn\"\nkind = \"code\"",
        "# note: addresses: 0 of 4 sampled resolve",
        "header = \"postcode\"\nkind = \"postcode\"\nname = \"postcode\"\ncompare = false",
    ] {
        assert!(toml.contains(want), "`{want}` not in:\n{toml}");
    }
    let out = dir.path().join("out");
    vnlink_ok(&["dedupe", s(&csv), "--out", s(&out), "-q", "--threshold", "0.5"], 1);
    // Four records train no model worth the name (quality is measured on generated data); the
    // fields compared are the inferred ones.
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).unwrap();
    assert!(
        pairs.starts_with(
            "left_id,right_id,match_probability,match_weight,name,dob,address,id,phone,sex,\
             address_text,postcode,email,ssn,cluster\n"
        ),
        "{pairs}"
    );
}

#[test]
fn an_identifier_is_found_by_its_values_whatever_its_header() {
    // A benchmark-style file: the id column's header says nothing a header table knows, its
    // values are 7 digits, filled and distinct; `line` is a row number and `size_code` a short
    // number: neither identifies anyone.
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("rec_id,given_name,surname,date_of_birth,soc_sec_id,line,size_code\n");
    for i in 0..60u64 {
        let ssn = 1_000_000 + (i * 7_919) % 8_999_999;
        let _ = writeln!(
            text,
            "r{i},Ann{i},Lee,1980-01-{:02},{ssn},{},{}",
            1 + i % 28,
            i + 1,
            60 + i % 9
        );
    }
    let csv = write(dir.path(), "febrl.csv", &text);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    for want in [
        "header = \"soc_sec_id\"\nkind = \"code\"\nname = \"soc_sec_id\"",
        "# note: column `soc_sec_id`: an identifier by its values (100 % filled, 100 % distinct, \
         digits of 7 characters in 100 %), compared as `code` and blocked on",
        "fields = [\"soc_sec_id\"]",
        "# not read: \"line\"",
        "# not read: \"size_code\"",
        "header = \"rec_id\"\nkind = \"record_id\"",
    ] {
        assert!(toml.contains(want), "`{want}` not in:\n{toml}");
    }
}

#[test]
fn qualified_address_columns_and_a_second_line_make_the_address_text() {
    // A tax form's header: every address column qualified by `mailing_address_`, the unit
    // number a second line.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "form_key,first_name,last_name,mailing_address_street_number,\
         mailing_address_street_name,mailing_address_unit_number,mailing_address_city,\
         mailing_address_state,mailing_address_zipcode\n",
    );
    for i in 0..40u32 {
        let unit = if i % 3 == 0 { format!("apt {i}") } else { String::new() };
        let _ = writeln!(
            text,
            "F{i},Ann{i},Lee,{},maple st,{unit},Springfield,IL,627{:02}",
            100 + i,
            i % 90
        );
    }
    let csv = write(dir.path(), "w2.csv", &text);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    for want in [
        "header = \"mailing_address_street_number\"\nkind = \"text\"\nname = \"address_text\"",
        "header = \"mailing_address_city\"\nkind = \"text\"\nname = \"address_text\"",
        "header = \"mailing_address_unit_number\"\nkind = \"text\"\nname = \"address_text\"",
        "# note: column `mailing_address_unit_number`: a second address line, joined with the \
         address text",
        "header = \"mailing_address_zipcode\"\nkind = \"postcode\"",
    ] {
        assert!(toml.contains(want), "`{want}` not in:\n{toml}");
    }
    assert!(!toml.contains("# not read: \"mailing_address"), "{toml}");
}

#[test]
fn a_name_column_written_given_name_first_is_read_so() {
    // US census style: `First M Last`; some with the family name missing (`Kimberly B`).
    let dir = tempfile::tempdir().unwrap();
    let givens = ["John", "Mary", "Robert", "Linda", "James", "Patricia", "Michael", "Barbara"];
    let families = ["Kofron", "Alvarez", "Whitten", "Latta", "Savino", "Halim"];
    let mut text = String::from("record_id,full_name,dob\n");
    for i in 0..48usize {
        let (g, f) = (givens[i % 8], families[i % 6]);
        let name = if i % 12 == 0 { format!("{g} B") } else { format!("{g} B {f}") };
        let _ = writeln!(text, "r{i},{name},1980-01-{:02}", 1 + i % 28);
    }
    let csv = write(dir.path(), "census.csv", &text);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    assert!(
        toml.contains("header = \"full_name\"\nkind = \"full_name\"\ngiven_first = true"),
        "{toml}"
    );
    assert!(toml.contains("names written given name first (48 of 48 sampled"), "{toml}");
    // Vietnamese names, family name first, are not.
    let mut vn = String::from("record_id,full_name,dob\n");
    for (i, n) in
        ["Nguyễn Văn Hùng", "Trần Thị Lan", "Lê Minh Tuấn", "Phạm Thị Mai"].iter().enumerate()
    {
        let _ = writeln!(vn, "r{i},{n},1980-01-0{}", i + 1);
    }
    let csv = write(dir.path(), "vn.csv", &vn);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    assert!(!toml.contains("given_first"), "{toml}");
}

#[test]
fn names_ids_and_phones_are_found_by_their_values_under_unknown_headers() {
    // A hospital's export: no header a table knows, the values say what each column is.
    let dir = tempfile::tempdir().unwrap();
    let names =
        ["Phạm Thành Long", "NGUYỄN HẢI DƯƠNG", "Trần Thị Lan", "Lê Văn Hùng", "Võ Minh Tuấn"];
    let mut text =
        String::from("person_key,patient_name,birth_date,citizen_no,contact_no,ward_note\n");
    for i in 0..40u64 {
        let _ = writeln!(
            text,
            "PK-{i:04},{},1980-01-{:02},0790{:08},09{:08},note {i}",
            names[(i % 5) as usize],
            1 + i % 28,
            80_000_000 + i * 7,
            12_345_000 + i * 3
        );
    }
    let csv = write(dir.path(), "hospital.csv", &text);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    for want in [
        "header = \"patient_name\"\nkind = \"full_name\"",
        "header = \"citizen_no\"\nkind = \"id_number\"",
        "header = \"contact_no\"\nkind = \"phone\"",
        "# note: column `patient_name`: 100 % of the sampled values read as people's names",
        "# not read: \"ward_note\"",
    ] {
        assert!(toml.contains(want), "`{want}` not in:\n{toml}");
    }
}

#[test]
fn english_names_under_an_unknown_header_are_found_and_read_given_name_first() {
    // A clinic's list: `patient_name` holds "Diana P Kofron"; a third of the given names
    // (Kyrie, Zaylee…) are in no table, and a street column without numbers is not a name.
    let dir = tempfile::tempdir().unwrap();
    let givens = ["Diana", "Robert", "Kyrie", "Mary", "Zaylee", "James"];
    let families = ["Kofron", "Oakes", "Bradbury", "Leclair", "Whitmore"];
    let streets = ["Mallory Lane", "Delacorte Drive", "Caribou Lane", "Hunters Oak Drive"];
    let mut text = String::from("key,patient_name,street,birth\n");
    for i in 0..60usize {
        let _ = writeln!(
            text,
            "k{i},{} {} {},{},1970-02-{:02}",
            givens[i % 6],
            ["A", "J", "M"][i % 3],
            families[i % 5],
            streets[i % 4],
            1 + i % 28
        );
    }
    let csv = write(dir.path(), "clinic.csv", &text);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    assert!(
        toml.contains("header = \"patient_name\"\nkind = \"full_name\"\ngiven_first = true"),
        "{toml}"
    );
    assert!(toml.contains("column `patient_name`: names written given name first"), "{toml}");
    assert!(!toml.contains("header = \"street\"\nkind = \"full_name\""), "{toml}");
}

#[test]
fn a_file_without_a_header_line_dedupes_as_its_twin_with_one() {
    // The built-in sample without its header line, then with a header no table knows: the
    // values say what each column is, and the clusters are those of the original.
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/records.csv");
    let text = std::fs::read_to_string(&sample).unwrap();
    let (_, body) = text.split_once('\n').unwrap();
    let bare = write(dir.path(), "bare.csv", body);
    let odd = write(dir.path(), "odd.csv", &format!("k,a,b,c,d,e,f\n{body}"));
    let toml = vnlink_ok(&["schema", s(&bare)], 0);
    assert!(toml.contains("the first line is data, not a header"), "{toml}");
    for (header, kind) in
        [("column_2", "full_name"), ("column_3", "dob"), ("column_6", "id_number")]
    {
        let want = format!("header = \"{header}\"\nkind = \"{kind}\"");
        assert!(toml.contains(&want), "`{want}` not in:\n{toml}");
    }
    let clusters = |input: &Path, out: &str| {
        let out = dir.path().join(out);
        vnlink_ok(&["dedupe", s(input), "--out", s(&out), "-q"], 0);
        std::fs::read_to_string(out.join("clusters.csv")).unwrap()
    };
    let original = clusters(&sample, "original");
    assert_eq!(clusters(&bare, "bare"), original);
    assert_eq!(clusters(&odd, "odd"), original);
    // A file in which neither the header nor the values say anything still says how to fix it.
    let notes = write(dir.path(), "notes.csv", "Cột A,Cột B\nx,y\nz,w\n");
    let out = vnlink(&["schema", s(&notes)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no recognisable column") && err.contains("--column"), "{err}");
}

/// Pairwise F1 of `vnlink dedupe` with the inferred config on a generated file.
fn dedupe_f1(gen_args: &[&str]) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut args = vec!["gen", "--shape", "dedupe", "--entities", "1500", "--seed", "7"];
    args.extend_from_slice(gen_args);
    args.extend_from_slice(&["--out", s(&data)]);
    vnlink_ok(&args, 0);
    let out = dir.path().join("out");
    vnlink_ok(&["dedupe", s(&data.join("records.csv")), "--out", s(&out), "-q"], 0);
    let truth = data.join("truth.csv");
    let clusters = out.join("clusters.csv");
    let j: serde_json::Value = serde_json::from_str(&vnlink_ok(
        &["eval", "--truth", s(&truth), "--clusters", s(&clusters), "--json"],
        0,
    ))
    .unwrap();
    j["pairwise"]["f1"].as_f64().unwrap()
}

#[test]
fn split_column_vietnamese_file_dedupes_well() {
    let f1 = dedupe_f1(&["--columns", "split"]);
    assert!(f1 >= 0.95, "pairwise F1 {f1}");
}

#[test]
fn english_language_file_dedupes_well() {
    let f1 = dedupe_f1(&["--locale", "en"]);
    assert!(f1 >= 0.95, "pairwise F1 {f1}");
}

#[test]
fn repeated_headers_and_names_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    // Two "Email" columns and two empty headers: inferred and built without a config.
    let csv = write(
        dir.path(),
        "dup.csv",
        "Họ và tên,Email,Email,,\nNguyễn Văn An,an@gmail.com,an@yahoo.com,,\nLê Thị Hoa,hoa@gmail.com,,x,\n",
    );
    let store = dir.path().join("dup.vnl");
    vnlink_ok(&["build", s(&csv), "-o", s(&store), "-q"], 0);
    let toml = vnlink_ok(&["schema", s(&csv)], 0);
    assert!(toml.contains("name = \"email\"") && toml.contains("name = \"email_2\""), "{toml}");
    // A config whose names differ only in case is nine fields: an error, not a panic.
    let mut cfg = String::new();
    for i in 0..9 {
        let name = if i == 8 { "F0" } else { &format!("f{i}") };
        let _ = write!(cfg, "[[columns]]\nheader = \"h{i}\"\nkind = \"text\"\nname = \"{name}\"\n");
    }
    let header: Vec<String> = (0..9).map(|i| format!("h{i}")).collect();
    let wide =
        write(dir.path(), "wide.csv", &format!("{}\n{}\n", header.join(","), "a,".repeat(8) + "a"));
    let cfg = write(dir.path(), "nine.toml", &cfg);
    let (code, err) = stderr_of(&["build", s(&wide), "-o", s(&store), "-q", "--config", s(&cfg)]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("9 extra fields"), "{err}");
}

#[test]
fn link_sides_may_spell_headers_differently() {
    let dir = tempfile::tempdir().unwrap();
    let left = write(
        dir.path(),
        "left.csv",
        "Họ và tên,Ngày sinh,Email\nNguyễn Văn An,1990,an@gmail.com\n",
    );
    let right =
        write(dir.path(), "right.csv", "HO TEN,NGAY SINH,EMAIL\nNguyen Van An,1990,an@gmail.com\n");
    let out = dir.path().join("out");
    vnlink_ok(&["link", s(&left), s(&right), "--out", s(&out), "-q"], 1);
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).unwrap();
    assert!(pairs.lines().next().unwrap().ends_with(",email"), "{pairs}");
}

#[test]
fn link_compares_the_extra_fields_both_sides_have() {
    let dir = tempfile::tempdir().unwrap();
    let left = write(
        dir.path(),
        "left.csv",
        "Họ và tên,Ngày sinh,Email,Số hộ chiếu\nNguyễn Văn An,1990,an@gmail.com,B123\n",
    );
    let right =
        write(dir.path(), "right.csv", "HO TEN,NGAY SINH,So ho chieu\nNguyen Van An,1990,B123\n");
    let out = dir.path().join("out");
    let o = vnlink(&["link", s(&left), s(&right), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not compared"));
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).unwrap();
    assert!(pairs.lines().next().unwrap().ends_with(",sex,so_ho_chieu"), "{pairs}");
}

#[test]
fn limits_and_mismatched_models_are_errors() {
    use vnlink::schema::{ExtraField, FieldKind};
    // An in-memory build with more extra fields than a store holds.
    let extras = (0..9)
        .map(|i| ExtraField {
            name: format!("f{i}"),
            kind: FieldKind::Text,
            header: format!("f{i}"),
            compare: true,
            levels: Vec::new(),
        })
        .collect();
    let opts = vnlink::BuildOptions { extras, ..vnlink::BuildOptions::default() };
    match vnlink::RecordWriter::in_memory(&opts) {
        Err(vnlink::Error::Config { key, .. }) => assert_eq!(key, "extras"),
        other => panic!("expected a config error, got {other:?}"),
    }

    // A model whose extra field has the input's name but another kind's levels.
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "split.csv", SPLIT);
    let model = dir.path().join("model.json");
    vnlink_ok(&["train", s(&csv), "--out", s(&model), "-q"], 1);
    // As trained, it is reused: the input's fields, extra ones included.
    let reuse = dir.path().join("reuse");
    vnlink_ok(&["dedupe", s(&csv), "--out", s(&reuse), "-q", "--model", s(&model)], 0);
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let field = m["fields"].as_array_mut().unwrap().iter_mut().find(|f| f["name"] == "email");
    field.unwrap()["levels"][1]["label"] = "jaro_winkler_0.92".into();
    std::fs::write(&model, serde_json::to_string(&m).unwrap()).unwrap();
    let out = dir.path().join("out");
    let (code, err) = stderr_of(&["dedupe", s(&csv), "--out", s(&out), "-q", "--model", s(&model)]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("key `model`") && err.contains("levels differ"), "{err}");
}

/// Issue 14: a first column filled and distinct in every row is the record id whatever its
/// header, and a date column written month first (US style) is read so.
#[test]
fn record_id_and_month_first_dates_are_inferred_from_values() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("w2.csv");
    let mut text = String::from("form_key,first_name,last_name,date_of_birth\n");
    for i in 0..40u32 {
        let (m, d) = (1 + i % 12, 13 + i % 15);
        let _ = writeln!(text, "F2020-{i:06},Ann{i},Lee{},{m:02}/{d:02}/19{}", i % 7, 50 + i);
    }
    std::fs::write(&csv, &text).unwrap();
    let schema = vnlink_ok(&["schema", s(&csv)], 0);
    assert!(schema.contains("header = \"form_key\"\nkind = \"record_id\""), "{schema}");
    assert!(schema.contains("kind = \"dob\"\nmonth_first = true"), "{schema}");
    let out = dir.path().join("o");
    vnlink_ok(&["dedupe", s(&csv), "--out", s(&out), "-q"], 1);
    let clusters = crate::util::rows(&out.join("clusters.csv"));
    assert_eq!(clusters[0][0], "F2020-000000", "ids are the form keys");
    // 01/13/1950 is 13 January: the store holds it so.
    let store = out.join("store.vnl");
    let q = vnlink_ok(
        &[
            "query",
            s(&store),
            "--dob",
            "1950-01-13",
            "--field",
            "given_name=Ann0",
            "--field",
            "family_name=Lee0",
            "-k",
            "1",
        ],
        0,
    );
    assert!(q.contains("\"record_id\":\"F2020-000000\""), "{q}");
}

/// Issue 14: a field's comparison levels listed in the configuration are compared, trained,
/// written in the model and the pairs; a level that does not parse is refused with its key.
#[test]
fn comparison_levels_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        "record_id,full_name,dob,employer,salary\n\
         1,Nguyễn Văn Hùng,05/03/1980,Công ty Vinamilk,12000000\n\
         2,Nguyen Van Hung,1980-03-05,Cong ty Vinamilk Chi nhanh 2,12500000\n\
         3,Trần Thị Lan,12/11/1992,Viettel,8000000\n\
         4,Tran Thi Lan,1992-11-12,Tập đoàn Viettel,9000000\n\
         5,Lê Minh Tuấn,03/04/1988,FPT,20000000\n",
    )
    .unwrap();
    let cfg = dir.path().join("cfg.toml");
    let config = |levels: &str| {
        format!(
            "[[columns]]\nheader = \"record_id\"\nkind = \"record_id\"\n\
             [[columns]]\nheader = \"full_name\"\nkind = \"full_name\"\n\
             [[columns]]\nheader = \"dob\"\nkind = \"dob\"\n\
             [[columns]]\nheader = \"employer\"\nkind = \"text\"\nlevels = {levels}\n\
             [[columns]]\nheader = \"salary\"\nkind = \"numeric\"\n\
             levels = [\"percent_diff<=5\", \"abs_diff<=1000000\"]\n"
        )
    };
    std::fs::write(&cfg, config("[\"jaro_winkler>=0.9\", \"levenshtein<=9\"]")).unwrap();
    let out = dir.path().join("o");
    // Exit 1: five records are too few to train on (the reference m is used, and said).
    vnlink_ok(&["dedupe", s(&csv), "--config", s(&cfg), "--out", s(&out), "-q"], 1);
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap();
    let labels = |name: &str| -> Vec<String> {
        let f = model["fields"].as_array().unwrap().iter().find(|f| f["name"] == name).unwrap();
        f["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["label"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(labels("employer"), ["exact", "jaro_winkler>=0.9", "levenshtein<=9", "different"]);
    assert_eq!(labels("salary"), ["exact", "percent_diff<=5", "abs_diff<=1000000", "different"]);
    let pairs = crate::util::rows(&out.join("pairs.csv"));
    let pair = |a: &str| pairs.iter().find(|r| r[0] == a).unwrap_or_else(|| panic!("{pairs:?}"));
    assert_eq!(pair("1")[10..12], ["jaro_winkler>=0.9", "percent_diff<=5"]);
    assert_eq!(pair("3")[10..12], ["levenshtein<=9", "abs_diff<=1000000"]);

    std::fs::write(&cfg, config("[\"soundex\"]")).unwrap();
    let bad = vnlink(&["dedupe", s(&csv), "--config", s(&cfg), "--out", s(&out), "-q"]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("columns[3].levels") && err.contains("soundex"), "{err}");
}
