//! The five renderers on one small hand-made model: snapshots (insta),
//! hostile text, the DOCX package's structure and bytes, roadmap.xlsx read
//! back by calamine, and roadmap.json against schema/roadmap.schema.json.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use sborka_core::{
    Catalog, Cluster, Facet, Label, Level, Proposal, Provenance, Quarantined, Reason, RegionCode,
};
use sborka_roadmap::{
    Document, Input, RenderOptions, Roadmap, assemble, render_all, render_docx, render_html,
    render_json, render_markdown, write_document,
};

/// (record, source id, district, region, theme, level, kind, text)
type Row = (
    u64,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ROWS: [Row; 9] = [
    (
        1,
        Some("S-1"),
        "СКФО",
        "Ставропольский край",
        "Пожилые",
        "региональный",
        "предложение",
        "Создать в каждом районе службу сиделок для пожилых граждан",
    ),
    (
        2,
        None,
        "СЗФО",
        "Калининградская область",
        "Пожилые",
        "региональный",
        "инициатива",
        "создать в каждом районе службу сиделок для пожилых граждан",
    ),
    (
        3,
        Some("S-3"),
        "ЮФО",
        "Ростовская область",
        "Пожилые",
        "федеральный",
        "предложение",
        "<script>alert(1)</script> Открыть центр дневного пребывания",
    ),
    (
        4,
        None,
        "ПФО",
        "Республика Башкортостан",
        "Цифровая социальная сфера",
        "муниципальный",
        "точка роста",
        "# Заголовок | ячейка * жирный _курсив_ [x](javascript:alert(1))",
    ),
    (
        5,
        None,
        "УФО",
        "Свердловская область",
        "Цифровая социальная сфера",
        "",
        "зона риска",
        "=HYPERLINK(\"http://x\",\"y\") <img src=x onerror=alert(1)>",
    ),
    (
        6,
        Some("<em>7</em>"),
        "СФО",
        "Республика Бурятия",
        "Разное & <прочее>",
        "федеральный",
        "предложение",
        "{{ 7*7 }} </style> @SUM(1) +cmd",
    ),
    (
        7,
        None,
        "ЦФО",
        "Москва",
        "Пожилые",
        "региональный",
        "",
        "Права\u{200b} человека \u{202e}наоборот\u{202c} \u{200f}שלום\u{200e}",
    ),
    (
        8,
        None,
        "ЦФО",
        "Москва",
        "Цифровая социальная сфера",
        "региональный",
        "предложение",
        "Открыть центр дневного пребывания",
    ),
    (
        9,
        None,
        "",
        "",
        "Пожилые",
        "региональный",
        "предложение",
        "Сверхдлинноеслово\u{0}безпробеловСверхдлинноесловобезпробеловСверхдлинноесловобезпробелов",
    ),
];

/// The sample's input, built once: a model borrows from its input.
struct SampleInput {
    catalog: Catalog,
    proposals: Vec<Proposal>,
    clusters: Vec<Cluster>,
    quarantined: Vec<Quarantined>,
}

fn sample(date: Option<&str>) -> Roadmap<'static> {
    static INPUT: OnceLock<SampleInput> = OnceLock::new();
    let input = INPUT.get_or_init(sample_input);
    assemble(&Input {
        catalog: &input.catalog,
        proposals: &input.proposals,
        clusters: &input.clusters,
        quarantined: &input.quarantined,
        masked: Default::default(),
        date: date.map(str::to_string),
        merging: sborka_roadmap::Merging {
            operating_point: 0.69,
            decisions: Some(sborka_roadmap::Decisions {
                applied: 3,
                merged: 1,
                split: 1,
                stale: 1,
                conflicting: 0,
            }),
        },
    })
}

