//! Store benches: writing a realistic store, opening it, scanning a column, scanning and
//! randomly reading a record column of 96-byte structs, posting-list builds and lookups. Every
//! bench checks a known result, so a bench that silently does nothing fails.
//!
//! `cargo bench --bench store` runs the 1M-record set (`-- record_` for the record column
//! only). `VNLINK_BENCH_LARGE=1` adds the national-scale checks: `Store::open` and a column scan
//! on a 10M-record store, and building a posting list of 10M keys with a 64 MiB budget (peak RSS
//! of that build printed on stderr; run it alone, e.g. `cargo bench --bench store --
//! postings_build`, for a clean figure).

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use vnlink::store::{
    BlockBuilder, ColumnType, DEFAULT_BLOCK_RECORDS, PostingsBuilder, Store, StoreLayout,
    StoreWriter,
};

#[path = "../tests/fixtures/store.rs"]
mod fixture;
use fixture::{Features, Rng};

const FAMILY: &[&str] =
    &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
const MIDDLE: &[&str] = &["Văn", "Thị", "Hữu", "Ngọc", "Minh", "Thanh", "Đức", "Thu"];
const GIVEN: &[&str] = &[
    "An", "Bích", "Cường", "Dũng", "Hằng", "Khoa", "Mười", "Thúy", "Hùng", "Lan", "Phương", "Tuấn",
];
const STREET: &[&str] =
    &["phố Huế", "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Cách Mạng Tháng Tám"];
const WARD: &[&str] = &["P. Phạm Đình Hổ", "P. Bến Nghé", "X. Tân Phú", "P. 12", "P. Láng Thượng"];
const PROVINCE: &[&str] =
    &["Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Nghệ An", "Thanh Hóa"];

/// 6 string columns of ~10–50 bytes and 10 numeric ones.
fn layout() -> StoreLayout {
    let mut l = StoreLayout::new(DEFAULT_BLOCK_RECORDS)
        .column("record_id", ColumnType::Str)
        .column("full_name", ColumnType::Str)
        .column("name_folded", ColumnType::Str)
        .column("address", ColumnType::Str)
        .column("national_id", ColumnType::Str)
        .column("phone", ColumnType::Str)
        .column("dob", ColumnType::U32)
        .column("sex", ColumnType::U8)
        .column("birth_year", ColumnType::U16)
        .column("province", ColumnType::U16);
    for i in 0..6 {
        l = l.column(format!("key{i}"), if i % 2 == 0 { ColumnType::U64 } else { ColumnType::U32 });
    }
    l
}

/// The blocks of `n` records, and the sum of the `dob` column.
fn blocks(n: u64, seed: u64) -> (Vec<BlockBuilder>, u64) {
    let layout = layout();
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    let mut dob_sum = 0u64;
    let mut left = n;
    let mut rec = 0u64;
    while left > 0 {
        let len = left.min(u64::from(DEFAULT_BLOCK_RECORDS));
        let mut b = BlockBuilder::new(&layout);
        for _ in 0..len {
            b.str_mut(0).unwrap().push(&format!("R{rec:09}"));
            let name = format!("{} {} {}", rng.pick(FAMILY), rng.pick(MIDDLE), rng.pick(GIVEN));
            b.str_mut(1).unwrap().push(&name);
            b.str_mut(2).unwrap().push(&vnlink::normalize::text::fold(&name));
            let addr = format!(
                "Số {} {}, {}, {}",
                rng.next() % 300,
                rng.pick(STREET),
                rng.pick(WARD),
                rng.pick(PROVINCE)
            );
            b.str_mut(3).unwrap().push(&addr);
            b.str_mut(4).unwrap().push(&format!("{:012}", rng.next() % 1_000_000_000_000));
            b.str_mut(5).unwrap().push(&format!("09{:08}", rng.next() % 100_000_000));
            let dob = 19_300_101 + (rng.next() % 900_000) as u32;
            dob_sum += u64::from(dob);
            b.fixed_mut::<u32>(6).unwrap().push(dob);
            b.fixed_mut::<u8>(7).unwrap().push((rng.next() % 3) as u8);
            b.fixed_mut::<u16>(8).unwrap().push((dob / 10_000) as u16);
            b.fixed_mut::<u16>(9).unwrap().push((rng.next() % 63) as u16);
            for i in 0..6 {
                let v = rng.next();
                if i % 2 == 0 {
                    b.fixed_mut::<u64>(10 + i).unwrap().push(v);
                } else {
                    b.fixed_mut::<u32>(10 + i).unwrap().push(v as u32);
                }
            }
            rec += 1;
        }
        left -= len;
        out.push(b);
    }
    (out, dob_sum)
}

