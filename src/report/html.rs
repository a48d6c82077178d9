//! `report.html`: one self-contained page (no script, no external style, font or image) drawn
//! from a run's `report.json` and `model.json`, in Vietnamese or English.
//!
//! Sections: summary, model, blocking, scores (distribution, and precision/recall by
//! threshold), clusters, sample pairs (waterfalls), completeness. A section whose figures the
//! report does not hold (an older `report.json`) is left out.

use std::fmt::Write;

use serde_json::Value;

use super::Lang;
use super::svg::{Bar, Series, bars, columns, esc, lines, num, waterfall};
use crate::model::{probability, weight_of_probability};

/// The words of the page in one language.
fn tr(lang: Lang, key: &str) -> &'static str {
    match lang {
        Lang::Vi => vi(key).unwrap_or_else(|| en(key)),
        Lang::En => en(key),
    }
}

/// The Vietnamese words of the page.
fn vi(key: &str) -> Option<&'static str> {
    Some(match key {
        "title" => "Báo cáo ghép bản ghi vnlink",
        "summary" => "Tổng quan",
        "model" => "Mô hình",
        "blocking" => "Phân khối",
        "scores" => "Phân bố điểm",
        "clusters" => "Cụm",
        "samples" => "Cặp mẫu",
        "completeness" => "Độ đầy đủ của trường",
        "records" => "Bản ghi",
        "pairs_compared" => "Cặp đã so sánh",
        "pairs_above" => "Cặp đạt ngưỡng",
        "n_clusters" => "Số cụm",
        "threshold" => "Ngưỡng",
        "seconds" => "Thời gian (giây)",
        "skipped" => "Dòng bị bỏ qua",
        "none" => "không có",
        "prior" => "Xác suất tiên nghiệm (trọng số)",
        "prior_short" => "tiên nghiệm",
        "calibration" => "hiệu chỉnh",
        "weights" => "Trọng số khớp log2(m/u) theo trường và mức",
        "m_u" => "m và u theo mức",
        "field" => "Trường",
        "level" => "Mức",
        "rule" => "Quy tắc",
        "pairs" => "Cặp",
        "blocks" => "Khối",
        "recall_cum" => "Độ phủ ước tính (cộng dồn)",
        "largest" => "Khối lớn nhất",
        "hist" => "Số cặp theo trọng số khớp (thang log)",
        "pr" => "Độ chính xác và độ phủ theo ngưỡng",
        "est_p" => "độ chính xác (ước tính)",
        "est_r" => "độ phủ (ước tính)",
        "p" => "độ chính xác (thực)",
        "r" => "độ phủ (thực)",
        "prob" => "xác suất khớp",
        "weight" => "trọng số khớp",
        "sizes" => "Số cụm theo kích thước (thang log)",
        "size" => "kích thước",
        "share" => "tỉ lệ",
        "total" => "tổng",
        "band" => "Khoảng",
        "left" => "Bản ghi trái",
        "right" => "Bản ghi phải",
        "est_note" => "Ước tính chỉ từ mô hình (không cần nhãn).",
        "method" => {
            "Mỗi cặp đã so sánh được tính bằng xác suất khớp của nó: số cặp khớp kỳ vọng \
                         từ một ngưỡng trở lên là tổng xác suất của các cặp đó; độ chính xác = tổng đó / \
                         số cặp, độ phủ = tổng đó / tổng trên mọi cặp đã so sánh. Cột \"thực\" chỉ có \
                         khi chạy với --truth. Ước tính tốt đến đâu là do mô hình hiệu chỉnh tốt đến \
                         đó: những cặp giống nhau nhưng là hai người (người thân, tên phổ biến) mà mô \
                         hình chấm quanh 50 % làm độ phủ bị ước tính thấp."
        }
        "at_threshold" => "ngưỡng của lần chạy",
        "levels_doc" => "Ý nghĩa các mức: docs/levels.md",
        "expected" => "Số cặp khớp mô hình kỳ vọng",
        "warnings" => "Cảnh báo",
        "input" => "Đầu vào",
        "command" => "Lệnh",
        "refused" => "Lần gộp bị từ chối (CCCD khác nhau)",
        _ => return None,
    })
}

