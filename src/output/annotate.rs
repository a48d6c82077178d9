//! `--annotate`: the input file written back with three columns appended — `cluster_id`,
//! `cluster_size`, `best_match_probability` — in the input's own encoding (UTF-8 with or
//! without a byte-order mark, UTF-16 LE/BE, Windows-1258/1252), delimiter and line ends, every
//! row in its place. A row the run skipped (a bad row) keeps empty cells: nothing is dropped.
//!
//! Rows are found by their record id. Fields are copied as bytes (an 8-bit file stays in its
//! code page, legacy TCVN3/VNI text untouched); the CSV writer quotes a field only when it must,
//! so a field quoted without need in the input may come back unquoted. The rows stream (a
//! national register does not fit in memory twice), UTF-16 files excepted: they are decoded
//! whole.

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
    let crlf = uses_crlf(input)?;
    let mut file = crate::util::fs::AtomicFile::create(out)?;
    let counts = match encoding {
        // UTF-16 is read and written whole (the CSV reader wants bytes it can split on
        // delimiters); every other encoding streams.
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let bytes = std::fs::read(input).map_err(|e| Error::io(input, e))?;
            let le = encoding == Encoding::Utf16Le;
            let codec = if le { encoding_rs::UTF_16LE } else { encoding_rs::UTF_16BE };
            let (text, _) = codec.decode_with_bom_removal(&bytes);
            let mut utf8 = Vec::with_capacity(text.len() + text.len() / 4);
            let counts = copy_rows(
                input,
                text.as_bytes(),
                &mut utf8,
                (Encoding::Utf8, delimiter, crlf),
                (id_column, header),
                &annotation,
            )?;
            let mut v = Vec::with_capacity(utf8.len() * 2 + 2);
            v.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
            for unit in String::from_utf8_lossy(&utf8).encode_utf16() {
                let [lo, hi] = unit.to_le_bytes();
                v.extend_from_slice(&if le { [lo, hi] } else { [hi, lo] });
            }
            std::io::Write::write_all(&mut file, &v).map_err(|e| Error::io(out, e))?;
            counts
        }
        _ => {
            let mut reader = std::io::BufReader::with_capacity(
                1 << 20,
                std::fs::File::open(input).map_err(|e| Error::io(input, e))?,
            );
            let field_encoding = if encoding == Encoding::Utf8Bom {
                // The mark goes to the output as it came.
                let mut bom = [0u8; 3];
                std::io::Read::read_exact(&mut reader, &mut bom)
                    .map_err(|e| Error::io(input, e))?;
                std::io::Write::write_all(&mut file, &bom).map_err(|e| Error::io(out, e))?;
                Encoding::Utf8
            } else {
                encoding
            };
            copy_rows(
                input,
                reader,
                &mut file,
                (field_encoding, delimiter, crlf),
                (id_column, header),
                &annotation,
            )?
        }
    };
    file.commit()?;
    Ok(counts)
}

/// Whether the file's first line ends with CR LF.
fn uses_crlf(input: &Path) -> Result<bool> {
    let mut head = vec![0u8; 64 * 1024];
    let mut f = std::fs::File::open(input).map_err(|e| Error::io(input, e))?;
    let n = crate::ingest::reader::read_head(&mut f, &mut head).map_err(|e| Error::io(input, e))?;
    let head = &head[..n];
    // UTF-16 line ends are CR 00 LF 00 (LE) or 00 CR 00 LF (BE): CR then LF within two bytes.
    Ok(head
        .iter()
        .position(|&b| b == b'\n')
        .is_some_and(|i| head[..i].iter().rev().take(2).any(|&b| b == b'\r')))
}

/// Copies the CSV rows of `from` to `to` with the annotations appended; field texts are in
/// `encoding` (UTF-8 or an 8-bit code page).
fn copy_rows(
    input: &Path,
    from: impl std::io::Read,
    to: impl std::io::Write,
    (encoding, delimiter, crlf): (Encoding, u8, bool),
    (id_column, header): (usize, bool),
    annotation: &impl Fn(&str) -> Option<Annotation>,
) -> Result<Annotated> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(from);
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
        .from_writer(std::io::BufWriter::with_capacity(1 << 20, to));
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(0, csv::Position::line);
        Error::Csv { path: input.into(), line, field: String::new(), reason: e.to_string() }
    };
    let encode = |s: &str| -> Vec<u8> {
        match encoding {
            Encoding::Windows1258 => encoding_rs::WINDOWS_1258.encode(s).0.into_owned(),
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252.encode(s).0.into_owned(),
            _ => s.as_bytes().to_vec(),
        }
    };
    let mut counts = Annotated { rows: 0, annotated: 0 };
    let mut row = csv::ByteRecord::new();
    let mut first = true;
    let mut id = String::new();
    while reader.read_byte_record(&mut row).map_err(csv_err)? {
        if first && header {
            for c in COLUMNS {
                row.push_field(&encode(c));
            }
        } else {
            counts.rows += 1;
            id.clear();
            let raw = row.get(id_column).unwrap_or_default();
            let found = if decode_field(encoding, raw, &mut id).is_ok() {
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
    let inner = writer.into_inner().map_err(|e| Error::io(input, e.into_error()))?;
    inner.into_inner().map_err(|e| Error::io(input, e.into_error()))?;
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
