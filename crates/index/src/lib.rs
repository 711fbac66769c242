//! The tantivy index of proposals: the only crate that knows tantivy.
//!
//! # Overview
//!
//! - [`build`] writes an index of proposals, cluster by cluster, into a folder, analysing
//!   text with `sborka_text::Analyzer` (Snowball stems, ё=е, no stop list):
//!   the analysis clustering builds on, without the lexicon's folding of
//!   abbreviations and synonyms.
//! - [`Searcher::open`] opens it again, refusing an index of another
//!   [`FORMAT`] with a message that says what to run;
//!   [`Searcher::search`] runs a [`Query`] (words, "phrases", `-excluded`,
//!   `OR`, parentheses, exact facet filters) and returns [`Results`]: one
//!   [`Hit`] per idea unless every proposal is asked for, the number of
//!   matching proposals and ideas, and facet counts on request. When the
//!   words find nothing, the query is run again allowing a typo or two per
//!   word, and the results say so.
//!
//! # Example
//!
//! ```no_run
//! # fn main() -> sborka_index::Result<()> {
//! let catalog = sborka_core::Catalog::embedded();
//! let searcher = sborka_index::Searcher::open(std::path::Path::new("out/index"), &catalog)?;
//! let results = searcher.search(&sborka_index::Query::new("пожилых -сиделки"))?;
//! for hit in &results.hits {
//!     println!("{} {}", hit.score, hit.text);
//! }
//! # Ok(()) }
//! ```

mod analyzer;
mod collect;
mod directory;
pub mod eval;
mod expand;
mod facets;
mod filter;
mod query;
mod stored;
mod write;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::columnar::{Column, ColumnIndex};
use tantivy::index::SegmentMeta;
use tantivy::indexer::{AddOperation, SegmentWriter};
use tantivy::query::{
    AllQuery, BitSetDocSet, BooleanQuery, ConstScorer, EnableScoring, Explanation, FuzzyTermQuery,
    Occur, PhraseQuery, QueryClone, Scorer, TermQuery, Weight,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value as _,
};
use tantivy::{BitSet, DocAddress, DocId, Index, Score, SegmentOrdinal, SegmentReader, Term};

use sborka_core::{
    Catalog, Cluster, ClusterId, Facet, Proposal, ProposalId, Provenance, Selection, Support, Value,
};

pub use analyzer::TOKENIZER;
pub use expand::Expansion;
pub use query::MAX_CHARS;
pub use write::{BuildOptions, build};

use collect::{FACETS, TotalsCollector};
use expand::Expander;
use filter::{DecodedFacets, DocRange, FacetColumns, FacetFilter};
use query::Node;
use stored::Stored;

/// The version of the index layout. Bumped whenever the schema or the
/// analysis changes, so that an old index is rebuilt rather than misread.
pub const FORMAT: u32 = 11;

/// The most readings of a phrase with ambiguous words that are looked for.
const PHRASE_READINGS: usize = 8;

/// The most hits one search returns (`offset + limit`).
pub const MAX_HITS: usize = 100_000;

const META_FILE: &str = "sborka-index.json";

/// Beside the index: every word its analysis looked up in the
/// morphological dictionary (the proposals' words and the lexicon's
/// forms), a line each, `word<TAB>lemmas` (`|` between lemmas, nothing
/// when the dictionary does not list the word), sorted. A search reads it
/// instead of loading the dictionary, which it loads only for a word the
/// file does not hold.
pub const LEMMAS_FILE: &str = "lemmas.tsv";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no index here; run `sborka build --out {out}` first")]
    Missing { path: String, out: String },
    #[error(
        "{path}: index format {found} was written by sborka {by}; this sborka reads format {FORMAT}; run `sborka build` again to rebuild it"
    )]
    Format {
        path: String,
        found: u32,
        by: String,
    },
    /// The query text cannot be read; the message points at the character.
    #[error("query: {0}")]
    Query(String),
    /// The index names a value the catalogue searched with does not know.
    #[error(
        "{path}: the index was built with a catalogue that has {facet} {slug:?}, which this one does not; search with the same --catalog, or run `sborka build` again"
    )]
    Catalog {
        path: String,
        facet: Facet,
        slug: String,
    },
    /// The dictionary the index's analysis needs could not be loaded.
    #[error("{0}")]
    Morphology(#[from] sborka_text::MorphologyError),
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Serialize, Deserialize)]
struct Meta {
    format: u32,
    sborka: String,
    /// The names of the facet codes (absent in an index of an older
    /// format, which is refused by its number).
    #[serde(default)]
    facets: facets::Names,
}

/// The fields of the schema.
#[derive(Clone, Copy)]
struct Fields {
    text: Field,
    /// District, region, theme, level, kind and year, packed into one
    /// column value (`facets.rs`).
    facets: Field,
    /// The cluster's number in build order (dense, from 0): groups hits
    /// and counts ideas.
    cluster_ord: Field,
    /// The rest, as one value ([`Stored`]): the cluster's id, support and
    /// districts, where the proposal came from (its id is made of that, as
    /// `Proposal::id` makes it), and where its cluster's documents lie.
    /// They are contiguous, the representative first: a grouped hit shows
    /// the idea's own text and counts its matching proposals through them,
    /// with no term per cluster to index.
    stored: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_options = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    // Facets are only a column: filtered and counted through it (a filter
    // scans it), and read from it for the few documents shown. No term per
    // facet value in the inverted index, nothing in the stored documents.
    let fields = Fields {
        text: b.add_text_field("text", text_options),
        facets: b.add_u64_field("facets", FAST),
        cluster_ord: b.add_u64_field("cluster_ord", FAST),
        stored: b.add_bytes_field("stored", STORED),
    };
    (b.build(), fields)
}

