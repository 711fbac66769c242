//! `roadmap.docx`: the document to edit and hand out (docx-rs).
//!
//! Headings use the built-in styles `Heading1`–`Heading3` (named `heading
//! 1`…, with outline levels), so Word and LibreOffice build their
//! navigation pane and the TOC field from them. The members of every idea
//! go to an appendix, where the item's number leads back to it.
//!
//! The bytes depend on the model only: `docProps/core.xml` carries the
//! `--date` (or a constant) and every zip entry the same DOS timestamp
//! (see [`fix_zip_times`]), whatever the clock and the zip crate's features.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, FieldCharType, Footer, InstrPAGEREF, InstrText, LineSpacing, PageMargin,
    PageNum, Paragraph, Run, RunFonts, Shading, Style, StyleType, Tab, TabLeaderType, TabValueType,
    Table, TableCell, TableRow, WidthType,
};

use crate::model::{Item, Roadmap};
use crate::plural;

/// The creation date written when no `--date` was given: the zip epoch,
/// so that the document says nothing about when it was built.
const EPOCH: &str = "1980-01-01T00:00:00Z";

/// A4 width less the margins, in twentieths of a point.
const TEXT_WIDTH: usize = 11906 - 1418 - 850;

pub fn render_docx(r: &Roadmap) -> Vec<u8> {
    // docx-rs numbers paragraphs (`w14:paraId`) from a per-thread counter
    // that only `Docx::json` resets before use; without this a second
    // document rendered in the same thread gets other ids.
    let _ = Docx::new().json();
    let stamp = r
        .date
        .as_deref()
        .and_then(iso_date)
        .map_or_else(|| EPOCH.to_string(), |d| format!("{d}T00:00:00Z"));
    let mut doc = Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("Arial")
                .hi_ansi("Arial")
                .cs("Arial")
                .east_asia("Arial"),
        )
        .default_size(21)
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1418)
                .right(850)
                .header(567)
                .footer(567),
        )
        .add_style(heading(1, 32))
        .add_style(heading(2, 26))
        .add_style(heading(3, 23))
        .add_style(
            Style::new("TOC1", StyleType::Paragraph)
                .name("toc 1")
                .based_on("Normal")
                .next("Normal"),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .bold()
                .size(44)
                .color("1F4E8C"),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text("— "))
                    .add_page_num(PageNum::new())
                    .add_run(Run::new().add_text(" —")),
            ),
        )
        .created_at(&stamp)
        .updated_at(&stamp);

    // Title page.
    doc = doc
        .add_paragraph(small("Стратегические сессии федеральных округов 2017–2018"))
        .add_paragraph(para(&r.title).style("Title"))
        .add_paragraph(para(&r.subtitle));
    if let Some(date) = &r.date {
        doc = doc.add_paragraph(para(&format!("Дата: {date}")));
    }
    let t = &r.totals;
    doc = doc.add_table(table(
        &["Показатель", "Значение"],
        &[
            row2("Предложений", t.proposals),
            row2("Различных идей", t.ideas),
            row2("Федеральных округов", t.districts),
            row2("Субъектов РФ", t.regions),
            row2("Прочитано записей", t.records),
            row2("В карантине", t.quarantined),
        ],
        &[5000, 2000],
    ));
    if !r.sessions.is_empty() {
        doc = doc.add_paragraph(label("Сессии"));
        let rows: Vec<Vec<String>> = r
            .sessions
            .iter()
            .map(|s| {
                vec![
                    format!("{} ({})", s.name, s.short),
                    s.city.clone(),
                    s.dates.clone(),
                    s.proposals.to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &["Округ", "Город", "Даты", "Предложений"],
            &rows,
            &[4200, 1900, 1800, 1600],
        ));
    }

    // The TOC field, filled with the headings so that a reader that does not
    // update fields (LibreOffice converting to PDF) still shows it; Word
    // marks it dirty and adds page numbers on opening.
    let mut entries: Vec<(String, usize)> =
        vec![("Как считали".to_string(), 1), ("Сводка".to_string(), 1)];
    for (i, theme) in r.themes.iter().enumerate() {
        entries.push((format!("{}. {}", i + 1, theme.name), 1));
    }
    entries.push(("Приложение А. Источники предложений".to_string(), 1));
    if !r.quarantine.is_empty() {
        entries.push(("Приложение Б. Карантин".to_string(), 1));
    }
    let bookmarks: Vec<String> = (1..=entries.len()).map(|n| format!("_Toc{n:08}")).collect();
    let mut mark = Marks {
        keys: bookmarks.clone().into_iter(),
        id: 0,
    };
    doc = doc.add_paragraph(label("Содержание").page_break_before(true));
    for p in toc(&entries, &bookmarks) {
        doc = doc.add_paragraph(p);
    }

    // Method.
    doc = doc.add_paragraph(mark.h1("Как считали"));
    for part in &r.method {
        doc = doc.add_paragraph(h(2, &part.title));
        for p in &part.paragraphs {
            doc = doc.add_paragraph(para(p));
        }
    }

    // Summary.
    let s = &r.summary;
    doc = doc.add_paragraph(mark.h1("Сводка"));
    doc = doc.add_paragraph(h(2, "Темы по числу предложений"));
    let rows: Vec<Vec<String>> = s
        .ranking
        .iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                (i + 1).to_string(),
                t.name.clone(),
                t.proposals.to_string(),
                t.ideas.to_string(),
                t.districts.to_string(),
            ]
        })
        .collect();
    doc = doc.add_table(table(
        &["№", "Тема", "Предложений", "Идей", "Округов"],
        &rows,
        &[500, 4900, 1600, 1000, 1200],
    ));
    if !s.districts.is_empty() {
        doc = doc.add_paragraph(h(2, "Округа и темы: число предложений"));
        let column = (TEXT_WIDTH - 2800) / s.districts.len().max(1);
        let mut widths = vec![2800];
        widths.extend(std::iter::repeat_n(column, s.districts.len()));
        doc = doc.add_table(theme_table(s, &s.districts, |t| &t.by_district, &widths));
    }
    doc = doc.add_paragraph(h(2, "Уровни по темам: число идей"));
    let widths = [2800, 1700, 1700, 1700, 1700];
    doc = doc.add_table(theme_table(s, &s.levels, |t| &t.by_level, &widths));
    doc = doc.add_paragraph(h(2, "Поддержка идей: число округов"));
    let rows: Vec<Vec<String>> = s
        .support_distribution
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let label = if k == 0 {
                "округ не указан".to_string()
            } else {
                k.to_string()
            };
            vec![label, n.to_string()]
        })
        .collect();
    doc = doc.add_table(table(&["Округов", "Идей"], &rows, &[2500, 2000]));
    doc = doc.add_paragraph(h(2, "Идеи, поддержанные несколькими округами"));
    if s.top_ideas.is_empty() {
        doc = doc.add_paragraph(para(
            "Ни одну идею не предложили больше чем в одном округе.",
        ));
    } else {
        let rows: Vec<Vec<String>> = s
            .top_ideas
            .iter()
            .enumerate()
            .map(|(i, idea)| {
                vec![
                    (i + 1).to_string(),
                    idea.text.clone(),
                    format!("{}, {}", idea.theme, idea.level.to_lowercase()),
                    idea.districts.join(", "),
                    idea.proposals.to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &["№", "Идея", "Тема, уровень", "Округа", "Предложений"],
            &rows,
            &[500, 3900, 2000, 1600, 1000],
        ));
    }

    // Themes → levels → items; members go to appendix A.
    for (i, theme) in r.themes.iter().enumerate() {
        doc = doc.add_paragraph(mark.h1(&format!("{}. {}", i + 1, theme.name)));
        doc = doc.add_paragraph(small(&format!(
            "{} {}, {} {}",
            theme.proposals,
            plural(theme.proposals, "предложение", "предложения", "предложений"),
            theme.ideas,
            plural(theme.ideas, "идея", "идеи", "идей")
        )));
        for (j, level) in theme.levels.iter().enumerate() {
            doc = doc.add_paragraph(h(2, &format!("{}.{}. {}", i + 1, j + 1, level.name)));
            for (k, item) in level.items.iter().enumerate() {
                let number = format!("{}.{}.{}", i + 1, j + 1, k + 1);
                doc = add_item(doc, &number, item);
            }
            if let Some(omitted) = &level.omitted {
                doc = doc.add_paragraph(para(&crate::omitted_note(omitted)));
            }
        }
    }

    // Appendix A: members with provenance.
    doc = doc.add_paragraph(mark.h1("Приложение А. Источники предложений"));
    doc = doc.add_paragraph(para(
        "Для каждой идеи (по её номеру в тексте) — предложения, из которых она собрана: \
         файл выгрузки, номер записи, номер в выгрузке, округ и субъект РФ.",
    ));
    for (i, theme) in r.themes.iter().enumerate() {
        doc = doc.add_paragraph(h(2, &format!("{}. {}", i + 1, theme.name)));
        for (j, level) in theme.levels.iter().enumerate() {
            for (k, item) in level.items.iter().enumerate() {
                doc = doc.add_paragraph(h(
                    3,
                    &format!("{}.{}.{}. {}", i + 1, j + 1, k + 1, shorten(&item.text, 90)),
                ));
                let rows: Vec<Vec<String>> = item
                    .members
                    .iter()
                    .map(|m| {
                        vec![
                            m.file.clone(),
                            m.record.to_string(),
                            m.source_id.clone().unwrap_or_default(),
                            m.district.clone().unwrap_or_default(),
                            m.region.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                doc = doc.add_table(table(
                    &["Файл", "Запись", "Номер", "Округ", "Субъект РФ"],
                    &rows,
                    &[2800, 900, 1300, 1100, 3400],
                ));
            }
        }
    }

    // Appendix B: the quarantine.
    if !r.quarantine.is_empty() {
        doc = doc.add_paragraph(mark.h1("Приложение Б. Карантин"));
        let rows: Vec<Vec<String>> = r
            .quarantine
            .iter()
            .map(|q| {
                vec![
                    q.file.clone(),
                    format!("{} ({})", q.description, q.reason.code()),
                    q.count.to_string(),
                ]
            })
            .collect();
        doc = doc.add_table(table(
            &["Файл", "Причина", "Записей"],
            &rows,
            &[3500, 4500, 1200],
        ));
    }

    let mut cursor = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut cursor)
        .expect("writing a zip into memory cannot fail");
    let mut bytes = cursor.into_inner();
    fix_zip_times(&mut bytes);
    bytes
}

/// A table of the themes (rows) against `columns`, with the counts
/// `counts` gives for each theme.
fn theme_table(
    s: &crate::Summary,
    columns: &[String],
    counts: impl Fn(&crate::ThemeRank) -> &Vec<u64>,
    widths: &[usize],
) -> Table {
    let mut header = vec!["Тема"];
    header.extend(columns.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = s
        .ranking
        .iter()
        .map(|t| {
            let mut row = vec![t.name.clone()];
            row.extend(counts(t).iter().map(u64::to_string));
            row
        })
        .collect();
    table(&header, &rows, widths)
}

fn add_item(mut doc: Docx, number: &str, item: &Item) -> Docx {
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text(format!("{number}. ")).bold())
            .add_run(Run::new().add_text(clean(&item.text)))
            .keep_next(true),
    );
    let facts = crate::item_facts(item);
    doc = doc.add_paragraph(small(&facts.join(" · ")).line_spacing(LineSpacing::new().after(100)));
    if !item.other_themes.is_empty() {
        doc = doc.add_paragraph(small(&format!(
            "Также в темах: {}",
            item.other_themes.join("; ")
        )));
    }
    if !item.other_levels.is_empty() {
        doc = doc.add_paragraph(small(&format!(
            "Также уровни: {}",
            item.other_levels.join(", ")
        )));
    }
    if !item.raw_labels.is_empty() {
        doc = doc.add_paragraph(small(&format!(
            "Нераспознанные метки: {}",
            item.raw_labels.join("; ")
        )));
    }
    doc
}

/// The TOC field, its result filled in: one `TOC1` paragraph per level-1
/// heading with a PAGEREF to the heading's bookmark. Written by hand
/// because docx-rs's own TOC items put the right tab off the page and
/// LibreOffice shows the field code of the first entry. Not marked dirty,
/// so Word opens without a question; F9 updates it.
fn toc(entries: &[(String, usize)], bookmarks: &[String]) -> Vec<Paragraph> {
    let field = |run: Run, kind: FieldCharType| run.add_field_char(kind, false);
    let mut out = Vec::new();
    for (i, ((text, _), key)) in entries.iter().zip(bookmarks).enumerate() {
        let mut p = Paragraph::new().style("TOC1").add_tab(
            Tab::new()
                .val(TabValueType::Right)
                .leader(TabLeaderType::Dot)
                .pos(TEXT_WIDTH),
        );
        if i == 0 {
            let begin = field(Run::new(), FieldCharType::Begin).add_instr_text(
                InstrText::Unsupported("TOC \\o \"1-2\" \\h \\z \\u".to_string()),
            );
            p = p.add_run(field(begin, FieldCharType::Separate));
        }
        let pageref = field(Run::new(), FieldCharType::Begin)
            .add_instr_text(InstrText::PAGEREF(InstrPAGEREF::new(key).hyperlink()));
        p = p
            .add_run(Run::new().add_text(clean(text)))
            .add_run(Run::new().add_tab())
            .add_run(field(
                field(pageref, FieldCharType::Separate),
                FieldCharType::End,
            ));
        out.push(p);
    }
    out.push(Paragraph::new().add_run(Run::new().add_field_char(FieldCharType::End, false)));
    out
}

/// The bookmarks the TOC entries point at, handed out in order to the
/// level-1 headings.
struct Marks {
    keys: std::vec::IntoIter<String>,
    id: usize,
}

impl Marks {
    fn h1(&mut self, text: &str) -> Paragraph {
        let p = h(1, text).page_break_before(true);
        match self.keys.next() {
            Some(key) => {
                self.id += 1;
                p.add_bookmark_start(self.id, key).add_bookmark_end(self.id)
            }
            None => p,
        }
    }
}

fn heading(level: usize, size: usize) -> Style {
    Style::new(format!("Heading{level}"), StyleType::Paragraph)
        .name(format!("heading {level}"))
        .based_on("Normal")
        .next("Normal")
        .q_format(true)
        .outline_lvl(level - 1)
        .line_spacing(
            LineSpacing::new()
                .before(if level == 1 { 0 } else { 200 })
                .after(80),
        )
        .bold()
        .size(size)
        .color(if level == 1 { "1F4E8C" } else { "1D232B" })
}

fn h(level: usize, text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(clean(text)))
        .style(&format!("Heading{level}"))
        .keep_next(true)
}

