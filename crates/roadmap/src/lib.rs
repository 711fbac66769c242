//! Assembles the roadmap document and renders it.
//!
//! # Overview
//!
//! [`assemble`] builds the [`Roadmap`] model once from proposals, clusters
//! and the quarantine: themes → levels → items, each item an idea with its
//! representative text, support and members. The renderers only format it:
//! [`render_json`], [`render_markdown`], [`render_html`]. Every text taken
//! from an export is escaped by the renderer that writes it.
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
//! let roadmap = assemble(&Input { catalog: &catalog, proposals: &proposals, clusters: &clusters, quarantined: &[], date: None });
//! assert!(render_markdown(&roadmap).contains("Открыть школу ухода"));
//! ```

mod docx;
mod html;
mod markdown;
mod model;

pub use docx::render_docx;
pub use html::render_html;
pub use markdown::render_markdown;
pub use model::{
    Input, Item, LevelSection, Member, MethodSection, QuarantineRow, Roadmap, SCHEMA_VERSION,
    Session, Summary, Support, TOP_IDEAS, ThemeRank, ThemeSection, TopIdea, Totals, UNKNOWN_THEME,
    UNSPECIFIED_LEVEL, assemble,
};

/// Every document of the roadmap, by file name, in a fixed order.
pub fn render_all(roadmap: &Roadmap) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("roadmap.json", render_json(roadmap).into_bytes()),
        ("roadmap.md", render_markdown(roadmap).into_bytes()),
        ("roadmap.html", render_html(roadmap).into_bytes()),
        ("roadmap.docx", render_docx(roadmap)),
    ]
}

/// `roadmap.json`: the model as pretty JSON with a final newline.
pub fn render_json(roadmap: &Roadmap) -> String {
    let mut out = serde_json::to_string_pretty(roadmap).expect("the model serializes");
    out.push('\n');
    out
}

/// An item's support and kinds as short Russian phrases, unescaped: each
/// renderer escapes them its own way.
pub(crate) fn item_facts(item: &Item) -> Vec<String> {
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