fn sample_input() -> SampleInput {
    let catalog = Catalog::embedded();
    let proposals: Vec<Proposal> = ROWS
        .iter()
        .map(
            |&(record, source_id, district, region, theme, level, kind, text)| {
                let source = Provenance {
                    file: "sample.csv".into(),
                    record,
                    line: record + 1,
                    source_id: source_id.map(str::to_string),
                    ..Default::default()
                };
                let mut p = Proposal::new(source, text);
                let raws = [district, region, theme, level, kind];
                for (facet, raw) in Facet::ALL.into_iter().zip(raws) {
                    if !raw.is_empty() {
                        p.facets.resolve(&catalog, facet, raw);
                    }
                }
                p
            },
        )
        .collect();
    // The real key comes from sborka-text; lower case is enough here.
    let keys: Vec<String> = proposals.iter().map(|p| p.text.to_lowercase()).collect();
    let clusters = sborka_dedup::cluster_exact(&keys);
    let quarantined = vec![Quarantined {
        source: Provenance {
            file: "sample.csv".into(),
            record: 10,
            line: 11,
            ..Default::default()
        },
        reason: Reason::EmptyText,
        message: "record 10 (line 11) of sample.csv: no proposal text".into(),
        raw: BTreeMap::new(),
    }];
    SampleInput {
        catalog,
        proposals,
        clusters,
        quarantined,
    }
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(render_json(&sample(Some("2018-03-02"))));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(render_markdown(&sample(Some("2018-03-02"))));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!(render_html(&sample(Some("2018-03-02"))));
}

#[test]
fn docx_outline_snapshot() {
    let parts = unzip(&render_docx(&sample(Some("2018-03-02"))));
    let document = text_of(&parts, "word/document.xml");
    let outline: Vec<String> = paragraphs(&document)
        .into_iter()
        .map(|(style, text)| format!("{style:>9} | {text}"))
        .collect();
    insta::assert_snapshot!(outline.join("\n"));
}

#[test]
fn every_document_is_the_same_bytes_for_the_same_model() {
    let first = render_all(&sample(None));
    let names: Vec<&str> = first.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "roadmap.json",
            "roadmap.md",
            "roadmap.html",
            "roadmap.docx",
            "roadmap.xlsx"
        ]
    );
    // Again in this thread, and in another one: nothing may depend on
    // per-thread state.
    let again = render_all(&sample(None));
    let other = std::thread::spawn(|| render_all(&sample(None)))
        .join()
        .unwrap();
    for ((name, bytes), ((_, b2), (_, b3))) in first.iter().zip(again.iter().zip(&other)) {
        assert!(bytes == b2, "{name} differs on a second render");
        assert!(bytes == b3, "{name} differs in another thread");
    }
}

#[test]
fn every_document_is_the_same_bytes_on_any_number_of_threads() {
    // Enough ideas for assemble and roadmap.json to work in many batches,
    // most of them in one level (more than a batch of roadmap.json).
    let catalog = Catalog::embedded();
    let districts: Vec<_> = catalog.districts().map(|(id, _)| id).collect();
    let themes: Vec<_> = catalog.themes().map(|(id, _)| id).collect();
    let regions = catalog.regions();
    let proposals: Vec<Proposal> = (0..10_000u64)
        .map(|n| {
            let source = Provenance {
                file: format!("{}.csv", n % 3).into(),
                record: n + 1,
                line: n + 2,
                ..Default::default()
            };
            // About 5,000 ideas of one to several proposals.
            let idea = (n * 7919) % 5003;
            let mut p = Proposal::new(source, format!("Идея номер {idea}"));
            let pick = |k: u64, len: usize| (idea * k + n % 3) as usize % len;
            p.facets.district = Label::Known(districts[pick(3, districts.len())]);
            p.facets.region = Label::Known(RegionCode(regions[pick(5, regions.len())].code));
            let rare = idea % 10 == 0;
            p.facets.theme = Label::Known(themes[if rare { pick(11, themes.len()) } else { 0 }]);
            p.facets.level = match (rare, n % 7) {
                (false, _) => Label::Known(Level::Federal),
                (true, 0) => Label::Unknown("какой-то".to_string()),
                (true, k) => Label::Known(Level::ALL[k as usize % 3]),
            };
            p
        })
        .collect();
    let keys: Vec<String> = proposals.iter().map(|p| p.text.to_lowercase()).collect();
    let clusters = sborka_dedup::cluster_exact(&keys);
    let render = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let r = assemble(&Input {
                catalog: &catalog,
                proposals: &proposals,
                clusters: &clusters,
                quarantined: &[],
                masked: Default::default(),
                date: None,
                merging: Default::default(),
            });
            render_all(&r)
        })
    };
    let r = assemble(&Input {
        catalog: &catalog,
        proposals: &proposals,
        clusters: &clusters,
        quarantined: &[],
        masked: Default::default(),
        date: None,
        merging: Default::default(),
    });
    let levels = r.themes.iter().flat_map(|t| &t.levels);
    let biggest = levels.map(|l| l.items.len()).max().unwrap_or(0);
    assert!(biggest > 4096, "{biggest} ideas in the largest level");
    let one = render(1);
    for threads in [2, 5] {
        for ((name, a), (_, b)) in one.iter().zip(render(threads)) {
            assert!(*a == b, "{name} differs on {threads} threads");
        }
    }
}