fn para(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(clean(text)))
}

fn small(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(clean(text)).size(18).color("55606E"))
}

/// A bold label that must not enter the navigation pane or the TOC.
fn label(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(clean(text)).bold().size(26))
        .keep_next(true)
}

fn row2(name: &str, value: u64) -> Vec<String> {
    vec![name.to_string(), value.to_string()]
}

/// A bordered table with a shaded header row; widths in twentieths of a
/// point.
fn table(header: &[&str], rows: &[Vec<String>], widths: &[usize]) -> Table {
    let cell = |text: &str, w: usize, head: bool| {
        let run = Run::new().add_text(clean(text)).size(18);
        let mut c = TableCell::new()
            .add_paragraph(Paragraph::new().add_run(if head { run.bold() } else { run }))
            .width(w, WidthType::Dxa);
        if head {
            c = c.shading(Shading::new().fill("E3EBF5"));
        }
        c
    };
    let width = |i: usize| widths.get(i).copied().unwrap_or(1500);
    let mut out = vec![TableRow::new(
        header
            .iter()
            .enumerate()
            .map(|(i, h)| cell(h, width(i), true))
            .collect(),
    )];
    for row in rows {
        out.push(TableRow::new(
            row.iter()
                .enumerate()
                .map(|(i, v)| cell(v, width(i), false))
                .collect(),
        ));
    }
    Table::new(out).set_grid(widths.to_vec())
}

