//! Rows of cells → records: the part CSV and spreadsheets share. Finds the
//! header below any title rows, skips blank rows and section titles, and
//! quarantines repeated headers, wrong field counts and cut records.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use sborka_core::{
    Catalog, DistrictId, Facet, Field, Label, Masked, Proposal, Provenance, Quarantined, Reason,
    Selection, ThemeId, Value, fold_key,
};

use crate::{ChosenBy, Column, FileOutcome, Input, Limits, RecordBuilder, TextChoice};

/// How many rows from the top may hold titles before the header.
pub(crate) const HEADER_SCAN: usize = 20;

/// What one reader needs: where, the catalogue, the limits.
pub(crate) struct Ctx<'a> {
    pub input: &'a Input,
    pub catalog: &'a Catalog,
    pub limits: &'a Limits,
    pub builder: RecordBuilder<'a>,
    /// The file's name, shared by the provenance of all its records.
    file: std::sync::Arc<str>,
}

/// Whether the file may have one more record; when not, the record at
/// `source` is quarantined as `too_many_records`.
fn admit(limits: &Limits, out: &mut FileOutcome, source: &Provenance) -> bool {
    if out.report.records < limits.max_records {
        return true;
    }
    out.reject(Quarantined {
        message: format!(
            "{source}: more than {} records in the file; the rest of it is not read",
            limits.max_records
        ),
        source: source.clone(),
        reason: Reason::TooManyRecords,
        raw: BTreeMap::new(),
    });
    false
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(input: &'a Input, catalog: &'a Catalog, limits: &'a Limits) -> Ctx<'a> {
        Ctx {
            input,
            catalog,
            limits,
            builder: RecordBuilder::new(catalog)
                .max_text_chars(limits.max_text_chars)
                .keep_personal(limits.keep_personal),
            file: input.name.as_str().into(),
        }
    }

    pub(crate) fn provenance(&self, sheet: Option<&str>, record: u64, line: u64) -> Provenance {
        Provenance {
            file: self.file.clone(),
            record,
            line,
            sheet: sheet.map(str::to_string),
            source_id: None,
        }
    }

    /// Counts a record against `max_records`; false (and the record
    /// quarantined) when it is one too many.
    pub(crate) fn admit(&self, out: &mut FileOutcome, source: &Provenance) -> bool {
        admit(self.limits, out, source)
    }

    /// Builds a record and counts it.
    pub(crate) fn record<'c>(
        &self,
        out: &mut FileOutcome,
        source: Provenance,
        cells: impl IntoIterator<Item = (&'c str, Option<Field>, &'c str)>,
        implied: &Implied,
    ) {
        let built = self.builder.build(source, cells);
        out.report.masked += self.builder.take_masked();
        match built {
            Ok(mut p) => {
                implied.apply(&mut p, self.catalog);
                out.accept(p);
            }
            Err(q) => out.reject(*q),
        }
    }
}

/// Values a file, sheet or section implies for records that lack them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Implied(pub Selection);

impl Implied {
    /// The values given (none for `None`).
    pub(crate) fn of(values: impl IntoIterator<Item = Value>) -> Implied {
        let mut selection = Selection::default();
        for v in values {
            selection.set(v);
        }
        Implied(selection)
    }

    pub(crate) fn get(&self, facet: Facet) -> Option<Value> {
        self.0.get(facet)
    }

    /// `self` where set, else `other`.
    pub(crate) fn or(&self, other: &Implied) -> Implied {
        Implied(self.0.or(&other.0))
    }

    fn apply(&self, p: &mut Proposal, catalog: &Catalog) {
        let mut inferred = Vec::new();
        // The region first: a region implies its district.
        let order = [
            Facet::Region,
            Facet::District,
            Facet::Theme,
            Facet::Level,
            Facet::Kind,
            Facet::Year,
        ];
        for facet in order {
            let value = match facet {
                Facet::District => self.get(facet).or_else(|| {
                    let region = p.facets.region.known()?;
                    catalog.region_district(region).map(Value::District)
                }),
                // A year written but unreadable is kept as written.
                Facet::Year if p.extra.contains_key(Field::Year.name()) => None,
                _ => self.get(facet),
            };
            if let Some(value) = value
                && p.facets.fill(value)
            {
                inferred.push(facet.field());
            }
        }
        // Last, a theme from the text, when neither the record nor what
        // implies values gave one the catalogue places. A theme the
        // catalogue placed is never overridden; a spelling it could not
        // place stays in `extra`.
        if !p.facets.theme.is_known()
            && let Some(guess) = catalog.infer_theme(&p.text)
        {
            if let Label::Unknown(raw) = &p.facets.theme {
                p.extra.insert(Field::Theme.name().to_string(), raw.clone());
            }
            p.facets.theme = Label::Known(guess.theme);
            p.theme_confidence = Some(guess.percent());
            inferred.push(Field::Theme);
        }
        if !inferred.is_empty() {
            p.inferred.extend(inferred);
            p.inferred.sort();
            p.inferred.dedup();
        }
    }

