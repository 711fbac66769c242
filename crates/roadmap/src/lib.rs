//! Assembles the roadmap document and renders it.
//!
//! # Overview
//!
//! [`assemble`] builds the [`Roadmap`] model once from proposals, clusters
//! and the quarantine: themes → levels → items, each item an idea with its
//! representative text, support and members. The renderers only format it:
//! [`render_json`], [`render_markdown`], [`render_html`], [`render_docx`].
//! Every text taken from an export is escaped by the renderer that writes
//! it.
//!
//! # Rendering at scale
//!
//! The model borrows its texts, names and members from the input (see the
//! `model` module): at a million proposals it takes 283 MB and 0.6–0.7 s
//! of CPU to build, where a model of copies took 1 GB and 4.5 s to build
//! and drop.
//!
//! [`write_document`] is what `sborka build` calls, once per [`Document`], side
//! by side. `roadmap.json` lists every idea and is streamed, one idea a
//! line, its lines made a batch at a time on rayon's threads (see the
//! `json` module): 0.57–0.69 s of CPU for 506 MB at a million proposals,
//! 0.30–0.33 s of wall time on 2 threads (1.15 s of CPU through serde_json
//! before). The reading documents show the first N ideas of each level, taken
//! from the model in place (no copy); their cost follows the ideas and
//! members shown, not the size of the corpus. The DOCX is written straight
//! into its deflated zip entry (see the `docx` module). The CPU and wall
//! time of assemble and of each document, their sizes and the memory of
//! the model, on a generated model of any size:
//! `cargo run --release -p sborka-roadmap --example render_bench -- 1000000`.
//!
//! # Example
//!
//! ```
//! use sborka_core::{Catalog, Provenance, Proposal};
//! use sborka_roadmap::{Input, assemble, render_markdown};
//!
//! let catalog = Catalog::embedded();
//! let proposals = [Proposal::new(Provenance { file: "a.csv".into(), record: 1, line: 2, ..Default::default() }, "Открыть школу ухода")];
//! let clusters = sborka_dedup::cluster_exact(&["открыть школу ухода"]);
//! let roadmap = assemble(&Input { catalog: &catalog, proposals: &proposals, clusters: &clusters, quarantined: &[], masked: Default::default(), date: None, merging: Default::default() });
//! assert!(render_markdown(&roadmap).contains("Открыть школу ухода"));
//! ```

mod changes;
mod docx;
mod html;
mod json;
mod markdown;
mod method;
mod model;
mod xlsx;

pub use changes::{
    CHANGES_SCHEMA_VERSION, CHANGES_SHOWN, Change, Changes, Counts, History, Kind as ChangeKind,
    Lists, Previous, PreviousBuild, Side, compare,
};
pub use docx::render_docx;
pub use html::{environment as html_environment, render_html};
pub use markdown::render_markdown;
pub use model::{
    Decisions, Input, Item, LevelSection, Member, Merging, MethodSection, Omitted, QuarantineRow,
    Roadmap, SCHEMA_VERSION, Session, Summary, Support, TOP_IDEAS, ThemeRank, ThemeSection,
    TopIdea, Totals, UNKNOWN_THEME, UNSPECIFIED_LEVEL, assemble,
};
pub use xlsx::XlsxOptions;

/// Every document of the roadmap, by file name, in a fixed order.
pub fn render_all(roadmap: &Roadmap<'_>) -> Vec<(&'static str, Vec<u8>)> {
    Document::ALL
        .iter()
        .map(|&document| {
            let mut bytes = Vec::new();
            write_document(document, roadmap, &RenderOptions::default(), &mut bytes)
                .expect("writing to memory cannot fail");
            (document.file_name(), bytes)
        })
        .collect()
}

/// A document of the roadmap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Document {
    /// `roadmap.json`: every idea.
    Json,
    /// `roadmap.md`
    Markdown,
    /// `roadmap.html`
    Html,
    /// `roadmap.docx`
    Docx,
    /// `roadmap.xlsx`: every idea, every proposal, the summary and the
    /// quarantine, a sheet each.
    Xlsx,
}

impl Document {
    /// Every document, in the order [`render_all`] gives them.
    pub const ALL: [Document; 5] = [
        Document::Json,
        Document::Markdown,
        Document::Html,
        Document::Docx,
        Document::Xlsx,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Document::Json => "roadmap.json",
            Document::Markdown => "roadmap.md",
            Document::Html => "roadmap.html",
            Document::Docx => "roadmap.docx",
            Document::Xlsx => "roadmap.xlsx",
        }
    }
}

