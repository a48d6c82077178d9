//! The engine under misuse (issue 12): exact copies past the block limit, non-finite numbers,
//! `query --jsonl` as a stream, bounded threads and comparisons, configuration errors, damaged
//! metadata, stores that are not regular files, messages that say each thing once.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{rows, s, sample, vnlink};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Writes `text` to `dir/name` and returns the path.
fn write(dir: &Path, name: &str, text: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The sample with `copies` exact copies of its first record appended (ids `C0`, `C1`, …).
fn with_copies(dir: &Path, copies: usize) -> std::path::PathBuf {
    let text = std::fs::read_to_string(sample().0).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap();
    let rest = first.split_once(',').unwrap().1;
    let mut out = text.clone();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    for k in 0..copies {
        writeln!(out, "C{k},{rest}").unwrap();
    }
    assert!(header.starts_with("record_id,"));
    write(dir, "copies.csv", out.as_bytes())
}

// See: #12 (4). 251 exact copies of one person (more than a block holds) are one cluster, and
// exact copies never make a block oversized.
#[test]
fn r12_exact_copies_past_the_block_limit_are_one_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let input = with_copies(dir.path(), 251);
    let out = dir.path().join("out");
    let o = vnlink(&["dedupe", s(&input), "--out", s(&out), "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let clusters = rows(&out.join("clusters.csv"));
    let first_id = rows(&sample().0)[0][0].clone();
    let of = |id: &str| clusters.iter().find(|r| r[0] == id).map(|r| r[1].clone()).unwrap();
    let cluster = of(&first_id);
    for k in 0..251 {
        assert_eq!(of(&format!("C{k}")), cluster, "copy C{k} left apart");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let blocking = report["stats"]["blocking"].as_array().unwrap();
    assert_eq!(blocking[0]["rule"], "exact_copies");
    assert!(blocking[0]["records_keyed"].as_u64().unwrap() >= 252);
    for r in blocking {
        assert_eq!(r["blocks_skipped"], 0, "{r}");
    }
    assert_eq!(report["warnings"].as_array().map(Vec::len), Some(0));
}

// See: #12 (4). Oversized blocks of distinct records are reported even with -q: a warning on
// stderr, `warnings` in report.json, exit 1.
#[test]
fn r12_oversized_blocks_reported_under_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "c.toml",
        b"[blocking]\nmax_block = 2\n[[blocking.rules]]\nname = \"year\"\nkeys = [\"birth_year\"]\n",
    );
    let out = dir.path().join("out");
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "--config", s(&config), "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: rule year:"), "{}", stderr(&o));
    assert!(stderr(&o).contains("oversized blocks skipped"), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["warnings"].as_array().unwrap().len(), 1);
}

// A negative match weight is written as it is on the command line (`--threshold-weight -5`,
// not only `--threshold-weight=-5`).
#[test]
fn negative_weight_thresholds_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "--threshold-weight", "-5", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pairs = std::fs::read_to_string(out.join("pairs.csv")).unwrap();
    let weights: Vec<f64> =
        pairs.lines().skip(1).map(|l| l.split(',').nth(3).unwrap().parse().unwrap()).collect();
    assert!(!weights.is_empty() && weights.iter().all(|&w| w >= -5.0));
}

// See: #12 (5). Non-finite or absurd thresholds are refused, on the command line and in a
// configuration file.
#[test]
fn r12_non_finite_thresholds_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for v in ["nan", "inf", "-inf", "1e309", "NaN"] {
        let flag = format!("--threshold-weight={v}");
        let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), &flag, "-q"]);
        assert_eq!(o.status.code(), Some(2), "{v}: {}", stderr(&o));
        assert!(stderr(&o).contains("--threshold-weight"), "{v}: {}", stderr(&o));
        let flag = format!("--threshold={v}");
        let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), &flag, "-q"]);
        assert_eq!(o.status.code(), Some(2), "{v}: {}", stderr(&o));
    }
    assert!(!out.join("clusters.csv").exists(), "a refused run wrote its outputs");
    let config = write(dir.path(), "c.toml", b"threshold = { weight = nan }\n");
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "--config", s(&config), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("c.toml"), "{}", stderr(&o));
    let config = write(dir.path(), "c.json", br#"{"threshold": {"weight": 1e309}}"#);
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "--config", s(&config), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A model whose term-frequency weight is out of range.
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "-q"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let model = dir.path().join("m.json");
    std::fs::copy(out.join("model.json"), &model).unwrap();
    let text = std::fs::read_to_string(&model).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["tf_adjustment_weight"] = serde_json::json!(1e300);
    std::fs::write(&model, v.to_string()).unwrap();
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "--model", s(&model), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("tf_adjustment_weight"), "{}", stderr(&o));
}

