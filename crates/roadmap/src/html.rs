//! `roadmap.html`: one self-contained page (inline CSS and SVG, no network,
//! readable without JavaScript), rendered by minijinja from the embedded
//! template `templates/roadmap.html` with HTML auto-escaping on, so every
//! text taken from an export is escaped by the engine.
//!
//! The charts' geometry is computed here, in Rust, and handed to the
//! template as numbers: the template only places them. The ideas with their
//! sources, most of the page, are written here too ([`items_html`]), with
//! the engine's own escaping, because the engine first copies every value
//! it is given: at 50,000 proposals the page took 90 ms through the
//! template alone, 12 ms so (`examples/render_bench.rs`), the same bytes.
//! The page streams into the writer.

use std::io::{self, Write};

use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;

use crate::model::{
    Item, MethodSection, Omitted, QuarantineRow, Roadmap, Session, Summary, Totals,
};
use crate::plural;

const TEMPLATE: &str = include_str!("../templates/roadmap.html");
const STYLE: &str = include_str!("../templates/roadmap.css");

/// Colours of the levels (federal, regional, municipal, unspecified).
const LEVEL_COLOURS: [&str; 4] = ["#1f4e8c", "#4f8fd6", "#9cc3ea", "#c9ced6"];

pub fn render_html(r: &Roadmap<'_>) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail and the embedded template renders
    // (tested).
    let _ = write_html(r, None, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Renders the page into `w` as the template produces it, showing at most
/// `cap` ideas per level.
/// The template engine every HTML page of sborka is rendered with (the
/// roadmap, and the search page of `sborka serve`): a template whose name
/// ends in `.html` escapes every value it prints, and text from an export
/// first loses the characters no HTML document may carry. One escaper, so
/// that every page escapes alike ([`push_text`] writes the same bytes for
/// the roadmap's ideas; a test compares them). Also the `plural` filter.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(text) if !value.is_safe() && text.chars().any(crate::unprintable) => {
            let text: String = text
                .chars()
                .map(|c| if crate::unprintable(c) { '\u{fffd}' } else { c })
                .collect();
            minijinja::escape_formatter(out, state, &minijinja::Value::from(text))
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    env.add_filter("plural", |n: u64, one: &str, few: &str, many: &str| {
        plural(n, one, few, many).to_string()
    });
    env
}

pub(crate) fn write_html(r: &Roadmap<'_>, cap: Option<usize>, w: &mut dyn Write) -> io::Result<()> {
    let mut env = environment();
    env.add_template("roadmap.html", TEMPLATE)
        .map_err(io::Error::other)?;
    env.add_function("omitted_note", |ideas: u64, proposals: u64| {
        crate::omitted_note(&crate::Omitted { ideas, proposals })
    });
    let ctx = Context {
        r: View::new(r, cap),
        style: STYLE,
        heat: heat_map(r),
        levels: level_split(r),
        support: support_chart(r),
    };
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    env.get_template("roadmap.html")
        .and_then(|t| t.render_captured_to(Serde(&ctx), &mut w))
        .map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}

#[derive(Serialize)]
struct Context<'a> {
    r: View<'a>,
    style: &'static str,
    heat: HeatMap,
    levels: LevelSplit,
    support: SupportChart,
}

/// The roadmap as the template sees it: the model, borrowed, with each
/// level's ideas cut to the first `cap` (see [`crate::shown`]).
#[derive(Serialize)]
struct View<'a> {
    title: &'a str,
    subtitle: &'a str,
    date: Option<&'a str>,
    sessions: &'a [Session],
    totals: &'a Totals,
    method: &'a [MethodSection],
    summary: &'a Summary,
    changes: ChangesView,
    themes: Vec<ThemeView<'a>>,
    quarantine: &'a [QuarantineRow],
}

/// «Что изменилось с прошлой сборки», as the page shows it.
#[derive(Serialize)]
struct ChangesView {
    title: &'static str,
    lead: String,
    lists: Vec<ChangeList>,
}

