//! Identity checks against a built store: is this subscriber the citizen they claim to be?
//!
//! ```text
//! cargo run --release -- build data/sample/records.csv -o people.vnl
//! cargo run --release --example query -- people.vnl "Nguyễn Văn Dũng" 12/09/1996 040096434679
//! ```

use vnlink::{Matcher, Record, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store, name, rest @ ..] = args.as_slice() else {
        eprintln!("usage: query STORE.vnl NAME [DOB] [ID] [PHONE]");
        std::process::exit(2);
    };
    let get = |i: usize| rest.get(i).cloned().unwrap_or_default();
    let store = Store::open(store)?;
    let record = Record {
        full_name: name.clone(),
        dob: get(0),
        id_number: get(1),
        phone: get(2),
        ..Record::default()
    };
    // One matcher serves any number of lookups (and threads); the first one prepares the store.
    let matcher = Matcher::new();
    for c in matcher.query(&store, &record, 5)? {
        println!("{:<12} p={:.4} w={:+.2}", c.record_id, c.match_probability, c.match_weight);
        for f in &c.explanation.fields {
            println!("    {:<8} {}", f.field, f.label);
        }
    }
    Ok(())
}
