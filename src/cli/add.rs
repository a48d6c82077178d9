//! `vnlink add`: new records assigned to the clusters of a built store, without re-running
//! everything, and kept (the store's write-ahead log).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vnlink::output::OutputSet;
use vnlink::pipeline::Action;
use vnlink::pipeline::inputs::{Setup, Source};
use vnlink::service::Service;

use super::common::{InputArgs, MatchArgs, exit};

/// Add records to a store: each is matched against the store and the records added before it,
/// and assigned to a cluster with a stable id.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  \
    vnlink build registry.csv -o people.vnl\n  \
    vnlink add people.vnl new.csv --out added/\n\n\
    Writes in DIR: assignments.csv (record_id, cluster_id, action: new_cluster, joined or merged, \
    best_match_id, best_match_probability) and cluster_changes.csv (cluster_id, change, other, \
    record_id: `created` by a record, `grew` by a record, `absorbed` another cluster when a record \
    matched both), staged and renamed into place together.\n\n\
    Cluster ids are stable: a cluster is named by the id of its oldest record, keeps its name when \
    it grows, and when a record merges clusters the oldest one's name survives. The first add to \
    a store computes its clusters (a batch run with the store's blocking rules and the model: \
    --model, else the one saved in the store, else one trained on it) and saves them with the \
    model in STORE.clusters; every batch of added records is appended to STORE.wal and synced \
    before it is applied, and the next add (or serve) replays it: the records stay added, under \
    the same cluster ids. Records whose id is empty or already in the store are reported and \
    skipped (exit status 1).")]
pub struct Args {
    /// The store (`.vnl`, from `vnlink build`).
    store: PathBuf,
    /// The new records (CSV or Excel; columns are read as `vnlink build` reads them).
    input: PathBuf,
    /// Output directory.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Also write clusters.csv: every record of the store, added ones included, with its
    /// cluster id (`record_id`, `cluster_id`), as `vnlink dedupe` writes it.
    #[arg(long)]
    all_clusters: bool,
    #[command(flatten)]
    reading: InputArgs,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let quiet = args.matching.quiet;
    let run = args.matching.run(&args.reading)?;
    let config = run.setup.config.clone();
    let model = args.matching.read_model()?;
    // Columns of the new file: inferred or mapped as a build would.
    let mut setup = Setup::new(None, args.reading.ingest_options()?);
    let plan = setup.plan(&[&args.input])?.remove(0);
    if !quiet {
        for n in &plan.notes {
            eprintln!("note: {n}");
        }
    }
    let Source::Csv(ingest) = &plan.source else {
        anyhow::bail!(
            "{}: is a store; `vnlink add` reads CSV or Excel files",
            args.input.display()
        );
    };
    let (records, extras, report) = vnlink::dataset::read_records(&args.input, ingest)?;
    let skipped_rows: u64 = report.skipped_by_reason.values().sum();

    let clock = std::time::Instant::now();
    let (mut service, opened) = Service::open(&args.store, &config, model)
        .with_context(|| format!("opening {} for additions", args.store.display()))?;
    let store_extras = service.matcher().extras().to_vec();
    anyhow::ensure!(
        extras.iter().map(|e| e.kind).eq(store_extras.iter().map(|e| e.kind)),
        "{}: its extra fields ({}) are not the store's ({}): add records with the store's columns",
        args.input.display(),
        names(&extras),
        names(&store_extras)
    );
    if !quiet {
        eprintln!(
            "opened {}: {} records, model {}{}{}",
            args.store.display(),
            service.matcher().len(),
            opened.model_source,
            if opened.clustered { ", clusters computed and saved" } else { "" },
            if opened.replayed > 0 {
                format!(", {} added records replayed from the log", opened.replayed)
            } else {
                String::new()
            }
        );
        if opened.truncated > 0 {
            eprintln!(
                "warning: the log's last entry was torn ({} bytes, never acknowledged): cut off",
                opened.truncated
            );
        }
    }
    let total = records.len();
    let assigned = service.add(records.clone())?;
    let seconds = clock.elapsed().as_secs_f64();
    let (counts, refused) = write_outputs(args, &mut service, &records, &assigned)?;
    if !quiet {
        let mut err = std::io::stderr().lock();
        writeln!(
            err,
            "added {} of {total} records in {seconds:.2} s: {} new clusters, {} joined, {} \
             merged; {refused} refused, {skipped_rows} rows skipped; log {} bytes",
            total as u64 - refused,
            counts[0],
            counts[1],
            counts[2],
            service.wal_bytes()
        )?;
        writeln!(err, "wrote {}", args.out.display())?;
    }
    Ok(exit(refused > 0 || skipped_rows > 0))
}

