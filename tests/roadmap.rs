//! The roadmap documents built from `fixtures/hostile`: every hostile text
//! (HTML, template, Markdown, formulas, RTL and zero-width characters, a
//! very long word) appears literally and safely in all four formats, and
//! the DOCX is the same bytes build after build.

use std::collections::BTreeMap;

use crate::util::*;

/// The texts of fixtures/hostile/hostile.csv, as the export holds them.
const TEXTS: [&str; 10] = [
    "<script>alert(1)</script> Открыть центр дневного пребывания",
    "<img src=x onerror=alert(1)> Создать службу сиделок",
    "# Заголовок | таблица * жирный _курсив_ [x](javascript:alert(1)) `код`",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1) и -2+3",
    "СверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловоСверхдлинноесловобезпробелов",
    "Права\u{200b} человека \u{202e}текст наоборот\u{202c} и \u{200f}שלום\u{200e} метка",
    "{{ 7*7 }} {% raw %} </style></script><!-- & &amp; &lt; -->",
    "1. пункт\n# не заголовок\n> не цитата",
];

fn build_hostile() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, out_dir, out) = build(&[&fixture("hostile")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_invariant(&out_dir);
    (tmp, out_dir)
}

fn read(out_dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(out_dir.join(name)).unwrap()
}

/// HTML escaping as the template engine does it.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2f;")
}

#[test]
fn json_holds_every_hostile_text_as_written() {
    let (_tmp, out_dir) = build_hostile();
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let texts: Vec<&str> = roadmap["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["levels"].as_array().unwrap())
        .flat_map(|l| l["items"].as_array().unwrap())
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    for text in TEXTS {
        assert!(texts.contains(&text), "{text:?} in roadmap.json: {texts:?}");
    }
    assert_eq!(roadmap["totals"]["quarantined"], 1, "the empty record");
    // The two copies of the <script> text are one idea from two districts.
    let top = &roadmap["summary"]["top_ideas"][0];
    assert_eq!(top["text"], TEXTS[0]);
    assert_eq!(top["districts"].as_array().unwrap().len(), 2);
}

#[test]
fn html_shows_hostile_text_and_runs_none_of_it() {
    let (_tmp, out_dir) = build_hostile();
    let html = read(&out_dir, "roadmap.html");
    for text in TEXTS {
        // Line breaks stay line breaks in HTML text; compare escaped forms.
        assert!(html.contains(&html_escape(text)), "{text:?} shown escaped");
    }
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!html.contains("<img"));
    assert!(
        html.contains("тема: &lt;b&gt;Тема&lt;&#x2f;b&gt;"),
        "raw theme"
    );
    assert!(
        html.contains("уровень: &lt;u&gt;уровень&lt;&#x2f;u&gt;"),
        "raw level"
    );
    assert!(html.contains("&lt;i&gt;1&lt;&#x2f;i&gt;"), "source id");
    // The search page links to roadmap.html#<cluster>.
    let roadmap = read_json(&out_dir.join("roadmap.json"));
    let cluster = roadmap["summary"]["top_ideas"][0]["cluster"]
        .as_str()
        .unwrap();
    assert!(html.contains(&format!("id=\"{cluster}\"")));
}

#[test]
fn markdown_escapes_what_would_change_structure() {
    let (_tmp, out_dir) = build_hostile();
    let md = read(&out_dir, "roadmap.md");
    for line in md.lines() {
        assert!(
            !(line.starts_with('#') && line.contains("аголовок")),
            "a proposal became a heading: {line}"
        );
        assert!(!line.starts_with('>'), "a proposal became a quote: {line}");
        let raw_angle = line
            .char_indices()
            .any(|(i, c)| c == '<' && !line[..i].ends_with('\\'));
        assert!(!raw_angle, "raw HTML: {line}");
    }
    for shown in [
        "\\# Заголовок \\| таблица \\* жирный \\_курсив\\_ \\[x\\](javascript:alert(1)) \\`код\\`",
        "\\<script\\>alert(1)\\</script\\> Открыть центр дневного пребывания",
        "=HYPERLINK(\"http://x\",\"y\")",
        "+cmd\\|' /C calc'!A0",
        "{{ 7\\*7 }} {% raw %} \\</style\\>\\</script\\>\\<!-- \\& \\&amp; \\&lt; --\\>",
        "1. пункт \\# не заголовок \\> не цитата",
        TEXTS[6],
        TEXTS[7],
    ] {
        assert!(md.contains(shown), "{shown:?} in roadmap.md");
    }
}

#[test]
fn docx_holds_hostile_text_as_xml_text_and_same_bytes_twice() {
    let (_tmp, out_dir) = build_hostile();
    let (_tmp2, again, out) = build(&[&fixture("hostile")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let bytes = std::fs::read(out_dir.join("roadmap.docx")).unwrap();
    assert!(
        bytes == std::fs::read(again.join("roadmap.docx")).unwrap(),
        "roadmap.docx is the same bytes for the same input"
    );
    let parts = unzip(&bytes);
    // Quotes may be written as entities or not; compare with them decoded.
    let doc = String::from_utf8(parts["word/document.xml"].clone())
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&apos;", "'");
    let xml = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('\n', " ")
    };
    for text in TEXTS {
        assert!(doc.contains(&xml(text)), "{text:?} in document.xml");
    }
    assert!(!doc.contains("<script"));
    assert!(doc.contains("w:val=\"Heading1\""));
}

/// The files of a zip, by name (read with the `zip` crate, as another
/// program would).
pub(crate) fn unzip(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        files.insert(file.name().unwrap().to_string(), bytes);
    }
    files
}

/// «Как объединяли повторы» is made from what the build ran: the operating
/// point of the pair model it loaded (here one a `--catalog` folder sets)
/// and whether analysts' answers were applied.
#[test]
fn method_section_says_what_the_build_ran() {
    let merging = |out_dir: &std::path::Path| -> String {
        let roadmap = read_json(&out_dir.join("roadmap.json"));
        let section = roadmap["method"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["title"] == "Как объединяли повторы")
            .unwrap_or_else(|| panic!("a merging section in {}", roadmap["method"]))
            .clone();
        section["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let model = std::fs::read_to_string(root().join("catalog/pair_model.toml")).unwrap();
    let threshold = model
        .lines()
        .find_map(|l| l.strip_prefix("threshold = "))
        .unwrap()
        .trim()
        .parse::<f32>()
        .unwrap();

    let (_tmp, out_dir, out) = build(&[&fixture("tests/basic")], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = merging(&out_dir);
    for step in ["1. Точные повторы", "2. Близкие формулировки", "3. ", "4. "]
    {
        assert!(text.contains(step), "{step:?} in {text}");
    }
    assert!(text.contains(&format!("не ниже {threshold:.2}")), "{text}");
    assert!(text.contains("не использовались"), "{text}");

    // Another operating point, from a catalogue folder: the text follows.
    let catalog = tempfile::tempdir().unwrap();
    let stricter = model.replace(&format!("threshold = {threshold:.3}"), "threshold = 0.930");
    assert_ne!(
        stricter, model,
        "the threshold line is where fit.rs writes it"
    );
    std::fs::write(catalog.path().join("pair_model.toml"), stricter).unwrap();
    let (_tmp2, out_dir, out) = build(
        &[&fixture("tests/basic")],
        &["--catalog", catalog.path().to_str().unwrap()],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = merging(&out_dir);
    assert!(text.contains("не ниже 0.93"), "{text}");
}
