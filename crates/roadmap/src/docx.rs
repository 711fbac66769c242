//! `roadmap.docx`: the document to edit and hand out.
//!
//! Headings use the built-in styles `Heading1`–`Heading3` (named `heading
//! 1`…, with outline levels), so Word and LibreOffice build their
//! navigation pane and the TOC field from them. The members of every idea
//! go to an appendix, where the item's number leads back to it.
//!
//! # Design
//!
//! The package is written directly, without a document library: this
//! module lays the roadmap out as paragraphs and tables, [`wml`] writes
//! them as WordprocessingML markup straight into the Deflate stream of
//! `word/document.xml`, [`parts`] holds the other, fixed parts and
//! [`zip`] the container. Nothing holds the whole document: memory is the
//! compressed package (about a sixteenth of the markup) and a 64 KiB
//! buffer; no allocation is made per table row or cell.
//!
//! It used docx-rs, which builds the whole document as a tree of structs,
//! then the whole XML as a string, then a zip of stored (not compressed)
//! entries. On the 50,000-proposal roadmap of `examples/render_bench.rs`
//! (4,500 ideas shown, 18,000 member rows) that took 1.06 s of CPU and
//! about 540 MB of memory for a 33 MB file; written here it takes about
//! 0.05 s, no measurable memory beyond the model, for a 1.4 MB file (23 MB
//! of markup). The look is the same; header rows of tables now repeat on
//! every page a table spans.
//!
//! The bytes depend on the model only: `docProps/core.xml` carries the
//! `--date` (or a constant) and every zip entry the same DOS timestamp.

mod parts;
mod wml;
mod zip;

use std::io::{self, Write};

use crate::model::{Item, Roadmap};
use crate::plural;

use wml::{Body, Font, Para};

/// The creation date written when no `--date` was given: the zip epoch,
/// so that the document says nothing about when it was built.
const EPOCH: &str = "1980-01-01T00:00:00Z";

/// A4 width less the margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 1418 - 850;

/// Small grey type: facts under an item, the kicker on the title page.
const SMALL: Font = Font {
    bold: false,
    size: Some(18),
    color: Some("55606E"),
};

const PLAIN: Font = Font {
    bold: false,
    size: None,
    color: None,
};

const BOLD: Font = Font {
    bold: true,
    size: None,
    color: None,
};

/// A bold label that must not enter the navigation pane or the TOC.
const LABEL: Font = Font {
    bold: true,
    size: Some(26),
    color: None,
};

const NORMAL: Para<'static> = Para {
    style: None,
    keep_next: false,
    page_break_before: false,
    right_tab: None,
    space_after: None,
    centered: false,
};

/// The whole package in memory.
pub fn render_docx(r: &Roadmap<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into memory fails only if a part reaches 4 GB, which the
    // reading documents' limits keep far away; the file is then empty.
    let _ = write_docx(r, None, &mut out);
    out
}

/// Writes the package to `w`, showing at most `cap` ideas per level.
pub(crate) fn write_docx(r: &Roadmap<'_>, cap: Option<usize>, w: &mut dyn Write) -> io::Result<()> {
    let stamp = r
        .date
        .as_deref()
        .and_then(iso_date)
        .map_or_else(|| EPOCH.to_string(), |d| format!("{d}T00:00:00Z"));
    let mut zip = zip::Zip::default();
    zip.add("[Content_Types].xml", parts::CONTENT_TYPES.as_bytes())?;
    zip.add("_rels/.rels", parts::PACKAGE_RELS.as_bytes())?;
    zip.add("docProps/app.xml", parts::APP.as_bytes())?;
    zip.add("docProps/core.xml", &parts::core(&r.title, &stamp))?;
    zip.add(
        "word/_rels/document.xml.rels",
        parts::DOCUMENT_RELS.as_bytes(),
    )?;
    let mut body = Body::new(zip::Part::new("word/document.xml"));
    write_body(&mut body, r, cap);
    zip.add_part(body.finish()?)?;
    zip.add("word/styles.xml", parts::STYLES.as_bytes())?;
    zip.add("word/settings.xml", parts::SETTINGS.as_bytes())?;
    zip.add("word/fontTable.xml", parts::FONT_TABLE.as_bytes())?;
    zip.add("word/footer1.xml", parts::FOOTER.as_bytes())?;
    w.write_all(&zip.finish()?)
}

