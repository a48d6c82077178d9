//! Normalisation benches: full records (name, dob, sex, address, id, phone) through
//! `Preparer::prepare`, the figure issue #3 measures (target: 300,000 records/s per core), and
//! each normaliser on its own.
//!
//! The corpus is the crate's own generator (`vnlink::synth::dedupe_rows`, seed 20250701, 20,000
//! entities, 32,143 records with the default corruption rates: ASCII-only and NFD text,
//! abbreviations, old and new addresses, damaged ids and phones, legacy encodings), so it holds
//! the noisy values real registers hold. The binary's allocator (mimalloc) is used here too.
//!
//! Every `b.iter` checks a count computed once before timing (resolved provinces, parsed dates,
//! …), and the set-up checks that those counts are plausible, so a bench that silently does
//! nothing fails.
//!
//! The corpus is laid out as the ingest reader hands rows over: each record's fields in one
//! buffer, in file order.
//!
//! Run: `cargo bench --bench normalize` (criterion's median is the figure to read; `-- record`
//! for the full-record bench only). The benches are single-threaded, so records/s is records per
//! second per core. On a shared machine wall time is noisy; two load-independent measures use the
//! bench binary without criterion (`VNLINK_BENCH_PASSES=K`, optionally `VNLINK_BENCH_WHAT=name`
//! or `address`): K untimed passes over the corpus, so that the difference of two runs (K=11 and
//! K=1 under `perf stat -e task-clock`, or K=3 and K=1 under `valgrind --tool=callgrind`) divided
//! by the passes and records is the CPU time, or the instruction count, per record.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use vnlink::dataset::prepare::{Encodings, Prepared, Preparer, RawFields};
use vnlink::normalize::address::{Address, AddressNormalizer};
use vnlink::normalize::legacy;
use vnlink::normalize::name::{Name, NameNormalizer};
use vnlink::normalize::{date, id, phone, sex, text};
use vnlink::synth::{GenConfig, SynthRecord, dedupe_rows};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Entities of the corpus (32,143 records).
const ENTITIES: u64 = 20_000;
/// The corpus seed.
const SEED: u64 = 20_250_701;

/// The corpus laid out as the ingest reader hands it over: every record's fields in one buffer,
/// in file order (as `RawRecord` keeps a row), rather than seven separately allocated strings.
struct Corpus {
    text: String,
    /// Byte ranges of name, dob, sex, address, id, phone.
    fields: Vec<[(u32, u32); 6]>,
}

impl Corpus {
    fn new() -> Corpus {
        let cfg = GenConfig { entities: ENTITIES, seed: SEED, ..GenConfig::default() };
        let mut c = Corpus { text: String::new(), fields: Vec::new() };
        for row in dedupe_rows(&cfg).expect("valid generator config") {
            let r: SynthRecord = row.record;
            let mut f = [(0u32, 0u32); 6];
            for (slot, v) in
                f.iter_mut().zip([&r.full_name, &r.dob, &r.sex, &r.address, &r.id_number, &r.phone])
            {
                let start = c.text.len() as u32;
                c.text.push_str(v);
                *slot = (start, c.text.len() as u32);
            }
            c.fields.push(f);
        }
        c
    }

    fn len(&self) -> usize {
        self.fields.len()
    }

    fn iter(&self) -> impl Iterator<Item = RawFields<'_>> {
        self.fields.iter().map(|f| {
            let g = |i: usize| &self.text[f[i].0 as usize..f[i].1 as usize];
            RawFields {
                name: g(0),
                dob: g(1),
                sex: g(2),
                address: g(3),
                id_number: g(4),
                phone: g(5),
                ..RawFields::default()
            }
        })
    }
}

/// Counts of one pass of `Preparer::prepare`: (names, dobs, sexes, provinces, ids, phones)
/// that came out non-missing.
fn prepare_all(p: &mut Preparer, recs: &Corpus, enc: Encodings, out: &mut Prepared) -> [u32; 6] {
    let mut c = [0u32; 6];
    for r in recs.iter() {
        p.prepare(&r, &enc, out);
        let f = &out.features;
        c[0] += u32::from(f.name != 0);
        c[1] += u32::from(f.dob != 0);
        c[2] += u32::from(f.sex != 0);
        c[3] += u32::from(f.province_new != 0);
        c[4] += u32::from(f.national_id != 0);
        c[5] += u32::from(f.phone != 0);
    }
    c
}

fn name_pass(n: &mut NameNormalizer, recs: &Corpus, out: &mut Name) -> usize {
    recs.iter()
        .filter(|r| {
            n.normalize_into(r.name, None, out);
            !out.is_empty()
        })
        .count()
}

fn address_pass(
    n: &mut AddressNormalizer,
    recs: &Corpus,
    buf: &mut String,
    out: &mut Address,
) -> usize {
    recs.iter()
        .filter(|r| {
            legacy::decode_auto_into(r.address, buf);
            n.normalize_into(buf, out);
            out.province_new.is_some()
        })
        .count()
}

fn date_pass(recs: &Corpus) -> usize {
    recs.iter().filter(|r| date::parse_date(r.dob).date.is_some()).count()
}

fn id_pass(recs: &Corpus, out: &mut id::NationalId) -> usize {
    recs.iter()
        .filter(|r| id::parse_id_into(r.id_number, out) && out.kind == id::IdKind::Cccd)
        .count()
}

