//! The `.vnl` store through its public API: round trips of every column type (record columns of
//! `Pod` structs included) through a file and through memory, partial and empty stores, posting
//! lists with and without spills, sharing a store across threads, and writer and reader misuse
//! (record types of the wrong size or alignment).

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use vnlink::Error;
use vnlink::store::{
    BlockBuilder, ColumnType, PostingsBuilder, Store, StoreLayout, StoreWriter, Value,
};

#[path = "fixtures/store.rs"]
mod fixture;
use fixture::Features;
pub use fixture::Rng;

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng"];
const MIDDLE: [&str; 5] = ["Văn", "Thị", "Hữu", "Ngọc", ""];
const GIVEN: [&str; 8] = ["An", "Bích", "Cường", "Dũng", "Hằng", "Khoa", "Mười", "Thúy"];

/// The record-column struct of the sample: 24 bytes, alignment 8, no padding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Feat {
    pub key: u64,
    pub dob: u32,
    pub year: u16,
    pub sex: u8,
    pub flags: u8,
    pub scores: [u16; 4],
}

/// Width of [`Feat`], as the layout declares it.
pub const FEAT_WIDTH: u32 = size_of::<Feat>() as u32;

/// One record of the sample data.
#[derive(Clone, Debug, PartialEq)]
pub struct Rec {
    pub sex: u8,
    pub year: u16,
    pub dob: u32,
    pub id: u64,
    pub name: String,
    pub tokens: Vec<u32>,
    pub feat: Feat,
}

/// `n` deterministic records with Vietnamese names, some empty strings and empty lists.
pub fn records(n: usize, seed: u64) -> Vec<Rec> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| {
            let name = if i % 11 == 5 {
                String::new()
            } else {
                let m = MIDDLE[r.below(5) as usize];
                let sep = if m.is_empty() { "" } else { " " };
                format!("{} {m}{sep}{}", FAMILY[r.below(8) as usize], GIVEN[r.below(8) as usize])
            };
            let ntok = r.below(4) as usize;
            let (sex, year, dob) = (
                r.below(3) as u8,
                1930 + r.below(90) as u16,
                19_000_101 + r.below(1_000_000) as u32,
            );
            let feat = Feat {
                key: r.next(),
                dob,
                year,
                sex,
                flags: r.next() as u8,
                scores: [r.next() as u16, r.next() as u16, 0, u16::MAX],
            };
            Rec {
                sex,
                year,
                dob,
                id: r.next(),
                name,
                tokens: (0..ntok).map(|_| r.below(5000) as u32).collect(),
                feat,
            }
        })
        .collect()
}

/// The layout of the sample: one column of every type, the record column last.
pub fn layout(block_records: u32) -> StoreLayout {
    StoreLayout::new(block_records)
        .column("sex", ColumnType::U8)
        .column("year", ColumnType::U16)
        .column("dob", ColumnType::U32)
        .column("id", ColumnType::U64)
        .column("full_name", ColumnType::Str)
        .column("tokens", ColumnType::U32List)
        .record_column("features", FEAT_WIDTH)
}

pub fn values(r: &Rec) -> [Value<'_>; 7] {
    [
        Value::U8(r.sex),
        Value::U16(r.year),
        Value::U32(r.dob),
        Value::U64(r.id),
        Value::Str(&r.name),
        Value::U32List(&r.tokens),
        Value::Record(bytemuck::bytes_of(&r.feat)),
    ]
}

/// Writes `recs` record by record, plus two globals and two posting lists.
fn write_rows<S: vnlink::store::Sink>(w: &mut StoreWriter<S>, recs: &[Rec]) {
    for r in recs {
        w.push_record(&values(r)).unwrap();
    }
    add_extras(w, recs);
}

