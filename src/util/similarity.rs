//! String similarities shared by the comparators: [`one_edit`] (optimal string alignment
//! distance ≤ 1) and [`jaro_winkler`], both from `rapidfuzz`, both bounded to the first
//! [`MAX_COMPARED_BYTES`] of their inputs so that an overlong field cannot cost a comparison its
//! length squared. Pure functions: no state, no I/O.

/// The longest prefix (in bytes) that similarities look at: names and addresses are far
/// shorter, and an overlong field (a 50 MB cell) must not cost a comparison its length squared.
pub const MAX_COMPARED_BYTES: usize = 1024;

/// `s` cut to at most [`MAX_COMPARED_BYTES`], on a character boundary.
fn bounded(s: &str) -> &str {
    &s[..s.floor_char_boundary(MAX_COMPARED_BYTES)]
}

/// Whether two strings are at most one edit apart (optimal string alignment distance ≤ 1: a
/// substitution, an insertion, a deletion or a swap of adjacent characters). Strings longer than
/// [`MAX_COMPARED_BYTES`] are compared on that prefix.
pub fn one_edit(a: &str, b: &str) -> bool {
    use rapidfuzz::distance::osa;
    let (a, b) = (bounded(a), bounded(b));
    let args = osa::Args::default().score_cutoff(1);
    let d = if a.is_ascii() && b.is_ascii() {
        osa::distance_with_args(a.bytes(), b.bytes(), &args)
    } else {
        osa::distance_with_args(a.chars(), b.chars(), &args)
    };
    d.is_some()
}

/// Jaro–Winkler similarity of two strings: on bytes when both are ASCII (the folded forms are),
/// on chars otherwise (never on the UTF-8 bytes of text with diacritics); on their first
/// [`MAX_COMPARED_BYTES`].
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    use rapidfuzz::distance::jaro_winkler as jw;
    let (a, b) = (bounded(a), bounded(b));
    if a.is_ascii() && b.is_ascii() {
        jw::similarity(a.bytes(), b.bytes())
    } else {
        jw::similarity(a.chars(), b.chars())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_catches_typos_of_short_syllables() {
        assert!(one_edit("nhi", "nih"), "adjacent swap");
        assert!(one_edit("anh", "an") && one_edit("lan", "lanh") && one_edit("hoa", "hoe"));
        assert!(one_edit("hùng", "hưng"), "chars, not bytes");
        assert!(!one_edit("nhi", "hni x") && !one_edit("minh", "nimh x"));
        assert!(!one_edit("lan", "nam"), "two edits");
    }
}
