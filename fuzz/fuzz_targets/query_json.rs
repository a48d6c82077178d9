//! Fuzz target: any text given as a `query --jsonl` line gives a record or an error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vnlink::Record;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Record::from_json(text, &[]);
});
