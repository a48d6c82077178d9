//! `vnlink query`: look records up in a built store.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use vnlink::dataset::Record;
use vnlink::pipeline::jsonl::{QueryStream, answer_json};
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
    sex, address, id_number, phone (any may be missing), the name and address in parts \
    (family_name, middle_name, given_name; house_number, street, ward, district, province: each \
    part taken as labelled, never reordered), and the store's extra fields by name; an unknown \
    key is an error for that line.\n\n\
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
    /// Any other field as KEY=VALUE, repeatable: a name part (`family_name`, `middle_name`,
    /// `given_name`), an address part (`house_number`, `street`, `ward`, `district`,
    /// `province`) or an extra field of the store by its name (`--field ssn=824-59-4783`).
    /// The keys are those of `--jsonl` records.
    #[arg(long = "field", value_name = "KEY=VALUE")]
    fields: Vec<String>,
    #[command(flatten)]
    matching: MatchArgs,
}

/// The record the flags describe, read as a `--jsonl` record is (unknown keys are errors).
fn record_of(args: &Args, store: &Store) -> anyhow::Result<Record> {
    let mut map = serde_json::Map::new();
    let flags = [
        ("full_name", &args.name),
        ("dob", &args.dob),
        ("sex", &args.sex),
        ("address", &args.address),
        ("id_number", &args.id),
        ("phone", &args.phone),
    ];
    for (key, value) in flags {
        if let Some(v) = value {
            map.insert(key.to_owned(), v.clone().into());
        }
    }
    for f in &args.fields {
        let Some((key, value)) = f.split_once('=') else {
            anyhow::bail!("--field {f:?}: expected KEY=VALUE (e.g. --field given_name=Barbara)");
        };
        if map.insert(key.trim().to_owned(), value.into()).is_some() {
            anyhow::bail!("--field {f:?}: `{}` is given twice", key.trim());
        }
    }
    let extras = vnlink::dataset::View::new(store)?.extras().to_vec();
    let text = serde_json::Value::Object(map).to_string();
    Record::from_json(&text, &extras).map_err(|e| anyhow::anyhow!("--field: {e}"))
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    set_threads(args.matching.threads)?;
    let matcher = args.matching.matcher()?;
    let store = Store::open(&args.store)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if !args.jsonl {
        let record = record_of(args, &store)?;
        let mut candidates = matcher.query(&store, &record, args.k)?;
        candidates.retain(|c| c.is_match || !args.only_matches);
        writeln!(out, "{}", answer_json(&candidates))?;
        out.flush()?;
        return Ok(exit(false));
    }
    let stream = QueryStream { k: args.k, only_matches: args.only_matches };
    let summary = stream.run(&matcher, &store, || std::io::stdin().lock(), &mut out)?;
    if let Some(n) = summary.stopped_at {
        anyhow::bail!("stdin: reading stopped at line {n} (see its \"error\")");
    }
    let bad = summary.unanswered;
    if bad > 0 {
        eprintln!("warning: {bad} input lines could not be answered (see their \"error\")");
    }
    Ok(exit(bad > 0))
}
