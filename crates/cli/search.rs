//! `sborka search`: query the index of a build.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::bail;
use serde::Serialize;

use sborka_core::{Catalog, fold_key};
use sborka_index::{Hit, Query, Searcher};

use crate::{Format, Outcome};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Words (matched in every form), "exact phrases", -excluded words, OR.
    query: String,

    /// The output folder of a build.
    #[arg(long = "in", value_name = "DIR", default_value = "out")]
    dir: PathBuf,

    /// Federal district: short or full name (СКФО, «Северо-Кавказский ФО»).
    #[arg(long)]
    district: Option<String>,

    /// Region: name or code (Ставропольский край, 26).
    #[arg(long)]
    region: Option<String>,

    /// Theme: any spelling the catalogue knows.
    #[arg(long)]
    theme: Option<String>,

    /// Level: федеральный, региональный, муниципальный (or any catalogue spelling).
    #[arg(long)]
    level: Option<String>,

    /// Kind: предложение, инициатива, законодательная инициатива, точка роста, зона риска.
    #[arg(long)]
    kind: Option<String>,

    /// Year of the session or petition.
    #[arg(long)]
    year: Option<u16>,

    /// Maximum number of hits.
    #[arg(long, default_value_t = 10)]
    limit: usize,

    /// List every matching proposal instead of one hit per idea.
    #[arg(long)]
    all: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    query: &'a str,
    grouped: bool,
    hits: &'a [Hit],
}

/// Resolves a facet value to the slug the index stores, or explains which
/// values exist.
fn facet(
    name: &str,
    value: &Option<String>,
    resolve: impl Fn(&str) -> Option<String>,
    valid: impl Fn() -> Vec<String>,
) -> anyhow::Result<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    if let Some(slug) = resolve(value) {
        return Ok(Some(slug));
    }
    let key = fold_key(value);
    let all = valid();
    let close: Vec<&String> = all
        .iter()
        .filter(|v| {
            let v = fold_key(v);
            !key.is_empty() && (v.contains(&key) || key.contains(&v))
        })
        .collect();
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

pub fn run(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let c = catalog;
    let mut q = Query::new(&args.query);
    q.limit = args.limit;
    q.all = args.all;
    q.year = args.year;
    q.district = facet(
        "district",
        &args.district,
        |v| c.district(v).map(|d| c.district_info(d).slug.clone()),
        || c.districts().map(|(_, d)| d.short.clone()).collect(),
    )?;
    q.region = facet(
        "region",
        &args.region,
        |v| c.region(v).map(|r| r.0.to_string()),
        || c.regions().iter().map(|r| r.name.clone()).collect(),
    )?;
    q.theme = facet(
        "theme",
        &args.theme,
        |v| c.theme(v).map(|t| c.theme_info(t).slug.clone()),
        || c.themes().map(|(_, t)| t.name.clone()).collect(),
    )?;
    q.level = facet(
        "level",
        &args.level,
        |v| c.level(v).map(|l| l.slug().to_string()),
        || {
            sborka_core::Level::ALL
                .iter()
                .map(|l| c.level_info(*l).name.clone())
                .collect()
        },
    )?;
    q.kind = facet(
        "kind",
        &args.kind,
        |v| c.kind(v).map(|k| k.slug().to_string()),
        || {
            sborka_core::Kind::ALL
                .iter()
                .map(|k| c.kind_info(*k).name.clone())
                .collect()
        },
    )?;

    let searcher = Searcher::open(&args.dir.join("index"))?;
    let hits = searcher.search(&q)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let json = JsonOutput {
                query: &args.query,
                grouped: !args.all,
                hits: &hits,
            };
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        Format::Text => {
            let color = std::io::stdout().is_terminal();
            for (n, hit) in hits.iter().enumerate() {
                print_hit(&mut out, n + 1, hit, catalog, color)?;
            }
        }
    }
    out.flush()?;
    Ok(Outcome::Status(if hits.is_empty() { 1 } else { 0 }))
}

fn print_hit(
    out: &mut impl Write,
    n: usize,
    hit: &Hit,
    c: &Catalog,
    color: bool,
) -> std::io::Result<()> {
    let (on, off) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut text = String::new();
    let mut last = 0;
    for r in &hit.highlights {
        text.push_str(&hit.text[last..r.start]);
        text.push_str(on);
        text.push_str(&hit.text[r.clone()]);
        text.push_str(off);
        last = r.end;
    }
    text.push_str(&hit.text[last..]);
    writeln!(out, "{n}. [{:.2}] {}", hit.score, text.replace('\n', " "))?;

    let mut facts = Vec::new();
    if let Some(d) = hit.district.as_deref().and_then(|d| c.district(d)) {
        facts.push(c.district_info(d).short.clone());
    }
    if let Some(r) = hit.region.as_deref().and_then(|r| c.region(r)) {
        facts.extend(c.region_info(r).map(|r| r.name.clone()));
    }
    if let Some(t) = hit.theme.as_deref().and_then(|t| c.theme(t)) {
        facts.push(c.theme_info(t).short.clone());
    }
    if let Some(l) = hit.level.as_deref().and_then(sborka_core::Level::from_slug) {
        facts.push(c.level_info(l).name.clone());
    }
    if let Some(k) = hit.kind.as_deref().and_then(sborka_core::Kind::from_slug) {
        facts.push(c.kind_info(k).name.clone());
    }
    if let Some(y) = hit.year {
        facts.push(y.to_string());
    }
    if hit.cluster_proposals > 1 {
        facts.push(format!(
            "idea: {} proposals, {} districts",
            hit.cluster_proposals, hit.cluster_districts
        ));
    }
    writeln!(out, "   {}", facts.join(" · "))?;
    let source_id = hit
        .source_id
        .as_deref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    writeln!(out, "   {} record {}{source_id}", hit.file, hit.record)
}