    /// Notes the implied values in the report, with where they came from.
    pub(crate) fn describe(
        &self,
        catalog: &Catalog,
        from: &str,
        into: &mut BTreeMap<Field, String>,
    ) {
        for value in self.0.values() {
            into.entry(value.facet().field())
                .or_insert_with(|| format!("{} (from {from})", catalog.slug(value)));
        }
    }
}

/// The one district that words of a title, a sheet name or a file name
/// name: an abbreviation or a transliterated slug («СКФО», `skfo`), a full
/// name, or a session city («Ставрополь»). None when they name none or two.
pub(crate) fn district_in_words(catalog: &Catalog, text: &str) -> Option<DistrictId> {
    let mut found: Option<DistrictId> = None;
    let mut conflict = false;
    let mut note = |d: DistrictId| match found {
        None => found = Some(d),
        Some(f) if f != d => conflict = true,
        Some(_) => {}
    };
    let district = |raw: &str| match catalog.resolve(Facet::District, raw) {
        Some(Value::District(d)) => Some(d),
        _ => None,
    };
    if let Some(d) = district(text) {
        note(d);
    }
    for piece in text.split([',', ';', '(', ')', '«', '»', '"', ':', '—', '–', '.', '/']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        if let Some(d) = district(piece) {
            // A full name («Северо-Кавказский федеральный округ»).
            if piece.split_whitespace().count() > 1 {
                note(d);
            }
        }
        for word in piece.split(|c: char| c.is_whitespace() || c == '_') {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric());
            if word.chars().count() < 3 {
                continue;
            }
            if let Some(d) = catalog.district_by_city(word) {
                note(d);
            }
            let upper = word.chars().filter(|c| c.is_uppercase()).count();
            let lower_ascii = word.chars().all(|c| c.is_ascii_lowercase());
            if (upper >= 2 || lower_ascii)
                && let Some(d) = district(word)
            {
                note(d);
            }
        }
    }
    if conflict { None } else { found }
}

/// What a file name implies: `skfo-stavropol.csv`, `СКФО.xlsx`.
pub(crate) fn implied_by_name(catalog: &Catalog, name: &str) -> Implied {
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words = stem.replace(['-', '_', '.'], " ");
    let whole = || catalog.resolve(Facet::District, &stem);
    Implied::of(
        district_in_words(catalog, &words)
            .map(Value::District)
            .or_else(whole),
    )
}

/// A row as a reader found it.
#[derive(Debug)]
pub(crate) enum Item<'t> {
    Row(Row<'t>),
    /// A record the reader could not split into cells.
    Broken {
        line: u64,
        reason: Reason,
        what: String,
        raw: String,
    },
}

#[derive(Debug)]
pub(crate) struct Row<'t> {
    /// 1-based line (spreadsheet row) where the row starts.
    pub line: u64,
    /// The cells, borrowed from the text where it holds them as they are.
    pub cells: Vec<Cow<'t, str>>,
    /// False when the file ended inside this row, before its line break.
    pub terminated: bool,
}

impl Row<'_> {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// How the rows of one table came.
pub(crate) struct TableKind<'a> {
    pub sheet: Option<&'a str>,
    /// Delimited text: a row with another number of fields than the header
    /// is broken. In a spreadsheet every row is as wide as it needs.
    pub strict_width: bool,
}

/// What became of a table.
pub(crate) enum Table {
    Read {
        header_row: u64,
        columns: Vec<Column>,
        /// Every record was read (false: `max_records` stopped it).
        complete: bool,
    },
    /// No header row naming a text column among the first rows; the row
    /// that looked most like a header, if any.
    NoHeader(Vec<String>),
    Empty,
}

