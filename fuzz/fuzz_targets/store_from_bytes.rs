//! Fuzz target: any bytes given to `Store::from_bytes` give a store or an error, never a panic,
//! and so does every access to a store that opened (verify, every column, global and posting
//! list, with lookups).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vnlink::store::{ColumnType, Store};

fuzz_target!(|data: &[u8]| {
    let Ok(store) = Store::from_bytes(data.to_vec()) else { return };
    let _ = store.verify();
    let _ = store.verify_report();
    for (i, c) in store.columns().iter().enumerate() {
        match c.ty {
            ColumnType::U8 => drop(store.column::<u8>(i).map(|c| c.iter().count())),
            ColumnType::U16 => drop(store.column::<u16>(i).map(|c| c.iter().count())),
            ColumnType::U32 => drop(store.column::<u32>(i).map(|c| c.iter().count())),
            ColumnType::U64 => drop(store.column::<u64>(i).map(|c| c.iter().count())),
            ColumnType::Str => drop(store.str_column(i).map(|c| c.iter().map(str::len).sum::<usize>())),
            ColumnType::U32List => drop(store.list_column(i).map(|c| c.iter().map(<[u32]>::len).sum::<usize>())),
            _ => {}
        }
        for b in 0..store.block_count().min(4) {
            let _ = store.str_block(i, b);
            let _ = store.list_block(i, b);
            let _ = store.fixed_block::<u32>(i, b);
        }
    }
    for name in store.global_names() {
        let _ = store.global(name);
    }
    for name in store.posting_names() {
        if let Ok(p) = store.postings(name) {
            for (k, recs) in p.iter() {
                assert_eq!(p.lookup(k), recs);
            }
            let _ = p.lookup(u64::MAX);
        }
    }
});
