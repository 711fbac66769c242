//! Delimited text: `,` `;` tab or `|`, sniffed; RFC 4180 quoting, so a
//! quoted field may hold the delimiter and line breaks; title rows may sit
//! above the header.
//!
//! The parser is sborka's own rather than the `csv` crate's so that it can
//! tell an unterminated quote in the middle of a file (one record is
//! malformed, reading goes on at the next line) from a file cut inside a
//! record (`truncated`).

use std::borrow::Cow;
use std::ops::Range;

use rayon::prelude::*;
use sborka_core::Reason;

use crate::table::{self, Body, Built, Ctx, Entry, Item, Row, Start, Table, TableKind, Tally};
use crate::{Column, FileOutcome, RecordBuilder};

/// The delimiters sborka recognises, in order of preference on a tie.
const DELIMITERS: [char; 4] = [';', ',', '\t', '|'];

/// How many records the sniffer looks at, and within how many bytes.
const SNIFF_RECORDS: usize = 40;
const SNIFF_BYTES: usize = 64 * 1024;

/// How many times the parser restarts after an unterminated quote before
/// it takes the rest of the file as one cut record (bounds the work on
/// hostile input).
const MAX_RESTARTS: usize = 1000;

/// The delimiter whose rows agree best: the most rows with the most common
/// field count (above one), then the higher count, then the order above.
pub(crate) fn sniff_delimiter(text: &str, prefer_tab: bool) -> char {
    let mut end = text.len().min(SNIFF_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    let mut best = (DELIMITERS[0], (0usize, 0usize, prefer_tab));
    for (i, &d) in DELIMITERS.iter().enumerate() {
        let mut counts: Vec<usize> = Parser::new(sample, d)
            .take(SNIFF_RECORDS)
            .filter_map(|item| match item {
                Item::Row(r) if r.cells.len() > 1 => Some(r.cells.len()),
                _ => None,
            })
            .collect();
        counts.sort_unstable();
        let mut mode = (0usize, 0usize); // (rows, count)
        for chunk in counts.chunk_by(|a, b| a == b) {
            mode = mode.max((chunk.len(), chunk[0]));
        }
        let score = (mode.0, mode.1, prefer_tab && d == '\t');
        if i == 0 || score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

/// Whether `text` (the start of a file) is a table: some delimiter splits
/// at least two of its first rows into the same number of fields, two or
/// more, and at least half of them. Prose is not.
pub(crate) fn looks_delimited(text: &str) -> bool {
    let mut end = text.len().min(SNIFF_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let sample = &text[..end];
    DELIMITERS.iter().any(|&d| {
        let counts: Vec<usize> = Parser::new(sample, d)
            .take(SNIFF_RECORDS)
            .filter_map(|item| match item {
                Item::Row(r) if r.cells.iter().any(|c| !c.trim().is_empty()) => Some(r.cells.len()),
                _ => None,
            })
            .collect();
        let mut sorted = counts.clone();
        sorted.sort_unstable();
        let mode = sorted
            .chunk_by(|a, b| a == b)
            .filter(|run| run[0] > 1)
            .map(<[usize]>::len)
            .max()
            .unwrap_or(0);
        mode >= 2 && mode * 2 >= counts.len()
    })
}

pub(crate) fn read(
    ctx: &Ctx<'_>,
    text: &str,
    tsv: bool,
    split: Split,
    mut out: FileOutcome,
) -> FileOutcome {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff_delimiter(text, tsv);
    out.report.delimiter = Some(delimiter.to_string());
    let kind = TableKind {
        sheet: None,
        strict_width: true,
    };
    let implied = table::implied_by_name(ctx.catalog, &ctx.input.name);
    let mut parser = Parser::new(text, delimiter);
    let head: Vec<Item<'_>> = parser.by_ref().take(table::HEADER_SCAN).collect();
    let table = match table::start_table(ctx, &kind, head, &implied, &mut out) {
        Start::Body(body, mut tally, rest) => {
            let complete = body.read_rows(ctx, &mut out, &mut tally, rest.into_iter())
                && match split.piece_bytes(text.len()) {
                    Some(size) => read_in_pieces(ctx, &body, &mut tally, parser, size, &mut out),
                    None => body.read_rows(ctx, &mut out, &mut tally, parser),
                };
            body.finish(&mut out, &tally, complete)
        }
        Start::Done(table) => table,
    };
    match table {
        Table::Read {
            header_row,
            columns,
            ..
        } => {
            implied.describe(ctx.catalog, "the file name", &mut out.report.implied);
            if header_row > 1 {
                out.report.header_row = Some(header_row);
            }
            out.report.columns = columns;
            out
        }
        Table::Empty => out.fail("the file is empty"),
        Table::NoHeader(best) => {
            out.report.columns = best
                .iter()
                .map(|h| Column {
                    header: h.clone(),
                    field: ctx.catalog.header(h),
                })
                .collect();
            let n = table::HEADER_SCAN;
            out.fail(format!(
                "no text column (headers: {}); name one of them as in catalog/headers.toml \
                 (looked at the first {n} rows)",
                best.join(", ")
            ))
        }
    }
}

/// How the records below the header are read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Split {
    /// In pieces of [`PIECE_BYTES`] when the text has at least
    /// [`PARALLEL_BYTES`] and rayon more than one thread; else whole.
    Auto,
    /// One after the other, by the calling thread.
    #[cfg(test)]
    Whole,
    /// In pieces of about this many bytes, whatever the size.
    #[cfg(test)]
    Pieces(usize),
}

/// The smallest text read in pieces: below it the pieces would not pay
/// for their setting up (and the tests' files stay on one thread).
const PARALLEL_BYTES: usize = 2 << 20;

/// The size of a piece: small enough that a round of them keeps every
/// thread busy, large enough that the memo of labels warms up in each.
const PIECE_BYTES: usize = 256 << 10;

impl Split {
    /// The size of the pieces a text of `len` bytes is read in, if any.
    fn piece_bytes(self, len: usize) -> Option<usize> {
        match self {
            Split::Auto => {
                (len >= PARALLEL_BYTES && rayon::current_num_threads() > 1).then_some(PIECE_BYTES)
            }
            #[cfg(test)]
            Split::Whole => None,
            #[cfg(test)]
            Split::Pieces(size) => Some(size.max(1)),
        }
    }
}

/// Reads the rest of the text after `parser` in pieces of about `size`
/// bytes, with exactly the outcome of reading it one record after the
/// other; false when `max_records` stopped the reading.
///
/// A round of a few pieces per thread at a time (memory holds a round's
/// rows, not the file's) goes in four steps: the pieces are parsed and
/// their rows told apart in parallel, each from its own cut as if a record
/// started there; [`Parser::adopt`] checks the cuts in order against the
/// records before them, and parses a piece again where its cut was wrong;
/// the records are numbered and built in parallel, each piece from the
/// [`Tally`] of the rows above it; what they gave is counted in order.
/// The steps overlap: while a round is built, the next one is parsed and
/// the one before counted, so that no thread waits for the counting (one
/// thread's work) at the end of every round.
fn read_in_pieces(
    ctx: &Ctx<'_>,
    body: &Body<'_>,
    tally: &mut Tally,
    mut parser: Parser<'_>,
    size: usize,
    out: &mut FileOutcome,
) -> bool {
    let (text, delimiter) = (parser.text, parser.delimiter);
    let cuts = cuts(text, parser.pos, size);
    let rounds: Vec<&[Range<usize>]> = cuts.chunks(4 * rayon::current_num_threads()).collect();
    let parse = |round: &[Range<usize>]| -> Vec<Piece<'_>> {
        round
            .par_iter()
            .map(|cut| Piece::parse(text, delimiter, cut, body))
            .collect()
    };
    let (catalog, limits) = (ctx.catalog, ctx.limits);
    let max_text_chars = limits.max_text_chars;
    let keep_personal = limits.keep_personal;
    let mut parsed = parse(rounds[0]);
    // Room for the file's proposals, guessed from the first round's rows
    // per byte, so that the list is not copied as it grows.
    let (first, first_bytes) = (
        parsed.iter().map(|p| p.entries.len()).sum::<usize>(),
        rounds[0].last().map_or(0, |cut| cut.end) - parser.pos,
    );
    let rest = text.len() - parser.pos;
    if let Some(rows) = first.saturating_mul(rest).checked_div(first_bytes) {
        out.reserve(rows + first / 16);
    }
    // Built and not yet counted: the round before.
    let mut built: Vec<Vec<Built>> = Vec::new();
    for i in 0..=rounds.len() {
        let pieces: Vec<(Tally, Vec<Entry<'_>>)> = match rounds.get(i) {
            Some(round) => std::mem::take(&mut parsed)
                .into_iter()
                .zip(*round)
                .map(|(piece, cut)| {
                    let entries = parser.adopt(piece, cut.end, body);
                    let start = tally.clone();
                    tally.skip(&entries);
                    (start, entries)
                })
                .collect(),
            None => Vec::new(),
        };
        let previous = std::mem::take(&mut built);
        let mut complete = true;
        rayon::in_place_scope(|scope| {
            if let Some(following) = rounds.get(i + 1) {
                scope.spawn(|_| parsed = parse(following));
            }
            if !previous.is_empty() {
                let complete = &mut complete;
                let out = &mut *out;
                scope.spawn(move |_| {
                    *complete = previous
                        .into_iter()
                        .flatten()
                        .all(|built| body.count(limits, out, built));
                });
            }
            built = pieces
                .into_par_iter()
                .map(|(mut tally, entries)| {
                    let builder = RecordBuilder::new(catalog)
                        .max_text_chars(max_text_chars)
                        .keep_personal(keep_personal);
                    entries
                        .into_iter()
                        .filter_map(|entry| body.build(&builder, &mut tally, entry))
                        .collect()
                })
                .collect();
        });
        if !complete {
            return false;
        }
    }
    true
}

/// Cuts `text[start..]` into ranges of about `size` bytes, each after a
/// line break outside quotes as far as counting quotes from `start` tells.
/// A quote inside an unquoted field (`5" экран`) fools the count; such a
/// cut is found wrong by [`Parser::adopt`] and costs time, not a different
/// outcome.
fn cuts(text: &str, start: usize, size: usize) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut ranges = Vec::new();
    let mut from = start;
    // Whether an odd number of quotes lies between `from` and `at`.
    let mut quoted = false;
    let mut at = from;
    while from + size < bytes.len() {
        let target = from + size;
        quoted ^= memchr::memchr_iter(b'"', &bytes[at..target]).count() % 2 == 1;
        at = target;
        let cut = loop {
            let Some(n) = memchr::memchr2(b'"', b'\n', &bytes[at..]) else {
                break None;
            };
            at += n + 1;
            if bytes[at - 1] == b'"' {
                quoted = !quoted;
            } else if !quoted {
                break Some(at);
            }
        };
        match cut {
            Some(cut) if cut < bytes.len() => {
                ranges.push(from..cut);
                from = cut;
            }
            _ => break,
        }
    }
    ranges.push(from..bytes.len());
    ranges
}

/// The rows of one piece that matter, parsed from its cut with lines
/// counted from 0.
struct Piece<'t> {
    start: usize,
    /// Where the parser stopped: the piece's end if the cut was right.
    end: usize,
    lines: u64,
    restarts: usize,
    entries: Vec<Entry<'t>>,
}

