//! One pass over what a query matches: how many proposals, how many
//! distinct ideas, facet values on request, and the best-scoring
//! documents (ties by address, as tantivy's own top-docs collector).
//!
//! Per document it reads two fast fields, sets a bit and compares a score
//! with the worst kept one, so a word matching a tenth of a million
//! proposals costs one walk of its postings.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Facets counted per query, by the name of their fast field.
pub(crate) const FACETS: [&str; 5] = ["district", "theme", "level", "kind", "year"];

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

pub(crate) struct TotalsCollector {
    pub facets: bool,
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
    facets: Vec<Vec<(String, u64)>>,
}

pub(crate) struct Segment {
    segment: SegmentOrdinal,
    keep: usize,
    top: BinaryHeap<Kept>,
    cluster_ords: Column<u64>,
    proposals: u64,
    ideas: Vec<u64>,
    facets: Option<Vec<FacetCount>>,
}

enum FacetCount {
    Str(StrColumn, Vec<u64>),
    Num(Column<u64>, BTreeMap<u64, u64>),
    Absent,
}

impl Collector for TotalsCollector {
    type Fruit = Totals;
    type Child = Segment;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Segment> {
        let fast = reader.fast_fields();
        let facets = if self.facets {
            let mut counts = Vec::new();
            for name in FACETS {
                counts.push(if name == "year" {
                    FacetCount::Num(fast.u64(name)?, BTreeMap::new())
                } else {
                    match fast.str(name)? {
                        Some(col) => {
                            let n = col.num_terms();
                            FacetCount::Str(col, vec![0; n])
                        }
                        None => FacetCount::Absent,
                    }
                });
            }
            Some(counts)
        } else {
            None
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
            for (total, counts) in facet_totals.iter_mut().zip(fruit.facets) {
                for (value, n) in counts {
                    *total.entry(value).or_default() += n;
                }
            }
        }
        let facets = self.facets.then(|| {
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
        if let Some(facets) = &mut self.facets {
            for f in facets {
                match f {
                    FacetCount::Str(col, counts) => {
                        if let Some(o) = col.ords().first(doc)
                            && let Some(n) = counts.get_mut(o as usize)
                        {
                            *n += 1;
                        }
                    }
                    FacetCount::Num(col, counts) => {
                        if let Some(v) = col.first(doc) {
                            *counts.entry(v).or_default() += 1;
                        }
                    }
                    FacetCount::Absent => {}
                }
            }
        }
    }

    fn harvest(self) -> SegmentFruit {
        let mut facets = Vec::new();
        for f in self.facets.into_iter().flatten() {
            let mut values = Vec::new();
            match f {
                FacetCount::Str(col, counts) => {
                    let mut s = String::new();
                    for (o, n) in counts.into_iter().enumerate() {
                        if n > 0 {
                            s.clear();
                            if col.ord_to_str(o as u64, &mut s).unwrap_or(false) {
                                values.push((s.clone(), n));
                            }
                        }
                    }
                }
                FacetCount::Num(_, counts) => {
                    values.extend(counts.into_iter().map(|(k, n)| (k.to_string(), n)));
                }
                FacetCount::Absent => {}
            }
            facets.push(values);
        }
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
