//! A streaming writer of `word/document.xml`: the small part of
//! WordprocessingML the roadmap uses (paragraphs with a style and a few
//! direct properties, runs, tab stops, fields, bookmarks, bordered tables)
//! and nothing else.
//!
//! Markup goes into a buffer that is handed to the output (the deflating zip
//! part) whenever it passes [`SPILL`] bytes, after a paragraph or a table
//! row, so the document is never whole in memory. Elements are written in
//! the order the schema gives (ECMA-376 part 1, §17), properties only when
//! they differ from the style, no revision ids. An error of the output is
//! kept and returned by [`Body::finish`], so the code that lays out the
//! document reads as a list of paragraphs.

use std::io::{self, Write};

/// How much markup is gathered before it is handed to the output.
const SPILL: usize = 64 * 1024;

/// Paragraph properties.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Para<'a> {
    /// A paragraph style id (`Heading1`, `Title`, `TOC1`).
    pub style: Option<&'a str>,
    pub keep_next: bool,
    pub page_break_before: bool,
    /// A right-aligned tab stop with a dotted leader, in twentieths of a
    /// point from the left margin.
    pub right_tab: Option<usize>,
    /// Space after the paragraph, in twentieths of a point.
    pub space_after: Option<u32>,
    pub centered: bool,
}

/// Run properties.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Font {
    pub bold: bool,
    /// In half-points.
    pub size: Option<u32>,
    /// `RRGGBB`.
    pub color: Option<&'static str>,
}

/// The document body being written to `out`.
pub(super) struct Body<W: Write> {
    buf: Vec<u8>,
    out: W,
    error: Option<io::Error>,
    /// Column widths of the table being written.
    widths: Vec<usize>,
    column: usize,
}

impl<W: Write> Body<W> {
    pub(super) fn new(out: W) -> Body<W> {
        let mut buf = Vec::with_capacity(SPILL + 4096);
        buf.extend_from_slice(DOCUMENT_START.as_bytes());
        Body {
            buf,
            out,
            error: None,
            widths: Vec::new(),
            column: 0,
        }
    }

    fn raw(&mut self, markup: &str) {
        self.buf.extend_from_slice(markup.as_bytes());
    }

    fn num(&mut self, n: u64) {
        self.raw(Num::new(n).as_str());
    }

    /// Hands the buffer to the output once it is large enough.
    fn spill(&mut self) {
        if self.buf.len() >= SPILL {
            if self.error.is_none()
                && let Err(e) = self.out.write_all(&self.buf)
            {
                self.error = Some(e);
            }
            self.buf.clear();
        }
    }

    /// Opens a paragraph; runs follow, then [`Body::end_p`].
    pub(super) fn p(&mut self, para: Para<'_>) {
        let Para {
            style,
            keep_next,
            page_break_before,
            right_tab,
            space_after,
            centered,
        } = para;
        let any = style.is_some()
            || keep_next
            || page_break_before
            || right_tab.is_some()
            || space_after.is_some()
            || centered;
        if !any {
            self.raw("<w:p>");
            return;
        }
        self.raw("<w:p><w:pPr>");
        if let Some(style) = style {
            self.raw("<w:pStyle w:val=\"");
            self.raw(style);
            self.raw("\"/>");
        }
        if keep_next {
            self.raw("<w:keepNext/>");
        }
        if page_break_before {
            self.raw("<w:pageBreakBefore/>");
        }
        if let Some(pos) = right_tab {
            self.raw("<w:tabs><w:tab w:val=\"right\" w:leader=\"dot\" w:pos=\"");
            self.num(pos as u64);
            self.raw("\"/></w:tabs>");
        }
        if let Some(after) = space_after {
            self.raw("<w:spacing w:after=\"");
            self.num(u64::from(after));
            self.raw("\"/>");
        }
        if centered {
            self.raw("<w:jc w:val=\"center\"/>");
        }
        self.raw("</w:pPr>");
    }

    pub(super) fn end_p(&mut self) {
        self.raw("</w:p>");
        self.spill();
    }

    /// A run of text, cleaned and escaped.
    pub(super) fn run(&mut self, font: Font, text: &str) {
        self.raw("<w:r>");
        self.rpr(font);
        if needs_preserve(text) {
            self.raw("<w:t xml:space=\"preserve\">");
        } else {
            self.raw("<w:t>");
        }
        escape_into(&mut self.buf, text);
        self.raw("</w:t></w:r>");
    }