impl<'t> Piece<'t> {
    fn parse(text: &'t str, delimiter: char, cut: &Range<usize>, body: &Body<'_>) -> Piece<'t> {
        let mut parser = Parser {
            text,
            delimiter,
            pos: cut.start,
            line: 0,
            restarts: 0,
        };
        let entries = parser.entries_until(cut.end, body);
        Piece {
            start: cut.start,
            end: parser.pos,
            lines: parser.line,
            restarts: parser.restarts,
            entries,
        }
    }
}

/// Splits delimited text into rows, one [`Item`] per record.
pub(crate) struct Parser<'t> {
    text: &'t str,
    delimiter: char,
    /// Byte offset of the next record.
    pos: usize,
    /// Line of the next record.
    line: u64,
    restarts: usize,
}

impl<'t> Parser<'t> {
    pub(crate) fn new(text: &'t str, delimiter: char) -> Parser<'t> {
        Parser {
            text,
            delimiter,
            pos: 0,
            line: 1,
            restarts: 0,
        }
    }
}

impl<'t> Parser<'t> {
    /// The entries of the records that start before `stop`.
    fn entries_until(&mut self, stop: usize, body: &Body<'_>) -> Vec<Entry<'t>> {
        let mut entries = Vec::new();
        while self.pos < stop
            && let Some(item) = self.next()
        {
            entries.extend(body.entry(item));
        }
        entries
    }

    /// The entries of the records that start from here up to `stop`, taken
    /// from `piece` when it was parsed from here: the parser is a function
    /// of its position, line and restarts, so they are the ones this parser
    /// would give, their lines shifted by this one's, as long as its
    /// restarts and these stay within [`MAX_RESTARTS`] together. Otherwise
    /// (the cut fell inside a record, or the record before ran past it)
    /// they are parsed again from here.
    fn adopt(&mut self, piece: Piece<'t>, stop: usize, body: &Body<'_>) -> Vec<Entry<'t>> {
        if piece.start != self.pos || self.restarts + piece.restarts > MAX_RESTARTS {
            return self.entries_until(stop, body);
        }
        let mut entries = piece.entries;
        for entry in &mut entries {
            entry.shift(self.line);
        }
        self.pos = piece.end;
        self.line += piece.lines;
        self.restarts += piece.restarts;
        entries
    }
}

/// One record as parsed from a position.
#[derive(Debug, PartialEq)]
enum Parsed<'t> {
    Row {
        cells: Vec<Cow<'t, str>>,
        terminated: bool,
        end: usize,
        lines: u64,
    },
    /// The file ended inside a quoted field that opened at `quote`.
    Unterminated { quote: usize },
}