/// Reads the records of one table into `out`.
pub(crate) fn read_table<'t>(
    ctx: &Ctx<'_>,
    kind: &TableKind<'_>,
    items: impl Iterator<Item = Item<'t>>,
    implied: &Implied,
    out: &mut FileOutcome,
) -> Table {
    let mut items = items;
    let head: Vec<Item<'t>> = items.by_ref().take(HEADER_SCAN).collect();
    match start_table(ctx, kind, head, implied, out) {
        Start::Body(body, mut tally, rest) => {
            let complete = body.read_rows(ctx, out, &mut tally, rest.into_iter().chain(items));
            body.finish(out, &tally, complete)
        }
        Start::Done(table) => table,
    }
}

/// A table after its first [`HEADER_SCAN`] rows.
pub(crate) enum Start<'a, 't> {
    /// The header was found: the body reads the rest, starting with the
    /// rows of the scan below the header.
    Body(Box<Body<'a>>, Tally, Vec<Item<'t>>),
    /// No header: nothing more to read.
    Done(Table),
}

/// Finds the header among `head`, the first [`HEADER_SCAN`] rows, and
/// counts the title rows above it.
pub(crate) fn start_table<'a, 't>(
    ctx: &Ctx<'a>,
    kind: &TableKind<'_>,
    mut head: Vec<Item<'t>>,
    implied: &Implied,
    out: &mut FileOutcome,
) -> Start<'a, 't> {
    let Some((at, guess)) = find_header(ctx.catalog, &head) else {
        let best = head
            .iter()
            .filter_map(|i| match i {
                Item::Row(r) => Some(r),
                Item::Broken { .. } => None,
            })
            .max_by_key(|r| {
                let mapped = r
                    .cells
                    .iter()
                    .filter(|c| ctx.catalog.header(c).is_some())
                    .count();
                let filled = r.cells.iter().filter(|c| !c.trim().is_empty()).count();
                (mapped, filled, std::cmp::Reverse(r.line))
            });
        return Start::Done(match best {
            Some(row) if !row.is_blank() => {
                Table::NoHeader(row.cells.iter().map(|c| c.trim().to_string()).collect())
            }
            _ => Table::Empty,
        });
    };
    let mut rest = head.split_off(at);
    let Some(Item::Row(header)) = (!rest.is_empty()).then(|| rest.remove(0)) else {
        return Start::Done(Table::Empty);
    };
    // Title rows above the header may name the session.
    let mut title = Implied::default();
    for item in &head {
        if let Item::Row(row) = item
            && !row.is_blank()
        {
            out.report.title_rows += 1;
            if title.get(Facet::District).is_none() {
                let joined = row.cells.join(" ");
                title = Implied::of(district_in_words(ctx.catalog, &joined).map(Value::District));
            }
        }
    }
    if title != Implied::default() {
        title.describe(
            ctx.catalog,
            &format!("the title above the header, line {}", header.line),
            &mut out.report.implied,
        );
    }
    let implied = title.or(implied);

    let headers: Vec<String> = header.cells.iter().map(|h| h.trim().to_string()).collect();
    let mut fields: Vec<Option<Field>> = headers.iter().map(|h| ctx.catalog.header(h)).collect();
    if let Some(guess) = guess {
        fields[guess.column] = Some(Field::Text);
        // The first table's choice (a workbook's sheets are alike).
        if out.report.text_column.is_none() {
            let name = |i: usize| match headers[i].as_str() {
                "" => format!("column {}", i + 1),
                h => h.to_string(),
            };
            out.report.text_column = Some(TextChoice {
                column: name(guess.column),
                title: fields
                    .iter()
                    .position(|f| *f == Some(Field::Title))
                    .map(name),
                by: guess.by,
            });
        }
    }
    let columns: Vec<Column> = headers
        .iter()
        .zip(&fields)
        .map(|(h, f)| Column {
            header: h.clone(),
            field: *f,
        })
        .collect();
    let header_key: Vec<String> = headers.iter().map(|h| fold_key(h)).collect();
    // Column names, one per cell; rows wider than the header (in a
    // spreadsheet) add `column N`.
    let names: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h.clone()
            }
        })
        .collect();
    let theme_col = fields.iter().position(|f| *f == Some(Field::Theme));
    // The text and title columns that hold HTML, judged by the rows of the
    // scan below the header; a title beside an HTML text is HTML too (a
    // portal's titles keep an entity here and there).
    let html_cells = |i: usize| {
        crate::html::is_html_column(rest.iter().filter_map(|item| match item {
            Item::Row(r) => r.cells.get(i).map(|c| &**c),
            Item::Broken { .. } => None,
        }))
    };
    let html_text = (0..fields.len()).any(|i| fields[i] == Some(Field::Text) && html_cells(i));
    let html: Vec<bool> = (0..fields.len())
        .map(|i| match fields[i] {
            Some(Field::Text) => html_cells(i),
            Some(Field::Title) => html_text || html_cells(i),
            _ => false,
        })
        .collect();
    let body = Body {
        catalog: ctx.catalog,
        limits: ctx.limits,
        source: ctx.provenance(kind.sheet, 0, 0),
        header_row: header.line,
        columns,
        theme_col,
        headers,
        fields,
        html,
        header_key,
        names,
        implied,
        strict_width: kind.strict_width,
    };
    let tally = Tally {
        record: 0,
        title_rows: out.report.title_rows,
        section: None,
    };
    Start::Body(Box::new(body), tally, rest)
}