/// What to look for.
#[derive(Clone, Debug)]
pub struct Query {
    /// Words, "phrases", -exclusions, OR, parentheses. Blank: every
    /// proposal (useful with filters).
    pub text: String,
    /// Exact facet filters, as the catalogue placed them
    /// ([`Catalog::parse`]): a value that no document has finds nothing.
    pub filters: Selection,
    /// Hits to skip (paging).
    pub offset: usize,
    /// Hits to return; `offset + limit` is capped at [`MAX_HITS`].
    pub limit: usize,
    /// Every proposal rather than one hit per idea.
    pub all: bool,
    /// Count matching proposals per district, theme, level, kind and year.
    pub facets: bool,
    /// Retry with typos allowed when the words find nothing.
    pub fuzzy_fallback: bool,
    /// Also look for the other forms of a lexicon family a word or phrase
    /// of the query belongs to ([`Searcher::with_lexicon`]).
    pub expand: bool,
}

impl Query {
    pub fn new(text: &str) -> Query {
        Query {
            text: text.to_string(),
            filters: Selection::default(),
            offset: 0,
            limit: 10,
            all: false,
            facets: false,
            fuzzy_fallback: true,
            expand: true,
        }
    }
}

/// Where a proposal came from.
#[derive(Clone, Debug, Serialize)]
pub struct Source {
    pub file: String,
    pub record: u64,
    pub line: u64,
    pub source_id: Option<String>,
}

/// One result: an idea (grouped), shown by its representative proposal, or
/// one proposal (`all`). Hits come best score first; equal scores in build
/// order (of the idea's best-scoring matching proposal).
#[derive(Clone, Debug)]
pub struct Hit {
    /// The best score among the idea's matching proposals.
    pub score: f32,
    /// The cluster, as in `roadmap.json` and the anchors of `roadmap.html`.
    pub cluster: ClusterId,
    /// The proposal shown: grouped, the idea's representative, unless the
    /// search is filtered or a near duplicate matched words the
    /// representative lacks; then the best matching proposal, and
    /// [`Hit::representative`] is the idea's.
    pub id: String,
    pub text: String,
    /// Byte ranges of `text` that matched the query, ascending.
    pub highlights: Vec<Range<usize>>,
    /// The facets of the proposal shown.
    pub facets: Selection,
    /// Every district of the idea (grouped hits; the proposal's own
    /// otherwise), in the order of their slugs.
    pub districts: Vec<Value>,
    /// Proposals of the idea that match the query (1 for `all`).
    pub matched: u64,
    pub cluster_proposals: u64,
    pub cluster_districts: u64,
    pub source: Source,
    /// The idea's representative, when the proposal shown is another.
    pub representative: Option<Representative>,
}

/// An idea's representative, when a grouped hit shows another of its
/// proposals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Representative {
    pub id: String,
    pub text: String,
}

/// A facet value and how many matching proposals carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FacetCount {
    pub value: Value,
    pub count: u64,
}

/// The facets counted, in this order.
pub const COUNTED: [Facet; 5] = collect::FACETS;

/// What a search found.
#[derive(Clone, Debug)]
pub struct Results {
    /// Matching proposals.
    pub proposals: u64,
    /// Matching ideas (clusters).
    pub ideas: u64,
    /// The words found nothing as written; these hits allow typos.
    pub fuzzy: bool,
    /// What the lexicon added to the query, in the order of its words.
    pub expanded: Vec<Expansion>,
    pub hits: Vec<Hit>,
    /// When asked: per facet of [`COUNTED`], its values, most frequent
    /// first, then by slug.
    pub facets: Option<Vec<(Facet, Vec<FacetCount>)>>,
}

/// An open index. Cheap to share between threads.
pub struct Searcher {
    reader: tantivy::IndexReader,
    fields: Fields,
    analyzer: sborka_text::Analyzer,
    /// The lexicon's families, for expanding queries (none until
    /// [`Searcher::with_lexicon`]).
    expander: Expander,
    /// Per segment, in the searcher's order: the build-order number of its
    /// first document. Segments hold consecutive documents, in order.
    starts: Vec<u64>,
    /// The names of the facet codes.
    names: facets::Names,
    /// What the names mean.
    catalog: Catalog,
    decoded: Arc<DecodedFacets>,
}

