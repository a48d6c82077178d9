//! Input integrity (issue 12): every row accounted for, ids kept byte for byte, bounded input,
//! odd bytes said and not passed on. Each case runs the CLI as a user would.
// See: #12

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use vnlink::dataset::{self, BuildOptions, RAW, RECORD_ID};
use vnlink::store::Store;

use crate::util::{s, vnlink, vnlink_ok};

const HEADER: &str = "record_id,full_name,dob,sex,address,id_number,phone\n";

/// Data row `i` of a register (no quotes, one line).
fn row(i: usize) -> String {
    format!(
        "{i},Nguyễn Văn An {i},{:02}/{:02}/19{},{},{i} Lê Lợi Hà Nội,0010{i:08},09{i:08}\n",
        i % 28 + 1,
        i % 12 + 1,
        50 + i % 40,
        if i % 2 == 1 { "Nam" } else { "Nữ" }
    )
}

/// A register of `n` rows with row `i` (1-based) replaced as `edit` says.
fn register(dir: &Path, name: &str, n: usize, edits: &[(usize, &str)]) -> PathBuf {
    let mut text = HEADER.to_owned();
    for i in 1..=n {
        match edits.iter().find(|(j, _)| *j == i) {
            Some((_, line)) => text.push_str(line),
            None => text.push_str(&row(i)),
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `vnlink`: (exit code, stderr).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = vnlink(args);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The record ids of a store, in order.
fn store_ids(store: &Path) -> Vec<String> {
    let store = Store::open(store).unwrap();
    let ids = store.str_column(RECORD_ID).unwrap();
    (0..store.record_count()).map(|i| ids.get(i).to_owned()).collect()
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

#[test]
fn r12_stray_quote_loses_one_row_and_rereads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let csv = register(dir.path(), "stray.csv", 200, &[(51, "51,\"Tí,01/01/1990,Nam,Hà Nội,,\n")]);
    let store = dir.path().join("s.vnl");
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("skipped 1 of 200 rows"), "{err}");
    assert!(
        err.contains(
            "stray.csv:52: field `full_name`: a quoted field runs from line 52 to line 201"
        ),
        "{err}"
    );
    let ids = store_ids(&store);
    let expected: Vec<String> = (1..=200).filter(|&i| i != 51).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected);
    // Row 52 is itself, not part of row 51.
    let name = Store::open(&store).unwrap();
    assert_eq!(name.str_column(RAW[0]).unwrap().get(50), "Nguyễn Văn An 52");

    // Through dedupe: report.json accounts for every data line.
    let out = dir.path().join("out");
    let (_, err) = run(&["dedupe", s(&csv), "--out", s(&out), "-q"]);
    let r = &report(&out)["ingest"];
    assert_eq!((r["rows_read"].as_u64(), r["rows_ok"].as_u64()), (Some(200), Some(199)), "{err}");
    assert_eq!(r["rows_skipped"], 1);
    assert_eq!(r["skipped_by_reason"]["unclosed_quote"], 1);
    assert_eq!(r["samples"][0]["line"], 52);
}

#[test]
fn r12_stray_quote_closed_by_a_later_row_keeps_that_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = register(
        dir.path(),
        "closed.csv",
        200,
        &[
            (51, "51,\"Tí,01/01/1990,Nam,Hà Nội,,\n"),
            (121, "121,\"Trần Thị Bình\",01/01/1980,Nữ,Hà Nội,001080000121,0900000121\n"),
        ],
    );
    let store = dir.path().join("c.vnl");
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("skipped 1 of 200 rows") && err.contains("from line 52 to line 122"),
        "{err}"
    );
    let store = Store::open(&store).unwrap();
    assert_eq!(store.record_count(), 199);
    // Row 121 keeps its own name, CCCD and phone.
    assert_eq!(store.str_column(RAW[0]).unwrap().get(119), "Trần Thị Bình");
    assert_eq!(store.str_column(RAW[4]).unwrap().get(119), "001080000121");
}

