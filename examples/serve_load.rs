//! Load test of `vnlink serve`: many keep-alive connections sending lookups or additions built
//! from a CSV file's records (each request different), for a number of seconds; prints
//! requests/s, records/s and latency percentiles as one JSON object.
//!
//! ```text
//! vnlink serve people.vnl --listen 127.0.0.1:8080 &
//! cargo run --release --example serve_load -- 127.0.0.1:8080 query records.csv --connections 32 --seconds 20
//! cargo run --release --example serve_load -- 127.0.0.1:8080 query records.csv --batch 100
//! cargo run --release --example serve_load -- 127.0.0.1:8080 add records.csv --seconds 20
//! ```
//!
//! `query` sends the CSV's records (their `record_id` left out) as lookups, `--batch` of them per
//! request; `add` sends them as new records under fresh ids (`load-<run>-<n>`). A plain HTTP/1.1
//! client on std threads: nothing but the standard library and `serde_json`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sends one request on a keep-alive connection and reads the answer; returns the status.
fn request(
    stream: &mut BufReader<TcpStream>,
    path: &str,
    token: &str,
    body: &str,
) -> std::io::Result<u16> {
    let auth =
        if token.is_empty() { String::new() } else { format!("Authorization: Bearer {token}\r\n") };
    write!(
        stream.get_mut(),
        "POST {path} HTTP/1.1\r\nHost: load\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut line = String::new();
    stream.read_line(&mut line)?;
    let status: u16 = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    Ok(status)
}

/// The records of a CSV file as JSON objects, `record_id` left out (additions get fresh ids).
fn load(
    path: &str,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, Box<dyn std::error::Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let mut records = Vec::new();
    for row in reader.records().take(200_000) {
        let row = row?;
        let mut m = serde_json::Map::new();
        for (h, v) in headers.iter().zip(row.iter()) {
            if h != "record_id" && !v.is_empty() {
                m.insert(h.to_owned(), v.into());
            }
        }
        records.push(m);
    }
    Ok(records)
}

/// The body of request `n` of connection `c`: `batch` records, under fresh ids when `adding`.
fn body_of(
    records: &[serde_json::Map<String, serde_json::Value>],
    (c, n, batch): (usize, usize, usize),
    adding: bool,
    run: u32,
) -> String {
    let items: Vec<serde_json::Value> = (0..batch)
        .map(|b| {
            let mut r = records[(n * batch + b) % records.len()].clone();
            if adding {
                r.insert("record_id".into(), format!("load-{run}-{c}-{n}-{b}").into());
            }
            serde_json::Value::Object(r)
        })
        .collect();
    if adding {
        serde_json::json!({ "records": items })
    } else {
        serde_json::json!({ "records": items, "k": 5 })
    }
    .to_string()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, mode, csv_path, ..] = args.as_slice() else {
        return Err("usage: serve_load ADDR query|add RECORDS.csv [--connections N] [--seconds S] [--batch B] [--token T]".into());
    };
    let connections = arg(&args, "--connections", 32);
    let seconds = arg(&args, "--seconds", 20);
    let batch = arg(&args, "--batch", 1).max(1);
    let token = args
        .iter()
        .position(|a| a == "--token")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_default();
    let adding = match mode.as_str() {
        "query" => false,
        "add" => true,
        other => return Err(format!("unknown mode {other}").into()),
    };
    let records = load(csv_path)?;
    let records = Arc::new(records);
    let run = std::process::id();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|c| {
            let (records, stop, sent, errors, token) = (
                Arc::clone(&records),
                Arc::clone(&stop),
                Arc::clone(&sent),
                Arc::clone(&errors),
                token.clone(),
            );
            let addr = addr.clone();
            std::thread::spawn(move || -> Vec<f64> {
                let mut latencies = Vec::new();
                let Ok(stream) = TcpStream::connect(&addr) else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    return latencies;
                };
                let _ = stream.set_nodelay(true);
                let mut stream = BufReader::new(stream);
                let mut n = c;
                while !stop.load(Ordering::Relaxed) {
                    let body = body_of(&records, (c, n, batch), adding, run);
                    let path = if adding { "/v1/records" } else { "/v1/query" };
                    let t = Instant::now();
                    match request(&mut stream, path, &token, &body) {
                        Ok(200) => {
                            latencies.push(t.elapsed().as_secs_f64());
                            sent.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    n += connections;
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds as u64));
    stop.store(true, Ordering::Relaxed);
    let mut latencies: Vec<f64> =
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect();
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0)
            * 1000.0
    };
    let requests = sent.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({
            "mode": mode, "connections": connections, "batch": batch, "seconds": elapsed,
            "requests": requests, "errors": errors.load(Ordering::Relaxed),
            "requests_per_s": requests as f64 / elapsed,
            "records_per_s": (requests as f64 * batch as f64) / elapsed,
            "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99), "max_ms": pct(1.0),
        })
    );
    Ok(())
}
