//! English nicknames and diminutives (`data/en-names/nicknames.csv`): Bill and William, Peggy and
//! Margaret, Bob and Robert.
//!
//! The table says which formal names a nickname stands for. It is no equivalence: `ron` is a
//! nickname of Aaron, Cameron, Ronald and Veronica, and joining every related name would put
//! half of the table (1,067 names) in one group. Nor is it one-way: `bill` is listed both as a
//! nickname of William and Robert and as a "formal name" with the nicknames William, Robert,
//! Fred. So two names are read as nickname-equivalent when a row of the table joins them (Bill,
//! William; Ron, Aaron; Ron, Ronald), or when both belong to the group of one *root*: a formal
//! name that is no one's nickname (Kate and Kathy, both of Katherine). Groups of names that are
//! themselves nicknames do not join their members: Robert and William, both in Bill's row, stay
//! apart, as do Aaron and Ronald. Each name is mapped once, when the table is built, to an id,
//! and to the sorted ids of its root groups; a lookup is two hash look-ups, a merge of two short
//! lists, and a set look-up for the pair.
//!
//! Vietnamese safety: a name that is also a Vietnamese name of `data/vn-names` in its ASCII form
//! (`van`, `lan`, `kim`, `an`, `long`, `nam`, `ha` …) is left out of the table, so that two
//! Vietnamese names are never made equal through an English nickname. An English record loses
//! only those pairs (Kim ~ Kimberly).
//!
//! Lookups take ASCII lower-case tokens ([`crate::normalize::name::Name::ascii_tokens`]); the
//! comparators call them only when a pair of name parts is first met, and memoise the answer by
//! the parts' hashes.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::normalize::name::is_vietnamese_name;
use crate::refdata;

/// The nickname relation, built once.
struct Table {
    /// Name → its id.
    ids: FxHashMap<Box<str>, u32>,
    /// Per name id: the sorted ids of the root groups it belongs to.
    groups: Vec<Box<[u32]>>,
    /// The pairs of name ids a row joins, smaller id first.
    rows: FxHashSet<(u32, u32)>,
}

fn table() -> &'static Table {
    static CELL: OnceLock<Table> = OnceLock::new();
    CELL.get_or_init(build)
}

fn build() -> Table {
    let listed: Vec<(&str, &str)> = refdata::nicknames()
        .iter()
        .filter(|r| r.relationship == "has_nickname")
        .map(|r| (r.name1.as_str(), r.name2.as_str()))
        .collect();
    // Roots: formal names that no row gives as a nickname (decided on the whole table).
    let nicknames: FxHashSet<&str> = listed.iter().map(|&(_, nick)| nick).collect();
    let mut ids: FxHashMap<Box<str>, u32> = FxHashMap::default();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut rows = FxHashSet::default();
    let mut id_of = |name: &str, groups: &mut Vec<Vec<u32>>| -> u32 {
        if let Some(&id) = ids.get(name) {
            return id;
        }
        let id = u32::try_from(groups.len()).unwrap_or(u32::MAX);
        ids.insert(name.into(), id);
        groups.push(Vec::new());
        id
    };
    for &(formal, nick) in &listed {
        // Vietnamese names (in ASCII) take no part: see the module documentation.
        if is_vietnamese_name(formal) || is_vietnamese_name(nick) {
            continue;
        }
        let (f, n) = (id_of(formal, &mut groups), id_of(nick, &mut groups));
        rows.insert((f.min(n), f.max(n)));
        if !nicknames.contains(formal) {
            for member in [f, n] {
                if let Some(g) = groups.get_mut(member as usize) {
                    g.push(f);
                }
            }
        }
    }
    let groups = groups
        .into_iter()
        .map(|mut g| {
            g.sort_unstable();
            g.dedup();
            g.into_boxed_slice()
        })
        .collect();
    Table { ids, groups, rows }
}

/// The id of an ASCII lower-case name in the table, `None` when the table does not hold it (or
/// leaves it out as a Vietnamese name).
pub fn name_id(name: &str) -> Option<u32> {
    table().ids.get(name).copied()
}

/// Whether two different ASCII lower-case names are nickname-equivalent: a row of the table joins
/// them (Bill and William, Billy and Bill), or both belong to one root's group (Kate and Kathy,
/// of Katherine). Equal names are not nicknames of each other: `false`.
///
/// ```
/// use vnlink::normalize::nickname::nickname_equivalent;
/// assert!(nickname_equivalent("bill", "william"));
/// assert!(nickname_equivalent("peggy", "margaret"));
/// assert!(nickname_equivalent("ron", "aaron") && nickname_equivalent("ron", "ronald"));
/// assert!(!nickname_equivalent("aaron", "ronald"));
/// // Bill's row lists both William and Robert: they stay apart.
/// assert!(!nickname_equivalent("william", "robert"));
/// // Vietnamese names are left out: Văn is no nickname of Sullivan.
/// assert!(!nickname_equivalent("van", "sullivan"));
/// ```
pub fn nickname_equivalent(a: &str, b: &str) -> bool {
    let table = table();
    let (Some(id_a), Some(id_b)) = (name_id(a), name_id(b)) else { return false };
    if id_a == id_b {
        return false;
    }
    if table.rows.contains(&(id_a.min(id_b), id_a.max(id_b))) {
        return true;
    }
    let no_group: &[u32] = &[];
    let left = table.groups.get(id_a as usize).map_or(no_group, |g| g);
    let right = table.groups.get(id_b as usize).map_or(no_group, |g| g);
    // Both lists are short and sorted: a merge walk.
    let (mut at_left, mut at_right) = (0, 0);
    while let (Some(l), Some(r)) = (left.get(at_left), right.get(at_right)) {
        match l.cmp(r) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => at_left += 1,
            std::cmp::Ordering::Greater => at_right += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_pairs_and_their_limits() {
        for (a, b) in [
            ("bob", "robert"),
            ("bobby", "robert"),
            ("peggy", "margaret"),
            ("jim", "james"),
            ("liz", "elizabeth"),
            ("tom", "thomas"),
            ("jack", "john"),
            ("kate", "kathy"),
        ] {
            assert!(nickname_equivalent(a, b), "{a} {b}");
            assert!(nickname_equivalent(b, a), "{b} {a}");
        }
        assert!(!nickname_equivalent("william", "robert"));
        assert!(!nickname_equivalent("william", "william"));
        assert!(!nickname_equivalent("xyz", "william"));
    }

    #[test]
    fn vietnamese_names_are_not_in_the_table() {
        for n in ["van", "lan", "kim", "an", "long", "nam", "ha", "tam", "le", "thi", "hoa"] {
            assert!(name_id(n).is_none(), "{n}");
        }
        assert!(!nickname_equivalent("kim", "kimberly"));
        assert!(name_id("william").is_some());
    }
}
