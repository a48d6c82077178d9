//! Output files (issue 12): inputs never overwritten, output sets renamed as one unit under a
//! lock, no temporary files left behind (errors, SIGTERM, kill -9), modes that follow the
//! umask, spreadsheet formulas escaped, stores replaced under a running query.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{s, sample, vnlink};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_vnlink")
}

/// The entries of `dir` that are vnlink temporaries or locks (`.vnlink*`, `.*.vnlink-lock`).
fn leftovers(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<String> = rd
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".vnlink") || n.ends_with(".vnlink-lock"))
        .collect();
    v.sort();
    v
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_refused(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(o));
    assert!(stderr(o).contains("refusing to write"), "{what}: {}", stderr(o));
}

/// A copy of the sample in `dir` named `name`.
fn sample_copy(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::copy(sample().0, &p).unwrap();
    p
}

// See: #12 (2). Every command that writes a file refuses an output that is one of its inputs.
#[test]
fn r12_input_named_as_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let original = std::fs::read(sample().0).unwrap();
    let csv = sample_copy(d, "r.csv");
    let dot = d.join(".").join("r.csv");
    let cases: Vec<Vec<&str>> = vec![
        vec!["build", s(&csv), "-o", s(&dot), "-q"],
        vec!["schema", s(&csv), "-o", s(&dot)],
        vec!["normalize", "--input", s(&csv), "--output", s(&dot), "-q"],
        vec!["train", s(&csv), "--out", s(&dot), "-q"],
    ];
    for args in &cases {
        let o = vnlink(args);
        assert_refused(&o, &args[0..1].join(" "));
        assert_eq!(std::fs::read(&csv).unwrap(), original, "{args:?} changed its input");
        assert_eq!(leftovers(d), Vec::<String>::new(), "{args:?}");
    }
    // An input inside the output directory, named as an output of dedupe / link.
    let out = d.join("out");
    std::fs::create_dir(&out).unwrap();
    let clusters = sample_copy(&out, "clusters.csv");
    let o = vnlink(&["dedupe", s(&clusters), "--out", s(&out), "-q"]);
    assert_refused(&o, "dedupe");
    assert_eq!(std::fs::read(&clusters).unwrap(), original);
    let links = sample_copy(&out, "links.csv");
    let o = vnlink(&["link", s(&links), s(&csv), "--out", s(&out), "-q"]);
    assert_refused(&o, "link");
    assert_eq!(std::fs::read(&links).unwrap(), original);
    // Nothing else was written into the output directory.
    let mut names: Vec<_> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    names.sort();
    assert_eq!(names, ["clusters.csv", "links.csv"]);
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn with_umask(umask: &str, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask}; exec \"$0\" \"$@\""))
        .arg(bin())
        .args(args)
        .output()
        .unwrap()
}

// See: #12 (8). Outputs holding personal data get 0o666 & !umask, never a forced 0644.
#[test]
fn r12_output_modes_follow_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let csv = sample().0;
    for (umask, want) in [("077", 0o600), ("022", 0o644), ("027", 0o640)] {
        let out = dir.path().join(format!("out{umask}"));
        let o = with_umask(umask, &["dedupe", s(&csv), "--out", s(&out), "-q"]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
        for f in ["clusters.csv", "pairs.csv", "model.json", "report.json", "store.vnl"] {
            assert_eq!(mode(&out.join(f)), want, "umask {umask}: {f}");
        }
        let vnl = dir.path().join(format!("people{umask}.vnl"));
        let o = with_umask(umask, &["build", s(&csv), "-o", s(&vnl), "-q"]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
        assert_eq!(mode(&vnl), want, "umask {umask}: build");
        let model = dir.path().join(format!("model{umask}.json"));
        let o = with_umask(umask, &["train", s(&csv), "--out", s(&model), "-q"]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
        assert_eq!(mode(&model), want, "umask {umask}: train");
    }
    // train's temporary store lived beside its output, and is gone.
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

/// Makes a FIFO at `p`: a `--model` read from it blocks a run after its store is built.
fn fifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().unwrap();
    assert!(st.success());
}

/// Starts `vnlink dedupe` of the sample into `out` that blocks reading its model from a FIFO,
/// and waits until its staging directory holds the built store.
fn blocked_dedupe(dir: &Path, out: &Path) -> (Child, PathBuf) {
    let pipe = dir.join("model.fifo");
    if !pipe.exists() {
        fifo(&pipe);
    }
    let csv = sample().0;
    let child =
        crate::util::spawn(&["dedupe", s(&csv), "--out", s(out), "--model", s(&pipe), "-q"]);
    let start = Instant::now();
    loop {
        let staged = std::fs::read_dir(out).ok().into_iter().flatten().flatten().any(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(".vnlink-") && e.path().join("store.vnl").exists()
        });
        if staged {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the run never staged its store");
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, pipe)
}

fn signal(child: &Child, sig: &str) {
    let st = Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap();
    assert!(st.success());
}

// See: #12 (7). A second run into the same directory is refused while the first runs; the
// first one's SIGTERM removes its staging directory and lock, and exits 143.
#[test]
fn r12_concurrent_runs_refused_and_sigterm_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (mut first, _pipe) = blocked_dedupe(dir.path(), &out);

    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another vnlink run is writing"), "{}", stderr(&o));

    signal(&first, "-TERM");
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert_eq!(leftovers(&out), Vec::<String>::new());
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0, "no output of the killed run");

    // The directory is free again.
    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out), "-q"]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    assert!(out.join("clusters.csv").exists());
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