/// Parses the record that starts at byte `start`.
///
/// Works on bytes: the delimiter, the quote and the line breaks are ASCII,
/// which never occur inside a UTF-8 sequence, so every cut falls on a
/// character boundary. Fields are found with `memchr` and copied as
/// slices, not character by character (the parser was a third of the read
/// stage). The tests hold the character-by-character reference this must
/// agree with on any input.
fn parse_record(text: &str, start: usize, delimiter: char) -> Parsed<'_> {
    let bytes = text.as_bytes();
    let delimiter = u8::try_from(delimiter).expect("delimiters are ASCII");
    let mut cells = Vec::new();
    let mut field = Cow::Borrowed("");
    let mut lines = 0u64;
    let mut i = start;
    // At the start of a field.
    loop {
        if bytes.get(i) == Some(&b'"') {
            // A quoted field: up to the closing quote, `""` for a quote.
            let quote = i;
            let quote_lines = lines;
            i += 1;
            loop {
                let Some(n) = memchr::memchr(b'"', &bytes[i..]) else {
                    return Parsed::Unterminated { quote };
                };
                let inside = &text[i..i + n];
                lines += count_breaks(inside.as_bytes());
                push(&mut field, inside);
                i += n + 1;
                if bytes.get(i) == Some(&b'"') {
                    field.to_mut().push('"');
                    i += 1;
                    continue;
                }
                // A closing quote with text after it, after a line break:
                // the quote was never closed, this one opens a later
                // record's field.
                let ends_field = bytes
                    .get(i)
                    .is_none_or(|&b| b == delimiter || b == b'\n' || b == b'\r');
                if !ends_field && lines > quote_lines {
                    return Parsed::Unterminated { quote };
                }
                break;
            }
        }
        // Unquoted (or after a closing quote: stray characters are kept as
        // they are, `"a"b` reads `ab`, as spreadsheet programs do).
        match memchr::memchr3(delimiter, b'\n', b'\r', &bytes[i..]) {
            Some(n) => {
                push(&mut field, &text[i..i + n]);
                i += n;
                if bytes[i] == delimiter {
                    cells.push(std::mem::take(&mut field));
                    i += 1;
                    continue;
                }
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                cells.push(field);
                return Parsed::Row {
                    cells,
                    terminated: true,
                    end: i + 1,
                    lines: lines + 1,
                };
            }
            None => {
                push(&mut field, &text[i..]);
                cells.push(field);
                return Parsed::Row {
                    cells,
                    terminated: false,
                    end: text.len(),
                    lines,
                };
            }
        }
    }
}

