//! `sborka serve`: a local, read-only search page over the index of a build,
//! and `/api/search` with the JSON of `sborka search --format json`.
//!
//! The page is rendered on the server (no script), so it works from a
//! link: `/?q=пожилых&district=skfo&page=2`, by the roadmap's template
//! engine (`templates/search.html`), which escapes everything that came
//! from an export or from the request as the roadmap's page does.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::{Query as UrlQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use sborka_core::{Catalog, CatalogFiles};
use sborka_index::{Query, Results, Searcher};

use crate::Outcome;
use crate::search::{Filters, JsonOutput, also_searched, hit_facts};

const TEMPLATE: &str = include_str!("templates/search.html");

#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// The output folder of a build: its index is searched and its
    /// roadmap.html is linked from the hits.
    #[arg(long = "in", value_name = "DIR", default_value = "out")]
    dir: PathBuf,

    /// Address to listen on. Loopback by default: the page is for the
    /// researcher at this computer. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:7878")]
    addr: SocketAddr,
}

/// Hits per page at most.
const MAX_LIMIT: usize = 100;
const PAGE_LIMIT: usize = 20;

struct App {
    searcher: Searcher,
    catalog: Catalog,
    dir: PathBuf,
}

/// The request's parameters, all as text so that a bad value gets our
/// message rather than a deserializer's.
#[derive(Deserialize, Default, Debug)]
struct Params {
    q: Option<String>,
    district: Option<String>,
    region: Option<String>,
    theme: Option<String>,
    level: Option<String>,
    kind: Option<String>,
    year: Option<String>,
    page: Option<String>,
    limit: Option<String>,
    all: Option<String>,
    facets: Option<String>,
    exact: Option<String>,
}

/// A request that cannot be served, with its message.
struct BadRequest(String);

impl Params {
    /// The facet filters as the page's parameters name them.
    fn filters(&self) -> [(&'static str, &Option<String>); 6] {
        [
            ("district", &self.district),
            ("region", &self.region),
            ("theme", &self.theme),
            ("level", &self.level),
            ("kind", &self.kind),
            ("year", &self.year),
        ]
    }

    fn flag(value: &Option<String>) -> bool {
        matches!(value.as_deref(), Some("1" | "true" | "on" | "yes"))
    }

    fn number(
        name: &str,
        value: &Option<String>,
        min: usize,
        max: usize,
    ) -> Result<Option<usize>, BadRequest> {
        let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        match v.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(BadRequest(format!(
                "{name} must be a whole number from {min} to {max}, not {v:?}"
            ))),
        }
    }

    /// The query, with its filters as the catalogue places them, and the
    /// page number.
    fn query(&self, catalog: &Catalog, default_facets: bool) -> Result<(Query, usize), BadRequest> {
        let text = self.q.clone().unwrap_or_default();
        if text.chars().count() > sborka_index::MAX_CHARS {
            return Err(BadRequest(format!(
                "q is longer than {} characters",
                sborka_index::MAX_CHARS
            )));
        }
        let year = Self::number("year", &self.year, 1, u16::MAX as usize)?.map(|y| y as u16);
        let limit = Self::number("limit", &self.limit, 1, MAX_LIMIT)?.unwrap_or(PAGE_LIMIT);
        let max_page = sborka_index::MAX_HITS / limit;
        let page = Self::number("page", &self.page, 1, max_page)?.unwrap_or(1);
        let filters = Filters {
            district: self.district.clone(),
            region: self.region.clone(),
            theme: self.theme.clone(),
            level: self.level.clone(),
            kind: self.kind.clone(),
            year,
        };
        let mut q = Query::new(&text);
        q.filters = filters
            .resolve(catalog)
            .map_err(|e| BadRequest(e.to_string()))?;
        q.limit = limit;
        q.offset = (page - 1) * limit;
        q.all = Self::flag(&self.all);
        let exact = Self::flag(&self.exact);
        q.expand = !exact;
        q.fuzzy_fallback = !exact;
        q.facets = default_facets || Self::flag(&self.facets);
        Ok((q, page))
    }
}

