//! The identity service over HTTP (`vnlink serve`): lookups, durable additions with stable
//! cluster ids, records and clusters by id, health and metrics, on axum (hyper, tokio).
//!
//! | method and path | scope | what |
//! |---|---|---|
//! | `POST /v1/query` | `query` | `{"records": [{…}], "k": 5}` → `{"results": [{"candidates": […]}]}`, one result per record, in order; a record that cannot be read gets `{"error": …}` in its slot |
//! | `POST /v1/records` | `write` | `{"records": [{"record_id": …, …}]}` → `{"results": [{"record_id", "cluster_id", "action", "matches"}]}`, answered once the records are on disk |
//! | `GET /v1/records/{id}` | `query` | the record as written, with its cluster id |
//! | `DELETE /v1/records/{id}` | `write` | the record deleted (logged first); its cluster regrouped without it: `{"record_id", "cluster_id", "split": [...]}` |
//! | `GET /v1/clusters/{id}` | `query` | the cluster's members, oldest first |
//! | `GET /healthz` | none | `ok` |
//! | `GET /metrics` | `admin` | Prometheus text: requests by endpoint and status, latencies, records, log size |
//!
//! Writes go through one writer thread: it takes every request waiting, assigns their records
//! to clusters, logs them as one entry with one sync (group commit), publishes the result and
//! answers each request. Readers never wait for it: the matcher is kept twice. Lookups read the
//! published copy (a snapshot per request, taken without a lock: [`arc_swap`]); the writer
//! changes the other, swaps the two once the batch is on disk, waits for the last reader of
//! the old one to finish and applies the same additions to it (their matches as decided, not
//! scored again). The store itself is mapped once and shared by both copies.
//!
//! With a certificate and key (`--tls-cert`, `--tls-key`, PEM) it serves HTTPS (rustls).
//! Without a tokens file the server listens on loopback addresses only and asks for no token.
//! With one, every request but `/healthz` needs `Authorization: Bearer TOKEN` whose scope covers
//! it, within the token's records-per-request and rate limits, and each is written to the audit
//! log (JSON lines: time, token name, endpoint, status, record count, keyed hashes of the record
//! ids involved — never a value). Error messages name fields, never their values.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::{Scope, Tokens, keyed_hash};
use super::{Entry, Service, Wal, apply_batch, check_batch, logged};
use crate::dataset::Record;
use crate::error::{Error, Result};
use crate::pipeline::{Assignment, Incremental, Planned, PlannedDelete};
use crate::schema::ExtraField;
use arc_swap::ArcSwap;

/// How to run the server.
#[derive(Debug)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Tokens (required to listen on a non-loopback address).
    pub tokens: Option<Tokens>,
    /// Where the audit log goes (JSON lines, appended); `None`: no audit log.
    pub audit_log: Option<PathBuf>,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Most records per request when no token says otherwise.
    pub max_records: usize,
    /// Candidates per query record when the request does not say.
    pub default_k: usize,
    /// Compact the store (fold the log into a new generation, in the background) when the log
    /// reaches this many bytes; 0: never.
    pub compact_at: u64,
    /// Serve HTTPS with this certificate chain and private key (PEM files); `None`: plain HTTP.
    pub tls: Option<(PathBuf, PathBuf)>,
}

type Reply = Result<Vec<std::result::Result<Assignment, String>>>;

enum Job {
    /// The server stopped: the writer ends (after the jobs sent before).
    Stop,
    Add {
        records: Vec<Record>,
        reply: tokio::sync::oneshot::Sender<Reply>,
    },
    Delete {
        record_id: String,
        reply: tokio::sync::oneshot::Sender<Result<crate::pipeline::Deletion>>,
    },
}

/// Request counts and latencies by endpoint.
#[derive(Default)]
struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Per endpoint: counts per latency bucket ([`BUCKETS`], then +Inf), sum of seconds.
    latency: Mutex<BTreeMap<&'static str, ([u64; BUCKETS.len() + 1], f64)>>,
}

/// Latency histogram bounds, in seconds.
const BUCKETS: [f64; 10] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0];

impl Metrics {
    fn observe(&self, endpoint: &'static str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((endpoint, status))
            .or_default() += 1;
        let mut lat = self.latency.lock().unwrap_or_else(PoisonError::into_inner);
        let (counts, sum) = lat.entry(endpoint).or_insert(([0; BUCKETS.len() + 1], 0.0));
        let slot = BUCKETS.iter().position(|&b| seconds <= b).unwrap_or(BUCKETS.len());
        counts[slot] += 1;
        *sum += seconds;
    }
}