/// Text safe for XML 1.0: control characters (other than tab) and the
/// non-characters U+FFFE/U+FFFF cannot appear in a Word document, even
/// escaped, and would make Word ask to repair it; line breaks become spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => c,
            '\n' | '\r' => ' ',
            c if crate::unprintable(c) => '\u{fffd}',
            c => c,
        })
        .collect()
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
fn iso_date(date: &str) -> Option<&str> {
    let d = date.trim().get(..10)?;
    let b = d.as_bytes();
    let ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        _ => c.is_ascii_digit(),
    });
    ok.then_some(d)
}

/// Sets every entry's DOS modification time (local header and central
/// directory) to 1980-01-01 00:00: the zip crate stamps the wall clock
/// when its `time` feature is on, which any crate in the build can turn on.
/// An archive it cannot walk is left as it is (and the determinism test
/// would say so).
pub(crate) fn fix_zip_times(zip: &mut [u8]) {
    const DOS_TIME: [u8; 2] = [0, 0];
    const DOS_DATE: [u8; 2] = [0x21, 0]; // 1980-01-01
    let le16 = |b: &[u8], at: usize| -> Option<usize> {
        Some(usize::from(u16::from_le_bytes(
            b.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let le32 = |b: &[u8], at: usize| -> Option<usize> {
        Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    // The end of central directory record: 22 bytes, no comment.
    let Some(eocd) = zip.len().checked_sub(22) else {
        return;
    };
    if zip[eocd..eocd + 4] != [0x50, 0x4b, 0x05, 0x06] {
        return;
    }
    let (Some(count), Some(mut at)) = (le16(zip, eocd + 10), le32(zip, eocd + 16)) else {
        return;
    };
    for _ in 0..count {
        if zip.get(at..at + 4) != Some(&[0x50, 0x4b, 0x01, 0x02]) {
            return;
        }
        let (Some(name), Some(extra), Some(comment), Some(local)) = (
            le16(zip, at + 28),
            le16(zip, at + 30),
            le16(zip, at + 32),
            le32(zip, at + 42),
        ) else {
            return;
        };
        zip[at + 12..at + 14].copy_from_slice(&DOS_TIME);
        zip[at + 14..at + 16].copy_from_slice(&DOS_DATE);
        if zip.get(local..local + 4) == Some(&[0x50, 0x4b, 0x03, 0x04]) && local + 14 <= zip.len() {
            zip[local + 10..local + 12].copy_from_slice(&DOS_TIME);
            zip[local + 12..local + 14].copy_from_slice(&DOS_DATE);
        }
        at += 46 + name + extra + comment;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clean_table() {
        let cases = [
            ("обычный текст", "обычный текст"),
            ("a\u{0}b", "a\u{fffd}b"),
            ("строка\nвторая", "строка вторая"),
            ("таб\tулятор", "таб\tулятор"),
            ("\u{200f}rtl\u{200b}", "\u{200f}rtl\u{200b}"),
            ("<script>&", "<script>&"),
        ];
        for (raw, want) in cases {
            assert_eq!(super::clean(raw), want, "{raw:?}");
        }
    }

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
