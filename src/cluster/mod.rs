//! Clustering: connected components over scored pairs, with cannot-link constraints.
//!
//! Pairs at or above the threshold are merged in a fixed order — by descending match weight, then
//! by record indices — with a union-find. Each component remembers one *identity key* (e.g. a
//! valid CCCD number); two components whose keys conflict are never merged, so two records with
//! different valid CCCDs never end in one cluster even when a chain of other pairs links them.
//! Keys "conflict" when a caller-supplied predicate says so (for CCCDs: different, and not a
//! single mistyped digit or swapped pair, which the comparator treats as a typo).
//!
//! The result does not depend on thread count or on the order in which pairs were found: the
//! edges are sorted first. Cluster labels are the smallest record index of each cluster.

/// A scored pair of records (indices into one record space).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// One record.
    pub a: u32,
    /// The other record.
    pub b: u32,
    /// Match weight (log2 Bayes factor including the prior).
    pub weight: f32,
}

/// The outcome of clustering.
#[derive(Debug, Clone)]
pub struct Clustering {
    /// For every record, its cluster label: the smallest record index in its cluster.
    pub labels: Vec<u32>,
    /// Edges whose merge was refused by a cannot-link constraint.
    pub refused: u64,
    /// Number of clusters (singletons included).
    pub clusters: usize,
}

/// Union-find over `u32` nodes with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        UnionFind { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    /// Adds a singleton; returns its node.
    pub fn push(&mut self) -> u32 {
        let i = self.parent.len() as u32;
        self.parent.push(i);
        self.size.push(1);
        i
    }

    /// Makes each of `nodes` a singleton again. `nodes` must be whole sets (no other node's
    /// path goes through them): the members of the clusters being regrouped.
    pub fn reset(&mut self, nodes: &[u32]) {
        for &x in nodes {
            self.parent[x as usize] = x;
            self.size[x as usize] = 1;
        }
    }

    /// The root of `x`, without changing the structure (for shared readers).
    pub fn root(&self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    /// The root of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Merges the sets of `a` and `b`; returns the new root.
    pub fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb { ra } else { self.union_roots(ra, rb) }
    }

    /// Merges the sets of roots `ra` and `rb` (both must be roots); returns the new root.
    fn union_roots(&mut self, ra: u32, rb: u32) -> u32 {
        let (big, small) =
            if self.size[ra as usize] >= self.size[rb as usize] { (ra, rb) } else { (rb, ra) };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
        big
    }
}

/// Clusters `n` records from `edges` (consumed: they are sorted in place).
///
/// `key(i)` gives record `i`'s identity key (0 = none); `conflict(k1, k2)` says whether two
/// non-zero, different keys belong to different people.
pub fn cluster(
    n: usize,
    edges: &mut [Edge],
    key: impl Fn(u32) -> u64,
    conflict: impl Fn(u64, u64) -> bool,
) -> Clustering {
    edges.sort_unstable_by(|x, y| {
        y.weight.total_cmp(&x.weight).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b))
    });
    let mut uf = UnionFind::new(n);
    // Identity key per root, filled lazily from the records.
    let mut root_key: Vec<u64> = (0..n as u32).map(&key).collect();
    let mut refused = 0;
    for e in edges.iter() {
        let (ra, rb) = (uf.find(e.a), uf.find(e.b));
        if ra == rb {
            continue;
        }
        let (ka, kb) = (root_key[ra as usize], root_key[rb as usize]);
        if ka != 0 && kb != 0 && ka != kb && conflict(ka, kb) {
            refused += 1;
            continue;
        }
        let r = uf.union_roots(ra, rb);
        root_key[r as usize] = if ka != 0 { ka } else { kb };
    }
    // Label = smallest member index: roots get their smallest member by a first pass in order.
    let mut smallest = vec![u32::MAX; n];
    let mut labels = vec![0u32; n];
    let mut clusters = 0;
    for i in 0..n as u32 {
        let r = uf.find(i) as usize;
        if smallest[r] == u32::MAX {
            smallest[r] = i;
            clusters += 1;
        }
        labels[i as usize] = smallest[r];
    }
    Clustering { labels, refused, clusters }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(a: u32, b: u32, weight: f32) -> Edge {
        Edge { a, b, weight }
    }

    #[test]
    fn components_with_smallest_member_labels() {
        let mut edges = vec![e(3, 1, 5.0), e(1, 0, 4.0), e(4, 5, 3.0)];
        let c = cluster(7, &mut edges, |_| 0, |_, _| true);
        assert_eq!(c.labels, vec![0, 0, 2, 0, 4, 4, 6]);
        assert_eq!(c.clusters, 4);
        assert_eq!(c.refused, 0);
    }

    #[test]
    fn different_keys_never_merge_even_through_a_chain() {
        // 0 and 2 hold different CCCDs; 1 (no CCCD) links to both. The stronger edge wins.
        let keys = [111u64, 0, 222];
        let mut edges = vec![e(0, 1, 10.0), e(1, 2, 12.0)];
        let c = cluster(3, &mut edges, |i| keys[i as usize], |a, b| a != b);
        assert_eq!(c.labels, vec![0, 1, 1]);
        assert_eq!(c.refused, 1);
    }

    #[test]
    fn result_does_not_depend_on_edge_order() {
        let keys = [7u64, 0, 9, 0, 7, 0];
        let base = vec![
            e(0, 1, 3.0),
            e(1, 2, 3.0),
            e(2, 3, 1.0),
            e(3, 4, 2.0),
            e(4, 5, 3.0),
            e(5, 0, 1.0),
        ];
        let mut first = base.clone();
        let want = cluster(6, &mut first, |i| keys[i as usize], |a, b| a != b).labels;
        let mut rev: Vec<Edge> = base.iter().rev().copied().collect();
        assert_eq!(cluster(6, &mut rev, |i| keys[i as usize], |a, b| a != b).labels, want);
    }
}