struct App {
    /// The published copy of the matcher (see the [module](self) docs).
    inc: ArcSwap<Incremental>,
    writer: std::sync::mpsc::Sender<Job>,
    tokens: Option<Tokens>,
    audit: Option<Mutex<std::io::BufWriter<std::fs::File>>>,
    audit_key: Vec<u8>,
    extras: Vec<ExtraField>,
    max_records: usize,
    default_k: usize,
    metrics: Metrics,
    wal_bytes: AtomicU64,
    records: AtomicU64,
    compactions: AtomicU64,
}

/// Who made a request: the token's name and limits, or the anonymous loopback user.
struct Caller {
    name: String,
    max_records: usize,
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

impl App {
    /// Checks the request's token for `scope` and the rate limit.
    fn authorize(
        &self,
        headers: &HeaderMap,
        scope: Scope,
    ) -> std::result::Result<Caller, Response> {
        let Some(tokens) = &self.tokens else {
            return Ok(Caller { name: "anonymous".into(), max_records: self.max_records });
        };
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(presented) = presented else {
            return Err(error(
                StatusCode::UNAUTHORIZED,
                "no token: send `Authorization: Bearer TOKEN`",
            ));
        };
        let Some((i, token)) = tokens.authenticate(presented) else {
            return Err(error(StatusCode::UNAUTHORIZED, "unknown token"));
        };
        if !token.allows(scope) {
            return Err(error(
                StatusCode::FORBIDDEN,
                &format!("token `{}` lacks the `{}` scope", token.name, scope.as_str()),
            ));
        }
        if !tokens.admit(i) {
            return Err(error(StatusCode::TOO_MANY_REQUESTS, "rate limit: slow down"));
        }
        Ok(Caller {
            name: token.name.clone(),
            max_records: token.max_records.min(self.max_records),
        })
    }

    /// One audit line (when there is an audit log).
    fn audit(&self, caller: &str, endpoint: &str, status: u16, records: usize, ids: &[&str]) {
        let Some(log) = &self.audit else { return };
        let hashes: Vec<String> = ids.iter().map(|id| keyed_hash(&self.audit_key, id)).collect();
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let line = json!({
            "time": time, "token": caller, "endpoint": endpoint, "status": status,
            "records": records, "ids": hashes,
        });
        let mut log = log.lock().unwrap_or_else(PoisonError::into_inner);
        // An audit line that cannot be written is reported, not silently lost.
        if writeln!(log, "{line}").and_then(|()| log.flush()).is_err() {
            eprintln!("error: the audit log cannot be written");
        }
    }

    fn finish(&self, endpoint: &'static str, start: Instant, response: Response) -> Response {
        self.metrics.observe(endpoint, response.status().as_u16(), start.elapsed().as_secs_f64());
        response
    }
}

/// The records of a request body: `{"records": [...]}`, each read as a `--jsonl` record.
fn records_of(
    body: &Value,
    extras: &[ExtraField],
    max: usize,
) -> std::result::Result<Vec<std::result::Result<Record, String>>, Response> {
    let Some(items) = body.get("records").and_then(Value::as_array) else {
        return Err(error(StatusCode::BAD_REQUEST, "expected {\"records\": [ … ]}"));
    };
    if items.len() > max {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("{} records in one request; at most {max}", items.len()),
        ));
    }
    Ok(items
        .iter()
        .map(|v| Record::from_json(&v.to_string(), extras).map_err(|e| e.to_string()))
        .collect())
}

/// One record's answer to a lookup: its candidates, or why it has none.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Answer {
    Candidates { candidates: Vec<crate::pipeline::Found> },
    Error { error: String },
}

/// The answer to a lookup request.
#[derive(serde::Serialize)]
struct Results {
    results: Vec<Answer>,
}

/// One record's lookup (serialised once, straight from the candidates).
fn lookup(inc: &Incremental, record: &std::result::Result<Record, String>, k: usize) -> Answer {
    match record {
        Ok(record) => match inc.query(record, k) {
            Ok(candidates) => Answer::Candidates { candidates },
            Err(e) => Answer::Error { error: e.to_string() },
        },
        Err(e) => Answer::Error { error: e.clone() },
    }
}