fn add_extras<S: vnlink::store::Sink>(w: &mut StoreWriter<S>, recs: &[Rec]) {
    w.add_global("meta.json", br#"{"source":"d\u00e2n c\u01b0"}"#).unwrap();
    w.add_global("empty", b"").unwrap();
    let mut by_year = PostingsBuilder::new();
    let mut by_token = PostingsBuilder::new();
    for (i, r) in recs.iter().enumerate() {
        by_year.push(u64::from(r.year), i as u32).unwrap();
        for &t in &r.tokens {
            by_token.push(u64::from(t), i as u32).unwrap();
        }
    }
    w.add_postings("year", by_year).unwrap();
    w.add_postings("token", by_token).unwrap();
}

/// A sample store in memory: `n` records in blocks of `block_records`.
pub fn sample_bytes(n: usize, block_records: u32) -> Vec<u8> {
    let recs = records(n, 42);
    let mut w = StoreWriter::in_memory(layout(block_records)).unwrap();
    write_rows(&mut w, &recs);
    w.finish().unwrap().0
}

/// Checks every value of `store` against `recs`, through every access path.
fn check_store(store: &Store, recs: &[Rec], block_records: u32) {
    store.verify().unwrap();
    assert_eq!(store.record_count(), recs.len() as u64);
    assert_eq!(store.block_records(), block_records);
    assert_eq!(store.block_count() as usize, recs.len().div_ceil(block_records as usize));
    let sex = store.column::<u8>("sex").unwrap();
    let year = store.column::<u16>("year").unwrap();
    let dob = store.column::<u32>(2u32).unwrap();
    let id = store.column::<u64>(3usize).unwrap();
    let name = store.str_column("full_name").unwrap();
    let tokens = store.list_column("tokens").unwrap();
    let feat = store.record_column::<Feat>("features").unwrap();
    assert_eq!(feat.len(), recs.len() as u64);
    assert_eq!(feat.blocks().len(), store.block_count() as usize);
    for (i, r) in recs.iter().enumerate() {
        let g = i as u64;
        assert_eq!(sex.get(g), r.sex);
        assert_eq!(year.get(g), r.year);
        assert_eq!(dob.get(g), r.dob);
        assert_eq!(id.get(g), r.id);
        assert_eq!(name.get(g), r.name);
        assert_eq!(tokens.get(g), &r.tokens[..]);
        assert_eq!(feat.get(g), &r.feat);
        assert_eq!(feat.try_get(g), Some(&r.feat));
    }
    let n = recs.len() as u64;
    assert_eq!((sex.try_get(n), name.try_get(n), tokens.try_get(n)), (None, None, None));
    assert_eq!(feat.try_get(n), None);
    assert!(dob.iter().eq(recs.iter().map(|r| r.dob)));
    assert!(name.iter().eq(recs.iter().map(|r| r.name.as_str())));
    assert!(tokens.iter().eq(recs.iter().map(|r| &r.tokens[..])));
    assert!(feat.iter().eq(recs.iter().map(|r| &r.feat)));
    // Per-block access.
    for b in 0..store.block_count() {
        let start = b as usize * block_records as usize;
        let len = store.block_len(b) as usize;
        let blk = &recs[start..start + len];
        assert_eq!(store.fixed_block::<u32>("dob", b).unwrap().len(), len);
        assert_eq!(dob.block(b), &blk.iter().map(|r| r.dob).collect::<Vec<_>>()[..]);
        let s = store.str_block("full_name", b).unwrap();
        assert_eq!(s.len(), len);
        assert!(s.iter().eq(blk.iter().map(|r| r.name.as_str())));
        let l = store.list_block("tokens", b).unwrap();
        assert!(l.iter().eq(blk.iter().map(|r| &r.tokens[..])));
        let f = store.record_block::<Feat>("features", b).unwrap();
        assert!(f.iter().eq(blk.iter().map(|r| &r.feat)));
        assert_eq!(feat.block(b), f);
        assert_eq!(store.record_block_bytes(6u32, b).unwrap(), bytemuck::cast_slice::<Feat, u8>(f));
    }
    assert_eq!(store.block_len(store.block_count()), 0);
    // Globals and postings against a model.
    assert_eq!(store.global_names(), ["empty", "meta.json"]);
    assert_eq!(store.global("empty").unwrap(), b"");
    assert_eq!(store.global("meta.json").unwrap(), br#"{"source":"d\u00e2n c\u01b0"}"#);
    assert_eq!(store.posting_names(), ["token", "year"]);
    let mut model: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for (i, r) in recs.iter().enumerate() {
        model.entry(u64::from(r.year)).or_default().push(i as u32);
    }
    let p = store.postings("year").unwrap();
    assert_eq!(p.key_count(), model.len());
    assert_eq!(p.pair_count(), recs.len());
    assert!(p.iter().eq(model.iter().map(|(k, v)| (*k, &v[..]))));
    for (k, v) in &model {
        assert_eq!(p.lookup(*k), &v[..]);
    }
    // Keys no record has (years are u16: none reaches 1 << 16).
    assert!(p.lookup(1 << 16).is_empty());
    assert!(p.lookup(u64::MAX).is_empty());
}

#[test]
fn round_trip_every_type_through_file_and_memory() {
    let br = 7;
    let recs = records(7 * 5 + 3, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.vnl");

    // Record by record, to a file.
    let mut w = StoreWriter::create(&path, layout(br)).unwrap();
    assert!(!path.exists());
    write_rows(&mut w, &recs);
    let summary = w.finish().unwrap();
    assert_eq!((summary.records, summary.blocks), (38, 6));
    assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");

    // Block by block, to memory.
    let mut w = StoreWriter::in_memory(layout(br)).unwrap();
    let mut block = BlockBuilder::new(w.layout());
    for chunk in recs.chunks(br as usize) {
        block.clear();
        for r in chunk {
            block.fixed_mut::<u8>(0).unwrap().push(r.sex);
            block.fixed_mut::<u16>(1).unwrap().push(r.year);
            block.fixed_mut::<u32>(2).unwrap().push(r.dob);
            block.fixed_mut::<u64>(3).unwrap().push(r.id);
            block.str_mut(4).unwrap().push(&r.name);
            block.list_mut(5).unwrap().push(&r.tokens);
        }
        // Records: all of a block at once, or one by one.
        let feats: Vec<Feat> = chunk.iter().map(|r| r.feat).collect();
        if chunk.len() % 2 == 0 {
            block.push_records(6, &feats).unwrap();
        } else {
            for f in &feats {
                block.records_mut(6).unwrap().push(f).unwrap();
            }
        }
        w.push_block(&block).unwrap();
    }
    add_extras(&mut w, &recs);
    let (bytes, mem_summary) = w.finish().unwrap();
    assert_eq!(mem_summary.path, Path::new("<memory>"));
    // The row API writes its last, partial block at `finish`, after the globals: same
    // content, other section order.
    assert_eq!(bytes.len() as u64, mem_summary.bytes);

    let from_file = Store::open(&path).unwrap();
    assert_eq!(from_file.path(), path);
    check_store(&from_file, &recs, br);
    let from_mem = Store::from_bytes(bytes).unwrap();
    check_store(&from_mem, &recs, br);
}

#[test]
fn misaligned_and_shared_bytes_are_accepted() {
    struct Offset(vnlink::store::SharedBytes);
    impl AsRef<[u8]> for Offset {
        fn as_ref(&self) -> &[u8] {
            &(*self.0).as_ref()[1..]
        }
    }
    let bytes = sample_bytes(30, 8);
    // A vector whose data starts at an odd address: from_bytes copies it to aligned memory.
    let mut padded = vec![0u8; bytes.len() + 1];
    padded[1..].copy_from_slice(&bytes);
    let shared: vnlink::store::SharedBytes = std::sync::Arc::new(padded);
    let store = Store::from_shared(std::sync::Arc::new(Offset(shared)), "embedded.vnl").unwrap();
    store.verify().unwrap();
    check_store(&store, &records(30, 42), 8);
    let err = Store::from_shared(std::sync::Arc::new(vec![1u8; 3]), "embedded.vnl").unwrap_err();
    assert!(err.to_string().contains("embedded.vnl"), "{err}");
}

#[test]
fn wide_offsets_read_like_narrow_ones() {
    let recs = records(30, 5);
    let mut narrow = StoreWriter::in_memory(layout(8)).unwrap();
    write_rows(&mut narrow, &recs);
    let narrow = narrow.finish().unwrap().0;
    let mut wide = StoreWriter::in_memory(layout(8)).unwrap();
    wide.set_wide_offsets(true);
    write_rows(&mut wide, &recs);
    let wide = wide.finish().unwrap().0;
    assert!(wide.len() > narrow.len());
    let store = Store::from_bytes(wide).unwrap();
    assert!(matches!(
        store.str_block("full_name", 0).unwrap().offsets(),
        vnlink::store::Offsets::Wide(_)
    ));
    check_store(&store, &recs, 8);
}

#[test]
fn full_blocks_only_and_single_record() {
    for n in [1, 8, 16] {
        let recs = records(n, 3);
        let mut w = StoreWriter::in_memory(layout(8)).unwrap();
        write_rows(&mut w, &recs);
        let store = Store::from_bytes(w.finish().unwrap().0).unwrap();
        check_store(&store, &recs, 8);
    }
}

#[test]
fn empty_store_has_no_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.vnl");
    let w = StoreWriter::create(&path, layout(65_536)).unwrap();
    let summary = w.finish().unwrap();
    assert_eq!((summary.records, summary.blocks), (0, 0));
    let store = Store::open(&path).unwrap();
    store.verify().unwrap();
    assert_eq!((store.record_count(), store.block_count()), (0, 0));
    assert!(store.column::<u32>("dob").unwrap().is_empty());
    assert!(store.str_column("full_name").unwrap().iter().next().is_none());
    assert!(store.list_column("tokens").unwrap().is_empty());
    assert!(store.record_column::<Feat>("features").unwrap().iter().next().is_none());
    assert!(store.record_column::<u64>("features").is_err(), "types are checked without blocks");
    assert!(store.global_names().is_empty() && store.posting_names().is_empty());
    let err = store.fixed_block::<u32>("dob", 0).unwrap_err();
    assert!(err.to_string().contains("no block 0"), "{err}");

    // An empty posting list.
    let mut w = StoreWriter::in_memory(layout(4)).unwrap();
    w.add_postings("none", PostingsBuilder::new()).unwrap();
    let store = Store::from_bytes(w.finish().unwrap().0).unwrap();
    let p = store.postings("none").unwrap();
    assert_eq!((p.key_count(), p.pair_count()), (0, 0));
    assert!(p.lookup(0).is_empty());
}

#[test]
fn postings_with_spills_equal_in_memory_and_model() {
    let mut rng = Rng(7);
    let pairs: Vec<(u64, u32)> = (0..60_000u32)
        .map(|i| {
            // Skewed keys (a few huge groups, many small ones) and some duplicate pairs.
            let k = if i % 5 == 0 { rng.below(4) } else { rng.next() % 20_000 };
            (k.wrapping_mul(0x9E37_79B9_7F4A_7C15), if i % 13 == 0 { i - i % 26 } else { i })
        })
        .collect();
    let build = |budget: usize| {
        let dir = tempfile::tempdir().unwrap();
        let mut b = PostingsBuilder::with_budget(budget).spill_dir(dir.path());
        b.extend(pairs.iter().copied()).unwrap();
        let runs = b.spilled_runs();
        let mut w = StoreWriter::in_memory(layout(4)).unwrap();
        let summary = w.add_postings("rule", b).unwrap();
        assert_eq!(summary.spilled_runs, runs);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "spill files removed");
        (w.finish().unwrap().0, summary)
    };
    let (in_mem, s1) = build(64 << 20);
    let (spilled, s2) = build(16 * 1000);
    assert_eq!(s1.spilled_runs, 0);
    assert!(s2.spilled_runs >= 50, "{s2:?}");
    assert_eq!(s1.pairs, s2.pairs);
    assert_eq!(s1.keys, s2.keys);
    assert_eq!(in_mem, spilled, "spilling does not change the bytes");

    let mut model: BTreeMap<u64, std::collections::BTreeSet<u32>> = BTreeMap::new();
    for &(k, r) in &pairs {
        model.entry(k).or_default().insert(r);
    }
    let store = Store::from_bytes(spilled).unwrap();
    store.verify().unwrap();
    let p = store.postings("rule").unwrap();
    assert_eq!(p.key_count() as u64, s2.keys);
    assert_eq!(p.key_count(), model.len());
    assert_eq!(p.pair_count(), model.values().map(std::collections::BTreeSet::len).sum::<usize>());
    assert_eq!(
        s2.max_group as usize,
        model.values().map(std::collections::BTreeSet::len).max().unwrap()
    );
    for ((k, recs), (mk, ms)) in p.iter().zip(&model) {
        assert_eq!(k, *mk);
        assert!(recs.iter().eq(ms.iter()));
        assert_eq!(p.lookup(k), recs);
    }
}

#[test]
fn store_is_shared_across_threads() {
    fn send_sync<T: Send + Sync + Clone>() {}
    send_sync::<Store>();
    let recs = records(500, 9);
    let mut w = StoreWriter::in_memory(layout(64)).unwrap();
    write_rows(&mut w, &recs);
    let store = Store::from_bytes(w.finish().unwrap().0).unwrap();
    let expected: u64 = recs.iter().map(|r| u64::from(r.dob) + r.name.len() as u64).sum();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                s.spawn(move || {
                    // Every thread races to validate the same sections first.
                    let dob = store.column::<u32>("dob").unwrap();
                    let name = store.str_column("full_name").unwrap();
                    let sum: u64 = (0..dob.len())
                        .map(|i| u64::from(dob.get(i)) + name.get(i).len() as u64)
                        .sum();
                    let p = store.postings("year").unwrap();
                    (sum, p.pair_count())
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), (expected, 500));
        }
    });
}

