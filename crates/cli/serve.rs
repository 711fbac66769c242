//! `sborka serve`: a local, read-only search page over the index of a build,
//! and `/api/search` with the JSON of `sborka search --format json`.
//!
//! The page is rendered on the server (no script), so it works from a
//! link: `/?q=пожилых&district=skfo&page=2`. Everything that came from an
//! export or from the request is escaped.

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
use serde::Deserialize;

use sborka_core::Catalog;
use sborka_index::{FacetCount, Query, Results, Searcher};

use crate::Outcome;
use crate::search::{Filters, JsonOutput, Namer, Names, Resolved};

#[derive(clap::Args, Debug)]
pub struct Args {
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
}

/// A request that cannot be served, with its message.
struct BadRequest(String);

impl Params {
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

    /// The query, its resolved filters and page number.
    fn query(
        &self,
        catalog: &Catalog,
        default_facets: bool,
    ) -> Result<(Query, Resolved, usize), BadRequest> {
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
        let resolved = filters
            .resolve(catalog)
            .map_err(|e| BadRequest(e.to_string().replacen("--", "", 1)))?;
        let mut q = Query::new(&text);
        resolved.apply(&mut q);
        q.limit = limit;
        q.offset = (page - 1) * limit;
        q.all = Self::flag(&self.all);
        q.facets = default_facets || Self::flag(&self.facets);
        Ok((q, resolved, page))
    }
}

