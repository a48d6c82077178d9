//! Small charts as inline SVG: horizontal bars, columns, lines and waterfalls. No script, no
//! font files, no network: a chart is text inside the page, sized by its `viewBox`.
//!
//! Every chart is an `<svg class="chart" data-chart="NAME">` with a `<title>`, so that a test
//! (and a screen reader) can find it and tell it is not empty.

// Chart geometry reads best in the usual letters: x, y, w(idth), h(eight), f(unction).
#![allow(clippy::many_single_char_names)]

use std::fmt::Write;

/// Escapes `s` for HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with at most `digits` decimals and no trailing zeros.
pub fn num(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let s = format!("{x:.digits$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s }
}

const POS: &str = "#2e7d32";
const NEG: &str = "#c62828";
const INK: &str = "#333";
const GRID: &str = "#ddd";
/// Series colours of line charts.
pub const SERIES: [&str; 4] = ["#1565c0", "#ef6c00", "#1565c0", "#ef6c00"];

fn open(out: &mut String, name: &str, title: &str, w: f64, h: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" data-chart="{}" role="img" viewBox="0 0 {} {}" width="{}" height="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(name),
        num(w, 1),
        num(h, 1),
        num(w, 1),
        num(h, 1),
        esc(title)
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="11" fill="{INK}">{}</text>"#,
        num(x, 1),
        num(y, 1),
        esc(s)
    );
}

fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str, tip: &str) {
    let _ = write!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"><title>{}</title></rect>"#,
        num(x, 1),
        num(y, 1),
        num(w.max(0.5), 1),
        num(h.max(0.5), 1),
        esc(tip)
    );
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, dash: bool) {
    let _ = write!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}"{}/>"#,
        num(x1, 1),
        num(y1, 1),
        num(x2, 1),
        num(y2, 1),
        if dash { r#" stroke-dasharray="4 3""# } else { "" }
    );
}

/// One bar of a horizontal bar chart.
pub struct Bar {
    /// Its label, left of the axis.
    pub label: String,
    /// Its value (negative bars go left of zero).
    pub value: f64,
    /// Shown at the bar's end.
    pub note: String,
}

/// Horizontal bars around zero: positive green, negative red.
pub fn bars(name: &str, title: &str, rows: &[Bar]) -> String {
    let longest = rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(0);
    let (label_w, plot_w, row_h) = ((longest as f64 * 6.4 + 12.0).max(120.0), 420.0, 18.0);
    let h = 24.0 + rows.len() as f64 * row_h;
    let w = label_w + plot_w + 70.0;
    let lo = rows.iter().map(|r| r.value).fold(0.0f64, f64::min);
    let hi = rows.iter().map(|r| r.value).fold(0.0f64, f64::max);
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let x = |v: f64| label_w + (v - lo) / span * plot_w;
    let mut out = String::new();
    open(&mut out, name, title, w, h);
    line(&mut out, x(0.0), 4.0, x(0.0), h - 4.0, INK, false);
    for (i, r) in rows.iter().enumerate() {
        let y = 12.0 + i as f64 * row_h;
        text(&mut out, label_w - 6.0, y + 11.0, "end", &r.label);
        let (a, b) = (x(0.0).min(x(r.value)), x(0.0).max(x(r.value)));
        let fill = if r.value >= 0.0 { POS } else { NEG };
        rect(&mut out, a, y + 2.0, b - a, row_h - 5.0, fill, &format!("{}: {}", r.label, r.note));
        text(&mut out, b + 4.0, y + 11.0, "start", &r.note);
    }
    out.push_str("</svg>");
    out
}