/// Settings of the documents.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// Ideas shown per theme and level in HTML, DOCX and Markdown (the best
    /// supported first; the rest are counted). `None`: all. `roadmap.json`
    /// and `roadmap.xlsx` always list every idea.
    pub items_per_level: Option<usize>,
    pub xlsx: XlsxOptions,
}

/// Writes `document` to `w`, streamed. The reading documents show the
/// first [`RenderOptions::items_per_level`] ideas of each level (what
/// [`Roadmap::for_reading`] keeps), taken from the model in place.
pub fn write_document(
    document: Document,
    roadmap: &Roadmap<'_>,
    options: &RenderOptions,
    w: &mut (dyn std::io::Write + Send),
) -> std::io::Result<()> {
    let cap = options.items_per_level;
    match document {
        Document::Json => json::write_json(roadmap, w),
        Document::Markdown => w.write_all(markdown::render(roadmap, cap).as_bytes()),
        Document::Html => html::write_html(roadmap, cap, w),
        Document::Docx => docx::write_docx(roadmap, cap, w),
        Document::Xlsx => xlsx::write_xlsx(roadmap, &options.xlsx, w),
    }
}

/// What a reading document shows of `level`: its first `cap` ideas (all
/// of them without a cap), and what it leaves out, if anything.
pub(crate) fn shown<'r, 'a>(
    level: &'r LevelSection<'a>,
    cap: Option<usize>,
) -> (&'r [Item<'a>], Option<Omitted>) {
    let n = cap.map_or(level.items.len(), |c| c.min(level.items.len()));
    let (items, rest) = level.items.split_at(n);
    if rest.is_empty() {
        return (items, level.omitted);
    }
    let before = level.omitted.unwrap_or(Omitted {
        ideas: 0,
        proposals: 0,
    });
    let omitted = Omitted {
        ideas: before.ideas + rest.len() as u64,
        proposals: before.proposals + rest.iter().map(|i| i.support.proposals).sum::<u64>(),
    };
    (items, Some(omitted))
}

/// The note a reading document shows after a level's last idea when it
/// leaves ideas out.
pub(crate) fn omitted_note(o: &Omitted) -> String {
    format!(
        "… и ещё {} {} ({} {}) с меньшей поддержкой: полный список — в roadmap.json",
        o.ideas,
        plural(o.ideas, "идея", "идеи", "идей"),
        o.proposals,
        plural(o.proposals, "предложение", "предложения", "предложений")
    )
}

/// `roadmap.json`: the model as JSON, indented down to the lists of ideas
/// and one idea a line (see the `json` module), with a final newline.
pub fn render_json(roadmap: &Roadmap<'_>) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail, nor can the model's serialization.
    let _ = json::write_json(roadmap, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// An item's support and kinds as short Russian phrases, unescaped: each
/// renderer escapes them its own way.
pub(crate) fn item_facts(item: &Item<'_>) -> Vec<String> {
    let s = &item.support;
    let mut facts = vec![format!(
        "{} {}",
        s.proposals,
        plural(s.proposals, "предложение", "предложения", "предложений")
    )];
    if !s.districts.is_empty() {
        let n = s.districts.len() as u64;
        facts.push(format!(
            "{n} {}: {}",
            plural(n, "округ", "округа", "округов"),
            s.districts.join(", ")
        ));
    }
    if !s.regions.is_empty() {
        let n = s.regions.len() as u64;
        facts.push(format!(
            "{n} {}",
            plural(n, "регион", "региона", "регионов")
        ));
    }
    if s.verbatim > 0 {
        facts.push(format!(
            "{} {}",
            s.verbatim,
            plural(
                s.verbatim,
                "дословный повтор",
                "дословных повтора",
                "дословных повторов"
            )
        ));
    }
    if !item.kinds.is_empty() {
        facts.push(item.kinds.join(", "));
    }
    facts
}

/// A character no document may carry, even escaped: control characters
/// other than tab and line breaks (XML 1.0 forbids them, HTML reports them
/// as parse errors) and the non-characters U+FFFE and U+FFFF. Renderers
/// print U+FFFD instead; roadmap.json keeps the text as written.
pub(crate) fn unprintable(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && (c.is_control() || c == '\u{fffe}' || c == '\u{ffff}')
}

/// Russian plural: 1 предложение, 2 предложения, 5 предложений.
pub(crate) fn plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn plural_table() {
        let cases = [
            (1, "предложение"),
            (2, "предложения"),
            (5, "предложений"),
            (11, "предложений"),
            (12, "предложений"),
            (21, "предложение"),
            (104, "предложения"),
            (111, "предложений"),
        ];
        for (n, want) in cases {
            assert_eq!(
                super::plural(n, "предложение", "предложения", "предложений"),
                want,
                "{n}"
            );
        }
    }
}