fn write_store(path: &Path, blocks: &[BlockBuilder]) -> u64 {
    let mut w = StoreWriter::create(path, layout()).unwrap();
    for b in blocks {
        w.push_block(b).unwrap();
    }
    w.finish().unwrap().records
}

fn scan_sum(store: &Store) -> u64 {
    let dob = store.column::<u32>("dob").unwrap();
    dob.blocks().iter().map(|b| b.iter().map(|&v| u64::from(v)).sum::<u64>()).sum()
}

/// What the record scans compute: the sum of `dob` and `province` over the records.
fn features_sum(f: &Features) -> u64 {
    u64::from(f.dob) + u64::from(f.province)
}

/// Writes a store of `n` records with a `Record` column of [`Features`] (and a `u32` column),
/// block by block; returns the expected scan sum.
fn write_features_store(path: &Path, n: u64) -> u64 {
    let layout = StoreLayout::new(DEFAULT_BLOCK_RECORDS)
        .column("dob", ColumnType::U32)
        .record_column("features", size_of::<Features>() as u32);
    let mut w = StoreWriter::create(path, layout).unwrap();
    let mut block = BlockBuilder::new(w.layout());
    let mut rng = Rng(9);
    let mut sum = 0u64;
    let mut rec = 0u64;
    while rec < n {
        block.clear();
        let len = (n - rec).min(u64::from(DEFAULT_BLOCK_RECORDS));
        for _ in 0..len {
            let dob = 19_300_101 + (rng.next() % 900_000) as u32;
            let f = Features {
                record: rec,
                name_hash: [rng.next(), rng.next(), rng.next(), rng.next()],
                dob,
                address_code: rng.next() as u32,
                tokens: std::array::from_fn(|_| (rng.next() % 5000) as u32),
                year: (dob / 10_000) as u16,
                province: (rng.next() % 63) as u16,
                district: (rng.next() % 700) as u16,
                ward: (rng.next() % 11_000) as u16,
                sex: (rng.next() % 3) as u8,
                flags: 0,
                pad: [0; 6],
            };
            sum += features_sum(&f);
            block.fixed_mut::<u32>(0).unwrap().push(dob);
            block.records_mut(1).unwrap().push(&f).unwrap();
            rec += 1;
        }
        w.push_block(&block).unwrap();
    }
    assert_eq!(w.finish().unwrap().records, n);
    sum
}

fn scan_features(store: &Store) -> u64 {
    let col = store.record_column::<Features>("features").unwrap();
    col.blocks().iter().map(|b| b.iter().map(features_sum).sum::<u64>()).sum()
}

/// Record column benches: 1M records of a 96-byte struct (96 MB of records).
fn record_benches(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("features.vnl");
    let expected = write_features_store(&path, N);
    let mut g = c.benchmark_group("store");
    g.sample_size(20);
    g.throughput(Throughput::Elements(N));
    g.bench_function("scan_record_column_96b_1m_first_use", |b| {
        // Includes opening and the per-section CRC check of the column's 16 blocks.
        b.iter(|| assert_eq!(scan_features(&Store::open(&path).unwrap()), expected));
    });
    let store = Store::open(&path).unwrap();
    let col = store.record_column::<Features>("features").unwrap();
    g.bench_function("scan_record_column_96b_1m_validated", |b| {
        b.iter(|| {
            let s: u64 = col.blocks().iter().map(|b| b.iter().map(features_sum).sum::<u64>()).sum();
            assert_eq!(s, expected);
        });
    });
    g.bench_function("scan_record_column_96b_1m_iter", |b| {
        b.iter(|| assert_eq!(col.iter().map(features_sum).sum::<u64>(), expected));
    });
    let mut rng = Rng(5);
    let idx: Vec<u64> = (0..N).map(|_| rng.next() % N).collect();
    let dob = store.column::<u32>("dob").unwrap();
    let expected_random: u64 = idx.iter().map(|&i| u64::from(dob.get(i))).sum();
    g.bench_function("random_get_record_96b_1m", |b| {
        b.iter(|| {
            let s: u64 = idx.iter().map(|&i| u64::from(col.get(i).dob)).sum();
            assert_eq!(s, expected_random);
        });
    });
    g.finish();
}

