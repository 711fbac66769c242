//! Document sets the searcher intersects a query with: a cluster's
//! document range, and the facet filter over the packed facet column
//! (decoded once per segment and kept).

use super::*;

/// The documents numbered in a range of one segment: a cluster's members,
/// to intersect with a query.
#[derive(Clone, Debug)]
pub(crate) struct DocRange {
    pub(crate) segment: tantivy::index::SegmentId,
    pub(crate) docs: Range<DocId>,
}

impl tantivy::query::Query for DocRange {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for DocRange {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let max = reader.max_doc();
        let mut docs = BitSet::with_max_value(max);
        if reader.segment_id() == self.segment {
            for doc in self.docs.start.min(max)..self.docs.end.min(max) {
                docs.insert(doc);
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, _: &SegmentReader, _: DocId) -> tantivy::Result<Explanation> {
        Ok(Explanation::new("a cluster's members", 1.0))
    }
}

/// The facet column of every segment of a searcher, opened once per
/// search: a hit's facets are read from it (they are not stored).
pub(crate) struct FacetColumns<'n> {
    pub(crate) segments: Vec<Column<u64>>,
    pub(crate) names: &'n facets::Names,
    pub(crate) catalog: &'n Catalog,
}

impl<'n> FacetColumns<'n> {
    pub(crate) fn open(
        searcher: &tantivy::Searcher,
        names: &'n facets::Names,
        catalog: &'n Catalog,
    ) -> Result<FacetColumns<'n>> {
        let mut segments = Vec::new();
        for reader in searcher.segment_readers() {
            segments.push(reader.fast_fields().u64("facets")?);
        }
        Ok(FacetColumns {
            segments,
            names,
            catalog,
        })
    }

    pub(crate) fn read(&self, address: DocAddress) -> Selection {
        let packed = self
            .segments
            .get(address.segment_ord as usize)
            .and_then(|c| c.first(address.doc_id))
            .unwrap_or(0);
        let mut facets = Selection::default();
        for facet in Facet::ALL {
            let slug = self.names.name(facet, facets::code(packed, facet));
            if let Some(value) = slug.and_then(|s| self.catalog.from_slug(facet, &s)) {
                facets.set(value);
            }
        }
        facets
    }
}

/// The facet filters of a query, as one test of the facet column: the
/// documents whose packed facets, masked, are `value`. It narrows, it does
/// not change the score.
#[derive(Clone, Debug)]
pub(crate) struct FacetFilter {
    pub(crate) mask: u64,
    pub(crate) value: u64,
    pub(crate) columns: Arc<DecodedFacets>,
}

impl tantivy::query::Query for FacetFilter {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for FacetFilter {
    fn scorer(&self, reader: &SegmentReader, _boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = FacetDocs {
            values: self.columns.of(reader)?,
            mask: self.mask,
            value: self.value,
            doc: 0,
        };
        Ok(Box::new(ConstScorer::new(docs.first(), 0.0)))
    }

    fn explain(&self, _: &SegmentReader, _: DocId) -> tantivy::Result<Explanation> {
        Ok(Explanation::new("facet filters", 0.0))
    }
}

/// The documents of a segment that pass a [`FacetFilter`], found as they
/// are asked for: beside a word, only the word's documents are tested.
pub(crate) struct FacetDocs {
    pub(crate) values: Arc<[u64]>,
    pub(crate) mask: u64,
    pub(crate) value: u64,
    pub(crate) doc: DocId,
}

impl FacetDocs {
    /// Positioned on the first document that passes, as a new docset is.
    pub(crate) fn first(mut self) -> FacetDocs {
        self.doc = self.next_from(0);
        self
    }

    /// The first document from `doc` on that passes, or `TERMINATED`.
    pub(crate) fn next_from(&self, doc: DocId) -> DocId {
        let start = (doc as usize).min(self.values.len());
        self.values[start..]
            .iter()
            .position(|&v| v & self.mask == self.value)
            .map_or(tantivy::TERMINATED, |i| (start + i) as DocId)
    }
}

impl tantivy::DocSet for FacetDocs {
    fn advance(&mut self) -> DocId {
        if self.doc != tantivy::TERMINATED {
            self.doc = self.next_from(self.doc + 1);
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc != tantivy::TERMINATED && target > self.doc {
            self.doc = self.next_from(target);
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.values.len() as u32
    }
}

/// The facet column of each segment decoded into a plain array the first
/// time a filter reads it: a filter tests every document, and reading the
/// column value by value cost ~20 ms a query at a million proposals, the
/// array well under one. Eight bytes a document, kept while the searcher
/// lives.
#[derive(Debug, Default)]
pub(crate) struct DecodedFacets(pub(crate) Mutex<HashMap<tantivy::index::SegmentId, Arc<[u64]>>>);

impl DecodedFacets {
    pub(crate) fn of(&self, reader: &SegmentReader) -> tantivy::Result<Arc<[u64]>> {
        let id = reader.segment_id();
        if let Some(values) = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            return Ok(values.clone());
        }
        let column = reader.fast_fields().u64("facets")?;
        let max = reader.max_doc();
        let values: Arc<[u64]> = if matches!(column.index, ColumnIndex::Full) {
            let mut values = vec![0u64; max as usize];
            column.values.get_range(0, &mut values);
            values.into()
        } else {
            (0..max).map(|doc| column.first(doc).unwrap_or(0)).collect()
        };
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, values.clone());
        Ok(values)
    }
}
