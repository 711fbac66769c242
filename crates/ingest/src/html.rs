//! HTML in a cell (a petition portal's `description`: `<p>`, `<br>`,
//! `&quot;`) → plain text with its paragraphs kept. A column is read as
//! HTML when most of its cells hold markup ([`is_html_column`]): a lone
//! `<script>` typed into a plain export is kept as written (the outputs
//! escape it), a portal's every cell is cleaned. Only what is surely
//! markup is taken away: tags of HTML's own names, comments, scripts and
//! styles (code, not words: a map the portal embedded), entities of known
//! names or numbers; «доход < 10 000 & льготы» stays as written. The words
//! are never lost, only the markup around them.

use std::borrow::Cow;

/// Elements that end a line or a paragraph.
const BLOCK: [&str; 24] = [
    "address",
    "article",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "tr",
    "ul",
];

/// Elements that only style words inside a line.
const INLINE: [&str; 21] = [
    "a", "abbr", "b", "big", "cite", "code", "em", "font", "i", "img", "mark", "q", "s", "small",
    "span", "strike", "strong", "sub", "sup", "tt", "u",
];

/// Elements whose content is code, not text: taken away whole.
const CODE: [&str; 3] = ["script", "style", "noscript"];

/// Other elements whose tags are markup (their content is kept).
const OTHER: [&str; 10] = [
    "body", "center", "col", "head", "html", "main", "nav", "tbody", "tfoot", "thead",
];

/// Named entities, with what they stand for.
const ENTITIES: [(&str, &str); 30] = [
    ("amp", "&"),
    ("apos", "'"),
    ("bdquo", "„"),
    ("bull", "•"),
    ("copy", "©"),
    ("deg", "°"),
    ("euro", "€"),
    ("gt", ">"),
    ("hellip", "…"),
    ("laquo", "«"),
    ("ldquo", "“"),
    ("lsquo", "‘"),
    ("lt", "<"),
    ("mdash", "—"),
    ("middot", "·"),
    ("nbsp", "\u{a0}"),
    ("ndash", "–"),
    ("numero", "№"),
    ("ordm", "º"),
    ("plusmn", "±"),
    ("quot", "\""),
    ("raquo", "»"),
    ("rdquo", "”"),
    ("reg", "®"),
    ("rsquo", "’"),
    ("sbquo", "‚"),
    ("sect", "§"),
    ("shy", "\u{ad}"),
    ("times", "×"),
    ("trade", "™"),
];

/// The element's name of a tag's inside (`/TD class=x` → `td`), lower case.
fn tag_name(inner: &str) -> String {
    inner
        .trim_start_matches('/')
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// What a tag at the start of `s` (which starts with `<`) is, and its
/// length in bytes: None when it is not surely a tag.
fn tag(s: &str) -> Option<(Tag, usize)> {
    if let Some(rest) = s.strip_prefix("<!--") {
        return rest.find("-->").map(|end| (Tag::Inline, 4 + end + 3));
    }
    let end = s.find('>')?;
    let inner = &s[1..end];
    if inner.contains('<') || inner.len() > 512 {
        return None;
    }
    let name = tag_name(inner);
    // After the name: nothing, attributes after a space, or `/`.
    let after = &inner.trim_start_matches('/')[name.len()..];
    if !(after.is_empty() || after.starts_with([' ', '\t', '\n', '\r', '/'])) || !attributes(after)
    {
        return None;
    }
    if CODE.contains(&name.as_str()) && !inner.starts_with('/') {
        // Up to and with its closing tag; without one, it is not taken.
        let close = format!("</{name}");
        let rest = &s[end + 1..];
        let at = rest.to_ascii_lowercase().find(&close)?;
        let after = rest[at..].find('>')?;
        return Some((Tag::Block, end + 1 + at + after + 1));
    }
    let kind = if BLOCK.contains(&name.as_str()) {
        Tag::Block
    } else if INLINE.contains(&name.as_str()) || OTHER.contains(&name.as_str()) {
        Tag::Inline
    } else {
        return None;
    };
    Some((kind, end + 1))
}

/// Whether `s` is a tag's attributes: `name`, `name=value`,
/// `name="any value"`, separated by spaces, perhaps a final `/`.
/// («<b и c>» is words, not a tag.)
fn attributes(s: &str) -> bool {
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() || rest == "/" {
            return true;
        }
        let name = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
            .unwrap_or(rest.len());
        if name == 0 {
            return false;
        }
        rest = &rest[name..];
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        match value.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let Some(end) = value[1..].find(quote) else {
                    return false;
                };
                rest = &value[1 + end + 1..];
            }
            _ => {
                let end = value.find(char::is_whitespace).unwrap_or(value.len());
                if end == 0 || !value[..end].is_ascii() {
                    return false;
                }
                rest = &value[end..];
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    /// Ends a line.
    Block,
    /// Nothing in the text.
    Inline,
}

/// The character an entity at the start of `s` (which starts with `&`)
/// stands for, and the entity's length: None when it is not one.
fn entity(s: &str) -> Option<(Cow<'static, str>, usize)> {
    let end = s[1..].find(';').filter(|&n| n <= 10)? + 1;
    let body = &s[1..end];
    if let Some(number) = body.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        let c = char::from_u32(code).filter(|c| *c != '\0')?;
        return Some((Cow::Owned(c.to_string()), end + 1));
    }
    ENTITIES
        .iter()
        .find(|(name, _)| *name == body)
        .map(|(_, text)| (Cow::Borrowed(*text), end + 1))
}

