//! `vnlink query`: look records up in a built store.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rayon::prelude::*;
use serde_json::json;
use vnlink::dataset::Record;
use vnlink::store::Store;

use super::common::{MatchArgs, exit, set_threads};

/// Look one record (from flags) or many (JSON lines on stdin) up in a store: the best
/// candidates with their match probability, weight and explanation.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    vnlink query people.vnl --name \"Nguyễn Văn An\" --dob 05/03/1980 --id 001080012345\n  \
    echo '{\"full_name\":\"Tran Thi Binh\",\"dob\":\"1990\",\"phone\":\"0912345678\"}' | vnlink query people.vnl --jsonl -k 3\n\n\
    Prints one JSON object per query: {\"candidates\": [{\"record_id\", \"match_probability\", \
    \"match_weight\", \"is_match\", \"fields\", \"explanation\"}, …]}, best first; \"is_match\" \
    says whether the probability reaches --threshold (default 0.95), \"fields\" are the stored \
    record's values as written. Input keys for --jsonl are those of the CSV header: full_name, dob, \
    sex, address, id_number, phone (any may be missing), and the store's extra fields by name; an \
    unknown key is an error for that line.\n\n\
    Scoring uses the model saved in the store (by `vnlink dedupe` or `vnlink train --save`), else \
    --model, else the built-in reference model; lookups never train. The prior is one in the \
    store's size.\n\n\
    Memory maps: the store is opened once and memory-mapped from that open file. Replacing it \
    while a query runs is safe when it is replaced by a rename, as vnlink build/dedupe/train \
    --save do: the running query keeps the old file and its answers stay those of the old \
    store; the next query sees the new one. Truncating or rewriting the file in place (cp over \
    it, `> people.vnl`, a sync tool that writes in place) while a query runs can kill the query \
    with SIGBUS or change the bytes it reads: replace stores by renaming a finished file over \
    them.")]
pub struct Args {
    /// The store (`.vnl`, from `vnlink build` or `vnlink dedupe`).
    store: PathBuf,
    /// Read one JSON record per line on stdin and answer each on one line, in order.
    #[arg(long)]
    jsonl: bool,
    /// Candidates to return.
    #[arg(short, default_value_t = 5)]
    k: usize,
    /// Return only the candidates whose match probability reaches the threshold.
    #[arg(long)]
    only_matches: bool,
    /// Full name.
    #[arg(long)]
    name: Option<String>,
    /// Date of birth.
    #[arg(long)]
    dob: Option<String>,
    /// Sex.
    #[arg(long)]
    sex: Option<String>,
    /// Address.
    #[arg(long)]
    address: Option<String>,
    /// National id (CCCD or CMND).
    #[arg(long)]
    id: Option<String>,
    /// Phone.
    #[arg(long)]
    phone: Option<String>,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    set_threads(args.matching.threads)?;
    let matcher = args.matching.matcher()?;
    let store = Store::open(&args.store)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !args.jsonl {
        let record = Record {
            record_id: String::new(),
            full_name: args.name.clone().unwrap_or_default(),
            dob: args.dob.clone().unwrap_or_default(),
            sex: args.sex.clone().unwrap_or_default(),
            address: args.address.clone().unwrap_or_default(),
            id_number: args.id.clone().unwrap_or_default(),
            phone: args.phone.clone().unwrap_or_default(),
            extras: Vec::new(),
        };
        let mut candidates = matcher.query(&store, &record, args.k)?;
        candidates.retain(|c| c.is_match || !args.only_matches);
        writeln!(out, "{}", answer(&candidates))?;
        out.flush()?;
        return Ok(exit(false));
    }
    // Warm up (name frequencies, model) once before the parallel batches.
    matcher.query(&store, &Record::default(), 1)?;
    let extras = vnlink::dataset::View::new(&store)?.extras().to_vec();
    // A reader thread hands lines over as they arrive; the scorer takes what has arrived (up to
    // a batch), answers it in parallel and flushes. A client that sends one line and waits gets
    // its answer at once; a file or a busy pipe is answered in batches.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Line>(2 * BATCH);
    std::thread::spawn(move || read_lines(std::io::stdin().lock(), &tx));
    let mut bad = 0u64;
    let mut fatal = None;
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
                    Ok(record) => match matcher.query(&store, &record, args.k) {
                        Ok(mut c) => {
                            c.retain(|c| c.is_match || !args.only_matches);
                            (true, answer(&c))
                        }
                        Err(e) => error(&e),
                    },
                    Err(e) => error(&e),
                }
            })
            .collect();
        for (ok, text) in answers {
            bad += u64::from(!ok);
            writeln!(out, "{text}")?;
        }
        out.flush()?;
        if let Some(line) = batch.iter().find(|l| l.fatal) {
            fatal = Some(line.number);
            break;
        }
    }
    if let Some(n) = fatal {
        anyhow::bail!("stdin: reading stopped at line {n} (see its \"error\")");
    }
    if bad > 0 {
        eprintln!("warning: {bad} input lines could not be answered (see their \"error\")");
    }
    Ok(exit(bad > 0))
}

/// Queries answered together when they are waiting.
const BATCH: usize = 4096;

/// The longest query line read (longer lines are answered with an error, not read into memory).
const MAX_LINE: usize = 1 << 20;

/// One line of stdin: its text, or why it cannot be read.
struct Line {
    number: u64,
    text: Result<String, String>,
    /// Reading stdin failed: no line follows.
    fatal: bool,
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
fn answer(candidates: &[vnlink::pipeline::Candidate]) -> String {
    #[derive(serde::Serialize)]
    struct Answer<'a> {
        candidates: &'a [vnlink::pipeline::Candidate],
    }
    serde_json::to_string(&Answer { candidates })
        .unwrap_or_else(|e| json!({ "error": e.to_string() }).to_string())
}