fn write_body<W: Write>(doc: &mut Body<W>, r: &Roadmap<'_>, cap: Option<usize>) {
    // Title page.
    doc.para(
        NORMAL,
        SMALL,
        "Стратегические сессии федеральных округов 2017–2018",
    );
    doc.para(
        Para {
            style: Some("Title"),
            ..NORMAL
        },
        PLAIN,
        &r.title,
    );
    doc.para(NORMAL, PLAIN, &r.subtitle);
    if let Some(date) = &r.date {
        doc.para(NORMAL, PLAIN, &format!("Дата: {date}"));
    }
    let t = &r.totals;
    doc.table(&["Показатель", "Значение"], &[5000, 2000]);
    for (name, value) in [
        ("Предложений", t.proposals),
        ("Различных идей", t.ideas),
        ("Федеральных округов", t.districts),
        ("Субъектов РФ", t.regions),
        ("Прочитано записей", t.records),
        ("В карантине", t.quarantined),
    ] {
        doc.row();
        doc.cell(name);
        doc.cell_num(value);
        doc.end_row();
    }
    doc.end_table();
    if !r.sessions.is_empty() {
        label(doc, "Сессии", false);
        doc.table(
            &["Округ", "Город", "Даты", "Предложений"],
            &[4200, 1900, 1800, 1600],
        );
        for s in &r.sessions {
            doc.row();
            doc.cell(&format!("{} ({})", s.name, s.short));
            doc.cell(&s.city);
            doc.cell(&s.dates);
            doc.cell_num(s.proposals);
            doc.end_row();
        }
        doc.end_table();
    }

    // The TOC field, filled with the headings so that a reader that does not
    // update fields (LibreOffice converting to PDF) still shows it. Not
    // marked dirty, so Word opens without a question; F9 updates it.
    let mut entries: Vec<String> = vec![
        crate::changes::TITLE.to_string(),
        "Как считали".to_string(),
        "Сводка".to_string(),
    ];
    for (i, theme) in r.themes.iter().enumerate() {
        entries.push(format!("{}. {}", i + 1, theme.name));
    }
    entries.push("Приложение А. Источники предложений".to_string());
    if !r.quarantine.is_empty() {
        entries.push("Приложение Б. Карантин".to_string());
    }
    label(doc, "Содержание", true);
    toc(doc, &entries);
    let mut marks = Marks {
        count: entries.len(),
        next: 0,
    };

    // What changed since the previous build.
    marks.h1(doc, crate::changes::TITLE);
    let changes = crate::changes::view(&r.changes);
    doc.para(NORMAL, PLAIN, &changes.lead);
    for list in &changes.lists {
        h(doc, 2, &list.title());
        for (i, c) in list.shown.iter().enumerate() {
            doc.p(Para {
                keep_next: true,
                ..NORMAL
            });
            doc.run(BOLD, &format!("{}. ", i + 1));
            doc.run(PLAIN, &c.text);
            doc.end_p();
            doc.para(
                Para {
                    space_after: Some(100),
                    ..NORMAL
                },
                SMALL,
                &crate::changes::note(list.kind, c),
            );
        }
        if let Some(more) = list.more() {
            doc.para(NORMAL, PLAIN, &more);
        }
    }

    // Method.
    marks.h1(doc, "Как считали");
    for part in &r.method {
        h(doc, 2, &part.title);
        for p in &part.paragraphs {
            doc.para(NORMAL, PLAIN, p);
        }
    }

    // Summary.
    let s = &r.summary;
    marks.h1(doc, "Сводка");
    h(doc, 2, "Темы по числу предложений");
    doc.table(
        &["№", "Тема", "Предложений", "Идей", "Округов"],
        &[500, 4900, 1600, 1000, 1200],
    );
    for (i, t) in s.ranking.iter().enumerate() {
        doc.row();
        doc.cell_num(i as u64 + 1);
        doc.cell(&t.name);
        doc.cell_num(t.proposals);
        doc.cell_num(t.ideas);
        doc.cell_num(t.districts);
        doc.end_row();
    }
    doc.end_table();
    if !s.districts.is_empty() {
        h(doc, 2, "Округа и темы: число предложений");
        let column = (TEXT_WIDTH - 2800) / s.districts.len().max(1);
        let mut widths = vec![2800];
        widths.extend(std::iter::repeat_n(column, s.districts.len()));
        theme_table(doc, s, &s.districts, |t| &t.by_district, &widths);
    }
    h(doc, 2, "Уровни по темам: число идей");
    let widths = [2800, 1700, 1700, 1700, 1700];
    theme_table(doc, s, &s.levels, |t| &t.by_level, &widths);
    h(doc, 2, "Поддержка идей: число округов");
    doc.table(&["Округов", "Идей"], &[2500, 2000]);
    for (k, n) in s.support_distribution.iter().enumerate() {
        doc.row();
        if k == 0 {
            doc.cell("округ не указан");
        } else {
            doc.cell_num(k as u64);
        }
        doc.cell_num(*n);
        doc.end_row();
    }
    doc.end_table();
    h(doc, 2, "Идеи, поддержанные несколькими округами");
    if s.top_ideas.is_empty() {
        doc.para(
            NORMAL,
            PLAIN,
            "Ни одну идею не предложили больше чем в одном округе.",
        );
    } else {
        doc.table(
            &["№", "Идея", "Тема, уровень", "Округа", "Предложений"],
            &[500, 3900, 2000, 1600, 1000],
        );
        for (i, idea) in s.top_ideas.iter().enumerate() {
            doc.row();
            doc.cell_num(i as u64 + 1);
            doc.cell(&idea.text);
            doc.cell(&format!("{}, {}", idea.theme, idea.level.to_lowercase()));
            doc.cell(&idea.districts.join(", "));
            doc.cell_num(idea.proposals);
            doc.end_row();
        }
        doc.end_table();
    }

    // Themes → levels → items; members go to appendix A.
    for (i, theme) in r.themes.iter().enumerate() {
        marks.h1(doc, &format!("{}. {}", i + 1, theme.name));
        doc.para(
            NORMAL,
            SMALL,
            &format!(
                "{} {}, {} {}",
                theme.proposals,
                plural(theme.proposals, "предложение", "предложения", "предложений"),
                theme.ideas,
                plural(theme.ideas, "идея", "идеи", "идей")
            ),
        );
        for (j, level) in theme.levels.iter().enumerate() {
            h(doc, 2, &format!("{}.{}. {}", i + 1, j + 1, level.name));
            let (items, omitted) = crate::shown(level, cap);
            for (k, item) in items.iter().enumerate() {
                add_item(doc, &format!("{}.{}.{}. ", i + 1, j + 1, k + 1), item);
            }
            if let Some(omitted) = &omitted {
                doc.para(NORMAL, PLAIN, &crate::omitted_note(omitted));
            }
        }
    }

    // Appendix A: members with provenance.
    marks.h1(doc, "Приложение А. Источники предложений");
    doc.para(
        NORMAL,
        PLAIN,
        "Для каждой идеи (по её номеру в тексте) — предложения, из которых она собрана: \
         файл выгрузки, номер записи, номер в выгрузке, округ и субъект РФ.",
    );
    for (i, theme) in r.themes.iter().enumerate() {
        h(doc, 2, &format!("{}. {}", i + 1, theme.name));
        for (j, level) in theme.levels.iter().enumerate() {
            for (k, item) in crate::shown(level, cap).0.iter().enumerate() {
                h(
                    doc,
                    3,
                    &format!("{}.{}.{}. {}", i + 1, j + 1, k + 1, shorten(item.text, 90)),
                );
                doc.table(
                    &["Файл", "Запись", "Номер", "Округ", "Субъект РФ"],
                    &[2800, 900, 1300, 1100, 3400],
                );
                for m in item.members.iter() {
                    doc.row();
                    doc.cell(m.file);
                    doc.cell_num(m.record);
                    doc.cell(m.source_id.unwrap_or_default());
                    doc.cell(m.district.unwrap_or_default());
                    doc.cell(m.region.as_deref().unwrap_or_default());
                    doc.end_row();
                }
                doc.end_table();
            }
        }
    }

    // Appendix B: the quarantine.
    if !r.quarantine.is_empty() {
        marks.h1(doc, "Приложение Б. Карантин");
        doc.table(&["Файл", "Причина", "Записей"], &[3500, 4500, 1200]);
        for q in &r.quarantine {
            doc.row();
            doc.cell(&q.file);
            doc.cell(&format!("{} ({})", q.description, q.reason.code()));
            doc.cell_num(q.count);
            doc.end_row();
        }
        doc.end_table();
    }
}