/// The rows below a table's header. Each row is read in three steps, so
/// that the rows of a large file can go through the first two in parallel,
/// a stretch of rows at a time: [`Body::entry`] tells a record from a
/// section title or a blank row, [`Body::build`] numbers a record from the
/// [`Tally`] of the rows above it and builds it, [`Body::count`] counts
/// what it gave, in order.
pub(crate) struct Body<'a> {
    catalog: &'a Catalog,
    limits: &'a Limits,
    /// The provenance of every record, but for its number and line.
    source: Provenance,
    header_row: u64,
    columns: Vec<Column>,
    theme_col: Option<usize>,
    headers: Vec<String>,
    fields: Vec<Option<Field>>,
    /// Per column: whether its cells are HTML, made plain text.
    html: Vec<bool>,
    /// The header's cells as `fold_key` has them, to tell it repeated.
    header_key: Vec<String>,
    /// Column names, one per header cell; cells past them are `column N`.
    names: Vec<String>,
    /// What the file (or sheet) and the titles above the header imply.
    implied: Implied,
    strict_width: bool,
}

/// What the rows above a point of a table add up to.
#[derive(Clone, Debug)]
pub(crate) struct Tally {
    /// The records.
    record: u64,
    /// The title rows of the file, the ones above the header too.
    title_rows: u64,
    /// The theme of the last section title.
    section: Option<ThemeId>,
}

impl Tally {
    /// Adds rows without building their records.
    pub(crate) fn skip(&mut self, entries: &[Entry<'_>]) {
        for entry in entries {
            match entry {
                Entry::Record(_) => self.record += 1,
                Entry::Title(theme) => self.title(*theme),
            }
        }
    }

    fn title(&mut self, theme: Option<ThemeId>) {
        self.title_rows += 1;
        self.section = theme;
    }
}

/// A row that matters: a record, or a section title naming a theme (or
/// none) for the records below it.
#[derive(Debug)]
pub(crate) enum Entry<'t> {
    Record(Item<'t>),
    Title(Option<ThemeId>),
}

impl Entry<'_> {
    /// The line of a record, moved down by `lines`.
    pub(crate) fn shift(&mut self, lines: u64) {
        match self {
            Entry::Record(Item::Row(row)) => row.line += lines,
            Entry::Record(Item::Broken { line, .. }) => *line += lines,
            Entry::Title(_) => {}
        }
    }
}

/// What one record gave, numbered.
pub(crate) struct Built {
    record: u64,
    line: u64,
    /// The title rows above the record.
    title_rows: u64,
    /// What masking took out of it.
    masked: Masked,
    result: Result<Proposal, Box<Quarantined>>,
}