#[test]
fn a_cap_shows_what_for_reading_keeps() {
    let r = sample(Some("2018-03-02"));
    let write = |r: &Roadmap<'_>, document: Document, cap: Option<usize>| {
        let mut out = Vec::new();
        let options = RenderOptions {
            items_per_level: cap,
            ..Default::default()
        };
        write_document(document, r, &options, &mut out).unwrap();
        out
    };
    for cap in [1, 2] {
        let reading = r.for_reading(Some(cap));
        for name in [Document::Markdown, Document::Html, Document::Docx] {
            let capped = write(&r, name, Some(cap));
            assert!(capped == write(&reading, name, None), "{name:?}, {cap}");
            // A cap on a model that is already cut counts on from there.
            assert!(
                capped == write(&reading, name, Some(cap)),
                "{name:?}, {cap}"
            );
        }
    }
    let md = String::from_utf8(write(&r, Document::Markdown, Some(1))).unwrap();
    assert!(md.contains("… и ещё 2 идеи (2 предложения)"), "{md}");
    // roadmap.json lists every idea whatever the cap.
    assert!(write(&r, Document::Json, Some(1)) == write(&r, Document::Json, None));
}

#[test]
fn no_date_unless_given() {
    let without = sample(None);
    let with = sample(Some("2018-03-02"));
    for (name, bytes) in render_all(&without) {
        if name.ends_with(".docx") || name.ends_with(".xlsx") {
            continue;
        }
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("Дата:"), "{name} prints no date");
    }
    assert!(render_html(&with).contains("Дата: 2018-03-02"));
    assert!(render_markdown(&with).contains("Дата: 2018-03-02"));

    let core = |r: &Roadmap<'_>| text_of(&unzip(&render_docx(r)), "docProps/core.xml");
    assert!(
        core(&with).contains("2018-03-02T00:00:00Z"),
        "{}",
        core(&with)
    );
    assert!(
        core(&without).contains("1980-01-01T00:00:00Z"),
        "{}",
        core(&without)
    );
    assert!(!core(&without).contains("2018-03-02"));

    let core = |r: &Roadmap<'_>| text_of(&unzip(&xlsx(r)), "docProps/core.xml");
    assert!(
        core(&with).contains("2018-03-02T00:00:00Z"),
        "{}",
        core(&with)
    );
    assert!(
        core(&without).contains("1980-01-01T00:00:00Z"),
        "{}",
        core(&without)
    );
}

// --- Hostile text ---------------------------------------------------------