#[test]
fn r12_unclosed_quote_loses_only_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "1,\"Tí,01/01/1990,Nam,Hà Nội,,\n";
    // Near the start of a short file, and far from the end of a long one (past the 1 MiB a
    // row may run).
    let csv = register(dir.path(), "u.csv", 11, &[(1, bad)]);
    let store = dir.path().join("u.vnl");
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("skipped 1 of 11 rows") && err.contains("unclosed_quote"), "{err}");
    assert_eq!(store_ids(&store).len(), 10);

    let csv = register(dir.path(), "long.csv", 20_000, &[(10, &bad.replacen('1', "10", 1))]);
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("skipped 1 of 20000 rows"), "{err}");
    assert!(err.contains("is not closed within 1048576 bytes"), "{err}");
    assert_eq!(Store::open(&store).unwrap().record_count(), 19_999);
}

#[test]
fn r12_multi_line_addresses_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let csv = register(
        dir.path(),
        "m.csv",
        10,
        &[(
            4,
            "4,Lê Thị Tư,01/01/1990,Nữ,\"12 Lê Lợi\nPhường 3, Quận 1\",001090000004,0900000004\n",
        )],
    );
    let store = dir.path().join("m.vnl");
    vnlink_ok(&["build", s(&csv), "-o", s(&store), "-q"], 0);
    let store = Store::open(&store).unwrap();
    assert_eq!(store.record_count(), 10);
    assert_eq!(store.str_column(RAW[3]).unwrap().get(3), "12 Lê Lợi\nPhường 3, Quận 1");
    assert_eq!(store.str_column(RECORD_ID).unwrap().get(4), "5");
}