    fn rpr(&mut self, font: Font) {
        let Font { bold, size, color } = font;
        if !bold && size.is_none() && color.is_none() {
            return;
        }
        self.raw("<w:rPr>");
        if bold {
            self.raw("<w:b/><w:bCs/>");
        }
        if let Some(color) = color {
            self.raw("<w:color w:val=\"");
            self.raw(color);
            self.raw("\"/>");
        }
        if let Some(size) = size {
            let size = Num::new(u64::from(size));
            self.raw("<w:sz w:val=\"");
            self.raw(size.as_str());
            self.raw("\"/><w:szCs w:val=\"");
            self.raw(size.as_str());
            self.raw("\"/>");
        }
        self.raw("</w:rPr>");
    }

    /// A paragraph of one run.
    pub(super) fn para(&mut self, para: Para<'_>, font: Font, text: &str) {
        self.p(para);
        self.run(font, text);
        self.end_p();
    }

    /// A tab character.
    pub(super) fn tab(&mut self) {
        self.raw("<w:r><w:tab/></w:r>");
    }

    /// The start of a complex field with instruction `instr` (our own
    /// constant text, written as is) up to its result; the result runs and
    /// [`Body::field_end`] follow, unless `empty_result` closes it at once.
    pub(super) fn field(&mut self, instr: &str, empty_result: bool) {
        self.raw("<w:r><w:fldChar w:fldCharType=\"begin\"/><w:instrText>");
        self.raw(instr);
        self.raw("</w:instrText><w:fldChar w:fldCharType=\"separate\"/>");
        if empty_result {
            self.raw("<w:fldChar w:fldCharType=\"end\"/>");
        }
        self.raw("</w:r>");
    }

    pub(super) fn field_end(&mut self) {
        self.raw("<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>");
    }

    pub(super) fn bookmark_start(&mut self, id: usize, name: &str) {
        self.raw("<w:bookmarkStart w:id=\"");
        self.num(id as u64);
        self.raw("\" w:name=\"");
        self.raw(name);
        self.raw("\"/>");
    }

    pub(super) fn bookmark_end(&mut self, id: usize) {
        self.raw("<w:bookmarkEnd w:id=\"");
        self.num(id as u64);
        self.raw("\"/>");
    }

    /// Opens a bordered table (the `TableGrid` style) with columns of
    /// `widths` (twentieths of a point) and writes its header row: bold on
    /// a shaded background, repeated on every page the table spans. Rows
    /// of cells follow, then [`Body::end_table`].
    pub(super) fn table(&mut self, header: &[&str], widths: &[usize]) {
        self.widths.clear();
        self.widths.extend_from_slice(widths);
        self.raw(
            "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"0\" w:type=\"auto\"/>\
             </w:tblPr><w:tblGrid>",
        );
        for i in 0..header.len() {
            self.raw("<w:gridCol w:w=\"");
            let w = self.width(i);
            self.num(w as u64);
            self.raw("\"/>");
        }
        self.raw("</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>");
        for (i, text) in header.iter().enumerate() {
            self.cell_start(i, true);
            self.run(HEAD, text);
            self.raw("</w:p></w:tc>");
        }
        self.raw("</w:tr>");
        self.spill();
    }

    fn width(&self, column: usize) -> usize {
        self.widths.get(column).copied().unwrap_or(1500)
    }

    fn cell_start(&mut self, column: usize, shaded: bool) {
        self.raw("<w:tc><w:tcPr><w:tcW w:w=\"");
        self.num(self.width(column) as u64);
        self.raw("\" w:type=\"dxa\"/>");
        if shaded {
            self.raw("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E3EBF5\"/>");
        }
        self.raw("</w:tcPr><w:p>");
    }

    pub(super) fn row(&mut self) {
        self.raw("<w:tr>");
        self.column = 0;
    }

    /// A cell of the current row, in small type; an empty text leaves the
    /// cell's paragraph empty.
    pub(super) fn cell(&mut self, text: &str) {
        self.cell_start(self.column, false);
        if !text.is_empty() {
            self.run(CELL, text);
        }
        self.raw("</w:p></w:tc>");
        self.column += 1;
    }

    pub(super) fn cell_num(&mut self, n: u64) {
        self.cell(Num::new(n).as_str());
    }

    pub(super) fn end_row(&mut self) {
        self.raw("</w:tr>");
        self.spill();
    }

    pub(super) fn end_table(&mut self) {
        self.raw("</w:tbl>");
        self.spill();
    }

    /// Closes the body with the section properties (A4, margins, the
    /// footer) and hands the rest to the output.
    pub(super) fn finish(mut self) -> io::Result<W> {
        self.raw(DOCUMENT_END);
        if let Some(e) = self.error {
            return Err(e);
        }
        self.out.write_all(&self.buf)?;
        Ok(self.out)
    }
}

/// Table cells: 9 pt.
const CELL: Font = Font {
    bold: false,
    size: Some(18),
    color: None,
};