/// Texts of ROWS as they must appear, literally, in HTML after escaping.
#[test]
fn html_shows_hostile_text_as_text() {
    let html = render_html(&sample(None));
    for bad in [
        "<script>alert",
        "<img src",
        "</style> @SUM",
        "<em>",
        "<прочее>",
    ] {
        assert!(!html.contains(bad), "{bad} is escaped");
    }
    for shown in [
        "&lt;script&gt;alert(1)&lt;&#x2f;script&gt; Открыть центр дневного пребывания",
        "&lt;img src=x onerror=alert(1)&gt;",
        "{{ 7*7 }} &lt;&#x2f;style&gt; @SUM(1) +cmd",
        "=HYPERLINK(&quot;http:&#x2f;&#x2f;x&quot;,&quot;y&quot;)",
        "&lt;em&gt;7&lt;&#x2f;em&gt;",
        "тема: Разное &amp; &lt;прочее&gt;",
        "<bdi>Права\u{200b} человека \u{202e}наоборот\u{202c} \u{200f}שלום\u{200e}</bdi>",
    ] {
        assert!(html.contains(shown), "html shows {shown}");
    }
    // Only the page's own script and no event handler attribute.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(!html.contains("<img"), "no live tag");
    assert!(!html.contains('\u{0}'), "no control characters");
    assert!(html.contains("Сверхдлинноеслово\u{fffd}безпробелов"));
}

#[test]
fn markdown_text_cannot_change_structure() {
    let md = render_markdown(&sample(None));
    let headings: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
    assert!(
        headings.iter().all(|h| !h.contains("Заголовок")),
        "{headings:?}"
    );
    for shown in [
        "\\# Заголовок \\| ячейка \\* жирный \\_курсив\\_ \\[x\\](javascript:alert(1))",
        "\\<script\\>alert(1)\\</script\\>",
        "=HYPERLINK(\"http://x\",\"y\") \\<img src=x onerror=alert(1)\\>",
    ] {
        assert!(md.contains(shown), "markdown shows {shown}");
    }
    assert!(!md.contains('\u{0}'), "no control characters");
    // Every table row keeps its number of cells.
    for block in md.split("\n\n") {
        let rows: Vec<&str> = block.lines().filter(|l| l.starts_with('|')).collect();
        if let Some(first) = rows.first() {
            let cells = |l: &str| l.replace("\\|", "").matches('|').count();
            for row in &rows {
                assert_eq!(cells(row), cells(first), "{row}");
            }
        }
    }
}

#[test]
fn json_layout_changes_no_content() {
    for date in [None, Some("2018-03-02")] {
        let roadmap = sample(date);
        let written: Value = serde_json::from_str(&render_json(&roadmap)).unwrap();
        assert_eq!(written, serde_json::to_value(&roadmap).unwrap());
    }
    // One idea a line.
    let json = render_json(&sample(None));
    let ideas = json
        .lines()
        .filter(|l| l.trim_start().starts_with("{\"cluster\":"))
        .count();
    assert_eq!(ideas, 8, "{json}");
}

#[test]
fn json_keeps_text_as_written() {
    let json: Value = serde_json::from_str(&render_json(&sample(None))).unwrap();
    let texts: Vec<&str> = items(&json).map(|i| i["text"].as_str().unwrap()).collect();
    for (_, _, _, _, _, _, _, text) in ROWS {
        if text.starts_with("создать") {
            continue; // a copy of row 1: one idea
        }
        assert!(texts.contains(&text), "{text:?} in roadmap.json");
    }
}

// --- DOCX structure ---------------------------------------------------------

