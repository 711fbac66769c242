use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::search::built;
use crate::util::*;

/// A running `sborka serve`, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    addr: String,
}

impl Server {
    pub(crate) fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sborka"))
            .args([
                "serve",
                "--in",
                dir.to_str().unwrap(),
                "--addr",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sborka serve starts");
        // The first line says where it listens: a free port it was given.
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        assert!(addr.starts_with("127.0.0.1:"), "loopback: {line}");
        Server { child, addr }
    }

    /// `GET path` (already percent-encoded): status and body.
    pub(crate) fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path)
    }

    fn request(&self, method: &str, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            unchunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Percent-encodes a query-string value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn api_gives_the_json_of_the_command_line() {
    let dir = built();
    let server = Server::start(dir);
    let cases: [(&str, &[&str]); 4] = [
        ("q=пожилых", &["пожилых"]),
        (
            "q=очередь&level=фед.&all=1",
            &["очередь", "--level", "фед.", "--all"],
        ),
        ("q=пожелых", &["пожелых"]),
        (
            "q=&district=СКФО&facets=1",
            &["", "--district", "СКФО", "--facets"],
        ),
    ];
    for (query, args) in cases {
        let encoded: Vec<String> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                format!("{k}={}", encode(v))
            })
            .collect();
        let (status, body) = server.get(&format!("/api/search?limit=10&{}", encoded.join("&")));
        assert_eq!(status, 200, "{query}: {body}");
        let api: Value = serde_json::from_str(&body).unwrap();
        let mut cli_args = vec!["search", "--in", dir.to_str().unwrap(), "--format", "json"];
        cli_args.extend(args);
        let cli: Value = serde_json::from_str(&stdout(&sborka(&cli_args))).unwrap();
        assert_eq!(api, cli, "{query}");
        assert!(!api["hits"].as_array().unwrap().is_empty(), "{query}");
    }
}

#[test]
fn malformed_requests_get_4xx_with_a_message() {
    let server = Server::start(built());
    let cases = [
        (
            "GET",
            "/api/search?q=%22%D0%B1%D0%B5%D0%B7",
            400,
            "unclosed quote",
        ),
        (
            "GET",
            "/api/search?q=a&page=0",
            400,
            "page must be a whole number",
        ),
        (
            "GET",
            "/api/search?q=a&limit=abc",
            400,
            "limit must be a whole number",
        ),
        (
            "GET",
            "/api/search?q=a&year=2018x",
            400,
            "year must be a whole number",
        ),
        (
            "GET",
            "/api/search?q=a&district=%D0%9C%D0%B0%D1%80%D1%81",
            400,
            "is not a known value",
        ),
        ("GET", "/api/search?q=a&q=b", 400, "duplicate"),
        ("GET", "/?q=(", 400, "unclosed parenthesis"),
        ("POST", "/api/search?q=a", 405, ""),
        ("DELETE", "/", 405, ""),
        ("GET", "/../../etc/passwd", 404, "not found"),
        ("GET", "/index/meta.json", 404, "not found"),
    ];
    for (method, path, want, message) in cases {
        let (status, body) = server.request(method, path);
        assert_eq!(status, want, "{method} {path}: {body}");
        assert!(body.contains(message), "{method} {path}: {body}");
    }
    // The roadmap of the build is served, and a hit's link finds its idea.
    let (_, api) = server.get("/api/search?q=%D0%BF%D0%BE%D0%B6%D0%B8%D0%BB%D1%8B%D1%85");
    let api: Value = serde_json::from_str(&api).unwrap();
    let cluster = api["hits"][0]["cluster"].as_str().unwrap().to_string();
    let (status, body) = server.get("/roadmap.html");
    assert_eq!(status, 200);
    assert!(
        body.contains(&format!("id=\"{cluster}\"")),
        "{cluster}: {body:.200}"
    );
}

#[test]
fn page_renders_hits_and_escapes_the_query() {
    let server = Server::start(built());
    let (status, page) = server.get(&format!("/?q={}", encode("пожилых")));
    assert_eq!(status, 200);
    assert!(page.contains("<mark>пожилых</mark>"), "{page}");
    assert!(page.contains("href=\"/roadmap.html#c"), "{page}");
    let (_, page) = server.get(&format!("/?q={}", encode("<script>x</script> OR пожилых")));
    assert!(!page.contains("<script>"), "{page}");
    // Escaped as the roadmap escapes (minijinja's HTML escaping, `/` too).
    assert!(
        page.contains("&lt;script&gt;x&lt;&#x2f;script&gt;"),
        "{page}"
    );
    // What the lexicon added is said, and the box that turns it off.
    let (_, page) = server.get(&format!("/?q={}", encode("пожилых")));
    assert!(
        page.contains("<p id=\"also\">Также искали: пенсионеры,"),
        "{page}"
    );
    assert!(page.contains("name=\"exact\" value=\"1\">"), "{page}");
    let (_, page) = server.get(&format!("/?q={}&exact=1", encode("пожилых")));
    assert!(!page.contains("Также искали"), "{page}");
    assert!(
        page.contains("name=\"exact\" value=\"1\" checked>"),
        "{page}"
    );
    let (_, api) = server.get(&format!("/api/search?q={}", encode("пожилых")));
    let api: Value = serde_json::from_str(&api).unwrap();
    assert_eq!(api["expanded"][0]["matched"], "пожилые", "{api}");
    let (_, api) = server.get(&format!("/api/search?q={}&exact=1", encode("пожилых")));
    let api: Value = serde_json::from_str(&api).unwrap();
    assert_eq!(api["expanded"], serde_json::json!([]), "{api}");
    // A value the catalogue could not place is a filter the page can link
    // to (it used to be refused with a 400).
    let (status, page) = server.get(&format!("/?q={}&theme=unknown", encode("пожилых")));
    assert_eq!(status, 200, "{page}");
}