/// Vertical columns, `log`: heights on a log10 scale (for counts spanning decades). A vertical
/// dashed marker at column index `marker` when given.
pub fn columns(
    name: &str,
    title: &str,
    cols: &[(String, f64)],
    log: bool,
    marker: Option<(f64, &str)>,
) -> String {
    let (w, h, left, bottom) = (720.0, 260.0, 50.0, 40.0);
    let plot_w = w - left - 10.0;
    let plot_h = h - bottom - 20.0;
    let f = |v: f64| if log { (v.max(0.0) + 1.0).log10() } else { v.max(0.0) };
    let top = cols.iter().map(|c| f(c.1)).fold(0.0f64, f64::max).max(1e-9);
    let step = plot_w / cols.len().max(1) as f64;
    let mut out = String::new();
    open(&mut out, name, title, w, h);
    line(&mut out, left, h - bottom, w - 10.0, h - bottom, INK, false);
    let ticks = if log { top.ceil() as usize } else { 4 };
    for t in 0..=ticks {
        let v = top * t as f64 / ticks.max(1) as f64;
        let y = h - bottom - v / top * plot_h;
        line(&mut out, left, y, w - 10.0, y, GRID, false);
        let label = if log { format!("10^{}", num(v, 1)) } else { num(v, 2) };
        text(&mut out, left - 4.0, y + 4.0, "end", &label);
    }
    let every = (cols.len() / 12).max(1);
    for (i, (label, v)) in cols.iter().enumerate() {
        let x = left + i as f64 * step;
        let bh = f(*v) / top * plot_h;
        if *v > 0.0 {
            rect(
                &mut out,
                x + 0.5,
                h - bottom - bh,
                step - 1.0,
                bh,
                SERIES[0],
                &format!("{label}: {}", num(*v, 4)),
            );
        }
        if i % every == 0 {
            text(&mut out, x + step / 2.0, h - bottom + 14.0, "middle", label);
        }
    }
    if let Some((at, label)) = marker {
        let x = left + at * step;
        line(&mut out, x, 14.0, x, h - bottom, NEG, true);
        text(&mut out, x + 4.0, 24.0, "start", label);
    }
    out.push_str("</svg>");
    out
}

/// A line series: its name and its points.
pub struct Series {
    /// Shown in the legend.
    pub name: String,
    /// `(x, y)` points, in x order.
    pub points: Vec<(f64, f64)>,
    /// Drawn dashed (exact figures beside estimated ones).
    pub dashed: bool,
}

/// Lines over `x` in `[x0, x1]` and `y` in `[y0, y1]`, with axis labels, a legend and a
/// vertical dashed marker at `marker` when given.
#[allow(clippy::too_many_arguments)]
pub fn lines(
    name: &str,
    title: &str,
    series: &[Series],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    x_label: &str,
    marker: Option<(f64, &str)>,
) -> String {
    let (w, h, left, bottom) = (720.0, 280.0, 50.0, 40.0);
    let plot_w = w - left - 150.0;
    let plot_h = h - bottom - 20.0;
    let sx = |x: f64| left + (x - x0) / (x1 - x0).max(1e-12) * plot_w;
    let sy = |y: f64| h - bottom - (y - y0) / (y1 - y0).max(1e-12) * plot_h;
    let mut out = String::new();
    open(&mut out, name, title, w, h);
    for t in 0..=4 {
        let y = y0 + (y1 - y0) * f64::from(t) / 4.0;
        line(&mut out, left, sy(y), left + plot_w, sy(y), GRID, false);
        text(&mut out, left - 4.0, sy(y) + 4.0, "end", &num(y, 3));
        let x = x0 + (x1 - x0) * f64::from(t) / 4.0;
        text(&mut out, sx(x), h - bottom + 14.0, "middle", &num(x, 2));
    }
    text(&mut out, left + plot_w / 2.0, h - 6.0, "middle", x_label);
    for (k, s) in series.iter().enumerate() {
        let colour = SERIES[k % SERIES.len()];
        let mut d = String::new();
        for (i, &(x, y)) in s.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{},{} ",
                if i == 0 { "M" } else { "L" },
                num(sx(x.clamp(x0, x1)), 1),
                num(sy(y.clamp(y0, y1)), 1)
            );
        }
        let _ = write!(
            out,
            r#"<path d="{}" fill="none" stroke="{colour}" stroke-width="2"{}><title>{}</title></path>"#,
            d.trim_end(),
            if s.dashed { r#" stroke-dasharray="6 4""# } else { "" },
            esc(&s.name)
        );
        let ly = 24.0 + k as f64 * 16.0;
        line(
            &mut out,
            left + plot_w + 12.0,
            ly - 4.0,
            left + plot_w + 32.0,
            ly - 4.0,
            colour,
            s.dashed,
        );
        text(&mut out, left + plot_w + 36.0, ly, "start", &s.name);
    }
    if let Some((at, label)) = marker {
        line(&mut out, sx(at), 14.0, sx(at), h - bottom, NEG, true);
        text(&mut out, sx(at) + 4.0, 24.0, "start", label);
    }
    out.push_str("</svg>");
    out
}