impl Body<'_> {
    /// Reads `items` one after the other from `tally`; false when
    /// `max_records` stopped the reading.
    pub(crate) fn read_rows<'t>(
        &self,
        ctx: &Ctx<'_>,
        out: &mut FileOutcome,
        tally: &mut Tally,
        items: impl Iterator<Item = Item<'t>>,
    ) -> bool {
        for item in items {
            if let Some(entry) = self.entry(item)
                && let Some(built) = self.build(&ctx.builder, tally, entry)
                && !self.count(ctx.limits, out, built)
            {
                return false;
            }
        }
        true
    }

    /// What `item` is: None for a blank row.
    pub(crate) fn entry<'t>(&self, item: Item<'t>) -> Option<Entry<'t>> {
        let Item::Row(row) = &item else {
            return Some(Entry::Record(item));
        };
        let filled: Vec<usize> = (0..row.cells.len())
            .filter(|&i| !row.cells[i].trim().is_empty())
            .collect();
        // A section title: one cell of words, in the first or the theme
        // column, and no text. Not a record; a theme it names applies to
        // the records below it.
        match filled[..] {
            [] => None, // a blank row is not a record
            [only]
                if self.headers.len() > 1
                    && self.fields.get(only).copied().flatten() != Some(Field::Text)
                    && (only == 0 || Some(only) == self.theme_col)
                    && is_title(&row.cells[only]) =>
            {
                let theme = match self.catalog.resolve(Facet::Theme, &row.cells[only]) {
                    Some(Value::Theme(t)) => Some(t),
                    _ => None,
                };
                Some(Entry::Title(theme))
            }
            _ => Some(Entry::Record(item)),
        }
    }

    /// Adds `entry` to `tally` and, for a record, builds it into a proposal
    /// or a quarantined record, looking labels up through `builder` (the
    /// memo is per builder; what it finds is not).
    pub(crate) fn build(
        &self,
        builder: &RecordBuilder<'_>,
        tally: &mut Tally,
        entry: Entry<'_>,
    ) -> Option<Built> {
        let item = match entry {
            Entry::Title(theme) => {
                tally.title(theme);
                return None;
            }
            Entry::Record(item) => item,
        };
        tally.record += 1;
        let line = match &item {
            Item::Row(row) => row.line,
            Item::Broken { line, .. } => *line,
        };
        let implied = Implied::of(tally.section.map(Value::Theme)).or(&self.implied);
        let result = self.record(builder, self.source(tally.record, line), item, &implied);
        Some(Built {
            result,
            masked: builder.take_masked(),
            record: tally.record,
            line,
            title_rows: tally.title_rows,
        })
    }

    fn source(&self, record: u64, line: u64) -> Provenance {
        Provenance {
            record,
            line,
            ..self.source.clone()
        }
    }

    fn record(
        &self,
        builder: &RecordBuilder<'_>,
        source: Provenance,
        item: Item<'_>,
        implied: &Implied,
    ) -> Result<Proposal, Box<Quarantined>> {
        let row = match item {
            Item::Broken {
                reason, what, raw, ..
            } => {
                let personal = self.fields.contains(&Some(Field::Personal));
                let raw = builder.raw_line(&raw, cap_chars(self.limits), personal);
                return Err(Box::new(Quarantined {
                    message: format!("{source}: {what}"),
                    source,
                    reason,
                    raw: [("line".to_string(), raw)].into(),
                }));
            }
            Item::Row(row) => row,
        };
        let headers = self.headers.len();
        // Cells past the header (in a spreadsheet) are `column N`.
        let extra: Vec<String> = (self.names.len()..row.cells.len())
            .map(|i| format!("column {}", i + 1))
            .collect();
        let name = |i: usize| {
            self.names
                .get(i)
                .unwrap_or_else(|| &extra[i - self.names.len()])
        };
        let quarantine = |reason: Reason, what: String| {
            let cells = row.cells.iter().enumerate().map(|(i, v)| {
                (
                    name(i).as_str(),
                    self.fields.get(i).copied().flatten(),
                    &**v,
                )
            });
            let raw = builder.raw_cells(cells, cap_chars(self.limits));
            Box::new(Quarantined {
                message: format!("{source}: {what}"),
                source: source.clone(),
                reason,
                raw,
            })
        };
        // Trailing empty fields (`a;b;c;;;`) are how Excel pads rows.
        let mut width = row.cells.len();
        while width > headers && row.cells[width - 1].trim().is_empty() {
            width -= 1;
        }
        if self.strict_width && width != headers {
            return Err(if !row.terminated && width < headers {
                quarantine(
                    Reason::Truncated,
                    format!("the file ends inside this record ({width} of {headers} fields)"),
                )
            } else {
                quarantine(
                    Reason::FieldCount,
                    format!("{width} fields where the header has {headers}"),
                )
            });
        }
        let key_matches = row.cells[..width]
            .iter()
            .map(|c| fold_key(c))
            .eq(self.header_key.iter().cloned());
        if key_matches {
            return Err(quarantine(
                Reason::RepeatedHeader,
                "the header row again".to_string(),
            ));
        }
        let cleaned: Vec<std::borrow::Cow<'_, str>> = (0..width)
            .map(|i| {
                let cell = &*row.cells[i];
                if self.html.get(i).copied().unwrap_or(false) {
                    crate::html::clean(cell)
                } else {
                    std::borrow::Cow::Borrowed(cell)
                }
            })
            .collect();
        let cells = (0..width).map(|i| {
            (
                name(i).as_str(),
                self.fields.get(i).copied().flatten(),
                &*cleaned[i],
            )
        });
        let mut p = builder.build(source, cells)?;
        implied.apply(&mut p, self.catalog);
        Ok(p)
    }

    /// Counts what a record gave; false (and the record quarantined as
    /// `too_many_records`) when it is one over `max_records`: the reading
    /// stops there, and only the title rows above it count.
    pub(crate) fn count(&self, limits: &Limits, out: &mut FileOutcome, built: Built) -> bool {
        if !admit(limits, out, &self.source(built.record, built.line)) {
            out.report.title_rows = built.title_rows;
            return false;
        }
        out.report.masked += built.masked;
        match built.result {
            Ok(p) => out.accept(p),
            Err(q) => out.reject(*q),
        }
        true
    }

    /// The table, read to the end (`complete`, the title rows of `tally`
    /// counted) or not.
    pub(crate) fn finish(self, out: &mut FileOutcome, tally: &Tally, complete: bool) -> Table {
        if complete {
            out.report.title_rows = tally.title_rows;
        }
        Table::Read {
            header_row: self.header_row,
            columns: self.columns,
            complete,
        }
    }
}