fn phone_pass(recs: &Corpus) -> usize {
    recs.iter().filter(|r| phone::phone_u64(r.phone).is_some()).count()
}

fn sex_pass(recs: &Corpus) -> usize {
    recs.iter().filter(|r| sex::parse_sex(r.sex).is_some()).count()
}

fn text_pass(recs: &Corpus, buf: &mut String) -> usize {
    recs.iter()
        .map(|r| {
            text::canonical_into(r.address, buf);
            let n = buf.len();
            text::fold_into(r.address, buf);
            n + buf.len()
        })
        .sum()
}

/// Asserts that `count` of `total` is at least `min_share`: the corpus and the normaliser work.
fn plausible(what: &str, count: usize, total: usize, min_share: f64) {
    assert!(
        count as f64 >= min_share * total as f64,
        "{what}: only {count} of {total} records: the corpus or the normaliser is broken"
    );
}

fn benches(c: &mut Criterion) {
    let recs = Corpus::new();
    let n = recs.len();
    let enc = Encodings::detect(
        recs.iter().take(4096).map(|r| r.name),
        recs.iter().take(4096).map(|r| r.address),
    );

    // Expected counts, computed once with fresh normalisers.
    let mut prepared = Prepared::default();
    let want_record = prepare_all(&mut Preparer::new(), &recs, enc, &mut prepared);
    for (what, i, share) in [
        ("names", 0, 0.99),
        ("dates", 1, 0.85),
        ("sexes", 2, 0.85),
        ("provinces", 3, 0.85),
        ("ids", 4, 0.75),
        ("phones", 5, 0.65),
    ] {
        plausible(what, want_record[i] as usize, n, share);
    }
    let want_name = name_pass(&mut NameNormalizer::new(), &recs, &mut Name::default());
    let want_address = address_pass(
        &mut AddressNormalizer::new(),
        &recs,
        &mut String::new(),
        &mut Address::default(),
    );
    let want_date = date_pass(&recs);
    let want_id = id_pass(&recs, &mut id::NationalId::default());
    let want_phone = phone_pass(&recs);
    let want_sex = sex_pass(&recs);
    let want_text = text_pass(&recs, &mut String::new());
    plausible("parsed names", want_name, n, 0.99);
    plausible("resolved addresses", want_address, n, 0.85);
    plausible("CCCDs", want_id, n, 0.6);

    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(20);

    let mut p = Preparer::new();
    g.bench_function("record", |b| {
        b.iter(|| {
            assert_eq!(prepare_all(&mut p, black_box(&recs), enc, &mut prepared), want_record);
        });
    });

    let (mut nn, mut name) = (NameNormalizer::new(), Name::default());
    g.bench_function("name", |b| {
        b.iter(|| assert_eq!(name_pass(&mut nn, black_box(&recs), &mut name), want_name));
    });

    let (mut an, mut buf, mut addr) = (AddressNormalizer::new(), String::new(), Address::default());
    g.bench_function("address", |b| {
        b.iter(|| {
            assert_eq!(address_pass(&mut an, black_box(&recs), &mut buf, &mut addr), want_address);
        });
    });

    g.bench_function("date", |b| b.iter(|| assert_eq!(date_pass(black_box(&recs)), want_date)));

    let mut nid = id::NationalId::default();
    g.bench_function("id", |b| {
        b.iter(|| assert_eq!(id_pass(black_box(&recs), &mut nid), want_id));
    });

    g.bench_function("phone", |b| b.iter(|| assert_eq!(phone_pass(black_box(&recs)), want_phone)));
    g.bench_function("sex", |b| b.iter(|| assert_eq!(sex_pass(black_box(&recs)), want_sex)));

    let mut tbuf = String::new();
    g.bench_function("text_address_canonical_fold", |b| {
        b.iter(|| assert_eq!(text_pass(black_box(&recs), &mut tbuf), want_text));
    });
    g.finish();
}

/// `VNLINK_BENCH_PASSES=K [VNLINK_BENCH_WHAT=record|name|address]`: no criterion; build the
/// corpus, run K untimed passes and exit. For instruction counts that do not depend on the load
/// of a shared machine: the difference of two runs under callgrind, e.g. K=3 minus K=1, divided
/// by 2 × records, is the steady-state instructions per record.
fn passes(k: usize) {
    let recs = Corpus::new();
    let what = std::env::var("VNLINK_BENCH_WHAT").unwrap_or_else(|_| "record".into());
    let enc = Encodings::default();
    let (mut p, mut out) = (Preparer::new(), Prepared::default());
    let (mut nn, mut name) = (NameNormalizer::new(), Name::default());
    let (mut an, mut buf, mut addr) = (AddressNormalizer::new(), String::new(), Address::default());
    let mut total = 0usize;
    for _ in 0..k {
        total += match what.as_str() {
            "name" => name_pass(&mut nn, &recs, &mut name),
            "address" => address_pass(&mut an, &recs, &mut buf, &mut addr),
            _ => prepare_all(&mut p, &recs, enc, &mut out)[3] as usize,
        };
    }
    eprintln!("{} records, {k} passes of {what}, count {total}", recs.len());
}

criterion_group!(normalize, benches);

fn main() {
    if let Some(k) = std::env::var("VNLINK_BENCH_PASSES").ok().and_then(|v| v.parse().ok()) {
        passes(k);
        return;
    }
    normalize();
    Criterion::default().configure_from_args().final_summary();
}