/// A waterfall: from zero, each step adds its value (green up, red down); the last bar is the
/// total.
pub fn waterfall(name: &str, title: &str, steps: &[(String, f64)], total_label: &str) -> String {
    let (w, h, left, bottom) = (720.0, 240.0, 50.0, 56.0);
    let plot_w = w - left - 10.0;
    let plot_h = h - bottom - 16.0;
    let mut run = 0.0f64;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (_, v) in steps {
        run += v;
        lo = lo.min(run);
        hi = hi.max(run);
    }
    let span = (hi - lo).max(1.0);
    let sy = |v: f64| 16.0 + (hi - v) / span * plot_h;
    let n = steps.len() + 1;
    let step = plot_w / n as f64;
    let mut out = String::new();
    open(&mut out, name, title, w, h);
    line(&mut out, left, sy(0.0), w - 10.0, sy(0.0), INK, false);
    text(&mut out, left - 4.0, sy(0.0) + 4.0, "end", "0");
    let mut run = 0.0f64;
    for (i, (label, v)) in steps.iter().enumerate() {
        let x = left + i as f64 * step;
        let (a, b) = (run, run + v);
        let fill = if *v >= 0.0 { POS } else { NEG };
        rect(
            &mut out,
            x + 2.0,
            sy(a.max(b)),
            step - 4.0,
            (sy(a.min(b)) - sy(a.max(b))).abs(),
            fill,
            &format!("{label}: {v:+.2}"),
        );
        text(&mut out, x + step / 2.0, h - bottom + 14.0 + (i % 2) as f64 * 14.0, "middle", label);
        text(&mut out, x + step / 2.0, sy(a.max(b)) - 3.0, "middle", &format!("{v:+.1}"));
        run = b;
    }
    let x = left + steps.len() as f64 * step;
    rect(
        &mut out,
        x + 2.0,
        sy(run.max(0.0)),
        step - 4.0,
        (sy(run.min(0.0)) - sy(run.max(0.0))).abs(),
        SERIES[0],
        &format!("{total_label}: {run:+.2}"),
    );
    text(
        &mut out,
        x + step / 2.0,
        h - bottom + 14.0 + (steps.len() % 2) as f64 * 14.0,
        "middle",
        total_label,
    );
    text(&mut out, x + step / 2.0, sy(run.max(0.0)) - 3.0, "middle", &format!("{run:+.1}"));
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_well_formed_and_escaped() {
        let b = bars("b", "<t>", &[Bar { label: "a&b".into(), value: -2.0, note: "x".into() }]);
        assert!(b.starts_with("<svg") && b.ends_with("</svg>"));
        assert!(b.contains("a&amp;b") && b.contains("&lt;t&gt;") && b.contains("<rect"));
        let c = columns("c", "t", &[("1".into(), 10.0), ("2".into(), 0.0)], true, Some((1.0, "m")));
        assert_eq!(c.matches("<rect").count(), 1);
        let s = Series { name: "p".into(), points: vec![(0.0, 0.0), (1.0, 1.0)], dashed: false };
        assert!(lines("l", "t", &[s], (0.0, 1.0), (0.0, 1.0), "x", None).contains("<path d=\"M"));
        let w = waterfall("w", "t", &[("prior".into(), -10.0), ("name".into(), 12.0)], "total");
        assert_eq!(w.matches("<rect").count(), 3);
        assert_eq!(num(0.5000, 3), "0.5");
        assert_eq!(num(2.0, 2), "2");
    }
}
