//! Analysts' answers as constraints on the clusters: «да» (one idea) and
//! «нет» (two ideas) between texts.
//!
//! The machine's stars are made first; then every «да» joins the clusters
//! of its two texts, and every «нет» whose texts share a cluster moves one
//! side out: the texts its «да» answers tie to it (or it alone), the side
//! without the cluster's representative, standing as an idea of its own.
//! A cluster joined by answers is represented by the representative of its
//! largest part (then the lowest first member). So each answer holds in
//! every build, whatever the model says, and the rest is the machine's.
//!
//! The answers must agree among themselves: a «нет» between two texts that
//! «да» answers tie together (a = b, b = c, a ≠ c) is ignored here. The
//! caller finds such conflicts first and reports them (sborka-review).

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::Doc;

/// Analysts' answers about pairs of texts (indexes given to
/// [`Deduper::prepare`](crate::Deduper::prepare)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Constraints {
    /// Pairs of texts that state one idea.
    pub same: Vec<(u32, u32)>,
    /// Pairs of texts that state different ideas.
    pub different: Vec<(u32, u32)>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.same.is_empty() && self.different.is_empty()
    }
}

/// What applying the answers did: the clusters they shaped and the
/// representatives they chose.
#[derive(Debug, Default)]
pub(crate) struct Shaped {
    /// Label → its representative, for the labels answers made or joined.
    representatives: BTreeMap<u32, u32>,
    /// Labels of the clusters holding a text of an answered pair.
    shaped: BTreeSet<u32>,
    /// Texts of answered pairs.
    endpoints: BTreeSet<u32>,
    pub(crate) effects: Effects,
}

/// What the answers changed in the machine's clusters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// «Да» answers that joined two clusters the machine had kept apart.
    pub joined: usize,
    /// «Нет» answers that took texts out of a cluster the machine had made.
    pub split: usize,
}

impl Shaped {
    pub(crate) fn representative(&self, label: u32) -> Option<u32> {
        self.representatives.get(&label).copied()
    }

    pub(crate) fn is_shaped(&self, label: u32) -> bool {
        self.shaped.contains(&label)
    }

    pub(crate) fn is_endpoint(&self, text: u32) -> bool {
        self.endpoints.contains(&text)
    }
}

/// Union–find over `0..n`, the smaller root winning (so the result does
/// not depend on the order of the unions).
struct Sets(Vec<u32>);

impl Sets {
    fn new(n: usize) -> Sets {
        Sets((0..n as u32).collect())
    }

    fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.0[root as usize] != root {
            root = self.0[root as usize];
        }
        let mut at = x;
        while self.0[at as usize] != root {
            let next = self.0[at as usize];
            self.0[at as usize] = root;
            at = next;
        }
        root
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        let (low, high) = (a.min(b), a.max(b));
        self.0[high as usize] = low;
    }
}

