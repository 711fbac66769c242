//! The tantivy index of proposals: the only crate that knows tantivy.
//!
//! # Overview
//!
//! - [`build`] writes an index of [`IndexDoc`]s into a folder, analysing
//!   text with `sborka_text::Analyzer` (Snowball stems, ё=е, no stop list),
//!   the same analysis clustering uses.
//! - [`Searcher::open`] opens it again, refusing an index of another
//!   [`FORMAT`] with a message that says what to run;
//!   [`Searcher::search`] runs a [`Query`] (words, "phrases", `-excluded`,
//!   `OR`, exact facet filters) and returns [`Hit`]s, one per idea unless
//!   every proposal is asked for.
//!
//! # Example
//!
//! ```no_run
//! # fn main() -> sborka_index::Result<()> {
//! let searcher = sborka_index::Searcher::open(std::path::Path::new("out/index"))?;
//! let hits = searcher.search(&sborka_index::Query::new("пожилых"))?;
//! # Ok(()) }
//! ```

mod analyzer;

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, QueryParser, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexWriter, Term};

use sborka_core::{Catalog, ClusterId, Label, Proposal};

pub use analyzer::TOKENIZER;

/// The version of the index layout. Bumped whenever the schema or the
/// analysis changes, so that an old index is rebuilt rather than misread.
pub const FORMAT: u32 = 1;

const META_FILE: &str = "sborka-index.json";

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
    #[error("query: {0}")]
    Query(String),
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
}

/// The fields of the schema.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    text: Field,
    district: Field,
    region: Field,
    theme: Field,
    level: Field,
    kind: Field,
    year: Field,
    cluster: Field,
    cluster_proposals: Field,
    cluster_districts: Field,
    file: Field,
    record: Field,
    source_id: Field,
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
    let facet = STRING | STORED | FAST;
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        text: b.add_text_field("text", text_options),
        district: b.add_text_field("district", facet.clone()),
        region: b.add_text_field("region", facet.clone()),
        theme: b.add_text_field("theme", facet.clone()),
        level: b.add_text_field("level", facet.clone()),
        kind: b.add_text_field("kind", facet.clone()),
        year: b.add_u64_field("year", INDEXED | STORED | FAST),
        cluster: b.add_text_field("cluster", facet),
        cluster_proposals: b.add_u64_field("cluster_proposals", STORED),
        cluster_districts: b.add_u64_field("cluster_districts", STORED),
        file: b.add_text_field("file", STORED),
        record: b.add_u64_field("record", STORED),
        source_id: b.add_text_field("source_id", STORED),
    };
    (b.build(), fields)
}

/// A proposal as the index sees it: with its cluster's support.
pub struct IndexDoc<'a> {
    pub proposal: &'a Proposal,
    pub cluster: ClusterId,
    pub cluster_proposals: u32,
    pub cluster_districts: u32,
}

/// Facet values as stored: catalogue slugs, `unknown` for a value the
/// catalogue could not place; absent when the export had none.
fn slug<T: Copy>(label: &Label<T>, name: impl Fn(T) -> String) -> Option<String> {
    match label {
        Label::Known(t) => Some(name(*t)),
        Label::Unknown(_) => Some("unknown".to_string()),
        Label::Missing => None,
    }
}

/// Settings of [`build`].
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Indexing threads; 0 lets tantivy choose.
    pub threads: usize,
    /// Memory budget of the writer, in bytes, for all threads together.
    pub memory: usize,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            threads: 1,
            memory: 200_000_000,
        }
    }
}

