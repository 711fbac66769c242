//! Counting what a query matches, without scoring: proposals, distinct
//! ideas and, on request, facet values.
//!
//! Ranking is left to tantivy's top-docs collector, which can skip
//! documents that cannot reach the top (block-max WAND); this pass only
//! walks the matches, reading two fast fields per document, so it stays
//! cheap when a word matches a tenth of a million proposals.

use std::collections::BTreeMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Facets counted per query, by the name of their fast field.
pub(crate) const FACETS: [&str; 5] = ["district", "theme", "level", "kind", "year"];

pub(crate) struct Totals {
    /// Matching proposals.
    pub proposals: u64,
    /// Matching ideas.
    pub ideas: u64,
    /// Per facet of [`FACETS`]: value → proposals, most first, when asked.
    pub facets: Option<Vec<Vec<(String, u64)>>>,
}

pub(crate) struct TotalsCollector {
    pub facets: bool,
}

pub(crate) struct SegmentFruit {
    proposals: u64,
    /// One bit per cluster ordinal (dense, build order).
    ideas: Vec<u64>,
    facets: Vec<Vec<(String, u64)>>,
}

pub(crate) struct Segment {
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

    fn for_segment(&self, _: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<Segment> {
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
            cluster_ords,
            proposals: 0,
            ideas: vec![0; words],
            facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Totals> {
        let mut proposals = 0;
        let mut ideas: Vec<u64> = Vec::new();
        let mut facet_totals: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); FACETS.len()];
        for fruit in fruits {
            proposals += fruit.proposals;
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
        Ok(Totals {
            proposals,
            ideas: ideas.iter().map(|w| u64::from(w.count_ones())).sum(),
            facets,
        })
    }
}

impl SegmentCollector for Segment {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.proposals += 1;
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
        SegmentFruit {
            proposals: self.proposals,
            ideas: self.ideas,
            facets,
        }
    }
}
