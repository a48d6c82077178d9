//! `report.html`, `vnlink report`, `vnlink review` and the labels' round trip; both pages opened
//! in headless Chromium (the Debian package `chromium`, which `.ci/run` installs).

use std::fmt::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Log, Network, Runtime};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

use crate::util::{eval, generate, rows, s, vnlink_ok};

/// What a page did besides drawing: console errors and warnings, exceptions, requests.
#[derive(Default)]
struct Seen {
    problems: Vec<String>,
    requests: Vec<String>,
}

fn browser() -> Browser {
    let opts = LaunchOptions::default_builder()
        .headless(true)
        .sandbox(false)
        .window_size(Some((1200, 1600)))
        .idle_browser_timeout(std::time::Duration::from_mins(2))
        .build()
        .expect("launch options");
    Browser::new(opts).unwrap_or_else(|e| {
        panic!("cannot start Chromium ({e}); install it: apt-get install chromium (see .ci/run)")
    })
}

/// Opens `page` in a new tab that records what [`Seen`] holds.
fn open(browser: &Browser, page: &Path) -> (Arc<Tab>, Arc<Mutex<Seen>>) {
    let tab = browser.new_tab().expect("tab");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sink = Arc::clone(&seen);
    tab.add_event_listener(Arc::new(move |e: &Event| {
        let mut s = sink.lock().unwrap();
        match e {
            Event::RuntimeConsoleAPICalled(c) => {
                let kind = format!("{:?}", c.params.Type).to_lowercase();
                if kind.contains("error") || kind.contains("warn") || kind.contains("assert") {
                    s.problems.push(format!("console {kind}: {:?}", c.params.args));
                }
            }
            Event::RuntimeExceptionThrown(x) => {
                s.problems.push(format!("exception: {:?}", x.params.exception_details.text));
            }
            Event::LogEntryAdded(l) => {
                let level = format!("{:?}", l.params.entry.level).to_lowercase();
                if level.contains("error") || level.contains("warn") {
                    s.problems.push(format!("log {level}: {}", l.params.entry.text));
                }
            }
            Event::NetworkRequestWillBeSent(r) => s.requests.push(r.params.request.url.clone()),
            _ => {}
        }
    }))
    .expect("listener");
    tab.call_method(Runtime::Enable(None)).expect("runtime");
    tab.call_method(Log::Enable(None)).expect("log");
    tab.call_method(Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })
    .expect("network");
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    tab.navigate_to(&url).expect("navigate").wait_until_navigated().expect("load");
    (tab, seen)
}

