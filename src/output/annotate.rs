//! `--annotate`: the input file written back with three columns appended — `cluster_id`,
//! `cluster_size`, `best_match_probability` — in the input's own encoding (UTF-8 with or
//! without a byte-order mark, UTF-16 LE/BE, Windows-1258/1252), delimiter and line ends, every
//! row in its place. A row the run skipped (a bad row) keeps empty cells: nothing is dropped.
//!
//! Rows are found by their record id. Fields are copied as bytes (an 8-bit file stays in its
//! code page, legacy TCVN3/VNI text untouched); the CSV writer quotes a field only when it must,
//! so a field quoted without need in the input may come back unquoted.

use std::path::Path;

use crate::error::{Error, Result};
use crate::ingest::Encoding;
use crate::ingest::encoding::decode_field;

/// What the run says of one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// Its cluster's id.
    pub cluster_id: String,
    /// The records of its cluster.
    pub cluster_size: u64,
    /// The highest match probability of its pairs at or above the threshold (`None`: none).
    pub best_match_probability: Option<f64>,
}

/// How many rows were written back, and how many of them had an annotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Annotated {
    /// Data rows written (the header excluded).
    pub rows: u64,
    /// Rows whose record id the run knew.
    pub annotated: u64,
}

/// The appended columns' header.
pub const COLUMNS: [&str; 3] = ["cluster_id", "cluster_size", "best_match_probability"];

/// Writes `input` back to `out` with the annotations appended; `id_column` is the index of the
/// record-id column, `header` whether the first line is a header; `annotation(id)` gives what
/// the run says of the record with that id.
pub fn annotate(
    input: &Path,
    out: &Path,
    (encoding, delimiter): (Encoding, u8),
    id_column: usize,
    header: bool,
    annotation: impl Fn(&str) -> Option<Annotation>,
) -> Result<Annotated> {
    let bytes = std::fs::read(input).map_err(|e| Error::io(input, e))?;
    // The rows as UTF-8 or as the 8-bit code page's bytes.
    let (work, field_encoding): (std::borrow::Cow<'_, [u8]>, Encoding) = match encoding {
        Encoding::Utf8Bom => {
            (bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes).into(), Encoding::Utf8)
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let codec = if encoding == Encoding::Utf16Le {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let (text, _) = codec.decode_with_bom_removal(&bytes);
            (text.into_owned().into_bytes().into(), Encoding::Utf8)
        }
        other => (bytes.as_slice().into(), other),
    };
    let crlf = work.windows(2).any(|w| w == b"\r\n");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(work.as_ref());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(Vec::with_capacity(work.len() + work.len() / 4));
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(0, csv::Position::line);
        Error::Csv { path: input.into(), line, field: String::new(), reason: e.to_string() }
    };
    let encode = |s: &str| -> Vec<u8> {
        match field_encoding {
            Encoding::Windows1258 => encoding_rs::WINDOWS_1258.encode(s).0.into_owned(),
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(s).0.into_owned(),
            _ => s.as_bytes().to_vec(),
        }
    };
    let mut counts = Annotated { rows: 0, annotated: 0 };
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    let mut id = String::new();
    while reader.read_byte_record(&mut record).map_err(csv_err)? {
        let mut row = record.clone();
        if first && header {
            for c in COLUMNS {
                row.push_field(&encode(c));
            }
        } else {
            counts.rows += 1;
            id.clear();
            let raw = record.get(id_column).unwrap_or_default();
            let found = if decode_field(field_encoding, raw, &mut id).is_ok() {
                annotation(id.trim())
            } else {
                None
            };
            match found {
                Some(a) => {
                    counts.annotated += 1;
                    row.push_field(&encode(&a.cluster_id));
                    row.push_field(a.cluster_size.to_string().as_bytes());
                    let best = a.best_match_probability.map(|p| format!("{p:.6}"));
                    row.push_field(best.unwrap_or_default().as_bytes());
                }
                None => {
                    for _ in COLUMNS {
                        row.push_field(b"");
                    }
                }
            }
        }
        first = false;
        writer.write_byte_record(&row).map_err(csv_err)?;
    }
    let text = writer.into_inner().map_err(|e| Error::io(out, e.into_error()))?;
    let bytes = match encoding {
        Encoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), &text].concat(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let s = String::from_utf8_lossy(&text);
            let le = encoding == Encoding::Utf16Le;
            let mut v = if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
            for unit in s.encode_utf16() {
                let [lo, hi] = unit.to_le_bytes();
                v.extend_from_slice(&if le { [lo, hi] } else { [hi, lo] });
            }
            v
        }
        _ => text,
    };
    crate::util::fs::atomic_write(out, &bytes)?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], encoding: Encoding) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let (i, o) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
        std::fs::write(&i, input).unwrap();
        let got = annotate(&i, &o, (encoding, b';'), 0, true, |id| {
            (id == "a").then(|| Annotation {
                cluster_id: "a".into(),
                cluster_size: 2,
                best_match_probability: Some(0.5),
            })
        })
        .unwrap();
        assert_eq!(got, Annotated { rows: 2, annotated: 1 });
        std::fs::read(&o).unwrap()
    }

    #[test]
    fn rows_come_back_in_their_encoding_with_three_columns() {
        let out =
            run(b"\xEF\xBB\xBFid;name\r\na;Nguy\xE1\xBB\x85n\r\nb;\"x;y\"\r\n", Encoding::Utf8Bom);
        assert_eq!(
            out,
            b"\xEF\xBB\xBFid;name;cluster_id;cluster_size;best_match_probability\r\n\
              a;Nguy\xE1\xBB\x85n;a;2;0.500000\r\nb;\"x;y\";;;\r\n"
        );
        // An 8-bit file keeps its bytes (0xD2 is not UTF-8).
        let out = run(b"id;name\na;\xD2\nb;c\n", Encoding::Windows1258);
        assert_eq!(out, b"id;name;cluster_id;cluster_size;best_match_probability\na;\xD2;a;2;0.500000\nb;c;;;\n");
        // UTF-16 LE with its BOM.
        let text = "id;name\na;Vũ\nb;c\n";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let out = run(&utf16, Encoding::Utf16Le);
        assert_eq!(&out[..2], &[0xFF, 0xFE]);
        let back = String::from_utf16(
            &out[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(
            back,
            "id;name;cluster_id;cluster_size;best_match_probability\na;Vũ;a;2;0.500000\nb;c;;;\n"
        );
    }
}