impl Searcher {
    /// Opens the index in `dir`, whose values are read with `catalog`
    /// (the one it was built with, or one that knows its slugs).
    pub fn open(dir: &Path, catalog: &Catalog) -> Result<Searcher> {
        let meta_path = dir.join(META_FILE);
        let out = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| ".".to_string(), |p| p.display().to_string());
        let meta = match std::fs::read_to_string(&meta_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Missing {
                    path: dir.display().to_string(),
                    out,
                });
            }
            Err(e) => {
                return Err(Error::Io {
                    path: meta_path.display().to_string(),
                    source: e,
                });
            }
        };
        let meta: Meta = serde_json::from_str(&meta).unwrap_or(Meta {
            format: 0,
            sborka: "unknown".to_string(),
            facets: facets::Names::default(),
        });
        if meta.format != FORMAT {
            return Err(Error::Format {
                path: dir.display().to_string(),
                found: meta.format,
                by: meta.sborka,
            });
        }
        if let Some((facet, slug)) = meta.facets.foreign(catalog) {
            return Err(Error::Catalog {
                path: dir.display().to_string(),
                facet,
                slug: slug.to_string(),
            });
        }
        let index = Index::open_in_dir(dir)?;
        let analyzer = sborka_text::Analyzer::lemmatizing(known_lemmas(dir)?);
        analyzer::register(&index, &analyzer);
        let reader = index.reader()?;
        // Segments must hold consecutive documents in build order: ties
        // rank by address, and `members_from` numbers documents that way.
        // A segment starts with a cluster, whose first document's
        // `members_from` is its own number.
        let (_, fields) = schema();
        let searcher = reader.searcher();
        let mut starts = Vec::new();
        let mut next = 0u64;
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let first = if segment.max_doc() > 0 {
                let doc: TantivyDocument =
                    searcher.doc(DocAddress::new(ord as SegmentOrdinal, 0))?;
                stored(&doc, fields).map(|s| s.members_from)
            } else {
                Some(next)
            };
            if first != Some(next) {
                return Err(Error::Format {
                    path: dir.display().to_string(),
                    found: meta.format,
                    by: format!("{} (segments out of build order)", meta.sborka),
                });
            }
            starts.push(next);
            next += u64::from(segment.max_doc());
        }
        Ok(Searcher {
            reader,
            fields,
            analyzer,
            expander: Expander::default(),
            starts,
            names: meta.facets,
            catalog: catalog.clone(),
            decoded: Arc::default(),
        })
    }

    /// Number of proposals in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that `text` is a query this index can run, without running it.
    pub fn check(&self, text: &str) -> Result<()> {
        query::parse(text, &self.analyzer)
            .map(|_| ())
            .map_err(|e| Error::Query(e.0))
    }

    /// Expands queries with the families of `lexicon` (see
    /// [`Query::expand`]).
    pub fn with_lexicon(mut self, lexicon: &sborka_text::Lexicon) -> Searcher {
        self.expander = Expander::new(lexicon, &self.analyzer);
        self
    }

    pub fn search(&self, q: &Query) -> Result<Results> {
        let mut node = query::parse(&q.text, &self.analyzer).map_err(|e| Error::Query(e.0))?;
        // A word of the query the index's words did not hold needed the
        // dictionary: if it could not be loaded, the word was stemmed, which
        // the index would not match.
        if let Some(e) = self.analyzer.morphology().and_then(|m| m.failure()) {
            return Err(e.into());
        }
        let mut expanded = Vec::new();
        if q.expand {
            node = self.expander.expand(node, &mut expanded);
        }
        let mut results = self.run(q, &node, false)?;
        if results.proposals == 0 && q.fuzzy_fallback && has_fuzzy_term(&node) {
            results = self.run(q, &node, true)?;
        }
        results.expanded = expanded;
        Ok(results)
    }

    fn run(&self, q: &Query, node: &Node, fuzzy: bool) -> Result<Results> {
        let mut clauses = vec![(Occur::Must, self.to_query(node, fuzzy))];
        // Every filter in one test of the column: its bits, their values.
        let mut filter = Some((0, 0));
        for value in q.filters.values() {
            let facet = value.facet();
            let slug = self.catalog.slug(value);
            filter = filter.and_then(|(m, v)| {
                let (mask, value) = facets::with(facet, self.names.code(facet, &slug)?);
                Some((m | mask, v | value))
            });
        }
        match filter {
            Some((0, _)) => {}
            Some(f) => clauses.push((
                Occur::Must,
                Box::new(FacetFilter {
                    mask: f.0,
                    value: f.1,
                    columns: self.decoded.clone(),
                }),
            )),
            // A value of the catalogue that no document of this index has.
            None => clauses.push((Occur::Must, Box::new(tantivy::query::EmptyQuery))),
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let offset = q.offset.min(MAX_HITS);
        let keep = offset + q.limit.min(MAX_HITS - offset);
        // One pass counts and keeps the best documents (ties by address,
        // which is build order). Grouped, those are taken idea by idea in
        // that order: the first time an idea appears is its best proposal,
        // so ideas come out ranked by their best score. When the kept
        // documents hold too few ideas, tantivy's top docs fetch more.
        let first_fetch = if q.all { keep } else { (keep * 4).max(64) };
        let mut totals = searcher.search(
            &query,
            &TotalsCollector {
                facets: q.facets.then_some(&self.names),
                top: if keep > 0 { first_fetch } else { 0 },
            },
        )?;
        let top = std::mem::take(&mut totals.top);
        let mut page = if q.all {
            top
        } else {
            self.first_of_each_idea(&searcher, top, keep)?
        };
        let mut fetch = first_fetch;
        while !q.all && page.len() < keep && (fetch as u64) < totals.proposals {
            fetch = fetch.saturating_mul(4);
            let top = searcher.search(&query, &TopDocs::with_limit(fetch).order_by_score())?;
            page = self.first_of_each_idea(&searcher, top, keep)?;
        }

        let (mut terms, mut phrases) = (Vec::new(), Vec::new());
        query::positive_terms(node, &mut terms, &mut phrases);
        terms.sort();
        terms.dedup();
        let mut hits = Vec::with_capacity(q.limit);
        let columns = FacetColumns::open(&searcher, &self.names, &self.catalog)?;
        let marks = Marks {
            terms: &terms,
            phrases: &phrases,
            fuzzy,
        };
        for &(score, address) in page.iter().skip(offset) {
            let best: TantivyDocument = searcher.doc(address)?;
            if q.all {
                hits.push(self.hit(&best, columns.read(address), score, 1, true, marks));
                continue;
            }
            let matched = self.matched(&searcher, &query, &best)?;
            // The idea speaks through its representative, unless the search
            // is filtered (who asks what Stavropol proposed reads
            // Stavropol's words: the best matching proposal that passes the
            // filters) or a near duplicate matched with words the
            // representative lacks; then the representative is context.
            let mut hit = self.hit(&best, columns.read(address), score, matched, false, marks);
            if let Some((rep_address, rep)) = self.representative(&searcher, &best)?
                && rep_address != address
            {
                let rep = self.hit(
                    &rep,
                    columns.read(rep_address),
                    score,
                    matched,
                    false,
                    marks,
                );
                let rep_speaks = q.filters.is_empty()
                    && (!rep.highlights.is_empty() || hit.highlights.is_empty());
                if rep_speaks {
                    hit = rep;
                } else {
                    // The idea's districts are kept on its representative.
                    hit.districts = rep.districts;
                    hit.representative = Some(Representative {
                        id: rep.id,
                        text: rep.text,
                    });
                }
            }
            hits.push(hit);
        }
        let collected = totals;
        let facets = collected.facets.map(|lists| {
            FACETS
                .iter()
                .zip(lists)
                .map(|(&facet, counts)| {
                    let counts = counts
                        .into_iter()
                        .filter_map(|(slug, count)| {
                            let value = self.catalog.from_slug(facet, &slug)?;
                            Some(FacetCount { value, count })
                        })
                        .collect();
                    (facet, counts)
                })
                .collect()
        });
        Ok(Results {
            proposals: collected.proposals,
            ideas: collected.ideas,
            fuzzy,
            expanded: Vec::new(),
            hits,
            facets,
        })
    }

    /// The first document of each idea among `top`, up to `keep` ideas.
    fn first_of_each_idea(
        &self,
        searcher: &tantivy::Searcher,
        top: Vec<(f32, tantivy::DocAddress)>,
        keep: usize,
    ) -> Result<Vec<(f32, tantivy::DocAddress)>> {
        let name = searcher
            .schema()
            .get_field_name(self.fields.cluster_ord)
            .to_string();
        let mut columns = Vec::new();
        for segment in searcher.segment_readers() {
            columns.push(segment.fast_fields().u64(&name)?);
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (score, address) in top {
            let idea = columns
                .get(address.segment_ord as usize)
                .and_then(|c| c.first(address.doc_id));
            // Cluster numbers are the same in every segment; a document
            // without one stands alone.
            let key = idea.ok_or(address);
            if seen.insert(key) {
                out.push((score, address));
                if out.len() == keep {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// How many proposals of `doc`'s idea match `query`.
    fn matched(
        &self,
        searcher: &tantivy::Searcher,
        query: &BooleanQuery,
        doc: &TantivyDocument,
    ) -> Result<u64> {
        let Some((segment, docs)) = self.members(searcher, doc) else {
            return Ok(1);
        };
        let segment = searcher.segment_reader(segment).segment_id();
        let both = BooleanQuery::new(vec![
            (Occur::Must, query.box_clone()),
            (Occur::Must, Box::new(DocRange { segment, docs })),
        ]);
        Ok(searcher.search(&both, &tantivy::collector::Count)? as u64)
    }

    /// The representative proposal of `doc`'s cluster, and its address.
    fn representative(
        &self,
        searcher: &tantivy::Searcher,
        doc: &TantivyDocument,
    ) -> Result<Option<(DocAddress, TantivyDocument)>> {
        match self.members(searcher, doc) {
            Some((segment, docs)) => {
                let address = DocAddress::new(segment, docs.start);
                Ok(Some((address, searcher.doc(address)?)))
            }
            None => Ok(None),
        }
    }

    /// Where `doc`'s cluster lies: its segment and document numbers there,
    /// its representative first (a cluster never spans two segments).
    fn members(
        &self,
        searcher: &tantivy::Searcher,
        doc: &TantivyDocument,
    ) -> Option<(SegmentOrdinal, Range<DocId>)> {
        let Stored {
            members_from: from,
            members,
            ..
        } = stored(doc, self.fields)?;
        let segment = self.starts.partition_point(|&s| s <= from).checked_sub(1)?;
        let reader = searcher.segment_readers().get(segment)?;
        let first = DocId::try_from(from - self.starts[segment]).ok()?;
        let end = first.saturating_add(DocId::try_from(members).ok()?);
        (end <= reader.max_doc()).then_some((segment as SegmentOrdinal, first..end))
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        facets: Selection,
        score: f32,
        matched: u64,
        all: bool,
        marks: Marks<'_>,
    ) -> Hit {
        let f = self.fields;
        let text = doc
            .get_first(f.text)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        // A document written by this format always has its stored facts;
        // an empty one only answers with what the hit can show without.
        let s = stored(doc, f).unwrap_or_default();
        let districts = if all {
            facets
                .get(Facet::District)
                .filter(|d| matches!(d, Value::District(_)))
                .into_iter()
                .collect()
        } else {
            s.districts
                .iter()
                .filter_map(|d| self.catalog.from_slug(Facet::District, d))
                .collect()
        };
        Hit {
            score,
            cluster: ClusterId(s.cluster),
            id: ProposalId::new(&Provenance {
                file: s.file.into(),
                record: s.record,
                line: s.line,
                sheet: s.sheet.map(str::to_string),
                source_id: None,
            })
            .0,
            highlights: highlight_ranges(&self.analyzer, marks, &text),
            text,
            facets,
            districts,
            matched,
            cluster_proposals: s.cluster_proposals,
            cluster_districts: s.cluster_districts,
            source: Source {
                file: s.file.to_string(),
                record: s.record,
                line: s.line,
                source_id: s.source_id.map(str::to_string),
            },
            representative: None,
        }
    }

    fn to_query(&self, node: &Node, fuzzy: bool) -> Box<dyn tantivy::query::Query> {
        let f = self.fields;
        let term = |t: &str| Term::from_field_text(f.text, t);
        match node {
            Node::All => Box::new(AllQuery),
            Node::Word(ts) => {
                let one = |t: &String| -> Box<dyn tantivy::query::Query> {
                    let distance = query::fuzz_distance(t);
                    // A misspelt word is not in the dictionary, so its
                    // term is a stem; the index holds lemmas, longer than
                    // stems: the typo is allowed against their beginning.
                    if fuzzy && distance > 0 {
                        Box::new(FuzzyTermQuery::new_prefix(term(t), distance, true))
                    } else {
                        Box::new(TermQuery::new(term(t), IndexRecordOption::WithFreqs))
                    }
                };
                match ts.as_slice() {
                    [t] => one(t),
                    _ => Box::new(BooleanQuery::new(
                        ts.iter().map(|t| (Occur::Should, one(t))).collect(),
                    )),
                }
            }
            Node::Phrase(words) => {
                // A phrase with an ambiguous word is each reading of it
                // (at most `PHRASE_READINGS`; past that, the likeliest
                // lemma of the words read last).
                let mut readings: Vec<Vec<&String>> = vec![Vec::new()];
                for word in words {
                    let fan = if readings.len() * word.len() <= PHRASE_READINGS {
                        word.len()
                    } else {
                        1
                    };
                    readings = readings
                        .into_iter()
                        .flat_map(|r| {
                            word[..fan].iter().map(move |t| {
                                let mut r = r.clone();
                                r.push(t);
                                r
                            })
                        })
                        .collect();
                }
                let phrase = |r: Vec<&String>| -> Box<dyn tantivy::query::Query> {
                    Box::new(PhraseQuery::new(r.into_iter().map(|t| term(t)).collect()))
                };
                if readings.len() == 1 {
                    readings
                        .pop()
                        .map(phrase)
                        .unwrap_or_else(|| Box::new(AllQuery))
                } else {
                    Box::new(BooleanQuery::new(
                        readings
                            .into_iter()
                            .map(|r| (Occur::Should, phrase(r)))
                            .collect(),
                    ))
                }
            }
            Node::And(clauses) => {
                let mut out: Vec<(Occur, Box<dyn tantivy::query::Query>)> = clauses
                    .iter()
                    .map(|(negative, n)| {
                        let occur = if *negative {
                            Occur::MustNot
                        } else {
                            Occur::Must
                        };
                        // An excluded word is excluded as written, never
                        // loosened by the fuzzy fallback.
                        (occur, self.to_query(n, fuzzy && !negative))
                    })
                    .collect();
                if clauses.iter().all(|(negative, _)| *negative) {
                    out.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(out))
            }
            Node::Or(nodes) => Box::new(BooleanQuery::new(
                nodes
                    .iter()
                    .map(|n| (Occur::Should, self.to_query(n, fuzzy)))
                    .collect(),
            )),
        }
    }
}

/// The lemmas an index's analysis found ([`LEMMAS_FILE`]), the
/// dictionary behind them for other words; the dictionary alone for an
/// index written without the file.
fn known_lemmas(dir: &Path) -> Result<Arc<sborka_text::Morphology>> {
    let path = dir.join(LEMMAS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(sborka_text::Morphology::shared()?);
        }
        Err(source) => {
            return Err(Error::Io {
                path: path.display().to_string(),
                source,
            });
        }
    };
    let mut known = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some((word, lemmas)) = line.split_once('\t') else {
            return Err(Error::Io {
                path: path.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {} is not «word<TAB>lemmas»; run `sborka build` again",
                        n + 1
                    ),
                ),
            });
        };
        known.push((word.into(), lemmas.into()));
    }
    Ok(Arc::new(sborka_text::Morphology::with_known(known)))
}

/// A document's stored facts; `None` for a document without them (not
/// written by this format).
fn stored(doc: &TantivyDocument, f: Fields) -> Option<Stored<'_>> {
    Stored::read(doc.get_first(f.stored)?.as_bytes()?)
}