/// Appends `piece` to a field, which stays borrowed from the text while it
/// is one piece (most fields: no `""` inside, nothing after the quotes), so
/// that parsing allocates no string for it.
fn push<'t>(field: &mut Cow<'t, str>, piece: &'t str) {
    if field.is_empty() {
        *field = Cow::Borrowed(piece);
    } else if !piece.is_empty() {
        field.to_mut().push_str(piece);
    }
}

/// Line breaks in a quoted field's text: `\n`, or `\r` not followed by
/// `\n` (a `\r` at the end of `bytes` counts: the quote follows it).
fn count_breaks(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
}

impl<'t> Iterator for Parser<'t> {
    type Item = Item<'t>;

    fn next(&mut self) -> Option<Item<'t>> {
        if self.pos >= self.text.len() {
            return None;
        }
        let line = self.line;
        match parse_record(self.text, self.pos, self.delimiter) {
            Parsed::Row {
                cells,
                terminated,
                end,
                lines,
            } => {
                self.pos = end;
                self.line += lines;
                Some(Item::Row(Row {
                    line,
                    cells,
                    terminated,
                }))
            }
            Parsed::Unterminated { quote } => {
                // If lines with delimiters follow the line where the quote
                // opened, the quote was never closed and those lines are
                // records of their own; otherwise the file was cut inside
                // this record.
                let rest = &self.text[quote..];
                let next_line = rest.find('\n').map(|n| quote + n + 1);
                let records_follow = next_line
                    .is_some_and(|n| self.text[n..].lines().any(|l| l.contains(self.delimiter)));
                let start = self.pos;
                if let Some(n) = next_line
                    && records_follow
                    && self.restarts < MAX_RESTARTS
                {
                    self.restarts += 1;
                    self.pos = n;
                    self.line += 1 + self.text[start..quote].matches('\n').count() as u64;
                    let raw = self.text[start..n]
                        .trim_end_matches(['\r', '\n'])
                        .to_string();
                    return Some(Item::Broken {
                        line,
                        reason: Reason::Malformed,
                        what: "a quote opened in this record is never closed; \
                               read from the next line on"
                            .to_string(),
                        raw,
                    });
                }
                self.pos = self.text.len();
                Some(Item::Broken {
                    line,
                    reason: Reason::Truncated,
                    what: "the file ends inside a quoted field of this record".to_string(),
                    raw: self.text[start..].to_string(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-by-character parser the byte parser replaced: the
    /// specification [`parse_record`] must agree with.
    fn reference_parse_record(text: &str, start: usize, delimiter: char) -> Parsed<'_> {
        let mut cells = Vec::new();
        let mut field = String::new();
        let mut at_start = true;
        let mut quoted = false;
        let mut quote = 0;
        let mut quote_lines = 0u64;
        let mut lines = 0u64;
        let mut chars = text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => {
                        quoted = false;
                        // A closing quote with text after it, after a line
                        // break: the quote was never closed, this one opens a
                        // later record's field.
                        let ends_field = chars
                            .peek()
                            .is_none_or(|&(_, n)| n == delimiter || n == '\n' || n == '\r');
                        if !ends_field && lines > quote_lines {
                            return Parsed::Unterminated { quote };
                        }
                    }
                    '\n' => {
                        lines += 1;
                        field.push(c);
                    }
                    '\r' => {
                        if chars.peek().is_none_or(|&(_, n)| n != '\n') {
                            lines += 1;
                        }
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '"' if at_start => {
                    quoted = true;
                    quote = start + i;
                    quote_lines = lines;
                    at_start = false;
                }
                _ if c == delimiter => {
                    cells.push(Cow::Owned(std::mem::take(&mut field)));
                    at_start = true;
                }
                '\n' | '\r' => {
                    if c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n') {
                        chars.next();
                    }
                    let end = chars.peek().map_or(text.len(), |&(j, _)| start + j);
                    cells.push(Cow::Owned(field));
                    return Parsed::Row {
                        cells,
                        terminated: true,
                        end,
                        lines: lines + 1,
                    };
                }
                _ => {
                    // After a closing quote, stray characters are kept as they
                    // are (`"a"b` reads `ab`), as spreadsheet programs do.
                    field.push(c);
                    at_start = false;
                }
            }
        }
        if quoted {
            return Parsed::Unterminated { quote };
        }
        cells.push(Cow::Owned(field));
        Parsed::Row {
            cells,
            terminated: false,
            end: text.len(),
            lines,
        }
    }
    use crate::{Input, read_bytes};
    use proptest::prelude::*;
    use sborka_core::Catalog;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The byte parser reads every record as the character-by-character
        /// reference does, from any record start, for every delimiter.
        #[test]
        fn parse_record_agrees_with_reference(
            text in "[a\"я;,\t|\n\r ]{0,40}",
            skip in 0usize..40,
            d in 0usize..4,
        ) {
            let delimiter = DELIMITERS[d];
            let start = text.char_indices().map(|(i, _)| i).nth(skip).unwrap_or(text.len());
            proptest::prop_assert_eq!(
                parse_record(&text, start, delimiter),
                reference_parse_record(&text, start, delimiter)
            );
        }
    }

    /// `text` read as `x.csv` within `limits`, its records split as `split`.
    fn read_split(text: &str, limits: &crate::Limits, split: Split) -> crate::FileOutcome {
        static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        let catalog = CATALOG.get_or_init(Catalog::embedded);
        crate::read_bytes_split(
            &Input::named("x.csv"),
            text.as_bytes(),
            catalog,
            limits,
            split,
        )
    }

    /// A cell of a messy export: words, labels, quoted fields holding
    /// delimiters, quotes and line breaks, stray and unclosed quotes.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            "[а-я ]{0,8}",
            Just("Пожилые".to_string()),
            Just("фед.".to_string()),
            Just("text".to_string()),
            "\"[a;,я\n\r\"]{0,10}\"",
            "[a\"]{1,3}",
            Just(String::new()),
        ]
    }

    /// Delimited text: a header (usually), then rows of cells joined by
    /// `;` or `,` and ended by `\n`, `\r\n` or `\r`, sometimes blank, or
    /// any characters at all; often more rows than the header is looked
    /// for in, so that a body is left to cut.
    fn delimited() -> impl Strategy<Value = String> {
        let ending =
            prop_oneof![4 => Just("\n"), 2 => Just("\r\n"), 1 => Just("\r"), 1 => Just("")];
        let row = (
            proptest::collection::vec(cell(), 0..5),
            prop_oneof![Just(";"), Just(",")],
            ending,
        )
            .prop_map(|(cells, d, end)| cells.join(d) + end);
        let header = prop_oneof![
            Just("text;theme;level\n"),
            Just("text,theme\r\n"),
            Just("Предложения СКФО\nid;text;theme\n"),
            Just(""),
        ];
        prop_oneof![
            3 => (header.clone(), proptest::collection::vec(row, 0..60))
                .prop_map(|(h, rows)| h.to_string() + &rows.concat()),
            1 => (header, "[a\"я;,\n\r ]{0,400}").prop_map(|(h, body)| h.to_string() + &body),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Read in pieces of any size, any text gives exactly what it gives
        /// read whole: proposals, quarantined records, report, limits.
        #[test]
        fn pieces_agree_with_whole(
            text in delimited(),
            size in 1usize..64,
            max_records in prop_oneof![Just(u64::MAX), 1u64..20],
            max_text_chars in prop_oneof![Just(20_000usize), 1usize..10],
        ) {
            let limits = crate::Limits {
                max_records,
                max_text_chars,
                ..crate::Limits::default()
            };
            let whole = read_split(&text, &limits, Split::Whole);
            let pieces = read_split(&text, &limits, Split::Pieces(size));
            proptest::prop_assert_eq!(whole, pieces);
        }
    }

    #[test]
    fn pieces_table() {
        // (what, the rows below the header and 25 filler records, piece
        // size, quarantined as (line, reason), proposals as (record, line)
        // below the filler)
        type Case<'a> = (
            &'a str,
            &'a str,
            usize,
            &'a [(u64, Reason)],
            &'a [(u64, u64)],
        );
        let cases: [Case<'_>; 5] = [
            (
                "a cut inside a quoted field with line breaks",
                "Первое;\"а\nб\nв\"\nВторое;x\nТретье;y\n",
                14,
                &[],
                &[(26, 27), (27, 30), (28, 31)],
            ),
            (
                "a cut right after a CRLF",
                "Первое;x\r\nВторое;y\r\nТретье;z\r\n",
                8,
                &[],
                &[(26, 27), (27, 28), (28, 29)],
            ),
            (
                "the file ends without a line break",
                "Первое;x\nВторое;y\nТре",
                5,
                &[(29, Reason::Truncated)],
                &[(26, 27), (27, 28)],
            ),
            (
                "an unterminated quote in a later piece",
                "Первое;x\nВторое;y\nТретье;\"открыта\nЧетвёртое;z\n",
                10,
                &[(29, Reason::Malformed)],
                &[(26, 27), (27, 28), (29, 30)],
            ),
            (
                "a quote never closed to the end of the file",
                "Первое;x\nВторое;\"открыта\nи не закрыта",
                10,
                &[(28, Reason::Truncated)],
                &[(26, 27)],
            ),
        ];
        let limits = crate::Limits::default();
        for (what, rows, size, quarantined, proposals) in cases {
            let text = format!("text;theme\n{}{rows}", "Заполнение;x\n".repeat(25));
            // The pieces start below the rows the header was looked for in.
            let mut head = Parser::new(&text, ';');
            head.by_ref().take(table::HEADER_SCAN).for_each(drop);
            let body = &text[head.pos..];
            assert!(cuts(body, 0, size).len() > 4, "{what}: too few pieces");
            let whole = read_split(&text, &limits, Split::Whole);
            let pieces = read_split(&text, &limits, Split::Pieces(size));
            assert_eq!(pieces, whole, "{what}");
            let got: Vec<(u64, Reason)> = pieces
                .quarantined
                .iter()
                .map(|q| (q.source.line, q.reason))
                .collect();
            assert_eq!(got, quarantined, "{what}");
            let got: Vec<(u64, u64)> = pieces
                .proposals
                .iter()
                .map(|p| (p.source.record, p.source.line))
                .filter(|&(record, _)| record > 25)
                .collect();
            assert_eq!(got, proposals, "{what}");
        }
    }

    /// The parser gives up on unclosed quotes after [`MAX_RESTARTS`] of
    /// them in the whole file, not in each piece.
    #[test]
    fn pieces_share_the_restarts() {
        let text = format!(
            "text;theme\n{}",
            "Запись;\"открыта\n".repeat(MAX_RESTARTS + 5)
        );
        let limits = crate::Limits::default();
        let whole = read_split(&text, &limits, Split::Whole);
        let pieces = read_split(&text, &limits, Split::Pieces(300));
        assert_eq!(pieces, whole);
        let reasons: Vec<Reason> = pieces.quarantined.iter().map(|q| q.reason).collect();
        assert_eq!(reasons.len(), MAX_RESTARTS + 1);
        assert_eq!(reasons[MAX_RESTARTS - 1], Reason::Malformed);
        assert_eq!(reasons[MAX_RESTARTS], Reason::Truncated);
    }

    #[test]
    fn cuts_after_line_breaks_outside_quotes() {
        let text = "a;b\n\"1\n2\";3\n4;5\r\n6;7";
        let pieces: Vec<&str> = cuts(text, 0, 2).into_iter().map(|r| &text[r]).collect();
        assert_eq!(pieces, ["a;b\n", "\"1\n2\";3\n", "4;5\r\n", "6;7"]);
        // From a start, and a text too short to cut.
        let pieces: Vec<&str> = cuts(text, 4, 100).into_iter().map(|r| &text[r]).collect();
        assert_eq!(pieces, [&text[4..]]);
    }

    #[test]
    fn sniff_table() {
        let cases = [
            ("a;b;c\n1,2;3;4\n", false, ';'),
            ("a,b,c\n", false, ','),
            ("\"x;y\",b,c\n", false, ','),
            ("text\n", false, ';'),
            (
                "id\ttext\ttheme\n1\tМы, граждане; и все\tПожилые\n",
                false,
                '\t',
            ),
            ("id|text\n1|a, b, c\n2|d; e\n", false, '|'),
            (
                "Предложения СКФО\n\nid;text;theme\n1;Создать, открыть, ввести;Пожилые\n2;x;y\n",
                false,
                ';',
            ),
            ("text\n", true, '\t'),
        ];
        for (text, tsv, want) in cases {
            assert_eq!(sniff_delimiter(text, tsv), want, "{text:?}");
        }
    }

    #[test]
    fn parser_table() {
        // (text, rows as cells joined by |, or !reason for a broken record)
        let cases: [(&str, &[&str]); 8] = [
            ("a;b\n1;2\n", &["1:a|b", "2:1|2"]),
            (
                "a;b\r\n1;\"x;\ny\"\r\n3;4",
                &["1:a|b", "2:1|x;\ny", "4:3|4~"],
            ),
            ("a;\"say \"\"hi\"\"\"\n", &["1:a|say \"hi\""]),
            (
                "a;b\n1;\"open\n2;3\n4;5\n",
                &["1:a|b", "!2:malformed", "3:2|3", "4:4|5"],
            ),
            ("a;b\n1;\"cut in the mid", &["1:a|b", "!2:truncated"]),
            ("a;b\n1;\"cut\nacross lines", &["1:a|b", "!2:truncated"]),
            ("\"a\"b;c\n", &["1:ab|c"]),
            (
                "a;b\n1;\"open\n2;3\n4;\"x\" y\n",
                &["1:a|b", "!2:malformed", "3:2|3", "4:4|x y"],
            ),
        ];
        for (text, want) in cases {
            let got: Vec<String> = Parser::new(text, ';')
                .map(|item| match item {
                    Item::Row(r) => format!(
                        "{}:{}{}",
                        r.line,
                        r.cells.join("|"),
                        if r.terminated { "" } else { "~" }
                    ),
                    Item::Broken { line, reason, .. } => format!("!{line}:{reason}"),
                })
                .collect();
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn records_accepted_and_quarantined() {
        let catalog = Catalog::embedded();
        let csv = "\u{feff}id,text,theme\n\
                   1,\"Открыть \"\"школу ухода\"\",\nв каждом районе\",Пожилые\n\
                   2,,Пожилые\n\
                   ,,\n\
                   3,лишнее,поле,здесь\n\
                   id,text,theme\n\
                   4,Создать службу сиделок,\n";
        let out = read_bytes(&Input::named("x.csv"), csv.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!(r.error, None);
        assert_eq!((r.records, r.accepted, r.quarantined), (5, 2, 3));
        let reasons: Vec<Reason> = out.quarantined.iter().map(|q| q.reason).collect();
        assert_eq!(
            reasons,
            [
                Reason::EmptyText,
                Reason::FieldCount,
                Reason::RepeatedHeader
            ]
        );
        let lines: Vec<u64> = out.quarantined.iter().map(|q| q.source.line).collect();
        assert_eq!(lines, [4, 6, 7]);
        assert_eq!(
            out.proposals[0].text,
            "Открыть \"школу ухода\",\nв каждом районе"
        );
        assert_eq!(out.proposals[1].source.record, 5);
        assert_eq!(out.proposals[1].source.line, 8);
        assert_eq!(r.unknown_theme, 1);
    }

    #[test]
    fn titles_sections_padding_and_cuts() {
        let catalog = Catalog::embedded();
        let csv = "Предложения стратегической сессии СКФО;;;\n\
                   ;;;\n\
                   №;Текст предложения;Уровень;Регион\n\
                   Думая о пожилых — мы думаем о будущем;;;\n\
                   1;Создать службу сиделок;рег.;;;\n\
                   2;Открыть пункты проката;фед.;Ставропольский край\n\
                   3;Обрыв";
        let out = read_bytes(&Input::named("x.csv"), csv.as_bytes(), &catalog);
        let r = &out.report;
        assert_eq!(r.error, None, "{r:?}");
        assert_eq!(r.header_row, Some(3));
        assert_eq!(r.title_rows, 2);
        assert_eq!((r.records, r.accepted, r.quarantined), (3, 2, 1));
        let p = &out.proposals[0];
        assert_eq!(p.source.line, 5);
        assert_eq!(
            catalog
                .district_info(p.facets.district.known().unwrap())
                .short,
            "СКФО"
        );
        assert_eq!(
            catalog.theme_info(p.facets.theme.known().unwrap()).slug,
            "elderly"
        );
        assert_eq!(
            p.inferred,
            [sborka_core::Field::District, sborka_core::Field::Theme]
        );
        // The district from the region, the theme from the section title.
        assert_eq!(
            out.proposals[1].inferred,
            [sborka_core::Field::District, sborka_core::Field::Theme]
        );
        assert_eq!(out.quarantined[0].reason, Reason::Truncated);
        assert_eq!(out.quarantined[0].source.line, 7);
    }

    #[test]
    fn limits() {
        let catalog = Catalog::embedded();
        let limits = crate::Limits {
            max_text_chars: 100,
            max_records: 3,
            ..crate::Limits::default()
        };
        let long = "Очень длинное предложение ".repeat(10);
        let csv =
            format!("text;theme\n\"{long}\";Пожилые\nКоротко;Пожилые\n;\nОдин;x\nДва;y\nТри;z\n");
        let out = crate::read_bytes_with(&Input::named("x.csv"), csv.as_bytes(), &catalog, &limits);
        let r = &out.report;
        assert_eq!(r.error, None);
        assert_eq!((r.records, r.accepted, r.quarantined), (4, 2, 2));
        let got: Vec<(u64, Reason)> = out
            .quarantined
            .iter()
            .map(|q| (q.source.line, q.reason))
            .collect();
        assert_eq!(got, [(2, Reason::TextTooLong), (6, Reason::TooManyRecords)]);
        // The raw text in the quarantine is cut to the limit too.
        let raw = &out.quarantined[0].raw["text"];
        assert!(raw.ends_with("… [260 characters in all]"), "{raw}");
        assert!(raw.chars().count() < 140, "{raw}");
        let big = crate::Limits {
            max_file_bytes: 10,
            ..crate::Limits::default()
        };
        let out = crate::read_bytes_with(&Input::named("x.csv"), csv.as_bytes(), &catalog, &big);
        let err = out.report.error.unwrap_or_default();
        assert!(err.contains("more than the limit of 10"), "{err}");
    }

    #[test]
    fn file_errors() {
        let catalog = Catalog::embedded();
        let cases = [
            ("", "the file is empty"),
            ("\n\n", "the file is empty"),
            (
                "Тема;Уровень\nПожилые;фед.\n",
                "no text column (headers: Тема, Уровень)",
            ),
            (
                "\u{0}\u{1}\u{2}\u{3}PNG\u{0}\u{0}",
                "binary content, not text",
            ),
        ];
        for (csv, want) in cases {
            let out = read_bytes(&Input::named("x.csv"), csv.as_bytes(), &catalog);
            let err = out.report.error.unwrap_or_default();
            assert!(err.starts_with(want), "{csv:?}: {err}");
            assert_eq!(out.report.records, 0);
        }
    }
}
