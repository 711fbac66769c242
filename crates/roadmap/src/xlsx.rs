//! `roadmap.xlsx`: the roadmap for a spreadsheet, written with
//! rust_xlsxwriter.
//!
//! Sheets: «Идеи» (every idea, in the order of `roadmap.json`),
//! «Предложения» (every accepted proposal in build order, continued on
//! «Предложения 2», … past Excel's 1,048,576 rows; the ideas likewise),
//! «Сводка» (themes by levels and districts) and «Карантин» (every
//! rejected record). Each sheet has its header row frozen, an autofilter,
//! set column widths and wrapped text columns; counts, record numbers and
//! years are numbers, every text is a string cell (a text starting with `=`
//! is never a formula).
//!
//! The proposals sheet's headers are spellings of `catalog/headers.toml`
//! («№», «Федеральный округ», «Субъект РФ», «Тема», «Уровень», «Вид
//! предложения», «Год», «Текст предложения»), so sborka reads it back as
//! the same proposals; the other sheets name no text column and are not
//! read as proposals.
//!
//! # Cost
//!
//! The large sheets are constant-memory worksheets: each row is written as
//! XML to a temporary file ([`XlsxOptions::temp_dir`]) when the next one
//! starts, so memory stays a row whatever the size. Every sheet is filled
//! on a rayon task of its own (their formats are registered first, in a
//! fixed order, so the bytes do not depend on which task runs first); the
//! zip container is then deflated on one thread. rust_xlsxwriter spends
//! about a microsecond of CPU per cell; the proposals sheet is 12 cells a
//! proposal and the ideas sheet 14 an idea (README, Performance, has the
//! figures at a million proposals).
//!
//! The bytes depend on the model only: the document's creation date is the
//! `--date` when it starts with `YYYY-MM-DD` (else 1980-01-01), and every
//! zip entry carries rust_xlsxwriter's fixed 1980-01-01 timestamp.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::PathBuf;

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use sborka_core::{Catalog, ClusterId, Field, Label, Proposal, Quarantined};

use crate::model::{Item, Roadmap};

/// Rows of an Excel worksheet, the header included.
const EXCEL_ROWS: u32 = 1_048_576;

/// The longest text an Excel cell holds, in UTF-16 code units.
const CELL_CHARS: usize = 32_767;

/// Settings of `roadmap.xlsx`.
#[derive(Clone, Debug)]
pub struct XlsxOptions {
    /// Where the large sheets are spooled while they are written (the
    /// system's temporary folder when `None`). `sborka build` spools into
    /// the output's staging folder, on the same disk as the output, not in
    /// a `/tmp` that may live in memory.
    pub temp_dir: Option<PathBuf>,
    /// Write the «Предложения» sheets. `sborka build
    /// --xlsx-without-proposals` turns them off: at a million proposals
    /// they are most of the spreadsheet's cost (README, Performance), and
    /// `proposals.jsonl` lists the same.
    pub proposals: bool,
    /// Zip compression level, 1 (fastest) to 9.
    pub compression: u8,
}

impl Default for XlsxOptions {
    fn default() -> XlsxOptions {
        XlsxOptions {
            temp_dir: None,
            proposals: true,
            compression: 1,
        }
    }
}

/// Writes `roadmap.xlsx` to `w`.
pub(crate) fn write_xlsx(
    r: &Roadmap<'_>,
    options: &XlsxOptions,
    w: &mut (dyn Write + Send),
) -> io::Result<()> {
    write_with_rows(r, options, EXCEL_ROWS - 1, w)
}

/// [`write_xlsx`] with at most `rows` data rows per sheet (the tests make
/// the continuation sheets with a few rows).
pub(crate) fn write_with_rows(
    r: &Roadmap<'_>,
    options: &XlsxOptions,
    rows: u32,
    w: &mut (dyn Write + Send),
) -> io::Result<()> {
    build(r, options, rows.max(1), w).map_err(|e| match e {
        XlsxError::IoError(e) => e,
        e => io::Error::other(format!("roadmap.xlsx: {e}")),
    })
}

/// A column: its header, width in characters and kind.
struct Column {
    header: &'static str,
    width: f64,
    /// Long text: wrapped, aligned to the top.
    wrap: bool,
}

const fn col(header: &'static str, width: f64, wrap: bool) -> Column {
    Column {
        header,
        width,
        wrap,
    }
}