#[test]
fn docx_has_headings_toc_tables_page_numbers_and_russian_text() {
    let parts = unzip(&render_docx(&sample(None)));
    let names: Vec<&str> = parts.keys().map(String::as_str).collect();
    for name in [
        "[Content_Types].xml",
        "word/document.xml",
        "word/styles.xml",
        "docProps/core.xml",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let styles = text_of(&parts, "word/styles.xml");
    for level in 1..=3 {
        assert!(
            styles.contains(&format!("w:styleId=\"Heading{level}\"")),
            "Heading{level} defined"
        );
        assert!(styles.contains(&format!("<w:name w:val=\"heading {level}\"")));
        assert!(styles.contains(&format!("<w:outlineLvl w:val=\"{}\"", level - 1)));
    }
    let doc = text_of(&parts, "word/document.xml");
    let paras = paragraphs(&doc);
    let styled = |style: &str| -> Vec<&str> {
        paras
            .iter()
            .filter(|(s, _)| s == style)
            .map(|(_, t)| t.as_str())
            .collect()
    };
    let h1 = styled("Heading1");
    assert!(h1.contains(&"Как считали"), "{h1:?}");
    assert!(h1.contains(&"Сводка"));
    assert!(
        h1.contains(&"1. Думая о пожилых — мы думаем о будущем"),
        "{h1:?}"
    );
    assert!(h1.contains(&"Приложение А. Источники предложений"));
    assert!(h1.contains(&"Приложение Б. Карантин"));
    assert!(styled("Heading2").contains(&"Что значат числа поддержки"));
    assert!(!styled("Heading3").is_empty(), "members under Heading3");
    assert!(
        doc.contains("<w:instrText>TOC \\o \"1-2\" \\h \\z \\u</w:instrText>"),
        "a TOC field"
    );
    assert!(
        doc.contains("PAGEREF _Toc00000001 \\h"),
        "TOC entries point at headings"
    );
    assert!(
        doc.contains("w:name=\"_Toc00000001\""),
        "the bookmark they point at"
    );
    assert!(doc.contains("<w:tbl>"), "tables");
    assert!(doc.matches("<w:tbl>").count() >= 6);
    // Hostile text is XML text, escaped once; the NUL is gone.
    assert!(doc.contains("&lt;script&gt;alert(1)&lt;/script&gt; Открыть"));
    assert!(!doc.contains("<script"));
    assert!(!doc.contains('\u{0}'));
    let footer = parts
        .keys()
        .find(|n| n.starts_with("word/footer"))
        .expect("a footer");
    assert!(text_of(&parts, footer).contains("PAGE"), "page numbers");
}

#[test]
fn docx_parts_are_well_formed_xml() {
    for date in [None, Some("2018-03-02")] {
        let parts = unzip(&render_docx(&sample(date)));
        assert_eq!(parts.len(), 10, "{:?}", parts.keys());
        for (name, bytes) in &parts {
            let xml = std::str::from_utf8(bytes).unwrap();
            if let Err(e) = well_formed(xml) {
                panic!("{name}: {e}");
            }
        }
    }
    // The check itself catches what it should.
    for bad in [
        "<a><b></a></b>",
        "<a>x & y</a>",
        "<a>x < y</a>",
        "<a/><b/>",
        "<a x=\"1></a>",
        "<a>",
    ] {
        assert!(well_formed(bad).is_err(), "{bad}");
    }
    assert_eq!(
        well_formed("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>&amp;</a>"),
        Ok(())
    );
}

/// Enough of an XML check for parts we write ourselves: one root, tags
/// nested and closed in order, attribute values quoted, every `&` an
/// entity, no `<` in text.
fn well_formed(xml: &str) -> Result<(), String> {
    let body = match xml.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").ok_or("unclosed declaration")?.1,
        None => xml,
    };
    let mut open: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt])?;
        let gt = rest[lt..].find('>').ok_or("unclosed tag")? + lt;
        let tag = &rest[lt + 1..gt];
        if let Some(name) = tag.strip_prefix('/') {
            let top = open.pop().ok_or(format!("</{name}> closes nothing"))?;
            if top != name {
                return Err(format!("</{name}> closes <{top}>"));
            }
        } else {
            if open.is_empty() {
                roots += 1;
            }
            let empty = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
            if attrs.matches('"').count() % 2 != 0 || attrs.contains('<') {
                return Err(format!("bad attributes in <{tag}>"));
            }
            check_text(attrs)?;
            if !empty {
                open.push(name);
            }
        }
        rest = &rest[gt + 1..];
    }
    check_text(rest)?;
    match (open.last(), roots) {
        (Some(name), _) => Err(format!("<{name}> never closed")),
        (None, 1) => Ok(()),
        (None, n) => Err(format!("{n} root elements")),
    }
}

