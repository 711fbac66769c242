//! The collection: texts with the same folded terms as one node, the
//! weight of each term (IDF over nodes), and the inverted index over rare
//! terms that proposes candidate pairs.

use rayon::prelude::*;
use sborka_text::FxHashMap;

use crate::Deduper;
use crate::analysis::Doc;

/// Exact nodes and collection statistics.
pub(crate) struct Stats<'a> {
    pub(crate) docs: &'a [Doc],
    /// Texts with the same folded terms, ascending; nodes in the order of
    /// their exact key.
    pub(crate) nodes: Ragged<u32>,
    /// Document frequency (over nodes) of each term of each node, in the
    /// order of its terms: looked up once here, so that the postings and
    /// the candidates of a node read it without hashing the term again.
    pub(crate) dfs: Ragged<u32>,
    /// IDF weight of each term of each node.
    pub(crate) weights: Ragged<f32>,
    pub(crate) norms: Vec<f32>,
    /// The weight of a term one text holds: the largest.
    pub(crate) max_weight: f32,
}

impl Stats<'_> {
    pub(crate) fn node_doc(&self, k: usize) -> &Doc {
        &self.docs[self.nodes[k][0] as usize]
    }
}

/// The inverted index of the terms held by 2 to [`Config::max_postings`]
/// nodes: the nodes holding a term are `nodes[start..start + len]`, in
/// ascending order, for `ranges[term] = (start, len)`; `len` is the term's
/// document frequency.
pub(crate) struct Postings {
    ranges: FxHashMap<u64, (u32, u32)>,
    nodes: Vec<u32>,
}

/// Groups of items in one array (rather than a vector per group): group
/// `k` is `items[bounds[k]..bounds[k + 1]]`.
pub(crate) struct Ragged<T> {
    items: Vec<T>,
    bounds: Vec<usize>,
}

impl<T> Default for Ragged<T> {
    fn default() -> Ragged<T> {
        Ragged {
            items: Vec::new(),
            bounds: vec![0],
        }
    }
}

impl<T> Ragged<T> {
    /// From all the items, group after group, and the groups' lengths.
    fn from_parts(items: Vec<T>, lens: impl Iterator<Item = usize>) -> Ragged<T> {
        let mut bounds = vec![0];
        for len in lens {
            bounds.push(bounds[bounds.len() - 1] + len);
        }
        debug_assert_eq!(bounds[bounds.len() - 1], items.len());
        Ragged { items, bounds }
    }

    /// The number of groups.
    pub(crate) fn len(&self) -> usize {
        self.bounds.len() - 1
    }

    /// Starts a new, empty group.
    fn new_group(&mut self) {
        self.bounds.push(self.items.len());
    }

    /// Adds an item to the last group (starting one if there is none).
    fn push(&mut self, item: T) {
        if self.len() == 0 {
            self.new_group();
        }
        self.items.push(item);
        if let Some(end) = self.bounds.last_mut() {
            *end = self.items.len();
        }
    }
}

impl<T> std::ops::Index<usize> for Ragged<T> {
    type Output = [T];

    fn index(&self, k: usize) -> &[T] {
        &self.items[self.bounds[k]..self.bounds[k + 1]]
    }
}