/// Writes a new index of `docs` into `dir`, which must not exist or be empty.
pub fn build<'a>(
    dir: &Path,
    docs: impl IntoIterator<Item = IndexDoc<'a>>,
    catalog: &Catalog,
    options: &BuildOptions,
) -> Result<()> {
    let io = |e| Error::Io {
        path: dir.display().to_string(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema)?;
    analyzer::register(&index);
    let threads = options.threads.max(1);
    let memory = options.memory.max(threads * 15_000_000);
    let mut writer: IndexWriter = index.writer_with_num_threads(threads, memory)?;
    for d in docs {
        let p = d.proposal;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &p.id.0);
        doc.add_text(f.text, &p.text);
        let facets = [
            (
                f.district,
                slug(&p.district, |d| catalog.district_info(d).slug.clone()),
            ),
            (f.region, slug(&p.region, |r| r.0.to_string())),
            (
                f.theme,
                slug(&p.theme, |t| catalog.theme_info(t).slug.clone()),
            ),
            (f.level, slug(&p.level, |l| l.slug().to_string())),
            (f.kind, slug(&p.kind, |k| k.slug().to_string())),
        ];
        for (field, value) in facets {
            if let Some(value) = value {
                doc.add_text(field, value);
            }
        }
        if let Some(year) = p.year {
            doc.add_u64(f.year, u64::from(year));
        }
        doc.add_text(f.cluster, d.cluster.to_string());
        doc.add_u64(f.cluster_proposals, u64::from(d.cluster_proposals));
        doc.add_u64(f.cluster_districts, u64::from(d.cluster_districts));
        doc.add_text(f.file, &p.source.file);
        doc.add_u64(f.record, p.source.record);
        if let Some(sid) = &p.source.source_id {
            doc.add_text(f.source_id, sid);
        }
        writer.add_document(doc)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let meta = Meta {
        format: FORMAT,
        sborka: env!("CARGO_PKG_VERSION").to_string(),
    };
    let meta = serde_json::to_string(&meta).expect("meta serializes");
    std::fs::write(dir.join(META_FILE), meta).map_err(io)?;
    Ok(())
}

/// What to look for. Filter values are the slugs the index stores (see the
/// catalogue); the caller resolves a user's spelling to a slug.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub text: String,
    pub district: Option<String>,
    pub region: Option<String>,
    pub theme: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub year: Option<u16>,
    pub limit: usize,
    /// Every proposal rather than one hit per idea.
    pub all: bool,
}

impl Query {
    pub fn new(text: &str) -> Query {
        Query {
            text: text.to_string(),
            limit: 10,
            ..Query::default()
        }
    }
}

/// One result.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub score: f32,
    pub id: String,
    pub text: String,
    /// Byte ranges of `text` that matched the query.
    pub highlights: Vec<Range<usize>>,
    pub district: Option<String>,
    pub region: Option<String>,
    pub theme: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub year: Option<u64>,
    pub cluster: String,
    pub cluster_proposals: u64,
    pub cluster_districts: u64,
    pub file: String,
    pub record: u64,
    pub source_id: Option<String>,
}

/// An open index.
pub struct Searcher {
    index: Index,
    reader: tantivy::IndexReader,
    fields: Fields,
}

impl Searcher {
    pub fn open(dir: &Path) -> Result<Searcher> {
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
        });
        if meta.format != FORMAT {
            return Err(Error::Format {
                path: dir.display().to_string(),
                found: meta.format,
                by: meta.sborka,
            });
        }
        let index = Index::open_in_dir(dir)?;
        analyzer::register(&index);
        let reader = index.reader()?;
        let (_, fields) = schema();
        Ok(Searcher {
            index,
            reader,
            fields,
        })
    }

    /// Number of proposals in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn search(&self, q: &Query) -> Result<Vec<Hit>> {
        let f = self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.text]);
        parser.set_conjunction_by_default();
        let text_query = parser
            .parse_query(&q.text)
            .map_err(|e| Error::Query(e.to_string()))?;
        let mut clauses = vec![(Occur::Must, text_query.box_clone())];
        let filters = [
            (f.district, &q.district),
            (f.region, &q.region),
            (f.theme, &q.theme),
            (f.level, &q.level),
            (f.kind, &q.kind),
        ];
        for (field, value) in filters {
            if let Some(value) = value {
                let term = Term::from_field_text(field, value);
                clauses.push((
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ));
            }
        }
        if let Some(year) = q.year {
            let term = Term::from_field_u64(f.year, u64::from(year));
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = q.limit.max(1);
        // Grouping keeps one hit per cluster: look further down the ranking.
        let fetch = if q.all { limit } else { limit * 20 };
        let top = searcher.search(&query, &TopDocs::with_limit(fetch).order_by_score())?;
        let mut terms = BTreeSet::new();
        text_query.query_terms(&mut |term, _| {
            if term.field() == f.text
                && let Some(text) = term.value().as_str()
            {
                terms.insert(text.to_string());
            }
        });
        let analyzer = sborka_text::Analyzer::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut hits = Vec::new();
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let get = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let num = |field| doc.get_first(field).and_then(|v| v.as_u64());
            let cluster = get(f.cluster).unwrap_or_default();
            if !q.all && !seen.insert(cluster.clone()) {
                continue;
            }
            let text = get(f.text).unwrap_or_default();
            let highlights = highlight_ranges(&analyzer, &terms, &text);
            hits.push(Hit {
                score,
                id: get(f.id).unwrap_or_default(),
                highlights,
                text,
                district: get(f.district),
                region: get(f.region),
                theme: get(f.theme),
                level: get(f.level),
                kind: get(f.kind),
                year: num(f.year),
                cluster,
                cluster_proposals: num(f.cluster_proposals).unwrap_or(1),
                cluster_districts: num(f.cluster_districts).unwrap_or(0),
                file: get(f.file).unwrap_or_default(),
                record: num(f.record).unwrap_or(0),
                source_id: get(f.source_id),
            });
            if hits.len() == limit {
                break;
            }
        }
        Ok(hits)
    }
}

