//! Records copied into an order that keeps blocking groups close in memory.
//!
//! In input order, the members of a blocking group are scattered over the whole store, and
//! comparing them is a succession of cache misses: at a million records and more, scoring waits
//! on memory, not on arithmetic. [`Local`] copies the records' [`Features`] into one array sorted
//! by given-name phonetic key, family class, birth year and province — the keys most blocking
//! rules share — so that a group's members mostly sit within a few cache lines of each other.
//! Matching then runs on local indices, and results are mapped back to store indices.
//!
//! The order is a pure function of the features (ties broken by store index), so results stay
//! the same whatever the thread count. The ASCII names are copied likewise. In a link, each side is sorted on its own, so the first
//! source still comes first.

use rayon::prelude::*;

use crate::compare::{Features, Records};

/// A copy of some records' features in locality order, with the maps to and from store order.
#[derive(Debug)]
pub struct Local<'r, R: Records> {
    inner: &'r R,
    features: Vec<Features>,
    /// Local index → index in `inner`.
    original: Vec<u32>,
    /// Index in `inner` → local index.
    position: Vec<u32>,
    /// The ASCII names in local order, one arena with `n + 1` offsets.
    names: String,
    name_ends: Vec<u32>,
}

impl<'r, R: Records> Local<'r, R> {
    /// Copies `inner`'s features in locality order; with `link_split = Some(n)`, records `0..n`
    /// and the rest are sorted apart.
    pub fn new(inner: &'r R, link_split: Option<u32>) -> Self {
        let n = inner.len() as u32;
        let mut order: Vec<(u64, u64, u32)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let f = inner.features(i);
                let side = u64::from(link_split.is_some_and(|s| i >= s));
                let hi = (side << 63)
                    | (u64::from(f.given_phonetic) << 31)
                    | (u64::from(f.family_class) >> 1);
                let lo = (u64::from(f.dob >> 9) << 48) | (u64::from(f.province_new) << 40);
                (hi, lo, i)
            })
            .collect();
        order.par_sort_unstable();
        let original: Vec<u32> = order.iter().map(|&(_, _, i)| i).collect();
        let features: Vec<Features> = original.par_iter().map(|&i| *inner.features(i)).collect();
        let mut local = vec![0u32; n as usize];
        for (l, &o) in original.iter().enumerate() {
            local[o as usize] = l as u32;
        }
        // Names too: a name is read when two records' name parts are new to the comparators.
        let mut names = String::new();
        let mut name_ends = Vec::with_capacity(original.len());
        for &o in &original {
            names.push_str(inner.name_ascii(o));
            name_ends.push(names.len() as u32);
        }
        Local { inner, features, original, position: local, names, name_ends }
    }

    /// The store index of local record `i`.
    #[inline]
    pub fn original(&self, i: u32) -> u32 {
        self.original[i as usize]
    }

    /// The local index of store record `i`.
    #[inline]
    pub fn local(&self, i: u32) -> u32 {
        self.position[i as usize]
    }
}

impl<R: Records> Records for Local<'_, R> {
    fn len(&self) -> usize {
        self.features.len()
    }

    #[inline]
    fn features(&self, i: u32) -> &Features {
        &self.features[i as usize]
    }

    #[inline]
    fn name_ascii(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.name_ends[i - 1] as usize };
        // Ends are ASCII-name boundaries pushed above, so slicing cannot fail; fall back to the
        // store rather than panic if a name were not ASCII and the arena grew past u32.
        self.names
            .get(start..self.name_ends[i] as usize)
            .unwrap_or_else(|| self.inner.name_ascii(self.original[i]))
    }

    #[inline]
    fn extra_hashes(&self, i: u32) -> &[u64; crate::schema::MAX_EXTRA] {
        self.inner.extra_hashes(self.original[i as usize])
    }

    fn extra_text(&self, i: u32, j: usize) -> &str {
        self.inner.extra_text(self.original[i as usize], j)
    }

    fn extra_fields(&self) -> &[crate::schema::ExtraField] {
        self.inner.extra_fields()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sit_together_and_maps_invert() {
        let f = |given_phonetic, family_class| Features {
            given_phonetic,
            family_class,
            name_tokens: 1,
            ..Features::default()
        };
        let recs = (vec![f(9, 1), f(2, 1), f(9, 1), f(2, 2), f(9, 1)], vec![String::new(); 5]);
        let local = Local::new(&recs, None);
        let order: Vec<u32> = (0..5).map(|i| local.original(i)).collect();
        assert_eq!(order, vec![1, 3, 0, 2, 4]);
        for i in 0..5 {
            assert_eq!(local.original(local.local(i)), i);
            assert_eq!(local.features(local.local(i)), recs.features(i));
        }
        // A link keeps each side apart.
        let split = Local::new(&recs, Some(2));
        let order: Vec<u32> = (0..5).map(|i| split.original(i)).collect();
        assert_eq!(order, vec![1, 0, 3, 2, 4]);
    }
}
