//! The last stage: output files. `pairs.csv`, `clusters.csv`, `links.csv` and `report.json`
//! are written atomically (a temporary file in the same directory, then a rename), so that a
//! reader never sees half a file and a failed run leaves the previous file in place.
//!
//! | function | writes |
//! |---|---|
//! | [`write_clusters`] | `record_id,cluster_id`, one row per record |
//! | [`write_pairs`] | `left_id,right_id,match_probability,match_weight`, one level per field, then [`PairColumns`] |
//! | [`write_links`] | a link's pairs without the levels |
//! | [`write_json`] | any report, pretty-printed |
//!
//! A command that writes several files stages them together ([`OutputSet`]: a private
//! directory inside the output directory, renamed into place at the end under a lock on the
//! directory); [`check_not_input`] refuses an output that is one of the inputs; [`clean_stale`]
//! removes what a killed run left; [`remove_registered_temps`] is for a signal handler.
//!
//! CSV cells that a spreadsheet would run as a formula (a record id such as
//! `=HYPERLINK("http://…")`) are escaped with a leading `'` unless [`CsvStyle::escape_formulas`]
//! is off; see [`escape_formula`]. vnlink's own readers of these files (`vnlink eval`,
//! `vnlink train --labels`) undo the escape with [`unescape_formula`].

pub mod annotate;

use std::borrow::Cow;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::pipeline::Pair;
use crate::pipeline::query::StoredRecords;
pub use crate::util::formula::{FORMULA_CHARS, escape_formula, unescape_formula};
pub use crate::util::fs::{
    AtomicFile, OutputSet, TempDir, atomic_write, check_not_input, clean_stale, create_dir_all,
    remove_registered_temps,
};

/// How CSV outputs are written.
#[derive(Debug, Clone, Copy)]
pub struct CsvStyle {
    /// Prefix cells that start like a spreadsheet formula with `'` ([`escape_formula`]).
    pub escape_formulas: bool,
}

impl Default for CsvStyle {
    fn default() -> Self {
        CsvStyle { escape_formulas: true }
    }
}

impl CsvStyle {
    /// `cell`, escaped if this style says so.
    pub fn cell<'a>(&self, cell: &'a str) -> Cow<'a, str> {
        if self.escape_formulas { escape_formula(cell) } else { Cow::Borrowed(cell) }
    }
}

fn csv_writer(file: &mut AtomicFile) -> csv::Writer<&mut AtomicFile> {
    csv::WriterBuilder::new().from_writer(file)
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => {
            Error::Io { path: path.into(), source: std::io::Error::other(format!("{other:?}")) }
        }
    }
}

/// The label of a level of one of `model`'s fields (`missing` for level 0).
pub fn level_label(model: &Model, field: usize, level: u8) -> &str {
    match level {
        0 => "missing",
        l => model
            .fields
            .get(field)
            .and_then(|f| f.levels.get(usize::from(l) - 1))
            .map_or("?", |l| l.label.as_str()),
    }
}

/// Columns `pairs.csv` may carry besides the ids, scores and levels.
#[derive(Default)]
pub struct PairColumns<'a> {
    /// Each record's cluster (a dedupe, in the pairs' indices): a `cluster` column says
    /// `joined` when the pair's records ended in one cluster, `split_cannot_link` when the
    /// cannot-link rule kept them apart (their clusters hold different valid CCCDs).
    pub labels: Option<&'a [u32]>,
    /// Both records' values of each field, as their source wrote them (`--pairs-values`):
    /// the left records' then the right records' (the same store in a dedupe).
    pub values: Option<(&'a StoredRecords<'a>, &'a StoredRecords<'a>)>,
}

/// The field names [`PairColumns::values`] writes, in order.
fn value_fields(extras: &[String]) -> Vec<String> {
    let mut v: Vec<String> =
        ["full_name", "dob", "sex", "address", "id_number", "phone"].map(String::from).to_vec();
    v.extend(extras.iter().cloned());
    v
}