const IDEAS: [Column; 14] = [
    col("Тема", 22.0, true),
    col("Уровень", 14.0, false),
    col("Идея", 70.0, true),
    col("Предложений", 12.0, false),
    col("Округов", 9.0, false),
    col("Округа", 18.0, true),
    col("Регионов", 9.0, false),
    col("Дословных повторов", 11.0, false),
    col("Виды", 16.0, true),
    col("Другие темы", 22.0, true),
    col("Другие уровни", 16.0, true),
    col("Нераспознанные метки", 20.0, true),
    col("Выведено, а не прочитано", 18.0, true),
    col("Код идеи", 19.0, false),
];

/// The headers sborka's reader knows (`catalog/headers.toml`) where it
/// should: the sheet reads back as the same proposals. «Адрес
/// предложения», «Файл», «Запись» and «Код идеи» are no field's spelling
/// and go to a re-read proposal's `extra`.
const PROPOSALS: [Column; 12] = [
    col("Адрес предложения", 24.0, false),
    col("Файл", 18.0, false),
    col("Запись", 8.0, false),
    col("№", 8.0, false),
    col("Федеральный округ", 10.0, false),
    col("Субъект РФ", 22.0, true),
    col("Тема", 22.0, true),
    col("Уровень", 14.0, false),
    col("Вид предложения", 14.0, false),
    col("Год", 6.0, false),
    col("Текст предложения", 70.0, true),
    col("Код идеи", 19.0, false),
];

const QUARANTINE: [Column; 8] = [
    col("Файл", 18.0, false),
    col("Запись", 8.0, false),
    col("Строка", 8.0, false),
    col("Лист", 12.0, false),
    col("Код причины", 16.0, false),
    col("Причина", 28.0, true),
    col("Сообщение", 40.0, true),
    col("Исходные поля", 60.0, true),
];

/// The formats, made once: rust_xlsxwriter numbers them in the order it
/// first sees them, so they are registered before the sheets are filled
/// side by side.
struct Formats {
    header: Format,
    wrap: Format,
    top: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_background_color(0xE8EDF3),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            top: Format::new().set_align(FormatAlign::Top),
        }
    }
}

/// The sheets of one kind of row: their names and how many rows each.
fn parts(name: &str, rows: usize, per_sheet: u32) -> Vec<(String, u32)> {
    let per = per_sheet as usize;
    let n = rows.div_ceil(per).max(1);
    (0..n)
        .map(|i| {
            let name = if i == 0 {
                name.to_string()
            } else {
                format!("{name} {}", i + 1)
            };
            let here = rows.saturating_sub(i * per).min(per);
            (name, here as u32)
        })
        .collect()
}

/// A worksheet with its header row, widths, column formats, frozen header
/// and autofilter over `rows` data rows.
fn sheet(
    workbook: &mut Workbook,
    name: &str,
    columns: &[Column],
    headers: &[Cow<'_, str>],
    rows: u32,
    formats: &Formats,
    spooled: bool,
) -> Result<(), XlsxError> {
    let ws: &mut Worksheet = if spooled {
        workbook.add_worksheet_with_constant_memory()?
    } else {
        workbook.add_worksheet()
    };
    ws.set_name(name)?;
    for (c, column) in columns.iter().enumerate() {
        let c = c as u16;
        ws.set_column_width(c, column.width)?;
        let format = if column.wrap {
            &formats.wrap
        } else {
            &formats.top
        };
        ws.set_column_format(c, format)?;
    }
    for (c, header) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, header.as_ref(), &formats.header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last = headers.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, rows, last)?;
    Ok(())
}

fn headers(columns: &[Column]) -> Vec<Cow<'static, str>> {
    columns.iter().map(|c| Cow::Borrowed(c.header)).collect()
}

/// What one sheet is filled with.
enum Fill {
    /// Ideas `from..from + rows` in the order of `roadmap.json`.
    Ideas {
        from: usize,
    },
    Proposals {
        from: usize,
    },
    Summary,
    Quarantine {
        from: usize,
    },
}

/// A row of «Идеи»: an idea with the names of its section.
struct Idea<'r, 'a> {
    theme: &'r str,
    level: &'r str,
    item: &'r Item<'a>,
}