/// The header, and the text column when no header names one: the first
/// row among `head` (of two filled cells or more) that names a text column
/// or, short cells all, has a header the catalogue maps to nothing that
/// holds a word of `text_words` («Текст Сообщения», `description`: the
/// earliest word of the list wins, then the longer Russian text below);
/// failing that, the first row naming a text column alone (a lone
/// «Предложения» is more likely a title); failing that, the first row
/// with a column of free Russian text below it (the longest on average).
fn find_header(catalog: &Catalog, head: &[Item<'_>]) -> Option<(usize, Option<Guess>)> {
    let rows: Vec<(usize, &Row<'_>)> = head
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Row(r) => Some((i, r)),
            Item::Broken { .. } => None,
        })
        .collect();
    let names_text = |row: &Row<'_>| {
        row.cells
            .iter()
            .any(|c| catalog.header(c) == Some(Field::Text))
    };
    let filled = |row: &Row<'_>| row.cells.iter().filter(|c| !c.trim().is_empty()).count();
    let short = |row: &Row<'_>| row.cells.iter().all(|c| c.trim().chars().count() <= 80);
    // The mean length of the free Russian text in column `c` below row `at`.
    let content = |at: usize, c: usize| -> usize {
        let below: Vec<&Row<'_>> = rows
            .iter()
            .filter(|(i, r)| *i > at && filled(r) > 0)
            .map(|(_, r)| *r)
            .collect();
        let total: usize = below
            .iter()
            .filter_map(|r| r.cells.get(c))
            .map(|cell| russian_text(cell))
            .sum();
        total / below.len().max(1)
    };
    let unmapped = |cell: &str| !cell.trim().is_empty() && catalog.header(cell).is_none();
    let by_word = |at: usize, row: &Row<'_>| {
        row.cells
            .iter()
            .enumerate()
            .filter(|(_, cell)| unmapped(cell))
            .filter_map(|(c, cell)| Some((catalog.text_word(cell)?, c)))
            .min_by_key(|&(rank, c)| (rank, std::cmp::Reverse(content(at, c)), c))
            .map(|(_, column)| Guess {
                column,
                by: ChosenBy::HeaderWord,
            })
    };
    for &(at, row) in &rows {
        if filled(row) < 2 {
            continue;
        }
        if names_text(row) {
            return Some((at, None));
        }
        if short(row)
            && let Some(guess) = by_word(at, row)
        {
            return Some((at, Some(guess)));
        }
    }
    if let Some(&(at, _)) = rows.iter().find(|(_, r)| names_text(r)) {
        return Some((at, None));
    }
    rows.iter()
        .filter(|(_, r)| filled(r) >= 2)
        .find_map(|&(at, row)| {
            let (column, length) = (0..row.cells.len())
                .filter(|&c| row.cells[c].trim().is_empty() || unmapped(&row.cells[c]))
                .map(|c| (c, content(at, c)))
                .max_by_key(|&(c, length)| (length, std::cmp::Reverse(c)))?;
            (length >= MIN_FREE_TEXT).then_some((
                at,
                Some(Guess {
                    column,
                    by: ChosenBy::Content,
                }),
            ))
        })
}