/// A file with ids that are padded, repeated, empty and `#1`.
fn odd_ids(dir: &Path) -> PathBuf {
    let mut text = HEADER.to_owned();
    for (i, id) in [" 1", "2 ", "\t3", "4", "5", "6", "7", "5", "", "#1"].iter().enumerate() {
        text.push_str(&row(i + 1).replacen(&(i + 1).to_string(), id, 1));
    }
    let path = dir.join("ids.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn r12_record_ids_are_kept_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let csv = odd_ids(dir.path());
    let store = dir.path().join("ids.vnl");
    // Default: an error naming the lines and the way out.
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 9 repeats the id of line 6"), "{err}");
    assert!(err.contains("1 rows have an empty record id (line 10)"), "{err}");
    assert!(err.contains("--on-duplicate-id"), "{err}");
    assert!(!store.exists());

    // suffix: unique ids, none another row's, padded ids untouched; a warning (exit 1).
    let (code, err) =
        run(&["build", s(&csv), "-o", s(&store), "-q", "--on-duplicate-id", "suffix"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("kept as `5~2`") && err.contains("kept as `#9`"), "{err}");
    assert_eq!(store_ids(&store), [" 1", "2 ", "\t3", "4", "5", "6", "7", "5~2", "#9", "#1"]);

    // skip: the later rows are skipped and counted.
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q", "--on-duplicate-id", "skip"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("skipped 2 of 10 rows"), "{err}");
    assert!(err.contains("ids.csv:9: record id `5` already used on line 6; row skipped"), "{err}");
    assert_eq!(store_ids(&store), [" 1", "2 ", "\t3", "4", "5", "6", "7", "#1"]);

    // An id equal to one suffix would make is an error, not a collision.
    let csv2 =
        register(dir.path(), "clash.csv", 3, &[(2, &row(1)), (3, &row(3).replacen('3', "1~2", 1))]);
    let (code, err) =
        run(&["build", s(&csv2), "-o", s(&store), "-q", "--on-duplicate-id", "suffix"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 4: record id `1~2`"), "{err}");
}

#[test]
fn r12_generated_ids_round_trip_through_eval() {
    let dir = tempfile::tempdir().unwrap();
    // No id column: ids are the row numbers, and eval takes dedupe's own output.
    let mut text = "full_name,dob,sex,address\n".to_owned();
    let mut truth = "record_id,entity_id\n".to_owned();
    for i in 1..=30 {
        let _ = writeln!(text, "Phạm Thị Lan {i},0{}/03/1980,Nữ,{i} Trần Phú", i % 9 + 1);
        let _ = writeln!(truth, "{i},e{i}");
    }
    let csv = dir.path().join("noid.csv");
    std::fs::write(&csv, text).unwrap();
    let truth_path = dir.path().join("truth.csv");
    std::fs::write(&truth_path, truth).unwrap();
    let out = dir.path().join("out");
    let _ = run(&["dedupe", s(&csv), "--out", s(&out), "-q"]);
    let ids = store_ids(&out.join("store.vnl"));
    assert_eq!(ids, (1..=30).map(|i| i.to_string()).collect::<Vec<_>>());
    let clusters = out.join("clusters.csv");
    vnlink_ok(&["eval", "--truth", s(&truth_path), "--clusters", s(&clusters)], 0);
}

/// Runs `vnlink` and kills it after `limit`: (exit code, stderr, elapsed).
fn run_bounded(args: &[&str], limit: Duration) -> (Option<i32>, String, Duration) {
    let mut child = crate::util::spawn(args);
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (status.code(), err, start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vnlink {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn r12_only_regular_files_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("x.vnl");
    let limit = Duration::from_secs(10);
    let (code, err, _) = run_bounded(&["build", "/dev/zero", "-o", s(&store), "-q"], limit);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("/dev/zero: not a regular file"), "{err}");
    let (code, err, _) = run_bounded(&["build", s(dir.path()), "-o", s(&store), "-q"], limit);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("a directory: the input must be a regular CSV"), "{err}");
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|st| st.success());
    if made {
        let (code, err, _) = run_bounded(&["build", s(&fifo), "-o", s(&store), "-q"], limit);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("not a regular file"), "{err}");
    }
}

#[test]
fn r12_limits_on_columns_fields_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("x.vnl");
    let limit = Duration::from_secs(10);
    // 20,000 columns: an error at once, naming the file.
    let header: Vec<String> = (0..20_000).map(|i| format!("c{i}")).collect();
    let wide = dir.path().join("wide.csv");
    std::fs::write(&wide, format!("{},full_name\n{}An\n", header.join(","), "x,".repeat(20_000)))
        .unwrap();
    let (code, err, took) = run_bounded(&["build", s(&wide), "-o", s(&store), "-q"], limit);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("wide.csv: the header has 20001 columns, more than the limit of 1000"),
        "{err}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");

    // A 70 KiB field: that row skipped, naming line and field.
    let long = row(3).replacen("Lê Lợi", &"x".repeat(70 << 10), 1);
    let csv = register(dir.path(), "long.csv", 5, &[(3, &long)]);
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("skipped 1 of 5 rows"), "{err}");
    assert!(err.contains("long.csv:4: field `address`: the field is 71692 bytes long, more than the limit of 65536 bytes (field_too_long)"), "{err}");
    assert_eq!(store_ids(&store), ["1", "2", "4", "5"]);

    // A 3 MB line: skipped without holding it.
    let huge = row(2).replacen("Lê Lợi", &"y".repeat(3 << 20), 1);
    let csv = register(dir.path(), "huge.csv", 4, &[(2, &huge)]);
    let (code, err, _) = run_bounded(&["build", s(&csv), "-o", s(&store), "-q"], limit);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("huge.csv:3: the line is longer than 1048576 bytes; skipped (row_too_long)"),
        "{err}"
    );
    assert_eq!(store_ids(&store), ["1", "3", "4"]);

    // A file of zeros: the header line is too long.
    let zeros = dir.path().join("zeros.csv");
    std::fs::write(&zeros, vec![0u8; 3 << 20]).unwrap();
    let (code, err, _) = run_bounded(&["build", s(&zeros), "-o", s(&store), "-q"], limit);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the header line is longer than 1048576 bytes"), "{err}");
}

