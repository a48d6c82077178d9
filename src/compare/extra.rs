//! Comparison of extra fields (e-mail, postcode, text, code, numeric): [`compare_extra`] gives
//! the level of two canonical values (as written by `normalize::extra`), [`levels`] the labels
//! of each kind's levels. The canonical forms and the levels are tabled in the docs of
//! [`crate::normalize::extra`].

use std::sync::{Mutex, OnceLock, PoisonError};

use rustc_hash::FxHashMap;

use crate::schema::{ExtraField, FieldKind, LevelSpec};
use crate::util::similarity::{jaro_winkler, one_edit};

/// The comparison-level labels of an extra field: its configured levels between "exact" and
/// "different" ([`LevelSpec`]), else its kind's ([`levels`]).
pub fn field_levels(field: &ExtraField) -> &'static [&'static str] {
    // Labels live as long as the program: one leaked list per distinct configuration.
    static LABELS: OnceLock<Mutex<FxHashMap<Vec<LevelSpec>, &'static [&'static str]>>> =
        OnceLock::new();
    if field.levels.is_empty() {
        return levels(field.kind);
    }
    let mut cache =
        LABELS.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    cache.entry(field.levels.clone()).or_insert_with(|| {
        let mut labels: Vec<&'static str> = vec!["exact"];
        labels.extend(field.levels.iter().map(|l| &*Box::leak(l.to_string().into_boxed_str())));
        labels.push("different");
        Box::leak(labels.into_boxed_slice())
    })
}

/// The level of two different, present canonical values of a field with configured levels:
/// 2 for the first level whose test holds, … , `levels.len() + 2` ("different") when none does.
pub fn compare_configured(levels: &[LevelSpec], a: &str, b: &str) -> u8 {
    let number = |s: &str| s.trim().replace(',', "").parse::<f64>().ok();
    let holds = |l: &LevelSpec| match *l {
        LevelSpec::JaroWinkler(t) => jaro_winkler(a, b) * 1000.0 >= f64::from(t) - 1e-9,
        LevelSpec::Levenshtein(n) => {
            rapidfuzz::distance::levenshtein::distance(a.chars(), b.chars()) <= usize::from(n)
        }
        LevelSpec::Prefix(n) => {
            let n = usize::from(n);
            let (pa, pb): (String, String) =
                (a.chars().take(n).collect(), b.chars().take(n).collect());
            pa.chars().count() == n && pa == pb
        }
        LevelSpec::AbsDiff(v) => {
            number(a).zip(number(b)).is_some_and(|(x, y)| (x - y).abs() * 1000.0 <= v as f64 + 1e-9)
        }
        LevelSpec::PercentDiff(v) => number(a).zip(number(b)).is_some_and(|(x, y)| {
            (x - y).abs() * 100.0 * 1000.0 <= f64::from(v) * x.abs().max(y.abs()) + 1e-9
        }),
        LevelSpec::Days(n) => {
            let day = |s: &str| crate::normalize::date::parse_date(s).date?.days_since_epoch();
            day(a).zip(day(b)).is_some_and(|(x, y)| (x - y).unsigned_abs() <= u64::from(n))
        }
    };
    let k = levels.iter().position(holds).unwrap_or(levels.len());
    u8::try_from(k + 2).unwrap_or(u8::MAX)
}

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
    fn configured_levels() {
        let spec = |t: &str| LevelSpec::try_from(t.to_owned()).expect(t);
        let levels = [spec("jaro_winkler>=0.9"), spec("levenshtein<=3"), spec("prefix=2")];
        assert_eq!(compare_configured(&levels, "vinamilk", "vinamilkk"), 2);
        assert_eq!(compare_configured(&levels, "abcdef", "abcxyz"), 3);
        assert_eq!(compare_configured(&levels, "abqqqqqq", "abzzzzzz"), 4);
        assert_eq!(compare_configured(&levels, "abcd", "wxyz"), 5);
        let nums = [spec("percent_diff<=5"), spec("abs_diff<=1000")];
        assert_eq!(compare_configured(&nums, "100000", "104000"), 2);
        assert_eq!(compare_configured(&nums, "10000", "10900"), 3);
        assert_eq!(compare_configured(&nums, "10000", "12000"), 4);
        assert_eq!(compare_configured(&nums, "10000", "n/a"), 4);
        let days = [spec("days<=31")];
        assert_eq!(compare_configured(&days, "2020-01-01", "2020-01-30"), 2);
        assert_eq!(compare_configured(&days, "2020-01-01", "2020-03-01"), 3);
        let field = ExtraField {
            name: "employer".into(),
            kind: FieldKind::Text,
            header: String::new(),
            compare: true,
            levels: levels.to_vec(),
        };
        assert_eq!(
            field_levels(&field),
            ["exact", "jaro_winkler>=0.9", "levenshtein<=3", "prefix=2", "different"]
        );
        assert!(std::ptr::eq(field_levels(&field), field_levels(&field.clone())), "interned");
        for bad in ["jaro_winkler>=1.5", "prefix=0", "levenshtein>=2", "soundex", "days<=-1"] {
            assert!(LevelSpec::try_from(bad.to_owned()).is_err(), "{bad}");
        }
        for good in ["jaro_winkler>=0.92", "abs_diff<=0.5", "percent_diff<=10", "days<=30"] {
            assert_eq!(spec(good).to_string(), good);
        }
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