fn check_text(text: &str) -> Result<(), String> {
    if text.contains('>') {
        return Err(format!("a raw > in {text:?}"));
    }
    for (i, _) in text.match_indices('&') {
        let entity = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"];
        if !entity.iter().any(|e| text[i..].starts_with(e)) {
            return Err(format!("a raw & in {text:?}"));
        }
    }
    Ok(())
}

#[test]
fn a_large_docx_streams_through_many_buffers_intact() {
    // About 3 MB of markup: many spills into the deflate stream.
    let r = sample(None);
    let items = r.themes[0].levels[1].items.clone();
    let texts: Vec<String> = (0..400)
        .flat_map(|n| items.iter().map(move |item| format!("{n}: {}", item.text)))
        .collect();
    // The model may borrow these texts for a shorter time than its input.
    let mut r: Roadmap<'_> = r;
    let level = &mut r.themes[0].levels[1];
    for (item, text) in items.iter().cycle().zip(&texts) {
        let mut item = item.clone();
        item.text = text;
        level.items.push(item);
    }
    let bytes = render_docx(&r);
    let parts = unzip(&bytes); // inflated and CRC-checked by the zip crate
    let doc = text_of(&parts, "word/document.xml");
    assert!(doc.len() > 2_000_000, "{}", doc.len());
    assert!(bytes.len() < doc.len() / 5, "deflated: {}", bytes.len());
    assert_eq!(well_formed(&doc), Ok(()));
    assert!(doc.contains("1.2.1203. 399: "), "the last item is there");
}

#[test]
fn docx_zip_entries_carry_a_fixed_time() {
    let bytes = render_docx(&sample(None));
    for (name, (date, time)) in zip_times(&bytes) {
        assert_eq!((date, time), (0x21, 0), "{name}: 1980-01-01 00:00");
    }
}

// --- roadmap.json against its schema ----------------------------------------

/// The validator of schema/roadmap.schema.json.
fn roadmap_schema() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../../../schema/roadmap.schema.json")).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is valid")
}