#[test]
fn writer_misuse_is_an_error() {
    let config = |e: Error| match e {
        Error::Config { reason, .. } => reason,
        other => panic!("expected a Config error, got {other}"),
    };
    assert!(StoreWriter::in_memory(StoreLayout::new(0).column("a", ColumnType::U8)).is_err());
    let mut w = StoreWriter::in_memory(layout(4)).unwrap();
    let r = &records(1, 1)[0];
    let mut bad = values(r);
    bad[0] = Value::U16(1);
    assert!(config(w.push_record(&bad).unwrap_err()).contains("value 0 is a u16"));
    assert!(config(w.push_record(&values(r)[..3]).unwrap_err()).contains("3 values"));
    assert_eq!(w.records(), 0);
    // Columns of unequal length.
    let mut b = BlockBuilder::new(w.layout());
    b.push_record(&values(r)).unwrap();
    b.fixed_mut::<u32>(2).unwrap().push(5);
    assert!(config(w.push_block(&b).unwrap_err()).contains("has 2 records"));
    // A partial block must be the last.
    b.fixed_mut::<u32>(2).unwrap().pop();
    w.push_block(&b).unwrap();
    assert!(config(w.push_block(&b).unwrap_err()).contains("must be the last"));
    assert!(config(w.push_record(&values(r)).unwrap_err()).contains("must be the last"));
    // Names.
    assert!(config(w.add_global("vnl.schema", b"x").unwrap_err()).contains("reserved"));
    assert!(config(w.add_global("", b"x").unwrap_err()).contains("1 to"));
    w.add_global("g", b"x").unwrap();
    assert!(config(w.add_global("g", b"y").unwrap_err()).contains("already"));
    w.add_postings("g", PostingsBuilder::new()).unwrap(); // another kind: allowed
    assert!(w.add_postings("g", PostingsBuilder::new()).is_err());
    let store = Store::from_bytes(w.finish().unwrap().0).unwrap();
    store.verify().unwrap();
    assert_eq!(store.record_count(), 1);
    // Readers: wrong type, unknown names.
    assert!(config(store.column::<u64>("dob").unwrap_err()).contains("is u32"));
    assert!(config(store.str_column("nope").unwrap_err()).contains("no such column"));
    assert!(store.column::<u8>(99u32).is_err());
    assert!(store.global("vnl.schema").is_err());
    assert!(store.postings("nope").is_err());
}

