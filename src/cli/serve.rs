//! `vnlink serve` and `vnlink token`: the identity service over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use vnlink::service::auth::{Scope, Tokens, new_audit_key, new_token};
use vnlink::service::http::{ServeOptions, serve};

use super::common::{MatchArgs, exit};

/// Serve a store over HTTP: lookups, durable additions with stable cluster ids, records and
/// clusters by id, health and metrics.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  \
    vnlink build registry.csv -o people.vnl\n  \
    vnlink serve people.vnl --listen 127.0.0.1:8080\n  \
    curl -s localhost:8080/v1/query -d '{\"records\": [{\"full_name\": \"Nguyễn Văn An\", \"dob\": \"05/03/1980\"}], \"k\": 3}'\n\n\
    Endpoints: POST /v1/query {\"records\": [...], \"k\": 5}; POST /v1/records {\"records\": \
    [{\"record_id\": ..., ...}]} (answered once the records are on disk); GET /v1/records/ID; \
    GET /v1/clusters/ID; GET /healthz; GET /metrics (Prometheus text). Record keys are those of \
    `vnlink query --jsonl`.\n\n\
    Additions are logged in STORE.wal and the store's clusters and model saved in STORE.clusters \
    (as `vnlink add` does); a restart replays the log. Without --tokens the server listens on \
    loopback addresses only and asks for no token; with it, every request but /healthz needs \
    `Authorization: Bearer TOKEN` (tokens from `vnlink token`). Stops on Ctrl-C or SIGTERM.")]
pub struct Args {
    /// The store (`.vnl`, from `vnlink build`).
    store: PathBuf,
    /// Address and port to listen on (port 0: any free port, printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Tokens file (TOML: names, salted hashes, scopes, limits; see `vnlink token`). Required
    /// for a non-loopback address.
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Append an audit line per request to this file (JSON lines: time, token name, endpoint,
    /// status, record count, keyed hashes of the record ids; never a value).
    #[arg(long)]
    audit_log: Option<PathBuf>,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 16)]
    max_body_mb: usize,
    /// Most records per request (a token's own limit may be lower).
    #[arg(long, default_value_t = 10_000)]
    max_records: usize,
    /// Serve HTTPS: the certificate chain (PEM), with --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Compact the store (fold the log into a new generation, in the background, as `vnlink
    /// compact` does) when the log reaches this many MiB; 0: never.
    #[arg(long, default_value_t = 512.0)]
    compact_at_mb: f64,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let tokens = args.tokens.as_deref().map(Tokens::read).transpose()?;
    if !args.listen.ip().is_loopback() && args.tls_cert.is_none() && !args.matching.quiet {
        eprintln!(
            "warning: tokens and personal data cross the network in clear text: give --tls-cert \
             and --tls-key, or put a TLS-terminating proxy in front"
        );
    }
    let (service, opened) = args.matching.open_service(&args.store, "serving")?;
    if opened.truncated > 0 {
        eprintln!(
            "warning: the log's last entry was torn ({} bytes, never acknowledged): cut off",
            opened.truncated
        );
    }
    let opts = ServeOptions {
        listen: args.listen,
        tokens,
        audit_log: args.audit_log.clone(),
        max_body: args.max_body_mb.saturating_mul(1 << 20),
        max_records: args.max_records,
        default_k: 5,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        compact_at: (args.compact_at_mb.max(0.0) * f64::from(1u32 << 20)) as u64,
    };
    let quiet = args.matching.quiet;
    let scheme = if args.tls_cert.is_some() { "https" } else { "http" };
    let replayed = opened.replayed;
    serve(service, opts, |addr| {
        // The address on stdout (a script waits for it); the rest on stderr.
        println!("listening on {scheme}://{addr}");
        if !quiet {
            eprintln!(
                "model {}, {replayed} added records replayed from the log",
                opened.model_source
            );
        }
    })?;
    Ok(exit(false))
}

/// Make an access token for `vnlink serve --tokens`: prints the token (give it to the client;
/// it is not stored) and the entry to add to the tokens file.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  \
    vnlink token ministry-education --scopes query > token.txt 2>> tokens.toml\n\n\
    Prints the token on stdout and the tokens.toml entry (name, salt, SHA-256 of salt and token, \
    scopes) on stderr. Scopes: query (lookups, records and clusters by id), write (additions), \
    admin (everything, and /metrics). With --audit-key, also prints an `audit_key` line for the \
    top of the file (the key of the audit log's hashes).")]
pub struct TokenArgs {
    /// The token's name (in the audit log).
    name: String,
    /// Its scopes, comma-separated: query, write, admin.
    #[arg(long, value_delimiter = ',', default_value = "query")]
    scopes: Vec<String>,
    /// Also print a new `audit_key` line.
    #[arg(long)]
    audit_key: bool,
}

pub fn token(args: &TokenArgs) -> anyhow::Result<ExitCode> {
    let scopes = args
        .scopes
        .iter()
        .map(|s| match s.trim() {
            "query" => Ok(Scope::Query),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            other => anyhow::bail!("--scopes: unknown scope `{other}` (query, write, admin)"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (token, entry) = new_token(&args.name, &scopes)?;
    println!("{token}");
    if args.audit_key {
        eprintln!("audit_key = \"{}\"\n", new_audit_key()?);
    }
    eprint!("{entry}");
    Ok(exit(false))
}