/// The English words of the page.
fn en(key: &str) -> &'static str {
    match key {
        "title" => "vnlink record-matching report",
        "summary" => "Summary",
        "model" => "Model",
        "blocking" => "Blocking",
        "scores" => "Score distribution",
        "clusters" | "n_clusters" => "Clusters",
        "samples" => "Sample pairs",
        "completeness" => "Field completeness",
        "records" => "Records",
        "pairs_compared" => "Pairs compared",
        "pairs_above" => "Pairs at or above the threshold",
        "threshold" => "Threshold",
        "seconds" => "Time (seconds)",
        "skipped" => "Rows skipped",
        "none" => "none",
        "prior" => "Prior (weight)",
        "prior_short" => "prior",
        "calibration" => "calibration",
        "weights" => "Match weight log2(m/u) by field and level",
        "m_u" => "m and u by level",
        "field" => "Field",
        "level" => "Level",
        "rule" => "Rule",
        "pairs" => "Pairs",
        "blocks" => "Blocks",
        "recall_cum" => "Estimated recall (cumulative)",
        "largest" => "Largest blocks",
        "hist" => "Pairs by match weight (log scale)",
        "pr" => "Precision and recall by threshold",
        "est_p" => "precision (estimated)",
        "est_r" => "recall (estimated)",
        "p" => "precision (truth)",
        "r" => "recall (truth)",
        "prob" => "match probability",
        "weight" => "match weight",
        "sizes" => "Clusters by size (log scale)",
        "size" => "size",
        "share" => "share",
        "total" => "total",
        "band" => "Band",
        "left" => "Left record",
        "right" => "Right record",
        "est_note" => "Estimated from the model alone (no labels needed).",
        "method" => super::QUALITY_METHOD,
        "at_threshold" => "the run's threshold",
        "levels_doc" => "What each level means: docs/levels.md",
        "expected" => "Matches the model expects",
        "warnings" => "Warnings",
        "input" => "Input",
        "command" => "Command",
        "refused" => "Merges refused (different CCCDs)",
        _ => "?",
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
margin:0 auto;max-width:980px;padding:16px;color:#222;line-height:1.4}\
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}\
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;\
text-align:left;font-size:13px}td.n{text-align:right;font-variant-numeric:tabular-nums}\
nav a{margin-right:12px}svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}\
.note{color:#555;font-size:13px}";

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn row(out: &mut String, label: &str, value: &str) {
    let _ = write!(out, "<tr><th>{}</th><td class=\"n\">{}</td></tr>", esc(label), esc(value));
}

/// The page for `report` (a run's `report.json`) and `model` (its `model.json`).
pub fn render(report: &Value, model: &Value, lang: Lang) -> String {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let mut sections = Vec::new();
    sections.push(("summary", summary(report, lang)));
    if let Some(s) = model_section(model, lang) {
        sections.push(("model", s));
    }
    if let Some(s) = blocking_section(report, lang) {
        sections.push(("blocking", s));
    }
    if let Some(s) = scores_section(report, lang) {
        sections.push(("scores", s));
    }
    if let Some(s) = clusters_section(report, lang) {
        sections.push(("clusters", s));
    }
    if let Some(s) = samples_section(report, lang) {
        sections.push(("samples", s));
    }
    if let Some(s) = completeness_section(report, lang) {
        sections.push(("completeness", s));
    }
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1><nav>",
        lang.code(),
        esc(t("title")),
        esc(t("title"))
    );
    for (id, _) in &sections {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", esc(t(id)));
    }
    out.push_str("</nav>");
    for (id, body) in &sections {
        let _ = write!(out, "<section id=\"{id}\"><h2>{}</h2>{body}</section>", esc(t(id)));
    }
    let _ = writeln!(
        out,
        "<p class=\"note\">vnlink {} · {}</p></body></html>",
        env!("CARGO_PKG_VERSION"),
        esc(t("levels_doc"))
    );
    out
}