#[derive(Serialize)]
struct ChangeList {
    title: String,
    entries: Vec<ChangeEntry>,
    more: Option<String>,
}

#[derive(Serialize)]
struct ChangeEntry {
    text: String,
    note: String,
    /// The idea's anchor on this page, when the page shows it.
    anchor: Option<String>,
}

impl ChangesView {
    fn new(r: &Roadmap<'_>, cap: Option<usize>) -> ChangesView {
        let view = crate::changes::view(&r.changes);
        let shown: std::collections::HashSet<sborka_core::ClusterId> = r
            .themes
            .iter()
            .flat_map(|t| &t.levels)
            .flat_map(|l| crate::shown(l, cap).0)
            .map(|i| i.cluster)
            .collect();
        let lists = view
            .lists
            .iter()
            .map(|list| ChangeList {
                title: list.title(),
                entries: list
                    .shown
                    .iter()
                    .map(|c| ChangeEntry {
                        text: c.text.to_string(),
                        note: crate::changes::note(list.kind, c),
                        anchor: (!c.to.is_empty() && shown.contains(&c.cluster))
                            .then(|| c.cluster.to_string()),
                    })
                    .collect(),
                more: list.more(),
            })
            .collect();
        ChangesView {
            title: crate::changes::TITLE,
            lead: view.lead,
            lists,
        }
    }
}

#[derive(Serialize)]
struct ThemeView<'a> {
    slug: &'a str,
    name: &'a str,
    proposals: u64,
    ideas: u64,
    levels: Vec<LevelView<'a>>,
}

#[derive(Serialize)]
struct LevelView<'a> {
    slug: &'a str,
    name: &'a str,
    proposals: u64,
    /// How many ideas the page shows.
    shown: usize,
    /// Their markup (see [`items_html`]).
    items_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<Omitted>,
}

impl<'a> View<'a> {
    fn new(r: &'a Roadmap<'_>, cap: Option<usize>) -> View<'a> {
        let themes = r
            .themes
            .iter()
            .map(|t| ThemeView {
                slug: &t.slug,
                name: &t.name,
                proposals: t.proposals,
                ideas: t.ideas,
                levels: t
                    .levels
                    .iter()
                    .map(|l| {
                        let (items, omitted) = crate::shown(l, cap);
                        LevelView {
                            slug: &l.slug,
                            name: &l.name,
                            proposals: l.proposals,
                            shown: items.len(),
                            items_html: items_html(items),
                            omitted,
                        }
                    })
                    .collect(),
            })
            .collect();
        View {
            title: &r.title,
            subtitle: &r.subtitle,
            date: r.date.as_deref(),
            sessions: &r.sessions,
            totals: &r.totals,
            method: &r.method,
            summary: &r.summary,
            changes: ChangesView::new(r, cap),
            themes,
            quarantine: &r.quarantine,
        }
    }
}

