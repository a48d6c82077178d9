//! Lookups as JSON lines: one record per input line (the keys of the CSV header), one answer
//! per output line, in order — `{"candidates": [...]}`, or `{"error": "stdin line N: …"}` for a
//! line that cannot be answered (bad JSON, an unknown key, not UTF-8, longer than 1 MiB), the
//! others answered all the same. This is `vnlink query --jsonl`.
//!
//! A reader thread hands lines over as they arrive; the scorer takes what has arrived (up to a
//! batch of 4,096), answers it in parallel and flushes. A client that sends one line and waits
//! gets its answer at once; a file or a busy pipe is answered in batches.

use std::io::{BufRead, Write};

use rayon::prelude::*;
use serde_json::json;

use crate::dataset::{Record, View};
use crate::error::{Error, Result};
use crate::pipeline::{Candidate, Matcher};
use crate::store::Store;

/// Lines answered together at most.
const BATCH: usize = 4096;

/// Longest input line read (1 MiB); a longer one gets an error answer.
pub const MAX_LINE: usize = 1 << 20;

/// A stream of lookups: how many candidates each answer lists and which.
#[derive(Clone, Copy, Debug)]
pub struct QueryStream {
    /// Candidates per answer, best first.
    pub k: usize,
    /// Only candidates at or above the threshold.
    pub only_matches: bool,
}

/// What a stream did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamSummary {
    /// Lines read.
    pub lines: u64,
    /// Lines answered with an error.
    pub unanswered: u64,
    /// The line at which reading failed (an I/O error), if it did; nothing after it was read.
    pub stopped_at: Option<u64>,
}

/// One input line: its text, or why it cannot be read.
struct Line {
    number: u64,
    text: std::result::Result<String, String>,
    /// Reading failed: no line follows.
    fatal: bool,
}

impl QueryStream {
    /// Answers every line of the input into `out` (flushed after each batch) with `matcher`
    /// against `store`. The input is opened by `open_input` on the reader thread (so that a
    /// locked stdin, which cannot change threads, can be read: `|| std::io::stdin().lock()`).
    pub fn run<R: BufRead>(
        &self,
        matcher: &Matcher,
        store: &Store,
        open_input: impl FnOnce() -> R + Send + 'static,
        out: &mut impl Write,
    ) -> Result<StreamSummary> {
        let write_err = |e: std::io::Error| Error::io("standard output", e);
        // Warm up (name frequencies, model) once before the parallel batches.
        matcher.query(store, &Record::default(), 1)?;
        let extras = View::new(store)?.extras().to_vec();
        // A reader thread hands lines over as they arrive; the scorer takes what has arrived (up to
        // a batch), answers it in parallel and flushes. A client that sends one line and waits gets
        // its answer at once; a file or a busy pipe is answered in batches.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Line>(2 * BATCH);
        std::thread::spawn(move || read_lines(open_input(), &tx));
        let mut summary = StreamSummary::default();
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(line) => batch.push(line),
                    Err(_) => break,
                }
            }
            let answers: Vec<(bool, String)> = batch
                .par_iter()
                .map(|line| {
                    let n = line.number;
                    let error = |e: &dyn std::fmt::Display| {
                        (false, json!({ "error": format!("stdin line {n}: {e}") }).to_string())
                    };
                    let text = match &line.text {
                        Ok(text) => text,
                        Err(e) => return error(e),
                    };
                    match Record::from_json(text, &extras) {
                        Ok(record) => match matcher.query(store, &record, self.k) {
                            Ok(mut c) => {
                                c.retain(|c| c.is_match || !self.only_matches);
                                (true, answer_json(&c))
                            }
                            Err(e) => error(&e),
                        },
                        Err(e) => error(&e),
                    }
                })
                .collect();
            for (ok, text) in answers {
                summary.lines += 1;
                summary.unanswered += u64::from(!ok);
                writeln!(out, "{text}").map_err(write_err)?;
            }
            out.flush().map_err(write_err)?;
            if let Some(line) = batch.iter().find(|l| l.fatal) {
                summary.stopped_at = Some(line.number);
                break;
            }
        }
        Ok(summary)
    }
}

/// Reads `input` line by line into `tx` (until the end, a read error, or the receiver is gone):
/// invalid UTF-8 and overlong lines become that line's error, and reading goes on.
fn read_lines(mut input: impl BufRead, tx: &std::sync::mpsc::SyncSender<Line>) {
    let mut number = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        number += 1;
        let line = match read_line_bounded(&mut input, &mut buf, MAX_LINE) {
            Ok(None) => return,
            Ok(Some(false)) => {
                while buf.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
                    buf.pop();
                }
                let text = String::from_utf8(std::mem::take(&mut buf)).map_err(|e| {
                    format!(
                        "not UTF-8 (invalid byte at column {}); write the queries in UTF-8",
                        e.utf8_error().valid_up_to() + 1
                    )
                });
                Line { number, text, fatal: false }
            }
            Ok(Some(true)) => Line {
                number,
                text: Err(format!("longer than {MAX_LINE} bytes; not read")),
                fatal: false,
            },
            Err(e) => Line { number, text: Err(format!("cannot read: {e}")), fatal: true },
        };
        let stop = line.fatal;
        if tx.send(line).is_err() || stop {
            return;
        }
    }
}

/// Reads one line (with its `\n`) into `buf`, keeping at most `limit` bytes: `None` at the end of
/// the input, `Some(true)` when the line was longer (the rest of it is skipped).
fn read_line_bounded(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<bool>> {
    let mut seen = 0usize;
    loop {
        let chunk = match input.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((seen > 0).then_some(seen > limit));
        }
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if seen + take <= limit {
            buf.extend_from_slice(&chunk[..take]);
        }
        seen += take;
        input.consume(take);
        if done {
            return Ok(Some(seen > limit));
        }
    }
}

/// One answer line: `{"candidates": [...]}`, serialised directly (no intermediate JSON tree).
pub fn answer_json(candidates: &[Candidate]) -> String {
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        candidates: &'a [Candidate],
    }
    serde_json::to_string(&Answer { candidates })
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string())
}