/// A store of the sample in `dir`.
fn sample_store(dir: &Path) -> std::path::PathBuf {
    let store = dir.join("s.vnl");
    let o = vnlink(&["build", s(&sample().0), "-o", s(&store), "-q"]);
    assert!(o.status.code() == Some(0) || o.status.code() == Some(1), "{}", stderr(&o));
    store
}

/// `vnlink query STORE --jsonl -k K` with stdin and stdout (and stderr) piped.
fn query_stream(store: &Path, k: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vnlink"))
        .args(["query", s(store), "--jsonl", "-k", k])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

// See: #12 (6). A bad line (invalid UTF-8, not JSON, overlong) is answered with its error and
// the stream goes on: every valid line is answered, in order.
#[test]
fn r12_query_stream_survives_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let mut input = Vec::new();
    for i in 0..300 {
        match i {
            100 => input.extend_from_slice(b"{\"full_name\":\"\xff\xfe\"}\n"),
            150 => input.extend_from_slice(b"not json\n"),
            200 => {
                input.extend_from_slice(b"{\"full_name\":\"");
                input.extend(std::iter::repeat_n(b'a', 2 << 20));
                input.extend_from_slice(b"\"}\n");
            }
            _ => input.extend_from_slice(b"{\"full_name\":\"Nguyen Van An\",\"dob\":\"1980\"}\n"),
        }
    }
    let mut child = query_stream(&store, "1");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 300);
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if [101, 151, 201].contains(&n) {
            let e = l["error"].as_str().unwrap_or_else(|| panic!("line {n}: {l}"));
            assert!(e.starts_with(&format!("stdin line {n}: ")), "{e}");
        } else {
            assert!(l["candidates"].is_array(), "line {n}: {l}");
        }
    }
    assert!(lines[100]["error"].as_str().unwrap().contains("UTF-8"));
    assert!(lines[200]["error"].as_str().unwrap().contains("longer than"));
}