pub fn run(args: &Args, catalog: &Catalog) -> anyhow::Result<Outcome> {
    let searcher = Searcher::open(&args.dir.join("index"))?;
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
    let (q, resolved, _) = match params.query(&app.catalog, false) {
        Ok(v) => v,
        Err(BadRequest(m)) => return json_error(StatusCode::BAD_REQUEST, &m),
    };
    match search(&app, q.clone()).await {
        Ok(results) => axum::Json(JsonOutput::new(&q, &resolved, &results)).into_response(),
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
                Html(render(&app, &p, None, Some(&e.body_text()))),
            )
                .into_response();
        }
    };
    let (q, resolved, page_no) = match params.query(&app.catalog, true) {
        Ok(v) => v,
        Err(BadRequest(m)) => {
            return (
                StatusCode::BAD_REQUEST,
                Html(render(&app, &params, None, Some(&m))),
            )
                .into_response();
        }
    };
    let blank = q.text.trim().is_empty()
        && [
            &resolved.district,
            &resolved.region,
            &resolved.theme,
            &resolved.level,
            &resolved.kind,
        ]
        .iter()
        .all(|f| f.is_none())
        && resolved.year.is_none();
    if blank {
        return Html(render(&app, &params, None, None)).into_response();
    }
    match search(&app, q.clone()).await {
        Ok(results) => {
            Html(render(&app, &params, Some((&q, &results, page_no)), None)).into_response()
        }
        Err((status, m)) => (status, Html(render(&app, &params, None, Some(&m)))).into_response(),
    }
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// A link to the page with `params` changed by `change`.
fn link(params: &Params, change: impl FnOnce(&mut Vec<(&'static str, String)>)) -> String {
    let mut pairs: Vec<(&'static str, String)> = [
        ("q", &params.q),
        ("district", &params.district),
        ("region", &params.region),
        ("theme", &params.theme),
        ("level", &params.level),
        ("kind", &params.kind),
        ("year", &params.year),
        ("all", &params.all),
        ("limit", &params.limit),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    change(&mut pairs);
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    escape(&format!("/?{}", query.join("&")))
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

/// The whole page: the form, the facets, the hits and the pages.
fn render(
    app: &App,
    params: &Params,
    found: Option<(&Query, &Results, usize)>,
    error: Option<&str>,
) -> String {
    let names = Names(&app.catalog);
    let mut o = String::new();
    let q = params.q.as_deref().unwrap_or("");
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\">\
<title>{}Поиск — Образ будущего 2025</title><style>{STYLE}</style></head><body>\n\
<h1>Поиск по предложениям</h1>\n<form method=\"get\" action=\"/\" role=\"search\">\
<input type=\"search\" name=\"q\" id=\"q\" value=\"{}\" autofocus placeholder=\"сиделки пожилых -платно, &quot;без очереди&quot;, ёлка OR праздник\">",
        if q.is_empty() {
            String::new()
        } else {
            format!("{} — ", escape(q))
        },
        escape(q)
    );
    for (name, value) in [
        ("district", &params.district),
        ("region", &params.region),
        ("theme", &params.theme),
        ("level", &params.level),
        ("kind", &params.kind),
        ("year", &params.year),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            let _ = write!(
                o,
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(v)
            );
        }
    }
    let _ = writeln!(
        o,
        "<label><input type=\"checkbox\" name=\"all\" value=\"1\"{}> каждое предложение, а не идеи</label>\
<button type=\"submit\">Найти</button></form>",
        if Params::flag(&params.all) {
            " checked"
        } else {
            ""
        }
    );
    if let Some(m) = error {
        let _ = writeln!(o, "<p class=\"error\" id=\"error\">{}</p>", escape(m));
    }
    let Some((query, results, page_no)) = found else {
        o.push_str("</body></html>\n");
        return o;
    };
    let _ = write!(
        o,
        "<p id=\"summary\">По запросу «{}»: идей {}, предложений {}.",
        escape(q),
        results.ideas,
        results.proposals
    );
    if results.fuzzy {
        o.push_str(" Точных совпадений нет; показано с учётом опечаток.");
    }
    o.push_str("</p>\n<div class=\"layout\"><aside id=\"facets\">");
    if let Some(f) = &results.facets {
        let lists: [(&'static str, &str, &[FacetCount], Namer<'_>); 5] = [
            ("district", "Округ", &f.district, &|v| {
                names.district(v)
            }),
            ("theme", "Тема", &f.theme, &|v| names.theme(v)),
            ("level", "Уровень", &f.level, &|v| names.level(v)),
            ("kind", "Вид", &f.kind, &|v| names.kind(v)),
            ("year", "Год", &f.year, &|v| v.to_string()),
        ];
        let current = |key: &str| -> Option<String> {
            match key {
                "district" => query.district.clone(),
                "theme" => query.theme.clone(),
                "level" => query.level.clone(),
                "kind" => query.kind.clone(),
                "year" => query.year.map(|y| y.to_string()),
                _ => None,
            }
        };
        for (key, title, counts, name) in lists {
            let _ = write!(
                o,
                "<h3>{title}</h3><ul class=\"facet\" data-facet=\"{key}\">"
            );
            let active = current(key);
            if active.is_some() {
                let _ = write!(
                    o,
                    "<li><a href=\"{}\">× все</a></li>",
                    link(params, |p| {
                        set(p, key, None);
                    })
                );
            }
            for c in counts {
                let label = escape(&name(&c.value));
                if active.as_deref() == Some(c.value.as_str()) {
                    let _ = write!(o, "<li class=\"active\">{label} ({})</li>", c.count);
                } else {
                    let href = link(params, |p| set(p, key, Some(c.value.clone())));
                    let _ = write!(o, "<li><a href=\"{href}\">{label}</a> ({})</li>", c.count);
                }
            }
            o.push_str("</ul>");
        }
    }
    let _ = write!(
        o,
        "</aside>\n<main><ol id=\"hits\" start=\"{}\">\n",
        query.offset + 1
    );
    for hit in &results.hits {
        let text = escape_ranges(&hit.text, &hit.highlights);
        let facts = names.hit_facts(hit);
        let facts: Vec<String> = facts.iter().map(|f| escape(f)).collect();
        let _ = writeln!(
            o,
            "<li class=\"hit\" data-id=\"{}\"><p class=\"text\">{text}</p><p class=\"meta\">{}</p>\
<p class=\"meta\"><a class=\"idea\" href=\"/roadmap.html#{}\">идея в дорожной карте</a>: предложений {}, совпало {}, округов {}</p>\
<p class=\"source\">{} · запись {} · строка {}{} · {:.2}</p></li>",
            escape(&hit.id),
            facts.join(" · "),
            escape(&encode(&hit.cluster)),
            hit.cluster_proposals,
            hit.matched,
            hit.cluster_districts,
            escape(&hit.source.file),
            hit.source.record,
            hit.source.line,
            hit.source
                .source_id
                .as_deref()
                .map(|s| format!(" · id {}", escape(s)))
                .unwrap_or_default(),
            hit.score
        );
    }
    o.push_str("</ol>\n<nav class=\"pages\" id=\"pages\">");
    let total = if query.all {
        results.proposals
    } else {
        results.ideas
    } as usize;
    let pages = total
        .div_ceil(query.limit.max(1))
        .clamp(1, sborka_index::MAX_HITS / query.limit.max(1));
    if page_no > 1 {
        let href = link(params, |p| set(p, "page", Some((page_no - 1).to_string())));
        let _ = write!(o, "<a href=\"{href}\" rel=\"prev\">← назад</a>");
    }
    let _ = write!(o, "страница {page_no} из {pages}");
    if page_no < pages {
        let href = link(params, |p| set(p, "page", Some((page_no + 1).to_string())));
        let _ = write!(o, "<a href=\"{href}\" rel=\"next\">дальше →</a>");
    }
    o.push_str("</nav></main></div></body></html>\n");
    o
}

/// `text` escaped for HTML, with its highlighted ranges in `<mark>`.
fn escape_ranges(text: &str, highlights: &[std::ops::Range<usize>]) -> String {
    let mut out = String::new();
    let mut last = 0;
    for r in highlights {
        if r.start < last
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&escape(&text[last..r.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[r.clone()]));
        out.push_str("</mark>");
        last = r.end;
    }
    out.push_str(&escape(&text[last..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_encode_table() {
        let cases = [
            (
                "<script>alert('x')</script>",
                "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
                "%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E",
            ),
            ("a & \"b\"", "a &amp; &quot;b&quot;", "a%20%26%20%22b%22"),
            ("ёлка", "ёлка", "%D1%91%D0%BB%D0%BA%D0%B0"),
        ];
        for (raw, html, url) in cases {
            assert_eq!(escape(raw), html, "{raw:?}");
            assert_eq!(encode(raw), url, "{raw:?}");
        }
    }

    #[test]
    fn marks_are_escaped_around() {
        let text = "<b>пожилых</b> & co";
        assert_eq!(
            escape_ranges(text, &[3..17, 24..26]),
            "&lt;b&gt;<mark>пожилых</mark>&lt;/b&gt; &amp; <mark>co</mark>"
        );
    }
}