/// What a hit's text is highlighted for: the query's words (allowing
/// typos when `fuzzy`).
#[derive(Clone, Copy)]
struct Marks<'a> {
    terms: &'a [String],
    phrases: &'a [Vec<Vec<String>>],
    fuzzy: bool,
}

/// Whether the fuzzy fallback could find something the exact query did not.
fn has_fuzzy_term(node: &Node) -> bool {
    match node {
        Node::Word(ts) => ts.iter().any(|t| query::fuzz_distance(t) > 0),
        Node::All | Node::Phrase(_) => false,
        Node::And(clauses) => clauses.iter().any(|(neg, n)| !neg && has_fuzzy_term(n)),
        Node::Or(nodes) => nodes.iter().any(has_fuzzy_term),
    }
}

/// The byte ranges of the words of `text` whose terms the query holds as
/// words (or, for fuzzy hits, whose terms begin within its typo allowance
/// of one), and of its phrases where their words stand in a row.
fn highlight_ranges(
    analyzer: &sborka_text::Analyzer,
    marks: Marks<'_>,
    text: &str,
) -> Vec<Range<usize>> {
    // Per word of the text: its range and its terms.
    let mut words: Vec<(Range<usize>, Vec<String>)> = Vec::new();
    analyzer.for_each_token(text, |t| match words.get_mut(t.position) {
        Some((_, terms)) => terms.push(t.term),
        None => words.push((t.start..t.end, vec![t.term])),
    });
    let mut marked = vec![false; words.len()];
    for (word, mark) in words.iter().zip(&mut marked) {
        *mark = word.1.iter().any(|term| {
            marks.terms.binary_search(term).is_ok()
                || (marks.fuzzy
                    && marks
                        .terms
                        .iter()
                        .any(|q| query::within_prefix_distance(q, term, query::fuzz_distance(q))))
        });
    }
    for phrase in marks.phrases.iter().filter(|p| !p.is_empty()) {
        for start in 0..words.len().saturating_sub(phrase.len() - 1) {
            let holds = phrase
                .iter()
                .zip(&words[start..])
                .all(|(want, (_, terms))| want.iter().any(|w| terms.contains(w)));
            if holds {
                marked[start..start + phrase.len()].fill(true);
            }
        }
    }
    words
        .into_iter()
        .zip(marked)
        .filter_map(|((range, _), mark)| mark.then_some(range))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sborka_core::{DistrictId, Label, Level, Provenance, RegionCode, ThemeId};

    /// Writes an index of `docs`, each a proposal and the id of its
    /// cluster: clusters in the order they first appear, members in order,
    /// the first the representative.
    fn build_docs(dir: &Path, docs: &[(Proposal, u64)], options: &BuildOptions) {
        let proposals: Vec<Proposal> = docs.iter().map(|(p, _)| p.clone()).collect();
        let mut clusters: Vec<Cluster> = Vec::new();
        for (i, (_, id)) in docs.iter().enumerate() {
            match clusters.iter_mut().find(|c| c.id == ClusterId(*id)) {
                Some(c) => c.members.push(i as u32),
                None => clusters.push(Cluster {
                    id: ClusterId(*id),
                    members: vec![i as u32],
                    representative: i as u32,
                    verbatim: 0,
                }),
            }
        }
        build(dir, &proposals, &clusters, &Catalog::embedded(), options).unwrap();
    }

    fn open(dir: &Path) -> Searcher {
        Searcher::open(dir, &Catalog::embedded()).unwrap()
    }

    /// The slugs of a hit's facets.
    fn slugs(hit: &Hit) -> Vec<Option<String>> {
        let catalog = Catalog::embedded();
        Facet::ALL
            .iter()
            .map(|&f| hit.facets.get(f).map(|v| catalog.slug(v).into_owned()))
            .collect()
    }

    fn district_slugs(hit: &Hit) -> Vec<String> {
        let catalog = Catalog::embedded();
        hit.districts
            .iter()
            .map(|&v| catalog.slug(v).into_owned())
            .collect()
    }

    fn proposal(record: u64, text: &str, level: Level, district: u8) -> Proposal {
        let mut p = Proposal::new(
            Provenance {
                file: "t.csv".into(),
                record,
                line: record + 1,
                ..Default::default()
            },
            text,
        );
        p.facets.level = Label::Known(level);
        p.facets.district = Label::Known(DistrictId(district));
        p
    }

    /// Records 1 and 5 are one idea (cluster 0), from two districts.
    fn index(dir: &Path) -> Searcher {
        let docs = [
            (
                proposal(1, "Сиделки для пожилых людей на дому", Level::Regional, 0),
                0,
            ),
            (
                proposal(2, "Помощь пожилым гражданам без очереди", Level::Federal, 1),
                1,
            ),
            (
                {
                    let mut p = proposal(3, "Ёлка в каждом центре для детей", Level::Municipal, 1);
                    p.source.sheet = Some("Лист 1".into());
                    p.source.source_id = Some("17".into());
                    p.facets.region = Label::Known(RegionCode(39));
                    p.facets.theme = Label::Known(ThemeId(1));
                    p.facets.kind = Label::Unknown("почти инициатива".into());
                    p.facets.year = Some(2018);
                    p
                },
                2,
            ),
            (
                proposal(4, "Школа ухода за пожилыми", Level::Regional, 2),
                3,
            ),
            (
                proposal(
                    5,
                    "сиделки для «пожилых» людей на дому!",
                    Level::Regional,
                    1,
                ),
                0,
            ),
        ];
        build_docs(dir, &docs, &BuildOptions::default());
        open(dir)
    }

    /// An index cut into parts answers every query as the index written
    /// in one piece: the same hits, scores, order (ties included) and
    /// counts.
    #[test]
    fn parts_change_nothing() {
        let words = [
            "пожилые",
            "сиделки",
            "школа",
            "ухода",
            "дети",
            "центр",
            "очередь",
        ];
        let proposals: Vec<Proposal> = (0..60u64)
            .map(|i| {
                let w = |k: u64| words[((i * 5 + k * 3 + i / 7) % words.len() as u64) as usize];
                let text = format!("{} {} {} на дому", w(0), w(1), w(i % 3));
                proposal(i + 1, &text, Level::Regional, (i % 8) as u8)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        // (parts, fewest documents per part, most per segment, segments)
        let shapes = [
            (1, 20_000, 1 << 30, 1),
            (3, 7, 1 << 30, 3),
            (4, 1, 1 << 30, 4),
            // Clusters of 4, parts of 40 and 20 documents (two shares and
            // one, cut at a cluster start), a segment closed at the first
            // cluster start once it holds 9: 12 + 12 + 12 + 4 and 12 + 8.
            (2, 7, 9, 6),
        ];
        let searchers: Vec<Searcher> = shapes
            .iter()
            .map(|&(parts, min_part_docs, segment_docs, segments)| {
                let path = dir.path().join(format!("index-{parts}-{segment_docs}"));
                let docs: Vec<(Proposal, u64)> = proposals
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.clone(), i as u64 / 4))
                    .collect();
                let options = BuildOptions {
                    parts,
                    min_part_docs,
                    segment_docs,
                    ..BuildOptions::default()
                };
                build_docs(&path, &docs, &options);
                let searcher = open(&path);
                assert_eq!(
                    searcher.starts.len(),
                    segments,
                    "{parts} parts, {segment_docs} documents per segment"
                );
                searcher
            })
            .collect();
        for text in [
            "пожилые",
            "сиделки OR школа",
            "дети -центр",
            "\"на дому\"",
            "дому",
        ] {
            for all in [false, true] {
                let mut q = Query::new(text);
                q.all = all;
                q.facets = true;
                let answers: Vec<String> = searchers
                    .iter()
                    .map(|s| format!("{:?}", s.search(&q).unwrap()))
                    .collect();
                assert!(
                    answers[0].contains("hits: [Hit {"),
                    "{text}: {}",
                    answers[0]
                );
                for (answer, shape) in answers[1..].iter().zip(&shapes[1..]) {
                    assert_eq!(&answers[0], answer, "{text}, all={all}: {shape:?}");
                }
            }
        }
    }

    fn ids(r: &Results) -> Vec<String> {
        let mut ids: Vec<String> = r.hits.iter().map(|h| h.id.clone()).collect();
        ids.sort();
        ids
    }

    /// (query, level, every proposal, want ids, want fuzzy)
    type Case<'a> = (&'a str, Option<&'a str>, bool, &'a [&'a str], bool);

    #[test]
    fn word_forms_negations_filters_and_fuzz() {
        let dir = tempfile::tempdir().unwrap();
        let s = index(&dir.path().join("index"));
        let cases: [Case<'_>; 14] = [
            (
                "пожилой",
                None,
                true,
                &["t.csv#1", "t.csv#2", "t.csv#4", "t.csv#5"],
                false,
            ),
            (
                "пожилой",
                None,
                false,
                &["t.csv#1", "t.csv#2", "t.csv#4"],
                false,
            ),
            (
                "пожилых",
                Some("regional"),
                true,
                &["t.csv#1", "t.csv#4", "t.csv#5"],
                false,
            ),
            ("елка", None, true, &["t.csv#Лист 1#3"], false),
            ("ёлки", None, true, &["t.csv#Лист 1#3"], false),
            ("\"без очереди\"", None, true, &["t.csv#2"], false),
            ("\"очереди без\"", None, true, &[], false),
            (
                "пожилым -сиделки",
                None,
                true,
                &["t.csv#2", "t.csv#4"],
                false,
            ),
            (
                "сиделка OR ёлка",
                None,
                false,
                &["t.csv#1", "t.csv#Лист 1#3"],
                false,
            ),
            (
                "(сиделка OR ёлка) -детей",
                None,
                true,
                &["t.csv#1", "t.csv#5"],
                false,
            ),
            ("", Some("federal"), true, &["t.csv#2"], false),
            ("-пожилых", None, true, &["t.csv#Лист 1#3"], false),
            // Typos: found by the fallback, which says so.
            ("сидеkки пажилых", None, false, &["t.csv#1"], true),
            ("космонавты", None, true, &[], true),
        ];
        for (text, level, all, want, fuzzy) in cases {
            let mut q = Query::new(text);
            if let Some(level) = level {
                q.filters
                    .set(Value::Level(Level::from_slug(level).unwrap()));
            }
            q.all = all;
            let r = s.search(&q).unwrap();
            assert_eq!(ids(&r), want, "{text:?} level {level:?} all {all}");
            assert_eq!(r.fuzzy, fuzzy, "{text:?} fuzzy");
        }
    }

    /// The lemmas kept beside the index answer a search of its words
    /// without the dictionary, as the dictionary would; a word they do not
    /// hold loads it; a damaged file is an error that says where.
    #[test]
    fn the_index_keeps_its_lemmas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let s = index(&path);
        let table = std::fs::read_to_string(path.join(LEMMAS_FILE)).unwrap();
        let words: Vec<&str> = table
            .lines()
            .map(|l| l.split('\t').next().unwrap())
            .collect();
        assert!(words.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
        assert!(table.contains("пожилых\tпожилой|пожилое\n"), "{table}");

        let queries = ["пожилых", "сиделки -школа", "\"на дому\"", "Ёлка"];
        let answers = |s: &Searcher| -> Vec<Vec<String>> {
            queries
                .iter()
                .map(|q| {
                    s.search(&Query::new(q))
                        .unwrap()
                        .hits
                        .into_iter()
                        .map(|h| h.id)
                        .collect()
                })
                .collect()
        };
        let known = answers(&s);
        assert!(known.iter().all(|ids| !ids.is_empty()), "{known:?}");
        let morphology = s.analyzer.morphology().unwrap();
        assert!(!morphology.is_loaded(), "the index's words were known");

        // The same index without the file: the dictionary answers alike.
        let bare = dir.path().join("bare");
        std::fs::create_dir(&bare).unwrap();
        for entry in std::fs::read_dir(&path).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name() != LEMMAS_FILE {
                std::fs::copy(entry.path(), bare.join(entry.file_name())).unwrap();
            }
        }
        assert_eq!(answers(&open(&bare)), known);

        s.search(&Query::new("зубочистка")).unwrap();
        assert!(morphology.is_loaded(), "a word not in the index's text");

        std::fs::write(path.join(LEMMAS_FILE), "пожилых\n").unwrap();
        let e = Searcher::open(&path, &Catalog::embedded())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("lemmas.tsv") && e.contains("line 1"), "{e}");
    }

    #[test]
    fn hits_carry_the_ids_and_provenance_of_the_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let s = index(&dir.path().join("index"));
        let r = s.search(&Query::new("ёлка")).unwrap();
        let hit = &r.hits[0];
        assert_eq!(hit.id, "t.csv#Лист 1#3");
        assert_eq!(hit.cluster, ClusterId(2));
        let source = (&*hit.source.file, hit.source.record, hit.source.line);
        assert_eq!(source, ("t.csv", 3, 4));
        assert_eq!(hit.source.source_id.as_deref(), Some("17"));
        let catalog = Catalog::embedded();
        let theme = catalog.theme_info(ThemeId(1)).slug.clone();
        let want = [
            Some("cfo"),
            Some("39"),
            Some(theme.as_str()),
            Some("municipal"),
            Some("unknown"),
            Some("2018"),
        ];
        assert_eq!(slugs(hit), want.map(|v| v.map(str::to_string)));
        let r = s.search(&Query::new("школа")).unwrap();
        assert_eq!(r.hits[0].id, "t.csv#4");
        assert_eq!(r.hits[0].source.source_id, None);
        let want = [Some("pfo"), None, None, Some("regional"), None, None];
        assert_eq!(slugs(&r.hits[0]), want.map(|v| v.map(str::to_string)));
    }

    #[test]
    fn grouping_highlights_paging_and_facets() {
        let dir = tempfile::tempdir().unwrap();
        let s = index(&dir.path().join("index"));
        let mut q = Query::new("пожилых");
        q.facets = true;
        let r = s.search(&q).unwrap();
        assert_eq!((r.proposals, r.ideas, r.hits.len()), (4, 3, 3));
        // The idea shows its representative, with every district.
        let idea = r.hits.iter().find(|h| h.cluster == ClusterId(0)).unwrap();
        assert_eq!(idea.id, "t.csv#1");
        assert_eq!(idea.matched, 2);
        assert_eq!(district_slugs(idea), ["cfo", "szfo"]);
        let words: Vec<&str> = idea
            .highlights
            .iter()
            .map(|r| &idea.text[r.clone()])
            .collect();
        assert_eq!(words, ["пожилых"]);
        let facets = r.facets.unwrap();
        let (_, level) = facets.iter().find(|(f, _)| *f == Facet::Level).unwrap();
        let level: Vec<(Value, u64)> = level.iter().map(|c| (c.value, c.count)).collect();
        assert_eq!(
            level,
            [
                (Value::Level(Level::Regional), 3),
                (Value::Level(Level::Federal), 1)
            ]
        );
        // Pages cover the ranking once, in order.
        let mut seen = Vec::new();
        for offset in 0..4 {
            let mut q = Query::new("пожилых");
            q.all = true;
            q.offset = offset;
            q.limit = 1;
            seen.extend(
                s.search(&q)
                    .unwrap()
                    .hits
                    .into_iter()
                    .map(|h| (h.score, h.id)),
            );
        }
        let mut q = Query::new("пожилых");
        q.all = true;
        let whole: Vec<(f32, String)> = s
            .search(&q)
            .unwrap()
            .hits
            .into_iter()
            .map(|h| (h.score, h.id))
            .collect();
        assert_eq!(seen, whole);
        assert!(whole.windows(2).all(|w| w[0].0 >= w[1].0), "{whole:?}");
    }

    #[test]
    fn a_near_duplicate_speaks_when_the_representative_lacks_the_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let docs = [
            proposal(1, "Сиделки для пожилых людей на дому", Level::Regional, 0),
            proposal(2, "Сиделки для стариков на дому", Level::Regional, 1),
        ];
        let docs = docs.map(|p| (p, 7));
        build_docs(&path, &docs, &BuildOptions::default());
        let s = open(&path);
        let cases = [
            ("стариков", "t.csv#2", 1),
            ("пожилых", "t.csv#1", 1),
            ("сиделки", "t.csv#1", 2),
        ];
        for (text, id, matched) in cases {
            let r = s.search(&Query::new(text)).unwrap();
            assert_eq!(r.hits.len(), 1, "{text}");
            let hit = &r.hits[0];
            assert_eq!((hit.id.as_str(), hit.matched), (id, matched), "{text}");
            assert_eq!(district_slugs(hit), ["cfo", "szfo"], "{text}");
            assert!(!hit.highlights.is_empty(), "{text}");
        }
    }

    #[test]
    fn bad_queries_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let s = index(&dir.path().join("index"));
        for text in ["\"без", "a OR", "(а", "—", "field:value)"] {
            let err = s.search(&Query::new(text)).err().unwrap().to_string();
            assert!(err.starts_with("query: "), "{text:?}: {err}");
        }
    }

    #[test]
    fn missing_and_foreign_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out").join("index");
        let err = Searcher::open(&path, &Catalog::embedded())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("no index here; run `sborka build --out"),
            "{err}"
        );
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(
            path.join(META_FILE),
            r#"{"format": 999, "sborka": "9.9.9"}"#,
        )
        .unwrap();
        let err = Searcher::open(&path, &Catalog::embedded())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("format 999 was written by sborka 9.9.9"),
            "{err}"
        );
    }
}