fn js(tab: &Tab, expr: &str) -> Value {
    let r = tab.evaluate(&format!("JSON.stringify({expr})"), false).expect("evaluate");
    let text = r.value.and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// The page's own file is its only request; nothing else is fetched.
fn assert_clean(seen: &Mutex<Seen>, page: &Path) {
    let s = seen.lock().unwrap();
    assert!(s.problems.is_empty(), "{}: {:?}", page.display(), s.problems);
    let own = page.canonicalize().unwrap();
    let others: Vec<&String> = s
        .requests
        .iter()
        .filter(|u| !u.ends_with(&*own.to_string_lossy()) && !u.starts_with("blob:"))
        .collect();
    assert!(others.is_empty(), "{} requested {others:?}", page.display());
}

#[test]
fn report_and_review_pages_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "dedupe", 3000, 11);
    let (records, truth) = (dir.path().join("records.csv"), dir.path().join("truth.csv"));
    let out = dir.path().join("out");
    vnlink_ok(&["dedupe", s(&records), "--out", s(&out), "--truth", s(&truth), "-q"], 0);
    vnlink_ok(&["review", s(&out), "--band", "0.01..0.9999", "--sample", "12", "-q"], 0);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["language"], "vi");

    let browser = browser();
    let page = out.join("report.html");
    let (tab, seen) = open(&browser, &page);
    let charts = js(
        &tab,
        "Array.from(document.querySelectorAll('svg.chart')).map(s => ({name: s.dataset.chart, \
         shapes: s.querySelectorAll('rect, path').length, width: s.getBoundingClientRect().width}))",
    );
    let charts = charts.as_array().expect("charts");
    for name in [
        "model_weights",
        "m_u",
        "blocking",
        "scores",
        "precision_recall",
        "cluster_sizes",
        "waterfall",
        "completeness",
    ] {
        let c = charts.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no {name}"));
        assert!(c["shapes"].as_u64().unwrap() > 0, "{name} is empty: {c}");
        assert!(c["width"].as_f64().unwrap() > 100.0, "{name} is not drawn: {c}");
    }
    assert_eq!(js(&tab, "document.documentElement.lang"), "vi");
    assert_eq!(js(&tab, "document.scripts.length"), 0, "report.html runs no script");
    assert_clean(&seen, &page);

    // The review page: one pair at a time, labelled by keyboard, exported.
    let page = out.join("review.html");
    let (tab, seen) = open(&browser, &page);
    let pairs = rows(&out.join("review.csv"));
    assert!(!pairs.is_empty(), "no pair to review");
    assert_eq!(js(&tab, "document.querySelectorAll('article').length"), pairs.len());
    assert_eq!(js(&tab, "document.querySelectorAll('article.current').length"), 1);
    assert!(js(&tab, "document.querySelectorAll('article mark').length").as_u64().unwrap() > 0);
    assert!(
        js(&tab, "document.querySelectorAll('article svg.chart rect').length").as_u64().unwrap()
            > 0
    );
    tab.press_key("m").expect("key m");
    if pairs.len() > 1 {
        tab.press_key("n").expect("key n");
    }
    let csv = js(&tab, "window.vnlinkLabelsCsv()");
    let csv = csv.as_str().expect("labels csv");
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("left_id,right_id,is_match"));
    assert_eq!(lines.next(), Some(format!("\"{}\",\"{}\",1", pairs[0][1], pairs[0][2]).as_str()));
    if pairs.len() > 1 {
        assert_eq!(
            lines.next(),
            Some(format!("\"{}\",\"{}\",0", pairs[1][1], pairs[1][2]).as_str())
        );
    }
    assert!(
        js(&tab, "document.getElementById('progress').textContent").as_str().unwrap().contains('2')
            || pairs.len() == 1
    );
    // Labels survive a reload (kept in the browser), and exporting raises no error.
    tab.reload(false, None).expect("reload").wait_until_navigated().expect("reloaded");
    assert_eq!(js(&tab, "window.vnlinkLabelsCsv()").as_str(), Some(csv));
    tab.press_key("e").expect("key e");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_clean(&seen, &page);

    // What the page exported trains a model (`vnlink train --labels` reads it).
    let labels = dir.path().join("labels.csv");
    std::fs::write(&labels, csv).unwrap();
    let model = dir.path().join("model.json");
    let store = out.join("store.vnl");
    vnlink_ok(&["train", s(&store), "--labels", s(&labels), "--out", s(&model), "-q"], 0);
    // … and scores the run on the labelled sample.
    let clusters = out.join("clusters.csv");
    let scored =
        vnlink_ok(&["eval", "--labels", s(&labels), "--clusters", s(&clusters), "--json"], 0);
    let scored: Value = serde_json::from_str(&scored).unwrap();
    assert_eq!(scored["labelled"].as_u64(), Some(csv.lines().count() as u64 - 1));
    assert!(
        scored["precision"]["low"].as_f64().unwrap()
            <= scored["precision"]["value"].as_f64().unwrap()
    );
}

#[test]
fn report_redrawn_from_an_output_directory_in_either_language() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), "dedupe", 800, 5);
    let out = dir.path().join("out");
    vnlink_ok(&["dedupe", s(&dir.path().join("records.csv")), "--out", s(&out), "-q"], 0);
    let page = out.join("report.html");
    let vi = std::fs::read_to_string(&page).unwrap();
    assert!(vi.contains("lang=\"vi\"") && vi.contains("Tổng quan"));
    std::fs::remove_file(&page).unwrap();
    vnlink_ok(&["report", s(&out), "-q"], 0);
    assert_eq!(std::fs::read_to_string(&page).unwrap(), vi, "the same page from report.json");
    vnlink_ok(&["report", s(&out), "--lang", "en", "-q"], 0);
    let en = std::fs::read_to_string(&page).unwrap();
    assert!(en.contains("lang=\"en\"") && en.contains("Score distribution"));
    // The figures behind it, as named objects.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let q = &report["quality"];
    assert!(q["at_threshold"]["estimated_precision"].as_f64().unwrap() > 0.9);
    assert!(q["curve"].as_array().unwrap().iter().all(|p| p["pairs"].is_u64()));
    let rule = &report["stats"]["blocking"][1];
    assert!(rule["largest"][0]["records"].is_u64(), "{rule}");
    assert!(report["clusters"]["sizes"][0]["size"].is_u64());
    assert!(report["completeness"][0]["share"].is_f64());
    // Not an output directory: the error says so.
    let err = crate::util::vnlink(&["report", s(dir.path())]);
    assert_eq!(err.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&err.stderr).contains("report.json"));
}

