//! Embedding vnlink in a service: records in memory → store in memory → dedupe → explanations.
//!
//! ```text
//! cargo run --release --example embed
//! ```

use vnlink::synth::{GenConfig, dedupe_rows};
use vnlink::{BuildOptions, Matcher, MatcherBuilder, Record, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Records from anywhere: here 2,000 generated people, some written several times.
    let cfg = GenConfig { entities: 2_000, seed: 3, ..GenConfig::default() };
    let records: Vec<Record> = dedupe_rows(&cfg)?.map(|row| row.record).collect();

    // No file is involved: the store lives in memory.
    let store = Store::from_records(&records, &BuildOptions::default())?;
    let result = Matcher::new().dedupe(&store)?;
    let clusters = result.clusters();
    let multi = clusters.iter().filter(|c| c.records.len() > 1).count();
    println!(
        "{} records, {} pairs above the threshold, {} clusters ({} with several records)",
        records.len(),
        result.pairs.len(),
        clusters.len(),
        multi
    );

    // Explain the three weakest accepted pairs with the trained model.
    let matcher = MatcherBuilder::new().model(result.model.clone()).build()?;
    let mut pairs = result.pairs.clone();
    pairs.sort_by(|a, b| a.match_weight.total_cmp(&b.match_weight));
    for p in pairs.iter().take(3) {
        let (a, b) = (&records[p.left as usize], &records[p.right as usize]);
        println!(
            "\n{} | {} | {}\n{} | {} | {}",
            a.full_name, a.dob, a.address, b.full_name, b.dob, b.address
        );
        let e = matcher.explain(&store, p.left, p.right)?;
        for f in &e.fields {
            println!("  {:<8} {:<34} {:+6.2}", f.field, f.label, f.weight + f.tf_adjustment);
        }
        println!("  probability {:.4}", e.match_probability);
    }
    Ok(())
}