fn record_values(r: &crate::dataset::Record) -> Vec<&str> {
    let mut v = vec![
        r.full_name.as_str(),
        r.dob.as_str(),
        r.sex.as_str(),
        r.address.as_str(),
        r.id_number.as_str(),
        r.phone.as_str(),
    ];
    v.extend(r.extras.iter().map(String::as_str));
    v
}

impl PairColumns<'_> {
    fn header(&self) -> Vec<String> {
        let mut h = Vec::new();
        if self.labels.is_some() {
            h.push("cluster".to_owned());
        }
        if let Some((l, _)) = self.values {
            for f in value_fields(l.extra_names()) {
                h.push(format!("left_{f}"));
                h.push(format!("right_{f}"));
            }
        }
        h
    }

    fn cells(&self, p: &Pair, style: CsvStyle) -> Result<Vec<String>> {
        let mut c = Vec::new();
        if let Some(labels) = self.labels {
            let of = |i: u32| labels.get(i as usize).copied();
            let joined = of(p.left) == of(p.right);
            c.push(if joined { "joined" } else { "split_cannot_link" }.to_owned());
        }
        if let Some((l, r)) = self.values {
            let (a, b) = (l.get(p.left)?, r.get(p.right)?);
            for (x, y) in record_values(&a).into_iter().zip(record_values(&b)) {
                c.push(style.cell(x).into_owned());
                c.push(style.cell(y).into_owned());
            }
        }
        Ok(c)
    }
}