fn build(
    r: &Roadmap<'_>,
    options: &XlsxOptions,
    per_sheet: u32,
    w: &mut (dyn Write + Send),
) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    if let Some(dir) = &options.temp_dir {
        workbook.set_tempdir(dir)?;
    }
    workbook.set_zip_compression_level(options.compression.clamp(1, 9));
    let (y, m, d) = r
        .date
        .as_deref()
        .and_then(crate::docx::iso_date)
        .and_then(|d| {
            Some((
                d.get(..4)?.parse().ok()?,
                d.get(5..7)?.parse().ok()?,
                d.get(8..10)?.parse().ok()?,
            ))
        })
        .unwrap_or((1980, 1, 1));
    let created =
        ExcelDateTime::from_ymd(y, m, d).or_else(|_| ExcelDateTime::from_ymd(1980, 1, 1))?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&r.title)
            .set_author("sborka")
            .set_creation_datetime(&created),
    );

    let formats = Formats::new();
    let ideas: Vec<Idea<'_, '_>> = r
        .themes
        .iter()
        .flat_map(|t| {
            t.levels.iter().flat_map(move |l| {
                l.items.iter().map(move |item| Idea {
                    theme: &t.name,
                    level: &l.name,
                    item,
                })
            })
        })
        .collect();
    let mut fills = Vec::new();
    for (i, (name, rows)) in parts("Идеи", ideas.len(), per_sheet)
        .into_iter()
        .enumerate()
    {
        let h = headers(&IDEAS);
        sheet(&mut workbook, &name, &IDEAS, &h, rows, &formats, true)?;
        fills.push((
            Fill::Ideas {
                from: i * per_sheet as usize,
            },
            rows,
        ));
    }
    let source = &r.source;
    if options.proposals {
        for (i, (name, rows)) in parts("Предложения", source.proposals.len(), per_sheet)
            .into_iter()
            .enumerate()
        {
            let h = headers(&PROPOSALS);
            sheet(&mut workbook, &name, &PROPOSALS, &h, rows, &formats, true)?;
            fills.push((
                Fill::Proposals {
                    from: i * per_sheet as usize,
                },
                rows,
            ));
        }
    }
    let h = summary_headers(r);
    let widths: Vec<Column> = (0..h.len())
        .map(|i| col("", if i == 0 { 34.0 } else { 11.0 }, i == 0))
        .collect();
    let themes = r.summary.ranking.len() as u32;
    sheet(
        &mut workbook,
        "Сводка",
        &widths,
        &h,
        themes,
        &formats,
        false,
    )?;
    fills.push((Fill::Summary, themes));
    for (i, (name, rows)) in parts("Карантин", source.quarantined.len(), per_sheet)
        .into_iter()
        .enumerate()
    {
        let h = headers(&QUARANTINE);
        sheet(&mut workbook, &name, &QUARANTINE, &h, rows, &formats, true)?;
        fills.push((
            Fill::Quarantine {
                from: i * per_sheet as usize,
            },
            rows,
        ));
    }

    // Each sheet on a task of its own; only cells are written here, with
    // the column formats registered above.
    let cluster_of = if options.proposals {
        cluster_of(r)
    } else {
        Vec::new()
    };
    let sheets: &mut [Worksheet] = workbook.worksheets_mut();
    let jobs: Vec<(&mut Worksheet, &(Fill, u32))> = sheets.iter_mut().zip(&fills).collect();
    let filled: Vec<Result<(), XlsxError>> = {
        use rayon::prelude::*;
        jobs.into_par_iter()
            .map(|(ws, (fill, rows))| match *fill {
                Fill::Ideas { from } => fill_ideas(ws, &ideas, from, *rows),
                Fill::Proposals { from } => fill_proposals(
                    ws,
                    source.proposals,
                    &cluster_of,
                    from,
                    *rows,
                    source.catalog,
                ),
                Fill::Summary => fill_summary(ws, r),
                Fill::Quarantine { from } => {
                    let all = source.quarantined;
                    let end = (from + *rows as usize).min(all.len());
                    fill_quarantine(ws, &all[from.min(end)..end])
                }
            })
            .collect()
    };
    filled.into_iter().collect::<Result<(), XlsxError>>()?;
    workbook.save_to_writer(w)
}

/// The cluster of every proposal, from the ideas' members.
fn cluster_of(r: &Roadmap<'_>) -> Vec<ClusterId> {
    let source = &r.source;
    let mut of = vec![ClusterId(0); source.proposals.len()];
    for cluster in source.clusters {
        for &m in &cluster.members {
            if let Some(slot) = of.get_mut(m as usize) {
                *slot = cluster.id;
            }
        }
    }
    of
}