/// The process's peak resident set size in KiB (`VmHWM`, Linux).
fn peak_rss_kib() -> Option<u64> {
    vnlink::bench::peak_rss_bytes().map(|b| b / 1024)
}

fn store_benches(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let large = std::env::var_os("VNLINK_BENCH_LARGE").is_some();
    let dir = tempfile::tempdir().unwrap();
    let (blocks_1m, dob_sum_1m) = blocks(N, 1);
    let path_1m = dir.path().join("1m.vnl");
    assert_eq!(write_store(&path_1m, &blocks_1m), N);
    let size_1m = std::fs::metadata(&path_1m).unwrap().len();
    eprintln!("1M-record store: {size_1m} bytes");

    let mut g = c.benchmark_group("store");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N));
    g.bench_function("write_1m_records_to_file", |b| {
        let p = dir.path().join("w.vnl");
        b.iter(|| assert_eq!(write_store(&p, &blocks_1m), N));
    });
    g.bench_function("write_1m_records_to_memory", |b| {
        b.iter(|| {
            let mut w = StoreWriter::in_memory(layout()).unwrap();
            for blk in &blocks_1m {
                w.push_block(blk).unwrap();
            }
            let (bytes, s) = w.finish().unwrap();
            assert_eq!((s.records, bytes.len() as u64), (N, size_1m));
        });
    });
    drop(blocks_1m);

    g.throughput(Throughput::Elements(1));
    g.sample_size(50);
    g.bench_function("open_1m", |b| {
        b.iter(|| assert_eq!(Store::open(&path_1m).unwrap().record_count(), N));
    });

    let store = Store::open(&path_1m).unwrap();
    g.throughput(Throughput::Bytes(N * 4));
    g.bench_function("scan_u32_column_1m_first_use", |b| {
        // Includes opening and the per-section CRC check of the column's blocks.
        b.iter(|| assert_eq!(scan_sum(&Store::open(&path_1m).unwrap()), dob_sum_1m));
    });
    g.bench_function("scan_u32_column_1m_validated", |b| {
        let dob = store.column::<u32>("dob").unwrap();
        b.iter(|| {
            let s: u64 =
                dob.blocks().iter().map(|b| b.iter().map(|&v| u64::from(v)).sum::<u64>()).sum();
            assert_eq!(s, dob_sum_1m);
        });
    });
    g.throughput(Throughput::Elements(N));
    g.bench_function("random_get_str_1m", |b| {
        let names = store.str_column("full_name").unwrap();
        let mut rng = Rng(5);
        let idx: Vec<u64> = (0..N).map(|_| rng.next() % N).collect();
        let expected: usize = idx.iter().map(|&i| names.get(i).len()).sum();
        b.iter(|| assert_eq!(idx.iter().map(|&i| names.get(i).len()).sum::<usize>(), expected));
    });
    drop(store);

    postings_benches(&mut g, dir.path(), &path_1m, N);

    if large {
        large_benches(&mut g, dir.path());
    }
    g.finish();
}

