//! `vnlink bench`: a small run end to end writes bench.json and bench.md with every figure, and
//! its quality figures are those of a working matcher.

use std::path::Path;

use serde_json::Value;

use crate::util::{s, vnlink_ok};

/// The integer at a JSON pointer, failing with the pointer's name.
fn int(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer).and_then(Value::as_u64).unwrap_or_else(|| panic!("no integer at {pointer}"))
}

/// The number at a JSON pointer, failing with the pointer's name.
fn num(v: &Value, pointer: &str) -> f64 {
    v.pointer(pointer).and_then(Value::as_f64).unwrap_or_else(|| panic!("no number at {pointer}"))
}

#[test]
fn bench_run_writes_figures_and_matches_well() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bench");
    let stdout = vnlink_ok(
        &["bench", "--records", "3000", "--seed", "3", "--out", s(&out), "--queries", "200", "-q"],
        0,
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("bench.json")).unwrap()).unwrap();
    let md = std::fs::read_to_string(out.join("bench.md")).unwrap();
    assert_eq!(stdout, md, "the table printed is the one written");

    // The generator works in entities: round(3000 / 1.6) of them, about 1.6 records each.
    assert_eq!(int(&json, "/input/entities"), 1875);
    let records = num(&json, "/records");
    assert!((2700.0..3300.0).contains(&records), "{records} records");
    assert_eq!(json["input"]["generated"], Value::Bool(true));
    for key in [
        "/vnlink_version",
        "/date",
        "/machine/cpu",
        "/machine/cores",
        "/machine/threads",
        "/pairs/candidate",
        "/pairs/above_threshold",
        "/pairs/per_second",
        "/pairs/per_second_per_core",
        "/clusters",
        "/eval/pairwise/precision",
        "/eval/pairwise/recall",
        "/eval/bcubed/f1",
        "/lookup/latency_us/p50",
        "/lookup/latency_us/p90",
        "/lookup/latency_us/p99",
        "/lookup/queries_per_second",
        "/lookup/recall_at_10",
        "/lookup/recall_definition",
    ] {
        assert!(json.pointer(key).is_some_and(|v| !v.is_null()), "bench.json lacks {key}");
    }
    if Path::new("/proc/self/status").exists() {
        assert!(num(&json, "/peak_rss_bytes") > 1e6);
        assert!(num(&json, "/machine/ram_bytes") > 1e6);
    }
    for stage in [
        "generate",
        "build",
        "train",
        "block_and_score",
        "cluster",
        "dedupe",
        "write",
        "eval",
        "lookup_single",
        "lookup_batch",
        "total",
    ] {
        let t = num(&json, &format!("/seconds/{stage}"));
        assert!(t >= 0.0 && t <= num(&json, "/seconds/total"), "{stage}: {t} s");
    }
    assert!(num(&json, "/pairs/candidate") >= num(&json, "/pairs/above_threshold"));
    assert!(num(&json, "/pairs/above_threshold") > 1000.0);

    // Quality: the figures of a matcher that works.
    let f1 = num(&json, "/eval/pairwise/f1");
    let b3 = num(&json, "/eval/bcubed/f1");
    assert!(f1 > 0.9 && b3 > 0.9, "pairwise F1 {f1}, B-cubed F1 {b3}");
    assert_eq!(int(&json, "/lookup/queries"), 200);
    let (r1, r10) = (num(&json, "/lookup/recall_at_1"), num(&json, "/lookup/recall_at_10"));
    assert!(r1 > 0.9 && r10 >= r1, "recall@1 {r1}, recall@10 {r10}");
    assert_eq!(json["lookup"]["parallel_answers_match"], Value::Bool(true));
    let (p50, p99) = (num(&json, "/lookup/latency_us/p50"), num(&json, "/lookup/latency_us/p99"));
    assert!(p50 > 0.0 && p50 <= p99);

    // The table has every row of the report.
    for row in [
        "| records | ",
        "| candidate pairs | ",
        "| build (CSV → store) | ",
        "| dedupe: score | ",
        "| pairs scored / s (scoring stage) | ",
        "| peak RSS | ",
        "| pairwise P / R / F1 | ",
        "| B-cubed P / R / F1 | ",
        "| query latency p50 / p90 / p99 (1 thread) | ",
        "| recall@1 / recall@10 (200 queries) | ",
    ] {
        assert!(md.contains(row), "bench.md lacks {row:?}:\n{md}");
    }
    // The run's other outputs.
    for f in ["records.csv", "truth.csv", "store.vnl", "clusters.csv", "pairs.csv", "model.json"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

#[test]
fn bench_takes_a_given_dataset() {
    let (records, truth) = crate::util::sample();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    vnlink_ok(
        &[
            "bench",
            "--input",
            s(&records),
            "--truth",
            s(&truth),
            "--out",
            s(&out),
            "--queries",
            "50",
            "--threads",
            "1",
            "-q",
        ],
        0,
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("bench.json")).unwrap()).unwrap();
    assert_eq!(json["input"]["generated"], Value::Bool(false));
    assert!(json["seconds"]["generate"].is_null());
    assert_eq!(int(&json, "/records"), 2004);
    assert_eq!(int(&json, "/machine/threads"), 1);
    assert!(num(&json, "/eval/pairwise/f1") > 0.9);
    assert!(!out.join("records.csv").exists(), "nothing generated");
}