impl Deduper {
    /// Exact nodes and collection statistics: what every pair decision
    /// needs.
    pub(crate) fn stats<'a>(&self, docs: &'a [Doc]) -> Stats<'a> {
        let n = u32::try_from(docs.len()).expect("fewer than 2^32 proposals");
        // Exact: nodes of texts with the same folded terms.
        let mut order: Vec<u32> = (0..n).collect();
        order.par_sort_unstable_by_key(|&i| (docs[i as usize].exact, i));
        let mut nodes = Ragged::default();
        for (at, &i) in order.iter().enumerate() {
            if at == 0 || docs[order[at - 1] as usize].exact != docs[i as usize].exact {
                nodes.new_group();
            }
            nodes.push(i);
        }
        drop(order);
        let m = nodes.len();
        let node_doc = |k: usize| &docs[nodes[k][0] as usize];

        // Document frequencies over nodes, so that pasted copies do not make
        // a word look common.
        // A few large pieces: each piece's map holds much of the
        // vocabulary, and merging many of them would cost more than
        // counting.
        let pieces = (rayon::current_num_threads() * 2).max(1);
        let df: FxHashMap<u64, u32> = (0..m)
            .into_par_iter()
            .with_min_len(m.div_ceil(pieces).max(1))
            .fold(FxHashMap::default, |mut df: FxHashMap<u64, u32>, k| {
                for &t in node_doc(k).terms.iter() {
                    *df.entry(t).or_insert(0) += 1;
                }
                df
            })
            .reduce(FxHashMap::default, |a, b| {
                if a.len() < b.len() {
                    merge(b, a)
                } else {
                    merge(a, b)
                }
            });
        // Node k's frequencies and weights are those of its terms, in the
        // same order.
        let lens = || (0..m).map(|k| node_doc(k).terms.len());
        let dfs = Ragged::from_parts(
            (0..m)
                .into_par_iter()
                .flat_map_iter(|k| {
                    node_doc(k)
                        .terms
                        .iter()
                        .map(|t| df.get(t).copied().unwrap_or(1))
                })
                .collect(),
            lens(),
        );
        drop(df);
        let weights = Ragged {
            items: dfs
                .items
                .par_iter()
                .map(|&d| ((m as f32 + 1.0) / d.max(1) as f32).ln())
                .collect(),
            bounds: dfs.bounds.clone(),
        };
        let norms: Vec<f32> = (0..m)
            .into_par_iter()
            .map(|k| weights[k].iter().map(|x| x * x).sum::<f32>().sqrt())
            .collect();
        let max_weight = (m as f32 + 1.0).ln();
        Stats {
            docs,
            nodes,
            dfs,
            weights,
            norms,
            max_weight,
        }
    }

    /// Inverted index over the terms that few nodes hold.
    pub(crate) fn postings(&self, stats: &Stats<'_>) -> Postings {
        let max_postings = self.config.max_postings as u32;
        let mut pairs: Vec<(u64, u32)> = (0..stats.nodes.len())
            .into_par_iter()
            .flat_map_iter(|k| {
                stats
                    .node_doc(k)
                    .terms
                    .iter()
                    .zip(&stats.dfs[k])
                    .filter(|&(_, d)| (2..=max_postings).contains(d))
                    .map(move |(&t, _)| (t, k as u32))
            })
            .collect();
        pairs.par_sort_unstable();
        let mut ranges = FxHashMap::default();
        let mut start = 0;
        while start < pairs.len() {
            let term = pairs[start].0;
            let end = start + pairs[start..].partition_point(|p| p.0 == term);
            ranges.insert(term, (start as u32, (end - start) as u32));
            start = end;
        }
        let nodes = pairs.iter().map(|p| p.1).collect();
        Postings { ranges, nodes }
    }

    /// The nodes sharing one of node `k`'s rarest terms, ascending: the
    /// rarest terms first, until [`Config::probe_terms`] or the
    /// [`Config::probe_budget`] of postings is spent (the rarest is always
    /// read).
    pub(crate) fn candidates(&self, stats: &Stats<'_>, postings: &Postings, k: usize) -> Vec<u32> {
        // (document frequency, term): a term has postings when its
        // frequency is in 2..=max_postings. Only the terms read are looked
        // up in the postings.
        let max_postings = self.config.max_postings as u32;
        let mut rare: Vec<(u32, u64)> = stats
            .node_doc(k)
            .terms
            .iter()
            .zip(&stats.dfs[k])
            .filter(|&(_, d)| (2..=max_postings).contains(d))
            .map(|(&t, &d)| (d, t))
            .collect();
        rare.sort_unstable();
        let mut read = 0;
        let mut candidates: Vec<u32> = Vec::new();
        for &(d, t) in rare.iter().take(self.config.probe_terms) {
            if read > 0 && read + d as usize > self.config.probe_budget {
                break;
            }
            read += d as usize;
            let (start, len) = postings.ranges[&t];
            debug_assert_eq!(len, d);
            let nodes = &postings.nodes[start as usize..(start + len) as usize];
            candidates.extend(nodes.iter().copied().filter(|&l| l as usize != k));
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }
}

fn merge(mut a: FxHashMap<u64, u32>, b: FxHashMap<u64, u32>) -> FxHashMap<u64, u32> {
    // Addition commutes: the order of the map does not reach the output.
    b.into_iter()
        .for_each(|(t, d)| *a.entry(t).or_insert(0) += d);
    a
}