/// Precision and recall at the run's threshold, estimated from the model alone, against the
/// truth, on generated sets with few and many duplicates.
#[test]
fn estimated_precision_is_near_the_truth() {
    for (dup, seed) in [("0.03", 21), ("0.35", 22)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        vnlink_ok(
            // Common-name groups of 200 people in 10,000: the share of the default 2,000 in
            // 100,000.
            &[
                "gen",
                "--shape",
                "dedupe",
                "--entities",
                "10000",
                "--seed",
                &seed.to_string(),
                "--dup-rate",
                dup,
                "--cluster-size",
                "200",
                "--out",
                s(d),
            ],
            0,
        );
        let out = d.join("out");
        let truth = d.join("truth.csv");
        let records = d.join("records.csv");
        let args = ["dedupe", s(&records), "--out", s(&out), "--truth", s(&truth), "-q"];
        let _ = crate::util::vnlink(&args);
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap())
                .unwrap();
        let at = &report["quality"]["at_threshold"];
        let (est, exact) =
            (at["estimated_precision"].as_f64().unwrap(), at["precision"].as_f64().unwrap());
        assert!((est - exact).abs() <= 0.01, "dup {dup}: precision {est} estimated, {exact} true");
        // Recall is estimated low, never high: pairs of people alike but different (namesakes
        // born the same year in one province) that the model scores near 50 % count as missed
        // matches. With many duplicates they weigh little.
        let (est, exact) =
            (at["estimated_recall"].as_f64().unwrap(), at["recall"].as_f64().unwrap());
        assert!(est <= exact + 0.01, "dup {dup}: recall {est} estimated, {exact} true");
        if dup == "0.35" {
            assert!((est - exact).abs() <= 0.01, "dup {dup}: recall {est} estimated, {exact} true");
        }
        // At least the pairs written: the curve counts every pair of records a compared pair
        // stands for (a group of k exact copies is k(k-1)/2 pairs there, k-1 in pairs.csv).
        let pairs = rows(&out.join("pairs.csv")).len() as u64;
        assert!(at["pairs"].as_u64().unwrap() >= pairs, "dup {dup}: {at} vs {pairs}");
        let e = eval(&truth, "--clusters", &out.join("clusters.csv"));
        assert!(e["pairwise"]["precision"].as_f64().unwrap() > 0.99);
    }
}

#[test]
fn annotate_writes_the_input_back_and_pairs_carry_values_and_splits() {
    let dir = tempfile::tempdir().unwrap();
    // A UTF-16 file (Excel's "Unicode text") with `;` and CRLF, two people written twice. (8-bit
    // code pages and rows the run does not know: `output::annotate`'s unit test.)
    let rows = [
        "ma;ho_ten;ngay_sinh;dia_chi;cccd",
        "a1;Nguyễn Văn An;1990-01-02;Số 5 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh;079090001234",
        "a2;Nguyen Van An;02/01/1990;5 Le Loi, P. Ben Nghe, Q.1, TP HCM;079090001234",
        "b1;Trần Thị Bình;1985-03-04;Xã Tân Lập, Huyện Đan Phượng, Hà Nội;001185004321",
        "b2;Tran Thi Binh;04/03/1985;Xa Tan Lap, Dan Phuong, Ha Noi;001185004321",
        "c1;;1970-05-06;Hà Nội;001170000111",
        "d1;Lê Văn Cường;1980-07-08;Hà Nội;001080002222",
    ];
    let text = rows.join("\r\n") + "\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let input = dir.path().join("people.csv");
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.path().join("out");
    vnlink_ok(
        &[
            "dedupe",
            s(&input),
            "--out",
            s(&out),
            "--annotate",
            "--pairs-values",
            "-q",
            "--model",
            s(&reference_model(dir.path())),
        ],
        0,
    );
    let written = std::fs::read(out.join("people.annotated.csv")).unwrap();
    assert_eq!(&written[..2], &[0xFF, 0xFE], "written back in UTF-16 LE");
    let units: Vec<u16> =
        written[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let text_back = String::from_utf16(&units).unwrap();
    let lines: Vec<&str> = text_back.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), rows.len(), "every row");
    assert_eq!(lines[0], format!("{};cluster_id;cluster_size;best_match_probability", rows[0]));
    for (got, want) in lines.iter().zip(&rows).skip(1) {
        assert!(got.starts_with(want), "{got:?} should start with {want:?}");
    }
    let cells = |l: &str| l.rsplitn(4, ';').map(str::to_owned).collect::<Vec<_>>();
    let (a1, a2) = (cells(lines[1]), cells(lines[2]));
    assert_eq!((a1[2].as_str(), a1[1].as_str()), ("a1", "2"), "{a1:?}");
    assert_eq!(a2[2], "a1");
    assert!(a1[0].parse::<f64>().unwrap() >= 0.95);
    assert_eq!(cells(lines[5])[..3], ["", "1", "c1"], "a record without a name, alone");
    assert_eq!(cells(lines[6])[..3], ["", "1", "d1"], "a record in no pair");
    // pairs.csv: the cluster column and both records' values.
    let header = crate::util::header(&out.join("pairs.csv"));
    for col in ["cluster", "left_full_name", "right_full_name", "left_address", "right_id_number"] {
        assert!(header.contains(&col.to_owned()), "{col} in {header:?}");
    }
    let pairs = rows_of(&out.join("pairs.csv"));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = &pairs[0];
    assert_eq!(first[at("cluster")], "joined");
    assert_eq!(first[at("left_full_name")], "Nguyễn Văn An");
    assert_eq!(first[at("right_full_name")], "Nguyen Van An");
}

