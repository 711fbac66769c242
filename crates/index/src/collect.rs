//! One pass over the matching proposals: the best proposal of every idea
//! (or the best proposals), how many matched, and facet counts.
//!
//! Grouping by idea is exact: every match is seen, so an idea whose best
//! proposal ranks low is still counted once and placed by its best score.
//! Ties are broken by the proposal's place in the build (`ord`), so the
//! order does not depend on how the index was split into segments.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// Facets counted per query, by the name of their fast field.
pub(crate) const FACETS: [&str; 5] = ["district", "theme", "level", "kind", "year"];

/// A ranking key: a higher score first, then the earlier proposal.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rank {
    pub score: Score,
    pub ord: u64,
}

impl PartialEq for Rank {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Rank {}
impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Rank {
    /// `Greater` is better.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.ord.cmp(&self.ord))
    }
}

/// The best proposal of an idea and how many of its proposals matched.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Group {
    pub rank: Rank,
    pub address: DocAddress,
    pub matched: u64,
}

/// A ranked proposal, ordered worst-first for a bounded heap.
#[derive(Clone, Copy, Debug)]
struct Worst(Rank, DocAddress);
impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.cmp(&self.0)
    }
}

pub(crate) struct Collected {
    /// Matching proposals.
    pub proposals: u64,
    /// Matching ideas.
    pub ideas: u64,
    /// The requested page: ideas (grouped) or proposals, best first, with
    /// their cluster key.
    pub page: Vec<(u64, Group)>,
    /// Per facet of [`FACETS`]: value → proposals, when asked for.
    pub facets: Option<Vec<Vec<(String, u64)>>>,
}

pub(crate) struct QueryCollector {
    pub grouped: bool,
    /// Hits to skip and to keep.
    pub offset: usize,
    pub limit: usize,
    pub facets: bool,
}

pub(crate) struct SegmentFruit {
    proposals: u64,
    groups: HashMap<u64, Group>,
    top: Vec<Worst>,
    /// Counted cluster keys of the top hits (all mode only).
    top_clusters: Vec<u64>,
    facets: Vec<Vec<(String, u64)>>,
}

pub(crate) struct Segment {
    segment: SegmentOrdinal,
    clusters: Column<u64>,
    ords: Column<u64>,
    grouped: bool,
    keep: usize,
    proposals: u64,
    groups: HashMap<u64, Group>,
    top: BinaryHeap<Worst>,
    facets: Option<Vec<FacetCount>>,
}

enum FacetCount {
    Str(StrColumn, Vec<u64>),
    Num(Column<u64>, HashMap<u64, u64>),
    Absent,
}

impl Collector for QueryCollector {
    type Fruit = Collected;
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
                    FacetCount::Num(fast.u64(name)?, HashMap::new())
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
        Ok(Segment {
            segment,
            clusters: fast.u64("cluster_key")?,
            ords: fast.u64("ord")?,
            grouped: self.grouped,
            keep: self.offset.saturating_add(self.limit),
            proposals: 0,
            groups: HashMap::new(),
            top: BinaryHeap::new(),
            facets,
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut proposals = 0;
        let mut groups: HashMap<u64, Group> = HashMap::new();
        let mut top: Vec<(u64, Group)> = Vec::new();
        let mut facet_totals: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); FACETS.len()];
        for fruit in fruits {
            proposals += fruit.proposals;
            // The order of this merge does not matter: the page is sorted
            // by rank below, and ranks are unique (`ord`).
            #[allow(clippy::iter_over_hash_type)]
            for (key, g) in fruit.groups {
                groups
                    .entry(key)
                    .and_modify(|best| {
                        best.matched += g.matched;
                        if g.rank > best.rank {
                            best.rank = g.rank;
                            best.address = g.address;
                        }
                    })
                    .or_insert(g);
            }
            for (w, key) in fruit.top.into_iter().zip(fruit.top_clusters) {
                top.push((
                    key,
                    Group {
                        rank: w.0,
                        address: w.1,
                        matched: 1,
                    },
                ));
            }
            for (total, counts) in facet_totals.iter_mut().zip(fruit.facets) {
                for (value, n) in counts {
                    *total.entry(value).or_default() += n;
                }
            }
        }
        let keep = self.offset.saturating_add(self.limit);
        let ideas = groups.len() as u64;
        let mut ranked = if self.grouped {
            groups.into_iter().collect::<Vec<_>>()
        } else {
            top
        };
        // Best first; only the page is sorted.
        let better = |a: &(u64, Group), b: &(u64, Group)| b.1.rank.cmp(&a.1.rank);
        if ranked.len() > keep && keep > 0 {
            ranked.select_nth_unstable_by(keep - 1, better);
            ranked.truncate(keep);
        }
        ranked.sort_unstable_by(better);
        let page = ranked
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .collect();
        let facets = self.facets.then(|| {
            facet_totals
                .into_iter()
                .map(|m| {
                    let mut v: Vec<(String, u64)> = m.into_iter().collect();
                    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                    v
                })
                .collect()
        });
        Ok(Collected {
            proposals,
            ideas,
            page,
            facets,
        })
    }
}

impl SegmentCollector for Segment {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.proposals += 1;
        let rank = Rank {
            score,
            ord: self.ords.first(doc).unwrap_or(u64::MAX),
        };
        let address = DocAddress::new(self.segment, doc);
        let key = self.clusters.first(doc).unwrap_or_default();
        self.groups
            .entry(key)
            .and_modify(|g| {
                g.matched += 1;
                if rank > g.rank {
                    g.rank = rank;
                    g.address = address;
                }
            })
            .or_insert(Group {
                rank,
                address,
                matched: 1,
            });
        if !self.grouped && self.keep > 0 {
            if self.top.len() < self.keep {
                self.top.push(Worst(rank, address));
            } else if let Some(worst) = self.top.peek()
                && rank > worst.0
            {
                self.top.pop();
                self.top.push(Worst(rank, address));
            }
        }
        if let Some(facets) = &mut self.facets {
            for f in facets {
                match f {
                    FacetCount::Str(col, counts) => {
                        if let Some(o) = col.ords().first(doc) {
                            counts[o as usize] += 1;
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
        let top: Vec<Worst> = self.top.into_vec();
        let top_clusters = top
            .iter()
            .map(|w| self.clusters.first(w.1.doc_id).unwrap_or_default())
            .collect();
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
                    let v: BTreeMap<u64, u64> = counts.into_iter().collect();
                    values.extend(v.into_iter().map(|(k, n)| (k.to_string(), n)));
                }
                FacetCount::Absent => {}
            }
            facets.push(values);
        }
        SegmentFruit {
            proposals: self.proposals,
            groups: self.groups,
            top,
            top_clusters,
            facets,
        }
    }
}