#[test]
fn bench_needs_records_or_an_input_with_its_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    vnlink_ok(&["bench", "--out", s(&out)], 2);
    let (records, _) = crate::util::sample();
    vnlink_ok(&["bench", "--input", s(&records), "--out", s(&out)], 2);
    vnlink_ok(&["bench", "--records", "100", "--queries", "0", "--out", s(&out)], 2);
    assert!(!out.join("bench.json").exists());
}

/// `vnlink::bench::run`, the library side of `vnlink bench`: stages reported in order, the
/// report's figures and files, and recall counted as `eval::recall_at_k` does.
#[test]
fn bench_library_runs_the_stages() {
    use vnlink::bench::{self, BenchData, BenchOptions, Note};
    let (records_csv, truth_csv) = crate::util::sample();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lib");
    let opts = BenchOptions {
        data: BenchData::Given { records_csv, truth_csv },
        seed: 5,
        out: out.clone(),
        queries: 40,
        command: vec!["test".into()],
    };
    let mut notes = Vec::new();
    let progress = vnlink::pipeline::NoProgress;
    let done = bench::run(&opts, &progress, &mut |n| {
        notes.push(match n {
            Note::Built(b) => format!("built {}", b.ingest.rows_skipped),
            Note::Done(line) => line,
        });
    })
    .unwrap();
    let stages: Vec<&str> = notes.iter().map(|n| n.split([':', ' ']).next().unwrap()).collect();
    assert_eq!(stages, ["built", "build", "dedupe", "eval", "lookups"], "{notes:?}");
    let r = &done.report;
    assert_eq!((r.records, r.lookup.queries, r.lookup.k), (2004, 40, bench::RECALL_K + 1));
    assert!(r.lookup.recall_at_10 >= r.lookup.recall_at_1 && r.lookup.recall_at_1 > 0.8);
    assert!(r.eval.pairwise.f1 > 0.9 && r.lookup.parallel_answers_match);
    assert_eq!(r.command, ["test"]);
    assert!(r.seconds.generate.is_none() && !r.input.generated);
    assert_eq!(std::fs::read_to_string(out.join("bench.md")).unwrap(), done.markdown);
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("bench.json")).unwrap()).unwrap();
    assert_eq!(int(&json, "/records"), 2004);

    let zero = BenchOptions { queries: 0, ..opts };
    let err = bench::run(&zero, &progress, &mut |_| {}).unwrap_err();
    assert!(matches!(err, vnlink::Error::Config { .. }), "{err}");
}