/// The ideas of one level, each an `<article>` with its sources table:
/// most of the page's bytes (18,000 member rows at 50,000 proposals), so
/// written here rather than by the template engine, which would first copy
/// every member into its own values. Each text is escaped as the engine's
/// auto-escaping and formatter do ([`push_text`]; a test compares them) and
/// the markup is what the template gave, byte for byte (the snapshot).
fn items_html(items: &[Item<'_>]) -> String {
    let mut o = String::with_capacity(items.len() * 1024);
    for (k, item) in items.iter().enumerate() {
        let s = &item.support;
        o.push_str("\n<article class=\"item\" id=\"");
        // `c` and hexadecimal digits: nothing to escape.
        push_display(&mut o, &item.cluster);
        o.push_str("\">\n<p class=\"text\"><span class=\"num\">");
        push_num(&mut o, k as u64 + 1);
        o.push_str(".</span><bdi>");
        push_text(&mut o, item.text);
        o.push_str("</bdi></p>\n<p class=\"meta\">");
        for kind in &item.kinds {
            o.push_str("<span class=\"badge kind\">");
            push_text(&mut o, kind);
            o.push_str("</span>");
        }
        o.push_str("<span class=\"badge\">");
        push_count(
            &mut o,
            s.districts.len() as u64,
            ["округ", "округа", "округов"],
        );
        o.push_str("</span> ");
        push_count(
            &mut o,
            s.proposals,
            ["предложение", "предложения", "предложений"],
        );
        if !s.regions.is_empty() {
            o.push_str(" · ");
            push_count(
                &mut o,
                s.regions.len() as u64,
                ["регион", "региона", "регионов"],
            );
        }
        if s.verbatim > 0 {
            o.push_str(" · ");
            push_count(
                &mut o,
                s.verbatim,
                [
                    "дословный повтор",
                    "дословных повтора",
                    "дословных повторов",
                ],
            );
        }
        if !s.districts.is_empty() {
            o.push_str(" · ");
            push_joined(&mut o, &s.districts, ", ");
        }
        o.push_str("</p>");
        push_meta(&mut o, "Также в темах: ", &item.other_themes, "; ");
        push_meta(&mut o, "Также уровни: ", &item.other_levels, ", ");
        if !item.raw_labels.is_empty() {
            o.push_str("\n<p class=\"meta\">Нераспознанные метки: ");
            for (i, label) in item.raw_labels.iter().enumerate() {
                if i > 0 {
                    o.push_str("; ");
                }
                o.push_str("<bdi>");
                push_text(&mut o, label);
                o.push_str("</bdi>");
            }
            o.push_str("</p>");
        }
        o.push_str("\n<details><summary>Источники: ");
        push_num(&mut o, item.members.len() as u64);
        o.push_str(
            "</summary>\n<table><tr><th>Файл</th><th class=\"n\">Запись</th>\
             <th>Номер в выгрузке</th><th>Округ</th><th>Субъект РФ</th></tr>",
        );
        for m in item.members.iter() {
            o.push_str("\n<tr><td><bdi>");
            push_text(&mut o, m.file);
            o.push_str("</bdi></td><td class=\"n\">");
            push_num(&mut o, m.record);
            o.push_str("</td><td><bdi>");
            push_text(&mut o, m.source_id.unwrap_or_default());
            o.push_str("</bdi></td><td>");
            push_text(&mut o, m.district.unwrap_or_default());
            o.push_str("</td><td>");
            push_text(&mut o, m.region.as_deref().unwrap_or_default());
            o.push_str("</td></tr>");
        }
        o.push_str("\n</table></details>\n</article>");
    }
    o
}

/// `n` and the noun that agrees with it.
fn push_count(o: &mut String, n: u64, forms: [&str; 3]) {
    push_num(o, n);
    o.push(' ');
    o.push_str(plural(n, forms[0], forms[1], forms[2]));
}

fn push_num(o: &mut String, n: u64) {
    push_display(o, &n);
}

/// Appends `value` as it displays, unescaped.
fn push_display(o: &mut String, value: &dyn std::fmt::Display) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(o, "{value}");
}

/// A `meta` paragraph of `label` and `texts`, when there are any.
fn push_meta(o: &mut String, label: &str, texts: &[&str], separator: &str) {
    if !texts.is_empty() {
        o.push_str("\n<p class=\"meta\">");
        o.push_str(label);
        push_joined(o, texts, separator);
        o.push_str("</p>");
    }
}

fn push_joined(o: &mut String, texts: &[&str], separator: &str) {
    for (i, text) in texts.iter().enumerate() {
        if i > 0 {
            o.push_str(separator);
        }
        push_text(o, text);
    }
}

/// Appends `text` as the template prints a value: characters no HTML
/// document may carry become U+FFFD, then `< > & " ' /` are escaped as
/// minijinja's HTML auto-escaping writes them.
fn push_text(o: &mut String, text: &str) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '<' => "&lt;",
            '>' => "&gt;",
            '&' => "&amp;",
            '"' => "&quot;",
            '\'' => "&#x27;",
            '/' => "&#x2f;",
            c if crate::unprintable(c) => "\u{fffd}",
            _ => continue,
        };
        o.push_str(&text[start..i]);
        o.push_str(replacement);
        start = i + c.len_utf8();
    }
    o.push_str(&text[start..]);
}

