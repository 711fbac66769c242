//! `sborka search`: query the index of a build. The JSON shape and the
//! facet resolution here are shared with `sborka serve`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::bail;
use serde::Serialize;

use sborka_core::{Catalog, Kind, Level, fold_key};
use sborka_index::{Facets, Hit, Query, Results, Searcher};

use crate::{Format, Outcome};

/// The version of the JSON shape of `search --format json` and
/// `/api/search`.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(clap::Args, Debug)]
pub struct Args {
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

    /// Do not retry with typos allowed when the words find nothing.
    #[arg(long)]
    exact: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Facet filters as the user spells them.
#[derive(clap::Args, Debug, Default, Clone, serde::Deserialize)]
pub struct Filters {
    /// Federal district: short or full name (СКФО, «Северо-Кавказский ФО»).
    #[arg(long)]
    pub district: Option<String>,

    /// Region: name or code (Ставропольский край, 26).
    #[arg(long)]
    pub region: Option<String>,

    /// Theme: any spelling the catalogue knows.
    #[arg(long)]
    pub theme: Option<String>,

    /// Level: федеральный, региональный, муниципальный (or any catalogue spelling).
    #[arg(long)]
    pub level: Option<String>,

    /// Kind: предложение, инициатива, законодательная инициатива, точка роста, зона риска.
    #[arg(long)]
    pub kind: Option<String>,

    /// Year of the session or petition.
    #[arg(long)]
    pub year: Option<u16>,
}

/// The filters a search ran with, as slugs (a region as its code).
#[derive(Serialize, Debug, Default)]
pub struct Resolved {
    pub district: Option<String>,
    pub region: Option<String>,
    pub theme: Option<String>,
    pub level: Option<String>,
    pub kind: Option<String>,
    pub year: Option<u16>,
}

#[derive(Serialize)]
pub struct Total {
    pub proposals: u64,
    pub ideas: u64,
}

/// The one JSON shape of a search (documented in README, «Search»).
#[derive(Serialize)]
pub struct JsonOutput<'a> {
    pub schema_version: u32,
    pub query: &'a str,
    pub filters: &'a Resolved,
    pub grouped: bool,
    pub offset: usize,
    pub limit: usize,
    pub fuzzy: bool,
    pub total: Total,
    pub hits: &'a [Hit],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<&'a Facets>,
}

impl<'a> JsonOutput<'a> {
    pub fn new(q: &'a Query, filters: &'a Resolved, results: &'a Results) -> JsonOutput<'a> {
        JsonOutput {
            schema_version: SCHEMA_VERSION,
            query: &q.text,
            filters,
            grouped: !q.all,
            offset: q.offset,
            limit: q.limit,
            fuzzy: results.fuzzy,
            total: Total {
                proposals: results.proposals,
                ideas: results.ideas,
            },
            hits: &results.hits,
            facets: results.facets.as_ref(),
        }
    }
}

/// Resolves a facet value to the slug the index stores, or explains which
/// values exist (the closest ones when some are close).
fn facet(
    name: &str,
    value: &Option<String>,
    resolve: impl Fn(&str) -> Option<String>,
    valid: impl Fn() -> Vec<String>,
) -> anyhow::Result<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if value.trim().is_empty() {
        return Ok(None);
    }
    if let Some(slug) = resolve(value) {
        return Ok(Some(slug));
    }
    let key = fold_key(value);
    let all = valid();
    let mut close: Vec<&String> = all
        .iter()
        .filter(|v| {
            let v = fold_key(v);
            !key.is_empty() && (v.contains(&key) || key.contains(&v))
        })
        .collect();
    if close.is_empty() {
        // A typo: the values one or two edits away.
        let allowed = if key.chars().count() > 5 { 2 } else { 1 };
        close = all
            .iter()
            .filter(|v| edits(&fold_key(v), &key) <= allowed)
            .collect();
    }
    let list = if close.is_empty() {
        all.join("; ")
    } else {
        close
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    bail!("--{name} {value:?} is not a known value; valid values: {list}")
}

/// Levenshtein distance between two short strings, in characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

impl Filters {
    /// The filters as slugs, or an error naming the valid values.
    pub fn resolve(&self, c: &Catalog) -> anyhow::Result<Resolved> {
        Ok(Resolved {
            district: facet(
                "district",
                &self.district,
                |v| c.district(v).map(|d| c.district_info(d).slug.clone()),
                || c.districts().map(|(_, d)| d.short.clone()).collect(),
            )?,
            region: facet(
                "region",
                &self.region,
                |v| c.region(v).map(|r| r.0.to_string()),
                || c.regions().iter().map(|r| r.name.clone()).collect(),
            )?,
            theme: facet(
                "theme",
                &self.theme,
                |v| c.theme(v).map(|t| c.theme_info(t).slug.clone()),
                || c.themes().map(|(_, t)| t.name.clone()).collect(),
            )?,
            level: facet(
                "level",
                &self.level,
                |v| c.level(v).map(|l| l.slug().to_string()),
                || {
                    Level::ALL
                        .iter()
                        .map(|l| c.level_info(*l).name.clone())
                        .collect()
                },
            )?,
            kind: facet(
                "kind",
                &self.kind,
                |v| c.kind(v).map(|k| k.slug().to_string()),
                || {
                    Kind::ALL
                        .iter()
                        .map(|k| c.kind_info(*k).name.clone())
                        .collect()
                },
            )?,
            year: self.year,
        })
    }
}

impl Resolved {
    /// Sets the filters of `q`.
    pub fn apply(&self, q: &mut Query) {
        q.district = self.district.clone();
        q.region = self.region.clone();
        q.theme = self.theme.clone();
        q.level = self.level.clone();
        q.kind = self.kind.clone();
        q.year = self.year;
    }
}

/// Display names of stored facet values, for text and the web page.
pub struct Names<'a>(pub &'a Catalog);