#[test]
fn dropping_an_unfinished_writer_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("half.vnl");
    {
        let mut w = StoreWriter::create(&path, layout(4)).unwrap();
        write_rows(&mut w, &records(10, 2));
    }
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, Error::Io { .. }) && err.to_string().contains("half.vnl"), "{err}");
}

#[test]
fn replacing_an_open_store_keeps_the_old_map_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.vnl");
    let old = records(20, 1);
    let mut w = StoreWriter::create(&path, layout(8)).unwrap();
    write_rows(&mut w, &old);
    w.finish().unwrap();
    let store = Store::open(&path).unwrap();
    let new = records(5, 2);
    let mut w = StoreWriter::create(&path, layout(8)).unwrap();
    write_rows(&mut w, &new);
    w.finish().unwrap();
    check_store(&store, &old, 8);
    check_store(&Store::open(&path).unwrap(), &new, 8);
}

fn features(n: u64, seed: u64) -> Vec<Features> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| Features {
            record: i,
            name_hash: [r.next(), r.next(), r.next(), r.next()],
            dob: 19_300_101 + r.below(900_000) as u32,
            address_code: r.next() as u32,
            tokens: std::array::from_fn(|_| r.below(5000) as u32),
            year: 1930 + r.below(90) as u16,
            province: r.below(64) as u16,
            district: r.below(1000) as u16,
            ward: r.next() as u16,
            sex: r.below(3) as u8,
            flags: r.next() as u8,
            pad: [0; 6],
        })
        .collect()
}

