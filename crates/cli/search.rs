//! `sborka search`: query the index of a build. The JSON shape and the
//! filters here are shared with `sborka serve`.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use serde::Serialize;
use serde::ser::SerializeMap;

use sborka_core::{Catalog, CatalogFiles, ClusterId, Facet, Selection, UnknownValue, Value};
use sborka_index::{Expansion, FacetCount, Hit, Query, Results, Searcher, Source};

use crate::{Format, Outcome};

/// The version of the JSON shape of `search --format json` and
/// `/api/search`.
const SCHEMA_VERSION: u32 = 1;

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Words (matched in every form), "exact phrases", -excluded words, OR,
    /// (parentheses). Empty: every proposal (with filters).
    query: String,

    /// The output folder of a build.
    #[arg(long = "in", value_name = "DIR", default_value = "out")]
    dir: PathBuf,

    #[command(flatten)]
    filters: Filters,

    /// Maximum number of hits.
    #[arg(long, default_value_t = 10)]
    limit: usize,

    /// Hits to skip (for paging).
    #[arg(long, default_value_t = 0)]
    offset: usize,

    /// List every matching proposal instead of one hit per idea.
    #[arg(long)]
    all: bool,

    /// Also count matching proposals per district, theme, level, kind, year.
    #[arg(long)]
    facets: bool,

    /// Words only as written (in any form): no other forms of the
    /// lexicon's abbreviations and synonyms, no retry allowing typos.
    #[arg(long)]
    exact: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Facet filters as the user spells them: any spelling the catalogue
/// knows (`Catalog::parse`), or `unknown` for the values it could not place.
#[derive(clap::Args, Debug, Default, Clone)]
pub(crate) struct Filters {
    /// Federal district: short or full name, or its session's city (СКФО,
    /// «Северо-Кавказский ФО», Ставрополь).
    #[arg(long)]
    pub(crate) district: Option<String>,

    /// Region: name or code (Ставропольский край, 26).
    #[arg(long)]
    pub(crate) region: Option<String>,

    /// Theme: any spelling the catalogue knows.
    #[arg(long)]
    pub(crate) theme: Option<String>,

    /// Level: федеральный, региональный, муниципальный (or any catalogue spelling).
    #[arg(long)]
    pub(crate) level: Option<String>,

    /// Kind: предложение, инициатива, законодательная инициатива, точка роста, зона риска.
    #[arg(long)]
    pub(crate) kind: Option<String>,

    /// Year of the session or petition.
    #[arg(long)]
    pub(crate) year: Option<u16>,
}

impl Filters {
    /// The filters as the catalogue places them, or the first value it
    /// cannot place.
    pub(crate) fn resolve(&self, c: &Catalog) -> Result<Selection, UnknownValue> {
        let mut selection = Selection::default();
        let spelled = [
            (Facet::District, &self.district),
            (Facet::Region, &self.region),
            (Facet::Theme, &self.theme),
            (Facet::Level, &self.level),
            (Facet::Kind, &self.kind),
        ];
        for (facet, raw) in spelled {
            let parsed = raw.as_deref().map(|raw| c.parse(facet, raw)).transpose()?;
            if let Some(value) = parsed.flatten() {
                selection.set(value);
            }
        }
        if let Some(year) = self.year {
            selection.set(Value::Year(year));
        }
        Ok(selection)
    }
}

/// The one JSON shape of a search (documented in README, «Search»): slugs
/// for the facet values, as the catalogue names them.
#[derive(Serialize)]
pub(crate) struct JsonOutput<'a> {
    schema_version: u32,
    query: &'a str,
    filters: Slugs<'a>,
    grouped: bool,
    offset: usize,
    limit: usize,
    fuzzy: bool,
    /// What the lexicon added: «также искали».
    expanded: Vec<JsonExpansion<'a>>,
    total: Total,
    hits: Vec<JsonHit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    facets: Option<JsonFacets<'a>>,
}

#[derive(Serialize)]
struct JsonExpansion<'a> {
    matched: &'a str,
    added: &'a [String],
}

#[derive(Serialize)]
struct Total {
    proposals: u64,
    ideas: u64,
}

impl<'a> JsonOutput<'a> {
    pub(crate) fn new(q: &'a Query, results: &'a Results, catalog: &'a Catalog) -> JsonOutput<'a> {
        JsonOutput {
            schema_version: SCHEMA_VERSION,
            query: &q.text,
            filters: Slugs {
                catalog,
                selection: &q.filters,
            },
            grouped: !q.all,
            offset: q.offset,
            limit: q.limit,
            fuzzy: results.fuzzy,
            expanded: results
                .expanded
                .iter()
                .map(|e| JsonExpansion {
                    matched: &e.matched,
                    added: &e.added,
                })
                .collect(),
            total: Total {
                proposals: results.proposals,
                ideas: results.ideas,
            },
            hits: results
                .hits
                .iter()
                .map(|hit| JsonHit::new(hit, catalog))
                .collect(),
            facets: results
                .facets
                .as_deref()
                .map(|counts| JsonFacets { catalog, counts }),
        }
    }
}

/// A selection as `{"district": slug or null, …, "year": number or null}`.
struct Slugs<'a> {
    catalog: &'a Catalog,
    selection: &'a Selection,
}

