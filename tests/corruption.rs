//! Damaged stores are errors naming the file, never panics: truncation everywhere, every
//! single-byte flip, a tampered TOC or schema (with valid checksums; record widths and record
//! section lengths included), wrong versions, non-store files, and `vnlink verify`'s exit
//! status. The sample store has a column of every type, a record column among them.

use std::path::Path;
use std::process::Command;

use vnlink::Error;
use vnlink::store::format::{
    HEADER_COLUMN_COUNT_OFFSET, HEADER_CRC_OFFSET, HEADER_VERSION_OFFSET, MAGIC, TOC_AUX_OFFSET,
    TOC_BLOCK_OFFSET, TOC_COUNT_OFFSET, TOC_CRC_OFFSET, TOC_ENCODING_OFFSET, TOC_ENTRY_LEN,
    TOC_FLAGS_OFFSET, TOC_HEADER_LEN, TOC_ID_OFFSET, TOC_KIND_OFFSET, TOC_LENGTH_OFFSET,
    TOC_SECTION_OFFSET_OFFSET, TRAILER_LEN,
};
use vnlink::store::{BlockBuilder, SectionKind, Store, StoreWriter};

use crate::store::{FEAT_WIDTH, Feat, layout, records, sample_bytes, values};

/// Opens `bytes` and, if that works, verifies it and reads every section through the public
/// API. Returns the first error. Panics (failing the test) only if the library panics.
fn open_and_touch(bytes: &[u8]) -> Result<(), Error> {
    let store = Store::from_bytes(bytes.to_vec())?;
    let verified = store.verify();
    // Every access path must give a value or an error, whatever verify said.
    let mut first = verified.err();
    let mut note = |r: Result<(), Error>| {
        if let (None, Err(e)) = (&first, r) {
            first = Some(e);
        }
    };
    for (i, c) in store.columns().iter().enumerate() {
        let r = match c.ty {
            vnlink::store::ColumnType::U8 => store.column::<u8>(i).map(|_| ()),
            vnlink::store::ColumnType::U16 => store.column::<u16>(i).map(|_| ()),
            vnlink::store::ColumnType::U32 => store.column::<u32>(i).map(|_| ()),
            vnlink::store::ColumnType::U64 => store.column::<u64>(i).map(|_| ()),
            vnlink::store::ColumnType::Str => store.str_column(i).map(|s| {
                let _ = s.iter().map(str::len).sum::<usize>();
            }),
            vnlink::store::ColumnType::U32List => store.list_column(i).map(|l| {
                let _ = l.iter().map(<[u32]>::len).sum::<usize>();
            }),
            vnlink::store::ColumnType::Record => store.record_column::<Feat>(i).map(|r| {
                let _ = r.iter().fold(0u64, |a, f| a.wrapping_add(f.key));
            }),
            _ => Ok(()),
        };
        note(r);
        for b in 0..store.block_count() {
            if c.ty == vnlink::store::ColumnType::Record {
                note(store.record_block_bytes(i, b).map(|_| ()));
            }
        }
    }
    for name in store.global_names() {
        note(store.global(name).map(|_| ()));
    }
    for name in store.posting_names() {
        note(store.postings(name).map(|p| {
            for (k, _) in p.iter() {
                let _ = p.lookup(k);
            }
        }));
    }
    first.map_or(Ok(()), Err)
}