/// Posting lists: `n` records, key = hash of (folded name, birth year), lookups of every key.
fn postings_benches(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    dir: &Path,
    path_1m: &Path,
    n: u64,
) {
    const N: u64 = 1_000_000;
    assert_eq!(n, N);
    let pstore_path = dir.join("postings.vnl");
    let (keys, expected_pairs) = {
        let store = Store::open(path_1m).unwrap();
        let folded = store.str_column("name_folded").unwrap();
        let year = store.column::<u16>("birth_year").unwrap();
        let keys: Vec<u64> = (0..N)
            .map(|i| {
                let mut h = rustc_hash::FxHasher::default();
                std::hash::Hash::hash(folded.get(i), &mut h);
                std::hash::Hash::hash(&year.get(i), &mut h);
                std::hash::Hasher::finish(&h)
            })
            .collect();
        let mut w =
            StoreWriter::create(&pstore_path, StoreLayout::new(1).column("x", ColumnType::U8))
                .unwrap();
        let mut pb = PostingsBuilder::new().spill_dir(dir);
        pb.extend(keys.iter().enumerate().map(|(i, &k)| (k, i as u32))).unwrap();
        let s = w.add_postings("name_year", pb).unwrap();
        w.finish().unwrap();
        eprintln!("postings: {} pairs, {} keys, largest group {}", s.pairs, s.keys, s.max_group);
        (keys, s.pairs)
    };
    let pstore = Store::open(&pstore_path).unwrap();
    let p = pstore.postings("name_year").unwrap();
    g.throughput(Throughput::Elements(N));
    g.bench_function("postings_lookup_1m_hits", |b| {
        // Every record's key: every lookup finds a non-empty group.
        b.iter(|| {
            let found = keys.iter().filter(|&&k| !p.lookup(k).is_empty()).count();
            assert_eq!(found as u64, N);
        });
    });
    g.bench_function("postings_lookup_1m_hits_plain_binary_search", |b| {
        // The baseline `lookup` is compared with: `keys().binary_search` then `group`.
        b.iter(|| {
            let found = keys
                .iter()
                .filter(|&&k| p.keys().binary_search(&k).is_ok_and(|i| !p.group(i).is_empty()))
                .count();
            assert_eq!(found as u64, N);
        });
    });
    g.bench_function("postings_iterate_groups", |b| {
        b.iter(|| assert_eq!(p.iter().map(|(_, r)| r.len() as u64).sum::<u64>(), expected_pairs));
    });
    g.bench_function(BenchmarkId::new("postings_build", "1m_default_budget"), |b| {
        b.iter(|| {
            let mut w =
                StoreWriter::in_memory(StoreLayout::new(1).column("x", ColumnType::U8)).unwrap();
            let mut pb = PostingsBuilder::new();
            pb.extend(keys.iter().enumerate().map(|(i, &k)| (k, i as u32))).unwrap();
            assert_eq!(w.add_postings("k", pb).unwrap().pairs, expected_pairs);
        });
    });
    drop(pstore);
}