/// `text` without its HTML: block tags end a line (a paragraph, a list
/// item is a line; blank lines go), inline tags and comments go, entities
/// become their characters, spaces inside a line are one. A text with no
/// tag and no entity is returned as it is.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    if !has_markup(text) {
        return Cow::Borrowed(text);
    }
    let mut flat = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['<', '&']) {
        flat.push_str(&rest[..at]);
        rest = &rest[at..];
        let found = if rest.starts_with('<') {
            tag(rest).map(|(kind, len)| {
                (
                    Cow::Borrowed(if kind == Tag::Block { "\n" } else { "" }),
                    len,
                )
            })
        } else {
            entity(rest)
        };
        match found {
            Some((with, len)) => {
                flat.push_str(&with);
                rest = &rest[len..];
            }
            None => {
                flat.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    flat.push_str(rest);
    // Lines: spaces inside one made single, blank ones dropped.
    let mut out = String::with_capacity(flat.len());
    for line in flat.lines() {
        let mut words = line.split([' ', '\t', '\u{a0}']).filter(|w| !w.is_empty());
        let Some(first) = words.next() else {
            continue;
        };
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    Cow::Owned(out)
}

/// Whether a column is HTML, from its first cells: at least half of the
/// filled ones hold a tag or an entity [`clean`] takes away. A plain
/// export where one participant typed `<b>` is not.
pub(crate) fn is_html_column<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut filled, mut markup) = (0usize, 0usize);
    for cell in cells {
        if cell.trim().is_empty() {
            continue;
        }
        filled += 1;
        markup += usize::from(has_markup(cell));
    }
    filled > 0 && markup * 2 >= filled
}

/// Whether `text` holds a tag or an entity sborka would take away.
fn has_markup(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'<', b'&', bytes).any(|at| {
        let rest = &text[at..];
        if rest.starts_with('<') {
            tag(rest).is_some()
        } else {
            entity(rest).is_some()
        }
    })
}