#[test]
fn json_matches_its_schema() {
    let schema = roadmap_schema();
    for date in [None, Some("2018-03-02")] {
        let json: Value = serde_json::from_str(&render_json(&sample(date))).unwrap();
        assert_eq!(json["schema_version"], sborka_roadmap::SCHEMA_VERSION);
        let errors: Vec<String> = schema.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

/// What a breakage is called and how it damages a good roadmap.json.
type Breakage = (&'static str, fn(&mut Value));

#[test]
fn the_schema_check_catches_mistakes() {
    let schema = roadmap_schema();
    let good: Value = serde_json::from_str(&render_json(&sample(None))).unwrap();
    let breakages: [Breakage; 4] = [
        ("missing key", |j| {
            j.as_object_mut().unwrap().remove("totals");
        }),
        ("wrong type", |j| j["totals"]["ideas"] = Value::from("3")),
        ("extra key", |j| {
            j["themes"][0]["levels"][0]["items"][0]["extra"] = Value::Null
        }),
        ("bad enum", |j| {
            j["quarantine"][0]["reason"] = Value::from("oops")
        }),
    ];
    for (what, breakage) in breakages {
        let mut json = good.clone();
        breakage(&mut json);
        assert!(!schema.is_valid(&json), "{what} is caught");
    }
}

// --- Helpers ------------------------------------------------------------------

fn items(json: &Value) -> impl Iterator<Item = &Value> {
    json["themes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["levels"].as_array().unwrap())
        .flat_map(|l| l["items"].as_array().unwrap())
}

fn le16(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// Walks the central directory: (name, local header offset, stored size,
/// method, dos date, dos time) of every entry.
fn entries(zip: &[u8]) -> Vec<(String, usize, usize, usize, usize, usize)> {
    let eocd = zip.len() - 22;
    assert_eq!(
        &zip[eocd..eocd + 4],
        b"PK\x05\x06",
        "end of central directory"
    );
    let mut at = le32(zip, eocd + 16);
    let mut out = Vec::new();
    for _ in 0..le16(zip, eocd + 10) {
        assert_eq!(&zip[at..at + 4], b"PK\x01\x02", "central directory entry");
        let (name_len, extra, comment) =
            (le16(zip, at + 28), le16(zip, at + 30), le16(zip, at + 32));
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
        out.push((
            name,
            le32(zip, at + 42),
            le32(zip, at + 20),
            le16(zip, at + 10),
            le16(zip, at + 14),
            le16(zip, at + 12),
        ));
        at += 46 + name_len + extra + comment;
    }
    out
}

/// Every file of a zip, read with the zip crate (not our writer), after
/// checking that every entry is deflated.
fn unzip(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    for (name, _, _, method, _, _) in entries(zip) {
        assert_eq!(method, 8, "{name} is deflated");
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("an entry");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).expect("inflates, CRC matches");
        files.insert(file.name().expect("a UTF-8 name").to_string(), bytes);
    }
    files
}

/// (name, (dos date, dos time)) from both the central directory and the
/// local headers.
fn zip_times(zip: &[u8]) -> Vec<(String, (usize, usize))> {
    let mut out = Vec::new();
    for (name, local, _, _, date, time) in entries(zip) {
        out.push((format!("{name} (central)"), (date, time)));
        out.push((
            format!("{name} (local)"),
            (le16(zip, local + 12), le16(zip, local + 10)),
        ));
    }
    assert!(out.len() >= 20, "every entry checked");
    out
}

fn text_of(parts: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(parts[name].clone()).unwrap()
}

/// (style id or "-", text) of every paragraph of document.xml, table cells
/// included; enough XML reading for a test.
fn paragraphs(doc: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, _) in doc.match_indices("<w:p") {
        let chunk = &doc[at + 4..];
        if !(chunk.starts_with('>') || chunk.starts_with(' ')) {
            continue; // <w:pPr>, <w:pStyle>…
        }
        let end = chunk.find("</w:p>").unwrap_or(chunk.len());
        let p = &chunk[..end];
        let style = p
            .split("<w:pStyle w:val=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("-")
            .to_string();
        let mut text = String::new();
        for (i, _) in p.match_indices("<w:t") {
            let rest = &p[i + 4..];
            if !(rest.starts_with('>') || rest.starts_with(' ')) {
                continue; // <w:tbl>, <w:tc>, <w:tab/>…
            }
            if let Some((_, body)) = rest.split_once('>')
                && let Some((t, _)) = body.split_once("</w:t>")
            {
                text.push_str(t);
            }
        }
        if !text.is_empty() || style != "-" {
            out.push((style, text));
        }
    }
    out
}

// --- roadmap.xlsx -----------------------------------------------------------

fn xlsx(r: &Roadmap<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    write_document(Document::Xlsx, r, &RenderOptions::default(), &mut out).unwrap();
    out
}

/// Every sheet of a workbook, read by calamine (not by the writer).
fn sheets(bytes: &[u8]) -> Vec<(String, calamine::Range<calamine::Data>)> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an xlsx");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("a sheet");
            (name, range)
        })
        .collect()
}

fn cell_text(range: &calamine::Range<calamine::Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(calamine::Data::String(s)) => s.clone(),
        Some(calamine::Data::Empty) | None => String::new(),
        Some(other) => panic!("({row}, {col}) is not text: {other:?}"),
    }
}

