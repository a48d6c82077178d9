// Incremental matching (issue 15): records added one at a time to a built store get the
// clusters a batch run of everything gives, under stable cluster ids.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use vnlink::dataset::View;
use vnlink::pipeline::{Action, Incremental, MatchConfig, MatcherBuilder};
use vnlink::synth::{self, GenConfig};
use vnlink::{BuildOptions, Record, Store};

fn generated(entities: u64, seed: u64) -> Vec<Record> {
    let cfg = GenConfig { entities, seed, dup_rate: 0.3, ..GenConfig::default() };
    synth::dedupe_rows(&cfg).unwrap().map(|r| r.record).collect()
}

/// The pairs of records that share a cluster, by record id.
fn pairs(cluster_of: &BTreeMap<String, String>) -> BTreeSet<(String, String)> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, c) in cluster_of {
        groups.entry(c).or_default().push(r);
    }
    let mut out = BTreeSet::new();
    for g in groups.values() {
        for (i, a) in g.iter().enumerate() {
            for b in &g[i + 1..] {
                out.insert((a.to_string(), b.to_string()));
            }
        }
    }
    out
}

/// The configuration of both runs: the rules the store holds postings for, nothing learned.
fn config_of(store: &Store) -> MatchConfig {
    let mut config = MatchConfig {
        blocking: View::new(store).unwrap().meta().unwrap().blocking,
        ..MatchConfig::default()
    };
    config.blocking.learn.enabled = Some(false);
    config
}

#[test]
fn adding_records_one_by_one_gives_the_batch_clusters() {
    let records = generated(1500, 11);
    let n = records.len();
    let whole = Store::from_records(&records, &BuildOptions::default()).unwrap();
    let config = config_of(&whole);
    let model =
        MatcherBuilder::new().config(config.clone()).build().unwrap().train(&whole).unwrap();

    // Batch: the whole file at once.
    let matcher =
        MatcherBuilder::new().config(config.clone()).model(model.clone()).build().unwrap();
    let labels = matcher.dedupe(&whole).unwrap().labels;
    let batch: BTreeMap<String, String> = records
        .iter()
        .zip(&labels)
        .map(|(r, &l)| (r.record_id.clone(), records[l as usize].record_id.clone()))
        .collect();

    // Incremental: a store of the first 60 %, then the rest one record at a time.
    let cut = n * 6 / 10;
    let base = Store::from_records(&records[..cut], &BuildOptions::default()).unwrap();
    let mut inc = Incremental::open(Arc::new(base), model, &config, None).unwrap();
    let mut actions = BTreeMap::new();
    for r in &records[cut..] {
        let a = inc.add(r.clone()).unwrap();
        assert_eq!(a.record_id, r.record_id);
        *actions.entry(a.action.as_str()).or_insert(0) += 1;
    }
    assert_eq!(inc.len(), n);
    let incremental: BTreeMap<String, String> = records
        .iter()
        .map(|r| (r.record_id.clone(), inc.cluster_of(&r.record_id).unwrap().unwrap()))
        .collect();

    // Cluster ids are the batch labels: the oldest member's record id.
    let (b, i) = (pairs(&batch), pairs(&incremental));
    let common = b.intersection(&i).count() as f64;
    let f1 = 2.0 * common / (b.len() + i.len()) as f64;
    println!("batch {} pairs, incremental {}, F1 between {f1:.5}; {actions:?}", b.len(), i.len());
    assert!(b.len() > 300, "{} batch pairs", b.len());
    assert!(
        f1 >= 0.999,
        "pairwise F1 between batch and incremental {f1:.5} ({} / {})",
        b.len(),
        i.len()
    );
    let same_ids = batch.iter().filter(|(r, c)| incremental[*r] == **c).count();
    assert!(same_ids as f64 >= 0.999 * n as f64, "{same_ids} of {n} records with the batch id");
    assert!(actions.get("joined").copied().unwrap_or(0) > 50, "{actions:?}");
    assert!(actions.get("new_cluster").copied().unwrap_or(0) > 50, "{actions:?}");
}

fn person(id: &str, name: &str, dob: &str, cccd: &str, phone: &str) -> Record {
    Record {
        record_id: id.into(),
        full_name: name.into(),
        dob: dob.into(),
        id_number: cccd.into(),
        phone: phone.into(),
        ..Record::default()
    }
}