/// Writes `assignments.csv`, `cluster_changes.csv` (and `clusters.csv`) in the output directory;
/// returns the counts of new clusters, joins and merges, and of records refused (reported).
fn write_outputs(
    args: &Args,
    service: &mut Service,
    records: &[vnlink::dataset::Record],
    assigned: &[Result<vnlink::pipeline::Assignment, String>],
) -> anyhow::Result<([u64; 3], u64)> {
    let set = OutputSet::begin(&args.out)?;
    let mut assignments = csv::Writer::from_path(set.path("assignments.csv"))?;
    assignments.write_record([
        "record_id",
        "cluster_id",
        "action",
        "best_match_id",
        "best_match_probability",
    ])?;
    let mut changes = csv::Writer::from_path(set.path("cluster_changes.csv"))?;
    changes.write_record(["cluster_id", "change", "other", "record_id"])?;
    let mut refused = 0u64;
    let mut counts = [0u64; 3];
    for (record, result) in records.iter().zip(assigned) {
        let done = match result {
            Ok(done) => done,
            Err(e) => {
                refused += 1;
                eprintln!("warning: record {:?} not added: {e}", record.record_id);
                continue;
            }
        };
        let best = done.matches.first();
        assignments.write_record([
            done.record_id.as_str(),
            done.cluster_id.as_str(),
            done.action.as_str(),
            best.map_or("", |m| m.record_id.as_str()),
            &best.map_or(String::new(), |m| format!("{:.6}", m.match_probability)),
        ])?;
        let (slot, change) = match done.action {
            Action::NewCluster => (0, "created"),
            Action::Joined => (1, "grew"),
            Action::Merged => (2, "grew"),
        };
        counts[slot] += 1;
        changes.write_record([done.cluster_id.as_str(), change, "", done.record_id.as_str()])?;
        for m in &done.merged {
            changes.write_record([
                done.cluster_id.as_str(),
                "absorbed",
                m,
                done.record_id.as_str(),
            ])?;
        }
    }
    assignments.flush()?;
    changes.flush()?;
    drop((assignments, changes));
    if args.all_clusters {
        let mut all = csv::Writer::from_path(set.path("clusters.csv"))?;
        all.write_record(["record_id", "cluster_id"])?;
        for (record, cluster) in service.matcher().clusters()? {
            all.write_record([record, cluster])?;
        }
        all.flush()?;
    }
    set.commit()?;
    Ok((counts, refused))
}

fn names(extras: &[vnlink::schema::ExtraField]) -> String {
    if extras.is_empty() {
        return "none".into();
    }
    extras.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// Fold a store's log of additions (STORE.wal) into a new generation of the store.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  \
    vnlink add people.vnl new.csv --out added/\n  \
    vnlink compact people.vnl\n\n\
    Writes STORE.next (every record in arrival order, the store's then the added ones; a deleted \
    record as its id alone) and its clusters beside the store, renames them over STORE and \
    STORE.clusters, and starts the log afresh. Cluster ids stay; the name frequencies become the \
    new store's, counting the added records. A crash at any point leaves either generation whole \
    (the next open finishes or undoes the switch). `vnlink serve` compacts by itself when the \
    log reaches --compact-at-mb. Refused while another process has the store open for changes.")]
pub struct CompactArgs {
    /// The store (`.vnl`).
    store: PathBuf,
    #[command(flatten)]
    matching: MatchArgs,
}

pub fn compact(args: &CompactArgs) -> anyhow::Result<ExitCode> {
    let (mut service, opened) = args.matching.open_service(&args.store, "compaction")?;
    let c = service.compact().with_context(|| format!("compacting {}", args.store.display()))?;
    if !args.matching.quiet {
        eprintln!(
            "compacted {}: {} records ({} folded in from the log, {} replayed, {} tombstones), \
             {:.1} MB, in {:.2} s",
            args.store.display(),
            c.records,
            c.folded,
            opened.replayed,
            c.tombstones,
            c.bytes as f64 / 1e6,
            c.seconds
        );
    }
    Ok(exit(false))
}
