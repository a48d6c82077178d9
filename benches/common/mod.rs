//! Shared by the benches: a seeded synthetic corpus and its preparation as matching sees it.

use rayon::prelude::*;
use vnlink::compare::Features;
use vnlink::dataset::Record;
use vnlink::dataset::prepare::{Encodings, Prepared, Preparer};
use vnlink::synth::{GenConfig, dedupe_rows};

/// The records of a seeded synthetic dedupe corpus.
pub fn corpus(entities: u64, seed: u64) -> Vec<Record> {
    let cfg = GenConfig { entities, seed, ..GenConfig::default() };
    dedupe_rows(&cfg).expect("valid config").map(|row| row.record).collect()
}

/// Each record's features and ASCII name, as matching sees them.
pub fn prepare(records: &[Record]) -> (Vec<Features>, Vec<String>) {
    records
        .par_iter()
        .map_init(Preparer::new, |p, r| {
            let mut out = Prepared::default();
            p.prepare(&r.raw(), &Encodings::default(), &mut out);
            (out.features, out.name_ascii)
        })
        .unzip()
}