/// Header cells: 9 pt bold.
const HEAD: Font = Font {
    bold: true,
    size: Some(18),
    color: None,
};

const DOCUMENT_START: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    "\n",
    r#"<w:document xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" "#,
    r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
);

/// A4 portrait, margins 2.5 cm left, 1.5 cm right, 2 cm top and bottom;
/// the page number footer.
const DOCUMENT_END: &str = concat!(
    r#"<w:sectPr><w:footerReference w:type="default" r:id="rIdFooter1"/>"#,
    r#"<w:pgSz w:w="11906" w:h="16838"/>"#,
    r#"<w:pgMar w:top="1134" w:right="850" w:bottom="1134" w:left="1418" w:header="567" w:footer="567" w:gutter="0"/>"#,
    r#"<w:cols w:space="425"/></w:sectPr></w:body></w:document>"#,
);

/// Whether Word must be told to keep the text's spaces as they are:
/// leading or trailing white space, runs of spaces, tabs.
fn needs_preserve(text: &str) -> bool {
    let b = text.as_bytes();
    let space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    b.first().is_some_and(space)
        || b.last().is_some_and(space)
        || b.windows(2).any(|w| space(&w[0]) && space(&w[1]))
        || b.contains(&b'\t')
}

/// Appends `text` as XML character data: `& < > " '` escaped, line breaks
/// as spaces, and the characters no Word document may carry, even escaped
/// (control characters other than tab, U+FFFE, U+FFFF), as U+FFFD.
pub(super) fn escape_into(out: &mut Vec<u8>, text: &str) {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\'' => "&apos;",
            '\n' | '\r' => " ",
            '\t' => continue,
            c if crate::unprintable(c) => "\u{fffd}",
            _ => continue,
        };
        out.extend_from_slice(&text.as_bytes()[start..i]);
        out.extend_from_slice(replacement.as_bytes());
        start = i + c.len_utf8();
    }
    out.extend_from_slice(&text.as_bytes()[start..]);
}

/// A number in decimal, without allocating.
pub(super) struct Num {
    digits: [u8; 20],
    start: usize,
}

impl Num {
    pub(super) fn new(mut n: u64) -> Num {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Num { digits, start }
    }

    pub(super) fn as_str(&self) -> &str {
        // Only ASCII digits were written.
        std::str::from_utf8(&self.digits[self.start..]).unwrap_or("0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        escape_into(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escape_table() {
        let cases = [
            ("обычный текст", "обычный текст"),
            ("a\u{0}b", "a\u{fffd}b"),
            ("строка\nвторая\r", "строка вторая "),
            ("таб\tулятор", "таб\tулятор"),
            ("\u{200f}rtl\u{200b}", "\u{200f}rtl\u{200b}"),
            ("\u{fffe}\u{ffff}\u{85}", "\u{fffd}\u{fffd}\u{fffd}"),
            ("<script>&\"'", "&lt;script&gt;&amp;&quot;&apos;"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(escaped(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn preserve_table() {
        let cases = [
            ("слово", false),
            ("два слова", false),
            ("1.1.1. ", true),
            (" —", true),
            ("два  пробела", true),
            ("таб\tулятор", true),
            ("", false),
        ];
        for (text, want) in cases {
            assert_eq!(needs_preserve(text), want, "{text:?}");
        }
    }

    #[test]
    fn numbers() {
        for n in [0, 7, 10, 1234567890, u64::MAX] {
            assert_eq!(Num::new(n).as_str(), n.to_string());
        }
    }

    #[test]
    fn a_body_is_well_nested_and_spills_in_pieces() {
        let mut body = Body::new(Vec::new());
        for i in 0..2000 {
            body.para(
                Para {
                    style: Some("Heading2"),
                    keep_next: true,
                    ..Para::default()
                },
                Font::default(),
                &format!("Раздел {i} <&>"),
            );
            body.table(&["А", "Б"], &[1000, 2000]);
            body.row();
            body.cell("ячейка");
            body.cell_num(42);
            body.end_row();
            body.end_table();
        }
        let xml = String::from_utf8(body.finish().unwrap()).unwrap();
        assert!(xml.starts_with("<?xml"));
        assert!(xml.ends_with("</w:body></w:document>"));
        assert_eq!(xml.matches("<w:p>").count(), 2000 * 5);
        assert_eq!(xml.matches("<w:tbl>").count(), 2000);
        assert_eq!(xml.matches("</w:tbl>").count(), 2000);
        assert!(xml.contains("Раздел 1999 &lt;&amp;&gt;"));
        assert!(xml.contains(r#"<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/></w:tcPr><w:p><w:r><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr><w:t>42</w:t></w:r></w:p></w:tc>"#));
    }
}