fn features_layout(block_records: u32) -> StoreLayout {
    StoreLayout::new(block_records)
        .column("dob", ColumnType::U32)
        .record_column("features", 96)
        .column("full_name", ColumnType::Str)
}

#[test]
fn record_column_of_96_byte_structs_round_trips() {
    assert_eq!((size_of::<Features>(), align_of::<Features>()), (96, 8));
    let (br, n) = (1000u32, 2_500u64); // two full blocks and a partial one
    let feats = features(n, 11);
    let names: Vec<String> = (0..n).map(|i| format!("Phạm Thị Hoa {i}")).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("features.vnl");

    // Block by block to a file, with push_records.
    let mut w = StoreWriter::create(&path, features_layout(br)).unwrap();
    let mut block = BlockBuilder::new(w.layout());
    for (chunk, names) in feats.chunks(br as usize).zip(names.chunks(br as usize)) {
        block.clear();
        block.fixed_mut::<u32>(0).unwrap().extend(chunk.iter().map(|f| f.dob));
        block.push_records(1, chunk).unwrap();
        assert_eq!(block.records_mut(1).unwrap().as_slice::<Features>().unwrap(), chunk);
        for s in names {
            block.str_mut(2).unwrap().push(s);
        }
        w.push_block(&block).unwrap();
    }
    w.finish().unwrap();

    // Record by record to memory, with Value::Record: the same bytes.
    let mut w = StoreWriter::in_memory(features_layout(br)).unwrap();
    for (f, s) in feats.iter().zip(&names) {
        w.push_record(&[Value::U32(f.dob), Value::Record(bytemuck::bytes_of(f)), Value::Str(s)])
            .unwrap();
    }
    let bytes = w.finish().unwrap().0;
    assert_eq!(bytes, std::fs::read(&path).unwrap());

    for store in [Store::open(&path).unwrap(), Store::from_bytes(bytes).unwrap()] {
        store.verify().unwrap();
        assert_eq!((store.record_count(), store.block_count()), (n, 3));
        assert_eq!(store.columns()[1].width, 96);
        assert_eq!(store.columns()[1].type_label(), "record[96]");
        let col = store.record_column::<Features>("features").unwrap();
        assert_eq!(col.len(), n);
        assert!(col.iter().eq(feats.iter()));
        for i in [0, 999, 1000, 1999, 2000, n - 1] {
            assert_eq!(col.get(i), &feats[i as usize]);
        }
        assert_eq!(col.try_get(n), None);
        assert_eq!(col.block(2).len(), 500);
        assert_eq!(store.record_block::<Features>(1u32, 2).unwrap(), &feats[2000..]);
        let dob = store.column::<u32>("dob").unwrap();
        assert!((0..n).all(|i| dob.get(i) == col.get(i).dob));
        // Viewed in place: no copy of the bytes.
        let bytes = store.record_block_bytes("features", 0).unwrap();
        let view = store.record_block::<Features>("features", 0).unwrap();
        assert_eq!(bytes.as_ptr(), view.as_ptr().cast::<u8>());
        assert_eq!(bytes.len(), 96 * 1000);
    }
}