/// The tables of an HTML page (an «Excel» export of a web portal is often
/// one): each `<table>` as rows of cells, the cells' text cleaned
/// ([`clean`]), a cell spanning columns (`colspan`) in the first of them. Rows are numbered from 0 within their
/// table. A table inside a cell is that cell's text.
pub(crate) fn tables(text: &str) -> Vec<crate::sheet_reader::Cells> {
    let mut tables = Vec::new();
    let mut depth = 0usize;
    let mut table = crate::sheet_reader::Cells::new();
    let mut row: Option<Vec<(u32, String)>> = None;
    // Where the open cell's text starts, and how many columns it spans.
    let mut cell: Option<(usize, u32)> = None;
    let mut rows = 0u32;
    let close_cell =
        |row: &mut Option<Vec<(u32, String)>>, cell: &mut Option<(usize, u32)>, end: usize| {
            if let (Some(cells), Some((start, span))) = (row.as_mut(), cell.take()) {
                let value = clean(&text[start..end]).trim().to_string();
                // Columns taken so far, the spanned ones included; none
                // past those a workbook is read to.
                let at = cells.last().map_or(0, |(c, _)| c + 1);
                if at < crate::sheet_reader::MAX_COLUMNS {
                    cells.push((at, value));
                    let end = (at + span).min(crate::sheet_reader::MAX_COLUMNS);
                    cells.extend((at + 1..end).map(|c| (c, String::new())));
                }
            }
        };
    let mut at = 0;
    while let Some(found) = text[at..].find('<') {
        let start = at + found;
        let Some(len) = text[start..].find('>') else {
            break;
        };
        let inner = &text[start + 1..start + len];
        at = start + len + 1;
        let closing = inner.starts_with('/');
        match (tag_name(inner).as_str(), closing) {
            ("table", false) => {
                depth += 1;
            }
            ("table", true) if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    close_cell(&mut row, &mut cell, start);
                    finish_row(&mut table, &mut row, &mut rows);
                    tables.push(std::mem::take(&mut table));
                    rows = 0;
                }
            }
            _ if depth != 1 => {}
            ("tr", false) => {
                close_cell(&mut row, &mut cell, start);
                finish_row(&mut table, &mut row, &mut rows);
                row = Some(Vec::new());
            }
            ("tr", true) => {
                close_cell(&mut row, &mut cell, start);
                finish_row(&mut table, &mut row, &mut rows);
            }
            ("td" | "th", false) => {
                close_cell(&mut row, &mut cell, start);
                row.get_or_insert_with(Vec::new);
                cell = Some((at, colspan(inner)));
            }
            ("td" | "th", true) => close_cell(&mut row, &mut cell, start),
            _ => {}
        }
    }
    tables
}

/// Keeps a row that has a cell with text.
fn finish_row(
    table: &mut crate::sheet_reader::Cells,
    row: &mut Option<Vec<(u32, String)>>,
    rows: &mut u32,
) {
    if let Some(cells) = row.take() {
        let cells: Vec<(u32, String)> = cells.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        if !cells.is_empty() {
            table.insert(*rows, cells);
        }
        *rows += 1;
    }
}