/// The byte ranges of the words of `text` whose terms the query holds.
fn highlight_ranges(
    analyzer: &sborka_text::Analyzer,
    terms: &BTreeSet<String>,
    text: &str,
) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    analyzer.for_each_token(text, |t| {
        if terms.contains(&t.term) {
            ranges.push(t.start..t.end);
        }
    });
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;
    use sborka_core::{Level, Provenance};

    fn proposal(record: u64, text: &str, level: Level) -> Proposal {
        let mut p = Proposal::new(
            Provenance {
                file: "t.csv".into(),
                record,
                line: record + 1,
                ..Default::default()
            },
            text,
        );
        p.level = Label::Known(level);
        p
    }

    #[test]
    fn word_forms_negations_and_filters() {
        let catalog = Catalog::embedded();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index");
        let docs = [
            proposal(1, "Сиделки для пожилых людей на дому", Level::Regional),
            proposal(2, "Помощь пожилым гражданам без очереди", Level::Federal),
            proposal(3, "Ёлка в каждом центре для детей", Level::Municipal),
            proposal(4, "Школа ухода за пожилыми", Level::Regional),
        ];
        build(
            &path,
            docs.iter().enumerate().map(|(i, p)| IndexDoc {
                proposal: p,
                cluster: ClusterId(i as u64),
                cluster_proposals: 1,
                cluster_districts: 0,
            }),
            &catalog,
            &BuildOptions::default(),
        )
        .unwrap();
        let s = Searcher::open(&path).unwrap();
        let ids = |q: Query| -> Vec<String> {
            let mut ids: Vec<String> = s.search(&q).unwrap().into_iter().map(|h| h.id).collect();
            ids.sort();
            ids
        };
        let cases: [(&str, Option<&str>, &[&str]); 7] = [
            ("пожилой", None, &["t.csv#1", "t.csv#2", "t.csv#4"]),
            ("пожилых", Some("regional"), &["t.csv#1", "t.csv#4"]),
            ("елка", None, &["t.csv#3"]),
            ("ёлки", None, &["t.csv#3"]),
            ("\"без очереди\"", None, &["t.csv#2"]),
            ("пожилым -сиделки", None, &["t.csv#2", "t.csv#4"]),
            ("сиделка OR ёлка", None, &["t.csv#1", "t.csv#3"]),
        ];
        for (text, level, want) in cases {
            let mut q = Query::new(text);
            q.level = level.map(str::to_string);
            assert_eq!(ids(q), want, "{text:?} level {level:?}");
        }
        let hit = &s.search(&Query::new("пожилых")).unwrap()[0];
        let words: Vec<&str> = hit
            .highlights
            .iter()
            .map(|r| &hit.text[r.clone()])
            .collect();
        assert!(words.iter().all(|w| w.starts_with("пожил")), "{words:?}");
    }

    #[test]
    fn missing_and_foreign_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out").join("index");
        let err = Searcher::open(&path).err().unwrap().to_string();
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
        let err = Searcher::open(&path).err().unwrap().to_string();
        assert!(
            err.contains("format 999 was written by sborka 9.9.9"),
            "{err}"
        );
    }
}
