//! Clerical review: the pairs where a person's label helps most, written as `review.html` (one
//! self-contained page: the two records side by side with their differences marked, the
//! score's waterfall, keyboard shortcuts, progress, labels kept in the browser and exported as
//! `labels.csv`) and `review.csv` (the same pairs for a spreadsheet, with an empty `is_match`
//! column to fill in).
//!
//! Both label files read back with `vnlink train --labels` ([`crate::eval::read_labels`]).
//!
//! Which pairs ([`choose`]): those inside the band, grouped by their pattern of comparison
//! levels; patterns are taken nearest the threshold first, one pair each (the pair nearest the
//! threshold), round after round, so that the first labels cover the patterns the model is
//! least sure of — uncertainty sampling with pattern coverage, as active learning does.

use std::fmt::Write;

use serde::Serialize;

use super::Lang;
use super::svg::{esc, num};
use crate::dataset::Record;
use crate::error::{Error, Result};
use crate::output::{AtomicFile, CsvStyle};
use crate::pipeline::{Explanation, Pair};

/// One pair to review.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewPair {
    /// The left record (in a link, of the first input).
    pub left: Record,
    /// The right record.
    pub right: Record,
    /// The pair's match probability.
    pub match_probability: f64,
    /// The pair's match weight.
    pub match_weight: f64,
    /// Its score field by field.
    pub explanation: Explanation,
}

/// The indices of up to `n` pairs of `pairs` whose probability is in `[lo, hi]`, in review
/// order (see the module's documentation); `threshold` is the run's threshold weight.
pub fn choose(pairs: &[Pair], (lo, hi): (f64, f64), threshold: f64, n: usize) -> Vec<usize> {
    let mut inside: Vec<usize> =
        (0..pairs.len()).filter(|&i| (lo..=hi).contains(&pairs[i].match_probability)).collect();
    let distance = |i: usize| (pairs[i].match_weight - threshold).abs();
    // By pattern, each pattern's pairs nearest the threshold first (ties: pair order).
    inside.sort_by(|&a, &b| {
        pairs[a]
            .levels
            .cmp(&pairs[b].levels)
            .then(distance(a).total_cmp(&distance(b)))
            .then(a.cmp(&b))
    });
    let mut groups: Vec<&[usize]> =
        inside.chunk_by(|&a, &b| pairs[a].levels == pairs[b].levels).collect();
    groups.sort_by(|a, b| distance(a[0]).total_cmp(&distance(b[0])).then(a[0].cmp(&b[0])));
    let mut out = Vec::with_capacity(n.min(inside.len()));
    let mut round = 0;
    while out.len() < n && groups.iter().any(|g| g.len() > round) {
        for g in &groups {
            if out.len() >= n {
                break;
            }
            if let Some(&i) = g.get(round) {
                out.push(i);
            }
        }
        round += 1;
    }
    out
}

/// The fields shown for each record: label and value.
fn shown(r: &Record, extras: &[String]) -> Vec<(String, String)> {
    let mut v = vec![
        ("full_name".to_owned(), r.full_name.clone()),
        ("dob".to_owned(), r.dob.clone()),
        ("sex".to_owned(), r.sex.clone()),
        ("address".to_owned(), r.address.clone()),
        ("id_number".to_owned(), r.id_number.clone()),
        ("phone".to_owned(), r.phone.clone()),
    ];
    for (j, name) in extras.iter().enumerate() {
        v.push((name.clone(), r.extras.get(j).cloned().unwrap_or_default()));
    }
    v
}