#[test]
fn r12_control_characters_nul_bytes_and_repeated_headers() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("x.vnl");
    // Control characters of a header are escaped in messages.
    let ctrl = dir.path().join("ctrl.csv");
    std::fs::write(&ctrl, "x\x1b[31mRED,y\n1,2\n").unwrap();
    let (code, err) = run(&["build", s(&ctrl), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("`x\\u{1b}[31mRED`") && !err.contains('\x1b'), "{err}");

    // A NUL byte: the row is skipped and counted, naming line and field.
    let nul = row(3).replacen("Lê Lợi", "Lê\0Lợi", 1);
    let csv = register(dir.path(), "nul.csv", 5, &[(3, &nul)]);
    let (code, err) = run(&["build", s(&csv), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("skipped 1 of 5 rows"), "{err}");
    assert!(err.contains("nul.csv:4: field `address`: a NUL byte"), "{err}");
    assert_eq!(store_ids(&store), ["1", "2", "4", "5"]);

    // Two `full_name` columns: an error naming both.
    let dup = dir.path().join("dup.csv");
    std::fs::write(&dup, "record_id,full_name,dob,full_name\n1,An,1990,Bình\n").unwrap();
    let (code, err) = run(&["build", s(&dup), "-o", s(&store), "-q"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the header `full_name` appears twice, in columns 2 and 4"), "{err}");

    // normalize on stdin: invalid UTF-8 is a warning naming the line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(["normalize", "--kind", "name"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"Nguyen An\nab\xff\xfecd\nok\n")
        .unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("standard input line 2: not valid UTF-8 (bad byte at offset 2)"), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
}

/// Arbitrary field text: any character but NUL and CR (CR line ends are stripped); commas only
/// in the name and the address, at most two each, so that no row has two physical lines both
/// shaped like a whole row (the sign of a swallowed row, see the README).
fn text(commas: bool) -> impl Strategy<Value = String> {
    let piece = "[^\\x00\\r,]{0,8}";
    if commas {
        proptest::string::string_regex(&format!("{piece}(,{piece}){{0,2}}")).unwrap().boxed()
    } else {
        proptest::string::string_regex(piece).unwrap().boxed()
    }
}

fn person() -> impl Strategy<Value = Vec<String>> {
    (text(false), text(true), text(false), text(false), text(true), text(false), text(false))
        .prop_map(|(a, b, c, d, e, f, g)| vec![a, b, c, d, e, f, g])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// CSV → store → CSV: every row comes back, every raw field byte for byte.
    #[test]
    fn r12_csv_store_round_trip(people in proptest::collection::vec(person(), 1..40)) {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("p.csv");
        let mut w = csv::Writer::from_path(&csv).unwrap();
        w.write_record(HEADER.trim_end().split(',')).unwrap();
        let mut rows = Vec::new();
        for (i, p) in people.iter().enumerate() {
            // Unique, never blank ids that still carry arbitrary text: the row number, then a
            // colon, so that "3" + "3x" and "33" + "x" cannot both read "33x".
            let mut r = p.clone();
            r[0] = format!("{i}:{}", r[0]);
            w.write_record(&r).unwrap();
            rows.push(r);
        }
        w.flush().unwrap();
        drop(w);
        let store_path = dir.path().join("p.vnl");
        let summary =
            dataset::build_csv(&csv, &store_path, &BuildOptions::default(), |_| {}).unwrap();
        prop_assert_eq!(summary.ingest.rows_read, rows.len() as u64);
        prop_assert_eq!(summary.ingest.rows_ok, rows.len() as u64);
        let store = Store::open(&store_path).unwrap();
        prop_assert_eq!(store.record_count(), rows.len() as u64);
        let ids = store.str_column(RECORD_ID).unwrap();
        for (i, r) in rows.iter().enumerate() {
            prop_assert_eq!(ids.get(i as u64), r[0].as_str());
            for (k, column) in RAW.iter().enumerate() {
                let got = store.str_column(*column).unwrap().get(i as u64).to_owned();
                prop_assert_eq!(&got, &r[k + 1], "row {} column {}", i, column);
            }
        }
    }
}
