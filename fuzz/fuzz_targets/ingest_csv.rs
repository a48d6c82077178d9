//! Fuzz target: any bytes read as a CSV input give rows or errors, never a panic, and every row
//! is accounted for: the rows returned are the rows the report counts as good, and good plus
//! skipped rows are the rows read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vnlink::ingest::{CsvSource, IngestOptions};

fuzz_target!(|data: &[u8]| {
    let opts = IngestOptions::default();
    let Ok(mut source) = CsvSource::from_reader("fuzz.csv", std::io::Cursor::new(data.to_vec()), &opts)
    else {
        return;
    };
    let mut good = 0u64;
    let mut failed = false;
    for row in source.records() {
        match row {
            Ok(_) => good += 1,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    let report = source.into_report();
    if !failed {
        assert_eq!(good, report.rows_ok, "rows returned and rows counted as good differ");
        assert_eq!(
            report.rows_ok + report.rows_skipped,
            report.rows_read,
            "good and skipped rows are not the rows read"
        );
    }
});