#[cfg(unix)]
#[test]
fn stops_cleanly_on_sigterm() {
    let mut server = Server::start(built());
    let (status, _) = server.get("/");
    assert_eq!(status, 200);
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// The `data-id`s of the hits of a page.
fn hit_ids(page: &str) -> Vec<String> {
    page.split("<li class=\"hit\" data-id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect()
}

/// The target of the link marked `rel`, unescaped.
fn link_to(page: &str, rel: &str) -> Option<String> {
    let end = page.find(&format!("\" rel=\"{rel}\""))?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    Some(page[start..end].replace("&amp;", "&"))
}

#[test]
fn pages_cover_every_hit_once() {
    let server = Server::start(built());
    let query = encode("очередь OR сиделки OR ярмарки");
    let mut path = format!("/?q={query}&all=1&limit=2");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, page) = server.get(&path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(link_to(&page, "prev").is_some(), pages > 0, "{path}");
        let ids = hit_ids(&page);
        assert!(!ids.is_empty() && ids.len() <= 2, "{path}: {ids:?}");
        seen.extend(ids);
        pages += 1;
        match link_to(&page, "next") {
            Some(next) => path = next,
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    let (_, api) = server.get(&format!("/api/search?q={query}&all=1&limit=100"));
    let api: Value = serde_json::from_str(&api).unwrap();
    let all: Vec<String> = api["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, all);
    assert_eq!(pages, all.len().div_ceil(2));
}

/// Headless Chromium, or `None` when it is absent on a developer's machine.
/// In CI (`CI=true`, as `.ci/run` runs, after installing it) or with
/// SBORKA_REQUIRE_BROWSER=1 a missing browser fails the test instead.
fn chromium() -> Option<String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = Command::new(name)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if found {
            return Some(name.to_string());
        }
    }
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("SBORKA_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "chromium not found: install it with .ci/install-chromium (Debian: apt-get install chromium)"
    );
    eprintln!(
        "serve: chromium not found; browser test skipped (install it with .ci/install-chromium; \
         CI=true or SBORKA_REQUIRE_BROWSER=1 make this a failure)"
    );
    None
}

/// The DOM of `url` after load, as headless Chromium renders it.
fn dump_dom(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("</html>"),
        "chromium gave no page for {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

#[test]
fn page_works_in_headless_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let server = Server::start(built());
    let base = format!("http://{}", server.addr);

    // A query typed into the box is a GET of the form: hits render, with
    // the matched words marked, facet counts and a link into the roadmap.
    let dom = dump_dom(&browser, &format!("{base}/?q={}", encode("пожилых")));
    assert!(dom.contains("<li class=\"hit\""), "{dom}");
    assert!(dom.contains("<mark>пожилых</mark>"), "{dom}");
    assert!(dom.contains("href=\"/roadmap.html#c"), "{dom}");
    assert!(dom.contains("data-facet=\"district\""), "{dom}");
    assert!(dom.contains("идей 1, предложений 3"), "{dom}");
    assert!(dom.contains("Также искали: пенсионеры"), "{dom}");

    // The box «только как написано» searches without the lexicon.
    let dom = dump_dom(
        &browser,
        &format!("{base}/?q={}&exact=1", encode("пожилых")),
    );
    assert!(dom.contains("<li class=\"hit\""), "{dom}");
    assert!(!dom.contains("Также искали"), "{dom}");
    assert!(dom.contains("name=\"exact\" value=\"1\" checked"), "{dom}");

    // A facet link narrows the hits.
    let dom = dump_dom(
        &browser,
        &format!("{base}/?q={}&district=szfo&all=1", encode("пожилых")),
    );
    assert!(dom.contains("идей 1, предложений 1"), "{dom}");
    assert!(dom.contains("data-id=\"szfo.csv#1\""), "{dom}");
    // Grouped and filtered, the idea speaks through the district's own
    // proposal, not through its representative from another district.
    let dom = dump_dom(
        &browser,
        &format!("{base}/?q={}&district=szfo", encode("пожилых")),
    );
    assert!(dom.contains("data-id=\"szfo.csv#1\""), "{dom}");
    assert!(!dom.contains("data-id=\"skfo.csv#1\""), "{dom}");

    // A script in the query shows as text and does not run.
    let attack = "<script>document.body.dataset.pwned=1</script> OR пожилых";
    let dom = dump_dom(&browser, &format!("{base}/?q={}", encode(attack)));
    assert!(!dom.contains("data-pwned"), "the script ran: {dom}");
    assert!(
        dom.contains("&lt;script&gt;document.body.dataset.pwned=1&lt;/script&gt;"),
        "the query is shown as text: {dom}"
    );
    assert!(dom.contains("<li class=\"hit\""), "{dom}");
}