/// Applies `constraints` to `label` (each text's cluster label: the node
/// at the centre of its star; `star_representative(label)` its
/// representative).
pub(crate) fn apply(
    docs: &[Doc],
    constraints: &Constraints,
    label: &mut [u32],
    star_representative: impl Fn(u32) -> u32,
) -> Shaped {
    let mut shaped = Shaped::default();
    if constraints.is_empty() {
        return shaped;
    }
    let n = label.len();
    let in_range = |&&(a, b): &&(u32, u32)| (a as usize) < n && (b as usize) < n && a != b;
    let same: Vec<(u32, u32)> = sorted(constraints.same.iter().filter(in_range));
    // The texts «да» ties together.
    let mut tied = Sets::new(n);
    for &(a, b) in &same {
        tied.union(a, b);
    }
    let different: Vec<(u32, u32)> = sorted(
        constraints
            .different
            .iter()
            .filter(in_range)
            .filter(|&&(a, b)| tied.find(a) != tied.find(b)),
    );
    for &(a, b) in same.iter().chain(&different) {
        shaped.endpoints.insert(a);
        shaped.endpoints.insert(b);
    }

    // «Да»: the clusters of both texts become one, labelled by the smallest
    // label; represented by the representative of the largest part.
    let mut sizes: BTreeMap<u32, usize> = BTreeMap::new();
    for &l in label.iter() {
        *sizes.entry(l).or_default() += 1;
    }
    let mut clusters = Sets::new(n);
    for &(a, b) in &same {
        let (x, y) = (label[a as usize], label[b as usize]);
        if clusters.find(x) != clusters.find(y) {
            shaped.effects.joined += 1;
        }
        clusters.union(x, y);
    }
    let mut parts: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &l in sizes.keys() {
        parts.entry(clusters.find(l)).or_default().push(l);
    }
    for (&root, labels) in &parts {
        if labels.len() < 2 {
            continue;
        }
        let largest = labels
            .iter()
            .copied()
            .max_by(|x, y| sizes[x].cmp(&sizes[y]).then_with(|| y.cmp(x)))
            .expect("a part");
        shaped
            .representatives
            .insert(root, star_representative(largest));
    }
    for l in label.iter_mut() {
        *l = clusters.find(*l);
    }

    // «Нет»: one side leaves its cluster, with the texts tied to it there.
    // The members of the clusters that hold a «нет», gathered in one pass.
    let mut members: BTreeMap<u32, Vec<u32>> = different
        .iter()
        .map(|&(a, _)| (label[a as usize], Vec::new()))
        .collect();
    for (t, l) in label.iter().enumerate() {
        if let Some(m) = members.get_mut(l) {
            m.push(t as u32);
        }
    }
    // Labels beyond every star's (a star's label is a node, fewer than the
    // texts).
    let mut fresh = n as u32;
    for &(a, b) in &different {
        let l = label[a as usize];
        if label[b as usize] != l {
            continue;
        }
        let rep = shaped
            .representative(l)
            .unwrap_or_else(|| star_representative(l));
        let group = members.get(&l).map_or(&[][..], Vec::as_slice);
        let (root_a, root_b) = (tied.find(a), tied.find(b));
        let side_a: Vec<u32> = group
            .iter()
            .copied()
            .filter(|&t| tied.find(t) == root_a)
            .collect();
        let side_b: Vec<u32> = group
            .iter()
            .copied()
            .filter(|&t| tied.find(t) == root_b)
            .collect();
        let leaving = if side_b.contains(&rep) {
            side_a
        } else if side_a.contains(&rep) || side_b.len() <= side_a.len() {
            side_b
        } else {
            side_a
        };
        shaped.effects.split += 1;
        for &t in &leaving {
            label[t as usize] = fresh;
        }
        if let Some(m) = members.get_mut(&l) {
            m.retain(|t| !leaving.contains(t));
        }
        shaped.representatives.insert(fresh, best(docs, &leaving));
        shaped.shaped.insert(fresh);
        members.insert(fresh, leaving);
        fresh += 1;
    }
    for &t in &shaped.endpoints {
        shaped.shaped.insert(label[t as usize]);
    }
    shaped
}

/// Pairs as (smaller, larger), sorted, without repeats.
fn sorted<'a>(pairs: impl Iterator<Item = &'a (u32, u32)>) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = pairs.map(|&(a, b)| (a.min(b), a.max(b))).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The representative of a group of texts: as within a node.
fn best(docs: &[Doc], texts: &[u32]) -> u32 {
    crate::stars::representative(docs, texts)
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// Which texts «да» answers tie together, for building answers that
    /// agree.
    pub(crate) struct Tied(super::Sets);

    impl Tied {
        pub(crate) fn new(n: usize, same: &[(u32, u32)]) -> Tied {
            let mut sets = super::Sets::new(n);
            for &(a, b) in same {
                sets.union(a, b);
            }
            Tied(sets)
        }

        pub(crate) fn same(&mut self, a: u32, b: u32) -> bool {
            self.0.find(a) == self.0.find(b)
        }
    }
}
