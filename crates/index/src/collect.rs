//! One pass over what a query matches: how many proposals, how many
//! distinct ideas, facet values on request, and the best-scoring
//! documents (ties by address, as tantivy's own top-docs collector).
//!
//! Per document it reads two fast fields (three with facets), sets a bit
//! and compares a score with the worst kept one, so a word matching a
//! tenth of a million proposals costs one walk of its postings.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use sborka_core::Facet;

use crate::facets::{self, Names};

/// Facets counted per query.
pub(crate) const FACETS: [Facet; 5] = [
    Facet::District,
    Facet::Theme,
    Facet::Level,
    Facet::Kind,
    Facet::Year,
];

pub(crate) struct Totals {
    /// Matching proposals.
    pub proposals: u64,
    /// Matching ideas.
    pub ideas: u64,
    /// Per facet of [`FACETS`]: value → proposals, most first, when asked.
    pub facets: Option<Vec<Vec<(String, u64)>>>,
    /// The best documents, best first; every match when fewer than asked.
    pub top: Vec<(Score, DocAddress)>,
}

pub(crate) struct TotalsCollector<'n> {
    /// Count facets, and name their codes so.
    pub facets: Option<&'n Names>,
    /// How many of the best documents to keep.
    pub top: usize,
}

/// A kept document, ordered so that the heap's top is the worst: lower
/// score, then higher address.
#[derive(Clone, Copy)]
struct Kept(Score, DocId);

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Kept {}
impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

pub(crate) struct SegmentFruit {
    top: Vec<(Score, DocAddress)>,
    proposals: u64,
    /// One bit per cluster ordinal (dense, build order).
    ideas: Vec<u64>,
    facets: Counts,
}

pub(crate) struct Segment {
    segment: SegmentOrdinal,
    keep: usize,
    top: BinaryHeap<Kept>,
    cluster_ords: Column<u64>,
    proposals: u64,
    ideas: Vec<u64>,
    /// The facet column, and the counts, when asked.
    facets: Option<(Column<u64>, Counts)>,
}

/// Per facet of [`FACETS`]: code → proposals.
type Counts = Vec<BTreeMap<u64, u64>>;

impl Collector for TotalsCollector<'_> {
    type Fruit = Totals;
    type Child = Segment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Segment> {
        let fast = reader.fast_fields();
        let facets = match self.facets {
            Some(_) => Some((fast.u64("facets")?, vec![BTreeMap::new(); FACETS.len()])),
            None => None,
        };
        let cluster_ords = fast.u64("cluster_ord")?;
        let words = (cluster_ords.max_value() / 64 + 1) as usize;
        Ok(Segment {
            segment,
            keep: self.top,
            top: BinaryHeap::with_capacity(self.top + 1),
            cluster_ords,
            proposals: 0,
            ideas: vec![0; words],
            facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.top > 0
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Totals> {
        let mut proposals = 0;
        let mut top = Vec::new();
        let mut ideas: Vec<u64> = Vec::new();
        let mut facet_totals: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); FACETS.len()];
        for fruit in fruits {
            proposals += fruit.proposals;
            top.extend(fruit.top);
            if ideas.len() < fruit.ideas.len() {
                ideas.resize(fruit.ideas.len(), 0);
            }
            for (a, b) in ideas.iter_mut().zip(&fruit.ideas) {
                *a |= b;
            }
            let Some(names) = self.facets else { continue };
            for ((total, counts), &facet) in facet_totals.iter_mut().zip(fruit.facets).zip(&FACETS)
            {
                for (code, n) in counts {
                    if let Some(value) = names.name(facet, code) {
                        *total.entry(value).or_default() += n;
                    }
                }
            }
        }
        let facets = self.facets.map(|_| {
            facet_totals
                .into_iter()
                .map(|m| {
                    let mut v: Vec<(String, u64)> = m.into_iter().collect();
                    // Stable: equal counts stay in value order.
                    v.sort_by_key(|c| std::cmp::Reverse(c.1));
                    v
                })
                .collect()
        });
        top.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        top.truncate(self.top);
        Ok(Totals {
            top,
            proposals,
            ideas: ideas.iter().map(|w| u64::from(w.count_ones())).sum(),
            facets,
        })
    }
}

impl SegmentCollector for Segment {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.proposals += 1;
        if self.keep > 0 {
            let kept = Kept(score, doc);
            if self.top.len() < self.keep {
                self.top.push(kept);
            } else if self.top.peek().is_some_and(|worst| kept < *worst) {
                self.top.pop();
                self.top.push(kept);
            }
        }
        if let Some(ord) = self.cluster_ords.first(doc)
            && let Some(word) = self.ideas.get_mut((ord / 64) as usize)
        {
            *word |= 1 << (ord % 64);
        }
        if let Some((column, counts)) = &mut self.facets
            && let Some(packed) = column.first(doc)
        {
            for (counts, &facet) in counts.iter_mut().zip(&FACETS) {
                let code = facets::code(packed, facet);
                if code != 0 {
                    *counts.entry(code).or_default() += 1;
                }
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        let facets = self.facets.map(|(_, counts)| counts).unwrap_or_default();
        let segment = self.segment;
        SegmentFruit {
            top: self
                .top
                .into_iter()
                .map(|Kept(score, doc)| (score, DocAddress::new(segment, doc)))
                .collect(),
            proposals: self.proposals,
            ideas: self.ideas,
            facets,
        }
    }
}