fn summary(r: &Value, lang: Lang) -> String {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let s = &r["stats"];
    let mut out = String::from("<table>");
    row(&mut out, t("command"), r["command"].as_str().unwrap_or("?"));
    let input = match &r["input"] {
        Value::String(p) => p.clone(),
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        _ => String::new(),
    };
    row(&mut out, t("input"), &input);
    let mut records = thousands(u(&s["records"]));
    if u(&s["records_right"]) > 0 {
        records = format!("{records} × {}", thousands(u(&s["records_right"])));
    }
    row(&mut out, t("records"), &records);
    row(&mut out, t("pairs_compared"), &thousands(u(&s["pairs_compared"])));
    row(&mut out, t("pairs_above"), &thousands(u(&s["pairs_above_threshold"])));
    if u(&s["clusters"]) > 0 {
        row(&mut out, t("n_clusters"), &thousands(u(&s["clusters"])));
    }
    if u(&s["cannot_link_refusals"]) > 0 {
        row(&mut out, t("refused"), &thousands(u(&s["cannot_link_refusals"])));
    }
    if let Some(q) = r.get("quality").filter(|q| !q.is_null()) {
        row(
            &mut out,
            t("threshold"),
            &format!(
                "p ≥ {} ({} {})",
                num(f(&q["threshold_probability"]), 4),
                t("weight"),
                num(f(&q["threshold_weight"]), 2)
            ),
        );
    }
    out.push_str("</table>");
    if let Some(secs) = s["seconds"].as_object() {
        let _ = write!(out, "<h3>{}</h3><table>", esc(t("seconds")));
        for (k, v) in secs {
            row(&mut out, k, &num(f(v), 2));
        }
        out.push_str("</table>");
    }
    let _ = write!(out, "<h3>{}</h3>", esc(t("skipped")));
    let skipped: Vec<(String, u64)> = ["ingest", "ingest_right"]
        .iter()
        .filter_map(|k| r[*k]["skipped_by_reason"].as_object())
        .chain(
            r["ingest"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["skipped_by_reason"].as_object()),
        )
        .flat_map(|m| m.iter().map(|(k, v)| (k.clone(), u(v))))
        .collect();
    if skipped.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(t("none")));
    } else {
        out.push_str("<table>");
        for (k, n) in &skipped {
            row(&mut out, k, &thousands(*n));
        }
        out.push_str("</table>");
    }
    if let Some(w) = r["warnings"].as_array().filter(|w| !w.is_empty()) {
        let _ = write!(out, "<h3>{}</h3><ul>", esc(t("warnings")));
        for x in w.iter().filter_map(Value::as_str) {
            let _ = write!(out, "<li>{}</li>", esc(x));
        }
        out.push_str("</ul>");
    }
    out
}

fn model_section(m: &Value, lang: Lang) -> Option<String> {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let fields = m["fields"].as_array()?;
    let prior = f(&m["prior"]);
    let mut weights = Vec::new();
    let mut mu = Vec::new();
    for fl in fields {
        let name = fl["name"].as_str().unwrap_or("?");
        for lv in fl["levels"].as_array().into_iter().flatten() {
            let label = format!("{name}: {}", lv["label"].as_str().unwrap_or("?"));
            let (mm, uu) = (f(&lv["m"]), f(&lv["u"]));
            let w = if mm > 0.0 && uu > 0.0 { (mm / uu).log2() } else { 0.0 };
            weights.push(Bar { label: label.clone(), value: w, note: format!("{w:+.2}") });
            mu.push((label, mm, uu));
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<p>{}: {} ({} {})</p>",
        esc(t("prior")),
        num(prior, 8),
        esc(t("weight")),
        num(weight_of_probability(prior), 2)
    );
    out.push_str(&bars("model_weights", t("weights"), &weights));
    let _ = write!(out, "<h3>{}</h3>", esc(t("m_u")));
    // m and u side by side: two bars per level, as shares.
    let rows: Vec<Bar> = mu
        .iter()
        .flat_map(|(l, mm, uu)| {
            [
                Bar { label: format!("{l} · m"), value: *mm, note: num(*mm, 4) },
                Bar { label: format!("{l} · u"), value: -*uu, note: num(*uu, 6) },
            ]
        })
        .collect();
    out.push_str(&bars("m_u", t("m_u"), &rows));
    Some(out)
}

fn blocking_section(r: &Value, lang: Lang) -> Option<String> {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let rules = r["stats"]["blocking"].as_array().filter(|a| !a.is_empty())?;
    let total = r["quality"]["expected_matches"].as_f64().unwrap_or(0.0);
    let mut out = format!(
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t("rule")),
        esc(t("pairs")),
        esc(t("blocks")),
        esc(t("recall_cum")),
        esc(t("largest"))
    );
    let mut cols = Vec::new();
    for rule in rules {
        let name = rule["rule"].as_str().unwrap_or("?");
        let cum = f(&rule["cumulative_expected_matches"]);
        let recall =
            if total > 0.0 && cum.is_finite() { num(cum / total, 4) } else { "–".into() };
        let largest: Vec<String> = rule["largest"]
            .as_array()
            .into_iter()
            .flatten()
            .take(3)
            .map(|b| thousands(u(&b["records"])))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(name),
            thousands(u(&rule["pairs"])),
            thousands(u(&rule["blocks"])),
            recall,
            largest.join(", ")
        );
        cols.push((name.to_owned(), u(&rule["pairs"]) as f64));
    }
    out.push_str("</table>");
    let rows: Vec<Bar> = cols
        .iter()
        .map(|(n, v)| Bar {
            label: n.clone(),
            value: (v + 1.0).log10(),
            note: thousands(*v as u64),
        })
        .collect();
    out.push_str(&bars("blocking", t("pairs"), &rows));
    Some(out)
}