/// A table of the themes (rows) against `columns`, with the counts
/// `counts` gives for each theme.
fn theme_table<W: Write>(
    doc: &mut Body<W>,
    s: &crate::Summary,
    columns: &[String],
    counts: impl Fn(&crate::ThemeRank) -> &Vec<u64>,
    widths: &[usize],
) {
    let mut header = vec!["Тема"];
    header.extend(columns.iter().map(String::as_str));
    doc.table(&header, widths);
    for t in &s.ranking {
        doc.row();
        doc.cell(&t.name);
        for &n in counts(t) {
            doc.cell_num(n);
        }
        doc.end_row();
    }
    doc.end_table();
}

/// An idea: its number and text, then its facts in small type.
fn add_item<W: Write>(doc: &mut Body<W>, number: &str, item: &Item<'_>) {
    doc.p(Para {
        keep_next: true,
        ..NORMAL
    });
    doc.run(BOLD, number);
    doc.run(PLAIN, item.text);
    doc.end_p();
    let facts = crate::item_facts(item);
    doc.para(
        Para {
            space_after: Some(100),
            ..NORMAL
        },
        SMALL,
        &facts.join(" · "),
    );
    if !item.other_themes.is_empty() {
        doc.para(
            NORMAL,
            SMALL,
            &format!("Также в темах: {}", item.other_themes.join("; ")),
        );
    }
    if !item.other_levels.is_empty() {
        doc.para(
            NORMAL,
            SMALL,
            &format!("Также уровни: {}", item.other_levels.join(", ")),
        );
    }
    if !item.raw_labels.is_empty() {
        doc.para(
            NORMAL,
            SMALL,
            &format!("Нераспознанные метки: {}", item.raw_labels.join("; ")),
        );
    }
}