impl Serialize for Slugs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Facet::ALL.len()))?;
        for facet in Facet::ALL {
            match self.selection.get(facet) {
                Some(Value::Year(y)) => map.serialize_entry(facet.name(), &y)?,
                Some(v) => map.serialize_entry(facet.name(), &self.catalog.slug(v))?,
                None => map.serialize_entry(facet.name(), &None::<&str>)?,
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonHit<'a> {
    score: f32,
    cluster: ClusterId,
    id: &'a str,
    text: &'a str,
    highlights: &'a [std::ops::Range<usize>],
    district: Option<Cow<'a, str>>,
    districts: Vec<Cow<'a, str>>,
    region: Option<Cow<'a, str>>,
    theme: Option<Cow<'a, str>>,
    level: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    year: Option<u16>,
    matched: u64,
    cluster_proposals: u64,
    cluster_districts: u64,
    source: &'a Source,
    /// The idea's representative, when the proposal shown is another (a
    /// filtered search shows the best matching proposal that passes).
    #[serde(skip_serializing_if = "Option::is_none")]
    representative: Option<JsonRepresentative<'a>>,
}

#[derive(Serialize)]
struct JsonRepresentative<'a> {
    id: &'a str,
    text: &'a str,
}

impl<'a> JsonHit<'a> {
    fn new(hit: &'a Hit, catalog: &'a Catalog) -> JsonHit<'a> {
        let slug = |facet| hit.facets.get(facet).map(|v| catalog.slug(v));
        JsonHit {
            score: hit.score,
            cluster: hit.cluster,
            id: &hit.id,
            text: &hit.text,
            highlights: &hit.highlights,
            district: slug(Facet::District),
            districts: hit.districts.iter().map(|&d| catalog.slug(d)).collect(),
            region: slug(Facet::Region),
            theme: slug(Facet::Theme),
            level: slug(Facet::Level),
            kind: slug(Facet::Kind),
            year: match hit.facets.get(Facet::Year) {
                Some(Value::Year(y)) => Some(y),
                _ => None,
            },
            matched: hit.matched,
            cluster_proposals: hit.cluster_proposals,
            cluster_districts: hit.cluster_districts,
            source: &hit.source,
            representative: hit.representative.as_ref().map(|r| JsonRepresentative {
                id: &r.id,
                text: &r.text,
            }),
        }
    }
}

/// Facet counts as `{"district": [{"value": slug, "count": n}], …}`.
struct JsonFacets<'a> {
    catalog: &'a Catalog,
    counts: &'a [(Facet, Vec<FacetCount>)],
}

impl Serialize for JsonFacets<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Count<'c> {
            value: Cow<'c, str>,
            count: u64,
        }
        let mut map = s.serialize_map(Some(self.counts.len()))?;
        for (facet, counts) in self.counts {
            let counts: Vec<Count<'_>> = counts
                .iter()
                .map(|c| Count {
                    value: self.catalog.slug(c.value),
                    count: c.count,
                })
                .collect();
            map.serialize_entry(facet.name(), &counts)?;
        }
        map.end()
    }
}

/// A hit's facets in human words, for the text output and the page:
/// districts (the idea's), region, theme, level, kind, year.
pub(crate) fn hit_facts(hit: &Hit, catalog: &Catalog) -> Vec<String> {
    let mut facts = Vec::new();
    if !hit.districts.is_empty() {
        let d: Vec<Cow<'_, str>> = hit.districts.iter().map(|&d| catalog.display(d)).collect();
        facts.push(d.join(", "));
    } else if let Some(d) = hit.facets.get(Facet::District) {
        facts.push(catalog.display(d).into_owned());
    }
    for facet in &Facet::ALL[1..] {
        if let Some(v) = hit.facets.get(*facet) {
            facts.push(catalog.display(v).into_owned());
        }
    }
    facts
}

/// What the lexicon added, for «также искали: …», or `None`.
pub(crate) fn also_searched(expanded: &[Expansion]) -> Option<String> {
    if expanded.is_empty() {
        return None;
    }
    let parts: Vec<String> = expanded
        .iter()
        .map(|e| format!("{} (для «{}»)", e.added.join(", "), e.matched))
        .collect();
    Some(parts.join("; "))
}

/// The searcher of the build in `dir`, expanding queries with the lexicon
/// of `files`.
pub(crate) fn open(
    dir: &std::path::Path,
    catalog: &Catalog,
    files: &CatalogFiles,
) -> anyhow::Result<Searcher> {
    let lexicon = sborka_text::Lexicon::from_files(files)?;
    Ok(Searcher::open(&dir.join("index"), catalog)?.with_lexicon(&lexicon))
}