fn rows_of(path: &Path) -> Vec<Vec<String>> {
    rows(path)
}

/// The reference model as a file (a six-record input is too small to train on).
fn reference_model(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("reference.json");
    let out = crate::util::vnlink(&["train", "--reference"]);
    let reference: Value = serde_json::from_slice(&out.stdout).unwrap();
    std::fs::write(&path, reference["model"].to_string()).unwrap();
    path
}

#[test]
fn pairs_kept_apart_by_the_cannot_link_rule_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    // Two records of one name, birth date and address, with two different valid CCCDs: the
    // pair may score above the threshold, the rule keeps them apart.
    let csv = "record_id,full_name,dob,sex,address,id_number,phone\n\
               x1,Nguyễn Văn Hùng,1990-01-02,Nam,\"Số 5 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh\",079090001234,0912345678\n\
               x2,Nguyễn Văn Hùng,1990-01-02,Nam,\"Số 5 Lê Lợi, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh\",079090005678,0912345678\n";
    let input = dir.path().join("p.csv");
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("out");
    let model = reference_model(dir.path());
    vnlink_ok(
        &[
            "dedupe",
            s(&input),
            "--out",
            s(&out),
            "-q",
            "--model",
            s(&model),
            "--threshold-weight",
            "-30",
        ],
        0,
    );
    let header = crate::util::header(&out.join("pairs.csv"));
    let col = header.iter().position(|h| h == "cluster").unwrap();
    let pairs = rows(&out.join("pairs.csv"));
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0][col], "split_cannot_link");
    let clusters = rows(&out.join("clusters.csv"));
    assert_ne!(clusters[0][1], clusters[1][1]);
}

/// Review → labels (5 % of them wrong, as a tired clerk's) → `train --labels` → a model at
/// least as precise as EM's alone, which keeps its recall.
#[test]
fn labels_from_a_review_make_a_model_at_least_as_precise() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    generate(d, "dedupe", 5000, 32);
    let (records, truth) = (d.join("records.csv"), d.join("truth.csv"));
    let out = d.join("out");
    vnlink_ok(&["dedupe", s(&records), "--out", s(&out), "-q"], 0);
    vnlink_ok(&["review", s(&out), "--sample", "200", "-q"], 0);
    let entity: std::collections::HashMap<String, String> =
        rows(&truth).into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let mut labels = String::from("left_id,right_id,is_match\n");
    for (k, r) in rows(&out.join("review.csv")).iter().enumerate() {
        let same = entity[&r[1]] == entity[&r[2]];
        let said = if k % 20 == 7 { !same } else { same };
        let _ = writeln!(labels, "{},{},{}", r[1], r[2], u8::from(said));
    }
    let (labels_csv, model) = (d.join("labels.csv"), d.join("model.json"));
    std::fs::write(&labels_csv, labels).unwrap();
    let store = out.join("store.vnl");
    vnlink_ok(&["train", s(&store), "--labels", s(&labels_csv), "--out", s(&model), "-q"], 0);
    let relabelled = d.join("relabelled");
    vnlink_ok(&["dedupe", s(&store), "--model", s(&model), "--out", s(&relabelled), "-q"], 0);
    let score =
        |dir: &Path| eval(&truth, "--clusters", &dir.join("clusters.csv"))["pairwise"].clone();
    let (before, after) = (score(&out), score(&relabelled));
    let p = |v: &Value, k: &str| v[k].as_f64().unwrap();
    assert!(p(&after, "precision") >= p(&before, "precision"), "{before} → {after}");
    assert!(p(&after, "recall") >= p(&before, "recall") - 0.02, "{before} → {after}");
}