// See: #12 (6). A client that sends one query and waits gets its answer before sending more.
#[test]
fn r12_query_answers_each_line_as_it_comes() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    let mut child = query_stream(&store, "2");
    let mut stdin = child.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for q in ["{\"full_name\":\"Trần Thị Bình\"}", "{\"phone\":\"0912345678\"}"] {
        writeln!(stdin, "{q}").unwrap();
        stdin.flush().unwrap();
        // The input stays open: the answer must come without more input or EOF.
        let answer = rx.recv_timeout(Duration::from_mins(1)).expect("no answer while waiting");
        assert!(answer.contains("candidates"), "{answer}");
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

// See: #12 (9). Thousands of threads are refused at once, with the bound.
#[test]
fn r12_threads_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let o = vnlink(&[
        "dedupe",
        s(&sample().0),
        "--out",
        s(&dir.path().join("o")),
        "--threads",
        "2000",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--threads 2000: at most"), "{}", stderr(&o));
    assert!(start.elapsed() < Duration::from_secs(30));
    let o = vnlink(&["gen", "--shape", "dedupe", "--threads", "2000", "--out", s(dir.path())]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

// See: #12 (9). A long field (1 MB of one name) is compared on a bounded prefix: the run ends
// and pairs it as any other.
#[test]
fn r12_overlong_names_compare_in_bounded_time() {
    let long = "Nguyễn Văn ".repeat(20_000);
    let a = vnlink::compare::jaro_winkler(&long, &format!("{long}x"));
    assert!((a - 1.0).abs() < 1e-12, "{a}");
    // Compared on their first MAX_COMPARED_BYTES, which are equal.
    assert!(vnlink::compare::one_edit(&long, &format!("{long}xyz")));
    assert!(vnlink::compare::one_edit(&format!("ab{long}"), &format!("ba{long}x")));
}

// See: #12 (10). A store must be a regular file: a directory or a FIFO is refused at once.
#[test]
fn r12_store_not_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("d.vnl");
    std::fs::create_dir(&d).unwrap();
    for cmd in ["verify", "inspect"] {
        let o = vnlink(&[cmd, s(&d)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("this is a directory"), "{}", stderr(&o));
    }
    let fifo = dir.path().join("f.vnl");
    let made = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    if made {
        let start = Instant::now();
        let o = vnlink(&["verify", s(&fifo)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("FIFO"), "{}", stderr(&o));
        assert!(start.elapsed() < Duration::from_secs(20));
    }
}

// See: #12 (10). `verify` checks that the dataset's metadata and saved model still parse, not
// only the checksums.
#[test]
fn r12_verify_checks_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let store = sample_store(dir.path());
    assert_eq!(vnlink(&["verify", s(&store)]).status.code(), Some(0));
    let opened = vnlink::store::Store::open(&store).unwrap();
    let bad = dir.path().join("bad.vnl");
    vnlink::store::rewrite_with_globals(&opened, &bad, &[("vnlink.meta", b"{not json")]).unwrap();
    let o = vnlink(&["verify", s(&bad)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("vnlink.meta"), "{}", stderr(&o));
    let bad = dir.path().join("bad_model.vnl");
    vnlink::store::rewrite_with_globals(&opened, &bad, &[("vnlink.model", b"[]")]).unwrap();
    let o = vnlink(&["verify", s(&bad)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

// See: #12 (10). Configuration errors give line, column and key path; omitted keys keep their
// defaults; a duplicate rule name is a configuration error.
#[test]
fn r12_config_errors_and_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |text: &str| {
        let c = write(dir.path(), "c.toml", text.as_bytes());
        vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "--config", s(&c), "-q"])
    };
    let o = run("threshold = 0.9\n\n[train]\nseed = 3\nu_pairs = \"many\"\n");
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("key `train.u_pairs`") && e.contains("line 5 column 11"), "{e}");
    assert!(!e.contains("bytes"), "{e}");
    let o = run(
        "[[blocking.rules]]\nname = \"a\"\nkeys = [\"dob\"]\n\n[[blocking.rules]]\nname = \"b\"\nkeys = [\"nope\"]\n",
    );
    let e = stderr(&o);
    assert!(e.contains("blocking.rules[1].keys") && e.contains("line 7"), "{e}");
    // Omitted keys keep their defaults: one key of [train] or of [blocking] alone.
    for text in ["[train]\nu_pairs = 20000\n", "[blocking]\nmax_block = 150\n", "threshold = 0.9\n"]
    {
        let o = run(text);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{text}: {}", stderr(&o));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["config"]["threshold"]["probability"], 0.9);
    let o = run("[blocking]\nmax_block = 150\n");
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["config"]["blocking"]["max_block"], 150);
    assert!(report["config"]["blocking"]["rules"].as_array().unwrap().len() >= 3);
    let o = run(
        "[[blocking.rules]]\nname = \"a\"\nkeys = [\"dob\"]\n[[blocking.rules]]\nname = \"a\"\nkeys = [\"phone\"]\n",
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("blocking.rules[1].name") && e.contains("both named `a`"), "{e}");
    assert!(!e.contains("posting list"), "{e}");
}

// See: #12 (10). An I/O error gives the system's message once.
#[test]
fn r12_io_error_said_once() {
    let o = vnlink(&["dedupe", "/nonexistent/x.csv", "--out", "/nonexistent/out", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");
}