fn expect_err(bytes: &[u8], what: &str) -> Error {
    match open_and_touch(bytes) {
        Ok(()) => panic!("{what}: damaged store accepted"),
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("<memory>"), "{what}: message does not name the file: {msg}");
            assert!(
                matches!(
                    e,
                    Error::Corrupt { .. } | Error::ChecksumMismatch { .. } | Error::Version { .. }
                ),
                "{what}: unexpected error kind: {msg}"
            );
            e
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// Where the TOC starts and how many entries it has.
fn toc_of(b: &[u8]) -> (usize, usize) {
    let trailer = b.len() - TRAILER_LEN;
    let toc_len = u64_at(b, trailer + 8) as usize;
    let start = trailer - toc_len;
    (start, u32_at(b, start) as usize)
}

fn entry_at(b: &[u8], i: usize) -> usize {
    toc_of(b).0 + TOC_HEADER_LEN + i * TOC_ENTRY_LEN
}

/// Recomputes the TOC checksum after an edit, so that only the structural checks can catch it.
fn reseal_toc(b: &mut [u8]) {
    let trailer = b.len() - TRAILER_LEN;
    let (start, _) = toc_of(b);
    let crc = crc32fast::hash(&b[start..trailer]);
    b[trailer..trailer + 4].copy_from_slice(&crc.to_le_bytes());
}

/// Recomputes section `i`'s checksum after editing its bytes, then reseals the TOC.
fn reseal_section(b: &mut [u8], i: usize) {
    let e = entry_at(b, i);
    let off = u64_at(b, e + TOC_SECTION_OFFSET_OFFSET) as usize;
    let len = u64_at(b, e + TOC_LENGTH_OFFSET) as usize;
    let crc = crc32fast::hash(&b[off..off + len]);
    b[e + TOC_CRC_OFFSET..e + TOC_CRC_OFFSET + 4].copy_from_slice(&crc.to_le_bytes());
    reseal_toc(b);
}

fn sample() -> Vec<u8> {
    sample_bytes(45, 8)
}

/// Index of the first TOC entry of `kind` (and `encoding` for columns).
fn find_entry(b: &[u8], kind: SectionKind, encoding: Option<u8>) -> usize {
    let (_, n) = toc_of(b);
    (0..n)
        .find(|&i| {
            let e = entry_at(b, i);
            b[e + TOC_KIND_OFFSET] == kind as u8
                && encoding.is_none_or(|enc| b[e + TOC_ENCODING_OFFSET] == enc)
        })
        .unwrap()
}

#[test]
fn sample_is_valid() {
    open_and_touch(&sample()).unwrap();
}

#[test]
fn truncation_anywhere_is_detected() {
    let b = sample();
    let store = Store::from_bytes(b.clone()).unwrap();
    let mut cuts: Vec<usize> = (0..b.len()).collect();
    for s in store.sections() {
        cuts.push(s.offset as usize);
        cuts.push((s.offset + s.length) as usize);
    }
    for cut in cuts {
        if cut < b.len() {
            expect_err(&b[..cut], &format!("truncated to {cut} bytes"));
        }
    }
}

#[test]
fn every_single_byte_flip_is_detected() {
    let b = sample();
    for at in 0..b.len() {
        for mask in [0x01u8, 0x80] {
            let mut d = b.clone();
            d[at] ^= mask;
            expect_err(&d, &format!("byte {at} ^ {mask:#x}"));
        }
    }
}

#[test]
fn flipped_data_byte_is_a_checksum_mismatch_on_first_access() {
    let b = sample();
    let store = Store::from_bytes(b.clone()).unwrap();
    for s in store.sections().iter().filter(|s| s.length > 0) {
        let mut d = b.clone();
        d[(s.offset + s.length / 2) as usize] ^= 0x10;
        let opened = Store::from_bytes(d);
        let err = match opened {
            // The schema is read at open.
            Err(e) => e,
            Ok(st) => {
                let e = st.verify().unwrap_err();
                assert!(st.verify_report().errors.len() == 1, "{}", s.name);
                e
            }
        };
        match &err {
            Error::ChecksumMismatch { section, .. } => {
                let short = s.name.replace("global `vnl.schema`", "schema");
                assert_eq!(section, &short);
            }
            other => panic!("{}: expected a checksum mismatch, got {other}", s.name),
        }
    }
    // First access without verify.
    let dob = store.sections().into_iter().find(|s| s.name == "column `dob` block 2").unwrap();
    let mut d = b.clone();
    d[dob.offset as usize] ^= 1;
    let st = Store::from_bytes(d).unwrap();
    assert!(st.fixed_block::<u32>("dob", 1).is_ok());
    let e = st.fixed_block::<u32>("dob", 2).unwrap_err();
    assert!(e.to_string().contains("checksum mismatch in section `column `dob` block 2`"), "{e}");
    assert!(st.column::<u32>("dob").is_err());
}

/// Applies `edit` to a copy of the sample, reseals the TOC and expects an error containing
/// `needle`.
fn tamper(what: &str, needle: &str, edit: impl FnOnce(&mut Vec<u8>)) {
    tamper_bytes(sample(), what, needle, edit);
}

/// [`tamper`] on the store `b`.
fn tamper_bytes(mut b: Vec<u8>, what: &str, needle: &str, edit: impl FnOnce(&mut Vec<u8>)) {
    edit(&mut b);
    reseal_toc(&mut b);
    let e = expect_err(&b, what);
    assert!(e.to_string().contains(needle), "{what}: {e}");
}

fn set_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn set_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn tampered_toc_entries_are_corrupt() {
    let len = sample().len() as u64;
    let col = |b: &[u8]| entry_at(b, find_entry(b, SectionKind::Column, None));
    tamper("offset beyond the file", "outside the data area", |b| {
        let e = col(b);
        set_u64(b, e + TOC_SECTION_OFFSET_OFFSET, len * 2 / 64 * 64);
    });
    tamper("offset near u64::MAX", "end overflows", |b| {
        let e = entry_at(b, find_entry(b, SectionKind::Column, Some(5)));
        set_u64(b, e + TOC_SECTION_OFFSET_OFFSET, u64::MAX / 64 * 64);
    });
    tamper("misaligned offset", "not a multiple of 64", |b| {
        let e = col(b);
        let o = u64_at(b, e + TOC_SECTION_OFFSET_OFFSET);
        set_u64(b, e + TOC_SECTION_OFFSET_OFFSET, o + 8);
    });
    tamper("overlapping sections", "overlap", |b| {
        let (e1, e2) = (entry_at(b, 1), entry_at(b, 2));
        let o = u64_at(b, e1 + TOC_SECTION_OFFSET_OFFSET);
        set_u64(b, e2 + TOC_SECTION_OFFSET_OFFSET, o);
    });
    tamper("huge count", "records, the block has", |b| {
        let e = col(b);
        set_u64(b, e + TOC_COUNT_OFFSET, u64::MAX);
    });
    tamper("huge length", "outside the data area", |b| {
        let e = col(b);
        set_u64(b, e + TOC_LENGTH_OFFSET, u64::MAX / 2);
    });
    tamper("huge string arena", "does not match", |b| {
        let e = entry_at(b, find_entry(b, SectionKind::Column, Some(5)));
        set_u64(b, e + TOC_AUX_OFFSET, u64::MAX / 2);
    });
    tamper("huge posting key count", "does not match", |b| {
        let e = entry_at(b, find_entry(b, SectionKind::Postings, None));
        set_u64(b, e + TOC_AUX_OFFSET, u64::MAX / 8);
    });
    tamper("huge entry count", "entries do not fit", |b| {
        let (start, _) = toc_of(b);
        set_u32(b, start, u32::MAX);
    });
    tamper("huge name table", "does not fit", |b| {
        let (start, _) = toc_of(b);
        set_u32(b, start + 8, u32::MAX);
    });
    tamper("unknown kind", "unknown section kind 9", |b| {
        let e = col(b);
        b[e + TOC_KIND_OFFSET] = 9;
    });
    tamper("unknown column type", "unknown column type 77", |b| {
        let e = col(b);
        b[e + TOC_ENCODING_OFFSET] = 77;
    });
    tamper("column type differs from schema", "the schema says", |b| {
        let e = entry_at(b, find_entry(b, SectionKind::Column, Some(3)));
        b[e + TOC_ENCODING_OFFSET] = 2; // u32 → u16, with a matching length
        let c = u64_at(b, e + TOC_COUNT_OFFSET);
        set_u64(b, e + TOC_LENGTH_OFFSET, c * 2);
    });
    tamper("column out of range", "out of range", |b| {
        let e = col(b);
        set_u32(b, e + TOC_ID_OFFSET, 1000);
    });
    tamper("block listed twice", "listed twice", |b| {
        let e = col(b);
        set_u32(b, e + TOC_BLOCK_OFFSET, 1); // block 0's section now claims block 1
    });
    tamper("name out of range", "out of range", |b| {
        let e = entry_at(b, find_entry(b, SectionKind::Global, None));
        set_u32(b, e + TOC_ID_OFFSET, 1000);
    });
    tamper("missing column sections", "column sections for", |b| {
        let cols = u32_at(b, HEADER_COLUMN_COUNT_OFFSET);
        set_u32(b, HEADER_COLUMN_COUNT_OFFSET, cols + 1);
        let crc = crc32fast::hash(&b[..HEADER_CRC_OFFSET]);
        set_u32(b, HEADER_CRC_OFFSET, crc);
    });
}

#[test]
#[allow(clippy::many_single_char_names)]
fn structural_damage_with_valid_checksums_is_corrupt() {
    // Str offsets that decrease.
    let mut b = sample();
    let i = find_entry(&b, SectionKind::Column, Some(5));
    let off = u64_at(&b, entry_at(&b, i) + TOC_SECTION_OFFSET_OFFSET) as usize;
    set_u32(&mut b, off + 4, u32::MAX);
    reseal_section(&mut b, i);
    let e = expect_err(&b, "decreasing string offsets");
    assert!(e.to_string().contains("offset"), "{e}");

    // An offset inside a multi-byte character.
    let mut b = sample();
    let store = Store::from_bytes(b.clone()).unwrap();
    let s = store.str_block("full_name", 0).unwrap();
    let (k, inner) = (0..s.len())
        .find_map(|k| s.get(k).char_indices().find(|(_, c)| c.len_utf8() > 1).map(|(j, _)| (k, j)))
        .unwrap();
    let cut = s.offsets().get(k).unwrap() + inner + 1;
    set_u32(&mut b, off + 4 * (k + 1), cut as u32);
    reseal_section(&mut b, i);
    let e = expect_err(&b, "offset splits a character");
    assert!(e.to_string().contains("splits a character"), "{e}");

    // Invalid UTF-8 in the arena.
    let mut b = sample();
    let n = u64_at(&b, entry_at(&b, i) + TOC_COUNT_OFFSET) as usize;
    let arena = off + ((n + 1) * 4).div_ceil(8) * 8;
    b[arena] = 0xFF;
    reseal_section(&mut b, i);
    let e = expect_err(&b, "invalid UTF-8");
    assert!(e.to_string().contains("UTF-8"), "{e}");

    // Posting keys out of order.
    let mut b = sample();
    let p = find_entry(&b, SectionKind::Postings, None);
    let e = entry_at(&b, p);
    let off = u64_at(&b, e + TOC_SECTION_OFFSET_OFFSET) as usize;
    let pairs = u64_at(&b, e + TOC_COUNT_OFFSET) as usize;
    let keys_at = off + (pairs * 4).div_ceil(8) * 8;
    set_u64(&mut b, keys_at, u64::MAX);
    reseal_section(&mut b, p);
    let err = expect_err(&b, "posting keys not increasing");
    assert!(err.to_string().contains("not increasing"), "{err}");
}

/// Index of the TOC entry of the schema section (the first section, at offset 64).
fn schema_entry(b: &[u8]) -> usize {
    let (_, n) = toc_of(b);
    (0..n).find(|&i| u64_at(b, entry_at(b, i) + TOC_SECTION_OFFSET_OFFSET) == 64).unwrap()
}

/// Replaces `from` by `to` (same length) inside the schema section, then reseals the schema
/// and the TOC, so that only the structural checks can catch the change.
fn tamper_schema(what: &str, needle: &str, from: &[u8], to: &[u8]) {
    let mut b = sample();
    let i = schema_entry(&b);
    let e = entry_at(&b, i);
    let off = u64_at(&b, e + TOC_SECTION_OFFSET_OFFSET) as usize;
    let len = u64_at(&b, e + TOC_LENGTH_OFFSET) as usize;
    let schema = &mut b[off..off + len];
    let at = schema.windows(from.len()).position(|w| w == from).unwrap();
    schema[at..at + to.len()].copy_from_slice(to);
    reseal_section(&mut b, i);
    let err = expect_err(&b, what);
    assert!(matches!(err, Error::Corrupt { .. }), "{what}: {err}");
    assert!(err.to_string().contains(needle), "{what}: {err}");
}

#[test]
fn tampered_record_widths_and_lengths_are_corrupt() {
    // The schema entry of the record column: name, type tag 7, width as a postcard varint.
    let w = FEAT_WIDTH as u8;
    assert!(w < 128, "one-byte varint");
    let record = |tag: u8, width: u8| [b"features".as_slice(), &[tag, width]].concat();
    tamper_schema("wider records", "records of 32 bytes", &record(7, w), &record(7, 32));
    tamper_schema("narrower records", "records of 16 bytes", &record(7, w), &record(7, 16));
    tamper_schema("width not a multiple of 8", "record width 20", &record(7, w), &record(7, 20));
    tamper_schema("zero width", "record width 0", &record(7, w), &record(7, 0));
    tamper_schema("width on a u64", "has width 24", &record(7, w), &record(4, w));
    tamper_schema("record turned u64", "the schema says u64", &record(7, w), &record(4, 0));
    let id = |tag: u8, width: u8| [b"id".as_slice(), &[tag, width]].concat();
    tamper_schema("width on a u64 column", "has width 8", &id(4, 0), &id(4, 8));
    tamper_schema("u64 turned record", "the schema says record", &id(4, 0), &id(7, 8));
    tamper_schema("u64 turned bad record", "record width 0", &id(4, 0), &id(7, 0));

    // Section lengths that are not `count × width`, in the partial last block. It is written
    // block by block here and followed by a global section, so that its section is followed by
    // padding and a longer length overlaps nothing.
    let recs = records(45, 42);
    let mut w = StoreWriter::in_memory(layout(8)).unwrap();
    let mut block = BlockBuilder::new(w.layout());
    for chunk in recs.chunks(8) {
        block.clear();
        for r in chunk {
            block.push_record(&values(r)).unwrap();
        }
        w.push_block(&block).unwrap();
    }
    w.add_global("after", b"x").unwrap();
    let base = w.finish().unwrap().0;
    open_and_touch(&base).unwrap();
    let tamper = |what: &str, needle: &str, edit: &dyn Fn(&mut Vec<u8>)| {
        tamper_bytes(base.clone(), what, needle, edit);
    };
    let last_record_entry = |b: &[u8]| {
        let (_, n) = toc_of(b);
        (0..n)
            .map(|i| entry_at(b, i))
            .filter(|&e| {
                b[e + TOC_KIND_OFFSET] == SectionKind::Column as u8
                    && b[e + TOC_ENCODING_OFFSET] == 7
            })
            .max_by_key(|&e| u32_at(b, e + TOC_BLOCK_OFFSET))
            .unwrap()
    };
    let len_of = |b: &[u8], e: usize| u64_at(b, e + TOC_LENGTH_OFFSET);
    let count = 45 % 8;
    tamper("record section 8 bytes short", "does not match 5 records of 24 bytes", &|b| {
        let e = last_record_entry(b);
        assert_eq!(len_of(b, e), count * u64::from(FEAT_WIDTH));
        let len = len_of(b, e);
        set_u64(b, e + TOC_LENGTH_OFFSET, len - 8);
    });
    tamper("record section 8 bytes long", "does not match 5 records of 24 bytes", &|b| {
        let e = last_record_entry(b);
        let len = len_of(b, e);
        set_u64(b, e + TOC_LENGTH_OFFSET, len + 8);
    });
    tamper("record section with a payload count", "does not match", &|b| {
        let e = last_record_entry(b);
        set_u64(b, e + TOC_AUX_OFFSET, 1);
    });
    tamper("record section with wide offsets", "does not match", &|b| {
        let e = last_record_entry(b);
        b[e + TOC_FLAGS_OFFSET] = 1;
    });
}

#[test]
fn versions_and_foreign_files() {
    // A newer version, with and without a valid header checksum.
    for reseal in [false, true] {
        let mut b = sample();
        set_u32(&mut b, HEADER_VERSION_OFFSET, 2);
        if reseal {
            let crc = crc32fast::hash(&b[..HEADER_CRC_OFFSET]);
            set_u32(&mut b, HEADER_CRC_OFFSET, crc);
        }
        match Store::from_bytes(b).unwrap_err() {
            Error::Version { found: 2, supported, .. } => assert_eq!(supported, 1..=1),
            other => panic!("expected a version error, got {other}"),
        }
    }
    let cases: [(&str, Vec<u8>, &str); 6] = [
        ("empty", Vec::new(), "empty"),
        ("csv", b"ho_ten,ngay_sinh\nNguyen Van An,1990-01-01\n".to_vec(), "not a vnlink store"),
        ("only magic", MAGIC.to_vec(), "truncated"),
        ("half magic", MAGIC[..4].to_vec(), "truncated"),
        ("magic and zeros", [&MAGIC[..], &[0u8; 200]].concat(), "version 0"),
        ("magic twice", [MAGIC, MAGIC].concat(), "version"),
    ];
    for (what, bytes, needle) in cases {
        let e = expect_err(&bytes, what);
        assert!(e.to_string().contains(needle), "{what}: {e}");
    }
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let b = sample();
    let cases: [(&str, Vec<u8>); 4] = [
        ("empty.vnl", Vec::new()),
        ("magic.vnl", MAGIC.to_vec()),
        ("truncated.vnl", b[..b.len() - 1].to_vec()),
        ("people.csv", b"a,b\n1,2\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let e = Store::open(&path).unwrap_err();
        assert!(e.to_string().contains(path.to_str().unwrap()), "{e}");
        assert!(matches!(e, Error::Corrupt { .. }), "{e}");
    }
}

fn run_verify(path: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vnlink")).arg("verify").arg(path).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_verify_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.vnl");
    let b = sample();
    std::fs::write(&good, &b).unwrap();
    let (code, out, _) = run_verify(&good);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("records          45 in 6 blocks of 8") && out.contains("OK"), "{out}");

    let store = Store::from_bytes(b.clone()).unwrap();
    let s = store.sections().into_iter().find(|s| s.name.contains("full_name")).unwrap();
    let mut d = b.clone();
    d[(s.offset + 3) as usize] ^= 4;
    let bad = dir.path().join("bad.vnl");
    std::fs::write(&bad, &d).unwrap();
    let (code, out, err) = run_verify(&bad);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("DAMAGED (1 problem)"), "{out}");
    assert!(err.contains("bad.vnl") && err.contains("column `full_name` block 0"), "{err}");

    let trunc = dir.path().join("trunc.vnl");
    std::fs::write(&trunc, &b[..b.len() / 2]).unwrap();
    let (code, _, err) = run_verify(&trunc);
    assert_eq!(code, 2);
    assert!(err.contains("trunc.vnl") && err.contains("truncated"), "{err}");
}