fn cell_number(range: &calamine::Range<calamine::Data>, row: usize, col: usize) -> u64 {
    match range.get((row, col)) {
        Some(calamine::Data::Float(f)) => *f as u64,
        Some(calamine::Data::Int(i)) => *i as u64,
        other => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

#[test]
fn xlsx_lists_every_idea_as_roadmap_json_and_every_proposal() {
    let r = sample(None);
    let json: Value = serde_json::from_str(&render_json(&r)).unwrap();
    let book = sheets(&xlsx(&r));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Идеи", "Предложения", "Сводка", "Карантин"]);

    // «Идеи»: idea for idea, in the order of roadmap.json.
    let ideas = &book[0].1;
    assert_eq!(cell_text(ideas, 0, 2), "Идея");
    let items: Vec<&Value> = items(&json).collect();
    assert_eq!(ideas.height() - 1, items.len());
    for (row, item) in (1..).zip(&items) {
        assert_eq!(cell_text(ideas, row, 2), item["text"].as_str().unwrap());
        assert_eq!(cell_text(ideas, row, 13), item["cluster"].as_str().unwrap());
        let support = &item["support"];
        assert_eq!(
            cell_number(ideas, row, 3),
            support["proposals"].as_u64().unwrap()
        );
        let districts = support["districts"].as_array().unwrap();
        assert_eq!(cell_number(ideas, row, 4), districts.len() as u64);
        let names: Vec<&str> = districts.iter().map(|d| d.as_str().unwrap()).collect();
        assert_eq!(cell_text(ideas, row, 5), names.join(", "));
        let regions = support["regions"].as_array().unwrap().len() as u64;
        assert_eq!(cell_number(ideas, row, 6), regions);
        assert_eq!(
            cell_number(ideas, row, 7),
            support["verbatim"].as_u64().unwrap()
        );
    }

    // «Предложения»: one row per proposal, in input order; a text that
    // looks like a formula is a string, record and year are numbers.
    let proposals = &book[1].1;
    assert_eq!(proposals.height() - 1, ROWS.len());
    for (row, &(record, source_id, _, _, _, _, _, text)) in (1..).zip(&ROWS) {
        assert_eq!(cell_text(proposals, row, 0), format!("sample.csv#{record}"));
        assert_eq!(cell_number(proposals, row, 2), record);
        assert_eq!(cell_text(proposals, row, 3), source_id.unwrap_or_default());
        assert_eq!(cell_text(proposals, row, 10), text);
        assert!(cell_text(proposals, row, 11).starts_with('c'));
    }
    let formula = (1..proposals.height())
        .find(|&row| cell_text(proposals, row, 10).starts_with('='))
        .expect("the sample has a text starting with =");
    assert!(matches!(
        proposals.get((formula, 10)),
        Some(calamine::Data::String(_))
    ));

    // «Сводка»: a theme a row with its counts; «Карантин»: the record.
    let summary = &book[2].1;
    assert_eq!(summary.height() - 1, r.summary.ranking.len());
    for (row, t) in (1..).zip(&r.summary.ranking) {
        assert_eq!(cell_text(summary, row, 0), t.name);
        assert_eq!(cell_number(summary, row, 1), t.proposals);
        assert_eq!(cell_number(summary, row, 2), t.ideas);
    }
    let quarantine = &book[3].1;
    assert_eq!(quarantine.height(), 2);
    assert_eq!(cell_text(quarantine, 1, 0), "sample.csv");
    assert_eq!(cell_number(quarantine, 1, 1), 10);
    assert_eq!(cell_text(quarantine, 1, 4), "empty_text");
}

#[test]
fn xlsx_sheets_have_a_frozen_header_an_autofilter_and_fixed_times() {
    let r = sample(None);
    let bytes = xlsx(&r);
    let parts = unzip(&bytes);
    for sheet in 1..=4 {
        let xml = text_of(&parts, &format!("xl/worksheets/sheet{sheet}.xml"));
        assert!(
            xml.contains("<pane ySplit=\"1\""),
            "sheet {sheet}: frozen header"
        );
        assert!(
            xml.contains("<autoFilter ref=\"A1:"),
            "sheet {sheet}: autofilter"
        );
        assert!(xml.contains("<col "), "sheet {sheet}: column widths");
        assert!(!xml.contains("<f>"), "sheet {sheet}: no formula");
    }
    let styles = text_of(&parts, "xl/styles.xml");
    assert!(styles.contains("wrapText=\"1\""), "wrapped text");
    for (name, time) in zip_times(&bytes) {
        assert_eq!(time, (33, 0), "{name}: 1980-01-01 00:00");
    }
}