pub(crate) fn run(args: &Args, catalog: &Catalog, files: &CatalogFiles) -> anyhow::Result<Outcome> {
    let searcher = crate::search::open(&args.dir, catalog, files)?;
    let app = Arc::new(App {
        searcher,
        catalog: catalog.clone(),
        dir: args.dir.clone(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let local = listener.local_addr()?;
        eprintln!(
            "sborka: serving {} at http://{local}/ (Ctrl-C stops)",
            args.dir.display()
        );
        axum::serve(listener, router(app))
            .with_graceful_shutdown(stop())
            .await
            .context("the server stopped")
    })?;
    Ok(Outcome::Status(0))
}

/// Resolves on Ctrl-C, or on SIGTERM from a service manager.
async fn stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/search", get(api))
        .route("/roadmap.html", get(roadmap))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                "not found: try / or /api/search?q=…\n",
            )
        })
        .with_state(app)
}

/// Runs the search off the async threads.
async fn search(app: &Arc<App>, q: Query) -> Result<Results, (StatusCode, String)> {
    let app = Arc::clone(app);
    match tokio::task::spawn_blocking(move || app.searcher.search(&q)).await {
        Ok(Ok(results)) => Ok(results),
        Ok(Err(e @ sborka_index::Error::Query(_))) => Err((StatusCode::BAD_REQUEST, e.to_string())),
        Ok(Err(e)) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
        Err(e) => Err((
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("search failed: {e}"),
        )),
    }
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

async fn api(
    State(app): State<Arc<App>>,
    params: Result<UrlQuery<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let params = match params {
        Ok(UrlQuery(p)) => p,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let (q, _) = match params.query(&app.catalog, false) {
        Ok(v) => v,
        Err(BadRequest(m)) => return json_error(StatusCode::BAD_REQUEST, &m),
    };
    match search(&app, q.clone()).await {
        Ok(results) => axum::Json(JsonOutput::new(&q, &results, &app.catalog)).into_response(),
        Err((status, m)) => json_error(status, &m),
    }
}

async fn roadmap(State(app): State<Arc<App>>) -> Response {
    let path = app.dir.join("roadmap.html");
    match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], bytes).into_response()
        }
        _ => (StatusCode::NOT_FOUND, "no roadmap.html in this build\n").into_response(),
    }
}

async fn page(
    State(app): State<Arc<App>>,
    params: Result<UrlQuery<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let params = match params {
        Ok(UrlQuery(p)) => p,
        Err(e) => {
            let p = Params::default();
            return (
                StatusCode::BAD_REQUEST,
                Html(render(&app.catalog, &p, None, Some(&e.body_text()))),
            )
                .into_response();
        }
    };
    let (q, page_no) = match params.query(&app.catalog, true) {
        Ok(v) => v,
        Err(BadRequest(m)) => {
            return (
                StatusCode::BAD_REQUEST,
                Html(render(&app.catalog, &params, None, Some(&m))),
            )
                .into_response();
        }
    };
    let blank = q.text.trim().is_empty() && q.filters.is_empty();
    if blank {
        return Html(render(&app.catalog, &params, None, None)).into_response();
    }
    match search(&app, q.clone()).await {
        Ok(results) => Html(render(
            &app.catalog,
            &params,
            Some((&q, &results, page_no)),
            None,
        ))
        .into_response(),
        Err((status, m)) => {
            (status, Html(render(&app.catalog, &params, None, Some(&m)))).into_response()
        }
    }
}

