//! Comparison of extra fields (e-mail, postcode, text, code, numeric): [`compare_extra`] gives
//! the level of two canonical values (as written by `normalize::extra`), [`levels`] the labels
//! of each kind's levels. The canonical forms and the levels are tabled in the docs of
//! [`crate::normalize::extra`].

use crate::schema::FieldKind;
use crate::util::similarity::{jaro_winkler, one_edit};

/// The comparison-level labels of an extra kind (level 1 first; level 0 is "missing").
pub fn levels(kind: FieldKind) -> &'static [&'static str] {
    match kind {
        FieldKind::Email => &["exact", "one_typo", "same_local_part", "different"],
        FieldKind::Postcode => &["exact", "same_prefix", "different"],
        FieldKind::Code => &["exact", "one_edit", "different"],
        FieldKind::Numeric => &["exact", "within_1_percent", "within_10_percent", "different"],
        _ => &["exact", "jaro_winkler_0.92", "jaro_winkler_0.80", "different"],
    }
}

/// The comparison level of two canonical values of `kind` (0 when either is missing) with
/// their stored values `ha`, `hb` ([`extra_hash`](crate::normalize::extra::extra_hash)).
///
/// ```
/// use vnlink::compare::extra::compare_extra;
/// use vnlink::normalize::extra::extra_hash;
/// use vnlink::schema::FieldKind::{Code, Email, Numeric};
/// let lvl = |k, a: &str, b: &str| compare_extra(k, extra_hash(k, a), extra_hash(k, b), a, b);
/// assert_eq!(lvl(Email, "an@gmail.com", "an@gmail.com"), 1);
/// assert_eq!(lvl(Email, "an@gmail.com", "an@gmial.com"), 2);
/// assert_eq!(lvl(Email, "an@gmail.com", "an@yahoo.com"), 3);
/// assert_eq!(lvl(Code, "123456789", "123456788"), 2);
/// assert_eq!(lvl(Numeric, "170", "171"), 2);
/// assert_eq!(lvl(Numeric, "170", ""), 0);
/// ```
pub fn compare_extra(kind: FieldKind, ha: u64, hb: u64, a: &str, b: &str) -> u8 {
    if ha == 0 || hb == 0 {
        return 0;
    }
    if ha == hb {
        return 1;
    }
    match kind {
        FieldKind::Email => {
            if one_edit(a, b) {
                2
            } else if a.split('@').next() == b.split('@').next() {
                3
            } else {
                4
            }
        }
        FieldKind::Postcode => {
            let same_prefix = a.len() >= 4 && b.len() >= 4 && a.get(..3) == b.get(..3);
            if same_prefix { 2 } else { 3 }
        }
        FieldKind::Code => {
            if one_edit(a, b) {
                2
            } else {
                3
            }
        }
        FieldKind::Numeric => {
            let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) else { return 0 };
            let scale = x.abs().max(y.abs());
            let diff = (x - y).abs();
            if diff <= 0.01 * scale {
                2
            } else if diff <= 0.1 * scale {
                3
            } else {
                4
            }
        }
        _ => {
            let s = jaro_winkler(a, b);
            if s >= 0.92 {
                2
            } else if s >= 0.80 {
                3
            } else {
                4
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::extra::{extra_hash, normalize_extra_into};

    fn norm(kind: FieldKind, s: &str) -> String {
        let mut out = String::new();
        normalize_extra_into(kind, s, &mut out);
        out
    }

    #[test]
    fn postcode_levels() {
        let lvl = |a: &str, b: &str| {
            let k = FieldKind::Postcode;
            compare_extra(k, extra_hash(k, a), extra_hash(k, b), a, b)
        };
        assert_eq!(lvl("2000", "2000"), 1);
        assert_eq!(lvl("2000", "2001"), 2);
        assert_eq!(lvl("2000", "3000"), 3);
        assert_eq!(lvl("", "3000"), 0);
    }

    #[test]
    fn text_levels() {
        let k = FieldKind::Text;
        let lvl = |a: &str, b: &str| {
            let (a, b) = (norm(k, a), norm(k, b));
            compare_extra(k, extra_hash(k, &a), extra_hash(k, &b), &a, &b)
        };
        assert_eq!(lvl("Hà Tĩnh", "HA TINH"), 1);
        assert_eq!(lvl("Nghệ An", "Nghe Anh"), 2);
        assert_eq!(lvl("Hà Tĩnh", "Cà Mau"), 4);
        for k in FieldKind::EXTRA {
            assert!(levels(k).len() >= 3 && levels(k).last() == Some(&"different"));
        }
    }
}