/// The columns an opening `<td …>` or `<th …>` spans (1 to 64).
fn colspan(inner: &str) -> u32 {
    let lower = inner.to_ascii_lowercase();
    lower
        .find("colspan")
        .and_then(|i| {
            let digits: String = lower[i + "colspan".len()..]
                .trim_start_matches([' ', '=', '"', '\''])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .unwrap_or(1)
        .clamp(1, 64)
}

/// Whether a text is an HTML page with a table.
pub(crate) fn has_table(text: &str) -> bool {
    let head = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    head.starts_with('<')
        && text
            .as_bytes()
            .windows(b"<table".len())
            .any(|w| w.eq_ignore_ascii_case(b"<table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_of_a_page() {
        // (page, each table's rows: (row, [(column, text)]))
        type Rows = Vec<(u32, Vec<(u32, &'static str)>)>;
        let cases: [(&str, Vec<Rows>); 6] = [
            (
                "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>x &amp; y</td></tr></table>",
                vec![vec![
                    (0, vec![(0, "A"), (1, "B")]),
                    (1, vec![(0, "1"), (1, "x & y")]),
                ]],
            ),
            // Upper case, unclosed cells and rows, a line break in a cell.
            (
                "<TABLE><TR><TD>a<BR>b<TD>c<TR><TD>d</TABLE>",
                vec![vec![(0, vec![(0, "a\nb"), (1, "c")]), (1, vec![(0, "d")])]],
            ),
            // A title spanning three columns; an empty row is kept as a
            // row number, not as cells.
            (
                "<table><tr><td colspan='3'>Т</td></tr><tr></tr><tr><td>1</td><td></td><td>3</td></tr></table>",
                vec![vec![(0, vec![(0, "Т")]), (2, vec![(0, "1"), (2, "3")])]],
            ),
            // A table inside a cell is that cell's text.
            (
                "<table><tr><td><table><tr><td>in</td></tr></table></td><td>out</td></tr></table>",
                vec![vec![(0, vec![(0, "in"), (1, "out")])]],
            ),
            // Two tables; text outside them is not read.
            (
                "<p>до</p><table><tr><td>1</td></tr></table>между<table><tr><td>2</td></tr></table>",
                vec![vec![(0, vec![(0, "1")])], vec![(0, vec![(0, "2")])]],
            ),
            ("<p>Нет таблицы</p>", vec![]),
        ];
        for (page, want) in cases {
            let got: Vec<Rows> = tables(page)
                .into_iter()
                .map(|t| {
                    t.into_iter()
                        .map(|(r, cells)| {
                            let cells = cells
                                .into_iter()
                                .map(|(c, v)| (c, &*String::leak(v)))
                                .collect();
                            (r, cells)
                        })
                        .collect()
                })
                .collect();
            assert_eq!(got, want, "{page}");
        }
        assert!(has_table("\u{feff}<html><TABLE>"));
        assert!(!has_table("text;<table>"));
    }

    #[test]
    fn html_becomes_text() {
        let cases = [
            // Nothing to clean: the text as it is, not a copy.
            ("Открыть пункт проката", "Открыть пункт проката"),
            (
                "доход < 10 000 руб. & льготы",
                "доход < 10 000 руб. & льготы",
            ),
            ("a<b и c>d", "a<b и c>d"),
            ("<childs_stop=12>", "<childs_stop=12>"),
            ("R&D; AT&T", "R&D; AT&T"),
            // Tags and paragraphs.
            ("<p>Первый.</p><p>Второй.</p>", "Первый.\nВторой."),
            (
                "<div class=\"block\">\n<div class=\"paragraph-transform\">Суть</div>\n</div>",
                "Суть",
            ),
            (
                "строка<br>строка<br/>строка<BR />конец",
                "строка\nстрока\nстрока\nконец",
            ),
            ("<p>Абзац</p>\n\n\n<p>Абзац</p>", "Абзац\nАбзац"),
            ("<p style=\"x: 1\" id=a>Абзац</p>", "Абзац"),
            ("<b>Жирно</b> и <a href=\"x\">ссылка</a>", "Жирно и ссылка"),
            (
                "<strong>Практический результат:</strong> сеть",
                "Практический результат: сеть",
            ),
            ("до <!-- скрыто --> после", "до после"),
            (
                "Суть.\n<script src=\"//api-maps.yandex.ru/2.0/?lang=ru-RU&load=package.full\" type=\"text/javascript\"></script>\n<script type=\"text/javascript\">\nymaps.ready(function(){ if (a < b) {} });\n</script>\nГород: Белогорск",
                "Суть.\nГород: Белогорск",
            ),
            ("<style>p { color: red }</style>Текст", "Текст"),
            ("<script>без конца", "<script>без конца"),
            // Entities.
            ("&quot;Дети войны&quot;", "\"Дети войны\""),
            (
                "&laquo;Семья&raquo; &mdash; &#171;да&#187; &#x2116;5",
                "«Семья» — «да» №5",
            ),
            ("a&nbsp;&nbsp;b", "a b"),
            ("&amp;lt;", "&lt;"),
            ("&#0; &bogus;", "&#0; &bogus;"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw), want, "{raw:?}");
        }
        assert!(matches!(clean("без разметки"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_column_is_html_when_most_cells_are() {
        let portal = ["<p>Раз</p>", "<div>Два</div>", "Три", ""];
        assert!(is_html_column(portal));
        let plain = [
            "<script>alert(1)</script> Открыть центр",
            "Создать службу",
            "Ввести выплату",
        ];
        assert!(!is_html_column(plain));
        assert!(!is_html_column(["", " "]));
        assert!(!is_html_column(["доход < 10 000 & льготы"]));
    }

    /// Cleaning never loses a word and is idempotent.
    #[test]
    fn cleaning_keeps_every_word() {
        let raw = "<p>Предлагаю <b>ввести</b> &laquo;социальный&raquo; контракт</p><ul><li>раз</li><li>два</li></ul>";
        let once = clean(raw).into_owned();
        assert_eq!(once, "Предлагаю ввести «социальный» контракт\nраз\nдва");
        assert_eq!(clean(&once), once);
    }
}