/// The TOC field, its result filled in: one `TOC1` paragraph per level-1
/// heading with a PAGEREF to the heading's bookmark (see [`bookmark`]).
/// Written by hand rather than as Word's own TOC entries, whose right tab
/// must sit inside the text width for LibreOffice to show them.
fn toc<W: Write>(doc: &mut Body<W>, entries: &[String]) {
    let entry = Para {
        style: Some("TOC1"),
        right_tab: Some(TEXT_WIDTH),
        ..NORMAL
    };
    for (i, text) in entries.iter().enumerate() {
        doc.p(entry);
        if i == 0 {
            doc.field("TOC \\o \"1-2\" \\h \\z \\u", false);
        }
        doc.run(PLAIN, text);
        doc.tab();
        doc.field(&format!("PAGEREF {} \\h", bookmark(i + 1)), true);
        doc.end_p();
    }
    doc.p(NORMAL);
    doc.field_end();
    doc.end_p();
}

/// The name of the bookmark of the `n`th level-1 heading (from 1).
fn bookmark(n: usize) -> String {
    format!("_Toc{n:08}")
}

/// Hands out the TOC's bookmarks, in order, to the level-1 headings.
struct Marks {
    count: usize,
    next: usize,
}

impl Marks {
    fn h1<W: Write>(&mut self, doc: &mut Body<W>, text: &str) {
        doc.p(Para {
            style: Some("Heading1"),
            keep_next: true,
            page_break_before: true,
            ..NORMAL
        });
        if self.next < self.count {
            self.next += 1;
            doc.bookmark_start(self.next, &bookmark(self.next));
            doc.run(PLAIN, text);
            doc.bookmark_end(self.next);
        } else {
            doc.run(PLAIN, text);
        }
        doc.end_p();
    }
}

fn h<W: Write>(doc: &mut Body<W>, level: usize, text: &str) {
    let style = match level {
        1 => "Heading1",
        2 => "Heading2",
        _ => "Heading3",
    };
    doc.para(
        Para {
            style: Some(style),
            keep_next: true,
            ..NORMAL
        },
        PLAIN,
        text,
    );
}

fn label<W: Write>(doc: &mut Body<W>, text: &str, page_break_before: bool) {
    doc.para(
        Para {
            keep_next: true,
            page_break_before,
            ..NORMAL
        },
        LABEL,
        text,
    );
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}

/// `2018-03-02` (optionally followed by a time we ignore) if `date` starts
/// with an ISO date; W3CDTF needs one, any other `--date` text is only
/// printed on the title page.
pub(crate) fn iso_date(date: &str) -> Option<&str> {
    let d = date.trim().get(..10)?;
    let b = d.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    ok.then_some(d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_date_table() {
        let cases = [
            ("2018-03-02", Some("2018-03-02")),
            ("2018-03-02T10:00", Some("2018-03-02")),
            ("2 марта 2018", None),
            ("2018-3-2", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(super::iso_date(raw), want, "{raw:?}");
        }
    }
}
