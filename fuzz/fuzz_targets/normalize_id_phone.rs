//! Fuzz target: identity numbers, phones and sex. Any text gives a result or nothing without
//! panic; a CCCD/CMND round-trips through its compact form and its digits parse to the same
//! id; a phone's national form is a fixed point and round-trips through its compact form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vnlink::normalize::id::{IdKind, NationalId, parse_id};
use vnlink::normalize::phone::{Phone, normalize_phone, phone_u64};
use vnlink::normalize::sex::parse_sex;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let input = input.as_ref();

    if let Some(id) = parse_id(input) {
        if id.kind == IdKind::Cccd {
            assert!(id.birth_province_code.is_some() && id.sex.is_some() && id.birth_year.is_some());
        }
        if id.kind != IdKind::Invalid {
            let v = id.to_u64().expect("a valid id has a compact form");
            let back = NationalId::from_u64(v).expect("compact form decodes");
            assert_eq!((back.kind, &back.digits), (id.kind, &id.digits));
            let again = parse_id(&id.digits).expect("digits parse");
            assert_eq!((again.kind, &again.digits), (id.kind, &id.digits));
        }
    }

    let p = normalize_phone(input);
    assert_eq!(phone_u64(input), p.as_ref().map(|p| (p.to_u64(), p.kind)));
    if let Some(p) = p {
        assert!(p.national.bytes().all(|b| b.is_ascii_digit()), "{:?}", p.national);
        assert_eq!(normalize_phone(&p.national).as_ref(), Some(&p), "not a fixed point");
        assert_eq!(Phone::from_u64(p.to_u64()).as_ref(), Some(&p));
    }

    let _ = parse_sex(input);
});