/// Recomputes every checksum (header, each section whose range is inside the file, TOC), so
/// that random damage reaches the structural checks instead of stopping at a CRC.
fn reseal_all(b: &mut [u8]) {
    if b.len() < 64 + TRAILER_LEN {
        return;
    }
    let crc = crc32fast::hash(&b[..HEADER_CRC_OFFSET]);
    set_u32(b, HEADER_CRC_OFFSET, crc);
    let trailer = b.len() - TRAILER_LEN;
    let toc_len = u64_at(b, trailer + 8);
    let Some(start) = (trailer as u64).checked_sub(toc_len) else { return };
    let start = start as usize;
    if start + TOC_HEADER_LEN > trailer {
        return;
    }
    let n = u32_at(b, start) as usize;
    for i in 0..n {
        let e = start + TOC_HEADER_LEN + i * TOC_ENTRY_LEN;
        if e + TOC_ENTRY_LEN > trailer {
            break;
        }
        let off = u64_at(b, e + TOC_SECTION_OFFSET_OFFSET);
        let len = u64_at(b, e + TOC_LENGTH_OFFSET);
        if let Some(end) = off.checked_add(len).filter(|&end| end <= b.len() as u64) {
            let crc = crc32fast::hash(&b[off as usize..end as usize]);
            set_u32(b, e + TOC_CRC_OFFSET, crc);
        }
    }
    let crc = crc32fast::hash(&b[start..trailer]);
    set_u32(b, trailer, crc);
}

#[test]
fn random_damage_with_valid_checksums_never_panics() {
    let base = sample();
    let (toc_start, _) = toc_of(&base);
    let mut rng = crate::store::Rng(2024);
    let mut rejected = 0;
    for round in 0..3000 {
        let mut b = base.clone();
        // Half the rounds hit the TOC (the structure), half anywhere.
        let (lo, hi) =
            if round % 2 == 0 { (toc_start, b.len() - TRAILER_LEN) } else { (0, b.len()) };
        for _ in 0..=rng.below(4) {
            let at = lo + rng.below((hi - lo) as u64) as usize;
            b[at] = match rng.below(4) {
                0 => 0,
                1 => 0xFF,
                2 => b[at] ^ (1 << rng.below(8)),
                _ => rng.next() as u8,
            };
        }
        reseal_all(&mut b);
        if open_and_touch(&b).is_err() {
            rejected += 1;
        }
    }
    assert!(rejected > 1000, "only {rejected} of 3000 damaged stores rejected");
}