#[allow(clippy::many_single_char_names)]
fn large_benches(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    dir: &Path,
) {
    const N: u64 = 10_000_000;
    // 10 chunks of 16 full blocks (1,048,576 records each): 10,485,760 records, written
    // chunk by chunk so that memory stays small.
    const CHUNK: u64 = 16 * DEFAULT_BLOCK_RECORDS as u64;
    let path = dir.join("10m.vnl");
    let t = Instant::now();
    let mut w = StoreWriter::create(&path, layout()).unwrap();
    let mut dob_sum = 0u64;
    for chunk in 0..10 {
        let (bs, s) = blocks(CHUNK, 100 + chunk);
        dob_sum += s;
        for b in &bs {
            w.push_block(b).unwrap();
        }
    }
    let s = w.finish().unwrap();
    eprintln!(
        "10M store: {} records, {} blocks, {} sections, {} bytes, written in {:.1?}",
        s.records,
        s.blocks,
        s.sections,
        s.bytes,
        t.elapsed()
    );
    let records = s.records;
    g.throughput(Throughput::Elements(1));
    g.sample_size(50);
    g.bench_function("open_10m", |b| {
        b.iter(|| assert_eq!(Store::open(&path).unwrap().record_count(), records));
    });
    let store = Store::open(&path).unwrap();
    g.sample_size(10);
    g.throughput(Throughput::Bytes(records * 4));
    g.bench_function("scan_u32_column_10m_first_use", |b| {
        b.iter(|| assert_eq!(scan_sum(&Store::open(&path).unwrap()), dob_sum));
    });
    let dob = store.column::<u32>("dob").unwrap();
    g.bench_function("scan_u32_column_10m_validated", |b| {
        b.iter(|| {
            let s: u64 =
                dob.blocks().iter().map(|b| b.iter().map(|&v| u64::from(v)).sum::<u64>()).sum();
            assert_eq!(s, dob_sum);
        });
    });
    drop(dob);
    drop(store);
    let _ = std::fs::remove_file(&path);

    // Posting build of 10M (key, record) pairs with the default 64 MiB budget.
    g.throughput(Throughput::Elements(N));
    let out = dir.join("p10m.vnl");
    g.bench_function(BenchmarkId::new("postings_build", "10m_64mib_budget"), |b| {
        b.iter(|| assert_eq!(build_postings_10m(&out, dir).pairs, N));
    });
    // Lookups in that list: ~2M distinct hashed keys (built here if the filter skipped the
    // build bench).
    if !out.exists() {
        build_postings_10m(&out, dir);
    }
    let store = Store::open(&out).unwrap();
    let p = store.postings("k").unwrap();
    let mut rng = Rng(3);
    let probes: Vec<u64> =
        (0..1_000_000).map(|_| p.keys()[(rng.next() % p.key_count() as u64) as usize]).collect();
    g.throughput(Throughput::Elements(probes.len() as u64));
    g.bench_function("postings_lookup_10m_list_hits", |b| {
        b.iter(|| {
            assert_eq!(probes.iter().filter(|&&k| !p.lookup(k).is_empty()).count(), probes.len());
        });
    });
    g.bench_function("postings_find_10m_list", |b| {
        b.iter(|| {
            assert_eq!(probes.iter().filter(|&&k| p.find(k).is_some()).count(), probes.len());
        });
    });
    g.bench_function("postings_find_10m_list_plain_binary_search", |b| {
        b.iter(|| {
            let found = probes.iter().filter(|&&k| p.keys().binary_search(&k).is_ok()).count();
            assert_eq!(found, probes.len());
        });
    });
}

/// Builds a posting list of 10M pairs (keys: 2M distinct hashed values) with the default
/// budget into a store at `out`.
fn build_postings_10m(out: &Path, dir: &Path) -> vnlink::store::PostingsSummary {
    let mut w = StoreWriter::create(out, StoreLayout::new(1).column("x", ColumnType::U8)).unwrap();
    let mut pb = PostingsBuilder::new().spill_dir(dir);
    let mut rng = Rng(77);
    for r in 0..10_000_000u32 {
        let k = Rng(rng.next() % 2_000_000).next();
        pb.push(k, r).unwrap();
    }
    let s = w.add_postings("k", pb).unwrap();
    w.finish().unwrap();
    black_box(s)
}

/// `VNLINK_BENCH_POSTINGS_RSS=1 cargo bench --bench store`: builds the 10M posting list once in
/// a fresh process and prints the time and the process's peak RSS, then exits.
fn postings_rss_only() -> bool {
    if std::env::var_os("VNLINK_BENCH_POSTINGS_RSS").is_none() {
        return false;
    }
    let dir = tempfile::tempdir().unwrap();
    let before = peak_rss_kib();
    let t = Instant::now();
    let s = build_postings_10m(&dir.path().join("p.vnl"), dir.path());
    assert_eq!(s.pairs, 10_000_000);
    eprintln!(
        "postings_build 10M pairs: {} keys, {} spilled runs, {:.2?}, peak RSS {} KiB (at start {} KiB)",
        s.keys,
        s.spilled_runs,
        t.elapsed(),
        peak_rss_kib().unwrap_or(0),
        before.unwrap_or(0)
    );
    true
}

fn main_benches(c: &mut Criterion) {
    if !postings_rss_only() {
        record_benches(c);
        store_benches(c);
    }
}

criterion_group!(benches, main_benches);
criterion_main!(benches);