/// A text as a cell holds it: cut to Excel's 32,767 UTF-16 units, the
/// cut marked with «…». (The reader's default limit, 20,000 characters,
/// keeps proposals under it; `--max-text-chars` can raise it.)
fn cell(text: &str) -> Cow<'_, str> {
    // A UTF-8 text has at least as many bytes as UTF-16 units.
    if text.len() <= CELL_CHARS || text.encode_utf16().count() <= CELL_CHARS {
        return Cow::Borrowed(text);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > CELL_CHARS - 1 {
            break;
        }
        end = i + c.len_utf8();
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

fn text(ws: &mut Worksheet, row: u32, col: u16, value: &str) -> Result<(), XlsxError> {
    if !value.is_empty() {
        ws.write_string(row, col, cell(value))?;
    }
    Ok(())
}

fn number(ws: &mut Worksheet, row: u32, col: u16, value: u64) -> Result<(), XlsxError> {
    ws.write_number(row, col, value as f64)?;
    Ok(())
}

fn fill_ideas(
    ws: &mut Worksheet,
    ideas: &[Idea<'_, '_>],
    from: usize,
    rows: u32,
) -> Result<(), XlsxError> {
    let end = (from + rows as usize).min(ideas.len());
    let mut joined = String::new();
    for (row, idea) in (1u32..).zip(&ideas[from.min(end)..end]) {
        let item = idea.item;
        let s = &item.support;
        text(ws, row, 0, idea.theme)?;
        text(ws, row, 1, idea.level)?;
        text(ws, row, 2, item.text)?;
        number(ws, row, 3, s.proposals)?;
        number(ws, row, 4, s.districts.len() as u64)?;
        join(&mut joined, s.districts.iter().copied(), ", ");
        text(ws, row, 5, &joined)?;
        number(ws, row, 6, s.regions.len() as u64)?;
        number(ws, row, 7, s.verbatim)?;
        join(&mut joined, item.kinds.iter().copied(), ", ");
        text(ws, row, 8, &joined)?;
        join(&mut joined, item.other_themes.iter().copied(), "; ");
        text(ws, row, 9, &joined)?;
        join(&mut joined, item.other_levels.iter().copied(), ", ");
        text(ws, row, 10, &joined)?;
        join(
            &mut joined,
            item.raw_labels.iter().map(String::as_str),
            "; ",
        );
        text(ws, row, 11, &joined)?;
        inferred(&mut joined, item);
        text(ws, row, 12, &joined)?;
        text(ws, row, 13, &item.cluster.to_string())?;
    }
    Ok(())
}

fn join<'s>(o: &mut String, parts: impl Iterator<Item = &'s str>, sep: &str) {
    o.clear();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            o.push_str(sep);
        }
        o.push_str(part);
    }
}

/// The labels sborka inferred for an idea's members rather than read, by
/// field: «округ: 2 из 3; тема: 3 из 3».
fn inferred(o: &mut String, item: &Item<'_>) {
    use std::fmt::Write as _;
    o.clear();
    let mut counts = [0u64; Field::ALL.len()];
    let mut any = false;
    for p in item.members.proposals() {
        for f in &p.inferred {
            if let Some(i) = Field::ALL.iter().position(|x| x == f) {
                counts[i] += 1;
                any = true;
            }
        }
    }
    if !any {
        return;
    }
    let total = item.members.len();
    for (field, n) in Field::ALL.iter().zip(counts) {
        if n == 0 {
            continue;
        }
        if !o.is_empty() {
            o.push_str("; ");
        }
        let _ = write!(o, "{}: {n} из {total}", field_name(*field));
    }
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Id => "номер",
        Field::District => "округ",
        Field::Region => "регион",
        Field::Theme => "тема",
        Field::Level => "уровень",
        Field::Kind => "вид",
        Field::Year => "год",
        Field::Text => "текст",
        Field::Title => "заголовок",
        Field::Personal => "личные данные",
    }
}

fn fill_proposals(
    ws: &mut Worksheet,
    proposals: &[Proposal],
    cluster_of: &[ClusterId],
    from: usize,
    rows: u32,
    c: &Catalog,
) -> Result<(), XlsxError> {
    let end = (from + rows as usize).min(proposals.len());
    let mut id = String::new();
    for (row, (i, p)) in (1u32..).zip((from..end).zip(&proposals[from.min(end)..end])) {
        use std::fmt::Write as _;
        let s = &p.source;
        id.clear();
        let _ = write!(id, "{}", sborka_core::IdOf(s));
        text(ws, row, 0, &id)?;
        text(ws, row, 1, &s.file)?;
        number(ws, row, 2, s.record)?;
        text(ws, row, 3, s.source_id.as_deref().unwrap_or_default())?;
        let f = &p.facets;
        label(ws, row, 4, &f.district, |d| {
            c.district_info(d).short.as_str().into()
        })?;
        label(ws, row, 5, &f.region, |r| crate::model::region_name(c, r))?;
        label(ws, row, 6, &f.theme, |t| {
            c.theme_info(t).name.as_str().into()
        })?;
        label(ws, row, 7, &f.level, |l| {
            c.level_info(l).name.as_str().into()
        })?;
        label(ws, row, 8, &f.kind, |k| c.kind_info(k).name.as_str().into())?;
        if let Some(year) = f.year {
            number(ws, row, 9, u64::from(year))?;
        }
        text(ws, row, 10, &p.text)?;
        if let Some(cluster) = cluster_of.get(i) {
            text(ws, row, 11, &cluster.to_string())?;
        }
    }
    Ok(())
}