impl Names<'_> {
    /// A hit's labels in human words, for the text output and the page:
    /// districts, region, theme, level, kind, year.
    pub fn hit_facts(&self, hit: &Hit) -> Vec<String> {
        let mut facts = Vec::new();
        if !hit.districts.is_empty() {
            let d: Vec<String> = hit.districts.iter().map(|d| self.district(d)).collect();
            facts.push(d.join(", "));
        } else if let Some(d) = &hit.district {
            facts.push(self.district(d));
        }
        if let Some(r) = &hit.region {
            facts.push(self.region(r));
        }
        if let Some(t) = &hit.theme {
            facts.push(self.theme(t));
        }
        if let Some(l) = &hit.level {
            facts.push(self.level(l));
        }
        if let Some(k) = &hit.kind {
            facts.push(self.kind(k));
        }
        if let Some(y) = hit.year {
            facts.push(y.to_string());
        }
        facts
    }

    pub fn district(&self, slug: &str) -> String {
        let c = self.0;
        c.district(slug)
            .map_or_else(|| slug.to_string(), |d| c.district_info(d).short.clone())
    }

    pub fn region(&self, code: &str) -> String {
        let c = self.0;
        c.region(code)
            .and_then(|r| c.region_info(r))
            .map_or_else(|| code.to_string(), |r| r.name.clone())
    }

    pub fn theme(&self, slug: &str) -> String {
        let c = self.0;
        c.theme(slug)
            .map_or_else(|| slug.to_string(), |t| c.theme_info(t).short.clone())
    }

    pub fn level(&self, slug: &str) -> String {
        Level::from_slug(slug)
            .map_or_else(|| slug.to_string(), |l| self.0.level_info(l).name.clone())
    }

    pub fn kind(&self, slug: &str) -> String {
        Kind::from_slug(slug).map_or_else(|| slug.to_string(), |k| self.0.kind_info(k).name.clone())
    }
}

pub fn run(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let mut q = Query::new(&args.query);
    q.limit = args.limit;
    q.offset = args.offset;
    q.all = args.all;
    q.facets = args.facets;
    q.fuzzy_fallback = !args.exact;
    let resolved = args.filters.resolve(catalog)?;
    resolved.apply(&mut q);

    let searcher = Searcher::open(&args.dir.join("index"))?;
    let results = searcher.search(&q)?;
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
            serde_json::to_writer_pretty(&mut out, &JsonOutput::new(&q, &resolved, &results))?;
            writeln!(out)?;
        }
        Format::Text => {
            let color = std::io::stdout().is_terminal();
            let names = Names(catalog);
            for (n, hit) in results.hits.iter().enumerate() {
                print_hit(&mut out, args.offset + n + 1, hit, &names, !args.all, color)?;
            }
            if let Some(facets) = &results.facets {
                print_facets(&mut out, facets, &names)?;
            }
        }
    }
    out.flush()?;
    // Like grep: whether anything matched, whatever the page shows
    // (`--limit 0 --facets` only counts).
    Ok(Outcome::Status(if results.proposals == 0 { 1 } else { 0 }))
}

/// `text` with its `highlights` wrapped in `on`…`off`, on one line.
pub fn highlighted(
    text: &str,
    highlights: &[std::ops::Range<usize>],
    on: &str,
    off: &str,
) -> String {
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
    names: &Names<'_>,
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

    let facts = names.hit_facts(hit);
    writeln!(out, "   {}", facts.join(" · "))?;
    if grouped {
        writeln!(
            out,
            "   idea {}: {} proposals ({} matched), {} districts",
            hit.cluster, hit.cluster_proposals, hit.matched, hit.cluster_districts
        )?;
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

/// Gives a stored facet value its display name.
pub type Namer<'a> = &'a dyn Fn(&str) -> String;

fn print_facets(out: &mut impl Write, f: &Facets, names: &Names<'_>) -> std::io::Result<()> {
    let lists: [(&str, &[sborka_index::FacetCount], Namer<'_>); 5] = [
        ("district", &f.district, &|v| names.district(v)),
        ("theme", &f.theme, &|v| names.theme(v)),
        ("level", &f.level, &|v| names.level(v)),
        ("kind", &f.kind, &|v| names.kind(v)),
        ("year", &f.year, &|v| v.to_string()),
    ];
    for (title, counts, name) in lists {
        writeln!(out, "\n{title}:")?;
        for c in counts {
            writeln!(out, "  {:>6}  {}", c.count, name(&c.value))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_table() {
        let cases = [
            ("скфо", "скфо", 0),
            ("скфо", "скфщ", 1),
            ("скфо", "сзфо", 1),
            ("", "аб", 2),
            ("федеральный", "федеральнй", 1),
        ];
        for (a, b, want) in cases {
            assert_eq!(edits(a, b), want, "{a} {b}");
        }
    }

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
                    level: Some("федеральнй".into()),
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
}