/// Percent-encodes a query-string value.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The query string of a link to the page with `params` changed by
/// `change`, percent-encoded (the template escapes it for the attribute).
fn link(params: &Params, change: impl FnOnce(&mut Vec<(&'static str, String)>)) -> String {
    let mut pairs: Vec<(&'static str, String)> = std::iter::once(("q", &params.q))
        .chain(params.filters())
        .chain([
            ("all", &params.all),
            ("exact", &params.exact),
            ("limit", &params.limit),
        ])
        .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .collect();
    change(&mut pairs);
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    query.join("&")
}

fn set(pairs: &mut Vec<(&'static str, String)>, key: &'static str, value: Option<String>) {
    pairs.retain(|(k, _)| *k != key);
    if let Some(v) = value {
        pairs.push((key, v));
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#222}\
form{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}input[type=search]{flex:1;min-width:20rem;font-size:1.1rem;padding:.4rem}\
.layout{display:flex;gap:2rem}aside{flex:0 0 16rem;font-size:.9rem}aside ul{list-style:none;padding:0;margin:.2rem 0 1rem}\
main{flex:1}.hit{margin-bottom:1.2rem}.text{margin:.1rem 0}mark{background:#ffe066}.meta,.source{color:#555;font-size:.9rem;margin:.1rem 0}\
.error{color:#a00;font-weight:bold}.active{font-weight:bold}.pages a{margin:0 .5rem}";

/// What `templates/search.html` shows.
#[derive(Serialize)]
struct Page<'a> {
    style: &'static str,
    q: &'a str,
    /// The filters of the request, kept in the form.
    hidden: Vec<Hidden<'a>>,
    all: bool,
    exact: bool,
    error: Option<&'a str>,
    found: Option<Found<'a>>,
}

#[derive(Serialize)]
struct Hidden<'a> {
    name: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
struct Found<'a> {
    ideas: u64,
    proposals: u64,
    fuzzy: bool,
    /// «также искали: …», when the lexicon added to the query.
    also: Option<String>,
    facets: Vec<FacetList>,
    /// The number of the first hit.
    start: usize,
    hits: Vec<PageHit<'a>>,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
}

/// One facet's counts, each a link that selects its value.
#[derive(Serialize)]
struct FacetList {
    key: &'static str,
    title: &'static str,
    /// The link that drops the facet's filter, when one is set.
    clear: Option<String>,
    values: Vec<FacetLink>,
}

#[derive(Serialize)]
struct FacetLink {
    label: String,
    count: u64,
    /// None for the value selected.
    link: Option<String>,
}

#[derive(Serialize)]
struct PageHit<'a> {
    id: &'a str,
    /// The text in pieces, the matched ones marked.
    parts: Vec<Part<'a>>,
    facts: String,
    cluster: String,
    proposals: u64,
    matched: u64,
    districts: u64,
    file: &'a str,
    record: u64,
    line: u64,
    source_id: Option<&'a str>,
    score: String,
    /// The idea's representative text, when the proposal shown is another.
    representative: Option<&'a str>,
}

#[derive(Serialize)]
struct Part<'a> {
    text: &'a str,
    mark: bool,
}

/// The whole page: the form, the facets, the hits and the pages.
fn render(
    catalog: &Catalog,
    params: &Params,
    found: Option<(&Query, &Results, usize)>,
    error: Option<&str>,
) -> String {
    let hidden = params
        .filters()
        .into_iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref().filter(|v| !v.is_empty())?;
            Some(Hidden { name, value })
        })
        .collect();
    let page = Page {
        style: STYLE,
        q: params.q.as_deref().unwrap_or(""),
        hidden,
        all: Params::flag(&params.all),
        exact: Params::flag(&params.exact),
        error,
        found: found
            .map(|(query, results, page_no)| found_view(catalog, params, query, results, page_no)),
    };
    let mut env = sborka_roadmap::html_environment();
    let rendered = env
        .add_template("search.html", TEMPLATE)
        .and_then(|()| env.get_template("search.html"))
        .and_then(|t| t.render(minijinja::value::Serde(&page)));
    match rendered {
        Ok(mut html) => {
            html.push('\n');
            html
        }
        // The template is the binary's own and is tested.
        Err(e) => format!("template error: {e}\n"),
    }
}

fn found_view<'a>(
    catalog: &Catalog,
    params: &Params,
    query: &Query,
    results: &'a Results,
    page_no: usize,
) -> Found<'a> {
    let facets = results
        .facets
        .iter()
        .flatten()
        .map(|(facet, counts)| {
            let key = facet.name();
            let active = query.filters.get(*facet);
            FacetList {
                key,
                title: facet.title(),
                clear: active.map(|_| link(params, |p| set(p, key, None))),
                values: counts
                    .iter()
                    .map(|c| FacetLink {
                        label: catalog.display(c.value).into_owned(),
                        count: c.count,
                        link: (active != Some(c.value)).then(|| {
                            let slug = catalog.slug(c.value).into_owned();
                            link(params, |p| set(p, key, Some(slug)))
                        }),
                    })
                    .collect(),
            }
        })
        .collect();
    let hits = results
        .hits
        .iter()
        .map(|hit| PageHit {
            id: &hit.id,
            parts: marked(&hit.text, &hit.highlights),
            facts: hit_facts(hit, catalog).join(" · "),
            cluster: hit.cluster.to_string(),
            proposals: hit.cluster_proposals,
            matched: hit.matched,
            districts: hit.cluster_districts,
            file: &hit.source.file,
            record: hit.source.record,
            line: hit.source.line,
            source_id: hit.source.source_id.as_deref(),
            score: format!("{:.2}", hit.score),
            representative: hit
                .representative
                .as_ref()
                .filter(|r| sborka_text::match_key(&r.text) != sborka_text::match_key(&hit.text))
                .map(|r| r.text.as_str()),
        })
        .collect();
    let total = if query.all {
        results.proposals
    } else {
        results.ideas
    } as usize;
    let pages = total
        .div_ceil(query.limit.max(1))
        .clamp(1, sborka_index::MAX_HITS / query.limit.max(1));
    let to = |n: usize| link(params, |p| set(p, "page", Some(n.to_string())));
    Found {
        ideas: results.ideas,
        proposals: results.proposals,
        fuzzy: results.fuzzy,
        also: also_searched(&results.expanded),
        facets,
        start: query.offset + 1,
        hits,
        page: page_no,
        pages,
        prev: (page_no > 1).then(|| to(page_no - 1)),
        next: (page_no < pages).then(|| to(page_no + 1)),
    }
}