/// A record of a request: read, or why not.
type Parsed = std::result::Result<Record, String>;

/// The common start of a request carrying records: the caller authorised for `scope`, the body
/// read as JSON, its records read (each to a record or its error). `Err`: the response to give.
fn records_request(
    app: &App,
    headers: &HeaderMap,
    scope: Scope,
    body: &str,
) -> std::result::Result<(Caller, Value, Vec<Parsed>), Response> {
    let caller = app.authorize(headers, scope)?;
    let Ok(body) = serde_json::from_str::<Value>(body) else {
        return Err(error(StatusCode::BAD_REQUEST, "the body is not JSON"));
    };
    let records = records_of(&body, &app.extras, caller.max_records)?;
    Ok((caller, body, records))
}

async fn query(State(app): State<Arc<App>>, headers: HeaderMap, body: String) -> Response {
    let start = Instant::now();
    let (caller, body, records) = match records_request(&app, &headers, Scope::Query, &body) {
        Ok(r) => r,
        Err(r) => return app.finish("query", start, r),
    };
    let k =
        body.get("k").and_then(Value::as_u64).map_or(app.default_k, |k| k.clamp(1, 100) as usize);
    let count = records.len();
    let answers: Vec<Answer> = if count <= 1 {
        // One record: answered on the event loop (a lookup takes tens of microseconds).
        let inc = app.inc.load();
        records.iter().map(|r| lookup(&inc, r, k)).collect()
    } else {
        // A batch: looked up in parallel, off the event loop.
        let worker = Arc::clone(&app);
        let answered = tokio::task::spawn_blocking(move || {
            use rayon::prelude::*;
            let inc = worker.inc.load_full();
            records.par_iter().map(|r| lookup(&inc, r, k)).collect()
        })
        .await;
        let Ok(answers) = answered else {
            let r = error(StatusCode::INTERNAL_SERVER_ERROR, "a lookup failed");
            return app.finish("query", start, r);
        };
        answers
    };
    let ids: Vec<&str> = answers
        .iter()
        .flat_map(|a| match a {
            Answer::Candidates { candidates } => candidates.as_slice(),
            Answer::Error { .. } => &[],
        })
        .map(|f| f.record_id.as_str())
        .collect();
    app.audit(&caller.name, "query", 200, count, &ids);
    app.finish("query", start, axum::Json(Results { results: answers }).into_response())
}

async fn add(State(app): State<Arc<App>>, headers: HeaderMap, body: String) -> Response {
    let start = Instant::now();
    let (caller, _, parsed) = match records_request(&app, &headers, Scope::Write, &body) {
        Ok(r) => r,
        Err(r) => return app.finish("records", start, r),
    };
    // Records that do not read keep their error; the others go to the writer.
    let good: Vec<Record> = parsed.iter().filter_map(|r| r.as_ref().ok().cloned()).collect();
    let ids: Vec<String> = good.iter().map(|r| r.record_id.clone()).collect();
    let (tx, rx) = tokio::sync::oneshot::channel();
    if app.writer.send(Job::Add { records: good, reply: tx }).is_err() {
        return app.finish(
            "records",
            start,
            error(StatusCode::SERVICE_UNAVAILABLE, "the writer stopped"),
        );
    }
    let assigned = match rx.await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            let r = error(StatusCode::INTERNAL_SERVER_ERROR, &format!("not added: {e}"));
            return app.finish("records", start, r);
        }
        Err(_) => {
            return app.finish(
                "records",
                start,
                error(StatusCode::SERVICE_UNAVAILABLE, "the writer stopped"),
            );
        }
    };
    let mut assigned = assigned.into_iter();
    let results: Vec<Value> = parsed
        .iter()
        .map(|r| match r {
            Err(e) => json!({ "error": e }),
            Ok(_) => match assigned.next() {
                Some(Ok(a)) => serde_json::to_value(a).unwrap_or(Value::Null),
                Some(Err(e)) => json!({ "error": e }),
                None => json!({ "error": "not answered" }),
            },
        })
        .collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    app.audit(&caller.name, "records", 200, parsed.len(), &id_refs);
    app.finish("records", start, axum::Json(json!({ "results": results })).into_response())
}