/// The text column chosen when no header names one.
#[derive(Clone, Debug, PartialEq)]
struct Guess {
    column: usize,
    by: ChosenBy,
}

/// The least mean length, in characters, of a column taken for the text
/// by its content: a sentence, not a name or a code.
pub(crate) const MIN_FREE_TEXT: usize = 20;

/// The length in characters of `cell` if it is free Russian text (words
/// of Cyrillic letters, more letters than anything else), else 0.
pub(crate) fn russian_text(cell: &str) -> usize {
    let cell = cell.trim();
    let (mut chars, mut cyrillic, mut letters) = (0usize, 0usize, 0usize);
    for c in cell.chars() {
        chars += 1;
        if c.is_alphabetic() {
            letters += 1;
            if ('\u{400}'..='\u{4ff}').contains(&c) {
                cyrillic += 1;
            }
        }
    }
    let words = cell.split_whitespace().count();
    if words >= 3 && cyrillic * 2 > letters && letters * 2 > chars {
        chars
    } else {
        0
    }
}

/// Words that can title a section: letters, not a number or a code.
fn is_title(cell: &str) -> bool {
    cell.chars().filter(|c| c.is_alphabetic()).count() >= 3
}

/// How many characters of a raw value the quarantine keeps: at most the
/// text limit, so that a hostile 50 MB field is not copied into
/// `quarantine.jsonl`.
pub(crate) fn cap_chars(limits: &Limits) -> usize {
    limits.max_text_chars.max(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_in_words_table() {
        let c = Catalog::embedded();
        let short =
            |text: &str| district_in_words(&c, text).map(|d| c.district_info(d).short.clone());
        let cases = [
            (
                "Предложения участников стратегической сессии СКФО",
                Some("СКФО"),
            ),
            (
                "Стратегическая сессия, Ставрополь, 8–9 февраля 2018",
                Some("СКФО"),
            ),
            ("Северо-Кавказский федеральный округ", Some("СКФО")),
            ("skfo stavropol", Some("СКФО")),
            ("УрФО и СКФО", None),
            ("Предложения", None),
            ("Центральный район города", None),
        ];
        for (text, want) in cases {
            assert_eq!(short(text).as_deref(), want, "{text:?}");
        }
        let by_name = |name: &str| {
            implied_by_name(&c, name)
                .get(Facet::District)
                .map(|d| c.display(d).into_owned())
        };
        assert_eq!(by_name("skfo-stavropol.csv").as_deref(), Some("СКФО"));
        assert_eq!(by_name("СКФО.xlsx").as_deref(), Some("СКФО"));
        assert_eq!(by_name("dir/Улан-Удэ.json").as_deref(), Some("СФО"));
        assert_eq!(by_name("export-2018.csv"), None);
    }

    #[test]
    fn cap_table() {
        let limits = Limits {
            max_text_chars: 64,
            ..Limits::default()
        };
        let long = "я".repeat(100);
        let cap = |v: &str, l: &Limits| crate::record::capped(v, cap_chars(l));
        assert_eq!(cap("коротко", &limits), "коротко");
        let capped = cap(&long, &limits);
        assert!(capped.starts_with(&"я".repeat(64)), "{capped}");
        assert!(capped.ends_with("… [100 characters in all]"), "{capped}");
    }
}