pub(crate) fn run(args: &Args, catalog: &Catalog, files: &CatalogFiles) -> anyhow::Result<Outcome> {
    let mut q = Query::new(&args.query);
    q.limit = args.limit;
    q.offset = args.offset;
    q.all = args.all;
    q.facets = args.facets;
    q.fuzzy_fallback = !args.exact;
    q.expand = !args.exact;
    q.filters = args
        .filters
        .resolve(catalog)
        .map_err(|e| anyhow::anyhow!("--{e}"))?;

    let searcher = open(&args.dir, catalog, files)?;
    let results = searcher.search(&q)?;
    if let Some(line) = also_searched(&results.expanded) {
        let _ = writeln!(
            std::io::stderr(),
            "sborka: также искали: {line} (--exact: only as written)"
        );
    }
    if results.fuzzy {
        let _ = writeln!(
            std::io::stderr(),
            "sborka: no exact match for {:?}; {} allowing typos",
            args.query,
            if results.hits.is_empty() {
                "nothing found either"
            } else {
                "showing hits found"
            }
        );
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &JsonOutput::new(&q, &results, catalog))?;
            writeln!(out)?;
        }
        Format::Text => {
            let color = std::io::stdout().is_terminal();
            for (n, hit) in results.hits.iter().enumerate() {
                print_hit(
                    &mut out,
                    args.offset + n + 1,
                    hit,
                    catalog,
                    !args.all,
                    color,
                )?;
            }
            if let Some(facets) = &results.facets {
                print_facets(&mut out, facets, catalog)?;
            }
        }
    }
    out.flush()?;
    // Like grep: whether anything matched, whatever the page shows
    // (`--limit 0 --facets` only counts).
    Ok(Outcome::Status(if results.proposals == 0 { 1 } else { 0 }))
}

/// `text` with its `highlights` wrapped in `on`…`off`, on one line.
fn highlighted(text: &str, highlights: &[std::ops::Range<usize>], on: &str, off: &str) -> String {
    let mut out = String::new();
    let mut last = 0;
    for r in highlights {
        if r.start < last || r.end > text.len() {
            continue;
        }
        out.push_str(&text[last..r.start]);
        out.push_str(on);
        out.push_str(&text[r.clone()]);
        out.push_str(off);
        last = r.end;
    }
    out.push_str(&text[last..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn print_hit(
    out: &mut impl Write,
    n: usize,
    hit: &Hit,
    catalog: &Catalog,
    grouped: bool,
    color: bool,
) -> std::io::Result<()> {
    let (on, off) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let text = highlighted(&hit.text, &hit.highlights, on, off);
    writeln!(out, "{n}. [{:.2}] {text}", hit.score)?;

    let facts = hit_facts(hit, catalog);
    writeln!(out, "   {}", facts.join(" · "))?;
    if grouped {
        writeln!(
            out,
            "   idea {}: {} proposals ({} matched), {} districts",
            hit.cluster, hit.cluster_proposals, hit.matched, hit.cluster_districts
        )?;
        if let Some(r) = hit
            .representative
            .as_ref()
            .filter(|r| sborka_text::match_key(&r.text) != sborka_text::match_key(&hit.text))
        {
            let text: Vec<&str> = r.text.split_whitespace().collect();
            writeln!(
                out,
                "   the idea as its representative says it: {}",
                text.join(" ")
            )?;
        }
    }
    let source_id = hit
        .source
        .source_id
        .as_deref()
        .map(|s| format!(", id {s}"))
        .unwrap_or_default();
    writeln!(
        out,
        "   {} record {} (line {}{source_id})",
        hit.source.file, hit.source.record, hit.source.line
    )
}

fn print_facets(
    out: &mut impl Write,
    facets: &[(Facet, Vec<FacetCount>)],
    catalog: &Catalog,
) -> std::io::Result<()> {
    for (facet, counts) in facets {
        writeln!(out, "\n{facet}:")?;
        for c in counts {
            writeln!(out, "  {:>6}  {}", c.count, catalog.display(c.value))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_list_the_closest() {
        let c = Catalog::embedded();
        let cases = [
            (
                Filters {
                    district: Some("СКФЩ".into()),
                    ..Filters::default()
                },
                "valid values: СКФО",
            ),
            (
                Filters {
                    level: Some("федерльнй".into()),
                    ..Filters::default()
                },
                "valid values: федеральный",
            ),
            (
                Filters {
                    kind: Some("zzz".into()),
                    ..Filters::default()
                },
                "valid values: предложение;",
            ),
        ];
        for (filters, want) in cases {
            let err = filters.resolve(&c).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
            // The typo cases name only the value meant.
            if !want.ends_with(';') {
                assert!(err.ends_with(want), "{err}");
            }
        }
    }

    /// One rule for every caller: a session city is a district here as in
    /// the exports, and `unknown` selects what the catalogue could not
    /// place (the page links to it from its facet counts).
    #[test]
    fn a_session_city_and_unknown_are_filters() {
        let c = Catalog::embedded();
        let filters = Filters {
            district: Some("Ставрополь".into()),
            theme: Some("unknown".into()),
            year: Some(2018),
            ..Filters::default()
        };
        let selection = filters.resolve(&c).unwrap();
        let slugs: Vec<String> = selection.values().map(|v| c.slug(v).into_owned()).collect();
        assert_eq!(slugs, ["skfo", "unknown", "2018"]);
    }
}