/// A label as the proposals sheet writes it: the catalogue's name, the
/// spelling as read when the catalogue did not know it, nothing when the
/// export had none.
fn label<'c, T: Copy>(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    label: &Label<T>,
    name: impl Fn(T) -> Cow<'c, str>,
) -> Result<(), XlsxError> {
    match label {
        Label::Known(t) => text(ws, row, col, &name(*t)),
        Label::Unknown(raw) => text(ws, row, col, raw),
        Label::Missing => Ok(()),
    }
}

/// «Сводка»: a theme a row (as the documents rank them), its proposals,
/// ideas and districts, its ideas per level and proposals per district.
fn summary_headers(r: &Roadmap<'_>) -> Vec<Cow<'static, str>> {
    let s = &r.summary;
    let mut h: Vec<Cow<'static, str>> = ["Тема", "Предложений", "Идей", "Округов"]
        .into_iter()
        .map(Cow::Borrowed)
        .collect();
    h.extend(
        s.levels
            .iter()
            .map(|l| Cow::Owned(format!("Идей: {}", l.to_lowercase()))),
    );
    h.extend(
        s.districts
            .iter()
            .map(|d| Cow::Owned(format!("Предложений: {d}"))),
    );
    h
}

fn fill_summary(ws: &mut Worksheet, r: &Roadmap<'_>) -> Result<(), XlsxError> {
    for (row, t) in (1u32..).zip(&r.summary.ranking) {
        text(ws, row, 0, &t.name)?;
        number(ws, row, 1, t.proposals)?;
        number(ws, row, 2, t.ideas)?;
        number(ws, row, 3, t.districts)?;
        let counts = t.by_level.iter().chain(&t.by_district);
        for (c, &n) in (4u16..).zip(counts) {
            number(ws, row, c, n)?;
        }
    }
    Ok(())
}

fn fill_quarantine(ws: &mut Worksheet, quarantined: &[Quarantined]) -> Result<(), XlsxError> {
    let mut raw = String::new();
    for (row, q) in (1u32..).zip(quarantined) {
        let s = &q.source;
        text(ws, row, 0, &s.file)?;
        number(ws, row, 1, s.record)?;
        number(ws, row, 2, s.line)?;
        text(ws, row, 3, s.sheet.as_deref().unwrap_or_default())?;
        text(ws, row, 4, q.reason.code())?;
        text(ws, row, 5, q.reason.describe_ru())?;
        text(ws, row, 6, &q.message)?;
        raw.clear();
        for (i, (k, v)) in q.raw.iter().enumerate() {
            if i > 0 {
                raw.push('\n');
            }
            raw.push_str(k);
            raw.push_str(": ");
            raw.push_str(v);
        }
        text(ws, row, 7, &raw)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_hold_at_most_excel_s_length() {
        let short = "Открыть школу ухода";
        assert!(matches!(cell(short), Cow::Borrowed(_)));
        let long = "я".repeat(40_000);
        let cut = cell(&long);
        assert_eq!(cut.encode_utf16().count(), CELL_CHARS);
        assert!(cut.ends_with('…'));
        // Astral characters count two units each.
        let emoji = "😀".repeat(20_000);
        assert!(cell(&emoji).encode_utf16().count() <= CELL_CHARS);
        // Under the limit in units though over it in bytes: whole.
        let cyrillic = "ж".repeat(30_000);
        assert_eq!(cell(&cyrillic).len(), cyrillic.len());
    }

    #[test]
    fn parts_continue_past_the_last_row() {
        assert_eq!(parts("Идеи", 0, 10), vec![("Идеи".to_string(), 0)]);
        assert_eq!(parts("Идеи", 10, 10), vec![("Идеи".to_string(), 10)]);
        assert_eq!(
            parts("Предложения", 25, 10),
            vec![
                ("Предложения".to_string(), 10),
                ("Предложения 2".to_string(), 10),
                ("Предложения 3".to_string(), 5)
            ]
        );
    }
}
