//! Fuzz target: addresses. Any text gives an [`Address`] without panic; every code it holds is
//! a unit of the gazetteer of its era (new wards of an old ward are among its successors); its
//! JSON view serialises; NFC and NFD spellings of the text give the same address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;
use vnlink::normalize::address::{Address, AddressNormalizer, codes_json};
use vnlink::normalize::admin;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let mut norm = AddressNormalizer::new();
    let mut a = Address::default();
    norm.normalize_into(&input, &mut a);

    let g = admin::gazetteer();
    if let Some(w) = a.ward_old {
        assert!(g.old_ward(w).is_some(), "old ward {w}");
        for n in &a.ward_new {
            assert!(g.new_wards_of_old_ward(w).contains(n), "new ward {n} of old ward {w}");
        }
    }
    if let Some(d) = a.district_old {
        assert!(g.old_district(d).is_some(), "old district {d}");
    }
    if let Some(p) = a.province_old {
        assert!(g.old_province(p).is_some(), "old province {p}");
    }
    if let Some(p) = a.province_new {
        assert!(g.new_province(p).is_some(), "new province {p}");
    }
    for n in &a.ward_new {
        assert!(g.new_ward(*n).is_some(), "new ward {n}");
    }
    assert!(!codes_json(&a).is_empty());

    let nfd: String = input.nfd().collect();
    let nfc: String = input.nfc().collect();
    let (mut b, mut c) = (Address::default(), Address::default());
    norm.normalize_into(&nfd, &mut b);
    norm.normalize_into(&nfc, &mut c);
    assert_eq!(b, c, "NFD and NFC spellings differ");
});