// See: #12 (7). After kill -9 the next run removes the staging directory left behind.
#[test]
fn r12_killed_run_leftovers_removed_by_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (mut first, _pipe) = blocked_dedupe(dir.path(), &out);
    signal(&first, "-KILL");
    first.wait().unwrap();
    assert!(!leftovers(&out).is_empty(), "kill -9 leaves the staging directory");

    let o = vnlink(&["dedupe", s(&sample().0), "--out", s(&out)]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    assert!(stderr(&o).contains("left by an interrupted vnlink run"), "{}", stderr(&o));
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

// See: #12 (7). A write that fails part-way (file size limit, as a full disk) leaves the
// previous set as it was, and no temporary file.
#[test]
fn r12_failed_write_keeps_the_previous_set() {
    let dir = tempfile::tempdir().unwrap();
    let vnl = dir.path().join("people.vnl");
    vnlink(&["build", s(&sample().0), "-o", s(&vnl), "-q"]);
    let out = dir.path().join("out");
    let o = vnlink(&["dedupe", s(&vnl), "--out", s(&out), "--threshold", "0.99", "-q"]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    let before: Vec<(String, Vec<u8>)> = ["clusters.csv", "pairs.csv", "model.json", "report.json"]
        .iter()
        .map(|f| ((*f).to_owned(), std::fs::read(out.join(f)).unwrap()))
        .collect();
    let clusters = before[0].1.len();
    let pairs = before[1].1.len();
    assert!(clusters < 30_000 && pairs > 60_000, "{clusters} {pairs}");
    // clusters.csv (~17 kB) fits under a 40-block limit, pairs.csv (~90 kB) does not.
    let o = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 40; exec \"$0\" \"$@\"")
        .arg(bin())
        .args(["dedupe", s(&vnl), "--out", s(&out), "--threshold", "0.5", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    for (f, bytes) in &before {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), bytes, "{f} changed");
    }
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

// See: #12 (10). A store being written by another process is not written by a second build.
#[test]
fn r12_store_writer_lock() {
    let dir = tempfile::tempdir().unwrap();
    let vnl = dir.path().join("people.vnl");
    let lock = File::create(dir.path().join(".people.vnl.vnlink-lock")).unwrap();
    lock.try_lock().unwrap();
    let o = vnlink(&["build", s(&sample().0), "-o", s(&vnl), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("another vnlink run is writing"), "{}", stderr(&o));
    assert!(!vnl.exists());
    drop(lock);
    let o = vnlink(&["build", s(&sample().0), "-o", s(&vnl), "-q"]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    assert!(vnl.exists());
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

const HOSTILE: &str = "record_id,full_name,dob,sex,address,id_number,phone\n\
    \"=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\",Nguyễn Văn An,01/01/1980,Nam,\"1 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh\",001080012345,0912345678\n\
    @SUM(1),Nguyễn Văn An,01/01/1980,Nam,\"1 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh\",001080012345,0912345678\n\
    -3,Trần Thị Bình,02/02/1990,Nữ,\"5 Hàng Bài, Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội\",001190012345,0987654321\n";

// See: #12 (10). Ids that start like spreadsheet formulas are written with a leading `'`
// (unless --no-escape-formulas), and `vnlink eval` reads them back as the original ids.
#[test]
fn r12_formulas_escaped_in_csv_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hostile.csv");
    std::fs::write(&csv, HOSTILE).unwrap();
    let truth = dir.path().join("truth.csv");
    std::fs::write(
        &truth,
        "record_id,entity_id\n\"=HYPERLINK(\"\"http://x\"\";\"\"y\"\")\",a\n@SUM(1),a\n-3,b\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    vnlink(&["dedupe", s(&csv), "--out", s(&out), "-q"]);
    let text = std::fs::read_to_string(out.join("clusters.csv")).unwrap();
    for line in text.lines().skip(1) {
        assert!(line.starts_with("\"'=") || line.starts_with("'@") || line.starts_with("'-3"));
    }
    let pairs = crate::util::rows(&out.join("pairs.csv"));
    assert_eq!(pairs.len(), 1);
    assert!(pairs[0][0].starts_with('\'') && pairs[0][1].starts_with('\''), "{pairs:?}");
    let scores = crate::util::eval(&truth, "--clusters", &out.join("clusters.csv"));
    assert_eq!(scores["pairwise"]["f1"], 1.0, "{scores}");
    let scores = crate::util::eval(&truth, "--pairs", &out.join("pairs.csv"));
    assert_eq!(scores["pairwise"]["f1"], 1.0, "{scores}");

    let raw = dir.path().join("raw");
    vnlink(&["dedupe", s(&csv), "--out", s(&raw), "--no-escape-formulas", "-q"]);
    let text = std::fs::read_to_string(raw.join("clusters.csv")).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with("\"=HYPERLINK"), "{text}");

    let norm = dir.path().join("norm.csv");
    vnlink(&["normalize", "--input", s(&csv), "--output", s(&norm), "-q"]);
    let rows = crate::util::rows(&norm);
    assert_eq!(rows[0][0], "'=HYPERLINK(\"http://x\";\"y\")");
    assert_eq!(rows[1][0], "'@SUM(1)");
}

/// The record ids of the candidates of each answer line.
fn answer_ids(stdout: &[u8]) -> Vec<Vec<String>> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["record_id"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

// See: #12 (10). A running query keeps the store it opened when the store is replaced (by a
// rename, as vnlink always does): its answers are the old store's.
#[cfg(target_os = "linux")]
#[test]
fn r12_query_keeps_its_store_when_replaced() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let vnl = dir.path().join("people.vnl");
    vnlink(&["build", s(&sample().0), "-o", s(&vnl), "-q"]);
    let first = crate::util::rows(&sample().0)[0].clone();
    let query = serde_json::json!({"full_name": first[1], "dob": first[2], "phone": first[6]});
    let line = format!("{query}\n");
    let mut expected = Command::new(bin())
        .args(["query", s(&vnl), "--jsonl", "-k", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    expected.stdin.take().unwrap().write_all(line.as_bytes()).unwrap();
    let expected = answer_ids(&expected.wait_with_output().unwrap().stdout);
    assert!(expected[0].contains(&first[0]), "{expected:?}");

    let mut child = Command::new(bin())
        .args(["query", s(&vnl), "--jsonl", "-k", "3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the query has mapped the store.
    let maps = format!("/proc/{}/maps", child.id());
    let start = Instant::now();
    while !std::fs::read_to_string(&maps).unwrap_or_default().contains("people.vnl") {
        assert!(start.elapsed() < Duration::from_secs(20), "the query never mapped its store");
        std::thread::sleep(Duration::from_millis(10));
    }
    let other = dir.path().join("hostile.csv");
    std::fs::write(&other, HOSTILE).unwrap();
    let o = vnlink(&["build", s(&other), "-o", s(&vnl), "-q"]);
    assert!(o.status.code().is_some_and(|c| c <= 1), "{}", stderr(&o));
    child.stdin.take().unwrap().write_all(line.as_bytes()).unwrap();
    let got = child.wait_with_output().unwrap();
    assert!(got.status.success());
    assert_eq!(answer_ids(&got.stdout), expected);
}