/// Writes `review.csv`: `pair,left_id,right_id,match_probability,match_weight,is_match`, then
/// for each field its left value, right value and comparison level.
pub fn write_csv(
    path: &std::path::Path,
    pairs: &[ReviewPair],
    extras: &[String],
    style: CsvStyle,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    let err = |e: csv::Error| Error::Io { path: path.into(), source: std::io::Error::other(e) };
    {
        let mut w = csv::Writer::from_writer(&mut file);
        let mut header: Vec<String> =
            ["pair", "left_id", "right_id", "match_probability", "match_weight", "is_match"]
                .map(String::from)
                .to_vec();
        let names: Vec<String> =
            shown(&Record::default(), extras).into_iter().map(|f| f.0).collect();
        for n in &names {
            header.extend([format!("{n}_left"), format!("{n}_right")]);
        }
        for f in pairs.first().map_or(&[][..], |p| p.explanation.fields.as_slice()) {
            header.push(format!("level_{}", f.field));
        }
        w.write_record(&header).map_err(err)?;
        for (k, p) in pairs.iter().enumerate() {
            let mut row = vec![
                (k + 1).to_string(),
                style.cell(&p.left.record_id).into_owned(),
                style.cell(&p.right.record_id).into_owned(),
                format!("{:.6}", p.match_probability),
                format!("{:.4}", p.match_weight),
                String::new(),
            ];
            for ((_, a), (_, b)) in shown(&p.left, extras).into_iter().zip(shown(&p.right, extras))
            {
                row.push(style.cell(&a).into_owned());
                row.push(style.cell(&b).into_owned());
            }
            row.extend(p.explanation.fields.iter().map(|f| f.label.clone()));
            w.write_record(&row).map_err(err)?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    file.commit()
}

/// `a` and `b` as HTML with the characters not in their longest common subsequence marked.
#[allow(clippy::many_single_char_names)] // the textbook LCS: x, y, l, i, j
pub fn marked_diff(a: &str, b: &str) -> (String, String) {
    let (x, y): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return (esc(a), esc(b));
    }
    if x.len() * y.len() > 40_000 {
        let m = |s: &str| format!("<mark>{}</mark>", esc(s));
        return (m(a), m(b));
    }
    // LCS lengths, suffix form: l[i][j] = LCS of x[i..] and y[j..].
    let w = y.len() + 1;
    let mut l = vec![0u16; (x.len() + 1) * w];
    for i in (0..x.len()).rev() {
        for j in (0..y.len()).rev() {
            l[i * w + j] = if x[i] == y[j] {
                l[(i + 1) * w + j + 1] + 1
            } else {
                l[(i + 1) * w + j].max(l[i * w + j + 1])
            };
        }
    }
    let (mut keep_x, mut keep_y) = (vec![false; x.len()], vec![false; y.len()]);
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        if x[i] == y[j] {
            keep_x[i] = true;
            keep_y[j] = true;
            i += 1;
            j += 1;
        } else if l[(i + 1) * w + j] >= l[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (render_marks(&x, &keep_x), render_marks(&y, &keep_y))
}

fn render_marks(chars: &[char], keep: &[bool]) -> String {
    let mut out = String::new();
    let mut open = false;
    for (c, &k) in chars.iter().zip(keep) {
        if !k && !open {
            out.push_str("<mark>");
            open = true;
        } else if k && open {
            out.push_str("</mark>");
            open = false;
        }
        out.push_str(&esc(&c.to_string()));
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

fn tr(lang: Lang, key: &str) -> &'static str {
    match (lang, key) {
        (Lang::Vi, "title") => "Rà soát cặp bản ghi",
        (Lang::Vi, "help") => {
            "Phím: M = cùng một người · N = khác người · U = chưa chắc · → / J = cặp sau · ← / K = cặp trước · E = xuất labels.csv. Nhãn được lưu trong trình duyệt."
        }
        (Lang::Vi, "match") => "Cùng một người (M)",
        (Lang::Vi, "non_match") => "Khác người (N)",
        (Lang::Vi, "unsure") => "Chưa chắc (U)",
        (Lang::Vi, "export") => "Xuất labels.csv (E)",
        (Lang::Vi, "prev") => "← Trước",
        (Lang::Vi, "next") => "Sau →",
        (Lang::Vi, "labelled") => "đã gán nhãn",
        (Lang::Vi, "field") => "Trường",
        (Lang::Vi, "left") => "Bản ghi trái",
        (Lang::Vi, "right") => "Bản ghi phải",
        (Lang::Vi, "level") => "Mức so sánh",
        (Lang::Vi, "none") => "Không có cặp nào trong khoảng này.",
        (_, "title") => "Review record pairs",
        (_, "help") => {
            "Keys: M = same person · N = not a match · U = unsure · → / J = next pair · ← / K = previous · E = export labels.csv. Labels are kept in this browser."
        }
        (_, "match") => "Same person (M)",
        (_, "non_match") => "Not a match (N)",
        (_, "unsure") => "Unsure (U)",
        (_, "export") => "Export labels.csv (E)",
        (_, "prev") => "← Previous",
        (_, "next") => "Next →",
        (_, "labelled") => "labelled",
        (_, "field") => "Field",
        (_, "left") => "Left record",
        (_, "right") => "Right record",
        (_, "level") => "Comparison level",
        (_, "none") => "No pair in this band.",
        _ => "?",
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;\
margin:0 auto;max-width:1100px;padding:16px;color:#222}table{border-collapse:collapse;width:100%}\
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\
mark{background:#ffe082}article{display:none}article.current{display:block}\
.bar{display:flex;gap:8px;align-items:center;margin:12px 0;flex-wrap:wrap}\
button{font-size:15px;padding:6px 12px}.label-match{background:#c8e6c9}\
.label-non_match{background:#ffcdd2}.label-unsure{background:#fff9c4}#progress{font-weight:bold}\
.note{color:#555;font-size:13px}svg.chart{display:block;max-width:100%;height:auto}";

/// The page's script: shows one pair at a time, records labels by key or button in
/// `localStorage`, and exports them as `labels.csv` (`left_id,right_id,is_match`; unsure
/// pairs are left out). `window.vnlinkLabelsCsv()` returns the file's text.
const SCRIPT: &str = r#"(function(){
var arts=[].slice.call(document.querySelectorAll('article'));
var key='vnlink-review:'+document.body.dataset.review;
var labels={};try{labels=JSON.parse(localStorage.getItem(key)||'{}')||{};}catch(e){labels={};}
var cur=0;
function save(){try{localStorage.setItem(key,JSON.stringify(labels));}catch(e){}}
function show(i){if(!arts.length)return;cur=Math.max(0,Math.min(arts.length-1,i));
arts.forEach(function(a,k){a.classList.toggle('current',k===cur);});paint();}
function paint(){var n=0;arts.forEach(function(a){var l=labels[a.dataset.pair];
a.className=a.className.replace(/\blabel-\S+/g,'').trim();if(l){a.classList.add('label-'+l);n++;}
var s=a.querySelector('.state');if(s)s.textContent=l||'';});
document.getElementById('progress').textContent=(cur+1)+' / '+arts.length+' · '+n+' '+document.body.dataset.labelled;}
function label(v){if(!arts.length)return;labels[arts[cur].dataset.pair]=v;save();paint();if(cur<arts.length-1)show(cur+1);}
function q(s){return '"'+String(s).replace(/"/g,'""')+'"';}
window.vnlinkLabelsCsv=function(){var out='left_id,right_id,is_match\n';
arts.forEach(function(a){var l=labels[a.dataset.pair];if(l==='match'||l==='non_match'){
out+=q(a.dataset.left)+','+q(a.dataset.right)+','+(l==='match'?'1':'0')+'\n';}});return out;};
function exportCsv(){var blob=new Blob([window.vnlinkLabelsCsv()],{type:'text/csv'});
var a=document.createElement('a');a.href=URL.createObjectURL(blob);a.download='labels.csv';
document.body.appendChild(a);a.click();setTimeout(function(){URL.revokeObjectURL(a.href);a.remove();},0);}
document.addEventListener('keydown',function(e){if(e.ctrlKey||e.metaKey||e.altKey)return;
var k=e.key.toLowerCase();
if(k==='m')label('match');else if(k==='n')label('non_match');else if(k==='u')label('unsure');
else if(k==='arrowright'||k==='j')show(cur+1);else if(k==='arrowleft'||k==='k')show(cur-1);
else if(k==='e')exportCsv();else return;e.preventDefault();});
document.querySelectorAll('button[data-act]').forEach(function(b){b.addEventListener('click',function(){
var a=b.dataset.act;if(a==='prev')show(cur-1);else if(a==='next')show(cur+1);else if(a==='export')exportCsv();else label(a);});});
show(0);})();"#;

/// The review page of `pairs`; `review_id` names the set of pairs (labels saved in the browser
/// are kept per id); `extras` are the extra fields' names.
pub fn render(pairs: &[ReviewPair], extras: &[String], review_id: &str, lang: Lang) -> String {
    let t = |k: &str| tr(lang, k);
    let mut out = String::with_capacity(8192 + pairs.len() * 6000);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\
         <body data-review=\"{}\" data-labelled=\"{}\"><h1>{}</h1><p class=\"note\">{}</p>\
         <div class=\"bar\"><button data-act=\"prev\">{}</button><button data-act=\"next\">{}</button>\
         <button data-act=\"match\">{}</button><button data-act=\"non_match\">{}</button>\
         <button data-act=\"unsure\">{}</button><button data-act=\"export\">{}</button>\
         <span id=\"progress\"></span></div>",
        lang.code(),
        esc(t("title")),
        esc(review_id),
        esc(t("labelled")),
        esc(t("title")),
        esc(t("help")),
        esc(t("prev")),
        esc(t("next")),
        esc(t("match")),
        esc(t("non_match")),
        esc(t("unsure")),
        esc(t("export"))
    );
    if pairs.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(t("none")));
    }
    for (k, p) in pairs.iter().enumerate() {
        let _ = write!(
            out,
            "<article data-pair=\"{k}\" data-left=\"{}\" data-right=\"{}\"><h2>{} / {} · p = {} · {} <span class=\"state\"></span></h2>\
             <table><tr><th>{}</th><th>{}: {}</th><th>{}: {}</th></tr>",
            esc(&p.left.record_id),
            esc(&p.right.record_id),
            k + 1,
            pairs.len(),
            num(p.match_probability, 4),
            num(p.match_weight, 2),
            esc(t("field")),
            esc(t("left")),
            esc(&p.left.record_id),
            esc(t("right")),
            esc(&p.right.record_id)
        );
        for ((name, a), (_, b)) in shown(&p.left, extras).into_iter().zip(shown(&p.right, extras)) {
            let (ma, mb) = marked_diff(&a, &b);
            let _ = write!(out, "<tr><th>{}</th><td>{ma}</td><td>{mb}</td></tr>", esc(&name));
        }
        let levels: Vec<String> =
            p.explanation.fields.iter().map(|f| format!("{}: {}", f.field, f.label)).collect();
        let _ = write!(
            out,
            "<tr><th>{}</th><td colspan=\"2\">{}</td></tr></table>",
            esc(t("level")),
            esc(&levels.join(" · "))
        );
        let e = serde_json::to_value(&p.explanation).unwrap_or_default();
        out.push_str(&super::html::pair_waterfall(
            &e,
            &format!("{} / {}", k + 1, pairs.len()),
            lang,
        ));
        out.push_str("</article>");
    }
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(w: f64, levels: [u8; 3]) -> Pair {
        let mut l = [0u8; crate::model::MAX_FIELDS];
        l[..3].copy_from_slice(&levels);
        Pair {
            left: 0,
            right: 1,
            match_weight: w,
            match_probability: crate::model::probability(w),
            levels: l,
        }
    }

    #[test]
    fn choice_covers_patterns_nearest_the_threshold_first() {
        let pairs = vec![
            pair(4.0, [1, 1, 1]),
            pair(0.5, [1, 1, 1]),
            pair(0.2, [2, 1, 1]),
            pair(-0.1, [1, 1, 1]),
            pair(30.0, [1, 1, 1]),
            pair(2.0, [3, 3, 3]),
        ];
        // Band 0.3..0.99: the 30-bit pair is out. Threshold 0.
        let got = choose(&pairs, (0.3, 0.99), 0.0, 10);
        // Patterns by their nearest pair: [1,1,1] (−0.1), [2,1,1] (0.2), [3,3,3] (2.0); then the
        // second round of [1,1,1]: 0.5, then 4.0.
        assert_eq!(got, vec![3, 2, 5, 1, 0]);
        assert_eq!(choose(&pairs, (0.3, 0.99), 0.0, 2), vec![3, 2]);
    }

    #[test]
    fn review_csv_has_a_column_for_every_extra_field() {
        let record = |id: &str| Record {
            record_id: id.into(),
            full_name: "Mary Smith".into(),
            extras: vec!["123-45-6789".into(), "90210".into()],
            ..Record::default()
        };
        let explanation = Explanation {
            prior_weight: -10.0,
            place: "elsewhere",
            fields: Vec::new(),
            calibration: 0.0,
            match_weight: 1.0,
            match_probability: 0.6,
        };
        let pair = ReviewPair {
            left: record("a"),
            right: record("b"),
            match_probability: 0.6,
            match_weight: 1.0,
            explanation,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.csv");
        let extras = ["ssn".to_owned(), "zip".to_owned()];
        write_csv(&path, &[pair.clone(), pair], &extras, CsvStyle::default()).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        let header = r.headers().unwrap().clone();
        assert!(header.iter().any(|h| h == "ssn_left") && header.iter().any(|h| h == "zip_right"));
        for row in r.records() {
            let row = row.unwrap();
            assert_eq!(row.len(), header.len());
            assert_eq!(&row[header.iter().position(|h| h == "zip_left").unwrap()], "90210");
        }
    }

    #[test]
    fn differences_are_marked_by_character() {
        let (a, b) = marked_diff("Nguyễn Văn An", "Nguyen Van An");
        assert_eq!(a, "Nguy<mark>ễ</mark>n V<mark>ă</mark>n An");
        assert_eq!(b, "Nguy<mark>e</mark>n V<mark>a</mark>n An");
        let (a, b) = marked_diff("<b>", "<b>");
        assert_eq!((a.as_str(), b.as_str()), ("&lt;b&gt;", "&lt;b&gt;"));
        let (a, _) = marked_diff("", "x");
        assert_eq!(a, "");
    }
}