/// District × theme: proposals per cell, shaded by share of the maximum.
#[derive(Serialize)]
struct HeatMap {
    width: u32,
    height: u32,
    columns: Vec<Label>,
    rows: Vec<Label>,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Label {
    x: u32,
    y: u32,
    text: String,
    title: String,
}

impl Label {
    /// A chart row's theme name, right-aligned before the row at `y`.
    fn theme_row(name: &str, y: u32) -> Label {
        Label {
            x: LABEL_W - 8,
            y: y + ROW_H / 2 + 4,
            text: shorten(name, 50),
            title: name.to_string(),
        }
    }
}

#[derive(Serialize)]
struct Cell {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    fill: String,
    ink: &'static str,
    value: u64,
    title: String,
}

const LABEL_W: u32 = 380;
const ROW_H: u32 = 22;

fn heat_map(r: &Roadmap<'_>) -> HeatMap {
    let s = &r.summary;
    let col_w = 58;
    let top = 26;
    let max = s
        .ranking
        .iter()
        .flat_map(|t| t.by_district.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let columns = s
        .districts
        .iter()
        .enumerate()
        .map(|(i, d)| Label {
            x: LABEL_W + i as u32 * col_w + col_w / 2,
            y: top - 8,
            text: d.clone(),
            title: d.clone(),
        })
        .collect();
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    for (j, theme) in s.ranking.iter().enumerate() {
        let y = top + j as u32 * ROW_H;
        rows.push(Label::theme_row(&theme.name, y));
        for (i, &value) in theme.by_district.iter().enumerate() {
            // Share of the largest cell, in thousandths, so the shade is
            // computed in integers and prints the same everywhere.
            let share = value * 1000 / max;
            cells.push(Cell {
                x: LABEL_W + i as u32 * col_w,
                y,
                w: col_w - 2,
                h: ROW_H - 2,
                fill: shade(share),
                ink: if share > 550 { "#ffffff" } else { "#1d232b" },
                value,
                title: format!(
                    "{} × {}: {value} {}",
                    s.districts[i],
                    theme.name,
                    plural(value, "предложение", "предложения", "предложений")
                ),
            });
        }
    }
    HeatMap {
        width: LABEL_W + s.districts.len() as u32 * col_w + 4,
        height: top + s.ranking.len() as u32 * ROW_H + 4,
        columns,
        rows,
        cells,
    }
}

/// From near-white (0) to dark blue (1000).
fn shade(share: u64) -> String {
    let mix = |light: u64, dark: u64| (light * (1000 - share) + dark * share) / 1000;
    if share == 0 {
        return "#f3f5f8".to_string();
    }
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(0xdc, 0x1f),
        mix(0xea, 0x4e),
        mix(0xf7, 0x8c)
    )
}

/// Ideas per level, one stacked bar per theme.
#[derive(Serialize)]
struct LevelSplit {
    width: u32,
    height: u32,
    legend: Vec<Swatch>,
    rows: Vec<Label>,
    bars: Vec<Cell>,
}

#[derive(Serialize)]
struct Swatch {
    x: u32,
    colour: &'static str,
    text: String,
}

fn level_split(r: &Roadmap<'_>) -> LevelSplit {
    let s = &r.summary;
    let bar_w: u64 = 420;
    let top = 30;
    let max = s.ranking.iter().map(|t| t.ideas).max().unwrap_or(0).max(1);
    let legend = s
        .levels
        .iter()
        .zip(LEVEL_COLOURS)
        .enumerate()
        .map(|(i, (name, colour))| Swatch {
            x: LABEL_W + i as u32 * 150,
            colour,
            text: name.clone(),
        })
        .collect();
    let mut rows = Vec::new();
    let mut bars = Vec::new();
    for (j, theme) in s.ranking.iter().enumerate() {
        let y = top + j as u32 * ROW_H;
        rows.push(Label::theme_row(&theme.name, y));
        let mut x = u64::from(LABEL_W);
        for (i, &value) in theme.by_level.iter().enumerate() {
            if value == 0 {
                continue;
            }
            let w = (value * bar_w / max).max(1);
            bars.push(Cell {
                x: x as u32,
                y,
                w: w as u32,
                h: ROW_H - 4,
                fill: LEVEL_COLOURS[i.min(LEVEL_COLOURS.len() - 1)].to_string(),
                ink: if i < 2 { "#ffffff" } else { "#1d232b" },
                value,
                title: format!(
                    "{}, {}: {value} {}",
                    theme.name,
                    s.levels.get(i).map_or("", String::as_str),
                    plural(value, "идея", "идеи", "идей")
                ),
            });
            x += w;
        }
    }
    LevelSplit {
        width: LABEL_W + 150 * s.levels.len() as u32,
        height: top + s.ranking.len() as u32 * ROW_H + 4,
        legend,
        rows,
        bars,
    }
}

/// Ideas by the number of districts that proposed them.
#[derive(Serialize)]
struct SupportChart {
    width: u32,
    height: u32,
    base: u32,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Bar {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    value: u64,
    label: String,
    title: String,
}

fn support_chart(r: &Roadmap<'_>) -> SupportChart {
    let dist = &r.summary.support_distribution;
    let plot_h: u64 = 180;
    let top = 24;
    let bar_w = 56;
    let max = dist.iter().copied().max().unwrap_or(0).max(1);
    let bars = dist
        .iter()
        .enumerate()
        .map(|(k, &value)| {
            let h = (value * plot_h).div_ceil(max) as u32;
            Bar {
                x: 40 + k as u32 * (bar_w + 12),
                y: top + plot_h as u32 - h,
                w: bar_w,
                h,
                value,
                label: if k == 0 {
                    "?".to_string()
                } else {
                    k.to_string()
                },
                title: if k == 0 {
                    format!(
                        "{value} {} без округа",
                        plural(value, "идея", "идеи", "идей")
                    )
                } else {
                    format!(
                        "{value} {} из {k} {}",
                        plural(value, "идея", "идеи", "идей"),
                        plural(k as u64, "округа", "округов", "округов")
                    )
                },
            }
        })
        .collect();
    SupportChart {
        width: 40 + dist.len() as u32 * (bar_w + 12) + 10,
        height: top + plot_h as u32 + 44,
        base: top + plot_h as u32,
        bars,
    }
}

/// At most `max` characters, with an ellipsis when cut (the full text is in
/// the element's title).
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_text_escapes_as_the_template_engine_does() {
        let mut env = super::environment();
        env.add_template("t.html", "{{ s }}").unwrap();
        for s in [
            "",
            "обычный текст",
            "<script>alert('x')</script> & \"кавычки\" / слеш",
            "a\u{0}b\u{7f}c\u{85}\u{fffe}",
            "\u{202e}наоборот\u{202c} \u{200f}שלום\u{200e}",
            "{{ 7*7 }} &amp; &lt;",
            "строка\nвторая\tтаб\r",
        ] {
            let want = env
                .get_template("t.html")
                .unwrap()
                .render(minijinja::context! { s })
                .unwrap();
            let mut got = String::new();
            super::push_text(&mut got, s);
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn shade_table() {
        let cases = [(0, "#f3f5f8"), (1000, "#1f4e8c"), (500, "#7d9cc1")];
        for (share, want) in cases {
            assert_eq!(super::shade(share), want, "{share}");
        }
    }

    #[test]
    fn shorten_table() {
        let cases = [
            ("Пожилые", 10, "Пожилые"),
            ("Социальный работник", 10, "Социальны…"),
            ("", 3, ""),
        ];
        for (text, max, want) in cases {
            assert_eq!(super::shorten(text, max), want);
        }
    }
}
