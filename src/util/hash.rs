//! Stable hashes of normalised values.
//!
//! The hashes are written into `.vnl` files (in [`Features`](crate::compare::Features) and
//! blocking keys), so they must not change between builds, platforms or dependency versions: this
//! is a fixed function, part of the store format. It is not cryptographic; it only has to
//! spread short strings well (names, codes).

const K: u64 = 0x9fb2_1c65_1e98_df25;

/// A 64-bit finaliser (splitmix64's), good enough to spread combined keys. It finishes
/// `hash64` and combines blocking keys, so it is part of the store format: never change it.
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 64-bit hash of bytes, never 0 (0 means "missing" wherever these hashes are stored).
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h = K ^ (bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    match mix(h) {
        0 => 1,
        x => x,
    }
}

/// A 32-bit hash of bytes, never 0.
pub fn hash32(bytes: &[u8]) -> u32 {
    match (hash64(bytes) >> 32) as u32 {
        0 => 1,
        x => x,
    }
}

/// [`hash64`] of a string, 0 for the empty string.
pub fn hash_str(s: &str) -> u64 {
    if s.is_empty() { 0 } else { hash64(s.as_bytes()) }
}

/// [`hash32`] of a string, 0 for the empty string.
pub fn hash32_str(s: &str) -> u32 {
    if s.is_empty() { 0 } else { hash32(s.as_bytes()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_never_zero() {
        // Pinned values: these are part of the store format.
        assert_eq!(hash64(b"nguyen van an"), hash64(b"nguyen van an"));
        assert_ne!(hash64(b"nguyen van an"), hash64(b"nguyen van anh"));
        assert_ne!(hash64(b""), 0);
        assert_eq!(hash_str(""), 0);
        assert_eq!(hash32_str(""), 0);
        assert_ne!(hash64(b"abcdefgh"), hash64(b"abcdefgh\0"));
        assert_eq!(mix(0), 0);
        assert_eq!(mix(1), 0x5692_161d_100b_05e5, "{:#x}", mix(1));
        let pinned = hash64(b"nguyen");
        assert_eq!(pinned, 0x5864_044b_9ee5_a84e_u64, "{pinned:#x}");
    }
}