/// `text` in pieces, its highlighted ranges marked.
fn marked<'t>(text: &'t str, highlights: &[std::ops::Range<usize>]) -> Vec<Part<'t>> {
    let mut parts = Vec::new();
    let mut last = 0;
    for r in highlights {
        if r.start < last
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        parts.push(Part {
            text: &text[last..r.start],
            mark: false,
        });
        parts.push(Part {
            text: &text[r.clone()],
            mark: true,
        });
        last = r.end;
    }
    parts.push(Part {
        text: &text[last..],
        mark: false,
    });
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_table() {
        let cases = [
            (
                "<script>alert('x')</script>",
                "%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E",
            ),
            ("a & \"b\"", "a%20%26%20%22b%22"),
            ("ёлка", "%D1%91%D0%BB%D0%BA%D0%B0"),
        ];
        for (raw, url) in cases {
            assert_eq!(encode(raw), url, "{raw:?}");
        }
    }

    #[test]
    fn marks_split_the_text() {
        let text = "<b>пожилых</b> & co";
        let parts: Vec<(&str, bool)> = marked(text, &[3..17, 24..26])
            .iter()
            .map(|p| (p.text, p.mark))
            .collect();
        assert_eq!(
            parts,
            [
                ("<b>", false),
                ("пожилых", true),
                ("</b> & ", false),
                ("co", true),
                ("", false)
            ]
        );
    }

    /// The page escapes the query, an error and a hit's text as the
    /// roadmap does, and marks the matched words.
    #[test]
    fn the_page_escapes_what_it_is_given() {
        let catalog = Catalog::embedded();
        let params = Params {
            q: Some("<script>x</script>".into()),
            district: Some("\"><b>".into()),
            ..Params::default()
        };
        let page = render(&catalog, &params, None, Some("a 'b' & <c>"));
        assert!(
            page.contains("value=\"&lt;script&gt;x&lt;&#x2f;script&gt;\""),
            "{page}"
        );
        assert!(page.contains("value=\"&quot;&gt;&lt;b&gt;\""), "{page}");
        assert!(
            page.contains(">a &#x27;b&#x27; &amp; &lt;c&gt;</p>"),
            "{page}"
        );
        assert!(!page.contains("<script>"), "{page}");
    }
}