#[test]
fn a_cluster_keeps_its_id_when_it_grows_and_a_merge_keeps_the_oldest() {
    let base = vec![
        person("r1", "Nguyễn Văn An", "05/03/1980", "001080012345", "0912345678"),
        person("r2", "Trần Thị Bình", "12/11/1992", "", "0987654321"),
        person("r3", "Lê Minh Châu", "01/01/1975", "079075001122", ""),
    ];
    let store = Store::from_records(&base, &BuildOptions::default()).unwrap();
    let config = config_of(&store);
    let model = vnlink::model::train::reference_model(&View::new(&store).unwrap());
    let mut inc = Incremental::open(Arc::new(store), model, &config, None).unwrap();
    assert_eq!(inc.cluster_of("r1").unwrap().as_deref(), Some("r1"));

    // A new person founds a cluster under its own id.
    let a = inc.add(person("n1", "Phạm Quốc Dũng", "20/07/1988", "", "0901112233")).unwrap();
    assert_eq!((a.action, a.cluster_id.as_str()), (Action::NewCluster, "n1"));
    assert!(a.matches.is_empty());

    // Another record of r1 joins r1's cluster, which keeps its id.
    let b = inc.add(person("n2", "Nguyen Van An", "1980-03-05", "001080012345", "")).unwrap();
    assert_eq!((b.action, b.cluster_id.as_str()), (Action::Joined, "r1"));
    assert_eq!(b.matches[0].record_id, "r1");
    assert!(b.matches[0].match_probability >= 0.95);

    // Trần Bình with a CCCD and nothing else of r2's: another cluster. Then a record with
    // r2's name, date and phone and n4's CCCD matches both: one cluster, under the older id.
    let d = inc.add(person("n4", "Trần Bình", "", "001192000111", "")).unwrap();
    assert_eq!((d.action, d.cluster_id.as_str()), (Action::NewCluster, "n4"));
    let e =
        inc.add(person("n5", "Trần Thị Bình", "12/11/1992", "001192000111", "0987654321")).unwrap();
    assert_eq!((e.action, e.cluster_id.as_str()), (Action::Merged, "r2"), "{e:?}");
    assert_eq!(e.merged, ["n4"]);
    assert_eq!(inc.members("r2").unwrap().unwrap(), ["r2", "n4", "n5"]);
    assert_eq!(inc.cluster_of("n4").unwrap().as_deref(), Some("r2"));
    let members = inc.members("r1").unwrap().unwrap();
    assert_eq!(members, ["r1", "n2"]);
    assert!(inc.members("n2").unwrap().is_none(), "n2 names no cluster");

    // Deleting n5, which alone held n4 to r2: n4 splits off under its own id, r2 keeps its name.
    let del = inc.delete("n5").unwrap();
    assert_eq!((del.cluster_id.as_str(), del.split.as_slice()), ("r2", &["n4".to_owned()][..]));
    assert_eq!(inc.members("r2").unwrap().unwrap(), ["r2"]);
    assert_eq!(inc.cluster_of("n4").unwrap().as_deref(), Some("n4"));
    assert!(inc.cluster_of("n5").unwrap().is_none() && inc.record("n5").unwrap().is_none());
    assert!(inc.delete("n5").is_err(), "deleted twice");
    let reuse = inc.add(person("n5", "Trần Thị Bình", "12/11/1992", "", "")).unwrap_err();
    assert!(reuse.to_string().contains("not reused"), "{reuse}");
    let found =
        inc.query(&person("", "Trần Thị Bình", "12/11/1992", "001192000111", "0987654321"), 5);
    assert!(found.unwrap().iter().all(|f| f.record_id != "n5"));
    // Deleting a cluster's oldest record: the cluster keeps its name.
    let del = inc.delete("r1").unwrap();
    assert!(del.split.is_empty());
    assert_eq!(inc.cluster_of("n2").unwrap().as_deref(), Some("r1"));
    assert_eq!(inc.members("r1").unwrap().unwrap(), ["n2"]);

    // Duplicate and empty ids are refused, and nothing changes.
    let before = inc.len();
    assert!(inc.add(person("r3", "X", "", "", "")).is_err());
    assert!(inc.add(person(" ", "X", "", "", "")).is_err());
    assert_eq!(inc.len(), before);
    let (record, cluster) = inc.record("n2").unwrap().unwrap();
    assert_eq!((record.full_name.as_str(), cluster.as_str()), ("Nguyen Van An", "r1"));
}