#[test]
fn record_type_mismatches_are_errors() {
    #[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C, align(16))]
    struct Aligned16([u64; 12]);
    let config = |e: Error| match e {
        Error::Config { path, key, reason } => (path.unwrap().display().to_string(), key, reason),
        other => panic!("expected a Config error, got {other}"),
    };
    let feats = features(10, 3);

    // Writing.
    for w in [0, 12, 100, 4104] {
        let e = StoreWriter::in_memory(StoreLayout::new(4).record_column("x", w)).unwrap_err();
        assert!(config(e).2.contains("record width"), "{w}");
    }
    let e = StoreWriter::in_memory(StoreLayout::new(4).column("x", ColumnType::Record));
    assert!(config(e.unwrap_err()).2.contains("width 0"));
    let mut b = BlockBuilder::new(&features_layout(4));
    assert!(b.push_records(1, &[0u64; 12]).unwrap_err().to_string().contains("96 bytes"));
    assert!(
        b.push_records(1, &[Aligned16([0; 12])]).unwrap_err().to_string().contains("aligned to 16")
    );
    assert!(b.push_records(0, &feats[..1]).unwrap_err().to_string().contains("not record"));
    assert!(b.push_records(9, &feats[..1]).unwrap_err().to_string().contains("no column 9"));
    assert!(b.records_mut(0).is_none() && b.records_mut(9).is_none());
    assert!(b.records_mut(1).unwrap().is_empty(), "nothing appended by failed pushes");
    let mut w = StoreWriter::in_memory(features_layout(4)).unwrap();
    let short = [Value::U32(1), Value::Record(&[0; 95]), Value::Str("Lê Văn Tám")];
    assert!(config(w.push_record(&short).unwrap_err()).2.contains("value 1"));
    assert_eq!(w.records(), 0);
    // A block built for a layout whose record column has another width.
    let other = StoreLayout::new(4)
        .column("dob", ColumnType::U32)
        .record_column("features", 88)
        .column("full_name", ColumnType::Str);
    let mut b = BlockBuilder::new(&other);
    b.fixed_mut::<u32>(0).unwrap().push(1);
    b.push_records(1, &[[0u64; 11]]).unwrap();
    b.str_mut(2).unwrap().push("Đỗ Minh");
    assert!(config(w.push_block(&b).unwrap_err()).2.contains("records of 96 bytes"));
    let mut b = BlockBuilder::new(w.layout());
    b.fixed_mut::<u32>(0).unwrap().push(1);
    b.push_records(1, &feats[..1]).unwrap();
    b.str_mut(2).unwrap().push("Đỗ Minh");
    w.push_block(&b).unwrap();

    // Reading: wrong size, alignment or column type is a Config error naming file and column.
    let store = Store::from_bytes(w.finish().unwrap().0).unwrap();
    let (path, key, reason) = config(store.record_column::<[u64; 11]>("features").unwrap_err());
    assert_eq!((path.as_str(), key.as_str()), ("<memory>", "features"));
    assert!(reason.contains("96 bytes") && reason.contains("88 bytes"), "{reason}");
    let (_, _, reason) = config(store.record_block::<Aligned16>("features", 0).unwrap_err());
    assert!(reason.contains("aligned to 16"), "{reason}");
    let (_, key, reason) = config(store.record_block::<Features>("dob", 0).unwrap_err());
    assert!(key == "dob" && reason.contains("not record"), "{reason}");
    assert!(config(store.record_block_bytes("dob", 0).unwrap_err()).2.contains("not record"));
    assert!(config(store.column::<u64>("features").unwrap_err()).2.contains("is record"));
    assert!(
        config(store.record_block::<Features>("features", 1).unwrap_err()).2.contains("no block 1")
    );
    assert_eq!(store.record_block::<Features>("features", 0).unwrap(), &feats[..1]);
}

fn arb_rec() -> impl Strategy<Value = Rec> {
    (
        any::<u8>(),
        any::<u16>(),
        any::<u32>(),
        any::<u64>(),
        "\\PC{0,12}",
        prop::collection::vec(any::<u32>(), 0..5),
        (any::<u64>(), any::<u8>(), any::<[u16; 4]>()),
    )
        .prop_map(|(sex, year, dob, id, name, tokens, (key, flags, scores))| Rec {
            sex,
            year,
            dob,
            id,
            name,
            tokens,
            feat: Feat { key, dob, year, sex, flags, scores },
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn any_records_round_trip(recs in prop::collection::vec(arb_rec(), 0..40), br in 1u32..9) {
        let mut w = StoreWriter::in_memory(layout(br)).unwrap();
        write_rows(&mut w, &recs);
        let store = Store::from_bytes(w.finish().unwrap().0).unwrap();
        check_store(&store, &recs, br);
    }
}
