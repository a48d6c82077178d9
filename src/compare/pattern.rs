//! Comparison patterns: a pair's levels, one per field, packed into a [`Pattern`], and the
//! [`Place`] its address level puts the pair at. They are what the comparators produce and what
//! the model (`crate::model`) weighs.

/// Most fields a model can have (levels are packed 4 bits each in a `u64` pattern).
pub const MAX_FIELDS: usize = 16;
/// Most levels a field can have, level 0 (missing) included.
pub const MAX_LEVELS: usize = 16;

/// A comparison vector packed into a `u64`: field `f`'s level in bits `4f..4f+4`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern(pub u64);

impl Pattern {
    /// The level of field `f`.
    #[inline]
    pub fn level(self, f: usize) -> usize {
        ((self.0 >> (4 * f)) & 0xF) as usize
    }

    /// Sets the level of field `f`.
    #[inline]
    pub fn set(&mut self, f: usize, level: u8) {
        debug_assert!((level as usize) < MAX_LEVELS && f < MAX_FIELDS);
        self.0 = (self.0 & !(0xF << (4 * f))) | (u64::from(level & 0xF) << (4 * f));
    }

    /// Builds a pattern from levels.
    pub fn from_levels(levels: &[u8]) -> Pattern {
        let mut p = Pattern(0);
        for (f, &l) in levels.iter().enumerate() {
            p.set(f, l);
        }
        p
    }
}

/// Where two records' addresses place them relative to each other: the u of the other fields
/// depends on it ([`crate::model::Level::u_same_house`], [`crate::model::Level::u_same_ward`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Elsewhere, or unknown.
    Elsewhere,
    /// One ward, other or unknown house numbers.
    SameWard,
    /// One ward and house number.
    SameHouse,
}

impl Place {
    /// Every place, in table order.
    pub const ALL: [Place; 3] = [Place::Elsewhere, Place::SameWard, Place::SameHouse];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_packs_levels() {
        let mut p = Pattern::from_levels(&[1, 0, 15, 3]);
        assert_eq!((p.level(0), p.level(1), p.level(2), p.level(3), p.level(4)), (1, 0, 15, 3, 0));
        p.set(2, 4);
        assert_eq!(p.level(2), 4);
        assert_eq!(p.level(3), 3);
    }
}