/// A store of `records` written to `dir/people.vnl`.
fn store_file(dir: &std::path::Path, records: &[Record]) -> std::path::PathBuf {
    let path = dir.join("people.vnl");
    let mut w = vnlink::RecordWriter::create(&path, &BuildOptions::default()).unwrap();
    for r in records {
        w.push(r.clone()).unwrap();
    }
    w.finish().unwrap();
    path
}

#[test]
fn a_store_keeps_its_additions_across_reopening_and_a_torn_entry_is_dropped() {
    use vnlink::service::{Service, state_paths};
    let records = generated(300, 5);
    let cut = records.len() / 2;
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path(), &records[..cut]);
    let config = MatchConfig::default();

    let (mut service, opened) = Service::open(&path, &config, None).unwrap();
    assert!(opened.clustered);
    assert_eq!(opened.model_source, "trained");
    let mut batch = records[cut..].to_vec();
    batch.push(records[0].clone()); // an id the store has
    batch.push(records[cut].clone()); // an id given twice in the batch
    let out = service.add(batch).unwrap();
    assert_eq!(out.len(), records.len() - cut + 2);
    assert!(out[..records.len() - cut].iter().all(Result::is_ok));
    assert!(out[records.len() - cut].as_ref().unwrap_err().contains("already in the store"));
    assert!(out[records.len() - cut + 1].as_ref().unwrap_err().contains("twice"));
    let clusters = service.matcher().clusters().unwrap();
    drop(service);

    // Reopened: the model and clusters are read back, the log replayed, the same clusters.
    let (mut service, opened) = Service::open(&path, &config, None).unwrap();
    assert!(!opened.clustered);
    assert_eq!(opened.model_source, "saved");
    assert_eq!(opened.replayed as usize, records.len() - cut);
    assert_eq!(service.matcher().clusters().unwrap(), clusters);
    drop(service);

    // A deletion is logged too, and replayed.
    let (mut service, _) = Service::open(&path, &config, None).unwrap();
    let gone = records[cut].record_id.clone();
    service.delete(&gone).unwrap();
    let clusters: Vec<(String, String)> = service.matcher().clusters().unwrap();
    assert!(clusters.iter().all(|(r, _)| *r != gone));
    drop(service);
    let (mut service, opened) = Service::open(&path, &config, None).unwrap();
    assert_eq!(opened.replayed_deletes, 1);
    assert_eq!(service.matcher().clusters().unwrap(), clusters);
    drop(service);

    // A crash in the middle of an append: the torn entry is cut off, the rest stays.
    let (_, wal) = state_paths(&path);
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes.extend_from_slice(&[200, 0, 0, 0, 1, 2, 3, 4, b'{']);
    std::fs::write(&wal, &bytes).unwrap();
    let (mut service, opened) = Service::open(&path, &config, None).unwrap();
    assert_eq!(opened.truncated, 9);
    assert_eq!(service.matcher().clusters().unwrap(), clusters);
    assert_eq!(std::fs::read(&wal).unwrap().len(), bytes.len() - 9);
}

