//! Fuzz target: dates. Any text parses without panic to a valid [`Date`] or to nothing; a date
//! packs and unpacks to itself, and its ISO form parses back to the same date without warning.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vnlink::normalize::date::{self, Date, MAX_YEAR, MIN_YEAR, parse_date};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let p = parse_date(&input);
    let Some(d) = p.date else {
        return;
    };
    assert!((MIN_YEAR..=MAX_YEAR).contains(&d.year), "{d:?}");
    assert!(d.month <= 12 && (d.day == 0 || (d.month != 0 && d.day <= date::days_in_month(d.year, d.month))), "{d:?}");
    assert_eq!(Date::unpack(d.pack()), Some(d));
    let iso = d.to_string();
    let again = parse_date(&iso);
    assert_eq!(again.date, Some(d), "{iso}");
    assert_eq!(again.warning, None, "{iso}");
});