fn scores_section(r: &Value, lang: Lang) -> Option<String> {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let scores = &r["stats"]["scores"];
    let bins = scores["bins"].as_array().filter(|b| !b.is_empty())?;
    // One column per whole bit of weight.
    let lo = bins.iter().map(|b| f(&b["weight"]).floor() as i64).min()?;
    let hi = bins.iter().map(|b| f(&b["weight"]).floor() as i64).max()?;
    let mut counts = vec![0u64; (hi - lo + 1) as usize];
    for b in bins {
        counts[(f(&b["weight"]).floor() as i64 - lo) as usize] += u(&b["pairs"]);
    }
    let cols: Vec<(String, f64)> =
        counts.iter().enumerate().map(|(i, &c)| ((lo + i as i64).to_string(), c as f64)).collect();
    let q = &r["quality"];
    let thr = f(&q["threshold_weight"]);
    let label = format!("{} {}", t("threshold"), num(thr, 1));
    let marker = thr.is_finite().then(|| ((thr - lo as f64).max(0.0), label.as_str()));
    let mut out = columns("scores", t("hist"), &cols, true, marker);
    // The curve at every bin edge, as a function of the threshold's probability.
    let curve = crate::pipeline::histogram::ScoreHistogram {
        bin_width: f(&scores["bin_width"]),
        bins: serde_json::from_value(scores["bins"].clone()).unwrap_or_default(),
        true_pairs: scores["true_pairs"].as_u64(),
    }
    .curve();
    let pts = |g: &dyn Fn(&crate::pipeline::histogram::CurvePoint) -> Option<f64>| {
        let mut v: Vec<(f64, f64)> = curve
            .iter()
            .filter(|p| (0.01..=0.9999).contains(&p.probability))
            .filter_map(|p| g(p).map(|y| (p.probability, y)))
            .collect();
        v.reverse();
        v
    };
    let mut series = vec![
        Series {
            name: t("est_p").into(),
            points: pts(&|p| Some(p.estimated_precision)),
            dashed: false,
        },
        Series {
            name: t("est_r").into(),
            points: pts(&|p| Some(p.estimated_recall)),
            dashed: false,
        },
    ];
    if curve.first().is_some_and(|p| p.precision.is_some()) {
        series.push(Series { name: t("p").into(), points: pts(&|p| p.precision), dashed: true });
        series.push(Series { name: t("r").into(), points: pts(&|p| p.recall), dashed: true });
    }
    let ymin = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(1.0f64, f64::min)
        .clamp(0.0, 0.99);
    let y0 = (ymin * 20.0).floor() / 20.0;
    let tp = probability(thr);
    let marker = thr.is_finite().then(|| (tp.clamp(0.01, 0.9999), label.as_str()));
    out.push_str(&lines(
        "precision_recall",
        t("pr"),
        &series,
        (0.0, 1.0),
        (y0, 1.0),
        t("prob"),
        marker,
    ));
    let _ = write!(out, "<p class=\"note\">{} {}</p>", esc(t("est_note")), esc(t("method")));
    out.push_str(&curve_table(q, lang));
    let _ = write!(out, "<p>{}: {}</p>", esc(t("expected")), num(f(&q["expected_matches"]), 1));
    Some(out)
}