#[test]
fn the_add_command_writes_assignments_and_cluster_changes() {
    use crate::util::{s, vnlink_ok};
    let (records, truth) = crate::util::sample();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&records).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let cut = rows.len() * 6 / 10;
    let write = |name: &str, rows: &[&str]| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        p
    };
    let (a, b) = (write("a.csv", &rows[..cut]), write("b.csv", &rows[cut..]));
    let store = dir.path().join("people.vnl");
    vnlink_ok(&["build", s(&a), "-o", s(&store), "-q"], 0);
    let out = dir.path().join("out");
    vnlink_ok(&["add", s(&store), s(&b), "--out", s(&out), "--all-clusters", "-q"], 0);
    let assigned = crate::util::rows(&out.join("assignments.csv"));
    assert_eq!(
        crate::util::header(&out.join("assignments.csv")),
        ["record_id", "cluster_id", "action", "best_match_id", "best_match_probability"]
    );
    assert_eq!(assigned.len(), rows.len() - cut);
    assert!(assigned.iter().any(|r| r[2] == "joined"));
    assert!(assigned.iter().any(|r| r[2] == "new_cluster" && r[0] == r[1]));
    assert_eq!(
        crate::util::header(&out.join("cluster_changes.csv")),
        ["cluster_id", "change", "other", "record_id"]
    );
    assert!(!crate::util::rows(&out.join("cluster_changes.csv")).is_empty());
    // Every record, store and added, in clusters.csv, scored against the truth as a batch run.
    let scores = crate::util::eval(&truth, "--clusters", &out.join("clusters.csv"));
    let f1 = scores["pairwise"]["f1"].as_f64().unwrap();
    assert!(f1 > 0.99, "{f1}");

    // Adding a record whose id the store has: reported, skipped, exit status 1.
    let again = write("c.csv", &rows[..1]);
    let o = crate::util::vnlink(&["add", s(&store), s(&again), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already in the store"));
}

#[test]
fn compaction_keeps_every_cluster_and_id_and_a_crash_at_any_step_leaves_one_generation() {
    use vnlink::compare::Records;
    use vnlink::service::compact::next_paths;
    use vnlink::service::{Service, state_paths};
    let records = generated(400, 9);
    let n = records.len();
    let cut = n / 2;
    let dir = tempfile::tempdir().unwrap();
    let path = store_file(dir.path(), &records[..cut]);
    let config = MatchConfig::default();
    let (clusters_path, wal_path) = state_paths(&path);

    let (mut service, _) = Service::open(&path, &config, None).unwrap();
    let later = n - 40;
    assert!(service.add(records[cut..later].to_vec()).unwrap().iter().all(Result::is_ok));
    // One record of the store and one added are deleted: their ids stay taken.
    let gone = [records[3].record_id.clone(), records[cut + 5].record_id.clone()];
    for g in &gone {
        service.delete(g).unwrap();
    }
    let before = service.matcher().clusters().unwrap();
    let old_store = Arc::clone(service.matcher().store());
    let old_clusters = std::fs::read(&clusters_path).unwrap();
    let old_wal = std::fs::read(&wal_path).unwrap();

    let c = service.compact().unwrap();
    assert_eq!((c.records as usize, c.folded as usize, c.tombstones), (later, later - cut, 2));
    assert_eq!(service.matcher().clusters().unwrap(), before, "clusters and ids kept");
    assert!(service.wal_bytes() < 100, "the log starts afresh: {} bytes", service.wal_bytes());
    for g in &gone {
        assert!(service.matcher().record(g).unwrap().is_none());
        let e = service.add(vec![Record { record_id: g.clone(), ..records[0].clone() }]).unwrap();
        assert!(e[0].as_ref().unwrap_err().contains("deleted"), "{e:?}");
    }
    // The old generation's mapping still reads (a reader that had it keeps it), and the new
    // one prepared its records as the first build did: the same features.
    let new_store = Store::open(&path).unwrap();
    assert_eq!(new_store.record_count() as usize, later);
    let (old_view, new_view) = (View::new(&old_store).unwrap(), View::new(&new_store).unwrap());
    for i in (0..cut as u32).filter(|&i| i != 3) {
        assert_eq!(old_view.features(i), new_view.features(i), "record {i}");
        assert_eq!(old_view.name_ascii(i), new_view.name_ascii(i), "record {i}");
    }
    assert_eq!(new_view.record_ids().unwrap().get(3), gone[0], "a tombstone keeps the id");
    assert_eq!(new_view.name_ascii(3), "", "and nothing else");

    // Additions after the compaction, then a reopening: the same clusters.
    assert!(service.add(records[later..].to_vec()).unwrap().iter().all(Result::is_ok));
    let after = service.matcher().clusters().unwrap();
    drop(service);
    let (mut service, opened) = Service::open(&path, &config, None).unwrap();
    assert_eq!(opened.replayed as usize, n - later);
    assert_eq!(service.matcher().clusters().unwrap(), after);
    drop(service);

    // A crash between renaming the store and its clusters (and before the log was carried
    // over): the next open finishes the switch and carries the log over.
    let compacted_clusters = std::fs::read(&clusters_path).unwrap();
    let compacted_wal = std::fs::read(&wal_path).unwrap();
    let mut wal_then = old_wal.clone();
    wal_then.extend_from_slice(&compacted_wal[16..]); // what was logged after the fold point
    std::fs::write(next_paths(&path).1, &compacted_clusters).unwrap();
    std::fs::write(&clusters_path, &old_clusters).unwrap();
    std::fs::write(&wal_path, &wal_then).unwrap();
    let (mut service, opened) = Service::open(&path, &config, None).unwrap();
    assert_eq!(opened.replayed as usize, n - later);
    assert_eq!(service.matcher().clusters().unwrap(), after);
    assert!(!next_paths(&path).1.exists());
    drop(service);
    assert_eq!(std::fs::read(&wal_path).unwrap(), compacted_wal, "the log carried over");

    // A crash before the switch: the next generation's files are left over, and removed.
    std::fs::write(next_paths(&path).0, b"half a store").unwrap();
    std::fs::write(next_paths(&path).1, &old_clusters).unwrap();
    let (mut service, _) = Service::open(&path, &config, None).unwrap();
    assert_eq!(service.matcher().clusters().unwrap(), after);
    assert!(!next_paths(&path).0.exists() && !next_paths(&path).1.exists());

    // One process changes a store at a time.
    let e = Service::open(&path, &config, None).unwrap_err().to_string();
    assert!(e.contains("another vnlink process"), "{e}");
}

#[test]
fn the_compact_command_reads_records_as_the_first_build_did() {
    use crate::util::{s, vnlink_ok};
    use vnlink::compare::Records;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // Dates month first and whole names given name first: a rebuild must read them so again.
    let header = "id,name,birth_date,city\n";
    let a = write(
        "a.csv",
        &format!(
            "{header}a1,John Smith,12/31/1980,Springfield\na2,Mary Johnson,01/22/1975,Shelbyville\n\
             a3,Peter Brown,03/14/1990,Ogdenville\na4,Lisa Simpson,05/19/1982,Springfield\n"
        ),
    );
    let b = write("b.csv", &format!("{header}b1,Jon Smith,12/31/1980,Springfield\n"));
    let store = dir.path().join("us.vnl");
    vnlink_ok(&["build", s(&a), "-o", s(&store), "-q"], 0);
    let old = Store::open(&store).unwrap();
    let old_view = View::new(&old).unwrap();
    assert!(old_view.meta().unwrap().month_first);
    let out = dir.path().join("out");
    vnlink_ok(&["add", s(&store), s(&b), "--out", s(&out), "-q"], 0);
    let before = crate::util::rows(&out.join("assignments.csv"));
    vnlink_ok(&["compact", s(&store), "-q"], 0);
    let new = Store::open(&store).unwrap();
    let new_view = View::new(&new).unwrap();
    assert_eq!(new_view.len(), 5);
    let meta = new_view.meta().unwrap();
    assert!(meta.month_first);
    assert_eq!(meta.given_first, old_view.meta().unwrap().given_first);
    for i in 0..4 {
        assert_eq!(old_view.features(i), new_view.features(i), "record {i}");
    }
    // The added record was folded in with its cluster; the store takes more after.
    let c = write("c.csv", &format!("{header}c1,John Smith,12/31/1980,Springfield\n"));
    vnlink_ok(&["add", s(&store), s(&c), "--out", s(&out), "--all-clusters", "-q"], 0);
    let clusters = crate::util::rows(&out.join("clusters.csv"));
    assert_eq!(clusters.len(), 6);
    assert!(clusters.iter().any(|r| r[0] == "b1" && r[1] == before[0][1]), "{clusters:?}");
}

#[test]
fn a_copy_given_the_same_plans_is_the_same_matcher() {
    // A server reads one copy while it plans on the other, and commits each plan to both.
    let records = generated(300, 13);
    let cut = records.len() / 2;
    let base = Store::from_records(&records[..cut], &BuildOptions::default()).unwrap();
    let config = config_of(&base);
    let model = vnlink::model::train::reference_model(&View::new(&base).unwrap());
    let mut a = Incremental::open(Arc::new(base), model, &config, None).unwrap();
    let mut b = a.clone();
    for (k, r) in records[cut..].iter().enumerate() {
        let planned = a.plan(r.clone()).unwrap();
        let on_a = a.commit(planned.clone()).unwrap();
        assert_eq!(b.commit(planned.clone()).unwrap(), on_a);
        // A plan commits onto the state it was made against only.
        assert!(b.commit(planned).is_err(), "a stale plan was applied");
        if k % 50 == 7 {
            let planned = a.plan_delete(&r.record_id).unwrap();
            assert_eq!(
                a.commit_delete(planned.clone()).unwrap(),
                b.commit_delete(planned).unwrap()
            );
        }
    }
    assert_eq!(a.clusters().unwrap(), b.clusters().unwrap());
    assert_eq!(a.changes(), b.changes());
    // The copies share the store: the clone did not copy it.
    assert!(Arc::ptr_eq(a.store(), b.store()));
}