/// Writes `pairs.csv`: `left_id,right_id,match_probability,match_weight`, one column per field
/// of `model` with the level's label, then the [`PairColumns`] asked for. `left_id(i)`/
/// `right_id(i)` give the record ids.
pub fn write_pairs<'a>(
    path: &Path,
    model: &Model,
    pairs: &[Pair],
    left_id: impl Fn(u32) -> &'a str,
    right_id: impl Fn(u32) -> &'a str,
    style: CsvStyle,
    more: &PairColumns<'_>,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = csv_writer(&mut file);
        let mut header: Vec<String> =
            ["left_id", "right_id", "match_probability", "match_weight"].map(String::from).to_vec();
        header.extend(model.fields.iter().map(|f| f.name.clone()));
        header.extend(more.header());
        w.write_record(&header).map_err(|e| csv_err(path, e))?;
        for p in pairs {
            let mut row: Vec<String> = vec![
                style.cell(left_id(p.left)).into_owned(),
                style.cell(right_id(p.right)).into_owned(),
                format!("{:.6}", p.match_probability),
                format!("{:.4}", p.match_weight),
            ];
            row.extend(level_cells(model, p));
            row.extend(more.cells(p, style)?);
            w.write_record(&row).map_err(|e| csv_err(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    file.commit()
}

/// A pair's level label for each of the model's fields.
fn level_cells<'m>(model: &'m Model, p: &'m Pair) -> impl Iterator<Item = String> + 'm {
    p.levels
        .iter()
        .take(model.fields.len())
        .enumerate()
        .map(|(f, &l)| level_label(model, f, l).to_owned())
}

/// Writes `links.csv`: `left_id,right_id,match_probability,match_weight`.
pub fn write_links<'a>(
    path: &Path,
    pairs: &[Pair],
    left_id: impl Fn(u32) -> &'a str,
    right_id: impl Fn(u32) -> &'a str,
    style: CsvStyle,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = csv_writer(&mut file);
        w.write_record(["left_id", "right_id", "match_probability", "match_weight"])
            .map_err(|e| csv_err(path, e))?;
        for p in pairs {
            w.write_record([
                &*style.cell(left_id(p.left)),
                &*style.cell(right_id(p.right)),
                &format!("{:.6}", p.match_probability),
                &format!("{:.4}", p.match_weight),
            ])
            .map_err(|e| csv_err(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    file.commit()
}

/// Writes `clusters.csv`: `record_id,cluster_id`, one row per record in store order; a cluster's
/// id is the record id of its first record.
pub fn write_clusters<'a>(
    path: &Path,
    labels: &[u32],
    id: impl Fn(u32) -> &'a str,
    style: CsvStyle,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = csv_writer(&mut file);
        w.write_record(["record_id", "cluster_id"]).map_err(|e| csv_err(path, e))?;
        for (i, &l) in labels.iter().enumerate() {
            w.write_record([style.cell(id(i as u32)).as_ref(), style.cell(id(l)).as_ref()])
                .map_err(|e| csv_err(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    file.commit()
}

/// Writes the `clusters.csv` of a link and dedupe: `source,record_id,cluster_id`, one row per
/// record in input order; `id(i)` is record `i`'s (source, record id), and a cluster's id is
/// `source:record_id` of its first record.
pub fn write_sourced_clusters<'a>(
    path: &Path,
    labels: &[u32],
    id: impl Fn(u32) -> (&'a str, &'a str),
    style: CsvStyle,
) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = csv_writer(&mut file);
        w.write_record(["source", "record_id", "cluster_id"]).map_err(|e| csv_err(path, e))?;
        for (i, &l) in labels.iter().enumerate() {
            let (source, record) = id(i as u32);
            let (cs, cr) = id(l);
            let cluster = format!("{cs}:{cr}");
            w.write_record([&*style.cell(source), &*style.cell(record), &*style.cell(&cluster)])
                .map_err(|e| csv_err(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    file.commit()
}

/// Writes the pairs of a link and dedupe: `source_left,left_id,source_right,right_id,
/// match_probability,match_weight`, and with `model` one level per field (`pairs.csv`; without,
/// `links.csv`), then with `labels` (each record's cluster) the `cluster` column of
/// [`PairColumns::labels`].
pub fn write_sourced_pairs<'a>(
    path: &Path,
    model: Option<&Model>,
    pairs: &[Pair],
    id: impl Fn(u32) -> (&'a str, &'a str),
    style: CsvStyle,
    labels: Option<&[u32]>,
) -> Result<()> {
    let more = PairColumns { labels, values: None };
    let mut file = AtomicFile::create(path)?;
    {
        let mut w = csv_writer(&mut file);
        let mut header = vec![
            "source_left",
            "left_id",
            "source_right",
            "right_id",
            "match_probability",
            "match_weight",
        ];
        header.extend(model.iter().flat_map(|m| m.fields.iter().map(|f| f.name.as_str())));
        let more_header = more.header();
        header.extend(more_header.iter().map(String::as_str));
        w.write_record(&header).map_err(|e| csv_err(path, e))?;
        for p in pairs {
            let ((sl, il), (sr, ir)) = (id(p.left), id(p.right));
            let mut row: Vec<String> = [sl, il, sr, ir]
                .iter()
                .map(|c| style.cell(c).into_owned())
                .chain([format!("{:.6}", p.match_probability), format!("{:.4}", p.match_weight)])
                .collect();
            if let Some(m) = model {
                row.extend(level_cells(m, p));
            }
            row.extend(more.cells(p, style)?);
            w.write_record(&row).map_err(|e| csv_err(path, e))?;
        }
        w.flush().map_err(|e| Error::io(path, e))?;
    }
    file.commit()
}

/// Writes any serialisable value as pretty JSON, atomically.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Io { path: path.into(), source: std::io::Error::other(e) })?;
    text.push('\n');
    crate::util::fs::atomic_write(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_escaped_and_unescaped() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let e = escape_formula(cell);
            assert_eq!(e, format!("'{cell}"));
            assert_eq!(unescape_formula(&e), cell);
        }
        for cell in ["abc", "1", "'quoted", "Nguyễn", ""] {
            assert_eq!(escape_formula(cell), cell);
            assert_eq!(unescape_formula(cell), cell);
        }
    }
}