/// A read by id (`GET /v1/records/{id}`, `GET /v1/clusters/{id}`): authorised for `query`,
/// answered by `read` (`None`: 404 with `missing`), audited with the id's keyed hash.
fn read_by_id(
    app: &App,
    headers: &HeaderMap,
    endpoint: &'static str,
    id: &str,
    missing: &str,
    read: impl FnOnce(&Incremental) -> Result<Option<Value>>,
) -> Response {
    let start = Instant::now();
    let caller = match app.authorize(headers, Scope::Query) {
        Ok(c) => c,
        Err(r) => return app.finish(endpoint, start, r),
    };
    let found = read(&app.inc.load());
    let response = match found {
        Ok(Some(v)) => axum::Json(v).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, missing),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    app.audit(&caller.name, endpoint, response.status().as_u16(), 1, &[id]);
    app.finish(endpoint, start, response)
}

async fn get_record(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    read_by_id(&app, &headers, "get_record", &id, "no record with this id", |inc| {
        Ok(inc.record(&id)?.map(
            |(record, cluster)| json!({ "record_id": id, "cluster_id": cluster, "record": record }),
        ))
    })
}

async fn get_cluster(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let missing = "no cluster with this id (a cluster is named by its oldest record)";
    read_by_id(&app, &headers, "get_cluster", &id, missing, |inc| {
        Ok(inc.members(&id)?.map(|members| json!({ "cluster_id": id, "members": members })))
    })
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let Err(r) = app.authorize(&headers, Scope::Admin) {
        return r;
    }
    let mut out = String::new();
    out.push_str("# HELP vnlink_requests_total Requests by endpoint and status.\n# TYPE vnlink_requests_total counter\n");
    for ((endpoint, status), n) in
        app.metrics.requests.lock().unwrap_or_else(PoisonError::into_inner).iter()
    {
        let _ = writeln!(
            out,
            "vnlink_requests_total{{endpoint=\"{endpoint}\",status=\"{status}\"}} {n}"
        );
    }
    out.push_str(
        "# HELP vnlink_request_seconds Request latency.\n# TYPE vnlink_request_seconds histogram\n",
    );
    for (endpoint, (counts, sum)) in
        app.metrics.latency.lock().unwrap_or_else(PoisonError::into_inner).iter()
    {
        let mut cumulative = 0;
        for (i, c) in counts.iter().enumerate() {
            cumulative += c;
            let le = BUCKETS.get(i).map_or_else(|| "+Inf".to_owned(), ToString::to_string);
            let _ = writeln!(
                out,
                "vnlink_request_seconds_bucket{{endpoint=\"{endpoint}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let _ = writeln!(out, "vnlink_request_seconds_sum{{endpoint=\"{endpoint}\"}} {sum}");
        let _ =
            writeln!(out, "vnlink_request_seconds_count{{endpoint=\"{endpoint}\"}} {cumulative}");
    }
    let _ = writeln!(
        out,
        "# HELP vnlink_records Records in the store and added.\n# TYPE vnlink_records gauge\nvnlink_records {}",
        app.records.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP vnlink_wal_bytes Size of the write-ahead log.\n# TYPE vnlink_wal_bytes gauge\nvnlink_wal_bytes {}",
        app.wal_bytes.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP vnlink_compactions_total Compactions finished.\n# TYPE vnlink_compactions_total counter\nvnlink_compactions_total {}",
        app.compactions.load(Ordering::Relaxed)
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// A change made to the published copy, to be made to the other.
#[derive(Clone)]
enum Change {
    Add(Vec<Planned>),
    Delete(PlannedDelete),
}

impl Change {
    /// Makes the change to `inc` (a copy with the same history): commits, nothing scored.
    fn apply(self, inc: &mut Incremental) -> Result<()> {
        match self {
            Change::Add(plans) => plans.into_iter().try_for_each(|p| inc.commit(p).map(drop)),
            Change::Delete(planned) => inc.commit_delete(planned).map(drop),
        }
    }
}

/// The writer's side of the two copies: the one it changes, and the changes it owes it.
struct Writer {
    /// The copy being changed.
    own: Incremental,
    /// Changes made to the published copy since `own` was last the same.
    owed: Vec<Change>,
    wal: Wal,
    /// A compaction under way in the background.
    compacting: Option<Compacting>,
    /// The log size that starts a compaction (0: never).
    compact_at: u64,
    config: crate::pipeline::MatchConfig,
    store_path: PathBuf,
    /// The store's lock, held while the server runs.
    _lock: std::fs::File,
}

/// A compaction under way: the changes published since its snapshot (to apply to the new
/// generation's matcher) and where its result arrives.
struct Compacting {
    since: Vec<Change>,
    folded: super::state::Folded,
    done: std::sync::mpsc::Receiver<Result<NextGeneration>>,
}

/// A compaction's result: the new generation's matcher twice (the writer's copy and the one
/// to publish, copied off the writer's thread), the new store's identity, what it did.
type NextGeneration = (Incremental, Incremental, u64, super::compact::Compaction);

impl Writer {
    /// Makes `own` the same as the published copy: the changes it owes applied.
    fn catch_up(&mut self, app: &App) {
        for change in std::mem::take(&mut self.owed) {
            if change.apply(&mut self.own).is_err() {
                // Cannot happen (the copies have one history); should it, copy the published.
                self.roll_back(app);
                return;
            }
        }
    }

    /// Publishes `own` (now ahead by `change`), takes the old published copy back once its last
    /// reader is done, and owes it `change`.
    fn publish(mut self, app: &App, change: Change) -> Writer {
        app.records.store((self.own.len() - self.own.deleted()) as u64, Ordering::Relaxed);
        app.wal_bytes.store(self.wal.len(), Ordering::Relaxed);
        let mut old = app.inc.swap(Arc::new(self.own));
        // Readers hold a snapshot for one request: wait for the last one.
        let mut pause = std::time::Duration::from_micros(20);
        let own = loop {
            match Arc::try_unwrap(old) {
                Ok(inc) => break inc,
                Err(still_read) => {
                    old = still_read;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(5));
                }
            }
        };
        if let Some(c) = &mut self.compacting {
            c.since.push(change.clone());
        }
        self.owed.push(change);
        self.own = own;
        self.start_compaction(app);
        self
    }

    /// Starts a compaction in the background when the log has grown past `compact_at`: the
    /// published copy is its snapshot, the log's end its fold point.
    fn start_compaction(&mut self, app: &App) {
        if self.compact_at == 0 || self.compacting.is_some() || self.wal.len() < self.compact_at {
            return;
        }
        let snapshot = Incremental::clone(&app.inc.load());
        let folded = self.wal.fold_point();
        let (tx, rx) = std::sync::mpsc::channel();
        let (path, config) = (self.store_path.clone(), self.config.clone());
        let spawned = std::thread::Builder::new().name("vnlink-compact".into()).spawn(move || {
            let next = super::compact::write_generation(&path, &snapshot, &config, folded);
            drop(snapshot);
            let _ = tx.send(next.map(|(next, identity, summary)| {
                let copy = next.clone();
                (next, copy, identity, summary)
            }));
        });
        match spawned {
            Ok(_) => self.compacting = Some(Compacting { since: Vec::new(), folded, done: rx }),
            Err(e) => {
                eprintln!("error: cannot start a compaction ({e}); compaction is off");
                self.compact_at = 0;
            }
        }
    }

    /// Takes a finished compaction in: the log carried over to the new generation, the changes
    /// since the snapshot applied to its matcher, which is published (readers of the old one
    /// finish on the old mapping). A compaction that failed leaves the server on the old
    /// generation, with compaction off (the error on stderr).
    fn finish_compaction(mut self, app: &App) -> Writer {
        let Some(c) = &self.compacting else { return self };
        let result = match c.done.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return self,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err(Error::Record { reason: "the compaction thread stopped".into() })
            }
        };
        let Some(c) = self.compacting.take() else { return self };
        let switch = Instant::now();
        let taken = result.and_then(|(mut next, mut copy, identity, summary)| {
            self.wal.switch(identity, c.folded)?;
            // The changes published since the snapshot, on both copies (commits, not scored).
            for change in c.since {
                change.clone().apply(&mut copy)?;
                change.apply(&mut next)?;
            }
            Ok((next, copy, summary))
        });
        match taken {
            Ok((next, copy, summary)) => {
                let published = app.inc.swap(Arc::new(copy));
                let own = std::mem::replace(&mut self.own, next);
                // The old generation's matchers (millions of record ids) are freed aside.
                let _ = std::thread::Builder::new()
                    .name("vnlink-free".into())
                    .spawn(move || drop((published, own)));
                self.owed.clear();
                app.wal_bytes.store(self.wal.len(), Ordering::Relaxed);
                app.compactions.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "compacted: {} records ({} folded in, {} tombstones), {:.1} MB, in {:.1} s; \
                     switched in {:.0} ms",
                    summary.records,
                    summary.folded,
                    summary.tombstones,
                    summary.bytes as f64 / 1e6,
                    summary.seconds,
                    switch.elapsed().as_secs_f64() * 1000.0
                );
            }
            Err(e) => {
                eprintln!("error: compaction failed ({e}); serving on, compaction is off");
                self.compact_at = 0;
            }
        }
        self
    }

    /// Gives up `own`'s unlogged changes: `own` becomes a copy of the published one.
    fn roll_back(&mut self, app: &App) {
        self.own = Incremental::clone(&app.inc.load());
        self.owed.clear();
    }
}

/// The writer thread: every waiting addition's records assigned on the writer's copy, logged
/// as one entry with one sync, published, answered; a deletion decided, logged, applied and
/// published on its own, in arrival order.
fn writer(app: &Arc<App>, mut w: Writer, jobs: &std::sync::mpsc::Receiver<Job>) {
    const MAX_BATCH: usize = 50_000;
    let mut pending: Option<Job> = None;
    loop {
        w = w.finish_compaction(app);
        let first = match pending.take() {
            Some(j) => j,
            None if w.compacting.is_some() => {
                match jobs.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok(j) => j,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
            None => match jobs.recv() {
                Ok(j) => j,
                Err(_) => return,
            },
        };
        w.catch_up(app);
        let (records, reply) = match first {
            Job::Stop => return,
            Job::Delete { record_id, reply } => {
                let deleted;
                (w, deleted) = delete(app, w, &record_id);
                let _ = reply.send(deleted);
                continue;
            }
            Job::Add { records, reply } => (records, reply),
        };
        let mut batch = vec![(records, reply)];
        let mut n = batch[0].0.len();
        while n < MAX_BATCH {
            match jobs.try_recv() {
                Ok(Job::Add { records, reply }) => {
                    n += records.len();
                    batch.push((records, reply));
                }
                Ok(other) => {
                    pending = Some(other);
                    break;
                }
                Err(_) => break,
            }
        }
        let records: Vec<Record> = batch.iter().flat_map(|j| j.0.iter().cloned()).collect();
        let verdicts = check_batch(&w.own, &records);
        let (results, plans) = apply_batch(&mut w.own, records, verdicts);
        if !plans.is_empty() {
            if let Err(e) = w.wal.append(&logged(&plans)) {
                // Nothing of the batch is acknowledged, and nothing of it stays.
                w.roll_back(app);
                let message = e.to_string();
                for (_, reply) in batch {
                    let _ = reply.send(Err(Error::Record { reason: message.clone() }));
                }
                continue;
            }
            w = w.publish(app, Change::Add(plans));
        }
        let mut results = results.into_iter();
        for (records, reply) in batch {
            let mine: Vec<_> = results.by_ref().take(records.len()).collect();
            let _ = reply.send(Ok(mine));
        }
    }
}

/// One deletion: decided, logged and synced, applied and published.
fn delete(
    app: &App,
    mut w: Writer,
    record_id: &str,
) -> (Writer, Result<crate::pipeline::Deletion>) {
    let planned = match w.own.plan_delete(record_id) {
        Ok(p) => p,
        Err(e) => return (w, Err(e)),
    };
    let entry =
        Entry::Delete { record_id: record_id.to_owned(), parts: Some(planned.parts().to_vec()) };
    if let Err(e) = w.wal.append(&entry) {
        return (w, Err(e));
    }
    let deletion = w.own.commit_delete(planned.clone());
    if deletion.is_err() {
        w.roll_back(app);
        return (w, deletion);
    }
    (w.publish(app, Change::Delete(planned)), deletion)
}

async fn delete_record(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let start = Instant::now();
    let caller = match app.authorize(&headers, Scope::Write) {
        Ok(c) => c,
        Err(r) => return app.finish("delete_record", start, r),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    if app.writer.send(Job::Delete { record_id: id.clone(), reply: tx }).is_err() {
        let r = error(StatusCode::SERVICE_UNAVAILABLE, "the writer stopped");
        return app.finish("delete_record", start, r);
    }
    let response = match rx.await {
        Ok(Ok(d)) => axum::Json(d).into_response(),
        Ok(Err(Error::Record { reason })) => error(StatusCode::NOT_FOUND, &reason),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("not deleted: {e}")),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "the writer stopped"),
    };
    app.audit(&caller.name, "delete_record", response.status().as_u16(), 1, &[&id]);
    app.finish("delete_record", start, response)
}

/// Runs the server on `service` until Ctrl-C or SIGTERM; `ready` is called with the bound
/// address once it listens.
pub fn serve(service: Service, opts: ServeOptions, ready: impl FnOnce(SocketAddr)) -> Result<()> {
    if opts.tokens.is_none() && !opts.listen.ip().is_loopback() {
        return Err(Error::Config {
            path: None,
            key: "listen".into(),
            reason: format!(
                "{} is not a loopback address: give --tokens tokens.toml (made with `vnlink token`) \
                 to listen there, or listen on 127.0.0.1",
                opts.listen
            ),
        });
    }
    let super::Parts { inc, wal, config, store_path, lock } = service.into_parts();
    let extras = inc.extras().to_vec();
    let audit = match &opts.audit_log {
        Some(p) => Some(Mutex::new(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| Error::io(p, e))?,
        ))),
        None => None,
    };
    let audit_key = match opts.tokens.as_ref().and_then(Tokens::audit_key) {
        Some(k) => k.to_vec(),
        // No key given: one for this run (hashes compare within a run only).
        None => super::auth::new_audit_key()?.into_bytes(),
    };
    let (tx, rx) = std::sync::mpsc::channel();
    let own = inc.clone();
    let app = Arc::new(App {
        records: AtomicU64::new((inc.len() - inc.deleted()) as u64),
        wal_bytes: AtomicU64::new(wal.len()),
        compactions: AtomicU64::new(0),
        inc: ArcSwap::from_pointee(inc),
        writer: tx,
        tokens: opts.tokens,
        audit,
        audit_key,
        extras,
        max_records: opts.max_records,
        default_k: opts.default_k,
        metrics: Metrics::default(),
    });
    let writer_app = Arc::clone(&app);
    let (writer_path, compact_at) = (store_path.clone(), opts.compact_at);
    let writer_thread = std::thread::Builder::new()
        .name("vnlink-writer".into())
        .spawn(move || {
            let w = Writer {
                own,
                owed: Vec::new(),
                wal,
                compacting: None,
                compact_at,
                config,
                store_path: writer_path,
                _lock: lock,
            };
            writer(&writer_app, w, &rx);
        })
        .map_err(|e| Error::io(&store_path, e))?;
    let router = Router::new()
        .route("/v1/query", post(query))
        .route("/v1/records", post(add))
        .route("/v1/records/{id}", get(get_record).delete(delete_record))
        .route("/v1/clusters/{id}", get(get_cluster))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(opts.max_body))
        .with_state(Arc::clone(&app));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io(&store_path, e))?;
    let result = runtime.block_on(listen(opts.listen, opts.tls, router, ready));
    // The writer holds the app, whose sender it receives from: it is told to stop.
    let _ = app.writer.send(Job::Stop);
    drop(app);
    let _ = writer_thread.join();
    result
}

/// Serves `router` on `at`, over TLS with `tls` (certificate chain, key: PEM files), until
/// Ctrl-C or SIGTERM; `ready` is called with the bound address once it listens.
async fn listen(
    at: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
    router: Router,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    let io = |e| Error::io(std::path::Path::new(&at.to_string()), e);
    let listener = tokio::net::TcpListener::bind(at).await.map_err(io)?;
    let bound = listener.local_addr().map_err(io)?;
    let Some((cert, key)) = tls else {
        ready(bound);
        return axum::serve(listener, router).with_graceful_shutdown(shutdown()).await.map_err(io);
    };
    let config =
        axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key).await.map_err(|e| {
            Error::Config {
                path: Some(cert.clone()),
                key: "tls-cert".into(),
                reason: format!(
                    "cannot read the certificate chain and the key ({}) as PEM: {e}",
                    key.display()
                ),
            }
        })?;
    let handle = axum_server::Handle::<SocketAddr>::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown().await;
        stopping.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    let server = axum_server::tls_rustls::from_tcp_rustls(listener.into_std().map_err(io)?, config)
        .map_err(io)?;
    ready(bound);
    server.handle(handle).serve(router.into_make_service()).await.map_err(io)
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = ctrl_c.await;
            return;
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
