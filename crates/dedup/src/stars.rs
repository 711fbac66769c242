//! Clusters as stars: every member is an edge away from its
//! representative, and no two members are refused by a guard or the twin
//! rule.

use std::cmp::Reverse;

use rayon::prelude::*;

use crate::analysis::Doc;
use crate::collection::Stats;
use crate::guards::{guards, same_signature};

/// How many members (the first taken, the most likely) a node joining a
/// star is checked against besides the centre: bounds the cost of very
/// large clusters.
const CHECKED: usize = 32;

/// Greedy stars over the edges `(k, l, probability)` (each listed once):
/// for each node, the node at the centre of its star, and the probability
/// of its edge to it (`1.0` for a centre). Nodes are taken by decreasing
/// centrality (their size plus the probabilities of their edges weighted
/// by the neighbours' sizes, ties by their exact key); an untaken node
/// becomes a centre and takes its untaken neighbours, most likely first,
/// each unless a guard refuses it against a member already taken (all of
/// their distinct signatures: figures, groups, polarity), or
/// `refused(member, node)` for one of the first [`CHECKED`] members taken
/// besides the centre (whose edge is the decision).
pub(crate) fn stars(
    stats: &Stats<'_>,
    edges: &[(u32, u32, f32)],
    refused: impl Fn(u32, u32) -> bool,
) -> (Vec<u32>, Vec<f32>) {
    let nodes = &stats.nodes;
    let m = nodes.len();
    let node_doc = |k: usize| stats.node_doc(k);
    let sizes: Vec<f32> = (0..m).map(|k| nodes[k].len() as f32).collect();
    let mut centrality: Vec<f32> = sizes.clone();
    for &(k, l, p) in edges {
        centrality[k as usize] += p * sizes[l as usize];
        centrality[l as usize] += p * sizes[k as usize];
    }
    let mut adjacency = Adjacency::new(m, edges);
    let mut by_centrality: Vec<u32> = (0..m as u32).collect();
    by_centrality.par_sort_unstable_by(|&a, &b| {
        let (da, db) = (node_doc(a as usize), node_doc(b as usize));
        centrality[b as usize]
            .total_cmp(&centrality[a as usize])
            .then_with(|| da.exact.cmp(&db.exact))
    });
    const NONE: u32 = u32::MAX;
    let mut center = vec![NONE; m];
    let mut link = vec![1.0f32; m];
    let mut taken: Vec<u32> = Vec::new();
    let mut signatures: Vec<&Doc> = Vec::new();
    for &c in &by_centrality {
        if center[c as usize] != NONE {
            continue;
        }
        center[c as usize] = c;
        taken.clear();
        signatures.clear();
        signatures.push(node_doc(c as usize));
        let neighbours = adjacency.of(c as usize);
        // The most likely first, ties by the neighbour's exact key.
        neighbours.sort_unstable_by(|a, b| {
            b.1.total_cmp(&a.1).then_with(|| {
                node_doc(a.0 as usize)
                    .exact
                    .cmp(&node_doc(b.0 as usize).exact)
            })
        });
        for &(l, p) in neighbours.iter() {
            if center[l as usize] != NONE {
                continue;
            }
            let doc = node_doc(l as usize);
            if signatures.iter().any(|s| guards(s, doc).is_err())
                || taken.iter().take(CHECKED).any(|&t| refused(t, l))
            {
                continue;
            }
            center[l as usize] = c;
            link[l as usize] = p;
            taken.push(l);
            if !signatures.iter().any(|s| same_signature(s, doc)) {
                signatures.push(doc);
            }
        }
    }
    (center, link)
}

/// The edges of each node, in one array: node `k`'s neighbours (and the
/// similarity to each) are `edges[start[k]..start[k + 1]]`.
pub(crate) struct Adjacency {
    start: Vec<u32>,
    edges: Vec<(u32, f32)>,
}

impl Adjacency {
    /// From the edges `(k, l, similarity)`, each listed once.
    fn new(m: usize, edges: &[(u32, u32, f32)]) -> Adjacency {
        let mut start = vec![0u32; m + 1];
        for &(k, l, _) in edges {
            start[k as usize + 1] += 1;
            start[l as usize + 1] += 1;
        }
        for k in 0..m {
            start[k + 1] += start[k];
        }
        let mut next: Vec<u32> = start[..m].to_vec();
        let mut slots = vec![(0u32, 0.0f32); edges.len() * 2];
        for &(k, l, sim) in edges {
            slots[next[k as usize] as usize] = (l, sim);
            next[k as usize] += 1;
            slots[next[l as usize] as usize] = (k, sim);
            next[l as usize] += 1;
        }
        Adjacency {
            start,
            edges: slots,
        }
    }

    fn of(&mut self, k: usize) -> &mut [(u32, f32)] {
        &mut self.edges[self.start[k] as usize..self.start[k + 1] as usize]
    }
}

/// The member of a node that stands for its cluster: the most repeated
/// matching text, then the shortest text, then the text's hash, then the
/// lowest index.
pub(crate) fn representative(docs: &[Doc], node: &[u32]) -> u32 {
    let mut counts: Vec<u64> = node.iter().map(|&i| docs[i as usize].verbatim).collect();
    counts.sort_unstable();
    let count =
        |key: u64| counts.partition_point(|&k| k <= key) - counts.partition_point(|&k| k < key);
    *node
        .iter()
        .min_by_key(|&&i| {
            let d = &docs[i as usize];
            (Reverse(count(d.verbatim)), d.len, d.raw, i)
        })
        .expect("a node has members")
}