/// The curve at the listed thresholds and the run's, as a table.
fn curve_table(q: &Value, lang: Lang) -> String {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let mut out = String::new();
    if let Some(points) = q["curve"].as_array() {
        let exact = points.iter().any(|p| p.get("precision").is_some());
        let _ = write!(
            out,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>{}</tr>",
            esc(t("prob")),
            esc(t("pairs")),
            esc(t("est_p")),
            esc(t("est_r")),
            if exact {
                format!("<th>{}</th><th>{}</th>", esc(t("p")), esc(t("r")))
            } else {
                String::new()
            }
        );
        let at = q.get("at_threshold").filter(|a| !a.is_null());
        let marked = points.iter().map(|p| (p, "")).chain(at.map(|p| (p, t("at_threshold"))));
        for (p, mark) in marked {
            let _ = write!(
                out,
                "<tr><td class=\"n\">{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                if mark.is_empty() { String::new() } else { format!("<b>{}</b> ", esc(mark)) },
                num(f(&p["probability"]), 5),
                thousands(u(&p["pairs"])),
                num(f(&p["estimated_precision"]), 4),
                num(f(&p["estimated_recall"]), 4)
            );
            if exact {
                let _ = write!(
                    out,
                    "<td class=\"n\">{}</td><td class=\"n\">{}</td>",
                    num(f(&p["precision"]), 4),
                    num(f(&p["recall"]), 4)
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    out
}

fn clusters_section(r: &Value, lang: Lang) -> Option<String> {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let sizes = r["clusters"]["sizes"].as_array().filter(|s| !s.is_empty())?;
    let cols: Vec<(String, f64)> =
        sizes.iter().map(|s| (u(&s["size"]).to_string(), u(&s["clusters"]) as f64)).collect();
    let mut out = columns("cluster_sizes", t("sizes"), &cols, true, None);
    if let Some(big) = r["clusters"]["largest"].as_array().filter(|b| !b.is_empty()) {
        let _ = write!(out, "<table><tr><th>cluster_id</th><th>{}</th></tr>", esc(t("size")));
        for c in big {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                esc(c["cluster_id"].as_str().unwrap_or("")),
                u(&c["size"])
            );
        }
        out.push_str("</table>");
    }
    Some(out)
}

/// A pair's waterfall: the prior, then each field's weight (and name-frequency adjustment).
pub fn pair_waterfall(explanation: &Value, title: &str, lang: Lang) -> String {
    let mut steps = vec![(tr(lang, "prior_short").to_owned(), f(&explanation["prior_weight"]))];
    for fl in explanation["fields"].as_array().into_iter().flatten() {
        let w = f(&fl["weight"]) + fl["tf_adjustment"].as_f64().unwrap_or(0.0);
        steps.push((fl["field"].as_str().unwrap_or("?").to_owned(), w));
    }
    let c = explanation["calibration"].as_f64().unwrap_or(0.0);
    if c.abs() > 1e-6 {
        steps.push((tr(lang, "calibration").to_owned(), c));
    }
    waterfall("waterfall", title, &steps, tr(lang, "total"))
}

fn samples_section(r: &Value, lang: Lang) -> Option<String> {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let samples = r["samples"].as_array().filter(|s| !s.is_empty())?;
    let mut out = String::new();
    for s in samples {
        let e = &s["explanation"];
        let title = format!(
            "{} {} · {} ↔ {} · p = {}",
            t("band"),
            s["band"].as_str().unwrap_or(""),
            s["left_id"].as_str().unwrap_or(""),
            s["right_id"].as_str().unwrap_or(""),
            num(f(&s["match_probability"]), 4)
        );
        let _ = write!(out, "<h3>{}</h3>", esc(&title));
        let levels: Vec<String> = e["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|fl| {
                format!(
                    "{}: {}",
                    fl["field"].as_str().unwrap_or("?"),
                    fl["label"].as_str().unwrap_or("?")
                )
            })
            .collect();
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(&levels.join(" · ")));
        out.push_str(&pair_waterfall(e, &title, lang));
    }
    Some(out)
}

fn completeness_section(r: &Value, lang: Lang) -> Option<String> {
    let t = |k: &str| -> &'static str { tr(lang, k) };
    let c = r["completeness"].as_array().filter(|c| !c.is_empty())?;
    let rows: Vec<Bar> = c
        .iter()
        .map(|x| {
            let share = f(&x["share"]);
            Bar {
                label: x["field"].as_str().unwrap_or("?").to_owned(),
                value: share,
                note: format!("{} %", num(share * 100.0, 1)),
            }
        })
        .collect();
    Some(bars("completeness", t("completeness"), &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_report_still_renders_a_page() {
        let page = render(&Value::Null, &Value::Null, Lang::En);
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("</html>"));
        assert!(page.contains("id=\"summary\""));
        assert!(!page.contains("<script"));
        let vi = render(&Value::Null, &Value::Null, Lang::Vi);
        assert!(vi.contains("Tổng quan") && vi.contains("lang=\"vi\""));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
